/*
 * debug.c - the debug layer: stacks on any heap through the same interface
 * and catches what its callers get wrong (the FlingOS "Heaps" article's
 * data overwrite, over-freeing and leaks), naming the block, its tag and its
 * allocation number.  Found as "debug:<heap>" (debug.h, harness/registry.c).
 *
 * Algorithm
 *   alloc(size, align, tag) asks the inner heap for one block holding, in
 *   order: padding, a header, a front guard of DBG_FRONT bytes (0xfb), the
 *   caller's bytes, and a back guard of DBG_BACK bytes (0xfd).  The
 *   caller's pointer is aligned as asked: the inner block is asked for the
 *   same alignment A, and the header and front guard take the first
 *   round_up(header + DBG_FRONT, A) bytes.  The pointer goes into a hash
 *   table of live blocks (open addressing, linear probing, kept at most
 *   half full; the table never reads memory a pointer points to, so a
 *   wild pointer given to free is looked up safely).
 *   free(p): a pointer not in the table is a bad free (HB_EBADPTR), told
 *   apart as a double free (it is in the quarantine), an interior pointer
 *   (it lies inside a live block) or a foreign one.  A live block's header
 *   and guards are checked, its bytes poisoned (0xdf), and it joins the
 *   quarantine: a ring of the last DBG_QUARANTINE freed blocks (at most
 *   DBG_QUARANTINE_BYTES in all), still held from the inner heap.  A block
 *   leaving the quarantine (the oldest, when it is full; all of them when
 *   no block is live, or at contract) has its poison and guards checked and
 *   is then freed to the inner heap: a write after free is caught if it
 *   happened while the block was quarantined.
 *   check() and hb_debug_check(): every live block's header checksum and
 *   guards, every quarantined block's guards and poison, and the inner
 *   heap's own check().  Corruption found while freeing is kept and
 *   reported by every later check().  hb_debug_report() lists the live
 *   blocks by tag at teardown (the leaks).
 *
 * Per-allocation metadata (inside the inner block)
 *   struct dbg_hdr: allocation number, free number once freed, the inner
 *   block's address, requested size, tag, and a checksum of all of these
 *   and the header's address (a flipped header byte is reported as such,
 *   and its fields are never trusted).  Guards: DBG_FRONT + DBG_BACK bytes.
 *   Padding to the alignment: up to A - 1.  A default-aligned block costs
 *   48 + 16 + 16 = 80 bytes on 64-bit targets, 32 + 16 + 16 = 64 on 32-bit
 *   ones, on top of the inner heap's own header.
 *
 * Global metadata
 *   struct hb_heap at the front of the initial block (rounded up to a page
 *   when the block is page-aligned, so the inner heap keeps page-aligned
 *   blocks): the inner heap's handle, the quarantine ring, the first
 *   corruption and last error messages, counters, and a built-in table of
 *   DBG_TABLE_SLOTS pointers.  A larger table is a block of the inner heap
 *   (tag "debug layer: live table"), given back once no block is live.
 *   Quarantined blocks and the table count as metadata.  A checksum covers
 *   the fields check() follows (the inner heap, the table's place and size,
 *   the XOR of its entries and of the quarantine's), so a flipped byte of
 *   the layer's own state is reported before any pointer in it is used.
 *
 * Stats: the inner heap's, with the layer's front part counted as pool
 *   and metadata, the table and quarantined blocks as metadata, granted and
 *   requested = the callers' sizes (size 0 counts 1), and the layer's
 *   header, guards and padding plus the inner heap's rounding counted as
 *   header bytes, so the identity holds.  Counters are the layer's own.
 *
 * Costs
 *   alloc: the inner alloc + O(1) expected (hash insert, 32 guard bytes
 *   written, a checksum), plus an O(live) rehash when the table doubles.
 *   free: O(1) expected + O(size) (poison), plus the inner free and the
 *   O(size) poison check of the block leaving the quarantine.  check():
 *   O(live + quarantined bytes) + the inner check.  A bad free: O(live) to
 *   name the block an interior pointer lies in.
 *
 * Capabilities: the inner heap's FREE, EXPAND and CONTRACT (and the facts
 *   ALIGN_EMULATED, STATS_ESTIMATED), plus TAGS, REQUESTED, WALK, CHECK,
 *   DETECT_BAD_FREE and DETECT_OVERWRITE.  Not offered whatever the inner
 *   heap says: EXACT_FIT (the layer adds its own overhead), thread safety
 *   (the layer's state is unlocked).  max_align is the inner heap's, at most
 *   DBG_MAX_ALIGN: an alignment A costs up to A bytes in front of the block.
 *
 * Trade-offs: freed memory is reused only once it leaves the quarantine (at
 *   most DBG_QUARANTINE blocks later, or at once when nothing is live), so a
 *   full fixed-size heap may refuse a request that the quarantined blocks
 *   could serve.  A write after free is seen only while the block is in
 *   quarantine.  Unlike heaps, the layer formats its reports with snprintf.
 */
#include "debug.h"

#include <string.h>

#define DBG_FRONT 16
#define DBG_BACK 16
#define DBG_FRONT_BYTE 0xfbu
#define DBG_BACK_BYTE 0xfdu
#define DBG_POISON_BYTE 0xdfu
#define DBG_QUARANTINE 16
#define DBG_QUARANTINE_BYTES ((size_t)256 * 1024)
#define DBG_TABLE_SLOTS 64
#define DBG_MAX_ALIGN ((size_t)64 * 1024)
#define DBG_STATE_MAGIC 0x64626721u
#define DBG_SUM_MAGIC ((uintptr_t)0x5eedc0de)
#define DBG_MSG 256

struct dbg_hdr {
    uint64_t seq;      /* allocation number, from 1 */
    uint64_t free_seq; /* free number once freed, else 0 */
    void *inner;       /* what the inner heap returned */
    size_t size;       /* requested */
    const char *tag;
    uintptr_t sum; /* checksum of the above and the header's address */
};

#define DBG_HDR hb_align_up(sizeof(struct dbg_hdr), 8)

struct quarantined {
    unsigned char *user; /* what alloc had returned */
    void *inner;         /* kept here too: freed even if the header is damaged */
    size_t total;
};

struct hb_heap {
    uint32_t magic;
    const struct hb_heap_ops *ops; /* this layer's table */
    const struct hb_heap_ops *inner_ops;
    hb_heap *inner;
    size_t front;     /* bytes of the initial block before the inner heap */
    uintptr_t *table; /* live user pointers; 0 = empty slot */
    size_t cap, n;
    size_t table_bytes; /* a table taken from the inner heap; 0: the built-in one */
    struct quarantined q[DBG_QUARANTINE];
    size_t q_first, q_count, q_bytes; /* q_bytes: sum of their totals */
    uintptr_t table_xor, q_xor;       /* of every table entry, of every quarantine entry */
    uintptr_t sum;                    /* of the fields above (state_sum): check() trusts no pointer before */
    size_t live_bytes;                /* sum of the live blocks' sizes (0 counts 1) */
    uint64_t next_seq, next_free_seq;
    uint64_t allocs, frees, failures;
    unsigned corruptions, bad_frees;
    char first_corruption[DBG_MSG]; /* sticky: found while freeing */
    char last_error[DBG_MSG];
    uintptr_t builtin[DBG_TABLE_SLOTS];
};

/* ---- headers, guards, messages ------------------------------------------- */

static size_t user_size(size_t size)
{
    return size ? size : 1;
}

static struct dbg_hdr *header_of(const void *user)
{
    return (struct dbg_hdr *)(void *)((unsigned char *)(uintptr_t)user - DBG_FRONT - DBG_HDR);
}

static uintptr_t mix(uintptr_t h, uintptr_t v)
{
    h ^= v + (uintptr_t)0x9e3779b9u + (h << 6) + (h >> 2);
    return h;
}

static uintptr_t header_sum(const struct dbg_hdr *d)
{
    uintptr_t h = DBG_SUM_MAGIC;
    h = mix(h, (uintptr_t)d->seq);
    h = mix(h, (uintptr_t)(d->seq >> 16 >> 16));
    h = mix(h, (uintptr_t)d->free_seq);
    h = mix(h, (uintptr_t)d->inner);
    h = mix(h, d->size);
    h = mix(h, (uintptr_t)d->tag);
    return mix(h, (uintptr_t)d);
}

static void seal(struct dbg_hdr *d)
{
    d->sum = header_sum(d);
}

/* "block 0x... (size 24, tag "driver:dma", allocation #17" - the caller
   closes the parenthesis. */
static int describe(char *out, size_t len, const unsigned char *user, const struct dbg_hdr *d)
{
    if (d->tag)
        return snprintf(out, len, "block %p (size %zu, tag \"%s\", allocation #%llu", (const void *)user, d->size,
                        d->tag, (unsigned long long)d->seq);
    return snprintf(out, len, "block %p (size %zu, no tag, allocation #%llu", (const void *)user, d->size,
                    (unsigned long long)d->seq);
}

/* The header, guards and (for a freed block) poison of one block: 0, or -1
   with the report in msg. */
/* The first changed guard or poison byte, as "what", offset, value and
   wanted value; 0 when all are intact. */
struct damage {
    const char *what; /* "underrun", "overrun", "write after free" */
    ptrdiff_t at;
    unsigned got, want;
};

/* Index of the first byte of [p, p+n) that is not v (n if none), a word
   at a time. */
static size_t first_changed(const unsigned char *p, size_t n, unsigned char v)
{
    const uintptr_t word = (uintptr_t)v * (UINTPTR_MAX / 255);
    size_t i = 0;
    for (; i < n && (uintptr_t)(p + i) % sizeof word; i++)
        if (p[i] != v)
            return i;
    for (; i + sizeof word <= n; i += sizeof word) {
        uintptr_t x;
        memcpy(&x, p + i, sizeof x);
        if (x != word)
            break;
    }
    for (; i < n; i++)
        if (p[i] != v)
            return i;
    return n;
}

static int find_damage(const unsigned char *user, const struct dbg_hdr *d, struct damage *out)
{
    if (first_changed(user - DBG_FRONT, DBG_FRONT, DBG_FRONT_BYTE) != DBG_FRONT)
        for (ptrdiff_t i = 1; i <= DBG_FRONT; i++) /* the changed byte nearest the block */
            if (user[-i] != DBG_FRONT_BYTE) {
                *out = (struct damage){"underrun", -i, user[-i], DBG_FRONT_BYTE};
                return 1;
            }
    size_t n = user_size(d->size);
    size_t i = first_changed(user + n, DBG_BACK, DBG_BACK_BYTE);
    if (i != DBG_BACK) {
        *out = (struct damage){"overrun", (ptrdiff_t)i, user[n + i], DBG_BACK_BYTE};
        return 1;
    }
    i = d->free_seq ? first_changed(user, n, DBG_POISON_BYTE) : n;
    if (i != n) {
        *out = (struct damage){"write after free", (ptrdiff_t)i, user[i], DBG_POISON_BYTE};
        return 1;
    }
    return 0;
}

/* The header, guards and (for a freed block) poison of one block: 0, or -1
   with the report in msg. */
static int check_one(const unsigned char *user, char *msg, size_t len)
{
    const struct dbg_hdr *d = header_of(user);
    if (d->sum != header_sum(d)) {
        snprintf(msg, len,
                 "corrupt header: block %p has its header (%zu bytes before the block) changed; its size, tag and "
                 "allocation number are lost",
                 (const void *)user, (size_t)(DBG_FRONT + DBG_HDR));
        return -1;
    }
    struct damage dm;
    if (!find_damage(user, d, &dm))
        return 0;
    char who[160];
    describe(who, sizeof who, user, d);
    if (d->free_seq && dm.what[0] == 'w')
        snprintf(msg, len, "%s: %s, freed by free #%llu) changed at byte %td (0x%02x, want 0x%02x)", dm.what, who,
                 (unsigned long long)d->free_seq, dm.at, dm.got, dm.want);
    else
        snprintf(msg, len, "%s: %s) has its guard %s changed at byte %td (0x%02x, want 0x%02x)", dm.what, who,
                 dm.at < 0 ? "before the start" : "after the end", dm.at, dm.got, dm.want);
    return -1;
}

static void record_corruption(hb_heap *h, const char *msg)
{
    if (!h->corruptions++)
        snprintf(h->first_corruption, sizeof h->first_corruption, "%s", msg);
    snprintf(h->last_error, sizeof h->last_error, "%s", msg);
}

/* ---- the table of live blocks ------------------------------------------------ */

static size_t home(const hb_heap *h, uintptr_t key)
{
    uint64_t x = (uint64_t)(key >> 3) * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 32) & (h->cap - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const hb_heap *h, uintptr_t key)
{
    size_t i = home(h, key);
    while (h->table[i] && h->table[i] != key)
        i = (i + 1) & (h->cap - 1);
    return i;
}

static int is_live(const hb_heap *h, const void *p)
{
    return p && h->table[find_slot(h, (uintptr_t)p)] == (uintptr_t)p;
}

static void table_put(hb_heap *h, uintptr_t key)
{
    h->table[find_slot(h, key)] = key;
    h->table_xor ^= mix(DBG_SUM_MAGIC, key);
    h->n++;
}

/* Linear probing's deletion: later entries of the run move back. */
static void table_remove(hb_heap *h, uintptr_t key)
{
    size_t i = find_slot(h, key), m = h->cap - 1;
    h->table[i] = 0;
    h->table_xor ^= mix(DBG_SUM_MAGIC, key);
    h->n--;
    for (size_t j = (i + 1) & m; h->table[j]; j = (j + 1) & m) {
        size_t k = home(h, h->table[j]);
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        h->table[i] = h->table[j];
        h->table[j] = 0;
        i = j;
    }
}

static void table_move(hb_heap *h, uintptr_t *to, size_t cap)
{
    uintptr_t *from = h->table;
    size_t old_cap = h->cap, old_bytes = h->table_bytes;
    memset(to, 0, cap * sizeof *to);
    h->table = to;
    h->cap = cap;
    h->table_bytes = to == h->builtin ? 0 : cap * sizeof *to;
    h->n = 0;
    h->table_xor = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (from[i])
            table_put(h, from[i]);
    if (old_bytes)
        h->inner_ops->free(h->inner, from);
}

/* Room for one more entry: doubles the table past half full (a block of the
   inner heap); fails only when it is nearly full and cannot grow. */
static int table_make_room(hb_heap *h)
{
    if (2 * (h->n + 1) <= h->cap)
        return 0;
    size_t cap = 2 * h->cap;
    void *block = cap <= SIZE_MAX / 2 / sizeof(uintptr_t)
                      ? h->inner_ops->alloc(h->inner, cap * sizeof(uintptr_t), 0, "debug layer: live table")
                      : NULL;
    if (block) {
        table_move(h, block, cap);
        return 0;
    }
    return h->n + 2 <= h->cap ? 0 : -1;
}

/* Back to the built-in table once nothing is live. */
static void table_shrink(hb_heap *h)
{
    if (!h->n && h->table_bytes)
        table_move(h, h->builtin, DBG_TABLE_SLOTS);
}

/* ---- the layer's own state ------------------------------------------------- */

static uintptr_t quarantine_mix(const struct quarantined *e)
{
    return mix(mix(mix(DBG_SUM_MAGIC, (uintptr_t)e->user), (uintptr_t)e->inner), e->total);
}

/* What check() must trust before it follows a pointer: the inner heap, the
   table (where, how large; the XOR of its entries) and the quarantine. */
static uintptr_t state_sum(const hb_heap *h)
{
    uintptr_t x = mix(DBG_SUM_MAGIC, h->magic);
    x = mix(x, (uintptr_t)h->ops);
    x = mix(x, (uintptr_t)h->inner_ops);
    x = mix(x, (uintptr_t)h->inner);
    x = mix(x, h->front);
    x = mix(x, (uintptr_t)h->table);
    x = mix(x, h->cap);
    x = mix(x, h->n);
    x = mix(x, h->table_bytes);
    x = mix(x, h->q_first);
    x = mix(x, h->q_count);
    x = mix(x, h->q_bytes);
    x = mix(x, h->table_xor);
    return mix(x, h->q_xor);
}

static void seal_state(hb_heap *h)
{
    h->sum = state_sum(h);
}

/* The state, the table's entries and the quarantine's agree with their
   sums: 0, or -1 with what does not in msg. */
static int check_state(const hb_heap *h, char *msg, size_t len)
{
    if (h->sum != state_sum(h) || h->magic != DBG_STATE_MAGIC || h->q_count > DBG_QUARANTINE ||
        h->q_first >= DBG_QUARANTINE) {
        hb_report(msg, len, "the debug layer's own state (inner heap, table, quarantine) is corrupt");
        return -1;
    }
    uintptr_t x = 0;
    size_t n = 0;
    for (size_t i = 0; i < h->cap; i++)
        if (h->table[i]) {
            x ^= mix(DBG_SUM_MAGIC, h->table[i]);
            n++;
        }
    if (x != h->table_xor || n != h->n) {
        hb_report(msg, len, "the debug layer's table of live blocks is corrupt");
        return -1;
    }
    x = 0;
    for (size_t k = 0; k < h->q_count; k++)
        x ^= quarantine_mix(&h->q[(h->q_first + k) % DBG_QUARANTINE]);
    if (x != h->q_xor) {
        hb_report(msg, len, "the debug layer's quarantine is corrupt");
        return -1;
    }
    return 0;
}

/* ---- the quarantine ------------------------------------------------------------ */

static void release_oldest(hb_heap *h)
{
    struct quarantined *e = &h->q[h->q_first];
    char msg[DBG_MSG];
    if (check_one(e->user, msg, sizeof msg) != 0)
        record_corruption(h, msg);
    h->inner_ops->free(h->inner, e->inner);
    h->q_bytes -= e->total;
    h->q_xor ^= quarantine_mix(e);
    h->q_first = (h->q_first + 1) % DBG_QUARANTINE;
    h->q_count--;
}

static void release_all(hb_heap *h)
{
    while (h->q_count)
        release_oldest(h);
}

static const struct quarantined *in_quarantine(const hb_heap *h, const void *p)
{
    for (size_t k = 0; k < h->q_count; k++) {
        const struct quarantined *e = &h->q[(h->q_first + k) % DBG_QUARANTINE];
        if (e->user == p)
            return e;
    }
    return NULL;
}

/* ---- operations -------------------------------------------------------------- */

static hb_heap *debug_create(const struct hb_heap_ops *self, const struct hb_heap_ops *inner_ops, void *block,
                             size_t len, const struct hb_config *cfg)
{
    uintptr_t b = (uintptr_t)block;
    if (!block || b % HB_DEFAULT_ALIGN)
        return NULL;
    size_t front = hb_align_up(sizeof(struct hb_heap), HB_DEFAULT_ALIGN);
    if (cfg->page_size && b % cfg->page_size == 0)
        front = hb_align_up(front, cfg->page_size);
    if (len < front || len - front < inner_ops->min_initial)
        return NULL;
    hb_heap *inner = inner_ops->create((unsigned char *)block + front, len - front, cfg);
    if (!inner)
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    h->magic = DBG_STATE_MAGIC;
    h->ops = self;
    h->inner_ops = inner_ops;
    h->inner = inner;
    h->front = front;
    h->table = h->builtin;
    h->cap = DBG_TABLE_SLOTS;
    h->next_seq = h->next_free_seq = 1;
    seal_state(h);
    return h;
}

static void *debug_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    size_t a = hb_effective_align(align, h->ops->max_align);
    size_t n = user_size(size);
    size_t lead = hb_align_up(DBG_HDR + DBG_FRONT, a);
    if (!a || n > SIZE_MAX - lead - DBG_BACK) {
        h->failures++;
        return NULL;
    }
    size_t total = lead + n + DBG_BACK;
    unsigned char *q = h->inner_ops->alloc(h->inner, total, align <= HB_DEFAULT_ALIGN ? align : a, tag);
    if (!q) {
        h->failures++;
        return NULL;
    }
    if (table_make_room(h) != 0) {
        h->inner_ops->free(h->inner, q);
        h->failures++;
        return NULL;
    }
    unsigned char *user = q + lead;
    struct dbg_hdr *d = header_of(user);
    d->seq = h->next_seq++;
    d->free_seq = 0;
    d->inner = q;
    d->size = size;
    d->tag = tag;
    seal(d);
    memset(user - DBG_FRONT, DBG_FRONT_BYTE, DBG_FRONT);
    memset(user + n, DBG_BACK_BYTE, DBG_BACK);
    table_put(h, (uintptr_t)user);
    h->live_bytes += n;
    h->allocs++;
    seal_state(h);
    return user;
}

/* Why p is not a live block, in words (kept as the last error). */
static void explain_bad_free(hb_heap *h, const unsigned char *p)
{
    char who[160];
    const struct quarantined *e = in_quarantine(h, p);
    if (e && header_of(p)->sum == header_sum(header_of(p))) {
        describe(who, sizeof who, p, header_of(p));
        snprintf(h->last_error, sizeof h->last_error, "double free: %s) was already freed by free #%llu", who,
                 (unsigned long long)header_of(p)->free_seq);
        return;
    }
    for (size_t i = 0; i < h->cap; i++) {
        const unsigned char *u = (const unsigned char *)h->table[i];
        const struct dbg_hdr *d = u ? header_of(u) : NULL;
        if (d && d->sum == header_sum(d) && p > u && p < u + user_size(d->size)) {
            describe(who, sizeof who, u, d);
            snprintf(h->last_error, sizeof h->last_error, "interior pointer: free(%p) is %zu bytes into %s)",
                     (const void *)p, (size_t)(p - u), who);
            return;
        }
    }
    snprintf(h->last_error, sizeof h->last_error,
             "bad free: %p is not a live block of this heap (never returned by alloc, or freed before)",
             (const void *)p);
}

static int debug_free(hb_heap *h, void *ptr)
{
    unsigned char *user = ptr;
    if (!user)
        return HB_OK;
    if (!is_live(h, user)) {
        h->bad_frees++;
        explain_bad_free(h, user);
        return HB_EBADPTR;
    }
    struct dbg_hdr *d = header_of(user);
    char msg[DBG_MSG];
    size_t n = user_size(d->size);
    if (check_one(user, msg, sizeof msg) != 0) {
        record_corruption(h, msg);
        if (d->sum != header_sum(d))
            return HB_EBADPTR; /* its inner block is unknown: it stays live, and reported */
        memset(user - DBG_FRONT, DBG_FRONT_BYTE, DBG_FRONT); /* reported once: the quarantine sees only new damage */
        memset(user + n, DBG_BACK_BYTE, DBG_BACK);
    }
    memset(user, DBG_POISON_BYTE, n);
    d->free_seq = h->next_free_seq++;
    seal(d);
    table_remove(h, (uintptr_t)user);
    h->live_bytes -= n;
    h->frees++;
    size_t total = (size_t)(user - (unsigned char *)d->inner) + n + DBG_BACK;
    while (h->q_count == DBG_QUARANTINE || (h->q_count && h->q_bytes + total > DBG_QUARANTINE_BYTES))
        release_oldest(h);
    struct quarantined *e = &h->q[(h->q_first + h->q_count++) % DBG_QUARANTINE];
    e->user = user;
    e->inner = d->inner;
    e->total = total;
    h->q_bytes += total;
    h->q_xor ^= quarantine_mix(e);
    if (h->n == 0) { /* nothing live: everything is reusable again */
        release_all(h);
        table_shrink(h);
    }
    seal_state(h);
    return HB_OK;
}

static int debug_expand(hb_heap *h, void *block, size_t len)
{
    return h->inner_ops->expand(h->inner, block, len);
}

/* Releasing the quarantine and shrinking the table free blocks in the inner
   heap, which may give pages back then (a slab heap does): what contract
   returns is all the inner pool shrank by during the call. */
static size_t debug_contract(hb_heap *h)
{
    struct hb_stats before, after;
    h->inner_ops->stats(h->inner, &before);
    release_all(h);
    table_shrink(h);
    seal_state(h);
    h->inner_ops->contract(h->inner);
    h->inner_ops->stats(h->inner, &after);
    return before.pool_bytes - after.pool_bytes;
}

static void debug_stats(const hb_heap *h, struct hb_stats *out)
{
    struct hb_stats s;
    h->inner_ops->stats(h->inner, &s);
    out->pool_bytes = s.pool_bytes + h->front;
    out->meta_bytes = s.meta_bytes + h->front + h->table_bytes + h->q_bytes;
    out->header_bytes = s.header_bytes + s.granted_bytes - h->live_bytes - h->q_bytes - h->table_bytes;
    out->padding_bytes = s.padding_bytes;
    out->granted_bytes = h->live_bytes;
    out->requested_bytes = h->live_bytes;
    out->free_bytes = s.free_bytes;
    out->largest_free = s.largest_free;
    out->blocks = s.blocks;
    out->live = h->n;
    out->allocs = h->allocs;
    out->frees = h->frees;
    out->failures = h->failures;
}

static int debug_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    for (size_t i = 0; i < h->cap; i++) {
        if (!h->table[i])
            continue;
        const struct dbg_hdr *d = header_of((void *)h->table[i]);
        struct hb_block_info info = {(void *)h->table[i], user_size(d->size), user_size(d->size), d->tag};
        int rc = fn(&info, ctx);
        if (rc)
            return rc;
    }
    return HB_OK;
}

static int debug_check(const hb_heap *h, char *msg, size_t msg_len)
{
    if (h->corruptions)
        return hb_report(msg, msg_len, h->first_corruption);
    if (check_state(h, msg, msg_len) != 0)
        return HB_ECORRUPT;
    for (size_t i = 0; i < h->cap; i++)
        if (h->table[i] && check_one((const unsigned char *)h->table[i], msg, msg_len) != 0)
            return HB_ECORRUPT;
    for (size_t k = 0; k < h->q_count; k++)
        if (check_one(h->q[(h->q_first + k) % DBG_QUARANTINE].user, msg, msg_len) != 0)
            return HB_ECORRUPT;
    if (h->inner_ops->check)
        return h->inner_ops->check(h->inner, msg, msg_len);
    return HB_OK;
}

static size_t debug_usable_size(const hb_heap *h, const void *ptr)
{
    return is_live(h, ptr) ? user_size(header_of(ptr)->size) : 0;
}

/* ---- the public functions ---------------------------------------------------- */

int hb_debug_check(const hb_heap *h, char *msg, size_t msg_len)
{
    return debug_check(h, msg, msg_len);
}

int hb_debug_check_block(const hb_heap *h, const void *p, char *msg, size_t msg_len)
{
    if (!is_live(h, p))
        return hb_report(msg, msg_len, "not a live block of this heap");
    return check_one(p, msg, msg_len) ? HB_ECORRUPT : HB_OK;
}

const char *hb_debug_last_error(const hb_heap *h)
{
    return h->last_error;
}

static int same_tag(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The live block with the smallest allocation number above after (0: none). */
static uintptr_t next_by_seq(const hb_heap *h, uint64_t after)
{
    uintptr_t best = 0;
    uint64_t best_seq = UINT64_MAX;
    for (size_t i = 0; i < h->cap; i++) {
        if (!h->table[i])
            continue;
        uint64_t s = header_of((void *)h->table[i])->seq;
        if (s > after && s < best_seq) {
            best = h->table[i];
            best_seq = s;
        }
    }
    return best;
}

/* O(live^2): a teardown report. */
size_t hb_debug_report(const hb_heap *h, FILE *f)
{
    fprintf(f,
            "debug layer over %s: %llu allocations, %llu frees, %zu live (%zu bytes), %u corruptions, %u bad frees\n",
            h->inner_ops->name, (unsigned long long)h->allocs, (unsigned long long)h->frees, h->n, h->live_bytes,
            h->corruptions, h->bad_frees);
    if (h->corruptions)
        fprintf(f, "  corruption: %s\n", h->first_corruption);
    if (h->last_error[0] && strcmp(h->last_error, h->first_corruption) != 0)
        fprintf(f, "  last error: %s\n", h->last_error);
    /* Each tag once, at its first (lowest-numbered) live block. */
    for (uintptr_t u = next_by_seq(h, 0); u; u = next_by_seq(h, header_of((void *)u)->seq)) {
        const struct dbg_hdr *d = header_of((void *)u);
        int first = 1;
        for (uintptr_t v = next_by_seq(h, 0); v != u && first; v = next_by_seq(h, header_of((void *)v)->seq))
            first = !same_tag(header_of((void *)v)->tag, d->tag);
        if (!first)
            continue;
        size_t blocks = 0, bytes = 0;
        for (uintptr_t v = u; v; v = next_by_seq(h, header_of((void *)v)->seq))
            if (same_tag(header_of((void *)v)->tag, d->tag)) {
                blocks++;
                bytes += user_size(header_of((void *)v)->size);
            }
        if (d->tag)
            fprintf(f, "  leak: tag \"%s\": %zu block%s, %zu bytes:", d->tag, blocks, blocks == 1 ? "" : "s", bytes);
        else
            fprintf(f, "  leak: no tag: %zu block%s, %zu bytes:", blocks, blocks == 1 ? "" : "s", bytes);
        for (uintptr_t v = u; v; v = next_by_seq(h, header_of((void *)v)->seq))
            if (same_tag(header_of((void *)v)->tag, d->tag))
                fprintf(f, " allocation #%llu (size %zu at %p)", (unsigned long long)header_of((void *)v)->seq,
                        header_of((void *)v)->size, (void *)v);
        fprintf(f, "\n");
    }
    return h->n;
}

/* ---- tables: one per inner heap, made on demand --------------------------------- */

struct layer_table {
    struct hb_heap_ops ops;
    const struct hb_heap_ops *inner;
    char name[80];
    char summary[160];
};

static struct layer_table tables[HB_DEBUG_MAX_TABLES];
static size_t ntables;

#define DBG_CREATE(i)                                                                                                  \
    static hb_heap *create_##i(void *block, size_t len, const struct hb_config *cfg)                                   \
    {                                                                                                                  \
        return debug_create(&tables[i].ops, tables[i].inner, block, len, cfg);                                         \
    }
/* clang-format off */
DBG_CREATE(0) DBG_CREATE(1) DBG_CREATE(2) DBG_CREATE(3) DBG_CREATE(4) DBG_CREATE(5) DBG_CREATE(6) DBG_CREATE(7)
DBG_CREATE(8) DBG_CREATE(9) DBG_CREATE(10) DBG_CREATE(11) DBG_CREATE(12) DBG_CREATE(13) DBG_CREATE(14) DBG_CREATE(15)
DBG_CREATE(16) DBG_CREATE(17) DBG_CREATE(18) DBG_CREATE(19) DBG_CREATE(20) DBG_CREATE(21) DBG_CREATE(22) DBG_CREATE(23)
DBG_CREATE(24) DBG_CREATE(25) DBG_CREATE(26) DBG_CREATE(27) DBG_CREATE(28) DBG_CREATE(29) DBG_CREATE(30) DBG_CREATE(31)
static hb_heap *(*const creates[HB_DEBUG_MAX_TABLES])(void *, size_t, const struct hb_config *) = {
    create_0,  create_1,  create_2,  create_3,  create_4,  create_5,  create_6,  create_7,
    create_8,  create_9,  create_10, create_11, create_12, create_13, create_14, create_15,
    create_16, create_17, create_18, create_19, create_20, create_21, create_22, create_23,
    create_24, create_25, create_26, create_27, create_28, create_29, create_30, create_31,
};
/* clang-format on */
_Static_assert(HB_DEBUG_MAX_TABLES == 32, "one create trampoline per table above");

const struct hb_heap_ops *hb_debug_layer(const char *layer, const struct hb_heap_ops *inner)
{
    if (strcmp(layer, "debug") != 0 || !inner)
        return NULL;
    for (size_t i = 0; i < ntables; i++)
        if (tables[i].inner == inner)
            return &tables[i].ops;
    if (ntables == HB_DEBUG_MAX_TABLES)
        return NULL;
    struct layer_table *t = &tables[ntables];
    t->inner = inner;
    snprintf(t->name, sizeof t->name, "debug:%s", inner->name);
    snprintf(t->summary, sizeof t->summary, "%s, through the debug layer (guards, tags, quarantine, leak report)",
             inner->name);
    unsigned kept = HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_ALIGN_EMULATED | HB_CAP_STATS_ESTIMATED;
    size_t page = HB_PAGE_SIZE;
    t->ops = (struct hb_heap_ops){
        .name = t->name,
        .summary = t->summary,
        .caps = (inner->caps & kept) | HB_CAP_TAGS | HB_CAP_REQUESTED | HB_CAP_WALK | HB_CAP_CHECK |
                HB_CAP_DETECT_BAD_FREE | HB_CAP_DETECT_OVERWRITE,
        .max_align = inner->max_align < DBG_MAX_ALIGN ? inner->max_align : DBG_MAX_ALIGN,
        .min_initial = inner->min_initial + hb_align_up(sizeof(struct hb_heap), page),
        .create = creates[ntables],
        .alloc = debug_alloc,
        .free = debug_free,
        .expand = inner->expand ? debug_expand : NULL,
        .contract = inner->contract ? debug_contract : NULL,
        .stats = debug_stats,
        .walk = debug_walk,
        .check = debug_check,
        .usable_size = debug_usable_size,
    };
    if (!(inner->caps & HB_CAP_EXPAND))
        t->ops.expand = NULL;
    if (!(inner->caps & HB_CAP_CONTRACT))
        t->ops.contract = NULL;
    ntables++;
    return &t->ops;
}

int hb_debug_is_layer(const struct hb_heap_ops *ops)
{
    for (size_t i = 0; i < ntables; i++)
        if (ops == &tables[i].ops)
            return 1;
    return 0;
}

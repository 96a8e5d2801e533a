/*
 * firstfit.c - address-ordered first-fit free list with boundary tags.
 *
 * Algorithm
 *   The pool is a list of blocks; each block is a run of chunks ended by a
 *   sentinel header.  A chunk is in use or free.  Free chunks are kept in
 *   one doubly linked list in address order; alloc takes the first free
 *   chunk that can hold the request at the requested alignment, carving a
 *   leading free chunk off when the alignment needs it and splitting the
 *   tail off when it is big enough to be a chunk.  free coalesces at once
 *   with both physical neighbours through boundary tags (a footer in every
 *   free chunk and a "previous chunk in use" bit in every header), so no two
 *   free chunks are ever adjacent.  When nothing fits, the heap asks the
 *   memory manager for a block (at least FF_GROW_PAGES pages, fewer if only
 *   that is left) and carries on; blocks need not be contiguous and are not
 *   merged.  contract gives back every block that is one free chunk.
 *
 * Data structures
 *   Every chunk starts with a header: size and flags, the requested size,
 *   the tag pointer and a canary (FF_MAGIC ^ address ^ size-and-flags ^ a
 *   hash of the heap's address).  A
 *   free chunk holds its list links after the header and a copy of its size
 *   in its last word (the footer).  struct hb_heap, at the start of the
 *   initial block, holds the free list head, the block list and the counts.
 *
 * Metadata
 *   Per allocation: the 4-word header (16 bytes on 32-bit targets, 32 on
 *   64-bit), plus rounding to the grain (HB_DEFAULT_ALIGN) which stays usable
 *   (it is granted, not padding).  Smallest chunk: 32 bytes (64 on 64-bit).
 *   Global: struct hb_heap (about 20 words), and per block a block record
 *   and a sentinel header (about 8 words).
 *
 * Worst-case cost
 *   alloc: O(free chunks) for the scan, plus one get_pages call.  free: O(1)
 *   when it merges with a neighbour, else O(free chunks) to find its place in
 *   the address-ordered list.  check and stats: O(chunks).
 *
 * Trade-offs
 *   Address order and immediate coalescing keep fragmentation low and make
 *   first fit behave close to best fit, at the price of linear scans: the
 *   path length grows with the number of free chunks, which the bench's
 *   growth curves show.  The 4-word header buys tags, exact requested-size
 *   accounting, walk, bad-free detection (the canary and in-use bit) and
 *   overwrite detection (a write past a block's end lands on the next
 *   header, whose canary then no longer matches).  The canary also binds the
 *   header to its heap, and a merge wipes the headers it swallows, so free
 *   rejects a second free after coalescing and a live pointer of another
 *   heap.  free still reads the word-aligned header before any pointer it
 *   is given, so a pointer to unmapped memory is not survived.
 *   check() follows no pointer it has not proven (block links carry a check
 *   word, free-list links must land on a free chunk of a known block), so
 *   corrupted metadata gets a message, never a crash.
 */
#include <string.h>

#include "heap.h"

#define FF_GRAIN HB_DEFAULT_ALIGN
#define FF_IN_USE ((size_t)1)
#define FF_PREV_IN_USE ((size_t)2)
#define FF_FLAGS (FF_IN_USE | FF_PREV_IN_USE)
#define FF_MAGIC ((uintptr_t)0x5AFEC0DEu)
#define FF_MAX_ALIGN ((size_t)1 << 20)
#define FF_GROW_PAGES 4

struct ff_chunk {
    size_t size_flags; /* chunk bytes (a multiple of FF_GRAIN) | FF_IN_USE | FF_PREV_IN_USE */
    size_t requested;
    const char *tag;
    uintptr_t canary; /* FF_MAGIC ^ address ^ size_flags */
};

struct ff_links { /* in the payload of a free chunk */
    struct ff_chunk *next, *prev;
};

struct ff_block {
    struct ff_block *next;
    size_t len;   /* bytes of the block, from its start */
    size_t pages; /* 0 for the initial block, never given back */
    struct ff_chunk *sentinel;
    uintptr_t next_check; /* ~next ^ FF_MAGIC: check() follows next only when it matches */
};

struct hb_heap {
    struct ff_chunk *free_head; /* address-ordered */
    struct ff_block *blocks;    /* the initial block first */
    struct hb_config cfg;
    size_t pool, chunk_area; /* chunk_area: bytes of all chunks (sentinels excluded) */
    size_t live, granted, requested, nblocks;
    uint64_t allocs, frees, failures;
    uintptr_t key; /* mixed into every canary: this heap's, no other's */
};

#define FF_HDR hb_align_up(sizeof(struct ff_chunk), FF_GRAIN)
#define FF_MIN_CHUNK (FF_HDR + hb_align_up(sizeof(struct ff_links) + sizeof(size_t), FF_GRAIN))
#define FF_HEAP_SIZE hb_align_up(sizeof(struct hb_heap), FF_GRAIN)
#define FF_BLOCK_SIZE hb_align_up(sizeof(struct ff_block), FF_GRAIN)

/* ---- chunk accessors --------------------------------------------------- */

static inline size_t chunk_size(const struct ff_chunk *c)
{
    return c->size_flags & ~FF_FLAGS;
}
static inline int chunk_in_use(const struct ff_chunk *c)
{
    return (c->size_flags & FF_IN_USE) != 0;
}
static inline int prev_in_use(const struct ff_chunk *c)
{
    return (c->size_flags & FF_PREV_IN_USE) != 0;
}
/* The canary binds a header to its address, its size and flags and its
   heap: a chunk of another heap (or a stale header) does not pass. */
static inline uintptr_t canary_for(const hb_heap *h, const struct ff_chunk *c, size_t size_flags)
{
    return FF_MAGIC ^ (uintptr_t)c ^ size_flags ^ h->key;
}
static inline int canary_ok(const hb_heap *h, const struct ff_chunk *c)
{
    return c->canary == canary_for(h, c, c->size_flags);
}
static inline void set_header(const hb_heap *h, struct ff_chunk *c, size_t size_flags)
{
    c->size_flags = size_flags;
    c->canary = canary_for(h, c, size_flags);
}
/* A header swallowed by a merge: no longer a chunk, so a second free of
   its pointer is rejected. */
static inline void wipe_header(struct ff_chunk *c)
{
    c->size_flags = 0;
    c->canary = 0;
}
static inline struct ff_chunk *next_chunk(const struct ff_chunk *c)
{
    return (struct ff_chunk *)((char *)c + chunk_size(c));
}
static inline struct ff_links *links(struct ff_chunk *c)
{
    return (struct ff_links *)(void *)((char *)c + FF_HDR);
}
static inline size_t *footer(struct ff_chunk *c)
{
    return (size_t *)(void *)((char *)c + chunk_size(c) - sizeof(size_t));
}
static inline struct ff_chunk *prev_free_neighbour(struct ff_chunk *c)
{
    size_t prev_size = *((size_t *)(void *)c - 1);
    return (struct ff_chunk *)((char *)c - prev_size);
}
static inline void *payload(struct ff_chunk *c)
{
    return (char *)c + FF_HDR;
}
static inline struct ff_chunk *chunk_of(const void *p)
{
    return (struct ff_chunk *)((uintptr_t)p - FF_HDR);
}

static inline void set_prev_in_use(const hb_heap *h, struct ff_chunk *c, int used)
{
    set_header(h, c, used ? c->size_flags | FF_PREV_IN_USE : c->size_flags & ~FF_PREV_IN_USE);
}

/* Marks c free with the given size, writes its footer and tells its
   physical successor. */
static void make_free(const hb_heap *h, struct ff_chunk *c, size_t size, int prev_used)
{
    set_header(h, c, size | (prev_used ? FF_PREV_IN_USE : 0));
    c->requested = 0;
    c->tag = NULL;
    *footer(c) = size;
    set_prev_in_use(h, next_chunk(c), 0);
}

/* ---- the address-ordered free list ------------------------------------ */

static void list_unlink(hb_heap *h, struct ff_chunk *c)
{
    struct ff_links *l = links(c);
    if (l->prev)
        links(l->prev)->next = l->next;
    else
        h->free_head = l->next;
    if (l->next)
        links(l->next)->prev = l->prev;
}

/* Inserts c after `prev` (NULL: at the head). */
static void list_insert_after(hb_heap *h, struct ff_chunk *prev, struct ff_chunk *c)
{
    struct ff_chunk *next = prev ? links(prev)->next : h->free_head;
    links(c)->prev = prev;
    links(c)->next = next;
    if (prev)
        links(prev)->next = c;
    else
        h->free_head = c;
    if (next)
        links(next)->prev = c;
}

/* c takes old's place in the list. */
static void list_replace(hb_heap *h, struct ff_chunk *old, struct ff_chunk *c)
{
    struct ff_links saved = *links(old);
    *links(c) = saved;
    if (saved.prev)
        links(saved.prev)->next = c;
    else
        h->free_head = c;
    if (saved.next)
        links(saved.next)->prev = c;
}

/* The last free chunk below c (NULL if none): a linear search. */
static struct ff_chunk *list_predecessor(const hb_heap *h, const struct ff_chunk *c)
{
    struct ff_chunk *prev = NULL;
    for (struct ff_chunk *f = h->free_head; f && f < c; f = links(f)->next)
        prev = f;
    return prev;
}

/* ---- blocks ------------------------------------------------------------- */

/* Lays out [start, end) as one free chunk and a sentinel; returns the chunk
   (NULL if the room is too small). */
static struct ff_chunk *format_block(hb_heap *h, struct ff_block *b, uintptr_t start, uintptr_t end)
{
    uintptr_t first = hb_align_up(start, FF_GRAIN);
    uintptr_t sentinel = hb_align_down(end - FF_HDR, FF_GRAIN);
    if (end < start + FF_HDR || sentinel < first + FF_MIN_CHUNK)
        return NULL;
    struct ff_chunk *s = (struct ff_chunk *)sentinel;
    s->requested = 0;
    s->tag = NULL;
    set_header(h, s, FF_IN_USE); /* size 0, in use: merging stops here */
    b->sentinel = s;
    struct ff_chunk *c = (struct ff_chunk *)first;
    make_free(h, c, sentinel - first, 1);
    h->chunk_area += sentinel - first;
    return c;
}

static void set_block_next(struct ff_block *b, struct ff_block *next)
{
    b->next = next;
    b->next_check = ~(uintptr_t)next ^ FF_MAGIC;
}

static struct ff_chunk *add_block(hb_heap *h, void *mem, size_t len, size_t pages)
{
    struct ff_block *b = mem;
    b->len = len;
    b->pages = pages;
    struct ff_chunk *c = format_block(h, b, (uintptr_t)mem + FF_BLOCK_SIZE, (uintptr_t)mem + len);
    if (!c)
        return NULL;
    set_block_next(b, h->blocks->next); /* after the initial block */
    set_block_next(h->blocks, b);
    h->pool += len;
    h->nblocks++;
    list_insert_after(h, list_predecessor(h, c), c);
    return c;
}

/* Asks the memory manager for a block that can hold a chunk of `need` bytes
   at alignment `align`. */
static struct ff_chunk *grow(hb_heap *h, size_t need, size_t align)
{
    if (!h->cfg.get_pages)
        return NULL;
    size_t ps = h->cfg.page_size;
    size_t bytes = FF_BLOCK_SIZE + need + align + FF_MIN_CHUNK + FF_HDR + FF_GRAIN;
    size_t pages = (bytes + ps - 1) / ps;
    void *mem = NULL;
    if (pages < FF_GROW_PAGES)
        mem = h->cfg.get_pages(h->cfg.mm, FF_GROW_PAGES);
    if (mem)
        pages = FF_GROW_PAGES;
    else
        mem = h->cfg.get_pages(h->cfg.mm, pages);
    if (!mem)
        return NULL;
    return add_block(h, mem, pages * ps, pages);
}

/* ---- allocation --------------------------------------------------------- */

/* Where in free chunk c a chunk of `need` bytes with an `align`-aligned
   payload can start (0 if it does not fit).  A leading gap must be either
   empty or big enough to stay a free chunk. */
static uintptr_t fit_in(const struct ff_chunk *c, size_t need, size_t align)
{
    uintptr_t start = hb_align_up((uintptr_t)c + FF_HDR, align) - FF_HDR;
    if (start != (uintptr_t)c && start - (uintptr_t)c < FF_MIN_CHUNK)
        start = hb_align_up((uintptr_t)c + FF_MIN_CHUNK + FF_HDR, align) - FF_HDR;
    uintptr_t end = (uintptr_t)c + chunk_size(c);
    return start < end && end - start >= need ? start : 0;
}

/* Turns the part of free chunk c from `start` on into an in-use chunk of
   `need` bytes (or a little more), returning what is left to the list. */
static struct ff_chunk *take(hb_heap *h, struct ff_chunk *c, uintptr_t start, size_t need)
{
    size_t total = chunk_size(c);
    struct ff_chunk *x = (struct ff_chunk *)start;
    struct ff_chunk *list_prev; /* what a split-off tail goes after */
    int x_prev_used;
    if (x != c) { /* leading gap: c stays free, shrunk, in its place */
        make_free(h, c, start - (uintptr_t)c, prev_in_use(c));
        list_prev = c;
        x_prev_used = 0;
    } else {
        list_prev = links(c)->prev;
        list_unlink(h, c);
        x_prev_used = prev_in_use(c);
    }
    size_t rest = total - (start - (uintptr_t)c);
    if (rest - need >= FF_MIN_CHUNK) {
        struct ff_chunk *tail = (struct ff_chunk *)(start + need);
        set_header(h, x, need | FF_IN_USE | (x_prev_used ? FF_PREV_IN_USE : 0));
        make_free(h, tail, rest - need, 1);
        list_insert_after(h, list_prev, tail);
    } else {
        set_header(h, x, rest | FF_IN_USE | (x_prev_used ? FF_PREV_IN_USE : 0));
        set_prev_in_use(h, next_chunk(x), 1);
    }
    return x;
}

static void *ff_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    align = hb_effective_align(align, FF_MAX_ALIGN);
    if (size == 0)
        size = 1;
    if (!align || size > SIZE_MAX / 2 - FF_MAX_ALIGN - 4 * FF_MIN_CHUNK) {
        h->failures++;
        return NULL;
    }
    size_t need = hb_align_up(size, FF_GRAIN) + FF_HDR;
    if (need < FF_MIN_CHUNK)
        need = FF_MIN_CHUNK;
    struct ff_chunk *c = h->free_head;
    uintptr_t start = 0;
    for (; c; c = links(c)->next)
        if ((start = fit_in(c, need, align)) != 0)
            break;
    if (!c) {
        c = grow(h, need, align);
        if (!c || (start = fit_in(c, need, align)) == 0) {
            h->failures++;
            return NULL;
        }
    }
    struct ff_chunk *x = take(h, c, start, need);
    x->requested = size;
    x->tag = tag;
    h->live++;
    h->granted += chunk_size(x) - FF_HDR;
    h->requested += size;
    h->allocs++;
    return payload(x);
}

/* ---- free ---------------------------------------------------------------- */

static int is_live_chunk(const hb_heap *h, const void *p)
{
    if (!p || (uintptr_t)p % FF_GRAIN)
        return 0;
    const struct ff_chunk *c = chunk_of(p);
    return canary_ok(h, c) && chunk_in_use(c) && chunk_size(c) >= FF_MIN_CHUNK;
}

static int ff_free(hb_heap *h, void *p)
{
    if (!p)
        return HB_OK;
    if (!is_live_chunk(h, p))
        return HB_EBADPTR;
    struct ff_chunk *c = chunk_of(p);
    size_t size = chunk_size(c);
    h->live--;
    h->granted -= size - FF_HDR;
    h->requested -= c->requested;
    h->frees++;

    struct ff_chunk *next = next_chunk(c);
    int next_free = !chunk_in_use(next);
    if (!prev_in_use(c)) { /* merge into the free chunk before: it keeps its list place */
        struct ff_chunk *prev = prev_free_neighbour(c);
        size_t merged = chunk_size(prev) + size;
        if (next_free) {
            list_unlink(h, next);
            merged += chunk_size(next);
        }
        if (next_free)
            wipe_header(next);
        wipe_header(c);
        make_free(h, prev, merged, prev_in_use(prev));
        return HB_OK;
    }
    if (next_free) { /* absorb the free chunk after: take its list place */
        size_t merged = size + chunk_size(next);
        list_replace(h, next, c);
        wipe_header(next);
        make_free(h, c, merged, 1);
        return HB_OK;
    }
    make_free(h, c, size, 1);
    list_insert_after(h, list_predecessor(h, c), c);
    return HB_OK;
}

/* ---- create, expand, contract ------------------------------------------ */

static struct ff_block *initial_block(const hb_heap *h)
{
    return (struct ff_block *)((char *)h + FF_HEAP_SIZE);
}

static hb_heap *ff_create(void *block, size_t len, const struct hb_config *cfg)
{
    if (!block || (uintptr_t)block % FF_GRAIN || len < FF_HEAP_SIZE + FF_BLOCK_SIZE + FF_MIN_CHUNK + FF_HDR)
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    h->key = (uintptr_t)h * (uintptr_t)0x9E3779B1u;
    struct ff_block *b = initial_block(h);
    set_block_next(b, NULL);
    b->len = len - FF_HEAP_SIZE;
    b->pages = 0;
    h->blocks = b;
    h->nblocks = 1;
    h->pool = len;
    struct ff_chunk *c = format_block(h, b, (uintptr_t)b + FF_BLOCK_SIZE, (uintptr_t)block + len);
    if (!c)
        return NULL;
    links(c)->next = links(c)->prev = NULL;
    h->free_head = c;
    return h;
}

static int ff_expand(hb_heap *h, void *block, size_t len)
{
    size_t ps = h->cfg.page_size;
    if (!block || (uintptr_t)block % ps || len == 0 || len % ps)
        return HB_EINVAL;
    return add_block(h, block, len, len / ps) ? HB_OK : HB_EINVAL;
}

static struct ff_chunk *first_chunk(const struct ff_block *b)
{
    return (struct ff_chunk *)hb_align_up((uintptr_t)b + FF_BLOCK_SIZE, FF_GRAIN);
}

static size_t ff_contract(hb_heap *h)
{
    size_t returned = 0;
    struct ff_block *prev = h->blocks; /* never the initial block */
    while (prev->next) {
        struct ff_block *b = prev->next;
        struct ff_chunk *c = first_chunk(b);
        if (chunk_in_use(c) || next_chunk(c) != b->sentinel) {
            prev = b;
            continue;
        }
        list_unlink(h, c);
        set_block_next(prev, b->next);
        h->chunk_area -= chunk_size(c);
        h->pool -= b->len;
        h->nblocks--;
        returned += b->len;
        h->cfg.put_pages(h->cfg.mm, b, b->pages);
    }
    return returned;
}

/* ---- inspection ---------------------------------------------------------- */

static void ff_stats(const hb_heap *h, struct hb_stats *s)
{
    memset(s, 0, sizeof *s);
    for (struct ff_chunk *c = h->free_head; c; c = links(c)->next) {
        s->free_bytes += chunk_size(c);
        if (chunk_size(c) > s->largest_free)
            s->largest_free = chunk_size(c);
    }
    s->pool_bytes = h->pool;
    s->meta_bytes = h->pool - h->chunk_area;
    s->header_bytes = h->live * FF_HDR;
    s->granted_bytes = h->granted;
    s->requested_bytes = h->requested;
    s->blocks = h->nblocks;
    s->live = h->live;
    s->allocs = h->allocs;
    s->frees = h->frees;
    s->failures = h->failures;
}

static int ff_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    for (const struct ff_block *b = h->blocks; b; b = b->next)
        for (struct ff_chunk *c = first_chunk(b); c != b->sentinel; c = next_chunk(c)) {
            if (!chunk_in_use(c))
                continue;
            struct hb_block_info info = {payload(c), c->requested, chunk_size(c) - FF_HDR, c->tag};
            int rc = fn(&info, ctx);
            if (rc)
                return rc;
        }
    return HB_OK;
}

static size_t ff_usable_size(const hb_heap *h, const void *p)
{
    (void)h;
    return chunk_size(chunk_of(p)) - FF_HDR;
}

/* check() must not crash on the very corruption it looks for, so it follows
   a pointer from metadata only once that pointer has been proven: block
   links against their check word, chunk addresses against the block they
   must lie in, sizes against the header canary. */

/* Is the block record sound: its sentinel where its length puts it? */
static int block_ok(const struct ff_block *b)
{
    uintptr_t end = (uintptr_t)b + b->len;
    return b->len > FF_BLOCK_SIZE + FF_HDR && end > (uintptr_t)b &&
           (uintptr_t)b->sentinel == hb_align_down(end - FF_HDR, FF_GRAIN) &&
           (uintptr_t)b->sentinel >= (uintptr_t)first_chunk(b);
}

/* Walks one block's chunks, checking each header against its neighbours;
   adds the block's free chunks and live allocations to the counts. */
static const char *check_block(const hb_heap *h, const struct ff_block *b, size_t *nfree, size_t *live, size_t *granted)
{
    int prev_used = 1;
    struct ff_chunk *c = first_chunk(b);
    while (c != b->sentinel) {
        if (!canary_ok(h, c))
            return "a chunk header was overwritten (canary mismatch): a write past the end of the block before it?";
        size_t size = chunk_size(c);
        if (size < FF_MIN_CHUNK || size % FF_GRAIN)
            return "a chunk has an impossible size";
        if (size > (uintptr_t)b->sentinel - (uintptr_t)c)
            return "a chunk runs past its block's sentinel";
        if (prev_in_use(c) != prev_used)
            return "a chunk's previous-in-use bit disagrees with its neighbour";
        if (!chunk_in_use(c)) {
            if (!prev_used)
                return "two free chunks are adjacent (missed coalescing)";
            if (*footer(c) != size)
                return "a free chunk's footer disagrees with its header";
            ++*nfree;
        } else {
            if (c->requested > size - FF_HDR)
                return "an allocation's requested size exceeds its chunk";
            ++*live;
            *granted += size - FF_HDR;
        }
        prev_used = chunk_in_use(c);
        c = next_chunk(c);
    }
    if (!canary_ok(h, c) || c->size_flags != (FF_IN_USE | (prev_used ? FF_PREV_IN_USE : 0)))
        return "a block's sentinel header was overwritten: a write past the end of its last chunk?";
    return NULL;
}

/* Does c lie on the grain inside one of the (proven) blocks, with a sound
   free header whose links lie inside the block? */
static int is_free_chunk_of(const hb_heap *h, const struct ff_chunk *c)
{
    if ((uintptr_t)c % FF_GRAIN)
        return 0;
    for (const struct ff_block *b = h->blocks; b; b = b->next)
        if ((uintptr_t)c >= (uintptr_t)first_chunk(b) && (uintptr_t)c < (uintptr_t)b->sentinel)
            return canary_ok(h, c) && !chunk_in_use(c) && chunk_size(c) >= FF_MIN_CHUNK &&
                   chunk_size(c) <= (uintptr_t)b->sentinel - (uintptr_t)c;
    return 0;
}

static const char *check_free_list(const hb_heap *h, size_t nfree)
{
    size_t n = 0;
    const struct ff_chunk *prev = NULL;
    for (struct ff_chunk *c = h->free_head; c; c = links(c)->next) {
        if (n++ > nfree)
            return "the free list has more entries than there are free chunks (a cycle?)";
        if (!is_free_chunk_of(h, c))
            return "the free list holds a chunk that is not free (a free list link was overwritten)";
        if (links(c)->prev != prev)
            return "a free list back link is wrong";
        if (prev && prev >= c)
            return "the free list is not in address order";
        prev = c;
    }
    return n == nfree ? NULL : "the free list misses free chunks";
}

/* The block list: starts at the initial block, every link matches its check
   word and every record is sound, no more blocks than counted. */
static const char *check_block_list(const hb_heap *h)
{
    if (h->blocks != initial_block(h))
        return "the heap's block list no longer starts at the initial block";
    size_t n = 0;
    for (const struct ff_block *b = h->blocks; b; b = b->next) {
        if (++n > h->nblocks)
            return "the block list is longer than the block count (a cycle or an overwritten count?)";
        if (!block_ok(b))
            return "a block record was overwritten (its sentinel is not where its length puts it)";
        if (b->next_check != (~(uintptr_t)b->next ^ FF_MAGIC))
            return "a block record's next link was overwritten";
    }
    return n == h->nblocks ? NULL : "the block count disagrees with the block list";
}

static int ff_check(const hb_heap *h, char *msg, size_t msg_len)
{
    size_t nfree = 0, live = 0, granted = 0;
    const char *why = check_block_list(h);
    for (const struct ff_block *b = h->blocks; b && !why; b = b->next)
        why = check_block(h, b, &nfree, &live, &granted);
    if (!why)
        why = check_free_list(h, nfree);
    if (!why && (live != h->live || granted != h->granted))
        why = "the live count or granted bytes disagree with the chunks";
    return why ? hb_report(msg, msg_len, why) : HB_OK;
}

const struct hb_heap_ops hb_heap_firstfit = {
    .name = "firstfit",
    .summary = "address-ordered first-fit free list, boundary tags, immediate coalescing",
    .caps = HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_TAGS | HB_CAP_WALK | HB_CAP_CHECK |
            HB_CAP_REQUESTED | HB_CAP_DETECT_BAD_FREE | HB_CAP_DETECT_OVERWRITE | HB_CAP_EXACT_FIT,
    .max_align = FF_MAX_ALIGN,
    .min_initial = 512,
    .create = ff_create,
    .alloc = ff_alloc,
    .free = ff_free,
    .expand = ff_expand,
    .contract = ff_contract,
    .stats = ff_stats,
    .walk = ff_walk,
    .check = ff_check,
    .usable_size = ff_usable_size,
};

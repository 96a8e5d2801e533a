/*
 * fixture.c - the conformance suite's fixture: a heap over the simulated
 * memory manager, and a shadow model that every heap operation is checked
 * against (see suite.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"
#include "suite.h"
#include "supervise.h"

const char *const fx_tags[4] = {"conformance:a", "conformance:b", "driver:dma", NULL};

/* Bytes the fixture skips at the start of the initial block's pages, so that
   the initial block is default-aligned but not page-aligned (heaps must not
   assume more).  They hold a pattern that must survive. */
#define INITIAL_OFFSET HB_DEFAULT_ALIGN
#define OFFSET_FILL 0x3Cu
/* The bytes of the initial block's pages past a shortened initial block
   (fx_recreate_len) hold this pattern, which must survive too. */
#define TAIL_FILL 0xC3u

static const char *fail_context;
/* Set while the heap is verified right after an operation (after_op,
   fx_contract): "right after free(0x...) (size 24, align 0)", so that a
   walk, stats or check() failure names the operation at fault. */
static char after_what[160];

void fx_set_context(const char *context)
{
    fail_context = context;
}

void fx_fail(const char *file, int line, const char *fmt, ...)
{
    char msg[HB_SV_MSG_LEN - 64];
    va_list ap;
    const char *base = strrchr(file, '/');
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hb_sv_fail("(%s:%d): %s%s%s%s%s%s", base ? base + 1 : file, line, fail_context ? fail_context : "",
               fail_context ? ": " : "", after_what[0] ? "right after " : "", after_what, after_what[0] ? ": " : "",
               msg);
}

/* The heap call under way, for messages that name the operation at fault
   (a block given back by contract or free, for instance). */
static const char *current_op = "setup";
/* Set while the fixture verifies the heap right after an operation: the
   inspection calls keep the note that names that operation. */
static int note_held;

void fx_note_op(const char *op, size_t size, size_t align, const void *ptr)
{
    current_op = op;
    hb_sv_note(op, size, align, ptr);
}

/* Notes an inspection call, unless a note naming the operation under
   verification is held. */
static void note_inspection(const char *op)
{
    if (!note_held && op != current_op)
        fx_note_op(op, 0, 0, NULL);
}

/* ---- strings that come from the heap ------------------------------------ */

/* Can the byte at p be read?  Asked of the kernel (a one-byte write from p
   into a pipe fails with EFAULT), so a garbage pointer costs no crash. */
static int readable(const void *p)
{
    static int fds[2] = {-1, -1};
    char sink;
    if (fds[0] < 0 && pipe(fds) != 0)
        return 0;
    if (write(fds[1], p, 1) != 1)
        return 0;
    return read(fds[0], &sink, 1) == 1;
}

const char *fx_heap_string(const char *s, char *out, size_t out_len)
{
    enum { SHOWN = 200 }; /* characters at most */
    if (!s) {
        snprintf(out, out_len, "(null)");
        return out;
    }
    size_t o = 0;
    out[o++] = '"';
    size_t i = 0;
    for (; i < SHOWN && o + 8 < out_len; i++) {
        if (!readable(s + i)) {
            if (i == 0)
                snprintf(out, out_len, "<unreadable pointer %p>", (const void *)s);
            else
                snprintf(out + o, out_len - o, "\"<then unreadable at %p>", (const void *)(s + i));
            return out;
        }
        unsigned char c = (unsigned char)s[i];
        if (c == '\0')
            break;
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
            out[o++] = (char)c;
        else
            o += (size_t)snprintf(out + o, out_len - o, "\\x%02x", c);
    }
    int cut = i == SHOWN || o + 8 >= out_len;
    snprintf(out + o, out_len - o, "\"%s", cut ? "..." : "");
    return out;
}

/* check() through the fixture: the message is the heap's, so it is bounded
   and escaped before anyone prints it. */
int fx_check_heap(struct fx *f, const char *op, char *msg, size_t msg_len)
{
    char raw[256];
    memset(raw, 0, sizeof raw);
    note_inspection(op);
    int rc = f->ops->check(f->h, raw, sizeof raw);
    raw[sizeof raw - 1] = '\0';
    fx_heap_string(raw, msg, msg_len);
    return rc;
}

int fx_has(const struct fx *f, unsigned caps)
{
    return (f->ops->caps & caps) == caps;
}

static size_t pages_for(size_t bytes)
{
    return (bytes + HB_PAGE_SIZE - 1) / HB_PAGE_SIZE;
}

void fx_recreate(struct fx *f)
{
    struct hb_config cfg = hb_mm_config(f->mm, 0);
    f->nlive = 0;
    f->raw_live = 0;
    f->granted_sum = f->requested_sum = 0;
    f->allocs = f->frees = f->failures = 0;
    f->header = SIZE_MAX; /* not seen yet */
    f->header_seen = 0;
    fx_note_op("create", f->initial_len, 0, f->initial);
    f->h = f->ops->create(f->initial, f->initial_len, &cfg);
    CHECK(f->h != NULL, "create over %zu bytes at %p returned NULL", f->initial_len, f->initial);
    CHECK((unsigned char *)f->h >= (unsigned char *)f->initial &&
              (unsigned char *)f->h < (unsigned char *)f->initial + f->initial_len,
          "create returned %p, outside the initial block %p+%zu (global data must live inside it)", (void *)f->h,
          f->initial, f->initial_len);
}

static void fx_stats_noted(struct fx *f, struct hb_stats *s);

void fx_recreate_len(struct fx *f, size_t len)
{
    CHECK(len <= f->initial_room, "suite bug: an initial block of %zu bytes in %zu", len, f->initial_room);
    memset((unsigned char *)f->initial + len, TAIL_FILL, f->initial_room - len);
    f->initial_len = len;
    fx_recreate(f);
    struct hb_stats st;
    fx_note_op("stats right after create", len, 0, f->initial);
    fx_stats_noted(f, &st);
    CHECK(st.pool_bytes == len,
          "create over %zu bytes at %p: stats say the pool is %zu bytes; a heap's pool is exactly the blocks it was "
          "given",
          len, f->initial, st.pool_bytes);
}

/* Where the bytes of the initial block's pages past what create was given
   stop holding their pattern: the offset past the end of the initial block,
   or SIZE_MAX when they are intact (the first `upto` bytes are looked at). */
static size_t tail_written(const struct fx *f, size_t upto)
{
    const unsigned char *tail = (const unsigned char *)f->initial + f->initial_len;
    size_t n = f->initial_room - f->initial_len;
    for (size_t i = 0; i < n && i < upto; i++)
        if (tail[i] != TAIL_FILL)
            return i;
    return SIZE_MAX;
}

static size_t lower_bound(const struct fx *f, const void *p);

/* The memory manager takes a block back (from contract, or from a free that
   returns pages at once): it must not hold a live allocation, and must be a
   block the heap was lent, whole. */
static void check_returned_block(void *ctx, const void *block, size_t npages, const char *problem)
{
    const struct fx *f = ctx;
    CHECK(problem == NULL, "%s: %s (block %p, %zu pages)", current_op, problem, block, npages);
    const unsigned char *lo = block, *hi = lo + npages * HB_PAGE_SIZE;
    size_t i = lower_bound(f, lo);
    if (i > 0 && f->live[i - 1].ptr + f->live[i - 1].span > lo)
        i--;
    if (i < f->nlive && f->live[i].ptr < hi) {
        const struct shadow *s = &f->live[i];
        CHECK(0,
              "%s returned a block holding live allocation %p (size %zu, align %zu) to the memory manager (block "
              "%p, %zu pages)",
              current_op, (void *)s->ptr, s->size, s->align, block, npages);
    }
}

void fx_setup(struct fx *f, const struct fx_opts *o)
{
    uint64_t seed = f->seed;
    const struct hb_heap_ops *ops = f->ops;
    memset(f, 0, sizeof *f);
    f->ops = ops;
    f->seed = seed;
    hb_replay_note_setup(o);
    hb_rng_seed(&f->rng, seed);
    f->checked_ops = o->checked_ops;
    size_t initial = o->initial_bytes < ops->min_initial ? ops->min_initial : o->initial_bytes;
    size_t init_pages = pages_for(initial + INITIAL_OFFSET);
    size_t max = init_pages * HB_PAGE_SIZE + o->max_bytes;
    size_t arena = o->arena_pages ? o->arena_pages : 2 * pages_for(max) + 16;
    f->mm = hb_mm_create(arena, max, o->placement);
    CHECK(f->mm != NULL, "cannot create a memory manager of %zu pages", arena);
    unsigned char *block = hb_mm_get_pages(f->mm, init_pages);
    CHECK(block != NULL, "memory manager refused the initial block");
    memset(block, OFFSET_FILL, INITIAL_OFFSET);
    f->initial = block + INITIAL_OFFSET;
    f->initial_len = init_pages * HB_PAGE_SIZE - INITIAL_OFFSET;
    f->initial_room = f->initial_len;
    f->cap = 64;
    f->live = malloc(f->cap * sizeof *f->live);
    CHECK(f->live != NULL, "out of host memory");
    hb_mm_set_return_hook(f->mm, check_returned_block, f);
    fx_recreate(f);
}

void fx_teardown(struct fx *f)
{
    free(f->live);
    free(f->snapshot);
    f->snapshot = NULL;
    hb_mm_destroy(f->mm);
    f->live = NULL;
    f->mm = NULL;
}

/* stats under the note already made (which names why it is called). */
static void fx_stats_noted(struct fx *f, struct hb_stats *s)
{
    memset(s, 0xEE, sizeof *s); /* a field the heap forgets shows up */
    f->ops->stats(f->h, s);
}

void fx_stats(struct fx *f, struct hb_stats *s)
{
    note_inspection("stats");
    fx_stats_noted(f, s);
}

/* ---- shadow model ---------------------------------------------------- */

/* Index of the first live block whose address is >= p. */
static size_t lower_bound(const struct fx *f, const void *p)
{
    size_t lo = 0, hi = f->nlive;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((const void *)f->live[mid].ptr < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static unsigned char pattern_byte(uint32_t id)
{
    return (unsigned char)(1 + id % 251);
}

static void fill_pattern(const struct shadow *s)
{
    memset(s->ptr, pattern_byte(s->id), s->span);
}

static void check_pattern(const struct shadow *s, const char *when)
{
    unsigned char want = pattern_byte(s->id);
    for (size_t i = 0; i < s->span; i++)
        CHECK(s->ptr[i] == want,
              "%s: block %p (size %zu, align %zu) was overwritten at offset %zu (byte 0x%02x, want 0x%02x): "
              "the heap wrote into a live allocation or handed part of it out twice",
              when, (void *)s->ptr, s->size, s->align, i, s->ptr[i], want);
}

/* The live blocks next to the one an operation just allocated or freed
   still hold their patterns: a heap that writes a header or a boundary tag
   into its neighbour is caught at the operation that did it.  `at` is
   where the block is (alloc) or was (free) in the shadow. */
static void check_neighbours(const struct fx *f, size_t at, int freed, const struct shadow *op)
{
    for (size_t k = at ? at - 1 : 0; k < f->nlive && k <= at + !freed; k++) {
        const struct shadow *s = &f->live[k];
        if (s->ptr == op->ptr)
            continue;
        unsigned char want = pattern_byte(s->id);
        size_t i = 0;
        while (i < s->span && s->ptr[i] == want)
            i++;
        if (i == s->span)
            continue;
        char what[96];
        if (freed)
            snprintf(what, sizeof what, "free(%p) (size %zu, align %zu)", (void *)op->ptr, op->size, op->align);
        else
            snprintf(what, sizeof what, "alloc(size %zu, align %zu) = %p", op->size, op->align, (void *)op->ptr);
        size_t asked = s->size ? s->size : 1;
        CHECK(i < asked || !f->ops->usable_size,
              "%s wrote into the live block %s it, %p (size %zu, align %zu), at offset %zu: past its %zu requested "
              "bytes but within the %zu usable_size promised, so either usable_size promises bytes the heap keeps "
              "for itself or the %s wrote outside its block (byte 0x%02x, want 0x%02x)",
              what, s->ptr < op->ptr ? "before" : "after", (void *)s->ptr, s->size, s->align, i, asked, s->span,
              freed ? "free" : "alloc", s->ptr[i], want);
        CHECK(0,
              "%s wrote into the live block %s it, %p (size %zu, align %zu), at offset %zu (byte 0x%02x, want 0x%02x)",
              what, s->ptr < op->ptr ? "before" : "after", (void *)s->ptr, s->size, s->align, i, s->ptr[i], want);
    }
}

void fx_check_patterns(const struct fx *f, const char *when)
{
    for (size_t i = 0; i < f->nlive; i++)
        check_pattern(&f->live[i], when);
}

/* Word and doubleword loads and stores at the block's start and end.  On
   MIPS32 a 64-bit integer access is two word accesses, so where misaligned
   accesses trap the doubleword is also touched as a double (ldc1/sdc1),
   which traps unless the address is 8-byte aligned: a block less aligned
   than promised dies here as it would on the board.  (Only there: on i386
   an x87 load would quiet a signalling-NaN bit pattern and change the data.) */
static void touch_block(const struct shadow *s)
{
    fx_note_op("touch (4-byte, 8-byte and double loads/stores)", s->size, s->align, s->ptr);
    if (s->span >= 8) {
        volatile uint64_t *first = (volatile uint64_t *)(void *)s->ptr;
        volatile uint64_t *last = (volatile uint64_t *)(void *)(s->ptr + ((s->span - 8) & ~(size_t)7));
        *first = *first;
        *last = *last;
#if HB_MISALIGNED_TRAPS
        volatile double *dfirst = (volatile double *)(void *)s->ptr;
        volatile double *dlast = (volatile double *)(void *)(s->ptr + ((s->span - 8) & ~(size_t)7));
        *dfirst = *dfirst;
        *dlast = *dlast;
#endif
    }
    if (s->span >= 4) {
        volatile uint32_t *first = (volatile uint32_t *)(void *)s->ptr;
        volatile uint32_t *last = (volatile uint32_t *)(void *)(s->ptr + ((s->span - 4) & ~(size_t)3));
        *first = *first;
        *last = *last;
    }
}

static void insert_shadow(struct fx *f, const struct shadow *s, size_t at)
{
    if (f->nlive == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 64;
        f->live = realloc(f->live, f->cap * sizeof *f->live);
        CHECK(f->live != NULL, "out of host memory");
    }
    memmove(f->live + at + 1, f->live + at, (f->nlive - at) * sizeof *f->live);
    f->live[at] = *s;
    f->nlive++;
    f->granted_sum += s->span;
    f->requested_sum += s->size ? s->size : 1;
}

static void check_unchanged_but_failure(struct fx *f, const struct hb_stats *before, size_t size, size_t align)
{
    struct hb_stats after;
    fx_stats(f, &after);
    CHECK(after.failures == before->failures + 1,
          "alloc(size %zu, align %zu) returned NULL but the failure counter went from %llu to %llu", size, align,
          (unsigned long long)before->failures, (unsigned long long)after.failures);
    after.failures = before->failures;
    CHECK(memcmp(before, &after, sizeof after) == 0,
          "alloc(size %zu, align %zu) returned NULL but changed the heap's stats (pool %zu->%zu, free %zu->%zu, live "
          "%zu->%zu, granted %zu->%zu, meta %zu->%zu)",
          size, align, before->pool_bytes, after.pool_bytes, before->free_bytes, after.free_bytes, before->live,
          after.live, before->granted_bytes, after.granted_bytes, before->meta_bytes, after.meta_bytes);
}

/* What to call the inspection calls made right after an operation, so that
   a crash or a complaint there is laid at the operation's door. */
struct after_names {
    const char *op, *check, *walk, *stats;
    enum { AFTER_ALLOC, AFTER_REFUSAL, AFTER_FREE } kind;
};
static const struct after_names after_alloc = {"alloc", "check() right after alloc", "walk right after alloc",
                                               "stats right after alloc", AFTER_ALLOC};
static const struct after_names after_failed_alloc = {"alloc (returned NULL)", "check() right after a refused alloc",
                                                      "walk right after a refused alloc",
                                                      "stats right after a refused alloc", AFTER_REFUSAL};
static const struct after_names after_free = {"free", "check() right after free", "walk right after free",
                                              "stats right after free", AFTER_FREE};

static void stats_agree(struct fx *f, const struct hb_stats *s);

/* after_what names the operation: every failure until it is cleared says
   "right after" it. */
static void set_after(const struct after_names *n, size_t size, size_t align, const void *ptr)
{
    if (n->kind == AFTER_ALLOC)
        snprintf(after_what, sizeof after_what, "alloc(size %zu, align %zu) = %p", size, align, ptr);
    else if (n->kind == AFTER_REFUSAL)
        snprintf(after_what, sizeof after_what, "alloc(size %zu, align %zu) returned NULL", size, align);
    else
        snprintf(after_what, sizeof after_what, "free(%p) (size %zu, align %zu)", ptr, size, align);
}

/* Verify the heap right after an operation: check(), walk and stats in
   checked mode; in any mode the stats the operation must have moved. */
/* The guard bytes next to every block the heap holds, and those before the
   initial block: a write just outside its blocks is laid at the door of
   the operation that made it.  (fx_verify scans every guard byte.) */
static void check_edges_after(struct fx *f, const char *op, size_t size, size_t align, const void *ptr)
{
    enum { EDGE = 64 };
    char msg[256];
    CHECK(hb_mm_check_guard_edges(f->mm, EDGE, msg, sizeof msg) == 0,
          "%s(%p) (size %zu, align %zu) wrote outside the heap's blocks: %s", op, ptr, size, align, msg);
    const unsigned char *pre = (const unsigned char *)f->initial - INITIAL_OFFSET;
    for (size_t i = 0; i < INITIAL_OFFSET; i++)
        CHECK(pre[i] == OFFSET_FILL,
              "%s(%p) (size %zu, align %zu) wrote %zu bytes before the start of its initial block", op, ptr, size,
              align, INITIAL_OFFSET - i);
    size_t past = tail_written(f, EDGE);
    CHECK(past == SIZE_MAX,
          "%s(%p) (size %zu, align %zu) wrote past the end of its initial block %p+%zu (at offset %zu past it)", op,
          ptr, size, align, f->initial, f->initial_len, past);
}

/* The bytes just outside the initial block, in O(1): a write one past its
   end or before its start is laid at the door of the operation that made
   it even where the heap is not verified after every operation. */
static void check_initial_edges(struct fx *f, const char *op, size_t size, size_t align, const void *ptr)
{
    enum { EDGE = 16 };
    const unsigned char *pre = (const unsigned char *)f->initial - INITIAL_OFFSET;
    for (size_t i = 0; i < INITIAL_OFFSET; i++)
        CHECK(pre[i] == OFFSET_FILL,
              "%s(%p) (size %zu, align %zu) wrote %zu bytes before the start of its initial block", op, ptr, size,
              align, INITIAL_OFFSET - i);
    const unsigned char *end = (const unsigned char *)f->initial + f->initial_len;
    if (hb_mm_owns(f->mm, end, EDGE))
        return; /* the heap's next block follows */
    for (size_t i = 0; i < EDGE; i++)
        CHECK(end[i] == HB_MM_GUARD_BYTE,
              "%s(%p) (size %zu, align %zu) wrote outside the heap's blocks: guard byte %p, %zu bytes past the end "
              "of the initial block, overwritten (0x%02x)",
              op, ptr, size, align, (const void *)(end + i), i, end[i]);
}

static void after_op(struct fx *f, const struct after_names *n, size_t size, size_t align, const void *ptr)
{
    set_after(n, size, align, ptr);
    if (!f->checked_ops) {
        /* The O(1) part of fx_verify_stats, and the initial block's edges. */
        struct hb_stats s;
        fx_note_op(n->stats, size, align, ptr);
        fx_stats_noted(f, &s);
        stats_agree(f, &s);
        after_what[0] = '\0';
        check_initial_edges(f, n->op, size, align, ptr);
        return;
    }
    note_held = 1;
    if (fx_has(f, HB_CAP_CHECK)) {
        char msg[300];
        fx_note_op(n->check, size, align, ptr);
        int rc = fx_check_heap(f, n->check, msg, sizeof msg);
        CHECK(rc == HB_OK, "check() reports corruption: %s", msg);
    }
    fx_note_op(n->walk, size, align, ptr);
    fx_verify_walk(f);
    fx_note_op(n->stats, size, align, ptr);
    fx_verify_stats(f);
    note_held = 0;
    after_what[0] = '\0';
    check_edges_after(f, n->op, size, align, ptr);
}

static size_t pages_for_request(size_t size, size_t align)
{
    size_t a = align > HB_DEFAULT_ALIGN ? align : HB_DEFAULT_ALIGN;
    return pages_for(size + a) * 2 + 2;
}

/* An alloc returned NULL: the heap must be unchanged but for its failure
   counter, must not have refused what its largest free extent holds (with
   HB_CAP_EXACT_FIT), and, if it expands, must have been refused the block
   that would have served the request. */
static void check_refusal(struct fx *f, const struct hb_stats *before, const struct hb_mm_counters *mm_before,
                          size_t size, size_t align)
{
    struct hb_mm_counters c;
    hb_mm_counters(f->mm, &c);
    check_unchanged_but_failure(f, before, size, align);
    int valid = hb_effective_align(align, f->ops->max_align) != 0;
    size_t eff = size ? size : 1;
    size_t header = before->live ? before->header_bytes / before->live : f->header;
    if (valid && size == 0) {
        /* with room for a small block: a free extent of a page, or pages
           the memory manager would still lend an expanding heap */
        size_t a = align > HB_DEFAULT_ALIGN ? align : HB_DEFAULT_ALIGN;
        int room = before->largest_free >= HB_PAGE_SIZE + 2 * a ||
                   (fx_has(f, HB_CAP_EXPAND) && hb_mm_could_grant(f->mm, pages_for_request(1, align)));
        CHECK(!room,
              "alloc(size 0, align %zu) returned NULL on a heap with room (largest free extent %zu bytes): size 0 is "
              "valid and behaves as size 1, a unique, freeable pointer (heap.h)",
              align, before->largest_free);
    }
    if (valid && align <= HB_DEFAULT_ALIGN && fx_has(f, HB_CAP_EXACT_FIT) && header != SIZE_MAX &&
        c.grants == mm_before->grants && eff <= before->largest_free && before->largest_free - eff >= header)
        CHECK(0,
              "alloc(size %zu, align %zu) returned NULL, but the largest free extent was %zu bytes, room for %zu "
              "plus a %zu-byte header: a heap with HB_CAP_EXACT_FIT serves every request that fits "
              "largest_free (heap.h)",
              size, align, before->largest_free, eff, header);
    if (valid && fx_has(f, HB_CAP_EXPAND) && size <= SIZE_MAX / 8) {
        size_t pages = pages_for_request(size, align);
        CHECK(!hb_mm_could_grant(f->mm, pages),
              "alloc(size %zu, align %zu) returned NULL while the memory manager would still lend %zu pages: out of "
              "memory too early (an expanding heap serves every alignment up to its max_align, %zu, and returns "
              "NULL only once the manager refuses the smallest block that would serve the request; it asked %zu "
              "times, refused %zu times during this alloc)",
              size, align, pages, f->ops->max_align,
              (c.grants + c.refusals) - (mm_before->grants + mm_before->refusals), c.refusals - mm_before->refusals);
    }
}

/* Fill the requested bytes, then the rest of what usable_size promised, and
   in checked mode ask check() after each: a usable size that covers heap
   metadata is reported as such, not later as a heap that wrote into a
   block. */
static void fill_new_block(struct fx *f, const struct shadow *s)
{
    size_t asked = s->size ? s->size : 1;
    if (!f->checked_ops || !fx_has(f, HB_CAP_CHECK) || s->span == asked) {
        fill_pattern(s);
        return;
    }
    char msg[300];
    memset(s->ptr, pattern_byte(s->id), asked);
    int rc = fx_check_heap(f, "check() after writing the requested bytes of a new block", msg, sizeof msg);
    CHECK(rc == HB_OK,
          "alloc(size %zu, align %zu) = %p: writing the %zu requested bytes broke the heap (check(): %s): the heap "
          "keeps metadata inside the block it returned",
          s->size, s->align, (void *)s->ptr, asked, msg);
    fill_pattern(s);
    rc = fx_check_heap(f, "check() after writing a new block up to its usable size", msg, sizeof msg);
    CHECK(rc == HB_OK,
          "usable_size(%p) = %zu promises too much: alloc(size %zu, align %zu) returned it, and writing bytes %zu..%zu "
          "of it broke the heap (check(): %s)",
          (void *)s->ptr, s->span, s->size, s->align, asked, s->span - 1, msg);
}

/* stats.largest_free is true: what was served without new pages fitted in
   the largest free extent the heap reported just before. */
static void check_served_from_largest(struct fx *f, const struct hb_stats *before,
                                      const struct hb_mm_counters *mm_before, size_t size, size_t align)
{
    struct hb_mm_counters c;
    hb_mm_counters(f->mm, &c);
    size_t eff = size ? size : 1;
    CHECK(c.grants != mm_before->grants || eff <= before->largest_free,
          "alloc(size %zu, align %zu) succeeded without new pages, but stats said just before that the largest free "
          "extent was %zu bytes: largest_free must be true (heap.h)",
          size, align, before->largest_free);
    if (before->live > 0 && before->header_bytes / before->live > f->header_seen)
        f->header_seen = before->header_bytes / before->live;
    if (before->live > 0)
        f->header = f->header_seen;
}

/* alloc returned [p, p+len): it lies inside a block the memory manager
   lent the heap, and inside what create was given of the initial block. */
static void check_inside(const struct fx *f, unsigned char *p, size_t len, size_t size, size_t align)
{
    /* Past the end of what create was given first: a block that runs on
       into the rest of the initial block's pages, or beyond them, is that. */
    uintptr_t a = (uintptr_t)p, end = (uintptr_t)f->initial + f->initial_len;
    size_t tail = f->initial_room - f->initial_len; /* not given to the heap */
    CHECK(!(tail && a < end + tail && (a >= end || len > end - a)),
          "alloc(size %zu, align %zu) returned %p+%zu, past the end of the initial block %p+%zu (by %zu bytes)", size,
          align, (void *)p, len, f->initial, f->initial_len, (size_t)(a + len - end));
    CHECK(hb_mm_owns(f->mm, p, len),
          "alloc(size %zu, align %zu) returned %p+%zu, which is not inside any block the memory manager lent the heap",
          size, align, (void *)p, len);
    CHECK(!(p < (unsigned char *)f->initial && p + len > (unsigned char *)f->initial - INITIAL_OFFSET),
          "alloc(size %zu, align %zu) returned %p, before the initial block %p", size, align, (void *)p, f->initial);
}

void *fx_alloc(struct fx *f, size_t size, size_t align, const char *tag)
{
    struct hb_stats before;
    struct hb_mm_counters mm_before;
    fx_note_op("stats before alloc", size, align, NULL);
    fx_stats_noted(f, &before);
    hb_mm_counters(f->mm, &mm_before);
    fx_note_op("alloc", size, align, NULL);
    unsigned char *p = f->ops->alloc(f->h, size, align, tag);
    if (!p) {
        f->failures++;
        check_refusal(f, &before, &mm_before, size, align);
        after_op(f, &after_failed_alloc, size, align, NULL);
        return NULL;
    }
#if HB_MISALIGNED_TRAPS
    /* Where a misaligned access traps, touch the block before checking its
       address: a block less aligned than the default then fails as it would
       on the board, and the crash report names the case, heap, size,
       alignment, block and faulting address. */
    size_t reach = size < 8 ? 8 : size; /* rewrites the same bytes: harmless past a tiny block */
    if (hb_mm_owns(f->mm, p, reach)) {
        struct shadow first_touch = {p, size, reach, align, tag, 0};
        touch_block(&first_touch);
    }
#endif
    size_t want_align = align > HB_DEFAULT_ALIGN ? align : HB_DEFAULT_ALIGN;
    CHECK((uintptr_t)p % want_align == 0,
          "alloc(size %zu, align %zu) returned %p, which is not %zu-byte aligned (address mod %zu = %zu)", size, align,
          (void *)p, want_align, want_align, (size_t)((uintptr_t)p % want_align));
    CHECK(hb_effective_align(align, f->ops->max_align) != 0,
          "alloc(size %zu, align %zu) returned %p: the alignment is not a power of two up to max_align %zu, so the "
          "heap must return NULL",
          size, align, (void *)p, f->ops->max_align);
    struct shadow s = {p, size, size ? size : 1, align, tag, f->next_id++};
    if (!hb_mm_owns(f->mm, p, s.span)) {
        struct hb_mm_counters c;
        hb_mm_counters(f->mm, &c);
        CHECK(s.span <= c.bytes_out,
              "alloc(size %zu, align %zu) returned %p, but all the memory the heap was lent is %zu bytes: a size it "
              "cannot serve must return NULL (did size + alignment + metadata wrap around?)",
              size, align, (void *)p, c.bytes_out);
        CHECK(0,
              "alloc(size %zu, align %zu) returned %p+%zu, which is not inside any block the memory manager lent the "
              "heap",
              size, align, (void *)p, s.span);
    }
    if (f->ops->usable_size) {
        check_inside(f, p, s.span, size, align); /* the requested bytes, before what usable_size adds */
        fx_note_op("usable_size", size, align, p);
        size_t usable = f->ops->usable_size(f->h, p);
        CHECK(usable >= s.span, "alloc(size %zu, align %zu) = %p: usable size %zu is less than asked", size, align,
              (void *)p, usable);
        CHECK(hb_mm_owns(f->mm, p, usable),
              "alloc(size %zu, align %zu) = %p: usable_size says %zu bytes, which reach outside every block the memory "
              "manager lent the heap: usable_size is wrong, or alloc returned a pointer that is not the start of a "
              "block it handed out",
              size, align, (void *)p, usable);
        s.span = usable;
    }
    check_inside(f, p, s.span, size, align);
    size_t at = lower_bound(f, p);
    if (at > 0) {
        const struct shadow *prev = &f->live[at - 1];
        CHECK(prev->ptr + prev->span <= p,
              "alloc(size %zu, align %zu) = %p overlaps live block %p+%zu (size %zu, align %zu)", size, align,
              (void *)p, (void *)prev->ptr, prev->span, prev->size, prev->align);
    }
    if (at < f->nlive) {
        const struct shadow *next = &f->live[at];
        CHECK(p + s.span <= next->ptr,
              "alloc(size %zu, align %zu) = %p+%zu overlaps live block %p (size %zu, align %zu)", size, align,
              (void *)p, s.span, (void *)next->ptr, next->size, next->align);
    }
    check_served_from_largest(f, &before, &mm_before, size, align);
    check_neighbours(f, at, 0, &s);
    touch_block(&s);
    fill_new_block(f, &s);
    insert_shadow(f, &s, at);
    f->allocs++;
    after_op(f, &after_alloc, size, align, p);
    return p;
}

void fx_free_index(struct fx *f, size_t i)
{
    struct shadow s = f->live[i];
    check_pattern(&s, "before free");
    memmove(f->live + i, f->live + i + 1, (f->nlive - i - 1) * sizeof *f->live);
    f->nlive--;
    f->granted_sum -= s.span;
    f->requested_sum -= s.size ? s.size : 1;
    fx_note_op("free", s.size, s.align, s.ptr);
    int rc = f->ops->free(f->h, s.ptr);
    CHECK(rc == HB_OK, "free(%p) (size %zu, align %zu) returned %d for a live block", (void *)s.ptr, s.size, s.align,
          rc);
    f->frees++;
    check_neighbours(f, i, 1, &s);
    after_op(f, &after_free, s.size, s.align, s.ptr);
}

void fx_free(struct fx *f, void *p)
{
    size_t i = lower_bound(f, p);
    CHECK(i < f->nlive && f->live[i].ptr == p, "suite bug: fx_free of %p, which is not live", p);
    fx_free_index(f, i);
}

void fx_free_all(struct fx *f)
{
    while (f->nlive)
        fx_free_index(f, hb_rng_below(&f->rng, (uint32_t)f->nlive));
}

/* ---- whole-heap verification ----------------------------------------- */

struct walk_log {
    struct hb_block_info *v;
    size_t n, cap;
};

static int log_block(const struct hb_block_info *info, void *ctx)
{
    struct walk_log *w = ctx;
    if (w->n == w->cap)
        return 1; /* more blocks than live: stop, reported below */
    w->v[w->n++] = *info;
    return 0;
}

static int by_ptr(const void *a, const void *b)
{
    const struct hb_block_info *x = a, *y = b;
    return (uintptr_t)x->ptr < (uintptr_t)y->ptr ? -1 : (uintptr_t)x->ptr > (uintptr_t)y->ptr;
}

void fx_verify_walk(struct fx *f)
{
    if (!fx_has(f, HB_CAP_WALK))
        return;
    struct walk_log w = {malloc((f->nlive + 1) * sizeof *w.v), 0, f->nlive + 1};
    CHECK(w.v != NULL, "out of host memory");
    note_inspection("walk");
    int rc = f->ops->walk(f->h, log_block, &w);
    CHECK(w.n <= f->nlive, "walk visits more blocks than are live (%zu live)", f->nlive);
    CHECK(rc == HB_OK, "walk returned %d", rc);
    CHECK(w.n == f->nlive, "walk visits %zu blocks, %zu are live", w.n, f->nlive);
    qsort(w.v, w.n, sizeof *w.v, by_ptr);
    for (size_t i = 0; i < w.n; i++) {
        const struct shadow *s = &f->live[i];
        const struct hb_block_info *b = &w.v[i];
        CHECK(b->ptr == s->ptr, "walk reports a block at %p; the live block there is %p", b->ptr, (void *)s->ptr);
        CHECK(b->granted >= (s->size ? s->size : 1), "walk: block %p granted %zu < requested %zu", b->ptr, b->granted,
              s->size);
        CHECK(!f->ops->usable_size || b->granted == s->span, "walk: block %p granted %zu, usable_size says %zu", b->ptr,
              b->granted, s->span);
        CHECK(!fx_has(f, HB_CAP_REQUESTED) || b->requested == (s->size ? s->size : 1),
              "walk: block %p requested %zu, was asked %zu", b->ptr, b->requested, s->size);
        if (fx_has(f, HB_CAP_TAGS) && b->tag != s->tag) {
            char shown[160];
            CHECK(0, "walk: block %p tag %s, was given \"%s\"", b->ptr, fx_heap_string(b->tag, shown, sizeof shown),
                  s->tag ? s->tag : "(null)");
        }
    }
    free(w.v);
}

static void stats_agree(struct fx *f, const struct hb_stats *sp)
{
    const struct hb_stats s = *sp;
    struct hb_mm_counters c;
    hb_mm_counters(f->mm, &c);
    size_t sum = s.meta_bytes + s.header_bytes + s.padding_bytes + s.granted_bytes + s.free_bytes;
    CHECK(s.pool_bytes == sum,
          "stats identity broken: pool %zu != meta %zu + header %zu + padding %zu + granted %zu + free %zu (= %zu)",
          s.pool_bytes, s.meta_bytes, s.header_bytes, s.padding_bytes, s.granted_bytes, s.free_bytes, sum);
    size_t lent = c.bytes_out - INITIAL_OFFSET - (f->initial_room - f->initial_len);
    CHECK(s.pool_bytes == lent, "stats say the pool is %zu bytes; the memory manager lent the heap %zu", s.pool_bytes,
          lent);
    CHECK(s.blocks == c.blocks_out, "stats say %zu blocks; the memory manager lent %zu", s.blocks, c.blocks_out);
    CHECK(s.live == f->nlive + f->raw_live, "stats say %zu live allocations; %zu are live", s.live,
          f->nlive + f->raw_live);
    CHECK(s.allocs == f->allocs && s.frees == f->frees && s.failures == f->failures,
          "counters drifted: allocs %llu frees %llu failures %llu; the suite counted %llu, %llu, %llu",
          (unsigned long long)s.allocs, (unsigned long long)s.frees, (unsigned long long)s.failures,
          (unsigned long long)f->allocs, (unsigned long long)f->frees, (unsigned long long)f->failures);
    /* blocks of a bulk run (fx_raw_alloc) are not in the sums */
    CHECK(f->raw_live || !fx_has(f, HB_CAP_REQUESTED) || s.requested_bytes == f->requested_sum,
          "stats say %zu bytes requested; live blocks asked %zu", s.requested_bytes, f->requested_sum);
    CHECK(f->raw_live || !fx_has(f, HB_CAP_FREE) || !f->ops->usable_size || s.granted_bytes == f->granted_sum,
          "stats say %zu bytes granted; live blocks' usable sizes add to %zu", s.granted_bytes, f->granted_sum);
    CHECK(s.largest_free <= s.free_bytes, "largest free extent %zu exceeds free bytes %zu", s.largest_free,
          s.free_bytes);
}

void fx_verify_stats(struct fx *f)
{
    struct hb_stats s;
    fx_stats(f, &s);
    stats_agree(f, &s);
}

void fx_verify_guards(struct fx *f)
{
    char msg[256];
    CHECK(hb_mm_check_guards(f->mm, msg, sizeof msg) == 0, "write outside the heap's blocks: %s", msg);
    const unsigned char *pre = (const unsigned char *)f->initial - INITIAL_OFFSET;
    for (size_t i = 0; i < INITIAL_OFFSET; i++)
        CHECK(pre[i] == OFFSET_FILL, "the heap wrote %zu bytes before the start of its initial block",
              INITIAL_OFFSET - i);
    size_t past = tail_written(f, SIZE_MAX);
    CHECK(past == SIZE_MAX, "the heap wrote past the end of its initial block %p+%zu (at offset %zu past it)",
          f->initial, f->initial_len, past);
}

void fx_verify(struct fx *f)
{
    hb_replay_note_action(f, HB_RA_VERIFY, NULL, 0);
    fx_check_patterns(f, "verify");
    if (fx_has(f, HB_CAP_CHECK)) {
        char msg[300];
        CHECK(fx_check_heap(f, "check", msg, sizeof msg) == HB_OK, "check() reports corruption: %s", msg);
    }
    fx_verify_walk(f);
    fx_verify_stats(f);
    fx_verify_guards(f);
}

/* ---- case actions and verdicts (recorded for the replay) ------------------ */

void fx_expect_unchanged(struct fx *f, const struct hb_stats *before, const char *what)
{
    struct hb_stats after;
    fx_stats(f, &after);
    CHECK(memcmp(before, &after, sizeof after) == 0,
          "%s changed the heap's stats (live %zu->%zu, allocs %llu->%llu, free %zu->%zu, pool %zu->%zu)", what,
          before->live, after.live, (unsigned long long)before->allocs, (unsigned long long)after.allocs,
          before->free_bytes, after.free_bytes, before->pool_bytes, after.pool_bytes);
    if (fx_has(f, HB_CAP_CHECK)) {
        char msg[300];
        CHECK(fx_check_heap(f, "check() after an operation that must leave the heap unchanged", msg, sizeof msg) ==
                  HB_OK,
              "%s broke the heap: its check() now reports corruption (%s)", what, msg);
    }
}

void fx_bad_free(struct fx *f, void *ptr, const char *what)
{
    struct hb_stats before;
    fx_stats(f, &before);
    fx_note_op(what, 0, 0, ptr);
    int rc = f->ops->free(f->h, ptr);
    CHECK(rc == HB_EBADPTR, "free of %s (%p) returned %d, not HB_EBADPTR", what, ptr, rc);
    char after[300];
    snprintf(after, sizeof after, "the rejected free of %s (%p)", what, ptr);
    fx_expect_unchanged(f, &before, after);
}

void fx_free_null(struct fx *f)
{
    struct hb_stats before;
    fx_stats(f, &before);
    fx_note_op("free(NULL)", 0, 0, NULL);
    CHECK(f->ops->free(f->h, NULL) == HB_OK, "free(NULL) did not return HB_OK");
    fx_expect_unchanged(f, &before, "free(NULL)");
}

void fx_expect_check_catches(struct fx *f, unsigned char *block, long offset, const char *what)
{
    hb_replay_note_action(f, HB_RA_POKE_CHECK, block, offset);
    unsigned char *byte = block + offset;
    char msg[300];
    *byte ^= 0xFF;
    fx_note_op("check() with one byte flipped", 0, 0, byte);
    int rc = fx_check_heap(f, "check() with one byte flipped", msg, sizeof msg);
    *byte ^= 0xFF;
    CHECK(rc == HB_ECORRUPT, "check() did not notice %s (byte at %p flipped)", what, (void *)byte);
    rc = fx_check_heap(f, "check() after the byte was restored", msg, sizeof msg);
    CHECK(rc == HB_OK, "check() still reports corruption after the byte was restored: %s", msg);
}

void fx_snapshot(struct fx *f)
{
    hb_replay_note_action(f, HB_RA_SNAPSHOT, NULL, 0);
    if (!f->snapshot)
        f->snapshot = malloc(f->initial_len);
    CHECK(f->snapshot != NULL, "out of host memory");
    memcpy(f->snapshot, f->initial, f->initial_len);
}

/* The bytes of the initial block outside live blocks that changed since the
   snapshot: metadata the heap wrote.  Up to max offsets, a reservoir sample
   when there are more. */
static size_t changed_metadata(struct fx *f, size_t *out, size_t max)
{
    const unsigned char *pool = f->initial;
    size_t n = 0, total = 0, live = 0;
    for (size_t i = 0; i < f->initial_len; i++) {
        while (live < f->nlive && f->live[live].ptr + f->live[live].span <= pool + i)
            live++;
        if (live < f->nlive && f->live[live].ptr <= pool + i)
            continue; /* user data */
        if (pool[i] != f->snapshot[i]) {
            total++;
            if (n < max)
                out[n++] = i;
            else if (hb_rng_below(&f->rng, (uint32_t)total) < max)
                out[hb_rng_below(&f->rng, (uint32_t)max)] = i;
        }
    }
    return n;
}

void fx_check_looks(struct fx *f, const char *what)
{
    enum { SAMPLE = 512 }; /* bytes flipped, at most */
    hb_replay_note_action(f, HB_RA_CHECK_LOOKS, NULL, 0);
    if (!f->snapshot)
        return;
    size_t at[SAMPLE];
    size_t n = changed_metadata(f, at, SAMPLE);
    size_t caught = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char *byte = (unsigned char *)f->initial + at[k];
        char msg[300];
        *byte ^= 0xFF;
        fx_note_op("check() with one metadata byte flipped", 0, 0, byte);
        int rc = fx_check_heap(f, "check() with one metadata byte flipped", msg, sizeof msg);
        *byte ^= 0xFF;
        caught += rc == HB_ECORRUPT;
        CHECK(rc == HB_OK || rc == HB_ECORRUPT,
              "check() returned %d (neither HB_OK nor HB_ECORRUPT) with the metadata byte at %p flipped", rc,
              (void *)byte);
        rc = fx_check_heap(f, "check() after a flipped byte was restored", msg, sizeof msg);
        CHECK(rc == HB_OK, "check() reports corruption after the flipped byte at %p was restored: %s", (void *)byte,
              msg);
    }
    CHECK(n == 0 || caught > 0,
          "check() noticed none of the %zu bytes of metadata that %s wrote, each flipped in turn: HB_CAP_CHECK "
          "promises a check() that verifies real invariants",
          n, what);
}

size_t fx_contract(struct fx *f, int all)
{
    struct hb_mm_counters before, after;
    hb_mm_counters(f->mm, &before);
    hb_replay_mark_next(all ? HB_REPLAY_ALL : 0);
    fx_note_op("contract", 0, 0, NULL);
    size_t returned = f->ops->contract(f->h);
    hb_mm_counters(f->mm, &after);
    CHECK(returned == before.bytes_out - after.bytes_out,
          "contract says it returned %zu bytes; the memory manager got back %zu", returned,
          before.bytes_out - after.bytes_out);
    snprintf(after_what, sizeof after_what, "contract() (it returned %zu bytes)", returned);
    note_held = 1;
    if (f->checked_ops && fx_has(f, HB_CAP_CHECK)) {
        char msg[300];
        int rc = fx_check_heap(f, "check() right after contract", msg, sizeof msg);
        CHECK(rc == HB_OK, "check() reports corruption: %s", msg);
    }
    fx_note_op("stats right after contract", 0, 0, NULL);
    fx_verify_stats(f);
    note_held = 0;
    after_what[0] = '\0';
    CHECK(!all || after.blocks_out == 1,
          "after freeing everything and contracting, the heap still holds %zu blocks (%zu bytes)", after.blocks_out,
          after.bytes_out);
    return returned;
}

void fx_mm_limit(struct fx *f, size_t extra)
{
    hb_replay_note_action(f, HB_RA_MM_LIMIT, NULL, (int64_t)extra);
    struct hb_mm_counters c;
    hb_mm_counters(f->mm, &c);
    hb_mm_set_max(f->mm, c.bytes_out + extra);
}

void fx_expect_drained(struct fx *f, const struct hb_stats *fresh)
{
    hb_replay_note_action(f, HB_RA_EXPECT_DRAINED, NULL, 0);
    struct hb_stats s;
    fx_stats(f, &s);
    if (s.pool_bytes == fresh->pool_bytes || fx_has(f, HB_CAP_CONTRACT)) {
        CHECK(s.free_bytes == fresh->free_bytes && s.largest_free == fresh->largest_free,
              "after freeing everything: %zu free bytes, largest extent %zu; a fresh heap has %zu and %zu "
              "(memory leaked or not coalesced)",
              s.free_bytes, s.largest_free, fresh->free_bytes, fresh->largest_free);
    } else {
        size_t grown = s.pool_bytes - fresh->pool_bytes;
        CHECK(s.free_bytes + s.meta_bytes == fresh->free_bytes + fresh->meta_bytes + grown &&
                  s.largest_free >= fresh->largest_free,
              "after freeing everything in a heap that grew by %zu bytes: %zu free + %zu metadata bytes, largest "
              "extent %zu; a fresh heap has %zu + %zu, and %zu (memory leaked or not coalesced)",
              grown, s.free_bytes, s.meta_bytes, s.largest_free, fresh->free_bytes, fresh->meta_bytes,
              fresh->largest_free);
    }
}

void *fx_raw_alloc(struct fx *f, size_t size, size_t align, const char *tag, int must)
{
    hb_replay_mark_next(HB_REPLAY_RAW | (must ? HB_REPLAY_NOT_NULL : 0));
    fx_note_op("alloc (a bulk run, outside the shadow)", size, align, NULL);
    void *p = f->ops->alloc(f->h, size, align, tag);
    if (p) {
        f->allocs++;
        f->raw_live++;
    } else
        f->failures++;
    CHECK(p || !must, "alloc(size %zu, align %zu) of a bulk run failed (%llu allocations so far)", size, align,
          (unsigned long long)f->allocs);
    return p;
}

void *fx_alloc_expect(struct fx *f, size_t size, size_t align, const char *tag, int want, const char *why)
{
    hb_replay_mark_next(want ? HB_REPLAY_NOT_NULL : HB_REPLAY_NULL);
    void *p = fx_alloc(f, size, align, tag);
    CHECK(!want || p != NULL, "alloc(size %zu, align %zu) returned NULL: %s", size, align, why);
    CHECK(want || p == NULL, "alloc(size %zu, align %zu) returned %p: %s", size, align, p, why);
    return p;
}

void fx_expand(struct fx *f, size_t bytes)
{
    struct hb_mm_counters c;
    hb_mm_counters(f->mm, &c);
    hb_mm_set_max(f->mm, c.bytes_out + bytes); /* this block, and nothing more for the heap itself */
    void *block = hb_mm_get_pages(f->mm, bytes / HB_PAGE_SIZE);
    CHECK(block != NULL, "the memory manager has no room for %zu bytes to expand by", bytes);
    struct hb_stats before, after;
    fx_stats(f, &before);
    fx_note_op("expand", bytes, 0, block);
    CHECK(f->ops->expand(f->h, block, bytes) == HB_OK, "expand(%p, %zu) failed", block, bytes);
    fx_stats(f, &after);
    CHECK(after.pool_bytes == before.pool_bytes + bytes, "expand by %zu bytes: pool went from %zu to %zu", bytes,
          before.pool_bytes, after.pool_bytes);
}

void fx_raw_free(struct fx *f, void *p)
{
    hb_replay_mark_next(HB_REPLAY_RAW);
    fx_note_op("free (a bulk run, outside the shadow)", 0, 0, p);
    CHECK(f->ops->free(f->h, p) == HB_OK, "free(%p) of a live block of a bulk run failed", p);
    f->frees++;
    f->raw_live--;
}

void fx_expect_counters(struct fx *f)
{
    hb_replay_note_action(f, HB_RA_EXPECT_COUNTERS, NULL, 0);
    struct hb_stats s;
    fx_stats(f, &s);
    CHECK(s.allocs == f->allocs && s.frees == f->frees,
          "after %llu allocations and %llu frees the heap counts %llu and %llu: a counter narrower than 64 bits "
          "wrapped",
          (unsigned long long)f->allocs, (unsigned long long)f->frees, (unsigned long long)s.allocs,
          (unsigned long long)s.frees);
    CHECK(s.live == f->nlive + f->raw_live,
          "with %zu blocks live the heap counts %zu: a live counter narrower than size_t wrapped",
          f->nlive + f->raw_live, s.live);
}

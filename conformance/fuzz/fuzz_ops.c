/*
 * fuzz_ops.c - decodes a fuzz input into heap operations and checks every
 * result against a compact shadow model of the live allocations.
 *
 * Input format (every byte string is a valid input; a short one just ends)
 *   byte 0      heap selector (only when no heap is named: index into the
 *               registered heaps, modulo their number)
 *   byte 1      memory manager: bit 0 placement (contiguous / scattered),
 *               bits 1-3 how many pages it lends beyond the initial block
 *               (0, 2, 4, ... 128 pages)
 *   then ops    one opcode byte (value mod 12) and its operand bytes:
 *     0-4  alloc      size class + 2 size bytes, alignment/tag byte
 *     5-7  free       index of a live block (free(NULL) when none is live)
 *     8    bad free   HB_CAP_DETECT_BAD_FREE heaps: a freed pointer that is
 *                     not live, or a pointer inside a live block; must give
 *                     HB_EBADPTR and leave the stats as they were
 *     9    expand     HB_CAP_EXPAND: 1-4 pages from the memory manager
 *     10   contract   HB_CAP_CONTRACT: what it returns is what the manager got
 *     11   check      the whole heap: patterns, check(), walk, guards
 *   At the end every block is freed, the heap contracts, and it must be
 *   back where it started (free bytes and largest extent of the fresh heap).
 *
 * The shadow model
 *   Each live block: pointer, requested size, usable span, a fill byte.  An
 *   alloc's result must be aligned, inside what the memory manager lent, and
 *   overlap no live block; it is then filled, and the fill checked before it
 *   is freed and at every check.  A NULL must change nothing but the
 *   failure counter; invalid alignments and sizes that cannot be served
 *   must give NULL.  After every operation: the stats identity, live count
 *   and counters, and check() where the heap has it.
 *
 * Costs: O(live) per operation (at most MAX_LIVE blocks are live), O(live +
 * arena) per check op; one memory manager of at most ~150 pages per input.
 * A failure ends the input through longjmp, so the checks read as straight
 * code.  HB_FUZZ_TRACE=1 in the environment prints each operation.
 */
#include "fuzz_ops.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broken.h"
#include "mm.h"
#include "registry.h"

#define MAX_LIVE 256
#define RECENT_FREED 8
#define INITIAL_BYTES ((size_t)16 * 1024)

struct live {
    unsigned char *ptr;
    size_t size; /* requested */
    size_t span; /* bytes filled: usable size if known, else max(size, 1) */
    size_t align;
    unsigned char fill;
};

struct run {
    const struct hb_heap_ops *ops;
    hb_heap *h;
    hb_mm *mm;
    const uint8_t *data;
    size_t size, at;
    unsigned op_no;
    char op[160]; /* the operation under way, for the report */
    struct live live[MAX_LIVE];
    size_t nlive;
    unsigned char *freed[RECENT_FREED]; /* recently freed pointers (bad-free material) */
    unsigned nfreed;
    uint64_t allocs, frees, failures;
    unsigned char next_fill;
    char *why;
    size_t why_len;
    jmp_buf fail;
};

static const char *const tags[4] = {"fuzz:a", "fuzz:b", "driver:dma", NULL};

__attribute__((format(printf, 2, 3))) static _Noreturn void fail(struct run *r, const char *fmt, ...)
{
    int n = snprintf(r->why, r->why_len, "heap %s, op %u (%s): ", r->ops->name, r->op_no, r->op);
    if (n >= 0 && (size_t)n < r->why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->why + n, r->why_len - (size_t)n, fmt, ap);
        va_end(ap);
    }
    longjmp(r->fail, 1);
}

#define EXPECT(r, cond, ...)                                                                                           \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            fail(r, __VA_ARGS__);                                                                                      \
    } while (0)

static unsigned byte(struct run *r)
{
    return r->at < r->size ? r->data[r->at++] : 0;
}

static int more(const struct run *r)
{
    return r->at < r->size;
}

const struct hb_heap_ops *hb_fuzz_pick_heap(const char *name, const uint8_t *data, size_t size)
{
    if (name) {
        const struct hb_heap_ops *ops = hb_find_heap(name);
        for (size_t i = 0; !ops && hb_broken_heaps[i]; i++)
            if (strcmp(hb_broken_heaps[i]->ops->name, name) == 0)
                ops = hb_broken_heaps[i]->ops;
        return ops;
    }
    size_t n = 0;
    while (hb_registered_heaps[n])
        n++;
    return n ? hb_registered_heaps[(size ? data[0] : 0) % n] : NULL;
}

/* ---- the shadow ---------------------------------------------------------- */

static void stats(struct run *r, struct hb_stats *s)
{
    memset(s, 0xEE, sizeof *s);
    r->ops->stats(r->h, s);
}

static void check_fill(struct run *r, const struct live *b, const char *when)
{
    for (size_t i = 0; i < b->span; i++)
        EXPECT(r, b->ptr[i] == b->fill,
               "%s: block %p (size %zu, align %zu) changed at offset %zu (0x%02x, want 0x%02x): the heap wrote into "
               "a live block",
               when, (void *)b->ptr, b->size, b->align, i, b->ptr[i], b->fill);
}

static void verify_light(struct run *r)
{
    struct hb_stats s;
    stats(r, &s);
    size_t sum = s.meta_bytes + s.header_bytes + s.padding_bytes + s.granted_bytes + s.free_bytes;
    EXPECT(r, s.pool_bytes == sum,
           "stats identity broken: pool %zu != meta %zu + header %zu + padding %zu + "
           "granted %zu + free %zu",
           s.pool_bytes, s.meta_bytes, s.header_bytes, s.padding_bytes, s.granted_bytes, s.free_bytes);
    struct hb_mm_counters c;
    hb_mm_counters(r->mm, &c);
    EXPECT(r, s.pool_bytes == c.bytes_out, "stats say the pool is %zu bytes; the memory manager lent %zu", s.pool_bytes,
           c.bytes_out);
    EXPECT(r, s.live == r->nlive, "stats say %zu live allocations; %zu are live", s.live, r->nlive);
    EXPECT(r, s.allocs == r->allocs && s.frees == r->frees && s.failures == r->failures,
           "counters allocs %llu frees %llu failures %llu; the shadow counted %llu, %llu, %llu",
           (unsigned long long)s.allocs, (unsigned long long)s.frees, (unsigned long long)s.failures,
           (unsigned long long)r->allocs, (unsigned long long)r->frees, (unsigned long long)r->failures);
    EXPECT(r, s.largest_free <= s.free_bytes, "largest free extent %zu > free bytes %zu", s.largest_free, s.free_bytes);
    if (r->ops->caps & HB_CAP_CHECK) {
        char msg[256] = "";
        EXPECT(r, r->ops->check(r->h, msg, sizeof msg) == HB_OK, "check() reports corruption: %.200s", msg);
    }
}

struct walk_ctx {
    struct run *r;
    size_t seen;
};

static int walk_one(const struct hb_block_info *info, void *vctx)
{
    struct walk_ctx *w = vctx;
    struct run *r = w->r;
    const struct live *b = NULL;
    for (size_t i = 0; i < r->nlive && !b; i++)
        if (r->live[i].ptr == info->ptr)
            b = &r->live[i];
    EXPECT(r, b != NULL, "walk reports %p, which is not a live block", info->ptr);
    EXPECT(r, info->granted >= b->span, "walk: block %p granted %zu < %zu usable", info->ptr, info->granted, b->span);
    EXPECT(r, !(r->ops->caps & HB_CAP_REQUESTED) || info->requested == (b->size ? b->size : 1),
           "walk: block %p requested %zu, was asked %zu", info->ptr, info->requested, b->size);
    w->seen++;
    return 0;
}

static void verify_full(struct run *r)
{
    for (size_t i = 0; i < r->nlive; i++)
        check_fill(r, &r->live[i], "check");
    verify_light(r);
    if (r->ops->caps & HB_CAP_WALK) {
        struct walk_ctx w = {r, 0};
        EXPECT(r, r->ops->walk(r->h, walk_one, &w) == HB_OK, "walk failed");
        EXPECT(r, w.seen == r->nlive, "walk visits %zu blocks; %zu are live", w.seen, r->nlive);
    }
    char msg[256];
    EXPECT(r, hb_mm_check_guards(r->mm, msg, sizeof msg) == 0, "write outside the heap's blocks: %s", msg);
}

/* ---- operations ------------------------------------------------------------ */

static size_t decode_size(struct run *r)
{
    unsigned cls = byte(r), lo = byte(r), hi = byte(r);
    switch (cls % 8) {
    case 0:
    case 1:
    case 2:
        return lo; /* 0..255: the common case */
    case 3:
    case 4:
        return lo | (hi & 0x0F) << 8; /* up to 4 KiB */
    case 5:
        return lo | hi << 8; /* up to 64 KiB */
    case 6:
        return (size_t)1 << (lo % (8 * sizeof(size_t))); /* powers of two, absurd ones too */
    default:
        return hi & 1 ? SIZE_MAX - lo : SIZE_MAX / 2 + 1 - lo; /* wrap-around material */
    }
}

static size_t decode_align(const struct run *r, unsigned a)
{
    unsigned k = a % 16;
    if (k == 0)
        return 0;
    if (k <= 13)
        return (size_t)1 << (k - 1); /* 1 .. 4096 */
    if (k == 14)
        return r->ops->max_align;
    static const size_t bad[] = {3, 24, 4097, 0};
    size_t b = bad[(a >> 4) % 4];
    return b ? b : r->ops->max_align * 2; /* invalid: must give NULL */
}

static int overlaps(const struct live *b, const unsigned char *p, size_t len)
{
    return p < b->ptr + b->span && b->ptr < p + len;
}

static void op_alloc(struct run *r)
{
    size_t size = decode_size(r);
    unsigned a = byte(r);
    size_t align = decode_align(r, a);
    const char *tag = tags[(a >> 4) % 4];
    snprintf(r->op, sizeof r->op, "alloc(size %zu, align %zu)", size, align);
    if (r->nlive == MAX_LIVE)
        return;
    struct hb_stats before, after;
    stats(r, &before);
    unsigned char *p = r->ops->alloc(r->h, size, align, tag);
    int valid_align = align <= 1 || (hb_is_pow2(align) && align <= r->ops->max_align);
    if (!p) {
        r->failures++;
        stats(r, &after);
        EXPECT(r, after.failures == before.failures + 1, "NULL, but the failure counter went %llu -> %llu",
               (unsigned long long)before.failures, (unsigned long long)after.failures);
        after.failures = before.failures;
        EXPECT(r, memcmp(&before, &after, sizeof after) == 0,
               "NULL, but the stats changed (pool %zu->%zu, free %zu->%zu, live %zu->%zu)", before.pool_bytes,
               after.pool_bytes, before.free_bytes, after.free_bytes, before.live, after.live);
        return;
    }
    EXPECT(r, valid_align, "returned %p for an invalid alignment", (void *)p);
    struct hb_mm_counters c;
    hb_mm_counters(r->mm, &c);
    EXPECT(r, size <= c.bytes_out, "returned %p for more bytes than the heap was lent (%zu)", (void *)p, c.bytes_out);
    size_t want = align > HB_DEFAULT_ALIGN ? align : HB_DEFAULT_ALIGN;
    EXPECT(r, (uintptr_t)p % want == 0, "returned %p, not %zu-byte aligned", (void *)p, want);
    struct live b = {p, size, size ? size : 1, align, 0};
    if (r->ops->usable_size) {
        size_t usable = r->ops->usable_size(r->h, p);
        EXPECT(r, usable >= b.span, "%p: usable size %zu is less than asked", (void *)p, usable);
        b.span = usable;
    }
    EXPECT(r, hb_mm_owns(r->mm, p, b.span), "returned %p+%zu, outside the blocks the heap was lent", (void *)p, b.span);
    for (size_t i = 0; i < r->nlive; i++)
        EXPECT(r, !overlaps(&r->live[i], p, b.span), "%p+%zu overlaps live block %p+%zu", (void *)p, b.span,
               (void *)r->live[i].ptr, r->live[i].span);
    b.fill = (unsigned char)(1 + r->next_fill++ % 250);
    memset(p, b.fill, b.span);
    r->live[r->nlive++] = b;
    r->allocs++;
}

static void remember_freed(struct run *r, unsigned char *p)
{
    r->freed[r->nfreed++ % RECENT_FREED] = p;
}

static void op_free(struct run *r)
{
    unsigned k = byte(r);
    if (r->nlive == 0) {
        snprintf(r->op, sizeof r->op, "free(NULL)");
        EXPECT(r, r->ops->free(r->h, NULL) == HB_OK, "free(NULL) did not return HB_OK");
        return;
    }
    size_t i = k % r->nlive;
    struct live b = r->live[i];
    snprintf(r->op, sizeof r->op, "free(%p) (size %zu, align %zu)", (void *)b.ptr, b.size, b.align);
    check_fill(r, &b, "before free");
    r->live[i] = r->live[--r->nlive];
    int rc = r->ops->free(r->h, b.ptr);
    EXPECT(r, rc == HB_OK, "returned %d for a live block", rc);
    r->frees++;
    remember_freed(r, b.ptr);
}

static int is_live(const struct run *r, const unsigned char *p)
{
    for (size_t i = 0; i < r->nlive; i++)
        if (r->live[i].ptr == p)
            return 1;
    return 0;
}

static void op_bad_free(struct run *r)
{
    unsigned k = byte(r), off = byte(r);
    if (!(r->ops->caps & HB_CAP_DETECT_BAD_FREE))
        return;
    unsigned char *p = NULL;
    if (k & 1 && r->nfreed) {
        p = r->freed[(k >> 1) % (r->nfreed < RECENT_FREED ? r->nfreed : RECENT_FREED)];
        if (is_live(r, p))
            return; /* handed out again: a legal free */
        snprintf(r->op, sizeof r->op, "free(%p), freed before and not live", (void *)p);
    } else if (r->nlive) {
        const struct live *b = &r->live[(k >> 1) % r->nlive];
        if (b->span < 2)
            return;
        p = b->ptr + 1 + off % (b->span - 1);
        snprintf(r->op, sizeof r->op, "free(%p), %zu bytes into live block %p", (void *)p, (size_t)(p - b->ptr),
                 (void *)b->ptr);
    } else {
        return;
    }
    struct hb_stats before, after;
    stats(r, &before);
    int rc = r->ops->free(r->h, p);
    EXPECT(r, rc == HB_EBADPTR, "returned %d, not HB_EBADPTR", rc);
    stats(r, &after);
    EXPECT(r, memcmp(&before, &after, sizeof after) == 0, "the rejected free changed the stats");
}

static void op_expand(struct run *r)
{
    size_t pages = 1 + byte(r) % 4;
    snprintf(r->op, sizeof r->op, "expand by %zu pages", pages);
    if (!(r->ops->caps & HB_CAP_EXPAND))
        return;
    void *block = hb_mm_get_pages(r->mm, pages);
    if (!block)
        return;
    struct hb_stats before, after;
    stats(r, &before);
    int rc = r->ops->expand(r->h, block, pages * HB_PAGE_SIZE);
    stats(r, &after);
    if (rc == HB_EINVAL) { /* too small for this heap: allowed, and nothing kept */
        EXPECT(r, after.pool_bytes == before.pool_bytes, "refused the block but the pool grew");
        hb_mm_put_pages(r->mm, block, pages);
        return;
    }
    EXPECT(r, rc == HB_OK, "returned %d", rc);
    EXPECT(r, after.pool_bytes == before.pool_bytes + pages * HB_PAGE_SIZE, "the pool went %zu -> %zu",
           before.pool_bytes, after.pool_bytes);
}

static void op_contract(struct run *r)
{
    snprintf(r->op, sizeof r->op, "contract");
    if (!(r->ops->caps & HB_CAP_CONTRACT))
        return;
    struct hb_mm_counters before, after;
    hb_mm_counters(r->mm, &before);
    size_t back = r->ops->contract(r->h);
    hb_mm_counters(r->mm, &after);
    EXPECT(r, back == before.bytes_out - after.bytes_out, "says it returned %zu bytes; the memory manager got %zu",
           back, before.bytes_out - after.bytes_out);
}

static void drain(struct run *r, const struct hb_stats *fresh)
{
    while (r->nlive) {
        struct live b = r->live[r->nlive - 1];
        snprintf(r->op, sizeof r->op, "final free(%p) (size %zu)", (void *)b.ptr, b.size);
        check_fill(r, &b, "before free");
        r->nlive--;
        EXPECT(r, r->ops->free(r->h, b.ptr) == HB_OK, "a live block's free failed");
        r->frees++;
    }
    op_contract(r);
    snprintf(r->op, sizeof r->op, "after freeing everything");
    verify_full(r);
    struct hb_stats s;
    stats(r, &s);
    if (s.pool_bytes == fresh->pool_bytes)
        EXPECT(r, s.free_bytes == fresh->free_bytes && s.largest_free == fresh->largest_free,
               "%zu free bytes, largest extent %zu; the fresh heap had %zu and %zu (leaked or not coalesced)",
               s.free_bytes, s.largest_free, fresh->free_bytes, fresh->largest_free);
}

static void run_ops(struct run *r)
{
    struct hb_stats fresh;
    stats(r, &fresh);
    int trace = getenv("HB_FUZZ_TRACE") != NULL;
    while (more(r)) {
        r->op_no++;
        unsigned code = byte(r) % 12;
        snprintf(r->op, sizeof r->op, "opcode %u", code);
        if (code <= 4)
            op_alloc(r);
        else if (code <= 7)
            op_free(r);
        else if (code == 8)
            op_bad_free(r);
        else if (code == 9)
            op_expand(r);
        else if (code == 10)
            op_contract(r);
        else
            verify_full(r);
        if (trace)
            printf("  op %u: %s (%zu live)\n", r->op_no, r->op, r->nlive);
        verify_light(r);
    }
    drain(r, &fresh);
}

int hb_fuzz_run(const struct hb_heap_ops *ops, const uint8_t *data, size_t size, char *why, size_t why_len)
{
    struct run *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(why, why_len, "out of host memory");
        return 1;
    }
    r->ops = ops;
    r->data = data;
    r->size = size;
    r->at = 1; /* byte 0 chose the heap */
    r->why = why;
    r->why_len = why_len;
    unsigned mmb = byte(r);
    size_t initial = ops->min_initial > INITIAL_BYTES ? ops->min_initial : INITIAL_BYTES;
    size_t init_pages = (initial + HB_PAGE_SIZE - 1) / HB_PAGE_SIZE;
    size_t extra = (mmb >> 1) % 8 ? (size_t)1 << ((mmb >> 1) % 8) : 0;
    enum hb_mm_placement place = mmb & 1 ? HB_MM_SCATTERED : HB_MM_CONTIGUOUS;
    int failed = 0;
    snprintf(r->op, sizeof r->op, "create");
    r->mm = hb_mm_create(2 * (init_pages + extra) + 8, (init_pages + extra) * HB_PAGE_SIZE, place);
    if (!r->mm) {
        snprintf(why, why_len, "out of host memory");
        failed = 1;
    } else if (setjmp(r->fail) == 0) {
        void *block = hb_mm_get_pages(r->mm, init_pages);
        struct hb_config cfg = hb_mm_config(r->mm, 0);
        r->h = block ? ops->create(block, init_pages * HB_PAGE_SIZE, &cfg) : NULL;
        EXPECT(r, r->h != NULL, "create over %zu bytes returned NULL", init_pages * HB_PAGE_SIZE);
        run_ops(r);
    } else {
        failed = 1;
    }
    if (r->mm)
        hb_mm_destroy(r->mm);
    free(r);
    return failed;
}

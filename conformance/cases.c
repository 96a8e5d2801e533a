/*
 * cases.c - the conformance cases, by group.  Each case builds its own
 * fixture (suite.h), drives the heap, and lets the fixture check every
 * result against the shadow model; a case adds the checks that are its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"

#define KiB ((size_t)1024)

static void setup(struct fx *f, size_t initial, size_t max, enum hb_mm_placement placement, int checked)
{
    struct fx_opts o = {initial, max, 0, placement, checked};
    fx_setup(f, &o);
}

static const char *pick_tag(struct fx *f)
{
    return fx_tags[hb_rng_below(&f->rng, 4)];
}

/* The alignments a heap must honour: every power of two up to its declared
   max_align (at most 16 MiB, beyond which the suite's arena would not fit a
   32-bit target). */
static size_t test_aligns(const struct fx *f, size_t *out)
{
    size_t n = 0;
    size_t max = f->ops->max_align < (16u << 20) ? f->ops->max_align : (16u << 20);
    for (size_t a = 1; a <= max; a *= 2)
        out[n++] = a;
    return n;
}

/* The largest alignment up to `want` that the heap declares. */
static size_t capped_align(const struct fx *f, size_t want)
{
    return want < f->ops->max_align ? want : f->ops->max_align;
}

/* A fresh heap's stats, for "drained back to the start" comparisons. */
static void fresh_stats(struct fx *f, struct hb_stats *out)
{
    fx_recreate(f);
    fx_stats(f, out);
}

/* Frees everything, contracts when the heap can, and compares with a fresh
   heap: the same free bytes and the same largest free extent.  A heap that
   grew and cannot contract keeps its new blocks: all of each is free or
   metadata again, and the initial block is one extent at least as large as
   a fresh heap's. */
static void drain_and_compare(struct fx *f, const struct hb_stats *fresh)
{
    fx_free_all(f);
    if (fx_has(f, HB_CAP_CONTRACT))
        fx_contract(f, 0);
    fx_expect_drained(f, fresh);
    fx_verify(f);
}

/* ---- alignment --------------------------------------------------------- */

static void alignment_powers(struct fx *f)
{
    size_t aligns[32];
    size_t n = test_aligns(f, aligns);
    /* A fixed-pool heap gets the whole budget up front: 16 live blocks at
       the largest alignment need more than 64 KiB.  At most 16 blocks are
       live, so the heap is verified after every operation (the first case
       a heap meets names the operation that broke it). */
    size_t budget = 8 * KiB * KiB + 3 * aligns[n - 1];
    if (fx_has(f, HB_CAP_EXPAND))
        setup(f, 64 * KiB, budget, HB_MM_SCATTERED, 1);
    else
        setup(f, budget, 0, HB_MM_SCATTERED, 1);
    for (size_t i = 0; i < n; i++) {
        size_t a = aligns[i];
        size_t step = a > 4096 ? 511 : 1; /* alignments beyond a page: a few sizes only */
        for (size_t size = 1; size <= 2048; size += step) {
            fx_alloc_expect(f, size, a, "align", 1, "the heap has room and declares the alignment");
            if (f->nlive == 16)
                fx_free_all(f);
        }
        fx_free_all(f);
    }
    fx_verify(f);
}

static void alignment_default(struct fx *f)
{
    setup(f, 64 * KiB, 4 * KiB * KiB, HB_MM_SCATTERED, 1);
    for (size_t size = 0; size <= 2048; size++) {
        fx_alloc_expect(f, size, 0, NULL, 1, "the heap has room");
        if (f->nlive == 16)
            fx_free_all(f);
    }
    fx_free_all(f);
    fx_verify(f);
}

static void alignment_nearly_full(struct fx *f)
{
    size_t aligns[32];
    size_t n = test_aligns(f, aligns);
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 0);
    while (fx_alloc(f, 48, 0, "fill"))
        ;
    CHECK(f->nlive > 100, "a 64 KiB heap held only %zu blocks of alloc(size 48, align 0)", f->nlive);
    for (size_t i = f->nlive; i-- > 0;)
        if (i % 7 == 3)
            fx_free_index(f, i);
    static const size_t sizes[] = {1, 16, 24, 40, 100};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            fx_alloc(f, sizes[k], aligns[i], "nearly-full"); /* NULL is fine; a bad block is not */
    fx_verify(f);
}

static void alignment_invalid(struct fx *f)
{
    setup(f, 64 * KiB, 256 * KiB, HB_MM_SCATTERED, 1);
    for (int i = 0; i < 10; i++)
        fx_alloc(f, 16 + 32 * (size_t)i, 0, "keep");
    size_t max = f->ops->max_align;
    const size_t bad[] = {3,
                          5,
                          6,
                          7,
                          12,
                          24,
                          48,
                          100,
                          1000,
                          4095,
                          4097,
                          65535,
                          SIZE_MAX,
                          SIZE_MAX / 2 + 1,
                          SIZE_MAX / 2,
                          max > SIZE_MAX / 2 ? 3 : 2 * max,
                          max + 1,
                          max - 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (bad[i] <= 2 || (hb_is_pow2(bad[i]) && bad[i] <= max))
            continue; /* max - 1 is valid when max is 2 */
        fx_alloc_expect(f, 64, bad[i], "bad-align", 0, "a non-power-of-two or absurd alignment must fail");
    }
    /* Every power of two above the declared maximum: NULL, heap unchanged
       (fx_alloc checks that). */
    for (size_t a = max; a <= SIZE_MAX / 2; a *= 2)
        if (a > max)
            fx_alloc_expect(f, 64, a, "above-max", 0, "the alignment is above the heap's declared max_align");
    fx_alloc_expect(f, 64, 0, "after", 1, "the heap no longer allocates after rejected alignments");
    fx_verify(f);
}

static void alignment_size_zero(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    for (int i = 0; i < 64; i++) {
        size_t align = capped_align(f, (size_t)1 << (i % 8));
        fx_alloc_expect(f, 0, align, "zero", 1, "size 0 must give a unique, freeable pointer");
    }
    fx_free_all(f);
    fx_verify(f);
}

/* ---- overflow / out of memory ---------------------------------------------- */

static void overflow_huge_sizes(struct fx *f)
{
    setup(f, 64 * KiB, 1024 * KiB, HB_MM_SCATTERED, 1);
    /* Grow the pool and drain it first, so that the heap holds spare blocks:
       their fit tests must not wrap either. */
    for (int i = 0; i < 40; i++)
        fx_alloc(f, 4000, 0, "grow");
    fx_free_all(f);
    for (int i = 0; i < 8; i++)
        fx_alloc(f, 100, 0, "keep");
    const size_t aligns[] = {0, 1, 8, HB_DEFAULT_ALIGN, capped_align(f, 64), capped_align(f, 4096), f->ops->max_align};
    size_t sizes[80];
    size_t n = 0;
    for (size_t k = 0; k <= 64; k++)
        sizes[n++] = SIZE_MAX - k;
    sizes[n++] = SIZE_MAX / 2 + 1;
    sizes[n++] = SIZE_MAX / 2;
    sizes[n++] = SIZE_MAX / 2 - 1;
    sizes[n++] = SIZE_MAX - 4095;
    sizes[n++] = SIZE_MAX - 4096;
    sizes[n++] = SIZE_MAX - f->ops->max_align + 1;
    sizes[n++] = (size_t)1 << (sizeof(size_t) * 8 - 2); /* far beyond any pool */
    for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++)
        for (size_t i = 0; i < n; i++)
            fx_alloc_expect(f, sizes[i], aligns[a], "huge", 0, "the size cannot be served (size + metadata wraps?)");
    fx_alloc_expect(f, 100, 0, "after", 1, "the heap no longer allocates after huge requests");
    fx_verify(f);
}

/* Largest size that a fresh heap serves, found by bisection. */
static size_t largest_allocation(struct fx *f, size_t hi)
{
    size_t lo = 0; /* lo succeeds (0 trivially), hi fails */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        void *p = fx_alloc(f, mid, 0, "probe");
        if (p) {
            fx_free(f, p);
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void overflow_fill_until_null(struct fx *f)
{
    setup(f, 256 * KiB, 0, HB_MM_CONTIGUOUS, 0);
    size_t largest = largest_allocation(f, f->initial_len + 1);
    CHECK(largest >= f->initial_len / 4, /* a buddy heap's largest block is under half */
          "a fresh %zu-byte heap serves at most %zu bytes in one allocation", f->initial_len, largest);
    fx_alloc_expect(f, largest + 1, 0, "probe", 0, "one byte more than the largest request a bisection found served");
    int fails = 0;
    while (fails < 8) {
        size_t size = fails < 4 ? hb_rng_range(&f->rng, 1, 3000) : (size_t)1 << (8 - fails);
        if (fx_alloc(f, size, 0, pick_tag(f)))
            fails = 0;
        else
            fails++;
    }
    fx_verify(f); /* no block outside the pool: the guard bytes are intact */
    fx_free_all(f);
    if (fx_has(f, HB_CAP_CONTRACT))
        fx_contract(f, 0);
    fx_alloc_expect(f, largest, 0, "largest", 1, "the largest allocation of the fresh heap, after filling and freeing");
    fx_verify(f);
}

/* ---- integrity --------------------------------------------------------- */

static size_t random_size(struct fx *f)
{
    uint32_t r = hb_rng_below(&f->rng, 100);
    if (r < 70)
        return hb_rng_range(&f->rng, 1, 128);
    if (r < 95)
        return hb_rng_range(&f->rng, 129, 2048);
    return hb_rng_range(&f->rng, 2049, 16384);
}

/* Mostly the default; else a power of two up to 4096 the heap declares. */
static size_t random_align(struct fx *f)
{
    if (hb_rng_below(&f->rng, 100) < 85)
        return hb_rng_below(&f->rng, 2); /* 0 or 1: the default */
    return capped_align(f, (size_t)1 << hb_rng_range(&f->rng, 1, 12));
}

/* A seeded random sequence of allocs and frees, every step checked. */
static void random_sequence(struct fx *f, long ops, int with_errors, long verify_every)
{
    for (long i = 0; i < ops; i++) {
        uint32_t r = hb_rng_below(&f->rng, 100);
        if (with_errors && r < 3) {
            fx_free_null(f);
        } else if (with_errors && r < 6) {
            fx_alloc_expect(f, SIZE_MAX - hb_rng_below(&f->rng, 64), random_align(f), "huge", 0,
                            "a huge request must fail");
        } else if (f->nlive && (r < 45 || f->nlive > 400)) {
            fx_free_index(f, hb_rng_below(&f->rng, (uint32_t)f->nlive));
        } else if (!fx_alloc(f, random_size(f), random_align(f), pick_tag(f))) {
            for (int k = 0; k < 8 && f->nlive; k++) /* full: make room */
                fx_free_index(f, hb_rng_below(&f->rng, (uint32_t)f->nlive));
        }
        if (i % verify_every == 0)
            fx_verify(f);
    }
    fx_verify(f);
    fx_free_all(f);
    fx_verify(f);
}

static void integrity_random(struct fx *f)
{
    setup(f, 64 * KiB, 1024 * KiB, HB_MM_SCATTERED, 1);
    random_sequence(f, 3000, 0, 128);
}

static void integrity_small_blocks(struct fx *f)
{
    /* Many tiny neighbours: headers, free-list links and boundary tags all
       sit next to user data here. */
    setup(f, 32 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    for (int round = 0; round < 4; round++) {
        while (f->nlive < 300 && fx_alloc(f, hb_rng_range(&f->rng, 1, 40), 0, pick_tag(f)))
            ;
        for (size_t i = f->nlive; i-- > 0;)
            if (hb_rng_below(&f->rng, 2))
                fx_free_index(f, i);
        fx_verify(f);
    }
    fx_free_all(f);
    fx_verify(f);
}

/* ---- free ---------------------------------------------------------------- */

static void free_null(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    fx_alloc(f, 100, 0, "keep");
    fx_free_null(f);
    fx_verify(f);
}

static int next_permutation(size_t *a, size_t n)
{
    size_t i = n - 1;
    while (i > 0 && a[i - 1] >= a[i])
        i--;
    if (i == 0)
        return 0;
    size_t j = n - 1;
    while (a[j] <= a[i - 1])
        j--;
    size_t t = a[i - 1];
    a[i - 1] = a[j];
    a[j] = t;
    for (size_t l = i, r = n - 1; l < r; l++, r--) {
        t = a[l];
        a[l] = a[r];
        a[r] = t;
    }
    return 1;
}

static void free_permutations(struct fx *f)
{
    enum { N = 6 };
    static const size_t sizes[N] = {24, 200, 8, 1000, 64, 3000};
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    struct hb_stats fresh;
    fresh_stats(f, &fresh);
    size_t order[N] = {0, 1, 2, 3, 4, 5};
    unsigned count = 0;
    do {
        fx_recreate(f);
        void *p[N];
        for (size_t i = 0; i < N; i++)
            p[i] = fx_alloc_expect(f, sizes[i], 0, "perm", 1, "a fresh heap has room");
        for (size_t i = 0; i < N; i++) {
            fx_free(f, p[order[i]]);
            char when[96];
            snprintf(when, sizeof when, "after freeing %p (step %zu of permutation %u)", p[order[i]], i, count);
            fx_check_patterns(f, when); /* the others are intact */
            if (fx_has(f, HB_CAP_CHECK)) {
                char msg[300];
                CHECK(fx_check_heap(f, "check() right after free", msg, sizeof msg) == HB_OK,
                      "check() reports corruption right after free(%p) (step %zu of permutation %u): %s", p[order[i]],
                      i, count, msg);
            }
        }
        drain_and_compare(f, &fresh);
        count++;
    } while (next_permutation(order, N));
    CHECK(count == 720, "suite bug: %u permutations", count);
}

static void free_drain(struct fx *f)
{
    setup(f, 64 * KiB, 2048 * KiB, HB_MM_SCATTERED, 1);
    struct hb_stats fresh;
    fx_stats(f, &fresh);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 300; i++)
            if (!fx_alloc(f, random_size(f), random_align(f), pick_tag(f)))
                break;
        fx_verify(f);
        drain_and_compare(f, &fresh);
    }
}

/* free(ptr) of a pointer that is not live must return HB_EBADPTR and leave
   the heap as it was. */
static void expect_bad_free(struct fx *f, void *ptr, const char *what)
{
    fx_bad_free(f, ptr, what);
    fx_verify(f);
}

static void free_bad_pointers(struct fx *f)
{
    setup(f, 64 * KiB, 256 * KiB, HB_MM_CONTIGUOUS, 1);
    unsigned char *p[8];
    for (size_t i = 0; i < 8; i++)
        p[i] = fx_alloc(f, 1000, 0, "bad-free");
    size_t page_align = capped_align(f, HB_PAGE_SIZE);
    unsigned char *large = fx_alloc_expect(f, 3 * HB_PAGE_SIZE + 100, 0, "large", 1, "the heap has room");
    unsigned char *page = fx_alloc_expect(f, HB_PAGE_SIZE, page_align, "page", 1, "the heap has room");
    fx_free(f, p[3]);
    expect_bad_free(f, p[3], "a block already freed (double free)");
    expect_bad_free(f, p[5] + 1, "a pointer one byte into a live block");
    expect_bad_free(f, p[5] + 4 * HB_DEFAULT_ALIGN, "a pointer into the middle of a live block");
    expect_bad_free(f, large + HB_DEFAULT_ALIGN, "a pointer into a live multi-page block (default-aligned)");
    expect_bad_free(f, large + HB_PAGE_SIZE, "a page-aligned pointer into a live multi-page block");
    expect_bad_free(f, large + 2 * HB_PAGE_SIZE + 4 * HB_DEFAULT_ALIGN,
                    "a pointer into the third page of a live "
                    "multi-page block");
    expect_bad_free(f, page + HB_PAGE_SIZE / 2, "a pointer into the middle of a live page-sized block");
    expect_bad_free(f, p[3] + 4 * HB_DEFAULT_ALIGN, "a pointer into free space (inside a freed block)");
    expect_bad_free(f, (unsigned char *)f->h, "the heap's own global data (what create returned)");
    expect_bad_free(f, (unsigned char *)f->h + 2 * HB_DEFAULT_ALIGN, "a pointer into the heap's global data");

    struct fx other = {.ops = f->ops, .seed = f->seed + 1};
    fx_setup(&other, &(struct fx_opts){64 * KiB, 0, 0, HB_MM_CONTIGUOUS, 1});
    /* small, mid-sized and multi-page: a heap may keep each in its own way
       (slabs, a free list, page runs) */
    static const size_t foreign_sizes[] = {24, 1000, 3 * HB_PAGE_SIZE};
    for (size_t i = 0; i < sizeof foreign_sizes / sizeof foreign_sizes[0]; i++) {
        unsigned char *foreign =
            fx_alloc_expect(&other, foreign_sizes[i], 0, "other-heap", 1, "a second, fresh heap has room");
        char what[96];
        snprintf(what, sizeof what, "a live %zu-byte block of another heap of the same kind", foreign_sizes[i]);
        expect_bad_free(f, foreign, what);
    }
    fx_verify(&other); /* and the other heap's block is untouched */
    fx_teardown(&other);

    fx_free_all(f);
    fx_verify(f);
}

/* A block freed again after it merged with freed neighbours: its header (if
   any) now lies inside a bigger free extent. */
static void free_double_after_merge(struct fx *f)
{
    static const struct {
        const char *what;
        int first, second, again; /* indexes of a, b, c: free first, then second, then again */
    } orders[] = {
        {"free(a), free(b): b merged into a", 0, 1, 1}, {"free(c), free(b): c merged into b", 2, 1, 1},
        {"free(b), free(a): b merged into a", 1, 0, 1}, {"free(a), free(b): then a again", 0, 1, 0},
        {"free(c), free(b): then c again", 2, 1, 2},
    };
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    for (size_t k = 0; k < sizeof orders / sizeof orders[0]; k++) {
        fx_recreate(f);
        unsigned char *b[4];
        for (size_t i = 0; i < 4; i++) /* a, b, c, and d keeping c from the free tail */
            b[i] = fx_alloc(f, 100, 0, "merge");
        fx_free(f, b[orders[k].first]);
        fx_free(f, b[orders[k].second]);
        char what[160];
        snprintf(what, sizeof what, "a block freed twice, after it merged with its freed neighbour (%s)",
                 orders[k].what);
        expect_bad_free(f, b[orders[k].again], what);
        /* and with both neighbours freed and merged around it */
        fx_free_all(f);
    }
    fx_recreate(f);
    unsigned char *b[4];
    for (size_t i = 0; i < 4; i++)
        b[i] = fx_alloc(f, 100, 0, "merge");
    fx_free(f, b[0]);
    fx_free(f, b[2]);
    fx_free(f, b[1]);
    expect_bad_free(f, b[1], "a block freed twice, after merging with both freed neighbours");
    expect_bad_free(f, b[2], "a block freed twice, after the block before it merged it away");
    fx_free_all(f);
    fx_verify(f);
}

/* ---- expansion / contraction ------------------------------------------- */

static void grow_until_refused(struct fx *f)
{
    struct hb_mm_counters c;
    for (;;) {
        size_t size = hb_rng_range(&f->rng, 64, 3000);
        size_t align = random_align(f);
        if (!fx_alloc(f, size, align, pick_tag(f))) {
            hb_mm_counters(f->mm, &c);
            if (c.refusals > 0)
                break;
            CHECK(0,
                  "alloc(size %zu, align %zu) returned NULL before the memory manager refused a request (%zu bytes "
                  "lent)",
                  size, align, c.bytes_out);
        }
    }
    hb_mm_counters(f->mm, &c);
    CHECK(c.grants > 1, "the heap never asked the memory manager for more pages");
    fx_verify(f);
}

static void contract_to_initial(struct fx *f)
{
    fx_contract(f, 1);
    fx_verify(f);
}

static void expansion_grow(struct fx *f, enum hb_mm_placement placement)
{
    setup(f, 16 * KiB, 512 * KiB, placement, 0);
    grow_until_refused(f);
    fx_free_all(f);
    if (fx_has(f, HB_CAP_CONTRACT)) {
        contract_to_initial(f);
        for (int i = 0; i < 50; i++) /* still works, and never touches what it gave back */
            fx_alloc(f, random_size(f), 0, "after");
        fx_verify(f);
        fx_free_all(f);
        contract_to_initial(f);
    }
}

static void expansion_scattered(struct fx *f)
{
    expansion_grow(f, HB_MM_SCATTERED);
}
static void expansion_contiguous(struct fx *f)
{
    expansion_grow(f, HB_MM_CONTIGUOUS);
}

static void expansion_large_request(struct fx *f)
{
    setup(f, 16 * KiB, 256 * KiB, HB_MM_SCATTERED, 1);
    fx_alloc(f, 100, 0, "small");
    size_t big = 5 * HB_PAGE_SIZE + 1;
    fx_alloc_expect(f, big, 0, "big", 1, "larger than the initial block, it must expand the pool");
    size_t align = capped_align(f, HB_PAGE_SIZE);
    fx_alloc_expect(f, 3 * HB_PAGE_SIZE, align, "big-aligned", 1,
                    "larger than the initial block, it must expand the pool");
    fx_verify(f);
}

static void expansion_explicit(struct fx *f)
{
    setup(f, 16 * KiB, 0, HB_MM_SCATTERED, 1);
    fx_expand(f, 8 * HB_PAGE_SIZE);
    fx_verify_stats(f);
    fx_alloc_expect(f, 20 * KiB, 0, "in-expanded", 1, "expand added room for it");
    fx_free_all(f);
    if (fx_has(f, HB_CAP_CONTRACT))
        contract_to_initial(f);
    fx_verify(f);
}

static void expansion_contract_keeps_live(struct fx *f)
{
    setup(f, 16 * KiB, 512 * KiB, HB_MM_SCATTERED, 0);
    grow_until_refused(f);
    for (size_t i = f->nlive; i-- > 0;)
        if (i % 16 != 0)
            fx_free_index(f, i);
    fx_contract(f, 0);
    fx_verify(f); /* the kept blocks are intact; stats match what the manager lent */
    fx_free_all(f);
    contract_to_initial(f);
}

/* Contract over contiguous blocks, which a heap may have merged: the upper
   half of the live blocks (by address) freed, contract gives back what it
   can and keeps the rest intact; then every other block of the lower half,
   and contract again. */
static void expansion_contract_contiguous(struct fx *f)
{
    setup(f, 16 * KiB, 512 * KiB, HB_MM_CONTIGUOUS, 0);
    grow_until_refused(f);
    for (size_t keep = f->nlive / 2, i = f->nlive; i-- > keep;)
        fx_free_index(f, i);
    fx_contract(f, 0);
    fx_verify(f);
    for (size_t i = f->nlive; i-- > 0;)
        if (i % 2)
            fx_free_index(f, i);
    fx_contract(f, 0);
    fx_verify(f);
    fx_free_all(f);
    contract_to_initial(f);
}

/* Out of memory too early: the heap is full and the memory manager has
   room for a block that serves the request (twice its pages plus two), but
   less than a heap may like to ask for first.  fx_alloc fails a NULL while
   the manager would lend that block. */
static void expansion_oom_too_early(struct fx *f)
{
    const size_t sizes[] = {100, 3000, 3 * HB_PAGE_SIZE + 1, 9 * HB_PAGE_SIZE};
    const size_t aligns[] = {0, capped_align(f, HB_PAGE_SIZE)};
    fx_setup(f, &(struct fx_opts){16 * KiB, 0, 512, HB_MM_CONTIGUOUS, 0}); /* an arena with room */
    for (size_t a = 0; a < 2; a++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            fx_mm_limit(f, 0); /* nothing more: fill the pool */
            while (fx_alloc(f, 200, 0, "fill"))
                ;
            size_t align = aligns[a] > HB_DEFAULT_ALIGN ? aligns[a] : HB_DEFAULT_ALIGN;
            size_t pages = 2 * ((sizes[i] + align + HB_PAGE_SIZE - 1) / HB_PAGE_SIZE) + 2;
            fx_mm_limit(f, pages * HB_PAGE_SIZE);
            fx_alloc_expect(f, sizes[i], aligns[a], "after-fill", 1,
                            "the heap is full but the memory manager can lend the pages it needs");
        }
    fx_verify(f);
}

/* ---- stress ---------------------------------------------------------------- */

/* A long seeded random sequence (HB_STRESS_OPS operations, 20000 unless set:
   the full-length run is 10^6), every result checked against the shadow and
   the whole heap verified every 1024 operations.  Run under ASan and UBSan
   on the host. */
static void stress_random(struct fx *f)
{
    const char *env = getenv("HB_STRESS_OPS");
    long ops = env ? strtol(env, NULL, 10) : 20000;
    printf("    stress: %ld operations, seed %llu\n", ops, (unsigned long long)f->seed);
    setup(f, 64 * KiB, 4096 * KiB, HB_MM_SCATTERED, 0);
    random_sequence(f, ops, 1, 1024);
    if (fx_has(f, HB_CAP_CONTRACT))
        contract_to_initial(f);
}

/* ---- the contract's remaining rules ------------------------------------- */

/* Exact fit: on a fragmented heap that cannot grow, a request of the largest
   free extent less the per-allocation header must be served (fx_alloc
   reports a refusal against the stats it read just before). */
static void accounting_exact_fit(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 0);
    fx_alloc(f, 100, 0, "first"); /* then the rest of a fresh heap, in one request */
    for (int round = 0; round < 12; round++) {
        if (round > 0) {
            while (fx_alloc(f, hb_rng_range(&f->rng, 1, round < 6 ? 300 : 3000), 0, "fill"))
                ;
            for (size_t i = f->nlive; i-- > 0;)
                if (hb_rng_below(&f->rng, 3) == 0)
                    fx_free_index(f, i);
        }
        struct hb_stats s;
        fx_stats(f, &s);
        size_t header = s.live ? s.header_bytes / s.live : 0;
        if (s.largest_free <= header)
            continue;
        size_t size = s.largest_free - header;
        void *p = fx_alloc_expect(f, size, 0, "exact", 1,
                                  "it is the largest free extent less the header; a heap with HB_CAP_EXACT_FIT serves "
                                  "every request up to largest_free less its header (heap.h)");
        fx_free(f, p);
    }
    fx_free_all(f);
    fx_verify(f);
}

/* check() must look: after each operation, flip each byte of the metadata
   it wrote (up to 512, spread evenly), one at a time; check() must notice at
   least one of them per operation (a heap may leave counters, tags and
   padding unverified), must never crash on any, and must be content again
   once the byte is back (fx_check_looks). */
static void integrity_check_looks(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 0);
    unsigned char *p[6];
    for (int step = 0; step < 10; step++) {
        static const size_t sizes[] = {100, 200, 40, 1000, 24, 300};
        fx_snapshot(f);
        size_t size = 0;
        void *ptr = NULL;
        if (step < 6) {
            size = sizes[step];
            ptr = p[step] = fx_alloc_expect(f, size, 0, "looks", 1, "a fresh 64 KiB heap has room");
        } else {
            static const int order[] = {1, 2, 4, 0};
            ptr = p[order[step - 6]];
            size = sizes[order[step - 6]];
            fx_free(f, ptr);
        }
        char what[96];
        if (step < 6)
            snprintf(what, sizeof what, "alloc(size %zu, align 0) = %p", size, ptr);
        else
            snprintf(what, sizeof what, "free(%p) (size %zu, align 0)", ptr, size);
        fx_check_looks(f, what);
    }
    fx_free_all(f);
    fx_verify(f);
}

/* Two heaps of one kind in one process, operations interleaved: a heap
   with state in static globals mixes them up. */
static void integrity_two_heaps(struct fx *f)
{
    static const char *const context[2] = {"two heaps in one process, heap A", "two heaps in one process, heap B"};
    setup(f, 64 * KiB, 512 * KiB, HB_MM_SCATTERED, 1);
    for (int i = 0; i < 20; i++)
        fx_alloc(f, random_size(f), random_align(f), pick_tag(f));
    struct hb_stats a_before;
    fx_stats(f, &a_before);
    struct fx g = {.ops = f->ops, .seed = f->seed ^ 0x5A5A5A5Au};
    fx_setup(&g, &(struct fx_opts){64 * KiB, 512 * KiB, 0, HB_MM_SCATTERED, 1});
    fx_expect_unchanged(f, &a_before,
                        "creating a second heap (a heap that keeps state in static globals, not inside its blocks)");
    fx_set_context(context[0]);
    fx_verify(f);
    struct fx *heap[2] = {f, &g};
    for (int i = 0; i < 600; i++) {
        int k = (int)hb_rng_below(&f->rng, 2);
        struct fx *x = heap[k];
        fx_set_context(context[k]);
        if (x->nlive && (hb_rng_below(&f->rng, 100) < 45 || x->nlive > 200))
            fx_free_index(x, hb_rng_below(&f->rng, (uint32_t)x->nlive));
        else
            fx_alloc(x, random_size(f), random_align(f), pick_tag(f));
        fx_set_context(context[1 - k]); /* the other heap did not move */
        fx_verify_stats(heap[1 - k]);
        if (i % 100 == 0) {
            fx_verify(heap[1 - k]);
            fx_set_context(context[k]);
            fx_verify(x);
        }
    }
    for (int k = 0; k < 2; k++) {
        fx_set_context(context[k]);
        fx_free_all(heap[k]);
        fx_verify(heap[k]);
    }
    fx_set_context(NULL);
    fx_teardown(&g);
}

/* Counters and sizes that wrap: more than 65 536 allocations and frees,
   more than 65 536 blocks live at once, and blocks larger than 64 KiB.
   The bulk goes straight to the heap (no shadow), checked by the counts. */
static void stress_counters_wrap(struct fx *f)
{
    enum { OPS = 65536 + 300, LIVE = 65536 + 300 };
    setup(f, 64 * KiB, 8192 * KiB, HB_MM_CONTIGUOUS, 0);
    fx_alloc(f, 24, 0, "keep");
    for (long i = 0; i < OPS; i++) {
        fx_raw_free(f, fx_raw_alloc(f, 24, 0, "pair", 1));
    }
    fx_expect_counters(f);
    void **many = malloc(LIVE * sizeof *many);
    CHECK(many != NULL, "out of host memory");
    size_t n = 0;
    while (n < LIVE &&
           (many[n] = fx_raw_alloc(f, 1, 0, "many", 0)) != NULL) /* a heap that cannot grow is full before */
        n++;
    fx_expect_counters(f);
    while (n > 0)
        fx_raw_free(f, many[--n]);
    free(many);
    fx_verify(f);
    const size_t big[] = {65536 + 24, 65536 * 2 + 8, 300000};
    for (size_t i = 0; i < 3; i++)
        fx_alloc(f, big[i], 0, "big"); /* fx_alloc checks the usable size */
    fx_free_all(f);
    fx_verify(f);
}

/* ---- accounting ---------------------------------------------------------- */

static void accounting_shadow(struct fx *f)
{
    setup(f, 64 * KiB, 1024 * KiB, HB_MM_CONTIGUOUS, 1);
    random_sequence(f, 2000, 1, 128);
}

static void accounting_full_heap(struct fx *f)
{
    setup(f, 32 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    while (fx_alloc(f, hb_rng_range(&f->rng, 1, 500), 0, pick_tag(f)))
        ;
    for (int i = 0; i < 20; i++) /* failures on a full heap count, and change nothing else */
        fx_alloc(f, hb_rng_range(&f->rng, 2000, 9000), random_align(f), "full");
    fx_free_all(f);
    fx_verify(f);
}

/* ---- overwrite detection ----------------------------------------------- */

static size_t granted_of(struct fx *f, void *p)
{
    size_t i = 0;
    while (f->live[i].ptr != p)
        i++;
    return f->live[i].span;
}

static void overwrite_past_end(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    unsigned char *a = fx_alloc(f, 100, 0, "a");
    unsigned char *b = fx_alloc(f, 100, 0, "b");
    fx_alloc(f, 100, 0, "c");
    fx_expect_check_catches(f, a, (long)granted_of(f, a), "a write one byte past the end of a block");
    fx_expect_check_catches(f, b, (long)granted_of(f, b), "a write one byte past the end of a block");
    fx_verify(f);
}

static void overwrite_before_start(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    fx_alloc(f, 100, 0, "a");
    unsigned char *b = fx_alloc(f, 100, 0, "b");
    fx_expect_check_catches(f, b, -1, "a write one byte before the start of a block");
    fx_verify(f);
}

/* ---- geometry: pools whose lengths sit on boundaries ----------------------- */

/* End-of-pool arithmetic fails where a length meets a boundary: a pool of
   exactly a power of two bytes or one unit either side of it, a block whose
   last unit is the last bit of a map word, a request that takes the pool to
   its last byte, a free run that reaches the pool's end.  These cases make
   such geometries without assuming any heap's layout (a heap's metadata
   shifts its boundaries by amounts the suite cannot know), by sweeping:
    - initial blocks of every length in a window of 32 x (bits per word)
      bytes, at steps of HB_DEFAULT_ALIGN, centred on a power of two: a heap
      that cuts its pool into units of up to 32 bytes ends on every unit
      count modulo the word size somewhere in it, the full last word among
      them;
    - initial blocks of every power of two from min_initial to 64 KiB, each
      exactly, HB_DEFAULT_ALIGN and a page either side;
    - for an expanding heap, memory-manager limits of 1, 2, 7, 8, 9, 16, 17
      and 32 pages beyond the initial block.
   On each, the heap is filled to its last byte by requests of decreasing
   sizes, holes are made that include the run at the pool's end, and
   requests of the largest free extent and one byte more are made; fx_alloc
   holds every result to the contract (inside the pool, nothing written past
   its end, largest_free true, no refusal of what fits with
   HB_CAP_EXACT_FIT). */

/* The largest free extent and one byte more: more is never served without
   new pages, and the extent less the heap's header is served by a heap
   with HB_CAP_EXACT_FIT (fx_alloc holds both rules). */
static void geometry_largest(struct fx *f)
{
    struct hb_stats s;
    fx_stats(f, &s);
    fx_alloc(f, s.largest_free + 1, 0, "beyond-largest");
    size_t header = f->header == SIZE_MAX ? 0 : f->header;
    if (s.largest_free > header)
        fx_alloc(f, s.largest_free - header, 0, "largest");
}

/* Fill the heap to its last byte: requests of every power of two from the
   largest up to `room` down to 1, each until NULL. */
static void geometry_fill(struct fx *f, size_t room)
{
    size_t size = 1;
    while (size <= room / 2)
        size *= 2;
    for (; size; size /= 2)
        while (fx_alloc(f, size, 0, "geometry"))
            ;
}

/* Free the block at the highest address (a free run then reaches the
   pool's end, or as near as the heap goes) and every other block below it,
   starting two below it (parity 0) or right below it (parity 1); then ask
   for the largest free extent. */
static void geometry_holes(struct fx *f, size_t parity)
{
    size_t n = f->nlive;
    if (n == 0)
        return;
    fx_free_index(f, n - 1);
    for (size_t i = n - 1; i-- > 0;)
        if ((n - 1 - i) % 2 == parity)
            fx_free_index(f, i);
    geometry_largest(f);
    fx_verify(f);
}

/* One geometry: largest on the fresh pool; then fill, holes, largest,
   drain, four times: blocks of up to a half and up to a quarter of the
   pool, each with both parities of holes. */
static void geometry_rounds(struct fx *f, size_t room)
{
    struct hb_stats fresh;
    fx_stats(f, &fresh);
    geometry_largest(f);
    fx_free_all(f);
    for (size_t round = 0; round < 4; round++) {
        geometry_fill(f, room >> (1 + round / 2));
        fx_verify(f);
        geometry_holes(f, round % 2);
        drain_and_compare(f, &fresh);
    }
}

static void geometry_lengths(struct fx *f)
{
    size_t window = sizeof(void *) * 8 * 32; /* 32 units per bit of a machine word */
    size_t min = f->ops->min_initial, mid = 4 * KiB;
    while (mid < min + window / 2)
        mid *= 2;
    size_t lens[512], n = 0;
    for (size_t len = mid - window / 2; len <= mid + window / 2; len += HB_DEFAULT_ALIGN)
        lens[n++] = len;
    size_t pow2 = 1;
    while (pow2 < min)
        pow2 *= 2;
    for (; pow2 <= 64 * KiB; pow2 *= 2) {
        const size_t near[] = {pow2 > HB_PAGE_SIZE ? pow2 - HB_PAGE_SIZE : 0,
                               pow2 - HB_DEFAULT_ALIGN,
                               pow2 - 1,
                               pow2,
                               pow2 + 1,
                               pow2 + HB_DEFAULT_ALIGN,
                               pow2 + HB_PAGE_SIZE};
        for (size_t k = 0; k < sizeof near / sizeof near[0]; k++)
            if (near[k] >= min && (near[k] < mid - window / 2 || near[k] > mid + window / 2))
                lens[n++] = near[k];
    }
    size_t longest = 0;
    for (size_t i = 0; i < n; i++)
        longest = lens[i] > longest ? lens[i] : longest;
    /* An arena of just the initial block's pages: the guard scans of every
       verification stay short. */
    fx_setup(f, &(struct fx_opts){longest, 0, (longest + HB_DEFAULT_ALIGN) / HB_PAGE_SIZE + 1, HB_MM_CONTIGUOUS, 0});
    for (size_t i = 0; i < n; i++) {
        char context[64];
        snprintf(context, sizeof context, "initial block of %zu bytes", lens[i]);
        fx_set_context(context);
        fx_recreate_len(f, lens[i]);
        geometry_rounds(f, lens[i]);
    }
    fx_set_context(NULL);
}

static void geometry_pages(struct fx *f)
{
    static const size_t pages[] = {1, 2, 7, 8, 9, 16, 17, 32};
    for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++) {
        char context[80];
        snprintf(context, sizeof context, "memory manager limit of %zu pages beyond the initial block", pages[k]);
        fx_set_context(context);
        if (k > 0)
            fx_teardown(f);
        setup(f, 0, pages[k] * HB_PAGE_SIZE, HB_MM_CONTIGUOUS, 0);
        geometry_rounds(f, f->initial_len + pages[k] * HB_PAGE_SIZE);
    }
    fx_set_context(NULL);
}

const struct hb_case hb_cases[] = {
    {"alignment", "powers", 0, alignment_powers,
     "every power of two up to the heap's max_align, sizes 1..2048 (a few beyond 4096): aligned, inside the pool, "
     "no "
     "overlap"},
    {"alignment", "default", 0, alignment_default, "align 0 gives at least _Alignof(max_align_t), sizes 0..2048"},
    {"alignment", "nearly_full", 0, alignment_nearly_full, "aligned requests on a nearly full, fragmented heap"},
    {"alignment", "invalid", 0, alignment_invalid,
     "non-powers of two, absurd alignments and every power of two above max_align return NULL, heap unchanged"},
    {"alignment", "size_zero", 0, alignment_size_zero, "size 0 gives unique, aligned, freeable pointers"},
    {"overflow", "huge_sizes", 0, overflow_huge_sizes,
     "SIZE_MAX-k, SIZE_MAX/2+1 and wrapping size+alignment return NULL, heap unchanged"},
    {"overflow", "fill_until_null", 0, overflow_fill_until_null,
     "fill until NULL: nothing outside the pool, failures change nothing, the largest block fits again after"},
    {"integrity", "random", 0, integrity_random,
     "seeded random allocs/frees: no overlap, patterns intact, walk/check/stats agree after every operation"},
    {"integrity", "small_blocks", 0, integrity_small_blocks, "hundreds of tiny neighbouring blocks stay intact"},
    {"integrity", "check_looks", HB_CAP_CHECK, integrity_check_looks,
     "check() notices a flipped byte of the metadata an alloc or free wrote, and never crashes on it"},
    {"integrity", "two_heaps", 0, integrity_two_heaps,
     "two heaps of one kind in one process, operations interleaved: neither disturbs the other"},
    {"free", "null", 0, free_null, "free(NULL) is a no-op"},
    {"free", "permutations", 0, free_permutations,
     "all 720 free orders of 6 blocks; each drain returns the heap to its fresh state"},
    {"free", "drain", 0, free_drain, "a full drain (with contraction) returns the heap to its fresh state"},
    {"free", "bad_pointers", HB_CAP_DETECT_BAD_FREE, free_bad_pointers,
     "double free, interior pointers of small, multi-page and page-sized blocks, pointers into free space and the "
     "heap's metadata, another heap's block: HB_EBADPTR, heap unchanged"},
    {"free", "double_after_merge", HB_CAP_DETECT_BAD_FREE, free_double_after_merge,
     "a block freed again after it merged with its freed neighbours: HB_EBADPTR, heap unchanged"},
    {"expansion", "scattered", HB_CAP_EXPAND, expansion_scattered,
     "grow over non-contiguous blocks up to the maximum, then NULL; contract returns them all"},
    {"expansion", "contiguous", HB_CAP_EXPAND, expansion_contiguous,
     "grow over contiguous blocks up to the maximum, then NULL; contract returns them all"},
    {"expansion", "large_request", HB_CAP_EXPAND, expansion_large_request,
     "a request larger than the initial block expands the pool"},
    {"expansion", "explicit", HB_CAP_EXPAND, expansion_explicit, "expand() adds a block that alloc then uses"},
    {"expansion", "oom_too_early", HB_CAP_EXPAND, expansion_oom_too_early,
     "a full heap serves a request while the memory manager can lend the block it needs (no giving up early)"},
    {"expansion", "contract_keeps_live", HB_CAP_EXPAND | HB_CAP_CONTRACT, expansion_contract_keeps_live,
     "contract keeps blocks holding live allocations intact and returns the rest"},
    {"expansion", "contract_contiguous", HB_CAP_EXPAND | HB_CAP_CONTRACT, expansion_contract_contiguous,
     "over contiguous blocks (which a heap may merge), contract returns the free end and keeps live blocks intact"},
    {"accounting", "shadow", 0, accounting_shadow,
     "stats equal a shadow count after every operation, errors and free(NULL) included"},
    {"accounting", "full_heap", 0, accounting_full_heap, "stats stay exact on a full heap that refuses requests"},
    {"accounting", "exact_fit", HB_CAP_EXACT_FIT, accounting_exact_fit,
     "on a fragmented heap, a request of the largest free extent less the header is served"},
    {"stress", "random", 0, stress_random,
     "HB_STRESS_OPS (default 20000; 10^6 in the stress_full tests) seeded random operations against the shadow"},
    {"stress", "counters_wrap", 0, stress_counters_wrap,
     "over 65 536 allocs and frees, over 65 536 live blocks, blocks over 64 KiB: no counter or size wraps"},
    {"overwrite", "past_end", HB_CAP_DETECT_OVERWRITE, overwrite_past_end,
     "check() catches one byte written past a block's end"},
    {"overwrite", "before_start", HB_CAP_DETECT_OVERWRITE, overwrite_before_start,
     "check() catches one byte written before a block's start"},
    {"geometry", "lengths", 0, geometry_lengths,
     "initial blocks of every length around a power of two (HB_DEFAULT_ALIGN steps over 32 x word bits bytes) and "
     "at powers of two +/- HB_DEFAULT_ALIGN and a page: filled to the last byte, holed at the end, largest_free asked"},
    {"geometry", "pages", HB_CAP_EXPAND, geometry_pages,
     "memory-manager limits of 1, 2, 7, 8, 9, 16, 17 and 32 pages: grown and filled to the last byte, holed, drained"},
};

const size_t hb_case_count = sizeof hb_cases / sizeof hb_cases[0];

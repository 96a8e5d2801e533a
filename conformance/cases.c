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

/* The alignments every heap must honour: 1..4096, then its own maximum (up
   to 16 MiB, beyond which the suite's arena would not fit a 32-bit target). */
static size_t test_aligns(const struct fx *f, size_t *out)
{
    size_t n = 0;
    for (size_t a = 1; a <= 4096; a *= 2)
        out[n++] = a;
    size_t max = f->ops->max_align < (16u << 20) ? f->ops->max_align : (16u << 20);
    if (max > 4096)
        out[n++] = max;
    return n;
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
    if (fx_has(f, HB_CAP_CONTRACT)) {
        fx_note_op("contract", 0, 0, NULL);
        f->ops->contract(f->h);
    }
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
    fx_verify(f);
}

/* ---- alignment --------------------------------------------------------- */

static void alignment_powers(struct fx *f)
{
    size_t aligns[32];
    size_t n = test_aligns(f, aligns);
    /* A fixed-pool heap gets the whole budget up front: 16 live blocks at
       the largest alignment need more than 64 KiB. */
    size_t budget = 8 * KiB * KiB + 3 * aligns[n - 1];
    if (fx_has(f, HB_CAP_EXPAND))
        setup(f, 64 * KiB, budget, HB_MM_SCATTERED, 0);
    else
        setup(f, budget, 0, HB_MM_SCATTERED, 0);
    for (size_t i = 0; i < n; i++) {
        size_t a = aligns[i];
        size_t step = a > 4096 ? 511 : 1; /* the maximum alignment: a few sizes only */
        for (size_t size = 1; size <= 2048; size += step) {
            void *p = fx_alloc(f, size, a, "align");
            CHECK(p != NULL, "alloc(%zu, align %zu) failed on a heap with room", size, a);
            if (f->nlive == 16)
                fx_free_all(f);
        }
        fx_free_all(f);
    }
    fx_verify(f);
}

static void alignment_default(struct fx *f)
{
    setup(f, 64 * KiB, 4 * KiB * KiB, HB_MM_SCATTERED, 0);
    for (size_t size = 0; size <= 2048; size++) {
        CHECK(fx_alloc(f, size, 0, NULL) != NULL, "alloc(%zu, 0) failed on a heap with room", size);
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
    CHECK(f->nlive > 100, "a 64 KiB heap held only %zu blocks of 48 bytes", f->nlive);
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
        void *p = fx_alloc(f, 64, bad[i], "bad-align");
        CHECK(p == NULL, "alloc(64, align %zu) returned %p: a non-power-of-two or absurd alignment must fail", bad[i],
              p);
    }
    CHECK(fx_alloc(f, 64, 0, "after") != NULL, "the heap no longer allocates after rejected alignments");
    fx_verify(f);
}

static void alignment_size_zero(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    for (int i = 0; i < 64; i++) {
        size_t align = (size_t)1 << (i % 8);
        CHECK(fx_alloc(f, 0, align, "zero") != NULL,
              "alloc(0, %zu) returned NULL; size 0 must give a unique, freeable pointer", align);
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
    const size_t aligns[] = {0, 1, 8, HB_DEFAULT_ALIGN, 64, 4096, f->ops->max_align};
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
        for (size_t i = 0; i < n; i++) {
            void *p = fx_alloc(f, sizes[i], aligns[a], "huge");
            CHECK(p == NULL, "alloc(%zu, align %zu) returned %p: the size cannot be served (size + metadata wraps?)",
                  sizes[i], aligns[a], p);
        }
    CHECK(fx_alloc(f, 100, 0, "after") != NULL, "the heap no longer allocates after huge requests");
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
    CHECK(!fx_alloc(f, largest + 1, 0, "probe"), "alloc(%zu) failed but alloc(%zu) succeeds", largest, largest + 1);
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
        f->ops->contract(f->h);
    CHECK(fx_alloc(f, largest, 0, "largest") != NULL,
          "after filling and freeing everything, the largest allocation (%zu bytes) fails", largest);
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

static size_t random_align(struct fx *f)
{
    if (hb_rng_below(&f->rng, 100) < 85)
        return hb_rng_below(&f->rng, 2); /* 0 or 1: the default */
    return (size_t)1 << hb_rng_range(&f->rng, 1, 12);
}

/* A seeded random sequence of allocs and frees, every step checked. */
static void random_sequence(struct fx *f, long ops, int with_errors, long verify_every)
{
    for (long i = 0; i < ops; i++) {
        uint32_t r = hb_rng_below(&f->rng, 100);
        if (with_errors && r < 3) {
            fx_note_op("free(NULL)", 0, 0, NULL);
            CHECK(f->ops->free(f->h, NULL) == HB_OK, "free(NULL) did not return HB_OK");
        } else if (with_errors && r < 6) {
            CHECK(!fx_alloc(f, SIZE_MAX - hb_rng_below(&f->rng, 64), random_align(f), "huge"),
                  "a huge request succeeded");
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
    struct hb_stats before, after;
    fx_stats(f, &before);
    fx_note_op("free(NULL)", 0, 0, NULL);
    CHECK(f->ops->free(f->h, NULL) == HB_OK, "free(NULL) did not return HB_OK");
    fx_stats(f, &after);
    CHECK(memcmp(&before, &after, sizeof before) == 0, "free(NULL) changed the heap's stats");
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
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 0);
    struct hb_stats fresh;
    fresh_stats(f, &fresh);
    size_t order[N] = {0, 1, 2, 3, 4, 5};
    unsigned count = 0;
    do {
        fx_recreate(f);
        void *p[N];
        for (size_t i = 0; i < N; i++)
            p[i] = fx_alloc(f, sizes[i], 0, "perm");
        for (size_t i = 0; i < N; i++) {
            CHECK(p[order[i]] != NULL, "alloc(%zu) failed on a fresh heap", sizes[order[i]]);
            fx_free(f, p[order[i]]);
            char when[96];
            snprintf(when, sizeof when, "after freeing %p (step %zu of permutation %u)", p[order[i]], i, count);
            fx_check_patterns(f, when); /* the others are intact */
            if (fx_has(f, HB_CAP_CHECK)) {
                char msg[256] = "";
                CHECK(f->ops->check(f->h, msg, sizeof msg) == HB_OK, "check() after free %zu of permutation %u: %s", i,
                      count, msg);
            }
        }
        drain_and_compare(f, &fresh);
        count++;
    } while (next_permutation(order, N));
    CHECK(count == 720, "suite bug: %u permutations", count);
}

static void free_drain(struct fx *f)
{
    setup(f, 64 * KiB, 2048 * KiB, HB_MM_SCATTERED, 0);
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

static void free_bad_pointers(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    unsigned char *p[8];
    for (size_t i = 0; i < 8; i++)
        p[i] = fx_alloc(f, 1000, 0, "bad-free");
    fx_free(f, p[3]);
    struct hb_stats before, after;
    struct {
        const char *what;
        void *ptr;
    } bad[] = {{"double free", p[3]},
               {"a pointer one byte into a live block", p[5] + 1},
               {"a pointer into the middle of a live block", p[5] + 4 * HB_DEFAULT_ALIGN}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_stats(f, &before);
        fx_note_op(bad[i].what, 0, 0, bad[i].ptr);
        int rc = f->ops->free(f->h, bad[i].ptr);
        CHECK(rc == HB_EBADPTR, "free of %s (%p) returned %d, not HB_EBADPTR", bad[i].what, bad[i].ptr, rc);
        fx_stats(f, &after);
        CHECK(memcmp(&before, &after, sizeof before) == 0, "the rejected free of %s changed the heap's stats",
              bad[i].what);
        fx_verify(f);
    }
    fx_free_all(f);
    fx_verify(f);
}

/* ---- expansion / contraction ------------------------------------------- */

static void grow_until_refused(struct fx *f)
{
    struct hb_mm_counters c;
    for (;;) {
        size_t size = hb_rng_range(&f->rng, 64, 3000);
        if (!fx_alloc(f, size, random_align(f), pick_tag(f))) {
            hb_mm_counters(f->mm, &c);
            if (c.refusals > 0)
                break;
            CHECK(0, "alloc(%zu) returned NULL before the memory manager refused a request (%zu bytes lent)", size,
                  c.bytes_out);
        }
    }
    hb_mm_counters(f->mm, &c);
    CHECK(c.grants > 1, "the heap never asked the memory manager for more pages");
    fx_verify(f);
}

static void contract_to_initial(struct fx *f)
{
    struct hb_mm_counters before, after;
    hb_mm_counters(f->mm, &before);
    fx_note_op("contract", 0, 0, NULL);
    size_t returned = f->ops->contract(f->h);
    hb_mm_counters(f->mm, &after);
    CHECK(returned == before.bytes_out - after.bytes_out,
          "contract says it returned %zu bytes; the memory manager got back %zu", returned,
          before.bytes_out - after.bytes_out);
    CHECK(after.blocks_out == 1,
          "after freeing everything and contracting, the heap still holds %zu blocks (%zu bytes)", after.blocks_out,
          after.bytes_out);
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
    CHECK(fx_alloc(f, big, 0, "big") != NULL, "alloc(%zu), larger than the initial block, did not expand", big);
    CHECK(fx_alloc(f, 3 * HB_PAGE_SIZE, HB_PAGE_SIZE, "big-aligned") != NULL,
          "a page-aligned 3-page alloc did not expand");
    fx_verify(f);
}

static void expansion_explicit(struct fx *f)
{
    setup(f, 16 * KiB, 0, HB_MM_SCATTERED, 1);
    struct hb_mm_counters c;
    hb_mm_counters(f->mm, &c);
    hb_mm_set_max(f->mm, c.bytes_out + 8 * HB_PAGE_SIZE);
    void *block = hb_mm_get_pages(f->mm, 8);
    CHECK(block != NULL, "suite bug: no pages for the explicit expansion");
    hb_mm_set_max(f->mm, c.bytes_out + 8 * HB_PAGE_SIZE); /* nothing more for the heap itself */
    struct hb_stats before, after;
    fx_stats(f, &before);
    fx_note_op("expand", 8 * HB_PAGE_SIZE, 0, block);
    CHECK(f->ops->expand(f->h, block, 8 * HB_PAGE_SIZE) == HB_OK, "expand(%p, %zu) failed", block, 8 * HB_PAGE_SIZE);
    fx_stats(f, &after);
    CHECK(after.pool_bytes == before.pool_bytes + 8 * HB_PAGE_SIZE, "expand by %zu bytes: pool went from %zu to %zu",
          8 * HB_PAGE_SIZE, before.pool_bytes, after.pool_bytes);
    fx_verify_stats(f);
    void *p = fx_alloc(f, 20 * KiB, 0, "in-expanded");
    CHECK(p != NULL, "alloc(20 KiB) failed after expanding by 32 KiB");
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
    fx_note_op("contract", 0, 0, NULL);
    f->ops->contract(f->h);
    fx_verify(f); /* the kept blocks are intact; stats match what the manager lent */
    fx_free_all(f);
    contract_to_initial(f);
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

static void expect_check_catches(struct fx *f, unsigned char *byte, const char *what)
{
    char msg[256] = "";
    *byte ^= 0xFF;
    fx_note_op("check", 0, 0, byte);
    int rc = f->ops->check(f->h, msg, sizeof msg);
    *byte ^= 0xFF;
    CHECK(rc == HB_ECORRUPT, "check() did not notice %s (byte at %p flipped)", what, (void *)byte);
    rc = f->ops->check(f->h, msg, sizeof msg);
    CHECK(rc == HB_OK, "check() still reports corruption after the byte was restored: %s", msg);
}

static void overwrite_past_end(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    unsigned char *a = fx_alloc(f, 100, 0, "a");
    unsigned char *b = fx_alloc(f, 100, 0, "b");
    fx_alloc(f, 100, 0, "c");
    expect_check_catches(f, a + granted_of(f, a), "a write one byte past the end of a block");
    expect_check_catches(f, b + granted_of(f, b), "a write one byte past the end of a block");
    fx_verify(f);
}

static void overwrite_before_start(struct fx *f)
{
    setup(f, 64 * KiB, 0, HB_MM_CONTIGUOUS, 1);
    fx_alloc(f, 100, 0, "a");
    unsigned char *b = fx_alloc(f, 100, 0, "b");
    expect_check_catches(f, b - 1, "a write one byte before the start of a block");
    fx_verify(f);
}

const struct hb_case hb_cases[] = {
    {"alignment", "powers", 0, alignment_powers,
     "every power of two 1..4096 and the heap's maximum, sizes 1..2048: aligned, inside the pool, no overlap"},
    {"alignment", "default", 0, alignment_default, "align 0 gives at least _Alignof(max_align_t), sizes 0..2048"},
    {"alignment", "nearly_full", 0, alignment_nearly_full, "aligned requests on a nearly full, fragmented heap"},
    {"alignment", "invalid", 0, alignment_invalid,
     "non-powers of two and absurd alignments return NULL, heap unchanged"},
    {"alignment", "size_zero", 0, alignment_size_zero, "size 0 gives unique, aligned, freeable pointers"},
    {"overflow", "huge_sizes", 0, overflow_huge_sizes,
     "SIZE_MAX-k, SIZE_MAX/2+1 and wrapping size+alignment return NULL, heap unchanged"},
    {"overflow", "fill_until_null", 0, overflow_fill_until_null,
     "fill until NULL: nothing outside the pool, failures change nothing, the largest block fits again after"},
    {"integrity", "random", 0, integrity_random,
     "seeded random allocs/frees: no overlap, patterns intact, walk/check/stats agree after every operation"},
    {"integrity", "small_blocks", 0, integrity_small_blocks, "hundreds of tiny neighbouring blocks stay intact"},
    {"free", "null", 0, free_null, "free(NULL) is a no-op"},
    {"free", "permutations", 0, free_permutations,
     "all 720 free orders of 6 blocks; each drain returns the heap to its fresh state"},
    {"free", "drain", 0, free_drain, "a full drain (with contraction) returns the heap to its fresh state"},
    {"free", "bad_pointers", HB_CAP_DETECT_BAD_FREE, free_bad_pointers,
     "double free and interior pointers are rejected with HB_EBADPTR, heap unchanged"},
    {"expansion", "scattered", HB_CAP_EXPAND, expansion_scattered,
     "grow over non-contiguous blocks up to the maximum, then NULL; contract returns them all"},
    {"expansion", "contiguous", HB_CAP_EXPAND, expansion_contiguous,
     "grow over contiguous blocks up to the maximum, then NULL; contract returns them all"},
    {"expansion", "large_request", HB_CAP_EXPAND, expansion_large_request,
     "a request larger than the initial block expands the pool"},
    {"expansion", "explicit", HB_CAP_EXPAND, expansion_explicit, "expand() adds a block that alloc then uses"},
    {"expansion", "contract_keeps_live", HB_CAP_EXPAND | HB_CAP_CONTRACT, expansion_contract_keeps_live,
     "contract keeps blocks holding live allocations intact and returns the rest"},
    {"accounting", "shadow", 0, accounting_shadow,
     "stats equal a shadow count after every operation, errors and free(NULL) included"},
    {"accounting", "full_heap", 0, accounting_full_heap, "stats stay exact on a full heap that refuses requests"},
    {"stress", "random", 0, stress_random,
     "HB_STRESS_OPS (default 20000; 10^6 in the stress_full tests) seeded random operations against the shadow"},
    {"overwrite", "past_end", HB_CAP_DETECT_OVERWRITE, overwrite_past_end,
     "check() catches one byte written past a block's end"},
    {"overwrite", "before_start", HB_CAP_DETECT_OVERWRITE, overwrite_before_start,
     "check() catches one byte written before a block's start"},
};

const size_t hb_case_count = sizeof hb_cases / sizeof hb_cases[0];

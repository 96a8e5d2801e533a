/*
 * testheaps.c - heaps that misbehave, linked only into hb-bench-faults (the
 * bench's test build), never into hb-bench.  Each wraps firstfit and, once
 * armed, does one bad thing on alloc:
 *   t-crash   writes through a wild pointer (SIGSEGV)
 *   t-hang    blocks every signal and spins
 *   t-exit    calls exit(0) (a heap ending the process "successfully")
 *   t-stack   recurses until the stack overflows
 *   t-same    returns the same block every time
 *   t-static  returns a pointer into a static buffer outside its pool
 *   t-misalign  returns its block 1 byte further on (misaligned)
 *   t-usable  reports a usable size of 1 byte, whatever the block
 *   t-align16 declares max_align 16 and refuses every larger alignment
 *             (the contract's answer: not a failure)
 *   t-alignnull declares max_align 4096 yet returns NULL above 16 (a
 *             failure: the alignment was within what it declared)
 * Armed after HB_FAULT_AFTER allocs in the process (default 50), and only
 * in the meter named by HB_FAULT_METER (check, quality, pathlen, speed;
 * default: every meter), so a test can make a heap fail in one meter alone.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "heap.h"

extern const struct hb_heap_ops hb_heap_firstfit;

static unsigned long calls;
static void *last_block;
static _Alignas(4096) unsigned char outside[65536];
static volatile unsigned long depth_limit = ~0ul;
static volatile uintptr_t wild = 16; /* an address nothing is mapped at */

static int armed(void)
{
    const char *m = getenv("HB_FAULT_METER");
    const char *after = getenv("HB_FAULT_AFTER");
    if (m && *m && strcmp(m, hb_bench_meter) != 0)
        return 0;
    return ++calls > (after && *after ? strtoul(after, NULL, 10) : 50);
}

static unsigned long deep(unsigned long n)
{
    volatile char frame[1024];
    frame[0] = (char)n;
    if (n < depth_limit)
        return deep(n + 1) + (unsigned long)frame[0];
    return 0;
}

static hb_heap *t_create(void *block, size_t len, const struct hb_config *cfg)
{
    return hb_heap_firstfit.create(block, len, cfg);
}

static void *alloc_plain(hb_heap *h, size_t size, size_t align, const char *tag)
{
    return last_block = hb_heap_firstfit.alloc(h, size, align, tag);
}

static void *crash_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (armed())
        *(volatile int *)wild = 1;
    return alloc_plain(h, size, align, tag);
}

static void *hang_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (armed()) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        for (volatile int spin = 1; spin;)
            ;
    }
    return alloc_plain(h, size, align, tag);
}

static void *exit_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (armed())
        exit(0);
    return alloc_plain(h, size, align, tag);
}

static void *stack_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (armed())
        deep(0);
    return alloc_plain(h, size, align, tag);
}

static void *same_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (last_block && armed())
        return last_block;
    return alloc_plain(h, size, align, tag);
}

static void *static_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (armed() && size <= sizeof outside - 64)
        return outside + 64;
    return alloc_plain(h, size, align, tag);
}

static void *misalign_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    unsigned char *p = alloc_plain(h, size + 1, align, tag);
    return p && armed() ? p + 1 : p;
}

static void *align16_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    return align > 16 ? NULL : alloc_plain(h, size, align, tag);
}

static size_t t_usable_size(const hb_heap *h, const void *p)
{
    (void)h;
    (void)p;
    return 1;
}

/* Frees what firstfit gave (a block outside is dropped; a misaligned one
   is firstfit's, 1 byte on). */
static int t_free(hb_heap *h, void *p)
{
    if ((unsigned char *)p >= outside && (unsigned char *)p < outside + sizeof outside)
        return HB_OK;
    if ((uintptr_t)p % 2)
        p = (unsigned char *)p - 1;
    return hb_heap_firstfit.free(h, p);
}

static void t_stats(const hb_heap *h, struct hb_stats *out)
{
    hb_heap_firstfit.stats(h, out);
}

#define TEST_HEAP(id, nm, what, fn, usable) TEST_HEAP_ALIGN(id, nm, what, fn, usable, 4096)
#define TEST_HEAP_ALIGN(id, nm, what, fn, usable, maxalign)                                                            \
    static const struct hb_heap_ops id = {                                                                             \
        .name = (nm),                                                                                                  \
        .summary = "test heap (firstfit) that " what,                                                                  \
        .caps = HB_CAP_FREE | HB_CAP_EXPAND,                                                                           \
        .max_align = (maxalign),                                                                                       \
        .min_initial = 4096,                                                                                           \
        .create = t_create,                                                                                            \
        .alloc = (fn),                                                                                                 \
        .free = t_free,                                                                                                \
        .stats = t_stats,                                                                                              \
        .usable_size = (usable),                                                                                       \
    };

TEST_HEAP(t_crash, "t-crash", "crashes (SIGSEGV)", crash_alloc, NULL)
TEST_HEAP(t_hang, "t-hang", "hangs with every signal blocked", hang_alloc, NULL)
TEST_HEAP(t_exit, "t-exit", "calls exit(0)", exit_alloc, NULL)
TEST_HEAP(t_stack, "t-stack", "overflows the stack", stack_alloc, NULL)
TEST_HEAP(t_same, "t-same", "returns the same block every time", same_alloc, NULL)
TEST_HEAP(t_static, "t-static", "returns a block outside its pool", static_alloc, NULL)
TEST_HEAP(t_misalign, "t-misalign", "returns misaligned blocks", misalign_alloc, NULL)
TEST_HEAP(t_usable, "t-usable", "understates its usable sizes", alloc_plain, t_usable_size)
TEST_HEAP_ALIGN(t_align16, "t-align16", "refuses alignments above its max_align of 16", align16_alloc, NULL, 16)
TEST_HEAP(t_alignnull, "t-alignnull", "fails alignments above 16 within its max_align", align16_alloc, NULL)

const struct hb_heap_ops *const hb_bench_test_heaps[] = {
    &t_crash, &t_hang, &t_exit, &t_stack, &t_same, &t_static, &t_misalign, &t_usable, &t_align16, &t_alignnull, NULL};

/*
 * slowheap.c - the regression gate's test heap: a registered heap with an
 * extra loop in its alloc (hb-bench-slowed, a test-only build; the
 * definition HB_INJECT_SLOWDOWN names the heap, e.g. "tlsf").
 *
 * It stands in for the registered heap of the same name (main.c lets a
 * test heap replace one), so the figures carry that heap's name: the gate
 * must name it.  The copy of the heap's operations is made before main
 * (the registered heaps are constant tables); every operation but alloc
 * is the heap's own.  The loop adds HB_SLOWDOWN_LOOPS iterations of a
 * volatile countdown to every alloc: a few instructions each on any
 * target, so every path-length figure of alloc grows.
 */
#include <stdio.h>
#include <stdlib.h>

#include "registry.h"

#ifndef HB_INJECT_SLOWDOWN /* the build names it; the default lets tools read the file alone */
#define HB_INJECT_SLOWDOWN "tlsf"
#endif
#define HB_SLOWDOWN_LOOPS 16

static struct hb_heap_ops slowed;
static void *(*heap_alloc)(hb_heap *h, size_t size, size_t align, const char *tag);

static void *slowed_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    for (volatile unsigned n = HB_SLOWDOWN_LOOPS; n > 0; n--)
        ;
    return heap_alloc(h, size, align, tag);
}

__attribute__((constructor)) static void make_slowed(void)
{
    const struct hb_heap_ops *ops = hb_find_heap(HB_INJECT_SLOWDOWN);
    if (!ops) {
        fprintf(stderr, "hb-bench-slowed: no heap '%s' to slow down\n", HB_INJECT_SLOWDOWN);
        exit(2);
    }
    slowed = *ops;
    heap_alloc = ops->alloc;
    slowed.alloc = slowed_alloc;
}

const struct hb_heap_ops *const hb_bench_test_heaps[] = {&slowed, NULL};

/*
 * testheaps_none.c - hb-bench's default build has no test heaps (the test
 * build, hb-bench-faults, links testheaps.c instead).
 */
#include <stddef.h>

#include "heap.h"

const struct hb_heap_ops *const hb_bench_test_heaps[] = {NULL};

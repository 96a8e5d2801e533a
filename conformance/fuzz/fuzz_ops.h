/*
 * fuzz_ops.h - one fuzz input, decoded into heap operations and checked
 * against a shadow model (fuzz_ops.c).  Shared by the libFuzzer target
 * (fuzz_libfuzzer.c, `make fuzz`) and the plain replay program that CTest
 * runs over the committed corpus on every target (fuzz_replay.c).
 */
#ifndef HEAPBENCH_FUZZ_OPS_H
#define HEAPBENCH_FUZZ_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"

/* The heap an input runs on: the one named (any name hb_find_heap knows,
   debug:NAME included) or a broken test heap (conformance/broken/), or, when name is NULL, the registered heap that the
   input's first byte selects.  NULL if the name is unknown. */
const struct hb_heap_ops *hb_fuzz_pick_heap(const char *name, const uint8_t *data, size_t size);

/* Runs the input on the heap.  0 when every result agreed with the shadow
   model; 1 with what went wrong (heap, operation number, the operation and
   the broken rule) in why. */
int hb_fuzz_run(const struct hb_heap_ops *ops, const uint8_t *data, size_t size, char *why, size_t why_len);

#endif

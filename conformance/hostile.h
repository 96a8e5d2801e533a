/*
 * hostile.h - test heaps that attack the runner rather than break a rule of
 * heap.h: they end the process, overflow the stack, hang with every signal
 * blocked, hang in create, hand out unreadable tag strings, or trip the
 * sanitizers.  Each lives in conformance/hostile/NAME.c (wrapping the sound
 * firstfit heap like the broken heaps do) and is held by a CTest test that
 * asserts the exact report the runner prints about it.  Linked into
 * hb_conformance only.
 */
#ifndef HEAPBENCH_HOSTILE_H
#define HEAPBENCH_HOSTILE_H

#include "broken.h"

/* NULL-ended; generated from the file names (conformance/CMakeLists.txt).
   The expect field is unused: the report tests say what must happen. */
extern const struct hb_broken_heap *const hb_hostile_heaps[];

#endif

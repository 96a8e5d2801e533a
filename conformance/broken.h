/*
 * broken.h - deliberately broken heaps, kept to prove that every conformance
 * case catches the bug it targets.  Each lives in conformance/broken/NAME.c,
 * wraps a sound heap (firstfit) and breaks one thing, and declares the exact
 * set of cases that must fail on it.  They are linked into hb_conformance
 * only, never into the bench.
 */
#ifndef HEAPBENCH_BROKEN_H
#define HEAPBENCH_BROKEN_H

#include "heap.h"

struct hb_broken_heap {
    const struct hb_heap_ops *ops; /* its name starts with "broken_" */
    const char *bug;               /* the bug, in one line */
    const char *expect;            /* space-separated "group.case" that must fail, and only those */
};

/* NULL-ended; generated from the file names (conformance/CMakeLists.txt). */
extern const struct hb_broken_heap *const hb_broken_heaps[];

#endif

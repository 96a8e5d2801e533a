/*
 * common.h - what the concurrency programs share: a heap over the simulated
 * memory manager, fill patterns that name their owner, and the check that a
 * heap's stats are back to where they started.
 *
 * Pattern: byte k of a block stamped s is (s >> 8*(k mod 4)) + k/4 (mod
 * 256), so two blocks with different stamps differ in their first four
 * bytes, and a block shifted or copied onto itself is caught too.
 */
#ifndef HEAPBENCH_CONCURRENCY_COMMON_H
#define HEAPBENCH_CONCURRENCY_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "mm.h"

struct hb_cc_heap {
    const struct hb_heap_ops *ops;
    hb_mm *mm;
    hb_heap *heap;
    struct hb_stats fresh; /* right after create */
};

/* A heap of ops over an initial block of initial_pages pages from a memory
   manager of arena_pages pages.  0, or -1 with the reason in msg. */
int hb_cc_create(struct hb_cc_heap *c, const struct hb_heap_ops *ops, size_t initial_pages, size_t arena_pages,
                 char *msg, size_t msg_len);

void hb_cc_fill(void *p, size_t n, uint32_t stamp);
/* The offset of the first byte that differs from the pattern, or -1. */
long hb_cc_verify(const void *p, size_t n, uint32_t stamp);
/* The byte the pattern has at offset k. */
unsigned hb_cc_pattern_byte(uint32_t stamp, size_t k);

/* Prints what a supervised child wrote (its first 2 KiB, indented), under
   the line that says how it ended. */
void hb_cc_print_output(const char *out, size_t len);

/* After every block was freed (contract() first where the heap has it):
   live, granted, header and requested bytes are what they were when fresh;
   so are free, padding and metadata bytes when the pool is its fresh size
   (otherwise the blocks kept since hold only free bytes, padding and
   metadata); allocs and frees moved by exactly the counts given, the
   heap's check() passes and the memory manager's guard pages are intact.
   0, or -1 with what differs in msg. */
int hb_cc_check_back_to_start(struct hb_cc_heap *c, uint64_t allocs, uint64_t frees, char *msg, size_t msg_len);

#endif

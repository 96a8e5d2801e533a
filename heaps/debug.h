/*
 * debug.h - the debug layer: any heap, seen through guard bytes, tags,
 * sequence numbers, poisoned and quarantined frees and a leak report
 * (heaps/debug.c explains how, and what it costs).
 *
 * It is a heap like any other (the same ops table), found by name through
 * the registry as "debug:<heap>", e.g. debug:tlsf or debug:myheap.  What it
 * finds is reported in words: what went wrong, which block, its tag and its
 * allocation number, e.g.
 *
 *   overrun: block 0x5581c0 (size 24, tag "driver:dma", allocation #17) has
 *   its guard after the end changed at byte 0 (0x00, want 0xfd)
 *
 * check() returns the first such report (HB_ECORRUPT); a bad free returns
 * HB_EBADPTR and its report is hb_debug_last_error's.
 */
#ifndef HEAPBENCH_DEBUG_H
#define HEAPBENCH_DEBUG_H

#include <stddef.h>
#include <stdio.h>

#include "heap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* At most this many debug tables per process (one per inner heap). */
#define HB_DEBUG_MAX_TABLES 32

/* The debug table over inner, named "debug:<inner name>"; the same inner
   gives the same table.  NULL when layer is not "debug" or no table is
   left.  The registry calls this for "debug:NAME". */
const struct hb_heap_ops *hb_debug_layer(const char *layer, const struct hb_heap_ops *inner);
/* Is ops a table made by the debug layer? */
int hb_debug_is_layer(const struct hb_heap_ops *ops);

/* On demand: every live block's header and guards, every quarantined
   block's guards and poison, then the inner heap's check().  HB_OK, or
   HB_ECORRUPT with the first report in msg (what check() does). */
int hb_debug_check(const hb_heap *h, char *msg, size_t msg_len);
/* One live block (what alloc returned): HB_OK, HB_ECORRUPT with the report,
   or HB_EBADPTR when p is not a live block of this heap. */
int hb_debug_check_block(const hb_heap *h, const void *p, char *msg, size_t msg_len);
/* The last problem the layer saw outside check(): a bad free (double free,
   interior or foreign pointer) or corruption found while freeing.  "" when
   there was none. */
const char *hb_debug_last_error(const hb_heap *h);
/* The report at teardown: every live allocation, grouped by tag ("leak:"
   lines, allocation numbers in order), and the corruption and bad frees
   seen.  Returns the number of live allocations (leaks). */
size_t hb_debug_report(const hb_heap *h, FILE *f);

#ifdef __cplusplus
}
#endif

#endif

/* Bug: the bitmap heap (heaps/bitmap.c) without the reach update of free:
   a free below a block's reach leaves it where it was, so a free run of
   the reach length or more may lie below it, and a search that starts at
   the reach passes over a fit (first fit no longer, and the pool grows, or
   an allocation fails, while a fit is free).  check() sees the run below
   the reach. */
#define BM_REACH_FREE(b, i) ((void)0)
#define hb_heap_bitmap hb_bitmap_reach_free_inner
#include "../broken.h"
#include "../../heaps/bitmap.c" /* NOLINT(bugprone-suspicious-include): the heap itself, one test changed */

static const struct hb_heap_ops ops = {.name = "broken_bitmap_reach_free",
                                       .summary = "bitmap whose free leaves a block's reach where it was",
                                       BM_OPS_FIELDS};

const struct hb_broken_heap hb_broken_bitmap_reach_free = {
    &ops, "a free below a block's reach leaves it there, so a search from the reach passes over a fit",
    "integrity.random integrity.two_heaps free.drain expansion.contract_keeps_live expansion.contract_contiguous "
    "accounting.shadow accounting.exact_fit stress.random geometry.lengths"};

/* Bug: the bitmap heap (heaps/bitmap.c) without the test that the chunks
   a contract gives back with a block's last segment, or covers with the
   maps that move down below it, are all free: a contract over a block that
   grew into contiguous memory gives back live allocations. */
#define BM_FREE_FROM(b, n) 1
#define hb_heap_bitmap hb_bitmap_trim_live_inner
#include "../broken.h"
#include "../../heaps/bitmap.c" /* NOLINT(bugprone-suspicious-include): the heap itself, one test changed */

static const struct hb_heap_ops ops = {.name = "broken_bitmap_trim_live",
                                       .summary = "bitmap without the free test of the chunks contract gives back",
                                       BM_OPS_FIELDS};

const struct hb_broken_heap hb_broken_bitmap_trim_live = {
    &ops, "contract gives back a block's last segment, and moves the maps below it, over live allocations",
    "expansion.contract_contiguous"};

/* Bug: the bitmap heap (heaps/bitmap.c) without the length test of a free
   run that reaches the end of a block, in its search for runs longer than
   a word of chunks.  That run is open at the end of the map only when the
   block's chunk count is a multiple of the word size, so the heap then
   hands out a run that goes past the end of its map: over the maps at the
   block's end (shorter than asked, as its usable size says) or, when the
   run's start is far enough up, past the end of the block.  Only a pool of
   that geometry shows it. */
#define BM_END_RUN_FITS(b, s, n) ((s) < (b)->nchunks)
#define hb_heap_bitmap hb_bitmap_end_run_inner
#include "../broken.h"
#include "../../heaps/bitmap.c" /* NOLINT(bugprone-suspicious-include): the heap itself, one test changed */

static const struct hb_heap_ops ops = {
    .name = "broken_bitmap_end_run", .summary = "bitmap without the end-of-block run length test", BM_OPS_FIELDS};

const struct hb_broken_heap hb_broken_bitmap_end_run = {
    &ops,
    "a free run open at the end of a block whose chunk count is a multiple of the word size is taken whatever "
    "its length",
    "geometry.lengths"};

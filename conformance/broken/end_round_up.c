/* Bug: rounds the end of its initial block up to HB_DEFAULT_ALIGN where it
   meant down (hb_align_up for hb_align_down), so a pool whose length is not
   a multiple of the alignment runs up to HB_DEFAULT_ALIGN - 1 bytes past
   the block it was given.  Every initial block the suite made before the
   geometry cases was a whole number of pages less HB_DEFAULT_ALIGN. */
#include "../broken_base.h"

static hb_heap *round_up_create(void *block, size_t len, const struct hb_config *cfg)
{
    return bb_create(block, hb_align_up(len, HB_DEFAULT_ALIGN), cfg);
}

static const struct hb_heap_ops ops = {"broken_end_round_up",
                                       "rounds the end of its initial block up",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       round_up_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_end_round_up = {
    &ops, "takes up to HB_DEFAULT_ALIGN - 1 bytes past the end of an initial block of unaligned length",
    "geometry.lengths"};

/* Bug: free updates a "last chunk" marker one byte past the end of the
   initial block (an off-by-one in the block's end), while the heap has not
   grown.  It writes outside the blocks it was given. */
#include "../broken_base.h"

static int spilling_free(hb_heap *h, void *p)
{
    int rc = bb_free(h, p);
    struct hb_stats s;
    bb_stats(h, &s);
    if (rc == HB_OK && p && s.blocks == 1)
        ((unsigned char *)h)[s.pool_bytes] = 0; /* firstfit's state opens its initial block */
    return rc;
}

static const struct hb_heap_ops ops = {"broken_free_spill",
                                       "free writes past the initial block",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       spilling_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_free_spill = {
    &ops, "free writes one byte past the end of the initial block",
    "alignment.powers alignment.default alignment.nearly_full alignment.size_zero "
    "overflow.fill_until_null integrity.random integrity.small_blocks integrity.check_looks "
    "integrity.two_heaps free.permutations accounting.shadow accounting.full_heap stress.random geometry.lengths"};

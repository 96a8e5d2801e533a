/* Bug: free writes its "previous chunk free" mark one word too far back,
   into the last word of the block before (a live block or a free chunk's
   footer).  Nothing crashes at the free itself. */
#include "../broken_base.h"

static int smashing_free(hb_heap *h, void *p)
{
    int rc = bb_free(h, p);
    if (rc == HB_OK && p) {
        size_t hdr = hb_align_up(4 * sizeof(size_t), HB_DEFAULT_ALIGN); /* firstfit's chunk header */
        *(size_t *)(void *)((char *)p - hdr - sizeof(size_t)) ^= (size_t)0x10;
    }
    return rc;
}

static const struct hb_heap_ops ops = {"broken_free_smash",
                                       "free writes before its chunk",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       smashing_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_free_smash = {
    &ops, "free flips a bit in the word before its chunk",
    "alignment.powers alignment.default alignment.nearly_full alignment.size_zero overflow.huge_sizes "
    "overflow.fill_until_null integrity.random integrity.small_blocks integrity.check_looks "
    "integrity.two_heaps free.permutations free.drain expansion.scattered expansion.contiguous "
    "expansion.contract_contiguous "
    "expansion.contract_keeps_live accounting.shadow accounting.full_heap stress.random "
    "stress.counters_wrap geometry.lengths geometry.pages"};

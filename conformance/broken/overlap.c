/* Bug: believes every block is twice the size it reserved (a size kept in
   the wrong unit), so each block runs into the memory after it. */
#include "../broken_base.h"

static size_t overlap_usable(const hb_heap *h, const void *p)
{
    return 2 * bb_usable_size(h, p);
}

static void *overlap_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    return bb_alloc(h, size / 2 + 1, align, tag);
}

static const struct hb_heap_ops ops = {"broken_overlap",
                                       "blocks overlap their neighbours",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       overlap_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       overlap_usable};

const struct hb_broken_heap hb_broken_overlap = {
    &ops, "hands out blocks that overlap the next block",
    "alignment.powers alignment.default alignment.nearly_full alignment.invalid alignment.size_zero "
    "overflow.huge_sizes overflow.fill_until_null integrity.random integrity.small_blocks "
    "integrity.check_looks integrity.two_heaps free.null free.permutations free.drain expansion.scattered "
    "expansion.contiguous expansion.contract_contiguous expansion.large_request expansion.explicit "
    "expansion.oom_too_early "
    "expansion.contract_keeps_live accounting.shadow accounting.full_heap stress.random "
    "stress.counters_wrap geometry.lengths geometry.pages"};

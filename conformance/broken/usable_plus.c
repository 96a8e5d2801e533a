/* Bug: usable_size promises one byte more than the block holds; that byte
   is the next chunk's header. */
#include "../broken_base.h"

static size_t generous_usable(const hb_heap *h, const void *p)
{
    return bb_usable_size(h, p) + 1;
}

static const struct hb_heap_ops ops = {"broken_usable_plus",
                                       "usable_size one byte too many",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       generous_usable};

const struct hb_broken_heap hb_broken_usable_plus = {
    &ops, "usable_size reports one byte more than the block holds",
    "alignment.powers alignment.default alignment.nearly_full alignment.invalid alignment.size_zero "
    "overflow.huge_sizes overflow.fill_until_null integrity.random integrity.small_blocks "
    "integrity.check_looks integrity.two_heaps free.null free.permutations free.drain expansion.scattered "
    "expansion.contiguous expansion.contract_contiguous expansion.large_request expansion.explicit "
    "expansion.oom_too_early "
    "expansion.contract_keeps_live accounting.shadow accounting.full_heap stress.random "
    "stress.counters_wrap geometry.lengths geometry.pages"};

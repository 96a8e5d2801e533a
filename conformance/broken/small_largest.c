/* Bug: stats report half the real largest free extent (a size kept in the
   wrong unit), so largest_free is not true. */
#include "../broken_base.h"

static void halving_stats(const hb_heap *h, struct hb_stats *s)
{
    bb_stats(h, s);
    s->largest_free /= 2;
}

static const struct hb_heap_ops ops = {"broken_small_largest",
                                       "largest_free halved",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       halving_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_small_largest = {
    &ops, "stats report half the largest free extent",
    "overflow.huge_sizes overflow.fill_until_null integrity.random integrity.two_heaps free.drain "
    "expansion.scattered expansion.contiguous expansion.large_request expansion.explicit "
    "expansion.oom_too_early expansion.contract_keeps_live accounting.shadow accounting.full_heap "
    "stress.random stress.counters_wrap"};

/* Bug: usable_size of a block of 3000 bytes or more reads its size from the wrong
   field and promises 16 MiB more than the block holds, far past the end of
   the heap's memory. */
#include "../broken_base.h"

static size_t far_usable(const hb_heap *h, const void *p)
{
    size_t usable = bb_usable_size(h, p);
    return usable >= 3000 ? usable + ((size_t)1 << 24) : usable;
}

static const struct hb_heap_ops ops = {"broken_usable_far",
                                       "usable_size past the pool for large blocks",
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
                                       far_usable};

const struct hb_broken_heap hb_broken_usable_far = {
    &ops, "usable_size of a block of 3000 bytes or more adds 16 MiB",
    "overflow.huge_sizes overflow.fill_until_null integrity.random integrity.two_heaps free.permutations "
    "free.drain expansion.scattered expansion.contiguous expansion.contract_contiguous expansion.large_request "
    "expansion.explicit "
    "expansion.oom_too_early accounting.shadow stress.random stress.counters_wrap geometry.lengths geometry.pages"};

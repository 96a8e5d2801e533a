/* Bug: reserves only three quarters of what it promises (a size computed in
   the wrong unit), so a block runs into the next one's memory. */
#include "../broken_base.h"

static void *overlap_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    return bb_alloc(h, size > 64 ? size - size / 4 : size, align, tag);
}

static size_t overlap_usable(const hb_heap *h, const void *p)
{
    size_t n = bb_usable_size(h, p);
    return n > 64 ? n + n / 3 : n; /* what it believes it gave */
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
    "alignment.powers alignment.default alignment.invalid overflow.huge_sizes overflow.fill_until_null "
    "integrity.random integrity.small_blocks free.null free.permutations free.drain expansion.scattered "
    "expansion.contiguous expansion.large_request expansion.explicit expansion.contract_keeps_live "
    "accounting.shadow accounting.full_heap"};

/* Bug: contract forgets the last block it should give back (and says it
   gave it): the memory manager's accounting shows the leak. */
#include "../broken_base.h"

static size_t leak_contract(hb_heap *h)
{
    struct hb_stats s;
    bb_stats(h, &s);
    if (s.blocks <= 2)
        return s.blocks == 2 ? HB_PAGE_SIZE : 0; /* claims the last one, keeps it */
    return bb_contract(h);
}

static const struct hb_heap_ops ops = {"broken_leak_contract",
                                       "contract leaks a block",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       leak_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_leak_contract = {
    &ops, "contract keeps one empty block but reports it returned",
    "expansion.scattered expansion.contiguous expansion.explicit geometry.pages"};

/* Bug: when it grows, it asks the memory manager once for a big block (at
   least 32 pages) and gives up if refused, though a smaller block would
   have served the request. */
#include "../broken_base.h"
#include "mm.h"

#define GREEDY_PAGES 32

static void *greedy_get_pages(void *mm, size_t npages)
{
    size_t want = npages < GREEDY_PAGES ? GREEDY_PAGES : npages;
    void *big = hb_mm_get_pages(mm, want);
    if (!big || want == npages)
        return big;                 /* refused: gives up */
    hb_mm_put_pages(mm, big, want); /* it only wanted to know */
    return hb_mm_get_pages(mm, npages);
}

static hb_heap *greedy_create(void *block, size_t len, const struct hb_config *cfg)
{
    struct hb_config greedy = *cfg;
    greedy.get_pages = greedy_get_pages;
    return bb_create(block, len, &greedy);
}

static const struct hb_heap_ops ops = {"broken_early_oom",
                                       "gives up growing too early",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       greedy_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_early_oom = {
    &ops, "asks for 32 pages, and returns NULL when refused while fewer would serve",
    "expansion.scattered expansion.contiguous expansion.contract_contiguous expansion.oom_too_early "
    "expansion.contract_keeps_live geometry.pages"};

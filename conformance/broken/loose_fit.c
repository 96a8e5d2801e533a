/* Bug: declares HB_CAP_EXACT_FIT but wants 256 bytes of slack: a request
   that fits its largest free extent less than that closely is refused. */
#include "../broken_base.h"

static void *loose_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    struct hb_stats s;
    bb_stats(h, &s);
    if (size > 512 && size < SIZE_MAX / 2 && size + 256 > s.largest_free && size <= s.largest_free)
        return bb_alloc(h, SIZE_MAX, 0, tag); /* refused (and counted) */
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {"broken_loose_fit",
                                       "refuses close fits",
                                       BB_CAPS | HB_CAP_EXACT_FIT,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       loose_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_loose_fit = {
    &ops, "declares exact fit but refuses requests within 256 bytes of its largest free extent",
    "overflow.huge_sizes overflow.fill_until_null integrity.random free.drain expansion.scattered "
    "expansion.contiguous expansion.contract_keeps_live accounting.exact_fit stress.random"};

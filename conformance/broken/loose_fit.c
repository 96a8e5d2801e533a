/* Bug: declares HB_CAP_EXACT_FIT but its large-request path compares with >
   where >= was meant: a request of 32 KiB or more that fills its largest
   free extent exactly (header included) is refused. */
#include "../broken_base.h"

static void *loose_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    struct hb_stats s;
    bb_stats(h, &s);
    size_t hdr = hb_align_up(4 * sizeof(size_t), HB_DEFAULT_ALIGN); /* firstfit's chunk header */
    if (size >= 32768 && align <= HB_DEFAULT_ALIGN && size % HB_DEFAULT_ALIGN == 0 && size + hdr == s.largest_free)
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
    &ops, "declares exact fit but refuses a request that fills its largest free extent exactly",
    "accounting.exact_fit geometry.lengths geometry.pages"};

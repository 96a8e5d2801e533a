/* Not a bug: a heap that declares the smallest max_align heap.h allows
   (HB_DEFAULT_ALIGN) and refuses anything larger.  No case may fail it: the
   suite asks only for the alignments a heap declares. */
#include "../broken_base.h"

static void *small_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (align > HB_DEFAULT_ALIGN)
        return bb_alloc(h, SIZE_MAX, 0, tag); /* refused (and counted) */
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {"broken_small_align",
                                       "max_align = HB_DEFAULT_ALIGN (legal)",
                                       BB_CAPS,
                                       HB_DEFAULT_ALIGN,
                                       512,
                                       bb_create,
                                       small_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_small_align = {
    &ops, "none: declares max_align HB_DEFAULT_ALIGN and refuses more, which heap.h allows", ""};

/* Bug: declares max_align 1 MiB but refuses every alignment between a page
   and the maximum (it only special-cases the largest). */
#include "../broken_base.h"

static void *mid_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (align > 4096 && align < ((size_t)1 << 20))
        return bb_alloc(h, SIZE_MAX, 0, tag); /* refused (and counted) */
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {"broken_mid_align",
                                       "refuses alignments between 8 KiB and 512 KiB",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       mid_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_mid_align = {
    &ops, "declares max_align 1 MiB but refuses the powers of two between 4 KiB and 1 MiB", "alignment.powers"};

/* Bug: when full, instead of failing it carves a block from the bytes after
   the end of its initial block (writing a header there). */
#include <string.h>

#include "../broken_base.h"

static void *past_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    void *p = bb_alloc(h, size, align, tag);
    if (p || size > 1024 || align > HB_DEFAULT_ALIGN || (align > 1 && !hb_is_pow2(align)))
        return p;
    memset(bb_initial_end, 0x77, HB_DEFAULT_ALIGN); /* its "header" */
    return bb_initial_end + HB_DEFAULT_ALIGN;
}

static const struct hb_heap_ops ops = {"broken_past_pool",
                                       "allocates past its pool when full",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       past_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       NULL};

const struct hb_broken_heap hb_broken_past_pool = {
    &ops, "writes and allocates past the end of its pool when full",
    "alignment.nearly_full overflow.fill_until_null expansion.oom_too_early accounting.full_heap geometry.lengths "
    "geometry.pages"};

/* Bug: free trusts anything that looks like an in-use chunk header, so a
   live block of another heap (whose header looks right) is "freed". */
#include "../broken_base.h"

#define FF_HDR hb_align_up(4 * sizeof(size_t), HB_DEFAULT_ALIGN) /* firstfit's chunk header */

static int trusting_free(hb_heap *h, void *p)
{
    int rc = bb_free(h, p);
    if (rc != HB_EBADPTR || (uintptr_t)p % HB_DEFAULT_ALIGN)
        return rc;
    size_t size_flags = *(size_t *)(void *)((char *)p - FF_HDR);
    size_t size = size_flags & ~(size_t)3;
    if ((size_flags & 1) && size >= FF_HDR && size % HB_DEFAULT_ALIGN == 0 && size < ((size_t)1 << 24))
        return HB_OK; /* looks like an in-use header: "freed" (and nothing done) */
    return rc;
}

static const struct hb_heap_ops ops = {"broken_foreign_free",
                                       "frees another heap's blocks",
                                       BB_CAPS | HB_CAP_DETECT_BAD_FREE,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       trusting_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_foreign_free = {&ops, "free of another heap's live block returns HB_OK",
                                                      "free.bad_pointers"};

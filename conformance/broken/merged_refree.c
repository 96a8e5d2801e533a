/* Bug: the reference first-fit heap's old double-free check.  A second free
   is rejected while the block's header is intact, but once the block merged
   into a freed neighbour (its header swallowed, now zero) the second free
   is accepted and reported as HB_OK. */
#include "../broken_base.h"

#define FF_HDR hb_align_up(4 * sizeof(size_t), HB_DEFAULT_ALIGN) /* firstfit's chunk header */

static int refree(hb_heap *h, void *p)
{
    int rc = bb_free(h, p);
    if (rc == HB_EBADPTR && (uintptr_t)p % sizeof(size_t) == 0 && *(size_t *)(void *)((char *)p - FF_HDR) == 0)
        return HB_OK; /* a merged-away header: the bug says "freed" */
    return rc;
}

static const struct hb_heap_ops ops = {"broken_merged_refree",
                                       "accepts a second free after coalescing",
                                       BB_CAPS | HB_CAP_DETECT_BAD_FREE,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       refree,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_merged_refree = {
    &ops, "free of a block that merged into its freed neighbour returns HB_OK", "free.double_after_merge"};

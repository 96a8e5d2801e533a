/* Bug: a slab-style fast path for small objects: a pointer the heap
   refuses, but whose header says it is a small block, is trusted (as a slab
   heap that skips its owner test trusts the slab record) and free returns
   HB_OK without freeing it.  Another heap's 1000-byte block is still
   refused: free.bad_pointers catches it only with another heap's small
   block (and free.double_after_merge with the stale header of a 100-byte
   block that merged away). */
#include <stdint.h>

#include "../broken_base.h"

static int trusting_free(hb_heap *h, void *p)
{
    int rc = bb_free(h, p);
    if (rc != HB_EBADPTR || (uintptr_t)p % HB_DEFAULT_ALIGN)
        return rc;
    size_t usable = bb_usable_size(h, p); /* from the header in front of p, whoever wrote it */
    return usable > 0 && usable <= 256 ? HB_OK : rc;
}

static const struct hb_heap_ops ops = {"broken_foreign_small",
                                       "frees another heap's small blocks",
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

const struct hb_broken_heap hb_broken_foreign_small = {&ops, "free of another heap's small block returns HB_OK",
                                                       "free.bad_pointers free.double_after_merge"};

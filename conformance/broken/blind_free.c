/* Bug: claims to detect bad frees but silently accepts them. */
#include "../broken_base.h"

static int blind_free(hb_heap *h, void *p)
{
    (void)bb_free(h, p);
    return HB_OK;
}

static const struct hb_heap_ops ops = {"broken_blind_free",
                                       "bad frees accepted",
                                       BB_CAPS | HB_CAP_DETECT_BAD_FREE,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       blind_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_blind_free = {&ops, "double and interior frees return HB_OK",
                                                    "free.bad_pointers free.double_after_merge"};

/* Bug: claims overwrite detection but its check() looks at nothing. */
#include "../broken_base.h"

static int blind_check(const hb_heap *h, char *msg, size_t msg_len)
{
    (void)h;
    (void)msg;
    (void)msg_len;
    return HB_OK;
}

static const struct hb_heap_ops ops = {"broken_blind_check",
                                       "check() sees nothing",
                                       BB_CAPS | HB_CAP_DETECT_OVERWRITE,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       blind_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_blind_check = {&ops, "check() never reports corruption",
                                                     "integrity.check_looks overwrite.past_end overwrite.before_start"};

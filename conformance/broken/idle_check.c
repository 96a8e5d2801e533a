/* Bug: declares HB_CAP_CHECK but its check() looks at nothing. */
#include "../broken_base.h"

static int idle_check(const hb_heap *h, char *msg, size_t msg_len)
{
    (void)h;
    if (msg_len)
        msg[0] = '\0';
    return HB_OK;
}

static const struct hb_heap_ops ops = {"broken_idle_check",
                                       "check() verifies nothing",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       idle_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_idle_check = {&ops, "check() returns HB_OK without looking at the heap",
                                                    "integrity.check_looks"};

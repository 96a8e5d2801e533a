/* Hangs in create, with every signal blocked: the runner must spend one
   timeout on it, not one per case. */
#include <signal.h>

#include "../broken_base.h"

static hb_heap *hang_create(void *block, size_t len, const struct hb_config *cfg)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (volatile int spin = 1; spin;)
        ;
    return bb_create(block, len, cfg);
}

static const struct hb_heap_ops ops = {"hostile_create_hang",
                                       "hangs in create",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       hang_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_hostile_create_hang = {&ops, "loops forever in create", ""};

/* Hangs in alloc(24, ...) with every signal blocked and SIGALRM and SIGTERM
   ignored: only the parent's SIGKILL ends it. */
#include <signal.h>

#include "../broken_base.h"

static void *hang_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (size == 24) {
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGALRM, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        for (volatile int spin = 1; spin;)
            ;
    }
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {"hostile_hang_blocked",
                                       "hangs in alloc, signals blocked",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       hang_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_hostile_hang_blocked = {&ops, "loops forever in alloc(24, ...) with signals blocked",
                                                       ""};

/* Ends the process with _exit(0) (no atexit handlers, no stdio flush) in
   its first free of a block. */
#include <unistd.h>

#include "../broken_base.h"

static int exit_free(hb_heap *h, void *ptr)
{
    if (ptr)
        _exit(0);
    return bb_free(h, ptr);
}

static const struct hb_heap_ops ops = {"hostile_exit_in_free",
                                       "_exit(0) in free",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       exit_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_hostile_exit_in_free = {&ops, "calls _exit(0) in free", ""};

/* Recurses without end in alloc(24, ...) (a tree walk that follows a
   cycle): the stack overflows, which the runner must name as such. */
#include "../broken_base.h"

static volatile unsigned depth_limit = ~0u; /* never reached: the stack ends first */

static unsigned descend(volatile unsigned char *parent, unsigned depth)
{
    volatile unsigned char frame[256];
    frame[0] = parent ? parent[0] : 1;
    frame[255] = (unsigned char)depth;
    if (depth >= depth_limit)
        return 0;
    return descend(frame, depth + 1) + frame[255];
}

static void *recursion_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (size == 24 && descend(NULL, 0) == 0)
        return NULL;
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {"hostile_recursion",
                                       "endless recursion in alloc",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       recursion_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_hostile_recursion = {&ops, "recurses until the stack overflows in alloc(24, ...)", ""};

/* Ends the process with exit(77), CTest's skip code, inside alloc(24, ...):
   a suite that trusts exit statuses would skip every case. */
#include <stdlib.h>

#include "../broken_base.h"

static void *exit77_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (size == 24)
        exit(77);
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {
    "hostile_exit77", "exit(77) in alloc", BB_CAPS,     1u << 20, 512,  bb_create, exit77_alloc,
    bb_free,          bb_expand,           bb_contract, bb_stats, NULL, bb_check,  bb_usable_size};

const struct hb_broken_heap hb_hostile_exit77 = {&ops, "calls exit(77) in alloc(24, ...)", ""};

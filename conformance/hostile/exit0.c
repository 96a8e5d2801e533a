/* Ends the process with exit(0) inside alloc(24, ...): a suite that trusts
   exit statuses would call every case a PASS. */
#include <stdlib.h>

#include "../broken_base.h"

static void *exit0_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (size == 24)
        exit(0);
    return bb_alloc(h, size, align, tag);
}

static const struct hb_heap_ops ops = {
    "hostile_exit0", "exit(0) in alloc", BB_CAPS,     1u << 20, 512,  bb_create, exit0_alloc,
    bb_free,         bb_expand,          bb_contract, bb_stats, NULL, bb_check,  bb_usable_size};

const struct hb_broken_heap hb_hostile_exit0 = {&ops, "calls exit(0) in alloc(24, ...)", ""};

/* Bug: treats size 0 as an error and returns NULL (counting a failure),
   where heap.h makes it behave as size 1. */
#include <stdint.h>

#include "../broken_base.h"

static void *zero_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    /* SIZE_MAX: the sound heap refuses it and counts the failure */
    return bb_alloc(h, size ? size : SIZE_MAX, align, tag);
}

static const struct hb_heap_ops ops = {
    "broken_zero_null", "size 0 returns NULL", BB_CAPS,  1u << 20, 512,      bb_create,     zero_alloc, bb_free,
    bb_expand,          bb_contract,           bb_stats, NULL,     bb_check, bb_usable_size};

const struct hb_broken_heap hb_broken_zero_null = {&ops, "alloc(size 0) returns NULL",
                                                   "alignment.default alignment.size_zero"};

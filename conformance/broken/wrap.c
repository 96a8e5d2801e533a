/* Bug: rounds the size up before checking it, so a huge request wraps
   around to a tiny one and succeeds. */
#include "../broken_base.h"

static void *wrap_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    size_t rounded = (size + 63) & ~(size_t)63; /* wraps for size > SIZE_MAX - 63 */
    return bb_alloc(h, rounded, align, tag);
}

static const struct hb_heap_ops ops = {
    "broken_wrap", "size rounding wraps", BB_CAPS,  1u << 20, 512,      bb_create, wrap_alloc, bb_free,
    bb_expand,     bb_contract,           bb_stats, NULL,     bb_check, NULL};

const struct hb_broken_heap hb_broken_wrap = {&ops, "size + rounding wraps, so SIZE_MAX-k gets a tiny block",
                                              "overflow.huge_sizes accounting.shadow stress.random"};

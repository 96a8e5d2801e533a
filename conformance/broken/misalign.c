/* Bug: ignores the alignment argument; every block is only default-aligned.
   Caught by every case that asks for more than the default alignment. */
#include "../broken_base.h"

static void *misalign_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (align > HB_DEFAULT_ALIGN && !hb_is_pow2(align))
        return bb_alloc(h, size, align, tag); /* still rejects the invalid ones */
    return bb_alloc(h, size, 0, tag);
}

static const struct hb_heap_ops ops = {
    "broken_misalign", "ignores alignment", BB_CAPS,     1u << 20, 512,  bb_create, misalign_alloc,
    bb_free,           bb_expand,           bb_contract, bb_stats, NULL, bb_check,  bb_usable_size};

const struct hb_broken_heap hb_broken_misalign = {
    &ops, "returns default-aligned blocks whatever alignment is asked",
    "alignment.powers alignment.nearly_full alignment.invalid alignment.size_zero integrity.random "
    "integrity.two_heaps free.drain expansion.scattered expansion.contiguous expansion.contract_contiguous "
    "expansion.large_request "
    "expansion.oom_too_early expansion.contract_keeps_live accounting.shadow stress.random"};

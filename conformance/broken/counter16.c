/* Bug: counts allocations and frees in 16-bit fields, which wrap after
   65 535 operations. */
#include "../broken_base.h"

static void narrow_stats(const hb_heap *h, struct hb_stats *s)
{
    bb_stats(h, s);
    s->allocs = (uint16_t)s->allocs;
    s->frees = (uint16_t)s->frees;
}

static const struct hb_heap_ops ops = {
    "broken_counter16", "16-bit counters", BB_CAPS,      1u << 20, 512,      bb_create,     bb_alloc, bb_free,
    bb_expand,          bb_contract,       narrow_stats, NULL,     bb_check, bb_usable_size};

const struct hb_broken_heap hb_broken_counter16 = {&ops, "allocation and free counters wrap at 65 536",
                                                   "stress.counters_wrap"};

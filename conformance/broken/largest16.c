/* Bug: keeps the largest free extent in a 16-bit field, so stats never
   report more than 65 535 bytes: largest_free is not true for a bigger
   extent. */
#include "../broken_base.h"

static void narrow_stats(const hb_heap *h, struct hb_stats *s)
{
    bb_stats(h, s);
    if (s->largest_free > 0xFFFF)
        s->largest_free = 0xFFFF;
}

static const struct hb_heap_ops ops = {"broken_largest16",
                                       "largest_free in 16 bits",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       narrow_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_largest16 = {
    &ops, "stats report at most 65 535 bytes as the largest free extent",
    "overflow.fill_until_null stress.counters_wrap geometry.lengths geometry.pages"};

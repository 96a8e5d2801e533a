/* Bug: forgets to count the free of a large block: its stats drift from
   what really happened (the article's "separate counters" check). */
#include "../broken_base.h"

static uint64_t uncounted;

static int drift_free(hb_heap *h, void *p)
{
    if (p && bb_usable_size(h, p) > 2048)
        uncounted++;
    return bb_free(h, p);
}

static void drift_stats(const hb_heap *h, struct hb_stats *s)
{
    bb_stats(h, s);
    s->frees -= uncounted;
}

static hb_heap *drift_create(void *block, size_t len, const struct hb_config *cfg)
{
    uncounted = 0;
    return bb_create(block, len, cfg);
}

static const struct hb_heap_ops ops = {
    "broken_stat_drift", "free counter drifts", BB_CAPS,     1u << 20, 512,      drift_create,  bb_alloc, drift_free,
    bb_expand,           bb_contract,           drift_stats, NULL,     bb_check, bb_usable_size};

const struct hb_broken_heap hb_broken_stat_drift = {
    &ops, "does not count frees of blocks larger than 2 KiB",
    "overflow.huge_sizes overflow.fill_until_null integrity.random integrity.two_heaps free.permutations "
    "free.drain expansion.scattered expansion.contiguous expansion.contract_contiguous expansion.explicit "
    "expansion.contract_keeps_live "
    "accounting.shadow stress.random stress.counters_wrap geometry.lengths geometry.pages"};

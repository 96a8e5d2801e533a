/* Bug: free of a block of 1000 bytes or more forgets to take its bytes off
   the granted figure (they are counted free as well, so the stats identity
   still holds): granted_bytes drifts from the live blocks' usable sizes at
   the free that did it. */
#include "../broken_base.h"

static size_t lost;

static int drift_free(hb_heap *h, void *p)
{
    size_t usable = p ? bb_usable_size(h, p) : 0;
    int rc = bb_free(h, p);
    if (rc == HB_OK && usable >= 1000)
        lost += usable;
    return rc;
}

static void drift_stats(const hb_heap *h, struct hb_stats *s)
{
    bb_stats(h, s);
    s->granted_bytes += lost;
    s->free_bytes -= lost;
}

static hb_heap *drift_create(void *block, size_t len, const struct hb_config *cfg)
{
    lost = 0;
    return bb_create(block, len, cfg);
}

static const struct hb_heap_ops ops = {"broken_granted_drift",
                                       "granted bytes drift at free",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       drift_create,
                                       bb_alloc,
                                       drift_free,
                                       bb_expand,
                                       bb_contract,
                                       drift_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_granted_drift = {
    &ops, "free of a block of 1000 bytes or more leaves its bytes granted",
    "alignment.powers alignment.default overflow.huge_sizes overflow.fill_until_null integrity.random "
    "integrity.check_looks integrity.two_heaps free.permutations free.drain expansion.scattered "
    "expansion.contiguous expansion.contract_contiguous expansion.explicit expansion.contract_keeps_live "
    "accounting.shadow "
    "stress.random stress.counters_wrap geometry.lengths geometry.pages"};

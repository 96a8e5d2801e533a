/* Bug: walk reports a tag pointer that cannot be read.  The suite must say
   so in its own message, not crash printing it. */
#include "../broken_base.h"

struct relay {
    hb_walk_fn fn;
    void *ctx;
};

static int garble(const struct hb_block_info *info, void *ctx)
{
    const struct relay *r = ctx;
    struct hb_block_info bad = *info;
    bad.tag = (const char *)(uintptr_t)16; /* the first page is never mapped */
    return r->fn(&bad, r->ctx);
}

static int garbage_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    struct relay r = {fn, ctx};
    return bb_walk(h, garble, &r);
}

static const struct hb_heap_ops ops = {"broken_bad_tag",
                                       "walk reports unreadable tags",
                                       BB_CAPS | HB_CAP_WALK | HB_CAP_TAGS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       garbage_walk,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_bad_tag = {
    &ops, "walk reports a tag pointer that cannot be read",
    "alignment.powers alignment.default alignment.nearly_full alignment.invalid alignment.size_zero "
    "overflow.huge_sizes "
    "overflow.fill_until_null integrity.random integrity.small_blocks integrity.two_heaps free.null "
    "free.permutations free.drain expansion.scattered expansion.contiguous expansion.contract_contiguous "
    "expansion.large_request "
    "expansion.explicit expansion.oom_too_early expansion.contract_keeps_live accounting.shadow "
    "accounting.full_heap stress.random stress.counters_wrap geometry.lengths geometry.pages"};

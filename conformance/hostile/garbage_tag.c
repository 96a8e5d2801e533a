/* walk reports every block with a tag pointer into page 0: whoever prints
   the tag must not trust it. */
#include <stdint.h>

#include "../broken_base.h"

struct relay {
    hb_walk_fn fn;
    void *ctx;
};

static int garbage(const struct hb_block_info *info, void *vctx)
{
    struct relay *r = vctx;
    struct hb_block_info copy = *info;
    copy.tag = (const char *)(uintptr_t)0x10;
    return r->fn(&copy, r->ctx);
}

static int garbage_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    struct relay r = {fn, ctx};
    return bb_walk(h, garbage, &r);
}

static const struct hb_heap_ops ops = {"hostile_garbage_tag",
                                       "walk returns unreadable tags",
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

const struct hb_broken_heap hb_hostile_garbage_tag = {&ops, "walk reports tag pointers into page 0", ""};

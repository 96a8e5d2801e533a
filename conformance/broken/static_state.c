/* Bug: keeps its allocation counter in a static global (reset by create),
   so two heaps in one process share, and reset, each other's state. */
#include "../broken_base.h"

static uint64_t allocs; /* the bug */

static hb_heap *static_create(void *block, size_t len, const struct hb_config *cfg)
{
    allocs = 0;
    return bb_create(block, len, cfg);
}

static void *static_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    void *p = bb_alloc(h, size, align, tag);
    allocs += p != NULL;
    return p;
}

static void static_stats(const hb_heap *h, struct hb_stats *s)
{
    bb_stats(h, s);
    s->allocs = allocs;
}

static const struct hb_heap_ops ops = {"broken_static_state",
                                       "state in a static global",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       static_create,
                                       static_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       static_stats,
                                       NULL,
                                       bb_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_static_state = {
    &ops, "keeps its allocation counter in a static global shared by every heap", "integrity.two_heaps"};

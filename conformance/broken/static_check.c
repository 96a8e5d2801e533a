/* Bug: keeps the seed of its metadata checksum in a static global, set by
   create: once a second heap is created, check() of the first finds every
   checksum wrong.  Its stats stay right, so only check() shows it. */
#include <stdint.h>

#include "../broken_base.h"

static uintptr_t seed; /* the bug: one for all heaps */

static hb_heap *seeded_create(void *block, size_t len, const struct hb_config *cfg)
{
    hb_heap *h = bb_create(block, len, cfg);
    seed = (uintptr_t)h;
    return h;
}

static int seeded_check(const hb_heap *h, char *msg, size_t msg_len)
{
    if (seed != (uintptr_t)h)
        return hb_report(msg, msg_len, "metadata checksum mismatch");
    return bb_check(h, msg, msg_len);
}

static const struct hb_heap_ops ops = {"broken_static_check",
                                       "checksum seed in a static global",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       seeded_create,
                                       bb_alloc,
                                       bb_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       seeded_check,
                                       bb_usable_size};

const struct hb_broken_heap hb_broken_static_check = {
    &ops, "check()'s checksum seed is a static global: a second heap breaks the first's check()",
    "integrity.two_heaps"};

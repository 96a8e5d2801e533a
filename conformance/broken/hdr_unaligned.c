/* Bug: aligns its 4-byte header, not the pointer it returns (the article's
   "Misalignment" section): every block is 4 bytes off.  On MIPS32 such a
   block traps on the first word access; the suite reports it before that. */
#include "../broken_base.h"

#define HDR 4

static void *hdr_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    if (size > SIZE_MAX - HDR)
        return bb_alloc(h, size, align, tag);
    unsigned char *p = bb_alloc(h, size + HDR, align, tag);
    return p ? p + HDR : NULL;
}

static int hdr_free(hb_heap *h, void *p)
{
    return bb_free(h, p ? (unsigned char *)p - HDR : NULL);
}

static size_t hdr_usable(const hb_heap *h, const void *p)
{
    return bb_usable_size(h, (const unsigned char *)p - HDR) - HDR;
}

static const struct hb_heap_ops ops = {"broken_hdr_unaligned",
                                       "header aligned, pointer not",
                                       BB_CAPS,
                                       1u << 20,
                                       512,
                                       bb_create,
                                       hdr_alloc,
                                       hdr_free,
                                       bb_expand,
                                       bb_contract,
                                       bb_stats,
                                       NULL,
                                       bb_check,
                                       hdr_usable};

const struct hb_broken_heap hb_broken_hdr_unaligned = {
    &ops, "aligns a 4-byte header instead of the returned pointer",
    "alignment.powers alignment.default alignment.nearly_full alignment.invalid alignment.size_zero "
    "overflow.huge_sizes overflow.fill_until_null integrity.random integrity.small_blocks "
    "integrity.check_looks integrity.two_heaps free.null free.permutations free.drain expansion.scattered "
    "expansion.contiguous expansion.contract_contiguous expansion.large_request expansion.explicit "
    "expansion.oom_too_early "
    "expansion.contract_keeps_live accounting.shadow accounting.full_heap stress.random "
    "stress.counters_wrap geometry.lengths geometry.pages"};

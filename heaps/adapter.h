/*
 * adapter.h - a complete heapbench heap from a heap's three functions.
 *
 * Most heaps offer init(region, size), alloc(size), free(ptr) and a fixed
 * alignment.  This header turns those into a full struct hb_heap_ops:
 *
 *     #include <heapbench/adapter.h>
 *
 *     static const struct hb_adapter my_adapter = {
 *         .init = my_glue_init, .alloc = my_glue_alloc, .free = my_glue_free,
 *         .add_pool = my_glue_add_pool, // optional: the heap can take more memory
 *         .check = my_glue_check,       // optional: the heap can check itself
 *     };
 *     //         descriptor  own align  max align  min initial  extra caps
 *     HB_ADAPTER(my_adapter, 8,         4096,      4096,        HB_CAP_EXPAND)
 *
 *     const struct hb_heap_ops my_ops = {
 *         .name = "my-heap",
 *         .summary = "one line for listings",
 *         HB_ADAPTER_OPS(my_adapter),
 *     };
 *
 * Capabilities, honestly: HB_CAP_FREE and HB_CAP_REQUESTED always; plus
 * HB_CAP_EXPAND (needs .add_pool) and HB_CAP_CHECK (needs .check) when the
 * extra caps ask for them.  No walk, no tags, no bad-free or overwrite
 * detection, no contraction: the adapter cannot know what the heap does not
 * tell it, and the suite skips those cases (and says so).
 *
 * Layout of an allocation.  alloc(size, align) asks the heap for
 *     ask = size + W + slack(align)
 * bytes, W = 2 words, and places the caller's pointer u at the first
 * align-aligned address at least W bytes past the heap's pointer p.  The W
 * bytes before u hold the granted size and u - p (with log2(align)), so free
 * finds p and the stats stay exact without asking the heap anything.  slack
 * is the most the offset can need given that p is aligned to the heap's own
 * alignment: (align - W % align) % align when align is at most that, else
 * align minus (W mod the heap's alignment, or the alignment when that is
 * 0).  An alignment above the heap's own is thus *emulated* (over-allocated
 * and offset); the table then says HB_CAP_ALIGN_EMULATED, and so do the
 * results.  The heap must return pointers aligned as declared: the adapter
 * checks every one and aborts with a message (reported by the suite as a
 * crash in that call) when it is not.
 *
 * Stats, honestly.  pool_bytes, blocks and the counters are exact;
 * meta_bytes is the adapter's state at the start of the initial block (and
 * the rounding up to the heap's region); header_bytes is W per live
 * allocation; padding_bytes is ask - W - granted per live allocation;
 * granted_bytes = requested_bytes = the sizes asked (size 0 counts 1).
 * free_bytes is the remainder of the identity, so it holds the heap's own
 * metadata and rounding, which the adapter cannot see; largest_free is
 * reported as free_bytes, an upper bound.  The table says
 * HB_CAP_STATS_ESTIMATED, and fragmentation figures built on free space are
 * to be read as such.
 *
 * Expansion (HB_CAP_EXPAND): when the heap returns NULL the adapter asks the
 * memory manager for pages(ask) + 1 pages, hands them to .add_pool and
 * tries again; if the heap still refuses (its per-pool overhead was more
 * than a page) the next block is larger by 2, 4, 8... extra pages, until the
 * memory manager refuses.  expand() hands a block to .add_pool directly.
 *
 * Costs: one indirect call more per operation, W + slack bytes per
 * allocation, and the heap sees requests W + slack bytes larger than the
 * caller's (which can move a request into the next size class).
 *
 * Limits: alignments up to 16 MiB; a heap whose state lives in static
 * globals gets one instance per process (init returns a non-NULL handle
 * anyway), which the suite's two-heaps case reports.
 */
#ifndef HEAPBENCH_ADAPTER_H
#define HEAPBENCH_ADAPTER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "heap.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a heap supplies.  heap is what init returned. */
struct hb_adapter {
    /* The heap over [region, region+size): its handle, or NULL if it cannot.
       region is aligned to the heap's alignment (and to HB_DEFAULT_ALIGN). */
    void *(*init)(void *region, size_t size);
    /* At least size bytes aligned to the heap's alignment, or NULL. */
    void *(*alloc)(void *heap, size_t size);
    void (*free)(void *heap, void *ptr);
    /* Optional (HB_CAP_EXPAND): add [region, region+size) to the heap; 0 if
       taken.  region is page-aligned. */
    int (*add_pool)(void *heap, void *region, size_t size);
    /* Optional (HB_CAP_CHECK): 0 when the heap's structures are sound. */
    int (*check)(void *heap);
};

#define HB_ADAPTER_WORDS 2
#define HB_ADAPTER_HEADER (HB_ADAPTER_WORDS * sizeof(size_t))
#define HB_ADAPTER_MAX_ALIGN ((size_t)1 << 24)
#define HB_ADAPTER_ALIGN_BITS 6 /* log2(align) in the low bits of the offset word */

/* The adapter's state, at the start of the initial block. */
struct hb_adapter_state {
    const struct hb_adapter *ad;
    void *heap;
    struct hb_config cfg;
    size_t align, max_align; /* the heap's own; the largest served */
    unsigned caps;
    size_t pool_bytes, meta_bytes, blocks;
    size_t header_bytes, padding_bytes, granted_bytes, live;
    uint64_t allocs, frees, failures;
};

static inline struct hb_adapter_state *hb_adapter_of(hb_heap *h)
{
    return (struct hb_adapter_state *)(void *)h;
}
static inline const struct hb_adapter_state *hb_adapter_of_c(const hb_heap *h)
{
    return (const struct hb_adapter_state *)(const void *)h;
}

/* The most bytes the offset from the heap's pointer to the caller's can
   need past the header (see the essay). */
static inline size_t hb_adapter_slack(size_t own_align, size_t align)
{
    size_t w = HB_ADAPTER_HEADER;
    if (align <= own_align)
        return (align - w % align) % align;
    return w % own_align ? align - w % own_align : align - own_align;
}

static inline unsigned hb_adapter_log2(size_t x)
{
    unsigned n = 0;
    while (x > 1) {
        x >>= 1;
        n++;
    }
    return n;
}

/* Writes why a descriptor cannot work; NULL when it can. */
static inline const char *hb_adapter_misuse(const struct hb_adapter *ad, size_t align, size_t max_align, unsigned caps)
{
    const unsigned extra = HB_CAP_EXPAND | HB_CAP_CHECK;
    const unsigned always = HB_CAP_FREE | HB_CAP_REQUESTED | HB_CAP_STATS_ESTIMATED | HB_CAP_ALIGN_EMULATED;
    if (!ad->init || !ad->alloc || !ad->free)
        return ".init, .alloc and .free are required";
    if (!hb_is_pow2(align))
        return "the heap's alignment must be a power of two";
    if (max_align > HB_ADAPTER_MAX_ALIGN)
        return "the largest alignment served is 16 MiB";
    if (caps & ~(extra | always))
        return "only HB_CAP_EXPAND and HB_CAP_CHECK can be added to an adapted heap's capabilities";
    if ((caps & HB_CAP_EXPAND) && !ad->add_pool)
        return "HB_CAP_EXPAND needs .add_pool";
    if ((caps & HB_CAP_CHECK) && !ad->check)
        return "HB_CAP_CHECK needs .check";
    return NULL;
}

static inline hb_heap *hb_adapter_create(const struct hb_adapter *ad, size_t align, size_t max_align, unsigned caps,
                                         void *block, size_t len, const struct hb_config *cfg)
{
    const char *why = hb_adapter_misuse(ad, align, max_align, caps);
    if (why) {
        fprintf(stderr, "adapter.h: %s\n", why);
        return NULL;
    }
    uintptr_t start = (uintptr_t)block, end = start + len;
    uintptr_t state = hb_align_up(start, _Alignof(struct hb_adapter_state));
    size_t region_align = align > HB_DEFAULT_ALIGN ? align : HB_DEFAULT_ALIGN;
    uintptr_t region = hb_align_up(state + sizeof(struct hb_adapter_state), region_align);
    if (end < start || region < start || region >= end)
        return NULL;
    void *heap = ad->init((void *)region, end - region);
    if (!heap)
        return NULL;
    struct hb_adapter_state *s = (struct hb_adapter_state *)state;
    *s = (struct hb_adapter_state){.ad = ad,
                                   .heap = heap,
                                   .cfg = *cfg,
                                   .align = align,
                                   .max_align = max_align,
                                   .caps = caps,
                                   .pool_bytes = len,
                                   .meta_bytes = region - start,
                                   .blocks = 1};
    return (hb_heap *)(void *)s;
}

/* Adds a block of pages(ask) + more pages to the heap; 0 when refused. */
static inline int hb_adapter_grow(struct hb_adapter_state *s, size_t ask, size_t more)
{
    size_t page = s->cfg.page_size;
    size_t npages = ask / page + 1 + more;
    if (npages > SIZE_MAX / page)
        return 0;
    void *block = s->cfg.get_pages(s->cfg.mm, npages);
    if (!block)
        return 0;
    if (s->ad->add_pool(s->heap, block, npages * page) != 0) {
        s->cfg.put_pages(s->cfg.mm, block, npages);
        return 0;
    }
    s->pool_bytes += npages * page;
    s->blocks++;
    return 1;
}

static inline void *hb_adapter_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    struct hb_adapter_state *s = hb_adapter_of(h);
    (void)tag;
    size_t a = hb_effective_align(align, s->max_align);
    size_t granted = size ? size : 1;
    size_t extra = HB_ADAPTER_HEADER + hb_adapter_slack(s->align, a ? a : 1);
    unsigned char *p = NULL;
    if (a && granted <= SIZE_MAX - extra) {
        p = (unsigned char *)s->ad->alloc(s->heap, granted + extra);
        for (size_t more = 1; !p && (s->caps & HB_CAP_EXPAND) && hb_adapter_grow(s, granted + extra, more); more *= 2)
            p = (unsigned char *)s->ad->alloc(s->heap, granted + extra);
    }
    if (!p) {
        s->failures++;
        return NULL;
    }
    if ((uintptr_t)p % s->align != 0) {
        fprintf(stderr,
                "adapter.h: the heap's alloc(%zu) returned %p, which is not aligned to the %zu bytes "
                "declared in HB_ADAPTER\n",
                granted + extra, (void *)p, s->align);
        abort();
    }
    uintptr_t u = hb_align_up((uintptr_t)p + HB_ADAPTER_HEADER, a);
    size_t *hdr = (size_t *)(u - HB_ADAPTER_HEADER);
    hdr[0] = granted;
    hdr[1] = (size_t)(u - (uintptr_t)p) << HB_ADAPTER_ALIGN_BITS | hb_adapter_log2(a);
    s->header_bytes += HB_ADAPTER_HEADER;
    s->padding_bytes += extra - HB_ADAPTER_HEADER;
    s->granted_bytes += granted;
    s->live++;
    s->allocs++;
    return (void *)u;
}

static inline int hb_adapter_free(hb_heap *h, void *ptr)
{
    struct hb_adapter_state *s = hb_adapter_of(h);
    if (!ptr)
        return HB_OK;
    const size_t *hdr = (const size_t *)ptr - HB_ADAPTER_WORDS;
    size_t granted = hdr[0];
    size_t offset = hdr[1] >> HB_ADAPTER_ALIGN_BITS;
    size_t a = (size_t)1 << (hdr[1] & ((1u << HB_ADAPTER_ALIGN_BITS) - 1));
    s->ad->free(s->heap, (unsigned char *)ptr - offset);
    s->header_bytes -= HB_ADAPTER_HEADER;
    s->padding_bytes -= hb_adapter_slack(s->align, a);
    s->granted_bytes -= granted;
    s->live--;
    s->frees++;
    return HB_OK;
}

static inline int hb_adapter_expand(hb_heap *h, void *block, size_t len)
{
    struct hb_adapter_state *s = hb_adapter_of(h);
    if (s->ad->add_pool(s->heap, block, len) != 0)
        return HB_EINVAL;
    s->pool_bytes += len;
    s->blocks++;
    return HB_OK;
}

static inline void hb_adapter_stats(const hb_heap *h, struct hb_stats *out)
{
    const struct hb_adapter_state *s = hb_adapter_of_c(h);
    size_t known = s->meta_bytes + s->header_bytes + s->padding_bytes + s->granted_bytes;
    *out = (struct hb_stats){.pool_bytes = s->pool_bytes,
                             .meta_bytes = s->meta_bytes,
                             .header_bytes = s->header_bytes,
                             .padding_bytes = s->padding_bytes,
                             .granted_bytes = s->granted_bytes,
                             .requested_bytes = s->granted_bytes,
                             .free_bytes = known <= s->pool_bytes ? s->pool_bytes - known : 0,
                             .blocks = s->blocks,
                             .live = s->live,
                             .allocs = s->allocs,
                             .frees = s->frees,
                             .failures = s->failures};
    out->largest_free = out->free_bytes;
}

static inline int hb_adapter_check(const hb_heap *h, char *msg, size_t msg_len)
{
    const struct hb_adapter_state *s = hb_adapter_of_c(h);
    if (s->ad->check(s->heap) == 0)
        return HB_OK;
    return hb_report(msg, msg_len, "the heap's own check function reports its structures are unsound");
}

static inline size_t hb_adapter_usable_size(const hb_heap *h, const void *ptr)
{
    (void)h;
    return ((const size_t *)ptr)[-HB_ADAPTER_WORDS];
}

/* Binds a descriptor to its numbers: the heap's own alignment, the largest
   alignment to serve (above the heap's own it is emulated), the smallest
   initial block, and the capabilities to add (HB_CAP_EXPAND, HB_CAP_CHECK,
   or 0).  Defines <descriptor>_hb_* constants and a create function for
   HB_ADAPTER_OPS. */
#define HB_ADAPTER(descriptor, own_align, max_align, min_initial, extra_caps)                                          \
    enum {                                                                                                             \
        descriptor##_hb_align = (own_align),                                                                           \
        descriptor##_hb_max_align = (max_align) > HB_DEFAULT_ALIGN ? (max_align) : HB_DEFAULT_ALIGN,                   \
        descriptor##_hb_min_initial = (min_initial),                                                                   \
        descriptor##_hb_caps = HB_CAP_FREE | HB_CAP_REQUESTED | HB_CAP_STATS_ESTIMATED | (extra_caps) |                \
                               (descriptor##_hb_max_align > (own_align) ? HB_CAP_ALIGN_EMULATED : 0)                   \
    };                                                                                                                 \
    static hb_heap *descriptor##_hb_create(void *block, size_t len, const struct hb_config *cfg)                       \
    {                                                                                                                  \
        return hb_adapter_create(&(descriptor), descriptor##_hb_align, descriptor##_hb_max_align,                      \
                                 descriptor##_hb_caps, block, len, cfg);                                               \
    }

/* Every field of an ops table but .name and .summary. */
#define HB_ADAPTER_OPS(descriptor)                                                                                     \
    .caps = descriptor##_hb_caps, .max_align = descriptor##_hb_max_align, .min_initial = descriptor##_hb_min_initial,  \
    .create = descriptor##_hb_create, .alloc = hb_adapter_alloc, .free = hb_adapter_free,                              \
    .expand = (descriptor##_hb_caps & HB_CAP_EXPAND) ? hb_adapter_expand : NULL, .contract = NULL,                     \
    .stats = hb_adapter_stats, .walk = NULL, .check = (descriptor##_hb_caps & HB_CAP_CHECK) ? hb_adapter_check : NULL, \
    .usable_size = hb_adapter_usable_size

#ifdef __cplusplus
}
#endif

#endif

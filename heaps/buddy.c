/*
 * buddy.c - binary buddy allocator with per-order free lists, a non-empty
 * mask and a one-byte-per-granule side table (no per-allocation header).
 *
 * Algorithm
 *   Memory is handed out in blocks of MIN << k bytes ("order k"); MIN is
 *   16 bytes, or HB_DEFAULT_ALIGN if larger.  Each block of the pool is a
 *   "region" whose buddy span [base, end) need not be a power of two: it is
 *   carved greedily into maximal power-of-two blocks, each aligned to its
 *   size relative to the region's origin: a 4 KiB boundary at or below base,
 *   chosen so that the span holds a block of the largest power of two that
 *   fits in it (the block goes at the span's top when base sits just past
 *   a boundary).  The buddy of a block is origin + ((p - origin) XOR size).  alloc
 *   takes order k = ceil(log2(max(size, align, MIN))) - log2(MIN), finds the
 *   smallest non-empty order j >= k with one count-trailing-zeros on the
 *   mask, pops that block and splits it down to k, pushing each upper half.
 *   free reads the order from the side table and merges while the buddy lies
 *   in the same region's span, is free and has the same order.  Merges never
 *   leave a region, so regions need not be contiguous or in address order.
 *
 * Alignment (max_align = 4096)
 *   Origins are 4096-aligned, so a block of order k is aligned to
 *   min(2^k, 4096) in absolute terms: any alignment up to 4096 is served by
 *   an order whose size is >= the alignment, never by padding.  Blocks from
 *   the memory manager are page-aligned, so their origin is their first
 *   byte and a 2^n-page block is one whole buddy block.
 *
 * Data structures
 *   struct hb_heap (start of the initial block): the non-empty mask (one
 *   bit per order), one circular doubly linked free list per order (a
 *   sentinel in the heap; next and prev threaded through the free blocks,
 *   which fits 16 bytes even on 64-bit), the region list (largest span
 *   first), the region alloc or free touched last (with a copy of its
 *   base and span, so the test whether a pointer lies in it reads the heap
 *   alone), config and counters.  A region's descriptor is a struct
 *   bud_region followed by its side table, one byte per granule of the
 *   span: 0 inside a block; at a block's first granule HEAD | order, plus
 *   FREE if free, or META if the block holds another region's descriptor.
 *   HEAD alone is the "allocated start" marker: free() needs no header and
 *   rejects anything else.  The descriptor goes at the tail of the initial
 *   block; for a block added later it is allocated from the heap itself
 *   when a free block fits it (so the new block is all span), else placed
 *   at the block's tail.
 *
 * Metadata
 *   Per allocation: the side table's byte per 16-byte granule (1/16 of the
 *   span) and nothing else; rounding up to a power of two is the real cost
 *   (up to ~50% internal waste, reported as granted: it is usable).
 *   Global: struct hb_heap, 664 bytes on x86-64 (32 orders), 312 on i386
 *   and MIPS32 (28 orders); per region a 9-word header (72 bytes on
 *   64-bit, 36 on 32-bit) plus span/16 table bytes, rounded to a power of
 *   two when the descriptor is a heap block (static asserts after the
 *   structs check these sizes).  All of it is meta_bytes; header and
 *   padding are 0.  Only the granted bytes and the alloc/free counts are
 *   kept on the fast paths: free bytes are pool - meta - granted, live
 *   blocks allocs - frees, and a region is wholly free (contract) when its
 *   side table shows its carve's maximal blocks free.
 *
 * Worst-case cost
 *   alloc: O(1) search (mask + ctz), O(log n) split, and a region lookup;
 *   free: region lookup and O(log n) merge.  The region lookup tries the
 *   region touched last, then scans the region list, largest first: O(R),
 *   one step when the pointer lies in the last region.  Growth
 *   asks the memory manager for max(need, pool / 2) first, then
 *   max(need, pool / 4), ..., so R stays O(log pool) even near the manager's limit, unless the
 *   caller expands by many small blocks.  expand: O(R + log n); contract: O(R^2 log n)
 *   (a region holding another's descriptor empties only after it);
 *   walk/check: O(n).  Blocks are capped at order 31 (32 GiB on 64-bit).
 *
 * Trade-offs
 *   Fast, simple, cheap coalescing and no headers, but internal
 *   fragmentation up to half a block; free memory in different regions
 *   cannot combine, and the largest block of a span of L bytes is the
 *   largest power of two <= L (half that when L exceeds it by under 4 KiB),
 *   so a pool just short of a power of two serves only about half of it in
 *   one piece.  Capabilities lacking:
 *   HB_CAP_TAGS and HB_CAP_REQUESTED (the byte per granule keeps only the
 *   order and three flags) and HB_CAP_DETECT_OVERWRITE (no red zones).
 */
#include <limits.h>
#include <string.h>

#include "heap.h"

/* Granule and smallest block: 16 bytes, or the default alignment if larger. */
enum { BUD_MIN = HB_DEFAULT_ALIGN > 16 ? (int)HB_DEFAULT_ALIGN : 16 };
enum { BUD_SHIFT = BUD_MIN == 16 ? 4 : BUD_MIN == 32 ? 5 : BUD_MIN == 64 ? 6 : 7 };
_Static_assert(BUD_MIN == 1 << BUD_SHIFT, "granule must be a power of two up to 128");
/* Orders 0 .. BUD_ORDERS-1: at most 32 (5 bits), at most half the address space. */
enum { BUD_ADDR_ORDERS = (int)(sizeof(size_t) * CHAR_BIT) - BUD_SHIFT };
enum { BUD_ORDERS = BUD_ADDR_ORDERS < 32 ? BUD_ADDR_ORDERS : 32 };

#define BUD_MAX_BLOCK ((size_t)BUD_MIN << (BUD_ORDERS - 1))
#define BUD_ORIGIN_ALIGN ((size_t)4096)
#define BUD_MAX_ALIGN BUD_ORIGIN_ALIGN

/* Side-table byte. */
enum { BUD_HEAD = 0x80, BUD_FREE = 0x40, BUD_META = 0x20, BUD_ORDER_MASK = 0x1f };

struct bud_node {
    struct bud_node *next, *prev;
};
_Static_assert(sizeof(struct bud_node) <= BUD_MIN, "a free node must fit in the smallest block");

struct bud_region {
    struct bud_region *next;
    uintptr_t origin;    /* 4096-aligned, <= base: block offsets are relative to it */
    uintptr_t base, end; /* the buddy span, granule-aligned */
    size_t span;         /* end - base, for region_holds */
    uintptr_t start;     /* the block as given */
    size_t len;
    size_t pages;      /* 0 for the initial block, never given back */
    size_t desc_bytes; /* size of the heap block holding this descriptor; 0 if in the region's block */
    /* the side table follows */
};
_Static_assert(sizeof(struct bud_region) % sizeof(void *) == 0, "the side table follows an aligned header");

struct hb_heap {
    size_t mask;                      /* bit k set iff list k is not empty */
    struct bud_node head[BUD_ORDERS]; /* circular lists' sentinels */
    struct bud_region *regions;       /* by span size, largest first */
    struct bud_region *initial;
    struct bud_region *last; /* the region alloc or free touched last: tried first */
    uintptr_t last_base;     /* last->base and last->span, so that the hot test */
    size_t last_span;        /* reads the heap alone */
    struct hb_config cfg;
    int can_grow;
    size_t nregions, pool, meta, granted; /* free bytes: pool - meta - granted */
    uint64_t allocs, frees, failures;     /* live blocks: allocs - frees */
};

_Static_assert(sizeof(struct bud_region) == 9 * sizeof(void *), "the essay's region header size");
_Static_assert(sizeof(struct hb_heap) == (sizeof(void *) == 8 ? 664 : 312), "the essay's struct hb_heap size");

#define BUD_HEAP_SIZE hb_align_up(sizeof(struct hb_heap), BUD_MIN)

/* Rare paths (growth, a failed alloc) live out of line, so alloc keeps
   few registers to save. */
#define BUD_OUTLINE __attribute__((noinline))
#define BUD_SLOW __attribute__((noinline, cold))
#define BUD_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* ---- bit helpers ---- */

static inline unsigned bit_ctz(size_t x) /* x != 0 */
{
#if defined(__GNUC__)
    if (sizeof(size_t) == sizeof(unsigned))
        return (unsigned)__builtin_ctz((unsigned)x);
    if (sizeof(size_t) == sizeof(unsigned long))
        return (unsigned)__builtin_ctzl((unsigned long)x);
    return (unsigned)__builtin_ctzll((unsigned long long)x);
#else
    unsigned n = 0;
    while (!(x & 1)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

static inline unsigned bit_msb(size_t x) /* index of the highest set bit, x != 0 */
{
#if defined(__GNUC__)
    if (sizeof(size_t) == sizeof(unsigned))
        return (unsigned)(sizeof(unsigned) * CHAR_BIT - 1) - (unsigned)__builtin_clz((unsigned)x);
    if (sizeof(size_t) == sizeof(unsigned long))
        return (unsigned)(sizeof(unsigned long) * CHAR_BIT - 1) - (unsigned)__builtin_clzl((unsigned long)x);
    return (unsigned)(sizeof(unsigned long long) * CHAR_BIT - 1) - (unsigned)__builtin_clzll((unsigned long long)x);
#else
    unsigned n = 0;
    while (x >>= 1)
        n++;
    return n;
#endif
}

static inline size_t order_size(unsigned k)
{
    return (size_t)BUD_MIN << k;
}

/* Smallest order whose block holds n bytes (1 <= n <= BUD_MAX_BLOCK). */
static inline unsigned order_for_bytes(size_t n)
{
    return n <= BUD_MIN ? 0 : bit_msb(n - 1) + 1 - BUD_SHIFT;
}

/* ---- regions and their side tables ---- */

static inline unsigned char *region_table(const struct bud_region *r)
{
    return (unsigned char *)(r + 1);
}
static inline size_t region_granule(const struct bud_region *r, uintptr_t p)
{
    return (p - r->base) >> BUD_SHIFT;
}
static inline size_t region_span(const struct bud_region *r)
{
    return r->span;
}
static inline int region_holds(const struct bud_region *r, uintptr_t p)
{
    return p - r->base < r->span;
}
static inline size_t descriptor_bytes(size_t span)
{
    return sizeof(struct bud_region) + (span >> BUD_SHIFT);
}

/* The buddy of the block at p of `size` bytes (it may lie outside the span). */
static inline uintptr_t buddy_of(const struct bud_region *r, uintptr_t p, size_t size)
{
    return r->origin + ((p - r->origin) ^ size);
}

/* The region whose span holds p, or NULL. */
static inline struct bud_region *region_of(const hb_heap *h, uintptr_t p)
{
    struct bud_region *r = h->regions;
    while (r && !region_holds(r, p))
        r = r->next;
    return r;
}

static inline void set_last(hb_heap *h, struct bud_region *r)
{
    h->last = r;
    h->last_base = r->base;
    h->last_span = r->span;
}

/* Does p lie in the region touched last? */
static inline int last_holds(const hb_heap *h, uintptr_t p)
{
    return p - h->last_base < h->last_span;
}

/* region_of, remembering the answer for region_of_hot. */
static inline struct bud_region *region_of_miss(hb_heap *h, uintptr_t p)
{
    struct bud_region *r = region_of(h, p);
    if (r)
        set_last(h, r);
    return r;
}

/* region_of, trying the region touched last first (alloc and free mostly
   stay in one region). */
static inline struct bud_region *region_of_hot(hb_heap *h, uintptr_t p)
{
    return BUD_UNLIKELY(!last_holds(h, p)) ? region_of_miss(h, p) : h->last;
}

/* Granules of a span starting at base (granule-aligned) when the span and
   then its descriptor must fit below limit: 0 if none fits. */
static size_t tail_layout_granules(uintptr_t base, uintptr_t limit)
{
    if (limit < base || limit - base < sizeof(struct bud_region) + BUD_MIN + 1)
        return 0;
    return (limit - base - sizeof(struct bud_region)) / (BUD_MIN + 1);
}

/* Order of the maximal aligned block at p that ends by end. */
static inline unsigned carve_order(const struct bud_region *r, uintptr_t p)
{
    uintptr_t off = p - r->origin;
    unsigned by_align = off ? bit_ctz((size_t)off) - BUD_SHIFT : BUD_ORDERS - 1;
    unsigned by_room = bit_msb((size_t)(r->end - p)) - BUD_SHIFT;
    unsigned k = by_align < by_room ? by_align : by_room;
    return k < BUD_ORDERS - 1 ? k : BUD_ORDERS - 1;
}

/* ---- free lists ---- */

static inline void list_push(hb_heap *h, uintptr_t p, unsigned k)
{
    struct bud_node *n = (struct bud_node *)p, *s = &h->head[k];
    n->prev = s;
    n->next = s->next;
    s->next->prev = n;
    s->next = n;
    h->mask |= (size_t)1 << k;
}

/* Unlinks n from list k; a list is empty when its sentinel links to itself. */
static inline void list_unlink(hb_heap *h, struct bud_node *n, unsigned k)
{
    struct bud_node *next = n->next, *prev = n->prev;
    prev->next = next;
    next->prev = prev;
    if (next == prev)
        h->mask &= ~((size_t)1 << k);
}

static inline struct bud_node *list_pop(hb_heap *h, unsigned k)
{
    struct bud_node *n = h->head[k].next;
    list_unlink(h, n, k);
    return n;
}

static inline void list_init_empty(struct bud_node *s)
{
    s->next = s->prev = s;
}

/* ---- blocks ---- */

/* Marks the block at p free with order k and puts it on its list. */
static inline void block_make_free(hb_heap *h, struct bud_region *r, uintptr_t p, unsigned k)
{
    region_table(r)[region_granule(r, p)] = (unsigned char)(BUD_HEAD | BUD_FREE | k);
    list_push(h, p, k);
}

/* Takes a block of order k off the lists (the smallest non-empty order
   j >= k must exist), splits it down to k and marks it `mark | k`.
   Orders k .. j-1 are empty (j is the smallest non-empty one), so each
   upper half becomes the only node of its list and the mask gains bits
   k .. j-1 at once.  The side table is indexed in granules from p's:
   the upper half of order i starts 2^i granules above p. */
static inline uintptr_t block_take(hb_heap *h, unsigned k, unsigned mark)
{
    unsigned j = k + bit_ctz(h->mask >> k);
    uintptr_t p = (uintptr_t)list_pop(h, j);
    struct bud_region *r = region_of_hot(h, p);
    unsigned char *at = region_table(r) + region_granule(r, p);
    h->mask |= ((size_t)1 << j) - ((size_t)1 << k);
    while (j > k) {
        j--;
        struct bud_node *upper = (struct bud_node *)(p + order_size(j)), *s = &h->head[j];
        upper->next = upper->prev = s;
        s->next = s->prev = upper;
        at[(size_t)1 << j] = (unsigned char)(BUD_HEAD | BUD_FREE | j);
    }
    *at = (unsigned char)(mark | k);
    return p;
}

/* Gives back the block at p of order k: merges it with its buddies and
   puts the result on its list.  Works on offsets from the origin, with the
   region's fields in locals (the side table's byte stores would otherwise
   force them to be reloaded).  Blocks of the last order never merge (the
   order would not fit the table byte). */
static inline void block_release(hb_heap *h, struct bud_region *r, uintptr_t p, unsigned k)
{
    unsigned char *table = region_table(r);
    const uintptr_t origin = r->origin;
    const size_t lo = r->base - origin, granules = r->span >> BUD_SHIFT;
    size_t off = p - origin, size = order_size(k);
    unsigned want = BUD_HEAD | BUD_FREE | k;
    table[(off - lo) >> BUD_SHIFT] = 0; /* rewritten below if p stays the head */
    for (; k < BUD_ORDERS - 1; k++, size <<= 1, want++) {
        size_t bi = ((off ^ size) - lo) >> BUD_SHIFT; /* the buddy's granule; huge if below base */
        if (bi >= granules || table[bi] != want)
            break;
        list_unlink(h, (struct bud_node *)(origin + (off ^ size)), k);
        table[bi] = 0;
        off &= ~size;
    }
    table[(off - lo) >> BUD_SHIFT] = (unsigned char)want;
    list_push(h, origin + off, k);
}

/* A heap block for a region descriptor of `bytes`, without growing; NULL if
   no free block is large enough.  Its bytes count as metadata. */
static struct bud_region *descriptor_alloc(hb_heap *h, size_t bytes, size_t *got)
{
    if (bytes > BUD_MAX_BLOCK)
        return NULL;
    unsigned k = order_for_bytes(bytes);
    if (!(h->mask >> k))
        return NULL;
    uintptr_t p = block_take(h, k, BUD_HEAD | BUD_META);
    h->meta += order_size(k);
    *got = order_size(k);
    return (struct bud_region *)p;
}

static void descriptor_free(hb_heap *h, struct bud_region *d)
{
    uintptr_t p = (uintptr_t)d;
    struct bud_region *owner = region_of(h, p);
    unsigned k = region_table(owner)[region_granule(owner, p)] & BUD_ORDER_MASK;
    h->meta -= order_size(k);
    block_release(h, owner, p, k);
}

/* The origin of a span: a 4096-aligned point at or below base, chosen so
   that the span holds a block of the largest power of two 2^K <= its
   length.  The boundary at or below base does unless base sits just past
   it; then the origin goes 2^K below the last 4096 boundary that leaves
   2^K bytes above it (the big block is carved at the span's top). */
static uintptr_t region_origin(uintptr_t base, uintptr_t end)
{
    uintptr_t low = hb_align_down(base, BUD_ORIGIN_ALIGN);
    size_t big = (size_t)1 << bit_msb((size_t)(end - base));
    if (big > BUD_MAX_BLOCK)
        big = BUD_MAX_BLOCK;
    if (big <= BUD_ORIGIN_ALIGN || low + hb_align_up(base - low, big) + big <= end)
        return low;
    uintptr_t top = hb_align_down(end - big, BUD_ORIGIN_ALIGN);
    return top >= base ? top - big : low;
}

/* Inserts region r (descriptor placed) for the block [start, start+len) with
   span [base, end) and frees the whole span. */
static void region_add(hb_heap *h, struct bud_region *r, uintptr_t start, size_t len, size_t pages, uintptr_t base,
                       uintptr_t end, size_t desc_bytes)
{
    r->origin = region_origin(base, end);
    r->base = base;
    r->end = end;
    r->span = end - base;
    r->start = start;
    r->len = len;
    r->pages = pages;
    r->desc_bytes = desc_bytes;
    memset(region_table(r), 0, (end - base) >> BUD_SHIFT);
    struct bud_region **link = &h->regions;
    while (*link && region_span(*link) >= region_span(r))
        link = &(*link)->next;
    r->next = *link;
    *link = r;
    h->nregions++;
    h->pool += len;
    h->meta += len - (end - base);
    for (uintptr_t p = base; p < end;) {
        unsigned k = carve_order(r, p);
        block_make_free(h, r, p, k);
        p += order_size(k);
    }
}

/* Should a region of len bytes keep its descriptor in the heap?  Only when
   the descriptor at the block's tail would leave too little span for a
   block of `target` bytes at offset 0 (page-aligned blocks are their own
   origin), and the heap has a free block for it now: a descriptor in the
   heap is rounded up to a power of two, which wastes more. */
static int descriptor_goes_in_heap(const hb_heap *h, size_t len, size_t target)
{
    if (tail_layout_granules(0, len) << BUD_SHIFT >= target)
        return 0;
    size_t d = descriptor_bytes(len & ~(size_t)(BUD_MIN - 1));
    return d <= BUD_MAX_BLOCK && (h->mask >> order_for_bytes(d)) != 0;
}

/* Adds the page-aligned block [s, s+len) as a region that should hold a
   block of `target` bytes.  0 if the block is too small. */
static int region_attach(hb_heap *h, uintptr_t s, size_t len, size_t pages, size_t target)
{
    size_t span = len & ~(size_t)(BUD_MIN - 1), got = 0;
    struct bud_region *r = NULL;
    if (descriptor_goes_in_heap(h, len, target))
        r = descriptor_alloc(h, descriptor_bytes(span), &got);
    if (!r) {
        size_t n = tail_layout_granules(s, s + len);
        if (!n)
            return 0;
        span = n << BUD_SHIFT;
        r = (struct bud_region *)(s + span);
    }
    region_add(h, r, s, len, pages, s, s + span, got);
    return 1;
}

/* Page multiple >= at_least holding a block of `block` bytes at offset 0,
   with the descriptor wherever region_attach will put it. */
static size_t grow_len(const hb_heap *h, size_t block, size_t at_least)
{
    size_t page = h->cfg.page_size;
    size_t len = hb_align_up(block > at_least ? block : at_least, page);
    if (tail_layout_granules(0, len) << BUD_SHIFT >= block || descriptor_goes_in_heap(h, len, block))
        return len;
    len = hb_align_up(block + block / BUD_MIN + sizeof(struct bud_region) + 2 * (size_t)BUD_MIN, page);
    while (tail_layout_granules(0, len) << BUD_SHIFT < block)
        len += page;
    return len;
}

/* Asks the memory manager for a region holding a block of order k, first
   with half the pool more, then a quarter, ... so that the region count
   stays logarithmic even near the manager's limit.  1 on success. */
static int heap_grow(hb_heap *h, unsigned k)
{
    size_t block = order_size(k), page = h->cfg.page_size;
    if (!h->can_grow || block > SIZE_MAX / 4 || h->pool / 2 > SIZE_MAX / 4)
        return 0;
    size_t need = grow_len(h, block, 0), len;
    void *mem = NULL;
    for (size_t extra = h->pool / 2; !mem; extra /= 2) {
        len = grow_len(h, block, extra);
        mem = h->cfg.get_pages(h->cfg.mm, len / page);
        if (len == need)
            break;
    }
    if (!mem)
        return 0;
    if (!region_attach(h, (uintptr_t)mem, len, len / page, block)) {
        h->cfg.put_pages(h->cfg.mm, mem, len / page); /* cannot happen: grow_len sized it */
        return 0;
    }
    return (h->mask >> k) != 0;
}

/* Is region r wholly free?  Then merging has restored its carve: each
   maximal block is a free head of its order.  O(log span). */
static int region_wholly_free(const struct bud_region *r)
{
    const unsigned char *table = region_table(r);
    for (uintptr_t p = r->base; p < r->end;) {
        unsigned k = carve_order(r, p);
        if (table[region_granule(r, p)] != (BUD_HEAD | BUD_FREE | k))
            return 0;
        p += order_size(k);
    }
    return 1;
}

/* Takes a wholly free region's blocks (its carve: merging restores exactly
   the maximal blocks) off the free lists, then gives back its descriptor
   and its block.  The region is already off the region list. */
static size_t region_release(hb_heap *h, struct bud_region *r)
{
    for (uintptr_t p = r->base; p < r->end;) {
        unsigned k = carve_order(r, p);
        list_unlink(h, (struct bud_node *)p, k);
        p += order_size(k);
    }
    h->nregions--;
    h->pool -= r->len;
    h->meta -= r->len - region_span(r);
    void *block = (void *)r->start;
    size_t len = r->len, pages = r->pages;
    if (r->desc_bytes)
        descriptor_free(h, r);
    h->cfg.put_pages(h->cfg.mm, block, pages);
    return len;
}

/* ---- operations ---- */

static hb_heap *buddy_create(void *block, size_t len, const struct hb_config *cfg)
{
    uintptr_t s = (uintptr_t)block;
    if (!block || s % HB_DEFAULT_ALIGN || len < BUD_HEAP_SIZE || s + len < s)
        return NULL;
    uintptr_t base = hb_align_up(s + BUD_HEAP_SIZE, BUD_MIN); /* the block is only default-aligned */
    size_t n = tail_layout_granules(base, s + len);
    if (!n)
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    for (unsigned k = 0; k < BUD_ORDERS; k++)
        list_init_empty(&h->head[k]);
    if (cfg)
        h->cfg = *cfg;
    h->can_grow =
        h->cfg.get_pages && h->cfg.put_pages && hb_is_pow2(h->cfg.page_size) && h->cfg.page_size >= BUD_ORIGIN_ALIGN;
    h->initial = (struct bud_region *)(base + (n << BUD_SHIFT));
    region_add(h, h->initial, s, len, 0, base, base + (n << BUD_SHIFT), 0);
    set_last(h, h->initial);
    return h;
}

static BUD_SLOW void *alloc_failed(hb_heap *h)
{
    h->failures++;
    return NULL;
}

/* Takes a block of order k, which a list holds, for the caller. */
static inline void *alloc_take(hb_heap *h, unsigned k)
{
    uintptr_t p = block_take(h, k, BUD_HEAD);
    h->granted += order_size(k);
    h->allocs++;
    return (void *)p;
}

/* alloc when no list holds a block of order k: grow, then take. */
static BUD_OUTLINE void *alloc_grow(hb_heap *h, unsigned k)
{
    return heap_grow(h, k) ? alloc_take(h, k) : alloc_failed(h);
}

static void *buddy_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)tag;
    size_t a = hb_effective_align(align, BUD_MAX_ALIGN);
    if (BUD_UNLIKELY(!a || size > BUD_MAX_BLOCK))
        return alloc_failed(h);
    unsigned k = order_for_bytes(size > a ? size : a); /* size 0 gets order 0 */
    if (BUD_UNLIKELY(!(h->mask >> k)))
        return alloc_grow(h, k);
    return alloc_take(h, k);
}

static int buddy_free(hb_heap *h, void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    struct bud_region *r = h->last; /* region_of_hot, with NULL (in no region) told apart on the miss */
    if (BUD_UNLIKELY(!last_holds(h, p))) {
        if (!ptr)
            return HB_OK;
        if (!(r = region_of_miss(h, p)))
            return HB_EBADPTR;
    }
    if (p & (BUD_MIN - 1))
        return HB_EBADPTR;
    unsigned e = region_table(r)[region_granule(r, p)];
    if ((e & (BUD_HEAD | BUD_FREE | BUD_META)) != BUD_HEAD)
        return HB_EBADPTR; /* inside a block, already free, or a descriptor */
    unsigned k = e & BUD_ORDER_MASK;
    h->granted -= order_size(k);
    h->frees++;
    block_release(h, r, p, k);
    return HB_OK;
}

static int buddy_expand(hb_heap *h, void *block, size_t len)
{
    size_t page = h->cfg.page_size;
    uintptr_t s = (uintptr_t)block;
    if (!block || !hb_is_pow2(page) || s % page || len < page || len % page || s + len < s)
        return HB_EINVAL;
    for (const struct bud_region *r = h->regions; r; r = r->next)
        if (s < r->start + r->len && r->start < s + len)
            return HB_EINVAL; /* overlaps a block the heap holds */
    return region_attach(h, s, len, len / page, (size_t)1 << bit_msb(len)) ? HB_OK : HB_EINVAL;
}

/* Returns every wholly free region but the initial one; repeats while a
   pass returned something, since a region holding another's descriptor
   empties only once that one is gone. */
static size_t buddy_contract(hb_heap *h)
{
    size_t returned = 0;
    int again = h->cfg.put_pages != NULL;
    while (again) {
        again = 0;
        struct bud_region **link = &h->regions;
        while (*link) {
            struct bud_region *r = *link;
            if (r == h->initial || !region_wholly_free(r)) {
                link = &r->next;
                continue;
            }
            *link = r->next;
            if (h->last == r)
                set_last(h, h->initial);
            returned += region_release(h, r);
            again = 1;
        }
    }
    return returned;
}

static void buddy_stats(const hb_heap *h, struct hb_stats *s)
{
    memset(s, 0, sizeof *s);
    s->pool_bytes = h->pool;
    s->meta_bytes = h->meta;
    s->granted_bytes = h->granted;
    s->free_bytes = h->pool - h->meta - h->granted;
    s->largest_free = h->mask ? order_size(bit_msb(h->mask)) : 0;
    s->blocks = h->nregions;
    s->live = (size_t)(h->allocs - h->frees);
    s->allocs = h->allocs;
    s->frees = h->frees;
    s->failures = h->failures;
}

static int buddy_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    for (const struct bud_region *r = h->regions; r; r = r->next) {
        const unsigned char *table = region_table(r);
        uintptr_t p = r->base;
        while (p < r->end) {
            unsigned e = table[region_granule(r, p)];
            if (!(e & BUD_HEAD))
                break; /* corrupt; check() says so */
            size_t bytes = order_size(e & BUD_ORDER_MASK);
            if (!(e & (BUD_FREE | BUD_META))) {
                struct hb_block_info info = {(void *)p, 0, bytes, NULL};
                int rc = fn(&info, ctx);
                if (rc)
                    return rc;
            }
            p += bytes;
        }
    }
    return HB_OK;
}

static size_t buddy_usable_size(const hb_heap *h, const void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    const struct bud_region *r = region_of(h, p);
    if (!r || (p & (BUD_MIN - 1)))
        return 0;
    unsigned e = region_table(r)[region_granule(r, p)];
    return (e & (BUD_HEAD | BUD_FREE | BUD_META)) == BUD_HEAD ? order_size(e & BUD_ORDER_MASK) : 0;
}

/* ---- check ---- */

struct bud_tally {
    size_t per_order[BUD_ORDERS]; /* free blocks */
    size_t granted, live, meta_blocks, free_bytes;
};

/* One region's side table: heads tile [base, end); every block is aligned
   to its size relative to the origin and inside the span; inner granules
   are 0; no two free buddies of the same order (they would have merged);
   the free bytes match. */
static const char *check_region(const struct bud_region *r, struct bud_tally *t)
{
    const unsigned char *table = region_table(r);
    if (r->base % BUD_MIN || r->end % BUD_MIN || r->base >= r->end || r->origin % BUD_ORIGIN_ALIGN ||
        r->origin > r->base)
        return "region span or origin misaligned or empty";
    if (r->span != r->end - r->base)
        return "region span field disagrees with its bounds";
    if (r->base < r->start || r->end > r->start + r->len)
        return "region span leaves its block";
    if (!r->desc_bytes &&
        ((uintptr_t)r < r->end || (uintptr_t)(table + (region_span(r) >> BUD_SHIFT)) > r->start + r->len))
        return "embedded descriptor overlaps the span or leaves the block";
    uintptr_t p = r->base;
    while (p < r->end) {
        unsigned e = table[region_granule(r, p)];
        if (!(e & BUD_HEAD))
            return "side table: a block does not start where the previous one ends";
        if ((e & BUD_FREE) && (e & BUD_META))
            return "side table: block marked both free and descriptor";
        unsigned k = e & BUD_ORDER_MASK;
        if (k >= BUD_ORDERS)
            return "side table: order out of range";
        size_t bytes = order_size(k);
        if ((p - r->origin) & (bytes - 1))
            return "side table: block not aligned to its size";
        if (bytes > r->end - p)
            return "side table: block runs past the span's end";
        for (size_t g = 1; g < bytes >> BUD_SHIFT; g++)
            if (table[region_granule(r, p) + g])
                return "side table: marker inside a block";
        if (e & BUD_FREE) {
            t->free_bytes += bytes;
            t->per_order[k]++;
            uintptr_t buddy = buddy_of(r, p, bytes);
            if (region_holds(r, buddy) && table[region_granule(r, buddy)] == e)
                return "two free buddies of the same order were not merged";
        } else if (e & BUD_META) {
            t->meta_blocks += bytes;
        } else {
            t->granted += bytes;
            t->live++;
        }
        p += bytes;
    }
    return NULL;
}

/* A descriptor kept in the heap is a descriptor block of the right size. */
static const char *check_descriptor(const hb_heap *h, const struct bud_region *r)
{
    if (!r->desc_bytes)
        return NULL;
    uintptr_t p = (uintptr_t)r;
    const struct bud_region *owner = region_of(h, p);
    if (!owner || owner == r)
        return "descriptor outside every other region";
    unsigned e = region_table(owner)[region_granule(owner, p)];
    if ((e & ~BUD_ORDER_MASK) != (BUD_HEAD | BUD_META) || order_size(e & BUD_ORDER_MASK) != r->desc_bytes ||
        r->desc_bytes < descriptor_bytes(region_span(r)))
        return "descriptor block is not marked as such or is too small";
    return NULL;
}

/* Every free-list node is a free head of its order; links are consistent;
   list lengths match the side tables; the mask matches the lists. */
static const char *check_lists(const hb_heap *h, const size_t *per_order)
{
    for (unsigned k = 0; k < BUD_ORDERS; k++) {
        const struct bud_node *s = &h->head[k];
        if ((s->next == s) != !(h->mask & ((size_t)1 << k)))
            return "non-empty mask disagrees with the free lists";
        size_t n = 0;
        const struct bud_node *prev = s;
        for (const struct bud_node *x = s->next; x != s; prev = x, x = x->next) {
            if (++n > per_order[k])
                return "free list longer than the free blocks of its order (or cyclic)";
            uintptr_t p = (uintptr_t)x;
            const struct bud_region *r = region_of(h, p);
            if (!r || p % BUD_MIN)
                return "free-list node outside every region";
            if (region_table(r)[region_granule(r, p)] != (BUD_HEAD | BUD_FREE | k))
                return "free-list node is not a free block of its list's order";
            if (x->prev != prev)
                return "free list: broken prev link";
        }
        if (s->prev != prev)
            return "free list: sentinel's prev is not the last node";
        if (n != per_order[k])
            return "a free block is missing from its free list";
    }
    if ((h->mask >> (BUD_ORDERS - 1)) >> 1)
        return "non-empty mask has bits beyond the last order";
    return NULL;
}

static int buddy_check(const hb_heap *h, char *msg, size_t msg_len)
{
    struct bud_tally t;
    memset(&t, 0, sizeof t);
    size_t pool = 0, meta = 0, desc = 0, n = 0;
    int initial_seen = 0, last_seen = 0;
    const char *why = NULL;
    for (const struct bud_region *r = h->regions; r && !why; r = r->next) {
        if (++n > h->nregions)
            return hb_report(msg, msg_len, "region list longer than the region count (or cyclic)");
        if (r->next && region_span(r->next) > region_span(r))
            why = "region list not ordered by span";
        else if (!(why = check_region(r, &t)))
            why = check_descriptor(h, r);
        initial_seen |= r == h->initial;
        last_seen |= r == h->last;
        pool += r->len;
        meta += r->len - region_span(r);
        desc += r->desc_bytes;
    }
    if (why)
        return hb_report(msg, msg_len, why);
    if (!initial_seen || h->initial->desc_bytes || h->initial->pages)
        return hb_report(msg, msg_len, "the initial region is missing or not the initial block");
    if (!last_seen || h->last_base != h->last->base || h->last_span != h->last->span)
        return hb_report(msg, msg_len, "the last-touched region is not in the list, or its copied span is stale");
    if (desc != t.meta_blocks)
        return hb_report(msg, msg_len, "descriptor blocks in the side tables disagree with the regions");
    if (n != h->nregions || pool != h->pool || meta + desc != h->meta)
        return hb_report(msg, msg_len, "region totals disagree with the heap's counters");
    if (t.granted != h->granted || t.live != h->allocs - h->frees)
        return hb_report(msg, msg_len, "granted/live counters disagree with the side tables");
    if (h->pool != h->meta + h->granted + t.free_bytes)
        return hb_report(msg, msg_len, "stats identity broken: pool != meta + granted + free blocks");
    why = check_lists(h, t.per_order);
    return why ? hb_report(msg, msg_len, why) : HB_OK;
}

const struct hb_heap_ops hb_heap_buddy = {
    .name = "buddy",
    .summary = "binary buddy: per-order free lists, ctz mask, 1-byte side table, no headers",
    .caps = HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_WALK | HB_CAP_CHECK | HB_CAP_DETECT_BAD_FREE |
            HB_CAP_EXACT_FIT,
    .max_align = BUD_MAX_ALIGN,
    .min_initial = 1024,
    .create = buddy_create,
    .alloc = buddy_alloc,
    .free = buddy_free,
    .expand = buddy_expand,
    .contract = buddy_contract,
    .stats = buddy_stats,
    .walk = buddy_walk,
    .check = buddy_check,
    .usable_size = buddy_usable_size,
};

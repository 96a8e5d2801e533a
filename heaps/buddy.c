/*
 * buddy.c - binary buddy allocator with per-order free lists, a non-empty
 * mask and a one-byte-per-granule side table (no per-allocation header).
 *
 * Algorithm
 *   Memory is handed out in blocks of MIN << k bytes ("order k"), MIN being
 *   16 bytes or HB_DEFAULT_ALIGN if larger.  Block addresses are absolute:
 *   a block of order k starts at an address that is a multiple of its size,
 *   and its buddy is simply (address XOR size).  Each pool block given to
 *   the heap is one "region"; its usable span [base, end) need not be a
 *   power of two nor start on a large boundary: it is carved greedily into
 *   maximal naturally aligned power-of-two blocks.  alloc takes the order
 *   k = ceil(log2(max(size, align, MIN))) - log2(MIN), finds the smallest
 *   non-empty order j >= k with one count-trailing-zeros on the mask, pops
 *   that block and splits it down to k, pushing each upper half.  free finds
 *   the block's order in the side table and merges while the buddy lies in
 *   the same region, is free and has the same order.  Merges never leave a
 *   region, so regions need not be contiguous or in address order.
 *
 * Alignment
 *   Because blocks are aligned to their size in absolute terms, any
 *   alignment up to max_align = 1 MiB is served by choosing an order whose
 *   size is >= the alignment; no padding is ever needed.  When expanding,
 *   the region asked for is big enough to hold such a block whatever page
 *   address the memory manager picks (twice the block size past the
 *   region's metadata when the block is larger than a page).
 *
 * Data structures
 *   struct hb_heap (start of the initial block): the non-empty mask (one
 *   bit per order), the heads of the doubly linked free lists (one per
 *   order, threaded through the free blocks themselves: next and prev, so a
 *   16-byte block holds its node even on 64-bit), the region list, the
 *   config and the counters.  Each region starts with a struct bud_region
 *   (its span, its free bytes) followed by its side table: one byte per MIN
 *   granule of [base, end).  A byte is 0 inside a block; at a block's first
 *   granule it is HEAD | order, plus FREE if the block is free.  The
 *   "allocated start" marker is HEAD without FREE: free() needs no header
 *   and rejects anything else.
 *
 * Metadata
 *   Per allocation: none beyond the side table's byte per 16-byte granule
 *   (1/16 of the pool, 6.25%; rounding to a power of two is the real cost:
 *   up to ~50% internal waste, reported as granted bytes since the whole
 *   block is usable).  Global: struct hb_heap, 64-bit 624 bytes (60 orders),
 *   32-bit 176 bytes (28 orders); per region 56 bytes (64-bit) or 28
 *   (32-bit) plus its side table, rounded up to MIN.
 *
 * Worst-case cost
 *   alloc: O(1) search (mask + ctz) + O(log n) split + region lookup;
 *   free: region lookup + O(log n) merge.  The region lookup scans the
 *   region list (largest region first): O(R).  Growth asks the memory
 *   manager for max(need, pool / 2), so R stays O(log pool) unless the
 *   caller expands by many small blocks or the manager is nearly full.
 *   expand/contract: O(R + log n); walk/check: O(n).
 *
 * Trade-offs
 *   Fast and simple, with cheap coalescing and no headers, but internal
 *   fragmentation up to half a block, and free memory split across regions
 *   cannot combine.  The side table holds no room for the requested size
 *   or a tag.  Capabilities lacking: HB_CAP_TAGS and HB_CAP_REQUESTED (the
 *   byte per granule keeps only the order and two flags), and
 *   HB_CAP_DETECT_OVERWRITE (no red zones: a block is used up to its end).
 */
#include <limits.h>
#include <string.h>

#include "heap.h"

/* Granule and smallest block: 16 bytes, or the default alignment if larger. */
enum { BUD_MIN = HB_DEFAULT_ALIGN > 16 ? (int)HB_DEFAULT_ALIGN : 16 };
enum { BUD_SHIFT = BUD_MIN == 16 ? 4 : BUD_MIN == 32 ? 5 : BUD_MIN == 64 ? 6 : 7 };
_Static_assert(BUD_MIN == 1 << BUD_SHIFT, "granule must be a power of two up to 128");
/* Orders 0 .. BUD_ORDERS-1; the largest block is half the address space. */
enum { BUD_ORDERS = (int)(sizeof(size_t) * CHAR_BIT) - BUD_SHIFT };
_Static_assert(BUD_ORDERS <= 63, "order must fit in the side table's 6 bits");

#define BUD_MAX_BLOCK ((size_t)BUD_MIN << (BUD_ORDERS - 1))
#define BUD_MAX_ALIGN ((size_t)1 << 20)

/* Side-table byte. */
enum { BUD_HEAD = 0x80, BUD_FREE = 0x40, BUD_ORDER_MASK = 0x3f };

struct bud_node {
    struct bud_node *next, *prev;
};
_Static_assert(sizeof(struct bud_node) <= BUD_MIN, "a free node must fit in the smallest block");

struct bud_region {
    struct bud_region *next;
    uintptr_t base, end; /* the buddy span: MIN-aligned, one table byte per granule */
    uintptr_t start;     /* the block as given */
    size_t len;
    size_t pages; /* 0 for the initial block, never given back */
    size_t free;  /* bytes in free blocks of this region */
    /* the side table follows */
};

struct hb_heap {
    size_t mask; /* bit k set iff head[k] is not empty */
    struct bud_node *head[BUD_ORDERS];
    struct bud_region *regions; /* by capacity, largest first */
    struct bud_region *initial;
    struct hb_config cfg;
    int can_grow;
    size_t nregions, pool, meta, padding, free, granted, live;
    uint64_t allocs, frees, failures;
};

#define BUD_HEAP_SIZE hb_align_up(sizeof(struct hb_heap), HB_DEFAULT_ALIGN)

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
static inline size_t region_capacity(const struct bud_region *r)
{
    return r->end - r->base;
}
static inline int region_holds(const struct bud_region *r, uintptr_t p)
{
    return p - r->base < r->end - r->base;
}

/* The region whose buddy span holds p, or NULL. */
static inline struct bud_region *region_of(const hb_heap *h, uintptr_t p)
{
    struct bud_region *r = h->regions;
    while (r && !region_holds(r, p))
        r = r->next;
    return r;
}

/* Where the buddy span of a region lies when its header is at hdr inside the
   block [start, start+len): the table follows the header, base is the next
   granule after the table, and the table has a byte per granule of the span.
   0 if not even one granule fits. */
static int region_layout(uintptr_t hdr, uintptr_t start, size_t len, uintptr_t *base, uintptr_t *end)
{
    uintptr_t table = hdr + sizeof(struct bud_region);
    uintptr_t limit = hb_align_down(start + len, BUD_MIN);
    if (table >= limit)
        return 0;
    size_t n = (limit - table) / (BUD_MIN + 1); /* table bytes + granules fit */
    uintptr_t b = hb_align_up(table + n, BUD_MIN);
    if (b >= limit)
        return 0;
    size_t fit = (limit - b) >> BUD_SHIFT;
    if (fit < n)
        n = fit;
    if (n == 0)
        return 0;
    *base = b;
    *end = b + (n << BUD_SHIFT);
    return 1;
}

/* Order of the maximal naturally aligned block at p that ends by end. */
static inline unsigned carve_order(uintptr_t p, uintptr_t end)
{
    unsigned by_align = bit_ctz((size_t)p) - BUD_SHIFT;
    unsigned by_room = bit_msb((size_t)(end - p)) - BUD_SHIFT;
    unsigned k = by_align < by_room ? by_align : by_room;
    return k < BUD_ORDERS - 1 ? k : BUD_ORDERS - 1;
}

/* ---- free lists ---- */

static inline void list_push(hb_heap *h, uintptr_t p, unsigned k)
{
    struct bud_node *n = (struct bud_node *)p;
    n->prev = NULL;
    n->next = h->head[k];
    if (n->next)
        n->next->prev = n;
    h->head[k] = n;
    h->mask |= (size_t)1 << k;
}

static inline void list_unlink(hb_heap *h, struct bud_node *n, unsigned k)
{
    if (n->prev)
        n->prev->next = n->next;
    else
        h->head[k] = n->next;
    if (n->next)
        n->next->prev = n->prev;
    if (!h->head[k])
        h->mask &= ~((size_t)1 << k);
}

static inline struct bud_node *list_pop(hb_heap *h, unsigned k)
{
    struct bud_node *n = h->head[k];
    h->head[k] = n->next;
    if (n->next)
        n->next->prev = NULL;
    else
        h->mask &= ~((size_t)1 << k);
    return n;
}

/* Marks the block at p free with order k and puts it on its list. */
static inline void block_make_free(hb_heap *h, struct bud_region *r, uintptr_t p, unsigned k)
{
    region_table(r)[region_granule(r, p)] = (unsigned char)(BUD_HEAD | BUD_FREE | k);
    list_push(h, p, k);
}

/* Splits the free-list-detached block p of order j down to order k, freeing
   each upper half. */
static inline void block_split(hb_heap *h, struct bud_region *r, uintptr_t p, unsigned j, unsigned k)
{
    while (j > k) {
        j--;
        block_make_free(h, r, p + order_size(j), j);
    }
}

/* Inserts a region (header already placed) and frees its whole span. */
static void region_add(hb_heap *h, struct bud_region *r, uintptr_t start, size_t len, size_t pages, uintptr_t base,
                       uintptr_t end)
{
    r->base = base;
    r->end = end;
    r->start = start;
    r->len = len;
    r->pages = pages;
    r->free = end - base;
    memset(region_table(r), 0, (end - base) >> BUD_SHIFT);
    struct bud_region **link = &h->regions;
    while (*link && region_capacity(*link) >= region_capacity(r))
        link = &(*link)->next;
    r->next = *link;
    *link = r;
    h->nregions++;
    h->pool += len;
    h->meta += base - start;
    h->padding += start + len - end;
    h->free += end - base;
    for (uintptr_t p = base; p < end; p += order_size(carve_order(p, end)))
        block_make_free(h, r, p, carve_order(p, end));
}

/* Could a region of len bytes at any page-aligned address hold a naturally
   aligned block of `block` bytes? */
static int region_len_fits(size_t len, size_t block, size_t page)
{
    uintptr_t base, end;
    if (!region_layout(0, 0, len, &base, &end))
        return 0;
    size_t room = end - base;
    if (block <= page) /* the block's alignment is the same at every page */
        return hb_align_up(base, block) + block <= end;
    return room >= 2 * block - BUD_MIN; /* worst case: base just past a boundary */
}

/* Smallest page multiple that fits a block of `block` bytes. */
static size_t region_len_for(size_t block, size_t page)
{
    size_t len = hb_align_up(sizeof(struct bud_region) + 2 * BUD_MIN + block + block / BUD_MIN, page);
    while (!region_len_fits(len, block, page))
        len += page;
    return len;
}

/* Asks the memory manager for a region holding a block of order k (and
   preferably half the pool more, so the region count stays logarithmic).
   1 on success. */
static int heap_grow(hb_heap *h, unsigned k)
{
    size_t block = order_size(k), page = h->cfg.page_size;
    if (!h->can_grow || block > SIZE_MAX / 4)
        return 0;
    size_t need = region_len_for(block, page);
    size_t want = hb_align_up(h->pool / 2, page);
    void *mem = NULL;
    size_t len = need;
    if (want > need && want <= SIZE_MAX / 4) {
        len = want;
        mem = h->cfg.get_pages(h->cfg.mm, len / page);
    }
    if (!mem) {
        len = need;
        mem = h->cfg.get_pages(h->cfg.mm, len / page);
    }
    if (!mem)
        return 0;
    uintptr_t base, end;
    if (!region_layout((uintptr_t)mem, (uintptr_t)mem, len, &base, &end))
        return 0; /* cannot happen: region_len_for checked the layout */
    region_add(h, mem, (uintptr_t)mem, len, len / page, base, end);
    return (h->mask >> k) != 0;
}

/* ---- operations ---- */

static hb_heap *buddy_create(void *block, size_t len, const struct hb_config *cfg)
{
    uintptr_t s = (uintptr_t)block, base, end;
    if (!block || s % HB_DEFAULT_ALIGN || len < BUD_HEAP_SIZE)
        return NULL;
    uintptr_t hdr = s + BUD_HEAP_SIZE;
    if (!region_layout(hdr, s, len, &base, &end))
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    if (cfg)
        h->cfg = *cfg;
    h->can_grow = h->cfg.get_pages && h->cfg.put_pages && hb_is_pow2(h->cfg.page_size) && h->cfg.page_size >= BUD_MIN;
    h->initial = (struct bud_region *)hdr;
    region_add(h, h->initial, s, len, 0, base, end);
    return h;
}

static void *alloc_failed(hb_heap *h)
{
    h->failures++;
    return NULL;
}

static void *buddy_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)tag;
    size_t a = hb_effective_align(align, BUD_MAX_ALIGN);
    if (!a || size > BUD_MAX_BLOCK)
        return alloc_failed(h);
    unsigned k = order_for_bytes(size > a ? size : a); /* size 0 gets order 0 */
    size_t avail = h->mask >> k;
    if (!avail) {
        if (!heap_grow(h, k))
            return alloc_failed(h);
        avail = h->mask >> k;
    }
    unsigned j = k + bit_ctz(avail);
    uintptr_t p = (uintptr_t)list_pop(h, j);
    struct bud_region *r = region_of(h, p);
    block_split(h, r, p, j, k);
    region_table(r)[region_granule(r, p)] = (unsigned char)(BUD_HEAD | k);
    size_t bytes = order_size(k);
    r->free -= bytes;
    h->free -= bytes;
    h->granted += bytes;
    h->live++;
    h->allocs++;
    return (void *)p;
}

static int buddy_free(hb_heap *h, void *ptr)
{
    if (!ptr)
        return HB_OK;
    uintptr_t p = (uintptr_t)ptr;
    struct bud_region *r = region_of(h, p);
    if (!r || (p & (BUD_MIN - 1)))
        return HB_EBADPTR;
    unsigned char *table = region_table(r);
    size_t i = region_granule(r, p);
    if ((table[i] & (BUD_HEAD | BUD_FREE)) != BUD_HEAD)
        return HB_EBADPTR; /* inside a block, or already free */
    unsigned k = table[i] & BUD_ORDER_MASK;
    size_t bytes = order_size(k);
    r->free += bytes;
    h->free += bytes;
    h->granted -= bytes;
    h->live--;
    h->frees++;
    for (; k < BUD_ORDERS - 1; k++) {
        uintptr_t buddy = p ^ order_size(k);
        if (!region_holds(r, buddy))
            break;
        size_t bi = region_granule(r, buddy);
        if (table[bi] != (BUD_HEAD | BUD_FREE | k))
            break;
        list_unlink(h, (struct bud_node *)buddy, k);
        if (buddy < p) {
            table[i] = 0;
            p = buddy;
            i = bi;
        } else {
            table[bi] = 0;
        }
    }
    table[i] = (unsigned char)(BUD_HEAD | BUD_FREE | k);
    list_push(h, p, k);
    return HB_OK;
}

static int buddy_expand(hb_heap *h, void *block, size_t len)
{
    size_t page = h->cfg.page_size;
    uintptr_t s = (uintptr_t)block, base, end;
    if (!block || !hb_is_pow2(page) || s % page || len < page || len % page)
        return HB_EINVAL;
    for (const struct bud_region *r = h->regions; r; r = r->next)
        if (s < r->start + r->len && r->start < s + len)
            return HB_EINVAL; /* overlaps a block the heap holds */
    if (!region_layout(s, s, len, &base, &end))
        return HB_EINVAL;
    region_add(h, block, s, len, len / page, base, end);
    return HB_OK;
}

/* Takes a wholly free region's blocks (its carve: merging restores exactly
   the maximal blocks) off the free lists and gives the block back. */
static size_t region_release(hb_heap *h, struct bud_region *r)
{
    for (uintptr_t p = r->base; p < r->end; p += order_size(carve_order(p, r->end)))
        list_unlink(h, (struct bud_node *)p, carve_order(p, r->end));
    h->nregions--;
    h->pool -= r->len;
    h->meta -= r->base - r->start;
    h->padding -= r->start + r->len - r->end;
    h->free -= r->end - r->base;
    size_t len = r->len;
    h->cfg.put_pages(h->cfg.mm, (void *)r->start, r->pages);
    return len;
}

static size_t buddy_contract(hb_heap *h)
{
    size_t returned = 0;
    struct bud_region **link = &h->regions;
    while (*link) {
        struct bud_region *r = *link;
        if (r == h->initial || r->free != region_capacity(r) || !h->cfg.put_pages) {
            link = &r->next;
            continue;
        }
        *link = r->next;
        returned += region_release(h, r);
    }
    return returned;
}

static void buddy_stats(const hb_heap *h, struct hb_stats *s)
{
    memset(s, 0, sizeof *s);
    s->pool_bytes = h->pool;
    s->meta_bytes = h->meta;
    s->padding_bytes = h->padding;
    s->granted_bytes = h->granted;
    s->free_bytes = h->free;
    s->largest_free = h->mask ? order_size(bit_msb(h->mask)) : 0;
    s->blocks = h->nregions;
    s->live = h->live;
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
            if (!(e & BUD_FREE)) {
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
    return (e & (BUD_HEAD | BUD_FREE)) == BUD_HEAD ? order_size(e & BUD_ORDER_MASK) : 0;
}

/* Invariants of one region's side table: heads tile [base, end); every block
   is naturally aligned and inside the span; inner granules are 0; no two
   free buddies of the same order (they would have merged); the free bytes
   match.  Counts free blocks per order into per_order. */
static const char *check_region(const struct bud_region *r, size_t *per_order, size_t *granted, size_t *live)
{
    const unsigned char *table = region_table(r);
    if (r->base % BUD_MIN || r->end % BUD_MIN || r->base >= r->end)
        return "region span is not granule-aligned or empty";
    if (r->start > (uintptr_t)r || r->base < (uintptr_t)(table + region_granule(r, r->end)) ||
        r->end > r->start + r->len)
        return "region header, table and span overlap or leave the block";
    size_t free_bytes = 0;
    uintptr_t p = r->base;
    while (p < r->end) {
        unsigned e = table[region_granule(r, p)];
        if (!(e & BUD_HEAD))
            return "side table: a block does not start where the previous one ends";
        unsigned k = e & BUD_ORDER_MASK;
        if (k >= BUD_ORDERS)
            return "side table: order out of range";
        size_t bytes = order_size(k);
        if (p & (bytes - 1))
            return "side table: block not aligned to its size";
        if (bytes > r->end - p)
            return "side table: block runs past the region's end";
        for (size_t g = 1; g < bytes >> BUD_SHIFT; g++)
            if (table[region_granule(r, p) + g])
                return "side table: marker inside a block";
        if (e & BUD_FREE) {
            free_bytes += bytes;
            per_order[k]++;
            uintptr_t buddy = p ^ bytes;
            if (region_holds(r, buddy) && table[region_granule(r, buddy)] == e)
                return "two free buddies of the same order were not merged";
        } else {
            *granted += bytes;
            (*live)++;
        }
        p += bytes;
    }
    if (free_bytes != r->free)
        return "region free-byte count disagrees with its side table";
    return NULL;
}

/* Every free-list node is a free head of its order; links are consistent;
   list lengths match the side tables; the mask matches the lists. */
static const char *check_lists(const hb_heap *h, const size_t *per_order)
{
    for (unsigned k = 0; k < BUD_ORDERS; k++) {
        if (!h->head[k] != !(h->mask & ((size_t)1 << k)))
            return "non-empty mask disagrees with the free lists";
        size_t n = 0;
        const struct bud_node *prev = NULL;
        for (const struct bud_node *x = h->head[k]; x; prev = x, x = x->next) {
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
        if (n != per_order[k])
            return "a free block is missing from its free list";
    }
    return NULL;
}

static int buddy_check(const hb_heap *h, char *msg, size_t msg_len)
{
    size_t per_order[BUD_ORDERS] = {0};
    size_t granted = 0, live = 0, pool = 0, meta = 0, padding = 0, free_bytes = 0, n = 0;
    int initial_seen = 0;
    const char *why = NULL;
    for (const struct bud_region *r = h->regions; r && !why; r = r->next) {
        if (++n > h->nregions)
            return hb_report(msg, msg_len, "region list longer than the region count (or cyclic)");
        if (r->next && region_capacity(r->next) > region_capacity(r))
            why = "region list not ordered by capacity";
        else
            why = check_region(r, per_order, &granted, &live);
        initial_seen |= r == h->initial;
        pool += r->len;
        meta += r->base - r->start;
        padding += r->start + r->len - r->end;
        free_bytes += r->free;
    }
    if (why)
        return hb_report(msg, msg_len, why);
    if (!initial_seen)
        return hb_report(msg, msg_len, "the initial region is not in the region list");
    if (n != h->nregions || pool != h->pool || meta != h->meta || padding != h->padding)
        return hb_report(msg, msg_len, "region totals disagree with the heap's counters");
    if (free_bytes != h->free || granted != h->granted || live != h->live)
        return hb_report(msg, msg_len, "free/granted/live counters disagree with the side tables");
    if (h->pool != h->meta + h->padding + h->granted + h->free)
        return hb_report(msg, msg_len, "stats identity broken: pool != meta + padding + granted + free");
    why = check_lists(h, per_order);
    return why ? hb_report(msg, msg_len, why) : HB_OK;
}

const struct hb_heap_ops hb_heap_buddy = {
    .name = "buddy",
    .summary = "binary buddy: per-order free lists, ctz mask, 1-byte side table, no headers",
    .caps = HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_WALK | HB_CAP_CHECK | HB_CAP_DETECT_BAD_FREE,
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

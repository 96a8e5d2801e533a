/*
 * listheap.c - first fit over an address-ordered free list.
 *
 * Algorithm
 *   Memory is a sequence of blocks, each a multiple of LISTHEAP_ALIGN bytes
 *   starting with a one-unit header that holds the block's size.  Free
 *   blocks are linked in address order through the word after their header.
 *   lh_alloc takes the first free block big enough, splitting off the tail
 *   as a new free block when the rest can hold a block; lh_free puts the
 *   block back in address order and merges it with a free neighbour that
 *   touches it on either side.  Regions added later join the same list.
 *
 * Invariants (lh_check)
 *   The free list is in strictly increasing address order, every free block
 *   lies inside one region, is at least LH_MIN bytes and a multiple of the
 *   unit, and no two free blocks touch (they would have been merged).
 *   lh_check proves a link points into a region before following it, so
 *   corrupted links are reported, not followed.
 *
 * Costs
 *   alloc and free walk the free list: O(free blocks); lh_check
 *   O(free blocks x regions).  Per allocation one unit of header plus
 *   rounding up to the unit; per region a three-word record.
 */
#include "listheap.h"

#include <stdint.h>

#define LH_UNIT ((size_t)LISTHEAP_ALIGN)
#define LH_MIN (2 * LH_UNIT) /* header + the free-list link */

/* A block's header: its first LH_UNIT bytes.  A free block keeps its link
   to the next free block in the unit after the header. */
struct lh_block {
    size_t size; /* whole block, header included */
};

/* Each region starts with a record of its extent, so that lh_check can
   tell a pointer into the heap from a corrupted one before following it. */
struct lh_region {
    struct lh_region *next;
    uintptr_t start, end; /* the blocks: [start, end) */
};

struct listheap {
    struct lh_block *free; /* address order */
    struct lh_region *regions;
    size_t nregions;
    size_t bytes; /* in all regions' blocks */
};

static uintptr_t round_up(uintptr_t x)
{
    return (x + LH_UNIT - 1) & ~(uintptr_t)(LH_UNIT - 1);
}

static void *payload(struct lh_block *b)
{
    return (unsigned char *)b + LH_UNIT;
}

static struct lh_block *block_of(void *p)
{
    return (struct lh_block *)(void *)((unsigned char *)p - LH_UNIT);
}

static struct lh_block **link_of(struct lh_block *b)
{
    return (struct lh_block **)payload(b);
}
static struct lh_block *next_of(const struct lh_block *b)
{
    return *(struct lh_block *const *)(const void *)((const unsigned char *)b + LH_UNIT);
}

static int touches(const struct lh_block *a, const struct lh_block *b)
{
    return (const unsigned char *)a + a->size == (const unsigned char *)b;
}

/* Links b into the free list in address order and merges it with the
   neighbours it touches. */
static void insert_free(struct listheap *h, struct lh_block *b)
{
    struct lh_block *prev = NULL, *next = h->free;
    while (next && next < b) {
        prev = next;
        next = next_of(next);
    }
    *link_of(b) = next;
    if (next && touches(b, next)) {
        b->size += next->size;
        *link_of(b) = next_of(next);
    }
    if (!prev) {
        h->free = b;
    } else if (touches(prev, b)) {
        prev->size += b->size;
        *link_of(prev) = next_of(b);
    } else {
        *link_of(prev) = b;
    }
}

int lh_add_region(struct listheap *h, void *region, size_t size)
{
    uintptr_t rec = round_up((uintptr_t)region);
    uintptr_t start = round_up(rec + sizeof(struct lh_region));
    uintptr_t end = ((uintptr_t)region + size) & ~(uintptr_t)(LH_UNIT - 1);
    if (end < (uintptr_t)region || start < rec || end < start + LH_MIN)
        return -1;
    struct lh_region *r = (struct lh_region *)rec;
    *r = (struct lh_region){h->regions, start, end};
    h->regions = r;
    h->nregions++;
    h->bytes += end - start;
    struct lh_block *b = (struct lh_block *)start;
    b->size = end - start;
    insert_free(h, b);
    return 0;
}

struct listheap *lh_init(void *region, size_t size)
{
    uintptr_t start = round_up((uintptr_t)region);
    uintptr_t first = start + sizeof(struct listheap);
    if (first < start || first - (uintptr_t)region > size)
        return NULL;
    struct listheap *h = (struct listheap *)start;
    *h = (struct listheap){NULL, NULL, 0, 0};
    if (lh_add_region(h, (void *)first, size - (first - (uintptr_t)region)) != 0)
        return NULL;
    return h;
}

void *lh_alloc(struct listheap *h, size_t size)
{
    if (size > SIZE_MAX - 2 * LH_UNIT)
        return NULL;
    size_t need = round_up(size) + LH_UNIT;
    if (need < LH_MIN)
        need = LH_MIN;
    struct lh_block **link = &h->free;
    for (struct lh_block *b = h->free; b; link = link_of(b), b = next_of(b)) {
        if (b->size < need)
            continue;
        if (b->size - need >= LH_MIN) {
            struct lh_block *rest = (struct lh_block *)(void *)((unsigned char *)b + need);
            rest->size = b->size - need;
            *link_of(rest) = next_of(b);
            b->size = need;
            *link = rest;
        } else {
            *link = next_of(b);
        }
        return payload(b);
    }
    return NULL;
}

void lh_free(struct listheap *h, void *ptr)
{
    if (ptr)
        insert_free(h, block_of(ptr));
}

/* Does [p, p+len) lie in the blocks of one region? */
static int inside(const struct listheap *h, uintptr_t p, size_t len)
{
    const struct lh_region *r = h->regions;
    for (size_t i = 0; i < h->nregions; i++, r = r->next)
        if (p >= r->start && p <= r->end && len <= r->end - p)
            return 1;
    return 0;
}

int lh_check(const struct listheap *h)
{
    size_t most = h->bytes / LH_MIN; /* more free blocks than this: a cycle */
    for (const struct lh_block *b = h->free; b; b = next_of(b)) {
        if ((uintptr_t)b % LH_UNIT != 0 || !inside(h, (uintptr_t)b, LH_MIN) || most-- == 0)
            return -1;
        if (b->size < LH_MIN || b->size % LH_UNIT != 0 || !inside(h, (uintptr_t)b, b->size))
            return -1;
        const struct lh_block *next = next_of(b);
        if (next && (next <= b || touches(b, next)))
            return -1;
    }
    return 0;
}

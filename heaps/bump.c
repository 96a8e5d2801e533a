/*
 * bump.c - the watermark ("bump pointer") heap: the floor every other heap
 * is read against.
 *
 * Algorithm
 *   The pool is a list of blocks.  Allocation rounds a watermark up to the
 *   alignment asked for, hands out the bytes above it and moves the
 *   watermark past them.  Free does not give memory back: it only counts.
 *   When the last live allocation is freed the whole pool is empty again and
 *   the watermark drops back to the start of the first block (a "reset"), so
 *   a heap that drains completely recovers all its space.  When the current
 *   block is exhausted the heap moves to the next block of its list, or asks
 *   the memory manager for a new one; the unused tail of the block it leaves
 *   is lost until the next reset.
 *
 * Data structures
 *   struct hb_heap sits at the start of the initial block.  Every block
 *   (the initial one too) starts with a struct bump_block: the next block,
 *   the block's end and its page count.  The heap keeps `top` and `limit`,
 *   the watermark and end of the current block, so the fast path touches
 *   only the heap structure.
 *
 * Metadata
 *   Per allocation: none (no header, so walk and tags are not offered).
 *   Global: sizeof(struct hb_heap) plus one struct bump_block per block.
 *
 * Worst-case cost
 *   alloc: O(1) on the fast path (an align-up, a bounds check, an add);
 *   moving to a new block walks the spare blocks left after a reset, so it
 *   is O(blocks), and rare.  free: O(1) (a reset is O(1) too).
 *
 * Trade-offs
 *   The fastest possible allocator and the smallest, at the price of never
 *   reusing freed memory before a complete drain: fragmentation is
 *   unbounded for any workload whose live set never reaches zero.  It can
 *   tell a double free only when no allocation is live; it keeps no tags.
 *   Capabilities lacking: HB_CAP_FREE (no reuse), WALK, TAGS, REQUESTED,
 *   DETECT_BAD_FREE, DETECT_OVERWRITE.
 */
#include <string.h>

#include "heap.h"

struct bump_block {
    struct bump_block *next;
    uintptr_t end;   /* one past the block's last byte */
    size_t pages;    /* 0 for the initial block, which is never given back */
    size_t len;
};

/* Block header rounded so that the first allocatable byte is aligned. */
#define BUMP_BLOCK_HDR hb_align_up(sizeof(struct bump_block), HB_DEFAULT_ALIGN)

struct hb_heap {
    uintptr_t top;   /* next free byte of the current block */
    uintptr_t limit; /* end of the current block */
    struct bump_block *first, *cur;
    struct hb_config cfg;
    size_t live, granted, padding;
    size_t nblocks, pool;
    uint64_t allocs, frees, failures;
};

#define BUMP_HEAP_SIZE hb_align_up(sizeof(struct hb_heap), HB_DEFAULT_ALIGN)

static uintptr_t block_data_start(const struct bump_block *b) { return (uintptr_t)b + BUMP_BLOCK_HDR; }

static void enter_block(hb_heap *h, struct bump_block *b, uintptr_t start)
{
    h->cur = b;
    h->top = start;
    h->limit = b->end;
}

static struct bump_block *init_block(void *mem, size_t len, size_t pages)
{
    struct bump_block *b = mem;
    b->next = NULL;
    b->end = (uintptr_t)mem + len;
    b->pages = pages;
    b->len = len;
    return b;
}

static hb_heap *bump_create(void *block, size_t len, const struct hb_config *cfg)
{
    if (!block || (uintptr_t)block % HB_DEFAULT_ALIGN || len < BUMP_HEAP_SIZE + BUMP_BLOCK_HDR + HB_DEFAULT_ALIGN)
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    struct bump_block *b = init_block((char *)block + BUMP_HEAP_SIZE, len - BUMP_HEAP_SIZE, 0);
    h->first = b;
    h->nblocks = 1;
    h->pool = len;
    enter_block(h, b, block_data_start(b));
    return h;
}

/* Makes b the block right after cur (the block to move to next). */
static void link_after_cur(hb_heap *h, struct bump_block *b)
{
    b->next = h->cur->next;
    h->cur->next = b;
}

/* A spare block after `cur` that fits (moved to right after cur, so that the
   spares left behind stay after the current block and count as free), or a
   new block from the memory manager. */
static struct bump_block *next_block_for(hb_heap *h, size_t size, size_t align)
{
    for (struct bump_block **link = &h->cur->next; *link; link = &(*link)->next) {
        struct bump_block *b = *link;
        uintptr_t start = hb_align_up(block_data_start(b), align);
        if (start <= b->end && size <= b->end - start) { /* no wrap for huge sizes */
            *link = b->next;
            link_after_cur(h, b);
            return b;
        }
    }
    if (!h->cfg.get_pages || size > SIZE_MAX / 2 - BUMP_BLOCK_HDR - align)
        return NULL;
    size_t need = BUMP_BLOCK_HDR + align + size;
    size_t pages = (need + h->cfg.page_size - 1) / h->cfg.page_size;
    void *mem = h->cfg.get_pages(h->cfg.mm, pages);
    if (!mem)
        return NULL;
    struct bump_block *b = init_block(mem, pages * h->cfg.page_size, pages);
    link_after_cur(h, b);
    h->nblocks++;
    h->pool += b->len;
    return b;
}

/* Hands out [p, p+size) from the current block: the one place the
   watermark moves up. */
static inline void *take_at(hb_heap *h, uintptr_t p, size_t size)
{
    h->padding += p - h->top;
    h->top = p + size;
    h->granted += size;
    h->live++;
    h->allocs++;
    return (void *)p;
}

static void *bump_alloc_slow(hb_heap *h, size_t size, size_t align)
{
    struct bump_block *b = next_block_for(h, size, align);
    if (!b) {
        h->failures++;
        return NULL;
    }
    h->padding += h->limit - h->top; /* the tail left behind is lost until reset */
    enter_block(h, b, block_data_start(b));
    return take_at(h, hb_align_up(h->top, align), size);
}

static void *bump_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)tag;
    align = hb_effective_align(align, 1u << 20);
    if (!align) {
        h->failures++;
        return NULL;
    }
    size += size == 0;
    uintptr_t p = hb_align_up(h->top, align);
    if (p < h->top || p > h->limit || size > h->limit - p)
        return bump_alloc_slow(h, size, align);
    return take_at(h, p, size);
}

static void reset(hb_heap *h)
{
    enter_block(h, h->first, block_data_start(h->first));
    h->granted = 0;
    h->padding = 0;
}

static int bump_free(hb_heap *h, void *ptr)
{
    if (!ptr)
        return HB_OK;
    if (h->live == 0)
        return HB_EBADPTR;
    h->frees++;
    if (--h->live == 0)
        reset(h);
    return HB_OK;
}

static int bump_expand(hb_heap *h, void *block, size_t len)
{
    size_t ps = h->cfg.page_size;
    if (!block || (uintptr_t)block % ps || len < ps || len % ps)
        return HB_EINVAL;
    struct bump_block *b = init_block(block, len, len / ps);
    struct bump_block *last = h->cur;
    while (last->next)
        last = last->next;
    last->next = b;
    h->nblocks++;
    h->pool += len;
    return HB_OK;
}

/* Gives back the spare blocks after the current one (all but the first
   when nothing is live, since then the heap has just reset). */
static size_t bump_contract(hb_heap *h)
{
    size_t returned = 0;
    struct bump_block **link = &h->cur->next;
    while (*link) {
        struct bump_block *b = *link;
        *link = b->next;
        h->nblocks--;
        h->pool -= b->len;
        returned += b->len;
        h->cfg.put_pages(h->cfg.mm, b, b->pages);
    }
    return returned;
}

static void bump_stats(const hb_heap *h, struct hb_stats *s)
{
    memset(s, 0, sizeof *s);
    s->pool_bytes = h->pool;
    s->meta_bytes = BUMP_HEAP_SIZE + h->nblocks * BUMP_BLOCK_HDR;
    s->padding_bytes = h->padding;
    s->granted_bytes = h->granted;
    s->free_bytes = h->limit - h->top;
    s->largest_free = s->free_bytes;
    for (const struct bump_block *b = h->cur->next; b; b = b->next) {
        size_t spare = b->end - block_data_start(b);
        s->free_bytes += spare;
        if (spare > s->largest_free)
            s->largest_free = spare;
    }
    s->blocks = h->nblocks;
    s->live = h->live;
    s->allocs = h->allocs;
    s->frees = h->frees;
    s->failures = h->failures;
}

static int bump_check(const hb_heap *h, char *msg, size_t msg_len)
{
    const char *why = NULL;
    if (h->top < block_data_start(h->cur) || h->top > h->limit)
        why = "watermark outside the current block";
    else if (h->limit != h->cur->end)
        why = "limit is not the current block's end";
    else if (h->live == 0 && (h->cur != h->first || h->granted != 0))
        why = "nothing is live but the heap has not reset";
    return why ? hb_report(msg, msg_len, why) : HB_OK;
}

const struct hb_heap_ops hb_heap_bump = {
    .name = "bump",
    .summary = "watermark allocator, free only counts (resets when empty): the path-length floor",
    .caps = HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_CHECK,
    .max_align = 1u << 20,
    .min_initial = 1024,
    .create = bump_create,
    .alloc = bump_alloc,
    .free = bump_free,
    .expand = bump_expand,
    .contract = bump_contract,
    .stats = bump_stats,
    .check = bump_check,
};

/*
 * bump.c - the watermark ("bump pointer") heap: the floor every other heap
 * is read against.
 *
 * Algorithm
 *   The pool is a list of blocks.  Allocation hands out the bytes above a
 *   watermark and moves the watermark past them, rounded to the default
 *   alignment so that it stays aligned.  Free does not give memory back: it
 *   only counts.  When the last live allocation is freed the whole pool is
 *   empty again and the watermark drops back to the start of the first
 *   block (a "reset"), so a heap that drains completely recovers all its
 *   space.  When the current block is exhausted the heap moves to a spare
 *   block of its list, or asks the memory manager for a new one; the unused
 *   tail of the block it leaves is lost until the next reset.
 *
 * Data structures
 *   struct hb_heap sits at the start of the initial block.  Every block
 *   (the initial one too) starts with a struct bump_block: the next block,
 *   the block's end and its page count.  Blocks before `cur` in the list are
 *   used up, blocks after it are spares.  The fast path touches three words
 *   of the heap: the watermark, the current block's aligned end and the
 *   count of allocations since the last reset.  Everything else the stats
 *   need is derived (used bytes = data bytes - free bytes) or kept by the
 *   slow paths (alignment gaps and lost tails, the 64-bit totals).  The
 *   slow paths are reached through pointers in the heap, so that on MIPS the
 *   fast paths need no PIC gp set-up (a trade-off: a stray write into the
 *   heap structure could redirect a call).
 *
 * Metadata
 *   Per allocation: none (no header, so walk and tags are not offered); a
 *   block's usable size is its size rounded up to HB_DEFAULT_ALIGN.
 *   Global: sizeof(struct hb_heap) (about 20 words) plus one struct
 *   bump_block (4 words, rounded to the alignment) per block.
 *
 * Worst-case cost
 *   alloc: O(1) on the fast path (one bounds check, one add, one count);
 *   size 0, any alignment but 0 and 1, and moving to a new block take
 *   the slow path, which walks the spare blocks left after a reset, so it is
 *   O(blocks), and rare.  free: O(1) (a reset is O(1) too).  Measured in
 *   the heap, call sequence excluded (the bench's path-length meter, MIPS32,
 *   `make bench ARCHES=mips32 HEAPS=bump`): alloc fast path 16
 *   instructions, free 8; the slow path up to 195 (moving to a spare block
 *   after a reset), a free that resets 43.  The target of 15 is met
 *   by neither the fast alloc (16) nor the worst paths.
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

#define BUMP_MAX_ALIGN ((size_t)1 << 20)
#define BUMP_NOINLINE __attribute__((noinline))

struct bump_block {
    struct bump_block *next;
    uintptr_t end; /* one past the block's last byte */
    size_t pages;  /* 0 for the initial block, which is never given back */
    size_t len;
};

/* Block header rounded so that the first allocatable byte is aligned. */
#define BUMP_BLOCK_HDR hb_align_up(sizeof(struct bump_block), HB_DEFAULT_ALIGN)

struct hb_heap;
typedef void *(*bump_slow_fn)(struct hb_heap *h, size_t size, size_t align);
typedef void (*bump_reset_fn)(struct hb_heap *h);

struct hb_heap {
    uintptr_t top;       /* next free byte of the current block, default-aligned */
    uintptr_t limit;     /* the current block's end, rounded down to the alignment */
    size_t epoch_allocs; /* allocations since the last reset */
    size_t epoch_frees;  /* frees since the last reset */
    bump_slow_fn slow;   /* bump_alloc_slow and reset, called through the heap: on */
    bump_reset_fn reset; /* MIPS a direct call needs the PIC gp set-up on every call */
    struct bump_block *first, *cur;
    struct hb_config cfg;
    size_t gaps;       /* alignment gaps and lost block tails since the reset */
    size_t data_bytes; /* allocatable bytes of all blocks */
    size_t nblocks, pool;
    uint64_t allocs, frees, failures; /* totals up to the last reset (failures: all) */
};

#define BUMP_HEAP_SIZE hb_align_up(sizeof(struct hb_heap), HB_DEFAULT_ALIGN)

static uintptr_t block_data_start(const struct bump_block *b)
{
    return (uintptr_t)b + BUMP_BLOCK_HDR;
}
static uintptr_t block_data_end(const struct bump_block *b)
{
    return hb_align_down(b->end, HB_DEFAULT_ALIGN);
}
static size_t block_data_bytes(const struct bump_block *b)
{
    return block_data_end(b) - block_data_start(b);
}

static void enter_block(hb_heap *h, struct bump_block *b)
{
    h->cur = b;
    h->top = block_data_start(b);
    h->limit = block_data_end(b);
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

static void add_block_bytes(hb_heap *h, const struct bump_block *b)
{
    h->nblocks++;
    h->pool += b->len;
    h->data_bytes += block_data_bytes(b);
}

static void *bump_alloc_slow(hb_heap *h, size_t size, size_t align);
static void reset(hb_heap *h);

static hb_heap *bump_create(void *block, size_t len, const struct hb_config *cfg)
{
    if (!block || (uintptr_t)block % HB_DEFAULT_ALIGN || len < BUMP_HEAP_SIZE + BUMP_BLOCK_HDR + HB_DEFAULT_ALIGN)
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    h->slow = bump_alloc_slow;
    h->reset = reset;
    struct bump_block *b = init_block((char *)block + BUMP_HEAP_SIZE, len - BUMP_HEAP_SIZE, 0);
    h->first = b;
    add_block_bytes(h, b);
    h->pool = len; /* the heap structure is part of the pool too */
    enter_block(h, b);
    return h;
}

/* Makes b the block right after cur (the block to move to next). */
static void link_after_cur(hb_heap *h, struct bump_block *b)
{
    b->next = h->cur->next;
    h->cur->next = b;
}

/* Would [align_up(start), +size) fit before end?  No wrap for huge sizes. */
static int fits(uintptr_t start, uintptr_t end, size_t size, size_t align)
{
    uintptr_t p = hb_align_up(start, align);
    return p >= start && p <= end && size <= end - p;
}

/* A spare block after `cur` that fits (moved to right after cur, so that the
   spares left behind stay after the current block and count as free), or a
   new block from the memory manager. */
static struct bump_block *next_block_for(hb_heap *h, size_t size, size_t align)
{
    for (struct bump_block **link = &h->cur->next; *link; link = &(*link)->next) {
        struct bump_block *b = *link;
        if (fits(block_data_start(b), block_data_end(b), size, align)) {
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
    add_block_bytes(h, b);
    return b;
}

/* Hands out [p, p+size) from the current block: the one place the
   watermark moves up. */
static inline void *take_at(hb_heap *h, uintptr_t p, size_t size)
{
    h->top = p + hb_align_up(size, HB_DEFAULT_ALIGN);
    h->epoch_allocs++;
    return (void *)p;
}

/* Everything the fast path leaves out: size 0, alignments above the default
   (and invalid ones), and a current block that is full. */
static BUMP_NOINLINE void *bump_alloc_slow(hb_heap *h, size_t size, size_t align)
{
    align = hb_effective_align(align, BUMP_MAX_ALIGN);
    size += size == 0;
    if (!align || size > SIZE_MAX - HB_DEFAULT_ALIGN) {
        h->failures++;
        return NULL;
    }
    if (!fits(h->top, h->limit, size, align)) {
        struct bump_block *b = next_block_for(h, size, align);
        if (!b) {
            h->failures++;
            return NULL;
        }
        h->gaps += h->limit - h->top; /* the tail left behind is lost until reset */
        enter_block(h, b);
    }
    uintptr_t p = hb_align_up(h->top, align);
    h->gaps += p - h->top;
    return take_at(h, p, size);
}

/* The fast path: a request for the default alignment (align 0 or 1) that
   fits the current block.  Any other alignment, valid or not, and size 0
   (size - 1 >= room) go to the slow path. */
static void *bump_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)tag;
    uintptr_t top = h->top;
    if (align > 1 || size - 1 >= h->limit - top)
        return h->slow(h, size, align);
    return take_at(h, top, size);
}

static BUMP_NOINLINE void reset(hb_heap *h)
{
    h->allocs += h->epoch_allocs;
    h->frees += h->epoch_frees;
    h->epoch_allocs = h->epoch_frees = 0;
    h->gaps = 0;
    enter_block(h, h->first);
}

static int bump_free(hb_heap *h, void *ptr)
{
    if (!ptr)
        return HB_OK;
    size_t frees = h->epoch_frees;
    if (frees == h->epoch_allocs)
        return HB_EBADPTR; /* nothing is live */
    h->epoch_frees = ++frees;
    if (frees == h->epoch_allocs)
        h->reset(h);
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
    add_block_bytes(h, b);
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
        h->data_bytes -= block_data_bytes(b);
        returned += b->len;
        h->cfg.put_pages(h->cfg.mm, b, b->pages);
    }
    return returned;
}

static void bump_stats(const hb_heap *h, struct hb_stats *s)
{
    memset(s, 0, sizeof *s);
    s->pool_bytes = h->pool;
    s->meta_bytes = h->pool - h->data_bytes;
    s->free_bytes = h->limit - h->top;
    s->largest_free = s->free_bytes;
    for (const struct bump_block *b = h->cur->next; b; b = b->next) {
        size_t spare = block_data_bytes(b);
        s->free_bytes += spare;
        if (spare > s->largest_free)
            s->largest_free = spare;
    }
    s->padding_bytes = h->gaps;
    s->granted_bytes = h->data_bytes - s->free_bytes - h->gaps;
    s->blocks = h->nblocks;
    s->live = h->epoch_allocs - h->epoch_frees;
    s->allocs = h->allocs + h->epoch_allocs;
    s->frees = h->frees + h->epoch_frees;
    s->failures = h->failures;
}

static int bump_check(const hb_heap *h, char *msg, size_t msg_len)
{
    const char *why = NULL;
    if (h->top < block_data_start(h->cur) || h->top > h->limit || h->top % HB_DEFAULT_ALIGN)
        why = "watermark outside the current block, or not aligned";
    else if (h->limit != block_data_end(h->cur))
        why = "limit is not the current block's aligned end";
    else if (h->epoch_frees > h->epoch_allocs)
        why = "more frees than allocations since the last reset";
    else if (h->epoch_allocs == 0 && (h->cur != h->first || h->top != block_data_start(h->first)))
        why = "nothing is live but the heap has not reset";
    return why ? hb_report(msg, msg_len, why) : HB_OK;
}

const struct hb_heap_ops hb_heap_bump = {
    .name = "bump",
    .summary = "watermark allocator, free only counts (resets when empty): the path-length floor",
    .caps = HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_CHECK | HB_CAP_EXACT_FIT,
    .max_align = BUMP_MAX_ALIGN,
    .min_initial = 1024,
    .create = bump_create,
    .alloc = bump_alloc,
    .free = bump_free,
    .expand = bump_expand,
    .contract = bump_contract,
    .stats = bump_stats,
    .check = bump_check,
};

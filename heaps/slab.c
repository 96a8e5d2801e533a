/*
 * slab.c - Bonwick-style object caches over one-page slabs, with large
 * requests served page-granular straight from the memory manager.
 *
 * Algorithm
 *   Requests of at most SLAB_SMALL_MAX (2048) bytes go to one of up to 17
 *   object caches (size classes).  A cache owns slabs: one page each, a
 *   descriptor at the start of the page and equal objects packed against
 *   the page's end.  alloc pops the first free object of the cache's first
 *   partial slab; free finds the slab by masking the pointer down to its
 *   page and pushes the object back (LIFO).  A new slab is set up lazily:
 *   only its first 16 objects are threaded onto its free list, the rest lie
 *   behind a "fresh" cursor, never used; when alloc takes the last object
 *   of the free list, the next 16 at the cursor take its place (so the free
 *   list is empty only in a full slab).  A slab that becomes full leaves
 *   the partial list; one that regains a free object goes back second,
 *   behind the head (as Linux's SLAB adds it behind the others), so the
 *   head keeps filling and no slab flips between full and partial on every
 *   free-alloc pair.
 *   When a slab empties the cache keeps it as hysteresis if it has no other
 *   empty slab, else the page goes to the heap's free-page list at once.
 *   Pages come from the initial block first (whole pages from its first
 *   page boundary after the global data; all are on the free-page list
 *   after create), then one page at a time from get_pages, and last from
 *   the caches' hysteresis slabs (reclaimed only if that makes the request
 *   succeed).  contract() turns every empty slab into a free page, then
 *   gives back every non-initial block whose pages are all free.  Requests
 *   above 2048 bytes, or aligned to 4096, get whole pages: their own block
 *   from get_pages, returned by free at once, or, when the memory manager
 *   refuses (or there is none), a first-fit run of free pages inside a held
 *   block (never its first page, whose descriptor heads the block).  The
 *   pointer is page-aligned; a small record in an internal cache, hashed by
 *   address, lets free find it without a size.
 *
 * Classes
 *   Nominal 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024,
 *   1280, 1536, 2048; each rounded up to the granule G = HB_DEFAULT_ALIGN
 *   (so 8 and 24 merge into 16 and 32 on x86).  Powers of two stay exact:
 *   packed against the page end they are naturally aligned, so an aligned
 *   request (align <= 2048) takes the power-of-two class >= max(size,
 *   align).  Other classes grow to the largest multiple of G that still
 *   fits as many objects per page (x86-64: 768->800, 1280->1328, 1536->
 *   2000).  size -> class is a 257-entry table indexed by (size+7)>>3.
 *
 * Data structures
 *   Every page of every slab-holding block starts with a struct slab:
 *   owner, cache, free-object list, list links (cache partial list or the
 *   free-page list), the block link and page count (used in a block's first
 *   page only), live count and fresh cursor (16 bits each, one word) and
 *   an allocation bitmap with one bit per granule of the page.  A bit is
 *   set exactly at the start of each live object, so free detects in O(1)
 *   a double free, an interior pointer and a pointer into a free page or
 *   to an object never handed out.  Large records: {next, base, pages,
 *   own} in 64 hash buckets in the global data, and a count of the
 *   in-block runs among them.
 *
 * Invariants (check() verifies each)
 *   Every page of a block has our descriptor, unless it lies in a large
 *   run; only a block's first page has a page count.  In a slab, the fresh
 *   cursor is an object boundary past the first object; the bitmap's
 *   population equals the live count, its bits sit only at starts of
 *   objects below the cursor, and the free list holds exactly the other
 *   objects below it, and is empty only if none lies above.  A slab is
 *   on its cache's partial list iff it has a free object; a cache holds at
 *   most one empty slab.  The free-page list holds exactly the free pages.
 *   Every large record is a live object of the record cache; in-block runs
 *   lie inside a block, and their count is the one kept.  The pool is the
 *   sum of the blocks held.
 *
 * Metadata (bytes; i386 / MIPS32 / x86-64)
 *   Per slab page: descriptor 64 / 96 / 96 (meta) plus the page's tail that
 *   holds no whole object (padding).  Per object: none; the class rounding
 *   is part of the granted size.  Per large allocation: a record of
 *   16 / 16 / 32 (header) and the page rounding (granted: usable).
 *   Global: struct hb_heap, 1300 / 1304 / 2080 (class table 514, caches,
 *   64 hash buckets, four slow-path pointers), plus the initial block's
 *   slack before its first page
 *   and after its last page (padding).  Free pages count as free bytes
 *   whole (their descriptor included); largest_free is the longest run of
 *   free pages in one block, else the largest free object.
 *
 * Worst-case cost
 *   alloc and free of a class object: O(1), straight-line code with no
 *   loop but the batch of 16 (below).  Measured exactly (QEMU plugin, call
 *   sequence subtracted) on the cached path, workload hot-64:
 *     cmake -S . -B b -DCMAKE_TOOLCHAIN_FILE=arch/mips32.cmake &&
 *     cmake --build b --target hb-bench hb_qemu_plugin && qemu-mipsel
 *     -plugin b/harness/bench/libhbpath.so,out=/tmp/p.bin
 *     b/harness/bench/hb-bench --pathlen /tmp/p.bin --heap slab --out /tmp/p
 *   (arch/x86.cmake and qemu-i386 likewise): alloc 34 on MIPS32, 27 on
 *   i386; free 33 and 33 (each the median and the p99).  Taking the last
 *   object of a free list costs 40-48 in all when the slab becomes full
 *   (its unlink, inline), about 115 (MIPS32) when pop_last threads the
 *   next batch of 16 never-used objects; freeing into a full slab costs
 *   about 10 more (the relink, 38-46 in all); freeing the last live object
 *   of a slab calls free_done (62-78 in all, the page going back
 *   included).  Setting up a new slab on a free page is O(1): about 150
 *   in all.  On churn the p99 alloc is 43 on MIPS32 and 37 on i386.  The
 *   longest paths over all workloads that reach no memory manager (the
 *   summary's "own", less the call sequence): alloc 219 / 222 (MIPS32 /
 *   i386; align-mixed, an aligned request that sets up a new slab), free
 *   73 / 80 (adv-slab: a slab released to the free pages).  A call that
 *   grows the pool adds one get_pages and O(1): the block list keeps its
 *   tail.  What keeps them short: the rare paths are reached through
 *   pointers in the heap (a call by name costs MIPS PIC code its gp set-up
 *   on every call); free tests hull and granule alignment in one compare
 *   of the rotated offset; x86 sets and tests-and-clears the bitmap bit
 *   with bts/btr; the cached path takes only align 0 or SLAB_GRAN
 *   (others, valid or not, go the slow way); a batch of 16 makes the
 *   refill rare enough to keep both hot-64's p99 (its warm-up included)
 *   and churn's on the cached path or the inline unlink, at the price of
 *   a longer new-slab set-up.
 *   What stays O(n), and why: a large request when the memory manager
 *   refuses searches the blocks for a run of free pages, in one pass
 *   (a second only if reclaiming the hysteresis slabs makes a run; one
 *   more before asking the memory manager for its record's page), after
 *   counting that a page is left for the record (O(pages + classes)) so
 *   that a failure changes nothing,
 *   O(blocks + pages of the blocks long enough), times a hash chain per
 *   page while some in-block run exists (its pages hold user data, no
 *   descriptor, so only the records tell them); an index of free extents
 *   would cost every page taken and given back, for a fallback path.
 *   Large free: O(one hash chain + pages): 64 fixed buckets (no memory to
 *   grow them), and every page of an in-block run gets its descriptor
 *   back.  contract, stats, walk, check: O(pages x hash chain).  stats
 *   derives live and frees by counting, so the fast paths keep only the
 *   allocs counter (64-bit: on 32-bit targets a word and a wrap test).
 *
 * Trade-offs
 *   Fast and fragmentation-bounded for small objects, but a page holding a
 *   single live object stays pinned, the descriptor and tail cost up to
 *   half a page for the big classes (the 2048 class has 1 object a page),
 *   and large requests cost whole pages and a memory-manager call each.
 *   A large run inside a block fragments it for slabs, and the first page
 *   of a block never joins a run.  free reads the word at the page start of
 *   any non-page-aligned pointer inside the address hull of the slab
 *   blocks; a pointer into a large allocation whose first words forge a
 *   descriptor would fool it.  The slow-path pointers live in the global
 *   data inside the managed block (as cfg's get_pages does): a stray write
 *   there redirects control.  Capabilities lacking: TAGS and REQUESTED (they would
 *   need a per-object header, defeating the packing), DETECT_OVERWRITE
 *   (no red zones), EXACT_FIT (a free object serves only its own size
 *   class).  cfg.page_size must be HB_PAGE_SIZE (or 0).
 */
#include <string.h>

#include "heap.h"

#define SLAB_PAGE HB_PAGE_SIZE
#define SLAB_GRAN HB_DEFAULT_ALIGN
#define SLAB_SMALL_MAX ((size_t)2048)
#define SLAB_TABLE_LEN (SLAB_SMALL_MAX / 8 + 1)
#define SLAB_NOMINAL 17
#define SLAB_BUCKETS 64
#define SLAB_BATCH 16 /* never-used objects put on a slab's free list at a time */
#define WORD_BITS (sizeof(size_t) * 8)
#define BITMAP_WORDS (SLAB_PAGE / SLAB_GRAN / WORD_BITS)
#define GRAN_SHIFT                                                                                                     \
    (SLAB_GRAN == 4 ? 2 : SLAB_GRAN == 8 ? 3 : SLAB_GRAN == 16 ? 4 : SLAB_GRAN == 32 ? 5 : SLAB_GRAN == 64 ? 6 : 7)

/* Keeps the rare paths out of line, so the fast paths need no stack frame. */
#if defined(__GNUC__)
#define SLAB_SLOW __attribute__((noinline, cold))
#define SLAB_OUTLINE __attribute__((noinline))
#define SLAB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define SLAB_SLOW
#define SLAB_OUTLINE
#define SLAB_UNLIKELY(x) (x)
#endif

static const unsigned short nominal_sizes[SLAB_NOMINAL] = {8,   16,  24,  32,  48,   64,   96,   128, 192,
                                                           256, 384, 512, 768, 1024, 1280, 1536, 2048};

struct slab_cache;

/* The descriptor at the start of every page of a slab-holding block. */
struct slab {
    const struct hb_heap *owner; /* the heap: tells our pages from others */
    struct slab_cache *cache;    /* NULL while the page is free */
    void *free;                  /* LIFO list threaded through free objects */
    struct slab *next, *prev;    /* cache partial list, or free-page list */
    struct slab *bnext;          /* block list (first page of a block only) */
    size_t block_pages;          /* pages in the block (first page), else 0 */
    unsigned short inuse;        /* live objects */
    unsigned short fresh;        /* offset of the first never-used object;
                                    SLAB_PAGE once every object was used */
    size_t bitmap[BITMAP_WORDS]; /* bit per granule: set at live object starts */
};

#define SLAB_DESC hb_align_up(sizeof(struct slab), SLAB_GRAN)

/* inuse and fresh are 16 bits wide, so that they share one word. */
_Static_assert(SLAB_PAGE <= 32768 && SLAB_PAGE / SLAB_GRAN <= 65535, "slab counters are 16 bits wide");

struct slab_cache {
    size_t size;          /* object size: multiple of SLAB_GRAN */
    struct slab *partial; /* slabs with a free object (empty ones too) */
    struct slab *empty;   /* hysteresis hint: a slab of this cache, maybe empty */
    size_t per_slab;      /* objects per slab */
    size_t first;         /* offset of the first object in its page */
    size_t internal;      /* 1 for the large-record cache (not user data) */
};

struct large_rec {
    struct large_rec *next; /* hash chain */
    void *base;             /* what alloc returned: page-aligned */
    size_t pages;
    size_t own; /* 1: its own get_pages block; 0: a run in a slab block */
};

struct hb_heap {
    unsigned short class_off[SLAB_TABLE_LEN]; /* (size+7)>>3 -> cache, as offset from h */
    struct slab_cache caches[SLAB_NOMINAL];
    struct slab_cache records; /* internal: struct large_rec */
    size_t nclasses;
    struct slab *blocks;     /* block list; the initial pages come first */
    struct slab **btail;     /* the block list's last link */
    struct slab *free_pages; /* doubly linked through next/prev */
    struct large_rec *large[SLAB_BUCKETS];
    size_t runs;         /* large allocations that are runs inside a block */
    uintptr_t lo, span;  /* address hull of the slab-holding blocks */
    uintptr_t span_gran; /* span / SLAB_GRAN, for free's combined test */
    /* The fast paths reach their rare paths through these, not by name: a
       call by name costs MIPS PIC code a GOT load and the gp set-up. */
    void *(*alloc_slow)(hb_heap *h, size_t size, size_t align);
    int (*free_slow)(hb_heap *h, void *ptr);
    int (*free_done)(hb_heap *h, void *ptr);
    void *(*pop_last)(struct slab *s, void *obj);
    uintptr_t init_start, init_end;
    size_t pool;
    size_t allocs_lo, allocs_wraps; /* successful allocs (64-bit on 32-bit hosts) */
    uint64_t failures;
    struct hb_config cfg;
};

/* ---- small helpers ---------------------------------------------------- */

static inline struct slab *page_of(uintptr_t p)
{
    return (struct slab *)hb_align_down(p, SLAB_PAGE);
}
static inline char *page_at(struct slab *head, size_t i)
{
    return (char *)head + i * SLAB_PAGE;
}

static inline size_t granule_bit(uintptr_t p)
{
    return (p & (SLAB_PAGE - 1)) / SLAB_GRAN;
}
static inline size_t *bitmap_word(struct slab *s, uintptr_t p)
{
    return &s->bitmap[granule_bit(p) / WORD_BITS];
}
static inline size_t bitmap_mask(uintptr_t p)
{
    return (size_t)1 << (granule_bit(p) % WORD_BITS);
}
static inline int bitmap_test(const struct slab *s, uintptr_t p)
{
    return (s->bitmap[granule_bit(p) / WORD_BITS] & bitmap_mask(p)) != 0;
}

/* The fast paths' bit operations, by granule index.  x86 has them as single
   bit-string instructions (bts/btr, as the Linux kernel's __set_bit and
   __test_and_clear_bit use); elsewhere plain word and mask. */
#if defined(__GNUC__) && (defined(__i386__) || defined(__x86_64__)) && defined(__GCC_ASM_FLAG_OUTPUTS__)
static inline void bit_set(struct slab *s, size_t bit)
{
    __asm__("bts %1, %0" : "+m"(s->bitmap) : "r"(bit) : "cc");
}
static inline int bit_test_clear(struct slab *s, size_t bit)
{
    unsigned char old;
    __asm__("btr %2, %0" : "+m"(s->bitmap), "=@ccc"(old) : "r"(bit));
    return old;
}
#else
static inline void bit_set(struct slab *s, size_t bit)
{
    s->bitmap[bit / WORD_BITS] |= (size_t)1 << (bit % WORD_BITS);
}
static inline int bit_test_clear(struct slab *s, size_t bit)
{
    size_t m = (size_t)1 << (bit % WORD_BITS);
    if (!(s->bitmap[bit / WORD_BITS] & m))
        return 0;
    s->bitmap[bit / WORD_BITS] ^= m;
    return 1;
}
#endif

/* Rotates the granule offset bits to the top: below span_gran iff inside
   the hull and granule-aligned (lo is page-aligned). */
static inline uintptr_t rotr_gran(uintptr_t d)
{
    return (d >> GRAN_SHIFT) | (d << (sizeof(uintptr_t) * 8 - GRAN_SHIFT));
}

static inline char *object_at(const struct slab *s, const struct slab_cache *c, size_t i)
{
    return (char *)s + c->first + i * c->size;
}

static inline void count_alloc(hb_heap *h)
{
    if (++h->allocs_lo == 0)
        h->allocs_wraps++;
}

static inline uint64_t allocs_total(const hb_heap *h)
{
#if SIZE_MAX < UINT64_MAX
    return ((uint64_t)h->allocs_wraps << (sizeof(size_t) * 8)) + h->allocs_lo;
#else
    return h->allocs_lo;
#endif
}

static inline void hull_add(hb_heap *h, uintptr_t start, uintptr_t end)
{
    uintptr_t hi = h->lo + h->span;
    if (h->span == 0 || start < h->lo)
        h->lo = start;
    if (end > hi || h->span == 0)
        hi = end;
    h->span = hi - h->lo;
    h->span_gran = h->span / SLAB_GRAN;
}

static inline void list_push(struct slab **head, struct slab *s)
{
    s->prev = NULL;
    s->next = *head;
    if (*head)
        (*head)->prev = s;
    *head = s;
}

static inline void list_unlink(struct slab **head, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        *head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static inline size_t bucket_of(const void *p)
{
    return ((uintptr_t)p / SLAB_PAGE) % SLAB_BUCKETS;
}

static int is_cache_of(const hb_heap *h, const struct slab_cache *c)
{
    if (c == &h->records)
        return 1;
    for (size_t i = 0; i < h->nclasses; i++)
        if (c == &h->caches[i])
            return 1;
    return 0;
}

/* ---- pages and blocks ------------------------------------------------- */

/* Writes the descriptor of a fresh free page and puts it on the free list. */
static void page_init_free(hb_heap *h, struct slab *s, size_t block_pages)
{
    memset(s, 0, sizeof *s);
    s->owner = h;
    s->block_pages = block_pages;
    list_push(&h->free_pages, s);
}

/* Carves [start, start + pages*PAGE) into free pages, one block. */
static void block_add(hb_heap *h, struct slab *head, size_t pages)
{
    for (size_t i = pages; i-- > 0;) /* pushed backwards: popped in address order */
        page_init_free(h, (struct slab *)page_at(head, i), i == 0 ? pages : 0);
    *h->btail = head; /* append: the initial block stays first */
    head->bnext = NULL;
    h->btail = &head->bnext;
    hull_add(h, (uintptr_t)head, (uintptr_t)page_at(head, pages));
}

static void slab_to_free_page(hb_heap *h, struct slab *s);

/* Turns the empty slabs the caches keep as hysteresis into free pages, so
   that a full pool never fails while one is held; how many it freed. */
static size_t reclaim_empty_slabs(hb_heap *h)
{
    size_t n = 0;
    for (size_t i = 0; i <= h->nclasses; i++) {
        struct slab_cache *c = i < h->nclasses ? &h->caches[i] : &h->records;
        if (c->empty && c->empty->inuse == 0) {
            slab_to_free_page(h, c->empty);
            n++;
        }
    }
    return n;
}

/* A free page: from the free list, else a one-page block from get_pages,
   else a page reclaimed from a cache's hysteresis slab. */
static struct slab *page_get(hb_heap *h)
{
    if (!h->free_pages && h->cfg.get_pages) {
        void *mem = h->cfg.get_pages(h->cfg.mm, 1);
        if (mem) {
            block_add(h, mem, 1);
            h->pool += SLAB_PAGE;
        }
    }
    if (!h->free_pages)
        reclaim_empty_slabs(h);
    struct slab *s = h->free_pages;
    if (s)
        list_unlink(&h->free_pages, s);
    return s;
}

/* An empty slab of c, not its hysteresis slab, becomes a free page. */
static inline void slab_release(hb_heap *h, struct slab_cache *c, struct slab *s)
{
    list_unlink(&c->partial, s);
    s->cache = NULL;
    s->free = NULL;
    list_push(&h->free_pages, s);
}

static void slab_to_free_page(hb_heap *h, struct slab *s)
{
    struct slab_cache *c = s->cache;
    if (c->empty == s)
        c->empty = NULL;
    slab_release(h, c, s);
}

/* ---- caches ----------------------------------------------------------- */

static void cache_init(struct slab_cache *c, size_t size, int internal)
{
    memset(c, 0, sizeof *c);
    c->size = size;
    c->per_slab = (SLAB_PAGE - SLAB_DESC) / size;
    c->first = SLAB_PAGE - c->per_slab * size;
    c->internal = (size_t)internal;
}

/* Threads the next SLAB_BATCH never-used objects of s (fewer at the page's
   end) onto its empty free list: 0 when every object was used already. */
static inline int fresh_take(struct slab *s, size_t size)
{
    size_t f = s->fresh;
    if (f == SLAB_PAGE)
        return 0;
    size_t end = f + SLAB_BATCH * size;
    if (end > SLAB_PAGE)
        end = SLAB_PAGE;
    char *o = (char *)s + f, *last = (char *)s + end - size;
    s->free = o;
    for (; o != last; o += size)
        *(void **)o = o + size;
    *(void **)last = NULL;
    s->fresh = (unsigned short)end;
    return 1;
}

/* Makes a free page a slab of c and puts it on partial, in O(1): only its
   first SLAB_BATCH objects go on the free list; the others stay never
   used, behind the fresh cursor, until the free list runs dry. */
static struct slab *cache_grow(hb_heap *h, struct slab_cache *c)
{
    struct slab *s = page_get(h);
    if (!s)
        return NULL;
    s->cache = c;
    s->fresh = (unsigned short)c->first;
    s->inuse = 0;
    fresh_take(s, c->size);
    list_push(&c->partial, s);
    return s;
}

/* s, the head of its cache's partial list, became full: it leaves the list. */
static inline void slab_leave_partial(struct slab *s)
{
    struct slab *n = s->next;
    s->cache->partial = n;
    if (n)
        n->prev = NULL;
    s->next = NULL;
}

/* cache_pop took obj, the last object on the free list of s (the head of
   c's partial list) while never-used objects remain: the next batch of
   them takes its place. */
SLAB_OUTLINE static void *pop_last(struct slab *s, void *obj)
{
    fresh_take(s, s->cache->size);
    return obj;
}

/* Takes the first free object of s, the head of c's partial list.  The free
   list is never empty while never-used objects remain (pop_last refills it
   when its last object goes), so one test tells the rare path. */
static inline void *cache_pop(struct slab *s)
{
    void **obj = s->free;
    void *next = *obj;
    s->free = next;
    s->inuse++;
    bit_set(s, ((uintptr_t)obj & (SLAB_PAGE - 1)) / SLAB_GRAN);
    if (!next) {
        if (s->fresh != SLAB_PAGE)
            return s->owner->pop_last(s, obj);
        slab_leave_partial(s); /* full */
    }
    return obj;
}

static void *cache_alloc(hb_heap *h, struct slab_cache *c)
{
    struct slab *s = c->partial;
    if (!s)
        s = cache_grow(h, c);
    return s ? cache_pop(s) : NULL;
}

/* A full slab that regained a free object goes second on the partial list,
   behind the slab allocations are being served from (as Linux's SLAB adds
   it behind the others): the head keeps filling, and a slab does not flip
   between full and partial on every free-alloc pair. */
static inline void partial_add(struct slab_cache *c, struct slab *s)
{
    struct slab *head = c->partial;
    if (!head) {
        list_push(&c->partial, s);
        return;
    }
    s->prev = head;
    s->next = head->next;
    if (head->next)
        head->next->prev = s;
    head->next = s;
}

/* After a free emptied the slab of ptr: apply the hysteresis (the release
   is inline: a call by name would cost MIPS PIC code its gp set-up). */
SLAB_OUTLINE static int free_done(hb_heap *h, void *ptr)
{
    struct slab *s = page_of((uintptr_t)ptr);
    struct slab_cache *c = s->cache;
    struct slab *e = c->empty;
    if (e != s) {
        if (e && e->inuse == 0)
            slab_release(h, c, s);
        else
            c->empty = s;
    }
    return HB_OK;
}

/* Releases an object of the internal record cache (always valid). */
static void cache_release(hb_heap *h, void *ptr)
{
    struct slab *s = page_of((uintptr_t)ptr);
    *bitmap_word(s, (uintptr_t)ptr) ^= bitmap_mask((uintptr_t)ptr);
    void *head = s->free;
    *(void **)ptr = head;
    s->free = ptr;
    if (!head)
        partial_add(s->cache, s);
    if (--s->inuse == 0)
        free_done(h, ptr);
}

/* ---- large allocations ------------------------------------------------ */

static struct large_rec *large_find(const hb_heap *h, const void *p, struct large_rec ***linkp)
{
    struct large_rec *const *link = &h->large[bucket_of(p)];
    for (; *link; link = &(*link)->next)
        if ((*link)->base == p) {
            if (linkp)
                *linkp = (struct large_rec **)link;
            return *link;
        }
    return NULL;
}

/* The in-block large run starting at page pg, if any (never page 0 of a
   block, which keeps the block's descriptor; no hash look-up while there
   is no in-block run at all). */
static inline const struct large_rec *run_at(const hb_heap *h, size_t i, const char *pg)
{
    return i && h->runs ? large_find(h, pg, NULL) : NULL;
}

/* First run of `pages` free pages inside a slab-holding block (page 0 of a
   block excluded; blocks too short for the run are skipped unread), or
   NULL.  The same pass finds, in *loose, the first run where empty
   (hysteresis) slabs count as free too. */
static char *run_find(const hb_heap *h, size_t pages, char **loose)
{
    *loose = NULL;
    for (struct slab *head = h->blocks; head; head = head->bnext) {
        if (head->block_pages - 1 < pages)
            continue;
        size_t run = 0, lrun = 0;
        for (size_t i = 1; i < head->block_pages; i++) {
            char *pg = page_at(head, i);
            const struct large_rec *r = run_at(h, i, pg);
            if (r) {
                i += r->pages - 1;
                run = lrun = 0;
                continue;
            }
            const struct slab *s = (const struct slab *)pg;
            run = s->cache ? 0 : run + 1;
            lrun = s->cache && s->inuse ? 0 : lrun + 1;
            if (run == pages)
                return page_at(head, i + 1 - pages);
            if (lrun == pages && !*loose)
                *loose = page_at(head, i + 1 - pages);
        }
    }
    return NULL;
}

/* A run of free pages taken off the free-page list; the hysteresis slabs
   are reclaimed only when that makes the run exist (a failed alloc changes
   nothing). */
static void *run_take(hb_heap *h, size_t pages)
{
    char *loose;
    char *first = run_find(h, pages, &loose);
    if (!first && loose) {
        reclaim_empty_slabs(h);
        first = run_find(h, pages, &loose);
    }
    if (first)
        for (size_t k = 0; k < pages; k++)
            list_unlink(&h->free_pages, (struct slab *)(first + k * SLAB_PAGE));
    return first;
}

/* Gives back the pages of a large allocation (block or in-block run). */
static void large_release_pages(hb_heap *h, void *base, size_t pages, size_t own)
{
    if (own) {
        h->pool -= pages * SLAB_PAGE;
        h->cfg.put_pages(h->cfg.mm, base, pages);
        return;
    }
    for (size_t k = pages; k-- > 0;)
        page_init_free(h, (struct slab *)((char *)base + k * SLAB_PAGE), 0);
}

/* Whether a page for a new record slab is left once a run of `pages` is
   taken: the run and the record's slab both come from the free pages and
   the hysteresis slabs (run_take and page_get reclaim those), so there
   must be more of them than the run needs.  O(pages + classes). */
static int page_left_after_run(const hb_heap *h, size_t pages)
{
    size_t n = 0;
    for (const struct slab *s = h->free_pages; s && n <= pages; s = s->next)
        n++;
    for (size_t i = 0; i < h->nclasses && n <= pages; i++)
        n += h->caches[i].empty && h->caches[i].empty->inuse == 0;
    return n > pages;
}

/* Before an in-block run is taken: make sure its record can be had, so
   that taking the run (which may reclaim hysteresis slabs) is never undone.
   A record slab with room, or a page left after the run, will do; else a
   page from the memory manager, asked only once the run is known to
   exist.  0 (nothing changed): the run or its record cannot be had. */
static int record_ready_for_run(hb_heap *h, size_t pages)
{
    if (h->records.partial || page_left_after_run(h, pages))
        return 1;
    char *loose;
    if (!h->cfg.get_pages || (!run_find(h, pages, &loose) && !loose))
        return 0;
    void *mem = h->cfg.get_pages(h->cfg.mm, 1);
    if (!mem)
        return 0;
    block_add(h, mem, 1);
    h->pool += SLAB_PAGE;
    return 1;
}

/* Whole pages: a block of its own from the memory manager, else (refused,
   or no memory manager) a run of free pages in the blocks held. */
static void *large_alloc(hb_heap *h, size_t size)
{
    if (size > SIZE_MAX - (SLAB_PAGE - 1))
        return NULL;
    size_t pages = (size + SLAB_PAGE - 1) / SLAB_PAGE;
    size_t own = 1;
    void *base = h->cfg.get_pages ? h->cfg.get_pages(h->cfg.mm, pages) : NULL;
    if (base)
        h->pool += pages * SLAB_PAGE;
    else if (record_ready_for_run(h, pages) && (base = run_take(h, pages)) != NULL)
        own = 0;
    else
        return NULL;
    struct large_rec *r = cache_alloc(h, &h->records);
    if (!r) {
        large_release_pages(h, base, pages, own);
        return NULL;
    }
    r->base = base;
    r->pages = pages;
    r->own = own;
    h->runs += !own;
    r->next = h->large[bucket_of(base)];
    h->large[bucket_of(base)] = r;
    return base;
}

static int large_free(hb_heap *h, void *ptr)
{
    struct large_rec **link;
    struct large_rec *r = large_find(h, ptr, &link);
    if (!r)
        return HB_EBADPTR;
    *link = r->next;
    h->runs -= !r->own;
    large_release_pages(h, r->base, r->pages, r->own);
    cache_release(h, r);
    return HB_OK;
}

/* ---- alloc and free --------------------------------------------------- */

static inline struct slab_cache *class_cache(hb_heap *h, size_t size)
{
    return (struct slab_cache *)((char *)h + h->class_off[(size + 7) >> 3]);
}

static void *alloc_fail(hb_heap *h)
{
    h->failures++;
    return NULL;
}

/* Everything but a default-aligned class request with a partial slab. */
SLAB_SLOW static void *alloc_slow(hb_heap *h, size_t size, size_t align)
{
    align = hb_effective_align(align, SLAB_PAGE);
    if (!align)
        return alloc_fail(h);
    size += size == 0;
    void *p;
    if (size <= SLAB_SMALL_MAX && align <= SLAB_SMALL_MAX) {
        size_t need = size;
        if (align > SLAB_GRAN) { /* power-of-two classes are naturally aligned */
            need = align;
            while (need < size)
                need <<= 1;
        }
        p = need <= SLAB_SMALL_MAX ? cache_alloc(h, class_cache(h, need)) : large_alloc(h, size);
    } else {
        p = large_alloc(h, size);
    }
    if (!p)
        return alloc_fail(h);
    count_alloc(h);
    return p;
}

/* The cached path: align 0 or SLAB_GRAN (any other goes the slow way, which
   accepts the valid ones), a class size, a partial slab. */
static void *slab_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)tag;
    if (size <= SLAB_SMALL_MAX && !(align & ~SLAB_GRAN)) {
        struct slab_cache *c = class_cache(h, size);
        struct slab *s = c->partial;
        if (s) {
            count_alloc(h); /* first: h is dead after it */
            return cache_pop(s);
        }
    }
    return h->alloc_slow(h, size, align);
}

/* NULL, a pointer outside the hull or not granule-aligned, a page-aligned
   one (a large allocation, or bad). */
SLAB_SLOW static int free_slow(hb_heap *h, void *ptr)
{
    if (!ptr)
        return HB_OK;
    if (((uintptr_t)ptr & (SLAB_PAGE - 1)) == 0)
        return large_free(h, ptr);
    return HB_EBADPTR;
}

static int slab_free(hb_heap *h, void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t off = p & (SLAB_PAGE - 1);
    if (rotr_gran(p - h->lo) >= h->span_gran || off == 0)
        return h->free_slow(h, ptr);
    struct slab *s = (struct slab *)(p - off);
    if (s->owner != h || s->cache == &h->records || !bit_test_clear(s, off / SLAB_GRAN))
        return HB_EBADPTR; /* not our page, one of our large records, not a live object start */
    void *head = s->free;
    *(void **)ptr = head;
    s->free = ptr;
    if (!head)
        partial_add(s->cache, s);
    if (--s->inuse == 0)
        return h->free_done(h, ptr);
    return HB_OK;
}

/* ---- create, expand, contract ----------------------------------------- */

static void classes_init(hb_heap *h)
{
    size_t n = 0;
    for (size_t i = 0; i < SLAB_NOMINAL; i++) {
        size_t size = hb_align_up(nominal_sizes[i], SLAB_GRAN);
        if (!hb_is_pow2(size)) { /* grow while the objects per page stay */
            size_t per = (SLAB_PAGE - SLAB_DESC) / size;
            size_t grown = hb_align_down((SLAB_PAGE - SLAB_DESC) / per, SLAB_GRAN);
            size_t next_pow2 = 1;
            while (next_pow2 <= size)
                next_pow2 <<= 1;
            size = grown < next_pow2 ? grown : size;
        }
        if (n && size <= h->caches[n - 1].size)
            continue;
        cache_init(&h->caches[n++], size, 0);
    }
    h->nclasses = n;
    size_t k = 0;
    for (size_t i = 0; i < SLAB_TABLE_LEN; i++) {
        size_t want = i ? i * 8 : 1;
        while (h->caches[k].size < want)
            k++;
        h->class_off[i] = (unsigned short)((char *)&h->caches[k] - (char *)h);
    }
    cache_init(&h->records, hb_align_up(sizeof(struct large_rec), SLAB_GRAN), 1);
}

static hb_heap *slab_create(void *block, size_t len, const struct hb_config *cfg)
{
    if (!block || (uintptr_t)block % SLAB_GRAN || len < sizeof(struct hb_heap) + 2 * SLAB_PAGE)
        return NULL;
    if (cfg && cfg->page_size != 0 && cfg->page_size != SLAB_PAGE)
        return NULL;
    uintptr_t start = (uintptr_t)block, end = start + len;
    if (end < start)
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    if (cfg)
        h->cfg = *cfg;
    h->cfg.page_size = SLAB_PAGE;
    h->alloc_slow = alloc_slow;
    h->free_slow = free_slow;
    h->free_done = free_done;
    h->pop_last = pop_last;
    h->btail = &h->blocks;
    classes_init(h);
    h->init_start = start;
    h->init_end = end;
    h->pool = len;
    uintptr_t first = hb_align_up(start + sizeof *h, SLAB_PAGE);
    block_add(h, (struct slab *)first, (end - first) / SLAB_PAGE);
    return h;
}

static int slab_expand(hb_heap *h, void *block, size_t len)
{
    if (!block || (uintptr_t)block % SLAB_PAGE || len < SLAB_PAGE || len % SLAB_PAGE ||
        (uintptr_t)block + len < (uintptr_t)block)
        return HB_EINVAL;
    block_add(h, block, len / SLAB_PAGE);
    h->pool += len;
    return HB_OK;
}

static int block_all_free(const hb_heap *h, struct slab *head)
{
    for (size_t i = 0; i < head->block_pages; i++) {
        char *pg = page_at(head, i);
        if (run_at(h, i, pg) || ((const struct slab *)pg)->cache)
            return 0;
    }
    return 1;
}

static size_t slab_contract(hb_heap *h)
{
    for (size_t i = 0; i <= h->nclasses; i++) {
        struct slab_cache *c = i < h->nclasses ? &h->caches[i] : &h->records;
        for (struct slab *s = c->partial, *next; s; s = next) {
            next = s->next;
            if (s->inuse == 0)
                slab_to_free_page(h, s);
        }
        c->empty = NULL;
    }
    size_t given = 0;
    struct slab **link = &h->blocks;
    h->span = 0;
    while (*link) {
        struct slab *head = *link;
        size_t pages = head->block_pages;
        if (head != h->blocks && block_all_free(h, head)) {
            *link = head->bnext;
            for (size_t i = 0; i < pages; i++)
                list_unlink(&h->free_pages, (struct slab *)page_at(head, i));
            h->pool -= pages * SLAB_PAGE;
            given += pages * SLAB_PAGE;
            h->cfg.put_pages(h->cfg.mm, head, pages);
            continue;
        }
        hull_add(h, (uintptr_t)head, (uintptr_t)page_at(head, pages));
        link = &head->bnext;
    }
    h->btail = link;
    return given;
}

/* ---- inspection ------------------------------------------------------- */

static size_t popcount_word(size_t w)
{
    size_t n = 0;
    for (; w; w &= w - 1)
        n++;
    return n;
}

static void slab_stats(const hb_heap *h, struct hb_stats *st)
{
    memset(st, 0, sizeof *st);
    st->pool_bytes = h->pool;
    st->meta_bytes = sizeof *h;
    const struct slab *init = h->blocks;
    st->padding_bytes = ((uintptr_t)init - h->init_start - sizeof *h) +
                        (h->init_end - (uintptr_t)page_at((struct slab *)init, init->block_pages));
    size_t live = 0;
    for (const struct slab *head = h->blocks; head; head = head->bnext) {
        st->blocks++;
        size_t run = 0;
        for (size_t i = 0; i < head->block_pages; i++) {
            const char *pg = page_at((struct slab *)head, i);
            const struct large_rec *r = run_at(h, i, pg);
            if (r) { /* counted with the large allocations below */
                i += r->pages - 1;
                run = 0;
                continue;
            }
            const struct slab *s = (const struct slab *)pg;
            const struct slab_cache *c = s->cache;
            if (!c) {
                st->free_bytes += SLAB_PAGE;
                run += SLAB_PAGE;
                if (run > st->largest_free)
                    st->largest_free = run;
                continue;
            }
            run = 0;
            st->meta_bytes += SLAB_DESC;
            st->padding_bytes += c->first - SLAB_DESC;
            size_t used = s->inuse * c->size;
            if (c->internal)
                st->header_bytes += used;
            else {
                st->granted_bytes += used;
                live += s->inuse;
            }
            st->free_bytes += (c->per_slab - s->inuse) * c->size;
            if (s->inuse < c->per_slab && c->size > st->largest_free)
                st->largest_free = c->size;
        }
    }
    for (size_t b = 0; b < SLAB_BUCKETS; b++)
        for (const struct large_rec *r = h->large[b]; r; r = r->next) {
            st->blocks += r->own;
            st->granted_bytes += r->pages * SLAB_PAGE;
            live++;
        }
    st->live = live;
    st->allocs = allocs_total(h);
    st->frees = st->allocs - live;
    st->failures = h->failures;
}

static int slab_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    for (const struct slab *head = h->blocks; head; head = head->bnext)
        for (size_t i = 0; i < head->block_pages; i++) {
            const char *pg = page_at((struct slab *)head, i);
            const struct large_rec *r = run_at(h, i, pg);
            if (r) {
                struct hb_block_info info = {r->base, 0, r->pages * SLAB_PAGE, NULL};
                int rc = fn(&info, ctx);
                if (rc)
                    return rc;
                i += r->pages - 1;
                continue;
            }
            const struct slab *s = (const struct slab *)pg;
            const struct slab_cache *c = s->cache;
            if (!c || c->internal)
                continue;
            for (size_t k = 0; k < c->per_slab; k++) {
                char *obj = object_at(s, c, k);
                if (!bitmap_test(s, (uintptr_t)obj))
                    continue;
                struct hb_block_info info = {obj, 0, c->size, NULL};
                int rc = fn(&info, ctx);
                if (rc)
                    return rc;
            }
        }
    for (size_t b = 0; b < SLAB_BUCKETS; b++)
        for (const struct large_rec *r = h->large[b]; r; r = r->next) {
            if (!r->own)
                continue; /* visited in its block */
            struct hb_block_info info = {r->base, 0, r->pages * SLAB_PAGE, NULL};
            int rc = fn(&info, ctx);
            if (rc)
                return rc;
        }
    return HB_OK;
}

static size_t slab_usable_size(const hb_heap *h, const void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!ptr)
        return 0;
    if ((p & (SLAB_PAGE - 1)) == 0) {
        const struct large_rec *r = large_find(h, ptr, NULL);
        return r ? r->pages * SLAB_PAGE : 0;
    }
    const struct slab *s = page_of(p);
    if (p - h->lo >= h->span || p % SLAB_GRAN || s->owner != h || !s->cache || !bitmap_test(s, p))
        return 0;
    return s->cache->size;
}

/* Checks one slab page: bitmap, live count and free list agree. */
static const char *check_slab(const hb_heap *h, const struct slab *s)
{
    const struct slab_cache *c = s->cache;
    if (!is_cache_of(h, c))
        return "slab descriptor names no cache of this heap";
    if (s->inuse > c->per_slab)
        return "slab has more live objects than fit";
    size_t fresh = s->fresh;
    if (fresh < c->first + c->size || fresh > SLAB_PAGE || (fresh - c->first) % c->size)
        return "slab's fresh cursor is no object boundary after the first object";
    size_t unused = (SLAB_PAGE - fresh) / c->size; /* never handed out */
    if (!s->free && unused)
        return "slab's free list is empty while never-used objects remain";
    size_t bits = 0;
    for (size_t w = 0; w < BITMAP_WORDS; w++)
        bits += popcount_word(s->bitmap[w]);
    if (bits != s->inuse)
        return "slab bitmap disagrees with its live count";
    size_t starts = 0;
    for (size_t k = 0; k < c->per_slab - unused; k++)
        starts += (size_t)bitmap_test(s, (uintptr_t)object_at(s, c, k));
    if (starts != bits)
        return "slab bitmap marks a granule that is no object start, or a never-used object";
    size_t nfree = 0;
    for (const void *o = s->free; o; o = *(void *const *)o) {
        uintptr_t p = (uintptr_t)o;
        if (page_of(p) != s || p < (uintptr_t)s + c->first || p >= (uintptr_t)s + fresh ||
            (p - (uintptr_t)s - c->first) % c->size)
            return "slab free list holds a pointer that is no used object of the slab";
        if (bitmap_test(s, p))
            return "slab free list holds a live object";
        if (++nfree > c->per_slab)
            return "slab free list is too long (cycle?)";
    }
    if (nfree + unused != c->per_slab - s->inuse)
        return "slab's free and never-used objects disagree with its live count";
    return NULL;
}

static const char *check_page(const hb_heap *h, const struct slab *s, size_t i, const struct slab *head,
                              size_t *free_pages, size_t *partial)
{
    if (s->owner != h)
        return "page descriptor has the wrong owner";
    if (s->block_pages != (i == 0 ? head->block_pages : 0))
        return "page descriptor has a wrong block page count";
    if (!s->cache) {
        for (size_t w = 0; w < BITMAP_WORDS; w++)
            if (s->bitmap[w])
                return "free page has allocation bits set";
        if (s->free || s->inuse)
            return "free page has objects";
        ++*free_pages;
        return NULL;
    }
    *partial += s->free != NULL;
    return check_slab(h, s);
}

/* check() follows a page or record pointer read from metadata only once it
   lies on a page of the hull of our blocks (or of the initial pages), so
   corrupted metadata gets a message, not a crash. */
static int is_our_page(const hb_heap *h, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    return a % SLAB_PAGE == 0 && ((a >= h->init_start && a < h->init_end) || (a >= h->lo && a - h->lo < h->span));
}

static const char *check_lists(const hb_heap *h, size_t free_pages, size_t partial)
{
    size_t n = 0;
    for (const struct slab *s = h->free_pages, *prev = NULL; s; prev = s, s = s->next) {
        if (!is_our_page(h, s))
            return "free-page list link points outside our pages";
        if (s->cache || s->prev != prev || s->owner != h)
            return "free-page list holds a page that is not free, or has a broken link";
        if (++n > free_pages)
            return "free-page list is longer than the free pages (cycle?)";
    }
    if (n != free_pages)
        return "free-page list misses free pages";
    n = 0;
    for (size_t i = 0; i <= h->nclasses; i++) {
        const struct slab_cache *c = i < h->nclasses ? &h->caches[i] : &h->records;
        size_t empties = 0;
        if (c->empty && (!is_our_page(h, c->empty) || c->empty->cache != c))
            return "cache's empty-slab hint is not a slab of the cache";
        for (const struct slab *s = c->partial, *prev = NULL; s; prev = s, s = s->next) {
            if (!is_our_page(h, s))
                return "partial list link points outside our pages";
            if (s->cache != c || s->prev != prev || !s->free)
                return "partial list holds a slab of another cache, a full one, or has a broken link";
            empties += s->inuse == 0;
            if (++n > partial)
                return "partial lists are longer than the partial slabs (cycle?)";
        }
        if (empties > 1)
            return "cache keeps more than one empty slab";
    }
    if (n != partial)
        return "a slab with free objects is on no partial list";
    return NULL;
}

/* runs: in-block runs met walking the blocks; recs: live records counted
   in the record cache's slabs. */
static const char *check_large(const hb_heap *h, size_t runs, size_t recs)
{
    size_t n = 0, in_block = 0;
    for (size_t b = 0; b < SLAB_BUCKETS; b++)
        for (const struct large_rec *r = h->large[b]; r; r = r->next) {
            if (!is_our_page(h, page_of((uintptr_t)r)))
                return "large record link points outside our pages";
            if ((uintptr_t)r->base % SLAB_PAGE || r->pages == 0 || bucket_of(r->base) != b)
                return "large record is misaligned, empty or in the wrong bucket";
            const struct slab *s = page_of((uintptr_t)r);
            if (s->cache != &h->records || !bitmap_test(s, (uintptr_t)r))
                return "large record is no live object of the record cache";
            n++;
            in_block += !r->own;
        }
    if (in_block != runs || in_block != h->runs)
        return "a large record claims an in-block run that is not inside any block, or the run count is off";
    return recs == n ? NULL : "live large records differ from the large allocations";
}

static int slab_check(const hb_heap *h, char *msg, size_t msg_len)
{
    size_t free_pages = 0, partial = 0, runs = 0, recs = 0, pool = h->init_end - h->init_start;
    const char *why = NULL;
    if (!h->blocks || (uintptr_t)h->blocks < h->init_start + sizeof *h ||
        (uintptr_t)page_at(h->blocks, h->blocks->block_pages) > h->init_end)
        why = "the initial pages are not inside the initial block";
    for (const struct slab *head = h->blocks; head && !why; head = head->bnext) {
        if (!is_our_page(h, head)) {
            why = "block list link points outside our pages";
            break;
        }
        uintptr_t start = (uintptr_t)head, end = (uintptr_t)page_at((struct slab *)head, head->block_pages);
        if (start % SLAB_PAGE || head->block_pages == 0 || start < h->lo || end - h->lo > h->span)
            why = "block is misaligned, empty, or outside the address hull";
        if (head != h->blocks)
            pool += end - start;
        for (size_t i = 0; i < head->block_pages && !why; i++) {
            const char *pg = page_at((struct slab *)head, i);
            const struct large_rec *r = run_at(h, i, pg);
            if (r) {
                if (r->own || r->pages > head->block_pages - i)
                    why = "in-block large run is marked as a block of its own, or overruns its block";
                i += r->pages - 1;
                runs++;
                continue;
            }
            const struct slab *s = (const struct slab *)pg;
            why = check_page(h, s, i, head, &free_pages, &partial);
            if (s->cache == &h->records)
                recs += s->inuse;
        }
    }
    if (!why)
        why = check_lists(h, free_pages, partial);
    if (!why)
        why = check_large(h, runs, recs);
    if (!why) {
        for (size_t b = 0; b < SLAB_BUCKETS; b++)
            for (const struct large_rec *r = h->large[b]; r; r = r->next)
                pool += r->own * r->pages * SLAB_PAGE;
        if (pool != h->pool)
            why = "pool size disagrees with the blocks held";
    }
    return why ? hb_report(msg, msg_len, why) : HB_OK;
}

const struct hb_heap_ops hb_heap_slab = {
    .name = "slab",
    .summary = "Bonwick object caches on one-page slabs, 8..2048 bytes; larger requests page-granular",
    .caps = HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_WALK | HB_CAP_CHECK | HB_CAP_DETECT_BAD_FREE,
    .max_align = SLAB_PAGE,
    .min_initial = sizeof(struct hb_heap) + 2 * SLAB_PAGE,
    .create = slab_create,
    .alloc = slab_alloc,
    .free = slab_free,
    .expand = slab_expand,
    .contract = slab_contract,
    .stats = slab_stats,
    .walk = slab_walk,
    .check = slab_check,
    .usable_size = slab_usable_size,
};

/*
 * bitmap.c - the chunk-map ("bitmap") heap of the OSDev wiki, as FlingOS
 * uses it, with the known faults of its public copies fixed.
 *
 * Algorithm
 *   Every block of the pool is cut into fixed-size chunks (cfg.param: 16 or
 *   32 bytes, default 16; never less than HB_DEFAULT_ALIGN, so every chunk
 *   start is default-aligned).  Two bit maps in machine words describe the
 *   chunks: a free bit (1 = free) and a head bit (1 = the first chunk of an
 *   allocation).  An allocation is a head followed by used chunks up to the
 *   next free chunk or head, so free needs neither a size nor a header: it
 *   tests the head bit of the pointer's chunk, finds the next free-or-head
 *   bit a word at a time and sets the run's free bits a word at a time.
 *   (The OSDev/FlingOS chunk map spends an id byte per chunk on the same
 *   fact, and so pays a byte per chunk on every free.)
 *   Alloc searches the free bits a word at a time:
 *    - runs of n <= W chunks (W = bits per word): per word, a few
 *      shift-and steps (log2 n) turn the free bits into "a fit starts
 *      here" bits, masked with the aligned positions; ctz picks the first;
 *    - longer runs: a run-length scan that skips whole words of used or
 *      free chunks (one ctz and one clz per word);
 *    - alignments of W chunks or more: jump between aligned candidates,
 *      skipping used and free stretches a word at a time.
 *   The common request, n <= W chunks with no alignment above the chunk
 *   size, takes a copy of the first search without the aligned positions:
 *   bm_alloc itself tries the initial block's hint word (fit_at_hint) and
 *   takes the fit without saving a register; anything else is a tail call
 *   (the small search past the hint's word, find_small_on; the other
 *   requests; growth).
 *   Alignment is exact: the search looks for a run whose first chunk
 *   address is aligned and takes exactly those chunks (no over-allocation,
 *   so nothing leaks on free).  First fit with a start hint: each block
 *   keeps the lowest chunk that may be free (everything below it is used);
 *   an allocation found at the hint moves it past itself, a free below it
 *   pulls it back, and the search starts there; a one-chunk fit found past
 *   the hint's word moves it to the fit (every chunk between is used), so
 *   the next search does not cross them again.  Blocks are searched oldest
 *   first, so new blocks drain and can be contracted.  (A true next-fit
 *   hint, the OSDev original's, measured worse on the bench's churn
 *   workload: a footprint of 3.6x the peak live bytes.)
 *   Per-region records keep a search off regions that cannot hold the
 *   start of a fit, each in O(1): the chunks fall into regions of 2048
 *   (BM_REGION), and each region keeps its free-chunk count and a mark.
 *   A run of n chunks starting in region r lies in r and r + 1 unless it
 *   covers r + 1 whole, so r is skipped when it has no free chunk, or when
 *   r + 1 is not wholly free and the two hold fewer than n free chunks
 *   (sound for any n and any alignment).  The mark m says that no free run
 *   of m chunks starts in the region (a run from the region before counted
 *   from the region's first chunk, as a search that skipped that region
 *   sees it); m is one of 1..8, 10, 12, 16, 24, 32, 48, 64, and a claim
 *   between two of them is kept as the longer (weaker, still true).  A
 *   search that leaves a region without a fit (and with no run still open,
 *   for the long search) marks it with its n; searches for n >= m skip it.
 *   A free that lands between used chunks is a free run of its own: it
 *   raises its first region's mark past its length if the mark denied it,
 *   so the mark survives the frees that cannot make a fit; a free that
 *   joins a free neighbour clears the marks of its region and the one
 *   before; either clears the marks of the further regions it reaches.
 *   Alloc and free move the counts of the regions a run spans.
 *   The reach skips what the hint cannot: each block keeps a chunk, the
 *   reach, below which no free run of reach_len chunks or more starts,
 *   except the one that holds the reach (one length for the heap).  A
 *   search for n >= reach_len chunks, at any alignment, starts at the start
 *   of the free run that holds the reach (or at the reach, its chunk used),
 *   instead of crossing, region by region, the holes a workload leaves
 *   behind its allocation front.  An unaligned search that takes the n
 *   chunks at s (or finds none) proves the claim for n at s + n (or the
 *   map's end), and replaces the block's claim when it reaches as far, a
 *   longer length only when it lies eight words or more past the claim
 *   (the shorter claim serves both; the traces alternate lengths), and a
 *   shorter one voids the other blocks' claims.  The small search notes
 *   it only when its fit lies eight words or more past the hint's word,
 *   where it also jumps to the reach.  A free below the reach moves the
 *   reach to the freed chunk (the run it makes holds it: one compare per
 *   free); an unaligned fit takes the first chunks of a free run, which
 *   breaks no claim, and an aligned one inside a run below the reach moves
 *   the reach to that run's start; an extension pulls it back to the free
 *   run at the old top, a trim below it to the hint.
 *   Growth: when no block can serve, the heap asks cfg.get_pages for pages
 *   and returns NULL only when the manager refuses.  Pages that begin
 *   exactly where a block ends (the bench's memory manager places them so)
 *   extend that block: its tail (the maps, region records and segment table
 *   at its end) moves to the new end, and the old tail, the gap below it
 *   and the new memory become free chunks, so runs span the old boundary
 *   and the free run at the block's top joins the new memory; the region
 *   records move with the tail, the marks of the last two old regions are
 *   cleared.  Other pages
 *   start a block of their own.  The request is sized for extending the
 *   block that ends highest when that is less than a block of its own
 *   (both at least BM_GROW_PAGES, or exactly what is needed if the manager
 *   refuses that); if the pages land elsewhere, or an extension's
 *   alignment offset does not serve, the heap asks again, sized for a
 *   block of its own.  expand() takes adjacent memory the same way.
 *   Contract gives back, last first, every segment at a block's end whose
 *   chunks are free and below which the remaining chunks hold the tail in
 *   free chunks (the tail moves down), then every block other than the
 *   initial one that is one free segment: each memory-manager block goes
 *   back whole, as lent.
 *
 * Invariants
 *   A head bit is set only on a used chunk; a used chunk at index 0 or
 *   after a free chunk is a head; no bit is set past nchunks; free_chunks
 *   counts the free bits; every chunk below the hint is used; a block
 *   holds as many chunks as fit between its descriptor and its tail, and
 *   its segments add up to it; a region's count is the free bits in it; a
 *   region's mark is true; below a block's reach (at most nchunks) every
 *   free run of reach_len (>= 1) chunks or more holds the reach.
 *
 * Data structures
 *   A block: [descriptor][chunks][free bits][head bits][region records]
 *   [segment pages]; a region record is 2 bytes (bm_rec): the region's
 *   free chunks in 12 bits, its mark in 4; one per region and a 0 past the
 *   last.  struct hb_heap at the start of the initial block holds the
 *   globals (the live count is allocs - frees, not kept) and the initial
 *   block's descriptor; every other block starts with a struct bm_block,
 *   so a descriptor's address is its first segment's.  Chunk 0 is the
 *   first chunk-aligned address
 *   after the descriptor; the tail (whole words) ends at the block's end.
 *   A block is one or more segments, memory-manager blocks in address
 *   order: the first is what the others leave (the initial block's is the
 *   block create() was given), the others' page counts follow the
 *   region records.  Blocks are a singly linked list; free finds a pointer's
 *   block by a range test.
 *
 * Metadata (C = chunk size)
 *   Per allocation: no header; the maps cost 2 bits per chunk whether used
 *   or not, i.e. 0.25/C of the pool (1.6% at C=16, 0.8% at C=32), the
 *   region records 2 bytes per 2048 chunks and 2 more per block, rounded
 *   up to a word, a segment after the first one word: all reported as
 *   meta_bytes.  Rounding a request up to whole chunks is part of granted
 *   (usable size is the whole run).  Global: struct hb_heap (globals + the
 *   initial block's descriptor); per extra block (not per segment) a
 *   struct bm_block of 12 words (48 bytes on 32-bit targets, 96 on
 *   64-bit).  The gap before the first chunk (chunk alignment) and the
 *   room between the last chunk and the tail (under a chunk and a word)
 *   are reported as padding_bytes.
 *
 * Worst-case cost (N chunks in the block searched, W = 32 or 64, B blocks,
 * R = N / 2048 regions)
 *   alloc: O(N/W * log2 n) per block searched for n <= W chunks (n = 1: one
 *   ctz per word), O(N/W) for longer runs and for large alignments; in all
 *   O(B + total chunks / W * log W).  A block with too few free chunks is
 *   skipped in O(1), and so is a region that its count or its mark rules
 *   out (unaligned requests of up to 64 chunks mark regions; the small and
 *   long searches skip them, whatever their alignment).  Growth adds one or
 *   two get_pages calls (three or four when the pages land elsewhere) and,
 *   to extend a block, O(N/W + segments) to move its tail.  free: O(1)
 *   when the pointer lies in the block touched last, else O(B) to find its
 *   block; then O(n/W) for an n-chunk run (its end and its free bits, a
 *   word at a time, and the records of its regions); alloc pays the same
 *   per region for the counts.  A search that starts at the reach first
 *   finds the start of the free run that holds it, a word at a time: O(run
 *   length / W).  contract: O(N/W + segments) per segment given back.
 *   walk/stats: O(N/W) per block plus O(1) per allocation; check: the same
 *   plus O(N/W) per marked region.
 *   Measured (guest instructions per call, the call sequence of 9 on
 *   MIPS32 and 11 on x86 included; `make bench ARCHES="mips32 x86"
 *   HEAPS=bitmap`): free max 894 on MIPS32 and 775 on x86 at 10^4 live
 *   blocks (growth-10000); 13 845 over every workload, freeing a 482 KiB
 *   run (30 837 chunks) on trace-awk (MIPS32).  Medians on MIPS32: alloc
 *   106 on fill-16-same (the fast path), 215 on churn, and on the traces,
 *   where every allocation searches one map of several MiB, 749 on
 *   trace-awk, 607 on trace-gcc, 571 on trace-python3, 143 on trace-sort;
 *   free 112 on fill-16-same, 109 on churn.  On the host (x86-64, -O3:
 *   build/host-bench of make bench), instructions per call, inclusive, as
 *   `valgrind --tool=callgrind --trace-children=yes hb-bench --heap bitmap
 *   --workload fill-16-same --no-quality --no-minpool --repetitions 3
 *   --rep-ms 200` counts them in the speed children (each runs the
 *   workload many times, so malloc is measured warm, as it is timed):
 *   alloc 101.6 and free 98.5, against 86.6 and 116.0 for glibc malloc
 *   through its wrapper (0.99x in instructions).
 *
 * Trade-offs
 *   No header means free is safe against a wrong size and bad frees are
 *   detected, but every chunk pays map bytes even when the pool is empty,
 *   and small requests round up to a whole chunk.  Blocks that the memory
 *   manager hands out adjacent become one block, so their free space is
 *   one address range: fill-256 and fill-4096 end at external
 *   fragmentation 0 at peak and trace-gcc at 0.05, against 0.94, 0.98 and
 *   0.66 for a block per memory-manager block, which leaves a tail too
 *   short for the next request at each boundary.  Blocks that are not
 *   adjacent stay apart, and a block never grows downwards nor bridges two
 *   blocks.  The price is one large map: the region records keep a search
 *   to the regions that may hold a fit, but a region with enough free
 *   chunks and no true mark is searched a word at a time, and on the
 *   traces, whose frees fall all over the map, an allocation shorter than
 *   the reach's length still searches a region or two from the hint.
 *   Free updates the records last, a run that spans regions as a tail
 *   call, so the common free keeps no register across them.  The marks
 *   take 4 bits, coarse above 8 chunks, so that a region's record, count
 *   included, fits in 2 bytes of the tail.
 *   Alignment above the chunk size costs only the search, never slack
 *   chunks; max_align is 64 KiB (BM_MAX_ALIGN): larger alignments would
 *   make a fresh block for a small request mostly slack.
 *   The maps cost so little that a block is nearly all chunks and the pool
 *   grows only when live data need it, so the free bytes are mostly the
 *   holes a workload's own frees leave; external fragmentation (1 -
 *   largest free extent / free bytes) then reads high where no placement
 *   helps: 0.70 mean on list (16-byte nodes, rounds of 1 000 random
 *   unlinks) on the host, with a footprint of 1.02x, and its maximum comes
 *   just before the pool grows, when the few free bytes left are holes.
 *   Given slack it reads low: 0.21 mean, 0.66 max on list from a 96 KiB
 *   initial block (`hb-bench --heap bitmap --workload list --initial-bytes
 *   96K --no-speed`).
 *   First fit stops at the first run; best fit over every free run would
 *   scan every region on every allocation.
 *
 * Capabilities lacking
 *   TAGS and REQUESTED: keeping a tag or a size per allocation needs a
 *   header, which this design exists to avoid.  DETECT_OVERWRITE: no
 *   padding or canaries around allocations.  A double free is detected
 *   unless a new allocation starts at exactly the same chunk.
 */
#include <limits.h>
#include <string.h>

#include "heap.h"

typedef unsigned long bm_word; /* a machine word on ILP32 and LP64 targets */

#define BM_W ((size_t)(sizeof(bm_word) * CHAR_BIT))
#define BM_ALL (~(bm_word)0)
#define BM_NONE SIZE_MAX
#define BM_MAX_ALIGN ((size_t)1 << 16)
#define BM_GROW_PAGES ((size_t)8)
#define BM_DEFAULT_CHUNK ((size_t)16)
#define BM_REGION_SHIFT 11 /* a search region: 2048 chunks (32 or 64 map words) */
#define BM_REGION ((size_t)1 << BM_REGION_SHIFT)
#define BM_REGION_WORDS (BM_REGION / BM_W)

/* A region record (see skip_region): the region's free chunks in the low
   12 bits, its mark (an index into bm_miss_len) in the top 4. */
typedef uint16_t bm_rec;
#define BM_COUNT ((bm_rec)0x0fff)
#define BM_MARK_SHIFT 12
#define BM_RNONE ((bm_rec)0xf000) /* the mark that claims nothing */

_Static_assert(BM_REGION % BM_W == 0 && BM_REGION <= BM_COUNT, "a region is whole map words; a record counts the "
                                                               "free chunks of a whole region");
_Static_assert(sizeof(bm_rec) == 2, "the essay's bytes per region");

struct bm_block {
    struct bm_block *next;
    bm_word *freebits; /* bit i of word i/W: chunk i is free; bits past nchunks are 0 */
    bm_word *heads;    /* bit i of word i/W: chunk i is the first of an allocation */
    bm_rec *reg;       /* per region (see skip_region); one past the last region: 0 */
    uintptr_t base;    /* address of chunk 0, aligned to the chunk size */
    size_t nchunks;
    size_t nwords;
    size_t free_chunks;
    size_t hint;   /* search start: every chunk below it is used (0..nchunks) */
    size_t reach;  /* no free run of h->reach_len chunks or more starts below it (0..nchunks) */
    uintptr_t end; /* one past the last segment */
    size_t nsegs;  /* segments; the page counts of all but the first follow the head bits */
};

_Static_assert(sizeof(struct bm_block) == 12 * sizeof(void *), "the essay's per-block descriptor size");

struct hb_heap {
    struct bm_block first; /* the initial block's descriptor */
    struct bm_block *cur;  /* the block last allocated from or freed into */
    struct hb_config cfg;
    size_t chunk, shift; /* chunk size and its log2 */
    size_t nblocks, pool;
    size_t reach_len, granted_chunks; /* reach_len: see bm_block.reach; live = allocs - frees */
    uint64_t allocs, frees, failures;
};

/* What one search looks for: n chunks whose first one is aligned to
   `align` bytes, i.e. whose index is `off` modulo `step` (off per block). */
struct bm_req {
    size_t n;
    size_t align;
    size_t step;
};

/* ---- bit helpers --------------------------------------------------- */

static inline size_t ctz_word(bm_word w)
{
    return (size_t)__builtin_ctzl(w);
}
static inline size_t leading_ones(bm_word w)
{
    return w == BM_ALL ? BM_W : (size_t)__builtin_clzl(~w);
}
static inline bm_word low_bits(size_t r)
{
    return r >= BM_W ? BM_ALL : ((bm_word)1 << r) - 1;
}

static inline size_t popcount_word(bm_word w)
{
    return (size_t)__builtin_popcountl(w);
}

static void set_free_bits(bm_word *f, size_t i, size_t n)
{
    while (n) {
        size_t bit = i % BM_W, take = BM_W - bit < n ? BM_W - bit : n;
        f[i / BM_W] |= low_bits(take) << bit;
        i += take;
        n -= take;
    }
}

static inline void clear_free_bits(bm_word *f, size_t i, size_t n)
{
    if (i % BM_W + n <= BM_W) { /* the common case: inside one word */
        f[i / BM_W] &= ~(low_bits(n) << (i % BM_W));
        return;
    }
    while (n) {
        size_t bit = i % BM_W, take = BM_W - bit < n ? BM_W - bit : n;
        f[i / BM_W] &= ~(low_bits(take) << bit);
        i += take;
        n -= take;
    }
}

/* First chunk in [from, to) whose free bit is 0 (used), or `to`. */
static size_t first_used(const struct bm_block *b, size_t from, size_t to)
{
    if (from >= to)
        return to;
    size_t k = from / BM_W;
    bm_word w = ~b->freebits[k] & (BM_ALL << (from % BM_W));
    for (;;) {
        if (w) {
            size_t i = k * BM_W + ctz_word(w);
            return i < to ? i : to;
        }
        if (++k * BM_W >= to)
            return to;
        w = ~b->freebits[k];
    }
}

/* First free chunk at or after `from`, or nchunks. */
static size_t first_free(const struct bm_block *b, size_t from)
{
    if (from >= b->nchunks)
        return b->nchunks;
    size_t k = from / BM_W;
    bm_word w = b->freebits[k] & (BM_ALL << (from % BM_W));
    for (;;) {
        if (w)
            return k * BM_W + ctz_word(w); /* bits past nchunks are 0 */
        if (++k == b->nwords)
            return b->nchunks;
        w = b->freebits[k];
    }
}

/* ---- alignment ----------------------------------------------------- */

/* The index, modulo step, of the chunks of b that start `align`-aligned. */
static inline size_t aligned_offset(const hb_heap *h, const struct bm_block *b, size_t align)
{
    if (align <= h->chunk)
        return 0;
    return ((align - (b->base & (align - 1))) & (align - 1)) >> h->shift;
}

/* The first index >= x that is off modulo step. */
static inline size_t first_aligned_from(size_t x, size_t step, size_t off)
{
    if (step == 1)
        return x;
    if (x <= off)
        return off;
    return off + ((x - off + step - 1) & ~(step - 1));
}

/* Bits at positions off, off+step, ... of a word (step < W, both powers of 2). */
static inline bm_word aligned_pattern(size_t step, size_t off)
{
    return step == 1 ? BM_ALL : (BM_ALL / low_bits(step)) << off;
}

/* ---- region marks ------------------------------------------------ */

/* Region marks.  Mark c of region r says that no bm_miss_len[c] free
   chunks in a row start in r (chunks r * BM_REGION on), counting a free
   run that begins before r from r's first chunk on, as a search that
   starts at r does; the last mark claims nothing (BM_RNONE).  Such a
   stretch lies in r and r + 1, so a free clears the marks of the regions
   it touches after its first and of the one before it when it joins a free
   neighbour (release_run); an extension clears the last two regions'
   marks.  A claim that falls between two lengths is kept as the longer,
   which is weaker and still true. */
static const uint16_t bm_miss_len[16] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32, 48, 64, 0xffff};

/* Does a region's record say no free run of n chunks starts there? */
static inline int mark_denies(bm_rec rec, size_t n)
{
    return bm_miss_len[rec >> BM_MARK_SHIFT] <= n;
}

/* The mark of the claim "no n free chunks in a row start here". */
static inline bm_rec mark_for(size_t n)
{
    size_t c = 0; /* how many lengths are below n: a binary search of the sorted table */
    for (size_t step = 8; step; step >>= 1)
        if (bm_miss_len[c + step - 1] < n)
            c += step;
    return (bm_rec)((c < 15 ? c : 15) << BM_MARK_SHIFT);
}

/* Region counts.  The low bits of reg[r] count the free chunks in region
   r (the record past the last region is 0).  A free run of n chunks that
   starts in r lies in r and r + 1 unless it covers r + 1 whole, so none
   starts in r when r has no free chunk, or when r + 1 has a used chunk (or
   is the last region, or past it) and the two regions hold fewer than n
   free chunks between them.  This holds for any n and any alignment. */
static inline int skip_region(const struct bm_block *b, size_t r, size_t n)
{
    size_t here = b->reg[r] & BM_COUNT, next = b->reg[r + 1] & BM_COUNT;
    return here == 0 || (here + next < n && next < BM_REGION) || mark_denies(b->reg[r], n);
}

/* Region r was searched in vain for a free run of n <= BM_REGION chunks:
   keep the stronger claim. */
static inline void mark_region(bm_rec *m, size_t n)
{
    bm_rec c = mark_for(n);
    if ((*m & BM_RNONE) > c)
        *m = (bm_rec)((*m & BM_COUNT) | c);
}

/* count_run for any run (n may be 0): the loop the growth paths call
   directly and the fast paths only for a run over more than one region. */
static void count_span(bm_rec *reg, size_t i, size_t n, int add)
{
    size_t r = i >> BM_REGION_SHIFT, in = BM_REGION - (i & (BM_REGION - 1)); /* chunks of region r from i on */
    for (;;) {
        size_t take = n < in ? n : in;
        reg[r] = (bm_rec)(add ? reg[r] + take : reg[r] - take);
        if ((n -= take) == 0)
            return;
        r++;
        in = BM_REGION;
    }
}

/* Chunks i .. i+n-1 (n >= 1) became free (add) or used (!add): move the
   counts of the regions they lie in.  Returns the region of the last. */
static inline __attribute__((always_inline)) size_t count_run(bm_rec *reg, size_t i, size_t n, int add)
{
    size_t r = i >> BM_REGION_SHIFT, last = (i + n - 1) >> BM_REGION_SHIFT;
    if (last == r) /* the common case: inside one region */
        reg[r] = (bm_rec)(add ? reg[r] + n : reg[r] - n);
    else
        count_span(reg, i, n, add);
    return last;
}

/* The map word after the region of word k (or nwords). */
static inline size_t region_end(const struct bm_block *b, size_t k)
{
    size_t end = (k / BM_REGION_WORDS + 1) * BM_REGION_WORDS;
    return end < b->nwords ? end : b->nwords;
}

/* The first map word at or after k in a region not skipped for n, or
   nwords. */
static inline size_t skip_regions(const struct bm_block *b, size_t k, size_t n)
{
    while (skip_region(b, k / BM_REGION_WORDS, n)) {
        k = (k / BM_REGION_WORDS + 1) * BM_REGION_WORDS;
        if (k >= b->nwords)
            return b->nwords;
    }
    return k;
}

/* ---- searches: each returns the first fitting start at or after `from`
        (below it every chunk is used), or BM_NONE; bits past nchunks are
        0, so no fit reaches past the map and no search needs a limit ---- */

/* Bit i of the result: chunks i .. i+n-1 are all free, where lo holds
   chunks 0..W-1 and hi chunks W..2W-1 (n <= W, so the answer is exact). */
static inline bm_word fit_starts(bm_word lo, bm_word hi, size_t n)
{
    size_t have = 1;
    while (have < n && lo) {
        size_t t = have < n - have ? have : n - have; /* 1 <= t < W */
        lo &= (lo >> t) | (hi << (BM_W - t));
        hi &= hi >> t;
        have += t;
    }
    return lo;
}

/* n <= W and step < W: one word of fit starts at a time. */
static size_t find_short(const struct bm_block *b, size_t from, size_t n, bm_word pattern)
{
    const bm_word *f = b->freebits;
    size_t k = from / BM_W;
    bm_word lo = f[k] & (BM_ALL << (from % BM_W));
    for (;;) {
        bm_word hi = k + 1 < b->nwords ? f[k + 1] : 0;
        if (lo) {
            bm_word starts = (n == 1 ? lo : fit_starts(lo, hi, n)) & pattern;
            if (starts)
                return k * BM_W + ctz_word(starts);
        }
        if (++k == b->nwords)
            return BM_NONE;
        lo = hi;
    }
}

/* Does a free run from s to the end of the map hold n chunks?  (A broken
   copy in conformance/broken/ drops this test to prove the suite catches
   its loss; nothing else redefines it.) */
#ifndef BM_END_RUN_FITS
#define BM_END_RUN_FITS(b, s, n) ((s) < (b)->nchunks && (n) <= (b)->nchunks - (s))
#endif

/* n > W and step < W: a fit spans at least one word boundary, so only runs
   that touch a word's top or bottom matter: track the run open at each
   boundary (whole words of free or used chunks cost one test). */
static size_t find_long(struct bm_block *b, size_t from, size_t n, size_t step, size_t off)
{
    int marks = step == 1 && n <= BM_REGION; /* what the region marks can say */
    size_t k0 = from / BM_W, k = skip_regions(b, k0, n), run = BM_NONE;
    if (k == b->nwords)
        return BM_NONE;
    size_t stop = region_end(b, k);
    bm_word w = b->freebits[k] & (k == k0 ? BM_ALL << (from % BM_W) : BM_ALL);
    for (;;) {
        size_t base = k * BM_W;
        if (w == BM_ALL) {
            if (run == BM_NONE)
                run = base;
        } else {
            if (run != BM_NONE) {
                size_t end = base + ctz_word(~w);
                size_t s = first_aligned_from(run, step, off);
                if (s < end && n <= end - s)
                    return s;
                run = BM_NONE;
            }
            size_t top = leading_ones(w);
            if (top)
                run = base + BM_W - top;
        }
        if (++k == stop) {
            if (k == b->nwords)
                break;
            if (run == BM_NONE) { /* a region searched in vain, no run pending */
                if (marks)
                    mark_region(&b->reg[k / BM_REGION_WORDS - 1], n);
                if ((k = skip_regions(b, k, n)) == b->nwords)
                    return BM_NONE;
            }
            stop = region_end(b, k);
        }
        w = b->freebits[k];
    }
    if (run != BM_NONE) { /* open at the end of the map: nchunks is a multiple of W */
        size_t s = first_aligned_from(run, step, off);
        if (BM_END_RUN_FITS(b, s, n))
            return s;
    }
    if (marks)
        mark_region(&b->reg[(b->nwords - 1) / BM_REGION_WORDS], n);
    return BM_NONE;
}

/* step >= W: at most one candidate per word; test each, skipping the used
   and free stretches in between a word at a time. */
static size_t find_aligned(const struct bm_block *b, size_t from, size_t n, size_t step, size_t off)
{
    size_t s = first_aligned_from(from, step, off);
    while (s < b->nchunks && n <= b->nchunks - s) {
        size_t used = first_used(b, s, s + n);
        if (used == s + n)
            return s;
        s = first_aligned_from(first_free(b, used), step, off);
    }
    return BM_NONE;
}

/* ---- the reach claim ---------------------------------------------- */

/* Reach.  Block b's reach says that every free run of h->reach_len
   chunks or more starts at or after it, or holds it (one length for the
   heap, a position per block).  A search for n >= reach_len chunks, at any
   alignment, starts at the first chunk of the free run that holds the
   reach (reach_start), or at the reach when its chunk is used: a fit below
   would lie in such a run.  A first-fit search for n chunks without
   alignment that takes the n at s (or finds none) proves the claim for n
   at s + n (or nchunks); it replaces b's claim when it reaches as far
   (note_reach).  A free below the reach moves it to the freed chunk (the
   run it makes holds it); an allocation takes the first chunks of a free
   run, which breaks no claim, unless an alignment puts it inside a run
   below the reach (the reach moves to that run's start); an extension
   pulls the reach back to the free run at the top of the old map; a trim
   below it, to the hint. */

/* The first chunk of the free run that holds chunk i (free), a word at a
   time down to the hint's word at the furthest. */
static inline size_t run_start(const struct bm_block *b, size_t i)
{
    size_t k = i / BM_W;
    bm_word used = ~b->freebits[k] & low_bits(i % BM_W);
    while (!used) {
        if (k == 0)
            return 0;
        used = ~b->freebits[--k];
    }
    return k * BM_W + BM_W - (size_t)__builtin_clzl(used);
}

/* b's reach, moved to the start of the free run that holds it. */
static size_t reach_start(struct bm_block *b)
{
    size_t r = b->reach;
    if (r > b->hint && r < b->nchunks && ((b->freebits[r / BM_W] >> (r % BM_W)) & 1u))
        b->reach = r = run_start(b, r);
    return r;
}

/* Where a search for n chunks in b starts. */
static inline size_t search_from(const hb_heap *h, struct bm_block *b, size_t n)
{
    return n >= h->reach_len && b->reach > b->hint ? reach_start(b) : b->hint;
}

/* An unaligned first-fit search for n chunks in b found none below pos - n
   and took the n at pos - n (or found none: pos = nchunks).  A shorter
   length voids the other blocks' claims. */
static void note_reach(hb_heap *h, struct bm_block *b, size_t n, size_t pos)
{
    if (pos < b->reach)
        return;
    if (n > h->reach_len && pos < b->reach + n + 8 * BM_W) /* the shorter claim still serves n nearby */
        return;
    if (n < h->reach_len)
        for (struct bm_block *c = &h->first; c; c = c->next)
            c->reach = 0;
    h->reach_len = n;
    b->reach = pos;
}

/* First fit inside one block from search_from.  free_chunks >= n >= 1 puts
   the hint below nchunks. */
static inline __attribute__((always_inline)) size_t find_in_block(hb_heap *h, struct bm_block *b,
                                                                  const struct bm_req *r)
{
    if (b->free_chunks < r->n)
        return BM_NONE;
    size_t from = search_from(h, b, r->n), off = aligned_offset(h, b, r->align), s;
    if (from >= b->nchunks)
        return BM_NONE;
    if (r->step >= BM_W)
        s = find_aligned(b, from, r->n, r->step, off);
    else if (r->n > BM_W)
        s = find_long(b, from, r->n, r->step, off);
    else
        s = find_short(b, from, r->n, aligned_pattern(r->step, off));
    if (r->step > 1) {
        if (s != BM_NONE && s <= b->reach) /* s may lie inside a free run: its start holds the claim */
            b->reach = run_start(b, s);
    } else if (s != from) { /* a fit at the start tells no more than the hint or the reach */
        note_reach(h, b, r->n, s == BM_NONE ? b->nchunks : s + r->n);
    }
    return s;
}

/* The small search past the hint's word, from word k: the reach when it
   covers n and lies eight words or more ahead, else the next words of
   the hint's region, then region by region, skipping the regions whose
   records rule out a fit of n and marking those searched in vain; then
   note_reach. */
static inline __attribute__((always_inline)) size_t find_small_on(hb_heap *h, struct bm_block *b, size_t n, size_t k)
{
    const bm_word *f = b->freebits;
    size_t s = BM_NONE, stop = k, nw = b->nwords;
    size_t k0 = k + 8; /* a reach nearer than this costs more than the words it skips */
    int jump = n >= h->reach_len && b->reach >= k0 * BM_W;
    /* Without a jump, first the words before k0 in the hint's region,
       where most searches end, with no look at the records. */
    size_t near = region_end(b, k - 1) < k0 ? region_end(b, k - 1) : k0;
    for (near = jump ? k : near; k < near; k++) {
        bm_word lo = f[k];
        if (lo) {
            bm_word starts = n > 1 ? fit_starts(lo, k + 1 < nw ? f[k + 1] : 0, n) : lo;
            if (starts) {
                s = k * BM_W + ctz_word(starts);
                if (n == 1)
                    b->hint = s; /* as below */
                return s;
            }
        }
    }
    stop = k;
    for (;;) {
        bm_word lo;
        if (k == stop) {
            if (k % BM_REGION_WORDS == 0 || k == nw) /* a region searched in vain */
                mark_region(&b->reg[(k - 1) / BM_REGION_WORDS], n);
            if (jump) {
                size_t from = reach_start(b);
                jump = 0;
                if (from >= b->nchunks)
                    break;
                k = from / BM_W;
                stop = k + 1;
                lo = f[k] & (BM_ALL << (from % BM_W));
            } else {
                if (k == nw || (k = skip_regions(b, k, n)) == nw)
                    break;
                stop = region_end(b, k);
                lo = f[k];
            }
        } else {
            lo = f[k];
        }
        if (lo) {
            bm_word starts = n > 1 ? fit_starts(lo, k + 1 < nw ? f[k + 1] : 0, n) : lo;
            if (starts) {
                s = k * BM_W + ctz_word(starts);
                break;
            }
        }
        k++;
    }
    if (s == BM_NONE)
        note_reach(h, b, n, b->nchunks);
    else if (n == 1)
        b->hint = s;         /* every chunk from the hint to s is used: take_run moves the hint past s */
    else if (s >= k0 * BM_W) /* far enough for a later search to jump */
        note_reach(h, b, n, s + n);
    return s;
}

/* The common request, n <= W chunks with no alignment above the chunk
   size, in the hint's word: the first start of n free chunks there at or
   after the hint, or BM_NONE.  The caller has seen free_chunks >= n, so
   the hint is below nchunks. */
static inline __attribute__((always_inline)) size_t fit_at_hint(const struct bm_block *b, size_t n)
{
    const bm_word *f = b->freebits;
    size_t k = b->hint / BM_W;
    bm_word lo = f[k] & (BM_ALL << (b->hint % BM_W));
    if (lo) {
        bm_word starts = n > 1 ? fit_starts(lo, k + 1 < b->nwords ? f[k + 1] : 0, n) : lo;
        if (starts)
            return k * BM_W + ctz_word(starts);
    }
    return BM_NONE;
}

/* ---- block layout -------------------------------------------------- */

/* A block is [descriptor][chunks][free bits][head bits][segment pages]:
   the maps and the segment table (the tail, whole words) sit at its end, so
   a block grows by the memory that begins where it ends without moving a
   chunk. */

static inline size_t words_for(size_t nchunks)
{
    return (nchunks + BM_W - 1) / BM_W;
}

static inline size_t regions_for(size_t nchunks)
{
    return (nchunks + BM_REGION - 1) >> BM_REGION_SHIFT;
}

/* Words of the region records of a block of n chunks (one per region and
   the {0, 0} past the last). */
static inline size_t region_words(size_t n)
{
    return ((regions_for(n) + 1) * sizeof(bm_rec) + sizeof(bm_word) - 1) / sizeof(bm_word);
}

/* Words of the tail of a block of n chunks and nsegs >= 1 segments. */
static inline size_t tail_words(size_t n, size_t nsegs)
{
    return 2 * words_for(n) + region_words(n) + nsegs - 1;
}

/* The page counts of b's segments after the first, in address order (the
   first is what the others leave of the block: a whole number of pages, or
   the block create() was given). */
static inline bm_word *segs_of(const struct bm_block *b)
{
    return b->heads + b->nwords + region_words(b->nchunks);
}

/* Where the tail of n chunks and nsegs segments starts in a block ending at
   end; the caller has seen that it fits above base. */
static inline uintptr_t tail_at(uintptr_t end, size_t n, size_t nsegs)
{
    return hb_align_down(end - tail_words(n, nsegs) * sizeof(bm_word), sizeof(bm_word));
}

static int layout_fits(uintptr_t base, uintptr_t end, size_t n, size_t nsegs, size_t chunk)
{
    if (end < base || n > (end - base) / chunk)
        return 0;
    size_t tail = tail_words(n, nsegs) * sizeof(bm_word);
    return tail <= end - base && n <= (tail_at(end, n, nsegs) - base) / chunk;
}

/* The most chunks from base on that fit, with the tail, below end. */
static size_t chunks_that_fit(uintptr_t base, uintptr_t end, size_t nsegs, size_t chunk)
{
    if (end <= base)
        return 0;
    /* A region of chunks costs its bytes, 2 map bits a chunk and a mark;
       the estimate is a few chunks off at most (rounding to words). */
    size_t avail = end - base, per = BM_REGION * chunk + BM_REGION / 4 + sizeof(bm_rec);
    size_t n = avail / per * BM_REGION + avail % per * BM_REGION / per;
    while (n && !layout_fits(base, end, n, nsegs, chunk))
        n--;
    while (layout_fits(base, end, n + 1, nsegs, chunk))
        n++;
    return n;
}

/* Point b's maps at tail and record its chunk count; the region marks
   from region `keep` on say nothing yet, the record past the last region
   is {0, 0}.  The caller sets the region counts. */
static inline void set_geometry(struct bm_block *b, uintptr_t tail, size_t n, size_t keep)
{
    b->nchunks = n;
    b->nwords = words_for(n);
    b->freebits = (bm_word *)tail;
    b->heads = b->freebits + b->nwords;
    b->reg = (bm_rec *)(void *)(b->heads + b->nwords);
    size_t regions = regions_for(n);
    for (size_t r = keep; r < regions; r++)
        b->reg[r] |= BM_RNONE;
    b->reg[regions] = 0;
}

/* Lay out a block of one segment over [mem, end) with a descriptor of
   `descriptor` bytes at mem. */
static int init_block(const hb_heap *h, struct bm_block *b, void *mem, uintptr_t end, size_t descriptor)
{
    uintptr_t base = hb_align_up((uintptr_t)mem + descriptor, h->chunk);
    if (base < (uintptr_t)mem)
        return 0;
    size_t n = chunks_that_fit(base, end, 1, h->chunk);
    if (n == 0)
        return 0;
    b->next = NULL;
    b->base = base;
    set_geometry(b, tail_at(end, n, 1), n, 0);
    memset(b->freebits, 0, 2 * b->nwords * sizeof(bm_word));
    set_free_bits(b->freebits, 0, n);
    for (size_t r = 0; r < regions_for(n); r++)
        b->reg[r] = BM_RNONE;
    count_span(b->reg, 0, n, 1);
    b->free_chunks = n;
    b->hint = 0;
    b->reach = 0;
    b->end = end;
    b->nsegs = 1;
    return 1;
}

/* Free chunks at the top of b's map: the run an extension of b joins. */
static size_t top_free_run(const struct bm_block *b)
{
    size_t k = b->nwords - 1, valid = b->nchunks - k * BM_W; /* 1..W map bits in word k */
    size_t run = leading_ones(b->freebits[k] << (BM_W - valid));
    if (run < valid)
        return run;
    while (k-- > 0) {
        size_t top = leading_ones(b->freebits[k]);
        run += top;
        if (top < BM_W)
            break;
    }
    return run;
}

/* Grow b by the `pages` pages that begin where it ends: the tail moves to
   the new end (a word at a time, the new words cleared), and the old tail,
   the gap below it and the new memory below the new tail become free
   chunks.  0 (b unchanged) when the tail would not move up. */
static int extend_block(hb_heap *h, struct bm_block *b, size_t pages)
{
    size_t len = pages * h->cfg.page_size;
    uintptr_t end = b->end + len;
    if (pages > SIZE_MAX / h->cfg.page_size || end < b->end)
        return 0;
    size_t n = chunks_that_fit(b->base, end, b->nsegs + 1, h->chunk);
    if (n == 0 || n < b->nchunks)
        return 0;
    uintptr_t tail = tail_at(end, n, b->nsegs + 1);
    if (tail < (uintptr_t)b->freebits)
        return 0;
    bm_word *f = b->freebits, *hd = b->heads, *sg = segs_of(b);
    bm_word *nf = (bm_word *)tail, *nhd = nf + words_for(n), *nrg = nhd + words_for(n);
    bm_word *nsg = nrg + region_words(n);
    size_t old_n = b->nchunks, nw = b->nwords, add = words_for(n) - nw, old_r = regions_for(old_n);
    size_t top = old_n - top_free_run(b); /* where the free run that joins the new chunks starts */
    if (b->reach > top)
        b->reach = top;
    /* Upward, highest array first: no copy overwrites a source still to be
       read (set_geometry clears the marks of the last two old regions and
       the new ones, the counts of the new chunks are added below). */
    memmove(nsg, sg, (b->nsegs - 1) * sizeof(bm_word));
    memmove(nrg, b->reg, old_r * sizeof(bm_rec));
    memmove(nhd, hd, nw * sizeof(bm_word));
    memmove(nf, f, nw * sizeof(bm_word));
    memset(nf + nw, 0, add * sizeof(bm_word));
    memset(nhd + nw, 0, add * sizeof(bm_word));
    nsg[b->nsegs++ - 1] = pages;
    set_geometry(b, tail, n, old_r > 2 ? old_r - 2 : 0);
    for (size_t r = old_r; r < regions_for(n); r++)
        b->reg[r] = BM_RNONE;
    set_free_bits(b->freebits, old_n, n - old_n);
    count_span(b->reg, old_n, n - old_n, 1);
    b->free_chunks += n - old_n;
    b->end = end;
    h->nblocks++;
    h->pool += len;
    return 1;
}

/* Are chunks n.. of b all free?  (A broken copy in conformance/broken/
   drops this test to prove the suite catches its loss; nothing else
   redefines it.) */
#ifndef BM_FREE_FROM
#define BM_FREE_FROM(b, n) (first_used((b), (n), (b)->nchunks) == (b)->nchunks)
#endif

/* Give back b's last segment when the chunks that stay can hold the tail
   below it in chunks that are free: the tail moves down, the chunks at and
   above the new tail leave the map.  The bytes returned, or 0. */
static size_t trim_last_segment(hb_heap *h, struct bm_block *b)
{
    if (b->nsegs < 2)
        return 0;
    size_t k = b->nsegs - 1, pages = segs_of(b)[k - 1];
    size_t len = pages * h->cfg.page_size;
    uintptr_t end = b->end - len;
    size_t n = chunks_that_fit(b->base, end, k, h->chunk);
    if (n == 0 || n > b->nchunks || !BM_FREE_FROM(b, n))
        return 0;
    uintptr_t tail = tail_at(end, n, k);
    if (tail > (uintptr_t)b->freebits)
        return 0;
    bm_word *f = b->freebits, *hd = b->heads, *sg = segs_of(b);
    size_t nw = words_for(n);
    bm_word *nf = (bm_word *)tail, *nhd = nf + nw, *nrg = nhd + nw, *nsg = nrg + region_words(n);
    /* Downward, lowest array first: no copy overwrites a source still to be read. */
    memmove(nf, f, nw * sizeof(bm_word));
    memmove(nhd, hd, nw * sizeof(bm_word));
    memmove(nrg, b->reg, regions_for(n) * sizeof(bm_rec));
    memmove(nsg, sg, (k - 1) * sizeof(bm_word));
    if (n % BM_W) { /* chunks n.. are free and no heads: clear their free bits */
        nf[nw - 1] &= low_bits(n % BM_W);
        nhd[nw - 1] &= low_bits(n % BM_W);
    }
    b->free_chunks -= b->nchunks - n;
    if (n % BM_REGION) { /* the free chunks from n on in n's region, which stays, leave the map */
        bm_rec *last = (bm_rec *)(void *)nrg + (n >> BM_REGION_SHIFT);
        size_t top = (n | (BM_REGION - 1)) + 1;
        *last = (bm_rec)(*last - ((b->nchunks < top ? b->nchunks : top) - n));
    }
    set_geometry(b, tail, n, regions_for(n));
    if (b->hint > n)
        b->hint = n;
    if (b->reach > n)
        b->reach = b->hint;
    b->end = end;
    b->nsegs = k;
    h->nblocks--;
    h->pool -= len;
    h->cfg.put_pages(h->cfg.mm, (void *)end, pages);
    return len;
}

/* A block of the pool from the memory manager or expand(): its descriptor
   at its start.  NULL when it cannot hold a single chunk. */
static struct bm_block *add_block(hb_heap *h, void *mem, size_t len)
{
    struct bm_block *b = mem;
    if (!init_block(h, b, mem, (uintptr_t)mem + len, sizeof *b))
        return NULL;
    struct bm_block *last = &h->first;
    while (last->next)
        last = last->next;
    last->next = b;
    h->nblocks++;
    h->pool += len;
    return b;
}

/* Take a memory manager block of `pages` pages into the pool: it extends
   the block that ends where it begins, if any and if it can, else it is a
   block of its own.  The block that received it, or NULL. */
static struct bm_block *attach(hb_heap *h, void *mem, size_t pages)
{
    for (struct bm_block *b = &h->first; b; b = b->next)
        if (b->end == (uintptr_t)mem && extend_block(h, b, pages))
            return b;
    return add_block(h, mem, pages * h->cfg.page_size);
}

/* Does a page-aligned block of `pages` pages, a block of its own, hold an
   aligned run for r?  Above the page size the block's address modulo align
   is unknown, so the worst offset is assumed. */
static int pages_serve(const hb_heap *h, size_t pages, const struct bm_req *r)
{
    size_t ps = h->cfg.page_size;
    uintptr_t base = hb_align_up(sizeof(struct bm_block), h->chunk);
    size_t n = chunks_that_fit(base, pages * ps, 1, h->chunk);
    size_t off;
    if (r->align <= h->chunk)
        off = 0;
    else if (r->align <= ps)
        off = ((r->align - (base & (r->align - 1))) & (r->align - 1)) >> h->shift;
    else
        off = r->step - 1;
    return off < n && r->n <= n - off;
}

/* The fewest pages, at least min_pages, of a new block that serves r;
   0 when no such block can be described in a size_t. */
static size_t pages_for(const hb_heap *h, const struct bm_req *r, size_t min_pages)
{
    size_t ps = h->cfg.page_size, chunk = h->chunk;
    size_t cap = (SIZE_MAX / 4) / (chunk + 2); /* keeps every byte count below SIZE_MAX / 2 */
    if (r->n > cap || r->step > cap - r->n)
        return 0;
    size_t bytes = sizeof(struct bm_block) + 3 * sizeof(bm_word) + chunk + r->n * (chunk + 1);
    size_t pages = bytes / ps + 1;
    if (pages < min_pages)
        pages = min_pages;
    while (!pages_serve(h, pages, r))
        pages++;
    return pages;
}

/* The fewest pages that, added where b ends, make b serve r; 0 when the
   block's end cannot move that far.  pages_for has bounded r. */
static size_t extension_pages(const hb_heap *h, const struct bm_block *b, const struct bm_req *r)
{
    size_t ps = h->cfg.page_size, chunk = h->chunk;
    size_t s = first_aligned_from(b->nchunks - top_free_run(b), r->step, aligned_offset(h, b, r->align));
    size_t want = s + r->n; /* chunks the block must hold */
    if (want <= b->nchunks)
        return 1;
    /* Bytes past the last chunk, a little more than the extra chunks and the
       larger tail take; then at most a page or two of correction. */
    size_t bytes = (want - b->nchunks) * chunk + tail_words(want, b->nsegs + 1) * sizeof(bm_word) + chunk;
    size_t have = b->end - (b->base + (b->nchunks << h->shift));
    size_t pages = bytes > have ? (bytes - have + ps - 1) / ps : 1;
    if (pages > (UINTPTR_MAX - b->end) / ps)
        return 0;
    while (pages > 1 && chunks_that_fit(b->base, b->end + (pages - 1) * ps, b->nsegs + 1, chunk) >= want)
        pages--;
    while (chunks_that_fit(b->base, b->end + pages * ps, b->nsegs + 1, chunk) < want)
        if (++pages > (UINTPTR_MAX - b->end) / ps)
            return 0;
    return pages;
}

/* Grow the pool for r by a memory manager block.  The block the manager
   lends next usually begins where the pool's highest block ends: unless
   `fresh`, ask for what extends that block to serve r when that is less
   than what serves r as a block of its own.  Either may fail to serve r
   (the lent block lands elsewhere, or an extension's alignment offset
   differs): the caller searches and asks again, fresh. */
static struct bm_block *grow(hb_heap *h, const struct bm_req *r, int fresh)
{
    if (!h->cfg.get_pages || !h->cfg.page_size)
        return NULL;
    size_t need = pages_for(h, r, 1);
    if (!need)
        return NULL;
    if (!fresh) {
        const struct bm_block *top = &h->first;
        for (const struct bm_block *b = h->first.next; b; b = b->next)
            if (b->end > top->end)
                top = b;
        size_t ext = extension_pages(h, top, r);
        if (ext && ext < need)
            need = ext;
    }
    size_t want = need > BM_GROW_PAGES ? need : BM_GROW_PAGES;
    void *mem = h->cfg.get_pages(h->cfg.mm, want);
    if (!mem && want > need)
        mem = h->cfg.get_pages(h->cfg.mm, want = need);
    if (!mem)
        return NULL;
    struct bm_block *b = attach(h, mem, want);
    if (!b && h->cfg.put_pages) /* cannot happen: pages_for checked the layout */
        h->cfg.put_pages(h->cfg.mm, mem, want);
    return b;
}

/* ---- allocation ---------------------------------------------------- */

/* Mark chunks s .. s+n-1 of b as one allocation: used, s its head. */
static inline __attribute__((always_inline)) void *take_run(hb_heap *h, struct bm_block *b, size_t s, size_t n)
{
    b->heads[s / BM_W] |= (bm_word)1 << (s % BM_W);
    clear_free_bits(b->freebits, s, n);
    count_run(b->reg, s, n, 0);
    b->free_chunks -= n;
    if (s == b->hint)
        b->hint = s + n;
    h->cur = b;
    h->granted_chunks += n;
    h->allocs++;
    return (void *)(b->base + (s << h->shift));
}

/* Growth for r, which no block serves: grow, then search the block that
   received the pages. */
static __attribute__((noinline)) void *alloc_grow(hb_heap *h, size_t n, size_t align, size_t step)
{
    struct bm_req r = {n, align, step};
    for (int fresh = 0;; fresh = 1) {
        struct bm_block *b = grow(h, &r, fresh);
        if (!b) {
            h->failures++;
            return NULL;
        }
        size_t s = find_in_block(h, b, &r);
        if (s != BM_NONE)
            return take_run(h, b, s, n);
    }
}

/* A small request that bm_alloc's probe did not serve (`probed`: the
   initial block's hint word holds no fit): oldest block first, then
   growth. */
static __attribute__((noinline)) void *alloc_small(hb_heap *h, size_t n, int probed)
{
    for (struct bm_block *b = &h->first; b; b = b->next, probed = 0) {
        if (b->free_chunks < n)
            continue;
        size_t s = probed ? BM_NONE : fit_at_hint(b, n);
        if (s == BM_NONE)
            s = find_small_on(h, b, n, b->hint / BM_W + 1);
        if (s != BM_NONE)
            return take_run(h, b, s, n);
    }
    return alloc_grow(h, n, h->chunk, 1); /* every chunk start has the alignment */
}

/* Any other request: longer than a word of chunks or aligned above the
   chunk size. */
static __attribute__((noinline)) void *alloc_other(hb_heap *h, size_t n, size_t align)
{
    struct bm_req r;
    r.n = n;
    r.align = hb_effective_align(align, BM_MAX_ALIGN);
    if (!r.align) {
        h->failures++;
        return NULL;
    }
    r.step = r.align > h->chunk ? r.align >> h->shift : 1;
    for (struct bm_block *b = &h->first; b; b = b->next) {
        size_t s = find_in_block(h, b, &r);
        if (s != BM_NONE)
            return take_run(h, b, s, r.n);
    }
    return alloc_grow(h, r.n, r.align, r.step);
}

/* The fast path: a small request (n <= W chunks, no alignment above the
   chunk size, so any valid one) that fits in the initial block's hint
   word, with no register saved for the rest (tail calls). */
static void *bm_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)tag;
    size_t n = size ? ((size - 1) >> h->shift) + 1 : 1;
    if (n > BM_W || align > h->chunk || (align & (align - 1)))
        return alloc_other(h, n, align);
    struct bm_block *b = &h->first;
    if (b->free_chunks < n)
        return alloc_small(h, n, 0);
    size_t s = fit_at_hint(b, n);
    if (s == BM_NONE)
        return alloc_small(h, n, 1);
    return take_run(h, b, s, n);
}

/* ---- free ---------------------------------------------------------- */

static struct bm_block *block_of(const hb_heap *h, uintptr_t a)
{
    if (a - h->cur->base < (h->cur->nchunks << h->shift))
        return h->cur;
    for (const struct bm_block *b = &h->first; b; b = b->next)
        if (a - b->base < (b->nchunks << h->shift))
            return (struct bm_block *)b;
    return NULL;
}

static inline int is_head(const struct bm_block *b, size_t i)
{
    return (int)((b->heads[i / BM_W] >> (i % BM_W)) & 1u);
}

/* The chunk index of a live allocation's first chunk at a, or BM_NONE.
   A head bit is set only on a used chunk, so it alone proves both. */
static size_t run_start_of(const hb_heap *h, const struct bm_block *b, uintptr_t a)
{
    uintptr_t off = a - b->base;
    if (off & (h->chunk - 1))
        return BM_NONE;
    size_t i = off >> h->shift;
    return is_head(b, i) ? i : BM_NONE;
}

/* Chunks in the allocation whose head is i: it ends at the next free chunk
   or head, found a word of both maps at a time. */
static size_t run_length(const struct bm_block *b, size_t i)
{
    size_t j = i + 1, k = j / BM_W;
    if (j == b->nchunks)
        return 1;
    bm_word w = (b->freebits[k] | b->heads[k]) & (BM_ALL << (j % BM_W));
    while (!w) {
        if (++k == b->nwords)
            return b->nchunks - i; /* bits past nchunks are 0 */
        w = b->freebits[k] | b->heads[k];
    }
    return k * BM_W + ctz_word(w) - i;
}

/* Chunks i .. i+n-1 became free and the mark of their first region or of
   the one before claims something: a run that joins a free neighbour
   starts in that region or the one before (clear both); one between used
   chunks (or the map's ends) is a free run of its own, which only the
   mark of its first region may deny (mark it one longer). */
static inline int freed_marks(struct bm_block *b, size_t i, size_t n)
{
    const bm_word *f = b->freebits;
    size_t r = i >> BM_REGION_SHIFT, e = i + n;
    bm_rec *g = b->reg + r;
    int joins = i && ((f[(i - 1) / BM_W] >> ((i - 1) % BM_W)) & 1u);
    if (joins || (e < b->nchunks && ((f[e / BM_W] >> (e % BM_W)) & 1u))) {
        *g |= BM_RNONE;
        if (joins && r)
            g[-1] |= BM_RNONE;
    } else if (mark_denies(*g, n)) {
        /* the table starts 1, 2, ..., 8: the mark of n + 1 <= 8 is n */
        *g = (bm_rec)((*g & BM_COUNT) | (n < 8 ? (bm_rec)(n << BM_MARK_SHIFT) : mark_for(n + 1)));
    }
    return HB_OK;
}

/* Chunks i .. i+n-1, over more than one region, became free: their counts,
   the marks of the regions after the first (a new free run starts in
   each), then those of the first and the one before as freed_marks. */
static __attribute__((noinline)) int freed_span(struct bm_block *b, size_t i, size_t n)
{
    bm_rec *reg = b->reg;
    size_t r = i >> BM_REGION_SHIFT;
    count_span(reg, i, n, 1);
    for (size_t q = (i + n - 1) >> BM_REGION_SHIFT; q > r; q--)
        reg[q] |= BM_RNONE;
    if (reg[r] >= BM_RNONE && (r == 0 || reg[r - 1] >= BM_RNONE))
        return HB_OK;
    return freed_marks(b, i, n);
}

/* Free the allocation whose head is i in one pass a word at a time: clear
   its head bit and set the free bits of its chunks up to the next free
   chunk or head (or the end of the map).  Returns its length in chunks. */
static size_t release_run(struct bm_block *b, size_t i)
{
    bm_word *f = b->freebits, *hd = b->heads, stop;
    size_t k = i / BM_W, last = b->nwords - 1;
    hd[k] &= ~((bm_word)1 << (i % BM_W));
    bm_word run = BM_ALL << (i % BM_W); /* the chunks of word k from i on */
    while (!(stop = (f[k] | hd[k]) & run) && k < last) {
        f[k] |= run;
        run = BM_ALL;
        k++;
    }
    size_t end = stop ? ctz_word(stop) : b->nchunks - k * BM_W; /* in word k */
    f[k] |= run & low_bits(end);
    return k * BM_W + end - i;
}

/* The region records after release_run freed chunks i .. i+n-1: their
   counts, and the marks only when the run spans regions (freed_span) or
   a mark of its first region or the one before claims something
   (freed_marks).  Last in free, so that the rare paths are tail calls. */
static inline __attribute__((always_inline)) int freed_records(struct bm_block *b, size_t i, size_t n)
{
    size_t r = i >> BM_REGION_SHIFT;
    bm_rec *g = b->reg + r;
    if ((i + n - 1) >> BM_REGION_SHIFT != r)
        return freed_span(b, i, n);
    *g = (bm_rec)(*g + n);
    if (*g >= BM_RNONE && (r == 0 || g[-1] >= BM_RNONE))
        return HB_OK; /* no claim left that the run may break */
    return freed_marks(b, i, n);
}

/* The reach after a free at chunk i.  (A broken copy in conformance/broken/
   drops this update to prove that check() and the suite catch its loss;
   nothing else redefines it.) */
#ifndef BM_REACH_FREE
#define BM_REACH_FREE(b, i)                                                                                            \
    do {                                                                                                               \
        if ((i) < (b)->reach)                                                                                          \
            (b)->reach = (i);                                                                                          \
    } while (0)
#endif

static int bm_free(hb_heap *h, void *ptr)
{
    if (!ptr)
        return HB_OK;
    struct bm_block *b = block_of(h, (uintptr_t)ptr);
    if (!b)
        return HB_EBADPTR;
    uintptr_t off = (uintptr_t)ptr - b->base;
    size_t i = off >> h->shift;
    if ((off & (h->chunk - 1)) || !is_head(b, i)) /* a head bit is set only on a used chunk */
        return HB_EBADPTR;
    size_t n = release_run(b, i);
    b->free_chunks += n;
    if (i < b->hint)
        b->hint = i;
    BM_REACH_FREE(b, i);
    h->cur = b;
    h->granted_chunks -= n;
    h->frees++;
    return freed_records(b, i, n);
}

static size_t bm_usable_size(const hb_heap *h, const void *ptr)
{
    const struct bm_block *b = ptr ? block_of(h, (uintptr_t)ptr) : NULL;
    size_t i = b ? run_start_of(h, b, (uintptr_t)ptr) : BM_NONE;
    return i == BM_NONE ? 0 : run_length(b, i) << h->shift;
}

/* ---- create, expand, contract -------------------------------------- */

static size_t chunk_size_from(size_t param)
{
    size_t chunk = param ? param : BM_DEFAULT_CHUNK;
    if ((chunk != 16 && chunk != 32) || chunk < HB_DEFAULT_ALIGN)
        return 0;
    return chunk;
}

static hb_heap *bm_create(void *block, size_t len, const struct hb_config *cfg)
{
    size_t chunk = chunk_size_from(cfg ? cfg->param : 0);
    if (!block || !chunk || (uintptr_t)block % HB_DEFAULT_ALIGN || len < sizeof(hb_heap) ||
        (uintptr_t)block + len < (uintptr_t)block)
        return NULL;
    if (cfg && cfg->get_pages && !hb_is_pow2(cfg->page_size))
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    if (cfg)
        h->cfg = *cfg;
    h->chunk = chunk;
    h->shift = (size_t)__builtin_ctzl((unsigned long)chunk);
    h->reach_len = 1;
    if (!init_block(h, &h->first, block, (uintptr_t)block + len, sizeof *h))
        return NULL;
    h->cur = &h->first;
    h->nblocks = 1;
    h->pool = len;
    return h;
}

static int bm_expand(hb_heap *h, void *block, size_t len)
{
    size_t ps = h->cfg.page_size;
    if (!block || !hb_is_pow2(ps) || (uintptr_t)block % ps || len < ps || len % ps ||
        (uintptr_t)block + len < (uintptr_t)block)
        return HB_EINVAL;
    return attach(h, block, len / ps) ? HB_OK : HB_EINVAL;
}

static size_t bm_contract(hb_heap *h)
{
    size_t returned = 0;
    if (!h->cfg.put_pages)
        return 0;
    struct bm_block **link = &h->first.next;
    for (struct bm_block *b = &h->first; b; b = *link) {
        size_t n;
        while ((n = trim_last_segment(h, b)) != 0)
            returned += n;
        if (b == &h->first || b->nsegs > 1 || b->free_chunks != b->nchunks) {
            link = &b->next;
            continue;
        }
        *link = b->next;
        if (h->cur == b)
            h->cur = &h->first;
        size_t len = b->end - (uintptr_t)b, pages = len / h->cfg.page_size;
        h->nblocks--;
        h->pool -= len;
        returned += len;
        h->cfg.put_pages(h->cfg.mm, b, pages);
    }
    return returned;
}

/* ---- inspection ---------------------------------------------------- */

/* Bytes of a block's own metadata: descriptor (the whole struct hb_heap for
   the initial block), free-bit and head-bit words. */
static size_t block_meta(const hb_heap *h, const struct bm_block *b)
{
    size_t descriptor = b == &h->first ? sizeof(struct hb_heap) : sizeof(struct bm_block);
    return descriptor + tail_words(b->nchunks, b->nsegs) * sizeof(bm_word);
}

static size_t longest_free_run(const struct bm_block *b)
{
    size_t best = 0, i = first_free(b, 0);
    while (i < b->nchunks) {
        size_t end = first_used(b, i, b->nchunks);
        if (end - i > best)
            best = end - i;
        i = first_free(b, end);
    }
    return best;
}

static void bm_stats(const hb_heap *h, struct hb_stats *s)
{
    memset(s, 0, sizeof *s);
    size_t free_chunks = 0, chunk_bytes = 0, largest = 0;
    for (const struct bm_block *b = &h->first; b; b = b->next) {
        s->meta_bytes += block_meta(h, b);
        chunk_bytes += b->nchunks << h->shift;
        free_chunks += b->free_chunks;
        size_t run = longest_free_run(b);
        if (run > largest)
            largest = run;
    }
    /* The analyzer takes the loop's exit (b == NULL) as b = &h->first == NULL. */
    s->pool_bytes = h->pool; /* NOLINT(clang-analyzer-core.NullDereference) */
    s->granted_bytes = h->granted_chunks << h->shift;
    s->free_bytes = free_chunks << h->shift;
    s->padding_bytes = h->pool - s->meta_bytes - chunk_bytes;
    s->largest_free = largest << h->shift;
    s->blocks = h->nblocks;
    s->live = (size_t)(h->allocs - h->frees);
    s->allocs = h->allocs;
    s->frees = h->frees;
    s->failures = h->failures;
}

static int bm_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    for (const struct bm_block *b = &h->first; b; b = b->next) {
        size_t i = first_used(b, 0, b->nchunks);
        while (i < b->nchunks) {
            size_t n = run_length(b, i);
            struct hb_block_info info = {(void *)(b->base + (i << h->shift)), 0, n << h->shift, NULL};
            int rc = fn(&info, ctx);
            if (rc)
                return rc;
            i = first_used(b, i + n, b->nchunks);
        }
    }
    return HB_OK;
}

/* The layout of one block: the descriptor, as many chunks as fit and the
   tail at the end, every segment a whole number of pages (the initial
   block's first one excepted), adding up to the block. */
static const char *check_layout(const hb_heap *h, const struct bm_block *b)
{
    uintptr_t mem = (uintptr_t)b, end = b->end, tail = (uintptr_t)b->freebits;
    size_t descriptor = b == &h->first ? sizeof(struct hb_heap) : sizeof(struct bm_block);
    if (b->nchunks == 0 || b->nwords != words_for(b->nchunks))
        return "block map size inconsistent with its chunk count";
    if (end < mem || end - mem < descriptor || b->base != hb_align_up(mem + descriptor, h->chunk) || b->nsegs == 0 ||
        b->nsegs - 1 > (end - mem) / sizeof(bm_word) || b->heads != b->freebits + b->nwords ||
        (const void *)b->reg != (const void *)(b->heads + b->nwords))
        return "block descriptor outside its block or misaligned";
    if (!layout_fits(b->base, end, b->nchunks, b->nsegs, h->chunk) || tail != tail_at(end, b->nchunks, b->nsegs) ||
        b->nchunks != chunks_that_fit(b->base, end, b->nsegs, h->chunk))
        return "block chunks or maps not where its length puts them";
    const bm_word *segs = segs_of(b);
    size_t ps = h->cfg.page_size, pages = 0, limit = ps ? (end - mem) / ps : 0;
    for (size_t k = 0; k + 1 < b->nsegs; k++) {
        if (segs[k] == 0 || segs[k] > limit - pages)
            return "block segments larger than the block";
        pages += segs[k];
    }
    size_t first = end - mem - pages * ps; /* the first segment's bytes */
    if (first == 0 || (b != &h->first && (!ps || first % ps)))
        return "block segments do not add up to the block";
    return NULL;
}

/* Does a free run of m chunks start in region r of b? */
static int run_starts_in(const struct bm_block *b, size_t r, size_t m)
{
    size_t lo = r << BM_REGION_SHIFT, hi = b->nchunks - lo > BM_REGION ? lo + BM_REGION : b->nchunks;
    for (size_t i = first_free(b, lo); i < hi; i = first_free(b, first_used(b, i, b->nchunks)))
        if (first_used(b, i, b->nchunks) - i >= m)
            return 1;
    return 0;
}

/* Invariants of one block: its layout (check_layout), the maps agree (a
   head bit only on a used chunk, every used chunk after a free one or at
   the start is a head, no bit set past nchunks), the counted free chunks
   match the bits, the hint is inside the map, the marks of its regions
   are true.  Adds its used chunks and its allocations
   (head bits) to the totals. */
static const char *check_block(const hb_heap *h, const struct bm_block *b, size_t *used, size_t *runs)
{
    const char *why = check_layout(h, b);
    if (why)
        return why;
    if (b->hint > b->nchunks || first_free(b, 0) < b->hint)
        return "search hint past a free chunk or past the end of the map";
    if (b->reach > b->nchunks)
        return "block reach past the end of the map";
    for (size_t i = first_free(b, 0), end; i < b->reach; i = first_free(b, end))
        if ((end = first_used(b, i, b->nchunks)) - i >= h->reach_len && end <= b->reach)
            return "a free run of the heap's reach length lies below the block's reach";
    size_t r = 0;
    for (; r << BM_REGION_SHIFT < b->nchunks; r++) {
        size_t m = bm_miss_len[b->reg[r] >> BM_MARK_SHIFT], free_bits = 0;
        if ((b->reg[r] & BM_RNONE) != BM_RNONE && run_starts_in(b, r, m))
            return "region marked as missing a free run that starts in it";
        for (size_t k = r * BM_REGION_WORDS; k < (r + 1) * BM_REGION_WORDS && k < b->nwords; k++)
            free_bits += popcount_word(b->freebits[k]);
        if ((b->reg[r] & BM_COUNT) != free_bits)
            return "region free-chunk count differs from its free bits";
    }
    if (b->reg[r] != 0)
        return "no zero record past the last region";
    size_t free_bits = 0, head_bits = 0;
    for (size_t k = 0; k < b->nwords; k++) {
        if (b->heads[k] & b->freebits[k])
            return "head bit set on a free chunk";
        free_bits += popcount_word(b->freebits[k]);
        head_bits += popcount_word(b->heads[k]);
    }
    bm_word past = b->nchunks % BM_W ? ~low_bits(b->nchunks % BM_W) : 0;
    if ((b->freebits[b->nwords - 1] | b->heads[b->nwords - 1]) & past)
        return "free or head bit set past the end of the map";
    if (free_bits != b->free_chunks)
        return "block free-chunk count differs from its free bits";
    for (size_t i = first_used(b, 0, b->nchunks); i < b->nchunks; i = first_used(b, first_free(b, i), b->nchunks))
        if (!is_head(b, i))
            return "used chunk after a free one is no allocation's head";
    *used += b->nchunks - free_bits;
    *runs += head_bits;
    return NULL;
}

static int bm_check(const hb_heap *h, char *msg, size_t msg_len)
{
    size_t used = 0, runs = 0, nblocks = 0, nsegs = 0, pool = 0;
    int cur_found = 0;
    if (h->reach_len == 0)
        return hb_report(msg, msg_len, "reach length 0");
    for (const struct bm_block *b = &h->first; b; b = b->next) {
        if (++nblocks > h->nblocks)
            return hb_report(msg, msg_len, "block list longer than the block count (cycle?)");
        if (b->nsegs > h->nblocks)
            return hb_report(msg, msg_len, "block with more segments than the block count");
        const char *why = check_block(h, b, &used, &runs);
        if (why)
            return hb_report(msg, msg_len, why);
        pool += b->end - (uintptr_t)b;
        nsegs += b->nsegs;
        cur_found |= b == h->cur;
    }
    if (nsegs != h->nblocks) /* NOLINT(clang-analyzer-core.NullDereference): as in bm_stats */
        return hb_report(msg, msg_len, "block count differs from the segments of the block list");
    if (pool != h->pool)
        return hb_report(msg, msg_len, "pool size differs from the sum of block lengths");
    if (!cur_found)
        return hb_report(msg, msg_len, "current block is not in the block list");
    if (used != h->granted_chunks)
        return hb_report(msg, msg_len, "granted chunk count differs from the used chunks in the maps");
    if (runs != h->allocs - h->frees)
        return hb_report(msg, msg_len, "allocs - frees differs from the allocations in the maps");
    return HB_OK;
}

/* Everything but the name and summary: a broken copy of this heap
   (conformance/broken/bitmap_*.c, which includes this file with one test
   changed) fills its own table with it. */
#define BM_OPS_FIELDS                                                                                                  \
    .caps = HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_WALK | HB_CAP_CHECK | HB_CAP_DETECT_BAD_FREE |      \
            HB_CAP_EXACT_FIT,                                                                                          \
    .max_align = BM_MAX_ALIGN, .min_initial = 1024, .create = bm_create, .alloc = bm_alloc, .free = bm_free,           \
    .expand = bm_expand, .contract = bm_contract, .stats = bm_stats, .walk = bm_walk, .check = bm_check,               \
    .usable_size = bm_usable_size

const struct hb_heap_ops hb_heap_bitmap = {
    .name = "bitmap",
    .summary = "chunk bit maps (free, allocation heads; no header), word-at-a-time first fit from a hint",
    BM_OPS_FIELDS,
};

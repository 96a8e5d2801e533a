/*
 * tlsf.c - Two-Level Segregated Fit: O(1) alloc and free with immediate
 * coalescing (after Masmano, Ripoll, Crespo and Real, ECRTS 2004).
 *
 * Algorithm
 *   Free blocks are kept in segregated lists.  A block's size class is
 *   (fl, sl): fl, the first level, is the power of two below the size; sl,
 *   the second level, splits that power-of-two range into 16 equal bins.
 *   Sizes below 16 * ALIGN (256 bytes on x86, 128 on MIPS32) form class
 *   fl = 0 with one bin per ALIGN step.  Classes are numbered as one index,
 *   slot = fl * 16 + sl, computed with one clz (mapping_insert/_search).
 *   Bitmaps say which lists are non-empty: position slot % 32 of word
 *   slot / 32 (so one uint32_t word holds the 16-bin second levels of two
 *   consecutive first-level classes), and a top word with one position per
 *   word.  Finding a list that surely fits is a shift and one or two scans
 *   for the lowest set position: clz on MIPS32, which has no ctz, so there
 *   position n is bit 31 - n; bsf on x86, where position n is bit n.  alloc
 *   rounds the request up to the next bin boundary ("good fit", not best fit), takes
 *   the head of the first non-empty list at or above it, and splits off the
 *   tail.  free merges at once with free physical neighbours, found through
 *   boundary tags, and puts the result at the head of its list.  Neither
 *   has a loop; only expansion, contract, check, walk and stats do.
 *   16 bins (not 32) keep the control structure under one page on 64-bit
 *   (32 bins would take 6 KiB there) at a cost of <= 6.25% internal waste
 *   from the rounding of the search, instead of 3.1%.
 *
 * Data structures
 *   Block: one header word, size | FREE | PREV_FREE.  Sizes are whole
 *   chunks (header included), multiples of ALIGN (= HB_DEFAULT_ALIGN), and
 *   the header sits one word below an ALIGN boundary, so every payload is
 *   ALIGN-aligned.  A free block also holds its free-list links (next, and
 *   pprev: the address of the pointer that points at it, head or
 *   predecessor) and, in the last word of its chunk, a pointer back to its
 *   header (classic TLSF's prev_phys), which the next block reads when its
 *   PREV_FREE bit is set.  A used block's payload runs up to the next
 *   header, so that word is usable while the block is live.
 *   Pool: a run of memory ending in a sentinel header (size 0, used).  Each
 *   memory manager block starts a pool (its record, struct tlsf_pool, at
 *   its start) unless it begins exactly where a pool ends: then the old
 *   sentinel becomes a free block covering the new memory and the block is
 *   a further segment of that pool (up to TLSF_POOL_SEGS segments).  The
 *   initial block's pool record sits in struct hb_heap.
 *   Free lists are hlists: removal needs no class lookup, and a list
 *   empties exactly when a block whose pprev points into the heads has no
 *   successor; the head slot then names the bitmap bit to clear.
 *   Parked gaps: a free block left beside an aligned block (the gap below
 *   its payload, or the tail above it when it was carved from the end of
 *   its free block) is on no list.  Its pprev points at its own next_free
 *   (NULL), so block_remove takes it off like a one-block list whose head
 *   is no class head.  It is merged
 *   like any free block when either neighbour is freed; until then its
 *   bytes are padding (stats.padding_bytes), not free: alloc cannot reach
 *   them, so largest_free and free_bytes leave them out.
 *   Invariants (check() verifies them all): free blocks never touch; a
 *   block's PREV_FREE bit and back pointer match its predecessor; every
 *   free block is either on the list of its class or parked, and a parked
 *   gap is followed by a used block; a list's bitmap bit is set exactly
 *   when the list is non-empty, and a top bit exactly when its word is
 *   non-zero; used, parked_bytes and the live count match the blocks.
 *   Control (struct hb_heap): the list heads (first, so that a head's
 *   address is h + slot * sizeof(void *)), the top word, 13 bitmap words
 *   (12 on x86-64; uint32_t on every target), counters, the address hull
 *   of the pools, the pool list.
 *
 * Metadata
 *   Per allocation: 1 word (4 bytes on 32-bit, 8 on 64-bit); chunks are
 *   rounded to ALIGN, the rounding is usable (granted).  An aligned block
 *   may leave a parked gap below or above it, under align: padding until
 *   a neighbour is freed (a tail below the minimum chunk stays with the
 *   block, granted).
 *   Minimum chunk: 4 words rounded to ALIGN: 16 bytes (i386, MIPS32),
 *   32 (x86-64).
 *   Global: struct hb_heap, 1716 bytes on i386, 1784 on MIPS32, 3336 on
 *   x86-64 (24 or 25 first-level classes x 16 list heads dominate; the
 *   static asserts after the structs check these figures).
 *   Per pool: struct tlsf_pool (52 bytes on 32-bit, 72 on 64-bit; none
 *   for a block merged into a pool), the sentinel word and under ALIGN
 *   bytes of alignment at each end.
 *
 * Worst-case cost
 *   alloc and free: O(1), no loops: one clz for the class, at most two clz
 *   for the search, two list removals and one insertion.  An aligned alloc
 *   (align > ALIGN) searches once for chunk + align (+ the minimum chunk
 *   where a gap can be below it, MIN > ALIGN: MIPS32, x86-64), takes the
 *   head of that list, parks the leading gap (a few stores, no list) and
 *   splits off the tail; a gap below the minimum chunk, which could only
 *   be parked by moving on by align, has the block carved from the end
 *   instead (the leading part filed, the tail parked or kept).  One
 *   removal and one insertion either way, in the same function as the
 *   plain path (a call between them cost a prologue).  The paths that
 *   reach the memory manager or refuse a request are out of line and
 *   called through a pointer in the heap (no call by name, so MIPS PIC
 *   code needs no gp set-up on the fast paths); a set bitmap bit means a
 *   non-empty list, so the head is read without a test.
 *   Measured under QEMU (-O2, instructions inside the heap per call, call
 *   sequence subtracted, calls that grow the heap excluded; `make bench
 *   ARCHES="mips32 x86" HEAPS=tlsf`, the path-length meter, every
 *   workload): plain alloc <= 101 on MIPS32, <= 110 on i386; aligned alloc
 *   <= 120 on MIPS32, <= 131 on i386 (align-mixed); free <= 110 on MIPS32,
 *   <= 133 on i386 (the NULL, alignment and hull tests are one compare of
 *   a rotated offset).  The bench's targets (alloc <= 120, free <= 110)
 *   are met on MIPS32 and missed by the aligned alloc and by free on i386.
 *   The longest paths through the MIPS32 code, with every list they touch
 *   emptied or filled, are 122 (aligned alloc; 4 more when the alloc
 *   counter carries, once in 2^32 allocs) and 112 (free): no workload
 *   reaches them.  On MIPS the search hands the bitmap word it read to the
 *   removal of the head (struct tlsf_hit), and the layout hints
 *   (TLSF_LONG, TLSF_SHORT, block_insert_f, TLSF_JOIN) keep the longest
 *   paths free of jumps back and register copies.
 *   Where the aligned path's instructions go on MIPS32, on its longest way
 *   (a gap below the minimum chunk: carved from the end): entry checks 15,
 *   class 8 and two-level search 22, taking the head 4 (and 8 more when
 *   its list empties: the bitmap word and the top word toggled), the gap 9,
 *   the block's position 5, filing the leading part 17 (and 11 more when
 *   its list was empty: the two bitmap words set), parking the tail 12,
 *   counters and return 11.  A parked gap below the block instead costs
 *   14, and splitting off and filing the tail 18 (13 more to fill its
 *   list).  A free that merges on both sides pays the entry checks (22,
 *   the bad-pointer tests of HB_CAP_DETECT_BAD_FREE) and the counters (8),
 *   two removals that each may empty a list (23 each with the merge's own
 *   loads and stores: 4 to tell a class head from a link or a parked gap,
 *   13 for the bitmaps) and one insertion (20, and 13 more with the return
 *   when it fills a list); on i386 a list's emptying or filling costs about
 *   8 instructions for its two bitmap words (bit_set says why not fewer),
 *   and the four saved registers cost 8.
 *   64-bit targets (x86-64, the host) are judged on speed, not on their
 *   longest path, and take in-place list paths there (TLSF_IN_PLACE; the
 *   32-bit code is untouched).  An alloc whose split tail stays in the
 *   class of the block it came from puts the tail in the block's place at
 *   its list head; a free that merges only with its predecessor, which
 *   heads the list of the merged block's class, leaves it there with its
 *   new size.  Neither moves a bitmap bit.  Where the tail (or the merged
 *   block) lands in the next list down (up), the block was alone on its
 *   list, the other list is empty and both bits are in one bitmap word,
 *   the two bits toggle in one store.  The list state is exactly what a
 *   removal and an insertion at the head leave, so placement is the same
 *   as on 32-bit targets.  The other splits and frees are out of line
 *   (alloc_split, free_merge: tail calls), so that the in-place paths
 *   save no registers; TLSF_APART keeps GCC -O3 from pairing two list
 *   stores into one vector store.  Measured with callgrind (instructions
 *   per call, inclusive, warm: `valgrind --tool=callgrind
 *   --trace-children=yes hb-bench --heap tlsf --workload fill-16-same
 *   --no-quality --no-minpool --repetitions 3 --rep-ms 200` on the
 *   build/host-bench binary of `make bench`): fill-16-same alloc 93.1 and
 *   free 60.3, against 86.6 and 116.0 for glibc malloc through its
 *   wrapper (0.76x in instructions); on churn alloc 66.6 and free 65.9
 *   (malloc 75.3 and 101.8).  On fill-16-same 40% of the allocs move
 *   their tail one list down: the heap grows a page at a time, so the
 *   block being split is under a page and crosses a bin boundary every
 *   few 32-byte splits.  The branch between the two paths alternates
 *   with it (callgrind's branch simulation: 0.28 mispredictions per
 *   alloc), so the alloc's time varies more than its instructions: the
 *   xmalloc claim of `hb-bench --heap tlsf --workload fill-16-same
 *   --no-quality --no-minpool` is 0.74x-0.80x on a quiet machine, up to
 *   0.96x on a busy one.
 *   An alloc that grows the heap reaches about 1150 on i386 and 1300 on
 *   MIPS32 (the memory manager's own instructions not counted): it scans
 *   the pool list (O(pools)) for a pool to merge with.
 *   contract, check, walk: O(blocks); stats: O(pools + length of the
 *   largest free block's list).
 *
 * Trade-offs and limits
 *   Blocks are at most 2 GiB - ALIGN on every target (31-bit sizes keep
 *   the class arithmetic in 32-bit words); requests of 1 GiB or more
 *   return NULL (one shift tests that); memory manager blocks' bytes
 *   beyond 2 GiB are unused, counted as metadata.  max_align is 64 KiB.  Good fit instead of best
 *   fit: a request can be refused while a block of its own bin would fit.
 *   contract gives back every pool that is one free block (except the
 *   initial one) and every trailing segment of a pool that lies inside the
 *   pool's last free block, unless what would be left of that block below
 *   the segment is under the minimum chunk (that sliver could only go to
 *   the metadata for good); such a segment, and an empty segment in the
 *   middle of a pool with live blocks after it, stay until they are freed.
 *   Bad frees caught in O(1): a misaligned pointer, one outside the address
 *   hull of all pools (not read at all), a header marked free (double free;
 *   a block merged into its free neighbour keeps its FREE bit), a size
 *   below the minimum or reaching past the hull, a next header that says
 *   its predecessor is free.  A foreign pointer inside the hull whose word
 *   below passes all that is not caught (memory between scattered pools
 *   is read, so the hull must be readable).
 *   Capabilities lacking: TAGS and REQUESTED (the one-word header has no
 *   room and adding a word would cost 25-50% on small blocks),
 *   DETECT_OVERWRITE (no redzones), EXACT_FIT (good fit rounds a request
 *   up to its bin, so it may refuse one its largest free block would hold).
 */
#include <string.h>

#include "heap.h"

/* ---- geometry ---------------------------------------------------------- */

#define TLSF_WORD sizeof(size_t)
#define TLSF_ALIGN HB_DEFAULT_ALIGN
#define TLSF_ALIGN_LOG2 (TLSF_ALIGN == 8 ? 3u : TLSF_ALIGN == 16 ? 4u : TLSF_ALIGN == 32 ? 5u : 6u)

#define TLSF_SL_LOG2 4u
#define TLSF_SL_COUNT (1u << TLSF_SL_LOG2)
#define TLSF_FL_SHIFT (TLSF_SL_LOG2 + TLSF_ALIGN_LOG2) /* log2 of the first size out of class 0 */
#define TLSF_SIZE_LOG2 31u                             /* chunks are below 2^31 */
#define TLSF_FL_COUNT (TLSF_SIZE_LOG2 - TLSF_FL_SHIFT + 1)
#define TLSF_SLOTS ((size_t)TLSF_FL_COUNT * TLSF_SL_COUNT)
#define TLSF_BITMAP_WORDS ((TLSF_SLOTS + 31) / 32)

#define TLSF_FREE ((size_t)1)
#define TLSF_PREV_FREE ((size_t)2)
#define TLSF_FLAGS (TLSF_FREE | TLSF_PREV_FREE)

/* Smallest chunk: header, two links and the back pointer. */
#define TLSF_MIN_CHUNK ((4 * TLSF_WORD + TLSF_ALIGN - 1) & ~(TLSF_ALIGN - 1))
/* Largest chunk a block may have. */
#define TLSF_BLOCK_MAX (((size_t)1 << TLSF_SIZE_LOG2) - TLSF_ALIGN)
/* Largest chunk alloc may search for: the start of the top bin, so that
   rounding up to a bin boundary stays inside the class table. */
#define TLSF_SEARCH_MAX (((size_t)1 << TLSF_SIZE_LOG2) - ((size_t)1 << (TLSF_SIZE_LOG2 - 1 - TLSF_SL_LOG2)))
/* Largest request: 2^30 - 1, so that one shift tests it and no aligned
   search (request + align + minimum chunk) can pass TLSF_SEARCH_MAX. */
#define TLSF_REQUEST_LOG2 30u
#define TLSF_REQUEST_MAX (((size_t)1 << TLSF_REQUEST_LOG2) - 1)
#define TLSF_MAX_ALIGN ((size_t)65536)
#define TLSF_POOL_SEGS 8
/* An aligned search asks for chunk + align + TLSF_GAP_EXTRA.  A leading
   gap is at most align - ALIGN; where a gap can be below the minimum chunk
   (MIN > ALIGN) such a block is carved from the end, and the search leaves
   room for a leading part of at least the minimum chunk. */
#define TLSF_GAP_EXTRA (TLSF_MIN_CHUNK > TLSF_ALIGN ? TLSF_MIN_CHUNK : 0)

_Static_assert(sizeof(size_t) == sizeof(void *), "one header word holds a size or a pointer");
_Static_assert(TLSF_ALIGN % TLSF_WORD == 0 && (1u << TLSF_ALIGN_LOG2) == TLSF_ALIGN, "ALIGN: power of two >= word");
_Static_assert(TLSF_BITMAP_WORDS <= 32, "the top bitmap is one 32-bit word");
_Static_assert(TLSF_MAX_ALIGN == (size_t)1 << 16, "tlsf_alloc tests align >> 17");
_Static_assert(TLSF_REQUEST_MAX + TLSF_WORD + TLSF_ALIGN + TLSF_MAX_ALIGN + TLSF_MIN_CHUNK <= TLSF_SEARCH_MAX,
               "no request the fast path takes needs a search past the class table");

typedef struct tlsf_block {
    size_t size;                  /* chunk bytes | TLSF_FREE | TLSF_PREV_FREE */
    struct tlsf_block *next_free; /* free blocks only: next in the list */
    struct tlsf_block **pprev;    /* free blocks only: the pointer pointing here */
} tlsf_block;

struct tlsf_pool {
    struct tlsf_pool *next;
    tlsf_block *first;    /* first block header */
    tlsf_block *sentinel; /* size 0, used; the pool ends here */
    uintptr_t end;        /* one past the last segment */
    uint32_t nsegs;
    uint32_t pages[TLSF_POOL_SEGS]; /* segment page counts in address order; 0: the initial block */
};

struct hb_heap {
    tlsf_block *heads[TLSF_SLOTS];      /* slot = fl * SL_COUNT + sl; first, so a head's address is h + slot words */
    uint32_t top_bitmap;                /* position w (see pos_bit): bitmap[w] is not 0 */
    uint32_t bitmap[TLSF_BITMAP_WORDS]; /* position slot % 32 of word slot / 32: list not empty */
    size_t used;                        /* chunk bytes of live blocks: granted = used - live * WORD */
    size_t frees;                       /* modulo 2^width: live = allocs - frees stays exact */
    size_t allocs;                      /* modulo 2^width, with allocs_carry on 32-bit */
#if SIZE_MAX == UINT32_MAX
    size_t allocs_carry; /* times allocs wrapped to 0 (a 64-bit count never wraps) */
#endif
    uint64_t failures;
    size_t pool_bytes, meta_bytes;
    uintptr_t lo_ptr;  /* lowest address of any pool + ALIGN: no payload lies below */
    uintptr_t used_hi; /* the highest a used block's header can be (hull end - WORD - MIN_CHUNK); 0: no hull */
    size_t ptr_limit;  /* (used_hi + WORD - lo_ptr) / ALIGN: see tlsf_free */
    struct tlsf_pool *pools;
    size_t parked_bytes;                                   /* chunk bytes of parked gaps: padding, not free */
    void *(*slow)(hb_heap *h, size_t chunk, size_t align); /* alloc_slow, called through the heap */
    struct hb_config cfg;
    struct tlsf_pool pool0; /* the initial block */
};

_Static_assert(sizeof(struct tlsf_pool) == (sizeof(void *) == 8 ? 72 : 52), "the essay's pool record size");
_Static_assert(sizeof(struct hb_heap) == (sizeof(void *) == 8       ? 3336
                                          : _Alignof(uint64_t) == 8 ? 1784
                                                                    : 1716),
               "the essay's struct hb_heap size (x86-64, MIPS32, i386)");

#define TLSF_POOL_HDR hb_align_up(sizeof(struct tlsf_pool), TLSF_WORD)

/* ---- block helpers ----------------------------------------------------- */

static inline size_t block_size(const tlsf_block *b)
{
    return b->size & ~TLSF_FLAGS;
}
static inline int block_is_free(const tlsf_block *b)
{
    return (b->size & TLSF_FREE) != 0;
}
static inline int block_is_prev_free(const tlsf_block *b)
{
    return (b->size & TLSF_PREV_FREE) != 0;
}
static inline void *block_to_ptr(tlsf_block *b)
{
    return (char *)b + TLSF_WORD;
}
static inline tlsf_block *block_from_ptr(const void *p)
{
    return (tlsf_block *)((uintptr_t)p - TLSF_WORD);
}
static inline tlsf_block *block_at(const tlsf_block *b, size_t off)
{
    return (tlsf_block *)((uintptr_t)b + off);
}
/* A block taken off a list: FREE set, PREV_FREE clear (free blocks never
   touch; a parked gap is never on a list), so its size is one subtraction. */
static inline size_t listed_block_size(const tlsf_block *b)
{
    return b->size - TLSF_FREE;
}
static inline size_t block_usable(size_t chunk)
{
    return chunk - TLSF_WORD;
}

/* The back pointer lives in the word just below a header. */
static inline tlsf_block *block_prev_phys(const tlsf_block *b)
{
    return ((tlsf_block *const *)b)[-1];
}
static inline void block_set_prev_phys(tlsf_block *b, tlsf_block *prev)
{
    ((tlsf_block **)b)[-1] = prev;
}

/* Chunk for a request: header + size, rounded to ALIGN, at least the minimum. */
static inline size_t chunk_for_request(size_t size)
{
    size_t c = size + TLSF_WORD + TLSF_ALIGN - 1;
#if defined(__mips_isa_rev) && __mips_isa_rev >= 2
    /* the low bits cleared with one ins (GCC loads the mask and ands) */
    __asm__("ins %0, $0, 0, %1" : "+r"(c) : "i"(TLSF_ALIGN_LOG2));
#else
    c &= ~(TLSF_ALIGN - 1);
#endif
    return c < TLSF_MIN_CHUNK ? TLSF_MIN_CHUNK : c;
}

/* Index of the highest set bit of a non-zero 32-bit word. */
static inline unsigned fls32(uint32_t x)
{
    return (unsigned)__builtin_clz(x) ^ 31u; /* = 31 - clz; the form x86 turns into one bsr */
}

/* Bit order in a bitmap word.  MIPS32 has clz but no ctz, so there the
   bits run from the top (position n is bit 31 - n) and the lowest set
   position is a count of leading zeros.  x86 has bsf (ctz), so
   there position n is bit n. */
#if defined(__GNUC__) && (defined(__i386__) || defined(__x86_64__))
#define TLSF_BITS_FROM_TOP 0
#else
#define TLSF_BITS_FROM_TOP 1
#endif

/* ---- mapping ----------------------------------------------------------- */

/*
 * A size class is one index, slot = fl * SL_COUNT + sl, into the list
 * heads.  With f = log2(chunk) and t = chunk >> (f - SL_LOG2) (after
 * adding `round`: 0 to file a block, the bin width minus one to search),
 * slot = (f - FL_SHIFT) * SL_COUNT + t: t is in [SL_COUNT, 2 SL_COUNT), so
 * fl = f - FL_SHIFT + 1 and sl = t - SL_COUNT; rounding may carry t to
 * 2 SL_COUNT, which is the next class, as it should be.  Chunks below
 * 2^FL_SHIFT are mapped as if f = FL_SHIFT, so t = chunk / ALIGN < SL_COUNT
 * and fl = 0: one linear class of ALIGN-wide bins.  One clz in all.
 */
static inline unsigned mapping(size_t chunk, int search)
{
    uint32_t c = (uint32_t)chunk;
    /* rounding up, ceil(c / 2^shift), is ((c - 1) >> shift) + 1 (c > 0);
       the constants are summed apart so that they fold into one add */
    uint32_t x = search ? c - 1 : c;
    unsigned base = search ? 1u - (TLSF_FL_SHIFT << TLSF_SL_LOG2) : 0u - (TLSF_FL_SHIFT << TLSF_SL_LOG2);
    /* f is taken from x, so a search never forms c itself: x's f is c's
       except when c is a power of two, and there t = 2 SL_COUNT - 1 and the
       rounding carry into c's class, which is where c belongs. */
#if TLSF_BITS_FROM_TOP
    /* With clz native, z = 31 - f and t = x >> (f - SL_LOG2) is the top
       SL_LOG2 + 1 bits of x << z (x < 2^(f + 1)): no subtraction for f. */
    unsigned z = (unsigned)__builtin_clz(x | (1u << TLSF_FL_SHIFT));
    uint32_t t = (x << z) >> (31 - TLSF_SL_LOG2);
    unsigned slot = t - (z << TLSF_SL_LOG2) + ((31u << TLSF_SL_LOG2) + base);
    /* No instruction: the slot is formed once, not once more inside the
       head's address with the constant moved into the load offset. */
    __asm__("" : "+r"(slot));
    return slot;
#else
    unsigned f = fls32(x | (1u << TLSF_FL_SHIFT));
    uint32_t t = x >> (f - TLSF_SL_LOG2);
    return (f << TLSF_SL_LOG2) + t + base;
#endif
}

static inline unsigned mapping_insert(size_t chunk)
{
    return mapping(chunk, 0);
}
static inline unsigned mapping_search(size_t chunk)
{
    return mapping(chunk, 1);
}
static inline unsigned slot_word(unsigned slot)
{
    return slot >> 5;
}
static inline uint32_t pos_bit(unsigned n)
{
    return TLSF_BITS_FROM_TOP ? 0x80000000u >> n : 1u << n;
}
/* Positions n..31 (n < 32). */
static inline uint32_t pos_from(unsigned n)
{
    return TLSF_BITS_FROM_TOP ? ~0u >> n : ~0u << n;
}
/* x without its positions below n, the others moved down by n (n < 32). */
static inline uint32_t pos_drop(uint32_t x, unsigned n)
{
    return TLSF_BITS_FROM_TOP ? x << n : x >> n;
}
/* The lowest and the highest set position of a non-zero word. */
static inline unsigned pos_first(uint32_t x)
{
    return (unsigned)(TLSF_BITS_FROM_TOP ? __builtin_clz(x) : __builtin_ctz(x));
}
static inline unsigned pos_last(uint32_t x)
{
    return TLSF_BITS_FROM_TOP ? 31u - (unsigned)__builtin_ctz(x) : fls32(x);
}
static inline uint32_t slot_bit(unsigned slot)
{
    return pos_bit(slot & 31);
}
static inline uint32_t word_bit(unsigned w)
{
    return pos_bit(w);
}

/* The smallest chunk that mapping_search sends to the bin it picks. */
static inline size_t search_rounded(size_t chunk)
{
    uint32_t c = (uint32_t)chunk;
    unsigned f = fls32(c | (1u << TLSF_FL_SHIFT));
    uint32_t mask = (1u << (f - TLSF_SL_LOG2)) - 1;
    return (size_t)((c + mask) & ~mask);
}

/* ---- free lists -------------------------------------------------------- */

/* The direction of a branch on the longest path (TLSF_LONG) or off it
   (TLSF_SHORT), for the layout only.  On MIPS, GCC then lays the longest
   path out straight, with no jump back, which costs the other direction
   nothing (a branch and its delay slot either way).  On x86 GCC's own
   layout suits the common paths better (the same hints cost churn's
   median free 2 to 3 instructions on i386), so they are not given. */
#if TLSF_BITS_FROM_TOP
#define TLSF_LONG(x) __builtin_expect(!!(x), 1)
#define TLSF_SHORT(x) __builtin_expect(!!(x), 0)
#else
#define TLSF_LONG(x) (x)
#define TLSF_SHORT(x) (x)
#endif
/* 64-bit targets are judged on speed, 32-bit ones on their longest path:
   only the former take the in-place list paths (see the essay). */
#define TLSF_IN_PLACE (SIZE_MAX > UINT32_MAX)
/* No instruction: GCC can no longer tell that stores through x before and
   after lie side by side, so it does not pair them into one vector store
   (at -O3 on x86-64 it did: four instructions for two stores). */
#if TLSF_IN_PLACE
#define TLSF_APART(x) __asm__("" : "+r"(x))
#else
#define TLSF_APART(x) ((void)0)
#endif

/* No instruction: x is in one register from here on.  On MIPS GCC
   otherwise keeps free's merged block in two (the path that did not merge
   paid a move and a jump to join) and alloc's heap pointer in two (a move
   on every alloc); on x86 the same costs spills. */
#if TLSF_BITS_FROM_TOP
#define TLSF_JOIN(x) __asm__("" : "+r"(x))
#else
#define TLSF_JOIN(x) ((void)0)
#endif

/* A list that a search found: its slot, and the bitmap word holding its
   bit (its index, its byte offset in the bitmap and the value read), which
   the removal of its head uses when the list empties instead of reading
   the word again. */
struct tlsf_hit {
    unsigned slot;
    unsigned w;
    size_t off;
    uint32_t word;
};

/* The bitmap word at byte offset off.  On MIPS the offset is formed apart:
   GCC otherwise computes the address as (w + SLOTS) * 4 + 4 past the
   heads, one add more. */
static inline uint32_t *bitmap_at(hb_heap *h, size_t off)
{
    return (uint32_t *)((char *)h + offsetof(struct hb_heap, bitmap) + off);
}
static inline size_t bitmap_off(unsigned w)
{
    size_t off = w * sizeof(uint32_t);
#if TLSF_BITS_FROM_TOP
    __asm__("" : "+r"(off));
#endif
    return off;
}

/* The first non-empty list at or above slot into *hit; 0 if there is none
   (a set bit means a non-empty list: the caller reads its head without a
   test).  Two bitmap words and two clz at most. */
static inline int find_suitable(hb_heap *h, unsigned slot, struct tlsf_hit *hit)
{
    unsigned w = slot_word(slot);
    size_t off = bitmap_off(w);
    uint32_t word = *bitmap_at(h, off);
    /* the positions from slot % 32 on, moved down to position 0: the
       first of them is slot plus the first set position */
    uint32_t map = pos_drop(word, slot & 31);
    /* "unlikely" only for the layout: the longer path, through a second
       word, runs straight on and the shorter one takes the branch */
    if (__builtin_expect(map != 0, 0)) {
        hit->slot = slot + pos_first(map);
    } else {
        /* the words above w, moved down likewise */
        uint32_t top = pos_drop(h->top_bitmap, w + 1);
        if (!top)
            return 0;
        w += 1 + pos_first(top);
        off = bitmap_off(w);
        word = *bitmap_at(h, off);
        hit->slot = (w << 5) + pos_first(word);
    }
    hit->w = w;
    hit->off = off;
    hit->word = word;
    return 1;
}

/* x86: position n is bit n.  i386 loads the word, sets or clears the bit
   with bts/btr on the register (one micro-op, and no shifted constant or
   count register, which 1 << n needs and i386 runs short of: 15 fewer
   instructions on the aligned alloc) and stores it.  x86-64 leaves the
   read-modify-write to GCC, which measured faster there (fill-16-same
   1.12x malloc's time against 1.30x).  Neither uses the bit-string forms
   on memory (bts %reg, mem): one instruction, but microcoded, about ten
   micro-ops each (1.8x malloc's time on the host).  Host times: the
   xmalloc claim of `build/host-bench/harness/bench/hb-bench --heap tlsf
   --workload fill-16-same --no-quality --no-minpool` (after make bench),
   three runs each on an idle machine. */
#if !TLSF_BITS_FROM_TOP
static inline uint32_t bit_set(uint32_t word, unsigned n)
{
#if defined(__i386__)
    __asm__("btsl %1, %0" : "+r"(word) : "r"(n) : "cc");
    return word;
#else
    return word | (uint32_t)1 << (n & 31);
#endif
}
static inline uint32_t bit_clear(uint32_t word, unsigned n)
{
#if defined(__i386__)
    __asm__("btrl %1, %0" : "+r"(word) : "r"(n) : "cc");
    return word;
#else
    return word & ~((uint32_t)1 << (n & 31));
#endif
}
static inline void slot_bit_set(hb_heap *h, unsigned slot)
{
    h->bitmap[slot_word(slot)] = bit_set(h->bitmap[slot_word(slot)], slot);
}
static inline void slot_bit_clear(hb_heap *h, unsigned slot)
{
    h->bitmap[slot_word(slot)] = bit_clear(h->bitmap[slot_word(slot)], slot);
}
static inline void word_bit_set(hb_heap *h, unsigned w)
{
    h->top_bitmap = bit_set(h->top_bitmap, w);
}
static inline void word_bit_clear(hb_heap *h, unsigned w)
{
    h->top_bitmap = bit_clear(h->top_bitmap, w);
}
#endif

/* The list functions below take `one`, the bitmap's position-0 bit
   (pos_bit(0)), as an argument: a function that works on several lists
   (free) holds it in a register instead of forming it for each of them
   (MIPS: lui 0x8000 each time).  x86 does not use it. */
#define TLSF_ONE pos_bit(0)

/* The list's bit is set (it held a block).  MIPS toggles it off (one
   constant, shifted twice); x86 clears it with an and. */
static inline void list_mark_empty_k(hb_heap *h, unsigned slot, uint32_t one)
{
    unsigned w = slot_word(slot);
#if !TLSF_BITS_FROM_TOP
    (void)one;
    slot_bit_clear(h, slot);
    if (!h->bitmap[w])
        word_bit_clear(h, w);
#else
    h->bitmap[w] ^= one >> (slot & 31);
    if (TLSF_LONG(!h->bitmap[w]))
        h->top_bitmap ^= one >> w;
#endif
}

/* The list was empty: its bits are clear. */
static inline void list_mark_filled(hb_heap *h, unsigned slot, uint32_t one)
{
#if !TLSF_BITS_FROM_TOP
    (void)one;
    slot_bit_set(h, slot);
    word_bit_set(h, slot_word(slot));
#else
    h->bitmap[slot_word(slot)] |= one >> (slot & 31);
    h->top_bitmap |= one >> slot_word(slot);
#endif
}

/* File b at the head of its class list.  `fills` says the caller's
   longest path is the one that finds the list empty (for the layout). */
static inline void block_insert_at(hb_heap *h, tlsf_block *b, unsigned slot, uint32_t one, int fills)
{
    tlsf_block **head = &h->heads[slot];
    tlsf_block *next = *head;
    b->next_free = next;
    TLSF_APART(b);
    b->pprev = head;
    *head = b;
    if ((fills && TLSF_LONG(!next)) || (!fills && !next))
        list_mark_filled(h, slot, one);
    else
        next->pprev = &b->next_free;
}
static inline void block_insert_f(hb_heap *h, tlsf_block *b, size_t chunk, uint32_t one, int fills)
{
    block_insert_at(h, b, mapping_insert(chunk), one, fills);
}
static inline void block_insert_k(hb_heap *h, tlsf_block *b, size_t chunk, uint32_t one)
{
    block_insert_f(h, b, chunk, one, 0);
}
static inline void block_insert(hb_heap *h, tlsf_block *b, size_t chunk)
{
    block_insert_k(h, b, chunk, TLSF_ONE);
}

/* A free block on no list: an alignment gap, counted as padding.  It
   looks like the only block of a list whose head is its own next_free
   field, so block_remove takes it off like any other (that "head" lies in
   a pool, never among the class heads: no bitmap bit moves). */
static inline int block_is_parked(const tlsf_block *b)
{
    return b->pprev == &b->next_free;
}
static inline void block_park(hb_heap *h, tlsf_block *b, size_t chunk)
{
    b->next_free = NULL;
    b->pprev = &b->next_free;
    h->parked_bytes += chunk;
}

/* Unlink a free block from wherever it is; when its list empties (it was
   the head and had no successor), the head slot tells the class. */
static inline void block_remove_k(hb_heap *h, tlsf_block *b, uint32_t one)
{
    tlsf_block *next = b->next_free;
    tlsf_block **pprev = b->pprev;
    *pprev = next;
    if (TLSF_SHORT(next)) {
        next->pprev = pprev;
        return;
    }
    size_t slot = (size_t)((uintptr_t)pprev - (uintptr_t)h->heads) / sizeof(tlsf_block *);
    if (TLSF_LONG(slot < TLSF_SLOTS))
        list_mark_empty_k(h, (unsigned)slot, one);
    else if (pprev == &b->next_free) /* parked */
        h->parked_bytes -= block_size(b);
}
static inline void block_remove(hb_heap *h, tlsf_block *b)
{
    block_remove_k(h, b, TLSF_ONE);
}

/* Take the head of the list a search found, which is b.  When the list
   empties, its bit goes from the word the search read. */
static inline void block_remove_hit(hb_heap *h, tlsf_block *b, const struct tlsf_hit *hit, uint32_t one)
{
    tlsf_block *next = b->next_free;
    h->heads[hit->slot] = next;
    if (TLSF_SHORT(next)) {
        next->pprev = &h->heads[hit->slot];
        return;
    }
#if !TLSF_BITS_FROM_TOP
    /* x86 reads the word again: its address is one addressing mode, and
       i386 has no register free to keep the word in */
    list_mark_empty_k(h, hit->slot, one);
#else
    uint32_t word = hit->word ^ (one >> (hit->slot & 31));
    *bitmap_at(h, hit->off) = word;
    if (TLSF_LONG(!word))
        h->top_bitmap ^= one >> hit->w;
#endif
}

#if TLSF_IN_PLACE
/* 64-bit targets only (see TLSF_IN_PLACE).  A block alone on list `from`
   can hand that list's place to a block of list `to` without the general
   removal and insertion when `to` is empty and both bits lie in one
   bitmap word: the word then stays non-zero, the top word is untouched. */
static inline int list_can_move(const hb_heap *h, unsigned to, unsigned from)
{
    return !h->heads[to] && slot_word(to) == slot_word(from);
}
/* r becomes the only block of list `to`, which list_can_move allowed;
   list `from` loses its only block.  Both bits toggle in one store. */
static inline void list_move_lone(hb_heap *h, unsigned from, unsigned to, tlsf_block *r)
{
    h->heads[from] = NULL;
    r->next_free = NULL;
    TLSF_APART(r);
    r->pprev = &h->heads[to];
    h->heads[to] = r;
    h->bitmap[slot_word(to)] ^= slot_bit(from) | slot_bit(to);
}
#endif

/* ---- pools --------------------------------------------------------------- */

/* First header position in [start, end): one word below an ALIGN boundary. */
static inline uintptr_t first_header_at(uintptr_t start)
{
    return hb_align_up(start + TLSF_WORD, TLSF_ALIGN) - TLSF_WORD;
}

/* The sentinel position for a pool whose blocks start at `from` (a header
   position) and whose memory ends at `end`: the last header position with
   its word inside, and no block above TLSF_BLOCK_MAX. */
static inline uintptr_t sentinel_at(uintptr_t from, uintptr_t end)
{
    size_t room = hb_align_down(end - TLSF_WORD - from, TLSF_ALIGN);
    return from + (room > TLSF_BLOCK_MAX ? TLSF_BLOCK_MAX : room);
}

static inline void write_sentinel(tlsf_block *s, size_t flags)
{
    s->size = flags;
}

/* Free block b of `chunk` bytes (off the lists; its FREE bit, prev-free bit
   and size are rewritten): merge with free neighbours and file it. */
static inline void block_release(hb_heap *h, tlsf_block *b, size_t chunk)
{
    if (block_is_prev_free(b)) {
        tlsf_block *prev = block_prev_phys(b);
        block_remove(h, prev);
        chunk += block_size(prev);
        b = prev;
    }
    tlsf_block *next = block_at(b, chunk);
    if (block_is_free(next)) {
        block_remove(h, next);
        chunk += block_size(next);
        next = block_at(b, chunk);
    }
    next->size |= TLSF_PREV_FREE;
    block_set_prev_phys(next, b);
    b->size = chunk | TLSF_FREE;
    block_insert(h, b, chunk);
}

/* Append [mem, mem+len) to a pool ending exactly at mem, if one can take it. */
static int pool_try_merge(hb_heap *h, uintptr_t mem, size_t len, size_t pages)
{
    for (struct tlsf_pool *p = h->pools; p; p = p->next) {
        if (p->end != mem || p->nsegs == TLSF_POOL_SEGS || pages > UINT32_MAX)
            continue;
        uintptr_t old = (uintptr_t)p->sentinel;
        uintptr_t sent = old + hb_align_down(mem + len - TLSF_WORD - old, TLSF_ALIGN);
        if (sent - (uintptr_t)p->first > TLSF_BLOCK_MAX)
            continue;
        tlsf_block *b = (tlsf_block *)old;
        size_t chunk = sent - old;
        h->meta_bytes -= p->end - old;
        h->meta_bytes += mem + len - sent;
        write_sentinel((tlsf_block *)sent, 0);
        b->size = chunk | (b->size & TLSF_PREV_FREE);
        block_release(h, b, chunk);
        p->sentinel = (tlsf_block *)sent;
        p->end = mem + len;
        p->pages[p->nsegs++] = (uint32_t)pages;
        return 1;
    }
    return 0;
}

/* Lay out a pool over [start, end) whose record is p; returns 0 if no block
   of the minimum size fits. */
static int pool_init(hb_heap *h, struct tlsf_pool *p, uintptr_t start, uintptr_t end, uint32_t pages)
{
    uintptr_t first = first_header_at(start);
    if (first >= end || end - first < TLSF_MIN_CHUNK + TLSF_WORD)
        return 0;
    uintptr_t sent = sentinel_at(first, end);
    tlsf_block *b = (tlsf_block *)first;
    size_t chunk = sent - first;
    p->first = b;
    p->sentinel = (tlsf_block *)sent;
    p->end = end;
    p->nsegs = 1;
    p->pages[0] = pages;
    write_sentinel(p->sentinel, TLSF_PREV_FREE);
    block_set_prev_phys(p->sentinel, b);
    b->size = chunk | TLSF_FREE;
    block_insert(h, b, chunk);
    h->meta_bytes += (end - (uintptr_t)start) - chunk;
    return 1;
}

/* Widen the address hull that free() checks pointers against. */
static void hull_add(hb_heap *h, uintptr_t start, uintptr_t end)
{
    uintptr_t hi = h->used_hi + TLSF_MIN_CHUNK + TLSF_WORD; /* the hull's end */
    if (!h->used_hi || start + TLSF_ALIGN < h->lo_ptr)
        h->lo_ptr = start + TLSF_ALIGN;
    if (end > hi || !h->used_hi)
        hi = end;
    h->used_hi = hi - TLSF_WORD - TLSF_MIN_CHUNK;
    h->ptr_limit = (h->used_hi + TLSF_WORD - h->lo_ptr) >> TLSF_ALIGN_LOG2;
}

/* The hull of the pools left (after contract). */
static void hull_recompute(hb_heap *h)
{
    h->used_hi = 0;
    for (const struct tlsf_pool *p = h->pools; p; p = p->next)
        hull_add(h, p == &h->pool0 ? (uintptr_t)h : (uintptr_t)p, p->end);
}

/* Take a memory manager block of `pages` pages into the heap. */
static int pool_add(hb_heap *h, void *mem, size_t len, size_t pages)
{
    uintptr_t m = (uintptr_t)mem;
    if (!pool_try_merge(h, m, len, pages)) {
        struct tlsf_pool *p = mem;
        if (pages > UINT32_MAX || !pool_init(h, p, m + TLSF_POOL_HDR, m + len, (uint32_t)pages))
            return 0;
        h->meta_bytes += TLSF_POOL_HDR;
        p->next = h->pools->next; /* after pool0, which stays first */
        h->pools->next = p;
    }
    h->pool_bytes += len;
    hull_add(h, m, m + len);
    return 1;
}

/* ---- the operations ------------------------------------------------------ */

static void *alloc_slow(hb_heap *h, size_t chunk, size_t align);

static hb_heap *tlsf_create(void *block, size_t len, const struct hb_config *cfg)
{
    uintptr_t m = (uintptr_t)block;
    if (!block || m % TLSF_ALIGN || len < sizeof(hb_heap) + TLSF_ALIGN + TLSF_MIN_CHUNK + TLSF_WORD ||
        len > UINTPTR_MAX - m)
        return NULL;
    hb_heap *h = block;
    memset(h, 0, sizeof *h);
    h->cfg = *cfg;
    h->slow = alloc_slow;
    h->pools = &h->pool0;
    h->meta_bytes = sizeof *h;
    if (!pool_init(h, &h->pool0, m + sizeof *h, m + len, 0))
        return NULL;
    h->pool_bytes = len;
    hull_add(h, m, m + len);
    return h;
}

static void *__attribute__((noinline)) alloc_fail(hb_heap *h)
{
    h->failures++;
    return NULL;
}

/* Get a block from the memory manager big enough for a search of `need`. */
static int grow_for(hb_heap *h, size_t need)
{
    if (!h->cfg.get_pages || !h->cfg.page_size)
        return 0;
    size_t ps = h->cfg.page_size;
    size_t bytes = search_rounded(need) + TLSF_POOL_HDR + 2 * TLSF_ALIGN + TLSF_WORD;
    size_t pages = (bytes + ps - 1) / ps;
    void *mem = h->cfg.get_pages(h->cfg.mm, pages);
    if (!mem)
        return 0;
    if (!pool_add(h, mem, pages * ps, pages)) {
        h->cfg.put_pages(h->cfg.mm, mem, pages);
        return 0;
    }
    return 1;
}

/* Find and take off its list a free block of at least `need` bytes,
   growing the heap first (the caller found none on the lists). */
static tlsf_block *take_block_grown(hb_heap *h, size_t need)
{
    if (!grow_for(h, need))
        return NULL;
    struct tlsf_hit hit;
    if (!find_suitable(h, mapping_search(need), &hit))
        return NULL;
    tlsf_block *b = h->heads[hit.slot];
    block_remove_hit(h, b, &hit, TLSF_ONE);
    return b;
}

static inline void *grant(hb_heap *h, tlsf_block *b, size_t chunk)
{
    h->used += chunk;
#if SIZE_MAX == UINT32_MAX
    if (!++h->allocs) /* a size_t counter and its carries: no 64-bit add on 32-bit targets */
        h->allocs_carry++;
#else
    h->allocs++;
#endif
    return block_to_ptr(b);
}

/* b (free, off the lists, predecessor used, size `have`; `flag` says
   whether a parked gap now lies below it) becomes a used block of `chunk`
   bytes; the tail, if big enough, is filed.  Plain and aligned allocs both
   end here. */
static inline void *carve_tail(hb_heap *h, tlsf_block *b, size_t have, size_t chunk, size_t flag, uint32_t one)
{
    tlsf_block *next = block_at(b, have);
    size_t rest = have - chunk;
    if (rest >= TLSF_MIN_CHUNK) {
        tlsf_block *r = block_at(b, chunk);
        r->size = rest | TLSF_FREE;
        block_set_prev_phys(next, r);
        block_insert_k(h, r, rest, one);
        have = chunk;
    } else {
        next->size &= ~TLSF_PREV_FREE;
    }
    b->size = have | flag;
    return grant(h, b, have);
}

/* b (free, off the lists, predecessor used, size `have`): carve the
   aligned block from its end instead.  The payload is the highest `align`
   boundary that leaves `chunk` bytes below the end; the leading part, at
   least the minimum chunk (see TLSF_GAP_EXTRA), is filed where b was; the
   tail (under align) is kept with the block when below the minimum chunk,
   else parked. */
static inline void *carve_from_end(hb_heap *h, tlsf_block *b, size_t have, size_t chunk, size_t align, uint32_t one)
{
    tlsf_block *end = block_at(b, have);
    /* the payload is x rounded down to align: the tail is what rounding drops */
    uintptr_t x = (uintptr_t)end - chunk;
    size_t tail = (x + TLSF_WORD) & (align - 1);
    tlsf_block *a = (tlsf_block *)(x - tail);
    size_t lead = (uintptr_t)a - (uintptr_t)b;
    b->size = lead | TLSF_FREE;
    block_set_prev_phys(a, b);
    block_insert_f(h, b, lead, one, 1);
    if (TLSF_SHORT(tail < TLSF_MIN_CHUNK)) {
        chunk += tail;
        end->size &= ~TLSF_PREV_FREE;
    } else {
        tlsf_block *t = block_at(a, chunk);
        t->size = tail | TLSF_FREE;
        block_set_prev_phys(end, t);
        block_park(h, t, tail);
    }
    a->size = chunk | TLSF_PREV_FREE;
    return grant(h, a, chunk);
}

/* b (free, off the lists, predecessor used): carve a leading free block so
   that the payload lands on `align`, keep `chunk` bytes and file the tail.
   Straight-line: the gap is parked, the tail split once; the paths without
   a gap, or with one below the minimum chunk (which could only be parked
   by moving on by `align`: the block is carved from the end instead), are
   apart, so that the longest one takes no branch there. */
static inline __attribute__((always_inline)) void *carve_aligned(hb_heap *h, tlsf_block *b, size_t chunk, size_t align,
                                                                 uint32_t one)
{
    size_t have = listed_block_size(b);
    size_t gap = -(uintptr_t)block_to_ptr(b) & (align - 1);
    /* gap is a multiple of ALIGN: never below the minimum chunk if that is ALIGN */
    if (__builtin_expect(TLSF_MIN_CHUNK > TLSF_ALIGN ? gap < TLSF_MIN_CHUNK : !gap, 0)) {
        if (!gap)
            return carve_tail(h, b, have, chunk, 0, one);
        return carve_from_end(h, b, have, chunk, align, one);
    }
    /* No instruction: b + have is formed where it is used, not before the
       branch above and kept (spilled on i386) for both paths. */
    __asm__("" : "+r"(have));
    block_park(h, b, gap);
    b->size = gap | TLSF_FREE;
    tlsf_block *a = block_at(b, gap);
    block_set_prev_phys(a, b);
    return carve_tail(h, a, have - gap, chunk, TLSF_PREV_FREE, one);
}

/* The paths that reach the memory manager: out of line, so that the fast
   paths keep a small prologue. */
/* What the fast path leaves out: chunk 0 for a request it refuses (too
   large, an invalid alignment), else a request that no free block serves,
   which grows the heap.  Reached through the heap so that the fast path
   makes no call by name, which costs MIPS PIC code its gp set-up on every
   call (a stray write into the heap could redirect it). */
static void *__attribute__((noinline)) alloc_slow(hb_heap *h, size_t chunk, size_t align)
{
    if (!chunk)
        return alloc_fail(h);
    if (align <= TLSF_ALIGN) {
        tlsf_block *b = take_block_grown(h, chunk);
        return b ? carve_tail(h, b, listed_block_size(b), chunk, 0, TLSF_ONE) : alloc_fail(h);
    }
    tlsf_block *b = take_block_grown(h, chunk + align + TLSF_GAP_EXTRA);
    return b ? carve_aligned(h, b, chunk, align, TLSF_ONE) : alloc_fail(h);
}

#if TLSF_IN_PLACE
/* 64-bit: a split whose tail goes to list `to` (not b's list `slot`) the
   general way, out of line so that the in-place paths of tlsf_alloc keep
   a small prologue (a tail call: no return through tlsf_alloc). */
static void *__attribute__((noinline)) alloc_split(hb_heap *h, tlsf_block *b, unsigned slot, size_t chunk, unsigned to)
{
    unsigned w = slot_word(slot);
    struct tlsf_hit hit = {slot, w, bitmap_off(w), h->bitmap[w]};
    size_t have = listed_block_size(b);
    tlsf_block *r = block_at(b, chunk);
    block_remove_hit(h, b, &hit, TLSF_ONE);
    r->size = (have - chunk) | TLSF_FREE;
    block_set_prev_phys(block_at(b, have), r);
    block_insert_at(h, r, to, TLSF_ONE, 0);
    b->size = chunk;
    return grant(h, b, chunk);
}
#endif

/* One function for both paths: a call between them would cost a prologue
   (and on MIPS a GOT load) on the aligned path, the longest. */
static void *tlsf_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    (void)tag;
    TLSF_JOIN(h);
    if (size >> TLSF_REQUEST_LOG2)
        return h->slow(h, 0, 0);
    size_t chunk = chunk_for_request(size);
    if (align > TLSF_ALIGN) {
        /* a power of two no larger than TLSF_MAX_ALIGN (2^16) */
        size_t need = chunk + align + TLSF_GAP_EXTRA;
        if ((align & (align - 1)) | (align >> 17))
            return h->slow(h, 0, 0);
        struct tlsf_hit hit;
        if (!find_suitable(h, mapping_search(need), &hit))
            return h->slow(h, chunk, align);
        tlsf_block *b = h->heads[hit.slot];
        uint32_t one = TLSF_ONE;
        __asm__("" : "+r"(one)); /* formed once for both lists (see TLSF_ONE) */
        block_remove_hit(h, b, &hit, one);
        return carve_aligned(h, b, chunk, align, one);
    }
    if (align & (align - 1))
        return h->slow(h, 0, 0);
    struct tlsf_hit hit;
    if (!find_suitable(h, mapping_search(chunk), &hit))
        return h->slow(h, chunk, 0);
    tlsf_block *b = h->heads[hit.slot];
#if TLSF_IN_PLACE
    size_t have = listed_block_size(b);
    size_t rest = have - chunk;
    if (rest >= TLSF_MIN_CHUNK) {
        unsigned to = mapping_insert(rest); /* <= hit.slot */
        tlsf_block *r = block_at(b, chunk);
        tlsf_block *next = b->next_free;
        if (to == hit.slot) { /* the tail takes b's place at the head */
            r->next_free = next;
            TLSF_APART(r);
            r->pprev = &h->heads[to];
            h->heads[to] = r;
            if (next)
                next->pprev = &r->next_free;
        } else if (!next && list_can_move(h, to, hit.slot)) {
            list_move_lone(h, hit.slot, to, r);
        } else {
            return alloc_split(h, b, hit.slot, chunk, to);
        }
        r->size = rest | TLSF_FREE;
        block_set_prev_phys(block_at(b, have), r);
        b->size = chunk;
        return grant(h, b, chunk);
    }
#endif
    block_remove_hit(h, b, &hit, TLSF_ONE);
    return carve_tail(h, b, listed_block_size(b), chunk, 0, TLSF_ONE);
}

/* x rotated right by log2(ALIGN): a multiple of ALIGN becomes x / ALIGN,
   anything else gets high bits set. */
static inline size_t rotr_align(size_t x)
{
    return (x >> TLSF_ALIGN_LOG2) | (x << (sizeof(size_t) * 8 - TLSF_ALIGN_LOG2));
}

/* A free after its checks and counters: b (header hdr) merges with its
   free neighbours, the next block being `next` (header nhdr), and the
   result is filed. */
static inline __attribute__((always_inline)) int free_merge_body(hb_heap *h, tlsf_block *b, size_t hdr,
                                                                 tlsf_block *next, size_t nhdr)
{
    uint32_t one = TLSF_ONE;
    __asm__("" : "+r"(one));               /* formed once (see TLSF_ONE) */
    if (TLSF_LONG(hdr & TLSF_PREV_FREE)) { /* block_merge_prev */
        tlsf_block *prev = block_prev_phys(b);
        b->size = hdr | TLSF_FREE; /* a second free of ptr is caught */
        block_remove_k(h, prev, one);
        b = prev;
    }
    TLSF_JOIN(b);
    if (TLSF_LONG(nhdr & TLSF_FREE)) { /* block_merge_next */
        block_remove_k(h, next, one);
        next = block_at(next, nhdr - TLSF_FREE); /* a free block's PREV_FREE is clear: b is used */
        nhdr = next->size;
    }
    size_t chunk = (uintptr_t)next - (uintptr_t)b;
    next->size = nhdr | TLSF_PREV_FREE;
    block_set_prev_phys(next, b);
    b->size = chunk | TLSF_FREE;
    block_insert_k(h, b, chunk, one);
    return HB_OK;
}

#if TLSF_IN_PLACE
/* 64-bit: the frees that the in-place path of tlsf_free leaves, out of
   line so that it keeps a small prologue (a tail call). */
static int __attribute__((noinline)) free_merge(hb_heap *h, tlsf_block *b, size_t hdr, tlsf_block *next, size_t nhdr)
{
    return free_merge_body(h, b, hdr, next, nhdr);
}
#endif

static int tlsf_free(hb_heap *h, void *ptr)
{
    /* One compare for NULL, misalignment and the hull: ptr - lo_ptr
       must be a multiple of ALIGN, and the header below ptr no higher than
       used_hi (a payload lies at least ALIGN above lo; NULL lies below). */
    if (rotr_align((uintptr_t)ptr - h->lo_ptr) > h->ptr_limit)
        return ptr ? HB_EBADPTR : HB_OK;
    tlsf_block *b = block_from_ptr(ptr);
    size_t hdr = b->size;
    size_t chunk = hdr & ~TLSF_FLAGS;
    /* chunk - MIN_CHUNK wraps when chunk < MIN_CHUNK; else the next header
       must lie within the hull */
    if ((hdr & TLSF_FREE) || chunk - TLSF_MIN_CHUNK > h->used_hi - (uintptr_t)b)
        return HB_EBADPTR;
    tlsf_block *next = block_at(b, chunk);
    size_t nhdr = next->size;
    if (nhdr & TLSF_PREV_FREE)
        return HB_EBADPTR;
    h->used -= chunk;
    TLSF_APART(h);
    h->frees++;
#if TLSF_IN_PLACE
    if ((hdr & TLSF_PREV_FREE) && !(nhdr & TLSF_FREE)) {
        /* prev heads the list of the merged block's class, or is alone on
           the list below it: it stays there, or its bit moves up.  Fewer
           values are kept for the other frees (they reload them): GCC
           otherwise saves five registers on this path. */
        b->size = hdr | TLSF_FREE; /* a second free of ptr is caught */
        tlsf_block *prev = block_prev_phys(b);
        size_t merged = prev->size - TLSF_FREE + chunk;
        unsigned to = mapping_insert(merged);
        tlsf_block **head = &h->heads[to];
        if (prev->pprev == head || (prev->pprev == head - 1 && !prev->next_free && list_can_move(h, to, to - 1) &&
                                    (list_move_lone(h, to - 1, to, prev), 1))) {
            prev->size = merged | TLSF_FREE;
            next->size |= TLSF_PREV_FREE;
            block_set_prev_phys(next, prev);
            return HB_OK;
        }
        hdr = b->size - TLSF_FREE;
        next = block_at(b, hdr & ~TLSF_FLAGS);
        nhdr = next->size;
    }
    return free_merge(h, b, hdr, next, nhdr);
#else
    return free_merge_body(h, b, hdr, next, nhdr);
#endif
}

static int tlsf_expand(hb_heap *h, void *block, size_t len)
{
    size_t ps = h->cfg.page_size;
    if (!block || !ps || (uintptr_t)block % ps || len < ps || len % ps || len > UINTPTR_MAX - (uintptr_t)block)
        return HB_EINVAL;
    return pool_add(h, block, len, len / ps) ? HB_OK : HB_EINVAL;
}

/* A pool that is one free block: give all its segments back. */
static size_t pool_give_back(hb_heap *h, struct tlsf_pool *p)
{
    size_t ps = h->cfg.page_size;
    uint32_t pages[TLSF_POOL_SEGS];
    uint32_t n = p->nsegs;
    uintptr_t end = p->end;
    memcpy(pages, p->pages, sizeof pages);
    block_remove(h, p->first);
    size_t bytes = end - (uintptr_t)p;
    h->meta_bytes -= bytes - block_size(p->first);
    h->pool_bytes -= bytes;
    while (n--) { /* the last segment first: the record lives in the first */
        end -= (size_t)pages[n] * ps;
        h->cfg.put_pages(h->cfg.mm, (void *)end, pages[n]);
    }
    return bytes;
}

/* Give back the last segment of p if the pool's last free block covers it. */
static size_t pool_trim_last_segment(hb_heap *h, struct tlsf_pool *p)
{
    size_t ps = h->cfg.page_size;
    uint32_t k = p->nsegs - 1;
    size_t seg_len = (size_t)p->pages[k] * ps;
    uintptr_t seg = p->end - seg_len;
    tlsf_block *s = p->sentinel;
    uintptr_t sent = (uintptr_t)s;
    if (sent + TLSF_WORD > seg) { /* the sentinel is in the segment: move it below */
        uintptr_t first = (uintptr_t)p->first;
        if (!block_is_prev_free(s) || seg < first + TLSF_WORD)
            return 0;
        tlsf_block *last = block_prev_phys(s);
        uintptr_t l = (uintptr_t)last;
        sent = first + hb_align_down(seg - TLSF_WORD - first, TLSF_ALIGN);
        /* the last free block must start above the new sentinel or leave a
           whole block below it: a sliver would be lost to the metadata */
        if (sent < l || sent - l - 1 < TLSF_MIN_CHUNK - 1)
            return 0;
        block_remove(h, last);
        if (sent != l) {
            last->size = (sent - l) | TLSF_FREE;
            write_sentinel((tlsf_block *)sent, TLSF_PREV_FREE);
            block_set_prev_phys((tlsf_block *)sent, last);
            block_insert(h, last, sent - l);
        } else {
            write_sentinel((tlsf_block *)sent, 0);
        }
    }
    h->meta_bytes -= p->end - (uintptr_t)s;
    h->meta_bytes += seg - sent;
    h->pool_bytes -= seg_len;
    p->sentinel = (tlsf_block *)sent;
    p->end = seg;
    p->nsegs = k;
    h->cfg.put_pages(h->cfg.mm, (void *)seg, p->pages[k]);
    return seg_len;
}

static int pool_is_one_free_block(const struct tlsf_pool *p)
{
    return p->first != p->sentinel && block_is_free(p->first) &&
           block_at(p->first, block_size(p->first)) == p->sentinel;
}

static size_t tlsf_contract(hb_heap *h)
{
    size_t returned = 0;
    if (!h->cfg.put_pages)
        return 0;
    struct tlsf_pool **link = &h->pools;
    while (*link) {
        struct tlsf_pool *p = *link;
        while (p->nsegs > 1) {
            size_t n = pool_trim_last_segment(h, p);
            if (!n)
                break;
            returned += n;
        }
        if (p != &h->pool0 && pool_is_one_free_block(p)) {
            *link = p->next;
            returned += pool_give_back(h, p);
            continue;
        }
        link = &p->next;
    }
    if (returned)
        hull_recompute(h);
    return returned;
}

static inline size_t live_count(const hb_heap *h)
{
    return h->allocs - h->frees;
}

/* allocs as 64 bits: on 32-bit, the carries count 2^32 each. */
static inline uint64_t alloc_total(const hb_heap *h)
{
#if SIZE_MAX == UINT32_MAX
    return (uint64_t)h->allocs + ((uint64_t)h->allocs_carry << 32);
#else
    return h->allocs;
#endif
}

/* Memory manager blocks (and the initial one) in the pools: O(pools). */
static size_t segment_count(const hb_heap *h)
{
    size_t n = 0;
    for (const struct tlsf_pool *p = h->pools; p; p = p->next)
        n += p->nsegs;
    return n;
}

/* The most pools the pool bytes can hold: the initial one, and at least a
   page each for the others (they come only with a page size). */
static size_t pool_bound(const hb_heap *h)
{
    return 1 + (h->cfg.page_size ? h->pool_bytes / h->cfg.page_size : 0);
}

static void tlsf_stats(const hb_heap *h, struct hb_stats *s)
{
    memset(s, 0, sizeof *s);
    s->pool_bytes = h->pool_bytes;
    s->meta_bytes = h->meta_bytes;
    s->header_bytes = live_count(h) * TLSF_WORD;
    s->granted_bytes = h->used - s->header_bytes;
    s->padding_bytes = h->parked_bytes;
    s->free_bytes = h->pool_bytes - h->meta_bytes - h->used - h->parked_bytes;
    if (h->top_bitmap) {
        unsigned w = pos_last(h->top_bitmap);
        unsigned top = (w << 5) + pos_last(h->bitmap[w]);
        for (const tlsf_block *b = h->heads[top]; b; b = b->next_free)
            if (block_size(b) > s->largest_free)
                s->largest_free = block_size(b);
    }
    s->blocks = segment_count(h);
    s->live = live_count(h);
    s->allocs = alloc_total(h);
    s->frees = s->allocs - live_count(h);
    s->failures = h->failures;
}

static int tlsf_walk(const hb_heap *h, hb_walk_fn fn, void *ctx)
{
    for (const struct tlsf_pool *p = h->pools; p; p = p->next) {
        for (tlsf_block *b = p->first; b != p->sentinel; b = block_at(b, block_size(b))) {
            if (block_is_free(b))
                continue;
            struct hb_block_info info = {block_to_ptr(b), 0, block_usable(block_size(b)), NULL};
            int r = fn(&info, ctx);
            if (r)
                return r;
        }
    }
    return HB_OK;
}

static size_t tlsf_usable_size(const hb_heap *h, const void *ptr)
{
    (void)h;
    return block_usable(block_size(block_from_ptr(ptr)));
}

/* ---- check --------------------------------------------------------------- */

/* check() follows a pointer read from metadata only once it lies inside
   the address hull of the pools (which free() already assumes readable), so
   corrupted metadata gets a message, not a crash. */
static int in_hull(const hb_heap *h, const void *p)
{
    uintptr_t lo = h->lo_ptr - TLSF_ALIGN;        /* the lowest pool's start */
    uintptr_t last = h->used_hi + TLSF_MIN_CHUNK; /* the hull's end - WORD */
    return h->used_hi && (uintptr_t)p >= lo && (uintptr_t)p - lo <= last - lo;
}

/* Physical invariants of one pool; adds up its free and used bytes. */
static const char *check_pool(const hb_heap *h, const struct tlsf_pool *p, size_t *free_bytes, size_t *free_blocks,
                              size_t *parked, size_t *granted, size_t *live)
{
    uintptr_t first = (uintptr_t)p->first, sent = (uintptr_t)p->sentinel;
    uintptr_t start = p == &h->pool0 ? (uintptr_t)h : (uintptr_t)p;
    if ((first + TLSF_WORD) % TLSF_ALIGN || (sent - first) % TLSF_ALIGN || sent < first || first < start ||
        !in_hull(h, (const void *)sent))
        return "pool: first block or sentinel misplaced";
    if (sent + TLSF_WORD > p->end || p->nsegs == 0 || p->nsegs > TLSF_POOL_SEGS)
        return "pool: sentinel past the end, or bad segment count";
    if (block_size(p->sentinel) != 0 || block_is_free(p->sentinel))
        return "pool: sentinel is not a used block of size 0";
    if (p != &h->pool0 && p->pages[0] == 0)
        return "pool: a memory manager block without its page count";
    int prev_free = 0;
    const tlsf_block *prev = NULL;
    uintptr_t at = first;
    while (at != sent) {
        const tlsf_block *b = (const tlsf_block *)at;
        size_t sz = block_size(b);
        if (sz < TLSF_MIN_CHUNK || sz % TLSF_ALIGN || sz > sent - at)
            return "block: size out of range or not a multiple of ALIGN";
        if (block_is_prev_free(b) != prev_free)
            return "block: PREV_FREE bit disagrees with the previous block";
        if (prev_free && block_prev_phys(b) != prev)
            return "block: back pointer of a free block is wrong";
        if (block_is_free(b)) {
            if (prev_free)
                return "block: two free blocks are adjacent (missed coalescing)";
            if (block_is_parked(b)) {
                if (b->next_free)
                    return "block: a parked gap has a successor";
                *parked += sz;
            } else {
                *free_bytes += sz;
                ++*free_blocks;
            }
        } else {
            *granted += block_usable(sz);
            ++*live;
        }
        prev_free = block_is_free(b);
        prev = b;
        at += sz;
    }
    if (block_is_prev_free(p->sentinel) != prev_free || (prev_free && block_prev_phys(p->sentinel) != prev))
        return "sentinel: boundary tag disagrees with the last block";
    return NULL;
}

/* Every list: free blocks of its class, links consistent, bitmaps right. */
static const char *check_lists(const hb_heap *h, size_t free_blocks, size_t *listed)
{
    for (unsigned w = 0; w < TLSF_BITMAP_WORDS; w++)
        if (!(h->top_bitmap & word_bit(w)) != !h->bitmap[w])
            return "bitmap: top bit disagrees with its word";
    if (h->top_bitmap & pos_from(TLSF_BITMAP_WORDS))
        return "bitmap: top bits beyond the last word";
    if (TLSF_SLOTS % 32 && h->bitmap[TLSF_BITMAP_WORDS - 1] & pos_from(TLSF_SLOTS % 32))
        return "bitmap: bits beyond the last size class";
    for (unsigned slot = 0; slot < TLSF_SLOTS; slot++) {
        tlsf_block *const *link = &h->heads[slot];
        if (!(h->bitmap[slot_word(slot)] & slot_bit(slot)) != !*link)
            return "bitmap: bit disagrees with its list";
        for (const tlsf_block *b = *link; b; link = &b->next_free, b = b->next_free) {
            if (++*listed > free_blocks)
                return "list: more blocks on the lists than free in the pools (a cycle or a stray)";
            if ((uintptr_t)b % TLSF_WORD || ((uintptr_t)b + TLSF_WORD) % TLSF_ALIGN)
                return "list: misaligned block";
            if (!in_hull(h, b))
                return "list: a link points outside every pool";
            if (!block_is_free(b))
                return "list: a used block is on a free list";
            if (b->pprev != link)
                return "list: pprev does not point at the link to the block";
            if (mapping_insert(block_size(b)) != slot)
                return "list: block filed in the wrong size class";
        }
    }
    return NULL;
}

static int tlsf_check(const hb_heap *h, char *msg, size_t msg_len)
{
    size_t free_bytes = 0, free_blocks = 0, parked = 0, granted = 0, live = 0, listed = 0, pool = 0, npools = 0;
    const char *why = NULL;
    if (!in_hull(h, h) || h->pools != &h->pool0)
        why = "the pool list or the address hull no longer holds the initial pool";
    for (const struct tlsf_pool *p = h->pools; p && !why; p = p->next) {
        if (p != &h->pool0 && (!in_hull(h, p) || (uintptr_t)p % TLSF_ALIGN)) {
            why = "pool list: a link points outside the pools";
            break;
        }
        why = check_pool(h, p, &free_bytes, &free_blocks, &parked, &granted, &live);
        pool += p->end - (p == &h->pool0 ? (uintptr_t)h : (uintptr_t)p);
        if (++npools > pool_bound(h))
            why = "pool list: more pools than the pool bytes allow (a cycle)";
    }
    if (!why)
        why = check_lists(h, free_blocks, &listed);
    if (why)
        return hb_report(msg, msg_len, why);
    if (listed != free_blocks)
        return hb_report(msg, msg_len, "free blocks on lists differ from free blocks in the pools");
    if (granted + live * TLSF_WORD != h->used || live != live_count(h))
        return hb_report(msg, msg_len, "granted bytes or live count differ from the blocks");
    if (pool != h->pool_bytes)
        return hb_report(msg, msg_len, "pool bytes differ from the pool records");
    if (parked != h->parked_bytes)
        return hb_report(msg, msg_len, "parked gap bytes differ from the parked blocks");
    if (h->pool_bytes - h->meta_bytes - live * TLSF_WORD - granted - parked != free_bytes)
        return hb_report(msg, msg_len, "stats identity broken: metadata bytes are off");
    return HB_OK;
}

const struct hb_heap_ops hb_heap_tlsf = {
    .name = "tlsf",
    .summary = "two-level segregated fit (16 bins), O(1) alloc/free, boundary tags, pools merged when adjacent",
    .caps = HB_CAP_FREE | HB_CAP_EXPAND | HB_CAP_CONTRACT | HB_CAP_WALK | HB_CAP_CHECK | HB_CAP_DETECT_BAD_FREE,
    .max_align = TLSF_MAX_ALIGN,
    .min_initial = 4096,
    .create = tlsf_create,
    .alloc = tlsf_alloc,
    .free = tlsf_free,
    .expand = tlsf_expand,
    .contract = tlsf_contract,
    .stats = tlsf_stats,
    .walk = tlsf_walk,
    .check = tlsf_check,
    .usable_size = tlsf_usable_size,
};

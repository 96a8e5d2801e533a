/*
 * heap.h - the one interface every heap in heapbench implements.
 *
 * A heap is a table of operations (struct hb_heap_ops) plus an opaque state
 * that lives inside the memory it manages.  The operations follow the
 * FlingOS "Heaps" article, section "Implementation details":
 *
 *   create    over a single initial block; the heap keeps its global data
 *             inside that block and allocates from the rest.
 *   alloc     size, alignment (0 or 1 = none, powers of two only) and a
 *             debug tag (a caller string kept for debugging).
 *   free      takes only the pointer; free(NULL) is a no-op.
 *   expand    adds a block to the pool.  A heap with HB_CAP_EXPAND also
 *             expands by itself: when full it asks the memory manager
 *             (hb_config.get_pages) for page blocks, and returns NULL only
 *             once the memory manager refuses the smallest block that
 *             would serve the request.
 *   contract  gives blocks that became completely empty back to the memory
 *             manager (never the initial block, which holds the global data).
 *   stats     pool, use, free, fragmentation and metadata figures.
 *   walk      visits every live allocation (address, sizes, tag).
 *   check     verifies internal integrity and says what is wrong.
 *
 * Contract for every heap (the conformance suite holds each heap to it):
 *  - alloc returns a pointer aligned to max(align, HB_DEFAULT_ALIGN), with
 *    at least `size` usable bytes, lying wholly inside the pool, overlapping
 *    no other live allocation.  The *returned pointer* is aligned, not a
 *    header in front of it.
 *  - align must be 0, 1 or a power of two no larger than ops->max_align;
 *    anything else returns NULL and leaves the heap unchanged (only the
 *    `failures` counter moves).  Every power of two up to max_align is
 *    served.  The minimum a heap may declare is HB_DEFAULT_ALIGN: that much
 *    every caller gets anyway.  A kernel heap that serves page tables or
 *    DMA buffers needs HB_PAGE_SIZE or more, and says so by declaring it.
 *  - size 0 is valid and behaves as size 1: a unique, freeable pointer.
 *  - sizes that cannot be served (SIZE_MAX, or size + alignment + metadata
 *    wrapping around) return NULL with the heap unchanged, never a small
 *    block.
 *  - free(NULL) does nothing.  free of a pointer the heap did not return
 *    (inside a block of any size, into free space or the heap's own
 *    metadata, a live pointer of another heap), or of one already freed
 *    (also once it merged with its neighbours), returns HB_EBADPTR with the
 *    heap unchanged where the heap can tell (HB_CAP_DETECT_BAD_FREE);
 *    otherwise it is undefined.
 *  - An expanding heap (HB_CAP_EXPAND) that cannot serve a request from its
 *    pool returns NULL only once the memory manager has refused the
 *    smallest block that would serve it: asking once for a big block and
 *    giving up is out of memory too early.  (The suite fails a NULL while
 *    the manager would still lend 2 * pages(size + align) + 2 pages.)
 *  - stats.largest_free is true: an alloc served without new pages asked
 *    for at most the largest_free reported just before it.  A heap with
 *    HB_CAP_EXACT_FIT also serves, without new pages, every request at the
 *    default alignment of up to largest_free - H bytes, H being its
 *    per-allocation header (stats.header_bytes / stats.live).
 *  - A heap never writes outside the blocks it was given, and keeps all its
 *    state inside them: two heaps of one kind live side by side in one
 *    process (no state in static globals).
 *  - Counters (allocs, frees, failures) never wrap; nor do live counts or
 *    sizes kept in fields narrower than size_t.
 *  - Strings the heap hands back (walk's tag, check()'s message) are
 *    NUL-terminated; check()'s message fits in msg_len.
 *  - The stats identity holds at all times:
 *      pool_bytes == meta_bytes + header_bytes + padding_bytes
 *                    + granted_bytes + free_bytes
 *
 * Capabilities: a heap declares what it offers in ops->caps; the suite skips
 * (and reports as skipped, never as passed) what a heap does not offer.
 *
 * Registering a heap: define a (not static) `const struct hb_heap_ops` with
 * `.name = "NAME"` written as a string literal, in heaps/<file>.c or in a
 * plug-in (docs/plugging-in.md).  The build finds the table by scanning the
 * sources (cmake/registry.cmake): the heap is called what .name says, the
 * symbol and file name are free, and two heaps with one name are a
 * configure error.  A heap that is only init/alloc/free gets the rest of
 * the table from adapter.h.
 */
#ifndef HEAPBENCH_HEAP_H
#define HEAPBENCH_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h" /* HB_DEFAULT_ALIGN, HB_PAGE_SIZE: per-target facts */

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hb_heap hb_heap; /* opaque; each heap defines its own */

/* Capability flags (hb_heap_ops.caps). */
enum {
    HB_CAP_FREE = 1u << 0,             /* free makes memory reusable at once */
    HB_CAP_EXPAND = 1u << 1,           /* grows through get_pages when full, and expand() */
    HB_CAP_CONTRACT = 1u << 2,         /* contract() returns empty blocks */
    HB_CAP_TAGS = 1u << 3,             /* keeps the debug tag; walk reports it */
    HB_CAP_WALK = 1u << 4,             /* walk() visits live allocations */
    HB_CAP_CHECK = 1u << 5,            /* check() verifies real invariants: flipping a byte of the
                                          metadata an alloc or free wrote is noticed (some byte of
                                          each; a heap may leave counters, tags and padding
                                          unverified), and corrupted metadata never crashes it */
    HB_CAP_REQUESTED = 1u << 6,        /* knows each allocation's requested size */
    HB_CAP_DETECT_BAD_FREE = 1u << 7,  /* double/foreign free -> HB_EBADPTR */
    HB_CAP_DETECT_OVERWRITE = 1u << 8, /* check() catches writes past a block's end */
    HB_CAP_EXACT_FIT = 1u << 9,        /* never refuses what fits in largest_free (see the
                                          contract); heaps that round requests to size classes
                                          or bins (TLSF, slab) do not declare it */
    HB_CAP_THREAD_SAFE = 1u << 10      /* every operation may be called from several threads at once */
};

/* Return codes of free, expand and check. */
enum {
    HB_OK = 0,
    HB_EBADPTR = -1,  /* free: not a live pointer of this heap */
    HB_EINVAL = -2,   /* expand: block unusable (too small, misaligned) */
    HB_ECORRUPT = -3, /* check: an invariant is broken (message says which) */
    HB_ENOTSUP = -4   /* the heap lacks the capability */
};

/*
 * What the memory manager offers a heap.  Blocks are whole pages, aligned to
 * page_size.  Successive blocks need not be contiguous, nor in address order.
 * get_pages returns NULL when the manager refuses (its maximum is reached).
 */
struct hb_config {
    void *(*get_pages)(void *mm, size_t npages);
    void (*put_pages)(void *mm, void *block, size_t npages);
    void *mm;         /* passed back to get_pages and put_pages */
    size_t page_size; /* a power of two; HB_PAGE_SIZE for the target */
    size_t param;     /* heap-specific tuning knob (0 = the heap's default),
                         e.g. the bitmap heap's chunk size */
};

struct hb_stats {
    size_t pool_bytes;      /* all bytes of all blocks the heap holds */
    size_t meta_bytes;      /* global and per-block metadata */
    size_t header_bytes;    /* per-allocation metadata of live allocations */
    size_t padding_bytes;   /* rounding/alignment waste that is neither free
                               nor usable by its owner */
    size_t granted_bytes;   /* usable bytes of live allocations */
    size_t requested_bytes; /* bytes asked for by live allocations
                               (HB_CAP_REQUESTED; else 0) */
    size_t free_bytes;      /* bytes in free extents (headers included) */
    size_t largest_free;    /* the largest single free extent, bytes */
    size_t blocks;          /* blocks in the pool, the initial one included */
    size_t live;            /* live allocations */
    uint64_t allocs;        /* successful allocs */
    uint64_t frees;         /* successful frees (free(NULL) not counted) */
    uint64_t failures;      /* allocs that returned NULL */
};

struct hb_block_info {
    void *ptr;        /* what alloc returned */
    size_t requested; /* the size asked for (0 without HB_CAP_REQUESTED) */
    size_t granted;   /* usable bytes from ptr on */
    const char *tag;  /* the tag given to alloc (NULL without HB_CAP_TAGS) */
};

/* walk callback: return non-zero to stop the walk early. */
typedef int (*hb_walk_fn)(const struct hb_block_info *info, void *ctx);

struct hb_heap_ops {
    const char *name;    /* short identifier, e.g. "firstfit" */
    const char *summary; /* one line for listings */
    unsigned caps;       /* HB_CAP_* */
    size_t max_align;    /* largest alignment alloc accepts */
    size_t min_initial;  /* smallest initial block create accepts */

    /* Build a heap inside [block, block+len).  NULL if it cannot (block too
       small or misaligned); every len from min_initial on is taken, a
       multiple of nothing, and the pool is exactly those len bytes.  The
       config is copied; it need not outlive the call. */
    hb_heap *(*create)(void *block, size_t len, const struct hb_config *cfg);
    void *(*alloc)(hb_heap *h, size_t size, size_t align, const char *tag);
    int (*free)(hb_heap *h, void *ptr);
    /* Add [block, block+len) to the pool; ownership goes to the heap, and it
       is given back through put_pages by contract.  NULL when !HB_CAP_EXPAND. */
    int (*expand)(hb_heap *h, void *block, size_t len);
    /* Return every empty block but the initial one; the bytes returned.
       NULL when !HB_CAP_CONTRACT. */
    size_t (*contract)(hb_heap *h);
    void (*stats)(const hb_heap *h, struct hb_stats *out);
    /* Visit live allocations in address order within each block.  Returns
       HB_OK, or the first non-zero value fn returned.  NULL when !HB_CAP_WALK. */
    int (*walk)(const hb_heap *h, hb_walk_fn fn, void *ctx);
    /* HB_OK, or HB_ECORRUPT with a description in msg.  NULL when !HB_CAP_CHECK. */
    int (*check)(const hb_heap *h, char *msg, size_t msg_len);
    /* Usable bytes at ptr (a live allocation).  Optional (may be NULL). */
    size_t (*usable_size)(const hb_heap *h, const void *ptr);
};

/* Convenience for heaps: is x a power of two (0 is not)? */
static inline int hb_is_pow2(size_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* Normalise an alloc alignment: 0 and 1 mean the default; other values must
   be powers of two no larger than max_align.  Returns 0 for invalid. */
static inline size_t hb_effective_align(size_t align, size_t max_align)
{
    if (align <= HB_DEFAULT_ALIGN)
        return align == 0 || hb_is_pow2(align) ? HB_DEFAULT_ALIGN : 0;
    return hb_is_pow2(align) && align <= max_align ? align : 0;
}

/* Copy a fixed message into check()'s buffer (no stdio needed in a heap). */
static inline int hb_report(char *msg, size_t msg_len, const char *why)
{
    size_t i = 0;
    for (; msg_len && i + 1 < msg_len && why[i]; i++)
        msg[i] = why[i];
    if (msg_len)
        msg[i] = '\0';
    return HB_ECORRUPT;
}

static inline uintptr_t hb_align_up(uintptr_t x, size_t a)
{
    return (x + (a - 1)) & ~(uintptr_t)(a - 1);
}
static inline uintptr_t hb_align_down(uintptr_t x, size_t a)
{
    return x & ~(uintptr_t)(a - 1);
}

/* Facts a table reports in ops->caps beside its capabilities, when parts of
   the heap are supplied by adapter.h rather than by the heap itself; results
   say so next to the figures they affect. */
enum {
    HB_CAP_ALIGN_EMULATED = 1u << 24, /* alignments above the heap's own are served by
                                         over-allocating and offsetting (adapter.h) */
    HB_CAP_STATS_ESTIMATED = 1u << 25 /* free_bytes is the remainder (it holds the heap's own
                                         metadata) and largest_free its upper bound, free_bytes */
};

/* A heap's version string, reported with its results.  Optional; at file
   scope in a source beside the table (the build finds it by the table's
   symbol):  HB_HEAP_VERSION(my_ops, "1.2");  */
#define HB_HEAP_VERSION(ops_symbol, version) const char hb_heap_version_##ops_symbol[] = version

#ifdef __cplusplus
}
#endif

#endif

/*
 * suite.h - the conformance suite's case framework and fixture.
 *
 * Every case runs in its own forked child (runner.c), so a case reports a
 * failure by printing what is wrong and exiting: CHECK() never returns when
 * its condition is false.  A fixture (struct fx) holds the heap under test,
 * its memory manager and a shadow model of every live allocation: what was
 * asked for, what came back, and the fill pattern written into it.
 */
#ifndef HEAPBENCH_SUITE_H
#define HEAPBENCH_SUITE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "mm.h"
#include "rng.h"

struct fx;
typedef void (*hb_case_fn)(struct fx *f);

struct hb_case {
    const char *group;
    const char *name;
    unsigned needs; /* HB_CAP_* the case needs; it is skipped without them */
    hb_case_fn run;
    const char *what; /* one line: what the case proves */
};

extern const struct hb_case hb_cases[];
extern const size_t hb_case_count;

/* One live allocation as the suite sees it. */
struct shadow {
    unsigned char *ptr;
    size_t size;  /* requested */
    size_t span;  /* bytes the suite may use and fill: usable size if known */
    size_t align; /* requested */
    const char *tag;
    uint32_t id; /* seeds the fill pattern */
};

struct fx {
    const struct hb_heap_ops *ops;
    hb_heap *h;
    hb_mm *mm;
    void *initial;
    size_t initial_len;  /* what create was given */
    size_t initial_room; /* the initial block's bytes in its pages; those past
                            initial_len hold a pattern that must survive */
    uint64_t seed;
    struct hb_rng rng;
    struct shadow *live; /* sorted by address */
    size_t nlive, cap;
    size_t granted_sum, requested_sum; /* of the live blocks: spans, and sizes (0 counted as 1) */
    uint64_t allocs, frees, failures;  /* what the counters must say */
    size_t header;                     /* per-allocation header (stats), SIZE_MAX until seen */
    size_t header_seen;                /* the largest seen so far */
    uint32_t next_id;
    int checked_ops;         /* verify stats/walk/check after every operation */
    size_t raw_live;         /* blocks live from fx_raw_alloc (not in the shadow) */
    unsigned char *snapshot; /* the initial block as fx_snapshot saw it */
};

/* Fixture options. */
struct fx_opts {
    size_t initial_bytes; /* initial block given to create */
    size_t max_bytes;     /* memory manager maximum (0: initial only) */
    size_t arena_pages;   /* arena size (0: enough for max_bytes) */
    enum hb_mm_placement placement;
    int checked_ops;
};

void fx_setup(struct fx *f, const struct fx_opts *o);
void fx_teardown(struct fx *f);
/* Rebuild the heap over the same initial block (for many short runs). */
void fx_recreate(struct fx *f);
/* Rebuild it over the first len bytes of the initial block (at most
   initial_room): a pool of any length, not only whole pages. */
void fx_recreate_len(struct fx *f, size_t len);

/* Failure: print "FAIL: ..." and end the case (exit status 1). */
_Noreturn void fx_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            fx_fail(__FILE__, __LINE__, __VA_ARGS__);                                                                  \
    } while (0)

/* Record the heap call under way, for the crash report of the runner. */
void fx_note_op(const char *op, size_t size, size_t align, const void *ptr);

/* A phrase every failure message of the case starts with (NULL: none). */
void fx_set_context(const char *context);

/* A string the heap handed back (a tag, a check() message), made safe to
   print: bounded, escaped, and "<unreadable pointer P>" if it cannot be read.
   Returns out. */
const char *fx_heap_string(const char *s, char *out, size_t out_len);

/* check() with its message made safe to print (fx_heap_string); op names
   the call for a crash report. */
int fx_check_heap(struct fx *f, const char *op, char *msg, size_t msg_len);

/* alloc through the fixture: checks the result fully (alignment, inside the
   pool, no overlap, usable size), fills it with its pattern and records it.
   Returns NULL when the heap returned NULL (after checking the heap was left
   unchanged but for the failure counter). */
void *fx_alloc(struct fx *f, size_t size, size_t align, const char *tag);
/* Checks the block's pattern, frees it, checks the result. */
void fx_free(struct fx *f, void *p);
/* Frees every live allocation, in random order. */
void fx_free_all(struct fx *f);
/* Frees the i-th live allocation in address order. */
void fx_free_index(struct fx *f, size_t i);

/* Whole-heap verification: patterns of every live block, heap check(),
   walk against the shadow, stats against the shadow, memory manager guards. */
void fx_verify(struct fx *f);
/* Every live block still holds its fill pattern ("when" names the moment). */
void fx_check_patterns(const struct fx *f, const char *when);
void fx_verify_stats(struct fx *f);
void fx_verify_walk(struct fx *f);
void fx_verify_guards(struct fx *f);
void fx_stats(struct fx *f, struct hb_stats *s);

int fx_has(const struct fx *f, unsigned caps);

/* The case actions and verdicts beyond alloc and free.  Each is recorded
   for the replay file (replay.h) and replayed by calling the same function,
   so a replay fails at the same check as the case did. */

/* free of a pointer that is no live block of this heap: HB_EBADPTR, stats
   unchanged. */
void fx_bad_free(struct fx *f, void *ptr, const char *what);
/* fx_alloc, and the case's verdict on it: want 1, a block (it has room);
   want 0, NULL (the request cannot be served); why says which. */
void *fx_alloc_expect(struct fx *f, size_t size, size_t align, const char *tag, int want, const char *why);
/* expand by bytes (pages the memory manager lends for it, beyond its
   limit, and then nothing more): HB_OK, and the pool grows by them. */
void fx_expand(struct fx *f, size_t bytes);
/* free(NULL): HB_OK, stats unchanged. */
void fx_free_null(struct fx *f);
/* Flips the byte at block + offset (a live block; offset may lie outside
   it): check() must report HB_ECORRUPT, and HB_OK once the byte is back. */
void fx_expect_check_catches(struct fx *f, unsigned char *block, long offset, const char *what);
/* Copies the initial block; fx_check_looks then flips, one at a time, the
   bytes outside live blocks that changed since (metadata the heap wrote):
   check() must notice at least one, never crash, and be content after. */
void fx_snapshot(struct fx *f);
void fx_check_looks(struct fx *f, const char *what);
/* contract: its result must equal the bytes the memory manager got back,
   then the stats (and check() in checked mode) right after it; with all,
   the heap must then hold its initial block only.  Returns what contract
   returned. */
size_t fx_contract(struct fx *f, int all);
/* The memory manager lends `extra` bytes more than it has lent now, no more. */
void fx_mm_limit(struct fx *f, size_t extra);
/* Everything freed (and contracted): free bytes and largest extent as on
   the fresh heap whose stats are fresh. */
void fx_expect_drained(struct fx *f, const struct hb_stats *fresh);
/* The heap's stats are still before (what: what happened meanwhile). */
void fx_expect_unchanged(struct fx *f, const struct hb_stats *before, const char *what);
/* alloc and free straight to the heap, outside the shadow (bulk runs): only
   the counters are kept.  fx_expect_counters checks them against stats. */
void *fx_raw_alloc(struct fx *f, size_t size, size_t align, const char *tag, int must);
void fx_raw_free(struct fx *f, void *p);
void fx_expect_counters(struct fx *f);

/* Tags are string literals the suite owns, so walk can be compared by pointer. */
extern const char *const fx_tags[4];

#endif

/*
 * minpool.c - the minimum pool: the smallest initial block, in whole pages,
 * with which a workload runs on a heap with no failed alloc.  It puts fixed
 * and growing heaps on one scale: a heap that can expand is measured with
 * expansion off (its memory manager refuses every get_pages), and its
 * footprint with expansion on (the quality meter) is reported beside it.
 *
 * A probe of n pages: a fresh memory manager of exactly n pages (it has
 * nothing more to lend), the heap created over all of them, the workload's
 * own operations run until the first alloc that returns NULL (the probe
 * failed) or to the end (it succeeded).  An alloc asking an alignment above
 * the heap's max_align may be refused without failing the probe.  After
 * each probe the memory manager's guard pages are checked: a heap that
 * writes outside its pool when it runs out is reported as corrupt.  A pool
 * below the heap's min_initial fails by contract and is not run.
 *
 * Search: n0 = max(pages(min_initial), floor(peak live bytes / page)),
 * no smaller pool can hold the live set (with the heap's state).  Gallop
 * up from n0 in steps of n0/8 (at least 1 page), doubling, until a probe
 * succeeds (at most the bench arena: past it the figure is "not found"),
 * then bisect between the last failure and that success.  The invariant:
 * every pool at or below lo failed or is below min_initial, hi succeeded;
 * the result is hi when hi - lo = 1, so pages - 1 failed (or is below
 * min_initial) and pages succeeded, both as probed.  Success need not be
 * monotone in the pool size (a buddy heap, size classes): the figure is the
 * boundary the search finds, and every probe is kept in the record.
 *
 * Cost: about log2((answer - n0) / step) + log2(gap) probes, each at most
 * one run of the sequence without stats (a failing probe stops early);
 * typically 6 to 15 runs per heap x workload, a few ms each.  A slow heap
 * (a linear scan of a large pool) is bounded by a budget of seconds per
 * heap x workload (run.c: HB_MINPOOL_BUDGET_S, less with a short
 * --timeout): past it the gallop jumps
 * to the arena and the bisection stops, and the figure is a pool that
 * works, marked not exact, with the largest pool known to fail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "supervise.h"

enum probe_result { PROBE_FAILED, PROBE_OK, PROBE_CORRUPT };

struct search {
    const struct hb_heap_ops *ops;
    const struct hb_opseq *seq;
    void **slots;
    size_t *sizes;
    struct hb_minpool_fig *m;
    char *msg;
    size_t msglen;
    uint64_t t0;   /* hb_now_ns() at the start */
    double budget; /* seconds */
};

static int over_budget(const struct search *x)
{
    return (double)(hb_now_ns() - x->t0) * 1e-9 > x->budget;
}

static size_t pages_for(size_t bytes)
{
    return (bytes + HB_PAGE_SIZE - 1) / HB_PAGE_SIZE;
}

/* Runs the workload's own operations on the heap until an alloc fails:
   1 when none did. */
static int run_until_null(struct search *x, hb_heap *h, uint64_t *peak_live, uint64_t *refused)
{
    const struct hb_heap_ops *ops = x->ops;
    size_t own = hb_own_ops(x->seq);
    uint64_t live = 0;
    *peak_live = *refused = 0;
    for (size_t i = 0; i < own; i++) {
        const struct hb_op *op = &x->seq->ops[i];
        if (op->kind == HB_OP_ALLOC) {
            hb_sv_note("alloc", op->size, op->align, NULL);
            void *p = ops->alloc(h, op->size, op->align, op->tag);
            x->slots[op->slot] = p;
            if (!p && op->align > ops->max_align) {
                (*refused)++;
                continue;
            }
            if (!p)
                return 0;
            x->sizes[op->slot] = op->size;
            live += op->size;
            if (live > *peak_live)
                *peak_live = live;
        } else if (x->slots[op->slot]) {
            hb_sv_note("free", x->sizes[op->slot], 0, x->slots[op->slot]);
            ops->free(h, x->slots[op->slot]);
            x->slots[op->slot] = NULL;
            live -= x->sizes[op->slot];
        }
    }
    return 1;
}

static enum probe_result probe(struct search *x, size_t pages)
{
    char phase[64];
    snprintf(phase, sizeof phase, "minimum pool: probe of %zu pages", pages);
    hb_sv_phase(phase);
    hb_mm *mm = hb_mm_create(pages, pages * HB_PAGE_SIZE, HB_MM_CONTIGUOUS);
    if (!mm)
        hb_sv_fail("cannot create a memory manager of %zu pages", pages);
    void *block = hb_mm_get_pages(mm, pages);
    struct hb_config cfg = hb_mm_config(mm, 0);
    hb_heap *h = block ? x->ops->create(block, pages * HB_PAGE_SIZE, &cfg) : NULL;
    uint64_t peak = 0, refused = 0;
    memset(x->slots, 0, (x->seq->nslots ? x->seq->nslots : 1) * sizeof *x->slots);
    int ok = h && run_until_null(x, h, &peak, &refused);
    char why[200];
    enum probe_result r = ok ? PROBE_OK : PROBE_FAILED;
    if (hb_mm_check_guards(mm, why, sizeof why) != 0) {
        snprintf(x->msg, x->msglen, "minimum pool, probe of %zu pages: memory outside the pool was written: %s", pages,
                 why);
        r = PROBE_CORRUPT;
    }
    hb_mm_destroy(mm);
    struct hb_minpool_fig *m = x->m;
    if (m->nprobes < HB_MINPOOL_MAX_PROBES) {
        m->probe_pages[m->nprobes] = pages;
        m->probe_ok[m->nprobes++] = r == PROBE_OK;
    }
    if (r == PROBE_OK) {
        m->peak_live_bytes = peak;
        m->refused_align = refused;
    }
    return r;
}

/* Gallops up from n0, then bisects; fills m. */
static int search(struct search *x, size_t floor_pages, size_t n0, size_t limit)
{
    struct hb_minpool_fig *m = x->m;
    size_t lo = floor_pages - 1, hi = 0, step = n0 / 8 ? n0 / 8 : 1;
    for (size_t n = n0;; n = lo + step, step *= 2) {
        if (n > limit || over_budget(x))
            n = limit;
        enum probe_result r = probe(x, n);
        if (r == PROBE_CORRUPT)
            return -1;
        if (r == PROBE_OK) {
            hi = n;
            break;
        }
        if (n == limit)
            return 0; /* not found within the arena */
        lo = n;
    }
    while (hi - lo > 1 && !over_budget(x)) {
        size_t mid = lo + (hi - lo) / 2;
        enum probe_result r = probe(x, mid);
        if (r == PROBE_CORRUPT)
            return -1;
        if (r == PROBE_OK)
            hi = mid; /* the last successful probe: m's live and refused figures are hi's */
        else
            lo = mid;
    }
    m->found = 1;
    m->pages = hi;
    m->below_min_initial = lo < floor_pages;
    m->exact = hi - lo == 1;
    m->lower_pages = lo;
    return 0;
}

int hb_minpool_run(const struct hb_subject *s, const struct hb_opseq *seq, double budget, struct hb_minpool_fig *m,
                   char *msg, size_t msglen)
{
    const struct hb_heap_ops *ops = s->ops;
    memset(m, 0, sizeof *m);
    m->expands = (ops->caps & HB_CAP_EXPAND) != 0;
    size_t ns = seq->nslots ? seq->nslots : 1;
    struct search x = {ops,         seq,   calloc(ns, sizeof(void *)), calloc(ns, sizeof(size_t)), m, msg, msglen,
                       hb_now_ns(), budget};
    if (!x.slots || !x.sizes) {
        free(x.slots);
        free(x.sizes);
        snprintf(msg, msglen, "out of memory for %zu slots", ns);
        return -1;
    }
    size_t floor_pages = pages_for(ops->min_initial);
    if (floor_pages < 1)
        floor_pages = 1;
    size_t limit = hb_arena_bytes(s, seq) / HB_PAGE_SIZE;
    if (limit < floor_pages)
        limit = floor_pages;
    size_t n0 = seq->peak_live_bytes / HB_PAGE_SIZE;
    if (n0 < floor_pages)
        n0 = floor_pages;
    if (n0 > limit)
        n0 = limit;
    m->limit_pages = limit;
    int rc = search(&x, floor_pages, n0, limit);
    free(x.slots);
    free(x.sizes);
    return rc;
}

/*
 * promises.c - the claims and path-length targets the reference heaps make,
 * as one table, and the one function that judges them.
 *
 * A row: heap, metric, the workloads it is taken over, where it is judged
 * (timing host only, or the architectures whose path lengths the heap
 * promises), the limit (a constant, plus a per-doubling term for limits
 * that grow with the pool: limit = base + per_log2 x log2(peak pool / 16)),
 * and whether a miss is currently expected (a known miss: it still shows,
 * as "missed (expected)").  Expected today: tlsf alloc max (its aligned
 * allocs) and free max on x86 (met on MIPS32), and tlsf's host speed;
 * heaps/tlsf.c's essay has the figures and what they are made of.  A host speed claim is judged on
 * the floors of the repetitions that kept a CPU (figures.c), however busy
 * the machine was otherwise, and refused only when a floor is not trusted,
 * with the figure and the threshold.  A promise is judged only on its full
 * workload set: a run narrowed by --workload or --heap (or one where a
 * workload of the set failed) says "not judged" and why, never "met".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "run.h"

enum metric {
    M_SPEED_VS_MALLOC, /* (alloc + free ns) / malloc's, overhead subtracted */
    M_ALLOC_OWN_MAX,   /* path length: worst alloc that did not reach the memory manager */
    M_FREE_OWN_MAX,
    M_ALLOC_P99, /* path length: 99th percentile of every alloc */
    M_FREE_P99,
    M_ALLOC_MEDIAN, /* path length: median of every alloc (a heap's fast path) */
    M_FREE_MEDIAN
};

struct promise {
    const char *heap;
    const char *what;      /* as printed */
    const char *workloads; /* comma list; "*" = every default workload */
    const char *where;     /* "host" (host timing) or a comma list of arch names */
    double base, per_log2; /* the limit */
    enum metric metric;
    int miss_expected;
};

static const struct promise promises[] = {
    {"slab", "alloc+free of 16-byte blocks / malloc's", "fill-16-same", "host", 0.5, 0, M_SPEED_VS_MALLOC, 0},
    {"bump", "alloc+free of 16-byte blocks / malloc's", "fill-16-same", "host", 0.25, 0, M_SPEED_VS_MALLOC, 0},
    {"tlsf", "alloc+free of 16-byte blocks / malloc's", "fill-16-same", "host", 0.8, 0, M_SPEED_VS_MALLOC, 1},
    {"buddy", "alloc+free of 16-byte blocks / malloc's", "fill-16-same", "host", 1.0, 0, M_SPEED_VS_MALLOC, 0},
    {"bitmap", "alloc+free of 16-byte blocks / malloc's", "fill-16-same", "host", 1.0, 0, M_SPEED_VS_MALLOC, 0},
    {"tlsf", "alloc max", "*", "mips32,mips32be", 120, 0, M_ALLOC_OWN_MAX, 0},
    {"tlsf", "alloc max", "*", "x86", 120, 0, M_ALLOC_OWN_MAX, 1},
    {"tlsf", "free max", "*", "mips32,mips32be", 110, 0, M_FREE_OWN_MAX, 0},
    {"tlsf", "free max", "*", "x86", 110, 0, M_FREE_OWN_MAX, 1},
    {"bitmap", "free max at 10^4 live blocks", "growth-10000", "x86,mips32,mips32be", 2000, 0, M_FREE_OWN_MAX, 0},
    {"slab", "cached alloc p99", "hot-64", "x86,mips32,mips32be", 40, 0, M_ALLOC_P99, 0},
    {"slab", "cached free p99", "hot-64", "x86,mips32,mips32be", 40, 0, M_FREE_P99, 0},
    {"slab", "churn alloc p99", "churn", "x86,mips32,mips32be", 50, 0, M_ALLOC_P99, 0},
    {"bump", "fast alloc (median)", "fill-16-same", "x86,mips32,mips32be", 15, 0, M_ALLOC_MEDIAN, 0},
    {"bump", "fast free (median)", "fill-16-same", "x86,mips32,mips32be", 15, 0, M_FREE_MEDIAN, 0},
    {"buddy", "alloc max", "*", "x86,mips32,mips32be", 100, 40, M_ALLOC_OWN_MAX, 0},
    {"buddy", "free max", "*", "x86,mips32,mips32be", 100, 40, M_FREE_OWN_MAX, 0},
};

static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

static int is_path_length(enum metric m)
{
    return m != M_SPEED_VS_MALLOC;
}

static int applies_here(const struct promise *p)
{
    if (!is_path_length(p->metric))
        return 1; /* shown everywhere; judged on host timing only */
    return in_list(p->where, HB_TARGET) || in_list(p->where, HB_ARCH_NAME);
}

/* Is every workload of the promise's set in the run, and did each of them
   run on the heap (and on malloc, for a speed promise) without failing? */
static const char *set_incomplete(const struct hb_run *r, const struct promise *p)
{
    if (strcmp(p->workloads, "*") == 0 ? !r->full_workload_set : 0)
        return "not judged: partial run";
    if (r->initial_bytes)
        return "not judged: --initial-bytes (promises hold for the default initial block)";
    for (size_t w = 0; w < r->nworkloads; w++) {
        const char *wl = r->workloads[w]->name;
        if (strcmp(p->workloads, "*") != 0 && !in_list(p->workloads, wl))
            continue;
        const struct hb_record *x = hb_find_record(r, p->heap, wl);
        if (!x)
            return "not judged: partial run";
        if (x->status != HB_STATUS_OK)
            return "not judged: the heap failed on a workload of the set";
    }
    if (strcmp(p->workloads, "*") != 0)
        for (const char *q = p->workloads; *q;) {
            size_t len = strcspn(q, ",");
            char wl[64];
            snprintf(wl, sizeof wl, "%.*s", (int)len, q);
            if (!hb_find_record(r, p->heap, wl))
                return "not judged: partial run";
            q += len + (q[len] == ',');
        }
    return NULL;
}

/* The call sequence of alloc (or free): the (empty) subject's median on
   the first workload it ran; -1 when it did not run. */
static double call_sequence(const struct hb_run *r, int alloc)
{
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        if (r->subjects[x->subject].kind == HB_SUBJECT_EMPTY && x->has_pathlen) {
            const struct hb_pl_dist *d = alloc ? &x->pathlen.alloc : &x->pathlen.free_;
            if (d->n)
                return d->median;
        }
    }
    return -1;
}

/* A promise's limit on one record (it may grow with that run's pool). */
static double limit_on(const struct promise *p, const struct hb_record *x)
{
    double pool = (double)x->pathlen.peak_pool;
    return p->base + (p->per_log2 > 0 && pool >= 16 ? floor(p->per_log2 * log2(pool / 16)) : 0);
}

/* The worst value of a path-length metric over the promise's workloads,
   each against its own limit (which may depend on that run's pool):
   value / limit is what is compared. */
static void judge_path_length(const struct hb_run *r, const struct promise *p, struct hb_verdict *v)
{
    int alloc = p->metric == M_ALLOC_OWN_MAX || p->metric == M_ALLOC_P99 || p->metric == M_ALLOC_MEDIAN;
    double call = call_sequence(r, alloc), worst = -1;
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        const char *wl = r->workloads[x->workload]->name;
        if (strcmp(r->subjects[x->subject].name, p->heap) != 0 || !x->has_pathlen ||
            (strcmp(p->workloads, "*") != 0 && !in_list(p->workloads, wl)))
            continue;
        const struct hb_pl_dist *d = alloc ? &x->pathlen.alloc : &x->pathlen.free_;
        int p99 = p->metric == M_ALLOC_P99 || p->metric == M_FREE_P99;
        int median = p->metric == M_ALLOC_MEDIAN || p->metric == M_FREE_MEDIAN;
        if (!(p99 || median ? d->n : d->own_n))
            continue;
        double gross = p99 ? d->p99 : median ? d->median : d->own_max;
        double net = call >= 0 ? gross - call : gross;
        double limit = limit_on(p, x);
        if (net / limit > worst) {
            worst = net / limit;
            v->value = net;
            v->gross = gross;
            v->limit = limit;
            v->where = wl;
        }
    }
    v->call = call;
    if (worst < 0) {
        snprintf(v->state, sizeof v->state, "not judged: not measured");
        return;
    }
    v->met = v->value <= v->limit;
}

/* A speed claim: on the floors (figures.c), judged when every floor it
   rests on is trusted, however busy the machine was; else not judged,
   saying which figure missed which threshold. */
static void judge_speed(const struct hb_run *r, const struct promise *p, struct hb_verdict *v)
{
    const struct hb_record *h = hb_find_record(r, p->heap, p->workloads);
    const struct hb_record *m = hb_find_record(r, hb_subject_malloc.name, p->workloads);
    char why[sizeof v->state - 16];
    v->where = p->workloads;
    v->limit = p->base;
    v->value = hb_speed_vs_malloc(r, h, m, why, sizeof why);
    if (isnan(v->value) || strcmp(HB_TIMING, "host") != 0 || why[0]) {
        snprintf(v->state, sizeof v->state, "not judged: %s",
                 isnan(v->value)                  ? why
                 : strcmp(HB_TIMING, "host") != 0 ? "emulator timing"
                                                  : why);
        return;
    }
    v->met = v->value <= v->limit;
}

size_t hb_judge(const struct hb_run *r, struct hb_verdict *v, size_t maxv)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof promises / sizeof *promises && n < maxv; i++) {
        const struct promise *p = &promises[i];
        if (!applies_here(p) || (is_path_length(p->metric) && !r->counts) || (!is_path_length(p->metric) && !r->speed))
            continue;
        int any = 0;
        for (size_t k = 0; k < r->nrecs; k++)
            any |= strcmp(r->subjects[r->recs[k].subject].name, p->heap) == 0;
        if (!any)
            continue;
        struct hb_verdict *x = &v[n++];
        *x = (struct hb_verdict){.heap = p->heap,
                                 .metric = is_path_length(p->metric) ? "path length" : "speed",
                                 .what = p->what,
                                 .value = NAN,
                                 .limit = p->base,
                                 .met = -1,
                                 .miss_expected = p->miss_expected,
                                 .gross = NAN,
                                 .call = -1};
        const char *why = set_incomplete(r, p);
        if (is_path_length(p->metric))
            judge_path_length(r, p, x);
        else
            judge_speed(r, p, x);
        if (why) {
            snprintf(x->state, sizeof x->state, "%s", why);
            x->met = -1;
        }
        if (!x->state[0])
            snprintf(x->state, sizeof x->state, "%s",
                     x->met             ? "met"
                     : p->miss_expected ? "missed (expected)"
                                        : "MISSED");
    }
    return n;
}

/* The figure a path-length metric is on, and of which call. */
static int metric_is(enum metric m, int alloc, enum hb_pl_figure fig)
{
    switch (m) {
    case M_ALLOC_OWN_MAX:
        return alloc && fig == HB_PL_OWN_MAX;
    case M_FREE_OWN_MAX:
        return !alloc && fig == HB_PL_OWN_MAX;
    case M_ALLOC_P99:
        return alloc && fig == HB_PL_P99;
    case M_FREE_P99:
        return !alloc && fig == HB_PL_P99;
    case M_ALLOC_MEDIAN:
        return alloc && fig == HB_PL_MEDIAN;
    case M_FREE_MEDIAN:
        return !alloc && fig == HB_PL_MEDIAN;
    default:
        return 0;
    }
}

double hb_pathlen_target(const struct hb_run *r, const struct hb_record *x, int alloc, enum hb_pl_figure fig)
{
    const char *heap = r->subjects[x->subject].name, *wl = r->workloads[x->workload]->name;
    for (size_t i = 0; i < sizeof promises / sizeof *promises; i++) {
        const struct promise *p = &promises[i];
        if (!metric_is(p->metric, alloc, fig) || strcmp(p->heap, heap) != 0 || !applies_here(p) ||
            (strcmp(p->workloads, "*") != 0 && !in_list(p->workloads, wl)))
            continue;
        double call = call_sequence(r, alloc);
        return limit_on(p, x) + (call >= 0 ? call : 0);
    }
    return NAN;
}

/*
 * figures.c - what the speed meter's repetitions say, derived from a run's
 * records alone (the meters fill them, run.c): the medians the table
 * prints, the floors the claims are judged on, and whether a floor can be
 * trusted.  The reporter (report.c) and the promises (promises.c) read
 * speed only through here, so a figure and the verdict on it never differ.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "run.h"

const struct hb_record *hb_find_record(const struct hb_run *r, const char *subject, const char *workload)
{
    for (size_t i = 0; i < r->nrecs; i++)
        if (strcmp(r->subjects[r->recs[i].subject].name, subject) == 0 &&
            strcmp(r->workloads[r->recs[i].workload]->name, workload) == 0)
            return &r->recs[i];
    return NULL;
}

const struct hb_record *hb_overhead_record(const struct hb_run *r, const struct hb_record *x)
{
    for (size_t i = 0; i < r->nrecs; i++)
        if (r->subjects[r->recs[i].subject].kind == HB_SUBJECT_EMPTY && r->recs[i].workload == x->workload)
            return &r->recs[i];
    return NULL;
}

/* v sorted into t (insertion sort: n <= HB_MAX_REPS). */
static void sorted(const double *v, int n, double *t)
{
    memcpy(t, v, (size_t)n * sizeof *t);
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && t[k - 1] > t[k]; k--) {
            double s = t[k];
            t[k] = t[k - 1];
            t[k - 1] = s;
        }
}

static double median_of(const double *v, int n)
{
    double t[HB_MAX_REPS];
    sorted(v, n, t);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* The median absolute deviation: the overhead's noise. */
static double mad(const double *v, int n, double med)
{
    double d[HB_MAX_REPS];
    for (int i = 0; i < n; i++)
        d[i] = fabs(v[i] - med);
    return median_of(d, n);
}

static double spread(const double *v, int n, double med)
{
    double lo = v[0], hi = v[0];
    for (int i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    return med > 0 ? (hi - lo) / med : NAN;
}

/* The floor of a record's repetitions: each repetition's alloc + free, the
   fastest of those whose child had HB_FLOOR_CPU_SHARE of a CPU (of all,
   when none had), and how far the fastest third of them (at least
   HB_FLOOR_QUORUM: floor_reps) spread above it. */
static void floor_of(const struct hb_speed_fig *s, struct hb_speed_net *out)
{
    double sum[HB_MAX_REPS], t[HB_MAX_REPS];
    int n = 0;
    for (int i = 0; i < s->nreps; i++)
        if (s->cpu_share[i] >= HB_FLOOR_CPU_SHARE)
            sum[n++] = s->alloc[i] + s->free_[i];
    out->floor_cpu_reps = n;
    if (!n)
        for (; n < s->nreps; n++)
            sum[n] = s->alloc[n] + s->free_[n];
    if (n <= 0)
        return; /* no repetition: the floor stays NaN */
    sorted(sum, n, t);
    int k = (n + 2) / 3;
    k = k > HB_FLOOR_QUORUM ? k : HB_FLOOR_QUORUM;
    out->floor_reps = k < n ? k : n;
    out->floor = t[0];
    out->floor_spread = t[0] > 0 ? (t[out->floor_reps - 1] - t[0]) / t[0] : NAN;
}

/* A net figure is "below the overhead" when it is not larger than the
   overhead's own noise (the median absolute deviation of its
   repetitions): the harness cannot tell it from zero.  "busy": more than a
   third of the repetitions got under 90 % of a CPU (the machine was shared),
   or the time budget cut the repetitions short; it is shown, and judges
   nothing (hb_speed_vs_malloc looks at the figures themselves). */
void hb_speed_net(const struct hb_run *r, const struct hb_record *x, struct hb_speed_net *out)
{
    memset(out, 0, sizeof *out);
    out->alloc = out->free_ = out->alloc_raw = out->free_raw = NAN;
    out->alloc_spread = out->free_spread = out->floor = out->floor_spread = NAN;
    const struct hb_speed_fig *s = &x->speed;
    if (s->nreps == 0)
        return;
    out->measured = 1;
    out->alloc_raw = median_of(s->alloc, s->nreps);
    out->free_raw = median_of(s->free_, s->nreps);
    out->alloc_spread = spread(s->alloc, s->nreps, out->alloc_raw);
    out->free_spread = spread(s->free_, s->nreps, out->free_raw);
    floor_of(s, out);
    int slow = 0;
    for (int i = 0; i < s->nreps; i++)
        slow += s->cpu_share[i] < 0.9;
    out->busy = slow * 3 > s->nreps || s->nreps < r->reps;
    const struct hb_record *e = hb_overhead_record(r, x);
    if (e == x || r->subjects[x->subject].kind == HB_SUBJECT_EMPTY) {
        out->alloc = out->alloc_bound = out->alloc_raw;
        out->free_ = out->free_bound = out->free_raw;
        return;
    }
    double oa = 0, of = 0, na = 0, nf = 0;
    if (e && e->speed.nreps) {
        oa = median_of(e->speed.alloc, e->speed.nreps);
        of = median_of(e->speed.free_, e->speed.nreps);
        na = mad(e->speed.alloc, e->speed.nreps, oa);
        nf = mad(e->speed.free_, e->speed.nreps, of);
    }
    out->alloc = out->alloc_raw - oa;
    out->free_ = out->free_raw - of;
    out->alloc_bound = out->alloc > na ? out->alloc : na;
    out->free_bound = out->free_ > nf ? out->free_ : nf;
    out->alloc_below = !(out->alloc > na);
    out->free_below = !(out->free_ > nf);
    if (out->alloc_below)
        out->alloc = NAN;
    if (out->free_below)
        out->free_ = NAN;
}

/* Is a floor trusted?  NULL, or why not (in why). */
static const char *floor_untrusted(const struct hb_run *r, const struct hb_record *x, const struct hb_speed_net *n,
                                   char *why, size_t len)
{
    const char *name = r->subjects[x->subject].name;
    int share = (int)(HB_FLOOR_CPU_SHARE * 100 + 0.5);
    if (x->speed.nreps < HB_FLOOR_MIN_REPS)
        snprintf(why, len, "too few repetitions: %s has %d (at least %d)", name, x->speed.nreps, HB_FLOOR_MIN_REPS);
    else if (n->floor_cpu_reps < HB_FLOOR_QUORUM)
        snprintf(why, len, "machine too busy: %d of %s's %d repetitions had %d%% of a CPU (at least %d)",
                 n->floor_cpu_reps, name, x->speed.nreps, share, HB_FLOOR_QUORUM);
    else if (!(n->floor_spread <= HB_FLOOR_SPREAD_MAX))
        snprintf(why, len,
                 "unstable timing: the fastest %d of %s's %d repetitions with %d%% of a CPU spread %.0f%% (at most "
                 "%.0f%%)",
                 n->floor_reps, name, n->floor_cpu_reps, share, n->floor_spread * 100, HB_FLOOR_SPREAD_MAX * 100);
    else
        return NULL;
    return why;
}

double hb_speed_vs_malloc(const struct hb_run *r, const struct hb_record *x, const struct hb_record *m, char *why,
                          size_t len)
{
    const struct hb_record *e = x ? hb_overhead_record(r, x) : NULL;
    const struct hb_record *rec[3] = {x, m, e};
    struct hb_speed_net n[3];
    snprintf(why, len, "not measured");
    if (!x || !m || !e || !x->speed.nreps || !m->speed.nreps || !e->speed.nreps)
        return NAN;
    for (int i = 0; i < 3; i++)
        hb_speed_net(r, rec[i], &n[i]);
    why[0] = '\0';
    for (int i = 0; i < 3 && !why[0]; i++)
        floor_untrusted(r, rec[i], &n[i], why, len);
    double noise = n[2].floor * n[2].floor_spread;
    double heap = n[0].floor - n[2].floor, base = n[1].floor - n[2].floor;
    if (!(base > noise)) { /* malloc's own cost cannot be told from the overhead */
        if (!why[0])
            snprintf(why, len, "not measured: malloc's floor is within the overhead's jitter");
        return NAN;
    }
    return (heap > noise ? heap : noise) / base;
}

/*
 * report.c - the one reporter: every file of a target's run and its table
 * are written from the records (record.h), nowhere else.
 *
 *   <t>.json              every figure, the failures and the verdicts
 *                         (docs/results-schema.md)
 *   <t>-gbench.json       the speed repetitions in Google Benchmark's
 *                         schema, for its compare.py (tools/gbcompare.sh)
 *   <t>-speed.csv, <t>-quality.csv, <t>-extfrag.csv, <t>-pathlen.csv,
 *   <t>-pathlen-hist.csv  flat views of the same records
 *   <t>-plot-*.gp         gnuplot scripts, their data inline, drawing the
 *                         charts into plots/ (tools/plots.sh runs them)
 *   <t>-table.txt         the table printed at the end of the run
 *   <t>-summary.txt       the closing lines: failures and verdicts
 *   <t>-report.md         the target's part of the run's report.md: facts,
 *                         table, charts and files, linked relatively
 * Every file is written as a temporary and renamed (results.h), so a reader
 * sees the old file or the whole new one.  A figure that does not exist is
 * null in the JSON, an empty field in the CSV and "-" in the table; a speed
 * figure within the harness overhead's noise is "<ovh" in the table, null
 * in the JSON and CSV (with below_overhead true).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch.h"
#include "buildinfo.h"
#include "pathlen.h"
#include "registry.h"
#include "results.h"
#include "run.h"

#define MAXV 32

static const char *sub_name(const struct hb_run *r, const struct hb_record *x)
{
    return r->subjects[x->subject].name;
}

static const char *wl_name(const struct hb_run *r, const struct hb_record *x)
{
    return r->workloads[x->workload]->name;
}

static const char *status_name(enum hb_status s)
{
    return s == HB_STATUS_OK ? "ok" : s == HB_STATUS_INVALID ? "invalid" : "failed";
}

size_t hb_count_failures(const struct hb_run *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nrecs; i++)
        n += r->recs[i].status != HB_STATUS_OK;
    return n;
}

/* ---- JSON ------------------------------------------------------------------ */

static void cpu_model(char *buf, size_t len)
{
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + (p[1] == ' ');
                p[strcspn(p, "\n")] = 0;
                snprintf(buf, len, "%s", p);
            }
            break;
        }
    fclose(f);
}

static void json_environment(struct hb_json *j, const struct hb_run *r)
{
    struct utsname u;
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    hb_json_obj(j, "environment");
    hb_json_env_common(j, r->commit, r->seed, r->started);
    hb_json_uint(j, "page_size", HB_PAGE_SIZE);
    hb_json_uint(j, "default_align", HB_DEFAULT_ALIGN);
    hb_json_str(j, "timing", HB_TIMING);
    hb_json_str(j, "kernel", uname(&u) == 0 ? u.release : NULL);
    hb_json_str(j, "cpu", cpu);
    hb_json_int(j, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
    hb_json_num(j, "load_per_cpu", r->load_at_start);
    hb_json_str(j, "gbench_version", hb_gb_version());
    hb_json_int(j, "repetitions", r->reps);
    hb_json_num(j, "rep_ms", r->rep_ms);
    hb_json_bool(j, "speed_cut_short", r->speed_cut_short);
    hb_json_bool(j, "full_workload_set", r->full_workload_set);
    if (r->initial_bytes)
        hb_json_uint(j, "initial_bytes", r->initial_bytes);
    else
        hb_json_null(j, "initial_bytes");
    hb_json_bool(j, "pathlen", r->counts != NULL);
    if (r->counts)
        hb_json_uint(j, "pathlen_calibration", r->pl_calibration);
    else
        hb_json_null(j, "pathlen_calibration");
    hb_json_end_obj(j);
}

static void write_caps(struct hb_json *j, unsigned caps)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{HB_CAP_FREE, "free"},
                 {HB_CAP_EXPAND, "expand"},
                 {HB_CAP_CONTRACT, "contract"},
                 {HB_CAP_TAGS, "tags"},
                 {HB_CAP_WALK, "walk"},
                 {HB_CAP_CHECK, "check"},
                 {HB_CAP_REQUESTED, "requested"},
                 {HB_CAP_DETECT_BAD_FREE, "detect_bad_free"},
                 {HB_CAP_DETECT_OVERWRITE, "detect_overwrite"},
                 {HB_CAP_EXACT_FIT, "exact_fit"},
                 {HB_CAP_THREAD_SAFE, "thread_safe"},
                 {HB_CAP_ALIGN_EMULATED, "align_emulated"},
                 {HB_CAP_STATS_ESTIMATED, "stats_estimated"}};
    hb_json_arr(j, "caps");
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        if (caps & names[i].bit)
            hb_json_str(j, NULL, names[i].name);
    hb_json_end_arr(j);
}

static const char *kind_name(enum hb_subject_kind k)
{
    return k == HB_SUBJECT_HEAP ? "kernel_heap" : k == HB_SUBJECT_MALLOC ? "host_baseline" : "harness_overhead";
}

static void json_provenance(struct hb_json *j, const struct hb_heap_provenance *p)
{
    if (!p) {
        hb_json_null(j, "provenance");
        return;
    }
    hb_json_obj(j, "provenance");
    hb_json_str(j, "origin", p->origin);
    hb_json_str(j, "source", p->source);
    hb_json_str(j, "hash", p->hash);
    hb_json_str(j, "version", p->version);
    hb_json_end_obj(j);
}

static void json_tables(struct hb_json *j, const struct hb_run *r)
{
    hb_json_arr(j, "heaps");
    for (size_t i = 0; i < r->nsubjects; i++) {
        const struct hb_subject *s = &r->subjects[i];
        hb_json_obj(j, NULL);
        hb_json_str(j, "name", s->name);
        hb_json_str(j, "summary", s->summary);
        hb_json_str(j, "kind", kind_name(s->kind));
        if (s->ops)
            write_caps(j, s->ops->caps);
        json_provenance(j, s->ops ? hb_find_provenance(s->ops) : NULL);
        hb_json_end_obj(j);
    }
    hb_json_end_arr(j);
    hb_json_arr(j, "workloads");
    for (size_t w = 0; w < r->nworkloads; w++) {
        const struct hb_opseq *q = &r->seqs[w];
        hb_json_obj(j, NULL);
        hb_json_str(j, "name", r->workloads[w]->name);
        hb_json_str(j, "family", hb_family_name(r->workloads[w]->family));
        hb_json_str(j, "summary", r->workloads[w]->summary);
        hb_json_uint(j, "ops", q->n);
        hb_json_uint(j, "own_ops", hb_own_ops(q));
        hb_json_uint(j, "allocs", q->nallocs);
        hb_json_uint(j, "frees", q->nfrees_own + q->nfrees_drain);
        hb_json_uint(j, "own_frees", q->nfrees_own);
        hb_json_uint(j, "drain_frees", q->nfrees_drain);
        hb_json_uint(j, "peak_live_bytes", q->peak_live_bytes);
        hb_json_uint(j, "peak_live_count", q->peak_live_count);
        hb_json_uint(j, "total_bytes", q->total_bytes);
        hb_json_uint(j, "max_size", q->max_size);
        hb_json_uint(j, "max_align", q->max_align);
        hb_json_end_obj(j);
    }
    hb_json_end_arr(j);
}

static void json_failure(struct hb_json *j, const struct hb_run *r, const struct hb_record *x, int with_names)
{
    hb_json_obj(j, with_names ? NULL : "failure");
    if (with_names) {
        hb_json_str(j, "heap", sub_name(r, x));
        hb_json_str(j, "workload", wl_name(r, x));
    }
    hb_json_str(j, "status", status_name(x->status));
    hb_json_str(j, "meter", hb_meter_name(x->fail.meter));
    hb_json_str(j, "kind", x->fail.kind);
    hb_json_str(j, "phase", x->fail.phase[0] ? x->fail.phase : NULL);
    hb_json_str(j, "last_call", x->fail.last_call[0] ? x->fail.last_call : NULL);
    hb_json_str(j, "detail", x->fail.detail);
    if (x->fail.timeout_limit != HB_SV_LIMIT_NONE) {
        hb_json_obj(j, "timeout");
        hb_json_str(j, "limit",
                    x->fail.timeout_limit == HB_SV_LIMIT_WALL      ? "wall backstop"
                    : x->fail.timeout_limit == HB_SV_LIMIT_BLOCKED ? "blocked"
                                                                   : "cpu");
        hb_json_num(j, "cpu_limit", x->fail.cpu_limit);
        hb_json_num(j, "blocked_limit", hb_sv_blocked_limit(x->fail.cpu_limit));
        hb_json_num(j, "backstop", hb_sv_backstop(x->fail.cpu_limit));
        hb_json_num(j, "cpu_seconds", x->fail.cpu_seconds);
        hb_json_num(j, "wall_seconds", x->fail.wall_seconds);
        hb_json_end_obj(j);
    } else
        hb_json_null(j, "timeout");
    hb_json_uint(j, "seed", r->seed);
    hb_json_end_obj(j);
}

static void json_speed(struct hb_json *j, const struct hb_run *r, const struct hb_record *x)
{
    struct hb_speed_net n;
    hb_speed_net(r, x, &n);
    if (!n.measured) {
        hb_json_null(j, "speed");
        return;
    }
    const struct hb_speed_fig *s = &x->speed;
    hb_json_obj(j, "speed");
    hb_json_str(j, "timing", HB_TIMING);
    hb_json_int(j, "repetitions", s->nreps);
    hb_json_uint(j, "iterations", s->iterations);
    hb_json_num(j, "ns_per_alloc", n.alloc);
    hb_json_num(j, "ns_per_free", n.free_);
    hb_json_bool(j, "alloc_below_overhead", n.alloc_below);
    hb_json_bool(j, "free_below_overhead", n.free_below);
    hb_json_num(j, "ns_per_alloc_raw", n.alloc_raw);
    hb_json_num(j, "ns_per_free_raw", n.free_raw);
    hb_json_num(j, "alloc_spread", n.alloc_spread);
    hb_json_num(j, "free_spread", n.free_spread);
    hb_json_num(j, "floor_ns", n.floor);
    hb_json_num(j, "floor_spread", n.floor_spread);
    hb_json_int(j, "floor_cpu_reps", n.floor_cpu_reps);
    hb_json_bool(j, "busy", n.busy);
    hb_json_num(j, "nulls_per_run", s->nulls);
    hb_json_arr(j, "alloc_reps");
    for (int i = 0; i < s->nreps; i++)
        hb_json_num(j, NULL, s->alloc[i]);
    hb_json_end_arr(j);
    hb_json_arr(j, "free_reps");
    for (int i = 0; i < s->nreps; i++)
        hb_json_num(j, NULL, s->free_[i]);
    hb_json_end_arr(j);
    hb_json_arr(j, "cpu_share_reps");
    for (int i = 0; i < s->nreps; i++)
        hb_json_num(j, NULL, s->cpu_share[i]);
    hb_json_end_arr(j);
    hb_json_end_obj(j);
}

static double footprint(const struct hb_quality *q)
{
    return q->peak_live_bytes ? (double)q->peak_pool_bytes / (double)q->peak_live_bytes : NAN;
}

/* A heap without HB_CAP_EXPAND is handed the whole bench arena: its pool
   is the arena, whatever it needs, so its footprint says nothing about the
   heap; its minimum pool does (docs/metrics.md). */
static int fixed_pool(const struct hb_run *r, const struct hb_record *x)
{
    const struct hb_heap_ops *ops = r->subjects[x->subject].ops;
    return ops && !(ops->caps & HB_CAP_EXPAND);
}

static double heap_footprint(const struct hb_run *r, const struct hb_record *x)
{
    return fixed_pool(r, x) ? NAN : footprint(&x->quality);
}

/* Minimum pool / peak live requested bytes on it: the footprint on one
   scale for fixed and growing heaps. */
static double minpool_ratio(const struct hb_minpool_fig *m)
{
    return m->found && m->peak_live_bytes ? (double)(m->pages * HB_PAGE_SIZE) / (double)m->peak_live_bytes : NAN;
}

static void json_quality(struct hb_json *j, const struct hb_run *r, const struct hb_record *x)
{
    if (!x->has_quality) {
        hb_json_null(j, "fragmentation");
        hb_json_null(j, "metadata");
        return;
    }
    const struct hb_quality *q = &x->quality;
    hb_json_obj(j, "fragmentation");
    hb_json_uint(j, "own_ops", q->own_ops);
    hb_json_uint(j, "stats_every", q->stats_every);
    hb_json_uint(j, "own_frees", q->own_frees);
    hb_json_uint(j, "drain_frees", q->drain_frees);
    hb_json_uint(j, "peak_pool_bytes", q->peak_pool_bytes);
    hb_json_uint(j, "peak_live_bytes", q->peak_live_bytes);
    hb_json_num(j, "footprint_ratio", heap_footprint(r, x));
    hb_json_bool(j, "fixed_pool", fixed_pool(r, x));
    hb_json_num(j, "ext_frag_mean", q->ext_frag_mean);
    hb_json_num(j, "ext_frag_max", q->ext_frag_max);
    hb_json_num(j, "ext_frag_at_peak", q->ext_frag_at_peak);
    hb_json_uint(j, "nulls", q->nulls);
    hb_json_uint(j, "refused_align", q->refused_align);
    if (q->first_null_op >= 0)
        hb_json_int(j, "first_null_op", q->first_null_op);
    else
        hb_json_null(j, "first_null_op");
    if (q->catastrophic_op >= 0) {
        hb_json_obj(j, "catastrophic");
        hb_json_int(j, "op", q->catastrophic_op);
        hb_json_num(j, "at_fraction", (double)q->catastrophic_op / (double)(q->own_ops ? q->own_ops : 1));
        hb_json_uint(j, "size", q->cat_size);
        hb_json_uint(j, "free_bytes", q->cat_free);
        hb_json_uint(j, "largest_free", q->cat_largest);
        hb_json_uint(j, "live_bytes", q->cat_live_bytes);
        hb_json_end_obj(j);
    } else
        hb_json_null(j, "catastrophic");
    hb_json_end_obj(j);
    hb_json_obj(j, "metadata");
    hb_json_uint(j, "meta_bytes_peak", q->meta_bytes_peak);
    hb_json_uint(j, "meta_bytes_end", q->meta_bytes_end);
    hb_json_num(j, "header_bytes_per_alloc", q->header_per_alloc);
    hb_json_num(j, "padding_bytes_per_alloc", q->padding_per_alloc);
    hb_json_num(j, "rounding_bytes_per_alloc", q->rounding_known ? q->rounding_per_alloc : NAN);
    hb_json_uint(j, "header_bytes_at_peak", q->header_bytes_peak);
    hb_json_uint(j, "padding_bytes_at_peak", q->padding_bytes_peak);
    hb_json_uint(j, "stats_identity_violations", q->identity_violations);
    hb_json_end_obj(j);
}

static void json_minpool(struct hb_json *j, const struct hb_record *x)
{
    const struct hb_minpool_fig *m = &x->minpool;
    if (!x->has_minpool) {
        hb_json_null(j, "min_pool");
        return;
    }
    hb_json_obj(j, "min_pool");
    hb_json_bool(j, "found", m->found);
    hb_json_str(j, "expansion", m->expands ? "off" : "none");
    if (m->found) {
        hb_json_uint(j, "pages", m->pages);
        hb_json_uint(j, "bytes", m->pages * HB_PAGE_SIZE);
        hb_json_num(j, "ratio", minpool_ratio(m));
        hb_json_uint(j, "peak_live_bytes", m->peak_live_bytes);
        hb_json_uint(j, "refused_align", m->refused_align);
        hb_json_bool(j, "exact", m->exact);
        hb_json_uint(j, "lower_pages", m->lower_pages);
        hb_json_str(j, "below", m->below_min_initial ? "below min_initial" : "failed");
    } else {
        static const char *const none[] = {"pages",         "bytes", "ratio",       "peak_live_bytes",
                                           "refused_align", "exact", "lower_pages", "below"};
        for (size_t i = 0; i < sizeof none / sizeof *none; i++)
            hb_json_null(j, none[i]);
    }
    hb_json_uint(j, "limit_bytes", m->limit_pages * HB_PAGE_SIZE);
    hb_json_arr(j, "probes");
    for (uint32_t i = 0; i < m->nprobes; i++) {
        hb_json_obj(j, NULL);
        hb_json_uint(j, "pages", m->probe_pages[i]);
        hb_json_bool(j, "ok", m->probe_ok[i]);
        hb_json_end_obj(j);
    }
    hb_json_end_arr(j);
    hb_json_end_obj(j);
}

static void json_dist(struct hb_json *j, const char *key, const struct hb_pl_dist *d)
{
    hb_json_obj(j, key);
    hb_json_uint(j, "calls", d->n);
    if (d->n) {
        hb_json_uint(j, "min", d->min);
        hb_json_uint(j, "median", d->median);
        hb_json_uint(j, "p99", d->p99);
        hb_json_uint(j, "max", d->max);
        hb_json_num(j, "mean", (double)d->sum / (double)d->n);
        hb_json_uint(j, "max_op", d->max_op);
        hb_json_uint(j, "max_size", d->max_size);
    } else {
        static const char *const none[] = {"min", "median", "p99", "max", "mean", "max_op", "max_size"};
        for (size_t i = 0; i < sizeof none / sizeof *none; i++)
            hb_json_null(j, none[i]);
    }
    hb_json_uint(j, "own_calls", d->own_n);
    if (d->own_n)
        hb_json_uint(j, "own_max", d->own_max);
    else
        hb_json_null(j, "own_max");
    hb_json_uint(j, "mm_calls", d->mm_n);
    if (d->mm_n)
        hb_json_uint(j, "mm_max", d->mm_max);
    else
        hb_json_null(j, "mm_max");
    hb_json_arr(j, "histogram");
    for (uint32_t b = 0; b < HB_PL_NBUCKETS; b++) {
        if (!d->hist[b])
            continue;
        uint64_t lo, hi;
        hb_pl_bucket_range(b, &lo, &hi);
        hb_json_obj(j, NULL);
        hb_json_uint(j, "lo", lo);
        hb_json_uint(j, "hi", hi);
        hb_json_uint(j, "count", d->hist[b]);
        hb_json_end_obj(j);
    }
    hb_json_end_arr(j);
    hb_json_end_obj(j);
}

static void json_pathlen(struct hb_json *j, const struct hb_record *x)
{
    if (!x->has_pathlen) {
        hb_json_null(j, "pathlen");
        return;
    }
    hb_json_obj(j, "pathlen");
    hb_json_uint(j, "peak_pool_bytes", x->pathlen.peak_pool);
    hb_json_uint(j, "nulls", x->pathlen.nulls);
    hb_json_uint(j, "max_alloc_live", x->pathlen.max_alloc_live);
    json_dist(j, "alloc", &x->pathlen.alloc);
    json_dist(j, "free", &x->pathlen.free_);
    hb_json_end_obj(j);
}

static void json_verdicts(struct hb_json *j, const struct hb_verdict *v, size_t nv)
{
    hb_json_arr(j, "verdicts");
    for (size_t i = 0; i < nv; i++) {
        hb_json_obj(j, NULL);
        hb_json_str(j, "heap", v[i].heap);
        hb_json_str(j, "metric", v[i].metric);
        hb_json_str(j, "what", v[i].what);
        hb_json_num(j, "value", v[i].value);
        hb_json_num(j, "limit", v[i].limit);
        hb_json_str(j, "workload", v[i].where);
        hb_json_str(j, "state", v[i].state);
        if (v[i].met < 0)
            hb_json_null(j, "met");
        else
            hb_json_bool(j, "met", v[i].met);
        hb_json_bool(j, "miss_expected", v[i].miss_expected);
        hb_json_num(j, "gross", v[i].gross);
        hb_json_num(j, "call_sequence", v[i].call >= 0 ? v[i].call : NAN);
        hb_json_end_obj(j);
    }
    hb_json_end_arr(j);
}

static void write_json(FILE *f, const struct hb_run *r, const struct hb_verdict *v, size_t nv)
{
    struct hb_json j;
    hb_json_init(&j, f);
    hb_json_obj(&j, NULL);
    hb_json_str(&j, "schema", "heapbench-results/2");
    json_environment(&j, r);
    json_tables(&j, r);
    hb_json_arr(&j, "results");
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "heap", sub_name(r, x));
        hb_json_str(&j, "workload", wl_name(r, x));
        hb_json_str(&j, "status", status_name(x->status));
        if (x->status != HB_STATUS_OK)
            json_failure(&j, r, x, 0);
        else
            hb_json_null(&j, "failure");
        const struct hb_subject *sub = &r->subjects[x->subject];
        const struct hb_opseq *seq = &r->seqs[x->workload];
        if (sub->kind == HB_SUBJECT_HEAP) {
            hb_json_uint(&j, "arena_bytes", hb_arena_bytes(sub, seq));
            hb_json_uint(&j, "initial_bytes", hb_initial_bytes(sub, seq, r->initial_bytes));
        } else {
            hb_json_null(&j, "arena_bytes");
            hb_json_null(&j, "initial_bytes");
        }
        json_speed(&j, r, x);
        json_quality(&j, r, x);
        json_pathlen(&j, x);
        json_minpool(&j, x);
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);
    hb_json_arr(&j, "failures");
    for (size_t i = 0; i < r->nrecs; i++)
        if (r->recs[i].status != HB_STATUS_OK)
            json_failure(&j, r, &r->recs[i], 1);
    hb_json_end_arr(&j);
    json_verdicts(&j, v, nv);
    hb_json_bool(&j, "complete", hb_count_failures(r) == 0);
    hb_json_num(&j, "total_seconds", r->seconds);
    hb_json_end_obj(&j);
    fputc('\n', f);
}

/* ---- Google Benchmark JSON ------------------------------------------------- */

/* <t>-gbench.json: the speed repetitions in Google Benchmark's JSON schema
   (context, then benchmarks[]: one "iteration" entry per repetition and the
   mean, median, stddev and cv aggregates), so its tools/compare.py matches
   two runs by name.  Names are stable: "<heap>/<workload>/alloc" and
   ".../free", no iteration count.  real_time: ns per call as measured (the
   harness overhead is its own benchmark, "(empty)/..."); cpu_time: that
   times the share of a CPU the repetition's child had. */
static double mean_of(const double *v, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    return n ? s / n : NAN;
}

static double stddev_of(const double *v, int n, double mean)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += (v[i] - mean) * (v[i] - mean);
    return n > 1 ? sqrt(s / (n - 1)) : 0;
}

static double median_sorted(double *t, int n)
{
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && t[k - 1] > t[k]; k--) {
            double s = t[k];
            t[k] = t[k - 1];
            t[k - 1] = s;
        }
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static void gb_entry_head(struct hb_json *j, const char *name, const char *run_name, size_t family, int reps,
                          const char *run_type)
{
    hb_json_obj(j, NULL);
    hb_json_str(j, "name", name);
    hb_json_uint(j, "family_index", family);
    hb_json_uint(j, "per_family_instance_index", 0);
    hb_json_str(j, "run_name", run_name);
    hb_json_str(j, "run_type", run_type);
    hb_json_int(j, "repetitions", reps);
    hb_json_int(j, "threads", 1);
}

static void gb_aggregate(struct hb_json *j, const char *run_name, size_t family, int reps, const char *agg, double real,
                         double cpu)
{
    char name[200];
    snprintf(name, sizeof name, "%s_%s", run_name, agg);
    gb_entry_head(j, name, run_name, family, reps, "aggregate");
    hb_json_str(j, "aggregate_name", agg);
    hb_json_str(j, "aggregate_unit", strcmp(agg, "cv") == 0 ? "percentage" : "time");
    hb_json_int(j, "iterations", reps);
    hb_json_num(j, "real_time", real);
    hb_json_num(j, "cpu_time", cpu);
    hb_json_str(j, "time_unit", "ns");
    hb_json_end_obj(j);
}

/* One benchmark (a record's alloc or free): its repetitions, then the aggregates. */
static void gb_benchmark(struct hb_json *j, const struct hb_run *r, const struct hb_record *x, int is_free,
                         size_t family)
{
    const struct hb_speed_fig *s = &x->speed;
    const double *v = is_free ? s->free_ : s->alloc;
    double real[HB_MAX_REPS], cpu[HB_MAX_REPS], t[HB_MAX_REPS];
    char name[200];
    snprintf(name, sizeof name, "%s/%s/%s", sub_name(r, x), wl_name(r, x), is_free ? "free" : "alloc");
    for (int i = 0; i < s->nreps; i++) {
        real[i] = v[i];
        cpu[i] = v[i] * (s->cpu_share[i] < 1 ? s->cpu_share[i] : 1);
        gb_entry_head(j, name, name, family, s->nreps, "iteration");
        hb_json_int(j, "repetition_index", i);
        hb_json_uint(j, "iterations", s->iterations);
        hb_json_num(j, "real_time", real[i]);
        hb_json_num(j, "cpu_time", cpu[i]);
        hb_json_str(j, "time_unit", "ns");
        hb_json_num(j, "cpu_share", s->cpu_share[i]);
        hb_json_end_obj(j);
    }
    double mr = mean_of(real, s->nreps), mc = mean_of(cpu, s->nreps);
    double sr = stddev_of(real, s->nreps, mr), sc = stddev_of(cpu, s->nreps, mc);
    gb_aggregate(j, name, family, s->nreps, "mean", mr, mc);
    memcpy(t, real, sizeof real);
    double medr = median_sorted(t, s->nreps);
    memcpy(t, cpu, sizeof cpu);
    gb_aggregate(j, name, family, s->nreps, "median", medr, median_sorted(t, s->nreps));
    gb_aggregate(j, name, family, s->nreps, "stddev", sr, sc);
    gb_aggregate(j, name, family, s->nreps, "cv", mr > 0 ? sr / mr : 0, mc > 0 ? sc / mc : 0);
}

static void file_gbench(FILE *f, const struct hb_run *r)
{
    struct hb_json j;
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    hb_json_init(&j, f);
    hb_json_obj(&j, NULL);
    hb_json_obj(&j, "context");
    hb_json_str(&j, "date", r->started);
    hb_json_str(&j, "executable", "hb-bench");
    hb_json_int(&j, "num_cpus", sysconf(_SC_NPROCESSORS_ONLN));
    hb_json_int(&j, "mhz_per_cpu", 0);
    hb_json_bool(&j, "cpu_scaling_enabled", 0);
    hb_json_arr(&j, "load_avg");
    hb_json_num(&j, NULL, r->load_at_start * (double)sysconf(_SC_NPROCESSORS_ONLN));
    hb_json_end_arr(&j);
    hb_json_str(&j, "library_build_type", strcmp(HB_BUILD_TYPE, "Debug") == 0 ? "debug" : "release");
    hb_json_str(&j, "gbench_version", hb_gb_version());
    hb_json_env_common(&j, r->commit, r->seed, r->started);
    hb_json_str(&j, "timing", HB_TIMING);
    hb_json_str(&j, "cpu", cpu);
    hb_json_end_obj(&j);
    hb_json_arr(&j, "benchmarks");
    size_t family = 0;
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        if (x->status != HB_STATUS_OK || x->speed.nreps == 0)
            continue;
        for (int k = 0; k < 2; k++)
            gb_benchmark(&j, r, x, k, family++);
    }
    hb_json_end_arr(&j);
    hb_json_end_obj(&j);
}

/* ---- CSV views ---------------------------------------------------------------- */

/* A number field: empty when the figure does not exist (NaN). */
static void csv_num(FILE *f, double v, const char *fmt)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, fmt, v);
}

static void csv_speed(FILE *f, const struct hb_run *r)
{
    fprintf(f, "target,timing,heap,kind,workload,repetitions,ns_per_alloc,ns_per_free,ns_per_alloc_raw,"
               "ns_per_free_raw,alloc_spread,free_spread,busy,nulls_per_run\n");
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        struct hb_speed_net n;
        hb_speed_net(r, x, &n);
        if (!n.measured)
            continue;
        fprintf(f, "%s,%s,%s,%s,%s,%d", HB_TARGET, HB_TIMING, sub_name(r, x), kind_name(r->subjects[x->subject].kind),
                wl_name(r, x), x->speed.nreps);
        csv_num(f, n.alloc, "%.4f");
        csv_num(f, n.free_, "%.4f");
        csv_num(f, n.alloc_raw, "%.4f");
        csv_num(f, n.free_raw, "%.4f");
        csv_num(f, n.alloc_spread, "%.4f");
        csv_num(f, n.free_spread, "%.4f");
        fprintf(f, ",%d", n.busy);
        csv_num(f, x->speed.nulls, "%.1f");
        fputc('\n', f);
    }
}

static void csv_quality(FILE *f, const struct hb_run *r)
{
    fprintf(f, "target,heap,workload,own_ops,peak_pool_bytes,peak_live_bytes,footprint_ratio,ext_frag_mean,"
               "ext_frag_max,nulls,first_null_op,catastrophic_op,meta_bytes_peak,header_bytes_per_alloc,"
               "padding_bytes_per_alloc,rounding_bytes_per_alloc,own_frees,drain_frees,stats_identity_violations,"
               "refused_align,min_pool_bytes,min_pool_ratio\n");
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        if (!x->has_quality)
            continue;
        const struct hb_quality *q = &x->quality;
        fprintf(f, "%s,%s,%s,%llu,%llu,%llu", HB_TARGET, sub_name(r, x), wl_name(r, x), (unsigned long long)q->own_ops,
                (unsigned long long)q->peak_pool_bytes, (unsigned long long)q->peak_live_bytes);
        csv_num(f, heap_footprint(r, x), "%.4f");
        csv_num(f, q->ext_frag_mean, "%.4f");
        csv_num(f, q->ext_frag_max, "%.4f");
        fprintf(f, ",%llu", (unsigned long long)q->nulls);
        csv_num(f, q->first_null_op >= 0 ? (double)q->first_null_op : NAN, "%.0f");
        csv_num(f, q->catastrophic_op >= 0 ? (double)q->catastrophic_op : NAN, "%.0f");
        fprintf(f, ",%llu", (unsigned long long)q->meta_bytes_peak);
        csv_num(f, q->header_per_alloc, "%.2f");
        csv_num(f, q->padding_per_alloc, "%.2f");
        csv_num(f, q->rounding_known ? q->rounding_per_alloc : NAN, "%.2f");
        fprintf(f, ",%llu,%llu,%llu,%llu", (unsigned long long)q->own_frees, (unsigned long long)q->drain_frees,
                (unsigned long long)q->identity_violations, (unsigned long long)q->refused_align);
        int mp = x->has_minpool && x->minpool.found;
        csv_num(f, mp ? (double)(x->minpool.pages * HB_PAGE_SIZE) : NAN, "%.0f");
        csv_num(f, mp ? minpool_ratio(&x->minpool) : NAN, "%.4f");
        fputc('\n', f);
    }
}

static void csv_extfrag(FILE *f, const struct hb_run *r)
{
    fprintf(f, "target,heap,workload,op,ext_frag,free_bytes,largest_free,pool_bytes,live_bytes\n");
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        for (uint32_t k = 0; x->has_quality && k < x->quality.nseries; k++) {
            const struct hb_series_point *p = &x->quality.series[k];
            fprintf(f, "%s,%s,%s,%llu,%.4f,%llu,%llu,%llu,%llu\n", HB_TARGET, sub_name(r, x), wl_name(r, x),
                    (unsigned long long)p->op, p->ext_frag, (unsigned long long)p->free_bytes,
                    (unsigned long long)p->largest_free, (unsigned long long)p->pool_bytes,
                    (unsigned long long)p->live_bytes);
        }
    }
}

static void csv_pathlen(FILE *f, const struct hb_run *r)
{
    fprintf(f, "target,heap,workload,family,op,calls,min,median,p99,max,mean,own_max,mm_max,max_op,max_size,"
               "peak_live_count,peak_pool_bytes,nulls,mm_calls\n");
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        for (int k = 0; k < 2 && x->has_pathlen; k++) {
            const struct hb_pl_dist *d = k ? &x->pathlen.free_ : &x->pathlen.alloc;
            if (!d->n)
                continue;
            fprintf(f, "%s,%s,%s,%s,%s,%llu,%u,%u,%u,%u,%.2f", HB_TARGET, sub_name(r, x), wl_name(r, x),
                    hb_family_name(r->workloads[x->workload]->family), k ? "free" : "alloc", (unsigned long long)d->n,
                    (unsigned)d->min, (unsigned)d->median, (unsigned)d->p99, (unsigned)d->max,
                    (double)d->sum / (double)d->n);
            csv_num(f, d->own_n ? (double)d->own_max : NAN, "%.0f");
            csv_num(f, d->mm_n ? (double)d->mm_max : NAN, "%.0f");
            fprintf(f, ",%llu,%llu,%zu,%llu,%llu,%llu\n", (unsigned long long)d->max_op,
                    (unsigned long long)d->max_size, r->seqs[x->workload].peak_live_count,
                    (unsigned long long)x->pathlen.peak_pool, (unsigned long long)x->pathlen.nulls,
                    (unsigned long long)d->mm_n);
        }
    }
}

static void csv_pathlen_hist(FILE *f, const struct hb_run *r)
{
    fprintf(f, "target,heap,workload,op,lo,hi,count\n");
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        for (int k = 0; k < 2 && x->has_pathlen; k++) {
            const struct hb_pl_dist *d = k ? &x->pathlen.free_ : &x->pathlen.alloc;
            for (uint32_t b = 0; b < HB_PL_NBUCKETS; b++) {
                if (!d->hist[b])
                    continue;
                uint64_t lo, hi;
                hb_pl_bucket_range(b, &lo, &hi);
                fprintf(f, "%s,%s,%s,%s,%llu,%llu,%llu\n", HB_TARGET, sub_name(r, x), wl_name(r, x),
                        k ? "free" : "alloc", (unsigned long long)lo, (unsigned long long)hi,
                        (unsigned long long)d->hist[b]);
            }
        }
    }
}

/* ---- plots ------------------------------------------------------------------ */

/* One gnuplot script per chart, <t>-plot-<chart>.gp, its data inline as
   named data blocks; run in the run folder (tools/plots.sh) it draws
   plots/<chart>-<t>.png.  A chart is written only when it has data.

   Colours: a heap has the same colour in every chart.  The reference heaps,
   malloc and (empty) have fixed ones; any other heap (a plug-in, a test
   heap) takes a spare colour: the heaps without a fixed colour, in name
   order, each take the spare their name hashes to, or the next free one:
   the same heaps get the same colours in every run, and two never share
   one while spares last.  Every colour reads on white: no yellow, one blue, no
   spare close to a fixed colour. */

static const struct {
    const char *heap, *rgb;
} fixed_colours[] = {{"tlsf", "#d62728"},     {"buddy", "#1f77b4"},  {"slab", "#2ca02c"},   {"bump", "#ff7f0e"},
                     {"firstfit", "#9467bd"}, {"bitmap", "#8c564b"}, {"malloc", "#000000"}, {"(empty)", "#7f7f7f"}};
static const char *const spare_colours[] = {"#c000c0", "#17becf", "#a68000", "#556b2f", "#e377c2"};
#define NSPARE (sizeof spare_colours / sizeof *spare_colours)

static const char *fixed_colour(const char *name)
{
    for (size_t i = 0; i < sizeof fixed_colours / sizeof *fixed_colours; i++)
        if (strcmp(fixed_colours[i].heap, name) == 0)
            return fixed_colours[i].rgb;
    return NULL;
}

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static const char *heap_colour(const struct hb_run *r, size_t s)
{
    const char *name = r->subjects[s].name, *rgb = fixed_colour(name);
    if (rgb)
        return rgb;
    /* The spare-coloured heaps that sort before this one choose first. */
    int used[NSPARE] = {0}, nused = 0;
    const char *prev = "";
    for (;;) {
        const char *next = NULL;
        for (size_t k = 0; k < r->nsubjects; k++) {
            const char *n = r->subjects[k].name;
            if (!fixed_colour(n) && strcmp(n, prev) > 0 && (!next || strcmp(n, next) < 0))
                next = n;
        }
        if (!next)
            return spare_colours[0];
        if (nused == (int)NSPARE) {
            memset(used, 0, sizeof used);
            nused = 0;
        }
        size_t slot = name_hash(next) % NSPARE;
        while (used[slot])
            slot = (slot + 1) % NSPARE;
        used[slot] = 1;
        nused++;
        if (strcmp(next, name) == 0)
            return spare_colours[slot];
        prev = next;
    }
}

static int is_growth(const struct hb_run *r, const struct hb_record *x)
{
    return r->workloads[x->workload]->family == HB_FAMILY_GROWTH;
}

#define MAXSERIES 600

struct series {
    int panel, block;
    char using_[32], style[80], rgb[8], title[96];
};

/* A chart being written: its data blocks go to the script at once, its
   series are kept and plotted panel by panel at the end. */
struct chart {
    struct hb_afile a;
    FILE *f;
    char name[64];
    int nblocks, nseries;
    struct series s[MAXSERIES];
};

static struct chart chart_buf;

/* The charts written, in order, for the report's links. */
#define MAXCHARTS 32
static char charts_written[MAXCHARTS][64];
static int ncharts_written;

/* A string in gnuplot's single quotes. */
static void gp_str(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

static struct chart *chart_open(const struct hb_run *r, const char *name, int width, int height)
{
    struct chart *c = &chart_buf;
    char path[1100];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(path, sizeof path, "%.1000s/%s-plot-%s.gp", r->outdir, HB_TARGET, name);
    if (hb_afile_open(&c->a, path) != 0)
        return NULL;
    c->f = c->a.f;
    fprintf(c->f, "# gnuplot script written by hb-bench, its data inline; run in the run folder (tools/plots.sh)\n");
    fprintf(c->f, "set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n", width, height);
    fprintf(c->f, "set output 'plots/%s-%s.png'\nset grid lc rgb '#dddddd'\n", name, HB_TARGET);
    return c;
}

/* Starts data block $b<n>; rows follow, then block_end. */
static void block_begin(struct chart *c)
{
    fprintf(c->f, "$b%d << EOD\n", ++c->nblocks);
}

static void block_end(struct chart *c)
{
    fprintf(c->f, "EOD\n");
}

/* A series of the block just written; title NULL: none in the key. */
static void add_series(struct chart *c, int panel, const char *using_, const char *style, const char *rgb,
                       const char *title)
{
    if (c->nseries == MAXSERIES)
        return;
    struct series *s = &c->s[c->nseries++];
    s->panel = panel;
    s->block = c->nblocks;
    snprintf(s->using_, sizeof s->using_, "%s", using_);
    snprintf(s->style, sizeof s->style, "%s", style);
    snprintf(s->rgb, sizeof s->rgb, "%s", rgb);
    snprintf(s->title, sizeof s->title, "%s", title ? title : "");
}

/* The plot command of a panel (settings: its own lines before it). */
static void plot_panel(struct chart *c, int panel, const char *settings)
{
    fprintf(c->f, "%s", settings);
    const char *sep = "plot ";
    for (int i = 0; i < c->nseries; i++) {
        const struct series *s = &c->s[i];
        if (s->panel != panel)
            continue;
        fprintf(c->f, "%s$b%d using %s with %s lc rgb '%s' ", sep, s->block, s->using_, s->style, s->rgb);
        if (s->title[0]) {
            fprintf(c->f, "title ");
            gp_str(c->f, s->title);
        } else
            fprintf(c->f, "notitle");
        sep = ", \\\n     ";
    }
    fprintf(c->f, "\n");
}

/* Commits the script; a chart without a series is not written. */
static int chart_close(struct chart *c)
{
    if (c->nseries == 0) {
        hb_afile_abort(&c->a);
        return 0;
    }
    if (hb_afile_commit(&c->a) != 0)
        return -1;
    if (ncharts_written < MAXCHARTS)
        snprintf(charts_written[ncharts_written++], sizeof charts_written[0], "%s", c->name);
    return 0;
}

static void chart_title(struct chart *c, const char *what)
{
    fprintf(c->f, "set title ");
    char t[300];
    snprintf(t, sizeof t, "%s - target %s (%s timing)", what, HB_TARGET, HB_TIMING);
    gp_str(c->f, t);
    fprintf(c->f, "\n");
}

/* xtics naming the workloads at 0, 1, ... (those in use). */
static void workload_xtics(struct chart *c, const struct hb_run *r, const int *used)
{
    fprintf(c->f, "set xtics rotate by 40 right (");
    int k = 0;
    for (size_t w = 0; w < r->nworkloads; w++)
        if (used[w]) {
            fprintf(c->f, "%s", k ? ", " : "");
            gp_str(c->f, r->workloads[w]->name);
            fprintf(c->f, " %zu", w);
            k++;
        }
    fprintf(c->f, ")\nset xrange [-0.7:%zu.7]\n", r->nworkloads ? r->nworkloads - 1 : 0);
}

/* Stacked panels share their left and right edges (the key sits right of them). */
static const char panel_margins[] = "set lmargin at screen 0.07\nset rmargin at screen 0.72\n";

/* Heaps side by side around a workload's x. */
static double offset_of(const struct hb_run *r, size_t s)
{
    return r->nsubjects > 1 ? 0.6 * ((double)s / (double)(r->nsubjects - 1) - 0.5) : 0;
}

static double overhead_median(const struct hb_run *r, const struct hb_record *x, int is_free)
{
    const struct hb_record *e = hb_overhead_record(r, x);
    if (!e || e == x || !e->speed.nreps)
        return 0;
    double t[HB_MAX_REPS];
    memcpy(t, is_free ? e->speed.free_ : e->speed.alloc, sizeof t);
    return median_sorted(t, e->speed.nreps);
}

/* A speed row: x, median, and the least and greatest repetition, overhead
   subtracted; net figures below 0.1 ns are drawn at 0.1 (log axis). */
static void speed_row(FILE *f, const struct hb_run *r, const struct hb_record *x, int is_free, double xpos)
{
    struct hb_speed_net n;
    hb_speed_net(r, x, &n);
    const double *v = is_free ? x->speed.free_ : x->speed.alloc;
    double o = overhead_median(r, x, is_free), lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < x->speed.nreps; i++) {
        lo = fmin(lo, v[i] - o);
        hi = fmax(hi, v[i] - o);
    }
    double med = is_free ? n.free_bound : n.alloc_bound;
    fprintf(f, "%g %.4f %.4f %.4f\n", xpos, fmax(med, 0.1), fmax(lo, 0.1), fmax(hi, 0.1));
}

static int speed_measured(const struct hb_run *r, const struct hb_record *x)
{
    return x->status == HB_STATUS_OK && x->speed.nreps > 0 && r->subjects[x->subject].kind != HB_SUBJECT_EMPTY;
}

/* ns per alloc and per free on every workload, median and the spread of
   the repetitions (min..max), on a log axis. */
static int chart_speed(const struct hb_run *r)
{
    int used[512] = {0}, any = 0;
    for (size_t i = 0; i < r->nrecs; i++)
        if (speed_measured(r, &r->recs[i]) && r->recs[i].workload < 512)
            any = used[r->recs[i].workload] = 1;
    if (!any)
        return 0;
    struct chart *c = chart_open(r, "speed", 1300, 900);
    if (!c)
        return -1;
    for (int k = 0; k < 2; k++)
        for (size_t s = 0; s < r->nsubjects; s++)
            for (int below = 0; below < 2; below++) {
                int rows = 0;
                for (size_t i = 0; i < r->nrecs; i++) {
                    const struct hb_record *x = &r->recs[i];
                    struct hb_speed_net n;
                    if (x->subject != s || !speed_measured(r, x))
                        continue;
                    hb_speed_net(r, x, &n);
                    if ((k ? n.free_below : n.alloc_below) != below)
                        continue;
                    if (!rows++)
                        block_begin(c);
                    speed_row(c->f, r, x, k, (double)x->workload + offset_of(r, s));
                }
                if (!rows)
                    continue;
                block_end(c);
                char title[96];
                snprintf(title, sizeof title, "%s%s", r->subjects[s].name,
                         below ? " (within the overhead's noise)" : "");
                add_series(c, k, "1:2:3:4", below ? "yerrorbars pt 6 ps 1.2" : "yerrorbars pt 7 ps 1.2",
                           heap_colour(r, s), k == 0 ? title : NULL);
            }
    fprintf(c->f, "set multiplot layout 2,1\n");
    chart_title(c, "ns per call: median of the repetitions, bars from the fastest to the slowest");
    fprintf(c->f, "set logscale y\nset key outside right top\nset bmargin 7\n%s", panel_margins);
    workload_xtics(c, r, used);
    plot_panel(c, 0, "set ylabel 'ns per alloc (harness overhead subtracted)'\n");
    plot_panel(c, 1, "unset title\nset ylabel 'ns per free (harness overhead subtracted)'\n");
    fprintf(c->f, "unset multiplot\n");
    return chart_close(c);
}

/* ns per call against the live-set size of the growth workloads, log-log,
   with the spread of the repetitions. */
static int chart_growth(const struct hb_run *r)
{
    struct chart *c = chart_open(r, "growth", 1100, 650);
    if (!c)
        return -1;
    for (size_t s = 0; s < r->nsubjects; s++)
        for (int k = 0; k < 2; k++) {
            int rows = 0;
            for (size_t i = 0; i < r->nrecs; i++) {
                const struct hb_record *x = &r->recs[i];
                if (x->subject != s || !speed_measured(r, x) || !is_growth(r, x))
                    continue;
                if (!rows++)
                    block_begin(c);
                /* apart by a few percent, so the bars of the heaps do not overlap */
                speed_row(c->f, r, x, k,
                          (double)r->workloads[x->workload]->params.live * (1 + 0.15 * offset_of(r, s) + 0.02 * k));
            }
            if (!rows)
                continue;
            block_end(c);
            char title[96];
            snprintf(title, sizeof title, "%s %s", r->subjects[s].name, k ? "free" : "alloc");
            add_series(c, 0, "1:2:3:4", k ? "yerrorlines dt 2 lw 2 pt 6" : "yerrorlines lw 2 pt 7", heap_colour(r, s),
                       title);
        }
    chart_title(c, "ns per call against the live-set size (growth workloads; bars: spread of the repetitions)");
    plot_panel(c, 0,
               "set logscale xy\nset xlabel 'live allocations'\nset ylabel 'ns per call (overhead subtracted)'\n"
               "set key outside right top\n");
    return chart_close(c);
}

/* External fragmentation over each workload, one chart per family, one
   panel per workload. */
static int chart_extfrag(const struct hb_run *r, enum hb_family fam)
{
    size_t wls[512], nw = 0;
    for (size_t w = 0; w < r->nworkloads && nw < 512; w++) {
        if (r->workloads[w]->family != fam)
            continue;
        for (size_t i = 0; i < r->nrecs; i++)
            if (r->recs[i].workload == w && r->recs[i].has_quality && r->recs[i].quality.nseries) {
                wls[nw++] = w;
                break;
            }
    }
    if (nw == 0)
        return 0;
    int cols = nw < 4 ? (int)nw : 4, rows = (int)((nw + (size_t)cols - 1) / (size_t)cols);
    char name[64];
    snprintf(name, sizeof name, "extfrag-%s", hb_family_name(fam));
    struct chart *c = chart_open(r, name, 360 * cols + 220, 280 * rows + 60);
    if (!c)
        return -1;
    for (size_t p = 0; p < nw; p++)
        for (size_t s = 0; s < r->nsubjects; s++) {
            const struct hb_record *x = hb_find_record(r, r->subjects[s].name, r->workloads[wls[p]]->name);
            if (!x || !x->has_quality || !x->quality.nseries)
                continue;
            block_begin(c);
            for (uint32_t k = 0; k < x->quality.nseries; k++)
                fprintf(c->f, "%llu %.4f\n", (unsigned long long)x->quality.series[k].op,
                        x->quality.series[k].ext_frag);
            block_end(c);
            add_series(c, (int)p, "1:2", "lines lw 2", heap_colour(r, s), p == 0 ? r->subjects[s].name : NULL);
        }
    char t[200];
    snprintf(t, sizeof t, "external fragmentation (1 - largest free / free) over the %s workloads, target %s",
             hb_family_name(fam), HB_TARGET);
    fprintf(c->f, "set multiplot layout %d,%d title ", rows, cols);
    gp_str(c->f, t);
    fprintf(c->f, "\nset yrange [0:1.22]\nset ytics 0,0.2,1\nset format x '%%.0s%%c'\nset xlabel 'operation'\n"
                  "set key top left horizontal font ',8'\n");
    for (size_t p = 0; p < nw; p++) {
        fprintf(c->f, "set title ");
        gp_str(c->f, r->workloads[wls[p]]->name);
        fprintf(c->f, "\n");
        plot_panel(c, (int)p, p == 1 ? "unset key\n" : "");
    }
    fprintf(c->f, "unset multiplot\n");
    return chart_close(c);
}

static const struct hb_pl_dist *dist_of(const struct hb_record *x, int is_free)
{
    return is_free ? &x->pathlen.free_ : &x->pathlen.alloc;
}

/* One block of "x y" rows of a heap's records (selected by keep), and its series. */
typedef int (*pl_value)(const struct hb_run *r, const struct hb_record *x, int is_free, double *y);

static int pl_median(const struct hb_run *r, const struct hb_record *x, int is_free, double *y)
{
    (void)r;
    *y = dist_of(x, is_free)->median;
    return dist_of(x, is_free)->n > 0;
}
static int pl_own_max(const struct hb_run *r, const struct hb_record *x, int is_free, double *y)
{
    (void)r;
    *y = dist_of(x, is_free)->own_max;
    return dist_of(x, is_free)->own_n > 0;
}
static int pl_mm_max(const struct hb_run *r, const struct hb_record *x, int is_free, double *y)
{
    (void)r;
    *y = dist_of(x, is_free)->mm_max;
    return dist_of(x, is_free)->mm_n > 0;
}
static int pl_p99(const struct hb_run *r, const struct hb_record *x, int is_free, double *y)
{
    (void)r;
    *y = dist_of(x, is_free)->p99;
    return dist_of(x, is_free)->n > 0;
}
static int pl_target_of(const struct hb_run *r, const struct hb_record *x, int is_free, enum hb_pl_figure fig,
                        double *y)
{
    *y = hb_pathlen_target(r, x, !is_free, fig);
    return !isnan(*y);
}
static int pl_target_max(const struct hb_run *r, const struct hb_record *x, int is_free, double *y)
{
    return pl_target_of(r, x, is_free, HB_PL_OWN_MAX, y);
}
static int pl_target_p99(const struct hb_run *r, const struct hb_record *x, int is_free, double *y)
{
    return pl_target_of(r, x, is_free, HB_PL_P99, y);
}
static int pl_target_median(const struct hb_run *r, const struct hb_record *x, int is_free, double *y)
{
    return pl_target_of(r, x, is_free, HB_PL_MEDIAN, y);
}

static int pl_block(struct chart *c, const struct hb_run *r, size_t s, int is_free, int growth, pl_value val)
{
    int rows = 0;
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        double y;
        if (x->subject != s || !x->has_pathlen || (growth && !is_growth(r, x)) || !val(r, x, is_free, &y))
            continue;
        if (!rows++)
            block_begin(c);
        double xpos = growth ? (double)r->workloads[x->workload]->params.live : (double)x->workload + offset_of(r, s);
        fprintf(c->f, "%g %.0f\n", xpos, y > 1 ? y : 1);
    }
    if (rows)
        block_end(c);
    return rows;
}

/* The path-length charts: against the live-set size (growth workloads),
   the longest calls per workload, the typical calls per workload. */
enum pl_chart { PL_GROWTH, PL_MAX, PL_TYPICAL };

/* A target: a dotted bar across the x it applies to (a heap's targets
   may hold on some workloads only). */
static void pl_target_series(struct chart *c, const struct hb_run *r, size_t s, int is_free, enum pl_chart kind,
                             int panel, pl_value val, const char *what)
{
    char t[96];
    if (!pl_block(c, r, s, is_free, kind == PL_GROWTH, val))
        return;
    snprintf(t, sizeof t, "%s %s target", r->subjects[s].name, what);
    add_series(c, panel, kind == PL_GROWTH ? "1:2:($1*0.8):($1*1.25)" : "1:2:($1-0.3):($1+0.3)",
               "xerrorbars ps 0 lw 2 dt 3", heap_colour(r, s), panel == 0 ? t : NULL);
}

/* The series of one heap on a path-length chart: growth: median, longest
   own call, longest call reaching the memory manager; max: the last two;
   typical: median and p99; each with its targets. */
static void pl_heap_series(struct chart *c, const struct hb_run *r, size_t s, int is_free, enum pl_chart kind,
                           int panel)
{
    const char *name = r->subjects[s].name, *rgb = heap_colour(r, s);
    int key = panel == 0, growth = kind == PL_GROWTH;
    char t[96];
    if (r->subjects[s].kind == HB_SUBJECT_EMPTY) {
        if (growth && pl_block(c, r, s, is_free, growth, pl_median))
            add_series(c, panel, "1:2", "lines lw 1", rgb, "(empty): the call sequence");
        return;
    }
    if (kind != PL_MAX && pl_block(c, r, s, is_free, growth, pl_median)) {
        snprintf(t, sizeof t, "%s median", name);
        add_series(c, panel, "1:2", growth ? "linespoints lw 2 pt 7" : "points pt 7 ps 1.4", rgb, key ? t : NULL);
    }
    if (kind == PL_TYPICAL && pl_block(c, r, s, is_free, growth, pl_p99)) {
        snprintf(t, sizeof t, "%s p99", name);
        add_series(c, panel, "1:2", "points pt 4 ps 1.6", rgb, key ? t : NULL);
    }
    if (kind != PL_TYPICAL && pl_block(c, r, s, is_free, growth, pl_own_max)) {
        snprintf(t, sizeof t, "%s own", name);
        add_series(c, panel, "1:2", growth ? "linespoints dt 2 lw 2 pt 5" : "points pt 7 ps 1.4", rgb, key ? t : NULL);
    }
    if (kind != PL_TYPICAL && pl_block(c, r, s, is_free, growth, pl_mm_max)) {
        snprintf(t, sizeof t, "%s reaching the mm", name);
        add_series(c, panel, "1:2", "points pt 8 ps 1.6", rgb, key ? t : NULL);
    }
    if (kind != PL_MAX)
        pl_target_series(c, r, s, is_free, kind, panel, pl_target_median, "median");
    if (kind == PL_TYPICAL)
        pl_target_series(c, r, s, is_free, kind, panel, pl_target_p99, "p99");
    if (kind != PL_TYPICAL)
        pl_target_series(c, r, s, is_free, kind, panel, pl_target_max, "max");
}

/* The legend of the path-length charts, under the plot; their only
   error bars are targets, drawn without end ticks. */
static void pl_note(struct chart *c)
{
    fprintf(c->f, "set bars 0\nset label 1 ");
    gp_str(c->f, "own: the longest call not reaching the memory manager; reaching the mm: the longest that did "
                 "(the manager's instructions excluded); targets: harness/bench/promises.c plus the call sequence");
    fprintf(c->f, " at screen 0.01,0.015 font ',8'\n");
}

/* Path length against the live-set size of the growth workloads. */
static int chart_pathlen_growth(const struct hb_run *r, int is_free)
{
    struct chart *c = chart_open(r, is_free ? "pathlen-free" : "pathlen-alloc", 1200, 650);
    if (!c)
        return -1;
    for (size_t s = 0; s < r->nsubjects; s++)
        pl_heap_series(c, r, s, is_free, PL_GROWTH, 0);
    chart_title(c, is_free ? "instructions per free against the live-set size (growth workloads)"
                           : "instructions per alloc against the live-set size (growth workloads)");
    pl_note(c);
    plot_panel(c, 0,
               "set logscale xy\nset xlabel 'live allocations'\nset ylabel 'instructions per call'\n"
               "set bmargin 5\nset key outside right top font ',9'\n");
    return chart_close(c);
}

/* Per workload: the longest calls (own apart from those reaching the
   memory manager), or the typical ones (median, p99), with the targets. */
static int chart_pathlen_per_workload(const struct hb_run *r, enum pl_chart kind)
{
    int used[512] = {0};
    for (size_t i = 0; i < r->nrecs; i++)
        if (r->recs[i].has_pathlen && r->recs[i].workload < 512 &&
            r->subjects[r->recs[i].subject].kind != HB_SUBJECT_EMPTY)
            used[r->recs[i].workload] = 1;
    struct chart *c = chart_open(r, kind == PL_MAX ? "pathlen-max" : "pathlen-typical", 1300, 900);
    if (!c)
        return -1;
    for (int k = 0; k < 2; k++)
        for (size_t s = 0; s < r->nsubjects; s++)
            pl_heap_series(c, r, s, k, kind, k);
    fprintf(c->f, "set multiplot layout 2,1\n");
    chart_title(c, kind == PL_MAX ? "the longest call per workload: filled, its own; open, one reaching the memory "
                                    "manager; dotted bars, the targets"
                                  : "the typical call per workload: filled, the median; open squares, the 99th "
                                    "percentile; dotted bars, the targets");
    pl_note(c);
    fprintf(c->f, "set logscale y\nset key outside right top font ',9'\nset bmargin 7\n%s", panel_margins);
    workload_xtics(c, r, used);
    plot_panel(c, 0, "set ylabel 'instructions per alloc'\n");
    plot_panel(c, 1, "unset title\nset ylabel 'instructions per free'\n");
    fprintf(c->f, "unset multiplot\n");
    return chart_close(c);
}

/* The distribution of instructions per call over every workload: the
   share of a heap's calls in each histogram bucket, log-log. */
static int chart_pathlen_hist(const struct hb_run *r)
{
    struct chart *c = chart_open(r, "pathlen-hist", 1200, 900);
    if (!c)
        return -1;
    for (int k = 0; k < 2; k++)
        for (size_t s = 0; s < r->nsubjects; s++) {
            uint64_t h[HB_PL_NBUCKETS] = {0}, n = 0;
            for (size_t i = 0; i < r->nrecs; i++) {
                const struct hb_record *x = &r->recs[i];
                if (x->subject != s || !x->has_pathlen)
                    continue;
                for (uint32_t b = 0; b < HB_PL_NBUCKETS; b++) {
                    h[b] += dist_of(x, k)->hist[b];
                    n += dist_of(x, k)->hist[b];
                }
            }
            if (!n || r->subjects[s].kind == HB_SUBJECT_EMPTY)
                continue;
            block_begin(c);
            for (uint32_t b = 0; b < HB_PL_NBUCKETS; b++) {
                if (!h[b])
                    continue;
                uint64_t lo, hi;
                hb_pl_bucket_range(b, &lo, &hi);
                if (b > 0 && !h[b - 1])
                    fprintf(c->f, "\n");
                fprintf(c->f, "%llu %.6g\n%llu %.6g\n", (unsigned long long)(lo ? lo : 1), (double)h[b] / (double)n,
                        (unsigned long long)hi, (double)h[b] / (double)n);
            }
            block_end(c);
            char t[96];
            snprintf(t, sizeof t, "%s (%llu calls)", r->subjects[s].name, (unsigned long long)n);
            add_series(c, k, "1:2", "lines lw 2", heap_colour(r, s), t);
        }
    fprintf(c->f, "set multiplot layout 2,1\n");
    chart_title(c, "instructions per call over every workload: share of the calls per bucket");
    fprintf(c->f,
            "set logscale xy\nset key outside right top font ',9'\nset ylabel 'share of the calls'\nset yrange "
            "[*:2]\nset format y '%%g'\n%s",
            panel_margins);
    plot_panel(c, 0, "set xlabel 'instructions per alloc'\n");
    plot_panel(c, 1, "unset title\nset xlabel 'instructions per free'\n");
    fprintf(c->f, "unset multiplot\n");
    return chart_close(c);
}

static int write_plots(const struct hb_run *r)
{
    int rc = 0;
    if (r->speed)
        rc |= chart_speed(r) | chart_growth(r);
    if (r->quality)
        for (int f = HB_FAMILY_FILL; f <= HB_FAMILY_TRACE; f++)
            rc |= chart_extfrag(r, (enum hb_family)f);
    if (r->counts)
        rc |= chart_pathlen_growth(r, 0) | chart_pathlen_growth(r, 1) | chart_pathlen_per_workload(r, PL_MAX) |
              chart_pathlen_per_workload(r, PL_TYPICAL) | chart_pathlen_hist(r);
    return rc;
}

/* ---- the table and the summary --------------------------------------------- */

static void fmt(char *buf, size_t len, double v, const char *f)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, f, v);
}

/* "12.3" with its spread "±4%", "<ovh" below the overhead, "-" absent. */
static void fmt_speed(char *buf, size_t len, int measured, double v, int below, double spread)
{
    if (!measured)
        snprintf(buf, len, "-");
    else if (below)
        snprintf(buf, len, "<ovh");
    else
        snprintf(buf, len, "%.1f±%.0f%%", v, isnan(spread) ? 0 : spread * 50);
}

static const struct hb_record *rec_of(const struct hb_run *r, size_t s, const char *wl)
{
    return hb_find_record(r, r->subjects[s].name, wl);
}

static const char *table_workload(const struct hb_run *r, const char *want)
{
    for (size_t w = 0; w < r->nworkloads; w++)
        if (strcmp(r->workloads[w]->name, want) == 0)
            return want;
    return r->nworkloads ? r->workloads[0]->name : "";
}

/* A heap's name in the tables, with the marks of its caps: ~a its
   alignments above its own are emulated, ~s its stats are estimated
   (adapter.h); * malloc, not a kernel heap. */
static void table_name(const struct hb_subject *sub, char *buf, size_t len)
{
    unsigned caps = sub->ops ? sub->ops->caps : 0;
    snprintf(buf, len, "%s%s%s%s", sub->name, caps & HB_CAP_ALIGN_EMULATED ? "~a" : "",
             caps & HB_CAP_STATS_ESTIMATED ? "~s" : "", sub->kind == HB_SUBJECT_MALLOC ? "*" : "");
}

/* The name column's width: the longest name in the run, at least 10. */
static int name_width(const struct hb_run *r)
{
    int w = 10;
    for (size_t i = 0; i < r->nrecs; i++) {
        char name[96];
        table_name(&r->subjects[r->recs[i].subject], name, sizeof name);
        w = (int)strlen(name) > w ? (int)strlen(name) : w;
    }
    return w;
}

static void print_speed_quality(FILE *f, const struct hb_run *r)
{
    const char *aw = table_workload(r, "fill-16-same"), *cw = table_workload(r, "churn");
    int emu = strcmp(HB_TIMING, "emulator") == 0;
    fprintf(f, "\n== target %s (%s, %s-endian, %zu-bit); timing: %s; seed %llu; %d repetitions ==\n", HB_TARGET,
            HB_ARCH_NAME, HB_ENDIAN_NAME, HB_WORD_BYTES * 8,
            emu ? "EMULATOR (QEMU: measures the emulator, not comparable with host figures)" : "host",
            (unsigned long long)r->seed, r->reps);
    fprintf(f,
            "speed: median ns per op ± half the spread of the repetitions, on %s (A) and %s (C), harness "
            "overhead subtracted (<ovh: within its noise); xmalloc = (alloc+free) / malloc's on A, fastest "
            "repetitions with a CPU less the overhead's (?: not trusted, see the claims); busy: a third of the "
            "repetitions had under 90%% of a CPU\n",
            aw, cw);
    fprintf(f,
            "fragmentation, metadata: on %s; footprint = peak pool / peak live bytes (fixed: a heap that cannot "
            "expand gets the whole arena, see minpool); minpool = smallest initial pool with no failed alloc, "
            "expansion off / peak live bytes (-: not measured or more than the arena; <=: the search's time budget ran "
            "out, an upper bound); fails = NULL allocs over all "
            "workloads; refal = allocs refused for an alignment above the heap's max_align (not failures); catastr = "
            "workloads with an alloc failing while free >= request; round = granted - requested bytes per "
            "allocation\n",
            cw);
    int nw = name_width(r);
    fprintf(f, "%-*s %11s %11s %7s %11s %11s %9s %7s %8s %8s %6s %5s %7s %8s %7s %7s %7s\n", nw, "heap", "A alloc",
            "A free", "xmalloc", "C alloc", "C free", "footprint", "minpool", "extfrag", "extmax", "fails", "refal",
            "catastr", "meta B", "hdr B/a", "pad B/a", "round");
    const struct hb_record *ma = hb_find_record(r, hb_subject_malloc.name, aw);
    for (size_t s = 0; s < r->nsubjects; s++) {
        const struct hb_subject *sub = &r->subjects[s];
        const struct hb_record *a = rec_of(r, s, aw), *c = rec_of(r, s, cw);
        int any = 0, broken = 0, busy = 0, measured = 0;
        uint64_t fails = 0, cat = 0, refal = 0;
        for (size_t i = 0; i < r->nrecs; i++)
            if (r->recs[i].subject == s) {
                const struct hb_record *x = &r->recs[i];
                any = 1;
                broken += x->status != HB_STATUS_OK;
                fails += x->has_quality ? x->quality.nulls : 0;
                refal += x->has_quality ? x->quality.refused_align : 0;
                measured |= x->has_quality;
                cat += x->has_quality && x->quality.catastrophic_op >= 0;
            }
        if (!any)
            continue;
        struct hb_speed_net na = {0}, nc = {0};
        if (a)
            hb_speed_net(r, a, &na);
        if (c)
            hb_speed_net(r, c, &nc);
        busy = na.busy || nc.busy;
        char b[16][32];
        char why[160];
        double ratio = sub->kind == HB_SUBJECT_HEAP ? hb_speed_vs_malloc(r, a, ma, why, sizeof why) : NAN;
        fmt(b[13], 32, ratio, !isnan(ratio) && why[0] ? "%.2f?" : "%.2f");
        fmt_speed(b[0], 32, na.measured, na.alloc, na.alloc_below, na.alloc_spread);
        fmt_speed(b[1], 32, na.measured, na.free_, na.free_below, na.free_spread);
        fmt_speed(b[2], 32, nc.measured, nc.alloc, nc.alloc_below, nc.alloc_spread);
        fmt_speed(b[3], 32, nc.measured, nc.free_, nc.free_below, nc.free_spread);
        int hq = c && c->has_quality, heap = sub->kind == HB_SUBJECT_HEAP;
        const struct hb_quality *q = hq ? &c->quality : NULL;
        fmt(b[4], 32, hq ? heap_footprint(r, c) : NAN, "%.2f");
        if (hq && fixed_pool(r, c))
            snprintf(b[4], 32, "fixed");
        fmt(b[14], 32, c && c->has_minpool ? minpool_ratio(&c->minpool) : NAN,
            c && c->has_minpool && !c->minpool.exact ? "<=%.2f" : "%.2f");
        fmt(b[15], 32, heap && measured ? (double)refal : NAN, "%.0f");
        fmt(b[5], 32, hq ? q->ext_frag_mean : NAN, "%.3f");
        fmt(b[6], 32, hq ? q->ext_frag_max : NAN, "%.3f");
        fmt(b[7], 32, heap && measured ? (double)fails : NAN, "%.0f");
        fmt(b[8], 32, heap && measured ? (double)cat : NAN, "%.0f");
        fmt(b[9], 32, hq ? (double)q->meta_bytes_peak : NAN, "%.0f");
        fmt(b[10], 32, hq ? q->header_per_alloc : NAN, "%.1f");
        fmt(b[11], 32, hq ? q->padding_per_alloc : NAN, "%.1f");
        fmt(b[12], 32, hq && q->rounding_known ? q->rounding_per_alloc : NAN, "%.1f");
        char name[96];
        table_name(sub, name, sizeof name);
        fprintf(f, "%-*s %11s %11s %7s %11s %11s %9s %7s %8s %8s %6s %5s %7s %8s %7s %7s %7s%s%s\n", nw, name, b[0],
                b[1], b[13], b[2], b[3], b[4], b[14], b[5], b[6], b[7], b[15], b[8], b[9], b[10], b[11], b[12],
                busy ? "  busy" : "", broken ? "  (FAILED or INVALID runs: see below)" : "");
    }
    fprintf(f, "* malloc: the C library's allocator, a host speed baseline, not a kernel heap. "
               "(empty): the harness overhead per op, already subtracted above. ~a: alignments above the heap's own "
               "are emulated; ~s: its stats are estimated (free bytes are the remainder): read its fragmentation "
               "figures with that in mind.\n");
    if (r->speed_cut_short)
        fprintf(f, "speed: the time budget ran out: fewer repetitions than asked (machine too busy)\n");
}

static void print_pathlen(FILE *f, const struct hb_run *r)
{
    const char *cw = table_workload(r, "churn");
    fprintf(f,
            "\n== path length, target %s (%s): guest instructions per call, exact (QEMU plugin), marker overhead %u "
            "subtracted ==\n",
            HB_TARGET, HB_ARCH_NAME, (unsigned)r->pl_calibration);
    int nw = name_width(r);
    fprintf(f, "%-*s %6s %6s %6s %7s %-14s %7s| %6s %6s %6s %7s %-14s %7s\n", nw, "heap", "A med", "A p99", "A max",
            "A own", "(workload)", "A mm", "F med", "F p99", "F max", "F own", "(workload)", "F mm");
    for (size_t s = 0; s < r->nsubjects; s++) {
        const struct hb_record *c = rec_of(r, s, cw);
        uint32_t own[2] = {0, 0}, mm[2] = {0, 0};
        const char *where[2] = {"-", "-"};
        int any = 0, haveown[2] = {0, 0}, havemm[2] = {0, 0};
        for (size_t i = 0; i < r->nrecs; i++) {
            const struct hb_record *x = &r->recs[i];
            if (x->subject != s || !x->has_pathlen)
                continue;
            any = 1;
            for (int k = 0; k < 2; k++) {
                const struct hb_pl_dist *d = k ? &x->pathlen.free_ : &x->pathlen.alloc;
                if (d->own_n && (!haveown[k] || d->own_max > own[k])) {
                    own[k] = d->own_max;
                    where[k] = wl_name(r, x);
                    haveown[k] = 1;
                }
                if (d->mm_n && (!havemm[k] || d->mm_max > mm[k])) {
                    mm[k] = d->mm_max;
                    havemm[k] = 1;
                }
            }
        }
        if (!any)
            continue;
        char b[2][5][16];
        for (int k = 0; k < 2; k++) {
            const struct hb_pl_dist *d = c && c->has_pathlen ? (k ? &c->pathlen.free_ : &c->pathlen.alloc) : NULL;
            fmt(b[k][0], 16, d && d->n ? (double)d->median : NAN, "%.0f");
            fmt(b[k][1], 16, d && d->n ? (double)d->p99 : NAN, "%.0f");
            fmt(b[k][2], 16, d && d->n ? (double)d->max : NAN, "%.0f");
            fmt(b[k][3], 16, haveown[k] ? (double)own[k] : NAN, "%.0f");
            fmt(b[k][4], 16, havemm[k] ? (double)mm[k] : NAN, "%.0f");
        }
        char name[96];
        table_name(&r->subjects[s], name, sizeof name);
        fprintf(f, "%-*s %6s %6s %6s %7s %-14.14s %7s| %6s %6s %6s %7s %-14.14s %7s\n", nw, name, b[0][0], b[0][1],
                b[0][2], b[0][3], where[0], b[0][4], b[1][0], b[1][1], b[1][2], b[1][3], where[1], b[1][4]);
    }
    fprintf(f,
            "med/p99/max: on %s.  own: the longest call over every workload that did not reach the memory manager "
            "(the path length proper).  mm: the longest call that grew or shrank the heap through "
            "get_pages/put_pages (their own instructions excluded).  (empty): the call sequence alone.\n",
            cw);
}

/* Growth: median and max per call against the live-set size, per heap. */
static void print_pathlen_growth(FILE *f, const struct hb_run *r)
{
    int any = 0;
    for (size_t i = 0; i < r->nrecs; i++)
        any |= is_growth(r, &r->recs[i]) && r->recs[i].has_pathlen;
    if (!any)
        return;
    fprintf(f, "growth (alloc median/max | free median/max) against live allocations:\n");
    for (size_t s = 0; s < r->nsubjects; s++) {
        int shown = 0;
        for (size_t i = 0; i < r->nrecs; i++) {
            const struct hb_record *x = &r->recs[i];
            if (x->subject != s || !x->has_pathlen || !is_growth(r, x))
                continue;
            if (!shown++)
                fprintf(f, "  %-*s", name_width(r), r->subjects[s].name);
            fprintf(f, "  %zu: %u/%u | %u/%u", r->workloads[x->workload]->params.live,
                    (unsigned)x->pathlen.alloc.median, (unsigned)x->pathlen.alloc.max,
                    (unsigned)x->pathlen.free_.median, (unsigned)x->pathlen.free_.max);
        }
        if (shown)
            fprintf(f, "\n");
    }
}

static void print_verdicts(FILE *f, const struct hb_verdict *v, size_t nv)
{
    for (size_t i = 0; i < nv; i++) {
        fprintf(f, "%s: %s %s <= %g: ", v[i].metric[0] == 's' ? "claim" : "target", v[i].heap, v[i].what, v[i].limit);
        if (!isnan(v[i].value) && v[i].metric[0] == 's')
            fprintf(f, "%.3fx ", v[i].value);
        else if (!isnan(v[i].value) && v[i].call >= 0)
            fprintf(f, "%.0f in the heap (%.0f measured less the %.0f-instruction call sequence) ", v[i].value,
                    v[i].gross, v[i].call);
        else if (!isnan(v[i].value))
            fprintf(f, "%.0f measured ", v[i].value);
        fprintf(f, "%s%s: %s\n", v[i].where ? "on " : "", v[i].where ? v[i].where : "", v[i].state);
    }
}

static void print_failures(FILE *f, const struct hb_run *r)
{
    for (size_t i = 0; i < r->nrecs; i++) {
        const struct hb_record *x = &r->recs[i];
        if (x->status == HB_STATUS_OK)
            continue;
        fprintf(f, "%s: %s / %s: %s meter, %s%s%s: %s", x->status == HB_STATUS_INVALID ? "INVALID" : "FAILED",
                sub_name(r, x), wl_name(r, x), hb_meter_name(x->fail.meter), x->fail.kind,
                x->fail.phase[0] ? ", in " : "", x->fail.phase, x->fail.detail);
        fprintf(f, " (seed %llu)\n", (unsigned long long)r->seed);
    }
}

static void print_table(FILE *f, const struct hb_run *r, const struct hb_verdict *v, size_t nv)
{
    if (r->speed || r->quality)
        print_speed_quality(f, r);
    if (r->counts) {
        print_pathlen(f, r);
        print_pathlen_growth(f, r);
    }
    print_verdicts(f, v, nv);
    print_failures(f, r);
}

/* The closing lines: one per target, then its failures and verdicts. */
static void print_summary(FILE *f, const struct hb_run *r, const struct hb_verdict *v, size_t nv)
{
    size_t nf = hb_count_failures(r);
    fprintf(f, "%-9s %-8s timing, %3zu heap x workload runs, %zu failed or invalid, %.1f s\n", HB_TARGET, HB_TIMING,
            r->nrecs, nf, r->seconds);
    print_failures(f, r);
    print_verdicts(f, v, nv);
}

/* ---- files ------------------------------------------------------------------- */

typedef void (*csv_fn)(FILE *f, const struct hb_run *r);

static int write_file(const struct hb_run *r, const char *suffix, csv_fn fn)
{
    char path[1100];
    struct hb_afile a;
    snprintf(path, sizeof path, "%.1000s/%s%s", r->outdir, HB_TARGET, suffix);
    if (hb_afile_open(&a, path) != 0 || (fn(a.f, r), hb_afile_commit(&a)) != 0) {
        fprintf(stderr, "hb-bench: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static struct hb_verdict verdicts[MAXV];
static size_t nverdicts;

static void file_json(FILE *f, const struct hb_run *r)
{
    write_json(f, r, verdicts, nverdicts);
}
static void file_table(FILE *f, const struct hb_run *r)
{
    print_table(f, r, verdicts, nverdicts);
}
static void file_summary(FILE *f, const struct hb_run *r)
{
    print_summary(f, r, verdicts, nverdicts);
}

/* <t>-report.md: this target's part of the run's report.md (tools/bench.sh
   puts the targets' parts under one heading): the facts of the run, the
   table, the charts and the files, every link relative to the run folder. */
static void file_report(FILE *f, const struct hb_run *r)
{
    static const struct {
        const char *suffix, *what;
    } files[] = {{".json", "every figure, failures and verdicts (docs/results-schema.md)"},
                 {"-gbench.json", "the speed repetitions in Google Benchmark's schema (tools/gbcompare.py)"},
                 {"-speed.csv", "speed"},
                 {"-quality.csv", "fragmentation and metadata"},
                 {"-extfrag.csv", "fragmentation over time"},
                 {"-pathlen.csv", "path length"},
                 {"-pathlen-hist.csv", "path-length histograms"},
                 {"-table.txt", "the table above"}};
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    fprintf(f, "## Target %s (%s, %s-endian, %zu-bit), %s timing\n\n", HB_TARGET, HB_ARCH_NAME, HB_ENDIAN_NAME,
            HB_WORD_BYTES * 8, HB_TIMING);
    if (strcmp(HB_TIMING, "emulator") == 0)
        fprintf(f,
                "Timing under QEMU measures the emulator: compare heaps within this target, never with the host.\n\n");
    fprintf(f, "| | |\n| --- | --- |\n| commit | %s |\n| started | %s |\n| seed | %llu |\n", r->commit, r->started,
            (unsigned long long)r->seed);
    fprintf(f, "| heap x workload runs | %zu, %zu failed or invalid |\n| seconds | %.1f |\n", r->nrecs,
            hb_count_failures(r), r->seconds);
    fprintf(f, "| speed repetitions | %d of %.0f ms%s |\n| cpu | %s, load %.2f per CPU at the start |\n", r->reps,
            r->rep_ms, r->speed_cut_short ? " (cut short: the time budget ran out)" : "", cpu, r->load_at_start);
    fprintf(f, "| workloads | %s |\n| Google Benchmark | %s |\n\n",
            r->full_workload_set ? "every default workload" : "a narrowed set: promises not judged", hb_gb_version());
    fprintf(f, "### Table\n\n```text");
    print_table(f, r, verdicts, nverdicts);
    fprintf(f, "```\n\n");
    if (ncharts_written) {
        fprintf(f, "### Charts\n\n");
        for (int i = 0; i < ncharts_written; i++)
            fprintf(f, "![%s](plots/%s-%s.png)\n\n", charts_written[i], charts_written[i], HB_TARGET);
    }
    fprintf(f, "### Files\n\n");
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[1100];
        snprintf(path, sizeof path, "%.1000s/%s%s", r->outdir, HB_TARGET, files[i].suffix);
        if (access(path, F_OK) == 0)
            fprintf(f, "- [%s%s](%s%s): %s\n", HB_TARGET, files[i].suffix, HB_TARGET, files[i].suffix, files[i].what);
    }
    fprintf(f, "\n");
}

int hb_write_report(const struct hb_run *r)
{
    nverdicts = hb_judge(r, verdicts, MAXV);
    int rc = 0;
    rc |= write_file(r, ".json", file_json);
    if (r->speed) {
        rc |= write_file(r, "-speed.csv", csv_speed);
        rc |= write_file(r, "-gbench.json", file_gbench);
    }
    if (r->quality) {
        rc |= write_file(r, "-quality.csv", csv_quality);
        rc |= write_file(r, "-extfrag.csv", csv_extfrag);
    }
    if (r->counts) {
        rc |= write_file(r, "-pathlen.csv", csv_pathlen);
        rc |= write_file(r, "-pathlen-hist.csv", csv_pathlen_hist);
    }
    if (write_plots(r) != 0) {
        fprintf(stderr, "hb-bench: cannot write the plot data in %s\n", r->outdir);
        rc = -1;
    }
    rc |= write_file(r, "-table.txt", file_table);
    rc |= write_file(r, "-summary.txt", file_summary);
    rc |= write_file(r, "-report.md", file_report);
    print_table(stdout, r, verdicts, nverdicts);
    return rc ? -1 : 0;
}

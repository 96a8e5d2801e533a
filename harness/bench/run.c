/*
 * run.c - the supervised driver: every heap x workload of every meter runs
 * in a child process (harness/supervise.h), so a crash, hang, exit() or
 * stack overflow costs that heap x workload alone; the others' figures
 * stay complete.
 *
 * Heaps phase: one child per heap x workload runs, each on a fresh heap:
 *   1. check    the shadow check (shadow.c); a bad block makes the record
 *               invalid, and nothing else runs on it;
 *   2. quality  fragmentation and metadata (meters.c);
 *   3. pathlen  under the QEMU plugin only (pathlen.c; also for (empty),
 *               the call sequence).
 * Speed phase, over every record still standing plus malloc (the host
 * baseline) and (empty) (the harness overhead): rounds, each running
 * --reps-per-child repetitions (3 on the host; all of them under an
 * emulator, where the figures are not comparable anyway and a fresh child
 * costs fresh translations) of every record in a fresh random order, one
 * child per record and round: an untimed warm-up run, in the record's
 * first child a calibration run (its wall time, set-up included, sets the
 * iterations of a repetition to about --rep-ms), then Google Benchmark
 * through the shim.  The speed phase works to a time budget: when a round
 * ends past it, no round starts and the records say how many repetitions
 * they got.
 *
 * Children return their figures through the supervisor's shared result
 * area (struct child_out), which outlives them: the passes a child
 * completed count, and the pass it was in when it died is the failing
 * meter.  Cost: one fork per heap x workload, and one per speed record
 * and round; a fork costs a few ms of system time on the host (page
 * tables of the workloads' sequences), more under QEMU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buildinfo.h"
#include "pathlen.h"
#include "rng.h"
#include "run.h"
#include "supervise.h"

const char *hb_bench_meter = "";

const char *hb_meter_name(enum hb_meter m)
{
    static const char *const names[HB_NMETERS] = {"check", "quality", "pathlen", "speed", "minpool"};
    return m < HB_NMETERS ? names[m] : "?";
}

enum verdict { V_OK, V_INVALID, V_CORRUPT, V_ERROR };

/* The minimum pool's search counts as one pass for the timeout: its
   budget is at most half a pass. */
static double minpool_budget(const struct hb_run *r)
{
    return r->timeout / 2 < HB_MINPOOL_BUDGET_S ? r->timeout / 2 : HB_MINPOOL_BUDGET_S;
}

#define REPS_PER_CHILD_MAX 16

struct rep_out {
    int n; /* repetitions done */
    double alloc_ns[REPS_PER_CHILD_MAX], free_ns[REPS_PER_CHILD_MAX], cpu_share[REPS_PER_CHILD_MAX];
    double nulls;
    uint64_t w0, c0; /* wall and CPU clocks at the start of the repetition */
};

/* What a child leaves in the shared result area.  It survives the child:
   the passes it completed, and the meter it was in when it died. */
struct child_out {
    int meter;   /* enum hb_meter of the pass running (or last run) */
    int verdict; /* enum verdict of that pass */
    char msg[400];
    int checked, has_quality, has_pathlen;
    uint64_t iterations; /* speed: per repetition, set by the first child of a record */
    struct hb_quality q;
    struct hb_pathlen_fig pl;
    struct rep_out rep;
    int has_minpool;
    struct hb_minpool_fig mp;
};

struct job {
    struct hb_run *r;
    struct hb_record *rec;
    enum hb_meter meter;
    int rep, nreps; /* speed: the first repetition and how many this child runs */
};

static struct hb_sv *sv;

static struct child_out *out_area(void)
{
    size_t len;
    struct child_out *o = hb_sv_result(&len);
    if (!o || len < sizeof *o)
        hb_sv_fail("no result area");
    return o;
}

static void open_instance(const struct job *j, struct hb_instance *in)
{
    char err[240];
    const struct hb_run *r = j->r;
    if (hb_instance_open(in, &r->subjects[j->rec->subject], &r->seqs[j->rec->workload], r->initial_bytes, err,
                         sizeof err) != 0)
        hb_sv_fail("%s", err);
}

static void say(struct child_out *o, int verdict, const char *msg)
{
    o->verdict = verdict;
    snprintf(o->msg, sizeof o->msg, "%s", msg);
}

/* ---- the children's bodies ---- */

static void enter(struct child_out *o, enum hb_meter m, const char *phase)
{
    o->meter = m;
    hb_bench_meter = hb_meter_name(m);
    hb_sv_phase(phase);
}

/* The minimum-pool pass (minpool.c): its probes, each a fresh heap, in
   this child.  0, or -1 with the verdict said. */
static int minpool_pass(const struct hb_run *r, struct child_out *o, const struct hb_subject *sub,
                        const struct hb_opseq *seq)
{
    char msg[400] = "";
    enter(o, HB_METER_MINPOOL, "minimum pool");
    o->has_minpool = 0;
    if (hb_minpool_run(sub, seq, minpool_budget(r), &o->mp, msg, sizeof msg) != 0) {
        say(o, V_CORRUPT, msg);
        return -1;
    }
    o->has_minpool = 1;
    return 0;
}

/* One child per heap x workload runs its passes in order: the shadow check,
   then (on a valid heap) the quality pass and the path-length pass, each on
   a fresh instance.  The first pass that finds the heap bad ends it. */
static void heap_body(void *ctx)
{
    const struct job *j = ctx;
    const struct hb_run *r = j->r;
    const struct hb_opseq *seq = &r->seqs[j->rec->workload];
    const struct hb_subject *sub = &r->subjects[j->rec->subject];
    struct child_out *o = out_area();
    struct hb_instance in;
    char msg[400] = "";
    o->checked = o->has_quality = o->has_pathlen = o->has_minpool = 0;
    say(o, V_OK, "");
    if (sub->kind == HB_SUBJECT_HEAP) {
        enter(o, HB_METER_CHECK, "shadow check");
        open_instance(j, &in);
        int rc = hb_shadow_check(&in, seq, msg, sizeof msg);
        hb_instance_close(&in);
        if (rc == -2)
            hb_sv_fail("%s", msg);
        if (rc != 0) {
            say(o, V_INVALID, msg);
            return;
        }
        o->checked = 1;
    }
    if (sub->kind == HB_SUBJECT_HEAP && r->quality) {
        enter(o, HB_METER_QUALITY, "fragmentation and metadata pass");
        open_instance(j, &in);
        int rc = hb_quality_run(&in, seq, r->stats_every, &o->q, msg, sizeof msg);
        hb_instance_close(&in);
        if (rc != 0) {
            say(o, V_CORRUPT, msg);
            return;
        }
        o->has_quality = 1;
    }
    if (sub->kind == HB_SUBJECT_HEAP && r->minpool && minpool_pass(r, o, sub, seq) != 0)
        return;
    if (r->counts) {
        enter(o, HB_METER_PATHLEN, "path-length pass");
        if (hb_pathlen_measure(sub, seq, r->initial_bytes, r->pl_calibration, &o->pl, msg, sizeof msg) != 0) {
            say(o, V_ERROR, msg);
            return;
        }
        o->has_pathlen = 1;
    }
}

struct speed_ctx {
    struct hb_instance in;
    const struct hb_opseq *seq;
    void **slots;
};

static void speed_iteration(void *vctx, struct hb_speed_sample *out)
{
    struct speed_ctx *x = vctx;
    char err[200];
    hb_speed_run(&x->in, x->seq, x->slots, out);
    if (hb_instance_reset(&x->in, err, sizeof err) != 0)
        hb_sv_fail("%s", err);
}

static void speed_prepare(const struct job *j, struct speed_ctx *x)
{
    x->seq = &j->r->seqs[j->rec->workload];
    x->slots = calloc(x->seq->nslots ? x->seq->nslots : 1, sizeof *x->slots);
    if (!x->slots)
        hb_sv_fail("out of memory for %zu slots", x->seq->nslots);
    open_instance(j, &x->in);
}

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Google Benchmark hands over each repetition as it ends: its figures, and
   the share of a CPU the child had meanwhile. */
static void record_rep(void *ctx, size_t bench, int64_t rep, const struct hb_gb_sample *s)
{
    struct rep_out *ro = ctx;
    (void)bench;
    (void)rep;
    uint64_t w = hb_now_ns(), c = cpu_ns();
    if (ro->n < REPS_PER_CHILD_MAX) {
        ro->alloc_ns[ro->n] = s->alloc_ns;
        ro->free_ns[ro->n] = s->free_ns;
        ro->cpu_share[ro->n] = w > ro->w0 ? (double)(c - ro->c0) / (double)(w - ro->w0) : 1;
        ro->nulls = s->nulls;
        ro->n++;
    }
    ro->w0 = w;
    ro->c0 = c;
}

/* Repetitions nreps of one record after an untimed warm-up run (a fresh
   child; under QEMU, fresh translations too).  The record's first child
   also calibrates: the wall time of one more untimed run, set-up
   included, sets the iterations of a repetition (about --rep-ms). */
static void rep_body(void *ctx)
{
    const struct job *j = ctx;
    struct child_out *o = out_area();
    struct speed_ctx x;
    char phase[64];
    snprintf(phase, sizeof phase, "speed repetitions %d-%d", j->rep + 1, j->rep + j->nreps);
    enter(o, HB_METER_SPEED, phase);
    speed_prepare(j, &x);
    struct hb_speed_sample warm;
    speed_iteration(&x, &warm);
    o->iterations = j->rec->speed.iterations;
    if (!o->iterations) {
        uint64_t t0 = hb_now_ns();
        speed_iteration(&x, &warm);
        double it = j->r->rep_ms * 1e6 / ((double)(hb_now_ns() - t0) + 1);
        o->iterations = it < 1 ? 1 : it > 100000 ? 100000 : (uint64_t)it;
    }
    hb_gb_add("rep", speed_iteration, &x, o->iterations);
    memset(&o->rep, 0, sizeof o->rep);
    o->rep.w0 = hb_now_ns();
    o->rep.c0 = cpu_ns();
    hb_gb_run(j->nreps, 0, j->r->seed, NULL, record_rep, &o->rep);
    int ok = o->rep.n == j->nreps;
    say(o, ok ? V_OK : V_ERROR, ok ? "" : "Google Benchmark ran fewer repetitions than asked");
}

/* ---- the parent ---- */

static const char *const verdict_kind[] = {"", "invalid", "corrupt", "error"};

static void set_failure(struct hb_record *rec, enum hb_meter m, const char *kind, const char *phase, const char *last,
                        const char *detail)
{
    rec->status = strcmp(kind, "invalid") == 0 ? HB_STATUS_INVALID : HB_STATUS_FAILED;
    rec->fail.meter = m;
    snprintf(rec->fail.kind, sizeof rec->fail.kind, "%s", kind);
    snprintf(rec->fail.phase, sizeof rec->fail.phase, "%s", phase);
    snprintf(rec->fail.last_call, sizeof rec->fail.last_call, "%s", last);
    snprintf(rec->fail.detail, sizeof rec->fail.detail, "%s", detail);
}

static const char *end_kind(const struct hb_sv_outcome *o)
{
    switch (o->end) {
    case HB_SV_FAILED:
        return "error";
    case HB_SV_EXITED:
        return "exited";
    case HB_SV_SIGNALED:
        return "crashed";
    case HB_SV_STACK_OVERFLOW:
        return "stack overflow";
    case HB_SV_TIMEOUT:
        return "timeout";
    case HB_SV_SANITIZER:
        return "sanitizer";
    default:
        return "not started";
    }
}

/* Runs one child for rec; 0 and its output in *out when it completed with
   verdict OK; otherwise the record's failure is set and -1 returned. */
static int run_child(struct hb_run *r, struct hb_record *rec, enum hb_meter m, int rep, int nreps, hb_sv_body body,
                     struct child_out *out)
{
    struct job j = {r, rec, m, rep, nreps};
    /* The limit applies per pass: a heaps child runs up to three. */
    int passes = body == heap_body
                     ? (r->subjects[rec->subject].kind == HB_SUBJECT_HEAP) * (1 + r->quality + (r->minpool != 0)) +
                           (r->counts != NULL)
                     : 1;
    struct hb_sv_opts so = {r->timeout * (passes > 0 ? passes : 1), 1, 16384};
    struct hb_sv_outcome o;
    size_t len;
    struct child_out *co = hb_sv_result_area(sv, &len);
    co->meter = m;
    hb_bench_meter = hb_meter_name(m);
    fflush(NULL);
    hb_sv_run(sv, &so, body, &j, &o);
    hb_bench_meter = "";
    m = (enum hb_meter)co->meter;
    char last[200], line[600];
    hb_sv_describe_call(&o.last, last, sizeof last);
    *out = *co; /* what it completed counts, however it ended */
    if (o.end == HB_SV_DONE && co->verdict == V_OK)
        return 0;
    if (o.end == HB_SV_DONE)
        snprintf(line, sizeof line, "%s", co->msg);
    else
        hb_sv_describe(&o, line, sizeof line);
    const char *kind = o.end == HB_SV_DONE ? verdict_kind[co->verdict] : end_kind(&o);
    set_failure(rec, m, kind, o.last.phase, last, line);
    if (o.end == HB_SV_TIMEOUT) {
        rec->fail.timeout_limit = o.limit;
        rec->fail.cpu_limit = o.timeout;
        rec->fail.cpu_seconds = o.cpu_seconds;
        rec->fail.wall_seconds = o.seconds;
    }
    const char *sub = r->subjects[rec->subject].name, *wl = r->workloads[rec->workload]->name;
    fprintf(stderr, "[%s] FAILED %s / %s: %s meter, %s: %s (seed %llu)\n", HB_TARGET, sub, wl, hb_meter_name(m), kind,
            line, (unsigned long long)r->seed);
    if (o.output_len && o.output && o.end != HB_SV_DONE)
        fprintf(stderr, "    child output:\n%.2000s\n", o.output);
    return -1;
}

/* Progress: one line at least every 2 s (and at the end), with an ETA. */
struct progress {
    const char *what;
    size_t done, total;
    uint64_t t0, last;
};

static void progress_start(struct progress *p, const char *what, size_t total)
{
    *p = (struct progress){what, 0, total, hb_now_ns(), 0};
    fprintf(stderr, "[%s] %s: %zu runs\n", HB_TARGET, what, total);
}

static void progress_step(struct progress *p, const char *sub, const char *wl)
{
    uint64_t now = hb_now_ns();
    p->done++;
    if (now - p->last < 2000000000u && p->done != p->total)
        return;
    p->last = now;
    double el = (double)(now - p->t0) * 1e-9;
    double eta = p->done ? el / (double)p->done * (double)(p->total - p->done) : 0;
    fprintf(stderr, "[%s] %-8s %4zu/%zu  %s / %s  (%.0f s, about %.0f s left)\n", HB_TARGET, p->what, p->done, p->total,
            sub, wl, el, eta);
}

static int is_heap(const struct hb_run *r, const struct hb_record *rec)
{
    return r->subjects[rec->subject].kind == HB_SUBJECT_HEAP;
}

static void heap_meters(struct hb_run *r)
{
    size_t total = 0;
    for (size_t i = 0; i < r->nrecs; i++)
        total += is_heap(r, &r->recs[i]) || (r->counts && r->subjects[r->recs[i].subject].kind == HB_SUBJECT_EMPTY);
    struct progress p;
    progress_start(&p, r->counts ? "check, quality, pathlen" : "check, quality", total);
    p.what = "heaps";
    struct child_out *o = malloc(sizeof *o);
    if (!o)
        return;
    for (size_t i = 0; i < r->nrecs; i++) {
        struct hb_record *rec = &r->recs[i];
        if (!is_heap(r, rec) && !(r->counts && r->subjects[rec->subject].kind == HB_SUBJECT_EMPTY))
            continue;
        run_child(r, rec, is_heap(r, rec) ? HB_METER_CHECK : HB_METER_PATHLEN, 0, 0, heap_body, o);
        rec->checked = o->checked;
        if ((rec->has_quality = o->has_quality))
            rec->quality = o->q;
        if ((rec->has_pathlen = o->has_pathlen))
            rec->pathlen = o->pl;
        if ((rec->has_minpool = o->has_minpool))
            rec->minpool = o->mp;
        progress_step(&p, r->subjects[rec->subject].name, r->workloads[rec->workload]->name);
    }
    free(o);
}

static void speed_meter(struct hb_run *r)
{
    size_t n = 0;
    size_t *order = malloc((r->nrecs ? r->nrecs : 1) * sizeof *order);
    struct child_out *o = malloc(sizeof *o);
    if (!order || !o) {
        free(order);
        free(o);
        return;
    }
    for (size_t i = 0; i < r->nrecs; i++)
        if (r->recs[i].status == HB_STATUS_OK)
            order[n++] = i;
    struct progress p;
    /* The budget: three times the plan, plus a margin for set-up, the
       warm-up runs and the forks, unless given. */
    double budget = r->speed_budget > 0 ? r->speed_budget : 3e-3 * r->rep_ms * r->reps * (double)n + 60;
    struct hb_rng rng;
    hb_rng_seed(&rng, r->seed ^ 0x5eedu);
    int per = r->reps_per_child < 1                    ? 1
              : r->reps_per_child > REPS_PER_CHILD_MAX ? REPS_PER_CHILD_MAX
                                                       : r->reps_per_child;
    progress_start(&p, "speed", n * (size_t)((r->reps + per - 1) / per));
    p.what = "speed";
    uint64_t t0 = hb_now_ns();
    for (int rep = 0; rep < r->reps; rep += per) {
        if (rep > 0 && (double)(hb_now_ns() - t0) * 1e-9 > budget) {
            r->speed_cut_short = 1;
            fprintf(stderr, "[%s] speed: the %.0f s budget is spent after %d of %d repetitions; stopping\n", HB_TARGET,
                    budget, rep, r->reps);
            break;
        }
        for (size_t k = n; k > 1; k--) { /* a fresh random order each round */
            size_t j = hb_rng_below(&rng, (uint32_t)k), t = order[k - 1];
            order[k - 1] = order[j];
            order[j] = t;
        }
        int nr = r->reps - rep < per ? r->reps - rep : per;
        for (size_t k = 0; k < n; k++) {
            struct hb_record *rec = &r->recs[order[k]];
            if (rec->status != HB_STATUS_OK)
                continue;
            if (run_child(r, rec, HB_METER_SPEED, rep, nr, rep_body, o) == 0) {
                struct hb_speed_fig *s = &rec->speed;
                s->iterations = o->iterations;
                for (int i = 0; i < o->rep.n && s->nreps < HB_MAX_REPS; i++, s->nreps++) {
                    s->alloc[s->nreps] = o->rep.alloc_ns[i];
                    s->free_[s->nreps] = o->rep.free_ns[i];
                    s->cpu_share[s->nreps] = o->rep.cpu_share[i];
                }
                s->nulls = o->rep.nulls;
            }
            progress_step(&p, r->subjects[rec->subject].name, r->workloads[rec->workload]->name);
        }
    }
    /* A record that failed in the speed meter keeps no speed figure. */
    for (size_t i = 0; i < r->nrecs; i++)
        if (r->recs[i].status != HB_STATUS_OK)
            r->recs[i].speed.nreps = 0;
    free(order);
    free(o);
}

int hb_run_meters(struct hb_run *r)
{
    sv = hb_sv_create(sizeof(struct child_out));
    if (!sv) {
        perror("hb-bench: shared memory for the supervisor");
        return -1;
    }
    hb_ns_per_tick(); /* calibrated once here: every child inherits it */
    if (r->counts && hb_pathlen_begin(r->counts, &r->pl_calibration) != 0) {
        hb_sv_destroy(sv);
        return -1;
    }
    heap_meters(r);
    if (r->speed)
        speed_meter(r);
    hb_sv_destroy(sv);
    sv = NULL;
    return 0;
}

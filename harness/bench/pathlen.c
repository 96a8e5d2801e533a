/*
 * pathlen.c - the path-length meter (see pathlen.h, docs/metrics.md).
 *
 * Runs in one process, without fork: the plugin's counter and open file are
 * per QEMU process.  Per heap x workload: a fresh instance, the sequence
 * driven op by op with each heap call between its markers, then a flush
 * marker and the counts read back and joined with the sequence by order.
 * The figure of a call is its count minus the calibration: the count of the
 * empty marker pair, which must be the same every time.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pathlen.h"
#include "buildinfo.h"
#include "results.h"

#define NCAL 64
#define NONE UINT32_MAX

/* ---- the count file --------------------------------------------------------- */

static FILE *counts_f;
static const char *counts_path;

static int counts_open(const char *path)
{
    counts_path = path;
    counts_f = fopen(path, "rb");
    if (!counts_f) {
        fprintf(stderr, "hb-bench: cannot read the plugin's count file %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads n records of kind k (after hb_mark_flush); the lower-case kind (the
   call reached the memory manager) counts too, and sets bit 31 of out[i].
   0, or -1 with a message. */
#define MM_BIT 0x80000000u
static int counts_read(char k, size_t n, uint32_t *out)
{
    unsigned char b[8];
    clearerr(counts_f);
    for (size_t i = 0; i < n; i++) {
        if (fread(b, 1, 8, counts_f) != 8) {
            fprintf(stderr,
                    "hb-bench: %s holds %zu of the %zu '%c' counts expected: is the program running under "
                    "qemu-<arch> -plugin libhbpath.so,out=%s (tools/qemu-plugin/)?\n",
                    counts_path, i, n, k, counts_path);
            return -1;
        }
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--)
            v = v << 8 | b[j];
        char got = (char)(v & 0xff);
        if (got != k && got != k - 'A' + 'a') {
            fprintf(stderr, "hb-bench: %s: count %zu is of kind '%c', expected '%c' (markers out of step)\n",
                    counts_path, i, (int)(v & 0xff), k);
            return -1;
        }
        v >>= 8;
        out[i] = v >= MM_BIT ? MM_BIT - 1 : (uint32_t)v;
        if (got != k)
            out[i] |= MM_BIT;
    }
    return 0;
}

/* The empty pair, NCAL times: every count the same, or the run is not exact. */
static int calibrate(uint32_t *cal)
{
    uint32_t c[NCAL];
    for (int i = 0; i < NCAL; i++) {
        hb_mark_cal_begin();
        hb_mark_cal_end();
    }
    hb_mark_flush();
    if (counts_read('C', NCAL, c) != 0)
        return -1;
    for (int i = 1; i < NCAL; i++)
        if (c[i] != c[0]) {
            fprintf(stderr, "hb-bench: calibration not constant: pair 0 counts %u, pair %d counts %u\n", (unsigned)c[0],
                    i, (unsigned)c[i]);
            return -1;
        }
    *cal = c[0];
    return 0;
}

/* ---- probe ---------------------------------------------------------------- */

static uint32_t probe(hb_probe_fn f, uint32_t cal, uint32_t *sink)
{
    uint32_t c[8];
    for (int i = 0; i < 8; i++) {
        hb_mark_probe_begin();
        *sink += f((uint32_t)i);
        hb_mark_probe_end();
    }
    hb_mark_flush();
    if (counts_read('P', 8, c) != 0)
        return NONE;
    for (int i = 1; i < 8; i++)
        if (c[i] != c[0])
            return NONE;
    return c[0] - cal;
}

int hb_pathlen_probe(const char *counts)
{
    uint32_t cal, sink = 0;
    if (counts_open(counts) != 0 || calibrate(&cal) != 0)
        return 2;
    /* The probes go through a volatile function pointer: the same call site
       for both, as the heap calls go through the ops table. */
    hb_probe_fn volatile fe = hb_probe_empty, fk = hb_probe_known;
    uint32_t e = probe(fe, cal, &sink), k = probe(fk, cal, &sink);
    /* calibrated twice more: a calibrated empty pair must count 0 */
    uint32_t cal2;
    if (calibrate(&cal2) != 0)
        return 2;
    printf("target %s\ncalibration %u\ncalibrated-empty-pair %d\nprobe-empty %u\nprobe-known %u\n"
           "probe-known-minus-empty %d\n(sink %u)\n",
           HB_TARGET, (unsigned)cal, (int)(cal2 - cal), (unsigned)e, (unsigned)k,
           e == NONE || k == NONE ? -1 : (int)(k - e), (unsigned)sink);
    return e == NONE || k == NONE ? 1 : 0;
}

/* ---- distributions ---------------------------------------------------------- */

/* Histogram buckets: [8i, 8i+8) below 256, then powers of two [2^k, 2^(k+1)). */
#define LIN_BUCKETS 32
#define NBUCKETS (LIN_BUCKETS + 24)

static uint32_t bucket_of(uint32_t v)
{
    if (v < 256)
        return v / 8;
    uint32_t k = 31 - (uint32_t)__builtin_clz(v); /* >= 8 */
    uint32_t b = LIN_BUCKETS + (k - 8);
    return b < NBUCKETS ? b : NBUCKETS - 1;
}

static void bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi)
{
    if (b < LIN_BUCKETS) {
        *lo = 8u * b;
        *hi = 8u * b + 8;
    } else {
        *lo = (uint64_t)1 << (b - LIN_BUCKETS + 8);
        *hi = *lo * 2;
    }
}

struct dist {
    uint64_t n, sum;
    uint32_t min, median, p99, max;
    size_t max_op; /* index in the sequence of the first op with the max */
    /* the heap's own path: calls that did not reach the memory manager */
    uint64_t own_n;
    uint32_t own_max;
    size_t own_max_op;
    /* calls that grew or shrank the heap through the memory manager */
    uint64_t mm_n;
    uint32_t mm_max;
    uint64_t hist[NBUCKETS];
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* v[i] for the ops of kind k (NONE: not measured; MM_BIT: reached the
   memory manager). */
static int make_dist(const struct hb_opseq *seq, const uint32_t *vv, uint32_t kind, struct dist *d)
{
    memset(d, 0, sizeof *d);
    uint32_t *t = malloc((seq->n ? seq->n : 1) * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < seq->n; i++) {
        if (seq->ops[i].kind != kind || vv[i] == NONE)
            continue;
        uint32_t v = vv[i] & ~MM_BIT;
        if (vv[i] & MM_BIT) {
            d->mm_max = d->mm_n++ == 0 || v > d->mm_max ? v : d->mm_max;
        } else if (d->own_n++ == 0 || v > d->own_max) {
            d->own_max = v;
            d->own_max_op = i;
        }
        if (d->n == 0 || v > d->max) {
            d->max = v;
            d->max_op = i;
        }
        t[d->n++] = v;
        d->sum += v;
        d->hist[bucket_of(v)]++;
    }
    if (d->n) {
        qsort(t, d->n, sizeof *t, cmp_u32);
        d->min = t[0];
        d->median = t[(d->n - 1) / 2];
        size_t r = (size_t)((d->n * 99 + 99) / 100); /* nearest rank: ceil(0.99 n) */
        d->p99 = t[r - 1];
    }
    free(t);
    return 0;
}

/* ---- one heap x workload ------------------------------------------------------ */

struct plrun {
    const struct hb_subject *subject;
    const struct hb_workload *workload;
    const struct hb_opseq *seq;
    int ok;
    char detail[200];
    uint64_t nulls, peak_pool;
    uint64_t alloc_mm, free_mm; /* calls that reached the memory manager (its work not counted) */
    struct dist alloc, free_;
    size_t max_alloc_live; /* live allocations when the worst alloc ran */
};

static int measure(struct plrun *r, uint32_t cal)
{
    const struct hb_opseq *seq = r->seq;
    struct hb_instance in;
    char err[240];
    if (hb_instance_open(&in, r->subject, seq, err, sizeof err) != 0) {
        snprintf(r->detail, sizeof r->detail, "%.190s", err);
        return -1;
    }
    void **slots = calloc(seq->nslots ? seq->nslots : 1, sizeof *slots);
    uint32_t *v = malloc((seq->n ? seq->n : 1) * sizeof *v);
    uint32_t *raw = malloc((seq->n ? seq->n : 1) * sizeof *raw);
    uint32_t *live_at = malloc((seq->n ? seq->n : 1) * sizeof *live_at);
    if (!slots || !v || !raw || !live_at) {
        snprintf(r->detail, sizeof r->detail, "out of memory");
        free(slots), free(v), free(raw), free(live_at);
        hb_instance_close(&in);
        return -1;
    }
    hb_alloc_fn A = in.alloc;
    hb_free_fn F = in.free;
    hb_heap *h = in.h;
    size_t na = 0, nf = 0;
    uint32_t live = 0;
    for (size_t i = 0; i < seq->n; i++) {
        const struct hb_op *op = &seq->ops[i];
        if (op->kind == HB_OP_ALLOC) {
            live_at[i] = live;
            hb_mark_alloc_begin();
            void *p = A(h, op->size, op->align, op->tag);
            hb_mark_alloc_end();
            slots[op->slot] = p;
            r->nulls += p == NULL;
            live += p != NULL;
            v[i] = 0;
            na++;
        } else if (slots[op->slot]) {
            hb_mark_free_begin();
            F(h, slots[op->slot]);
            hb_mark_free_end();
            slots[op->slot] = NULL;
            live--;
            v[i] = 0;
            nf++;
        } else
            v[i] = NONE;
    }
    hb_mark_flush();
    if (in.mm) {
        struct hb_mm_counters c;
        hb_mm_counters(in.mm, &c);
        r->peak_pool = c.peak_bytes_out;
    }
    hb_instance_close(&in);
    free(slots);
    /* The records come in op order, alloc and free interleaved: read them
       one by one into their ops. */
    int rc = 0;
    for (size_t i = 0; i < seq->n && rc == 0; i++) {
        if (v[i] == NONE)
            continue;
        char k = seq->ops[i].kind == HB_OP_ALLOC ? 'A' : 'F';
        rc = counts_read(k, 1, &raw[i]);
        uint32_t mm = rc == 0 ? raw[i] & MM_BIT : 0;
        raw[i] &= ~MM_BIT;
        if (mm && seq->ops[i].kind == HB_OP_ALLOC)
            r->alloc_mm++;
        else if (mm)
            r->free_mm++;
        if (rc == 0 && raw[i] < cal) {
            fprintf(stderr, "hb-bench: a count (%u) below the calibration (%u)\n", (unsigned)raw[i], (unsigned)cal);
            rc = -1;
        }
        if (rc == 0)
            v[i] = (raw[i] - cal) | mm;
    }
    (void)na, (void)nf;
    if (rc == 0 && (make_dist(seq, v, HB_OP_ALLOC, &r->alloc) != 0 || make_dist(seq, v, HB_OP_FREE, &r->free_) != 0))
        rc = -1;
    if (rc == 0 && r->alloc.n)
        r->max_alloc_live = live_at[r->alloc.max_op];
    free(v), free(raw), free(live_at);
    if (rc != 0)
        snprintf(r->detail, sizeof r->detail, "counts do not match the sequence (see stderr)");
    return rc;
}

/* ---- targets (issue 3; shown by the bench, judged on the cross targets) ----- */

/* A target is judged on the instructions inside the heap: the measured
   figure less the call sequence (argument set-up, indirect call, return),
   which the "(empty)" subject measures alone for each operation. */
struct verdict {
    const char *heap, *what;
    double limit, value; /* value: in the heap, call sequence excluded */
    double gross, call;  /* as measured, and the call sequence it includes */
    const char *where;   /* workload */
};

/* The call sequence of alloc (use_alloc) or free: the "(empty)" subject's
   median; -1 when (empty) did not run. */
static double call_sequence(const struct plrun *runs, size_t nruns, int use_alloc)
{
    for (size_t i = 0; i < nruns; i++)
        if (runs[i].ok && strcmp(runs[i].subject->name, "(empty)") == 0) {
            const struct dist *d = use_alloc ? &runs[i].alloc : &runs[i].free_;
            if (d->n)
                return d->median;
        }
    return -1;
}

static struct verdict make_verdict(const char *heap, const char *what, double limit, double gross, double call,
                                   const char *where)
{
    double net = call >= 0 ? gross - call : gross;
    return (struct verdict){heap, what, limit, net, gross, call, where};
}

static int is_x86(void)
{
    return strcmp(HB_ARCH_NAME, "x86") == 0;
}
static int is_mips(void)
{
    return strncmp(HB_ARCH_NAME, "mips", 4) == 0;
}

static size_t judge(const struct plrun *runs, size_t nruns, struct verdict *v, size_t maxv)
{
    size_t n = 0;
    if (!is_x86() && !is_mips())
        return 0;
    double call[2] = {call_sequence(runs, nruns, 0), call_sequence(runs, nruns, 1)};
    /* worst over every workload, per heap and op */
    struct {
        const char *heap;
        const char *op;
        int use_alloc;
        double limit;
        const char *only; /* only this workload, or NULL */
    } rules[] = {
        {"tlsf", "alloc max", 1, is_x86() ? 150 : 160, NULL},
        {"tlsf", "free max", 0, 140, NULL},
        {"slab", "cached alloc p99", 1, 40, "hot-64"},
        {"slab", "cached free p99", 0, 40, "hot-64"},
        {"bump", "alloc max", 1, 15, NULL},
        {"bump", "free max", 0, 15, NULL},
    };
    for (size_t k = 0; k < sizeof rules / sizeof *rules && n < maxv; k++) {
        double worst = -1;
        const char *where = NULL;
        for (size_t i = 0; i < nruns; i++) {
            const struct plrun *r = &runs[i];
            if (!r->ok || strcmp(r->subject->name, rules[k].heap) != 0 ||
                (rules[k].only && strcmp(r->workload->name, rules[k].only) != 0))
                continue;
            const struct dist *d = rules[k].use_alloc ? &r->alloc : &r->free_;
            /* slab's cached path: p99 of hot-64, past its warm-up (the first slab) */
            double x = rules[k].only ? d->p99 : d->own_max;
            if (d->own_n && x > worst) {
                worst = x;
                where = r->workload->name;
            }
        }
        if (where)
            v[n++] = make_verdict(rules[k].heap, rules[k].op, rules[k].limit, worst, call[rules[k].use_alloc], where);
    }
    /* buddy: 40 x log2(pool / 16) + 100, pool = that run's peak pool */
    for (int use_alloc = 1; use_alloc >= 0 && n < maxv; use_alloc--) {
        double worst_ratio = -1, value = 0, limit = 0;
        const char *where = NULL;
        for (size_t i = 0; i < nruns; i++) {
            const struct plrun *r = &runs[i];
            if (!r->ok || strcmp(r->subject->name, "buddy") != 0 || r->peak_pool < 16)
                continue;
            const struct dist *d = use_alloc ? &r->alloc : &r->free_;
            double lim = 40 * log2((double)r->peak_pool / 16) + 100;
            if (d->own_n && d->own_max / lim > worst_ratio) {
                worst_ratio = d->own_max / lim;
                value = d->own_max;
                limit = lim;
                where = r->workload->name;
            }
        }
        if (where)
            v[n++] = make_verdict("buddy", use_alloc ? "alloc max" : "free max", floor(limit), value, call[use_alloc],
                                  where);
    }
    return n;
}

/* ---- output ------------------------------------------------------------------- */

/* The worst runs of one subject: own path (no memory manager) and growth path. */
struct worst {
    const struct plrun *a, *f, *am, *fm;
};

static void find_worst(const struct plrun *runs, size_t nruns, const struct hb_subject *s, struct worst *w)
{
    memset(w, 0, sizeof *w);
    for (size_t i = 0; i < nruns; i++) {
        const struct plrun *r = &runs[i];
        if (r->subject != s || !r->ok)
            continue;
        if (r->alloc.own_n && (!w->a || r->alloc.own_max > w->a->alloc.own_max))
            w->a = r;
        if (r->free_.own_n && (!w->f || r->free_.own_max > w->f->free_.own_max))
            w->f = r;
        if (r->alloc.mm_n && (!w->am || r->alloc.mm_max > w->am->alloc.mm_max))
            w->am = r;
        if (r->free_.mm_n && (!w->fm || r->free_.mm_max > w->fm->free_.mm_max))
            w->fm = r;
    }
}

static void json_dist(struct hb_json *j, const char *key, const struct dist *d, const struct hb_opseq *seq)
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
        hb_json_uint(j, "max_size", seq->ops[d->max_op].size);
    } else {
        hb_json_null(j, "mean");
        hb_json_null(j, "min");
        hb_json_null(j, "median");
        hb_json_null(j, "p99");
        hb_json_null(j, "max");
        hb_json_null(j, "max_op");
        hb_json_null(j, "max_size");
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
    for (uint32_t b = 0; b < NBUCKETS; b++) {
        if (!d->hist[b])
            continue;
        uint64_t lo, hi;
        bucket_range(b, &lo, &hi);
        hb_json_obj(j, NULL);
        hb_json_uint(j, "lo", lo);
        hb_json_uint(j, "hi", hi);
        hb_json_uint(j, "count", d->hist[b]);
        hb_json_end_obj(j);
    }
    hb_json_end_arr(j);
    hb_json_end_obj(j);
}

static void write_json(FILE *f, const struct hb_pathlen_opts *o, const char *started, double seconds, uint32_t cal,
                       const struct plrun *runs, size_t nruns, const struct verdict *v, size_t nv)
{
    struct hb_json j;
    hb_json_init(&j, f);
    hb_json_obj(&j, NULL);
    hb_json_str(&j, "schema", "heapbench-pathlen/1");
    hb_json_obj(&j, "environment");
    hb_json_env_common(&j, o->commit, o->seed, started);
    hb_json_uint(&j, "calibration", cal);
    hb_json_end_obj(&j);
    hb_json_arr(&j, "results");
    for (size_t i = 0; i < nruns; i++) {
        const struct plrun *r = &runs[i];
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "heap", r->subject->name);
        hb_json_str(&j, "workload", r->workload->name);
        hb_json_str(&j, "family", hb_family_name(r->workload->family));
        hb_json_str(&j, "status", r->ok ? "ok" : "error");
        hb_json_str(&j, "detail", r->ok ? NULL : r->detail);
        hb_json_uint(&j, "peak_live_count", r->seq->peak_live_count);
        hb_json_uint(&j, "peak_pool_bytes", r->peak_pool);
        hb_json_uint(&j, "nulls", r->nulls);
        hb_json_uint(&j, "alloc_mm_calls", r->alloc_mm);
        hb_json_uint(&j, "free_mm_calls", r->free_mm);
        if (r->ok) {
            json_dist(&j, "alloc", &r->alloc, r->seq);
            json_dist(&j, "free", &r->free_, r->seq);
        } else {
            hb_json_null(&j, "alloc");
            hb_json_null(&j, "free");
        }
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);
    /* the path length proper: the worst path observed per heap */
    hb_json_arr(&j, "worst");
    for (size_t s = 0; s < o->nsubjects; s++) {
        struct worst w;
        find_worst(runs, nruns, o->subjects[s], &w);
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "heap", o->subjects[s]->name);
        for (int k = 0; k < 2; k++) {
            static const char *const keys[2][4] = {{"alloc_max", "alloc_workload", "alloc_max_mm", "alloc_workload_mm"},
                                                   {"free_max", "free_workload", "free_max_mm", "free_workload_mm"}};
            const struct plrun *own = k ? w.f : w.a, *mm = k ? w.fm : w.am;
            const struct dist *od = own ? (k ? &own->free_ : &own->alloc) : NULL;
            const struct dist *md = mm ? (k ? &mm->free_ : &mm->alloc) : NULL;
            if (own)
                hb_json_uint(&j, keys[k][0], od->own_max);
            else
                hb_json_null(&j, keys[k][0]);
            hb_json_str(&j, keys[k][1], own ? own->workload->name : NULL);
            if (mm)
                hb_json_uint(&j, keys[k][2], md->mm_max);
            else
                hb_json_null(&j, keys[k][2]);
            hb_json_str(&j, keys[k][3], mm ? mm->workload->name : NULL);
        }
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);
    hb_json_arr(&j, "targets");
    for (size_t i = 0; i < nv; i++) {
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "heap", v[i].heap);
        hb_json_str(&j, "what", v[i].what);
        hb_json_num(&j, "limit", v[i].limit);
        hb_json_num(&j, "value", v[i].value);
        hb_json_num(&j, "gross", v[i].gross);
        if (v[i].call >= 0)
            hb_json_num(&j, "call_sequence", v[i].call);
        else
            hb_json_null(&j, "call_sequence");
        hb_json_str(&j, "workload", v[i].where);
        hb_json_bool(&j, "met", v[i].value <= v[i].limit);
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);
    hb_json_num(&j, "total_seconds", seconds);
    hb_json_end_obj(&j);
    fputc('\n', f);
}

static void write_csvs(const char *dir, const struct plrun *runs, size_t nruns)
{
    char path[1100];
    struct hb_afile a;
    snprintf(path, sizeof path, "%.1000s/%s-pathlen.csv", dir, HB_TARGET);
    if (hb_afile_open(&a, path) == 0) {
        fprintf(a.f, "target,heap,workload,family,op,calls,min,median,p99,max,mean,max_op,max_size,"
                     "peak_live_count,peak_pool_bytes,nulls,mm_calls\n");
        for (size_t i = 0; i < nruns; i++) {
            const struct plrun *r = &runs[i];
            for (int k = 0; k < 2 && r->ok; k++) {
                const struct dist *d = k ? &r->free_ : &r->alloc;
                if (!d->n)
                    continue;
                fprintf(a.f, "%s,%s,%s,%s,%s,%llu,%u,%u,%u,%u,%.2f,%zu,%zu,%zu,%llu,%llu,%llu\n", HB_TARGET,
                        r->subject->name, r->workload->name, hb_family_name(r->workload->family), k ? "free" : "alloc",
                        (unsigned long long)d->n, (unsigned)d->min, (unsigned)d->median, (unsigned)d->p99,
                        (unsigned)d->max, (double)d->sum / (double)d->n, d->max_op, r->seq->ops[d->max_op].size,
                        r->seq->peak_live_count, (unsigned long long)r->peak_pool, (unsigned long long)r->nulls,
                        (unsigned long long)(k ? r->free_mm : r->alloc_mm));
            }
        }
        if (hb_afile_commit(&a) != 0)
            fprintf(stderr, "hb-bench: cannot write %s\n", path);
    }
    snprintf(path, sizeof path, "%.1000s/%s-pathlen-hist.csv", dir, HB_TARGET);
    if (hb_afile_open(&a, path) == 0) {
        fprintf(a.f, "target,heap,workload,op,lo,hi,count\n");
        for (size_t i = 0; i < nruns; i++) {
            const struct plrun *r = &runs[i];
            for (int k = 0; k < 2 && r->ok; k++) {
                const struct dist *d = k ? &r->free_ : &r->alloc;
                for (uint32_t b = 0; b < NBUCKETS; b++) {
                    if (!d->hist[b])
                        continue;
                    uint64_t lo, hi;
                    bucket_range(b, &lo, &hi);
                    fprintf(a.f, "%s,%s,%s,%s,%llu,%llu,%llu\n", HB_TARGET, r->subject->name, r->workload->name,
                            k ? "free" : "alloc", (unsigned long long)lo, (unsigned long long)hi,
                            (unsigned long long)d->hist[b]);
                }
            }
        }
        if (hb_afile_commit(&a) != 0)
            fprintf(stderr, "hb-bench: cannot write %s\n", path);
    }
}

static void print_table(FILE *f, const struct hb_pathlen_opts *o, uint32_t cal, const struct plrun *runs, size_t nruns,
                        const struct verdict *v, size_t nv)
{
    fprintf(f,
            "\n== path length, target %s (%s): guest instructions per call, exact (QEMU plugin), "
            "marker overhead %u subtracted ==\n",
            HB_TARGET, HB_ARCH_NAME, (unsigned)cal);
    fprintf(f, "%-9s %6s %6s %6s %6s %-12s %6s %-12s| %6s %6s %6s %6s %-12s %6s %-12s\n", "heap", "A med", "A p99",
            "A max", "A own", "(workload)", "A mm", "(workload)", "F med", "F p99", "F max", "F own", "(workload)",
            "F mm", "(workload)");
    for (size_t s = 0; s < o->nsubjects; s++) {
        const struct plrun *ch = NULL;
        int failed = 0;
        for (size_t i = 0; i < nruns; i++) {
            const struct plrun *r = &runs[i];
            if (r->subject != o->subjects[s])
                continue;
            failed |= !r->ok;
            if (r->ok && strcmp(r->workload->name, "churn") == 0)
                ch = r;
        }
        struct worst w;
        find_worst(runs, nruns, o->subjects[s], &w);
        char b[12][24];
        for (int k = 0; k < 2; k++) {
            const struct dist *c = ch ? (k ? &ch->free_ : &ch->alloc) : NULL;
            const struct plrun *own = k ? w.f : w.a, *mm = k ? w.fm : w.am;
            char *x = b[6 * k];
            snprintf(x, 24, c && c->n ? "%u" : "-", c ? (unsigned)c->median : 0);
            snprintf(b[6 * k + 1], 24, c && c->n ? "%u" : "-", c ? (unsigned)c->p99 : 0);
            snprintf(b[6 * k + 2], 24, c && c->n ? "%u" : "-", c ? (unsigned)c->max : 0);
            snprintf(b[6 * k + 3], 24, own ? "%u" : "-", own ? (unsigned)(k ? own->free_ : own->alloc).own_max : 0);
            snprintf(b[6 * k + 4], 24, mm ? "%u" : "-", mm ? (unsigned)(k ? mm->free_ : mm->alloc).mm_max : 0);
            snprintf(b[6 * k + 5], 24, "%s", "");
        }
        fprintf(f, "%-9s %6s %6s %6s %6s %-12.12s %6s %-12.12s| %6s %6s %6s %6s %-12.12s %6s %-12.12s%s\n",
                o->subjects[s]->name, b[0], b[1], b[2], b[3], w.a ? w.a->workload->name : "-", b[4],
                w.am ? w.am->workload->name : "-", b[6], b[7], b[8], b[9], w.f ? w.f->workload->name : "-", b[10],
                w.fm ? w.fm->workload->name : "-", failed ? "  (FAILED runs)" : "");
    }
    fprintf(f, "med/p99/max: on churn, every call.  own: the longest path over every workload of the calls that "
               "did not reach the memory manager (the path length proper, judged below).  mm: the longest path of "
               "a call that grew or shrank the heap through get_pages/put_pages (their own instructions "
               "excluded).  (empty): the call sequence alone.\n");
    /* growth: median and max against the live-set size */
    int any = 0;
    for (size_t i = 0; i < nruns; i++)
        any |= runs[i].workload->family == HB_FAMILY_GROWTH && runs[i].ok;
    if (any) {
        fprintf(f, "growth (alloc median/max | free median/max) against live allocations:\n");
        for (size_t s = 0; s < o->nsubjects; s++) {
            fprintf(f, "  %-9s", o->subjects[s]->name);
            for (size_t i = 0; i < nruns; i++) {
                const struct plrun *r = &runs[i];
                if (r->subject != o->subjects[s] || !r->ok || r->workload->family != HB_FAMILY_GROWTH)
                    continue;
                fprintf(f, "  %zu: %u/%u | %u/%u", r->workload->params.live, (unsigned)r->alloc.median,
                        (unsigned)r->alloc.max, (unsigned)r->free_.median, (unsigned)r->free_.max);
            }
            fprintf(f, "\n");
        }
    }
    for (size_t i = 0; i < nv; i++)
        if (v[i].call >= 0)
            fprintf(f,
                    "target: %s %s <= %.0f: %.0f in the heap (%.0f measured less the %.0f-instruction call sequence)"
                    " on %s: %s\n",
                    v[i].heap, v[i].what, v[i].limit, v[i].value, v[i].gross, v[i].call, v[i].where,
                    v[i].value <= v[i].limit ? "met" : "MISSED");
        else
            fprintf(f, "target: %s %s <= %.0f: %.0f measured (no (empty) run, call sequence included) on %s: %s\n",
                    v[i].heap, v[i].what, v[i].limit, v[i].value, v[i].where,
                    v[i].value <= v[i].limit ? "met" : "MISSED");
    for (size_t i = 0; i < nruns; i++)
        if (!runs[i].ok)
            fprintf(f, "failed: %s / %s: %s\n", runs[i].subject->name, runs[i].workload->name, runs[i].detail);
}

int hb_pathlen_main(const struct hb_pathlen_opts *o)
{
    uint64_t t0 = hb_now_ns();
    char started[64];
    time_t now = time(NULL);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    uint32_t cal;
    if (counts_open(o->counts) != 0 || calibrate(&cal) != 0)
        return 2;
    hb_pathlen_mark_mm = 1;
    size_t nruns = o->nsubjects * o->nworkloads;
    struct plrun *runs = calloc(nruns ? nruns : 1, sizeof *runs);
    if (!runs)
        return 1;
    int status = 0;
    size_t k = 0;
    for (size_t s = 0; s < o->nsubjects; s++)
        for (size_t w = 0; w < o->nworkloads; w++, k++) {
            struct plrun *r = &runs[k];
            r->subject = o->subjects[s];
            r->workload = o->workloads[w];
            r->seq = &o->seqs[w];
            fprintf(stderr, "[%s] pathlen %3zu/%zu  %s / %s\n", HB_TARGET, k + 1, nruns, r->subject->name,
                    r->workload->name);
            r->ok = measure(r, cal) == 0;
            if (!r->ok) {
                fprintf(stderr, "[%s] FAILED pathlen %s / %s: %s\n", HB_TARGET, r->subject->name, r->workload->name,
                        r->detail);
                status = 1;
                if (strstr(r->detail, "counts"))
                    break; /* out of step: nothing after this can be joined */
            }
        }
    struct verdict v[16];
    size_t nv = judge(runs, k, v, 16);
    double seconds = (double)(hb_now_ns() - t0) * 1e-9;
    char path[1100];
    struct hb_afile a;
    snprintf(path, sizeof path, "%.1000s/%s-pathlen.json", o->outdir, HB_TARGET);
    if (hb_afile_open(&a, path) != 0) {
        fprintf(stderr, "hb-bench: cannot write %s: %s\n", path, strerror(errno));
        free(runs);
        return 1;
    }
    write_json(a.f, o, started, seconds, cal, runs, k, v, nv);
    if (hb_afile_commit(&a) != 0)
        status = 1;
    write_csvs(o->outdir, runs, k);
    snprintf(path, sizeof path, "%.1000s/%s-pathlen-summary.txt", o->outdir, HB_TARGET);
    if (hb_afile_open(&a, path) == 0) {
        print_table(a.f, o, cal, runs, k, v, nv);
        if (hb_afile_commit(&a) != 0)
            status = 1;
    }
    print_table(stdout, o, cal, runs, k, v, nv);
    printf("[%s] path length: %zu heap x workload runs in %.1f s; results in %s\n", HB_TARGET, k, seconds, o->outdir);
    free(runs);
    return status;
}

/*
 * main.c - hb-bench, the bench runner of one target: options, the
 * selection of heaps and workloads, then the supervised meters (run.c) and
 * the reporter (report.c).  See docs/metrics.md and docs/results-schema.md.
 *
 * Exit status: 0 when every heap x workload of every meter completed and
 * passed the shadow check; 1 when any failed or was invalid (the others'
 * figures are complete all the same) or a file could not be written; 2 for
 * bad options or input.  The run folder is created only after every option
 * and workload was accepted.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "buildinfo.h"
#include "pathlen.h"
#include "registry.h"
#include "run.h"
#include "supervise.h"

#define MAX_SUBJECTS 64
#define MAX_WORKLOADS 128
#define OUT_MAX 900 /* room for "/<target>-pathlen-hist.csv.tmp.<pid>" in a 1100-byte path */

/* Heaps linked only into the test build (hb-bench-faults): none here. */
extern const struct hb_heap_ops *const hb_bench_test_heaps[];

static struct hb_subject subjects[MAX_SUBJECTS];
static size_t nsubjects;
static const struct hb_workload *workloads[MAX_WORKLOADS];
static struct hb_opseq seqs[MAX_WORKLOADS];

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hb-bench [options]\n"
            "Runs heapbench's workloads on every heap of this target (" HB_TARGET ") and writes a run folder.\n"
            "  --list              list the heaps and workloads, then exit\n"
            "  --heap A,B,...      heaps to run (default: every registered heap); malloc, the speed\n"
            "                      baseline, always runs with the speed meter\n"
            "  --workload A,B,...  workloads to run (default: all; promises are judged on full sets only)\n"
            "  --seed N            run seed, decimal (default 1); every workload derives its own from it\n"
            "  --out DIR           run folder (default results/<UTC time>); files are <target>*\n"
            "  --trace-dir DIR     folder of NAME.trace files replayed as trace-NAME (default: the build's)\n"
            "  --trace FILE        also replay FILE as a trace workload (repeatable)\n"
            "  --repetitions N     speed repetitions, 1..%d (default 9; fewer are marked not comparable)\n"
            "  --rep-ms MS         wall time aimed at per repetition (default 20)\n"
            "  --reps-per-child N  speed repetitions one child runs per round, 1..16 (default 3;\n"
            "                      under an emulator, all of them)\n"
            "  --speed-budget S    seconds the whole speed meter may take (default: 3x its plan + 30)\n"
            "  --timeout S         seconds of CPU time one pass of a heap x workload may use (default 60;\n"
            "                      one using no CPU for that long + %g s counts as blocked)\n"
            "  --initial-bytes N   the initial block of every heap that expands, in bytes (or with K, M, G),\n"
            "                      rounded up to pages, at least the heap's min_initial (default 64K);\n"
            "                      promises are judged with the default only\n"
            "  --stats-every K     fragmentation: read stats after every K-th operation (default 1, exact;\n"
            "                      16 under an emulator)\n"
            "  --no-speed          skip the speed meter\n"
            "  --no-quality        skip the fragmentation and metadata meter\n"
            "  --minpool, --no-minpool  run (skip) the minimum-pool meter: a bisection, about 10 runs of\n"
            "                      each heap x workload (default: on with host timing, off under an emulator)\n"
            "  --pathlen FILE      also the path length: run under qemu-<arch> -plugin libhbpath.so,out=FILE\n"
            "                      (tools/qemu-plugin/)\n"
            "  --pathlen-probe FILE  the plugin's calibration and probe figures (the exactness test)\n"
            "  --help              this text\n"
            "Timing on this build is '%s'%s.  Exit status: 0 all complete, 1 a heap x workload failed or was\n"
            "invalid (listed at the end and in the JSON), 2 bad usage or input.\n",
            HB_MAX_REPS, HB_SV_MARGIN, HB_TIMING,
            strcmp(HB_TIMING, "emulator") == 0 ? " (measures the emulator, not the hardware)" : "");
}

static void print_heap_names(FILE *f)
{
    for (size_t i = 0; i < nsubjects; i++)
        if (subjects[i].kind != HB_SUBJECT_EMPTY)
            fprintf(f, "%s%s", i ? ", " : "", subjects[i].name);
}

static const struct hb_subject *find_subject(const char *name)
{
    for (size_t i = 0; i < nsubjects; i++)
        if (strcmp(subjects[i].name, name) == 0)
            return &subjects[i];
    return NULL;
}

static int in_list(const char *list, const char *name)
{
    if (!list)
        return 1;
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

/* Every name in list must be valid and the list not empty; else a message
   listing the valid ones. */
static int check_list(const char *list, const char *what, int (*valid)(const char *), void (*names)(FILE *))
{
    if (!list)
        return 0;
    if (strspn(list, ",") == strlen(list)) {
        fprintf(stderr, "hb-bench: --%s: an empty list; valid %ss: ", what, what);
        names(stderr);
        fprintf(stderr, "\n");
        return -1;
    }
    char buf[256];
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 200 ? len : 200), p);
        if (len && !valid(buf)) {
            fprintf(stderr, "hb-bench: unknown %s '%s'; valid %ss: ", what, buf, what);
            names(stderr);
            fprintf(stderr, "\n");
            return -1;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

static int valid_heap(const char *n)
{
    const struct hb_subject *s = find_subject(n);
    return s && s->kind != HB_SUBJECT_EMPTY;
}

static int valid_workload(const char *n)
{
    return hb_find_workload(n) != NULL;
}

static int mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* A number option: the whole value must parse, finite, within [lo, hi]. */
static int parse_num(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(x) || x < lo || x > hi) {
        fprintf(stderr, "hb-bench: %s: '%s' is not a number in [%g, %g]\n", opt, v, lo, hi);
        return -1;
    }
    *out = x;
    return 0;
}

/* --initial-bytes: a whole number of bytes, or of KiB, MiB, GiB with a
   suffix K, M, G; at least a page and at most the arena cap. */
static int parse_bytes(const char *opt, const char *v, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    unsigned shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;
    end += shift != 0;
    if (!*v || *end || errno || *v == '-' || *v == '+' || x > (unsigned long long)HB_ARENA_CAP >> shift ||
        x << shift < HB_PAGE_SIZE) {
        fprintf(stderr, "hb-bench: %s: '%s' is not a size from %u to %zu bytes (a whole number, or with K, M or G)\n",
                opt, v, (unsigned)HB_PAGE_SIZE, (size_t)HB_ARENA_CAP);
        return -1;
    }
    *out = (size_t)(x << shift);
    return 0;
}

static int parse_seed(const char *v, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || *v == '-' || *v == '+') {
        fprintf(stderr, "hb-bench: --seed: '%s' is not an unsigned decimal number\n", v);
        return -1;
    }
    *out = x;
    return 0;
}

static const char *commit_id(void)
{
    const char *c = getenv("HB_COMMIT");
    return c && *c ? c : HB_GIT_COMMIT;
}

static double load_per_cpu(void)
{
    double l = NAN;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = NAN;
        fclose(f);
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? l / (double)n : l;
}

/* Each "LAYER:HEAP" name of the --heap list that the registry resolves (a heap
   through the debug or lock layer) becomes a subject that runs when named. */
static void add_layered_subjects(const char *heap_list)
{
    for (const char *p = heap_list; p && *p && nsubjects < MAX_SUBJECTS - 2;) {
        size_t len = strcspn(p, ",");
        char name[128];
        if (len < sizeof name && memchr(p, ':', len)) {
            memcpy(name, p, len);
            name[len] = '\0';
            const struct hb_heap_ops *ops = hb_find_heap(name);
            if (ops && !find_subject(ops->name))
                subjects[nsubjects++] = (struct hb_subject){ops->name, ops->summary, HB_SUBJECT_HEAP, 1, ops};
        }
        p += len + (p[len] == ',');
    }
}

static void add_subjects(const char *heap_list)
{
    for (const struct hb_heap_ops *const *p = hb_registered_heaps; *p && nsubjects < MAX_SUBJECTS - 2; p++)
        subjects[nsubjects++] = (struct hb_subject){(*p)->name, (*p)->summary, HB_SUBJECT_HEAP, 0, *p};
    /* A test heap named as a registered one stands in for it (the gate's test: slowheap.c). */
    for (const struct hb_heap_ops *const *p = hb_bench_test_heaps; *p && nsubjects < MAX_SUBJECTS - 2; p++) {
        size_t same = 0;
        while (same < nsubjects && strcmp(subjects[same].name, (*p)->name) != 0)
            same++;
        if (same < nsubjects)
            subjects[same].ops = *p;
        else
            subjects[nsubjects++] = (struct hb_subject){(*p)->name, (*p)->summary, HB_SUBJECT_HEAP, 0, *p};
    }
    for (const struct hb_heap_ops *const *p = hb_example_heaps; *p && nsubjects < MAX_SUBJECTS - 2; p++)
        subjects[nsubjects++] = (struct hb_subject){(*p)->name, (*p)->summary, HB_SUBJECT_HEAP, 1, *p};
    add_layered_subjects(heap_list);
    subjects[nsubjects++] = hb_subject_malloc;
    subjects[nsubjects++] = hb_subject_empty;
}

/* The records: selected heaps x workloads; malloc and (empty) with the
   speed meter; (empty) with the path-length meter (the call sequence). */
static int make_records(struct hb_run *r, const char *heap_list)
{
    size_t n = 0;
    r->recs = calloc(nsubjects * (r->nworkloads ? r->nworkloads : 1), sizeof *r->recs);
    if (!r->recs)
        return -1;
    for (size_t s = 0; s < nsubjects; s++) {
        const struct hb_subject *sub = &subjects[s];
        int selected = sub->kind == HB_SUBJECT_HEAP     ? in_list(heap_list, sub->name) && (heap_list || !sub->by_name)
                       : sub->kind == HB_SUBJECT_MALLOC ? r->speed
                                                        : r->speed || r->counts;
        for (size_t w = 0; selected && w < r->nworkloads; w++)
            r->recs[n++] = (struct hb_record){.subject = s, .workload = w};
    }
    r->nrecs = n;
    return 0;
}

static int build_workloads(struct hb_run *r, const char *wl_list, size_t first_extra)
{
    size_t n = 0;
    for (size_t i = 0; i < hb_workload_count() && n < MAX_WORKLOADS; i++) {
        const struct hb_workload *w = hb_workload_at(i);
        if (!in_list(wl_list, w->name) && i < first_extra) /* a --trace is always run */
            continue;
        char err[512];
        if (hb_workload_build(w, r->seed, &seqs[n], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        workloads[n++] = w;
    }
    r->workloads = workloads;
    r->seqs = seqs;
    r->nworkloads = n;
    r->full_workload_set = wl_list == NULL;
    return 0;
}

int main(int argc, char **argv)
{
    const char *heap_list = NULL, *wl_list = NULL, *trace_dir = HB_TRACE_DIR, *probe = NULL;
    static const char **traces; /* one per --trace: at most argc */
    traces = calloc((size_t)argc, sizeof *traces);
    size_t ntraces = 0;
    if (!traces) {
        fprintf(stderr, "hb-bench: out of memory\n");
        return 1;
    }
    int list = 0;
    double reps = 9;
    struct hb_run r = {.seed = 1, .rep_ms = 20, .timeout = 60, .speed = 1, .quality = 1};
    double per_child = 0;   /* default: 3 on the host; every repetition in one child under an emulator */
    double stats_every = 0; /* default: 1 (exact) on the host, 16 under an emulator */
    int minpool = -1;       /* default: on with host timing, off under an emulator */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        int needs = strcmp(a, "--help") != 0 && strcmp(a, "-h") != 0 && strcmp(a, "--list") != 0 &&
                    strcmp(a, "--no-speed") != 0 && strcmp(a, "--no-quality") != 0 && strcmp(a, "--minpool") != 0 &&
                    strcmp(a, "--no-minpool") != 0;
        if (needs && i + 1 >= argc) {
            fprintf(stderr, "hb-bench: %s needs a value (see --help)\n", a);
            return 2;
        }
        i += needs;
        int bad = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--list") == 0)
            list = 1;
        else if (strcmp(a, "--heap") == 0)
            heap_list = v;
        else if (strcmp(a, "--workload") == 0)
            wl_list = v;
        else if (strcmp(a, "--seed") == 0)
            bad = parse_seed(v, &r.seed);
        else if (strcmp(a, "--out") == 0) {
            r.outdir = v;
            if (!*v || strlen(v) > OUT_MAX) {
                fprintf(stderr, "hb-bench: --out: the path must have 1 to %d characters (got %zu)\n", OUT_MAX,
                        strlen(v));
                bad = 1;
            }
        } else if (strcmp(a, "--trace-dir") == 0)
            trace_dir = v;
        else if (strcmp(a, "--trace") == 0)
            traces[ntraces++] = v;
        else if (strcmp(a, "--repetitions") == 0)
            bad = parse_num(a, v, 1, HB_MAX_REPS, &reps) || reps != floor(reps);
        else if (strcmp(a, "--stats-every") == 0)
            bad = parse_num(a, v, 1, 1e9, &stats_every) || stats_every != floor(stats_every);
        else if (strcmp(a, "--reps-per-child") == 0)
            bad = parse_num(a, v, 1, 16, &per_child) || per_child != floor(per_child);
        else if (strcmp(a, "--rep-ms") == 0)
            bad = parse_num(a, v, 0.01, 60000, &r.rep_ms);
        else if (strcmp(a, "--speed-budget") == 0)
            bad = parse_num(a, v, 1, 86400, &r.speed_budget);
        else if (strcmp(a, "--timeout") == 0)
            bad = parse_num(a, v, 0.1, 86400, &r.timeout);
        else if (strcmp(a, "--initial-bytes") == 0)
            bad = parse_bytes(a, v, &r.initial_bytes);
        else if (strcmp(a, "--no-speed") == 0)
            r.speed = 0;
        else if (strcmp(a, "--no-quality") == 0)
            r.quality = 0;
        else if (strcmp(a, "--minpool") == 0 || strcmp(a, "--no-minpool") == 0)
            minpool = strcmp(a, "--minpool") == 0;
        else if (strcmp(a, "--pathlen") == 0)
            r.counts = v;
        else if (strcmp(a, "--pathlen-probe") == 0)
            probe = v;
        else {
            fprintf(stderr, "hb-bench: unknown option '%s' (see --help)\n", a);
            return 2;
        }
        if (bad) {
            if (strcmp(a, "--repetitions") == 0)
                fprintf(stderr, "hb-bench: --repetitions: a whole number 1..%d\n", HB_MAX_REPS);
            return 2;
        }
    }
    r.reps = (int)reps;
    r.minpool = minpool >= 0 ? minpool : strcmp(HB_TIMING, "emulator") != 0;
    r.stats_every = stats_every > 0 ? (size_t)stats_every : strcmp(HB_TIMING, "emulator") == 0 ? 16 : 1;
    r.reps_per_child = per_child > 0 ? (int)per_child : strcmp(HB_TIMING, "emulator") == 0 ? r.reps : 3;
    if (probe)
        return hb_pathlen_probe(probe);
    add_subjects(heap_list);
    char wl_err[512];
    if (hb_workloads_init(trace_dir && *trace_dir ? trace_dir : NULL, wl_err, sizeof wl_err) != 0) {
        fprintf(stderr, "hb-bench: %s\n", wl_err);
        return 2;
    }
    size_t first_extra = hb_workload_count();
    for (size_t i = 0; i < ntraces; i++)
        if (!hb_workloads_add_trace(traces[i], wl_err, sizeof wl_err)) {
            fprintf(stderr, "hb-bench: %s\n", wl_err);
            return 1;
        }
    free(traces);
    if (list) {
        printf("heaps (target %s):\n", HB_TARGET);
        for (size_t i = 0; i + 1 < nsubjects; i++)
            printf("  %-10s %s%s\n", subjects[i].name, subjects[i].summary,
                   subjects[i].kind == HB_SUBJECT_MALLOC ? " [not a kernel heap]" : "");
        printf("workloads:\n");
        for (size_t i = 0; i < hb_workload_count(); i++)
            printf("  %-16s %s\n", hb_workload_at(i)->name, hb_workload_at(i)->summary);
        return 0;
    }
    if (hb_workload_count() > MAX_WORKLOADS) {
        fprintf(stderr, "hb-bench: %zu workloads; this build runs at most %d\n", hb_workload_count(), MAX_WORKLOADS);
        return 2;
    }
    if (check_list(heap_list, "heap", valid_heap, print_heap_names) != 0 ||
        check_list(wl_list, "workload", valid_workload, hb_print_workload_names) != 0)
        return 2;

    uint64_t t_start = hb_now_ns();
    time_t now = time(NULL);
    strftime(r.started, sizeof r.started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char outdir[1024];
    if (r.outdir)
        snprintf(outdir, sizeof outdir, "%s", r.outdir);
    else {
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", gmtime(&now));
        snprintf(outdir, sizeof outdir, "results/%s", stamp);
    }
    r.outdir = outdir;
    r.commit = commit_id();
    r.subjects = subjects;
    r.nsubjects = nsubjects;
    r.load_at_start = load_per_cpu();
    /* Every selected workload is built once (children inherit them) before
       the run folder exists: a bad trace leaves no empty folder behind. */
    if (build_workloads(&r, wl_list, first_extra) != 0)
        return 2;
    if (make_records(&r, heap_list) != 0) {
        fprintf(stderr, "hb-bench: out of memory\n");
        return 1;
    }
    if (mkdirs(outdir) != 0) {
        fprintf(stderr, "hb-bench: cannot create %s: %s\n", outdir, strerror(errno));
        free(r.recs);
        return 1;
    }
    fprintf(stderr, "[%s] seed %llu; %zu workloads, %zu heap x workload records; timing: %s; results in %s\n",
            HB_TARGET, (unsigned long long)r.seed, r.nworkloads, r.nrecs, HB_TIMING, outdir);
    if (hb_run_meters(&r) != 0) {
        free(r.recs);
        return 1;
    }
    r.seconds = (double)(hb_now_ns() - t_start) * 1e-9;
    int rc = hb_write_report(&r);
    size_t nf = hb_count_failures(&r), nrecs = r.nrecs;
    free(r.recs);
    printf("[%s] %zu heap x workload records in %.1f s, %zu failed or invalid; results in %s\n", HB_TARGET, nrecs,
           r.seconds, nf, outdir);
    return rc != 0 || nf ? 1 : 0;
}

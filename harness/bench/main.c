/*
 * main.c - hb-bench, the bench runner of one target.
 *
 * Runs every selected workload on every selected heap with two meters:
 *   1. fragmentation and metadata: each heap x workload in a forked child
 *      with a timeout, so a heap that crashes or hangs is reported (heap,
 *      workload, signal or timeout, seed) and the run goes on;
 *   2. speed: Google Benchmark (through the C shim) in one forked child,
 *      repetitions randomly interleaved, over the pairs that survived 1,
 *      plus the C library's malloc (baseline, not a kernel heap) and the
 *      empty operation (harness overhead).
 * Then writes the run folder atomically and prints the summary table.
 * See docs/metrics.md and docs/results-schema.md.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "pathlen.h"
#include "registry.h"
#include "buildinfo.h"
#include "results.h"

#define MAX_SUBJECTS 64
#define MAX_REPS 64

struct combo {
    size_t subject, workload;
    /* quality meter (heaps only) */
    int quality_ran;
    char status[16]; /* ok, crashed, timeout, error, corrupt */
    char detail[240];
    struct hb_quality q;
    /* speed meter */
    int in_speed;
    size_t bench;
    int nreps;
    double alloc[MAX_REPS], free_[MAX_REPS], nulls;
    uint64_t iterations;
};

static struct hb_subject subjects[MAX_SUBJECTS];
static size_t nsubjects;
#define MAX_WORKLOADS 128
static const struct hb_workload *workloads[MAX_WORKLOADS];
static struct hb_opseq seqs[MAX_WORKLOADS];
static size_t nworkloads;
static struct combo *combos;
static size_t ncombos;

static struct {
    uint64_t seed;
    int reps;
    double rep_ms;
    double timeout;
    int speed, quality;
    const char *out;
    const char *pathlen, *pathlen_probe; /* the plugin's count file */
} opt = {1, 9, 20, 60, 1, 1, NULL, NULL, NULL};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: hb-bench [options]\n"
            "Runs heapbench's workloads on every heap of this target (" HB_TARGET ") and writes a run folder.\n"
            "  --list              list the heaps and workloads, then exit\n"
            "  --heap A,B,...      heaps to run (default: every registered heap, and malloc)\n"
            "  --workload A,B,...  workloads to run (default: all)\n"
            "  --seed N            run seed (default 1); every workload derives its own from it\n"
            "  --out DIR           run folder (default results/<UTC time>); files are <target>*.json/csv\n"
            "  --trace-dir DIR     folder of NAME.trace files replayed as trace-NAME (default: the build's)\n"
            "  --trace FILE        also replay FILE as workload trace-<name> (repeatable)\n"
            "  --repetitions N     speed repetitions (default 9; fewer are marked not comparable)\n"
            "  --rep-ms MS         wall time aimed at per repetition (default 20)\n"
            "  --timeout S         seconds one heap x workload may take in the quality meter (default 60)\n"
            "  --no-speed          skip the speed meter\n"
            "  --no-quality        skip the fragmentation and metadata meter\n"
            "  --pathlen FILE      path length instead: run under qemu-<arch> -plugin libhbpath.so,out=FILE\n"
            "                      (tools/qemu-plugin/); writes <target>-pathlen.json/csv\n"
            "  --pathlen-probe FILE  the plugin's calibration and probe figures (the exactness test)\n"
            "  --help              this text\n"
            "Timing on this build is '%s'%s.\n",
            HB_TIMING, strcmp(HB_TIMING, "emulator") == 0 ? " (measures the emulator, not the hardware)" : "");
}

static void print_heap_names(FILE *f)
{
    hb_print_heap_names(f);
    fprintf(f, ", malloc");
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

/* Every name in list must be valid; else a message listing the valid ones. */
static int check_list(const char *list, const char *what, int (*valid)(const char *), void (*names)(FILE *))
{
    if (!list)
        return 0;
    char buf[256];
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 200 ? len : 200), p);
        if (!valid(buf)) {
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
    return find_subject(n) && strcmp(n, "(empty)") != 0;
}
static int valid_workload(const char *n)
{
    return hb_find_workload(n) != NULL;
}

/* ---- children ------------------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads from fd until EOF, len bytes, or the deadline.  Bytes read, or -1
   on timeout. */
static ssize_t read_until(int fd, void *buf, size_t len, uint64_t deadline_ns)
{
    size_t got = 0;
    while (got < len) {
        uint64_t now = hb_now_ns();
        if (now >= deadline_ns)
            return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int ms = (int)((deadline_ns - now) / 1000000u) + 1;
        int r = poll(&pfd, 1, ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue;
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Waits for pid (killing it first when kill_it), and describes how it ended. */
static void reap(pid_t pid, int kill_it, char *status, size_t slen, char *detail, size_t dlen)
{
    int ws = 0;
    if (kill_it)
        kill(pid, SIGKILL);
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    if (kill_it) {
        snprintf(status, slen, "timeout");
        snprintf(detail, dlen, "timeout after %.0f s", opt.timeout);
    } else if (WIFSIGNALED(ws)) {
        snprintf(status, slen, "crashed");
        snprintf(detail, dlen, "signal %d (%s)", WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    } else if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0) {
        snprintf(status, slen, "error");
        if (!detail[0])
            snprintf(detail, dlen, "exit status %d", WEXITSTATUS(ws));
    }
}

static void quality_child(struct combo *c, int fd)
{
    struct hb_instance in;
    static struct hb_quality q;
    char err[240] = "";
    int ok = hb_instance_open(&in, &subjects[c->subject], &seqs[c->workload], err, sizeof err) == 0 &&
             hb_quality_run(&in, &seqs[c->workload], &q) == 0;
    int32_t tag = ok ? 0 : 1;
    write_all(fd, &tag, sizeof tag);
    if (ok)
        write_all(fd, &q, sizeof q);
    else
        write_all(fd, err, sizeof err);
    _exit(0);
}

static void progress(const char *meter, size_t k, size_t n, const char *heap, const char *wl)
{
    fprintf(stderr, "[%s] %-7s %3zu/%zu  %s / %s\n", HB_TARGET, meter, k, n, heap, wl);
}

static void run_quality(size_t nheapcombos)
{
    size_t k = 0;
    for (size_t i = 0; i < ncombos; i++) {
        struct combo *c = &combos[i];
        if (subjects[c->subject].kind != HB_SUBJECT_HEAP)
            continue;
        progress("quality", ++k, nheapcombos, subjects[c->subject].name, workloads[c->workload]->name);
        fflush(stderr);
        int fds[2];
        if (pipe(fds) != 0) {
            perror("pipe");
            exit(1);
        }
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            exit(1);
        }
        if (pid == 0) {
            close(fds[0]);
            quality_child(c, fds[1]);
        }
        close(fds[1]);
        uint64_t deadline = hb_now_ns() + (uint64_t)(opt.timeout * 1e9);
        int32_t tag = -1;
        int timed_out = 0;
        ssize_t n = read_until(fds[0], &tag, sizeof tag, deadline);
        if (n < 0)
            timed_out = 1;
        else if (n == (ssize_t)sizeof tag && tag == 0) {
            n = read_until(fds[0], &c->q, sizeof c->q, deadline);
            timed_out = n < 0;
            if (n == (ssize_t)sizeof c->q)
                c->quality_ran = 1;
        } else if (n == (ssize_t)sizeof tag && tag == 1) {
            if (read_until(fds[0], c->detail, sizeof c->detail, deadline) > 0)
                snprintf(c->status, sizeof c->status, "error");
        }
        close(fds[0]);
        char status[16] = "", detail[240] = "";
        reap(pid, timed_out, status, sizeof status, detail, sizeof detail);
        if (status[0]) {
            snprintf(c->status, sizeof c->status, "%s", status);
            snprintf(c->detail, sizeof c->detail, "%s", detail);
            c->quality_ran = 0;
        } else if (!c->quality_ran && !c->status[0]) {
            snprintf(c->status, sizeof c->status, "crashed");
            snprintf(c->detail, sizeof c->detail, "child ended without a result");
        }
        if (c->quality_ran && c->q.check_failed) {
            snprintf(c->status, sizeof c->status, "corrupt");
            snprintf(c->detail, sizeof c->detail, "check after the run: %s", c->q.check_msg);
        } else if (c->quality_ran && c->q.guard_damaged) {
            snprintf(c->status, sizeof c->status, "corrupt");
            snprintf(c->detail, sizeof c->detail, "%s", c->q.check_msg);
        } else if (c->quality_ran)
            snprintf(c->status, sizeof c->status, "ok");
        if (strcmp(c->status, "ok") != 0)
            fprintf(stderr, "[%s] FAILED %s / %s: %s: %s (seed %llu)\n", HB_TARGET, subjects[c->subject].name,
                    workloads[c->workload]->name, c->status, c->detail, (unsigned long long)opt.seed);
    }
}

/* ---- speed ---------------------------------------------------------------- */

struct speed_ctx {
    struct hb_instance in; /* open only while its benchmark runs (arenas can be large) */
    const struct hb_subject *subject;
    const struct hb_opseq *seq;
    void **slots;
    size_t bench;
    int fd;
};

struct speed_rec {
    int32_t kind; /* 0: a benchmark starts; 1: a repetition's result */
    uint32_t bench;
    int64_t rep;
    struct hb_gb_sample s;
};

static size_t last_started = SIZE_MAX;
static struct speed_ctx *open_ctx;

/* Makes x the one open instance. */
static void speed_open(struct speed_ctx *x)
{
    char err[240];
    if (open_ctx == x)
        return;
    if (open_ctx)
        hb_instance_close(&open_ctx->in);
    open_ctx = NULL;
    if (hb_instance_open(&x->in, x->subject, x->seq, err, sizeof err) != 0) {
        fprintf(stderr, "hb-bench: %s: %s\n", x->subject->name, err);
        _exit(3);
    }
    open_ctx = x;
}

static void speed_body(void *vctx, struct hb_speed_sample *out)
{
    struct speed_ctx *x = vctx;
    speed_open(x);
    if (x->bench != last_started) {
        struct speed_rec r = {0, (uint32_t)x->bench, 0, {0, 0, 0, 0}};
        write_all(x->fd, &r, sizeof r);
        last_started = x->bench;
    }
    char err[200];
    hb_speed_run(&x->in, x->seq, x->slots, out);
    if (hb_instance_reset(&x->in, err, sizeof err) != 0) {
        fprintf(stderr, "hb-bench: %s\n", err);
        _exit(3);
    }
}

static void speed_record(void *vctx, size_t bench, int64_t rep, const struct hb_gb_sample *s)
{
    int fd = *(int *)vctx;
    struct speed_rec r = {1, (uint32_t)bench, rep, *s};
    write_all(fd, &r, sizeof r);
}

static void speed_child(int fd, const char *gb_json)
{
    double rep_ns = opt.rep_ms * 1e6;
    hb_ns_per_tick(); /* calibrate once, before any benchmark */
    for (size_t i = 0; i < ncombos; i++) {
        struct combo *c = &combos[i];
        if (!c->in_speed)
            continue;
        struct speed_ctx *x = calloc(1, sizeof *x);
        char err[240];
        if (!x)
            _exit(3);
        x->subject = &subjects[c->subject];
        x->seq = &seqs[c->workload];
        speed_open(x);
        x->slots = calloc(x->seq->nslots ? x->seq->nslots : 1, sizeof *x->slots);
        x->bench = c->bench;
        x->fd = fd;
        /* Calibrate: one warm-up run, then the wall time of one more, setup
           included, sets the iterations per repetition. */
        struct hb_speed_sample s;
        hb_speed_run(&x->in, x->seq, x->slots, &s);
        hb_instance_reset(&x->in, err, sizeof err);
        uint64_t t0 = hb_now_ns();
        hb_speed_run(&x->in, x->seq, x->slots, &s);
        hb_instance_reset(&x->in, err, sizeof err);
        double wall = (double)(hb_now_ns() - t0) + 1;
        hb_instance_close(&x->in);
        open_ctx = NULL;
        double it = rep_ns / wall;
        c->iterations = it < 1 ? 1 : it > 100000 ? 100000 : (uint64_t)it;
        char name[200];
        snprintf(name, sizeof name, "%s/%s", subjects[c->subject].name, workloads[c->workload]->name);
        hb_gb_add(name, speed_body, x, c->iterations);
    }
    int wfd = fd;
    hb_gb_run(opt.reps, 1, opt.seed, gb_json, speed_record, &wfd);
    _exit(0);
}

static int run_speed(const char *gb_json_tmp, size_t nbench)
{
    size_t total = nbench * (size_t)opt.reps, seen = 0;
    size_t step = total / 20 ? total / 20 : 1;
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        speed_child(fds[1], gb_json_tmp);
    }
    close(fds[1]);
    /* Generous: every repetition may take ten times its aim, plus start-up. */
    double budget_s = 120 + (double)total * opt.rep_ms * 10 / 1000;
    uint64_t deadline = hb_now_ns() + (uint64_t)(budget_s * 1e9);
    struct speed_rec r;
    ssize_t n;
    size_t current = SIZE_MAX;
    int timed_out = 0;
    while ((n = read_until(fds[0], &r, sizeof r, deadline)) == (ssize_t)sizeof r) {
        if (r.bench >= ncombos * 2)
            continue;
        struct combo *c = NULL;
        for (size_t i = 0; i < ncombos; i++)
            if (combos[i].in_speed && combos[i].bench == r.bench)
                c = &combos[i];
        if (!c)
            continue;
        if (r.kind == 0) {
            current = (size_t)(c - combos);
            continue;
        }
        if (c->nreps < MAX_REPS) {
            c->alloc[c->nreps] = r.s.alloc_ns;
            c->free_[c->nreps] = r.s.free_ns;
            c->nulls = r.s.nulls;
            c->iterations = r.s.iterations;
            c->nreps++;
        }
        if (++seen % step == 0 || seen == total)
            progress("speed", seen, total, subjects[c->subject].name, workloads[c->workload]->name);
    }
    timed_out = n < 0;
    close(fds[0]);
    char status[16] = "", detail[240] = "";
    reap(pid, timed_out, status, sizeof status, detail, sizeof detail);
    if (status[0]) {
        fprintf(stderr, "[%s] FAILED speed meter: %s (seed %llu)", HB_TARGET, detail, (unsigned long long)opt.seed);
        if (current != SIZE_MAX) {
            struct combo *c = &combos[current];
            fprintf(stderr, " while running %s / %s", subjects[c->subject].name, workloads[c->workload]->name);
            snprintf(c->status, sizeof c->status, "%s", status);
            snprintf(c->detail, sizeof c->detail, "speed meter: %s", detail);
        }
        fprintf(stderr, "\n");
        return -1;
    }
    return 0;
}

/* ---- figures -------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
    if (n <= 0)
        return NAN;
    double t[MAX_REPS];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static double vmin(const double *v, int n)
{
    double m = INFINITY;
    for (int i = 0; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return n ? m : NAN;
}

static double vmax(const double *v, int n)
{
    double m = -INFINITY;
    for (int i = 0; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return n ? m : NAN;
}

static double cv(const double *v, int n)
{
    if (n < 2)
        return NAN;
    double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    double mean = s / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return mean > 0 ? sqrt(ss / (n - 1)) / mean : NAN;
}

static struct combo *find_combo(const char *subject, const char *workload)
{
    for (size_t i = 0; i < ncombos; i++)
        if (strcmp(subjects[combos[i].subject].name, subject) == 0 &&
            strcmp(workloads[combos[i].workload]->name, workload) == 0)
            return &combos[i];
    return NULL;
}

/* Overhead-subtracted medians (never below zero). */
static void net_speed(const struct combo *c, double *a, double *f)
{
    *a = *f = NAN;
    if (!c || c->nreps == 0)
        return;
    const struct combo *e = find_combo("(empty)", workloads[c->workload]->name);
    double oa = e && e->nreps ? median(e->alloc, e->nreps) : 0;
    double of = e && e->nreps ? median(e->free_, e->nreps) : 0;
    *a = median(c->alloc, c->nreps) - (c == e ? 0 : oa);
    *f = median(c->free_, c->nreps) - (c == e ? 0 : of);
    *a = *a < 0 ? 0 : *a;
    *f = *f < 0 ? 0 : *f;
}

struct claim {
    const char *heap;
    double limit;
};
static const struct claim claims[] = {{"slab", 0.5}, {"bump", 0.25}};
static const char *const claim_workload = "fill-16-same";

/* (heap alloc+free) / (malloc alloc+free) on a workload, overhead subtracted. */
static double ratio_vs_malloc(const char *heap, const char *workload)
{
    double ha, hf, ma, mf;
    net_speed(find_combo(heap, workload), &ha, &hf);
    net_speed(find_combo("malloc", workload), &ma, &mf);
    return ma + mf > 0 ? (ha + hf) / (ma + mf) : NAN;
}

/* ---- output --------------------------------------------------------------- */

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

static void write_caps(struct hb_json *j, unsigned caps)
{
    static const char *const names[] = {"free",      "expand",          "contract",        "tags", "walk", "check",
                                        "requested", "detect_bad_free", "detect_overwrite"};
    hb_json_arr(j, "caps");
    for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
        if (caps & (1u << i))
            hb_json_str(j, NULL, names[i]);
    hb_json_end_arr(j);
}

static const char *commit_id(void)
{
    const char *c = getenv("HB_COMMIT");
    return c && *c ? c : HB_GIT_COMMIT;
}

static void write_json(FILE *f, const char *started, double seconds, int speed_ok, int gb_json)
{
    struct hb_json j;
    hb_json_init(&j, f);
    hb_json_obj(&j, NULL);
    hb_json_str(&j, "schema", "heapbench-results/1");
    hb_json_obj(&j, "environment");
    struct utsname u;
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    hb_json_env_common(&j, commit_id(), opt.seed, started);
    hb_json_uint(&j, "page_size", HB_PAGE_SIZE);
    hb_json_uint(&j, "default_align", HB_DEFAULT_ALIGN);
    hb_json_str(&j, "timing", HB_TIMING);
    hb_json_str(&j, "kernel", uname(&u) == 0 ? u.release : NULL);
    hb_json_str(&j, "cpu", cpu);
    hb_json_int(&j, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
    hb_json_str(&j, "gbench_version", hb_gb_version());
    hb_json_str(&j, "gbench_json", gb_json ? HB_TARGET "-gbench.json" : NULL);
    hb_json_int(&j, "repetitions", opt.reps);
    hb_json_bool(&j, "comparable", opt.reps >= 9);
    hb_json_bool(&j, "random_interleaving", 1);
    hb_json_num(&j, "rep_ms", opt.rep_ms);
    hb_json_end_obj(&j);

    hb_json_arr(&j, "heaps");
    for (size_t i = 0; i < nsubjects; i++) {
        const struct hb_subject *s = &subjects[i];
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "name", s->name);
        hb_json_str(&j, "summary", s->summary);
        hb_json_str(&j, "kind",
                    s->kind == HB_SUBJECT_HEAP     ? "kernel_heap"
                    : s->kind == HB_SUBJECT_MALLOC ? "host_baseline"
                                                   : "harness_overhead");
        hb_json_bool(&j, "kernel_heap", s->kind == HB_SUBJECT_HEAP);
        if (s->ops)
            write_caps(&j, s->ops->caps);
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);

    hb_json_arr(&j, "workloads");
    for (size_t w = 0; w < nworkloads; w++) {
        const struct hb_opseq *q = &seqs[w];
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "name", workloads[w]->name);
        hb_json_str(&j, "family", hb_family_name(workloads[w]->family));
        hb_json_str(&j, "summary", workloads[w]->summary);
        hb_json_uint(&j, "ops", q->n);
        hb_json_uint(&j, "allocs", q->nallocs);
        hb_json_uint(&j, "frees", q->nfrees_own + q->nfrees_drain);
        hb_json_uint(&j, "peak_live_bytes", q->peak_live_bytes);
        hb_json_uint(&j, "peak_live_count", q->peak_live_count);
        hb_json_uint(&j, "total_bytes", q->total_bytes);
        hb_json_uint(&j, "max_size", q->max_size);
        hb_json_uint(&j, "max_align", q->max_align);
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);

    hb_json_arr(&j, "results");
    for (size_t i = 0; i < ncombos; i++) {
        const struct combo *c = &combos[i];
        const struct hb_subject *s = &subjects[c->subject];
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "heap", s->name);
        hb_json_str(&j, "workload", workloads[c->workload]->name);
        hb_json_str(&j, "status", c->status[0] ? c->status : "ok");
        hb_json_str(&j, "detail", c->detail[0] ? c->detail : NULL);
        if (s->kind == HB_SUBJECT_HEAP)
            hb_json_uint(&j, "arena_bytes", hb_arena_bytes(s, &seqs[c->workload]));
        else
            hb_json_null(&j, "arena_bytes");
        if (c->nreps) {
            double a, f;
            net_speed(c, &a, &f);
            const struct combo *e = find_combo("(empty)", workloads[c->workload]->name);
            hb_json_obj(&j, "speed");
            hb_json_str(&j, "timing", HB_TIMING);
            hb_json_int(&j, "repetitions", c->nreps);
            hb_json_uint(&j, "iterations", c->iterations);
            hb_json_num(&j, "ns_per_alloc", a);
            hb_json_num(&j, "ns_per_free", f);
            hb_json_num(&j, "ns_per_alloc_raw", median(c->alloc, c->nreps));
            hb_json_num(&j, "ns_per_free_raw", median(c->free_, c->nreps));
            hb_json_num(&j, "overhead_alloc_ns", e && e->nreps ? median(e->alloc, e->nreps) : NAN);
            hb_json_num(&j, "overhead_free_ns", e && e->nreps ? median(e->free_, e->nreps) : NAN);
            hb_json_num(&j, "alloc_min", vmin(c->alloc, c->nreps));
            hb_json_num(&j, "alloc_max", vmax(c->alloc, c->nreps));
            hb_json_num(&j, "free_min", vmin(c->free_, c->nreps));
            hb_json_num(&j, "free_max", vmax(c->free_, c->nreps));
            hb_json_num(&j, "alloc_cv", cv(c->alloc, c->nreps));
            hb_json_num(&j, "free_cv", cv(c->free_, c->nreps));
            hb_json_num(&j, "nulls_per_run", c->nulls);
            hb_json_end_obj(&j);
        } else
            hb_json_null(&j, "speed");
        if (c->quality_ran) {
            const struct hb_quality *q = &c->q;
            hb_json_obj(&j, "fragmentation");
            hb_json_uint(&j, "peak_pool_bytes", q->peak_pool_bytes);
            hb_json_uint(&j, "peak_live_bytes", q->peak_live_bytes);
            hb_json_num(&j, "footprint_ratio", q->peak_live_bytes ? q->footprint_ratio : NAN);
            hb_json_num(&j, "ext_frag_mean", q->ext_frag_mean);
            hb_json_num(&j, "ext_frag_max", q->ext_frag_max);
            hb_json_num(&j, "ext_frag_at_peak", q->ext_frag_at_peak);
            hb_json_uint(&j, "samples", q->samples);
            hb_json_uint(&j, "nulls", q->nulls);
            if (q->first_null_op >= 0)
                hb_json_int(&j, "first_null_op", q->first_null_op);
            else
                hb_json_null(&j, "first_null_op");
            if (q->catastrophic_op >= 0) {
                hb_json_obj(&j, "catastrophic");
                hb_json_int(&j, "op", q->catastrophic_op);
                hb_json_num(&j, "at_fraction", (double)q->catastrophic_op / (double)seqs[c->workload].n);
                hb_json_uint(&j, "size", q->cat_size);
                hb_json_uint(&j, "free_bytes", q->cat_free);
                hb_json_uint(&j, "largest_free", q->cat_largest);
                hb_json_uint(&j, "live_bytes", q->cat_live_bytes);
                hb_json_end_obj(&j);
            } else
                hb_json_null(&j, "catastrophic");
            hb_json_end_obj(&j);
            hb_json_obj(&j, "metadata");
            hb_json_uint(&j, "meta_bytes_peak", q->meta_bytes_peak);
            hb_json_uint(&j, "meta_bytes_end", q->meta_bytes_end);
            hb_json_num(&j, "header_bytes_per_alloc", q->header_per_alloc);
            hb_json_num(&j, "padding_bytes_per_alloc", q->padding_per_alloc);
            hb_json_uint(&j, "header_bytes_at_peak", q->header_bytes_peak);
            hb_json_uint(&j, "padding_bytes_at_peak", q->padding_bytes_peak);
            hb_json_uint(&j, "stats_identity_violations", q->identity_violations);
            hb_json_end_obj(&j);
        } else {
            hb_json_null(&j, "fragmentation");
            hb_json_null(&j, "metadata");
        }
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);

    hb_json_arr(&j, "failures");
    for (size_t i = 0; i < ncombos; i++) {
        const struct combo *c = &combos[i];
        if (!c->status[0] || strcmp(c->status, "ok") == 0)
            continue;
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "heap", subjects[c->subject].name);
        hb_json_str(&j, "workload", workloads[c->workload]->name);
        hb_json_str(&j, "status", c->status);
        hb_json_str(&j, "detail", c->detail);
        hb_json_uint(&j, "seed", opt.seed);
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);

    hb_json_arr(&j, "claims");
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        double r = ratio_vs_malloc(claims[i].heap, claim_workload);
        hb_json_obj(&j, NULL);
        hb_json_str(&j, "heap", claims[i].heap);
        hb_json_str(&j, "against", "malloc");
        hb_json_str(&j, "workload", claim_workload);
        hb_json_str(&j, "what", "(alloc+free ns) / (malloc alloc+free ns), harness overhead subtracted");
        hb_json_num(&j, "ratio", r);
        hb_json_num(&j, "limit", claims[i].limit);
        if (isnan(r) || strcmp(HB_TIMING, "host") != 0)
            hb_json_null(&j, "met");
        else
            hb_json_bool(&j, "met", r <= claims[i].limit);
        hb_json_end_obj(&j);
    }
    hb_json_end_arr(&j);
    hb_json_bool(&j, "speed_complete", speed_ok);
    hb_json_num(&j, "total_seconds", seconds);
    hb_json_end_obj(&j);
}

static void write_csvs(const char *dir)
{
    char path[1100];
    struct hb_afile a;
    snprintf(path, sizeof path, "%.1000s/%s-speed.csv", dir, HB_TARGET);
    if (hb_afile_open(&a, path) == 0) {
        fprintf(a.f, "target,timing,heap,kernel_heap,workload,ns_per_alloc,ns_per_free,ns_per_alloc_raw,"
                     "ns_per_free_raw,alloc_min,alloc_max,free_min,free_max,repetitions,nulls_per_run\n");
        for (size_t i = 0; i < ncombos; i++) {
            const struct combo *c = &combos[i];
            if (!c->nreps)
                continue;
            double na, nf;
            net_speed(c, &na, &nf);
            fprintf(a.f, "%s,%s,%s,%d,%s,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%d,%.1f\n", HB_TARGET, HB_TIMING,
                    subjects[c->subject].name, subjects[c->subject].kind == HB_SUBJECT_HEAP,
                    workloads[c->workload]->name, na, nf, median(c->alloc, c->nreps), median(c->free_, c->nreps),
                    vmin(c->alloc, c->nreps), vmax(c->alloc, c->nreps), vmin(c->free_, c->nreps),
                    vmax(c->free_, c->nreps), c->nreps, c->nulls);
        }
        if (hb_afile_commit(&a) != 0)
            fprintf(stderr, "hb-bench: cannot write %s\n", path);
    }
    snprintf(path, sizeof path, "%.1000s/%s-quality.csv", dir, HB_TARGET);
    if (hb_afile_open(&a, path) == 0) {
        fprintf(a.f, "target,heap,workload,status,peak_pool_bytes,peak_live_bytes,footprint_ratio,ext_frag_mean,"
                     "ext_frag_max,nulls,first_null_op,catastrophic_op,meta_bytes_peak,header_bytes_per_alloc,"
                     "padding_bytes_per_alloc,stats_identity_violations\n");
        for (size_t i = 0; i < ncombos; i++) {
            const struct combo *c = &combos[i];
            if (!c->quality_ran)
                continue;
            const struct hb_quality *q = &c->q;
            fprintf(a.f, "%s,%s,%s,%s,%llu,%llu,%.4f,%.4f,%.4f,%llu,%lld,%lld,%llu,%.2f,%.2f,%llu\n", HB_TARGET,
                    subjects[c->subject].name, workloads[c->workload]->name, c->status,
                    (unsigned long long)q->peak_pool_bytes, (unsigned long long)q->peak_live_bytes, q->footprint_ratio,
                    q->ext_frag_mean, q->ext_frag_max, (unsigned long long)q->nulls, (long long)q->first_null_op,
                    (long long)q->catastrophic_op, (unsigned long long)q->meta_bytes_peak, q->header_per_alloc,
                    q->padding_per_alloc, (unsigned long long)q->identity_violations);
        }
        if (hb_afile_commit(&a) != 0)
            fprintf(stderr, "hb-bench: cannot write %s\n", path);
    }
    snprintf(path, sizeof path, "%.1000s/%s-extfrag.csv", dir, HB_TARGET);
    if (hb_afile_open(&a, path) == 0) {
        fprintf(a.f, "target,heap,workload,op,ext_frag,free_bytes,largest_free,pool_bytes,live_bytes\n");
        for (size_t i = 0; i < ncombos; i++) {
            const struct combo *c = &combos[i];
            for (uint32_t k = 0; c->quality_ran && k < c->q.nseries; k++) {
                const struct hb_series_point *p = &c->q.series[k];
                fprintf(a.f, "%s,%s,%s,%llu,%.4f,%llu,%llu,%llu,%llu\n", HB_TARGET, subjects[c->subject].name,
                        workloads[c->workload]->name, (unsigned long long)p->op, p->ext_frag,
                        (unsigned long long)p->free_bytes, (unsigned long long)p->largest_free,
                        (unsigned long long)p->pool_bytes, (unsigned long long)p->live_bytes);
            }
        }
        if (hb_afile_commit(&a) != 0)
            fprintf(stderr, "hb-bench: cannot write %s\n", path);
    }
}

static void fmt(char *buf, size_t len, double v, const char *f)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, f, v);
}

/* Heaps as rows, metrics as columns.  Speed from fill-16-same (the article's
   allocation-speed test) and churn; fragmentation and metadata from churn;
   failures and catastrophic fragmentation counted over every workload. */
static void print_table(FILE *f)
{
    const char *spw = hb_find_workload(claim_workload) && find_combo("malloc", claim_workload) ? claim_workload
                      : nworkloads                                                             ? workloads[0]->name
                                                                                               : "";
    const char *qw = find_combo("(empty)", "churn") ? "churn" : nworkloads ? workloads[0]->name : "";
    int emu = strcmp(HB_TIMING, "emulator") == 0;
    fprintf(f, "\n== target %s (%s, %s-endian, %zu-bit); timing: %s; seed %llu; %d repetitions ==\n", HB_TARGET,
            HB_ARCH_NAME, HB_ENDIAN_NAME, HB_WORD_BYTES * 8,
            emu ? "EMULATOR (QEMU: measures the emulator, not comparable with host figures)" : "host",
            (unsigned long long)opt.seed, opt.reps);
    fprintf(f,
            "speed: ns per op on %s (A) and %s (C), harness overhead subtracted; xmalloc = (alloc+free) / "
            "malloc's on %s\n",
            spw, qw, spw);
    fprintf(f,
            "fragmentation, metadata: on %s; fails = NULL allocs over all workloads; catastr = workloads "
            "with an alloc failing while free >= request\n",
            qw);
    fprintf(f, "%-10s %8s %8s %7s %8s %8s %9s %8s %8s %6s %7s %9s %8s %8s\n", "heap", "A alloc", "A free", "xmalloc",
            "C alloc", "C free", "footprint", "extfrag", "extmax", "fails", "catastr", "meta B", "hdr B/a", "pad B/a");
    for (size_t s = 0; s < nsubjects; s++) {
        const struct hb_subject *sub = &subjects[s];
        int any = 0;
        for (size_t i = 0; i < ncombos; i++)
            any |= combos[i].subject == s;
        if (!any)
            continue;
        double aa, af, ca, cf;
        net_speed(find_combo(sub->name, spw), &aa, &af);
        net_speed(find_combo(sub->name, qw), &ca, &cf);
        if (sub->kind == HB_SUBJECT_EMPTY) { /* show the overhead itself */
            const struct combo *e = find_combo(sub->name, spw), *e2 = find_combo(sub->name, qw);
            aa = e && e->nreps ? median(e->alloc, e->nreps) : NAN;
            af = e && e->nreps ? median(e->free_, e->nreps) : NAN;
            ca = e2 && e2->nreps ? median(e2->alloc, e2->nreps) : NAN;
            cf = e2 && e2->nreps ? median(e2->free_, e2->nreps) : NAN;
        }
        double ratio = sub->kind == HB_SUBJECT_HEAP ? ratio_vs_malloc(sub->name, spw) : NAN;
        const struct combo *qc = find_combo(sub->name, qw);
        uint64_t fails = 0, cat = 0, broken = 0;
        for (size_t i = 0; i < ncombos; i++)
            if (combos[i].subject == s) {
                fails += combos[i].quality_ran ? combos[i].q.nulls : 0;
                cat += combos[i].quality_ran && combos[i].q.catastrophic_op >= 0;
                broken += combos[i].status[0] && strcmp(combos[i].status, "ok") != 0;
            }
        char b[14][32];
        fmt(b[0], 32, aa, "%.1f");
        fmt(b[1], 32, af, "%.1f");
        fmt(b[2], 32, ratio, "%.2f");
        fmt(b[3], 32, ca, "%.1f");
        fmt(b[4], 32, cf, "%.1f");
        int hq = qc && qc->quality_ran;
        fmt(b[5], 32, hq && qc->q.peak_live_bytes ? qc->q.footprint_ratio : NAN, "%.2f");
        fmt(b[6], 32, hq ? qc->q.ext_frag_mean : NAN, "%.3f");
        fmt(b[7], 32, hq ? qc->q.ext_frag_max : NAN, "%.3f");
        fmt(b[8], 32, sub->kind == HB_SUBJECT_HEAP ? (double)fails : NAN, "%.0f");
        fmt(b[9], 32, sub->kind == HB_SUBJECT_HEAP ? (double)cat : NAN, "%.0f");
        fmt(b[10], 32, hq ? (double)qc->q.meta_bytes_peak : NAN, "%.0f");
        fmt(b[11], 32, hq ? qc->q.header_per_alloc : NAN, "%.1f");
        fmt(b[12], 32, hq ? qc->q.padding_per_alloc : NAN, "%.1f");
        char name[40];
        snprintf(name, sizeof name, "%s%s", sub->name, sub->kind == HB_SUBJECT_MALLOC ? "*" : "");
        fprintf(f, "%-10s %8s %8s %7s %8s %8s %9s %8s %8s %6s %7s %9s %8s %8s%s\n", name, b[0], b[1], b[2], b[3], b[4],
                b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], broken ? "  (FAILED runs: see failures)" : "");
    }
    fprintf(f, "* malloc: the C library's allocator, a host speed baseline, not a kernel heap. "
               "(empty): the harness overhead per op, already subtracted above.\n");
    for (size_t i = 0; i < sizeof claims / sizeof *claims; i++) {
        double r = ratio_vs_malloc(claims[i].heap, claim_workload);
        if (isnan(r))
            continue;
        fprintf(f, "claim: %s alloc+free of 16-byte blocks = %.3fx malloc's (limit %.2fx): %s\n", claims[i].heap, r,
                claims[i].limit,
                emu                    ? "not judged (emulator timing)"
                : r <= claims[i].limit ? "met"
                                       : "NOT MET");
    }
    for (size_t i = 0; i < ncombos; i++)
        if (combos[i].status[0] && strcmp(combos[i].status, "ok") != 0)
            fprintf(f, "failed: %s / %s: %s: %s (seed %llu)\n", subjects[combos[i].subject].name,
                    workloads[combos[i].workload]->name, combos[i].status, combos[i].detail,
                    (unsigned long long)opt.seed);
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

int main(int argc, char **argv)
{
    const char *heap_list = NULL, *wl_list = NULL, *trace_dir = HB_TRACE_DIR;
    static const char **extra_traces; /* one entry per --trace: at most argc */
    extra_traces = calloc((size_t)argc, sizeof *extra_traces);
    size_t nextra = 0;
    if (!extra_traces) {
        fprintf(stderr, "hb-bench: out of memory\n");
        return 1;
    }
    int list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDS_VALUE                                                                                                    \
    do {                                                                                                               \
        if (!v) {                                                                                                      \
            fprintf(stderr, "hb-bench: %s needs a value (see --help)\n", a);                                           \
            return 2;                                                                                                  \
        }                                                                                                              \
        i++;                                                                                                           \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--list") == 0)
            list = 1;
        else if (strcmp(a, "--heap") == 0) {
            NEEDS_VALUE;
            heap_list = v;
        } else if (strcmp(a, "--workload") == 0) {
            NEEDS_VALUE;
            wl_list = v;
        } else if (strcmp(a, "--seed") == 0) {
            NEEDS_VALUE;
            char *end;
            opt.seed = strtoull(v, &end, 0);
            if (*end || !*v) {
                fprintf(stderr, "hb-bench: bad seed '%s' (an unsigned number)\n", v);
                return 2;
            }
        } else if (strcmp(a, "--out") == 0) {
            NEEDS_VALUE;
            opt.out = v;
        } else if (strcmp(a, "--trace-dir") == 0) {
            NEEDS_VALUE;
            trace_dir = v;
        } else if (strcmp(a, "--trace") == 0) {
            NEEDS_VALUE;
            extra_traces[nextra++] = v;
        } else if (strcmp(a, "--repetitions") == 0) {
            NEEDS_VALUE;
            opt.reps = atoi(v);
            if (opt.reps < 1 || opt.reps > MAX_REPS) {
                fprintf(stderr, "hb-bench: --repetitions must be 1..%d\n", MAX_REPS);
                return 2;
            }
        } else if (strcmp(a, "--rep-ms") == 0) {
            NEEDS_VALUE;
            opt.rep_ms = atof(v);
            if (!(opt.rep_ms > 0)) {
                fprintf(stderr, "hb-bench: --rep-ms must be positive\n");
                return 2;
            }
        } else if (strcmp(a, "--timeout") == 0) {
            NEEDS_VALUE;
            opt.timeout = atof(v);
            if (!(opt.timeout > 0)) {
                fprintf(stderr, "hb-bench: --timeout must be positive\n");
                return 2;
            }
        } else if (strcmp(a, "--no-speed") == 0)
            opt.speed = 0;
        else if (strcmp(a, "--no-quality") == 0)
            opt.quality = 0;
        else if (strcmp(a, "--pathlen") == 0) {
            NEEDS_VALUE;
            opt.pathlen = v;
        } else if (strcmp(a, "--pathlen-probe") == 0) {
            NEEDS_VALUE;
            opt.pathlen_probe = v;
        } else {
            fprintf(stderr, "hb-bench: unknown option '%s' (see --help)\n", a);
            return 2;
        }
    }

    if (opt.pathlen_probe)
        return hb_pathlen_probe(opt.pathlen_probe);
    for (const struct hb_heap_ops *const *p = hb_registered_heaps; *p && nsubjects < MAX_SUBJECTS - 2; p++)
        subjects[nsubjects++] = (struct hb_subject){(*p)->name, (*p)->summary, HB_SUBJECT_HEAP, *p};
    subjects[nsubjects++] = hb_subject_malloc;
    subjects[nsubjects++] = hb_subject_empty;
    char wl_err[512];
    if (hb_workloads_init(trace_dir && *trace_dir ? trace_dir : NULL, wl_err, sizeof wl_err) != 0) {
        fprintf(stderr, "hb-bench: --trace-dir: %s\n", wl_err);
        return 2;
    }
    size_t first_extra = hb_workload_count();
    for (size_t i = 0; i < nextra; i++)
        if (!hb_workloads_add_trace(extra_traces[i], wl_err, sizeof wl_err)) {
            fprintf(stderr, "hb-bench: %s\n", wl_err);
            return 1;
        }
    if (hb_workload_count() > MAX_WORKLOADS) {
        fprintf(stderr, "hb-bench: %zu workloads; this build runs at most %d\n", hb_workload_count(), MAX_WORKLOADS);
        return 2;
    }

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
    if (check_list(heap_list, "heap", valid_heap, print_heap_names) != 0 ||
        check_list(wl_list, "workload", valid_workload, hb_print_workload_names) != 0)
        return 2;

    uint64_t t_start = hb_now_ns();
    char started[64];
    time_t now = time(NULL);
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char outdir[1024];
    if (opt.out)
        snprintf(outdir, sizeof outdir, "%s", opt.out);
    else {
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", gmtime(&now));
        snprintf(outdir, sizeof outdir, "results/%s", stamp);
    }
    /* Build every selected workload once (children inherit them), before
       the run folder exists: a bad trace leaves no empty folder behind. */
    for (size_t i = 0; i < hb_workload_count(); i++) {
        const struct hb_workload *w = hb_workload_at(i);
        if (!in_list(wl_list, w->name) && i < first_extra) /* a --trace is always run */
            continue;
        char err[512];
        if (hb_workload_build(w, opt.seed, &seqs[nworkloads], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        workloads[nworkloads++] = w;
    }
    if (mkdirs(outdir) != 0) {
        fprintf(stderr, "hb-bench: cannot create %s: %s\n", outdir, strerror(errno));
        return 1;
    }
    fprintf(stderr, "[%s] seed %llu; %zu workloads; timing: %s; results in %s\n", HB_TARGET,
            (unsigned long long)opt.seed, nworkloads, HB_TIMING, outdir);

    if (opt.pathlen) { /* the path-length meter alone, in this process (no fork under the plugin) */
        const struct hb_subject *sel[MAX_SUBJECTS];
        size_t nsel = 0;
        for (size_t s = 0; s < nsubjects; s++)
            if (subjects[s].kind == HB_SUBJECT_HEAP && in_list(heap_list, subjects[s].name))
                sel[nsel++] = &subjects[s];
        sel[nsel++] = &hb_subject_empty; /* the call sequence alone, for reference */
        struct hb_pathlen_opts po = {opt.pathlen, outdir, opt.seed,   sel,        nsel,
                                     workloads,   seqs,   nworkloads, commit_id()};
        return hb_pathlen_main(&po);
    }
    combos = calloc(nsubjects * (nworkloads ? nworkloads : 1), sizeof *combos);
    size_t nheapcombos = 0, nbench = 0;
    for (size_t s = 0; s < nsubjects; s++) {
        int selected = subjects[s].kind == HB_SUBJECT_EMPTY ? opt.speed : in_list(heap_list, subjects[s].name);
        if (!selected || (subjects[s].kind != HB_SUBJECT_HEAP && !opt.speed))
            continue;
        for (size_t w = 0; w < nworkloads; w++) {
            struct combo *c = &combos[ncombos++];
            c->subject = s;
            c->workload = w;
            nheapcombos += subjects[s].kind == HB_SUBJECT_HEAP;
        }
    }
    if (opt.quality)
        run_quality(nheapcombos);
    for (size_t i = 0; i < ncombos; i++) {
        struct combo *c = &combos[i];
        c->in_speed = opt.speed && (!c->status[0] || strcmp(c->status, "ok") == 0);
        if (c->in_speed)
            c->bench = nbench++;
    }
    char gb_tmp[1100], gb_final[1100];
    snprintf(gb_tmp, sizeof gb_tmp, "%s/.%s-gbench.json.tmp", outdir, HB_TARGET);
    snprintf(gb_final, sizeof gb_final, "%s/%s-gbench.json", outdir, HB_TARGET);
    int speed_ok = 1, gb_json = 0;
    if (opt.speed && nbench) {
        speed_ok = run_speed(gb_tmp, nbench) == 0;
        if (speed_ok && hb_gb_available() && rename(gb_tmp, gb_final) == 0)
            gb_json = 1;
        else
            remove(gb_tmp);
    }
    double seconds = (double)(hb_now_ns() - t_start) * 1e-9;

    char path[1100];
    struct hb_afile a;
    snprintf(path, sizeof path, "%s/%s.json", outdir, HB_TARGET);
    if (hb_afile_open(&a, path) != 0) {
        fprintf(stderr, "hb-bench: cannot write %s: %s\n", path, strerror(errno));
        return 1;
    }
    write_json(a.f, started, seconds, speed_ok, gb_json);
    if (hb_afile_commit(&a) != 0) {
        fprintf(stderr, "hb-bench: cannot write %s\n", path);
        return 1;
    }
    write_csvs(outdir);
    snprintf(path, sizeof path, "%s/%s-summary.txt", outdir, HB_TARGET);
    if (hb_afile_open(&a, path) == 0) {
        print_table(a.f);
        if (hb_afile_commit(&a) != 0)
            fprintf(stderr, "hb-bench: cannot write %s\n", path);
    }
    print_table(stdout);
    printf("[%s] %zu heap x workload runs in %.1f s; results in %s\n", HB_TARGET, ncombos, seconds, outdir);
    return speed_ok ? 0 : 1;
}

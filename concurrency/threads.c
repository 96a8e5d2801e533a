/*
 * threads.c - hb_threads: the concurrent stress test.
 *
 * N threads share one heap.  Each runs a seeded sequence of operations: it
 * allocates blocks (sizes 1..2048, mostly small, some aligned up to 256) and
 * fills each with a pattern stamped with its thread and sequence number;
 * frees its own blocks; hands blocks to a shared queue; and frees blocks
 * other threads handed over.  Every block is verified in full just before
 * it is freed, by whichever thread frees it, and every pointer is checked
 * for alignment.  When all threads are done, the main thread frees what is
 * left in the queue and the heap must be back where it started
 * (common.h: live 0, granted 0, free bytes as fresh, allocs and frees
 * counted exactly, check() clean, guard pages intact).
 *
 * A heap must declare HB_CAP_THREAD_SAFE (the lock layer gives it:
 * locked-spin:tlsf); --expect-failure runs a heap that does not, to show
 * the test catches the race: corruption found by a pattern, a bad free,
 * counters that lost updates, a crash or a hang.  Each heap runs in a
 * supervised child (harness/supervise.h) with a timeout, so a crash or hang
 * is reported with the heap's name and the run goes on.
 *
 * --broken leak|overlap puts a deliberately broken layer over the heap (it
 * forgets one free in 512 / hands out one block twice), to show that the
 * back-to-start check and the pattern check each catch their bug.
 *
 * The hand-off queue is a ring under its own pthread mutex: test
 * machinery, outside the heap.  Threads start together behind an atomic
 * gate so their heap calls overlap from the first one.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "lock.h"
#include "registry.h"
#include "rng.h"
#include "supervise.h"

#define LOCAL_MAX 48
#define QUEUE_CAP 256
#define MAX_THREADS 64
#define INITIAL_PAGES 512 /* 2 MiB: every heap's live set fits without growing */
#define ARENA_PAGES 2048

struct blk {
    unsigned char *p;
    size_t size;
    uint32_t stamp;
};

struct options {
    const char *heap; /* NULL: every registered heap with HB_CAP_FREE, behind each lock */
    unsigned threads;
    unsigned long ops;
    uint64_t seed;
    double timeout;
    int expect_failure;
    const char *broken; /* NULL, "leak" or "overlap" */
};

/* Passed back from the child through the supervisor's result area. */
struct result {
    int started; /* the threads ran: a failure after this is a finding, not a set-up error */
    uint64_t allocs, frees, cross_frees, null_allocs;
};

struct shared {
    struct hb_cc_heap c;
    const struct options *o;
    size_t max_align;
    atomic_uint gate;
    atomic_int failing;
    pthread_mutex_t qlock;
    struct blk queue[QUEUE_CAP];
    unsigned qhead, qlen;
    atomic_uint_fast32_t allocs, frees, cross_frees, null_allocs;
};

struct worker {
    struct shared *s;
    unsigned id;
};

/* The first thread to fail reports; the others wait to be ended with it. */
static void thread_fail(struct shared *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void thread_fail(struct shared *s, const char *fmt, ...)
{
    if (atomic_exchange(&s->failing, 1))
        for (;;)
            pause();
    va_list ap;
    va_start(ap, fmt);
    hb_sv_vfail(fmt, ap);
}

static void verify_and_free(struct shared *s, unsigned me, const struct blk *b, const char *whose)
{
    long off = hb_cc_verify(b->p, b->size, b->stamp);
    if (off >= 0)
        thread_fail(s,
                    "heap '%s': block %p (%zu bytes, thread %u's #%u, %s) was overwritten at offset %ld: 0x%02x, "
                    "want 0x%02x - two live blocks overlap",
                    s->c.ops->name, (void *)b->p, b->size, (unsigned)(b->stamp >> 24), (unsigned)(b->stamp & 0xFFFFFF),
                    whose, off, b->p[off], hb_cc_pattern_byte(b->stamp, (size_t)off));
    if (me == 1)
        hb_sv_note("free", b->size, 0, b->p);
    int rc = s->c.ops->free(s->c.heap, b->p);
    if (rc != HB_OK)
        thread_fail(s, "heap '%s': thread %u: free(%p) of a live block (%zu bytes, %s) returned %d", s->c.ops->name, me,
                    (void *)b->p, b->size, whose, rc);
    atomic_fetch_add_explicit(&s->frees, 1, memory_order_relaxed);
}

static int alloc_one(struct shared *s, struct hb_rng *r, unsigned me, uint32_t seq, struct blk *out)
{
    uint32_t pick = hb_rng_below(r, 100);
    size_t size = pick < 70   ? hb_rng_range(r, 1, 64)
                  : pick < 95 ? hb_rng_range(r, 65, 512)
                              : hb_rng_range(r, 513, 2048);
    size_t align = 0;
    if (hb_rng_below(r, 8) == 0) {
        align = (size_t)1 << hb_rng_range(r, 4, 8);
        if (align > s->max_align)
            align = s->max_align;
    }
    if (me == 1)
        hb_sv_note("alloc", size, align, NULL);
    unsigned char *p = s->c.ops->alloc(s->c.heap, size, align, "threads");
    if (!p) {
        atomic_fetch_add_explicit(&s->null_allocs, 1, memory_order_relaxed);
        return 0;
    }
    size_t want = align > HB_DEFAULT_ALIGN ? align : HB_DEFAULT_ALIGN;
    if ((uintptr_t)p % want)
        thread_fail(s, "heap '%s': thread %u: alloc(%zu, %zu) returned %p, not %zu-byte aligned", s->c.ops->name, me,
                    size, align, (void *)p, want);
    atomic_fetch_add_explicit(&s->allocs, 1, memory_order_relaxed);
    out->p = p;
    out->size = size;
    out->stamp = (uint32_t)me << 24 | (seq & 0xFFFFFFu);
    hb_cc_fill(p, size, out->stamp);
    return 1;
}

static int queue_push(struct shared *s, const struct blk *b)
{
    pthread_mutex_lock(&s->qlock);
    int ok = s->qlen < QUEUE_CAP;
    if (ok)
        s->queue[(s->qhead + s->qlen++) % QUEUE_CAP] = *b;
    pthread_mutex_unlock(&s->qlock);
    return ok;
}

static int queue_pop(struct shared *s, struct blk *b)
{
    pthread_mutex_lock(&s->qlock);
    int ok = s->qlen > 0;
    if (ok) {
        *b = s->queue[s->qhead];
        s->qhead = (s->qhead + 1) % QUEUE_CAP;
        s->qlen--;
    }
    pthread_mutex_unlock(&s->qlock);
    return ok;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct shared *s = w->s;
    struct hb_rng r;
    hb_rng_seed(&r, s->o->seed * 1000003u + w->id);
    struct blk local[LOCAL_MAX];
    unsigned n = 0;
    uint32_t seq = 0;
    atomic_fetch_sub(&s->gate, 1);
    while (atomic_load(&s->gate))
        ;
    for (unsigned long i = 0; i < s->o->ops; i++) {
        uint32_t what = hb_rng_below(&r, 100);
        if (n == 0 || (what < 45 && n < LOCAL_MAX)) {
            n += (unsigned)alloc_one(s, &r, w->id, ++seq, &local[n]);
        } else if (what < 70) {
            unsigned k = hb_rng_below(&r, n);
            verify_and_free(s, w->id, &local[k], "freed by its owner");
            local[k] = local[--n];
        } else if (what < 85) {
            unsigned k = hb_rng_below(&r, n);
            if (queue_push(s, &local[k]))
                local[k] = local[--n];
        } else {
            struct blk b;
            if (queue_pop(s, &b)) {
                verify_and_free(s, w->id, &b, "freed by another thread");
                atomic_fetch_add_explicit(&s->cross_frees, 1, memory_order_relaxed);
            }
        }
    }
    while (n)
        verify_and_free(s, w->id, &local[--n], "freed by its owner");
    return NULL;
}

/* ---- deliberately broken layers (--broken) --------------------------------------- */

static const struct hb_heap_ops *broken_inner;
static atomic_uint broken_count;
static _Atomic(uintptr_t) last_given; /* the overlap layer's previous block while it is live */

static hb_heap *broken_create(void *block, size_t len, const struct hb_config *cfg)
{
    return broken_inner->create(block, len, cfg);
}
static void broken_stats(const hb_heap *h, struct hb_stats *out)
{
    broken_inner->stats(h, out);
}

/* Forgets one free in 512: the block stays live in the heap. */
static int leaky_free(hb_heap *h, void *p)
{
    if (p && atomic_fetch_add(&broken_count, 1) % 512 == 511)
        return HB_OK;
    return broken_inner->free(h, p);
}
static void *leaky_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    return broken_inner->alloc(h, size, align, tag);
}

/* Hands out the previous block again while it is live, once in 512
   allocs (the block it got instead is kept: a leak the pattern check
   precedes). */
static void *overlap_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    void *p = broken_inner->alloc(h, size, align, tag);
    uintptr_t prev = atomic_load(&last_given);
    if (p && prev && atomic_fetch_add(&broken_count, 1) % 512 == 511)
        return (void *)prev;
    atomic_store(&last_given, (uintptr_t)p);
    return p;
}
static int overlap_free(hb_heap *h, void *p)
{
    uintptr_t want = (uintptr_t)p;
    atomic_compare_exchange_strong(&last_given, &want, 0);
    return broken_inner->free(h, p);
}

static const struct hb_heap_ops broken_leak_ops = {.name = "broken-leak",
                                                   .caps = HB_CAP_FREE | HB_CAP_THREAD_SAFE,
                                                   .max_align = 16,
                                                   .create = broken_create,
                                                   .alloc = leaky_alloc,
                                                   .free = leaky_free,
                                                   .stats = broken_stats};
static const struct hb_heap_ops broken_overlap_ops = {.name = "broken-overlap",
                                                      .caps = HB_CAP_FREE | HB_CAP_THREAD_SAFE,
                                                      .max_align = 16,
                                                      .create = broken_create,
                                                      .alloc = overlap_alloc,
                                                      .free = overlap_free,
                                                      .stats = broken_stats};

/* ---- one run ----------------------------------------------------------------------- */

static void run_body(void *ctx)
{
    struct shared *s = ctx;
    struct result *res = hb_sv_result(NULL);
    char msg[512];
    hb_sv_phase("creating the heap");
    if (hb_cc_create(&s->c, s->c.ops, INITIAL_PAGES, ARENA_PAGES, msg, sizeof msg) != 0)
        hb_sv_fail("%s", msg);
    s->max_align = s->c.ops->max_align < 256 ? s->c.ops->max_align : 256;
    pthread_mutex_init(&s->qlock, NULL);
    atomic_init(&s->gate, s->o->threads);
    pthread_t tid[MAX_THREADS];
    struct worker w[MAX_THREADS];
    hb_sv_phase("threads running; the call shown is thread 1's last");
    res->started = 1;
    for (unsigned i = 0; i < s->o->threads; i++) {
        w[i] = (struct worker){s, i + 1};
        if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
            hb_sv_fail("cannot start thread %u of %u", i + 1, s->o->threads);
    }
    for (unsigned i = 0; i < s->o->threads; i++)
        pthread_join(tid[i], NULL);
    hb_sv_phase("freeing what is left in the queue");
    struct blk b;
    while (queue_pop(s, &b))
        verify_and_free(s, 0, &b, "left in the queue");
    res->allocs = atomic_load(&s->allocs);
    res->frees = atomic_load(&s->frees);
    res->cross_frees = atomic_load(&s->cross_frees);
    res->null_allocs = atomic_load(&s->null_allocs);
    hb_sv_phase("checking the heap is back to the start");
    if (hb_cc_check_back_to_start(&s->c, res->allocs, res->frees, msg, sizeof msg) != 0)
        hb_sv_fail("heap '%s': %s", s->c.ops->name, msg);
}

/* 0 when the run went as expected (passed, or failed under
   --expect-failure); 1 otherwise. */
static int run_heap(struct hb_sv *sv, const struct options *o, const struct hb_heap_ops *ops)
{
    struct shared *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "hb_threads: out of memory\n");
        return 1;
    }
    s->o = o;
    s->c.ops = ops;
    struct result *res = hb_sv_result_area(sv, NULL);
    memset(res, 0, sizeof *res);
    struct hb_sv_opts so = {.timeout = o->timeout, .capture = 1};
    struct hb_sv_outcome out;
    hb_sv_run(sv, &so, run_body, s, &out);
    free(s);
    char how[1536];
    hb_sv_describe(&out, how, sizeof how);
    if (out.end == HB_SV_DONE) {
        printf("PASS    %s: %u threads x %lu ops, %" PRIu64 " allocs, %" PRIu64 " cross-thread frees, %" PRIu64
               " allocs refused; stats back to the start [%.2f s]\n",
               ops->name, o->threads, o->ops, res->allocs, res->cross_frees, res->null_allocs, out.seconds);
        if (o->expect_failure)
            printf("UNEXPECTED PASS: heap '%s' is not thread-safe, yet %u threads did not catch it; raise --ops\n",
                   ops->name, o->threads);
        return o->expect_failure;
    }
    const char *verdict = res->started ? "FAIL" : "ERROR";
    printf("%-7s %s under %u thread%s: %s\n", verdict, ops->name, o->threads, o->threads == 1 ? "" : "s",
           out.end == HB_SV_FAILED ? out.message : how);
    if (out.end != HB_SV_FAILED)
        printf("        (the run was at: %s)\n", out.last.phase);
    int expected = o->expect_failure && res->started;
    if (expected && o->broken)
        printf("expected failure detected: the %s layer over '%s' was caught\n", o->broken, broken_inner->name);
    else if (expected)
        printf("expected failure detected: heap '%s' is not thread-safe, and the stress test says so\n", ops->name);
    hb_cc_print_output(out.output, out.output_len);
    return !expected;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "hb_threads: %s\n"
            "usage: hb_threads [--heap NAME] [--threads N] [--ops N] [--seed N] [--timeout SEC]\n"
            "                  [--expect-failure] [--broken leak|overlap]\n"
            "  without --heap: every registered heap that frees, behind locked-spin and locked-mutex\n",
            why);
    return 2;
}

static int parse_ul(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse(int argc, char **argv, struct options *o)
{
    *o = (struct options){NULL, 4, 20000, 1, 60.0, 0, NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long n;
        if (strcmp(a, "--expect-failure") == 0) {
            o->expect_failure = 1;
            continue;
        }
        if (!v)
            return usage(strncmp(a, "--", 2) == 0 ? "an option lacks its value" : "unexpected argument");
        i++;
        if (strcmp(a, "--heap") == 0)
            o->heap = v;
        else if (strcmp(a, "--broken") == 0 && (strcmp(v, "leak") == 0 || strcmp(v, "overlap") == 0))
            o->broken = v;
        else if (strcmp(a, "--threads") == 0 && parse_ul(v, 1, MAX_THREADS, &n) == 0)
            o->threads = (unsigned)n;
        else if (strcmp(a, "--ops") == 0 && parse_ul(v, 1, 100000000ul, &n) == 0)
            o->ops = n;
        else if (strcmp(a, "--seed") == 0 && parse_ul(v, 0, ~0ul, &n) == 0)
            o->seed = n;
        else if (strcmp(a, "--timeout") == 0 && parse_ul(v, 1, 86400, &n) == 0)
            o->timeout = (double)n;
        else {
            fprintf(stderr, "hb_threads: bad option or value: %s %s\n", a, v);
            return usage("threads 1..64, ops 1..10^8, timeout 1..86400 s, broken leak or overlap");
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse(argc, argv, &o) != 0)
        return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct hb_heap_ops *ops = NULL;
    if (o.heap) {
        ops = hb_find_heap(o.heap);
        if (!ops) {
            fprintf(stderr, "hb_threads: unknown heap '%s'; registered heaps: ", o.heap);
            hb_print_heap_names(stderr);
            fprintf(stderr, " (each also as locked-spin:NAME, locked-mutex:NAME)\n");
            return 2;
        }
        if (!(ops->caps & HB_CAP_FREE)) {
            fprintf(stderr, "hb_threads: heap '%s' does not free (no HB_CAP_FREE): nothing to stress\n", ops->name);
            return 2;
        }
        if (o.broken) {
            broken_inner = ops;
            ops = strcmp(o.broken, "leak") == 0 ? &broken_leak_ops : &broken_overlap_ops;
        }
        if (!(ops->caps & HB_CAP_THREAD_SAFE) && !o.expect_failure) {
            fprintf(stderr,
                    "hb_threads: heap '%s' is not thread-safe (no HB_CAP_THREAD_SAFE): run it behind a lock "
                    "(--heap locked-spin:%s or locked-mutex:%s), or pass --expect-failure to show that it fails\n",
                    ops->name, ops->name, ops->name);
            return 2;
        }
    }
    struct hb_sv *sv = hb_sv_create(sizeof(struct result));
    if (!sv) {
        perror("hb_threads: supervisor");
        return 1;
    }
    printf("hb_threads: target %s, seed %" PRIu64 ", %u threads x %lu ops%s\n", HB_TARGET, o.seed, o.threads, o.ops,
           o.expect_failure ? ", a failure expected" : "");
    int bad = 0;
    if (ops) {
        bad = run_heap(sv, &o, ops);
    } else {
        for (size_t i = 0; hb_registered_heaps[i]; i++) {
            const struct hb_heap_ops *inner = hb_registered_heaps[i];
            if (!(inner->caps & HB_CAP_FREE)) {
                printf("SKIP    %s: does not free (no HB_CAP_FREE)\n", inner->name);
                continue;
            }
            if (inner->caps & HB_CAP_THREAD_SAFE) {
                bad |= run_heap(sv, &o, inner);
                continue;
            }
            bad |= run_heap(sv, &o, hb_lock_wrap(HB_LOCK_SPIN, HB_IRQ_NONE, inner));
            bad |= run_heap(sv, &o, hb_lock_wrap(HB_LOCK_MUTEX, HB_IRQ_NONE, inner));
        }
    }
    hb_sv_destroy(sv);
    return bad;
}

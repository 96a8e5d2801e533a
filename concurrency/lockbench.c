/*
 * lockbench.c - hb_lockbench: what the lock layer costs, and how it behaves
 * when threads contend for it.
 *
 * 1. Uncontended: one thread, alloc+free pairs of one size (64 bytes) on
 *    the bare heap and through each lock and interrupt policy, and the
 *    reserve's own alloc+free in interrupt context (what a handler pays
 *    under locked-*-reserve).  ns per pair, the median of --reps runs of
 *    --iters pairs, loop overhead included (it cancels in the "cost"
 *    column, which is the row less the bare heap).
 * 2. Contention: 1, 2 and 4 threads, each making --iters pairs on one
 *    shared heap behind a spinlock and behind a mutex.  Wall time from a
 *    common start to the last thread's end (the median of --reps runs); the table gives pairs per
 *    second for all threads together and the wall ns per pair of one
 *    thread.  With more threads than CPUs a spinlock holder can be
 *    descheduled while the waiters spin through their time slices; the
 *    program prints how many CPUs it saw, so the reader can tell.
 *
 * The figures are wall-clock times on whatever machine runs it: meaningful
 * on the host (without sanitizers: it says when they are on); under QEMU
 * user mode they measure the emulator (the program says so).
 */
#define _DEFAULT_SOURCE /* sysconf(_SC_NPROCESSORS_ONLN) with strict C11 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "lock.h"
#include "registry.h"

#define PAIR_SIZE 64
#define MAX_REPS 99
#define INITIAL_PAGES 256
#define ARENA_PAGES 1024

struct options {
    const char *heap;
    unsigned long iters;
    unsigned reps;
};

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ns per alloc+free pair over iters pairs. */
static double pairs_once(const struct hb_cc_heap *c, unsigned long iters, int in_irq)
{
    if (in_irq)
        hb_irq_enter();
    double t0 = now_ns();
    for (unsigned long i = 0; i < iters; i++) {
        void *p = c->ops->alloc(c->heap, PAIR_SIZE, 0, "bench");
        if (!p) {
            t0 = -1;
            break;
        }
        c->ops->free(c->heap, p);
    }
    double ns = t0 < 0 ? -1 : (now_ns() - t0) / (double)iters;
    if (in_irq)
        hb_irq_exit();
    return ns;
}

#define ROWS 8

static int uncontended(const struct hb_heap_ops *inner, const struct options *o)
{
    static const struct {
        enum hb_lock_kind kind;
        enum hb_irq_policy policy;
        int in_irq;
    } layers[ROWS - 1] = {
        {HB_LOCK_SPIN, HB_IRQ_NONE, 0},    {HB_LOCK_MUTEX, HB_IRQ_NONE, 0},   {HB_LOCK_SPIN, HB_IRQ_MASK, 0},
        {HB_LOCK_MUTEX, HB_IRQ_MASK, 0},   {HB_LOCK_SPIN, HB_IRQ_RESERVE, 0}, {HB_LOCK_MUTEX, HB_IRQ_RESERVE, 0},
        {HB_LOCK_SPIN, HB_IRQ_RESERVE, 1},
    };
    struct hb_cc_heap c[ROWS];
    char label[ROWS][160];
    int in_irq[ROWS] = {0};
    static double t[ROWS][MAX_REPS];
    int rc = 0;
    size_t made = 0;
    for (; made < ROWS && rc == 0; made++) {
        const struct hb_heap_ops *ops =
            made ? hb_lock_wrap(layers[made - 1].kind, layers[made - 1].policy, inner) : inner;
        in_irq[made] = made ? layers[made - 1].in_irq : 0;
        char msg[256];
        if (!ops || hb_cc_create(&c[made], ops, INITIAL_PAGES, ARENA_PAGES, msg, sizeof msg) != 0) {
            fprintf(stderr, "hb_lockbench: %s\n", ops ? msg : "no lock table left");
            rc = -1;
            break;
        }
        snprintf(label[made], sizeof label[made], "%s%s", ops->name, in_irq[made] ? " (in interrupt)" : "");
    }
    /* A warm-up pass, then the repetitions interleaved across the rows, so a
       change in the machine's load or clock touches every row alike. */
    for (unsigned r = 0; r <= o->reps && rc == 0; r++)
        for (size_t i = 0; i < ROWS && rc == 0; i++) {
            double ns = pairs_once(&c[i], r ? o->iters : o->iters / 10 + 1, in_irq[i]);
            if (ns < 0) {
                fprintf(stderr, "hb_lockbench: %s: alloc(%d) returned NULL\n", label[i], PAIR_SIZE);
                rc = -1;
            } else if (r) {
                t[i][r - 1] = ns;
            }
        }
    if (rc == 0) {
        printf("\n1. Uncontended: one thread, alloc(%d)+free pairs; median of %u interleaved runs of %lu\n", PAIR_SIZE,
               o->reps, o->iters);
        printf("%-40s %10s %10s %10s\n", "heap", "ns/pair", "cost", "min");
        double bare = 0;
        for (size_t i = 0; i < ROWS; i++) {
            qsort(t[i], o->reps, sizeof t[i][0], cmp_double);
            double med = t[i][o->reps / 2];
            if (i == 0)
                bare = med;
            printf("%-40s %10.1f %10.1f %10.1f\n", label[i], med, med - bare, t[i][0]);
        }
        printf("cost = the median less the bare heap's.  masked: two signal-mask system calls per call; reserve: a\n"
               "thread-local read and a range check per call; \"(in interrupt)\": a handler's alloc+free, served by\n"
               "the reserve without the lock.\n");
    }
    for (size_t i = 0; i < made; i++)
        hb_mm_destroy(c[i].mm);
    return rc;
}

/* ---- contention ------------------------------------------------------------------------ */

struct race {
    struct hb_cc_heap c;
    unsigned long iters;
    atomic_uint gate;
    atomic_int failed;
};

static void *racer(void *arg)
{
    struct race *r = arg;
    atomic_fetch_sub(&r->gate, 1);
    while (atomic_load(&r->gate))
        ;
    for (unsigned long i = 0; i < r->iters; i++) {
        void *p = r->c.ops->alloc(r->c.heap, PAIR_SIZE, 0, "bench");
        if (!p) {
            atomic_store(&r->failed, 1);
            break;
        }
        r->c.ops->free(r->c.heap, p);
    }
    return NULL;
}

/* Wall ns from the common start to the last thread's end; -1 on failure. */
static double race_ns(const struct hb_heap_ops *ops, unsigned threads, unsigned long iters)
{
    struct race *r = calloc(1, sizeof *r);
    char msg[256];
    if (!r || hb_cc_create(&r->c, ops, INITIAL_PAGES, ARENA_PAGES, msg, sizeof msg) != 0) {
        fprintf(stderr, "hb_lockbench: %s\n", r ? msg : "out of memory");
        free(r);
        return -1;
    }
    r->iters = iters;
    atomic_init(&r->gate, threads + 1);
    pthread_t tid[4];
    unsigned started = 0;
    for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, racer, r) != 0)
            break;
    if (started < threads) /* let the ones started go, then give up */
        atomic_store(&r->gate, 0);
    double t0 = now_ns();
    atomic_fetch_sub(&r->gate, 1);
    for (unsigned i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    double ns = now_ns() - t0;
    int bad = started < threads || atomic_load(&r->failed);
    hb_mm_destroy(r->c.mm);
    free(r);
    return bad ? -1 : ns;
}

static int contention(const struct hb_heap_ops *inner, const struct options *o)
{
    static const unsigned counts[] = {1, 2, 4};
    printf("\n2. Contention: T threads, each %lu alloc(%d)+free pairs on one shared heap; median of %u runs\n",
           o->iters, PAIR_SIZE, o->reps);
    printf("%-40s %3s %12s %14s %14s\n", "heap", "T", "wall ms", "Mpairs/s all", "wall ns/pair");
    for (int k = HB_LOCK_SPIN; k <= HB_LOCK_MUTEX; k++) {
        const struct hb_heap_ops *ops = hb_lock_wrap((enum hb_lock_kind)k, HB_IRQ_NONE, inner);
        if (!ops) {
            fprintf(stderr, "hb_lockbench: no lock table left\n");
            return -1;
        }
        for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
            double t[MAX_REPS], ns = 0;
            for (unsigned r = 0; r < o->reps && ns >= 0; r++)
                ns = t[r] = race_ns(ops, counts[i], o->iters);
            if (ns < 0) {
                fprintf(stderr, "hb_lockbench: %s with %u threads failed\n", ops->name, counts[i]);
                return -1;
            }
            qsort(t, o->reps, sizeof t[0], cmp_double);
            ns = t[o->reps / 2];
            double pairs = (double)counts[i] * (double)o->iters;
            printf("%-40s %3u %12.1f %14.2f %14.1f\n", ops->name, counts[i], ns / 1e6, pairs / ns * 1e3,
                   ns / (double)o->iters);
        }
    }
    return 0;
}

static void print_setting(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("hb_lockbench: target %s, %ld online CPU%s\n", HB_TARGET, cpus, cpus == 1 ? "" : "s");
#ifdef HB_UNDER_EMULATOR
    printf("EMULATOR: this build runs under QEMU user mode: every figure is emulator time, not the target's;\n"
           "          compare rows with each other, never with the host's figures.\n");
#endif
#if defined(__SANITIZE_ADDRESS__)
    printf("SANITIZERS: built with ASan/UBSan: every figure is inflated; use a build with -DHB_SANITIZE=OFF.\n");
#endif
    if (cpus < 4)
        printf("With %ld CPUs, 4 threads oversubscribe the machine: a thread holding the spinlock can be\n"
               "descheduled, and the waiters then spin through whole time slices; a mutex puts them to sleep.\n"
               "With 2 threads on 2 CPUs the figures include whatever else the machine runs.\n",
               cpus);
}

static int usage(const char *why)
{
    fprintf(stderr,
            "hb_lockbench: %s\n"
            "usage: hb_lockbench [--heap NAME] [--iters N] [--reps N]\n"
            "  defaults: --heap tlsf --iters 200000 --reps 5 (use fewer iterations under QEMU)\n",
            why);
    return 2;
}

int main(int argc, char **argv)
{
    struct options o = {"tlsf", 200000, 5};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[++i] : NULL;
        char *end = NULL;
        unsigned long n = v ? strtoul(v, &end, 10) : 0;
        int num_ok = v && *v && !*end;
        if (!v)
            return usage("an option lacks its value");
        if (strcmp(a, "--heap") == 0)
            o.heap = v;
        else if (strcmp(a, "--iters") == 0 && num_ok && n >= 1 && n <= 1000000000ul)
            o.iters = n;
        else if (strcmp(a, "--reps") == 0 && num_ok && n >= 1 && n <= MAX_REPS)
            o.reps = (unsigned)n;
        else {
            fprintf(stderr, "hb_lockbench: bad option or value: %s %s\n", a, v);
            return usage("iters 1..10^9, reps 1..99");
        }
    }
    const struct hb_heap_ops *inner = hb_find_heap(o.heap);
    if (!inner || !(inner->caps & HB_CAP_FREE) || hb_lock_is_layer(inner)) {
        fprintf(stderr, "hb_lockbench: '%s' is not a registered heap that frees; registered heaps: ", o.heap);
        hb_print_heap_names(stderr);
        fputc('\n', stderr);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    print_setting();
    if (uncontended(inner, &o) != 0 || contention(inner, &o) != 0)
        return 1;
    return 0;
}

/*
 * irq.c - hb_irq: allocation in interrupt context.
 *
 * A signal stands for an interrupt.  One thread runs a seeded sequence of
 * allocs and frees (blocks filled with stamped patterns, verified before
 * they are freed); interrupts arrive while it does, and the handler, like a
 * driver's interrupt routine, allocates a block, fills and verifies it,
 * frees it, and frees a block the normal code posted to it (a mailbox).  The
 * handler declares interrupt context (hb_irq_enter/hb_irq_exit), as a
 * kernel's interrupt entry code would.
 *
 * Triggers (--trigger):
 *   timer   a POSIX timer fires SIGALRM after seeded pseudo-random intervals
 *           (40..400 us), so interrupts land at whatever instruction the
 *           thread is at: inside or outside the heap, inside or outside the
 *           lock.
 *   count   SIGUSR1 is raised from inside the heap call, just after the
 *           lock was taken (a probe between the lock layer and the heap),
 *           at a seeded pseudo-random count of heap calls (1..16 apart):
 *           every interrupt lands in the locked section; reproducible.
 *
 * Outcomes, per heap:
 *   locked-spin:H, locked-mutex:H   the handler waits for the lock its own
 *       interrupted code holds: a deadlock.  The supervised child is killed
 *       (once it used --timeout seconds of CPU when it spins, once it used
 *       none for that long when it sleeps) and the parent reports "not
 *       interrupt-safe: allocation in interrupt context while the heap lock
 *       is held", with the heap and the interrupted call.  --expect-deadlock makes that the pass.
 *   H (no lock at all)   the handler runs the heap's code in the middle of
 *       the heap's own code: the article's "same block allocated twice";
 *       found as an overwritten block, a crash or a sanitizer report.
 *       --expect-failure makes that the pass.
 *   ...-masked:H   interrupts are held back while the lock is held: every
 *       handler runs with the lock free (checked), some during a heap call
 *       (checked: else the test proved nothing).
 *   ...-reserve:H  the handler allocates from the reserve and defers its
 *       frees: interrupts land in the locked section (checked) and nothing
 *       waits; at the end the reserve is empty, no deferred free was refused
 *       and the heap is back where it started.
 *
 * The shared result area (supervise.h) carries the counters and what the
 * handler was doing, so the parent can tell a deadlock from any other hang.
 */
#define _DEFAULT_SOURCE /* timer_create, sigaction with strict C11 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.h"
#include "lock.h"
#include "registry.h"
#include "rng.h"
#include "supervise.h"

#define LOCAL_MAX 32
#define INITIAL_PAGES 64
#define ARENA_PAGES 512
#define MAX_OPS_PER_INTERRUPT 20000ul /* ops without an interrupt before the run counts as stuck */

enum trigger { TRIGGER_TIMER, TRIGGER_COUNT };

struct options {
    const char *heap;
    enum trigger trigger;
    uint64_t seed;
    unsigned long interrupts;
    double timeout;
    int expect_deadlock;
    int expect_failure;
};

/* In the supervisor's shared result area. */
struct result {
    volatile int started;
    volatile int in_handler;    /* the handler is inside a heap call */
    volatile int held_at_entry; /* the heap lock was held when it made it */
    volatile size_t irq_size;   /* what the handler asked for */
    volatile unsigned long interrupts, during_call, while_locked, irq_allocs, irq_nulls, mailbox_frees, ops;
};

struct blk {
    unsigned char *p;
    size_t size;
    uint32_t stamp;
};

/* ---- the child: one heap, its interrupts ------------------------------------------- */

static const struct options *opt;
static const struct hb_heap_ops *ops;
static struct hb_cc_heap heap;
static struct result *R;
static struct hb_rng irq_rng; /* the handler's own */
static volatile sig_atomic_t in_call;
static timer_t timer;
static struct {
    unsigned char *volatile p; /* published last */
    volatile size_t size;
    volatile uint32_t stamp;
} mailbox;
static uint64_t main_allocs, main_frees;

static void arm_timer(void)
{
    struct itimerspec it = {{0, 0}, {0, (long)hb_rng_range(&irq_rng, 40, 400) * 1000}};
    timer_settime(timer, 0, &it, NULL);
}

static void handler_alloc_free(void)
{
    size_t size = hb_rng_range(&irq_rng, 1, 96);
    R->irq_size = size;
    R->in_handler = 1;
    unsigned char *p = ops->alloc(heap.heap, size, 0, "interrupt");
    R->in_handler = 0;
    if (!p) {
        R->irq_nulls++;
        return;
    }
    R->irq_allocs++;
    uint32_t stamp = 0xEE000000u | (uint32_t)(R->interrupts & 0xFFFFFF);
    hb_cc_fill(p, size, stamp);
    if (hb_cc_verify(p, size, stamp) >= 0)
        hb_sv_fail("heap '%s': the interrupt handler's block %p changed under it", opt->heap, (void *)p);
    R->in_handler = 1;
    int rc = ops->free(heap.heap, p);
    R->in_handler = 0;
    if (rc != HB_OK)
        hb_sv_fail("heap '%s': free(%p) in interrupt context returned %d", opt->heap, (void *)p, rc);
}

static void handler_mailbox(void)
{
    unsigned char *p = mailbox.p;
    if (!p)
        return;
    long off = hb_cc_verify(p, mailbox.size, mailbox.stamp);
    if (off >= 0)
        hb_sv_fail("heap '%s': the block %p posted to the interrupt handler was overwritten at offset %ld", opt->heap,
                   (void *)p, off);
    R->in_handler = 1;
    int rc = ops->free(heap.heap, p);
    R->in_handler = 0;
    if (rc != HB_OK)
        hb_sv_fail("heap '%s': free(%p) of a posted block in interrupt context returned %d", opt->heap, (void *)p, rc);
    mailbox.p = NULL;
    R->mailbox_frees++;
}

static void on_interrupt(int sig)
{
    (void)sig;
    int saved_errno = errno;
    hb_irq_enter();
    R->interrupts++;
    if (in_call)
        R->during_call++;
    struct hb_lock_info li;
    int held = hb_lock_info(ops, heap.heap, &li) == 0 && li.held;
    R->held_at_entry = held;
    if (held)
        R->while_locked++;
    handler_alloc_free();
    handler_mailbox();
    hb_irq_exit();
    if (opt->trigger == TRIGGER_TIMER && R->interrupts < opt->interrupts)
        arm_timer();
    errno = saved_errno;
}

/* ---- the count trigger's probe: between the lock layer and the heap ---------------- */

static const struct hb_heap_ops *probe_inner;
static struct hb_heap_ops probe_ops;
static unsigned long probe_calls, probe_next;

static void probe_tick(void)
{
    if (++probe_calls < probe_next || hb_in_irq() || R->interrupts >= opt->interrupts)
        return;
    probe_next = probe_calls + hb_rng_range(&irq_rng, 1, 16);
    raise(SIGUSR1);
}

static hb_heap *probe_create(void *block, size_t len, const struct hb_config *cfg)
{
    return probe_inner->create(block, len, cfg);
}

static void *probe_alloc(hb_heap *h, size_t size, size_t align, const char *tag)
{
    probe_tick();
    return probe_inner->alloc(h, size, align, tag);
}

static int probe_free(hb_heap *h, void *p)
{
    probe_tick();
    return probe_inner->free(h, p);
}

/* The heap with the probe under its lock layer: "LAYER:REST" becomes LAYER
   over (probe over REST); a heap that is not layered gets the probe on top. */
static const struct hb_heap_ops *with_probe(const char *name, const struct hb_heap_ops *whole)
{
    const char *colon = strchr(name, ':');
    const struct hb_heap_ops *layered = colon && hb_lock_is_layer(whole) ? hb_find_heap(colon + 1) : NULL;
    probe_inner = layered ? layered : whole;
    probe_ops = *probe_inner;
    probe_ops.create = probe_create;
    probe_ops.alloc = probe_alloc;
    probe_ops.free = probe_free;
    if (!layered)
        return &probe_ops;
    char layer[64];
    snprintf(layer, sizeof layer, "%.*s", (int)(colon - name), name);
    return hb_lock_layer(layer, &probe_ops);
}

/* ---- the normal code ------------------------------------------------------------------ */

static void main_alloc(struct hb_rng *r, struct blk *b, uint32_t stamp)
{
    size_t size = hb_rng_range(r, 1, 128);
    hb_sv_note("alloc", size, 0, NULL);
    in_call = 1;
    b->p = ops->alloc(heap.heap, size, 0, "normal");
    in_call = 0;
    R->ops++;
    if (!b->p)
        hb_sv_fail("heap '%s': alloc(%zu) returned NULL with %zu pages to grow into", opt->heap, size,
                   (size_t)ARENA_PAGES);
    main_allocs++;
    b->size = size;
    b->stamp = stamp;
    hb_cc_fill(b->p, size, stamp);
}

static void main_free(const struct blk *b)
{
    long off = hb_cc_verify(b->p, b->size, b->stamp);
    if (off >= 0)
        hb_sv_fail("heap '%s': block %p (%zu bytes) was overwritten at offset %ld: an interrupt's allocation "
                   "overlapped it",
                   opt->heap, (void *)b->p, b->size, off);
    hb_sv_note("free", b->size, 0, b->p);
    in_call = 1;
    int rc = ops->free(heap.heap, b->p);
    in_call = 0;
    R->ops++;
    if (rc != HB_OK)
        hb_sv_fail("heap '%s': free(%p) of a live block returned %d", opt->heap, (void *)b->p, rc);
    main_frees++;
}

static void post_to_mailbox(struct hb_rng *r, uint32_t stamp)
{
    struct blk b;
    main_alloc(r, &b, stamp);
    mailbox.size = b.size;
    mailbox.stamp = b.stamp;
    atomic_signal_fence(memory_order_seq_cst);
    mailbox.p = b.p;
}

static void install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    int sig = opt->trigger == TRIGGER_TIMER ? SIGALRM : SIGUSR1;
    if (sigaction(sig, &sa, NULL) != 0)
        hb_sv_fail("sigaction: %s", strerror(errno));
    if (opt->trigger == TRIGGER_TIMER) {
        struct sigevent sev;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_SIGNAL;
        sev.sigev_signo = SIGALRM;
        if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0)
            hb_sv_fail("timer_create: %s", strerror(errno));
        arm_timer();
    }
}

static void quiesce(void)
{
    sigset_t all;
    sigemptyset(&all);
    sigaddset(&all, SIGALRM);
    sigaddset(&all, SIGUSR1);
    sigprocmask(SIG_BLOCK, &all, NULL);
    if (opt->trigger == TRIGGER_TIMER)
        timer_delete(timer);
}

static void check_the_end(void)
{
    char msg[512];
    struct hb_lock_info li;
    int layered = hb_lock_info(ops, heap.heap, &li) == 0;
    if (layered && li.deferred_overflow)
        hb_sv_fail("heap '%s': %" PRIu64 " frees in interrupt context found no room to be deferred", opt->heap,
                   li.deferred_overflow);
    if (hb_cc_check_back_to_start(&heap, main_allocs + R->irq_allocs, main_frees + R->irq_allocs + R->mailbox_frees,
                                  msg, sizeof msg))
        hb_sv_fail("heap '%s': %s", opt->heap, msg);
    if (layered && li.reserve_in_use)
        hb_sv_fail("heap '%s': %u reserve slots still in use", opt->heap, li.reserve_in_use);
}

static void child_body(void *ctx)
{
    (void)ctx;
    R = hb_sv_result(NULL);
    char msg[256];
    if (hb_cc_create(&heap, ops, INITIAL_PAGES, ARENA_PAGES, msg, sizeof msg) != 0)
        hb_sv_fail("%s", msg);
    struct hb_rng r;
    hb_rng_seed(&r, opt->seed);
    hb_rng_seed(&irq_rng, opt->seed ^ 0x5157u);
    probe_next = hb_rng_range(&irq_rng, 1, 16);
    struct blk local[LOCAL_MAX];
    unsigned n = 0;
    uint32_t seq = 0;
    hb_sv_phase("interrupts running");
    R->started = 1;
    install_handler();
    unsigned long last_seen = 0, quiet = 0;
    while (R->interrupts < opt->interrupts) {
        uint32_t what = hb_rng_below(&r, 100);
        if (n == 0 || (what < 50 && n < LOCAL_MAX))
            main_alloc(&r, &local[n++], ++seq);
        else if (what < 95) {
            unsigned k = hb_rng_below(&r, n);
            main_free(&local[k]);
            local[k] = local[--n];
        } else if (!mailbox.p)
            post_to_mailbox(&r, ++seq);
        quiet = R->interrupts == last_seen ? quiet + 1 : 0;
        last_seen = R->interrupts;
        if (quiet > MAX_OPS_PER_INTERRUPT)
            hb_sv_fail("no interrupt arrived in %lu heap calls (%lu of %lu so far)", quiet, last_seen, opt->interrupts);
    }
    quiesce();
    hb_sv_phase("freeing every block; checking the heap is back to the start");
    while (n)
        main_free(&local[--n]);
    if (mailbox.p) {
        struct blk b = {mailbox.p, mailbox.size, mailbox.stamp};
        main_free(&b);
    }
    check_the_end();
}

/* ---- the parent ------------------------------------------------------------------------- */

static int report(const struct hb_sv_outcome *out, const struct result *res, const struct hb_heap_ops *whole)
{
    char call[512], how[1536];
    hb_sv_describe_call(&out->last, call, sizeof call);
    hb_sv_describe(out, how, sizeof how);
    const char *trig = opt->trigger == TRIGGER_TIMER ? "timer" : "count";
    if (out->end == HB_SV_TIMEOUT && res->in_handler && res->held_at_entry) {
        printf("DEADLOCK %s: not interrupt-safe: allocation in interrupt context while the heap lock is held\n"
               "         the interrupt handler asked for %zu bytes and waited for the lock until it was killed "
               "after %.1f s (%.2f s of CPU);\n"
               "         the code it interrupted holds the lock: it was %s\n"
               "         (trigger %s, seed %" PRIu64 ", interrupt #%lu, %lu of them inside the locked section)\n",
               opt->heap, (size_t)res->irq_size, out->seconds, out->cpu_seconds, call, trig, opt->seed,
               (unsigned long)res->interrupts, (unsigned long)res->while_locked);
        if (opt->expect_deadlock)
            printf("expected deadlock detected: heap '%s' (a plain lock) is not interrupt-safe\n", opt->heap);
        return opt->expect_deadlock ? 0 : 1;
    }
    if (out->end != HB_SV_DONE) {
        printf("%s %s (trigger %s, seed %" PRIu64 "): %s\n", res->started ? "FAIL    " : "ERROR   ", opt->heap, trig,
               opt->seed, out->end == HB_SV_FAILED ? out->message : how);
        int expected = opt->expect_failure && res->started;
        if (expected)
            printf("expected failure detected: heap '%s' is not safe against interrupts\n", opt->heap);
        hb_cc_print_output(out->output, out->output_len);
        return !expected;
    }
    const char *why = NULL;
    if (opt->expect_deadlock)
        why = "expected a deadlock, yet every interrupt completed";
    else if (opt->expect_failure)
        why = "expected a failure, yet every interrupt completed: raise --interrupts";
    else if (hb_lock_policy(whole) == HB_IRQ_MASK && res->while_locked)
        why = "an interrupt ran inside the locked section although interrupts were masked";
    else if (hb_lock_policy(whole) == HB_IRQ_MASK && !res->during_call)
        why = "no interrupt arrived during a heap call: the test proved nothing";
    else if (hb_lock_policy(whole) == HB_IRQ_RESERVE && !res->while_locked)
        why = "no interrupt landed inside the locked section: the test proved nothing";
    printf("%s %s: %lu interrupts (trigger %s, seed %" PRIu64 "), %lu during a heap call, %lu inside the locked "
           "section; the handler allocated %lu times (%lu refused) and freed %lu posted blocks; %lu heap calls; "
           "stats back to the start [%.2f s]\n",
           why ? "FAIL    " : "PASS    ", opt->heap, (unsigned long)res->interrupts, trig, opt->seed,
           (unsigned long)res->during_call, (unsigned long)res->while_locked, (unsigned long)res->irq_allocs,
           (unsigned long)res->irq_nulls, (unsigned long)res->mailbox_frees, (unsigned long)res->ops, out->seconds);
    if (why)
        printf("         %s\n", why);
    return why != NULL;
}

static int usage(const char *why)
{
    fprintf(stderr,
            "hb_irq: %s\n"
            "usage: hb_irq --heap NAME [--trigger timer|count] [--interrupts N] [--seed N] [--timeout SEC]\n"
            "              [--expect-deadlock | --expect-failure]\n"
            "  NAME: a heap behind the lock layer, e.g. locked-spin:tlsf, locked-spin-masked:tlsf,\n"
            "        locked-spin-reserve:tlsf (also -mutex)\n",
            why);
    return 2;
}

static int parse(int argc, char **argv, struct options *o)
{
    *o = (struct options){NULL, TRIGGER_TIMER, 1, 300, 30.0, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--expect-deadlock") == 0) {
            o->expect_deadlock = 1;
            continue;
        }
        if (strcmp(a, "--expect-failure") == 0) {
            o->expect_failure = 1;
            continue;
        }
        if (!v)
            return usage(strncmp(a, "--", 2) == 0 ? "an option lacks its value" : "unexpected argument");
        i++;
        char *end;
        unsigned long n = strtoul(v, &end, 10);
        int num_ok = *v && !*end;
        if (strcmp(a, "--heap") == 0)
            o->heap = v;
        else if (strcmp(a, "--trigger") == 0 && strcmp(v, "timer") == 0)
            o->trigger = TRIGGER_TIMER;
        else if (strcmp(a, "--trigger") == 0 && strcmp(v, "count") == 0)
            o->trigger = TRIGGER_COUNT;
        else if (strcmp(a, "--interrupts") == 0 && num_ok && n >= 1 && n <= 1000000)
            o->interrupts = n;
        else if (strcmp(a, "--seed") == 0 && num_ok)
            o->seed = n;
        else if (strcmp(a, "--timeout") == 0 && num_ok && n >= 1 && n <= 86400)
            o->timeout = (double)n;
        else {
            fprintf(stderr, "hb_irq: bad option or value: %s %s\n", a, v);
            return usage("trigger timer or count, interrupts 1..10^6, timeout 1..86400 s");
        }
    }
    if (!o->heap)
        return usage("--heap is required");
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse(argc, argv, &o) != 0)
        return 2;
    opt = &o;
    const struct hb_heap_ops *whole = hb_find_heap(o.heap);
    if (!whole) {
        fprintf(stderr, "hb_irq: unknown heap '%s'; registered heaps: ", o.heap);
        hb_print_heap_names(stderr);
        fprintf(stderr, " (each as locked-spin:NAME, locked-spin-masked:NAME, locked-spin-reserve:NAME; or -mutex)\n");
        return 2;
    }
    ops = o.trigger == TRIGGER_COUNT ? with_probe(o.heap, whole) : whole;
    if (!ops) {
        fprintf(stderr, "hb_irq: no lock table left for the probe over '%s'\n", o.heap);
        return 1;
    }
    struct hb_sv *sv = hb_sv_create(sizeof(struct result));
    if (!sv) {
        perror("hb_irq: supervisor");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct hb_sv_opts so = {.timeout = o.timeout, .capture = 1};
    struct hb_sv_outcome out;
    hb_sv_run(sv, &so, child_body, NULL, &out);
    int rc = report(&out, hb_sv_result_area(sv, NULL), whole);
    hb_sv_destroy(sv);
    return rc;
}

/*
 * test_supervise.c - hb_sv_run against bodies that end in every way the
 * supervisor must tell apart: completion, a reported failure, exit(0) and
 * exit(77) without completing, a crash with its fault address, a stack
 * overflow, abort, a hang with every signal blocked, a sanitizer report
 * (sanitizer builds only), captured output in order and truncated.  The
 * time limit is CPU time: a spinning child that shares its CPU with busy
 * processes is killed once it used its limit (not at that much wall time),
 * one that needs less CPU than its limit completes however long it waits
 * for the CPU; one that sleeps for ever is killed as blocked once it used no
 * CPU for its blocked limit, and one that mostly sleeps, using a little CPU
 * now and then, by the wall backstop.
 */
#define _GNU_SOURCE /* sched_setaffinity */
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "expect.h"
#include "supervise.h"

static void body_done(void *ctx)
{
    (void)ctx;
    hb_sv_note("alloc", 24, 8, NULL);
    hb_sv_note("free", 24, 8, (void *)0x1000);
    hb_sv_phase("step two");
    size_t len;
    unsigned char *r = hb_sv_result(&len);
    if (r && len >= 4)
        memcpy(r, "ok!", 4);
}

static void body_fail(void *ctx)
{
    (void)ctx;
    hb_sv_note("alloc", 1, 1, NULL);
    hb_sv_fail("block %d was overwritten", 5);
}

static void body_exit0(void *ctx)
{
    (void)ctx;
    hb_sv_note("alloc", 24, 1, NULL);
    exit(0);
}

static void body_exit77(void *ctx)
{
    (void)ctx;
    hb_sv_note("free", 8, 0, (void *)0x40);
    exit(77);
}

static void body_segv(void *ctx)
{
    (void)ctx;
    hb_sv_note("walk", 0, 0, NULL);
    volatile uintptr_t addr = 16;
    *(volatile int *)addr = 1;
}

static volatile int depth_limit = 1 << 30; /* never reached: the stack ends first */

static int recurse(volatile char *prev, int depth)
{
    volatile char frame[512];
    frame[0] = (char)(prev ? prev[0] : 1);
    frame[511] = (char)depth;
    if (depth >= depth_limit)
        return 0;
    return recurse(frame, depth + 1) + frame[511];
}

static void body_overflow(void *ctx)
{
    (void)ctx;
    hb_sv_note("alloc", 100, 16, NULL);
    printf("%d\n", recurse(NULL, 0));
}

static void body_abort(void *ctx)
{
    (void)ctx;
    hb_sv_note("check", 0, 0, NULL);
    abort();
}

static void body_hang(void *ctx)
{
    (void)ctx;
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    signal(SIGALRM, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    hb_sv_note("alloc", 7, 4096, NULL);
    for (volatile int spin = 1; spin;)
        ;
}

/* ---- competition for the CPU ------------------------------------------------
   Busy processes pinned to one CPU, and a body that pins itself there too:
   it gets at most a third of that CPU, whatever the rest of the machine does. */
#define SPINNERS 2
static int shared_cpu = -1; /* the CPU they share; -1: none */
static pid_t spinners[SPINNERS];

static void pin(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(shared_cpu, &set);
    if (shared_cpu >= 0)
        sched_setaffinity(0, sizeof set, &set);
}

static int compete_start(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    for (int c = 0; c < CPU_SETSIZE && shared_cpu < 0; c++)
        if (CPU_ISSET(c, &set))
            shared_cpu = c;
    for (int i = 0; i < SPINNERS; i++) {
        spinners[i] = fork();
        if (spinners[i] == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            pin();
            for (volatile int spin = 1; spin;)
                ;
        }
    }
    return 0;
}

static void compete_stop(void)
{
    for (int i = 0; i < SPINNERS; i++)
        if (spinners[i] > 0) {
            kill(spinners[i], SIGKILL);
            waitpid(spinners[i], NULL, 0);
        }
}

static double own_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Spins on the shared CPU until it used *(double *)ctx seconds of CPU time. */
static void body_needs_cpu(void *ctx)
{
    pin();
    hb_sv_note("alloc", 48, 8, NULL);
    double need = *(const double *)ctx;
    while (own_cpu() < need)
        ;
}

/* Spins for 12 ms of CPU, sleeps for 0.5 s, for ever: it never goes a
   second without using CPU, yet uses less than 3 % of the wall time. */
static void body_dozes(void *ctx)
{
    (void)ctx;
    hb_sv_note("walk", 0, 0, NULL);
    for (;;) {
        double until = own_cpu() + 0.012;
        while (own_cpu() < until)
            ;
        struct timespec ts = {0, 500000000L};
        nanosleep(&ts, NULL);
    }
}

/* Blocks for ever without using CPU. */
static void body_sleeps(void *ctx)
{
    (void)ctx;
    hb_sv_note("lock", 0, 0, NULL);
    for (;;)
        pause();
}

static void body_output(void *ctx)
{
    (void)ctx;
    printf("one\n");
    fflush(stdout);
    fprintf(stderr, "two\n");
    printf("three\n");
}

static void body_flood(void *ctx)
{
    (void)ctx;
    for (int i = 0; i < 5000; i++)
        printf("line %d of a long report\n", i);
}

#if defined(__SANITIZE_ADDRESS__)
/* UBSan's object-size check catches this one first. */
static void body_ubsan(void *ctx)
{
    (void)ctx;
    hb_sv_note("free", 16, 0, NULL);
    char *p = malloc(16);
    volatile size_t at = 16;
    p[at] = 1;
    free(p);
}

/* Only ASan sees a use after free. */
static void body_asan(void *ctx)
{
    (void)ctx;
    hb_sv_note("walk", 0, 0, NULL);
    char *volatile p = malloc(16);
    free(p);
    printf("%d\n", p[3]);
}
#endif

/* The child dies with its parent: the inner child of a nested run records
   its pid, kills its own parent (the outer child) and spins. */
static volatile int32_t *orphan_pid;

static void body_orphan_spin(void *ctx)
{
    (void)ctx;
    *orphan_pid = (int32_t)getpid();
    kill(getppid(), SIGKILL);
    for (volatile int spin = 1; spin;)
        ;
}

static void body_nested(void *ctx)
{
    (void)ctx;
    orphan_pid = hb_sv_result(NULL); /* the outer run's area, inherited by the inner child */
    struct hb_sv *inner = hb_sv_create(0);
    struct hb_sv_opts o = {30, 0, 0};
    struct hb_sv_outcome out;
    if (inner)
        hb_sv_run(inner, &o, body_orphan_spin, NULL, &out);
}

/* A body that leaves a spinning process of its own behind. */
static void body_forks(void *ctx)
{
    (void)ctx;
    volatile int32_t *slot = hb_sv_result(NULL);
    pid_t pid = fork();
    if (pid == 0)
        for (volatile int spin = 1; spin;)
            ;
    *slot = (int32_t)pid;
}

/* Gone, or a zombie, within a second? */
static int process_ends(pid_t pid)
{
    for (int i = 0; i < 100; i++) {
        char path[64], stat[256] = "";
        snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (!f)
            return 1;
        size_t n = fread(stat, 1, sizeof stat - 1, f);
        fclose(f);
        stat[n] = '\0';
        const char *close_paren = strrchr(stat, ')');
        if (close_paren && (close_paren[2] == 'Z' || close_paren[2] == 'X'))
            return 1;
        struct timespec ts = {0, 10000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static struct hb_sv_outcome run(struct hb_sv *sv, hb_sv_body body, double timeout, int capture)
{
    struct hb_sv_opts o = {timeout, capture, 0};
    struct hb_sv_outcome out;
    if (hb_sv_run(sv, &o, body, NULL, &out) != 0)
        printf("FAIL: could not start a child: %s\n", out.message);
    char line[2048];
    hb_sv_describe(&out, line, sizeof line);
    printf("  %s\n", line);
    return out;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct hb_sv *sv = hb_sv_create(64);
    if (!sv) {
        perror("hb_sv_create");
        return 1;
    }
    char line[2048];
    struct hb_sv_outcome o;

    /* The wall limits: the backstop is 20x a short CPU limit, and a long
       one's plus at most the cap (the bench's 60 s: 361 s, not 1201);
       within a rounding (i386 computes in x87 registers). */
    EXPECT(fabs(hb_sv_blocked_limit(0.3) - (0.3 + HB_SV_MARGIN)) < 1e-9, "blocked limit of 0.3 s: %g",
           hb_sv_blocked_limit(0.3));
    EXPECT(fabs(hb_sv_backstop(0.1) - (20 * 0.1 + HB_SV_MARGIN)) < 1e-9, "backstop of 0.1 s: %g", hb_sv_backstop(0.1));
    EXPECT(fabs(hb_sv_backstop(60) - (60 + HB_SV_BACKSTOP_CAP + HB_SV_MARGIN)) < 1e-9, "backstop of 60 s: %g",
           hb_sv_backstop(60));

    o = run(sv, body_done, 10, 1);
    EXPECT(o.end == HB_SV_DONE && o.limit == HB_SV_LIMIT_NONE && o.cpu_seconds >= 0 && o.cpu_seconds < o.seconds + 1,
           "completed body: end %d limit %d", o.end, o.limit);
    EXPECT(o.last.seq == 2 && !strcmp(o.last.op, "free") && o.last.ptr == 0x1000 && !strcmp(o.last.phase, "step two"),
           "last call: seq %llu op %s", (unsigned long long)o.last.seq, o.last.op);
    EXPECT(o.result_len == 64 && !memcmp(o.result, "ok!", 4), "result area not passed back");
    size_t area_len;
    unsigned char *area = hb_sv_result_area(sv, &area_len);
    EXPECT(area == o.result && area_len == 64, "the parent's view of the result area differs");
    memset(area, 0, area_len);

    o = run(sv, body_fail, 10, 1);
    EXPECT(o.end == HB_SV_FAILED && !strcmp(o.message, "block 5 was overwritten"), "failure: end %d message '%s'",
           o.end, o.message);

    o = run(sv, body_exit0, 10, 1);
    hb_sv_describe(&o, line, sizeof line);
    EXPECT(o.end == HB_SV_EXITED && o.status == 0, "exit(0): end %d", o.end);
    EXPECT(!strcmp(line, "EXIT: the heap ended the process (status 0) during alloc: size 24, align 1 (heap call #1)"),
           "exit(0) description: %s", line);

    o = run(sv, body_exit77, 10, 1);
    EXPECT(o.end == HB_SV_EXITED && o.status == 77, "exit(77): end %d status %d", o.end, o.status);
    EXPECT(o.last.seq == 1 && !strcmp(o.last.op, "free"), "exit(77): last call '%s'", o.last.op);

    o = run(sv, body_segv, 10, 1);
    EXPECT(o.end == HB_SV_SIGNALED && o.signal == SIGSEGV && o.has_fault_addr && o.fault_addr == 16,
           "SIGSEGV: end %d signal %d fault %#lx", o.end, o.signal, (unsigned long)o.fault_addr);

    o = run(sv, body_overflow, 20, 1);
    hb_sv_describe(&o, line, sizeof line);
    EXPECT(o.end == HB_SV_STACK_OVERFLOW &&
               !strncmp(line, "CRASH: stack overflow during alloc: size 100, align 16", 54),
           "stack overflow: end %d: %s", o.end, line);

    o = run(sv, body_abort, 10, 1);
    EXPECT(o.end == HB_SV_SIGNALED && o.signal == SIGABRT, "abort: end %d signal %d", o.end, o.signal);

    o = run(sv, body_hang, 0.3, 1);
    EXPECT(o.end == HB_SV_TIMEOUT && o.seconds >= 0.3 && o.seconds < 5 && !strcmp(o.last.op, "alloc") &&
               o.last.align == 4096,
           "hang: end %d after %.2f s, last '%s'", o.end, o.seconds, o.last.op);

    hb_sv_describe(&o, line, sizeof line);
    EXPECT(o.limit == HB_SV_LIMIT_CPU && o.cpu_seconds >= 0.3 && !strncmp(line, "TIMEOUT: 0.", 11),
           "hang: limit %d, %.2f s of CPU: %s", o.limit, o.cpu_seconds, line);

    /* CPU time, not wall time: sharing a CPU with SPINNERS busy processes,
       a spinning child is killed once it used its 0.3 s of CPU (it took
       more wall time than that), and one that needs 0.3 s of CPU under a
       limit of 0.6 s completes although it takes longer than 0.6 s. */
    EXPECT(compete_start() == 0, "no CPU affinity to pin processes with");
    double forever = 1e9, needs = 0.3;
    struct hb_sv_opts cpu_limit = {0.3, 1, 0};
    hb_sv_run(sv, &cpu_limit, body_needs_cpu, &forever, &o);
    hb_sv_describe(&o, line, sizeof line);
    printf("  sharing a CPU: %s\n", line);
    EXPECT(o.end == HB_SV_TIMEOUT && o.limit == HB_SV_LIMIT_CPU && o.cpu_seconds >= 0.3 && o.cpu_seconds < 0.6 &&
               o.seconds > 1.5 * o.cpu_seconds,
           "spinning while sharing a CPU: end %d limit %d after %.2f s of CPU, %.2f s wall", o.end, o.limit,
           o.cpu_seconds, o.seconds);
    struct hb_sv_opts roomy = {0.6, 1, 0};
    hb_sv_run(sv, &roomy, body_needs_cpu, &needs, &o);
    hb_sv_describe(&o, line, sizeof line);
    printf("  sharing a CPU: %s\n", line);
    EXPECT(o.end == HB_SV_DONE && o.limit == HB_SV_LIMIT_NONE && o.cpu_seconds >= 0.3 && o.seconds > roomy.timeout,
           "0.3 s of CPU under a limit of 0.6 s while sharing a CPU: end %d after %.2f s of CPU, %.2f s wall", o.end,
           o.cpu_seconds, o.seconds);
    compete_stop();

    /* A child that blocks uses no CPU: killed as blocked once it used none
       for its blocked limit (0.3 s + the margin). */
    o = run(sv, body_sleeps, 0.3, 1);
    hb_sv_describe(&o, line, sizeof line);
    EXPECT(o.end == HB_SV_TIMEOUT && o.limit == HB_SV_LIMIT_BLOCKED && o.blocked_limit == hb_sv_blocked_limit(0.3) &&
               o.blocked_limit > 0.3 && o.seconds >= o.blocked_limit && o.seconds < o.blocked_limit + 2 &&
               o.cpu_seconds < 0.1 && !strncmp(line, "TIMEOUT: blocked: ", 18) && strstr(line, "during lock"),
           "blocked: end %d limit %d after %.2f s wall, %.2f s of CPU: %s", o.end, o.limit, o.seconds, o.cpu_seconds,
           line);

    /* One that uses a little CPU now and then is not blocked, but cannot
       use its 0.1 s of CPU before the wall backstop. */
    o = run(sv, body_dozes, 0.1, 1);
    hb_sv_describe(&o, line, sizeof line);
    EXPECT(o.end == HB_SV_TIMEOUT && o.limit == HB_SV_LIMIT_WALL && o.backstop == hb_sv_backstop(0.1) &&
               o.backstop > o.blocked_limit && o.seconds >= o.backstop && o.seconds < o.backstop + 2 &&
               o.cpu_seconds < 0.1 && !strncmp(line, "TIMEOUT: wall backstop: ", 24),
           "dozing: end %d limit %d after %.2f s wall, %.2f s of CPU: %s", o.end, o.limit, o.seconds, o.cpu_seconds,
           line);

    o = run(sv, body_output, 10, 1);
    EXPECT(o.end == HB_SV_DONE && !strcmp(o.output, "one\ntwo\nthree\n"), "captured output '%s'", o.output);

    struct hb_sv_opts small = {10, 1, 1000};
    hb_sv_run(sv, &small, body_flood, NULL, &o);
    EXPECT(o.end == HB_SV_DONE && o.output_truncated && o.output_len == 1000 &&
               !strncmp(o.output, "line 0 of a long report\n", 24),
           "flood: end %d truncated %d len %zu", o.end, o.output_truncated, o.output_len);

#if defined(__SANITIZE_ADDRESS__)
    o = run(sv, body_ubsan, 20, 1);
    EXPECT(o.end == HB_SV_SANITIZER && strstr(o.sanitizer_line, "runtime error:") && !strcmp(o.last.op, "free"),
           "UBSan: end %d line '%s'", o.end, o.sanitizer_line);
    o = run(sv, body_asan, 20, 1);
    EXPECT(o.end == HB_SV_SANITIZER && strstr(o.sanitizer_line, "ERROR: AddressSanitizer: heap-use-after-free") &&
               !strcmp(o.last.op, "walk"),
           "ASan: end %d line '%s'", o.end, o.sanitizer_line);
#endif

    memset(area, 0, area_len);
    o = run(sv, body_nested, 10, 1);
    pid_t orphan = (pid_t) * (volatile int32_t *)area;
    EXPECT(o.end == HB_SV_SIGNALED && o.signal == SIGKILL, "nested: the outer child was not killed: end %d", o.end);
    EXPECT(orphan > 0 && process_ends(orphan), "the inner child %d outlived its parent", (int)orphan);
    if (orphan > 0)
        kill(orphan, SIGKILL); /* never leave it spinning, whatever the verdict */

    memset(area, 0, area_len);
    o = run(sv, body_forks, 10, 1);
    pid_t left = (pid_t) * (volatile int32_t *)area;
    EXPECT(o.end == HB_SV_DONE && left > 0 && process_ends(left), "the body's own child %d outlived the run",
           (int)left);
    if (left > 0)
        kill(left, SIGKILL);

    o = run(sv, body_done, 10, 0);
    EXPECT(o.end == HB_SV_DONE && o.output_len == 0, "a run after failures, without capture: end %d", o.end);

    hb_sv_destroy(sv);
    printf("%s\n", hb_expect_failures ? "supervise: FAILED" : "supervise: all checks passed");
    return hb_expect_failures != 0;
}

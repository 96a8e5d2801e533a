/*
 * supervise.c - run heap code in a forked child and say how it ended (see
 * supervise.h for the contract).
 *
 * Parent: clears the shared record, draws a nonce, forks, then loops on
 * poll(capture pipe) and waitpid(WNOHANG) until the child is gone or a limit
 * is reached (then SIGKILL).  At every wake it reads the child's CPU time
 * from its process CPU clock (clock_getcpuclockid; /proc/<pid>/stat's
 * utime + stime where that clock cannot be read; the wall time itself if
 * neither can) and notes the wall time whenever the CPU time grew by
 * HB_SV_PROGRESS since the last note: the child is blocked when the last
 * note is blocked_limit old.  The waits are at most 50 ms, and shorter as a
 * limit nears (the CPU time left over the number of CPUs: the child cannot
 * use it faster).  The CPU time reported is the reaped child's
 * resource usage.  The end is classified from the record,
 * the wait status and the captured output, in this order: completion nonce
 * (with a clean exit); parent's timeout; failure nonce; a sanitizer report
 * (in the output, or the runtime's death callback); signal (a stack overflow
 * when the fault address lies in the stack's range); plain exit.  The child
 * runs in its own process group, which the parent kills once the child is
 * gone.
 *
 * Child: asks to die with its parent, points stdout/stderr at the pipe,
 * unblocks every signal, installs crash handlers on an alternate stack
 * (they record the signal and fault address, then re-raise with the default
 * action so the wait status is the real signal), runs the body, flushes
 * stdio and writes the nonce.  The nonce reaches the child as a copy in its
 * own memory; the shared record holds it only once the body has returned
 * (or, in the failure field, once the body reported a failure).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, sigaltstack */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CAPTURE_DEFAULT ((size_t)64 * 1024)
#define ALT_STACK_BYTES ((size_t)64 * 1024)

/* The shared page(s).  Written by the child, read by the parent after the
   child is gone; volatile where a signal handler or the order of stores
   matters. */
struct record {
    volatile uint64_t seq;
    volatile size_t size, align;
    volatile uintptr_t ptr;
    char op[HB_SV_OP_LEN];
    char phase[HB_SV_PHASE_LEN];
    volatile uint64_t done;   /* the nonce, once the body returned */
    volatile uint64_t failed; /* the nonce, when the body called hb_sv_fail */
    char message[HB_SV_MSG_LEN];
    volatile int signal;
    volatile int has_fault_addr;
    volatile uintptr_t fault_addr;
    volatile int stack_overflow;
    volatile int sanitizer;
    size_t result_len;
    unsigned char result[]; /* result_len bytes */
};

struct hb_sv {
    struct record *rec;
    size_t map_len;
    uint64_t nonce_state;
    char *out;
    size_t out_len, out_cap;
    int out_truncated;
};

/* ---- child-side state (each child has its own copy) ------------------- */

static struct record *child_rec;  /* non-NULL only in a supervised child */
static uint64_t child_nonce;      /* for hb_sv_fail */
static const char *child_last_op; /* op pointer last copied into the record */
static uintptr_t child_stack_lo, child_stack_hi;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void copy_bounded(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && src[i] && i + 1 < cap; i++)
        dst[i] = src[i];
    dst[i] = '\0';
}

struct hb_sv *hb_sv_create(size_t result_bytes)
{
    struct hb_sv *sv = calloc(1, sizeof *sv);
    if (!sv)
        return NULL;
    sv->map_len = sizeof(struct record) + result_bytes;
    void *m = mmap(NULL, sv->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        free(sv);
        return NULL;
    }
    sv->rec = m;
    sv->rec->result_len = result_bytes;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    sv->nonce_state =
        (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 17) ^ (uint64_t)(uintptr_t)sv;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        uint64_t r;
        if (read(fd, &r, sizeof r) == (ssize_t)sizeof r)
            sv->nonce_state ^= r;
        close(fd);
    }
    return sv;
}

void hb_sv_destroy(struct hb_sv *sv)
{
    if (!sv)
        return;
    munmap(sv->rec, sv->map_len);
    free(sv->out);
    free(sv);
}

/* ---- child side ---------------------------------------------------------- */

int hb_sv_in_child(void)
{
    return child_rec != NULL;
}

void hb_sv_note(const char *op, size_t size, size_t align, const void *ptr)
{
    struct record *r = child_rec;
    if (!r)
        return;
    if (op != child_last_op) {
        copy_bounded(r->op, sizeof r->op, op);
        child_last_op = op;
    }
    r->size = size;
    r->align = align;
    r->ptr = (uintptr_t)ptr;
    r->seq = r->seq + 1;
}

void hb_sv_phase(const char *text)
{
    if (child_rec)
        copy_bounded(child_rec->phase, sizeof child_rec->phase, text);
}

void *hb_sv_result(size_t *len)
{
    if (!child_rec || child_rec->result_len == 0) {
        if (len)
            *len = 0;
        return NULL;
    }
    if (len)
        *len = child_rec->result_len;
    return child_rec->result;
}

void hb_sv_vfail(const char *fmt, va_list ap)
{
    if (!child_rec) {
        fputs("FAIL: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        fflush(NULL);
        _exit(1);
    }
    vsnprintf(child_rec->message, sizeof child_rec->message, fmt, ap);
    fflush(NULL);
    child_rec->failed = child_nonce;
    _exit(1);
}

void hb_sv_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hb_sv_vfail(fmt, ap);
}

/* A sanitizer runtime, when linked, calls this just before it ends the
   process.  Weak: absent from builds without sanitizers.  (With GCC, UBSan
   has its own runtime copy and does not call it: its report is recognised
   in the captured output instead.) */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static void on_sanitizer_death(void)
{
    if (child_rec)
        child_rec->sanitizer = 1;
}

static void on_crash(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    struct record *r = child_rec;
    if (r) {
        r->signal = sig;
        if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE) {
            uintptr_t a = (uintptr_t)si->si_addr;
            r->fault_addr = a;
            r->has_fault_addr = 1;
            r->stack_overflow = sig == SIGSEGV && a >= child_stack_lo && a < child_stack_hi;
        }
    }
    /* Die of the same signal with its default action. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    sigprocmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    _exit(128 + sig);
}

/* The range a stack overflow faults in: from the current frame down by the
   stack's size limit (8 MiB assumed when unlimited or unknown), plus a
   margin for the guard gap below it. */
static void note_stack_range(void)
{
    volatile char here = 0;
    uintptr_t hi = (uintptr_t)&here;
    uint64_t limit = 8u << 20;
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > 0)
        limit = (uint64_t)rl.rlim_cur;
    uint64_t reach = limit + (1u << 20);
    child_stack_hi = hi + (uintptr_t)64 * 1024;
    child_stack_lo = hi > reach ? hi - (uintptr_t)reach : 0;
}

static void install_crash_handlers(void)
{
    static unsigned char alt[ALT_STACK_BYTES];
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = alt;
    ss.ss_size = sizeof alt;
    sigaltstack(&ss, NULL);
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
    /* Signals the parent may have caught or ignored get their default action. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    static const int plain[] = {SIGALRM, SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        sigaction(plain[i], &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

_Noreturn static void child_main(struct hb_sv *sv, uint64_t nonce, pid_t parent, int out_fd, hb_sv_body body, void *ctx)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(125);
    setpgid(0, 0); /* its own group: the parent ends any descendant with it */
    if (out_fd >= 0) {
        dup2(out_fd, STDOUT_FILENO);
        dup2(out_fd, STDERR_FILENO);
        if (out_fd != STDOUT_FILENO && out_fd != STDERR_FILENO)
            close(out_fd);
    }
    child_rec = sv->rec;
    child_nonce = nonce;
    child_last_op = NULL;
    install_crash_handlers();
    if (__sanitizer_set_death_callback)
        __sanitizer_set_death_callback(on_sanitizer_death);
    note_stack_range();
    body(ctx);
    fflush(NULL);
    child_rec->done = nonce;
    _exit(0);
}

/* ---- parent side ------------------------------------------------------- */

static void keep_output(struct hb_sv *sv, const char *buf, size_t n, size_t max)
{
    size_t room = max > sv->out_len ? max - sv->out_len : 0;
    if (n > room) {
        sv->out_truncated = 1;
        n = room;
    }
    if (n == 0)
        return;
    if (!sv->out || sv->out_len + n + 1 > sv->out_cap) {
        size_t cap = sv->out_cap ? sv->out_cap : 4096;
        while (cap < sv->out_len + n + 1)
            cap *= 2;
        char *p = realloc(sv->out, cap);
        if (!p) {
            sv->out_truncated = 1;
            return;
        }
        sv->out = p;
        sv->out_cap = cap;
    }
    memcpy(sv->out + sv->out_len, buf, n);
    sv->out_len += n;
    sv->out[sv->out_len] = '\0';
}

/* Reads what is there; returns 0 at end of file. */
static int drain(struct hb_sv *sv, int fd, size_t max)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            keep_output(sv, buf, (size_t)n, max);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return 1;
        return 0;
    }
}

/* The first line of a sanitizer report in the captured output; 0 if none. */
static int find_sanitizer_line(const char *out, char *dst, size_t cap)
{
    static const char *const marks[] = {"runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                                        "Sanitizer"};
    dst[0] = '\0';
    for (size_t m = 0; m < sizeof marks / sizeof marks[0] && out; m++) {
        const char *hit = strstr(out, marks[m]);
        if (!hit)
            continue;
        const char *start = hit;
        while (start > out && start[-1] != '\n')
            start--;
        size_t n = strcspn(start, "\n");
        if (n + 1 > cap)
            n = cap - 1;
        memcpy(dst, start, n);
        dst[n] = '\0';
        return 1;
    }
    copy_bounded(dst, cap, "(no report captured)");
    return 0;
}

static void copy_call(const struct record *r, struct hb_sv_call *c)
{
    copy_bounded(c->op, sizeof c->op, r->op);
    c->size = r->size;
    c->align = r->align;
    c->ptr = r->ptr;
    c->seq = r->seq;
    copy_bounded(c->phase, sizeof c->phase, r->phase);
}

static void classify(struct hb_sv *sv, uint64_t nonce, int timed_out, int ws, struct hb_sv_outcome *out)
{
    struct record *r = sv->rec;
    if (r->done == nonce && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
        out->end = HB_SV_DONE; /* even when it ended just at the deadline */
    else if (timed_out)
        out->end = HB_SV_TIMEOUT;
    else if (r->failed == nonce) {
        out->end = HB_SV_FAILED;
        copy_bounded(out->message, sizeof out->message, r->message);
    } else if (find_sanitizer_line(sv->out, out->sanitizer_line, sizeof out->sanitizer_line) || r->sanitizer) {
        out->end = HB_SV_SANITIZER;
        out->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
    } else if (WIFSIGNALED(ws)) {
        out->signal = WTERMSIG(ws);
        out->end = r->stack_overflow && out->signal == SIGSEGV ? HB_SV_STACK_OVERFLOW : HB_SV_SIGNALED;
    } else {
        out->end = HB_SV_EXITED;
        out->status = WEXITSTATUS(ws);
    }
    if (r->has_fault_addr && (out->end == HB_SV_SIGNALED || out->end == HB_SV_STACK_OVERFLOW)) {
        out->has_fault_addr = 1;
        out->fault_addr = r->fault_addr;
    }
    copy_call(r, &out->last);
}

/* Clears the record, not the result area (it may be large; touching all of
   it on every run would cost more than the run). */
static void reset_record(struct record *r)
{
    size_t result_len = r->result_len;
    memset(r, 0, sizeof *r);
    r->result_len = result_len;
}

void *hb_sv_result_area(struct hb_sv *sv, size_t *len)
{
    if (len)
        *len = sv->rec->result_len;
    return sv->rec->result_len ? sv->rec->result : NULL;
}

double hb_sv_blocked_limit(double timeout)
{
    return timeout + HB_SV_MARGIN;
}

double hb_sv_backstop(double timeout)
{
    double wall = HB_SV_BACKSTOP_FACTOR * timeout;
    if (wall > timeout + HB_SV_BACKSTOP_CAP)
        wall = timeout + HB_SV_BACKSTOP_CAP;
    return wall + HB_SV_MARGIN;
}

/* How the parent reads a child's CPU time. */
struct cpu_meter {
    pid_t pid;
    int has_clock;
    clockid_t clock;
};

/* utime + stime of /proc/<pid>/stat in seconds; -1 if unreadable. */
static double proc_stat_cpu(pid_t pid)
{
    char path[48], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* After the command's closing parenthesis: state, then fields 4..13,
       then utime and stime (fields 14 and 15) in clock ticks. */
    const char *p = strrchr(buf, ')');
    unsigned long long ticks[2];
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ticks[0], &ticks[1]) != 2)
        return -1;
    long hz = sysconf(_SC_CLK_TCK);
    return (double)(ticks[0] + ticks[1]) / (double)(hz > 0 ? hz : 100);
}

/* The child's CPU time so far (every thread of it); -1 if it cannot be read. */
static double child_cpu(const struct cpu_meter *m)
{
    struct timespec ts;
    if (m->has_clock && clock_gettime(m->clock, &ts) == 0)
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    return proc_stat_cpu(m->pid);
}

static double rusage_s(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 + (double)ru->ru_stime.tv_sec +
           (double)ru->ru_stime.tv_usec / 1e6;
}

/* Waits for the child, reading its output, until it is gone or a limit is
   reached (then kills it).  Returns the limit that fired (HB_SV_LIMIT_NONE:
   the child ended); *ws is the wait status, *cpu the child's CPU time. */
static enum hb_sv_limit wait_child(struct hb_sv *sv, pid_t pid, int fd, double t0, const struct hb_sv_opts *o,
                                   size_t max, int *ws, double *cpu)
{
    static long ncpu;
    if (ncpu <= 0) {
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        if (ncpu <= 0)
            ncpu = 1;
    }
    struct cpu_meter m = {pid, 0, 0};
    m.has_clock = clock_getcpuclockid(pid, &m.clock) == 0;
    double backstop = t0 + hb_sv_backstop(o->timeout), blocked = hb_sv_blocked_limit(o->timeout);
    double noted_cpu = 0, noted_at = t0; /* the last time the CPU time grew by HB_SV_PROGRESS */
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    int reaped = 0;
    enum hb_sv_limit hit = HB_SV_LIMIT_NONE;
    while (!reaped || fd >= 0) {
        double now = now_s(), wait_s = 0;
        if (!reaped) {
            double used = child_cpu(&m);
            if (used < 0)
                used = now - t0; /* no CPU time to be had: the wall time stands in for it */
            if (used >= noted_cpu + HB_SV_PROGRESS) {
                noted_cpu = used;
                noted_at = now;
            }
            if (used >= o->timeout)
                hit = HB_SV_LIMIT_CPU;
            else if (now - noted_at >= blocked)
                hit = HB_SV_LIMIT_BLOCKED;
            else if (now >= backstop)
                hit = HB_SV_LIMIT_WALL;
            if (hit != HB_SV_LIMIT_NONE) {
                kill(pid, SIGKILL);
                while (wait4(pid, ws, 0, &ru) < 0 && errno == EINTR)
                    ;
                if (fd >= 0) {
                    drain(sv, fd, max);
                    close(fd);
                }
                *cpu = rusage_s(&ru);
                return hit;
            }
            wait_s = (o->timeout - used) / (double)ncpu;
            if (noted_at + blocked - now < wait_s)
                wait_s = noted_at + blocked - now;
            if (backstop - now < wait_s)
                wait_s = backstop - now;
            if (wait_s > 0.05)
                wait_s = 0.05; /* also: a child may close its output and live on */
        }
        if (fd >= 0) {
            int ms = reaped ? 0 : (int)(wait_s * 1000) + 1;
            struct pollfd p = {fd, POLLIN, 0};
            int rc = poll(&p, 1, ms);
            /* Once the child is gone, one last read: a descendant may hold
               the pipe open (and write to it) for ever. */
            if ((rc > 0 && !drain(sv, fd, max)) || reaped) {
                close(fd);
                fd = -1;
            }
        } else {
            /* Without output to wait on: check the child every 2 ms. */
            struct timespec ts = {0, wait_s < 0.002 ? (long)(wait_s * 1e9) + 100000L : 2000000L};
            nanosleep(&ts, NULL);
        }
        if (!reaped) {
            pid_t w = wait4(pid, ws, WNOHANG, &ru);
            if (w == pid)
                reaped = 1;
            else if (w < 0 && errno != EINTR) {
                *ws = 0;
                reaped = 1;
            }
        }
    }
    *cpu = rusage_s(&ru);
    return HB_SV_LIMIT_NONE;
}

int hb_sv_run(struct hb_sv *sv, const struct hb_sv_opts *o, hb_sv_body body, void *ctx, struct hb_sv_outcome *out)
{
    memset(out, 0, sizeof *out);
    size_t max = o->capture_max ? o->capture_max : CAPTURE_DEFAULT;
    out->timeout = o->timeout;
    sv->out_len = 0;
    sv->out_truncated = 0;
    if (sv->out)
        sv->out[0] = '\0';
    reset_record(sv->rec);
    uint64_t nonce = splitmix(&sv->nonce_state) | 1; /* never 0, the cleared value */
    int fds[2] = {-1, -1};
    if (o->capture && pipe(fds) != 0) {
        out->end = HB_SV_NOT_STARTED;
        snprintf(out->message, sizeof out->message, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t parent = getpid();
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        out->end = HB_SV_NOT_STARTED;
        snprintf(out->message, sizeof out->message, "fork: %s", strerror(errno));
        if (fds[0] >= 0) {
            close(fds[0]);
            close(fds[1]);
        }
        return -1;
    }
    if (pid == 0) {
        if (fds[0] >= 0)
            close(fds[0]);
        child_main(sv, nonce, parent, fds[1], body, ctx);
    }
    if (fds[1] >= 0) {
        close(fds[1]);
        fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    }
    int ws = 0;
    out->blocked_limit = hb_sv_blocked_limit(o->timeout);
    out->backstop = hb_sv_backstop(o->timeout);
    out->limit = wait_child(sv, pid, fds[0], t0, o, max, &ws, &out->cpu_seconds);
    out->seconds = now_s() - t0;
    kill(-pid, SIGKILL); /* whatever the child left running (a heap that forked) */
    out->output = sv->out ? sv->out : "";
    out->output_len = sv->out_len;
    out->output_truncated = sv->out_truncated;
    out->result = sv->rec->result_len ? sv->rec->result : NULL;
    out->result_len = sv->rec->result_len;
    classify(sv, nonce, out->limit != HB_SV_LIMIT_NONE, ws, out);
    if (out->end != HB_SV_TIMEOUT)
        out->limit = HB_SV_LIMIT_NONE; /* it completed just at the limit */
    return 0;
}

/* ---- descriptions -------------------------------------------------------- */

static const char *signal_text(int sig, char *buf, size_t len)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV (invalid memory access)";
    case SIGBUS:
        return "SIGBUS (misaligned or invalid access)";
    case SIGILL:
        return "SIGILL (illegal instruction)";
    case SIGFPE:
        return "SIGFPE (arithmetic fault)";
    case SIGABRT:
        return "SIGABRT (abort)";
    case SIGKILL:
        return "SIGKILL (killed from outside)";
    default:
        snprintf(buf, len, "signal %d (%s)", sig, strsignal(sig));
        return buf;
    }
}

void hb_sv_describe_call(const struct hb_sv_call *c, char *buf, size_t len)
{
    if (c->seq == 0) {
        snprintf(buf, len, "before any heap call");
        return;
    }
    int n = snprintf(buf, len, "during %s: size %zu, align %zu", c->op, c->size, c->align);
    if (c->ptr && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ", block 0x%lx", (unsigned long)c->ptr);
    if (n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " (heap call #%llu)", (unsigned long long)c->seq);
    if (c->phase[0] && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " [%s]", c->phase);
}

void hb_sv_describe(const struct hb_sv_outcome *o, char *buf, size_t len)
{
    char call[HB_SV_OP_LEN + HB_SV_PHASE_LEN + 128], sig[64], addr[48] = "";
    hb_sv_describe_call(&o->last, call, sizeof call);
    if (o->has_fault_addr)
        snprintf(addr, sizeof addr, ", faulting address 0x%lx", (unsigned long)o->fault_addr);
    switch (o->end) {
    case HB_SV_DONE:
        snprintf(buf, len, "completed in %.2f s (%.2f s of CPU)", o->seconds, o->cpu_seconds);
        break;
    case HB_SV_FAILED:
        snprintf(buf, len, "FAIL %s", o->message);
        break;
    case HB_SV_EXITED:
        snprintf(buf, len, "EXIT: the heap ended the process (status %d) %s", o->status, call);
        break;
    case HB_SV_SIGNALED:
        snprintf(buf, len, "CRASH: %s %s%s", signal_text(o->signal, sig, sizeof sig), call, addr);
        break;
    case HB_SV_STACK_OVERFLOW:
        snprintf(buf, len, "CRASH: stack overflow %s%s", call, addr);
        break;
    case HB_SV_TIMEOUT:
        if (o->limit == HB_SV_LIMIT_BLOCKED)
            snprintf(buf, len, "TIMEOUT: blocked: no CPU time used for %g s (%.2f s of CPU in %.1f s wall), killed, %s",
                     o->blocked_limit, o->cpu_seconds, o->seconds, call);
        else if (o->limit == HB_SV_LIMIT_WALL)
            snprintf(buf, len, "TIMEOUT: wall backstop: %.1f s wall with %.2f s of CPU (limit %g s), killed, %s",
                     o->seconds, o->cpu_seconds, o->backstop, call);
        else
            snprintf(buf, len, "TIMEOUT: %.2f s of CPU (limit %g s), %.1f s wall, killed, %s", o->cpu_seconds,
                     o->timeout, o->seconds, call);
        break;
    case HB_SV_SANITIZER:
        snprintf(buf, len, "SANITIZER: %s %s", o->sanitizer_line, call);
        break;
    case HB_SV_NOT_STARTED:
        snprintf(buf, len, "NOT RUN: %s", o->message);
        break;
    }
}

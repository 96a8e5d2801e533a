/*
 * supervise.h - run heap code in a forked child and say how it ended.
 *
 * The conformance runner and the bench both run code that may crash, hang,
 * exit, block signals or corrupt memory.  hb_sv_run() runs a body in a child
 * and classifies its end from facts the parent holds, never from what the
 * child claims through its exit status:
 *
 *   - A shared record (mmap MAP_SHARED|MAP_ANONYMOUS, made before the fork)
 *     holds the last heap call the child noted (hb_sv_note: operation, size,
 *     alignment, block, a sequence number), a free-form phase, the body's
 *     failure message, the signal and fault address of a crash, and an
 *     optional result area the body fills for the parent.
 *   - Completion is proven: the parent draws a random nonce per run; the
 *     child's supervisor code writes it into the record only after the body
 *     returned.  An exit without it (exit(0) or exit(77) from a heap) is
 *     HB_SV_EXITED, whatever the status.
 *   - The parent enforces the time limit itself (poll + waitpid, SIGKILL),
 *     so a child that blocks or ignores every signal is still stopped, and
 *     the times reported are the times measured.  The limit counts the
 *     child's CPU time (its process CPU clock: every thread of it; under
 *     QEMU user mode the emulator's), so a loaded machine that gives the
 *     child a small share of a core cannot make a slow but correct run time
 *     out.  Two wall-clock limits stop a child that does not use its CPU
 *     time: one that blocks (a sleep, a deadlock on a mutex, a read that
 *     never returns, a SIGSTOP) is killed once it used less than
 *     HB_SV_PROGRESS of CPU in hb_sv_blocked_limit seconds of wall time (the
 *     CPU limit plus a margin: a blocked case costs what it cost when the
 *     limit was wall time); a backstop (hb_sv_backstop: a factor times the
 *     CPU limit, at most the limit plus HB_SV_BACKSTOP_CAP, plus the margin)
 *     bounds the wall time of one that sleeps most of the time, or is
 *     starved of CPU beyond that factor.
 *   - The child installs an alternate signal stack; a SIGSEGV whose fault
 *     address lies in the stack's range is reported as a stack overflow.
 *   - The child dies with its parent (PR_SET_PDEATHSIG plus a getppid check),
 *     and runs in its own process group, which the parent kills once the
 *     child is gone: nothing the body started outlives the run.
 *   - Optionally the child's stdout and stderr go to one pipe (their order
 *     kept) that the parent reads while it waits, so a sanitizer report can
 *     be shown under the right heading; a sanitizer death (ASan/UBSan, found
 *     through the runtime's death callback when one is linked) is its own end.
 *
 * Costs: one fork, one pipe and a few poll/waitpid calls per run; hb_sv_note
 * is a few stores (the operation name is copied only when it changes).  The
 * record lives until hb_sv_destroy; one struct hb_sv serves any number of
 * sequential runs.  Not thread-safe: one run at a time per process.
 */
#ifndef HEAPBENCH_SUPERVISE_H
#define HEAPBENCH_SUPERVISE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define HB_SV_OP_LEN 96
#define HB_SV_PHASE_LEN 128
#define HB_SV_MSG_LEN 1024
#define HB_SV_SAN_LEN 256
#define HB_SV_MAX_TIMEOUT 86400.0 /* seconds: longer is treated as a usage error by callers */
/* The wall limits.  A runnable child, however starved, gets a time slice
   every few tens of ms, far more than HB_SV_PROGRESS per second; a blocked
   one gets none.  The margin covers the fork and the first scheduling delays
   of a short limit.  The backstop's factor: `make test` runs two tests per
   core, and on this shared 2-core machine a busy child under QEMU got as
   little as an eighth of a core (0.6 s of CPU in 5 s); a factor of 20 lets
   one with a twentieth still meet its CPU limit first.  The cap: a long
   limit (the bench's 60 s) bounds a heap that hangs, while a correct pass
   uses a small part of it, so its wall time stays far below the limit plus
   the cap even on a twentieth of a core; without the cap a heap that sleeps
   in a loop would cost 20 minutes a pass there, with it 6. */
#define HB_SV_PROGRESS 0.01 /* seconds of CPU that show a child is not blocked */
#define HB_SV_BACKSTOP_FACTOR 20.0
#define HB_SV_BACKSTOP_CAP 300.0 /* seconds beyond the CPU limit */
#define HB_SV_MARGIN 1.0         /* seconds */

/* The last heap call the child noted. */
struct hb_sv_call {
    char op[HB_SV_OP_LEN]; /* "" when none was noted */
    size_t size, align;
    uintptr_t ptr;
    uint64_t seq;                /* 1 for the first noted call; 0: none */
    char phase[HB_SV_PHASE_LEN]; /* hb_sv_phase text, "" if never set */
};

enum hb_sv_end {
    HB_SV_DONE,           /* the body returned: completion record seen */
    HB_SV_FAILED,         /* the body called hb_sv_fail: message */
    HB_SV_EXITED,         /* the process ended without completing: status */
    HB_SV_SIGNALED,       /* killed by a signal: signal, fault_addr */
    HB_SV_STACK_OVERFLOW, /* SIGSEGV in the stack's range */
    HB_SV_TIMEOUT,        /* reached a limit (limit says which): SIGKILLed */
    HB_SV_SANITIZER,      /* a sanitizer ended the process: sanitizer_line */
    HB_SV_NOT_STARTED     /* fork or pipe failed: message */
};

/* Which limit stopped a run that timed out. */
enum hb_sv_limit {
    HB_SV_LIMIT_NONE,    /* it did not time out */
    HB_SV_LIMIT_CPU,     /* it used its CPU time limit */
    HB_SV_LIMIT_BLOCKED, /* it used (almost) no CPU for blocked_limit seconds */
    HB_SV_LIMIT_WALL     /* the wall backstop: mostly asleep, or starved of CPU */
};

struct hb_sv_outcome {
    enum hb_sv_end end;
    double seconds;         /* wall time, measured by the parent */
    double cpu_seconds;     /* the child's CPU time (its threads and any children it waited for) */
    double timeout;         /* the CPU time limit that applied */
    double blocked_limit;   /* the wall seconds without CPU that counted as blocked */
    double backstop;        /* the wall limit that applied */
    enum hb_sv_limit limit; /* TIMEOUT: the limit that fired */
    int status;             /* exit status (EXITED, SANITIZER) */
    int signal;             /* SIGNALED, STACK_OVERFLOW */
    int has_fault_addr;
    uintptr_t fault_addr;
    struct hb_sv_call last;
    char message[HB_SV_MSG_LEN];        /* FAILED, NOT_STARTED */
    char sanitizer_line[HB_SV_SAN_LEN]; /* SANITIZER: the report's first line */
    const char *output;                 /* captured stdout+stderr, NUL-terminated ("" without capture) */
    size_t output_len;                  /* valid until the next run or hb_sv_destroy */
    int output_truncated;               /* more was written than was kept */
    const void *result;                 /* the result area (hb_sv_create's result_bytes) */
    size_t result_len;
};

struct hb_sv_opts {
    double timeout;     /* seconds of the child's CPU time, > 0 (the wall limits follow from it) */
    int capture;        /* capture the child's stdout and stderr */
    size_t capture_max; /* bytes kept (0: 64 KiB); the rest is read and dropped */
};

struct hb_sv;
typedef void (*hb_sv_body)(void *ctx);

/* A supervisor with a shared result area of result_bytes (may be 0).
   NULL (errno set) when the shared mapping cannot be made.  The result area
   starts zeroed and is NOT cleared between runs (it may be large): a body
   that passes results back writes a header the parent can trust, and the
   parent may clear or prepare it before a run (hb_sv_result_area). */
struct hb_sv *hb_sv_create(size_t result_bytes);
void hb_sv_destroy(struct hb_sv *sv);
/* The parent's view of the result area (NULL when result_bytes was 0). */
void *hb_sv_result_area(struct hb_sv *sv, size_t *len);

/* The wall-clock limits of a run whose CPU time limit is timeout. */
double hb_sv_blocked_limit(double timeout);
double hb_sv_backstop(double timeout);

/* Runs body(ctx) in a forked child and fills *out.  Returns 0, or -1 when
   the child could not be started (out->end == HB_SV_NOT_STARTED). */
int hb_sv_run(struct hb_sv *sv, const struct hb_sv_opts *o, hb_sv_body body, void *ctx, struct hb_sv_outcome *out);

/* One line saying how the run ended, e.g.
     "EXIT: the heap ended the process (status 0) during alloc: size 24, align 1 (heap call #3)"
     "CRASH: stack overflow during alloc: size 100, align 8 (heap call #12), faulting address 0x7ff..."
     "TIMEOUT: 3.00 s of CPU (limit 3 s), 7.9 s wall, killed, during free: ..."
     "TIMEOUT: blocked: no CPU time used for 4 s (0.01 s of CPU in 4.0 s wall), killed, during free: ..."
     "TIMEOUT: wall backstop: 61.0 s wall with 1.20 s of CPU (limit 61 s), killed, during free: ..."
   DONE gives "completed in 0.12 s (0.11 s of CPU)". */
void hb_sv_describe(const struct hb_sv_outcome *o, char *buf, size_t len);
/* "during alloc: size 24, align 1, block 0x1000 (heap call #3)", or "before any heap call". */
void hb_sv_describe_call(const struct hb_sv_call *c, char *buf, size_t len);

/* ---- in the child (no-ops, or plain exits, outside a supervised child) ---- */

/* The heap call about to be made.  op should be a string literal or other
   string that does not change while it is the last one noted. */
void hb_sv_note(const char *op, size_t size, size_t align, const void *ptr);
/* Free-form context shown with the last call (bounded copy). */
void hb_sv_phase(const char *text);
/* The shared result area (NULL outside a child or when result_bytes was 0). */
void *hb_sv_result(size_t *len);
/* The body failed: the message goes to the parent, the child ends. */
_Noreturn void hb_sv_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void hb_sv_vfail(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* 1 inside a supervised child. */
int hb_sv_in_child(void);

#endif

#include "crash.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *crash_heap = "?", *crash_case = "?";
static uint64_t crash_seed;
static volatile const char *note_op = "setup";
static volatile size_t note_size, note_align;
static const void *volatile note_ptr;

void hb_crash_note(const char *op, size_t size, size_t align, const void *ptr)
{
    note_op = op;
    note_size = size;
    note_align = align;
    note_ptr = ptr;
}

static void put(const char *s)
{
    (void)!write(STDOUT_FILENO, s, strlen(s));
}

static void put_uint(uint64_t v, unsigned base)
{
    char buf[24];
    size_t i = sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (base == 16)
        put("0x");
    put(buf + i);
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV (invalid memory access)";
    case SIGBUS:
        return "SIGBUS (misaligned or invalid access)";
    case SIGILL:
        return "SIGILL";
    case SIGFPE:
        return "SIGFPE";
    case SIGABRT:
        return "SIGABRT (abort)";
    case SIGALRM:
        return "TIMEOUT (hang or endless loop)";
    default:
        return "signal";
    }
}

static void on_crash(int sig, siginfo_t *si, void *uctx)
{
    (void)uctx;
    put(sig == SIGALRM ? "    " : "    CRASH: ");
    put(signal_name(sig));
    put(" in heap '");
    put(crash_heap);
    put("', case ");
    put(crash_case);
    put(", seed ");
    put_uint(crash_seed, 10);
    put("\n      during ");
    put((const char *)note_op);
    put(": size ");
    put_uint(note_size, 10);
    put(", align ");
    put_uint(note_align, 10);
    put(", block ");
    put_uint((uintptr_t)note_ptr, 16);
    if (sig == SIGSEGV || sig == SIGBUS) {
        put(", faulting address ");
        put_uint((uintptr_t)si->si_addr, 16);
    }
    put("\n");
    _exit(sig == SIGALRM ? HB_TIMEOUT_STATUS : HB_CRASH_STATUS);
}

void hb_crash_install(const char *heap, const char *case_name, uint64_t seed)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGALRM};
    crash_heap = heap;
    crash_case = case_name;
    crash_seed = seed;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

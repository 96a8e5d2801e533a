/*
 * runner.c - hb_conformance: runs heaps through the conformance cases.
 *
 * Each case runs in its own forked child with a timeout, so a heap that
 * crashes, hangs or corrupts memory is reported (heap, case, signal or
 * timeout, seed) and the run goes on.  Exit status: 0 when every case that
 * ran passed, 1 when any failed, 77 when every selected case was skipped
 * (CTest's SKIP_RETURN_CODE), 2 for bad usage.
 *
 * With --expect-failures the heap must be a broken test heap: the run passes
 * when the set of failing cases is exactly the set the broken heap declares.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broken.h"
#include "crash.h"
#include "registry.h"
#include "suite.h"

enum outcome { PASS, FAIL, SKIP, CRASH, TIMEOUT };
static const char *const outcome_name[] = {"PASS", "FAIL", "SKIP", "CRASH", "TIMEOUT"};

static unsigned timeout_s = 60;
static volatile pid_t running_child;

static void usage(FILE *f)
{
    fprintf(f, "usage: hb_conformance [--heap NAME]... [--group GROUP] [--case GROUP.CASE] [--seed N]\n"
               "                      [--timeout SECONDS] [--expect-failures] [--list]\n"
               "Runs heaps through the conformance suite, each case in its own child process.\n"
               "  --heap NAME        a registered heap or a broken test heap (default: every registered heap)\n"
               "  --group GROUP      only this case group (alignment, overflow, integrity, free, expansion,\n"
               "                     accounting, overwrite)\n"
               "  --case GROUP.CASE  only this case\n"
               "  --seed N           seed of every random sequence (default 1; printed with each failure)\n"
               "  --timeout SECONDS  a case running longer counts as hung (default 60)\n"
               "  --expect-failures  pass when exactly the cases the broken heap targets fail\n"
               "  --list             list heaps, broken heaps and cases\n");
}

static const struct hb_heap_ops *find_any_heap(const char *name, const struct hb_broken_heap **broken)
{
    *broken = NULL;
    const struct hb_heap_ops *ops = hb_find_heap(name);
    if (ops)
        return ops;
    for (size_t i = 0; hb_broken_heaps[i]; i++)
        if (strcmp(hb_broken_heaps[i]->ops->name, name) == 0) {
            *broken = hb_broken_heaps[i];
            return hb_broken_heaps[i]->ops;
        }
    return NULL;
}

static void list_all(void)
{
    printf("heaps:\n");
    for (size_t i = 0; hb_registered_heaps[i]; i++)
        printf("  %-12s %s\n", hb_registered_heaps[i]->name, hb_registered_heaps[i]->summary);
    printf("broken test heaps:\n");
    for (size_t i = 0; hb_broken_heaps[i]; i++)
        printf("  %-22s %s\n", hb_broken_heaps[i]->ops->name, hb_broken_heaps[i]->bug);
    printf("cases:\n");
    for (size_t i = 0; i < hb_case_count; i++)
        printf("  %s.%s: %s\n", hb_cases[i].group, hb_cases[i].name, hb_cases[i].what);
}

static uint64_t case_seed(uint64_t seed, const struct hb_case *c)
{
    uint64_t h = seed * 0x100000001B3ull ^ 0xCBF29CE484222325ull;
    for (const char *s = c->name; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return h;
}

static void on_parent_alarm(int sig)
{
    (void)sig;
    if (running_child > 0)
        kill(running_child, SIGKILL);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum outcome run_case(const struct hb_heap_ops *ops, const struct hb_case *c, uint64_t seed)
{
    char label[128];
    snprintf(label, sizeof label, "%s.%s", c->group, c->name);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        hb_crash_install(ops->name, label, seed); /* reports SIGALRM too */
        alarm(timeout_s);
        struct fx f;
        memset(&f, 0, sizeof f);
        f.ops = ops;
        f.seed = case_seed(seed, c);
        c->run(&f);
        fflush(stdout);
        _exit(0);
    }
    running_child = pid;
    alarm(timeout_s + 5); /* in case the child blocks SIGALRM */
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    alarm(0);
    running_child = 0;
    if (WIFEXITED(status)) {
        switch (WEXITSTATUS(status)) {
        case 0:
            return PASS;
        case 77:
            return SKIP;
        case HB_CRASH_STATUS:
            return CRASH;
        case HB_TIMEOUT_STATUS:
            return TIMEOUT;
        default:
            return FAIL;
        }
    }
    int sig = WTERMSIG(status);
    if (sig == SIGALRM || sig == SIGKILL) {
        printf("    TIMEOUT: heap '%s', case %s, seed %llu: still running after %u s (hang or endless loop)\n",
               ops->name, label, (unsigned long long)seed, timeout_s);
        return TIMEOUT;
    }
    printf("    CRASH: heap '%s', case %s, seed %llu: killed by signal %d (%s)\n", ops->name, label,
           (unsigned long long)seed, sig, strsignal(sig));
    return CRASH;
}

static int case_selected(const struct hb_case *c, const char *group, const char *only)
{
    if (group && strcmp(c->group, group) != 0)
        return 0;
    if (only) {
        size_t gl = strlen(c->group);
        if (strncmp(only, c->group, gl) != 0 || only[gl] != '.' || strcmp(only + gl + 1, c->name) != 0)
            return 0;
    }
    return 1;
}

/* Is "group.case" a word of the space-separated list? */
static int listed(const char *list, const char *label)
{
    size_t n = strlen(label);
    for (const char *p = list; (p = strstr(p, label)) != NULL; p += n)
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

struct tally {
    unsigned n[5];
};

static int run_heap(const struct hb_heap_ops *ops, const struct hb_broken_heap *broken, const char *group,
                    const char *only, uint64_t seed, int expect, struct tally *t)
{
    char why[200];
    if (hb_validate_ops(ops, why, sizeof why) != 0) {
        printf("FAIL  %s: %s\n", ops->name, why);
        t->n[FAIL]++;
        return 1;
    }
    int mismatch = 0;
    for (size_t i = 0; i < hb_case_count; i++) {
        const struct hb_case *c = &hb_cases[i];
        if (!case_selected(c, group, only))
            continue;
        char label[128];
        snprintf(label, sizeof label, "%s.%s", c->group, c->name);
        double t0 = now();
        enum outcome o;
        if ((ops->caps & c->needs) != c->needs)
            o = SKIP;
        else
            o = run_case(ops, c, seed);
        t->n[o]++;
        printf("%-7s %s %s", outcome_name[o], ops->name, label);
        if (o == SKIP && (ops->caps & c->needs) != c->needs)
            printf(" (the heap lacks a capability this case needs)");
        printf(" [%.2f s]\n", now() - t0);
        if (expect) {
            int failed = o == FAIL || o == CRASH || o == TIMEOUT;
            int should = listed(broken->expect, label);
            if (failed != should) {
                printf("    UNEXPECTED: %s %s this case\n", ops->name,
                       should ? "was expected to fail but passed" : "was not expected to fail but failed");
                mismatch = 1;
            }
        }
    }
    return mismatch;
}

int main(int argc, char **argv)
{
    const char *heaps[64];
    size_t nheaps = 0;
    const char *group = NULL, *only = NULL;
    uint64_t seed = 1;
    int expect = 0;
    const char *env_seed = getenv("HB_SEED");
    if (env_seed)
        seed = strtoull(env_seed, NULL, 0);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list")) {
            list_all();
            return 0;
        } else if (!strcmp(a, "--expect-failures")) {
            expect = 1;
        } else if (v && !strcmp(a, "--heap") && nheaps < 64) {
            heaps[nheaps++] = v;
            i++;
        } else if (v && !strcmp(a, "--group")) {
            group = v;
            i++;
        } else if (v && !strcmp(a, "--case")) {
            only = v;
            i++;
        } else if (v && !strcmp(a, "--seed")) {
            char *end;
            seed = strtoull(v, &end, 0);
            if (*end) {
                fprintf(stderr, "hb_conformance: --seed wants a number, not '%s'\n", v);
                return 2;
            }
            i++;
        } else if (v && !strcmp(a, "--timeout")) {
            timeout_s = (unsigned)strtoul(v, NULL, 0);
            i++;
        } else {
            fprintf(stderr, "hb_conformance: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (group || only) {
        int known = 0;
        for (size_t i = 0; i < hb_case_count; i++)
            known |= case_selected(&hb_cases[i], group, only);
        if (!known) {
            fprintf(stderr, "hb_conformance: no case matches %s '%s' (see --list)\n", only ? "--case" : "--group",
                    only ? only : group);
            return 2;
        }
    }
    if (nheaps == 0)
        for (size_t i = 0; hb_registered_heaps[i] && nheaps < 64; i++)
            heaps[nheaps++] = hb_registered_heaps[i]->name;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_parent_alarm;
    sigaction(SIGALRM, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);

    printf("heapbench conformance on %s (%s-endian, %zu-bit words, default alignment %zu, page %zu), seed %llu\n",
           HB_ARCH_NAME, HB_ENDIAN_NAME, 8 * HB_WORD_BYTES, HB_DEFAULT_ALIGN, HB_PAGE_SIZE, (unsigned long long)seed);
    struct tally t = {{0}};
    int mismatch = 0;
    for (size_t h = 0; h < nheaps; h++) {
        const struct hb_broken_heap *broken;
        const struct hb_heap_ops *ops = find_any_heap(heaps[h], &broken);
        if (!ops) {
            fprintf(stderr, "hb_conformance: unknown heap '%s'; registered heaps: ", heaps[h]);
            hb_print_heap_names(stderr);
            fprintf(stderr, "\n");
            return 2;
        }
        if (expect && !broken) {
            fprintf(stderr, "hb_conformance: --expect-failures needs a broken test heap; '%s' is not one\n", heaps[h]);
            return 2;
        }
        mismatch |= run_heap(ops, broken, group, only, seed, expect, &t);
    }
    printf("%u passed, %u failed, %u skipped (%u crashed, %u timed out) - seed %llu\n", t.n[PASS],
           t.n[FAIL] + t.n[CRASH] + t.n[TIMEOUT], t.n[SKIP], t.n[CRASH], t.n[TIMEOUT], (unsigned long long)seed);
    if (expect) {
        printf("%s\n", mismatch ? "broken heap NOT caught exactly by the cases that target it"
                                : "broken heap caught by exactly the cases that target it");
        return mismatch;
    }
    if (t.n[FAIL] + t.n[CRASH] + t.n[TIMEOUT])
        return 1;
    return t.n[PASS] == 0 && t.n[SKIP] > 0 ? 77 : 0;
}

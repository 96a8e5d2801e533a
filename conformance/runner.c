/*
 * runner.c - hb_conformance: runs heaps through the conformance cases.
 *
 * Each case runs in its own child under the supervisor (harness/supervise.h):
 * a case passes only when the supervisor saw its completion record (a
 * per-run nonce written after the case returned), never because of an exit
 * status.  Skips are decided here, before a case runs (the heap lacks a
 * capability the case needs).  Any other end is a failure that says what
 * happened and during which heap call: a failed check, the heap ending the
 * process, a signal, a stack overflow, a sanitizer report, a timeout (the
 * parent kills the child at the deadline and reports the time it measured).
 * The child's output (a sanitizer report, say) prints below its case line.
 *
 * A heap whose create hangs or dies costs one case: its remaining cases are
 * reported "not run" and count as failed.
 *
 * Every failing case writes a replay file: the heap calls it made, shrunk by
 * delta debugging (replay.h); `--replay FILE --heap NAME` runs one.
 *
 * Exit status: 0 when every case that ran passed, 1 when any failed, 77 when
 * every selected case was skipped (CTest's SKIP_RETURN_CODE), 2 for bad
 * usage.  With --expect-failures the heap must be a broken test heap: the run
 * passes when the set of failing cases is exactly the set it declares.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "broken.h"
#include "hostile.h"
#include "registry.h"
#include "replay.h"
#include "suite.h"
#include "supervise.h"

enum outcome { PASS, FAIL, SKIP, CRASH, TIMEOUT, NOT_RUN };
static const char *const outcome_name[] = {"PASS", "FAIL", "SKIP", "CRASH", "TIMEOUT", "FAIL"};

#define MAX_HEAPS 64
#define SHRINK_BUDGET_S 3.0
#define SHRINK_MAX_TRIALS 400
#define SHRINK_TRIAL_TIMEOUT_S 2.0

struct options {
    const char *heaps[MAX_HEAPS];
    size_t nheaps;
    const char *group, *only;
    uint64_t seed;
    double timeout;
    int expect;
    int targeted;            /* a broken heap runs only the cases it targets */
    const char *replay_file; /* --replay */
    const char *replay_dir;  /* where failing cases write their replay files */
    int no_replay;
    int check_replays; /* replay every file written; it must fail as the case did */
    double shrink_budget;
};

/* What the replay files of a run came to (--check-replays). */
static struct {
    unsigned failing, written, shrunk, reproduced;
    size_t ops[1024]; /* operations in each file written (the first 1024) */
    size_t max_ops;
    double seconds; /* shrinking, in all */
} replays;

static struct hb_sv *sv;

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: hb_conformance [--heap NAME[,NAME...]]... [--group GROUP] [--case GROUP.CASE] [--seed N]\n"
        "                      [--timeout SECONDS] [--replay-dir DIR | --no-replay] [--expect-failures]\n"
        "                      [--check-replays] [--shrink-seconds S] [--list]\n"
        "       hb_conformance --replay FILE --heap NAME [--timeout SECONDS]\n"
        "Runs heaps through the conformance suite, each case in its own child process.\n"
        "Options that take a value also take it as --option=VALUE.\n"
        "  --heap NAME        a registered heap, or a broken or hostile test heap (default: every registered heap)\n"
        "  --group GROUP      only this case group (alignment, overflow, integrity, free, expansion,\n"
        "                     accounting, overwrite, stress, geometry)\n"
        "  --case GROUP.CASE  only this case\n"
        "  --seed N           seed of every random sequence (default 1, or HB_SEED; printed with each failure)\n"
        "  --timeout SECONDS  a case using more CPU time is killed and counts as hung (default 60, at most %g);\n"
        "                     one that uses no CPU time for that + %g s of wall time counts as blocked\n"
        "  --replay-dir DIR   where a failing case writes its shrunk replay file (default: .)\n"
        "  --no-replay        write no replay files\n"
        "  --replay FILE      replay a file written by a failing case: what the case did, checked as it did\n"
        "  --expect-failures  pass when exactly the cases the broken heap targets fail (writes no replays)\n"
        "  --targeted         with --expect-failures: run only the cases the broken heap targets (they must\n"
        "                     fail), not the others (which must pass)\n"
        "  --check-replays    replay every replay file written: it must fail as its case did (the same check,\n"
        "                     signal or sanitizer error); a broken heap runs only the cases it targets, which\n"
        "                     must fail; prints what the replay files came to\n"
        "  --shrink-seconds S the time shrinking one replay may take (default %g)\n"
        "  --list             list heaps, broken heaps and cases\n",
        HB_SV_MAX_TIMEOUT, HB_SV_MARGIN, SHRINK_BUDGET_S);
}

static _Noreturn void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "hb_conformance: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    exit(2);
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
    for (size_t i = 0; hb_hostile_heaps[i]; i++)
        if (strcmp(hb_hostile_heaps[i]->ops->name, name) == 0)
            return hb_hostile_heaps[i]->ops;
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
    printf("hostile test heaps (they attack the runner):\n");
    for (size_t i = 0; hb_hostile_heaps[i]; i++)
        printf("  %-22s %s\n", hb_hostile_heaps[i]->ops->name, hb_hostile_heaps[i]->bug);
    printf("cases:\n");
    for (size_t i = 0; i < hb_case_count; i++)
        printf("  %s.%s: %s\n", hb_cases[i].group, hb_cases[i].name, hb_cases[i].what);
}

/* ---- options ------------------------------------------------------------ */

/* An unsigned integer, decimal or 0x hex, nothing else. */
static int parse_seed(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ' || *s == '\t')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* Seconds: a positive finite number no larger than HB_SV_MAX_TIMEOUT. */
static int parse_timeout(const char *s, double *out)
{
    if (!s || !*s || *s == ' ' || *s == '\t')
        return -1;
    for (const char *c = s; *c; c++)
        if (!strchr("0123456789.eE+-", *c))
            return -1; /* no "inf", "nan", hex floats */
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > HB_SV_MAX_TIMEOUT)
        return -1;
    *out = v;
    return 0;
}

/* Splits a comma-separated heap list in place (it is an argv string). */
static void add_heaps(struct options *o, char *list)
{
    if (!list || !*list)
        usage_error("--heap '%s': an empty heap list (name at least one heap, see --list)", list);
    for (char *p = list;;) {
        size_t n = strcspn(p, ",");
        int last = p[n] == '\0';
        if (n == 0)
            usage_error("--heap: an empty name in the heap list '%s'", list);
        if (o->nheaps == MAX_HEAPS)
            usage_error("--heap: more heaps than the runner takes at once (64), at '%s'", p);
        p[n] = '\0';
        o->heaps[o->nheaps++] = p;
        if (last)
            break;
        p += n + 1;
    }
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

static void parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->timeout = 60;
    o->replay_dir = ".";
    o->shrink_budget = SHRINK_BUDGET_S;
    const char *env_seed = getenv("HB_SEED");
    if (env_seed && parse_seed(env_seed, &o->seed) != 0)
        usage_error("HB_SEED wants an unsigned integer (decimal or 0x hex), not '%s'", env_seed);
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        char *eq = !strncmp(a, "--", 2) ? strchr(a, '=') : NULL; /* --name=value */
        if (eq)
            *eq = '\0';
        char *v = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
        int takes_value = !strcmp(a, "--heap") || !strcmp(a, "--group") || !strcmp(a, "--case") ||
                          !strcmp(a, "--seed") || !strcmp(a, "--timeout") || !strcmp(a, "--replay") ||
                          !strcmp(a, "--replay-dir") || !strcmp(a, "--shrink-seconds");
        if (takes_value && !v)
            usage_error("%s wants a value", a);
        if (eq && !takes_value)
            usage_error("%s takes no value", a);
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--list")) {
            list_all();
            exit(0);
        } else if (!strcmp(a, "--expect-failures")) {
            o->expect = 1;
        } else if (!strcmp(a, "--targeted")) {
            o->targeted = 1;
        } else if (!strcmp(a, "--check-replays")) {
            o->check_replays = 1;
        } else if (!strcmp(a, "--no-replay")) {
            o->no_replay = 1;
        } else if (!strcmp(a, "--heap")) {
            add_heaps(o, v);
        } else if (!strcmp(a, "--group")) {
            o->group = v;
        } else if (!strcmp(a, "--case")) {
            o->only = v;
        } else if (!strcmp(a, "--seed")) {
            if (parse_seed(v, &o->seed) != 0)
                usage_error("--seed wants an unsigned integer (decimal or 0x hex), not '%s'", v);
        } else if (!strcmp(a, "--timeout")) {
            if (parse_timeout(v, &o->timeout) != 0)
                usage_error("--timeout wants a positive, finite number of seconds no larger than 86400, not '%s'", v);
        } else if (!strcmp(a, "--replay")) {
            o->replay_file = v;
        } else if (!strcmp(a, "--shrink-seconds")) {
            if (parse_timeout(v, &o->shrink_budget) != 0)
                usage_error("--shrink-seconds wants a positive, finite number of seconds, not '%s'", v);
        } else if (!strcmp(a, "--replay-dir")) {
            struct stat st;
            if (!v || !*v || stat(v, &st) != 0 || !S_ISDIR(st.st_mode))
                usage_error("--replay-dir '%s' is not a directory", v);
            o->replay_dir = v;
        } else {
            fprintf(stderr, "hb_conformance: unknown option '%s'\n", a);
            usage(stderr);
            exit(2);
        }
        if (takes_value && !eq)
            i++;
    }
    if (o->targeted && !o->expect)
        usage_error("%s", "--targeted goes with --expect-failures");
    if (o->check_replays && (o->no_replay || o->expect))
        usage_error("%s", "--check-replays writes replay files: no --no-replay or --expect-failures with it");
    if (o->replay_file && (o->nheaps != 1 || o->group || o->only || o->expect || o->check_replays))
        usage_error("%s", "--replay FILE wants exactly one --heap NAME, and no --group, --case or --expect-failures");
    if (o->group || o->only) {
        int known = 0;
        for (size_t i = 0; i < hb_case_count; i++)
            known |= case_selected(&hb_cases[i], o->group, o->only);
        if (!known) {
            fprintf(stderr, "hb_conformance: no case matches %s '%s' (see --list)\n", o->only ? "--case" : "--group",
                    o->only ? o->only : o->group);
            exit(2);
        }
    }
}

/* ---- one case --------------------------------------------------------------- */

static uint64_t case_seed(uint64_t seed, const struct hb_case *c)
{
    uint64_t h = seed * 0x100000001B3ull ^ 0xCBF29CE484222325ull;
    for (const char *s = c->name; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
    return h;
}

struct case_ctx {
    const struct hb_heap_ops *ops;
    const struct hb_case *c;
    uint64_t seed;
    int record;
};

static void case_body(void *vctx)
{
    const struct case_ctx *k = vctx;
    struct fx f;
    memset(&f, 0, sizeof f);
    f.ops = k->record ? hb_replay_record_start(k->ops, &f) : k->ops;
    f.seed = case_seed(k->seed, k->c);
    k->c->run(&f);
}

static enum outcome outcome_of(const struct hb_sv_outcome *o)
{
    switch (o->end) {
    case HB_SV_DONE:
        return PASS;
    case HB_SV_FAILED:
    case HB_SV_NOT_STARTED:
        return FAIL;
    case HB_SV_TIMEOUT:
        return TIMEOUT;
    default:
        return CRASH;
    }
}

/* Why the rest of a heap's cases cannot run, when the heap's create is what
   hung or died; NULL otherwise. */
static const char *create_broken(const struct hb_sv_outcome *o)
{
    if (strcmp(o->last.op, "create") != 0)
        return NULL;
    switch (o->end) {
    case HB_SV_TIMEOUT:
        return "create timed out";
    case HB_SV_SIGNALED:
    case HB_SV_SANITIZER:
        return "create crashed";
    case HB_SV_STACK_OVERFLOW:
        return "create overflowed the stack";
    case HB_SV_EXITED:
        return "create ended the process";
    default:
        return NULL;
    }
}

/* The child's output, each line indented, below its case line. */
static void print_output(const struct hb_sv_outcome *o, const char *indent)
{
    const char *p = o->output;
    while (*p) {
        size_t n = strcspn(p, "\n");
        printf("%s%.*s\n", indent, (int)n, p);
        p += n + (p[n] == '\n');
    }
    if (o->output_truncated)
        printf("%s(output truncated)\n", indent);
}

static void print_failure(const struct hb_sv_outcome *o, const char *heap, const char *what, uint64_t seed)
{
    char line[HB_SV_MSG_LEN + 512], call[HB_SV_OP_LEN + HB_SV_PHASE_LEN + 128];
    hb_sv_describe(o, line, sizeof line);
    printf("    %s\n", line);
    printf("      heap '%s', %s, seed %llu", heap, what, (unsigned long long)seed);
    if (o->end == HB_SV_FAILED) {
        hb_sv_describe_call(&o->last, call, sizeof call);
        printf("; last heap call: %s", strncmp(call, "during ", 7) ? call : call + 7);
    }
    printf("\n");
    print_output(o, "      ");
}

/* A file name part: letters, digits, '.', '-', '_' only. */
static void file_part(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; *src && k + 1 < cap; src++)
        dst[k++] = (char)((*src >= 'a' && *src <= 'z') || (*src >= 'A' && *src <= 'Z') ||
                                  (*src >= '0' && *src <= '9') || *src == '.' || *src == '-' || *src == '_'
                              ? *src
                              : '_');
    dst[k] = '\0';
}

/* --check-replays: the file at path, read back and replayed, fails as the
   case did. */
static void check_replay(const struct options *opt, const struct hb_heap_ops *ops, const char *path,
                         const struct hb_sv_outcome *failure)
{
    char why[512], want[160], got[160];
    struct hb_replay *r = hb_replay_load(path, why, sizeof why);
    if (!r) {
        printf("      replay: DOES NOT REPRODUCE: %s\n", why);
        return;
    }
    size_t n = hb_replay_length(r);
    replays.written++;
    if (replays.written <= sizeof replays.ops / sizeof replays.ops[0])
        replays.ops[replays.written - 1] = n;
    replays.max_ops = n > replays.max_ops ? n : replays.max_ops;
    struct hb_sv_outcome o;
    hb_replay_run(sv, ops, r, opt->timeout, &o);
    hb_replay_free(r);
    hb_replay_failure_kind(failure, want, sizeof want);
    hb_replay_failure_kind(&o, got, sizeof got);
    if (strcmp(want, got) == 0) {
        replays.reproduced++;
        printf("      replay: reproduces the failure (%s) in %zu operations\n", got, n);
    } else
        printf("      replay: DOES NOT REPRODUCE: the case failed with %s, the replay %s\n", want, got);
}

/* Shrinks what the failing case recorded and writes it as a replay file. */
static void write_replay(const struct options *opt, const struct hb_heap_ops *ops, const char *label,
                         const struct hb_sv_outcome *failure)
{
    char why[512];
    struct hb_replay *r = hb_replay_from_log(sv, opt->seed, why, sizeof why);
    if (!r) {
        printf("      replay: not written: %s\n", why);
        return;
    }
    struct hb_replay_shrink s = {opt->shrink_budget, SHRINK_MAX_TRIALS, SHRINK_TRIAL_TIMEOUT_S, 0, 0, 0, 0, 0, ""};
    if (opt->timeout < s.trial_timeout)
        s.trial_timeout = opt->timeout;
    hb_replay_shrink(sv, ops, r, &s);
    replays.failing++;
    replays.shrunk += s.reproduced && s.final < s.original;
    int slow = !strcmp(s.kind, "timeout") && failure->end != HB_SV_TIMEOUT;
    char heap[64], cas[96], path[4096], header[HB_SV_MSG_LEN + 1024], line[HB_SV_MSG_LEN + 512];
    file_part(heap, sizeof heap, ops->name);
    file_part(cas, sizeof cas, label);
    snprintf(path, sizeof path, "%s/hb-replay-%s-%s-seed%llu.txt", opt->replay_dir, heap, cas,
             (unsigned long long)opt->seed);
    hb_sv_describe(failure, line, sizeof line);
    char how[128]; /* what delta debugging did: a sequence it could not shorten is not "shrunk from" itself */
    if (s.final < s.original)
        snprintf(how, sizeof how, "shrunk from %zu by delta debugging (%u trials, %.2f s)", s.original, s.trials,
                 s.seconds);
    else
        snprintf(how, sizeof how, "not shortened by delta debugging (%u trial%s, %.2f s)", s.trials,
                 s.trials == 1 ? "" : "s", s.seconds);
    int n = snprintf(header, sizeof header,
                     "heapbench replay: heap %s, case %s, seed %llu, target %s\n"
                     "failure: %s\n"
                     "run: hb_conformance --replay %s --heap %s\n",
                     ops->name, label, (unsigned long long)opt->seed, HB_ARCH_NAME, line, path, ops->name);
    if (s.reproduced && !slow)
        snprintf(header + n, sizeof header - (size_t)n, "%zu operations, %s; replay fails with: %s", s.final, how,
                 s.kind);
    else
        snprintf(header + n, sizeof header - (size_t)n, "the %zu recorded operations, not shrunk: %s", s.original,
                 slow ? "replaying them takes longer than the trial time limit"
                      : "replaying them does not fail (the case's own check found what the fixture's "
                        "verification does not)");
    replays.seconds += s.seconds;
    if (hb_replay_write(r, path, header, why, sizeof why) != 0)
        printf("      replay: not written: %s\n", why);
    else if (s.reproduced && !slow)
        printf("      replay: hb_conformance --replay %s --heap %s (%zu operations, %s)\n", path, ops->name, s.final,
               how);
    else
        printf("      replay: %s holds the %zu recorded operations, not shrunk: %s\n", path, s.original,
               slow ? "replaying them takes too long" : "replaying them does not fail");
    hb_replay_free(r);
    if (opt->check_replays)
        check_replay(opt, ops, path, failure);
}

static enum outcome run_case(const struct options *opt, const struct hb_heap_ops *ops, const struct hb_case *c,
                             const char *label, const char **broken_create)
{
    int record = (!opt->expect || opt->check_replays) && !opt->no_replay;
    struct case_ctx k = {ops, c, opt->seed, record};
    struct hb_sv_opts so = {opt->timeout, 1, 0};
    struct hb_sv_outcome o;
    if (record)
        hb_replay_log_clear(sv);
    hb_sv_run(sv, &so, case_body, &k, &o);
    enum outcome out = outcome_of(&o);
    printf("%-7s %s %s [%.2f s]\n", outcome_name[out], ops->name, label, o.seconds);
    if (out == PASS) {
        print_output(&o, "");
        return out;
    }
    char what[160];
    snprintf(what, sizeof what, "case %s", label);
    print_failure(&o, ops->name, what, opt->seed);
    *broken_create = create_broken(&o);
    if (*broken_create)
        printf("      the heap's create %s: its remaining cases are not run\n", *broken_create + 7);
    if (record && *broken_create)
        printf("      replay: not written: the heap fails in create, before any other call\n");
    else if (record)
        write_replay(opt, ops, label, &o);
    return out;
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
    unsigned n[6];
};

static int run_heap(const struct options *opt, const struct hb_heap_ops *ops, const struct hb_broken_heap *broken,
                    struct tally *t)
{
    char why[200];
    if (hb_validate_ops(ops, why, sizeof why) != 0) {
        printf("FAIL  %s: %s\n", ops->name, why);
        t->n[FAIL]++;
        return 1;
    }
    int mismatch = 0;
    const char *create_fault = NULL;
    for (size_t i = 0; i < hb_case_count; i++) {
        const struct hb_case *c = &hb_cases[i];
        if (!case_selected(c, opt->group, opt->only))
            continue;
        char label[128];
        snprintf(label, sizeof label, "%s.%s", c->group, c->name);
        if ((opt->check_replays || opt->targeted) && broken && !listed(broken->expect, label))
            continue; /* its replays, or its catches, are what is checked: the cases that fail on it */
        enum outcome o;
        if ((ops->caps & c->needs) != c->needs) {
            o = SKIP;
            printf("%-7s %s %s (the heap lacks a capability this case needs) [0.00 s]\n", outcome_name[o], ops->name,
                   label);
        } else if (create_fault) {
            o = NOT_RUN;
            printf("%-7s %s %s (not run: %s) [0.00 s]\n", outcome_name[o], ops->name, label, create_fault);
        } else
            o = run_case(opt, ops, c, label, &create_fault);
        t->n[o]++;
        if (broken && (opt->expect || opt->check_replays)) { /* --expect-failures: main checked broken */
            int failed = o == FAIL || o == CRASH || o == TIMEOUT || o == NOT_RUN;
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

/* ---- --replay ------------------------------------------------------------------ */

static int replay_file(const struct options *opt)
{
    const struct hb_broken_heap *broken;
    const struct hb_heap_ops *ops = find_any_heap(opt->heaps[0], &broken);
    if (!ops) {
        fprintf(stderr, "hb_conformance: unknown heap '%s'; registered heaps: ", opt->heaps[0]);
        hb_print_heap_names(stderr);
        fprintf(stderr, "\n");
        return 2;
    }
    char why[512];
    struct hb_replay *r = hb_replay_load(opt->replay_file, why, sizeof why);
    if (!r) {
        fprintf(stderr, "hb_conformance: %s\n", why);
        return 2;
    }
    printf("heapbench conformance replay of %s (%zu operations) on %s, heap %s, seed %llu\n", opt->replay_file,
           hb_replay_length(r), HB_ARCH_NAME, ops->name, (unsigned long long)hb_replay_seed(r));
    struct hb_sv_outcome o;
    hb_replay_run(sv, ops, r, opt->timeout, &o);
    enum outcome out = outcome_of(&o);
    printf("%-7s %s replay %s [%.2f s]\n", outcome_name[out], ops->name, opt->replay_file, o.seconds);
    char what[4200];
    snprintf(what, sizeof what, "replay %s", opt->replay_file);
    if (out != PASS)
        print_failure(&o, ops->name, what, hb_replay_seed(r));
    else
        printf("    the sequence replays without failure\n");
    hb_replay_free(r);
    return out == PASS ? 0 : 1;
}

static int by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void print_replay_summary(void)
{
    size_t n = replays.written < sizeof replays.ops / sizeof replays.ops[0]
                   ? replays.written
                   : sizeof replays.ops / sizeof replays.ops[0];
    qsort(replays.ops, n, sizeof replays.ops[0], by_size);
    printf("replays: %u failing cases, %u replay files, %u shrunk, %u reproduce their failure; operations per file: "
           "median %zu, max %zu; shrinking took %.1f s\n",
           replays.failing, replays.written, replays.shrunk, replays.reproduced, n ? replays.ops[n / 2] : 0,
           replays.max_ops, replays.seconds);
}

int main(int argc, char **argv)
{
    struct options opt;
    parse_options(argc, argv, &opt);
    if (opt.nheaps == 0)
        for (size_t i = 0; hb_registered_heaps[i] && opt.nheaps < MAX_HEAPS; i++)
            opt.heaps[opt.nheaps++] = hb_registered_heaps[i]->name;
    setvbuf(stdout, NULL, _IOLBF, 0);
    sv = hb_sv_create(hb_replay_log_bytes());
    if (!sv) {
        perror("hb_conformance: cannot map the supervisor's shared memory");
        return 2;
    }
    if (opt.replay_file) {
        int rc = replay_file(&opt);
        hb_sv_destroy(sv);
        return rc;
    }

    const struct hb_heap_ops *ops[MAX_HEAPS];
    const struct hb_broken_heap *broken[MAX_HEAPS];
    for (size_t h = 0; h < opt.nheaps; h++) {
        ops[h] = find_any_heap(opt.heaps[h], &broken[h]);
        if (!ops[h]) {
            fprintf(stderr, "hb_conformance: unknown heap '%s'; registered heaps: ", opt.heaps[h]);
            hb_print_heap_names(stderr);
            fprintf(stderr, "\n");
            hb_sv_destroy(sv);
            return 2;
        }
        if (opt.expect && !broken[h]) {
            fprintf(stderr, "hb_conformance: --expect-failures needs a broken test heap; '%s' is not one\n",
                    opt.heaps[h]);
            hb_sv_destroy(sv);
            return 2;
        }
    }

    printf("heapbench conformance on %s (%s-endian, %zu-bit words, default alignment %zu, page %zu), seed %llu\n",
           HB_ARCH_NAME, HB_ENDIAN_NAME, 8 * HB_WORD_BYTES, HB_DEFAULT_ALIGN, HB_PAGE_SIZE,
           (unsigned long long)opt.seed);
    struct tally t = {{0}};
    int mismatch = 0;
    for (size_t h = 0; h < opt.nheaps; h++)
        mismatch |= run_heap(&opt, ops[h], broken[h], &t);
    unsigned failed = t.n[FAIL] + t.n[CRASH] + t.n[TIMEOUT] + t.n[NOT_RUN];
    printf("%u passed, %u failed, %u skipped (%u crashed, %u timed out, %u not run) - seed %llu\n", t.n[PASS], failed,
           t.n[SKIP], t.n[CRASH], t.n[TIMEOUT], t.n[NOT_RUN], (unsigned long long)opt.seed);
    hb_sv_destroy(sv);
    if (opt.check_replays) {
        int all_broken = 1;
        for (size_t h = 0; h < opt.nheaps; h++)
            all_broken &= broken[h] != NULL;
        print_replay_summary();
        int bad = mismatch || replays.reproduced != replays.failing || (failed && !all_broken);
        printf("%s\n", bad ? "replays NOT all reproducing their failures" : "every replay reproduces its failure");
        return bad;
    }
    if (opt.expect) {
        printf("%s\n", mismatch ? "broken heap NOT caught exactly by the cases that target it"
                                : "broken heap caught by exactly the cases that target it");
        return mismatch;
    }
    if (failed)
        return 1;
    return t.n[PASS] == 0 && t.n[SKIP] > 0 ? 77 : 0;
}

/*
 * test_judge.c - the host speed claim's judge (promises.c over figures.c)
 * on injected repetitions, no timing: one run of buddy, malloc and the
 * empty subject on fill-16-same, whose repetitions (alloc and free ns,
 * and the share of a CPU each child had) each case writes.
 *   - a busy machine (six of nine children had under 90 % of a CPU and ran
 *     60 % to 300 % slower, one of them faster) with three repetitions
 *     that kept the CPU and agree within 2 %: judged on those (met, or
 *     MISSED when the heap is slower), the value their floors' ratio;
 *   - every child lost the CPU, the figures alike: not judged (too busy);
 *   - on a quiet machine, the fastest third spreading 9 % is judged, 11 %
 *     is not; a noisy malloc or overhead, or too few repetitions, is not;
 *     each refusal names the subject, its figure and the threshold;
 *   - a missing malloc figure is "not measured";
 *   - a run with another initial block (--initial-bytes) is not judged.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "run.h"

/* promises.c finds malloc's record by this subject's name (subject.c). */
const struct hb_subject hb_subject_malloc = {"malloc", "the C library's malloc", HB_SUBJECT_MALLOC, 0, NULL};

enum { HEAP, MALLOC, EMPTY, NSUB };

static const struct hb_subject subjects[NSUB] = {
    {"buddy", "binary buddy", HB_SUBJECT_HEAP, 0, NULL},
    {"malloc", "the C library's malloc", HB_SUBJECT_MALLOC, 0, NULL},
    {"(empty)", "the harness overhead", HB_SUBJECT_EMPTY, 0, NULL},
};
static const struct hb_workload fill = {.name = "fill-16-same"};
static const struct hb_workload *const workloads[1] = {&fill};
static struct hb_record recs[NSUB];

/* A subject's repetitions: each one's alloc + free is floor * (1 + its
   step), split 5:4 between alloc and free, and its child had cpu[i] of a
   CPU. */
static void reps(int sub, double floor, const double *steps, const double *cpu, int n)
{
    struct hb_speed_fig *s = &recs[sub].speed;
    memset(s, 0, sizeof *s);
    s->nreps = n;
    s->iterations = 100;
    for (int i = 0; i < n; i++) {
        double t = floor * (1 + steps[i]);
        s->alloc[i] = t * 5 / 9;
        s->free_[i] = t * 4 / 9;
        s->cpu_share[i] = cpu[i];
    }
}

/* A machine at a load of 2.5 per CPU: three repetitions kept the CPU and
   agree within 2 %; the six that lost it ran 60 % to 300 % slower, but
   one (-0.2) faster: only repetitions with the CPU make the floor. */
static const double busy_steps[9] = {2.0, 0.01, 0, 3.0, -0.2, 0.02, 1.5, 0.8, 2.5};
static const double busy_cpu[9] = {0.4, 0.95, 0.97, 0.3, 0.6, 0.93, 0.5, 0.55, 0.35};
/* Quiet: every child kept the CPU. */
static const double quiet_cpu[9] = {0.99, 0.98, 0.99, 0.97, 0.99, 0.98, 0.99, 0.99, 0.98};
static const double half_cpu[9] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
/* Within 2 %, and the fastest three spreading 29 %. */
static const double steady[9] = {2.0, 0.01, 0, 3.0, 0.6, 0.02, 1.5, 0.8, 2.5};
static const double noisy[9] = {0.57, 0.14, 0, 1.0, 0.29, 2.0, 0.43, 3.0, 0.71};

static size_t judge_initial_bytes; /* the run's --initial-bytes (0: the default) */

static const struct hb_verdict *judge(struct hb_verdict *v)
{
    static struct hb_run r;
    memset(&r, 0, sizeof r);
    r.initial_bytes = judge_initial_bytes;
    r.reps = 9;
    r.speed = 1;
    r.subjects = subjects;
    r.nsubjects = NSUB;
    r.workloads = workloads;
    r.nworkloads = 1;
    r.full_workload_set = 1;
    r.recs = recs;
    r.nrecs = NSUB;
    for (size_t i = 0; i < NSUB; i++) {
        recs[i].subject = i;
        recs[i].workload = 0;
        recs[i].status = HB_STATUS_OK;
    }
    size_t n = hb_judge(&r, v, 8);
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].heap, "buddy") == 0 && strcmp(v[i].metric, "speed") == 0)
            return &v[i];
    return NULL;
}

/* The verdict's state starts with want (and holds also, when given);
   malloc's floor is 21 ns, the overhead's 5, all with quiet_cpu unless
   the heap's cpu says otherwise for the heap. */
static void expect_state(const char *what, const double *heap, const double *heap_cpu, const double *mall,
                         const double *empty, int n, double heap_floor, const char *want, const char *also)
{
    struct hb_verdict v[8];
    reps(HEAP, heap_floor, heap, heap_cpu, n);
    reps(MALLOC, 21, mall, quiet_cpu, 9);
    reps(EMPTY, 5, empty, quiet_cpu, 9);
    const struct hb_verdict *x = judge(v);
    EXPECT(x != NULL, "%s: no verdict on buddy's speed claim", what);
    if (!x)
        return;
    EXPECT(strncmp(x->state, want, strlen(want)) == 0, "%s: state '%s', expected '%s...'", what, x->state, want);
    EXPECT(!also || strstr(x->state, also), "%s: state '%s' lacks '%s'", what, x->state, also);
    int judged = strncmp(want, "not judged", 10) != 0;
    EXPECT(x->met == (judged ? strcmp(want, "met") == 0 : -1), "%s: met %d", what, x->met);
}

int main(void)
{
    struct hb_verdict v[8];

    /* Busy, three repetitions of each subject with the CPU and alike:
       judged on their floors, (18 - 5) / (21 - 5). */
    reps(HEAP, 18, busy_steps, busy_cpu, 9);
    reps(MALLOC, 21, busy_steps, busy_cpu, 9);
    reps(EMPTY, 5, busy_steps, busy_cpu, 9);
    const struct hb_verdict *x = judge(v);
    EXPECT(x && strcmp(x->state, "met") == 0 && x->met == 1, "busy, stable: '%s'", x ? x->state : "none");
    EXPECT(x && fabs(x->value - 13.0 / 16.0) < 1e-9, "busy, stable: value %g, expected 0.8125", x ? x->value : NAN);

    expect_state("busy, stable, heap slower", busy_steps, busy_cpu, steady, steady, 9, 26, "MISSED", NULL);
    expect_state("every child lost the CPU", steady, half_cpu, steady, steady, 9, 18,
                 "not judged: machine too busy: 0 of buddy's 9 repetitions had 90% of a CPU (at least 3)", NULL);
    static const double nine[9] = {0, 0.09, 0.05, 2.0, 0.5, 1.0, 0.7, 1.5, 3.0};
    static const double eleven[9] = {0, 0.11, 0.05, 2.0, 0.5, 1.0, 0.7, 1.5, 3.0};
    expect_state("fastest third within 9 %", nine, quiet_cpu, steady, steady, 9, 18, "met", NULL);
    /* The figures of the case above, which was met, with another initial
       block: promises hold for the default one only. */
    judge_initial_bytes = (size_t)128 * 1024;
    expect_state("a non-default initial block", nine, quiet_cpu, steady, steady, 9, 18, "not judged: --initial-bytes",
                 NULL);
    judge_initial_bytes = 0;

    expect_state("fastest third spread 11 %", eleven, quiet_cpu, steady, steady, 9, 18,
                 "not judged: unstable timing: the fastest 3 of buddy's 9 repetitions with 90% of a CPU spread 11% "
                 "(at most 10%)",
                 NULL);
    expect_state("noisy malloc", steady, quiet_cpu, noisy, steady, 9, 18,
                 "not judged: unstable timing: the fastest 3 of malloc's 9 repetitions with 90% of a CPU spread 29% "
                 "(at most 10%)",
                 NULL);
    expect_state("noisy overhead", steady, quiet_cpu, steady, noisy, 9, 18,
                 "not judged: unstable timing: the fastest 3 of (empty)'s", "29%");
    expect_state("three repetitions", steady, quiet_cpu, steady, steady, 3, 18,
                 "not judged: too few repetitions: buddy has 3 (at least 5)", NULL);

    reps(HEAP, 18, steady, quiet_cpu, 9);
    recs[MALLOC].speed.nreps = 0;
    x = judge(v);
    EXPECT(x && strcmp(x->state, "not judged: not measured") == 0, "no malloc figure: '%s'", x ? x->state : "none");

    if (!hb_expect_failures)
        printf("speed judge: all cases as expected\n");
    return hb_expect_failures != 0;
}

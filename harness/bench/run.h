/*
 * run.h - one bench run of one target: what was selected, the records the
 * meters fill (run.c), and what the reporter (report.c) and the promise
 * table (promises.c) read.
 */
#ifndef HEAPBENCH_RUN_H
#define HEAPBENCH_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"
#include "record.h"

struct hb_run {
    /* options */
    uint64_t seed;
    int reps;            /* speed repetitions asked for */
    int reps_per_child;  /* speed repetitions one child runs in a round */
    double rep_ms;       /* wall time aimed at per repetition */
    double timeout;      /* seconds one child may run */
    double speed_budget; /* seconds the whole speed meter may take (0: derived) */
    int speed, quality;
    size_t stats_every;   /* quality: stats after every k-th own op (1: exact) */
    size_t initial_bytes; /* initial block of heaps that expand (0: HB_INITIAL_BYTES; see hb_initial_bytes) */
    const char *counts;   /* path length: the plugin's count file, or NULL */
    const char *outdir, *commit;
    /* what runs */
    const struct hb_subject *subjects;
    size_t nsubjects;
    const struct hb_workload *const *workloads;
    const struct hb_opseq *seqs;
    size_t nworkloads;
    int full_workload_set; /* every default workload ran: promises are judged */
    struct hb_record *recs;
    size_t nrecs;
    /* facts of the run */
    char started[32];
    double seconds;
    uint32_t pl_calibration; /* path length: the empty marker pair */
    int speed_cut_short;     /* the speed budget ran out before every repetition */
    double load_at_start;    /* 1-minute load average per CPU */
    int minpool;             /* option: the minimum-pool meter runs */
};

/* Runs every meter on every record (each heap x workload x meter in a
   supervised child).  0, or -1 when the run itself could not go on
   (its reason printed). */
int hb_run_meters(struct hb_run *r);

/* ---- figures (figures.c) ---- */

/* The record of a subject x workload, by name; NULL if not in the run. */
const struct hb_record *hb_find_record(const struct hb_run *r, const char *subject, const char *workload);
/* The record of the harness overhead on the same workload. */
const struct hb_record *hb_overhead_record(const struct hb_run *r, const struct hb_record *x);

/* Speed figures of a record: the medians, harness overhead subtracted, and
   the floor. */
struct hb_speed_net {
    int measured;
    double alloc, free_;              /* net medians; NaN when below the overhead */
    double alloc_bound, free_bound;   /* at most this: the net median, or the overhead's noise when below it */
    double alloc_raw, free_raw;       /* medians as measured */
    double alloc_spread, free_spread; /* (max - min) / median of the repetitions */
    int alloc_below, free_below;      /* the median is within the overhead's noise */
    int busy;                         /* a third of the repetitions had < 90 % of a CPU, or too few ran */
    double floor;                     /* raw alloc + free of the fastest repetition with a CPU (see below) */
    double floor_spread;              /* (slowest - fastest) / fastest over the fastest floor_reps of them */
    int floor_reps;                   /* the fastest third of them, at least HB_FLOOR_QUORUM (all when fewer) */
    int floor_cpu_reps;               /* repetitions with HB_FLOOR_CPU_SHARE of a CPU (0: floor over all) */
};
void hb_speed_net(const struct hb_run *r, const struct hb_record *x, struct hb_speed_net *out);

/* A floor is the fastest alloc + free among the repetitions whose child
   had HB_FLOOR_CPU_SHARE of a CPU (CPU time / wall time): one that lost the
   CPU to another job is known to be slowed, one that kept it is not, and
   other jobs only ever add time.  It is trusted when at least
   HB_FLOOR_MIN_REPS repetitions ran, at least HB_FLOOR_QUORUM had the CPU,
   and the fastest third of those (at least HB_FLOOR_QUORUM) lie within
   HB_FLOOR_SPREAD_MAX of the fastest: the subject's own cost, however
   loaded the machine was otherwise.  Busy (above) judges nothing. */
#define HB_FLOOR_MIN_REPS 5
#define HB_FLOOR_QUORUM 3
#define HB_FLOOR_CPU_SHARE 0.9
#define HB_FLOOR_SPREAD_MAX 0.10
/* (alloc + free) of heap record x / malloc's record m on the same workload,
   on floors less the harness overhead's floor (a net figure within the
   overhead's floor jitter counts as that jitter), or NaN when there is no
   figure.  why is empty when there is a figure and every floor (heap,
   malloc, overhead) is trusted; else the first floor's reason not to
   trust it, with its figure and the threshold, or why there is no
   figure. */
double hb_speed_vs_malloc(const struct hb_run *r, const struct hb_record *x, const struct hb_record *m, char *why,
                          size_t len);

/* ---- promises (promises.c) ---- */

struct hb_verdict {
    const char *heap, *metric, *what;
    double value, limit; /* value: NaN when not judged */
    const char *where;   /* the workload the value comes from */
    char state[200];     /* "met", "MISSED", "missed (expected)", "not judged: <why>" */
    int met;             /* 1 met, 0 missed, -1 not judged */
    int miss_expected;
    double gross, call; /* path length: as measured, and the call sequence subtracted (-1: none) */
};

/* Judges every promise of the table that applies to this target. */
size_t hb_judge(const struct hb_run *r, struct hb_verdict *v, size_t maxv);
/* The path-length target on a figure of a record's calls (alloc, or free):
   the longest call of the heap's own, the 99th percentile or the median.
   In measured instructions: the promise's limit plus the call sequence.
   NaN when no promise of this target covers it. */
enum hb_pl_figure { HB_PL_OWN_MAX, HB_PL_P99, HB_PL_MEDIAN };
double hb_pathlen_target(const struct hb_run *r, const struct hb_record *x, int alloc, enum hb_pl_figure fig);

/* ---- reporter (report.c) ---- */

/* Writes the run folder's files for this target (JSON, CSV views, plot
   data and scripts, summary) and prints the table.  0, or -1 when a file
   could not be written. */
int hb_write_report(const struct hb_run *r);
/* Failed or invalid heap x workloads. */
size_t hb_count_failures(const struct hb_run *r);

#endif

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
    size_t stats_every; /* quality: stats after every k-th own op (1: exact) */
    const char *counts; /* path length: the plugin's count file, or NULL */
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

/* The record of a subject x workload, by name; NULL if not in the run. */
const struct hb_record *hb_find_record(const struct hb_run *r, const char *subject, const char *workload);
/* The record of the harness overhead on the same workload. */
const struct hb_record *hb_overhead_record(const struct hb_run *r, const struct hb_record *x);

/* Speed figures of a record, harness overhead subtracted (report.c). */
struct hb_speed_net {
    int measured;
    double alloc, free_;              /* net medians; NaN when below the overhead */
    double alloc_bound, free_bound;   /* at most this: the net median, or the overhead's noise when below it */
    double alloc_raw, free_raw;       /* medians as measured */
    double alloc_spread, free_spread; /* (max - min) / median of the repetitions */
    int alloc_below, free_below;      /* the median is within the overhead's noise */
    int busy;                         /* the machine was too busy for the figure to mean much */
};
void hb_speed_net(const struct hb_run *r, const struct hb_record *x, struct hb_speed_net *out);

/* ---- promises (promises.c) ---- */

struct hb_verdict {
    const char *heap, *metric, *what;
    double value, limit; /* value: NaN when not judged */
    const char *where;   /* the workload the value comes from */
    const char *state;   /* "met", "MISSED", "missed (expected)", "not judged: ..." */
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

/*
 * record.h - the one result record per heap x workload of this target.
 *
 * Every meter fills its part of the record (run.c drives the meters, each
 * in a supervised child); every writer reads only records (report.c: the
 * JSON, the CSV views, the terminal table, the closing summary and the plot
 * data).  A record is complete when each meter selected for the run either
 * filled its part or the record names the failure; a heap that fails the
 * shadow check is invalid and gets no figures at all.  Adding a metric is
 * one field here, one line in its meter and one in report.c (plus the
 * schema in docs/).
 */
#ifndef HEAPBENCH_RECORD_H
#define HEAPBENCH_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"
#include "supervise.h"

#define HB_MAX_REPS 64

enum hb_meter { HB_METER_CHECK, HB_METER_QUALITY, HB_METER_PATHLEN, HB_METER_SPEED, HB_METER_MINPOOL, HB_NMETERS };

/* "check", "quality", "pathlen", "speed", "minpool" */
const char *hb_meter_name(enum hb_meter m);

/* How a heap x workload ended. */
enum hb_status {
    HB_STATUS_OK,      /* every selected meter filled its figures */
    HB_STATUS_INVALID, /* the shadow check found a bad block: no figures */
    HB_STATUS_FAILED   /* a meter's child crashed, hung, exited or reported corruption */
};

struct hb_failure {
    enum hb_meter meter;
    char kind[24];       /* invalid, crashed, stack overflow, timeout, exited, sanitizer, corrupt, error */
    char phase[128];     /* what the child was doing, e.g. "speed repetition 3" */
    char last_call[200]; /* "alloc: size 24, align 1 (heap call #3)" */
    char detail[600];    /* the supervisor's one line, or the check's message */
    /* kind "timeout": the limit that fired and the child's times, in seconds */
    enum hb_sv_limit timeout_limit; /* HB_SV_LIMIT_NONE unless a timeout */
    double cpu_limit;               /* the wall limits follow from it (hb_sv_blocked_limit, hb_sv_backstop) */
    double cpu_seconds, wall_seconds;
};

/* Speed: one figure per repetition, each a child of its own. */
struct hb_speed_fig {
    int nreps;
    uint64_t iterations;           /* per repetition, from the time budget */
    double alloc[HB_MAX_REPS];     /* ns per alloc, harness overhead included */
    double free_[HB_MAX_REPS];     /* ns per free */
    double cpu_share[HB_MAX_REPS]; /* CPU time / wall time of the repetition's child */
    double nulls;                  /* NULL allocs per run */
};

/* Path length: a distribution of guest instructions per call. */
#define HB_PL_LIN_BUCKETS 32
#define HB_PL_NBUCKETS (HB_PL_LIN_BUCKETS + 24)

struct hb_pl_dist {
    uint64_t n, sum;
    uint32_t min, median, p99, max;
    uint64_t max_op, max_size; /* the first op with the max, and its size */
    uint64_t own_n;            /* calls that did not reach the memory manager */
    uint32_t own_max, own_p99;
    uint64_t mm_n; /* calls that reached it (its own instructions excluded) */
    uint32_t mm_max;
    uint64_t hist[HB_PL_NBUCKETS];
};

struct hb_pathlen_fig {
    uint64_t nulls, peak_pool;
    struct hb_pl_dist alloc, free_;
    uint64_t max_alloc_live; /* live allocations when the worst alloc ran */
};

struct hb_record {
    size_t subject, workload; /* indexes into the run's tables */
    enum hb_status status;
    struct hb_failure fail; /* status != OK */
    int checked;            /* passed the shadow check (heaps only) */
    int has_quality, has_pathlen;
    struct hb_quality quality;
    struct hb_pathlen_fig pathlen;
    struct hb_speed_fig speed; /* speed.nreps > 0: measured */
    int has_minpool;
    struct hb_minpool_fig minpool;
};

#endif

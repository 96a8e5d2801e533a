/*
 * bench.h - the bench runner's parts: subjects (what is measured), the
 * meters (speed, fragmentation and metadata) that drive a workload's
 * operation sequence through a subject, and the Google Benchmark C shim.
 */
#ifndef HEAPBENCH_BENCH_H
#define HEAPBENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "heap.h"
#include "mm.h"
#include "workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- subjects -------------------------------------------------------------- */

enum hb_subject_kind {
    HB_SUBJECT_HEAP,   /* a registered kernel heap, fed by the simulated memory manager */
    HB_SUBJECT_MALLOC, /* the C library's malloc: a host speed baseline, not a kernel heap */
    HB_SUBJECT_EMPTY   /* an empty operation: the harness overhead */
};

struct hb_subject {
    const char *name;
    const char *summary;
    enum hb_subject_kind kind;
    int by_name;                   /* runs only when named (--heap): the example heaps */
    const struct hb_heap_ops *ops; /* HB_SUBJECT_HEAP only */
};

typedef void *(*hb_alloc_fn)(hb_heap *h, size_t size, size_t align, const char *tag);
typedef int (*hb_free_fn)(hb_heap *h, void *ptr);

/* One subject ready to run one workload. */
struct hb_instance {
    const struct hb_subject *subject;
    hb_mm *mm;
    size_t arena_pages, initial_pages;
    void *initial;
    hb_heap *h;
    hb_alloc_fn alloc;
    hb_free_fn free;
    size_t mm_recreated; /* times the memory manager had to be rebuilt (blocks not given back) */
};

extern const struct hb_subject hb_subject_malloc, hb_subject_empty;

/* The arena (bytes) the workload needs on this subject: sized from the
   sequence's peak live set (and, for heaps that do not reuse freed memory,
   from its total), capped by the target's address space. */
size_t hb_arena_bytes(const struct hb_subject *s, const struct hb_opseq *seq);
/* The arena comes from the host's malloc: keep well inside a 32-bit
   target's ~3 GiB address space. */
#define HB_ARENA_CAP (sizeof(void *) > 4 ? (size_t)1 << 30 : (size_t)384 << 20)
/* The initial block (bytes, whole pages) a subject starts from: for a heap
   that expands, `asked` (--initial-bytes; 0: HB_INITIAL_BYTES) or its
   min_initial if larger; for one that cannot, the whole arena; 0 for
   malloc and the empty operation. */
#define HB_INITIAL_BYTES ((size_t)64 * 1024)
size_t hb_initial_bytes(const struct hb_subject *s, const struct hb_opseq *seq, size_t asked);
int hb_instance_open(struct hb_instance *in, const struct hb_subject *s, const struct hb_opseq *seq,
                     size_t initial_bytes, char *err, size_t errlen);
/* After a drained run: a fresh heap, as if newly opened. */
int hb_instance_reset(struct hb_instance *in, char *err, size_t errlen);
void hb_instance_close(struct hb_instance *in);

/* ---- meters ---------------------------------------------------------------- */

uint64_t hb_now_ns(void);
/* The cheapest clock of the target (the TSC on x86, else CLOCK_MONOTONIC
   in ns), and its ns per tick, calibrated against CLOCK_MONOTONIC. */
uint64_t hb_ticks(void);
double hb_ns_per_tick(void);

struct hb_speed_sample {
    double alloc_ns, free_ns; /* total over the sequence */
    uint64_t nalloc, nfree, nulls;
};

/* Runs the sequence once, timing runs of consecutive allocs and of
   consecutive frees separately.  slots has seq->nslots entries. */
void hb_speed_run(struct hb_instance *in, const struct hb_opseq *seq, void **slots, struct hb_speed_sample *out);

/* The fragmentation and metadata figures of one heap x workload
   (docs/metrics.md).  Every figure is over the workload's own operations
   (ops [0, own_ops)); the drain the sequence ends with is counted apart. */
#define HB_SERIES_MAX 200

struct hb_series_point {
    uint64_t op;
    double ext_frag;
    uint64_t free_bytes, largest_free, pool_bytes, live_bytes;
};

struct hb_quality {
    uint64_t own_ops, own_frees, drain_frees;
    uint64_t stats_every; /* stats read after ops 0, k, 2k, ... and the last own op (1: every op, exact) */
    /* fragmentation */
    uint64_t peak_pool_bytes;                             /* the memory manager's peak bytes lent */
    uint64_t peak_live_bytes;                             /* peak requested bytes of successful allocations */
    double ext_frag_mean, ext_frag_max, ext_frag_at_peak; /* over the own ops read (stats_every) */
    uint64_t nulls;                                       /* allocs that returned NULL */
    int64_t first_null_op;                                /* -1: none */
    int64_t catastrophic_op;                              /* first NULL while free_bytes >= size; -1: none */
    uint64_t cat_size, cat_free, cat_largest, cat_live_bytes;
    /* metadata */
    uint64_t meta_bytes_peak, meta_bytes_end;
    double header_per_alloc, padding_per_alloc; /* per live allocation, averaged over every own op */
    double rounding_per_alloc;                  /* granted - requested per allocation (usable_size) */
    int rounding_known;                         /* the heap reports usable_size */
    uint64_t header_bytes_peak, padding_bytes_peak;
    uint64_t identity_violations;
    uint32_t nseries;
    struct hb_series_point series[HB_SERIES_MAX];
    uint64_t refused_align; /* NULL allocs asking more than the heap's max_align: neither nulls nor catastrophic */
};

/* Runs the sequence once on a heap subject, reading stats after every
   stats_every-th own operation (1: every one).  0, or -1 with the reason in msg (the heap's check or the
   memory manager's guards failed after the run). */
int hb_quality_run(struct hb_instance *in, const struct hb_opseq *seq, size_t stats_every, struct hb_quality *q,
                   char *msg, size_t msglen);

/* The minimum pool (minpool.c): the smallest initial block, in whole
   pages, on which the sequence runs with no failed alloc, expansion off
   (the memory manager refuses every get_pages).  An alloc refused because
   its alignment is above the heap's max_align is not a failure. */
#define HB_MINPOOL_MAX_PROBES 64

struct hb_minpool_fig {
    int found;                  /* some pool up to limit_pages ran the sequence with no failed alloc */
    int expands;                /* the heap has HB_CAP_EXPAND: measured with expansion turned off */
    uint64_t pages;             /* the minimum pool (found): pages - 1 failed, pages succeeded */
    uint64_t below_min_initial; /* pages - 1 was not run: below the heap's min_initial (fails by contract) */
    uint64_t limit_pages;       /* the largest pool tried: the bench arena */
    uint64_t peak_live_bytes;   /* requested and live at once, on the minimum pool */
    uint64_t refused_align;     /* allocs refused for their alignment, on the minimum pool */
    uint32_t nprobes;
    uint64_t probe_pages[HB_MINPOOL_MAX_PROBES];
    uint8_t probe_ok[HB_MINPOOL_MAX_PROBES];
    int exact;            /* found, and pages - 1 failed (or is below min_initial): the search ended in time */
    uint64_t lower_pages; /* the largest pool known to fail (below min_initial: min_initial's pages - 1) */
};

/* The seconds the search may take per heap x workload before it stops with
   a pool that works (m->exact 0). */
#define HB_MINPOOL_BUDGET_S 5.0

/* Finds the minimum pool of a heap subject by galloping up from a lower
   bound, then bisection, within budget seconds.  0, or -1 with the reason
   in msg (the heap wrote outside its pool in a probe). */
int hb_minpool_run(const struct hb_subject *s, const struct hb_opseq *seq, double budget, struct hb_minpool_fig *m,
                   char *msg, size_t msglen);

/* The shadow check (shadow.c): runs the sequence once and checks every
   block the heap returns: inside the blocks the memory manager lent, aligned
   as asked, overlapping no live block, usable size >= size where the heap
   reports it.  0 if valid; else -1 with the first violation in msg. */
int hb_shadow_check(struct hb_instance *in, const struct hb_opseq *seq, char *msg, size_t msglen);

/* The workload's own operations: the sequence less the drain it ends with. */
size_t hb_own_ops(const struct hb_opseq *seq);

/* The meter the current child runs ("check", "quality", "pathlen",
   "speed"; "" in the parent): the bench's test heaps misbehave by meter. */
extern const char *hb_bench_meter;

/* ---- Google Benchmark shim ------------------------------------------------- */

struct hb_gb_sample {
    double alloc_ns, free_ns; /* per alloc / per free, mean over one repetition's iterations */
    double nulls;             /* NULL allocs per iteration */
    uint64_t iterations;
};

typedef void (*hb_gb_body)(void *ctx, struct hb_speed_sample *out);
typedef void (*hb_gb_record)(void *ctx, size_t bench, int64_t rep, const struct hb_gb_sample *s);

int hb_gb_available(void);       /* 1 when built over Google Benchmark */
const char *hb_gb_version(void); /* "1.7.1" or "none" */
/* Registers a benchmark; returns its index. */
size_t hb_gb_add(const char *name, hb_gb_body body, void *ctx, uint64_t iterations);
/* Runs every registered benchmark reps times (randomly interleaved when
   interleave), calls rec for every repetition, and writes Google
   Benchmark's JSON to json_out (not when GB is absent or json_out is
   NULL).  0 on success. */
int hb_gb_run(int reps, int interleave, uint64_t seed, const char *json_out, hb_gb_record rec, void *rctx);

#ifdef __cplusplus
}
#endif

#endif

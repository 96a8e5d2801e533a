/*
 * workload.h - heapbench's workloads: seeded generators of operation
 * sequences, defined once and driven by every meter (speed, fragmentation
 * and metadata, path length).  "One definition, several meters."
 *
 * The API in short (what a meter or a reporter uses):
 *
 *   - The workload table: hb_workloads_init() fills it with the generated
 *     workloads (one row each, a static data table in workload.c) and one
 *     row per NAME.trace of the trace folder; hb_workloads_add_trace() adds
 *     a --trace file.  A row (struct hb_workload) is a name, a family
 *     (enum hb_family; hb_family_name() gives its word for output), typed
 *     parameters (struct hb_workload_params) and a one-line summary.  Look
 *     parameters up in the row (w->params.live is a growth workload's
 *     live-set size); never parse them out of the name.  Names are stable
 *     and unique; a trace's name is "trace-" plus its file name without
 *     ".trace", made unique with "-2", "-3", ... when taken (rules in
 *     workloads/README.md).  The table has no fixed size; a row pointer
 *     stays valid until hb_workloads_init() or hb_workloads_done().
 *
 *   - The operation sequence (struct hb_opseq): hb_workload_build() fills
 *     one.  ops[0 .. drain_start) are the workload's own operations;
 *     ops[drain_start .. n) are the drain hb_opseq_finish appended (one free
 *     for each slot still live).  nfrees_own counts the workload's own
 *     frees (a trace's: its "free" lines), nfrees_drain the drain's; every
 *     op is counted once in nallocs + nfrees_own + nfrees_drain == n.
 *
 * A workload builds an hb_opseq: a flat array of alloc and free operations
 * on numbered slots.  A slot is a place that holds one live pointer; an
 * alloc fills a free slot, a free empties a live one.  Meters own the slot
 * table (void *slot[nslots]) and the heap; the sequence owns nothing but
 * sizes, alignments and tags.  Every sequence ends drained, so a heap is
 * empty after it.
 *
 * Determinism: a workload's sequence depends only on (workload, seed); the
 * generators use harness/rng.h and integer arithmetic only, so the same seed
 * gives the same sequence on every target, 32- or 64-bit, either byte order.
 */
#ifndef HEAPBENCH_WORKLOAD_H
#define HEAPBENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

enum hb_op_kind { HB_OP_ALLOC = 0, HB_OP_FREE = 1 };

struct hb_op {
    uint32_t kind;   /* enum hb_op_kind */
    uint32_t slot;   /* 0 .. nslots-1 */
    size_t size;     /* HB_OP_ALLOC: bytes asked for */
    size_t align;    /* HB_OP_ALLOC: 0 = the heap's default */
    const char *tag; /* HB_OP_ALLOC: debug tag (owned by the sequence or static), or NULL */
};

struct hb_opseq {
    struct hb_op *ops;
    size_t n, cap;
    size_t nslots;
    /* Facts filled in by hb_opseq_finish (used to size arenas and reports). */
    size_t drain_start;     /* ops[drain_start .. n): the appended drain, frees only */
    size_t nallocs;         /* allocs (all are the workload's own) */
    size_t nfrees_own;      /* frees among ops[0 .. drain_start) */
    size_t nfrees_drain;    /* n - drain_start */
    size_t peak_live_bytes; /* most bytes requested and live at once */
    size_t peak_live_count; /* most allocations live at once */
    size_t total_bytes;     /* sum of all alloc sizes */
    size_t max_size, max_align;
    /* Storage owned by the sequence (trace tags). */
    char **strings;
    size_t nstrings, strings_cap;
};

enum hb_family {
    HB_FAMILY_FILL,        /* N blocks of one size, then all freed */
    HB_FAMILY_LIST,        /* the article's linked list */
    HB_FAMILY_CHURN,       /* random churn under a live-set bound */
    HB_FAMILY_ALIGN,       /* churn of mixed alignments */
    HB_FAMILY_GROWTH,      /* churn at several live-set sizes: cost growth */
    HB_FAMILY_ADVERSARIAL, /* one heap family's worst path each */
    HB_FAMILY_TRACE        /* a recorded program, replayed */
};
/* "fill", "list", "churn", "align", "growth", "adversarial", "trace". */
const char *hb_family_name(enum hb_family f);

enum hb_free_order { HB_FREE_SAME, HB_FREE_REVERSE, HB_FREE_RANDOM };

/* A workload's parameters.  Each field says which workloads use it; the
   others leave it 0. */
struct hb_workload_params {
    size_t size;              /* fill, hot-64: bytes per block */
    size_t count;             /* fill: blocks; list: nodes; adv-scan: one-block holes */
    size_t live;              /* churn, align, growth: the live-set bound (growth: its x axis);
                                 adv-merge, hot-64: blocks kept live throughout */
    size_t steps;             /* churn, align, growth: steps after the fill; list: rounds;
                                 adv-split, adv-merge, hot-64: repetitions;
                                 adv-scan: large allocs; adv-slab: rounds */
    enum hb_free_order order; /* fill */
    const char *path;         /* trace: the file */
};

struct hb_workload;
typedef int (*hb_workload_build_fn)(const struct hb_workload *w, uint64_t seed, struct hb_opseq *out, char *err,
                                    size_t errlen);

/* One row of the workload table. */
struct hb_workload {
    const char *name; /* e.g. "fill-16-random", "trace-gcc"; unique */
    enum hb_family family;
    hb_workload_build_fn build;
    struct hb_workload_params params;
    const char *summary; /* one line for --list */
};

/* Fills the workload table: the generated workloads plus one "trace-NAME"
   for every NAME.trace in trace_dir, in name order (NULL: no traces).
   Calling it again starts the table afresh.  0, or -1 with a message in
   err (a missing or unreadable folder, out of memory). */
int hb_workloads_init(const char *trace_dir, char *err, size_t errlen);
/* Adds the trace file path as a workload (for --trace FILE); its name
   follows the rules above.  The file is read when the workload is built.
   The row, or NULL with a message in err (out of memory). */
const struct hb_workload *hb_workloads_add_trace(const char *path, char *err, size_t errlen);
/* Frees the table. */
void hb_workloads_done(void);
size_t hb_workload_count(void);
const struct hb_workload *hb_workload_at(size_t i);
const struct hb_workload *hb_find_workload(const char *name);
void hb_print_workload_names(FILE *f);

/* Builds w's sequence for seed.  0 on success; -1 with a message in err
   (for traces: "file:line: what is wrong").  On failure out is empty. */
int hb_workload_build(const struct hb_workload *w, uint64_t seed, struct hb_opseq *out, char *err, size_t errlen);

/* The trace format's limit on a size and on an alignment (1 GiB: larger is
   not a heap workload, and it fits a 32-bit target's size_t). */
#define HB_TRACE_MAX_SIZE ((uint64_t)1 << 30)

/* Reads a plain-text trace (format in workloads/README.md), appending its
   operations to out (not finished: hb_opseq_finish drains it). */
int hb_trace_read(const char *path, struct hb_opseq *out, char *err, size_t errlen);

/* Sequence building blocks, for generators. */
void hb_opseq_init(struct hb_opseq *s);
void hb_opseq_free(struct hb_opseq *s);
int hb_opseq_alloc(struct hb_opseq *s, uint32_t slot, size_t size, size_t align, const char *tag);
int hb_opseq_free_op(struct hb_opseq *s, uint32_t slot);
/* Checks the sequence, appends the drain (frees for slots still live),
   fills the facts.  0, or -1 with a message. */
int hb_opseq_finish(struct hb_opseq *s, char *err, size_t errlen);

/* The seed a workload's generator uses: the run seed mixed with the
   workload's name, so workloads differ but all follow the one run seed. */
uint64_t hb_workload_seed(const struct hb_workload *w, uint64_t seed);

/* Inverse-square size in [lo, hi] from a uniform 32-bit value (integer
   arithmetic only: the same on every target). */
size_t hb_inverse_square_size(uint32_t r, size_t lo, size_t hi);

#ifdef __cplusplus
}
#endif

#endif

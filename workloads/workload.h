/*
 * workload.h - heapbench's workloads: seeded generators of operation
 * sequences, defined once and driven by every meter (speed, fragmentation
 * and metadata, path length).  "One definition, several meters."
 *
 * A workload builds an hb_opseq: a flat array of alloc and free operations
 * on numbered slots.  A slot is a place that holds one live pointer; an
 * alloc fills a free slot, a free empties a live one.  Meters own the slot
 * table (void *slot[nslots]) and the heap; the sequence owns nothing but
 * sizes, alignments and tags.  Every sequence ends drained (the builder
 * appends a free for each slot still live), so a heap is empty after it.
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
    size_t nallocs, nfrees;
    size_t peak_live_bytes;  /* most bytes requested and live at once */
    size_t peak_live_count;  /* most allocations live at once */
    size_t total_bytes;      /* sum of all alloc sizes */
    size_t max_size, max_align;
    /* Storage owned by the sequence (trace tags). */
    char **strings;
    size_t nstrings, strings_cap;
};

struct hb_workload;
typedef int (*hb_workload_build_fn)(const struct hb_workload *w, uint64_t seed, struct hb_opseq *out,
                                    char *err, size_t errlen);

struct hb_workload {
    char name[64];     /* e.g. "fill-16-random", "trace-gcc" */
    char family[16];   /* fill, list, churn, align, growth, trace */
    char summary[160]; /* one line for --list */
    hb_workload_build_fn build;
    size_t size;       /* fill: block size; churn/growth: live-set bound */
    size_t count;      /* fill: blocks; churn/growth: churn steps */
    int order;         /* fill: 0 same, 1 reverse, 2 random */
    char path[512];    /* trace: file */
};

/* Builds the workload table: the generated workloads plus one "trace-NAME"
   for every NAME.trace in trace_dir (NULL or missing dir: no traces).
   Returns the number of workloads. */
size_t hb_workloads_init(const char *trace_dir);
/* Adds a trace file as workload "trace-<basename>" (for --trace FILE).
   NULL if the table is full. */
const struct hb_workload *hb_workloads_add_trace(const char *path);
size_t hb_workload_count(void);
const struct hb_workload *hb_workload_at(size_t i);
const struct hb_workload *hb_find_workload(const char *name);
void hb_print_workload_names(FILE *f);

/* Builds w's sequence for seed.  0 on success; -1 with a message in err
   (for traces: "file:line: what is wrong"). */
int hb_workload_build(const struct hb_workload *w, uint64_t seed, struct hb_opseq *out, char *err,
                      size_t errlen);

/* Reads a plain-text trace (format in workloads/README.md). */
int hb_trace_read(const char *path, struct hb_opseq *out, char *err, size_t errlen);

/* Sequence building blocks, for generators. */
void hb_opseq_init(struct hb_opseq *s);
void hb_opseq_free(struct hb_opseq *s);
int hb_opseq_alloc(struct hb_opseq *s, uint32_t slot, size_t size, size_t align, const char *tag);
int hb_opseq_free_op(struct hb_opseq *s, uint32_t slot);
/* Appends frees for slots still live, checks the sequence, fills the facts.
   0, or -1 with a message. */
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

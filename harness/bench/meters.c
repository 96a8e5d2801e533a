/*
 * meters.c - the speed meter and the fragmentation/metadata meter.  Both
 * drive a workload's operation sequence (workloads/workload.h) the same
 * way: op by op, slot table in hand.  Definitions: docs/metrics.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "supervise.h"

uint64_t hb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
uint64_t hb_ticks(void)
{
    return __builtin_ia32_rdtsc();
}

double hb_ns_per_tick(void)
{
    static double f;
    if (f == 0) {
        uint64_t n0 = hb_now_ns(), t0 = hb_ticks(), n1;
        while ((n1 = hb_now_ns()) - n0 < 20000000u) /* 20 ms */
            ;
        uint64_t t1 = hb_ticks();
        f = t1 > t0 ? (double)(n1 - n0) / (double)(t1 - t0) : 1.0;
    }
    return f;
}
#else
uint64_t hb_ticks(void)
{
    return hb_now_ns();
}
double hb_ns_per_tick(void)
{
    return 1.0;
}
#endif

/* Speed: a run of consecutive allocs (or frees) is timed as one interval,
   so the clock (the TSC on x86) is read twice per run, not per op.  Each
   call is noted for the supervisor first (a few stores: the last heap call
   a dead child reports).  The empty subject pays the same reads, notes and
   loop, and is subtracted as the harness overhead. */
void hb_speed_run(struct hb_instance *in, const struct hb_opseq *seq, void **slots, struct hb_speed_sample *out)
{
    hb_alloc_fn A = in->alloc;
    hb_free_fn F = in->free;
    hb_heap *h = in->h;
    const struct hb_op *op = seq->ops, *end = seq->ops + seq->n;
    uint64_t ta = 0, tf = 0, nulls = 0;
    while (op < end) {
        uint64_t t0 = hb_ticks();
        if (op->kind == HB_OP_ALLOC) {
            do {
                hb_sv_note("alloc", op->size, op->align, NULL);
                void *p = A(h, op->size, op->align, op->tag);
                slots[op->slot] = p;
                nulls += p == NULL;
                op++;
            } while (op < end && op->kind == HB_OP_ALLOC);
            ta += hb_ticks() - t0;
        } else {
            do {
                hb_sv_note("free", 0, 0, slots[op->slot]);
                F(h, slots[op->slot]);
                op++;
            } while (op < end && op->kind == HB_OP_FREE);
            tf += hb_ticks() - t0;
        }
    }
    double k = hb_ns_per_tick();
    out->alloc_ns = (double)ta * k;
    out->free_ns = (double)tf * k;
    out->nalloc = seq->nallocs;
    out->nfree = seq->nfrees_own + seq->nfrees_drain;
    out->nulls = nulls;
}

static int identity_holds(const struct hb_stats *s)
{
    return s->pool_bytes == s->meta_bytes + s->header_bytes + s->padding_bytes + s->granted_bytes + s->free_bytes;
}

static double ext_frag(const struct hb_stats *s)
{
    return s->free_bytes ? 1.0 - (double)s->largest_free / (double)s->free_bytes : 0.0;
}

size_t hb_own_ops(const struct hb_opseq *seq)
{
    return seq->drain_start;
}

/* The running sums of the quality pass: every own op adds one sample. */
struct qsums {
    double frag, hdr, pad, live;
    uint64_t n, max_live_count;
};

static void sample(const struct hb_stats *st, size_t i, uint64_t live_bytes, size_t every, struct qsums *u,
                   struct hb_quality *q)
{
    double ef = ext_frag(st);
    u->n++;
    u->frag += ef;
    if (ef > q->ext_frag_max)
        q->ext_frag_max = ef;
    if (st->meta_bytes > q->meta_bytes_peak)
        q->meta_bytes_peak = st->meta_bytes;
    u->hdr += (double)st->header_bytes;
    u->pad += (double)st->padding_bytes;
    u->live += (double)st->live;
    if (st->live >= u->max_live_count) {
        u->max_live_count = st->live;
        q->header_bytes_peak = st->header_bytes;
        q->padding_bytes_peak = st->padding_bytes;
        q->ext_frag_at_peak = ef;
    }
    q->identity_violations += !identity_holds(st);
    if (i % every == 0 && q->nseries < HB_SERIES_MAX) {
        struct hb_series_point *pt = &q->series[q->nseries++];
        *pt = (struct hb_series_point){i, ef, st->free_bytes, st->largest_free, st->pool_bytes, live_bytes};
    }
}

/* A NULL alloc: the first one, and the first while enough bytes were free. */
static void note_null(const struct hb_heap_ops *ops, hb_heap *h, size_t i, size_t size, uint64_t live_bytes,
                      struct hb_quality *q)
{
    struct hb_stats st;
    q->nulls++;
    if (q->first_null_op < 0)
        q->first_null_op = (int64_t)i;
    if (q->catastrophic_op >= 0)
        return;
    ops->stats(h, &st);
    if (st.free_bytes >= size) {
        q->catastrophic_op = (int64_t)i;
        q->cat_size = size;
        q->cat_free = st.free_bytes;
        q->cat_largest = st.largest_free;
        q->cat_live_bytes = live_bytes;
    }
}

int hb_quality_run(struct hb_instance *in, const struct hb_opseq *seq, size_t stats_every, struct hb_quality *q,
                   char *msg, size_t msglen)
{
    const struct hb_heap_ops *ops = in->subject->ops;
    hb_heap *h = in->h;
    size_t ns = seq->nslots ? seq->nslots : 1;
    void **slots = calloc(ns, sizeof *slots);
    size_t *sizes = calloc(ns, sizeof *sizes);
    if (!slots || !sizes) {
        free(slots);
        free(sizes);
        snprintf(msg, msglen, "out of memory for %zu slots", ns);
        return -1;
    }
    memset(q, 0, sizeof *q);
    q->first_null_op = q->catastrophic_op = -1;
    q->own_ops = hb_own_ops(seq);
    q->rounding_known = ops->usable_size != NULL;
    stats_every = stats_every ? stats_every : 1;
    q->stats_every = stats_every;
    size_t every = (q->own_ops / HB_SERIES_MAX + 1 + stats_every - 1) / stats_every * stats_every;
    uint64_t live_bytes = 0, granted = 0, nalloc = 0;
    struct qsums u = {0};
    struct hb_stats st;
    for (size_t i = 0; i < seq->n; i++) {
        const struct hb_op *op = &seq->ops[i];
        int own = i < q->own_ops;
        if (op->kind == HB_OP_ALLOC) {
            hb_sv_note("alloc", op->size, op->align, NULL);
            void *p = ops->alloc(h, op->size, op->align, op->tag);
            slots[op->slot] = p;
            if (p) {
                sizes[op->slot] = op->size;
                live_bytes += op->size;
                nalloc++;
                size_t u = ops->usable_size ? ops->usable_size(h, p) : op->size;
                granted += u > op->size ? u - op->size : 0;
                if (live_bytes > q->peak_live_bytes)
                    q->peak_live_bytes = live_bytes;
            } else if (op->align > ops->max_align)
                q->refused_align++; /* the contract's answer, not a failure */
            else
                note_null(ops, h, i, op->size, live_bytes, q);
        } else if (slots[op->slot]) {
            hb_sv_note("free", sizes[op->slot], 0, slots[op->slot]);
            ops->free(h, slots[op->slot]);
            slots[op->slot] = NULL;
            live_bytes -= sizes[op->slot];
            if (own)
                q->own_frees++;
            else
                q->drain_frees++;
        }
        if (own && (i % stats_every == 0 || i + 1 == q->own_ops)) {
            hb_sv_note("stats", 0, 0, NULL);
            ops->stats(h, &st);
            sample(&st, i, live_bytes, every, &u, q);
        }
    }
    ops->stats(h, &st);
    q->meta_bytes_end = st.meta_bytes;
    q->identity_violations += !identity_holds(&st);
    q->ext_frag_mean = u.n ? u.frag / (double)u.n : 0;
    q->header_per_alloc = u.live > 0 ? u.hdr / u.live : 0;
    q->padding_per_alloc = u.live > 0 ? u.pad / u.live : 0;
    q->rounding_per_alloc = nalloc ? (double)granted / (double)nalloc : 0;
    struct hb_mm_counters c;
    hb_mm_counters(in->mm, &c);
    q->peak_pool_bytes = c.peak_bytes_out;
    free(slots);
    free(sizes);
    char why[160];
    if (ops->check && ops->check(h, why, sizeof why) != HB_OK) {
        snprintf(msg, msglen, "the heap's own check after the run: %s", why);
        return -1;
    }
    if (hb_mm_check_guards(in->mm, why, sizeof why) != 0) {
        snprintf(msg, msglen, "memory outside the heap's blocks was written: %s", why);
        return -1;
    }
    return 0;
}

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
   so the clock (the TSC on x86) is read twice per run, not per op; the empty subject pays
   the same reads and loop, and is subtracted as the harness overhead. */
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
                void *p = A(h, op->size, op->align, op->tag);
                slots[op->slot] = p;
                nulls += p == NULL;
                op++;
            } while (op < end && op->kind == HB_OP_ALLOC);
            ta += hb_ticks() - t0;
        } else {
            do {
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

int hb_quality_run(struct hb_instance *in, const struct hb_opseq *seq, struct hb_quality *q)
{
    const struct hb_heap_ops *ops = in->subject->ops;
    hb_heap *h = in->h;
    void **slots = calloc(seq->nslots ? seq->nslots : 1, sizeof *slots);
    size_t *sizes = calloc(seq->nslots ? seq->nslots : 1, sizeof *sizes);
    if (!slots || !sizes) {
        free(slots);
        free(sizes);
        return -1;
    }
    memset(q, 0, sizeof *q);
    q->first_null_op = q->catastrophic_op = -1;
    size_t every = seq->n / HB_SERIES_MAX + 1;
    uint64_t live_bytes = 0, max_live_count = 0;
    double frag_sum = 0, hdr_sum = 0, pad_sum = 0, live_sum = 0;
    struct hb_stats st;
    for (size_t i = 0; i < seq->n; i++) {
        const struct hb_op *op = &seq->ops[i];
        if (op->kind == HB_OP_ALLOC) {
            void *p = ops->alloc(h, op->size, op->align, op->tag);
            slots[op->slot] = p;
            if (p) {
                sizes[op->slot] = op->size;
                live_bytes += op->size;
                if (live_bytes > q->peak_live_bytes)
                    q->peak_live_bytes = live_bytes;
            } else {
                q->nulls++;
                if (q->first_null_op < 0)
                    q->first_null_op = (int64_t)i;
                if (q->catastrophic_op < 0) {
                    ops->stats(h, &st);
                    if (st.free_bytes >= op->size) {
                        q->catastrophic_op = (int64_t)i;
                        q->cat_size = op->size;
                        q->cat_free = st.free_bytes;
                        q->cat_largest = st.largest_free;
                        q->cat_live_bytes = live_bytes;
                    }
                }
            }
        } else if (slots[op->slot]) {
            ops->free(h, slots[op->slot]);
            slots[op->slot] = NULL;
            live_bytes -= sizes[op->slot];
        }
        if (i % every == 0 || i + 1 == seq->n) {
            ops->stats(h, &st);
            double ef = ext_frag(&st);
            q->samples++;
            frag_sum += ef;
            if (ef > q->ext_frag_max)
                q->ext_frag_max = ef;
            if (st.meta_bytes > q->meta_bytes_peak)
                q->meta_bytes_peak = st.meta_bytes;
            hdr_sum += (double)st.header_bytes;
            pad_sum += (double)st.padding_bytes;
            live_sum += (double)st.live;
            if (st.live >= max_live_count) {
                max_live_count = st.live;
                q->header_bytes_peak = st.header_bytes;
                q->padding_bytes_peak = st.padding_bytes;
                q->ext_frag_at_peak = ef;
            }
            q->identity_violations += !identity_holds(&st);
            if (q->nseries < HB_SERIES_MAX) {
                struct hb_series_point *pt = &q->series[q->nseries++];
                pt->op = i;
                pt->ext_frag = ef;
                pt->free_bytes = st.free_bytes;
                pt->largest_free = st.largest_free;
                pt->pool_bytes = st.pool_bytes;
                pt->live_bytes = live_bytes;
            }
        }
    }
    ops->stats(h, &st);
    q->meta_bytes_end = st.meta_bytes;
    q->identity_violations += !identity_holds(&st);
    q->ext_frag_mean = q->samples ? frag_sum / (double)q->samples : 0;
    q->header_per_alloc = live_sum > 0 ? hdr_sum / live_sum : 0;
    q->padding_per_alloc = live_sum > 0 ? pad_sum / live_sum : 0;
    struct hb_mm_counters c;
    hb_mm_counters(in->mm, &c);
    q->peak_pool_bytes = c.peak_bytes_out;
    q->footprint_ratio = q->peak_live_bytes ? (double)q->peak_pool_bytes / (double)q->peak_live_bytes : 0;
    if (ops->check && ops->check(h, q->check_msg, sizeof q->check_msg) != HB_OK)
        q->check_failed = 1;
    char msg[160];
    if (hb_mm_check_guards(in->mm, msg, sizeof msg) != 0) {
        q->guard_damaged = 1;
        if (!q->check_failed)
            snprintf(q->check_msg, sizeof q->check_msg, "guard: %.140s", msg);
    }
    free(slots);
    free(sizes);
    return 0;
}

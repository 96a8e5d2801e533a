/*
 * pathlen.c - the path-length meter (see pathlen.h, docs/metrics.md).
 *
 * The parent calibrates once (hb_pathlen_begin: the count of the empty
 * marker pair, which must be the same every time) and flushes; then every
 * heap x workload runs in a forked child (run.c): QEMU user mode forks the
 * emulator with its plugin, so the child has its own copy of the counter
 * and appends its records, through the plugin's file descriptor shared with
 * the parent, at the end of the count file.  The child moves its own read
 * position to the end of the file first, drives the sequence op by op with
 * each heap call between its markers, flushes, and reads its counts back,
 * joining them with the sequence by order.  A child that dies leaves at
 * most some records of its own at the end of the file, which the next
 * child skips.  The figure of a call is its count minus the calibration.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pathlen.h"
#include "buildinfo.h"
#include "supervise.h"

#define NCAL 64
#define NONE UINT32_MAX

/* ---- the count file --------------------------------------------------------- */

static FILE *counts_f;
static const char *counts_path;

static int counts_open(const char *path)
{
    counts_path = path;
    counts_f = fopen(path, "rb");
    if (!counts_f) {
        fprintf(stderr, "hb-bench: cannot read the plugin's count file %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Reads n records of kind k (after hb_mark_flush); the lower-case kind (the
   call reached the memory manager) counts too, and sets bit 31 of out[i].
   0, or -1 with a message. */
#define MM_BIT 0x80000000u
static int counts_read(char k, size_t n, uint32_t *out)
{
    unsigned char b[8];
    clearerr(counts_f);
    for (size_t i = 0; i < n; i++) {
        if (fread(b, 1, 8, counts_f) != 8) {
            fprintf(stderr,
                    "hb-bench: %s holds %zu of the %zu '%c' counts expected: is the program running under "
                    "qemu-<arch> -plugin libhbpath.so,out=%s (tools/qemu-plugin/)?\n",
                    counts_path, i, n, k, counts_path);
            return -1;
        }
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--)
            v = v << 8 | b[j];
        char got = (char)(v & 0xff);
        if (got != k && got != k - 'A' + 'a') {
            fprintf(stderr, "hb-bench: %s: count %zu is of kind '%c', expected '%c' (markers out of step)\n",
                    counts_path, i, (int)(v & 0xff), k);
            return -1;
        }
        v >>= 8;
        out[i] = v >= MM_BIT ? MM_BIT - 1 : (uint32_t)v;
        if (got != k)
            out[i] |= MM_BIT;
    }
    return 0;
}

/* The empty pair, NCAL times: every count the same, or the run is not exact. */
static int calibrate(uint32_t *cal)
{
    uint32_t c[NCAL];
    for (int i = 0; i < NCAL; i++) {
        hb_mark_cal_begin();
        hb_mark_cal_end();
    }
    hb_mark_flush();
    if (counts_read('C', NCAL, c) != 0)
        return -1;
    for (int i = 1; i < NCAL; i++)
        if (c[i] != c[0]) {
            fprintf(stderr, "hb-bench: calibration not constant: pair 0 counts %u, pair %d counts %u\n", (unsigned)c[0],
                    i, (unsigned)c[i]);
            return -1;
        }
    *cal = c[0];
    return 0;
}

/* ---- probe ---------------------------------------------------------------- */

static uint32_t probe(hb_probe_fn f, uint32_t cal, uint32_t *sink)
{
    uint32_t c[8];
    for (int i = 0; i < 8; i++) {
        hb_mark_probe_begin();
        *sink += f((uint32_t)i);
        hb_mark_probe_end();
    }
    hb_mark_flush();
    if (counts_read('P', 8, c) != 0)
        return NONE;
    for (int i = 1; i < 8; i++)
        if (c[i] != c[0])
            return NONE;
    return c[0] - cal;
}

int hb_pathlen_probe(const char *counts)
{
    uint32_t cal, sink = 0;
    if (counts_open(counts) != 0 || calibrate(&cal) != 0)
        return 2;
    /* The probes go through a volatile function pointer: the same call site
       for both, as the heap calls go through the ops table. */
    hb_probe_fn volatile fe = hb_probe_empty, fk = hb_probe_known;
    uint32_t e = probe(fe, cal, &sink), k = probe(fk, cal, &sink);
    /* calibrated twice more: a calibrated empty pair must count 0 */
    uint32_t cal2;
    if (calibrate(&cal2) != 0)
        return 2;
    printf("target %s\ncalibration %u\ncalibrated-empty-pair %d\nprobe-empty %u\nprobe-known %u\n"
           "probe-known-minus-empty %d\n(sink %u)\n",
           HB_TARGET, (unsigned)cal, (int)(cal2 - cal), (unsigned)e, (unsigned)k,
           e == NONE || k == NONE ? -1 : (int)(k - e), (unsigned)sink);
    return e == NONE || k == NONE ? 1 : 0;
}

/* ---- distributions ---------------------------------------------------------- */

/* Histogram buckets: [8i, 8i+8) below 256, then powers of two [2^k, 2^(k+1)). */
static uint32_t bucket_of(uint32_t v)
{
    if (v < 256)
        return v / 8;
    uint32_t k = 31 - (uint32_t)__builtin_clz(v); /* >= 8 */
    uint32_t b = HB_PL_LIN_BUCKETS + (k - 8);
    return b < HB_PL_NBUCKETS ? b : HB_PL_NBUCKETS - 1;
}

void hb_pl_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi)
{
    if (b < HB_PL_LIN_BUCKETS) {
        *lo = (uint64_t)8 * b;
        *hi = *lo + 8;
    } else {
        *lo = (uint64_t)1 << (b - HB_PL_LIN_BUCKETS + 8);
        *hi = *lo * 2;
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* v[i] for the ops of kind k (NONE: not measured; MM_BIT: reached the
   memory manager). */
static int make_dist(const struct hb_opseq *seq, const uint32_t *vv, uint32_t kind, struct hb_pl_dist *d)
{
    memset(d, 0, sizeof *d);
    uint32_t *t = malloc((seq->n ? seq->n : 1) * sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < seq->n; i++) {
        if (seq->ops[i].kind != kind || vv[i] == NONE)
            continue;
        uint32_t v = vv[i] & ~MM_BIT;
        if (vv[i] & MM_BIT)
            d->mm_max = d->mm_n++ == 0 || v > d->mm_max ? v : d->mm_max;
        else if (d->own_n++ == 0 || v > d->own_max)
            d->own_max = v;
        if (d->n == 0 || v > d->max) {
            d->max = v;
            d->max_op = i;
            d->max_size = seq->ops[i].size;
        }
        t[d->n++] = v;
        d->sum += v;
        d->hist[bucket_of(v)]++;
    }
    if (d->n) {
        qsort(t, d->n, sizeof *t, cmp_u32);
        d->min = t[0];
        d->median = t[(d->n - 1) / 2];
        size_t r = (size_t)((d->n * 99 + 99) / 100); /* nearest rank: ceil(0.99 n) */
        d->p99 = t[r - 1];
    }
    free(t);
    return 0;
}

/* ---- one heap x workload (in its child) ----------------------------------------- */

int hb_pathlen_begin(const char *counts, uint32_t *cal)
{
    if (counts_open(counts) != 0 || calibrate(cal) != 0)
        return -1;
    hb_pathlen_mark_mm = 1;
    return 0;
}

/* Drives the sequence with every heap call between its markers; v[i] = 0
   for a measured op, NONE for the free of a slot whose alloc failed. */
static void drive_marked(struct hb_instance *in, const struct hb_opseq *seq, void **slots, uint32_t *v,
                         uint32_t *live_at, struct hb_pathlen_fig *f)
{
    hb_alloc_fn A = in->alloc;
    hb_free_fn F = in->free;
    hb_heap *h = in->h;
    uint32_t live = 0;
    for (size_t i = 0; i < seq->n; i++) {
        const struct hb_op *op = &seq->ops[i];
        if (op->kind == HB_OP_ALLOC) {
            live_at[i] = live;
            hb_sv_note("alloc", op->size, op->align, NULL);
            hb_mark_alloc_begin();
            void *p = A(h, op->size, op->align, op->tag);
            hb_mark_alloc_end();
            slots[op->slot] = p;
            f->nulls += p == NULL;
            live += p != NULL;
            v[i] = 0;
        } else if (slots[op->slot]) {
            hb_sv_note("free", 0, 0, slots[op->slot]);
            hb_mark_free_begin();
            F(h, slots[op->slot]);
            hb_mark_free_end();
            slots[op->slot] = NULL;
            live--;
            v[i] = 0;
        } else
            v[i] = NONE;
    }
    hb_mark_flush();
}

/* Reads the counts of the measured ops back, in op order. */
static int join_counts(const struct hb_opseq *seq, uint32_t cal, uint32_t *v, char *msg, size_t msglen)
{
    for (size_t i = 0; i < seq->n; i++) {
        if (v[i] == NONE)
            continue;
        uint32_t raw;
        if (counts_read(seq->ops[i].kind == HB_OP_ALLOC ? 'A' : 'F', 1, &raw) != 0) {
            snprintf(msg, msglen, "the counts do not match the sequence at op %zu (see stderr)", i);
            return -1;
        }
        uint32_t mm = raw & MM_BIT;
        raw &= ~MM_BIT;
        if (raw < cal) {
            snprintf(msg, msglen, "op %zu counts %u, below the calibration %u", i, (unsigned)raw, (unsigned)cal);
            return -1;
        }
        v[i] = (raw - cal) | mm;
    }
    return 0;
}

int hb_pathlen_measure(const struct hb_subject *s, const struct hb_opseq *seq, size_t initial_bytes, uint32_t cal,
                       struct hb_pathlen_fig *f, char *msg, size_t msglen)
{
    struct hb_instance in;
    memset(f, 0, sizeof *f);
    if (fseek(counts_f, 0, SEEK_END) != 0) { /* what is there belongs to earlier children */
        snprintf(msg, msglen, "cannot seek in %s", counts_path);
        return -1;
    }
    if (hb_instance_open(&in, s, seq, initial_bytes, msg, msglen) != 0)
        return -1;
    size_t n = seq->n ? seq->n : 1;
    void **slots = calloc(seq->nslots ? seq->nslots : 1, sizeof *slots);
    uint32_t *v = malloc(n * sizeof *v), *live_at = malloc(n * sizeof *live_at);
    int rc = -1;
    if (!slots || !v || !live_at)
        snprintf(msg, msglen, "out of memory");
    else {
        drive_marked(&in, seq, slots, v, live_at, f);
        if (in.mm) {
            struct hb_mm_counters c;
            hb_mm_counters(in.mm, &c);
            f->peak_pool = c.peak_bytes_out;
        }
        rc = join_counts(seq, cal, v, msg, msglen);
    }
    if (rc == 0 && (make_dist(seq, v, HB_OP_ALLOC, &f->alloc) != 0 || make_dist(seq, v, HB_OP_FREE, &f->free_) != 0)) {
        snprintf(msg, msglen, "out of memory");
        rc = -1;
    }
    if (rc == 0 && f->alloc.n)
        f->max_alloc_live = live_at[f->alloc.max_op];
    hb_instance_close(&in);
    free(slots);
    free(v);
    free(live_at);
    return rc;
}

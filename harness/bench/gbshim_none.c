/*
 * gbshim_none.c - the shim's stand-in where Google Benchmark is not found
 * (a cross target without its cross-built copy): the same interface, the
 * same bodies, repetitions randomly interleaved with harness/rng.h; no
 * Google Benchmark JSON is written.
 */
#include <stdlib.h>

#include "bench.h"
#include "rng.h"

struct entry {
    hb_gb_body body;
    void *ctx;
    uint64_t iterations;
};

static struct entry *entries;
static size_t nentries, cap;

int hb_gb_available(void)
{
    return 0;
}
const char *hb_gb_version(void)
{
    return "none";
}

size_t hb_gb_add(const char *name, hb_gb_body body, void *ctx, uint64_t iterations)
{
    (void)name;
    if (nentries == cap) {
        size_t c = cap ? cap * 2 : 64;
        struct entry *e = realloc(entries, c * sizeof *e);
        if (!e)
            abort();
        entries = e;
        cap = c;
    }
    entries[nentries] = (struct entry){body, ctx, iterations ? iterations : 1};
    return nentries++;
}

int hb_gb_run(int reps, int interleave, uint64_t seed, const char *json_out, hb_gb_record rec, void *rctx)
{
    (void)json_out;
    size_t n = nentries * (size_t)reps;
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    int *rep_of = calloc(nentries ? nentries : 1, sizeof *rep_of);
    if (!order || !rep_of)
        abort();
    for (size_t i = 0; i < n; i++)
        order[i] = interleave ? i % nentries : i / (size_t)reps;
    struct hb_rng rng;
    hb_rng_seed(&rng, seed);
    for (size_t i = n; interleave && i > 1; i--) {
        size_t j = hb_rng_below(&rng, (uint32_t)i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
    for (size_t k = 0; k < n; k++) {
        struct entry *e = &entries[order[k]];
        double a = 0, f = 0, na = 0, nf = 0, nulls = 0;
        for (uint64_t it = 0; it < e->iterations; it++) {
            struct hb_speed_sample s = {0};
            e->body(e->ctx, &s);
            a += s.alloc_ns;
            f += s.free_ns;
            na += (double)s.nalloc;
            nf += (double)s.nfree;
            nulls += (double)s.nulls;
        }
        struct hb_gb_sample g = {na > 0 ? a / na : 0, nf > 0 ? f / nf : 0, nulls / (double)e->iterations,
                                 e->iterations};
        rec(rctx, order[k], rep_of[order[k]]++, &g);
    }
    free(order);
    free(rep_of);
    return 0;
}

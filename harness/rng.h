/*
 * rng.h - the one random number generator of heapbench (xoshiro128**
 * seeded through splitmix64).  32-bit state words, so the sequence is the
 * same on every target, 32- or 64-bit, little- or big-endian: a seed names
 * one workload everywhere.
 */
#ifndef HEAPBENCH_RNG_H
#define HEAPBENCH_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hb_rng {
    uint32_t s[4];
};

void hb_rng_seed(struct hb_rng *r, uint64_t seed);
uint32_t hb_rng_next(struct hb_rng *r);
/* Uniform in [0, n) for n >= 1 (Lemire's method, unbiased). */
uint32_t hb_rng_below(struct hb_rng *r, uint32_t n);
/* Uniform in [lo, hi]. */
uint32_t hb_rng_range(struct hb_rng *r, uint32_t lo, uint32_t hi);

#ifdef __cplusplus
}
#endif

#endif

/* rng — seeded random streams, one per consumer (like GSL's gsl_rng).
 *
 * xoshiro256** for uniform 64-bit draws; Gaussians by the polar Box–Muller
 * method, which makes two at a time, so the spare one is part of the state.
 * A stream is a plain struct: copying it (or saving its bytes) captures it
 * exactly, and restoring the copy replays the same draws.
 * Streams derived from one seed with different ids are independent
 * (each id is mixed into the seed by splitmix64). */
#ifndef OGAS_NN_RNG_H
#define OGAS_NN_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t s[4];
  double spare;  /* second Gaussian of the last polar pair */
  int has_spare; /* 1 when spare is unused */
} ogas_rng;

/* Stream `stream_id` of `seed`. */
void ogas_rng_seed(ogas_rng *r, uint64_t seed, uint64_t stream_id);
uint64_t ogas_rng_u64(ogas_rng *r);
/* Uniform in [0, 1) with 53 random bits. */
double ogas_rng_uniform(ogas_rng *r);
/* Uniform integer in [0, n), unbiased (Lemire's method); n > 0. */
uint64_t ogas_rng_below(ogas_rng *r, uint64_t n);
/* Standard normal. */
double ogas_rng_normal(ogas_rng *r);
/* Fill x[0..n) with N(0,1) floats. */
void ogas_rng_normal_fill(ogas_rng *r, float *x, size_t n);
/* Fisher–Yates shuffle of idx[0..n). */
void ogas_rng_shuffle_i64(ogas_rng *r, int64_t *idx, size_t n);

#endif

/* space_filling — the non-breed samplers: points of the unit cube [0,1)^d.
 *
 * Four kinds, chosen by the config key `non_breed_sampler`:
 *  - uniform: iid uniform points (one ogas_rng stream);
 *  - lhs:     every call of n points is one Latin hypercube: each dimension is
 *             cut into n strata, a random permutation assigns one stratum per
 *             point, the point is uniform inside its stratum;
 *  - halton:  the Halton sequence on the first d primes, scrambled by random
 *             digit permutations (one permutation of 0..b-1 per base b and
 *             digit position, as scipy's Halton(scramble=True)), which removes
 *             the strong correlation of neighbouring large bases;
 *  - sobol:   Sobol' points with Joe & Kuo's direction numbers, taken in
 *             Gray-code order, scrambled by a random linear matrix scramble
 *             plus a random digital shift (as scipy's Sobol(scramble=True)).
 *
 * Choosing in high dimension: no net-preserving scramble can change what
 * the direction numbers put in the leading digits, and some pairs of Joe &
 * Kuo dimensions share them over short stretches (dimensions 305 and 308 have
 * |corr| = 0.75 over the first 512 points; in d = 308, 600 pairs exceed 0.2
 * at 256 points, none from 2048 on). Scrambled Halton pairs behave like iid
 * points at any n. So for hundreds of parameters and a budget of a few
 * hundred simulations, halton is the safer choice; sobol wins from a few
 * thousand points (or n = 2^k in low dimension).
 *
 * The QMC sequences continue from one call to the next: the generations of a
 * study are consecutive stretches of one sequence, so the whole parameter
 * table stays low-discrepancy. Index 0 is used, not skipped: unscrambled it is
 * the origin, scrambled it is an ordinary random point of the sequence.
 * Scrambling streams are per dimension, so the first k coordinates of a
 * d-dimensional sampler equal those of a k-dimensional one with the same seed.
 *
 * The caller maps points to its box. An object is not thread-safe: one
 * consumer uses it at a time. Functions return ogas_status codes (OGAS_OK = 0).
 */
#ifndef OGAS_BREEDER_SPACE_FILLING_H
#define OGAS_BREEDER_SPACE_FILLING_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"
#include "ogas.h"

typedef enum { SF_UNIFORM, SF_LHS, SF_HALTON, SF_SOBOL } sf_kind;

/* Largest dimension per kind: Sobol' is bounded by the direction-number table,
   Halton by the same count of primes (the 1111th prime is 8933); uniform and
   LHS have no table, only a sanity bound. */
#define SF_SOBOL_MAX_DIM 1111
#define SF_HALTON_MAX_DIM 1111
#define SF_RANDOM_MAX_DIM 1048576
/* QMC sequences stop at this index (6.9e10 points): below it every Halton
   index has fewer base-b digits than the 52-bit output resolves, and Sobol'
   indices stay within the 52 direction numbers. */
#define SF_MAX_INDEX (UINT64_C(1) << 36)

typedef struct space_filling space_filling; /* owns its scramble tables and the sequence position */

/* "uniform", "lhs", "halton", "sobol" -> *out; 0 on success, -1 for an
   unknown name or NULL arguments. */
int sf_parse_kind(const char *name, sf_kind *out);
/* Lower-case name of a kind, "unknown" for anything else. */
const char *sf_kind_name(sf_kind k);

/* New sampler of `dim` coordinates whose randomness (scramble tables or
   stream) derives from `seed` alone. Errors: OGAS_EINVAL for a NULL out, an
   unknown kind, dim 0 or dim above the kind's maximum; OGAS_ENOMEM. On error
   *out is NULL and err (if errlen > 0) holds a message. */
int sf_create(sf_kind kind, size_t dim, uint64_t seed, space_filling **out, char *err,
              size_t errlen);
/* NULL is accepted. */
void sf_free(space_filling *s);

/* Next n points, row-major out[n*dim], every coordinate in [0,1). QMC kinds
   continue where the previous call stopped, so two calls of n/2 give the same
   points as one call of n (uniform too; LHS does not: each call is its own
   Latin hypercube). n = 0 does nothing. Errors: OGAS_EINVAL for NULL
   arguments; OGAS_ERANGE if n*dim overflows or a QMC sequence would pass
   SF_MAX_INDEX; OGAS_ENOMEM when Halton cannot grow its permutation tables.
   On error nothing is written and the position does not move. */
int sf_next(space_filling *s, size_t n, double *out);

/* State for checkpoints: the sequence index (points drawn so far) and the RNG
   stream (used by LHS and uniform). Scramble tables are re-derived from
   (kind, dim, seed), so the state is small and plain (copyable bytes).
   sf_get_state does nothing when either pointer is NULL. */
typedef struct {
  sf_kind kind;
  uint64_t dim, seed, index;
  ogas_rng rng;
} sf_state;
void sf_get_state(const space_filling *s, sf_state *st);
/* Resume from a state taken from a sampler of the same kind, dim and seed:
   the next sf_next gives what the original's next call gave. Errors:
   OGAS_EINVAL for NULL arguments or a kind, dim or seed that differ;
   OGAS_ERANGE for an index above SF_MAX_INDEX; OGAS_ENOMEM. */
int sf_set_state(space_filling *s, const sf_state *st);

/* ---- Internal: shared by space_filling.c, halton.c, sobol.c and the tests. */

/* Unscrambled Halton or Sobol' sequence (the textbook points), for tests that
   compare with published values. OGAS_EINVAL for uniform and LHS. */
int sf_create_unscrambled(sf_kind kind, size_t dim, space_filling **out, char *err, size_t errlen);

/* Joe & Kuo direction-number rows for dimensions 2 .. SF_SOBOL_MAX_DIM
   (row j is dimension j + 2); see sobol_directions.c for the encoding. */
#define SF_SOBOL_MAX_DEGREE 13
typedef struct {
  uint8_t degree;                  /* s, degree of the primitive polynomial */
  uint16_t poly;                   /* a: interior coefficients, a_1 most significant */
  uint16_t m[SF_SOBOL_MAX_DEGREE]; /* initial direction integers m_1 .. m_s */
} sf_sobol_direction;
extern const sf_sobol_direction sf_sobol_directions[SF_SOBOL_MAX_DIM - 1];

/* Halton engine (halton.c). `scrambled` 0 gives identity permutations. */
typedef struct sf_halton sf_halton;
int sf_halton_create(size_t dim, uint64_t seed, int scrambled, sf_halton **out);
void sf_halton_free(sf_halton *h);
/* Make the digit permutations that indices below end_index need; OGAS_ENOMEM
   leaves the engine usable for the indices it already covered. */
int sf_halton_reserve(sf_halton *h, uint64_t end_index);
/* Points first .. first+n-1 into out[n*dim]; needs reserve(first + n). */
void sf_halton_fill(const sf_halton *h, uint64_t first, size_t n, double *out);

/* Sobol' engine (sobol.c). */
typedef struct sf_sobol sf_sobol;
int sf_sobol_create(size_t dim, uint64_t seed, int scrambled, sf_sobol **out);
void sf_sobol_free(sf_sobol *s);
/* Points first .. first+n-1 into out[n*dim]; O(d) per point when `first` is
   where the previous fill stopped, one O(52 d) seek otherwise. */
void sf_sobol_fill(sf_sobol *s, uint64_t first, size_t n, double *out);

#endif

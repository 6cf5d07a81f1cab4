/* halton — scrambled Halton sequence on the first d primes.
 *
 * Coordinate j of point i is the radical inverse of i in base b = p_j with
 * every digit passed through a permutation pi_k of {0..b-1}, k the digit
 * position:
 *     i = sum_k d_k b^k   ->   x = sum_{k < K} pi_k(d_k) b^-(k+1),
 * K = the largest count of digits with b^K <= 2^52, so x keeps 52 bits or
 * less. Unscrambled (pi_k = identity) this is the textbook Halton point; with
 * independent uniformly random pi_k it is the random-digit-permutation scramble
 * of scipy's Halton(scramble=True). Two large neighbouring primes give nearly
 * equal unscrambled coordinates (i/1993 vs i/1997 for i < 1993), which is why
 * high dimensions need the scramble.
 *
 * Exactness: the sum is formed as the integer N = sum_k pi_k(d_k) b^(K-1-k)
 * < b^K <= 2^52 and divided once, x = N / b^K, correctly rounded and < 1.
 *
 * Memory: digits at positions beyond those of the largest index drawn are all
 * zero, so they only add the constant tail sum_{k>=n} pi_k(0) b^(K-1-k).
 * Full permutations are therefore made only for the positions the indices
 * reach, lazily as the sequence grows (at most ~2 positions per large base
 * for realistic budgets), while pi_k(0) is known for every k from the start.
 * Each permutation comes from its own stream (seed, dimension, position) by a
 * front-to-back Fisher-Yates shuffle whose first draw is pi_k(0), so a table
 * grown late equals one made at creation. */
#include <stdlib.h>

#include "breeder/space_filling.h"

#define HALTON_STREAM_BASE UINT64_C(0x68616c746f6e0000) /* "halton" */
#define HALTON_BITS 52

typedef struct {
  uint32_t base;
  uint32_t n_digits;              /* K: digit positions resolved in 52 bits */
  uint64_t scale;                 /* b^K */
  uint32_t n_permuted;            /* positions with a full permutation in perm */
  uint16_t *perm;                 /* n_permuted rows of `base` entries: perm[k*b + digit] */
  uint64_t weight[HALTON_BITS];   /* b^(K-1-k) */
  uint64_t tail[HALTON_BITS + 1]; /* sum_{k>=n} pi_k(0) b^(K-1-k) */
} halton_axis;

struct sf_halton {
  size_t dim;
  uint64_t seed;
  int scrambled;
  halton_axis *axes;
};

static uint64_t stream_id(size_t axis, uint32_t position) {
  return HALTON_STREAM_BASE + ((uint64_t)axis << 6) + position;
}

/* Random permutation of 0..b-1 into row[]; row[0] is the stream's first draw. */
static void make_permutation(uint64_t seed, size_t axis, uint32_t position, uint32_t b,
                             uint16_t *row) {
  ogas_rng r;
  ogas_rng_seed(&r, seed, stream_id(axis, position));
  for (uint32_t i = 0; i < b; i++) row[i] = (uint16_t)i;
  for (uint32_t i = 0; i + 1 < b; i++) {
    uint32_t j = i + (uint32_t)ogas_rng_below(&r, b - i);
    uint16_t t = row[i];
    row[i] = row[j];
    row[j] = t;
  }
}

/* pi_k(0) without building the permutation: the first draw of its shuffle. */
static uint32_t image_of_zero(uint64_t seed, size_t axis, uint32_t position, uint32_t b) {
  ogas_rng r;
  ogas_rng_seed(&r, seed, stream_id(axis, position));
  return (uint32_t)ogas_rng_below(&r, b);
}

/* Number of base-b digits of i (0 for i = 0). */
static uint32_t digit_count(uint64_t i, uint32_t b) {
  uint32_t n = 0;
  while (i > 0) i /= b, n++;
  return n;
}

/* First `count` primes by trial division (count <= 1111, negligible cost). */
static void first_primes(size_t count, uint32_t *out) {
  size_t found = 0;
  for (uint32_t c = 2; found < count; c++) {
    int prime = 1;
    for (size_t i = 0; i < found && out[i] * out[i] <= c; i++)
      if (c % out[i] == 0) {
        prime = 0;
        break;
      }
    if (prime) out[found++] = c;
  }
}

int sf_halton_create(size_t dim, uint64_t seed, int scrambled, sf_halton **out) {
  *out = NULL;
  if (dim == 0 || dim > SF_HALTON_MAX_DIM) return OGAS_EINVAL;
  sf_halton *h = calloc(1, sizeof *h);
  uint32_t *primes = malloc(dim * sizeof *primes);
  if (h) h->axes = calloc(dim, sizeof *h->axes);
  if (!h || !primes || !h->axes) {
    free(primes);
    sf_halton_free(h);
    return OGAS_ENOMEM;
  }
  h->dim = dim;
  h->seed = seed;
  h->scrambled = scrambled;
  first_primes(dim, primes);
  for (size_t j = 0; j < dim; j++) {
    halton_axis *a = &h->axes[j];
    uint32_t b = primes[j];
    a->base = b;
    a->scale = 1;
    while (a->scale <= (UINT64_C(1) << HALTON_BITS) / b) a->scale *= b, a->n_digits++;
    uint64_t w = a->scale;
    for (uint32_t k = 0; k < a->n_digits; k++) a->weight[k] = (w /= b);
    a->tail[a->n_digits] = 0;
    for (uint32_t k = a->n_digits; k-- > 0;) {
      uint64_t zero_image = scrambled ? image_of_zero(seed, j, k, b) : 0;
      a->tail[k] = a->tail[k + 1] + zero_image * a->weight[k];
    }
  }
  free(primes);
  *out = h;
  return OGAS_OK;
}

void sf_halton_free(sf_halton *h) {
  if (!h) return;
  if (h->axes)
    for (size_t j = 0; j < h->dim; j++) free(h->axes[j].perm);
  free(h->axes);
  free(h);
}

int sf_halton_reserve(sf_halton *h, uint64_t end_index) {
  if (!h->scrambled || end_index == 0) return OGAS_OK;
  for (size_t j = 0; j < h->dim; j++) {
    halton_axis *a = &h->axes[j];
    uint32_t need = digit_count(end_index - 1, a->base);
    if (need <= a->n_permuted) continue;
    uint16_t *grown = realloc(a->perm, (size_t)need * a->base * sizeof *grown);
    if (!grown) return OGAS_ENOMEM; /* old table stays valid */
    a->perm = grown;
    for (uint32_t k = a->n_permuted; k < need; k++)
      make_permutation(h->seed, j, k, a->base, grown + (size_t)k * a->base);
    a->n_permuted = need;
  }
  return OGAS_OK;
}

void sf_halton_fill(const sf_halton *h, uint64_t first, size_t n, double *out) {
  for (size_t r = 0; r < n; r++) {
    uint64_t index = first + r;
    double *row = out + r * h->dim;
    for (size_t j = 0; j < h->dim; j++) {
      const halton_axis *a = &h->axes[j];
      uint64_t rest = index, sum = 0;
      uint32_t k = 0;
      for (; rest > 0; k++) {
        uint32_t digit = (uint32_t)(rest % a->base);
        rest /= a->base;
        uint32_t image = h->scrambled ? a->perm[(size_t)k * a->base + digit] : digit;
        sum += image * a->weight[k];
      }
      sum += a->tail[k];
      row[j] = (double)sum / (double)a->scale;
    }
  }
}

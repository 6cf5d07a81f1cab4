/* sobol — scrambled Sobol' sequence, 52-bit, Gray-code order.
 *
 * Direction numbers (Joe & Kuo, see sobol_directions.c): for a dimension with
 * primitive polynomial of degree s and coefficients a_1..a_(s-1), and
 * V_k = m_k 2^(52-k) (the k-th direction number as a 52-bit fraction),
 *     V_k = m_k 2^(52-k)                                   for k <= s,
 *     V_k = V_(k-s) ^ (V_(k-s) >> s) ^ XOR_{i<s} a_i V_(k-i)  for k > s.
 * Dimension 1 has m_k = 1 for all k (van der Corput in base 2).
 *
 * Point n in Gray-code order is X(n) = XOR of V_k over the set bits of
 * g(n) = n ^ (n >> 1); since g(n+1) = g(n) ^ 2^c with c = ctz(n+1), each new
 * point is one XOR per dimension: X(n+1) = X(n) ^ V_(c+1).
 *
 * Scramble (as scipy's Sobol(scramble=True)): a random lower-triangular
 * binary matrix L with unit diagonal per dimension (linear matrix scramble),
 * applied to every V_k, plus a random 52-bit digital shift S:
 *     X'(n) = L X(n) ^ S.
 * Output digit i depends only on input digits 1..i, so every elementary
 * interval keeps its count of points: the scrambled points are still a
 * (t, m, s)-net, and in particular any 2^k consecutive points from an index
 * divisible by 2^k put exactly one point in each interval of width 2^-k on
 * every axis. The shift makes point 0 an ordinary random point instead of the
 * origin, so nothing is skipped. x = X' 2^-52 is exact and < 1. */
#include <stdlib.h>

#include "breeder/space_filling.h"

#define SOBOL_BITS 52
#define SOBOL_STREAM_BASE UINT64_C(0x736f626f6c000000) /* "sobol" */

struct sf_sobol {
  size_t dim;
  uint64_t *direction; /* dim rows of SOBOL_BITS scrambled V_1..V_52 */
  uint64_t *shift;     /* dim digital shifts S */
  uint64_t *current;   /* X'(next_index) per dimension */
  uint64_t next_index;
};

/* Unscrambled V_1..V_52 of dimension `axis` (0-based) into v[0..51]. */
static void direction_numbers(size_t axis, uint64_t *v) {
  if (axis == 0) {
    for (int k = 1; k <= SOBOL_BITS; k++) v[k - 1] = UINT64_C(1) << (SOBOL_BITS - k);
    return;
  }
  const sf_sobol_direction *row = &sf_sobol_directions[axis - 1];
  int s = row->degree;
  for (int k = 1; k <= s; k++) v[k - 1] = (uint64_t)row->m[k - 1] << (SOBOL_BITS - k);
  for (int k = s + 1; k <= SOBOL_BITS; k++) {
    uint64_t vk = v[k - s - 1] ^ (v[k - s - 1] >> s);
    for (int i = 1; i < s; i++)
      if ((row->poly >> (s - 1 - i)) & 1) vk ^= v[k - i - 1];
    v[k - 1] = vk;
  }
}

/* v <- L v for a random unit lower-triangular L, the same L for all 52
   direction numbers of the dimension. Row i of L (output digit i, bit
   52-i) has its diagonal bit and random bits on the more significant digits. */
static void linear_matrix_scramble(ogas_rng *r, uint64_t *v) {
  uint64_t row_mask[SOBOL_BITS];
  const uint64_t all = (UINT64_C(1) << SOBOL_BITS) - 1;
  for (int i = 1; i <= SOBOL_BITS; i++) {
    uint64_t diagonal = UINT64_C(1) << (SOBOL_BITS - i);
    uint64_t above = all & ~((diagonal << 1) - 1); /* digits 1..i-1 */
    row_mask[i - 1] = diagonal | (ogas_rng_u64(r) & above);
  }
  for (int k = 0; k < SOBOL_BITS; k++) {
    uint64_t scrambled = 0;
    for (int i = 1; i <= SOBOL_BITS; i++)
      scrambled |= (uint64_t)(__builtin_parityll(row_mask[i - 1] & v[k])) << (SOBOL_BITS - i);
    v[k] = scrambled;
  }
}

int sf_sobol_create(size_t dim, uint64_t seed, int scrambled, sf_sobol **out) {
  *out = NULL;
  if (dim == 0 || dim > SF_SOBOL_MAX_DIM) return OGAS_EINVAL;
  sf_sobol *s = calloc(1, sizeof *s);
  if (!s) return OGAS_ENOMEM;
  s->dim = dim;
  s->direction = malloc(dim * SOBOL_BITS * sizeof *s->direction);
  s->shift = calloc(dim, sizeof *s->shift);
  s->current = malloc(dim * sizeof *s->current);
  if (!s->direction || !s->shift || !s->current) {
    sf_sobol_free(s);
    return OGAS_ENOMEM;
  }
  for (size_t j = 0; j < dim; j++) {
    uint64_t *v = s->direction + j * SOBOL_BITS;
    direction_numbers(j, v);
    if (scrambled) {
      ogas_rng r;
      ogas_rng_seed(&r, seed, SOBOL_STREAM_BASE + j);
      linear_matrix_scramble(&r, v);
      s->shift[j] = ogas_rng_u64(&r) >> (64 - SOBOL_BITS);
    }
    s->current[j] = s->shift[j]; /* X'(0) = L 0 ^ S */
  }
  s->next_index = 0;
  *out = s;
  return OGAS_OK;
}

void sf_sobol_free(sf_sobol *s) {
  if (!s) return;
  free(s->direction);
  free(s->shift);
  free(s->current);
  free(s);
}

/* current <- X'(index) directly from the Gray code of index. */
static void seek(sf_sobol *s, uint64_t index) {
  uint64_t gray = index ^ (index >> 1);
  for (size_t j = 0; j < s->dim; j++) {
    const uint64_t *v = s->direction + j * SOBOL_BITS;
    uint64_t x = s->shift[j];
    for (int k = 0; k < SOBOL_BITS; k++)
      if ((gray >> k) & 1) x ^= v[k];
    s->current[j] = x;
  }
  s->next_index = index;
}

void sf_sobol_fill(sf_sobol *s, uint64_t first, size_t n, double *out) {
  if (n == 0) return;
  if (first != s->next_index) seek(s, first);
  const double resolution = 0x1.0p-52;
  for (size_t r = 0; r < n; r++) {
    double *row = out + r * s->dim;
    for (size_t j = 0; j < s->dim; j++) row[j] = (double)s->current[j] * resolution;
    /* Step to the next index: flip direction number ctz(index + 1). */
    uint64_t next = s->next_index + 1;
    int c = __builtin_ctzll(next);
    const uint64_t *v = s->direction + c;
    for (size_t j = 0; j < s->dim; j++) s->current[j] ^= v[j * SOBOL_BITS];
    s->next_index = next;
  }
}

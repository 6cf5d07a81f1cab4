/* Space-filling samplers: published unscrambled values, the direction-number
 * table, unit-cube bounds, uniform marginals (KS), stratification of LHS and
 * of Sobol' nets, centered L2 discrepancy against iid points, decorrelation of
 * high Halton dimensions by the scramble, continuation across calls,
 * checkpoint state round trips, seeds, and bad input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/space_filling.h"
#include "check.h"

static const sf_kind all_kinds[] = {SF_UNIFORM, SF_LHS, SF_HALTON, SF_SOBOL};

/* n points of a fresh sampler (caller frees); NULL if anything failed. */
static double *draw(sf_kind kind, size_t dim, uint64_t seed, size_t n) {
  space_filling *s = NULL;
  char err[128];
  double *x = malloc(n * dim * sizeof *x);
  if (!x || sf_create(kind, dim, seed, &s, err, sizeof err) != OGAS_OK ||
      sf_next(s, n, x) != OGAS_OK) {
    free(x);
    x = NULL;
  }
  sf_free(s);
  return x;
}

static double *draw_unscrambled(sf_kind kind, size_t dim, size_t n) {
  space_filling *s = NULL;
  double *x = malloc(n * dim * sizeof *x);
  if (!x || sf_create_unscrambled(kind, dim, &s, NULL, 0) != OGAS_OK ||
      sf_next(s, n, x) != OGAS_OK) {
    free(x);
    x = NULL;
  }
  sf_free(s);
  return x;
}

static int cmp_double(const void *a, const void *b) {
  double u = *(const double *)a, v = *(const double *)b;
  return (u > v) - (u < v);
}

/* Kolmogorov–Smirnov distance of column j of x (n rows of d) from U[0,1). */
static double ks_uniform(const double *x, size_t n, size_t d, size_t j) {
  double *col = malloc(n * sizeof *col);
  for (size_t i = 0; i < n; i++) col[i] = x[i * d + j];
  qsort(col, n, sizeof *col, cmp_double);
  double D = 0;
  for (size_t i = 0; i < n; i++) {
    D = fmax(D, (double)(i + 1) / n - col[i]);
    D = fmax(D, col[i] - (double)i / n);
  }
  free(col);
  return D;
}

/* 1 when column j of x puts exactly one point in each interval [k/n,(k+1)/n). */
static int one_per_stratum(const double *x, size_t n, size_t d, size_t j) {
  char *seen = calloc(n, 1);
  int ok = 1;
  for (size_t i = 0; i < n; i++) {
    double v = x[i * d + j];
    size_t k = (size_t)(v * (double)n);
    if (v < 0 || k >= n || seen[k]++) ok = 0;
  }
  free(seen);
  return ok;
}

/* Squared centered L2 discrepancy (Hickernell 1998), exact O(n^2 d):
   CD^2 = (13/12)^d - 2/n sum_i prod_k (1 + |z_ik|/2 - z_ik^2/2)
        + 1/n^2 sum_ij prod_k (1 + |z_ik|/2 + |z_jk|/2 - |x_ik - x_jk|/2),
   z = x - 1/2. */
static double centered_l2_discrepancy_sq(const double *x, size_t n, size_t d) {
  double single = 0, pair = 0;
  for (size_t i = 0; i < n; i++) {
    double p = 1;
    for (size_t k = 0; k < d; k++) {
      double a = fabs(x[i * d + k] - 0.5);
      p *= 1 + 0.5 * a - 0.5 * a * a;
    }
    single += p;
    for (size_t j = 0; j < n; j++) {
      double q = 1;
      for (size_t k = 0; k < d; k++)
        q *= 1 + 0.5 * fabs(x[i * d + k] - 0.5) + 0.5 * fabs(x[j * d + k] - 0.5) -
             0.5 * fabs(x[i * d + k] - x[j * d + k]);
      pair += q;
    }
  }
  return pow(13.0 / 12.0, (double)d) - 2.0 / n * single + pair / ((double)n * n);
}

/* Pearson correlation of columns a and b. */
static double correlation(const double *x, size_t n, size_t d, size_t a, size_t b) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; i++) ma += x[i * d + a], mb += x[i * d + b];
  ma /= n, mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    double u = x[i * d + a] - ma, v = x[i * d + b] - mb;
    sab += u * v, saa += u * u, sbb += v * v;
  }
  return sab / sqrt(saa * sbb);
}

/* Largest and root-mean-square |corr| over all pairs of the last `last` columns. */
static void tail_correlations(const double *x, size_t n, size_t d, size_t last, double *max_abs,
                              double *rms) {
  double mx = 0, ss = 0;
  int pairs = 0;
  for (size_t a = d - last; a < d; a++)
    for (size_t b = a + 1; b < d; b++) {
      double c = correlation(x, n, d, a, b);
      mx = fmax(mx, fabs(c));
      ss += c * c;
      pairs++;
    }
  *max_abs = mx;
  *rms = sqrt(ss / pairs);
}

static void test_names(void) {
  sf_kind k;
  for (size_t i = 0; i < 4; i++) {
    CHECK(sf_parse_kind(sf_kind_name(all_kinds[i]), &k) == 0 && k == all_kinds[i]);
  }
  CHECK(sf_parse_kind("sobol", &k) == 0 && k == SF_SOBOL);
  CHECK(sf_parse_kind("Sobol", &k) == -1);
  CHECK(sf_parse_kind("breed", &k) == -1);
  CHECK(sf_parse_kind(NULL, &k) == -1);
  CHECK(sf_parse_kind("lhs", NULL) == -1);
  CHECK(strcmp(sf_kind_name((sf_kind)17), "unknown") == 0);
}

/* Textbook Halton points (index 0 is the origin, as in scipy's
   Halton(scramble=False)): radical inverses in bases 2, 3 and 11. */
static void test_halton_known_values(void) {
  const double base2[8] = {0, 1. / 2, 1. / 4, 3. / 4, 1. / 8, 5. / 8, 3. / 8, 7. / 8};
  const double base3[8] = {0, 1. / 3, 2. / 3, 1. / 9, 4. / 9, 7. / 9, 2. / 9, 5. / 9};
  double *x = draw_unscrambled(SF_HALTON, 5, 13);
  CHECK(x != NULL);
  if (!x) return;
  for (int i = 0; i < 8; i++) {
    CHECK_NEAR(x[i * 5 + 0], base2[i], 1e-15);
    CHECK_NEAR(x[i * 5 + 1], base3[i], 1e-15);
  }
  CHECK_NEAR(x[1 * 5 + 4], 1. / 11, 1e-15);             /* 5th prime is 11 */
  CHECK_NEAR(x[12 * 5 + 4], 1. / 11 + 1. / 121, 1e-15); /* 12 = (11)_11 */
  CHECK_NEAR(x[12 * 5 + 2], 2. / 5 + 2. / 25, 1e-15);   /* 12 = (22)_5 */
  free(x);
}

/* Sobol' in Gray-code order (Joe & Kuo's sobol.cc and scipy's
   Sobol(scramble=False) order), first 8 points of dimensions 1..3, worked by
   hand from m = (1,1,1), (1,3,5), (1,3,3). */
static void test_sobol_known_values(void) {
  const double expected[8][3] = {{0, 0, 0},          {.5, .5, .5},       {.75, .25, .25},
                                 {.25, .75, .75},    {.375, .375, .625}, {.875, .875, .125},
                                 {.625, .125, .875}, {.125, .625, .375}};
  double *x = draw_unscrambled(SF_SOBOL, 3, 8);
  CHECK(x != NULL);
  if (!x) return;
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 3; j++)
      CHECK_MSG(x[i * 3 + j] == expected[i][j], "point %d dim %d: %g", i, j, x[i * 3 + j]);
  free(x);
}

/* The table against the published file and against algebra: spot rows of
   new-joe-kuo-6.21201, every m_k odd and below 2^k, every polynomial
   primitive (x has multiplicative order exactly 2^s - 1 modulo p(x)). */
static void test_sobol_table(void) {
  const sf_sobol_direction *t = sf_sobol_directions;
  const uint16_t row10[] = {1, 1, 7, 11, 19};
  const uint16_t row299[] = {1, 3, 7, 11, 31, 43, 13, 209, 27, 1017, 501};
  const uint16_t row1111[] = {1, 1, 5, 15, 19, 1, 7, 211, 157, 603, 403, 1387, 1583};
  CHECK(t[10 - 2].degree == 5 && t[10 - 2].poly == 7 && !memcmp(t[10 - 2].m, row10, sizeof row10));
  CHECK(t[299 - 2].degree == 11 && t[299 - 2].poly == 787 &&
        !memcmp(t[299 - 2].m, row299, sizeof row299));
  CHECK(t[1111 - 2].degree == 13 && t[1111 - 2].poly == 4094 &&
        !memcmp(t[1111 - 2].m, row1111, sizeof row1111));
  int well_formed = 1, primitive = 1;
  for (int r = 0; r < SF_SOBOL_MAX_DIM - 1; r++) {
    int s = t[r].degree;
    if (s < 1 || s > SF_SOBOL_MAX_DEGREE || t[r].poly >= (1u << (s > 1 ? s - 1 : 0)))
      well_formed = 0;
    if (r > 0 && s < t[r - 1].degree) well_formed = 0;
    for (int k = 1; k <= s && well_formed; k++)
      if (!(t[r].m[k - 1] & 1) || t[r].m[k - 1] >= (1u << k)) well_formed = 0;
    if (!well_formed) {
      CHECK_MSG(0, "malformed row for dimension %d", r + 2);
      break;
    }
    /* p(x) as a bit mask: x^s + (a bits) x^1..x^(s-1) + 1. */
    uint32_t p = (1u << s) | ((uint32_t)t[r].poly << 1) | 1u;
    uint32_t order = (1u << s) - 1, power = 1; /* x^0 */
    for (uint32_t e = 1; e <= order; e++) {
      power <<= 1;
      if (power & (1u << s)) power ^= p;
      if (power == 1 && e < order) primitive = 0; /* order too small */
      if (e == order && power != 1) primitive = 0;
    }
    if (!primitive) {
      CHECK_MSG(0, "polynomial of dimension %d is not primitive", r + 2);
      break;
    }
  }
  CHECK(well_formed && primitive);
}

/* Gray-code order against the direct construction in natural order for all
   1111 dimensions: point i of the sequence is x(g(i)), g(i) = i ^ (i >> 1),
   where x(n) = XOR_k bit_k(n) m_(k+1) 2^-(k+1) with the m recurrence
   m_k = 2 a_1 m_(k-1) ^ 4 a_2 m_(k-2) ^ ... ^ 2^s m_(k-s) ^ m_(k-s). */
static void test_sobol_against_direct_construction(void) {
  enum { N = 64, K = 6 };
  double *x = draw_unscrambled(SF_SOBOL, SF_SOBOL_MAX_DIM, N);
  CHECK(x != NULL);
  if (!x) return;
  int mismatches = 0;
  for (int j = 0; j < SF_SOBOL_MAX_DIM; j++) {
    uint64_t m[K + 1];
    if (j == 0) {
      for (int k = 1; k <= K; k++) m[k] = 1;
    } else {
      const sf_sobol_direction *row = &sf_sobol_directions[j - 1];
      int s = row->degree;
      for (int k = 1; k <= K; k++) {
        if (k <= s) {
          m[k] = row->m[k - 1];
          continue;
        }
        uint64_t v = (m[k - s] << s) ^ m[k - s];
        for (int i = 1; i < s; i++)
          if ((row->poly >> (s - 1 - i)) & 1) v ^= m[k - i] << i;
        m[k] = v;
      }
    }
    for (uint64_t i = 0; i < N; i++) {
      uint64_t g = i ^ (i >> 1), num = 0; /* x = num / 2^K */
      for (int k = 0; k < K; k++)
        if ((g >> k) & 1) num ^= m[k + 1] << (K - 1 - k);
      if (x[i * SF_SOBOL_MAX_DIM + j] != (double)num / (1 << K)) mismatches++;
    }
  }
  CHECK_MSG(mismatches == 0, "%d of %d coordinates differ", mismatches, N * SF_SOBOL_MAX_DIM);
  free(x);
}

/* Unscrambled Sobol' dimensions 1 and 2 form a (0, k, 2)-net: for 2^k points
   every elementary box 2^-a x 2^-(k-a) holds exactly one point. */
static void test_sobol_two_dimensional_net(void) {
  enum { K = 8, N = 1 << K };
  double *x = draw_unscrambled(SF_SOBOL, 2, N);
  CHECK(x != NULL);
  if (!x) return;
  int ok = 1;
  for (int a = 0; a <= K; a++) {
    int counts[N] = {0};
    for (int i = 0; i < N; i++) {
      int bx = (int)(x[2 * i] * (1 << a)), by = (int)(x[2 * i + 1] * (1 << (K - a)));
      counts[(bx << (K - a)) | by]++;
    }
    for (int c = 0; c < N; c++) ok &= counts[c] == 1;
  }
  CHECK_MSG(ok, "dimensions 1-2 are not a (0,%d,2)-net", K);
  free(x);
}

/* Every kind in d = 308: coordinates in [0,1), marginals uniform. */
static void test_bounds_and_marginals(void) {
  const size_t d = 308, n = 1024;
  for (size_t k = 0; k < 4; k++) {
    double *x = draw(all_kinds[k], d, 11, n);
    CHECK(x != NULL);
    if (!x) continue;
    int inside = 1;
    for (size_t i = 0; i < n * d; i++) inside &= x[i] >= 0.0 && x[i] < 1.0;
    CHECK_MSG(inside, "%s: coordinate outside [0,1)", sf_kind_name(all_kinds[k]));
    /* iid: the KS distance of n points exceeds 1.95/sqrt(n) with
       probability 0.001. LHS and Sobol' put one point in each of the n
       strata, so D <= 1/n. Halton in base b is that well spread only once n
       covers many cycles of b: the low bases (2..19) stay within 0.01 here,
       while bases 2027 and 2029 > n see a random sample of b permuted digit
       values and behave like iid points. */
    const size_t low[] = {0, 1, 2, 7}, high[] = {100, 306, 307};
    double worst_low = 0, worst_high = 0;
    for (size_t t = 0; t < 4; t++) worst_low = fmax(worst_low, ks_uniform(x, n, d, low[t]));
    for (size_t t = 0; t < 3; t++) worst_high = fmax(worst_high, ks_uniform(x, n, d, high[t]));
    double iid_bound = 1.95 / sqrt((double)n);
    double bound_low = all_kinds[k] == SF_UNIFORM  ? iid_bound
                       : all_kinds[k] == SF_HALTON ? 0.01
                                                   : 1.0 / n;
    double bound_high =
        all_kinds[k] == SF_UNIFORM || all_kinds[k] == SF_HALTON ? iid_bound : 1.0 / n;
    CHECK_MSG(worst_low <= bound_low, "%s: KS distance %g > %g on low dimensions",
              sf_kind_name(all_kinds[k]), worst_low, bound_low);
    CHECK_MSG(worst_high <= bound_high, "%s: KS distance %g > %g on high dimensions",
              sf_kind_name(all_kinds[k]), worst_high, bound_high);
    free(x);
  }
}

/* Scrambled Sobol' keeps the net property in every one of 308 dimensions,
   for the first block of 2^10 points and for the next one. */
static void test_sobol_strata(void) {
  const size_t d = 308, n = 1024;
  space_filling *s = NULL;
  CHECK(sf_create(SF_SOBOL, d, 5, &s, NULL, 0) == OGAS_OK);
  double *x = malloc(n * d * sizeof *x);
  for (int block = 0; block < 2 && s; block++) {
    CHECK(sf_next(s, n, x) == OGAS_OK);
    int ok = 1;
    for (size_t j = 0; j < d; j++) ok &= one_per_stratum(x, n, d, j);
    CHECK_MSG(ok, "block %d: some axis has an empty 1/1024 interval", block);
  }
  free(x);
  sf_free(s);
}

/* Each LHS call is a Latin hypercube, whatever came before it. */
static void test_lhs_strata(void) {
  const size_t d = 20;
  space_filling *s = NULL;
  CHECK(sf_create(SF_LHS, d, 3, &s, NULL, 0) == OGAS_OK);
  const size_t sizes[] = {100, 37, 1, 1000};
  double *x = malloc(1000 * d * sizeof *x);
  for (size_t t = 0; t < 4 && s; t++) {
    CHECK(sf_next(s, sizes[t], x) == OGAS_OK);
    int ok = 1;
    for (size_t j = 0; j < d; j++) ok &= one_per_stratum(x, sizes[t], d, j);
    CHECK_MSG(ok, "batch of %zu is not a Latin hypercube", sizes[t]);
  }
  free(x);
  sf_free(s);
}

/* Centered L2 discrepancy in d = 8, n = 256. The formula first reproduces
   scipy's documented value for its 6-point example. Expected CD^2 of iid
   points is ((5/4)^d - (13/12)^d)/n = 0.016 (the kernel is prod(1 + |x - 1/2|)
   on the diagonal and integrates to (13/12)^d); scrambled QMC sits far below. */
static void test_discrepancy(void) {
  const double example[6][2] = {{1, 3}, {2, 6}, {3, 2}, {4, 5}, {5, 1}, {6, 4}};
  double scaled[12];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 2; j++) scaled[2 * i + j] = (example[i][j] - 0.5) / 6.0;
  CHECK_NEAR(centered_l2_discrepancy_sq(scaled, 6, 2), 0.008142039609053464, 1e-12);

  const size_t d = 8, n = 256;
  double cd[4];
  for (size_t k = 0; k < 4; k++) {
    double *x = draw(all_kinds[k], d, 2024, n);
    cd[k] = x ? centered_l2_discrepancy_sq(x, n, d) : 1e9;
    free(x);
  }
  double iid_expected = (pow(5.0 / 4.0, 8) - pow(13.0 / 12.0, 8)) / n;
  CHECK_MSG(cd[SF_UNIFORM] > 0.5 * iid_expected && cd[SF_UNIFORM] < 2 * iid_expected,
            "uniform CD^2 %g far from its expectation %g", cd[SF_UNIFORM], iid_expected);
  CHECK_MSG(cd[SF_LHS] < cd[SF_UNIFORM], "lhs %g vs uniform %g", cd[SF_LHS], cd[SF_UNIFORM]);
  CHECK_MSG(cd[SF_HALTON] < 0.5 * cd[SF_UNIFORM], "halton %g vs uniform %g", cd[SF_HALTON],
            cd[SF_UNIFORM]);
  CHECK_MSG(cd[SF_SOBOL] < 0.5 * cd[SF_UNIFORM], "sobol %g vs uniform %g", cd[SF_SOBOL],
            cd[SF_UNIFORM]);
}

/* d = 308, n = 512: the last Halton bases (1987 ... 2039) exceed n, so the
   unscrambled coordinates are i/p, nearly the same for every such base, and
   correlate almost perfectly. Scrambled, each is a random permutation image:
   correlations of independent columns are ~ N(0, 1/n), so all 45 pairs of the
   last 10 dimensions stay under 4.5/sqrt(n) = 0.2 and their RMS near
   1/sqrt(n) = 0.044 (a bound of 0.1 would be a 2.3-sigma event per pair, hit
   by about half of all seeds).
   Sobol' is different: the scramble preserves the net, and with it whatever
   the direction numbers put in the leading digits. Joe & Kuo dimensions 305
   and 308 have the same leading bit in m_1 .. m_9, so over the first 512
   points their first digits coincide (or are complementary after the shift)
   and |corr| = 0.75 = Var(first digit / 2) / Var(U). From 1024 points on the
   last 10 dimensions are far better than iid. */
static void test_high_dimension_decorrelation(void) {
  const size_t d = 308, n = 512, last = 10;
  double mx, rms;
  double *raw = draw_unscrambled(SF_HALTON, d, n);
  CHECK(raw != NULL);
  if (raw) {
    tail_correlations(raw, n, d, last, &mx, &rms);
    CHECK_MSG(rms > 0.9, "unscrambled Halton should correlate: rms %g", rms);
    free(raw);
  }
  double *x = draw(SF_HALTON, d, 99, n);
  CHECK(x != NULL);
  if (x) {
    tail_correlations(x, n, d, last, &mx, &rms);
    CHECK_MSG(mx < 4.5 / sqrt((double)n), "halton: max |corr| %g", mx);
    CHECK_MSG(rms < 1.5 / sqrt((double)n), "halton: rms corr %g", rms);
    free(x);
  }
  x = draw(SF_SOBOL, d, 99, 2 * n);
  CHECK(x != NULL);
  if (x) {
    double c = correlation(x, n, d, 304, 307);
    CHECK_MSG(fabs(fabs(c) - 0.75) < 0.02, "sobol dims 305/308 over 512 points: corr %g", c);
    tail_correlations(x, 2 * n, d, last, &mx, &rms);
    CHECK_MSG(mx < 0.05, "sobol: max |corr| %g over 1024 points", mx);
    free(x);
  }
}

/* Two calls of n/2 equal one call of n (not LHS, whose calls are separate
   hypercubes); a fresh sampler resumed from a saved state continues exactly. */
static void test_continuation_and_state(void) {
  const size_t d = 17, n = 300;
  double *one = malloc(n * d * sizeof *one), *two = malloc(n * d * sizeof *two);
  double *tail_a = malloc(n * d * sizeof *tail_a), *tail_b = malloc(n * d * sizeof *tail_b);
  for (size_t k = 0; k < 4; k++) {
    sf_kind kind = all_kinds[k];
    space_filling *a = NULL, *b = NULL;
    CHECK(sf_create(kind, d, 77, &a, NULL, 0) == OGAS_OK);
    CHECK(sf_create(kind, d, 77, &b, NULL, 0) == OGAS_OK);
    if (!a || !b) {
      sf_free(a), sf_free(b);
      continue;
    }
    CHECK(sf_next(a, n, one) == OGAS_OK);
    CHECK(sf_next(b, n / 2, two) == OGAS_OK);
    CHECK(sf_next(b, n - n / 2, two + (n / 2) * d) == OGAS_OK);
    if (kind != SF_LHS)
      CHECK_MSG(memcmp(one, two, n * d * sizeof *one) == 0, "%s: split draw differs",
                sf_kind_name(kind));

    sf_state st;
    sf_get_state(a, &st);
    CHECK(st.kind == kind && st.dim == d && st.seed == 77 && st.index == n);
    CHECK(sf_next(a, n, tail_a) == OGAS_OK);
    space_filling *c = NULL;
    CHECK(sf_create(kind, d, 77, &c, NULL, 0) == OGAS_OK);
    if (c) {
      CHECK(sf_set_state(c, &st) == OGAS_OK);
      CHECK(sf_next(c, n, tail_b) == OGAS_OK);
      CHECK_MSG(memcmp(tail_a, tail_b, n * d * sizeof *tail_a) == 0, "%s: restored state diverges",
                sf_kind_name(kind));
      /* Seeking back: the same object replays from an earlier state. */
      CHECK(sf_set_state(c, &st) == OGAS_OK);
      CHECK(sf_next(c, n, tail_b) == OGAS_OK);
      CHECK(memcmp(tail_a, tail_b, n * d * sizeof *tail_a) == 0);
      /* States from another seed, dimension or kind are refused. */
      sf_state other = st;
      other.seed = 78;
      CHECK(sf_set_state(c, &other) == OGAS_EINVAL);
      other = st, other.dim = d + 1;
      CHECK(sf_set_state(c, &other) == OGAS_EINVAL);
      other = st, other.kind = kind == SF_SOBOL ? SF_HALTON : SF_SOBOL;
      CHECK(sf_set_state(c, &other) == OGAS_EINVAL);
    }
    sf_free(a), sf_free(b), sf_free(c);
  }
  free(one), free(two), free(tail_a), free(tail_b);
}

/* Same seed, same points; another seed, another scramble. The first 8
   coordinates do not depend on the total dimension. */
static void test_seeds(void) {
  const size_t d = 8, n = 64;
  for (size_t k = 0; k < 4; k++) {
    double *a = draw(all_kinds[k], d, 1, n), *b = draw(all_kinds[k], d, 1, n),
           *c = draw(all_kinds[k], d, 2, n);
    CHECK(a && b && c);
    if (a && b && c) {
      CHECK_MSG(memcmp(a, b, n * d * sizeof *a) == 0, "%s: same seed differs",
                sf_kind_name(all_kinds[k]));
      int differ = 0;
      for (size_t i = 0; i < n * d; i++) differ += a[i] != c[i];
      CHECK_MSG(differ > (int)(n * d * 9 / 10), "%s: seeds 1 and 2 share %zu of %zu coordinates",
                sf_kind_name(all_kinds[k]), n * d - differ, n * d);
    }
    free(a), free(b), free(c);
  }
  const sf_kind qmc[] = {SF_HALTON, SF_SOBOL};
  for (int k = 0; k < 2; k++) {
    double *small = draw(qmc[k], d, 5, n), *big = draw(qmc[k], 300, 5, n);
    int same = small && big;
    for (size_t i = 0; same && i < n; i++)
      same &= memcmp(small + i * d, big + i * 300, d * sizeof *small) == 0;
    CHECK_MSG(same, "%s: leading coordinates depend on the dimension", sf_kind_name(qmc[k]));
    free(small), free(big);
  }
}

static void test_bad_input(void) {
  space_filling *s = (space_filling *)&s; /* must be reset to NULL on error */
  char err[160] = "";
  CHECK(sf_create(SF_HALTON, 0, 1, &s, err, sizeof err) == OGAS_EINVAL && s == NULL &&
        err[0] != '\0');
  s = (space_filling *)&s;
  CHECK(sf_create(SF_SOBOL, SF_SOBOL_MAX_DIM + 1, 1, &s, err, sizeof err) == OGAS_EINVAL &&
        s == NULL);
  CHECK_MSG(strstr(err, "1111") != NULL, "message should give the limit: %s", err);
  CHECK(sf_create(SF_HALTON, SF_HALTON_MAX_DIM + 1, 1, &s, err, sizeof err) == OGAS_EINVAL &&
        s == NULL);
  CHECK(sf_create(SF_UNIFORM, SF_RANDOM_MAX_DIM + 1, 1, &s, err, sizeof err) == OGAS_EINVAL &&
        s == NULL);
  CHECK(sf_create((sf_kind)9, 3, 1, &s, err, sizeof err) == OGAS_EINVAL && s == NULL);
  CHECK(sf_create(SF_LHS, 3, 1, NULL, err, sizeof err) == OGAS_EINVAL);
  CHECK(sf_create(SF_LHS, 0, 1, &s, NULL, 0) == OGAS_EINVAL); /* no message buffer is fine */
  CHECK(sf_create_unscrambled(SF_UNIFORM, 3, &s, NULL, 0) == OGAS_EINVAL && s == NULL);
  /* The largest dimensions are accepted. */
  CHECK(sf_create(SF_SOBOL, SF_SOBOL_MAX_DIM, 1, &s, NULL, 0) == OGAS_OK);
  sf_free(s);
  CHECK(sf_create(SF_HALTON, SF_HALTON_MAX_DIM, 1, &s, NULL, 0) == OGAS_OK);
  sf_free(s);
  sf_free(NULL);

  double x[8];
  CHECK(sf_create(SF_SOBOL, 4, 1, &s, NULL, 0) == OGAS_OK);
  CHECK(sf_next(NULL, 1, x) == OGAS_EINVAL);
  CHECK(sf_next(s, 1, NULL) == OGAS_EINVAL);
  CHECK(sf_next(s, 0, NULL) == OGAS_OK);
  CHECK(sf_next(s, SIZE_MAX / 2, x) == OGAS_ERANGE);     /* n * dim overflows */
  CHECK(sf_next(s, SIZE_MAX / 4 - 1, x) == OGAS_ERANGE); /* n * dim * 8 overflows */
  sf_state st;
  sf_get_state(s, &st);
  CHECK(st.index == 0); /* failed calls do not move the sequence */
  st.index = SF_MAX_INDEX + 1;
  CHECK(sf_set_state(s, &st) == OGAS_ERANGE);
  st.index = SF_MAX_INDEX - 1;
  CHECK(sf_set_state(s, &st) == OGAS_OK);
  CHECK(sf_next(s, 2, x) == OGAS_ERANGE); /* would pass the end of the sequence */
  CHECK(sf_next(s, 1, x) == OGAS_OK);     /* the last point is still there */
  CHECK(x[0] >= 0 && x[0] < 1);
  CHECK(sf_set_state(s, NULL) == OGAS_EINVAL);
  CHECK(sf_set_state(NULL, &st) == OGAS_EINVAL);
  sf_free(s);

  /* Halton near the end of its range: the tables grow to 36-bit indices. */
  CHECK(sf_create(SF_HALTON, 2, 1, &s, NULL, 0) == OGAS_OK);
  sf_get_state(s, &st);
  st.index = SF_MAX_INDEX - 1;
  CHECK(sf_set_state(s, &st) == OGAS_OK);
  CHECK(sf_next(s, 1, x) == OGAS_OK && x[0] >= 0 && x[0] < 1 && x[1] >= 0 && x[1] < 1);
  sf_free(s);
}

int main(void) {
  test_names();
  test_halton_known_values();
  test_sobol_known_values();
  test_sobol_table();
  test_sobol_against_direct_construction();
  test_sobol_two_dimensional_net();
  test_bounds_and_marginals();
  test_sobol_strata();
  test_lhs_strata();
  test_discrepancy();
  test_high_dimension_decorrelation();
  test_continuation_and_state();
  test_seeds();
  test_bad_input();
  return check_exit("test_space_filling");
}

/* Sample statistics shared by the statistical tests. */
#ifndef OGAS_TEST_STATS_H
#define OGAS_TEST_STATS_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

/* Statistical claims run over one group of seeds; OGAS_TEST_SEED_GROUPS=N
   runs N disjoint groups, which is how their false-failure rates were
   measured (and written in each test's header). */
static inline int seed_groups(void) {
  const char *v = getenv("OGAS_TEST_SEED_GROUPS");
  int n = v ? atoi(v) : 1;
  return n > 0 ? n : 1;
}

static inline double euclid(const float *a, const float *b, int d) {
  double s = 0;
  for (int k = 0; k < d; k++) {
    double t = (double)a[k] - b[k];
    s += t * t;
  }
  return sqrt(s);
}

/* Mean pairwise distance E|X - Y| between samples x (n,d) and y (m,d). */
static inline double mean_distance(const float *x, size_t n, const float *y, size_t m, int d) {
  double s = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < m; j++) s += euclid(x + i * d, y + j * d, d);
  return s / ((double)n * m);
}

/* Energy distance 2 E|X-Y| - E|X-X'| - E|Y-Y'| (V-statistic); 0 iff same law. */
static inline double energy_distance(const float *x, size_t n, const float *y, size_t m, int d) {
  return 2 * mean_distance(x, n, y, m, d) - mean_distance(x, n, x, n, d) -
         mean_distance(y, m, y, m, d);
}

#endif

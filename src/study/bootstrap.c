/* bootstrap — intervals for ratios of validation statistics. See bootstrap.h. */
#include "study/bootstrap.h"

#include <math.h>
#include <stdlib.h>

#include "nn/rng.h"
#include "ogas.h"

static int cmp_double(const void *p, const void *q) {
  double x = *(const double *)p, y = *(const double *)q;
  return x < y ? -1 : x > y;
}

int study_bootstrap_ratio(const double *const *a, const double *const *b, size_t n_seeds,
                          size_t n_val, size_t replicates, double level, uint64_t seed,
                          study_ratio_interval *out) {
  if (!a || !b || !out || !n_seeds || !n_val || !replicates || !(level > 0 && level < 1))
    return OGAS_EINVAL;
  double *ratio = malloc(STUDY_N_STATS * replicates * sizeof(double)); /* [k][replicate] */
  double *xa = malloc(3 * n_val * sizeof(double)), *xb = xa ? xa + n_val : NULL;
  double *scratch = xa ? xa + 2 * n_val : NULL;
  if (!ratio || !xa) {
    free(ratio), free(xa);
    return OGAS_ENOMEM;
  }
  ogas_rng rng;
  ogas_rng_seed(&rng, seed, 0xB007u);
  for (size_t r = 0; r < replicates; r++) {
    double sum_a[STUDY_N_STATS] = {0}, sum_b[STUDY_N_STATS] = {0};
    for (size_t j = 0; j < n_seeds; j++) {
      size_t s = n_seeds > 1 ? (size_t)ogas_rng_below(&rng, n_seeds) : 0;
      for (size_t i = 0; i < n_val; i++) {
        size_t k = (size_t)ogas_rng_below(&rng, n_val);
        xa[i] = a[s][k], xb[i] = b[s][k];
      }
      study_stats sa, sb;
      study_stats_compute(xa, n_val, scratch, &sa);
      study_stats_compute(xb, n_val, scratch, &sb);
      for (int k = 0; k < STUDY_N_STATS; k++)
        sum_a[k] += study_stat(&sa, k), sum_b[k] += study_stat(&sb, k);
    }
    for (int k = 0; k < STUDY_N_STATS; k++)
      ratio[(size_t)k * replicates + r] = sum_b[k] > 0 ? sum_a[k] / sum_b[k] : NAN;
  }
  for (int k = 0; k < STUDY_N_STATS; k++) {
    double *q = ratio + (size_t)k * replicates;
    size_t n = 0; /* the finite ratios, moved to the front */
    for (size_t r = 0; r < replicates; r++)
      if (isfinite(q[r])) q[n++] = q[r];
    if (2 * n < replicates) {
      out->lo[k] = out->hi[k] = NAN;
      continue;
    }
    qsort(q, n, sizeof *q, cmp_double);
    out->lo[k] = study_percentile_sorted(q, n, (1 - level) / 2);
    out->hi[k] = study_percentile_sorted(q, n, (1 + level) / 2);
  }
  free(ratio), free(xa);
  return OGAS_OK;
}

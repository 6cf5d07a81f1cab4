#include "breeder/targets.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void draw_targets(ogas_cfg_loss_sampling strategy, double alpha, double quantile, const float *obs,
                  int64_t m, double *scratch, ogas_rng *rng, float *out, int64_t n) {
  if (strategy == OGAS_CFG_LOSS_UNIFORM_QUANTILE) {
    for (int64_t i = 0; i < m; i++) scratch[i] = obs[i];
    qsort(scratch, (size_t)m, sizeof *scratch, cmp_double);
    /* Linear interpolation between order statistics (numpy's default). */
    double pos = quantile * (double)(m - 1);
    int64_t k = (int64_t)floor(pos);
    double q = k + 1 < m ? scratch[k] + (pos - k) * (scratch[k + 1] - scratch[k]) : scratch[m - 1];
    double top = scratch[m - 1];
    for (int64_t i = 0; i < n; i++) out[i] = (float)(q + (top - q) * ogas_rng_uniform(rng));
    return;
  }
  /* Proportional: inverse-CDF draws over the cumulative weights c^alpha. */
  double total = 0.0;
  for (int64_t i = 0; i < m; i++) {
    double c = obs[i] > 0 ? obs[i] : 0.0;
    total += alpha == 0.0 ? 1.0 : pow(c, alpha);
    scratch[i] = total;
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t pick;
    if (!(total > 0.0)) {
      pick = (int64_t)ogas_rng_below(rng, (uint64_t)m);
    } else {
      double u = ogas_rng_uniform(rng) * total;
      int64_t lo = 0, hi = m - 1; /* first index with scratch[idx] > u */
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (scratch[mid] > u)
          hi = mid;
        else
          lo = mid + 1;
      }
      pick = lo;
    }
    out[i] = obs[pick];
  }
}

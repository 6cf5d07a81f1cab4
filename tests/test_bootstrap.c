/* The bootstrap intervals of ogas compare's ratios (src/study/bootstrap.h):
   exact cases (equal and scaled errors give a point interval at the known
   ratio), that the simulations are resampled paired and the seeds resampled
   too, reproducibility, argument errors, and a coverage claim: for errors
   drawn from two exponential laws whose means differ by 1.5x, the 95 %
   interval of the ratio of the means covers 1.5 in at least 85 of 100
   repetitions (expected about 94), and its mean width is within
   [0.45, 0.75] of the delta method's 0.59.
   False-failure rate, measured once over 50 groups of 100 repetitions
   (OGAS_TEST_SEED_GROUPS=50): 0 of 50 failed; coverage 0.89-0.98, mean
   width 0.572-0.594. An interval that does not resample (a point) covers
   in 0 repetitions and fails. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "nn/rng.h"
#include "ogas.h"
#include "stats.h"
#include "study/bootstrap.h"

enum { N_VAL = 200 };

static double expo(ogas_rng *r) { return -log(1.0 - ogas_rng_uniform(r)); }

static void interval_is_point(const study_ratio_interval *ci, double want, const char *what) {
  for (int k = 0; k < STUDY_N_STATS; k++) {
    CHECK_MSG(fabs(ci->lo[k] - want) < 1e-12 && fabs(ci->hi[k] - want) < 1e-12,
              "%s: %s [%g, %g], want %g", what, study_stat_names[k], ci->lo[k], ci->hi[k], want);
  }
}

int main(void) {
  ogas_rng rng;
  ogas_rng_seed(&rng, 7, 0);
  static double a[4][N_VAL], b[4][N_VAL];
  const double *pa[4] = {a[0], a[1], a[2], a[3]}, *pb[4] = {b[0], b[1], b[2], b[3]};
  study_ratio_interval ci, again;

  /* Equal errors: every replicate's ratio is 1; halved errors: exactly 2
     (every statistic scales with the errors). */
  for (int s = 0; s < 4; s++)
    for (int i = 0; i < N_VAL; i++) a[s][i] = b[s][i] = expo(&rng);
  CHECK(study_bootstrap_ratio(pa, pb, 4, N_VAL, 500, 0.95, 1, &ci) == OGAS_OK);
  interval_is_point(&ci, 1.0, "equal");
  for (int s = 0; s < 4; s++)
    for (int i = 0; i < N_VAL; i++) b[s][i] = a[s][i] / 2;
  CHECK(study_bootstrap_ratio(pa, pb, 4, N_VAL, 500, 0.95, 1, &ci) == OGAS_OK);
  interval_is_point(&ci, 2.0, "halved");

  /* Paired: b is a with 1 % noise. Resampling the same simulations on both
     sides keeps the mean ratio within about 1 %; unpaired draws of these
     heavy-tailed errors would spread it by about 14 %. */
  for (int i = 0; i < N_VAL; i++) {
    a[0][i] = exp(2 * ogas_rng_normal(&rng));
    b[0][i] = a[0][i] * (1 + 0.01 * ogas_rng_normal(&rng));
  }
  CHECK(study_bootstrap_ratio(pa, pb, 1, N_VAL, 1000, 0.95, 2, &ci) == OGAS_OK);
  CHECK_MSG(ci.hi[0] - ci.lo[0] < 0.02, "paired mean interval [%g, %g]", ci.lo[0], ci.hi[0]);

  /* Seeds resampled: each seed's sampler errors are its uniform errors
     divided by a seed factor; with the factors equal the interval is a
     point, with them different it spreads over their range. */
  static const double g[4] = {0.8, 1.25, 1.0, 1.1};
  for (int s = 0; s < 4; s++)
    for (int i = 0; i < N_VAL; i++) a[s][i] = expo(&rng), b[s][i] = a[s][i] / g[s];
  CHECK(study_bootstrap_ratio(pa, pb, 4, N_VAL, 1000, 0.95, 3, &ci) == OGAS_OK);
  CHECK_MSG(ci.hi[0] - ci.lo[0] > 0.1 && ci.lo[0] >= 0.8 - 1e-9 && ci.hi[0] <= 1.25 + 1e-9,
            "seed interval [%g, %g]", ci.lo[0], ci.hi[0]);

  /* Reproducible from its seed, and another seed draws differently. */
  CHECK(study_bootstrap_ratio(pa, pb, 4, N_VAL, 1000, 0.95, 3, &again) == OGAS_OK);
  CHECK(again.lo[4] == ci.lo[4] && again.hi[5] == ci.hi[5]);
  CHECK(study_bootstrap_ratio(pa, pb, 4, N_VAL, 1000, 0.95, 4, &again) == OGAS_OK);
  CHECK(again.lo[0] != ci.lo[0] || again.hi[0] != ci.hi[0]);

  /* Zero errors on the sampler's side: no finite ratio, NaN interval. */
  for (int i = 0; i < N_VAL; i++) b[0][i] = 0;
  CHECK(study_bootstrap_ratio(pa, pb, 1, N_VAL, 100, 0.95, 5, &ci) == OGAS_OK);
  CHECK(isnan(ci.lo[0]) && isnan(ci.hi[5]));

  /* Arguments. */
  CHECK(study_bootstrap_ratio(pa, pb, 0, N_VAL, 100, 0.95, 1, &ci) == OGAS_EINVAL);
  CHECK(study_bootstrap_ratio(pa, pb, 1, 0, 100, 0.95, 1, &ci) == OGAS_EINVAL);
  CHECK(study_bootstrap_ratio(pa, pb, 1, N_VAL, 0, 0.95, 1, &ci) == OGAS_EINVAL);
  CHECK(study_bootstrap_ratio(pa, pb, 1, N_VAL, 100, 1.0, 1, &ci) == OGAS_EINVAL);
  CHECK(study_bootstrap_ratio(NULL, pb, 1, N_VAL, 100, 0.95, 1, &ci) == OGAS_EINVAL);

  /* Coverage of the mean's ratio: a ~ 1.5 Exp(1), b ~ Exp(1), independent.
     Delta method: sd(log ratio) = sqrt(2 / 200) = 0.1, width 1.5 x 2 sinh(0.196). */
  int groups = seed_groups(), failed = 0;
  for (int grp = 0; grp < groups; grp++) {
    enum { REPS = 100 };
    int covered = 0;
    double width = 0;
    for (int r = 0; r < REPS; r++) {
      ogas_rng_seed(&rng, 1000 + (uint64_t)grp * REPS + (uint64_t)r, 1);
      for (int i = 0; i < N_VAL; i++) a[0][i] = 1.5 * expo(&rng), b[0][i] = expo(&rng);
      CHECK(study_bootstrap_ratio(pa, pb, 1, N_VAL, 400, 0.95, (uint64_t)r, &ci) == OGAS_OK);
      covered += ci.lo[0] <= 1.5 && 1.5 <= ci.hi[0];
      width += (ci.hi[0] - ci.lo[0]) / REPS;
    }
    int ok = covered >= 85 && width >= 0.45 && width <= 0.75;
    failed += !ok;
    printf("group %d: coverage %d/%d, mean width %.3f%s\n", grp, covered, REPS, width,
           ok ? "" : "  FAILED");
  }
  CHECK_MSG(failed == 0, "%d of %d groups failed the coverage claim", failed, groups);
  return check_exit("test_bootstrap");
}

/* bootstrap — percentile intervals for the uniform ÷ sampler ratios of the
 * validation statistics, resampling what varies between repetitions of a
 * comparison: the seeds of the studies and the validation simulations.
 *
 * Input: per seed s < n_seeds, the per-validation-simulation errors of the
 * reference a[s] (uniform) and of the sampler b[s], n_val each, on the same
 * validation simulations in the same order. One replicate draws n_seeds seed
 * indices with replacement and, for each drawn seed, n_val simulation indices
 * with replacement, the same indices for a and b: the two are paired on the
 * shared validation set. A side's statistic is the mean over the drawn seeds
 * of the statistic (validation.h) over the drawn simulations, as in the
 * table; the replicate's ratio is A / B. The interval is the (1 - level) / 2
 * and (1 + level) / 2 quantiles of the replicates' ratios (NaN when fewer
 * than half of them are finite). With one seed, only the simulations vary.
 * Reproducible: the draws follow `seed`. */
#ifndef OGAS_STUDY_BOOTSTRAP_H
#define OGAS_STUDY_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "study/validation.h"

#define STUDY_BOOTSTRAP_REPLICATES 1000

typedef struct {
  double lo[STUDY_N_STATS], hi[STUDY_N_STATS]; /* by statistic, table order */
} study_ratio_interval;

/* OGAS_EINVAL for n_seeds, n_val or replicates 0 or a level outside (0, 1),
   OGAS_ENOMEM. */
int study_bootstrap_ratio(const double *const *a, const double *const *b, size_t n_seeds,
                          size_t n_val, size_t replicates, double level, uint64_t seed,
                          study_ratio_interval *out);

#endif

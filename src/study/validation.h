/* validation — the shared validation set of a study and the published metric.
 *
 * One validation set per (problem, pde options, n_sims, seed): parameters are
 * scrambled-Halton points over the problem's box drawn with the validation
 * seed (independent of every sampler), each simulated once for n_steps output
 * steps; the whole trajectories are kept (n_sims x (n_steps + 1) states).
 * Every trained surrogate is judged on the same pairs (u_t, u_{t+1}).
 *
 * Metric (one-step normalised RMSE): for a pair,
 *   e = ||û_{t+1} - u_{t+1}|| / max(||u_{t+1}||, floor),
 * floor = SURROGATE_NRMSE_FLOOR x the root-mean-square norm of all validation
 * states (one number per set, so every sampler divides by the same values).
 * Per validation SAMPLE (= simulation) the error is the mean of e over its
 * n_steps pairs; the statistics (mean, std, p50, p95, p99, max) are taken
 * over those per-simulation values. The per-pair values are also returned.
 *
 * Creation uses up to `threads` threads to simulate. */
#ifndef OGAS_STUDY_VALIDATION_H
#define OGAS_STUDY_VALIDATION_H

#include <stddef.h>
#include <stdint.h>

#include "pde/pde.h"
#include "study/surrogate.h"

typedef struct {
  double mean, std, p50, p95, p99, max;
} study_stats;

/* The statistics by index, in table order: "mean", "std", "p50", "p95",
   "p99", "max". */
#define STUDY_N_STATS 6
extern const char *const study_stat_names[STUDY_N_STATS];
double study_stat(const study_stats *s, int k);

/* Statistics of n values (std with 1/n; percentiles by linear interpolation
   between order statistics, as numpy's default). values is not modified;
   scratch needs n doubles. NaN everywhere for n = 0. */
void study_stats_compute(const double *values, size_t n, double *scratch, study_stats *out);
/* The q-quantile (0 <= q <= 1) of n >= 1 sorted values, interpolated as above. */
double study_percentile_sorted(const double *sorted, size_t n, double q);

typedef struct study_validation study_validation;

int study_validation_create(const pde_problem *p, const pde_options *opt, size_t n_sims,
                            uint64_t seed, int threads, study_validation **out, char *err,
                            size_t errlen);
void study_validation_free(study_validation *v);

size_t study_validation_n_sims(const study_validation *v);
size_t study_validation_n_steps(const study_validation *v); /* pairs per simulation */
size_t study_validation_state_size(const study_validation *v);
const double *study_validation_params(const study_validation *v); /* n_sims x nb_params */
/* Trajectory of simulation i: (n_steps + 1) x state_size floats. */
const float *study_validation_trajectory(const study_validation *v, size_t i);
double study_validation_floor(const study_validation *v);

/* per_sim (n_sims) = mean one-step nRMSE of each simulation; per_pair
   (n_sims x n_steps, may be NULL) every pair's value. Allocates one buffer
   of predictions per call (OGAS_ENOMEM); the set itself is read-only, so
   several surrogates may be evaluated on it at once from different threads.
   OGAS_EINVAL if the surrogate's state size or parameter count differ. */
int study_validation_evaluate(const study_validation *v, surrogate *s, double *per_sim,
                              double *per_pair);

/* Rollout error: from each simulation's first state the surrogate is fed its
   own predictions for `horizon` steps (1 <= horizon <= n_steps) and
     e_t = ||û_t - u_t|| / max(||u_t||, floor),  t = 1 .. horizon,
   with the one-step metric's floor; per_sim (n_sims) = the mean of e_t. A
   rollout that diverges (an e_t above STUDY_ROLLOUT_CAP or not finite) counts
   STUDY_ROLLOUT_CAP for that step, so every statistic stays finite. Same
   contract as study_validation_evaluate; OGAS_EINVAL for a bad horizon. */
#define STUDY_ROLLOUT_CAP 1000.0
int study_validation_rollout(const study_validation *v, surrogate *s, size_t horizon,
                             double *per_sim);

#endif

/* sbal — the pool-based active-learning baseline of an online study
 * (SBAL, after AL4PDE, as the published method's experiments run it): at a
 * generation break, draw pool_size candidates uniformly in the box, score
 * each by how much an ensemble of surrogates disagrees on it (ensemble.h),
 * and simulate the chosen ones.
 *
 * Selection of k of the n scored candidates:
 *   power   draw k without replacement, each draw with probability
 *           proportional to score^power_beta among those left (AL4PDE's
 *           default; beta = 1: proportional to the disagreement);
 *   top_k   the floor(k · top_k_ratio) highest scores, then the rest drawn
 *           uniformly from the candidates left (the published "sbal_topk":
 *           70 % by disagreement, 30 % exploration).
 * A NaN score marks a candidate that cannot be simulated: it is never
 * chosen. An infinite score (the members' rollouts diverged) counts as the
 * largest; a score of 0 weighs nothing; when no candidate left weighs
 * anything, power draws uniformly among them.
 *
 * Until min_finished simulations have finished (the ensemble has seen too
 * little to disagree usefully: AL4PDE waits for 100) a break leaves the
 * uniform rows as they are. */
#ifndef OGAS_STUDY_SBAL_H
#define OGAS_STUDY_SBAL_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"

typedef enum { SBAL_POWER = 0, SBAL_TOP_K = 1 } sbal_selection;

/* The largest settings accepted (the config parser uses the same). */
enum {
  SBAL_MAX_MEMBERS = 64,
  SBAL_MAX_POOL = 1000000,
  SBAL_MAX_ROLLOUT_STEPS = 100000,
  SBAL_MAX_POWER_BETA = 100
};

typedef struct {
  int64_t members;          /* surrogates in the ensemble, 2..SBAL_MAX_MEMBERS (2) */
  int64_t pool_size;        /* candidates scored per break (1000) */
  int64_t rollout_steps;    /* surrogate steps of each candidate's rollout (5) */
  sbal_selection selection; /* power */
  double power_beta;        /* 1 */
  double top_k_ratio;       /* 0.7 */
  int64_t min_finished;     /* finished simulations before the first pick (100) */
} study_sbal_config;

void study_sbal_config_defaults(study_sbal_config *c);
/* The first key out of range, or NULL when every setting is valid. */
const char *study_sbal_config_check(const study_sbal_config *c);
/* "power", "top_k" -> *out; 0 on success, -1 otherwise. */
int study_sbal_selection_parse(const char *name, sbal_selection *out);

/* Choose up to k distinct indices of scores[0..n) into chosen[] by the
   config's rule; returns how many: k, or fewer when fewer candidates have a
   score that is not NaN. The first *n_by_score of them were chosen for
   their score, the rest uniformly. work: 2n doubles of scratch. */
size_t study_sbal_select(const study_sbal_config *c, ogas_rng *rng, const double *scores, size_t n,
                         size_t k, size_t *chosen, size_t *n_by_score, double *work);

#endif

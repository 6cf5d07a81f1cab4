/* ensemble — the surrogates of the pool-based baseline (sbal.h): the
 * study's own surrogate (member 0, the one judged on the validation set,
 * trained as for every other sampler) and members - 1 more of the same
 * architecture with other initial weights, trained on the same minibatches
 * (one AdamW step each per study batch, as the published ensemble trains its
 * members), with member 0's normalisation.
 *
 * Disagreement of a candidate, the acquisition score: roll the ensemble
 * mean out for T steps from the candidate's first state, and average over
 * the steps the spread of the members' predictions around their mean,
 *   d_t = (1/M) Σ_m ||û_m,t - ū_t||^2 / S          (mse)
 *   sqrt(d_t)                                        (rmse)
 *   sqrt(S d_t) / max(||ū_t||, floor)                (nrmse; floor as the
 *                                                    surrogate's nRMSE)
 * in the units of the study's loss, so that the baseline chases the error
 * measure that OGAS and Breed chase. Not thread-safe: the study's training
 * thread owns it. */
#ifndef OGAS_STUDY_ENSEMBLE_H
#define OGAS_STUDY_ENSEMBLE_H

#include <stddef.h>

#include "study/surrogate.h"

typedef struct study_ensemble study_ensemble;

/* member0 (not owned) and members - 1 new surrogates of its config with the
   seeds seed + 1000 m. members >= 2. OGAS_EINVAL / OGAS_ENOMEM with err. */
int study_ensemble_create(surrogate *member0, int members, study_ensemble **out, char *err,
                          size_t errlen);
void study_ensemble_free(study_ensemble *e); /* NULL is accepted */
/* Member m (0 .. members - 1), or NULL outside that range. */
surrogate *study_ensemble_member(study_ensemble *e, int m);

/* Fit the other members' normalisation on the samples member 0's was
   fitted on (the fit is deterministic: every member gets the same). */
int study_ensemble_fit_normalization(study_ensemble *e, const float *states,
                                     const float *next_states, size_t n);
/* One training step of every member but member 0 on the batch member 0
   trained on. A member whose step is not finite skips it (as the study
   does for member 0). */
int study_ensemble_train_step(study_ensemble *e, const float *states, const float *next_states,
                              const float *z, int B, study_loss_kind kind);
/* out[i] = the disagreement of row i of states (n, S) with parameters z
   (n, P) over `steps` >= 1 rollout steps; INFINITY when the rollout stops
   being finite (the most uncertain candidate: sbal.h). */
int study_ensemble_disagreement(study_ensemble *e, const float *states, const float *z, size_t n,
                                size_t steps, study_loss_kind kind, double *out);

#endif

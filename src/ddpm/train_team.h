/* train_team — one DDPM training step split over threads, so that two cores
 * train faster than letting OpenBLAS split each (128 x H)·(H x H) product
 * (its threads synchronise inside every product; here a spinning barrier
 * between layers and one handoff per phase).
 *
 * The step, for n threads (the caller's thread is member 0), on the model's
 * one workspace:
 *   1. forward:  member k computes its share of every linear layer's output
 *                units for all B rows (so it packs only its rows of each
 *                weight matrix; splitting the rows instead had every member
 *                pack every matrix) and its share of the rows of every
 *                LayerNorm, with a barrier where a step needs the others'
 *                results (denoiser_share);
 *   2. the caller computes the loss and d(loss)/d(eps) over all B rows;
 *   3. backward: the chain of input gradients, shared the same way, keeping
 *                every layer's output gradient;
 *   4. weights:  member k computes the parameter gradient of all B rows for
 *                its share of every tensor's output units (the shares
 *                partition the parameters, so no thread keeps a private
 *                gradient and nothing is reduced), and its Σ g² for the
 *                gradient norm;
 *   5. update:   member k runs the clipping-AdamW-EMA pass on its share.
 * The result equals the one-thread step up to the order of floating-point
 * sums (the tests bound the difference); for a given n it is the same bit for
 * bit on every run. Each member calls BLAS on its own share: OpenBLAS must run
 * one thread per call (blas_set_threads(1)) or the cores are oversubscribed. */
#ifndef OGAS_DDPM_TRAIN_TEAM_H
#define OGAS_DDPM_TRAIN_TEAM_H

#include "ddpm/ddpm.h"

typedef struct train_team train_team;

/* A team of `threads` (2..64) members for model m (its shape and minibatch);
   starts threads - 1 worker threads. NULL on failure (nothing leaks). */
train_team *train_team_create(const ddpm_model *m, int threads);
/* Stops and joins the workers. NULL is allowed. */
void train_team_free(train_team *team);
int train_team_threads(const train_team *team);
/* CPU seconds the worker threads (not the caller's) have spent in steps;
   read between steps. */
double train_team_worker_cpu_s(const train_team *team);

/* Steps 1-5 on the B rows ddpm_train_step staged in m (z_t, t, c, w,
   target), the first n_cond of them conditioned. Returns the loss. */
float train_team_step(train_team *team, ddpm_model *m, int n_cond, int B);

#endif

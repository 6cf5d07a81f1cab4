/* train_role — a training rank: the surrogate trained data-parallel.
 *
 * Every training rank holds the same weights. A training step: each rank
 * computes the loss and gradient of its rows of the minibatch (B_t of B),
 * the gradients scaled by B_t / B are summed over the training ranks
 * (MPI_Allreduce, with the loss in the same buffer), and every rank clips
 * and applies the same AdamW step (surrogate_apply_gradients), so the
 * weights stay equal bit for bit. The per-sample losses of the rank's rows
 * go to the breed rank (TAG_SHARD), which puts the batch back together.
 *
 * Where the rows come from:
 *  - deterministic mode: the global FIFO (global_fifo.h). Rounds: the rank
 *    takes one packet per simulation rank, the slots that streamed a step
 *    are summed over the training ranks, the samples are pushed in slot
 *    order, and the batches that the round's credit allows are trained, as
 *    study.h's lockstep does. Minibatches are drawn with one random stream
 *    on every rank, so with one training rank the study equals the
 *    single-process study, and with T ranks the same rows are trained.
 *  - concurrent mode: each rank keeps its own bounded buffer (capacity / T)
 *    fed by its slots and draws its B_t rows from it with its own stream.
 *    The ranks agree on when to train through a small MPI_Allreduce of
 *    their counters (steps received, samples held, simulation ranks done);
 *    a rank takes packets only while the study is not more than a round of
 *    batches ahead of training (study.h's rate limit), which with the
 *    credits of sim_role.h is the back-pressure on the solvers.
 * The surrogate's normalisation is fitted on the same rows on every rank
 * (gathered from the ranks that hold them). */
#ifndef OGAS_MPI_TRAIN_ROLE_H
#define OGAS_MPI_TRAIN_ROLE_H

#include <stdint.h>

#include "mpi/rank_ctx.h"
#include "study/surrogate.h"

typedef struct train_role train_role;

typedef struct {
  surrogate *sur;    /* the trained surrogate (taken over by the caller) */
  float *train_loss; /* training root: total_batches losses (taken over) */
  double *loss_sum;  /* n_rows: per-sample losses summed per simulation (this rank's) */
  int64_t *loss_count;
  uint64_t samples_pushed, samples_evicted; /* this rank's buffer */
  int64_t batches;
  double train_cpu_s;
  int weights_equal; /* the training ranks ended with the same weights, bit for bit */
} train_role_result;

/* Allocate and create the surrogate: OGAS_EINVAL / OGAS_ENOMEM with a
   message (a config problem), so that every rank can report it. */
int train_role_create(rank_ctx *x, train_role **out, char *err, size_t errlen);
void train_role_free(train_role *t);
/* Runs the role to its end; errors end the job. */
void train_role_run(train_role *t, train_role_result *out);

/* Checkpoint of this rank's training state (deterministic mode): written
   into dir at the end of `round`; loaded before running. */
int train_role_save(train_role *t, const char *dir, int64_t round, char *err, size_t errlen);
int train_role_load(train_role *t, const char *dir, int64_t round, char *err, size_t errlen);

#endif

/* study_mpi — one online study over the ranks of an MPI communicator.
 *
 * The same study as study.h (same config, budget, rate limit and generation
 * breaks), split by rank_layout.h into simulation ranks (sim_role.h),
 * data-parallel training ranks (train_role.h) and one breed rank
 * (breed_role.h); roles that share a rank run on threads of their own
 * (that needs MPI_THREAD_MULTIPLE). In deterministic mode the study is
 * reproducible bit for bit, and with one training rank it equals study_run's
 * deterministic study; its results do not depend on the number of
 * simulation ranks; with T training ranks the batches are the same rows,
 * spread over the ranks, so results differ from T = 1 only by the rounding
 * of the gradient sums (docs/cluster.md gives the measured difference).
 *
 * Every rank of comm calls study_mpi_run with the same config and options
 * (collective). Rank 0 (the training root) gets the result, evaluated on
 * the validation set, with an "mpi" section in result->extra: the layout,
 * and per rank and role the time spent computing, communicating and waiting,
 * messages and bytes. The other ranks get *out = NULL.
 *
 * Errors in the setup (a bad "mpi" section, a layout the ranks do not allow,
 * a bad "ogas" section, a checkpoint that does not fit) return the same
 * status and message on every rank. Errors while the study runs, and a wait
 * longer than mpi.timeout_s, end the job with a message naming the rank. */
#ifndef OGAS_MPI_STUDY_MPI_H
#define OGAS_MPI_STUDY_MPI_H

#include <mpi.h>

#include "mpi/rank_ctx.h"
#include "study/study.h"

/* opts (validation, progress, keep_surrogate) are read on rank 0 only. */
int study_mpi_run(MPI_Comm comm, const study_config *cfg, const study_mpi_options *mo,
                  const study_run_options *opts, study_result **out, char *err, size_t errlen);

/* Whether a study with these options needs the rank runner even on one rank
   (checkpoints, resuming, redraws and fault injection are its features). */
int study_mpi_needed(const study_config *cfg, const study_mpi_options *mo);

#endif

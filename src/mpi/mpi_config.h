/* mpi_config — the "mpi" section of a study config: how a study spreads
 * over MPI ranks, how its messages flow, checkpoints, and failed
 * simulations. A study run in one process ignores the section.
 *
 * "mpi": {
 *   "training_ranks": 0,         data-parallel surrogate trainers; 0: automatic
 *                                (rank_layout.h)
 *   "breed_rank": "auto",        "own": a rank of its own; "shared": on training
 *                                rank 0; "auto": own from 3 ranks up
 *   "steps_per_message": 8,      concurrent mode: time steps a simulation rank
 *                                gathers into one message to a training rank
 *   "window": 4,                 messages in flight from one simulation rank to one
 *                                training rank (back-pressure: a simulation rank
 *                                with none left waits); deterministic mode: rounds
 *                                a simulation rank may run ahead
 *   "timeout_s": 600,            a rank that waits this long for a peer ends the
 *                                job with a message naming what it waited for
 *   "checkpoint_every": 0,       generations between study checkpoints (0: none)
 *   "blas_threads": 1,           OpenBLAS threads of the simulation and training
 *                                ranks (the breed rank keeps the breeder's own
 *                                model.blas_threads: OpenBLAS has one count per
 *                                process)
 *   "redraw_failed_sims": 0,     a simulation that fails to start or stops being
 *                                finite is replaced by a new one from the sampler,
 *                                up to this many times in a study (0: it is only
 *                                reported and marked failed)
 *   "faults": {                  fault injection, for tests of the paths above:
 *     "diverge_sims": [3, 7],    these simulations produce NaN ...
 *     "diverge_at_step": 2,      ... at this output step
 *     "fail_start_sims": [5],    these fail when they start
 *     "kill_rank": -1,           this rank kills itself ...
 *     "kill_after": 0,           ... after this many of its units of work: time
 *                                steps streamed (simulation), batches trained
 *                                (training) or recorded (breed) ...
 *     "kill_signal": "KILL"      ... with SIGKILL (a rank that dies), or "STOP" (a
 *                                rank that hangs: the others time out)
 *   }
 * }
 *
 * Strict like the rest of the study config: unknown keys are errors naming
 * their path. Functions return ogas_status codes with a message in err. */
#ifndef OGAS_MPI_MPI_CONFIG_H
#define OGAS_MPI_MPI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

typedef enum { BREED_PLACEMENT_AUTO, BREED_PLACEMENT_OWN, BREED_PLACEMENT_SHARED } breed_placement;

#define MPI_CONFIG_MAX_FAULT_SIMS 64

typedef struct {
  int64_t training_ranks;
  breed_placement breed;
  int64_t steps_per_message, window;
  double timeout_s;
  int64_t checkpoint_every;
  int64_t redraw_failed_sims;
  int64_t blas_threads;
  int64_t diverge_sims[MPI_CONFIG_MAX_FAULT_SIMS];
  size_t n_diverge;
  int64_t diverge_at_step;
  int64_t fail_start_sims[MPI_CONFIG_MAX_FAULT_SIMS];
  size_t n_fail_start;
  int64_t kill_rank, kill_after;
  int kill_signal; /* SIGKILL or SIGSTOP */
} mpi_config;

void mpi_config_defaults(mpi_config *c);
/* json: the section as text, or NULL (all defaults). */
int mpi_config_parse(const char *json, mpi_config *c, char *err, size_t errlen);

/* Fault injection lookups. */
int mpi_config_diverges(const mpi_config *c, int64_t sim_id);
int mpi_config_fails_start(const mpi_config *c, int64_t sim_id);

#endif

/* rank_ctx — what every role of a study over ranks shares on one rank: the
 * study's settings, the layout, the communicators, the message tags, and the
 * clocks each role keeps of its computing, communicating and waiting.
 *
 * Time accounting per role (role_clock): `wait` is time blocked until a
 * message, a credit or a peer is there (polling waits in mpi_wait.h);
 * `comm` is time inside MPI calls that move data (sends, receives of
 * messages that had arrived, collectives: their skew counts as
 * communication); `compute` is the rest of the role's wall time (solver
 * steps, training steps, the sampler, packing). */
#ifndef OGAS_MPI_RANK_CTX_H
#define OGAS_MPI_RANK_CTX_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "mpi/mpi_config.h"
#include "mpi/rank_layout.h"
#include "pde/pde.h"
#include "study/study.h"
#include "study/study_config.h"

/* Message tags on the study's communicator, named by their direction. */
enum {
  TAG_FILL = 7201, /* breed -> simulation: ids for free slots (deterministic) */
  TAG_SUMMARY,     /* simulation -> breed: simulations that ended in a round */
  TAG_CLAIM,       /* simulation -> breed: a slot is free (concurrent) */
  TAG_START,       /* breed -> simulation: its new simulation (concurrent) */
  TAG_PACKET,      /* simulation -> training: time steps */
  TAG_CREDIT,      /* training -> simulation: packets consumed (back-pressure) */
  TAG_SHARD,       /* training -> breed: per-sample losses of a batch, round ends */
  TAG_ACK,         /* breed -> training root: a round is recorded (checkpoints) */
  TAG_STATUS,      /* breed -> training root: progress counters */
  TAG_CKPT         /* breed -> simulation: checkpoint at the end of a round */
};

typedef struct {
  double wall, compute, comm, wait;
  uint64_t msgs_sent, bytes_sent, msgs_recv, bytes_recv;
  double t0;
} role_clock;

/* Options of one study over ranks, the same on every rank. */
typedef struct {
  char checkpoint_dir[1024]; /* "" : no checkpoints / no resume */
  int64_t checkpoint_every;  /* generations between checkpoints (0: the config's) */
  int resume;                /* continue from checkpoint_dir */
  int progress;              /* the root reports progress */
} study_mpi_options;

/* A slot as a checkpoint left it (deterministic mode): state 0 free, 1
   running simulation id (steps_done output steps streamed), 2 done. */
typedef struct {
  int state;
  int64_t id, steps_done;
  const double *params; /* P values, owned by the checkpoint reader */
} resume_slot_state;

typedef struct rank_ctx {
  const study_config *cfg;
  study_mpi_options opt;
  mpi_config mc;
  rank_layout lay;
  MPI_Comm comm;       /* the study's own (a duplicate of the caller's) */
  MPI_Comm train_comm; /* the training ranks, MPI_COMM_NULL elsewhere */
  int rank;
  unsigned roles;
  /* the problem */
  const pde_problem *problem;
  pde_options pde_opt;
  size_t S, P, C, n_steps; /* state size, parameters, channels, output steps */
  const double *lower, *upper;
  /* training budget, as study.h describes */
  int64_t total_batches, min_fill;
  int64_t n_rows; /* rows of the parameter table: nb_sims + redraw_failed_sims */
  double credit_per_step, slack;
  int B;
  size_t n_norm;
  /* resuming (checkpoint.h): the first round to run and the slots as the
     checkpoint left them (n_slots entries), else 0 and NULL */
  int64_t resume_round;
  resume_slot_state *resume_slots;
  uint64_t config_hash;          /* checkpoint.h */
  int64_t last_checkpoint_round; /* -1: none yet */
  /* the training root's progress report (study.h), or NULL */
  void (*progress)(void *ctx, const study_progress *p);
  void *progress_ctx;
  int64_t progress_every;
  double t0;
  /* clocks of the roles on this rank: [0] simulation, [1] training, [2] breed */
  role_clock clock[3];
} rank_ctx;

/* role_clock index of a ROLE_* bit. */
static inline int role_index(unsigned role) {
  return role == ROLE_SIMULATION ? 0 : role == ROLE_TRAINING ? 1 : 2;
}

#endif

/* sim_role — a simulation rank: runs the solvers of its slots and streams
 * their time steps to the training ranks.
 *
 * The rank owns the slots k = i + j S of the study's concurrent_sims (i: its
 * index among the S simulation ranks). It steps its running simulations one
 * output step each, in slot order, and appends each new state to the packet
 * of the slot's training rank (packet.h). Sends are non-blocking and
 * credit-based: at most mpi.window packets to one training rank are not yet
 * taken; with none left the rank waits for a TAG_CREDIT (back-pressure from
 * a training rank that is ahead of its rate limit or slower than the
 * solvers).
 *
 * Deterministic mode, in rounds r = 0, 1, ...: every running simulation
 * makes one step; if a slot was free at the start of the round, the rank
 * waits for the breed rank's TAG_FILL(r) (ids and parameters for the free
 * slots, chosen after round r-1 was trained), starts those simulations and
 * steps them once too. Then one packet per training rank (possibly empty)
 * and one TAG_SUMMARY (simulations that ended, with their status) go out.
 * Running simulations are stepped before the fill arrives, so the solvers
 * work while round r-1 trains.
 *
 * Concurrent mode: a free slot sends TAG_CLAIM (with the end status of its
 * previous simulation) and gets TAG_START with its next id and parameters;
 * packets leave when they hold mpi.steps_per_message records.
 *
 * A simulation that fails to start (status 2) or whose state stops being
 * finite (status 1: the solver's own check or NaN/Inf in the output) is
 * reported to the breed rank and its slot is free again; the study goes on.
 * Fault injection (mpi.faults) hooks in here. */
#ifndef OGAS_MPI_SIM_ROLE_H
#define OGAS_MPI_SIM_ROLE_H

#include <stdint.h>

#include "mpi/rank_ctx.h"

typedef struct {
  double sim_cpu_s;       /* solver CPU time */
  int64_t steps_streamed; /* time steps sent */
  int64_t sims_run;       /* simulations started here */
} sim_role_result;

/* Runs the role to its end; errors end the job (rank_fatal). */
void sim_role_run(rank_ctx *x, sim_role_result *out);

#endif

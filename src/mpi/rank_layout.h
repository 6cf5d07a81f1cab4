/* rank_layout — which rank plays which role in a study over N ranks.
 *
 * Roles: simulation ranks run the solvers of the study's concurrent_sims
 * slots; training ranks train the surrogate data-parallel (rank 0 is the
 * training root: it holds the result and writes the output); the breed rank
 * holds the sampler (the libogas breeder for "ogas").
 *
 * Ranks, in order: the training ranks 0 .. T-1, then the breed rank when it
 * has a rank of its own, then the simulation ranks. Defaults (mpi_config.h):
 *   N = 1   everything on rank 0 (three roles, each on its own thread)
 *   N = 2   rank 0 trains and breeds, rank 1 simulates
 *   N >= 3  T = max(1, floor((N - 1) / 4)) training ranks, one breed rank,
 *           S = N - 1 - T simulation ranks (about three per trainer, as in
 *           the published setup where the solvers outnumber the trainers)
 * Slot k (0 .. concurrent_sims-1) runs on simulation rank k mod S and feeds
 * training rank k mod T; both mappings leave a slot's data stream
 * independent of S, which keeps deterministic studies identical whatever S.
 *
 * Pure functions, no MPI. */
#ifndef OGAS_MPI_RANK_LAYOUT_H
#define OGAS_MPI_RANK_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "mpi/mpi_config.h"

enum { ROLE_SIMULATION = 1, ROLE_TRAINING = 2, ROLE_BREED = 4 };

typedef struct {
  int n_ranks;
  int n_train;    /* T: ranks 0 .. T-1 */
  int breed_rank; /* rank of the breed role */
  int first_sim;  /* the S simulation ranks: first_sim .. first_sim + S - 1 */
  int n_sim;
  int64_t n_slots; /* concurrent simulations */
} rank_layout;

/* OGAS_EINVAL with a message naming mpi.training_ranks / mpi.breed_rank
   when the ranks do not allow the split. */
int rank_layout_make(int n_ranks, const mpi_config *mc, int64_t n_slots, rank_layout *out,
                     char *err, size_t errlen);

/* Bit set of ROLE_* of a rank. */
unsigned rank_layout_roles(const rank_layout *l, int rank);
/* "simulation", "training+breed", ... into buf. */
const char *rank_roles_name(unsigned roles, char *buf, size_t len);

static inline int rank_layout_sim_rank(const rank_layout *l, int64_t slot) {
  return l->first_sim + (int)(slot % l->n_sim);
}
static inline int rank_layout_trainer(const rank_layout *l, int64_t slot) {
  return (int)(slot % l->n_train);
}
/* Slots of simulation rank `rank`: k = (rank - first_sim) + i S, i = 0, 1, ... */
int64_t rank_layout_slots_of(const rank_layout *l, int rank);

#endif

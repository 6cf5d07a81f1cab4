#include "mpi/rank_layout.h"

#include <stdio.h>
#include <string.h>

#include "ogas.h"
#include "util/status_msg.h"

int rank_layout_make(int n_ranks, const mpi_config *mc, int64_t n_slots, rank_layout *out,
                     char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (n_ranks < 1 || n_slots < 1)
    return status_msg(OGAS_EINVAL, err, errlen, "rank layout: %d ranks, %lld slots", n_ranks,
                      (long long)n_slots);
  out->n_ranks = n_ranks;
  out->n_slots = n_slots;
  if (n_ranks == 1) {
    if (mc->training_ranks > 1 || mc->breed == BREED_PLACEMENT_OWN)
      return status_msg(OGAS_EINVAL, err, errlen,
                        "mpi: one rank runs every role; mpi.training_ranks > 1 or "
                        "mpi.breed_rank \"own\" need more ranks");
    out->n_train = 1, out->breed_rank = 0, out->first_sim = 0, out->n_sim = 1;
    return OGAS_OK;
  }
  int own = mc->breed == BREED_PLACEMENT_OWN || (mc->breed == BREED_PLACEMENT_AUTO && n_ranks >= 3);
  int T = (int)mc->training_ranks;
  if (T == 0) T = own ? ((n_ranks - 1) / 4 > 1 ? (n_ranks - 1) / 4 : 1) : 1;
  int S = n_ranks - T - own;
  if (S < 1)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "mpi.training_ranks: %d training ranks%s leave no simulation rank among %d "
                      "ranks",
                      T, own ? " and a breed rank of its own" : "", n_ranks);
  out->n_train = T;
  out->breed_rank = own ? T : 0;
  out->first_sim = T + own;
  out->n_sim = S;
  return OGAS_OK;
}

unsigned rank_layout_roles(const rank_layout *l, int rank) {
  if (l->n_ranks == 1) return ROLE_SIMULATION | ROLE_TRAINING | ROLE_BREED;
  unsigned r = 0;
  if (rank < l->n_train) r |= ROLE_TRAINING;
  if (rank == l->breed_rank) r |= ROLE_BREED;
  if (rank >= l->first_sim && rank < l->first_sim + l->n_sim) r |= ROLE_SIMULATION;
  return r;
}

const char *rank_roles_name(unsigned roles, char *buf, size_t len) {
  static const char *const names[] = {"simulation", "training", "breed"};
  size_t at = 0;
  buf[0] = '\0';
  for (int i = 0; i < 3; i++)
    if (roles & (1u << i)) {
      int k = snprintf(buf + at, len - at, "%s%s", at ? "+" : "", names[i]);
      if (k < 0 || (size_t)k >= len - at) break;
      at += (size_t)k;
    }
  return buf;
}

int64_t rank_layout_slots_of(const rank_layout *l, int rank) {
  int i = rank - l->first_sim;
  if (i < 0 || i >= l->n_sim) return 0;
  return l->n_slots > i ? (l->n_slots - 1 - i) / l->n_sim + 1 : 0;
}

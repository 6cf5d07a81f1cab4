#include "mpi/global_fifo.h"

#include <stdlib.h>
#include <string.h>

#include "ogas.h"

int global_fifo_init(global_fifo *g, size_t capacity, size_t S, size_t P, int me) {
  memset(g, 0, sizeof *g);
  if (!capacity || !S) return OGAS_EINVAL;
  g->capacity = capacity, g->S = S, g->P = P, g->row = 2 * S + P, g->me = me;
  /* Zeroed: a checkpoint writes the whole arrays, used or not. */
  g->owner = calloc(capacity, sizeof *g->owner);
  g->local_seq = calloc(capacity, sizeof *g->local_seq);
  g->rows = calloc(capacity * g->row, sizeof(float));
  g->sim_id = calloc(capacity, sizeof(int64_t));
  g->step = calloc(capacity, sizeof(int64_t));
  if (!g->owner || !g->local_seq || !g->rows || !g->sim_id || !g->step) {
    global_fifo_free(g);
    return OGAS_ENOMEM;
  }
  return OGAS_OK;
}

void global_fifo_free(global_fifo *g) {
  free(g->owner), free(g->local_seq), free(g->rows), free(g->sim_id), free(g->step);
  memset(g, 0, sizeof *g);
}

void global_fifo_push(global_fifo *g, int owner, int64_t sim_id, int64_t step, const float *state,
                      const float *next_state, const float *params) {
  size_t at = (size_t)(g->pushed % g->capacity);
  g->owner[at] = owner;
  g->local_seq[at] = 0;
  if (owner == g->me) {
    size_t slot = (size_t)(g->local_pushed % g->capacity);
    float *r = g->rows + slot * g->row;
    memcpy(r, state, g->S * sizeof(float));
    memcpy(r + g->S, next_state, g->S * sizeof(float));
    if (g->P) memcpy(r + 2 * g->S, params, g->P * sizeof(float));
    g->sim_id[slot] = sim_id, g->step[slot] = step;
    g->local_seq[at] = g->local_pushed++;
  }
  g->pushed++;
}

size_t global_fifo_draw(global_fifo *g, ogas_rng *rng, size_t n, float *states, float *next_states,
                        float *params, int64_t *sim_ids, int64_t *steps, int32_t *which) {
  size_t count = global_fifo_count(g), mine = 0;
  uint64_t oldest = g->pushed - count;
  for (size_t k = 0; k < n; k++) {
    uint64_t p = oldest + ogas_rng_below(rng, count);
    size_t at = (size_t)(p % g->capacity);
    if (g->owner[at] != g->me) continue;
    size_t slot = (size_t)(g->local_seq[at] % g->capacity);
    const float *r = g->rows + slot * g->row;
    if (states) memcpy(states + mine * g->S, r, g->S * sizeof(float));
    if (next_states) memcpy(next_states + mine * g->S, r + g->S, g->S * sizeof(float));
    if (params && g->P) memcpy(params + mine * g->P, r + 2 * g->S, g->P * sizeof(float));
    if (sim_ids) sim_ids[mine] = g->sim_id[slot];
    if (steps) steps[mine] = g->step[slot];
    if (which) which[mine] = (int32_t)k;
    mine++;
  }
  return mine;
}

/* The state is everything: counters, the position ring, the local rows. */
size_t global_fifo_state_bytes(const global_fifo *g) {
  size_t C = g->capacity;
  return 2 * sizeof(uint64_t) + C * (sizeof(int32_t) + sizeof(uint64_t)) +
         C * g->row * sizeof(float) + 2 * C * sizeof(int64_t);
}

void global_fifo_save(const global_fifo *g, void *out) {
  size_t C = g->capacity;
  char *p = out;
  memcpy(p, &g->pushed, sizeof g->pushed), p += sizeof g->pushed;
  memcpy(p, &g->local_pushed, sizeof g->local_pushed), p += sizeof g->local_pushed;
  memcpy(p, g->owner, C * sizeof(int32_t)), p += C * sizeof(int32_t);
  memcpy(p, g->local_seq, C * sizeof(uint64_t)), p += C * sizeof(uint64_t);
  memcpy(p, g->rows, C * g->row * sizeof(float)), p += C * g->row * sizeof(float);
  memcpy(p, g->sim_id, C * sizeof(int64_t)), p += C * sizeof(int64_t);
  memcpy(p, g->step, C * sizeof(int64_t));
}

int global_fifo_load(global_fifo *g, const void *in, size_t n_bytes) {
  if (n_bytes != global_fifo_state_bytes(g)) return OGAS_ECORRUPT;
  size_t C = g->capacity;
  const char *p = in;
  memcpy(&g->pushed, p, sizeof g->pushed), p += sizeof g->pushed;
  memcpy(&g->local_pushed, p, sizeof g->local_pushed), p += sizeof g->local_pushed;
  memcpy(g->owner, p, C * sizeof(int32_t)), p += C * sizeof(int32_t);
  memcpy(g->local_seq, p, C * sizeof(uint64_t)), p += C * sizeof(uint64_t);
  memcpy(g->rows, p, C * g->row * sizeof(float)), p += C * g->row * sizeof(float);
  memcpy(g->sim_id, p, C * sizeof(int64_t)), p += C * sizeof(int64_t);
  memcpy(g->step, p, C * sizeof(int64_t));
  return OGAS_OK;
}

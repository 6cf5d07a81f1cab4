/* global_fifo — the training buffer of a deterministic study, spread over
 * the training ranks so that its contents and its minibatches are those of
 * the single-process buffer (study/buffer.h) whatever the number of
 * training ranks.
 *
 * Logically it is one FIFO of `capacity` samples in the order the study
 * pushes them (round by round, slot by slot); position p is the p-th sample
 * ever pushed. Each sample is stored only on its owner (the training rank
 * its slot feeds); every rank keeps, for the positions in the window, the
 * owner and the owner's local sequence number. A minibatch is drawn by every
 * training rank with the same random stream, exactly as study_buffer_sample
 * draws (index j uniform in the samples present, j = 0 the oldest); each
 * rank takes the draws it owns. So with one training rank the draws and rows
 * are those of a single-process study, and with T ranks the same rows are
 * spread over them.
 *
 * Memory per rank: capacity rows of (2 S + P) floats (a rank may own the
 * whole window when only its slots are active) plus 12 bytes per position. */
#ifndef OGAS_MPI_GLOBAL_FIFO_H
#define OGAS_MPI_GLOBAL_FIFO_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"

typedef struct {
  size_t capacity, S, P, row;
  int me;
  uint64_t pushed;       /* positions so far */
  uint64_t local_pushed; /* samples stored here so far */
  int32_t *owner;        /* capacity: owner of position p at p mod capacity */
  uint64_t *local_seq;   /* capacity: its local sequence number (owner == me) */
  float *rows;           /* capacity rows: state, next state, params */
  int64_t *sim_id, *step;
} global_fifo;

int global_fifo_init(global_fifo *g, size_t capacity, size_t S, size_t P, int me);
void global_fifo_free(global_fifo *g);

/* The next position belongs to `owner`; when owner == me, the sample is
   copied in (state, next_state, params). */
void global_fifo_push(global_fifo *g, int owner, int64_t sim_id, int64_t step, const float *state,
                      const float *next_state, const float *params);

static inline size_t global_fifo_count(const global_fifo *g) {
  return g->pushed < g->capacity ? (size_t)g->pushed : g->capacity;
}
static inline uint64_t global_fifo_evicted(const global_fifo *g) {
  return g->pushed - global_fifo_count(g);
}

/* Draw n indices as study_buffer_sample does (rng: the same on every
   rank); the draws this rank owns are copied to rows 0.. of the outputs
   (any of which may be NULL except states), their draw indices into which[]
   (may be NULL). Returns how many this rank owns. count must be > 0. */
size_t global_fifo_draw(global_fifo *g, ogas_rng *rng, size_t n, float *states, float *next_states,
                        float *params, int64_t *sim_ids, int64_t *steps, int32_t *which);

/* Checkpoint: bytes of the state and (de)serialisation. */
size_t global_fifo_state_bytes(const global_fifo *g);
void global_fifo_save(const global_fifo *g, void *out);
int global_fifo_load(global_fifo *g, const void *in, size_t n_bytes);

#endif

/* buffer — the bounded training buffer of an online study.
 *
 * Simulations stream their time steps in as samples
 * (sim_id, time_step, state u_t, next state u_{t+1}, params z); the trainer
 * draws minibatches. It is a FIFO of fixed capacity: when full, a new sample
 * overwrites the oldest, so no trajectory is ever stored whole and memory is
 * capacity x (2 S + P) floats, allocated at creation.
 *
 * Minibatches are drawn uniformly with replacement from the samples present,
 * with the caller's random stream (so a single-threaded study is
 * reproducible). Every call is thread-safe (one mutex): simulation threads
 * push while the training thread draws. Functions return ogas_status codes. */
#ifndef OGAS_STUDY_BUFFER_H
#define OGAS_STUDY_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"

typedef struct study_buffer study_buffer;

/* OGAS_EINVAL for a zero capacity or state size, OGAS_ENOMEM. */
int study_buffer_create(size_t capacity, size_t state_size, size_t nb_params, study_buffer **out);
void study_buffer_free(study_buffer *b); /* NULL is accepted */

/* Copy one sample in (evicting the oldest when full). */
int study_buffer_push(study_buffer *b, int64_t sim_id, int64_t time_step, const float *state,
                      const float *next_state, const float *params);

/* Draw n samples into the caller's arrays (any may be NULL except states):
   states, next_states (n,S), params (n,P), sim_ids, time_steps (n).
   OGAS_ESTATE when the buffer is empty. */
int study_buffer_sample(study_buffer *b, ogas_rng *rng, size_t n, float *states, float *next_states,
                        float *params, int64_t *sim_ids, int64_t *time_steps);

/* Copy the i-th oldest sample present (0 = oldest); OGAS_ERANGE if
   i >= count. For tests and inspection. */
int study_buffer_get(study_buffer *b, size_t i, float *state, float *next_state, float *params,
                     int64_t *sim_id, int64_t *time_step);

size_t study_buffer_count(study_buffer *b); /* samples present */
size_t study_buffer_capacity(const study_buffer *b);
uint64_t study_buffer_pushed(study_buffer *b);  /* samples ever pushed */
uint64_t study_buffer_evicted(study_buffer *b); /* samples overwritten so far */

#endif

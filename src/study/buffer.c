#include "study/buffer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"

struct study_buffer {
  size_t capacity, S, P, row; /* row = 2 S + P floats */
  size_t head, count;         /* head: slot of the oldest sample */
  uint64_t pushed, evicted;
  float *data; /* capacity rows: state, next, params */
  int64_t *sim_id, *time_step;
  pthread_mutex_t lock;
};

int study_buffer_create(size_t capacity, size_t state_size, size_t nb_params, study_buffer **out) {
  if (!out) return OGAS_EINVAL;
  *out = NULL;
  if (capacity == 0 || state_size == 0) return OGAS_EINVAL;
  size_t row = 2 * state_size + nb_params;
  if (row < state_size || capacity > SIZE_MAX / sizeof(float) / row) return OGAS_ERANGE;
  study_buffer *b = calloc(1, sizeof *b);
  if (!b) return OGAS_ENOMEM;
  b->capacity = capacity, b->S = state_size, b->P = nb_params, b->row = row;
  b->data = malloc(capacity * row * sizeof(float));
  b->sim_id = malloc(capacity * sizeof(int64_t));
  b->time_step = malloc(capacity * sizeof(int64_t));
  if (!b->data || !b->sim_id || !b->time_step || pthread_mutex_init(&b->lock, NULL)) {
    free(b->data), free(b->sim_id), free(b->time_step), free(b);
    return OGAS_ENOMEM;
  }
  *out = b;
  return OGAS_OK;
}

void study_buffer_free(study_buffer *b) {
  if (!b) return;
  pthread_mutex_destroy(&b->lock);
  free(b->data), free(b->sim_id), free(b->time_step), free(b);
}

int study_buffer_push(study_buffer *b, int64_t sim_id, int64_t time_step, const float *state,
                      const float *next_state, const float *params) {
  if (!b || !state || !next_state || (b->P && !params)) return OGAS_EINVAL;
  pthread_mutex_lock(&b->lock);
  size_t slot;
  if (b->count < b->capacity) {
    slot = (b->head + b->count) % b->capacity;
    b->count++;
  } else {
    slot = b->head; /* the oldest goes */
    b->head = (b->head + 1) % b->capacity;
    b->evicted++;
  }
  float *r = b->data + slot * b->row;
  memcpy(r, state, b->S * sizeof(float));
  memcpy(r + b->S, next_state, b->S * sizeof(float));
  if (b->P) memcpy(r + 2 * b->S, params, b->P * sizeof(float));
  b->sim_id[slot] = sim_id;
  b->time_step[slot] = time_step;
  b->pushed++;
  pthread_mutex_unlock(&b->lock);
  return OGAS_OK;
}

static void copy_out(const study_buffer *b, size_t slot, size_t k, float *states,
                     float *next_states, float *params, int64_t *sim_ids, int64_t *time_steps) {
  const float *r = b->data + slot * b->row;
  if (states) memcpy(states + k * b->S, r, b->S * sizeof(float));
  if (next_states) memcpy(next_states + k * b->S, r + b->S, b->S * sizeof(float));
  if (params && b->P) memcpy(params + k * b->P, r + 2 * b->S, b->P * sizeof(float));
  if (sim_ids) sim_ids[k] = b->sim_id[slot];
  if (time_steps) time_steps[k] = b->time_step[slot];
}

int study_buffer_sample(study_buffer *b, ogas_rng *rng, size_t n, float *states, float *next_states,
                        float *params, int64_t *sim_ids, int64_t *time_steps) {
  if (!b || !rng) return OGAS_EINVAL;
  pthread_mutex_lock(&b->lock);
  if (b->count == 0) {
    pthread_mutex_unlock(&b->lock);
    return n ? OGAS_ESTATE : OGAS_OK;
  }
  for (size_t k = 0; k < n; k++) {
    size_t slot = (b->head + (size_t)ogas_rng_below(rng, b->count)) % b->capacity;
    copy_out(b, slot, k, states, next_states, params, sim_ids, time_steps);
  }
  pthread_mutex_unlock(&b->lock);
  return OGAS_OK;
}

int study_buffer_get(study_buffer *b, size_t i, float *state, float *next_state, float *params,
                     int64_t *sim_id, int64_t *time_step) {
  if (!b) return OGAS_EINVAL;
  pthread_mutex_lock(&b->lock);
  int st = OGAS_ERANGE;
  if (i < b->count) {
    copy_out(b, (b->head + i) % b->capacity, 0, state, next_state, params, sim_id, time_step);
    st = OGAS_OK;
  }
  pthread_mutex_unlock(&b->lock);
  return st;
}

size_t study_buffer_count(study_buffer *b) {
  pthread_mutex_lock(&b->lock);
  size_t n = b->count;
  pthread_mutex_unlock(&b->lock);
  return n;
}

size_t study_buffer_capacity(const study_buffer *b) { return b->capacity; }

uint64_t study_buffer_pushed(study_buffer *b) {
  pthread_mutex_lock(&b->lock);
  uint64_t n = b->pushed;
  pthread_mutex_unlock(&b->lock);
  return n;
}

uint64_t study_buffer_evicted(study_buffer *b) {
  pthread_mutex_lock(&b->lock);
  uint64_t n = b->evicted;
  pthread_mutex_unlock(&b->lock);
  return n;
}

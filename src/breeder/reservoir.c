#include "breeder/reservoir.h"

#include <stdlib.h>
#include <string.h>

int reservoir_init(reservoir *r, int dim, int64_t capacity) {
  memset(r, 0, sizeof *r);
  r->dim = dim;
  r->capacity = capacity;
  r->z = malloc((size_t)capacity * (size_t)dim * sizeof(float));
  r->c = malloc((size_t)capacity * sizeof(float));
  r->sim_id = malloc((size_t)capacity * sizeof(int64_t));
  r->is_bred = malloc((size_t)capacity);
  r->unscored = calloc((size_t)capacity, 1);
  if (!r->z || !r->c || !r->sim_id || !r->is_bred || !r->unscored) {
    reservoir_free(r);
    return -1;
  }
  return 0;
}

void reservoir_free(reservoir *r) {
  free(r->z);
  free(r->c);
  free(r->sim_id);
  free(r->is_bred);
  free(r->unscored);
  memset(r, 0, sizeof *r);
}

void reservoir_push(reservoir *r, const float *z, float c, int64_t sim_id, int is_bred,
                    int unscored) {
  int64_t slot = r->head;
  if (r->count == r->capacity) { /* evict the oldest */
    r->n_non_bred -= !r->is_bred[slot];
    r->n_unscored -= r->unscored[slot];
  } else {
    r->count++;
  }
  memcpy(r->z + slot * r->dim, z, (size_t)r->dim * sizeof(float));
  r->c[slot] = c;
  r->sim_id[slot] = sim_id;
  r->is_bred[slot] = (uint8_t)(is_bred != 0);
  r->n_non_bred += !is_bred;
  r->unscored[slot] = (uint8_t)(unscored != 0);
  r->n_unscored += unscored != 0;
  r->head = (slot + 1) % r->capacity;
}

void reservoir_mark_scored(reservoir *r, int64_t slot) {
  r->n_unscored -= r->unscored[slot];
  r->unscored[slot] = 0;
}

int64_t reservoir_slot(const reservoir *r, int64_t k) {
  return ((r->head - r->count + k) % r->capacity + r->capacity) % r->capacity;
}

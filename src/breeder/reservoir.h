/* reservoir — the FIFO of (z, c, sim_id, is_bred) entries the DDPM learns
 * from (SPEC §3). A ring of fixed capacity: a push past capacity evicts the
 * oldest entry. Entry k (0 = oldest) lives at slot (head - count + k) mod cap.
 * An entry may be pushed "unscored": the first entry of a simulation waits
 * there until the check before breeding (trust.h) has scored it with a model
 * that never trained on it. */
#ifndef OGAS_BREEDER_RESERVOIR_H
#define OGAS_BREEDER_RESERVOIR_H

#include <stdint.h>

typedef struct {
  int dim;
  int64_t capacity, count, head; /* head: slot of the next push */
  int64_t n_non_bred;            /* entries with is_bred == 0 */
  int64_t n_unscored;            /* entries with unscored == 1 */
  float *z;                      /* capacity x dim, normalised parameters */
  float *c;                      /* capacity: conditions */
  int64_t *sim_id;
  uint8_t *is_bred;
  uint8_t *unscored;
} reservoir;

int reservoir_init(reservoir *r, int dim, int64_t capacity);
void reservoir_free(reservoir *r);
void reservoir_push(reservoir *r, const float *z, float c, int64_t sim_id, int is_bred,
                    int unscored);
/* Clear the unscored flag of a slot. */
void reservoir_mark_scored(reservoir *r, int64_t slot);
/* Slot of the k-th oldest entry, k in [0, count). */
int64_t reservoir_slot(const reservoir *r, int64_t k);

#endif

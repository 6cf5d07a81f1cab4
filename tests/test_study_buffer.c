/* The study's training buffer: bounded, first in first out, minibatches
   only from the samples present, and safe with pushers and a reader on
   different threads. */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"
#include "ogas.h"
#include "study/buffer.h"

enum { S = 3, P = 2, CAP = 10 };

static void fill(float v, float *u, float *un, float *z) {
  for (int j = 0; j < S; j++) u[j] = v, un[j] = v + 0.5f;
  for (int j = 0; j < P; j++) z[j] = -v;
}

typedef struct {
  study_buffer *b;
  int64_t sim;
} pusher_arg;

static void *pusher(void *p) {
  pusher_arg *a = p;
  float u[S], un[S], z[P];
  for (int t = 0; t < 5000; t++) {
    fill((float)(a->sim * 100000 + t), u, un, z);
    study_buffer_push(a->b, a->sim, t, u, un, z);
  }
  return NULL;
}

int main(void) {
  study_buffer *b = NULL;
  CHECK(study_buffer_create(0, S, P, &b) == OGAS_EINVAL && b == NULL);
  CHECK(study_buffer_create(CAP, S, P, &b) == OGAS_OK);
  ogas_rng rng;
  ogas_rng_seed(&rng, 1, 0);
  float u[4 * S], un[4 * S], z[4 * P];
  int64_t ids[4], ts[4];
  CHECK(study_buffer_sample(b, &rng, 4, u, un, z, ids, ts) == OGAS_ESTATE);

  /* 25 samples into 10 slots: the last 10 stay, oldest first. */
  for (int i = 0; i < 25; i++) {
    fill((float)i, u, un, z);
    CHECK(study_buffer_push(b, i / 5, i % 5, u, un, z) == OGAS_OK);
  }
  CHECK(study_buffer_count(b) == CAP);
  CHECK(study_buffer_pushed(b) == 25);
  CHECK(study_buffer_evicted(b) == 15);
  for (size_t i = 0; i < CAP; i++) {
    int64_t id, t;
    CHECK(study_buffer_get(b, i, u, un, z, &id, &t) == OGAS_OK);
    int want = 15 + (int)i;
    CHECK(u[0] == (float)want && un[S - 1] == (float)want + 0.5f && z[1] == -(float)want);
    CHECK(id == want / 5 && t == want % 5);
  }
  CHECK(study_buffer_get(b, CAP, u, un, z, NULL, NULL) == OGAS_ERANGE);

  /* Minibatches come from the samples present, rows consistent. */
  int seen[CAP] = {0};
  for (int k = 0; k < 200; k++) {
    CHECK(study_buffer_sample(b, &rng, 4, u, un, z, ids, ts) == OGAS_OK);
    for (int r = 0; r < 4; r++) {
      int v = (int)u[r * S];
      CHECK(v >= 15 && v < 25);
      CHECK(un[r * S + 2] == u[r * S] + 0.5f && z[r * P] == -u[r * S]);
      CHECK(ids[r] == v / 5 && ts[r] == v % 5);
      if (v >= 15 && v < 25) seen[v - 15]++;
    }
  }
  for (int i = 0; i < CAP; i++) CHECK(seen[i] > 40); /* ~80 each */
  study_buffer_free(b);

  /* Two pushing threads and a sampling one: never a torn row. */
  CHECK(study_buffer_create(64, S, P, &b) == OGAS_OK);
  pusher_arg a1 = {b, 1}, a2 = {b, 2};
  pthread_t t1, t2;
  pthread_create(&t1, NULL, pusher, &a1);
  pthread_create(&t2, NULL, pusher, &a2);
  int torn = 0;
  for (int k = 0; k < 2000; k++) {
    if (study_buffer_sample(b, &rng, 4, u, un, z, ids, ts) != OGAS_OK) continue;
    for (int r = 0; r < 4; r++)
      if (u[r * S + 2] != u[r * S] || z[r * P + 1] != -u[r * S] ||
          (int64_t)u[r * S] != ids[r] * 100000 + ts[r])
        torn++;
  }
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  CHECK(torn == 0);
  CHECK(study_buffer_pushed(b) == 10000 && study_buffer_count(b) == 64);
  study_buffer_free(b);
  return check_exit("test_study_buffer");
}

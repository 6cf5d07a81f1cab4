/* Concurrency: four threads call record_increments, get_parameters,
   next_parameters / concretize and get_stats at once while the background
   thread trains. Every increment must be counted (none lost), no call may
   fail, and shutdown must join cleanly. Run under ThreadSanitizer in CI. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "ogas.h"

enum { NB_SIMS = 2000, RECORDERS = 2, CALLS = 150, PER_CALL = 32 };

static ogas_breeder *b;
static int failures;

static void *recorder(void *arg) {
  int id = (int)(intptr_t)arg;
  int64_t ids[PER_CALL], ts[PER_CALL];
  double v[PER_CALL];
  for (int c = 0; c < CALLS; c++) {
    for (int i = 0; i < PER_CALL; i++) {
      ids[i] = (id * 7919 + c * 31 + i) % 400;
      ts[i] = c;
      v[i] = 0.01 * (double)((ids[i] * 13) % 100);
    }
    if (ogas_record_increments(b, ids, ts, v, PER_CALL, c) != OGAS_OK)
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void *reader(void *arg) {
  double x[4];
  ogas_stats s = OGAS_STATS_INIT;
  for (int c = 0; c < 3000; c++) {
    int bred;
    if (ogas_get_parameters(b, c % NB_SIMS, x, &bred) != OGAS_OK)
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    if (c % 100 == 0 && ogas_get_stats(b, &s) != OGAS_OK)
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

static void *generator(void *arg) {
  int64_t last_submitted = 399;
  for (int g = 0; g < 6; g++) {
    size_t staged;
    int64_t first, last;
    if (ogas_next_parameters(b, 50, &staged) != OGAS_OK)
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    if (ogas_concretize_resampled_parameters(b, last_submitted, &first, &last) != OGAS_OK)
      __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    last_submitted += 50;
  }
  return NULL;
}

int main(void) {
  char json[1024], err[512];
  snprintf(json, sizeof json,
           "{\"nb_params\": 4, \"l_bounds\": [0,0,0,0], \"u_bounds\": [1,1,1,1], \"nb_sims\": %d,"
           " \"seed\": 1, \"breeder\": {\"async_training\": true, \"min_reservoir_entries\": 16,"
           " \"min_train_steps\": 5, \"max_epoch_per_epoch\": 64}, \"model\": {\"model_dim\": 16, "
           "\"n_blocks\": 1,"
           " \"timesteps\": 10, \"n_train_steps_per_epoch\": 2}, \"data\": {\"batch_size\": 16,"
           " \"buffer_size\": 256}}",
           NB_SIMS);
  CHECK_MSG(ogas_breeder_create(json, &b, err, sizeof err) == OGAS_OK, "%s", err);
  pthread_t th[RECORDERS + 2];
  for (int i = 0; i < RECORDERS; i++) pthread_create(&th[i], NULL, recorder, (void *)(intptr_t)i);
  pthread_create(&th[RECORDERS], NULL, reader, NULL);
  pthread_create(&th[RECORDERS + 1], NULL, generator, NULL);
  for (int i = 0; i < RECORDERS + 2; i++) pthread_join(th[i], NULL);
  CHECK(ogas_train_sampler(b, 0) == OGAS_OK); /* waits for the backlog */
  ogas_stats s = OGAS_STATS_INIT;
  CHECK(ogas_get_stats(b, &s) == OGAS_OK);
  printf("threads: %lld values accepted, %lld DDPM steps, %lld ratio steps, generation %lld\n",
         (long long)s.values_accepted, (long long)s.ddpm_steps, (long long)s.ratio_steps,
         (long long)ogas_current_generation(b));
  CHECK(failures == 0);
  CHECK(s.values_accepted == (int64_t)RECORDERS * CALLS * PER_CALL); /* none lost */
  CHECK(s.ddpm_steps > 0 && s.budget_pending == 0);
  CHECK(ogas_current_generation(b) == 6);
  ogas_breeder_free(b); /* joins the trainer */

  /* Create and free many breeders with a busy trainer: no hang, no leak. */
  for (int k = 0; k < 5; k++) {
    ogas_breeder *tmp;
    CHECK(ogas_breeder_create(json, &tmp, err, sizeof err) == OGAS_OK);
    int64_t ids[16], ts[16] = {0};
    double v[16];
    for (int i = 0; i < 16; i++) ids[i] = i, v[i] = i;
    for (int c = 0; c < 5; c++) ogas_record_increments(tmp, ids, ts, v, 16, c);
    ogas_breeder_free(tmp);
  }
  /* train_sampler(0) returns only once the granted steps are done, including
     one the trainer has already taken from the budget and is computing: a
     slow step (256 wide, batch 128) is caught mid-way by the 2 ms pause. */
  char slow[1024];
  snprintf(slow, sizeof slow,
           "{\"nb_params\": 4, \"l_bounds\": [0,0,0,0], \"u_bounds\": [1,1,1,1], \"nb_sims\": 8,"
           " \"breeder\": {\"min_reservoir_entries\": 1, \"learn_sampling_ratio\": false},"
           " \"model\": {\"model_dim\": 256, \"n_train_steps_per_epoch\": 1, "
           "\"n_train_steps_per_sim\": 0},"
           " \"data\": {\"batch_size\": 128, \"buffer_size\": 256}}");
  int short_waits = 0;
  for (int k = 0; k < 10; k++) {
    ogas_breeder *tmp;
    CHECK(ogas_breeder_create(slow, &tmp, err, sizeof err) == OGAS_OK);
    int64_t ids[4] = {0, 1, 2, 3}, ts[4] = {0};
    double v[4] = {1, 2, 3, 4};
    ogas_record_increments(tmp, ids, ts, v, 4, 0); /* grants 1 DDPM step */
    nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
    ogas_train_sampler(tmp, 0);
    ogas_get_stats(tmp, &s);
    short_waits += s.ddpm_steps != 1;
    ogas_breeder_free(tmp);
  }
  CHECK_MSG(short_waits == 0, "%d of 10 waits returned before the step was done", short_waits);
  return check_exit("test_breeder_threads");
}

/* The study's samplers: every kind gives in-box parameters, a generation
   break rewrites only the simulations not yet started, breed's children
   gather around high-loss parents and shrink their spread at the walls,
   and a bad "ogas" section is refused with the breeder's message. */
#include <stdlib.h>
#include <string.h>

#include "breeder/breed_ratio.h"
#include "check.h"
#include "ogas.h"
#include "study/sampler.h"

enum { D = 3, N = 60, STARTED = 20 };
static const double lo[D] = {-1, 0, 10}, hi[D] = {1, 1, 130};

static int in_box(const double *x, const double *l, const double *u, int d) {
  for (int i = 0; i < d; i++)
    if (!(x[i] >= l[i] && x[i] <= u[i])) return 0;
  return 1;
}

static study_sampler_config base_config(study_sampler_kind kind) {
  study_sampler_config c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.nb_params = D;
  c.lower = lo, c.upper = hi;
  c.nb_sims = N;
  c.seed = 7;
  study_breed_config_defaults(&c.breed);
  c.ogas_json =
      "{\"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10},"
      " \"breeder\": {\"min_reservoir_entries\": 8, \"min_train_steps\": 5},"
      " \"data\": {\"batch_size\": 8, \"buffer_size\": 100}}";
  c.ogas_force_sync = 1;
  return c;
}

static void one_kind(study_sampler_kind kind) {
  const char *name = study_sampler_name(kind);
  study_sampler_config c = base_config(kind);
  c.breed.start_breed_ratio = 0.5; /* breed from the first break on */
  study_sampler *s = NULL;
  char err[512] = "";
  int st = study_sampler_create(&c, &s, err, sizeof err);
  CHECK_MSG(st == OGAS_OK, "%s: %s", name, err);
  if (st) return;
  double before[N][D], x[D];
  for (int64_t id = 0; id < N; id++) {
    int bred = -1;
    CHECK(study_sampler_get(s, id, before[id], &bred) == OGAS_OK);
    CHECK_MSG(in_box(before[id], lo, hi, D), "%s: sim %lld", name, (long long)id);
    CHECK(bred == 0);
  }
  CHECK(study_sampler_get(s, N, x, NULL) == OGAS_ERANGE);
  CHECK(study_sampler_get(s, -1, x, NULL) == OGAS_ERANGE);
  /* Losses of the started sims, several batches, the first ones finished. */
  int64_t ids[STARTED], ts[STARTED];
  double v[STARTED];
  for (int b = 0; b < 10; b++) {
    for (int i = 0; i < STARTED; i++) ids[i] = i, ts[i] = b, v[i] = 0.1 + 0.05 * i + 0.01 * b;
    CHECK(study_sampler_record(s, ids, ts, v, STARTED, b) == OGAS_OK);
  }
  for (int i = 0; i < STARTED; i++) CHECK(study_sampler_finished(s, i) == OGAS_OK);
  study_generation g;
  CHECK(study_sampler_resample(s, STARTED - 1, -1, &g) == OGAS_OK);
  CHECK(g.generation == 1);
  int changed = 0, bred_rows = 0;
  for (int64_t id = 0; id < N; id++) {
    int bred = 0;
    CHECK(study_sampler_get(s, id, x, &bred) == OGAS_OK);
    CHECK_MSG(in_box(x, lo, hi, D), "%s: sim %lld after the break", name, (long long)id);
    int same = !memcmp(x, before[id], sizeof x);
    if (id < STARTED)
      CHECK_MSG(same && !bred, "%s: started sim %lld changed", name, (long long)id);
    else
      changed += !same, bred_rows += bred;
  }
  if (kind == STUDY_SAMPLER_BREED || kind == STUDY_SAMPLER_OGAS) {
    CHECK_MSG(changed == N - STARTED, "%s: %d of %d unstarted rows rewritten", name, changed,
              N - STARTED);
    CHECK(g.first_id == STARTED && g.last_id == N - 1);
    CHECK(g.n_bred + g.n_non_bred == N - STARTED);
    CHECK(g.n_bred == bred_rows);
  } else {
    CHECK_MSG(changed == 0, "%s keeps its table", name);
    CHECK(g.first_id == -1 && g.last_id == -1);
  }
  if (kind == STUDY_SAMPLER_BREED) CHECK(g.n_bred == 22); /* floor(40 R_1), R_1 = 0.5 + 0.2/3 */
  /* A break with everything started rewrites nothing. */
  CHECK(study_sampler_resample(s, N - 1, -1, &g) == OGAS_OK);
  CHECK(g.first_id == -1 && g.n_bred == 0);
  CHECK(study_sampler_resample(s, N, -1, &g) == OGAS_ERANGE);
  CHECK(study_sampler_cpu_s(s) >= 0.0);
  study_sampler_free(s);
}

int main(void) {
  for (int k = STUDY_SAMPLER_UNIFORM; k <= STUDY_SAMPLER_OGAS; k++) one_kind((study_sampler_kind)k);

  study_sampler_kind kind;
  CHECK(study_sampler_parse("breed", &kind) == 0 && kind == STUDY_SAMPLER_BREED);
  CHECK(study_sampler_parse("random", &kind) == -1);

  /* Breed: loss 100 for parents in the corner [0, 0.2]^2 of the unit square,
     0.01 elsewhere; with R = 1 the children crowd the corner. */
  {
    static const double l2[2] = {0, 0}, u2[2] = {1, 1};
    study_sampler_config c = base_config(STUDY_SAMPLER_BREED);
    c.nb_params = 2, c.lower = l2, c.upper = u2, c.nb_sims = 1000;
    c.breed.start_breed_ratio = c.breed.end_breed_ratio = 1.0;
    study_sampler *s = NULL;
    char err[256];
    CHECK(study_sampler_create(&c, &s, err, sizeof err) == OGAS_OK);
    int n_hot = 0;
    for (int64_t id = 0; id < 200; id++) {
      double x[2], val;
      study_sampler_get(s, id, x, NULL);
      int hot = x[0] < 0.2 && x[1] < 0.2;
      n_hot += hot;
      val = hot ? 100.0 : 0.01;
      int64_t t = 0;
      study_sampler_record(s, &id, &t, &val, 1, id);
      study_sampler_finished(s, id);
    }
    CHECK(n_hot > 0 && n_hot < 20); /* about 4 % of a Halton table */
    study_generation g;
    CHECK(study_sampler_resample(s, 199, -1, &g) == OGAS_OK);
    CHECK(g.n_bred == 800 && g.n_non_bred == 0);
    CHECK(g.n_oob_regenerated > 0); /* corner parents throw children out */
    int near = 0;
    for (int64_t id = 200; id < 1000; id++) {
      double x[2];
      int bred;
      study_sampler_get(s, id, x, &bred);
      CHECK(bred == 1);
      near += x[0] < 0.35 && x[1] < 0.35;
    }
    CHECK_MSG(near > 0.8 * 800, "%d of 800 children near the high-loss corner", near);
    study_sampler_free(s);
  }

  /* Breed follows the breeder's own schedule to the last bit: with
     start 0, end 0.7, breakpoint 7, R_3 = 3 (0.7/6) = 0.35 exactly as numpy
     computes it (Breed's former copy, 0.7·3/6, gave 0.34999999999999992),
     so 20 children have floor(20 R_3) = 7 bred, not 6. */
  {
    study_sampler_config c = base_config(STUDY_SAMPLER_BREED);
    c.nb_sims = 200;
    c.breed.start_breed_ratio = 0.0, c.breed.end_breed_ratio = 0.7, c.breed.breakpoint = 7;
    study_sampler *s = NULL;
    char err[256];
    CHECK(study_sampler_create(&c, &s, err, sizeof err) == OGAS_OK);
    for (int64_t id = 0; id < 40; id++) {
      int64_t t = 0;
      double val = 1.0 + (double)id;
      study_sampler_record(s, &id, &t, &val, 1, id);
      study_sampler_finished(s, id);
    }
    study_generation g;
    for (int64_t gen = 1; gen <= 3; gen++) {
      CHECK(study_sampler_resample(s, 39 + 20 * (gen - 1), 20, &g) == OGAS_OK);
      CHECK(g.breed_ratio == breed_ratio_at(0.0, 0.7, 7, gen));
    }
    CHECK(g.breed_ratio == 0.35 && g.n_bred == 7 && g.n_non_bred == 13);
    study_sampler_free(s);
  }

  /* Bad settings are refused with a message. */
  {
    study_sampler_config c = base_config(STUDY_SAMPLER_OGAS);
    study_sampler *s = NULL;
    char err[512] = "";
    c.ogas_json = "{\"model\": {\"model_dimm\": 16}}";
    CHECK(study_sampler_create(&c, &s, err, sizeof err) == OGAS_EINVAL && !s);
    CHECK_MSG(strstr(err, "model_dimm") != NULL, "%s", err);
    c.ogas_json = "{\"nb_sims\": 5}";
    CHECK(study_sampler_create(&c, &s, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "nb_sims") != NULL, "%s", err);
    c = base_config(STUDY_SAMPLER_BREED);
    c.breed.shrink = 1.5;
    CHECK(study_sampler_create(&c, &s, err, sizeof err) == OGAS_EINVAL);
  }
  return check_exit("test_study_sampler");
}

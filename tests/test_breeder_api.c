/* The public breeder API: creation errors, the pre-populated table, the
   breed-ratio schedule, id ranges of concretize at the budget's edges,
   rejected values, OOB counting, and NULL / out-of-range arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"

/* A small synchronous breeder over the box [0,1] x [10,20] x [-5,5]. */
static ogas_breeder *make(int64_t nb_sims, const char *extra) {
  char json[2048], err[512] = "";
  snprintf(json, sizeof json,
           "{\"nb_params\": 3, \"l_bounds\": [0, 10, -5], \"u_bounds\": [1, 20, 5],"
           " \"nb_sims\": %lld, \"seed\": 7 %s}",
           (long long)nb_sims, extra ? extra : "");
  ogas_breeder *b = NULL;
  ogas_status st = ogas_breeder_create(json, &b, err, sizeof err);
  CHECK_MSG(st == OGAS_OK && b, "create failed: %s", err);
  return b;
}

#define SMALL_SYNC                                                            \
  ", \"breeder\": {\"async_training\": false, \"min_reservoir_entries\": 1, " \
  "\"min_train_steps\": 0, \"trust_min_z\": 0, \"max_oob_attempts\": %d}, "   \
  "\"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10, "       \
  "\"n_train_steps_per_epoch\": 1, \"box_prior\": false}, "                   \
  "\"data\": {\"batch_size\": 8, \"buffer_size\": 64}"

static void test_create_errors(void) {
  char err[512];
  ogas_breeder *b = (ogas_breeder *)0x1;
  CHECK(ogas_breeder_create("{\"nb_params\": 2,", &b, err, sizeof err) == OGAS_EINVAL);
  CHECK(b == NULL);
  CHECK_MSG(strstr(err, "line") && strstr(err, "column"), "%s", err);
  CHECK(ogas_breeder_create("{\"nb_params\": 1, \"l_bounds\": [0], \"u_bounds\": [1], "
                            "\"nb_sims\": 5, \"model\": {\"model_dimm\": 8}}",
                            &b, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "model.model_dim"), "%s", err);
  CHECK(ogas_breeder_create(NULL, &b, err, sizeof err) == OGAS_EINVAL);
  CHECK(ogas_breeder_create("{}", NULL, err, sizeof err) == OGAS_EINVAL);
  CHECK(ogas_breeder_create_from_file("/nonexistent/ogas.json", &b, err, sizeof err) == OGAS_EIO);
  CHECK(b == NULL);
  CHECK(ogas_breeder_create("{\"nb_params\": 1, \"l_bounds\": [0], \"u_bounds\": [1], "
                            "\"nb_sims\": 5, \"model\": {\"n_blocks\": 40}}",
                            &b, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "n_blocks"), "%s", err);
  ogas_breeder_free(NULL);
}

static void test_table_and_ranges(void) {
  char extra[512];
  snprintf(extra, sizeof extra, SMALL_SYNC, 10);
  ogas_breeder *b = make(20, extra);
  CHECK(ogas_nb_params(b) == 3 && ogas_nb_sims(b) == 20);
  double x[3];
  int bred = -1, inside = 1;
  for (int64_t i = 0; i < 20; i++) {
    CHECK(ogas_get_parameters(b, i, x, &bred) == OGAS_OK);
    inside &= x[0] >= 0 && x[0] <= 1 && x[1] >= 10 && x[1] <= 20 && x[2] >= -5 && x[2] <= 5;
    inside &= bred == 0;
  }
  CHECK(inside);
  CHECK(ogas_get_parameters(b, 20, x, NULL) == OGAS_ERANGE);
  CHECK(strstr(ogas_errmsg(b), "20") != NULL);
  CHECK(ogas_get_parameters(b, -1, x, NULL) == OGAS_ERANGE);
  CHECK(ogas_get_parameters(b, 0, NULL, NULL) == OGAS_EINVAL);

  /* Schedule with the defaults 0.0 -> 0.7 over 4: R = 0.23, 0.47, 0.7, 0.7. */
  const double R[] = {0.7 / 3, 2 * (0.7 / 3), 0.7, 0.7};
  size_t staged;
  int64_t first, last;
  for (int g = 0; g < 4; g++) {
    CHECK(ogas_next_parameters(b, 1, &staged) == OGAS_OK && staged == 1);
    CHECK(ogas_current_generation(b) == g + 1);
    CHECK_NEAR(ogas_breed_ratio(b), R[g], 1e-12);
    CHECK(ogas_concretize_resampled_parameters(b, 4 + g, &first, &last) == OGAS_OK);
    CHECK(first == 5 + g && last == 5 + g);
  }
  /* Nothing trained yet: every child non-bred, with the reason reported. */
  ogas_generation_info info = OGAS_GENERATION_INFO_INIT;
  CHECK(ogas_generation_info_get(b, 2, &info) == OGAS_OK);
  CHECK(info.n_bred == 0 && info.n_non_bred == 1);
  CHECK(ogas_generation_info_get(b, 5, &info) == OGAS_ERANGE);
  CHECK(ogas_generation_info_get(b, 0, &info) == OGAS_ERANGE);

  /* Budget edges: last submitted 9 -> 10 rows left; stage 4, write 10..13. */
  CHECK(ogas_next_parameters(b, 4, &staged) == OGAS_OK && staged == 4);
  CHECK(ogas_concretize_resampled_parameters(b, 9, &first, &last) == OGAS_OK);
  CHECK(first == 10 && last == 13);
  /* -1 stages every remaining row (19 - 13 = 6); writing after 16 fits 3. */
  CHECK(ogas_concretize_resampled_parameters(b, 13, &first, &last) == OGAS_OK);
  CHECK(first == -1 && last == -1); /* nothing staged */
  CHECK(ogas_next_parameters(b, -1, &staged) == OGAS_OK && staged == 6);
  CHECK(ogas_concretize_resampled_parameters(b, 16, &first, &last) == OGAS_OK);
  CHECK(first == 17 && last == 19);
  /* Rows 17..19 are written but not submitted: -1 restages them. */
  CHECK(ogas_next_parameters(b, -1, &staged) == OGAS_OK && staged == 3);
  CHECK(ogas_concretize_resampled_parameters(b, 16, &first, &last) == OGAS_OK);
  CHECK(first == 17 && last == 19);
  /* Budget used up once 19 is submitted: nothing staged, nothing written. */
  CHECK(ogas_concretize_resampled_parameters(b, 19, &first, &last) == OGAS_OK);
  CHECK(ogas_next_parameters(b, -1, &staged) == OGAS_OK && staged == 0);
  CHECK(ogas_next_parameters(b, 0, &staged) == OGAS_OK && staged == 0);
  CHECK(ogas_concretize_resampled_parameters(b, 19, &first, &last) == OGAS_OK);
  CHECK(first == -1 && last == -1);
  CHECK(ogas_concretize_resampled_parameters(b, 20, &first, &last) == OGAS_ERANGE);
  CHECK(ogas_concretize_resampled_parameters(b, -2, &first, &last) == OGAS_ERANGE);
  CHECK(ogas_next_parameters(b, -2, &staged) == OGAS_EINVAL);
  CHECK(strstr(ogas_errmsg(b), "max_breeding_count") != NULL);
  ogas_breeder_free(b);
}

static void test_rejected_values(void) {
  char extra[512];
  snprintf(extra, sizeof extra, SMALL_SYNC, 10);
  ogas_breeder *b = make(10, extra);
  int64_t ids[6] = {0, 1, 2, 3, 99, -1}, ts[6] = {0};
  double v[6] = {0.5, NAN, INFINITY, -1.0, 0.2, 0.3};
  CHECK(ogas_record_increments(b, ids, ts, v, 6, 0) == OGAS_OK);
  ogas_stats s = OGAS_STATS_INIT;
  CHECK(ogas_get_stats(b, &s) == OGAS_OK);
  CHECK(s.values_accepted == 1);
  CHECK(s.rejected_nonfinite == 2 && s.rejected_negative == 1 && s.rejected_unknown_id == 2);
  CHECK(s.reservoir_entries == 1); /* only sim 0 enters */
  CHECK(strstr(ogas_errmsg(b), "rejected") != NULL);
  CHECK(ogas_record_increments(b, NULL, ts, v, 3, 0) == OGAS_EINVAL);
  CHECK(ogas_record_increments(b, NULL, NULL, NULL, 0, 0) == OGAS_OK);
  CHECK(ogas_get_stats(b, NULL) == OGAS_EINVAL);
  /* A NULL breeder is refused everywhere. */
  size_t n;
  int64_t f, l;
  CHECK(ogas_record_increments(NULL, ids, ts, v, 1, 0) == OGAS_EINVAL);
  CHECK(ogas_next_parameters(NULL, -1, &n) == OGAS_EINVAL);
  CHECK(ogas_concretize_resampled_parameters(NULL, 0, &f, &l) == OGAS_EINVAL);
  CHECK(ogas_train_sampler(NULL, 1) == OGAS_EINVAL);
  CHECK(ogas_get_parameters(NULL, 0, NULL, NULL) == OGAS_EINVAL);
  CHECK(ogas_nb_params(NULL) == 0 && ogas_nb_sims(NULL) == 0);
  CHECK(strlen(ogas_errmsg(NULL)) > 0);
  CHECK(!strcmp(ogas_status_name(OGAS_ECORRUPT), "OGAS_ECORRUPT"));
  ogas_breeder_free(b);
}

/* An untrained DDPM without the box prior (ready after 0 steps, no check
   before breeding) proposes many points outside the box; they are redrawn,
   then clipped; the table stays inside the bounds. */
static void test_oob(int attempts) {
  char extra[512];
  snprintf(extra, sizeof extra, SMALL_SYNC, attempts);
  ogas_breeder *b = make(400, extra);
  int64_t ids[10], ts[10];
  double v[10];
  for (int i = 0; i < 10; i++) ids[i] = i, ts[i] = 0, v[i] = 0.1 * i;
  CHECK(ogas_record_increments(b, ids, ts, v, 10, 0) == OGAS_OK);
  size_t staged;
  int64_t first, last;
  for (int g = 0; g < 3; g++) { /* reach R = 0.7 */
    CHECK(ogas_next_parameters(b, 100, &staged) == OGAS_OK);
    CHECK(ogas_concretize_resampled_parameters(b, 9 + 100 * g, &first, &last) == OGAS_OK);
  }
  ogas_generation_info info = OGAS_GENERATION_INFO_INIT;
  CHECK(ogas_generation_info_get(b, 3, &info) == OGAS_OK);
  CHECK(info.n_bred == 70 && info.n_non_bred == 30);
  if (attempts == 0) {
    CHECK(info.n_oob_regenerated == 0);
    CHECK_MSG(info.n_clipped > 0, "an untrained DDPM should leave the box (clipped %lld)",
              (long long)info.n_clipped);
  } else {
    CHECK(info.n_oob_regenerated > 0);
    CHECK(info.n_clipped < info.n_oob_regenerated);
  }
  printf("oob attempts %d: regenerated %lld, clipped %lld of %lld bred\n", attempts,
         (long long)info.n_oob_regenerated, (long long)info.n_clipped, (long long)info.n_bred);
  double *table = malloc(400 * 3 * sizeof(double));
  int *bred = malloc(400 * sizeof(int));
  CHECK(ogas_get_parameter_table(b, table, bred) == OGAS_OK);
  int inside = 1, nbred = 0;
  for (int i = 0; i < 400; i++) {
    const double *x = table + 3 * i;
    inside &= x[0] >= 0 && x[0] <= 1 && x[1] >= 10 && x[1] <= 20 && x[2] >= -5 && x[2] <= 5;
    nbred += bred[i];
  }
  CHECK(inside);
  CHECK(nbred == 23 + 46 + 70);
  free(table), free(bred);
  ogas_breeder_free(b);
}

static int count_lines(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int n = 0, ch;
  while ((ch = fgetc(f)) != EOF) n += ch == '\n';
  fclose(f);
  return n;
}

/* With a run_dir: one JSON line per generation, and each submitted
   simulation logged once to children.csv, up to the last submitted id. */
static void test_run_dir(void) {
  char dir[] = "/tmp/ogas_run_dir_XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char extra[1024], base[512];
  snprintf(base, sizeof base, SMALL_SYNC, 10);
  snprintf(extra, sizeof extra, "%s, \"run_dir\": \"%s/run\"", base, dir);
  ogas_breeder *b = make(30, extra);
  size_t staged;
  int64_t first, last;
  for (int g = 0; g < 2; g++) {
    CHECK(ogas_next_parameters(b, 5, &staged) == OGAS_OK);
    CHECK(ogas_concretize_resampled_parameters(b, 9 + 5 * g, &first, &last) == OGAS_OK);
  }
  char path[600];
  snprintf(path, sizeof path, "%s/run/generations.jsonl", dir);
  CHECK(count_lines(path) == 2);
  remove(path);
  snprintf(path, sizeof path, "%s/run/children.csv", dir);
  CHECK(count_lines(path) == 1 + 15); /* header + ids 0..14 */
  FILE *f = fopen(path, "r");
  char header[256] = "";
  if (f && fgets(header, sizeof header, f)) fclose(f);
  CHECK(!strncmp(header, "sim_id,generation,is_bred,status,train_loss,p0,p1,p2", 51));
  ogas_breeder_free(b);
  remove(path);
  snprintf(path, sizeof path, "%s/run", dir);
  rmdir(path);
  rmdir(dir);
}

int main(void) {
  test_run_dir();
  test_create_errors();
  test_table_and_ranges();
  test_rejected_values();
  test_oob(0);
  test_oob(10);
  return check_exit("test_breeder_api");
}

/* Values at the edges, each followed by a checkpoint that must restore
   (every state the breeder can reach is a valid checkpoint) and save back to
   the same bytes: NaN, +-Inf, negative, denormal and enormous losses
   (DBL_MAX overflows the score's moving average), unknown and extreme sim
   ids, max_breeding_count of 0, -1 and below, a budget used up, d = 1 and
   d = 308, and the 3-sigma normalisation over overflowing values. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"
#include "test_checkpoint_util.h"

static char path_a[512], path_b[512];

/* Checkpoint, restore into a fresh breeder of the same config, save again:
   same bytes. */
static void round_trip(ogas_breeder *b, size_t d, int64_t nb_sims, const char *extra_breeder,
                       const char *label) {
  CHECK_MSG(ogas_checkpoint_state(b, path_a) == OGAS_OK, "%s: %s", label, ogas_errmsg(b));
  ogas_breeder *x = ckt_make(d, nb_sims, 0, extra_breeder, "");
  CHECK(x != NULL);
  if (!x) return;
  ogas_status st = ogas_restart_from_checkpoint(x, path_a);
  CHECK_MSG(st == OGAS_OK, "%s: restart: %s", label, ogas_errmsg(x));
  CHECK(ogas_checkpoint_state(x, path_b) == OGAS_OK);
  CHECK_MSG(ckt_same_file(path_a, path_b), "%s: save -> restore -> save differs", label);
  ogas_breeder_free(x);
}

static void test_dimension(size_t d) {
  const int64_t N = 60;
  const char *extra = "";
  char label[64];
  snprintf(label, sizeof label, "d = %zu", d);
  ogas_breeder *b = ckt_make(d, N, 0, extra, "");
  CHECK(b != NULL);
  if (!b) return;
  round_trip(b, d, N, extra, label);

  /* Rejected: NaN, +-Inf, negative; unknown ids of every size. */
  int64_t ids[] = {0, 1, 2, 3, 4, -1, N, INT64_MAX, INT64_MIN, 5};
  double v[] = {NAN, INFINITY, -INFINITY, -1.0, -DBL_MIN, 0.5, 0.5, 0.5, 0.5, 0.0};
  int64_t ts[10] = {0};
  CHECK(ogas_record_increments(b, ids, ts, v, 10, 0) == OGAS_OK);
  ogas_stats s = OGAS_STATS_INIT;
  CHECK(ogas_get_stats(b, &s) == OGAS_OK);
  CHECK(s.rejected_nonfinite == 3 && s.rejected_negative == 2 && s.rejected_unknown_id == 4);
  CHECK(s.values_accepted == 1);
  CHECK(strstr(ogas_errmsg(b), "rejected") != NULL);
  round_trip(b, d, N, extra, label);

  /* Enormous and tiny accepted values: the score's EMA overflows to +Inf. */
  int64_t ids2[] = {6, 7, 8, 6, 7, 8};
  double v2[] = {DBL_MAX, 1e-320, 1e300, DBL_MAX, 0.0, 1e308};
  for (int k = 0; k < 4; k++) CHECK(ogas_record_increments(b, ids2, ts, v2, 6, k) == OGAS_OK);
  round_trip(b, d, N, extra, label);

  /* Generations: 0 children, -1 (all the rest), invalid counts. */
  size_t n = 99;
  CHECK(ogas_next_parameters(b, 0, &n) == OGAS_OK && n == 0);
  CHECK(ogas_next_parameters(b, -2, &n) == OGAS_EINVAL && n == 0);
  CHECK(ogas_next_parameters(b, INT64_MIN, &n) == OGAS_EINVAL);
  CHECK(ogas_next_parameters(b, INT64_MAX, &n) == OGAS_OK && n == (size_t)(N - 9));
  round_trip(b, d, N, extra, label); /* staged children */
  int64_t first, last;
  CHECK(ogas_concretize_resampled_parameters(b, 8, &first, &last) == OGAS_OK);
  CHECK(first == 9 && last == N - 1);
  double x[308];
  CHECK(ogas_get_parameters(b, N - 1, x, NULL) == OGAS_OK);
  int inside = 1;
  for (size_t k = 0; k < d; k++) inside &= isfinite(x[k]) && x[k] >= -7 && x[k] <= 7;
  CHECK(inside);
  /* The budget used up: every id submitted, nothing more to stage. */
  CHECK(ogas_concretize_resampled_parameters(b, N - 1, &first, &last) == OGAS_OK);
  CHECK(first == -1 && last == -1);
  CHECK(ogas_next_parameters(b, -1, &n) == OGAS_OK && n == 0);
  CHECK_MSG(strstr(ogas_errmsg(b), "no unsubmitted rows left"), "%s", ogas_errmsg(b));
  CHECK(ogas_next_parameters(b, 10, &n) == OGAS_OK && n == 0);
  CHECK(ogas_concretize_resampled_parameters(b, N, &first, &last) == OGAS_ERANGE);
  CHECK(ogas_concretize_resampled_parameters(b, -2, &first, &last) == OGAS_ERANGE);
  CHECK(ogas_get_parameters(b, N, x, NULL) == OGAS_ERANGE);
  CHECK(ogas_get_parameters(b, -1, x, NULL) == OGAS_ERANGE);
  round_trip(b, d, N, extra, label);
  ogas_breeder_free(b);
}

/* 3-sigma normalisation with overflowing values: conditions may be NaN;
   the checkpoint still restores. */
static void test_three_sigma_overflow(void) {
  const int64_t N = 30;
  char *json = ckt_config(2, N, 0, "", "");
  char *p = strstr(json, "\"min_max_queue_length\": 5");
  char *fixed = malloc(strlen(json) + 64);
  snprintf(fixed, strlen(json) + 64, "%.*s\"clip_loss_norm_to_3_sigma\": true, %s", (int)(p - json),
           json, p);
  ogas_breeder *b = NULL, *x = NULL;
  CHECK(ogas_breeder_create(fixed, &b, NULL, 0) == OGAS_OK);
  CHECK(ogas_breeder_create(fixed, &x, NULL, 0) == OGAS_OK);
  int64_t ids[] = {0, 1, 2, 0, 1, 2};
  int64_t ts[6] = {0};
  double v[] = {DBL_MAX, 0.0, 1e308, DBL_MAX, 1.0, DBL_MAX};
  for (int k = 0; k < 5; k++) ogas_record_increments(b, ids, ts, v, 6, k);
  size_t n;
  CHECK(ogas_next_parameters(b, 5, &n) == OGAS_OK);
  CHECK(ogas_checkpoint_state(b, path_a) == OGAS_OK);
  CHECK_MSG(ogas_restart_from_checkpoint(x, path_a) == OGAS_OK, "%s", ogas_errmsg(x));
  CHECK(ogas_checkpoint_state(x, path_b) == OGAS_OK);
  CHECK(ckt_same_file(path_a, path_b));
  ogas_breeder_free(b);
  ogas_breeder_free(x);
  free(json);
  free(fixed);
}

int main(void) {
  snprintf(path_a, sizeof path_a, "%s/ckpt_values_a_%d.ckpt", OGAS_TEST_OUT, (int)getpid());
  snprintf(path_b, sizeof path_b, "%s/ckpt_values_b_%d.ckpt", OGAS_TEST_OUT, (int)getpid());
  test_dimension(1);
  test_dimension(308);
  test_three_sigma_overflow();
  remove(path_a), remove(path_b);
  return check_exit("test_checkpoint_values");
}

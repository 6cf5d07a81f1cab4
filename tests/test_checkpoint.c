/* Checkpoints: a restart in synchronous mode continues bit for bit like the
   run that never stopped (from between generations and from between staging
   and concretising); save -> restore -> save gives the same bytes; a
   checkpoint of a differently shaped breeder is refused naming the field and
   leaves the breeder as it was; settings that do not shape the state may
   change at a restart; checkpoints taken while the background thread trains
   (and restores into a training breeder) are consistent. Run under TSan in
   CI. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "breeder/checkpoint_format.h"
#include "check.h"
#include "ogas.h"
#include "test_checkpoint_util.h"

enum { D = 3, B = 24, GENS = 6, K = 3 };
#define NB_SIMS ((int64_t)B * (GENS + 1))

static char path_a[512], path_b[512], path_c[512];

static void paths(void) {
  snprintf(path_a, sizeof path_a, "%s/ckpt_main_a_%d.ckpt", OGAS_TEST_OUT, (int)getpid());
  snprintf(path_b, sizeof path_b, "%s/ckpt_main_b_%d.ckpt", OGAS_TEST_OUT, (int)getpid());
  snprintf(path_c, sizeof path_c, "%s/ckpt_main_c_%d.ckpt", OGAS_TEST_OUT, (int)getpid());
}

/* Tables after each generation of an uninterrupted run (no checkpoint). */
static void reference_run(uint64_t *hash) {
  ogas_breeder *r = ckt_make(D, NB_SIMS, 0, "", "");
  CHECK(r != NULL);
  if (!r) return;
  for (int64_t g = 1; g <= GENS; g++) {
    CHECK(ckt_generation(r, g, B) == OGAS_OK);
    hash[g] = ckt_table_hash(r);
  }
  ogas_stats s = OGAS_STATS_INIT;
  ogas_get_stats(r, &s);
  CHECK_MSG(s.ddpm_steps > 20, "only %lld DDPM steps", (long long)s.ddpm_steps);
  ogas_generation_info info = OGAS_GENERATION_INFO_INIT;
  CHECK(ogas_generation_info_get(r, GENS, &info) == OGAS_OK);
  CHECK_MSG(info.n_bred > 0, "the last generation bred nothing: %s", info.not_bred_reason);
  ogas_breeder_free(r);
}

/* A: generations 1..K, checkpoint (after `stop_phase` of generation K+1, 0
   for between generations), go on to GENS. B: fresh, restart, the same
   calls. Every table must equal the reference bit for bit. */
static void test_bit_identical_restart(const uint64_t *ref, int stop_phase) {
  ogas_breeder *a = ckt_make(D, NB_SIMS, 0, "", "");
  ogas_breeder *b = ckt_make(D, NB_SIMS, 0, "", "");
  CHECK(a && b);
  if (!a || !b) return;
  for (int64_t g = 1; g <= K; g++) ckt_generation(a, g, B);
  for (int p = 1; p <= stop_phase; p++) ckt_phase(a, K + 1, B, p);
  CHECK_MSG(ogas_checkpoint_state(a, path_a) == OGAS_OK, "%s", ogas_errmsg(a));
  CHECK_MSG(ogas_restart_from_checkpoint(b, path_a) == OGAS_OK, "%s", ogas_errmsg(b));
  CHECK(ogas_current_generation(b) == ogas_current_generation(a));
  /* Saving the restored breeder gives the same bytes. */
  CHECK(ogas_checkpoint_state(b, path_b) == OGAS_OK);
  CHECK_MSG(ckt_same_file(path_a, path_b), "save -> restore -> save differs (phase %d)",
            stop_phase);
  ogas_breeder *pair[2] = {a, b};
  for (int w = 0; w < 2; w++) {
    ogas_breeder *x = pair[w];
    for (int p = stop_phase + 1; p <= 3; p++) ckt_phase(x, K + 1, B, p);
    CHECK_MSG(ckt_table_hash(x) == ref[K + 1], "%s: generation %d differs after restart (phase %d)",
              w ? "restarted" : "original", K + 1, stop_phase);
    for (int64_t g = K + 2; g <= GENS; g++) {
      CHECK(ckt_generation(x, g, B) == OGAS_OK);
      CHECK_MSG(ckt_table_hash(x) == ref[g], "%s: generation %lld differs (phase %d)",
                w ? "restarted" : "original", (long long)g, stop_phase);
    }
  }
  ogas_stats sa = OGAS_STATS_INIT, sb = OGAS_STATS_INIT;
  ogas_get_stats(a, &sa);
  ogas_get_stats(b, &sb);
  CHECK(sa.ddpm_steps == sb.ddpm_steps && sa.ratio_steps == sb.ratio_steps);
  CHECK(sa.values_accepted == sb.values_accepted && sa.reservoir_entries == sb.reservoir_entries);
  CHECK(memcmp(&sa.ddpm_loss, &sb.ddpm_loss, sizeof sa.ddpm_loss) == 0);
  for (int64_t g = 1; g <= GENS; g++) {
    ogas_generation_info ia = OGAS_GENERATION_INFO_INIT, ib = OGAS_GENERATION_INFO_INIT;
    CHECK(ogas_generation_info_get(a, g, &ia) == OGAS_OK);
    CHECK(ogas_generation_info_get(b, g, &ib) == OGAS_OK);
    CHECK(ia.n_bred == ib.n_bred && ia.n_clipped == ib.n_clipped && ia.ddpm_steps == ib.ddpm_steps);
    CHECK(strcmp(ia.not_bred_reason, ib.not_bred_reason) == 0);
  }
  ogas_breeder_free(a);
  ogas_breeder_free(b);
}

/* A restart that is refused names the field and changes nothing. */
static void expect_refused(const char *extra_breeder, const char *extra_model, size_t d,
                           int64_t nb_sims, const char *field) {
  ogas_breeder *x = ckt_make(d, nb_sims, 0, extra_breeder, extra_model);
  CHECK(x != NULL);
  if (!x) return;
  ckt_generation(x, 1, 4);
  CHECK(ogas_checkpoint_state(x, path_b) == OGAS_OK);
  ogas_status st = ogas_restart_from_checkpoint(x, path_a);
  CHECK_MSG(st == OGAS_EINVAL, "%s: %s", field, ogas_status_name(st));
  CHECK_MSG(strstr(ogas_errmsg(x), field) != NULL, "message lacks '%s': %s", field, ogas_errmsg(x));
  CHECK(ogas_checkpoint_state(x, path_c) == OGAS_OK);
  CHECK_MSG(ckt_same_file(path_b, path_c), "refused restart (%s) changed the breeder", field);
  ogas_breeder_free(x);
}

static void test_incompatible(void) {
  ogas_breeder *a = ckt_make(D, NB_SIMS, 0, "", "");
  CHECK(a != NULL);
  if (!a) return;
  ckt_generation(a, 1, B);
  CHECK(ogas_checkpoint_state(a, path_a) == OGAS_OK);
  ogas_breeder_free(a);
  expect_refused("", "", D + 1, NB_SIMS, "nb_params");
  expect_refused("", "", D, NB_SIMS + 1, "nb_sims");
  expect_refused("", "\"model_dim\": 64", D, NB_SIMS, "model.model_dim");
  expect_refused("", "\"n_blocks\": 2", D, NB_SIMS, "model.n_blocks");
  expect_refused("", "\"timesteps\": 30", D, NB_SIMS, "model.timesteps");
  expect_refused("\"ratio_mlp_hidden_dim\": 8", "", D, NB_SIMS, "breeder.ratio_mlp_hidden_dim");
  /* Bounds: same shape, other box. */
  char *json = ckt_config(D, NB_SIMS, 0, "", "");
  char *p = strstr(json, "\"u_bounds\": [") + strlen("\"u_bounds\": [");
  *p = '9';
  ogas_breeder *x = NULL;
  CHECK(ogas_breeder_create(json, &x, NULL, 0) == OGAS_OK);
  CHECK(ogas_restart_from_checkpoint(x, path_a) == OGAS_EINVAL);
  CHECK_MSG(strstr(ogas_errmsg(x), "u_bounds"), "%s", ogas_errmsg(x));
  CHECK(ogas_current_generation(x) == 0);
  ogas_breeder_free(x);
  free(json);
  /* The message says what differs and by how much. */
  x = ckt_make(D, NB_SIMS, 0, "", "\"model_dim\": 64");
  ogas_restart_from_checkpoint(x, path_a);
  CHECK_MSG(strstr(ogas_errmsg(x), "checkpoint 32, breeder 64"), "%s", ogas_errmsg(x));
  ogas_breeder_free(x);
  /* Settings that do not shape the state may change at a restart. */
  x = ckt_make(D, NB_SIMS, 1, "\"min_train_steps\": 50", "\"lr\": 0.001, \"guidance_scale\": 2");
  CHECK_MSG(ogas_restart_from_checkpoint(x, path_a) == OGAS_OK, "%s", ogas_errmsg(x));
  CHECK(ogas_current_generation(x) == 1);
  ogas_breeder_free(x);
}

static void test_arguments(void) {
  ogas_breeder *x = ckt_make(1, 10, 0, "", "");
  CHECK(ogas_checkpoint_state(NULL, path_a) == OGAS_EINVAL);
  CHECK(ogas_restart_from_checkpoint(NULL, path_a) == OGAS_EINVAL);
  CHECK(ogas_checkpoint_state(x, NULL) == OGAS_EINVAL);
  CHECK(ogas_checkpoint_state(x, "") == OGAS_EINVAL);
  CHECK(ogas_restart_from_checkpoint(x, NULL) == OGAS_EINVAL);
  CHECK(*ogas_errmsg(x) != '\0');
  char missing[600];
  snprintf(missing, sizeof missing, "%s/no/such/dir/x.ckpt", OGAS_TEST_OUT);
  CHECK(ogas_checkpoint_state(x, missing) == OGAS_EIO);
  CHECK_MSG(strstr(ogas_errmsg(x), "no/such/dir"), "%s", ogas_errmsg(x));
  CHECK(ogas_restart_from_checkpoint(x, missing) == OGAS_EIO);
  /* A checkpoint of a fresh breeder restores into a fresh breeder. */
  CHECK(ogas_checkpoint_state(x, path_c) == OGAS_OK);
  ogas_breeder *y = ckt_make(1, 10, 0, "", "");
  CHECK(ogas_restart_from_checkpoint(y, path_c) == OGAS_OK);
  ogas_breeder_free(x);
  ogas_breeder_free(y);
}

/* ---- while the background thread trains ---- */

/* Every section but CONF holds the same bytes. */
static int same_state(const char *pa, const char *pb) {
  size_t na, nb;
  unsigned char *a = ckt_read(pa, &na), *b = ckt_read(pb, &nb);
  ckpt_file *fa = malloc(sizeof *fa), *fb = malloc(sizeof *fb);
  char err[256];
  int same = a && b && fa && fb && ckpt_parse(a, na, 0, fa, err, sizeof err) == OGAS_OK &&
             ckpt_parse(b, nb, 0, fb, err, sizeof err) == OGAS_OK &&
             fa->n_sections == fb->n_sections;
  for (uint32_t i = 0; same && i < fa->n_sections; i++) {
    const ckpt_section *x = &fa->sections[i], *y = ckpt_find(fb, x->tag);
    if (!strcmp(x->tag, CKPT_TAG_CONFIG)) continue;
    same = y && x->size == y->size && !memcmp(x->data, y->data, (size_t)x->size);
    if (!same) fprintf(stderr, "section %s differs\n", x->tag);
  }
  free(a), free(b), free(fa), free(fb);
  return same;
}

typedef struct {
  ogas_breeder *b;
  int failures;
  int done;
} driver;

static void *drive(void *arg) {
  driver *dr = arg;
  for (int64_t g = 1; g <= GENS; g++)
    if (ckt_generation(dr->b, g, B) != OGAS_OK) dr->failures++;
  __atomic_store_n(&dr->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void test_async(void) {
  ogas_breeder *a = ckt_make(D, NB_SIMS, 1, "", "");
  CHECK(a != NULL);
  if (!a) return;
  driver dr = {.b = a};
  pthread_t th;
  pthread_create(&th, NULL, drive, &dr);
  int saves = 0, restores = 0;
  while (!__atomic_load_n(&dr.done, __ATOMIC_ACQUIRE) || saves < 3) {
    if (ogas_checkpoint_state(a, path_a) != OGAS_OK) {
      CHECK_MSG(0, "checkpoint while training: %s", ogas_errmsg(a));
      break;
    }
    saves++;
    /* Every checkpoint restores and saves back to the same bytes. */
    /* (into a synchronous breeder, whose state stays put until asked) */
    ogas_breeder *s = ckt_make(D, NB_SIMS, 0, "", "");
    CHECK_MSG(ogas_restart_from_checkpoint(s, path_a) == OGAS_OK, "%s", ogas_errmsg(s));
    CHECK(ogas_checkpoint_state(s, path_b) == OGAS_OK);
    CHECK_MSG(same_state(path_a, path_b), "a checkpoint taken while training does not round-trip");
    ogas_breeder_free(s);
    restores++;
  }
  pthread_join(th, NULL);
  CHECK(dr.failures == 0);
  /* Restore into the breeder while its trainer has budget, then go on; and
     into a synchronous breeder. */
  CHECK(ogas_restart_from_checkpoint(a, path_a) == OGAS_OK);
  ogas_breeder *s = ckt_make(D, NB_SIMS, 0, "", "");
  CHECK_MSG(ogas_restart_from_checkpoint(s, path_a) == OGAS_OK, "%s", ogas_errmsg(s));
  /* Go on from wherever the checkpoint caught the driver (possibly with
     children staged): one more value, generation and concretize after the
     highest id submitted. */
  ogas_stats ss = OGAS_STATS_INIT;
  CHECK(ogas_get_stats(s, &ss) == OGAS_OK);
  int64_t next_id = ss.highest_submitted_id + 1, ts = 0, lo, hi;
  double v = 0.5;
  size_t staged;
  CHECK(ogas_record_increments(s, &next_id, &ts, &v, 1, 0) == OGAS_OK);
  CHECK(ogas_next_parameters(s, 1, &staged) == OGAS_OK && staged >= 1);
  CHECK_MSG(ogas_concretize_resampled_parameters(s, next_id, &lo, &hi) == OGAS_OK, "%s",
            ogas_errmsg(s));
  ogas_breeder_free(s);
  CHECK(ogas_train_sampler(a, 5) == OGAS_OK);
  size_t n;
  CHECK(ogas_next_parameters(a, 4, &n) == OGAS_OK);
  printf("async: %d checkpoints while training, %d restored\n", saves, restores);
  ogas_breeder_free(a);
}

int main(void) {
  paths();
  /* Every non-breed sampler: each keeps its own state (sequence index,
     stream). */
  static const char *const samplers[] = {"halton", "uniform", "lhs", "sobol"};
  for (int s = 0; s < 4; s++) {
    ckt_sampler = samplers[s];
    uint64_t ref[GENS + 1] = {0};
    reference_run(ref);
    for (int phase = 0; phase <= 2; phase++) test_bit_identical_restart(ref, phase);
  }
  ckt_sampler = "halton";
  test_incompatible();
  test_arguments();
  test_async();
  if (!getenv("OGAS_KEEP")) remove(path_a), remove(path_b), remove(path_c);
  return check_exit("test_checkpoint");
}

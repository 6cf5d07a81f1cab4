/* Studies over ranks (src/mpi/study_mpi.h), in process, under mpiexec -n 2
   and -n 4 (the cases that need more ranks than the launch has are skipped;
   sub-communicators give the smaller layouts).

   - Deterministic, one training rank: halton, breed and ogas studies equal
     study_run's bit for bit (weights, losses, parameters, bred flags,
     generations, validation errors) with 1, 2 and 3 simulation ranks and with
     the breed rank shared or on a rank of its own.
   - Two training ranks: equal to each other bit for bit with 1 and 2
     simulation ranks, the weights equal on both ranks, and within the stated
     tolerance of the one-rank study (docs/cluster.md): relative 1e-3 on every
     validation statistic and on every training loss of these small studies
     (measured: 2e-7 for halton, 2e-5 for ogas).
   - Faults: simulations that diverge and one that fails to start are marked
     (status 1, 2), replaced with mpi.redraw_failed_sims, and the study ends
     with the full budget of good simulations, identically on 2 and 4 ranks.
   - A checkpointed study, resumed from its last checkpoint on another number
     of simulation ranks, ends where the uninterrupted study ends.
   - Concurrent mode: the budget of gradient steps, every simulation run, all
     steps streamed, equal weights on the training ranks.
   - Setup errors reach every rank with the same message. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "mpi/study_mpi.h"
#include "ogas.h"

static int world_rank, world_size;

#define TINY_BASE                                                                           \
  "\"problem\": \"ks1d\", \"pde\": {\"grid\": 32, \"n_steps\": 10},"                        \
  " \"nb_sims\": 16, \"concurrent_sims\": 3, \"seed\": 5,"                                  \
  " \"surrogate\": {\"width\": 32, \"blocks\": 1, \"batch_size\": 16, \"lr\": 0.002},"      \
  " \"buffer\": {\"capacity\": 200}, \"batches_per_sim\": 10, \"nn_updates\": 20,"          \
  " \"min_finished_between_generations\": 2, \"validation\": {\"n_sims\": 4, \"seed\": 9}," \
  " \"breed\": {\"start_breed_ratio\": 0.5},"                                               \
  " \"ogas\": {\"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10,"          \
  "   \"n_train_steps_per_epoch\": 2},"                                                     \
  "   \"breeder\": {\"min_reservoir_entries\": 16, \"min_train_steps\": 10},"               \
  "   \"data\": {\"batch_size\": 16, \"buffer_size\": 500}}"

/* The config with `deterministic` and an "mpi" section. */
static void config(study_config *c, study_sampler_kind kind, int deterministic, const char *mpi) {
  char json[4096], err[512];
  snprintf(json, sizeof json,
           "{" TINY_BASE ", \"deterministic\": %s, \"mpi\": {\"timeout_s\": 60%s%s}}",
           deterministic ? "true" : "false", mpi && *mpi ? ", " : "", mpi ? mpi : "");
  int st = study_config_parse(json, c, err, sizeof err);
  CHECK_MSG(st == OGAS_OK, "%s", err);
  c->sampler = kind;
}

/* Run on the first n ranks of the world (the others skip); world rank 0 gets
   the result. */
static study_result *run_on(int n, const study_config *c, const study_mpi_options *mo, int *status,
                            char *err, size_t errlen) {
  MPI_Comm sub;
  MPI_Comm_split(MPI_COMM_WORLD, world_rank < n ? 0 : MPI_UNDEFINED, world_rank, &sub);
  study_result *r = NULL;
  int st = OGAS_OK;
  if (sub != MPI_COMM_NULL) {
    study_mpi_options none;
    memset(&none, 0, sizeof none);
    st = study_mpi_run(sub, c, mo ? mo : &none, NULL, &r, err, errlen);
    MPI_Comm_free(&sub);
  }
  if (status)
    *status = st;
  else
    CHECK_MSG(st == OGAS_OK, "rank %d: %s", world_rank, err);
  MPI_Barrier(MPI_COMM_WORLD);
  return r;
}

static int same_results(const study_result *a, const study_result *b) {
  if (!a || !b || a->grad_steps != b->grad_steps || a->n_generations != b->n_generations ||
      a->nb_sims != b->nb_sims || a->n_val != b->n_val)
    return 0;
  size_t N = (size_t)a->nb_sims;
  return !memcmp(a->train_loss, b->train_loss, (size_t)a->grad_steps * sizeof(float)) &&
         !memcmp(a->params, b->params, N * a->nb_params * sizeof(double)) &&
         !memcmp(a->is_bred, b->is_bred, N * sizeof(int)) &&
         !memcmp(a->sim_status, b->sim_status, N * sizeof(int)) &&
         !memcmp(a->val_nrmse, b->val_nrmse, a->n_val * sizeof(double)) &&
         !memcmp(a->generations, b->generations, a->n_generations * sizeof(study_generation)) &&
         a->samples_streamed == b->samples_streamed && a->samples_evicted == b->samples_evicted;
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-30); }

static int weights_equal(const study_result *r) {
  json_t *m = r ? json_object_get(r->extra, "mpi") : NULL;
  return m && json_is_true(json_object_get(m, "weights_equal_on_training_ranks"));
}

/* Layouts with one training rank: (ranks, mpi section), S in the comment. */
static void test_determinism(void) {
  static const struct {
    int n;
    const char *mpi;
  } t1[] = {{1, ""},                            /* every role on one rank, on threads */
            {2, ""},                            /* S = 1, breed shared */
            {3, ""},                            /* S = 1, breed own */
            {4, ""},                            /* S = 2 */
            {4, "\"breed_rank\": \"shared\""}}; /* S = 3 */
  study_sampler_kind kinds[] = {STUDY_SAMPLER_HALTON, STUDY_SAMPLER_BREED, STUDY_SAMPLER_OGAS};
  for (int k = 0; k < 3; k++) {
    study_config c;
    config(&c, kinds[k], 1, "");
    char err[512] = "";
    study_result *ref = NULL;
    if (world_rank == 0) CHECK(study_run(&c, NULL, &ref, err, sizeof err) == OGAS_OK);
    for (size_t i = 0; i < sizeof t1 / sizeof *t1; i++) {
      if (t1[i].n > world_size) continue;
      study_config ci;
      config(&ci, kinds[k], 1, t1[i].mpi);
      study_result *r = run_on(t1[i].n, &ci, NULL, NULL, err, sizeof err);
      if (world_rank == 0)
        CHECK_MSG(same_results(ref, r), "%s on %d ranks (%s) differs from study_run",
                  study_sampler_name(kinds[k]), t1[i].n, t1[i].mpi);
      study_result_free(r);
      study_config_free(&ci);
    }
    /* Two training ranks: the same bits with 1 and 2 simulation ranks, and
       close to the one-rank study. */
    static const struct {
      int n;
      const char *mpi;
    } t2[] = {{3, "\"training_ranks\": 2, \"breed_rank\": \"shared\""}, /* S = 1 */
              {4, "\"training_ranks\": 2, \"breed_rank\": \"shared\""}, /* S = 2 */
              {4, "\"training_ranks\": 2"}};                            /* S = 1, breed own */
    study_result *first = NULL;
    for (size_t i = 0; i < sizeof t2 / sizeof *t2; i++) {
      if (t2[i].n > world_size) continue;
      study_config ci;
      config(&ci, kinds[k], 1, t2[i].mpi);
      study_result *r = run_on(t2[i].n, &ci, NULL, NULL, err, sizeof err);
      if (world_rank == 0 && r) {
        CHECK_MSG(weights_equal(r), "the training ranks ended with different weights");
        if (!first) {
          first = r, r = NULL;
          for (int s = 0; s < STUDY_N_STATS; s++)
            CHECK_MSG(rel(study_stat(&first->val_stats, s), study_stat(&ref->val_stats, s)) < 1e-3,
                      "%s: T = 2 vs T = 1, %s %.9g vs %.9g", study_sampler_name(kinds[k]),
                      study_stat_names[s], study_stat(&first->val_stats, s),
                      study_stat(&ref->val_stats, s));
          double worst = 0;
          for (int64_t b = 0; b < ref->grad_steps; b++)
            worst = fmax(worst, rel(first->train_loss[b], ref->train_loss[b]));
          CHECK_MSG(worst < 1e-3, "%s: training losses of T = 2 and T = 1 differ by %.3g",
                    study_sampler_name(kinds[k]), worst);
          if (kinds[k] == STUDY_SAMPLER_HALTON)
            CHECK(!memcmp(first->params, ref->params,
                          (size_t)ref->nb_sims * ref->nb_params * sizeof(double)));
        } else {
          CHECK_MSG(same_results(first, r), "%s: T = 2 differs between layouts",
                    study_sampler_name(kinds[k]));
        }
      }
      study_result_free(r);
      study_config_free(&ci);
    }
    study_result_free(first);
    study_result_free(ref);
    study_config_free(&c);
  }
}

static void test_faults(void) {
  const char *mpi =
      "\"redraw_failed_sims\": 3, \"faults\": {\"diverge_sims\": [2, 9], "
      "\"diverge_at_step\": 4, \"fail_start_sims\": [5]}";
  study_config c;
  config(&c, STUDY_SAMPLER_BREED, 1, mpi);
  char err[512] = "";
  study_result *a = run_on(2, &c, NULL, NULL, err, sizeof err);
  study_result *b = run_on(world_size, &c, NULL, NULL, err, sizeof err);
  if (world_rank == 0 && a && b) {
    CHECK(a->nb_sims == 19 && a->sims_failed == 3);
    CHECK(a->sim_status[2] == 1 && a->sim_status[9] == 1 && a->sim_status[5] == 2);
    int good = 0;
    for (int64_t i = 0; i < a->nb_sims; i++) good += a->sim_status[i] == 0;
    CHECK_MSG(good == 16, "%d good simulations", good);
    CHECK(a->grad_steps == 160);
    CHECK(isfinite(a->val_stats.mean));
    CHECK_MSG(same_results(a, b), "faults: 2 and %d ranks differ", world_size);
  }
  study_result_free(a), study_result_free(b);
  study_config_free(&c);
  /* Without redraws the failed ones are only marked. */
  config(&c, STUDY_SAMPLER_HALTON, 0,
         "\"faults\": {\"diverge_sims\": [1], \"fail_start_sims\": [4]}");
  a = run_on(world_size, &c, NULL, NULL, err, sizeof err);
  if (world_rank == 0 && a) {
    CHECK(a->nb_sims == 16 && a->sims_failed == 2 && a->sim_status[1] == 1 &&
          a->sim_status[4] == 2);
    CHECK(a->grad_steps == 160);
  }
  study_result_free(a);
  study_config_free(&c);
}

static void remove_tree(const char *dir) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
}

static void test_resume(void) {
  char dir[512] = "";
  if (world_rank == 0) {
    snprintf(dir, sizeof dir, "%s/mpi_study_XXXXXX", OGAS_TEST_OUT);
    if (!mkdtemp(dir)) dir[0] = '\0';
  }
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
  CHECK(dir[0]);
  study_sampler_kind kinds[] = {STUDY_SAMPLER_BREED, STUDY_SAMPLER_OGAS};
  for (int k = 0; k < 2; k++) {
    study_config c;
    config(&c, kinds[k], 1, "");
    study_mpi_options mo;
    memset(&mo, 0, sizeof mo);
    snprintf(mo.checkpoint_dir, sizeof mo.checkpoint_dir, "%s/ck-%d", dir, k);
    mo.checkpoint_every = 1;
    char err[512] = "";
    study_result *full = run_on(world_size, &c, &mo, NULL, err, sizeof err);
    mo.checkpoint_every = 0, mo.resume = 1;
    study_result *resumed = run_on(2, &c, &mo, NULL, err, sizeof err);
    if (world_rank == 0) {
      CHECK(full && full->n_generations >= 2);
      json_t *m = resumed ? json_object_get(resumed->extra, "mpi") : NULL;
      json_t *from =
          m ? json_object_get(json_object_get(m, "checkpoints"), "resumed_from_round") : NULL;
      CHECK_MSG(json_is_integer(from) && json_integer_value(from) > 0,
                "not resumed from a checkpoint");
      CHECK_MSG(same_results(full, resumed), "%s: the resumed study differs",
                study_sampler_name(kinds[k]));
    }
    study_result_free(full), study_result_free(resumed);
    /* Another training-rank count may not resume it; a folder without one fails. */
    int st = 0;
    if (world_size >= 3) {
      study_config c2;
      config(&c2, kinds[k], 1, "\"training_ranks\": 2, \"breed_rank\": \"shared\"");
      run_on(3, &c2, &mo, &st, err, sizeof err);
      if (world_rank < 3) {
        CHECK(st == OGAS_EINVAL);
        CHECK_MSG(strstr(err, "training ranks"), "%s", err);
      }
      study_config_free(&c2);
    }
    snprintf(mo.checkpoint_dir, sizeof mo.checkpoint_dir, "%s/none", dir);
    run_on(world_size, &c, &mo, &st, err, sizeof err);
    CHECK(st == OGAS_EIO);
    CHECK_MSG(strstr(err, "no checkpoint"), "%s", err);
    study_config_free(&c);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank == 0) remove_tree(dir);
}

static void test_concurrent(void) {
  study_sampler_kind kinds[] = {STUDY_SAMPLER_UNIFORM, STUDY_SAMPLER_OGAS};
  for (int k = 0; k < 2; k++)
    for (int T = 1; T <= (world_size >= 3 ? 2 : 1); T++) {
      study_config c;
      char mpi[128];
      snprintf(mpi, sizeof mpi, "\"training_ranks\": %d, \"steps_per_message\": 3", T);
      config(&c, kinds[k], 0, mpi);
      char err[512] = "";
      study_result *r = run_on(world_size, &c, NULL, NULL, err, sizeof err);
      if (world_rank == 0 && r) {
        CHECK(r->grad_steps == 160);
        CHECK_MSG(r->samples_streamed == 160, "streamed %llu",
                  (unsigned long long)r->samples_streamed);
        for (int i = 0; i < 16; i++) CHECK(r->sim_status[i] == 0);
        CHECK(isfinite(r->val_stats.mean));
        CHECK(weights_equal(r));
        json_t *roles = json_object_get(json_object_get(r->extra, "mpi"), "roles");
        CHECK(json_integer_value(json_object_get(json_object_get(roles, "training"), "ranks")) ==
              T);
      }
      study_result_free(r);
      study_config_free(&c);
    }
}

static void test_setup_errors(void) {
  study_config c;
  char err[512] = "";
  int st = 0;
  config(&c, STUDY_SAMPLER_HALTON, 1, "\"training_rank\": 2");
  run_on(world_size, &c, NULL, &st, err, sizeof err);
  CHECK(st == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "mpi.training_rank"), "rank %d: %s", world_rank, err);
  study_config_free(&c);
  char mpi[64];
  snprintf(mpi, sizeof mpi, "\"training_ranks\": %d", world_size);
  config(&c, STUDY_SAMPLER_HALTON, 1, mpi);
  run_on(world_size, &c, NULL, &st, err, sizeof err);
  CHECK(st == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "mpi.training_ranks") && strstr(err, "no simulation rank"), "%s", err);
  study_config_free(&c);
  /* The breeder's own message for a bad "ogas" key, on every rank. */
  char json[4096];
  snprintf(json, sizeof json, "{" TINY_BASE ", \"deterministic\": true}");
  char *at = strstr(json, "\"model_dim\"");
  memcpy(at, "\"model_dmi\"", 11);
  CHECK(study_config_parse(json, &c, err, sizeof err) == OGAS_OK);
  c.sampler = STUDY_SAMPLER_OGAS;
  run_on(world_size, &c, NULL, &st, err, sizeof err);
  CHECK(st == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "model_dmi"), "rank %d: %s", world_rank, err);
  study_config_free(&c);
}

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  test_determinism();
  test_faults();
  test_resume();
  test_concurrent();
  test_setup_errors();
  int failures = check_failures_, total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  char name[64];
  snprintf(name, sizeof name, "test_mpi_study (rank %d of %d)", world_rank, world_size);
  int rc = check_exit(name);
  MPI_Finalize();
  return total ? 1 : rc;
}

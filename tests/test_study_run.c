/* Online studies end to end on small ks1d and heat2d problems: a deterministic study is
   reproducible bit for bit (halton, breed, ogas and sbal), the trained surrogate
   beats the untrained one on the validation set, the concurrent mode does
   the same number of gradient steps and runs every simulation, and the
   study config is strict. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ogas.h"
#include "study/study.h"

static const char *tiny =
    "{\"problem\": \"ks1d\", \"pde\": {\"grid\": 32, \"n_steps\": 10},"
    " \"nb_sims\": 16, \"concurrent_sims\": 3, \"seed\": 5, \"deterministic\": true,"
    " \"surrogate\": {\"width\": 32, \"blocks\": 1, \"batch_size\": 16, \"lr\": 0.002},"
    " \"buffer\": {\"capacity\": 200}, \"batches_per_sim\": 10, \"nn_updates\": 20,"
    " \"min_finished_between_generations\": 2, \"validation\": {\"n_sims\": 4, \"seed\": 9},"
    " \"breed\": {\"start_breed_ratio\": 0.5},"
    " \"sbal\": {\"min_finished\": 4, \"pool_size\": 40, \"rollout_steps\": 2},"
    " \"ogas\": {\"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10,"
    "   \"n_train_steps_per_epoch\": 2},"
    "   \"breeder\": {\"min_reservoir_entries\": 16, \"min_train_steps\": 10},"
    "   \"data\": {\"batch_size\": 16, \"buffer_size\": 500}}}";

static study_result *run(const char *json, study_sampler_kind kind, int deterministic,
                         const study_run_options *opts) {
  study_config c;
  char err[512];
  int st = study_config_parse(json, &c, err, sizeof err);
  CHECK_MSG(st == OGAS_OK, "%s", err);
  if (st) return NULL;
  c.sampler = kind;
  c.deterministic = deterministic;
  study_result *r = NULL;
  st = study_run(&c, opts, &r, err, sizeof err);
  CHECK_MSG(st == OGAS_OK, "%s: %s", study_sampler_name(kind), err);
  study_config_free(&c);
  return r;
}

static int same_results(const study_result *a, const study_result *b) {
  if (a->grad_steps != b->grad_steps || a->n_generations != b->n_generations) return 0;
  size_t N = (size_t)a->nb_sims;
  return !memcmp(a->train_loss, b->train_loss, (size_t)a->grad_steps * sizeof(float)) &&
         !memcmp(a->params, b->params, N * a->nb_params * sizeof(double)) &&
         !memcmp(a->is_bred, b->is_bred, N * sizeof(int)) &&
         !memcmp(a->val_nrmse, b->val_nrmse, a->n_val * sizeof(double)) &&
         !memcmp(a->generations, b->generations, a->n_generations * sizeof(study_generation));
}

int main(void) {
  /* Reproducible bit for bit, for a fixed sampler, the adaptive baseline and libogas. */
  study_sampler_kind kinds[] = {STUDY_SAMPLER_HALTON, STUDY_SAMPLER_BREED, STUDY_SAMPLER_OGAS};
  for (int k = 0; k < 3; k++) {
    study_result *a = run(tiny, kinds[k], 1, NULL), *b = run(tiny, kinds[k], 1, NULL);
    if (!a || !b) {
      study_result_free(a), study_result_free(b);
      continue;
    }
    CHECK_MSG(same_results(a, b), "%s: two runs differ", study_sampler_name(kinds[k]));
    CHECK(a->grad_steps == 160);
    CHECK(a->samples_streamed == 160 && a->samples_evicted == 0);
    CHECK(a->n_val == 4 && a->val_steps == 10);
    CHECK(a->sims_failed == 0);
    for (int i = 0; i < 16; i++) CHECK(a->sim_status[i] == 0);
    CHECK(isfinite(a->val_stats.mean) && a->val_stats.max >= a->val_stats.p99 &&
          a->val_stats.p99 >= a->val_stats.p50);
    CHECK(a->n_generations >= 1);
    /* generation_size "auto" (the default): 2 x max(2 finished, 20 / 10 batches
       per sim) + 3 concurrent = 7 rows per break, not all the unstarted ones. */
    for (size_t g = 0; g < a->n_generations; g++)
      CHECK(a->generations[g].last_id - a->generations[g].first_id + 1 <= 7);
    if (kinds[k] != STUDY_SAMPLER_HALTON) /* a fixed sampler rewrites nothing */
      CHECK(a->generations[0].last_id - a->generations[0].first_id + 1 == 7);
    if (kinds[k] == STUDY_SAMPLER_BREED) {
      int64_t bred = 0;
      for (int i = 0; i < 16; i++) bred += a->is_bred[i];
      CHECK_MSG(bred > 0, "breed bred nothing");
      CHECK(a->generations[0].first_id >= 3); /* never rewrites started sims */
    }
    char path[512];
    snprintf(path, sizeof path, "%s/study_%s.json", OGAS_TEST_OUT, a->sampler);
    char err[256];
    CHECK(study_result_write_json(a, path, err, sizeof err) == OGAS_OK);
    study_result_free(a), study_result_free(b);
  }

  /* Training helps: the trained surrogate against an untrained one with the
     same normalisation, on the same validation set. */
  {
    const char *longer =
        "{\"problem\": \"heat2d\", \"pde\": {\"grid\": 8, \"n_steps\": 20},"
        " \"nb_sims\": 24, \"concurrent_sims\": 4, \"seed\": 1, \"deterministic\": true,"
        " \"surrogate\": {\"width\": 64, \"blocks\": 2, \"batch_size\": 32, \"lr\": 0.002},"
        " \"buffer\": {\"capacity\": 400}, \"batches_per_sim\": 25,"
        " \"validation\": {\"n_sims\": 6, \"seed\": 2}}";
    study_config c;
    char err[256];
    CHECK(study_config_parse(longer, &c, err, sizeof err) == OGAS_OK);
    study_validation *val = NULL;
    CHECK(study_validation_for_config(&c, 1, &val, err, sizeof err) == OGAS_OK);
    study_run_options o = {.validation = val, .keep_surrogate = 1};
    study_result *r = NULL;
    CHECK(study_run(&c, &o, &r, err, sizeof err) == OGAS_OK);
    if (r && val) {
      surrogate_config sc = *surrogate_get_config(r->surrogate);
      surrogate *fresh = NULL;
      CHECK(surrogate_create(&sc, &fresh, err, sizeof err) == OGAS_OK);
      const float *t = study_validation_trajectory(val, 0);
      CHECK(surrogate_fit_normalization(fresh, t, t + r->state_size, r->n_steps) == OGAS_OK);
      double before[6], after[6];
      CHECK(study_validation_evaluate(val, fresh, before, NULL) == OGAS_OK);
      CHECK(study_validation_evaluate(val, r->surrogate, after, NULL) == OGAS_OK);
      double mb = 0, ma = 0;
      for (int i = 0; i < 6; i++) mb += before[i] / 6, ma += after[i] / 6;
      CHECK_MSG(ma < 0.75 * mb, "validation nRMSE untrained %g, trained %g", mb, ma);
      CHECK(ma == r->val_stats.mean || fabs(ma - r->val_stats.mean) < 1e-12);

      /* Rollout error (default horizon 10). One step of rollout is the
         first pair's one-step error; the horizon-5 rollout equals a rollout
         done here one simulation at a time; training helps it too. */
      CHECK(r->rollout_steps == 10 && r->val_rollout_nrmse);
      size_t S = r->state_size, T = r->val_steps, P = r->nb_params;
      double one[6], pair[6 * 20], roll[6], fresh_roll[6];
      CHECK(T == 20);
      CHECK(study_validation_evaluate(val, r->surrogate, after, pair) == OGAS_OK);
      CHECK(study_validation_rollout(val, r->surrogate, 1, one) == OGAS_OK);
      for (int i = 0; i < 6; i++) /* equal up to the rows' float rounding in other batches */
        CHECK(fabs(one[i] - pair[(size_t)i * T]) <= 1e-5 * pair[(size_t)i * T]);
      CHECK(study_validation_rollout(val, r->surrogate, 5, roll) == OGAS_OK);
      float *cur = malloc(2 * S * sizeof(float)), *z = malloc(P * sizeof(float));
      const double *lo = r->lower, *hi = r->upper;
      for (int i = 0; i < 6 && cur && z; i++) {
        const float *traj = study_validation_trajectory(val, (size_t)i);
        surrogate_normalize_params(P, lo, hi, study_validation_params(val) + (size_t)i * P, z);
        memcpy(cur, traj, S * sizeof(float));
        double sum = 0;
        for (size_t step = 1; step <= 5; step++) {
          CHECK(surrogate_predict(r->surrogate, cur, z, 1, cur + S) == OGAS_OK);
          const float *truth = traj + step * S;
          double e2 = 0, n2 = 0;
          for (size_t j = 0; j < S; j++) {
            double d = (double)cur[S + j] - truth[j];
            e2 += d * d, n2 += (double)truth[j] * truth[j];
          }
          sum += sqrt(e2) / fmax(sqrt(n2), study_validation_floor(val));
          memcpy(cur, cur + S, S * sizeof(float));
        }
        CHECK_MSG(fabs(roll[i] - sum / 5) <= 1e-5 * sum / 5, "rollout %d: %g vs %g", i, roll[i],
                  sum / 5);
      }
      free(cur), free(z);
      CHECK(study_validation_rollout(val, fresh, 10, fresh_roll) == OGAS_OK);
      double rb = 0, ra = r->val_rollout_stats.mean;
      for (int i = 0; i < 6; i++) rb += fresh_roll[i] / 6;
      CHECK_MSG(ra < 0.75 * rb, "rollout nRMSE untrained %g, trained %g", rb, ra);
      CHECK(study_validation_rollout(val, r->surrogate, 0, roll) == OGAS_EINVAL);
      CHECK(study_validation_rollout(val, r->surrogate, T + 1, roll) == OGAS_EINVAL);
      /* The training loss falls too. */
      double first = 0, last = 0;
      for (int i = 0; i < 50; i++)
        first += r->train_loss[i], last += r->train_loss[r->grad_steps - 1 - i];
      CHECK_MSG(last < 0.5 * first, "training loss %g -> %g", first / 50, last / 50);
      surrogate_free(fresh);
    }
    study_result_free(r);
    study_validation_free(val);
    study_config_free(&c);
  }

  /* sbal: reproducible; waits for 4 finished simulations, then fills each
     break's rows with pool candidates; its ensemble's training is its CPU. */
  {
    study_result *a = run(tiny, STUDY_SAMPLER_SBAL, 1, NULL),
                 *b = run(tiny, STUDY_SAMPLER_SBAL, 1, NULL);
    if (a && b) {
      CHECK_MSG(same_results(a, b), "sbal: two runs differ");
      CHECK(a->grad_steps == 160 && a->sims_failed == 0);
      int64_t chosen = 0, waited = 0;
      for (size_t g = 0; g < a->n_generations; g++) {
        const study_generation *gen = &a->generations[g];
        if (gen->first_id < 0) {
          waited++;
          CHECK_MSG(strstr(gen->note, "sbal waits"), "%s", gen->note);
          continue;
        }
        CHECK(gen->n_bred == gen->last_id - gen->first_id + 1);
        for (int64_t id = gen->first_id; id <= gen->last_id; id++) chosen += a->is_bred[id];
      }
      CHECK_MSG(chosen > 0 && waited > 0, "sbal chose %lld rows, waited %lld breaks",
                (long long)chosen, (long long)waited);
      CHECK(a->sampler_cpu_s > 0);
    }
    study_result_free(a), study_result_free(b);
  }

  /* Concurrent mode: same budget, every simulation runs. */
  {
    /* A batch (64) larger than a round of simulations (2 x 10 steps): the
       simulations must not wait for a trainer that waits for them (this
       hung before the rate limit waited for min_fill). */
    study_result *big =
        run("{\"problem\": \"heat2d\", \"pde\": {\"grid\": 8, \"n_steps\": 10}, \"nb_sims\": 12,"
            " \"concurrent_sims\": 2, \"surrogate\": {\"width\": 16, \"blocks\": 1},"
            " \"validation\": {\"n_sims\": 4}}",
            STUDY_SAMPLER_UNIFORM, 0, NULL);
    if (big) CHECK(big->grad_steps == 120 && big->sims_failed == 0);
    study_result_free(big);
    study_result *r = run(tiny, STUDY_SAMPLER_BREED, 0, NULL);
    if (r) {
      CHECK(r->grad_steps == 160);
      CHECK(r->samples_streamed == 160);
      for (int i = 0; i < 16; i++) CHECK(r->sim_status[i] == 0);
      CHECK(r->sim_cpu_s > 0 && r->wall_s > 0);
      CHECK(isfinite(r->val_stats.mean));
    }
    study_result_free(r);
    r = run(tiny, STUDY_SAMPLER_OGAS, 0, NULL);
    if (r) CHECK(r->grad_steps == 160 && r->sampler_cpu_s > 0);
    study_result_free(r);
    r = run(tiny, STUDY_SAMPLER_SBAL, 0, NULL); /* scoring on the trainer, sims running */
    if (r) CHECK(r->grad_steps == 160 && r->sims_failed == 0 && r->sampler_cpu_s > 0);
    study_result_free(r);
  }

  /* Strict config. */
  {
    study_config c;
    char err[256];
    CHECK(
        study_config_parse("{\"problem\": \"ks1d\", \"nb_sims\": 4, \"surrogate\": {\"widht\": 8}}",
                           &c, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "'surrogate.widht'") && strstr(err, "'surrogate.width'"), "%s", err);
    CHECK(study_config_parse("{\"problem\": \"ks1d\", \"nb_sims\": \"4\"}", &c, err, sizeof err) ==
          OGAS_EINVAL);
    CHECK_MSG(strstr(err, "nb_sims") && strstr(err, "string"), "%s", err);
    CHECK(study_config_parse("{\"nb_sims\": 4}", &c, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "problem"), "%s", err);
    CHECK(study_config_parse("{\"problem\": \"ks3d\", \"nb_sims\": 4}", &c, err, sizeof err) ==
          OGAS_EINVAL);
    CHECK_MSG(strstr(err, "ks3d") && strstr(err, "kolmogorov2d"), "%s", err);
    CHECK(study_config_parse(
              "{\"problem\": \"ks2d\", \"nb_sims\": 4, \"pde\": {\"warmup_steps\": -2}}", &c, err,
              sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "pde.warmup_steps"), "%s", err);
    CHECK(study_config_parse(
              "{\"problem\": \"ks2d\", \"nb_sims\": 4, \"pde\": {\"warmup_steps\": -1}}", &c, err,
              sizeof err) == OGAS_OK);
    CHECK(c.pde.warmup_steps == -1);
    study_config_free(&c);
    CHECK(study_config_parse("{\"problem\": \"ks1d\", \"nb_sims\": 4, \"sampler\": \"grid\"}", &c,
                             err, sizeof err) == OGAS_EINVAL);
    CHECK(study_config_parse("{\"problem\": \"ks1d\",\n \"nb_sims\": 4,}", &c, err, sizeof err) ==
          OGAS_EINVAL);
    CHECK_MSG(strstr(err, "line 2"), "%s", err);
    CHECK(study_config_parse("{\"problem\": \"ks1d\", \"nb_sims\": 4, \"loss\": \"mse\"}", &c, err,
                             sizeof err) == OGAS_OK);
    CHECK(c.loss == STUDY_LOSS_MSE && c.ogas_json == NULL);
    CHECK(c.validation_n_sims == 750 && c.validation_rollout_steps == 10);
    CHECK(c.tuning.n_seeds == 0 && !c.tuning.has_validation_seed);
    /* generation_size: "auto" by default, resolved from the break rule:
       2 x max(min_finished 2, ceil(nn_updates 50 / batches_per_sim 10)) + 2. */
    CHECK(c.generation_size == STUDY_GENERATION_AUTO && study_config_generation_rows(&c) == 12);
    /* Breed's defaults are the reference DefaultBreeder's shrink and the
       breeder's signal settings. */
    CHECK(c.breed.shrink == 0.3 && c.breed.max_oob_count == 10 && c.breed.sigma == 0.1);
    CHECK(c.breed.normalize_losses && !c.breed.clip_loss_norm_to_3_sigma &&
          c.breed.min_max_queue_length == 20 && c.breed.max_loss_value == 5 &&
          c.breed.buffer_size == 6000 && c.breed.ema_loss_alpha == 0.3);
    study_config_free(&c);
    /* The tuning section and the rollout horizon. */
    CHECK(study_config_parse(
              "{\"problem\": \"ks1d\", \"nb_sims\": 4, \"validation\": "
              "{\"rollout_steps\": 0}, \"tuning\": {\"seeds\": [0, \"18446744073709551615\"], "
              "\"validation_seed\": 3}}",
              &c, err, sizeof err) == OGAS_OK);
    CHECK(c.validation_rollout_steps == 0 && c.tuning.n_seeds == 2 &&
          c.tuning.seeds[1] == UINT64_MAX && c.tuning.has_validation_seed &&
          c.tuning.validation_seed == 3);
    study_config_free(&c);
    CHECK(study_config_parse("{\"problem\": \"ks1d\", \"nb_sims\": 4, \"generation_size\": -1}", &c,
                             err, sizeof err) == OGAS_OK);
    CHECK(study_config_generation_rows(&c) == -1);
    study_config_free(&c);
    CHECK(study_config_parse("{\"problem\": \"ks1d\", \"nb_sims\": 4, \"generation_size\": 30,"
                             " \"min_finished_between_generations\": 40}",
                             &c, err, sizeof err) == OGAS_OK);
    CHECK(study_config_generation_rows(&c) == 30);
    study_config_free(&c);
    CHECK(
        study_config_parse("{\"problem\": \"ks1d\", \"nb_sims\": 4, \"generation_size\": \"auto\","
                           " \"min_finished_between_generations\": 40}",
                           &c, err, sizeof err) == OGAS_OK);
    CHECK(study_config_generation_rows(&c) == 82);
    study_config_free(&c);
    static const char *const bad[][2] = {
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"generation_size\": 0}", "generation_size"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"generation_size\": \"all\"}",
         "generation_size"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"tuning\": {\"seeds\": [1, -2]}}",
         "tuning.seeds[1]"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"tuning\": {\"seeds\": 3}}", "tuning.seeds"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"tuning\": {\"seed\": [3]}}", "'tuning.seed'"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"validation\": {\"rollout_steps\": -1}}",
         "validation.rollout_steps"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
      CHECK(study_config_parse(bad[i][0], &c, err, sizeof err) == OGAS_EINVAL);
      CHECK_MSG(strstr(err, bad[i][1]), "%s: %s", bad[i][0], err);
    }
  }

  /* Breed's keys: max_oob_attempts is the former name of max_oob_count;
     the signal keys follow the "ogas" section's "data" unless "breed" sets
     them; a bad key or value is named. */
  {
    study_config c;
    char err[256];
#define CFG(breed, ogas) \
  "{\"problem\": \"ks1d\", \"nb_sims\": 4, \"breed\": {" breed "}, \"ogas\": {" ogas "}}"
    CHECK(study_config_parse(CFG("\"max_oob_attempts\": 3", ""), &c, err, sizeof err) == OGAS_OK);
    CHECK(c.breed.max_oob_count == 3);
    study_config_free(&c);
    CHECK(study_config_parse(CFG("\"max_oob_count\": 0, \"shrink\": 0.5", ""), &c, err,
                             sizeof err) == OGAS_OK);
    CHECK(c.breed.max_oob_count == 0 && c.breed.shrink == 0.5);
    study_config_free(&c);
    CHECK(study_config_parse(CFG("\"max_oob_count\": 2, \"max_oob_attempts\": 3", ""), &c, err,
                             sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "breed.max_oob_attempts") && strstr(err, "max_oob_count"), "%s", err);
    CHECK(study_config_parse(CFG("\"max_oob_cont\": 2", ""), &c, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "'breed.max_oob_cont'") && strstr(err, "'breed.max_oob_count'"), "%s",
              err);
    CHECK(study_config_parse(CFG("\"min_max_queue_length\": 9",
                                 "\"data\": {\"buffer_size\": 500, \"min_max_queue_length\": 7,"
                                 " \"normalize_losses\": false, \"ema_loss_alpha\": 0.5}"),
                             &c, err, sizeof err) == OGAS_OK);
    CHECK(c.breed.buffer_size == 500 && c.breed.min_max_queue_length == 9 &&
          !c.breed.normalize_losses && c.breed.ema_loss_alpha == 0.5);
    study_config_free(&c);
    CHECK(study_config_parse(CFG("", "\"data\": {\"buffer_size\": \"many\"}"), &c, err,
                             sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "ogas.data.buffer_size"), "%s", err);
    CHECK(study_config_parse(CFG("\"normalize_losses\": 1", ""), &c, err, sizeof err) ==
          OGAS_EINVAL);
    CHECK_MSG(strstr(err, "breed.normalize_losses") && strstr(err, "boolean"), "%s", err);
    CHECK(study_config_parse(CFG("\"shrink\": 1", ""), &c, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, "breed.shrink"), "%s", err);
#undef CFG
  }
  return check_exit("test_study_run");
}

/* The study's one-step surrogate: finite-difference check of the whole
   backward pass (every parameter, weighted loss, two channels) for the MLP
   and the periodic conv1d net, with the MSE and the nRMSE training losses;
   per-sample losses against a direct computation from the predictions;
   normalisation; the conv net's translation equivariance and its fixed point
   at 0; a few hundred steps that learn a known map with each; the cosine
   learning-rate schedule; and the study config keys that choose all this,
   down to a tiny deterministic ks1d study where the conv net beats the MLP. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/rng.h"
#include "ogas.h"
#include "study/study.h"
#include "study/surrogate.h"

enum { S = 6, C = 2, P = 2, W = 8, NB = 2, B = 5 };
static surrogate *sur;
static float states[B * S], next[B * S], z[B * P], w[B] = {1.0f, 0.5f, 2.0f, 1.0f, 0.25f};

static double objective(void *ctx) {
  (void)ctx;
  float loss;
  surrogate_loss_and_grad(sur, states, next, z, w, B, STUDY_LOSS_MSE, &loss, NULL);
  return loss;
}

/* Finite differences for a conv1d net of C2 channels x N2 points. */
enum { C2 = 2, N2 = 7, S2C = C2 * N2, P2 = 3, B2 = 3 };
static surrogate *conv;
static float cst[B2 * S2C], cnx[B2 * S2C], cz[B2 * P2], cw[B2] = {1.0f, 0.5f, 2.0f};

static double conv_objective(void *ctx) {
  (void)ctx;
  float loss;
  surrogate_loss_and_grad(conv, cst, cnx, cz, cw, B2, STUDY_LOSS_NRMSE, &loss, NULL);
  return loss;
}

static void check_conv(ogas_rng *r, surrogate_train_loss tl, int n_blocks) {
  surrogate_config cfg = {.state_size = S2C,
                          .channels = C2,
                          .nb_params = P2,
                          .width = 4,
                          .n_blocks = n_blocks,
                          .max_batch = B2,
                          .lr = 1e-3f,
                          .grad_clip = 1.0f,
                          .seed = 5,
                          .arch = SURROGATE_CONV1D,
                          .kernel = 3,
                          .train_loss = tl};
  char err[128];
  CHECK(surrogate_create(&cfg, &conv, err, sizeof err) == OGAS_OK);
  size_t n = surrogate_param_count(conv);
  CHECK(n == (size_t)(4 * 3 * C2 + n_blocks * (4 * P2 + 4 + 2 * 4 * 3 * 4) + C2 * 3 * 4));
  for (int i = 0; i < B2 * S2C; i++) {
    cst[i] = (float)ogas_rng_normal(r);
    cnx[i] = cst[i] + 0.3f * (float)ogas_rng_normal(r);
  }
  for (int i = 0; i < B2 * P2; i++) cz[i] = (float)(2 * ogas_rng_uniform(r) - 1);
  CHECK(surrogate_fit_normalization(conv, cst, cnx, B2) == OGAS_OK);
  float *params = surrogate_params(conv);
  for (size_t i = 0; i < n; i++) params[i] += 0.2f * (float)ogas_rng_normal(r);
  float *grads = malloc(n * sizeof(float));
  conv_objective(NULL);
  memcpy(grads, surrogate_grads(conv), n * sizeof(float));
  CHECK(gradcheck(tl == SURROGATE_TRAIN_NRMSE ? "conv1d params (nrmse loss)" : "conv1d params",
                  conv_objective, NULL, params, grads, n, 1e-2f, 2e-3, 5e-3));
  free(grads);

  /* Equivariance: shifting every channel of the input by one point shifts
     the prediction; and u = 0 predicts 0. */
  float shifted[S2C], p0[S2C], p1[S2C], zero[S2C] = {0};
  for (int c = 0; c < C2; c++)
    for (int j = 0; j < N2; j++) shifted[c * N2 + (j + 1) % N2] = cst[c * N2 + j];
  CHECK(surrogate_predict(conv, cst, cz, 1, p0) == OGAS_OK);
  CHECK(surrogate_predict(conv, shifted, cz, 1, p1) == OGAS_OK);
  for (int c = 0; c < C2; c++)
    for (int j = 0; j < N2; j++) CHECK_NEAR(p1[c * N2 + (j + 1) % N2], p0[c * N2 + j], 1e-5);
  CHECK(surrogate_predict(conv, zero, cz, 1, p0) == OGAS_OK);
  for (int j = 0; j < S2C; j++) CHECK(p0[j] == 0.0f);
  surrogate_free(conv);
}

int main(void) {
  ogas_rng r;
  ogas_rng_seed(&r, 11, 0);
  surrogate_config cfg = {.state_size = S,
                          .channels = C,
                          .nb_params = P,
                          .width = W,
                          .n_blocks = NB,
                          .max_batch = B,
                          .lr = 1e-3f,
                          .weight_decay = 0.0f,
                          .grad_clip = 1.0f,
                          .seed = 1};
  char err[128];
  CHECK(surrogate_create(&cfg, &sur, err, sizeof err) == OGAS_OK);
  size_t n = surrogate_param_count(sur);
  CHECK(n == (size_t)(W * (S + P) + W) + NB * (2 * W + 2 * (W * W + W)) + 2 * W + (S * W + S));
  for (int i = 0; i < B * S; i++) {
    states[i] = (float)ogas_rng_normal(&r);
    next[i] = states[i] + 0.3f * (float)ogas_rng_normal(&r);
  }
  for (int i = 0; i < B * P; i++) z[i] = (float)(2 * ogas_rng_uniform(&r) - 1);
  CHECK(surrogate_fit_normalization(sur, states, next, B) == OGAS_OK);
  CHECK(surrogate_has_normalization(sur));
  float *params = surrogate_params(sur);
  for (size_t i = 0; i < n; i++) params[i] += 0.1f * (float)ogas_rng_normal(&r);
  float *grads = malloc(n * sizeof(float));
  objective(NULL);
  memcpy(grads, surrogate_grads(sur), n * sizeof(float));
  CHECK(gradcheck("surrogate params", objective, NULL, params, grads, n, 1e-2f, 2e-3, 5e-3));
  check_conv(&r, SURROGATE_TRAIN_MSE, 2);
  check_conv(&r, SURROGATE_TRAIN_NRMSE, 1);
  check_conv(&r, SURROGATE_TRAIN_NRMSE, 0);

  /* Per-sample losses match the predictions. */
  double ps[B];
  float pred[B * S], loss;
  CHECK(surrogate_predict(sur, states, z, B, pred) == OGAS_OK);
  for (int kind = 0; kind < 3; kind++) {
    CHECK(surrogate_loss_and_grad(sur, states, next, z, NULL, B, (study_loss_kind)kind, &loss,
                                  ps) == OGAS_OK);
    for (int i = 0; i < B; i++) {
      double e2 = 0, t2 = 0;
      for (int j = 0; j < S; j++) {
        double d = pred[i * S + j] - next[i * S + j];
        e2 += d * d, t2 += (double)next[i * S + j] * next[i * S + j];
      }
      double want = kind == STUDY_LOSS_MSE    ? e2 / S
                    : kind == STUDY_LOSS_RMSE ? sqrt(e2 / S)
                                              : sqrt(e2 / t2);
      CHECK_NEAR(ps[i], want, 1e-4);
    }
  }
  study_loss_kind k;
  CHECK(study_loss_parse("nrmse", &k) == 0 && k == STUDY_LOSS_NRMSE);
  CHECK(study_loss_parse("l1", &k) == -1);
  surrogate_arch a;
  surrogate_train_loss tl;
  CHECK(surrogate_arch_parse("conv1d", &a) == 0 && a == SURROGATE_CONV1D);
  CHECK(surrogate_arch_parse("cnn", &a) == -1);
  CHECK(surrogate_train_loss_parse("nrmse", &tl) == 0 && tl == SURROGATE_TRAIN_NRMSE);
  CHECK(!strcmp(surrogate_arch_name(SURROGATE_MLP), "mlp"));

  /* The nRMSE training loss of the MLP is the mean squared per-sample nRMSE. */
  {
    surrogate_config nc = cfg;
    nc.train_loss = SURROGATE_TRAIN_NRMSE;
    surrogate *ns = NULL;
    CHECK(surrogate_create(&nc, &ns, err, sizeof err) == OGAS_OK);
    CHECK(surrogate_fit_normalization(ns, states, next, B) == OGAS_OK);
    double want = 0;
    CHECK(surrogate_loss_and_grad(ns, states, next, z, NULL, B, STUDY_LOSS_NRMSE, &loss, ps) ==
          OGAS_OK);
    for (int i = 0; i < B; i++) want += ps[i] * ps[i] / B;
    CHECK_NEAR(loss, want, 1e-5 * (1 + want));
    surrogate_free(ns);
  }

  /* Bad configs are refused with a message. */
  surrogate *bad = NULL;
  surrogate_config bc = cfg;
  bc.channels = 4; /* does not divide 6 */
  CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL && bad == NULL);
  CHECK(strstr(err, "channels") != NULL);
  bc = cfg;
  bc.lr = 0;
  CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL);
  bc = cfg;
  bc.arch = SURROGATE_CONV1D;
  bc.kernel = 4; /* even */
  CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL && bad == NULL);
  CHECK(strstr(err, "kernel") != NULL);
  bc.kernel = 5; /* 3 points per channel */
  CHECK(surrogate_create(&bc, &bad, err, sizeof err) == OGAS_EINVAL);
  surrogate_free(sur);

  /* Learning: next = 0.9 u + 0.2 z0 u on one channel (linear in u, so the
     conv net can express it too); 400 steps bring the one-step nRMSE well
     below the untrained one, for each architecture and training loss. */
  enum { S2 = 8, N = 64 };
  float *u = malloc(N * S2 * sizeof(float)), *un = malloc(N * S2 * sizeof(float));
  float zz[N];
  for (int i = 0; i < N; i++) {
    zz[i] = (float)(2 * ogas_rng_uniform(&r) - 1);
    for (int j = 0; j < S2; j++) {
      u[i * S2 + j] = 1.0f + (float)ogas_rng_normal(&r);
      un[i * S2 + j] = (0.9f + 0.2f * zz[i]) * u[i * S2 + j];
    }
  }
  for (int variant = 0; variant < 4; variant++) {
    surrogate_config c2 = {.state_size = S2,
                           .channels = 1,
                           .nb_params = 1,
                           .width = 32,
                           .n_blocks = 2,
                           .max_batch = N,
                           .lr = 3e-3f,
                           .grad_clip = 1.0f,
                           .seed = 3,
                           .arch = variant & 1 ? SURROGATE_CONV1D : SURROGATE_MLP,
                           .kernel = 3,
                           .train_loss = variant & 2 ? SURROGATE_TRAIN_NRMSE : SURROGATE_TRAIN_MSE};
    if (variant & 1) c2.width = 8;
    CHECK(surrogate_create(&c2, &sur, err, sizeof err) == OGAS_OK);
    surrogate_fit_normalization(sur, u, un, N);
    double before = 0, after = 0, per[N];
    surrogate_loss_and_grad(sur, u, un, zz, NULL, N, STUDY_LOSS_NRMSE, &loss, per);
    for (int i = 0; i < N; i++) before += per[i] / N;
    for (int it = 0; it < 400; it++)
      CHECK(surrogate_train_step(sur, u, un, zz, NULL, N, STUDY_LOSS_NRMSE, &loss, NULL, NULL) ==
            OGAS_OK);
    surrogate_loss_and_grad(sur, u, un, zz, NULL, N, STUDY_LOSS_NRMSE, &loss, per);
    for (int i = 0; i < N; i++) after += per[i] / N;
    CHECK_MSG(after < 0.2 * before, "%s/%s: nrmse before %g after %g", surrogate_arch_name(c2.arch),
              surrogate_train_loss_name(c2.train_loss), before, after);
    CHECK(surrogate_steps(sur) == 400);
    surrogate_free(sur);
  }
  free(u), free(un), free(grads);

  /* Cosine schedule: lr at step 0, halfway between lr and f·lr at T/2, f·lr
     from T on; constant without decay steps. */
  {
    surrogate_config lc = cfg;
    lc.lr = 1e-3f, lc.lr_decay_steps = 100, lc.lr_final_fraction = 0.1f;
    surrogate *ls = NULL;
    CHECK(surrogate_create(&lc, &ls, err, sizeof err) == OGAS_OK);
    CHECK_NEAR(surrogate_lr_at(ls, 0), 1e-3, 1e-9);
    CHECK_NEAR(surrogate_lr_at(ls, 50), 0.55e-3, 1e-8);
    CHECK_NEAR(surrogate_lr_at(ls, 100), 1e-4, 1e-9);
    CHECK_NEAR(surrogate_lr_at(ls, 1000), 1e-4, 1e-9);
    surrogate_free(ls);
    lc.lr_decay_steps = 0;
    CHECK(surrogate_create(&lc, &ls, err, sizeof err) == OGAS_OK);
    CHECK_NEAR(surrogate_lr_at(ls, 1000), 1e-3, 1e-9);
    surrogate_free(ls);
    lc.lr_final_fraction = 1.5f;
    CHECK(surrogate_create(&lc, &ls, err, sizeof err) == OGAS_EINVAL);
  }

  /* Study config keys: parsed, refused with the key's name, and a tiny
     deterministic conv1d study with the cosine schedule and the nRMSE loss
     learns (its validation error is below "next = current"). */
  {
    study_config sc;
    const char *good =
        "{\"problem\": \"ks1d\", \"pde\": {\"grid\": 32, \"n_steps\": 10}, \"nb_sims\": 12,"
        " \"deterministic\": true, \"seed\": 3,"
        " \"surrogate\": {\"arch\": \"conv1d\", \"width\": 8, \"blocks\": 1, \"kernel\": 3,"
        "   \"batch_size\": 16, \"lr\": 0.01, \"train_loss\": \"mse\","
        "   \"lr_schedule\": \"cosine\", \"lr_final_fraction\": 0.1},"
        " \"buffer\": {\"capacity\": 200}, \"batches_per_sim\": 50,"
        " \"validation\": {\"n_sims\": 4, \"seed\": 9}}";
    CHECK_MSG(study_config_parse(good, &sc, err, sizeof err) == OGAS_OK, "%s", err);
    CHECK(sc.surrogate.arch == SURROGATE_CONV1D && sc.surrogate.kernel == 3);
    CHECK(sc.surrogate.train_loss == SURROGATE_TRAIN_MSE && sc.surrogate.lr_cosine);
    CHECK_NEAR(sc.surrogate.lr_final_fraction, 0.1, 1e-12);
    study_result *res = NULL;
    CHECK_MSG(study_run(&sc, NULL, &res, err, sizeof err) == OGAS_OK, "%s", err);
    if (res) {
      CHECK(res->grad_steps == 600);
      CHECK(isfinite(res->val_stats.mean) && isfinite(res->val_stats.max));
      /* Same study with the MLP of the same width: on ks1d (decaying small-L
         states, translation-invariant dynamics) the conv net is far better. */
      study_config mc = sc;
      mc.ogas_json = NULL;
      mc.surrogate.arch = SURROGATE_MLP;
      study_result *mres = NULL;
      CHECK_MSG(study_run(&mc, NULL, &mres, err, sizeof err) == OGAS_OK, "%s", err);
      if (mres)
        CHECK_MSG(res->val_stats.mean < 0.5 * mres->val_stats.mean, "conv1d %g, mlp %g",
                  res->val_stats.mean, mres->val_stats.mean);
      study_result_free(mres);
    }
    study_result_free(res);
    study_config_free(&sc);
    static const char *const bad_cfgs[][2] = {
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"surrogate\": {\"arch\": \"cnn\"}}",
         "surrogate.arch"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"surrogate\": {\"kernel\": 4}}",
         "surrogate.kernel"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"surrogate\": {\"train_loss\": \"l1\"}}",
         "surrogate.train_loss"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"surrogate\": {\"lr_schedule\": \"step\"}}",
         "surrogate.lr_schedule"},
        {"{\"problem\": \"ks1d\", \"nb_sims\": 4, \"surrogate\": {\"lr_final_fraction\": 2}}",
         "surrogate.lr_final_fraction"}};
    for (size_t i = 0; i < sizeof bad_cfgs / sizeof *bad_cfgs; i++) {
      CHECK(study_config_parse(bad_cfgs[i][0], &sc, err, sizeof err) == OGAS_EINVAL);
      CHECK_MSG(strstr(err, bad_cfgs[i][1]) != NULL, "%s", err);
    }
    /* conv1d is for 1-D problems. */
    CHECK(study_config_parse("{\"problem\": \"heat2d\", \"nb_sims\": 4, \"pde\": {\"grid\": 8},"
                             " \"surrogate\": {\"arch\": \"conv1d\", \"kernel\": 3}}",
                             &sc, err, sizeof err) == OGAS_OK);
    CHECK(study_run(&sc, NULL, &res, err, sizeof err) == OGAS_EINVAL && res == NULL);
    CHECK_MSG(strstr(err, "conv1d") != NULL, "%s", err);
    study_config_free(&sc);
  }
  return check_exit("test_study_surrogate");
}

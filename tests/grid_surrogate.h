/* Checks shared by the grid surrogates' tests (FNO, UNet): finite
   differences of the whole surrogate, shift equivariance, learning one exact
   step of the periodic heat equation, and tiny studies against the
   persistence forecast and an MLP. Include after check.h and gradcheck.h. */
#ifndef OGAS_TEST_GRID_SURROGATE_H
#define OGAS_TEST_GRID_SURROGATE_H

#include <stdlib.h>
#include <string.h>

#include "nn/rng.h"
#include "ogas.h"
#include "study/study.h"
#include "study/surrogate.h"

typedef struct {
  surrogate *s;
  const float *u, *un, *z, *w;
  int B;
} fd_ctx;

static double objective(void *p) {
  fd_ctx *c = p;
  float loss;
  surrogate_loss_and_grad(c->s, c->u, c->un, c->z, c->w, c->B, STUDY_LOSS_NRMSE, &loss, NULL);
  return loss;
}

/* Finite differences of the whole backward pass of the surrogate `cfg`
   (state_size, channels, ny, nb_params, arch and its keys set; batch 3, the
   nRMSE loss kind), every parameter moved off its initial value. */
static void check_grad(const char *what, surrogate_config cfg, ogas_rng *r) {
  enum { B = 3 };
  int S = (int)cfg.state_size, P = (int)cfg.nb_params;
  cfg.max_batch = B, cfg.lr = 1e-3f, cfg.grad_clip = 1.0f, cfg.seed = 7;
  surrogate *s = NULL;
  char err[200];
  CHECK_MSG(surrogate_create(&cfg, &s, err, sizeof err) == OGAS_OK, "%s: %s", what, err);
  if (!s) return;
  float *u = malloc((size_t)B * S * sizeof(float)), *un = malloc((size_t)B * S * sizeof(float));
  float z[B * 8], w[B] = {1.0f, 0.5f, 2.0f};
  for (int i = 0; i < B * S; i++) {
    u[i] = (float)ogas_rng_normal(r);
    un[i] = u[i] + 0.3f * (float)ogas_rng_normal(r);
  }
  for (int i = 0; i < B * P; i++) z[i] = (float)(2 * ogas_rng_uniform(r) - 1);
  CHECK(surrogate_fit_normalization(s, u, un, B) == OGAS_OK);
  size_t n = surrogate_param_count(s);
  float *params = surrogate_params(s), *grads = malloc(n * sizeof(float));
  /* Move every weight off its initial value (FiLM maps start at zero). */
  for (size_t i = 0; i < n; i++) params[i] += 0.3f * (float)ogas_rng_normal(r);
  fd_ctx c = {s, u, un, P ? z : NULL, w, B};
  objective(&c);
  memcpy(grads, surrogate_grads(s), n * sizeof(float));
  printf("%s: %zu fields x %zu points, ny %zu, P %d, %d blocks, coords %d, %s loss, %zu params\n",
         what, cfg.channels, cfg.state_size / cfg.channels, cfg.ny, P, cfg.n_blocks, cfg.coords,
         surrogate_train_loss_name(cfg.train_loss), n);
  CHECK(gradcheck(what, objective, &c, params, grads, n, 1e-2f, 2e-3, 5e-3));
  free(u), free(un), free(grads);
  surrogate_free(s);
}

/* Shifting every field by (dy, dx) points shifts the prediction (no
   coordinates), and u = 0 predicts 0. cfg as for check_grad, nb_params 2. */
static void check_equivariance(surrogate_config cfg, int dy, int dx, ogas_rng *r) {
  int S = (int)cfg.state_size, C = (int)cfg.channels, ny = cfg.ny > 1 ? (int)cfg.ny : 1;
  int nx = S / C / ny;
  cfg.nb_params = 2, cfg.max_batch = 2, cfg.lr = 1e-3f, cfg.grad_clip = 1.0f, cfg.seed = 3;
  surrogate *s = NULL;
  char err[200];
  CHECK_MSG(surrogate_create(&cfg, &s, err, sizeof err) == OGAS_OK, "%s", err);
  if (!s) return;
  float *params = surrogate_params(s);
  for (size_t i = 0; i < surrogate_param_count(s); i++)
    params[i] += 0.2f * (float)ogas_rng_normal(r);
  float *u = malloc((size_t)S * sizeof(float)), *sh = malloc((size_t)S * sizeof(float));
  float *p0 = malloc((size_t)S * sizeof(float)), *p1 = malloc((size_t)S * sizeof(float));
  float z[2] = {0.3f, -0.7f};
  for (int i = 0; i < S; i++) u[i] = (float)ogas_rng_normal(r);
  for (int c = 0; c < C; c++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++)
        sh[(c * ny + (y + dy) % ny) * nx + (x + dx) % nx] = u[(c * ny + y) * nx + x];
  CHECK(surrogate_predict(s, u, z, 1, p0) == OGAS_OK);
  CHECK(surrogate_predict(s, sh, z, 1, p1) == OGAS_OK);
  double maxd = 0;
  for (int c = 0; c < C; c++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++)
        maxd = fmax(maxd, fabs(p1[(c * ny + (y + dy) % ny) * nx + (x + dx) % nx] -
                               p0[(c * ny + y) * nx + x]));
  CHECK_MSG(maxd < 1e-4, "shifted prediction differs by %g (%d x %d x %d)", maxd, C, ny, nx);
  memset(u, 0, (size_t)S * sizeof(float));
  CHECK(surrogate_predict(s, u, z, 1, p0) == OGAS_OK);
  for (int i = 0; i < S; i++) CHECK(p0[i] == 0.0f);
  free(u), free(sh), free(p0), free(p1);
  surrogate_free(s);
}

/* u_{t+1} = irfft(exp(-ν |k|² dt) rfft(u)) with ν = 1 + 0.8 z: the exact step
   of u_t = ν Δu on the periodic unit box with N points per side. u is random
   with modes |k| <= 4. */
static void heat_step(int ny, int nx, const float *u, double nu, float *un) {
  const double two_pi = 6.283185307179586, dt = 2e-3;
  int N = ny * nx;
  /* Direct DFT: small grids only. */
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) un[y * nx + x] = 0.0f;
  for (int ky = 0; ky < ny; ky++)
    for (int kx = 0; kx < nx; kx++) {
      int sy = ky <= ny / 2 ? ky : ky - ny, sx = kx <= nx / 2 ? kx : kx - nx;
      double re = 0, im = 0;
      for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
          double ph = two_pi * ((double)ky * y / ny + (double)kx * x / nx);
          re += u[y * nx + x] * cos(ph), im -= u[y * nx + x] * sin(ph);
        }
      double k2 = two_pi * two_pi * ((double)sy * sy + (double)sx * sx);
      double g = exp(-nu * k2 * dt) / N;
      for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
          double ph = two_pi * ((double)ky * y / ny + (double)kx * x / nx);
          un[y * nx + x] += (float)(g * (re * cos(ph) - im * sin(ph)));
        }
    }
}

static void random_field(int ny, int nx, float *u, ogas_rng *r) {
  const double two_pi = 6.283185307179586;
  memset(u, 0, (size_t)ny * nx * sizeof(float));
  int ky_max = ny > 1 ? 4 : 0;
  for (int ky = -ky_max; ky <= ky_max; ky++)
    for (int kx = 0; kx <= 4; kx++) {
      double a = ogas_rng_normal(r) / (1 + ky * ky + kx * kx),
             b = ogas_rng_normal(r) / (1 + ky * ky + kx * kx);
      for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
          double ph = two_pi * ((double)ky * y / ny + (double)kx * x / nx);
          u[y * nx + x] += (float)(a * cos(ph) + b * sin(ph));
        }
    }
}

/* Trains the one-channel surrogate cfg (state_size, ny, arch and its keys)
   for `steps` steps of 32 pairs drawn from 512 and returns the relative
   error of the predicted increment on 64 held-out pairs, ||Δû - Δu|| / ||Δu||. */
static double learn_heat(surrogate_config cfg, int steps, ogas_rng *r) {
  enum { BATCH = 32, POOL = 512, TEST = 64 };
  int S = (int)cfg.state_size, ny = cfg.ny > 1 ? (int)cfg.ny : 1, nx = S / ny;
  float *u = malloc((size_t)(POOL + TEST) * S * sizeof(float));
  float *un = malloc((size_t)(POOL + TEST) * S * sizeof(float)), z[POOL + TEST];
  for (int i = 0; i < POOL + TEST; i++) {
    z[i] = (float)(2 * ogas_rng_uniform(r) - 1);
    random_field(ny, nx, u + (size_t)i * S, r);
    heat_step(ny, nx, u + (size_t)i * S, 1.0 + 0.8 * z[i], un + (size_t)i * S);
  }
  cfg.channels = 1, cfg.nb_params = 1, cfg.max_batch = TEST, cfg.lr = 1e-2f, cfg.grad_clip = 1.0f;
  cfg.seed = 1, cfg.lr_decay_steps = steps, cfg.lr_final_fraction = 0.05f;
  surrogate *s = NULL;
  char err[200];
  CHECK_MSG(surrogate_create(&cfg, &s, err, sizeof err) == OGAS_OK, "%s", err);
  double rel = INFINITY;
  if (s) {
    CHECK(surrogate_fit_normalization(s, u, un, POOL) == OGAS_OK);
    float *bu = malloc((size_t)BATCH * S * sizeof(float)),
          *bn = malloc((size_t)BATCH * S * sizeof(float));
    float bz[BATCH], loss;
    for (int it = 0; it < steps; it++) {
      for (int b = 0; b < BATCH; b++) {
        size_t k = (size_t)ogas_rng_below(r, POOL);
        memcpy(bu + (size_t)b * S, u + k * S, (size_t)S * sizeof(float));
        memcpy(bn + (size_t)b * S, un + k * S, (size_t)S * sizeof(float));
        bz[b] = z[k];
      }
      CHECK(surrogate_train_step(s, bu, bn, bz, NULL, BATCH, STUDY_LOSS_NRMSE, &loss, NULL, NULL) ==
            OGAS_OK);
    }
    float *pred = malloc((size_t)TEST * S * sizeof(float));
    const float *tu = u + (size_t)POOL * S, *tn = un + (size_t)POOL * S;
    CHECK(surrogate_predict(s, tu, z + POOL, TEST, pred) == OGAS_OK);
    double e2 = 0, d2 = 0;
    for (size_t i = 0; i < (size_t)TEST * S; i++) {
      double d = (double)tn[i] - tu[i], e = (double)pred[i] - tn[i];
      e2 += e * e, d2 += d * d;
    }
    rel = sqrt(e2 / d2);
    free(pred), free(bu), free(bn);
  }
  surrogate_free(s);
  free(u), free(un);
  return rel;
}

/* Mean over validation simulations of the persistence forecast's one-step
   nRMSE (û_{t+1} = u_t), with the validation set's floor. */
static double persistence_mean(const study_validation *v) {
  size_t n = study_validation_n_sims(v), T = study_validation_n_steps(v);
  size_t S = study_validation_state_size(v);
  double fl = study_validation_floor(v), acc = 0;
  for (size_t i = 0; i < n; i++) {
    const float *tr = study_validation_trajectory(v, i);
    double sim = 0;
    for (size_t t = 0; t < T; t++) {
      double e2 = 0, n2 = 0;
      for (size_t j = 0; j < S; j++) {
        double a = tr[t * S + j], b = tr[(t + 1) * S + j];
        e2 += (a - b) * (a - b), n2 += b * b;
      }
      sim += sqrt(e2) / fmax(sqrt(n2), fl);
    }
    acc += sim / T;
  }
  return acc / n;
}

/* Runs the study `json` (a grid surrogate) and the same study with the MLP of
   `mlp_surrogate` on one validation set; its mean validation nRMSE
   must be below vs_persistence x the persistence forecast's and below
   vs_mlp x the MLP's. Returns nothing; failures are counted. */
static void tiny_study(const char *json, const char *mlp_surrogate, double vs_persistence,
                       double vs_mlp) {
  study_config sc, mc;
  char err[256], mjson[2048];
  CHECK_MSG(study_config_parse(json, &sc, err, sizeof err) == OGAS_OK, "%s", err);
  /* The same text with the surrogate section replaced. */
  const char *a = strstr(json, "\"surrogate\""), *b = a ? strchr(a, '}') : NULL;
  CHECK(a && b);
  if (!a || !b) return;
  snprintf(mjson, sizeof mjson, "%.*s\"surrogate\": %s%s", (int)(a - json), json, mlp_surrogate,
           b + 1);
  CHECK_MSG(study_config_parse(mjson, &mc, err, sizeof err) == OGAS_OK, "%s", err);
  study_validation *v = NULL;
  CHECK_MSG(study_validation_for_config(&sc, 1, &v, err, sizeof err) == OGAS_OK, "%s", err);
  study_run_options o = {.validation = v};
  study_result *res = NULL, *mres = NULL;
  if (v) CHECK_MSG(study_run(&sc, &o, &res, err, sizeof err) == OGAS_OK, "%s", err);
  if (v) CHECK_MSG(study_run(&mc, &o, &mres, err, sizeof err) == OGAS_OK, "%s", err);
  if (res && mres) {
    double pm = persistence_mean(v);
    const char *arch = surrogate_arch_name(sc.surrogate.arch);
    printf("study %s: %s mean val nRMSE %.4g (max %.4g, %.1f s), mlp %.4g, persistence %.4g\n",
           sc.problem, arch, res->val_stats.mean, res->val_stats.max, res->wall_s,
           mres->val_stats.mean, pm);
    CHECK_MSG(res->val_stats.mean < vs_persistence * pm, "%s: %s %g vs persistence %g", sc.problem,
              arch, res->val_stats.mean, pm);
    CHECK_MSG(res->val_stats.mean < vs_mlp * mres->val_stats.mean, "%s: %s %g vs mlp %g",
              sc.problem, arch, res->val_stats.mean, mres->val_stats.mean);
  }
  study_result_free(res);
  study_result_free(mres);
  study_validation_free(v);
  study_config_free(&sc);
  study_config_free(&mc);
}

#endif

/* train_team: a DDPM training step split over 2 and 3 threads (every layer
   by output units, LayerNorms by rows) equals the one-thread step up to the
   order of floating-point sums (after 1 step and after 60, weights within
   the tolerances below), is the same bit for bit on every run for a given
   thread count, handles a minibatch smaller than the team and one with every condition dropped, and
   ddpm_model_set_threads(m, 1) returns to the one-thread step exactly; a
   breeder with model.n_threads 2 breeds, reproducibly in sync mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ddpm/ddpm.h"
#include "nn/blas_threads.h"
#include "synth/synth.h"

enum { D = 6, B = 128, N_DATA = 512 };

static ddpm_config config(void) {
  ddpm_config cfg = {.shape = {D, 64, 2},
                     .schedule = SCHEDULE_COSINE,
                     .timesteps = 50,
                     .adam = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f},
                     .grad_clip = 1.0f,
                     .ema_decay = 0.999f,
                     .p_uncond = 0.1f,
                     .batch_size = B,
                     .box_prior = 1};
  return cfg;
}

/* Train a fresh model (seed 7) for `steps` steps of `rows` rows on `threads`
   threads; the weights and the EMA go to params / ema (n floats each). */
static float train(int threads, int steps, int rows, float p_uncond, float *params, float *ema,
                   size_t *n) {
  ddpm_config cfg = config();
  cfg.p_uncond = p_uncond;
  ogas_rng r;
  ogas_rng_seed(&r, 7, 0);
  ddpm_model m;
  CHECK(ddpm_model_init(&m, &cfg, &r) == 0);
  CHECK(ddpm_model_set_threads(&m, threads) == 0);
  static float z[N_DATA * D], c[N_DATA], w[N_DATA];
  for (int i = 0; i < N_DATA; i++) {
    double s = 0;
    for (int k = 0; k < D; k++) s += z[i * D + k] = (float)(2 * ogas_rng_uniform(&r) - 1);
    c[i] = (float)(s / D + 1) / 2, w[i] = 0.5f + (float)ogas_rng_uniform(&r);
  }
  float loss = 0;
  for (int s = 0; s < steps; s++) {
    int at = (s * rows) % (N_DATA - rows);
    loss = ddpm_train_step(&m, z + at * D, c + at, w + at, rows, &r);
  }
  *n = m.n_params;
  memcpy(params, m.params, m.n_params * sizeof(float));
  memcpy(ema, m.ema, m.n_params * sizeof(float));
  ddpm_model_free(&m);
  return loss;
}

static double max_diff(const float *a, const float *b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]));
  return worst;
}

int main(void) {
  blas_set_threads(1);
  ddpm_config cfg = config();
  size_t n = denoiser_param_count(&cfg.shape), n2;
  float *p1 = malloc(n * sizeof(float)), *e1 = malloc(n * sizeof(float));
  float *pt = malloc(n * sizeof(float)), *et = malloc(n * sizeof(float));
  float *pr = malloc(n * sizeof(float)), *er = malloc(n * sizeof(float));
  CHECK(p1 && e1 && pt && et && pr && er);
  if (!(p1 && e1 && pt && et && pr && er)) return check_exit("test_train_team");

  for (int threads = 2; threads <= 3; threads++) {
    /* One step: only the sums' order differs (an Adam step moves a weight
       by about lr = 1e-3, so 1e-6 is a thousandth of a step). */
    float l1 = train(1, 1, B, 0.1f, p1, e1, &n2);
    float lt = train(threads, 1, B, 0.1f, pt, et, &n2);
    double dp = max_diff(p1, pt, n);
    CHECK_MSG(fabsf(l1 - lt) <= 1e-5f * l1, "%d threads: loss %g vs %g", threads, lt, l1);
    CHECK_MSG(dp < 1e-6, "%d threads, 1 step: weights differ by %g", threads, dp);
    /* 60 steps: the rounding differences grow as in any SGD, slowly. */
    l1 = train(1, 60, B, 0.1f, p1, e1, &n2);
    lt = train(threads, 60, B, 0.1f, pt, et, &n2);
    dp = max_diff(p1, pt, n);
    double de = max_diff(e1, et, n);
    printf("%d threads, 60 steps: loss %.6f vs %.6f, weights within %.2g, EMA within %.2g\n",
           threads, lt, l1, dp, de);
    CHECK_MSG(dp < 1e-5 && de < 1e-5, "%d threads, 60 steps: %g / %g", threads, dp, de);
    CHECK(fabsf(l1 - lt) <= 1e-2f * l1);
    /* The same thread count twice: the same bits. */
    train(threads, 60, B, 0.1f, pr, er, &n2);
    CHECK_MSG(!memcmp(pt, pr, n * sizeof(float)) && !memcmp(et, er, n * sizeof(float)),
              "%d threads: two runs differ", threads);
  }
  /* Fewer rows than members, and no conditioned row at all. */
  train(1, 5, 2, 0.1f, p1, e1, &n2);
  train(3, 5, 2, 0.1f, pt, et, &n2);
  CHECK_MSG(max_diff(p1, pt, n) < 1e-5, "2 rows on 3 threads: %g", max_diff(p1, pt, n));
  train(1, 5, B, 1.0f, p1, e1, &n2);
  train(2, 5, B, 1.0f, pt, et, &n2);
  CHECK_MSG(max_diff(p1, pt, n) < 1e-5, "unconditioned rows: %g", max_diff(p1, pt, n));

  /* Back to one thread: exactly the one-thread step. */
  ogas_rng r1, r2;
  ogas_rng_seed(&r1, 3, 0), ogas_rng_seed(&r2, 3, 0);
  ddpm_model a, b;
  CHECK(ddpm_model_init(&a, &cfg, &r1) == 0 && ddpm_model_init(&b, &cfg, &r2) == 0);
  CHECK(ddpm_model_set_threads(&b, 2) == 0 && b.team != NULL);
  CHECK(ddpm_model_set_threads(&b, 2) == 0); /* unchanged */
  CHECK(ddpm_model_set_threads(&b, 1) == 0 && b.team == NULL);
  static float z[B * D], c[B];
  for (int i = 0; i < B * D; i++) z[i] = (float)(i % 17) / 17.0f - 0.5f;
  for (int i = 0; i < B; i++) c[i] = (float)(i % 5) / 5.0f;
  ddpm_train_step(&a, z, c, NULL, B, &r1);
  ddpm_train_step(&b, z, c, NULL, B, &r2);
  CHECK(!memcmp(a.params, b.params, n * sizeof(float)));
  CHECK(ddpm_model_set_threads(&b, 65) == -1 && b.team == NULL); /* too many: refused */
  /* The helper threads' CPU is counted (the breeder adds it to its own). */
  CHECK(ddpm_model_helper_cpu_s(&a) == 0.0);
  CHECK(ddpm_model_set_threads(&a, 2) == 0 && ddpm_model_helper_cpu_s(&a) == 0.0);
  ddpm_train_step(&a, z, c, NULL, B, &r1);
  CHECK_MSG(ddpm_model_helper_cpu_s(&a) > 0.0, "the helper thread's CPU is not counted");
  ddpm_model_free(&a), ddpm_model_free(&b);

  /* Through the breeder's config. */
  synth_options o = {.landscape = LANDSCAPE_BUMP,
                     .dim = 8,
                     .generation_size = 100,
                     .generations = 3,
                     .steps_per_sim = 10,
                     .pattern = REPORT_PER_SIM,
                     .calls_per_sim = 4,
                     .minibatch = 64,
                     .seed = 5,
                     .async = 0,
                     .breeder_json = "{\"model\": {\"n_threads\": 2}}"};
  synth_result s1, s2;
  char err[512];
  CHECK_MSG(synth_run(&o, &s1, err, sizeof err) == 0, "%s", err);
  CHECK_MSG(synth_run(&o, &s2, err, sizeof err) == 0, "%s", err);
  CHECK(s1.n_bred > 0 && s1.nb_sims == s2.nb_sims);
  CHECK(!memcmp(s1.params, s2.params, (size_t)s1.nb_sims * s1.d * sizeof(double)));
  synth_result_free(&s1), synth_result_free(&s2);
  free(p1), free(e1), free(pt), free(et), free(pr), free(er);
  return check_exit("test_train_team");
}

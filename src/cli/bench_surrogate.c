/* ogas bench surrogate — training and prediction speed of a study surrogate
 * (samples per second), by default the FNO on a 2-D two-field state as
 * grayscott2d makes it (--arch unet, conv1d, mlp for the others). Each training step is the
 * study's: forward, loss, backward, gradient clipping and AdamW on one minibatch drawn from a pool
 * of synthetic smooth states. For the FNO and the UNet it also counts the FLOPs done (nn/fno.h,
 * nn/unet.h) and prints the rate reached. Same flags and JSON keys as bench/torch_fno.py, so that
 * the two can be compared in one run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "nn/blas_threads.h"
#include "nn/fno.h"
#include "nn/rng.h"
#include "nn/unet.h"
#include "ogas.h"
#include "study/surrogate.h"
#include "util/clock.h"

static const char *usage =
    "usage: ogas bench surrogate [options]\n\n"
    "Measures a study surrogate on synthetic smooth states: training samples per\n"
    "second (forward, loss, backward, clipping, AdamW on one minibatch) and\n"
    "prediction samples per second. Compare with bench/torch_fno.py (same flags).\n\n"
    "options:\n"
    "  --arch A         fno, unet, conv1d or mlp (fno)\n"
    "  --dim D          1 or 2 space dimensions (2)\n"
    "  --grid N         points per dimension (32)\n"
    "  --channels C     fields per state (2)\n"
    "  --params P       conditioning parameters (4)\n"
    "  --width W        hidden channels (32)\n"
    "  --blocks N       blocks (4)\n"
    "  --modes M        FNO Fourier modes per dimension (12)\n"
    "  --kernel K       conv1d or unet taps (5; unet: 3 when not given)\n"
    "  --batch B        training minibatch (32)\n"
    "  --threads N      OpenBLAS threads (1)\n"
    "  --train-steps N  timed training steps after 5 warm-up steps (50)\n"
    "  --seed S         seed (0)\n"
    "  --json           print one JSON object instead of text\n";

/* Smooth random fields: a few Fourier modes per channel. */
static void fill_pool(float *u, float *un, size_t n, int C, int ny, int nx, ogas_rng *rng) {
  const double two_pi = 6.283185307179586;
  size_t per = (size_t)ny * nx;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < C; c++) {
      float *f = u + (i * C + c) * per, *g = un + (i * C + c) * per;
      double a[4], ph[4];
      for (int k = 0; k < 4; k++)
        a[k] = ogas_rng_normal(rng) / (1 + k), ph[k] = two_pi * ogas_rng_uniform(rng);
      for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
          double v = 0;
          for (int k = 0; k < 4; k++)
            v += a[k] * cos(two_pi * (k + 1) * ((double)x / nx + (double)y / ny) + ph[k]);
          f[y * nx + x] = (float)v;
          g[y * nx + x] = (float)(0.95 * v + 0.01 * ogas_rng_normal(rng));
        }
    }
}

int bench_surrogate(int argc, char **argv) {
  long dim = 2, grid = 32, channels = 2, params = 4, width = 32, blocks = 4, modes = 12, kernel = 0,
       batch = 32, threads = 1, train_steps = 50, seed = 0;
  const char *arch_name = "fno";
  int json = 0;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int rc = 0;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      fputs(usage, stdout);
      return 0;
    } else if (!strcmp(o, "--json")) {
      json = 1;
      continue;
    } else if (!strcmp(o, "--arch")) {
      if (!v) {
        fprintf(stderr, "ogas bench surrogate: --arch needs a value\n");
        return 2;
      }
      arch_name = v;
    } else if (!strcmp(o, "--dim"))
      rc = arg_long(o, v, 1, 2, &dim);
    else if (!strcmp(o, "--grid"))
      rc = arg_long(o, v, 2, 4096, &grid);
    else if (!strcmp(o, "--channels"))
      rc = arg_long(o, v, 1, SURROGATE_MAX_CHANNELS, &channels);
    else if (!strcmp(o, "--params"))
      rc = arg_long(o, v, 0, 4096, &params);
    else if (!strcmp(o, "--width"))
      rc = arg_long(o, v, 2, 4096, &width);
    else if (!strcmp(o, "--blocks"))
      rc = arg_long(o, v, 0, SURROGATE_MAX_BLOCKS, &blocks);
    else if (!strcmp(o, "--modes"))
      rc = arg_long(o, v, 1, 2048, &modes);
    else if (!strcmp(o, "--kernel"))
      rc = arg_long(o, v, 1, 63, &kernel);
    else if (!strcmp(o, "--batch"))
      rc = arg_long(o, v, 1, 1 << 16, &batch);
    else if (!strcmp(o, "--threads"))
      rc = arg_long(o, v, 1, 256, &threads);
    else if (!strcmp(o, "--train-steps"))
      rc = arg_long(o, v, 1, 1L << 30, &train_steps);
    else if (!strcmp(o, "--seed"))
      rc = arg_long(o, v, 0, 1L << 62, &seed);
    else {
      fprintf(stderr, "ogas bench surrogate: unknown option '%s'\n\n%s", o, usage);
      return 2;
    }
    if (rc) return 2;
    i++;
  }
  surrogate_arch arch;
  if (surrogate_arch_parse(arch_name, &arch)) {
    fprintf(stderr, "ogas bench surrogate: --arch: unknown architecture '%s' (fno, conv1d, mlp)\n",
            arch_name);
    return 2;
  }
  if (arch == SURROGATE_CONV1D && dim != 1) {
    fprintf(stderr, "ogas bench surrogate: conv1d needs --dim 1\n");
    return 2;
  }
  blas_set_threads((int)threads);
  int ny = dim == 2 ? (int)grid : 1, nx = (int)grid, C = (int)channels, P = (int)params;
  size_t S = (size_t)C * ny * nx;
  surrogate_config cfg = {.state_size = S,
                          .channels = (size_t)C,
                          .nb_params = (size_t)P,
                          .width = (int)width,
                          .n_blocks = (int)blocks,
                          .arch = arch,
                          .kernel = (int)kernel,
                          .ny = (size_t)ny,
                          .modes = (int)modes,
                          .max_batch = (int)batch,
                          .lr = 1e-3f,
                          .grad_clip = 1.0f,
                          .seed = (uint64_t)seed};
  surrogate *s = NULL;
  char err[256];
  if (surrogate_create(&cfg, &s, err, sizeof err)) {
    fprintf(stderr, "ogas bench surrogate: %s\n", err);
    return 1;
  }
  enum { POOL = 256 };
  ogas_rng rng;
  ogas_rng_seed(&rng, (uint64_t)seed, 1);
  float *u = malloc(POOL * S * sizeof(float)), *un = malloc(POOL * S * sizeof(float));
  float *z = malloc((size_t)POOL * (P ? P : 1) * sizeof(float));
  float *bu = malloc((size_t)batch * S * sizeof(float)),
        *bn = malloc((size_t)batch * S * sizeof(float));
  float *bz = malloc((size_t)batch * (P ? P : 1) * sizeof(float));
  float *pred = malloc((size_t)POOL * S * sizeof(float));
  if (!u || !un || !z || !bu || !bn || !bz || !pred) {
    fprintf(stderr, "ogas bench surrogate: out of memory\n");
    surrogate_free(s);
    free(u), free(un), free(z), free(bu), free(bn), free(bz), free(pred);
    return 1;
  }
  fill_pool(u, un, POOL, C, ny, nx, &rng);
  for (size_t i = 0; i < (size_t)POOL * P; i++) z[i] = (float)(2 * ogas_rng_uniform(&rng) - 1);
  surrogate_fit_normalization(s, u, un, POOL);
  float loss = 0;
  double t_train = 0;
  for (long it = 0; it < 5 + train_steps; it++) {
    if (it == 5) t_train = wall_s();
    for (long b = 0; b < batch; b++) {
      size_t k = (size_t)ogas_rng_below(&rng, POOL);
      memcpy(bu + b * S, u + k * S, S * sizeof(float));
      memcpy(bn + b * S, un + k * S, S * sizeof(float));
      if (P) memcpy(bz + b * P, z + k * P, (size_t)P * sizeof(float));
    }
    surrogate_train_step(s, bu, bn, bz, NULL, (int)batch, STUDY_LOSS_NRMSE, &loss, NULL, NULL);
  }
  t_train = wall_s() - t_train;
  double t_pred = wall_s();
  surrogate_predict(s, u, z, POOL, pred);
  t_pred = wall_s() - t_pred;

  double train_sps = (double)train_steps * batch / t_train, pred_sps = POOL / t_pred;
  double flops = 0;
  if (arch == SURROGATE_FNO) {
    fno_shape fs = {.channels = C,
                    .ny = ny,
                    .nx = nx,
                    .nb_params = P,
                    .width = (int)width,
                    .n_blocks = (int)blocks,
                    .my = ny > 1 ? surrogate_get_config(s)->modes : 0,
                    .mx = surrogate_get_config(s)->modes};
    flops = fno_train_flops(&fs, (int)batch);
  } else if (arch == SURROGATE_UNET) {
    unet_shape us = {.channels = C,
                     .ny = ny,
                     .nx = nx,
                     .nb_params = P,
                     .width = (int)width,
                     .levels = (int)blocks,
                     .kernel = surrogate_get_config(s)->kernel};
    flops = unet_train_flops(&us, (int)batch);
  }
  double gflops = flops * train_steps / t_train / 1e9;
  if (json) {
    printf(
        "{\"impl\": \"c\", \"arch\": \"%s\", \"train_samples_per_s\": %.1f, \"train_ms_per_step\": "
        "%.3f, "
        "\"predict_samples_per_s\": %.1f, \"train_flops_per_step\": %.0f, \"train_gflops\": %.2f, "
        "\"params\": %zu, \"final_loss\": %.5f, \"threads\": %ld, \"dim\": %ld, \"grid\": %ld, "
        "\"channels\": %d, \"nb_params\": %d, \"width\": %ld, \"blocks\": %ld, \"modes\": %d, "
        "\"batch\": %ld}\n",
        arch_name, train_sps, 1e3 * t_train / train_steps, pred_sps, flops, gflops,
        surrogate_param_count(s), loss, threads, dim, grid, C, P, width, blocks,
        surrogate_get_config(s)->modes, batch);
  } else {
    printf("ogas bench surrogate: %s, %ld-D grid %ld, %d fields, %d params, width %ld, %ld blocks",
           arch_name, dim, grid, C, P, width, blocks);
    if (arch == SURROGATE_FNO) printf(", %d modes", surrogate_get_config(s)->modes);
    if (arch == SURROGATE_UNET || arch == SURROGATE_CONV1D)
      printf(", kernel %d", surrogate_get_config(s)->kernel);
    printf(", batch %ld, %zu weights, %ld OpenBLAS thread(s)\n", batch, surrogate_param_count(s),
           threads);
    printf("  training  : %9.1f samples/s  (%.2f ms/step", train_sps, 1e3 * t_train / train_steps);
    if (flops > 0) printf(", %.1f MFLOP/step, %.1f GFLOP/s", flops / 1e6, gflops);
    printf(")\n  prediction: %9.1f samples/s\n", pred_sps);
  }
  surrogate_free(s);
  free(u), free(un), free(z), free(bu), free(bn), free(bz), free(pred);
  return 0;
}

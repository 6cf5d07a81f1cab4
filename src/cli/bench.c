/* ogas bench ddpm — training steps per second and guided sampling time of the
 * conditional DDPM, with the FLOPs done and the fraction of the machine's
 * sgemm rate reached at the same shapes. Same flags and JSON keys as
 * bench/torch_ddpm.py, so that the two can be compared in one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "breeder/config.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "ddpm/ddpm.h"
#include "ddpm/sample_team.h"
#include "nn/blas_threads.h"
#include "util/clock.h"

static const char *usage =
    "usage: ogas bench ddpm [options]\n\n"
    "Measures the conditional DDPM of SPEC §4 on synthetic data:\n"
    "  training steps per second (minibatch, noise, forward, weighted loss, backward,\n"
    "  gradient clipping, AdamW, EMA) and the time to sample candidates with\n"
    "  classifier-free guidance. Compare with bench/torch_ddpm.py (same flags).\n\n"
    "options:\n"
    "  --preset P       default: the breeder's default model, sampler and guidance\n"
    "                   (library defaults, d = 8, 200 candidates: a generation);\n"
    "                   paper: the published size (d = 309, model_dim 1024, 3 blocks,\n"
    "                   batch 128, T = 100, guidance 5, 200 candidates). Options\n"
    "                   given with it override it. Without a preset: the values below.\n"
    "  --dim D          parameters per sample (8)\n"
    "  --model-dim H    hidden width (256)\n"
    "  --blocks N       residual blocks (3)\n"
    "  --batch B        training minibatch (128)\n"
    "  --timesteps T    diffusion steps (100)\n"
    "  --samples N      candidates to sample with guidance (1000)\n"
    "  --threads N      threads (1): training splits every layer's output units\n"
    "                   (and LayerNorm's rows) over N threads, sampling splits\n"
    "                   the candidates, each thread calling OpenBLAS on one thread\n"
    "  --split S        team (the above; former name rows) or blas: one thread\n"
    "                   lets OpenBLAS split every product over N threads (team)\n"
    "  --train-steps N  timed training steps after 20 warm-up steps (200)\n"
    "  --guidance G     guidance scale (5.0)\n"
    "  --sampler S      ddpm (ancestral, T steps) or ddim (--ddim-steps steps); the\n"
    "                   ancestral sampler is always timed too, for comparison (ddpm)\n"
    "  --ddim-steps N   DDIM steps (20)\n"
    "  --seed S         seed (0)\n"
    "  --json           print one JSON object instead of text\n\n"
    "The box prior (model.box_prior, on in the breeder) is off here, as in the\n"
    "PyTorch script, so that both do the same arithmetic.\n";

/* The shapes of --preset. */
typedef struct {
  long dim, hidden, blocks, batch, T, samples, ddim_steps;
  double guidance;
  int ddim;
} bench_shape;

/* 0, or -1 for an unknown name. */
static int preset_shape(const char *name, bench_shape *b) {
  if (!strcmp(name, "paper")) {
    *b = (bench_shape){.dim = 309,
                       .hidden = 1024,
                       .blocks = 3,
                       .batch = 128,
                       .T = 100,
                       .samples = 200,
                       .ddim_steps = 20,
                       .guidance = 5.0,
                       .ddim = 0};
    return 0;
  }
  if (strcmp(name, "default")) return -1;
  ogas_config c;
  ogas_config_defaults(&c);
  *b = (bench_shape){.dim = 8,
                     .hidden = c.model.model_dim,
                     .blocks = c.model.n_blocks,
                     .batch = c.data.batch_size,
                     .T = c.model.timesteps,
                     .samples = 200,
                     .ddim_steps = c.model.ddim_steps,
                     .guidance = c.model.guidance_scale,
                     .ddim = c.model.sampler == OGAS_CFG_DDPM_SAMPLER_DDIM};
  ogas_config_free(&c);
  return 0;
}

/* Rate of one sgemm at the shape that dominates a training step:
   (B x H) · (H x H), repeated for ~0.5 s. */
static double sgemm_gflops(int B, int H) {
  float *a = calloc((size_t)B * H, sizeof(float)), *w = calloc((size_t)H * H, sizeof(float));
  float *c = calloc((size_t)B * H, sizeof(float));
  if (!a || !w || !c) {
    free(a), free(w), free(c);
    return 0.0;
  }
  for (size_t i = 0; i < (size_t)B * H; i++) a[i] = 0.001f * (float)(i % 97);
  for (size_t i = 0; i < (size_t)H * H; i++) w[i] = 0.001f * (float)(i % 89);
  long reps = 0;
  double t0 = wall_s(), t;
  do {
    for (int k = 0; k < 20; k++)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, H, H, 1.0f, a, H, w, H, 0.0f, c, H);
    reps += 20;
  } while ((t = wall_s() - t0) < 0.5);
  free(a), free(w), free(c);
  return 2.0 * B * H * (double)H * (double)reps / t / 1e9;
}

/* One sampler call, split over the team's threads when there is one. */
static void sample(ddpm_sampler *smp, sample_team *team, const float *params, const float *c, int n,
                   float guidance, int ddim_steps, ogas_rng *rng, float *out) {
  if (team)
    sample_team_run(team, params, c, n, guidance, ddim_steps, rng, out);
  else
    ddpm_sample(smp, params, c, n, guidance, ddim_steps, rng, out);
}

static int bench_ddpm(int argc, char **argv) {
  bench_shape b = {.dim = 8,
                   .hidden = 256,
                   .blocks = 3,
                   .batch = 128,
                   .T = 100,
                   .samples = 1000,
                   .ddim_steps = 20,
                   .guidance = 5.0,
                   .ddim = 0};
  long threads = 1, train_steps = 200, seed = 0;
  int json = 0, split_team = 1;
  /* The preset first, so that the other options override it wherever they are. */
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "--preset") && preset_shape(argv[i + 1], &b) == 0) break;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int rc = 0;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      fputs(usage, stdout);
      return 0;
    } else if (!strcmp(o, "--json")) {
      json = 1;
      continue;
    } else if (!strcmp(o, "--split")) {
      if (!v || (strcmp(v, "team") && strcmp(v, "rows") && strcmp(v, "blas"))) {
        fprintf(stderr, "ogas bench ddpm: --split needs team or blas\n");
        return 2;
      }
      split_team = strcmp(v, "blas") != 0;
    } else if (!strcmp(o, "--preset") || !strcmp(o, "--sampler")) {
      int is_preset = !strcmp(o, "--preset");
      bench_shape applied_above;
      int bad = !v || (is_preset ? preset_shape(v, &applied_above) != 0
                                 : strcmp(v, "ddpm") && strcmp(v, "ddim"));
      if (!bad && !is_preset) b.ddim = !strcmp(v, "ddim");
      if (bad) {
        fprintf(stderr, "ogas bench ddpm: %s needs %s\n", o,
                is_preset ? "default or paper" : "ddpm or ddim");
        return 2;
      }
    } else if (!strcmp(o, "--dim"))
      rc = arg_long(o, v, 1, 4096, &b.dim);
    else if (!strcmp(o, "--model-dim"))
      rc = arg_long(o, v, 2, 8192, &b.hidden);
    else if (!strcmp(o, "--blocks"))
      rc = arg_long(o, v, 1, DENOISER_MAX_BLOCKS, &b.blocks);
    else if (!strcmp(o, "--batch"))
      rc = arg_long(o, v, 1, 1 << 16, &b.batch);
    else if (!strcmp(o, "--timesteps"))
      rc = arg_long(o, v, 2, 10000, &b.T);
    else if (!strcmp(o, "--samples"))
      rc = arg_long(o, v, 1, 1 << 20, &b.samples);
    else if (!strcmp(o, "--ddim-steps"))
      rc = arg_long(o, v, 1, 10000, &b.ddim_steps);
    else if (!strcmp(o, "--threads"))
      rc = arg_long(o, v, 1, 64, &threads);
    else if (!strcmp(o, "--train-steps"))
      rc = arg_long(o, v, 1, 1L << 30, &train_steps);
    else if (!strcmp(o, "--guidance"))
      rc = arg_double(o, v, 0, 1e3, &b.guidance);
    else if (!strcmp(o, "--seed"))
      rc = arg_long(o, v, 0, 1L << 62, &seed);
    else {
      fprintf(stderr, "ogas bench ddpm: unknown option '%s'\n\n%s", o, usage);
      return 2;
    }
    if (rc) return 2;
    i++;
  }
  long dim = b.dim, hidden = b.hidden, blocks = b.blocks, batch = b.batch, T = b.T,
       samples = b.samples;
  double guidance = b.guidance;
  if (b.ddim && b.ddim_steps >= T) {
    fprintf(stderr, "ogas bench ddpm: --ddim-steps (%ld) must be below --timesteps (%ld)\n",
            b.ddim_steps, T);
    return 2;
  }
  if (hidden % 2) {
    fprintf(stderr, "ogas bench ddpm: --model-dim must be even\n");
    return 2;
  }
  int use_team = split_team && threads > 1;
  blas_set_threads(use_team ? 1 : (int)threads);

  ddpm_config cfg = {
      .shape = {(int)dim, (int)hidden, (int)blocks},
      .schedule = SCHEDULE_COSINE,
      .timesteps = (int)T,
      .adam = {.lr = 2e-4f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f},
      .grad_clip = 1.0f,
      .ema_decay = 0.999f,
      .p_uncond = 0.1f,
      .batch_size = (int)batch,
  };
  ogas_rng rng;
  ogas_rng_seed(&rng, (uint64_t)seed, 0);
  ddpm_model m;
  ddpm_sampler *smp = ddpm_sampler_create(&cfg, (int)samples);
  sample_team *team = use_team ? sample_team_create(&cfg, (int)samples, (int)threads) : NULL;
  /* Synthetic data like the torch script: z ~ U[-1,1]^d, c = (mean(z)+1)/2. */
  enum { DATA = 6000 };
  float *data = malloc((size_t)DATA * dim * sizeof(float)), *cond = malloc(DATA * sizeof(float));
  float *zb = malloc((size_t)batch * dim * sizeof(float)),
        *cb = malloc((size_t)batch * sizeof(float));
  float *out = malloc((size_t)samples * dim * sizeof(float)),
        *target = malloc((size_t)samples * sizeof(float));
  if (ddpm_model_init(&m, &cfg, &rng) || !smp || (use_team && !team) || !data || !cond || !zb ||
      !cb || !out || !target) {
    fprintf(stderr, "ogas bench ddpm: out of memory\n");
    return 1;
  }
  if (use_team && ddpm_model_set_threads(&m, (int)threads)) {
    fprintf(stderr, "ogas bench ddpm: cannot start %ld training threads\n", threads);
    return 1;
  }
  for (int i = 0; i < DATA; i++) {
    double s = 0;
    for (long k = 0; k < dim; k++)
      s += data[(size_t)i * dim + k] = (float)(2 * ogas_rng_uniform(&rng) - 1);
    cond[i] = (float)((s / dim + 1) / 2);
  }
  float loss = 0;
  double t_train = 0;
  for (long s = 0; s < 20 + train_steps; s++) {
    if (s == 20) t_train = wall_s();
    for (long i = 0; i < batch; i++) {
      size_t k = (size_t)ogas_rng_below(&rng, DATA);
      memcpy(zb + i * dim, data + k * dim, (size_t)dim * sizeof(float));
      cb[i] = cond[k];
    }
    loss = ddpm_train_step(&m, zb, cb, NULL, (int)batch, &rng);
  }
  t_train = wall_s() - t_train;
  for (long i = 0; i < samples; i++) target[i] = 0.9f;
  if (!use_team) blas_set_threads((int)threads);
  double t_sample = wall_s();
  sample(smp, team, m.ema, target, (int)samples, (float)guidance, 0, &rng, out);
  t_sample = wall_s() - t_sample;
  double t_ddim = 0;
  if (b.ddim) {
    t_ddim = wall_s();
    sample(smp, team, m.ema, target, (int)samples, (float)guidance, (int)b.ddim_steps, &rng, out);
    t_ddim = wall_s() - t_ddim;
  }

  /* FLOPs: matrix products only (2·rows·in·out per linear, forward; dW and dX
     backward where needed), as bench/torch_ddpm.py counts them, but for the
     work this implementation does: the condition MLP runs on conditioned rows
     only, and sampling computes each embedding once. */
  denoiser_shape *sh = &cfg.shape;
  int n_cond = (int)(batch * (1.0 - cfg.p_uncond) + 0.5);
  double step_flops = denoiser_forward_flops(sh, (int)batch, n_cond) +
                      denoiser_backward_flops(sh, (int)batch, n_cond);
  double H = (double)hidden, d = (double)dim,
         rows = (guidance == 1.0 ? 1.0 : 2.0) * samples; /* g = 1: conditional rows only */
  double trunk = 2 * rows * d * H + blocks * 2 * (2 * rows * H * H) + 2 * rows * H * d;
  double sample_flops = T * trunk + 2 * (2 * T * H * H) + 2 * (2 * (double)samples * H * H);
  double steps_per_s = train_steps / t_train;
  double train_gflops = step_flops * steps_per_s / 1e9;
  double sample_gflops = sample_flops / t_sample / 1e9;
  double peak = sgemm_gflops((int)batch, (int)hidden);

  if (json) {
    printf(
        "{\"impl\": \"c\", \"train_steps_per_s\": %.2f, \"sample_ms\": %.1f, "
        "\"train_flops_per_step\": %.0f, \"sample_flops\": %.0f, \"train_gflops\": %.2f, "
        "\"sample_gflops\": %.2f, \"sgemm_gflops\": %.2f, \"train_fraction_of_sgemm\": %.3f, "
        "\"sample_fraction_of_sgemm\": %.3f, \"final_loss\": %.4f, \"threads\": %ld, \"split\": "
        "\"%s\", "
        "\"dim\": %ld, \"model_dim\": %ld, \"blocks\": %ld, \"batch\": %ld, "
        "\"timesteps\": %ld, \"samples\": %ld, \"guidance\": %g",
        steps_per_s, t_sample * 1e3, step_flops, sample_flops, train_gflops, sample_gflops, peak,
        train_gflops / peak, sample_gflops / peak, loss, threads, split_team ? "team" : "blas", dim,
        hidden, blocks, batch, T, samples, guidance);
    if (b.ddim)
      printf(", \"ddim_steps\": %ld, \"ddim_sample_ms\": %.1f", b.ddim_steps, t_ddim * 1e3);
    printf("}\n");
  } else {
    printf("ogas bench ddpm: d=%ld H=%ld blocks=%ld batch=%ld T=%ld, %ld thread(s)%s\n", dim,
           hidden, blocks, batch, T, threads,
           threads < 2  ? ""
           : split_team ? ", training split over a team"
                        : ", OpenBLAS splits training");
    printf("  training : %8.1f steps/s  (%.2f ms/step, %.1f MFLOP/step, %.1f GFLOP/s)\n",
           steps_per_s, 1e3 / steps_per_s, step_flops / 1e6, train_gflops);
    printf(
        "  sampling : %8.1f ms for %ld candidates with guidance %.1f, ancestral over %ld steps "
        "(%.1f GFLOP, %.1f GFLOP/s)\n",
        t_sample * 1e3, samples, guidance, T, sample_flops / 1e9, sample_gflops);
    if (b.ddim)
      printf("  DDIM     : %8.1f ms for the same candidates over %ld steps (%.1fx faster)\n",
             t_ddim * 1e3, b.ddim_steps, t_sample / t_ddim);
    printf(
        "  sgemm    : %8.1f GFLOP/s at (%ld x %ld)·(%ld x %ld); training reaches %.0f %%, "
        "sampling %.0f %%\n",
        peak, batch, hidden, hidden, hidden, 100 * train_gflops / peak, 100 * sample_gflops / peak);
  }
  ddpm_model_free(&m);
  ddpm_sampler_free(smp);
  sample_team_free(team);
  free(data), free(cond), free(zb), free(cb), free(out), free(target);
  return 0;
}

int cmd_bench(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "ddpm")) return bench_ddpm(argc - 1, argv + 1);
  if (argc >= 2 && !strcmp(argv[1], "pde")) return cmd_bench_pde(argc - 1, argv + 1);
  if (argc >= 2 && !strcmp(argv[1], "surrogate")) return bench_surrogate(argc - 1, argv + 1);
  fprintf(
      argc >= 2 && strcmp(argv[1], "--help") ? stderr : stdout,
      "usage: ogas bench ddpm [--help | options]        DDPM training and sampling speed\n"
      "       ogas bench pde [--help | options]         cost of one simulation of each PDE "
      "problem\n"
      "       ogas bench surrogate [--help | options]   surrogate (FNO, UNet) training speed\n");
  return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}

/* ogas run — one online study on a built-in PDE problem with one sampler,
 * then the validation statistics of the trained surrogate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/study_runner.h"
#include "nn/blas_threads.h"
#include "ogas.h"
#include "study/study.h"

static const char *run_usage =
    "usage: ogas run CONFIG [--sampler NAME] [--seed N] [--out DIR] [--deterministic]\n"
    "                       [--checkpoint-every K] [--resume] [--quiet]\n"
    "       mpirun -n N ogas run CONFIG ...   (the study over N ranks: docs/cluster.md)\n\n"
    "Runs one online study: simulations of a built-in PDE problem stream their time\n"
    "steps into a bounded buffer while a one-step surrogate (residual MLP, periodic\n"
    "conv1d or Fourier neural operator, per the config) trains from it; the\n"
    "sampler chooses the parameters of the simulations still to come.\n"
    "Then the trained surrogate is evaluated on a validation set of Halton-drawn\n"
    "simulations (one-step nRMSE, averaged over the steps of each simulation) and\n"
    "the statistics are printed.\n\n"
    "  CONFIG             study config (JSON); examples/ks1d.json is a start, and\n"
    "                     src/study/study_config.h lists every key\n"
    "  --sampler NAME     uniform, lhs, halton, sobol, breed, ogas or sbal (default:\n"
    "                     the config's \"sampler\", else uniform)\n"
    "  --seed N           seed of the study (sampler, surrogate, minibatches)\n"
    "  --out DIR          write DIR/result_SAMPLER.json (everything: per-simulation\n"
    "                     parameters and bred flags, generations, loss curve, errors)\n"
    "  --deterministic    lockstep simulation and training on one thread:\n"
    "                     reproducible bit for bit from the seed\n"
    "  --checkpoint-every K  save the study (surrogate, optimizer, breeder, progress)\n"
    "                     into DIR/checkpoint every K generation breaks (deterministic\n"
    "                     mode; needs --out and the MPI build)\n"
    "  --resume           continue the study saved in DIR/checkpoint: the result is\n"
    "                     the one the study would have given without stopping\n"
    "  --quiet            no progress lines on stderr\n\n"
    "example:\n"
    "  ogas run examples/ks1d.json --sampler breed --out runs/ks1d\n";

static void progress(void *ctx, const study_progress *p) {
  (void)ctx;
  fprintf(stderr,
          "\r  batch %lld/%lld  sims %lld/%lld finished  generation %lld  loss %.4g  %.1fs ",
          (long long)p->batches_done, (long long)p->batches_total, (long long)p->sims_finished,
          (long long)p->nb_sims, (long long)p->generation, (double)p->last_loss, p->elapsed_s);
  fflush(stderr);
}

static int make_dir(const char *path) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) return 0;
  fprintf(stderr, "ogas run: cannot create '%s': %s\n", path, strerror(errno));
  return -1;
}

int cmd_run(int argc, char **argv) {
  const char *config_path = NULL, *sampler = NULL, *out_dir = NULL;
  long seed = -1, every = 0;
  int deterministic = 0, quiet = 0, resume = 0;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      fputs(run_usage, stdout);
      return 0;
    } else if (!strcmp(o, "--deterministic")) {
      deterministic = 1;
    } else if (!strcmp(o, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(o, "--resume")) {
      resume = 1;
    } else if (!strcmp(o, "--checkpoint-every")) {
      if (arg_long(o, v, 1, 2147483647L, &every)) return 2;
      i++;
    } else if (!strcmp(o, "--sampler") || !strcmp(o, "--out")) {
      if (!v) {
        fprintf(stderr, "ogas run: %s needs a value\n", o);
        return 2;
      }
      if (!strcmp(o, "--sampler"))
        sampler = v;
      else
        out_dir = v;
      i++;
    } else if (!strcmp(o, "--seed")) {
      if (arg_long(o, v, 0, 2147483647L, &seed)) return 2;
      i++;
    } else if (o[0] == '-' && o[1]) {
      fprintf(stderr, "ogas run: unknown option '%s' (ogas run --help)\n", o);
      return 2;
    } else if (!config_path) {
      config_path = o;
    } else {
      fprintf(stderr, "ogas run: one config only ('%s' is extra)\n", o);
      return 2;
    }
  }
  if (!config_path) {
    fputs(run_usage, stderr);
    return 2;
  }
  study_config cfg;
  char err[1024];
  if (study_config_load(config_path, &cfg, err, sizeof err)) {
    fprintf(stderr, "ogas run: %s: %s\n", config_path, err);
    return 1;
  }
  if (sampler && study_sampler_parse(sampler, &cfg.sampler)) {
    fprintf(stderr, "ogas run: --sampler: unknown sampler '%s' (%s)\n", sampler,
            STUDY_SAMPLER_NAMES);
    study_config_free(&cfg);
    return 2;
  }
  if ((every || resume) && !out_dir) {
    fprintf(stderr,
            "ogas run: --checkpoint-every and --resume need --out DIR (the checkpoint "
            "goes to DIR/checkpoint)\n");
    study_config_free(&cfg);
    return 2;
  }
  if (seed >= 0) cfg.seed = (uint64_t)seed;
  if (deterministic) cfg.deterministic = 1;
  /* One OpenBLAS thread: the simulation threads use the other cores. */
  blas_set_threads(1);
  if (out_dir && make_dir(out_dir)) {
    study_config_free(&cfg);
    return 1;
  }
  int64_t total = study_config_total_batches(&cfg);
  fprintf(stderr, "ogas run: %s, sampler %s, %lld simulations, %lld surrogate steps, %s mode\n",
          cfg.problem, study_sampler_name(cfg.sampler), (long long)cfg.nb_sims, (long long)total,
          cfg.deterministic ? "deterministic" : "concurrent");
  study_run_options opts = {.progress = quiet ? NULL : progress,
                            .progress_every = total / 50 > 0 ? total / 50 : 1};
  char ckpt_dir[4200];
  snprintf(ckpt_dir, sizeof ckpt_dir, "%s/checkpoint", out_dir ? out_dir : ".");
  cli_study_options mo = {
      .checkpoint_dir = out_dir ? ckpt_dir : NULL, .checkpoint_every = every, .resume = resume};
  study_result *r = NULL;
  int st = cli_run_study(&cfg, &mo, &opts, &r, err, sizeof err);
  if (!quiet) fputc('\n', stderr);
  if (st) {
    fprintf(stderr, "ogas run: %s\n", err);
    study_config_free(&cfg);
    return 1;
  }
  int64_t bred = 0;
  for (int64_t i = 0; i < r->nb_sims; i++) bred += r->is_bred[i];
  printf(
      "problem %s, sampler %s, seed %llu: %lld simulations (%lld bred, %lld failed), "
      "%lld gradient steps, %zu generation breaks\n",
      r->problem, r->sampler, (unsigned long long)r->seed, (long long)r->nb_sims, (long long)bred,
      (long long)r->sims_failed, (long long)r->grad_steps, r->n_generations);
  printf("validation: %zu simulations x %zu steps, one-step nRMSE per simulation\n", r->n_val,
         r->val_steps);
  printf("  %-8s %10s %10s %10s %10s %10s %10s\n", "nRMSE", "mean", "std", "p50", "p95", "p99",
         "max");
  const study_stats *s = &r->val_stats;
  printf("  %-8s %10.4g %10.4g %10.4g %10.4g %10.4g %10.4g\n", "one-step", s->mean, s->std, s->p50,
         s->p95, s->p99, s->max);
  s = &r->val_rollout_stats;
  if (r->rollout_steps)
    printf("  %-8s %10.4g %10.4g %10.4g %10.4g %10.4g %10.4g   (%zu steps fed back)\n", "rollout",
           s->mean, s->std, s->p50, s->p95, s->p99, s->max, r->rollout_steps);
  printf(
      "time: wall %.2f s (sampler CPU %.3f s = %.2f %%), training CPU %.2f s, simulation "
      "CPU %.2f s, evaluation %.2f s\n",
      r->wall_s, r->sampler_cpu_s, r->wall_s > 0 ? 100.0 * r->sampler_cpu_s / r->wall_s : 0.0,
      r->train_cpu_s, r->sim_cpu_s, r->eval_s);
  int rc = 0;
  if (out_dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/result_%s.json", out_dir, r->sampler);
    if (study_result_write_json(r, path, err, sizeof err)) {
      fprintf(stderr, "ogas run: %s\n", err);
      rc = 1;
    } else {
      printf("wrote %s\n", path);
    }
  }
  study_result_free(r);
  study_config_free(&cfg);
  return rc;
}

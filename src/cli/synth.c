/* ogas synth — drive the breeder against an analytic difficulty landscape and
 * show, per generation, how often new children land in the hard region
 * compared with uniform sampling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "synth/synth.h"

static const char *usage =
    "usage: ogas synth [options]\n\n"
    "Runs the OGAS breeder on a synthetic problem: simulations are scored by an\n"
    "analytic difficulty landscape whose loss falls where samples accumulate (as a\n"
    "surrogate's does). Prints, per generation, the share of new simulations in the\n"
    "hard region next to the share uniform sampling would give, and writes the\n"
    "history as CSV.\n\n"
    "options:\n"
    "  --landscape NAME   bump | band | multimodal (bump)\n"
    "  --dim D            number of parameters, >= 2; difficulty depends on the first two (8)\n"
    "  --generation-size N  simulations per generation (100)\n"
    "  --generations N    bred generations after the first (8)\n"
    "  --steps N          loss values each simulation reports (10)\n"
    "  --seed S           seed (0)\n"
    "  --sync             train synchronously (reproducible bit for bit) instead of in\n"
    "                     the background\n"
    "  --breeder JSON     breeder settings merged over the defaults, e.g.\n"
    "                     '{\"model\": {\"model_dim\": 256}, \"breeder\": {\"end_breed_ratio\": 0.9}}'\n"
    "  --csv PATH         write the history (sim_id, generation, is_bred, hard, p0..)\n"
    "                     (synth_history.csv)\n"
    "  --quiet            print only the summary\n";

int cmd_synth(int argc, char **argv) {
  synth_options o = {.landscape = LANDSCAPE_BUMP, .dim = 8, .generation_size = 100,
                     .generations = 8, .steps_per_sim = 10, .seed = 0, .async = 1,
                     .progress = stdout};
  const char *csv = "synth_history.csv";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long n;
    int rc = 0;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage, stdout);
      return 0;
    } else if (!strcmp(a, "--sync")) {
      o.async = 0;
      continue;
    } else if (!strcmp(a, "--quiet")) {
      o.progress = NULL;
      continue;
    } else if (!strcmp(a, "--landscape")) {
      if (landscape_parse(v, &o.landscape)) {
        fprintf(stderr, "ogas synth: --landscape expects bump, band or multimodal, got '%s'\n",
                v ? v : "");
        return 2;
      }
    } else if (!strcmp(a, "--dim")) {
      if (!(rc = arg_long(a, v, 2, 4096, &n))) o.dim = (int)n;
    } else if (!strcmp(a, "--generation-size")) {
      if (!(rc = arg_long(a, v, 1, 1000000, &n))) o.generation_size = n;
    } else if (!strcmp(a, "--generations")) {
      if (!(rc = arg_long(a, v, 0, 100000, &n))) o.generations = (int)n;
    } else if (!strcmp(a, "--steps")) {
      if (!(rc = arg_long(a, v, 1, 100000, &n))) o.steps_per_sim = (int)n;
    } else if (!strcmp(a, "--seed")) {
      if (!(rc = arg_long(a, v, 0, 1L << 62, &n))) o.seed = (uint64_t)n;
    } else if (!strcmp(a, "--breeder")) {
      if (!v) rc = -1, fprintf(stderr, "ogas synth: --breeder expects a JSON object\n");
      o.breeder_json = v;
    } else if (!strcmp(a, "--csv")) {
      if (!v) rc = -1, fprintf(stderr, "ogas synth: --csv expects a path\n");
      csv = v;
    } else {
      fprintf(stderr, "ogas synth: unknown option '%s'\n\n%s", a, usage);
      return 2;
    }
    if (rc) return 2;
    i++;
  }
  if (o.progress)
    printf("ogas synth: landscape %s, d = %d, %lld simulations per generation, %s training\n",
           landscape_name(o.landscape), o.dim, (long long)o.generation_size,
           o.async ? "background" : "synchronous");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  synth_result r;
  char err[512] = "";
  int st = synth_run(&o, &r, err, sizeof err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (st) {
    fprintf(stderr, "ogas synth: %s\n", err);
    return 1;
  }
  /* Summary over the bred generations' last half. */
  double hard = 0, n = 0;
  for (int g = r.n_generations / 2; g < r.n_generations; g++)
    if (g > 0) hard += r.gens[g].hard_share * r.gens[g].n_children, n += r.gens[g].n_children;
  double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  printf("summary: in the last %d generations %.1f %% of new simulations were hard, uniform "
         "sampling gives %.1f %% (%.1fx); %.1f s\n",
         r.n_generations - r.n_generations / 2, n ? 100 * hard / n : 0.0, 100 * r.uniform_share,
         n && r.uniform_share > 0 ? hard / n / r.uniform_share : 0.0, wall);
  if (synth_write_csv(&r, o.landscape, csv)) {
    fprintf(stderr, "ogas synth: cannot write %s\n", csv);
    synth_result_free(&r);
    return 1;
  }
  printf("history: %s\n", csv);
  synth_result_free(&r);
  return 0;
}

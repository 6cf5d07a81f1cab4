/* ogas bench pde — the cost of one simulation of each built-in problem:
 * creation (including the default warmup) and the default trajectory, in
 * wall and CPU time, over a few parameter vectors drawn uniformly in the
 * box (fixed seed). This is what a study pays per simulation, before any
 * surrogate training. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "nn/rng.h"
#include "pde/pde.h"
#include "util/clock.h"

static const char *usage =
    "usage: ogas bench pde [--problem NAME] [--sims N] [--grid G] [--seed S] [--json]\n\n"
    "Times simulations of the built-in PDE problems at their default options\n"
    "(grid, output interval, substeps, warmup, number of outputs): creation with\n"
    "the warmup, then the trajectory, as wall and CPU seconds per simulation\n"
    "(mean, min and max over the simulations). One thread.\n\n"
    "options:\n"
    "  --problem NAME   one problem (default: every one)\n"
    "  --sims N         simulations per problem, parameters uniform in the box (5)\n"
    "  --grid G         grid instead of the problem's default\n"
    "  --seed S         seed of the parameter draws (0)\n"
    "  --json           one JSON object per problem and line instead of text\n";

typedef struct {
  double sum, lo, hi;
} stat;

static void stat_add(stat *s, double x) {
  s->sum += x, s->lo = fmin(s->lo, x), s->hi = fmax(s->hi, x);
}

/* 0 ok, 1 a simulation failed. */
static int bench_problem(const pde_problem *p, long sims, long grid, ogas_rng *rng, int json) {
  const size_t P = pde_nb_params(p);
  double *params = malloc(P * sizeof(double));
  const pde_options opt = {.grid = (size_t)grid};
  size_t channels, ny, nx;
  pde_shape(p, (size_t)grid, &channels, &ny, &nx);
  float *state = malloc(channels * ny * nx * sizeof(float));
  if (!params || !state) {
    free(params), free(state);
    fprintf(stderr, "ogas bench pde: out of memory\n");
    return 1;
  }
  const stat empty = {0, INFINITY, -INFINITY};
  stat create_wall = empty, create_cpu = empty, run_wall = empty, run_cpu = empty,
       total_cpu = empty;
  size_t n_steps = 0;
  int status = 0;
  for (long k = 0; k < sims && !status; k++) {
    for (size_t i = 0; i < P; i++)
      params[i] = pde_lower(p)[i] + (pde_upper(p)[i] - pde_lower(p)[i]) * ogas_rng_uniform(rng);
    char err[256];
    pde_sim *s = NULL;
    const double w0 = wall_s(), c0 = thread_cpu_s();
    if (pde_sim_create(p, params, &opt, &s, err, sizeof err) != PDE_OK) {
      fprintf(stderr, "ogas bench pde: %s\n", err);
      status = 1;
      break;
    }
    const double w1 = wall_s(), c1 = thread_cpu_s();
    n_steps = pde_sim_n_steps(s);
    for (size_t t = 0; t < n_steps && !status; t++)
      if (pde_sim_step(s, state) != PDE_OK) {
        fprintf(stderr, "ogas bench pde: %s: the solution stopped being finite\n", pde_name(p));
        status = 1;
      }
    const double w2 = wall_s(), c2 = thread_cpu_s();
    pde_sim_free(s);
    stat_add(&create_wall, w1 - w0), stat_add(&create_cpu, c1 - c0);
    stat_add(&run_wall, w2 - w1), stat_add(&run_cpu, c2 - c1);
    stat_add(&total_cpu, c2 - c0);
  }
  if (!status) {
    const double n = (double)sims;
    if (json)
      printf(
          "{\"problem\": \"%s\", \"sims\": %ld, \"grid\": %zu, \"warmup_steps\": %zu, "
          "\"n_steps\": %zu, \"create_wall_s\": %.4f, \"create_cpu_s\": %.4f, "
          "\"run_wall_s\": %.4f, \"run_cpu_s\": %.4f, \"total_cpu_s\": %.4f, "
          "\"total_cpu_min_s\": %.4f, \"total_cpu_max_s\": %.4f}\n",
          pde_name(p), sims, nx, pde_default_warmup_steps(p), n_steps, create_wall.sum / n,
          create_cpu.sum / n, run_wall.sum / n, run_cpu.sum / n, total_cpu.sum / n, total_cpu.lo,
          total_cpu.hi);
    else
      printf("%-13s %5zu %4zu %7zu %9.4f %9.4f %9.4f %9.4f   %.4f [%.4f, %.4f]\n", pde_name(p), nx,
             pde_default_warmup_steps(p), n_steps, create_wall.sum / n, create_cpu.sum / n,
             run_wall.sum / n, run_cpu.sum / n, total_cpu.sum / n, total_cpu.lo, total_cpu.hi);
  }
  free(params);
  free(state);
  return status;
}

int cmd_bench_pde(int argc, char **argv) {
  const char *only = NULL;
  long sims = 5, grid = 0, seed = 0;
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
    } else if (!strcmp(o, "--problem")) {
      if (!v) {
        fprintf(stderr, "ogas bench pde: --problem needs a name\n");
        return 2;
      }
      only = v;
    } else if (!strcmp(o, "--sims"))
      rc = arg_long(o, v, 1, 100000, &sims);
    else if (!strcmp(o, "--grid"))
      rc = arg_long(o, v, 1, 1 << 16, &grid);
    else if (!strcmp(o, "--seed"))
      rc = arg_long(o, v, 0, 1L << 62, &seed);
    else {
      fprintf(stderr, "ogas bench pde: unknown option '%s'\n\n%s", o, usage);
      return 2;
    }
    if (rc) return 2;
    i++;
  }
  if (only && !pde_find(only)) {
    fprintf(stderr, "ogas bench pde: unknown problem '%s'\n", only);
    return 2;
  }
  if (!json)
    printf(
        "ogas bench pde: %ld simulation(s) per problem, seconds per simulation, one thread\n"
        "problem        grid warm outputs  create-w  create-c     run-w     run-c   "
        "cpu total [min, max]\n",
        sims);
  ogas_rng rng;
  ogas_rng_seed(&rng, (uint64_t)seed, 0x9DE);
  for (size_t i = 0; i < pde_count(); i++) {
    const pde_problem *p = pde_at(i);
    if (only && strcmp(pde_name(p), only)) continue;
    if (bench_problem(p, sims, grid, &rng, json)) return 1;
  }
  return 0;
}

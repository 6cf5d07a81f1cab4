/* ogas synth — drive the breeder against an analytic difficulty landscape and
 * show how often bred children land in the hard region compared with
 * uniform sampling (the enrichment), over one seed or several. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "synth/synth.h"
#include "util/clock.h"

static const char *usage =
    "usage: ogas synth [options]\n\n"
    "Runs the OGAS breeder, with the library's default settings, on a synthetic\n"
    "problem: simulations are scored by an analytic difficulty landscape whose loss\n"
    "falls where samples accumulate (as a surrogate's does). Prints, per generation,\n"
    "the share of bred children in the hard region next to the share uniform\n"
    "sampling gives; their ratio is the enrichment (above 1: breeding helps).\n\n"
    "options:\n"
    "  --landscape NAME   bump | band | multimodal | length | shell | flat (bump); the\n"
    "                     difficulty depends on a few coordinates, the rest are\n"
    "                     nuisance; flat has no structure at all (nothing to breed)\n"
    "  --dim D            number of parameters, >= 2 (8)\n"
    "  --generation-size N  simulations per generation (200)\n"
    "  --generations N    bred generations after the first (9: 2000 simulations)\n"
    "  --steps N          loss values each simulation reports (10)\n"
    "  --pattern P        how the simulated server reports losses (per-sim):\n"
    "                       per-sim    one call per simulation\n"
    "                       few        --calls-per-sim calls per simulation (4)\n"
    "                       minibatch  one call per --minibatch samples (64) drawn from\n"
    "                                  all running simulations\n"
    "  --seed S           first seed (0)\n"
    "  --seeds N          run seeds S .. S+N-1 and print the mean and worst (1)\n"
    "  --sync             train synchronously (reproducible bit for bit) instead of in\n"
    "                     the background\n"
    "  --breeder JSON     breeder settings merged over the library defaults, e.g.\n"
    "                     '{\"model\": {\"model_dim\": 256}, \"breeder\": {\"end_breed_ratio\": "
    "0.9}}'\n"
    "  --csv PATH         write the history of the first seed (sim_id, generation,\n"
    "                     is_bred, hard, p0..) (synth_history.csv)\n"
    "  --json PATH        write every seed's summary and the aggregate as JSON\n"
    "  --quiet            print only the summaries\n\n"
    "The breeder's CPU per generation is its training CPU time plus the wall time of\n"
    "next_parameters. In background mode synth waits for the trainer before each\n"
    "generation break, as a study whose simulations take longer than training does.\n";

static json_t *seed_json(uint64_t seed, const synth_result *r) {
  json_t *o = json_object();
  json_object_set_new(o, "seed", json_integer((json_int_t)seed));
  json_object_set_new(o, "enrichment", json_real(r->enrichment));
  json_object_set_new(o, "worst_generation_enrichment", json_real(r->worst_generation_enrichment));
  json_object_set_new(o, "first_bred_generation", json_integer(r->first_bred_generation));
  json_object_set_new(o, "first_trusted_generation", json_integer(r->first_trusted_generation));
  json_object_set_new(o, "n_bred", json_integer(r->n_bred));
  json_object_set_new(o, "n_bred_hard", json_integer(r->n_bred_hard));
  json_object_set_new(o, "breeder_cpu_s_per_generation", json_real(r->breeder_cpu_per_generation));
  json_object_set_new(o, "novelty", json_real(r->novelty));
  if (r->mode_balance > 0 || r->bred_in_mode[0] || r->bred_in_mode[1] || r->bred_in_mode[2]) {
    json_object_set_new(o, "mode_balance", json_real(r->mode_balance));
    json_t *m = json_array();
    for (int k = 0; k < LANDSCAPE_MAX_MODES; k++)
      json_array_append_new(m, json_integer(r->bred_in_mode[k]));
    json_object_set_new(o, "bred_in_mode", m);
  }
  json_t *gens = json_array();
  for (int g = 1; g < r->n_generations; g++) {
    const synth_generation *sg = &r->gens[g];
    json_t *x = json_object();
    json_object_set_new(x, "generation", json_integer(g));
    json_object_set_new(x, "n_bred", json_integer(sg->n_bred));
    json_object_set_new(x, "hard_share_bred", json_real(sg->hard_share_bred));
    json_object_set_new(x, "ddpm_steps", json_integer(sg->ddpm_steps_since_last));
    json_object_set_new(x, "ddpm_steps_dropped", json_integer(sg->dropped));
    json_object_set_new(x, "trust_z", json_real(sg->trust_z));
    json_object_set_new(x, "outcome_z", json_real(sg->outcome_z));
    json_object_set_new(x, "trusted", json_boolean(sg->trusted));
    json_object_set_new(x, "train_cpu_s", json_real(sg->train_cpu_s));
    json_object_set_new(x, "not_bred_reason", json_string(sg->not_bred_reason));
    json_array_append_new(gens, x);
  }
  json_object_set_new(o, "generations", gens);
  return o;
}

int cmd_synth(int argc, char **argv) {
  synth_options o = {.landscape = LANDSCAPE_BUMP,
                     .dim = 8,
                     .generation_size = 200,
                     .generations = 9,
                     .steps_per_sim = 10,
                     .pattern = REPORT_PER_SIM,
                     .calls_per_sim = 4,
                     .minibatch = 64,
                     .seed = 0,
                     .async = 1,
                     .progress = stdout};
  const char *csv = "synth_history.csv", *json_path = NULL;
  long n_seeds = 1;
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
        fprintf(stderr, "ogas synth: --landscape expects %s, got '%s'\n", landscape_names(),
                v ? v : "");
        return 2;
      }
    } else if (!strcmp(a, "--pattern")) {
      if (report_pattern_parse(v, &o.pattern)) {
        fprintf(stderr, "ogas synth: --pattern expects per-sim, few or minibatch, got '%s'\n",
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
    } else if (!strcmp(a, "--calls-per-sim")) {
      if (!(rc = arg_long(a, v, 1, 100000, &n))) o.calls_per_sim = (int)n;
    } else if (!strcmp(a, "--minibatch")) {
      if (!(rc = arg_long(a, v, 1, 1000000, &n))) o.minibatch = (int)n;
    } else if (!strcmp(a, "--seed")) {
      if (!(rc = arg_long(a, v, 0, 1L << 62, &n))) o.seed = (uint64_t)n;
    } else if (!strcmp(a, "--seeds")) {
      if (!(rc = arg_long(a, v, 1, 100000, &n))) n_seeds = n;
    } else if (!strcmp(a, "--breeder")) {
      if (!v) rc = -1, fprintf(stderr, "ogas synth: --breeder expects a JSON object\n");
      o.breeder_json = v;
    } else if (!strcmp(a, "--csv")) {
      if (!v) rc = -1, fprintf(stderr, "ogas synth: --csv expects a path\n");
      csv = v;
    } else if (!strcmp(a, "--json")) {
      if (!v) rc = -1, fprintf(stderr, "ogas synth: --json expects a path\n");
      json_path = v;
    } else {
      fprintf(stderr, "ogas synth: unknown option '%s'\n\n%s", a, usage);
      return 2;
    }
    if (rc) return 2;
    i++;
  }
  printf(
      "ogas synth: landscape %s, d = %d, %lld simulations per generation, %d generations, "
      "%s reporting, %s training\n",
      landscape_name(o.landscape), o.dim, (long long)o.generation_size, o.generations + 1,
      report_pattern_name(o.pattern), o.async ? "background" : "synchronous");
  json_t *runs = json_array();
  double sum_e = 0, worst_e = 0, worst_gen = 0, sum_cpu = 0, max_cpu = 0;
  int latest_first = 0, never = 0;
  double t0 = wall_s();
  uint64_t first_seed = o.seed;
  for (long k = 0; k < n_seeds; k++) {
    o.seed = first_seed + (uint64_t)k;
    synth_result r;
    char err[512] = "";
    if (synth_run(&o, &r, err, sizeof err)) {
      fprintf(stderr, "ogas synth: seed %llu: %s\n", (unsigned long long)o.seed, err);
      json_decref(runs);
      return 1;
    }
    printf(
        "seed %llu: bred children hard %.1f %% vs uniform %.1f %%: enrichment %.2fx "
        "(worst generation %.2fx), bred from generation %d, trusted from %d, novelty %.2f, breeder "
        "CPU %.2f s per generation\n",
        (unsigned long long)o.seed,
        r.n_bred ? 100.0 * (double)r.n_bred_hard / (double)r.n_bred : 0.0, 100 * r.uniform_share,
        r.enrichment, r.worst_generation_enrichment, r.first_bred_generation,
        r.first_trusted_generation, r.novelty, r.breeder_cpu_per_generation);
    if (o.landscape == LANDSCAPE_MULTIMODAL)
      printf(
          "  bred children in the three bumps: %lld / %lld / %lld, balance %.2f (1: in "
          "proportion to their areas)\n",
          (long long)r.bred_in_mode[0], (long long)r.bred_in_mode[1], (long long)r.bred_in_mode[2],
          r.mode_balance);
    if (k == 0 && synth_write_csv(&r, o.landscape, csv)) {
      fprintf(stderr, "ogas synth: cannot write %s\n", csv);
      synth_result_free(&r);
      json_decref(runs);
      return 1;
    }
    sum_e += r.enrichment;
    if (k == 0 || r.enrichment < worst_e) worst_e = r.enrichment;
    if (k == 0 || r.worst_generation_enrichment < worst_gen)
      worst_gen = r.worst_generation_enrichment;
    if (!r.first_trusted_generation)
      never++;
    else if (r.first_trusted_generation > latest_first)
      latest_first = r.first_trusted_generation;
    sum_cpu += r.breeder_cpu_per_generation;
    if (r.breeder_cpu_per_generation > max_cpu) max_cpu = r.breeder_cpu_per_generation;
    json_array_append_new(runs, seed_json(o.seed, &r));
    synth_result_free(&r);
  }
  double wall = wall_s() - t0;
  printf(
      "summary over %ld seed%s: enrichment mean %.2fx, worst seed %.2fx, worst generation "
      "%.2fx; trusted from generation %d at the latest%s; breeder CPU %.2f s per generation "
      "(max %.2f); %.1f s\n",
      n_seeds, n_seeds > 1 ? "s" : "", sum_e / (double)n_seeds, worst_e, worst_gen, latest_first,
      never ? " (some seeds never trusted)" : "", sum_cpu / (double)n_seeds, max_cpu, wall);
  if (n_seeds == 1) printf("history: %s\n", csv);
  if (json_path) {
    json_t *doc = json_object();
    json_object_set_new(doc, "landscape", json_string(landscape_name(o.landscape)));
    json_object_set_new(doc, "dim", json_integer(o.dim));
    json_object_set_new(doc, "pattern", json_string(report_pattern_name(o.pattern)));
    json_object_set_new(doc, "async", json_boolean(o.async));
    json_object_set_new(doc, "breeder", json_string(o.breeder_json ? o.breeder_json : "{}"));
    json_object_set_new(doc, "enrichment_mean", json_real(sum_e / (double)n_seeds));
    json_object_set_new(doc, "enrichment_worst_seed", json_real(worst_e));
    json_object_set_new(doc, "enrichment_worst_generation", json_real(worst_gen));
    json_object_set_new(doc, "first_trusted_generation_latest", json_integer(latest_first));
    json_object_set_new(doc, "seeds_never_trusted", json_integer(never));
    json_object_set_new(doc, "breeder_cpu_s_per_generation_mean",
                        json_real(sum_cpu / (double)n_seeds));
    json_object_set_new(doc, "breeder_cpu_s_per_generation_max", json_real(max_cpu));
    json_object_set_new(doc, "runs", runs);
    int bad = json_dump_file(doc, json_path, JSON_INDENT(1));
    json_decref(doc);
    if (bad) {
      fprintf(stderr, "ogas synth: cannot write %s\n", json_path);
      return 1;
    }
  } else {
    json_decref(runs);
  }
  return 0;
}

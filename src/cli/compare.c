/* ogas compare — one online study per sampler on the same config, budget,
 * gradient steps and seeds, judged on one shared validation set; prints the
 * table of statistics and ratios and writes results.json, report.md, the
 * plots and one folder per study (src/study/report.h). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/study_runner.h"
#include "nn/blas_threads.h"
#include "ogas.h"
#include "study/compare_plots.h"
#include "study/plots.h"
#include "study/report.h"
#include "study/study.h"
#include "util/clock.h"
#include "util/make_dirs.h"

#define DEFAULT_SAMPLERS "uniform,breed,ogas"
#define MAX_SAMPLERS 16
#define MAX_SEEDS 1000

static const char *compare_usage =
    "usage: ogas compare CONFIG [--samplers LIST] [--seeds N|LIST] [--out DIR] [--force]\n"
    "                           [--deterministic] [--plot-params I,J] [--no-plots] [--quiet]\n\n"
    "Runs one online study per sampler with the config's budget: the same number of\n"
    "simulations and surrogate gradient steps and the same seeds for every sampler.\n"
    "Every trained surrogate is evaluated on one shared validation set (Halton-drawn\n"
    "parameters with the config's validation seed, simulated once). Prints per sampler\n"
    "the one-step nRMSE mean, std, p50, p95, p99 and max, the wall time and the\n"
    "sampler's own CPU time, and uniform / sampler for each statistic (> 1: the\n"
    "sampler is better). Writes DIR/results.json, DIR/report.md, PNG plots (drawn by\n"
    "gnuplot) and one folder per study in DIR/runs.\n\n"
    "  CONFIG             study config (JSON), e.g. examples/ks1d.json; its \"sampler\"\n"
    "                     is ignored\n"
    "  --samplers LIST    comma-separated, from uniform, lhs, halton, sobol, breed, ogas,\n"
    "                     sbal (default " DEFAULT_SAMPLERS
    "); ratios need uniform\n"
    "  --seeds N|LIST     N: repeat with seeds SEED, SEED+1, ... SEED+N-1 (SEED: the\n"
    "                     config's; default 1); LIST: these seeds, e.g. 100-104 or\n"
    "                     0,3,7-9 (5, for seed 5 alone). The table shows means over\n"
    "                     the seeds and a 95 % bootstrap interval on every ratio;\n"
    "                     report seeds that did not tune the config (its \"tuning\"\n"
    "                     section names those; the report says if they overlap)\n"
    "  --out DIR          output folder (default out/CONFIG-NAME, created). A folder\n"
    "                     holding the results of the same comparison (config path,\n"
    "                     samplers, seeds) is replaced: its files are removed first;\n"
    "                     one holding another comparison is refused\n"
    "  --force            replace a folder holding another comparison\n"
    "  --deterministic    lockstep simulation and training on one thread: reproducible\n"
    "                     bit for bit, slower\n"
    "  --plot-params I,J  parameters drawn in the per-generation scatter plots\n"
    "                     (default: the two whose ranks correlate most with the\n"
    "                     training loss in uniform's run)\n"
    "  --no-plots         write the plot data and gnuplot scripts but do not draw\n"
    "  --quiet            no progress on stderr\n\n"
    "example:\n"
    "  ogas compare examples/ks1d.json --seeds 100-104\n"
    "  ogas plot out/ks1d/runs/ogas-seed0     (the breeder's own plots of one study)\n";

/* ---- progress ------------------------------------------------------------- */

typedef struct {
  int tty;
  const char *sampler;
  unsigned long long seed;
  size_t run, n_runs;
  int next_decile;
  double last_draw_s; /* elapsed time of the last bar drawn */
} progress_state;

static void progress(void *ctx, const study_progress *p) {
  progress_state *ps = ctx;
  double frac = p->batches_total > 0 ? (double)p->batches_done / (double)p->batches_total : 0.0;
  if (ps->tty) {
    /* At most ten redraws a second, and always the last one. */
    if (p->batches_done < p->batches_total && p->elapsed_s - ps->last_draw_s < 0.1) return;
    ps->last_draw_s = p->elapsed_s;
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    int full = (int)(frac * WIDTH + 0.5);
    for (int i = 0; i < WIDTH; i++) bar[i] = i < full ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(
        stderr,
        "\r[%zu/%zu] %-7s seed %llu [%s] %3.0f%%  sims %lld/%lld  steps %lld/%lld  %.1f s\033[K",
        ps->run, ps->n_runs, ps->sampler, ps->seed, bar, 100.0 * frac, (long long)p->sims_finished,
        (long long)p->nb_sims, (long long)p->batches_done, (long long)p->batches_total,
        p->elapsed_s);
    fflush(stderr);
    return;
  }
  if (ps->next_decile > 10 || frac * 10.0 < (double)ps->next_decile) return;
  while (ps->next_decile <= 10 && frac * 10.0 >= (double)ps->next_decile) ps->next_decile++;
  fprintf(stderr, "[%zu/%zu] %s seed %llu: %3.0f%%  sims %lld/%lld  steps %lld/%lld  %.1f s\n",
          ps->run, ps->n_runs, ps->sampler, ps->seed, 100.0 * frac, (long long)p->sims_finished,
          (long long)p->nb_sims, (long long)p->batches_done, (long long)p->batches_total,
          p->elapsed_s);
}

/* ---- a previous comparison in the output folder -------------------------- */

/* rm -r of a folder ogas wrote (links are removed, never followed). */
static void remove_tree(const char *path) {
  struct stat sb;
  if (lstat(path, &sb)) return;
  if (!S_ISDIR(sb.st_mode)) {
    unlink(path);
    return;
  }
  DIR *d = opendir(path);
  for (struct dirent *e; d && (e = readdir(d));) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char sub[4600];
    if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < sizeof sub) remove_tree(sub);
  }
  if (d) closedir(d);
  rmdir(path);
}

/* Whether a name from results.json is a plain file name (no folder part). */
static int plain_name(const char *s, const char *suffix) {
  size_t n = s ? strlen(s) : 0, k = strlen(suffix);
  return n > k && !strchr(s, '/') && !strcmp(s + n - k, suffix) && s[0] != '.';
}

/* OUT/results.json of an earlier comparison: when it compared the same
   config path, samplers and seeds (or with force), remove everything that
   comparison wrote (the files its results.json names, its plot data and
   scripts, its run folders, results.json and report.md) so that nothing of
   it stays beside the new results; otherwise refuse. 0, or 1 (refused). */
static int clear_previous(const char *out_dir, const char *config_path, char names[][16],
                          size_t n_samplers, const uint64_t *seed_list, size_t n_seeds, int force) {
  char path[4400];
  snprintf(path, sizeof path, "%s/results.json", out_dir);
  json_error_t je;
  json_t *old = json_load_file(path, 0, &je);
  if (!old) return 0; /* nothing there, or not ours: files are replaced one by one */
  json_t *samplers = json_object_get(old, "samplers"), *seeds = json_object_get(old, "seeds");
  const char *old_config = json_string_value(json_object_get(old, "config_path"));
  int same = old_config && !strcmp(old_config, config_path) && json_is_array(samplers) &&
             json_array_size(samplers) == n_samplers && json_array_size(seeds) == n_seeds;
  for (size_t s = 0; same && s < n_seeds; s++) {
    json_t *v = json_array_get(seeds, s);
    same = json_is_integer(v) && (uint64_t)json_integer_value(v) == seed_list[s];
  }
  char list[256] = "";
  size_t used = 0;
  for (size_t i = 0; i < json_array_size(samplers); i++) {
    const char *name = json_string_value(json_object_get(json_array_get(samplers, i), "sampler"));
    same = same && name && i < n_samplers && !strcmp(name, names[i]);
    if (used < sizeof list)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? "," : "",
                               name ? name : "?");
  }
  if (!same && !force) {
    fprintf(stderr,
            "ogas compare: '%s' holds another comparison (samplers %s, %lld seed(s), config %s); "
            "use another --out, or --force to replace it\n",
            out_dir, list, (long long)json_integer_value(json_object_get(old, "n_seeds")),
            old_config ? old_config : "?");
    json_decref(old);
    return 1;
  }
  fprintf(stderr, "ogas compare: replacing the comparison in '%s' (samplers %s)\n", out_dir, list);
  json_t *plots = json_object_get(old, "plots");
  for (size_t i = 0; i < json_array_size(plots); i++) {
    const char *png = json_string_value(json_array_get(plots, i));
    if (!plain_name(png, ".png")) continue;
    snprintf(path, sizeof path, "%s/%s", out_dir, png);
    unlink(path);
  }
  /* Data and scripts, also of plots that were not drawn, and their PNGs. */
  snprintf(path, sizeof path, "%s/plots", out_dir);
  DIR *d = opendir(path);
  for (struct dirent *e; d && (e = readdir(d));) {
    int gp = plain_name(e->d_name, ".gp");
    if (!gp && !plain_name(e->d_name, ".dat") && strcmp(e->d_name, "gnuplot.log")) continue;
    char file[4700];
    snprintf(file, sizeof file, "%s/plots/%s", out_dir, e->d_name);
    unlink(file);
    if (gp) {
      snprintf(file, sizeof file, "%s/%.*s.png", out_dir, (int)(strlen(e->d_name) - 3), e->d_name);
      unlink(file);
    }
  }
  if (d) closedir(d);
  for (size_t i = 0; i < json_array_size(samplers); i++) {
    json_t *runs = json_object_get(json_array_get(samplers, i), "runs");
    for (size_t k = 0; k < json_array_size(runs); k++) {
      const char *rel = json_string_value(json_object_get(json_array_get(runs, k), "run_dir"));
      if (!rel || strncmp(rel, "runs/", 5) || !plain_name(rel + 5, "") || strstr(rel, ".."))
        continue;
      snprintf(path, sizeof path, "%s/%s", out_dir, rel);
      remove_tree(path);
    }
  }
  snprintf(path, sizeof path, "%s/report.md", out_dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/results.json", out_dir);
  unlink(path);
  json_decref(old);
  return 0;
}

/* ---- options -------------------------------------------------------------- */

static int parse_samplers(const char *list, char names[][16], size_t *n) {
  *n = 0;
  const char *p = list;
  while (1) {
    size_t len = strcspn(p, ",");
    char name[32];
    if (len == 0 || len >= sizeof name) {
      fprintf(stderr, "ogas compare: --samplers: empty or too long name in '%s'\n", list);
      return -1;
    }
    memcpy(name, p, len);
    name[len] = '\0';
    study_sampler_kind k;
    if (study_sampler_parse(name, &k)) {
      fprintf(stderr, "ogas compare: --samplers: unknown sampler '%s' (%s)\n", name,
              STUDY_SAMPLER_NAMES);
      return -1;
    }
    for (size_t i = 0; i < *n; i++)
      if (!strcmp(names[i], study_sampler_name(k))) {
        fprintf(stderr, "ogas compare: --samplers: '%s' twice\n", name);
        return -1;
      }
    if (*n == MAX_SAMPLERS) {
      fprintf(stderr, "ogas compare: --samplers: at most %d\n", MAX_SAMPLERS);
      return -1;
    }
    snprintf(names[(*n)++], 16, "%s", study_sampler_name(k));
    if (!p[len]) break;
    p += len + 1;
  }
  return 0;
}

static int parse_pair(const char *text, int *a, int *b) {
  char *end;
  errno = 0;
  long x = text ? strtol(text, &end, 10) : -1;
  if (!text || end == text || *end != ',' || x < 0 || x > 4095) return -1;
  const char *q = end + 1;
  long y = strtol(q, &end, 10);
  if (end == q || *end || errno || y < 0 || y > 4095 || y == x) return -1;
  *a = (int)x, *b = (int)y;
  return 0;
}

/* out/NAME for CONFIG = .../NAME.json */
static void default_out_dir(const char *config, char *out, size_t len) {
  const char *base = strrchr(config, '/');
  base = base ? base + 1 : config;
  size_t n = strlen(base);
  if (n > 5 && !strcmp(base + n - 5, ".json")) n -= 5;
  if (n == 0) base = "compare", n = 7;
  snprintf(out, len, "out/%.*s", (int)n, base);
}

/* The config of one run: the file's JSON with sampler, seed, deterministic
   and (for ogas) the breeder's run_dir set. Returns malloc'd text. */
static char *run_config_text(json_t *root, const char *sampler, uint64_t seed, int deterministic,
                             const char *ogas_run_dir) {
  json_t *c = json_deep_copy(root);
  if (!c) return NULL;
  json_object_set_new(c, "sampler", json_string(sampler));
  if (seed <= (uint64_t)INT64_MAX) {
    json_object_set_new(c, "seed", json_integer((json_int_t)seed));
  } else {
    char s[32];
    snprintf(s, sizeof s, "%llu", (unsigned long long)seed);
    json_object_set_new(c, "seed", json_string(s));
  }
  if (deterministic) json_object_set_new(c, "deterministic", json_true());
  if (ogas_run_dir) {
    json_t *o = json_object_get(c, "ogas");
    if (!json_is_object(o)) {
      o = json_object();
      json_object_set_new(c, "ogas", o);
    }
    json_object_set_new(o, "run_dir", json_string(ogas_run_dir));
  }
  char *text = json_dumps(c, JSON_COMPACT);
  json_decref(c);
  return text;
}

int cmd_compare(int argc, char **argv) {
  const char *config_path = NULL, *samplers = DEFAULT_SAMPLERS, *out_arg = NULL;
  const char *seeds_arg = "1";
  int deterministic = 0, quiet = 0, draw = 1, px = -1, py = -1, force = 0;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      fputs(compare_usage, stdout);
      return 0;
    } else if (!strcmp(o, "--deterministic")) {
      deterministic = 1;
    } else if (!strcmp(o, "--quiet")) {
      quiet = 1;
    } else if (!strcmp(o, "--force")) {
      force = 1;
    } else if (!strcmp(o, "--no-plots")) {
      draw = 0;
    } else if (!strcmp(o, "--samplers") || !strcmp(o, "--out")) {
      if (!v) {
        fprintf(stderr, "ogas compare: %s needs a value\n", o);
        return 2;
      }
      if (!strcmp(o, "--samplers"))
        samplers = v;
      else
        out_arg = v;
      i++;
    } else if (!strcmp(o, "--seeds")) {
      if (!v) {
        fprintf(stderr, "ogas compare: --seeds needs a value\n");
        return 2;
      }
      seeds_arg = v;
      i++;
    } else if (!strcmp(o, "--plot-params")) {
      if (parse_pair(v, &px, &py)) {
        fprintf(stderr,
                "ogas compare: --plot-params expects two different parameter indices "
                "I,J (from 0), got '%s'\n",
                v ? v : "");
        return 2;
      }
      i++;
    } else if (o[0] == '-' && o[1]) {
      fprintf(stderr, "ogas compare: unknown option '%s' (ogas compare --help)\n", o);
      return 2;
    } else if (!config_path) {
      config_path = o;
    } else {
      fprintf(stderr, "ogas compare: one config only ('%s' is extra)\n", o);
      return 2;
    }
  }
  if (!config_path) {
    fputs(compare_usage, stderr);
    return 2;
  }
  char names[MAX_SAMPLERS][16];
  size_t n_samplers;
  if (parse_samplers(samplers, names, &n_samplers)) return 2;
  /* Checked before the config loads; a count is expanded from the config's
     seed once it has. */
  uint64_t seed_list[MAX_SEEDS];
  size_t n_seeds;
  if (arg_seed_list("--seeds", seeds_arg, 0, MAX_SEEDS, seed_list, &n_seeds)) return 2;

  double t0 = wall_s();
  study_config cfg;
  char err[1024];
  if (study_config_load(config_path, &cfg, err, sizeof err)) {
    fprintf(stderr, "ogas compare: %s: %s\n", config_path, err);
    return 1;
  }
  if (arg_seed_list("--seeds", seeds_arg, cfg.seed, MAX_SEEDS, seed_list, &n_seeds)) {
    study_config_free(&cfg);
    return 2;
  }
  const pde_problem *problem = pde_find(cfg.problem);
  size_t nb_params = problem ? pde_nb_params(problem) : 0;
  if (px >= 0 && ((size_t)px >= nb_params || (size_t)py >= nb_params)) {
    fprintf(stderr, "ogas compare: --plot-params: %s has parameters 0..%zu\n", cfg.problem,
            nb_params - 1);
    study_config_free(&cfg);
    return 2;
  }
  json_error_t je;
  json_t *root = json_load_file(config_path, JSON_REJECT_DUPLICATES, &je);
  char out_dir[4096];
  if (out_arg)
    snprintf(out_dir, sizeof out_dir, "%s", out_arg);
  else
    default_out_dir(config_path, out_dir, sizeof out_dir);
  size_t ol = strlen(out_dir);
  while (ol > 1 && out_dir[ol - 1] == '/') out_dir[--ol] = '\0';
  if (!root || make_dirs(out_dir)) {
    if (!root)
      fprintf(stderr, "ogas compare: %s: %s\n", config_path, je.text);
    else
      fprintf(stderr, "ogas compare: cannot create '%s': %s\n", out_dir, strerror(errno));
    json_decref(root);
    study_config_free(&cfg);
    return 1;
  }
  if (clear_previous(out_dir, config_path, names, n_samplers, seed_list, n_seeds, force)) {
    json_decref(root);
    study_config_free(&cfg);
    return 1;
  }
  /* One OpenBLAS thread: the simulation threads use the other cores. */
  blas_set_threads(1);

  const char *name_ptrs[MAX_SAMPLERS];
  for (size_t i = 0; i < n_samplers; i++) name_ptrs[i] = names[i];
  compare_report rep;
  int rc = 1;
  study_validation *val = NULL;
  if (compare_report_init(&rep, n_samplers, name_ptrs, n_seeds, seed_list)) {
    fprintf(stderr, "ogas compare: out of memory\n");
    json_decref(root);
    study_config_free(&cfg);
    return 1;
  }
  snprintf(rep.config_path, sizeof rep.config_path, "%s", config_path);
  snprintf(rep.problem, sizeof rep.problem, "%s", cfg.problem);
  rep.config_json = json_dumps(root, JSON_COMPACT);
  rep.validation_seed = cfg.validation_seed;
  rep.tuning = cfg.tuning;
  rep.deterministic = deterministic || cfg.deterministic;
  rep.param_x = px, rep.param_y = py;

  int64_t total = study_config_total_batches(&cfg);
  fprintf(stderr,
          "ogas compare: %s, samplers %s, %zu seed%s, %lld simulations and %lld surrogate steps "
          "per study, %s mode\n",
          cfg.problem, samplers, n_seeds, n_seeds > 1 ? "s" : "", (long long)cfg.nb_sims,
          (long long)total, rep.deterministic ? "deterministic" : "concurrent");
  double tv = wall_s();
  int threads = cfg.concurrent_sims > 0 ? (int)cfg.concurrent_sims : 1;
  if (study_validation_for_config(&cfg, threads, &val, err, sizeof err)) {
    fprintf(stderr, "ogas compare: validation set: %s\n", err);
    goto done;
  }
  rep.validation_s = wall_s() - tv;
  rep.validation_params = study_validation_params(val);
  if (!quiet)
    fprintf(stderr, "validation set: %zu simulations x %zu steps (%.1f s)\n",
            study_validation_n_sims(val), study_validation_n_steps(val), rep.validation_s);

  progress_state pst = {.tty = isatty(STDERR_FILENO), .n_runs = n_samplers * n_seeds};
  for (size_t s = 0; s < n_seeds; s++) {
    for (size_t i = 0; i < n_samplers; i++) {
      uint64_t seed = seed_list[s];
      char rel[128], dir[4400];
      snprintf(rel, sizeof rel, "runs/%s-seed%llu", names[i], (unsigned long long)seed);
      snprintf(dir, sizeof dir, "%s/%s", out_dir, rel);
      if (make_dirs(dir)) {
        fprintf(stderr, "ogas compare: cannot create '%s': %s\n", dir, strerror(errno));
        goto done;
      }
      /* The breeder appends its telemetry: start each run on an empty file. */
      char tel[4500];
      snprintf(tel, sizeof tel, "%s/generations.jsonl", dir);
      if (remove(tel) && errno != ENOENT) {
        fprintf(stderr, "ogas compare: cannot remove '%s': %s\n", tel, strerror(errno));
        goto done;
      }
      int is_ogas = !strcmp(names[i], "ogas");
      char *text = run_config_text(root, names[i], seed, deterministic, is_ogas ? dir : NULL);
      study_config rc_cfg;
      if (!text) {
        fprintf(stderr, "ogas compare: out of memory\n");
        goto done;
      }
      if (study_config_parse(text, &rc_cfg, err, sizeof err)) {
        fprintf(stderr, "ogas compare: %s: %s\n", names[i], err);
        free(text);
        goto done;
      }
      pst.sampler = names[i], pst.seed = (unsigned long long)seed;
      pst.run = s * n_samplers + i + 1, pst.next_decile = 1, pst.last_draw_s = -1.0;
      study_run_options opts = {.validation = val,
                                .progress = quiet ? NULL : progress,
                                .progress_ctx = &pst,
                                .progress_every = total / 200 > 0 ? total / 200 : 1};
      study_result *r = NULL;
      int st = cli_run_study(&rc_cfg, NULL, &opts, &r, err, sizeof err);
      study_config_free(&rc_cfg);
      if (!quiet && pst.tty) fputs("\r\033[K", stderr);
      if (st) {
        fprintf(stderr, "ogas compare: %s seed %llu: %s\n", names[i], (unsigned long long)seed,
                err);
        free(text);
        goto done;
      }
      if (!quiet)
        fprintf(stderr, "[%zu/%zu] %s seed %llu: %.1f s, mean %.4g, p99 %.4g, max %.4g\n", pst.run,
                pst.n_runs, names[i], (unsigned long long)seed, r->wall_s, r->val_stats.mean,
                r->val_stats.p99, r->val_stats.max);
      st = compare_write_run_folder(r, dir, err, sizeof err);
      if (st) {
        fprintf(stderr, "ogas compare: %s\n", err);
        study_result_free(r);
        free(text);
        goto done;
      }
      /* The recorded config names the breeder's folder relative to the
         comparison's, as run_dir does: results.json holds no machine path. */
      if (is_ogas) {
        free(text);
        text = run_config_text(root, names[i], seed, deterministic, rel);
      }
      if (!text) {
        fprintf(stderr, "ogas compare: out of memory\n");
        study_result_free(r);
        goto done;
      }
      st = compare_report_set_run(&rep, i, s, r, rel, text);
      free(text);
      if (st) {
        fprintf(stderr, "ogas compare: out of memory\n");
        goto done;
      }
    }
  }
  if (compare_report_finish(&rep)) {
    fprintf(stderr, "ogas compare: out of memory\n");
    goto done;
  }
  rep.total_s = wall_s() - t0;

  plot_set ps;
  if (plot_set_init(&ps, out_dir, draw, err, sizeof err) ||
      compare_draw_plots(&rep, out_dir, &ps, err, sizeof err)) {
    fprintf(stderr, "ogas compare: plots: %s\n", err);
    goto done;
  }
  if (ps.warning[0]) fprintf(stderr, "ogas compare: warning: %s\n", ps.warning);
  rep.total_s = wall_s() - t0;
  if (compare_write_json(&rep, out_dir, &ps, err, sizeof err) ||
      compare_write_markdown(&rep, out_dir, &ps, err, sizeof err)) {
    fprintf(stderr, "ogas compare: %s\n", err);
    goto done;
  }
  putchar('\n');
  compare_print_table(&rep, stdout);
  printf("\nplots and report: %s/ (report.md, results.json, %s)\n", out_dir,
         ps.n_png ? "*.png"
         : draw   ? "no PNGs: see the warning above"
                  : "no PNGs with --no-plots: data and gnuplot scripts in plots/");
  printf("total %.1f s\n", rep.total_s);
  rc = 0;
done:
  study_validation_free(val);
  compare_report_free(&rep);
  json_decref(root);
  study_config_free(&cfg);
  return rc;
}

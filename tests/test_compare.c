/* ogas compare end to end on a tiny deterministic ks1d config: the table
   names every sampler, results.json is strict JSON with the documented keys
   and ratios that follow from its statistics, report.md and the run folders
   exist, the plots are non-empty PNGs when gnuplot is installed, a missing
   gnuplot is only a warning, and bad options are usage errors. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "read_text.h"
#include "run_cli.h"
#include "study/plots.h"
#include "temp_dir.h"

static const char *tiny =
    "{\"problem\": \"ks1d\", \"pde\": {\"grid\": 32, \"n_steps\": 10},\n"
    " \"nb_sims\": 16, \"concurrent_sims\": 2, \"seed\": 3, \"sampler\": \"halton\",\n"
    " \"surrogate\": {\"width\": 32, \"blocks\": 1, \"batch_size\": 16, \"lr\": 0.002},\n"
    " \"buffer\": {\"capacity\": 200}, \"batches_per_sim\": 8, \"nn_updates\": 16,\n"
    " \"min_finished_between_generations\": 2, \"validation\": {\"n_sims\": 5, \"seed\": 9,\n"
    "   \"rollout_steps\": 4},\n"
    " \"breed\": {\"start_breed_ratio\": 0.5},\n"
    " \"sbal\": {\"min_finished\": 4, \"pool_size\": 32, \"rollout_steps\": 2},\n"
    " \"ogas\": {\"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10,\n"
    "   \"n_train_steps_per_epoch\": 2},\n"
    "   \"breeder\": {\"min_reservoir_entries\": 16, \"min_train_steps\": 10,\n"
    "     \"start_breed_ratio\": 0.5},\n"
    "   \"data\": {\"batch_size\": 16, \"buffer_size\": 500}}}\n";

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) ? -1 : (long)st.st_size;
}

static int is_png(const char *path) {
  unsigned char sig[8] = {0};
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t n = fread(sig, 1, 8, f);
  fclose(f);
  return n == 8 && !memcmp(sig, "\x89PNG\r\n\x1a\n", 8);
}

static double num(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *const stat_names[6] = {"mean", "std", "p50", "p95", "p99", "max"};

/* plots/errors_by_param.dat: per sampler 10 bins holding all n_val
   validation simulations, mean <= max in each, and the bins' weighted mean
   equal to the sampler's mean error in results.json (the mean over the seeds
   of each seed's mean, as the plot averages each simulation over the seeds). */
static void check_errors_by_param(const char *dir, size_t n_val) {
  char path[900];
  snprintf(path, sizeof path, "%s/results.json", dir);
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  snprintf(path, sizeof path, "%s/plots/errors_by_param.dat", dir);
  FILE *f = fopen(path, "r");
  CHECK_MSG(root && f, "%s", path);
  if (!root || !f) {
    if (f) fclose(f);
    json_decref(root);
    return;
  }
  json_t *samplers = json_object_get(root, "samplers");
  char line[512];
  int block = -1, bins = 0;
  size_t count = 0;
  double weighted = 0;
  for (;;) {
    char *got = fgets(line, sizeof line, f);
    if (!got || (line[0] == '#' && line[1] == ' ' && block >= 0 && bins)) {
      CHECK_MSG(bins == 10 && count == n_val, "block %d: %d bins, %zu simulations", block, bins,
                count);
      double want = num(json_object_get(json_array_get(samplers, (size_t)block), "stats"), "mean");
      CHECK_NEAR(weighted / (double)count, want, 1e-6 * want);
      bins = 0, count = 0, weighted = 0;
    }
    if (!got) break;
    if (line[0] == '#') {
      if (line[1] == ' ' && strstr(line, "one block") == NULL) block++;
      continue;
    }
    double x, mean, max;
    unsigned long c;
    if (sscanf(line, "%lf %lf %lf %lu", &x, &mean, &max, &c) != 4) continue;
    bins++, count += c;
    if (c) {
      CHECK(mean > 0 && mean <= max + 1e-12);
      weighted += mean * (double)c;
    }
  }
  CHECK(block == (int)json_array_size(samplers) - 1);
  fclose(f);
  json_decref(root);
}

static void check_results(const char *path, int n_seeds) {
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  CHECK_MSG(root != NULL, "%s: %s", path, je.text);
  if (!root) return;
  CHECK(json_is_object(json_object_get(root, "config")));
  CHECK(json_is_string(json_object_get(root, "config_path")));
  CHECK(!strcmp(json_string_value(json_object_get(root, "problem")), "ks1d"));
  CHECK(json_integer_value(json_object_get(root, "n_seeds")) == n_seeds);
  CHECK(json_integer_value(json_object_get(root, "nb_sims")) == 16);
  CHECK(json_integer_value(json_object_get(root, "grad_steps")) == 128);
  CHECK(json_integer_value(json_object_get(json_object_get(root, "validation"), "n_sims")) == 5);
  CHECK(json_integer_value(json_object_get(json_object_get(root, "validation"), "rollout_steps")) ==
        4);
  CHECK(json_is_null(json_object_get(root, "tuning"))); /* the config does not say */
  CHECK(json_integer_value(json_object_get(json_object_get(root, "bootstrap"), "replicates")) ==
        1000);
  json_t *samplers = json_object_get(root, "samplers");
  CHECK(json_is_array(samplers) && json_array_size(samplers) == 2);
  json_t *u = json_array_get(samplers, 0), *o = json_array_get(samplers, 1);
  CHECK(u && !strcmp(json_string_value(json_object_get(u, "sampler")), "uniform"));
  CHECK(o && !strcmp(json_string_value(json_object_get(o, "sampler")), "ogas"));
  if (!u || !o) {
    json_decref(root);
    return;
  }
  for (size_t i = 0; i < 2; i++) {
    json_t *s = json_array_get(samplers, i);
    const char *name = json_string_value(json_object_get(s, "sampler"));
    json_t *stats = json_object_get(s, "stats"), *runs = json_object_get(s, "runs");
    CHECK(num(s, "wall_s") >= 0 && num(s, "sampler_cpu_s") >= 0);
    CHECK(json_is_array(runs) && (int)json_array_size(runs) == n_seeds);
    for (int k = 0; k < 6; k++) {
      /* The table's statistic is the mean over seeds... */
      double sum = 0;
      for (int r = 0; r < n_seeds; r++)
        sum += num(json_object_get(json_array_get(runs, (size_t)r), "stats"), stat_names[k]);
      CHECK_NEAR(num(stats, stat_names[k]), sum / n_seeds, 1e-7);
      /* ... and its ratio is uniform's over this sampler's. */
      double want = num(json_object_get(u, "stats"), stat_names[k]) / num(stats, stat_names[k]);
      CHECK_NEAR(num(json_object_get(s, "ratio"), stat_names[k]), want, 1e-7);
      double lo = num(json_object_get(s, "ratio_min"), stat_names[k]);
      double hi = num(json_object_get(s, "ratio_max"), stat_names[k]);
      for (int r = 0; r < n_seeds; r++) {
        json_t *run = json_array_get(runs, (size_t)r);
        double q = num(json_object_get(run, "ratio"), stat_names[k]);
        double wq =
            num(json_object_get(json_array_get(json_object_get(u, "runs"), (size_t)r), "stats"),
                stat_names[k]) /
            num(json_object_get(run, "stats"), stat_names[k]);
        CHECK_NEAR(q, wq, 1e-7);
        CHECK(q >= lo - 1e-12 && q <= hi + 1e-12);
      }
      if (i == 0) CHECK_NEAR(num(json_object_get(s, "ratio"), stat_names[k]), 1.0, 1e-12);
      /* The bootstrap interval: none for uniform itself; for ogas a pair
         lo <= hi around the spread of the data (the ratio of the means
         itself may fall outside a percentile interval, but not far). */
      json_t *ci = json_object_get(json_object_get(s, "ratio_ci95"), stat_names[k]);
      if (i == 0) {
        CHECK(json_is_null(ci));
      } else {
        CHECK_MSG(json_is_array(ci) && json_array_size(ci) == 2, "%s ci", stat_names[k]);
        double clo = json_number_value(json_array_get(ci, 0));
        double chi = json_number_value(json_array_get(ci, 1));
        CHECK(clo > 0 && clo <= chi);
      }
      /* The rollout metric is there, with its own ratio of means. */
      json_t *rs = json_object_get(s, "rollout_stats");
      double rwant =
          num(json_object_get(u, "rollout_stats"), stat_names[k]) / num(rs, stat_names[k]);
      CHECK_NEAR(num(json_object_get(s, "rollout_ratio"), stat_names[k]), rwant, 1e-7);
    }
    for (int r = 0; r < n_seeds; r++) {
      json_t *run = json_array_get(runs, (size_t)r), *cfg = json_object_get(run, "config");
      /* Same seeds for every sampler: the config's seed + r. */
      CHECK(json_integer_value(json_object_get(run, "seed")) == 3 + r);
      CHECK(json_is_object(cfg));
      CHECK(json_integer_value(json_object_get(cfg, "seed")) == 3 + r);
      CHECK(!strcmp(json_string_value(json_object_get(cfg, "sampler")), name));
      CHECK(json_is_true(json_object_get(cfg, "deterministic")));
      CHECK(json_integer_value(json_object_get(run, "grad_steps")) == 128);
      CHECK(num(run, "wall_s") >= 0 && num(run, "sampler_cpu_s") >= 0);
      const char *run_dir = json_string_value(json_object_get(run, "run_dir"));
      CHECK(run_dir && run_dir[0] != '/');
      /* The breeder's folder is recorded as the run's, relative: no machine path. */
      json_t *breeder_cfg = json_object_get(cfg, "ogas");
      if (!strcmp(name, "ogas"))
        CHECK(run_dir && json_is_string(json_object_get(breeder_cfg, "run_dir")) &&
              !strcmp(json_string_value(json_object_get(breeder_cfg, "run_dir")), run_dir));
    }
  }
  json_decref(root);
}

int main(void) {
  char dir[512], cfg[600], out[600], err[600], path[800];
  snprintf(dir, sizeof dir, "%s/compare_out", OGAS_TEST_OUT);
  snprintf(cfg, sizeof cfg, "%s/compare_tiny.json", OGAS_TEST_OUT);
  snprintf(out, sizeof out, "%s/compare_stdout.txt", OGAS_TEST_OUT);
  snprintf(err, sizeof err, "%s/compare_stderr.txt", OGAS_TEST_OUT);
  FILE *f = fopen(cfg, "w");
  CHECK(f != NULL);
  if (!f) return check_exit("test_compare");
  fputs(tiny, f);
  fclose(f);
  char gnuplot[4096];
  int have_gnuplot = plots_find_gnuplot(gnuplot, sizeof gnuplot) == 0;

  /* Two samplers, two seeds, deterministic. */
  {
    const char *args[] = {"compare", cfg, "--samplers",      "uniform,ogas", "--seeds", "2",
                          "--out",   dir, "--deterministic", "--quiet",      NULL};
    int rc = run_cli(args, out, err);
    char *e = read_text(err);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, e ? e : "");
    free(e);
    char *text = read_text(out);
    CHECK(text != NULL);
    if (text) {
      CHECK_MSG(strstr(text, "\nuniform ") != NULL, "%s", text);
      CHECK_MSG(strstr(text, "\nogas ") != NULL, "%s", text);
      CHECK(strstr(text, "ratio uniform") != NULL);
      CHECK_MSG(strstr(text, "seeds 3, 4, validation seed 9; the config does not say") != NULL,
                "%s", text);
      CHECK(strstr(text, "means over the seeds") != NULL);
      CHECK(strstr(text, "rollout nRMSE (4 steps") != NULL);
      CHECK(strstr(text, "[95 % bootstrap interval") != NULL);
      CHECK(strstr(text, "plots and report: ") != NULL);
    }
    free(text);
    snprintf(path, sizeof path, "%s/results.json", dir);
    check_results(path, 2);
    snprintf(path, sizeof path, "%s/report.md", dir);
    char *md = read_text(path);
    CHECK(md && strstr(md, "| uniform |") && strstr(md, "| ogas |") && strstr(md, "## Plots"));
    if (md && have_gnuplot) CHECK(strstr(md, "![") != NULL);
    free(md);
    static const char *const run_files[] = {"runs/uniform-seed3/result.json",
                                            "runs/uniform-seed4/children.csv",
                                            "runs/ogas-seed3/generations.jsonl",
                                            "runs/ogas-seed4/children.csv",
                                            "plots/errors.gp",
                                            "plots/errors.dat",
                                            "plots/params_ogas.gp",
                                            "plots/errors_by_param.dat"};
    for (size_t i = 0; i < sizeof run_files / sizeof *run_files; i++) {
      snprintf(path, sizeof path, "%s/%s", dir, run_files[i]);
      CHECK_MSG(file_size(path) > 0, "%s missing or empty", path);
    }
    check_errors_by_param(dir, 5);
    static const char *const pngs[] = {"errors.png",      "train_loss.png", "params_ogas.png",
                                       "breed_ratio.png", "ddpm_loss.png",  "errors_by_param.png"};
    if (have_gnuplot) {
      for (size_t i = 0; i < sizeof pngs / sizeof *pngs; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, pngs[i]);
        CHECK_MSG(file_size(path) > 1000 && is_png(path), "%s is not a drawn PNG", path);
      }
      /* The breeder's own plots of one of the runs. */
      char run[700];
      snprintf(run, sizeof run, "%s/runs/ogas-seed3", dir);
      const char *pargs[] = {"plot", run, NULL};
      CHECK(run_cli(pargs, out, err) == 0);
      snprintf(path, sizeof path, "%s/parameters.png", run);
      CHECK(file_size(path) > 1000 && is_png(path));
    } else {
      printf("gnuplot not found: PNG checks skipped\n");
    }
  }

  /* Without uniform there are no ratios; without gnuplot only a warning. */
  {
    char dir2[600];
    snprintf(dir2, sizeof dir2, "%s/compare_out2", OGAS_TEST_OUT);
    const char *args[] = {"compare",           cfg,       "--samplers",
                          "halton,breed,sbal", "--out",   dir2,
                          "--deterministic",   "--quiet", NULL};
    setenv("OGAS_GNUPLOT", "", 1);
    int rc = run_cli(args, out, err);
    unsetenv("OGAS_GNUPLOT");
    CHECK_MSG(rc == 0, "exit %d", rc);
    char *e = read_text(err), *text = read_text(out);
    CHECK_MSG(e && strstr(e, "gnuplot not found"), "%s", e ? e : "");
    CHECK(text && strstr(text, "uniform is not among the samplers") && strstr(text, "\nbreed ") &&
          strstr(text, "\nsbal "));
    free(e), free(text);
    snprintf(path, sizeof path, "%s/plots/errors.gp", dir2);
    CHECK(file_size(path) > 0);
    snprintf(path, sizeof path, "%s/errors.png", dir2);
    CHECK(file_size(path) < 0);
    snprintf(path, sizeof path, "%s/runs/breed-seed3/generations.jsonl", dir2);
    CHECK(file_size(path) > 0);
    snprintf(path, sizeof path, "%s/runs/sbal-seed3/generations.jsonl", dir2);
    char *log = read_text(path);
    CHECK_MSG(log && strstr(log, "sbal waits"), "%s", log ? log : "no sbal log");
    free(log);
    snprintf(path, sizeof path, "%s/results.json", dir2);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    CHECK_MSG(root != NULL, "%s", je.text);
    json_t *b = json_array_get(json_object_get(root, "samplers"), 1);
    CHECK(b && json_is_null(json_object_get(json_object_get(b, "ratio"), "max")));
    CHECK(json_array_size(json_object_get(root, "plots")) == 0);
    json_decref(root);
  }

  /* --out reused: another comparison is refused (its results stay), --force
     replaces it and leaves nothing of it behind (before: results.json and
     report.md were overwritten and the old plots and runs stayed beside
     them); the same comparison again is replaced without --force. */
  {
    char tmp[512], reuse[700];
    CHECK(temp_dir_make(tmp, sizeof tmp, "compare_reuse") == 0);
    snprintf(reuse, sizeof reuse, "%s/out", tmp);
    const char *first[] = {"compare",    cfg,   "--samplers",      "uniform,breed",
                           "--out",      reuse, "--deterministic", "--quiet",
                           "--no-plots", NULL};
    CHECK(run_cli(first, out, err) == 0);
    snprintf(path, sizeof path, "%s/plots/params_breed.gp", reuse);
    CHECK(file_size(path) > 0);
    const char *other[] = {"compare",         cfg,       "--samplers", "halton", "--out", reuse,
                           "--deterministic", "--quiet", "--no-plots", NULL};
    CHECK(run_cli(other, out, err) == 1);
    char *e = read_text(err);
    CHECK_MSG(
        e && strstr(e, "another comparison") && strstr(e, "uniform,breed") && strstr(e, "--force"),
        "%s", e ? e : "");
    free(e);
    snprintf(path, sizeof path, "%s/results.json", reuse);
    char *kept = read_text(path);
    CHECK(kept && strstr(kept, "\"breed\""));
    free(kept);
    const char *forced[] = {"compare", cfg,          "--samplers", "halton",
                            "--out",   reuse,        "--force",    "--deterministic",
                            "--quiet", "--no-plots", NULL};
    CHECK(run_cli(forced, out, err) == 0);
    static const char *const gone[] = {"plots/params_breed.gp", "plots/params_breed.dat",
                                       "plots/breed_ratio.gp", "runs/breed-seed3",
                                       "runs/uniform-seed3"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) {
      snprintf(path, sizeof path, "%s/%s", reuse, gone[i]);
      CHECK_MSG(file_size(path) < 0, "%s of the previous comparison is still there", gone[i]);
    }
    snprintf(path, sizeof path, "%s/results.json", reuse);
    json_error_t je;
    json_t *now = json_load_file(path, 0, &je);
    json_t *list = json_object_get(now, "samplers");
    CHECK(
        json_array_size(list) == 1 &&
        !strcmp(json_string_value(json_object_get(json_array_get(list, 0), "sampler")), "halton"));
    json_decref(now);
    CHECK(run_cli(forced + 0, out, err) == 0); /* the same comparison: replaced */
    snprintf(path, sizeof path, "%s/runs/halton-seed3/result.json", reuse);
    CHECK(file_size(path) > 0);
    temp_dir_remove(tmp);
  }

  /* A list of seeds, and a config that names its tuning seeds: the report
     says whether the compared seeds are held out. */
  {
    char tmp[512], tuned[700], odir[700];
    CHECK(temp_dir_make(tmp, sizeof tmp, "compare_tuning") == 0);
    snprintf(tuned, sizeof tuned, "%s/tuned.json", tmp);
    snprintf(odir, sizeof odir, "%s/out", tmp);
    char *text = strdup(tiny);
    char *brace = text ? strrchr(text, '}') : NULL;
    FILE *g = brace ? fopen(tuned, "w") : NULL;
    CHECK(g != NULL);
    if (g) {
      *brace = '\0';
      fprintf(g, "%s, \"tuning\": {\"seeds\": [0, 7], \"validation_seed\": 1}}\n", text);
      fclose(g);
    }
    free(text);
    const char *held[] = {"compare",         tuned,     "--samplers", "uniform,halton",
                          "--seeds",         "5,8-9",   "--out",      odir,
                          "--deterministic", "--quiet", "--no-plots", NULL};
    CHECK(run_cli(held, out, err) == 0);
    char *t = read_text(out);
    CHECK_MSG(t && strstr(t,
                          "seeds 5, 8, 9, validation seed 9; the settings were tuned on seeds "
                          "0, 7 with validation seed 1: held out"),
              "%s", t ? t : "");
    free(t);
    snprintf(path, sizeof path, "%s/runs/halton-seed8/result.json", odir);
    CHECK(file_size(path) > 0);
    snprintf(path, sizeof path, "%s/results.json", odir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    json_t *seeds = json_object_get(root, "seeds");
    CHECK(json_array_size(seeds) == 3 && json_integer_value(json_array_get(seeds, 2)) == 9);
    CHECK(json_is_true(json_object_get(json_object_get(root, "tuning"), "held_out")));
    json_decref(root);
    const char *in_sample[] = {
        "compare", tuned,     "--samplers", "uniform",         "--seeds",    "6-7", "--out",
        odir,      "--force", "--quiet",    "--deterministic", "--no-plots", NULL};
    CHECK(run_cli(in_sample, out, err) == 0);
    t = read_text(out);
    CHECK_MSG(t && strstr(t, "seeds 6, 7, ") && strstr(t, "NOT held out"), "%s", t ? t : "");
    free(t);
    temp_dir_remove(tmp);
  }

  /* Usage errors. */
  {
    const char *bad1[] = {"compare", cfg, "--samplers", "uniform,nope", NULL};
    const char *bad2[] = {"compare", cfg, "--plot-params", "0,99", NULL};
    const char *bad3[] = {"compare", cfg, "--samplers", "uniform,uniform", NULL};
    const char *bad4[] = {"compare", cfg, "--seeds", "0", NULL};
    CHECK(run_cli(bad1, out, err) == 2);
    CHECK(run_cli(bad2, out, err) == 2);
    CHECK(run_cli(bad3, out, err) == 2);
    CHECK(run_cli(bad4, out, err) == 2);
    static const char *const bad_lists[] = {"3-1", "1,1", "0-2,2", "x", "1,,2", "-3", "1001"};
    for (size_t i = 0; i < sizeof bad_lists / sizeof *bad_lists; i++) {
      const char *bad5[] = {"compare", cfg, "--seeds", bad_lists[i], NULL};
      CHECK_MSG(run_cli(bad5, out, err) == 2, "--seeds %s", bad_lists[i]);
    }
    const char *missing[] = {"compare", "/nonexistent/config.json", NULL};
    CHECK(run_cli(missing, out, err) == 1);
  }
  return check_exit("test_compare");
}

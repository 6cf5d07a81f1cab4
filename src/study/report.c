/* report — aggregate, print and write a comparison of samplers. See report.h. */
#include "study/report.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "pde/pde.h"
#include "util/atomic_file.h"
#include "util/make_dirs.h"
#include "util/run_log.h"
#include "util/status_msg.h"

static void stat_set(study_stats *s, int k, double v) {
  switch (k) {
    case 0:
      s->mean = v;
      break;
    case 1:
      s->std = v;
      break;
    case 2:
      s->p50 = v;
      break;
    case 3:
      s->p95 = v;
      break;
    case 4:
      s->p99 = v;
      break;
    default:
      s->max = v;
      break;
  }
}

/* ---- the report ----------------------------------------------------------- */

int compare_report_init(compare_report *rep, size_t n_samplers, const char *const *names,
                        size_t n_seeds, const uint64_t *seeds) {
  memset(rep, 0, sizeof *rep);
  rep->uniform = -1;
  rep->param_x = rep->param_y = -1;
  rep->samplers = calloc(n_samplers, sizeof *rep->samplers);
  rep->seeds = malloc((n_seeds ? n_seeds : 1) * sizeof *rep->seeds);
  if (!rep->samplers || !rep->seeds) {
    free(rep->samplers), free(rep->seeds);
    rep->samplers = NULL, rep->seeds = NULL;
    return OGAS_ENOMEM;
  }
  memcpy(rep->seeds, seeds, n_seeds * sizeof *rep->seeds);
  rep->n_samplers = n_samplers, rep->n_seeds = n_seeds;
  for (size_t i = 0; i < n_samplers; i++) {
    compare_sampler *c = &rep->samplers[i];
    snprintf(c->name, sizeof c->name, "%s", names[i]);
    if (!strcmp(c->name, "uniform") && rep->uniform < 0) rep->uniform = (int)i;
    c->runs = calloc(n_seeds, sizeof *c->runs);
    c->run_dirs = calloc(n_seeds, sizeof *c->run_dirs);
    c->configs = calloc(n_seeds, sizeof *c->configs);
    if (!c->runs || !c->run_dirs || !c->configs) {
      compare_report_free(rep);
      return OGAS_ENOMEM;
    }
  }
  return OGAS_OK;
}

void compare_report_free(compare_report *rep) {
  for (size_t i = 0; rep->samplers && i < rep->n_samplers; i++) {
    compare_sampler *c = &rep->samplers[i];
    for (size_t s = 0; s < rep->n_seeds; s++) {
      if (c->runs) study_result_free(c->runs[s]);
      if (c->run_dirs) free(c->run_dirs[s]);
      if (c->configs) free(c->configs[s]);
    }
    free(c->runs), free(c->run_dirs), free(c->configs);
  }
  free(rep->samplers);
  free(rep->seeds);
  free(rep->config_json);
  memset(rep, 0, sizeof *rep);
  rep->uniform = -1;
}

int compare_report_set_run(compare_report *rep, size_t i, size_t s, study_result *r,
                           const char *run_dir, const char *config_text) {
  compare_sampler *c = &rep->samplers[i];
  char *d = strdup(run_dir ? run_dir : ""), *t = strdup(config_text ? config_text : "{}");
  if (!d || !t) {
    free(d), free(t);
    study_result_free(r);
    return OGAS_ENOMEM;
  }
  study_result_free(c->runs[s]);
  free(c->run_dirs[s]), free(c->configs[s]);
  c->runs[s] = r, c->run_dirs[s] = d, c->configs[s] = t;
  return OGAS_OK;
}

/* A run's statistics and per-simulation errors of metric m (NULL: none). */
static const study_stats *run_stats(const study_result *r, compare_metric m) {
  return m == COMPARE_ONE_STEP ? &r->val_stats : &r->val_rollout_stats;
}
static const double *run_per_sim(const study_result *r, compare_metric m) {
  return m == COMPARE_ONE_STEP ? r->val_nrmse : r->rollout_steps ? r->val_rollout_nrmse : NULL;
}

/* 95 % interval of uniform ÷ sampler i on metric m (NaN when it cannot be had). */
static int bootstrap_sampler(const compare_report *rep, size_t i, compare_metric m,
                             study_ratio_interval *out) {
  for (int k = 0; k < STUDY_N_STATS; k++) out->lo[k] = out->hi[k] = NAN;
  if (rep->uniform < 0 || (int)i == rep->uniform) return OGAS_OK;
  const compare_sampler *u = &rep->samplers[rep->uniform], *c = &rep->samplers[i];
  const double **a = malloc(2 * rep->n_seeds * sizeof *a), **b = a ? a + rep->n_seeds : NULL;
  if (!a) return OGAS_ENOMEM;
  size_t n_val = u->runs[0]->n_val;
  int ok = 1;
  for (size_t s = 0; s < rep->n_seeds; s++) {
    a[s] = run_per_sim(u->runs[s], m), b[s] = run_per_sim(c->runs[s], m);
    ok = ok && a[s] && b[s] && u->runs[s]->n_val == n_val && c->runs[s]->n_val == n_val;
  }
  int st = ok && n_val
               ? study_bootstrap_ratio(a, b, rep->n_seeds, n_val, STUDY_BOOTSTRAP_REPLICATES, 0.95,
                                       rep->seeds[0] ^ (uint64_t)i, out)
               : OGAS_OK;
  free(a);
  return st;
}

int compare_report_finish(compare_report *rep) {
  for (size_t i = 0; i < rep->n_samplers; i++) {
    compare_sampler *c = &rep->samplers[i];
    double sum[COMPARE_N_METRICS][STUDY_N_STATS] = {{0}}, wall = 0, cpu = 0;
    for (size_t s = 0; s < rep->n_seeds; s++) {
      const study_result *r = c->runs[s];
      if (!r) return OGAS_ESTATE;
      for (int m = 0; m < COMPARE_N_METRICS; m++)
        for (int k = 0; k < STUDY_N_STATS; k++) sum[m][k] += study_stat(run_stats(r, m), k);
      wall += r->wall_s, cpu += r->sampler_cpu_s;
    }
    double n = (double)rep->n_seeds;
    for (int m = 0; m < COMPARE_N_METRICS; m++)
      for (int k = 0; k < STUDY_N_STATS; k++) stat_set(&c->stats[m], k, sum[m][k] / n);
    c->wall_s = wall / n, c->sampler_cpu_s = cpu / n;
  }
  for (size_t i = 0; i < rep->n_samplers; i++)
    for (int m = 0; m < COMPARE_N_METRICS; m++) {
      int st = bootstrap_sampler(rep, i, m, &rep->samplers[i].ci[m]);
      if (st) return st;
    }
  return OGAS_OK;
}

double compare_ratio(const compare_report *rep, compare_metric m, size_t i, int k, int seed) {
  if (rep->uniform < 0 || i >= rep->n_samplers) return NAN;
  const compare_sampler *u = &rep->samplers[rep->uniform], *c = &rep->samplers[i];
  double a, b;
  if (seed < 0) {
    a = study_stat(&u->stats[m], k), b = study_stat(&c->stats[m], k);
  } else {
    if ((size_t)seed >= rep->n_seeds || !u->runs[seed] || !c->runs[seed]) return NAN;
    a = study_stat(run_stats(u->runs[seed], m), k), b = study_stat(run_stats(c->runs[seed], m), k);
  }
  if (!(isfinite(a) && isfinite(b) && a >= 0 && b > 0)) return NAN;
  return a / b;
}

static int seed_listed(uint64_t seed, const uint64_t *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (list[i] == seed) return 1;
  return 0;
}

int compare_held_out(const compare_report *rep) {
  const study_tuning *t = &rep->tuning;
  if (!t->n_seeds && !t->has_validation_seed) return -1;
  for (size_t s = 0; s < rep->n_seeds; s++)
    if (seed_listed(rep->seeds[s], t->seeds, t->n_seeds)) return 0;
  return !(t->has_validation_seed && t->validation_seed == rep->validation_seed);
}

/* "0..4" for consecutive seeds, else "0, 3, 7". */
static void print_seeds(FILE *f, const uint64_t *seeds, size_t n) {
  int run = n > 2;
  for (size_t s = 1; s < n && run; s++) run = seeds[s] == seeds[s - 1] + 1;
  if (run) {
    fprintf(f, "%llu..%llu", (unsigned long long)seeds[0], (unsigned long long)seeds[n - 1]);
    return;
  }
  for (size_t s = 0; s < n; s++) fprintf(f, "%s%llu", s ? ", " : "", (unsigned long long)seeds[s]);
}

/* One sentence on the seeds: which were compared, which tuned the settings. */
static void print_provenance(const compare_report *rep, FILE *f) {
  fprintf(f, "seed%s ", rep->n_seeds > 1 ? "s" : "");
  print_seeds(f, rep->seeds, rep->n_seeds);
  fprintf(f, ", validation seed %llu; ", (unsigned long long)rep->validation_seed);
  const study_tuning *t = &rep->tuning;
  int held = compare_held_out(rep);
  if (held < 0) {
    fputs("the config does not say which seeds tuned its settings (\"tuning\")", f);
    return;
  }
  fputs("the settings were tuned on ", f);
  if (t->n_seeds) {
    fprintf(f, "seed%s ", t->n_seeds > 1 ? "s" : "");
    print_seeds(f, t->seeds, t->n_seeds);
  }
  if (t->has_validation_seed)
    fprintf(f, "%svalidation seed %llu", t->n_seeds ? " with " : "",
            (unsigned long long)t->validation_seed);
  fputs(held ? ": held out" : ": NOT held out, these figures are in-sample", f);
}

/* ---- the table ------------------------------------------------------------ */

const study_result *compare_first_run(const compare_report *rep) {
  return rep->n_samplers && rep->n_seeds ? rep->samplers[0].runs[0] : NULL;
}

static const char *const metric_title[COMPARE_N_METRICS] = {"one-step", "rollout"};

void compare_print_table(const compare_report *rep, FILE *f) {
  const study_result *r0 = compare_first_run(rep);
  print_provenance(rep, f);
  fputc('\n', f);
  int has_rollout = r0 && r0->rollout_steps;
  for (int m = 0; m < (has_rollout ? 2 : 1); m++) {
    if (r0 && m == COMPARE_ONE_STEP)
      fprintf(f, "one-step nRMSE per validation simulation (%zu simulations x %zu steps)",
              r0->n_val, r0->val_steps);
    else if (r0)
      fprintf(f, "rollout nRMSE (%zu steps fed back from each simulation's first state)",
              r0->rollout_steps);
    fprintf(f, "%s\n", rep->n_seeds > 1 ? ", means over the seeds" : "");
    fprintf(f, "%-10s", "sampler");
    for (int k = 0; k < STUDY_N_STATS; k++)
      fprintf(f, " %-*s", m == COMPARE_ONE_STEP || k + 1 < STUDY_N_STATS ? 9 : 0,
              study_stat_names[k]);
    if (m == COMPARE_ONE_STEP) fprintf(f, " %8s %14s", "wall s", "sampler cpu s");
    fputc('\n', f);
    for (size_t i = 0; i < rep->n_samplers; i++) {
      const compare_sampler *c = &rep->samplers[i];
      fprintf(f, "%-10s", c->name);
      for (int k = 0; k < STUDY_N_STATS; k++) {
        int w = m == COMPARE_ONE_STEP || k + 1 < STUDY_N_STATS ? 9 : 0; /* no trailing blanks */
        fprintf(f, " %-*.4g", w, study_stat(&c->stats[m], k));
      }
      if (m == COMPARE_ONE_STEP) fprintf(f, " %8.1f %14.2f", c->wall_s, c->sampler_cpu_s);
      fputc('\n', f);
    }
  }
  fprintf(f, "ratio uniform ÷ sampler (>1: sampler better)%s\n",
          rep->uniform < 0 ? ": - (uniform is not among the samplers)"
                           : ", [95 % bootstrap interval over seeds and validation simulations]");
  for (int m = 0; m < (has_rollout ? 2 : 1) && rep->uniform >= 0; m++) {
    fprintf(f, "%-10s", metric_title[m]);
    for (int k = 0; k < STUDY_N_STATS; k++)
      fprintf(f, " %-*s", k + 1 < STUDY_N_STATS ? 18 : 0, study_stat_names[k]);
    fputc('\n', f);
    for (size_t i = 0; i < rep->n_samplers; i++) {
      if ((int)i == rep->uniform) continue;
      const study_ratio_interval *ci = &rep->samplers[i].ci[m];
      fprintf(f, "%-10s", rep->samplers[i].name);
      for (int k = 0; k < STUDY_N_STATS; k++) {
        char cell[48];
        double q = compare_ratio(rep, m, i, k, -1);
        if (!isfinite(q))
          snprintf(cell, sizeof cell, "-");
        else if (isfinite(ci->lo[k]) && isfinite(ci->hi[k]))
          snprintf(cell, sizeof cell, "%.2f [%.2f,%.2f]", q, ci->lo[k], ci->hi[k]);
        else
          snprintf(cell, sizeof cell, "%.2f", q);
        fprintf(f, " %-*s", k + 1 < STUDY_N_STATS ? 18 : 0, cell);
      }
      fputc('\n', f);
    }
  }
}

/* ---- run folders ---------------------------------------------------------- */

/* Write text whole to DIR/name (atomic_file); frees text. */
static int write_log(const char *dir, const char *name, run_log_text *t, char *err, size_t errlen) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  atomic_file a;
  int st = atomic_file_open(&a, path, err, errlen);
  if (!st && t->len && fwrite(t->text, 1, t->len, a.f) != t->len) {
    atomic_file_abort(&a);
    st = status_msg(OGAS_EIO, err, errlen, "cannot write '%s': %s", path, strerror(errno));
  } else if (!st)
    st = atomic_file_commit(&a, err, errlen);
  free(t->text);
  return st;
}

static const run_log_status SIM_STATUS[] = {RUN_LOG_DONE, RUN_LOG_STOPPED, RUN_LOG_FAILED};

static int write_children_csv(const study_result *r, const char *dir, char *err, size_t errlen) {
  const pde_problem *p = pde_find(r->problem);
  const char **names = calloc(r->nb_params ? r->nb_params : 1, sizeof *names);
  run_log_text t = {0};
  int bad = !names;
  for (size_t k = 0; k < r->nb_params && !bad; k++) names[k] = p ? pde_param_name(p, k) : NULL;
  bad = bad || run_log_children_header(&t, names, r->nb_params);
  free(names);
  for (int64_t i = 0; i < r->nb_sims && !bad; i++)
    bad = run_log_child_row(
        &t, i, r->generation[i], r->is_bred[i],
        SIM_STATUS[r->sim_status[i] >= 0 && r->sim_status[i] <= 2 ? r->sim_status[i] : 2],
        r->sim_train_loss[i], r->params + (size_t)i * r->nb_params, r->nb_params);
  if (bad) {
    free(t.text);
    return status_msg(OGAS_ENOMEM, err, errlen, "out of memory formatting %s/" RUN_LOG_CHILDREN,
                      dir);
  }
  return write_log(dir, RUN_LOG_CHILDREN, &t, err, errlen);
}

/* The study's breaks in the run-log schema (the DDPM's keys are null). */
static int write_generations_jsonl(const study_result *r, const char *dir, char *err,
                                   size_t errlen) {
  run_log_text t = {0};
  int bad = 0;
  for (size_t i = 0; i < r->n_generations && !bad; i++) {
    const study_generation *sg = &r->generations[i];
    run_log_generation g;
    run_log_generation_clear(&g);
    g.info.generation = sg->generation;
    g.info.breed_ratio = sg->breed_ratio;
    g.info.n_children = sg->n_bred + sg->n_non_bred;
    g.info.n_bred = sg->n_bred, g.info.n_non_bred = sg->n_non_bred;
    g.info.n_oob_regenerated = sg->n_oob_regenerated, g.info.n_clipped = sg->n_clipped;
    snprintf(g.info.not_bred_reason, sizeof g.info.not_bred_reason, "%s", sg->note);
    g.batch = r->generation_batch[i], g.first_id = sg->first_id, g.last_id = sg->last_id;
    bad = run_log_generation_line(&t, &g);
  }
  if (bad) {
    free(t.text);
    return status_msg(OGAS_ENOMEM, err, errlen, "out of memory formatting %s/" RUN_LOG_GENERATIONS,
                      dir);
  }
  return write_log(dir, RUN_LOG_GENERATIONS, &t, err, errlen);
}

int compare_write_run_folder(const study_result *r, const char *dir, char *err, size_t errlen) {
  if (make_dirs(dir)) {
    status_msg(0, err, errlen, "cannot create '%s': %s", dir, strerror(errno));
    return OGAS_EIO;
  }
  char path[4200];
  snprintf(path, sizeof path, "%s/result.json", dir);
  int st = study_result_write_json(r, path, err, errlen);
  if (st) return st;
  st = write_children_csv(r, dir, err, errlen);
  /* breed, sbal: the study logs their breaks; ogas: the breeder wrote its own
     telemetry into the folder. */
  if (!st && (!strcmp(r->sampler, "breed") || !strcmp(r->sampler, "sbal")) && r->n_generations)
    st = write_generations_jsonl(r, dir, err, errlen);
  return st;
}

/* ---- results.json --------------------------------------------------------- */

static json_t *num(double v) { return isfinite(v) ? json_real(v) : json_null(); }

static json_t *seed_json(uint64_t seed) {
  return seed <= (uint64_t)INT64_MAX ? json_integer((json_int_t)seed) : json_null();
}

int compare_write_json(const compare_report *rep, const char *out_dir, const plot_set *plots,
                       char *err, size_t errlen) {
  const study_result *r0 = compare_first_run(rep);
  json_t *o = json_object();
  char version[32];
  snprintf(version, sizeof version, "%d.%d.%d", OGAS_VERSION_MAJOR, OGAS_VERSION_MINOR,
           OGAS_VERSION_PATCH);
  json_object_set_new(o, "ogas_version", json_string(version));
  json_object_set_new(o, "config_path", json_string(rep->config_path));
  json_error_t je;
  json_t *cfg = rep->config_json ? json_loads(rep->config_json, 0, &je) : NULL;
  json_object_set_new(o, "config", cfg ? cfg : json_null());
  json_object_set_new(o, "problem", json_string(rep->problem));
  json_object_set_new(o, "deterministic", json_boolean(rep->deterministic));
  json_object_set_new(o, "n_seeds", json_integer((json_int_t)rep->n_seeds));
  json_t *seeds = json_array();
  for (size_t s = 0; s < rep->n_seeds; s++) json_array_append_new(seeds, seed_json(rep->seeds[s]));
  json_object_set_new(o, "seeds", seeds);
  json_t *tuning = json_null();
  if (compare_held_out(rep) >= 0) {
    json_t *ts = json_array();
    for (size_t s = 0; s < rep->tuning.n_seeds; s++)
      json_array_append_new(ts, seed_json(rep->tuning.seeds[s]));
    tuning = json_pack(
        "{soso}", "seeds", ts, "validation_seed",
        rep->tuning.has_validation_seed ? seed_json(rep->tuning.validation_seed) : json_null());
    json_object_set_new(tuning, "held_out", json_boolean(compare_held_out(rep) == 1));
  }
  json_object_set_new(o, "tuning", tuning);
  if (r0) {
    json_object_set_new(o, "nb_sims", json_integer(r0->nb_sims));
    json_object_set_new(o, "grad_steps", json_integer(r0->grad_steps));
    json_t *v = json_object();
    json_object_set_new(v, "n_sims", json_integer((json_int_t)r0->n_val));
    json_object_set_new(v, "n_steps", json_integer((json_int_t)r0->val_steps));
    json_object_set_new(v, "metric",
                        json_string("one-step nRMSE, mean over the pairs of each "
                                    "validation simulation; statistics over the "
                                    "simulations"));
    json_object_set_new(v, "seed", seed_json(rep->validation_seed));
    json_object_set_new(v, "rollout_steps", json_integer((json_int_t)r0->rollout_steps));
    json_object_set_new(v, "build_s", num(rep->validation_s));
    json_object_set_new(o, "validation", v);
  }
  json_object_set_new(o, "ratio",
                      json_string("uniform / sampler (> 1: the sampler is better); "
                                  "of the means over seeds, per seed in runs"));
  json_object_set_new(
      o, "bootstrap",
      json_pack("{sisfss}", "replicates", STUDY_BOOTSTRAP_REPLICATES, "level", 0.95, "resampled",
                "seeds, and validation simulations paired between uniform and "
                "the sampler; percentile interval of the ratio of the means "
                "over seeds"));
  json_t *arr = json_array();
  for (size_t i = 0; i < rep->n_samplers; i++) {
    const compare_sampler *c = &rep->samplers[i];
    json_t *so = json_object();
    json_object_set_new(so, "sampler", json_string(c->name));
    static const char *const prefix[COMPARE_N_METRICS] = {"", "rollout_"};
    for (int m = 0; m < COMPARE_N_METRICS; m++) {
      json_t *ratio = json_object(), *ci = json_object(), *rmin = json_object(),
             *rmax = json_object();
      for (int k = 0; k < STUDY_N_STATS; k++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t s = 0; s < rep->n_seeds; s++) {
          double q = compare_ratio(rep, m, i, k, (int)s);
          if (isfinite(q)) lo = fmin(lo, q), hi = fmax(hi, q);
        }
        const char *name = study_stat_names[k];
        json_object_set_new(ratio, name, num(compare_ratio(rep, m, i, k, -1)));
        json_object_set_new(ci, name,
                            isfinite(c->ci[m].lo[k]) && isfinite(c->ci[m].hi[k])
                                ? json_pack("[ff]", c->ci[m].lo[k], c->ci[m].hi[k])
                                : json_null());
        json_object_set_new(rmin, name, num(lo));
        json_object_set_new(rmax, name, num(hi));
      }
      char key[32];
      snprintf(key, sizeof key, "%sstats", prefix[m]);
      json_object_set_new(so, key, study_stats_json(&c->stats[m]));
      snprintf(key, sizeof key, "%sratio", prefix[m]);
      json_object_set_new(so, key, ratio);
      snprintf(key, sizeof key, "%sratio_ci95", prefix[m]);
      json_object_set_new(so, key, ci);
      snprintf(key, sizeof key, "%sratio_min", prefix[m]);
      json_object_set_new(so, key, rmin);
      snprintf(key, sizeof key, "%sratio_max", prefix[m]);
      json_object_set_new(so, key, rmax);
    }
    json_object_set_new(so, "wall_s", num(c->wall_s));
    json_object_set_new(so, "sampler_cpu_s", num(c->sampler_cpu_s));
    json_t *runs = json_array();
    for (size_t s = 0; s < rep->n_seeds; s++) {
      const study_result *r = c->runs[s];
      json_t *ro = json_object();
      json_object_set_new(ro, "seed", seed_json(r->seed));
      json_object_set_new(ro, "stats", study_stats_json(&r->val_stats));
      json_object_set_new(ro, "rollout_stats", study_stats_json(&r->val_rollout_stats));
      json_t *rr = json_object(), *rl = json_object();
      for (int k = 0; k < STUDY_N_STATS; k++) {
        json_object_set_new(rr, study_stat_names[k],
                            num(compare_ratio(rep, COMPARE_ONE_STEP, i, k, (int)s)));
        json_object_set_new(rl, study_stat_names[k],
                            num(compare_ratio(rep, COMPARE_ROLLOUT, i, k, (int)s)));
      }
      json_object_set_new(ro, "ratio", rr);
      json_object_set_new(ro, "rollout_ratio", rl);
      json_object_set_new(ro, "wall_s", num(r->wall_s));
      json_object_set_new(ro, "sampler_cpu_s", num(r->sampler_cpu_s));
      json_object_set_new(ro, "train_cpu_s", num(r->train_cpu_s));
      json_object_set_new(ro, "sim_cpu_s", num(r->sim_cpu_s));
      json_object_set_new(ro, "eval_s", num(r->eval_s));
      json_object_set_new(ro, "grad_steps", json_integer(r->grad_steps));
      int64_t bred = 0;
      for (int64_t k = 0; k < r->nb_sims; k++) bred += r->is_bred[k] != 0;
      json_object_set_new(ro, "n_bred", json_integer(bred));
      json_object_set_new(ro, "sims_failed", json_integer(r->sims_failed));
      json_object_set_new(ro, "n_generations", json_integer((json_int_t)r->n_generations));
      json_object_set_new(ro, "run_dir", json_string(c->run_dirs[s]));
      json_t *rc = json_loads(c->configs[s], 0, &je);
      json_object_set_new(ro, "config", rc ? rc : json_null());
      json_array_append_new(runs, ro);
    }
    json_object_set_new(so, "runs", runs);
    json_array_append_new(arr, so);
  }
  json_object_set_new(o, "samplers", arr);
  json_t *pl = json_array();
  for (size_t i = 0; plots && i < plots->n_png; i++)
    json_array_append_new(pl, json_string(plots->png[i]));
  json_object_set_new(o, "plots", pl);
  json_object_set_new(o, "total_s", num(rep->total_s));

  char path[4200];
  snprintf(path, sizeof path, "%s/results.json", out_dir);
  char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
  json_decref(o);
  if (!text) return status_msg(OGAS_ENOMEM, err, errlen, "out of memory writing '%s'", path);
  int st = atomic_file_write(path, text, strlen(text), err, errlen);
  free(text);
  return st;
}

/* ---- report.md ------------------------------------------------------------ */

static int has_png(const plot_set *ps, const char *name) {
  for (size_t i = 0; ps && i < ps->n_png; i++)
    if (!strcmp(ps->png[i], name)) return 1;
  return 0;
}

int compare_write_markdown(const compare_report *rep, const char *out_dir, const plot_set *plots,
                           char *err, size_t errlen) {
  char path[4200];
  snprintf(path, sizeof path, "%s/report.md", out_dir);
  atomic_file a;
  int st = atomic_file_open(&a, path, err, errlen);
  if (st) return st;
  FILE *f = a.f;
  const study_result *r0 = compare_first_run(rep);
  fprintf(f, "# Sampler comparison: %s\n\n", rep->problem);
  fprintf(f, "Config `%s`", rep->config_path);
  if (r0) {
    fprintf(f,
            ": problem `%s`, %lld simulations of %zu output steps per study, %lld surrogate "
            "gradient steps per study (the same for every sampler), %s mode.\n",
            r0->problem, (long long)r0->nb_sims, r0->n_steps, (long long)r0->grad_steps,
            rep->deterministic ? "deterministic (lockstep, one thread)" : "concurrent");
    fputs("Seeds and tuning: ", f);
    print_provenance(rep, f);
    fputs(". Every sampler ran the same seeds.\n", f);
    fprintf(f,
            "Validation: %zu simulations with Halton-drawn parameters (a seed of their own), "
            "shared by every study; the error of a simulation is the mean one-step nRMSE over "
            "its %zu pairs",
            r0->n_val, r0->val_steps);
    if (r0->rollout_steps)
      fprintf(f,
              " and, as the rollout error, the mean nRMSE of %zu steps where the surrogate is "
              "fed its own predictions from the simulation's first state",
              r0->rollout_steps);
    fputs("; the statistics are taken over the simulations.\n\n", f);
  } else {
    fputs(".\n\n", f);
  }
  int n_metrics = r0 && r0->rollout_steps ? 2 : 1;
  static const char *const heading[COMPARE_N_METRICS] = {"One-step nRMSE", "Rollout nRMSE"};
  for (int m = 0; m < n_metrics; m++) {
    fprintf(f, "## %s%s\n\n", heading[m], rep->n_seeds > 1 ? " (means over the seeds)" : "");
    fputs("| sampler |", f);
    for (int k = 0; k < STUDY_N_STATS; k++) fprintf(f, " %s |", study_stat_names[k]);
    fputs(m == COMPARE_ONE_STEP ? " wall s | sampler CPU s |\n|---|" : "\n|---|", f);
    for (int k = 0; k < STUDY_N_STATS + (m == COMPARE_ONE_STEP ? 2 : 0); k++) fputs("---:|", f);
    fputc('\n', f);
    for (size_t i = 0; i < rep->n_samplers; i++) {
      const compare_sampler *c = &rep->samplers[i];
      fprintf(f, "| %s |", c->name);
      for (int k = 0; k < STUDY_N_STATS; k++) fprintf(f, " %.4g |", study_stat(&c->stats[m], k));
      if (m == COMPARE_ONE_STEP) fprintf(f, " %.1f | %.3f |", c->wall_s, c->sampler_cpu_s);
      fputc('\n', f);
    }
    fputc('\n', f);
  }
  fputs("## uniform ÷ sampler (> 1: the sampler is better)\n\n", f);
  if (rep->uniform < 0) {
    fputs("Uniform is not among the samplers: no ratios.\n\n", f);
  } else {
    fprintf(f,
            "Ratio of the means over seeds; in brackets its 95 %% bootstrap interval (%d "
            "replicates resampling the seeds and, paired, the validation simulations)%s.\n\n",
            STUDY_BOOTSTRAP_REPLICATES,
            rep->n_seeds > 1 ? "; then the smallest and largest ratio of one seed" : "");
    for (int m = 0; m < n_metrics; m++) {
      fprintf(f, "| %s |", metric_title[m]);
      for (int k = 0; k < STUDY_N_STATS; k++) fprintf(f, " %s |", study_stat_names[k]);
      fputs("\n|---|", f);
      for (int k = 0; k < STUDY_N_STATS; k++) fputs("---:|", f);
      fputc('\n', f);
      for (size_t i = 0; i < rep->n_samplers; i++) {
        if ((int)i == rep->uniform) continue;
        const study_ratio_interval *ci = &rep->samplers[i].ci[m];
        fprintf(f, "| %s |", rep->samplers[i].name);
        for (int k = 0; k < STUDY_N_STATS; k++) {
          double q = compare_ratio(rep, m, i, k, -1);
          if (!isfinite(q)) {
            fputs(" - |", f);
            continue;
          }
          fprintf(f, " %.2f", q);
          if (isfinite(ci->lo[k]) && isfinite(ci->hi[k]))
            fprintf(f, " [%.2f, %.2f]", ci->lo[k], ci->hi[k]);
          double lo = INFINITY, hi = -INFINITY;
          for (size_t s = 0; rep->n_seeds > 1 && s < rep->n_seeds; s++) {
            double v = compare_ratio(rep, m, i, k, (int)s);
            if (isfinite(v)) lo = fmin(lo, v), hi = fmax(hi, v);
          }
          if (lo <= hi) fprintf(f, " (%.2f to %.2f)", lo, hi);
          fputs(" |", f);
        }
        fputc('\n', f);
      }
      fputc('\n', f);
    }
  }
  if (r0) {
    fputs(
        "Published reference (2D PDEs, 10,000 simulations per run, mean of 9 "
        "PDE-architecture pairs): OGAS 0.97 on the mean, 1.42 on p99, 1.64 on the max; "
        "Breed 0.92, 1.23, 1.17. Small budgets are noisy: compare over several seeds "
        "(`--seeds LIST`).\n\n",
        f);
  }
  static const struct {
    const char *png, *title, *text;
  } figs[] = {
      {"errors.png", "Error distribution",
       "Left: the fraction of validation simulations with an error at most x (log x). Right: "
       "the tail, the fraction with an error at least x (log-log); a curve further left and "
       "lower has fewer hard cases."},
      {"errors_by_param.png", "Error by parameter",
       "The validation error against a parameter of the scatter plots below (by default "
       "the one whose rank correlates most with the training loss in uniform's run): left the "
       "mean, right the worst simulation of each tenth of its range, every simulation's "
       "error averaged over the seeds. Where uniform's right-hand curve is high is the tail; "
       "a sampler that shrinks it lowers that part of the curve."},
      {"train_loss.png", "Surrogate training loss",
       "The training loss of every gradient step (moving average, mean over the seeds). "
       "Each sampler trains on the simulations it chose, so the curves measure different "
       "data and do not rank the surrogates (the validation errors above do); they show "
       "how training went on each sampler's own stream."},
      {"breed_ratio.png", "Breed ratio per generation",
       "The breed ratio R of each generation break (line) and the share of bred children it "
       "staged (points), first seed."},
      {"ddpm_loss.png", "DDPM training loss",
       "The OGAS breeder's DDPM loss (moving average) at each generation break, from its "
       "telemetry (runs/ogas-seed*/generations.jsonl)."},
  };
  fputs("## Plots\n\n", f);
  for (size_t k = 0; k < sizeof figs / sizeof *figs; k++) {
    if (!has_png(plots, figs[k].png)) continue;
    fprintf(f, "### %s\n\n%s\n\n![%s](%s)\n\n", figs[k].title, figs[k].text, figs[k].title,
            figs[k].png);
  }
  for (size_t i = 0; i < rep->n_samplers; i++) {
    char png[64];
    snprintf(png, sizeof png, "params_%s.png", rep->samplers[i].name);
    if (!has_png(plots, png)) continue;
    fprintf(f,
            "### Sampled parameters: %s\n\nThe parameters every simulation of the first seed "
            "ran with, one panel per generation (the break that wrote its row; 0 is the "
            "initial table), bred children in red.\n\n![%s parameters](%s)\n\n",
            rep->samplers[i].name, rep->samplers[i].name, png);
  }
  if (!plots || plots->n_png == 0)
    fprintf(f, "No plots were drawn%s%s; the data and gnuplot scripts are in `plots/`.\n\n",
            plots && plots->warning[0] ? ": " : "", plots ? plots->warning : "");
  fputs(
      "## Runs\n\nEvery study has a folder with `result.json` (everything it returned), "
      "`children.csv` (each simulation's parameters, generation and bred flag) and, for breed "
      "and ogas, `generations.jsonl`; `ogas plot FOLDER` draws its plots. The config of each "
      "run is in `results.json` (`samplers[].runs[].config`): `ogas run` with it repeats "
      "the run.\n\n",
      f);
  for (size_t i = 0; i < rep->n_samplers; i++)
    for (size_t s = 0; s < rep->n_seeds; s++) {
      const study_result *r = rep->samplers[i].runs[s];
      fprintf(f, "- %s, seed %llu: `%s` (wall %.1f s, sampler CPU %.3f s, %zu generation breaks)\n",
              rep->samplers[i].name, (unsigned long long)r->seed, rep->samplers[i].run_dirs[s],
              r->wall_s, r->sampler_cpu_s, r->n_generations);
    }
  fprintf(f, "\nTotal time %.1f s (validation set %.1f s).\n", rep->total_s, rep->validation_s);
  return atomic_file_commit(&a, err, errlen);
}

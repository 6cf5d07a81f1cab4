/* compare_plots — the plots of a comparison of samplers. See compare_plots.h. */
#include "study/compare_plots.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "pde/pde.h"
#include "util/run_log.h"
#include "util/status_msg.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int plot_errors(const compare_report *rep, plot_set *ps, char *err, size_t errlen) {
  atomic_file dat, gp;
  if (plot_set_open(ps, "errors", "dat", &dat, err, errlen)) return OGAS_EIO;
  fputs(
      "# one block per sampler: nRMSE (per validation simulation, every seed), "
      "fraction <= x, fraction >= x\n",
      dat.f);
  for (size_t i = 0; i < rep->n_samplers; i++) {
    const compare_sampler *c = &rep->samplers[i];
    size_t n = 0;
    for (size_t s = 0; s < rep->n_seeds; s++) n += c->runs[s]->n_val;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
      atomic_file_abort(&dat);
      status_msg(0, err, errlen, "out of memory");
      return OGAS_ENOMEM;
    }
    size_t m = 0;
    for (size_t s = 0; s < rep->n_seeds; s++)
      for (size_t k = 0; k < c->runs[s]->n_val; k++)
        if (isfinite(c->runs[s]->val_nrmse[k])) v[m++] = c->runs[s]->val_nrmse[k];
    qsort(v, m, sizeof *v, cmp_double);
    fprintf(dat.f, "%s# %s\n", i ? "\n\n" : "", c->name);
    for (size_t k = 0; k < m; k++)
      fprintf(dat.f, "%.9g %.9g %.9g\n", v[k], (double)(k + 1) / (double)m,
              (double)(m - k) / (double)m);
    if (m == 0) fputs("NaN NaN NaN\n", dat.f);
    free(v);
  }
  int st = plot_set_commit(&dat, err, errlen);
  if (st) return st;
  if (plot_set_open(ps, "errors", "gp", &gp, err, errlen)) return OGAS_EIO;
  plot_script_preamble(gp.f, "errors", 1200, 480);
  const study_result *r0 = compare_first_run(rep);
  fprintf(gp.f,
          "set multiplot layout 1,2 title 'One-step nRMSE per validation simulation (%zu "
          "simulations x %zu seed%s)'\n",
          r0 ? r0->n_val : 0, rep->n_seeds, rep->n_seeds > 1 ? "s" : "");
  fputs(
      "set logscale x\nset xlabel 'nRMSE'\nset key bottom right\n"
      "set title 'Distribution (ECDF)'\nset ylabel 'fraction of simulations <= x'\n"
      "set yrange [0:1.02]\nplot ",
      gp.f);
  for (size_t i = 0; i < rep->n_samplers; i++)
    fprintf(gp.f,
            "%s'errors.dat' index %zu using ($1 > 0 ? $1 : 1/0):2 with steps lw 2 lc rgb '%s' "
            "title '%s'",
            i ? ", \\\n     " : "", i, plot_sampler_colour(rep->samplers[i].name, i),
            rep->samplers[i].name);
  fputs(
      "\nset title 'Tail (1 - ECDF)'\nset ylabel 'fraction of simulations >= x'\n"
      "set logscale y\nset yrange [*:1.5]\nset key bottom left\nplot ",
      gp.f);
  for (size_t i = 0; i < rep->n_samplers; i++)
    fprintf(gp.f,
            "%s'errors.dat' index %zu using ($1 > 0 ? $1 : 1/0):3 with steps lw 2 lc rgb '%s' "
            "title '%s'",
            i ? ", \\\n     " : "", i, plot_sampler_colour(rep->samplers[i].name, i),
            rep->samplers[i].name);
  fputs("\nunset multiplot\n", gp.f);
  return plot_set_draw(ps, "errors", &gp, err, errlen);
}

static int plot_train_loss(const compare_report *rep, plot_set *ps, char *err, size_t errlen) {
  atomic_file dat, gp;
  if (plot_set_open(ps, "train_loss", "dat", &dat, err, errlen)) return OGAS_EIO;
  fputs(
      "# one block per sampler: gradient step, training loss (mean over seeds, moving "
      "average)\n",
      dat.f);
  for (size_t i = 0; i < rep->n_samplers; i++) {
    const compare_sampler *c = &rep->samplers[i];
    int64_t steps = c->runs[0]->grad_steps;
    for (size_t s = 1; s < rep->n_seeds; s++)
      if (c->runs[s]->grad_steps < steps) steps = c->runs[s]->grad_steps;
    fprintf(dat.f, "%s# %s\n", i ? "\n\n" : "", c->name);
    int64_t win = steps / 50 > 1 ? steps / 50 : 1, every = steps / 400 > 1 ? steps / 400 : 1;
    /* Moving average over the last `win` steps of the seed mean. */
    double sum = 0;
    int64_t cnt = 0, written = 0;
    double *mean = malloc((size_t)(steps > 0 ? steps : 1) * sizeof *mean);
    if (!mean) {
      atomic_file_abort(&dat);
      status_msg(0, err, errlen, "out of memory");
      return OGAS_ENOMEM;
    }
    for (int64_t t = 0; t < steps; t++) {
      double m = 0;
      for (size_t s = 0; s < rep->n_seeds; s++) m += (double)c->runs[s]->train_loss[t];
      mean[t] = m / (double)rep->n_seeds;
      if (isfinite(mean[t])) sum += mean[t], cnt++;
      if (t >= win && isfinite(mean[t - win])) sum -= mean[t - win], cnt--;
      if ((t % every == 0 || t == steps - 1) && cnt > 0) {
        fprintf(dat.f, "%lld %.9g\n", (long long)(t + 1), sum / (double)cnt);
        written++;
      }
    }
    if (!written) fputs("NaN NaN\n", dat.f);
    free(mean);
  }
  int st = plot_set_commit(&dat, err, errlen);
  if (st) return st;
  if (plot_set_open(ps, "train_loss", "gp", &gp, err, errlen)) return OGAS_EIO;
  plot_script_preamble(gp.f, "train_loss", 800, 480);
  fputs(
      "set title 'Surrogate training loss'\nset xlabel 'gradient step'\n"
      "set ylabel 'training loss (normalised MSE)'\nset logscale y\nset key top right\nplot ",
      gp.f);
  for (size_t i = 0; i < rep->n_samplers; i++)
    fprintf(gp.f,
            "%s'train_loss.dat' index %zu using 1:($2 > 0 ? $2 : 1/0) with lines lw 1.5 lc rgb "
            "'%s' title '%s'",
            i ? ", \\\n     " : "", i, plot_sampler_colour(rep->samplers[i].name, i),
            rep->samplers[i].name);
  fputc('\n', gp.f);
  return plot_set_draw(ps, "train_loss", &gp, err, errlen);
}

static int adaptive(const char *name) {
  return !strcmp(name, "breed") || !strcmp(name, "ogas") || !strcmp(name, "sbal");
}

static int plot_breed_ratios(const compare_report *rep, plot_set *ps, char *err, size_t errlen) {
  size_t n_series = 0;
  for (size_t i = 0; i < rep->n_samplers; i++)
    n_series += adaptive(rep->samplers[i].name) && rep->samplers[i].runs[0]->n_generations > 0;
  if (!n_series) return OGAS_OK;
  atomic_file dat, gp;
  if (plot_set_open(ps, "breed_ratio", "dat", &dat, err, errlen)) return OGAS_EIO;
  fputs(
      "# one block per adaptive sampler (first seed): generation, breed ratio, bred share "
      "of the rows written\n",
      dat.f);
  size_t block = 0;
  for (size_t i = 0; i < rep->n_samplers; i++) {
    const study_result *r = rep->samplers[i].runs[0];
    if (!adaptive(rep->samplers[i].name) || !r->n_generations) continue;
    fprintf(dat.f, "%s# %s\n", block++ ? "\n\n" : "", rep->samplers[i].name);
    for (size_t g = 0; g < r->n_generations; g++) {
      const study_generation *x = &r->generations[g];
      int64_t tot = x->n_bred + x->n_non_bred;
      fprintf(dat.f, "%lld %.9g ", (long long)x->generation, x->breed_ratio);
      if (tot > 0)
        fprintf(dat.f, "%.9g\n", (double)x->n_bred / (double)tot);
      else
        fputs("NaN\n", dat.f);
    }
  }
  int st = plot_set_commit(&dat, err, errlen);
  if (st) return st;
  if (plot_set_open(ps, "breed_ratio", "gp", &gp, err, errlen)) return OGAS_EIO;
  plot_script_preamble(gp.f, "breed_ratio", 800, 450);
  fputs(
      "set title 'Breed ratio per generation (first seed)'\nset xlabel 'generation'\n"
      "set ylabel 'share of the generation'\nset yrange [0:1.05]\nset key top left\nplot ",
      gp.f);
  block = 0;
  for (size_t i = 0; i < rep->n_samplers; i++) {
    const study_result *r = rep->samplers[i].runs[0];
    if (!adaptive(rep->samplers[i].name) || !r->n_generations) continue;
    const char *col = plot_sampler_colour(rep->samplers[i].name, i);
    fprintf(gp.f,
            "%s'breed_ratio.dat' index %zu using 1:2 with lines lw 2 dt %zu lc rgb '%s' title "
            "'%s: breed ratio R', \\\n     '' index %zu using 1:3 with points pt %d ps 0.9 lc rgb "
            "'%s' title '%s: bred share'",
            block ? ", \\\n     " : "", block, block + 1, col, rep->samplers[i].name, block,
            block % 2 ? 7 : 6, col, rep->samplers[i].name);
    block++;
  }
  fputc('\n', gp.f);
  return plot_set_draw(ps, "breed_ratio", &gp, err, errlen);
}

static int plot_ddpm_loss(const compare_report *rep, const char *out_dir, plot_set *ps, char *err,
                          size_t errlen) {
  int ogas = -1;
  for (size_t i = 0; i < rep->n_samplers; i++)
    if (!strcmp(rep->samplers[i].name, "ogas")) ogas = (int)i;
  if (ogas < 0) return OGAS_OK;
  atomic_file dat, gp;
  if (plot_set_open(ps, "ddpm_loss", "dat", &dat, err, errlen)) return OGAS_EIO;
  fputs("# one block per seed: generation, DDPM training steps, DDPM loss (moving average)\n",
        dat.f);
  size_t points = 0;
  for (size_t s = 0; s < rep->n_seeds; s++) {
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/%s", out_dir, rep->samplers[ogas].run_dirs[s]);
    run_log_generation *g = NULL;
    size_t n = 0;
    char e2[256];
    if (run_log_read_generations(dir, &g, &n, e2, sizeof e2)) n = 0;
    fprintf(dat.f, "%s# seed %llu\n", s ? "\n\n" : "",
            (unsigned long long)rep->samplers[ogas].runs[s]->seed);
    size_t here = 0;
    for (size_t k = 0; k < n; k++) {
      if (!(isfinite(g[k].info.ddpm_loss) && g[k].info.ddpm_loss > 0)) continue;
      fprintf(dat.f, "%lld %lld %.9g\n", (long long)g[k].info.generation,
              (long long)g[k].info.ddpm_steps, g[k].info.ddpm_loss);
      here++;
    }
    if (!here) fputs("NaN NaN NaN\n", dat.f);
    points += here;
    free(g);
  }
  int st = plot_set_commit(&dat, err, errlen);
  if (st || points == 0) return st;
  if (plot_set_open(ps, "ddpm_loss", "gp", &gp, err, errlen)) return OGAS_EIO;
  plot_script_preamble(gp.f, "ddpm_loss", 800, 450);
  fputs(
      "set title 'OGAS: DDPM training loss at each generation break'\n"
      "set xlabel 'DDPM training steps'\nset ylabel 'DDPM loss (moving average)'\n"
      "set logscale y\nset key top right\nplot ",
      gp.f);
  for (size_t s = 0; s < rep->n_seeds; s++) {
    static const char *const cols[] = {"#cc3311", "#ee7733", "#aa3377", "#332288", "#777777"};
    fprintf(gp.f,
            "%s'ddpm_loss.dat' index %zu using 2:3 with linespoints pt 7 ps 0.6 lc rgb '%s' title "
            "'seed %llu'",
            s ? ", \\\n     " : "", s, cols[s % 5],
            (unsigned long long)rep->samplers[ogas].runs[s]->seed);
  }
  fputc('\n', gp.f);
  return plot_set_draw(ps, "ddpm_loss", &gp, err, errlen);
}

enum { ERROR_BINS = 10 };

/* Validation error against parameter px: per validation simulation the
   nRMSE averaged over the seeds, then its mean and maximum over each tenth
   of px's range, so that the plot shows where each sampler's tail is. */
static int plot_errors_by_param(const compare_report *rep, int px, const char *px_name,
                                plot_set *ps, char *err, size_t errlen) {
  const study_result *r0 = compare_first_run(rep);
  if (!rep->validation_params || !r0 || px < 0) return OGAS_OK;
  size_t n_val = r0->n_val, P = r0->nb_params;
  double lo = r0->lower[px], width = (r0->upper[px] - lo) / ERROR_BINS;
  if (!(width > 0)) return OGAS_OK;
  atomic_file dat, gp;
  if (plot_set_open(ps, "errors_by_param", "dat", &dat, err, errlen)) return OGAS_EIO;
  fprintf(dat.f,
          "# one block per sampler: centre of a tenth of %s's range, mean and max over its "
          "validation simulations of the nRMSE (each averaged over the seeds), simulations\n",
          px_name);
  for (size_t i = 0; i < rep->n_samplers; i++) {
    const compare_sampler *c = &rep->samplers[i];
    double sum[ERROR_BINS] = {0}, max[ERROR_BINS] = {0};
    size_t count[ERROR_BINS] = {0};
    for (size_t k = 0; k < n_val; k++) {
      double e = 0;
      for (size_t s = 0; s < rep->n_seeds; s++) e += c->runs[s]->val_nrmse[k];
      e /= (double)rep->n_seeds;
      if (!isfinite(e)) continue;
      int b = (int)floor((rep->validation_params[k * P + (size_t)px] - lo) / width);
      b = b < 0 ? 0 : b >= ERROR_BINS ? ERROR_BINS - 1 : b;
      sum[b] += e, count[b]++;
      if (e > max[b]) max[b] = e;
    }
    fprintf(dat.f, "%s# %s\n", i ? "\n\n" : "", c->name);
    for (int b = 0; b < ERROR_BINS; b++) {
      fprintf(dat.f, "%.9g ", lo + (b + 0.5) * width);
      if (count[b])
        fprintf(dat.f, "%.9g %.9g %zu\n", sum[b] / (double)count[b], max[b], count[b]);
      else
        fputs("NaN NaN 0\n", dat.f);
    }
  }
  int st = plot_set_commit(&dat, err, errlen);
  if (st) return st;
  if (plot_set_open(ps, "errors_by_param", "gp", &gp, err, errlen)) return OGAS_EIO;
  plot_script_preamble(gp.f, "errors_by_param", 1200, 480);
  fprintf(gp.f,
          "set multiplot layout 1,2 title 'One-step nRMSE of the validation simulations by %s "
          "(%zu simulations, averaged over %zu seed%s)'\n"
          "set xlabel '%s'\nset logscale y\nset key top right\n"
          "set title 'Mean per tenth of the range'\nset ylabel 'nRMSE'\nplot ",
          px_name, n_val, rep->n_seeds, rep->n_seeds > 1 ? "s" : "", px_name);
  for (int panel = 0; panel < 2; panel++) {
    if (panel) fputs("\nset title 'Worst simulation per tenth of the range'\nplot ", gp.f);
    for (size_t i = 0; i < rep->n_samplers; i++)
      fprintf(gp.f,
              "%s'errors_by_param.dat' index %zu using 1:($%d > 0 ? $%d : 1/0) with "
              "linespoints lw 2 pt 7 ps 0.7 lc rgb '%s' title '%s'",
              i ? ", \\\n     " : "", i, 2 + panel, 2 + panel,
              plot_sampler_colour(rep->samplers[i].name, i), rep->samplers[i].name);
  }
  fputs("\nunset multiplot\n", gp.f);
  return plot_set_draw(ps, "errors_by_param", &gp, err, errlen);
}

int compare_draw_plots(const compare_report *rep, const char *out_dir, plot_set *ps, char *err,
                       size_t errlen) {
  int st = plot_errors(rep, ps, err, errlen);
  if (!st) st = plot_train_loss(rep, ps, err, errlen);
  if (!st) st = plot_breed_ratios(rep, ps, err, errlen);
  if (!st) st = plot_ddpm_loss(rep, out_dir, ps, err, errlen);
  /* Which two parameters: chosen on uniform's first run (the unbiased
     picture of where the loss is), else the first sampler's. */
  const study_result *ref = rep->samplers[rep->uniform >= 0 ? rep->uniform : 0].runs[0];
  const pde_problem *p = pde_find(ref->problem);
  size_t P = ref->nb_params;
  const char **names = malloc((P ? P : 1) * sizeof *names); /* labels only: NULL is fine */
  for (size_t k = 0; names && k < P; k++) names[k] = p ? pde_param_name(p, k) : NULL;
  plot_param_rows rows = {.n_rows = (size_t)ref->nb_sims,
                          .nb_params = P,
                          .params = ref->params,
                          .is_bred = ref->is_bred,
                          .generation = ref->generation,
                          .train_loss = ref->sim_train_loss,
                          .names = names};
  int px, py, strongest;
  plot_pick_params(&rows, rep->param_x, rep->param_y, &px, &py, &strongest);
  if (!st)
    st = plot_errors_by_param(rep, strongest,
                              names && names[strongest] ? names[strongest] : "parameter", ps, err,
                              errlen);
  for (size_t i = 0; !st && i < rep->n_samplers; i++) {
    if (!adaptive(rep->samplers[i].name)) continue;
    const study_result *r = rep->samplers[i].runs[0];
    rows.n_rows = (size_t)r->nb_sims, rows.params = r->params, rows.is_bred = r->is_bred;
    rows.generation = r->generation, rows.train_loss = r->sim_train_loss;
    char name[64], title[128];
    snprintf(name, sizeof name, "params_%s", rep->samplers[i].name);
    snprintf(title, sizeof title, "%s: sampled parameters per generation (seed %llu)",
             rep->samplers[i].name, (unsigned long long)r->seed);
    st = plot_params_per_generation(ps, name, title, &rows, px, py, err, errlen);
  }
  free(names);
  return st;
}

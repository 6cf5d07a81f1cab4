/* plots — gnuplot data files, scripts and runs; the breeder's plots of a run
 * folder. See plots.h for the layout. */
#include "study/plots.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ogas.h"
#include "util/make_dirs.h"
#include "util/run_log.h"
#include "util/status_msg.h"

/* ---- gnuplot ------------------------------------------------------------- */

int plots_find_gnuplot(char *path, size_t len) {
  /* OGAS_GNUPLOT names the executable; set but empty, it means "none". */
  const char *forced = getenv("OGAS_GNUPLOT");
  if (forced) {
    if (!*forced || access(forced, X_OK)) return -1;
    snprintf(path, len, "%s", forced);
    return 0;
  }
  const char *p = getenv("PATH");
  if (!p || !*p) p = "/usr/bin:/bin";
  while (*p) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n > 0 && n + 9 < len) {
      snprintf(path, len, "%.*s/gnuplot", (int)n, p);
      if (!access(path, X_OK)) return 0;
    }
    p += n + (end ? 1 : 0);
  }
  if (len) path[0] = '\0';
  return -1;
}

int plot_set_init(plot_set *ps, const char *dir, int draw, char *err, size_t errlen) {
  memset(ps, 0, sizeof *ps);
  snprintf(ps->dir, sizeof ps->dir, "%s", dir);
  char sub[4200];
  snprintf(sub, sizeof sub, "%s/plots", dir);
  if (make_dirs(sub)) {
    status_msg(0, err, errlen, "plots: cannot create '%s': %s", sub, strerror(errno));
    return OGAS_EIO;
  }
  ps->draw = draw;
  if (draw && plots_find_gnuplot(ps->gnuplot, sizeof ps->gnuplot)) {
    ps->gnuplot[0] = '\0';
    snprintf(ps->warning, sizeof ps->warning,
             "gnuplot not found (install gnuplot-nox): no PNGs drawn; the data and scripts "
             "are in %s/plots",
             dir);
  }
  if (ps->gnuplot[0]) { /* a fresh log per set */
    char log[4300];
    snprintf(log, sizeof log, "%s/gnuplot.log", sub);
    FILE *f = fopen(log, "w");
    if (f) fclose(f);
  }
  return OGAS_OK;
}

int plot_set_open(plot_set *ps, const char *name, const char *ext, atomic_file *a, char *err,
                  size_t errlen) {
  char path[4400];
  snprintf(path, sizeof path, "%s/plots/%s.%s", ps->dir, name, ext);
  char why[512];
  if (atomic_file_open(a, path, why, sizeof why)) {
    status_msg(0, err, errlen, "plots: %s", why);
    return -1;
  }
  return 0;
}

int plot_set_commit(atomic_file *a, char *err, size_t errlen) {
  char why[512];
  if (atomic_file_commit(a, why, sizeof why))
    return status_msg(OGAS_EIO, err, errlen, "plots: %s", why);
  return OGAS_OK;
}

void plot_script_preamble(FILE *f, const char *name, int width, int height) {
  fprintf(f,
          "# Drawn by ogas; run `gnuplot %s.gp` in this folder to draw ../%s.png again.\n"
          "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
          "  set terminal pngcairo size %d,%d noenhanced font 'sans,10'\n"
          "} else {\n"
          "  set terminal png size %d,%d noenhanced\n"
          "}\n"
          "set output '../%s.png'\n"
          "set grid lc rgb '#dddddd'\n"
          "set key noopaque box lc rgb '#bbbbbb'\n",
          name, name, width, height, width, height, name);
}

/* Run gnuplot on dir/plots/NAME.gp with its output in gnuplot.log; the exit
   status, or -1 when it could not run. */
static int run_gnuplot(const plot_set *ps, const char *name) {
  char sub[4200], script[128];
  snprintf(sub, sizeof sub, "%s/plots", ps->dir);
  snprintf(script, sizeof script, "%s.gp", name);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    /* Only async-signal-safe calls between fork and exec. */
    if (chdir(sub)) _exit(126);
    int fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0666);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    char *const argv[] = {(char *)"gnuplot", script, NULL};
    execv(ps->gnuplot, argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int plot_set_draw(plot_set *ps, const char *name, atomic_file *script, char *err, size_t errlen) {
  if (plot_set_commit(script, err, errlen)) return OGAS_EIO;
  if (!ps->draw || !ps->gnuplot[0]) return OGAS_OK;
  char png[4200];
  snprintf(png, sizeof png, "%s/%s.png", ps->dir, name);
  remove(png); /* a stale PNG must not pass for a new one */
  int rc = run_gnuplot(ps, name);
  struct stat st;
  if (rc == 0 && !stat(png, &st) && st.st_size > 0) {
    if (ps->n_png < sizeof ps->png / sizeof ps->png[0])
      snprintf(ps->png[ps->n_png++], sizeof ps->png[0], "%s.png", name);
    return OGAS_OK;
  }
  ps->n_failed++;
  status_msg(0, ps->warning, sizeof ps->warning,
             "gnuplot failed on %s/plots/%s.gp (exit %d); see %s/plots/gnuplot.log", ps->dir, name,
             rc, ps->dir);
  return OGAS_OK;
}

const char *plot_sampler_colour(const char *sampler, size_t i) {
  static const struct {
    const char *name, *colour;
  } known[] = {{"uniform", "#4477aa"}, {"lhs", "#66ccee"},   {"halton", "#228833"},
               {"sobol", "#ccbb44"},   {"breed", "#ee7733"}, {"ogas", "#cc3311"},
               {"sbal", "#aa3377"}};
  static const char *const others[] = {"#777777", "#000000", "#332288", "#882255"};
  for (size_t k = 0; k < sizeof known / sizeof *known; k++)
    if (sampler && !strcmp(sampler, known[k].name)) return known[k].colour;
  return others[i % (sizeof others / sizeof *others)];
}

/* A name safe inside single quotes in a gnuplot script. */
static void gp_text(char *dst, size_t len, const char *src) {
  size_t j = 0;
  for (const char *p = src ? src : ""; *p && j + 1 < len; p++)
    dst[j++] = (*p == '\'' || *p == '\n' || *p == '\\') ? ' ' : *p;
  dst[j] = '\0';
}

static void gp_num(FILE *f, double v) {
  if (isfinite(v))
    fprintf(f, "%.9g", v);
  else
    fputs("NaN", f);
}

/* ---- parameters per generation ------------------------------------------- */

typedef struct {
  double v;
  size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
  double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
  return (x > y) - (x < y);
}

/* Ranks (1-based, ties averaged) of v[0..n-1] into rank. */
static void ranks_of(const double *v, size_t n, ranked *tmp, double *rank) {
  for (size_t i = 0; i < n; i++) tmp[i].v = v[i], tmp[i].i = i;
  qsort(tmp, n, sizeof *tmp, cmp_ranked);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && tmp[j + 1].v == tmp[i].v) j++;
    double r = 0.5 * (double)(i + j) + 1.0;
    for (size_t k = i; k <= j; k++) rank[tmp[k].i] = r;
    i = j + 1;
  }
}

static double pearson(const double *a, const double *b, size_t n) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < n; i++) ma += a[i], mb += b[i];
  ma /= (double)n, mb /= (double)n;
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
}

void plot_pick_params(const plot_param_rows *rows, int want_x, int want_y, int *px, int *py,
                      int *strongest) {
  int P = (int)rows->nb_params, unused;
  if (!strongest) strongest = &unused;
  if (want_x >= 0 && want_y >= 0 && want_x < P && want_y < P) {
    *px = want_x, *py = want_y, *strongest = want_x;
    return;
  }
  *px = 0, *py = P > 1 ? 1 : 0, *strongest = 0;
  if (P < 3 || !rows->train_loss) return;
  size_t n = 0;
  for (size_t i = 0; i < rows->n_rows; i++) n += isfinite(rows->train_loss[i]) != 0;
  if (n < 8) return;
  double *loss = malloc(n * sizeof *loss), *col = malloc(n * sizeof *col);
  double *rl = malloc(n * sizeof *rl), *rc = malloc(n * sizeof *rc);
  ranked *tmp = malloc(n * sizeof *tmp);
  if (loss && col && rl && rc && tmp) {
    size_t k = 0;
    for (size_t i = 0; i < rows->n_rows; i++)
      if (isfinite(rows->train_loss[i])) loss[k++] = rows->train_loss[i];
    ranks_of(loss, n, tmp, rl);
    double best[2] = {-1, -1};
    int arg[2] = {0, 1};
    for (int p = 0; p < P; p++) {
      k = 0;
      for (size_t i = 0; i < rows->n_rows; i++)
        if (isfinite(rows->train_loss[i])) col[k++] = rows->params[i * rows->nb_params + (size_t)p];
      ranks_of(col, n, tmp, rc);
      double rho = fabs(pearson(rc, rl, n));
      if (rho > best[0])
        best[1] = best[0], arg[1] = arg[0], best[0] = rho, arg[0] = p;
      else if (rho > best[1])
        best[1] = rho, arg[1] = p;
    }
    /* Lower index on x, so that the axes do not swap between runs. */
    *px = arg[0] < arg[1] ? arg[0] : arg[1];
    *py = arg[0] < arg[1] ? arg[1] : arg[0];
    *strongest = arg[0];
  }
  free(loss), free(col), free(rl), free(rc), free(tmp);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

#define MAX_PANELS 12

int plot_params_per_generation(plot_set *ps, const char *name, const char *title,
                               const plot_param_rows *rows, int px, int py, char *err,
                               size_t errlen) {
  size_t n = rows->n_rows, P = rows->nb_params;
  if (n == 0 || P == 0) return OGAS_OK;
  /* Distinct generations, grouped into at most MAX_PANELS panels. */
  int64_t *gens = malloc(n * sizeof *gens);
  if (!gens) {
    status_msg(0, err, errlen, "plots: out of memory");
    return OGAS_ENOMEM;
  }
  memcpy(gens, rows->generation, n * sizeof *gens);
  qsort(gens, n, sizeof *gens, cmp_i64);
  size_t nd = 0;
  for (size_t i = 0; i < n; i++)
    if (i == 0 || gens[i] != gens[nd - 1]) gens[nd++] = gens[i];
  size_t panels = nd < MAX_PANELS ? nd : MAX_PANELS;
  int64_t lo_gen[MAX_PANELS], hi_gen[MAX_PANELS];
  for (size_t k = 0; k < panels; k++) {
    lo_gen[k] = gens[k * nd / panels];
    hi_gen[k] = gens[(k + 1) * nd / panels - 1];
  }
  free(gens);

  /* One parameter only: draw it against the simulation id. */
  int one = P < 2;
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double x = rows->params[i * P + (size_t)px],
           y = one ? (double)i : rows->params[i * P + (size_t)py];
    if (isfinite(x)) xmin = fmin(xmin, x), xmax = fmax(xmax, x);
    if (isfinite(y)) ymin = fmin(ymin, y), ymax = fmax(ymax, y);
  }
  if (!(xmin <= xmax)) xmin = 0, xmax = 1;
  if (!(ymin <= ymax)) ymin = 0, ymax = 1;
  double dx = xmax > xmin ? 0.03 * (xmax - xmin) : 0.5,
         dy = ymax > ymin ? 0.03 * (ymax - ymin) : 0.5;

  atomic_file dat, gp;
  if (plot_set_open(ps, name, "dat", &dat, err, errlen)) return OGAS_EIO;
  size_t n_rows_panel[MAX_PANELS] = {0}, n_bred_panel[MAX_PANELS] = {0};
  fprintf(dat.f, "# %s: one block per panel; columns x y is_bred generation\n", name);
  for (size_t k = 0; k < panels; k++) {
    fprintf(dat.f, "%s# generations %lld-%lld\n", k ? "\n\n" : "", (long long)lo_gen[k],
            (long long)hi_gen[k]);
    for (size_t i = 0; i < n; i++) {
      int64_t g = rows->generation[i];
      if (g < lo_gen[k] || g > hi_gen[k]) continue;
      gp_num(dat.f, rows->params[i * P + (size_t)px]);
      fputc(' ', dat.f);
      gp_num(dat.f, one ? (double)i : rows->params[i * P + (size_t)py]);
      fprintf(dat.f, " %d %lld\n", rows->is_bred[i] ? 1 : 0, (long long)g);
      n_rows_panel[k]++;
      n_bred_panel[k] += rows->is_bred[i] != 0;
    }
  }
  if (plot_set_commit(&dat, err, errlen)) return OGAS_EIO;
  if (plot_set_open(ps, name, "gp", &gp, err, errlen)) return OGAS_EIO;
  size_t cols = 1;
  while (cols * cols < panels) cols++;
  size_t nrows = (panels + cols - 1) / cols;
  plot_script_preamble(gp.f, name, (int)(cols * 330), (int)(nrows * 290 + 50));
  char t[256], xl[64], yl[64];
  gp_text(t, sizeof t, title);
  char nx[32], ny[32];
  snprintf(nx, sizeof nx, "parameter %d", px);
  snprintf(ny, sizeof ny, one ? "simulation id" : "parameter %d", py);
  gp_text(xl, sizeof xl, rows->names && rows->names[px] ? rows->names[px] : nx);
  gp_text(yl, sizeof yl, !one && rows->names && rows->names[py] ? rows->names[py] : ny);
  fprintf(gp.f, "set multiplot layout %zu,%zu title '%s'\n", nrows, cols, t);
  fprintf(gp.f, "set xrange [%.9g:%.9g]\nset yrange [%.9g:%.9g]\n", xmin - dx, xmax + dx, ymin - dy,
          ymax + dy);
  fprintf(gp.f, "set xlabel '%s'\nset ylabel '%s'\nset key top right font ',8'\n", xl, yl);
  for (size_t k = 0; k < panels; k++) {
    if (lo_gen[k] == hi_gen[k])
      fprintf(gp.f, "set title 'generation %lld: %zu of %zu bred'\n", (long long)lo_gen[k],
              n_bred_panel[k], n_rows_panel[k]);
    else
      fprintf(gp.f, "set title 'generations %lld-%lld: %zu of %zu bred'\n", (long long)lo_gen[k],
              (long long)hi_gen[k], n_bred_panel[k], n_rows_panel[k]);
    if (k == 1) fputs("unset key\n", gp.f);
    /* The dummy 1/0 series keep both entries in the key even when a panel
       has no bred point. */
    fprintf(gp.f,
            "plot '%s.dat' index %zu using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 0.5 "
            "lc rgb '#4477aa' title 'not bred', \\\n"
            "     '' index %zu using 1:($3 != 0 ? $2 : 1/0) with points pt 7 ps 0.6 "
            "lc rgb '#cc3311' title 'bred'\n",
            name, k, k);
  }
  fputs("unset multiplot\n", gp.f);
  return plot_set_draw(ps, name, &gp, err, errlen);
}

/* ---- the breeder's plots of a run folder ---------------------------------- */

static int plot_breed_ratio(plot_set *ps, const run_log_generation *g, size_t n, char *err,
                            size_t errlen) {
  atomic_file dat, gp;
  if (plot_set_open(ps, "breed_ratio", "dat", &dat, err, errlen)) return OGAS_EIO;
  fputs("# generation breed_ratio realised_bred_share\n", dat.f);
  for (size_t i = 0; i < n; i++) {
    int64_t tot = g[i].info.n_bred + g[i].info.n_non_bred;
    fprintf(dat.f, "%lld ", (long long)g[i].info.generation);
    gp_num(dat.f, g[i].info.breed_ratio);
    fputc(' ', dat.f);
    gp_num(dat.f, g[i].info.n_bred >= 0 && tot > 0 ? (double)g[i].info.n_bred / (double)tot : NAN);
    fputc('\n', dat.f);
  }
  if (plot_set_commit(&dat, err, errlen)) return OGAS_EIO;
  if (plot_set_open(ps, "breed_ratio", "gp", &gp, err, errlen)) return OGAS_EIO;
  plot_script_preamble(gp.f, "breed_ratio", 800, 450);
  fputs(
      "set title 'Breed ratio per generation'\n"
      "set xlabel 'generation'\nset ylabel 'share of the generation'\n"
      "set yrange [0:1.05]\nset key top left\n"
      "plot 'breed_ratio.dat' using 1:2 with linespoints pt 7 ps 0.7 lc rgb '#4477aa' "
      "title 'breed ratio R (schedule)', \\\n"
      "     '' using 1:3 with points pt 6 ps 1.2 lc rgb '#cc3311' "
      "title 'bred / (bred + not bred) staged'\n",
      gp.f);
  return plot_set_draw(ps, "breed_ratio", &gp, err, errlen);
}

/* One column of g over generations (or DDPM steps): NAME.dat and NAME.gp. */
static int plot_generation_series(plot_set *ps, const char *name, const char *title,
                                  const char *ylabel, int logy, const run_log_generation *g,
                                  size_t n, int what, char *err, size_t errlen) {
  size_t finite = 0;
  int by_steps = 1;
  for (size_t i = 0; i < n; i++) {
    double v = what == 0 ? g[i].info.ddpm_loss : g[i].info.target_mean;
    finite += isfinite(v) && (!logy || v > 0);
    if (g[i].info.ddpm_steps < 0) by_steps = 0;
  }
  if (finite == 0) return OGAS_OK;
  if (what != 0) by_steps = 0;
  atomic_file dat, gp;
  if (plot_set_open(ps, name, "dat", &dat, err, errlen)) return OGAS_EIO;
  fprintf(dat.f, "# generation ddpm_steps %s%s\n", what == 0 ? "ddpm_loss" : "target_mean",
          what == 0 ? " ratio_loss" : "");
  for (size_t i = 0; i < n; i++) {
    fprintf(dat.f, "%lld %lld ", (long long)g[i].info.generation, (long long)g[i].info.ddpm_steps);
    gp_num(dat.f, what == 0 ? g[i].info.ddpm_loss : g[i].info.target_mean);
    if (what == 0) {
      fputc(' ', dat.f);
      gp_num(dat.f, g[i].info.ratio_loss);
    }
    fputc('\n', dat.f);
  }
  if (plot_set_commit(&dat, err, errlen)) return OGAS_EIO;
  if (plot_set_open(ps, name, "gp", &gp, err, errlen)) return OGAS_EIO;
  plot_script_preamble(gp.f, name, 800, 450);
  fprintf(gp.f, "set title '%s'\nset xlabel '%s'\nset ylabel '%s'\n%sset key top right\n", title,
          by_steps ? "DDPM training steps" : "generation", ylabel, logy ? "set logscale y\n" : "");
  if (what == 0) {
    int ratio = 0;
    for (size_t i = 0; i < n; i++)
      ratio |= isfinite(g[i].info.ratio_loss) && g[i].info.ratio_loss > 0;
    if (ratio) fputs("set ytics nomirror\nset y2tics\nset y2label 'RatioMLP loss'\n", gp.f);
    fprintf(gp.f,
            "plot '%s.dat' using %d:($3 > 0 ? $3 : 1/0) with linespoints pt 7 ps 0.6 lc rgb "
            "'#cc3311' title 'DDPM loss (moving average)'",
            name, by_steps ? 2 : 1);
    if (ratio)
      fprintf(gp.f,
              ", \\\n     '' using %d:($4 > 0 ? $4 : 1/0) axes x1y2 with lines dt 2 lc rgb "
              "'#777777' title 'RatioMLP loss (right axis)'",
              by_steps ? 2 : 1);
    fputc('\n', gp.f);
  } else {
    fprintf(gp.f,
            "plot '%s.dat' using 1:3 with linespoints pt 7 ps 0.7 lc rgb '#ee7733' "
            "title 'mean target condition of the bred children'\n",
            name);
  }
  return plot_set_draw(ps, name, &gp, err, errlen);
}

int plot_breeder_folder(const char *dir, const plot_folder_options *opt, plot_set *ps, char *err,
                        size_t errlen) {
  run_log_generation *g = NULL;
  size_t ng = 0;
  run_log_children ch;
  memset(&ch, 0, sizeof ch);
  int st = run_log_read_generations(dir, &g, &ng, err, errlen);
  if (st) return st;
  st = run_log_read_children(dir, &ch, err, errlen);
  if (st) {
    free(g);
    return st;
  }
  if (ng == 0 && ch.n_rows == 0) {
    status_msg(0, err, errlen,
               "'%s' has no " RUN_LOG_GENERATIONS
               " (the breeder writes it when its config names a "
               "run_dir) and no " RUN_LOG_CHILDREN,
               dir);
    free(g);
    return OGAS_EINVAL;
  }
  if (opt && ch.n_rows &&
      (opt->param_x >= (int)ch.nb_params || opt->param_y >= (int)ch.nb_params)) {
    status_msg(0, err, errlen, "parameters %d,%d asked for, but children.csv has %zu (0..%zu)",
               opt->param_x, opt->param_y, ch.nb_params, ch.nb_params - 1);
    free(g);
    run_log_children_free(&ch);
    return OGAS_EINVAL;
  }
  st = plot_set_init(ps, dir, opt ? opt->draw : 1, err, errlen);
  if (!st && ch.n_rows) {
    plot_param_rows rows = {.n_rows = ch.n_rows,
                            .nb_params = ch.nb_params,
                            .params = ch.params,
                            .is_bred = ch.is_bred,
                            .generation = ch.generation,
                            .train_loss = ch.train_loss,
                            .names = (const char *const *)ch.names};
    int px, py;
    plot_pick_params(&rows, opt ? opt->param_x : -1, opt ? opt->param_y : -1, &px, &py, NULL);
    st = plot_params_per_generation(ps, "parameters", "Sampled parameters per generation", &rows,
                                    px, py, err, errlen);
  }
  if (!st && ng) st = plot_breed_ratio(ps, g, ng, err, errlen);
  if (!st && ng)
    st = plot_generation_series(ps, "ddpm_loss", "DDPM training loss", "loss", 1, g, ng, 0, err,
                                errlen);
  if (!st && ng)
    st = plot_generation_series(ps, "targets", "Target conditions per generation",
                                "target loss (condition)", 0, g, ng, 1, err, errlen);
  free(g);
  run_log_children_free(&ch);
  return st;
}

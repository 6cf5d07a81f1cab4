/* ogas plot on a synthetic breeder run folder: generations.jsonl as the
   breeder writes it (with a restart that repeats generations and nulls
   before the DDPM trains) and children.csv. The readers keep the later lines
   and parse every column; the automatic choice of scatter parameters finds
   the two that drive the loss; the command draws its four PNGs (when gnuplot
   is installed) and refuses empty folders, bad lines and bad options. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"
#include "run_cli.h"
#include "study/plots.h"
#include "util/make_dirs.h"
#include "util/run_log.h"

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) ? -1 : (long)st.st_size;
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[800];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs(text, f);
  fclose(f);
}

/* A run of 8 generations, restarted after generation 5 from the checkpoint
   of generation 3: generations 4 and 5 appear twice, the later ones count. */
static void write_generations(const char *dir) {
  char path[800];
  snprintf(path, sizeof path, "%s/generations.jsonl", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  int order[] = {1, 2, 3, 4, 5, 4, 5, 6, 7, 8};
  for (int i = 0; i < 10; i++) {
    int g = order[i], again = i >= 5;
    double r = g < 4 ? 0.7 * (g - 1) / 3.0 : 0.7;
    if (g == 1)
      fprintf(f,
              "{\"generation\": 1, \"breed_ratio\": 0, \"n_children\": 40, \"n_bred\": 0, "
              "\"n_non_bred\": 40, \"target_mean\": null, \"ddpm_steps\": 0, "
              "\"ddpm_loss\": null, \"ratio_loss\": null, \"not_bred_reason\": \"warming up\"}\n");
    else
      fprintf(f,
              "{\"generation\": %d, \"breed_ratio\": %.3f, \"n_children\": 40, \"n_bred\": %d, "
              "\"n_non_bred\": %d, \"target_mean\": %.3f, \"ddpm_steps\": %d, \"ddpm_loss\": %.4f, "
              "\"ratio_loss\": 0.69, \"generate_ms\": 3.5, \"not_bred_reason\": \"\"}\n",
              g, r, (int)(40 * r), 40 - (int)(40 * r), 0.5 + 0.1 * g + (again ? 10 : 0), 100 * g,
              1.0 / g);
  }
  fclose(f);
}

/* 60 rows, 4 parameters; the loss grows with parameters 1 and 3 only. */
static void write_children(const char *dir) {
  char path[800];
  snprintf(path, sizeof path, "%s/children.csv", dir);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  fputs("sim_id,generation,is_bred,status,train_loss,a,b,c,d\n", f);
  unsigned s = 12345;
  for (int i = 0; i < 60; i++) {
    double p[4];
    for (int k = 0; k < 4; k++) {
      s = s * 1103515245u + 12345u;
      p[k] = (double)((s >> 8) & 0xffff) / 65535.0;
    }
    double loss = 0.1 + p[1] + 2 * p[3] + 0.05 * p[0];
    fprintf(f, "%d,%d,%d,0,", i, i / 8, i >= 16 && i % 3 != 0);
    if (i != 7) fprintf(f, "%.6f", loss); /* one simulation reported nothing */
    fprintf(f, ",%.6f,%.6f,%.6f,%.6f\n", p[0], p[1], p[2], p[3]);
  }
  fclose(f);
}

int main(void) {
  char dir[512], out[600], err[600], path[800];
  snprintf(dir, sizeof dir, "%s/plot_run", OGAS_TEST_OUT);
  snprintf(out, sizeof out, "%s/plot_stdout.txt", OGAS_TEST_OUT);
  snprintf(err, sizeof err, "%s/plot_stderr.txt", OGAS_TEST_OUT);
  CHECK(make_dirs(dir) == 0);
  static const char *const pngs[] = {"parameters.png", "breed_ratio.png", "ddpm_loss.png",
                                     "targets.png"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, pngs[i]);
    remove(path);
  }
  write_generations(dir);
  write_children(dir);

  /* The readers. */
  run_log_generation *g = NULL;
  size_t ng = 0;
  char e[512];
  CHECK_MSG(run_log_read_generations(dir, &g, &ng, e, sizeof e) == OGAS_OK, "%s", e);
  CHECK(ng == 8);
  for (size_t i = 0; g && i < ng; i++) CHECK(g[i].info.generation == (int64_t)i + 1);
  if (g && ng == 8) {
    CHECK(isnan(g[0].info.ddpm_loss) && isnan(g[0].info.target_mean));
    CHECK_NEAR(g[3].info.target_mean, 10.9, 1e-12); /* the line after the restart */
    CHECK_NEAR(g[1].info.ddpm_loss, 0.5, 1e-12);
    CHECK(g[7].info.ddpm_steps == 800 && g[7].info.n_bred == 28);
  }
  free(g);
  run_log_children ch;
  CHECK_MSG(run_log_read_children(dir, &ch, e, sizeof e) == OGAS_OK, "%s", e);
  CHECK(ch.n_rows == 60 && ch.nb_params == 4);
  if (ch.n_rows == 60 && ch.nb_params == 4) {
    CHECK(!strcmp(ch.names[0], "a") && !strcmp(ch.names[3], "d"));
    CHECK(isnan(ch.train_loss[7]) && isfinite(ch.train_loss[8]));
    CHECK(ch.generation[59] == 7 && ch.is_bred[17] == 1 && ch.is_bred[18] == 0);
    plot_param_rows rows = {.n_rows = ch.n_rows,
                            .nb_params = ch.nb_params,
                            .params = ch.params,
                            .is_bred = ch.is_bred,
                            .generation = ch.generation,
                            .train_loss = ch.train_loss};
    int px, py, strongest;
    plot_pick_params(&rows, -1, -1, &px, &py, &strongest);
    CHECK_MSG(px == 1 && py == 3 && strongest == 3, "picked %d,%d (%d)", px, py, strongest);
    plot_pick_params(&rows, 2, 0, &px, &py, &strongest);
    CHECK(px == 2 && py == 0 && strongest == 2);
    rows.train_loss = NULL;
    plot_pick_params(&rows, -1, -1, &px, &py, NULL);
    CHECK(px == 0 && py == 1);
  }
  run_log_children_free(&ch);

  /* The command. */
  char gnuplot[4096];
  int have_gnuplot = plots_find_gnuplot(gnuplot, sizeof gnuplot) == 0;
  const char *args[] = {"plot", dir, NULL};
  CHECK(run_cli(args, out, err) == 0);
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/plots/%.*s.gp", dir, (int)(strlen(pngs[i]) - 4), pngs[i]);
    CHECK_MSG(file_size(path) > 0, "%s", path);
    snprintf(path, sizeof path, "%s/%s", dir, pngs[i]);
    if (have_gnuplot) CHECK_MSG(file_size(path) > 1000, "%s not drawn", path);
  }
  if (!have_gnuplot) printf("gnuplot not found: PNG checks skipped\n");

  /* Only generations.jsonl (a user's own server): three plots, no scatter. */
  char dir2[600];
  snprintf(dir2, sizeof dir2, "%s/plot_run_server", OGAS_TEST_OUT);
  CHECK(make_dirs(dir2) == 0);
  snprintf(path, sizeof path, "%s/parameters.png", dir2);
  remove(path);
  write_generations(dir2);
  const char *args2[] = {"plot", dir2, "--no-draw", NULL};
  CHECK(run_cli(args2, out, err) == 0);
  snprintf(path, sizeof path, "%s/plots/ddpm_loss.gp", dir2);
  CHECK(file_size(path) > 0);
  snprintf(path, sizeof path, "%s/plots/parameters.gp", dir2);
  CHECK(file_size(path) < 0);

  /* Refusals. */
  char empty[600];
  snprintf(empty, sizeof empty, "%s/plot_empty", OGAS_TEST_OUT);
  CHECK(make_dirs(empty) == 0);
  const char *a3[] = {"plot", empty, NULL};
  CHECK(run_cli(a3, out, err) == 1);
  char bad[600];
  snprintf(bad, sizeof bad, "%s/plot_bad", OGAS_TEST_OUT);
  CHECK(make_dirs(bad) == 0);
  write_file(bad, "generations.jsonl", "{\"generation\": 1}\n{\"generation\": 2,\n");
  CHECK(run_log_read_generations(bad, &g, &ng, e, sizeof e) == OGAS_EINVAL);
  CHECK_MSG(strstr(e, ":2:") != NULL, "%s", e);
  const char *a4[] = {"plot", bad, NULL};
  CHECK(run_cli(a4, out, err) == 1);
  write_file(bad, "generations.jsonl", "{\"generation\": 1}\n");
  write_file(bad, "children.csv", "sim_id,generation,is_bred,status,train_loss,a\n0,0,0,0,1,x\n");
  CHECK(run_cli(a4, out, err) == 1);
  const char *a5[] = {"plot", dir, "--plot-params", "0,9", NULL};
  CHECK(run_cli(a5, out, err) == 1);
  const char *a6[] = {"plot", dir, "--plot-params", "1", NULL};
  CHECK(run_cli(a6, out, err) == 2);
  const char *a7[] = {"plot", NULL};
  CHECK(run_cli(a7, out, err) == 2);
  return check_exit("test_compare_plot");
}

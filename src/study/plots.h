/* plots — PNG plots drawn by gnuplot (Debian's gnuplot-nox) from data files
 * and scripts written beside them, and the breeder's own plots of a run
 * folder (what `ogas plot FOLDER` draws).
 *
 * Layout of a plotted folder DIR:
 *   DIR/NAME.png           the plots
 *   DIR/plots/NAME.dat     the data (whitespace columns; index blocks
 *                          separated by two blank lines, one per series)
 *   DIR/plots/NAME.gp      the script: `cd DIR/plots && gnuplot NAME.gp`
 *                          draws DIR/NAME.png again (relative paths only)
 *   DIR/plots/gnuplot.log  what gnuplot said
 * Every script picks the pngcairo terminal when gnuplot lists it
 * (GPVAL_TERMINALS, the list `gnuplot -e "set terminal"` prints) and the
 * plain png terminal otherwise. gnuplot runs as a child process (fork, chdir,
 * execv of the executable found on PATH; no shell), one script at a time.
 * When gnuplot is missing the data and scripts are still written and the
 * caller gets a warning, not an error.
 *
 * A breeder run folder holds
 *   generations.jsonl  one JSON object per generation break (the breeder's
 *                      telemetry, src/breeder/telemetry.c; keys generation,
 *                      breed_ratio, n_bred, n_non_bred, target_mean,
 *                      ddpm_steps, ddpm_loss, ratio_loss, ...; missing or
 *                      null keys are skipped)
 *   children.csv       optional: one row per simulation,
 *                      sim_id,generation,is_bred,status,train_loss,<parameter names>
 *                      (generation: the break that wrote the row, 0 for the
 *                      initial table; train_loss: the mean difficulty value
 *                      reported for it, empty when none)
 * When generation numbers restart (a breeder resumed from an older
 * checkpoint appends to the same file), the later lines win.
 *
 * Library code: nothing printed; errors come back as ogas_status codes with a
 * message. */
#ifndef OGAS_STUDY_PLOTS_H
#define OGAS_STUDY_PLOTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/atomic_file.h"

/* ---- gnuplot ------------------------------------------------------------- */

/* Path of the gnuplot executable found on PATH; 0 found, -1 not found. */
int plots_find_gnuplot(char *path, size_t len);

/* The plots drawn into one folder. */
typedef struct {
  char dir[4096];     /* the folder: PNGs here, data and scripts in dir/plots */
  char gnuplot[4096]; /* executable, "" when missing */
  int draw;           /* 0: write data and scripts only */
  size_t n_png, n_failed;
  char png[16][64];  /* names of the PNGs drawn (non-empty files), in order */
  char warning[512]; /* "" or why some plots are missing */
} plot_set;

/* Prepare dir/plots and look for gnuplot (draw = 0 skips the search). With
   gnuplot missing, warning says so and every later plot only writes its data
   and script. OGAS_EIO when the folders cannot be created. */
int plot_set_init(plot_set *ps, const char *dir, int draw, char *err, size_t errlen);

/* Open dir/plots/NAME.EXT for writing (util/atomic_file.h); 0 or -1 with
   err. Commit it with plot_set_commit (data) or plot_set_draw (script). */
int plot_set_open(plot_set *ps, const char *name, const char *ext, atomic_file *a, char *err,
                  size_t errlen);
/* Script preamble: terminal (pngcairo if listed, else png) of width x height
   pixels, output ../NAME.png, a light grid. */
/* Commit a data file opened by plot_set_open: OGAS_OK, or OGAS_EIO with err. */
int plot_set_commit(atomic_file *a, char *err, size_t errlen);
void plot_script_preamble(FILE *f, const char *name, int width, int height);
/* Commit the script dir/plots/NAME.gp and run gnuplot on it. A failing
   gnuplot (exit status, empty PNG) counts in n_failed and fills warning;
   only a failure to write the script is an error (OGAS_EIO). */
int plot_set_draw(plot_set *ps, const char *name, atomic_file *script, char *err, size_t errlen);

/* A fixed colour per sampler name ("#rrggbb"), another for unknown names
   (by position i). */
const char *plot_sampler_colour(const char *sampler, size_t i);

/* ---- parameters per generation ------------------------------------------- */

/* Rows of a parameter table as they ran. */
typedef struct {
  size_t n_rows, nb_params;
  const double *params;      /* n_rows x nb_params */
  const int *is_bred;        /* n_rows */
  const int64_t *generation; /* n_rows */
  const double *train_loss;  /* n_rows, NaN: none; may be NULL */
  const char *const *names;  /* nb_params, may be NULL */
} plot_param_rows;

/* The two parameters to draw: the pair given (both >= 0 and < nb_params),
   else the two whose ranks correlate most with train_loss (|Spearman rho|,
   over rows with a finite loss, at least 8 of them), lower index first, else
   0 and 1. *strongest (may be NULL): the one of the two that correlates most
   (*px for a given pair or without a loss). */
void plot_pick_params(const plot_param_rows *rows, int want_x, int want_y, int *px, int *py,
                      int *strongest);

/* NAME.png: scatter of parameter px against py, one panel per generation
   (consecutive generations share a panel beyond 12 panels), bred rows in
   one colour and the others in another. */
int plot_params_per_generation(plot_set *ps, const char *name, const char *title,
                               const plot_param_rows *rows, int px, int py, char *err,
                               size_t errlen);

/* ---- a breeder run folder (ogas plot) ------------------------------------ */

typedef struct {
  int param_x, param_y; /* -1: plot_pick_params chooses */
  int draw;             /* 0: data and scripts only */
} plot_folder_options;

/* The breeder's plots of a run folder, into the folder itself:
   parameters.png (from children.csv), breed_ratio.png, ddpm_loss.png and
   targets.png (from generations.jsonl; each only when the file has the
   values). OGAS_EINVAL when the folder has neither file, OGAS_EIO for write
   failures; a missing gnuplot is only ps->warning. */
int plot_breeder_folder(const char *dir, const plot_folder_options *opt, plot_set *ps, char *err,
                        size_t errlen);

#endif

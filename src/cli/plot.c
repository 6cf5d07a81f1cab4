/* ogas plot — the breeder's own plots of a run folder (the breeder's
 * generations.jsonl and, when present, children.csv), for any breeder given a
 * "run_dir": `ogas compare` studies and users' own training servers alike. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "ogas.h"
#include "study/plots.h"

static const char *plot_usage =
    "usage: ogas plot FOLDER [--plot-params I,J] [--no-draw]\n\n"
    "Draws the breeder's plots of a run folder into it: breed_ratio.png (breed ratio\n"
    "per generation), ddpm_loss.png (the DDPM's training loss), targets.png (the target\n"
    "conditions per generation) from FOLDER/generations.jsonl, which the breeder\n"
    "writes when its config has \"run_dir\": FOLDER; and parameters.png (the sampled\n"
    "parameters per generation, bred or not) from FOLDER/children.csv when present\n"
    "(ogas compare writes it; columns sim_id,generation,is_bred,status,train_loss and\n"
    "one per parameter). The data and gnuplot scripts go to FOLDER/plots.\n\n"
    "  --plot-params I,J  parameters of the scatter plot (default: the two whose ranks\n"
    "                     correlate most with train_loss, else 0 and 1)\n"
    "  --no-draw          write the data and scripts only\n\n"
    "example:\n"
    "  ogas plot out/ks1d/runs/ogas-seed0\n";

int cmd_plot(int argc, char **argv) {
  const char *dir = NULL;
  plot_folder_options opt = {.param_x = -1, .param_y = -1, .draw = 1};
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
      fputs(plot_usage, stdout);
      return 0;
    } else if (!strcmp(o, "--no-draw")) {
      opt.draw = 0;
    } else if (!strcmp(o, "--plot-params")) {
      char *end;
      long x = v ? strtol(v, &end, 10) : -1, y = -1;
      if (v && end != v && *end == ',') {
        const char *q = end + 1;
        y = strtol(q, &end, 10);
        if (end == q || *end) y = -1;
      }
      if (x < 0 || y < 0 || x > 4095 || y > 4095 || x == y) {
        fprintf(stderr,
                "ogas plot: --plot-params expects two different parameter indices "
                "I,J (from 0), got '%s'\n",
                v ? v : "");
        return 2;
      }
      opt.param_x = (int)x, opt.param_y = (int)y;
      i++;
    } else if (o[0] == '-' && o[1]) {
      fprintf(stderr, "ogas plot: unknown option '%s' (ogas plot --help)\n", o);
      return 2;
    } else if (!dir) {
      dir = o;
    } else {
      fprintf(stderr, "ogas plot: one folder only ('%s' is extra)\n", o);
      return 2;
    }
  }
  if (!dir) {
    fputs(plot_usage, stderr);
    return 2;
  }
  plot_set ps;
  char err[1024];
  int st = plot_breeder_folder(dir, &opt, &ps, err, sizeof err);
  if (st) {
    fprintf(stderr, "ogas plot: %s\n", err);
    return 1;
  }
  if (ps.warning[0]) fprintf(stderr, "ogas plot: warning: %s\n", ps.warning);
  for (size_t i = 0; i < ps.n_png; i++) printf("wrote %s/%s\n", dir, ps.png[i]);
  if (!ps.n_png) printf("no PNGs drawn; data and gnuplot scripts in %s/plots\n", dir);
  return 0;
}

/* compare_plots — the PNG plots of a comparison of samplers (what
 * `ogas compare` draws into its output folder OUT, through plots.h):
 *   errors.png       ECDF and tail of the per-validation-simulation nRMSE,
 *                    one curve per sampler (every seed)
 *   train_loss.png   the surrogate's training loss per gradient step (mean
 *                    over seeds, moving average)
 *   breed_ratio.png  breed ratio and bred share per generation of the
 *                    adaptive samplers (breed, ogas; first seed)
 *   ddpm_loss.png    OGAS's DDPM loss at each generation break (read from
 *                    the ogas runs' generations.jsonl under OUT)
 *   params_SAMPLER.png  sampled parameters per generation (breed and ogas,
 *                    first seed), the two parameters chosen on uniform's run
 *   errors_by_param.png  the validation error against the one of those two
 *                    that correlates most: mean and worst simulation per tenth of its
 *                    range, one curve per sampler (errors averaged over the
 *                    seeds per validation simulation): where the tail is
 * Library code: errors are ogas_status codes with a message; a missing
 * gnuplot is only ps->warning. */
#ifndef OGAS_STUDY_COMPARE_PLOTS_H
#define OGAS_STUDY_COMPARE_PLOTS_H

#include <stddef.h>

#include "study/plots.h"
#include "study/report.h"

/* The plots above into ps (plot_set_init done). OGAS_EIO / OGAS_ENOMEM. */
int compare_draw_plots(const compare_report *rep, const char *out_dir, plot_set *ps, char *err,
                       size_t errlen);

#endif

/* targets — target conditions for bred children (SPEC §5), drawn from the
 * conditions c observed in the reservoir:
 *   proportional:      pick an observed c with probability ∝ c^alpha
 *                      (uniformly when every weight is 0);
 *   uniform_quantile:  uniform in [q, c_max], q the `quantile` quantile of
 *                      the observed conditions. */
#ifndef OGAS_BREEDER_TARGETS_H
#define OGAS_BREEDER_TARGETS_H

#include <stdint.h>

#include "breeder/config.h"
#include "nn/rng.h"

/* n targets into out from the m >= 1 observed conditions obs; scratch holds
   m doubles (it is reordered). */
void draw_targets(ogas_cfg_loss_sampling strategy, double alpha, double quantile, const float *obs,
                  int64_t m, double *scratch, ogas_rng *rng, float *out, int64_t n);

#endif

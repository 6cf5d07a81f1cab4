/* landscape — analytic difficulty landscapes for driving a breeder without
 * a PDE (ogas synth, tests). Each maps a normalised parameter vector z in
 * [-1,1]^d to a difficulty h(z) in [0,1] that depends on the first two
 * coordinates only, so that the hard region keeps the same share of the box
 * in any dimension; z is "hard" when h(z) > 0.5.
 *   bump        one Gaussian bump in a corner: h = exp(-|z12 - (0.6,0.6)|²/(2·0.25²))
 *   band        a thin curved band: h = exp(-(z2 - 0.5 sin(π z1))²/(2·0.06²))
 *   multimodal  three narrower bumps at (-0.6,-0.5), (0.55,-0.4), (0,0.65),
 *               σ = 0.15, 0.12, 0.18 (max of the three)
 * The simulated loss of a simulation falls where samples accumulate, like a
 * surrogate's: loss(z) = (0.05 + h(z)) / sqrt(1 + n(z)/κ), n(z) the number of
 * finished simulations in z's cell of a 16x16 grid over (z1, z2), κ = 4,
 * times log-normal noise. */
#ifndef OGAS_SYNTH_LANDSCAPE_H
#define OGAS_SYNTH_LANDSCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"

typedef enum { LANDSCAPE_BUMP, LANDSCAPE_BAND, LANDSCAPE_MULTIMODAL } landscape_kind;

/* 0 and the kind for "bump", "band", "multimodal"; -1 otherwise. */
int landscape_parse(const char *name, landscape_kind *out);
const char *landscape_name(landscape_kind k);
double landscape_difficulty(landscape_kind k, const double *z);
int landscape_is_hard(landscape_kind k, const double *z);
/* Share of the box that is hard (exact to ~1e-3, by a fine grid over z1, z2). */
double landscape_hard_share(landscape_kind k);

#define LANDSCAPE_GRID 16

/* How many finished simulations fell in each cell: the memory of the
   simulated surrogate. */
typedef struct {
  int64_t count[LANDSCAPE_GRID * LANDSCAPE_GRID];
} landscape_coverage;

void coverage_add(landscape_coverage *c, const double *z);
/* Simulated per-sample loss of a simulation at z, at the current coverage. */
double landscape_loss(landscape_kind k, const landscape_coverage *c, const double *z,
                      ogas_rng *rng);

#endif

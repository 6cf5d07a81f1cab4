/* landscape — analytic difficulty landscapes for driving a breeder without
 * a PDE (ogas synth, tests). Each maps a normalised parameter vector z in
 * [-1,1]^d to a difficulty h(z) in [0,1] that depends on a few coordinates
 * only, so that the hard region keeps about the same share of the box in any
 * dimension and the other coordinates are nuisance the breeder must leave
 * spread; z is "hard" when h(z) > 0.5.
 *   bump        one Gaussian bump in a corner of (z1, z2):
 *               h = exp(-|z12 - (0.6,0.6)|²/(2·0.25²))
 *   band        a thin curved band: h = exp(-(z2 - 0.5 sin(π z1))²/(2·0.06²))
 *   multimodal  three narrower bumps at (-0.6,-0.5), (0.55,-0.4), (0,0.65),
 *               σ = 0.15, 0.12, 0.18 (max of the three)
 *   length      one coefficient decides, like a domain length among Fourier
 *               coefficients: h = logistic((z_d - 0.8)/0.03), the last one
 *   shell       a curved region over the first k = min(8, d) coordinates, like
 *               the energy of an initial condition: with E = (1/k) Σ z_i²,
 *               h = logistic((E - E*)/0.02), E* = 1/3 + 1.5·sqrt(4/(45 k))
 *               (1.5 standard deviations of E above its mean under uniform z)
 *   flat        no structure: the loss does not depend on the parameters, so
 *               the conditions are noise and a breeder should not breed (the
 *               check before breeding must hold it back); nothing is hard
 * bump, band and multimodal are the landscapes the defaults were tuned on;
 * length and shell are held back to check them.
 *
 * The simulated loss of a simulation falls where samples accumulate, like a
 * surrogate's: loss(z) = (0.05 + h(z)) / sqrt(1 + n(z)/κ), n(z) the number of
 * finished simulations in z's cell of a 16x16 grid over the landscape's two
 * features (z1, z2 for the first three; (z_d, 0) for length; (2E - 1, 0) for
 * shell), κ = 4, times log-normal noise; flat's loss is 0.5 times the noise. */
#ifndef OGAS_SYNTH_LANDSCAPE_H
#define OGAS_SYNTH_LANDSCAPE_H

#include <stddef.h>
#include <stdint.h>

#include "nn/rng.h"

typedef enum {
  LANDSCAPE_BUMP,
  LANDSCAPE_BAND,
  LANDSCAPE_MULTIMODAL,
  LANDSCAPE_LENGTH,
  LANDSCAPE_SHELL,
  LANDSCAPE_FLAT,
  LANDSCAPE_COUNT
} landscape_kind;

/* 0 and the kind for a name above; -1 otherwise. */
int landscape_parse(const char *name, landscape_kind *out);
const char *landscape_name(landscape_kind k);
/* "bump | band | multimodal | length | shell" */
const char *landscape_names(void);

/* Difficulty and hardness of z (d >= 2 coordinates). */
double landscape_difficulty(landscape_kind k, const double *z, size_t d);
int landscape_is_hard(landscape_kind k, const double *z, size_t d);
/* For multimodal, which of its three bumps a hard z belongs to (0..2);
   -1 when z is not hard or the landscape has a single region. */
int landscape_mode(landscape_kind k, const double *z, size_t d);
#define LANDSCAPE_MAX_MODES 3

/* Share of the box [-1,1]^d that is hard: exact for length, a fine grid for
   the two-coordinate landscapes, 10^6 seeded uniform draws for shell. */
double landscape_hard_share(landscape_kind k, size_t d);

#define LANDSCAPE_GRID 16

/* How many finished simulations fell in each cell: the memory of the
   simulated surrogate. */
typedef struct {
  int64_t count[LANDSCAPE_GRID * LANDSCAPE_GRID];
} landscape_coverage;

void coverage_add(landscape_coverage *c, landscape_kind k, const double *z, size_t d);
/* Simulated per-sample loss of a simulation at z, at the current coverage. */
double landscape_loss(landscape_kind k, const landscape_coverage *c, const double *z, size_t d,
                      ogas_rng *rng);

#endif

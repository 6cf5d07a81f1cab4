/* fourier_ic — the truncated-Fourier initial condition of the published
 * 2-D scenarios (ks2d, kolmogorov2d): 308 parameters, laid out as
 *
 *   cutoff in [2, 8], taper in [1, 10],
 *   then for i = 0 .. 152 the pair a_i in [-1, 1], phi_i in [0, 2 pi].
 *
 * The cutoff is used as the integer c = floor(cutoff) (so c = 8 only at the
 * upper edge of the box). The first (2c + 1)(c + 1) pairs are the
 * coefficients of the modes |mx| <= c, |my| <= c of a real-to-complex
 * spectrum, in its storage order: pair i sits on row r = i / (c + 1),
 * column mx = i % (c + 1), with my = r for r <= c and r - (2c + 1) after
 * (rows 0 .. c, then -c .. -1); the remaining pairs are unused. So a pair's
 * mode depends on c, as in the published code. On the grid,
 *
 *   u0(x, y) = sum_i g_i w_i a_i cos(2 pi (mx_i x + my_i y) / L + phi_i),
 *   w_i = exp(-(|m_i| / c)^taper),   g_i = 1 if my_i = 0 else 1/2,
 *
 * (g is what the published coefficient scaling leaves on a mode after the
 * inverse real FFT: 1 on the my = 0 row, 1/2 elsewhere; the ±my rows of the
 * mx = 0 column are separate pairs), and u0 is then divided by max |u0| over
 * the grid points (the published `max_one`); all-zero amplitudes give
 * u0 = 0. The (0, 0) mode contributes the mean a_0 cos(phi_0). */
#ifndef OGAS_PDE_FOURIER_IC_H
#define OGAS_PDE_FOURIER_IC_H

#include <complex.h>
#include <stddef.h>

enum {
  FOURIER_IC_MAX_CUTOFF = 8,
  FOURIER_IC_NB_MODES = (FOURIER_IC_MAX_CUTOFF + 1) * (2 * FOURIER_IC_MAX_CUTOFF + 1), /* 153 */
  FOURIER_IC_NB_PARAMS = 2 + 2 * FOURIER_IC_NB_MODES                                   /* 308 */
};

/* Initialiser lists of the names "cutoff", "taper", "a0", "phi0", ...,
 * "a152", "phi152" and of the bounds, so that a problem can append its
 * physical parameters: {FOURIER_IC_PARAM_NAMES, "L"}. */
#define FOURIER_IC_PAIR_(i) "a" #i, "phi" #i
#define FOURIER_IC_DECADE_(d)                                                                     \
  FOURIER_IC_PAIR_(d##0), FOURIER_IC_PAIR_(d##1), FOURIER_IC_PAIR_(d##2), FOURIER_IC_PAIR_(d##3), \
      FOURIER_IC_PAIR_(d##4), FOURIER_IC_PAIR_(d##5), FOURIER_IC_PAIR_(d##6),                     \
      FOURIER_IC_PAIR_(d##7), FOURIER_IC_PAIR_(d##8), FOURIER_IC_PAIR_(d##9)
#define FOURIER_IC_PARAM_NAMES                                                                    \
  "cutoff", "taper", FOURIER_IC_PAIR_(0), FOURIER_IC_PAIR_(1), FOURIER_IC_PAIR_(2),               \
      FOURIER_IC_PAIR_(3), FOURIER_IC_PAIR_(4), FOURIER_IC_PAIR_(5), FOURIER_IC_PAIR_(6),         \
      FOURIER_IC_PAIR_(7), FOURIER_IC_PAIR_(8), FOURIER_IC_PAIR_(9), FOURIER_IC_DECADE_(1),       \
      FOURIER_IC_DECADE_(2), FOURIER_IC_DECADE_(3), FOURIER_IC_DECADE_(4), FOURIER_IC_DECADE_(5), \
      FOURIER_IC_DECADE_(6), FOURIER_IC_DECADE_(7), FOURIER_IC_DECADE_(8), FOURIER_IC_DECADE_(9), \
      FOURIER_IC_DECADE_(10), FOURIER_IC_DECADE_(11), FOURIER_IC_DECADE_(12),                     \
      FOURIER_IC_DECADE_(13), FOURIER_IC_DECADE_(14), FOURIER_IC_PAIR_(150),                      \
      FOURIER_IC_PAIR_(151), FOURIER_IC_PAIR_(152)
#define FOURIER_IC_TWO_PI_ 6.28318530717958647692
#define FOURIER_IC_10_(a, phi) \
  a, phi, a, phi, a, phi, a, phi, a, phi, a, phi, a, phi, a, phi, a, phi, a, phi
#define FOURIER_IC_50_(a, phi)                                                                    \
  FOURIER_IC_10_(a, phi), FOURIER_IC_10_(a, phi), FOURIER_IC_10_(a, phi), FOURIER_IC_10_(a, phi), \
      FOURIER_IC_10_(a, phi)
#define FOURIER_IC_153_(a, phi) \
  FOURIER_IC_50_(a, phi), FOURIER_IC_50_(a, phi), FOURIER_IC_50_(a, phi), a, phi, a, phi, a, phi
#define FOURIER_IC_LOWER 2, 1, FOURIER_IC_153_(-1, 0)
#define FOURIER_IC_UPPER FOURIER_IC_MAX_CUTOFF, 10, FOURIER_IC_153_(1, FOURIER_IC_TWO_PI_)

/* The integer mode (mx, my) of pair i for the cutoff parameter value;
 * returns 0 when pair i is unused at that cutoff. */
int fourier_ic_mode(double cutoff, size_t i, int *mx, int *my);

/* The unnormalised r2c spectrum (n x (n/2 + 1), see spectral2d.h) of the
 * un-rescaled sum u0 above on an n x n grid, n > 2 FOURIER_IC_MAX_CUTOFF.
 * Hermitian-consistent, so a c2r gives n^2 u0 exactly. The caller then
 * divides by n^2 max |u0| on the grid (fourier_ic_normalise). */
void fourier_ic_spectrum(const double *params, size_t n, double complex *spectrum);
/* Divide the grid field (nn values) by its largest magnitude, unless it
 * is (numerically) zero; returns the factor applied. */
double fourier_ic_normalise(double *field, size_t nn);

#endif

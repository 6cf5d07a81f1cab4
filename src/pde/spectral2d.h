/* spectral2d — the Fourier machinery the periodic 2-D solvers share: an
 * n x n grid on [0, L)^2, FFTW real-to-complex plans batched over several
 * fields, the wavenumbers of every mode and the 2/3-rule mask.
 *
 * Layout (FFTW r2c, unnormalised): a field's spectrum holds nk = n (n/2 + 1)
 * complex values; mode (row r, column c) at r * (n/2 + 1) + c has the
 * integer wavenumbers my = r for r <= n/2 else r - n (rows are y) and
 * mx = c in [0, n/2] (columns are x), and the physical wavenumbers
 * ky = 2 pi my / L, kx = 2 pi mx / L. A grid field u (row-major (y, x))
 * transforms to U = sum_j u_j e^{-i k.x_j}, so u = IDFT(U) / n^2: the
 * solvers carry unnormalised spectra and apply 1/n^2 once per product.
 *
 * The 2/3 rule keeps the modes with |mx| < n/3 and |my| < n/3 (a square);
 * a product of two kept fields then aliases onto no kept mode, so a
 * quadratic nonlinearity evaluated on the grid and masked again is the
 * exact Galerkin truncation. The Nyquist row and column are never kept.
 *
 * Everything is allocated and planned at init; executing the plans allocates
 * nothing. Three pairs of batch sizes, all on the same arrays:
 *   to_physical   c2r of `fields_to_physical` spectra stacked in `spectral`
 *                 (it overwrites its input: `spectral` is scratch);
 *   to_spectral   r2c of `fields_to_spectral` grid fields stacked in `physical`;
 *   state_to_grid / state_from_grid  the same over `fields_state` fields, for
 *                 reading and writing a solver's state. */
#ifndef OGAS_PDE_SPECTRAL2D_H
#define OGAS_PDE_SPECTRAL2D_H

#include <complex.h>
#include <fftw3.h>
#include <stddef.h>

typedef struct {
  size_t n, half, nk, nn; /* grid n x n; half = n/2 + 1; nk = n half; nn = n^2 */
  double length;
  double *kx, *ky;          /* nk each, physical wavenumbers of every mode */
  double *keep;             /* nk: 1 for modes the 2/3 rule keeps, else 0 */
  double complex *spectral; /* max(fields) x nk, the arrays the plans are made on */
  double *physical;         /* max(fields) x nn */
  size_t fields_state;
  fftw_plan to_physical, to_spectral, state_to_grid, state_from_grid;
} spectral2d;

/* PDE_OK or PDE_ENOMEM (allocation or planning failed; g is then freed). */
int spectral2d_init(spectral2d *g, size_t n, double length, size_t fields_to_physical,
                    size_t fields_to_spectral, size_t fields_state);
void spectral2d_free(spectral2d *g);

/* |k|^2 of mode i. */
static inline double spectral2d_k2(const spectral2d *g, size_t i) {
  return g->kx[i] * g->kx[i] + g->ky[i] * g->ky[i];
}

/* fields_state spectra (unnormalised) -> grid fields (normalised). */
void spectral2d_to_grid(const spectral2d *g, const double complex *spectra, double *fields);
/* fields_state grid fields -> unnormalised spectra, masked by `mask` when
 * it is not NULL (a solver that keeps only the 2/3-rule modes passes keep). */
void spectral2d_from_grid(const spectral2d *g, const double *fields, double complex *spectra,
                          const double *mask);

#endif

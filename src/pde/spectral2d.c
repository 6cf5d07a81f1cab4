/* spectral2d — grids, wavenumbers, masks and batched FFTW plans for the
 * periodic 2-D solvers (see spectral2d.h). */
#include "pde/spectral2d.h"

#include <stdlib.h>
#include <string.h>

#include "pde/pde_impl.h"

static size_t max3(size_t a, size_t b, size_t c) {
  size_t m = a > b ? a : b;
  return m > c ? m : c;
}

int spectral2d_init(spectral2d *g, size_t n, double length, size_t fields_to_physical,
                    size_t fields_to_spectral, size_t fields_state) {
  memset(g, 0, sizeof *g);
  const size_t half = n / 2 + 1, nk = n * half, nn = n * n;
  const size_t fields = max3(fields_to_physical, fields_to_spectral, fields_state);
  g->n = n, g->half = half, g->nk = nk, g->nn = nn, g->length = length;
  g->fields_state = fields_state;
  g->kx = malloc(3 * nk * sizeof(double));
  g->spectral = fftw_malloc(fields * nk * sizeof(fftw_complex));
  g->physical = fftw_malloc(fields * nn * sizeof(double));
  if (!g->kx || !g->spectral || !g->physical) {
    spectral2d_free(g);
    return PDE_ENOMEM;
  }
  g->ky = g->kx + nk, g->keep = g->kx + 2 * nk;

  const double k0 = 2.0 * PDE_PI / length;
  for (size_t r = 0; r < n; r++) {
    const long my = r <= n / 2 ? (long)r : (long)r - (long)n;
    for (size_t c = 0; c < half; c++) {
      const size_t i = r * half + c;
      g->kx[i] = k0 * (double)c;
      g->ky[i] = k0 * (double)my;
      /* 3 m_max < n: kept modes |m| <= m_max multiply to |m| <= 2 m_max,
       * which alias to |m| >= n - 2 m_max > m_max. */
      g->keep[i] = 3 * c < n && 3 * (size_t)labs(my) < n ? 1.0 : 0.0;
    }
  }

  const int dims[2] = {(int)n, (int)n};
  pde_fftw_lock();
  g->to_physical = fftw_plan_many_dft_c2r(2, dims, (int)fields_to_physical, g->spectral, NULL, 1,
                                          (int)nk, g->physical, NULL, 1, (int)nn, FFTW_ESTIMATE);
  g->to_spectral = fftw_plan_many_dft_r2c(2, dims, (int)fields_to_spectral, g->physical, NULL, 1,
                                          (int)nn, g->spectral, NULL, 1, (int)nk, FFTW_ESTIMATE);
  g->state_to_grid = fftw_plan_many_dft_c2r(2, dims, (int)fields_state, g->spectral, NULL, 1,
                                            (int)nk, g->physical, NULL, 1, (int)nn, FFTW_ESTIMATE);
  g->state_from_grid =
      fftw_plan_many_dft_r2c(2, dims, (int)fields_state, g->physical, NULL, 1, (int)nn, g->spectral,
                             NULL, 1, (int)nk, FFTW_ESTIMATE);
  pde_fftw_unlock();
  if (!g->to_physical || !g->to_spectral || !g->state_to_grid || !g->state_from_grid) {
    spectral2d_free(g);
    return PDE_ENOMEM;
  }
  return PDE_OK;
}

void spectral2d_free(spectral2d *g) {
  pde_fftw_lock();
  if (g->to_physical) fftw_destroy_plan(g->to_physical);
  if (g->to_spectral) fftw_destroy_plan(g->to_spectral);
  if (g->state_to_grid) fftw_destroy_plan(g->state_to_grid);
  if (g->state_from_grid) fftw_destroy_plan(g->state_from_grid);
  pde_fftw_unlock();
  fftw_free(g->spectral);
  fftw_free(g->physical);
  free(g->kx);
  memset(g, 0, sizeof *g);
}

void spectral2d_to_grid(const spectral2d *g, const double complex *spectra, double *fields) {
  const size_t nk = g->fields_state * g->nk, nn = g->fields_state * g->nn;
  const double inv_nn = 1.0 / (double)g->nn;
  memcpy(g->spectral, spectra, nk * sizeof(double complex));
  fftw_execute(g->state_to_grid);
  for (size_t i = 0; i < nn; i++) fields[i] = g->physical[i] * inv_nn;
}

void spectral2d_from_grid(const spectral2d *g, const double *fields, double complex *spectra,
                          const double *mask) {
  memcpy(g->physical, fields, g->fields_state * g->nn * sizeof(double));
  fftw_execute(g->state_from_grid);
  for (size_t f = 0; f < g->fields_state; f++)
    for (size_t i = 0; i < g->nk; i++)
      spectra[f * g->nk + i] = g->spectral[f * g->nk + i] * (mask ? mask[i] : 1.0);
}

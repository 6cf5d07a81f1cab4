/* ks1d — Kuramoto–Sivashinsky in 1D, periodic on [0, L):
 *
 *   u_t + u u_x + u_xx + u_xxxx = 0.
 *
 * Fourier mode k = 2 pi m / L grows or decays linearly at rate k^2 - k^4:
 * only modes with k < 1 are unstable, i.e. m < L / (2 pi). Below
 * L = 2 pi every mode decays and u -> 0; for L of one or two unstable modes
 * the solution settles on steady or travelling cells; from L ~ 20 up it is
 * spatio-temporally chaotic with |u| = O(1-3) and a Lyapunov time of
 * ~10-20 time units. So the difficulty of predicting the next state grows
 * with L — the part of the box active sampling should find.
 *
 * Parameters (7): a1 b1 a2 b2 a3 b3 in [-1, 1], L in [4, 64]; the initial
 * condition is u0(x) = sum_{m=1..3} a_m cos(2 pi m x / L) + b_m sin(2 pi m x / L)
 * (mean 0, which the equation conserves).
 *
 * Numerics: pseudo-spectral on N points x_j = j L / N (default N = 128, so
 * dx <= 0.5: at N = 64 and L = 64 the spectrum at the 2/3 cutoff is still
 * 3e-3 of its peak), ETDRK4 (etdrk4.h) with the stiff part
 * L(k) = k^2 - k^4 integrated exactly and N(u) = -(u^2 / 2)_x =
 * -i k/2 FFT(u^2) evaluated in physical space with the 2/3 rule: only
 * modes |m| < N/3 are kept, so the quadratic product aliases onto no kept
 * mode. Default output every dt = 1 for 100 steps,
 * 4 ETDRK4 steps per output (h = 0.25; at L = 22 the state at t = 10 is
 * then within ~2e-3 of the h -> 0 limit). State: u at the N grid points;
 * a default simulation takes a few ms of CPU. */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pde/etdrk4.h"
#include "pde/pde_impl.h"

enum { KS_NB_MODES = 3, KS_NB_PARAMS = 2 * KS_NB_MODES + 1, KS_PARAM_L = 6 };

static const char *const ks_param_names[KS_NB_PARAMS] = {"a1", "b1", "a2", "b2", "a3", "b3", "L"};
static const double ks_lower[KS_NB_PARAMS] = {-1, -1, -1, -1, -1, -1, 4};
static const double ks_upper[KS_NB_PARAMS] = {1, 1, 1, 1, 1, 1, 64};

typedef struct {
  pde_sim base;
  size_t n, nk, substeps; /* grid points, r2c modes N/2 + 1, steps per output */
  double length;
  double complex *u_hat;    /* state: unnormalised DFT of u, nk modes */
  double *wavenumber;       /* k_m = 2 pi m / L */
  double *keep;             /* 2/3-rule mask: 1 for |m| < N/3, else 0 */
  double complex *spectral; /* FFTW arrays the plans were made on */
  double *physical;
  fftw_plan to_physical, to_spectral;
  etdrk4 stepper;
} ks1d_sim;

static int ks_check_physical(const double *params, char *err, size_t errlen) {
  if (!(params[KS_PARAM_L] > 0))
    return status_msg(PDE_EINVAL, err, errlen, "ks1d: parameter 'L' = %g must be positive",
                      params[KS_PARAM_L]);
  return PDE_OK;
}

/* N(u) = -i k/2 FFT(u^2), dealiased. u = IDFT(u_hat)/N, and the output is
 * again an unnormalised DFT, so the 1/N is applied once, to u. */
static void ks_nonlinear(const double complex *u_hat, double complex *out, void *ctx) {
  ks1d_sim *s = ctx;
  const double inv_n = 1.0 / (double)s->n;
  for (size_t m = 0; m < s->nk; m++) s->spectral[m] = u_hat[m] * s->keep[m];
  fftw_execute(s->to_physical); /* c2r overwrites spectral: it is scratch */
  for (size_t j = 0; j < s->n; j++) {
    const double u = s->physical[j] * inv_n;
    s->physical[j] = u * u;
  }
  fftw_execute(s->to_spectral);
  for (size_t m = 0; m < s->nk; m++)
    out[m] = -0.5 * I * s->wavenumber[m] * s->keep[m] * s->spectral[m];
}

static void ks_read_state(const pde_sim *base, double *out) {
  const ks1d_sim *s = (const ks1d_sim *)base;
  const double inv_n = 1.0 / (double)s->n;
  memcpy(s->spectral, s->u_hat, s->nk * sizeof(double complex));
  fftw_execute(s->to_physical);
  for (size_t j = 0; j < s->n; j++) out[j] = s->physical[j] * inv_n;
}

/* Projects onto the kept modes: the solver's state space. */
static void ks_write_state(pde_sim *base, const double *in) {
  ks1d_sim *s = (ks1d_sim *)base;
  memcpy(s->physical, in, s->n * sizeof(double));
  fftw_execute(s->to_spectral);
  for (size_t m = 0; m < s->nk; m++) s->u_hat[m] = s->spectral[m] * s->keep[m];
}

static int ks_advance(pde_sim *base) {
  ks1d_sim *s = (ks1d_sim *)base;
  for (size_t i = 0; i < s->substeps; i++) etdrk4_step(&s->stepper, s->u_hat, ks_nonlinear, s);
  return PDE_OK;
}

static void ks_destroy(pde_sim *base) {
  ks1d_sim *s = (ks1d_sim *)base;
  pde_fftw_lock();
  if (s->to_physical) fftw_destroy_plan(s->to_physical);
  if (s->to_spectral) fftw_destroy_plan(s->to_spectral);
  pde_fftw_unlock();
  fftw_free(s->spectral);
  fftw_free(s->physical);
  free(s->u_hat);
  free(s->wavenumber);
  free(s->keep);
  etdrk4_free(&s->stepper);
  free(s);
}

static int ks_create(const double *params, const pde_resolved_options *opt, pde_sim **out,
                     char *err, size_t errlen) {
  ks1d_sim *s = calloc(1, sizeof *s);
  if (!s) return status_msg(PDE_ENOMEM, err, errlen, "ks1d: out of memory");
  const size_t n = opt->grid, nk = n / 2 + 1;
  s->n = n, s->nk = nk, s->substeps = opt->substeps;
  s->length = params[KS_PARAM_L];
  s->base.domain_length = s->length;
  s->u_hat = malloc(nk * sizeof(double complex));
  s->wavenumber = malloc(nk * sizeof(double));
  s->keep = malloc(nk * sizeof(double));
  s->spectral = fftw_malloc(nk * sizeof(fftw_complex));
  s->physical = fftw_malloc(n * sizeof(double));
  double *linear = malloc(nk * sizeof(double)), *u0 = malloc(n * sizeof(double));
  int status = PDE_ENOMEM;
  if (!s->u_hat || !s->wavenumber || !s->keep || !s->spectral || !s->physical || !linear || !u0)
    goto fail;

  pde_fftw_lock();
  s->to_physical = fftw_plan_dft_c2r_1d((int)n, s->spectral, s->physical, FFTW_ESTIMATE);
  s->to_spectral = fftw_plan_dft_r2c_1d((int)n, s->physical, s->spectral, FFTW_ESTIMATE);
  pde_fftw_unlock();
  if (!s->to_physical || !s->to_spectral) goto fail;

  /* Kept modes: 3 m_max < N, so products of kept modes (|m| <= 2 m_max)
   * alias to |m| >= N - 2 m_max > m_max. The Nyquist mode is never kept. */
  for (size_t m = 0; m < nk; m++) {
    const double k = 2.0 * PDE_PI * (double)m / s->length;
    s->wavenumber[m] = k;
    s->keep[m] = 3 * m < n ? 1.0 : 0.0;
    linear[m] = k * k - k * k * k * k;
  }
  status = etdrk4_init(&s->stepper, linear, nk, opt->dt_output / (double)opt->substeps);
  if (status != PDE_OK) goto fail;
  for (size_t j = 0; j < n; j++) {
    const double theta = 2.0 * PDE_PI * (double)j / (double)n; /* 2 pi x / L */
    double u = 0;
    for (int m = 1; m <= KS_NB_MODES; m++)
      u += params[2 * (m - 1)] * cos(m * theta) + params[2 * (m - 1) + 1] * sin(m * theta);
    u0[j] = u;
  }
  ks_write_state(&s->base, u0);
  free(u0);
  free(linear);
  *out = &s->base;
  return PDE_OK;

fail:
  free(linear);
  free(u0);
  ks_destroy(&s->base);
  return status_msg(status, err, errlen, "ks1d: out of memory or FFTW planning failed");
}

const pde_problem pde_problem_ks1d = {
    .name = "ks1d",
    .description =
        "Kuramoto-Sivashinsky 1D, periodic; Fourier initial condition "
        "and domain length L (chaotic for large L)",
    .nb_params = KS_NB_PARAMS,
    .lower = ks_lower,
    .upper = ks_upper,
    .param_names = ks_param_names,
    .default_grid = 128,
    .default_n_steps = 100,
    .default_substeps = 4,
    .default_dt_output = 1.0,
    .min_grid = 16,
    .max_grid = 1 << 16,
    .channels = 1,
    .dims = 1,
    .grid_must_be_even = 1,
    .check_physical = ks_check_physical,
    .create = ks_create,
    .advance = ks_advance,
    .read_state = ks_read_state,
    .write_state = ks_write_state,
    .destroy = ks_destroy,
};

/* grayscott2d — Gray–Scott reaction–diffusion on a periodic square
 * (Pearson 1993, Science 261:189), in units where Du = 1:
 *
 *   u_t = Du lap u - u v^2 + F (1 - u)
 *   v_t = Dv lap v + u v^2 - (F + k) v,      Du = 1, Dv = 0.5,
 *
 * on [0, 80)^2. Pearson's Du = 2e-5, Dv = 1e-5 on a 2.5-wide box is the
 * same system with x scaled by 1/sqrt(2e-5), i.e. a box 559 wide; ours is a
 * 1/7-scale window of his that holds a few pattern wavelengths. The default
 * 32^2 grid (dx = 2.5) resolves it: states agree with a 128^2 run to 1e-3
 * at t = 1000; at dx = 4 they would not (4 % error by t = 250).
 * The trivial state u = 1, v = 0 is stable: depending on (F, k) a seed of v
 * dies out or settles to a uniform state (easy to predict), or grows into
 * spots, stripes, self-replicating spots or chaotic waves (hard) along a
 * diagonal band of the (F, k) box — the variation active sampling exploits.
 *
 * Parameters (8): for two Gaussian blobs b = 1, 2, the centre (x_b, y_b) in
 * [0, 1] as a fraction of the box, the width sigma_b in [0.05, 0.15] of the
 * box (at least two cells of the default grid, so the spectral initial
 * condition does not ring); the feed rate F in [0.01, 0.06] and kill rate
 * k in [0.04, 0.07]. With g_b = exp(-r_b^2 / (2 sigma_b^2)) (r_b the periodic
 * distance to centre b) and their smooth union g = 1 - (1 - g_1)(1 - g_2),
 * the initial condition is Pearson's perturbation u0 = 1 - g/2, v0 = g/4.
 *
 * Numerics: Fourier pseudo-spectral (FFTW 2D r2c/c2r, both fields in one
 * batched transform), ETDRK4 (etdrk4.h) with the diagonal linear parts
 * -Du |k|^2 - F and -Dv |k|^2 - (F + k) exact, and N_u = -u v^2 + F,
 * N_v = u v^2 evaluated on the grid. Default output every dt = 25 for 100
 * steps (t in [0, 2500]), 10 ETDRK4 steps of 2.5 per output (time error
 * ~3e-4 at t = 500, fourth order); no dealiasing — the fields are smooth on
 * the grid. The solution stays in u, v in [0, 1] (up to ~1e-4 of spectral
 * ringing). State: u on the n x n grid nodes (x, y) = (i, j) * 80 / n, then
 * v; about 0.05 s of CPU per default simulation. */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pde/etdrk4.h"
#include "pde/pde_impl.h"

enum { GS_NB_PARAMS = 8, GS_PARAM_F = 6, GS_PARAM_K = 7 };

static const char *const gs_param_names[GS_NB_PARAMS] = {
    "x1", "y1", "sigma1", "x2", "y2", "sigma2", "F", "k"};
static const double gs_lower[GS_NB_PARAMS] = {0, 0, 0.05, 0, 0, 0.05, 0.01, 0.04};
static const double gs_upper[GS_NB_PARAMS] = {1, 1, 0.15, 1, 1, 0.15, 0.06, 0.07};

static const double gs_domain = 80.0, gs_du = 1.0, gs_dv = 0.5;

typedef struct {
  pde_sim base;
  size_t n, nk, substeps; /* grid n x n; nk = n (n/2 + 1) modes per field */
  double feed;
  double complex *uv_hat;   /* state: unnormalised DFTs of u then v, 2 nk */
  double complex *spectral; /* FFTW arrays the plans were made on: 2 nk, 2 n^2 */
  double *physical;
  fftw_plan to_physical, to_spectral; /* batched over the two fields */
  etdrk4 stepper;
} grayscott2d_sim;

static int gs_check_physical(const double *params, char *err, size_t errlen) {
  for (int i = 0; i < GS_NB_PARAMS; i++) {
    const int is_sigma = i == 2 || i == 5;
    if (is_sigma ? !(params[i] > 0) : params[i] < 0)
      return status_msg(PDE_EINVAL, err, errlen,
                       "grayscott2d: parameter '%s' = %g must be %s", gs_param_names[i],
                       params[i], is_sigma ? "positive" : "non-negative");
  }
  return PDE_OK;
}

/* N_u = -u v^2 + F, N_v = u v^2 on the grid. The inputs are unnormalised
 * DFTs, so u = IDFT(u_hat) / n^2 and the constant F enters mode 0 as
 * F n^2 through the forward transform of the grid values. */
static void gs_nonlinear(const double complex *uv_hat, double complex *out, void *ctx) {
  grayscott2d_sim *s = ctx;
  const size_t nn = s->n * s->n;
  const double inv_nn = 1.0 / (double)nn;
  memcpy(s->spectral, uv_hat, 2 * s->nk * sizeof(double complex));
  fftw_execute(s->to_physical); /* c2r overwrites spectral: it is scratch */
  double *u = s->physical, *v = s->physical + nn;
  for (size_t i = 0; i < nn; i++) {
    const double ui = u[i] * inv_nn, vi = v[i] * inv_nn, uvv = ui * vi * vi;
    u[i] = s->feed - uvv;
    v[i] = uvv;
  }
  fftw_execute(s->to_spectral);
  memcpy(out, s->spectral, 2 * s->nk * sizeof(double complex));
}

static void gs_read_state(const pde_sim *base, double *out) {
  const grayscott2d_sim *s = (const grayscott2d_sim *)base;
  const size_t nn2 = 2 * s->n * s->n;
  const double inv_nn = 1.0 / (double)(s->n * s->n);
  memcpy(s->spectral, s->uv_hat, 2 * s->nk * sizeof(double complex));
  fftw_execute(s->to_physical);
  for (size_t i = 0; i < nn2; i++) out[i] = s->physical[i] * inv_nn;
}

static void gs_write_state(pde_sim *base, const double *in) {
  grayscott2d_sim *s = (grayscott2d_sim *)base;
  memcpy(s->physical, in, 2 * s->n * s->n * sizeof(double));
  fftw_execute(s->to_spectral);
  memcpy(s->uv_hat, s->spectral, 2 * s->nk * sizeof(double complex));
}

static int gs_advance(pde_sim *base) {
  grayscott2d_sim *s = (grayscott2d_sim *)base;
  for (size_t i = 0; i < s->substeps; i++)
    etdrk4_step(&s->stepper, s->uv_hat, gs_nonlinear, s);
  return PDE_OK;
}

static void gs_destroy(pde_sim *base) {
  grayscott2d_sim *s = (grayscott2d_sim *)base;
  pde_fftw_lock();
  if (s->to_physical) fftw_destroy_plan(s->to_physical);
  if (s->to_spectral) fftw_destroy_plan(s->to_spectral);
  pde_fftw_unlock();
  fftw_free(s->spectral);
  fftw_free(s->physical);
  free(s->uv_hat);
  etdrk4_free(&s->stepper);
  free(s);
}

/* Periodic (minimum-image) distance along one axis of the unit box. */
static double periodic_offset(double a, double b) {
  double d = fabs(a - b);
  d -= floor(d);
  return fmin(d, 1.0 - d);
}

static int gs_create(const double *params, const pde_resolved_options *opt,
                     pde_sim **out, char *err, size_t errlen) {
  grayscott2d_sim *s = calloc(1, sizeof *s);
  if (!s) return status_msg(PDE_ENOMEM, err, errlen, "grayscott2d: out of memory");
  const size_t n = opt->grid, half = n / 2 + 1, nk = n * half, nn = n * n;
  s->n = n, s->nk = nk, s->substeps = opt->substeps;
  s->feed = params[GS_PARAM_F];
  s->base.domain_length = gs_domain;
  s->uv_hat = malloc(2 * nk * sizeof(double complex));
  s->spectral = fftw_malloc(2 * nk * sizeof(fftw_complex));
  s->physical = fftw_malloc(2 * nn * sizeof(double));
  double *linear = malloc(2 * nk * sizeof(double)), *uv0 = malloc(2 * nn * sizeof(double));
  int status = PDE_ENOMEM;
  if (!s->uv_hat || !s->spectral || !s->physical || !linear || !uv0) goto fail;

  const int dims[2] = {(int)n, (int)n};
  pde_fftw_lock();
  s->to_physical = fftw_plan_many_dft_c2r(2, dims, 2, s->spectral, NULL, 1, (int)nk,
                                          s->physical, NULL, 1, (int)nn, FFTW_ESTIMATE);
  s->to_spectral = fftw_plan_many_dft_r2c(2, dims, 2, s->physical, NULL, 1, (int)nn,
                                          s->spectral, NULL, 1, (int)nk, FFTW_ESTIMATE);
  pde_fftw_unlock();
  if (!s->to_physical || !s->to_spectral) goto fail;

  /* r2c layout: row ky in [0, n) (signed: ky - n above n/2), column kx in
   * [0, n/2]; |k|^2 = (2 pi / domain)^2 (ky^2 + kx^2). */
  const double k0 = 2.0 * PDE_PI / gs_domain, kill = params[GS_PARAM_K];
  for (size_t y = 0; y < n; y++)
    for (size_t x = 0; x < half; x++) {
      const double my = y <= n / 2 ? (double)y : (double)y - (double)n;
      const double k2 = k0 * k0 * (my * my + (double)(x * x));
      linear[y * half + x] = -gs_du * k2 - s->feed;
      linear[nk + y * half + x] = -gs_dv * k2 - (s->feed + kill);
    }
  status = etdrk4_init(&s->stepper, linear, 2 * nk, opt->dt_output / (double)opt->substeps);
  if (status != PDE_OK) goto fail;

  for (size_t y = 0; y < n; y++)
    for (size_t x = 0; x < n; x++) {
      const double px = (double)x / (double)n, py = (double)y / (double)n;
      double not_covered = 1; /* g = 1 - prod_b (1 - g_b): a smooth union */
      for (int b = 0; b < 2; b++) {
        const double dx = periodic_offset(px, params[3 * b]);
        const double dy = periodic_offset(py, params[3 * b + 1]);
        const double sigma = params[3 * b + 2];
        not_covered *= 1 - exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
      }
      const double g = 1 - not_covered;
      uv0[y * n + x] = 1.0 - 0.5 * g;
      uv0[nn + y * n + x] = 0.25 * g;
    }
  gs_write_state(&s->base, uv0);
  free(linear);
  free(uv0);
  *out = &s->base;
  return PDE_OK;

fail:
  free(linear);
  free(uv0);
  gs_destroy(&s->base);
  return status_msg(status, err, errlen, "grayscott2d: out of memory or FFTW planning failed");
}

const pde_problem pde_problem_grayscott2d = {
    .name = "grayscott2d",
    .description = "Gray-Scott reaction-diffusion 2D, periodic; two Gaussian "
                   "blobs of v (positions, widths) and feed/kill rates F, k",
    .nb_params = GS_NB_PARAMS,
    .lower = gs_lower,
    .upper = gs_upper,
    .param_names = gs_param_names,
    .default_grid = 32,
    .default_n_steps = 100,
    .default_substeps = 10,
    .default_dt_output = 25.0,
    .min_grid = 8,
    .max_grid = 4096,
    .channels = 2,
    .dims = 2,
    .grid_must_be_even = 1,
    .check_physical = gs_check_physical,
    .create = gs_create,
    .advance = gs_advance,
    .read_state = gs_read_state,
    .write_state = gs_write_state,
    .destroy = gs_destroy,
};

/* grayscott2d — Gray–Scott reaction–diffusion on a periodic square [0, L)^2
 * (Pearson 1993, Science 261:189), as the published scenario
 * (gray_scott_beta: exponax's GrayScott with the domain size sampled):
 *
 *   u_t = Du lap u - u v^2 + F (1 - u)
 *   v_t = Dv lap v + u v^2 - (F + k) v,
 *   Du = 2e-5, Dv = 1e-5, F = 0.02, k = 0.046  (fixed, as published).
 *
 * At this (F, k) the patterns stay time-dependent: a living seed of v
 * invades the box and the state keeps changing (v averages ~0.2 and moves
 * by ~0.02-0.03 per output, measured after the warmup). The trivial state
 * u = 1, v = 0 is stable, so a seed too small or too thin (relative to the
 * diffusion length sqrt(Dv / (F + k)) ~ 0.012) dies out: the difficulty of
 * predicting the next state varies with the domain size L, which scales the
 * blobs with it, and with the blobs themselves.
 *
 * Parameters (97): the published Gaussian blobs (gaussian_blobs.h: 8 blobs
 * for u, then 8 for v, each amplitude, sigma_x, sigma_y, correlation, x, y
 * as fractions of L) with u0 = 1 - b_u, v0 = b_v, and the domain size L in
 * [0.5, 1.5] (published [0.5, 10], see below).
 *
 * Sizing (published: L in [0.5, 10] on a 2048^2 grid, dt = 30 per output
 * in 30 substeps of ETDRK2, 50 warmup outputs, then 30 outputs). The time
 * axis is the published one (dt = 30, 50 warmup outputs, 30 outputs); the
 * range of L stops where the default 64^2 grid still resolves the
 * patterns: one output from a 128^2 state on the attractor differs from the
 * 128^2 run by < 1e-7 (relative L2 of v) up to L = 1, 2.6e-5 at 1.25,
 * 2e-3 at 1.5, 8.7e-3 at 2 and 4.8e-2 at 2.5 — so L in [0.5, 1.5] (the
 * published L = 10 would need ~400^2). From the published blobs the seeds
 * die out below L ~ 0.45 (the blobs shrink with L) and keep moving above;
 * at L = 0.5 some blob sets die and some live. ETDRK4 (etdrk4.h) with the
 * linear parts -Du |k|^2 - F and -Dv |k|^2 - (F + k) exact and
 * N_u = -u v^2 + F, N_v = u v^2 on the grid, 6 steps of h = 5 per output:
 * 5e-5 per output on the attractor against h -> 0 (fourth order). No
 * dealiasing: the fields are smooth on the grid. A default trajectory
 * (80 outputs) takes ~0.1-0.15 s of CPU.
 * State: u on the n x n grid nodes (x, y) = (i, j) L / n, then v. */
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pde/etdrk4.h"
#include "pde/gaussian_blobs.h"
#include "pde/pde_impl.h"
#include "pde/spectral2d.h"

enum { GS_NB_PARAMS = GAUSSIAN_BLOBS_NB_PARAMS + 1, GS_PARAM_L = GAUSSIAN_BLOBS_NB_PARAMS };
#define GS_MIN_L 0.5
#define GS_MAX_L 1.5

static const char *const gs_param_names[GS_NB_PARAMS] = {GAUSSIAN_BLOBS_PARAM_NAMES, "L"};
static const double gs_lower[GS_NB_PARAMS] = {GAUSSIAN_BLOBS_LOWER, GS_MIN_L};
static const double gs_upper[GS_NB_PARAMS] = {GAUSSIAN_BLOBS_UPPER, GS_MAX_L};

static const double gs_du = 2e-5, gs_dv = 1e-5, gs_feed = 0.02, gs_kill = 0.046;

typedef struct {
  pde_sim base;
  size_t substeps;
  spectral2d grid;        /* every plan over the two fields u, v */
  double complex *uv_hat; /* state: unnormalised spectra of u then v, 2 nk */
  etdrk4 stepper;
} grayscott2d_sim;

static int gs_check_physical(const double *params, char *err, size_t errlen) {
  if (!(params[GS_PARAM_L] > 0))
    return status_msg(PDE_EINVAL, err, errlen, "grayscott2d: parameter 'L' = %g must be positive",
                      params[GS_PARAM_L]);
  for (int j = 0; j < 2 * GAUSSIAN_BLOBS_COUNT; j++) {
    const double *b = params + j * GAUSSIAN_BLOBS_FIELDS;
    const char *bad = !(b[BLOB_SIGMA_X] > 0) || !(b[BLOB_SIGMA_Y] > 0) ? "a width is not positive"
                      : !(fabs(b[BLOB_CORRELATION]) < 1)               ? "|correlation| >= 1"
                      : b[BLOB_AMPLITUDE] < 0                          ? "the amplitude is negative"
                                                                       : NULL;
    if (bad)
      return status_msg(PDE_EINVAL, err, errlen, "grayscott2d: blob '%s': %s",
                        gs_param_names[j * GAUSSIAN_BLOBS_FIELDS], bad);
  }
  return PDE_OK;
}

/* N_u = -u v^2 + F, N_v = u v^2 on the grid. The spectra are unnormalised,
 * so u = IDFT(u_hat) / n^2 and the constant F enters mode 0 as F n^2
 * through the forward transform of the grid values. */
static void gs_nonlinear(const double complex *uv_hat, double complex *out, void *ctx) {
  grayscott2d_sim *s = ctx;
  spectral2d *g = &s->grid;
  const size_t nn = g->nn;
  const double inv_nn = 1.0 / (double)nn;
  memcpy(g->spectral, uv_hat, 2 * g->nk * sizeof(double complex));
  fftw_execute(g->to_physical); /* c2r overwrites spectral: it is scratch */
  double *u = g->physical, *v = g->physical + nn;
  for (size_t i = 0; i < nn; i++) {
    const double ui = u[i] * inv_nn, vi = v[i] * inv_nn, uvv = ui * vi * vi;
    u[i] = gs_feed - uvv;
    v[i] = uvv;
  }
  fftw_execute(g->to_spectral);
  memcpy(out, g->spectral, 2 * g->nk * sizeof(double complex));
}

static void gs_read_state(const pde_sim *base, double *out) {
  const grayscott2d_sim *s = (const grayscott2d_sim *)base;
  spectral2d_to_grid(&s->grid, s->uv_hat, out);
}

static void gs_write_state(pde_sim *base, const double *in) {
  grayscott2d_sim *s = (grayscott2d_sim *)base;
  spectral2d_from_grid(&s->grid, in, s->uv_hat, NULL);
}

static int gs_advance(pde_sim *base) {
  grayscott2d_sim *s = (grayscott2d_sim *)base;
  for (size_t i = 0; i < s->substeps; i++) etdrk4_step(&s->stepper, s->uv_hat, gs_nonlinear, s);
  return PDE_OK;
}

static void gs_destroy(pde_sim *base) {
  grayscott2d_sim *s = (grayscott2d_sim *)base;
  spectral2d_free(&s->grid);
  free(s->uv_hat);
  etdrk4_free(&s->stepper);
  free(s);
}

static int gs_create(const double *params, const pde_resolved_options *opt, pde_sim **out,
                     char *err, size_t errlen) {
  grayscott2d_sim *s = calloc(1, sizeof *s);
  if (!s) return status_msg(PDE_ENOMEM, err, errlen, "grayscott2d: out of memory");
  const size_t n = opt->grid, nn = n * n;
  const double length = params[GS_PARAM_L];
  s->substeps = opt->substeps;
  s->base.domain_length = length;
  double *linear = NULL, *uv0 = NULL;
  int status = spectral2d_init(&s->grid, n, length, 2, 2, 2);
  if (status != PDE_OK) goto fail;
  const size_t nk = s->grid.nk;
  s->uv_hat = malloc(2 * nk * sizeof(double complex));
  linear = malloc(2 * nk * sizeof(double));
  uv0 = malloc(2 * nn * sizeof(double));
  status = PDE_ENOMEM;
  if (!s->uv_hat || !linear || !uv0) goto fail;
  for (size_t i = 0; i < nk; i++) {
    const double k2 = spectral2d_k2(&s->grid, i);
    linear[i] = -gs_du * k2 - gs_feed;
    linear[nk + i] = -gs_dv * k2 - (gs_feed + gs_kill);
  }
  status = etdrk4_init(&s->stepper, linear, 2 * nk, opt->dt_output / (double)opt->substeps);
  if (status != PDE_OK) goto fail;

  gaussian_blobs_field(params, n, uv0);
  for (size_t i = 0; i < nn; i++) uv0[i] = 1.0 - uv0[i];
  gaussian_blobs_field(params + GAUSSIAN_BLOBS_PER_SPECIES, n, uv0 + nn);
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
    .description =
        "Gray-Scott reaction-diffusion 2D, periodic; published Gaussian blobs "
        "of u and v (96 parameters) and domain size L",
    .nb_params = GS_NB_PARAMS,
    .lower = gs_lower,
    .upper = gs_upper,
    .param_names = gs_param_names,
    .default_grid = 64,
    .default_n_steps = 30,
    .default_substeps = 6,
    .default_warmup_steps = 50,
    .default_dt_output = 30.0,
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

/* heat2d — the heat equation on the unit square with fixed boundary
 * temperatures (the classic Melissa example):
 *
 *   u_t = alpha (u_xx + u_yy),  alpha = 1,
 *   u = T_left at x = 0, T_right at x = 1, T_bottom at y = 0, T_top at y = 1,
 *   u(x, y, 0) = T_init inside.
 *
 * The solution relaxes from T_init to the harmonic function fixed by the
 * four sides; the slowest mode sin(pi x) sin(pi y) decays as
 * exp(-2 pi^2 alpha t), so t ~ 0.25 is close to steady. The dynamics are
 * linear and smooth: an easy problem, the baseline of the study set.
 *
 * Parameters (5), all temperatures in [100, 500]:
 *   T_init, T_left, T_right, T_bottom, T_top.
 *
 * Numerics: the standard 5-point Laplacian on the n x n interior nodes
 * (i + 1) h, h = 1 / (n + 1) (default n = 16), integrated exactly in time:
 * the semi-discrete system is u' = alpha (A u + b), with A the Dirichlet
 * Laplacian and b the boundary values over h^2. Its steady state solves
 * A u_s = -b, and w = u - u_s evolves as w' = alpha A w. A is diagonal in the
 * 2D sine basis (DST-I, FFTW's RODFT00) with eigenvalues
 *   lambda_pq = -(4 / h^2) (sin^2(p pi h / 2) + sin^2(q pi h / 2)),
 * so u_s is one fast Poisson solve and each output interval multiplies the
 * sine coefficients of w by exp(alpha lambda_pq dt): no time step error and
 * no stability limit (options.substeps is ignored). Default output every
 * dt = 0.002 for 100 steps (t in [0, 0.2]). State: the n x n interior
 * temperatures, row-major in (y, x). */
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pde/pde_impl.h"

enum { HEAT_NB_PARAMS = 5 };
enum { HEAT_T_INIT, HEAT_T_LEFT, HEAT_T_RIGHT, HEAT_T_BOTTOM, HEAT_T_TOP };

static const char *const heat_param_names[HEAT_NB_PARAMS] = {"T_init", "T_left", "T_right",
                                                             "T_bottom", "T_top"};
static const double heat_lower[HEAT_NB_PARAMS] = {100, 100, 100, 100, 100};
static const double heat_upper[HEAT_NB_PARAMS] = {500, 500, 500, 500, 500};

static const double heat_alpha = 1.0;

typedef struct {
  pde_sim base;
  size_t n;
  double *steady;           /* u_s, n*n */
  double *w_sine;           /* DST-I coefficients of w = u - u_s, n*n */
  double *decay;            /* exp(alpha lambda_pq dt_output), n*n */
  double *dst_in, *dst_out; /* FFTW arrays the plan was made on */
  fftw_plan dst;            /* 2D DST-I; applying it twice multiplies by 4 (n+1)^2 */
} heat2d_sim;

static int heat_check_physical(const double *params, char *err, size_t errlen) {
  (void)params, (void)err, (void)errlen;
  return PDE_OK; /* any finite temperatures */
}

static double heat_eigenvalue(size_t p, size_t q, double h) {
  const double sp = sin((double)(p + 1) * PDE_PI * h / 2);
  const double sq = sin((double)(q + 1) * PDE_PI * h / 2);
  return -4.0 / (h * h) * (sp * sp + sq * sq);
}

static void heat_read_state(const pde_sim *base, double *out) {
  const heat2d_sim *s = (const heat2d_sim *)base;
  const size_t nn = s->n * s->n;
  const double scale = 1.0 / (4.0 * (double)((s->n + 1) * (s->n + 1)));
  memcpy(s->dst_in, s->w_sine, nn * sizeof(double));
  fftw_execute(s->dst);
  for (size_t i = 0; i < nn; i++) out[i] = s->steady[i] + scale * s->dst_out[i];
}

static void heat_write_state(pde_sim *base, const double *in) {
  heat2d_sim *s = (heat2d_sim *)base;
  const size_t nn = s->n * s->n;
  for (size_t i = 0; i < nn; i++) s->dst_in[i] = in[i] - s->steady[i];
  fftw_execute(s->dst);
  memcpy(s->w_sine, s->dst_out, nn * sizeof(double));
}

static int heat_advance(pde_sim *base) {
  heat2d_sim *s = (heat2d_sim *)base;
  for (size_t i = 0; i < s->n * s->n; i++) s->w_sine[i] *= s->decay[i];
  return PDE_OK;
}

static void heat_destroy(pde_sim *base) {
  heat2d_sim *s = (heat2d_sim *)base;
  pde_fftw_lock();
  if (s->dst) fftw_destroy_plan(s->dst);
  pde_fftw_unlock();
  fftw_free(s->dst_in);
  fftw_free(s->dst_out);
  free(s->steady);
  free(s);
}

static int heat_create(const double *params, const pde_resolved_options *opt, pde_sim **out,
                       char *err, size_t errlen) {
  heat2d_sim *s = calloc(1, sizeof *s);
  if (!s) return status_msg(PDE_ENOMEM, err, errlen, "heat2d: out of memory");
  const size_t n = opt->grid, nn = n * n;
  const double h = 1.0 / (double)(n + 1);
  s->n = n;
  s->base.domain_length = 1.0;
  s->steady = malloc(3 * nn * sizeof(double));
  s->dst_in = fftw_malloc(nn * sizeof(double));
  s->dst_out = fftw_malloc(nn * sizeof(double));
  if (!s->steady || !s->dst_in || !s->dst_out) goto fail;
  s->w_sine = s->steady + nn, s->decay = s->steady + 2 * nn;
  pde_fftw_lock();
  s->dst = fftw_plan_r2r_2d((int)n, (int)n, s->dst_in, s->dst_out, FFTW_RODFT00, FFTW_RODFT00,
                            FFTW_ESTIMATE);
  pde_fftw_unlock();
  if (!s->dst) goto fail;

  /* Steady state: A u_s = -b, with b the boundary neighbours over h^2;
   * in the sine basis u_s_hat = -b_hat / lambda, then transform back. */
  const double inv_h2 = 1.0 / (h * h);
  for (size_t y = 0; y < n; y++)
    for (size_t x = 0; x < n; x++) {
      double b = 0;
      if (x == 0) b += params[HEAT_T_LEFT];
      if (x == n - 1) b += params[HEAT_T_RIGHT];
      if (y == 0) b += params[HEAT_T_BOTTOM];
      if (y == n - 1) b += params[HEAT_T_TOP];
      s->dst_in[y * n + x] = -b * inv_h2;
    }
  fftw_execute(s->dst);
  const double scale = 1.0 / (4.0 * (double)((n + 1) * (n + 1)));
  for (size_t q = 0; q < n; q++)
    for (size_t p = 0; p < n; p++) {
      const double lambda = heat_eigenvalue(p, q, h);
      s->dst_in[q * n + p] = scale * s->dst_out[q * n + p] / lambda;
      s->decay[q * n + p] = exp(heat_alpha * lambda * opt->dt_output);
    }
  fftw_execute(s->dst);
  memcpy(s->steady, s->dst_out, nn * sizeof(double));

  for (size_t i = 0; i < nn; i++) s->dst_in[i] = params[HEAT_T_INIT];
  heat_write_state(&s->base, s->dst_in);
  *out = &s->base;
  return PDE_OK;

fail:
  heat_destroy(&s->base);
  return status_msg(PDE_ENOMEM, err, errlen, "heat2d: out of memory or FFTW planning failed");
}

const pde_problem pde_problem_heat2d = {
    .name = "heat2d",
    .description =
        "heat equation on the unit square; initial temperature and "
        "four Dirichlet boundary temperatures",
    .nb_params = HEAT_NB_PARAMS,
    .lower = heat_lower,
    .upper = heat_upper,
    .param_names = heat_param_names,
    .default_grid = 16,
    .default_n_steps = 100,
    .default_substeps = 1,
    .default_dt_output = 0.002,
    .min_grid = 2,
    .max_grid = 4096,
    .channels = 1,
    .dims = 2,
    .grid_must_be_even = 0,
    .check_physical = heat_check_physical,
    .create = heat_create,
    .advance = heat_advance,
    .read_state = heat_read_state,
    .write_state = heat_write_state,
    .destroy = heat_destroy,
};

/* burgers1d — viscous Burgers equation in 1D, periodic on [0, 2 pi):
 *
 *   u_t + (u^2 / 2)_x = nu u_xx.
 *
 * Smooth initial data steepen into fronts of width ~ nu / |jump|: at
 * nu = 0.1 the solution stays smooth and simply decays; at nu = 0.002 shocks
 * form by t ~ 1 / max(-u0') and are thinner than a cell, which makes the next
 * state much harder to predict — the part of the box active sampling should
 * find. Energy int u^2 decays, the mean is conserved, and the solution obeys
 * a maximum principle (min u0 <= u <= max u0).
 *
 * Parameters (5): a1 b1 a2 b2 in [-1, 1] and log10_nu in [log10 0.002, -1]
 * (a uniform draw in the box gives a log-uniform viscosity). The initial
 * condition is u0(x) = sum_{m=1,2} a_m cos(m x) + b_m sin(m x).
 *
 * Numerics: finite volume on N cells [j dx, (j+1) dx) (default N = 128),
 * so that the scheme is conservative and shocks stay monotone at any nu:
 * MUSCL reconstruction with the monotonised-central limiter, the exact
 * Godunov flux for u^2/2, a centred viscous flux, and SSP-RK3 in time with
 * dt = 0.4 / (max|u| / dx + 2 nu / dx^2) (max|u| cannot grow, so the step
 * chosen at the start of an output interval stays stable through it).
 * Second order in space and time for smooth solutions. Default output every
 * dt = 0.05 for 100 steps (t in [0, 5]). State: the N cell averages. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pde/pde_impl.h"

enum {
  BURGERS_NB_MODES = 2,
  BURGERS_NB_PARAMS = 2 * BURGERS_NB_MODES + 1,
  BURGERS_PARAM_LOG10_NU = 4
};

static const char *const burgers_param_names[BURGERS_NB_PARAMS] = {"a1", "b1", "a2", "b2",
                                                                   "log10_nu"};
static const double burgers_lower[BURGERS_NB_PARAMS] = {-1, -1, -1, -1, -2.69897000433601880479};
static const double burgers_upper[BURGERS_NB_PARAMS] = {1, 1, 1, 1, -1};

static const double burgers_cfl = 0.4;

typedef struct {
  pde_sim base;
  size_t n, min_substeps;
  double dx, nu, dt_output;
  double *u, *stage1, *stage2, *rate, *slope, *flux; /* n each, one block */
} burgers1d_sim;

static int burgers_check_physical(const double *params, char *err, size_t errlen) {
  const double log10_nu = params[BURGERS_PARAM_LOG10_NU];
  if (log10_nu < -8 || log10_nu > 1)
    return status_msg(PDE_EINVAL, err, errlen,
                      "burgers1d: parameter 'log10_nu' = %g is outside [-8, 1]", log10_nu);
  return PDE_OK;
}

/* Monotonised-central limited slope: zero at extrema, else the smallest of
 * twice each one-sided difference and the centred difference. */
static double mc_slope(double left, double right) {
  if (left * right <= 0) return 0;
  const double a = fmin(2 * fabs(left), fmin(2 * fabs(right), 0.5 * fabs(left + right)));
  return left > 0 ? a : -a;
}

/* Exact Riemann-problem flux for f(u) = u^2/2: the minimum of f over
 * [uL, uR] for a rarefaction, the maximum of f(uL), f(uR) for a shock. */
static double godunov_flux(double ul, double ur) {
  const double fl = 0.5 * ul * ul, fr = 0.5 * ur * ur;
  if (ul <= ur) return (ul <= 0 && ur >= 0) ? 0.0 : fmin(fl, fr);
  return fmax(fl, fr);
}

/* rate = -(F_{j+1/2} - F_{j-1/2}) / dx, where F_{j+1/2} is the flux through
 * the right face of cell j. */
static void burgers_rate(burgers1d_sim *s, const double *u, double *rate) {
  const size_t n = s->n;
  for (size_t j = 0; j < n; j++) {
    const double left = u[j] - u[(j + n - 1) % n], right = u[(j + 1) % n] - u[j];
    s->slope[j] = mc_slope(left, right);
  }
  for (size_t j = 0; j < n; j++) {
    const size_t jp = (j + 1) % n;
    const double ul = u[j] + 0.5 * s->slope[j], ur = u[jp] - 0.5 * s->slope[jp];
    s->flux[j] = godunov_flux(ul, ur) - s->nu * (u[jp] - u[j]) / s->dx;
  }
  for (size_t j = 0; j < n; j++) rate[j] = -(s->flux[j] - s->flux[(j + n - 1) % n]) / s->dx;
}

/* Shu–Osher SSP-RK3: convex combinations of forward Euler steps, so the
 * TVD and maximum-principle properties of one Euler step carry over. */
static void burgers_ssprk3_step(burgers1d_sim *s, double dt) {
  const size_t n = s->n;
  double *u = s->u, *u1 = s->stage1, *u2 = s->stage2, *r = s->rate;
  burgers_rate(s, u, r);
  for (size_t j = 0; j < n; j++) u1[j] = u[j] + dt * r[j];
  burgers_rate(s, u1, r);
  for (size_t j = 0; j < n; j++) u2[j] = 0.75 * u[j] + 0.25 * (u1[j] + dt * r[j]);
  burgers_rate(s, u2, r);
  for (size_t j = 0; j < n; j++) u[j] = u[j] / 3.0 + 2.0 / 3.0 * (u2[j] + dt * r[j]);
}

static int burgers_advance(pde_sim *base) {
  burgers1d_sim *s = (burgers1d_sim *)base;
  double umax = 0;
  for (size_t j = 0; j < s->n; j++) umax = fmax(umax, fabs(s->u[j]));
  if (!isfinite(umax)) return PDE_ERANGE;
  const double dt_max = burgers_cfl / (umax / s->dx + 2.0 * s->nu / (s->dx * s->dx));
  const double needed = ceil(s->dt_output / dt_max);
  if (needed > 1e8) return PDE_ERANGE;
  size_t substeps = (size_t)needed;
  if (substeps < s->min_substeps) substeps = s->min_substeps;
  const double dt = s->dt_output / (double)substeps;
  for (size_t i = 0; i < substeps; i++) burgers_ssprk3_step(s, dt);
  return PDE_OK;
}

static void burgers_read_state(const pde_sim *base, double *out) {
  const burgers1d_sim *s = (const burgers1d_sim *)base;
  memcpy(out, s->u, s->n * sizeof(double));
}

static void burgers_write_state(pde_sim *base, const double *in) {
  burgers1d_sim *s = (burgers1d_sim *)base;
  memcpy(s->u, in, s->n * sizeof(double));
}

static void burgers_destroy(pde_sim *base) {
  burgers1d_sim *s = (burgers1d_sim *)base;
  free(s->u);
  free(s);
}

static int burgers_create(const double *params, const pde_resolved_options *opt, pde_sim **out,
                          char *err, size_t errlen) {
  burgers1d_sim *s = calloc(1, sizeof *s);
  const size_t n = opt->grid;
  double *block = malloc(6 * n * sizeof(double));
  if (!s || !block) {
    free(s);
    free(block);
    return status_msg(PDE_ENOMEM, err, errlen, "burgers1d: out of memory");
  }
  s->n = n;
  s->min_substeps = opt->substeps;
  s->dx = 2.0 * PDE_PI / (double)n;
  s->nu = pow(10.0, params[BURGERS_PARAM_LOG10_NU]);
  s->dt_output = opt->dt_output;
  s->u = block, s->stage1 = block + n, s->stage2 = block + 2 * n;
  s->rate = block + 3 * n, s->slope = block + 4 * n, s->flux = block + 5 * n;
  s->base.domain_length = 2.0 * PDE_PI;

  /* Exact cell averages of the Fourier modes:
   * (1/dx) int cos(m x) = (sin(m x_{j+1}) - sin(m x_j)) / (m dx), etc. */
  for (size_t j = 0; j < n; j++) {
    const double x0 = (double)j * s->dx, x1 = x0 + s->dx;
    double u = 0;
    for (int m = 1; m <= BURGERS_NB_MODES; m++) {
      const double a = params[2 * (m - 1)], b = params[2 * (m - 1) + 1];
      u += (a * (sin(m * x1) - sin(m * x0)) + b * (cos(m * x0) - cos(m * x1))) / (m * s->dx);
    }
    s->u[j] = u;
  }
  *out = &s->base;
  return PDE_OK;
}

const pde_problem pde_problem_burgers1d = {
    .name = "burgers1d",
    .description =
        "viscous Burgers 1D, periodic; Fourier initial condition and "
        "log10 viscosity (shocks at low viscosity)",
    .nb_params = BURGERS_NB_PARAMS,
    .lower = burgers_lower,
    .upper = burgers_upper,
    .param_names = burgers_param_names,
    .default_grid = 128,
    .default_n_steps = 100,
    .default_substeps = 1,
    .default_dt_output = 0.05,
    .min_grid = 8,
    .max_grid = 1 << 20,
    .channels = 1,
    .dims = 1,
    .grid_must_be_even = 0,
    .check_physical = burgers_check_physical,
    .create = burgers_create,
    .advance = burgers_advance,
    .read_state = burgers_read_state,
    .write_state = burgers_write_state,
    .destroy = burgers_destroy,
};

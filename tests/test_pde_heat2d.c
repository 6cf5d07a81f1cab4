/* heat2d: uniform temperature is steady, relaxation to the discrete Laplace
 * solution (checked against Jacobi iteration) and to the analytic series for
 * one hot side, the exp(-2 pi^2 t) decay of the first sine mode, exactness
 * in time, parameter checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pde/pde.h"

static const double pi = 3.14159265358979323846;

static pde_sim *make(const double params[5], const pde_options *opt) {
  char err[256];
  pde_sim *s = NULL;
  int status = pde_sim_create(pde_find("heat2d"), params, opt, &s, err, sizeof err);
  CHECK_MSG(status == PDE_OK && s, "create failed: %s", err);
  return s;
}

static void test_uniform_is_steady(void) {
  const double params[5] = {300, 300, 300, 300, 300};
  pde_sim *s = make(params, NULL);
  if (!s) return;
  float u[256];
  double worst = 0;
  for (int i = 0; i < 100; i++) {
    CHECK(pde_sim_step(s, u) == PDE_OK);
    for (int j = 0; j < 256; j++) worst = fmax(worst, fabs(u[j] - 300.0));
  }
  CHECK_MSG(worst < 1e-4, "uniform 300 drifted by %.3g", worst);
  pde_sim_free(s);
}

/* Independent steady state: Jacobi iteration on the same 5-point stencil,
 * u_ij = (sum of the 4 neighbours, boundary values at the edges) / 4,
 * iterated until the update is below 1e-12 (contraction cos(pi h) per
 * sweep). */
static void jacobi_laplace(size_t n, const double params[5], double *u) {
  double *next = malloc(n * n * sizeof(double));
  if (!next) return;
  for (size_t i = 0; i < n * n; i++) u[i] = params[0];
  for (int sweep = 0; sweep < 100000; sweep++) {
    double change = 0;
    for (size_t y = 0; y < n; y++)
      for (size_t x = 0; x < n; x++) {
        const double left = x ? u[y * n + x - 1] : params[1];
        const double right = x + 1 < n ? u[y * n + x + 1] : params[2];
        const double down = y ? u[(y - 1) * n + x] : params[3];
        const double up = y + 1 < n ? u[(y + 1) * n + x] : params[4];
        next[y * n + x] = 0.25 * (left + right + down + up);
        change = fmax(change, fabs(next[y * n + x] - u[y * n + x]));
      }
    memcpy(u, next, n * n * sizeof(double));
    if (change < 1e-12) break;
  }
  free(next);
}

static void test_relaxes_to_laplace(void) {
  const double params[5] = {250, 120, 480, 310, 205};
  pde_options opt = {.dt_output = 0.1, .n_steps = 10};
  pde_sim *s = make(params, &opt);
  if (!s) return;
  float u[256];
  for (int i = 0; i < 10; i++) pde_sim_step(s, u); /* t = 1: e^{-2 pi^2} ~ 3e-9 */
  double steady[256];
  jacobi_laplace(16, params, steady);
  double worst = 0;
  for (int j = 0; j < 256; j++) worst = fmax(worst, fabs(u[j] - steady[j]));
  CHECK_MSG(worst < 1e-3, "distance to the Jacobi steady state %.3g", worst);
  pde_sim_free(s);
}

/* Hot top side (500), the rest 100: u = 100 + 400 w with
 * w(x, y) = sum_{m odd} 4/(m pi) sin(m pi x) sinh(m pi y) / sinh(m pi).
 * At the centre w = 1/4 exactly (the four one-hot-side problems add up to
 * 1). Sampled at nodes shared by n = 15 and n = 31 (h = 1/16, 1/32); the
 * error must fall ~4x (second order). */
static double one_hot_side(double x, double y) {
  double w = 0;
  for (int m = 1; m < 400; m += 2) /* sinh ratio as exp to avoid overflow */
    w += 4 / (m * pi) * sin(m * pi * x) * exp(m * pi * (y - 1)) * (1 - exp(-2 * m * pi * y)) /
         (1 - exp(-2 * m * pi));
  return 100 + 400 * w;
}

static void test_one_hot_side(void) {
  const double params[5] = {100, 100, 100, 100, 500};
  const double probe[3][2] = {{0.5, 0.5}, {0.25, 0.75}, {0.75, 0.25}};
  double err[2];
  CHECK_NEAR(one_hot_side(0.5, 0.5), 200.0, 1e-12);
  for (int r = 0; r < 2; r++) {
    const size_t n = r ? 31 : 15;
    pde_options opt = {.grid = n, .dt_output = 1.0};
    pde_sim *s = make(params, &opt);
    if (!s) return;
    float *u = malloc(n * n * sizeof(float));
    if (!u) return;
    pde_sim_step(s, u);
    err[r] = 0;
    for (int p = 0; p < 3; p++) {
      const size_t x = (size_t)llround(probe[p][0] * (double)(n + 1)) - 1;
      const size_t y = (size_t)llround(probe[p][1] * (double)(n + 1)) - 1;
      err[r] = fmax(err[r], fabs(u[y * n + x] - one_hot_side(probe[p][0], probe[p][1])));
    }
    free(u);
    pde_sim_free(s);
  }
  printf("heat2d one hot side: max probe error n=15 %.3g, n=31 %.3g\n", err[0], err[1]);
  CHECK_MSG(err[0] < 1.0, "n=15 error %.3g", err[0]);
  CHECK_MSG(err[0] / err[1] > 3.0, "error ratio %.2f", err[0] / err[1]);
}

/* Boundaries at 300 and u0 = 300 + 100 sin(pi x) sin(pi y): the deviation
 * decays as exp(alpha lambda_11 t) exactly, with the discrete eigenvalue
 * lambda_11 = -(8/h^2) sin^2(pi h / 2) = -2 pi^2 (1 + O(h^2)). */
static void test_sine_mode_decay(void) {
  const double params[5] = {300, 300, 300, 300, 300};
  const size_t n = 16;
  const double h = 1.0 / (double)(n + 1);
  pde_options opt = {.dt_output = 0.01};
  pde_sim *s = make(params, &opt);
  if (!s) return;
  double u0[256], mode[256], norm2 = 0;
  for (size_t y = 0; y < n; y++)
    for (size_t x = 0; x < n; x++) {
      mode[y * n + x] = sin(pi * (double)(x + 1) * h) * sin(pi * (double)(y + 1) * h);
      u0[y * n + x] = 300 + 100 * mode[y * n + x];
      norm2 += mode[y * n + x] * mode[y * n + x];
    }
  CHECK(pde_sim_set_state(s, u0) == PDE_OK);
  const double sh = sin(pi * h / 2), discrete_rate = 8 / (h * h) * sh * sh;
  double worst_discrete = 0, worst_continuous = 0;
  float u[256];
  for (int i = 0; i < 10; i++) {
    pde_sim_step(s, u);
    double amp = 0; /* least-squares projection onto the mode */
    for (size_t j = 0; j < n * n; j++) amp += (u[j] - 300.0) * mode[j];
    amp /= norm2;
    const double t = pde_sim_time(s);
    worst_discrete = fmax(worst_discrete, fabs(amp / (100 * exp(-discrete_rate * t)) - 1));
    worst_continuous = fmax(worst_continuous, fabs(amp / (100 * exp(-2 * pi * pi * t)) - 1));
  }
  CHECK_MSG(worst_discrete < 1e-5, "vs exp(lambda_11 t): %.3g", worst_discrete);
  CHECK_MSG(worst_continuous < 1e-2, "vs exp(-2 pi^2 t): %.3g", worst_continuous);
  pde_sim_free(s);
}

/* Exact in time: ten steps of 0.01 equal one of 0.1. */
static void test_exact_in_time(void) {
  const double params[5] = {450, 100, 230, 170, 390};
  pde_options fine = {.dt_output = 0.01}, coarse = {.dt_output = 0.1};
  pde_sim *a = make(params, &fine), *b = make(params, &coarse);
  if (!a || !b) return;
  float ua[256], ub[256];
  for (int i = 0; i < 10; i++) pde_sim_step(a, ua);
  pde_sim_step(b, ub);
  double worst = 0;
  for (int j = 0; j < 256; j++) worst = fmax(worst, fabs(ua[j] - ub[j]));
  CHECK_MSG(worst < 1e-3, "semigroup mismatch %.3g", worst);
  CHECK_NEAR(pde_sim_time(a), 0.1, 1e-12);
  pde_sim_free(a);
  pde_sim_free(b);
}

static void test_validation(void) {
  const pde_problem *p = pde_find("heat2d");
  CHECK(p && pde_nb_params(p) == 5 && pde_state_size(p) == 256);
  CHECK(p && strcmp(pde_param_name(p, 4), "T_top") == 0);
  char err[256];
  pde_sim *s = NULL;
  double params[5] = {300, 300, 300, 300, 600};
  CHECK(pde_sim_create(p, params, NULL, &s, err, sizeof err) == PDE_EINVAL);
  CHECK(s == NULL && strstr(err, "'T_top'") != NULL);
  params[4] = 300;
  pde_options tiny = {.grid = 1};
  CHECK(pde_sim_create(p, params, &tiny, &s, err, sizeof err) == PDE_EINVAL);
  pde_options shape = {.grid = 10};
  CHECK(pde_sim_create(p, params, &shape, &s, err, sizeof err) == PDE_OK);
  size_t c = 0, ny = 0, nx = 0;
  if (s) pde_sim_shape(s, &c, &ny, &nx);
  CHECK(c == 1 && ny == 10 && nx == 10 && s && pde_sim_state_size(s) == 100);
  pde_sim_free(s);
}

int main(void) {
  test_uniform_is_steady();
  test_relaxes_to_laplace();
  test_one_hot_side();
  test_sine_mode_decay();
  test_exact_in_time();
  test_validation();
  return check_exit("test_pde_heat2d");
}

/* grayscott2d: blobs placed where their parameters say (centre, height,
 * widths, correlation, the inverted u species, periodic images), exact
 * relaxation with v = 0, the mass budgets d<u + v>/dt and d<u>/dt, u and v
 * within [0, 1] across the box, translation equivariance, patterns that die
 * out against patterns that keep moving, parameter checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/rng.h"
#include "pde/pde.h"

enum { N = 64, NN = N * N, NP = 97, L_INDEX = 96, BLOB = 6, V0 = 48 };
static const double pi = 3.14159265358979323846;
static const double du = 2e-5, feed = 0.02, kill = 0.046;

static pde_sim *make(const double *params, const pde_options *opt) {
  char err[256];
  pde_sim *s = NULL;
  int status = pde_sim_create(pde_find("grayscott2d"), params, opt, &s, err, sizeof err);
  CHECK_MSG(status == PDE_OK && s, "create failed: %s", err);
  return s;
}

/* Every blob at amplitude 0, width 0.08, centre 0.5: u0 = 1, v0 = 0. */
static void flat_params(double *params, double length) {
  for (int j = 0; j < 16; j++) {
    double *b = params + j * BLOB;
    b[0] = 0, b[1] = b[2] = 0.08, b[3] = 0, b[4] = b[5] = 0.5;
  }
  params[L_INDEX] = length;
}

/* Blobs spread over the box at full height: v0 seeds patterns. */
static void seeded_params(double *params, double length) {
  flat_params(params, length);
  for (int j = 0; j < 16; j++) {
    double *b = params + j * BLOB;
    b[0] = 0.6 + 0.05 * (j % 8), b[1] = 0.075 + 0.003 * (j % 7), b[2] = 0.09, b[3] = 0.05;
    b[4] = 0.2 + 0.6 * fmod(0.37 * j, 1.0), b[5] = 0.2 + 0.6 * fmod(0.61 * j + 0.1, 1.0);
  }
}

/* One v blob at (x, y) = (0.5, 0.25) (grid node (32, 16)), one u blob at
 * (0.3125, 0.75) = node (20, 48); the field is A / 8 exp(-Q/2) with
 * Q = (dx^2/sx^2 - 2 rho dx dy/(sx sy) + dy^2/sy^2) / (1 - rho^2) in box units. */
static void test_blob_placement(void) {
  static double params[NP];
  static float uv[2 * NN];
  flat_params(params, 1.0);
  double *bv = params + V0 + 3 * BLOB, *bu = params + 5 * BLOB;
  bv[0] = 0.8, bv[1] = 0.09, bv[2] = 0.075, bv[3] = 0.1, bv[4] = 0.5, bv[5] = 0.25;
  bu[0] = 0.6, bu[1] = bu[2] = 0.08, bu[3] = 0, bu[4] = 0.3125, bu[5] = 0.75;
  const pde_options none = {.warmup_steps = -1};
  pde_sim *s = make(params, &none);
  if (!s) return;
  pde_sim_state(s, uv);
  const float *u = uv, *v = uv + NN;
  size_t argmax = 0, argmin = 0;
  for (size_t j = 0; j < NN; j++) {
    if (v[j] > v[argmax]) argmax = j;
    if (u[j] < u[argmin]) argmin = j;
  }
  CHECK_MSG(argmax == 16 * N + 32, "v peaks at node (%zu, %zu)", argmax % N, argmax / N);
  CHECK_MSG(argmin == 48 * N + 20, "u dips at node (%zu, %zu)", argmin % N, argmin / N);
  CHECK_NEAR(v[argmax], 0.8 / 8, 1e-6);
  CHECK_NEAR(u[argmin], 1 - 0.6 / 8, 1e-6);
  double worst = 0;
  const int offsets[6][2] = {{3, 0}, {0, 3}, {4, 4}, {4, -4}, {-6, 2}, {9, -7}};
  for (int o = 0; o < 6; o++) {
    const double dx = offsets[o][0] / (double)N, dy = offsets[o][1] / (double)N;
    const double q =
        (dx * dx / (0.09 * 0.09) - 2 * 0.1 * dx * dy / (0.09 * 0.075) + dy * dy / (0.075 * 0.075)) /
        (1 - 0.01);
    const float got = v[(16 + offsets[o][1]) * N + 32 + offsets[o][0]];
    worst = fmax(worst, fabs(got - 0.1 * exp(-q / 2)));
  }
  CHECK_MSG(worst < 1e-6, "v blob shape off by %.3g", worst);
  /* the correlation tilts the blob towards the +x +y diagonal */
  CHECK(v[20 * N + 36] > v[12 * N + 36]);
  /* far from both blobs the species are at rest: u = 1, v = 0 */
  CHECK(fabs(v[48 * N + 0]) < 1e-9 && fabs(u[16 * N + 60] - 1) < 1e-9);
  pde_sim_free(s);

  /* a blob 0.1 from an edge spreads across it: periodic images */
  bv[4] = 0.2, bv[5] = 0.5;
  s = make(params, &none);
  if (!s) return;
  pde_sim_state(s, uv);
  const double dx = 0.2 + 2.0 / N; /* node x = 62 is 0.2 + 2/64 left of the centre */
  const double expected = 0.1 * exp(-dx * dx / (2 * 0.09 * 0.09 * (1 - 0.01)));
  CHECK_NEAR(uv[NN + 32 * N + 62], expected, 1e-7);
  pde_sim_free(s);
}

/* With v = 0 the reaction vanishes but the feed: u_t = Du lap u + F(1-u).
 * u0 = c + eps cos(2 pi m x / L) gives
 *   u(t) = 1 - (1 - c) e^{-F t} + eps cos(...) e^{-(Du k^2 + F) t},
 * which ETDRK4 reproduces exactly (the nonlinear term F is constant), and
 * v stays 0. */
static void test_relaxation_without_v(void) {
  const double length = 1.0, c = 0.4, eps = 0.1, k = 2 * pi * 2 / length;
  static double params[NP], uv0[2 * NN];
  static float uv[2 * NN];
  seeded_params(params, length);
  const pde_options none = {.warmup_steps = -1};
  pde_sim *s = make(params, &none);
  if (!s) return;
  for (size_t y = 0; y < N; y++)
    for (size_t x = 0; x < N; x++) {
      uv0[y * N + x] = c + eps * cos(2 * pi * 2 * (double)x / N);
      uv0[NN + y * N + x] = 0;
    }
  CHECK(pde_sim_set_state(s, uv0) == PDE_OK);
  double worst_u = 0, worst_v = 0;
  for (int i = 0; i < 20; i++) {
    CHECK(pde_sim_step(s, uv) == PDE_OK);
    const double t = pde_sim_time(s);
    for (size_t y = 0; y < N; y++)
      for (size_t x = 0; x < N; x++) {
        const double expected =
            1 - (1 - c) * exp(-feed * t) +
            eps * cos(2 * pi * 2 * (double)x / N) * exp(-(du * k * k + feed) * t);
        worst_u = fmax(worst_u, fabs(uv[y * N + x] - expected));
        worst_v = fmax(worst_v, fabs(uv[NN + y * N + x]));
      }
  }
  CHECK_MSG(worst_u < 1e-6, "u off the exact relaxation by %.3g", worst_u);
  CHECK_MSG(worst_v == 0, "v left 0: %.3g", worst_v);
  pde_sim_free(s);
}

static double grid_mean(const float *f) {
  double m = 0;
  for (size_t j = 0; j < NN; j++) m += f[j];
  return m / NN;
}

/* Means of the equations (diffusion has none):
 *   d<u + v>/dt = F (1 - <u>) - (F + k) <v>,
 *   d<u>/dt     = F (1 - <u>) - <u v^2>,
 * integrated by Simpson's rule over 60 outputs of dt = 2 (4 ETDRK4 steps
 * each) of a pattern-forming run from its initial condition, against the
 * change of the means. (At one step of 2 per output the fast initial
 * reaction leaves a time error of 1.6e-4 in the <u> budget.) */
static void test_mass_budgets(void) {
  static double params[NP];
  static float uv[2 * NN];
  seeded_params(params, 1.0);
  const pde_options fine = {.warmup_steps = -1, .dt_output = 2.0, .substeps = 4};
  pde_sim *s = make(params, &fine);
  if (!s) return;
  enum { STEPS = 60 };
  double int_total = 0, int_u = 0, scale_total = 0, scale_u = 0, mu0 = 0, mv0 = 0, mu = 0, mv = 0;
  for (int k = 0; k <= STEPS; k++) {
    if (k)
      pde_sim_step(s, uv);
    else
      pde_sim_state(s, uv);
    mu = grid_mean(uv), mv = grid_mean(uv + NN);
    double uvv = 0;
    for (size_t j = 0; j < NN; j++) uvv += uv[j] * (double)uv[NN + j] * uv[NN + j] / NN;
    if (!k) mu0 = mu, mv0 = mv;
    const double w = k == 0 || k == STEPS ? 1 : k % 2 ? 4 : 2;
    int_total += w * (feed * (1 - mu) - (feed + kill) * mv);
    int_u += w * (feed * (1 - mu) - uvv);
    scale_total += 2.0 * (feed * fabs(1 - mu) + (feed + kill) * mv);
    scale_u += 2.0 * (feed * fabs(1 - mu) + uvv);
  }
  int_total *= 2.0 / 3, int_u *= 2.0 / 3;
  const double err_total = fabs(mu + mv - mu0 - mv0 - int_total) / scale_total;
  const double err_u = fabs(mu - mu0 - int_u) / scale_u;
  printf(
      "grayscott2d: mass budgets over t = 120: <u+v> %.4g vs %.4g, <u> %.4g vs %.4g "
      "(relative %.1e, %.1e)\n",
      mu + mv - mu0 - mv0, int_total, mu - mu0, int_u, err_total, err_u);
  CHECK_MSG(err_total < 1e-4 && err_u < 1e-4, "budgets off by %.3g (u + v) and %.3g (u)", err_total,
            err_u);
  CHECK_MSG(fabs(mu - mu0) > 0.01, "<u> hardly moved (%.3g): not a real test", mu - mu0);
  pde_sim_free(s);
}

/* Random parameters in the box (fixed seed), default trajectories at 32^2
 * (L at most 0.75, resolved there): u and v stay in [0, 1] up to 1e-3 of
 * spectral ringing. */
static void test_bounds_over_box(void) {
  const pde_problem *p = pde_find("grayscott2d");
  ogas_rng rng;
  ogas_rng_seed(&rng, 2024, 0);
  static float uv[2 * 32 * 32];
  const pde_options small = {.grid = 32};
  for (int t = 0; t < 4; t++) {
    double params[NP];
    for (int i = 0; i < NP; i++)
      params[i] = pde_lower(p)[i] + (pde_upper(p)[i] - pde_lower(p)[i]) * ogas_rng_uniform(&rng);
    params[L_INDEX] = 0.5 + 0.25 * ogas_rng_uniform(&rng);
    pde_sim *s = make(params, &small);
    if (!s) return;
    double lo = 0, hi = 1;
    pde_sim_state(s, uv);
    for (int i = 0; i <= 30; i++) {
      if (i) CHECK(pde_sim_step(s, uv) == PDE_OK);
      for (size_t j = 0; j < 2 * 32 * 32; j++) lo = fmin(lo, uv[j]), hi = fmax(hi, uv[j]);
    }
    CHECK_MSG(lo > -1e-3 && hi < 1 + 1e-3, "L=%.3f: range [%.3g, %.3g]", params[L_INDEX], lo, hi);
    pde_sim_free(s);
  }
}

/* Moving every blob by one cell (1/N of the box) moves the whole solution
 * by one cell: the periodic spectral scheme commutes with grid shifts. */
static void test_translation(void) {
  static double params[NP];
  seeded_params(params, 0.8);
  const pde_options opt = {.warmup_steps = -1, .allow_outside_box = 1}; /* x may pass 0.8 */
  pde_sim *a = make(params, &opt);
  for (int j = 0; j < 16; j++) params[j * BLOB + 4] += 1.0 / N;
  pde_sim *b = make(params, &opt);
  if (!a || !b) return;
  static float ua[2 * NN], ub[2 * NN];
  for (int i = 0; i < 20; i++) pde_sim_step(a, ua), pde_sim_step(b, ub);
  double worst = 0;
  for (size_t f = 0; f < 2; f++)
    for (size_t y = 0; y < N; y++)
      for (size_t x = 0; x < N; x++)
        worst = fmax(worst, fabs(ub[f * NN + y * N + (x + 1) % N] - ua[f * NN + y * N + x]));
  CHECK_MSG(worst < 1e-5, "shifted run differs by %.3g", worst);
  pde_sim_free(a);
  pde_sim_free(b);
}

/* After the default warmup: faint, thin seeds in the smallest box die out
 * (u = 1, v = 0: trivial to predict), full seeds in a larger box keep
 * moving. Activity = mean |state change| per output over 10 outputs. */
static double final_activity(const double *params, double *v_max) {
  pde_sim *s = make(params, NULL);
  if (!s) return NAN;
  static float prev[2 * NN], uv[2 * NN];
  pde_sim_state(s, uv);
  double activity = 0;
  for (int i = 0; i < 10; i++) {
    memcpy(prev, uv, sizeof uv);
    pde_sim_step(s, uv);
    for (size_t j = 0; j < 2 * NN; j++) activity += fabs(uv[j] - prev[j]) / (2 * NN * 10);
  }
  *v_max = 0;
  for (size_t j = 0; j < NN; j++) *v_max = fmax(*v_max, uv[NN + j]);
  pde_sim_free(s);
  return activity;
}

static void test_regimes(void) {
  static double params[NP];
  double v_dead, v_alive;
  seeded_params(params, 0.5);
  for (int j = 8; j < 16; j++)
    params[j * BLOB] = 0.3, params[j * BLOB + 1] = params[j * BLOB + 2] = 0.071;
  const double dead = final_activity(params, &v_dead);
  seeded_params(params, 1.2);
  const double alive = final_activity(params, &v_alive);
  printf("grayscott2d: activity %.3g (faint seeds, L = 0.5) vs %.3g (full seeds, L = 1.2)\n", dead,
         alive);
  CHECK_MSG(v_dead < 1e-3 && dead < 1e-6, "faint seeds: v max %.3g, activity %.3g", v_dead, dead);
  CHECK_MSG(v_alive > 0.2 && alive > 1e-3, "full seeds: v max %.3g, activity %.3g", v_alive, alive);
}

static void test_validation(void) {
  const pde_problem *p = pde_find("grayscott2d");
  CHECK(p && pde_nb_params(p) == NP && pde_state_size(p) == 2 * NN);
  if (!p) return;
  CHECK(!strcmp(pde_param_name(p, 0), "u_blob0_amplitude") &&
        !strcmp(pde_param_name(p, 3), "u_blob0_correlation") &&
        !strcmp(pde_param_name(p, 47), "u_blob7_y") &&
        !strcmp(pde_param_name(p, 48), "v_blob0_amplitude") &&
        !strcmp(pde_param_name(p, 95), "v_blob7_y") && !strcmp(pde_param_name(p, L_INDEX), "L"));
  CHECK(pde_lower(p)[L_INDEX] == 0.5 && pde_upper(p)[L_INDEX] == 1.5 &&
        pde_lower(p)[1] == 0.07071 && pde_upper(p)[4] == 0.8 && pde_upper(p)[3] == 0.1);
  CHECK(pde_default_warmup_steps(p) == 50 && pde_default_n_steps(p) == 30 &&
        pde_default_dt_output(p) == 30);
  char err[256];
  pde_sim *s = NULL;
  static double params[NP];
  seeded_params(params, 1.0);
  params[V0 + 2] = 0.3;
  CHECK(pde_sim_create(p, params, NULL, &s, err, sizeof err) == PDE_EINVAL);
  CHECK(s == NULL && strstr(err, "'v_blob0_sigma_y'") != NULL);
  pde_options outside = {.allow_outside_box = 1, .warmup_steps = -1};
  params[V0 + 3] = 1.0;
  CHECK(pde_sim_create(p, params, &outside, &s, err, sizeof err) == PDE_EINVAL);
  CHECK(strstr(err, "v_blob0") != NULL && strstr(err, "correlation") != NULL);
  params[V0 + 3] = 0.05, params[L_INDEX] = 0;
  CHECK(pde_sim_create(p, params, &outside, &s, err, sizeof err) == PDE_EINVAL &&
        strstr(err, "'L'"));
  params[L_INDEX] = 1.0;
  pde_options small = {.grid = 16, .warmup_steps = -1};
  params[V0 + 2] = 0.09;
  CHECK(pde_sim_create(p, params, &small, &s, err, sizeof err) == PDE_OK);
  size_t c = 0, ny = 0, nx = 0;
  if (s) pde_sim_shape(s, &c, &ny, &nx);
  CHECK(c == 2 && ny == 16 && nx == 16 && s && pde_sim_domain_length(s) == 1.0);
  pde_sim_free(s);
}

int main(void) {
  test_blob_placement();
  test_relaxation_without_v();
  test_mass_budgets();
  test_bounds_over_box();
  test_translation();
  test_regimes();
  test_validation();
  return check_exit("test_pde_grayscott2d");
}

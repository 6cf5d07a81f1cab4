/* grayscott2d: exact relaxation with v = 0, pure diffusion of a Fourier
 * mode, conservation of u + v without feed and kill, u and v within [0, 1]
 * across the box, translation equivariance, the range of behaviours over
 * (F, k), parameter checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/rng.h"
#include "pde/pde.h"

enum { N = 32, NN = N * N };
static const double pi = 3.14159265358979323846;
static const double domain = 80.0, du = 1.0, dv = 0.5;

static pde_sim *make(const double params[8], const pde_options *opt) {
  char err[256];
  pde_sim *s = NULL;
  int status = pde_sim_create(pde_find("grayscott2d"), params, opt, &s, err, sizeof err);
  CHECK_MSG(status == PDE_OK && s, "create failed: %s", err);
  return s;
}

/* With v = 0 the reaction vanishes except the feed: u_t = Du lap u + F(1-u).
 * u0 = c + eps cos(2 pi m x / domain) gives
 *   u(t) = 1 - (1 - c) e^{-F t} + eps cos(...) e^{-(Du k^2 + F) t},
 * which ETDRK4 reproduces exactly (the remaining nonlinear term F is
 * constant), and v stays 0. */
static void test_relaxation_without_v(void) {
  const double F = 0.03, c = 0.4, eps = 0.1, k = 2 * pi * 2 / domain;
  const double params[8] = {0.5, 0.5, 0.1, 0.2, 0.2, 0.1, F, 0.05};
  pde_sim *s = make(params, NULL);
  if (!s) return;
  static double uv0[2 * NN];
  for (size_t y = 0; y < N; y++)
    for (size_t x = 0; x < N; x++) {
      uv0[y * N + x] = c + eps * cos(k * domain * (double)x / N);
      uv0[NN + y * N + x] = 0;
    }
  CHECK(pde_sim_set_state(s, uv0) == PDE_OK);
  static float uv[2 * NN];
  double worst_u = 0, worst_v = 0;
  for (int i = 0; i < 20; i++) {
    CHECK(pde_sim_step(s, uv) == PDE_OK);
    const double t = pde_sim_time(s);
    for (size_t y = 0; y < N; y++)
      for (size_t x = 0; x < N; x++) {
        const double expected = 1 - (1 - c) * exp(-F * t) +
                                eps * cos(k * domain * (double)x / N) * exp(-(du * k * k + F) * t);
        worst_u = fmax(worst_u, fabs(uv[y * N + x] - expected));
        worst_v = fmax(worst_v, fabs(uv[NN + y * N + x]));
      }
  }
  CHECK_MSG(worst_u < 1e-6, "u off the exact relaxation by %.3g", worst_u);
  CHECK_MSG(worst_v == 0, "v left 0: %.3g", worst_v);
  pde_sim_free(s);
}

/* F = k = 0 (outside the box, physically valid):
 * (a) with u = 0 nothing reacts and v only diffuses: a mode along y decays
 *     as exp(-Dv k^2 t), its mean stays;
 * (b) from the blob initial condition the reaction u v^2 moves mass from u
 *     to v, but int (u + v) is conserved. */
static void test_no_feed_no_kill(void) {
  const double params[8] = {0.3, 0.4, 0.08, 0.7, 0.6, 0.1, 0.0, 0.0};
  pde_options opt = {.allow_outside_box = 1};
  pde_sim *s = make(params, &opt);
  if (!s) return;
  const double k = 2 * pi * 3 / domain, mean = 0.3, eps = 0.2;
  static double uv0[2 * NN];
  for (size_t y = 0; y < N; y++)
    for (size_t x = 0; x < N; x++) {
      uv0[y * N + x] = 0;
      uv0[NN + y * N + x] = mean + eps * sin(k * domain * (double)y / N);
    }
  CHECK(pde_sim_set_state(s, uv0) == PDE_OK);
  static float uv[2 * NN];
  double worst = 0;
  for (int i = 0; i < 10; i++) {
    pde_sim_step(s, uv);
    const double decay = exp(-dv * k * k * pde_sim_time(s));
    for (size_t y = 0; y < N; y++)
      for (size_t x = 0; x < N; x++) {
        const double expected = mean + eps * sin(k * domain * (double)y / N) * decay;
        worst = fmax(worst, fabs(uv[NN + y * N + x] - expected));
        worst = fmax(worst, fabs(uv[y * N + x]));
      }
  }
  CHECK_MSG(worst < 1e-6, "pure diffusion off by %.3g", worst);
  pde_sim_free(s);

  s = make(params, &opt);
  if (!s) return;
  double mass0 = 0, min_u = 1;
  pde_sim_state(s, uv);
  for (size_t i = 0; i < 2 * NN; i++) mass0 += uv[i];
  double drift = 0;
  for (int i = 0; i < 40; i++) {
    pde_sim_step(s, uv);
    double mass = 0;
    for (size_t j = 0; j < 2 * NN; j++) mass += uv[j];
    for (size_t j = 0; j < NN; j++) min_u = fmin(min_u, uv[j]);
    drift = fmax(drift, fabs(mass - mass0) / mass0);
  }
  CHECK_MSG(drift < 1e-6, "int (u + v) drifted by %.3g relative", drift);
  CHECK_MSG(min_u < 0.9, "the reaction should have consumed u (min u = %.3g)", min_u);
  pde_sim_free(s);
}

/* Random parameters in the box (fixed seed) plus the four (F, k) corners:
 * u and v stay in [0, 1] up to 1e-3 of spectral ringing. */
static void test_bounds_over_box(void) {
  const pde_problem *p = pde_find("grayscott2d");
  ogas_rng rng;
  ogas_rng_seed(&rng, 2024, 0);
  static float uv[2 * NN];
  for (int t = 0; t < 10; t++) {
    double params[8];
    for (int i = 0; i < 8; i++)
      params[i] = pde_lower(p)[i] + (pde_upper(p)[i] - pde_lower(p)[i]) * ogas_rng_uniform(&rng);
    if (t < 4) params[6] = t & 1 ? 0.06 : 0.01, params[7] = t & 2 ? 0.07 : 0.04;
    pde_sim *s = make(params, NULL);
    if (!s) return;
    double lo = 0, hi = 1;
    for (int i = 0; i < 100; i++) {
      CHECK(pde_sim_step(s, uv) == PDE_OK);
      for (size_t j = 0; j < 2 * NN; j++) lo = fmin(lo, uv[j]), hi = fmax(hi, uv[j]);
    }
    CHECK_MSG(lo > -1e-3 && hi < 1 + 1e-3, "F=%.4f k=%.4f: range [%.3g, %.3g]", params[6],
              params[7], lo, hi);
    pde_sim_free(s);
  }
}

/* Moving both blobs by one cell (1/N of the box) moves the whole solution
 * by one cell: the periodic spectral scheme commutes with grid shifts. */
static void test_translation(void) {
  double params[8] = {0.3, 0.4, 0.08, 0.7, 0.6, 0.1, 0.025, 0.055};
  pde_sim *a = make(params, NULL);
  params[0] += 1.0 / N, params[3] += 1.0 / N;
  pde_sim *b = make(params, NULL);
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

/* The same blobs die out at high kill (easy), and form a moving pattern in
 * the band near F = 0.02, k = 0.05 (hard): predictability varies across
 * the box. Activity = mean |state change| per output over the last 10. */
static double final_activity(double F, double k, double *v_max) {
  const double params[8] = {0.3, 0.4, 0.08, 0.7, 0.6, 0.1, F, k};
  pde_sim *s = make(params, NULL);
  if (!s) return NAN;
  static float prev[2 * NN], uv[2 * NN];
  double activity = 0;
  for (int i = 0; i < 100; i++) {
    memcpy(prev, uv, sizeof uv);
    pde_sim_step(s, uv);
    if (i < 90) continue;
    for (size_t j = 0; j < 2 * NN; j++) activity += fabs(uv[j] - prev[j]) / (2 * NN * 10);
  }
  *v_max = 0;
  for (size_t j = 0; j < NN; j++) *v_max = fmax(*v_max, uv[NN + j]);
  pde_sim_free(s);
  return activity;
}

static void test_regimes(void) {
  double v_dead, v_alive;
  const double dead = final_activity(0.05, 0.07, &v_dead);
  const double alive = final_activity(0.02, 0.049, &v_alive);
  printf("grayscott2d: activity %.3g (F=0.05, k=0.07) vs %.3g (F=0.02, k=0.049)\n", dead,
         alive);
  CHECK_MSG(v_dead < 1e-3 && dead < 1e-6, "high kill: v max %.3g, activity %.3g", v_dead, dead);
  CHECK_MSG(v_alive > 0.2 && alive > 1e-3, "pattern band: v max %.3g, activity %.3g", v_alive,
            alive);
}

static void test_validation(void) {
  const pde_problem *p = pde_find("grayscott2d");
  CHECK(p && pde_nb_params(p) == 8 && pde_state_size(p) == 2 * NN);
  CHECK(p && strcmp(pde_param_name(p, 2), "sigma1") == 0);
  char err[256];
  pde_sim *s = NULL;
  double params[8] = {0.3, 0.4, 0.3, 0.7, 0.6, 0.1, 0.03, 0.06};
  CHECK(pde_sim_create(p, params, NULL, &s, err, sizeof err) == PDE_EINVAL);
  CHECK(s == NULL && strstr(err, "'sigma1'") != NULL);
  pde_options outside = {.allow_outside_box = 1};
  params[2] = 0.1, params[6] = -0.01;
  CHECK(pde_sim_create(p, params, &outside, &s, err, sizeof err) == PDE_EINVAL);
  CHECK(strstr(err, "'F'") != NULL);
  params[6] = 0.03;
  pde_options small = {.grid = 16};
  CHECK(pde_sim_create(p, params, &small, &s, err, sizeof err) == PDE_OK);
  size_t c = 0, ny = 0, nx = 0;
  if (s) pde_sim_shape(s, &c, &ny, &nx);
  CHECK(c == 2 && ny == 16 && nx == 16);
  pde_sim_free(s);
}

int main(void) {
  test_relaxation_without_v();
  test_no_feed_no_kill();
  test_bounds_over_box();
  test_translation();
  test_regimes();
  test_validation();
  return check_exit("test_pde_grayscott2d");
}

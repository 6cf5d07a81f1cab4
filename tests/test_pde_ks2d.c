/* ks2d: the published Fourier initial condition against an independent sum
 * of cosines (and single coefficients placing single modes), exact linear
 * growth and decay of single modes (which pins the published form of the
 * fourth-order term, d_x^4 + d_y^4), a field u(x) reproducing ks1d through
 * v = u_x, conservation of the mean, the time-convergence order of ETDRK4,
 * order at small L against chaos at large L, parameter checks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pde/pde.h"

enum { N = 64, NN = N * N, NP = 309, L_INDEX = 308 };
static const double pi = 3.14159265358979323846;

static pde_sim *make(const char *name, const double *params, const pde_options *opt) {
  char err[256];
  pde_sim *s = NULL;
  int status = pde_sim_create(pde_find(name), params, opt, &s, err, sizeof err);
  CHECK_MSG(status == PDE_OK && s, "%s: create failed: %s", name, err);
  return s;
}

/* All amplitudes 0 (so the IC is u0 = 0 unless set), cutoff 2, taper 1. */
static void quiet_params(double *params, double length) {
  for (int i = 0; i < NP; i++) params[i] = 0;
  params[0] = 2, params[1] = 1, params[L_INDEX] = length;
}

/* The published IC written out independently: pair i of cutoff c sits on
 * row r = i / (c + 1) (my = r, or r - (2c + 1) past c), column mx = i % (c + 1),
 * weight (my == 0 ? 1 : 1/2) exp(-(|m| / c)^taper); then max |u0| = 1. */
static void expected_ic(const double *params, double *u) {
  const int c = (int)floor(params[0]);
  for (int j = 0; j < NN; j++) u[j] = 0;
  for (int i = 0; i < (2 * c + 1) * (c + 1); i++) {
    const int row = i / (c + 1), mx = i % (c + 1), my = row <= c ? row : row - (2 * c + 1);
    const double w = (my == 0 ? 1.0 : 0.5) * exp(-pow(sqrt(mx * mx + my * my) / c, params[1]));
    for (int y = 0; y < N; y++)
      for (int x = 0; x < N; x++)
        u[y * N + x] +=
            w * params[2 + 2 * i] * cos(2 * pi * (mx * x + my * y) / N + params[3 + 2 * i]);
  }
  double peak = 0;
  for (int j = 0; j < NN; j++) peak = fmax(peak, fabs(u[j]));
  for (int j = 0; j < NN; j++) u[j] /= peak;
}

static void test_initial_condition(void) {
  static double params[NP], u[NN];
  static float state[NN];
  const pde_options none = {.warmup_steps = -1};
  /* (a) random coefficients at three cutoffs, one of them at the edge 8 */
  srand(7);
  const double cutoffs[3] = {2.5, 5.99, 8.0};
  for (int t = 0; t < 3; t++) {
    for (int i = 0; i < NP; i++)
      params[i] = pde_lower(pde_find("ks2d"))[i] +
                  (pde_upper(pde_find("ks2d"))[i] - pde_lower(pde_find("ks2d"))[i]) *
                      (rand() / (double)RAND_MAX);
    params[0] = cutoffs[t];
    pde_sim *s = make("ks2d", params, &none);
    if (!s) return;
    pde_sim_state(s, state);
    expected_ic(params, u);
    double worst = 0, peak = 0;
    for (int j = 0; j < NN; j++)
      worst = fmax(worst, fabs(state[j] - u[j])), peak = fmax(peak, fabs(state[j]));
    CHECK_MSG(worst < 1e-6 && fabs(peak - 1) < 1e-6,
              "cutoff %.2f: off the formula by %.3g (max %.6f)", cutoffs[t], worst, peak);
    pde_sim_free(s);
  }
  /* (b) one coefficient, one mode: cutoff 3.7 -> c = 3, pair 5 is row 1,
   * column 1: u0 = cos(2 pi (x + y) / L + phi); pair 18 is row 4 = my -3,
   * column 2; pair 0 is the mean -0.3 cos(3) > 0, so +1 after normalisation. */
  const struct {
    int pair;
    int mx, my;
    double phi;
  } cases[] = {{5, 1, 1, 0.7}, {18, 2, -3, 2.0}, {0, 0, 0, 3.0}};
  for (int t = 0; t < 3; t++) {
    quiet_params(params, 20);
    params[0] = 3.7, params[1] = 4;
    params[2 + 2 * cases[t].pair] = -0.3, params[3 + 2 * cases[t].pair] = cases[t].phi;
    pde_sim *s = make("ks2d", params, &none);
    if (!s) return;
    pde_sim_state(s, state);
    double worst = 0;
    for (int y = 0; y < N; y++)
      for (int x = 0; x < N; x++) {
        const double theta = 2 * pi * (cases[t].mx * x + cases[t].my * y) / N + cases[t].phi;
        const double expected = cases[t].pair == 0 ? 1.0 : -cos(theta);
        worst = fmax(worst, fabs(state[y * N + x] - expected));
      }
    /* the sampled cosine's grid maximum is 1 only if a node hits its crest;
     * (1,1) and (2,-3) with these phases come within 1e-3 of it */
    CHECK_MSG(worst < 2e-3, "pair %d: not the mode (%d, %d): off by %.3g", cases[t].pair,
              cases[t].mx, cases[t].my, worst);
    pde_sim_free(s);
  }
  /* (c) all amplitudes zero: u0 = 0, not NaN */
  quiet_params(params, 20);
  pde_sim *s = make("ks2d", params, &none);
  if (!s) return;
  pde_sim_state(s, state);
  double worst = 0;
  for (int j = 0; j < NN; j++) worst = fmax(worst, fabs(state[j]));
  CHECK(worst == 0);
  pde_sim_free(s);
}

/* A mode of amplitude 1e-6 stays linear to ~1e-12 relative, so it must grow
 * or decay exactly as exp((kx^2 + ky^2 - kx^4 - ky^4) t) (the linear part
 * is exact in ETDRK4). The (3, 3) mode at L = 20 has |k| = 1.33 and grows
 * at +0.20 with d_x^4 + d_y^4; with lap^2 it would decay at -1.37. */
static void test_linear_rates(void) {
  const double length = 20;
  const int modes[5][2] = {{1, 0}, {1, 1}, {0, 2}, {3, 3}, {4, 1}};
  static double params[NP], u0[NN];
  static float u[NN];
  quiet_params(params, length);
  const pde_options opt = {.warmup_steps = -1};
  for (int m = 0; m < 5; m++) {
    pde_sim *s = make("ks2d", params, &opt);
    if (!s) return;
    const double kx = 2 * pi * modes[m][0] / length, ky = 2 * pi * modes[m][1] / length;
    const double rate = kx * kx + ky * ky - pow(kx, 4) - pow(ky, 4), eps = 1e-6;
    for (int y = 0; y < N; y++)
      for (int x = 0; x < N; x++)
        u0[y * N + x] = eps * cos(2 * pi * (modes[m][0] * x + modes[m][1] * y) / N + 0.3);
    CHECK(pde_sim_set_state(s, u0) == PDE_OK);
    for (int k = 0; k < 10; k++) pde_sim_step(s, u);
    const double g = exp(rate * pde_sim_time(s));
    double worst = 0;
    for (int j = 0; j < NN; j++) worst = fmax(worst, fabs(u[j] - g * u0[j]));
    CHECK_MSG(worst < 1e-5 * eps * g, "mode (%d, %d): rate %.4f, off exp(rate t) by %.3g relative",
              modes[m][0], modes[m][1], rate, worst / (eps * g));
    pde_sim_free(s);
  }
}

/* u(x, y) = U(x) stays independent of y and V = U_x solves ks1d. ks1d's
 * v0 = sum_m a_m cos(m th) + b_m sin(m th), th = 2 pi x / L, is the
 * derivative of U0 = sum_m L / (2 pi m) (a_m sin(m th) - b_m cos(m th)).
 * Same grid, dealiasing and ETDRK4 step: the two agree to rounding. */
static void test_reduces_to_ks1d(void) {
  const double length = 22, ab[6] = {0.8, -0.3, 0.2, 0.5, -0.4, 0.1};
  double p1[7];
  memcpy(p1, ab, sizeof ab);
  p1[6] = length;
  static double p2[NP], u0[NN];
  quiet_params(p2, length);
  const pde_options opt1 = {.grid = N, .dt_output = 0.5, .substeps = 2};
  const pde_options opt2 = {.grid = N, .dt_output = 0.5, .substeps = 2, .warmup_steps = -1};
  pde_sim *a = make("ks1d", p1, &opt1), *b = make("ks2d", p2, &opt2);
  if (!a || !b) return;
  for (int x = 0; x < N; x++) {
    const double th = 2 * pi * x / N;
    double U = 0;
    for (int m = 1; m <= 3; m++)
      U += length / (2 * pi * m) * (ab[2 * m - 2] * sin(m * th) - ab[2 * m - 1] * cos(m * th));
    for (int y = 0; y < N; y++) u0[y * N + x] = U;
  }
  CHECK(pde_sim_set_state(b, u0) == PDE_OK);
  static float v[N], u[NN];
  double worst = 0, spread = 0, peak = 0;
  for (int k = 0; k < 40; k++) { /* t = 20: the 1-D flow is in its chaotic transient */
    pde_sim_step(a, v);
    pde_sim_step(b, u);
  }
  for (int y = 1; y < N; y++)
    for (int x = 0; x < N; x++) spread = fmax(spread, fabs(u[y * N + x] - u[x]));
  /* U_x by the DFT of row 0 (N^2 operations) */
  for (int x = 0; x < N; x++) {
    double ux = 0;
    for (int m = 1; m < N / 2; m++) {
      double re = 0, im = 0;
      for (int j = 0; j < N; j++)
        re += u[j] * cos(2 * pi * m * j / N), im -= u[j] * sin(2 * pi * m * j / N);
      const double k = 2 * pi * m / length, th = 2 * pi * m * x / N;
      /* d/dx of (2/N) Re((re + i im) e^{i th}) */
      ux += 2.0 / N * k * (-re * sin(th) - im * cos(th));
    }
    worst = fmax(worst, fabs(ux - v[x]));
    peak = fmax(peak, fabs(v[x]));
  }
  CHECK_MSG(spread < 1e-5, "u(x) picked up a y-dependence of %.3g", spread);
  CHECK_MSG(peak > 0.5 && worst < 1e-4 * peak, "u_x differs from ks1d's v by %.3g (max |v| %.3g)",
            worst, peak);
  pde_sim_free(a);
  pde_sim_free(b);
}

static double mean(const float *u) {
  double m = 0;
  for (int j = 0; j < NN; j++) m += u[j];
  return m / NN;
}

/* The mean is conserved exactly (the nonlinear term's mean is removed):
 * from a chaotic run with a mean of -0.5. */
static void test_mean(void) {
  static double params[NP];
  static float u[NN];
  quiet_params(params, 40);
  params[0] = 6, params[1] = 3;
  for (int i = 0; i < 40; i++)
    params[2 + 2 * i] = 0.5 * sin(1.7 * i), params[3 + 2 * i] = fmod(0.9 * i, 2 * pi);
  params[2] = 0.5, params[3] = pi; /* mean mode: -0.5 before normalisation */
  const pde_options opt = {.warmup_steps = -1};
  pde_sim *s = make("ks2d", params, &opt);
  if (!s) return;
  pde_sim_state(s, u);
  const double m0 = mean(u);
  double drift = 0, peak = 0;
  for (int k = 0; k < 60; k++) {
    pde_sim_step(s, u);
    drift = fmax(drift, fabs(mean(u) - m0));
    for (int j = 0; j < NN; j++) peak = fmax(peak, fabs(u[j]));
  }
  CHECK_MSG(m0 < -0.01, "mean %.3g should be negative", m0);
  CHECK_MSG(peak > 2 && drift < 1e-6 * peak, "mean drifted by %.3g (max |u| %.3g)", drift, peak);
  pde_sim_free(s);
}

/* Errors at t = 2 against h = 1/256, from the same smooth state, for
 * h = 0.5, 0.25, 0.125: fourth order in the limit; on stiff KS the observed
 * ratio per halving is 8-12 (measured 8.1 and 11.7 here); a second-order
 * scheme would give 4. */
static void test_time_order(void) {
  static double params[NP];
  static float ref[NN], u[NN];
  quiet_params(params, 22);
  params[0] = 4, params[1] = 4;
  for (int i = 0; i < 45; i++)
    params[2 + 2 * i] = cos(0.9 * i), params[3 + 2 * i] = fmod(1.3 * i, 2 * pi);
  const size_t subs[4] = {512, 2, 4, 8};
  double err[4] = {0};
  for (int t = 0; t < 4; t++) {
    const pde_options opt = {.warmup_steps = -1, .dt_output = 1.0, .substeps = subs[t]};
    pde_sim *s = make("ks2d", params, &opt);
    if (!s) return;
    float *out = t ? u : ref;
    for (int k = 0; k < 2; k++) pde_sim_step(s, out);
    double e = 0, r = 0;
    for (int j = 0; j < NN; j++)
      e += (u[j] - ref[j]) * (double)(u[j] - ref[j]), r += ref[j] * (double)ref[j];
    err[t] = sqrt(e / r);
    pde_sim_free(s);
  }
  printf("ks2d: errors at h = 0.5, 0.25, 0.125: %.3g %.3g %.3g\n", err[1], err[2], err[3]);
  CHECK_MSG(err[1] < 1e-2 && err[1] / err[2] > 6 && err[2] / err[3] > 6,
            "no third-to-fourth order: %.3g %.3g %.3g", err[1], err[2], err[3]);
}

/* Mean |change| per output over 10 outputs after the default warmup,
 * relative to the state's size: at L = 10 the flow is settling on steady
 * cells (steady by 1000 outputs), at L = 48 it is chaotic. */
static double activity(double length) {
  static double params[NP];
  static float a[NN], b[NN];
  quiet_params(params, length);
  params[0] = 5, params[1] = 2;
  for (int i = 0; i < 66; i++)
    params[2 + 2 * i] = sin(2.3 * i), params[3 + 2 * i] = fmod(0.4 * i, 2 * pi);
  pde_sim *s = make("ks2d", params, NULL);
  if (!s) return NAN;
  pde_sim_state(s, a);
  double change = 0, size = 0;
  for (int k = 0; k < 10; k++) {
    pde_sim_step(s, b);
    for (int j = 0; j < NN; j++) change += fabs(b[j] - a[j]), size += fabs(b[j]);
    memcpy(a, b, sizeof a);
  }
  pde_sim_free(s);
  return change / size;
}

static void test_regimes(void) {
  const double calm = activity(10), chaotic = activity(48);
  printf("ks2d: relative change per output %.3g at L = 10, %.3g at L = 48\n", calm, chaotic);
  CHECK_MSG(calm < 0.2 * chaotic && chaotic > 0.05, "L = 10: %.3g, L = 48: %.3g", calm, chaotic);
}

static void test_validation(void) {
  const pde_problem *p = pde_find("ks2d");
  CHECK(p && pde_nb_params(p) == NP && pde_state_size(p) == NN);
  if (!p) return;
  CHECK(!strcmp(pde_param_name(p, 0), "cutoff") && !strcmp(pde_param_name(p, 1), "taper") &&
        !strcmp(pde_param_name(p, 2), "a0") && !strcmp(pde_param_name(p, 3), "phi0") &&
        !strcmp(pde_param_name(p, 306), "a152") && !strcmp(pde_param_name(p, 307), "phi152") &&
        !strcmp(pde_param_name(p, L_INDEX), "L") && pde_param_name(p, NP) == NULL);
  CHECK(pde_lower(p)[0] == 2 && pde_upper(p)[0] == 8 && pde_upper(p)[3] > 6.28 &&
        pde_lower(p)[L_INDEX] == 10 && pde_upper(p)[L_INDEX] == 48);
  CHECK(pde_default_warmup_steps(p) == 200 && pde_default_n_steps(p) == 30 &&
        pde_default_dt_output(p) == 0.5);
  static double params[NP];
  quiet_params(params, 60);
  char err[256];
  pde_sim *s = NULL;
  CHECK(pde_sim_create(p, params, NULL, &s, err, sizeof err) == PDE_EINVAL && !s &&
        strstr(err, "'L'"));
  pde_options outside = {.allow_outside_box = 1, .warmup_steps = -1};
  params[L_INDEX] = -1;
  CHECK(pde_sim_create(p, params, &outside, &s, err, sizeof err) == PDE_EINVAL &&
        strstr(err, "'L'"));
  params[L_INDEX] = 20;
  pde_options small = {.grid = 24};
  CHECK(pde_sim_create(p, params, &small, &s, err, sizeof err) == PDE_EINVAL &&
        strstr(err, "grid"));
  pde_options warm = {.warmup_steps = 2000000};
  CHECK(pde_sim_create(p, params, &warm, &s, err, sizeof err) == PDE_EINVAL &&
        strstr(err, "warmup_steps"));
}

int main(void) {
  test_initial_condition();
  test_linear_rates();
  test_reduces_to_ks1d();
  test_mean();
  test_time_order();
  test_regimes();
  test_validation();
  return check_exit("test_pde_ks2d");
}

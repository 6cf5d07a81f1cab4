#include "synth/landscape.h"

#include <math.h>
#include <string.h>

static const char *const names[LANDSCAPE_COUNT] = {"bump",   "band",  "multimodal",
                                                   "length", "shell", "flat"};

int landscape_parse(const char *name, landscape_kind *out) {
  for (int k = 0; k < LANDSCAPE_COUNT; k++)
    if (name && !strcmp(name, names[k])) {
      *out = (landscape_kind)k;
      return 0;
    }
  return -1;
}

const char *landscape_name(landscape_kind k) { return names[k]; }
const char *landscape_names(void) { return "bump | band | multimodal | length | shell | flat"; }

static double gauss2(double x, double y, double cx, double cy, double s) {
  double q = (x - cx) * (x - cx) + (y - cy) * (y - cy);
  return exp(-q / (2 * s * s));
}

static double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

static size_t shell_k(size_t d) { return d < 8 ? d : 8; }

/* E = (1/k) Σ_{i<k} z_i², and the threshold E* 1.5 sd above its uniform mean
   (E[z²] = 1/3, Var[z²] = 1/5 - 1/9 = 4/45). */
static double shell_energy(const double *z, size_t d) {
  size_t k = shell_k(d);
  double e = 0;
  for (size_t i = 0; i < k; i++) e += z[i] * z[i];
  return e / (double)k;
}
static double shell_threshold(size_t d) {
  return 1.0 / 3.0 + 1.5 * sqrt(4.0 / (45.0 * (double)shell_k(d)));
}

double landscape_difficulty(landscape_kind k, const double *z, size_t d) {
  double x = z[0], y = z[1];
  switch (k) {
    case LANDSCAPE_BUMP:
      return gauss2(x, y, 0.6, 0.6, 0.25);
    case LANDSCAPE_BAND: {
      double off = y - 0.5 * sin(3.14159265358979 * x);
      return exp(-off * off / (2 * 0.06 * 0.06));
    }
    case LANDSCAPE_MULTIMODAL: {
      double a = gauss2(x, y, -0.6, -0.5, 0.15), b = gauss2(x, y, 0.55, -0.4, 0.12),
             c = gauss2(x, y, 0.0, 0.65, 0.18);
      return fmax(a, fmax(b, c));
    }
    case LANDSCAPE_LENGTH:
      return logistic((z[d - 1] - 0.8) / 0.03);
    case LANDSCAPE_SHELL:
      return logistic((shell_energy(z, d) - shell_threshold(d)) / 0.02);
    case LANDSCAPE_FLAT:
    default:
      return 0.0;
  }
}

int landscape_mode(landscape_kind k, const double *z, size_t d) {
  if (k != LANDSCAPE_MULTIMODAL || !landscape_is_hard(k, z, d)) return -1;
  double a = gauss2(z[0], z[1], -0.6, -0.5, 0.15), b = gauss2(z[0], z[1], 0.55, -0.4, 0.12),
         c = gauss2(z[0], z[1], 0.0, 0.65, 0.18);
  return a >= b && a >= c ? 0 : (b >= c ? 1 : 2);
}

int landscape_is_hard(landscape_kind k, const double *z, size_t d) {
  return landscape_difficulty(k, z, d) > 0.5;
}

double landscape_hard_share(landscape_kind k, size_t d) {
  if (k == LANDSCAPE_FLAT) return 0.0;
  if (k == LANDSCAPE_LENGTH) return 0.1; /* z_d > 0.8 */
  if (k == LANDSCAPE_SHELL) {
    ogas_rng rng;
    ogas_rng_seed(&rng, 12345, 0);
    const long n = 1000000;
    long hard = 0;
    size_t m = shell_k(d);
    double z[8];
    for (long i = 0; i < n; i++) {
      for (size_t j = 0; j < m; j++) z[j] = 2.0 * ogas_rng_uniform(&rng) - 1.0;
      hard += shell_energy(z, m) > shell_threshold(d);
    }
    return (double)hard / (double)n;
  }
  const int n = 1000;
  long hard = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double z[2] = {-1 + (i + 0.5) * 2.0 / n, -1 + (j + 0.5) * 2.0 / n};
      hard += landscape_is_hard(k, z, 2);
    }
  return (double)hard / ((double)n * n);
}

/* The two features the difficulty depends on, each in [-1, 1]. */
static void features(landscape_kind k, const double *z, size_t d, double f[2]) {
  switch (k) {
    case LANDSCAPE_LENGTH:
      f[0] = z[d - 1], f[1] = 0;
      break;
    case LANDSCAPE_SHELL:
      f[0] = 2 * shell_energy(z, d) - 1, f[1] = 0;
      break;
    default:
      f[0] = z[0], f[1] = z[1];
  }
}

static int cell_index(double v) {
  int i = (int)floor((v + 1) * 0.5 * LANDSCAPE_GRID);
  return i < 0 ? 0 : (i >= LANDSCAPE_GRID ? LANDSCAPE_GRID - 1 : i);
}

static int cell_of(landscape_kind k, const double *z, size_t d) {
  double f[2];
  features(k, z, d, f);
  return cell_index(f[0]) * LANDSCAPE_GRID + cell_index(f[1]);
}

void coverage_add(landscape_coverage *c, landscape_kind k, const double *z, size_t d) {
  c->count[cell_of(k, z, d)]++;
}

double landscape_loss(landscape_kind k, const landscape_coverage *c, const double *z, size_t d,
                      ogas_rng *rng) {
  if (k == LANDSCAPE_FLAT) return 0.5 * exp(0.1 * ogas_rng_normal(rng));
  double n = (double)c->count[cell_of(k, z, d)];
  double base = (0.05 + landscape_difficulty(k, z, d)) / sqrt(1.0 + n / 4.0);
  return base * exp(0.1 * ogas_rng_normal(rng));
}

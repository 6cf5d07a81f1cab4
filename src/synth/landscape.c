#include "synth/landscape.h"

#include <math.h>
#include <string.h>

static const char *names[] = {"bump", "band", "multimodal"};

int landscape_parse(const char *name, landscape_kind *out) {
  for (int k = 0; k < 3; k++)
    if (name && !strcmp(name, names[k])) {
      *out = (landscape_kind)k;
      return 0;
    }
  return -1;
}

const char *landscape_name(landscape_kind k) { return names[k]; }

static double gauss2(double x, double y, double cx, double cy, double s) {
  double q = (x - cx) * (x - cx) + (y - cy) * (y - cy);
  return exp(-q / (2 * s * s));
}

double landscape_difficulty(landscape_kind k, const double *z) {
  double x = z[0], y = z[1];
  switch (k) {
  case LANDSCAPE_BUMP:
    return gauss2(x, y, 0.6, 0.6, 0.25);
  case LANDSCAPE_BAND: {
    double off = y - 0.5 * sin(3.14159265358979 * x);
    return exp(-off * off / (2 * 0.06 * 0.06));
  }
  case LANDSCAPE_MULTIMODAL:
  default: {
    double a = gauss2(x, y, -0.6, -0.5, 0.15), b = gauss2(x, y, 0.55, -0.4, 0.12),
           c = gauss2(x, y, 0.0, 0.65, 0.18);
    return fmax(a, fmax(b, c));
  }
  }
}

int landscape_is_hard(landscape_kind k, const double *z) { return landscape_difficulty(k, z) > 0.5; }

double landscape_hard_share(landscape_kind k) {
  const int n = 1000;
  long hard = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double z[2] = {-1 + (i + 0.5) * 2.0 / n, -1 + (j + 0.5) * 2.0 / n};
      hard += landscape_is_hard(k, z);
    }
  return (double)hard / ((double)n * n);
}

static int cell_of(const double *z) {
  int i = (int)floor((z[0] + 1) * 0.5 * LANDSCAPE_GRID), j = (int)floor((z[1] + 1) * 0.5 * LANDSCAPE_GRID);
  i = i < 0 ? 0 : (i >= LANDSCAPE_GRID ? LANDSCAPE_GRID - 1 : i);
  j = j < 0 ? 0 : (j >= LANDSCAPE_GRID ? LANDSCAPE_GRID - 1 : j);
  return i * LANDSCAPE_GRID + j;
}

void coverage_add(landscape_coverage *c, const double *z) { c->count[cell_of(z)]++; }

double landscape_loss(landscape_kind k, const landscape_coverage *c, const double *z,
                      ogas_rng *rng) {
  double n = (double)c->count[cell_of(z)];
  double base = (0.05 + landscape_difficulty(k, z)) / sqrt(1.0 + n / 4.0);
  return base * exp(0.1 * ogas_rng_normal(rng));
}

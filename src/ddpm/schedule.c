#include "ddpm/schedule.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OGAS_PI 3.14159265358979323846

static double cosine_f(double t, int T) {
  const double s = 0.008;
  double c = cos(((t / T) + s) / (1.0 + s) * OGAS_PI / 2.0);
  return c * c;
}

int schedule_create(noise_schedule *s, schedule_kind kind, int T, double beta_start,
                    double beta_end) {
  memset(s, 0, sizeof *s);
  if (T < 2) return -1;
  if (kind == SCHEDULE_LINEAR && !(beta_start > 0 && beta_start <= beta_end && beta_end < 1))
    return -1;
  double *mem = malloc(6 * (size_t)T * sizeof(double));
  if (!mem) return -1;
  s->T = T;
  s->beta = mem;
  s->alpha = mem + T;
  s->abar = mem + 2 * T;
  s->beta_tilde = mem + 3 * T;
  s->sqrt_abar = mem + 4 * T;
  s->sqrt_one_minus_abar = mem + 5 * T;
  for (int t = 0; t < T; t++) {
    if (kind == SCHEDULE_COSINE)
      s->beta[t] = fmin(1.0 - cosine_f(t + 1, T) / cosine_f(t, T), 0.999);
    else
      s->beta[t] = beta_start + (beta_end - beta_start) * t / (T - 1);
  }
  double abar = 1.0;
  for (int t = 0; t < T; t++) {
    s->alpha[t] = 1.0 - s->beta[t];
    double prev = abar;
    abar *= s->alpha[t];
    s->abar[t] = abar;
    s->beta_tilde[t] = t == 0 ? 0.0 : s->beta[t] * (1.0 - prev) / (1.0 - abar);
    s->sqrt_abar[t] = sqrt(abar);
    s->sqrt_one_minus_abar[t] = sqrt(1.0 - abar);
  }
  return 0;
}

void schedule_free(noise_schedule *s) {
  free(s->beta);
  memset(s, 0, sizeof *s);
}

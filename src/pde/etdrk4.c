/* etdrk4 — coefficients by contour integrals and the four-stage step;
 * see etdrk4.h for the scheme. */
#include "pde/etdrk4.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pde/pde_impl.h"

enum { CONTOUR_POINTS = 32 };

int etdrk4_init(etdrk4 *s, const double *L, size_t n, double h) {
  memset(s, 0, sizeof *s);
  s->E = malloc(6 * n * sizeof(double));
  s->work = malloc(7 * n * sizeof(double complex));
  if (!s->E || !s->work) {
    etdrk4_free(s);
    return PDE_ENOMEM;
  }
  s->n = n;
  s->E2 = s->E + n, s->Q = s->E + 2 * n;
  s->f1 = s->E + 3 * n, s->f2 = s->E + 4 * n, s->f3 = s->E + 5 * n;

  /* Points r_j = exp(i pi (2j + 1) / M) on the unit circle; no point is
   * real, so z = L h + r_j is never 0 even when L = 0. */
  double complex r[CONTOUR_POINTS];
  for (int j = 0; j < CONTOUR_POINTS; j++)
    r[j] = cexp(I * PDE_PI * (2.0 * j + 1.0) / CONTOUR_POINTS);

  for (size_t i = 0; i < n; i++) {
    const double lh = L[i] * h;
    double complex q = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int j = 0; j < CONTOUR_POINTS; j++) {
      const double complex z = lh + r[j], ez = cexp(z), z3 = z * z * z;
      q += (cexp(z / 2) - 1.0) / z;
      a1 += (-4.0 - z + ez * (4.0 - 3.0 * z + z * z)) / z3;
      a2 += (2.0 + z + ez * (z - 2.0)) / z3;
      a3 += (-4.0 - 3.0 * z - z * z + ez * (4.0 - z)) / z3;
    }
    s->E[i] = exp(lh);
    s->E2[i] = exp(lh / 2);
    s->Q[i] = h * creal(q) / CONTOUR_POINTS;
    s->f1[i] = h * creal(a1) / CONTOUR_POINTS;
    s->f2[i] = h * creal(a2) / CONTOUR_POINTS;
    s->f3[i] = h * creal(a3) / CONTOUR_POINTS;
  }
  return PDE_OK;
}

void etdrk4_free(etdrk4 *s) {
  free(s->E);
  free(s->work);
  memset(s, 0, sizeof *s);
}

void etdrk4_step(etdrk4 *s, double complex *v, etdrk4_nonlinear_fn N, void *ctx) {
  const size_t n = s->n;
  double complex *Nv = s->work, *a = Nv + n, *Na = a + n, *b = Na + n, *Nb = b + n, *c = Nb + n,
                 *Nc = c + n;
  N(v, Nv, ctx);
  for (size_t i = 0; i < n; i++) a[i] = s->E2[i] * v[i] + s->Q[i] * Nv[i];
  N(a, Na, ctx);
  for (size_t i = 0; i < n; i++) b[i] = s->E2[i] * v[i] + s->Q[i] * Na[i];
  N(b, Nb, ctx);
  for (size_t i = 0; i < n; i++) c[i] = s->E2[i] * a[i] + s->Q[i] * (2.0 * Nb[i] - Nv[i]);
  N(c, Nc, ctx);
  for (size_t i = 0; i < n; i++)
    v[i] = s->E[i] * v[i] + s->f1[i] * Nv[i] + 2.0 * s->f2[i] * (Na[i] + Nb[i]) + s->f3[i] * Nc[i];
}

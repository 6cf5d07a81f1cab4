/* etdrk4 — fourth-order exponential time differencing Runge–Kutta
 * (Cox & Matthews 2002) for v' = L v + N(v) with a real diagonal L,
 * in the form of Kassam & Trefethen 2005 (SIAM J. Sci. Comput. 26:1214).
 *
 * With step h and z = L h, the scheme is
 *   a  = E2 v + Q N(v)
 *   b  = E2 v + Q N(a)
 *   c  = E2 a + Q (2 N(b) - N(v))
 *   v' = E v + f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c)
 * with E = e^z, E2 = e^{z/2}, Q = h (e^{z/2} - 1)/z and
 *   f1 = h (-4 - z + e^z (4 - 3z + z^2)) / z^3
 *   f2 = h ( 2 + z + e^z (z - 2)) / z^3
 *   f3 = h (-4 - 3z - z^2 + e^z (4 - z)) / z^3.
 * These suffer catastrophic cancellation for small |z|; Kassam–Trefethen
 * evaluate them as the mean over points on a circle of radius 1 around z
 * (Cauchy's integral formula), which is accurate for every z. We use
 * M = 32 points on the full circle; for real z the imaginary parts cancel.
 *
 * The scheme is exact when N is constant (and for N = 0), which the tests of
 * the solvers rely on. Its classical order is 4; on very stiff problems the
 * observed order can fall towards 3 (Hochbruck & Ostermann 2005), e.g. for
 * KS with steep initial data. The state is complex (Fourier coefficients); several
 * fields can be stacked in one vector with their own L entries. */
#ifndef OGAS_PDE_ETDRK4_H
#define OGAS_PDE_ETDRK4_H

#include <complex.h>
#include <stddef.h>

typedef struct {
  size_t n;
  double *E, *E2, *Q, *f1, *f2, *f3; /* n each, one block */
  double complex *work;              /* 7 n: N(v), a, N(a), b, N(b), c, N(c) */
} etdrk4;

/* Nonlinear term: out = N(v), both n complex values (v must not be
   modified; out never aliases v). */
typedef void (*etdrk4_nonlinear_fn)(const double complex *v, double complex *out, void *ctx);

/* Coefficients for L[0..n) and step h > 0; PDE_OK or PDE_ENOMEM. */
int etdrk4_init(etdrk4 *s, const double *L, size_t n, double h);
void etdrk4_free(etdrk4 *s);
/* One step of length h, in place on v[0..n). Allocates nothing. */
void etdrk4_step(etdrk4 *s, double complex *v, etdrk4_nonlinear_fn N, void *ctx);

#endif

/* Finite-difference gradient check: compares an analytic gradient with the
   central difference (f(x+h) - f(x-h))/2h for every entry of x, perturbing
   the float array in place. Fails when an entry's error exceeds
   atol + rtol·max(|analytic|, |numeric|); reports the worst entry. */
#ifndef OGAS_TEST_GRADCHECK_H
#define OGAS_TEST_GRADCHECK_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

typedef double (*gradcheck_fn)(void *ctx);

static int gradcheck(const char *what, gradcheck_fn f, void *ctx, float *x, const float *grad,
                     size_t n, float h, double atol, double rtol) {
  double worst = 0.0;
  size_t worst_i = 0;
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    float keep = x[i];
    x[i] = keep + h;
    double fp = f(ctx);
    x[i] = keep - h;
    double fm = f(ctx);
    x[i] = keep;
    double num = (fp - fm) / (2.0 * (double)h);
    double err = fabs(num - grad[i]);
    double tol = atol + rtol * fmax(fabs(num), fabs(grad[i]));
    if (err > tol) bad++;
    if (err / tol > worst) worst = err / tol, worst_i = i;
  }
  if (bad)
    fprintf(stderr, "gradcheck %s: %d of %zu entries off; worst #%zu at %.2fx tolerance\n", what,
            bad, n, worst_i, worst);
  return bad == 0;
}

#endif

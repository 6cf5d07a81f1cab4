/* fourier_ic — mode layout and spectrum of the published truncated
 * Fourier initial condition (see fourier_ic.h). */
#include "pde/fourier_ic.h"

#include <math.h>
#include <string.h>

#include "pde/pde_impl.h"

static int integer_cutoff(double cutoff) {
  int c = (int)floor(cutoff);
  return c < 0 ? 0 : c > FOURIER_IC_MAX_CUTOFF ? FOURIER_IC_MAX_CUTOFF : c;
}

int fourier_ic_mode(double cutoff, size_t i, int *mx, int *my) {
  const int c = integer_cutoff(cutoff);
  if (i >= (size_t)((2 * c + 1) * (c + 1))) return 0;
  const int row = (int)(i / (size_t)(c + 1));
  *mx = (int)(i % (size_t)(c + 1));
  *my = row <= c ? row : row - (2 * c + 1);
  return 1;
}

void fourier_ic_spectrum(const double *params, size_t n, double complex *spectrum) {
  const size_t half = n / 2 + 1;
  const double nn = (double)(n * n), taper = params[1];
  const int c = integer_cutoff(params[0]);
  memset(spectrum, 0, n * half * sizeof(double complex));
  for (size_t i = 0; i < FOURIER_IC_NB_MODES; i++) {
    int mx, my;
    if (!fourier_ic_mode(params[0], i, &mx, &my)) break;
    const double a = params[2 + 2 * i], phi = params[3 + 2 * i];
    const size_t row = my >= 0 ? (size_t)my : n - (size_t)(-my);
    if (mx == 0 && my == 0) {
      spectrum[0] += nn * a * cos(phi);
      continue;
    }
    /* c >= 2 whenever a pair is used, so the division is safe. */
    const double weight =
        (my == 0 ? 1.0 : 0.5) * exp(-pow(sqrt((double)(mx * mx + my * my)) / c, taper));
    /* amplitude A of cos(theta + phi) = A/2 (e^{i(theta+phi)} + c.c.): an
     * interior column stands for both halves (c2r doubles it); column 0
     * holds both halves explicitly, on rows my and -my. */
    const double complex half_term = 0.5 * nn * weight * a * cexp(I * phi);
    spectrum[row * half + (size_t)mx] += half_term;
    if (mx == 0) {
      const size_t mirror = my > 0 ? n - (size_t)my : (size_t)(-my);
      spectrum[mirror * half] += conj(half_term);
    }
  }
}

double fourier_ic_normalise(double *field, size_t nn) {
  double peak = 0;
  for (size_t i = 0; i < nn; i++) peak = fmax(peak, fabs(field[i]));
  if (!(peak > 1e-300)) return 1.0;
  const double scale = 1.0 / peak;
  for (size_t i = 0; i < nn; i++) field[i] *= scale;
  return scale;
}

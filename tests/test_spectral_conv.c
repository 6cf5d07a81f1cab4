/* The Fourier layer (src/nn/spectral_conv.h): the forward pass against the
   direct double-precision sum y_n = (1/Nt) Σ_kept c_kx Re(Y e^{iφ}) with
   Y = W·DFT(x) (independent of FFTW's conventions), 1-D and 2-D, odd and even
   grids, with the full ky range (my = ny/2, which keeps the Nyquist row);
   finite differences of L = Σ g·y with respect to every input and every weight
   (so the Hermitian factors of the backward pass are checked); a batch smaller
   than the layer's maximum; arrays without FFTW's alignment (the copying path)
   giving the same numbers; the accumulation into out and dinp; bad shapes. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/rng.h"
#include "nn/spectral_conv.h"
#include "ogas.h"

typedef struct {
  spectral_conv *sc;
  spectral_conv_shape s;
  int B;
  float *x, *w, *g, *y, *xhat;
} ctx;

static double objective(void *p) {
  ctx *c = p;
  size_t ny = (size_t)c->B * c->s.ny * c->s.nx * c->s.cout;
  memset(c->y, 0, ny * sizeof(float));
  spectral_conv_forward(c->sc, c->y, c->xhat, c->x, c->w, c->B);
  double L = 0;
  for (size_t i = 0; i < ny; i++) L += (double)c->g[i] * c->y[i];
  return L;
}

/* y (B, ny, nx, cout) by the direct sum, in double. */
static void direct_forward(const spectral_conv_shape *s, int B, const float *x, const float *w,
                           double *y) {
  const double two_pi = 6.283185307179586;
  int ny = s->ny, nx = s->nx, n_ky = ny > 1 ? 2 * s->my : 1;
  double Nt = (double)ny * nx;
  size_t per_out = (size_t)ny * nx * s->cout;
  memset(y, 0, (size_t)B * per_out * sizeof(double));
  for (int b = 0; b < B; b++)
    for (int a = 0; a < n_ky; a++) {
      int ky = ny == 1 || a < s->my ? a : ny - 2 * s->my + a;
      for (int kx = 0; kx < s->mx; kx++) {
        int m = a * s->mx + kx;
        for (int o = 0; o < s->cout; o++) {
          /* Y = Σ_i X_i W_io, X_i = Σ_n x e^{-iφ} */
          double yr = 0, yi = 0;
          for (int i = 0; i < s->cin; i++) {
            double xr = 0, xi = 0;
            for (int py = 0; py < ny; py++)
              for (int px = 0; px < nx; px++) {
                double ph = two_pi * ((double)ky * py / ny + (double)kx * px / nx);
                double v = x[(((size_t)b * ny + py) * nx + px) * s->cin + i];
                xr += v * cos(ph), xi -= v * sin(ph);
              }
            const float *wc = w + 2 * (((size_t)m * s->cin + i) * s->cout + o);
            yr += xr * wc[0] - xi * wc[1];
            yi += xr * wc[1] + xi * wc[0];
          }
          double ck = kx == 0 ? 1.0 : 2.0;
          for (int py = 0; py < ny; py++)
            for (int px = 0; px < nx; px++) {
              double ph = two_pi * ((double)ky * py / ny + (double)kx * px / nx);
              y[b * per_out + ((size_t)py * nx + px) * s->cout + o] +=
                  ck / Nt * (yr * cos(ph) - yi * sin(ph));
            }
        }
      }
    }
}

static void check_shape(const char *what, spectral_conv_shape s, int max_batch, int B,
                        ogas_rng *r) {
  printf("%s: %d x %d grid, %d -> %d channels, modes %d x %d, batch %d of %d\n", what, s.ny, s.nx,
         s.cin, s.cout, s.my, s.mx, B, max_batch);
  ctx c = {.s = s, .B = B};
  char err[160];
  CHECK_MSG(spectral_conv_create(&s, max_batch, &c.sc, err, sizeof err) == OGAS_OK, "%s", err);
  if (!c.sc) return;
  size_t nx_in = (size_t)B * s.ny * s.nx * s.cin, nx_out = (size_t)B * s.ny * s.nx * s.cout;
  size_t nw = spectral_conv_param_count(&s);
  CHECK(nw == 2 * (size_t)(s.ny > 1 ? 2 * s.my : 1) * s.mx * s.cin * s.cout);
  /* +1: room for the misaligned copies below */
  c.x = malloc((nx_in + 1) * sizeof(float));
  c.w = malloc(nw * sizeof(float));
  c.g = malloc(nx_out * sizeof(float));
  c.y = malloc((nx_out + 1) * sizeof(float));
  c.xhat = malloc(spectral_conv_saved_count(&s, B) * sizeof(float));
  float *dx = calloc(nx_in + 1, sizeof(float)), *dw = calloc(nw, sizeof(float));
  float *dw_copy = malloc(nw * sizeof(float));
  double *yd = malloc(nx_out * sizeof(double));
  for (size_t i = 0; i < nx_in; i++) c.x[i] = (float)ogas_rng_normal(r);
  for (size_t i = 0; i < nw; i++) c.w[i] = (float)ogas_rng_normal(r);
  for (size_t i = 0; i < nx_out; i++) c.g[i] = (float)ogas_rng_normal(r);

  /* Forward against the direct sum. */
  objective(&c);
  direct_forward(&s, B, c.x, c.w, yd);
  double e2 = 0, r2 = 0;
  for (size_t i = 0; i < nx_out; i++)
    e2 += (c.y[i] - yd[i]) * (c.y[i] - yd[i]), r2 += yd[i] * yd[i];
  CHECK_MSG(sqrt(e2 / r2) < 1e-5, "%s: forward relative error %.3e vs the direct sum", what,
            sqrt(e2 / r2));

  /* Backward: accumulates into what is there, so start from ones and subtract. */
  for (size_t i = 0; i < nx_in; i++) dx[i] = 1.0f;
  spectral_conv_backward(c.sc, dx, dw, c.g, c.xhat, c.w, B);
  for (size_t i = 0; i < nx_in; i++) dx[i] -= 1.0f;
  memcpy(dw_copy, dw, nw * sizeof(float));
  CHECK(gradcheck(what, objective, &c, c.x, dx, nx_in, 1e-2f, 1e-3, 2e-3));
  CHECK(gradcheck(what, objective, &c, c.w, dw, nw, 1e-2f, 1e-3, 2e-3));

  /* Every weight matters except the imaginary parts of the modes whose
     spectrum is real for real data and whose phase e^{iφ} is real: (0, 0),
     and (ny/2, 0) when the Nyquist row is kept. The other kx = 0 weights
     matter through Re after the ky sum. */
  int zero_grads = 0, allowed = s.cin * s.cout * (1 + (s.ny > 1 && 2 * s.my == s.ny));
  for (size_t i = 0; i < nw; i++) zero_grads += dw[i] == 0.0f;
  CHECK_MSG(zero_grads <= allowed, "%s: %d weight gradients are exactly 0 (at most %d expected)",
            what, zero_grads, allowed);

  /* Misaligned arrays (one float off FFTW's alignment) give the same values. */
  float *xm = c.x + 1, *ym = c.y + 1;
  memmove(xm, c.x, nx_in * sizeof(float));
  float *y_ref = malloc(nx_out * sizeof(float));
  memset(ym, 0, nx_out * sizeof(float));
  spectral_conv_forward(c.sc, ym, c.xhat, xm, c.w, B);
  memcpy(y_ref, ym, nx_out * sizeof(float));
  double maxd = 0;
  for (size_t i = 0; i < nx_out; i++) maxd = fmax(maxd, fabs(y_ref[i] - yd[i]));
  CHECK_MSG(maxd < 1e-4 * sqrt(r2 / nx_out) + 1e-6, "%s: misaligned forward differs by %g", what,
            maxd);
  float *dxm = dx + 1;
  memset(dxm, 0, nx_in * sizeof(float));
  memset(dw, 0, nw * sizeof(float));
  float *gm = malloc((nx_out + 1) * sizeof(float));
  memcpy(gm + 1, c.g, nx_out * sizeof(float));
  spectral_conv_backward(c.sc, dxm, dw, gm + 1, c.xhat, c.w, B);
  maxd = 0;
  for (size_t i = 0; i < nw; i++) maxd = fmax(maxd, fabs(dw[i] - dw_copy[i]));
  CHECK_MSG(maxd <= 1e-4 * (1 + fabs(dw_copy[0])), "%s: misaligned dW differs by %g", what, maxd);
  free(gm);
  free(y_ref);

  spectral_conv_free(c.sc);
  free(c.x), free(c.w), free(c.g), free(c.y), free(c.xhat), free(dx), free(dw);
  free(dw_copy), free(yd);
}

int main(void) {
  ogas_rng r;
  ogas_rng_seed(&r, 21, 0);
  check_shape("1-D even", (spectral_conv_shape){.ny = 1, .nx = 16, .cin = 3, .cout = 2, .mx = 5}, 4,
              3, &r);
  check_shape("1-D odd, all modes",
              (spectral_conv_shape){.ny = 1, .nx = 9, .cin = 2, .cout = 3, .mx = 4}, 2, 2, &r);
  check_shape("2-D",
              (spectral_conv_shape){.ny = 8, .nx = 10, .cin = 2, .cout = 3, .my = 2, .mx = 3}, 3, 2,
              &r);
  check_shape("2-D odd, ky Nyquist row",
              (spectral_conv_shape){.ny = 6, .nx = 7, .cin = 3, .cout = 2, .my = 3, .mx = 2}, 2, 2,
              &r);

  /* Bad shapes name what is wrong and create nothing. */
  spectral_conv *sc = (spectral_conv *)&r;
  char err[160];
  CHECK(
      spectral_conv_create(&(spectral_conv_shape){.ny = 1, .nx = 16, .cin = 1, .cout = 1, .mx = 9},
                           4, &sc, err, sizeof err) == OGAS_EINVAL &&
      sc == NULL);
  CHECK_MSG(strstr(err, "modes") != NULL, "%s", err);
  CHECK(spectral_conv_create(
            &(spectral_conv_shape){.ny = 8, .nx = 8, .cin = 1, .cout = 1, .my = 5, .mx = 2}, 4, &sc,
            err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "ny/2") != NULL, "%s", err);
  CHECK(spectral_conv_create(&(spectral_conv_shape){.ny = 1, .nx = 8, .cin = 0, .cout = 1, .mx = 2},
                             4, &sc, err, sizeof err) == OGAS_EINVAL);
  CHECK(spectral_conv_create(&(spectral_conv_shape){.ny = 1, .nx = 8, .cin = 1, .cout = 1, .mx = 2},
                             0, &sc, err, sizeof err) == OGAS_EINVAL);
  spectral_conv_free(NULL);
  return check_exit("test_spectral_conv");
}

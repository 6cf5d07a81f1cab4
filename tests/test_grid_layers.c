/* The grid layers of the UNet and FNO surrogates: the periodic convolution
   (nn/conv_periodic.h) against a direct sum, 1-D and 2-D, with finite
   differences for its input and weights and, for a shape whose im2col runs
   in chunks, the adjoint identities of its backward pass; avgpool2 / upsample2
   (nn/resample.h) against their definitions and as each other's adjoint up
   to the block size, with finite differences of their backward passes; and
   FiLM + SiLU (nn/film.h) by finite differences, with and without
   conditioning inputs. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/conv_periodic.h"
#include "nn/film.h"
#include "nn/resample.h"
#include "nn/rng.h"

static void fill(float *x, size_t n, ogas_rng *r) {
  for (size_t i = 0; i < n; i++) x[i] = (float)ogas_rng_normal(r);
}

/* ---- conv ---- */
typedef struct {
  conv_shape s;
  int B;
  float *x, *w, *g, *y, *col;
} conv_ctx;

static double conv_obj(void *p) {
  conv_ctx *c = p;
  size_t n = (size_t)c->B * c->s.ny * c->s.nx * c->s.cout;
  conv_forward(c->y, c->col, c->x, c->w, &c->s, c->B);
  double L = 0;
  for (size_t i = 0; i < n; i++) L += (double)c->g[i] * c->y[i];
  return L;
}

static void check_conv(conv_shape s, int B, int fd, ogas_rng *r) {
  conv_ctx c = {.s = s, .B = B};
  size_t nin = (size_t)B * s.ny * s.nx * s.cin, nout = (size_t)B * s.ny * s.nx * s.cout;
  size_t nw = conv_param_count(&s);
  CHECK(nw == (size_t)s.cout * s.cin * (s.ny > 1 ? s.k * s.k : s.k));
  c.x = malloc(nin * sizeof(float)), c.w = malloc(nw * sizeof(float));
  c.g = malloc(nout * sizeof(float)), c.y = malloc(nout * sizeof(float));
  c.col = malloc(conv_col_count(&s, B) * sizeof(float));
  float *dcol = malloc(conv_col_count(&s, B) * sizeof(float));
  float *dx = calloc(nin, sizeof(float)), *dw = calloc(nw, sizeof(float));
  fill(c.x, nin, r), fill(c.w, nw, r), fill(c.g, nout, r);
  conv_obj(&c);
  /* Direct sum. */
  int k = s.k, kh = s.ny > 1 ? k : 1, hy = s.ny > 1 ? k / 2 : 0;
  double maxd = 0;
  for (int b = 0; b < B; b++)
    for (int y = 0; y < s.ny; y++)
      for (int x = 0; x < s.nx; x++)
        for (int o = 0; o < s.cout; o++) {
          double v = 0;
          for (int ty = 0; ty < kh; ty++)
            for (int tx = 0; tx < k; tx++)
              for (int ci = 0; ci < s.cin; ci++) {
                int sy = ((y + ty - hy) % s.ny + s.ny) % s.ny,
                    sx = ((x + tx - k / 2) % s.nx + s.nx) % s.nx;
                v += (double)c.w[(size_t)o * nw / s.cout + ((size_t)ty * k + tx) * s.cin + ci] *
                     c.x[(((size_t)b * s.ny + sy) * s.nx + sx) * s.cin + ci];
              }
          maxd = fmax(maxd, fabs(v - c.y[(((size_t)b * s.ny + y) * s.nx + x) * s.cout + o]));
        }
  CHECK_MSG(maxd < 1e-4, "conv %d x %d, k %d: forward differs from the direct sum by %g", s.ny,
            s.nx, k, maxd);
  conv_backward(dx, dw, c.col, dcol, c.g, c.x, c.w, &s, B);
  /* L = Σ g·y is linear in x and in W: L = Σ dx·x = Σ dW·W exactly (up to
     rounding), a check that costs nothing for shapes too large for finite
     differences, whose im2col runs in several chunks. */
  double L = conv_obj(&c), Lx = 0, Lw = 0;
  for (size_t i = 0; i < nin; i++) Lx += (double)dx[i] * c.x[i];
  for (size_t i = 0; i < nw; i++) Lw += (double)dw[i] * c.w[i];
  CHECK_MSG(fabs(Lx - L) < 1e-4 * (1 + fabs(L)) && fabs(Lw - L) < 1e-4 * (1 + fabs(L)),
            "conv adjoint: L %g, <dx, x> %g, <dW, W> %g", L, Lx, Lw);
  if (fd) {
    CHECK(gradcheck("conv input", conv_obj, &c, c.x, dx, nin, 1e-2f, 1e-3, 2e-3));
    CHECK(gradcheck("conv weights", conv_obj, &c, c.w, dw, nw, 1e-2f, 1e-3, 2e-3));
  }
  /* Without dinp the weight gradient is the same. */
  float *dw2 = calloc(nw, sizeof(float));
  conv_backward(NULL, dw2, c.col, dcol, c.g, c.x, c.w, &s, B);
  for (size_t i = 0; i < nw; i++) CHECK_NEAR(dw2[i], dw[i], 1e-5);
  free(dw2), free(c.x), free(c.w), free(c.g), free(c.y), free(c.col), free(dcol), free(dx),
      free(dw);
}

/* ---- resample ---- */
typedef struct {
  int B, ny, nx, C, up;
  float *x, *g, *y;
} rs_ctx;

static double rs_obj(void *p) {
  rs_ctx *c = p;
  int fy = c->ny > 1 ? 2 : 1;
  size_t n = c->up ? (size_t)c->B * c->ny * fy * c->nx * 2 * c->C
                   : (size_t)c->B * (c->ny / fy) * (c->nx / 2) * c->C;
  if (c->up)
    upsample2_forward(c->y, c->x, c->B, c->ny, c->nx, c->C);
  else
    avgpool2_forward(c->y, c->x, c->B, c->ny, c->nx, c->C);
  double L = 0;
  for (size_t i = 0; i < n; i++) L += (double)c->g[i] * c->y[i];
  return L;
}

static void check_resample(int B, int ny, int nx, int C, ogas_rng *r) {
  int fy = ny > 1 ? 2 : 1;
  size_t fine = (size_t)B * ny * nx * C, coarse = fine / (2 * fy);
  float *f = malloc(fine * sizeof(float)), *c = malloc(coarse * sizeof(float));
  float *f2 = malloc(fine * sizeof(float)), *c2 = calloc(coarse, sizeof(float));
  fill(f, fine, r);
  avgpool2_forward(c, f, B, ny, nx, C);
  /* The mean of the first block. */
  double m = 0;
  for (int dy = 0; dy < fy; dy++)
    for (int dx = 0; dx < 2; dx++) m += f[((size_t)dy * nx + dx) * C] / (2.0 * fy);
  CHECK_NEAR(c[0], m, 1e-6);
  upsample2_forward(f2, c, B, ny / fy, nx / 2, C);
  /* pool(up(c)) = c */
  avgpool2_forward(c2, f2, B, ny, nx, C);
  for (size_t i = 0; i < coarse; i++) CHECK_NEAR(c2[i], c[i], 1e-6);
  /* Backward passes by finite differences. */
  rs_ctx pc = {B, ny, nx, C, 0, f, malloc(coarse * sizeof(float)), malloc(coarse * sizeof(float))};
  fill(pc.g, coarse, r);
  float *df = calloc(fine, sizeof(float));
  avgpool2_backward(df, pc.g, B, ny, nx, C);
  CHECK(gradcheck("avgpool2", rs_obj, &pc, f, df, fine, 1e-2f, 1e-4, 1e-3));
  rs_ctx uc = {
      B, ny / fy, nx / 2, C, 1, c, malloc(fine * sizeof(float)), malloc(fine * sizeof(float))};
  fill(uc.g, fine, r);
  float *dc = calloc(coarse, sizeof(float));
  upsample2_backward(dc, uc.g, B, ny / fy, nx / 2, C);
  CHECK(gradcheck("upsample2", rs_obj, &uc, c, dc, coarse, 1e-2f, 1e-4, 1e-3));
  free(f), free(c), free(f2), free(c2), free(pc.g), free(pc.y), free(uc.g), free(uc.y), free(df),
      free(dc);
}

/* ---- FiLM ---- */
typedef struct {
  int B, N, C, P;
  float *a, *z, *G, *g, *gy, *y, *am, *gam;
} film_ctx;

static double film_obj(void *p) {
  film_ctx *c = p;
  film_silu_forward(c->y, c->am, c->gam, c->a, c->z, c->G, c->g, c->B, c->N, c->C, c->P);
  double L = 0;
  for (size_t i = 0; i < (size_t)c->B * c->N * c->C; i++) L += (double)c->gy[i] * c->y[i];
  return L;
}

static void check_film(int P, ogas_rng *r) {
  enum { B = 3, N = 5, C = 4 };
  float a[B * N * C], z[B * 3], G[C * 3], g[C], gy[B * N * C], y[B * N * C], am[B * N * C],
      gam[B * C];
  fill(a, B * N * C, r), fill(z, B * 3, r), fill(G, C * 3, r), fill(g, C, r),
      fill(gy, B * N * C, r);
  film_ctx c = {B, N, C, P, a, z, G, g, gy, y, am, gam};
  film_obj(&c);
  float da[B * N * C] = {0}, dG[C * 3] = {0}, dg[C] = {0}, dam[B * N * C], dgam[B * C];
  film_silu_backward(da, dG, dg, dam, dgam, gy, a, am, gam, z, B, N, C, P);
  CHECK(gradcheck("film a", film_obj, &c, a, da, B * N * C, 1e-3f, 1e-3, 2e-3));
  CHECK(gradcheck("film g", film_obj, &c, g, dg, C, 1e-3f, 1e-3, 2e-3));
  if (P) CHECK(gradcheck("film G", film_obj, &c, G, dG, (size_t)C * P, 1e-3f, 1e-3, 2e-3));
}

int main(void) {
  ogas_rng r;
  ogas_rng_seed(&r, 31, 0);
  check_conv((conv_shape){.ny = 1, .nx = 9, .cin = 3, .cout = 2, .k = 5}, 2, 1, &r);
  check_conv((conv_shape){.ny = 1, .nx = 4, .cin = 2, .cout = 3, .k = 7}, 2, 1,
             &r); /* wraps twice */
  check_conv((conv_shape){.ny = 6, .nx = 5, .cin = 2, .cout = 3, .k = 3}, 2, 1, &r);
  check_conv((conv_shape){.ny = 4, .nx = 4, .cin = 1, .cout = 2, .k = 1}, 3, 1, &r);
  /* 1600 floats per im2col row: 40-row chunks over 2 x 8 x 8 = 128 rows. */
  check_conv((conv_shape){.ny = 8, .nx = 8, .cin = 64, .cout = 5, .k = 5}, 2, 0, &r);
  CHECK(conv_col_count(&(conv_shape){.ny = 8, .nx = 8, .cin = 64, .cout = 5, .k = 5}, 2) ==
        40 * 1600);
  check_resample(2, 1, 8, 3, &r);
  check_resample(2, 4, 6, 2, &r);
  check_film(3, &r);
  check_film(0, &r);
  return check_exit("test_grid_layers");
}

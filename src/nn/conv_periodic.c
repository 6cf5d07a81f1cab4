#include "nn/conv_periodic.h"

#include <string.h>

#include "nn/layers.h"

int conv_taps(const conv_shape *s) { return s->ny > 1 ? s->k * s->k : s->k; }

size_t conv_param_count(const conv_shape *s) {
  return (size_t)s->cout * (size_t)conv_taps(s) * (size_t)s->cin;
}

size_t conv_col_count(const conv_shape *s, int B) {
  return (size_t)B * (size_t)s->ny * (size_t)s->nx * (size_t)conv_taps(s) * (size_t)s->cin;
}

static int wrap(int i, int n) { return ((i % n) + n) % n; }

/* Copies of one pixel's channels: a few floats each, where a memcpy call
   would cost more than the copy. */
static inline void copy_channels(float *restrict dst, const float *restrict src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i];
}
static inline void add_channels(float *restrict dst, const float *restrict src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* col[(b, y, x)][(ty·k + tx)·cin + c] = inp[b][y + ty - k/2][x + tx - k/2][c] */
static void im2col(float *col, const float *inp, const conv_shape *s, int B) {
  int k = s->k, kh = s->ny > 1 ? k : 1, half = k / 2, half_y = s->ny > 1 ? half : 0;
  size_t cin = (size_t)s->cin, rowlen = (size_t)kh * k * cin;
  for (int b = 0; b < B; b++) {
    const float *xb = inp + (size_t)b * s->ny * s->nx * cin;
    for (int y = 0; y < s->ny; y++)
      for (int x = 0; x < s->nx; x++) {
        float *cr = col + (((size_t)b * s->ny + y) * s->nx + x) * rowlen;
        for (int ty = 0; ty < kh; ty++) {
          int sy = wrap(y + ty - half_y, s->ny);
          for (int tx = 0; tx < k; tx++) {
            int sx = wrap(x + tx - half, s->nx);
            copy_channels(cr + ((size_t)ty * k + tx) * cin, xb + ((size_t)sy * s->nx + sx) * cin, cin);
          }
        }
      }
  }
}

/* The adjoint of im2col: dinp += the scattered dcol. */
static void col2im_add(float *dinp, const float *dcol, const conv_shape *s, int B) {
  int k = s->k, kh = s->ny > 1 ? k : 1, half = k / 2, half_y = s->ny > 1 ? half : 0;
  size_t cin = (size_t)s->cin, rowlen = (size_t)kh * k * cin;
  for (int b = 0; b < B; b++) {
    float *xb = dinp + (size_t)b * s->ny * s->nx * cin;
    for (int y = 0; y < s->ny; y++)
      for (int x = 0; x < s->nx; x++) {
        const float *cr = dcol + (((size_t)b * s->ny + y) * s->nx + x) * rowlen;
        for (int ty = 0; ty < kh; ty++) {
          int sy = wrap(y + ty - half_y, s->ny);
          for (int tx = 0; tx < k; tx++) {
            int sx = wrap(x + tx - half, s->nx);
            add_channels(xb + ((size_t)sy * s->nx + sx) * cin, cr + ((size_t)ty * k + tx) * cin, cin);
          }
        }
      }
  }
}

void conv_forward(float *out, float *col, const float *inp, const float *W, const conv_shape *s,
                  int B) {
  int rows = B * s->ny * s->nx, K = conv_taps(s) * s->cin;
  im2col(col, inp, s, B);
  linear_forward(out, col, W, NULL, rows, K, s->cout);
}

void conv_backward(float *dinp, float *dW, float *col, float *dcol, const float *dout,
                   const float *inp, const float *W, const conv_shape *s, int B) {
  int rows = B * s->ny * s->nx, K = conv_taps(s) * s->cin;
  im2col(col, inp, s, B);
  if (dinp) memset(dcol, 0, conv_col_count(s, B) * sizeof(float));
  linear_backward(dinp ? dcol : NULL, dW, NULL, dout, col, W, rows, K, s->cout);
  if (dinp) col2im_add(dinp, dcol, s, B);
}

double conv_forward_flops(const conv_shape *s, int B) {
  return 2.0 * B * s->ny * s->nx * conv_taps(s) * s->cin * s->cout;
}

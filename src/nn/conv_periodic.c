#include "nn/conv_periodic.h"

#include <string.h>

#include "nn/layers.h"

/* im2col is done for a chunk of output rows at a time, so that the column
   buffer (taps times larger than its rows of input) stays in cache between
   being written and being read by the sgemm: a whole batch's im2col would go
   through memory twice. COL_CHUNK floats (256 KB) per chunk. */
#define COL_CHUNK 65536

int conv_taps(const conv_shape *s) { return s->ny > 1 ? s->k * s->k : s->k; }

size_t conv_param_count(const conv_shape *s) {
  return (size_t)s->cout * (size_t)conv_taps(s) * (size_t)s->cin;
}

/* Rows of output per chunk: at least one. */
static size_t chunk_rows(const conv_shape *s) {
  size_t per = (size_t)conv_taps(s) * (size_t)s->cin;
  return per >= COL_CHUNK ? 1 : COL_CHUNK / per;
}

size_t conv_col_count(const conv_shape *s, int B) {
  size_t rows = (size_t)B * (size_t)s->ny * (size_t)s->nx, n = chunk_rows(s);
  return (rows < n ? rows : n) * (size_t)conv_taps(s) * (size_t)s->cin;
}

static int wrap(int i, int n) { return ((i % n) + n) % n; }

/* One grid point's channels: a few floats, where a memcpy call would cost
   more than the copy. */
static inline void copy_channels(float *restrict dst, const float *restrict src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i];
}
static inline void add_channels(float *restrict dst, const float *restrict src, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* col[i][(ty·k + tx)·cin + c] = inp[b][y + ty - k/2][x + tx - k/2][c] for the
   n output rows r = r0 + i = (b·ny + y)·nx + x; with add, the adjoint:
   inp[...] += col[i][...]. */
static void im2col_rows(float *col, float *inp, const conv_shape *s, size_t r0, size_t n, int add) {
  int k = s->k, kh = s->ny > 1 ? k : 1, half = k / 2, half_y = s->ny > 1 ? half : 0;
  size_t cin = (size_t)s->cin, rowlen = (size_t)kh * k * cin, npts = (size_t)s->ny * s->nx;
  for (size_t i = 0; i < n; i++) {
    size_t r = r0 + i, b = r / npts, p = r % npts;
    int y = (int)(p / (size_t)s->nx), x = (int)(p % (size_t)s->nx);
    float *xb = inp + b * npts * cin, *cr = col + i * rowlen;
    for (int ty = 0; ty < kh; ty++) {
      int sy = wrap(y + ty - half_y, s->ny);
      for (int tx = 0; tx < k; tx++) {
        int sx = wrap(x + tx - half, s->nx);
        float *src = xb + ((size_t)sy * s->nx + sx) * cin, *dst = cr + ((size_t)ty * k + tx) * cin;
        if (add)
          add_channels(src, dst, cin);
        else
          copy_channels(dst, src, cin);
      }
    }
  }
}

void conv_forward(float *out, float *col, const float *inp, const float *W, const conv_shape *s,
                  int B) {
  size_t rows = (size_t)B * s->ny * s->nx, step = chunk_rows(s);
  int K = conv_taps(s) * s->cin;
  for (size_t r0 = 0; r0 < rows; r0 += step) {
    size_t n = rows - r0 < step ? rows - r0 : step;
    im2col_rows(col, (float *)inp, s, r0, n, 0); /* reads inp only */
    linear_forward(out + r0 * s->cout, col, W, NULL, (int)n, K, s->cout);
  }
}

void conv_backward(float *dinp, float *dW, float *col, float *dcol, const float *dout,
                   const float *inp, const float *W, const conv_shape *s, int B) {
  size_t rows = (size_t)B * s->ny * s->nx, step = chunk_rows(s);
  int K = conv_taps(s) * s->cin;
  for (size_t r0 = 0; r0 < rows; r0 += step) {
    size_t n = rows - r0 < step ? rows - r0 : step;
    im2col_rows(col, (float *)inp, s, r0, n, 0);
    if (dinp) memset(dcol, 0, n * (size_t)K * sizeof(float));
    linear_backward(dinp ? dcol : NULL, dW, NULL, dout + r0 * s->cout, col, W, (int)n, K, s->cout);
    if (dinp) im2col_rows(dcol, dinp, s, r0, n, 1);
  }
}

double conv_forward_flops(const conv_shape *s, int B) {
  return 2.0 * B * s->ny * s->nx * conv_taps(s) * s->cin * s->cout;
}

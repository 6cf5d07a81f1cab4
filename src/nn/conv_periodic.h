/* conv_periodic — "same" convolutions on a periodic 1-D or 2-D grid, channels
 * last, by im2col + one sgemm (the grid surrogates' local layers):
 *
 *   out[b, y, x, o] = Σ_{ty, tx, c} W[o][(ty·k + tx)·cin + c]
 *                       · inp[b, (y + ty - k/2) mod ny, (x + tx - k/2) mod nx, c]
 *
 * Shapes: inp (B, ny, nx, cin), out (B, ny, nx, cout), W (cout, taps·cin)
 * row-major with taps = k·k in 2-D and k in 1-D (ny = 1: ty = k/2 only, so
 * the 1-D layout is conv1d's). k is odd. No bias.
 *
 * col is caller-owned scratch of conv_col_count floats: im2col runs on chunks
 * of output rows that fit in cache (256 KB), each consumed by its own sgemm.
 * The backward pass rebuilds im2col(inp) instead of keeping it from the
 * forward pass (it is taps times larger than inp), so one scratch serves
 * every layer of a network; dcol is a second scratch of the same size. */
#ifndef OGAS_NN_CONV_PERIODIC_H
#define OGAS_NN_CONV_PERIODIC_H

#include <stddef.h>

typedef struct {
  int ny, nx, cin, cout, k;
} conv_shape;

/* k or k·k */
int conv_taps(const conv_shape *s);
/* Floats of W: cout · taps · cin. */
size_t conv_param_count(const conv_shape *s);
/* Floats of col (and dcol) for batches of up to B samples (at most about
   64 K floats, one row of taps·cin when that is larger). */
size_t conv_col_count(const conv_shape *s, int B);

/* out = conv(inp) (overwrites). */
void conv_forward(float *out, float *col, const float *inp, const float *W, const conv_shape *s,
                  int B);
/* dinp += (skipped when NULL), dW += , from dout and the forward's inp. */
void conv_backward(float *dinp, float *dW, float *col, float *dcol, const float *dout,
                   const float *inp, const float *W, const conv_shape *s, int B);

/* FLOPs of one forward (2 per multiply-add); the backward does twice that
   (once without dinp). */
double conv_forward_flops(const conv_shape *s, int B);

#endif

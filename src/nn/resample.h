/* resample — the grid changes of a UNet, channels last, forward and backward:
 *
 *   avgpool2:  fine (B, ny, nx, C) -> coarse (B, ny/2, nx/2, C), the mean of
 *              each 2 x 2 block (1-D, ny = 1: of each pair, to (B, 1, nx/2, C))
 *   upsample2: coarse (B, ny, nx, C) -> fine (B, 2ny, 2nx, C), every value
 *              copied to its 2 x 2 block (1-D, ny = 1: to its pair, ny stays 1)
 *
 * The shapes passed are the fine grid's for avgpool2 and the coarse grid's for
 * upsample2; fine sizes are even. Backward passes accumulate (+=): avgpool2's
 * spreads dout/4 (1-D: /2) over the block, upsample2's sums the block. */
#ifndef OGAS_NN_RESAMPLE_H
#define OGAS_NN_RESAMPLE_H

void avgpool2_forward(float *out, const float *inp, int B, int ny, int nx, int C);
void avgpool2_backward(float *dinp, const float *dout, int B, int ny, int nx, int C);
void upsample2_forward(float *out, const float *inp, int B, int ny, int nx, int C);
void upsample2_backward(float *dinp, const float *dout, int B, int ny, int nx, int C);

#endif

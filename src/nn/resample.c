#include "nn/resample.h"

#include <stddef.h>

/* Both directions walk the fine grid (y, x) with its coarse cell (y/fy, x/2),
   fy = 2 in 2-D and 1 in 1-D. */

void avgpool2_forward(float *out, const float *inp, int B, int ny, int nx, int C) {
  int fy = ny > 1 ? 2 : 1, cy = ny / fy, cx = nx / 2;
  float w = 1.0f / (float)(2 * fy);
  for (size_t i = 0; i < (size_t)B * cy * cx * C; i++) out[i] = 0.0f;
  for (int b = 0; b < B; b++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) {
        const float *src = inp + (((size_t)b * ny + y) * nx + x) * C;
        float *dst = out + (((size_t)b * cy + y / fy) * cx + x / 2) * C;
        for (int c = 0; c < C; c++) dst[c] += w * src[c];
      }
}

void avgpool2_backward(float *dinp, const float *dout, int B, int ny, int nx, int C) {
  int fy = ny > 1 ? 2 : 1, cy = ny / fy, cx = nx / 2;
  float w = 1.0f / (float)(2 * fy);
  for (int b = 0; b < B; b++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) {
        float *dst = dinp + (((size_t)b * ny + y) * nx + x) * C;
        const float *src = dout + (((size_t)b * cy + y / fy) * cx + x / 2) * C;
        for (int c = 0; c < C; c++) dst[c] += w * src[c];
      }
}

void upsample2_forward(float *out, const float *inp, int B, int ny, int nx, int C) {
  int fy = ny > 1 ? 2 : 1, Ny = ny * fy, Nx = nx * 2;
  for (int b = 0; b < B; b++)
    for (int y = 0; y < Ny; y++)
      for (int x = 0; x < Nx; x++) {
        float *dst = out + (((size_t)b * Ny + y) * Nx + x) * C;
        const float *src = inp + (((size_t)b * ny + y / fy) * nx + x / 2) * C;
        for (int c = 0; c < C; c++) dst[c] = src[c];
      }
}

void upsample2_backward(float *dinp, const float *dout, int B, int ny, int nx, int C) {
  int fy = ny > 1 ? 2 : 1, Ny = ny * fy, Nx = nx * 2;
  for (int b = 0; b < B; b++)
    for (int y = 0; y < Ny; y++)
      for (int x = 0; x < Nx; x++) {
        const float *src = dout + (((size_t)b * Ny + y) * Nx + x) * C;
        float *dst = dinp + (((size_t)b * ny + y / fy) * nx + x / 2) * C;
        for (int c = 0; c < C; c++) dst[c] += src[c];
      }
}

#include "nn/film.h"

#include <stddef.h>
#include <string.h>

#include "nn/layers.h"

/* Both passes go row by row (one grid point's C channels), so that each row
   is scaled and activated while it is in cache: the activations of a grid
   network are too large for one pass per operation. */

void film_silu_forward(float *y, float *am, float *gamma, const float *a, const float *z,
                       const float *G, const float *g, int B, int N, int C, int P) {
  if (P)
    linear_forward(gamma, z, G, g, B, P, C);
  else
    for (int b = 0; b < B; b++) memcpy(gamma + (size_t)b * C, g, (size_t)C * sizeof(float));
  for (int b = 0; b < B; b++) {
    const float *gm = gamma + (size_t)b * C;
    for (int n = 0; n < N; n++) {
      size_t r = ((size_t)b * N + n) * C;
      for (int c = 0; c < C; c++) am[r + c] = a[r + c] * (1.0f + gm[c]);
      silu_forward(y + r, am + r, (size_t)C);
    }
  }
}

void film_silu_backward(float *da, float *dG, float *dg, float *dam, float *dgamma, const float *dy,
                        const float *a, const float *am, const float *gamma, const float *z, int B,
                        int N, int C, int P) {
  memset(dgamma, 0, (size_t)B * C * sizeof(float));
  for (int b = 0; b < B; b++) {
    const float *gm = gamma + (size_t)b * C;
    float *dgm = dgamma + (size_t)b * C;
    for (int n = 0; n < N; n++) {
      size_t r = ((size_t)b * N + n) * C;
      memset(dam + r, 0, (size_t)C * sizeof(float));
      silu_backward(dam + r, dy + r, am + r, (size_t)C);
      for (int c = 0; c < C; c++) {
        dgm[c] += dam[r + c] * a[r + c];
        if (da) da[r + c] += dam[r + c] * (1.0f + gm[c]);
      }
    }
  }
  if (P)
    linear_backward(NULL, dG, dg, dgamma, z, NULL, B, P, C);
  else
    for (int b = 0; b < B; b++) add_inplace(dg, dgamma + (size_t)b * C, (size_t)C);
}

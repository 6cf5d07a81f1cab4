/* gaussian_blobs — the published blob initial condition on a periodic grid
 * (see gaussian_blobs.h). */
#include "pde/gaussian_blobs.h"

#include <math.h>
#include <string.h>

void gaussian_blobs_field(const double *species_params, size_t n, double *field) {
  memset(field, 0, n * n * sizeof(double));
  for (int j = 0; j < GAUSSIAN_BLOBS_COUNT; j++) {
    const double *b = species_params + j * GAUSSIAN_BLOBS_FIELDS;
    const double amplitude = b[BLOB_AMPLITUDE] / GAUSSIAN_BLOBS_COUNT;
    if (amplitude == 0) continue;
    const double sx = b[BLOB_SIGMA_X], sy = b[BLOB_SIGMA_Y], rho = b[BLOB_CORRELATION];
    /* d' S^-1 d = (dx^2 / sx^2 - 2 rho dx dy / (sx sy) + dy^2 / sy^2) / (1 - rho^2) */
    const double scale = -0.5 / (1 - rho * rho);
    const double qxx = scale / (sx * sx), qyy = scale / (sy * sy),
                 qxy = -2 * rho * scale / (sx * sy);
    for (size_t r = 0; r < n; r++)
      for (size_t c = 0; c < n; c++) {
        const double px = (double)c / (double)n - b[BLOB_X], py = (double)r / (double)n - b[BLOB_Y];
        double g = 0;
        for (int iy = -1; iy <= 1; iy++)
          for (int ix = -1; ix <= 1; ix++) {
            const double dx = px + ix, dy = py + iy;
            g += exp(qxx * dx * dx + qxy * dx * dy + qyy * dy * dy);
          }
        field[r * n + c] += amplitude * g;
      }
  }
}

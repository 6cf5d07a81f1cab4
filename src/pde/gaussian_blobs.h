/* gaussian_blobs — the Gaussian-blob initial condition of the published
 * Gray–Scott scenario: for each of two species, GAUSSIAN_BLOBS_COUNT blobs
 * of 6 parameters each, in this order (coordinates as fractions of the box
 * side; x along grid columns, y along rows):
 *
 *   amplitude A in [0, 1], sigma_x, sigma_y in [0.07071, 0.1],
 *   correlation rho in [0, 0.1], centre x, y in [0.2, 0.8].
 *
 * A species' field is the amplitude-weighted mean of its blobs,
 *   b(p) = (1 / COUNT) sum_j A_j exp(-1/2 d_j' S_j^-1 d_j),
 *   S_j = [[sx^2, rho sx sy], [rho sx sy, sy^2]],  d_j = p - centre_j,
 * and the published Gray–Scott state starts at u0 = 1 - b_u, v0 = b_v
 * (the first species inverted). One difference from the published code:
 * the Gaussians are summed over the 3 x 3 nearest periodic images, so b is
 * smooth across the boundary of the periodic box (evaluated without images,
 * a blob 2 sigma from an edge leaves a jump of e^-2 of its height there). */
#ifndef OGAS_PDE_GAUSSIAN_BLOBS_H
#define OGAS_PDE_GAUSSIAN_BLOBS_H

#include <stddef.h>

enum {
  GAUSSIAN_BLOBS_COUNT = 8,
  GAUSSIAN_BLOBS_FIELDS = 6,
  GAUSSIAN_BLOBS_PER_SPECIES = GAUSSIAN_BLOBS_COUNT * GAUSSIAN_BLOBS_FIELDS, /* 48 */
  GAUSSIAN_BLOBS_NB_PARAMS = 2 * GAUSSIAN_BLOBS_PER_SPECIES                  /* 96 */
};
enum { BLOB_AMPLITUDE, BLOB_SIGMA_X, BLOB_SIGMA_Y, BLOB_CORRELATION, BLOB_X, BLOB_Y };

/* Initialiser lists of names ("u_blob0_amplitude", ..., "v_blob7_y") and
 * bounds, so that a problem can append its physical parameters. */
#define GAUSSIAN_BLOB_NAMES_(s, j)                                                \
#s "_blob" #j "_amplitude", #s "_blob" #j "_sigma_x", #s "_blob" #j "_sigma_y", \
      #s "_blob" #j "_correlation", #s "_blob" #j "_x", #s "_blob" #j "_y"
#define GAUSSIAN_BLOB_SPECIES_NAMES_(s)                                                   \
  GAUSSIAN_BLOB_NAMES_(s, 0), GAUSSIAN_BLOB_NAMES_(s, 1), GAUSSIAN_BLOB_NAMES_(s, 2),     \
      GAUSSIAN_BLOB_NAMES_(s, 3), GAUSSIAN_BLOB_NAMES_(s, 4), GAUSSIAN_BLOB_NAMES_(s, 5), \
      GAUSSIAN_BLOB_NAMES_(s, 6), GAUSSIAN_BLOB_NAMES_(s, 7)
#define GAUSSIAN_BLOBS_PARAM_NAMES GAUSSIAN_BLOB_SPECIES_NAMES_(u), GAUSSIAN_BLOB_SPECIES_NAMES_(v)
#define GAUSSIAN_BLOB_LOWER_ 0, 0.07071, 0.07071, 0, 0.2, 0.2
#define GAUSSIAN_BLOB_UPPER_ 1, 0.1, 0.1, 0.1, 0.8, 0.8
#define GAUSSIAN_BLOBS_16_(b) b, b, b, b, b, b, b, b, b, b, b, b, b, b, b, b
#define GAUSSIAN_BLOBS_LOWER GAUSSIAN_BLOBS_16_(GAUSSIAN_BLOB_LOWER_)
#define GAUSSIAN_BLOBS_UPPER GAUSSIAN_BLOBS_16_(GAUSSIAN_BLOB_UPPER_)

/* b on the n x n grid nodes (i, j) / n of the unit box, row-major (y, x),
 * for one species' GAUSSIAN_BLOBS_PER_SPECIES parameters. The correlation
 * must be in (-1, 1). */
void gaussian_blobs_field(const double *species_params, size_t n, double *field);

#endif

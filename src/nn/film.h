/* film — FiLM channel scales (Perez et al., 2018) followed by SiLU, the way
 * the grid surrogates (FNO, UNet) let the simulation parameters z act:
 *
 *   gamma = G z + g                       (B, C): one scale per sample and channel
 *   am    = a ⊙ (1 + gamma)               a, am (B, N, C): N grid points, channels last
 *   y     = silu(am)
 *
 * Scales only (no shift), so that a = 0 gives y = 0. G is (C, P) row-major
 * (P = 0: gamma = g for every sample). The backward pass accumulates into
 * dG, dg and da:
 *   dam = silu'(am) dy,  dgamma[b][c] = Σ_n dam·a,  da = dam ⊙ (1 + gamma). */
#ifndef OGAS_NN_FILM_H
#define OGAS_NN_FILM_H

/* gamma (B, C) and am, y (B, N, C) from a (B, N, C) and z (B, P). */
void film_silu_forward(float *y, float *am, float *gamma, const float *a, const float *z,
                       const float *G, const float *g, int B, int N, int C, int P);
/* da += (skipped when NULL), dG += , dg += ; dam (B, N, C) and dgamma (B, C)
   are scratch. */
void film_silu_backward(float *da, float *dG, float *dg, float *dam, float *dgamma, const float *dy,
                        const float *a, const float *am, const float *gamma, const float *z, int B,
                        int N, int C, int P);

#endif

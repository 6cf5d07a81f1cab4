/* box_prior — the exact noise predictor for data spread uniformly over the
 * box [-1, 1]^d, which the denoiser corrects instead of starting from zero.
 *
 * For z0 ~ U[-1, 1] per coordinate and z_t = a z0 + s eps (a = sqrt(abar_t),
 * s = sqrt(1 - abar_t)), the posterior of z0 given z_t is N(z_t/a, (s/a)²)
 * truncated to [-1, 1], and the Bayes-optimal noise prediction is
 *
 *   E[eps | z_t] = (z_t - a E[z0 | z_t]) / s = (phi(beta) - phi(alpha)) / (Phi(beta) - Phi(alpha)),
 *   alpha = (-a - z_t)/s,  beta = (a - z_t)/s,
 *
 * minus the mean of a standard normal truncated to [alpha, beta]. With this
 * base, a denoiser whose correction is zero samples exactly the uniform
 * distribution of the box (up to discretisation), so an untrained model
 * breeds like the space-filling sampler, and in high dimension the network
 * spends its capacity on the few coordinates where the data differ from
 * uniform instead of relearning the box in every coordinate. */
#ifndef OGAS_DDPM_BOX_PRIOR_H
#define OGAS_DDPM_BOX_PRIOR_H

#include <stddef.h>

/* E[eps | z_t] for one coordinate (a > 0, s > 0), in float with a relative
   error of a few 1e-6 (tests/test_box_prior.c compares it with a double
   reference). */
float box_prior_eps1(float z_t, float a, float s);

/* eps[i] = E[eps | z_t[i]] for n values at one noise level. */
void box_prior_eps(const float *z_t, size_t n, float a, float s, float *eps);
/* eps[i] += E[eps | z_t[i]] (the sampler's correction plus its base). */
void box_prior_eps_add(const float *z_t, size_t n, float a, float s, float *eps);

#endif

/* schedule — the DDPM noise schedule over T steps (SPEC §4).
 *
 * cosine (Nichol & Dhariwal 2021): abar(t) = f(t)/f(0),
 *   f(t) = cos²(((t/T) + s)/(1 + s)·π/2), s = 0.008,
 *   beta_t = min(1 - abar(t+1)/abar(t), 0.999);
 * linear (Ho et al. 2020): beta_t evenly spaced in [beta_start, beta_end].
 * Then alpha_t = 1 - beta_t, abar_t = Π_{s<=t} alpha_s, and the posterior
 * variance beta~_t = beta_t (1 - abar_{t-1})/(1 - abar_t) (beta~_0 = 0). */
#ifndef OGAS_DDPM_SCHEDULE_H
#define OGAS_DDPM_SCHEDULE_H

typedef enum { SCHEDULE_COSINE, SCHEDULE_LINEAR } schedule_kind;

typedef struct {
  int T;
  double *beta, *alpha, *abar, *beta_tilde; /* T entries each */
  double *sqrt_abar, *sqrt_one_minus_abar;
} noise_schedule;

/* 0 on success, -1 on bad arguments or allocation failure. */
int schedule_create(noise_schedule *s, schedule_kind kind, int T, double beta_start,
                    double beta_end);
void schedule_free(noise_schedule *s);

#endif

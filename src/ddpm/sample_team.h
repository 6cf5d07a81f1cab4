/* sample_team — guided sampling split over threads by candidates: member k
 * draws candidates [n k / K, n (k+1) / K) with its own sampler (workspace)
 * and its own random stream, seeded from the caller's generator, so that K
 * cores each run the reverse process on their share with one-thread BLAS
 * calls instead of OpenBLAS synchronising inside every product. The draws
 * differ from a one-thread call's (other random streams) but follow the same
 * law, and for a given K they are the same on every run. OpenBLAS must run
 * one thread per call (blas_set_threads(1)). */
#ifndef OGAS_DDPM_SAMPLE_TEAM_H
#define OGAS_DDPM_SAMPLE_TEAM_H

#include "ddpm/ddpm.h"

typedef struct sample_team sample_team;

/* K (2..64) samplers for up to max_samples candidates in all. NULL on failure. */
sample_team *sample_team_create(const ddpm_config *cfg, int max_samples, int threads);
void sample_team_free(sample_team *team);

/* ddpm_sample's contract (ddpm.h), the candidates split over the team: starts
   K - 1 threads for the call and joins them. Returns 0, or -1 when n is out
   of range or a thread cannot be started (then nothing is drawn). */
int sample_team_run(sample_team *team, const float *params, const float *c, int n, float guidance,
                    int ddim_steps, ogas_rng *rng, float *out);

#endif

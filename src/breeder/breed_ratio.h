/* breed_ratio — the breed-ratio schedule of SPEC §5, shared by the breeder
 * and the study's Breed baseline:
 *
 *   R_g = linspace(start, end, K)[min(g, K - 1)],  K = max(breakpoint, 2),
 *
 * g the generation being created (the pre-populated table is generation 0).
 * Computed as numpy computes linspace (i·step + start, the endpoint exact),
 * so that floor(n·R_g) matches the reference breeder child for child. */
#ifndef OGAS_BREEDER_BREED_RATIO_H
#define OGAS_BREEDER_BREED_RATIO_H

#include <stdint.h>

double breed_ratio_at(double start, double end, int64_t breakpoint, int64_t generation);

#endif

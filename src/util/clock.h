/* clock — the two clocks ogas measures itself with, in seconds:
 * thread_cpu_s, the CPU consumed by the calling thread
 * (CLOCK_THREAD_CPUTIME_ID: what the breeder's trainer, the samplers and the
 * study runner charge to themselves), and wall_s, a monotonic wall clock
 * (CLOCK_MONOTONIC: durations that a change of the system time cannot
 * distort). */
#ifndef OGAS_UTIL_CLOCK_H
#define OGAS_UTIL_CLOCK_H

double thread_cpu_s(void);
double wall_s(void);

#endif

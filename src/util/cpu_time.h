/* cpu_time — CPU seconds consumed by the calling thread
 * (CLOCK_THREAD_CPUTIME_ID): what the breeder's trainer, the samplers and the
 * study runner charge to themselves. */
#ifndef OGAS_UTIL_CPU_TIME_H
#define OGAS_UTIL_CPU_TIME_H

double thread_cpu_s(void);

#endif

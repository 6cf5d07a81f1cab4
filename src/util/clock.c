/* clock — see clock.h. */
#include "util/clock.h"

#include <time.h>

static double seconds(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double thread_cpu_s(void) { return seconds(CLOCK_THREAD_CPUTIME_ID); }

double wall_s(void) { return seconds(CLOCK_MONOTONIC); }

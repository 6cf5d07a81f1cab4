/* cpu_time — see cpu_time.h. */
#include "util/cpu_time.h"

#include <time.h>

double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* breed_ratio — see breed_ratio.h. */
#include "breeder/breed_ratio.h"

double breed_ratio_at(double start, double end, int64_t breakpoint, int64_t generation) {
  int64_t K = breakpoint > 2 ? breakpoint : 2;
  int64_t i = generation < K - 1 ? generation : K - 1;
  if (i < 0) i = 0;
  if (i == K - 1) return end;
  double step = (end - start) / (double)(K - 1);
  return (double)i * step + start;
}

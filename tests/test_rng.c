/* RNG: exact save/restore, stream independence, moments of the draws. */
#include <string.h>

#include "check.h"
#include "nn/rng.h"

int main(void) {
  ogas_rng a, b;
  ogas_rng_seed(&a, 42, 0);
  for (int i = 0; i < 7; i++) ogas_rng_normal(&a); /* leaves a spare pending */
  ogas_rng saved = a;
  double first[100];
  for (int i = 0; i < 100; i++) first[i] = ogas_rng_normal(&a) + ogas_rng_uniform(&a);
  a = saved;
  int same = 1;
  for (int i = 0; i < 100; i++) same &= (first[i] == ogas_rng_normal(&a) + ogas_rng_uniform(&a));
  CHECK_MSG(same, "restored stream must replay the same draws");

  /* Same seed, same stream: identical; other stream or seed: different. */
  ogas_rng_seed(&a, 42, 3);
  ogas_rng_seed(&b, 42, 3);
  CHECK(ogas_rng_u64(&a) == ogas_rng_u64(&b));
  ogas_rng_seed(&b, 42, 4);
  CHECK(ogas_rng_u64(&a) != ogas_rng_u64(&b));
  ogas_rng_seed(&b, 43, 3);
  CHECK(ogas_rng_u64(&a) != ogas_rng_u64(&b));

  /* Moments: mean 0, variance 1, kurtosis 3 within sampling error (n = 2e5). */
  ogas_rng_seed(&a, 7, 0);
  const int n = 200000;
  double s1 = 0, s2 = 0, s4 = 0, u1 = 0;
  for (int i = 0; i < n; i++) {
    double x = ogas_rng_normal(&a);
    s1 += x, s2 += x * x, s4 += x * x * x * x;
    u1 += ogas_rng_uniform(&a);
  }
  CHECK(fabs(s1 / n) < 0.01);
  CHECK(fabs(s2 / n - 1.0) < 0.015);
  CHECK(fabs(s4 / n - 3.0) < 0.08);
  CHECK(fabs(u1 / n - 0.5) < 0.005);

  /* below(n) is uniform over 0..n-1: chi-square over 10 bins. */
  long counts[10] = {0};
  for (int i = 0; i < 100000; i++) counts[ogas_rng_below(&a, 10)]++;
  double chi2 = 0;
  for (int k = 0; k < 10; k++) chi2 += (counts[k] - 1e4) * (counts[k] - 1e4) / 1e4;
  CHECK_MSG(chi2 < 27.9, "chi2 = %g (p = 0.001 bound for 9 dof)", chi2);

  /* A shuffle is a permutation. */
  int64_t idx[50], seen[50];
  for (int i = 0; i < 50; i++) idx[i] = i;
  ogas_rng_shuffle_i64(&a, idx, 50);
  memset(seen, 0, sizeof seen);
  for (int i = 0; i < 50; i++) seen[idx[i]]++;
  int perm = 1;
  for (int i = 0; i < 50; i++) perm &= seen[i] == 1;
  CHECK(perm);
  return check_exit("test_rng");
}

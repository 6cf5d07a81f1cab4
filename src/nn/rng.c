#include "nn/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void ogas_rng_seed(ogas_rng *r, uint64_t seed, uint64_t stream_id) {
  uint64_t x = seed;
  uint64_t mixed = splitmix64(&x) ^ (stream_id * 0xd1342543de82ef95ULL);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&mixed);
  r->spare = 0.0;
  r->has_spare = 0;
}

uint64_t ogas_rng_u64(ogas_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double ogas_rng_uniform(ogas_rng *r) { return (double)(ogas_rng_u64(r) >> 11) * 0x1.0p-53; }

uint64_t ogas_rng_below(ogas_rng *r, uint64_t n) {
  /* Lemire: multiply-shift with rejection of the biased low band. */
  unsigned __int128 m = (unsigned __int128)ogas_rng_u64(r) * n;
  uint64_t low = (uint64_t)m;
  if (low < n) {
    uint64_t threshold = -n % n;
    while (low < threshold) {
      m = (unsigned __int128)ogas_rng_u64(r) * n;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

double ogas_rng_normal(ogas_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * ogas_rng_uniform(r) - 1.0;
    v = 2.0 * ogas_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * log(s) / s);
  r->spare = v * f;
  r->has_spare = 1;
  return u * f;
}

void ogas_rng_normal_fill(ogas_rng *r, float *x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = (float)ogas_rng_normal(r);
}

void ogas_rng_shuffle_i64(ogas_rng *r, int64_t *idx, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)ogas_rng_below(r, i);
    int64_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
  }
}

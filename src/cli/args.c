#include "cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int arg_long(const char *opt, const char *text, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = text ? strtol(text, &end, 10) : 0;
  if (!text || end == text || *end || errno || v < lo || v > hi) {
    fprintf(stderr, "ogas: %s expects an integer in [%ld, %ld], got '%s'\n", opt, lo, hi,
            text ? text : "");
    return -1;
  }
  *out = v;
  return 0;
}

int arg_double(const char *opt, const char *text, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double v = text ? strtod(text, &end) : 0;
  if (!text || end == text || *end || errno || !isfinite(v) || v < lo || v > hi) {
    fprintf(stderr, "ogas: %s expects a number in [%g, %g], got '%s'\n", opt, lo, hi,
            text ? text : "");
    return -1;
  }
  *out = v;
  return 0;
}

/* A decimal seed at *p (digits only), advancing *p. */
static int seed_at(const char **p, uint64_t *out) {
  if (**p < '0' || **p > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(*p, &end, 10);
  if (errno) return -1;
  *p = end, *out = v;
  return 0;
}

int arg_seed_list(const char *opt, const char *text, uint64_t base, size_t max, uint64_t *out,
                  size_t *n) {
  *n = 0;
  const char *why = "expects a count N or a list of seeds and ranges such as 100-104 or 0,3,7-9";
  if (text && !strpbrk(text, ",-")) { /* a count */
    long count;
    char *end;
    errno = 0;
    count = strtol(text, &end, 10);
    if (end == text || *end || errno || count < 1 || (size_t)count > max ||
        base > UINT64_MAX - (uint64_t)count) {
      fprintf(stderr, "ogas: %s %s (a count in [1, %zu]), got '%s'\n", opt, why, max, text);
      return -1;
    }
    for (long i = 0; i < count; i++) out[(*n)++] = base + (uint64_t)i;
    return 0;
  }
  const char *p = text ? text : "";
  while (*p) {
    uint64_t a, b;
    if (seed_at(&p, &a)) goto bad;
    b = a;
    if (*p == '-') {
      p++;
      if (seed_at(&p, &b) || b < a) goto bad;
    }
    if (*p == ',')
      p++;
    else if (*p)
      goto bad;
    for (uint64_t s = a;; s++) {
      for (size_t i = 0; i < *n; i++)
        if (out[i] == s) {
          fprintf(stderr, "ogas: %s: seed %llu is listed twice in '%s'\n", opt,
                  (unsigned long long)s, text);
          return -1;
        }
      if (*n == max) {
        fprintf(stderr, "ogas: %s: at most %zu seeds, got more in '%s'\n", opt, max, text);
        return -1;
      }
      out[(*n)++] = s;
      if (s == b) break;
    }
  }
  if (*n) return 0;
bad:
  fprintf(stderr, "ogas: %s %s, got '%s'\n", opt, why, text ? text : "");
  *n = 0;
  return -1;
}

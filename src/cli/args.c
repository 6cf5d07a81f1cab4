#include "cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

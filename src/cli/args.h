/* args — strict parsing of numeric command-line values: the whole string
   must be a number in [lo, hi]; otherwise a message names the option. */
#ifndef OGAS_CLI_ARGS_H
#define OGAS_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

int arg_long(const char *opt, const char *text, long lo, long hi, long *out);
int arg_double(const char *opt, const char *text, double lo, double hi, double *out);

/* Seeds: a plain count "N" means base, base+1, ... base+N-1 (1 <= N <= max);
   anything else is a comma-separated list of seeds and inclusive ranges
   A-B ("100-104", "0,3,7-9", "5," for the single seed 5), at most max seeds,
   none repeated. 0, or -1 with a message naming the option. */
int arg_seed_list(const char *opt, const char *text, uint64_t base, size_t max, uint64_t *out,
                  size_t *n);

#endif

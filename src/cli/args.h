/* args — strict parsing of numeric command-line values: the whole string
   must be a number in [lo, hi]; otherwise a message names the option. */
#ifndef OGAS_CLI_ARGS_H
#define OGAS_CLI_ARGS_H

int arg_long(const char *opt, const char *text, long lo, long hi, long *out);
int arg_double(const char *opt, const char *text, double lo, double hi, double *out);

#endif

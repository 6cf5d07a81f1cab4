/* config_check — the range and cross-key rules of a breeder config, shared by
   the reader (which checks each value as it reads it, then the whole) and
   ogas_config_validate (configs built in code).
 *
 * Messages are one line, "config: " then the key path spelled as in the
 * layout being read (config_ctx holds those spellings). Internal. */
#ifndef OGAS_BREEDER_CONFIG_CHECK_H
#define OGAS_BREEDER_CONFIG_CHECK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "breeder/config.h"
#include "breeder/config_fields.h"

/* Where messages go and how the layout spells the study keys. */
typedef struct {
  char *err;
  size_t errlen;
  ogas_cfg_layout layout;
  const char *nb_params_path, *nb_sims_path, *study_prefix, *section_prefix;
} config_ctx;

void config_ctx_init(config_ctx *x, ogas_cfg_layout layout, char *err, size_t errlen);

/* "config: <message>" into the error buffer; returns OGAS_EINVAL. */
int config_fail(config_ctx *x, const char *fmt, ...);
int config_vfail(config_ctx *x, const char *fmt, va_list ap);
/* "config: out of memory"; returns OGAS_ENOMEM. */
int config_out_of_memory(config_ctx *x);

/* A value of field f at path outside its range: "<path>: expected <range>,
   got <got>" (above_cap: name the upper end even of an open count range). */
int config_range_error(config_ctx *x, const field_spec *f, const char *path, const char *got,
                       bool above_cap);
int config_check_int(config_ctx *x, const field_spec *f, const char *path, int64_t v);
int config_check_real(config_ctx *x, const field_spec *f, const char *path, double v);

/* The rules across keys: bounds, names, sampler dimension, then the sections'
   pairs (buffer vs batch, betas, ...). */
int config_check_whole(config_ctx *x, const ogas_config *c);

#endif

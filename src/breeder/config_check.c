/* config_check — ranges of the table's fields and the rules across keys
   (see config_check.h). */
#include "breeder/config_check.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "breeder/space_filling.h"
#include "ogas.h"

void config_ctx_init(config_ctx *x, ogas_cfg_layout layout, char *err, size_t errlen) {
  memset(x, 0, sizeof *x);
  x->err = err;
  x->errlen = errlen;
  x->layout = layout;
  bool melissa = layout == OGAS_CFG_LAYOUT_MELISSA;
  x->nb_params_path = melissa ? "study_options.nb_parameters" : "nb_params";
  x->nb_sims_path = melissa ? "study_options.parameter_sweep_size" : "nb_sims";
  x->study_prefix = melissa ? "study_options." : "";
  x->section_prefix = melissa ? BP : "";
}

int config_vfail(config_ctx *x, const char *fmt, va_list ap) {
  if (x->err && x->errlen) {
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(x->err, x->errlen, "config: %s", msg);
  }
  return OGAS_EINVAL;
}

int config_fail(config_ctx *x, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = config_vfail(x, fmt, ap);
  va_end(ap);
  return rc;
}

int config_out_of_memory(config_ctx *x) {
  if (x->err && x->errlen) snprintf(x->err, x->errlen, "config: out of memory");
  return OGAS_ENOMEM;
}

static bool int_in_range(const field_spec *f, int64_t v) {
  return v >= f->ilo && v <= f->ihi && (!f->even || v % 2 == 0);
}

static bool real_in_range(const field_spec *f, double v) {
  if (!isfinite(v)) return false;
  if (f->lo_kind == BOUND_CLOSED && !(v >= f->lo)) return false;
  if (f->lo_kind == BOUND_OPEN && !(v > f->lo)) return false;
  if (f->hi_kind == BOUND_CLOSED && !(v <= f->hi)) return false;
  if (f->hi_kind == BOUND_OPEN && !(v < f->hi)) return false;
  return true;
}

/* "an integer >= 1", "an even integer in 8..65536", "a number in [0, 1)". */
static void describe_range(const field_spec *f, bool value_above_cap, char *out, size_t n) {
  if (f->kind == KIND_INT) {
    const char *even = f->even ? "even " : "";
    if (f->ihi == CAP_COUNT && !value_above_cap)
      snprintf(out, n, "an %sinteger >= %" PRId64, even, f->ilo);
    else
      snprintf(out, n, "an %sinteger in %" PRId64 "..%" PRId64, even, f->ilo, f->ihi);
    return;
  }
  char lo[40], hi[40];
  config_format_number(f->lo, lo);
  config_format_number(f->hi, hi);
  if (f->lo_kind && f->hi_kind)
    snprintf(out, n, "a number in %c%s, %s%c", f->lo_kind == BOUND_CLOSED ? '[' : '(', lo, hi,
             f->hi_kind == BOUND_CLOSED ? ']' : ')');
  else if (f->lo_kind)
    snprintf(out, n, "a number %s %s", f->lo_kind == BOUND_CLOSED ? ">=" : ">", lo);
  else if (f->hi_kind)
    snprintf(out, n, "a number %s %s", f->hi_kind == BOUND_CLOSED ? "<=" : "<", hi);
  else
    snprintf(out, n, "a finite number");
}

int config_range_error(config_ctx *p, const field_spec *f, const char *path, const char *got,
                       bool above_cap) {
  char want[96];
  describe_range(f, above_cap, want, sizeof want);
  return config_fail(p, "%s: expected %s, got %s", path, want, got);
}

int config_check_int(config_ctx *p, const field_spec *f, const char *path, int64_t v) {
  if (int_in_range(f, v)) return OGAS_OK;
  char got[32];
  snprintf(got, sizeof got, "%" PRId64, v);
  return config_range_error(p, f, path, got, v > f->ihi);
}

int config_check_real(config_ctx *p, const field_spec *f, const char *path, double v) {
  if (real_in_range(f, v)) return OGAS_OK;
  char got[40];
  config_format_number(v, got);
  return config_range_error(p, f, path, got, false);
}

static int check_study(config_ctx *p, const ogas_config *c) {
  const char *sp = p->study_prefix;
  if (c->nb_params < 1 || c->nb_params > MAX_NB_PARAMS)
    return config_fail(p, "%s: expected an integer in 1..%d, got %zu", p->nb_params_path,
                       MAX_NB_PARAMS, c->nb_params);
  if (!c->l_bounds || !c->u_bounds)
    return config_fail(p, "%sl_bounds and %su_bounds must be set", sp, sp);
  for (size_t i = 0; i < c->nb_params; i++) {
    char l[40], u[40];
    config_format_number(c->l_bounds[i], l);
    config_format_number(c->u_bounds[i], u);
    if (!isfinite(c->l_bounds[i]) || !isfinite(c->u_bounds[i]))
      return config_fail(p, "%sl_bounds[%zu] = %s and %su_bounds[%zu] = %s must be finite", sp, i,
                         l, sp, i, u);
    if (!(c->l_bounds[i] < c->u_bounds[i]))
      return config_fail(p, "%sl_bounds[%zu] = %s must be < %su_bounds[%zu] = %s", sp, i, l, sp, i,
                         u);
    /* z = 2(x-l)/(u-l) - 1 needs a finite width. */
    if (!isfinite(c->u_bounds[i] - c->l_bounds[i]))
      return config_fail(p, "%su_bounds[%zu] - %sl_bounds[%zu] overflows a double", sp, i, sp, i);
  }
  const char *names_path =
      p->layout == OGAS_CFG_LAYOUT_MELISSA ? BP "parameter_names" : "parameter_names";
  if (!c->parameter_names) return config_fail(p, "%s must be set", names_path);
  for (size_t i = 0; i < c->nb_params; i++) {
    const char *name = c->parameter_names[i];
    if (!name || !*name)
      return config_fail(p, "%s[%zu]: expected a non-empty string", names_path, i);
    for (size_t j = 0; j < i; j++)
      if (strcmp(c->parameter_names[j], name) == 0)
        return config_fail(p, "%s[%zu] = \"%.60s\" repeats %s[%zu]", names_path, i, name,
                           names_path, j);
  }
  if (c->run_dir && !*c->run_dir)
    return config_fail(p, "run_dir: expected a non-empty string (or null)");
  /* The QMC sequences have direction numbers / primes for so many axes. */
  size_t max_dim = c->non_breed_sampler == OGAS_CFG_SAMPLER_HALTON  ? SF_HALTON_MAX_DIM
                   : c->non_breed_sampler == OGAS_CFG_SAMPLER_SOBOL ? SF_SOBOL_MAX_DIM
                                                                    : MAX_NB_PARAMS;
  if (c->nb_params > max_dim)
    return config_fail(
        p, "%s: \"%s\" draws at most %zu parameters, %s is %zu (use \"uniform\" or \"lhs\")",
        p->layout == OGAS_CFG_LAYOUT_MELISSA ? BP "non_breed_sampler" : "non_breed_sampler",
        ogas_config_sampler_name(c->non_breed_sampler), max_dim, p->nb_params_path, c->nb_params);
  return OGAS_OK;
}

static int check_cross_fields(config_ctx *p, const ogas_config *c) {
  const char *s = p->section_prefix;
  const ogas_config_data *data = &c->data;
  const ogas_config_model *model = &c->model;
  const ogas_config_breeder *breeder = &c->breeder;
  if (data->buffer_size < data->batch_size)
    return config_fail(
        p, "%sdata.buffer_size (%" PRId64 ") must be >= %sdata.batch_size (%" PRId64 ")", s,
        data->buffer_size, s, data->batch_size);
  /* Breeding waits for this many reservoir entries: more than the reservoir
     holds would mean never breeding. */
  if (breeder->min_reservoir_entries > data->buffer_size)
    return config_fail(p,
                       "%sbreeder.min_reservoir_entries (%" PRId64
                       ") must be <= %sdata.buffer_size (%" PRId64 ")",
                       s, breeder->min_reservoir_entries, s, data->buffer_size);
  if (breeder->ratio_weight_max < breeder->ratio_weight_min) {
    char lo[40], hi[40];
    config_format_number(breeder->ratio_weight_min, lo);
    config_format_number(breeder->ratio_weight_max, hi);
    return config_fail(p,
                       "%sbreeder.ratio_weight_max (%s) must be >= %sbreeder.ratio_weight_min (%s)",
                       s, hi, s, lo);
  }
  /* Unused settings are not held against the user: betas only matter for the
     linear schedule, ddim_steps only for the DDIM sampler. */
  if (model->noise_schedule == OGAS_CFG_SCHEDULE_LINEAR && !(model->beta_start < model->beta_end)) {
    char lo[40], hi[40];
    config_format_number(model->beta_start, lo);
    config_format_number(model->beta_end, hi);
    return config_fail(
        p, "%smodel.beta_start (%s) must be < %smodel.beta_end (%s) for the linear schedule", s, lo,
        s, hi);
  }
  if (model->sampler == OGAS_CFG_DDPM_SAMPLER_DDIM && model->ddim_steps > model->timesteps)
    return config_fail(
        p, "%smodel.ddim_steps (%" PRId64 ") must be <= %smodel.timesteps (%" PRId64 ")", s,
        model->ddim_steps, s, model->timesteps);
  return OGAS_OK;
}

/* Every table field within its range (for configs built in code). */
static int check_fields(config_ctx *p, const ogas_config *c) {
  for (size_t i = 0; i < config_n_fields; i++) {
    const field_spec *f = &config_fields[i];
    char path[128];
    if (f->section)
      snprintf(path, sizeof path, "%s%s.%s", p->section_prefix, f->section, f->name);
    else
      snprintf(path, sizeof path, "%s", f->name);
    int rc = OGAS_OK;
    switch (f->kind) {
      case KIND_INT:
        rc = config_check_int(p, f, path, get_i64(c, f));
        break;
      case KIND_REAL:
        rc = config_check_real(p, f, path, get_f64(c, f));
        break;
      case KIND_BOOL:
        break;
      case KIND_ENUM: {
        int e = get_enum(c, f);
        if (e < 0 || (size_t)e >= config_n_choices(f->choices))
          rc = config_fail(p, "%s: invalid enum value %d", path, e);
        break;
      }
    }
    if (rc) return rc;
  }
  return OGAS_OK;
}

int config_check_whole(config_ctx *x, const ogas_config *c) {
  int rc = check_study(x, c);
  if (!rc) rc = check_cross_fields(x, c);
  return rc;
}

int ogas_config_validate(const ogas_config *c, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  config_ctx x;
  config_ctx_init(&x, OGAS_CFG_LAYOUT_NATIVE, err, errlen);
  if (!c) return config_fail(&x, "no config given");
  int rc = check_fields(&x, c);
  if (!rc) rc = config_check_whole(&x, c);
  return rc;
}

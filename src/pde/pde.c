/* pde — the problem registry and the checks and bookkeeping shared by all
 * solvers (see pde.h for the contract, pde_impl.h for the solver side). */
#include "pde/pde_impl.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const pde_problem *const registry[] = {&pde_problem_ks1d,        &pde_problem_burgers1d,
                                              &pde_problem_grayscott2d, &pde_problem_heat2d,
                                              &pde_problem_ks2d,        &pde_problem_kolmogorov2d};
enum { REGISTRY_SIZE = sizeof registry / sizeof registry[0] };

/* The one piece of process-wide state: FFTW's planner is global and not
 * thread-safe, so plan creation and destruction take this lock. */
static pthread_mutex_t fftw_planner_mutex = PTHREAD_MUTEX_INITIALIZER;

void pde_fftw_lock(void) { pthread_mutex_lock(&fftw_planner_mutex); }
void pde_fftw_unlock(void) { pthread_mutex_unlock(&fftw_planner_mutex); }

const pde_problem *pde_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < REGISTRY_SIZE; i++)
    if (strcmp(registry[i]->name, name) == 0) return registry[i];
  return NULL;
}

size_t pde_count(void) { return REGISTRY_SIZE; }
const pde_problem *pde_at(size_t i) { return i < REGISTRY_SIZE ? registry[i] : NULL; }

const char *pde_name(const pde_problem *p) { return p->name; }
const char *pde_description(const pde_problem *p) { return p->description; }
size_t pde_nb_params(const pde_problem *p) { return p->nb_params; }
const double *pde_lower(const pde_problem *p) { return p->lower; }
const double *pde_upper(const pde_problem *p) { return p->upper; }
const char *pde_param_name(const pde_problem *p, size_t i) {
  return i < p->nb_params ? p->param_names[i] : NULL;
}
void pde_shape(const pde_problem *p, size_t grid, size_t *channels, size_t *ny, size_t *nx) {
  if (grid == 0) grid = p->default_grid;
  if (channels) *channels = p->channels;
  if (ny) *ny = p->dims == 2 ? grid : 1;
  if (nx) *nx = grid;
}

size_t pde_state_size(const pde_problem *p) {
  size_t c, ny, nx;
  pde_shape(p, 0, &c, &ny, &nx);
  return c * ny * nx;
}
size_t pde_default_n_steps(const pde_problem *p) { return p->default_n_steps; }
double pde_default_dt_output(const pde_problem *p) { return p->default_dt_output; }
size_t pde_default_warmup_steps(const pde_problem *p) { return p->default_warmup_steps; }

static int resolve_options(const pde_problem *p, const pde_options *opt, pde_resolved_options *r,
                           char *err, size_t errlen) {
  const pde_options none = {0};
  if (!opt) opt = &none;
  r->grid = opt->grid ? opt->grid : p->default_grid;
  r->n_steps = opt->n_steps ? opt->n_steps : p->default_n_steps;
  r->substeps = opt->substeps ? opt->substeps : p->default_substeps;
  r->dt_output = opt->dt_output != 0 ? opt->dt_output : p->default_dt_output;
  r->warmup_steps = opt->warmup_steps > 0    ? (size_t)opt->warmup_steps
                    : opt->warmup_steps == 0 ? p->default_warmup_steps
                                             : 0;
  r->allow_outside_box = opt->allow_outside_box != 0;
  if (r->grid < p->min_grid || r->grid > p->max_grid || (p->grid_must_be_even && r->grid % 2))
    return status_msg(PDE_EINVAL, err, errlen, "%s: option grid = %zu must be %sin [%zu, %zu]",
                      p->name, r->grid, p->grid_must_be_even ? "even and " : "", p->min_grid,
                      p->max_grid);
  if (!(r->dt_output > 0) || !isfinite(r->dt_output))
    return status_msg(PDE_EINVAL, err, errlen,
                      "%s: option dt_output = %g must be positive and finite", p->name,
                      r->dt_output);
  if (r->warmup_steps > 1000000)
    return status_msg(PDE_EINVAL, err, errlen, "%s: option warmup_steps = %zu is above 1000000",
                      p->name, r->warmup_steps);
  if (r->substeps > 1000000)
    return status_msg(PDE_EINVAL, err, errlen, "%s: option substeps = %zu is above 1000000",
                      p->name, r->substeps);
  return PDE_OK;
}

static int check_params(const pde_problem *p, const double *params, int allow_outside_box,
                        char *err, size_t errlen) {
  for (size_t i = 0; i < p->nb_params; i++) {
    if (!isfinite(params[i]))
      return status_msg(PDE_EINVAL, err, errlen, "%s: parameter '%s' is not finite", p->name,
                        p->param_names[i]);
    if (!allow_outside_box && (params[i] < p->lower[i] || params[i] > p->upper[i]))
      return status_msg(PDE_EINVAL, err, errlen, "%s: parameter '%s' = %g is outside [%g, %g]",
                        p->name, p->param_names[i], params[i], p->lower[i], p->upper[i]);
  }
  return allow_outside_box ? p->check_physical(params, err, errlen) : PDE_OK;
}

int pde_sim_create(const pde_problem *p, const double *params, const pde_options *opt,
                   pde_sim **out, char *err, size_t errlen) {
  if (err && errlen) err[0] = '\0';
  if (!out) return status_msg(PDE_EINVAL, err, errlen, "pde: out is NULL");
  *out = NULL;
  if (!p || !params) return status_msg(PDE_EINVAL, err, errlen, "pde: problem or params is NULL");
  pde_resolved_options r;
  int status = resolve_options(p, opt, &r, err, errlen);
  if (status == PDE_OK) status = check_params(p, params, r.allow_outside_box, err, errlen);
  if (status != PDE_OK) return status;

  pde_sim *s = NULL;
  status = p->create(params, &r, &s, err, errlen);
  if (status != PDE_OK) return status;
  s->problem = p;
  pde_shape(p, r.grid, &s->channels, &s->ny, &s->nx);
  s->state_size = s->channels * s->ny * s->nx;
  s->n_steps = r.n_steps;
  s->steps_done = 0;
  s->dt_output = r.dt_output;
  s->state_buf = malloc(s->state_size * sizeof(double));
  if (!s->state_buf) {
    pde_sim_free(s);
    return status_msg(PDE_ENOMEM, err, errlen, "%s: out of memory", p->name);
  }
  for (size_t i = 0; i < r.warmup_steps && status == PDE_OK; i++) status = p->advance(s);
  if (status == PDE_OK && r.warmup_steps) {
    p->read_state(s, s->state_buf);
    for (size_t i = 0; i < s->state_size; i++)
      if (!isfinite(s->state_buf[i])) status = PDE_ERANGE;
  }
  if (status != PDE_OK) {
    pde_sim_free(s);
    return status_msg(status, err, errlen,
                      "%s: the solution stopped being finite during the "
                      "%zu warmup steps",
                      p->name, r.warmup_steps);
  }
  *out = s;
  return PDE_OK;
}

static void to_float(const double *x, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = (float)x[i];
}

int pde_sim_step(pde_sim *s, float *state_out) {
  int status = s->problem->advance(s);
  if (status != PDE_OK) return status;
  s->steps_done++;
  s->problem->read_state(s, s->state_buf);
  for (size_t i = 0; i < s->state_size; i++)
    if (!isfinite(s->state_buf[i])) return PDE_ERANGE;
  if (state_out) to_float(s->state_buf, state_out, s->state_size);
  return PDE_OK;
}

void pde_sim_state(const pde_sim *s, float *state_out) {
  s->problem->read_state(s, s->state_buf);
  to_float(s->state_buf, state_out, s->state_size);
}

int pde_sim_set_state(pde_sim *s, const double *state) {
  for (size_t i = 0; i < s->state_size; i++)
    if (!isfinite(state[i])) return PDE_EINVAL;
  s->problem->write_state(s, state);
  return PDE_OK;
}

void pde_sim_free(pde_sim *s) {
  if (!s) return;
  free(s->state_buf);
  s->state_buf = NULL;
  s->problem->destroy(s);
}

const pde_problem *pde_sim_problem(const pde_sim *s) { return s->problem; }
size_t pde_sim_state_size(const pde_sim *s) { return s->state_size; }
void pde_sim_shape(const pde_sim *s, size_t *channels, size_t *ny, size_t *nx) {
  if (channels) *channels = s->channels;
  if (ny) *ny = s->ny;
  if (nx) *nx = s->nx;
}
size_t pde_sim_n_steps(const pde_sim *s) { return s->n_steps; }
size_t pde_sim_steps_done(const pde_sim *s) { return s->steps_done; }
double pde_sim_dt_output(const pde_sim *s) { return s->dt_output; }
double pde_sim_time(const pde_sim *s) { return (double)s->steps_done * s->dt_output; }
double pde_sim_domain_length(const pde_sim *s) { return s->domain_length; }

/* pde_impl — what a solver file provides to the registry in pde.c.
 *
 * A solver defines one const pde_problem (static description plus its
 * operations) and a sim struct whose first member is a pde_sim base. pde.c
 * checks parameters against the box, resolves options to concrete values,
 * and does the bookkeeping (time, step count, float conversion, finiteness
 * check); the solver only builds, advances, reads and writes its state.
 *
 * FFTW's planner keeps global state and is not thread-safe, so every
 * fftw_plan_* and fftw_destroy_plan call goes through pde_fftw_lock/unlock.
 * Executing a plan on the arrays it was made for is thread-safe. */
#ifndef OGAS_PDE_PDE_IMPL_H
#define OGAS_PDE_PDE_IMPL_H

#include <stddef.h>

#include "pde/pde.h"
#include "util/status_msg.h"

#define PDE_PI 3.14159265358979323846

/* Options after defaults are filled in: every field is concrete. */
typedef struct {
  size_t grid, n_steps, substeps, warmup_steps;
  double dt_output;
  int allow_outside_box;
} pde_resolved_options;

struct pde_sim {
  const pde_problem *problem;
  size_t state_size, channels, ny, nx;
  size_t n_steps, steps_done;
  double dt_output, domain_length;
  double *state_buf; /* state_size doubles, owned by pde.c */
};

struct pde_problem {
  const char *name;
  const char *description;
  size_t nb_params;
  const double *lower, *upper;
  const char *const *param_names;
  size_t default_grid, default_n_steps, default_substeps, default_warmup_steps;
  double default_dt_output;
  size_t min_grid, max_grid;
  int grid_must_be_even;
  size_t channels, dims; /* fields per state; 1 or 2 space dimensions */

  /* Physical validity beyond finiteness (used when allow_outside_box lets a
   * parameter leave the box): PDE_OK or PDE_EINVAL with a message. */
  int (*check_physical)(const double *params, char *err, size_t errlen);
  /* Build a sim at the initial condition; must fill the base fields
   * domain_length (pde.c fills the rest). */
  int (*create)(const double *params, const pde_resolved_options *opt, pde_sim **out, char *err,
                size_t errlen);
  /* Advance by one output interval (double precision, internal). */
  int (*advance)(pde_sim *s);
  /* Current state as doubles in the public layout. */
  void (*read_state)(const pde_sim *s, double *out);
  /* Replace the state from doubles in the public layout. */
  void (*write_state)(pde_sim *s, const double *in);
  void (*destroy)(pde_sim *s);
};

extern const pde_problem pde_problem_ks1d;
extern const pde_problem pde_problem_burgers1d;
extern const pde_problem pde_problem_grayscott2d;
extern const pde_problem pde_problem_heat2d;
extern const pde_problem pde_problem_ks2d;
extern const pde_problem pde_problem_kolmogorov2d;

void pde_fftw_lock(void);
void pde_fftw_unlock(void);

#endif

/* pde — the built-in PDE problems that generate data for online studies.
 *
 * A pde_problem is a static description (name, parameter box, state shape,
 * output interval); find one by name with pde_find(). A pde_sim is one
 * running simulation of a problem for one parameter vector: it owns its
 * buffers and FFTW plans, all made at creation, so stepping allocates
 * nothing. The state handed out is single precision (what a surrogate
 * trains on); the solvers integrate in double.
 *
 * State layout: channel-major, then row-major (y, x): for a 2D problem with
 * C channels on an ny x nx grid, value (c, y, x) is at (c * ny + y) * nx + x.
 * 1D problems have ny = 1.
 *
 * Problems (each file header gives the equation, parameters and scales):
 *   ks1d         Kuramoto–Sivashinsky, periodic, ETDRK4 pseudo-spectral
 *   burgers1d    viscous Burgers, periodic, MUSCL finite volume + SSP-RK3
 *   grayscott2d  Gray–Scott reaction–diffusion, periodic, ETDRK4 spectral
 *   heat2d       heat equation on the unit square, Dirichlet, exact in time
 *   ks2d         Kuramoto–Sivashinsky 2D, periodic, ETDRK4 pseudo-spectral
 *   kolmogorov2d Navier–Stokes 2D vorticity, Kolmogorov forcing, ETDRK4
 *
 * Threads: problems are immutable and shareable; a pde_sim is used by one
 * thread at a time, and different sims may be created, stepped and freed
 * from different threads concurrently (FFTW planning is serialised inside).
 * Nothing here aborts or exits; errors come back as status codes with a
 * message in the caller's buffer. */
#ifndef OGAS_PDE_PDE_H
#define OGAS_PDE_PDE_H

#include <stddef.h>

/* Status codes; the values match ogas_status so they convert one to one. */
enum {
  PDE_OK = 0,
  PDE_EINVAL = 1, /* bad argument: unknown option, parameter out of the box */
  PDE_ENOMEM = 2, /* allocation or FFTW planning failed */
  PDE_ERANGE = 6  /* the solution stopped being finite */
};

typedef struct pde_problem pde_problem;
typedef struct pde_sim pde_sim;

/* Per-simulation options; zero-initialise and set what you need
 * (or pass NULL for all defaults). */
typedef struct {
  size_t grid;           /* points per dimension; 0 = problem default */
  size_t n_steps;        /* output steps a study should run; 0 = default */
  double dt_output;      /* time between two outputs; 0 = default */
  size_t substeps;       /* internal steps per output interval; 0 = default.
                            Schemes with a stability-limited step (burgers1d)
                            take at least this many; heat2d is exact in time
                            and ignores it. */
  long warmup_steps;     /* output intervals run inside pde_sim_create before
                            the first state is handed out (a trajectory then
                            starts past the initial transient, as the published
                            2-D scenarios do); 0 = problem default, negative =
                            none. Time and step count start after the warmup. */
  int allow_outside_box; /* nonzero: accept parameters outside the sampling
                            box as long as they are physically valid (e.g.
                            L = 2 for ks1d); used by tests */
} pde_options;

/* Problem lookup: "ks1d", "burgers1d", "grayscott2d", "heat2d", "ks2d",
 * "kolmogorov2d".
 * NULL if the name is unknown. */
const pde_problem *pde_find(const char *name);
/* Enumerate the built-in problems: i in [0, pde_count()). */
size_t pde_count(void);
const pde_problem *pde_at(size_t i);

const char *pde_name(const pde_problem *p);
const char *pde_description(const pde_problem *p); /* one line */
size_t pde_nb_params(const pde_problem *p);
const double *pde_lower(const pde_problem *p); /* nb_params bounds */
const double *pde_upper(const pde_problem *p);
const char *pde_param_name(const pde_problem *p, size_t i); /* NULL if i out of range */
/* Floats in one state at the default grid (e.g. N for 1D, 2*N*N for
 * Gray–Scott's u and v). */
size_t pde_state_size(const pde_problem *p);
/* Shape of a state for a grid of `grid` points per dimension (0 = the
 * default grid): channels x ny x nx, ny = 1 for 1D problems. */
void pde_shape(const pde_problem *p, size_t grid, size_t *channels, size_t *ny, size_t *nx);
size_t pde_default_n_steps(const pde_problem *p);
double pde_default_dt_output(const pde_problem *p);
size_t pde_default_warmup_steps(const pde_problem *p);

/* Start a simulation at the initial condition given by params
 * (nb_params values). On error *out is NULL, err (if errlen > 0) names the
 * offending parameter or option, and the status is PDE_EINVAL, PDE_ENOMEM
 * or PDE_ERANGE (the warmup left a non-finite state). */
int pde_sim_create(const pde_problem *p, const double *params, const pde_options *opt,
                   pde_sim **out, char *err, size_t errlen);
/* Advance one output interval and write the new state (state_out may be
 * NULL). PDE_ERANGE if the state is no longer finite or a stability-limited
 * scheme would need more than 1e8 steps (the sim is then unusable). */
int pde_sim_step(pde_sim *s, float *state_out);
/* The current state; right after create, the initial condition. Uses the
 * sim's scratch buffers: not concurrently with other calls on the same sim. */
void pde_sim_state(const pde_sim *s, float *state_out);
/* Replace the current state (double precision, pde_sim_state_size values,
 * same layout); time and step count go on from where they were. Lets tests
 * start from analytic initial conditions and callers restart a simulation.
 * Spectral solvers keep only the modes they resolve (ks1d drops the modes
 * its 2/3 rule removes). PDE_EINVAL if a value is not finite. */
int pde_sim_set_state(pde_sim *s, const double *state);
void pde_sim_free(pde_sim *s);

const pde_problem *pde_sim_problem(const pde_sim *s);
size_t pde_sim_state_size(const pde_sim *s);
void pde_sim_shape(const pde_sim *s, size_t *channels, size_t *ny, size_t *nx);
size_t pde_sim_n_steps(const pde_sim *s); /* advice for study runners */
size_t pde_sim_steps_done(const pde_sim *s);
double pde_sim_dt_output(const pde_sim *s);
double pde_sim_time(const pde_sim *s); /* steps_done * dt_output */
/* Spatial extent of the domain along x (and y); for 1D problems the domain
 * length along x, e.g. L for ks1d. */
double pde_sim_domain_length(const pde_sim *s);

#endif

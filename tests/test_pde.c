/* pde registry and common interface: every problem is listed and findable,
 * has a sane description, runs its default trajectory (with its default
 * warmup) from the centre of its box and from the corners (without warmup)
 * with finite states; argument errors come back as statuses; simulations
 * created and stepped in parallel threads give the same bits as sequential
 * ones (FFTW planning is serialised inside). */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pde/pde.h"

static void test_registry(void) {
  const char *names[] = {"ks1d", "burgers1d", "grayscott2d", "heat2d", "ks2d", "kolmogorov2d"};
  enum { COUNT = sizeof names / sizeof *names };
  CHECK(pde_count() == COUNT);
  for (size_t i = 0; i < COUNT; i++) {
    const pde_problem *p = pde_find(names[i]);
    CHECK_MSG(p != NULL, "%s not found", names[i]);
    if (!p) continue;
    CHECK(strcmp(pde_name(p), names[i]) == 0);
    CHECK(pde_at(i) == p);
    CHECK(strlen(pde_description(p)) > 10);
    CHECK(pde_default_n_steps(p) > 0 && pde_default_dt_output(p) > 0 && pde_state_size(p) > 0);
    for (size_t j = 0; j < pde_nb_params(p); j++) {
      CHECK(pde_param_name(p, j) != NULL && pde_lower(p)[j] < pde_upper(p)[j]);
      for (size_t k = 0; k < j; k++) CHECK(strcmp(pde_param_name(p, j), pde_param_name(p, k)) != 0);
    }
  }
  CHECK(pde_at(COUNT) == NULL);
  CHECK(pde_find("kolmogorov") == NULL && pde_find(NULL) == NULL && pde_find("") == NULL);
}

enum { MAX_PARAMS = 512 };

/* where = 0: box centre, 1: lower corner, 2: upper corner. */
static void run_default(const pde_problem *p, int where) {
  double params[MAX_PARAMS];
  CHECK(pde_nb_params(p) <= MAX_PARAMS);
  for (size_t j = 0; j < pde_nb_params(p) && j < MAX_PARAMS; j++)
    params[j] = where == 0   ? 0.5 * (pde_lower(p)[j] + pde_upper(p)[j])
                : where == 1 ? pde_lower(p)[j]
                             : pde_upper(p)[j];
  char err[256];
  pde_sim *s = NULL;
  const pde_options no_warmup = {.warmup_steps = -1};
  CHECK_MSG(pde_sim_create(p, params, where ? &no_warmup : NULL, &s, err, sizeof err) == PDE_OK,
            "%s: %s", pde_name(p), err);
  if (!s) return;
  size_t c, ny, nx;
  pde_sim_shape(s, &c, &ny, &nx);
  CHECK(c * ny * nx == pde_sim_state_size(s) && pde_sim_state_size(s) == pde_state_size(p));
  size_t pc, pny, pnx;
  pde_shape(p, 0, &pc, &pny, &pnx);
  CHECK(pc == c && pny == ny && pnx == nx);
  pde_shape(p, 2 * nx, &pc, &pny, &pnx);
  CHECK(pc == c && pnx == 2 * nx && pny == (ny == 1 ? 1 : 2 * ny));
  CHECK(pde_sim_problem(s) == p && pde_sim_domain_length(s) > 0);
  float *state = malloc(pde_sim_state_size(s) * sizeof(float));
  if (!state) return;
  int ok = 1, finite = 1;
  for (size_t i = 0; i < pde_sim_n_steps(s); i++) {
    ok &= pde_sim_step(s, state) == PDE_OK;
    for (size_t j = 0; j < pde_sim_state_size(s); j++) finite &= isfinite(state[j]);
  }
  CHECK_MSG(ok && finite, "%s at %s", pde_name(p), where ? "a corner" : "the centre");
  CHECK(pde_sim_steps_done(s) == pde_default_n_steps(p));
  CHECK_NEAR(pde_sim_time(s), pde_default_n_steps(p) * pde_default_dt_output(p), 1e-12);
  CHECK(pde_sim_step(s, NULL) == PDE_OK); /* output is optional */
  free(state);
  pde_sim_free(s);
}

static void test_arguments(void) {
  const pde_problem *p = pde_find("heat2d");
  const double params[5] = {300, 300, 300, 300, 300};
  pde_sim *s = NULL;
  char small[8];
  CHECK(pde_sim_create(p, params, NULL, NULL, NULL, 0) == PDE_EINVAL);
  CHECK(pde_sim_create(NULL, params, NULL, &s, NULL, 0) == PDE_EINVAL && s == NULL);
  CHECK(pde_sim_create(p, NULL, NULL, &s, small, sizeof small) == PDE_EINVAL);
  CHECK(strlen(small) < sizeof small); /* truncated, terminated */
  const double hot[5] = {300, 300, 300, 300, 1e4};
  CHECK(pde_sim_create(p, hot, NULL, &s, small, sizeof small) == PDE_EINVAL);
  pde_options huge = {.substeps = 10000001};
  CHECK(pde_sim_create(pde_find("ks1d"), (double[7]){0, 0, 0, 0, 0, 0, 20}, &huge, &s, NULL, 0) ==
        PDE_EINVAL);
  pde_sim_free(NULL);
}

/* Each worker runs every problem for 20 outputs from its own parameters
 * (without warmup and on a 32^2 grid in 2-D, to keep it short) and keeps
 * the final states; run twice in parallel and once in sequence. */
enum { MAX_PROBLEMS = 8, THREAD_GRID = 32 };
typedef struct {
  int seed;
  float *final[MAX_PROBLEMS];
  size_t size[MAX_PROBLEMS];
  int ok;
} job;

static void *worker(void *arg) {
  job *jb = arg;
  jb->ok = 1;
  for (size_t i = 0; i < pde_count() && i < MAX_PROBLEMS; i++) {
    const pde_problem *p = pde_at(i);
    size_t ny;
    pde_shape(p, 0, NULL, &ny, NULL);
    const pde_options opt = {.warmup_steps = -1, .grid = ny > 1 ? THREAD_GRID : 0};
    double params[MAX_PARAMS];
    for (size_t j = 0; j < pde_nb_params(p); j++) {
      const double frac = fmod(0.37 * (double)(j + 1) + 0.11 * jb->seed, 1.0);
      params[j] = pde_lower(p)[j] + frac * (pde_upper(p)[j] - pde_lower(p)[j]);
    }
    pde_sim *s = NULL;
    for (int rep = 0; rep < 3; rep++) { /* create/free churn to race the planner */
      if (pde_sim_create(p, params, &opt, &s, NULL, 0) != PDE_OK) {
        jb->ok = 0;
        return NULL;
      }
      if (rep < 2) pde_sim_free(s);
    }
    jb->size[i] = pde_sim_state_size(s);
    jb->final[i] = malloc(jb->size[i] * sizeof(float));
    if (!jb->final[i]) {
      jb->ok = 0;
      pde_sim_free(s);
      return NULL;
    }
    for (int k = 0; k < 20; k++) jb->ok &= pde_sim_step(s, jb->final[i]) == PDE_OK;
    pde_sim_free(s);
  }
  return NULL;
}

static void test_threads(void) {
  job sequential[2] = {{.seed = 1}, {.seed = 2}}, parallel[2] = {{.seed = 1}, {.seed = 2}};
  worker(&sequential[0]);
  worker(&sequential[1]);
  pthread_t threads[2];
  int started[2];
  for (int t = 0; t < 2; t++)
    started[t] = pthread_create(&threads[t], NULL, worker, &parallel[t]) == 0;
  for (int t = 0; t < 2; t++)
    if (started[t]) pthread_join(threads[t], NULL);
  CHECK(started[0] && started[1]);
  for (int t = 0; t < 2; t++) {
    CHECK(sequential[t].ok && parallel[t].ok);
    for (size_t i = 0; i < pde_count(); i++) {
      if (sequential[t].final[i] && parallel[t].final[i])
        CHECK_MSG(sequential[t].size[i] == parallel[t].size[i] &&
                      memcmp(sequential[t].final[i], parallel[t].final[i],
                             sequential[t].size[i] * sizeof(float)) == 0,
                  "%s differs between threaded and sequential runs", pde_name(pde_at(i)));
      free(sequential[t].final[i]);
      free(parallel[t].final[i]);
    }
  }
}

int main(void) {
  test_registry();
  for (size_t i = 0; i < pde_count(); i++)
    for (int where = 0; where < 3; where++) run_default(pde_at(i), where);
  test_arguments();
  test_threads();
  return check_exit("test_pde");
}

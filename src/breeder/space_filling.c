/* space_filling — dispatch over the four non-breed samplers, plus the two
 * that need no tables: iid uniform and Latin hypercube.
 *
 * LHS: for a batch of n points, coordinate j of point i is
 *     x_ij = (pi_j(i) + u_ij) / n,   pi_j a uniform random permutation,
 *     u_ij ~ U[0,1),
 * so each of the n strata [k/n, (k+1)/n) of every axis holds exactly one
 * point. The permutation is built in the output column itself (stratum
 * numbers, then a Fisher-Yates shuffle over the strided column), so no
 * buffer of size n is needed. */
#include "breeder/space_filling.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/status_msg.h"

#define SF_STREAM_ID UINT64_C(0x73616d706c6572) /* "sampler" */

struct space_filling {
  sf_kind kind;
  size_t dim;
  uint64_t seed;
  uint64_t index; /* points drawn so far */
  ogas_rng rng;   /* uniform and LHS draws */
  sf_halton *halton;
  sf_sobol *sobol;
};

static const char *const kind_names[] = {"uniform", "lhs", "halton", "sobol"};

int sf_parse_kind(const char *name, sf_kind *out) {
  if (!name || !out) return -1;
  for (int k = SF_UNIFORM; k <= SF_SOBOL; k++)
    if (strcmp(name, kind_names[k]) == 0) {
      *out = (sf_kind)k;
      return 0;
    }
  return -1;
}

const char *sf_kind_name(sf_kind k) {
  return ((int)k >= (int)SF_UNIFORM && (int)k <= (int)SF_SOBOL) ? kind_names[k] : "unknown";
}

static size_t max_dim(sf_kind kind) {
  switch (kind) {
    case SF_HALTON:
      return SF_HALTON_MAX_DIM;
    case SF_SOBOL:
      return SF_SOBOL_MAX_DIM;
    default:
      return SF_RANDOM_MAX_DIM;
  }
}

static int create(sf_kind kind, size_t dim, uint64_t seed, int scrambled, space_filling **out,
                  char *err, size_t errlen) {
  if (err && errlen > 0) err[0] = '\0';
  if (!out) return status_msg(OGAS_EINVAL, err, errlen, "space_filling: out is NULL");
  *out = NULL;
  if ((int)kind < (int)SF_UNIFORM || (int)kind > (int)SF_SOBOL)
    return status_msg(OGAS_EINVAL, err, errlen, "space_filling: unknown sampler kind %zu",
                      (size_t)kind);
  if (dim == 0)
    return status_msg(OGAS_EINVAL, err, errlen, "space_filling: dimension must be >= 1, got %zu",
                      dim);
  if (dim > max_dim(kind))
    return status_msg(OGAS_EINVAL, err, errlen,
                      "space_filling: %s supports at most %zu dimensions, got %zu",
                      sf_kind_name(kind), max_dim(kind), dim);
  space_filling *s = calloc(1, sizeof *s);
  if (!s) return status_msg(OGAS_ENOMEM, err, errlen, "space_filling: out of memory");
  s->kind = kind;
  s->dim = dim;
  s->seed = seed;
  ogas_rng_seed(&s->rng, seed, SF_STREAM_ID);
  int status = OGAS_OK;
  if (kind == SF_HALTON) status = sf_halton_create(dim, seed, scrambled, &s->halton);
  if (kind == SF_SOBOL) status = sf_sobol_create(dim, seed, scrambled, &s->sobol);
  if (status != OGAS_OK) {
    sf_free(s);
    return status_msg(status, err, errlen,
                      "space_filling: cannot allocate tables for %zu dimensions", dim);
  }
  *out = s;
  return OGAS_OK;
}

int sf_create(sf_kind kind, size_t dim, uint64_t seed, space_filling **out, char *err,
              size_t errlen) {
  return create(kind, dim, seed, 1, out, err, errlen);
}

int sf_create_unscrambled(sf_kind kind, size_t dim, space_filling **out, char *err, size_t errlen) {
  if (kind != SF_HALTON && kind != SF_SOBOL) {
    if (out) *out = NULL;
    return status_msg(OGAS_EINVAL, err, errlen,
                      "space_filling: only halton and sobol have an unscrambled form");
  }
  return create(kind, dim, 0, 0, out, err, errlen);
}

void sf_free(space_filling *s) {
  if (!s) return;
  sf_halton_free(s->halton);
  sf_sobol_free(s->sobol);
  free(s);
}

static void fill_uniform(space_filling *s, size_t n, double *out) {
  for (size_t i = 0; i < n * s->dim; i++) out[i] = ogas_rng_uniform(&s->rng);
}

static void fill_latin_hypercube(space_filling *s, size_t n, double *out) {
  const size_t d = s->dim;
  for (size_t j = 0; j < d; j++) {
    for (size_t i = 0; i < n; i++) out[i * d + j] = (double)i;
    for (size_t i = n; i > 1; i--) {
      size_t k = (size_t)ogas_rng_below(&s->rng, i);
      double t = out[(i - 1) * d + j];
      out[(i - 1) * d + j] = out[k * d + j];
      out[k * d + j] = t;
    }
  }
  const double inv_n = 1.0 / (double)n;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < d; j++) {
      double stratum = out[i * d + j];
      double x = (stratum + ogas_rng_uniform(&s->rng)) * inv_n;
      /* Rounding can carry x onto the upper edge (k+1)/n (or 1): pull it
         back inside its stratum. */
      double upper = (stratum + 1.0) * inv_n;
      if (x >= upper) x = nextafter(upper, 0.0);
      if (x < stratum * inv_n) x = stratum * inv_n;
      out[i * d + j] = x;
    }
}

int sf_next(space_filling *s, size_t n, double *out) {
  if (!s || (!out && n > 0)) return OGAS_EINVAL;
  if (n == 0) return OGAS_OK;
  if (n > SIZE_MAX / s->dim || n * s->dim > SIZE_MAX / sizeof(double)) return OGAS_ERANGE;
  int qmc = s->kind == SF_HALTON || s->kind == SF_SOBOL;
  if (qmc && (n > SF_MAX_INDEX || s->index > SF_MAX_INDEX - n)) return OGAS_ERANGE;
  switch (s->kind) {
    case SF_UNIFORM:
      fill_uniform(s, n, out);
      break;
    case SF_LHS:
      fill_latin_hypercube(s, n, out);
      break;
    case SF_HALTON: {
      int status = sf_halton_reserve(s->halton, s->index + n);
      if (status != OGAS_OK) return status;
      sf_halton_fill(s->halton, s->index, n, out);
      break;
    }
    case SF_SOBOL:
      sf_sobol_fill(s->sobol, s->index, n, out);
      break;
  }
  s->index += n;
  return OGAS_OK;
}

void sf_get_state(const space_filling *s, sf_state *st) {
  if (!s || !st) return;
  memset(st, 0, sizeof *st); /* no stray padding bytes in checkpoints */
  st->kind = s->kind;
  st->dim = s->dim;
  st->seed = s->seed;
  st->index = s->index;
  st->rng = s->rng;
}

int sf_set_state(space_filling *s, const sf_state *st) {
  if (!s || !st) return OGAS_EINVAL;
  if (st->kind != s->kind || st->dim != s->dim || st->seed != s->seed) return OGAS_EINVAL;
  if (st->index > SF_MAX_INDEX && (s->kind == SF_HALTON || s->kind == SF_SOBOL)) return OGAS_ERANGE;
  if (s->kind == SF_HALTON) {
    int status = sf_halton_reserve(s->halton, st->index);
    if (status != OGAS_OK) return status;
  }
  s->index = st->index;
  s->rng = st->rng;
  return OGAS_OK;
}

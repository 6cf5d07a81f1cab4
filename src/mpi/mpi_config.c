#include "mpi/mpi_config.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ogas.h"
#include "util/status_msg.h"

void mpi_config_defaults(mpi_config *c) {
  memset(c, 0, sizeof *c);
  c->breed = BREED_PLACEMENT_AUTO;
  c->steps_per_message = 8;
  c->window = 4;
  c->timeout_s = 600;
  c->blas_threads = 1;
  c->diverge_at_step = 0;
  c->kill_rank = -1;
  c->kill_signal = SIGKILL;
}

static int check_keys(json_t *obj, const char *path, const char *const *keys, size_t n, char *err,
                      size_t errlen) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    size_t i = 0;
    while (i < n && strcmp(key, keys[i])) i++;
    if (i == n) {
      char list[256] = "";
      for (size_t k = 0; k < n; k++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", keys[k]);
      return status_msg(OGAS_EINVAL, err, errlen, "study config: unknown key '%s.%s' (%s)", path,
                        key, list);
    }
  }
  return OGAS_OK;
}

static int get_int(json_t *obj, const char *path, const char *key, int64_t lo, int64_t hi,
                   int64_t *out, char *err, size_t errlen) {
  json_t *v = json_object_get(obj, key);
  if (!v) return OGAS_OK;
  if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "study config: %s.%s: expected an integer in [%lld, %lld]", path, key,
                      (long long)lo, (long long)hi);
  *out = (int64_t)json_integer_value(v);
  return OGAS_OK;
}

static int get_ids(json_t *obj, const char *key, int64_t *ids, size_t *n, char *err,
                   size_t errlen) {
  json_t *v = json_object_get(obj, key);
  if (!v) return OGAS_OK;
  if (!json_is_array(v) || json_array_size(v) > MPI_CONFIG_MAX_FAULT_SIMS)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "study config: mpi.faults.%s: expected an array of at most %d simulation ids",
                      key, MPI_CONFIG_MAX_FAULT_SIMS);
  size_t i;
  json_t *e;
  json_array_foreach(v, i, e) {
    if (!json_is_integer(e) || json_integer_value(e) < 0)
      return status_msg(OGAS_EINVAL, err, errlen,
                        "study config: mpi.faults.%s[%zu]: expected a simulation id (>= 0)", key,
                        i);
    ids[i] = (int64_t)json_integer_value(e);
  }
  *n = json_array_size(v);
  return OGAS_OK;
}

#define TRY(e)           \
  do {                   \
    int st_ = (e);       \
    if (st_) return st_; \
  } while (0)

static int parse(json_t *root, mpi_config *c, char *err, size_t errlen) {
  static const char *const keys[] = {
      "training_ranks",   "breed_rank",         "steps_per_message", "window", "timeout_s",
      "checkpoint_every", "redraw_failed_sims", "blas_threads",      "faults"};
  if (!json_is_object(root))
    return status_msg(OGAS_EINVAL, err, errlen, "study config: mpi: expected an object");
  TRY(check_keys(root, "mpi", keys, sizeof keys / sizeof *keys, err, errlen));
  TRY(get_int(root, "mpi", "training_ranks", 0, 1 << 20, &c->training_ranks, err, errlen));
  json_t *v = json_object_get(root, "breed_rank");
  if (v) {
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    if (!strcmp(s, "auto"))
      c->breed = BREED_PLACEMENT_AUTO;
    else if (!strcmp(s, "own"))
      c->breed = BREED_PLACEMENT_OWN;
    else if (!strcmp(s, "shared"))
      c->breed = BREED_PLACEMENT_SHARED;
    else
      return status_msg(OGAS_EINVAL, err, errlen,
                        "study config: mpi.breed_rank: expected \"auto\", \"own\" or \"shared\"");
  }
  TRY(get_int(root, "mpi", "steps_per_message", 1, 1 << 20, &c->steps_per_message, err, errlen));
  TRY(get_int(root, "mpi", "window", 1, 1 << 16, &c->window, err, errlen));
  TRY(get_int(root, "mpi", "checkpoint_every", 0, INT32_MAX, &c->checkpoint_every, err, errlen));
  TRY(get_int(root, "mpi", "redraw_failed_sims", 0, INT32_MAX, &c->redraw_failed_sims, err,
              errlen));
  TRY(get_int(root, "mpi", "blas_threads", 1, 1024, &c->blas_threads, err, errlen));
  v = json_object_get(root, "timeout_s");
  if (v) {
    if (!json_is_number(v) || !(json_number_value(v) > 0) || !isfinite(json_number_value(v)))
      return status_msg(OGAS_EINVAL, err, errlen,
                        "study config: mpi.timeout_s: expected a number of seconds > 0");
    c->timeout_s = json_number_value(v);
  }
  json_t *f = json_object_get(root, "faults");
  if (f) {
    static const char *const fkeys[] = {"diverge_sims", "diverge_at_step", "fail_start_sims",
                                        "kill_rank",    "kill_after",      "kill_signal"};
    if (!json_is_object(f))
      return status_msg(OGAS_EINVAL, err, errlen, "study config: mpi.faults: expected an object");
    TRY(check_keys(f, "mpi.faults", fkeys, sizeof fkeys / sizeof *fkeys, err, errlen));
    TRY(get_ids(f, "diverge_sims", c->diverge_sims, &c->n_diverge, err, errlen));
    TRY(get_ids(f, "fail_start_sims", c->fail_start_sims, &c->n_fail_start, err, errlen));
    TRY(get_int(f, "mpi.faults", "diverge_at_step", 0, INT32_MAX, &c->diverge_at_step, err,
                errlen));
    TRY(get_int(f, "mpi.faults", "kill_rank", -1, 1 << 20, &c->kill_rank, err, errlen));
    TRY(get_int(f, "mpi.faults", "kill_after", 0, INT64_MAX, &c->kill_after, err, errlen));
    json_t *sig = json_object_get(f, "kill_signal");
    if (sig) {
      const char *s = json_is_string(sig) ? json_string_value(sig) : "";
      if (!strcmp(s, "KILL"))
        c->kill_signal = SIGKILL;
      else if (!strcmp(s, "STOP"))
        c->kill_signal = SIGSTOP;
      else
        return status_msg(OGAS_EINVAL, err, errlen,
                          "study config: mpi.faults.kill_signal: expected \"KILL\" or \"STOP\"");
    }
  }
  return OGAS_OK;
}

int mpi_config_parse(const char *json, mpi_config *c, char *err, size_t errlen) {
  mpi_config_defaults(c);
  if (!json) return OGAS_OK;
  json_error_t je;
  json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
  if (!root) return status_msg(OGAS_EINVAL, err, errlen, "study config: mpi: %s", je.text);
  int st = parse(root, c, err, errlen);
  json_decref(root);
  if (st) mpi_config_defaults(c);
  return st;
}

static int member(const int64_t *ids, size_t n, int64_t id) {
  for (size_t i = 0; i < n; i++)
    if (ids[i] == id) return 1;
  return 0;
}

int mpi_config_diverges(const mpi_config *c, int64_t sim_id) {
  return member(c->diverge_sims, c->n_diverge, sim_id);
}

int mpi_config_fails_start(const mpi_config *c, int64_t sim_id) {
  return member(c->fail_start_sims, c->n_fail_start, sim_id);
}

#include "synth/synth.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "util/status_msg.h"

/* Sized for a CPU: a 128-wide DDPM learns a 2-D landscape in a few hundred
   steps; each simulation's report grants 5 steps, so a generation of 100
   simulations buys 500 steps (about a second). Measured with `ogas synth`. */
const char *const synth_default_breeder_json =
    "{\"breeder\": {\"min_reservoir_entries\": 128, \"min_train_steps\": 300,"
    "               \"max_epoch_per_epoch\": 200},"
    " \"model\": {\"model_dim\": 128, \"n_blocks\": 2, \"timesteps\": 50, \"lr\": 1e-3,"
    "             \"n_train_steps_per_epoch\": 5, \"guidance_scale\": 3.0},"
    " \"data\": {\"buffer_size\": 2000, \"batch_size\": 128}}";

/* The breeder config: bounds [-1,1]^d so that parameters are z themselves. */
static char *build_config(const synth_options *o, int64_t nb_sims, char *err, size_t errlen) {
  json_error_t je;
  json_t *cfg = json_loads(synth_default_breeder_json, 0, &je);
  if (!cfg) return NULL;
  if (o->breeder_json) {
    json_t *extra = json_loads(o->breeder_json, 0, &je);
    if (!extra || !json_is_object(extra)) {
      snprintf(err, errlen, "synth: breeder settings: line %d, column %d: %s", je.line, je.column,
               extra ? "expected a JSON object" : je.text);
      json_decref(extra);
      json_decref(cfg);
      return NULL;
    }
    json_object_update_recursive(cfg, extra);
    json_decref(extra);
  }
  json_t *lo = json_array(), *hi = json_array();
  for (int k = 0; k < o->dim; k++) json_array_append_new(lo, json_real(-1)), json_array_append_new(hi, json_real(1));
  json_object_set_new(cfg, "nb_params", json_integer(o->dim));
  json_object_set_new(cfg, "l_bounds", lo);
  json_object_set_new(cfg, "u_bounds", hi);
  json_object_set_new(cfg, "nb_sims", json_integer(nb_sims));
  json_object_set_new(cfg, "seed", json_integer((json_int_t)(o->seed & 0x7fffffffffffffffULL)));
  json_t *br = json_object_get(cfg, "breeder");
  if (!json_object_get(br, "async_training"))
    json_object_set_new(br, "async_training", json_boolean(o->async));
  char *text = json_dumps(cfg, JSON_COMPACT);
  json_decref(cfg);
  return text;
}

int synth_run(const synth_options *o, synth_result *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (o->dim < 2 || o->generation_size < 1 || o->generations < 0 || o->steps_per_sim < 1)
    return status_msg(OGAS_EINVAL, err, errlen, "synth: needs dim >= 2, generation_size >= 1, generations >= 0, steps >= 1");
  int64_t G = o->generation_size, nb_sims = G * (o->generations + 1);
  char *cfg = build_config(o, nb_sims, err, errlen);
  if (!cfg) return OGAS_EINVAL;
  ogas_breeder *b = NULL;
  int st = ogas_breeder_create(cfg, &b, err, errlen);
  free(cfg);
  if (st) return st;

  size_t d = (size_t)o->dim;
  out->nb_sims = nb_sims;
  out->d = (int64_t)d;
  out->uniform_share = landscape_hard_share(o->landscape);
  out->gens = calloc((size_t)o->generations + 1, sizeof *out->gens);
  out->params = malloc((size_t)nb_sims * d * sizeof(double));
  out->is_bred = calloc((size_t)nb_sims, sizeof(int));
  out->generation_of = calloc((size_t)nb_sims, sizeof(int32_t));
  int64_t *ids = malloc((size_t)o->steps_per_sim * sizeof(int64_t));
  int64_t *ts = malloc((size_t)o->steps_per_sim * sizeof(int64_t));
  double *vals = malloc((size_t)o->steps_per_sim * sizeof(double));
  double *z = malloc(d * sizeof(double));
  landscape_coverage *cov = calloc(1, sizeof *cov);
  if (!out->gens || !out->params || !out->is_bred || !out->generation_of || !ids || !ts || !vals ||
      !z || !cov) {
    st = status_msg(OGAS_ENOMEM, err, errlen, "synth: out of memory");
    goto done;
  }
  ogas_rng noise;
  ogas_rng_seed(&noise, o->seed, 100);

  int64_t first = 0, last = G - 1, batch = 0;
  for (int g = 0; g <= o->generations; g++) {
    synth_generation *sg = &out->gens[g];
    /* The generation's simulations: read their parameters, score the children. */
    int64_t hard = 0, hard_bred = 0, bred = 0;
    for (int64_t id = first; id <= last; id++) {
      int is_bred = 0;
      if ((st = ogas_get_parameters(b, id, z, &is_bred))) goto breeder_error;
      int h = landscape_is_hard(o->landscape, z);
      hard += h;
      bred += is_bred;
      hard_bred += h && is_bred;
      out->is_bred[id] = is_bred;
      out->generation_of[id] = g;
      memcpy(out->params + (size_t)id * d, z, d * sizeof(double));
    }
    sg->generation = g;
    sg->n_children = last - first + 1;
    sg->n_bred = bred;
    sg->hard_share = (double)hard / (double)sg->n_children;
    sg->hard_share_bred = bred ? (double)hard_bred / (double)bred : 0.0;
    if (g > 0) {
      ogas_generation_info info = OGAS_GENERATION_INFO_INIT;
      if ((st = ogas_generation_info_get(b, g, &info))) goto breeder_error;
      sg->breed_ratio = info.breed_ratio;
      sg->ddpm_steps = info.ddpm_steps;
      sg->ddpm_loss = info.ddpm_loss;
      sg->train_cpu_s = info.train_cpu_s_since_last;
      sg->generate_ms = info.generate_ms;
    }
    out->n_generations = g + 1;
    if (o->progress) {
      fprintf(o->progress,
              "gen %2d  R %.2f  children %4lld  bred %4lld  hard: all %5.1f %%  bred %5.1f %%  "
              "(uniform %4.1f %%)  ddpm steps %6lld  loss %.3f  train cpu %.2f s\n",
              g, sg->breed_ratio, (long long)sg->n_children, (long long)bred, 100 * sg->hard_share,
              100 * sg->hard_share_bred, 100 * out->uniform_share, (long long)sg->ddpm_steps,
              sg->ddpm_loss, sg->train_cpu_s);
      fflush(o->progress);
    }
    /* They run: each reports its per-step losses, then counts as seen. */
    for (int64_t id = first; id <= last; id++) {
      memcpy(z, out->params + (size_t)id * d, d * sizeof(double));
      for (int s = 0; s < o->steps_per_sim; s++) {
        ids[s] = id;
        ts[s] = s;
        vals[s] = landscape_loss(o->landscape, cov, z, &noise);
      }
      if ((st = ogas_record_increments(b, ids, ts, vals, (size_t)o->steps_per_sim, batch++)))
        goto breeder_error;
    }
    for (int64_t id = first; id <= last; id++) coverage_add(cov, out->params + (size_t)id * d);
    if (g == o->generations) break;
    /* Synthetic simulations take no time, so the background trainer would
       never catch up; wait for it to spend its budget, as in a study whose
       simulations take longer than training (the usual case). */
    if (o->async && (st = ogas_train_sampler(b, 0))) goto breeder_error;
    size_t staged = 0;
    if ((st = ogas_next_parameters(b, G, &staged))) goto breeder_error;
    if ((st = ogas_concretize_resampled_parameters(b, last, &first, &last))) goto breeder_error;
    if (first < 0) break;
  }
  goto done;
breeder_error:
  if (err && errlen) snprintf(err, errlen, "synth: %s", ogas_errmsg(b));
done:
  free(ids), free(ts), free(vals), free(z), free(cov);
  ogas_breeder_free(b);
  if (st) synth_result_free(out);
  return st;
}

void synth_result_free(synth_result *r) {
  free(r->gens), free(r->params), free(r->is_bred), free(r->generation_of);
  memset(r, 0, sizeof *r);
}

int synth_write_csv(const synth_result *r, landscape_kind k, const char *path) {
  FILE *f = fopen(path, "w");
  if (!f) return OGAS_EIO;
  fprintf(f, "sim_id,generation,is_bred,hard");
  for (int64_t j = 0; j < r->d; j++) fprintf(f, ",p%lld", (long long)j);
  fputc('\n', f);
  for (int64_t i = 0; i < r->nb_sims; i++) {
    const double *p = r->params + (size_t)i * r->d;
    fprintf(f, "%lld,%d,%d,%d", (long long)i, r->generation_of[i], r->is_bred[i],
            landscape_is_hard(k, p));
    for (int64_t j = 0; j < r->d; j++) fprintf(f, ",%.6g", p[j]);
    fputc('\n', f);
  }
  int bad = ferror(f);
  return (fclose(f) || bad) ? OGAS_EIO : OGAS_OK;
}

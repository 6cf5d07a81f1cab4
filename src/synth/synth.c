#include "synth/synth.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "util/status_msg.h"

/* The breeder config: bounds [-1,1]^d so that parameters are z themselves. */
static char *build_config(const synth_options *o, int64_t nb_sims, char *err, size_t errlen) {
  json_error_t je;
  json_t *cfg = json_object();
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
  for (int k = 0; k < o->dim; k++)
    json_array_append_new(lo, json_real(-1)), json_array_append_new(hi, json_real(1));
  json_object_set_new(cfg, "nb_params", json_integer(o->dim));
  json_object_set_new(cfg, "l_bounds", lo);
  json_object_set_new(cfg, "u_bounds", hi);
  json_object_set_new(cfg, "nb_sims", json_integer(nb_sims));
  json_object_set_new(cfg, "seed", json_integer((json_int_t)(o->seed & 0x7fffffffffffffffULL)));
  json_t *br = json_object_get(cfg, "breeder");
  if (!br) json_object_set_new(cfg, "breeder", br = json_object());
  if (!json_object_get(br, "async_training"))
    json_object_set_new(br, "async_training", json_boolean(o->async));
  char *text = json_dumps(cfg, JSON_COMPACT);
  json_decref(cfg);
  return text;
}

/* Report the generation's losses [first, last] in the chosen pattern. */
static int report_losses(ogas_breeder *b, const synth_options *o, const landscape_coverage *cov,
                         const double *params, int64_t first, int64_t last, int64_t *batch,
                         ogas_rng *noise, int64_t *ids, int64_t *ts, double *vals, int64_t *order) {
  size_t d = (size_t)o->dim;
  int64_t n_sims = last - first + 1, S = o->steps_per_sim;
  int st = OGAS_OK;
  if (o->pattern == REPORT_MINIBATCH) {
    /* Every (simulation, step) of the generation, in a random order. */
    int64_t total = n_sims * S;
    for (int64_t i = 0; i < total; i++) order[i] = i;
    ogas_rng_shuffle_i64(noise, order, (size_t)total);
    for (int64_t s0 = 0; s0 < total && !st; s0 += o->minibatch) {
      int64_t m = total - s0 < o->minibatch ? total - s0 : o->minibatch;
      for (int64_t j = 0; j < m; j++) {
        int64_t id = first + order[s0 + j] / S;
        ids[j] = id, ts[j] = order[s0 + j] % S;
        vals[j] = landscape_loss(o->landscape, cov, params + (size_t)id * d, d, noise);
      }
      st = ogas_record_increments(b, ids, ts, vals, (size_t)m, (*batch)++);
    }
    return st;
  }
  /* Per simulation: rounds of contiguous chunks, simulations interleaved. */
  int calls = o->pattern == REPORT_FEW ? o->calls_per_sim : 1;
  if (calls > S) calls = (int)S;
  for (int c = 0; c < calls && !st; c++) {
    int64_t s0 = S * c / calls, s1 = S * (c + 1) / calls;
    for (int64_t id = first; id <= last && !st; id++) {
      for (int64_t s = s0; s < s1; s++) {
        ids[s - s0] = id, ts[s - s0] = s;
        vals[s - s0] = landscape_loss(o->landscape, cov, params + (size_t)id * d, d, noise);
      }
      st = ogas_record_increments(b, ids, ts, vals, (size_t)(s1 - s0), (*batch)++);
    }
  }
  return st;
}

/* KL-based evenness of the bred hard children over the bumps against the
   bumps' uniform shares q: 1 - KL(p || q) / log(1/min q) clipped to [0, 1]. */
static double mode_balance(const synth_result *r, landscape_kind k) {
  static const double area[LANDSCAPE_MAX_MODES] = {0.15 * 0.15, 0.12 * 0.12, 0.18 * 0.18};
  double total = 0, sum_area = 0, kl = 0, min_q = 1;
  for (int m = 0; m < LANDSCAPE_MAX_MODES; m++)
    total += (double)r->bred_in_mode[m], sum_area += area[m];
  if (k != LANDSCAPE_MULTIMODAL || total == 0) return 0.0;
  for (int m = 0; m < LANDSCAPE_MAX_MODES; m++) {
    double p = (double)r->bred_in_mode[m] / total, q = area[m] / sum_area;
    if (p > 0) kl += p * log(p / q);
    if (q < min_q) min_q = q;
  }
  double b = 1.0 - kl / log(1.0 / min_q);
  return b < 0 ? 0 : b;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *x, int64_t n) {
  qsort(x, (size_t)n, sizeof *x, by_value);
  return n ? (n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2])) : 0.0;
}

/* The novelty of synth.h, over generations 2 and later. */
static double novelty(const synth_result *r) {
  size_t d = (size_t)r->d;
  double *bred = malloc((size_t)r->nb_sims * sizeof(double)),
         *plain = malloc((size_t)r->nb_sims * sizeof(double));
  int64_t nb = 0, np = 0;
  if (!bred || !plain) {
    free(bred), free(plain);
    return 0.0;
  }
  for (int64_t i = 0; i < r->nb_sims; i++) {
    if (r->generation_of[i] < 2) continue;
    double best = INFINITY;
    for (int64_t j = 0; j < r->nb_sims; j++) {
      if (r->generation_of[j] >= r->generation_of[i]) continue;
      double q = 0;
      for (size_t k = 0; k < d && q < best; k++) {
        double t = r->params[(size_t)i * d + k] - r->params[(size_t)j * d + k];
        q += t * t;
      }
      if (q < best) best = q;
    }
    if (r->is_bred[i])
      bred[nb++] = sqrt(best);
    else
      plain[np++] = sqrt(best);
  }
  double v = nb && np ? median(bred, nb) / median(plain, np) : 0.0;
  free(bred), free(plain);
  return v;
}

static void summarise(synth_result *r) {
  double cpu = 0;
  int n_gen = 0;
  r->worst_generation_enrichment = 0;
  int have_worst = 0;
  for (int g = 1; g < r->n_generations; g++) {
    const synth_generation *sg = &r->gens[g];
    cpu += sg->train_cpu_s + 1e-3 * sg->generate_ms;
    n_gen++;
    r->train_cpu_s += sg->train_cpu_s;
    if (sg->n_bred == 0) continue;
    if (!r->first_bred_generation) r->first_bred_generation = g;
    if (!r->first_trusted_generation && sg->trusted) r->first_trusted_generation = g;
    int64_t hard = (int64_t)llround(sg->hard_share_bred * (double)sg->n_bred);
    r->n_bred += sg->n_bred, r->n_bred_hard += hard;
    if (sg->n_bred >= 10 && r->uniform_share > 0) {
      double e = sg->hard_share_bred / r->uniform_share;
      if (!have_worst || e < r->worst_generation_enrichment) r->worst_generation_enrichment = e;
      have_worst = 1;
    }
  }
  r->enrichment = r->n_bred && r->uniform_share > 0
                      ? (double)r->n_bred_hard / (double)r->n_bred / r->uniform_share
                      : 0.0;
  r->breeder_cpu_per_generation = n_gen ? cpu / n_gen : 0.0;
}

int synth_run(const synth_options *o, synth_result *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (o->dim < 2 || o->generation_size < 1 || o->generations < 0 || o->steps_per_sim < 1 ||
      (o->pattern == REPORT_FEW && o->calls_per_sim < 1) ||
      (o->pattern == REPORT_MINIBATCH && o->minibatch < 1))
    return status_msg(OGAS_EINVAL, err, errlen,
                      "synth: needs dim >= 2, generation_size >= 1, generations >= 0, steps >= 1, "
                      "calls per simulation >= 1 and a minibatch >= 1");
  int64_t G = o->generation_size, nb_sims = G * (o->generations + 1);
  char *cfg = build_config(o, nb_sims, err, errlen);
  if (!cfg) return OGAS_EINVAL;
  ogas_breeder *b = NULL;
  int st = ogas_breeder_create(cfg, &b, err, errlen);
  free(cfg);
  if (st) return st;

  size_t d = (size_t)o->dim;
  int64_t per_call = o->pattern == REPORT_MINIBATCH ? o->minibatch : o->steps_per_sim;
  out->nb_sims = nb_sims;
  out->d = (int64_t)d;
  out->uniform_share = landscape_hard_share(o->landscape, d);
  out->gens = calloc((size_t)o->generations + 1, sizeof *out->gens);
  out->params = malloc((size_t)nb_sims * d * sizeof(double));
  out->is_bred = calloc((size_t)nb_sims, sizeof(int));
  out->generation_of = calloc((size_t)nb_sims, sizeof(int32_t));
  int64_t *ids = malloc((size_t)per_call * sizeof(int64_t));
  int64_t *ts = malloc((size_t)per_call * sizeof(int64_t));
  double *vals = malloc((size_t)per_call * sizeof(double));
  int64_t *order = malloc((size_t)(G * o->steps_per_sim) * sizeof(int64_t));
  landscape_coverage *cov = calloc(1, sizeof *cov);
  if (!out->gens || !out->params || !out->is_bred || !out->generation_of || !ids || !ts || !vals ||
      !order || !cov) {
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
      double *z = out->params + (size_t)id * d;
      if ((st = ogas_get_parameters(b, id, z, &is_bred))) goto breeder_error;
      int h = landscape_is_hard(o->landscape, z, d);
      hard += h;
      bred += is_bred;
      hard_bred += h && is_bred;
      int mode = is_bred ? landscape_mode(o->landscape, z, d) : -1;
      if (mode >= 0 && g > 0) out->bred_in_mode[mode]++;
      out->is_bred[id] = is_bred;
      out->generation_of[id] = g;
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
      sg->ddpm_steps_since_last = info.ddpm_steps_since_last;
      sg->dropped = info.ddpm_steps_dropped;
      sg->ddpm_loss = info.ddpm_loss;
      sg->train_cpu_s = info.train_cpu_s_since_last;
      sg->generate_ms = info.generate_ms;
      sg->trust_z = info.trust_z;
      sg->outcome_z = info.outcome_z;
      sg->trusted = info.trusted != 0;
      memcpy(sg->not_bred_reason, info.not_bred_reason, sizeof sg->not_bred_reason);
    }
    out->n_generations = g + 1;
    if (o->progress) {
      fprintf(o->progress,
              "gen %2d  R %.2f  children %4lld  bred %4lld  hard: all %5.1f %%  bred %5.1f %% "
              "(uniform %4.1f %%)  ddpm steps +%5lld  trust z %5.1f  outcome z %5.1f  train cpu "
              "%.2f s%s%s\n",
              g, sg->breed_ratio, (long long)sg->n_children, (long long)bred, 100 * sg->hard_share,
              100 * sg->hard_share_bred, 100 * out->uniform_share,
              (long long)sg->ddpm_steps_since_last, sg->trust_z, sg->outcome_z, sg->train_cpu_s,
              sg->not_bred_reason[0] && sg->breed_ratio > 0 ? "  not bred: " : "",
              sg->breed_ratio > 0 ? sg->not_bred_reason : "");
      fflush(o->progress);
    }
    /* They run and report their per-step losses, then count as seen. */
    if ((st = report_losses(b, o, cov, out->params, first, last, &batch, &noise, ids, ts, vals,
                            order)))
      goto breeder_error;
    for (int64_t id = first; id <= last; id++)
      coverage_add(cov, o->landscape, out->params + (size_t)id * d, d);
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
  summarise(out);
  out->mode_balance = mode_balance(out, o->landscape);
  out->novelty = novelty(out);
  goto done;
breeder_error:
  if (err && errlen) snprintf(err, errlen, "synth: %s", ogas_errmsg(b));
done:
  free(ids), free(ts), free(vals), free(order), free(cov);
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
            landscape_is_hard(k, p, (size_t)r->d));
    for (int64_t j = 0; j < r->d; j++) fprintf(f, ",%.6g", p[j]);
    fputc('\n', f);
  }
  int bad = ferror(f);
  return (fclose(f) || bad) ? OGAS_EIO : OGAS_OK;
}

static const char *const pattern_names[] = {"per-sim", "few", "minibatch"};

int report_pattern_parse(const char *name, report_pattern *out) {
  for (int k = 0; k < 3; k++)
    if (name && !strcmp(name, pattern_names[k])) {
      *out = (report_pattern)k;
      return 0;
    }
  return -1;
}

const char *report_pattern_name(report_pattern p) { return pattern_names[p]; }

/* config: defaults match docs/config.md, round trips are exact, every error
   kind names its key, the Melissa layout maps and lists what it ignores, and
   no input (prefixes, garbage, mutations) crashes or leaks. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/config.h"
#include "check.h"
#include "nn/rng.h"
#include "ogas.h"
#include "read_text.h"

#include "failing_malloc.h"

#define STUDY \
  "\"nb_params\": 3, \"l_bounds\": [0, 0, 10], \"u_bounds\": [1, 1, 130], \"nb_sims\": 100"

/* Parse and expect success; returns the status for chaining. */
static int parse_ok(const char *json, ogas_config *c, int line) {
  char err[1024];
  int rc = ogas_config_parse(json, c, err, sizeof err);
  CHECK_MSG(rc == OGAS_OK, "line %d: unexpected error: %s", line, err);
  return rc;
}
#define PARSE_OK(json, c) parse_ok(json, c, __LINE__)

/* Parse and expect OGAS_EINVAL with a message that contains `want` (or
   equals it when exact). The config must hold no memory afterwards. */
static void expect_error(const char *json, const char *want, int exact, int line) {
  char err[1024];
  ogas_config c;
  int rc = ogas_config_parse(json, &c, err, sizeof err);
  CHECK_MSG(rc == OGAS_EINVAL, "line %d: rc = %d for %s", line, rc, json);
  if (exact)
    CHECK_MSG(strcmp(err, want) == 0, "line %d:\n  got  %s\n  want %s", line, err, want);
  else
    CHECK_MSG(strstr(err, want) != NULL, "line %d:\n  got  %s\n  want ...%s...", line, err, want);
  CHECK_MSG(c.l_bounds == NULL && c.parameter_names == NULL && c.ignored == NULL,
            "line %d: memory left in a failed config", line);
}
#define EXPECT_ERR(json, want) expect_error(json, want, 0, __LINE__)
#define EXPECT_ERR_EXACT(json, want) expect_error(json, want, 1, __LINE__)

static void test_defaults(void) {
  ogas_config c;
  ogas_config_defaults(&c);
  CHECK(c.nb_params == 0 && c.l_bounds == NULL && c.nb_sims == 0 && c.seed == 0);
  CHECK(c.non_breed_sampler == OGAS_CFG_SAMPLER_HALTON && c.run_dir == NULL && !c.verbose);
  const ogas_config_breeder *b = &c.breeder;
  CHECK(b->start_breed_ratio == 0.0 && b->end_breed_ratio == 0.7 && b->breakpoint == 4);
  CHECK(b->loss_sampling_strategy == OGAS_CFG_LOSS_UNIFORM_QUANTILE);
  CHECK(b->loss_sampling_alpha == 1.0 && b->loss_sampling_quantile == 0.9);
  CHECK(!b->learn_sampling_ratio && !b->train_only_with_non_breed_samples && b->resample_oob);
  CHECK(b->max_oob_attempts == 10 && b->ratio_mlp_hidden_dim == 64);
  CHECK(b->ratio_mlp_lr == 1e-3 && b->ratio_mlp_weight_decay == 0.01);
  CHECK(b->ratio_mlp_label_smoothing == 0.0 && b->ratio_weight_min == 0.1 &&
        b->ratio_weight_max == 10);
  CHECK(b->max_mlp_steps_per_collect == 0 && b->max_epoch_per_epoch == 2 && b->async_training);
  CHECK(b->min_reservoir_entries == 128 && b->min_train_steps == 100 && b->trust_min_z == 2.0 &&
        b->trust_probe_share == 0.25);
  const ogas_config_model *m = &c.model;
  CHECK(m->model_dim == 128 && m->n_blocks == 2 && m->timesteps == 50 && m->box_prior);
  CHECK(m->noise_schedule == OGAS_CFG_SCHEDULE_COSINE && m->beta_start == 1e-4 &&
        m->beta_end == 0.02);
  CHECK(m->lr == 1e-3 && m->weight_decay == 0.0 && m->adam_beta1 == 0.9 && m->adam_beta2 == 0.999);
  CHECK(m->grad_clip == 1.0 && m->ema_decay == 0.999 && m->p_uncond == 0.1 &&
        m->guidance_scale == 1.0);
  CHECK(m->sampler == OGAS_CFG_DDPM_SAMPLER_DDPM && m->ddim_steps == 20);
  CHECK(m->n_train_steps_per_epoch == 0 && m->n_train_steps_per_sim == 2 && m->blas_threads == 0);
  const ogas_config_data *d = &c.data;
  CHECK(d->buffer_size == 6000 && d->batch_size == 128 && d->ema_loss_alpha == 0.3);
  CHECK(d->normalize_losses && d->min_max_queue_length == 20 && d->max_loss_value == 5.0);
  CHECK(!d->clip_loss_norm_to_3_sigma);
  CHECK(strcmp(ogas_config_sampler_name(c.non_breed_sampler), "halton") == 0);
  CHECK(strcmp(ogas_config_loss_sampling_name(OGAS_CFG_LOSS_UNIFORM_QUANTILE),
               "uniform_quantile") == 0);
  CHECK(strcmp(ogas_config_schedule_name(OGAS_CFG_SCHEDULE_LINEAR), "linear") == 0);
  CHECK(strcmp(ogas_config_ddpm_sampler_name(OGAS_CFG_DDPM_SAMPLER_DDIM), "ddim") == 0);
  CHECK(ogas_config_sampler_name((ogas_cfg_sampler)9) == NULL);

  /* The minimal config gets every default plus generated names. */
  ogas_config p;
  if (PARSE_OK("{" STUDY "}", &p) == OGAS_OK) {
    CHECK(p.nb_params == 3 && p.nb_sims == 100 && p.l_bounds[2] == 10 && p.u_bounds[2] == 130);
    CHECK(strcmp(p.parameter_names[0], "p0") == 0 && strcmp(p.parameter_names[2], "p2") == 0);
    CHECK(p.breeder.breakpoint == 4 && p.model.model_dim == 128 && p.data.buffer_size == 6000);
    CHECK(p.layout == OGAS_CFG_LAYOUT_NATIVE && ogas_config_n_ignored(&p) == 0);
    CHECK(ogas_config_validate(&p, NULL, 0) == OGAS_OK);
  }
  ogas_config_free(&p);
}

/* Look up "section.key" or "key" in a JSON object. */
static json_t *json_at(json_t *root, const char *path) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s", path);
  char *dot = strchr(buf, '.');
  if (!dot) return json_object_get(root, buf);
  *dot = '\0';
  return json_object_get(json_object_get(root, buf), dot + 1);
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '`') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '`')) s[--n] = '\0';
  return s;
}

/* Every key table row of docs/config.md names a real key, with the type
   and default the code has; every key the code writes is documented. */
static void test_docs_match_defaults(void) {
  char *doc = read_text(OGAS_TEST_DATA "/../../docs/config.md");
  CHECK_MSG(doc != NULL, "cannot read docs/config.md");
  if (!doc) return;
  ogas_config c;
  ogas_config_defaults(&c);
  char *text = ogas_config_to_json(&c);
  json_t *defaults = json_loads(text, 0, NULL);
  free(text);
  CHECK(defaults != NULL);
  json_t *documented = json_object();
  int rows = 0;
  for (char *line = strtok(doc, "\n"); line && defaults; line = strtok(NULL, "\n")) {
    if (strncmp(line, "| `", 3) != 0) continue;
    char *cells[8];
    int n = 0;
    for (char *s = line + 1; n < 8; n++) {
      char *bar = strchr(s, '|');
      if (!bar) break;
      *bar = '\0';
      cells[n] = s;
      s = bar + 1;
    }
    if (n != 5) continue; /* mapping and rule tables */
    char *key = trim(cells[0]), *type = trim(cells[1]), *def = trim(cells[2]);
    rows++;
    json_object_set_new(documented, key, json_true());
    if (strcmp(def, "none") == 0) continue; /* optional and absent by default */
    json_t *have = json_at(defaults, key);
    CHECK_MSG(have != NULL, "docs/config.md documents '%s', which the code does not write", key);
    if (!have) continue;
    if (strcmp(def, "required") == 0 || strcmp(def, "none") == 0 ||
        (def[0] == '"' && strchr(def, '`')))
      continue;
    json_t *want = json_loads(def, JSON_DECODE_ANY, NULL);
    CHECK_MSG(want != NULL, "%s: default '%s' is not a JSON literal", key, def);
    if (!want) continue;
    if (strcmp(type, "count") == 0)
      CHECK_MSG(json_is_integer(have) && json_is_integer(want), "%s: count", key);
    else if (strcmp(type, "number") == 0)
      CHECK_MSG(json_is_real(have), "%s: number", key);
    else if (strcmp(type, "boolean") == 0)
      CHECK_MSG(json_is_boolean(have), "%s: boolean", key);
    else if (strcmp(type, "string") == 0)
      CHECK_MSG(json_is_string(have), "%s: string", key);
    if (json_is_number(want))
      CHECK_MSG(json_is_number(have) && json_number_value(have) == json_number_value(want),
                "%s: docs say %s, code has %g", key, def, json_number_value(have));
    else
      CHECK_MSG(json_equal(have, want), "%s: docs say %s", key, def);
    json_decref(want);
  }
  CHECK_MSG(rows == 63, "documented %d keys", rows);
  /* The other direction: every key the code writes has a row. */
  const char *k;
  json_t *v;
  json_object_foreach(defaults, k, v) {
    if (json_is_object(v)) {
      const char *k2;
      json_t *v2;
      json_object_foreach(v, k2, v2) {
        char path[128];
        snprintf(path, sizeof path, "%s.%s", k, k2);
        CHECK_MSG(json_object_get(documented, path), "'%s' is missing from docs/config.md", path);
      }
    } else {
      CHECK_MSG(json_object_get(documented, k), "'%s' is missing from docs/config.md", k);
    }
  }
  json_decref(documented);
  json_decref(defaults);
  free(doc);
}

static void test_round_trip(void) {
  char err[512];
  ogas_config a, b;
  int rc = ogas_config_load_file(OGAS_TEST_DATA "/configs/full.json", &a, err, sizeof err);
  CHECK_MSG(rc == OGAS_OK, "%s", err);
  if (rc) return;
  /* Spot checks that every section was read. */
  CHECK(a.nb_params == 3 && strcmp(a.parameter_names[2], "L") == 0 && a.seed == 42);
  CHECK(a.non_breed_sampler == OGAS_CFG_SAMPLER_SOBOL && strcmp(a.run_dir, "runs/full") == 0);
  CHECK(a.verbose && a.breeder.loss_sampling_strategy == OGAS_CFG_LOSS_PROPORTIONAL);
  CHECK(a.breeder.min_train_steps == 150 && a.breeder.trust_probe_share == 0.125 &&
        a.model.sampler == OGAS_CFG_DDPM_SAMPLER_DDIM);
  CHECK(a.model.noise_schedule == OGAS_CFG_SCHEDULE_LINEAR && a.model.beta_end == 0.03);
  CHECK(a.data.clip_loss_norm_to_3_sigma && a.data.batch_size == 64);
  /* full.json sets every key away from its default. */
  ogas_config d;
  ogas_config_defaults(&d);
  char *dj = ogas_config_to_json(&d), *aj = ogas_config_to_json(&a);
  json_t *dt = json_loads(dj, 0, NULL), *at = json_loads(aj, 0, NULL);
  const char *sec;
  json_t *obj;
  json_object_foreach(at, sec, obj) {
    if (!json_is_object(obj)) continue;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
        CHECK_MSG(!json_equal(v, json_object_get(json_object_get(dt, sec), k)),
                  "full.json leaves %s.%s at its default", sec, k);
  }
  json_decref(dt);
  json_decref(at);
  free(dj);

  /* parse(to_json(c)) == c, and to_json is a fixed point. */
  if (PARSE_OK(aj, &b) == OGAS_OK) {
    CHECK(ogas_config_equal(&a, &b));
    char *bj = ogas_config_to_json(&b);
    CHECK(bj && strcmp(aj, bj) == 0);
    free(bj);
  }
  ogas_config_free(&b);
  free(aj);

  /* Awkward values: shortest-digit reals, tiny and huge bounds, escapes,
     the largest seed (written as a string). */
  ogas_config_free(&a);
  const char *odd =
      "{\"nb_params\": 2, \"l_bounds\": [0.1, -1e300], \"u_bounds\": [0.30000000000000004, 1e-300],"
      " \"parameter_names\": [\"x \\\"quoted\\\" \\\\ \\n\", \"\\u00e9t\\u00e9\"], \"nb_sims\": 7,"
      " \"seed\": \"18446744073709551615\", \"run_dir\": \"a/b c\", \"model\": {\"lr\": 3.3e-5}}";
  if (PARSE_OK(odd, &a) == OGAS_OK) {
    CHECK(a.seed == UINT64_MAX && a.u_bounds[0] == 0.30000000000000004);
    CHECK(strcmp(a.parameter_names[0], "x \"quoted\" \\ \n") == 0);
    aj = ogas_config_to_json(&a);
    CHECK(strstr(aj, "\"seed\": \"18446744073709551615\"") != NULL);
    CHECK(strstr(aj, "\"lr\": 3.3e-05") != NULL);
    if (PARSE_OK(aj, &b) == OGAS_OK) CHECK(ogas_config_equal(&a, &b));
    ogas_config_free(&b);
    free(aj);
  }

  /* copy is deep and equal; free resets. */
  ogas_config cp;
  CHECK(ogas_config_copy(&cp, &a) == OGAS_OK);
  CHECK(ogas_config_equal(&a, &cp) && cp.l_bounds != a.l_bounds && cp.run_dir != a.run_dir);
  cp.model.lr = 1.0;
  CHECK(!ogas_config_equal(&a, &cp));
  ogas_config_free(&cp);
  ogas_config_free(&a);
  CHECK(a.l_bounds == NULL && a.nb_params == 0 && a.model.lr == 1e-3);
  ogas_config_free(NULL);
}

static void test_errors(void) {
  /* The messages of the brief, verbatim. */
  EXPECT_ERR("{" STUDY ", \"breeder\": {\"loss_sampling_strategy\": \"proportinal\"}}",
             "config: breeder.loss_sampling_strategy: expected one of \"proportional\", "
             "\"uniform_quantile\", got \"proportinal\" (did you mean \"proportional\"?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"model_dimm\": 64}}",
                   "config: unknown key 'model.model_dimm' (did you mean 'model.model_dim'?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"data\": {\"batch_size\": 0}}",
                   "config: data.batch_size: expected an integer >= 1, got 0");
  EXPECT_ERR_EXACT(
      "{\"nb_params\": 3, \"l_bounds\": [0, 0, 5], \"u_bounds\": [1, 1, 5], \"nb_sims\": 1}",
      "config: l_bounds[2] = 5 must be < u_bounds[2] = 5");
  EXPECT_ERR_EXACT("{" STUDY ", \"data\": {\"buffer_size\": 100}}",
                   "config: data.buffer_size (100) must be >= data.batch_size (128)");

  /* Types. */
  EXPECT_ERR_EXACT("{" STUDY ", \"breeder\": {\"resample_oob\": \"yes\"}}",
                   "config: breeder.resample_oob: expected a boolean, got a string");
  EXPECT_ERR_EXACT("{" STUDY ", \"verbose\": 1}",
                   "config: verbose: expected a boolean, got a number");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"lr\": \"2e-4\"}}",
                   "config: model.lr: expected a number, got a string");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"n_blocks\": [3]}}",
                   "config: model.n_blocks: expected an integer, got an array");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"sampler\": null}}",
                   "config: model.sampler: expected one of \"ddpm\", \"ddim\", got null");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": 3}", "config: model: expected an object, got a number");
  EXPECT_ERR_EXACT("[1, 2]", "config: expected a JSON object at the top level, got an array");

  /* Integers: 4.0 is fine, 4.5 and out-of-range values are not. */
  ogas_config c;
  if (PARSE_OK("{\"nb_params\": 1, \"l_bounds\": [0], \"u_bounds\": [1], \"breeder\": "
               "{\"breakpoint\": 6.0},"
               " \"nb_sims\": 1e3}",
               &c) == OGAS_OK)
    CHECK(c.breeder.breakpoint == 6 && c.nb_sims == 1000);
  ogas_config_free(&c);
  EXPECT_ERR("{\"breeder\": {\"breakpoint\": 6.0}, \"nb_sims\": 1e3, " STUDY "}",
             "duplicate object key");
  EXPECT_ERR_EXACT("{" STUDY ", \"breeder\": {\"breakpoint\": 4.5}}",
                   "config: breeder.breakpoint: expected an integer >= 1, got 4.5");
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"breeder\": {\"breakpoint\": 3000000000}}",
      "config: breeder.breakpoint: expected an integer in 1..2147483647, got 3000000000");
  EXPECT_ERR_EXACT("{" STUDY ", \"breeder\": {\"breakpoint\": 1e30}}",
                   "config: breeder.breakpoint: expected an integer in 1..2147483647, got 1e+30");
  EXPECT_ERR(
      "{" STUDY ", \"breeder\": {\"breakpoint\": 99999999999999999999}}",
      "number out of range (integers must fit in 64 bits, reals in a double): too big integer");
  EXPECT_ERR("{" STUDY ", \"model\": {\"lr\": 1e999}}", "real number overflow");
  EXPECT_ERR("{" STUDY ", \"model\": {\"lr\": NaN}}", "JSON syntax error: invalid token");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"model_dim\": 255}}",
                   "config: model.model_dim: expected an even integer in 8..65536, got 255");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"timesteps\": 1}}",
                   "config: model.timesteps: expected an integer in 2..10000, got 1");

  /* Real ranges, each bound kind. */
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"ema_decay\": 1}}",
                   "config: model.ema_decay: expected a number in [0, 1), got 1");
  EXPECT_ERR_EXACT("{" STUDY ", \"data\": {\"ema_loss_alpha\": 0}}",
                   "config: data.ema_loss_alpha: expected a number in (0, 1], got 0");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"lr\": 0}}",
                   "config: model.lr: expected a number > 0, got 0");
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"weight_decay\": -0.5}}",
                   "config: model.weight_decay: expected a number >= 0, got -0.5");
  EXPECT_ERR_EXACT("{" STUDY ", \"breeder\": {\"end_breed_ratio\": 1.5}}",
                   "config: breeder.end_breed_ratio: expected a number in [0, 1], got 1.5");
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"breeder\": {\"ratio_mlp_label_smoothing\": 0.5}}",
      "config: breeder.ratio_mlp_label_smoothing: expected a number in [0, 0.5), got 0.5");

  /* Rules across keys. */
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"sampler\": \"ddim\", \"ddim_steps\": 200}}",
                   "config: model.ddim_steps (200) must be <= model.timesteps (50)");
  if (PARSE_OK("{" STUDY ", \"model\": {\"ddim_steps\": 200}}", &c) == OGAS_OK)
    CHECK(c.model.ddim_steps == 200);
  ogas_config_free(&c);
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"model\": {\"noise_schedule\": \"linear\", \"beta_start\": 0.5}}",
      "config: model.beta_start (0.5) must be < model.beta_end (0.02) for the linear schedule");
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"breeder\": {\"ratio_weight_max\": 0.05}}",
      "config: breeder.ratio_weight_max (0.05) must be >= breeder.ratio_weight_min (0.1)");
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"breeder\": {\"min_reservoir_entries\": 7000}}",
      "config: breeder.min_reservoir_entries (7000) must be <= data.buffer_size (6000)");

  /* The study description. */
  EXPECT_ERR_EXACT("{\"l_bounds\": [0], \"u_bounds\": [1], \"nb_sims\": 1}",
                   "config: missing required key 'nb_params'");
  EXPECT_ERR_EXACT("{\"nb_params\": 1, \"l_bounds\": [0], \"u_bounds\": [1]}",
                   "config: missing required key 'nb_sims'");
  EXPECT_ERR_EXACT("{\"nb_params\": 1, \"l_bounds\": [0], \"nb_sims\": 1}",
                   "config: missing required key 'u_bounds'");
  EXPECT_ERR_EXACT(
      "{\"nb_params\": 3, \"l_bounds\": [0, 0], \"u_bounds\": [1, 1, 1], \"nb_sims\": 1}",
      "config: l_bounds has 2 entries but nb_params is 3");
  EXPECT_ERR_EXACT(
      "{\"nb_params\": 2, \"l_bounds\": [0, 0], \"u_bounds\": [1, 1, 1], \"nb_sims\": 1}",
      "config: u_bounds has 3 entries but nb_params is 2");
  EXPECT_ERR_EXACT("{" STUDY ", \"parameter_names\": [\"a\", \"b\"]}",
                   "config: parameter_names has 2 entries but nb_params is 3");
  EXPECT_ERR_EXACT("{" STUDY ", \"parameter_names\": [\"a\", \"b\", \"a\"]}",
                   "config: parameter_names[2] = \"a\" repeats parameter_names[0]");
  EXPECT_ERR_EXACT("{" STUDY ", \"parameter_names\": [\"a\", \"\", \"c\"]}",
                   "config: parameter_names[1]: expected a non-empty string");
  EXPECT_ERR_EXACT("{" STUDY ", \"parameter_names\": [\"a\", 2, \"c\"]}",
                   "config: parameter_names[1]: expected a string, got a number");
  EXPECT_ERR_EXACT("{\"nb_params\": 0, \"l_bounds\": [], \"u_bounds\": [], \"nb_sims\": 1}",
                   "config: nb_params: expected an integer in 1..4096, got 0");
  EXPECT_ERR_EXACT(
      "{\"nb_params\": 2, \"l_bounds\": [0, \"np.pi\"], \"u_bounds\": [1, 4], \"nb_sims\": 1}",
      "config: l_bounds[1]: expected a number, got a string (\"np.pi\"; ogas does not evaluate "
      "expressions)");
  EXPECT_ERR_EXACT(
      "{\"nb_params\": 1, \"l_bounds\": [-1e308], \"u_bounds\": [1e308], \"nb_sims\": 1}",
      "config: u_bounds[0] - l_bounds[0] overflows a double");
  EXPECT_ERR_EXACT("{" STUDY ", \"seed\": -1}",
                   "config: seed: expected an integer in 0..18446744073709551615 (or a string of "
                   "decimal digits), got -1");
  EXPECT_ERR("{" STUDY ", \"seed\": \"18446744073709551616\"}", "got \"18446744073709551616\"");
  EXPECT_ERR("{" STUDY ", \"seed\": \"12a\"}", "config: seed: expected an integer");
  EXPECT_ERR_EXACT("{" STUDY ", \"run_dir\": \"\"}",
                   "config: run_dir: expected a non-empty string (or null), got \"\"");
  if (PARSE_OK("{" STUDY ", \"run_dir\": null, \"seed\": 7.0}", &c) == OGAS_OK)
    CHECK(c.run_dir == NULL && c.seed == 7);
  ogas_config_free(&c);

  /* Unknown keys: suggestions at the same level, from another section, none. */
  EXPECT_ERR_EXACT("{" STUDY ", \"model\": {\"batch_size\": 4}}",
                   "config: unknown key 'model.batch_size' (did you mean 'data.batch_size'?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"lr\": 0.1}",
                   "config: unknown key 'lr' (did you mean 'model.lr'?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"nb_simz\": 5}",
                   "config: unknown key 'nb_simz' (did you mean 'nb_sims'?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"brreeder\": {}}",
                   "config: unknown key 'brreeder' (did you mean 'breeder'?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"data\": {\"bufer_size\": 5}}",
                   "config: unknown key 'data.bufer_size' (did you mean 'data.buffer_size'?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"data\": {\"batchsize\": 5}}",
                   "config: unknown key 'data.batchsize' (did you mean 'data.batch_size'?)");
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"data\": {\"ema_los_alpha\": 0.5}}",
      "config: unknown key 'data.ema_los_alpha' (did you mean 'data.ema_loss_alpha'?)");
  EXPECT_ERR_EXACT("{" STUDY ", \"flux_capacitor\": 1}", "config: unknown key 'flux_capacitor'");
  EXPECT_ERR_EXACT("{" STUDY ", \"parameter_sweep_size\": 5}",
                   "config: unknown key 'parameter_sweep_size' (did you mean 'nb_sims'?)");
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"non_breed_sampling_strategy\": \"LHS\"}",
      "config: unknown key 'non_breed_sampling_strategy' (did you mean 'non_breed_sampler'?)");
  EXPECT_ERR_EXACT(
      "{" STUDY ", \"model\": {\"name\": \"ddpm\"}}",
      "config: unknown key 'model.name' (a key of the reference breeder that ogas does not use)");

  /* Malformed JSON: line and column. */
  EXPECT_ERR_EXACT("{\n  \"nb_params\": 3,\n  \"l_bounds\": [0, 0, 10],\n  \"nb_sims\" 100\n}",
                   "config: line 4, column 15: JSON syntax error: ':' expected near '100'");
  EXPECT_ERR_EXACT("{\n  \"nb_sims\": 1,\n  \"seed\": 1,\n  \"nb_sims\": 2\n}",
                   "config: line 4, column 11: duplicate object key near '\"nb_sims\"'");
  EXPECT_ERR_EXACT("{\"model\": {\"lr\": 1, \"lr\": 2}}",
                   "config: line 1, column 24: duplicate object key near '\"lr\"'");
  EXPECT_ERR_EXACT(
      "", "config: line 1, column 0: JSON syntax error: '[' or '{' expected near end of file");
  EXPECT_ERR_EXACT("{\n /* open", "config: line 2, column 2: unterminated /* comment");
  EXPECT_ERR_EXACT(NULL, "config: no JSON text given");
  EXPECT_ERR("{" STUDY ", \"data\": {,}}", "JSON syntax error");
  EXPECT_ERR("{" STUDY ", \"l\": [,]}", "JSON syntax error");

  /* Comments and trailing commas are fine and keep positions right. */
  if (PARSE_OK("// study\n{ /* é */ " STUDY ", \"model\": {\"lr\": 0.5,}, // why\n \"seed\": 3, }",
               &c) == OGAS_OK)
    CHECK(c.model.lr == 0.5 && c.seed == 3);
  ogas_config_free(&c);
  EXPECT_ERR_EXACT("/* é */ {\"a\" 1}",
                   "config: line 1, column 14: JSON syntax error: ':' expected near '1'");
  EXPECT_ERR_EXACT("{\"s\": \"// not a comment\", \"x\": 1 2}",
                   "config: line 1, column 34: JSON syntax error: '}' expected near '2'");

  /* A short buffer truncates but stays terminated; NULL is accepted. */
  char tiny[12];
  CHECK(ogas_config_parse("{}", &c, tiny, sizeof tiny) == OGAS_EINVAL && strlen(tiny) == 11);
  CHECK(ogas_config_parse("{}", &c, NULL, 0) == OGAS_EINVAL);
}

static void test_files(void) {
  char err[512];
  ogas_config c;
  CHECK(ogas_config_load_file(OGAS_TEST_DATA "/configs/minimal.json", &c, err, sizeof err) ==
        OGAS_OK);
  CHECK(c.nb_params == 2 && c.l_bounds[1] == -1 && c.nb_sims == 100);
  ogas_config_free(&c);
  CHECK(ogas_config_load_file(OGAS_TEST_DATA "/configs/no_such.json", &c, err, sizeof err) ==
        OGAS_EIO);
  CHECK_MSG(strstr(err, "no_such.json': No such file or directory") &&
                strncmp(err, "config: cannot read '", 21) == 0,
            "%s", err);
  CHECK(ogas_config_load_file(OGAS_TEST_DATA "/configs", &c, err, sizeof err) == OGAS_EIO);
  CHECK_MSG(strstr(err, "Is a directory") != NULL, "%s", err);
  /* Parse errors name the file. */
  char path[512];
  snprintf(path, sizeof path, "%s/test_config_bad.json", OGAS_TEST_OUT);
  FILE *f = fopen(path, "w");
  if (f) {
    fputs("{\n  \"nb_params\": 2,\n  \"modle\": {}\n}\n", f);
    fclose(f);
    CHECK(ogas_config_load_file(path, &c, err, sizeof err) == OGAS_EINVAL);
    char want[700];
    snprintf(want, sizeof want, "%s: config: unknown key 'modle' (did you mean 'model'?)", path);
    CHECK_MSG(strcmp(err, want) == 0, "%s", err);
    remove(path);
  }
}

static void test_melissa(void) {
  char err[512];
  ogas_config c;
  int rc = ogas_config_load_file(OGAS_TEST_DATA "/configs/melissa_study.json", &c, err, sizeof err);
  CHECK_MSG(rc == OGAS_OK, "%s", err);
  if (rc == OGAS_OK) {
    CHECK(c.layout == OGAS_CFG_LAYOUT_MELISSA);
    CHECK(c.nb_sims == 500 && c.nb_params == 2 && c.seed == 1234);
    CHECK(c.l_bounds[0] == 0.5 && c.l_bounds[1] == 10 && c.u_bounds[0] == 1.5 &&
          c.u_bounds[1] == 60);
    CHECK(c.breeder.breakpoint == 4 && c.breeder.max_epoch_per_epoch == 50);
    CHECK(c.breeder.max_mlp_steps_per_collect == 4 && c.breeder.end_breed_ratio == 0.7);
    CHECK(c.breeder.activate_breed); /* read, not ignored: false would stop breeding */
    CHECK(c.model.model_dim == 1024 && c.model.n_train_steps_per_epoch == 1 && c.model.lr == 2e-4);
    CHECK(c.data.buffer_size == 6000 && c.data.batch_size == 128); /* not dl_config's */
    static const char *const ignored[] = {
        "server_filename",
        "server_class",
        "output_dir",
        "study_options.field_names",
        "study_options.num_samples",
        "study_options.simulation_timeout",
        "study_options.verbosity",
        "active_sampling_config.nn_updates",
        "active_sampling_config.value_to_register",
        "active_sampling_config.loss_type",
        "active_sampling_config.breed_params.log_extra",
        "active_sampling_config.breed_params.model.name",
        "active_sampling_config.breed_params.breeder.ratio_mlp_dropout",
        "dl_config"};
    size_t n = sizeof ignored / sizeof ignored[0];
    CHECK_MSG(ogas_config_n_ignored(&c) == n, "%zu ignored", ogas_config_n_ignored(&c));
    for (size_t i = 0; i < n && i < ogas_config_n_ignored(&c); i++)
      CHECK_MSG(strcmp(ogas_config_ignored(&c, i), ignored[i]) == 0, "ignored[%zu] = %s", i,
                ogas_config_ignored(&c, i));
    CHECK(ogas_config_ignored(&c, n) == NULL);

    /* The copy keeps the list; to_json gives a native file that reads back equal. */
    ogas_config cp, back;
    CHECK(ogas_config_copy(&cp, &c) == OGAS_OK && ogas_config_n_ignored(&cp) == n);
    CHECK(strcmp(ogas_config_ignored(&cp, n - 1), "dl_config") == 0);
    char *text = ogas_config_to_json(&c);
    if (PARSE_OK(text, &back) == OGAS_OK) {
      CHECK(ogas_config_equal(&c, &back) && back.layout == OGAS_CFG_LAYOUT_NATIVE);
      CHECK(ogas_config_n_ignored(&back) == 0);
    }
    free(text);
    ogas_config_free(&back);
    ogas_config_free(&cp);
  }
  ogas_config_free(&c);

#define SO \
  "\"study_options\": {\"parameter_sweep_size\": 10, \"l_bounds\": [0, 0], \"u_bounds\": [1, 5]}"
#define ASC(bp) \
  "\"active_sampling_config\": {\"breeder_backend\": \"ogas\", \"breed_params\": " bp "}"
  /* nb_parameters is optional; the sampler may use the reference spelling. */
  if (PARSE_OK("{" SO ", " ASC(
                   "{\"non_breed_sampling_strategy\": \"LHS\", \"parameter_names\": [\"x\", \"y\"],"
                   " \"run_dir\": \"out\", \"verbose\": true}") "}",
               &c) == OGAS_OK) {
    CHECK(c.nb_params == 2 && c.nb_sims == 10 && c.non_breed_sampler == OGAS_CFG_SAMPLER_LHS);
    CHECK(strcmp(c.parameter_names[1], "y") == 0 && strcmp(c.run_dir, "out") == 0 && c.verbose);
    CHECK(ogas_config_n_ignored(&c) == 0);
  }
  ogas_config_free(&c);
  if (PARSE_OK("{" SO ", " ASC("{\"non_breed_sampling_strategy\": \"random\"}") "}", &c) == OGAS_OK)
    CHECK(c.non_breed_sampler == OGAS_CFG_SAMPLER_UNIFORM);
  ogas_config_free(&c);
  if (PARSE_OK("{" SO "}", &c) == OGAS_OK)
    CHECK(c.layout == OGAS_CFG_LAYOUT_MELISSA && c.model.model_dim == 128);
  ogas_config_free(&c);

  /* Still errors: typos of ogas keys, misplaced keys, other backends, types, ranges. */
  EXPECT_ERR_EXACT("{" SO ", " ASC("{\"model\": {\"model_dimm\": 64}}") "}",
                   "config: unknown key 'active_sampling_config.breed_params.model.model_dimm' "
                   "(did you mean 'active_sampling_config.breed_params.model.model_dim'?)");
  EXPECT_ERR_EXACT("{" SO ", " ASC("{\"model\": {\"batch_size\": 64}}") "}",
                   "config: unknown key 'active_sampling_config.breed_params.model.batch_size' "
                   "(did you mean 'active_sampling_config.breed_params.data.batch_size'?)");
  EXPECT_ERR_EXACT("{" SO ", " ASC("{\"breder\": {}}") "}",
                   "config: unknown key 'active_sampling_config.breed_params.breder' "
                   "(did you mean 'active_sampling_config.breed_params.breeder'?)");
  EXPECT_ERR_EXACT(
      "{\"study_options\": {\"parameter_sweep_size\": 10, \"nb_parameter\": 2, \"l_bounds\": [0], "
      "\"u_bounds\": [1]}}",
      "config: unknown key 'study_options.nb_parameter' (did you mean "
      "'study_options.nb_parameters'?)");
  EXPECT_ERR_EXACT("{" SO ", \"nb_params\": 2}",
                   "config: unknown key 'nb_params' (did you mean 'study_options.nb_parameters'?)");
  EXPECT_ERR_EXACT("{" SO ", " ASC("{\"nb_sims\": 4}") "}",
                   "config: unknown key 'active_sampling_config.breed_params.nb_sims' "
                   "(did you mean 'study_options.parameter_sweep_size'?)");
  EXPECT_ERR_EXACT("{" SO ", \"active_sampling_config\": {\"breeder_backend\": \"default\"}}",
                   "config: active_sampling_config.breeder_backend: expected one of \"ogas\", "
                   "\"ogas_breeder\", got \"default\"");
  EXPECT_ERR_EXACT("{" SO ", " ASC("{\"data\": {\"batch_size\": \"128\"}}") "}",
                   "config: active_sampling_config.breed_params.data.batch_size: expected an "
                   "integer, got a string");
  EXPECT_ERR_EXACT("{" SO ", " ASC("{\"data\": {\"buffer_size\": 100}}") "}",
                   "config: active_sampling_config.breed_params.data.buffer_size (100) must be >= "
                   "active_sampling_config.breed_params.data.batch_size (128)");
  EXPECT_ERR_EXACT(
      "{\"study_options\": {\"parameter_sweep_size\": 10, \"l_bounds\": [0, 5], \"u_bounds\": [1, "
      "5]}}",
      "config: study_options.l_bounds[1] = 5 must be < study_options.u_bounds[1] = 5");
  EXPECT_ERR_EXACT(
      "{\"study_options\": {\"parameter_sweep_size\": 10, \"nb_parameters\": 3, \"l_bounds\": [0, "
      "0], \"u_bounds\": [1, 5]}}",
      "config: study_options.l_bounds has 2 entries but study_options.nb_parameters is 3");
  EXPECT_ERR_EXACT("{\"study_options\": {\"l_bounds\": [0], \"u_bounds\": [1]}}",
                   "config: missing required key 'study_options.parameter_sweep_size'");
  EXPECT_ERR_EXACT("{\"study_options\": {\"parameter_sweep_size\": 10}}",
                   "config: missing required key 'study_options.l_bounds'");
  EXPECT_ERR_EXACT("{" ASC("{}") "}",
                   "config: missing required key 'study_options' (it gives the bounds and budget)");
  EXPECT_ERR_EXACT(
      "{" SO
      ", " ASC("{\"non_breed_sampler\": \"lhs\", \"non_breed_sampling_strategy\": \"LHS\"}") "}",
      "config: active_sampling_config.breed_params.non_breed_sampling_strategy: "
      "the non-breed sampler is already set by another key");
  EXPECT_ERR_EXACT(
      "{" SO ", " ASC("{\"non_breed_sampling_strategy\": \"grid\"}") "}",
      "config: active_sampling_config.breed_params.non_breed_sampling_strategy: expected one of "
      "\"random\", \"LHS\", \"HALTON\", \"SOBOL\", got \"grid\"");
  EXPECT_ERR_EXACT("{\"study_options\": 5}",
                   "config: study_options: expected an object, got a number");
}

static void test_incompatible(void) {
  ogas_config a, b;
  if (PARSE_OK("{" STUDY "}", &a) != OGAS_OK) return;
  CHECK(ogas_config_copy(&b, &a) == OGAS_OK);
  CHECK(ogas_config_incompatible_field(&a, &b) == NULL);
  /* Harmless changes. */
  b.model.lr = 1e-3, b.nb_sims = 5000, b.seed = 9, b.breeder.end_breed_ratio = 0.9;
  b.model.beta_start = 0.001; /* cosine: betas unused */
  CHECK(ogas_config_incompatible_field(&a, &b) == NULL);
#define EXPECT_INCOMPATIBLE(change, name)                                            \
  do {                                                                               \
    ogas_config_free(&b);                                                            \
    ogas_config_copy(&b, &a);                                                        \
    change;                                                                          \
    const char *got = ogas_config_incompatible_field(&a, &b);                        \
    CHECK_MSG(got &&strcmp(got, name) == 0, "%s: got %s", name, got ? got : "NULL"); \
  } while (0)
  /* nb_params sizes the owned arrays: change it only for the comparison. */
  b.nb_params = 2;
  const char *first = ogas_config_incompatible_field(&a, &b);
  CHECK(first && strcmp(first, "nb_params") == 0);
  b.nb_params = 3;
  EXPECT_INCOMPATIBLE(b.l_bounds[1] = -1, "l_bounds");
  EXPECT_INCOMPATIBLE(b.u_bounds[2] = 131, "u_bounds");
  EXPECT_INCOMPATIBLE(b.model.model_dim = 256, "model.model_dim");
  EXPECT_INCOMPATIBLE(b.model.n_blocks = 4, "model.n_blocks");
  EXPECT_INCOMPATIBLE(b.model.timesteps = 60, "model.timesteps");
  EXPECT_INCOMPATIBLE(b.model.box_prior = false, "model.box_prior");
  EXPECT_INCOMPATIBLE(b.model.noise_schedule = OGAS_CFG_SCHEDULE_LINEAR, "model.noise_schedule");
  EXPECT_INCOMPATIBLE((a.model.noise_schedule = b.model.noise_schedule = OGAS_CFG_SCHEDULE_LINEAR,
                       b.model.beta_end = 0.03),
                      "model.beta_end");
  a.model.noise_schedule = OGAS_CFG_SCHEDULE_COSINE;
  EXPECT_INCOMPATIBLE(b.breeder.ratio_mlp_hidden_dim = 32, "breeder.ratio_mlp_hidden_dim");
  EXPECT_INCOMPATIBLE(b.data.buffer_size = 7000, "data.buffer_size");
  /* The first difference is named. */
  EXPECT_INCOMPATIBLE((b.data.buffer_size = 7000, b.model.n_blocks = 1), "model.n_blocks");
  ogas_config_free(&a);
  ogas_config_free(&b);
}

static void test_validate(void) {
  ogas_config c;
  char err[512];
  if (PARSE_OK("{" STUDY "}", &c) != OGAS_OK) return;
  CHECK(ogas_config_validate(&c, err, sizeof err) == OGAS_OK);
  c.model.p_uncond = 1.5;
  CHECK(ogas_config_validate(&c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strcmp(err, "config: model.p_uncond: expected a number in [0, 1], got 1.5") == 0, "%s",
            err);
  c.model.p_uncond = 0.1;
  c.model.sampler = (ogas_cfg_ddpm_sampler)5;
  CHECK(ogas_config_validate(&c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strcmp(err, "config: model.sampler: invalid enum value 5") == 0, "%s", err);
  c.model.sampler = OGAS_CFG_DDPM_SAMPLER_DDPM;
  c.l_bounds[0] = NAN;
  CHECK(ogas_config_validate(&c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strcmp(err, "config: l_bounds[0] = nan and u_bounds[0] = 1 must be finite") == 0, "%s",
            err);
  c.l_bounds[0] = 0;
  c.nb_sims = 0;
  CHECK(ogas_config_validate(&c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strcmp(err, "config: nb_sims: expected an integer >= 1, got 0") == 0, "%s", err);
  c.nb_sims = 1;
  CHECK(ogas_config_validate(&c, err, sizeof err) == OGAS_OK);
  ogas_config_free(&c);
  ogas_config_defaults(&c);
  CHECK(ogas_config_validate(&c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strcmp(err, "config: nb_sims: expected an integer >= 1, got 0") == 0, "%s", err);
}

/* Parsing must never crash or leak: whatever comes back is OK with a valid
   config, or EINVAL with a message. */
static int parse_any(const char *text) {
  char err[256] = "x";
  ogas_config c;
  int rc = ogas_config_parse(text, &c, err, sizeof err);
  int sane = rc == OGAS_EINVAL ? strncmp(err, "config: ", 8) == 0
                               : rc == OGAS_OK && ogas_config_validate(&c, NULL, 0) == OGAS_OK;
  ogas_config_free(&c);
  return sane ? rc : -1;
}

static void test_robustness(void) {
  const char *files[] = {OGAS_TEST_DATA "/configs/full.json",
                         OGAS_TEST_DATA "/configs/melissa_study.json"};
  for (int f = 0; f < 2; f++) {
    char *text = read_text(files[f]);
    CHECK(text != NULL);
    if (!text) continue;
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    int insane = 0, ok = 0;
    for (size_t len = 0; len <= n; len++) {
      memcpy(buf, text, len);
      buf[len] = '\0';
      int rc = parse_any(buf);
      insane += rc < 0;
      ok += rc == OGAS_OK;
    }
    CHECK_MSG(insane == 0, "%d prefixes gave a bad status or message", insane);
    /* Only the text up to its closing brace (plus trailing blanks) is valid. */
    CHECK_MSG(ok == 2, "%d prefixes parsed", ok);

    /* Random single-byte mutations. */
    ogas_rng rng;
    ogas_rng_seed(&rng, 2024, (uint64_t)f);
    static const char alphabet[] = "{}[]\":,0123456789.eE-+ tfnul/*\\\n\xc3\xa9";
    for (int trial = 0; trial < 3000; trial++) {
      memcpy(buf, text, n + 1);
      for (int k = 0; k < 3; k++)
        buf[ogas_rng_below(&rng, n)] = alphabet[ogas_rng_below(&rng, sizeof alphabet - 1)];
      insane += parse_any(buf) < 0;
    }
    CHECK_MSG(insane == 0, "%d mutations gave a bad status or message", insane);
    free(buf);
    free(text);
  }
  /* Garbage. */
  ogas_rng rng;
  ogas_rng_seed(&rng, 7, 0);
  char garbage[300];
  int insane = 0;
  for (int trial = 0; trial < 3000; trial++) {
    size_t len = ogas_rng_below(&rng, sizeof garbage);
    for (size_t i = 0; i < len; i++) {
      char ch = (char)(1 + ogas_rng_below(&rng, 255));
      garbage[i] = trial % 2 ? ch : "{}[]\":,01.e- /*\n"[ogas_rng_below(&rng, 16)];
    }
    garbage[len] = '\0';
    insane += parse_any(garbage) < 0;
  }
  CHECK_MSG(insane == 0, "%d garbage inputs gave a bad status or message", insane);
}

/* Every allocation of parse, to_json, copy and load_file, failed in turn:
   the call reports OGAS_ENOMEM (or NULL) and nothing leaks. */
static void test_allocation_failures(void) {
#if FAILING_MALLOC
  const char *files[] = {OGAS_TEST_DATA "/configs/full.json",
                         OGAS_TEST_DATA "/configs/melissa_study.json"};
  for (int f = 0; f < 2; f++) {
    char *text = read_text(files[f]);
    ogas_config reference;
    CHECK(ogas_config_load_file(files[f], &reference, NULL, 0) == OGAS_OK);
    int failures = 0, bad_status = 0, leaks = 0, finished = 0;
    for (long k = 0; k < 100000 && text && !finished; k++) {
      long before = live_blocks;
      char err[256] = "";
      ogas_config c, cp = {0}, loaded; /* cp stays zero when parse fails and copy is not called */
      fail_countdown = k;
      int rc = ogas_config_parse(text, &c, err, sizeof err);
      char *json = rc == OGAS_OK ? ogas_config_to_json(&c) : NULL;
      int rc_copy = rc == OGAS_OK ? ogas_config_copy(&cp, &c) : OGAS_ENOMEM;
      int rc_load = ogas_config_load_file(files[f], &loaded, NULL, 0);
      finished = fail_countdown >= 0; /* the armed failure never came */
      fail_countdown = -1;
      /* jansson's lexer drops characters it cannot store (lex_save ignores
         allocation failures), so a key may come out truncated and be
         reported as unknown: EINVAL is tolerated, a silently wrong config
         is not. */
      int bad = !(rc == OGAS_OK || (rc == OGAS_EINVAL && strncmp(err, "config: ", 8) == 0) ||
                  (rc == OGAS_ENOMEM && strcmp(err, "config: out of memory") == 0)) ||
                (rc == OGAS_OK && !ogas_config_equal(&c, &reference)) ||
                (rc_load != OGAS_OK && rc_load != OGAS_ENOMEM && rc_load != OGAS_EIO &&
                 rc_load != OGAS_EINVAL) ||
                (finished && !(rc == OGAS_OK && json && rc_copy == OGAS_OK && rc_load == OGAS_OK));
      if (bad && bad_status++ < 3)
        fprintf(stderr, "failing allocation %ld: parse %d (%s), copy %d, load %d, to_json %s\n", k,
                rc, err, rc_copy, rc_load, json ? "ok" : "NULL");
      if (rc_copy == OGAS_OK)
        ogas_config_free(&cp);
      else
        CHECK(cp.l_bounds == NULL && cp.parameter_names == NULL);
      free(json);
      ogas_config_free(&c);
      ogas_config_free(&loaded);
      leaks += live_blocks != before;
      failures += !finished;
    }
    CHECK_MSG(finished && failures > 30, "%s: %d injected failures", files[f], failures);
    CHECK_MSG(bad_status == 0, "%s: %d wrong statuses", files[f], bad_status);
    CHECK_MSG(leaks == 0, "%s: %d runs leaked", files[f], leaks);
    ogas_config_free(&reference);
    free(text);
  }
#endif
}

int main(void) {
  test_defaults();
  test_docs_match_defaults();
  test_round_trip();
  test_errors();
  test_files();
  test_melissa();
  test_incompatible();
  test_validate();
  test_robustness();
  test_allocation_failures();
  return check_exit("test_config");
}

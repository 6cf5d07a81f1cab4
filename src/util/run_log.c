/* run_log — the schema of children.csv and generations.jsonl, their line
 * writers and their readers (run_log.h). */
#include "util/run_log.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/status_msg.h"

int run_log_printf(run_log_text *t, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->cap - t->len;
    int k = vsnprintf(t->text ? t->text + t->len : NULL, t->text ? room : 0, fmt, ap);
    va_end(ap);
    if (k < 0) return -1;
    if (t->text && (size_t)k < room) {
      t->len += (size_t)k;
      return 0;
    }
    size_t cap = t->cap ? t->cap : 4096;
    while (cap - t->len <= (size_t)k) cap *= 2;
    char *grown = realloc(t->text, cap);
    if (!grown) {
      if (t->text) t->text[t->len] = '\0';
      return -1;
    }
    t->text = grown, t->cap = cap;
  }
}

/* ---- children.csv -------------------------------------------------------- */

static const char *const CHILD_COLUMNS[] = {"sim_id", "generation", "is_bred", "status",
                                            "train_loss"};
#define CHILD_FIXED 5
/* Parameters beyond the samplers' limit are refused on reading. */
#define CHILD_MAX_FIELDS 4101
static const char *const STATUS_NAMES[] = {"submitted", "done", "stopped", "failed"};

int run_log_children_header(run_log_text *t, const char *const *names, size_t nb_params) {
  size_t mark = t->len;
  int bad = 0;
  for (size_t k = 0; k < CHILD_FIXED && !bad; k++)
    bad = run_log_printf(t, "%s%s", k ? "," : "", CHILD_COLUMNS[k]);
  for (size_t k = 0; k < nb_params && !bad; k++) {
    if (!names || !names[k]) {
      bad = run_log_printf(t, ",p%zu", k);
      continue;
    }
    bad = run_log_printf(t, ",");
    for (const char *c = names[k]; *c && !bad; c++)
      bad = run_log_printf(t, "%c", *c == ',' || *c == '\n' || *c == '\r' ? ';' : *c);
  }
  bad = bad || run_log_printf(t, "\n");
  if (bad) t->len = mark;
  return bad ? -1 : 0;
}

int run_log_child_row(run_log_text *t, int64_t sim_id, int64_t generation, int is_bred,
                      run_log_status status, double train_loss, const double *params,
                      size_t nb_params) {
  size_t mark = t->len;
  int bad = run_log_printf(t, "%lld,%lld,%d,%s,", (long long)sim_id, (long long)generation,
                           is_bred ? 1 : 0, STATUS_NAMES[status]);
  if (!bad && !isnan(train_loss)) bad = run_log_printf(t, "%.9g", train_loss);
  for (size_t k = 0; k < nb_params && !bad; k++) bad = run_log_printf(t, ",%.17g", params[k]);
  bad = bad || run_log_printf(t, "\n");
  if (bad) t->len = mark;
  return bad ? -1 : 0;
}

void run_log_children_free(run_log_children *c) {
  free(c->params), free(c->is_bred), free(c->generation), free(c->status), free(c->train_loss);
  if (c->names)
    for (size_t i = 0; i < c->nb_params; i++) free(c->names[i]);
  free(c->names);
  memset(c, 0, sizeof *c);
}

/* Split line in place at commas (and the trailing line break); returns the
   number of fields, at most max. */
static size_t split_csv(char *line, char **fields, size_t max) {
  size_t n = 0;
  line[strcspn(line, "\r\n")] = '\0';
  char *p = line;
  while (n < max) {
    fields[n++] = p;
    char *c = strchr(p, ',');
    if (!c) break;
    *c = '\0';
    p = c + 1;
  }
  return n;
}

/* A number, or NaN for an empty field; -1 for anything else. */
static int parse_number(const char *s, double *v) {
  if (!*s) {
    *v = NAN;
    return 0;
  }
  char *end;
  *v = strtod(s, &end);
  return *end ? -1 : 0;
}

/* A status name; the digits 0/1/2 of version 0.1's study folders are read
   as done / stopped / failed. -1 when neither. */
static int parse_status(const char *s, run_log_status *st) {
  for (int k = 0; k < 4; k++)
    if (!strcmp(s, STATUS_NAMES[k])) return *st = (run_log_status)k, 0;
  if (s[0] >= '0' && s[0] <= '2' && !s[1]) return *st = (run_log_status)(s[0] - '0' + 1), 0;
  return -1;
}

/* Room for `want` rows in every column. */
static int children_grow(run_log_children *c, size_t want) {
  double *p = realloc(c->params, want * c->nb_params * sizeof *p);
  if (p) c->params = p;
  int *b = realloc(c->is_bred, want * sizeof *b);
  if (b) c->is_bred = b;
  int64_t *g = realloc(c->generation, want * sizeof *g);
  if (g) c->generation = g;
  run_log_status *s = realloc(c->status, want * sizeof *s);
  if (s) c->status = s;
  double *l = realloc(c->train_loss, want * sizeof *l);
  if (l) c->train_loss = l;
  return p && b && g && s && l ? 0 : -1;
}

int run_log_read_children(const char *dir, run_log_children *c, char *err, size_t errlen) {
  memset(c, 0, sizeof *c);
  char path[4200];
  snprintf(path, sizeof path, "%s/" RUN_LOG_CHILDREN, dir);
  FILE *f = fopen(path, "r");
  if (!f) {
    if (errno == ENOENT) return OGAS_OK;
    return status_msg(OGAS_EIO, err, errlen, "cannot open '%s': %s", path, strerror(errno));
  }
  char **fields = malloc(CHILD_MAX_FIELDS * sizeof *fields);
  char *line = NULL;
  size_t cap = 0, lineno = 1, alloc = 0;
  int st = OGAS_OK;
  if (!fields) goto nomem;
  if (getline(&line, &cap, f) <= 0) {
    st = status_msg(OGAS_EINVAL, err, errlen, "%s: empty file", path);
    goto done;
  }
  size_t nf = split_csv(line, fields, CHILD_MAX_FIELDS);
  int header_ok = nf > CHILD_FIXED;
  for (size_t k = 0; header_ok && k < CHILD_FIXED; k++)
    header_ok = !strcmp(fields[k], CHILD_COLUMNS[k]);
  if (!header_ok) {
    st = status_msg(OGAS_EINVAL, err, errlen,
                    "%s:1: expected the header sim_id,generation,is_bred,status,train_loss,"
                    "<parameters>",
                    path);
    goto done;
  }
  c->nb_params = nf - CHILD_FIXED;
  if (!(c->names = calloc(c->nb_params, sizeof *c->names))) goto nomem;
  for (size_t k = 0; k < c->nb_params; k++)
    if (!(c->names[k] = strdup(fields[CHILD_FIXED + k]))) goto nomem;
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    if (line[strspn(line, " \t\r\n")] == '\0') continue;
    nf = split_csv(line, fields, CHILD_MAX_FIELDS);
    if (nf != CHILD_FIXED + c->nb_params) {
      st = status_msg(OGAS_EINVAL, err, errlen, "%s:%zu: %zu fields, the header has %zu", path,
                      lineno, nf, CHILD_FIXED + c->nb_params);
      goto done;
    }
    if (c->n_rows == alloc) {
      if (children_grow(c, alloc ? 2 * alloc : 256)) goto nomem;
      alloc = alloc ? 2 * alloc : 256;
    }
    size_t r = c->n_rows;
    double gen, bred;
    if (parse_status(fields[3], &c->status[r])) {
      st = status_msg(OGAS_EINVAL, err, errlen,
                      "%s:%zu: status '%s' is not submitted, done, stopped or failed", path, lineno,
                      fields[3]);
      goto done;
    }
    /* generation: a whole number a double holds exactly; is_bred: 0 or 1. */
    int bad = parse_number(fields[1], &gen) || parse_number(fields[2], &bred) ||
              parse_number(fields[4], &c->train_loss[r]) || !(gen >= 0 && gen <= 0x1p53) ||
              gen != floor(gen) || !(bred == 0 || bred == 1);
    for (size_t k = 0; !bad && k < c->nb_params; k++)
      bad = parse_number(fields[CHILD_FIXED + k], &c->params[r * c->nb_params + k]);
    if (bad) {
      st = status_msg(OGAS_EINVAL, err, errlen,
                      "%s:%zu: generation, is_bred, train_loss and the parameters must be "
                      "numbers (generation a whole number >= 0, is_bred 0 or 1)",
                      path, lineno);
      goto done;
    }
    c->generation[r] = (int64_t)gen;
    c->is_bred[r] = bred != 0;
    c->n_rows++;
  }
  if (ferror(f)) st = status_msg(OGAS_EIO, err, errlen, "cannot read '%s'", path);
  goto done;
nomem:
  st = status_msg(OGAS_ENOMEM, err, errlen, "out of memory reading '%s'", path);
done:
  free(line);
  free(fields);
  fclose(f);
  if (st) run_log_children_free(c);
  return st;
}

/* ---- generations.jsonl --------------------------------------------------- */

typedef enum { FIELD_INT, FIELD_REAL, FIELD_BOOL, FIELD_TEXT } field_kind;

/* The keys of a line, in the order they are written. */
#define INFO(name) #name, offsetof(run_log_generation, info.name)
#define STUDY(name) #name, offsetof(run_log_generation, name)
static const struct {
  const char *key;
  size_t offset;
  field_kind kind;
} GENERATION_FIELDS[] = {
    {INFO(generation), FIELD_INT},
    {INFO(breed_ratio), FIELD_REAL},
    {INFO(n_children), FIELD_INT},
    {INFO(n_bred), FIELD_INT},
    {INFO(n_non_bred), FIELD_INT},
    {INFO(n_oob_regenerated), FIELD_INT},
    {INFO(n_clipped), FIELD_INT},
    {INFO(target_mean), FIELD_REAL},
    {INFO(ddpm_steps), FIELD_INT},
    {INFO(ddpm_steps_since_last), FIELD_INT},
    {INFO(ratio_steps), FIELD_INT},
    {INFO(train_cpu_s_since_last), FIELD_REAL},
    {INFO(ddpm_loss), FIELD_REAL},
    {INFO(ratio_loss), FIELD_REAL},
    {INFO(reservoir_entries), FIELD_INT},
    {INFO(values_rejected), FIELD_INT},
    {INFO(generate_ms), FIELD_REAL},
    {INFO(ddpm_steps_dropped), FIELD_INT},
    {INFO(trust_entries), FIELD_INT},
    {INFO(trust_loss_high), FIELD_REAL},
    {INFO(trust_loss_low), FIELD_REAL},
    {INFO(trust_z), FIELD_REAL},
    {INFO(outcome_bred), FIELD_INT},
    {INFO(outcome_non_bred), FIELD_INT},
    {INFO(outcome_z), FIELD_REAL},
    {INFO(trusted), FIELD_BOOL},
    {STUDY(batch), FIELD_INT},
    {STUDY(first_id), FIELD_INT},
    {STUDY(last_id), FIELD_INT},
    {INFO(not_bred_reason), FIELD_TEXT},
};
#define N_GENERATION_FIELDS (sizeof GENERATION_FIELDS / sizeof GENERATION_FIELDS[0])

void run_log_generation_clear(run_log_generation *g) {
  memset(g, 0, sizeof *g);
  g->info.struct_size = sizeof g->info;
  for (size_t k = 0; k < N_GENERATION_FIELDS; k++) {
    char *at = (char *)g + GENERATION_FIELDS[k].offset;
    if (GENERATION_FIELDS[k].kind == FIELD_REAL)
      *(double *)at = NAN;
    else if (GENERATION_FIELDS[k].kind != FIELD_TEXT)
      *(int64_t *)at = -1;
  }
}

int run_log_generation_line(run_log_text *t, const run_log_generation *g) {
  size_t mark = t->len;
  int bad = run_log_printf(t, "{");
  for (size_t k = 0; k < N_GENERATION_FIELDS && !bad; k++) {
    const char *at = (const char *)g + GENERATION_FIELDS[k].offset;
    const char *key = GENERATION_FIELDS[k].key, *sep = k + 1 < N_GENERATION_FIELDS ? ", " : "";
    field_kind kind = GENERATION_FIELDS[k].kind;
    int64_t i = kind == FIELD_INT || kind == FIELD_BOOL ? *(const int64_t *)at : 0;
    double v;
    switch (kind) {
      case FIELD_INT:
        bad = i < 0 ? run_log_printf(t, "\"%s\": null%s", key, sep)
                    : run_log_printf(t, "\"%s\": %lld%s", key, (long long)i, sep);
        break;
      case FIELD_BOOL:
        bad = run_log_printf(t, "\"%s\": %s%s", key, i < 0 ? "null" : i ? "true" : "false", sep);
        break;
      case FIELD_REAL:
        v = *(const double *)at;
        bad = isfinite(v) ? run_log_printf(t, "\"%s\": %.9g%s", key, v, sep)
                          : run_log_printf(t, "\"%s\": null%s", key, sep);
        break;
      case FIELD_TEXT: /* quotes and backslashes become apostrophes, controls spaces */
        bad = run_log_printf(t, "\"%s\": \"", key);
        for (const char *p = at; *p && !bad; p++)
          bad = run_log_printf(t, "%c",
                               *p == '"' || *p == '\\'    ? '\''
                               : (unsigned char)*p < 0x20 ? ' '
                                                          : *p);
        bad = bad || run_log_printf(t, "\"%s", sep);
        break;
    }
  }
  bad = bad || run_log_printf(t, "}\n");
  if (bad) t->len = mark;
  return bad ? -1 : 0;
}

/* Cut a UTF-8 sequence that truncation left incomplete at the end of s. */
static void utf8_trim(char *s) {
  size_t len = strlen(s), i = len;
  if (!len) return;
  while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
  if (i == 0) return;
  unsigned char lead = (unsigned char)s[i - 1];
  size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  if (len - (i - 1) < need) s[i - 1] = '\0';
}

/* Fill g from one parsed line; unknown keys are ignored, missing or null
   ones stay unknown. */
static void generation_from_json(json_t *o, run_log_generation *g) {
  run_log_generation_clear(g);
  for (size_t k = 0; k < N_GENERATION_FIELDS; k++) {
    json_t *v = json_object_get(o, GENERATION_FIELDS[k].key);
    char *at = (char *)g + GENERATION_FIELDS[k].offset;
    switch (GENERATION_FIELDS[k].kind) {
      case FIELD_INT:
        if (json_is_integer(v) && json_integer_value(v) >= 0)
          *(int64_t *)at = (int64_t)json_integer_value(v);
        break;
      case FIELD_BOOL:
        if (json_is_boolean(v)) *(int64_t *)at = json_is_true(v);
        break;
      case FIELD_REAL:
        if (json_is_number(v)) *(double *)at = json_number_value(v);
        break;
      case FIELD_TEXT:
        if (json_is_string(v)) {
          snprintf(at, sizeof g->info.not_bred_reason, "%s", json_string_value(v));
          utf8_trim(at);
        }
        break;
    }
  }
}

int run_log_read_generations(const char *dir, run_log_generation **out, size_t *n, char *err,
                             size_t errlen) {
  *out = NULL, *n = 0;
  char path[4200];
  snprintf(path, sizeof path, "%s/" RUN_LOG_GENERATIONS, dir);
  FILE *f = fopen(path, "r");
  if (!f) {
    if (errno == ENOENT) return OGAS_OK;
    return status_msg(OGAS_EIO, err, errlen, "cannot open '%s': %s", path, strerror(errno));
  }
  char *line = NULL;
  size_t cap = 0, count = 0, alloc = 0, lineno = 0;
  run_log_generation *g = NULL;
  int st = OGAS_OK;
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    if (line[strspn(line, " \t\r\n")] == '\0') continue;
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    json_t *gen = o ? json_object_get(o, "generation") : NULL;
    if (!o || !json_is_object(o) || !json_is_integer(gen) || json_integer_value(gen) < 0) {
      st = status_msg(OGAS_EINVAL, err, errlen, "%s:%zu: %s", path, lineno,
                      o ? "expected an object with a \"generation\" number >= 0" : je.text);
      json_decref(o);
      break;
    }
    run_log_generation r;
    generation_from_json(o, &r);
    json_decref(o);
    while (count > 0 && g[count - 1].info.generation >= r.info.generation) count--;
    if (count == alloc) {
      size_t na = alloc ? 2 * alloc : 64;
      run_log_generation *ng = realloc(g, na * sizeof *ng);
      if (!ng) {
        st = status_msg(OGAS_ENOMEM, err, errlen, "out of memory reading '%s'", path);
        break;
      }
      g = ng, alloc = na;
    }
    g[count++] = r;
  }
  if (st == OGAS_OK && ferror(f)) st = status_msg(OGAS_EIO, err, errlen, "cannot read '%s'", path);
  free(line);
  fclose(f);
  if (st) {
    free(g);
    return st;
  }
  *out = g, *n = count;
  return OGAS_OK;
}

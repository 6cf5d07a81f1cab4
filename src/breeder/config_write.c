/* config_write — ogas_config_to_json: the canonical native-layout text,
   every key in table order, numbers that read back bit-exactly. */
#include "breeder/config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breeder/config_fields.h"

typedef struct {
  char *s;
  size_t len, cap;
  bool oom;
} text_buf;

static void tb_append(text_buf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = true;
      return;
    }
    if ((size_t)k < b->cap - b->len) {
      b->len += (size_t)k;
      return;
    }
    size_t cap = (b->cap + (size_t)k + 1) * 2;
    char *grown = realloc(b->s, cap);
    if (!grown) {
      b->oom = true;
      return;
    }
    b->s = grown, b->cap = cap;
  }
}

/* A real always shows a '.' or an exponent, so it reads back as a real. */
static void tb_real(text_buf *b, double x) {
  char num[40];
  config_format_number(x, num);
  tb_append(b, "%s%s", num, strpbrk(num, ".eEn") ? "" : ".0");
}

static void tb_string(text_buf *b, const char *s) {
  tb_append(b, "\"");
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (*c == '"' || *c == '\\')
      tb_append(b, "\\%c", *c);
    else if (*c < 0x20)
      tb_append(b, "\\u%04x", *c);
    else
      tb_append(b, "%c", *c);
  }
  tb_append(b, "\"");
}

static void tb_field(text_buf *b, const ogas_config *c, const field_spec *f, const char *indent,
                     bool last) {
  tb_append(b, "%s\"%s\": ", indent, f->name);
  switch (f->kind) {
    case KIND_INT:
      tb_append(b, "%" PRId64, get_i64(c, f));
      break;
    case KIND_REAL:
      tb_real(b, get_f64(c, f));
      break;
    case KIND_BOOL:
      tb_append(b, "%s", get_bool(c, f) ? "true" : "false");
      break;
    case KIND_ENUM: {
      int e = get_enum(c, f);
      bool valid = e >= 0 && (size_t)e < config_n_choices(f->choices);
      tb_string(b, valid ? f->choices[e] : "?");
      break;
    }
  }
  tb_append(b, "%s\n", last ? "" : ",");
}

char *ogas_config_to_json(const ogas_config *c) {
  text_buf b = {.s = malloc(1024), .cap = 1024};
  if (!b.s) return NULL;
  b.s[0] = '\0';
  size_t d = c->nb_params;
  tb_append(&b, "{\n  \"nb_params\": %zu,\n", d);
  const char *arrays[] = {"l_bounds", "u_bounds"};
  const double *values[] = {c->l_bounds, c->u_bounds};
  for (int a = 0; a < 2; a++) {
    tb_append(&b, "  \"%s\": [", arrays[a]);
    for (size_t i = 0; i < d && values[a]; i++) {
      if (i) tb_append(&b, ", ");
      tb_real(&b, values[a][i]);
    }
    tb_append(&b, "],\n");
  }
  tb_append(&b, "  \"parameter_names\": [");
  for (size_t i = 0; i < d && c->parameter_names; i++) {
    if (i) tb_append(&b, ", ");
    tb_string(&b, c->parameter_names[i] ? c->parameter_names[i] : "");
  }
  tb_append(&b, "],\n");
  tb_field(&b, c, config_find_field(NULL, "nb_sims"), "  ", false);
  /* Seeds above 2^63-1 do not fit jansson's integers: write them as text. */
  if (c->seed > (uint64_t)INT64_MAX)
    tb_append(&b, "  \"seed\": \"%" PRIu64 "\",\n", c->seed);
  else
    tb_append(&b, "  \"seed\": %" PRIu64 ",\n", c->seed);
  tb_field(&b, c, config_find_field(NULL, "non_breed_sampler"), "  ", false);
  if (c->run_dir) {
    tb_append(&b, "  \"run_dir\": ");
    tb_string(&b, c->run_dir);
    tb_append(&b, ",\n");
  }
  tb_field(&b, c, config_find_field(NULL, "verbose"), "  ", false);
  for (size_t s = 0; s < CONFIG_N_SECTIONS; s++) {
    tb_append(&b, "  \"%s\": {\n", config_sections[s]);
    const field_spec *last = NULL;
    for (size_t i = 0; i < config_n_fields; i++)
      if (config_fields[i].section && strcmp(config_fields[i].section, config_sections[s]) == 0)
        last = &config_fields[i];
    for (size_t i = 0; i < config_n_fields; i++)
      if (config_fields[i].section && strcmp(config_fields[i].section, config_sections[s]) == 0)
        tb_field(&b, c, &config_fields[i], "    ", &config_fields[i] == last);
    tb_append(&b, "  }%s\n", s + 1 < CONFIG_N_SECTIONS ? "," : "");
  }
  tb_append(&b, "}\n");
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

/* config — the life of an ogas_config: defaults from the settings table,
   deep copy, release, and the ignored-key list. Reading is config_read.c,
   the rules config_check.c, writing config_write.c, comparison
   config_compare.c; the table itself is config_fields.c. */
#include "breeder/config.h"

#include <stdlib.h>
#include <string.h>

#include "breeder/config_fields.h"
#include "ogas.h"

void ogas_config_defaults(ogas_config *c) {
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < config_n_fields; i++) {
    const field_spec *f = &config_fields[i];
    void *dst = field_ptr(c, f);
    switch (f->kind) {
      case KIND_INT: {
        int64_t v = (int64_t)f->def;
        memcpy(dst, &v, sizeof v);
        break;
      }
      case KIND_REAL:
        memcpy(dst, &f->def, sizeof f->def);
        break;
      case KIND_BOOL: {
        bool v = f->def != 0;
        memcpy(dst, &v, sizeof v);
        break;
      }
      case KIND_ENUM: {
        int v = (int)f->def;
        memcpy(dst, &v, sizeof v);
        break;
      }
    }
  }
  c->layout = OGAS_CFG_LAYOUT_NATIVE;
}

void ogas_config_free(ogas_config *c) {
  if (!c) return;
  free(c->l_bounds);
  free(c->u_bounds);
  if (c->parameter_names)
    for (size_t i = 0; i < c->nb_params; i++) free(c->parameter_names[i]);
  free(c->parameter_names);
  free(c->run_dir);
  for (size_t i = 0; i < c->n_ignored; i++) free(c->ignored[i]);
  free(c->ignored);
  ogas_config_defaults(c);
}

static bool copy_doubles(const double *src, size_t n, double **out) {
  *out = NULL;
  if (!src || n == 0) return true;
  if (!(*out = malloc(n * sizeof *src))) return false;
  memcpy(*out, src, n * sizeof *src);
  return true;
}

/* *out = a copy of n strings (NULL for NULL); false when out of memory. */
static bool copy_strings(char *const *src, size_t n, char ***out) {
  *out = NULL;
  if (!src || n == 0) return true;
  if (!(*out = calloc(n, sizeof *src))) return false;
  for (size_t i = 0; i < n; i++)
    if (src[i] && !((*out)[i] = config_dup_string(src[i]))) return false;
  return true;
}

int ogas_config_copy(ogas_config *dst, const ogas_config *src) {
  ogas_config c = *src;
  c.l_bounds = c.u_bounds = NULL;
  c.parameter_names = c.ignored = NULL;
  c.run_dir = NULL;
  size_t d = src->nb_params;
  bool ok = copy_doubles(src->l_bounds, d, &c.l_bounds) &&
            copy_doubles(src->u_bounds, d, &c.u_bounds) &&
            copy_strings(src->parameter_names, d, &c.parameter_names) &&
            copy_strings(src->ignored, src->n_ignored, &c.ignored) &&
            (!src->run_dir || (c.run_dir = config_dup_string(src->run_dir)) != NULL);
  if (!c.ignored) c.n_ignored = 0; /* so that freeing a failed copy stays in bounds */
  if (!ok) {
    ogas_config_free(&c);
    ogas_config_defaults(dst);
    return OGAS_ENOMEM;
  }
  *dst = c;
  return OGAS_OK;
}

size_t ogas_config_n_ignored(const ogas_config *c) { return c ? c->n_ignored : 0; }

const char *ogas_config_ignored(const ogas_config *c, size_t i) {
  return c && i < c->n_ignored ? c->ignored[i] : NULL;
}

/* config_fields — the table of every scalar breeder setting and the map of
   the two layouts (native and Melissa), shared by the config reader, checker,
   writer and comparison.
 *
 * One row (config_fields[]) per setting gives its section, type, default and
 * range; defaults, parsing, validation, equality and to_json all walk it, so a
 * new key is one row in config_fields.c plus one row in docs/config.md. The
 * study description (nb_params, bounds, names, seed, run_dir) has arrays and
 * cross-key rules, so it is handled by hand. Internal to the library. */
#ifndef OGAS_BREEDER_CONFIG_FIELDS_H
#define OGAS_BREEDER_CONFIG_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "breeder/config.h"

#define MAX_NB_PARAMS 4096
/* Generic cap for counts: keeps every downstream int arithmetic safe. */
#define CAP_COUNT INT64_C(2147483647)
/* Configs are small; refusing huge files keeps a typo'd path to a data file
   from eating memory. */
#define MAX_FILE_BYTES (64u << 20)

typedef enum { KIND_INT, KIND_REAL, KIND_BOOL, KIND_ENUM } value_kind;
typedef enum { BOUND_NONE = 0, BOUND_CLOSED, BOUND_OPEN } bound_kind;

typedef struct {
  const char *section; /* NULL: top level */
  const char *name;
  size_t offset; /* into ogas_config */
  value_kind kind;
  double def;       /* default (ints and enum indices are exact) */
  int64_t ilo, ihi; /* KIND_INT: inclusive range */
  bool even;        /* KIND_INT: must be even */
  double lo, hi;    /* KIND_REAL */
  bound_kind lo_kind, hi_kind;
  const char *const *choices; /* KIND_ENUM, NULL-terminated */
} field_spec;

extern const field_spec config_fields[];
extern const size_t config_n_fields;

/* "breeder", "model", "data", in the order to_json writes them. */
extern const char *const config_sections[];
#define CONFIG_N_SECTIONS 3

/* nb_params is a size_t outside the table, but its range reads the same way. */
extern const field_spec config_nb_params_spec;

/* JSON spellings of the enums, NULL-terminated, indexed by value. */
extern const char *const config_sampler_names[];

/* Where each key of the study description lives in either layout; used to
   point a misplaced key to its home ("did you mean ..."). native NULL: the
   key has no home in the native layout. */
typedef struct {
  const char *key, *native, *melissa;
} key_home;

extern const key_home config_study_homes[];
extern const size_t config_n_study_homes;

/* Keys of the reference (Python) breeder that ogas does not implement, as
   paths below breed_params: quietly ignored in the Melissa layout. */
extern const char *const config_reference_only_keys[];
extern const size_t config_n_reference_only;

/* Prefix of the ogas settings in the Melissa layout. */
#define BP "active_sampling_config.breed_params."

/* The row of `name` in `section` (NULL: top level), or NULL. */
const field_spec *config_find_field(const char *section, const char *name);

size_t config_n_choices(const char *const *choices);

/* Shortest decimal text that reads back as x (15..17 significant digits),
   with '.' as decimal point whatever the C locale. */
void config_format_number(double x, char out[40]);

/* strdup, which C11 lacks; NULL when out of memory. */
char *config_dup_string(const char *s);

/* Field access through the table's offsets (memcpy: no aliasing concerns). */
static inline void *field_ptr(ogas_config *c, const field_spec *f) { return (char *)c + f->offset; }
static inline const void *field_cptr(const ogas_config *c, const field_spec *f) {
  return (const char *)c + f->offset;
}
static inline int64_t get_i64(const ogas_config *c, const field_spec *f) {
  int64_t v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static inline double get_f64(const ogas_config *c, const field_spec *f) {
  double v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static inline bool get_bool(const ogas_config *c, const field_spec *f) {
  bool v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static inline int get_enum(const ogas_config *c, const field_spec *f) {
  int v;
  memcpy(&v, field_cptr(c, f), sizeof v);
  return v;
}
static inline size_t field_size(const field_spec *f) {
  switch (f->kind) {
    case KIND_INT:
      return sizeof(int64_t);
    case KIND_REAL:
      return sizeof(double);
    case KIND_BOOL:
      return sizeof(bool);
    case KIND_ENUM:
      return sizeof(int);
  }
  return 0;
}

#endif

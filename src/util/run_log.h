/* run_log — the two logs of a run folder, one schema for every writer and
 * reader: the breeder's telemetry (breeder/telemetry.c), a study's run folder
 * (study/report.c) and `ogas plot` (study/plots.c).
 *
 *   children.csv       one row per submitted simulation:
 *                      sim_id,generation,is_bred,status,train_loss,<parameter names>
 *                      status is submitted | done | stopped | failed;
 *                      train_loss is empty before the simulation's first value.
 *   generations.jsonl  one JSON object per generation break, every key of
 *                      run_log_generation always present; what the writer
 *                      does not know (a study's Breed sampler has no DDPM) is
 *                      null.
 *
 * Writers format whole lines into a run_log_text (so the breeder can format
 * under its lock and write later); readers parse a folder's files back. */
#ifndef OGAS_UTIL_RUN_LOG_H
#define OGAS_UTIL_RUN_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "ogas.h"

#define RUN_LOG_CHILDREN "children.csv"
#define RUN_LOG_GENERATIONS "generations.jsonl"

/* A growing text buffer; zero-initialise, free(t->text) when done. */
typedef struct {
  char *text;
  size_t len, cap;
} run_log_text;

/* Append printf output; -1 (t unchanged) when out of memory. */
int run_log_printf(run_log_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- children.csv -------------------------------------------------------- */

typedef enum {
  RUN_LOG_SUBMITTED, /* the breeder handed it out */
  RUN_LOG_DONE,      /* a study ran all its steps */
  RUN_LOG_STOPPED,   /* a study stopped it (a state that was not finite) */
  RUN_LOG_FAILED     /* it failed to start */
} run_log_status;

/* The header line; a NULL name is written p<k>, and commas or line breaks
   in names become ';'. 0, or -1 when out of memory. */
int run_log_children_header(run_log_text *t, const char *const *names, size_t nb_params);
/* One row; train_loss NaN is written empty (and read back as NaN). 0, or -1 (t unchanged). */
int run_log_child_row(run_log_text *t, int64_t sim_id, int64_t generation, int is_bred,
                      run_log_status status, double train_loss, const double *params,
                      size_t nb_params);

typedef struct {
  size_t n_rows, nb_params;
  double *params; /* n_rows x nb_params */
  int *is_bred;
  int64_t *generation;
  run_log_status *status;
  double *train_loss; /* NaN when empty */
  char **names;
} run_log_children;

/* Read DIR/children.csv. OGAS_OK with c->n_rows = 0 when it does not exist;
   OGAS_EINVAL naming the file and line for a bad one; OGAS_EIO, OGAS_ENOMEM.
   Free with run_log_children_free (also after an error). */
int run_log_read_children(const char *dir, run_log_children *c, char *err, size_t errlen);
void run_log_children_free(run_log_children *c);

/* ---- generations.jsonl --------------------------------------------------- */

/* A generation break: the breeder's telemetry plus what a study knows of the
   rows it rewrote. Integers < 0 and non-finite numbers mean "unknown" and are
   written null (info.trusted is written true / false / null). */
typedef struct {
  ogas_generation_info info;
  int64_t batch;             /* study: the surrogate's gradient steps at the break */
  int64_t first_id, last_id; /* study: the rows the break rewrote */
} run_log_generation;

/* Every field unknown. */
void run_log_generation_clear(run_log_generation *g);
/* One line, newline included. 0, or -1 (t unchanged) when out of memory. */
int run_log_generation_line(run_log_text *t, const run_log_generation *g);

/* Read DIR/generations.jsonl. *n = 0 (and OGAS_OK) when the file does not
   exist; OGAS_EINVAL with the line number for a bad line; OGAS_EIO,
   OGAS_ENOMEM. A restart from an older checkpoint repeats generations: a
   later line replaces every earlier one from its generation on. */
int run_log_read_generations(const char *dir, run_log_generation **out, size_t *n, char *err,
                             size_t errlen);

#endif

/* ogas.h — Online Generative Active Sampling breeder (libogas).
 *
 * libogas chooses the parameters of the next simulations of an online
 * surrogate-training study. A conditional diffusion model (DDPM), trained in
 * the background on (parameters, current loss) pairs, proposes parameters
 * conditioned on high target losses; a density-ratio classifier corrects for
 * the bias of the breeder's own history; a breed-ratio schedule mixes bred and
 * space-filling children.
 *
 * Conventions
 *  - Every call returns an ogas_status; OGAS_OK is 0. After any other status,
 *    ogas_errmsg(b) returns a message that names the key, id or file at fault.
 *  - Nothing aborts or exits inside the library; there is no global mutable
 *    state, so breeders in one process never interfere.
 *  - Every call on one breeder is safe from any thread (an internal mutex
 *    serialises them; background training runs on its own weight copy and
 *    never holds that mutex while it computes).
 *  - Memory: the caller owns every buffer it passes in; the breeder owns
 *    itself and is released with ogas_breeder_free.
 */
#ifndef OGAS_H
#define OGAS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OGAS_VERSION_MAJOR 0
#define OGAS_VERSION_MINOR 1
#define OGAS_VERSION_PATCH 0

typedef struct ogas_breeder ogas_breeder;

typedef enum {
  OGAS_OK = 0,
  OGAS_EINVAL,   /* bad argument or configuration */
  OGAS_ENOMEM,   /* allocation failed; nothing changed */
  OGAS_EIO,      /* file could not be read or written */
  OGAS_ECORRUPT, /* checkpoint file is damaged or foreign */
  OGAS_ESTATE,   /* call not valid in the breeder's current state */
  OGAS_ERANGE    /* id or size out of range */
} ogas_status;

/* Short constant name of a status ("OGAS_EINVAL", ...). */
const char *ogas_status_name(ogas_status s);

/* Create from JSON text or a JSON file; on failure *out is NULL and errbuf
   (if errlen > 0) holds a message naming the offending key or line/column. */
ogas_status ogas_breeder_create(const char *config_json, ogas_breeder **out,
                                char *errbuf, size_t errlen);
ogas_status ogas_breeder_create_from_file(const char *path, ogas_breeder **out,
                                          char *errbuf, size_t errlen);
/* Stops and joins the background trainer, then releases everything.
   NULL is accepted. */
void ogas_breeder_free(ogas_breeder *b);
/* Last error message of this breeder, or "" (never NULL). The string stays
   valid until the next call on the breeder from any thread. */
const char *ogas_errmsg(const ogas_breeder *b);

size_t ogas_nb_params(const ogas_breeder *b);
int64_t ogas_nb_sims(const ogas_breeder *b);

/* Row sim_id of the parameter table, in physical units (out has nb_params
   entries); *is_bred (if not NULL) tells whether the DDPM proposed it.
   OGAS_ERANGE for an id outside 0..nb_sims-1. */
ogas_status ogas_get_parameters(ogas_breeder *b, int64_t sim_id,
                                double *out /* nb_params */, int *is_bred);
/* Report n per-sample difficulty values (losses): value i belongs to
   simulation sim_ids[i] at time step time_steps[i]. Non-finite or negative
   values and unknown ids are counted and skipped, never used. Grants the
   background trainer its data-tied budget of training steps. */
ogas_status ogas_record_increments(ogas_breeder *b, const int64_t *sim_ids,
                                   const int64_t *time_steps,
                                   const double *values, size_t n,
                                   int64_t batch_idx);
/* Spend `steps` training steps now (steps <= 0: the budget granted so far)
   on the calling thread. */
ogas_status ogas_train_sampler(ogas_breeder *b, int64_t steps);
/* Stage a new generation of up to max_breeding_count children (-1: every row
   not yet submitted); *n_staged gets how many were staged. */
ogas_status ogas_next_parameters(ogas_breeder *b, int64_t max_breeding_count,
                                 size_t *n_staged);
/* Write the staged children into ids last_submitted_sim_id+1 ... (never past
   nb_sims-1) and clear the staging list; *first_id and *last_id get the range
   written (both -1 when nothing was written). */
ogas_status ogas_concretize_resampled_parameters(ogas_breeder *b,
                                                 int64_t last_submitted_sim_id,
                                                 int64_t *first_id,
                                                 int64_t *last_id);
/* --- Introspection (additions to the reference API) ------------------- */

/* Generation counter: 0 for the pre-populated table, +1 per generation staged. */
int64_t ogas_current_generation(const ogas_breeder *b);
/* Breed ratio R of the last generation staged (0 before the first). */
double ogas_breed_ratio(const ogas_breeder *b);

/* What one generation did (telemetry). */
typedef struct {
  int64_t generation;          /* 1, 2, ... */
  double breed_ratio;          /* R_g */
  int64_t n_children;          /* staged */
  int64_t n_bred, n_non_bred;
  int64_t n_oob_regenerated;   /* bred children drawn again for leaving the box */
  int64_t n_clipped;           /* still outside after the attempts: clipped */
  double target_mean;          /* mean target condition of the bred children */
  int64_t ddpm_steps;          /* DDPM training steps done so far */
  int64_t ddpm_steps_since_last;
  int64_t ratio_steps;         /* RatioMLP training steps done so far */
  double train_cpu_s_since_last; /* CPU seconds spent training since the last generation */
  double ddpm_loss, ratio_loss;  /* recent training losses (moving averages; NaN before any) */
  int64_t reservoir_entries;
  int64_t values_rejected;     /* rejected increments so far */
  double generate_ms;          /* wall time of this next_parameters call */
  char not_bred_reason[128];   /* why no child was bred, or "" */
} ogas_generation_info;

/* Telemetry of generation g (1 .. ogas_current_generation). OGAS_ERANGE otherwise. */
ogas_status ogas_generation_info_get(ogas_breeder *b, int64_t generation,
                                     ogas_generation_info *out);

/* Counters of the difficulty signal and training. */
typedef struct {
  int64_t values_accepted;
  int64_t rejected_nonfinite, rejected_negative, rejected_unknown_id;
  int64_t reservoir_entries;
  int64_t ddpm_steps, ratio_steps;
  int64_t budget_pending;      /* DDPM steps granted but not yet spent */
  double ddpm_loss, ratio_loss;
  double train_cpu_s;          /* CPU seconds of all training so far */
  int64_t n_staged;            /* children waiting for concretize */
} ogas_stats;

ogas_status ogas_get_stats(ogas_breeder *b, ogas_stats *out);

/* Keys of a reference-layout (Melissa study file) config that ogas does not
   use: how many, and the i-th key path (NULL when i is out of range). The
   strings live as long as the breeder. */
size_t ogas_config_ignored_count(const ogas_breeder *b);
const char *ogas_config_ignored_key(const ogas_breeder *b, size_t i);

/* Copy the whole parameter table: params (nb_sims x nb_params, row-major,
   physical units) and is_bred (nb_sims), either may be NULL. */
ogas_status ogas_get_parameter_table(ogas_breeder *b, double *params, int *is_bred);

/* Save / restore the complete state, atomically (see docs/checkpoint.md). */
ogas_status ogas_checkpoint_state(ogas_breeder *b, const char *path);
ogas_status ogas_restart_from_checkpoint(ogas_breeder *b, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* OGAS_H */

/* config — every setting of a breeder, parsed from JSON and checked.
 *
 * Contract
 *  - ogas_config is a plain struct (no jansson types): numbers, booleans,
 *    enums, and four owned arrays/strings (bounds, parameter names, run_dir,
 *    ignored-key list) that ogas_config_free releases.
 *  - ogas_config_parse accepts two layouts (docs/config.md):
 *      native   {"nb_params", "l_bounds", ..., "breeder": {}, "model": {},
 *                "data": {}}
 *      Melissa  {"study_options": {...}, "active_sampling_config":
 *                {"breeder_backend": "ogas_breeder", "breed_params":
 *                {"breeder": {}, "model": {}, "data": {}}}, ...}
 *    detected by the presence of "study_options" or "active_sampling_config".
 *    In the native layout every unknown key is an error; in the Melissa layout
 *    keys ogas does not use are collected (ogas_config_ignored) unless they
 *    look like a typo of an ogas key, which is still an error.
 *  - Errors: OGAS_EINVAL with a one-line message starting "config: " that
 *    names the key path (and the closest valid key for a typo) or the line and
 *    column of malformed JSON. On any error *out holds the defaults and owns no
 *    memory, so ogas_config_free(out) is safe but not needed.
 *  - Text may carry // and block comments and trailing commas, as Melissa
 *    study files do; to_json always writes strict JSON.
 *  - No global state; every function is reentrant.
 */
#ifndef OGAS_BREEDER_CONFIG_H
#define OGAS_BREEDER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Space-filling sampler for the non-bred children. */
typedef enum {
  OGAS_CFG_SAMPLER_UNIFORM = 0,
  OGAS_CFG_SAMPLER_LHS,
  OGAS_CFG_SAMPLER_HALTON,
  OGAS_CFG_SAMPLER_SOBOL
} ogas_cfg_sampler;

/* How target conditions for bred children are drawn (SPEC §5). */
typedef enum {
  OGAS_CFG_LOSS_PROPORTIONAL = 0,
  OGAS_CFG_LOSS_UNIFORM_QUANTILE
} ogas_cfg_loss_sampling;

typedef enum { OGAS_CFG_SCHEDULE_COSINE = 0, OGAS_CFG_SCHEDULE_LINEAR } ogas_cfg_schedule;

typedef enum { OGAS_CFG_DDPM_SAMPLER_DDPM = 0, OGAS_CFG_DDPM_SAMPLER_DDIM } ogas_cfg_ddpm_sampler;

typedef enum { OGAS_CFG_LAYOUT_NATIVE = 0, OGAS_CFG_LAYOUT_MELISSA } ogas_cfg_layout;

/* "breeder" section: generation schedule, target losses, RatioMLP, budget. */
typedef struct {
  double start_breed_ratio; /* [0,1] */
  double end_breed_ratio;   /* [0,1] */
  int64_t breakpoint;       /* >= 1 */
  ogas_cfg_loss_sampling loss_sampling_strategy;
  double loss_sampling_alpha;    /* >= 0 */
  double loss_sampling_quantile; /* [0,1) */
  bool learn_sampling_ratio;
  bool train_only_with_non_breed_samples;
  bool resample_oob;
  int64_t max_oob_attempts;          /* >= 0 */
  int64_t ratio_mlp_hidden_dim;      /* >= 1 */
  double ratio_mlp_lr;               /* > 0 */
  double ratio_mlp_weight_decay;     /* >= 0 */
  double ratio_mlp_label_smoothing;  /* [0,0.5) */
  double ratio_weight_min;           /* > 0 */
  double ratio_weight_max;           /* >= ratio_weight_min */
  int64_t max_mlp_steps_per_collect; /* >= 0 */
  int64_t max_epoch_per_epoch;       /* async: breaks a grant may wait, 1..64 */
  bool async_training;
  bool activate_breed;           /* false: every child is non-bred */
  int64_t min_reservoir_entries; /* >= 1, <= data.buffer_size */
  int64_t min_train_steps;       /* >= 0 */
  double trust_min_z;            /* >= 0; 0: no check before breeding */
  double trust_probe_share;      /* [0, 1]: share bred while unproven */
} ogas_config_breeder;

/* "model" section: the conditional DDPM and its optimiser. */
typedef struct {
  int64_t model_dim; /* even, 8..65536 */
  int64_t n_blocks;  /* 1..1024 */
  int64_t timesteps; /* 2..10000 */
  ogas_cfg_schedule noise_schedule;
  double beta_start, beta_end;   /* (0,1), start < end (linear only) */
  double lr;                     /* > 0 */
  double weight_decay;           /* >= 0 */
  double adam_beta1, adam_beta2; /* [0,1) */
  double grad_clip;              /* > 0 */
  double ema_decay;              /* [0,1) */
  double p_uncond;               /* [0,1] */
  double guidance_scale;         /* >= 0 */
  ogas_cfg_ddpm_sampler sampler;
  int64_t ddim_steps;              /* 1..timesteps (checked for ddim) */
  int64_t n_train_steps_per_epoch; /* steps granted per record call */
  int64_t n_train_steps_per_sim;   /* steps granted per new simulation */
  int64_t blas_threads;            /* 0 (leave OpenBLAS alone) or 1..1024 */
  int64_t n_threads;               /* DDPM training step split by rows, 1..64 */
  bool box_prior;                  /* correct the exact uniform-box denoiser */
} ogas_config_model;

/* "data" section: difficulty signal and reservoir. */
typedef struct {
  int64_t buffer_size;   /* >= 1 */
  int64_t batch_size;    /* 1..buffer_size */
  double ema_loss_alpha; /* (0,1] */
  bool normalize_losses;
  int64_t min_max_queue_length; /* >= 1 */
  double max_loss_value;        /* > 0 */
  bool clip_loss_norm_to_3_sigma;
  double focus_share;    /* [0,1) */
  double focus_quantile; /* [0,1) */
} ogas_config_data;

typedef struct {
  size_t nb_params;       /* 1..4096 */
  double *l_bounds;       /* nb_params, owned */
  double *u_bounds;       /* nb_params, owned, l < u */
  char **parameter_names; /* nb_params, owned; default "p0".."p{d-1}" */
  int64_t nb_sims;        /* >= 1 */
  uint64_t seed;
  ogas_cfg_sampler non_breed_sampler;
  char *run_dir; /* owned; NULL = no telemetry */
  bool verbose;
  ogas_config_breeder breeder;
  ogas_config_model model;
  ogas_config_data data;
  /* Provenance, not settings: which layout the text used and the key paths
     it held that ogas does not use (Melissa layout only). Not serialised and
     not compared. */
  ogas_cfg_layout layout;
  size_t n_ignored;
  char **ignored;
} ogas_config;

/* Every documented default; required keys are empty (nb_params 0, bounds
   NULL, nb_sims 0). Owns no memory. */
void ogas_config_defaults(ogas_config *c);

/* Parse JSON text (either layout) into *out, which must not own memory yet.
   OGAS_OK, OGAS_EINVAL (message in err) or OGAS_ENOMEM. err may be NULL or
   errlen 0. */
int ogas_config_parse(const char *json_text, ogas_config *out, char *err, size_t errlen);

/* Same from a file; OGAS_EIO with the path and strerror when unreadable.
   Parse errors are prefixed with the path. */
int ogas_config_load_file(const char *path, ogas_config *out, char *err, size_t errlen);

/* Check ranges and cross-field rules of a config built in code (parse runs
   the same checks). OGAS_OK or OGAS_EINVAL with a message. */
int ogas_config_validate(const ogas_config *c, char *err, size_t errlen);

/* Release the owned arrays and reset to defaults. NULL is accepted. */
void ogas_config_free(ogas_config *c);

/* Deep copy; dst is overwritten without being freed. On OGAS_ENOMEM dst
   holds the defaults and owns nothing. */
int ogas_config_copy(ogas_config *dst, const ogas_config *src);

/* Canonical native-layout JSON (every key, defaults included, strict JSON,
   numbers that read back bit-exactly); malloc'd, caller frees; NULL when out
   of memory. For a valid c, parse(to_json(c)) equals c. */
char *ogas_config_to_json(const ogas_config *c);

/* 1 when every setting is equal (bounds bit for bit), ignoring provenance. */
bool ogas_config_equal(const ogas_config *a, const ogas_config *b);

/* Key path of the first setting that differs in a way that forbids restarting
   a breeder checkpointed with a under config b (nb_params, bounds, model
   shape and schedule, RatioMLP width, reservoir capacity); NULL when
   compatible. */
const char *ogas_config_incompatible_field(const ogas_config *a, const ogas_config *b);

/* Key paths found in a Melissa-layout file that ogas does not use. */
size_t ogas_config_n_ignored(const ogas_config *c);
const char *ogas_config_ignored(const ogas_config *c, size_t i); /* NULL if out of range */

/* JSON spelling of the enum values ("halton", "uniform_quantile", ...). */
const char *ogas_config_sampler_name(ogas_cfg_sampler s);
const char *ogas_config_loss_sampling_name(ogas_cfg_loss_sampling s);
const char *ogas_config_schedule_name(ogas_cfg_schedule s);
const char *ogas_config_ddpm_sampler_name(ogas_cfg_ddpm_sampler s);

#endif /* OGAS_BREEDER_CONFIG_H */

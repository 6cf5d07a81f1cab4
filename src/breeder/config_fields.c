/* config_fields — the settings table, the layouts' key map, and the small
   helpers every part of the config shares (see config_fields.h). */
#include "breeder/config_fields.h"

#include <stdio.h>
#include <stdlib.h>

#include "ddpm/denoiser.h"

/* Enums are written through their offset as plain ints. */
_Static_assert(sizeof(ogas_cfg_sampler) == sizeof(int), "enum size");
_Static_assert(sizeof(ogas_cfg_loss_sampling) == sizeof(int), "enum size");
_Static_assert(sizeof(ogas_cfg_schedule) == sizeof(int), "enum size");
_Static_assert(sizeof(ogas_cfg_ddpm_sampler) == sizeof(int), "enum size");

const char *const config_sampler_names[] = {"uniform", "lhs", "halton", "sobol", NULL};
static const char *const LOSS_SAMPLING_NAMES[] = {"proportional", "uniform_quantile", NULL};
static const char *const SCHEDULE_NAMES[] = {"cosine", "linear", NULL};
static const char *const DDPM_SAMPLER_NAMES[] = {"ddpm", "ddim", NULL};

#define TOP(key) NULL, #key, offsetof(ogas_config, key)
#define BREEDER(key) "breeder", #key, offsetof(ogas_config, breeder.key)
#define MODEL(key) "model", #key, offsetof(ogas_config, model.key)
#define DATA(key) "data", #key, offsetof(ogas_config, data.key)
/* Range shorthands. */
#define INT_MIN_(a) .ilo = (a), .ihi = CAP_COUNT
#define INT_IN(a, b) .ilo = (a), .ihi = (b)
#define GE(a) .lo = (a), .lo_kind = BOUND_CLOSED
#define GT(a) .lo = (a), .lo_kind = BOUND_OPEN
#define LE(b) .hi = (b), .hi_kind = BOUND_CLOSED
#define LT(b) .hi = (b), .hi_kind = BOUND_OPEN

const field_spec config_fields[] = {
    {TOP(nb_sims), KIND_INT, .def = 0, INT_MIN_(1)}, /* required: no default */
    {TOP(non_breed_sampler), KIND_ENUM, .def = OGAS_CFG_SAMPLER_HALTON,
     .choices = config_sampler_names},
    {TOP(verbose), KIND_BOOL, .def = 0},

    {BREEDER(start_breed_ratio), KIND_REAL, .def = 0.0, GE(0), LE(1)},
    {BREEDER(end_breed_ratio), KIND_REAL, .def = 0.7, GE(0), LE(1)},
    {BREEDER(breakpoint), KIND_INT, .def = 4, INT_MIN_(1)},
    {BREEDER(loss_sampling_strategy), KIND_ENUM, .def = OGAS_CFG_LOSS_UNIFORM_QUANTILE,
     .choices = LOSS_SAMPLING_NAMES},
    {BREEDER(loss_sampling_alpha), KIND_REAL, .def = 1.0, GE(0)},
    {BREEDER(loss_sampling_quantile), KIND_REAL, .def = 0.9, GE(0), LT(1)},
    {BREEDER(learn_sampling_ratio), KIND_BOOL, .def = 0},
    {BREEDER(train_only_with_non_breed_samples), KIND_BOOL, .def = 0},
    {BREEDER(resample_oob), KIND_BOOL, .def = 1},
    {BREEDER(max_oob_attempts), KIND_INT, .def = 10, INT_MIN_(0)},
    {BREEDER(ratio_mlp_hidden_dim), KIND_INT, .def = 64, INT_IN(1, 65536)},
    {BREEDER(ratio_mlp_lr), KIND_REAL, .def = 1e-3, GT(0)},
    {BREEDER(ratio_mlp_weight_decay), KIND_REAL, .def = 0.01, GE(0)},
    {BREEDER(ratio_mlp_label_smoothing), KIND_REAL, .def = 0.0, GE(0), LT(0.5)},
    {BREEDER(ratio_weight_min), KIND_REAL, .def = 0.1, GT(0)},
    {BREEDER(ratio_weight_max), KIND_REAL, .def = 10.0, GT(0)},
    {BREEDER(max_mlp_steps_per_collect), KIND_INT, .def = 0, INT_MIN_(0)},
    {BREEDER(max_epoch_per_epoch), KIND_INT, .def = 2, INT_IN(1, 64)},
    {BREEDER(async_training), KIND_BOOL, .def = 1},
    {BREEDER(activate_breed), KIND_BOOL, .def = 1},
    {BREEDER(min_reservoir_entries), KIND_INT, .def = 128, INT_MIN_(1)},
    {BREEDER(min_train_steps), KIND_INT, .def = 100, INT_MIN_(0)},
    {BREEDER(trust_min_z), KIND_REAL, .def = 2.0, GE(0)},
    {BREEDER(trust_probe_share), KIND_REAL, .def = 0.25, GE(0), LE(1)},

    {MODEL(model_dim), KIND_INT, .def = 128, INT_IN(8, 65536), .even = true},
    {MODEL(n_blocks), KIND_INT, .def = 2, INT_IN(1, DENOISER_MAX_BLOCKS)},
    {MODEL(timesteps), KIND_INT, .def = 50, INT_IN(2, 10000)},
    {MODEL(noise_schedule), KIND_ENUM, .def = OGAS_CFG_SCHEDULE_COSINE, .choices = SCHEDULE_NAMES},
    {MODEL(beta_start), KIND_REAL, .def = 1e-4, GT(0), LT(1)},
    {MODEL(beta_end), KIND_REAL, .def = 0.02, GT(0), LT(1)},
    {MODEL(lr), KIND_REAL, .def = 1e-3, GT(0)},
    {MODEL(weight_decay), KIND_REAL, .def = 0.0, GE(0)},
    {MODEL(adam_beta1), KIND_REAL, .def = 0.9, GE(0), LT(1)},
    {MODEL(adam_beta2), KIND_REAL, .def = 0.999, GE(0), LT(1)},
    {MODEL(grad_clip), KIND_REAL, .def = 1.0, GT(0)},
    {MODEL(ema_decay), KIND_REAL, .def = 0.999, GE(0), LT(1)},
    {MODEL(p_uncond), KIND_REAL, .def = 0.1, GE(0), LE(1)},
    {MODEL(guidance_scale), KIND_REAL, .def = 1.0, GE(0)},
    {MODEL(sampler), KIND_ENUM, .def = OGAS_CFG_DDPM_SAMPLER_DDPM, .choices = DDPM_SAMPLER_NAMES},
    {MODEL(ddim_steps), KIND_INT, .def = 20, INT_IN(1, 10000)},
    {MODEL(n_train_steps_per_epoch), KIND_INT, .def = 0, INT_MIN_(0)},
    {MODEL(n_train_steps_per_sim), KIND_INT, .def = 2, INT_IN(0, 1000000)},
    {MODEL(blas_threads), KIND_INT, .def = 0, INT_IN(0, 1024)},
    {MODEL(n_threads), KIND_INT, .def = 1, INT_IN(1, 64)},
    {MODEL(box_prior), KIND_BOOL, .def = 1},

    {DATA(buffer_size), KIND_INT, .def = 6000, INT_MIN_(1)},
    {DATA(batch_size), KIND_INT, .def = 128, INT_MIN_(1)},
    {DATA(ema_loss_alpha), KIND_REAL, .def = 0.3, GT(0), LE(1)},
    {DATA(normalize_losses), KIND_BOOL, .def = 1},
    {DATA(min_max_queue_length), KIND_INT, .def = 20, INT_MIN_(1)},
    {DATA(max_loss_value), KIND_REAL, .def = 5.0, GT(0)},
    {DATA(clip_loss_norm_to_3_sigma), KIND_BOOL, .def = 0},
    {DATA(focus_share), KIND_REAL, .def = 0.5, GE(0), LT(1)},
    {DATA(focus_quantile), KIND_REAL, .def = 0.9, GE(0), LT(1)},
};
const size_t config_n_fields = sizeof config_fields / sizeof config_fields[0];

const char *const config_sections[CONFIG_N_SECTIONS] = {"breeder", "model", "data"};

const field_spec config_nb_params_spec = {NULL,     "nb_params", 0,
                                          KIND_INT, .ilo = 1,    .ihi = MAX_NB_PARAMS};

const key_home config_study_homes[] = {
    {"nb_params", "nb_params", "study_options.nb_parameters"},
    {"nb_parameters", "nb_params", "study_options.nb_parameters"},
    {"nb_sims", "nb_sims", "study_options.parameter_sweep_size"},
    {"parameter_sweep_size", "nb_sims", "study_options.parameter_sweep_size"},
    {"l_bounds", "l_bounds", "study_options.l_bounds"},
    {"u_bounds", "u_bounds", "study_options.u_bounds"},
    {"seed", "seed", "study_options.seed"},
    {"parameter_names", "parameter_names", BP "parameter_names"},
    {"non_breed_sampler", "non_breed_sampler", BP "non_breed_sampler"},
    {"non_breed_sampling_strategy", "non_breed_sampler", BP "non_breed_sampling_strategy"},
    {"run_dir", "run_dir", BP "run_dir"},
    {"verbose", "verbose", BP "verbose"},
    {"breeder", "breeder", BP "breeder"},
    {"model", "model", BP "model"},
    {"data", "data", BP "data"},
    {"breed_params", NULL, "active_sampling_config.breed_params"},
    {"breeder_backend", NULL, "active_sampling_config.breeder_backend"},
};
const size_t config_n_study_homes = sizeof config_study_homes / sizeof config_study_homes[0];

const char *const config_reference_only_keys[] = {
    "log_extra",
    "breeder.ratio_mlp_dropout",
    "breeder.nb_candidates",
    "breeder.loss_sampling_power",
    "breeder.use_kmeans_selection",
    "breeder.use_batch_priors",
    "model.name",
    "data.use_timesteps",
};
const size_t config_n_reference_only =
    sizeof config_reference_only_keys / sizeof config_reference_only_keys[0];

size_t config_n_choices(const char *const *choices) {
  size_t n = 0;
  while (choices[n]) n++;
  return n;
}

/* Shortest decimal text that reads back as x (15..17 significant digits),
   with '.' as decimal point whatever the C locale. */
void config_format_number(double x, char out[40]) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, 40, "%.*g", prec, x);
    if (strtod(out, NULL) == x) break;
  }
  for (char *s = out; *s; s++)
    if (*s == ',') *s = '.';
}

char *config_dup_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

const field_spec *config_find_field(const char *section, const char *name) {
  for (size_t i = 0; i < config_n_fields; i++) {
    const field_spec *f = &config_fields[i];
    bool same_section = section ? (f->section && strcmp(f->section, section) == 0) : !f->section;
    if (same_section && strcmp(f->name, name) == 0) return f;
  }
  return NULL;
}

static const char *enum_name(const char *const *names, int v) {
  return v >= 0 && (size_t)v < config_n_choices(names) ? names[v] : NULL;
}
const char *ogas_config_sampler_name(ogas_cfg_sampler s) {
  return enum_name(config_sampler_names, (int)s);
}
const char *ogas_config_loss_sampling_name(ogas_cfg_loss_sampling s) {
  return enum_name(LOSS_SAMPLING_NAMES, (int)s);
}
const char *ogas_config_schedule_name(ogas_cfg_schedule s) {
  return enum_name(SCHEDULE_NAMES, (int)s);
}
const char *ogas_config_ddpm_sampler_name(ogas_cfg_ddpm_sampler s) {
  return enum_name(DDPM_SAMPLER_NAMES, (int)s);
}

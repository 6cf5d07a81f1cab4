/* config_compare — equality of two configs, and the settings a checkpoint
   cannot be restarted across (they shape the saved tensors). */
#include "breeder/config.h"

#include <string.h>

#include "breeder/config_fields.h"

static bool same_doubles(const double *a, const double *b, size_t n) {
  if (!a || !b) return a == b;
  return memcmp(a, b, n * sizeof *a) == 0;
}

static bool same_string(const char *a, const char *b) {
  if (!a || !b) return a == b;
  return strcmp(a, b) == 0;
}

bool ogas_config_equal(const ogas_config *a, const ogas_config *b) {
  if (a->nb_params != b->nb_params || a->seed != b->seed) return false;
  size_t d = a->nb_params;
  if (!same_doubles(a->l_bounds, b->l_bounds, d) || !same_doubles(a->u_bounds, b->u_bounds, d))
    return false;
  if (!a->parameter_names || !b->parameter_names) {
    if (a->parameter_names != b->parameter_names) return false;
  } else {
    for (size_t i = 0; i < d; i++)
      if (!same_string(a->parameter_names[i], b->parameter_names[i])) return false;
  }
  if (!same_string(a->run_dir, b->run_dir)) return false;
  for (size_t i = 0; i < config_n_fields; i++)
    if (memcmp(field_cptr(a, &config_fields[i]), field_cptr(b, &config_fields[i]),
               field_size(&config_fields[i])) != 0)
      return false;
  return true;
}

const char *ogas_config_incompatible_field(const ogas_config *a, const ogas_config *b) {
  if (a->nb_params != b->nb_params) return "nb_params";
  if (!same_doubles(a->l_bounds, b->l_bounds, a->nb_params)) return "l_bounds";
  if (!same_doubles(a->u_bounds, b->u_bounds, a->nb_params)) return "u_bounds";
  const ogas_config_model *ma = &a->model, *mb = &b->model;
  if (ma->model_dim != mb->model_dim) return "model.model_dim";
  if (ma->n_blocks != mb->n_blocks) return "model.n_blocks";
  if (ma->timesteps != mb->timesteps) return "model.timesteps";
  if (ma->noise_schedule != mb->noise_schedule) return "model.noise_schedule";
  if (ma->box_prior != mb->box_prior) return "model.box_prior"; /* what the weights add to */
  /* The betas shape the schedule only when it is linear. */
  if (ma->noise_schedule == OGAS_CFG_SCHEDULE_LINEAR) {
    if (ma->beta_start != mb->beta_start) return "model.beta_start";
    if (ma->beta_end != mb->beta_end) return "model.beta_end";
  }
  if (a->breeder.ratio_mlp_hidden_dim != b->breeder.ratio_mlp_hidden_dim)
    return "breeder.ratio_mlp_hidden_dim";
  if (a->data.buffer_size != b->data.buffer_size) return "data.buffer_size";
  return NULL;
}

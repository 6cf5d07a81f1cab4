#include "ddpm/ddpm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ddpm/box_prior.h"
#include "ddpm/train_team.h"
#include "nn/loss.h"

int ddpm_model_init(ddpm_model *m, const ddpm_config *cfg, ogas_rng *rng) {
  memset(m, 0, sizeof *m);
  if (denoiser_shape_check(&cfg->shape) || cfg->batch_size < 1) return -1;
  m->cfg = *cfg;
  m->shape = cfg->shape;
  m->n_params = denoiser_param_count(&cfg->shape);
  if (schedule_create(&m->schedule, cfg->schedule, cfg->timesteps, cfg->beta_start, cfg->beta_end))
    return -1;
  size_t B = (size_t)cfg->batch_size, d = (size_t)cfg->shape.dim;
  m->params = calloc(5 * m->n_params + 4 * B * d + 3 * B, sizeof(float));
  m->ws = denoiser_ws_create(&cfg->shape, cfg->batch_size, 1);
  if (!m->params || !m->ws) {
    ddpm_model_free(m);
    return -1;
  }
  m->grads = m->params + m->n_params;
  m->adam_m = m->grads + m->n_params;
  m->adam_v = m->adam_m + m->n_params;
  m->ema = m->adam_v + m->n_params;
  m->z_t = m->ema + m->n_params;
  m->target = m->z_t + B * d;
  m->eps_hat = m->target + B * d;
  m->deps = m->eps_hat + B * d;
  m->t = m->deps + B * d;
  m->c = m->t + B;
  m->w = m->c + B;
  denoiser_init(&cfg->shape, m->params, rng);
  memcpy(m->ema, m->params, m->n_params * sizeof(float));
  return 0;
}

void ddpm_model_free(ddpm_model *m) {
  train_team_free(m->team);
  free(m->params);
  denoiser_ws_free(m->ws);
  schedule_free(&m->schedule);
  memset(m, 0, sizeof *m);
}

int ddpm_model_set_threads(ddpm_model *m, int threads) {
  if (threads <= 1) {
    train_team_free(m->team);
    m->team = NULL;
    return 0;
  }
  if (m->team && train_team_threads(m->team) == threads) return 0;
  train_team *team = train_team_create(m, threads);
  if (!team) return -1;
  train_team_free(m->team);
  m->team = team;
  return 0;
}

double ddpm_model_helper_cpu_s(const ddpm_model *m) {
  return m->team ? train_team_worker_cpu_s(m->team) : 0.0;
}

float ddpm_train_step(ddpm_model *m, const float *z, const float *c, const float *w, int B,
                      ogas_rng *rng) {
  int d = m->shape.dim, T = m->schedule.T;
  if (B > m->cfg.batch_size) B = m->cfg.batch_size;
  /* Conditioned rows fill the batch from the front, dropped ones from the
     back, as the denoiser's row convention wants. */
  int front = 0, back = B;
  for (int i = 0; i < B; i++) {
    int dropped = !c || ogas_rng_uniform(rng) < m->cfg.p_uncond;
    int slot = dropped ? --back : front++;
    int t = (int)ogas_rng_below(rng, (uint64_t)T);
    float sa = (float)m->schedule.sqrt_abar[t], sb = (float)m->schedule.sqrt_one_minus_abar[t];
    float *eps = m->target + (size_t)slot * d, *zt = m->z_t + (size_t)slot * d;
    const float *z0 = z + (size_t)i * d;
    for (int j = 0; j < d; j++) {
      eps[j] = (float)ogas_rng_normal(rng);
      zt[j] = sa * z0[j] + sb * eps[j];
    }
    m->t[slot] = (float)t;
    m->c[slot] = dropped ? 0.0f : c[i];
    m->w[slot] = w ? w[i] : 1.0f;
    if (m->cfg.box_prior) {
      /* The network learns the residual eps - E_box[eps | z_t]. */
      float *base = m->eps_hat + (size_t)slot * d; /* scratch until the forward */
      box_prior_eps(zt, (size_t)d, sa, sb, base);
      for (int j = 0; j < d; j++) eps[j] -= base[j];
    }
  }
  if (m->team) return train_team_step(m->team, m, front, B);
  denoiser_forward(m->ws, m->params, m->z_t, m->t, m->c, front, B, m->eps_hat);
  float loss = mse_loss(m->deps, m->eps_hat, m->target, m->w, B, d);
  /* grads are all zero here: optimizer_step clears them after each use. */
  double sq = denoiser_backward(m->ws, m->params, m->grads, m->deps, NULL);
  float scale = clip_scale((float)sqrt(sq), m->cfg.grad_clip);
  m->step++;
  optimizer_step(m->params, m->grads, m->adam_m, m->adam_v, m->ema, m->n_params, &m->cfg.adam,
                 m->step, scale, ddpm_ema_decay_at(m->cfg.ema_decay, m->step));
  return loss;
}

float ddpm_ema_decay_at(float ema_decay, int64_t step) {
  float warm = (float)(1.0 + (double)step) / (float)(10.0 + (double)step);
  return warm < ema_decay ? warm : ema_decay;
}

struct ddpm_sampler {
  denoiser_shape shape;
  noise_schedule schedule;
  int max_samples;
  int box_prior;
  denoiser_ws *ws;
  float *x, *e, *e_c, *e_t, *null_e, *eps, *t_all; /* x, eps: (2N,d); e: (2N,H); e_t: (T,H) */
};

ddpm_sampler *ddpm_sampler_create(const ddpm_config *cfg, int max_samples) {
  if (denoiser_shape_check(&cfg->shape) || max_samples < 1) return NULL;
  ddpm_sampler *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->shape = cfg->shape;
  s->max_samples = max_samples;
  s->box_prior = cfg->box_prior;
  int T = cfg->timesteps;
  size_t N2 = 2 * (size_t)max_samples, d = (size_t)cfg->shape.dim, H = (size_t)cfg->shape.hidden;
  int rows = (int)(N2 > (size_t)T ? N2 : (size_t)T);
  if (schedule_create(&s->schedule, cfg->schedule, T, cfg->beta_start, cfg->beta_end)) {
    free(s);
    return NULL;
  }
  s->ws = denoiser_ws_create(&cfg->shape, rows, 0);
  s->x = malloc((2 * N2 * d + N2 * H + (size_t)max_samples * H + (size_t)T * H + H + (size_t)T) *
                sizeof(float));
  if (!s->ws || !s->x) {
    ddpm_sampler_free(s);
    return NULL;
  }
  s->eps = s->x + N2 * d;
  s->e = s->eps + N2 * d;
  s->e_c = s->e + N2 * H;
  s->e_t = s->e_c + (size_t)max_samples * H;
  s->null_e = s->e_t + (size_t)T * H;
  s->t_all = s->null_e + H;
  return s;
}

void ddpm_sampler_free(ddpm_sampler *s) {
  if (!s) return;
  denoiser_ws_free(s->ws);
  free(s->x);
  schedule_free(&s->schedule);
  free(s);
}

/* Guided noise prediction at timestep t for the n rows of x: writes eps (n,d).
   Rows are stacked [conditional; unconditional] so that one trunk pass serves
   both; e = e_t + e_c per row, with the null vector for unconditional rows.
   With guidance exactly 1, eps = eps_c: the unconditional half is skipped. */
static void guided_eps(ddpm_sampler *s, const float *params, int t, int n, int conditional,
                       float guidance) {
  int d = s->shape.dim, H = s->shape.hidden;
  size_t nd = (size_t)n * d;
  const float *et = s->e_t + (size_t)t * H;
  int guided = conditional && guidance != 1.0f;
  int rows = guided ? 2 * n : n;
  for (int r = 0; r < rows; r++) {
    const float *ec = (conditional && r < n) ? s->e_c + (size_t)r * H : s->null_e;
    float *e = s->e + (size_t)r * H;
    for (int k = 0; k < H; k++) e[k] = et[k] + ec[k];
  }
  if (guided) memcpy(s->x + nd, s->x, nd * sizeof(float));
  denoiser_trunk(s->ws, params, s->x, s->e, rows, s->eps);
  if (guided) {
    const float *eu = s->eps + nd;
    for (size_t i = 0; i < nd; i++) s->eps[i] = eu[i] + guidance * (s->eps[i] - eu[i]);
  }
  /* The box prior is common to both halves, so guidance leaves it alone. */
  if (s->box_prior) {
    float a = (float)s->schedule.sqrt_abar[t], sd = (float)s->schedule.sqrt_one_minus_abar[t];
    box_prior_eps_add(s->x, nd, a, sd, s->eps);
  }
}

/* The i-th of S DDIM timesteps, evenly spread over 0..T-1 (the last is T-1). */
static int ddim_timestep(int i, int S, int T) {
  return S == 1 ? T - 1 : (int)lround((double)i * (T - 1) / (S - 1));
}

int ddpm_sample(ddpm_sampler *s, const float *params, const float *c, int n, float guidance,
                int ddim_steps, ogas_rng *rng, float *out) {
  if (n < 1 || n > s->max_samples) return -1;
  int d = s->shape.dim, H = s->shape.hidden, T = s->schedule.T;
  size_t nd = (size_t)n * d;
  const noise_schedule *sch = &s->schedule;
  denoiser_tensors w;
  denoiser_bind(&s->shape, (float *)params, &w);

  /* Embeddings that do not change during the reverse process: every
     timestep's e_t, each row's e_c, and the null vector. */
  for (int t = 0; t < T; t++) s->t_all[t] = (float)t;
  denoiser_time_embedding(s->ws, params, s->t_all, T, s->e_t);
  if (c) denoiser_cond_embedding(s->ws, params, c, n, s->e_c);
  memcpy(s->null_e, w.null_cond, (size_t)H * sizeof(float));

  ogas_rng_normal_fill(rng, s->x, nd); /* x_T ~ N(0, I) */
  /* Both samplers go through the clean estimate
     x0 = (x_t - sqrt(1-abar_t) eps)/sqrt(abar_t), clipped to ±DDPM_X0_CLIP:
     at the noisiest steps 1/sqrt(abar_t) is large, and one poor eps would
     otherwise throw a sample far out. */
  int ancestral = ddim_steps <= 0 || ddim_steps >= T;
  int steps = ancestral ? T : ddim_steps;
  for (int i = steps - 1; i >= 0; i--) {
    int t = ancestral ? i : ddim_timestep(i, steps, T);
    double abar_prev = i == 0 ? 1.0 : sch->abar[ancestral ? t - 1 : ddim_timestep(i - 1, steps, T)];
    guided_eps(s, params, t, n, c != NULL, guidance);
    float sa = (float)sch->sqrt_abar[t], sb = (float)sch->sqrt_one_minus_abar[t];
    float k0, kx, ke, sigma = 0.0f;
    if (ancestral) {
      /* Posterior q(x_{t-1} | x_t, x0): mean = k0 x0 + kx x_t, variance beta~_t. */
      k0 = (float)(sqrt(abar_prev) * sch->beta[t] / (1.0 - sch->abar[t]));
      kx = (float)(sqrt(sch->alpha[t]) * (1.0 - abar_prev) / (1.0 - sch->abar[t]));
      ke = 0.0f;
      sigma = (float)sqrt(sch->beta_tilde[t]);
    } else {
      /* DDIM (eta = 0): x_prev = sqrt(abar_prev) x0 + sqrt(1-abar_prev) eps. */
      k0 = (float)sqrt(abar_prev);
      kx = 0.0f;
      ke = (float)sqrt(1.0 - abar_prev);
    }
    for (size_t k = 0; k < nd; k++) {
      float x0 = (s->x[k] - sb * s->eps[k]) / sa;
      x0 = fminf(fmaxf(x0, -DDPM_X0_CLIP), DDPM_X0_CLIP);
      float x = k0 * x0 + kx * s->x[k] + ke * s->eps[k];
      s->x[k] = (sigma > 0.0f) ? x + sigma * (float)ogas_rng_normal(rng) : x;
    }
  }
  memcpy(out, s->x, nd * sizeof(float));
  return 0;
}

#include "study/surrogate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/fno.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "nn/rng.h"
#include "nn/unet.h"
#include "ogas.h"
#include "util/status_msg.h"

int study_loss_parse(const char *name, study_loss_kind *out) {
  if (!name || !out) return -1;
  if (!strcmp(name, "mse"))
    *out = STUDY_LOSS_MSE;
  else if (!strcmp(name, "rmse"))
    *out = STUDY_LOSS_RMSE;
  else if (!strcmp(name, "nrmse"))
    *out = STUDY_LOSS_NRMSE;
  else
    return -1;
  return 0;
}

const char *study_loss_name(study_loss_kind k) {
  switch (k) {
    case STUDY_LOSS_MSE:
      return "mse";
    case STUDY_LOSS_RMSE:
      return "rmse";
    case STUDY_LOSS_NRMSE:
      return "nrmse";
  }
  return "unknown";
}

int surrogate_arch_parse(const char *name, surrogate_arch *out) {
  if (!name || !out) return -1;
  if (!strcmp(name, "mlp"))
    *out = SURROGATE_MLP;
  else if (!strcmp(name, "conv1d"))
    *out = SURROGATE_CONV1D;
  else if (!strcmp(name, "fno"))
    *out = SURROGATE_FNO;
  else if (!strcmp(name, "unet"))
    *out = SURROGATE_UNET;
  else
    return -1;
  return 0;
}

const char *surrogate_arch_name(surrogate_arch a) {
  switch (a) {
    case SURROGATE_MLP:
      return "mlp";
    case SURROGATE_CONV1D:
      return "conv1d";
    case SURROGATE_FNO:
      return "fno";
    case SURROGATE_UNET:
      return "unet";
  }
  return "unknown";
}

int surrogate_train_loss_parse(const char *name, surrogate_train_loss *out) {
  if (!name || !out) return -1;
  if (!strcmp(name, "mse"))
    *out = SURROGATE_TRAIN_MSE;
  else if (!strcmp(name, "nrmse"))
    *out = SURROGATE_TRAIN_NRMSE;
  else
    return -1;
  return 0;
}

const char *surrogate_train_loss_name(surrogate_train_loss t) {
  return t == SURROGATE_TRAIN_NRMSE ? "nrmse" : t == SURROGATE_TRAIN_MSE ? "mse" : "unknown";
}

typedef struct {
  float *W, *b;
} lin;
typedef struct {
  float *gain, *bias;
} norm;
typedef struct {
  lin in;
  struct {
    norm ln;
    lin l1, l2;
  } block[SURROGATE_MAX_BLOCKS];
  norm lnf;
  lin out;
} tensors;

/* conv1d tensors: kernels are (out, kernel·in), FiLM maps (W, P) + (W). */
typedef struct {
  float *in;
  struct {
    lin film;
    float *k1, *k2;
  } block[SURROGATE_MAX_BLOCKS];
  float *out;
} conv_tensors;

struct surrogate {
  surrogate_config cfg;
  int S, P, C, W, NB, inp; /* inp = S + P */
  int N, K;                /* conv1d: points per channel, taps */
  size_t n_params;
  float *params, *grads, *m, *v; /* one allocation, n_params each */
  int64_t step;
  int has_norm;
  float *in_mean, *in_std, *out_mean, *out_std; /* C each */
  double typical_norm;                          /* ||state|| of a typical state */
  /* workspace for max_batch rows */
  int B;             /* rows of the last forward */
  float *f, *y, *df; /* (B, S) in the state's layout, every architecture */
  /* FNO, UNet: the network (its own activations) and its normalised input (B, S) */
  fno *fno;
  unet *unet;
  float *fx;
  /* MLP */
  float *x, *h[SURROGATE_MAX_BLOCKS + 1], *ln[SURROGATE_MAX_BLOCKS], *mean[SURROGATE_MAX_BLOCKS],
      *rstd[SURROGATE_MAX_BLOCKS], *a[SURROGATE_MAX_BLOCKS], *sa[SURROGATE_MAX_BLOCKS];
  float *lnf, *mean_f, *rstd_f, *sf;
  float *dh, *ds, *da, *dln, *dsf, *dlnf;
  /* conv1d, rows r = b·N + n (channels last) */
  float *cx, *col_in, *ch[SURROGATE_MAX_BLOCKS + 1], *col1[SURROGATE_MAX_BLOCKS],
      *ca[SURROGATE_MAX_BLOCKS], *cam[SURROGATE_MAX_BLOCKS], *csa[SURROGATE_MAX_BLOCKS],
      *col2[SURROGATE_MAX_BLOCKS], *gam[SURROGATE_MAX_BLOCKS];
  float *chs, *col_out, *cfo;
  float *cdfo, *cdcol, *cdh, *cds, *cdam, *cdhs, *cdgam;
  double *row_err2, *row_den2; /* B: per-row squared error and squared denominator */
  float *mem;
};

static float *take(float **cursor, size_t n) {
  float *p = *cursor;
  *cursor += n;
  return p;
}

static void bind(const surrogate *s, float *base, tensors *t) {
  size_t W = (size_t)s->W;
  float *cur = base;
  t->in.W = take(&cur, W * (size_t)s->inp);
  t->in.b = take(&cur, W);
  for (int k = 0; k < s->NB; k++) {
    t->block[k].ln.gain = take(&cur, W);
    t->block[k].ln.bias = take(&cur, W);
    t->block[k].l1.W = take(&cur, W * W);
    t->block[k].l1.b = take(&cur, W);
    t->block[k].l2.W = take(&cur, W * W);
    t->block[k].l2.b = take(&cur, W);
  }
  t->lnf.gain = take(&cur, W);
  t->lnf.bias = take(&cur, W);
  t->out.W = take(&cur, (size_t)s->S * W);
  t->out.b = take(&cur, (size_t)s->S);
}

static void bind_conv(const surrogate *s, float *base, conv_tensors *t) {
  size_t W = (size_t)s->W, K = (size_t)s->K, C = (size_t)s->C, P = (size_t)s->P;
  float *cur = base;
  t->in = take(&cur, W * K * C);
  for (int k = 0; k < s->NB; k++) {
    t->block[k].film.W = take(&cur, W * P);
    t->block[k].film.b = take(&cur, W);
    t->block[k].k1 = take(&cur, W * K * W);
    t->block[k].k2 = take(&cur, W * K * W);
  }
  t->out = take(&cur, C * K * W);
}

static void init_uniform(float *w, size_t n, double bound, ogas_rng *rng) {
  for (size_t i = 0; i < n; i++) w[i] = (float)((2.0 * ogas_rng_uniform(rng) - 1.0) * bound);
}

static void init_linear(lin *l, size_t in, size_t out, float scale, ogas_rng *rng) {
  double bound = scale / sqrt((double)in);
  init_uniform(l->W, in * out, bound, rng);
  init_uniform(l->b, out, bound, rng);
}

static void init_norm(norm *n, size_t W) {
  for (size_t i = 0; i < W; i++) n->gain[i] = 1.0f, n->bias[i] = 0.0f;
}

/* Workspace of the MLP for R rows. */
static size_t mlp_workspace(const surrogate *s, size_t R) {
  size_t RW = R * (size_t)s->W, NB = (size_t)s->NB;
  return R * (size_t)s->inp + (NB + 1) * RW + NB * (3 * RW + 2 * R) + 2 * RW + 2 * R + 6 * RW;
}

static void mlp_layout(surrogate *s, float **cur, size_t R) {
  size_t RW = R * (size_t)s->W, NB = (size_t)s->NB;
  s->x = take(cur, R * (size_t)s->inp);
  for (size_t k = 0; k <= NB; k++) s->h[k] = take(cur, RW);
  for (size_t k = 0; k < NB; k++) {
    s->ln[k] = take(cur, RW);
    s->a[k] = take(cur, RW);
    s->sa[k] = take(cur, RW);
    s->mean[k] = take(cur, R);
    s->rstd[k] = take(cur, R);
  }
  s->lnf = take(cur, RW);
  s->sf = take(cur, RW);
  s->mean_f = take(cur, R);
  s->rstd_f = take(cur, R);
  s->dh = take(cur, RW);
  s->ds = take(cur, RW);
  s->da = take(cur, RW);
  s->dln = take(cur, RW);
  s->dsf = take(cur, RW);
  s->dlnf = take(cur, RW);
}

/* Workspace of the conv net for R samples (R·N rows). */
static size_t conv_workspace(const surrogate *s, size_t R) {
  size_t rows = R * (size_t)s->N, W = (size_t)s->W, K = (size_t)s->K, C = (size_t)s->C;
  size_t NB = (size_t)s->NB, RW = rows * W, RKW = rows * K * W;
  return rows * C + rows * K * C + (NB + 1) * RW + NB * (2 * RKW + 3 * RW + R * W) + RW + RKW +
         rows * C + rows * C + RKW + 4 * RW + R * W;
}

static void conv_layout(surrogate *s, float **cur, size_t R) {
  size_t rows = R * (size_t)s->N, W = (size_t)s->W, K = (size_t)s->K, C = (size_t)s->C;
  size_t NB = (size_t)s->NB, RW = rows * W, RKW = rows * K * W;
  s->cx = take(cur, rows * C);
  s->col_in = take(cur, rows * K * C);
  for (size_t k = 0; k <= NB; k++) s->ch[k] = take(cur, RW);
  for (size_t k = 0; k < NB; k++) {
    s->col1[k] = take(cur, RKW);
    s->ca[k] = take(cur, RW);
    s->cam[k] = take(cur, RW);
    s->csa[k] = take(cur, RW);
    s->col2[k] = take(cur, RKW);
    s->gam[k] = take(cur, R * W);
  }
  s->chs = take(cur, RW);
  s->col_out = take(cur, RKW);
  s->cfo = take(cur, rows * C);
  s->cdfo = take(cur, rows * C);
  s->cdcol = take(cur, RKW);
  s->cdh = take(cur, RW);
  s->cds = take(cur, RW);
  s->cdam = take(cur, RW);
  s->cdhs = take(cur, RW);
  s->cdgam = take(cur, R * W);
}

/* The FNO's shape from a surrogate config: grid nx = S/(C·ny), modes
   defaulting to min(12, n/2) per dimension; -1 with a message naming the
   key for a combination that cannot work. */
static int fno_shape_from_config(const surrogate_config *cfg, fno_shape *fs, char *err,
                                 size_t errlen) {
  size_t per = cfg->state_size / cfg->channels, ny = cfg->ny ? cfg->ny : 1;
  if (per % ny || per / ny < 2)
    return status_msg(-1, err, errlen,
                      "surrogate: fno grid rows ny = %zu must divide the %zu points per channel "
                      "and leave nx >= 2",
                      ny, per);
  size_t nx = per / ny;
  int dflt_x = (int)(nx / 2 < 12 ? nx / 2 : 12), dflt_y = (int)(ny / 2 < 12 ? ny / 2 : 12);
  if (cfg->modes < 0 || (size_t)cfg->modes > nx / 2 || (ny > 1 && (size_t)cfg->modes > ny / 2))
    return status_msg(-1, err, errlen,
                      "surrogate: modes = %d must be in 1..grid/2 = %zu (0: min(12, grid/2))",
                      cfg->modes, ny > 1 && ny < nx ? ny / 2 : nx / 2);
  *fs = (fno_shape){.channels = (int)cfg->channels,
                    .ny = (int)ny,
                    .nx = (int)nx,
                    .nb_params = (int)cfg->nb_params,
                    .width = cfg->width,
                    .n_blocks = cfg->n_blocks,
                    .my = ny > 1 ? (cfg->modes ? cfg->modes : dflt_y) : 0,
                    .mx = cfg->modes ? cfg->modes : dflt_x,
                    .coords = cfg->coords != 0};
  if (fno_shape_check(fs, err, errlen)) return -1;
  double ws = fno_workspace_floats(fs, cfg->max_batch);
  if (ws > (double)(1u << 30))
    return status_msg(-1, err, errlen,
                      "surrogate: fno activations too large (%.3g floats for batch %d x %zu x %zu "
                      "grid x width %d); lower batch_size, width or blocks",
                      ws, cfg->max_batch, ny, nx, cfg->width);
  return 0;
}

/* The UNet's shape: blocks = levels (poolings), kernel 0 = 3. */
static int unet_shape_from_config(const surrogate_config *cfg, unet_shape *us, char *err,
                                  size_t errlen) {
  size_t per = cfg->state_size / cfg->channels, ny = cfg->ny ? cfg->ny : 1;
  if (per % ny || per / ny < 2)
    return status_msg(-1, err, errlen,
                      "surrogate: unet grid rows ny = %zu must divide the %zu points per channel "
                      "and leave nx >= 2",
                      ny, per);
  *us = (unet_shape){.channels = (int)cfg->channels,
                     .ny = (int)ny,
                     .nx = (int)(per / ny),
                     .nb_params = (int)cfg->nb_params,
                     .width = cfg->width,
                     .levels = cfg->n_blocks,
                     .kernel = cfg->kernel ? cfg->kernel : 3,
                     .coords = cfg->coords != 0};
  if (unet_shape_check(us, err, errlen)) return -1;
  double ws = unet_workspace_floats(us, cfg->max_batch);
  if (ws > (double)(1u << 30))
    return status_msg(-1, err, errlen,
                      "surrogate: unet activations too large (%.3g floats for batch %d); lower "
                      "batch_size, width or blocks",
                      ws, cfg->max_batch);
  return 0;
}

int surrogate_create(const surrogate_config *cfg, surrogate **out, char *err, size_t errlen) {
  if (out) *out = NULL;
  const char *bad = NULL;
  int K = cfg && cfg->kernel ? cfg->kernel : 5;
  if (!cfg || !out)
    bad = "surrogate: NULL argument";
  else if (cfg->state_size < 1 || cfg->state_size > (1u << 24))
    bad = "surrogate: state_size must be in 1..2^24";
  else if (cfg->channels < 1 || cfg->channels > SURROGATE_MAX_CHANNELS ||
           cfg->state_size % cfg->channels)
    bad = "surrogate: channels must be in 1..64 and divide state_size";
  else if (cfg->nb_params > 4096)
    bad = "surrogate: nb_params must be <= 4096";
  else if (cfg->width < 2 || cfg->width > 65536)
    bad = "surrogate: width must be in 2..65536";
  else if (cfg->n_blocks < 0 || cfg->n_blocks > SURROGATE_MAX_BLOCKS)
    bad = "surrogate: blocks must be in 0..32";
  else if (cfg->max_batch < 1 || cfg->max_batch > (1 << 20))
    bad = "surrogate: batch size must be in 1..2^20";
  else if (!(cfg->lr > 0) || !isfinite(cfg->lr))
    bad = "surrogate: lr must be > 0";
  else if (!(cfg->weight_decay >= 0) || !isfinite(cfg->weight_decay))
    bad = "surrogate: weight_decay must be >= 0";
  else if (!(cfg->grad_clip > 0) || !isfinite(cfg->grad_clip))
    bad = "surrogate: grad_clip must be > 0";
  else if (cfg->lr_decay_steps < 0 || !(cfg->lr_final_fraction >= 0 && cfg->lr_final_fraction <= 1))
    bad = "surrogate: lr_decay_steps must be >= 0 and lr_final_fraction in [0, 1]";
  else if (cfg->arch != SURROGATE_MLP && cfg->arch != SURROGATE_CONV1D &&
           cfg->arch != SURROGATE_FNO && cfg->arch != SURROGATE_UNET)
    bad = "surrogate: unknown architecture";
  else if (cfg->train_loss != SURROGATE_TRAIN_MSE && cfg->train_loss != SURROGATE_TRAIN_NRMSE)
    bad = "surrogate: unknown training loss";
  else if (cfg->arch == SURROGATE_CONV1D &&
           (K < 1 || K % 2 == 0 || (size_t)K > cfg->state_size / cfg->channels))
    bad = "surrogate: kernel must be odd and at most the points per channel";
  else if (cfg->arch == SURROGATE_CONV1D &&
           (double)cfg->max_batch * (double)cfg->state_size * (double)cfg->width * K > 4e9)
    bad = "surrogate: conv1d workspace too large (batch x state_size x width x kernel)";
  if (bad) {
    if (err && errlen) snprintf(err, errlen, "%s", bad);
    return OGAS_EINVAL;
  }
  fno_shape fs;
  unet_shape us;
  if (cfg->arch == SURROGATE_FNO && fno_shape_from_config(cfg, &fs, err, errlen))
    return OGAS_EINVAL;
  if (cfg->arch == SURROGATE_UNET && unet_shape_from_config(cfg, &us, err, errlen))
    return OGAS_EINVAL;
  surrogate *s = calloc(1, sizeof *s);
  if (!s) goto nomem;
  s->cfg = *cfg;
  s->cfg.kernel = K;
  s->S = (int)cfg->state_size;
  s->P = (int)cfg->nb_params;
  s->C = (int)cfg->channels;
  s->W = cfg->width;
  s->NB = cfg->n_blocks;
  s->inp = s->S + s->P;
  s->N = s->S / s->C;
  s->K = K;
  size_t W = (size_t)s->W, S = (size_t)s->S, C = (size_t)s->C, P = (size_t)s->P, Kz = (size_t)K;
  if (cfg->arch == SURROGATE_FNO) {
    s->cfg.ny = (size_t)fs.ny, s->cfg.modes = fs.mx;
    s->n_params = fno_param_count(&fs);
  } else if (cfg->arch == SURROGATE_UNET) {
    s->cfg.ny = (size_t)us.ny, s->cfg.kernel = us.kernel;
    s->n_params = unet_param_count(&us);
  } else if (cfg->arch == SURROGATE_CONV1D)
    s->n_params = W * Kz * C + (size_t)s->NB * (W * P + W + 2 * W * Kz * W) + C * Kz * W;
  else
    s->n_params =
        (W * (size_t)s->inp + W) + (size_t)s->NB * (2 * W + 2 * (W * W + W)) + 2 * W + (S * W + S);
  s->params = calloc(4 * s->n_params + 4 * (size_t)s->C, sizeof(float));
  if (!s->params) goto nomem;
  s->grads = s->params + s->n_params;
  s->m = s->grads + s->n_params;
  s->v = s->m + s->n_params;
  s->in_mean = s->v + s->n_params;
  s->in_std = s->in_mean + s->C;
  s->out_mean = s->in_std + s->C;
  s->out_std = s->out_mean + s->C;
  for (int c = 0; c < s->C; c++) s->in_std[c] = s->out_std[c] = 1.0f;
  s->typical_norm = sqrt((double)S);

  size_t R = (size_t)cfg->max_batch;
  size_t total = 3 * R * S + (cfg->arch == SURROGATE_CONV1D ? conv_workspace(s, R)
                              : cfg->arch == SURROGATE_FNO || cfg->arch == SURROGATE_UNET
                                  ? R * S
                                  : mlp_workspace(s, R));
  s->mem = calloc(total, sizeof(float));
  s->row_err2 = calloc(2 * R, sizeof(double));
  if (!s->mem || !s->row_err2) goto nomem;
  s->row_den2 = s->row_err2 + R;
  float *cur = s->mem;
  s->f = take(&cur, R * S);
  s->y = take(&cur, R * S);
  s->df = take(&cur, R * S);
  if (cfg->arch == SURROGATE_CONV1D)
    conv_layout(s, &cur, R);
  else if (cfg->arch == SURROGATE_FNO || cfg->arch == SURROGATE_UNET)
    s->fx = take(&cur, R * S);
  else
    mlp_layout(s, &cur, R);
  if (cfg->arch == SURROGATE_FNO || cfg->arch == SURROGATE_UNET) {
    int st = cfg->arch == SURROGATE_FNO ? fno_create(&fs, cfg->max_batch, &s->fno, err, errlen)
                                        : unet_create(&us, cfg->max_batch, &s->unet, err, errlen);
    if (st) {
      surrogate_free(s);
      return st;
    }
  }

  ogas_rng rng;
  ogas_rng_seed(&rng, cfg->seed, 0x5u);
  if (cfg->arch == SURROGATE_FNO) {
    fno_init(&fs, s->params, &rng);
  } else if (cfg->arch == SURROGATE_UNET) {
    unet_init(&us, s->params, &rng);
  } else if (cfg->arch == SURROGATE_CONV1D) {
    /* Kaiming-uniform-like kernels (fan-in = taps x channels); the FiLM maps
       start at zero (every channel scale 1) and the output kernel small, so
       that the untrained model predicts small increments. */
    conv_tensors t;
    bind_conv(s, s->params, &t);
    init_uniform(t.in, W * Kz * C, 1.0 / sqrt((double)(Kz * C)), &rng);
    for (int k = 0; k < s->NB; k++) {
      init_uniform(t.block[k].k1, W * Kz * W, 1.0 / sqrt((double)(Kz * W)), &rng);
      init_uniform(t.block[k].k2, W * Kz * W, 0.5 / sqrt((double)(Kz * W)), &rng);
    }
    init_uniform(t.out, C * Kz * W, 0.1 / sqrt((double)(Kz * W)), &rng);
  } else {
    /* torch.nn.Linear's init, with the last layer scaled down so that the
       untrained model predicts an increment close to the mean one. */
    tensors t;
    bind(s, s->params, &t);
    init_linear(&t.in, (size_t)s->inp, W, 1.0f, &rng);
    for (int k = 0; k < s->NB; k++) {
      init_norm(&t.block[k].ln, W);
      init_linear(&t.block[k].l1, W, W, 1.0f, &rng);
      init_linear(&t.block[k].l2, W, W, 1.0f, &rng);
    }
    init_norm(&t.lnf, W);
    init_linear(&t.out, W, S, 0.1f, &rng);
  }
  *out = s;
  return OGAS_OK;
nomem:
  surrogate_free(s);
  if (err && errlen) snprintf(err, errlen, "surrogate: out of memory");
  return OGAS_ENOMEM;
}

void surrogate_free(surrogate *s) {
  if (!s) return;
  fno_free(s->fno);
  unet_free(s->unet);
  free(s->params);
  free(s->mem);
  free(s->row_err2);
  free(s);
}

const surrogate_config *surrogate_get_config(const surrogate *s) { return &s->cfg; }
size_t surrogate_param_count(const surrogate *s) { return s->n_params; }
float *surrogate_params(surrogate *s) { return s->params; }
float *surrogate_grads(surrogate *s) { return s->grads; }
int64_t surrogate_steps(const surrogate *s) { return s->step; }
int surrogate_has_normalization(const surrogate *s) { return s->has_norm; }

void surrogate_normalize_params(size_t P, const double *lower, const double *upper, const double *p,
                                float *z) {
  for (size_t i = 0; i < P; i++)
    z[i] = (float)(2.0 * (p[i] - lower[i]) / (upper[i] - lower[i]) - 1.0);
}

double surrogate_nrmse_floor(const surrogate *s) { return SURROGATE_NRMSE_FLOOR * s->typical_norm; }

static void update_typical_norm(surrogate *s) {
  /* E||u||^2 = Σ_c (S/C)(mean_c^2 + std_c^2) */
  double e2 = 0;
  for (int c = 0; c < s->C; c++)
    e2 += ((double)s->in_mean[c] * s->in_mean[c] + (double)s->in_std[c] * s->in_std[c]);
  s->typical_norm = sqrt(e2 * (double)(s->S / s->C));
}

int surrogate_set_normalization(surrogate *s, const float *in_mean, const float *in_std,
                                const float *out_mean, const float *out_std) {
  if (!s || !in_mean || !in_std || !out_mean || !out_std) return OGAS_EINVAL;
  for (int c = 0; c < s->C; c++)
    if (!isfinite(in_mean[c]) || !isfinite(out_mean[c]) || !(in_std[c] > 0) || !(out_std[c] > 0) ||
        !isfinite(in_std[c]) || !isfinite(out_std[c]))
      return OGAS_EINVAL;
  for (int c = 0; c < s->C; c++) {
    s->in_mean[c] = in_mean[c], s->in_std[c] = in_std[c];
    s->out_mean[c] = out_mean[c], s->out_std[c] = out_std[c];
  }
  s->has_norm = 1;
  update_typical_norm(s);
  return OGAS_OK;
}

int surrogate_fit_normalization(surrogate *s, const float *states, const float *next_states,
                                size_t n) {
  if (!s || !states || !next_states || n == 0) return OGAS_EINVAL;
  size_t S = (size_t)s->S, C = (size_t)s->C, per = S / C;
  int centred = s->cfg.arch == SURROGATE_MLP;
  float im[SURROGATE_MAX_CHANNELS], is[SURROGATE_MAX_CHANNELS], om[SURROGATE_MAX_CHANNELS],
      os[SURROGATE_MAX_CHANNELS];
  for (size_t c = 0; c < C; c++) {
    double si = 0, sii = 0, so = 0, soo = 0;
    for (size_t r = 0; r < n; r++)
      for (size_t j = c * per; j < (c + 1) * per; j++) {
        double u = states[r * S + j], d = (double)next_states[r * S + j] - u;
        si += u, sii += u * u, so += d, soo += d * d;
      }
    double cnt = (double)(n * per);
    /* conv1d, fno, unet: no shift (mean 0, std = root mean square) keeps 0 -> 0. */
    double mi = centred ? si / cnt : 0.0, mo = centred ? so / cnt : 0.0;
    double vi = fmax(sii / cnt - mi * mi, 0.0), vo = fmax(soo / cnt - mo * mo, 0.0);
    if (!isfinite(si) || !isfinite(so) || !isfinite(vi) || !isfinite(vo)) return OGAS_EINVAL;
    /* A constant channel (or one that does not move) keeps a finite scale:
       1e-6 of its magnitude, or 1 when everything is zero. */
    double mag_i = centred ? fabs(mi) : fabs(si / cnt);
    double scale_i = fmax(mag_i, 1e-30), scale_o = fmax(sqrt(vi) + mag_i, 1e-30);
    double sdi = sqrt(vi), sdo = sqrt(vo);
    if (sdi < 1e-6 * scale_i) sdi = scale_i > 1e-30 ? 1e-6 * scale_i : 1.0;
    if (sdo < 1e-6 * scale_o) sdo = scale_o > 1e-30 ? 1e-6 * scale_o : 1.0;
    im[c] = (float)mi, is[c] = (float)sdi, om[c] = (float)mo, os[c] = (float)sdo;
  }
  return surrogate_set_normalization(s, im, is, om, os);
}

/* ---- MLP ---------------------------------------------------------------- */

/* Build x = [(u - in_mean)/in_std, z] for B rows. */
static void build_input(surrogate *s, const float *states, const float *z, int B) {
  int S = s->S, P = s->P, per = s->S / s->C;
  for (int r = 0; r < B; r++) {
    float *xr = s->x + (size_t)r * s->inp;
    const float *u = states + (size_t)r * S;
    for (int c = 0; c < s->C; c++) {
      float m = s->in_mean[c], inv = 1.0f / s->in_std[c];
      for (int j = c * per; j < (c + 1) * per; j++) xr[j] = (u[j] - m) * inv;
    }
    if (P) memcpy(xr + S, z + (size_t)r * P, (size_t)P * sizeof(float));
  }
}

static void mlp_forward(surrogate *s, const float *states, const float *z, int B) {
  int W = s->W;
  size_t BW = (size_t)B * W;
  tensors w;
  bind(s, s->params, &w);
  build_input(s, states, z, B);
  linear_forward(s->h[0], s->x, w.in.W, w.in.b, B, s->inp, W);
  for (int k = 0; k < s->NB; k++) {
    memcpy(s->h[k + 1], s->h[k], BW * sizeof(float));
    layernorm_forward(s->ln[k], s->mean[k], s->rstd[k], s->h[k], w.block[k].ln.gain,
                      w.block[k].ln.bias, B, W);
    linear_forward(s->a[k], s->ln[k], w.block[k].l1.W, w.block[k].l1.b, B, W, W);
    silu_forward(s->sa[k], s->a[k], BW);
    linear_forward_accumulate(s->h[k + 1], s->sa[k], w.block[k].l2.W, w.block[k].l2.b, B, W, W);
  }
  layernorm_forward(s->lnf, s->mean_f, s->rstd_f, s->h[s->NB], w.lnf.gain, w.lnf.bias, B, W);
  silu_forward(s->sf, s->lnf, BW);
  linear_forward(s->f, s->sf, w.out.W, w.out.b, B, W, s->S);
}

static void mlp_backward(surrogate *s) {
  int W = s->W, B = s->B;
  size_t BW = (size_t)B * W, bytes = BW * sizeof(float);
  tensors w, g;
  bind(s, s->params, &w);
  bind(s, s->grads, &g);
  memset(s->dsf, 0, bytes);
  linear_backward(s->dsf, g.out.W, g.out.b, s->df, s->sf, w.out.W, B, W, s->S);
  memset(s->dlnf, 0, bytes);
  silu_backward(s->dlnf, s->dsf, s->lnf, BW);
  memset(s->dh, 0, bytes);
  layernorm_backward(s->dh, g.lnf.gain, g.lnf.bias, s->dlnf, s->h[s->NB], s->mean_f, s->rstd_f,
                     w.lnf.gain, B, W);
  /* dh carries dL/dh through the residual stream: each block adds its
     branch's input gradient to it. */
  for (int k = s->NB - 1; k >= 0; k--) {
    memset(s->ds, 0, bytes);
    linear_backward(s->ds, g.block[k].l2.W, g.block[k].l2.b, s->dh, s->sa[k], w.block[k].l2.W, B, W,
                    W);
    memset(s->da, 0, bytes);
    silu_backward(s->da, s->ds, s->a[k], BW);
    memset(s->dln, 0, bytes);
    linear_backward(s->dln, g.block[k].l1.W, g.block[k].l1.b, s->da, s->ln[k], w.block[k].l1.W, B,
                    W, W);
    layernorm_backward(s->dh, g.block[k].ln.gain, g.block[k].ln.bias, s->dln, s->h[k], s->mean[k],
                       s->rstd[k], w.block[k].ln.gain, B, W);
  }
  linear_backward(NULL, g.in.W, g.in.b, s->dh, s->x, w.in.W, B, s->inp, W);
}

/* ---- conv1d ------------------------------------------------------------- */

/* Periodic im2col: x (B·N, Cin) channels last -> col (B·N, K·Cin) with
   col[b·N + n][k·Cin + c] = x[b·N + (n + k - K/2) mod N][c]. */
static void im2col(float *col, const float *x, int B, int N, int Cin, int K) {
  size_t rowlen = (size_t)K * Cin, bytes = (size_t)Cin * sizeof(float);
  for (int b = 0; b < B; b++) {
    const float *xb = x + (size_t)b * N * Cin;
    for (int n = 0; n < N; n++) {
      float *cr = col + ((size_t)b * N + n) * rowlen;
      for (int k = 0; k < K; k++) {
        int src = n + k - K / 2;
        src = ((src % N) + N) % N;
        memcpy(cr + (size_t)k * Cin, xb + (size_t)src * Cin, bytes);
      }
    }
  }
}

/* Adjoint of im2col: dx += the scattered dcol. */
static void col2im_add(float *dx, const float *dcol, int B, int N, int Cin, int K) {
  size_t rowlen = (size_t)K * Cin;
  for (int b = 0; b < B; b++) {
    float *xb = dx + (size_t)b * N * Cin;
    for (int n = 0; n < N; n++) {
      const float *cr = dcol + ((size_t)b * N + n) * rowlen;
      for (int k = 0; k < K; k++) {
        int src = n + k - K / 2;
        src = ((src % N) + N) % N;
        add_inplace(xb + (size_t)src * Cin, cr + (size_t)k * Cin, (size_t)Cin);
      }
    }
  }
}

static void conv_forward(surrogate *s, const float *states, const float *z, int B) {
  int W = s->W, N = s->N, C = s->C, K = s->K, P = s->P, rows = B * N;
  size_t RW = (size_t)rows * W;
  conv_tensors w;
  bind_conv(s, s->params, &w);
  /* x[b·N + n][c] = (u[b][c·N + n] - in_mean_c) / in_std_c */
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      const float *u = states + (size_t)b * s->S + (size_t)c * N;
      float m = s->in_mean[c], inv = 1.0f / s->in_std[c];
      for (int n = 0; n < N; n++) s->cx[((size_t)b * N + n) * C + c] = (u[n] - m) * inv;
    }
  im2col(s->col_in, s->cx, B, N, C, K);
  linear_forward(s->ch[0], s->col_in, w.in, NULL, rows, K * C, W);
  for (int k = 0; k < s->NB; k++) {
    /* gamma (B, W) = G z + g: the channel scales are 1 + gamma. */
    if (P)
      linear_forward(s->gam[k], z, w.block[k].film.W, w.block[k].film.b, B, P, W);
    else
      for (int b = 0; b < B; b++)
        memcpy(s->gam[k] + (size_t)b * W, w.block[k].film.b, (size_t)W * sizeof(float));
    im2col(s->col1[k], s->ch[k], B, N, W, K);
    linear_forward(s->ca[k], s->col1[k], w.block[k].k1, NULL, rows, K * W, W);
    for (int b = 0; b < B; b++) {
      const float *g = s->gam[k] + (size_t)b * W;
      for (int n = 0; n < N; n++) {
        size_t r = ((size_t)b * N + n) * W;
        for (int c = 0; c < W; c++) s->cam[k][r + c] = s->ca[k][r + c] * (1.0f + g[c]);
      }
    }
    silu_forward(s->csa[k], s->cam[k], RW);
    im2col(s->col2[k], s->csa[k], B, N, W, K);
    memcpy(s->ch[k + 1], s->ch[k], RW * sizeof(float));
    linear_forward_accumulate(s->ch[k + 1], s->col2[k], w.block[k].k2, NULL, rows, K * W, W);
  }
  silu_forward(s->chs, s->ch[s->NB], RW);
  im2col(s->col_out, s->chs, B, N, W, K);
  linear_forward(s->cfo, s->col_out, w.out, NULL, rows, K * W, C);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      float *f = s->f + (size_t)b * s->S + (size_t)c * N;
      for (int n = 0; n < N; n++) f[n] = s->cfo[((size_t)b * N + n) * C + c];
    }
}

static void conv_backward(surrogate *s, const float *z) {
  int W = s->W, N = s->N, C = s->C, K = s->K, P = s->P, B = s->B, rows = B * N;
  size_t RW = (size_t)rows * W, RKW = RW * K;
  conv_tensors w, g;
  bind_conv(s, s->params, &w);
  bind_conv(s, s->grads, &g);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      const float *df = s->df + (size_t)b * s->S + (size_t)c * N;
      for (int n = 0; n < N; n++) s->cdfo[((size_t)b * N + n) * C + c] = df[n];
    }
  memset(s->cdcol, 0, RKW * sizeof(float));
  linear_backward(s->cdcol, g.out, NULL, s->cdfo, s->col_out, w.out, rows, K * W, C);
  memset(s->cdhs, 0, RW * sizeof(float));
  col2im_add(s->cdhs, s->cdcol, B, N, W, K);
  memset(s->cdh, 0, RW * sizeof(float));
  silu_backward(s->cdh, s->cdhs, s->ch[s->NB], RW);
  for (int k = s->NB - 1; k >= 0; k--) {
    /* branch: h_{k+1} = h_k + K2 * silu(am), am = (K1 * h_k) ⊙ (1 + gamma) */
    memset(s->cdcol, 0, RKW * sizeof(float));
    linear_backward(s->cdcol, g.block[k].k2, NULL, s->cdh, s->col2[k], w.block[k].k2, rows, K * W,
                    W);
    memset(s->cds, 0, RW * sizeof(float));
    col2im_add(s->cds, s->cdcol, B, N, W, K);
    memset(s->cdam, 0, RW * sizeof(float));
    silu_backward(s->cdam, s->cds, s->cam[k], RW);
    /* dgamma[b][c] = Σ_n dam·a; da = dam·(1 + gamma) (in place in cdam) */
    memset(s->cdgam, 0, (size_t)B * W * sizeof(float));
    for (int b = 0; b < B; b++) {
      const float *gm = s->gam[k] + (size_t)b * W;
      float *dg = s->cdgam + (size_t)b * W;
      for (int n = 0; n < N; n++) {
        size_t r = ((size_t)b * N + n) * W;
        for (int c = 0; c < W; c++) {
          dg[c] += s->cdam[r + c] * s->ca[k][r + c];
          s->cdam[r + c] *= 1.0f + gm[c];
        }
      }
    }
    if (P)
      linear_backward(NULL, g.block[k].film.W, g.block[k].film.b, s->cdgam, z, w.block[k].film.W, B,
                      P, W);
    else
      for (int b = 0; b < B; b++)
        add_inplace(g.block[k].film.b, s->cdgam + (size_t)b * W, (size_t)W);
    memset(s->cdcol, 0, RKW * sizeof(float));
    linear_backward(s->cdcol, g.block[k].k1, NULL, s->cdam, s->col1[k], w.block[k].k1, rows, K * W,
                    W);
    col2im_add(s->cdh, s->cdcol, B, N, W, K); /* the residual path keeps dh */
  }
  linear_backward(NULL, g.in, NULL, s->cdh, s->col_in, w.in, rows, K * C, W);
}

/* ---- fno, unet ------------------------------------------------------------ */

/* The network sees x = (u - in_mean)/in_std in the state's layout. */
static void grid_surrogate_forward(surrogate *s, const float *states, const float *z, int B) {
  int S = s->S, per = s->S / s->C;
  for (int r = 0; r < B; r++) {
    const float *u = states + (size_t)r * S;
    float *xr = s->fx + (size_t)r * S;
    for (int c = 0; c < s->C; c++) {
      float m = s->in_mean[c], inv = 1.0f / s->in_std[c];
      for (int j = c * per; j < (c + 1) * per; j++) xr[j] = (u[j] - m) * inv;
    }
  }
  if (s->fno)
    fno_forward(s->fno, s->params, s->fx, z, B, s->f);
  else
    unet_forward(s->unet, s->params, s->fx, z, B, s->f);
}

/* ---- both --------------------------------------------------------------- */

static void forward(surrogate *s, const float *states, const float *z, int B) {
  s->B = B;
  if (s->cfg.arch == SURROGATE_CONV1D)
    conv_forward(s, states, z, B);
  else if (s->cfg.arch == SURROGATE_FNO || s->cfg.arch == SURROGATE_UNET)
    grid_surrogate_forward(s, states, z, B);
  else
    mlp_forward(s, states, z, B);
}

int surrogate_loss_and_grad(surrogate *s, const float *states, const float *next_states,
                            const float *z, const float *weights, int B, study_loss_kind kind,
                            float *loss, double *per_sample) {
  if (!s || !states || !next_states || (s->P && !z) || B < 1 || B > s->cfg.max_batch)
    return OGAS_EINVAL;
  int S = s->S, per = s->S / s->C;
  forward(s, states, z, B);
  /* Target: the normalised increment y = (u_{t+1} - u_t - out_mean)/out_std.
     Per row: e2 = ||û_{t+1} - u_{t+1}||^2 = Σ_c out_std_c^2 Σ_j (f - y)^2 and
     den2 = max(||u_{t+1}||, floor)^2. */
  double floor_norm = surrogate_nrmse_floor(s);
  for (int r = 0; r < B; r++) {
    const float *u = states + (size_t)r * S, *un = next_states + (size_t)r * S;
    const float *fr = s->f + (size_t)r * S;
    float *yr = s->y + (size_t)r * S;
    double e2 = 0, t2 = 0;
    for (int c = 0; c < s->C; c++) {
      float m = s->out_mean[c], inv = 1.0f / s->out_std[c];
      double sd = s->out_std[c], ec = 0;
      for (int j = c * per; j < (c + 1) * per; j++) {
        yr[j] = (un[j] - u[j] - m) * inv;
        double d = (double)fr[j] - yr[j];
        ec += d * d;
        t2 += (double)un[j] * un[j];
      }
      e2 += sd * sd * ec;
    }
    double den = fmax(sqrt(t2), floor_norm);
    s->row_err2[r] = e2, s->row_den2[r] = den * den;
  }
  float L;
  if (s->cfg.train_loss == SURROGATE_TRAIN_NRMSE) {
    /* L = (1/B) Σ_r w_r e2_r / den2_r; dL/df_rj = 2 w_r out_std_c^2 (f - y) / (B den2_r). */
    double acc = 0;
    for (int r = 0; r < B; r++) {
      double wr = weights ? weights[r] : 1.0;
      acc += wr * s->row_err2[r] / s->row_den2[r];
      const float *fr = s->f + (size_t)r * S, *yr = s->y + (size_t)r * S;
      float *dr = s->df + (size_t)r * S;
      for (int c = 0; c < s->C; c++) {
        float gsc = (float)(2.0 * wr * (double)s->out_std[c] * s->out_std[c] /
                            ((double)B * s->row_den2[r]));
        for (int j = c * per; j < (c + 1) * per; j++) dr[j] = gsc * (fr[j] - yr[j]);
      }
    }
    L = (float)(acc / B);
  } else {
    L = mse_loss(s->df, s->f, s->y, weights, B, S);
  }
  if (loss) *loss = L;
  if (per_sample)
    for (int r = 0; r < B; r++) {
      double e2 = s->row_err2[r], v;
      switch (kind) {
        case STUDY_LOSS_MSE:
          v = e2 / S;
          break;
        case STUDY_LOSS_RMSE:
          v = sqrt(e2 / S);
          break;
        default:
          v = sqrt(e2 / s->row_den2[r]);
          break;
      }
      per_sample[r] = v;
    }
  memset(s->grads, 0, s->n_params * sizeof(float));
  if (s->cfg.arch == SURROGATE_CONV1D)
    conv_backward(s, z);
  else if (s->cfg.arch == SURROGATE_FNO)
    fno_backward(s->fno, s->params, s->grads, s->df, z);
  else if (s->cfg.arch == SURROGATE_UNET)
    unet_backward(s->unet, s->params, s->grads, s->df, z);
  else
    mlp_backward(s);
  return isfinite(L) ? OGAS_OK : OGAS_ERANGE;
}

float surrogate_lr_at(const surrogate *s, int64_t step) {
  int64_t T = s->cfg.lr_decay_steps;
  if (T <= 0) return s->cfg.lr;
  double t = step < T ? (double)step / (double)T : 1.0, f = s->cfg.lr_final_fraction;
  return (float)(s->cfg.lr * (f + (1.0 - f) * 0.5 * (1.0 + cos(3.14159265358979323846 * t))));
}

int surrogate_train_step(surrogate *s, const float *states, const float *next_states,
                         const float *z, const float *weights, int B, study_loss_kind kind,
                         float *loss, double *per_sample, float *grad_norm) {
  int st = surrogate_loss_and_grad(s, states, next_states, z, weights, B, kind, loss, per_sample);
  if (st) return st;
  return surrogate_apply_gradients(s, grad_norm);
}

int surrogate_apply_gradients(surrogate *s, float *grad_norm) {
  if (!s) return OGAS_EINVAL;
  float gn = clip_grad_norm(s->grads, s->n_params, s->cfg.grad_clip);
  if (grad_norm) *grad_norm = gn;
  if (!isfinite(gn)) return OGAS_ERANGE; /* leave the weights as they were */
  adamw_config ac = {surrogate_lr_at(s, s->step), 0.9f, 0.999f, 1e-8f, s->cfg.weight_decay};
  adamw_step(s->params, s->grads, s->m, s->v, s->n_params, &ac, ++s->step);
  return OGAS_OK;
}

/* State bytes: int64 n_params, channels, step, has_norm, then params, m, v
   (n_params floats each) and in_mean, in_std, out_mean, out_std (C each). */
enum { STATE_HEADER = 4 };

size_t surrogate_state_bytes(const surrogate *s) {
  return STATE_HEADER * sizeof(int64_t) + (3 * s->n_params + 4 * (size_t)s->C) * sizeof(float);
}

void surrogate_save_state(const surrogate *s, void *out) {
  int64_t h[STATE_HEADER] = {(int64_t)s->n_params, s->C, s->step, s->has_norm};
  char *p = out;
  memcpy(p, h, sizeof h), p += sizeof h;
  size_t n = s->n_params * sizeof(float);
  memcpy(p, s->params, n), p += n;
  memcpy(p, s->m, n), p += n;
  memcpy(p, s->v, n), p += n;
  memcpy(p, s->in_mean, 4 * (size_t)s->C * sizeof(float)); /* in_mean .. out_std are adjacent */
}

int surrogate_load_state(surrogate *s, const void *in, size_t n_bytes) {
  if (!s || !in) return OGAS_EINVAL;
  int64_t h[STATE_HEADER];
  if (n_bytes != surrogate_state_bytes(s)) return OGAS_ECORRUPT;
  memcpy(h, in, sizeof h);
  if (h[0] != (int64_t)s->n_params || h[1] != s->C || h[2] < 0 || (h[3] != 0 && h[3] != 1))
    return OGAS_ECORRUPT;
  const char *p = (const char *)in + sizeof h;
  size_t n = s->n_params * sizeof(float);
  memcpy(s->params, p, n), p += n;
  memcpy(s->m, p, n), p += n;
  memcpy(s->v, p, n), p += n;
  memcpy(s->in_mean, p, 4 * (size_t)s->C * sizeof(float));
  memset(s->grads, 0, n);
  s->step = h[2];
  s->has_norm = (int)h[3];
  if (s->has_norm)
    update_typical_norm(s);
  else
    s->typical_norm = sqrt((double)s->S);
  return OGAS_OK;
}

int surrogate_predict(surrogate *s, const float *states, const float *z, size_t n,
                      float *next_out) {
  if (!s || (n && (!states || !next_out || (s->P && !z)))) return OGAS_EINVAL;
  int S = s->S, P = s->P, per = s->S / s->C;
  for (size_t r0 = 0; r0 < n; r0 += (size_t)s->cfg.max_batch) {
    int B = (int)(n - r0 < (size_t)s->cfg.max_batch ? n - r0 : (size_t)s->cfg.max_batch);
    const float *u0 = states + r0 * S;
    forward(s, u0, P ? z + r0 * P : NULL, B);
    for (int r = 0; r < B; r++) {
      const float *u = u0 + (size_t)r * S, *fr = s->f + (size_t)r * S;
      float *o = next_out + (r0 + (size_t)r) * S;
      for (int c = 0; c < s->C; c++) {
        float m = s->out_mean[c], sd = s->out_std[c];
        for (int j = c * per; j < (c + 1) * per; j++) o[j] = u[j] + m + sd * fr[j];
      }
    }
  }
  return OGAS_OK;
}

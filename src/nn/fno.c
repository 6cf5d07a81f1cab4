#include "nn/fno.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/film.h"
#include "nn/layers.h"
#include "nn/spectral_conv.h"
#include "ogas.h"
#include "util/status_msg.h"

struct fno {
  fno_shape s;
  int max_batch, N, Cl, B; /* N = ny·nx points, Cl lifting inputs, B of the last forward */
  spectral_conv *sc;       /* W -> W, shared by every block */
  float *mem;
  /* activations, rows r = b·N + n (channels last) */
  float *xin;                   /* (R, Cl): state, then coordinates */
  float *h[FNO_MAX_BLOCKS + 1]; /* (R, W) block inputs; h[n_blocks] the last output */
  float *xhat[FNO_MAX_BLOCKS];  /* kept modes of h[k] (spectral_conv.h) */
  float *a[FNO_MAX_BLOCKS], *am[FNO_MAX_BLOCKS]; /* (R, W) before and after the FiLM scale */
  float *gam[FNO_MAX_BLOCKS];                    /* (B, W): G_k z + g_k */
  float *qpre, *q, *fcl;                         /* (R, W), (R, W), (R, C) */
  /* backward scratch */
  float *dh, *dh_next, *dam, *dq, *dfcl, *dgam;
};

static spectral_conv_shape spectral_shape(const fno_shape *s) {
  return (spectral_conv_shape){
      .ny = s->ny, .nx = s->nx, .cin = s->width, .cout = s->width, .my = s->my, .mx = s->mx};
}

static int lift_inputs(const fno_shape *s) {
  return s->channels + (s->coords ? (s->ny > 1 ? 2 : 1) : 0);
}

int fno_shape_check(const fno_shape *s, char *err, size_t errlen) {
  if (!s) return status_msg(-1, err, errlen, "fno: no shape");
  if (s->channels < 1 || s->channels > 4096)
    return status_msg(-1, err, errlen, "fno: channels must be in 1..4096");
  if (s->nb_params < 0 || s->nb_params > 4096)
    return status_msg(-1, err, errlen, "fno: nb_params must be in 0..4096");
  if (s->width < 1 || s->width > 4096)
    return status_msg(-1, err, errlen, "fno: width must be in 1..4096");
  if (s->n_blocks < 0 || s->n_blocks > FNO_MAX_BLOCKS)
    return status_msg(-1, err, errlen, "fno: blocks must be in 0..%d", FNO_MAX_BLOCKS);
  spectral_conv_shape ss = spectral_shape(s);
  if (spectral_conv_shape_check(&ss, err, errlen)) return -1;
  return 0;
}

size_t fno_param_count(const fno_shape *s) {
  size_t W = (size_t)s->width, C = (size_t)s->channels, P = (size_t)s->nb_params;
  spectral_conv_shape ss = spectral_shape(s);
  size_t per_block = spectral_conv_param_count(&ss) + W * W + W * P + W;
  return W * (size_t)lift_inputs(s) + (size_t)s->n_blocks * per_block + W * W + C * W;
}

static float *take(float **cur, size_t n) {
  float *p = *cur;
  *cur += n;
  return p;
}

void fno_bind(const fno_shape *s, float *base, fno_tensors *t) {
  size_t W = (size_t)s->width, C = (size_t)s->channels, P = (size_t)s->nb_params;
  spectral_conv_shape ss = spectral_shape(s);
  float *cur = base;
  t->lift = take(&cur, W * (size_t)lift_inputs(s));
  for (int k = 0; k < s->n_blocks; k++) {
    t->block[k].spectral = take(&cur, spectral_conv_param_count(&ss));
    t->block[k].pointwise = take(&cur, W * W);
    t->block[k].film_W = take(&cur, W * P);
    t->block[k].film_b = take(&cur, W);
  }
  t->proj1 = take(&cur, W * W);
  t->proj2 = take(&cur, C * W);
}

static void init_uniform(float *w, size_t n, double bound, ogas_rng *rng) {
  for (size_t i = 0; i < n; i++) w[i] = (float)((2.0 * ogas_rng_uniform(rng) - 1.0) * bound);
}

void fno_init(const fno_shape *s, float *params, ogas_rng *rng) {
  size_t W = (size_t)s->width, C = (size_t)s->channels, P = (size_t)s->nb_params;
  size_t Cl = (size_t)lift_inputs(s);
  spectral_conv_shape ss = spectral_shape(s);
  fno_tensors t;
  fno_bind(s, params, &t);
  init_uniform(t.lift, W * Cl, 1.0 / sqrt((double)Cl), rng);
  for (int k = 0; k < s->n_blocks; k++) {
    init_uniform(t.block[k].spectral, spectral_conv_param_count(&ss), 1.0 / sqrt(2.0 * W), rng);
    init_uniform(t.block[k].pointwise, W * W, 1.0 / sqrt((double)W), rng);
    memset(t.block[k].film_W, 0, W * P * sizeof(float));
    memset(t.block[k].film_b, 0, W * sizeof(float));
  }
  init_uniform(t.proj1, W * W, 1.0 / sqrt((double)W), rng);
  init_uniform(t.proj2, C * W, 0.1 / sqrt((double)W), rng);
}

/* Every buffer starts on a multiple of 16 floats (64 bytes) of a 64-byte
   aligned block, so that the spectral layer can run FFTW on them directly. */
static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* Lays the workspace for B samples out from base (NULL: only counts). */
static size_t layout(const fno_shape *s, int B, fno *net, float *base) {
  size_t R = (size_t)B * (size_t)s->ny * (size_t)s->nx, W = (size_t)s->width;
  size_t C = (size_t)s->channels, Cl = (size_t)lift_inputs(s), RW = round16(R * W);
  spectral_conv_shape ss = spectral_shape(s);
  size_t nxhat = round16(spectral_conv_saved_count(&ss, B)), BW = round16((size_t)B * W);
  size_t off = 0;
#define TAKE(field, n)                \
  do {                                \
    if (net) net->field = base + off; \
    off += (n);                       \
  } while (0)
  TAKE(xin, round16(R * Cl));
  for (int k = 0; k <= s->n_blocks; k++) TAKE(h[k], RW);
  for (int k = 0; k < s->n_blocks; k++) {
    TAKE(xhat[k], nxhat);
    TAKE(a[k], RW);
    TAKE(am[k], RW);
    TAKE(gam[k], BW);
  }
  TAKE(qpre, RW);
  TAKE(q, RW);
  TAKE(fcl, round16(R * C));
  TAKE(dh, RW);
  TAKE(dh_next, RW);
  TAKE(dam, RW);
  TAKE(dq, RW);
  TAKE(dfcl, round16(R * C));
  TAKE(dgam, BW);
#undef TAKE
  return off;
}

double fno_workspace_floats(const fno_shape *s, int B) {
  /* An estimate in double first: layout() counts in size_t, which a huge
     shape could overflow. */
  double R = (double)B * s->ny * s->nx, W = s->width;
  double est = R * (lift_inputs(s) + 2.0 * s->channels + W * (3.0 * s->n_blocks + 7));
  if (est > 1e15) return est;
  return (double)layout(s, B, NULL, NULL);
}

int fno_create(const fno_shape *s, int max_batch, fno **out, char *err, size_t errlen) {
  if (!out) return OGAS_EINVAL;
  *out = NULL;
  if (fno_shape_check(s, err, errlen)) return OGAS_EINVAL;
  if (max_batch < 1 || max_batch > (1 << 20))
    return status_msg(OGAS_EINVAL, err, errlen, "fno: max_batch must be in 1..2^20");
  double rows = (double)max_batch * s->ny * s->nx;
  if (rows * (s->width > s->channels ? s->width : s->channels) > 2147483647.0)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "fno: batch x grid points x width (%.3g) must stay below 2^31",
                      rows * s->width);
  fno *net = calloc(1, sizeof *net);
  if (!net) return status_msg(OGAS_ENOMEM, err, errlen, "fno: out of memory");
  net->s = *s;
  if (s->ny == 1) net->s.my = 0;
  net->max_batch = max_batch;
  net->N = s->ny * s->nx;
  net->Cl = lift_inputs(s);
  spectral_conv_shape ss = spectral_shape(s);
  int st = spectral_conv_create(&ss, max_batch, &net->sc, err, errlen);
  if (st) {
    fno_free(net);
    return st;
  }
  size_t total = layout(s, max_batch, NULL, NULL);
  if (posix_memalign((void **)&net->mem, 64, total * sizeof(float))) {
    net->mem = NULL;
    fno_free(net);
    return status_msg(OGAS_ENOMEM, err, errlen, "fno: out of memory (%.3g floats of activations)",
                      (double)total);
  }
  memset(net->mem, 0, total * sizeof(float));
  layout(s, max_batch, net, net->mem);
  /* Coordinate channels: fixed, written once for every row. */
  if (s->coords)
    for (int b = 0; b < max_batch; b++)
      for (int y = 0; y < s->ny; y++)
        for (int x = 0; x < s->nx; x++) {
          float *row =
              net->xin + ((size_t)b * net->N + (size_t)y * s->nx + x) * net->Cl + s->channels;
          row[0] = (float)((x + 0.5) / s->nx);
          if (s->ny > 1) row[1] = (float)((y + 0.5) / s->ny);
        }
  *out = net;
  return OGAS_OK;
}

void fno_free(fno *net) {
  if (!net) return;
  spectral_conv_free(net->sc);
  free(net->mem);
  free(net);
}

const fno_shape *fno_get_shape(const fno *net) { return &net->s; }

void fno_forward(fno *net, const float *params, const float *x, const float *z, int B, float *f) {
  const fno_shape *s = &net->s;
  int W = s->width, C = s->channels, P = s->nb_params, N = net->N, Cl = net->Cl, R = B * N;
  size_t RW = (size_t)R * W;
  fno_tensors t;
  fno_bind(s, (float *)params, &t);
  net->B = B;
  /* x (B, C, N) -> xin rows (b·N + n), columns 0..C-1; the coordinate columns stay. */
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      const float *xc = x + ((size_t)b * C + c) * N;
      for (int n = 0; n < N; n++) net->xin[((size_t)b * N + n) * Cl + c] = xc[n];
    }
  linear_forward(net->h[0], net->xin, t.lift, NULL, R, Cl, W);
  for (int k = 0; k < s->n_blocks; k++) {
    /* a = L h + S h */
    linear_forward(net->a[k], net->h[k], t.block[k].pointwise, NULL, R, W, W);
    spectral_conv_forward(net->sc, net->a[k], net->xhat[k], net->h[k], t.block[k].spectral, B);
    film_silu_forward(net->h[k + 1], net->am[k], net->gam[k], net->a[k], z, t.block[k].film_W,
                      t.block[k].film_b, B, N, W, P);
  }
  linear_forward(net->qpre, net->h[s->n_blocks], t.proj1, NULL, R, W, W);
  silu_forward(net->q, net->qpre, RW);
  linear_forward(net->fcl, net->q, t.proj2, NULL, R, W, C);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      float *fc = f + ((size_t)b * C + c) * N;
      for (int n = 0; n < N; n++) fc[n] = net->fcl[((size_t)b * N + n) * C + c];
    }
}

void fno_backward(fno *net, const float *params, float *grads, const float *df, const float *z) {
  const fno_shape *s = &net->s;
  int W = s->width, C = s->channels, P = s->nb_params, N = net->N, Cl = net->Cl, B = net->B;
  int R = B * N;
  size_t RW = (size_t)R * W, bytes = RW * sizeof(float);
  fno_tensors t, g;
  fno_bind(s, (float *)params, &t);
  fno_bind(s, grads, &g);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      const float *dc = df + ((size_t)b * C + c) * N;
      for (int n = 0; n < N; n++) net->dfcl[((size_t)b * N + n) * C + c] = dc[n];
    }
  /* projection: f = Q2 silu(Q1 h) */
  memset(net->dq, 0, bytes);
  linear_backward(net->dq, g.proj2, NULL, net->dfcl, net->q, t.proj2, R, W, C);
  memset(net->dam, 0, bytes); /* here: d qpre */
  silu_backward(net->dam, net->dq, net->qpre, RW);
  memset(net->dh, 0, bytes);
  linear_backward(net->dh, g.proj1, NULL, net->dam, net->h[s->n_blocks], t.proj1, R, W, W);
  for (int k = s->n_blocks - 1; k >= 0; k--) {
    /* h_{k+1} = silu(a ⊙ (1 + gamma)): da into dam (dq is scratch here) */
    memset(net->dam, 0, bytes);
    film_silu_backward(net->dam, g.block[k].film_W, g.block[k].film_b, net->dq, net->dgam, net->dh,
                       net->a[k], net->am[k], net->gam[k], z, B, N, W, P);
    /* a = L h + S h: both branches add into dh of the block's input */
    memset(net->dh_next, 0, bytes);
    linear_backward(net->dh_next, g.block[k].pointwise, NULL, net->dam, net->h[k],
                    t.block[k].pointwise, R, W, W);
    spectral_conv_backward(net->sc, net->dh_next, g.block[k].spectral, net->dam, net->xhat[k],
                           t.block[k].spectral, B);
    float *tmp = net->dh;
    net->dh = net->dh_next, net->dh_next = tmp;
  }
  linear_backward(NULL, g.lift, NULL, net->dh, net->xin, t.lift, R, Cl, W);
}

double fno_train_flops(const fno_shape *s, int B) {
  double R = (double)B * s->ny * s->nx, W = s->width, C = s->channels, Cl = lift_inputs(s);
  spectral_conv_shape ss = spectral_shape(s);
  /* forward 2·R·in·out per pointwise map; backward twice that (dX and dW),
     except the lifting (dW only) */
  double lift = 2 * R * Cl * W * 2, proj = (2 * R * W * W + 2 * R * W * C) * 3;
  double block = 2 * R * W * W * 3 + spectral_conv_forward_flops(&ss, B) +
                 spectral_conv_backward_flops(&ss, B);
  return lift + s->n_blocks * block + proj;
}

#include "nn/unet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/conv_periodic.h"
#include "nn/film.h"
#include "nn/layers.h"
#include "nn/resample.h"
#include "ogas.h"
#include "util/status_msg.h"

/* One convolution block: y = silu(FiLM(K * in)). */
typedef struct {
  conv_shape cs;
  int level;
  size_t K, G, g;      /* offsets of its tensors in the parameter block */
  float *in, *y;       /* input (R_l, cin) and output (R_l, cout) activations */
  float *a, *am, *gam; /* saved for the backward pass */
} block;

#define UNET_MAX_BLOCKS (2 * UNET_MAX_LEVELS + 1)

struct unet {
  unet_shape s;
  int max_batch, B, Cl, n_blocks;
  int ny[UNET_MAX_LEVELS + 1], nx[UNET_MAX_LEVELS + 1], c[UNET_MAX_LEVELS + 1];
  conv_shape in_cs;           /* K_in */
  size_t K_in, Q;             /* offsets */
  block blk[UNET_MAX_BLOCKS]; /* enc 0..D-1, mid, dec D-1..0 */
  float *mem;
  float *xin, *h, *fcl;
  float *e[UNET_MAX_LEVELS], *p[UNET_MAX_LEVELS + 1], *d[UNET_MAX_LEVELS + 1],
      *cat[UNET_MAX_LEVELS];
  /* backward */
  float *dfcl, *dh, *dd[UNET_MAX_LEVELS + 1], *de[UNET_MAX_LEVELS], *dp[UNET_MAX_LEVELS + 1];
  float *dcat, *up, *da, *dam, *dgam, *col, *dcol;
};

static int lift_inputs(const unet_shape *s) {
  return s->channels + (s->coords ? (s->ny > 1 ? 2 : 1) : 0);
}

int unet_shape_check(const unet_shape *s, char *err, size_t errlen) {
  if (!s) return status_msg(-1, err, errlen, "unet: no shape");
  if (s->channels < 1 || s->channels > 4096)
    return status_msg(-1, err, errlen, "unet: channels must be in 1..4096");
  if (s->nb_params < 0 || s->nb_params > 4096)
    return status_msg(-1, err, errlen, "unet: nb_params must be in 0..4096");
  if (s->levels < 0 || s->levels > UNET_MAX_LEVELS)
    return status_msg(-1, err, errlen, "unet: blocks (levels) must be in 0..%d", UNET_MAX_LEVELS);
  if (s->width < 1 || (double)s->width * (1 << s->levels) > 4096)
    return status_msg(-1, err, errlen, "unet: width x 2^levels must be in 1..4096");
  if (s->kernel < 1 || s->kernel % 2 == 0 || s->kernel > 63)
    return status_msg(-1, err, errlen, "unet: kernel must be odd, 1..63");
  int f = 1 << s->levels;
  if (s->nx < 2 || s->ny < 1 || (double)s->nx * s->ny > (double)(1 << 24))
    return status_msg(-1, err, errlen,
                      "unet: grid %d x %d must have nx >= 2 and at most 2^24 points", s->ny, s->nx);
  /* Every level keeps at least 2 points per dimension (a 2-D grid stays 2-D). */
  if (s->nx % f || s->nx / f < 2 || (s->ny > 1 && (s->ny % f || s->ny / f < 2)))
    return status_msg(-1, err, errlen,
                      "unet: the grid (%d x %d) must be divisible by 2^blocks = %d and keep at "
                      "least 2 points per dimension",
                      s->ny, s->nx, f);
  return 0;
}

/* Shapes and parameter offsets of every layer (net may be a scratch struct). */
static size_t plan(const unet_shape *s, unet *net) {
  int D = s->levels, k = s->kernel, P = s->nb_params;
  for (int l = 0; l <= D; l++) {
    net->ny[l] = s->ny > 1 ? s->ny >> l : 1;
    net->nx[l] = s->nx >> l;
    net->c[l] = s->width << l;
  }
  net->Cl = lift_inputs(s);
  size_t off = 0;
  net->in_cs = (conv_shape){s->ny, s->nx, net->Cl, net->c[0], k};
  net->K_in = off;
  off += conv_param_count(&net->in_cs);
  int nb = 0;
  for (int l = 0; l <= D; l++) { /* enc 0..D-1, then mid at l = D */
    block *b = &net->blk[nb++];
    int cin = l == 0 ? net->c[0] : net->c[l - 1];
    b->level = l;
    b->cs = (conv_shape){net->ny[l], net->nx[l], cin, net->c[l], k};
    b->K = off, off += conv_param_count(&b->cs);
    b->G = off, off += (size_t)net->c[l] * P;
    b->g = off, off += (size_t)net->c[l];
  }
  for (int l = D - 1; l >= 0; l--) {
    block *b = &net->blk[nb++];
    b->level = l;
    b->cs = (conv_shape){net->ny[l], net->nx[l], net->c[l + 1] + net->c[l], net->c[l], k};
    b->K = off, off += conv_param_count(&b->cs);
    b->G = off, off += (size_t)net->c[l] * P;
    b->g = off, off += (size_t)net->c[l];
  }
  net->n_blocks = nb;
  net->Q = off;
  off += (size_t)s->channels * net->c[0];
  return off;
}

size_t unet_param_count(const unet_shape *s) {
  unet tmp;
  memset(&tmp, 0, sizeof tmp);
  return plan(s, &tmp);
}

static size_t round16(size_t n) { return (n + 15) & ~(size_t)15; }

/* Lays the workspace out from base (NULL: counts); plan() must have run. */
static size_t layout(unet *net, int B, float *base) {
  const unet_shape *s = &net->s;
  int D = s->levels, C = s->channels;
  size_t off = 0, R[UNET_MAX_LEVELS + 1];
  for (int l = 0; l <= D; l++) R[l] = (size_t)B * net->ny[l] * net->nx[l];
#define TAKE(ptr, n)              \
  do {                            \
    if (base) (ptr) = base + off; \
    off += round16(n);            \
  } while (0)
  TAKE(net->xin, R[0] * net->Cl);
  TAKE(net->h, R[0] * net->c[0]);
  TAKE(net->fcl, R[0] * C);
  TAKE(net->dfcl, R[0] * C);
  TAKE(net->dh, R[0] * net->c[0]);
  for (int l = 0; l < D; l++) {
    TAKE(net->e[l], R[l] * net->c[l]);
    TAKE(net->de[l], R[l] * net->c[l]);
    TAKE(net->p[l + 1], R[l + 1] * net->c[l]);
    TAKE(net->dp[l + 1], R[l + 1] * net->c[l]);
    TAKE(net->cat[l], R[l] * (net->c[l + 1] + net->c[l]));
  }
  for (int l = 0; l <= D; l++) {
    TAKE(net->d[l], R[l] * net->c[l]);
    TAKE(net->dd[l], R[l] * net->c[l]);
  }
  size_t max_rc = 0, max_cat = 0, max_up = 0, max_col = conv_col_count(&net->in_cs, B);
  int max_c = 0;
  for (int i = 0; i < net->n_blocks; i++) {
    block *b = &net->blk[i];
    size_t rc = R[b->level] * b->cs.cout;
    TAKE(b->a, rc);
    TAKE(b->am, rc);
    TAKE(b->gam, (size_t)B * b->cs.cout);
    if (rc > max_rc) max_rc = rc;
    if (b->cs.cout > max_c) max_c = b->cs.cout;
    size_t col = conv_col_count(&b->cs, B);
    if (col > max_col) max_col = col;
  }
  for (int l = 0; l < D; l++) {
    size_t cat = R[l] * (net->c[l + 1] + net->c[l]), up = R[l] * net->c[l + 1];
    if (cat > max_cat) max_cat = cat;
    if (up > max_up) max_up = up;
  }
  TAKE(net->dcat, max_cat);
  TAKE(net->up, max_up);
  TAKE(net->da, max_rc);
  TAKE(net->dam, max_rc);
  TAKE(net->dgam, (size_t)B * max_c);
  TAKE(net->col, max_col);
  TAKE(net->dcol, max_col);
#undef TAKE
  if (base) {
    /* Where each block reads and writes. */
    for (int l = 0; l < D; l++) {
      net->blk[l].in = l == 0 ? net->h : net->p[l];
      net->blk[l].y = net->e[l];
    }
    net->blk[D].in = D > 0 ? net->p[D] : net->h;
    net->blk[D].y = net->d[D];
    for (int l = D - 1; l >= 0; l--) {
      block *b = &net->blk[D + (D - l)];
      b->in = net->cat[l];
      b->y = net->d[l];
    }
  }
  return off;
}

double unet_workspace_floats(const unet_shape *s, int B) {
  /* In double first: layout() counts in size_t. */
  double R = (double)B * s->ny * s->nx, W = s->width;
  double est = R * W * (16.0 + 9.0 * s->kernel * s->kernel) * (s->levels + 1);
  if (est > 1e15) return est;
  unet tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.s = *s;
  plan(s, &tmp);
  return (double)layout(&tmp, B, NULL);
}

static void init_uniform(float *w, size_t n, double bound, ogas_rng *rng) {
  for (size_t i = 0; i < n; i++) w[i] = (float)((2.0 * ogas_rng_uniform(rng) - 1.0) * bound);
}

void unet_init(const unet_shape *s, float *params, ogas_rng *rng) {
  unet t;
  memset(&t, 0, sizeof t);
  size_t n = plan(s, &t);
  memset(params, 0, n * sizeof(float)); /* FiLM maps start at zero: every scale 1 */
  init_uniform(params + t.K_in, conv_param_count(&t.in_cs),
               1.0 / sqrt((double)conv_taps(&t.in_cs) * t.in_cs.cin), rng);
  for (int i = 0; i < t.n_blocks; i++) {
    const conv_shape *cs = &t.blk[i].cs;
    init_uniform(params + t.blk[i].K, conv_param_count(cs),
                 1.0 / sqrt((double)conv_taps(cs) * cs->cin), rng);
  }
  init_uniform(params + t.Q, (size_t)s->channels * t.c[0], 0.1 / sqrt((double)t.c[0]), rng);
}

int unet_create(const unet_shape *s, int max_batch, unet **out, char *err, size_t errlen) {
  if (!out) return OGAS_EINVAL;
  *out = NULL;
  if (unet_shape_check(s, err, errlen)) return OGAS_EINVAL;
  if (max_batch < 1 || max_batch > (1 << 20))
    return status_msg(OGAS_EINVAL, err, errlen, "unet: max_batch must be in 1..2^20");
  unet *net = calloc(1, sizeof *net);
  if (!net) return status_msg(OGAS_ENOMEM, err, errlen, "unet: out of memory");
  net->s = *s;
  net->max_batch = max_batch;
  plan(s, net);
  /* sgemm takes int sizes: the largest im2col must fit. */
  double rows = (double)max_batch * s->ny * s->nx;
  if (rows * conv_taps(&net->blk[net->n_blocks - 1].cs) * (3.0 * s->width) > 2147483647.0) {
    free(net);
    return status_msg(OGAS_EINVAL, err, errlen,
                      "unet: batch x grid x kernel taps x width must stay below 2^31");
  }
  size_t total = layout(net, max_batch, NULL);
  if (posix_memalign((void **)&net->mem, 64, total * sizeof(float))) {
    free(net);
    return status_msg(OGAS_ENOMEM, err, errlen, "unet: out of memory (%.3g floats of activations)",
                      (double)total);
  }
  memset(net->mem, 0, total * sizeof(float));
  layout(net, max_batch, net->mem);
  if (s->coords)
    for (int b = 0; b < max_batch; b++)
      for (int y = 0; y < s->ny; y++)
        for (int x = 0; x < s->nx; x++) {
          float *row = net->xin + (((size_t)b * s->ny + y) * s->nx + x) * net->Cl + s->channels;
          row[0] = (float)((x + 0.5) / s->nx);
          if (s->ny > 1) row[1] = (float)((y + 0.5) / s->ny);
        }
  *out = net;
  return OGAS_OK;
}

void unet_free(unet *net) {
  if (!net) return;
  free(net->mem);
  free(net);
}

static void block_forward(unet *net, block *b, const float *params, const float *z, int B) {
  int N = b->cs.ny * b->cs.nx;
  conv_forward(b->a, net->col, b->in, params + b->K, &b->cs, B);
  film_silu_forward(b->y, b->am, b->gam, b->a, z, params + b->G, params + b->g, B, N, b->cs.cout,
                    net->s.nb_params);
}

/* din += (zeroed by the caller where it has no other source). */
static void block_backward(unet *net, block *b, const float *params, float *grads, const float *dy,
                           float *din, const float *z, int B) {
  int N = b->cs.ny * b->cs.nx;
  memset(net->da, 0, (size_t)B * N * b->cs.cout * sizeof(float));
  film_silu_backward(net->da, grads + b->G, grads + b->g, net->dam, net->dgam, dy, b->a, b->am,
                     b->gam, z, B, N, b->cs.cout, net->s.nb_params);
  conv_backward(din, grads + b->K, net->col, net->dcol, net->da, b->in, params + b->K, &b->cs, B);
}

/* Channel concatenation of a (R, ca) and b (R, cb) into out (R, ca + cb). */
static void concat(float *out, const float *a, int ca, const float *b, int cb, size_t R) {
  for (size_t r = 0; r < R; r++) {
    memcpy(out + r * (ca + cb), a + r * ca, (size_t)ca * sizeof(float));
    memcpy(out + r * (ca + cb) + ca, b + r * cb, (size_t)cb * sizeof(float));
  }
}

void unet_forward(unet *net, const float *params, const float *x, const float *z, int B, float *f) {
  const unet_shape *s = &net->s;
  int D = s->levels, C = s->channels, N = s->ny * s->nx, Cl = net->Cl;
  net->B = B;
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      const float *xc = x + ((size_t)b * C + c) * N;
      for (int n = 0; n < N; n++) net->xin[((size_t)b * N + n) * Cl + c] = xc[n];
    }
  conv_forward(net->h, net->col, net->xin, params + net->K_in, &net->in_cs, B);
  for (int l = 0; l < D; l++) {
    block_forward(net, &net->blk[l], params, z, B);
    avgpool2_forward(net->p[l + 1], net->e[l], B, net->ny[l], net->nx[l], net->c[l]);
  }
  block_forward(net, &net->blk[D], params, z, B);
  for (int l = D - 1; l >= 0; l--) {
    size_t R = (size_t)B * net->ny[l] * net->nx[l];
    upsample2_forward(net->up, net->d[l + 1], B, net->ny[l + 1], net->nx[l + 1], net->c[l + 1]);
    concat(net->cat[l], net->up, net->c[l + 1], net->e[l], net->c[l], R);
    block_forward(net, &net->blk[D + (D - l)], params, z, B);
  }
  linear_forward(net->fcl, net->d[0], params + net->Q, NULL, B * N, net->c[0], C);
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      float *fc = f + ((size_t)b * C + c) * N;
      for (int n = 0; n < N; n++) fc[n] = net->fcl[((size_t)b * N + n) * C + c];
    }
}

void unet_backward(unet *net, const float *params, float *grads, const float *df, const float *z) {
  const unet_shape *s = &net->s;
  int D = s->levels, C = s->channels, N = s->ny * s->nx, B = net->B;
  size_t R[UNET_MAX_LEVELS + 1];
  for (int l = 0; l <= D; l++) R[l] = (size_t)B * net->ny[l] * net->nx[l];
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      const float *dc = df + ((size_t)b * C + c) * N;
      for (int n = 0; n < N; n++) net->dfcl[((size_t)b * N + n) * C + c] = dc[n];
    }
  memset(net->dd[0], 0, R[0] * net->c[0] * sizeof(float));
  linear_backward(net->dd[0], grads + net->Q, NULL, net->dfcl, net->d[0], params + net->Q,
                  (int)R[0], net->c[0], C);
  /* Decoder, in the reverse of its forward order: l = 0 .. D-1. */
  for (int l = 0; l < D; l++) {
    int cu = net->c[l + 1], ce = net->c[l];
    memset(net->dcat, 0, R[l] * (cu + ce) * sizeof(float));
    block_backward(net, &net->blk[D + (D - l)], params, grads, net->dd[l], net->dcat, z, B);
    /* Split d[up, e]: the upsampled part goes down a level, the skip part
       waits for the encoder. */
    for (size_t r = 0; r < R[l]; r++) {
      memcpy(net->up + r * cu, net->dcat + r * (cu + ce), (size_t)cu * sizeof(float));
      memcpy(net->de[l] + r * ce, net->dcat + r * (cu + ce) + cu, (size_t)ce * sizeof(float));
    }
    memset(net->dd[l + 1], 0, R[l + 1] * cu * sizeof(float));
    upsample2_backward(net->dd[l + 1], net->up, B, net->ny[l + 1], net->nx[l + 1], cu);
  }
  /* Bottom block: its input is the last pooled map, or h without levels. */
  float *din = D > 0 ? net->dp[D] : net->dh;
  memset(din, 0, R[D] * (size_t)net->blk[D].cs.cin * sizeof(float));
  block_backward(net, &net->blk[D], params, grads, net->dd[D], din, z, B);
  for (int l = D - 1; l >= 0; l--) {
    avgpool2_backward(net->de[l], net->dp[l + 1], B, net->ny[l], net->nx[l], net->c[l]);
    din = l == 0 ? net->dh : net->dp[l];
    memset(din, 0, R[l] * (size_t)net->blk[l].cs.cin * sizeof(float));
    block_backward(net, &net->blk[l], params, grads, net->de[l], din, z, B);
  }
  conv_backward(NULL, grads + net->K_in, net->col, net->dcol, net->dh, net->xin, params + net->K_in,
                &net->in_cs, B);
}

double unet_train_flops(const unet_shape *s, int B) {
  unet t;
  memset(&t, 0, sizeof t);
  plan(s, &t);
  double fl = 2 * conv_forward_flops(&t.in_cs, B); /* forward + dW */
  for (int i = 0; i < t.n_blocks; i++) fl += 3 * conv_forward_flops(&t.blk[i].cs, B);
  fl += 3 * 2.0 * B * s->ny * s->nx * t.c[0] * s->channels;
  return fl;
}

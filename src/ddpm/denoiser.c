#include "ddpm/denoiser.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layers.h"
#include "nn/optim.h"

int denoiser_shape_check(const denoiser_shape *s) {
  if (!s || s->dim < 1 || s->hidden < 2 || s->hidden % 2 || s->n_blocks < 1 ||
      s->n_blocks > DENOISER_MAX_BLOCKS)
    return -1;
  return 0;
}

size_t denoiser_param_count(const denoiser_shape *s) {
  size_t d = (size_t)s->dim, H = (size_t)s->hidden;
  size_t lin_hh = H * H + H;
  size_t n = (H * d + H) + 4 * lin_hh + H;         /* in, t1, t2, c1, c2, null */
  n += (size_t)s->n_blocks * (2 * H + 2 * lin_hh); /* blocks */
  n += 2 * H + (d * H + d);                        /* LN_f, out */
  return n;
}

static float *take(float **cursor, size_t n) {
  float *p = *cursor;
  *cursor += n;
  return p;
}

static void bind_linear(linear_tensors *l, float **cursor, size_t in, size_t out) {
  l->W = take(cursor, in * out);
  l->b = take(cursor, out);
}

void denoiser_bind(const denoiser_shape *s, float *base, denoiser_tensors *t) {
  size_t d = (size_t)s->dim, H = (size_t)s->hidden;
  float *cur = base;
  bind_linear(&t->in, &cur, d, H);
  bind_linear(&t->t1, &cur, H, H);
  bind_linear(&t->t2, &cur, H, H);
  bind_linear(&t->c1, &cur, H, H);
  bind_linear(&t->c2, &cur, H, H);
  t->null_cond = take(&cur, H);
  for (int k = 0; k < s->n_blocks; k++) {
    t->block[k].ln.gain = take(&cur, H);
    t->block[k].ln.bias = take(&cur, H);
    bind_linear(&t->block[k].l1, &cur, H, H);
    bind_linear(&t->block[k].l2, &cur, H, H);
  }
  t->lnf.gain = take(&cur, H);
  t->lnf.bias = take(&cur, H);
  bind_linear(&t->out, &cur, H, d);
}

static void init_linear(linear_tensors *l, size_t in, size_t out, ogas_rng *rng) {
  double bound = 1.0 / sqrt((double)in);
  for (size_t i = 0; i < in * out; i++)
    l->W[i] = (float)((2.0 * ogas_rng_uniform(rng) - 1.0) * bound);
  for (size_t i = 0; i < out; i++) l->b[i] = (float)((2.0 * ogas_rng_uniform(rng) - 1.0) * bound);
}

static void init_norm(norm_tensors *n, size_t H) {
  for (size_t i = 0; i < H; i++) n->gain[i] = 1.0f, n->bias[i] = 0.0f;
}

void denoiser_init(const denoiser_shape *s, float *params, ogas_rng *rng) {
  size_t d = (size_t)s->dim, H = (size_t)s->hidden;
  denoiser_tensors t;
  denoiser_bind(s, params, &t);
  init_linear(&t.in, d, H, rng);
  init_linear(&t.t1, H, H, rng);
  init_linear(&t.t2, H, H, rng);
  init_linear(&t.c1, H, H, rng);
  init_linear(&t.c2, H, H, rng);
  for (size_t i = 0; i < H; i++) t.null_cond[i] = 0.02f * (float)ogas_rng_normal(rng);
  for (int k = 0; k < s->n_blocks; k++) {
    init_norm(&t.block[k].ln, H);
    init_linear(&t.block[k].l1, H, H, rng);
    init_linear(&t.block[k].l2, H, H, rng);
  }
  init_norm(&t.lnf, H);
  init_linear(&t.out, H, d, rng);
  /* The output layer starts at zero (as adaLN-zero in DiT): the untrained
     denoiser predicts exactly its base (zero, or the box prior), and the
     draws above keep the random streams of the other layers unchanged. */
  memset(t.out.W, 0, d * H * sizeof(float));
  memset(t.out.b, 0, d * sizeof(float));
}

struct denoiser_ws {
  denoiser_shape shape;
  int max_rows, training;
  int B, n_cond;  /* of the last forward */
  int n_times;    /* distinct timesteps in the last forward */
  int *time_slot; /* row -> index of its timestep among the distinct ones */
  /* embeddings */
  float *t_in, *t_sin, *t_pre, *t_act, *c_in, *c_sin, *c_pre, *c_act, *e_c, *e;
  /* trunk: h[k] is the stream entering block k, h[n_blocks] the one leaving */
  float *z, *h[DENOISER_MAX_BLOCKS + 1];
  float *ln[DENOISER_MAX_BLOCKS], *mean[DENOISER_MAX_BLOCKS], *rstd[DENOISER_MAX_BLOCKS];
  float *a[DENOISER_MAX_BLOCKS], *s[DENOISER_MAX_BLOCKS];
  float *lnf, *mean_f, *rstd_f, *sf;
  /* Backward (training only). Each linear layer's output gradient is kept
     until denoiser_weight_grads turns it into parameter gradients: dh[k] is
     dL/dh[k], da[k] and dln[k] those of block k's l1 and LayerNorm, de_t and
     d_pre_t the time MLP's (per distinct timestep), de and d_pre_c the
     condition MLP's, dlnf LN_f's; deps is the caller's. scratch holds the
     gradient before a SiLU, one layer at a time. */
  float *dh[DENOISER_MAX_BLOCKS + 1], *da[DENOISER_MAX_BLOCKS], *dln[DENOISER_MAX_BLOCKS];
  float *de, *de_t, *d_pre_t, *d_pre_c, *dlnf, *scratch;
  const float *deps;
  float *mem;
};

denoiser_ws *denoiser_ws_create(const denoiser_shape *s, int max_rows, int for_training) {
  if (denoiser_shape_check(s) || max_rows < 1) return NULL;
  denoiser_ws *ws = calloc(1, sizeof *ws);
  if (!ws) return NULL;
  ws->shape = *s;
  ws->max_rows = max_rows;
  ws->training = for_training;
  size_t R = (size_t)max_rows, H = (size_t)s->hidden, nb = (size_t)s->n_blocks;
  size_t RH = R * H;
  /* Per-block activations are kept only for training; inference reuses one set. */
  size_t kept = for_training ? nb : 1;
  size_t total = 2 * R + 8 * RH                     /* t_in c_in, embedding buffers, e_c, e */
                 + R * (size_t)s->dim               /* z */
                 + (for_training ? nb + 1 : 1) * RH /* h */
                 + kept * (3 * RH + 2 * R)          /* ln a s mean rstd */
                 + 2 * RH + 2 * R                   /* lnf sf mean_f rstd_f */
                 + (for_training ? (3 * nb + 7) * RH : 0);
  ws->mem = calloc(total, sizeof(float));
  ws->time_slot = calloc(R, sizeof(int));
  if (!ws->mem || !ws->time_slot) {
    denoiser_ws_free(ws);
    return NULL;
  }
  float *cur = ws->mem;
  ws->t_in = take(&cur, R);
  ws->c_in = take(&cur, R);
  ws->t_sin = take(&cur, RH);
  ws->t_pre = take(&cur, RH);
  ws->t_act = take(&cur, RH);
  ws->c_sin = take(&cur, RH);
  ws->c_pre = take(&cur, RH);
  ws->c_act = take(&cur, RH);
  ws->e_c = take(&cur, RH);
  ws->e = take(&cur, RH);
  ws->z = take(&cur, R * (size_t)s->dim);
  /* Inference updates the residual stream in place: every h[k] is one buffer. */
  for (size_t k = 0; k <= nb; k++) ws->h[k] = (for_training || k == 0) ? take(&cur, RH) : ws->h[0];
  for (size_t k = 0; k < nb; k++) {
    if (k < kept) {
      ws->ln[k] = take(&cur, RH);
      ws->a[k] = take(&cur, RH);
      ws->s[k] = take(&cur, RH);
      ws->mean[k] = take(&cur, R);
      ws->rstd[k] = take(&cur, R);
    } else {
      ws->ln[k] = ws->ln[0], ws->a[k] = ws->a[0], ws->s[k] = ws->s[0];
      ws->mean[k] = ws->mean[0], ws->rstd[k] = ws->rstd[0];
    }
  }
  ws->lnf = take(&cur, RH);
  ws->sf = take(&cur, RH);
  ws->mean_f = take(&cur, R);
  ws->rstd_f = take(&cur, R);
  if (for_training) {
    for (size_t k = 0; k <= nb; k++) ws->dh[k] = take(&cur, RH);
    for (size_t k = 0; k < nb; k++) ws->da[k] = take(&cur, RH), ws->dln[k] = take(&cur, RH);
    float **rest[] = {&ws->de, &ws->de_t, &ws->d_pre_t, &ws->d_pre_c, &ws->dlnf, &ws->scratch};
    for (size_t i = 0; i < sizeof rest / sizeof *rest; i++) *rest[i] = take(&cur, RH);
  }
  return ws;
}

void denoiser_ws_free(denoiser_ws *ws) {
  if (!ws) return;
  free(ws->mem);
  free(ws->time_slot);
  free(ws);
}

int denoiser_ws_max_rows(const denoiser_ws *ws) { return ws->max_rows; }

/* Share `part` of `parts` of n units: [*u0, *u1). */
static void share(int n, int part, int parts, int *u0, int *u1) {
  *u0 = (int)((long)n * part / parts);
  *u1 = (int)((long)n * (part + 1) / parts);
}

static void sync(const denoiser_share *sh) {
  if (sh->parts > 1) sh->sync(sh->ctx);
}

/* Elementwise steps on columns [c0, c1) of every row of (B, H) tensors: a
   member works on the units its linear layers computed, so that no barrier
   is needed between a layer and its activation. Whole rows are one run. */
static void whole_rows_as_one_run(int *B, int *H, int c0, int *c1) {
  if (*c1 - c0 == *H) *H *= *B, *c1 = *H, *B = 1;
}

static void cols_silu(float *out, const float *inp, int B, int H, int c0, int c1) {
  whole_rows_as_one_run(&B, &H, c0, &c1);
  for (size_t r = 0; r < (size_t)B; r++) silu_forward(out + r * H + c0, inp + r * H + c0, c1 - c0);
}

static void cols_zero(float *x, int B, int H, int c0, int c1) {
  whole_rows_as_one_run(&B, &H, c0, &c1);
  for (size_t r = 0; r < (size_t)B; r++) memset(x + r * H + c0, 0, (size_t)(c1 - c0) * sizeof *x);
}

static void cols_copy(float *out, const float *inp, int B, int H, int c0, int c1) {
  whole_rows_as_one_run(&B, &H, c0, &c1);
  for (size_t r = 0; r < (size_t)B; r++)
    memcpy(out + r * H + c0, inp + r * H + c0, (size_t)(c1 - c0) * sizeof *out);
}

static void cols_add(float *out, const float *inp, int B, int H, int c0, int c1) {
  whole_rows_as_one_run(&B, &H, c0, &c1);
  for (size_t r = 0; r < (size_t)B; r++) add_inplace(out + r * H + c0, inp + r * H + c0, c1 - c0);
}

/* dinp = 0, then dinp += silu'(inp) dout, on columns [c0, c1). */
static void cols_silu_backward(float *dinp, const float *dout, const float *inp, int B, int H,
                               int c0, int c1) {
  cols_zero(dinp, B, H, c0, c1);
  whole_rows_as_one_run(&B, &H, c0, &c1);
  for (size_t r = 0; r < (size_t)B; r++)
    silu_backward(dinp + r * H + c0, dout + r * H + c0, inp + r * H + c0, c1 - c0);
}

/* out = L2 silu L1 sin(scale·x): the two-layer embedding MLP on B rows; a
   member of a team computes its rows of sin and its units of the rest. */
static void embed_mlp(const linear_tensors *l1, const linear_tensors *l2, const float *x,
                      float scale, int B, int H, float *sin_buf, float *pre, float *act, float *out,
                      const denoiser_share *sh) {
  int r0, r1, h0, h1;
  share(B, sh->part, sh->parts, &r0, &r1);
  share(H, sh->part, sh->parts, &h0, &h1);
  sinusoidal_embedding(sin_buf + (size_t)r0 * H, x + r0, scale, r1 - r0, H);
  sync(sh);
  linear_forward_units(pre, sin_buf, l1->W, l1->b, B, H, H, h0, h1, 0);
  cols_silu(act, pre, B, H, h0, h1);
  sync(sh);
  linear_forward_units(out, act, l2->W, l2->b, B, H, H, h0, h1, 0);
}

void denoiser_time_embedding(denoiser_ws *ws, const float *params, const float *t, int B,
                             float *e_t) {
  denoiser_tensors w;
  denoiser_bind(&ws->shape, (float *)params, &w);
  embed_mlp(&w.t1, &w.t2, t, 1.0f, B, ws->shape.hidden, ws->t_sin, ws->t_pre, ws->t_act, e_t,
            &DENOISER_WHOLE);
}

void denoiser_cond_embedding(denoiser_ws *ws, const float *params, const float *c, int B,
                             float *e_c) {
  denoiser_tensors w;
  denoiser_bind(&ws->shape, (float *)params, &w);
  embed_mlp(&w.c1, &w.c2, c, DENOISER_COND_SCALE, B, ws->shape.hidden, ws->c_sin, ws->c_pre,
            ws->c_act, e_c, &DENOISER_WHOLE);
}

static void trunk_share(denoiser_ws *ws, const float *params, const float *z, const float *e, int B,
                        float *eps, const denoiser_share *sh) {
  const denoiser_shape *s = &ws->shape;
  int H = s->hidden, d = s->dim, h0, h1, r0, r1, o0, o1;
  share(H, sh->part, sh->parts, &h0, &h1);
  share(B, sh->part, sh->parts, &r0, &r1);
  share(d, sh->part, sh->parts, &o0, &o1);
  size_t R0 = (size_t)r0 * H;
  denoiser_tensors w;
  denoiser_bind(s, (float *)params, &w);
  linear_forward_units(ws->h[0], z, w.in.W, w.in.b, B, d, H, h0, h1, 0);
  for (int k = 0; k < s->n_blocks; k++) {
    if (ws->h[k + 1] != ws->h[k]) cols_copy(ws->h[k + 1], ws->h[k], B, H, h0, h1);
    sync(sh); /* LayerNorm takes whole rows of h[k] */
    layernorm_forward(ws->ln[k] + R0, ws->mean[k] + r0, ws->rstd[k] + r0, ws->h[k] + R0,
                      w.block[k].ln.gain, w.block[k].ln.bias, r1 - r0, H);
    sync(sh);
    cols_copy(ws->a[k], e, B, H, h0, h1);
    linear_forward_units(ws->a[k], ws->ln[k], w.block[k].l1.W, w.block[k].l1.b, B, H, H, h0, h1, 1);
    cols_silu(ws->s[k], ws->a[k], B, H, h0, h1);
    sync(sh);
    linear_forward_units(ws->h[k + 1], ws->s[k], w.block[k].l2.W, w.block[k].l2.b, B, H, H, h0, h1,
                         1);
  }
  sync(sh);
  int nb = s->n_blocks;
  layernorm_forward(ws->lnf + R0, ws->mean_f + r0, ws->rstd_f + r0, ws->h[nb] + R0, w.lnf.gain,
                    w.lnf.bias, r1 - r0, H);
  silu_forward(ws->sf + R0, ws->lnf + R0, (size_t)(r1 - r0) * H);
  sync(sh);
  linear_forward_units(eps, ws->sf, w.out.W, w.out.b, B, H, d, o0, o1, 0);
}

void denoiser_trunk(denoiser_ws *ws, const float *params, const float *z, const float *e, int B,
                    float *eps) {
  trunk_share(ws, params, z, e, B, eps, &DENOISER_WHOLE);
}

/* A minibatch draws t from only T values, so the time MLP runs once per
   distinct timestep (about 72 of 128 rows for T = 100) and rows share it:
   t_in keeps the distinct values, time_slot maps each row to one. */
static int distinct_timesteps(const float *t, int B, float *distinct, int *slot) {
  int n = 0;
  for (int r = 0; r < B; r++) {
    int u = 0;
    while (u < n && distinct[u] != t[r]) u++;
    if (u == n) distinct[n++] = t[r];
    slot[r] = u;
  }
  return n;
}

void denoiser_forward_share(denoiser_ws *ws, const float *params, const float *z, const float *t,
                            const float *c, int n_cond, int B, float *eps,
                            const denoiser_share *sh) {
  const denoiser_shape *s = &ws->shape;
  int H = s->hidden, h0, h1;
  share(H, sh->part, sh->parts, &h0, &h1);
  denoiser_tensors w;
  denoiser_bind(s, (float *)params, &w);
  if (sh->part == 0) {
    ws->B = B;
    ws->n_cond = n_cond;
    memcpy(ws->z, z, (size_t)B * s->dim * sizeof(float));
    if (n_cond > 0) memcpy(ws->c_in, c, (size_t)n_cond * sizeof(float));
    ws->n_times = distinct_timesteps(t, B, ws->t_in, ws->time_slot);
  }
  sync(sh);
  /* e_t of the distinct timesteps goes to e_c's buffer first, then fans out
     to the rows (each member its units). */
  embed_mlp(&w.t1, &w.t2, ws->t_in, 1.0f, ws->n_times, H, ws->t_sin, ws->t_pre, ws->t_act, ws->e_c,
            sh);
  for (int r = 0; r < B; r++)
    memcpy(ws->e + (size_t)r * H + h0, ws->e_c + (size_t)ws->time_slot[r] * H + h0,
           (size_t)(h1 - h0) * sizeof(float));
  embed_mlp(&w.c1, &w.c2, ws->c_in, DENOISER_COND_SCALE, n_cond, H, ws->c_sin, ws->c_pre, ws->c_act,
            ws->e_c, sh);
  cols_add(ws->e, ws->e_c, n_cond, H, h0, h1);
  for (int r = n_cond; r < B; r++)
    add_inplace(ws->e + (size_t)r * H + h0, w.null_cond + h0, (size_t)(h1 - h0));
  trunk_share(ws, params, ws->z, ws->e, B, eps, sh);
}

void denoiser_forward(denoiser_ws *ws, const float *params, const float *z, const float *t,
                      const float *c, int n_cond, int B, float *eps) {
  denoiser_forward_share(ws, params, z, t, c, n_cond, B, eps, &DENOISER_WHOLE);
}

void denoiser_backward_inputs_share(denoiser_ws *ws, const float *params, const float *deps,
                                    float *dz, const denoiser_share *sh) {
  const denoiser_shape *s = &ws->shape;
  int H = s->hidden, d = s->dim, B = ws->B, nc = ws->n_cond, nb = s->n_blocks, nt = ws->n_times;
  int h0, h1, r0, r1;
  share(H, sh->part, sh->parts, &h0, &h1);
  share(B, sh->part, sh->parts, &r0, &r1);
  size_t R0 = (size_t)r0 * H, rows_bytes = (size_t)(r1 - r0) * H * sizeof(float);
  denoiser_tensors w;
  denoiser_bind(s, (float *)params, &w);
  if (sh->part == 0) ws->deps = deps;

  /* Head: eps = L_out silu LN_f(h). */
  cols_zero(ws->scratch, B, H, h0, h1);
  linear_backward_input_units(ws->scratch, deps, w.out.W, B, H, d, h0, h1);
  cols_silu_backward(ws->dlnf, ws->scratch, ws->lnf, B, H, h0, h1);
  sync(sh); /* LayerNorm's backward takes whole rows */
  memset(ws->dh[nb] + R0, 0, rows_bytes);
  layernorm_backward_input(ws->dh[nb] + R0, ws->dlnf + R0, ws->h[nb] + R0, ws->mean_f + r0,
                           ws->rstd_f + r0, w.lnf.gain, r1 - r0, H);
  cols_zero(ws->de, B, H, h0, h1);
  sync(sh);

  /* Blocks in reverse: dL/dh[k] = dL/dh[k+1] through the residual plus the
     branch's share; the shared embedding e collects every block's da. */
  for (int k = nb - 1; k >= 0; k--) {
    cols_zero(ws->scratch, B, H, h0, h1);
    linear_backward_input_units(ws->scratch, ws->dh[k + 1], w.block[k].l2.W, B, H, H, h0, h1);
    cols_silu_backward(ws->da[k], ws->scratch, ws->a[k], B, H, h0, h1);
    cols_add(ws->de, ws->da[k], B, H, h0, h1);
    sync(sh);
    cols_zero(ws->dln[k], B, H, h0, h1);
    linear_backward_input_units(ws->dln[k], ws->da[k], w.block[k].l1.W, B, H, H, h0, h1);
    sync(sh);
    memcpy(ws->dh[k] + R0, ws->dh[k + 1] + R0, rows_bytes);
    layernorm_backward_input(ws->dh[k] + R0, ws->dln[k] + R0, ws->h[k] + R0, ws->mean[k] + r0,
                             ws->rstd[k] + r0, w.block[k].ln.gain, r1 - r0, H);
    sync(sh);
  }
  if (dz) {
    int o0, o1;
    share(d, sh->part, sh->parts, &o0, &o1);
    linear_backward_input_units(dz, ws->dh[0], w.in.W, B, d, H, o0, o1);
  }

  /* Embeddings: e = e_t + (e_c or null). The sinusoidal inputs are constants,
     so the first layers need no input gradient. Rows sharing a timestep sum
     their gradients into its one e_t. */
  cols_zero(ws->de_t, nt, H, h0, h1);
  for (int r = 0; r < B; r++)
    add_inplace(ws->de_t + (size_t)ws->time_slot[r] * H + h0, ws->de + (size_t)r * H + h0,
                (size_t)(h1 - h0));
  sync(sh);
  cols_zero(ws->scratch, nt, H, h0, h1);
  linear_backward_input_units(ws->scratch, ws->de_t, w.t2.W, nt, H, H, h0, h1);
  cols_silu_backward(ws->d_pre_t, ws->scratch, ws->t_pre, nt, H, h0, h1);
  cols_zero(ws->scratch, nc, H, h0, h1);
  linear_backward_input_units(ws->scratch, ws->de, w.c2.W, nc, H, H, h0, h1);
  cols_silu_backward(ws->d_pre_c, ws->scratch, ws->c_pre, nc, H, h0, h1);
}

void denoiser_backward_inputs(denoiser_ws *ws, const float *params, const float *deps, float *dz) {
  denoiser_backward_inputs_share(ws, params, deps, dz, &DENOISER_WHOLE);
}

/* The linear layers of the network, and for one workspace the output
   gradient and input of one of them: returns the rows. */
typedef enum { LIN_OUT, LIN_IN, LIN_T1, LIN_T2, LIN_C1, LIN_C2, LIN_B1, LIN_B2 } linear_id;

static int linear_rows(const denoiser_ws *ws, linear_id id, int k, const float **dout,
                       const float **inp) {
  switch (id) {
    case LIN_OUT:
      *dout = ws->deps, *inp = ws->sf;
      return ws->B;
    case LIN_IN:
      *dout = ws->dh[0], *inp = ws->z;
      return ws->B;
    case LIN_T1:
      *dout = ws->d_pre_t, *inp = ws->t_sin;
      return ws->n_times;
    case LIN_T2:
      *dout = ws->de_t, *inp = ws->t_act;
      return ws->n_times;
    case LIN_C1:
      *dout = ws->d_pre_c, *inp = ws->c_sin;
      return ws->n_cond;
    case LIN_C2:
      *dout = ws->de, *inp = ws->c_act;
      return ws->n_cond;
    case LIN_B1:
      *dout = ws->da[k], *inp = ws->ln[k];
      return ws->B;
    case LIN_B2:
      *dout = ws->dh[k + 1], *inp = ws->s[k];
      return ws->B;
  }
  return 0;
}

/* Σ x² over rows [r0, r1) of a (rows, C) tensor. */
static double rows_squares(const float *x, int C, int r0, int r1) {
  return sum_squares(x + (size_t)r0 * C, (size_t)(r1 - r0) * C);
}

/* Output units [o0, o1) of linear layer `id` (C -> OC); returns their Σ g². */
static double linear_part(const denoiser_ws *ws, linear_id id, int k, const linear_tensors *g,
                          int C, int OC, int part, int parts) {
  int o0, o1;
  share(OC, part, parts, &o0, &o1);
  const float *dout, *inp;
  int rows = linear_rows(ws, id, k, &dout, &inp);
  linear_param_grads(g->W, g->b, dout, inp, rows, C, OC, o0, o1);
  return rows_squares(g->W, C, o0, o1) + rows_squares(g->b, 1, o0, o1);
}

/* The same for a LayerNorm: block k's, or LN_f's when k < 0. */
static double norm_part(const denoiser_ws *ws, int k, const norm_tensors *g, int H, int part,
                        int parts) {
  int c0, c1, nb = ws->shape.n_blocks;
  share(H, part, parts, &c0, &c1);
  if (k < 0)
    layernorm_param_grads(g->gain, g->bias, ws->dlnf, ws->h[nb], ws->mean_f, ws->rstd_f, ws->B, H,
                          c0, c1);
  else
    layernorm_param_grads(g->gain, g->bias, ws->dln[k], ws->h[k], ws->mean[k], ws->rstd[k], ws->B,
                          H, c0, c1);
  return rows_squares(g->gain, 1, c0, c1) + rows_squares(g->bias, 1, c0, c1);
}

double denoiser_weight_grads(denoiser_ws *ws, float *grads, int part, int parts) {
  const denoiser_shape *s = &ws->shape;
  int H = s->hidden, d = s->dim;
  denoiser_tensors g;
  denoiser_bind(s, grads, &g);
  double sq = linear_part(ws, LIN_OUT, 0, &g.out, H, d, part, parts);
  sq += norm_part(ws, -1, &g.lnf, H, part, parts);
  for (int k = s->n_blocks - 1; k >= 0; k--) {
    sq += linear_part(ws, LIN_B2, k, &g.block[k].l2, H, H, part, parts);
    sq += linear_part(ws, LIN_B1, k, &g.block[k].l1, H, H, part, parts);
    sq += norm_part(ws, k, &g.block[k].ln, H, part, parts);
  }
  sq += linear_part(ws, LIN_IN, 0, &g.in, d, H, part, parts);
  sq += linear_part(ws, LIN_T2, 0, &g.t2, H, H, part, parts);
  sq += linear_part(ws, LIN_T1, 0, &g.t1, H, H, part, parts);
  sq += linear_part(ws, LIN_C2, 0, &g.c2, H, H, part, parts);
  sq += linear_part(ws, LIN_C1, 0, &g.c1, H, H, part, parts);
  /* The null vector: the embedding gradient of the unconditioned rows. */
  int h0, h1;
  share(H, part, parts, &h0, &h1);
  for (int r = ws->n_cond; r < ws->B; r++)
    add_inplace(g.null_cond + h0, ws->de + (size_t)r * H + h0, (size_t)(h1 - h0));
  return sq + rows_squares(g.null_cond, 1, h0, h1);
}

double denoiser_backward(denoiser_ws *ws, const float *params, float *grads, const float *deps,
                         float *dz) {
  denoiser_backward_inputs(ws, params, deps, dz);
  return denoiser_weight_grads(ws, grads, 0, 1);
}

static double linear_flops(double rows, double in, double out) { return 2.0 * rows * in * out; }

double denoiser_forward_flops(const denoiser_shape *s, int B, int n_cond) {
  double d = s->dim, H = s->hidden;
  return linear_flops(B, d, H) + 2 * linear_flops(B, H, H) + 2 * linear_flops(n_cond, H, H) +
         s->n_blocks * 2 * linear_flops(B, H, H) + linear_flops(B, H, d);
}

double denoiser_backward_flops(const denoiser_shape *s, int B, int n_cond) {
  /* dW and dX for every linear, but no dX for the embeddings' first layers
     nor for the input layer when dz is not needed. */
  double d = s->dim, H = s->hidden;
  return linear_flops(B, d, H) + 3 * linear_flops(B, H, H) + 3 * linear_flops(n_cond, H, H) +
         s->n_blocks * 4 * linear_flops(B, H, H) + 2 * linear_flops(B, H, d);
}

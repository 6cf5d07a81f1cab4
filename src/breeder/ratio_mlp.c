#include "breeder/ratio_mlp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layers.h"
#include "nn/loss.h"

size_t ratio_mlp_param_count(int dim, int hidden) {
  size_t d = (size_t)dim, h = (size_t)hidden;
  return (h * d + h) + (h * h + h) + (h + 1);
}

typedef struct {
  float *W1, *b1, *W2, *b2, *W3, *b3;
} ratio_tensors;

static void bind(const ratio_mlp *r, float *base, ratio_tensors *t) {
  size_t d = (size_t)r->dim, h = (size_t)r->hidden;
  t->W1 = base;
  t->b1 = t->W1 + h * d;
  t->W2 = t->b1 + h;
  t->b2 = t->W2 + h * h;
  t->W3 = t->b2 + h;
  t->b3 = t->W3 + h;
}

int ratio_mlp_init(ratio_mlp *r, int dim, int hidden, int max_rows, const adamw_config *adam,
                   float label_smoothing, ogas_rng *rng) {
  memset(r, 0, sizeof *r);
  if (dim < 1 || hidden < 1 || max_rows < 1) return -1;
  r->dim = dim;
  r->hidden = hidden;
  r->max_rows = max_rows;
  r->adam = *adam;
  r->label_smoothing = label_smoothing;
  r->n_params = ratio_mlp_param_count(dim, hidden);
  size_t R = (size_t)max_rows, h = (size_t)hidden;
  r->params = calloc(4 * r->n_params + R * (size_t)dim + 6 * R * h + 2 * R, sizeof(float));
  if (!r->params) return -1;
  r->grads = r->params + r->n_params;
  r->adam_m = r->grads + r->n_params;
  r->adam_v = r->adam_m + r->n_params;
  r->x = r->adam_v + r->n_params;
  r->a1 = r->x + R * (size_t)dim;
  r->s1 = r->a1 + R * h;
  r->a2 = r->s1 + R * h;
  r->s2 = r->a2 + R * h;
  r->ds = r->s2 + R * h;
  r->da = r->ds + R * h;
  r->logits = r->da + R * h;
  r->dlogits = r->logits + R;
  /* torch.nn.Linear default: U(±1/sqrt(fan_in)) for weights and biases. */
  ratio_tensors t;
  bind(r, r->params, &t);
  struct {
    float *p;
    size_t n, fan_in;
  } init[] = {{t.W1, h * dim + h, (size_t)dim}, {t.W2, h * h + h, h}, {t.W3, h + 1, h}};
  for (int k = 0; k < 3; k++) {
    double bound = 1.0 / sqrt((double)init[k].fan_in);
    for (size_t i = 0; i < init[k].n; i++)
      init[k].p[i] = (float)((2.0 * ogas_rng_uniform(rng) - 1.0) * bound);
  }
  return 0;
}

void ratio_mlp_free(ratio_mlp *r) {
  free(r->params);
  memset(r, 0, sizeof *r);
}

static void forward(ratio_mlp *r, const float *params, const float *z, int n, float *logits) {
  ratio_tensors t;
  bind(r, (float *)params, &t);
  int d = r->dim, h = r->hidden;
  size_t nh = (size_t)n * h;
  memcpy(r->x, z, (size_t)n * d * sizeof(float));
  linear_forward(r->a1, r->x, t.W1, t.b1, n, d, h);
  silu_forward(r->s1, r->a1, nh);
  linear_forward(r->a2, r->s1, t.W2, t.b2, n, h, h);
  silu_forward(r->s2, r->a2, nh);
  linear_forward(logits, r->s2, t.W3, t.b3, n, h, 1);
}

static int rows_ok(const ratio_mlp *r, int n) { return n >= 1 && n <= r->max_rows; }

int ratio_mlp_logits(ratio_mlp *r, const float *params, const float *z, int n, float *logits) {
  if (!rows_ok(r, n)) return -1;
  forward(r, params, z, n, logits);
  return 0;
}

float ratio_mlp_loss_grad(ratio_mlp *r, const float *z, const float *labels, int n) {
  if (!rows_ok(r, n)) return NAN;
  int d = r->dim, h = r->hidden;
  size_t nh = (size_t)n * h;
  forward(r, r->params, z, n, r->logits);
  float loss = bce_logits_loss(r->dlogits, r->logits, labels, NULL, r->label_smoothing, n);
  ratio_tensors t, g;
  bind(r, r->params, &t);
  bind(r, r->grads, &g);
  memset(r->grads, 0, r->n_params * sizeof(float));
  memset(r->ds, 0, nh * sizeof(float));
  linear_backward(r->ds, g.W3, g.b3, r->dlogits, r->s2, t.W3, n, h, 1);
  memset(r->da, 0, nh * sizeof(float));
  silu_backward(r->da, r->ds, r->a2, nh);
  memset(r->ds, 0, nh * sizeof(float));
  linear_backward(r->ds, g.W2, g.b2, r->da, r->s1, t.W2, n, h, h);
  memset(r->da, 0, nh * sizeof(float));
  silu_backward(r->da, r->ds, r->a1, nh);
  linear_backward(NULL, g.W1, g.b1, r->da, r->x, t.W1, n, d, h);
  return loss;
}

float ratio_mlp_train_step(ratio_mlp *r, const float *z, const float *labels, int n) {
  float loss = ratio_mlp_loss_grad(r, z, labels, n);
  if (isnan(loss)) return loss;
  r->step++;
  adamw_step(r->params, r->grads, r->adam_m, r->adam_v, r->n_params, &r->adam, r->step);
  return loss;
}

int ratio_mlp_weights(ratio_mlp *r, const float *params, const float *z, int n, float w_min,
                      float w_max, float *w) {
  if (!rows_ok(r, n)) return -1;
  forward(r, params, z, n, w);
  double sum = 0.0;
  for (int i = 0; i < n; i++) {
    /* exp(logit) = D/(1-D); clamp the logit first so exp cannot overflow. */
    float l = fminf(fmaxf(w[i], -30.0f), 30.0f);
    w[i] = fminf(fmaxf(expf(l), w_min), w_max);
    sum += w[i];
  }
  float scale = (float)(n / sum);
  for (int i = 0; i < n; i++) w[i] *= scale;
  return 0;
}

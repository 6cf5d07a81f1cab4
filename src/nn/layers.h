/* layers — forward and backward passes of the building blocks, over flat
 * row-major float arrays (llm.c style). B is the number of rows (examples).
 * Backward functions ACCUMULATE (+=) into every gradient they write, so that
 * a tensor used twice (a residual stream, a shared embedding) gets the sum;
 * callers zero gradients once per step. Matrix products go through CBLAS. */
#ifndef OGAS_NN_LAYERS_H
#define OGAS_NN_LAYERS_H

#include <stddef.h>

/* out (B,OC) = inp (B,C) · W^T + bias; W is (OC,C) like torch.nn.Linear,
   bias (OC) may be NULL. */
void linear_forward(float *out, const float *inp, const float *W, const float *bias, int B, int C,
                    int OC);
/* out (B,OC) += inp · W^T + bias (residual branches write straight into the
   stream they join). */
void linear_forward_accumulate(float *out, const float *inp, const float *W, const float *bias,
                               int B, int C, int OC);
/* Either of the two on output units [o0, o1) only (columns of out): threads
   that share a layer this way each pack only their rows of W. */
void linear_forward_units(float *out, const float *inp, const float *W, const float *bias, int B,
                          int C, int OC, int o0, int o1, int accumulate);
/* dinp (B,C) += dout·W (skipped when dinp is NULL), dW (OC,C) += dout^T·inp,
   dbias (OC) += column sums of dout (skipped when NULL). */
void linear_backward(float *dinp, float *dW, float *dbias, const float *dout, const float *inp,
                     const float *W, int B, int C, int OC);
/* Its two halves, for callers that split the parameter gradient by output
   units (a training team): dinp += dout·W; and dW rows [o0, o1) +=
   dout[:, o0:o1]^T·inp, dbias[o0:o1) += those columns' sums (dbias may be
   NULL). */
void linear_backward_input(float *dinp, const float *dout, const float *W, int B, int C, int OC);
/* dinp[:, c0:c1) += dout·W[:, c0:c1): the input gradient of input units [c0, c1). */
void linear_backward_input_units(float *dinp, const float *dout, const float *W, int B, int C,
                                 int OC, int c0, int c1);
void linear_param_grads(float *dW, float *dbias, const float *dout, const float *inp, int B, int C,
                        int OC, int o0, int o1);

/* silu(x) = x·sigmoid(x); silu'(x) = s(x)·(1 + x·(1 - s(x))). n = B·C. */
void silu_forward(float *out, const float *inp, size_t n);
void silu_backward(float *dinp, const float *dout, const float *inp, size_t n);

/* LayerNorm over the last axis with affine gain/bias (eps = 1e-5 like torch):
   out = (x - mean)·rstd·gain + bias, rstd = 1/sqrt(var + eps) with the
   biased variance. mean and rstd (B) are saved for the backward pass. */
#define LAYERNORM_EPS 1e-5f
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *gain,
                       const float *bias, int B, int C);
void layernorm_backward(float *dinp, float *dgain, float *dbias, const float *dout,
                        const float *inp, const float *mean, const float *rstd, const float *gain,
                        int B, int C);
/* Its halves: dinp only; and dgain, dbias over the columns [c0, c1). */
void layernorm_backward_input(float *dinp, const float *dout, const float *inp, const float *mean,
                              const float *rstd, const float *gain, int B, int C);
void layernorm_param_grads(float *dgain, float *dbias, const float *dout, const float *inp,
                           const float *mean, const float *rstd, int B, int C, int c0, int c1);

/* Sinusoidal embedding of a scalar per row: with half = E/2 and
   f_k = exp(-ln(10000)·k/half), out = [sin(scale·x·f_k) ..., cos(scale·x·f_k) ...].
   E must be even. */
void sinusoidal_embedding(float *out, const float *x, float scale, int B, int E);

/* out[i] += a[i] for n entries (residual add). */
void add_inplace(float *out, const float *a, size_t n);

#endif

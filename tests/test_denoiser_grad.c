/* Finite-difference check of the whole denoiser's backward pass (every
   parameter and the input), with a mix of conditioned and null rows; the
   split backward (rows over two workspaces, parameters in three shares, as a
   training team runs it) gives the same gradient and the same Σ g²; and
   consistency of the sampling pieces with the full forward. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ddpm/denoiser.h"
#include "gradcheck.h"

enum { D = 3, H = 8, NB = 2, ROWS = 5, NCOND = 3 };
static denoiser_shape shape = {D, H, NB};
static denoiser_ws *ws;
static float *params, z[ROWS * D], t[ROWS] = {0, 7, 3, 7, 42} /* 7 twice: shared e_t */,
                                   c[NCOND] = {0.1f, 2.5f, 0.7f};
static float g[ROWS * D], eps[ROWS * D];

static double objective(void *ctx) {
  denoiser_forward(ws, params, z, t, c, NCOND, ROWS, eps);
  double s = 0;
  for (int i = 0; i < ROWS * D; i++) s += (double)g[i] * eps[i];
  return s;
}

int main(void) {
  ogas_rng r;
  ogas_rng_seed(&r, 3, 0);
  size_t n = denoiser_param_count(&shape);
  /* in + t1,t2,c1,c2 + null + blocks + lnf + out */
  size_t expect =
      (D * H + H) + 4 * (H * H + H) + H + NB * (2 * H + 2 * (H * H + H)) + 2 * H + (H * D + D);
  CHECK(n == expect);
  params = malloc(n * sizeof(float));
  float *grads = calloc(n, sizeof(float));
  denoiser_init(&shape, params, &r);
  /* Move LayerNorm gains/biases and the null vector off their init so that
     their gradients are exercised in a generic point. */
  for (size_t i = 0; i < n; i++) params[i] += 0.1f * (float)ogas_rng_normal(&r);
  for (int i = 0; i < ROWS * D; i++)
    z[i] = (float)ogas_rng_normal(&r), g[i] = (float)ogas_rng_normal(&r);
  ws = denoiser_ws_create(&shape, ROWS, 1);
  CHECK(ws != NULL);

  float dz[ROWS * D] = {0};
  objective(NULL);
  denoiser_backward(ws, params, grads, g, dz);
  CHECK(gradcheck("denoiser params", objective, NULL, params, grads, n, 1e-2f, 2e-3, 5e-3));
  CHECK(gradcheck("denoiser z", objective, NULL, z, dz, ROWS * D, 1e-2f, 2e-3, 5e-3));

  /* The split backward. Reference: the whole gradient at these params. */
  float *split = calloc(n, sizeof(float));
  CHECK(split != NULL);
  memset(grads, 0, n * sizeof(float));
  objective(NULL);
  double sq = denoiser_backward(ws, params, grads, g, NULL), sq_ref = 0;
  for (size_t i = 0; i < n; i++) sq_ref += (double)grads[i] * grads[i];
  CHECK_MSG(fabs(sq - sq_ref) <= 1e-6 * sq_ref, "sum of squares %g vs %g", sq, sq_ref);
  /* Rows 0-1 (both conditioned) and 2-4 (one conditioned, two null), as a
     team of two splits them; then the parameters in three shares. */
  denoiser_ws *part[2] = {denoiser_ws_create(&shape, 2, 1), denoiser_ws_create(&shape, 3, 1)};
  CHECK(part[0] && part[1]);
  float eps2[ROWS * D];
  denoiser_forward(part[0], params, z, t, c, 2, 2, eps2);
  denoiser_forward(part[1], params, z + 2 * D, t + 2, c + 2, NCOND - 2, 3, eps2 + 2 * D);
  denoiser_backward_inputs(part[0], params, g, NULL);
  denoiser_backward_inputs(part[1], params, g + 2 * D, NULL);
  double sq_split = 0;
  for (int k = 0; k < 3; k++) sq_split += denoiser_weight_grads(part, 2, split, k, 3);
  double worst = 0, scale = 0;
  for (size_t i = 0; i < n; i++)
    worst = fmax(worst, fabs(split[i] - grads[i])), scale = fmax(scale, fabs(grads[i]));
  CHECK_MSG(worst <= 1e-5 * scale, "split gradient differs by %g (largest %g)", worst, scale);
  CHECK_MSG(fabs(sq_split - sq_ref) <= 1e-5 * sq_ref, "split sum of squares %g vs %g", sq_split,
            sq_ref);
  denoiser_ws_free(part[0]), denoiser_ws_free(part[1]);
  free(split);

  /* The sampling path (embeddings once, then the in-place trunk) gives the
     same eps as the training forward. */
  float ref[ROWS * D], out[ROWS * D], et[ROWS * H], ec[NCOND * H], e[ROWS * H];
  denoiser_forward(ws, params, z, t, c, NCOND, ROWS, ref);
  denoiser_ws *inf = denoiser_ws_create(&shape, ROWS, 0);
  denoiser_tensors w;
  denoiser_bind(&shape, params, &w);
  denoiser_time_embedding(inf, params, t, ROWS, et);
  denoiser_cond_embedding(inf, params, c, NCOND, ec);
  for (int r2 = 0; r2 < ROWS; r2++)
    for (int k = 0; k < H; k++)
      e[r2 * H + k] = et[r2 * H + k] + (r2 < NCOND ? ec[r2 * H + k] : w.null_cond[k]);
  denoiser_trunk(inf, params, z, e, ROWS, out);
  double maxdiff = 0;
  for (int i = 0; i < ROWS * D; i++) maxdiff = fmax(maxdiff, fabs(out[i] - ref[i]));
  CHECK_MSG(maxdiff < 1e-5, "trunk path differs by %g", maxdiff);

  /* Invalid shapes are refused. */
  denoiser_shape bad = {0, 8, 1};
  CHECK(denoiser_shape_check(&bad) != 0);
  bad = (denoiser_shape){2, 7, 1};
  CHECK(denoiser_shape_check(&bad) != 0);
  bad = (denoiser_shape){2, 8, DENOISER_MAX_BLOCKS + 1};
  CHECK(denoiser_shape_check(&bad) != 0);
  CHECK(denoiser_ws_create(&bad, 4, 1) == NULL);

  denoiser_ws_free(inf);
  denoiser_ws_free(ws);
  free(params);
  free(grads);
  return check_exit("test_denoiser_grad");
}

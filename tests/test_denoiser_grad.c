/* Finite-difference check of the whole denoiser's backward pass (every
   parameter and the input), with a mix of conditioned and null rows; the
   pass shared by three threads on one workspace (units and rows in shares,
   barriers between, then the parameters in three shares, as a training team
   runs it) gives the same eps, gradient and Σ g²; and consistency of the
   sampling pieces with the full forward. */
#include <pthread.h>
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

/* One member of a team of threads sharing a pass (denoiser_share). */
typedef struct {
  denoiser_ws *ws;
  denoiser_share sh;
  float *eps, *dz;
} member;

static void barrier_sync(void *ctx) { pthread_barrier_wait(ctx); }

static void *member_pass(void *arg) {
  member *m = arg;
  denoiser_forward_share(m->ws, params, z, t, c, NCOND, ROWS, m->eps, &m->sh);
  m->sh.sync(m->sh.ctx); /* eps whole before its gradient is taken */
  denoiser_backward_inputs_share(m->ws, params, g, m->dz, &m->sh);
  return NULL;
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
  /* Three threads share one forward and input-gradient pass, then the
     parameters in three shares. */
  denoiser_ws *shared = denoiser_ws_create(&shape, ROWS, 1);
  CHECK(shared != NULL);
  float eps_ref[ROWS * D], eps3[ROWS * D], dz3[ROWS * D] = {0}, dz_ref[ROWS * D] = {0};
  objective(NULL), memcpy(eps_ref, eps, sizeof eps);
  denoiser_backward_inputs(ws, params, g, dz_ref);
  pthread_barrier_t bar;
  CHECK(pthread_barrier_init(&bar, NULL, 3) == 0);
  member mem[3];
  pthread_t th[3];
  for (int k = 0; k < 3; k++) {
    mem[k] = (member){shared, {k, 3, barrier_sync, &bar}, eps3, dz3};
    CHECK(pthread_create(&th[k], NULL, member_pass, &mem[k]) == 0);
  }
  for (int k = 0; k < 3; k++) pthread_join(th[k], NULL);
  pthread_barrier_destroy(&bar);
  double sq_split = 0;
  for (int k = 0; k < 3; k++) sq_split += denoiser_weight_grads(shared, split, k, 3);
  double worst = 0, scale = 0;
  for (size_t i = 0; i < n; i++)
    worst = fmax(worst, fabs(split[i] - grads[i])), scale = fmax(scale, fabs(grads[i]));
  CHECK_MSG(worst <= 1e-5 * scale, "shared gradient differs by %g (largest %g)", worst, scale);
  CHECK_MSG(fabs(sq_split - sq_ref) <= 1e-5 * sq_ref, "shared sum of squares %g vs %g", sq_split,
            sq_ref);
  for (int i = 0; i < ROWS * D; i++) {
    CHECK_MSG(fabsf(eps3[i] - eps_ref[i]) <= 1e-5f, "shared eps[%d] %g vs %g", i, eps3[i],
              eps_ref[i]);
    CHECK_MSG(fabsf(dz3[i] - dz_ref[i]) <= 1e-5f, "shared dz[%d] %g vs %g", i, dz3[i], dz_ref[i]);
  }
  denoiser_ws_free(shared);
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

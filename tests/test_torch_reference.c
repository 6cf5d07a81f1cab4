/* Forward outputs and gradients of the C layers, losses, denoiser, RatioMLP,
   the FNO's spectral convolution (torch.fft) and the whole FNO and UNet
   surrogates against the same computations in PyTorch (tests/torch_reference.py, which
   documents the file format and the cases). Both sides start from the same
   float32 inputs; torch works in float64, so only float32 rounding differs and
   every tensor must agree to a norm-wise relative error
   ||c - torch|| / ||torch|| below 1e-4. The noise schedule is double on both
   sides and must agree to 1e-12.

   The reference directory is $OGAS_TORCH_REF_DIR, else OGAS_TEST_OUT/torch_ref
   (ctest's torch_reference_generate fixture writes it there). A missing file
   is a failure, not a skip: a silently skipped comparison proves nothing. */
#include <stdlib.h>
#include <string.h>

#include "breeder/ratio_mlp.h"
#include "check.h"
#include "ddpm/denoiser.h"
#include "ddpm/schedule.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/spectral_conv.h"
#include "ogas.h"
#include "study/surrogate.h"

#define REL_TOL 1e-4
#define SCHEDULE_TOL 1e-12
#define MAX_TENSORS 32
#define MAX_DIMS 8

typedef struct {
  char name[64];
  int ndim, dims[MAX_DIMS];
  size_t n;
  float *data;
} ref_tensor;

typedef struct {
  const char *name;
  int count;
  ref_tensor t[MAX_TENSORS];
} ref_case;

static char g_dir[4096];
static double g_worst_rel; /* over every float32 comparison */

static void explain_missing(const char *path) {
  static int explained;
  fprintf(stderr, "missing reference file %s\n", path);
  if (explained++) return;
  fprintf(stderr,
          "  generate it with: python3 tests/torch_reference.py %s\n"
          "  (ctest runs this as the torch_reference_generate fixture; or point\n"
          "  OGAS_TORCH_REF_DIR at a directory written by that script)\n",
          g_dir);
}

static void case_free(ref_case *rc) {
  for (int i = 0; i < rc->count; i++) free(rc->t[i].data);
  rc->count = 0;
}

/* Reads OUTDIR/<name>.bin: repeated "name ndim dim0 dim1 ...\n" + float32 data.
   0 on success; on any error reports it, counts a failure and returns -1. */
static int case_load(ref_case *rc, const char *name) {
  memset(rc, 0, sizeof *rc);
  rc->name = name;
  char path[4200];
  snprintf(path, sizeof path, "%s/%s.bin", g_dir, name);
  FILE *f = fopen(path, "rb");
  CHECK_MSG(f != NULL, "cannot open %s", path);
  if (!f) {
    explain_missing(path);
    return -1;
  }
  char line[512];
  int ok = 1;
  while (ok && fgets(line, sizeof line, f)) {
    if (rc->count == MAX_TENSORS) {
      ok = 0;
      break;
    }
    ref_tensor *t = &rc->t[rc->count];
    int used = 0;
    if (sscanf(line, "%63s %d%n", t->name, &t->ndim, &used) != 2 || t->ndim < 1 ||
        t->ndim > MAX_DIMS) {
      ok = 0;
      break;
    }
    t->n = 1;
    const char *p = line + used;
    for (int k = 0; k < t->ndim && ok; k++) {
      int adv = 0;
      if (sscanf(p, "%d%n", &t->dims[k], &adv) != 1 || t->dims[k] < 1) ok = 0;
      p += adv;
      t->n *= (size_t)t->dims[k];
    }
    if (!ok) break;
    t->data = malloc(t->n * sizeof(float));
    rc->count++; /* owned from here, freed by case_free */
    if (!t->data || fread(t->data, sizeof(float), t->n, f) != t->n) ok = 0;
  }
  fclose(f);
  CHECK_MSG(ok && rc->count > 0, "%s: malformed reference file (regenerate it)", path);
  if (!ok || rc->count == 0) {
    case_free(rc);
    return -1;
  }
  return 0;
}

/* The tensor called name with n elements, or NULL (a counted failure). */
static const float *get(const ref_case *rc, const char *name, size_t n) {
  for (int i = 0; i < rc->count; i++)
    if (strcmp(rc->t[i].name, name) == 0) {
      CHECK_MSG(rc->t[i].n == n, "%s.%s has %zu elements, expected %zu", rc->name, name, rc->t[i].n,
                n);
      return rc->t[i].n == n ? rc->t[i].data : NULL;
    }
  CHECK_MSG(0, "%s.bin has no tensor %s (regenerate it)", rc->name, name);
  return NULL;
}

/* ||a - ref|| / max(||ref||, tiny), plus the largest |a_i - ref_i|. */
static void compare(const char *what, const float *a, const float *ref, size_t n) {
  double diff2 = 0, ref2 = 0, max_abs = 0;
  for (size_t i = 0; i < n; i++) {
    double e = (double)a[i] - (double)ref[i];
    diff2 += e * e;
    ref2 += (double)ref[i] * ref[i];
    if (fabs(e) > max_abs || isnan(e)) max_abs = fabs(e);
  }
  double rel = sqrt(diff2) / fmax(sqrt(ref2), 1e-30);
  printf("  %-22s n=%-5zu rel %.3e  max|diff| %.3e  (|ref| %.3e)\n", what, n, rel, max_abs,
         sqrt(ref2));
  if (!(rel <= g_worst_rel)) g_worst_rel = rel;
  CHECK_MSG(rel <= REL_TOL, "%s: relative error %.3e > %.0e", what, rel, REL_TOL);
}

static void test_linear(void) {
  enum { B = 4, C = 5, OC = 3 };
  ref_case rc;
  if (case_load(&rc, "linear")) return;
  const float *x = get(&rc, "x", B * C), *W = get(&rc, "W", OC * C), *b = get(&rc, "b", OC),
              *gy = get(&rc, "gy", B * OC), *y = get(&rc, "y", B * OC), *dx = get(&rc, "dx", B * C),
              *dW = get(&rc, "dW", OC * C), *db = get(&rc, "db", OC);
  if (x && W && b && gy && y && dx && dW && db) {
    printf("linear\n");
    float out[B * OC], gx[B * C] = {0}, gW[OC * C] = {0}, gb[OC] = {0};
    linear_forward(out, x, W, b, B, C, OC);
    linear_backward(gx, gW, gb, gy, x, W, B, C, OC);
    compare("linear.y", out, y, B * OC);
    compare("linear.dx", gx, dx, B * C);
    compare("linear.dW", gW, dW, OC * C);
    compare("linear.db", gb, db, OC);
  }
  case_free(&rc);
}

static void test_layernorm(void) {
  enum { B = 4, C = 6 };
  ref_case rc;
  if (case_load(&rc, "layernorm")) return;
  const float *x = get(&rc, "x", B * C), *gamma = get(&rc, "gamma", C), *beta = get(&rc, "beta", C),
              *gy = get(&rc, "gy", B * C), *y = get(&rc, "y", B * C), *dx = get(&rc, "dx", B * C),
              *dgamma = get(&rc, "dgamma", C), *dbeta = get(&rc, "dbeta", C);
  if (x && gamma && beta && gy && y && dx && dgamma && dbeta) {
    printf("layernorm\n");
    float out[B * C], mean[B], rstd[B], gx[B * C] = {0}, gg[C] = {0}, gb[C] = {0};
    layernorm_forward(out, mean, rstd, x, gamma, beta, B, C);
    layernorm_backward(gx, gg, gb, gy, x, mean, rstd, gamma, B, C);
    compare("layernorm.y", out, y, B * C);
    compare("layernorm.dx", gx, dx, B * C);
    compare("layernorm.dgamma", gg, dgamma, C);
    compare("layernorm.dbeta", gb, dbeta, C);
  }
  case_free(&rc);
}

static void test_silu(void) {
  enum { N = 4 * 6 };
  ref_case rc;
  if (case_load(&rc, "silu")) return;
  const float *x = get(&rc, "x", N), *gy = get(&rc, "gy", N), *y = get(&rc, "y", N),
              *dx = get(&rc, "dx", N);
  if (x && gy && y && dx) {
    printf("silu\n");
    float out[N], gx[N] = {0};
    silu_forward(out, x, N);
    silu_backward(gx, gy, x, N);
    compare("silu.y", out, y, N);
    compare("silu.dx", gx, dx, N);
  }
  case_free(&rc);
}

static void test_sinusoidal(void) {
  enum { B = 5, E = 8 };
  ref_case rc;
  if (case_load(&rc, "sinusoidal")) return;
  const float *x = get(&rc, "x", B), *y = get(&rc, "y", B * E);
  if (x && y) {
    printf("sinusoidal\n");
    float out[B * E];
    sinusoidal_embedding(out, x, 1.0f, B, E);
    compare("sinusoidal.y", out, y, B * E);
  }
  case_free(&rc);
}

static void test_mse(void) {
  enum { B = 4, D = 3 };
  ref_case rc;
  if (case_load(&rc, "mse")) return;
  const float *pred = get(&rc, "pred", B * D), *target = get(&rc, "target", B * D),
              *w = get(&rc, "w", B), *loss = get(&rc, "loss", 1), *dpred = get(&rc, "dpred", B * D);
  if (pred && target && w && loss && dpred) {
    printf("mse\n");
    float g[B * D];
    float l = mse_loss(g, pred, target, w, B, D);
    compare("mse.loss", &l, loss, 1);
    compare("mse.dpred", g, dpred, B * D);
  }
  case_free(&rc);
}

static void test_bce(void) {
  enum { B = 6 };
  ref_case rc;
  if (case_load(&rc, "bce")) return;
  const float *logits = get(&rc, "logits", B), *labels = get(&rc, "labels", B),
              *w = get(&rc, "w", B);
  const struct {
    const char *tag;
    float smoothing;
  } runs[] = {{"s0", 0.0f}, {"s01", 0.1f}};
  if (logits && labels && w) {
    printf("bce\n");
    for (int k = 0; k < 2; k++) {
      char lname[32], gname[32], what[48];
      snprintf(lname, sizeof lname, "loss_%s", runs[k].tag);
      snprintf(gname, sizeof gname, "dlogits_%s", runs[k].tag);
      const float *loss = get(&rc, lname, 1), *dlogits = get(&rc, gname, B);
      if (!loss || !dlogits) continue;
      float g[B];
      float l = bce_logits_loss(g, logits, labels, w, runs[k].smoothing, B);
      snprintf(what, sizeof what, "bce.%s", lname);
      compare(what, &l, loss, 1);
      snprintf(what, sizeof what, "bce.%s", gname);
      compare(what, g, dlogits, B);
    }
  }
  case_free(&rc);
}

/* The reference marks unconditional rows anywhere in the batch; the C
   denoiser wants conditioned rows first. Row perm[i] of the reference batch
   becomes row i of the C batch. */
static void test_denoiser(void) {
  enum { B = 5 };
  const denoiser_shape shape = {.dim = 3, .hidden = 16, .n_blocks = 2};
  const int d = shape.dim;
  size_t P = denoiser_param_count(&shape);
  CHECK(P == 2403);
  ref_case rc;
  if (case_load(&rc, "denoiser")) return;
  const float *params = get(&rc, "params", P), *z = get(&rc, "z_t", B * d), *t = get(&rc, "t", B),
              *c = get(&rc, "c", B), *uncond = get(&rc, "uncond", B), *g = get(&rc, "g", B * d),
              *eps_ref = get(&rc, "eps_hat", B * d), *dparams = get(&rc, "dparams", P),
              *dz_ref = get(&rc, "dz_t", B * d);
  denoiser_ws *ws = denoiser_ws_create(&shape, B, 1);
  float *grads = calloc(P, sizeof(float));
  CHECK(ws && grads);
  if (ws && grads && params && z && t && c && uncond && g && eps_ref && dparams && dz_ref) {
    printf("denoiser (d %d, H %d, %d blocks, %zu params)\n", shape.dim, shape.hidden,
           shape.n_blocks, P);
    int perm[B], n_cond = 0, m = 0;
    for (int r = 0; r < B; r++)
      if (uncond[r] == 0.0f) perm[m++] = r;
    n_cond = m;
    for (int r = 0; r < B; r++)
      if (uncond[r] != 0.0f) perm[m++] = r;
    CHECK(n_cond > 0 && n_cond < B); /* both paths exercised */
    float zp[B * 3], tp[B], cp[B], gp[B * 3], epsp[B * 3], dzp[B * 3] = {0};
    float eps[B * 3], dz[B * 3];
    for (int i = 0; i < B; i++) {
      memcpy(zp + i * d, z + perm[i] * d, (size_t)d * sizeof(float));
      memcpy(gp + i * d, g + perm[i] * d, (size_t)d * sizeof(float));
      tp[i] = t[perm[i]];
      cp[i] = c[perm[i]];
    }
    denoiser_forward(ws, params, zp, tp, cp, n_cond, B, epsp);
    denoiser_backward(ws, params, grads, gp, dzp);
    for (int i = 0; i < B; i++) {
      memcpy(eps + perm[i] * d, epsp + i * d, (size_t)d * sizeof(float));
      memcpy(dz + perm[i] * d, dzp + i * d, (size_t)d * sizeof(float));
    }
    compare("denoiser.eps_hat", eps, eps_ref, (size_t)B * d);
    compare("denoiser.dz_t", dz, dz_ref, (size_t)B * d);
    compare("denoiser.dparams", grads, dparams, P);

    /* Per tensor, so that a mismatch names the layer. */
    denoiser_tensors pc, pr;
    denoiser_bind(&shape, grads, &pc);
    denoiser_bind(&shape, (float *)dparams, &pr);
    size_t H = (size_t)shape.hidden, HH = H * H;
    struct {
      const char *name;
      const float *a, *b;
      size_t n;
    } parts[32]; /* 11 + 6 per block + 4 */
    int np = 0;
#define PART(nm, field, count) \
  parts[np].name = (nm), parts[np].a = pc.field, parts[np].b = pr.field, parts[np++].n = (count)
    PART("L_in.W", in.W, H * d);
    PART("L_in.b", in.b, H);
    PART("L_t1.W", t1.W, HH);
    PART("L_t1.b", t1.b, H);
    PART("L_t2.W", t2.W, HH);
    PART("L_t2.b", t2.b, H);
    PART("L_c1.W", c1.W, HH);
    PART("L_c1.b", c1.b, H);
    PART("L_c2.W", c2.W, HH);
    PART("L_c2.b", c2.b, H);
    PART("null_cond", null_cond, H);
    static const char *block_names[2][6] = {
        {"b0.LN.gain", "b0.LN.bias", "b0.L1.W", "b0.L1.b", "b0.L2.W", "b0.L2.b"},
        {"b1.LN.gain", "b1.LN.bias", "b1.L1.W", "b1.L1.b", "b1.L2.W", "b1.L2.b"}};
    for (int k = 0; k < 2; k++) {
      PART(block_names[k][0], block[k].ln.gain, H);
      PART(block_names[k][1], block[k].ln.bias, H);
      PART(block_names[k][2], block[k].l1.W, HH);
      PART(block_names[k][3], block[k].l1.b, H);
      PART(block_names[k][4], block[k].l2.W, HH);
      PART(block_names[k][5], block[k].l2.b, H);
    }
    PART("LN_f.gain", lnf.gain, H);
    PART("LN_f.bias", lnf.bias, H);
    PART("L_out.W", out.W, H * d);
    PART("L_out.b", out.b, (size_t)d);
#undef PART
    for (int i = 0; i < np; i++) {
      char what[48];
      snprintf(what, sizeof what, "  d%s", parts[i].name);
      compare(what, parts[i].a, parts[i].b, parts[i].n);
    }
  }
  free(grads);
  denoiser_ws_free(ws);
  case_free(&rc);
}

static void test_ratio_mlp(void) {
  enum { N = 6, D = 3, HID = 8 };
  ref_case rc;
  if (case_load(&rc, "ratio_mlp")) return;
  size_t P = ratio_mlp_param_count(D, HID);
  CHECK(P == 113);
  const float *params = get(&rc, "params", P), *z = get(&rc, "z", N * D),
              *labels = get(&rc, "labels", N), *w = get(&rc, "w", N),
              *logits_ref = get(&rc, "logits", N), *loss_ref = get(&rc, "loss", 1),
              *dparams = get(&rc, "dparams", P);
  if (params && z && labels && w && logits_ref && loss_ref && dparams) {
    /* ratio_mlp_loss_grad has no weights: the reference uses all ones. */
    for (int i = 0; i < N; i++) CHECK(w[i] == 1.0f);
    ogas_rng rng;
    ogas_rng_seed(&rng, 1, 0);
    adamw_config adam = {.lr = 1e-3f, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f};
    ratio_mlp r;
    CHECK(ratio_mlp_init(&r, D, HID, N, &adam, 0.0f, &rng) == 0);
    if (r.params) {
      printf("ratio_mlp\n");
      memcpy(r.params, params, P * sizeof(float));
      float logits[N];
      CHECK(ratio_mlp_logits(&r, r.params, z, N, logits) == 0);
      float loss = ratio_mlp_loss_grad(&r, z, labels, N);
      compare("ratio_mlp.logits", logits, logits_ref, N);
      compare("ratio_mlp.loss", &loss, loss_ref, 1);
      compare("ratio_mlp.dparams", r.grads, dparams, P);
    }
    ratio_mlp_free(&r);
  }
  case_free(&rc);
}

/* Reads the line "name v0 v1 ..." of schedule_f64.txt into v (n values). */
static int read_f64_line(const char *path, const char *name, double *v, int n) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int found = -1;
  size_t len = strlen(name);
  while (found < 0 && fgets(line, sizeof line, f)) {
    if (strncmp(line, name, len) != 0 || line[len] != ' ') continue;
    char *p = line + len, *end;
    int k = 0;
    for (; k < n; k++, p = end) {
      v[k] = strtod(p, &end);
      if (end == p) break;
    }
    found = (k == n) ? 0 : -2;
  }
  fclose(f);
  return found;
}

static void test_schedule(void) {
  enum { T = 10 };
  noise_schedule s;
  CHECK(schedule_create(&s, SCHEDULE_COSINE, T, 0, 0) == 0);
  if (!s.beta) return;
  printf("schedule (cosine, T %d)\n", T);
  char path[4200];
  snprintf(path, sizeof path, "%s/schedule_f64.txt", g_dir);
  const struct {
    const char *name;
    const double *c;
  } rows[] = {{"betas", s.beta}, {"alphas_cumprod", s.abar}};
  for (int k = 0; k < 2; k++) {
    double ref[T];
    int rc = read_f64_line(path, rows[k].name, ref, T);
    CHECK_MSG(rc == 0, "%s: %s", path, rc == -1 ? "cannot open" : "no complete line for tensor");
    if (rc == -1) explain_missing(path);
    if (rc) continue;
    double diff2 = 0, ref2 = 0, max_abs = 0;
    for (int i = 0; i < T; i++) {
      double e = rows[k].c[i] - ref[i];
      diff2 += e * e;
      ref2 += ref[i] * ref[i];
      if (fabs(e) > max_abs || isnan(e)) max_abs = fabs(e);
    }
    double rel = sqrt(diff2) / fmax(sqrt(ref2), 1e-300);
    printf("  %-22s n=%-5d rel %.3e  max|diff| %.3e  (float64)\n", rows[k].name, T, rel, max_abs);
    CHECK_MSG(rel <= SCHEDULE_TOL, "schedule %s: relative error %.3e > %.0e", rows[k].name, rel,
              SCHEDULE_TOL);
  }

  /* The float32 copy in schedule.bin must be the same numbers, rounded. */
  ref_case rc;
  if (case_load(&rc, "schedule") == 0) {
    const float *b = get(&rc, "betas", T), *a = get(&rc, "alphas_cumprod", T);
    float bf[T], af[T];
    for (int i = 0; i < T; i++) bf[i] = (float)s.beta[i], af[i] = (float)s.abar[i];
    if (b) compare("schedule.betas(f32)", bf, b, T);
    if (a) compare("schedule.abar(f32)", af, a, T);
    case_free(&rc);
  }
  schedule_free(&s);
}

/* The Fourier layer against torch.fft.rfft2 / irfft2 (spectral1d, spectral2d). */
static void test_spectral(const char *name, spectral_conv_shape sh, int B) {
  ref_case rc;
  if (case_load(&rc, name)) return;
  size_t nin = (size_t)B * sh.ny * sh.nx * sh.cin, nout = (size_t)B * sh.ny * sh.nx * sh.cout;
  size_t nw = spectral_conv_param_count(&sh);
  const float *x = get(&rc, "x", nin), *w = get(&rc, "w", nw), *gy = get(&rc, "gy", nout),
              *y = get(&rc, "y", nout), *dx = get(&rc, "dx", nin), *dw = get(&rc, "dw", nw);
  spectral_conv *sc = NULL;
  char err[160];
  CHECK_MSG(spectral_conv_create(&sh, B, &sc, err, sizeof err) == OGAS_OK, "%s", err);
  float *out = calloc(nout, sizeof(float)), *gx = calloc(nin, sizeof(float));
  float *gw = calloc(nw, sizeof(float)),
        *xhat = malloc(spectral_conv_saved_count(&sh, B) * sizeof(float));
  if (sc && x && w && gy && y && dx && dw && out && gx && gw && xhat) {
    printf("%s (%d x %d grid, %d -> %d channels, modes %d x %d)\n", name, sh.ny, sh.nx, sh.cin,
           sh.cout, sh.my, sh.mx);
    spectral_conv_forward(sc, out, xhat, x, w, B);
    spectral_conv_backward(sc, gx, gw, gy, xhat, w, B);
    char what[48];
    snprintf(what, sizeof what, "%s.y", name);
    compare(what, out, y, nout);
    snprintf(what, sizeof what, "%s.dx", name);
    compare(what, gx, dx, nin);
    snprintf(what, sizeof what, "%s.dw", name);
    compare(what, gw, dw, nw);
  }
  free(out), free(gx), free(gw), free(xhat);
  spectral_conv_free(sc);
  case_free(&rc);
}

/* The FNO and UNet surrogates: MSE training loss, its gradient and the
   prediction, from torch's parameters and normalisation (fno1d, fno2d,
   unet1d, unet2d). */
static void test_grid_surrogate(const char *name, surrogate_arch arch, int B, int C, int ny, int nx,
                                int P, int W, int blocks, int modes_or_kernel, int coords) {
  ref_case rc;
  if (case_load(&rc, name)) return;
  int S = C * ny * nx;
  surrogate_config cfg = {.state_size = (size_t)S,
                          .channels = (size_t)C,
                          .nb_params = (size_t)P,
                          .width = W,
                          .n_blocks = blocks,
                          .max_batch = B,
                          .lr = 1e-3f,
                          .grad_clip = 1.0f,
                          .arch = arch,
                          .ny = (size_t)ny,
                          .modes = arch == SURROGATE_FNO ? modes_or_kernel : 0,
                          .kernel = arch == SURROGATE_UNET ? modes_or_kernel : 0,
                          .coords = coords};
  surrogate *s = NULL;
  char err[200];
  CHECK_MSG(surrogate_create(&cfg, &s, err, sizeof err) == OGAS_OK, "%s", err);
  if (!s) {
    case_free(&rc);
    return;
  }
  size_t n = surrogate_param_count(s), BS = (size_t)B * S;
  const float *params = get(&rc, "params", n), *u = get(&rc, "u", BS), *un = get(&rc, "un", BS),
              *z = get(&rc, "z", (size_t)B * P), *w = get(&rc, "w", B),
              *im = get(&rc, "in_mean", C), *is = get(&rc, "in_std", C),
              *om = get(&rc, "out_mean", C), *os = get(&rc, "out_std", C),
              *loss_ref = get(&rc, "loss", 1), *dparams = get(&rc, "dparams", n),
              *pred_ref = get(&rc, "pred", BS);
  float *pred = malloc(BS * sizeof(float));
  if (params && u && un && z && w && im && is && om && os && loss_ref && dparams && pred_ref &&
      pred) {
    printf("%s (C %d, %d x %d grid, W %d, %d blocks, %s %d, coords %d, %zu params)\n", name, C, ny,
           nx, W, blocks, arch == SURROGATE_FNO ? "modes" : "kernel", modes_or_kernel, coords, n);
    memcpy(surrogate_params(s), params, n * sizeof(float));
    CHECK(surrogate_set_normalization(s, im, is, om, os) == OGAS_OK);
    float loss;
    CHECK(surrogate_loss_and_grad(s, u, un, z, w, B, STUDY_LOSS_MSE, &loss, NULL) == OGAS_OK);
    CHECK(surrogate_predict(s, u, z, (size_t)B, pred) == OGAS_OK);
    char what[48];
    snprintf(what, sizeof what, "%s.loss", name);
    compare(what, &loss, loss_ref, 1);
    snprintf(what, sizeof what, "%s.dparams", name);
    compare(what, surrogate_grads(s), dparams, n);
    /* The increment is what the network predicts: compare it, not the
       next state that u dominates. */
    for (size_t i = 0; i < BS; i++) pred[i] -= u[i];
    float *inc_ref = malloc(BS * sizeof(float));
    if (inc_ref) {
      for (size_t i = 0; i < BS; i++) inc_ref[i] = pred_ref[i] - u[i];
      snprintf(what, sizeof what, "%s.increment", name);
      compare(what, pred, inc_ref, BS);
      free(inc_ref);
    }
  }
  free(pred);
  surrogate_free(s);
  case_free(&rc);
}

int main(void) {
  const char *env = getenv("OGAS_TORCH_REF_DIR");
  if (env && *env)
    snprintf(g_dir, sizeof g_dir, "%s", env);
  else
    snprintf(g_dir, sizeof g_dir, "%s/torch_ref", OGAS_TEST_OUT);
  printf("reference tensors from %s (tolerance: relative error %.0e)\n", g_dir, REL_TOL);

  test_linear();
  test_layernorm();
  test_silu();
  test_sinusoidal();
  test_mse();
  test_bce();
  test_denoiser();
  test_ratio_mlp();
  test_schedule();
  test_spectral("spectral1d",
                (spectral_conv_shape){.ny = 1, .nx = 16, .cin = 3, .cout = 2, .mx = 5}, 3);
  test_spectral("spectral2d",
                (spectral_conv_shape){.ny = 8, .nx = 10, .cin = 2, .cout = 3, .my = 4, .mx = 3}, 2);
  test_grid_surrogate("fno1d", SURROGATE_FNO, 4, 2, 1, 16, 3, 6, 2, 4, 0);
  test_grid_surrogate("fno2d", SURROGATE_FNO, 3, 2, 8, 8, 2, 5, 2, 3, 1);
  test_grid_surrogate("unet1d", SURROGATE_UNET, 3, 2, 1, 16, 3, 3, 2, 3, 0);
  test_grid_surrogate("unet2d", SURROGATE_UNET, 2, 2, 8, 8, 2, 2, 2, 3, 1);

  printf("worst float32 relative error: %.3e\n", g_worst_rel);
  return check_exit("test_torch_reference");
}

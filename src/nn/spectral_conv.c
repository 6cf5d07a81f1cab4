#include "nn/spectral_conv.h"

#include <cblas.h>
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ogas.h"
#include "util/status_msg.h"

/* fftwf's planner (creating and destroying plans) keeps global state and is
   not thread-safe; executing a plan is. Surrogates may be created from several
   threads at once, so every planner call goes through this lock. */
static pthread_mutex_t fftwf_planner_mutex = PTHREAD_MUTEX_INITIALIZER;

struct spectral_conv {
  spectral_conv_shape s;
  int max_batch;
  int n_ky, nxh;     /* ky blocks kept; half-spectrum columns nx/2 + 1 */
  size_t n_modes;    /* n_ky · mx */
  size_t npts;       /* ny · nx */
  int *mode_index;   /* n_modes: ky·nxh + kx, the mode's place in the half spectrum */
  float *mode_scale; /* n_modes: c_kx / Nt, the weight gradient's factor */
  /* One sample's buffers (fftwf_malloc: SIMD-aligned), C = max(cin, cout). */
  float *real;         /* (ny, nx, C) */
  fftwf_complex *spec; /* (ny, nxh, C) */
  /* Batch buffers for the mixing, n_modes x max_batch x C complex each. */
  fftwf_complex *mix_a, *mix_b;
  fftwf_plan r2c_in, r2c_out; /* (ny, nx, cin) -> spectrum; (ny, nx, cout) -> spectrum */
  fftwf_plan c2r_out, c2r_in; /* spectrum -> (ny, nx, cout); spectrum -> (ny, nx, cin) */
  int real_alignment;         /* fftwf_alignment_of(real) */
};

int spectral_conv_shape_check(const spectral_conv_shape *s, char *err, size_t errlen) {
  if (!s) return status_msg(-1, err, errlen, "spectral_conv: no shape");
  if (s->cin < 1 || s->cout < 1 || s->cin > 65536 || s->cout > 65536)
    return status_msg(-1, err, errlen, "spectral_conv: channels must be in 1..65536");
  if (s->nx < 2 || s->ny < 1 || (double)s->nx * s->ny > (double)(1 << 24))
    return status_msg(-1, err, errlen,
                      "spectral_conv: grid %d x %d must have nx >= 2 and at most 2^24 points",
                      s->ny, s->nx);
  if (s->mx < 1 || s->mx > s->nx / 2)
    return status_msg(-1, err, errlen, "spectral_conv: modes %d must be in 1..nx/2 = %d", s->mx,
                      s->nx / 2);
  if (s->ny > 1 && (s->ny < 2 || s->my < 1 || s->my > s->ny / 2))
    return status_msg(-1, err, errlen, "spectral_conv: modes %d must be in 1..ny/2 = %d", s->my,
                      s->ny / 2);
  return 0;
}

size_t spectral_conv_n_modes(const spectral_conv_shape *s) {
  return (size_t)(s->ny > 1 ? 2 * s->my : 1) * (size_t)s->mx;
}

size_t spectral_conv_param_count(const spectral_conv_shape *s) {
  return 2 * spectral_conv_n_modes(s) * (size_t)s->cin * (size_t)s->cout;
}

size_t spectral_conv_saved_count(const spectral_conv_shape *s, int B) {
  return 2 * spectral_conv_n_modes(s) * (size_t)B * (size_t)s->cin;
}

/* Plans over one sample: rank-1 or rank-2 transforms of `ch` interleaved
   channels (stride ch, distance 1), so that channels-last arrays are
   transformed in place of their layout. */
static fftwf_plan plan_r2c(const spectral_conv *sc, int ch) {
  int n[2] = {sc->s.ny, sc->s.nx}, rank = sc->s.ny > 1 ? 2 : 1;
  const int *dims = rank == 2 ? n : n + 1;
  return fftwf_plan_many_dft_r2c(rank, dims, ch, sc->real, NULL, ch, 1, sc->spec, NULL, ch, 1,
                                 FFTW_ESTIMATE | FFTW_PRESERVE_INPUT);
}

static fftwf_plan plan_c2r(const spectral_conv *sc, int ch) {
  int n[2] = {sc->s.ny, sc->s.nx}, rank = sc->s.ny > 1 ? 2 : 1;
  const int *dims = rank == 2 ? n : n + 1;
  return fftwf_plan_many_dft_c2r(rank, dims, ch, sc->spec, NULL, ch, 1, sc->real, NULL, ch, 1,
                                 FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
}

int spectral_conv_create(const spectral_conv_shape *s, int max_batch, spectral_conv **out,
                         char *err, size_t errlen) {
  if (!out) return OGAS_EINVAL;
  *out = NULL;
  if (spectral_conv_shape_check(s, err, errlen)) return OGAS_EINVAL;
  if (max_batch < 1)
    return status_msg(OGAS_EINVAL, err, errlen, "spectral_conv: max_batch must be >= 1");
  int C = s->cin > s->cout ? s->cin : s->cout;
  spectral_conv *sc = calloc(1, sizeof *sc);
  if (!sc) return status_msg(OGAS_ENOMEM, err, errlen, "spectral_conv: out of memory");
  sc->s = *s;
  if (s->ny == 1) sc->s.my = 0;
  sc->max_batch = max_batch;
  sc->n_ky = s->ny > 1 ? 2 * s->my : 1;
  sc->nxh = s->nx / 2 + 1;
  sc->n_modes = spectral_conv_n_modes(s);
  sc->npts = (size_t)s->ny * (size_t)s->nx;
  double mix = (double)sc->n_modes * max_batch * C;
  size_t nspec = (size_t)s->ny * (size_t)sc->nxh * (size_t)C;
  sc->mode_index = malloc(sc->n_modes * sizeof(int));
  sc->mode_scale = malloc(sc->n_modes * sizeof(float));
  sc->real = fftwf_malloc(sc->npts * (size_t)C * sizeof(float));
  sc->spec = fftwf_malloc(nspec * sizeof(fftwf_complex));
  if (mix < 1e9) {
    sc->mix_a = fftwf_malloc((size_t)mix * sizeof(fftwf_complex));
    sc->mix_b = fftwf_malloc((size_t)mix * sizeof(fftwf_complex));
  }
  if (!sc->mode_index || !sc->mode_scale || !sc->real || !sc->spec || !sc->mix_a || !sc->mix_b)
    goto nomem;
  for (int a = 0; a < sc->n_ky; a++) {
    int ky = a < s->my || s->ny == 1 ? a : s->ny - 2 * s->my + a;
    for (int kx = 0; kx < s->mx; kx++) {
      size_t m = (size_t)a * (size_t)s->mx + (size_t)kx;
      sc->mode_index[m] = ky * sc->nxh + kx;
      sc->mode_scale[m] = (float)((kx == 0 ? 1.0 : 2.0) / (double)sc->npts);
    }
  }
  pthread_mutex_lock(&fftwf_planner_mutex);
  sc->r2c_in = plan_r2c(sc, s->cin);
  sc->r2c_out = plan_r2c(sc, s->cout);
  sc->c2r_out = plan_c2r(sc, s->cout);
  sc->c2r_in = plan_c2r(sc, s->cin);
  pthread_mutex_unlock(&fftwf_planner_mutex);
  if (!sc->r2c_in || !sc->r2c_out || !sc->c2r_out || !sc->c2r_in) goto nomem;
  sc->real_alignment = fftwf_alignment_of(sc->real);
  *out = sc;
  return OGAS_OK;
nomem:
  spectral_conv_free(sc);
  return status_msg(OGAS_ENOMEM, err, errlen,
                    "spectral_conv: out of memory (or FFTW planning failed)");
}

void spectral_conv_free(spectral_conv *sc) {
  if (!sc) return;
  pthread_mutex_lock(&fftwf_planner_mutex);
  if (sc->r2c_in) fftwf_destroy_plan(sc->r2c_in);
  if (sc->r2c_out) fftwf_destroy_plan(sc->r2c_out);
  if (sc->c2r_out) fftwf_destroy_plan(sc->c2r_out);
  if (sc->c2r_in) fftwf_destroy_plan(sc->c2r_in);
  pthread_mutex_unlock(&fftwf_planner_mutex);
  fftwf_free(sc->real);
  fftwf_free(sc->spec);
  fftwf_free(sc->mix_a);
  fftwf_free(sc->mix_b);
  free(sc->mode_index);
  free(sc->mode_scale);
  free(sc);
}

/* spec <- rfft of one sample x (ny, nx, ch), then the kept modes into
   modes[(m·B + b)·ch + c] (layout (n_modes, B, ch)). */
static void sample_rfft_gather(spectral_conv *sc, fftwf_plan p, const float *x, int ch,
                               fftwf_complex *modes, int b, int B) {
  float *src = (float *)x; /* PRESERVE_INPUT: FFTW reads it only */
  if (fftwf_alignment_of(src) != sc->real_alignment) {
    memcpy(sc->real, x, sc->npts * (size_t)ch * sizeof(float));
    src = sc->real;
  }
  fftwf_execute_dft_r2c(p, src, sc->spec);
  size_t bytes = (size_t)ch * sizeof(fftwf_complex);
  for (size_t m = 0; m < sc->n_modes; m++)
    memcpy(modes + ((size_t)m * B + b) * ch, sc->spec + (size_t)sc->mode_index[m] * ch, bytes);
}

/* y += c2r of one sample's spectrum that holds modes[(m·B + b)·ch + c] at the
   kept modes and zero elsewhere. */
static void sample_scatter_irfft_add(spectral_conv *sc, fftwf_plan p, const fftwf_complex *modes,
                                     int ch, int b, int B, float *y) {
  size_t nspec = (size_t)sc->s.ny * (size_t)sc->nxh * (size_t)ch,
         bytes = (size_t)ch * sizeof(fftwf_complex);
  memset(sc->spec, 0, nspec * sizeof(fftwf_complex)); /* c2r destroyed the last one */
  for (size_t m = 0; m < sc->n_modes; m++)
    memcpy(sc->spec + (size_t)sc->mode_index[m] * ch, modes + ((size_t)m * B + b) * ch, bytes);
  fftwf_execute_dft_c2r(p, sc->spec, sc->real);
  size_t n = sc->npts * (size_t)ch;
  for (size_t i = 0; i < n; i++) y[i] += sc->real[i];
}

void spectral_conv_forward(spectral_conv *sc, float *out, float *xhat, const float *inp,
                           const float *weights, int B) {
  const int cin = sc->s.cin, cout = sc->s.cout;
  fftwf_complex *X = (fftwf_complex *)xhat, *Y = sc->mix_a;
  const fftwf_complex *Wc = (const fftwf_complex *)weights;
  for (int b = 0; b < B; b++)
    sample_rfft_gather(sc, sc->r2c_in, inp + (size_t)b * sc->npts * cin, cin, X, b, B);
  /* Y_m (B, cout) = X_m (B, cin) · W_m (cin, cout) / Nt: the 1/Nt of irfft. */
  const float alpha[2] = {(float)(1.0 / (double)sc->npts), 0.0f}, beta[2] = {0.0f, 0.0f};
  for (size_t m = 0; m < sc->n_modes; m++)
    cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, cout, cin, alpha,
                X + m * (size_t)B * cin, cin, Wc + m * (size_t)cin * cout, cout, beta,
                Y + m * (size_t)B * cout, cout);
  for (int b = 0; b < B; b++)
    sample_scatter_irfft_add(sc, sc->c2r_out, Y, cout, b, B, out + (size_t)b * sc->npts * cout);
}

void spectral_conv_backward(spectral_conv *sc, float *dinp, float *dweights, const float *dout,
                            const float *xhat, const float *weights, int B) {
  const int cin = sc->s.cin, cout = sc->s.cout;
  const fftwf_complex *X = (const fftwf_complex *)xhat, *Wc = (const fftwf_complex *)weights;
  fftwf_complex *D = sc->mix_a, *GX = sc->mix_b, *dW = (fftwf_complex *)dweights;
  /* D = rfft(dy) at the kept modes (n_modes, B, cout). */
  for (int b = 0; b < B; b++)
    sample_rfft_gather(sc, sc->r2c_out, dout + (size_t)b * sc->npts * cout, cout, D, b, B);
  const float one[2] = {1.0f, 0.0f}, zero[2] = {0.0f, 0.0f};
  const float inv_nt[2] = {(float)(1.0 / (double)sc->npts), 0.0f};
  for (size_t m = 0; m < sc->n_modes; m++) {
    const fftwf_complex *Xm = X + m * (size_t)B * cin, *Dm = D + m * (size_t)B * cout;
    /* dW_m (cin, cout) += (c_kx/Nt) X_m^H · D_m */
    const float scale[2] = {sc->mode_scale[m], 0.0f};
    cblas_cgemm(CblasRowMajor, CblasConjTrans, CblasNoTrans, cin, cout, B, scale, Xm, cin, Dm, cout,
                one, dW + m * (size_t)cin * cout, cout);
    /* G_X / c_kx = D_m · W_m^H / Nt (B, cin): what c2r turns into dx. */
    if (dinp)
      cblas_cgemm(CblasRowMajor, CblasNoTrans, CblasConjTrans, B, cin, cout, inv_nt, Dm, cout,
                  Wc + m * (size_t)cin * cout, cout, zero, GX + m * (size_t)B * cin, cin);
  }
  if (dinp)
    for (int b = 0; b < B; b++)
      sample_scatter_irfft_add(sc, sc->c2r_in, GX, cin, b, B, dinp + (size_t)b * sc->npts * cin);
}

static double fft_flops(const spectral_conv_shape *s) {
  double n = (double)s->ny * s->nx;
  return 2.5 * n * log2(n);
}

double spectral_conv_forward_flops(const spectral_conv_shape *s, int B) {
  double fft = fft_flops(s) * B * (s->cin + s->cout);
  return fft + 8.0 * (double)spectral_conv_n_modes(s) * B * s->cin * s->cout;
}

double spectral_conv_backward_flops(const spectral_conv_shape *s, int B) {
  double fft = fft_flops(s) * B * (s->cin + s->cout);
  return fft + 2 * 8.0 * (double)spectral_conv_n_modes(s) * B * s->cin * s->cout;
}

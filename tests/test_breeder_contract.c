/* The API contract of include/ogas.h where careless callers meet it:
     - concretize over ids that already reported values is OGAS_ESTATE and
       changes nothing;
     - what a value for a far id means (ids are submitted in order), and that
       next_parameters says so when nothing is left;
     - a second next_parameters before concretize returns the staged
       generation instead of discarding it and advancing the schedule;
     - each thread reads its own call's message;
     - ogas_breeder_free while other threads are inside calls waits for them
       and interrupts training;
     - the struct_size protocol of the structs the library fills, and
       ogas_version();
     - OpenBLAS's process-wide thread count is left alone by default;
     - memory: what cannot fit is refused at creation, naming nb_sims; a
       config text above 64 MiB is refused like a file.
   Each part failed before the fix it covers (see the commit history). */
#include <cblas.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"

static ogas_breeder *make(int64_t nb_sims, int async, const char *extra) {
  char json[2048], err[512] = "";
  snprintf(json, sizeof json,
           "{\"nb_params\": 2, \"l_bounds\": [0, -1], \"u_bounds\": [1, 1], \"nb_sims\": %lld, "
           "\"seed\": 3, \"breeder\": {\"async_training\": %s, \"min_reservoir_entries\": 4, "
           "\"min_train_steps\": 2, \"ratio_mlp_hidden_dim\": 8}, \"model\": {\"model_dim\": 16, "
           "\"n_blocks\": 1, \"timesteps\": 10, \"n_train_steps_per_epoch\": 2}, "
           "\"data\": {\"batch_size\": 8, \"buffer_size\": 64}%s}",
           (long long)nb_sims, async ? "true" : "false", extra ? extra : "");
  ogas_breeder *b = NULL;
  ogas_status st = ogas_breeder_create(json, &b, err, sizeof err);
  CHECK_MSG(st == OGAS_OK && b, "create failed: %s", err);
  return b;
}

/* One value for each id of first..last. */
static void report(ogas_breeder *b, int64_t first, int64_t last, double v) {
  for (int64_t id = first; id <= last; id++) {
    int64_t ts = 0;
    double x = v + 0.01 * (double)id;
    CHECK(ogas_record_increments(b, &id, &ts, &x, 1, 0) == OGAS_OK);
  }
}

static uint64_t table_hash(ogas_breeder *b) {
  size_t n = (size_t)ogas_nb_sims(b) * ogas_nb_params(b);
  double *t = malloc(n * sizeof *t);
  int *bred = malloc((size_t)ogas_nb_sims(b) * sizeof *bred);
  uint64_t h = 1469598103934665603ull;
  if (t && bred && ogas_get_parameter_table(b, t, bred) == OGAS_OK) {
    const unsigned char *p = (const unsigned char *)t;
    for (size_t i = 0; i < n * sizeof *t; i++) h = (h ^ p[i]) * 1099511628211ull;
    for (int64_t i = 0; i < ogas_nb_sims(b); i++) h = (h ^ (unsigned)bred[i]) * 1099511628211ull;
  }
  free(t), free(bred);
  return h;
}

/* concretize below ids with values: OGAS_ESTATE, nothing rewritten. */
static void test_concretize_over_submitted_rows(void) {
  ogas_breeder *b = make(100, 0, NULL);
  report(b, 0, 29, 1.0);
  size_t n;
  CHECK(ogas_next_parameters(b, 10, &n) == OGAS_OK && n == 10);
  uint64_t before = table_hash(b);
  ogas_stats s = OGAS_STATS_INIT;
  CHECK(ogas_get_stats(b, &s) == OGAS_OK && s.highest_submitted_id == 29);
  int64_t first = 7, last = 7;
  /* ids 20..29 ran with their current rows: rewriting them would make the
     scores describe parameters that never ran. */
  CHECK(ogas_concretize_resampled_parameters(b, 19, &first, &last) == OGAS_ESTATE);
  CHECK_MSG(strstr(ogas_errmsg(b), "sim 29") && strstr(ogas_errmsg(b), "value"), "%s",
            ogas_errmsg(b));
  CHECK(first == 7 && last == 7); /* outputs untouched too */
  CHECK(table_hash(b) == before);
  CHECK(ogas_get_stats(b, &s) == OGAS_OK && s.n_staged == 10); /* still staged */
  /* The right id writes after them. */
  CHECK(ogas_concretize_resampled_parameters(b, 29, &first, &last) == OGAS_OK);
  CHECK(first == 30 && last == 39);
  /* Going back below an earlier concretize's last_submitted_sim_id is
     refused the same way (the message says where the id came from). */
  CHECK(ogas_concretize_resampled_parameters(b, 45, &first, &last) == OGAS_OK && first == -1);
  CHECK(ogas_next_parameters(b, 5, &n) == OGAS_OK && n == 5);
  CHECK(ogas_concretize_resampled_parameters(b, 35, &first, &last) == OGAS_ESTATE);
  CHECK_MSG(strstr(ogas_errmsg(b), "sim 45") && strstr(ogas_errmsg(b), "concretize"), "%s",
            ogas_errmsg(b));
  CHECK(ogas_concretize_resampled_parameters(b, 45, &first, &last) == OGAS_OK && first == 46);
  /* Nothing staged: nothing to rewrite, any id in range is fine. */
  CHECK(ogas_concretize_resampled_parameters(b, 3, &first, &last) == OGAS_OK && first == -1);
  ogas_breeder_free(b);
}

/* A value for id k says ids 0..k are submitted. */
static void test_far_ids(void) {
  ogas_breeder *b = make(50, 0, NULL);
  report(b, 10, 10, 1.0);
  size_t n;
  CHECK(ogas_next_parameters(b, -1, &n) == OGAS_OK && n == 50 - 11);
  int64_t first, last;
  CHECK(ogas_concretize_resampled_parameters(b, 10, &first, &last) == OGAS_OK);
  CHECK(first == 11 && last == 49);
  ogas_breeder_free(b);

  b = make(50, 0, NULL);
  report(b, 49, 49, 1.0); /* the last id */
  ogas_stats s = OGAS_STATS_INIT;
  CHECK(ogas_get_stats(b, &s) == OGAS_OK && s.highest_submitted_id == 49);
  CHECK(ogas_next_parameters(b, 5, &n) == OGAS_OK && n == 0);
  CHECK_MSG(strstr(ogas_errmsg(b), "no unsubmitted rows left") &&
                strstr(ogas_errmsg(b), "sim 49") && strstr(ogas_errmsg(b), "value was reported"),
            "%s", ogas_errmsg(b));
  CHECK(ogas_current_generation(b) == 0); /* nothing staged, no generation */
  ogas_breeder_free(b);
}

/* Repeated next_parameters without concretize: one generation, whatever
   the number of calls. */
static void test_repeated_next_parameters(void) {
  ogas_breeder *b = make(200, 0, NULL);
  report(b, 0, 19, 1.0);
  size_t n = 0;
  CHECK(ogas_next_parameters(b, 30, &n) == OGAS_OK && n == 30);
  uint64_t h = table_hash(b);
  double r = ogas_breed_ratio(b);
  ogas_generation_info g1 = OGAS_GENERATION_INFO_INIT, again = OGAS_GENERATION_INFO_INIT;
  CHECK(ogas_generation_info_get(b, 1, &g1) == OGAS_OK);
  for (int i = 0; i < 1000; i++) {
    size_t m = 0;
    if (ogas_next_parameters(b, i % 2 ? 30 : 12, &m) != OGAS_OK || m != 30) {
      CHECK_MSG(0, "call %d: %zu staged", i, m);
      break;
    }
  }
  CHECK(strstr(ogas_errmsg(b), "still staged"));
  CHECK(ogas_current_generation(b) == 1 && ogas_breed_ratio(b) == r);
  CHECK(ogas_generation_info_get(b, 2, &again) == OGAS_ERANGE);
  CHECK(ogas_generation_info_get(b, 1, &again) == OGAS_OK && again.n_children == g1.n_children);
  CHECK(table_hash(b) == h);
  int64_t first, last;
  CHECK(ogas_concretize_resampled_parameters(b, 19, &first, &last) == OGAS_OK);
  CHECK(first == 20 && last == 49);
  CHECK(ogas_next_parameters(b, 10, &n) == OGAS_OK && n == 10);
  CHECK(ogas_current_generation(b) == 2);
  ogas_breeder_free(b);
}

/* ---- messages per thread ------------------------------------------------ */

typedef struct {
  ogas_breeder *b;
  pthread_mutex_t m;
  pthread_cond_t cv;
  int turn; /* 0: main fails, 1: other thread calls, 2: main reads */
} msg_ctx;

static void *other_thread(void *arg) {
  msg_ctx *c = arg;
  pthread_mutex_lock(&c->m);
  while (c->turn != 1) pthread_cond_wait(&c->cv, &c->m);
  pthread_mutex_unlock(&c->m);
  double x[2];
  /* A failing call and a message-setting successful one. */
  ogas_get_parameters(c->b, 999, x, NULL);
  int64_t id = -5, ts = 0;
  double v = 1.0;
  ogas_record_increments(c->b, &id, &ts, &v, 1, 0);
  int own = strstr(ogas_errmsg(c->b), "rejected") != NULL;
  pthread_mutex_lock(&c->m);
  c->turn = 2;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->m);
  return (void *)(intptr_t)own;
}

static void test_messages_per_thread(void) {
  msg_ctx c = {
      .b = make(20, 0, NULL), .m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
  pthread_t t;
  pthread_create(&t, NULL, other_thread, &c);
  int64_t first, last;
  CHECK(ogas_concretize_resampled_parameters(c.b, 77, &first, &last) == OGAS_ERANGE);
  pthread_mutex_lock(&c.m);
  c.turn = 1;
  pthread_cond_broadcast(&c.cv);
  while (c.turn != 2) pthread_cond_wait(&c.cv, &c.m);
  pthread_mutex_unlock(&c.m);
  /* The other thread's calls came in between: this thread still reads its own. */
  CHECK_MSG(strstr(ogas_errmsg(c.b), "last_submitted_sim_id 77"), "%s", ogas_errmsg(c.b));
  void *own;
  pthread_join(t, &own);
  CHECK(own != NULL);
  ogas_breeder *other = make(20, 0, NULL);
  CHECK(strcmp(ogas_errmsg(other), "") == 0); /* a message belongs to its breeder */
  ogas_breeder_free(other);
  ogas_breeder_free(c.b);
}

/* ---- free while other threads are inside calls -------------------------- */

typedef struct {
  ogas_breeder *b;
  volatile int started;
  ogas_status st;
} train_ctx;

static void *train_forever(void *arg) {
  train_ctx *c = arg;
  __atomic_store_n(&c->started, 1, __ATOMIC_RELEASE);
  c->st = ogas_train_sampler(c->b, INT64_C(1) << 40); /* hours of steps */
  return NULL;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void free_during_training(int async) {
  ogas_breeder *b = make(100, async, NULL);
  report(b, 0, 19, 1.0);
  train_ctx c = {.b = b, .st = OGAS_OK};
  pthread_t t;
  pthread_create(&t, NULL, train_forever, &c);
  while (!__atomic_load_n(&c.started, __ATOMIC_ACQUIRE))
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  nanosleep(&(struct timespec){0, 50000000}, NULL); /* inside the call by now */
  double t0 = now_s();
  ogas_breeder_free(b); /* waits for the call, which it interrupts */
  double dt = now_s() - t0;
  pthread_join(t, NULL);
  CHECK_MSG(c.st == OGAS_ESTATE, "%s training: %s", async ? "background" : "synchronous",
            ogas_status_name(c.st));
  CHECK_MSG(dt < 10.0, "free took %.1f s", dt);
}

static void test_free_during_calls(void) {
  free_during_training(0);
  free_during_training(1);
}

/* ---- struct_size and versions ------------------------------------------- */

static void test_struct_sizes(void) {
  char v[32];
  snprintf(v, sizeof v, "%d.%d.%d", OGAS_VERSION_MAJOR, OGAS_VERSION_MINOR, OGAS_VERSION_PATCH);
  CHECK_MSG(strcmp(ogas_version(), v) == 0, "library %s, header %s", ogas_version(), v);
  CHECK_MSG(strcmp(ogas_version(), OGAS_PROJECT_VERSION) == 0, "library %s, CMake project %s",
            ogas_version(), OGAS_PROJECT_VERSION);

  ogas_breeder *b = make(40, 0, NULL);
  report(b, 0, 9, 1.0);
  /* A caller that knows the current layout gets all of it. */
  ogas_stats s = OGAS_STATS_INIT;
  CHECK(ogas_get_stats(b, &s) == OGAS_OK && s.struct_size == sizeof s && s.values_accepted == 10);
  /* A caller built against the first layout (no highest_submitted_id and
     after): only its prefix is written, and it is told how much. */
  size_t old = offsetof(ogas_stats, highest_submitted_id);
  unsigned char buf[sizeof(ogas_stats) + 16];
  memset(buf, 0xAB, sizeof buf);
  memcpy(buf, &old, sizeof old);
  CHECK(ogas_get_stats(b, (ogas_stats *)(void *)buf) == OGAS_OK);
  size_t filled;
  memcpy(&filled, buf, sizeof filled);
  CHECK(filled == old);
  int untouched = 1;
  for (size_t i = old; i < sizeof buf; i++) untouched &= buf[i] == 0xAB;
  CHECK(untouched);
  /* Unset (garbage or zero): refused, nothing written. */
  ogas_stats z;
  memset(&z, 0, sizeof z);
  CHECK(ogas_get_stats(b, &z) == OGAS_EINVAL && z.values_accepted == 0);
  CHECK(strstr(ogas_errmsg(b), "struct_size"));
  size_t n;
  CHECK(ogas_next_parameters(b, 4, &n) == OGAS_OK);
  ogas_generation_info g = OGAS_GENERATION_INFO_INIT;
  CHECK(ogas_generation_info_get(b, 1, &g) == OGAS_OK && g.struct_size == sizeof g &&
        g.n_children == 4);
  memset(&g, 0, sizeof g);
  CHECK(ogas_generation_info_get(b, 1, &g) == OGAS_EINVAL);
  ogas_breeder_free(b);
}

/* ---- OpenBLAS ------------------------------------------------------------ */

static void test_blas_threads_left_alone(void) {
  openblas_set_num_threads(2);
  int before = openblas_get_num_threads();
  ogas_breeder *b = make(20, 1, NULL);
  CHECK_MSG(openblas_get_num_threads() == before,
            "the breeder changed the host's OpenBLAS "
            "threads from %d to %d",
            before, openblas_get_num_threads());
  ogas_breeder_free(b);
  /* Only on request, and then process-wide (documented). */
  char json[1024], err[512];
  snprintf(json, sizeof json,
           "{\"nb_params\": 1, \"l_bounds\": [0], \"u_bounds\": [1], \"nb_sims\": 5, "
           "\"model\": {\"blas_threads\": 1, \"model_dim\": 8, \"n_blocks\": 1}}");
  CHECK(ogas_breeder_create(json, &b, err, sizeof err) == OGAS_OK);
  CHECK(openblas_get_num_threads() == 1);
  ogas_breeder_free(b);
}

/* ---- memory --------------------------------------------------------------- */

static void test_memory_refused(void) {
  char err[512] = "";
  ogas_breeder *b = (ogas_breeder *)0x1;
  /* 2^31-1 simulations of 4096 parameters: 240 TB of tables. */
  char bounds[2][4096 * 3 + 8];
  size_t k0 = 0, k1 = 0;
  k0 += (size_t)snprintf(bounds[0] + k0, sizeof bounds[0] - k0, "[");
  k1 += (size_t)snprintf(bounds[1] + k1, sizeof bounds[1] - k1, "[");
  for (int i = 0; i < 4096; i++) {
    k0 += (size_t)snprintf(bounds[0] + k0, sizeof bounds[0] - k0, "%s0", i ? "," : "");
    k1 += (size_t)snprintf(bounds[1] + k1, sizeof bounds[1] - k1, "%s1", i ? "," : "");
  }
  snprintf(bounds[0] + k0, sizeof bounds[0] - k0, "]");
  snprintf(bounds[1] + k1, sizeof bounds[1] - k1, "]");
  char *big = malloc(2 * sizeof bounds[0] + 256);
  snprintf(big, 2 * sizeof bounds[0] + 256,
           "{\"nb_params\": 4096, \"l_bounds\": %s, \"u_bounds\": %s, \"nb_sims\": 2147483647, "
           "\"non_breed_sampler\": \"uniform\"}",
           bounds[0], bounds[1]);
  CHECK(ogas_breeder_create(big, &b, err, sizeof err) == OGAS_ENOMEM && b == NULL);
  CHECK_MSG(strstr(err, "nb_sims") && strstr(err, "GB"), "%s", err);
  free(big);

  /* 10^7 simulations at d = 8 (2.7 GB) under a 1 GB address-space limit, in
     a child process so that the limit stays there (not under a sanitizer,
     whose allocator reserves terabytes and aborts when it cannot). */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl = {.rlim_cur = (rlim_t)1 << 30, .rlim_max = RLIM_INFINITY};
    if (setrlimit(RLIMIT_AS, &rl)) _exit(3);
    char json[512];
    snprintf(json, sizeof json,
             "{\"nb_params\": 8, \"l_bounds\": [0,0,0,0,0,0,0,0], "
             "\"u_bounds\": [1,1,1,1,1,1,1,1], \"nb_sims\": 10000000}");
    ogas_breeder *x = NULL;
    char e[512] = "";
    int st = ogas_breeder_create(json, &x, e, sizeof e);
    _exit(st == OGAS_ENOMEM && strstr(e, "nb_sims") && strstr(e, "ulimit -v") ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "under ulimit -v: status %d", status);
#endif

  /* A config text above 64 MiB is refused like a file of that size. */
  size_t n = (64u << 20) + 16;
  char *text = malloc(n + 1);
  if (text) {
    memset(text, ' ', n);
    memcpy(text, "{\"nb_params\": 1}", 16);
    text[n] = '\0';
    err[0] = '\0';
    CHECK(ogas_breeder_create(text, &b, err, sizeof err) == OGAS_EINVAL && b == NULL);
    CHECK_MSG(strstr(err, "64 MiB"), "%s", err);
    free(text);
  }
}

int main(void) {
  test_concretize_over_submitted_rows();
  test_far_ids();
  test_repeated_next_parameters();
  test_messages_per_thread();
  test_free_during_calls();
  test_struct_sizes();
  test_blas_threads_left_alone();
  test_memory_refused();
  return check_exit("test_breeder_contract");
}

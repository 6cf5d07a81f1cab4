/* Telemetry (run_dir) never changes a core call's status and never does
   file I/O under the breeder's lock:
     - a run_dir that cannot be created or written is refused at creation
       (OGAS_EIO naming it), as are log files that are not regular files;
     - writes that fail later (a file-size limit) are counted and reported by
       ogas_telemetry_status while next_parameters and concretize return OK,
       and a retry does not breed twice;
     - while a telemetry write is stuck (write(2) wrapped at link time, see
       tests/CMakeLists.txt), other threads' calls on the breeder complete. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "ogas.h"
#include "temp_dir.h"

/* ---- write(2), wrapped: blocks writes to a chosen descriptor on demand ---- */
ssize_t __real_write(int fd, const void *buf, size_t n);
static pthread_mutex_t gate_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_closed, gate_waiting;
static char gate_name[64] = ""; /* block writes to files with this name */

static int fd_is(int fd, const char *name) {
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = '\0';
  const char *slash = strrchr(target, '/');
  return slash && !strcmp(slash + 1, name);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n) {
  pthread_mutex_lock(&gate_m);
  int block = gate_closed && gate_name[0] && fd_is(fd, gate_name);
  if (block) {
    gate_waiting++;
    pthread_cond_broadcast(&gate_cv);
    while (gate_closed) pthread_cond_wait(&gate_cv, &gate_m);
    gate_waiting--;
  }
  pthread_mutex_unlock(&gate_m);
  return __real_write(fd, buf, n);
}

static char dir[512];

static ogas_breeder *make(const char *run_dir, char *err, size_t errlen, ogas_status *st) {
  char json[2048];
  snprintf(json, sizeof json,
           "{\"nb_params\": 2, \"l_bounds\": [0, 0], \"u_bounds\": [1, 1], \"nb_sims\": 200, "
           "\"seed\": 5, \"run_dir\": \"%s\", \"breeder\": {\"async_training\": false, "
           "\"min_reservoir_entries\": 4, \"min_train_steps\": 1, \"ratio_mlp_hidden_dim\": 8}, "
           "\"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10, "
           "\"n_train_steps_per_epoch\": 1}, \"data\": {\"batch_size\": 8, \"buffer_size\": 64}}",
           run_dir);
  ogas_breeder *b = NULL;
  *st = ogas_breeder_create(json, &b, err, errlen);
  return b;
}

static void report(ogas_breeder *b, int64_t first, int64_t last) {
  for (int64_t id = first; id <= last; id++) {
    int64_t ts = 0;
    double v = 0.1 + 0.01 * (double)id;
    ogas_record_increments(b, &id, &ts, &v, 1, 0);
  }
}

static void test_refused_at_creation(void) {
  char err[1024], path[700];
  ogas_status st;
  /* A regular file where a parent folder should be. */
  snprintf(path, sizeof path, "%s/plain", dir);
  FILE *f = fopen(path, "w");
  if (f) fclose(f);
  snprintf(path, sizeof path, "%s/plain/run", dir);
  ogas_breeder *b = make(path, err, sizeof err, &st);
  CHECK_MSG(st == OGAS_EIO && !b && strstr(err, "run_dir") && strstr(err, path), "%s: %s",
            ogas_status_name(st), err);
  /* A FIFO planted as the log: refused without blocking. */
  snprintf(path, sizeof path, "%s/fifo_run", dir);
  CHECK(mkdir(path, 0777) == 0);
  char fifo[800];
  snprintf(fifo, sizeof fifo, "%s/generations.jsonl", path);
  CHECK(mkfifo(fifo, 0600) == 0);
  b = make(path, err, sizeof err, &st);
  CHECK_MSG(st == OGAS_EIO && !b && strstr(err, "not a regular file"), "%s: %s",
            ogas_status_name(st), err);
  /* A writable one works and gets the header at once. */
  snprintf(path, sizeof path, "%s/ok_run", dir);
  b = make(path, err, sizeof err, &st);
  CHECK_MSG(st == OGAS_OK && b, "%s", err);
  ogas_breeder_free(b);
  snprintf(fifo, sizeof fifo, "%s/children.csv", path);
  struct stat sb;
  CHECK(stat(fifo, &sb) == 0 && sb.st_size > 0);
}

/* In a child: a file-size limit makes every telemetry write fail. */
static int failing_writes_child(void) {
  char err[1024], path[700];
  ogas_status st;
  snprintf(path, sizeof path, "%s/full_run", dir);
  ogas_breeder *b = make(path, err, sizeof err, &st);
  if (!b) return 10;
  signal(SIGXFSZ, SIG_IGN); /* EFBIG instead of the signal */
  struct rlimit rl = {.rlim_cur = 0, .rlim_max = RLIM_INFINITY};
  if (setrlimit(RLIMIT_FSIZE, &rl)) return 11;
  report(b, 0, 19);
  size_t n = 0;
  int64_t first, last;
  if (ogas_next_parameters(b, 10, &n) != OGAS_OK || n != 10) return 12;
  if (ogas_concretize_resampled_parameters(b, 19, &first, &last) != OGAS_OK) return 13;
  if (first != 20 || last != 29 || ogas_current_generation(b) != 1) return 14;
  char msg[512];
  if (ogas_telemetry_status(b, msg, sizeof msg) != OGAS_EIO || !strstr(msg, "failed")) return 15;
  ogas_stats s = OGAS_STATS_INIT;
  if (ogas_get_stats(b, &s) != OGAS_OK || s.telemetry_failures < 1) return 16;
  ogas_breeder_free(b);
  return 0;
}

static void test_failing_writes(void) {
  pid_t pid = fork();
  if (pid == 0) _exit(failing_writes_child());
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d (exit %d)", status,
            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

typedef struct {
  ogas_breeder *b;
  ogas_status st;
  volatile int done;
} call_ctx;

static void *concretize_call(void *arg) {
  call_ctx *c = arg;
  int64_t first, last;
  c->st = ogas_concretize_resampled_parameters(c->b, 19, &first, &last);
  __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void *get_call(void *arg) {
  call_ctx *c = arg;
  double x[2];
  c->st = ogas_get_parameters(c->b, 3, x, NULL);
  int64_t id = 5, ts = 0;
  double v = 0.2;
  if (c->st == OGAS_OK) c->st = ogas_record_increments(c->b, &id, &ts, &v, 1, 0);
  __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

/* Wait up to `s` seconds for done. */
static int wait_done(call_ctx *c, double s) {
  for (int i = 0; i < (int)(s * 100) && !__atomic_load_n(&c->done, __ATOMIC_ACQUIRE); i++)
    nanosleep(&(struct timespec){0, 10000000}, NULL);
  return __atomic_load_n(&c->done, __ATOMIC_ACQUIRE);
}

static void test_io_outside_the_lock(void) {
  char err[1024], path[700];
  ogas_status st;
  snprintf(path, sizeof path, "%s/slow_run", dir);
  ogas_breeder *b = make(path, err, sizeof err, &st);
  CHECK_MSG(b != NULL, "%s", err);
  if (!b) return;
  report(b, 0, 19);
  size_t n;
  CHECK(ogas_next_parameters(b, 10, &n) == OGAS_OK);
  /* concretize's children.csv rows get stuck in write(2) ... */
  pthread_mutex_lock(&gate_m);
  snprintf(gate_name, sizeof gate_name, "children.csv");
  gate_closed = 1;
  pthread_mutex_unlock(&gate_m);
  call_ctx slow = {.b = b}, quick = {.b = b};
  pthread_t t1, t2;
  pthread_create(&t1, NULL, concretize_call, &slow);
  pthread_mutex_lock(&gate_m);
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 10;
  while (!gate_waiting && pthread_cond_timedwait(&gate_cv, &gate_m, &until) == 0) {
  }
  int stuck = gate_waiting > 0;
  pthread_mutex_unlock(&gate_m);
  CHECK_MSG(stuck, "concretize never wrote children.csv");
  /* ... while another thread's calls go through. */
  pthread_create(&t2, NULL, get_call, &quick);
  int quick_done = wait_done(&quick, 5.0);
  CHECK_MSG(quick_done, "get_parameters / record_increments waited for a telemetry write");
  CHECK(!__atomic_load_n(&slow.done, __ATOMIC_ACQUIRE));
  pthread_mutex_lock(&gate_m);
  gate_closed = 0;
  pthread_cond_broadcast(&gate_cv);
  pthread_mutex_unlock(&gate_m);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  CHECK(slow.st == OGAS_OK && quick.st == OGAS_OK);
  CHECK(ogas_telemetry_status(b, err, sizeof err) == OGAS_OK);
  ogas_breeder_free(b);
  /* Every submitted row was logged once, in order. */
  char csv[800];
  snprintf(csv, sizeof csv, "%s/children.csv", path);
  FILE *f = fopen(csv, "r");
  char line[512];
  int rows = 0, in_order = 1;
  long expect = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "sim_id", 6)) continue;
    in_order &= strtol(line, NULL, 10) == expect++;
    rows++;
  }
  if (f) fclose(f);
  CHECK_MSG(rows == 20 && in_order, "%d rows, in order %d", rows, in_order);
}

int main(void) {
  if (temp_dir_make(dir, sizeof dir, "telemetry")) {
    perror("mkdtemp");
    return 1;
  }
  test_refused_at_creation();
  test_failing_writes();
  test_io_outside_the_lock();
  temp_dir_remove(dir);
  return check_exit("test_telemetry");
}

/* ogas_mpi.h from a small MPI training server (run under mpirun -n 2 and
   -n 4): creation from one rank's config and from every rank's, errors that
   reach every rank with the breeder's message, increments from every rank
   (a rank records while the breed rank sits in the server's own barrier, so
   a blocking forward would hang the test), and, in ORDERED mode with
   synchronous training, a parameter table after two breaks that equals bit
   for bit the one of a single-process breeder fed the same calls in rank
   order. Then the round-robin scatter, the collective checkpoint/restart and
   the statistics. The breed rank is the last rank, so that rank 0 is not
   special. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ogas_mpi.h"

static int rank, size;

#define CONFIG                                                                           \
  "{\"nb_params\": 2, \"l_bounds\": [0, -1], \"u_bounds\": [1, 1], \"nb_sims\": 120,"    \
  " \"seed\": 3, \"breeder\": {\"async_training\": false, \"min_reservoir_entries\": 8," \
  " \"min_train_steps\": 5, \"start_breed_ratio\": 0.5, \"end_breed_ratio\": 0.5},"      \
  " \"model\": {\"model_dim\": 16, \"n_blocks\": 1, \"timesteps\": 10,"                  \
  " \"n_train_steps_per_epoch\": 2}, \"data\": {\"batch_size\": 8, \"buffer_size\": 200}}"

/* The increments rank r reports for its simulations in generation g:
   losses that grow with x0, so the breeder has a signal. */
static size_t increments_of(int r, int g, const double *table, int64_t first, int64_t last,
                            int64_t *ids, int64_t *ts, double *vals) {
  size_t n = 0;
  for (int64_t id = first + r; id <= last; id += size)
    for (int t = 0; t < 3; t++) {
      ids[n] = id, ts[n] = t;
      vals[n] = 0.1 + table[2 * id] * (1.0 + 0.1 * t) + 0.01 * g;
      n++;
    }
  return n;
}

static void test_errors(void) {
  char err[512] = "";
  ogas_mpi *m = (ogas_mpi *)0x1;
  /* A typo in the config, given on rank 0 only: every rank hears the breeder's message. */
  const char *bad = rank == 0 ? "{\"nb_params\": 1, \"l_bounds\": [0], \"u_bounds\": [1],"
                                " \"nb_sims\": 5, \"model\": {\"model_dimm\": 8}}"
                              : NULL;
  CHECK(ogas_mpi_create(MPI_COMM_WORLD, size - 1, 0, bad, 0, &m, err, sizeof err) == OGAS_EINVAL);
  CHECK(m == NULL);
  CHECK_MSG(strstr(err, "model.model_dim"), "rank %d: %s", rank, err);
  CHECK(ogas_mpi_create(MPI_COMM_WORLD, size, 0, CONFIG, 0, &m, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "breed_rank"), "%s", err);
  CHECK(ogas_mpi_create_from_file(MPI_COMM_WORLD, size - 1, "/nonexistent/ogas.json", 0, &m, err,
                                  sizeof err) == OGAS_EIO);
  CHECK_MSG(strstr(err, "/nonexistent/ogas.json"), "rank %d: %s", rank, err);
}

static void test_ordered_equals_one_process(const char *dir) {
  char err[512] = "";
  ogas_mpi *m = NULL;
  /* Config on every rank this time. */
  ogas_status st = ogas_mpi_create(MPI_COMM_WORLD, size - 1, OGAS_MPI_EVERY_RANK, CONFIG,
                                   OGAS_MPI_ORDERED, &m, err, sizeof err);
  CHECK_MSG(st == OGAS_OK, "rank %d: %s", rank, err);
  if (st) return;
  CHECK(ogas_mpi_nb_params(m) == 2 && ogas_mpi_nb_sims(m) == 120);
  CHECK(ogas_mpi_is_breed_rank(m) == (rank == size - 1));
  CHECK((ogas_mpi_breeder(m) != NULL) == (rank == size - 1));

  /* The reference: one breeder in this process, fed every rank's calls in rank order. */
  ogas_breeder *ref = NULL;
  CHECK(ogas_breeder_create(CONFIG, &ref, err, sizeof err) == OGAS_OK);
  double table[240], ref_table[240];
  int bred[120], ref_bred[120];
  CHECK(ogas_mpi_get_parameters(m, 0, 120, table, bred) == OGAS_OK);
  CHECK(ogas_get_parameter_table(ref, ref_table, ref_bred) == OGAS_OK);
  CHECK(!memcmp(table, ref_table, sizeof table));

  int64_t ids[400], ts[400];
  double vals[400];
  int64_t first = 0, last = 29;
  for (int g = 0; g < 2; g++) {
    /* Every rank reports its share, in two calls (two batches). */
    size_t n = increments_of(rank, g, table, first, last, ids, ts, vals);
    size_t half = n / 2;
    CHECK(ogas_mpi_record_increments(m, ids, ts, vals, half, 2 * g) == OGAS_OK);
    if (rank == size - 1) ogas_mpi_progress(m);
    CHECK(ogas_mpi_record_increments(m, ids + half, ts + half, vals + half, n - half, 2 * g + 1) ==
          OGAS_OK);
    for (int r = 0; r < size; r++) {
      size_t k = increments_of(r, g, table, first, last, ids, ts, vals), h = k / 2;
      CHECK(ogas_record_increments(ref, ids, ts, vals, h, 2 * g) == OGAS_OK);
      CHECK(ogas_record_increments(ref, ids + h, ts + h, vals + h, k - h, 2 * g + 1) == OGAS_OK);
    }
    int64_t f = -2, l = -2, rf = -3, rl = -3;
    size_t staged = 0, ref_staged = 0;
    st = ogas_mpi_generation_break(m, 30, last, &f, &l, &staged);
    CHECK_MSG(st == OGAS_OK, "rank %d: %s", rank, ogas_mpi_errmsg(m));
    CHECK(ogas_next_parameters(ref, 30, &ref_staged) == OGAS_OK);
    CHECK(ogas_concretize_resampled_parameters(ref, last, &rf, &rl) == OGAS_OK);
    CHECK(f == rf && l == rl && staged == ref_staged && f == last + 1 && l == last + 30);
    CHECK(ogas_mpi_get_parameters(m, 0, 120, table, bred) == OGAS_OK);
    CHECK(ogas_get_parameter_table(ref, ref_table, ref_bred) == OGAS_OK);
    CHECK_MSG(!memcmp(table, ref_table, sizeof table) && !memcmp(bred, ref_bred, sizeof bred),
              "rank %d: generation %d differs from the single-process breeder", rank, g + 1);
    first = f, last = l;
  }
  int64_t n_bred = 0;
  for (int i = 0; i < 120; i++) n_bred += bred[i];
  CHECK_MSG(n_bred > 0, "nothing was bred: the comparison above says little");

  /* Statistics on every rank. */
  ogas_stats s = OGAS_STATS_INIT, rs = OGAS_STATS_INIT;
  CHECK(ogas_mpi_get_stats(m, &s) == OGAS_OK);
  CHECK(ogas_get_stats(ref, &rs) == OGAS_OK);
  CHECK(s.values_accepted == rs.values_accepted && s.values_accepted == 2 * 3 * 30);
  CHECK(s.ddpm_steps == rs.ddpm_steps && s.ddpm_steps > 0);

  /* Round-robin scatter of the last generation. */
  int64_t my_ids[40];
  double my_params[80];
  int my_bred[40];
  size_t got = 99;
  CHECK(ogas_mpi_scatter_parameters(m, first, last, 40, my_ids, my_params, my_bred, &got) ==
        OGAS_OK);
  CHECK(got == (size_t)((30 - 1 - rank) / size + 1));
  for (size_t k = 0; k < got; k++) {
    CHECK(my_ids[k] == first + rank + (int64_t)k * size);
    CHECK(!memcmp(&my_params[2 * k], &table[2 * my_ids[k]], 2 * sizeof(double)));
    CHECK(my_bred[k] == bred[my_ids[k]]);
  }
  /* One rank's share does not fit: ERANGE on every rank, naming that rank. */
  size_t cap = rank == 0 ? 1 : 40;
  CHECK(ogas_mpi_scatter_parameters(m, first, last, cap, my_ids, NULL, NULL, &got) == OGAS_ERANGE);
  CHECK_MSG(strstr(ogas_mpi_errmsg(m), "rank 0"), "%s", ogas_mpi_errmsg(m));
  CHECK(ogas_mpi_get_parameters(m, 100, 30, NULL, NULL) == OGAS_ERANGE);
  CHECK_MSG(strstr(ogas_mpi_errmsg(m), "outside"), "%s", ogas_mpi_errmsg(m));

  /* Checkpoint and restart, collectively; a path the breed rank cannot write
     fails on every rank with the breeder's message. */
  char path[600];
  snprintf(path, sizeof path, "%s/breeder.ckpt", dir);
  CHECK(ogas_mpi_checkpoint_state(m, rank == size - 1 ? path : NULL) == OGAS_OK);
  CHECK(ogas_mpi_checkpoint_state(m, "/nonexistent/dir/breeder.ckpt") == OGAS_EIO);
  CHECK_MSG(strstr(ogas_mpi_errmsg(m), "/nonexistent/dir"), "rank %d: %s", rank,
            ogas_mpi_errmsg(m));
  int64_t f, l;
  CHECK(ogas_mpi_generation_break(m, 30, last, &f, &l, NULL) == OGAS_OK);
  CHECK(ogas_mpi_restart_from_checkpoint(m, path) == OGAS_OK);
  double again[240];
  CHECK(ogas_mpi_get_parameters(m, 0, 120, again, NULL) == OGAS_OK);
  CHECK_MSG(!memcmp(again, table, sizeof table), "the restart did not bring the table back");
  CHECK(ogas_mpi_train_sampler(m, 3) == OGAS_OK);
  ogas_breeder_free(ref);
  ogas_mpi_free(m);
}

/* Training ranks record many values while the breed rank waits in the
   server's own barrier without calling into ogas: forwarding must not block. */
static void test_never_blocks(void) {
  char err[512];
  ogas_mpi *m = NULL;
  CHECK(ogas_mpi_create(MPI_COMM_WORLD, size - 1, 0, rank == 0 ? CONFIG : NULL, 0, &m, err,
                        sizeof err) == OGAS_OK);
  if (!m) return;
  enum { N = 3000 };
  static int64_t ids[N], ts[N];
  static double vals[N];
  for (int i = 0; i < N; i++) ids[i] = i % 120, ts[i] = i, vals[i] = 0.5 + 0.001 * (i % 7);
  if (rank != size - 1)
    for (int k = 0; k < 10; k++)
      CHECK(ogas_mpi_record_increments(m, ids, ts, vals, N, k) == OGAS_OK);
  MPI_Barrier(MPI_COMM_WORLD);
  CHECK(ogas_mpi_record_increments(m, NULL, NULL, NULL, 1, 0) == OGAS_EINVAL);
  CHECK(ogas_mpi_flush(m) == OGAS_OK);
  ogas_stats s = OGAS_STATS_INIT;
  CHECK(ogas_mpi_get_stats(m, &s) == OGAS_OK);
  CHECK_MSG(s.values_accepted == (int64_t)(size - 1) * 10 * N, "accepted %lld",
            (long long)s.values_accepted);
  ogas_mpi_free(m);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char dir[512] = "";
  if (rank == size - 1) {
    snprintf(dir, sizeof dir, "%s/mpi_breeder_XXXXXX", OGAS_TEST_OUT);
    if (!mkdtemp(dir)) dir[0] = '\0';
  }
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, size - 1, MPI_COMM_WORLD);
  CHECK(dir[0] != '\0');
  test_errors();
  test_ordered_equals_one_process(dir);
  test_never_blocks();
  if (rank == size - 1) {
    char path[600];
    snprintf(path, sizeof path, "%s/breeder.ckpt", dir);
    unlink(path);
    rmdir(dir);
  }
  int failures = check_failures_, total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  char name[64];
  snprintf(name, sizeof name, "test_mpi_breeder (rank %d of %d)", rank, size);
  int rc = check_exit(name);
  MPI_Finalize();
  return total ? 1 : rc;
}

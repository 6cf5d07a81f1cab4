/* An MPI training server with the OGAS breeder on one rank (ogas_mpi.h).
 *
 * Every rank is a training rank that launches its share of each generation's
 * simulations (dealt round-robin by ogas_mpi_scatter_parameters), reports
 * their per-sample losses (forwarded to the breed rank without waiting), and
 * takes part in the collective generation break. The last rank also holds the
 * breeder. The "loss" stands in for a surrogate's: high near x0 = 0.8.
 *
 * Build against an installed ogas and run:
 *   mpicc mpi_server.c $(pkg-config --cflags --libs ogas_mpi) -o mpi_server
 *   mpirun -n 4 ./mpi_server */
#include <math.h>
#include <mpi.h>
#include <ogas_mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  /* The config is known on rank 0 only (read from a file, say); it is
     broadcast to the breed rank. */
  const char *config =
      "{\"nb_params\": 2, \"l_bounds\": [0, 0], \"u_bounds\": [1, 1], \"nb_sims\": 400,"
      " \"seed\": 1, \"breeder\": {\"min_reservoir_entries\": 64, \"min_train_steps\": 100},"
      " \"model\": {\"model_dim\": 64, \"n_blocks\": 2, \"timesteps\": 50,"
      "            \"n_train_steps_per_epoch\": 10}}";
  char err[512];
  ogas_mpi *m;
  if (ogas_mpi_create(MPI_COMM_WORLD, size - 1, 0, rank == 0 ? config : NULL, 0, &m, err,
                      sizeof err) != OGAS_OK) {
    if (rank == 0) fprintf(stderr, "ogas: %s\n", err);
    MPI_Finalize();
    return 1;
  }
  const int64_t generation_size = 100, nb_sims = ogas_mpi_nb_sims(m);
  int64_t first = 0, last = generation_size - 1, batch = 0;
  int64_t *ids = malloc((size_t)generation_size * sizeof *ids);
  double *params = malloc((size_t)generation_size * 2 * sizeof *params);
  int status = 0;
  while (first >= 0 && !status) {
    size_t mine = 0;
    if (ogas_mpi_scatter_parameters(m, first, last, (size_t)generation_size, ids, params, NULL,
                                    &mine) != OGAS_OK)
      break;
    /* "Run" this rank's simulations: each reports 8 per-sample losses. */
    int hard = 0, all_hard = 0;
    for (size_t k = 0; k < mine; k++) {
      double loss = exp(-10 * (params[2 * k] - 0.8) * (params[2 * k] - 0.8));
      hard += loss > 0.5;
      int64_t sim[8], steps[8];
      double values[8];
      for (int t = 0; t < 8; t++) sim[t] = ids[k], steps[t] = t, values[t] = loss * (1 + 0.05 * t);
      ogas_mpi_record_increments(m, sim, steps, values, 8, batch++);
    }
    if (ogas_mpi_is_breed_rank(m)) ogas_mpi_progress(m);
    MPI_Reduce(&hard, &all_hard, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
      printf("generation: sims %lld..%lld on %d ranks, %d with a high loss\n", (long long)first,
             (long long)last, size, all_hard);
    if (last >= nb_sims - 1) break;
    /* Collective break: the breeder resamples what has not been launched. */
    ogas_mpi_train_sampler(m, 0);
    int64_t f, l;
    if (ogas_mpi_generation_break(m, generation_size, last, &f, &l, NULL) != OGAS_OK) {
      if (rank == 0) fprintf(stderr, "ogas: %s\n", ogas_mpi_errmsg(m));
      status = 1;
    }
    first = f, last = l;
  }
  free(ids), free(params);
  ogas_mpi_free(m);
  MPI_Finalize();
  return status;
}

#include "mpi/study_mpi.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/breed_role.h"
#include "mpi/checkpoint.h"
#include "mpi/ckpt_file.h"
#include "mpi/crash_note.h"
#include "mpi/mpi_wait.h"
#include "mpi/sim_role.h"
#include "mpi/train_role.h"
#include "nn/blas_threads.h"
#include "ogas.h"
#include "util/status_msg.h"

/* Samples drawn from the buffer to fit the surrogate's normalisation (study.c). */
#define STUDY_NORM_SAMPLES 512

int study_mpi_needed(const study_config *cfg, const study_mpi_options *mo) {
  if (mo && (mo->checkpoint_every > 0 || mo->resume)) return 1;
  mpi_config mc;
  if (mpi_config_parse(cfg->mpi_json, &mc, NULL, 0)) return 1; /* let it report the error */
  return mc.checkpoint_every > 0 || mc.redraw_failed_sims > 0 || mc.n_diverge || mc.n_fail_start ||
         mc.kill_rank >= 0;
}

/* The settings every rank derives from the config alone (as study_run does). */
static int settle(rank_ctx *x, int n_ranks, char *err, size_t errlen) {
  const study_config *cfg = x->cfg;
  int st = mpi_config_parse(cfg->mpi_json, &x->mc, err, errlen);
  if (st) return st;
  if (x->mc.checkpoint_every > 0 && x->opt.checkpoint_every <= 0)
    x->opt.checkpoint_every = x->mc.checkpoint_every;
  if ((x->opt.checkpoint_every > 0 || x->opt.resume) && !x->opt.checkpoint_dir[0])
    return status_msg(OGAS_EINVAL, err, errlen, "checkpoints need a folder (ogas run --out DIR)");
  if ((x->opt.checkpoint_every > 0 || x->opt.resume) && !cfg->deterministic)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "checkpoints and --resume need the deterministic mode (\"deterministic\": "
                      "true or --deterministic): a concurrent study has no point where every rank "
                      "agrees");
  if (cfg->sampler == STUDY_SAMPLER_SBAL)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "sampler sbal: runs in one process, without the \"mpi\" section's features "
                      "or checkpoints (its ensemble scores candidates on the training thread)");
  x->problem = pde_find(cfg->problem);
  if (!x->problem)
    return status_msg(OGAS_EINVAL, err, errlen, "study: unknown problem '%s'", cfg->problem);
  st = rank_layout_make(n_ranks, &x->mc, cfg->concurrent_sims, &x->lay, err, errlen);
  if (st) return st;
  if (!cfg->deterministic && cfg->concurrent_sims < x->lay.n_train)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "concurrent_sims (%lld) must be at least the training ranks (%d) in "
                      "concurrent mode: each training rank is fed by its own simulations",
                      (long long)cfg->concurrent_sims, x->lay.n_train);
  if (!cfg->deterministic && cfg->surrogate.batch_size < x->lay.n_train)
    return status_msg(OGAS_EINVAL, err, errlen,
                      "surrogate.batch_size (%lld) must be at least the training ranks (%d)",
                      (long long)cfg->surrogate.batch_size, x->lay.n_train);
  x->pde_opt = cfg->pde;
  x->n_steps = cfg->pde.n_steps ? cfg->pde.n_steps : pde_default_n_steps(x->problem);
  x->pde_opt.n_steps = x->n_steps;
  size_t ch, ny, nx;
  pde_shape(x->problem, cfg->pde.grid, &ch, &ny, &nx);
  x->S = ch * ny * nx, x->C = ch;
  x->P = pde_nb_params(x->problem);
  x->lower = pde_lower(x->problem), x->upper = pde_upper(x->problem);
  x->total_batches = study_config_total_batches(cfg);
  x->B = (int)cfg->surrogate.batch_size;
  x->min_fill = cfg->buffer_min_fill;
  if (x->min_fill <= 0) {
    int64_t round_samples = cfg->concurrent_sims * (int64_t)x->n_steps;
    x->min_fill =
        round_samples > cfg->surrogate.batch_size ? round_samples : cfg->surrogate.batch_size;
    if (x->min_fill > cfg->buffer_capacity) x->min_fill = cfg->buffer_capacity;
  }
  x->n_norm = (size_t)(cfg->buffer_capacity < STUDY_NORM_SAMPLES ? cfg->buffer_capacity
                                                                 : STUDY_NORM_SAMPLES);
  x->credit_per_step = cfg->batches_per_sim / (double)x->n_steps;
  x->slack = (double)cfg->concurrent_sims * cfg->batches_per_sim;
  x->n_rows = cfg->nb_sims + x->mc.redraw_failed_sims;
  x->config_hash = checkpoint_config_hash(cfg);
  x->last_checkpoint_round = -1;
  return OGAS_OK;
}

/* Every rank learns the worst status of the setup and the message of the
   lowest rank that failed. */
static int agree(rank_ctx *x, int st, char *err, size_t errlen) {
  int size = x->lay.n_ranks, worst = st, first = st ? x->rank : size;
  MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, x->comm);
  if (!worst) return OGAS_OK;
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, x->comm);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", err && errlen ? err : "");
  MPI_Bcast(msg, sizeof msg, MPI_CHAR, first, x->comm);
  MPI_Bcast(&worst, 1, MPI_INT, first, x->comm);
  if (err && errlen) snprintf(err, errlen, "%s", msg);
  return worst;
}

/* ---- the roles of this rank, each on a thread ----------------------------------- */

typedef struct {
  rank_ctx *x;
  unsigned role;
  train_role *train;
  breed_role *breed;
  train_role_result train_out;
  breed_role_result breed_out;
  sim_role_result sim_out;
} role_job;

static void *run_job(void *arg) {
  role_job *j = arg;
  if (j->role == ROLE_TRAINING)
    train_role_run(j->train, &j->train_out);
  else if (j->role == ROLE_BREED)
    breed_role_run(j->breed, &j->breed_out);
  else
    sim_role_run(j->x, &j->sim_out);
  return NULL;
}

/* ---- the result ----------------------------------------------------------------- */

typedef struct {
  int32_t roles;
  role_clock clock[3];
} rank_report;

static json_t *clock_json(const role_clock *c) {
  json_t *o = json_object();
  json_object_set_new(o, "wall_s", json_real(c->wall));
  json_object_set_new(o, "compute_s", json_real(c->compute));
  json_object_set_new(o, "communicate_s", json_real(c->comm));
  json_object_set_new(o, "wait_s", json_real(c->wait));
  json_object_set_new(o, "messages_sent", json_integer((json_int_t)c->msgs_sent));
  json_object_set_new(o, "bytes_sent", json_integer((json_int_t)c->bytes_sent));
  json_object_set_new(o, "messages_received", json_integer((json_int_t)c->msgs_recv));
  json_object_set_new(o, "bytes_received", json_integer((json_int_t)c->bytes_recv));
  return o;
}

static json_t *mpi_json(const rank_ctx *x, const rank_report *reports,
                        const breed_role_result *br) {
  static const char *const role_names[3] = {"simulation", "training", "breed"};
  json_t *o = json_object(), *lay = json_object(), *ranks = json_array(), *roles = json_object();
  json_object_set_new(o, "ranks", json_integer(x->lay.n_ranks));
  json_object_set_new(o, "mode",
                      json_string(x->cfg->deterministic ? "deterministic" : "concurrent"));
  json_object_set_new(lay, "training_ranks", json_integer(x->lay.n_train));
  json_object_set_new(lay, "simulation_ranks", json_integer(x->lay.n_sim));
  json_object_set_new(lay, "breed_rank", json_integer(x->lay.breed_rank));
  json_object_set_new(lay, "breed_rank_shared",
                      json_boolean(x->lay.n_ranks == 1 || x->lay.breed_rank < x->lay.n_train));
  json_object_set_new(lay, "slots", json_integer(x->lay.n_slots));
  json_object_set_new(o, "layout", lay);
  role_clock sum[3];
  int count[3] = {0, 0, 0};
  memset(sum, 0, sizeof sum);
  for (int r = 0; r < x->lay.n_ranks; r++) {
    char names[64];
    json_t *ro = json_object();
    json_object_set_new(ro, "rank", json_integer(r));
    json_object_set_new(
        ro, "roles", json_string(rank_roles_name((unsigned)reports[r].roles, names, sizeof names)));
    for (int k = 0; k < 3; k++) {
      if (!(reports[r].roles & (1 << k))) continue;
      const role_clock *c = &reports[r].clock[k];
      json_object_set_new(ro, role_names[k], clock_json(c));
      count[k]++;
      sum[k].wall += c->wall, sum[k].compute += c->compute, sum[k].comm += c->comm,
          sum[k].wait += c->wait;
      sum[k].msgs_sent += c->msgs_sent, sum[k].bytes_sent += c->bytes_sent;
      sum[k].msgs_recv += c->msgs_recv, sum[k].bytes_recv += c->bytes_recv;
    }
    json_array_append_new(ranks, ro);
  }
  for (int k = 0; k < 3; k++) {
    json_t *c = clock_json(&sum[k]);
    json_object_set_new(c, "ranks", json_integer(count[k]));
    /* Shares of the role's summed wall time. */
    double w = sum[k].wall > 0 ? sum[k].wall : 1;
    json_object_set_new(c, "compute_share", json_real(sum[k].compute / w));
    json_object_set_new(c, "communicate_share", json_real(sum[k].comm / w));
    json_object_set_new(c, "wait_share", json_real(sum[k].wait / w));
    json_object_set_new(roles, role_names[k], c);
  }
  json_object_set_new(o, "per_rank", ranks);
  json_object_set_new(o, "roles", roles);
  json_object_set_new(o, "budget", json_integer(x->cfg->nb_sims));
  json_object_set_new(o, "sims_failed", json_integer(br->sims_failed));
  json_object_set_new(o, "sims_redrawn", json_integer(br->redraws));
  json_t *ck = json_object();
  json_object_set_new(ck, "every", json_integer(x->opt.checkpoint_every));
  json_object_set_new(ck, "resumed_from_round",
                      x->opt.resume ? json_integer(x->resume_round - 1) : json_null());
  json_object_set_new(o, "checkpoints", ck);
  json_t *wrap = json_object();
  json_object_set_new(wrap, "mpi", o);
  return wrap;
}

/* The breed rank's arrays to the root. */
static int gather_breed(rank_ctx *x, breed_role_result *br) {
  int breed = x->lay.breed_rank;
  if (breed == 0) return OGAS_OK;
  size_t N = (size_t)x->n_rows, P = x->P;
  int64_t counts[3] = {br->sims_failed, br->redraws, (int64_t)br->n_generations};
  double cpu = br->sampler_cpu_s;
  if (x->rank == breed) {
    MPI_Send(counts, 3, MPI_INT64_T, 0, 1, x->comm);
    MPI_Send(&cpu, 1, MPI_DOUBLE, 0, 1, x->comm);
    MPI_Send(br->params, (int)(N * P), MPI_DOUBLE, 0, 1, x->comm);
    MPI_Send(br->is_bred, (int)N, MPI_INT, 0, 1, x->comm);
    MPI_Send(br->generation, (int)N, MPI_INT64_T, 0, 1, x->comm);
    MPI_Send(br->sim_status, (int)N, MPI_INT, 0, 1, x->comm);
    MPI_Send(br->generations, (int)(br->n_generations * sizeof *br->generations), MPI_BYTE, 0, 1,
             x->comm);
    MPI_Send(br->generation_batch, (int)br->n_generations, MPI_INT64_T, 0, 1, x->comm);
    return OGAS_OK;
  }
  if (x->rank != 0) return OGAS_OK;
  MPI_Recv(counts, 3, MPI_INT64_T, breed, 1, x->comm, MPI_STATUS_IGNORE);
  MPI_Recv(&cpu, 1, MPI_DOUBLE, breed, 1, x->comm, MPI_STATUS_IGNORE);
  br->sims_failed = counts[0], br->redraws = counts[1], br->n_generations = (size_t)counts[2];
  br->sampler_cpu_s = cpu;
  br->params = malloc(N * (P ? P : 1) * sizeof(double));
  br->is_bred = malloc(N * sizeof(int));
  br->generation = malloc(N * sizeof(int64_t));
  br->sim_status = malloc(N * sizeof(int));
  br->generations = malloc((br->n_generations ? br->n_generations : 1) * sizeof *br->generations);
  br->generation_batch = malloc((br->n_generations ? br->n_generations : 1) * sizeof(int64_t));
  if (!br->params || !br->is_bred || !br->generation || !br->sim_status || !br->generations ||
      !br->generation_batch)
    rank_fatal(x, "out of memory for the result");
  MPI_Recv(br->params, (int)(N * P), MPI_DOUBLE, breed, 1, x->comm, MPI_STATUS_IGNORE);
  MPI_Recv(br->is_bred, (int)N, MPI_INT, breed, 1, x->comm, MPI_STATUS_IGNORE);
  MPI_Recv(br->generation, (int)N, MPI_INT64_T, breed, 1, x->comm, MPI_STATUS_IGNORE);
  MPI_Recv(br->sim_status, (int)N, MPI_INT, breed, 1, x->comm, MPI_STATUS_IGNORE);
  MPI_Recv(br->generations, (int)(br->n_generations * sizeof *br->generations), MPI_BYTE, breed, 1,
           x->comm, MPI_STATUS_IGNORE);
  MPI_Recv(br->generation_batch, (int)br->n_generations, MPI_INT64_T, breed, 1, x->comm,
           MPI_STATUS_IGNORE);
  return OGAS_OK;
}

static void free_breed_result(breed_role_result *br) {
  free(br->params), free(br->is_bred), free(br->generation), free(br->sim_status);
  free(br->generations), free(br->generation_batch);
  memset(br, 0, sizeof *br);
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* Root: the study_result of study.h, then the validation. */
static int build_result(rank_ctx *x, const study_run_options *opts, role_job *train,
                        breed_role_result *br, double sim_cpu, uint64_t pushed, uint64_t evicted,
                        double *loss_sum, int64_t *loss_count, double wall, json_t *extra,
                        study_result **out, char *err, size_t errlen) {
  const study_config *cfg = x->cfg;
  study_result *r = calloc(1, sizeof *r);
  if (!r) return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory");
  size_t N = (size_t)x->n_rows, P = x->P;
  snprintf(r->problem, sizeof r->problem, "%s", cfg->problem);
  snprintf(r->sampler, sizeof r->sampler, "%s", study_sampler_name(cfg->sampler));
  r->seed = cfg->seed, r->deterministic = cfg->deterministic, r->loss = cfg->loss;
  r->nb_params = P, r->state_size = x->S, r->n_steps = x->n_steps, r->nb_sims = x->n_rows;
  r->lower = x->lower, r->upper = x->upper;
  r->params = br->params, r->is_bred = br->is_bred, r->generation = br->generation;
  r->sim_status = br->sim_status, r->sims_failed = br->sims_failed;
  r->generations = br->generations, r->generation_batch = br->generation_batch;
  r->n_generations = br->n_generations;
  memset(br, 0, sizeof *br);
  r->grad_steps = train->train_out.batches;
  r->train_loss = train->train_out.train_loss, train->train_out.train_loss = NULL;
  r->samples_streamed = pushed, r->samples_evicted = evicted;
  r->sim_train_loss = malloc(N * sizeof(double));
  if (!r->sim_train_loss) goto nomem;
  for (size_t i = 0; i < N; i++)
    r->sim_train_loss[i] = loss_count[i] ? loss_sum[i] / (double)loss_count[i] : NAN;
  r->wall_s = wall;
  r->train_cpu_s = train->train_out.train_cpu_s;
  r->sim_cpu_s = sim_cpu;
  r->extra = extra;
  surrogate *sur = train->train_out.sur;
  /* A fingerprint of the results' bits, so that two runs can be compared
     exactly through their JSON (which prints 9 digits). */
  uint64_t h = 0xcbf29ce484222325ull;
  h = fnv1a(h, r->params, N * P * sizeof(double));
  h = fnv1a(h, r->is_bred, N * sizeof(int));
  h = fnv1a(h, r->train_loss, (size_t)r->grad_steps * sizeof(float));
  h = fnv1a(h, surrogate_params(sur), surrogate_param_count(sur) * sizeof(float));
  double e0 = rank_now();
  study_validation *own = NULL;
  const study_validation *val = opts ? opts->validation : NULL;
  int st = OGAS_OK;
  if (!val) {
    st = study_validation_for_config(cfg, (int)cfg->concurrent_sims, &own, err, errlen);
    val = own;
  }
  if (!st && study_validation_state_size(val) != x->S)
    st = status_msg(OGAS_EINVAL, err, errlen,
                    "study: the validation set's states do not match the problem's");
  if (!st) st = study_result_evaluate(r, val, sur, cfg->validation_rollout_steps, err, errlen);
  study_validation_free(own);
  r->eval_s = rank_now() - e0;
  if (!st) {
    h = fnv1a(h, r->val_nrmse, r->n_val * sizeof(double));
    char hex[32];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    json_object_set_new(json_object_get(extra, "mpi"), "result_checksum", json_string(hex));
  }
  if (st) {
    study_result_free(r);
    return st;
  }
  if (opts && opts->keep_surrogate) r->surrogate = sur, train->train_out.sur = NULL;
  *out = r;
  return OGAS_OK;
nomem:
  study_result_free(r);
  return status_msg(OGAS_ENOMEM, err, errlen, "study: out of memory");
}

/* ---- resume ------------------------------------------------------------------------ */

static int resume_setup(rank_ctx *x, role_job *train, role_job *breed, char *err, size_t errlen) {
  int64_t round = -1;
  int st = OGAS_OK;
  if (x->rank == 0)
    st =
        checkpoint_read(x->opt.checkpoint_dir, x->lay.n_train, x->config_hash, &round, err, errlen);
  st = agree(x, st, err, errlen);
  if (st) return st;
  MPI_Bcast(&round, 1, MPI_INT64_T, 0, x->comm);
  char dir[1200];
  checkpoint_folder(x->opt.checkpoint_dir, round, dir, sizeof dir);
  st = OGAS_OK;
  if (train->train) st = train_role_load(train->train, dir, round, err, errlen);
  if (!st && breed->breed) st = breed_role_load(breed->breed, dir, round, err, errlen);
  st = agree(x, st, err, errlen);
  if (st) return st;
  /* The slots as the checkpoint left them, from the breed rank to all. */
  size_t K = (size_t)x->lay.n_slots, P = x->P;
  x->resume_slots = calloc(K, sizeof *x->resume_slots);
  double *params = calloc(K * (P ? P : 1), sizeof(double));
  int64_t *words = calloc(3 * K, sizeof(int64_t));
  int ok = x->resume_slots && params && words;
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, x->comm);
  if (!ok) {
    free(params), free(words);
    return status_msg(OGAS_ENOMEM, err, errlen, "resume: out of memory");
  }
  if (x->rank == x->lay.breed_rank) {
    const resume_slot_state *rs = breed_role_resume_slots(breed->breed);
    for (size_t k = 0; k < K; k++) {
      words[3 * k] = rs[k].state, words[3 * k + 1] = rs[k].id, words[3 * k + 2] = rs[k].steps_done;
      memcpy(params + k * P, rs[k].params, P * sizeof(double));
    }
  }
  MPI_Bcast(words, (int)(3 * K), MPI_INT64_T, x->lay.breed_rank, x->comm);
  MPI_Bcast(params, (int)(K * P), MPI_DOUBLE, x->lay.breed_rank, x->comm);
  for (size_t k = 0; k < K; k++) {
    x->resume_slots[k].state = (int)words[3 * k];
    x->resume_slots[k].id = words[3 * k + 1];
    x->resume_slots[k].steps_done = words[3 * k + 2];
    x->resume_slots[k].params = params + k * P;
  }
  free(words);
  x->resume_round = round + 1;
  x->last_checkpoint_round = round;
  if (x->rank == 0) crash_note_checkpoint(round, -1);
  return OGAS_OK;
}

/* ---- the study ----------------------------------------------------------------------- */

int study_mpi_run(MPI_Comm comm, const study_config *cfg, const study_mpi_options *mo,
                  const study_run_options *opts, study_result **out, char *err, size_t errlen) {
  if (out) *out = NULL;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  rank_ctx x;
  memset(&x, 0, sizeof x);
  x.cfg = cfg;
  if (mo) x.opt = *mo;
  x.rank = rank;
  /* Identical on every rank: no communication needed to agree. */
  int st = settle(&x, size, err, errlen);
  if (st) return st;
  x.roles = rank_layout_roles(&x.lay, rank);
  MPI_Comm_dup(comm, &x.comm);
  MPI_Comm_split(x.comm, (x.roles & ROLE_TRAINING) ? 0 : MPI_UNDEFINED, rank, &x.train_comm);
  if (rank == 0 && opts) {
    x.progress = opts->progress, x.progress_ctx = opts->progress_ctx;
    x.progress_every = opts->progress_every;
  }
  char roles[64];
  rank_roles_name(x.roles, roles, sizeof roles);
  crash_note_install(rank, roles);
  crash_note_set_checkpoints(x.opt.checkpoint_every > 0 ? x.opt.checkpoint_dir : "", rank == 0);

  role_job jobs[3];
  memset(jobs, 0, sizeof jobs);
  int n_jobs = 0;
  role_job *train = &jobs[0], *breed = &jobs[1], *sim = &jobs[2];
  st = OGAS_OK;
  int provided = 0;
  MPI_Query_thread(&provided);
  int n_roles =
      !!(x.roles & ROLE_TRAINING) + !!(x.roles & ROLE_BREED) + !!(x.roles & ROLE_SIMULATION);
  if (n_roles > 1 && provided < MPI_THREAD_MULTIPLE)
    st = status_msg(OGAS_EINVAL, err, errlen,
                    "rank %d runs %s on threads, which needs MPI_THREAD_MULTIPLE (this MPI gives "
                    "level %d): use more ranks or mpi.breed_rank \"own\"",
                    rank, roles, provided);
  if (!st && (x.roles & ROLE_TRAINING)) st = train_role_create(&x, &train->train, err, errlen);
  if (!st && (x.roles & ROLE_BREED)) st = breed_role_create(&x, &breed->breed, err, errlen);
  if (!st && (x.roles & ROLE_TRAINING) && x.opt.checkpoint_every > 0 && rank == 0) {
    st = ckpt_make_dir(x.opt.checkpoint_dir, err, errlen);
  }
  st = agree(&x, st, err, errlen);
  if (!st && x.opt.resume) st = resume_setup(&x, train, breed, err, errlen);
  if (st) {
    train_role_free(train->train), breed_role_free(breed->breed);
    free(x.resume_slots ? (void *)x.resume_slots[0].params : NULL), free(x.resume_slots);
    if (x.train_comm != MPI_COMM_NULL) MPI_Comm_free(&x.train_comm);
    MPI_Comm_free(&x.comm);
    return st;
  }
  train->x = breed->x = sim->x = &x;
  train->role = ROLE_TRAINING, breed->role = ROLE_BREED, sim->role = ROLE_SIMULATION;
  role_job *mine[3];
  if (x.roles & ROLE_TRAINING) mine[n_jobs++] = train;
  if (x.roles & ROLE_BREED) mine[n_jobs++] = breed;
  if (x.roles & ROLE_SIMULATION) mine[n_jobs++] = sim;

  /* One OpenBLAS count per process: the breeder set its own on the breed rank. */
  if (!(x.roles & ROLE_BREED)) blas_set_threads((int)x.mc.blas_threads);
  MPI_Barrier(x.comm);
  x.t0 = rank_now();
  pthread_t tid[3];
  int started = 0;
  for (int j = 1; j < n_jobs; j++) {
    if (pthread_create(&tid[j], NULL, run_job, mine[j]))
      rank_fatal(&x, "cannot start a thread for a role");
    started++;
  }
  run_job(mine[0]);
  for (int j = 1; j <= started; j++) pthread_join(tid[j], NULL);
  double wall = rank_now() - x.t0;

  /* Results to the root. */
  rank_report rep;
  memset(&rep, 0, sizeof rep);
  rep.roles = (int32_t)x.roles;
  memcpy(rep.clock, x.clock, sizeof rep.clock);
  rank_report *reports = rank == 0 ? calloc((size_t)size, sizeof *reports) : NULL;
  if (rank == 0 && !reports) rank_fatal(&x, "out of memory for the result");
  MPI_Gather(&rep, (int)sizeof rep, MPI_BYTE, reports, (int)sizeof rep, MPI_BYTE, 0, x.comm);
  double sim_cpu = sim->sim_out.sim_cpu_s, all_sim_cpu = 0;
  MPI_Reduce(&sim_cpu, &all_sim_cpu, 1, MPI_DOUBLE, MPI_SUM, 0, x.comm);
  uint64_t counts[2] = {train->train_out.samples_pushed, train->train_out.samples_evicted},
           sums[2] = {0, 0};
  MPI_Reduce(counts, sums, 2, MPI_UINT64_T, MPI_SUM, 0, x.comm);
  size_t N = (size_t)x.n_rows;
  if (x.train_comm != MPI_COMM_NULL && x.lay.n_train > 1) {
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : train->train_out.loss_sum, train->train_out.loss_sum,
               (int)N, MPI_DOUBLE, MPI_SUM, 0, x.train_comm);
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : train->train_out.loss_count, train->train_out.loss_count,
               (int)N, MPI_INT64_T, MPI_SUM, 0, x.train_comm);
  }
  gather_breed(&x, &breed->breed_out);
  if (rank == 0) {
    json_t *extra = mpi_json(&x, reports, &breed->breed_out);
    json_object_set_new(json_object_get(extra, "mpi"), "weights_equal_on_training_ranks",
                        json_boolean(train->train_out.weights_equal));
    double sampler_cpu = breed->breed_out.sampler_cpu_s;
    st = build_result(&x, opts, train, &breed->breed_out, all_sim_cpu, sums[0], sums[1],
                      train->train_out.loss_sum, train->train_out.loss_count, wall, extra, out, err,
                      errlen);
    if (!st) (*out)->sampler_cpu_s = sampler_cpu;
  }
  free(reports);
  if (rank != 0 || st) free_breed_result(&breed->breed_out);
  surrogate_free(train->train_out.sur);
  free(train->train_out.train_loss), free(train->train_out.loss_sum),
      free(train->train_out.loss_count);
  train_role_free(train->train), breed_role_free(breed->breed);
  if (x.resume_slots) free((void *)x.resume_slots[0].params);
  free(x.resume_slots);
  if (x.train_comm != MPI_COMM_NULL) MPI_Comm_free(&x.train_comm);
  MPI_Comm_free(&x.comm);
  return st;
}

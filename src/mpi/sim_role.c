#include "mpi/sim_role.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpi/crash_note.h"
#include "mpi/mpi_wait.h"
#include "mpi/packet.h"
#include "mpi/protocol.h"
#include "study/surrogate.h"

enum { SLOT_NEED, SLOT_ACTIVE, SLOT_DONE };

typedef struct {
  int64_t k; /* global slot */
  int state;
  int trainer;
  int64_t id, step; /* steps done */
  pde_sim *sim;
  float *cur, *z;
  double *params;
} slot;

/* Packets to one training rank: a ring of `window` buffers, one in
   preparation; credits = packets it may still send. */
typedef struct {
  packet *ring;
  MPI_Request *req;
  int n, current;
  int64_t credits;
} outbox;

typedef struct {
  rank_ctx *x;
  role_clock *c;
  slot *slots;
  int64_t n_slots;
  outbox *out;      /* per training rank */
  int64_t *summary; /* ended simulations of a round: (slot, id, status) */
  size_t n_ended;
  void *rbuf;
  size_t rcap;
  double cpu;
  int64_t streamed, started;
} sim_rank;

static double thread_cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static packet *current_packet(sim_rank *s, int t) { return &s->out[t].ring[s->out[t].current]; }

/* Wait until training rank t has taken a packet (its credit message). */
static void take_credit(sim_rank *s, int t) {
  outbox *o = &s->out[t];
  while (o->credits <= 0) {
    rank_recv(s->x, s->c, t, TAG_CREDIT, &s->rbuf, &s->rcap, NULL,
              "a credit (the training rank "
              "taking a packet)");
    int64_t n;
    memcpy(&n, s->rbuf, sizeof n);
    o->credits += n;
  }
  /* Collect credits that came meanwhile without waiting. */
  MPI_Status st;
  while (rank_iprobe(s->x, t, TAG_CREDIT, &st)) {
    rank_recv_probed(s->x, s->c, &st, &s->rbuf, &s->rcap);
    int64_t n;
    memcpy(&n, s->rbuf, sizeof n);
    o->credits += n;
  }
}

/* Send the current packet to training rank t and start the next one. */
static void flush_packet(sim_rank *s, int t, int64_t round, int32_t flags) {
  outbox *o = &s->out[t];
  take_credit(s, t);
  packet *p = current_packet(s, t);
  packet_set_flags(p, flags);
  rank_isend(s->x, s->c, p->buf, p->len, t, TAG_PACKET, &o->req[o->current]);
  o->credits--;
  o->current = (o->current + 1) % o->n;
  /* A credit came back for every packet sent window ago: its send is over. */
  rank_wait(s->x, s->c, &o->req[o->current], NULL, "a packet send", t);
  packet_reset(current_packet(s, o - s->out), round);
}

static void add_record(sim_rank *s, slot *sl, int kind, int64_t round, const float *state) {
  int t = sl->trainer;
  if (packet_full(current_packet(s, t))) {
    /* A deterministic round is one packet per training rank, sized for it. */
    if (s->x->cfg->deterministic) rank_fatal(s->x, "protocol: a round's packet overflowed");
    flush_packet(s, t, round, 0);
  }
  packet_add(current_packet(s, t), kind, sl->k, sl->id,
             kind == PACKET_START ? sl->step : sl->step - 1, sl->z, state);
}

static int finite_state(const float *u, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(u[i])) return 0;
  return 1;
}

/* A simulation that failed is reported where it happened (the breed rank
   marks it and, with mpi.redraw_failed_sims, draws a replacement). */
static void report_failure(const sim_rank *s, int64_t id, const char *why) {
  char roles[64];
  fprintf(stderr, "ogas: rank %d (%s): simulation %lld %s; marked failed%s\n", s->x->rank,
          rank_roles_name(s->x->roles, roles, sizeof roles), (long long)id, why,
          s->x->mc.redraw_failed_sims
              ? " (a replacement is drawn while mpi.redraw_failed_sims lasts)"
              : "");
}

static void end_slot(sim_rank *s, slot *sl, int status) {
  if (status == 1) {
    char why[96];
    snprintf(why, sizeof why, "stopped being finite at output step %lld", (long long)sl->step);
    report_failure(s, sl->id, why);
  }
  pde_sim_free(sl->sim);
  sl->sim = NULL;
  int64_t *e = s->summary + 3 * s->n_ended++;
  e[0] = sl->k, e[1] = sl->id, e[2] = status;
  sl->state = SLOT_NEED;
}

/* One output step of a running simulation: a STEP record, or its end. */
static void step_slot(sim_rank *s, slot *sl, int64_t round) {
  rank_ctx *x = s->x;
  double c0 = thread_cpu_s();
  int st = pde_sim_step(sl->sim, sl->cur);
  s->cpu += thread_cpu_s() - c0;
  sl->step++;
  if (!st && x->mc.n_diverge && (int64_t)sl->step - 1 == x->mc.diverge_at_step &&
      mpi_config_diverges(&x->mc, sl->id))
    sl->cur[0] = NAN; /* injected divergence */
  if (st || !finite_state(sl->cur, x->S)) {
    end_slot(s, sl, 1);
    return;
  }
  add_record(s, sl, PACKET_STEP, round, sl->cur);
  s->streamed++;
  if ((size_t)sl->step >= x->n_steps) end_slot(s, sl, 0);
}

/* Start simulation id in a slot (params given): a START record, or status 2. */
static void start_slot(sim_rank *s, slot *sl, int64_t id, const double *params, int64_t round) {
  rank_ctx *x = s->x;
  sl->id = id, sl->step = 0;
  memcpy(sl->params, params, x->P * sizeof(double));
  surrogate_normalize_params(x->P, x->lower, x->upper, params, sl->z);
  char perr[256];
  double c0 = thread_cpu_s();
  int st = mpi_config_fails_start(&x->mc, id)
               ? PDE_EINVAL
               : pde_sim_create(x->problem, params, &x->pde_opt, &sl->sim, perr, sizeof perr);
  if (!st) pde_sim_state(sl->sim, sl->cur);
  s->cpu += thread_cpu_s() - c0;
  s->started++;
  if (st || !finite_state(sl->cur, x->S)) {
    char why[400];
    snprintf(why, sizeof why, "failed to start (%s)",
             mpi_config_fails_start(&x->mc, id) ? "mpi.faults.fail_start_sims"
             : st                               ? perr
                                                : "its initial state is not finite");
    report_failure(s, id, why);
    int64_t *e = s->summary + 3 * s->n_ended++;
    e[0] = sl->k, e[1] = id, e[2] = 2;
    pde_sim_free(sl->sim);
    sl->sim = NULL;
    sl->state = SLOT_NEED;
    return;
  }
  sl->state = SLOT_ACTIVE;
  add_record(s, sl, PACKET_START, round, sl->cur);
}

/* Resume: bring a running simulation back to where the checkpoint left it
   by stepping it again from its start (the solvers are deterministic), and
   hand its current state to the training rank as a START. */
static void resume_slot(sim_rank *s, slot *sl, const resume_slot_state *rs, int64_t round) {
  rank_ctx *x = s->x;
  sl->id = rs->id;
  memcpy(sl->params, rs->params, x->P * sizeof(double));
  surrogate_normalize_params(x->P, x->lower, x->upper, sl->params, sl->z);
  char perr[256];
  double c0 = thread_cpu_s();
  int st = pde_sim_create(x->problem, sl->params, &x->pde_opt, &sl->sim, perr, sizeof perr);
  for (int64_t i = 0; !st && i < rs->steps_done; i++) st = pde_sim_step(sl->sim, sl->cur);
  if (!st && rs->steps_done == 0) pde_sim_state(sl->sim, sl->cur);
  s->cpu += thread_cpu_s() - c0;
  if (st)
    rank_fatal(x, "resume: simulation %lld does not replay to step %lld: %s", (long long)rs->id,
               (long long)rs->steps_done, st == PDE_ERANGE ? "not finite" : perr);
  sl->step = rs->steps_done;
  sl->state = SLOT_ACTIVE;
  add_record(s, sl, PACKET_START, round, sl->cur);
}

static void send_summary(sim_rank *s, int64_t round, int done) {
  /* header: round, done, n_ended */
  size_t n = 3 + 3 * s->n_ended;
  int64_t *m = s->summary - 3;
  m[0] = round, m[1] = done, m[2] = (int64_t)s->n_ended;
  rank_send(s->x, s->c, m, n * sizeof(int64_t), s->x->lay.breed_rank, TAG_SUMMARY);
  s->n_ended = 0;
}

static int all_done(const sim_rank *s) {
  for (int64_t i = 0; i < s->n_slots; i++)
    if (s->slots[i].state != SLOT_DONE) return 0;
  return 1;
}

/* ---- deterministic rounds ----------------------------------------------- */

static void run_rounds(sim_rank *s) {
  rank_ctx *x = s->x;
  size_t fill_entry = fill_entry_words(x->P);
  int64_t round = x->resume_round;
  int *need = calloc((size_t)(s->n_slots ? s->n_slots : 1), sizeof(int));
  if (!need) rank_fatal(x, "out of memory");
  for (;;) {
    for (int t = 0; t < x->lay.n_train; t++) packet_reset(current_packet(s, t), round);
    for (int64_t i = 0; i < s->n_slots; i++) need[i] = s->slots[i].state == SLOT_NEED;
    if (round == x->resume_round && x->resume_slots)
      for (int64_t i = 0; i < s->n_slots; i++) {
        const resume_slot_state *rs = &x->resume_slots[s->slots[i].k];
        if (rs->state == SLOT_ACTIVE)
          resume_slot(s, &s->slots[i], rs, round), need[i] = 0;
        else if (rs->state == SLOT_DONE)
          s->slots[i].state = SLOT_DONE, need[i] = 0;
      }
    /* Running simulations first: they do not depend on the fill. */
    for (int64_t i = 0; i < s->n_slots; i++)
      if (!need[i] && s->slots[i].state == SLOT_ACTIVE) step_slot(s, &s->slots[i], round);
    int any_need = 0;
    for (int64_t i = 0; i < s->n_slots; i++) any_need |= need[i];
    if (any_need) {
      rank_recv(x, s->c, x->lay.breed_rank, TAG_FILL, &s->rbuf, &s->rcap, NULL,
                "the ids of the next simulations (fill)");
      const int64_t *m = s->rbuf;
      if (m[0] != round)
        rank_fatal(x, "protocol: fill for round %lld in round %lld", (long long)m[0],
                   (long long)round);
      for (int64_t e = 0; e < m[1]; e++) {
        const int64_t *f = m + 2 + e * (int64_t)fill_entry;
        slot *sl = &s->slots[(f[0] - (x->rank - x->lay.first_sim)) / x->lay.n_sim];
        if (f[1] >= 0) {
          start_slot(s, sl, f[1], (const double *)(f + 3), round);
          if (sl->state == SLOT_ACTIVE) step_slot(s, sl, round);
        } else if (f[1] == FILL_DONE) {
          sl->state = SLOT_DONE;
        }
      }
    }
    int done = all_done(s);
    if (!(x->roles & ROLE_TRAINING)) crash_note_progress(round, -1, 0);
    for (int t = 0; t < x->lay.n_train; t++) flush_packet(s, t, round + 1, done ? PACKET_DONE : 0);
    send_summary(s, round, done);
    rank_maybe_kill(x, s->streamed);
    if (done) break;
    round++;
  }
  free(need);
}

/* ---- concurrent mode ------------------------------------------------------ */

static void run_free(sim_rank *s) {
  rank_ctx *x = s->x;
  int64_t *pending = calloc((size_t)(2 * (s->n_slots ? s->n_slots : 1)), sizeof(int64_t));
  if (!pending) rank_fatal(x, "out of memory");
  for (int64_t i = 0; i < s->n_slots; i++) pending[2 * i] = -1;
  for (;;) {
    int active = 0, idle = 0;
    for (int64_t i = 0; i < s->n_slots; i++) {
      slot *sl = &s->slots[i];
      while (sl->state == SLOT_NEED) {
        int64_t claim[3] = {sl->k, pending[2 * i], pending[2 * i + 1]};
        rank_send(x, s->c, claim, sizeof claim, x->lay.breed_rank, TAG_CLAIM);
        pending[2 * i] = -1;
        rank_recv(x, s->c, x->lay.breed_rank, TAG_START, &s->rbuf, &s->rcap, NULL,
                  "the id of a simulation to start (claim)");
        const int64_t *m = s->rbuf;
        if (m[1] == FILL_DONE) {
          sl->state = SLOT_DONE;
        } else if (m[1] == FILL_IDLE) {
          idle = 1;
          break;
        } else {
          s->n_ended = 0;
          start_slot(s, sl, m[1], (const double *)(m + 3), 0);
          if (sl->state != SLOT_ACTIVE) pending[2 * i] = m[1], pending[2 * i + 1] = 2;
        }
      }
      active += sl->state == SLOT_ACTIVE;
    }
    if (all_done(s)) break;
    if (!active && idle) {
      /* Nothing to run until a redraw frees an id: ask again shortly. */
      struct timespec ts = {0, 1000000};
      nanosleep(&ts, NULL);
      continue;
    }
    for (int64_t i = 0; i < s->n_slots; i++) {
      slot *sl = &s->slots[i];
      if (sl->state != SLOT_ACTIVE) continue;
      s->n_ended = 0;
      step_slot(s, sl, 0);
      if (s->n_ended) pending[2 * i] = sl->id, pending[2 * i + 1] = s->summary[2];
      s->n_ended = 0;
      packet *p = current_packet(s, sl->trainer);
      if (p->n_records >= x->mc.steps_per_message) flush_packet(s, sl->trainer, 0, 0);
    }
    rank_maybe_kill(x, s->streamed);
  }
  /* Every slot's last end went out with its final claim. */
  for (int t = 0; t < x->lay.n_train; t++) flush_packet(s, t, 0, PACKET_DONE);
  free(pending);
}

void sim_role_run(rank_ctx *x, sim_role_result *out) {
  role_clock *c = &x->clock[role_index(ROLE_SIMULATION)];
  role_clock_start(c);
  sim_rank s;
  memset(&s, 0, sizeof s);
  s.x = x, s.c = c;
  s.n_slots = rank_layout_slots_of(&x->lay, x->rank);
  int T = x->lay.n_train;
  int64_t L = s.n_slots;
  /* Per training rank and round at most 2 records per slot (START and STEP);
     concurrent packets flush at steps_per_message. */
  int max_records = (int)((x->mc.steps_per_message > 3 * L ? x->mc.steps_per_message : 3 * L) + 3);
  s.slots = calloc((size_t)(L ? L : 1), sizeof *s.slots);
  s.out = calloc((size_t)T, sizeof *s.out);
  /* A round ends at most one simulation per slot. */
  s.summary = malloc((3 + 3 * (size_t)(L + 1)) * sizeof(int64_t));
  float *mem = malloc((size_t)(L ? L : 1) * (x->S + x->P) * sizeof(float));
  double *pmem = malloc((size_t)(L ? L : 1) * (x->P ? x->P : 1) * sizeof(double));
  if (!s.slots || !s.out || !s.summary || !mem || !pmem) rank_fatal(x, "out of memory");
  s.summary += 3;
  for (int64_t i = 0; i < L; i++) {
    slot *sl = &s.slots[i];
    sl->k = (x->rank - x->lay.first_sim) + i * x->lay.n_sim;
    sl->state = SLOT_NEED;
    sl->trainer = rank_layout_trainer(&x->lay, sl->k);
    sl->cur = mem + (size_t)i * (x->S + x->P);
    sl->z = sl->cur + x->S;
    sl->params = pmem + (size_t)i * x->P;
  }
  int window = (int)x->mc.window;
  for (int t = 0; t < T; t++) {
    outbox *o = &s.out[t];
    o->n = window + 1;
    o->credits = window;
    o->ring = calloc((size_t)o->n, sizeof *o->ring);
    o->req = malloc((size_t)o->n * sizeof *o->req);
    if (!o->ring || !o->req) rank_fatal(x, "out of memory");
    for (int i = 0; i < o->n; i++) {
      o->req[i] = MPI_REQUEST_NULL;
      if (packet_init(&o->ring[i], max_records, x->S, x->P))
        rank_fatal(x, "out of memory for packets");
    }
  }
  if (x->cfg->deterministic)
    run_rounds(&s);
  else
    run_free(&s);
  /* Every packet is taken before the rank stops: no message stays in flight. */
  for (int t = 0; t < T; t++)
    while (s.out[t].credits < window) {
      rank_recv(x, c, t, TAG_CREDIT, &s.rbuf, &s.rcap, NULL, "the last credits");
      int64_t n;
      memcpy(&n, s.rbuf, sizeof n);
      s.out[t].credits += n;
    }
  for (int t = 0; t < T; t++) {
    outbox *o = &s.out[t];
    for (int i = 0; i < o->n; i++) {
      rank_wait(x, c, &o->req[i], NULL, "a packet send", t);
      packet_free(&o->ring[i]);
    }
    free(o->ring), free(o->req);
  }
  for (int64_t i = 0; i < L; i++) pde_sim_free(s.slots[i].sim);
  out->sim_cpu_s = s.cpu;
  out->steps_streamed = s.streamed;
  out->sims_run = s.started;
  free(s.summary - 3), free(s.slots), free(s.out), free(mem), free(pmem), free(s.rbuf);
  role_clock_stop(c);
}

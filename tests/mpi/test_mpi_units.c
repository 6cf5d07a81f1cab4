/* The MPI layer's pieces that need no launcher: the rank layout for 1..40
   ranks and its errors, the "mpi" config section (strict keys, faults),
   time-step packets (write, read back), the global FIFO (its draws equal
   study_buffer_sample's with one owner, and two owners split exactly the
   same draws), the sampler journal (a fresh breed sampler given the journal
   is in the state of the original), and checkpoint files (a flipped byte is
   caught). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "mpi/ckpt_file.h"
#include "mpi/global_fifo.h"
#include "mpi/mpi_config.h"
#include "mpi/packet.h"
#include "mpi/rank_layout.h"
#include "mpi/sampler_journal.h"
#include "nn/rng.h"
#include "ogas.h"
#include "study/buffer.h"

static void test_layout(void) {
  mpi_config mc;
  mpi_config_defaults(&mc);
  char err[256];
  rank_layout l;
  for (int n = 1; n <= 40; n++) {
    CHECK(rank_layout_make(n, &mc, 64, &l, err, sizeof err) == OGAS_OK);
    int train = 0, breed = 0, sim = 0;
    for (int r = 0; r < n; r++) {
      unsigned ro = rank_layout_roles(&l, r);
      CHECK(ro != 0);
      train += !!(ro & ROLE_TRAINING), breed += !!(ro & ROLE_BREED),
          sim += !!(ro & ROLE_SIMULATION);
    }
    CHECK(train == l.n_train && breed == 1 && sim == l.n_sim && l.n_sim >= 1);
    CHECK(rank_layout_roles(&l, 0) & ROLE_TRAINING);
    if (n >= 3)
      CHECK(l.breed_rank == l.n_train && rank_layout_roles(&l, l.breed_rank) == ROLE_BREED);
    if (n >= 3) CHECK(l.n_train == ((n - 1) / 4 > 1 ? (n - 1) / 4 : 1));
    int64_t slots = 0;
    for (int r = 0; r < n; r++) slots += rank_layout_slots_of(&l, r);
    CHECK(slots == 64);
    for (int64_t k = 0; k < 64; k++) {
      CHECK(rank_layout_roles(&l, rank_layout_sim_rank(&l, k)) & ROLE_SIMULATION);
      CHECK(rank_layout_trainer(&l, k) < l.n_train);
    }
  }
  CHECK(rank_layout_make(1, &mc, 4, &l, err, sizeof err) == OGAS_OK);
  CHECK(rank_layout_roles(&l, 0) == (ROLE_SIMULATION | ROLE_TRAINING | ROLE_BREED));
  CHECK(rank_layout_make(2, &mc, 4, &l, err, sizeof err) == OGAS_OK);
  CHECK(l.breed_rank == 0 && l.n_sim == 1 && l.first_sim == 1);
  mc.training_ranks = 3;
  CHECK(rank_layout_make(4, &mc, 4, &l, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "mpi.training_ranks") && strstr(err, "no simulation rank"), "%s", err);
  mc.breed = BREED_PLACEMENT_SHARED;
  CHECK(rank_layout_make(4, &mc, 4, &l, err, sizeof err) == OGAS_OK);
  CHECK(l.n_train == 3 && l.breed_rank == 0 && l.n_sim == 1);
  mc.breed = BREED_PLACEMENT_OWN, mc.training_ranks = 0;
  CHECK(rank_layout_make(2, &mc, 4, &l, err, sizeof err) == OGAS_EINVAL);
  char buf[64];
  CHECK(!strcmp(rank_roles_name(ROLE_TRAINING | ROLE_BREED, buf, sizeof buf), "training+breed"));
}

static void test_config(void) {
  mpi_config c;
  char err[512];
  CHECK(mpi_config_parse(NULL, &c, err, sizeof err) == OGAS_OK && c.window == 4 &&
        c.kill_rank == -1);
  CHECK(mpi_config_parse("{\"training_ranks\": 2, \"breed_rank\": \"own\", \"window\": 2,"
                         " \"redraw_failed_sims\": 5, \"faults\": {\"diverge_sims\": [1, 7],"
                         " \"fail_start_sims\": [3], \"kill_rank\": 4, \"kill_after\": 9,"
                         " \"kill_signal\": \"STOP\"}}",
                         &c, err, sizeof err) == OGAS_OK);
  CHECK(c.training_ranks == 2 && c.breed == BREED_PLACEMENT_OWN && c.window == 2 &&
        c.redraw_failed_sims == 5 && c.kill_rank == 4 && c.kill_after == 9);
  CHECK(mpi_config_diverges(&c, 7) && !mpi_config_diverges(&c, 3) && mpi_config_fails_start(&c, 3));
  CHECK(mpi_config_parse("{\"windw\": 2}", &c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "mpi.windw"), "%s", err);
  CHECK(mpi_config_parse("{\"faults\": {\"kill\": 1}}", &c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "mpi.faults.kill"), "%s", err);
  CHECK(mpi_config_parse("{\"window\": 0}", &c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "mpi.window"), "%s", err);
  CHECK(mpi_config_parse("{\"breed_rank\": \"somewhere\"}", &c, err, sizeof err) == OGAS_EINVAL);
  CHECK(mpi_config_parse("{\"timeout_s\": -1}", &c, err, sizeof err) == OGAS_EINVAL);
  CHECK(mpi_config_parse("{\"faults\": {\"diverge_sims\": [-1]}}", &c, err, sizeof err) ==
        OGAS_EINVAL);
  CHECK(mpi_config_parse("[1]", &c, err, sizeof err) == OGAS_EINVAL);
}

static void test_packet(void) {
  enum { S = 5, P = 2 };
  packet p;
  CHECK(packet_init(&p, 3, S, P) == OGAS_OK);
  packet_reset(&p, 7);
  float z[P] = {0.5f, -0.5f}, u0[S] = {1, 2, 3, 4, 5}, u1[S] = {6, 7, 8, 9, 10};
  packet_add(&p, PACKET_START, 4, 11, 0, z, u0);
  packet_add(&p, PACKET_STEP, 4, 11, 0, NULL, u1);
  CHECK(!packet_full(&p));
  packet_add(&p, PACKET_STEP, 9, 12, 3, NULL, u0);
  CHECK(packet_full(&p));
  packet_set_flags(&p, PACKET_DONE);
  packet_header h = packet_get_header(p.buf);
  CHECK(h.round == 7 && h.n_records == 3 && h.flags == PACKET_DONE);
  size_t cur = 0;
  packet_record r;
  const float *rz, *ru;
  CHECK(packet_next(p.buf, p.len, S, P, &cur, &r, &rz, &ru));
  CHECK(r.kind == PACKET_START && r.slot == 4 && r.sim_id == 11 && !memcmp(rz, z, sizeof z) &&
        !memcmp(ru, u0, sizeof u0));
  CHECK(packet_next(p.buf, p.len, S, P, &cur, &r, &rz, &ru));
  CHECK(r.kind == PACKET_STEP && rz == NULL && !memcmp(ru, u1, sizeof u1));
  CHECK(packet_next(p.buf, p.len, S, P, &cur, &r, &rz, &ru));
  CHECK(r.slot == 9 && r.step == 3);
  CHECK(!packet_next(p.buf, p.len, S, P, &cur, &r, &rz, &ru));
  /* A cut message is not read past its end. */
  cur = 0;
  CHECK(packet_next(p.buf, p.len - 4, S, P, &cur, &r, &rz, &ru));
  CHECK(packet_next(p.buf, p.len - 4, S, P, &cur, &r, &rz, &ru));
  CHECK(!packet_next(p.buf, p.len - 4, S, P, &cur, &r, &rz, &ru));
  packet_free(&p);
}

static void test_global_fifo(void) {
  enum { S = 3, P = 1, CAP = 20, PUSH = 57, N = 40 };
  global_fifo one, a, b;
  study_buffer *ref;
  CHECK(global_fifo_init(&one, CAP, S, P, 0) == OGAS_OK);
  CHECK(global_fifo_init(&a, CAP, S, P, 0) == OGAS_OK);
  CHECK(global_fifo_init(&b, CAP, S, P, 1) == OGAS_OK);
  CHECK(study_buffer_create(CAP, S, P, &ref) == OGAS_OK);
  for (int i = 0; i < PUSH; i++) {
    float u[S] = {(float)i, i + 0.25f, i + 0.5f}, un[S] = {-u[0], -u[1], -u[2]},
          z[P] = {(float)i / 100};
    int owner = (i * 7) % 3 == 0; /* an irregular split between two ranks */
    study_buffer_push(ref, i, i % 5, u, un, z);
    global_fifo_push(&one, 0, i, i % 5, u, un, z);
    global_fifo_push(&a, owner, i, i % 5, owner == 0 ? u : NULL, un, z);
    global_fifo_push(&b, owner, i, i % 5, owner == 1 ? u : NULL, un, z);
  }
  CHECK(global_fifo_count(&one) == CAP && global_fifo_evicted(&one) == PUSH - CAP);
  ogas_rng r1, r2, r3, r4;
  ogas_rng_seed(&r1, 3, 5), r2 = r1, r3 = r1, r4 = r1;
  float s_ref[N * S], s_one[N * S], s_a[N * S], s_b[N * S], n_ref[N * S], n_one[N * S];
  int64_t id_ref[N], id_one[N], id_a[N], id_b[N], t_ref[N], t_one[N];
  int32_t wa[N], wb[N];
  CHECK(study_buffer_sample(ref, &r1, N, s_ref, n_ref, NULL, id_ref, t_ref) == OGAS_OK);
  CHECK(global_fifo_draw(&one, &r2, N, s_one, n_one, NULL, id_one, t_one, NULL) == N);
  CHECK(!memcmp(s_ref, s_one, sizeof s_ref) && !memcmp(n_ref, n_one, sizeof n_ref) &&
        !memcmp(id_ref, id_one, sizeof id_ref) && !memcmp(t_ref, t_one, sizeof t_ref));
  size_t na = global_fifo_draw(&a, &r3, N, s_a, NULL, NULL, id_a, NULL, wa);
  size_t nb = global_fifo_draw(&b, &r4, N, s_b, NULL, NULL, id_b, NULL, wb);
  CHECK(na + nb == N && na > 0 && nb > 0);
  for (size_t i = 0; i < na; i++)
    CHECK(id_a[i] == id_ref[wa[i]] && !memcmp(&s_a[i * S], &s_ref[wa[i] * S], S * sizeof(float)));
  for (size_t i = 0; i < nb; i++)
    CHECK(id_b[i] == id_ref[wb[i]] && !memcmp(&s_b[i * S], &s_ref[wb[i] * S], S * sizeof(float)));
  /* Save and load: the same draws afterwards. */
  size_t bytes = global_fifo_state_bytes(&a);
  void *st = malloc(bytes);
  global_fifo_save(&a, st);
  global_fifo copy;
  CHECK(global_fifo_init(&copy, CAP, S, P, 0) == OGAS_OK);
  CHECK(global_fifo_load(&copy, st, bytes) == OGAS_OK);
  CHECK(global_fifo_load(&copy, st, bytes - 1) == OGAS_ECORRUPT);
  ogas_rng q1, q2;
  ogas_rng_seed(&q1, 1, 1), q2 = q1;
  size_t m1 = global_fifo_draw(&a, &q1, N, s_a, NULL, NULL, id_a, NULL, wa);
  size_t m2 = global_fifo_draw(&copy, &q2, N, s_b, NULL, NULL, id_b, NULL, wb);
  CHECK(m1 == m2 && !memcmp(id_a, id_b, m1 * sizeof(int64_t)) &&
        !memcmp(wa, wb, m1 * sizeof(int32_t)));
  free(st);
  global_fifo_free(&one), global_fifo_free(&a), global_fifo_free(&b), global_fifo_free(&copy);
  study_buffer_free(ref);
}

static void test_journal(void) {
  double lo[2] = {0, 0}, hi[2] = {1, 2};
  study_sampler_config sc;
  memset(&sc, 0, sizeof sc);
  sc.kind = STUDY_SAMPLER_BREED;
  sc.nb_params = 2, sc.lower = lo, sc.upper = hi, sc.nb_sims = 40, sc.seed = 3;
  study_breed_config_defaults(&sc.breed);
  sc.breed.start_breed_ratio = 0.6;
  char err[256];
  study_sampler *orig = NULL, *copy = NULL;
  CHECK(study_sampler_create(&sc, &orig, err, sizeof err) == OGAS_OK);
  CHECK(study_sampler_create(&sc, &copy, err, sizeof err) == OGAS_OK);
  sampler_journal j;
  memset(&j, 0, sizeof j);
  for (int g = 0; g < 3; g++) {
    int64_t ids[10], ts[10];
    double v[10];
    for (int i = 0; i < 10; i++) ids[i] = g * 10 + i, ts[i] = i, v[i] = 0.1 * (i % 4) + g;
    CHECK(study_sampler_record(orig, ids, ts, v, 10, g) == OGAS_OK);
    journal_record(&j, ids, ts, v, 10, g);
    for (int i = 0; i < 10; i++) {
      CHECK(study_sampler_finished(orig, ids[i]) == OGAS_OK);
      journal_finished(&j, ids[i]);
    }
    study_generation gen;
    CHECK(study_sampler_resample(orig, g * 10 + 9, -1, &gen) == OGAS_OK);
    journal_resample(&j, g * 10 + 9, -1);
  }
  CHECK(!j.failed);
  CHECK(journal_replay(j.words, j.len, copy, err, sizeof err) == OGAS_OK);
  int same = 1, bred = 0;
  for (int64_t id = 0; id < 40; id++) {
    double a[2], b[2];
    int ba, bb;
    study_sampler_get(orig, id, a, &ba);
    study_sampler_get(copy, id, b, &bb);
    same &= !memcmp(a, b, sizeof a) && ba == bb;
    bred += ba;
  }
  CHECK_MSG(same && bred > 0, "the replayed breed sampler differs (%d bred)", bred);
  CHECK(journal_replay(j.words, j.len - 1, copy, err, sizeof err) == OGAS_ECORRUPT);
  journal_free(&j);
  study_sampler_free(orig), study_sampler_free(copy);
}

static void test_ckpt_file(void) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/ckpt_file_XXXXXX", OGAS_TEST_OUT);
  CHECK(mkdtemp(dir) != NULL);
  char err[512];
  ckpt_writer w;
  CHECK(ckpt_write_open(&w, dir, "x.bin", err, sizeof err) == OGAS_OK);
  ckpt_put_i64(&w, 42);
  ckpt_put(&w, "hello", 5);
  CHECK(ckpt_write_close(&w, err, sizeof err) == OGAS_OK);
  ckpt_reader r;
  CHECK(ckpt_read_open(&r, dir, "x.bin", err, sizeof err) == OGAS_OK);
  int bad = 0;
  char s[6] = "";
  CHECK(ckpt_get_i64(&r, &bad) == 42 && !bad && !ckpt_get(&r, s, 5) && !strcmp(s, "hello"));
  CHECK(ckpt_get(&r, s, 1) == -1);
  ckpt_read_close(&r);
  char path[600];
  snprintf(path, sizeof path, "%s/x.bin", dir);
  FILE *f = fopen(path, "r+b");
  fseek(f, 10, SEEK_SET);
  fputc('Z', f);
  fclose(f);
  CHECK(ckpt_read_open(&r, dir, "x.bin", err, sizeof err) == OGAS_ECORRUPT);
  CHECK_MSG(strstr(err, "damaged"), "%s", err);
  CHECK(ckpt_read_open(&r, dir, "missing.bin", err, sizeof err) == OGAS_EIO);
  CHECK(ckpt_write_open(&w, "/nonexistent/dir", "x.bin", err, sizeof err) == OGAS_EIO);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  test_layout();
  test_config();
  test_packet();
  test_global_fifo();
  test_journal();
  test_ckpt_file();
  return check_exit("test_mpi_units");
}

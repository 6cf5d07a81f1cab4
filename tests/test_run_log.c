/* run_log: what a writer formats, the reader gives back, for both files of a
   run folder: children.csv (names sanitised, empty train_loss, every status,
   version 0.1's status digits) and generations.jsonl (every key of the
   schema on every line, unknown values null and read back unknown, a
   restart's repeated generations replacing the earlier lines); bad lines are
   refused with the file and line named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "temp_dir.h"
#include "util/run_log.h"

static void write_file(const char *dir, const char *name, const char *text, size_t len) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  CHECK(f != NULL);
  if (!f) return;
  CHECK(fwrite(text, 1, len, f) == len);
  fclose(f);
}

static void children(const char *dir) {
  const char *names[] = {"a,b", NULL, "c"};
  double p[3][3] = {{1, 2, 3}, {0.1, -4, 1e-300}, {7, 8, 9}};
  run_log_text t = {0};
  CHECK(run_log_children_header(&t, names, 3) == 0);
  CHECK(run_log_child_row(&t, 0, 0, 0, RUN_LOG_SUBMITTED, NAN, p[0], 3) == 0);
  CHECK(run_log_child_row(&t, 1, 1, 1, RUN_LOG_DONE, 0.25, p[1], 3) == 0);
  CHECK(run_log_child_row(&t, 2, 1, 0, RUN_LOG_FAILED, 3.5, p[2], 3) == 0);
  const char *start =
      "sim_id,generation,is_bred,status,train_loss,a;b,p1,c\n0,0,0,submitted,,1,2,3\n";
  CHECK_MSG(!strncmp(t.text, start, strlen(start)), "%s", t.text);
  write_file(dir, RUN_LOG_CHILDREN, t.text, t.len);
  free(t.text);

  char err[512];
  run_log_children c;
  CHECK_MSG(run_log_read_children(dir, &c, err, sizeof err) == OGAS_OK, "%s", err);
  CHECK(c.n_rows == 3 && c.nb_params == 3);
  if (c.n_rows == 3 && c.nb_params == 3) {
    CHECK(!strcmp(c.names[0], "a;b") && !strcmp(c.names[1], "p1"));
    CHECK(isnan(c.train_loss[0]) && c.train_loss[1] == 0.25);
    CHECK(c.status[0] == RUN_LOG_SUBMITTED && c.status[1] == RUN_LOG_DONE &&
          c.status[2] == RUN_LOG_FAILED);
    CHECK(c.is_bred[1] == 1 && c.generation[2] == 1);
    CHECK(memcmp(c.params, p, sizeof p) == 0); /* %.17g round-trips doubles */
  }
  run_log_children_free(&c);

  /* Version 0.1's study folders wrote the status as 0 / 1 / 2. */
  const char *old = "sim_id,generation,is_bred,status,train_loss,x\n0,0,0,1,,5\n";
  write_file(dir, RUN_LOG_CHILDREN, old, strlen(old));
  CHECK(run_log_read_children(dir, &c, err, sizeof err) == OGAS_OK);
  CHECK(c.n_rows == 1 && c.status && c.status[0] == RUN_LOG_STOPPED);
  run_log_children_free(&c);

  const char *bad_status =
      "sim_id,generation,is_bred,status,train_loss,x\n0,0,0,1,,5\n1,0,0,gone,,5\n";
  write_file(dir, RUN_LOG_CHILDREN, bad_status, strlen(bad_status));
  CHECK(run_log_read_children(dir, &c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "children.csv:3: status 'gone'"), "%s", err);
  CHECK(c.n_rows == 0 && c.params == NULL);
  const char *short_row = "sim_id,generation,is_bred,status,train_loss,x\n0,0,0\n";
  write_file(dir, RUN_LOG_CHILDREN, short_row, strlen(short_row));
  CHECK(run_log_read_children(dir, &c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, ":2: 3 fields, the header has 6"), "%s", err);
  const char *bad_numbers[] = {"0,1e300,0,done,,5\n", "0,1.5,0,done,,5\n", "0,0,2,done,,5\n",
                               "0,0,0,done,x,5\n", "0,-1,0,done,,5\n"};
  for (size_t i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++) {
    char text[256];
    snprintf(text, sizeof text, "sim_id,generation,is_bred,status,train_loss,x\n%s",
             bad_numbers[i]);
    write_file(dir, RUN_LOG_CHILDREN, text, strlen(text));
    CHECK(run_log_read_children(dir, &c, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, ":2: generation, is_bred"), "row %zu: %s", i, err);
  }
  const char *no_header = "a,b\n";
  write_file(dir, RUN_LOG_CHILDREN, no_header, strlen(no_header));
  CHECK(run_log_read_children(dir, &c, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, ":1: expected the header"), "%s", err);
}

static void generations(const char *dir) {
  run_log_text t = {0};
  run_log_generation g;
  for (int k = 1; k <= 3; k++) { /* a breeder's lines */
    run_log_generation_clear(&g);
    g.info.generation = k;
    g.info.breed_ratio = 0.1 * k;
    g.info.n_bred = 10 * k, g.info.n_non_bred = 0;
    g.info.ddpm_loss = k == 1 ? NAN : 0.5;
    g.info.trusted = k > 1;
    snprintf(g.info.not_bred_reason, sizeof g.info.not_bred_reason, "say \"why\"\n");
    CHECK(run_log_generation_line(&t, &g) == 0);
  }
  run_log_generation_clear(&g); /* a study's line, after a restart from generation 1 */
  g.info.generation = 2, g.info.n_bred = 7, g.batch = 40, g.first_id = 100, g.last_id = 199;
  CHECK(run_log_generation_line(&t, &g) == 0);
  /* Every line holds every key; the first line's unknowns are null. */
  const char *first_end = strchr(t.text, '\n');
  CHECK(first_end && strstr(t.text, "\"ddpm_loss\": null") < first_end);
  CHECK(strstr(t.text, "\"trusted\": false") < first_end);
  CHECK(strstr(t.text, "\"batch\": null") < first_end);
  CHECK(strstr(t.text, "\"not_bred_reason\": \"say 'why' \"}") < first_end);
  size_t lines = 0, keys = 0;
  for (const char *p = t.text; *p; p++) lines += *p == '\n', keys += *p == ':';
  CHECK_MSG(lines == 4 && keys == 4 * 30, "%zu lines, %zu keys", lines, keys);
  write_file(dir, RUN_LOG_GENERATIONS, t.text, t.len);
  free(t.text);

  char err[512];
  run_log_generation *r = NULL;
  size_t n = 0;
  CHECK_MSG(run_log_read_generations(dir, &r, &n, err, sizeof err) == OGAS_OK, "%s", err);
  CHECK_MSG(n == 2, "%zu generations", n);
  if (n == 2) {
    CHECK(r[0].info.generation == 1 && isnan(r[0].info.ddpm_loss) && r[0].info.trusted == 0);
    CHECK(fabs(r[0].info.breed_ratio - 0.1) < 1e-12 && r[0].info.n_bred == 10);
    CHECK(!strcmp(r[0].info.not_bred_reason, "say 'why' "));
    CHECK(r[1].info.generation == 2 && r[1].info.n_bred == 7 && r[1].info.trusted == -1);
    CHECK(r[1].info.ddpm_steps == -1 && isnan(r[1].info.breed_ratio));
    CHECK(r[1].batch == 40 && r[1].first_id == 100 && r[1].last_id == 199);
  }
  free(r);

  const char *bad = "{\"generation\": 1}\n\n{\"generation\": 2,\n";
  write_file(dir, RUN_LOG_GENERATIONS, bad, strlen(bad));
  CHECK(run_log_read_generations(dir, &r, &n, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, "generations.jsonl:3:"), "%s", err);
  CHECK(r == NULL && n == 0);
  const char *bad_gens[] = {"{\"generation\": 1e300}\n", "{\"generation\": -2}\n",
                            "{\"generation\": 1.5}\n"};
  for (size_t i = 0; i < 3; i++) {
    write_file(dir, RUN_LOG_GENERATIONS, bad_gens[i], strlen(bad_gens[i]));
    CHECK(run_log_read_generations(dir, &r, &n, err, sizeof err) == OGAS_EINVAL);
    CHECK_MSG(strstr(err, ":1: expected an object"), "%s", err);
  }
  const char *no_gen = "{\"n_bred\": 1}\n";
  write_file(dir, RUN_LOG_GENERATIONS, no_gen, strlen(no_gen));
  CHECK(run_log_read_generations(dir, &r, &n, err, sizeof err) == OGAS_EINVAL);
  CHECK_MSG(strstr(err, ":1: expected an object"), "%s", err);
}

int main(void) {
  char dir[4096];
  CHECK(temp_dir_make(dir, sizeof dir, "run_log") == 0);
  /* A folder without the files: nothing, no error. */
  run_log_children c;
  run_log_generation *g = (run_log_generation *)dir;
  size_t n = 9;
  char err[256];
  CHECK(run_log_read_children(dir, &c, err, sizeof err) == OGAS_OK && c.n_rows == 0);
  CHECK(run_log_read_generations(dir, &g, &n, err, sizeof err) == OGAS_OK && n == 0 && !g);
  children(dir);
  generations(dir);
  temp_dir_remove(dir);
  return check_exit("test_run_log");
}

/* Bad checkpoint files: empty, missing, not a regular file, truncated at
   every boundary, bit flips anywhere, wrong version, foreign files, trailing
   bytes, damaged section table, and files whose checksums hold but whose
   content is wrong (out-of-range counts, ids, NaN, missing or duplicated
   sections, an invalid or incompatible config). Each must give OGAS_ECORRUPT
   (or OGAS_EIO / OGAS_EINVAL where stated) with a message, and leave the
   running breeder exactly as it was: a checkpoint taken after the failed
   restart has the same bytes as one taken before. Random mutations finish
   the job (under ASan in CI). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "breeder/checkpoint_format.h"
#include "check.h"
#include "nn/rng.h"
#include "ogas.h"
#include "test_checkpoint_util.h"

enum { D = 3, B = 16, N_SIMS = B * 4 };

static ogas_breeder *br;
static char good_path[512], before_path[512], after_path[512], bad_path[512];
static unsigned char *good;
static size_t good_n;
static ckpt_file layout;
static int n_cases;

/* Restart from data[0..n) must fail with `want` and a message containing
   `needle` (if not NULL); the breeder must be untouched. */
static void expect_bad_file(const char *path, ogas_status want, const char *needle,
                            const char *label) {
  n_cases++;
  ogas_status st = ogas_restart_from_checkpoint(br, path);
  CHECK_MSG(st == want, "%s: got %s (%s), want %s", label, ogas_status_name(st), ogas_errmsg(br),
            ogas_status_name(want));
  CHECK_MSG(*ogas_errmsg(br) != '\0', "%s: no message", label);
  if (needle)
    CHECK_MSG(strstr(ogas_errmsg(br), needle) != NULL, "%s: message lacks '%s': %s", label, needle,
              ogas_errmsg(br));
  CHECK(ogas_checkpoint_state(br, after_path) == OGAS_OK);
  CHECK_MSG(ckt_same_file(before_path, after_path), "%s: the failed restart changed the breeder",
            label);
}

static void expect_bad(const unsigned char *data, size_t n, ogas_status want, const char *needle,
                       const char *label) {
  CHECK(ckt_write(bad_path, data, n) == 0);
  expect_bad_file(bad_path, want, needle, label);
}

/* A copy of the good file with `len` bytes at `offset` of section `tag`
   replaced, checksums recomputed so that the decoder sees the damage. */
static unsigned char *edited(const char *tag, size_t offset, const void *bytes, size_t len) {
  unsigned char *c = malloc(good_n);
  memcpy(c, good, good_n);
  const ckpt_section *s = ckpt_find(&layout, tag);
  if (s && offset + len <= s->size)
    memcpy(c + s->offset + offset, bytes, len);
  else
    CHECK_MSG(0, "edit of %s at %zu is out of range", tag, offset);
  ckpt_fix_checksums(c, good_n);
  return c;
}

static void expect_bad_edit(const char *tag, size_t offset, const void *bytes, size_t len,
                            ogas_status want, const char *needle, const char *label) {
  unsigned char *c = edited(tag, offset, bytes, len);
  expect_bad(c, good_n, want, needle, label);
  free(c);
}

static void put64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void test_files(void) {
  expect_bad((const unsigned char *)"", 0, OGAS_ECORRUPT, "empty", "empty file");
  char missing[600];
  snprintf(missing, sizeof missing, "%s/does-not-exist.ckpt", OGAS_TEST_OUT);
  expect_bad_file(missing, OGAS_EIO, "does-not-exist", "missing file");
  expect_bad_file(OGAS_TEST_OUT, OGAS_EIO, "not a regular file", "directory");
  expect_bad((const unsigned char *)"hello\n", 6, OGAS_ECORRUPT, "not an ogas checkpoint", "text");
  const char *json = "{\"nb_params\": 1, \"l_bounds\": [0], \"u_bounds\": [1], \"nb_sims\": 4}";
  expect_bad((const unsigned char *)json, strlen(json), OGAS_ECORRUPT, "not an ogas checkpoint",
             "config file");
  size_t elf_n;
  unsigned char *elf = ckt_read("/proc/self/exe", &elf_n);
  if (elf) expect_bad(elf, elf_n, OGAS_ECORRUPT, "not an ogas checkpoint", "executable");
  free(elf);
  unsigned char noise[4096];
  ogas_rng rng;
  ogas_rng_seed(&rng, 5, 0);
  for (size_t i = 0; i < sizeof noise; i++) noise[i] = (unsigned char)ogas_rng_u64(&rng);
  expect_bad(noise, sizeof noise, OGAS_ECORRUPT, NULL, "random bytes");
  memcpy(noise, CKPT_MAGIC, 8);
  expect_bad(noise, sizeof noise, OGAS_ECORRUPT, NULL, "magic then random bytes");
  expect_bad(good, 8, OGAS_ECORRUPT, "truncated", "magic only");
}

static void test_truncated(void) {
  /* Every length of the header and table, both sides of every section
     boundary, and a spread of lengths inside sections. */
  size_t table_end = CKPT_HEADER_SIZE + layout.n_sections * CKPT_ENTRY_SIZE;
  char label[64];
  for (size_t n = 1; n < good_n; n++) {
    int boundary = n <= table_end + 1;
    for (uint32_t i = 0; i < layout.n_sections; i++) {
      size_t s = (size_t)layout.sections[i].offset, e = s + (size_t)layout.sections[i].size;
      boundary |= n + 1 >= s && n <= s + 1;
      boundary |= n + 1 >= e && n <= e + 1;
    }
    if (!boundary && n % 397) continue;
    snprintf(label, sizeof label, "truncated to %zu of %zu bytes", n, good_n);
    expect_bad(good, n, OGAS_ECORRUPT, n < 8 ? NULL : (n < 32 ? "truncated" : NULL), label);
  }
  /* Trailing bytes. */
  unsigned char *longer = malloc(good_n + 3);
  memcpy(longer, good, good_n);
  memcpy(longer + good_n, "xyz", 3);
  expect_bad(longer, good_n + 3, OGAS_ECORRUPT, "after the end", "trailing bytes");
  free(longer);
}

static void test_bit_flips(void) {
  unsigned char *c = malloc(good_n);
  char label[64];
  size_t table_end = CKPT_HEADER_SIZE + layout.n_sections * CKPT_ENTRY_SIZE;
  for (size_t i = 0; i < good_n; i += i < table_end ? 1 : 61) {
    memcpy(c, good, good_n);
    c[i] ^= (unsigned char)(1u << (i % 8));
    snprintf(label, sizeof label, "bit %zu of byte %zu flipped", i % 8, i);
    expect_bad(c, good_n, OGAS_ECORRUPT, NULL, label);
  }
  /* The message says which checksum failed. */
  const ckpt_section *s = ckpt_find(&layout, CKPT_TAG_DDPM);
  memcpy(c, good, good_n);
  c[s->offset + 20] ^= 0x10;
  expect_bad(c, good_n, OGAS_ECORRUPT, "checksum of section DDPM", "DDPM weight flipped");
  free(c);
}

static void test_version_and_table(void) {
  unsigned char *c = malloc(good_n);
  memcpy(c, good, good_n);
  c[8] = CKPT_VERSION + 1;
  ckpt_fix_checksums(c, good_n);
  expect_bad(c, good_n, OGAS_ECORRUPT, "format version 3", "newer version");
  memcpy(c, good, good_n);
  c[8] = 0;
  ckpt_fix_checksums(c, good_n);
  expect_bad(c, good_n, OGAS_ECORRUPT, "version 0", "version 0");
  /* Section count 0 and absurd. */
  memcpy(c, good, good_n);
  memset(c + 12, 0, 4);
  ckpt_fix_checksums(c, good_n);
  expect_bad(c, good_n, OGAS_ECORRUPT, "section table", "no sections");
  memcpy(c, good, good_n);
  c[13] = 0x10;
  ckpt_fix_checksums(c, good_n);
  expect_bad(c, good_n, OGAS_ECORRUPT, "section table", "4096 sections");
  /* An entry pointing into the header, one past the end, one overlapping
     the end by a byte. */
  size_t e1 = CKPT_HEADER_SIZE + CKPT_ENTRY_SIZE; /* second entry */
  uint64_t offsets[] = {0, good_n + 1, good_n - 2};
  for (int k = 0; k < 3; k++) {
    memcpy(c, good, good_n);
    put64(c + e1 + 8, offsets[k]);
    ckpt_fix_checksums(c, good_n);
    expect_bad(c, good_n, OGAS_ECORRUPT, k == 2 ? NULL : "outside the file", "bad offset");
  }
  /* A section four bytes shorter than its content needs. */
  memcpy(c, good, good_n);
  put64(c + e1 + 16, layout.sections[1].size - 4);
  ckpt_fix_checksums(c, good_n);
  expect_bad(c, good_n, OGAS_ECORRUPT, NULL, "short section");
  /* Size overflow: offset + size wraps. */
  memcpy(c, good, good_n);
  put64(c + e1 + 16, UINT64_MAX - 8);
  ckpt_fix_checksums(c, good_n);
  expect_bad(c, good_n, OGAS_ECORRUPT, "outside the file", "wrapping size");
  /* A missing section (renamed) and a duplicated one. */
  for (uint32_t i = 0; i < layout.n_sections; i++) {
    char label[64];
    memcpy(c, good, good_n);
    memcpy(c + CKPT_HEADER_SIZE + i * CKPT_ENTRY_SIZE, "XXXX", 4);
    ckpt_fix_checksums(c, good_n);
    snprintf(label, sizeof label, "section %s missing", layout.sections[i].tag);
    expect_bad(c, good_n, OGAS_ECORRUPT, layout.sections[i].tag, label);
  }
  memcpy(c, good, good_n);
  memcpy(c + CKPT_HEADER_SIZE + 2 * CKPT_ENTRY_SIZE, CKPT_TAG_DDPM, 4);
  ckpt_fix_checksums(c, good_n);
  expect_bad(c, good_n, OGAS_ECORRUPT, "appears", "duplicated section");
  free(c);
}

static void test_content(void) {
  unsigned char v[8];
  double nan = NAN, inf = INFINITY;
  float fnan = NAN;
  /* META: nb_params@0 nb_sims@8 generation@16 ... n_staged@96
     reservoir_count@104 n_gens@112. */
  put64(v, (uint64_t)-1);
  expect_bad_edit(CKPT_TAG_META, 16, v, 8, OGAS_ECORRUPT, "generation", "negative generation");
  put64(v, 0);
  expect_bad_edit(CKPT_TAG_META, 96, v, 8, OGAS_ECORRUPT, "n_staged", "n_staged mismatch");
  put64(v, N_SIMS + 1);
  expect_bad_edit(CKPT_TAG_META, 96, v, 8, OGAS_ECORRUPT, "n_staged", "n_staged > nb_sims");
  put64(v, 1000000);
  expect_bad_edit(CKPT_TAG_META, 104, v, 8, OGAS_ECORRUPT, "reservoir_count", "huge reservoir");
  put64(v, 7);
  expect_bad_edit(CKPT_TAG_META, 0, v, 8, OGAS_ECORRUPT, "parameters", "nb_params differs");
  memcpy(v, &nan, 8);
  expect_bad_edit(CKPT_TAG_META, 24, v, 8, OGAS_ECORRUPT, "breed_ratio", "NaN breed ratio");
  /* TABL: table first, then is_bred. */
  memcpy(v, &inf, 8);
  expect_bad_edit(CKPT_TAG_TABLE, 8, v, 8, OGAS_ECORRUPT, "table[1]", "Inf in the table");
  v[0] = 2;
  expect_bad_edit(CKPT_TAG_TABLE, (size_t)N_SIMS * D * 8, v, 1, OGAS_ECORRUPT, "is_bred",
                  "is_bred = 2");
  /* RESV: dim@0 capacity@8 count@16 head@24 n_non_bred@32 z@40. */
  put64(v, 201);
  expect_bad_edit(CKPT_TAG_RESERVOIR, 16, v, 8, OGAS_ECORRUPT, "count", "count > capacity");
  put64(v, 999);
  expect_bad_edit(CKPT_TAG_RESERVOIR, 24, v, 8, OGAS_ECORRUPT, "head", "head out of range");
  memcpy(v, &fnan, 4);
  expect_bad_edit(CKPT_TAG_RESERVOIR, 40, v, 4, OGAS_ECORRUPT, "z[0]", "NaN in z");
  ckpt_meta meta;
  CHECK(ckpt_meta_decode(ckpt_find(&layout, CKPT_TAG_META), &meta, NULL, 0) == OGAS_OK);
  size_t cnt = (size_t)meta.reservoir_count, c_at = 40 + cnt * D * 4, id_at = c_at + cnt * 4;
  float neg = -1.0f;
  memcpy(v, &neg, 4);
  expect_bad_edit(CKPT_TAG_RESERVOIR, c_at, v, 4, OGAS_ECORRUPT, "c[0]", "negative condition");
  put64(v, N_SIMS);
  expect_bad_edit(CKPT_TAG_RESERVOIR, id_at, v, 8, OGAS_ECORRUPT, "sim_id", "unknown sim id");
  put64(v, (uint64_t)-5);
  expect_bad_edit(CKPT_TAG_RESERVOIR, id_at, v, 8, OGAS_ECORRUPT, "sim_id", "negative sim id");
  v[0] = 1;
  expect_bad_edit(CKPT_TAG_RESERVOIR, id_at + cnt * 8, v, 1, OGAS_ECORRUPT, "n_non_bred",
                  "is_bred inconsistent with n_non_bred");
  /* SIGN: score@0, n_values, touched_call, window_len, head. */
  memcpy(v, &nan, 8);
  expect_bad_edit(CKPT_TAG_SIGNAL, 0, v, 8, OGAS_ECORRUPT, "score", "NaN score");
  put64(v, (uint64_t)-1);
  expect_bad_edit(CKPT_TAG_SIGNAL, (size_t)N_SIMS * 8, v, 8, OGAS_ECORRUPT, "n_values",
                  "negative count");
  put64(v, 6);
  expect_bad_edit(CKPT_TAG_SIGNAL, (size_t)N_SIMS * 24, v, 8, OGAS_ECORRUPT, "window_len",
                  "other window length");
  put64(v, 77);
  expect_bad_edit(CKPT_TAG_SIGNAL, (size_t)N_SIMS * 24 + 8, v, 8, OGAS_ECORRUPT, "window_head",
                  "window head out of range");
  /* DDPM / RMLP / SNAP: weight counts. */
  put64(v, 12345);
  expect_bad_edit(CKPT_TAG_DDPM, 0, v, 8, OGAS_ECORRUPT, "weights", "DDPM size");
  expect_bad_edit(CKPT_TAG_RATIO, 0, v, 8, OGAS_ECORRUPT, "weights", "RatioMLP size");
  expect_bad_edit(CKPT_TAG_SNAPSHOT, 0, v, 8, OGAS_ECORRUPT, "weights", "snapshot size");
  /* GENR: gen_rng@0 (s[4], spare, flag), sampler kind@44 dim@48 seed@56
     index@64 rng@72. */
  unsigned char zero[32] = {0};
  expect_bad_edit(CKPT_TAG_GENERATOR, 0, zero, 32, OGAS_ECORRUPT, "all zero", "zero RNG state");
  v[0] = 3;
  expect_bad_edit(CKPT_TAG_GENERATOR, 40, v, 1, OGAS_ECORRUPT, "spare flag", "bad spare flag");
  put64(v, (uint64_t)1 << 40);
  expect_bad_edit(CKPT_TAG_GENERATOR, 64, v, 8, OGAS_ECORRUPT, "sampler", "sampler index too far");
  put64(v, 99);
  expect_bad_edit(CKPT_TAG_GENERATOR, 56, v, 8, OGAS_ECORRUPT, "sampler", "sampler seed differs");
  /* TELE: n_gens. */
  put64(v, (uint64_t)1 << 30);
  expect_bad_edit(CKPT_TAG_TELEMETRY, 0, v, 8, OGAS_ECORRUPT, "n_gens", "huge n_gens");
  put64(v, 0);
  expect_bad_edit(CKPT_TAG_TELEMETRY, 0, v, 8, OGAS_ECORRUPT, NULL, "n_gens too small");
  /* CONF: broken JSON, then a valid config of another shape. */
  expect_bad_edit(CKPT_TAG_CONFIG, 0, "x", 1, OGAS_ECORRUPT, "section CONF", "broken config");
  const ckpt_section *cs = ckpt_find(&layout, CKPT_TAG_CONFIG);
  const char *md = NULL;
  for (size_t i = 0; !md && i + 15 <= cs->size; i++)
    if (!memcmp(good + cs->offset + i, "\"model_dim\": 32", 15))
      md = (const char *)good + cs->offset + i;
  CHECK(md != NULL);
  if (md)
    expect_bad_edit(CKPT_TAG_CONFIG, (size_t)((const unsigned char *)md - good - cs->offset),
                    "\"model_dim\": 64", 15, OGAS_EINVAL, "model.model_dim", "other model_dim");
}

/* Random damage, with and without checksums fixed up: never a crash; a
   failure leaves the breeder untouched; a success (weights changed, CRCs
   fixed) is undone by restoring the good file. */
static void test_mutations(int rounds) {
  ogas_rng rng;
  ogas_rng_seed(&rng, 99, 0);
  unsigned char *c = malloc(good_n + 64);
  int ok = 0, failed = 0;
  for (int r = 0; r < rounds; r++) {
    memcpy(c, good, good_n);
    size_t n = good_n;
    int edits = 1 + (int)ogas_rng_below(&rng, 4);
    for (int e = 0; e < edits; e++) {
      size_t at = (size_t)ogas_rng_below(&rng, n);
      switch (ogas_rng_below(&rng, 4)) {
        case 0:
          c[at] = (unsigned char)ogas_rng_u64(&rng);
          break;
        case 1:
          c[at] ^= (unsigned char)(1u << ogas_rng_below(&rng, 8));
          break;
        case 2:
          memset(c + at, 0xff, n - at < 8 ? n - at : 8);
          break;
        default:
          n = at + 1;
          break; /* truncate */
      }
    }
    if (ogas_rng_below(&rng, 2)) ckpt_fix_checksums(c, n);
    CHECK(ckt_write(bad_path, c, n) == 0);
    ogas_status st = ogas_restart_from_checkpoint(br, bad_path);
    if (st == OGAS_OK) {
      ok++;
      CHECK(ogas_restart_from_checkpoint(br, good_path) == OGAS_OK);
    } else {
      failed++;
      CHECK_MSG(st == OGAS_ECORRUPT || st == OGAS_EINVAL, "mutation %d: %s", r,
                ogas_status_name(st));
    }
    CHECK(ogas_checkpoint_state(br, after_path) == OGAS_OK);
    CHECK_MSG(ckt_same_file(before_path, after_path), "mutation %d (%s) changed the breeder", r,
              ogas_status_name(st));
  }
  printf("mutations: %d rounds, %d refused, %d accepted (checksums fixed, values valid)\n", rounds,
         failed, ok);
  free(c);
}

int main(void) {
  int pid = (int)getpid();
  snprintf(good_path, sizeof good_path, "%s/ckpt_corrupt_good_%d.ckpt", OGAS_TEST_OUT, pid);
  snprintf(before_path, sizeof before_path, "%s/ckpt_corrupt_before_%d.ckpt", OGAS_TEST_OUT, pid);
  snprintf(after_path, sizeof after_path, "%s/ckpt_corrupt_after_%d.ckpt", OGAS_TEST_OUT, pid);
  snprintf(bad_path, sizeof bad_path, "%s/ckpt_corrupt_bad_%d.ckpt", OGAS_TEST_OUT, pid);
  br = ckt_make(D, N_SIMS, 0, "", "");
  CHECK(br != NULL);
  if (!br) return check_exit("test_checkpoint_corrupt");
  /* Two generations done, the third staged: every section has content. */
  ckt_generation(br, 1, B);
  ckt_generation(br, 2, B);
  ckt_phase(br, 3, B, 1);
  ckt_phase(br, 3, B, 2);
  CHECK(ogas_checkpoint_state(br, good_path) == OGAS_OK);
  CHECK(ogas_checkpoint_state(br, before_path) == OGAS_OK);
  CHECK(ckt_same_file(good_path, before_path));
  good = ckt_read(good_path, &good_n);
  char err[256];
  CHECK(good && ckpt_parse(good, good_n, 0, &layout, err, sizeof err) == OGAS_OK);
  /* The good file restores (into the same breeder: a no-op). */
  CHECK(ogas_restart_from_checkpoint(br, good_path) == OGAS_OK);
  test_files();
  test_truncated();
  test_bit_flips();
  test_version_and_table();
  test_content();
  const char *rounds = getenv("OGAS_MUTATION_ROUNDS");
  test_mutations(rounds ? atoi(rounds) : 800);
  printf("%d bad files refused\n", n_cases);
  ogas_breeder_free(br);
  free(good);
  remove(good_path), remove(before_path), remove(after_path), remove(bad_path);
  return check_exit("test_checkpoint_corrupt");
}

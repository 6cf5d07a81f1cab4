/* checkpoint_format — the on-disk layout of a checkpoint file
 * (docs/checkpoint.md), shared by checkpoint.c, `ogas inspect` and the tests.
 *
 * A file is a 32-byte header, a table of sections (32 bytes each) and the
 * sections, every number little-endian:
 *
 *   header  0  magic "OGASCKPT"         8  u32 format version (2)
 *          12  u32 number of sections  16  u64 file size in bytes
 *          24  u32 CRC-32 of the table  28  u32 CRC-32 of header bytes 0..27
 *   entry   0  tag (4 ASCII bytes)       4  u32 flags (0)
 *           8  u64 offset               16  u64 size
 *          24  u32 CRC-32 of the section 28  u32 reserved (0)
 *
 * ckpt_parse checks all of that (magic, version, sizes, every CRC) without
 * interpreting the sections (checkpoint_format.c); checkpoint.c decodes them
 * with the primitives of checkpoint_codec.h. */
#ifndef OGAS_BREEDER_CHECKPOINT_FORMAT_H
#define OGAS_BREEDER_CHECKPOINT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define CKPT_MAGIC "OGASCKPT"
#define CKPT_VERSION 2u
#define CKPT_HEADER_SIZE 32u
#define CKPT_ENTRY_SIZE 32u
#define CKPT_MAX_SECTIONS 64u

/* Section tags of format version 2, in the order they are written. */
#define CKPT_TAG_CONFIG "CONF"    /* canonical config JSON (no NUL) */
#define CKPT_TAG_META "META"      /* breeder-level scalars and counters */
#define CKPT_TAG_TABLE "TABL"     /* parameter table, is_bred, row generation */
#define CKPT_TAG_STAGED "STAG"    /* staged children */
#define CKPT_TAG_SIGNAL "SIGN"    /* scores, value counts, normalisation window */
#define CKPT_TAG_RESERVOIR "RESV" /* reservoir ring */
#define CKPT_TAG_TRAINER "TRNR"   /* budget, step counters, losses, trainer RNG */
#define CKPT_TAG_DDPM "DDPM"      /* weights, AdamW moments, EMA */
#define CKPT_TAG_RATIO "RMLP"     /* RatioMLP weights and AdamW moments */
#define CKPT_TAG_SNAPSHOT "SNAP"  /* published EMA snapshot */
#define CKPT_TAG_GENERATOR "GENR" /* generation RNG and space-filling sampler state */
#define CKPT_TAG_TELEMETRY "TELE" /* per-generation records */
#define CKPT_TAG_TRUST "TRST"     /* scored entries of the check before breeding */

typedef struct {
  char tag[5]; /* NUL-terminated copy */
  uint32_t flags;
  uint64_t offset, size;
  uint32_t crc_stored, crc_actual;
  int in_bounds;       /* offset + size lie inside the file */
  const uint8_t *data; /* into the parsed buffer, NULL when out of bounds */
} ckpt_section;

typedef struct {
  uint32_t version;
  uint32_t n_sections;
  uint64_t file_size; /* as the header says */
  size_t actual_size; /* bytes given to ckpt_parse */
  int header_crc_ok, table_crc_ok;
  ckpt_section sections[CKPT_MAX_SECTIONS];
} ckpt_file;

/* Check buf[0..n) as a checkpoint: OGAS_OK, or OGAS_ECORRUPT with a message
   naming the first fault (empty, truncated, foreign, wrong version, a CRC
   that does not hold). With `lenient`, goes on after CRC and bounds faults
   so that `ogas inspect` can report every section; the status is still that
   of the first fault. *f is filled as far as the file could be read. */
int ckpt_parse(const uint8_t *buf, size_t n, int lenient, ckpt_file *f, char *err, size_t errlen);

/* The section with this tag, or NULL. */
const ckpt_section *ckpt_find(const ckpt_file *f, const char *tag);

/* Read a whole regular file into a malloc'd buffer (*buf NULL for an empty
   file). OGAS_EIO (missing, unreadable, not a regular file), OGAS_ENOMEM. */
int ckpt_read_file(const char *path, uint8_t **buf, size_t *n, char *err, size_t errlen);

/* Recompute every CRC of a file whose header and table are in bounds
   (for tests and fuzzing: makes a damaged file that reaches the decoder). */
void ckpt_fix_checksums(uint8_t *buf, size_t n);

/* The META section, decoded (what `ogas inspect` prints). */
typedef struct {
  uint64_t nb_params;
  int64_t nb_sims, generation;
  double breed_ratio;
  int64_t highest_known_id, record_calls, values_accepted;
  int64_t rejected_nonfinite, rejected_negative, rejected_unknown_id;
  int64_t last_gen_ddpm_steps;
  double last_gen_cpu_s;
  int64_t n_staged, reservoir_count, n_gens, ddpm_steps, ratio_steps;
} ckpt_meta;

/* OGAS_OK or OGAS_ECORRUPT (wrong size or a value out of range, with a
   message in err). */
int ckpt_meta_decode(const ckpt_section *s, ckpt_meta *m, char *err, size_t errlen);

#endif

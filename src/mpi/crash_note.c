#include "mpi/crash_note.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char prefix[160];
static char base[1024];
static _Atomic int64_t note_round = -1, note_batches = -1, note_total = 0;
static _Atomic int64_t note_ckpt_round = -1, note_ckpt_gens = 0;
static volatile sig_atomic_t installed, knows_checkpoints;

static size_t put_str(char *buf, size_t at, size_t cap, const char *s) {
  while (*s && at + 1 < cap) buf[at++] = *s++;
  return at;
}

static size_t put_int(char *buf, size_t at, size_t cap, int64_t v) {
  char d[24];
  int n = 0, neg = v < 0;
  uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do d[n++] = (char)('0' + u % 10), u /= 10;
  while (u && n < 23);
  if (neg && at + 1 < cap) buf[at++] = '-';
  while (n && at + 1 < cap) buf[at++] = d[--n];
  return at;
}

static void on_term(int sig) {
  char msg[1600];
  size_t at = 0, cap = sizeof msg;
  at = put_str(msg, at, cap, prefix);
  at = put_str(msg, at, cap,
               ": stopped by the MPI launcher (another rank ended or the job was cancelled)");
  int64_t r = atomic_load(&note_round), b = atomic_load(&note_batches);
  if (r >= 0) at = put_str(msg, at, cap, " at round "), at = put_int(msg, at, cap, r);
  if (b >= 0) {
    at = put_str(msg, at, cap, r >= 0 ? ", batch " : " at batch ");
    at = put_int(msg, at, cap, b);
    at = put_str(msg, at, cap, "/");
    at = put_int(msg, at, cap, atomic_load(&note_total));
  }
  if (base[0]) {
    int64_t c = atomic_load(&note_ckpt_round);
    if (c >= 0) {
      at = put_str(msg, at, cap, "; last checkpoint: round ");
      at = put_int(msg, at, cap, c);
      int64_t g = atomic_load(&note_ckpt_gens);
      if (g >= 0) {
        at = put_str(msg, at, cap, " (generation ");
        at = put_int(msg, at, cap, g);
        at = put_str(msg, at, cap, ")");
      }
      at = put_str(msg, at, cap, " in ");
      at = put_str(msg, at, cap, base);
      at = put_str(msg, at, cap, ": rerun with --resume");
    } else if (knows_checkpoints) {
      at = put_str(msg, at, cap, "; no checkpoint written yet in ");
      at = put_str(msg, at, cap, base);
    } else {
      at = put_str(msg, at, cap, "; checkpoints go to ");
      at = put_str(msg, at, cap, base);
      at = put_str(msg, at, cap, " (rank 0 says which is the last)");
    }
  }
  if (at > cap - 2) at = cap - 2;
  msg[at++] = '\n';
  ssize_t w = write(STDERR_FILENO, msg, at);
  (void)w;
  signal(sig, SIG_DFL);
  raise(sig);
}

void crash_note_install(int rank, const char *roles) {
  snprintf(prefix, sizeof prefix, "ogas: rank %d (%s)", rank, roles);
  if (installed) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  installed = 1;
}

void crash_note_set_checkpoints(const char *dir, int knows) {
  snprintf(base, sizeof base, "%s", dir ? dir : "");
  knows_checkpoints = knows;
  atomic_store(&note_ckpt_round, -1);
}

void crash_note_progress(int64_t round, int64_t batches, int64_t total) {
  atomic_store(&note_round, round);
  atomic_store(&note_batches, batches);
  atomic_store(&note_total, total);
}

void crash_note_checkpoint(int64_t round, int64_t generations) {
  atomic_store(&note_ckpt_gens, generations);
  atomic_store(&note_ckpt_round, round);
}

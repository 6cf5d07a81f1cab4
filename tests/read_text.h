/* The whole of a file as a NUL-terminated string (malloc'd), or NULL. */
#ifndef OGAS_TEST_READ_TEXT_H
#define OGAS_TEST_READ_TEXT_H

#include <stdio.h>
#include <stdlib.h>

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (s) s[n] = '\0';
  fclose(f);
  return s;
}

#endif

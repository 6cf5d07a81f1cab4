/* relaxed_json — one pass with a small state machine (code, string, escape,
   line comment, block comment); a comma is held as "pending" until the next
   significant character shows whether it was trailing. */
#include "util/relaxed_json.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int relaxed_json_strip(const char *text, char **out, int *line, int *col) {
  size_t n = strlen(text);
  char *o = malloc(n + 1);
  if (!o) return -1;
  enum { CODE, STRING, STRING_ESCAPE, LINE_COMMENT, BLOCK_COMMENT } state = CODE;
  size_t w = 0;
  size_t pending_comma = SIZE_MAX; /* output index of a comma that may be trailing */
  char last_significant = 0;       /* before the pending comma */
  int cur_line = 1, cur_col = 0, comment_line = 0, comment_col = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)text[i];
    bool continuation = (ch & 0xC0) == 0x80;
    if (ch == '\n')
      cur_line++, cur_col = 0;
    else if (!continuation)
      cur_col++;
    switch (state) {
      case STRING:
        if (ch == '\\')
          state = STRING_ESCAPE;
        else if (ch == '"')
          state = CODE;
        o[w++] = (char)ch;
        break;
      case STRING_ESCAPE:
        state = STRING;
        o[w++] = (char)ch;
        break;
      case LINE_COMMENT:
        if (ch == '\n')
          state = CODE, o[w++] = '\n';
        else if (!continuation)
          o[w++] = ' ';
        break;
      case BLOCK_COMMENT:
        if (ch == '*' && text[i + 1] == '/') {
          o[w++] = ' ', o[w++] = ' ';
          i++, cur_col++;
          state = CODE;
        } else if (ch == '\n') {
          o[w++] = '\n';
        } else if (!continuation) {
          o[w++] = ' ';
        }
        break;
      case CODE:
        if (ch == '/' && (text[i + 1] == '/' || text[i + 1] == '*')) {
          state = text[i + 1] == '/' ? LINE_COMMENT : BLOCK_COMMENT;
          comment_line = cur_line, comment_col = cur_col;
          o[w++] = ' ', o[w++] = ' ';
          i++, cur_col++;
          break;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
          o[w++] = (char)ch;
          break;
        }
        if ((ch == '}' || ch == ']') && pending_comma != SIZE_MAX) o[pending_comma] = ' ';
        pending_comma = SIZE_MAX;
        /* Only a comma after a value can be trailing: "[,]" stays an error. */
        if (ch == ',' && last_significant && !strchr("[{,:", last_significant)) pending_comma = w;
        if (ch == '"') state = STRING;
        last_significant = (char)ch;
        o[w++] = (char)ch;
        break;
    }
  }
  o[w] = '\0';
  if (state == BLOCK_COMMENT) {
    free(o);
    *line = comment_line, *col = comment_col;
    return 1;
  }
  *out = o;
  return 0;
}

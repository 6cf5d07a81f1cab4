/* relaxed_json — turn JSON with // and block comments and trailing commas
   (as Melissa study files are written) into strict JSON for jansson.
 *
 * Contract
 *  - Comments become spaces and newlines are kept, so a strict parser's line
 *    and column still point into the original text.
 *  - A comma followed only by whitespace or comments and then } or ] is
 *    dropped; a comma after '[', '{', ',' or ':' is left for the parser to
 *    reject ("[,]" stays an error).
 *  - Strings are copied untouched ("//" inside a string is no comment).
 *  - No global state. */
#ifndef OGAS_UTIL_RELAXED_JSON_H
#define OGAS_UTIL_RELAXED_JSON_H

/* *out = malloc'd strict text (caller frees). Returns 0, -1 (out of memory)
   or 1 (unterminated block comment starting at *line, *col; 1-based line,
   column counted in characters). */
int relaxed_json_strip(const char *text, char **out, int *line, int *col);

#endif

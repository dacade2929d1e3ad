/* textutil.h: strict number parsing, id slugs and "did you mean"
** suggestions. Pure: libc only, no allocation, no globals.
*/
#ifndef WIR_TEXTUTIL_H
#define WIR_TEXTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse a canonical decimal integer: optional '-', digits, nothing else (no
** spaces, no '+', no leading zeros except "0"). 0 ok, -1 malformed, -2 out
** of [lo, hi]. */
int text_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out);
/* Parse a finite decimal number ("12", "0.5", "1e3"); whole string consumed.
** 0 ok, -1 malformed, -2 out of [lo, hi]. */
int text_parse_double(const char *s, double lo, double hi, double *out);
/* "true"/"false"/"1"/"0" -> 0 ok, -1 malformed. */
int text_parse_bool(const char *s, bool *out);

#define SLUG_MAX 64
/* Fold to lowercase into out (cap bytes incl. NUL) and check [a-z0-9._-],
** length 1..SLUG_MAX, not "." or "..". true when valid. */
bool slug_fold(const char *in, char *out, size_t cap);

/* Edit-distance based suggestions: writes up to max indexes of candidates
** closest to query (Damerau-Levenshtein on lowercase, plus substring/prefix
** bonus), best first, only those reasonably close. Returns the count. */
size_t text_suggest(const char *query, const char *const *candidates, size_t n, size_t *out_idx,
                    size_t max);

/* One item of a comma-separated list ("a, b,c"): skips spaces at *cursor,
** returns the item's start and sets *len to its length without trailing
** spaces (0 for an empty item), and moves *cursor past the item and its comma.
** Returns NULL once the list is exhausted; "a," yields "a" then one empty
** item. Start with *cursor = the list (a NUL-terminated string). */
const char *text_list_next(const char **cursor, size_t *len);

/* Whether the space-separated list (e.g. a catalog row's gguf_quants:
** "Q4_K_M Q8_0") holds the word w exactly; false for a NULL list or empty w. */
bool text_has_word(const char *list, const char *w);

/* Write v with thousands separators ("16777216" -> "16,777,216") into out
** (cap bytes incl. NUL); truncated at cap, always NUL-terminated when cap > 0. */
void text_thousands(uint64_t v, char *out, size_t cap);

#endif

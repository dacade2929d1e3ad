/* json_util.h: small jansson helpers for the HTTP layer: strict request-body
** loading, UTF-8-safe strings from untrusted bytes, unknown-field checks and
** the list-page envelope. No MHD, no I/O.
*/
#ifndef WIR_JSON_UTIL_H
#define WIR_JSON_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "problem.h"

/* Parse a request body strictly: json_loadb with JSON_REJECT_DUPLICATES, the
** top level must be an object. buf need not be NUL-terminated.
** Returns a new reference, or NULL after setting *pb to BAD_JSON (400) with a
** detail naming the line, column, byte position and jansson's reason (or
** "empty body" / "must be a JSON object, got an array"). */
json_t *json_body_load(const char *buf, size_t len, struct problem *pb);

/* Copy s[0..len) as valid UTF-8 into out (cap bytes incl. NUL): every byte
** that does not start a well-formed sequence, and every ASCII control byte but
** tab and newline, becomes '?'. A sequence that does not fit is dropped.
** Returns the length written. */
size_t json_utf8_clean(const char *s, size_t len, char *out, size_t cap);

/* A JSON string from untrusted bytes (a pasted log line, a path): like
** json_stringn, but invalid UTF-8 is replaced instead of failing, and at most
** max_len input bytes are used. New reference; NULL only on allocation failure. */
json_t *json_string_lossy(const char *s, size_t len, size_t max_len);

/* Check obj (borrowed) has no member outside allowed (NULL-terminated). Each
** unknown member becomes an invalid_params entry "is not a known field" with a
** "did you mean" hint when one allowed name is close. Returns 0 when all are
** known, -1 otherwise. */
int json_check_fields(const json_t *obj, const char *const *allowed, struct problem *pb);

/* The list envelope {"items": items, "total": total, "next_cursor": "<n>" |
** null}, where next_cursor is offset + limit as a decimal string when more
** items follow. Steals items (also on failure). New reference or NULL. */
json_t *json_page_new(json_t *items, size_t total, size_t offset, size_t limit);

/* Compact JSON text of doc (borrowed; an object or array) from jansson's
** json_dumpb(JSON_COMPACT | JSON_REAL_PRECISION(15)), in a malloc'd buffer
** the caller frees with free(). Returns NULL (nothing to free) when jansson
** cannot encode it (e.g. a non-finite real) or on allocation failure; *len
** receives the length when len is not NULL (the buffer is also
** NUL-terminated). */
char *json_serialize(const json_t *doc, size_t *len);

#endif

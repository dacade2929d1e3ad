/* query.h: checked access to a request's query arguments (struct query_list
** from request.h): building the bounded list, unknown/repeated keys, paging
** (limit + cursor) and plain-text filters. No MHD, no allocation.
*/
#ifndef WIR_QUERY_H
#define WIR_QUERY_H

#include <stdbool.h>
#include <stddef.h>

#include "problem.h"
#include "request.h"

#define QUERY_LIMIT_DEFAULT 50
#define QUERY_LIMIT_MAX 500
/* Largest offset a cursor may carry (the catalog is far smaller). */
#define QUERY_CURSOR_MAX 1000000000
/* Longest value accepted for a text filter (q, vendor, family, ...). */
#define QUERY_TEXT_MAX 128

/* Append key=value (borrowed; value NULL for a key without '='). Past
** QUERY_MAX_ARGS the argument is dropped and q->truncated set. */
void query_list_add(struct query_list *q, const char *key, const char *value);

/* First value of key: NULL when absent or given without '=' (use query_has
** to tell those apart). */
const char *query_value(const struct query_list *q, const char *key);
bool query_has(const struct query_list *q, const char *key);

/* Every key must be in allowed (NULL-terminated), appear once and carry a
** value. Each offender becomes an invalid_params entry naming the key ("is
** not a known parameter; did you mean ...", "is given twice", "needs a
** value"). A truncated list is reported too. Returns 0 or -1. q may be NULL. */
int query_check_keys(const struct query_list *q, const char *const *allowed, struct problem *pb);

/* Paging from "limit" (1..QUERY_LIMIT_MAX, default QUERY_LIMIT_DEFAULT) and
** "cursor" (the opaque next_cursor of a previous page: a decimal offset,
** canonical form, 0..QUERY_CURSOR_MAX). Returns 0, or -1 after adding an
** invalid_params entry naming the field. */
struct query_paging {
    size_t offset;
    size_t limit;
};
int query_paging(const struct query_list *q, struct query_paging *out, struct problem *pb);

/* A text filter value: NULL when absent; otherwise it must be 1..QUERY_TEXT_MAX
** bytes of printable text, else an invalid_params entry is added and *ok set
** false. */
const char *query_text(const struct query_list *q, const char *key, bool *ok, struct problem *pb);

/* ASCII case-insensitive: does hay contain needle? NULL hay = false. */
bool query_text_contains(const char *hay, const char *needle);

#endif

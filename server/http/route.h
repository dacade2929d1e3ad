/* route.h: the route table (one row per method + path) and the matcher that
** maps a request line to a row, a 404 or a 405 with its Allow list. Knows no
** endpoint's fields and never touches MHD.
*/
#ifndef WIR_ROUTE_H
#define WIR_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request.h"

/* Bodies larger than this are refused with 413 (bytes). */
#define ROUTE_BODY_CHECK (64u * 1024u)
#define ROUTE_BODY_MATCH (256u * 1024u)
/* Room for the longest Allow value ("GET, HEAD, POST, OPTIONS"). */
#define ROUTE_ALLOW_MAX 48

struct route {
    enum http_method method; /* HTTP_GET (also answers HEAD) or HTTP_POST */
    const char *path;        /* exact path, or a prefix ending in "/{id}" */
    handler_fn handler;
    uint64_t body_max; /* POST: largest body accepted, bytes; GET: 0 */
};

enum route_status {
    ROUTE_FOUND = 0,          /* out->route is the row to run (HTTP_OPTIONS: any row of the path) */
    ROUTE_NOT_FOUND,          /* no row has this path: 404 */
    ROUTE_METHOD_NOT_ALLOWED, /* the path exists, not with this method: 405 + out->allow */
};

struct route_match {
    const struct route *route;   /* matched row, or NULL */
    size_t index;                /* its index in route_table() */
    const char *id;              /* the {id} segment inside the path passed in, or NULL */
    char allow[ROUTE_ALLOW_MAX]; /* methods of the path ("GET, HEAD, OPTIONS"); "" on 404 */
};

/* The table; *n receives the row count. Static data, never NULL. */
const struct route *route_table(size_t *n);

/* "GET" -> HTTP_GET etc. (exact, case-sensitive as HTTP requires); anything
** else HTTP_OTHER. */
enum http_method route_method_parse(const char *method);

/* Match method + path (decoded, without the query). A path equal to a row's
** exact path belongs to that resource only (so GET /errors/match is a 405,
** not a lookup of the id "match"); otherwise "{id}" rows match any non-empty
** rest after their prefix, slashes included (the caller validates the id).
** HEAD matches GET rows; OPTIONS matches any row of an existing path.
** Fills *out (allow is filled whenever the path exists). */
enum route_status route_match(enum http_method method, const char *path, struct route_match *out);

#endif

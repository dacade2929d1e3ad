/* response.h: turning a struct response (request.h) into bytes on the wire.
** response.c is the only code that creates, queues and destroys MHD
** responses; handlers use response_json / response_problem from request.h.
*/
#ifndef WIR_RESPONSE_H
#define WIR_RESPONSE_H

#include <stdbool.h>
#include <stdint.h>

#include "request.h"

struct MHD_Connection;

#define RESPONSE_TYPE_JSON "application/json"
#define RESPONSE_TYPE_PROBLEM "application/problem+json"

/* What the sender needs besides the response itself. All borrowed. */
struct response_meta {
    const char *request_id;  /* sent as X-Request-Id; added as "request_id" to problem bodies */
    const char *instance;    /* request path: problem "instance" when the problem has none */
    const char *cors_policy; /* --cors-origin: "*" or a comma-separated list of origins */
    const char *origin;      /* the request's Origin header, or NULL */
    bool preflight;          /* CORS preflight: add Allow-Methods/-Headers/Max-Age */
    bool close;              /* add "Connection: close" (the server is stopping) */
};

/* Send r on connection c: dump the JSON body once (a dump failure sends a
** 500 problem instead, never a partial body), create the MHD response, add
** Content-Type, X-Request-Id, Allow and CORS headers, queue it, destroy it.
** Takes ownership of r->body and of an owned r->text, on every path, and
** leaves *r empty. *bytes (may be NULL) receives the body length and
** *status (may be NULL) the status actually queued.
** Returns 1 when queued, 0 when MHD refused (the caller returns MHD_NO). */
int response_send(struct MHD_Connection *c, struct response *r, const struct response_meta *m,
                  uint64_t *bytes, unsigned *status);

/* Release what r owns (JSON body, owned text) without sending; NULL-safe. */
void response_release(struct response *r);

/* The Access-Control-Allow-Origin value for a request with Origin header
** origin (may be NULL) under policy: "*" for "*"; the origin itself when it
** is in the list (ASCII case-insensitive); NULL otherwise. *vary is set when
** the answer depends on Origin (any list policy), so "Vary: Origin" must be
** sent. The result is policy or origin (borrowed). */
const char *response_cors_origin(const char *policy, const char *origin, bool *vary);

#endif

/* request.h: the plain request view a handler receives and the response it
** fills. Handlers never see MHD; daemon.c builds a struct request from the
** MHD connection and sends the struct response (response.c is the only code
** that queues MHD responses).
*/
#ifndef WIR_REQUEST_H
#define WIR_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../store/catalog.h"
#include "problem.h"

enum http_method { HTTP_GET = 0, HTTP_HEAD, HTTP_POST, HTTP_OPTIONS, HTTP_OTHER };

#define QUERY_MAX_ARGS 32

/* Query arguments, percent-decoded, in arrival order. Borrowed from MHD for
** the life of the request. A key without '=' has value NULL. */
struct query_arg {
    const char *key;
    const char *value;
};
struct query_list {
    size_t count;
    struct query_arg args[QUERY_MAX_ARGS];
    bool truncated;            /* more than QUERY_MAX_ARGS arrived */
};

struct request {
    enum http_method method;
    const char *path;          /* decoded URL path, e.g. "/hardware/nvidia-rtx-4090" */
    const char *path_id;       /* the {id} segment of the route, or NULL */
    const struct query_list *query;
    const json_t *body;        /* borrowed: parsed JSON body (POST), or NULL */
    const char *raw_body;      /* borrowed: the body bytes body was parsed from, or NULL */
    size_t raw_body_len;
    const struct catalog *catalog;  /* borrowed, read-only */
    const char *db_path;       /* for /readyz */
    const char *request_id;
};

struct response {
    unsigned status;
    json_t *body;              /* owned until sent; NULL for a text body */
    const char *content_type;  /* NULL = application/json */
    const char *text;          /* static, owned or copied text (text_owned, text_copy) */
    size_t text_len;
    bool text_owned;           /* free(text) after sending */
    bool text_copy;            /* text is borrowed until queued: sent as a copy */
    const char *allow;         /* Allow header for 405, or NULL */
};

/* A handler fills *out and returns out->status. It never fails to produce a
** response: internal failures become a 500 problem. */
typedef unsigned (*handler_fn)(const struct request *rq, struct response *out);

/* Set out to a JSON success body (steals body; 500 problem if body is NULL). */
unsigned response_json(struct response *out, unsigned status, json_t *body);
/* Set out to the problem document pb (application/problem+json). */
unsigned response_problem(struct response *out, const struct problem *pb);

#endif

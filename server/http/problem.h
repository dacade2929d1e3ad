/* problem.h: RFC 9457 problem documents. One X-macro table of API error
** kinds; struct problem is fixed-size so building an error cannot fail.
*/
#ifndef WIR_PROBLEM_H
#define WIR_PROBLEM_H

#include <jansson.h>
#include <stddef.h>

#define FOR_EACH_API_ERROR(X)                                                                    \
    X(BAD_JSON, 400, "bad-json", "The body is not valid JSON")                                  \
    X(INVALID_PARAMS, 400, "invalid-params", "Some fields are invalid")                         \
    X(NOT_FOUND, 404, "not-found", "No such resource")                                          \
    X(UNKNOWN_ID, 404, "unknown-id", "No catalog entry with that id")                           \
    X(METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Method not allowed here")                 \
    X(BODY_TOO_LARGE, 413, "body-too-large", "The body is too large")                           \
    X(URI_TOO_LONG, 414, "uri-too-long", "The URL is too long")                                 \
    X(UNSUPPORTED_MEDIA, 415, "unsupported-media-type", "Send application/json")                \
    X(UNPROCESSABLE, 422, "unprocessable", "The request cannot be sized as given")              \
    X(INTERNAL, 500, "internal", "Internal error")                                              \
    X(UNAVAILABLE, 503, "unavailable", "Service not ready")

enum api_error {
#define X(name, status, slug, title) API_ERR_##name,
    FOR_EACH_API_ERROR(X)
#undef X
        API_ERR_COUNT
};

#define PROBLEM_MAX_PARAMS 16
#define PROBLEM_MAX_SUGGESTIONS 5

struct problem_param {
    char name[64];
    char reason[256];
};

struct problem {
    enum api_error kind;
    char detail[512];
    size_t n_params;
    struct problem_param params[PROBLEM_MAX_PARAMS];
    size_t n_suggestions;
    char suggestions[PROBLEM_MAX_SUGGESTIONS][96];
    const char *instance;      /* request path, or NULL */
};

void problem_init(struct problem *pb);
/* Set kind and a printf-style detail. Returns pb. */
struct problem *problem_set(struct problem *pb, enum api_error kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Add an invalid_params entry (name, printf-style reason); extra ones past the
** cap are dropped. Sets kind to INVALID_PARAMS if it was not set to an error
** yet. */
void problem_add_param(struct problem *pb, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void problem_add_suggestion(struct problem *pb, const char *id);
unsigned problem_status(enum api_error kind);
const char *problem_type_slug(enum api_error kind);
const char *problem_title(enum api_error kind);
/* Render as a new JSON object (new reference), or NULL on allocation failure. */
json_t *problem_to_json(const struct problem *pb);

#endif

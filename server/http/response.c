/* response.c: response_json / response_problem for handlers, and the one
** place that builds and queues MHD responses (headers, CORS, body memory).
** Knows no endpoint's logic.
*/
#include "response.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/log.h"
#include "../core/textutil.h"
#include "json_util.h"

/* Sent when even the problem document cannot be built (allocation failure). */
static const char response_internal_text[] =
    "{\"type\":\"https://willitrun.dev/problems/internal\",\"title\":\"Internal error\","
    "\"status\":500,\"detail\":\"The server could not build its response.\","
    "\"invalid_params\":[]}";

/* Seconds a browser may cache a preflight answer. */
#define RESPONSE_PREFLIGHT_MAX_AGE "86400"
#define RESPONSE_PREFLIGHT_HEADERS "Content-Type, Accept, X-Request-Id"

void response_release(struct response *r)
{
    if (NULL == r)
        return;
    json_decref(r->body);
    r->body = NULL;
    if (r->text_owned)
        free((void *)r->text);
    r->text = NULL;
    r->text_len = 0;
    r->text_owned = false;
    r->text_copy = false;
}

unsigned response_json(struct response *out, unsigned status, json_t *body)
{
    response_release(out);
    if (NULL == body) {
        struct problem pb;
        problem_init(&pb);
        problem_set(&pb, API_ERR_INTERNAL, "The server could not build its response.");
        return response_problem(out, &pb);
    }
    out->status = status;
    out->body = body;
    out->content_type = RESPONSE_TYPE_JSON;
    return status;
}

unsigned response_problem(struct response *out, const struct problem *pb)
{
    response_release(out);
    out->content_type = RESPONSE_TYPE_PROBLEM;
    out->body = problem_to_json(pb);
    if (NULL == out->body) {
        out->status = 500;
        out->text = response_internal_text;
        out->text_len = sizeof response_internal_text - 1;
        out->text_owned = false;
        return out->status;
    }
    out->status = problem_status(pb->kind);
    return out->status;
}

const char *response_cors_origin(const char *policy, const char *origin, bool *vary)
{
    *vary = false;
    if (NULL == policy || 0 == strcmp(policy, "*"))
        return "*";
    *vary = true;
    if (NULL == origin || '\0' == *origin)
        return NULL;
    size_t olen = strlen(origin);
    const char *cursor = policy, *p;
    size_t len;
    while (NULL != (p = text_list_next(&cursor, &len))) {
        if (len == olen && 0 == strncasecmp(p, origin, len))
            return origin;
    }
    return NULL;
}

static bool response_is_problem(const struct response *r)
{
    return NULL != r->content_type && 0 == strcmp(r->content_type, RESPONSE_TYPE_PROBLEM);
}

/* Add request_id (and instance when missing) to a problem body. Failures
** leave the document whole, only without the extra member. */
static void response_enrich_problem(json_t *body, const struct response_meta *m)
{
    if (!json_is_object(body))
        return;
    if (NULL != m->instance && NULL == json_object_get(body, "instance"))
        json_object_set_new(body, "instance",
                            json_string_lossy(m->instance, strlen(m->instance), 512));
    if (NULL != m->request_id)
        json_object_set_new(body, "request_id", json_string(m->request_id));
}

/* Add one header; a failure is logged (the response still goes out). */
static void response_header(struct MHD_Response *resp, const char *name, const char *value)
{
    if (MHD_YES != MHD_add_response_header(resp, name, value))
        log_msg(LOG_WARN, "http", "could not add header %s", name);
}

int response_send(struct MHD_Connection *c, struct response *r, const struct response_meta *m,
                  uint64_t *bytes, unsigned *status_out)
{
    unsigned status = 0 != r->status ? r->status : 500;
    const char *content_type = NULL != r->content_type ? r->content_type : RESPONSE_TYPE_JSON;
    struct MHD_Response *resp = NULL;
    size_t len = 0;
    char fallback[512];

    if (NULL != r->body) {
        if (response_is_problem(r))
            response_enrich_problem(r->body, m);
        char *text = json_serialize(r->body, &len);
        json_decref(r->body);
        r->body = NULL;
        if (NULL != text) {
            resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
            if (NULL == resp)
                free(text);
        } else {
            log_msg(LOG_WARN, "http", "dumping the JSON body failed; sending 500 (id=%s)",
                    NULL != m->request_id ? m->request_id : "-");
            int n = snprintf(fallback, sizeof fallback,
                             "{\"type\":\"https://willitrun.dev/problems/internal\","
                             "\"title\":\"Internal error\",\"status\":500,"
                             "\"detail\":\"The server could not encode its response.\","
                             "\"invalid_params\":[],\"request_id\":\"%s\"}",
                             NULL != m->request_id ? m->request_id : "");
            len = (n > 0 && (size_t)n < sizeof fallback) ? (size_t)n : 0;
            status = 500;
            content_type = RESPONSE_TYPE_PROBLEM;
            resp = MHD_create_response_from_buffer(len, fallback, MHD_RESPMEM_MUST_COPY);
        }
    } else if (NULL != r->text) {
        len = r->text_len;
        if (r->text_owned) {
            resp = MHD_create_response_from_buffer(len, (void *)r->text, MHD_RESPMEM_MUST_FREE);
            if (NULL == resp)
                free((void *)r->text);
        } else if (r->text_copy) {
            /* borrowed only until now (e.g. a cache entry that a later
            ** request on this thread may evict while this one is sending) */
            resp = MHD_create_response_from_buffer(len, (void *)r->text, MHD_RESPMEM_MUST_COPY);
        } else {
            resp = MHD_create_response_from_buffer(len, (void *)r->text, MHD_RESPMEM_PERSISTENT);
        }
        r->text = NULL;
        r->text_owned = false;
        r->text_copy = false;
    } else {
        resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    r->text_len = 0;
    if (NULL == resp) {
        log_msg(LOG_WARN, "http", "could not create a response (id=%s)",
                NULL != m->request_id ? m->request_id : "-");
        return 0;
    }

    if (204 != status)
        response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (NULL != m->request_id)
        response_header(resp, "X-Request-Id", m->request_id);
    if (NULL != r->allow)
        response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    bool vary;
    const char *allow_origin = response_cors_origin(m->cors_policy, m->origin, &vary);
    if (NULL != allow_origin) {
        response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        response_header(resp, "Access-Control-Expose-Headers", "X-Request-Id");
    }
    if (vary)
        response_header(resp, MHD_HTTP_HEADER_VARY, "Origin");
    if (m->close)
        response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (m->preflight) {
        response_header(resp, "Access-Control-Allow-Methods", NULL != r->allow ? r->allow : "GET");
        response_header(resp, "Access-Control-Allow-Headers", RESPONSE_PREFLIGHT_HEADERS);
        response_header(resp, "Access-Control-Max-Age", RESPONSE_PREFLIGHT_MAX_AGE);
    }

    enum MHD_Result queued = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->status = 0;
    if (MHD_YES != queued) {
        log_msg(LOG_WARN, "http", "MHD_queue_response refused status %u (id=%s)", status,
                NULL != m->request_id ? m->request_id : "-");
        return 0;
    }
    if (NULL != bytes)
        *bytes = len;
    if (NULL != status_out)
        *status_out = status;
    return 1;
}

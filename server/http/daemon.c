/* daemon.c: libmicrohttpd daemon and the access-handler phases: first call
** (route and limits; 413/415 answered at once), body calls
** (bounded buffer), last call (strict JSON, handler, send). Per-request state
** is freed in the completed callback. Knows no endpoint's fields.
*/
#include "daemon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../core/textutil.h"
#include "check_cache.h"
#include "json_util.h"
#include "metrics.h"
#include "problem.h"
#include "query.h"
#include "request.h"
#include "response.h"
#include "route.h"

/* Backlog of the listening socket: loopback benchmarks open hundreds of
** connections at once. */
#define DAEMON_BACKLOG 1024
/* File descriptors kept free for the database, logs and MHD's own use. */
#define DAEMON_SPARE_FDS 64u
/* First allocation for a body of unknown length (chunked). */
#define DAEMON_BODY_INITIAL 4096u

struct daemon {
    struct MHD_Daemon *mhd;
    int listen_fd;
    unsigned port;
    struct daemon_options opt;
    uint32_t id_prefix;           /* random per process */
    atomic_uint_fast32_t next_id; /* request counter */
    atomic_long in_flight;        /* complete requests not yet finished */
    atomic_bool stopping;         /* daemon_stop began: close connections after answering */
};

/* An answer decided from the headers, sent once the request is complete. */
enum daemon_pending {
    DAEMON_PENDING_NONE = 0,
    DAEMON_PENDING_URI_TOO_LONG,  /* 414 */
    DAEMON_PENDING_TOO_MANY_ARGS, /* 400 */
    DAEMON_PENDING_NOT_FOUND,     /* 404 */
    DAEMON_PENDING_METHOD,        /* 405 + Allow */
    DAEMON_PENDING_BAD_ID,        /* 400: the {id} is not a slug */
    DAEMON_PENDING_PREFLIGHT,     /* 204 CORS preflight */
};

/* One request, from the request line to the completed callback. */
struct daemon_request {
    struct daemon *d;
    uint64_t start_ns;
    char id[20];                     /* X-Request-Id: 16 hex digits */
    char target[LOG_TARGET_MAX + 4]; /* raw request target for the access log (cut) */
    size_t target_len;               /* full raw length */
    bool started;                    /* first access-handler call done */
    bool answered;                   /* a response is queued */
    bool in_flight;                  /* counted in daemon.in_flight */
    bool accepts_body;               /* a POST route that buffers its body */
    enum daemon_pending pending;
    bool too_large;     /* body passed the route's limit */
    bool out_of_memory; /* body buffer could not grow */
    const char *method; /* borrowed from MHD until completion */
    enum http_method verb;
    const char *path; /* decoded path, borrowed from MHD */
    struct route_match match;
    char id_folded[SLUG_MAX + 1]; /* validated, lowercased {id} */
    struct query_list query;      /* values borrowed from MHD */
    char *body;                   /* owned; POST only */
    size_t body_len, body_cap;
    uint64_t discarded; /* body bytes thrown away after too_large */
    json_t *json;       /* owned: the parsed body */
    unsigned status;    /* queued status (0 = none) */
    uint64_t bytes;     /* response body bytes */
};

static uint64_t daemon_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Helpers exposed for tests                                          */

bool daemon_content_type_is_json(const char *value)
{
    static const char media[] = "application/json";
    if (NULL == value)
        return false;
    const char *p = value;
    while (' ' == *p || '\t' == *p)
        p++;
    if (0 != strncasecmp(p, media, sizeof media - 1))
        return false;
    p += sizeof media - 1;
    for (;;) {
        while (' ' == *p || '\t' == *p)
            p++;
        if ('\0' == *p)
            return true;
        if (';' != *p)
            return false; /* "application/jsonx" or junk */
        p++;
        while (' ' == *p || '\t' == *p)
            p++;
        const char *name = p;
        while ('\0' != *p && '=' != *p && ';' != *p)
            p++;
        size_t name_len = (size_t)(p - name);
        while (name_len > 0 && (' ' == name[name_len - 1] || '\t' == name[name_len - 1]))
            name_len--;
        const char *val = "";
        size_t val_len = 0;
        if ('=' == *p) {
            p++;
            bool quoted = '"' == *p;
            if (quoted)
                p++;
            val = p;
            while ('\0' != *p && (quoted ? '"' != *p : (';' != *p && ' ' != *p && '\t' != *p)))
                p++;
            val_len = (size_t)(p - val);
            if (quoted && '"' == *p)
                p++;
        }
        if (7 == name_len && 0 == strncasecmp(name, "charset", 7)) {
            bool utf8 = (5 == val_len && 0 == strncasecmp(val, "utf-8", 5)) ||
                        (4 == val_len && 0 == strncasecmp(val, "utf8", 4));
            if (!utf8)
                return false;
        }
    }
}

static int daemon_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t daemon_unescape(char *s)
{
    size_t r = 0, w = 0;
    while ('\0' != s[r]) {
        if ('%' == s[r]) {
            int hi = daemon_hex(s[r + 1]);
            int lo = hi >= 0 ? daemon_hex(s[r + 2]) : -1;
            if (hi >= 0 && lo >= 0 && (hi | lo) != 0) {
                s[w++] = (char)(hi * 16 + lo);
                r += 3;
                continue;
            }
        }
        s[w++] = s[r++];
    }
    s[w] = '\0';
    return w;
}

/* ------------------------------------------------------------------ */
/* MHD callbacks                                                      */

static void daemon_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void daemon_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    /* INFO, not WARN: nearly all of MHD's messages are about clients
     * (disconnects, malformed or oversized requests); failures that matter to
     * the operator surface as a failed start or in the access log. */
    log_vmsg(LOG_INFO, "mhd", fmt, ap);
}

static size_t daemon_unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return daemon_unescape(s);
}

static struct daemon_request *daemon_request_new(struct daemon *d, const char *raw_target)
{
    struct daemon_request *rq = calloc(1, sizeof *rq);
    if (NULL == rq)
        return NULL;
    rq->d = d;
    rq->start_ns = daemon_now_ns();
    uint32_t n = (uint32_t)atomic_fetch_add_explicit(&d->next_id, 1, memory_order_relaxed);
    snprintf(rq->id, sizeof rq->id, "%08x%08x", (unsigned)d->id_prefix, (unsigned)n);
    if (NULL != raw_target) {
        rq->target_len = strlen(raw_target);
        size_t keep = rq->target_len < LOG_TARGET_MAX ? rq->target_len : LOG_TARGET_MAX;
        memcpy(rq->target, raw_target, keep);
        if (keep < rq->target_len)
            memcpy(rq->target + keep, "...", 4);
        else
            rq->target[keep] = '\0';
    }
    return rq;
}

/* MHD_OPTION_URI_LOG_CALLBACK: the first thing MHD knows of a request; the
** raw target is intact here (before MHD cuts the query and decodes). */
static void *daemon_uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)c;
    return daemon_request_new(cls, uri);
}

/* From the moment its headers are in until the completed callback, a request
** is "in flight": a graceful stop waits for it, so a body still arriving when
** SIGTERM comes is read, answered and sent. A client that stalls mid-body
** holds the stop up only until the grace period ends. */
static void daemon_count_in_flight(struct daemon_request *rq)
{
    if (rq->in_flight)
        return;
    rq->in_flight = true;
    atomic_fetch_add_explicit(&rq->d->in_flight, 1, memory_order_relaxed);
}

static void daemon_request_free(struct daemon_request *rq)
{
    json_decref(rq->json);
    free(rq->body);
    if (rq->in_flight)
        atomic_fetch_sub_explicit(&rq->d->in_flight, 1, memory_order_relaxed);
    free(rq);
}

static const char *daemon_toe_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return "ok";
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    }
    return "?";
}

static void daemon_completed_cb(void *cls, struct MHD_Connection *c, void **req_cls,
                                enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    struct daemon_request *rq = *req_cls;
    if (NULL == rq)
        return;
    *req_cls = NULL;
    uint64_t us = (daemon_now_ns() - rq->start_ns) / 1000u;
    /* a matched route counts its own 4xx too (413, 415, bad JSON, bad id) */
    size_t slot = (NULL != rq->match.route && DAEMON_PENDING_NONE == rq->pending)
                      ? rq->match.index
                      : METRICS_SLOT_OTHER;
    metrics_record(slot, rq->status, us, rq->bytes);
    if (log_enabled(LOG_INFO)) {
        struct log_access_line line = {
            .method = rq->method,
            .target = '\0' != rq->target[0] ? rq->target : rq->path,
            .status = rq->status,
            .bytes = rq->bytes,
            .duration_us = us,
            .request_id = rq->id,
            .termination = daemon_toe_name(toe),
        };
        log_access(&line);
    }
    daemon_request_free(rq);
}

/* ------------------------------------------------------------------ */
/* Answering                                                          */

static enum MHD_Result daemon_send(struct daemon_request *rq, struct MHD_Connection *c,
                                   struct response *out, bool preflight)
{
    struct response_meta meta = {
        .request_id = rq->id,
        .instance = rq->path,
        .cors_policy = rq->d->opt.cors_origin,
        .origin = NULL,
        .preflight = preflight,
        .close = atomic_load_explicit(&rq->d->stopping, memory_order_relaxed),
    };
    if (NULL != meta.cors_policy && 0 != strcmp(meta.cors_policy, "*"))
        meta.origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    daemon_count_in_flight(rq);
    rq->answered = true;
    if (!response_send(c, out, &meta, &rq->bytes, &rq->status))
        return MHD_NO;
    return MHD_YES;
}

static enum MHD_Result daemon_send_problem(struct daemon_request *rq, struct MHD_Connection *c,
                                           const struct problem *pb)
{
    struct response out = {0};
    if (API_ERR_METHOD_NOT_ALLOWED == pb->kind)
        out.allow = rq->match.allow;
    response_problem(&out, pb);
    return daemon_send(rq, c, &out, false);
}

/* Run the matched handler and send what it produced. */
static enum MHD_Result daemon_run(struct daemon_request *rq, struct MHD_Connection *c)
{
    const struct daemon *d = rq->d;
    struct request view = {
        .method = rq->verb,
        .path = rq->path,
        .path_id = NULL != rq->match.id ? rq->id_folded : NULL,
        .query = &rq->query,
        .body = rq->json,
        .raw_body = rq->body,
        .raw_body_len = rq->body_len,
        .catalog = d->opt.catalog,
        .db_path = d->opt.db_path,
        .request_id = rq->id,
    };
    struct response out = {0};
    unsigned status = rq->match.route->handler(&view, &out);
    if (0 == out.status)
        out.status = 0 != status ? status : 500;
    if (NULL == out.body && NULL == out.text && 204 != out.status) {
        /* a handler that filled nothing: never send an empty 200 */
        struct problem pb;
        problem_init(&pb);
        problem_set(&pb, API_ERR_INTERNAL, "The server produced no response.");
        log_msg(LOG_WARN, "http", "handler for %s returned no body (id=%s)", rq->match.route->path,
                rq->id);
        response_problem(&out, &pb);
    }
    return daemon_send(rq, c, &out, false);
}

/* MHD_get_connection_values iterator: bounded copy of the query arguments. */
static enum MHD_Result daemon_query_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind;
    query_list_add(cls, key, value);
    return MHD_YES;
}

/* First call: everything that can be decided from the headers. Only 413
** and 415 are answered at once (the body must not be read; MHD then closes
** the connection). Everything else is answered on the last call: a response
** queued on the first call makes MHD 0.9.75 drop keep-alive
** (MHD_queue_response, "response was queued early"). */
static enum MHD_Result daemon_begin(struct daemon_request *rq, struct MHD_Connection *c,
                                    const char *url, const char *method)
{
    rq->method = method;
    rq->verb = route_method_parse(method);
    rq->path = url;

    if (rq->target_len > DAEMON_TARGET_MAX) {
        rq->pending = DAEMON_PENDING_URI_TOO_LONG;
        return MHD_YES;
    }
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, daemon_query_cb, &rq->query);
    if (rq->query.truncated) {
        rq->pending = DAEMON_PENDING_TOO_MANY_ARGS;
        return MHD_YES;
    }
    enum route_status st = route_match(rq->verb, url, &rq->match);
    if (ROUTE_NOT_FOUND == st) {
        rq->pending = DAEMON_PENDING_NOT_FOUND;
        return MHD_YES;
    }
    if (ROUTE_METHOD_NOT_ALLOWED == st) {
        rq->pending = DAEMON_PENDING_METHOD;
        return MHD_YES;
    }
    if (HTTP_OPTIONS == rq->verb) {
        rq->pending = DAEMON_PENDING_PREFLIGHT;
        return MHD_YES;
    }
    if (NULL != rq->match.id && !slug_fold(rq->match.id, rq->id_folded, sizeof rq->id_folded)) {
        rq->pending = DAEMON_PENDING_BAD_ID;
        return MHD_YES;
    }
    const struct route *route = rq->match.route;
    if (HTTP_POST != route->method)
        return MHD_YES; /* GET/HEAD: run on the last call; a body is discarded */

    struct problem pb;
    problem_init(&pb);
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!daemon_content_type_is_json(ct)) {
        problem_set(&pb, API_ERR_UNSUPPORTED_MEDIA,
                    "Send the body as JSON with Content-Type: application/json.");
        return daemon_send_problem(rq, c, &pb);
    }
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    int64_t declared;
    if (NULL == te && NULL != cl && 0 == text_parse_i64(cl, 0, INT64_MAX, &declared)) {
        if ((uint64_t)declared > route->body_max) {
            problem_set(&pb, API_ERR_BODY_TOO_LARGE,
                        "The body is %lld bytes; this endpoint accepts at most %llu.",
                        (long long)declared, (unsigned long long)route->body_max);
            return daemon_send_problem(rq, c, &pb);
        }
        if (declared > 0) {
            rq->body = malloc((size_t)declared);
            if (NULL == rq->body)
                rq->out_of_memory = true;
            else
                rq->body_cap = (size_t)declared;
        }
    }
    rq->accepts_body = true;
    return MHD_YES; /* wait for the body */
}

/* Body call: append to the bounded buffer, or count and discard. */
static enum MHD_Result daemon_body(struct daemon_request *rq, const char *data, size_t size)
{
    if (!rq->accepts_body || rq->too_large || rq->out_of_memory) {
        rq->discarded += size;
        if (rq->discarded > DAEMON_DISCARD_MAX) {
            log_msg(LOG_INFO, "http", "dropping a client still sending after %llu bytes (id=%s)",
                    (unsigned long long)rq->discarded, rq->id);
            return MHD_NO;
        }
        return MHD_YES;
    }
    uint64_t limit = rq->match.route->body_max;
    if ((uint64_t)rq->body_len + size > limit) {
        rq->too_large = true;
        rq->discarded = rq->body_len + size;
        free(rq->body);
        rq->body = NULL;
        rq->body_len = rq->body_cap = 0;
        return MHD_YES;
    }
    if (rq->body_len + size > rq->body_cap) {
        size_t cap = rq->body_cap > 0 ? rq->body_cap * 2 : DAEMON_BODY_INITIAL;
        if (cap < rq->body_len + size)
            cap = rq->body_len + size;
        if (cap > limit)
            cap = (size_t)limit;
        char *grown = realloc(rq->body, cap);
        if (NULL == grown) {
            rq->out_of_memory = true;
            return MHD_YES;
        }
        rq->body = grown;
        rq->body_cap = cap;
    }
    memcpy(rq->body + rq->body_len, data, size);
    rq->body_len += size;
    return MHD_YES;
}

/* The answer decided on the first call, sent now that the request is in. */
static enum MHD_Result daemon_send_pending(struct daemon_request *rq, struct MHD_Connection *c)
{
    struct problem pb;
    problem_init(&pb);
    switch (rq->pending) {
    case DAEMON_PENDING_NONE:
        break;
    case DAEMON_PENDING_URI_TOO_LONG:
        problem_set(&pb, API_ERR_URI_TOO_LONG,
                    "The request target is %zu bytes; the limit is %d. Send large inputs as a "
                    "POST body.",
                    rq->target_len, DAEMON_TARGET_MAX);
        break;
    case DAEMON_PENDING_TOO_MANY_ARGS:
        problem_set(&pb, API_ERR_INVALID_PARAMS, "The URL has more than %d query parameters.",
                    QUERY_MAX_ARGS);
        problem_add_param(&pb, "query", "has more than %d parameters", QUERY_MAX_ARGS);
        break;
    case DAEMON_PENDING_NOT_FOUND:
        problem_set(&pb, API_ERR_NOT_FOUND,
                    "There is no endpoint at this path; /openapi.yaml lists them all.");
        break;
    case DAEMON_PENDING_METHOD:
        problem_set(&pb, API_ERR_METHOD_NOT_ALLOWED, "%.16s is not allowed here; use %s.",
                    rq->method, rq->match.allow);
        break;
    case DAEMON_PENDING_BAD_ID:
        problem_set(&pb, API_ERR_INVALID_PARAMS, "The id in the path is not a valid id.");
        problem_add_param(&pb, "id",
                          "must be 1 to %d characters from a-z, 0-9, '.', '_' and '-' (and not "
                          "\".\" or \"..\")",
                          SLUG_MAX);
        break;
    case DAEMON_PENDING_PREFLIGHT: {
        struct response out = {.status = 204, .allow = rq->match.allow};
        return daemon_send(rq, c, &out, true);
    }
    }
    return daemon_send_problem(rq, c, &pb);
}

/* Last call: the whole request is in. */
static enum MHD_Result daemon_finish(struct daemon_request *rq, struct MHD_Connection *c)
{
    daemon_count_in_flight(rq);
    if (DAEMON_PENDING_NONE != rq->pending)
        return daemon_send_pending(rq, c);
    if (!rq->accepts_body)
        return daemon_run(rq, c);
    struct problem pb;
    problem_init(&pb);
    if (rq->too_large) {
        problem_set(&pb, API_ERR_BODY_TOO_LARGE,
                    "The body is larger than %llu bytes, the limit for this endpoint.",
                    (unsigned long long)rq->match.route->body_max);
        return daemon_send_problem(rq, c, &pb);
    }
    if (rq->out_of_memory) {
        log_msg(LOG_WARN, "http", "no memory for a %zu-byte body (id=%s)", rq->body_len, rq->id);
        problem_set(&pb, API_ERR_INTERNAL, "The server could not buffer the body.");
        return daemon_send_problem(rq, c, &pb);
    }
    /* the raw bytes stay until the completed callback: /check's cache key */
    rq->json = json_body_load(NULL != rq->body ? rq->body : "", rq->body_len, &pb);
    if (NULL == rq->json)
        return daemon_send_problem(rq, c, &pb);
    return daemon_run(rq, c);
}

static enum MHD_Result daemon_access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                        const char *method, const char *version,
                                        const char *upload_data, size_t *upload_data_size,
                                        void **req_cls)
{
    (void)version;
    struct daemon_request *rq = *req_cls;
    if (NULL == rq) {
        /* the URI callback could not allocate: one more try */
        rq = daemon_request_new(cls, NULL);
        if (NULL == rq)
            return MHD_NO;
        *req_cls = rq;
    }
    if (!rq->started) {
        rq->started = true;
        daemon_count_in_flight(rq);
        return daemon_begin(rq, c, url, method);
    }
    if (rq->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (0 != *upload_data_size) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        return daemon_body(rq, upload_data, size);
    }
    return daemon_finish(rq, c);
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                     */

/* Bind and listen on bind:port. Returns the socket or -1 with err set. */
static int daemon_listen(const char *bind_addr, unsigned port, bool *is_v6, char *err,
                         size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t ss_len;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (1 == inet_pton(AF_INET, bind_addr, &s4->sin_addr)) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        ss_len = sizeof *s4;
        *is_v6 = false;
    } else if (1 == inet_pton(AF_INET6, bind_addr, &s6->sin6_addr)) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        ss_len = sizeof *s6;
        *is_v6 = true;
    } else {
        snprintf(err, errlen, "cannot listen on %s: not a numeric IPv4 or IPv6 address", bind_addr);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
        return -1;
    }
    /* SO_REUSEADDR (not SO_REUSEPORT): restart fast after a stop, but a second
     * server on the same port still fails with "Address already in use". */
    int one = 1;
    if (0 != setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        0 != bind(fd, (struct sockaddr *)&ss, ss_len) || 0 != listen(fd, DAEMON_BACKLOG)) {
        int e = errno;
        close(fd);
        snprintf(err, errlen, "cannot listen on %s%s%s:%u: %s", *is_v6 ? "[" : "", bind_addr,
                 *is_v6 ? "]" : "", port, strerror(e));
        return -1;
    }
    return fd;
}

/* Raise the soft open-files limit toward the hard one and return how many
** connections fit under it. */
static unsigned daemon_connection_limit(void)
{
    struct rlimit rl;
    if (0 != getrlimit(RLIMIT_NOFILE, &rl))
        return 256;
    rlim_t want = DAEMON_CONNECTION_LIMIT + DAEMON_SPARE_FDS;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rlim_t raised = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
        if (raised > rl.rlim_cur) {
            rl.rlim_cur = raised;
            if (0 != setrlimit(RLIMIT_NOFILE, &rl))
                getrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
        return DAEMON_CONNECTION_LIMIT;
    return rl.rlim_cur > 2 * DAEMON_SPARE_FDS ? (unsigned)(rl.rlim_cur - DAEMON_SPARE_FDS)
                                              : DAEMON_SPARE_FDS;
}

/* 32 bits that differ between processes and starts (no I/O needed). */
static uint32_t daemon_random_prefix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
    /* splitmix64 finalizer */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return (uint32_t)x;
}

struct daemon *daemon_start(const struct daemon_options *o, char *err, size_t errlen)
{
    struct daemon *d = calloc(1, sizeof *d);
    if (NULL == d) {
        snprintf(err, errlen, "out of memory starting the HTTP server");
        return NULL;
    }
    d->opt = *o;
    d->id_prefix = daemon_random_prefix();
    atomic_init(&d->next_id, 1);
    atomic_init(&d->in_flight, 0);
    atomic_init(&d->stopping, false);
    metrics_init();
    check_cache_configure(o->check_cache_entries);

    bool is_v6 = false;
    d->listen_fd = daemon_listen(o->bind, o->port, &is_v6, err, errlen);
    if (d->listen_fd < 0) {
        free(d);
        return NULL;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC; /* ITC: MHD_quiesce_daemon needs it */
    if (is_v6)
        flags |= MHD_USE_IPv6;
    unsigned threads = o->threads > 0 ? o->threads : 1;
    /* The external logger goes first so MHD's own setup messages use it. */
    d->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, daemon_access_cb, d, MHD_OPTION_EXTERNAL_LOGGER,
        (MHD_LogCallback)daemon_mhd_log, d, MHD_OPTION_LISTEN_SOCKET, (MHD_socket)d->listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)daemon_connection_limit(), MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)DAEMON_PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)DAEMON_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)DAEMON_CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        (MHD_RequestCompletedCallback)daemon_completed_cb, d, MHD_OPTION_URI_LOG_CALLBACK,
        daemon_uri_cb, d, MHD_OPTION_UNESCAPE_CALLBACK, daemon_unescape_cb, d, MHD_OPTION_END);
    if (NULL == d->mhd) {
        close(d->listen_fd);
        snprintf(err, errlen, "cannot start the HTTP server on %s:%u (see the mhd message above)",
                 o->bind, o->port);
        free(d);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = (NULL != info && 0 != info->port) ? info->port : o->port;
    return d;
}

unsigned daemon_port(const struct daemon *d)
{
    return NULL != d ? d->port : 0;
}

void daemon_stop(struct daemon *d, unsigned grace_ms)
{
    if (NULL == d)
        return;
    atomic_store(&d->stopping, true); /* keep-alive clients get Connection: close */
    MHD_socket fd = MHD_quiesce_daemon(d->mhd);
    uint64_t deadline = daemon_now_ns() + (uint64_t)grace_ms * 1000000u;
    while (atomic_load(&d->in_flight) > 0 && daemon_now_ns() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    long left = atomic_load(&d->in_flight);
    if (left > 0)
        log_msg(LOG_WARN, "http", "stopping with %ld request(s) still in flight", left);
    MHD_stop_daemon(d->mhd);
    /* after a quiesce the listening socket is ours to close */
    if (MHD_INVALID_SOCKET != fd)
        close(fd);
    free(d);
}

/* harness.h: integration-test harness: runs the real willitrun binary on a free port with a
** fresh temporary database and speaks HTTP to it with libcurl. Test code only; it never links
** the server's own code.
*/
#ifndef WIR_HARNESS_H
#define WIR_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* One HTTP exchange. Every pointer is owned by the struct; http_result_free releases them. */
struct http_result {
    long status;   /* final HTTP status; 0 when the exchange failed (see error) */
    char *headers; /* raw header block of the final response (after any 100 Continue) */
    size_t headers_len;
    char *body; /* NUL-terminated copy of the body (may contain NULs itself) */
    size_t body_len;
    json_t *json;    /* new reference: the body parsed as JSON, or NULL */
    char error[256]; /* curl's message when status is 0 */
};

/* Options for http_send beyond method/path/body. Zero-initialise and set what you need. */
struct http_options {
    const char *content_type;   /* Content-Type header; NULL = none at all */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
    bool chunked;               /* send the body chunked, without Content-Length */
    bool expect_continue;       /* send "Expect: 100-continue" (default: suppressed) */
};

/* Start the server once for a test file: an unchecked Check fixture, so it runs in the
** runner process before the first test of the tcase. Makes a mkdtemp directory, runs
** WIR_BINARY --port 0 --port-file DIR/port --db DIR/t.db --bind 127.0.0.1, waits for the
** port file and for GET /readyz 200 (deadline 90 s). Fails the tcase when it cannot. */
void harness_setup(void);

/* Stop the server (unchecked teardown): SIGTERM, wait up to 30 s, record whether it exited
** with status 0, print its log when it did not, remove the temporary directory. */
void harness_teardown(void);

/* Run suite s (one tcase with the fixtures above) and return the process exit code: 0 when
** every test passed and the server stopped cleanly, 1 otherwise. */
int harness_run(Suite *s);

/* Add the harness fixtures and a generous per-test timeout to tc. */
void harness_add_fixture(TCase *tc);

/* "http://127.0.0.1:PORT" of the running server (borrowed, static). */
const char *harness_base_url(void);

/* Process id of the running server, -1 when none. A test may signal it (a graceful-stop
** test sends SIGTERM); the teardown still reaps it and records its exit status. */
pid_t harness_server_pid(void);

/* Path of WIR_SOURCE_DIR/<rel> into buf (cap). Returns buf. */
const char *harness_source_path(const char *rel, char *buf, size_t cap);

/* Send one request. path is sent as is (no dot-segment squashing, no escaping); body may be
** NULL. Fills *out (always; release with http_result_free). Returns 0 when an HTTP response
** arrived, -1 when the exchange failed (out->status 0, out->error says why). */
int http_send(const char *method, const char *path, const char *body, size_t body_len,
              const struct http_options *opt, struct http_result *out);

/* Shorthands. http_get sends no body; http_post_json sends body with application/json. */
int http_get(const char *path, struct http_result *out);
int http_post_json(const char *path, const char *body, struct http_result *out);
/* POST a jansson value as JSON (does not steal v). */
int http_post_value(const char *path, const json_t *v, struct http_result *out);

void http_result_free(struct http_result *r);

/* Value of header name (case-insensitive) in r's final response, copied into buf (cap,
** trimmed). Returns buf, or NULL when the header is absent. */
const char *http_header(const struct http_result *r, const char *name, char *buf, size_t cap);

/* Percent-encode s (everything but A-Z a-z 0-9 - . _ ~) into buf (cap). Returns buf; aborts the
** test program when buf is too small. */
const char *url_escape(const char *s, char *buf, size_t cap);

/* Case-insensitive substring test. */
bool str_contains_ci(const char *haystack, const char *needle);

/* Borrowed json lookups along a dotted path ("footprint.total_bytes"); NULL when absent. */
json_t *json_at(const json_t *root, const char *dotted);
/* String at path, or NULL. */
const char *json_str_at(const json_t *root, const char *dotted);

/* Assertions shared by the test files (they use ck_assert, so they end the test on failure).
** `what` names the request in messages. */

/* status == want and the body is application/json holding a JSON value. */
void assert_json_status(const struct http_result *r, long want, const char *what);

/* A problem document: status == want, Content-Type application/problem+json, body object with
** string type/title/detail, integer status == want, invalid_params (if present) an array of
** {name, reason} strings. When field is not NULL, an invalid_params name or the detail
** mentions it (case-insensitive). */
void assert_problem(const struct http_result *r, long want, const char *field, const char *what);

/* Page through a list endpoint: GET path (which may already carry a query) with limit=limit,
** then with cursor=<next_cursor> until next_cursor is null. Asserts the list envelope on every
** page ({items: array of at most limit, total: same integer each time, next_cursor: string or
** null}) and at most 1000 pages. Returns every item in order (new reference); *total gets
** the reported total. */
json_t *collect_pages(const char *path, unsigned limit, json_int_t *total);

/* GET /healthz answers 200 (the server survived whatever came before). */
void assert_healthy(const char *after_what);

#endif

/* harness.c: starts the real willitrun binary for an integration test file and gives the tests
** libcurl helpers; it must not reach into the server's internals (only its command line,
** its port file and HTTP).
*/
#include "harness.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WIR_BINARY
#error "WIR_BINARY (path of the built willitrun) must be defined by the build"
#endif
#ifndef WIR_SOURCE_DIR
#error "WIR_SOURCE_DIR must be defined by the build"
#endif

#define HARNESS_START_DEADLINE_MS 90000 /* seeding under ASan on a slow machine */
#define HARNESS_STOP_DEADLINE_MS 30000
#define HARNESS_TEST_TIMEOUT_S 120
#define HARNESS_BODY_MAX (32u * 1024u * 1024u)

struct harness_server {
    pid_t pid;     /* -1 when not running */
    char dir[512]; /* mkdtemp directory, "" when none */
    char base_url[64];
    bool stop_ran;          /* teardown ran */
    bool stop_ok;           /* the server exited with status 0 after SIGTERM */
    unsigned stop_failures; /* teardowns (one per tcase) whose server did not exit 0 */
};

static struct harness_server server = {.pid = -1};

/* ---- small utilities ------------------------------------------------------------------- */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* "a/b" into buf; aborts the test program on truncation (a harness bug, never input). */
static void join_path(char *buf, size_t cap, const char *a, const char *b)
{
    int n = snprintf(buf, cap, "%s/%s", a, b);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "harness: path too long: %s/%s\n", a, b);
        abort();
    }
}

const char *harness_source_path(const char *rel, char *buf, size_t cap)
{
    join_path(buf, cap, WIR_SOURCE_DIR, rel);
    return buf;
}

const char *harness_base_url(void)
{
    return server.base_url;
}

pid_t harness_server_pid(void)
{
    return server.pid;
}

bool str_contains_ci(const char *haystack, const char *needle)
{
    if (NULL == haystack || NULL == needle)
        return false;
    size_t n = strlen(needle);
    if (0 == n)
        return true;
    for (const char *p = haystack; *p; p++)
        if (0 == strncasecmp(p, needle, n))
            return true;
    return false;
}

const char *url_escape(const char *s, char *buf, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        if (o + (plain ? 1 : 3) >= cap) {
            fprintf(stderr, "harness: url_escape buffer too small\n");
            abort();
        }
        if (plain) {
            buf[o++] = (char)*p;
        } else {
            buf[o++] = '%';
            buf[o++] = hex[*p >> 4];
            buf[o++] = hex[*p & 15];
        }
    }
    buf[o] = '\0';
    return buf;
}

/* Print the last 4 KiB of the server log to stderr (diagnostics for a failing start/stop). */
static void dump_log(void)
{
    char path[600];
    if ('\0' == server.dir[0])
        return;
    join_path(path, sizeof path, server.dir, "server.log");
    FILE *f = fopen(path, "r");
    if (NULL == f)
        return;
    if (0 == fseek(f, 0, SEEK_END)) {
        long size = ftell(f);
        if (size > 4096)
            fseek(f, size - 4096, SEEK_SET);
        else
            fseek(f, 0, SEEK_SET);
    }
    char chunk[1024];
    size_t n;
    fprintf(stderr, "---- willitrun log (tail) ----\n");
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, stderr);
    fprintf(stderr, "---- end of log ----\n");
    fclose(f);
}

/* Remove the (flat) temporary directory and everything in it. */
static void remove_dir(void)
{
    if ('\0' == server.dir[0])
        return;
    DIR *d = opendir(server.dir);
    if (NULL != d) {
        struct dirent *e;
        while (NULL != (e = readdir(d))) {
            if (0 == strcmp(e->d_name, ".") || 0 == strcmp(e->d_name, ".."))
                continue;
            char path[800];
            join_path(path, sizeof path, server.dir, e->d_name);
            if (0 != unlink(path))
                fprintf(stderr, "harness: cannot remove %s: %s\n", path, strerror(errno));
        }
        closedir(d);
    }
    if (0 != rmdir(server.dir))
        fprintf(stderr, "harness: cannot remove %s: %s\n", server.dir, strerror(errno));
    server.dir[0] = '\0';
}

/* SIGTERM the server and wait. Returns true when it exited with status 0 in time. */
static bool stop_server(void)
{
    if (server.pid <= 0)
        return true;
    bool ok = false;
    int status = 0;
    kill(server.pid, SIGTERM);
    long long deadline = now_ms() + HARNESS_STOP_DEADLINE_MS;
    for (;;) {
        pid_t r = waitpid(server.pid, &status, WNOHANG);
        if (r == server.pid) {
            if (WIFEXITED(status) && 0 == WEXITSTATUS(status)) {
                ok = true;
            } else if (WIFEXITED(status)) {
                fprintf(stderr, "harness: willitrun exited with status %d after SIGTERM\n",
                        WEXITSTATUS(status));
            } else if (WIFSIGNALED(status)) {
                fprintf(stderr, "harness: willitrun died of signal %d after SIGTERM\n",
                        WTERMSIG(status));
            }
            break;
        }
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "harness: waitpid: %s\n", strerror(errno));
            break;
        }
        if (now_ms() > deadline) {
            fprintf(stderr, "harness: willitrun still running %d ms after SIGTERM; killing it\n",
                    HARNESS_STOP_DEADLINE_MS);
            kill(server.pid, SIGKILL);
            waitpid(server.pid, &status, 0);
            break;
        }
        sleep_ms(20);
    }
    server.pid = -1;
    return ok;
}

/* Clean up after a failed start and fail the tcase with msg. */
static void setup_failed(const char *msg)
{
    dump_log();
    stop_server();
    remove_dir();
    ck_abort_msg("harness: %s", msg);
}

/* Read the port file; 0 while it is absent, empty or not a whole port number yet. */
static unsigned read_port_file(const char *path)
{
    char text[32] = {0};
    FILE *f = fopen(path, "r");
    if (NULL == f)
        return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(text, &end, 10);
    if (errno != 0 || end == text || port == 0 || port > 65535)
        return 0;
    while (*end == '\n' || *end == '\r' || *end == ' ')
        end++;
    return *end == '\0' ? (unsigned)port : 0;
}

/* The port once two reads 20 ms apart agree (the file may be caught half-written). */
static unsigned read_port_stable(const char *path)
{
    unsigned a = read_port_file(path);
    if (0 == a)
        return 0;
    sleep_ms(20);
    return read_port_file(path) == a ? a : 0;
}

/* ---- fixtures ------------------------------------------------------------------------------ */

void harness_setup(void)
{
    char port_file[600], db[600], log_path[600], msg[700];
    const char *tmp = getenv("TMPDIR");

    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    server.stop_ran = false;
    server.stop_ok = false;

    join_path(server.dir, sizeof server.dir, (tmp && *tmp) ? tmp : "/tmp", "willitrun-it-XXXXXX");
    if (NULL == mkdtemp(server.dir)) {
        server.dir[0] = '\0';
        setup_failed("mkdtemp failed");
    }
    join_path(port_file, sizeof port_file, server.dir, "port");
    join_path(db, sizeof db, server.dir, "t.db");
    join_path(log_path, sizeof log_path, server.dir, "server.log");

    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        setup_failed("fork failed");
    if (0 == pid) {
        /* If the test program dies (a ctest timeout), the server gets SIGTERM too. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        if (nul >= 0)
            dup2(nul, STDIN_FILENO);
        char *argv[] = {WIR_BINARY,    "--port",  "0",    "--bind", "127.0.0.1",
                        "--port-file", port_file, "--db", db,       NULL};
        execv(WIR_BINARY, argv);
        fprintf(stderr, "exec %s: %s\n", WIR_BINARY, strerror(errno));
        _exit(127);
    }
    server.pid = pid;

    long long deadline = now_ms() + HARNESS_START_DEADLINE_MS;
    unsigned port = 0;
    while (0 == (port = read_port_stable(port_file))) {
        int status;
        if (waitpid(server.pid, &status, WNOHANG) == server.pid) {
            server.pid = -1;
            snprintf(msg, sizeof msg, "willitrun exited (status 0x%x) before writing %s", status,
                     port_file);
            setup_failed(msg);
        }
        if (now_ms() > deadline)
            setup_failed("no port file before the deadline");
        sleep_ms(20);
    }
    snprintf(server.base_url, sizeof server.base_url, "http://127.0.0.1:%u", port);

    for (;;) {
        struct http_result r;
        http_get("/readyz", &r);
        long st = r.status;
        http_result_free(&r);
        if (200 == st)
            break;
        int status;
        if (waitpid(server.pid, &status, WNOHANG) == server.pid) {
            server.pid = -1;
            setup_failed("willitrun exited before /readyz answered 200");
        }
        if (now_ms() > deadline) {
            snprintf(msg, sizeof msg, "GET /readyz still %ld at the deadline", st);
            setup_failed(msg);
        }
        sleep_ms(50);
    }
}

void harness_teardown(void)
{
    server.stop_ok = stop_server();
    server.stop_ran = true;
    if (!server.stop_ok) {
        server.stop_failures++;
        dump_log();
    }
    remove_dir();
}

void harness_add_fixture(TCase *tc)
{
    tcase_add_unchecked_fixture(tc, harness_setup, harness_teardown);
    tcase_set_timeout(tc, HARNESS_TEST_TIMEOUT_S);
}

int harness_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* The teardown runs in this process; its verdict is not a Check test, so count it here. */
    if (server.stop_failures > 0) {
        fprintf(stderr,
                "FAIL: willitrun did not exit with status 0 on SIGTERM (%u of its starts)\n",
                server.stop_failures);
        failed += (int)server.stop_failures;
    }
    curl_global_cleanup();
    return failed == 0 ? 0 : 1;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

struct growbuf {
    char *data;
    size_t len, cap;
    bool overflow;
};

static bool growbuf_append(struct growbuf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > HARNESS_BODY_MAX) {
        b->overflow = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (NULL == d) {
            b->overflow = true;
            return false;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    size_t n = size * nmemb;
    return growbuf_append(ud, ptr, n) ? n : 0;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct growbuf *b = ud;
    size_t n = size * nmemb;
    if (n >= 5 && 0 == strncmp(ptr, "HTTP/", 5))
        b->len = 0; /* a new response (after 100 Continue): keep only the final one */
    return growbuf_append(b, ptr, n) ? n : 0;
}

struct upload {
    const char *data;
    size_t left;
};

static size_t on_read(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nmemb;
    if (n > 8192)
        n = 8192; /* several chunks even for small bodies */
    if (n > u->left)
        n = u->left;
    memcpy(ptr, u->data, n);
    u->data += n;
    u->left -= n;
    return n;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *line)
{
    struct curl_slist *l = curl_slist_append(list, line);
    if (NULL == l) {
        fprintf(stderr, "harness: out of memory\n");
        abort();
    }
    return l;
}

int http_send(const char *method, const char *path, const char *body, size_t body_len,
              const struct http_options *opt, struct http_result *out)
{
    static const struct http_options none = {0};
    struct growbuf hb = {0}, bb = {0};
    struct upload up = {body, body ? body_len : 0};
    struct curl_slist *hdrs = NULL;
    char url[16384], line[512];
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (NULL == opt)
        opt = &none;
    int n = snprintf(url, sizeof url, "%s%s", server.base_url, path);
    if (n < 0 || (size_t)n >= sizeof url) {
        snprintf(out->error, sizeof out->error, "URL longer than %zu bytes", sizeof url);
        return -1;
    }

    CURL *c = curl_easy_init();
    if (NULL == c) {
        snprintf(out->error, sizeof out->error, "curl_easy_init failed");
        return -1;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);

    if (0 == strcmp(method, "GET") && NULL == body) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (0 == strcmp(method, "HEAD")) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        if (0 != strcmp(method, "POST"))
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (NULL != body && opt->chunked) {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(c, CURLOPT_READDATA, &up);
            hdrs = add_header(hdrs, "Transfer-Encoding: chunked");
        } else if (NULL != body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        } else if (0 == strcmp(method, "POST")) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        }
    }

    if (NULL != opt->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", opt->content_type);
        hdrs = add_header(hdrs, line);
    } else {
        hdrs = add_header(hdrs, "Content-Type:"); /* drop curl's form default */
    }
    hdrs = add_header(hdrs, opt->expect_continue ? "Expect: 100-continue" : "Expect:");
    for (const char *const *h = opt->headers; h && *h; h++)
        hdrs = add_header(hdrs, *h);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

    CURLcode cr = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (CURLE_OK != cr) {
        snprintf(out->error, sizeof out->error, "%s %s: %s", method, path, curl_easy_strerror(cr));
        /* a response may still have arrived before the transfer failed */
        out->status = (status >= 100) ? status : 0;
    } else {
        out->status = status;
        rc = 0;
    }
    if (hb.overflow || bb.overflow) {
        snprintf(out->error, sizeof out->error, "%s %s: response larger than %u bytes", method,
                 path, HARNESS_BODY_MAX);
        rc = -1;
    }
    out->headers = hb.data ? hb.data : calloc(1, 1);
    out->headers_len = hb.len;
    out->body = bb.data ? bb.data : calloc(1, 1);
    out->body_len = bb.len;
    if (out->body_len > 0)
        out->json = json_loadb(out->body, out->body_len, JSON_DECODE_ANY, NULL);

    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return rc;
}

int http_get(const char *path, struct http_result *out)
{
    return http_send("GET", path, NULL, 0, NULL, out);
}

int http_post_json(const char *path, const char *body, struct http_result *out)
{
    struct http_options opt = {.content_type = "application/json"};
    return http_send("POST", path, body, body ? strlen(body) : 0, &opt, out);
}

int http_post_value(const char *path, const json_t *v, struct http_result *out)
{
    char *text = json_dumps(v, JSON_COMPACT);
    if (NULL == text) {
        memset(out, 0, sizeof *out);
        snprintf(out->error, sizeof out->error, "json_dumps failed");
        return -1;
    }
    int rc = http_post_json(path, text, out);
    free(text);
    return rc;
}

void http_result_free(struct http_result *r)
{
    free(r->headers);
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

const char *http_header(const struct http_result *r, const char *name, char *buf, size_t cap)
{
    size_t nlen = strlen(name);
    const char *p = r->headers;
    if (NULL == p || 0 == cap)
        return NULL;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nlen && p[nlen] == ':' && 0 == strncasecmp(p, name, nlen)) {
            const char *v = p + nlen + 1;
            const char *end = p + len;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            while (end > v && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
            size_t vlen = (size_t)(end - v);
            if (vlen >= cap)
                vlen = cap - 1;
            memcpy(buf, v, vlen);
            buf[vlen] = '\0';
            return buf;
        }
        if (NULL == eol)
            break;
        p = eol + 1;
    }
    return NULL;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

json_t *json_at(const json_t *root, const char *dotted)
{
    const json_t *cur = root;
    const char *p = dotted;
    char key[128];
    while (NULL != cur && *p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len >= sizeof key)
            return NULL;
        memcpy(key, p, len);
        key[len] = '\0';
        if (json_is_array(cur)) {
            char *end = NULL;
            unsigned long i = strtoul(key, &end, 10);
            cur = (end != key && *end == '\0') ? json_array_get(cur, i) : NULL;
        } else {
            cur = json_object_get(cur, key);
        }
        p = dot ? dot + 1 : p + len;
    }
    return (json_t *)cur;
}

const char *json_str_at(const json_t *root, const char *dotted)
{
    return json_string_value(json_at(root, dotted));
}

/* ---- assertions ---------------------------------------------------------------------------- */

void assert_json_status(const struct http_result *r, long want, const char *what)
{
    char ct[256];
    ck_assert_msg(r->status == want, "%s: status %ld, want %ld (%s); body: %.600s", what, r->status,
                  want, r->error, r->body ? r->body : "");
    ck_assert_msg(http_header(r, "Content-Type", ct, sizeof ct) &&
                      0 == strncasecmp(ct, "application/json", 16),
                  "%s: Content-Type is not application/json", what);
    ck_assert_msg(NULL != r->json, "%s: body is not JSON: %.300s", what, r->body);
}

void assert_problem(const struct http_result *r, long want, const char *field, const char *what)
{
    char ct[256];
    ck_assert_msg(r->status == want, "%s: status %ld, want %ld (%s); body: %.600s", what, r->status,
                  want, r->error, r->body ? r->body : "");
    ck_assert_msg(http_header(r, "Content-Type", ct, sizeof ct) &&
                      0 == strncasecmp(ct, "application/problem+json", 24),
                  "%s: Content-Type is not application/problem+json", what);
    const json_t *pb = r->json;
    ck_assert_msg(json_is_object(pb), "%s: problem body is not a JSON object: %.300s", what,
                  r->body);
    ck_assert_msg(json_is_string(json_object_get(pb, "type")), "%s: no type", what);
    ck_assert_msg(json_is_string(json_object_get(pb, "title")), "%s: no title", what);
    const char *detail = json_string_value(json_object_get(pb, "detail"));
    ck_assert_msg(detail && *detail, "%s: no detail", what);
    ck_assert_msg(json_integer_value(json_object_get(pb, "status")) == want,
                  "%s: problem status is not %ld", what, want);
    const json_t *ip = json_object_get(pb, "invalid_params");
    bool named = str_contains_ci(detail, field);
    if (NULL != ip) {
        ck_assert_msg(json_is_array(ip), "%s: invalid_params is not an array", what);
        size_t i;
        const json_t *p;
        json_array_foreach(ip, i, p)
        {
            const char *name = json_string_value(json_object_get(p, "name"));
            ck_assert_msg(name && json_is_string(json_object_get(p, "reason")),
                          "%s: invalid_params[%zu] lacks name or reason", what, i);
            if (str_contains_ci(name, field))
                named = true;
        }
    }
    if (NULL != field)
        ck_assert_msg(named, "%s: neither invalid_params nor detail names \"%s\": %.600s", what,
                      field, r->body);
}

void assert_healthy(const char *after_what)
{
    struct http_result r;
    http_get("/healthz", &r);
    long st = r.status;
    char err[256];
    snprintf(err, sizeof err, "%s", r.error);
    http_result_free(&r);
    ck_assert_msg(st == 200, "GET /healthz answered %ld (%s) after %s", st, err, after_what);
}

json_t *collect_pages(const char *path, unsigned limit, json_int_t *total)
{
    json_t *all = json_array();
    char url[4096], cur[512], esc[1600];
    const char *sep = strchr(path, '?') ? "&" : "?";
    json_int_t first_total = -1;
    cur[0] = '\0';
    ck_assert_ptr_nonnull(all);
    for (int page = 0;; page++) {
        ck_assert_msg(page < 1000, "%s: more than 1000 pages", path);
        int n;
        if ('\0' == cur[0])
            n = snprintf(url, sizeof url, "%s%slimit=%u", path, sep, limit);
        else
            n = snprintf(url, sizeof url, "%s%slimit=%u&cursor=%s", path, sep, limit,
                         url_escape(cur, esc, sizeof esc));
        ck_assert_msg(n > 0 && (size_t)n < sizeof url, "URL too long");
        struct http_result r;
        http_get(url, &r);
        assert_json_status(&r, 200, url);
        const json_t *items = json_object_get(r.json, "items");
        const json_t *t = json_object_get(r.json, "total");
        const json_t *next = json_object_get(r.json, "next_cursor");
        ck_assert_msg(json_is_array(items), "%s: items is not an array", url);
        ck_assert_msg(json_array_size(items) <= limit, "%s: %zu items > limit %u", url,
                      json_array_size(items), limit);
        ck_assert_msg(json_is_integer(t) && json_integer_value(t) >= 0, "%s: total", url);
        if (first_total < 0)
            first_total = json_integer_value(t);
        ck_assert_msg(json_integer_value(t) == first_total, "%s: total changed between pages", url);
        ck_assert_msg(next && (json_is_null(next) || json_is_string(next)),
                      "%s: next_cursor is neither a string nor null", url);
        json_array_extend(all, (json_t *)items);
        if (json_is_null(next)) {
            http_result_free(&r);
            break;
        }
        ck_assert_msg(json_array_size(items) > 0, "%s: empty page with a next_cursor", url);
        ck_assert_msg(strlen(json_string_value(next)) < sizeof cur, "%s: cursor too long", url);
        snprintf(cur, sizeof cur, "%s", json_string_value(next));
        http_result_free(&r);
    }
    *total = first_total;
    return all;
}

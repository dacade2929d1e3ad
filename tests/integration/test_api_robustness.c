/* test_api_robustness.c: integration tests that a slow or hostile client cannot block other
** clients, that the server never crashes on garbage and keeps serving, and that SIGTERM lets a
** request in flight finish; raw sockets and libcurl to 127.0.0.1 only, never a benchmark.
*/
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* The server closes a connection idle for this long (server/http/daemon.h DAEMON_TIMEOUT_S;
** no flag changes it). */
#define ROBUST_SERVER_TIMEOUT_S 15
/* SIGTERM gives requests in flight this long (server/main.c MAIN_GRACE_MS, README "up to 5
** seconds"). */
#define ROBUST_SERVER_GRACE_MS 5000
/* Headers + URL + read buffer per connection (server/http/daemon.h DAEMON_CONNECTION_MEMORY):
** a request whose header block is larger must be refused. */
#define ROBUST_CONNECTION_MEMORY (32 * 1024)

/* A liveness bound, not a benchmark: a request that waits behind a stalled client would take
** the whole connection timeout (15 s); one that does not answers in milliseconds. */
#define ROBUST_LIVENESS_MS 1000
/* Slack on top of the server's own deadlines (a loaded 2-core machine under ASan). */
#define ROBUST_MARGIN_MS 10000
/* How long garbage may wait for its 4xx or close (a parser answers in milliseconds). */
#define ROBUST_GARBAGE_ANSWER_MS 5000

#define ROBUST_SLOW_CLIENTS 40
#define ROBUST_CONCURRENT 100
#define ROBUST_RESPONSE_MAX (256 * 1024)

static const char *const CHECK_QUERY =
    "/check?model=llama-3.1-8b-instruct&quant=Q4_K_M&context=8192&hardware=nvidia-rtx-4090";
static const char *const CHECK_BODY =
    "{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"Q4_K_M\",\"context\":8192,"
    "\"hardware\":\"nvidia-rtx-4090\"}";

/* ---- clock -------------------------------------------------------------------------------- */

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- raw sockets -------------------------------------------------------------------------- */

/* The server's port, parsed from harness_base_url(). */
static unsigned server_port(void)
{
    const char *colon = strrchr(harness_base_url(), ':');
    ck_assert_msg(colon != NULL, "no port in %s", harness_base_url());
    unsigned long p = strtoul(colon + 1, NULL, 10);
    ck_assert_msg(p > 0 && p < 65536, "bad port in %s", harness_base_url());
    return (unsigned)p;
}

/* A blocking TCP connection to the server on 127.0.0.1 (the test fails when it cannot). */
static int raw_connect(void)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)server_port());
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
    int rc;
    do {
        rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    } while (rc != 0 && errno == EINTR);
    ck_assert_msg(rc == 0, "connect to 127.0.0.1:%u: %s", server_port(), strerror(errno));
    return fd;
}

/* Send all n bytes. Returns 0, or the errno when the server closed the connection first
** (EPIPE/ECONNRESET: a legitimate answer to an oversized request). */
static int raw_send(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Wait until fd is readable or deadline (mono_ms) passes. Returns true when readable. */
static bool wait_readable(int fd, long long deadline)
{
    for (;;) {
        long long left = deadline - mono_ms();
        if (left <= 0)
            return false;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)left);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
}

/* What a raw exchange ended with. */
struct raw_answer {
    int status;  /* HTTP status of a complete response; 0 = closed before one; -1 = timeout */
    char *data;  /* everything read (NUL-terminated), owned */
    size_t len;  /* bytes in data */
    size_t head; /* length of the header block including its blank line; 0 when incomplete */
};

static void raw_answer_free(struct raw_answer *a)
{
    free(a->data);
    memset(a, 0, sizeof *a);
}

/* Value of header name in the response header block of a (trimmed, into buf), or NULL. */
static const char *raw_header(const struct raw_answer *a, const char *name, char *buf, size_t cap)
{
    size_t nlen = strlen(name);
    const char *p = a->data;
    const char *end = a->data + a->head;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (NULL == eol)
            break;
        if ((size_t)(eol - p) > nlen && p[nlen] == ':' && 0 == strncasecmp(p, name, nlen)) {
            const char *v = p + nlen + 1;
            const char *e = eol;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
            size_t n = (size_t)(e - v) < cap - 1 ? (size_t)(e - v) : cap - 1;
            memcpy(buf, v, n);
            buf[n] = '\0';
            return buf;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Is the response in a complete (headers and the whole body by Content-Length or chunked)? */
static bool raw_complete(struct raw_answer *a)
{
    if (0 == a->head) {
        const char *blank = strstr(a->data, "\r\n\r\n");
        if (NULL == blank)
            return false;
        a->head = (size_t)(blank - a->data) + 4;
    }
    char v[64];
    if (NULL != raw_header(a, "Content-Length", v, sizeof v))
        return a->len >= a->head + strtoull(v, NULL, 10);
    if (NULL != raw_header(a, "Transfer-Encoding", v, sizeof v) && str_contains_ci(v, "chunked"))
        return a->len >= a->head + 5 && 0 == memcmp(a->data + a->len - 5, "0\r\n\r\n", 5);
    return false; /* delimited by the close */
}

/* Read one response from fd until it is complete, the server closes, or timeout_ms passes. */
static struct raw_answer raw_read_answer(int fd, long timeout_ms)
{
    struct raw_answer a = {.status = -1};
    a.data = calloc(1, ROBUST_RESPONSE_MAX + 1);
    ck_assert_ptr_nonnull(a.data);
    long long deadline = mono_ms() + timeout_ms;
    for (;;) {
        if (!wait_readable(fd, deadline))
            return a; /* timeout */
        ssize_t r = recv(fd, a.data + a.len, ROBUST_RESPONSE_MAX - a.len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            /* EOF or reset: a response delimited by the close still counts */
            if (r == 0 && a.head > 0 && 0 == strncmp(a.data, "HTTP/1.", 7))
                break;
            a.status = 0;
            return a;
        }
        a.len += (size_t)r;
        a.data[a.len] = '\0';
        if (raw_complete(&a))
            break;
        ck_assert_msg(a.len < ROBUST_RESPONSE_MAX, "response larger than %d bytes",
                      ROBUST_RESPONSE_MAX);
    }
    int status = 0;
    if (sscanf(a.data, "HTTP/1.%*1[01] %3d", &status) != 1 || status < 100 || status > 599)
        ck_abort_msg("not an HTTP/1.x status line: %.80s", a.data);
    a.status = status;
    return a;
}

/* Has the server closed fd (EOF or reset, nothing pending)? Does not wait. */
static bool raw_closed_now(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0)
        return false;
    if (pfd.revents & (POLLHUP | POLLERR))
        return true;
    char c;
    ssize_t r = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Read and drop whatever arrives until the server closes fd. Returns the milliseconds it took,
** or -1 when fd was still open after timeout_ms. */
static long long raw_wait_closed(int fd, long timeout_ms)
{
    long long start = mono_ms(), deadline = start + timeout_ms;
    char sink[4096];
    for (;;) {
        if (!wait_readable(fd, deadline))
            return -1;
        ssize_t r = recv(fd, sink, sizeof sink, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 || (r < 0 && (errno == ECONNRESET || errno == EPIPE)))
            return mono_ms() - start;
        ck_assert_msg(r > 0, "recv: %s", strerror(errno));
    }
}

/* ---- shared checks -------------------------------------------------------------------------- */

/* GET path through libcurl answers 200 JSON within ROBUST_LIVENESS_MS. */
static void assert_quick_200(const char *path, const char *while_what)
{
    struct http_result r;
    long long t0 = mono_ms();
    http_get(path, &r);
    long long took = mono_ms() - t0;
    char what[512];
    snprintf(what, sizeof what, "GET %.200s while %s", path, while_what);
    assert_json_status(&r, 200, what);
    http_result_free(&r);
    ck_assert_msg(took < ROBUST_LIVENESS_MS, "%s took %lld ms (bound %d ms)", what, took,
                  ROBUST_LIVENESS_MS);
}

/* POST /check with a whole body answers 200 JSON with a verdict within ROBUST_LIVENESS_MS. */
static void assert_quick_check_post(const char *while_what)
{
    struct http_result r;
    long long t0 = mono_ms();
    http_post_json("/check", CHECK_BODY, &r);
    long long took = mono_ms() - t0;
    char what[256];
    snprintf(what, sizeof what, "POST /check while %s", while_what);
    assert_json_status(&r, 200, what);
    ck_assert_msg(json_str_at(r.json, "verdict") != NULL, "%s: no verdict", what);
    http_result_free(&r);
    ck_assert_msg(took < ROBUST_LIVENESS_MS, "%s took %lld ms (bound %d ms)", what, took,
                  ROBUST_LIVENESS_MS);
}

/* ---- 1. slow-loris ----------------------------------------------------------------------------
 */

/* Partial requests a slow client sends before it stalls (none is ever finished). */
static const char *const SLOW_PREFIXES[] = {
    "G",
    "GET /heal",
    "GET /healthz HTTP/1.1",
    "GET /healthz HTTP/1.1\r\n",
    "GET /check?model=llama-3.1-8b-instruct HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
    "POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n",
    "GET /models HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nUser-Agent: slo",
};
#define N_SLOW_PREFIXES (sizeof SLOW_PREFIXES / sizeof SLOW_PREFIXES[0])

START_TEST(test_robustness_slowloris_does_not_block)
{
    int fds[ROBUST_SLOW_CLIENTS];
    for (int i = 0; i < ROBUST_SLOW_CLIENTS; i++) {
        fds[i] = raw_connect();
        const char *prefix = SLOW_PREFIXES[(size_t)i % N_SLOW_PREFIXES];
        ck_assert_int_eq(raw_send(fds[i], prefix, strlen(prefix)), 0);
    }
    pause_ms(200); /* let the server accept and read every one of them */

    for (int i = 0; i < 20; i++)
        assert_quick_200("/healthz", "40 clients stall mid-request");
    assert_quick_200(CHECK_QUERY, "40 clients stall mid-request");

    /* The stalled clients really were open the whole time (else nothing was proven). */
    for (int i = 0; i < ROBUST_SLOW_CLIENTS; i++) {
        ck_assert_msg(!raw_closed_now(fds[i]),
                      "slow client %d (\"%s\") was closed well before the %d s timeout", i,
                      SLOW_PREFIXES[(size_t)i % N_SLOW_PREFIXES], ROBUST_SERVER_TIMEOUT_S);
        close(fds[i]);
    }
    assert_healthy("40 slow clients gave up");
}
END_TEST

/* ---- 2. a body that never arrives ---------------------------------------------------------- */

START_TEST(test_robustness_stalled_body_times_out)
{
    static const char head[] = "POST /check HTTP/1.1\r\n"
                               "Host: 127.0.0.1\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 1000\r\n"
                               "\r\n"
                               "{\"model\":\"";
    int fd = raw_connect();
    ck_assert_int_eq(raw_send(fd, head, sizeof head - 1), 0); /* the last 10 bytes: body */
    long long sent = mono_ms();

    /* Others are served while the body is outstanding. */
    assert_quick_200("/healthz", "a POST body stalls at 10 of 1000 bytes");
    assert_quick_200(CHECK_QUERY, "a POST body stalls at 10 of 1000 bytes");
    assert_quick_check_post("a POST body stalls at 10 of 1000 bytes");
    ck_assert_msg(!raw_closed_now(fd), "the stalled POST was closed at once, not after idling");

    /* The server hangs up once the connection idled for its timeout. */
    long long left = ROBUST_SERVER_TIMEOUT_S * 1000LL + ROBUST_MARGIN_MS - (mono_ms() - sent);
    long long waited = raw_wait_closed(fd, (long)left);
    long long idle = mono_ms() - sent;
    close(fd);
    ck_assert_msg(waited >= 0,
                  "a POST stalled mid-body was still open after %lld ms (timeout %d s)", idle,
                  ROBUST_SERVER_TIMEOUT_S);
    ck_assert_msg(idle >= (ROBUST_SERVER_TIMEOUT_S - 2) * 1000LL,
                  "the stalled POST was closed after %lld ms, before the %d s idle timeout", idle,
                  ROBUST_SERVER_TIMEOUT_S);
    assert_healthy("a stalled POST timed out");
}
END_TEST

/* ---- 3. garbage on the wire ---------------------------------------------------------------- */

enum robust_expect {
    ROBUST_REFUSED,  /* a 4xx answer or a close */
    ROBUST_ANSWERED, /* any non-5xx answer (the request is within the server's limits) */
    ROBUST_VERSION,  /* a 4xx, 505 HTTP Version Not Supported (RFC 9110 15.6.6) or a close */
    ROBUST_HELD,     /* a 4xx, a close, or held open like any idle client until the server's
                        connection timeout closes it (others are served meanwhile) */
};

static const char *const EXPECT_TEXT[] = {
    [ROBUST_REFUSED] = "a 4xx or a close",
    [ROBUST_ANSWERED] = "any answer but a 5xx",
    [ROBUST_VERSION] = "a 4xx, a 505 or a close",
    [ROBUST_HELD] = "a 4xx, a close, or held until the idle timeout",
};

/* Does status (0 = closed without an answer) meet expectation e? */
static bool answer_fits(enum robust_expect e, int status)
{
    if (0 == status)
        return true;
    switch (e) {
    case ROBUST_REFUSED:
        return status >= 400 && status < 500;
    case ROBUST_ANSWERED:
        return status < 500;
    case ROBUST_VERSION:
        return (status >= 400 && status < 500) || 505 == status;
    case ROBUST_HELD:
        return status >= 400 && status < 500;
    }
    return false;
}

struct garbage_case {
    const char *name;
    char *data; /* owned */
    size_t len;
    enum robust_expect expect;
};

/* Append a printf-style line to buf (cap); a full buffer ends in "...". */
static void note(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 4 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= cap - used)
        memcpy(buf + cap - 4, "...", 4);
}

/* A request for /healthz whose header block carries `extra`. */
static struct garbage_case garbage_request(const char *name, const char *extra, size_t extra_len,
                                           enum robust_expect expect)
{
    static const char head[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    struct garbage_case g = {.name = name, .expect = expect};
    g.len = sizeof head - 1 + extra_len + 2;
    g.data = malloc(g.len);
    ck_assert_ptr_nonnull(g.data);
    memcpy(g.data, head, sizeof head - 1);
    memcpy(g.data + sizeof head - 1, extra, extra_len);
    memcpy(g.data + sizeof head - 1 + extra_len, "\r\n", 2);
    return g;
}

/* One header line "X-Big: aaaa...\r\n" of total bytes. */
static char *big_header_line(size_t total)
{
    char *s = malloc(total + 1);
    ck_assert_ptr_nonnull(s);
    memcpy(s, "X-Big: ", 7);
    memset(s + 7, 'a', total - 9);
    memcpy(s + total - 2, "\r\n", 2);
    s[total] = '\0';
    return s;
}

/* n header lines "X-Header-<i>: value\r\n". */
static char *many_headers(unsigned n, size_t *len)
{
    size_t cap = (size_t)n * 32 + 1, used = 0;
    char *s = malloc(cap);
    ck_assert_ptr_nonnull(s);
    for (unsigned i = 0; i < n; i++) {
        int w = snprintf(s + used, cap - used, "X-Header-%u: value\r\n", i);
        ck_assert(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
    }
    *len = used;
    return s;
}

/* Random bytes from a fixed seed (reproducible), ending in a blank line so a parser that
** waits for the end of the header block gets it. */
static struct garbage_case garbage_random(const char *name, uint32_t seed, size_t n)
{
    struct garbage_case g = {.name = name, .len = n + 4, .expect = ROBUST_REFUSED};
    g.data = malloc(g.len);
    ck_assert_ptr_nonnull(g.data);
    uint32_t x = seed;
    for (int i = 0; i < 32; i++) { /* xorshift32 from a small seed starts with small numbers */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
    }
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13; /* xorshift32 */
        x ^= x >> 17;
        x ^= x << 5;
        g.data[i] = (char)(x >> 24);
    }
    memcpy(g.data + n, "\r\n\r\n", 4);
    return g;
}

/* len bytes of text (which may hold NULs), expected to be refused. */
static struct garbage_case garbage_bytes(const char *name, const char *text, size_t len)
{
    struct garbage_case g = {.name = name, .len = len, .expect = ROBUST_REFUSED};
    g.data = malloc(len);
    ck_assert_ptr_nonnull(g.data);
    memcpy(g.data, text, len);
    return g;
}

static struct garbage_case garbage_text(const char *name, const char *text)
{
    return garbage_bytes(name, text, strlen(text));
}

START_TEST(test_robustness_garbage_is_refused)
{
    struct garbage_case cases[20];
    size_t n = 0;
    cases[n++] = garbage_random("512 random bytes (seed 1)", 1u, 512);
    cases[n++] = garbage_random("512 random bytes (seed 2)", 2u, 512);
    cases[n++] = garbage_random("4 KiB random bytes (seed 3)", 3u, 4096);
    cases[n++] =
        garbage_text("invalid method token", "FR@B /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    cases[n++] =
        garbage_text("unknown method", "BREW /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    cases[n++] = garbage_text("HTTP/0.9 request line", "GET /healthz\r\n\r\n");
    static const char nul_led[] = "\0GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    cases[n++] = garbage_bytes("NUL-led request line, then headers", nul_led, sizeof nul_led - 1);
    static const char nul_alone[] = "\0GET /healthz HTTP/1.1\r\n\r\n";
    /* libmicrohttpd 0.9.75 reads a line that starts with NUL as an empty line
    ** and keeps waiting for a request line: the connection is then an idle
    ** client, closed by the connection timeout. */
    cases[n++] =
        garbage_bytes("NUL-led request line, then the blank line", nul_alone, sizeof nul_alone - 1);
    cases[n - 1].expect = ROBUST_HELD;
    cases[n++] = garbage_text("HTTP/0.9 request line alone", "GET /healthz\r\n");
    cases[n++] =
        garbage_text("unknown HTTP version", "GET /healthz HTTP/7.3\r\nHost: 127.0.0.1\r\n\r\n");
    cases[n - 1].expect = ROBUST_VERSION;
    cases[n++] = garbage_text("header without a colon",
                              "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n");
    static const char nul_target[] = "GET /he\0althz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    cases[n++] = garbage_bytes("NUL in the target", nul_target, sizeof nul_target - 1);

    /* Large but within the per-connection header memory: the server may serve these. */
    char *line20k = big_header_line(20 * 1024);
    cases[n++] =
        garbage_request("one 20 KiB header line", line20k, strlen(line20k), ROBUST_ANSWERED);
    size_t h200_len;
    char *h200 = many_headers(200, &h200_len);
    cases[n++] = garbage_request("200 header lines", h200, h200_len, ROBUST_ANSWERED);
    /* Beyond it: refused. */
    char *line40k = big_header_line(ROBUST_CONNECTION_MEMORY + 8 * 1024);
    cases[n++] =
        garbage_request("one 40 KiB header line", line40k, strlen(line40k), ROBUST_REFUSED);
    size_t h2000_len;
    char *h2000 = many_headers(2000, &h2000_len);
    cases[n++] = garbage_request("2000 header lines", h2000, h2000_len, ROBUST_REFUSED);
    ck_assert(n <= sizeof cases / sizeof cases[0]);

    /* Every case runs; the ones the server got wrong are listed together at the end. */
    char wrong[4096] = "";
    for (size_t i = 0; i < n; i++) {
        const struct garbage_case *g = &cases[i];
        int fd = raw_connect();
        int send_err = raw_send(fd, g->data, g->len);
        struct raw_answer a = raw_read_answer(fd, ROBUST_GARBAGE_ANSWER_MS);
        close(fd);
        /* A held connection (ROBUST_HELD) is an idle client to the server: the
        ** health check below proves the others are served meanwhile. */
        if (a.status == -1 && ROBUST_HELD != g->expect)
            note(wrong, sizeof wrong,
                 "\n  %s: neither an answer nor a close within %d ms (send: %s; %zu bytes back)",
                 g->name, ROBUST_GARBAGE_ANSWER_MS, send_err ? strerror(send_err) : "ok", a.len);
        else if (a.status != -1 && !answer_fits(g->expect, a.status))
            note(wrong, sizeof wrong, "\n  %s: answered %d, want %s", g->name, a.status,
                 EXPECT_TEXT[g->expect]);
        raw_answer_free(&a);
        char after[128];
        snprintf(after, sizeof after, "garbage case \"%s\"", g->name);
        assert_healthy(after);
    }
    ck_assert_msg('\0' == wrong[0], "garbage the server mishandled:%s", wrong);
    for (size_t i = 0; i < n; i++)
        free(cases[i].data);
    free(line20k);
    free(h200);
    free(line40k);
    free(h2000);
}
END_TEST

/* ---- 4. many concurrent keep-alive connections -------------------------------------------- */

struct multi_slot {
    CURL *easy;
    char url[512];
    char *body;
    size_t len;
    bool overflow;
};

static size_t multi_on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct multi_slot *s = ud;
    size_t n = size * nmemb;
    if (s->len + n > ROBUST_RESPONSE_MAX) {
        s->overflow = true;
        return 0;
    }
    memcpy(s->body + s->len, ptr, n);
    s->len += n;
    s->body[s->len] = '\0';
    return n;
}

/* Run every slot's transfer at once; assert each got 200 JSON with a verdict. Returns the
** number of new connections the round opened. */
static long multi_round(CURLM *m, struct multi_slot *slots, int n, int round)
{
    for (int i = 0; i < n; i++) {
        slots[i].len = 0;
        slots[i].body[0] = '\0';
        ck_assert_int_eq(curl_multi_add_handle(m, slots[i].easy), CURLM_OK);
    }
    int running = n;
    long long deadline = mono_ms() + 120000;
    while (running > 0) {
        ck_assert_int_eq(curl_multi_perform(m, &running), CURLM_OK);
        if (running > 0)
            ck_assert_int_eq(curl_multi_poll(m, NULL, 0, 200, NULL), CURLM_OK);
        ck_assert_msg(mono_ms() < deadline, "round %d: transfers still running after 120 s", round);
    }
    int done = 0;
    CURLMsg *msg;
    int queued;
    while (NULL != (msg = curl_multi_info_read(m, &queued))) {
        if (CURLMSG_DONE != msg->msg)
            continue;
        done++;
        struct multi_slot *s = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
        ck_assert_ptr_nonnull(s);
        ck_assert_msg(CURLE_OK == msg->data.result, "round %d %s: %s", round, s->url,
                      curl_easy_strerror(msg->data.result));
    }
    ck_assert_int_eq(done, n);
    long connects = 0;
    for (int i = 0; i < n; i++) {
        struct multi_slot *s = &slots[i];
        long status = 0, nc = 0;
        curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &nc);
        connects += nc;
        ck_assert_msg(!s->overflow, "round %d %s: response too large", round, s->url);
        ck_assert_msg(200 == status, "round %d %s: status %ld: %.300s", round, s->url, status,
                      s->body);
        json_t *js = json_loads(s->body, 0, NULL);
        ck_assert_msg(js != NULL && json_str_at(js, "verdict") != NULL,
                      "round %d %s: no JSON verdict: %.300s", round, s->url, s->body);
        json_decref(js);
        ck_assert_int_eq(curl_multi_remove_handle(m, s->easy), CURLM_OK);
    }
    return connects;
}

START_TEST(test_robustness_concurrent_keepalive)
{
    static struct multi_slot slots[ROBUST_CONCURRENT];
    CURLM *m = curl_multi_init();
    ck_assert_ptr_nonnull(m);
    /* keep every connection between the rounds */
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)(2 * ROBUST_CONCURRENT));
    for (int i = 0; i < ROBUST_CONCURRENT; i++) {
        struct multi_slot *s = &slots[i];
        memset(s, 0, sizeof *s);
        s->body = malloc(ROBUST_RESPONSE_MAX + 1);
        ck_assert_ptr_nonnull(s->body);
        /* distinct contexts: not every answer comes from the response cache */
        int w = snprintf(s->url, sizeof s->url,
                         "%s/check?model=llama-3.1-8b-instruct&quant=Q4_K_M&context=%d"
                         "&hardware=nvidia-rtx-4090",
                         harness_base_url(), 2048 + 256 * i);
        ck_assert(w > 0 && (size_t)w < sizeof s->url);
        s->easy = curl_easy_init();
        ck_assert_ptr_nonnull(s->easy);
        curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
        curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(s->easy, CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, multi_on_body);
        curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (char *)s);
    }

    long first = multi_round(m, slots, ROBUST_CONCURRENT, 1);
    ck_assert_msg(first >= ROBUST_CONCURRENT / 2,
                  "round 1 opened only %ld connections for %d concurrent requests", first,
                  ROBUST_CONCURRENT);
    long second = multi_round(m, slots, ROBUST_CONCURRENT, 2);
    ck_assert_msg(second == 0,
                  "round 2 opened %ld new connections: the server closed keep-alive connections",
                  second);

    for (int i = 0; i < ROBUST_CONCURRENT; i++) {
        curl_easy_cleanup(slots[i].easy);
        free(slots[i].body);
    }
    curl_multi_cleanup(m);
    assert_healthy("100 concurrent keep-alive clients");
}
END_TEST

/* ---- 5. graceful stop ------------------------------------------------------------------------ */

/* Has process pid exited (a zombie waiting for the harness to reap it, or gone)? */
static bool process_exited(pid_t pid)
{
    char path[64], stat[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (NULL == f)
        return true;
    size_t n = fread(stat, 1, sizeof stat - 1, f);
    fclose(f);
    stat[n] = '\0';
    const char *paren = strrchr(stat, ')'); /* "pid (comm) S ..." */
    return NULL != paren && (paren[2] == 'Z' || paren[2] == 'X');
}

START_TEST(test_robustness_sigterm_finishes_request_in_flight)
{
    pid_t pid = harness_server_pid();
    ck_assert_msg(pid > 0, "no server pid");
    size_t body_len = strlen(CHECK_BODY), first = body_len / 2;
    char head[256];
    int hn = snprintf(head, sizeof head,
                      "POST /check HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                      body_len);
    ck_assert(hn > 0 && (size_t)hn < sizeof head);

    int fd = raw_connect();
    ck_assert_int_eq(raw_send(fd, head, (size_t)hn), 0);
    ck_assert_int_eq(raw_send(fd, CHECK_BODY, first), 0);
    pause_ms(150);
    ck_assert_msg(0 == kill(pid, SIGTERM), "kill: %s", strerror(errno));
    pause_ms(150);
    int err = raw_send(fd, CHECK_BODY + first, body_len - first);
    struct raw_answer a = raw_read_answer(fd, ROBUST_SERVER_GRACE_MS + ROBUST_MARGIN_MS);
    close(fd);
    ck_assert_msg(a.status == 200,
                  "the POST in flight at SIGTERM got %s%d (second part sent: %s), want its full "
                  "200 answer: %.200s",
                  a.status == 0 ? "a close, status " : "status ", a.status,
                  err ? strerror(err) : "ok", a.data);
    json_t *js = json_loadb(a.data + a.head, a.len - a.head, 0, NULL);
    ck_assert_msg(js != NULL && json_str_at(js, "verdict") != NULL,
                  "the answer after SIGTERM is not a whole /check result: %.300s", a.data + a.head);
    json_decref(js);
    raw_answer_free(&a);

    /* ...and then the server goes (the teardown checks it exited 0). */
    long long deadline = mono_ms() + ROBUST_SERVER_GRACE_MS + ROBUST_MARGIN_MS;
    while (!process_exited(pid)) {
        ck_assert_msg(mono_ms() < deadline, "the server still runs %d ms after SIGTERM",
                      ROBUST_SERVER_GRACE_MS + ROBUST_MARGIN_MS);
        pause_ms(20);
    }
}
END_TEST

static Suite *robustness_suite(void)
{
    Suite *s = suite_create("api_robustness");
    TCase *tc = tcase_create("hostile_clients");
    harness_add_fixture(tc);
    tcase_add_test(tc, test_robustness_slowloris_does_not_block);
    tcase_add_test(tc, test_robustness_stalled_body_times_out);
    tcase_add_test(tc, test_robustness_garbage_is_refused);
    tcase_add_test(tc, test_robustness_concurrent_keepalive);
    suite_add_tcase(s, tc);

    /* A server of its own: this case stops it. */
    TCase *stop = tcase_create("graceful_stop");
    harness_add_fixture(stop);
    tcase_add_test(stop, test_robustness_sigterm_finishes_request_in_flight);
    suite_add_tcase(s, stop);
    return s;
}

int main(void)
{
    return harness_run(robustness_suite());
}

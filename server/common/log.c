/* log.c: leveled stderr logger and access-log lines. Formats each line in a
** stack buffer and writes it with one write(2); never allocates, never logs
** request bodies.
*/
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level_current = LOG_INFO;
static atomic_int log_fd = 2;

static const char *const log_level_names[] = {"debug", "info", "warn", "error"};
static const char *const log_level_tags[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void log_set_level(enum log_level level)
{
    atomic_store(&log_level_current, (int)level);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&log_level_current);
}

bool log_enabled(enum log_level level)
{
    return (int)level >= atomic_load_explicit(&log_level_current, memory_order_relaxed);
}

int log_set_fd(int fd)
{
    return atomic_exchange(&log_fd, fd);
}

int log_level_parse(const char *s, enum log_level *out)
{
    if (NULL == s)
        return -1;
    for (size_t i = 0; i < sizeof log_level_names / sizeof log_level_names[0]; i++) {
        if (0 == strcasecmp(s, log_level_names[i])) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

const char *log_level_name(enum log_level level)
{
    if ((int)level < 0 || (size_t)level >= sizeof log_level_names / sizeof log_level_names[0])
        return "?";
    return log_level_names[level];
}

/* Write all of buf[0..len) to the log fd, retrying short writes and EINTR.
** Errors are ignored: there is nowhere left to report them. */
static void log_write_all(const char *buf, size_t len)
{
    int fd = atomic_load_explicit(&log_fd, memory_order_relaxed);
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (EINTR == errno)
                continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

/* "2026-01-31T12:00:00.123Z" into buf; returns its length (0 on failure). */
static size_t log_timestamp(char *buf, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    if (0 != clock_gettime(CLOCK_REALTIME, &ts) || NULL == gmtime_r(&ts.tv_sec, &tm))
        return 0;
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (0 == n)
        return 0;
    int m = snprintf(buf + n, cap - n, ".%03ldZ", (long)(ts.tv_nsec / 1000000));
    if (m < 0 || (size_t)m >= cap - n)
        return 0;
    return n + (size_t)m;
}

/* Mark a cut line: replace its tail with "..." (buf has room for cap bytes). */
static size_t log_mark_cut(char *buf, size_t cap)
{
    /* cap >= 5 always here: the buffers are LOG_LINE_MAX */
    memcpy(buf + cap - 4, "...", 4);
    return cap - 1;
}

void log_vmsg(enum log_level level, const char *subsystem, const char *fmt, va_list ap)
{
    if (!log_enabled(level))
        return;
    if ((int)level < LOG_DEBUG || (int)level > LOG_ERROR)
        level = LOG_ERROR;
    char line[LOG_LINE_MAX];
    const size_t cap = sizeof line - 1; /* keep one byte for the newline */
    size_t len = log_timestamp(line, cap);
    int n = snprintf(line + len, cap - len, " %s %s: ", log_level_tags[level],
                     NULL != subsystem ? subsystem : "-");
    if (n < 0)
        return;
    if ((size_t)n >= cap - len) {
        len = log_mark_cut(line, cap);
    } else {
        len += (size_t)n;
        n = NULL != fmt ? vsnprintf(line + len, cap - len, fmt, ap) : 0;
        if (n < 0)
            return;
        if ((size_t)n >= cap - len)
            len = log_mark_cut(line, cap);
        else
            len += (size_t)n;
    }
    /* libmicrohttpd's messages end in "\n" already; keep one newline only. */
    while (len > 0 && ('\n' == line[len - 1] || '\r' == line[len - 1]))
        len--;
    line[len++] = '\n';
    log_write_all(line, len);
}

void log_msg(enum log_level level, const char *subsystem, const char *fmt, ...)
{
    if (!log_enabled(level))
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, subsystem, fmt, ap);
    va_end(ap);
}

/* Append s to buf at *len, escaping bytes outside printable ASCII and '\\' as
** \xHH, stopping before max_in input bytes or when out of room. Returns true
** when all of s fit. */
static bool log_append_escaped(char *buf, size_t cap, size_t *len, const char *s, size_t max_in)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;
    for (; '\0' != s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = c > 0x20 && c < 0x7f && '\\' != c;
        size_t need = plain ? 1 : 4;
        if (i >= max_in || *len + need >= cap)
            return false;
        if (plain) {
            buf[(*len)++] = (char)c;
        } else {
            buf[(*len)++] = '\\';
            buf[(*len)++] = 'x';
            buf[(*len)++] = hex[c >> 4];
            buf[(*len)++] = hex[c & 15];
        }
    }
    return true;
}

size_t log_format_access(const struct log_access_line *a, char *buf, size_t cap)
{
    if (NULL == buf || cap < 8)
        return 0;
    size_t len = 0;
    buf[0] = '\0';
    int n = snprintf(buf, cap, "%s ", NULL != a->method ? a->method : "-");
    if (n < 0 || (size_t)n >= cap)
        return 0;
    len = (size_t)n;
    if (NULL == a->target) {
        buf[len++] = '-';
    } else if (!log_append_escaped(buf, cap - 3, &len, a->target, LOG_TARGET_MAX)) {
        memcpy(buf + len, "...", 3);
        len += 3;
    }
    buf[len] = '\0';

    char status[8] = "-";
    if (0 != a->status) {
        n = snprintf(status, sizeof status, "%u", a->status);
        if (n < 0 || (size_t)n >= sizeof status)
            memcpy(status, "?", 2);
    }
    /* milliseconds with one decimal below 10 s, whole ms above */
    double ms = (double)a->duration_us / 1000.0;
    n = snprintf(buf + len, cap - len, " %s %" PRIu64 "B %.*fms id=%s toe=%s", status, a->bytes,
                 ms < 10000.0 ? 1 : 0, ms, NULL != a->request_id ? a->request_id : "-",
                 NULL != a->termination ? a->termination : "-");
    if (n < 0)
        return len;
    if ((size_t)n >= cap - len) {
        buf[cap - 1] = '\0';
        return cap - 1;
    }
    return len + (size_t)n;
}

void log_access(const struct log_access_line *a)
{
    if (!log_enabled(LOG_INFO))
        return;
    char text[LOG_LINE_MAX - 64];
    log_format_access(a, text, sizeof text);
    log_msg(LOG_INFO, "access", "%s", text);
}

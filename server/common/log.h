/* log.h: leveled logger writing one line per call to stderr, plus the
** one-line access log. Never logs request bodies; callers cap what they pass.
**
** Thread rules: every function may be called from any thread; each line is
** formatted in a stack buffer and written with one write(2), so lines from
** different threads never interleave. log_set_level/log_set_fd are meant for
** startup (and tests) but are atomic, so a late call is still safe.
*/
#ifndef WIR_LOG_H
#define WIR_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
    LOG_DEBUG = 0, /* developer detail; off by default */
    LOG_INFO,      /* startup, config, shutdown, access lines */
    LOG_WARN,      /* a request failed for a server reason */
    LOG_ERROR,     /* the operator must act */
};

/* Longest line written; longer messages are cut and end in "...". */
#define LOG_LINE_MAX 1024
/* Bytes of the request target shown in an access line (escaped, then cut). */
#define LOG_TARGET_MAX 200

/* Messages below level are dropped. Default LOG_INFO. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* True when a message at level would be written (to skip costly formatting). */
bool log_enabled(enum log_level level);

/* Write lines to fd instead of stderr (2). For tests; returns the old fd. */
int log_set_fd(int fd);

/* "debug", "info", "warn", "error" (case-insensitive) -> 0 and *out; -1 otherwise. */
int log_level_parse(const char *s, enum log_level *out);
/* Lowercase name of level ("info"); "?" for a value outside the enum. */
const char *log_level_name(enum log_level level);

/* Write "<UTC time> <LEVEL> <subsystem>: <message>\n". subsystem is a short
** constant word ("http", "db", "main"). */
void log_msg(enum log_level level, const char *subsystem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same with a va_list (used to route libmicrohttpd's own messages here). */
void log_vmsg(enum log_level level, const char *subsystem, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* One finished request, for log_access. Strings are borrowed for the call. */
struct log_access_line {
    const char *method;      /* "GET"; NULL -> "-" */
    const char *target;      /* raw request target as sent (path?query); NULL -> "-" */
    unsigned status;         /* 0 = no response was sent */
    uint64_t bytes;          /* response body bytes */
    uint64_t duration_us;    /* from first byte of the request line to completion */
    const char *request_id;  /* NULL -> "-" */
    const char *termination; /* "ok", "timeout", "client_abort", ... ; NULL -> "-" */
};

/* Write "GET /check?model=x 200 1432B 0.8ms id=<id> toe=ok" at LOG_INFO
** (subsystem "access"). The target is escaped (bytes outside printable ASCII
** and '\\' become \xHH) and cut to LOG_TARGET_MAX bytes. */
void log_access(const struct log_access_line *a);

/* Format the access-line text (without time and level) into buf (cap bytes,
** NUL-terminated, cut on truncation). Returns the length written. Exposed for
** tests; log_access uses it. */
size_t log_format_access(const struct log_access_line *a, char *buf, size_t cap);

#endif

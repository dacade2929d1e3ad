/* daemon.h: the HTTP server: libmicrohttpd daemon, the access-handler phases
** (route, limits, body, handler), per-request context and graceful stop.
** The only module that talks to MHD besides response.c; it knows no
** endpoint's fields.
*/
#ifndef WIR_DAEMON_H
#define WIR_DAEMON_H

#include <stdbool.h>
#include <stddef.h>

#include "../store/catalog.h"

/* Limits (see daemon.c for the reasons). */
#define DAEMON_TARGET_MAX 8192 /* request target (path + query) bytes -> 414 */
#define DAEMON_CONNECTION_LIMIT 1024u
#define DAEMON_PER_IP_LIMIT 256u
#define DAEMON_TIMEOUT_S 15u /* idle seconds before a connection is closed */
#define DAEMON_CONNECTION_MEMORY ((size_t)32 * 1024)              /* headers + URL + read buffer */
#define DAEMON_DISCARD_MAX ((unsigned long long)16 * 1024 * 1024) /* then drop the client */

struct daemon_options {
    const char *bind;              /* numeric IPv4/IPv6 address */
    unsigned port;                 /* 0 = any free port */
    unsigned threads;              /* >= 1 */
    const char *cors_origin;       /* "*" or a comma-separated list of origins */
    const char *db_path;           /* for /readyz */
    const struct catalog *catalog; /* read-only while serving */
    unsigned check_cache_entries;  /* /check answers cached per worker thread; 0 = off */
};

struct daemon;

/* Create the listening socket and start serving with o (every pointer in it
** is borrowed and must outlive the daemon). Returns a new daemon, or NULL
** with one sentence in err (cap errlen), e.g. "cannot listen on
** 127.0.0.1:8080: Address already in use". Call after json_object_seed and
** with SIGPIPE ignored. */
struct daemon *daemon_start(const struct daemon_options *o, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The port actually bound (MHD_DAEMON_INFO_BIND_PORT). */
unsigned daemon_port(const struct daemon *d);

/* Stop accepting, let every request whose headers have arrived finish: its
** body read, answered and sent (up to grace_ms in all; what is still open
** then is dropped), stop the threads, close the socket and free d.
** NULL-safe. */
void daemon_stop(struct daemon *d, unsigned grace_ms);

/* Is a Content-Type value application/json (any case, optional parameters;
** a charset parameter must be utf-8)? */
bool daemon_content_type_is_json(const char *value);

/* Percent-decode s in place, except "%00", which stays as the three
** characters so an embedded NUL can never shorten a path or value. '+' is
** left alone (MHD turns '+' into ' ' in query arguments itself). Returns the
** new length. */
size_t daemon_unescape(char *s);

#endif

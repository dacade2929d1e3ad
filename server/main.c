/* main.c: wiring only: settings -> logging -> database migrate + seed ->
** in-memory catalog -> HTTP daemon -> wait for SIGTERM/SIGINT -> graceful
** stop. Holds no logic a test would want to call.
*/
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "http/daemon.h"
#include "store/catalog.h"
#include "store/migrate.h"

extern char **environ;

/* How long in-flight requests may take to finish after SIGTERM. */
#define MAIN_GRACE_MS 5000u

/* Write "<port>\n" to path atomically (temp file + rename), so a reader never
** sees a partial number. Returns 0 or -1 with err set. */
static int main_write_port_file(const char *path, unsigned port, char *err, size_t errlen)
{
    char tmp[CONFIG_PATH_MAX + 16];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        snprintf(err, errlen, "the port file path is too long");
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (NULL == f) {
        snprintf(err, errlen, "cannot write the port file %s: %s", tmp, strerror(errno));
        return -1;
    }
    int bad = fprintf(f, "%u\n", port) < 0;
    bad |= 0 != fclose(f);
    if (bad || 0 != rename(tmp, path)) {
        snprintf(err, errlen, "cannot write the port file %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct config cfg;
    char err[2 * CONFIG_PATH_MAX + 256]; /* room for two paths and a reason */

    if (0 != config_parse(&cfg, argc, argv, environ, err, sizeof err)) {
        fprintf(stderr, "willitrun: %s\n", err);
        return 2;
    }
    if (cfg.show_help) {
        config_usage(stdout);
        return 0;
    }
    if (cfg.show_version) {
        printf("willitrun %s\n", WIR_VERSION);
        return 0;
    }
    log_set_level(cfg.log_level);

    /* Before any JSON object exists and before threads start
     * (jansson doc/threadsafety.rst). */
    json_object_seed(0);

    /* MHD avoids SIGPIPE for its own sends but installs no handler. */
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, NULL);

    /* Block the stop signals in every thread; main waits for them below. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);

    config_log(&cfg);
    if (0 != migrate_and_seed(cfg.db_path, err, sizeof err)) {
        log_msg(LOG_ERROR, "main", "database %s: %s", cfg.db_path, err);
        return 1;
    }
    if (cfg.migrate_only) {
        log_msg(LOG_INFO, "main", "database %s is migrated and seeded", cfg.db_path);
        return 0;
    }

    struct catalog catalog;
    if (0 != catalog_load(cfg.db_path, &catalog, err, sizeof err)) {
        log_msg(LOG_ERROR, "main", "loading the catalog from %s: %s", cfg.db_path, err);
        catalog_free(&catalog);
        return 1;
    }

    struct daemon_options opt = {
        .bind = cfg.bind,
        .port = cfg.port,
        .threads = cfg.threads,
        .cors_origin = cfg.cors_origin,
        .db_path = cfg.db_path,
        .catalog = &catalog,
        .check_cache_entries = cfg.check_cache,
    };
    struct daemon *d = daemon_start(&opt, err, sizeof err);
    if (NULL == d) {
        log_msg(LOG_ERROR, "main", "%s", err);
        catalog_free(&catalog);
        return 1;
    }
    unsigned port = daemon_port(d);
    if ('\0' != cfg.port_file[0] &&
        0 != main_write_port_file(cfg.port_file, port, err, sizeof err)) {
        log_msg(LOG_ERROR, "main", "%s", err);
        daemon_stop(d, 0);
        catalog_free(&catalog);
        return 1;
    }
    log_msg(LOG_INFO, "main",
            "willitrun %s listening on http://%s%s%s:%u (%u threads; %zu models, %zu hardware, "
            "%zu quants, %zu error pages; schema %d)",
            WIR_VERSION, strchr(cfg.bind, ':') ? "[" : "", cfg.bind,
            strchr(cfg.bind, ':') ? "]" : "", port, cfg.threads, catalog.n_models,
            catalog.n_hardware, catalog.n_quants, catalog.n_errors, catalog.schema_version);

    int sig = 0;
    while (0 != sigwait(&stop_signals, &sig))
        ;
    log_msg(LOG_INFO, "main", "%s received; finishing requests in flight",
            SIGTERM == sig ? "SIGTERM" : "SIGINT");
    daemon_stop(d, MAIN_GRACE_MS);
    catalog_free(&catalog);
    if ('\0' != cfg.port_file[0])
        unlink(cfg.port_file);
    log_msg(LOG_INFO, "main", "stopped");
    return 0;
}

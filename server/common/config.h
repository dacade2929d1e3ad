/* config.h: the server's settings, declared once in a table (name, env var,
** type, default, bounds, help) and read from the environment, then from the
** command line (flags win). Knows nothing about HTTP or the database.
*/
#ifndef WIR_CONFIG_H
#define WIR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define CONFIG_PATH_MAX 4096
#define CONFIG_BIND_MAX 64
#define CONFIG_CORS_MAX 1024
/* Upper bound for --threads (libmicrohttpd's pool is one thread per slot). */
#define CONFIG_THREADS_MAX 256
/* Upper bound for --check-cache (entries per worker thread; an entry is at
** most 64 KiB, a typical /check answer about 3 KiB). */
#define CONFIG_CHECK_CACHE_MAX 65536

struct config {
    unsigned port;                     /* TCP port; 0 = let the kernel pick a free one */
    char bind[CONFIG_BIND_MAX];        /* numeric IPv4 or IPv6 address */
    char db_path[CONFIG_PATH_MAX];     /* SQLite file */
    unsigned threads;                  /* worker threads, >= 1 after config_parse */
    unsigned check_cache;              /* /check answers cached per worker thread; 0 = off */
    char cors_origin[CONFIG_CORS_MAX]; /* "*" or a comma-separated list of origins */
    char port_file[CONFIG_PATH_MAX];   /* "" = none; else the bound port is written here */
    enum log_level log_level;
    bool migrate_only; /* migrate + seed, then exit */
    bool show_version; /* --version was given */
    bool show_help;    /* --help was given */
};

enum config_type {
    CONFIG_UINT,   /* unsigned integer in [min, max] */
    CONFIG_STRING, /* text of 1..size-1 bytes, checked by the row's rule */
    CONFIG_BOOL,   /* flag; "--x" = true, "--x=false" or env "0"/"false" = false */
    CONFIG_LEVEL,  /* log level name */
};

/* One setting. The table is static const data, in --help order. */
struct config_setting {
    const char *name; /* flag without the leading "--": "port" */
    const char *env;  /* environment variable, or NULL (command line only) */
    enum config_type type;
    size_t offset;            /* offsetof(struct config, field) */
    size_t size;              /* CONFIG_STRING: capacity of the char array */
    const char *default_text; /* default as shown in --help and applied by config_parse */
    int64_t min, max;         /* CONFIG_UINT bounds */
    const char *help;         /* one line for --help */
    /* CONFIG_STRING: extra check (NULL = none); true when valid, else a reason */
    bool (*check)(const char *value, char *reason, size_t reasonlen);
    bool empty_ok; /* CONFIG_STRING: "" is allowed (means "none") */
};

/* The settings table; *n receives the number of rows. Never NULL. */
const struct config_setting *config_settings(size_t *n);

/* Fill *cfg from defaults, then env (NAME=value strings, NULL-terminated, as
** `environ`; may be NULL), then argv[1..argc) ("--name value" or
** "--name=value"; "-h" = --help). Empty environment values count as unset.
** --threads 0 (the default) becomes the number of online cores.
** Returns 0, or -1 with a sentence naming the flag (or env var) in err (cap
** errlen); the caller exits 2 then. --help and --version only set
** show_help / show_version; the caller prints and exits. */
int config_parse(struct config *cfg, int argc, char *const argv[], char *const envp[], char *err,
                 size_t errlen);

/* Print usage: every flag with its env var, default and help. */
void config_usage(FILE *out);

/* Log the effective settings at LOG_INFO (one line). */
void config_log(const struct config *cfg);

/* Whether spec is a valid --cors-origin value: "*", or a comma-separated list
** of origins "http[s]://host[:port]" (no path, no spaces inside an entry).
** On false, reason (cap reasonlen) says what is wrong. */
bool config_cors_valid(const char *spec, char *reason, size_t reasonlen);

#endif

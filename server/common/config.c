/* config.c: the settings table and its parser (defaults, environment, command
** line). Pure parsing plus --help text; it opens no files and starts nothing.
*/
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../core/textutil.h"

static bool config_bind_valid(const char *value, char *reason, size_t reasonlen);
static bool config_cors_check(const char *value, char *reason, size_t reasonlen);
static bool config_path_valid(const char *value, char *reason, size_t reasonlen);

#define CONFIG_FIELD(f) offsetof(struct config, f)

static const struct config_setting config_table[] = {
    {"port", "WILLITRUN_PORT", CONFIG_UINT, CONFIG_FIELD(port), 0, "8080", 0, 65535,
     "TCP port to listen on; 0 lets the system pick a free port (see --port-file)", NULL, false},
    {"bind", "WILLITRUN_BIND", CONFIG_STRING, CONFIG_FIELD(bind), CONFIG_BIND_MAX, "127.0.0.1", 0,
     0, "numeric IPv4 or IPv6 address to listen on (0.0.0.0 or :: for all interfaces)",
     config_bind_valid, false},
    {"db", "WILLITRUN_DB", CONFIG_STRING, CONFIG_FIELD(db_path), CONFIG_PATH_MAX, "./willitrun.db",
     0, 0, "SQLite database file; created, migrated and seeded at startup", config_path_valid,
     false},
    {"threads", "WILLITRUN_THREADS", CONFIG_UINT, CONFIG_FIELD(threads), 0, "0", 0,
     CONFIG_THREADS_MAX, "worker threads; 0 = one per online CPU core", NULL, false},
    {"check-cache", "WILLITRUN_CHECK_CACHE", CONFIG_UINT, CONFIG_FIELD(check_cache), 0, "256", 0,
     CONFIG_CHECK_CACHE_MAX,
     "answers to repeated /check questions kept per worker thread; 0 = always compute", NULL,
     false},
    {"cors-origin", "WILLITRUN_CORS_ORIGIN", CONFIG_STRING, CONFIG_FIELD(cors_origin),
     CONFIG_CORS_MAX, "*", 0, 0,
     "Access-Control-Allow-Origin: * or a comma-separated list of origins to echo",
     config_cors_check, false},
    {"port-file", "WILLITRUN_PORT_FILE", CONFIG_STRING, CONFIG_FIELD(port_file), CONFIG_PATH_MAX,
     "", 0, 0, "after listening, write the bound port number (and a newline) to this file",
     config_path_valid, true},
    {"log-level", "WILLITRUN_LOG_LEVEL", CONFIG_LEVEL, CONFIG_FIELD(log_level), 0, "info", 0, 0,
     "debug, info (includes one access line per request), warn or error", NULL, false},
    {"migrate-only", "WILLITRUN_MIGRATE_ONLY", CONFIG_BOOL, CONFIG_FIELD(migrate_only), 0, "false",
     0, 0, "create, migrate and seed the database, then exit", NULL, false},
    {"version", NULL, CONFIG_BOOL, CONFIG_FIELD(show_version), 0, "false", 0, 0,
     "print the version and exit", NULL, false},
    {"help", NULL, CONFIG_BOOL, CONFIG_FIELD(show_help), 0, "false", 0, 0,
     "print this help and exit (also -h)", NULL, false},
};

#define CONFIG_COUNT (sizeof config_table / sizeof config_table[0])

const struct config_setting *config_settings(size_t *n)
{
    if (NULL != n)
        *n = CONFIG_COUNT;
    return config_table;
}

/* snprintf into err, ignoring truncation (the message is still useful). */
static void config_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void config_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (NULL == err || 0 == errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
}

static bool config_bind_valid(const char *value, char *reason, size_t reasonlen)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (1 == inet_pton(AF_INET, value, &a4) || 1 == inet_pton(AF_INET6, value, &a6))
        return true;
    config_err(reason, reasonlen, "must be a numeric IPv4 or IPv6 address such as 127.0.0.1");
    return false;
}

static bool config_path_valid(const char *value, char *reason, size_t reasonlen)
{
    for (const char *p = value; '\0' != *p; p++) {
        if ((unsigned char)*p < 0x20) {
            config_err(reason, reasonlen, "must not contain control characters");
            return false;
        }
    }
    return true;
}

/* One origin "http[s]://host[:port]" of length len. */
static bool config_origin_valid(const char *s, size_t len)
{
    size_t scheme;
    if (len > 7 && 0 == strncasecmp(s, "http://", 7))
        scheme = 7;
    else if (len > 8 && 0 == strncasecmp(s, "https://", 8))
        scheme = 8;
    else
        return false;
    for (size_t i = scheme; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  '.' == c || '-' == c || ':' == c || '[' == c || ']' == c || '_' == c;
        if (!ok)
            return false;
    }
    return true;
}

bool config_cors_valid(const char *spec, char *reason, size_t reasonlen)
{
    if (NULL == spec || '\0' == *spec) {
        config_err(reason, reasonlen, "must be * or a comma-separated list of origins");
        return false;
    }
    if (0 == strcmp(spec, "*"))
        return true;
    const char *cursor = spec, *p;
    size_t len;
    while (NULL != (p = text_list_next(&cursor, &len))) {
        if (!config_origin_valid(p, len)) {
            config_err(reason, reasonlen,
                       "each origin must look like https://example.com[:port] (got \"%.*s\")",
                       (int)(len > 80 ? 80 : len), p);
            return false;
        }
    }
    return true;
}

static bool config_cors_check(const char *value, char *reason, size_t reasonlen)
{
    return config_cors_valid(value, reason, reasonlen);
}

/* Apply text to row i of cfg. source names it in messages ("--port" or
** "WILLITRUN_PORT"). Returns 0, or -1 with err set. */
static int config_apply(struct config *cfg, size_t i, const char *text, const char *source,
                        char *err, size_t errlen)
{
    const struct config_setting *s = &config_table[i];
    char *field = (char *)cfg + s->offset;
    switch (s->type) {
    case CONFIG_UINT: {
        int64_t v;
        if (0 != text_parse_i64(text, s->min, s->max, &v)) {
            config_err(err, errlen, "%s must be a whole number from %lld to %lld (got \"%.64s\")",
                       source, (long long)s->min, (long long)s->max, text);
            return -1;
        }
        *(unsigned *)(void *)field = (unsigned)v;
        return 0;
    }
    case CONFIG_BOOL: {
        bool b;
        if (0 != text_parse_bool(text, &b)) {
            config_err(err, errlen, "%s must be true, false, 1 or 0 (got \"%.64s\")", source, text);
            return -1;
        }
        *(bool *)(void *)field = b;
        return 0;
    }
    case CONFIG_LEVEL: {
        enum log_level level;
        if (0 != log_level_parse(text, &level)) {
            config_err(err, errlen, "%s must be debug, info, warn or error (got \"%.64s\")", source,
                       text);
            return -1;
        }
        *(enum log_level *)(void *)field = level;
        return 0;
    }
    case CONFIG_STRING: {
        size_t len = strlen(text);
        if (0 == len && !s->empty_ok) {
            config_err(err, errlen, "%s must not be empty", source);
            return -1;
        }
        if (len >= s->size) {
            config_err(err, errlen, "%s is too long (at most %zu bytes)", source, s->size - 1);
            return -1;
        }
        char reason[160];
        if (len > 0 && NULL != s->check && !s->check(text, reason, sizeof reason)) {
            config_err(err, errlen, "%s %s", source, reason);
            return -1;
        }
        memcpy(field, text, len + 1);
        return 0;
    }
    }
    config_err(err, errlen, "%s has an unknown type", source);
    return -1;
}

/* Value of env var name in envp, or NULL. */
static const char *config_env_value(char *const envp[], const char *name)
{
    if (NULL == envp || NULL == name)
        return NULL;
    size_t n = strlen(name);
    for (size_t i = 0; NULL != envp[i]; i++) {
        if (0 == strncmp(envp[i], name, n) && '=' == envp[i][n])
            return envp[i] + n + 1;
    }
    return NULL;
}

/* Row index of the flag named name[0..len), or CONFIG_COUNT. */
static size_t config_find(const char *name, size_t len)
{
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        if (strlen(config_table[i].name) == len && 0 == strncmp(config_table[i].name, name, len))
            return i;
    }
    return CONFIG_COUNT;
}

int config_parse(struct config *cfg, int argc, char *const argv[], char *const envp[], char *err,
                 size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    if (NULL != err && errlen > 0)
        err[0] = '\0';
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        char source[64];
        snprintf(source, sizeof source, "the default of --%s", config_table[i].name);
        if (0 != config_apply(cfg, i, config_table[i].default_text, source, err, errlen))
            return -1;
    }
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        const char *v = config_env_value(envp, config_table[i].env);
        if (NULL != v && '\0' != *v &&
            0 != config_apply(cfg, i, v, config_table[i].env, err, errlen))
            return -1;
    }
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (0 == strcmp(arg, "-h")) {
            cfg->show_help = true;
            continue;
        }
        if (0 != strncmp(arg, "--", 2) || '\0' == arg[2]) {
            config_err(err, errlen,
                       "unexpected argument \"%.64s\" (flags start with --; see --help)", arg);
            return -1;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = NULL != eq ? (size_t)(eq - name) : strlen(name);
        size_t row = config_find(name, name_len);
        if (CONFIG_COUNT == row) {
            config_err(err, errlen, "unknown flag --%.*s (see --help)",
                       (int)(name_len > 64 ? 64 : name_len), name);
            return -1;
        }
        char source[64];
        snprintf(source, sizeof source, "--%s", config_table[row].name);
        const char *value;
        if (NULL != eq) {
            value = eq + 1;
        } else if (CONFIG_BOOL == config_table[row].type) {
            value = "true";
        } else if (a + 1 < argc) {
            value = argv[++a];
        } else {
            config_err(err, errlen, "%s needs a value (see --help)", source);
            return -1;
        }
        if (0 != config_apply(cfg, row, value, source, err, errlen))
            return -1;
    }
    if (0 == cfg->threads) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->threads = cores < 1                    ? 1u
                       : cores > CONFIG_THREADS_MAX ? CONFIG_THREADS_MAX
                                                    : (unsigned)cores;
    }
    return 0;
}

void config_usage(FILE *out)
{
    fprintf(out, "Usage: willitrun [flags]\n\n"
                 "Serves the willitrun HTTP JSON API. Every flag can also be set with the\n"
                 "environment variable shown; a flag on the command line wins.\n\n");
    for (size_t i = 0; i < CONFIG_COUNT; i++) {
        const struct config_setting *s = &config_table[i];
        char flag[48];
        const char *arg = CONFIG_UINT == s->type ? " N"
                          : CONFIG_STRING == s->type
                              ? (CONFIG_FIELD(bind) == s->offset          ? " ADDR"
                                 : CONFIG_FIELD(cors_origin) == s->offset ? " ORIGINS"
                                                                          : " PATH")
                          : CONFIG_LEVEL == s->type ? " LEVEL"
                                                    : "";
        snprintf(flag, sizeof flag, "--%s%s", s->name, arg);
        fprintf(out, "  %-22s %s\n", flag, s->help);
        if (NULL != s->env) {
            const char *def = s->default_text;
            if (CONFIG_FIELD(threads) == s->offset)
                def = "0 (one per online core)";
            else if ('\0' == *def)
                def = "(none)";
            fprintf(out, "  %-22s env %s, default %s\n", "", s->env, def);
        }
    }
    fprintf(out, "\nExit status: 0 on success or after --help/--version, 1 when startup fails,\n"
                 "2 for an invalid flag or environment value.\n");
}

void config_log(const struct config *cfg)
{
    log_msg(LOG_INFO, "config",
            "bind=%s port=%u db=%s threads=%u check-cache=%u cors-origin=%s port-file=%s "
            "log-level=%s",
            cfg->bind, cfg->port, cfg->db_path, cfg->threads, cfg->check_cache, cfg->cors_origin,
            '\0' != cfg->port_file[0] ? cfg->port_file : "-", log_level_name(cfg->log_level));
}

/* test_http.c: unit tests for the HTTP layer without a socket: problem
** documents, the route table, settings parsing, strict JSON loading, query
** arguments, CORS, logging format, metrics and the catalog/KB handlers over
** a small hand-built catalog.
*/
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "common/log.h"
#include "http/daemon.h"
#include "http/handlers.h"
#include "http/json_util.h"
#include "http/metrics.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/request.h"
#include "http/response.h"
#include "http/route.h"

#define TYPE_BASE "https://willitrun.dev/problems/"

/* ------------------------------------------------------------------ */
/* problem                                                            */

START_TEST(test_problem_renders_every_kind)
{
    for (int k = 0; k < API_ERR_COUNT; k++) {
        struct problem pb;
        problem_init(&pb);
        problem_set(&pb, (enum api_error)k, "detail %d", k);
        json_t *doc = problem_to_json(&pb);
        ck_assert_msg(NULL != doc, "kind %d did not render", k);
        unsigned status = problem_status((enum api_error)k);
        ck_assert_msg(status >= 400 && status <= 599, "kind %d status %u", k, status);
        ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), status);
        char type[128];
        snprintf(type, sizeof type, TYPE_BASE "%s", problem_type_slug((enum api_error)k));
        ck_assert_str_eq(json_string_value(json_object_get(doc, "type")), type);
        ck_assert_str_eq(json_string_value(json_object_get(doc, "title")),
                         problem_title((enum api_error)k));
        char detail[32];
        snprintf(detail, sizeof detail, "detail %d", k);
        ck_assert_str_eq(json_string_value(json_object_get(doc, "detail")), detail);
        ck_assert(json_is_array(json_object_get(doc, "invalid_params")));
        /* unknown ids always carry a (possibly empty) suggestions list */
        if (API_ERR_UNKNOWN_ID == k)
            ck_assert(json_is_array(json_object_get(doc, "suggestions")));
        else
            ck_assert_ptr_null(json_object_get(doc, "suggestions"));
        json_decref(doc);
    }
}
END_TEST

START_TEST(test_problem_statuses_match_the_table)
{
    ck_assert_uint_eq(problem_status(API_ERR_BAD_JSON), 400);
    ck_assert_uint_eq(problem_status(API_ERR_INVALID_PARAMS), 400);
    ck_assert_uint_eq(problem_status(API_ERR_NOT_FOUND), 404);
    ck_assert_uint_eq(problem_status(API_ERR_UNKNOWN_ID), 404);
    ck_assert_uint_eq(problem_status(API_ERR_METHOD_NOT_ALLOWED), 405);
    ck_assert_uint_eq(problem_status(API_ERR_BODY_TOO_LARGE), 413);
    ck_assert_uint_eq(problem_status(API_ERR_URI_TOO_LONG), 414);
    ck_assert_uint_eq(problem_status(API_ERR_UNSUPPORTED_MEDIA), 415);
    ck_assert_uint_eq(problem_status(API_ERR_UNPROCESSABLE), 422);
    ck_assert_uint_eq(problem_status(API_ERR_INTERNAL), 500);
    ck_assert_uint_eq(problem_status(API_ERR_UNAVAILABLE), 503);
    ck_assert_str_eq(problem_type_slug(API_ERR_UNKNOWN_ID), "unknown-id");
}
END_TEST

START_TEST(test_problem_unset_kind_renders_internal)
{
    struct problem pb;
    problem_init(&pb);
    ck_assert_uint_eq(problem_status(pb.kind), 500);
    json_t *doc = problem_to_json(&pb);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "type")), TYPE_BASE "internal");
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "status")), 500);
    json_decref(doc);
}
END_TEST

START_TEST(test_problem_add_param_caps)
{
    struct problem pb;
    problem_init(&pb);
    for (int i = 0; i < PROBLEM_MAX_PARAMS + 5; i++)
        problem_add_param(&pb, "field", "reason %d", i);
    ck_assert_uint_eq(pb.n_params, PROBLEM_MAX_PARAMS);
    ck_assert_int_eq(pb.kind, API_ERR_INVALID_PARAMS);
    ck_assert_str_eq(pb.params[PROBLEM_MAX_PARAMS - 1].reason, "reason 15");

    char long_name[200], long_reason[600];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    memset(long_reason, 'r', sizeof long_reason - 1);
    long_reason[sizeof long_reason - 1] = '\0';
    problem_init(&pb);
    problem_add_param(&pb, long_name, "%s", long_reason);
    ck_assert_uint_eq(strlen(pb.params[0].name), sizeof pb.params[0].name - 1);
    ck_assert_uint_eq(strlen(pb.params[0].reason), sizeof pb.params[0].reason - 1);

    json_t *doc = problem_to_json(&pb);
    json_t *p0 = json_array_get(json_object_get(doc, "invalid_params"), 0);
    ck_assert_uint_eq(strlen(json_string_value(json_object_get(p0, "name"))), 63);
    json_decref(doc);
}
END_TEST

START_TEST(test_problem_add_param_keeps_a_set_kind)
{
    struct problem pb;
    problem_init(&pb);
    problem_set(&pb, API_ERR_UNKNOWN_ID, "no such model");
    problem_add_param(&pb, "model", "is not in the catalog");
    ck_assert_int_eq(pb.kind, API_ERR_UNKNOWN_ID);
    json_t *doc = problem_to_json(&pb);
    json_t *params = json_object_get(doc, "invalid_params");
    ck_assert_uint_eq(json_array_size(params), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(params, 0), "reason")),
                     "is not in the catalog");
    json_decref(doc);
}
END_TEST

START_TEST(test_problem_suggestions_capped_and_unique)
{
    struct problem pb;
    problem_init(&pb);
    problem_set(&pb, API_ERR_UNKNOWN_ID, "x");
    problem_add_suggestion(&pb, "a");
    problem_add_suggestion(&pb, "a");
    problem_add_suggestion(&pb, "");
    char too_long[200];
    memset(too_long, 'z', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    problem_add_suggestion(&pb, too_long);
    const char *more[] = {"b", "c", "d", "e", "f", "g"};
    for (size_t i = 0; i < 6; i++)
        problem_add_suggestion(&pb, more[i]);
    ck_assert_uint_eq(pb.n_suggestions, PROBLEM_MAX_SUGGESTIONS);
    json_t *doc = problem_to_json(&pb);
    json_t *s = json_object_get(doc, "suggestions");
    ck_assert_uint_eq(json_array_size(s), 5);
    ck_assert_str_eq(json_string_value(json_array_get(s, 0)), "a");
    ck_assert_str_eq(json_string_value(json_array_get(s, 4)), "e");
    json_decref(doc);
}
END_TEST

START_TEST(test_problem_detail_with_invalid_utf8_still_renders)
{
    struct problem pb;
    problem_init(&pb);
    problem_set(&pb, API_ERR_BAD_JSON, "bad byte \xff here");
    pb.instance = "/errors/\xc3";
    json_t *doc = problem_to_json(&pb);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "detail")), "bad byte ? here");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "instance")), "/errors/?");
    json_decref(doc);
}
END_TEST

START_TEST(test_problem_default_detail_names_fields)
{
    struct problem pb;
    problem_init(&pb);
    problem_add_param(&pb, "limit", "bad");
    problem_add_param(&pb, "cursor", "bad");
    json_t *doc = problem_to_json(&pb);
    const char *detail = json_string_value(json_object_get(doc, "detail"));
    ck_assert_ptr_nonnull(strstr(detail, "limit"));
    ck_assert_ptr_nonnull(strstr(detail, "cursor"));
    json_decref(doc);
}
END_TEST

/* ------------------------------------------------------------------ */
/* route                                                              */

START_TEST(test_route_exact_match)
{
    struct route_match m;
    ck_assert_int_eq(route_match(HTTP_GET, "/healthz", &m), ROUTE_FOUND);
    ck_assert_ptr_eq(m.route->handler, handle_healthz);
    ck_assert_ptr_null(m.id);
    ck_assert_int_eq(route_match(HTTP_POST, "/check", &m), ROUTE_FOUND);
    ck_assert_ptr_eq(m.route->handler, handle_check_post);
    ck_assert_uint_eq(m.route->body_max, 64u * 1024u);
    ck_assert_int_eq(route_match(HTTP_GET, "/check", &m), ROUTE_FOUND);
    ck_assert_ptr_eq(m.route->handler, handle_check_get);
    ck_assert_int_eq(route_match(HTTP_POST, "/errors/match", &m), ROUTE_FOUND);
    ck_assert_ptr_eq(m.route->handler, handle_errors_match);
    ck_assert_uint_eq(m.route->body_max, 256u * 1024u);
}
END_TEST

START_TEST(test_route_id_match)
{
    struct route_match m;
    const char *path = "/errors/metal-allocator-oom";
    ck_assert_int_eq(route_match(HTTP_GET, path, &m), ROUTE_FOUND);
    ck_assert_ptr_eq(m.route->handler, handle_errors_get);
    ck_assert_ptr_eq(m.id, path + strlen("/errors/"));
    ck_assert_int_eq(route_match(HTTP_GET, "/hardware/nvidia-rtx-4090", &m), ROUTE_FOUND);
    ck_assert_ptr_eq(m.route->handler, handle_hardware_get);
    ck_assert_str_eq(m.id, "nvidia-rtx-4090");
    ck_assert_int_eq(route_match(HTTP_GET, "/models/a/b", &m), ROUTE_FOUND);
    ck_assert_str_eq(m.id, "a/b"); /* the daemon refuses it as an id: 400 */
    ck_assert_int_eq(route_match(HTTP_HEAD, "/models/x", &m), ROUTE_FOUND);
    ck_assert_ptr_eq(m.route->handler, handle_models_get);
}
END_TEST

START_TEST(test_route_not_found)
{
    struct route_match m;
    const char *paths[] = {"/",       "",          "/nope",   "/errors/", "/hardwarex",
                           "/check/", "/quants/x", "healthz", "/HEALTHZ"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        ck_assert_msg(ROUTE_NOT_FOUND == route_match(HTTP_GET, paths[i], &m), "path %s", paths[i]);
        ck_assert_str_eq(m.allow, "");
    }
    ck_assert_int_eq(route_match(HTTP_GET, NULL, &m), ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(test_route_method_not_allowed_lists_allow)
{
    struct route_match m;
    ck_assert_int_eq(route_match(HTTP_POST, "/hardware", &m), ROUTE_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(m.allow, "GET, HEAD, OPTIONS");
    ck_assert_ptr_null(m.route);
    ck_assert_int_eq(route_match(HTTP_OTHER, "/check", &m), ROUTE_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(m.allow, "GET, HEAD, POST, OPTIONS");
    /* an exact path wins over /errors/{id}: "match" is not looked up as an id */
    ck_assert_int_eq(route_match(HTTP_GET, "/errors/match", &m), ROUTE_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(m.allow, "POST, OPTIONS");
    ck_assert_int_eq(route_match(HTTP_POST, "/errors/some-id", &m), ROUTE_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(m.allow, "GET, HEAD, OPTIONS");
}
END_TEST

START_TEST(test_route_options_matches_existing_paths)
{
    struct route_match m;
    ck_assert_int_eq(route_match(HTTP_OPTIONS, "/check", &m), ROUTE_FOUND);
    ck_assert_str_eq(m.allow, "GET, HEAD, POST, OPTIONS");
    ck_assert_int_eq(route_match(HTTP_OPTIONS, "/errors/match", &m), ROUTE_FOUND);
    ck_assert_str_eq(m.allow, "POST, OPTIONS");
    ck_assert_int_eq(route_match(HTTP_OPTIONS, "/nope", &m), ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(test_route_table_rows_match_themselves)
{
    size_t n;
    const struct route *rows = route_table(&n);
    ck_assert_uint_eq(n, 14);
    for (size_t i = 0; i < n; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s", rows[i].path);
        char *brace = strstr(path, "{id}");
        if (NULL != brace)
            memcpy(brace, "abcd", 5);
        struct route_match m;
        ck_assert_msg(ROUTE_FOUND == route_match(rows[i].method, path, &m), "row %zu", i);
        ck_assert_uint_eq(m.index, i);
        ck_assert_ptr_nonnull(rows[i].handler);
        ck_assert(HTTP_POST == rows[i].method ? rows[i].body_max > 0 : 0 == rows[i].body_max);
    }
}
END_TEST

START_TEST(test_route_method_parse)
{
    ck_assert_int_eq(route_method_parse("GET"), HTTP_GET);
    ck_assert_int_eq(route_method_parse("HEAD"), HTTP_HEAD);
    ck_assert_int_eq(route_method_parse("POST"), HTTP_POST);
    ck_assert_int_eq(route_method_parse("OPTIONS"), HTTP_OPTIONS);
    ck_assert_int_eq(route_method_parse("get"), HTTP_OTHER);
    ck_assert_int_eq(route_method_parse("DELETE"), HTTP_OTHER);
    ck_assert_int_eq(route_method_parse(NULL), HTTP_OTHER);
}
END_TEST

/* ------------------------------------------------------------------ */
/* config                                                             */

static int parse_args(struct config *cfg, char *const envp[], char *err, size_t errlen, ...)
{
    char *argv[32] = {"willitrun"};
    int argc = 1;
    va_list ap;
    va_start(ap, errlen);
    for (char *a; argc < 31 && NULL != (a = va_arg(ap, char *));)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    return config_parse(cfg, argc, argv, envp, err, errlen);
}

START_TEST(test_config_defaults)
{
    struct config cfg;
    char err[256];
    ck_assert_int_eq(parse_args(&cfg, NULL, err, sizeof err, NULL), 0);
    ck_assert_uint_eq(cfg.port, 8080);
    ck_assert_str_eq(cfg.bind, "127.0.0.1");
    ck_assert_str_eq(cfg.db_path, "./willitrun.db");
    ck_assert_uint_ge(cfg.threads, 1);
    ck_assert_str_eq(cfg.cors_origin, "*");
    ck_assert_str_eq(cfg.port_file, "");
    ck_assert_int_eq(cfg.log_level, LOG_INFO);
    ck_assert(!cfg.migrate_only && !cfg.show_help && !cfg.show_version);
}
END_TEST

START_TEST(test_config_flags)
{
    struct config cfg;
    char err[256];
    ck_assert_int_eq(parse_args(&cfg, NULL, err, sizeof err, "--port", "0", "--bind=::1", "--db",
                                "/tmp/x.db", "--threads", "3", "--cors-origin",
                                "https://a.example,http://localhost:3000", "--port-file",
                                "/tmp/port", "--log-level=WARN", "--migrate-only", NULL),
                     0);
    ck_assert_uint_eq(cfg.port, 0);
    ck_assert_str_eq(cfg.bind, "::1");
    ck_assert_str_eq(cfg.db_path, "/tmp/x.db");
    ck_assert_uint_eq(cfg.threads, 3);
    ck_assert_str_eq(cfg.cors_origin, "https://a.example,http://localhost:3000");
    ck_assert_str_eq(cfg.port_file, "/tmp/port");
    ck_assert_int_eq(cfg.log_level, LOG_WARN);
    ck_assert(cfg.migrate_only);
    ck_assert_int_eq(parse_args(&cfg, NULL, err, sizeof err, "--version", NULL), 0);
    ck_assert(cfg.show_version);
    ck_assert_int_eq(parse_args(&cfg, NULL, err, sizeof err, "-h", NULL), 0);
    ck_assert(cfg.show_help);
    ck_assert_int_eq(parse_args(&cfg, NULL, err, sizeof err, "--migrate-only=false", NULL), 0);
    ck_assert(!cfg.migrate_only);
}
END_TEST

START_TEST(test_config_env_then_flags)
{
    struct config cfg;
    char err[256];
    char *env[] = {"HOME=/root",
                   "WILLITRUN_PORT=1234",
                   "WILLITRUN_DB=/data/w.db",
                   "WILLITRUN_THREADS=",
                   "WILLITRUN_MIGRATE_ONLY=1",
                   "WILLITRUN_PORTX=9",
                   NULL};
    ck_assert_int_eq(parse_args(&cfg, env, err, sizeof err, NULL), 0);
    ck_assert_uint_eq(cfg.port, 1234);
    ck_assert_str_eq(cfg.db_path, "/data/w.db");
    ck_assert_uint_ge(cfg.threads, 1); /* empty = unset */
    ck_assert(cfg.migrate_only);
    ck_assert_int_eq(parse_args(&cfg, env, err, sizeof err, "--port", "4321", NULL), 0);
    ck_assert_uint_eq(cfg.port, 4321);
}
END_TEST

static const struct {
    const char *flag, *value, *named;
} config_bad_rows[] = {
    {"--port", "70000", "--port"},
    {"--port", "-1", "--port"},
    {"--port", "08", "--port"},
    {"--port", "", "--port"},
    {"--port", "80x", "--port"},
    {"--bind", "localhost", "--bind"},
    {"--bind", "1.2.3", "--bind"},
    {"--threads", "999", "--threads"},
    {"--db", "", "--db"},
    {"--cors-origin", "ftp://x", "--cors-origin"},
    {"--cors-origin", "https://a.com/path", "--cors-origin"},
    {"--cors-origin", "https://a.com,,https://b.com", "--cors-origin"},
    {"--log-level", "loud", "--log-level"},
    {"--migrate-only=maybe", NULL, "--migrate-only"},
    {"--nope", NULL, "--nope"},
    {"stray", NULL, "stray"},
    {"--port", NULL, "--port"}, /* missing value */
};

START_TEST(test_config_rejects_bad_values)
{
    struct config cfg;
    char err[256];
    const char *flag = config_bad_rows[_i].flag, *value = config_bad_rows[_i].value;
    int rc = NULL != value ? parse_args(&cfg, NULL, err, sizeof err, flag, value, NULL)
                           : parse_args(&cfg, NULL, err, sizeof err, flag, NULL);
    ck_assert_msg(-1 == rc, "row %d (%s %s) accepted", _i, flag, value ? value : "");
    ck_assert_msg(NULL != strstr(err, config_bad_rows[_i].named), "row %d: \"%s\"", _i, err);
}
END_TEST

START_TEST(test_config_env_error_names_the_variable)
{
    struct config cfg;
    char err[256];
    char *env[] = {"WILLITRUN_PORT=http", NULL};
    ck_assert_int_eq(parse_args(&cfg, env, err, sizeof err, NULL), -1);
    ck_assert_ptr_nonnull(strstr(err, "WILLITRUN_PORT"));
}
END_TEST

START_TEST(test_config_table_is_complete)
{
    size_t n;
    const struct config_setting *s = config_settings(&n);
    ck_assert_uint_ge(n, 10);
    for (size_t i = 0; i < n; i++) {
        ck_assert_ptr_nonnull(s[i].help);
        ck_assert_ptr_nonnull(s[i].default_text);
        if (NULL != s[i].env)
            ck_assert_int_eq(strncmp(s[i].env, "WILLITRUN_", 10), 0);
        else
            ck_assert(0 == strcmp(s[i].name, "version") || 0 == strcmp(s[i].name, "help"));
    }
    /* --help mentions every flag and env var */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    config_usage(f);
    fclose(f);
    for (size_t i = 0; i < n; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", s[i].name);
        ck_assert_msg(NULL != strstr(text, flag), "%s missing from --help", flag);
        if (NULL != s[i].env)
            ck_assert_ptr_nonnull(strstr(text, s[i].env));
    }
    free(text);
}
END_TEST

START_TEST(test_config_cors_valid)
{
    char why[128];
    ck_assert(config_cors_valid("*", why, sizeof why));
    ck_assert(config_cors_valid("https://willitrun.dev", why, sizeof why));
    ck_assert(config_cors_valid("http://localhost:3000, https://a.b", why, sizeof why));
    ck_assert(!config_cors_valid("", why, sizeof why));
    ck_assert(!config_cors_valid("*,https://a.b", why, sizeof why));
    ck_assert(!config_cors_valid("https://", why, sizeof why));
}
END_TEST

/* ------------------------------------------------------------------ */
/* json_util                                                          */

static json_t *load(const char *text, struct problem *pb)
{
    problem_init(pb);
    return json_body_load(text, strlen(text), pb);
}

START_TEST(test_json_body_load_accepts_object)
{
    struct problem pb;
    json_t *doc = load(" {\"model\": \"x\", \"context\": 4096}\n", &pb);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(json_integer_value(json_object_get(doc, "context")), 4096);
    json_decref(doc);
    /* no NUL terminator needed: only len bytes are read */
    const char buf[] = "{\"a\":1}garbage";
    problem_init(&pb);
    doc = json_body_load(buf, 7, &pb);
    ck_assert_ptr_nonnull(doc);
    json_decref(doc);
}
END_TEST

START_TEST(test_json_body_load_rejects_duplicates)
{
    struct problem pb;
    ck_assert_ptr_null(load("{\"context\": 1, \"context\": 2}", &pb));
    ck_assert_int_eq(pb.kind, API_ERR_BAD_JSON);
    ck_assert_ptr_nonnull(strstr(pb.detail, "duplicate"));
    ck_assert_ptr_nonnull(strstr(pb.detail, "column"));
}
END_TEST

START_TEST(test_json_body_load_rejects_non_objects)
{
    static const struct {
        const char *text, *word;
    } rows[] = {{"[1,2]", "array"}, {"\"x\"", "string"}, {"12", "number"},  {"true", "boolean"},
                {"null", "null"},   {"", "empty"},       {"  \n ", "empty"}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct problem pb;
        ck_assert_ptr_null(load(rows[i].text, &pb));
        ck_assert_int_eq(pb.kind, API_ERR_BAD_JSON);
        ck_assert_msg(NULL != strstr(pb.detail, rows[i].word), "row %zu: %s", i, pb.detail);
    }
}
END_TEST

START_TEST(test_json_body_load_rejects_malformed)
{
    const char *rows[] = {"{\"a\":1} x",
                          "{\"a\":}",
                          "{'a':1}",
                          "{\"a\":1,}",
                          "{\"n\": 123456789012345678901234567890}",
                          "{\"s\": \"\\u0000\"}",
                          "{\"s\": \"\xff\"}"};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct problem pb;
        ck_assert_msg(NULL == load(rows[i], &pb), "row %zu accepted", i);
        ck_assert_int_eq(pb.kind, API_ERR_BAD_JSON);
        ck_assert_ptr_nonnull(strstr(pb.detail, "line 1"));
        /* the detail must itself be valid UTF-8 */
        json_t *doc = problem_to_json(&pb);
        ck_assert_ptr_nonnull(doc);
        json_decref(doc);
    }
}
END_TEST

START_TEST(test_json_body_load_deep_nesting)
{
    size_t depth = 5000;
    char *text = malloc(depth * 2 + 16);
    size_t n = 0;
    n += (size_t)sprintf(text, "{\"a\":");
    for (size_t i = 0; i < depth; i++)
        text[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        text[n++] = ']';
    text[n++] = '}';
    text[n] = '\0';
    struct problem pb;
    ck_assert_ptr_null(load(text, &pb));
    ck_assert_int_eq(pb.kind, API_ERR_BAD_JSON);
    ck_assert_ptr_nonnull(strstr(pb.detail, "depth"));
    /* a modest depth is fine */
    n = (size_t)sprintf(text, "{\"a\":");
    for (size_t i = 0; i < 50; i++)
        text[n++] = '[';
    for (size_t i = 0; i < 50; i++)
        text[n++] = ']';
    text[n++] = '}';
    text[n] = '\0';
    json_t *doc = load(text, &pb);
    ck_assert_ptr_nonnull(doc);
    json_decref(doc);
    free(text);
}
END_TEST

START_TEST(test_json_utf8_clean)
{
    char out[64];
    ck_assert_uint_eq(json_utf8_clean("plain", 5, out, sizeof out), 5);
    ck_assert_str_eq(out, "plain");
    json_utf8_clean("caf\xc3\xa9 \xe2\x82\xac", 9, out, sizeof out);
    ck_assert_str_eq(out, "caf\xc3\xa9 \xe2\x82\xac");
    json_utf8_clean("a\xff"
                    "b",
                    3, out, sizeof out);
    ck_assert_str_eq(out, "a?b");
    json_utf8_clean("\xc0\xaf", 2, out, sizeof out); /* overlong '/' */
    ck_assert_str_eq(out, "??");
    json_utf8_clean("\xed\xa0\x80", 3, out, sizeof out); /* surrogate */
    ck_assert_str_eq(out, "???");
    json_utf8_clean("x\x01y\tz\n", 6, out, sizeof out);
    ck_assert_str_eq(out, "x?y\tz\n");
    /* a sequence that does not fit is dropped, never split */
    json_utf8_clean("ab\xe2\x82\xac", 5, out, 4);
    ck_assert_str_eq(out, "ab");
    json_t *s = json_string_lossy("abc\xff", 4, 3);
    ck_assert_str_eq(json_string_value(s), "abc");
    json_decref(s);
}
END_TEST

START_TEST(test_json_check_fields_suggests)
{
    struct problem pb;
    problem_init(&pb);
    json_t *doc = json_pack("{s:s, s:i}", "text", "x", "txet", 1);
    const char *allowed[] = {"text", NULL};
    ck_assert_int_eq(json_check_fields(doc, allowed, &pb), -1);
    ck_assert_uint_eq(pb.n_params, 1);
    ck_assert_str_eq(pb.params[0].name, "txet");
    ck_assert_ptr_nonnull(strstr(pb.params[0].reason, "\"text\""));
    json_decref(doc);
}
END_TEST

START_TEST(test_json_page_new_cursor)
{
    json_t *page = json_page_new(json_array(), 120, 50, 50);
    ck_assert_int_eq(json_integer_value(json_object_get(page, "total")), 120);
    ck_assert_str_eq(json_string_value(json_object_get(page, "next_cursor")), "100");
    json_decref(page);
    page = json_page_new(json_array(), 120, 100, 50);
    ck_assert(json_is_null(json_object_get(page, "next_cursor")));
    json_decref(page);
    page = json_page_new(json_array(), 3, 500, 50);
    ck_assert(json_is_null(json_object_get(page, "next_cursor")));
    json_decref(page);
    ck_assert_ptr_null(json_page_new(NULL, 1, 0, 1));
}
END_TEST

/* json_serialize writes what json_dumps writes, byte for byte. */
START_TEST(test_json_serialize_matches_json_dumps)
{
    const char *docs[] = {
        "{}",
        "[]",
        "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
        "{\"s\":\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"}",
        "{\"ctl\":\"\\u0001\\u001f\\u007f\",\"utf8\":\"caf\\u00e9 \\u20ac \\ud83d\\ude00\"}",
        "[0,-1,9223372036854775807,-9223372036854775808]",
        "[0.5,4.156,1638.4,1.0,-2.25,1e20,1.5e-7,123456789012.5,0.1,3.141592653589793]",
        "{\"k\\u00e9y\":\"\",\"z\":[[],{}],\"a\":[[[1]]]}",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_error_t jerr;
        json_t *doc = json_loads(docs[i], JSON_DECODE_ANY, &jerr);
        ck_assert_msg(NULL != doc, "doc %zu: %s", i, jerr.text);
        char *want = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
        size_t len = 0;
        char *got = json_serialize(doc, &len);
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, want);
        ck_assert_uint_eq(len, strlen(want));
        free(want);
        free(got);
        json_decref(doc);
    }
    /* a key order that is not sorted stays in insertion order */
    json_t *o = json_pack("{s:i}", "zeta", 1);
    json_object_set_new(o, "alpha", json_integer(2));
    char *text = json_serialize(o, NULL);
    ck_assert_str_eq(text, "{\"zeta\":1,\"alpha\":2}");
    free(text);
    json_decref(o);
}
END_TEST

START_TEST(test_json_serialize_refuses_what_it_cannot_write)
{
    ck_assert_ptr_null(json_serialize(NULL, NULL));
    json_t *s = json_string("x");
    ck_assert_ptr_null(json_serialize(s, NULL)); /* top level must be a container */
    json_decref(s);
    /* a large document grows the buffer */
    json_t *big = json_array();
    for (int i = 0; i < 5000; i++)
        json_array_append_new(big, json_string("0123456789"));
    size_t len;
    char *text = json_serialize(big, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, 2 + 5000 * 12 + 4999);
    free(text);
    json_decref(big);
}
END_TEST

/* ------------------------------------------------------------------ */
/* query                                                              */

static struct query_list query_of(const char *const *kv, size_t n)
{
    struct query_list q = {0};
    for (size_t i = 0; i + 1 < n * 2; i += 2)
        query_list_add(&q, kv[i], kv[i + 1]);
    return q;
}

START_TEST(test_query_list_caps_at_32)
{
    struct query_list q = {0};
    for (int i = 0; i < QUERY_MAX_ARGS; i++)
        query_list_add(&q, "k", "v");
    ck_assert(!q.truncated);
    query_list_add(&q, "k", "v");
    ck_assert(q.truncated);
    ck_assert_uint_eq(q.count, QUERY_MAX_ARGS);
    struct problem pb;
    problem_init(&pb);
    const char *allowed[] = {"k", NULL};
    ck_assert_int_eq(query_check_keys(&q, allowed, &pb), -1);
    ck_assert_str_eq(pb.params[0].name, "query");
}
END_TEST

START_TEST(test_query_check_keys)
{
    const char *kv[] = {"vendor", "x", "limt", "3", "vendor", "y", "kind", NULL, "zzz", "1"};
    struct query_list q = query_of(kv, 5);
    ck_assert_str_eq(query_value(&q, "vendor"), "x");
    ck_assert(query_has(&q, "kind"));
    ck_assert_ptr_null(query_value(&q, "kind"));
    ck_assert(!query_has(&q, "q"));
    const char *allowed[] = {"vendor", "kind", "limit", NULL};
    struct problem pb;
    problem_init(&pb);
    ck_assert_int_eq(query_check_keys(&q, allowed, &pb), -1);
    ck_assert_uint_eq(pb.n_params, 4);
    ck_assert_str_eq(pb.params[0].name, "limt");
    ck_assert_ptr_nonnull(strstr(pb.params[0].reason, "did you mean \"limit\""));
    ck_assert_str_eq(pb.params[1].name, "vendor");
    ck_assert_ptr_nonnull(strstr(pb.params[1].reason, "more than once"));
    ck_assert_str_eq(pb.params[2].name, "kind");
    ck_assert_ptr_nonnull(strstr(pb.params[2].reason, "needs a value"));
    ck_assert_str_eq(pb.params[3].name, "zzz");
    problem_init(&pb);
    ck_assert_int_eq(query_check_keys(NULL, allowed, &pb), 0);
}
END_TEST

START_TEST(test_query_paging)
{
    struct query_paging pg;
    struct problem pb;
    problem_init(&pb);
    struct query_list empty = {0};
    ck_assert_int_eq(query_paging(&empty, &pg, &pb), 0);
    ck_assert_uint_eq(pg.limit, 50);
    ck_assert_uint_eq(pg.offset, 0);

    const char *ok[][2] = {{"1", "0"}, {"500", "100"}, {"50", "999999"}};
    for (size_t i = 0; i < 3; i++) {
        const char *kv[] = {"limit", ok[i][0], "cursor", ok[i][1]};
        struct query_list q = query_of(kv, 2);
        ck_assert_int_eq(query_paging(&q, &pg, &pb), 0);
        ck_assert_uint_eq(pg.limit, strtoul(ok[i][0], NULL, 10));
        ck_assert_uint_eq(pg.offset, strtoul(ok[i][1], NULL, 10));
    }
    const char *bad_limits[] = {"0", "501", "abc", "+5", "05", " 5", "", "5.0", "-1"};
    for (size_t i = 0; i < sizeof bad_limits / sizeof bad_limits[0]; i++) {
        const char *kv[] = {"limit", bad_limits[i]};
        struct query_list q = query_of(kv, 1);
        problem_init(&pb);
        ck_assert_msg(-1 == query_paging(&q, &pg, &pb), "limit \"%s\"", bad_limits[i]);
        ck_assert_str_eq(pb.params[0].name, "limit");
    }
    const char *bad_cursors[] = {"-1", "x", "1.5", "00", "99999999999"};
    for (size_t i = 0; i < sizeof bad_cursors / sizeof bad_cursors[0]; i++) {
        const char *kv[] = {"cursor", bad_cursors[i]};
        struct query_list q = query_of(kv, 1);
        problem_init(&pb);
        ck_assert_msg(-1 == query_paging(&q, &pg, &pb), "cursor \"%s\"", bad_cursors[i]);
        ck_assert_str_eq(pb.params[0].name, "cursor");
    }
}
END_TEST

START_TEST(test_query_text)
{
    char long_text[200];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    const char *kv[] = {"q", "rtx", "vendor", "", "family", long_text, "x", "a\x01"};
    struct query_list q = query_of(kv, 4);
    struct problem pb;
    problem_init(&pb);
    bool ok = true;
    ck_assert_str_eq(query_text(&q, "q", &ok, &pb), "rtx");
    ck_assert(ok);
    ck_assert_ptr_null(query_text(&q, "absent", &ok, &pb));
    ck_assert(ok);
    ck_assert_ptr_null(query_text(&q, "vendor", &ok, &pb));
    ck_assert(!ok);
    ck_assert_ptr_null(query_text(&q, "family", &ok, &pb));
    ck_assert_ptr_null(query_text(&q, "x", &ok, &pb));
    ck_assert_uint_eq(pb.n_params, 3);
    ck_assert(query_text_contains("NVIDIA GeForce RTX 4090", "rtx 40"));
    ck_assert(!query_text_contains("Apple M2", "rtx"));
    ck_assert(!query_text_contains(NULL, "x"));
}
END_TEST

/* ------------------------------------------------------------------ */
/* daemon helpers, CORS, log, metrics                                 */

START_TEST(test_daemon_content_type)
{
    ck_assert(daemon_content_type_is_json("application/json"));
    ck_assert(daemon_content_type_is_json("Application/JSON"));
    ck_assert(daemon_content_type_is_json("application/json; charset=utf-8"));
    ck_assert(daemon_content_type_is_json("application/json;charset=\"UTF-8\""));
    ck_assert(daemon_content_type_is_json("application/json ; foo=bar"));
    ck_assert(!daemon_content_type_is_json(NULL));
    ck_assert(!daemon_content_type_is_json(""));
    ck_assert(!daemon_content_type_is_json("text/plain"));
    ck_assert(!daemon_content_type_is_json("application/jsonx"));
    ck_assert(!daemon_content_type_is_json("application/json; charset=latin1"));
    ck_assert(!daemon_content_type_is_json("application/x-www-form-urlencoded"));
}
END_TEST

START_TEST(test_daemon_unescape_keeps_nul_escaped)
{
    char a[] = "/errors/abc%00def";
    ck_assert_uint_eq(daemon_unescape(a), strlen("/errors/abc%00def"));
    ck_assert_str_eq(a, "/errors/abc%00def");
    char b[] = "%41%62c%2Fd%zz%4";
    daemon_unescape(b);
    ck_assert_str_eq(b, "Abc/d%zz%4");
    char c[] = "%e2%82%ac";
    ck_assert_uint_eq(daemon_unescape(c), 3);
    ck_assert_str_eq(c, "\xe2\x82\xac");
}
END_TEST

START_TEST(test_response_cors_origin)
{
    bool vary;
    ck_assert_str_eq(response_cors_origin("*", "https://x.com", &vary), "*");
    ck_assert(!vary);
    ck_assert_str_eq(response_cors_origin("*", NULL, &vary), "*");
    const char *list = "https://a.example, http://localhost:3000";
    const char *origin = "http://localhost:3000";
    ck_assert_ptr_eq(response_cors_origin(list, origin, &vary), origin);
    ck_assert(vary);
    ck_assert_ptr_nonnull(response_cors_origin(list, "HTTPS://A.EXAMPLE", &vary));
    ck_assert_ptr_null(response_cors_origin(list, "https://a.example.evil", &vary));
    ck_assert(vary);
    ck_assert_ptr_null(response_cors_origin(list, "http://localhost", &vary));
    ck_assert_ptr_null(response_cors_origin(list, NULL, &vary));
}
END_TEST

START_TEST(test_response_json_null_is_500_problem)
{
    struct response out = {0};
    ck_assert_uint_eq(response_json(&out, 200, NULL), 500);
    ck_assert_str_eq(out.content_type, RESPONSE_TYPE_PROBLEM);
    ck_assert_int_eq(json_integer_value(json_object_get(out.body, "status")), 500);
    /* replacing a response releases the old body */
    ck_assert_uint_eq(response_json(&out, 201, json_object()), 201);
    ck_assert_str_eq(out.content_type, RESPONSE_TYPE_JSON);
    response_release(&out);
    ck_assert_ptr_null(out.body);
}
END_TEST

START_TEST(test_log_access_format)
{
    char buf[512];
    struct log_access_line a = {.method = "GET",
                                .target = "/check?model=x",
                                .status = 200,
                                .bytes = 1432,
                                .duration_us = 800,
                                .request_id = "abc",
                                .termination = "ok"};
    log_format_access(&a, buf, sizeof buf);
    ck_assert_str_eq(buf, "GET /check?model=x 200 1432B 0.8ms id=abc toe=ok");
    a.target = "/x y\n\\";
    a.status = 0;
    log_format_access(&a, buf, sizeof buf);
    ck_assert_str_eq(buf, "GET /x\\x20y\\x0a\\x5c - 1432B 0.8ms id=abc toe=ok");
    char long_target[600];
    memset(long_target, 'a', sizeof long_target - 1);
    long_target[sizeof long_target - 1] = '\0';
    a.target = long_target;
    size_t n = log_format_access(&a, buf, sizeof buf);
    ck_assert_uint_eq(n, strlen(buf));
    ck_assert_ptr_nonnull(strstr(buf, "... - 1432B"));
    ck_assert_uint_lt(n, 4 + LOG_TARGET_MAX + 60);
}
END_TEST

START_TEST(test_log_msg_writes_one_line)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    int old = log_set_fd(fds[1]);
    enum log_level level = log_get_level();
    log_set_level(LOG_INFO);
    log_msg(LOG_DEBUG, "test", "hidden");
    log_msg(LOG_WARN, "test", "value %d\n", 42);
    log_set_fd(old);
    log_set_level(level);
    close(fds[1]);
    char buf[256];
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    ck_assert_ptr_null(strstr(buf, "hidden"));
    ck_assert_ptr_nonnull(strstr(buf, " WARN test: value 42\n"));
    ck_assert_int_eq(buf[n - 1], '\n');
    ck_assert_ptr_eq(strchr(buf, '\n'), buf + n - 1); /* exactly one line */
    enum log_level parsed;
    ck_assert_int_eq(log_level_parse("Debug", &parsed), 0);
    ck_assert_int_eq(parsed, LOG_DEBUG);
    ck_assert_int_eq(log_level_parse("verbose", &parsed), -1);
}
END_TEST

START_TEST(test_metrics_counts_and_renders)
{
    metrics_reset();
    metrics_record(0, 200, 1500, 100);
    metrics_record(0, 404, 500, 50);
    metrics_record(0, 0, 0, 0);
    metrics_record(999, 503, 10, 0);
    ck_assert_uint_eq(metrics_count(0, 2), 1);
    ck_assert_uint_eq(metrics_count(0, 4), 1);
    ck_assert_uint_eq(metrics_count(0, 0), 1);
    ck_assert_uint_eq(metrics_count(METRICS_SLOT_OTHER, 5), 1);
    size_t len;
    char *text = metrics_render(NULL, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(len, strlen(text));
    ck_assert_ptr_nonnull(strstr(
        text, "willitrun_http_requests_total{route=\"/check\",method=\"GET\",code=\"2xx\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(
        text, "willitrun_http_requests_total{route=\"other\",method=\"any\",code=\"5xx\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(
        text,
        "willitrun_http_request_duration_seconds_sum{route=\"/check\",method=\"GET\"} 0.002000"));
    ck_assert_ptr_nonnull(strstr(text, "# TYPE willitrun_http_requests_total counter"));
    free(text);
    metrics_reset();
}
END_TEST

/* ------------------------------------------------------------------ */
/* handlers over a small hand-built catalog                           */

static struct catalog_hardware fake_hw[3];
static struct catalog_error_page fake_pages[2];
static struct catalog_signature fake_sigs[2];
static const char *fake_hw_ids[3];
static const char *fake_error_ids[2];
static struct catalog fake;

static void fake_setup(void)
{
    memset(&fake, 0, sizeof fake);
    memset(fake_hw, 0, sizeof fake_hw);
    memset(fake_pages, 0, sizeof fake_pages);
    /* sorted by id, as catalog_load leaves them */
    const struct {
        const char *id, *vendor, *name;
        enum est_device_kind kind;
        unsigned backends;
        double gb;
    } hw[3] = {
        {"amd-radeon-rx-7900-xtx", "AMD", "Radeon RX 7900 XTX", EST_DEVICE_GPU,
         1u << EST_BACKEND_ROCM | 1u << EST_BACKEND_VULKAN, 24},
        {"apple-m2-max-32gb", "Apple", "M2 Max 32 GB", EST_DEVICE_UNIFIED, 1u << EST_BACKEND_METAL,
         32},
        {"nvidia-rtx-4090", "NVIDIA", "GeForce RTX 4090", EST_DEVICE_GPU,
         1u << EST_BACKEND_CUDA | 1u << EST_BACKEND_VULKAN, 24},
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf(fake_hw[i].id, sizeof fake_hw[i].id, "%s", hw[i].id);
        snprintf(fake_hw[i].vendor, sizeof fake_hw[i].vendor, "%s", hw[i].vendor);
        snprintf(fake_hw[i].name, sizeof fake_hw[i].name, "%s", hw[i].name);
        fake_hw[i].kind = hw[i].kind;
        fake_hw[i].backends = hw[i].backends;
        fake_hw[i].memory_gb = hw[i].gb;
        fake_hw[i].doc = json_pack("{s:s, s:f}", "id", hw[i].id, "memory_gb", hw[i].gb);
        fake_hw_ids[i] = fake_hw[i].id;
    }
    const char *pages[2][3] = {{"llamacpp-cuda-cudamalloc-oom", "cuda oom", "linux"},
                               {"metal-allocator-oom", "metal oom", "macos"}};
    for (size_t i = 0; i < 2; i++) {
        snprintf(fake_pages[i].id, sizeof fake_pages[i].id, "%s", pages[i][0]);
        snprintf(fake_pages[i].title, sizeof fake_pages[i].title, "%s", pages[i][1]);
        snprintf(fake_pages[i].platform, sizeof fake_pages[i].platform, "%s", pages[i][2]);
        snprintf(fake_pages[i].severity, sizeof fake_pages[i].severity, "high");
        fake_pages[i].doc =
            json_pack("{s:s, s:[s]}", "id", pages[i][0], "runtimes", 0 == i ? "llama.cpp" : "mlx");
        fake_error_ids[i] = fake_pages[i].id;
    }
    fake_sigs[0].page = 0;
    fake_sigs[0].text = "cudaMalloc failed: out of memory";
    fake_sigs[1].page = 1;
    fake_sigs[1].text =
        "Insufficient Memory (00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)";
    fake.hardware = fake_hw;
    fake.n_hardware = 3;
    fake.hardware_ids = fake_hw_ids;
    fake.errors = fake_pages;
    fake.n_errors = 2;
    fake.error_ids = fake_error_ids;
    fake.signatures = fake_sigs;
    fake.n_signatures = 2;
    fake.schema_version = 1;
}

static void fake_teardown(void)
{
    for (size_t i = 0; i < 3; i++)
        json_decref(fake_hw[i].doc);
    for (size_t i = 0; i < 2; i++)
        json_decref(fake_pages[i].doc);
}

static unsigned call(handler_fn fn, const struct query_list *q, const char *id, json_t *body,
                     struct response *out)
{
    struct request rq = {.method = NULL != body ? HTTP_POST : HTTP_GET,
                         .path = "/test",
                         .path_id = id,
                         .query = q,
                         .body = body,
                         .catalog = &fake,
                         .request_id = "t"};
    memset(out, 0, sizeof *out);
    return fn(&rq, out);
}

static const char *item_id(const struct response *out, size_t i)
{
    return json_string_value(
        json_object_get(json_array_get(json_object_get(out->body, "items"), i), "id"));
}

START_TEST(test_handle_hardware_list_filters_and_pages)
{
    struct response out;
    struct query_list q = {0};
    ck_assert_uint_eq(call(handle_hardware_list, &q, NULL, NULL, &out), 200);
    ck_assert_int_eq(json_integer_value(json_object_get(out.body, "total")), 3);
    ck_assert(json_is_null(json_object_get(out.body, "next_cursor")));
    /* items are the shared docs, not copies */
    ck_assert_ptr_eq(json_array_get(json_object_get(out.body, "items"), 0), fake_hw[0].doc);
    response_release(&out);

    const char *kv1[] = {"kind", "GPU", "backend", "vulkan"};
    q = query_of(kv1, 2);
    ck_assert_uint_eq(call(handle_hardware_list, &q, NULL, NULL, &out), 200);
    ck_assert_int_eq(json_integer_value(json_object_get(out.body, "total")), 2);
    response_release(&out);

    const char *kv2[] = {"limit", "1", "cursor", "1"};
    q = query_of(kv2, 2);
    ck_assert_uint_eq(call(handle_hardware_list, &q, NULL, NULL, &out), 200);
    ck_assert_str_eq(item_id(&out, 0), "apple-m2-max-32gb");
    ck_assert_str_eq(json_string_value(json_object_get(out.body, "next_cursor")), "2");
    response_release(&out);

    const char *kv3[] = {"min_memory_gb", "30", "q", "m2"};
    q = query_of(kv3, 2);
    call(handle_hardware_list, &q, NULL, NULL, &out);
    ck_assert_int_eq(json_integer_value(json_object_get(out.body, "total")), 1);
    response_release(&out);

    const char *kv4[] = {"vendor", "nvidia"};
    q = query_of(kv4, 1);
    call(handle_hardware_list, &q, NULL, NULL, &out);
    ck_assert_str_eq(item_id(&out, 0), "nvidia-rtx-4090");
    response_release(&out);
    ck_assert_uint_eq(fake_hw[0].doc->refcount, 1); /* every page released its reference */
}
END_TEST

START_TEST(test_handle_hardware_list_rejects_bad_query)
{
    struct response out;
    const char *kv[] = {"kind", "tpu", "min_memory_gb", "lots", "colour", "red"};
    struct query_list q = query_of(kv, 3);
    ck_assert_uint_eq(call(handle_hardware_list, &q, NULL, NULL, &out), 400);
    ck_assert_str_eq(out.content_type, RESPONSE_TYPE_PROBLEM);
    json_t *params = json_object_get(out.body, "invalid_params");
    ck_assert_uint_eq(json_array_size(params), 3);
    response_release(&out);
}
END_TEST

START_TEST(test_handle_hardware_get_unknown_suggests)
{
    struct response out;
    ck_assert_uint_eq(call(handle_hardware_get, NULL, "nvidia-rtx-4090", NULL, &out), 200);
    ck_assert_str_eq(json_string_value(json_object_get(out.body, "id")), "nvidia-rtx-4090");
    /* the detail adds the /check budget; the shared document stays untouched */
    json_t *usable = json_object_get(out.body, "usable_memory");
    ck_assert_int_eq(json_integer_value(json_object_get(usable, "memory_bytes")),
                     24LL * 1024 * 1024 * 1024);
    ck_assert_int_gt(json_integer_value(json_object_get(usable, "usable_bytes")), 0);
    ck_assert(json_is_string(json_object_get(usable, "basis")));
    ck_assert_ptr_null(json_object_get(fake_hw[2].doc, "usable_memory"));
    response_release(&out);
    ck_assert_uint_eq(call(handle_hardware_get, NULL, "nvidia-rtx-409", NULL, &out), 404);
    ck_assert_str_eq(json_string_value(json_object_get(out.body, "type")), TYPE_BASE "unknown-id");
    json_t *s = json_object_get(out.body, "suggestions");
    ck_assert_uint_ge(json_array_size(s), 1);
    ck_assert_str_eq(json_string_value(json_array_get(s, 0)), "nvidia-rtx-4090");
    response_release(&out);
}
END_TEST

START_TEST(test_handle_errors_list_and_get)
{
    struct response out;
    const char *kv[] = {"runtime", "MLX"};
    struct query_list q = query_of(kv, 1);
    ck_assert_uint_eq(call(handle_errors_list, &q, NULL, NULL, &out), 200);
    ck_assert_int_eq(json_integer_value(json_object_get(out.body, "total")), 1);
    json_t *item = json_array_get(json_object_get(out.body, "items"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(item, "id")), "metal-allocator-oom");
    ck_assert_str_eq(json_string_value(json_object_get(item, "platform")), "macos");
    ck_assert_str_eq(json_string_value(json_object_get(item, "severity")), "high");
    response_release(&out);

    const char *bad[] = {"runtime", "tensorrt"};
    q = query_of(bad, 1);
    ck_assert_uint_eq(call(handle_errors_list, &q, NULL, NULL, &out), 400);
    response_release(&out);

    ck_assert_uint_eq(call(handle_errors_get, NULL, "metal-allocator-oom", NULL, &out), 200);
    ck_assert_ptr_eq(out.body, fake_pages[1].doc);
    response_release(&out);
    ck_assert_uint_eq(call(handle_errors_get, NULL, "metal-allocator-om", NULL, &out), 404);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(out.body, "suggestions"), 0)),
                     "metal-allocator-oom");
    response_release(&out);
}
END_TEST

START_TEST(test_handle_errors_match_validates_text)
{
    struct response out;
    const char *bodies[] = {"{}", "{\"text\": 3}", "{\"text\": \"\"}",
                            "{\"text\": \"x\", \"y\": 1}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        json_t *body = json_loads(bodies[i], 0, NULL);
        ck_assert_msg(400 == call(handle_errors_match, NULL, NULL, body, &out), "body %zu", i);
        ck_assert_str_eq(
            json_string_value(json_object_get(
                json_array_get(json_object_get(out.body, "invalid_params"), 0), "name")),
            0 == i || 1 == i || 2 == i ? "text" : "y");
        response_release(&out);
        json_decref(body);
    }
    json_t *body = json_pack("{s:s}", "text", "nothing relevant here\n");
    ck_assert_uint_eq(call(handle_errors_match, NULL, NULL, body, &out), 200);
    ck_assert(json_is_array(json_object_get(out.body, "items")));
    response_release(&out);
    json_decref(body);
}
END_TEST

START_TEST(test_handle_healthz_and_openapi)
{
    struct response out;
    ck_assert_uint_eq(call(handle_healthz, NULL, NULL, NULL, &out), 200);
    ck_assert_str_eq(json_string_value(json_object_get(out.body, "status")), "ok");
    response_release(&out);
    ck_assert_uint_eq(call(handle_openapi, NULL, NULL, NULL, &out), 200);
    ck_assert_str_eq(out.content_type, "application/yaml");
    ck_assert_uint_gt(out.text_len, 10);
    ck_assert_ptr_nonnull(strstr(out.text, "\nopenapi: 3."));
    ck_assert(!out.text_owned);
    ck_assert_uint_eq(call(handle_metrics, NULL, NULL, NULL, &out), 200);
    ck_assert(out.text_owned);
    ck_assert_ptr_nonnull(strstr(out.text, "willitrun_catalog_entries{kind=\"hardware\"} 3"));
    response_release(&out);
}
END_TEST

START_TEST(test_handle_readyz_without_database_is_503)
{
    struct response out;
    struct request rq = {.method = HTTP_GET, .catalog = &fake, .db_path = "/nonexistent/w.db"};
    memset(&out, 0, sizeof out);
    ck_assert_uint_eq(handle_readyz(&rq, &out), 503);
    ck_assert_str_eq(json_string_value(json_object_get(out.body, "type")), TYPE_BASE "unavailable");
    response_release(&out);
}
END_TEST

/* The route table and the served openapi.yaml list the same method + path
** pairs (the table is the index of the API; the spec is its contract). */
START_TEST(test_route_table_matches_openapi)
{
    struct response out;
    memset(&out, 0, sizeof out);
    struct request rq = {.method = HTTP_GET};
    handle_openapi(&rq, &out);
    const char *spec = out.text;
    size_t n;
    const struct route *rows = route_table(&n);
    for (size_t i = 0; i < n; i++) {
        char key[96];
        snprintf(key, sizeof key, "\n  %s:\n", rows[i].path);
        const char *at = strstr(spec, key);
        ck_assert_msg(NULL != at, "%s missing from openapi.yaml", rows[i].path);
        at += strlen(key) - 1; /* keep the newline before the first method */
        const char *end = strstr(at, "\n  /");
        if (NULL == end)
            end = strstr(at, "\ncomponents:");
        const char *method = HTTP_POST == rows[i].method ? "\n    post:" : "\n    get:";
        const char *m = strstr(at, method);
        ck_assert_msg(NULL != m && (NULL == end || m < end), "%s %s missing from openapi.yaml",
                      method + 5, rows[i].path);
    }
    /* and every path in the spec is routed */
    const char *paths = strstr(spec, "\npaths:");
    ck_assert_ptr_nonnull(paths);
    const char *stop = strstr(paths, "\ncomponents:");
    for (const char *p = strstr(paths, "\n  /"); NULL != p && (NULL == stop || p < stop);
         p = strstr(p + 1, "\n  /")) {
        char path[96];
        size_t len = strcspn(p + 3, ":\n");
        ck_assert_uint_lt(len, sizeof path);
        memcpy(path, p + 3, len);
        path[len] = '\0';
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = 0 == strcmp(rows[i].path, path);
        ck_assert_msg(found, "openapi.yaml path %s has no route", path);
    }
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("problem");
    tcase_add_test(tc, test_problem_renders_every_kind);
    tcase_add_test(tc, test_problem_statuses_match_the_table);
    tcase_add_test(tc, test_problem_unset_kind_renders_internal);
    tcase_add_test(tc, test_problem_add_param_caps);
    tcase_add_test(tc, test_problem_add_param_keeps_a_set_kind);
    tcase_add_test(tc, test_problem_suggestions_capped_and_unique);
    tcase_add_test(tc, test_problem_detail_with_invalid_utf8_still_renders);
    tcase_add_test(tc, test_problem_default_detail_names_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("route");
    tcase_add_test(tc, test_route_exact_match);
    tcase_add_test(tc, test_route_id_match);
    tcase_add_test(tc, test_route_not_found);
    tcase_add_test(tc, test_route_method_not_allowed_lists_allow);
    tcase_add_test(tc, test_route_options_matches_existing_paths);
    tcase_add_test(tc, test_route_table_rows_match_themselves);
    tcase_add_test(tc, test_route_method_parse);
    tcase_add_test(tc, test_route_table_matches_openapi);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_add_test(tc, test_config_defaults);
    tcase_add_test(tc, test_config_flags);
    tcase_add_test(tc, test_config_env_then_flags);
    tcase_add_loop_test(tc, test_config_rejects_bad_values, 0,
                        (int)(sizeof config_bad_rows / sizeof config_bad_rows[0]));
    tcase_add_test(tc, test_config_env_error_names_the_variable);
    tcase_add_test(tc, test_config_table_is_complete);
    tcase_add_test(tc, test_config_cors_valid);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_add_test(tc, test_json_body_load_accepts_object);
    tcase_add_test(tc, test_json_body_load_rejects_duplicates);
    tcase_add_test(tc, test_json_body_load_rejects_non_objects);
    tcase_add_test(tc, test_json_body_load_rejects_malformed);
    tcase_add_test(tc, test_json_body_load_deep_nesting);
    tcase_add_test(tc, test_json_utf8_clean);
    tcase_add_test(tc, test_json_check_fields_suggests);
    tcase_add_test(tc, test_json_page_new_cursor);
    tcase_add_test(tc, test_json_serialize_matches_json_dumps);
    tcase_add_test(tc, test_json_serialize_refuses_what_it_cannot_write);
    suite_add_tcase(s, tc);

    tc = tcase_create("query");
    tcase_add_test(tc, test_query_list_caps_at_32);
    tcase_add_test(tc, test_query_check_keys);
    tcase_add_test(tc, test_query_paging);
    tcase_add_test(tc, test_query_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("wire");
    tcase_add_test(tc, test_daemon_content_type);
    tcase_add_test(tc, test_daemon_unescape_keeps_nul_escaped);
    tcase_add_test(tc, test_response_cors_origin);
    tcase_add_test(tc, test_response_json_null_is_500_problem);
    tcase_add_test(tc, test_log_access_format);
    tcase_add_test(tc, test_log_msg_writes_one_line);
    tcase_add_test(tc, test_metrics_counts_and_renders);
    suite_add_tcase(s, tc);

    tc = tcase_create("handlers");
    tcase_add_checked_fixture(tc, fake_setup, fake_teardown);
    tcase_add_test(tc, test_handle_hardware_list_filters_and_pages);
    tcase_add_test(tc, test_handle_hardware_list_rejects_bad_query);
    tcase_add_test(tc, test_handle_hardware_get_unknown_suggests);
    tcase_add_test(tc, test_handle_errors_list_and_get);
    tcase_add_test(tc, test_handle_errors_match_validates_text);
    tcase_add_test(tc, test_handle_healthz_and_openapi);
    tcase_add_test(tc, test_handle_readyz_without_database_is_503);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(http_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return 0 == failed ? EXIT_SUCCESS : EXIT_FAILURE;
}

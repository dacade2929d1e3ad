/* test_api_catalog.c: integration tests for /hardware, /models, /quants and the operations
** routes (/healthz, /readyz, /openapi.yaml, /metrics, CORS preflight), against the real
** binary. Asserts the contract in API.md; never relaxes it to match the code.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GIB ((json_int_t)1 << 30)

/* Every route of the API (API.md), as "METHOD path" with OpenAPI templates. */
static const char *const ROUTES[] = {
    "GET /check",         "POST /check",   "GET /errors",        "GET /errors/{id}",
    "POST /errors/match", "GET /hardware", "GET /hardware/{id}", "GET /models",
    "GET /models/{id}",   "GET /quants",   "GET /healthz",       "GET /readyz",
    "GET /openapi.yaml",  "GET /metrics",
};
#define N_ROUTES (sizeof ROUTES / sizeof ROUTES[0])

static const char *const QUANT_IDS[] = {
    "Q8_0",     "Q6_K",     "Q5_K_M", "Q5_K_S",  "Q5_1",     "Q5_0",     "Q4_K_M",
    "Q4_K_S",   "Q4_1",     "Q4_0",   "IQ4_NL",  "IQ4_XS",   "Q3_K_L",   "Q3_K_M",
    "Q3_K_S",   "IQ3_M",    "IQ3_XS", "IQ3_XXS", "Q2_K",     "IQ2_M",    "IQ2_S",
    "IQ2_XS",   "IQ2_XXS",  "IQ1_M",  "IQ1_S",   "mlx-8bit", "mlx-6bit", "mlx-5bit",
    "mlx-4bit", "mlx-3bit", "bf16",   "fp16",    "fp8",      "awq-int4", "gptq-int4",
};
#define N_QUANTS (sizeof QUANT_IDS / sizeof QUANT_IDS[0])

static json_t *get_ok(const char *path)
{
    struct http_result r;
    http_get(path, &r);
    assert_json_status(&r, 200, path);
    json_t *js = json_incref(r.json);
    http_result_free(&r);
    return js;
}

static int is_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

/* "Facts carry their source": every catalog item has source and last_verified. */
static void assert_sourced(const json_t *item, const char *what)
{
    const char *id = json_str_at(item, "id");
    ck_assert_msg(id && *id, "%s: item without id", what);
    const char *src = json_str_at(item, "source");
    ck_assert_msg(src && *src, "%s %s: no source", what, id);
    ck_assert_msg(is_date(json_str_at(item, "last_verified")), "%s %s: last_verified not a date",
                  what, id);
}

static int has_string(const json_t *arr, const char *s)
{
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && 0 == strcmp(json_string_value(v), s))
            return 1;
    }
    return 0;
}

static int items_have_id(const json_t *items, const char *id)
{
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        if (0 == strcmp(json_str_at(it, "id"), id))
            return 1;
    }
    return 0;
}

/* The same ids in the same order, no id twice. */
static void assert_same_ids(const json_t *a, const json_t *b, const char *what)
{
    ck_assert_msg(json_array_size(a) == json_array_size(b), "%s: %zu vs %zu items", what,
                  json_array_size(a), json_array_size(b));
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *x = json_string_value(json_object_get(json_array_get(a, i), "id"));
        const char *y = json_string_value(json_object_get(json_array_get(b, i), "id"));
        ck_assert_msg(x && y && 0 == strcmp(x, y), "%s: order differs at %zu (%s vs %s)", what, i,
                      x, y);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(
                0 != strcmp(x, json_string_value(json_object_get(json_array_get(a, j), "id"))),
                "%s: %s listed twice", what, x);
    }
}

START_TEST(test_catalog_hardware_list)
{
    json_int_t total = 0, total2 = 0;
    json_t *all = collect_pages("/hardware", 500, &total);
    ck_assert_msg(total >= 50, "only %lld devices", (long long)total);
    ck_assert_int_eq((json_int_t)json_array_size(all), total);
    size_t i;
    const json_t *it;
    json_array_foreach(all, i, it)
    {
        assert_sourced(it, "hardware");
        const char *kind = json_str_at(it, "kind");
        ck_assert_msg(kind && (0 == strcmp(kind, "gpu") || 0 == strcmp(kind, "unified") ||
                               0 == strcmp(kind, "cpu")),
                      "hardware %s: kind %s", json_str_at(it, "id"), kind);
        ck_assert_msg(json_number_value(json_object_get(it, "memory_gb")) > 0,
                      "hardware %s: memory_gb", json_str_at(it, "id"));
        ck_assert_msg(json_array_size(json_object_get(it, "backends")) > 0,
                      "hardware %s: no backends", json_str_at(it, "id"));
    }
    /* paging with a cursor until next_cursor is null yields the same list */
    json_t *paged = collect_pages("/hardware", 7, &total2);
    ck_assert_int_eq(total2, total);
    assert_same_ids(paged, all, "hardware limit=7");
    /* default limit 50 */
    json_t *first = get_ok("/hardware");
    ck_assert_int_eq(json_array_size(json_object_get(first, "items")), total < 50 ? total : 50);
    ck_assert_msg(json_is_string(json_object_get(first, "next_cursor")) == (total > 50),
                  "next_cursor does not say whether more pages follow");
    json_decref(first);
    json_decref(paged);
    json_decref(all);
}
END_TEST

START_TEST(test_catalog_hardware_get)
{
    json_t *hw = get_ok("/hardware/nvidia-rtx-4090");
    assert_sourced(hw, "hardware");
    ck_assert_str_eq(json_str_at(hw, "id"), "nvidia-rtx-4090");
    ck_assert_msg(json_number_value(json_object_get(hw, "memory_gb")) == 24.0, "4090 memory_gb");
    ck_assert_str_eq(json_str_at(hw, "kind"), "gpu");
    ck_assert_str_eq(json_str_at(hw, "backends.0"), "cuda");
    ck_assert_msg(str_contains_ci(json_str_at(hw, "vendor"), "nvidia"), "4090 vendor");
    json_t *upper = get_ok("/hardware/NVIDIA-RTX-4090");
    ck_assert_msg(json_equal(hw, upper), "upper-case id gives another device");
    json_decref(upper);
    json_decref(hw);

    /* "one device with memory, bandwidth, backends, usable-memory rule, sources" */
    hw = get_ok("/hardware/nvidia-rtx-4090");
    const json_t *um = json_object_get(hw, "usable_memory");
    ck_assert_msg(json_is_object(um), "/hardware/{id} has no usable_memory rule");
    ck_assert_int_eq(json_integer_value(json_object_get(um, "memory_bytes")), 24 * GIB);
    json_int_t usable = json_integer_value(json_object_get(um, "usable_bytes"));
    ck_assert_msg(usable > 0 && usable <= 24 * GIB, "usable_bytes %lld", (long long)usable);
    ck_assert_msg(json_str_at(um, "basis") && *json_str_at(um, "basis"), "usable_memory.basis");
    json_decref(hw);

    hw = get_ok("/hardware/apple-m1-max-32gb");
    ck_assert_str_eq(json_str_at(hw, "kind"), "unified");
    ck_assert_str_eq(json_str_at(hw, "backends.0"), "metal");
    ck_assert_str_eq(json_str_at(hw, "default_os"), "macos");
    ck_assert_msg(json_number_value(json_object_get(hw, "memory_gb")) == 32.0, "M1 Max memory_gb");
    json_decref(hw);
}
END_TEST

START_TEST(test_catalog_hardware_filters)
{
    json_int_t all_total = 0, t = 0;
    json_decref(collect_pages("/hardware", 500, &all_total));
    size_t i;
    const json_t *it;

    json_t *items = collect_pages("/hardware?vendor=apple", 500, &t);
    ck_assert_msg(t > 0 && t < all_total, "vendor=apple gives %lld", (long long)t);
    json_array_foreach(items, i, it)
    {
        ck_assert_msg(str_contains_ci(json_str_at(it, "vendor"), "apple"), "vendor=apple gave %s",
                      json_str_at(it, "id"));
    }
    ck_assert_msg(items_have_id(items, "apple-m1-max-32gb"),
                  "vendor=apple lacks apple-m1-max-32gb");
    json_decref(items);

    items = collect_pages("/hardware?kind=unified", 500, &t);
    ck_assert_msg(t > 0 && t < all_total, "kind=unified gives %lld", (long long)t);
    json_array_foreach(items, i, it)
    {
        ck_assert_str_eq(json_str_at(it, "kind"), "unified");
    }
    json_decref(items);

    items = collect_pages("/hardware?backend=cuda", 500, &t);
    ck_assert_msg(t > 0 && t < all_total, "backend=cuda gives %lld", (long long)t);
    json_array_foreach(items, i, it)
    {
        ck_assert_msg(has_string(json_object_get(it, "backends"), "cuda"), "backend=cuda gave %s",
                      json_str_at(it, "id"));
    }
    ck_assert_msg(items_have_id(items, "nvidia-rtx-4090"), "backend=cuda lacks the 4090");
    json_decref(items);

    items = collect_pages("/hardware?min_memory_gb=48", 500, &t);
    ck_assert_msg(t > 0 && t < all_total, "min_memory_gb=48 gives %lld", (long long)t);
    json_array_foreach(items, i, it)
    {
        ck_assert_msg(json_number_value(json_object_get(it, "memory_gb")) >= 48.0,
                      "min_memory_gb=48 gave %s", json_str_at(it, "id"));
    }
    json_decref(items);

    items = collect_pages("/hardware?vendor=nvidia&min_memory_gb=24", 500, &t);
    ck_assert_msg(items_have_id(items, "nvidia-rtx-4090"), "vendor+min_memory_gb lacks the 4090");
    ck_assert_msg(!items_have_id(items, "nvidia-rtx-4080"), "min_memory_gb=24 kept the 16 GB 4080");
    json_decref(items);

    items = collect_pages("/hardware?q=4090", 500, &t);
    ck_assert_msg(items_have_id(items, "nvidia-rtx-4090"), "q=4090 misses the 4090");
    ck_assert_msg(t < all_total, "q=4090 does not narrow the list");
    json_decref(items);

    items = collect_pages("/hardware?q=zzqxvnotaword", 500, &t);
    ck_assert_int_eq(t, 0);
    json_decref(items);
}
END_TEST

START_TEST(test_catalog_models)
{
    json_int_t total = 0, total2 = 0;
    json_t *all = collect_pages("/models", 500, &total);
    ck_assert_msg(total >= 20, "only %lld models", (long long)total);
    size_t i;
    const json_t *it;
    json_array_foreach(all, i, it)
    {
        assert_sourced(it, "model");
        ck_assert_msg(json_integer_value(json_object_get(it, "num_hidden_layers")) > 0,
                      "model %s: num_hidden_layers", json_str_at(it, "id"));
    }
    json_t *paged = collect_pages("/models", 4, &total2);
    ck_assert_int_eq(total2, total);
    assert_same_ids(paged, all, "models limit=4");
    json_decref(paged);

    json_t *m = get_ok("/models/qwen2.5-32b-instruct");
    assert_sourced(m, "model");
    ck_assert_str_eq(json_str_at(m, "hf_repo"), "Qwen/Qwen2.5-32B-Instruct");
    /* Qwen2.5-32B-Instruct config.json */
    ck_assert_int_eq(json_integer_value(json_object_get(m, "num_hidden_layers")), 64);
    ck_assert_int_eq(json_integer_value(json_object_get(m, "hidden_size")), 5120);
    ck_assert_int_eq(json_integer_value(json_object_get(m, "num_key_value_heads")), 8);
    json_t *upper = get_ok("/models/Qwen2.5-32B-Instruct");
    ck_assert_msg(json_equal(m, upper), "mixed-case id gives another model");
    json_decref(upper);
    json_decref(m);

    m = get_ok("/models/llama-3.1-8b-instruct");
    ck_assert_int_eq(json_integer_value(json_object_get(m, "num_hidden_layers")), 32);
    ck_assert_int_eq(json_integer_value(json_object_get(m, "vocab_size")), 128256);
    json_decref(m);

    json_int_t t = 0;
    json_t *items = collect_pages("/models?q=qwen2.5", 500, &t);
    ck_assert_msg(t > 0 && t < total, "q=qwen2.5 gives %lld of %lld", (long long)t,
                  (long long)total);
    ck_assert_msg(items_have_id(items, "qwen2.5-32b-instruct"),
                  "q=qwen2.5 misses qwen2.5-32b-instruct");
    json_decref(items);
    json_decref(all);
}
END_TEST

START_TEST(test_catalog_quants)
{
    json_int_t total = 0;
    json_t *all = collect_pages("/quants", 500, &total);
    for (size_t k = 0; k < N_QUANTS; k++)
        ck_assert_msg(items_have_id(all, QUANT_IDS[k]), "quant %s missing", QUANT_IDS[k]);
    size_t i;
    const json_t *it;
    json_array_foreach(all, i, it)
    {
        assert_sourced(it, "quant");
        ck_assert_msg(json_number_value(json_object_get(it, "bits_per_weight")) > 0,
                      "quant %s: bits_per_weight", json_str_at(it, "id"));
        ck_assert_msg(json_array_size(json_object_get(it, "runtimes")) > 0, "quant %s: runtimes",
                      json_str_at(it, "id"));
        const char *id = json_str_at(it, "id");
        if (0 == strcmp(id, "Q4_K_M"))
            ck_assert_msg(has_string(json_object_get(it, "runtimes"), "llama.cpp") &&
                              !has_string(json_object_get(it, "runtimes"), "mlx"),
                          "Q4_K_M runtimes");
        if (0 == strcmp(id, "mlx-8bit"))
            ck_assert_msg(has_string(json_object_get(it, "runtimes"), "mlx") &&
                              !has_string(json_object_get(it, "runtimes"), "llama.cpp"),
                          "mlx-8bit runtimes");
    }
    json_int_t t = 0;
    json_t *mlx = collect_pages("/quants?runtime=mlx", 500, &t);
    ck_assert_msg(t > 0 && t < total, "runtime=mlx gives %lld of %lld", (long long)t,
                  (long long)total);
    ck_assert_msg(items_have_id(mlx, "mlx-4bit") && !items_have_id(mlx, "Q4_K_M"), "runtime=mlx");
    json_decref(mlx);
    json_decref(all);
}
END_TEST

START_TEST(test_catalog_health_and_ready)
{
    struct http_result r;
    http_get("/healthz", &r);
    ck_assert_int_eq(r.status, 200);
    http_result_free(&r);
    http_get("/readyz", &r);
    ck_assert_int_eq(r.status, 200);
    http_result_free(&r);
}
END_TEST

/* Read a whole file into a malloc'd buffer; *len gets its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    char chunk[8192];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + got + 1 > cap) {
            cap = (n + got + 1) * 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        memcpy(buf + n, chunk, got);
        n += got;
    }
    fclose(f);
    if (NULL == buf)
        buf = calloc(1, 1);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* The operations of an OpenAPI document's `paths:` section as "METHOD path" strings, found
** by indentation (paths at two spaces, methods at four). Returns the count written. */
static size_t spec_operations(const char *yaml, char ops[][128], size_t max)
{
    static const char *const methods[] = {"get",   "post",    "put", "delete",
                                          "patch", "options", "head"};
    const char *p = strstr(yaml, "\npaths:");
    size_t n = 0;
    char path[96] = "";
    ck_assert_msg(p != NULL, "no paths: section");
    p = strchr(p + 1, '\n');
    while (p && p[1]) {
        const char *line = p + 1;
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > 0 && line[0] != ' ' && line[0] != '#')
            break; /* next top-level key */
        if (len > 3 && line[0] == ' ' && line[1] == ' ' && line[2] == '/') {
            const char *colon = memchr(line, ':', len);
            size_t plen = colon ? (size_t)(colon - line - 2) : 0;
            ck_assert_msg(plen > 0 && plen < sizeof path, "bad path line");
            memcpy(path, line + 2, plen);
            path[plen] = '\0';
        } else if (len > 5 && 0 == strncmp(line, "    ", 4) && line[4] != ' ') {
            for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
                size_t ml = strlen(methods[m]);
                if (0 == strncmp(line + 4, methods[m], ml) && line[4 + ml] == ':' && n < max) {
                    char up[16];
                    for (size_t k = 0; k <= ml; k++)
                        up[k] = (char)(methods[m][k] >= 'a' ? methods[m][k] - 32 : methods[m][k]);
                    snprintf(ops[n++], 128, "%s %s", up, path);
                }
            }
        }
        p = eol;
    }
    return n;
}

/* The served spec is the repository's openapi.yaml, and it lists exactly the API's routes. */
START_TEST(test_catalog_openapi_matches_routes)
{
    struct http_result r;
    http_get("/openapi.yaml", &r);
    ck_assert_int_eq(r.status, 200);
    char ct[128];
    ck_assert_msg(http_header(&r, "Content-Type", ct, sizeof ct) && str_contains_ci(ct, "yaml"),
                  "/openapi.yaml Content-Type is not YAML");
    ck_assert_msg(strstr(r.body, "openapi: 3.1"), "not an OpenAPI 3.1 document");
    char path[1024];
    size_t flen = 0;
    char *file = slurp(harness_source_path("openapi.yaml", path, sizeof path), &flen);
    ck_assert_msg(flen == r.body_len && 0 == memcmp(file, r.body, flen),
                  "served spec differs from openapi.yaml in the source tree");
    free(file);

    char ops[64][128];
    size_t n = spec_operations(r.body, ops, 64);
    for (size_t i = 0; i < N_ROUTES; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j++)
            found |= 0 == strcmp(ROUTES[i], ops[j]);
        ck_assert_msg(found, "route %s is not in openapi.yaml", ROUTES[i]);
    }
    for (size_t j = 0; j < n; j++) {
        int found = 0;
        for (size_t i = 0; i < N_ROUTES; i++)
            found |= 0 == strcmp(ROUTES[i], ops[j]);
        ck_assert_msg(found, "openapi.yaml lists %s, which is not an API route", ops[j]);
    }
    http_result_free(&r);
}
END_TEST

/* Every route answers its method with 200 for a valid request (no route in the spec is
** missing from the server). */
START_TEST(test_catalog_every_route_answers)
{
    static const struct {
        const char *method, *path, *body;
    } calls[] = {
        {"GET", "/check?model=llama-3.1-8b-instruct&hardware=nvidia-rtx-4090", NULL},
        {"POST", "/check",
         "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4090\"}"},
        {"GET", "/errors", NULL},
        {"GET", "/errors/metal-allocator-oom", NULL},
        {"POST", "/errors/match", "{\"text\":\"cudaMalloc failed: out of memory\"}"},
        {"GET", "/hardware", NULL},
        {"GET", "/hardware/nvidia-rtx-4090", NULL},
        {"GET", "/models", NULL},
        {"GET", "/models/llama-3.1-8b-instruct", NULL},
        {"GET", "/quants", NULL},
        {"GET", "/healthz", NULL},
        {"GET", "/readyz", NULL},
        {"GET", "/openapi.yaml", NULL},
        {"GET", "/metrics", NULL},
    };
    ck_assert_int_eq(sizeof calls / sizeof calls[0], N_ROUTES);
    for (size_t i = 0; i < N_ROUTES; i++) {
        struct http_result r;
        struct http_options opt = {.content_type = calls[i].body ? "application/json" : NULL};
        http_send(calls[i].method, calls[i].path, calls[i].body,
                  calls[i].body ? strlen(calls[i].body) : 0, &opt, &r);
        ck_assert_msg(r.status == 200, "%s %s answers %ld: %.300s", calls[i].method, calls[i].path,
                      r.status, r.body);
        http_result_free(&r);
    }
}
END_TEST

/* GET /metrics: Prometheus text exposition. */
START_TEST(test_catalog_metrics)
{
    assert_healthy("nothing");
    struct http_result r;
    http_get("/metrics", &r);
    ck_assert_int_eq(r.status, 200);
    char ct[128];
    ck_assert_msg(http_header(&r, "Content-Type", ct, sizeof ct) &&
                      0 == strncmp(ct, "text/plain", 10),
                  "/metrics Content-Type %s", ct);
    ck_assert_msg(strstr(r.body, "# HELP ") && strstr(r.body, "# TYPE "), "no HELP/TYPE lines");
    /* at least one sample line: name[{labels}] value */
    int samples = 0;
    for (const char *line = r.body; line && *line;) {
        const char *eol = strchr(line, '\n');
        if (line[0] != '#' && line[0] != '\n') {
            const char *sp = strrchr(line, ' ');
            if (sp && (!eol || sp < eol)) {
                char *end = NULL;
                strtod(sp + 1, &end);
                if (end != sp + 1 && (*end == '\n' || *end == '\0'))
                    samples++;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    ck_assert_msg(samples > 0, "no sample lines in /metrics");
    /* the request counter saw the /healthz answered above */
    const char *key =
        "willitrun_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"2xx\"} ";
    const char *at = strstr(r.body, key);
    ck_assert_msg(at != NULL, "no %s sample", key);
    ck_assert_msg(strtod(at + strlen(key), NULL) >= 1.0, "/healthz 2xx counter is 0 after a 200");
    http_result_free(&r);
}
END_TEST

/* CORS: OPTIONS preflight, and Access-Control-Allow-Origin on normal answers. */
START_TEST(test_catalog_cors_preflight)
{
    static const char *const pre[] = {"Origin: https://example.org",
                                      "Access-Control-Request-Method: POST",
                                      "Access-Control-Request-Headers: content-type", NULL};
    struct http_options opt = {.headers = pre};
    struct http_result r;
    char v[256];
    http_send("OPTIONS", "/check", NULL, 0, &opt, &r);
    ck_assert_msg(r.status == 204 || r.status == 200, "preflight answers %ld", r.status);
    ck_assert_msg(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v) &&
                      0 == strcmp(v, "*"),
                  "preflight Access-Control-Allow-Origin");
    ck_assert_msg(http_header(&r, "Access-Control-Allow-Methods", v, sizeof v) &&
                      str_contains_ci(v, "POST"),
                  "preflight Access-Control-Allow-Methods lacks POST");
    ck_assert_msg(http_header(&r, "Access-Control-Allow-Headers", v, sizeof v) &&
                      str_contains_ci(v, "content-type"),
                  "preflight Access-Control-Allow-Headers lacks Content-Type");
    http_result_free(&r);

    static const char *const origin[] = {"Origin: https://example.org", NULL};
    struct http_options o2 = {.headers = origin};
    http_send("GET", "/hardware/nvidia-rtx-4090", NULL, 0, &o2, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v) &&
                      0 == strcmp(v, "*"),
                  "GET without Access-Control-Allow-Origin: *");
    http_result_free(&r);

    /* problems carry it too, so browsers can read the error */
    http_send("GET", "/hardware/no-such-device", NULL, 0, &o2, &r);
    ck_assert_int_eq(r.status, 404);
    ck_assert_msg(http_header(&r, "Access-Control-Allow-Origin", v, sizeof v) != NULL,
                  "404 without Access-Control-Allow-Origin");
    http_result_free(&r);
}
END_TEST

static Suite *catalog_suite(void)
{
    Suite *s = suite_create("api_catalog");
    TCase *tc = tcase_create("catalog");
    harness_add_fixture(tc);
    tcase_add_test(tc, test_catalog_hardware_list);
    tcase_add_test(tc, test_catalog_hardware_get);
    tcase_add_test(tc, test_catalog_hardware_filters);
    tcase_add_test(tc, test_catalog_models);
    tcase_add_test(tc, test_catalog_quants);
    tcase_add_test(tc, test_catalog_health_and_ready);
    tcase_add_test(tc, test_catalog_openapi_matches_routes);
    tcase_add_test(tc, test_catalog_every_route_answers);
    tcase_add_test(tc, test_catalog_metrics);
    tcase_add_test(tc, test_catalog_cors_preflight);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run(catalog_suite());
}

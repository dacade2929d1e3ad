/* test_api_errors.c: integration tests for the knowledge base: GET /errors/{id}, GET /errors
** (filters, paging) and POST /errors/match, against the real binary. Asserts the contract in
** API.md; never relaxes it to match the code.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* Every page id the fix planner may return; each must exist. */
static const char *const KB_IDS[] = {
    "metal-allocator-oom",
    "llamacpp-metal-buffer-alloc-failed",
    "llamacpp-cuda-cudamalloc-oom",
    "llamacpp-kv-cache-alloc-failed",
    "rocm-hip-out-of-memory",
    "vulkan-error-out-of-device-memory",
    "ollama-requires-more-system-memory",
    "lmstudio-insufficient-system-resources",
    "vllm-no-available-memory-for-cache-blocks",
    "vllm-max-seq-len-exceeds-kv-cache",
    "pytorch-cuda-oom",
    "pytorch-mps-oom",
    "linux-oom-killer-killed",
};
#define N_KB_IDS (sizeof KB_IDS / sizeof KB_IDS[0])

/* A real llama.cpp CUDA load failure (format strings from ggml-cuda.cu, ggml-alloc.c,
** llama-model.cpp and llama.cpp; figures from an RTX 3060 12 GB loading a 22 GB model). */
static const char *const CUDA_OOM_LOG =
    "llama_model_load_from_file_impl: using device CUDA0 (NVIDIA GeForce RTX 3060) - 11247 MiB "
    "free\n"
    "llama_model_loader: loaded meta data with 35 key-value pairs and 579 tensors from "
    "/models/Qwen2.5-32B-Instruct-Q5_K_M.gguf (version GGUF V3 (latest))\n"
    "load_tensors: loading model tensors, this can take a while... (mmap = true)\n"
    "load_tensors: offloading 64 repeating layers to GPU\n"
    "load_tensors: offloaded 65/65 layers to GPU\n"
    "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 21578.52 MiB on device 0: "
    "cudaMalloc failed: out of memory\n"
    "alloc_tensor_range: failed to allocate CUDA0 buffer of size 22626709504\n"
    "llama_model_load: error loading model: unable to allocate CUDA0 buffer\n"
    "llama_model_load_from_file_impl: failed to load model\n"
    "common_init_from_params: failed to load model '/models/Qwen2.5-32B-Instruct-Q5_K_M.gguf'\n"
    "srv    load_model: failed to load model, '/models/Qwen2.5-32B-Instruct-Q5_K_M.gguf'\n"
    "main: exiting due to model loading error\n";

static json_t *get_ok(const char *path)
{
    struct http_result r;
    http_get(path, &r);
    assert_json_status(&r, 200, path);
    json_t *js = json_incref(r.json);
    http_result_free(&r);
    return js;
}

static json_t *get_page(const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "/errors/%s", id);
    return get_ok(path);
}

static void assert_nonempty_string(const json_t *pg, const char *key)
{
    const char *s = json_string_value(json_object_get(pg, key));
    ck_assert_msg(s && *s, "page %s: %s is not a non-empty string",
                  json_string_value(json_object_get(pg, "id")), key);
}

static void assert_string_array(const json_t *pg, const char *key, int nonempty)
{
    const json_t *a = json_object_get(pg, key);
    ck_assert_msg(json_is_array(a), "page %s: %s is not an array",
                  json_string_value(json_object_get(pg, "id")), key);
    if (nonempty)
        ck_assert_msg(json_array_size(a) > 0, "page %s: %s is empty",
                      json_string_value(json_object_get(pg, "id")), key);
    size_t i;
    const json_t *v;
    json_array_foreach(a, i, v)
    {
        ck_assert_msg(json_is_string(v) && *json_string_value(v), "%s[%zu] is not a string", key,
                      i);
    }
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

/* Whether a command calls MLX's deprecated mx.metal.* memory API: "mx.metal." in the code part
** of a line (a "# was mx.metal..." comment that documents the rename does not count). */
static int calls_deprecated_mlx(const char *cmd)
{
    for (const char *line = cmd; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        const char *hash = memchr(line, '#', len);
        size_t code = hash ? (size_t)(hash - line) : len;
        for (size_t k = 0; k + 9 <= code; k++)
            if (0 == memcmp(line + k, "mx.metal.", 9))
                return 1;
        line = eol ? eol + 1 : NULL;
    }
    return 0;
}

/* The page shape of API.md "GET /errors/{id}"; steps numbered 1..n. */
static void assert_page_shape(const json_t *pg)
{
    const char *id = json_string_value(json_object_get(pg, "id"));
    ck_assert_msg(id && *id, "page without id");
    assert_nonempty_string(pg, "title");
    assert_nonempty_string(pg, "signature");
    assert_string_array(pg, "signatures", 1);
    assert_nonempty_string(pg, "platform");
    ck_assert_msg(json_is_string(json_object_get(pg, "backend")), "page %s: backend", id);
    assert_string_array(pg, "runtimes", 1);
    const char *sev = json_string_value(json_object_get(pg, "severity"));
    ck_assert_msg(
        sev && (0 == strcmp(sev, "high") || 0 == strcmp(sev, "medium") || 0 == strcmp(sev, "low")),
        "page %s: severity %s", id, sev);
    assert_nonempty_string(pg, "environment");
    assert_string_array(pg, "causes", 1);
    assert_string_array(pg, "caveats", 0);
    assert_nonempty_string(pg, "verified_by");
    ck_assert_msg(is_date(json_string_value(json_object_get(pg, "last_verified"))),
                  "page %s: last_verified is not YYYY-MM-DD", id);
    assert_string_array(pg, "sources", 1);

    const json_t *steps = json_object_get(pg, "steps");
    ck_assert_msg(json_is_array(steps) && json_array_size(steps) > 0, "page %s: no steps", id);
    size_t i;
    const json_t *st;
    json_array_foreach(steps, i, st)
    {
        ck_assert_msg(json_integer_value(json_object_get(st, "step")) == (json_int_t)(i + 1),
                      "page %s: step %zu is not numbered %zu", id, i, i + 1);
        ck_assert_msg(json_string_value(json_object_get(st, "title")) &&
                          json_string_value(json_object_get(st, "body")),
                      "page %s: step %zu lacks title or body", id, i + 1);
        const char *cmd = json_string_value(json_object_get(st, "command"));
        ck_assert_msg(!calls_deprecated_mlx(cmd),
                      "page %s: step %zu calls the deprecated mx.metal.* API", id, i + 1);
    }
    const json_t *related = json_object_get(pg, "related");
    ck_assert_msg(json_is_array(related), "page %s: related is not an array", id);
    const json_t *rel;
    json_array_foreach(related, i, rel)
    {
        ck_assert_msg(json_string_value(json_object_get(rel, "id")) &&
                          json_string_value(json_object_get(rel, "title")),
                      "page %s: related[%zu] lacks id or title", id, i);
    }
}

/* The seed page has every field seed_scenario.py checks, non-empty. */
START_TEST(test_errors_seed_page)
{
    json_t *pg = get_page("metal-allocator-oom");
    ck_assert_str_eq(json_str_at(pg, "id"), "metal-allocator-oom");
    static const char *const fields[] = {"title",       "signature",   "signatures",    "severity",
                                         "environment", "causes",      "steps",         "caveats",
                                         "related",     "verified_by", "last_verified", "sources"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const json_t *v = json_object_get(pg, fields[i]);
        ck_assert_msg(v && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0) &&
                          !(json_is_string(v) && !*json_string_value(v)),
                      "seed page: %s is missing or empty", fields[i]);
    }
    assert_page_shape(pg);
    ck_assert_msg(json_array_size(json_object_get(pg, "related")) > 0, "seed page: no related");
    /* the page is about MLX / Metal on Apple Silicon */
    int has_mlx = 0;
    size_t i;
    const json_t *rt;
    json_array_foreach(json_object_get(pg, "runtimes"), i, rt)
    {
        if (0 == strcmp(json_string_value(rt), "mlx"))
            has_mlx = 1;
    }
    ck_assert_msg(has_mlx, "seed page runtimes lack mlx");
    json_decref(pg);
}
END_TEST

/* Ids are case-insensitive. */
START_TEST(test_errors_get_case_insensitive)
{
    json_t *a = get_page("metal-allocator-oom");
    json_t *b = get_page("METAL-Allocator-OOM");
    ck_assert_msg(json_equal(a, b), "upper-case id gives another page");
    json_decref(a);
    json_decref(b);
}
END_TEST

/* Every page the fix planner may name exists, has the full shape, and its related ids resolve. */
START_TEST(test_errors_every_page_and_related_resolve)
{
    json_int_t total = 0;
    json_t *all = collect_pages("/errors", 500, &total);
    ck_assert_msg(total >= (json_int_t)N_KB_IDS, "only %lld pages", (long long)total);
    for (size_t k = 0; k < N_KB_IDS; k++) {
        json_t *pg = get_page(KB_IDS[k]);
        ck_assert_str_eq(json_str_at(pg, "id"), KB_IDS[k]);
        json_decref(pg);
    }
    size_t i;
    const json_t *item;
    json_array_foreach(all, i, item)
    {
        json_t *pg = get_page(json_string_value(json_object_get(item, "id")));
        assert_page_shape(pg);
        ck_assert_str_eq(json_str_at(pg, "title"), json_str_at(item, "title"));
        size_t j;
        const json_t *rel;
        json_array_foreach(json_object_get(pg, "related"), j, rel)
        {
            char path[256];
            snprintf(path, sizeof path, "/errors/%s",
                     json_string_value(json_object_get(rel, "id")));
            struct http_result r;
            http_get(path, &r);
            ck_assert_msg(r.status == 200, "page %s: related %s answers %ld", json_str_at(pg, "id"),
                          path, r.status);
            http_result_free(&r);
        }
        json_decref(pg);
    }
    json_decref(all);
}
END_TEST

/* "/errors: list (id, title, platform, severity) ... paginated (limit, cursor)". */
START_TEST(test_errors_list_and_paging)
{
    json_int_t total = 0, total2 = 0;
    json_t *all = collect_pages("/errors", 500, &total);
    ck_assert_int_eq((json_int_t)json_array_size(all), total);
    size_t i;
    const json_t *item;
    json_array_foreach(all, i, item)
    {
        ck_assert_msg(json_str_at(item, "id") && json_str_at(item, "title") &&
                          json_str_at(item, "platform") && json_str_at(item, "severity"),
                      "list item %zu lacks id/title/platform/severity", i);
    }
    json_t *paged = collect_pages("/errors", 3, &total2);
    ck_assert_int_eq(total2, total);
    ck_assert_int_eq(json_array_size(paged), json_array_size(all));
    for (i = 0; i < json_array_size(all); i++) {
        const char *a = json_string_value(json_object_get(json_array_get(all, i), "id"));
        const char *b = json_string_value(json_object_get(json_array_get(paged, i), "id"));
        ck_assert_msg(a && b && 0 == strcmp(a, b), "paging order differs at %zu: %s vs %s", i, a,
                      b);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(
                0 != strcmp(b, json_string_value(json_object_get(json_array_get(paged, j), "id"))),
                "id %s appears twice while paging", b);
    }
    /* default limit is 50 */
    json_t *first = get_ok("/errors");
    size_t want = total < 50 ? (size_t)total : 50;
    ck_assert_int_eq(json_array_size(json_object_get(first, "items")), want);
    json_decref(first);
    json_decref(paged);
    json_decref(all);
}
END_TEST

static int array_has_id(const json_t *items, const char *id)
{
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        if (0 == strcmp(json_string_value(json_object_get(it, "id")), id))
            return 1;
    }
    return 0;
}

/* Filters platform, runtime and q narrow the list and keep what matches. */
START_TEST(test_errors_list_filters)
{
    json_int_t all_total = 0, t = 0;
    json_decref(collect_pages("/errors", 500, &all_total));

    /* runtime=mlx: every page applies to mlx; the seed page is among them */
    json_t *items = collect_pages("/errors?runtime=mlx", 500, &t);
    ck_assert_msg(t > 0 && t < all_total, "runtime=mlx gives %lld of %lld", (long long)t,
                  (long long)all_total);
    ck_assert_msg(array_has_id(items, "metal-allocator-oom"), "runtime=mlx lacks the seed page");
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *pg = get_page(json_string_value(json_object_get(it, "id")));
        int has = 0;
        size_t j;
        const json_t *rt;
        json_array_foreach(json_object_get(pg, "runtimes"), j, rt)
        {
            if (0 == strcmp(json_string_value(rt), "mlx"))
                has = 1;
        }
        ck_assert_msg(has, "runtime=mlx returned %s, whose runtimes lack mlx",
                      json_str_at(pg, "id"));
        json_decref(pg);
    }
    json_decref(items);

    /* platform=<the seed page's platform>: same platform on every item */
    json_t *seed = get_page("metal-allocator-oom");
    char esc[512], path[700];
    snprintf(path, sizeof path, "/errors?platform=%s",
             url_escape(json_str_at(seed, "platform"), esc, sizeof esc));
    items = collect_pages(path, 500, &t);
    ck_assert_msg(array_has_id(items, "metal-allocator-oom"), "%s lacks the seed page", path);
    ck_assert_msg(t < all_total, "%s does not narrow the list", path);
    json_array_foreach(items, i, it)
    {
        ck_assert_msg(str_contains_ci(json_str_at(it, "platform"), json_str_at(seed, "platform")),
                      "%s returned platform %s", path, json_str_at(it, "platform"));
    }
    json_decref(items);
    json_decref(seed);

    /* q=cudaMalloc finds the CUDA page; q=<nonsense> finds nothing */
    items = collect_pages("/errors?q=cudaMalloc", 500, &t);
    ck_assert_msg(array_has_id(items, "llamacpp-cuda-cudamalloc-oom"),
                  "q=cudaMalloc misses the CUDA page");
    ck_assert_msg(t < all_total, "q=cudaMalloc does not narrow the list");
    json_decref(items);
    items = collect_pages("/errors?q=zzqxvnotaword", 500, &t);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(json_array_size(items), 0);
    json_decref(items);
}
END_TEST

static json_t *match(const char *text)
{
    json_t *body = json_pack("{s:s}", "text", text);
    struct http_result r;
    http_post_value("/errors/match", body, &r);
    json_decref(body);
    assert_json_status(&r, 200, "POST /errors/match");
    json_t *js = json_incref(r.json);
    http_result_free(&r);
    const json_t *items = json_object_get(js, "items");
    ck_assert_msg(json_is_array(items), "match: items is not an array");
    double prev = 2.0;
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        const json_t *score = json_object_get(it, "score");
        ck_assert_msg(json_str_at(it, "id") && json_str_at(it, "title") && json_is_number(score),
                      "match item %zu lacks id/title/score", i);
        double s = json_number_value(score);
        ck_assert_msg(s > 0 && s <= 1.0, "match item %zu score %f outside (0, 1]", i, s);
        ck_assert_msg(s <= prev, "match items are not best first");
        prev = s;
        const char *line = json_str_at(it, "matched_line");
        ck_assert_msg(line && *line && strstr(text, line),
                      "matched_line is not a line of the log: %s", line);
    }
    return js;
}

/* "POST /errors/match ... best first (the root cause before the wrappers that report it)". */
START_TEST(test_errors_match_cuda_oom)
{
    json_t *js = match(CUDA_OOM_LOG);
    ck_assert_msg(json_array_size(json_object_get(js, "items")) > 0, "no match for a CUDA OOM log");
    ck_assert_str_eq(json_str_at(js, "items.0.id"), "llamacpp-cuda-cudamalloc-oom");
    ck_assert_msg(strstr(json_str_at(js, "items.0.matched_line"), "cudaMalloc failed") ||
                      strstr(json_str_at(js, "items.0.matched_line"), "CUDA0 buffer"),
                  "matched_line %s", json_str_at(js, "items.0.matched_line"));
    json_decref(js);
}
END_TEST

/* sig with every "<placeholder>" replaced by a number, into buf (cap). */
static void fill_placeholders(const char *sig, char *buf, size_t cap)
{
    size_t o = 0;
    for (const char *p = sig; *p && o + 8 < cap; p++) {
        const char *close = (*p == '<') ? strchr(p, '>') : NULL;
        if (close && close - p < 24) {
            memcpy(buf + o, "4096", 4);
            o += 4;
            p = close;
        } else {
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
}

/* The seed page's own signature, embedded in a log with other lines, finds it first. */
START_TEST(test_errors_match_seed_signature)
{
    json_t *pg = get_page("metal-allocator-oom");
    char sig[1024], log[2048];
    fill_placeholders(json_str_at(pg, "signature"), sig, sizeof sig);
    snprintf(log, sizeof log,
             "Loading model qwen2.5-32b-mlx-8bit\nFetching 17 files: 100%%|##########| 17/17\n%s\n",
             sig);
    json_t *js = match(log);
    ck_assert_msg(json_array_size(json_object_get(js, "items")) > 0,
                  "no match for the seed signature");
    ck_assert_str_eq(json_str_at(js, "items.0.id"), "metal-allocator-oom");
    json_decref(js);
    json_decref(pg);
}
END_TEST

START_TEST(test_errors_match_nothing)
{
    json_t *js = match("hello world\nall good here\n");
    ck_assert_int_eq(json_array_size(json_object_get(js, "items")), 0);
    json_decref(js);
}
END_TEST

static Suite *errors_suite(void)
{
    Suite *s = suite_create("api_errors");
    TCase *tc = tcase_create("errors");
    harness_add_fixture(tc);
    tcase_add_test(tc, test_errors_seed_page);
    tcase_add_test(tc, test_errors_get_case_insensitive);
    tcase_add_test(tc, test_errors_every_page_and_related_resolve);
    tcase_add_test(tc, test_errors_list_and_paging);
    tcase_add_test(tc, test_errors_list_filters);
    tcase_add_test(tc, test_errors_match_cuda_oom);
    tcase_add_test(tc, test_errors_match_seed_signature);
    tcase_add_test(tc, test_errors_match_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run(errors_suite());
}

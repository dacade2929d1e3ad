/* test_api_check.c: integration tests for GET and POST /check against the real binary: the
** seed scenario, a fitting case, an offload case, inline objects, max_context, GET/POST
** agreement and repeats answered from the response cache. Asserts behaviour the API contract
*states; never relaxes it to match the code.
*/
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define GIB ((json_int_t)1 << 30)

static const char *const SEED_BODY =
    "{\"model\":\"qwen2.5-32b-instruct\",\"quant\":\"mlx-8bit\",\"context\":32768,"
    "\"hardware\":\"apple-m1-max-32gb\",\"runtime\":\"mlx\"}";
static const char *const SEED_QUERY = "/check?model=qwen2.5-32b-instruct&quant=mlx-8bit"
                                      "&context=32768&hardware=apple-m1-max-32gb&runtime=mlx";
static const char *const RTX_BODY =
    "{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"Q4_K_M\",\"context\":8192,"
    "\"hardware\":\"nvidia-rtx-4090\"}";
static const char *const RTX_QUERY =
    "/check?model=llama-3.1-8b-instruct&quant=Q4_K_M&context=8192&hardware=nvidia-rtx-4090";

/* POST body to /check, assert 200 JSON, return the body (new reference). */
static json_t *post_check(const char *body)
{
    struct http_result r;
    http_post_json("/check", body, &r);
    char what[512];
    snprintf(what, sizeof what, "POST /check %.400s", body);
    assert_json_status(&r, 200, what);
    json_t *js = json_incref(r.json);
    http_result_free(&r);
    return js;
}

static json_t *post_check_value(json_t *v /* stolen */)
{
    char *text = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    ck_assert_ptr_nonnull(text);
    json_t *js = post_check(text);
    free(text);
    return js;
}

/* GET path, assert 200 JSON, return the body (new reference). */
static json_t *get_check(const char *path)
{
    struct http_result r;
    http_get(path, &r);
    assert_json_status(&r, 200, path);
    json_t *js = json_incref(r.json);
    http_result_free(&r);
    return js;
}

static json_int_t int_at(const json_t *js, const char *path)
{
    const json_t *v = json_at(js, path);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", path);
    return json_integer_value(v);
}

static const char *verdict_of(const json_t *js)
{
    const char *v = json_str_at(js, "verdict");
    ck_assert_msg(v != NULL, "no verdict");
    return v;
}

static int is_verdict(const char *v)
{
    return v && (0 == strcmp(v, "runs") || 0 == strcmp(v, "tight") || 0 == strcmp(v, "offload") ||
                 0 == strcmp(v, "wont_run"));
}

static int fits(const char *v)
{
    return v && (0 == strcmp(v, "runs") || 0 == strcmp(v, "tight"));
}

/* Rules every /check answer obeys (API.md "Response 200" and "Verdicts"). */
static void assert_check_consistent(const json_t *js, const char *what)
{
    ck_assert_msg(json_is_object(js), "%s: body is not an object", what);
    const char *verdict = verdict_of(js);
    ck_assert_msg(is_verdict(verdict), "%s: unknown verdict %s", what, verdict);
    const char *summary = json_str_at(js, "summary");
    ck_assert_msg(summary && *summary, "%s: no summary", what);

    /* "footprint": total equals the sum of its parts */
    json_int_t w = int_at(js, "footprint.weights_bytes"),
               kv = int_at(js, "footprint.kv_cache_bytes"),
               c = int_at(js, "footprint.compute_bytes"),
               o = int_at(js, "footprint.overhead_bytes"), t = int_at(js, "footprint.total_bytes");
    ck_assert_msg(w > 0 && kv >= 0 && c >= 0 && o >= 0, "%s: negative or zero parts", what);
    ck_assert_msg(w + kv + c + o == t, "%s: total %lld != %lld + %lld + %lld + %lld", what,
                  (long long)t, (long long)w, (long long)kv, (long long)c, (long long)o);

    /* "headroom_bytes": usable minus total */
    json_int_t mem = int_at(js, "budget.memory_bytes"), usable = int_at(js, "budget.usable_bytes");
    json_int_t head = int_at(js, "headroom_bytes");
    ck_assert_msg(usable > 0 && usable <= mem, "%s: usable %lld outside (0, %lld]", what,
                  (long long)usable, (long long)mem);
    ck_assert_msg(json_str_at(js, "budget.basis") && *json_str_at(js, "budget.basis"),
                  "%s: no budget.basis", what);
    ck_assert_msg(head == usable - t, "%s: headroom %lld != usable %lld - total %lld", what,
                  (long long)head, (long long)usable, (long long)t);

    /* "runs = fits with at least 10 % of the usable budget left; tight = fits with less" */
    if (0 == strcmp(verdict, "runs"))
        ck_assert_msg(head * 10 >= usable, "%s: runs with headroom %lld < 10%% of %lld", what,
                      (long long)head, (long long)usable);
    else if (0 == strcmp(verdict, "tight"))
        ck_assert_msg(head >= 0 && head * 10 < usable, "%s: tight with headroom %lld of %lld", what,
                      (long long)head, (long long)usable);
    else if ((!json_is_string(json_object_get(js, "error_id")) ||
              0 != strcmp(json_str_at(js, "error_id"), "vllm-max-model-len-exceeds-derived")) &&
             !(0 == strcmp(verdict, "offload") && int_at(js, "n_cpu_moe") > 0) &&
             json_array_size(json_object_get(js, "devices")) < 2)
        /* (vLLM refuses a context above the trained one whatever the memory;
        ** experts kept in RAM are an offload however small the rest; with
        ** several GPUs one may be over its share while the sum fits) */
        ck_assert_msg(head < 0, "%s: %s but headroom %lld >= 0", what, verdict, (long long)head);

    ck_assert_msg(json_is_integer(json_object_get(js, "max_context")) &&
                      int_at(js, "max_context") >= 0,
                  "%s: max_context is not a non-negative integer", what);
    const json_t *bq = json_object_get(js, "best_quant");
    ck_assert_msg(bq && (json_is_null(bq) || json_is_string(bq)), "%s: best_quant", what);
    const json_t *speed = json_object_get(js, "speed");
    ck_assert_msg(json_is_object(speed) && json_is_string(json_object_get(speed, "basis")),
                  "%s: speed.basis", what);

    /* error_url is "/errors/<error_id>" or both are null */
    const json_t *eid = json_object_get(js, "error_id"), *eurl = json_object_get(js, "error_url");
    ck_assert_msg(eid && eurl, "%s: error_id/error_url missing", what);
    if (json_is_null(eid)) {
        ck_assert_msg(json_is_null(eurl), "%s: error_url without error_id", what);
    } else {
        char want[160];
        snprintf(want, sizeof want, "/errors/%s", json_string_value(eid));
        ck_assert_msg(json_is_string(eurl) && 0 == strcmp(json_string_value(eurl), want),
                      "%s: error_url %s, want %s", what, json_string_value(eurl), want);
    }

    /* "fixes is a plan, empty for runs" */
    const json_t *fixes = json_object_get(js, "fixes");
    ck_assert_msg(json_is_array(fixes), "%s: fixes is not an array", what);
    if (0 == strcmp(verdict, "runs"))
        ck_assert_msg(json_array_size(fixes) == 0, "%s: runs but %zu fixes", what,
                      json_array_size(fixes));
    size_t i;
    const json_t *f;
    json_array_foreach(fixes, i, f)
    {
        ck_assert_msg(json_integer_value(json_object_get(f, "step")) == (json_int_t)(i + 1),
                      "%s: fix %zu is not numbered %zu", what, i, i + 1);
        const char *cmd = json_string_value(json_object_get(f, "command"));
        ck_assert_msg(cmd && *cmd, "%s: fix %zu has no command", what, i + 1);
        ck_assert_msg(json_string_value(json_object_get(f, "title")) &&
                          json_string_value(json_object_get(f, "why")),
                      "%s: fix %zu lacks title or why", what, i + 1);
        ck_assert_msg(is_verdict(json_string_value(json_object_get(f, "verdict_after"))),
                      "%s: fix %zu verdict_after", what, i + 1);
        ck_assert_msg(json_is_integer(json_object_get(f, "total_bytes_after")) &&
                          json_integer_value(json_object_get(f, "total_bytes_after")) > 0,
                      "%s: fix %zu total_bytes_after", what, i + 1);
    }
    /* placement per device, the host, the largest buffer (openapi.yaml CheckResponse) */
    const json_t *devs = json_object_get(js, "devices");
    ck_assert_msg(json_is_array(devs), "%s: devices is not an array", what);
    json_array_foreach(devs, i, f)
    {
        ck_assert_msg(json_integer_value(json_object_get(f, "index")) == (json_int_t)i,
                      "%s: device %zu has index %lld", what, i,
                      (long long)json_integer_value(json_object_get(f, "index")));
        ck_assert_msg(json_is_integer(json_object_get(f, "total_bytes")) &&
                          json_integer_value(json_object_get(f, "total_bytes")) >= 0 &&
                          json_is_integer(json_object_get(f, "usable_bytes")) &&
                          json_integer_value(json_object_get(f, "usable_bytes")) >= 0,
                      "%s: device %zu bytes", what, i);
    }
    ck_assert_msg(int_at(js, "host_bytes") >= 0, "%s: host_bytes", what);
    ck_assert_msg(int_at(js, "largest_allocation_bytes") >= 0, "%s: largest_allocation_bytes",
                  what);
    ck_assert_msg(int_at(js, "n_cpu_moe") >= 0, "%s: n_cpu_moe", what);
    const json_t *split = json_object_get(js, "tensor_split");
    ck_assert_msg(split && (json_is_null(split) || json_is_array(split)), "%s: tensor_split", what);
    const json_t *pps = json_object_get(speed, "prompt_tokens_per_second");
    ck_assert_msg(pps && (json_is_null(pps) || (json_is_number(pps) && json_number_value(pps) > 0)),
                  "%s: speed.prompt_tokens_per_second is neither null nor a positive number", what);
    const json_t *pbasis = json_object_get(speed, "prompt_basis");
    ck_assert_msg(pbasis && (json_is_null(pbasis) || json_is_string(pbasis)),
                  "%s: speed.prompt_basis", what);
    ck_assert_msg(json_is_object(json_object_get(js, "inputs")), "%s: inputs", what);
    ck_assert_msg(json_is_array(json_object_get(js, "warnings")), "%s: warnings", what);
    ck_assert_msg(json_str_at(js, "estimator.version") != NULL, "%s: estimator.version", what);
}

/* The fields the estimator gained, through the real server: a split over two GPUs, a
** separate V cache type, -ub and --n-cpu-moe on an MoE model. */
START_TEST(test_check_new_fields)
{
    json_t *js = post_check("{\"model\":\"qwen3-30b-a3b\",\"hardware\":\"nvidia-rtx-4090\","
                            "\"context\":32768,\"gpu_count\":2,\"tensor_split\":[3,1],"
                            "\"ubatch\":1024,\"kv_cache\":\"f16\",\"kv_cache_v\":\"q8_0\","
                            "\"n_cpu_moe\":8}");
    assert_check_consistent(js, "new fields");
    /* one entry per GPU, each within what one card may hold when it fits */
    const json_t *devs = json_object_get(js, "devices");
    ck_assert_uint_eq(json_array_size(devs), 2);
    json_int_t on_gpus = 0;
    for (size_t i = 0; i < 2; i++) {
        const json_t *d = json_array_get(devs, i);
        json_int_t total = json_integer_value(json_object_get(d, "total_bytes"));
        json_int_t usable = json_integer_value(json_object_get(d, "usable_bytes"));
        ck_assert(usable > 0 && usable <= 24 * GIB);
        if (fits(verdict_of(js)))
            ck_assert_msg(total <= usable, "device %zu holds %lld of %lld", i, (long long)total,
                          (long long)usable);
        on_gpus += total;
    }
    ck_assert(on_gpus <= int_at(js, "footprint.total_bytes"));
    /* the split sized: two shares summing to 1 (rounded to 3 decimals) */
    const json_t *split = json_object_get(js, "tensor_split");
    ck_assert_uint_eq(json_array_size(split), 2);
    double sum =
        json_number_value(json_array_get(split, 0)) + json_number_value(json_array_get(split, 1));
    ck_assert_msg(sum > 0.998 && sum < 1.002, "split sums to %f", sum);
    ck_assert(int_at(js, "n_cpu_moe") <= 48);
    /* echoed as given */
    ck_assert_int_eq(int_at(js, "inputs.ubatch"), 1024);
    ck_assert_int_eq(int_at(js, "inputs.n_cpu_moe"), 8);
    ck_assert_str_eq(json_str_at(js, "inputs.kv_cache"), "f16");
    ck_assert_str_eq(json_str_at(js, "inputs.kv_cache_v"), "q8_0");
    const json_t *given = json_object_get(json_object_get(js, "inputs"), "tensor_split");
    ck_assert_uint_eq(json_array_size(given), 2);
    ck_assert(json_number_value(json_array_get(given, 0)) == 3.0);
    json_decref(js);

    /* the same question as a GET, with the comma form of the split */
    json_t *get = get_check("/check?model=qwen3-30b-a3b&hardware=nvidia-rtx-4090&context=32768"
                            "&gpu_count=2&tensor_split=3,1&ubatch=1024&kv_cache=f16"
                            "&kv_cache_v=q8_0&n_cpu_moe=8");
    js = post_check("{\"model\":\"qwen3-30b-a3b\",\"hardware\":\"nvidia-rtx-4090\","
                    "\"context\":32768,\"gpu_count\":2,\"tensor_split\":[3,1],"
                    "\"ubatch\":1024,\"kv_cache\":\"f16\",\"kv_cache_v\":\"q8_0\","
                    "\"n_cpu_moe\":8}");
    ck_assert_msg(json_equal(get, js), "GET and POST answers differ");
    json_decref(get);
    json_decref(js);

    /* defaults: llama.cpp's -ub 512, no split, nothing in RAM; one card, one device */
    js = post_check(RTX_BODY);
    ck_assert_int_eq(int_at(js, "inputs.ubatch"), 512);
    ck_assert_int_eq(int_at(js, "inputs.n_cpu_moe"), 0);
    ck_assert(json_is_null(json_at(js, "inputs.tensor_split")));
    ck_assert_str_eq(json_str_at(js, "inputs.kv_cache_v"), json_str_at(js, "inputs.kv_cache"));
    ck_assert(json_is_null(json_object_get(js, "tensor_split")));
    ck_assert_uint_eq(json_array_size(json_object_get(js, "devices")), 1);
    json_decref(js);

    /* MLX has no -ub; a CPU-only machine has no devices */
    js = post_check(SEED_BODY);
    ck_assert(json_is_null(json_at(js, "inputs.ubatch")));
    json_decref(js);
    js = post_check("{\"model\":\"llama-3.1-8b-instruct\",\"context\":4096,"
                    "\"hardware\":{\"memory_gb\":64,\"kind\":\"cpu\",\"compute_tflops\":2}}");
    assert_check_consistent(js, "cpu");
    ck_assert_uint_eq(json_array_size(json_object_get(js, "devices")), 0);
    json_decref(js);

    /* two questions that differ only in ubatch get different answers (the cache keys on
    ** the whole request) */
    json_t *a = get_check("/check?model=qwen3-30b-a3b&hardware=nvidia-rtx-4090&context=20480");
    json_t *b =
        get_check("/check?model=qwen3-30b-a3b&hardware=nvidia-rtx-4090&context=20480&ubatch=2048");
    ck_assert_int_eq(int_at(a, "inputs.ubatch"), 512);
    ck_assert_int_eq(int_at(b, "inputs.ubatch"), 2048);
    ck_assert(!json_equal(a, b));
    json_decref(a);
    json_decref(b);
}
END_TEST

/* The fix whose command contains needle, or NULL. */
static const json_t *fix_with(const json_t *js, const char *needle)
{
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(js, "fixes"), i, f)
    {
        const char *cmd = json_string_value(json_object_get(f, "command"));
        if (cmd && strstr(cmd, needle))
            return f;
    }
    return NULL;
}

/* The seed scenario as the product contract states it, plus the plan's contents. */
START_TEST(test_check_seed_scenario)
{
    json_t *js = post_check(SEED_BODY);
    assert_check_consistent(js, "seed");
    ck_assert_str_eq(verdict_of(js), "wont_run");
    ck_assert_str_eq(json_str_at(js, "error_id"), "metal-allocator-oom");
    ck_assert_str_eq(json_str_at(js, "error_url"), "/errors/metal-allocator-oom");
    /* 8-bit Qwen2.5-32B weights alone exceed 32 GiB: no context fits ("0 if none"). */
    ck_assert_int_eq(int_at(js, "max_context"), 0);

    const json_t *fixes = json_object_get(js, "fixes");
    ck_assert_msg(json_array_size(fixes) >= 3, "seed plan has %zu steps", json_array_size(fixes));
    const char *first = json_str_at(js, "fixes.0.command");
    ck_assert_msg(first && strstr(first, "mlx_lm.convert --hf-path Qwen/Qwen2.5-32B-Instruct "
                                         "-q --q-bits 4"),
                  "first fix is not the 4-bit conversion: %s", first);
    ck_assert_msg(fix_with(js, "--max-kv-size") != NULL, "no context-cap step (--max-kv-size)");
    /* the memory-ceiling step sets both the macOS wired limit and MLX's own limit */
    const json_t *wired = fix_with(js, "iogpu.wired_limit_mb");
    ck_assert_msg(wired != NULL, "no iogpu.wired_limit_mb step");
    ck_assert_msg(
        strstr(json_string_value(json_object_get(wired, "command")), "mx.set_memory_limit"),
        "the iogpu.wired_limit_mb step lacks mx.set_memory_limit: %s",
        json_string_value(json_object_get(wired, "command")));
    ck_assert_msg(fix_with(js, "mx.metal.") == NULL, "deprecated mx.metal.* in the plan");

    /* "A user stops at the first step whose verdict_after is runs or tight; steps after that
    ** are alternatives and say so in why." */
    size_t i;
    const json_t *f;
    int reached = 0;
    json_array_foreach(fixes, i, f)
    {
        if (reached)
            ck_assert_msg(
                str_contains_ci(json_string_value(json_object_get(f, "why")), "alternative"),
                "step %zu comes after a fitting step but its why does not say it is an "
                "alternative: %s",
                i + 1, json_string_value(json_object_get(f, "why")));
        if (fits(json_string_value(json_object_get(f, "verdict_after"))))
            reached = 1;
    }
    ck_assert_msg(reached, "no step reaches runs or tight");
    /* "biggest and cheapest win first": the conversion alone lowers the total */
    ck_assert_msg(int_at(js, "fixes.0.total_bytes_after") < int_at(js, "footprint.total_bytes"),
                  "step 1 does not lower total_bytes");
    json_decref(js);
}
END_TEST

/* seed_scenario.py: "unknown model: 404 problem with suggestions" (API.md: "Unknown catalog ids
** add suggestions"), also when no id is close. */
START_TEST(test_check_unknown_model_has_suggestions)
{
    struct http_result r;
    http_post_json("/check", "{\"model\":\"no-such-model\",\"hardware\":\"apple-m1-max-32gb\"}",
                   &r);
    assert_problem(&r, 404, "model", "POST /check unknown model no-such-model");
    ck_assert_msg(json_is_array(json_object_get(r.json, "suggestions")),
                  "404 for an unknown model has no suggestions member: %s", r.body);
    http_result_free(&r);
}
END_TEST

/* "Every step is re-estimated": step 1 (convert to 4-bit) equals asking for mlx-4bit. */
START_TEST(test_check_fix_step_is_reestimated)
{
    json_t *seed = post_check(SEED_BODY);
    json_t *q4 = post_check("{\"model\":\"qwen2.5-32b-instruct\",\"quant\":\"mlx-4bit\","
                            "\"context\":32768,\"hardware\":\"apple-m1-max-32gb\","
                            "\"runtime\":\"mlx\"}");
    assert_check_consistent(q4, "seed at mlx-4bit");
    ck_assert_int_eq(int_at(seed, "fixes.0.total_bytes_after"),
                     int_at(q4, "footprint.total_bytes"));
    ck_assert_str_eq(json_str_at(seed, "fixes.0.verdict_after"), verdict_of(q4));
    json_decref(seed);
    json_decref(q4);
}
END_TEST

START_TEST(test_check_rtx4090_runs)
{
    json_t *js = get_check(RTX_QUERY);
    assert_check_consistent(js, RTX_QUERY);
    ck_assert_str_eq(verdict_of(js), "runs");
    ck_assert_int_eq(json_array_size(json_object_get(js, "fixes")), 0);
    ck_assert_msg(json_is_null(json_object_get(js, "error_id")), "error_id is not null");
    json_int_t total = int_at(js, "gpu_layers.total");
    ck_assert_msg(total > 0, "gpu_layers.total %lld", (long long)total);
    ck_assert_int_eq(int_at(js, "gpu_layers.offloaded"), total);
    const json_t *tps = json_at(js, "speed.tokens_per_second");
    ck_assert_msg(json_is_number(tps) && json_number_value(tps) > 0, "no speed estimate");
    ck_assert_int_eq(int_at(js, "budget.memory_bytes"), 24 * GIB);
    ck_assert_str_eq(json_str_at(js, "inputs.runtime"), "llama.cpp");
    ck_assert_str_eq(json_str_at(js, "inputs.quant"), "Q4_K_M");
    ck_assert_int_eq(int_at(js, "inputs.context"), 8192);
    ck_assert_msg(int_at(js, "max_context") >= 8192, "max_context below a context that runs");
    json_decref(js);
}
END_TEST

/* "GET takes the same fields as query parameters": same inputs, same body. */
START_TEST(test_check_get_equals_post)
{
    const char *bodies[] = {RTX_BODY, SEED_BODY};
    const char *queries[] = {RTX_QUERY, SEED_QUERY};
    for (size_t i = 0; i < 2; i++) {
        json_t *p = post_check(bodies[i]);
        json_t *g = get_check(queries[i]);
        char *pt = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
        char *gt = json_dumps(g, JSON_SORT_KEYS | JSON_COMPACT);
        ck_assert_msg(json_equal(p, g), "GET and POST differ:\nPOST %.1500s\nGET  %.1500s", pt, gt);
        free(pt);
        free(gt);
        json_decref(p);
        json_decref(g);
    }
}
END_TEST

/* Defaults: runtime llama.cpp, quant Q4_K_M; mlx-4bit for MLX. Ids are case-insensitive. */
START_TEST(test_check_defaults_and_case)
{
    json_t *js =
        post_check("{\"model\":\"LLAMA-3.1-8B-Instruct\",\"hardware\":\"NVIDIA-RTX-4090\"}");
    assert_check_consistent(js, "defaults");
    ck_assert_str_eq(json_str_at(js, "inputs.runtime"), "llama.cpp");
    ck_assert_str_eq(json_str_at(js, "inputs.quant"), "Q4_K_M");
    ck_assert_msg(int_at(js, "inputs.context") > 0, "default context not filled in");
    json_decref(js);

    js = post_check("{\"model\":\"qwen2.5-32b-instruct\",\"hardware\":\"apple-m1-max-32gb\","
                    "\"runtime\":\"mlx\",\"context\":4096}");
    ck_assert_str_eq(json_str_at(js, "inputs.quant"), "mlx-4bit");
    json_decref(js);

    json_t *a = post_check("{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"q4_k_m\","
                           "\"context\":8192,\"hardware\":\"nvidia-rtx-4090\"}");
    json_t *b = post_check(RTX_BODY);
    ck_assert_str_eq(json_str_at(a, "inputs.quant"), "Q4_K_M");
    ck_assert_msg(json_equal(a, b), "quant spelling changed the answer");
    json_decref(a);
    json_decref(b);
}
END_TEST

/* Inline model with Llama-3.1-8B's config.json: same KV cache, weights within 5 %. */
START_TEST(test_check_inline_model)
{
    json_t *catalog = post_check(RTX_BODY);
    json_t *body =
        json_pack("{s:{s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:b,s:i},s:s,s:i,s:s}", "model", "name",
                  "my-llama", "num_hidden_layers", 32, "hidden_size", 4096, "num_attention_heads",
                  32, "num_key_value_heads", 8, "intermediate_size", 14336, "vocab_size", 128256,
                  "tie_word_embeddings", 0, "max_position_embeddings", 131072, "quant", "Q4_K_M",
                  "context", 8192, "hardware", "nvidia-rtx-4090");
    ck_assert_ptr_nonnull(body);
    json_t *js = post_check_value(body);
    assert_check_consistent(js, "inline model");
    ck_assert_str_eq(verdict_of(js), "runs");
    ck_assert_int_eq(int_at(js, "footprint.kv_cache_bytes"),
                     int_at(catalog, "footprint.kv_cache_bytes"));
    double wi = (double)int_at(js, "footprint.weights_bytes");
    double wc = (double)int_at(catalog, "footprint.weights_bytes");
    ck_assert_msg(wi > 0.95 * wc && wi < 1.05 * wc, "inline weights %.0f vs catalog %.0f", wi, wc);

    /* an explicit params count is used as given */
    body = json_pack("{s:{s:I,s:i,s:i,s:i,s:i,s:i,s:i},s:s,s:i,s:s}", "model", "params",
                     (json_int_t)16000000000LL, "num_hidden_layers", 32, "hidden_size", 4096,
                     "num_attention_heads", 32, "num_key_value_heads", 8, "intermediate_size",
                     14336, "vocab_size", 128256, "quant", "Q4_K_M", "context", 8192, "hardware",
                     "nvidia-rtx-4090");
    json_t *big = post_check_value(body);
    ck_assert_msg(int_at(big, "footprint.weights_bytes") > (json_int_t)(1.5 * wc),
                  "params 16e9 did not grow the weights");
    json_decref(big);
    json_decref(js);
    json_decref(catalog);
}
END_TEST

/* Inline hardware: "memory_gb ... binary (a 24 GB card holds 24 GiB)"; count multiplies it. */
START_TEST(test_check_inline_hardware)
{
    json_t *catalog = post_check(RTX_BODY);
    json_t *js = post_check("{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"Q4_K_M\","
                            "\"context\":8192,\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\","
                            "\"backend\":\"cuda\",\"bandwidth_gbs\":1008}}");
    assert_check_consistent(js, "inline 24 GB gpu");
    ck_assert_int_eq(int_at(js, "budget.memory_bytes"), 24 * GIB);
    ck_assert_str_eq(verdict_of(js), "runs");
    ck_assert_int_eq(int_at(js, "footprint.total_bytes"), int_at(catalog, "footprint.total_bytes"));
    json_decref(js);

    js = post_check("{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"Q4_K_M\",\"context\":8192,"
                    "\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\",\"backend\":\"cuda\","
                    "\"count\":2}}");
    assert_check_consistent(js, "inline 2 x 24 GB");
    ck_assert_int_eq(int_at(js, "budget.memory_bytes"), 48 * GIB);
    json_decref(js);

    /* a 4 GB card with 64 GB of host RAM: the 8B model spills to system RAM */
    js = post_check("{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"Q4_K_M\",\"context\":8192,"
                    "\"hardware\":{\"memory_gb\":4,\"kind\":\"gpu\",\"backend\":\"cuda\","
                    "\"system_ram_gb\":64}}");
    assert_check_consistent(js, "inline 4 GB gpu");
    ck_assert_int_eq(int_at(js, "budget.memory_bytes"), 4 * GIB);
    ck_assert_str_eq(verdict_of(js), "offload");
    json_decref(js);
    json_decref(catalog);
}
END_TEST

/* "max_context: largest context that fits with these settings". */
START_TEST(test_check_max_context_is_largest)
{
#define MAXC_BODY                                                                                  \
    "{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"Q4_K_M\",\"context\":%lld,"                  \
    "\"hardware\":\"nvidia-rtx-4060\"}"
    char body[256];
    snprintf(body, sizeof body, MAXC_BODY, 8192LL);
    json_t *js = post_check(body);
    assert_check_consistent(js, "8B on an 8 GB card");
    json_int_t maxc = int_at(js, "max_context");
    json_decref(js);
    /* an 8 GiB card holds the 4.9 GB weights and some, but not all 131072 trained tokens */
    ck_assert_msg(maxc > 8192 && maxc < 131072, "max_context %lld", (long long)maxc);

    snprintf(body, sizeof body, MAXC_BODY, (long long)maxc);
    js = post_check(body);
    ck_assert_msg(fits(verdict_of(js)), "context=max_context (%lld) gives %s", (long long)maxc,
                  verdict_of(js));
    ck_assert_int_eq(int_at(js, "max_context"), maxc);
    json_decref(js);

    snprintf(body, sizeof body, MAXC_BODY, (long long)maxc + 256);
    js = post_check(body);
    ck_assert_msg(!fits(verdict_of(js)), "context=max_context+256 (%lld) still fits (%s)",
                  (long long)maxc + 256, verdict_of(js));
    json_decref(js);
}
END_TEST

/* "best_quant: highest-quality quant that fits at this context": re-checking with it fits. */
START_TEST(test_check_best_quant_fits)
{
    json_t *js = post_check(RTX_BODY);
    const char *bq = json_str_at(js, "best_quant");
    ck_assert_msg(bq != NULL, "best_quant is null for a model that runs");
    char body[256];
    snprintf(body, sizeof body,
             "{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"%s\",\"context\":8192,"
             "\"hardware\":\"nvidia-rtx-4090\"}",
             bq);
    json_t *again = post_check(body);
    ck_assert_msg(fits(verdict_of(again)), "best_quant %s gives %s", bq, verdict_of(again));
    /* it is at least as large as Q4_K_M (higher quality costs bytes) */
    ck_assert_msg(int_at(again, "footprint.weights_bytes") >= int_at(js, "footprint.weights_bytes"),
                  "best_quant %s is smaller than Q4_K_M", bq);
    json_decref(again);
    json_decref(js);
}
END_TEST

/* "offload = does not fit in accelerator memory but the runtime can keep some layers in
** system RAM and still run (slower)". */
START_TEST(test_check_offload_70b_on_24gb)
{
    json_t *js = post_check("{\"model\":\"llama-3.1-70b-instruct\",\"quant\":\"Q4_K_M\","
                            "\"context\":8192,\"hardware\":\"nvidia-rtx-4090\","
                            "\"runtime\":\"llama.cpp\"}");
    assert_check_consistent(js, "70B on a 4090");
    ck_assert_str_eq(verdict_of(js), "offload");
    json_int_t off = int_at(js, "gpu_layers.offloaded"), total = int_at(js, "gpu_layers.total");
    ck_assert_msg(off > 0 && off < total, "gpu_layers %lld of %lld", (long long)off,
                  (long long)total);
    ck_assert_msg(json_array_size(json_object_get(js, "fixes")) > 0, "offload without a plan");

    json_t *small = post_check(RTX_BODY);
    const json_t *t70 = json_at(js, "speed.tokens_per_second");
    const json_t *t8 = json_at(small, "speed.tokens_per_second");
    ck_assert_msg(json_is_number(t70) && json_is_number(t8) &&
                      json_number_value(t70) < json_number_value(t8),
                  "offloaded 70B is not slower than the 8B");
    json_decref(small);
    json_decref(js);
}
END_TEST

/* "context ... or the caller's explicit larger value with a warning". */
START_TEST(test_check_context_above_trained_warns)
{
    json_t *js = post_check("{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"Q4_K_M\","
                            "\"context\":262144,\"hardware\":\"nvidia-rtx-4090\"}");
    assert_check_consistent(js, "context 262144");
    ck_assert_int_eq(int_at(js, "inputs.context"), 262144);
    ck_assert_msg(json_array_size(json_object_get(js, "warnings")) > 0,
                  "no warning for a context above the trained 131072");
    json_decref(js);
}
END_TEST

/* "the human summary uses GB (10^9) and says so, or GiB, consistently". */
START_TEST(test_check_summary_units)
{
    const char *bodies[] = {RTX_BODY, SEED_BODY};
    for (size_t i = 0; i < 2; i++) {
        json_t *js = post_check(bodies[i]);
        const char *sum = json_str_at(js, "summary");
        ck_assert_msg(sum && *sum, "no summary");
        int gib = strstr(sum, "GiB") != NULL;
        int gb = strstr(sum, " GB") != NULL;
        int says_decimal = strstr(sum, "10^9") || strstr(sum, "10\u2079") ||
                           str_contains_ci(sum, "decimal") || strstr(sum, "GB = ");
        ck_assert_msg(!(gib && gb), "summary mixes GiB and GB: %s", sum);
        ck_assert_msg(gib || !gb || says_decimal,
                      "summary uses GB without saying they are 10^9 bytes: %s", sum);
        json_decref(js);
    }
}
END_TEST

/* "A user stops at the first step whose verdict_after is runs or tight; steps
** after that are alternatives": when that first step is itself an alternative
** runtime, the summary names it alone, as an alternative. */
START_TEST(test_check_summary_names_alternative_as_such)
{
    json_t *js = post_check("{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4060\","
                            "\"runtime\":\"transformers\",\"quant\":\"bf16\",\"context\":8192}");
    ck_assert_str_eq(json_str_at(js, "verdict"), "wont_run");
    const char *sum = json_str_at(js, "summary");
    ck_assert_msg(sum && strstr(sum, "run it with llama.cpp instead."), "summary: %s", sum);
    ck_assert_msg(!strstr(sum, "then or "), "summary: %s", sum);
    json_decref(js);
}
END_TEST

/* Every /check answer in a small grid obeys the response rules (and never 5xx). */
START_TEST(test_check_grid_is_consistent)
{
    static const char *const rows[] = {
        "{\"model\":\"qwen2.5-32b-instruct\",\"hardware\":\"apple-m2-max-96gb\",\"runtime\":"
        "\"mlx\"}",
        "{\"model\":\"qwen2.5-32b-instruct\",\"hardware\":\"apple-m1-max-32gb\",\"runtime\":"
        "\"llama.cpp\",\"quant\":\"Q4_K_M\",\"context\":16384}",
        "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4090\",\"runtime\":"
        "\"vllm\"}",
        "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4090\",\"runtime\":"
        "\"transformers\",\"quant\":\"bf16\",\"context\":4096}",
        "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4090\",\"runtime\":"
        "\"ollama\",\"kv_cache\":\"q8_0\",\"flash_attention\":true}",
        "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4090\",\"batch\":8,"
        "\"context\":32768}",
        "{\"model\":\"llama-3.1-70b-instruct\",\"hardware\":\"nvidia-rtx-4090\",\"gpu_count\":4,"
        "\"quant\":\"Q4_K_M\"}",
        "{\"model\":\"qwen2.5-32b-instruct\",\"hardware\":\"apple-m1-max-32gb\",\"runtime\":"
        "\"mlx\",\"quant\":\"mlx-4bit\",\"context\":8192,\"os_version\":\"15.5\",\"wired_limit_"
        "mb\":28000}",
        "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"apple-m1-8gb\",\"runtime\":"
        "\"lmstudio\",\"quant\":\"Q8_0\"}",
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        json_t *js = post_check(rows[i]);
        assert_check_consistent(js, rows[i]);
        json_decref(js);
    }
}
END_TEST

/* ---- the response cache ---------------------------------------------------------------- */

/* A growing byte sink for the keep-alive exchanges below. */
struct sink {
    char *data;
    size_t len;
};

static size_t sink_write(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t add = size * n;
    char *grown = realloc(s->data, s->len + add + 1);
    if (NULL == grown)
        return 0;
    memcpy(grown + s->len, p, add);
    s->len += add;
    grown[s->len] = '\0';
    s->data = grown;
    return add;
}

/* One request on the shared handle c, so repeats reuse the connection (and so the server's
** worker thread). Fills *out like http_send (release with http_result_free); *connects gets
** the number of new connections curl opened for it. */
static void keepalive_send(CURL *c, const char *path, const char *json_body,
                           struct http_result *out, long *connects)
{
    char url[1024];
    struct sink body = {0}, head = {0};
    struct curl_slist *hdrs = NULL;
    memset(out, 0, sizeof *out);
    snprintf(url, sizeof url, "%s%s", harness_base_url(), path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, sink_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
    if (NULL != json_body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        hdrs = curl_slist_append(hdrs, "Expect:");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json_body));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode cr = curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    ck_assert_msg(CURLE_OK == cr, "%s: %s", path, curl_easy_strerror(cr));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, connects);
    out->headers = NULL != head.data ? head.data : calloc(1, 1);
    out->headers_len = head.len;
    out->body = NULL != body.data ? body.data : calloc(1, 1);
    out->body_len = body.len;
    out->json = json_loadb(out->body, out->body_len, 0, NULL);
}

/* Value of the counter line "name N" in GET /metrics. */
static unsigned long long metric_value(const char *name)
{
    struct http_result r;
    http_get("/metrics", &r);
    ck_assert_int_eq(r.status, 200);
    char line[128];
    snprintf(line, sizeof line, "\n%s ", name);
    const char *p = strstr(r.body, line);
    ck_assert_msg(NULL != p, "/metrics has no %s", name);
    unsigned long long v = strtoull(p + strlen(line), NULL, 10);
    http_result_free(&r);
    return v;
}

/* Ask the same question twice on one keep-alive connection: the second answer must be the
** same bytes with the same headers (but its own request id), and /metrics must count one
** miss and then one hit. */
static void assert_repeat_is_a_hit(CURL *c, const char *path, const char *json_body)
{
    unsigned long long hits = metric_value("willitrun_check_cache_hits_total");
    unsigned long long misses = metric_value("willitrun_check_cache_misses_total");
    struct http_result a, b;
    long new_a = 0, new_b = 0;
    keepalive_send(c, path, json_body, &a, &new_a);
    keepalive_send(c, path, json_body, &b, &new_b);
    assert_json_status(&a, 200, path);
    assert_json_status(&b, 200, path);
    ck_assert_msg(0 == new_b, "the second request opened a new connection");
    ck_assert_uint_eq(a.body_len, b.body_len);
    ck_assert_msg(0 == memcmp(a.body, b.body, a.body_len), "%s: the repeat differs", path);
    static const char *const same[] = {"Content-Type", "Content-Length",
                                       "Access-Control-Allow-Origin",
                                       "Access-Control-Expose-Headers"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char va[128], vb[128];
        ck_assert_msg(NULL != http_header(&a, same[i], va, sizeof va), "no %s", same[i]);
        ck_assert_msg(NULL != http_header(&b, same[i], vb, sizeof vb), "no %s on the repeat",
                      same[i]);
        ck_assert_str_eq(va, vb);
    }
    char ida[64], idb[64];
    ck_assert_ptr_nonnull(http_header(&a, "X-Request-Id", ida, sizeof ida));
    ck_assert_ptr_nonnull(http_header(&b, "X-Request-Id", idb, sizeof idb));
    ck_assert_str_ne(ida, idb);
    ck_assert_uint_eq(metric_value("willitrun_check_cache_misses_total") - misses, 1);
    ck_assert_uint_eq(metric_value("willitrun_check_cache_hits_total") - hits, 1);
    http_result_free(&a);
    http_result_free(&b);
}

/* The same question again (a GET, or a POST with the same body) is answered from the cache
** with the bytes computed the first time. The context is one no other test asks for, so the
** first request is a miss. */
START_TEST(test_check_repeat_is_served_from_cache)
{
    CURL *c = curl_easy_init();
    ck_assert_ptr_nonnull(c);
    assert_repeat_is_a_hit(c,
                           "/check?model=llama-3.1-8b-instruct&quant=Q4_K_M&context=12345"
                           "&hardware=nvidia-rtx-4090",
                           NULL);
    assert_repeat_is_a_hit(c, "/check",
                           "{\"model\":\"llama-3.1-8b-instruct\",\"context\":12346,"
                           "\"hardware\":\"nvidia-rtx-4090\"}");
    curl_easy_cleanup(c);
}
END_TEST

static Suite *check_suite(void)
{
    Suite *s = suite_create("api_check");
    TCase *tc = tcase_create("check");
    harness_add_fixture(tc);
    tcase_add_test(tc, test_check_seed_scenario);
    tcase_add_test(tc, test_check_unknown_model_has_suggestions);
    tcase_add_test(tc, test_check_fix_step_is_reestimated);
    tcase_add_test(tc, test_check_rtx4090_runs);
    tcase_add_test(tc, test_check_get_equals_post);
    tcase_add_test(tc, test_check_defaults_and_case);
    tcase_add_test(tc, test_check_inline_model);
    tcase_add_test(tc, test_check_inline_hardware);
    tcase_add_test(tc, test_check_max_context_is_largest);
    tcase_add_test(tc, test_check_best_quant_fits);
    tcase_add_test(tc, test_check_offload_70b_on_24gb);
    tcase_add_test(tc, test_check_context_above_trained_warns);
    tcase_add_test(tc, test_check_summary_units);
    tcase_add_test(tc, test_check_summary_names_alternative_as_such);
    tcase_add_test(tc, test_check_grid_is_consistent);
    tcase_add_test(tc, test_check_repeat_is_served_from_cache);
    tcase_add_test(tc, test_check_new_fields);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run(check_suite());
}

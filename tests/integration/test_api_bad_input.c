/* test_api_bad_input.c: integration tests that feed the real binary bad and abusive input:
** each case must get its 4xx problem document naming the field, and the server must keep
** answering (/healthz after every case, /check at the end). Never relaxed to match the code.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness.h"

#define CT_JSON "application/json"
#define RTX "\"hardware\":\"nvidia-rtx-4090\""
#define L8B "\"model\":\"llama-3.1-8b-instruct\""
#define OK_Q "model=llama-3.1-8b-instruct&hardware=nvidia-rtx-4090"

enum body_kind {
    BODY_AS_GIVEN = 0,
    BODY_BIG_LENGTH,  /* > 64 KiB JSON with Content-Length (and Expect: 100-continue) */
    BODY_BIG_CHUNKED, /* > 64 KiB JSON, chunked, no Content-Length */
    BODY_BIG_MATCH,   /* > 256 KiB /errors/match body with Content-Length */
    BODY_DEEP,        /* arrays nested 3000 deep */
    QUERY_MANY,       /* 33 query arguments */
};

struct bad_case {
    const char *name;
    const char *method;
    const char *path;
    const char *body;
    const char *content_type;
    long status;
    long alt_status;     /* another acceptable status (0 = none) */
    const char *field;   /* named in invalid_params or detail; NULL = no field involved */
    const char *suggest; /* must be among suggestions */
    const char *allow;   /* methods the Allow header must list ("GET,POST") */
    enum body_kind kind;
};

/* The fixed part of a row; optional fields follow as designated initializers. */
#define CASE(n, m, p, b, ct, st)                                                                   \
    .name = n, .method = m, .path = p, .body = b, .content_type = ct, .status = st

static const struct bad_case CASES[] = {
    /* ---- JSON syntax and shape ---- */
    {CASE("bad_json", "POST", "/check", "{\"model\": \"llama-3.1-8b-instruct\", ", CT_JSON, 400)},
    {CASE("top_level_array", "POST", "/check", "[{" L8B "," RTX "}]", CT_JSON, 400)},
    {CASE("top_level_string", "POST", "/check", "\"llama-3.1-8b-instruct\"", CT_JSON, 400)},
    {CASE("empty_body", "POST", "/check", "", CT_JSON, 400)},
    {CASE("duplicate_keys", "POST", "/check",
          "{" L8B ",\"model\":\"qwen2.5-32b-instruct\"," RTX "}", CT_JSON, 400),
     .field = "model"},
    {CASE("invalid_utf8", "POST", "/check", "{\"model\":\"llama\xff\xfe\"," RTX "}", CT_JSON, 400)},
    {CASE("nul_escape", "POST", "/check", "{\"model\":\"llama\\u0000x\"," RTX "}", CT_JSON, 400)},
    {CASE("deep_nesting", "POST", "/check", NULL, CT_JSON, 400), .kind = BODY_DEEP},
    {CASE("integer_2e70", "POST", "/check", "{" L8B "," RTX ",\"context\":1180591620717411303424}",
          CT_JSON, 400)},
    {CASE("real_overflow", "POST", "/check", "{" L8B "," RTX ",\"context\":1e400}", CT_JSON, 400)},
    /* ---- field types and ranges ---- */
    {CASE("model_wrong_type", "POST", "/check", "{\"model\":5," RTX "}", CT_JSON, 400),
     .field = "model"},
    {CASE("model_null", "POST", "/check", "{\"model\":null," RTX "}", CT_JSON, 400),
     .field = "model"},
    {CASE("hardware_wrong_type", "POST", "/check", "{" L8B ",\"hardware\":[1]}", CT_JSON, 400),
     .field = "hardware"},
    {CASE("context_string", "POST", "/check", "{" L8B "," RTX ",\"context\":\"8192\"}", CT_JSON,
          400),
     .field = "context"},
    {CASE("context_negative", "POST", "/check", "{" L8B "," RTX ",\"context\":-1}", CT_JSON, 400),
     .field = "context"},
    {CASE("context_zero", "POST", "/check", "{" L8B "," RTX ",\"context\":0}", CT_JSON, 400),
     .field = "context"},
    {CASE("context_huge", "POST", "/check", "{" L8B "," RTX ",\"context\":4294967296}", CT_JSON,
          400),
     .field = "context"},
    {CASE("context_real", "POST", "/check", "{" L8B "," RTX ",\"context\":4096.0}", CT_JSON, 400),
     .field = "context"},
    {CASE("context_bool", "POST", "/check", "{" L8B "," RTX ",\"context\":true}", CT_JSON, 400),
     .field = "context"},
    {CASE("batch_zero", "POST", "/check", "{" L8B "," RTX ",\"batch\":0}", CT_JSON, 400),
     .field = "batch"},
    {CASE("gpu_count_string", "POST", "/check", "{" L8B "," RTX ",\"gpu_count\":\"two\"}", CT_JSON,
          400),
     .field = "gpu_count"},
    {CASE("gpu_count_zero", "POST", "/check", "{" L8B "," RTX ",\"gpu_count\":0}", CT_JSON, 400),
     .field = "gpu_count"},
    {CASE("flash_attention_string", "POST", "/check",
          "{" L8B "," RTX ",\"flash_attention\":\"yes\"}", CT_JSON, 400),
     .field = "flash_attention"},
    {CASE("wired_limit_negative", "POST", "/check",
          "{\"model\":\"qwen2.5-32b-instruct\",\"hardware\":\"apple-m1-max-32gb\",\"runtime\":"
          "\"mlx\","
          "\"wired_limit_mb\":-5}",
          CT_JSON, 400),
     .field = "wired_limit_mb"},
    {CASE("os_version_garbage", "POST", "/check",
          "{\"model\":\"qwen2.5-32b-instruct\",\"hardware\":\"apple-m1-max-32gb\","
          "\"os_version\":\"fifteen\"}",
          CT_JSON, 400),
     .field = "os_version"},
    {CASE("unknown_field", "POST", "/check", "{" L8B "," RTX ",\"contxt\":8192}", CT_JSON, 400),
     .field = "contxt"},
    {CASE("missing_model", "POST", "/check", "{" RTX ",\"context\":8192}", CT_JSON, 400),
     .field = "model"},
    {CASE("missing_hardware", "POST", "/check", "{" L8B ",\"context\":8192}", CT_JSON, 400),
     .field = "hardware"},
    {CASE("model_id_bad_chars", "POST", "/check", "{\"model\":\"qwen 2.5/../x\"," RTX "}", CT_JSON,
          400),
     .field = "model"},
    {CASE("model_id_overlong", "POST", "/check",
          "{\"model\":"
          "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "a\"," RTX "}",
          CT_JSON, 400),
     .field = "model"},
    /* ---- ids and enums ---- */
    {CASE("unknown_model", "POST", "/check", "{\"model\":\"qwen2.5-32b-instruc\"," RTX "}", CT_JSON,
          404),
     .field = "model", .suggest = "qwen2.5-32b-instruct"},
    {CASE("unknown_hardware", "POST", "/check", "{" L8B ",\"hardware\":\"nvidia-rtx-4091\"}",
          CT_JSON, 404),
     .field = "hardware", .suggest = "nvidia-rtx-4090"},
    {CASE("unknown_quant", "POST", "/check", "{" L8B "," RTX ",\"quant\":\"Q4_K_X\"}", CT_JSON,
          404),
     .field = "quant", .suggest = "Q4_K_M"},
    {CASE("unknown_runtime", "POST", "/check", "{" L8B "," RTX ",\"runtime\":\"exllama\"}", CT_JSON,
          400),
     .field = "runtime"},
    {CASE("unknown_kv_cache", "POST", "/check", "{" L8B "," RTX ",\"kv_cache\":\"q2_k\"}", CT_JSON,
          400),
     .field = "kv_cache"},
    {CASE("unknown_os", "POST", "/check", "{" L8B "," RTX ",\"os\":\"beos\"}", CT_JSON, 400),
     .field = "os"},
    /* ---- combinations the runtime or device cannot take: invalid_params names the field ---- */
    {CASE("quant_runtime_mismatch", "POST", "/check",
          "{" L8B "," RTX ",\"quant\":\"mlx-8bit\",\"runtime\":\"llama.cpp\"}", CT_JSON, 400),
     .field = "quant"},
    {CASE("kv_cache_unsupported", "POST", "/check",
          "{" L8B "," RTX ",\"kv_cache\":\"fp8\",\"runtime\":\"llama.cpp\"}", CT_JSON, 400),
     .field = "kv_cache"},
    {CASE("os_mismatch", "POST", "/check",
          "{" L8B ",\"hardware\":\"apple-m1-max-32gb\",\"os\":\"windows\"}", CT_JSON, 400),
     .field = "os"},
    {CASE("runtime_platform_mismatch", "POST", "/check",
          "{" L8B ",\"hardware\":\"apple-m1-max-32gb\",\"runtime\":\"vllm\"}", CT_JSON, 400),
     .field = "runtime"},
    {CASE("mlx_on_windows", "POST", "/check",
          "{" L8B "," RTX ",\"runtime\":\"mlx\",\"os\":\"windows\"}", CT_JSON, 400),
     .field = "runtime"},
    /* ---- llama.cpp settings: ubatch, kv_cache_v, n_cpu_moe, tensor_split ---- */
    {CASE("ubatch_zero", "POST", "/check", "{" L8B "," RTX ",\"ubatch\":0}", CT_JSON, 400),
     .field = "ubatch"},
    {CASE("ubatch_huge", "POST", "/check", "{" L8B "," RTX ",\"ubatch\":65537}", CT_JSON, 400),
     .field = "ubatch"},
    {CASE("ubatch_string", "POST", "/check", "{" L8B "," RTX ",\"ubatch\":\"512\"}", CT_JSON, 400),
     .field = "ubatch"},
    {CASE("ubatch_on_vllm", "POST", "/check",
          "{" L8B "," RTX ",\"runtime\":\"vllm\",\"ubatch\":256}", CT_JSON, 400),
     .field = "ubatch"},
    {CASE("get_ubatch_real", "GET", "/check?" OK_Q "&ubatch=256.5", NULL, NULL, 400),
     .field = "ubatch"},
    {CASE("kv_cache_v_unknown", "POST", "/check", "{" L8B "," RTX ",\"kv_cache_v\":\"q2_k\"}",
          CT_JSON, 400),
     .field = "kv_cache_v"},
    {CASE("kv_cache_v_unsupported", "POST", "/check", "{" L8B "," RTX ",\"kv_cache_v\":\"fp8\"}",
          CT_JSON, 400),
     .field = "kv_cache_v"},
    {CASE("kv_cache_v_apart_on_ollama", "POST", "/check",
          "{" L8B "," RTX ",\"runtime\":\"ollama\",\"kv_cache\":\"q8_0\",\"kv_cache_v\":\"q4_0\"}",
          CT_JSON, 400),
     .field = "kv_cache_v"},
    {CASE("kv_cache_v_apart_from_ollama_default", "POST", "/check",
          "{" L8B "," RTX ",\"runtime\":\"ollama\",\"kv_cache_v\":\"q4_0\"}", CT_JSON, 400),
     .field = "kv_cache_v"},
    {CASE("n_cpu_moe_negative", "POST", "/check",
          "{\"model\":\"qwen3-30b-a3b\"," RTX ",\"n_cpu_moe\":-1}", CT_JSON, 400),
     .field = "n_cpu_moe"},
    {CASE("n_cpu_moe_dense_model", "POST", "/check", "{" L8B "," RTX ",\"n_cpu_moe\":4}", CT_JSON,
          400),
     .field = "n_cpu_moe"},
    {CASE("n_cpu_moe_above_layers", "POST", "/check",
          "{\"model\":\"qwen3-30b-a3b\"," RTX ",\"n_cpu_moe\":49}", CT_JSON, 400),
     .field = "n_cpu_moe"},
    {CASE("n_cpu_moe_on_ollama", "POST", "/check",
          "{\"model\":\"qwen3-30b-a3b\"," RTX ",\"runtime\":\"ollama\",\"n_cpu_moe\":4}", CT_JSON,
          400),
     .field = "n_cpu_moe"},
    {CASE("n_cpu_moe_on_mlx", "POST", "/check",
          "{\"model\":\"qwen3-30b-a3b\",\"hardware\":\"apple-m1-max-32gb\",\"runtime\":\"mlx\","
          "\"n_cpu_moe\":4}",
          CT_JSON, 400),
     .field = "n_cpu_moe"},
    {CASE("tensor_split_one_gpu", "POST", "/check", "{" L8B "," RTX ",\"tensor_split\":[3,1]}",
          CT_JSON, 400),
     .field = "tensor_split"},
    {CASE("tensor_split_length", "POST", "/check",
          "{" L8B "," RTX ",\"gpu_count\":2,\"tensor_split\":[1,1,1]}", CT_JSON, 400),
     .field = "tensor_split"},
    {CASE("tensor_split_all_zero", "POST", "/check",
          "{" L8B "," RTX ",\"gpu_count\":2,\"tensor_split\":[0,0]}", CT_JSON, 400),
     .field = "tensor_split"},
    {CASE("tensor_split_negative", "POST", "/check",
          "{" L8B "," RTX ",\"gpu_count\":2,\"tensor_split\":[-3,1]}", CT_JSON, 400),
     .field = "tensor_split"},
    {CASE("tensor_split_string", "POST", "/check",
          "{" L8B "," RTX ",\"gpu_count\":2,\"tensor_split\":\"3,1\"}", CT_JSON, 400),
     .field = "tensor_split"},
    {CASE("tensor_split_nested", "POST", "/check",
          "{" L8B "," RTX ",\"gpu_count\":2,\"tensor_split\":[[3],[1]]}", CT_JSON, 400),
     .field = "tensor_split"},
    {CASE("tensor_split_on_ollama", "POST", "/check",
          "{" L8B "," RTX ",\"runtime\":\"ollama\",\"gpu_count\":2,\"tensor_split\":[1,1]}",
          CT_JSON, 400),
     .field = "tensor_split"},
    {CASE("get_tensor_split_length", "GET", "/check?" OK_Q "&gpu_count=2&tensor_split=3,1,1", NULL,
          NULL, 400),
     .field = "tensor_split"},
    {CASE("get_tensor_split_garbage", "GET", "/check?" OK_Q "&gpu_count=2&tensor_split=3;1", NULL,
          NULL, 400),
     .field = "tensor_split"},
    {CASE("inline_hardware_compute_zero", "POST", "/check",
          "{" L8B ",\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\",\"compute_tflops\":0}}",
          CT_JSON, 400),
     .field = "compute_tflops"},
    {CASE("inline_hardware_compute_huge", "POST", "/check",
          "{" L8B ",\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\",\"compute_tflops\":1e9}}",
          CT_JSON, 400),
     .field = "compute_tflops"},
    {CASE("inline_hardware_allocation_above_memory", "POST", "/check",
          "{" L8B ",\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\",\"max_allocation_gb\":48}}",
          CT_JSON, 400),
     .field = "max_allocation_gb"},
    /* ---- numbers beyond what the estimator can size: 422 ---- */
    {CASE("sizes_overflow", "POST", "/check",
          "{\"model\":{\"num_hidden_layers\":1024,\"hidden_size\":262144,"
          "\"num_attention_heads\":1024,\"num_key_value_heads\":1024,\"head_dim\":256,"
          "\"intermediate_size\":1048576,\"vocab_size\":4194304},"
          "\"hardware\":\"nvidia-rtx-4090\",\"context\":16777216,\"batch\":256}",
          CT_JSON, 422)},
    /* ---- inline objects ---- */
    {CASE("inline_model_zero_layers", "POST", "/check",
          "{\"model\":{\"num_hidden_layers\":0,\"hidden_size\":4096,\"num_attention_heads\":32,"
          "\"vocab_size\":128256}," RTX "}",
          CT_JSON, 400),
     .field = "num_hidden_layers"},
    {CASE("inline_model_unknown_field", "POST", "/check",
          "{\"model\":{\"num_layers\":32,\"num_hidden_layers\":32,\"hidden_size\":4096,"
          "\"num_attention_heads\":32,\"vocab_size\":128256}," RTX "}",
          CT_JSON, 400),
     .field = "num_layers"},
    {CASE("inline_hardware_negative_memory", "POST", "/check",
          "{" L8B ",\"hardware\":{\"memory_gb\":-24,\"kind\":\"gpu\",\"backend\":\"cuda\"}}",
          CT_JSON, 400),
     .field = "memory_gb"},
    {CASE("inline_hardware_bad_kind", "POST", "/check",
          "{" L8B ",\"hardware\":{\"memory_gb\":24,\"kind\":\"tpu\"}}", CT_JSON, 400),
     .field = "kind"},
    /* ---- body size and media type ---- */
    {CASE("body_too_large_length", "POST", "/check", NULL, CT_JSON, 413), .kind = BODY_BIG_LENGTH},
    {CASE("body_too_large_chunked", "POST", "/check", NULL, CT_JSON, 413),
     .kind = BODY_BIG_CHUNKED},
    {CASE("match_body_too_large", "POST", "/errors/match", NULL, CT_JSON, 413),
     .kind = BODY_BIG_MATCH},
    {CASE("wrong_content_type", "POST", "/check", "{" L8B "," RTX "}", "text/plain", 415)},
    {CASE("no_content_type", "POST", "/check", "{" L8B "," RTX "}", NULL, 415)},
    {CASE("form_content_type", "POST", "/check", "model=llama-3.1-8b-instruct",
          "application/x-www-form-urlencoded", 415)},
    /* ---- query strings ---- */
    {CASE("get_repeated_key", "GET", "/check?" OK_Q "&model=qwen2.5-32b-instruct", NULL, NULL, 400),
     .field = "model"},
    {CASE("get_key_without_value", "GET", "/check?model&hardware=nvidia-rtx-4090", NULL, NULL, 400),
     .field = "model"},
    {CASE("get_empty_value", "GET", "/check?model=&hardware=nvidia-rtx-4090", NULL, NULL, 400),
     .field = "model"},
    {CASE("get_missing_hardware", "GET", "/check?model=llama-3.1-8b-instruct", NULL, NULL, 400),
     .field = "hardware"},
    {CASE("get_context_non_numeric", "GET", "/check?" OK_Q "&context=abc", NULL, NULL, 400),
     .field = "context"},
    {CASE("get_context_real", "GET", "/check?" OK_Q "&context=4096.0", NULL, NULL, 400),
     .field = "context"},
    {CASE("get_context_2e70", "GET", "/check?" OK_Q "&context=1180591620717411303424", NULL, NULL,
          400),
     .field = "context"},
    {CASE("get_context_negative", "GET", "/check?" OK_Q "&context=-8192", NULL, NULL, 400),
     .field = "context"},
    {CASE("get_context_plus_sign", "GET", "/check?" OK_Q "&context=%2B8192", NULL, NULL, 400),
     .field = "context"},
    {CASE("get_context_leading_space", "GET", "/check?" OK_Q "&context=%208192", NULL, NULL, 400),
     .field = "context"},
    {CASE("get_context_trailing_garbage", "GET", "/check?" OK_Q "&context=8192k", NULL, NULL, 400),
     .field = "context"},
    {CASE("get_flash_attention_maybe", "GET", "/check?" OK_Q "&flash_attention=maybe", NULL, NULL,
          400),
     .field = "flash_attention"},
    {CASE("get_unknown_arg", "GET", "/check?" OK_Q "&contxt=8192", NULL, NULL, 400),
     .field = "contxt"},
    {CASE("get_nul_in_value", "GET", "/check?model=llama%00x&hardware=nvidia-rtx-4090", NULL, NULL,
          400),
     .field = "model"},
    {CASE("get_too_many_args", "GET", NULL, NULL, NULL, 400), .kind = QUERY_MANY},
    {CASE("get_unknown_model", "GET", "/check?model=llama-3.1-8b-instrukt&hardware=nvidia-rtx-4090",
          NULL, NULL, 404),
     .field = "model", .suggest = "llama-3.1-8b-instruct"},
    /* ---- routes, methods, path ids ---- */
    {CASE("unknown_route", "GET", "/nope", NULL, NULL, 404)},
    {CASE("unknown_nested_route", "GET", "/hardware/nvidia-rtx-4090/extra", NULL, NULL, 404),
     .alt_status = 400},
    {CASE("wrong_method_check", "DELETE", "/check", NULL, NULL, 405), .allow = "GET,POST"},
    {CASE("wrong_method_hardware", "POST", "/hardware", "{}", CT_JSON, 405), .allow = "GET"},
    {CASE("wrong_method_healthz", "PUT", "/healthz", "{}", CT_JSON, 405), .allow = "GET"},
    {CASE("wrong_method_match", "PUT", "/errors/match", "{\"text\":\"x\"}", CT_JSON, 405),
     .allow = "POST"},
    {CASE("id_nul", "GET", "/hardware/nvidia%00rtx-4090", NULL, NULL, 400), .field = "id"},
    {CASE("id_dotdot_encoded", "GET", "/models/..%2F..%2Fetc%2Fpasswd", NULL, NULL, 400),
     .alt_status = 404},
    {CASE("id_dotdot", "GET", "/errors/..", NULL, NULL, 400), .alt_status = 404},
    {CASE("id_overlong", "GET",
          "/models/"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          NULL, NULL, 400),
     .field = "id"},
    {CASE("id_bad_chars", "GET", "/errors/metal%20allocator%3Boom", NULL, NULL, 400),
     .field = "id"},
    {CASE("unknown_error_page", "GET", "/errors/metal-allocator-omm", NULL, NULL, 404),
     .suggest = "metal-allocator-oom"},
    {CASE("unknown_model_path", "GET", "/models/qwen2.5-32b-instrukt", NULL, NULL, 404),
     .suggest = "qwen2.5-32b-instruct"},
    {CASE("unknown_hardware_path", "GET", "/hardware/apple-m1-max-33gb", NULL, NULL, 404),
     .suggest = "apple-m1-max-32gb"},
    /* ---- list parameters ---- */
    {CASE("limit_zero", "GET", "/hardware?limit=0", NULL, NULL, 400), .field = "limit"},
    {CASE("limit_too_big", "GET", "/hardware?limit=501", NULL, NULL, 400), .field = "limit"},
    {CASE("limit_non_numeric", "GET", "/errors?limit=ten", NULL, NULL, 400), .field = "limit"},
    {CASE("cursor_garbage", "GET", "/models?cursor=zz%21%21not-a-cursor", NULL, NULL, 400),
     .field = "cursor"},
    {CASE("min_memory_negative", "GET", "/hardware?min_memory_gb=-1", NULL, NULL, 400),
     .field = "min_memory_gb"},
    {CASE("min_memory_non_numeric", "GET", "/hardware?min_memory_gb=lots", NULL, NULL, 400),
     .field = "min_memory_gb"},
    {CASE("hardware_kind_unknown", "GET", "/hardware?kind=tpu", NULL, NULL, 400), .field = "kind"},
    {CASE("errors_runtime_unknown", "GET", "/errors?runtime=exllama", NULL, NULL, 400),
     .field = "runtime"},
    /* ---- /errors/match ---- */
    {CASE("match_missing_text", "POST", "/errors/match", "{}", CT_JSON, 400), .field = "text"},
    {CASE("match_text_wrong_type", "POST", "/errors/match", "{\"text\":5}", CT_JSON, 400),
     .field = "text"},
    {CASE("match_unknown_field", "POST", "/errors/match", "{\"text\":\"x\",\"log\":\"y\"}", CT_JSON,
          400),
     .field = "log"},
};
#define N_CASES (sizeof CASES / sizeof CASES[0])

/* A JSON object of at least size bytes: a valid /check (or match) body padded with a string. */
static char *big_body(size_t size, int for_match)
{
    const char *head = for_match ? "{\"text\":\"" : "{" L8B "," RTX ",\"pad\":\"";
    size_t hl = strlen(head);
    char *b = malloc(size + 3);
    ck_assert_ptr_nonnull(b);
    memcpy(b, head, hl);
    memset(b + hl, 'x', size - hl);
    memcpy(b + size, "\"}", 3);
    return b;
}

static char *deep_body(void)
{
    const size_t depth = 3000;
    char *b = malloc(2 * depth + 1);
    ck_assert_ptr_nonnull(b);
    memset(b, '[', depth);
    memset(b + depth, ']', depth);
    b[2 * depth] = '\0';
    return b;
}

static char *many_args_path(void)
{
    char *p = malloc(4096);
    ck_assert_ptr_nonnull(p);
    int n = snprintf(p, 4096, "/check?%s", OK_Q); /* 2 arguments */
    for (int i = 0; i < 31; i++)                  /* + 31 = 33 */
        n += snprintf(p + n, 4096 - (size_t)n, "&a%d=%d", i, i);
    return p;
}

static void assert_suggests(const struct http_result *r, const char *id, const char *what)
{
    const json_t *sug = json_object_get(r->json, "suggestions");
    ck_assert_msg(json_is_array(sug), "%s: no suggestions array: %.400s", what, r->body);
    size_t i;
    const json_t *s;
    json_array_foreach(sug, i, s)
    {
        if (json_is_string(s) && 0 == strcasecmp(json_string_value(s), id))
            return;
    }
    ck_abort_msg("%s: suggestions lack %s: %.400s", what, id, r->body);
}

static void assert_allow(const struct http_result *r, const char *methods, const char *what)
{
    char allow[256], m[16];
    ck_assert_msg(http_header(r, "Allow", allow, sizeof allow) != NULL, "%s: no Allow header",
                  what);
    for (const char *p = methods; *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        ck_assert(len < sizeof m);
        memcpy(m, p, len);
        m[len] = '\0';
        ck_assert_msg(strstr(allow, m) != NULL, "%s: Allow \"%s\" lacks %s", what, allow, m);
        p = comma ? comma + 1 : p + len;
    }
}

START_TEST(test_bad_input_case)
{
    const struct bad_case *c = &CASES[_i];
    char what[160];
    snprintf(what, sizeof what, "case %d %s (%s %s)", _i, c->name, c->method,
             c->path ? c->path : "...");
    char *owned_body = NULL, *owned_path = NULL;
    const char *body = c->body, *path = c->path;
    struct http_options opt = {.content_type = c->content_type};

    switch (c->kind) {
    case BODY_AS_GIVEN:
        break;
    case BODY_BIG_LENGTH:
        body = owned_body = big_body(80 * 1024, 0);
        opt.expect_continue = true;
        break;
    case BODY_BIG_CHUNKED:
        body = owned_body = big_body(128 * 1024, 0);
        opt.chunked = true;
        break;
    case BODY_BIG_MATCH:
        body = owned_body = big_body(300 * 1024, 1);
        opt.expect_continue = true;
        break;
    case BODY_DEEP:
        body = owned_body = deep_body();
        break;
    case QUERY_MANY:
        path = owned_path = many_args_path();
        break;
    }

    struct http_result r;
    http_send(c->method, path, body, body ? strlen(body) : 0, &opt, &r);
    long want = c->status;
    if (c->alt_status && r.status == c->alt_status)
        want = c->alt_status;
    assert_problem(&r, want, c->field, what);
    if (c->suggest)
        assert_suggests(&r, c->suggest, what);
    if (c->allow)
        assert_allow(&r, c->allow, what);
    http_result_free(&r);
    free(owned_body);
    free(owned_path);

    assert_healthy(what);
}
END_TEST

/* "Bad input is always 4xx ... never a crash": after all of the above, /check still works. */
START_TEST(test_bad_input_server_still_serves_check)
{
    struct http_result r;
    http_post_json("/check", "{" L8B "," RTX ",\"quant\":\"Q4_K_M\",\"context\":8192}", &r);
    assert_json_status(&r, 200, "POST /check after the abuse cases");
    ck_assert_str_eq(json_str_at(r.json, "verdict"), "runs");
    http_result_free(&r);
}
END_TEST

static Suite *bad_input_suite(void)
{
    Suite *s = suite_create("api_bad_input");
    TCase *tc = tcase_create("bad_input");
    harness_add_fixture(tc);
    tcase_add_loop_test(tc, test_bad_input_case, 0, (int)N_CASES);
    tcase_add_test(tc, test_bad_input_server_still_serves_check);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return harness_run(bad_input_suite());
}

/* fuzz_entry_check_input.c: the "check_input" fuzz entry: bytes as a POST
** /check body and as GET /check query arguments, through the parsers and the
** handlers against the seeded catalog. Test support only; no libFuzzer symbol.
*/
#include "fuzz_entry.h"

#include <stdlib.h>
#include <string.h>

#include "http/check_input.h"
#include "http/handlers.h"
#include "http/json_util.h"
#include "http/problem.h"
#include "http/query.h"
#include "http/request.h"
#include "http/response.h"

#define TARGET "check_input"

/* A failed parse: kind is a 4xx, and an INVALID_PARAMS problem names a field. */
static void check_problem(const char *what, const struct problem *pb)
{
    if ((unsigned)pb->kind >= API_ERR_COUNT)
        fuzz_fail(TARGET, "%s: problem kind %d outside the table", what, (int)pb->kind);
    unsigned status = problem_status(pb->kind);
    if (status < 400 || status > 499)
        fuzz_fail(TARGET, "%s: problem %s has status %u, not a 4xx", what,
                  problem_type_slug(pb->kind), status);
    if (pb->n_params > PROBLEM_MAX_PARAMS || pb->n_suggestions > PROBLEM_MAX_SUGGESTIONS)
        fuzz_fail(TARGET, "%s: %zu params, %zu suggestions", what, pb->n_params, pb->n_suggestions);
    if (API_ERR_INVALID_PARAMS == pb->kind && 0 == pb->n_params)
        fuzz_fail(TARGET, "%s: invalid-params problem without a field", what);
    json_t *doc = problem_to_json(pb);
    if (NULL == doc)
        fuzz_fail(TARGET, "%s: problem_to_json failed", what);
    char *text = json_serialize(doc, NULL);
    if (NULL == text)
        fuzz_fail(TARGET, "%s: the problem document does not serialize", what);
    free(text);
    json_decref(doc);
}

/* A parsed request: ready for the estimator, and the estimator's invariants hold. */
static void check_parsed(const char *what, const struct check_input *in)
{
    if (NULL == in->est.quant || 0 == in->est.device.count ||
        in->est.device.count != in->gpu_count || '\0' == in->model_id[0] ||
        '\0' == in->hardware_id[0] || NULL == memchr(in->model_name, '\0', sizeof in->model_name))
        fuzz_fail(TARGET, "%s: parsed input not ready (quant %p, count %u/%u, model '%s')", what,
                  (const void *)in->est.quant, in->est.device.count, in->gpu_count, in->model_id);
    /* the names the handler hands to the fix planner */
    const struct catalog_model *m = in->model;
    struct fix_names names = {
        .model_id = in->model_id,
        .hf_repo = m && m->hf_repo[0] ? m->hf_repo : NULL,
        .ollama_tag = m && m->ollama_tag[0] ? m->ollama_tag : NULL,
        .ollama_quant_tag = m && m->ollama_quant_tag[0] ? m->ollama_quant_tag : NULL,
        .ollama_quants = m && m->ollama_quants[0] ? m->ollama_quants : NULL,
    };
    fuzz_estimator_check(TARGET, &in->est, &names, (uint8_t)in->est.context);
}

/* A handler's answer: 200 or 4xx, with a body that serializes. */
static void check_answer(const char *what, unsigned status, struct response *out)
{
    if (status != out->status)
        fuzz_fail(TARGET, "%s: returned %u but the response says %u", what, status, out->status);
    if (200 != status && (status < 400 || status > 499))
        fuzz_fail(TARGET, "%s: answered %u", what, status);
    if (NULL == out->body)
        fuzz_fail(TARGET, "%s: %u without a JSON body", what, status);
    char *text = json_serialize(out->body, NULL);
    if (NULL == text)
        fuzz_fail(TARGET, "%s: the %u body does not serialize", what, status);
    free(text);
    response_release(out);
}

static int run_post(const struct catalog *cat, const uint8_t *data, size_t size)
{
    struct problem pb;
    problem_init(&pb);
    json_t *body = json_body_load((const char *)data, size, &pb);
    if (NULL == body) {
        check_problem("json_body_load", &pb);
        return (int)problem_status(pb.kind);
    }
    static struct check_input in; /* several KiB: off the stack */
    problem_init(&pb);
    int rc = check_input_from_json(body, cat, &in, &pb);
    if (0 != rc && -1 != rc)
        fuzz_fail(TARGET, "check_input_from_json returned %d", rc);
    if (0 != rc)
        check_problem("check_input_from_json", &pb);
    else
        check_parsed("check_input_from_json", &in);

    struct request rq = {
        .method = HTTP_POST,
        .path = "/check",
        .body = body,
        .raw_body = (const char *)data,
        .raw_body_len = size,
        .catalog = cat,
        .request_id = "fuzz",
    };
    struct response out;
    memset(&out, 0, sizeof out);
    unsigned status = handle_check_post(&rq, &out);
    if (0 != rc && status != problem_status(pb.kind))
        fuzz_fail(TARGET, "POST: the parser said %u, the handler %u", problem_status(pb.kind),
                  status);
    check_answer("handle_check_post", status, &out);
    json_decref(body);
    return (int)status;
}

static void run_get(const struct catalog *cat, const uint8_t *data, size_t size)
{
    /* key=value&key=value..., percent-decoded already (as MHD hands them over) */
    char *buf = malloc(size + 1);
    if (NULL == buf)
        fuzz_fail(TARGET, "out of memory");
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct query_list q;
    memset(&q, 0, sizeof q);
    char *part = buf;
    for (;;) {
        char *amp = memchr(part, '&', (size_t)(buf + size - part));
        if (NULL != amp)
            *amp = '\0';
        char *eq = strchr(part, '=');
        if (NULL != eq)
            *eq = '\0';
        if ('\0' != part[0] || NULL != eq || NULL != amp)
            query_list_add(&q, part, NULL != eq ? eq + 1 : NULL);
        if (NULL == amp)
            break;
        part = amp + 1;
    }

    static struct check_input in;
    struct problem pb;
    problem_init(&pb);
    int rc = check_input_from_query(&q, cat, &in, &pb);
    if (0 != rc && -1 != rc)
        fuzz_fail(TARGET, "check_input_from_query returned %d", rc);
    if (0 != rc)
        check_problem("check_input_from_query", &pb);
    else
        check_parsed("check_input_from_query", &in);

    struct request rq = {
        .method = HTTP_GET,
        .path = "/check",
        .query = &q,
        .catalog = cat,
        .request_id = "fuzz",
    };
    struct response out;
    memset(&out, 0, sizeof out);
    unsigned status = handle_check_get(&rq, &out);
    if (0 != rc && status != problem_status(pb.kind))
        fuzz_fail(TARGET, "GET: the parser said %u, the handler %u", problem_status(pb.kind),
                  status);
    check_answer("handle_check_get", status, &out);
    free(buf);
}

int fuzz_check_input_one(const uint8_t *data, size_t size)
{
    const struct catalog *cat = fuzz_catalog();
    if (NULL == cat)
        fuzz_fail(TARGET, "no catalog (init failed)");
    int status = run_post(cat, data, size);
    run_get(cat, data, size);
    return status;
}

/* ---- seeds ------------------------------------------------------------------------- */

static const char *const seeds[] = {
    /* the seed scenario (product/seed-page): wont_run with a fix plan */
    "{\"model\":\"qwen2.5-32b-instruct\",\"quant\":\"mlx-8bit\",\"context\":32768,"
    "\"hardware\":\"apple-m1-max-32gb\",\"runtime\":\"mlx\"}",
    /* an inline model (Llama 3.1 8B's config.json) on a catalog card */
    "{\"model\":{\"name\":\"my-llama\",\"num_hidden_layers\":32,\"hidden_size\":4096,"
    "\"num_attention_heads\":32,\"num_key_value_heads\":8,\"intermediate_size\":14336,"
    "\"vocab_size\":128256,\"tie_word_embeddings\":false,\"max_position_embeddings\":131072},"
    "\"quant\":\"Q4_K_M\",\"context\":8192,\"hardware\":\"nvidia-rtx-4090\"}",
    /* inline hardware, every optional field */
    "{\"model\":\"llama-3.1-8b-instruct\",\"quant\":\"q4_k_m\",\"context\":8192,"
    "\"hardware\":{\"memory_gb\":4,\"kind\":\"gpu\",\"backend\":\"cuda\",\"system_ram_gb\":64,"
    "\"count\":2},\"runtime\":\"llama.cpp\",\"kv_cache\":\"q8_0\",\"flash_attention\":true,"
    "\"batch\":4,\"os\":\"linux\"}",
    /* a Mac with a raised wired limit */
    "{\"model\":\"gemma-3-27b-it\",\"hardware\":\"apple-m4-pro-48gb\",\"runtime\":\"ollama\","
    "\"os_version\":\"15.5\",\"wired_limit_mb\":40960}",
    /* the seed scenario as a query string */
    "model=qwen2.5-32b-instruct&quant=mlx-8bit&context=32768&hardware=apple-m1-max-32gb"
    "&runtime=mlx",
    /* unknown id, typo'd field, 4096.0, a value out of range */
    "{\"model\":\"qwen-32b\",\"contxt\":4096,\"context\":4096.0,\"batch\":0,"
    "\"hardware\":\"rtx4090\"}",
    /* a duplicate key */
    "{\"model\":\"qwen3-8b\",\"hardware\":\"nvidia-rtx-4090\",\"batch\":1,\"batch\":2}",
};

static size_t seed_count(void)
{
    return sizeof seeds / sizeof seeds[0];
}

static size_t seed(size_t i, uint8_t *buf, size_t cap)
{
    if (i >= seed_count())
        return 0;
    size_t len = strlen(seeds[i]);
    if (len > cap)
        return 0;
    memcpy(buf, seeds[i], len);
    return len;
}

static int init(void)
{
    return NULL != fuzz_catalog() ? 0 : -1;
}

const struct fuzz_target fuzz_target_check_input = {TARGET, init, fuzz_check_input_one, seed_count,
                                                    seed};

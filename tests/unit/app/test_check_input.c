/* test_check_input.c: unit tests for the /check input parsers (JSON and
** query) and the /check handlers, over a small catalog built in memory.
*/
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/estimator.h"
#include "http/check_input.h"
#include "http/handlers.h"
#include "http/problem.h"
#include "http/request.h"
#include "http/response.h"
#include "store/catalog.h"

/* ---------------------------------------------------------------------------
** Fixture: two models, three devices, every quant the estimator knows
*/

static struct catalog_model models[3];
static struct catalog_hardware hardware[3];
static struct catalog_quant *quants;
static const char *model_ids[3], *hardware_ids[3], **quant_ids;
static struct catalog cat;

static int by_quant_id(const void *a, const void *b)
{
    return strcasecmp(((const struct catalog_quant *)a)->id, ((const struct catalog_quant *)b)->id);
}

static void setup(void)
{
    memset(models, 0, sizeof models);
    memset(hardware, 0, sizeof hardware);
    memset(&cat, 0, sizeof cat);

    /* Llama 3.1 8B Instruct and Qwen2.5 32B Instruct, from their HF config.json
    ** (shared/reference/models.tsv). Sorted by id. */
    struct catalog_model *m = &models[0];
    snprintf(m->id, sizeof m->id, "llama-3.1-8b-instruct");
    snprintf(m->name, sizeof m->name, "Llama 3.1 8B Instruct");
    snprintf(m->hf_repo, sizeof m->hf_repo, "meta-llama/Llama-3.1-8B-Instruct");
    snprintf(m->ollama_tag, sizeof m->ollama_tag, "llama3.1:8b");
    m->arch = (struct est_model){.params = 8030000000ull,
                                 .num_hidden_layers = 32,
                                 .hidden_size = 4096,
                                 .num_attention_heads = 32,
                                 .num_key_value_heads = 8,
                                 .head_dim = 128,
                                 .intermediate_size = 14336,
                                 .vocab_size = 128256,
                                 .max_position_embeddings = 131072};
    m = &models[1];
    snprintf(m->id, sizeof m->id, "qwen2.5-32b-instruct");
    snprintf(m->name, sizeof m->name, "Qwen2.5 32B Instruct");
    snprintf(m->hf_repo, sizeof m->hf_repo, "Qwen/Qwen2.5-32B-Instruct");
    m->arch = (struct est_model){.params = 32760000000ull,
                                 .num_hidden_layers = 64,
                                 .hidden_size = 5120,
                                 .num_attention_heads = 40,
                                 .num_key_value_heads = 8,
                                 .head_dim = 128,
                                 .intermediate_size = 27648,
                                 .vocab_size = 152064,
                                 .max_position_embeddings = 32768};
    /* Qwen3 30B-A3B, a mixture-of-experts model (its HF config.json). */
    m = &models[2];
    snprintf(m->id, sizeof m->id, "qwen3-30b-a3b");
    snprintf(m->name, sizeof m->name, "Qwen3 30B-A3B");
    snprintf(m->hf_repo, sizeof m->hf_repo, "Qwen/Qwen3-30B-A3B");
    m->arch = (struct est_model){.params = 30532122624ull,
                                 .num_hidden_layers = 48,
                                 .hidden_size = 2048,
                                 .num_attention_heads = 32,
                                 .num_key_value_heads = 4,
                                 .head_dim = 128,
                                 .vocab_size = 151936,
                                 .max_position_embeddings = 40960,
                                 .num_experts = 128,
                                 .num_experts_per_tok = 8,
                                 .moe_intermediate_size = 768};

    /* Devices from shared/reference/hardware.tsv. Sorted by id. */
    struct catalog_hardware *h = &hardware[0];
    snprintf(h->id, sizeof h->id, "apple-m1-max-32gb");
    snprintf(h->name, sizeof h->name, "Apple M1 Max (32 GB)");
    snprintf(h->vendor, sizeof h->vendor, "Apple");
    h->kind = EST_DEVICE_UNIFIED;
    h->backend = EST_BACKEND_METAL;
    h->backends = (1u << EST_BACKEND_METAL) | (1u << EST_BACKEND_CPU);
    h->default_os = EST_OS_MACOS;
    h->memory_gb = 32;
    h->bandwidth_gbs = 400;
    h->system_ram_gb = 32;
    h = &hardware[1];
    snprintf(h->id, sizeof h->id, "nvidia-rtx-4090");
    snprintf(h->name, sizeof h->name, "GeForce RTX 4090");
    snprintf(h->vendor, sizeof h->vendor, "NVIDIA");
    h->kind = EST_DEVICE_GPU;
    h->backend = EST_BACKEND_CUDA;
    h->backends = (1u << EST_BACKEND_CUDA) | (1u << EST_BACKEND_VULKAN);
    h->default_os = EST_OS_LINUX;
    h->memory_gb = 24;
    h->bandwidth_gbs = 1008;
    h->compute_tflops = 165.2; /* a fixture figure: the mapping is what is tested */
    h = &hardware[2];
    snprintf(h->id, sizeof h->id, "nvidia-rtx-4090-nobw");
    snprintf(h->name, sizeof h->name, "GeForce RTX 4090 (no bandwidth)");
    snprintf(h->vendor, sizeof h->vendor, "NVIDIA");
    h->kind = EST_DEVICE_GPU;
    h->backend = EST_BACKEND_CUDA;
    h->backends = 1u << EST_BACKEND_CUDA;
    h->default_os = EST_OS_WINDOWS;
    h->memory_gb = 24;

    size_t nq = est_quant_count();
    quants = calloc(nq, sizeof *quants);
    quant_ids = calloc(nq, sizeof *quant_ids);
    ck_assert_ptr_nonnull(quants);
    ck_assert_ptr_nonnull(quant_ids);
    for (size_t i = 0; i < nq; i++) {
        snprintf(quants[i].id, sizeof quants[i].id, "%s", est_quant_at(i)->id);
        quants[i].est = est_quant_at(i);
    }
    qsort(quants, nq, sizeof *quants, by_quant_id);
    for (size_t i = 0; i < nq; i++)
        quant_ids[i] = quants[i].id;
    for (size_t i = 0; i < 3; i++)
        model_ids[i] = models[i].id;
    for (size_t i = 0; i < 3; i++)
        hardware_ids[i] = hardware[i].id;

    cat.models = models;
    cat.n_models = 3;
    cat.hardware = hardware;
    cat.n_hardware = 3;
    cat.quants = quants;
    cat.n_quants = nq;
    cat.model_ids = model_ids;
    cat.hardware_ids = hardware_ids;
    cat.quant_ids = quant_ids;
}

static void teardown(void)
{
    free(quants);
    free(quant_ids);
    quants = NULL;
    quant_ids = NULL;
}

/* ---------------------------------------------------------------------------
** Helpers
*/

/* Split "a=1&b&c=" into q (pointers into buf, which must outlive q). */
static void query_from(char *buf, struct query_list *q)
{
    char *save = NULL;
    memset(q, 0, sizeof *q);
    for (char *tok = strtok_r(buf, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
        if (q->count == QUERY_MAX_ARGS) {
            q->truncated = true;
            break;
        }
        char *eq = strchr(tok, '=');
        if (eq)
            *eq = '\0';
        q->args[q->count].key = tok;
        q->args[q->count].value = eq ? eq + 1 : NULL;
        q->count++;
    }
}

static int parse_json(const char *text, struct check_input *in, struct problem *pb)
{
    json_error_t err;
    json_t *body = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    ck_assert_msg(body != NULL, "bad test JSON %s: %s", text, err.text);
    problem_init(pb);
    int rc = check_input_from_json(body, &cat, in, pb);
    json_decref(body);
    return rc;
}

static int parse_query(const char *text, struct check_input *in, struct problem *pb)
{
    char buf[2048];
    struct query_list q;
    snprintf(buf, sizeof buf, "%s", text);
    query_from(buf, &q);
    problem_init(pb);
    return check_input_from_query(&q, &cat, in, pb);
}

/* The invalid_params entry named name, or NULL. */
static const struct problem_param *param(const struct problem *pb, const char *name)
{
    for (size_t i = 0; i < pb->n_params; i++)
        if (strcmp(pb->params[i].name, name) == 0)
            return &pb->params[i];
    return NULL;
}

/* ---------------------------------------------------------------------------
** Table of bad requests: each gives one problem kind, names the field, and
** gives a reason containing `reason`. Each row runs as POST (json) and, when
** `query` is set, as GET too.
*/

#define BASE_GPU "\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4090\""
#define BASE_MAC "\"model\":\"qwen2.5-32b-instruct\",\"hardware\":\"apple-m1-max-32gb\""
#define Q_GPU "model=llama-3.1-8b-instruct&hardware=nvidia-rtx-4090"
#define Q_MAC "model=qwen2.5-32b-instruct&hardware=apple-m1-max-32gb"
#define BASE_MOE "\"model\":\"qwen3-30b-a3b\",\"hardware\":\"nvidia-rtx-4090\""
#define Q_MOE "model=qwen3-30b-a3b&hardware=nvidia-rtx-4090"
#define HW_INLINE(extra)                                                                           \
    "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\"," extra  \
    "}}"

struct bad_case {
    const char *name;
    const char *json;  /* POST body, or NULL */
    const char *query; /* GET query, or NULL */
    enum api_error kind;
    const char *field;
    const char *reason; /* substring of the reason */
};

static const struct bad_case bad_cases[] = {
    /* model */
    {"model missing", "{\"hardware\":\"nvidia-rtx-4090\"}", "hardware=nvidia-rtx-4090",
     API_ERR_INVALID_PARAMS, "model", "is required"},
    {"model wrong type", "{\"model\":5,\"hardware\":\"nvidia-rtx-4090\"}", NULL,
     API_ERR_INVALID_PARAMS, "model", "must be a model id"},
    {"model bad slug", "{\"model\":\"a/b\",\"hardware\":\"nvidia-rtx-4090\"}",
     "model=a/b&hardware=nvidia-rtx-4090", API_ERR_INVALID_PARAMS, "model", "is not a valid id"},
    {"model empty", "{\"model\":\"\",\"hardware\":\"nvidia-rtx-4090\"}",
     "model=&hardware=nvidia-rtx-4090", API_ERR_INVALID_PARAMS, "model", "is empty"},
    {"model unknown", "{\"model\":\"qwen2.5-32b-instrct\",\"hardware\":\"nvidia-rtx-4090\"}",
     "model=qwen2.5-32b-instrct&hardware=nvidia-rtx-4090", API_ERR_UNKNOWN_ID, "model",
     "no model with id \"qwen2.5-32b-instrct\""},
    /* hardware */
    {"hardware missing", "{\"model\":\"llama-3.1-8b-instruct\"}", "model=llama-3.1-8b-instruct",
     API_ERR_INVALID_PARAMS, "hardware", "is required"},
    {"hardware wrong type",
     "{"
     "\"model\":\"llama-3.1-8b-instruct\",\"hardware\":[1]}",
     NULL, API_ERR_INVALID_PARAMS, "hardware", "must be a hardware id"},
    {"hardware unknown", "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":\"nvidia-rtx-4099\"}",
     "model=llama-3.1-8b-instruct&hardware=nvidia-rtx-4099", API_ERR_UNKNOWN_ID, "hardware",
     "no hardware with id \"nvidia-rtx-4099\""},
    /* quant */
    {"quant unknown", "{" BASE_GPU ",\"quant\":\"Q4_K_N\"}", Q_GPU "&quant=Q4_K_N",
     API_ERR_UNKNOWN_ID, "quant", "no quant with id \"q4_k_n\""},
    {"quant wrong type", "{" BASE_GPU ",\"quant\":4}", NULL, API_ERR_INVALID_PARAMS, "quant",
     "must be a quant id"},
    {"quant mlx on llama.cpp", "{" BASE_MAC ",\"quant\":\"mlx-8bit\"}", Q_MAC "&quant=mlx-8bit",
     API_ERR_INVALID_PARAMS, "quant", "mlx-8bit is an MLX quant; llama.cpp loads GGUF quants"},
    {"quant gguf on mlx", "{" BASE_MAC ",\"runtime\":\"mlx\",\"quant\":\"Q4_K_M\"}",
     Q_MAC "&runtime=mlx&quant=Q4_K_M", API_ERR_INVALID_PARAMS, "quant",
     "Q4_K_M is a GGUF quant; mlx loads MLX quants"},
    {"quant mlx on lmstudio off Apple",
     "{" BASE_GPU ",\"runtime\":\"lmstudio\",\"quant\":\"mlx-4bit\"}",
     Q_GPU "&runtime=lmstudio&quant=mlx-4bit", API_ERR_INVALID_PARAMS, "quant",
     "MLX models run only on Apple Silicon"},
    {"quant awq on ollama", "{" BASE_GPU ",\"runtime\":\"ollama\",\"quant\":\"awq-int4\"}",
     Q_GPU "&runtime=ollama&quant=awq-int4", API_ERR_INVALID_PARAMS, "quant",
     "awq-int4 is a Hugging Face quantized format; ollama loads GGUF"},
    /* context */
    {"context zero", "{" BASE_GPU ",\"context\":0}", Q_GPU "&context=0", API_ERR_INVALID_PARAMS,
     "context", "must be from 1 to 16,777,216 tokens"},
    {"context too big", "{" BASE_GPU ",\"context\":16777217}", Q_GPU "&context=16777217",
     API_ERR_INVALID_PARAMS, "context", "must be from 1 to 16,777,216 tokens"},
    {"context negative", "{" BASE_GPU ",\"context\":-4}", Q_GPU "&context=-4",
     API_ERR_INVALID_PARAMS, "context", "must be from 1"},
    {"context integral real", "{" BASE_GPU ",\"context\":4096.0}", Q_GPU "&context=4096.0",
     API_ERR_INVALID_PARAMS, "context", "must be an integer: write 4096, not 4096.0"},
    {"context fraction", "{" BASE_GPU ",\"context\":0.5}", Q_GPU "&context=0.5",
     API_ERR_INVALID_PARAMS, "context", "must be a whole number, not 0.5"},
    {"context string", "{" BASE_GPU ",\"context\":\"4096\"}", NULL, API_ERR_INVALID_PARAMS,
     "context", "must be an integer, not a string"},
    {"context bool", "{" BASE_GPU ",\"context\":true}", NULL, API_ERR_INVALID_PARAMS, "context",
     "must be an integer, not a boolean"},
    {"context not digits", NULL, Q_GPU "&context=4k", API_ERR_INVALID_PARAMS, "context",
     "must be a whole number written in digits"},
    {"context plus sign", NULL, Q_GPU "&context=+4096", API_ERR_INVALID_PARAMS, "context",
     "must be"},
    {"context leading zero", NULL, Q_GPU "&context=04096", API_ERR_INVALID_PARAMS, "context",
     "must be"},
    {"context no value", NULL, Q_GPU "&context", API_ERR_INVALID_PARAMS, "context", "has no value"},
    {"context twice", NULL, Q_GPU "&context=4096&context=8192", API_ERR_INVALID_PARAMS, "context",
     "is given 2 times"},
    /* runtime */
    {"runtime unknown", "{" BASE_GPU ",\"runtime\":\"llamacpp\"}", Q_GPU "&runtime=llamacpp",
     API_ERR_INVALID_PARAMS, "runtime", "did you mean llama.cpp?"},
    {"runtime wrong type", "{" BASE_GPU ",\"runtime\":1}", NULL, API_ERR_INVALID_PARAMS, "runtime",
     "must be a runtime id"},
    {"runtime mlx on vulkan",
     "{\"model\":\"llama-3.1-8b-instruct\",\"runtime\":\"mlx\",\"hardware\":{\"memory_gb\":16,"
     "\"kind\":\"gpu\",\"backend\":\"vulkan\"}}",
     NULL, API_ERR_INVALID_PARAMS, "runtime", "mlx runs on Apple Silicon (metal), NVIDIA GPUs"},
    {"runtime mlx on windows", "{" BASE_GPU ",\"runtime\":\"mlx\",\"os\":\"windows\"}",
     Q_GPU "&runtime=mlx&os=windows", API_ERR_INVALID_PARAMS, "runtime",
     "mlx has no Windows build"},
    {"runtime vllm on a Mac", "{" BASE_MAC ",\"runtime\":\"vllm\"}", Q_MAC "&runtime=vllm",
     API_ERR_INVALID_PARAMS, "runtime", "the Apple M1 Max (32 GiB) uses metal"},
    {"runtime transformers on vulkan",
     "{\"model\":\"llama-3.1-8b-instruct\",\"runtime\":\"transformers\",\"hardware\":"
     "{\"memory_gb\":16,\"kind\":\"gpu\",\"backend\":\"vulkan\"}}",
     NULL, API_ERR_INVALID_PARAMS, "runtime", "not vulkan"},
    {"runtime vllm on windows", "{" BASE_GPU ",\"runtime\":\"vllm\",\"os\":\"windows\"}",
     Q_GPU "&runtime=vllm&os=windows", API_ERR_INVALID_PARAMS, "runtime",
     "vllm does not run on Windows natively"},
    /* kv_cache */
    {"kv unknown", "{" BASE_GPU ",\"kv_cache\":\"q5\"}", Q_GPU "&kv_cache=q5",
     API_ERR_INVALID_PARAMS, "kv_cache", "is not one of f16, bf16, f32, q8_0, q4_0, fp8"},
    {"kv fp8 on llama.cpp", "{" BASE_GPU ",\"kv_cache\":\"fp8\"}", Q_GPU "&kv_cache=fp8",
     API_ERR_INVALID_PARAMS, "kv_cache", "llama.cpp does not offer a fp8 KV cache; it accepts"},
    {"kv f32 in LM Studio's MLX engine",
     "{" BASE_MAC ",\"runtime\":\"lmstudio\",\"quant\":\"mlx-4bit\",\"kv_cache\":\"f32\"}",
     Q_MAC "&runtime=lmstudio&quant=mlx-4bit&kv_cache=f32", API_ERR_INVALID_PARAMS, "kv_cache",
     "lmstudio (MLX engine) does not offer a f32 KV cache"},
    {"kv wrong type", "{" BASE_GPU ",\"kv_cache\":8}", NULL, API_ERR_INVALID_PARAMS, "kv_cache",
     "must be a KV cache type"},
    /* flash_attention */
    {"fa wrong type", "{" BASE_GPU ",\"flash_attention\":\"yes\"}", Q_GPU "&flash_attention=yes",
     API_ERR_INVALID_PARAMS, "flash_attention", "must be true or false"},
    {"fa number", "{" BASE_GPU ",\"flash_attention\":1}", NULL, API_ERR_INVALID_PARAMS,
     "flash_attention", "must be true or false, not an integer"},
    {"fa off with a quantized V cache",
     "{" BASE_GPU ",\"kv_cache\":\"q8_0\",\"flash_attention\":false}",
     Q_GPU "&kv_cache=q8_0&flash_attention=false", API_ERR_INVALID_PARAMS, "flash_attention",
     "is false, but a quantized V cache (q8_0) needs flash attention"},
    {"fa off with a quantized kv_cache_v",
     "{" BASE_GPU ",\"kv_cache_v\":\"q4_0\",\"flash_attention\":false}",
     Q_GPU "&kv_cache_v=q4_0&flash_attention=false", API_ERR_INVALID_PARAMS, "flash_attention",
     "is false, but a quantized V cache (q4_0) needs flash attention"},
    /* batch */
    {"batch zero", "{" BASE_GPU ",\"batch\":0}", Q_GPU "&batch=0", API_ERR_INVALID_PARAMS, "batch",
     "must be from 1 to 256"},
    {"batch too big", "{" BASE_GPU ",\"batch\":257}", Q_GPU "&batch=257", API_ERR_INVALID_PARAMS,
     "batch", "must be from 1 to 256"},
    /* gpu_count */
    {"gpu_count too big", "{" BASE_GPU ",\"gpu_count\":17}", Q_GPU "&gpu_count=17",
     API_ERR_INVALID_PARAMS, "gpu_count", "must be from 1 to 16"},
    {"gpu_count on a Mac", "{" BASE_MAC ",\"gpu_count\":2}", Q_MAC "&gpu_count=2",
     API_ERR_INVALID_PARAMS, "gpu_count", "can be above 1 only for discrete GPUs"},
    /* os */
    {"os unknown", "{" BASE_GPU ",\"os\":\"mac\"}", Q_GPU "&os=mac", API_ERR_INVALID_PARAMS, "os",
     "is not one of macos, linux, windows"},
    {"os windows on a Mac", "{" BASE_MAC ",\"os\":\"windows\"}", Q_MAC "&os=windows",
     API_ERR_INVALID_PARAMS, "os", "os must be macos"},
    {"os macos on NVIDIA", "{" BASE_GPU ",\"os\":\"macos\"}", Q_GPU "&os=macos",
     API_ERR_INVALID_PARAMS, "os", "macos runs only on Apple hardware"},
    /* os_version */
    {"os_version off macOS", "{" BASE_GPU ",\"os_version\":\"15.5\"}", Q_GPU "&os_version=15.5",
     API_ERR_INVALID_PARAMS, "os_version", "applies only when os is macos"},
    {"os_version too old", "{" BASE_MAC ",\"os_version\":\"10.15\"}", Q_MAC "&os_version=10.15",
     API_ERR_INVALID_PARAMS, "os_version", "macOS 10 is out of range"},
    {"os_version gap", "{" BASE_MAC ",\"os_version\":\"18.1\"}", Q_MAC "&os_version=18.1",
     API_ERR_INVALID_PARAMS, "os_version", "there is no macOS 18"},
    {"os_version malformed", "{" BASE_MAC ",\"os_version\":\"15.x\"}", Q_MAC "&os_version=15.x",
     API_ERR_INVALID_PARAMS, "os_version", "is not a macOS version"},
    {"os_version number", "{" BASE_MAC ",\"os_version\":15.5}", NULL, API_ERR_INVALID_PARAMS,
     "os_version", "must be a macOS version string"},
    {"os_version too old for mlx", "{" BASE_MAC ",\"runtime\":\"mlx\",\"os_version\":\"13.6\"}",
     Q_MAC "&runtime=mlx&os_version=13.6", API_ERR_INVALID_PARAMS, "os_version",
     "mlx needs macOS 14 or later"},
    /* wired_limit_mb */
    {"wired off macOS", "{" BASE_GPU ",\"wired_limit_mb\":20000}", Q_GPU "&wired_limit_mb=20000",
     API_ERR_INVALID_PARAMS, "wired_limit_mb", "applies only when os is macos"},
    {"wired above RAM", "{" BASE_MAC ",\"wired_limit_mb\":40000}", Q_MAC "&wired_limit_mb=40000",
     API_ERR_INVALID_PARAMS, "wired_limit_mb", "must be from 1 to 32,768"},
    {"wired zero", "{" BASE_MAC ",\"wired_limit_mb\":0}", Q_MAC "&wired_limit_mb=0",
     API_ERR_INVALID_PARAMS, "wired_limit_mb", "must be from 1"},
    /* unknown fields */
    {"unknown field close", "{" BASE_GPU ",\"contxt\":4096}", Q_GPU "&contxt=4096",
     API_ERR_INVALID_PARAMS, "contxt", "did you mean context?"},
    {"unknown field far", "{" BASE_GPU ",\"zzzzzzzzzz\":1}", Q_GPU "&zzzzzzzzzz=1",
     API_ERR_INVALID_PARAMS, "zzzzzzzzzz", "is not a"},
    /* inline model */
    {"inline model missing layers",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"hidden_size\":4096,\"num_attention_heads\":32,"
     "\"intermediate_size\":14336,\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.num_hidden_layers", "is required"},
    {"inline model kv heads do not divide",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"num_key_value_heads\":6,\"intermediate_size\":14336,"
     "\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.num_key_value_heads", "must divide"},
    {"inline model kv heads above heads",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":8,\"num_key_value_heads\":16,\"intermediate_size\":14336,"
     "\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.num_key_value_heads", "must not exceed"},
    {"inline model head_dim absurd",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"head_dim\":4096,\"intermediate_size\":14336,"
     "\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.head_dim", "not within a factor of 8"},
    {"inline model head_dim needed",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4000,"
     "\"num_attention_heads\":48,\"intermediate_size\":14336,\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.head_dim", "is required"},
    {"inline model integral real",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32.0,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"intermediate_size\":14336,\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.num_hidden_layers", "write 32, not 32.0"},
    {"inline model out of range",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":5000,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"intermediate_size\":14336,\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.num_hidden_layers", "must be from 1 to 1,024"},
    {"inline model unknown field",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"intermediate_size\":14336,\"vocab_size\":128256,"
     "\"num_key_value_head\":8}}",
     NULL, API_ERR_INVALID_PARAMS, "model.num_key_value_head",
     "did you mean model.num_key_value_heads?"},
    {"inline MoE without experts per token",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":48,\"hidden_size\":2048,"
     "\"num_attention_heads\":32,\"num_key_value_heads\":4,\"head_dim\":128,\"vocab_size\":151936,"
     "\"num_experts\":128,\"moe_intermediate_size\":768}}",
     NULL, API_ERR_INVALID_PARAMS, "model.num_experts_per_tok", "is required when num_experts > 1"},
    {"inline dense without intermediate",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"vocab_size\":128256}}",
     NULL, API_ERR_INVALID_PARAMS, "model.intermediate_size", "is required for a dense model"},
    {"inline model tie not bool",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"intermediate_size\":14336,\"vocab_size\":128256,"
     "\"tie_word_embeddings\":1}}",
     NULL, API_ERR_INVALID_PARAMS, "model.tie_word_embeddings", "must be true or false"},
    {"inline SWA layers above layers",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"intermediate_size\":14336,\"vocab_size\":128256,"
     "\"sliding_window\":4096,\"sliding_window_layers\":40}}",
     NULL, API_ERR_INVALID_PARAMS, "model.sliding_window_layers", "must not exceed"},
    {"inline experts_mxfp4 not bool",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":24,\"hidden_size\":2880,"
     "\"num_attention_heads\":64,\"num_key_value_heads\":8,\"head_dim\":64,\"vocab_size\":201088,"
     "\"num_experts\":32,\"num_experts_per_tok\":4,\"moe_intermediate_size\":2880,"
     "\"experts_mxfp4\":\"mxfp4\"}}",
     NULL, API_ERR_INVALID_PARAMS, "model.experts_mxfp4", "must be true or false"},
    {"inline experts_mxfp4 on a dense model",
     "{\"hardware\":\"nvidia-rtx-4090\",\"model\":{\"num_hidden_layers\":32,\"hidden_size\":4096,"
     "\"num_attention_heads\":32,\"intermediate_size\":14336,\"vocab_size\":128256,"
     "\"experts_mxfp4\":true}}",
     NULL, API_ERR_INVALID_PARAMS, "model.experts_mxfp4", "applies only when num_experts > 1"},
    /* inline hardware */
    {"inline hardware missing memory",
     "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":{\"kind\":\"gpu\"}}", NULL,
     API_ERR_INVALID_PARAMS, "hardware.memory_gb", "is required"},
    {"inline hardware bad kind",
     "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":{\"memory_gb\":24,\"kind\":\"gpus\"}}",
     NULL, API_ERR_INVALID_PARAMS, "hardware.kind", "did you mean gpu?"},
    {"inline hardware metal gpu",
     "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\","
     "\"backend\":\"metal\"}}",
     NULL, API_ERR_INVALID_PARAMS, "hardware.backend", "use kind unified"},
    {"inline hardware memory zero",
     "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":{\"memory_gb\":0,\"kind\":\"gpu\"}}", NULL,
     API_ERR_INVALID_PARAMS, "hardware.memory_gb", "must be greater than 0"},
    {"inline hardware count vs gpu_count",
     "{\"model\":\"llama-3.1-8b-instruct\",\"gpu_count\":2,\"hardware\":{\"memory_gb\":24,"
     "\"kind\":\"gpu\",\"count\":4}}",
     NULL, API_ERR_INVALID_PARAMS, "gpu_count", "disagrees with hardware.count"},
    /* ubatch */
    {"ubatch zero", "{" BASE_GPU ",\"ubatch\":0}", Q_GPU "&ubatch=0", API_ERR_INVALID_PARAMS,
     "ubatch", "must be from 1 to 65,536 tokens"},
    {"ubatch too big", "{" BASE_GPU ",\"ubatch\":65537}", Q_GPU "&ubatch=65537",
     API_ERR_INVALID_PARAMS, "ubatch", "must be from 1 to 65,536 tokens"},
    {"ubatch string", "{" BASE_GPU ",\"ubatch\":\"512\"}", Q_GPU "&ubatch=5x",
     API_ERR_INVALID_PARAMS, "ubatch", "must be"},
    {"ubatch fraction", "{" BASE_GPU ",\"ubatch\":256.5}", Q_GPU "&ubatch=256.5",
     API_ERR_INVALID_PARAMS, "ubatch", "must be a whole number"},
    {"ubatch on mlx", "{" BASE_MAC ",\"runtime\":\"mlx\",\"ubatch\":256}",
     Q_MAC "&runtime=mlx&ubatch=256", API_ERR_INVALID_PARAMS, "ubatch",
     "mlx has no such setting: only llama.cpp, ollama (num_batch) and lmstudio with a GGUF "
     "quant"},
    {"ubatch on vllm", "{" BASE_GPU ",\"runtime\":\"vllm\",\"ubatch\":256}",
     Q_GPU "&runtime=vllm&ubatch=256", API_ERR_INVALID_PARAMS, "ubatch", "llama.cpp's physical"},
    {"ubatch in LM Studio's MLX engine",
     "{" BASE_MAC ",\"runtime\":\"lmstudio\",\"quant\":\"mlx-4bit\",\"ubatch\":256}",
     Q_MAC "&runtime=lmstudio&quant=mlx-4bit&ubatch=256", API_ERR_INVALID_PARAMS, "ubatch",
     "lmstudio runs mlx-4bit in its MLX engine"},
    /* kv_cache_v */
    {"kv_cache_v unknown", "{" BASE_GPU ",\"kv_cache_v\":\"q5\"}", Q_GPU "&kv_cache_v=q5",
     API_ERR_INVALID_PARAMS, "kv_cache_v", "is not one of f16, bf16, f32, q8_0, q4_0, fp8"},
    {"kv_cache_v wrong type", "{" BASE_GPU ",\"kv_cache_v\":8}", NULL, API_ERR_INVALID_PARAMS,
     "kv_cache_v", "must be a KV cache type"},
    {"kv_cache_v fp8 on llama.cpp", "{" BASE_GPU ",\"kv_cache_v\":\"fp8\"}",
     Q_GPU "&kv_cache_v=fp8", API_ERR_INVALID_PARAMS, "kv_cache_v",
     "llama.cpp does not offer a fp8 V cache; it accepts"},
    {"kv_cache_v differs on ollama",
     "{" BASE_GPU ",\"runtime\":\"ollama\",\"kv_cache\":\"q8_0\",\"kv_cache_v\":\"q4_0\"}",
     Q_GPU "&runtime=ollama&kv_cache=q8_0&kv_cache_v=q4_0", API_ERR_INVALID_PARAMS, "kv_cache_v",
     "differs from kv_cache (q8_0), but ollama sets the K and V cache types together"},
    {"kv_cache_v differs in LM Studio's MLX engine",
     "{" BASE_MAC ",\"runtime\":\"lmstudio\",\"quant\":\"mlx-4bit\",\"kv_cache\":\"q8_0\","
     "\"kv_cache_v\":\"f16\"}",
     NULL, API_ERR_INVALID_PARAMS, "kv_cache_v", "lmstudio (MLX engine) sets the K and V"},
    /* n_cpu_moe */
    {"n_cpu_moe negative", "{" BASE_MOE ",\"n_cpu_moe\":-1}", Q_MOE "&n_cpu_moe=-1",
     API_ERR_INVALID_PARAMS, "n_cpu_moe", "must be from 0 to 1,024 layers"},
    {"n_cpu_moe string", "{" BASE_MOE ",\"n_cpu_moe\":\"4\"}", NULL, API_ERR_INVALID_PARAMS,
     "n_cpu_moe", "must be an integer, not a string"},
    {"n_cpu_moe on a dense model", "{" BASE_GPU ",\"n_cpu_moe\":4}", Q_GPU "&n_cpu_moe=4",
     API_ERR_INVALID_PARAMS, "n_cpu_moe",
     "applies only to mixture-of-experts models (num_experts > 1); Llama 3.1 8B Instruct is a "
     "dense model"},
    {"n_cpu_moe above the layers", "{" BASE_MOE ",\"n_cpu_moe\":49}", Q_MOE "&n_cpu_moe=49",
     API_ERR_INVALID_PARAMS, "n_cpu_moe", "must be from 0 to 48: Qwen3 30B-A3B has 48 layers"},
    {"n_cpu_moe on vllm", "{" BASE_MOE ",\"runtime\":\"vllm\",\"n_cpu_moe\":4}",
     Q_MOE "&runtime=vllm&n_cpu_moe=4", API_ERR_INVALID_PARAMS, "n_cpu_moe",
     "is llama.cpp's --n-cpu-moe; vllm has no such setting"},
    {"n_cpu_moe on a CPU",
     "{\"model\":\"qwen3-30b-a3b\",\"n_cpu_moe\":4,\"hardware\":{\"memory_gb\":64,"
     "\"kind\":\"cpu\"}}",
     NULL, API_ERR_INVALID_PARAMS, "n_cpu_moe", "everything is in system RAM already"},
    /* tensor_split */
    {"tensor_split on one GPU", "{" BASE_GPU ",\"tensor_split\":[3,1]}", Q_GPU "&tensor_split=3,1",
     API_ERR_INVALID_PARAMS, "tensor_split", "needs gpu_count of 2 or more (gpu_count is 1)"},
    {"tensor_split length", "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":[1,1,1]}",
     Q_GPU "&gpu_count=2&tensor_split=1,1,1", API_ERR_INVALID_PARAMS, "tensor_split",
     "has 3 entries but gpu_count is 2: give one proportion per GPU"},
    {"tensor_split length vs hardware.count",
     "{\"model\":\"llama-3.1-8b-instruct\",\"tensor_split\":[1],\"hardware\":{\"memory_gb\":24,"
     "\"kind\":\"gpu\",\"count\":4}}",
     NULL, API_ERR_INVALID_PARAMS, "tensor_split", "has 1 entry but gpu_count is 4"},
    {"tensor_split all zero", "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":[0,0.0]}",
     Q_GPU "&gpu_count=2&tensor_split=0,0", API_ERR_INVALID_PARAMS, "tensor_split",
     "must not be all zero"},
    {"tensor_split negative", "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":[-1,1]}", NULL,
     API_ERR_INVALID_PARAMS, "tensor_split", "entry 1 (-1) must be from 0 to 1,000,000"},
    {"tensor_split too large", "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":[1,2e6]}",
     Q_GPU "&gpu_count=2&tensor_split=1,2000000", API_ERR_INVALID_PARAMS, "tensor_split",
     "entry 2"},
    {"tensor_split as a string", "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":\"3,1\"}", NULL,
     API_ERR_INVALID_PARAMS, "tensor_split",
     "must be an array of proportions, one per GPU, such as [3, 1], not a string"},
    {"tensor_split entry not a number", "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":[3,\"1\"]}",
     NULL, API_ERR_INVALID_PARAMS, "tensor_split", "entry 2 must be a number, not a string"},
    {"tensor_split empty", "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":[]}",
     Q_GPU "&gpu_count=2&tensor_split=", API_ERR_INVALID_PARAMS, "tensor_split", "is"},
    {"tensor_split over 16",
     "{" BASE_GPU ",\"gpu_count\":2,\"tensor_split\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}",
     Q_GPU "&gpu_count=2&tensor_split=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", API_ERR_INVALID_PARAMS,
     "tensor_split", "has 17 entries; at most 16 (one per GPU)"},
    {"tensor_split malformed list", NULL, Q_GPU "&gpu_count=2&tensor_split=3,,1",
     API_ERR_INVALID_PARAMS, "tensor_split", "\"3,,1\" is not a list of proportions"},
    {"tensor_split with spaces", NULL, Q_GPU "&gpu_count=2&tensor_split=3, 1",
     API_ERR_INVALID_PARAMS, "tensor_split", "is not a list of proportions"},
    {"tensor_split on vllm",
     "{" BASE_GPU ",\"runtime\":\"vllm\",\"gpu_count\":2,\"tensor_split\":[1,1]}",
     Q_GPU "&runtime=vllm&gpu_count=2&tensor_split=1,1", API_ERR_INVALID_PARAMS, "tensor_split",
     "is llama.cpp's --tensor-split; vllm has no such setting: only llama.cpp takes"},
    /* inline hardware: compute and allocation figures */
    {"inline hardware compute zero", HW_INLINE("\"compute_tflops\":0"), NULL,
     API_ERR_INVALID_PARAMS, "hardware.compute_tflops", "must be greater than 0"},
    {"inline hardware compute absurd", HW_INLINE("\"compute_tflops\":165200"), NULL,
     API_ERR_INVALID_PARAMS, "hardware.compute_tflops", "at most 20000"},
    {"inline hardware compute string", HW_INLINE("\"compute_tflops\":\"165\""), NULL,
     API_ERR_INVALID_PARAMS, "hardware.compute_tflops", "must be a number, not a string"},
    {"inline hardware allocation zero", HW_INLINE("\"max_allocation_gb\":0"), NULL,
     API_ERR_INVALID_PARAMS, "hardware.max_allocation_gb", "must be greater than 0"},
    {"inline hardware allocation above memory", HW_INLINE("\"max_allocation_gb\":32"), NULL,
     API_ERR_INVALID_PARAMS, "hardware.max_allocation_gb", "must not exceed memory_gb (24)"},
    {"inline hardware compute misspelt", HW_INLINE("\"compute_tflop\":100"), NULL,
     API_ERR_INVALID_PARAMS, "hardware.compute_tflop", "did you mean hardware.compute_tflops?"},
    {"inline hardware unknown field",
     "{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\","
     "\"vram_gb\":24}}",
     NULL, API_ERR_INVALID_PARAMS, "hardware.vram_gb", "is not a field"},
};

static void check_bad(const struct bad_case *c, int rc, const struct problem *pb, const char *how)
{
    ck_assert_msg(rc == -1, "%s (%s): accepted", c->name, how);
    ck_assert_msg(pb->kind == c->kind, "%s (%s): kind %d, want %d (%s)", c->name, how,
                  (int)pb->kind, (int)c->kind, pb->detail);
    const struct problem_param *p = param(pb, c->field);
    ck_assert_msg(p != NULL, "%s (%s): no invalid_params entry named %s (first: %s: %s)", c->name,
                  how, c->field, pb->n_params ? pb->params[0].name : "-",
                  pb->n_params ? pb->params[0].reason : "-");
    ck_assert_msg(strstr(p->reason, c->reason) != NULL, "%s (%s): reason \"%s\" lacks \"%s\"",
                  c->name, how, p->reason, c->reason);
    if (c->kind == API_ERR_UNKNOWN_ID)
        ck_assert_msg(strstr(pb->detail, c->field) != NULL, "%s: detail does not name the field",
                      c->name);
}

START_TEST(test_check_input_rejects_bad_field)
{
    const struct bad_case *c = &bad_cases[_i];
    struct check_input in;
    struct problem pb;
    if (c->json)
        check_bad(c, parse_json(c->json, &in, &pb), &pb, "POST");
    if (c->query)
        check_bad(c, parse_query(c->query, &in, &pb), &pb, "GET");
}
END_TEST

/* ---------------------------------------------------------------------------
** Individual behaviours
*/

START_TEST(test_check_input_fills_defaults)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(parse_json("{" BASE_GPU "}", &in, &pb), 0);
    ck_assert_str_eq(in.model_id, "llama-3.1-8b-instruct");
    ck_assert_ptr_eq(in.model, &models[0]);
    ck_assert_str_eq(in.hardware_id, "nvidia-rtx-4090");
    ck_assert_int_eq(in.est.runtime, EST_RUNTIME_LLAMACPP);
    ck_assert_str_eq(in.quant_id, "Q4_K_M");
    ck_assert(in.quant_defaulted);
    ck_assert_ptr_eq(in.est.quant, est_quant_default(EST_RUNTIME_LLAMACPP));
    ck_assert_uint_eq(in.est.context, 0);
    ck_assert(!in.context_given);
    ck_assert_int_eq(in.est.kv_type, EST_KV_DEFAULT);
    ck_assert_int_eq(in.est.flash_attention, EST_AUTO);
    ck_assert_uint_eq(in.est.batch, 1);
    ck_assert_uint_eq(in.gpu_count, 1);
    ck_assert_uint_eq(in.est.device.count, 1);
    ck_assert_int_eq(in.est.os, EST_OS_LINUX);
    ck_assert(in.os_defaulted);
    ck_assert_str_eq(in.os_version, "");
    ck_assert_uint_eq(in.est.wired_limit_mb, 0);
    ck_assert(in.est.device.memory_gib == 24.0);
    ck_assert(in.est.device.kind == EST_DEVICE_GPU);
    /* a discrete GPU entry without a RAM figure: 32 GiB assumed, and said */
    ck_assert(in.system_ram_assumed);
    ck_assert(in.est.device.system_ram_gib == CHECK_ASSUMED_SYSTEM_RAM_GIB);
    ck_assert_uint_eq(in.est.model.num_hidden_layers, 32);
}
END_TEST

START_TEST(test_check_input_defaults_follow_runtime_and_hardware)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(parse_json("{" BASE_MAC ",\"runtime\":\"mlx\"}", &in, &pb), 0);
    ck_assert_str_eq(in.quant_id, "mlx-4bit");
    ck_assert_int_eq(in.est.os, EST_OS_MACOS);
    ck_assert(in.hardware_is_apple);
    ck_assert(!in.system_ram_assumed);
    ck_assert(in.est.device.system_ram_gib == 32.0);
    /* MLX also runs on NVIDIA GPUs (mlx[cuda], Linux) */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"runtime\":\"mlx\"}", &in, &pb), 0);
    ck_assert_str_eq(in.quant_id, "mlx-4bit");
    ck_assert_int_eq(in.est.os, EST_OS_LINUX);
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"runtime\":\"vllm\"}", &in, &pb), 0);
    ck_assert_str_eq(in.quant_id, "bf16");
    ck_assert_int_eq(parse_json("{\"model\":\"llama-3.1-8b-instruct\","
                                "\"hardware\":\"nvidia-rtx-4090-nobw\"}",
                                &in, &pb),
                     0);
    ck_assert_int_eq(in.est.os, EST_OS_WINDOWS); /* the entry's default_os */
    /* ... except for runtimes without a Windows build */
    ck_assert_int_eq(parse_json("{\"model\":\"llama-3.1-8b-instruct\",\"runtime\":\"vllm\","
                                "\"hardware\":\"nvidia-rtx-4090-nobw\"}",
                                &in, &pb),
                     0);
    ck_assert_int_eq(in.est.os, EST_OS_LINUX);
}
END_TEST

START_TEST(test_check_input_ids_are_case_insensitive_and_canonical)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(parse_json("{\"model\":\"Llama-3.1-8B-Instruct\",\"hardware\":"
                                "\"NVIDIA-RTX-4090\",\"quant\":\"q4_k_m\",\"runtime\":\"Ollama\"}",
                                &in, &pb),
                     0);
    ck_assert_str_eq(in.model_id, "llama-3.1-8b-instruct");
    ck_assert_str_eq(in.hardware_id, "nvidia-rtx-4090");
    ck_assert_str_eq(in.quant_id, "Q4_K_M");
    ck_assert(!in.quant_defaulted);
    ck_assert_int_eq(in.est.runtime, EST_RUNTIME_OLLAMA);
    /* F16 is the GGUF name of fp16 */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"quant\":\"F16\"}", &in, &pb), 0);
    ck_assert_str_eq(in.quant_id, "fp16");
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"quant\":\"BF16\"}", &in, &pb), 0);
    ck_assert_str_eq(in.quant_id, "bf16");
}
END_TEST

START_TEST(test_check_input_get_and_post_agree)
{
    struct check_input a, b;
    struct problem pa, pq;
    ck_assert_int_eq(parse_json("{" BASE_MAC ",\"quant\":\"mlx-8bit\",\"runtime\":\"mlx\","
                                "\"context\":32768,\"kv_cache\":\"f16\","
                                "\"flash_attention\":false,\"batch\":2,\"os\":\"macos\","
                                "\"os_version\":\"15.5\",\"wired_limit_mb\":26000}",
                                &a, &pa),
                     0);
    ck_assert_int_eq(parse_query(Q_MAC "&quant=mlx-8bit&runtime=mlx&context=32768&kv_cache=f16"
                                       "&flash_attention=false&batch=2&os=macos&os_version=15.5"
                                       "&wired_limit_mb=26000",
                                 &b, &pq),
                     0);
    ck_assert_str_eq(a.model_id, b.model_id);
    ck_assert_ptr_eq(a.model, b.model);
    ck_assert_str_eq(a.hardware_id, b.hardware_id);
    ck_assert_str_eq(a.hardware_name, b.hardware_name);
    ck_assert_str_eq(a.quant_id, b.quant_id);
    ck_assert_str_eq(a.quant_id, "mlx-8bit");
    ck_assert_ptr_eq(a.est.quant, b.est.quant);
    ck_assert_uint_eq(a.est.context, 32768);
    ck_assert_uint_eq(a.est.context, b.est.context);
    ck_assert_int_eq(a.est.runtime, b.est.runtime);
    ck_assert_int_eq(a.est.kv_type, EST_KV_F16);
    ck_assert_int_eq(a.est.kv_type, b.est.kv_type);
    ck_assert_int_eq(a.est.flash_attention, EST_OFF);
    ck_assert_int_eq(a.est.flash_attention, b.est.flash_attention);
    ck_assert_uint_eq(a.est.batch, 2);
    ck_assert_uint_eq(a.est.batch, b.est.batch);
    ck_assert_uint_eq(a.gpu_count, b.gpu_count);
    ck_assert_int_eq(a.est.os, b.est.os);
    ck_assert(!a.os_defaulted && !b.os_defaulted);
    ck_assert_uint_eq(a.est.os_version_major, 15);
    ck_assert_uint_eq(a.est.os_version_minor, 5);
    ck_assert_uint_eq(b.est.os_version_major, 15);
    ck_assert_uint_eq(b.est.os_version_minor, 5);
    ck_assert_str_eq(a.os_version, b.os_version);
    ck_assert_uint_eq(a.est.wired_limit_mb, 26000);
    ck_assert_uint_eq(b.est.wired_limit_mb, 26000);
    ck_assert_int_eq(memcmp(&a.est.model, &b.est.model, sizeof a.est.model), 0);
    ck_assert_int_eq(memcmp(&a.est.device, &b.est.device, sizeof a.est.device), 0);
}
END_TEST

START_TEST(test_check_input_null_means_default)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"quant\":null,\"context\":null,\"runtime\":null,"
                                "\"kv_cache\":null,\"flash_attention\":null,\"batch\":null,"
                                "\"gpu_count\":null,\"os\":null,\"os_version\":null,"
                                "\"wired_limit_mb\":null}",
                                &in, &pb),
                     0);
    ck_assert_str_eq(in.quant_id, "Q4_K_M");
    ck_assert_uint_eq(in.est.context, 0);
    ck_assert_int_eq(in.est.os, EST_OS_LINUX);
    /* but a required field cannot be null */
    ck_assert_int_eq(parse_json("{\"model\":null,\"hardware\":\"nvidia-rtx-4090\"}", &in, &pb), -1);
    ck_assert_ptr_nonnull(param(&pb, "model"));
}
END_TEST

START_TEST(test_check_input_collects_every_problem)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"context\":0,\"batch\":1000,\"os\":\"beos\","
                                "\"contxt\":1,\"flash_attention\":\"on\"}",
                                &in, &pb),
                     -1);
    ck_assert_int_eq(pb.kind, API_ERR_INVALID_PARAMS);
    ck_assert_uint_eq(pb.n_params, 5);
    ck_assert_ptr_nonnull(param(&pb, "context"));
    ck_assert_ptr_nonnull(param(&pb, "batch"));
    ck_assert_ptr_nonnull(param(&pb, "os"));
    ck_assert_ptr_nonnull(param(&pb, "contxt"));
    ck_assert_ptr_nonnull(param(&pb, "flash_attention"));
    ck_assert_ptr_nonnull(strstr(pb.detail, "5 fields are invalid"));
    /* GET reports the same fields in the same order */
    struct problem pq;
    ck_assert_int_eq(
        parse_query(Q_GPU "&context=0&batch=1000&os=beos&contxt=1&flash_attention=on", &in, &pq),
        -1);
    ck_assert_uint_eq(pq.n_params, pb.n_params);
    for (size_t i = 0; i < pb.n_params; i++)
        ck_assert_str_eq(pq.params[i].name, pb.params[i].name);
}
END_TEST

START_TEST(test_check_input_unknown_id_suggests)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(
        parse_json("{\"model\":\"qwen2.5-32b\",\"hardware\":\"apple-m1-max-32gb\"}", &in, &pb), -1);
    ck_assert_int_eq(pb.kind, API_ERR_UNKNOWN_ID);
    ck_assert_uint_eq(problem_status(pb.kind), 404);
    ck_assert_ptr_nonnull(strstr(pb.detail, "model"));
    ck_assert_ptr_nonnull(strstr(pb.detail, "qwen2.5-32b"));
    ck_assert_uint_ge(pb.n_suggestions, 1);
    ck_assert_str_eq(pb.suggestions[0], "qwen2.5-32b-instruct");
}
END_TEST

START_TEST(test_check_input_unknown_id_with_invalid_field_is_400)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(parse_json("{\"model\":\"nope-model\",\"hardware\":\"nvidia-rtx-4090\","
                                "\"batch\":0}",
                                &in, &pb),
                     -1);
    ck_assert_int_eq(pb.kind, API_ERR_INVALID_PARAMS);
    ck_assert_ptr_nonnull(param(&pb, "batch"));
    ck_assert_ptr_nonnull(param(&pb, "model"));
}
END_TEST

START_TEST(test_check_input_query_limits)
{
    struct check_input in;
    struct problem pb;
    struct query_list q;
    memset(&q, 0, sizeof q);
    q.truncated = true;
    problem_init(&pb);
    ck_assert_int_eq(check_input_from_query(&q, &cat, &in, &pb), -1);
    ck_assert_ptr_nonnull(param(&pb, "query"));
    /* an unknown key given twice is reported once */
    ck_assert_int_eq(parse_query(Q_GPU "&foo=1&foo=2", &in, &pb), -1);
    ck_assert_uint_eq(pb.n_params, 1);
    ck_assert_str_eq(pb.params[0].name, "foo");
    /* GET takes ids only: an inline object is not an id */
    ck_assert_int_eq(parse_query("model={\"hidden_size\":1}&hardware=nvidia-rtx-4090", &in, &pb),
                     -1);
    ck_assert_ptr_nonnull(param(&pb, "model"));
    /* booleans: true/false/1/0 */
    ck_assert_int_eq(parse_query(Q_GPU "&flash_attention=1", &in, &pb), 0);
    ck_assert_int_eq(in.est.flash_attention, EST_ON);
}
END_TEST

START_TEST(test_check_input_accepts_inline_model_and_hardware)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(
        parse_json("{\"model\":{\"name\":\"My Qwen3 30B-A3B\",\"num_hidden_layers\":48,"
                   "\"hidden_size\":2048,\"num_attention_heads\":32,\"num_key_value_heads\":4,"
                   "\"head_dim\":128,\"vocab_size\":151936,\"num_experts\":128,"
                   "\"num_experts_per_tok\":8,\"moe_intermediate_size\":768,"
                   "\"max_position_embeddings\":40960,\"tie_word_embeddings\":false,"
                   "\"sliding_window\":null},"
                   "\"hardware\":{\"memory_gb\":24,\"kind\":\"gpu\",\"bandwidth_gbs\":936.2,"
                   "\"count\":2}}",
                   &in, &pb),
        0);
    ck_assert_str_eq(in.model_id, "inline");
    ck_assert_ptr_null(in.model);
    ck_assert_str_eq(in.model_name, "My Qwen3 30B-A3B");
    ck_assert_uint_eq(in.est.model.num_experts, 128);
    ck_assert_uint_eq(in.est.model.num_experts_per_tok, 8);
    ck_assert_uint_eq(in.est.model.params, 0); /* derived by the estimator */
    ck_assert_str_eq(in.hardware_id, "inline");
    ck_assert_ptr_null(in.hardware);
    ck_assert_int_eq(in.est.device.backend, EST_BACKEND_CUDA); /* the kind's usual backend */
    ck_assert_uint_eq(in.gpu_count, 2);
    ck_assert_uint_eq(in.est.device.count, 2);
    ck_assert(in.est.device.bandwidth_gbs == 936.2);
    ck_assert(in.system_ram_assumed);
    ck_assert_int_eq(in.est.os, EST_OS_LINUX);
    /* a unified inline device: Metal and macOS by default, RAM = memory */
    ck_assert_int_eq(parse_json("{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":"
                                "{\"memory_gb\":48,\"kind\":\"unified\"}}",
                                &in, &pb),
                     0);
    ck_assert_int_eq(in.est.device.backend, EST_BACKEND_METAL);
    ck_assert_int_eq(in.est.os, EST_OS_MACOS);
    ck_assert(in.est.device.system_ram_gib == 48.0);
    ck_assert(!in.system_ram_assumed);
    /* sliding_window without a layer count: every layer uses the window */
    ck_assert_int_eq(parse_json("{\"hardware\":\"nvidia-rtx-4090\",\"model\":{"
                                "\"num_hidden_layers\":32,\"hidden_size\":4096,"
                                "\"num_attention_heads\":32,\"num_key_value_heads\":8,"
                                "\"intermediate_size\":14336,\"vocab_size\":32000,"
                                "\"sliding_window\":4096}}",
                                &in, &pb),
                     0);
    ck_assert_uint_eq(in.est.model.sliding_window_layers, 32);
    ck_assert_str_eq(in.model_name, "Inline model");
    ck_assert(!in.est.model.experts_mxfp4); /* left out: false */
}
END_TEST

/* An inline gpt-oss-style model: experts_mxfp4 reaches the estimator, and
** sizes the routed experts at 4.25 bpw whatever the GGUF label. */
START_TEST(test_check_input_inline_experts_mxfp4)
{
#define OSS_INLINE(flag)                                                                           \
    "{\"hardware\":\"nvidia-rtx-4090\",\"quant\":\"Q4_K_M\",\"model\":{"                           \
    "\"params\":20914757184,\"num_hidden_layers\":24,\"hidden_size\":2880,"                        \
    "\"num_attention_heads\":64,\"num_key_value_heads\":8,\"head_dim\":64,"                        \
    "\"vocab_size\":201088,\"num_experts\":32,\"num_experts_per_tok\":4,"                          \
    "\"moe_intermediate_size\":2880" flag "}}"
    struct check_input in;
    struct problem pb;
    struct est_result with, without;
    ck_assert_int_eq(parse_json(OSS_INLINE(",\"experts_mxfp4\":true"), &in, &pb), 0);
    ck_assert(in.est.model.experts_mxfp4);
    ck_assert_int_eq(est_estimate(&in.est, &with), EST_OK);
    ck_assert_int_eq(parse_json(OSS_INLINE(",\"experts_mxfp4\":null"), &in, &pb), 0);
    ck_assert(!in.est.model.experts_mxfp4);
    ck_assert_int_eq(est_estimate(&in.est, &without), EST_OK);
    /* 19.1e9 expert weights at 4.25 instead of ~4.9 bpw: over 1.5 GB less */
    ck_assert_uint_lt(with.weights_bytes + 1500000000ull, without.weights_bytes);
#undef OSS_INLINE
}
END_TEST

START_TEST(test_check_input_new_fields_default)
{
    struct check_input in;
    struct problem pb;
    ck_assert_int_eq(parse_json("{" BASE_GPU "}", &in, &pb), 0);
    ck_assert_uint_eq(in.est.ubatch, 0); /* the estimator's 512 */
    ck_assert_int_eq(in.est.kv_type_v, EST_KV_DEFAULT);
    ck_assert_uint_eq(in.est.n_cpu_moe, 0);
    ck_assert(!in.tensor_split_given);
    for (unsigned i = 0; i < EST_SPLIT_MAX; i++)
        ck_assert(in.est.tensor_split[i] == 0.0);
    ck_assert(in.llamacpp_engine);
    ck_assert(in.est.device.max_allocation_gib == 0.0);
    /* the catalog's compute figure reaches the estimator */
    ck_assert(in.est.device.compute_tflops == 165.2);
    ck_assert_int_eq(parse_json("{\"model\":\"llama-3.1-8b-instruct\",\"hardware\":"
                                "\"nvidia-rtx-4090-nobw\"}",
                                &in, &pb),
                     0);
    ck_assert(in.est.device.compute_tflops == 0.0); /* unknown */
    /* MLX and LM Studio's MLX engine are not llama.cpp engines; Ollama is */
    ck_assert_int_eq(parse_json("{" BASE_MAC ",\"runtime\":\"mlx\"}", &in, &pb), 0);
    ck_assert(!in.llamacpp_engine);
    ck_assert_int_eq(
        parse_json("{" BASE_MAC ",\"runtime\":\"lmstudio\",\"quant\":\"mlx-4bit\"}", &in, &pb), 0);
    ck_assert(!in.llamacpp_engine);
    ck_assert_int_eq(parse_json("{" BASE_MAC ",\"runtime\":\"lmstudio\"}", &in, &pb), 0);
    ck_assert(in.llamacpp_engine);
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"runtime\":\"ollama\"}", &in, &pb), 0);
    ck_assert(in.llamacpp_engine);
}
END_TEST

START_TEST(test_check_input_new_fields_parsed)
{
    struct check_input a, b;
    struct problem pa, pq;
    ck_assert_int_eq(parse_json("{" BASE_MOE ",\"ubatch\":256,\"kv_cache\":\"q8_0\","
                                "\"kv_cache_v\":\"q4_0\",\"n_cpu_moe\":12,\"gpu_count\":2,"
                                "\"tensor_split\":[3,1.5]}",
                                &a, &pa),
                     0);
    ck_assert_int_eq(parse_query(Q_MOE "&ubatch=256&kv_cache=q8_0&kv_cache_v=q4_0&n_cpu_moe=12"
                                       "&gpu_count=2&tensor_split=3,1.5",
                                 &b, &pq),
                     0);
    ck_assert_uint_eq(a.est.ubatch, 256);
    ck_assert_int_eq(a.est.kv_type, EST_KV_Q8_0);
    ck_assert_int_eq(a.est.kv_type_v, EST_KV_Q4_0);
    ck_assert_uint_eq(a.est.n_cpu_moe, 12);
    ck_assert_uint_eq(a.gpu_count, 2);
    ck_assert(a.tensor_split_given);
    ck_assert(a.est.tensor_split[0] == 3.0);
    ck_assert(a.est.tensor_split[1] == 1.5);
    ck_assert(a.est.tensor_split[2] == 0.0);
    /* GET (the comma form) and POST agree */
    ck_assert_uint_eq(b.est.ubatch, a.est.ubatch);
    ck_assert_int_eq(b.est.kv_type_v, a.est.kv_type_v);
    ck_assert_uint_eq(b.est.n_cpu_moe, a.est.n_cpu_moe);
    ck_assert(b.tensor_split_given);
    ck_assert_int_eq(memcmp(a.est.tensor_split, b.est.tensor_split, sizeof a.est.tensor_split), 0);

    /* the bounds themselves are accepted */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"ubatch\":65536}", &a, &pa), 0);
    ck_assert_int_eq(parse_query(Q_GPU "&ubatch=1", &a, &pa), 0);
    ck_assert_uint_eq(a.est.ubatch, 1);
    ck_assert_int_eq(parse_json("{" BASE_MOE ",\"n_cpu_moe\":48}", &a, &pa), 0);
    ck_assert_uint_eq(a.est.n_cpu_moe, 48);
    /* 0 is the default and fits any model */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"n_cpu_moe\":0}", &a, &pa), 0);
    ck_assert_uint_eq(a.est.n_cpu_moe, 0);
    /* a zero share is allowed as long as some GPU gets one */
    ck_assert_int_eq(parse_query(Q_GPU "&gpu_count=3&tensor_split=0,1,2.5", &a, &pa), 0);
    ck_assert(a.est.tensor_split[0] == 0.0 && a.est.tensor_split[2] == 2.5);
    /* Ollama takes num_batch as -ub, and one K/V type given twice */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"runtime\":\"ollama\",\"ubatch\":1024,"
                                "\"kv_cache\":\"q8_0\",\"kv_cache_v\":\"q8_0\"}",
                                &a, &pa),
                     0);
    ck_assert_uint_eq(a.est.ubatch, 1024);
    ck_assert_int_eq(a.est.kv_type_v, EST_KV_Q8_0);
    /* LM Studio's GGUF engine takes a separate V type */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"runtime\":\"lmstudio\",\"kv_cache\":\"f16\","
                                "\"kv_cache_v\":\"q8_0\"}",
                                &a, &pa),
                     0);
    /* inline hardware: compute and allocation figures, and count as gpu_count */
    ck_assert_int_eq(parse_json("{\"model\":\"llama-3.1-8b-instruct\",\"tensor_split\":[1,3],"
                                "\"hardware\":{\"memory_gb\":16,\"kind\":\"gpu\","
                                "\"backend\":\"vulkan\",\"count\":2,\"compute_tflops\":48.7,"
                                "\"max_allocation_gb\":4}}",
                                &a, &pa),
                     0);
    ck_assert(a.est.device.compute_tflops == 48.7);
    ck_assert(a.est.device.max_allocation_gib == 4.0);
    ck_assert(a.est.tensor_split[1] == 3.0);
    /* null means the default for the new fields too */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"ubatch\":null,\"kv_cache_v\":null,"
                                "\"n_cpu_moe\":null,\"tensor_split\":null}",
                                &a, &pa),
                     0);
    ck_assert_uint_eq(a.est.ubatch, 0);
    ck_assert(!a.tensor_split_given);
}
END_TEST

START_TEST(test_check_input_new_fields_problems_name_the_field)
{
    struct check_input in;
    struct problem pb;
    /* every bad new field at once: one entry each, the detail names them */
    ck_assert_int_eq(parse_json("{" BASE_GPU ",\"ubatch\":0,\"kv_cache_v\":\"q5\","
                                "\"n_cpu_moe\":3,\"tensor_split\":[1,1]}",
                                &in, &pb),
                     -1);
    ck_assert_int_eq(pb.kind, API_ERR_INVALID_PARAMS);
    ck_assert_uint_eq(pb.n_params, 4);
    static const char *const names[] = {"ubatch", "kv_cache_v", "n_cpu_moe", "tensor_split"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_msg(param(&pb, names[i]) != NULL, "no entry for %s", names[i]);
        ck_assert_msg(strstr(pb.detail, names[i]) != NULL, "detail lacks %s: %s", names[i],
                      pb.detail);
    }
    /* GET: a repeated tensor_split is refused like any other key */
    ck_assert_int_eq(parse_query(Q_GPU "&gpu_count=2&tensor_split=1,1&tensor_split=1,1", &in, &pb),
                     -1);
    ck_assert_ptr_nonnull(param(&pb, "tensor_split"));
    ck_assert_ptr_nonnull(strstr(param(&pb, "tensor_split")->reason, "is given 2 times"));
}
END_TEST

START_TEST(test_check_input_rejects_non_object_body)
{
    struct check_input in;
    struct problem pb;
    json_t *arr = json_array();
    problem_init(&pb);
    ck_assert_int_eq(check_input_from_json(arr, &cat, &in, &pb), -1);
    ck_assert_int_eq(pb.kind, API_ERR_BAD_JSON);
    json_decref(arr);
}
END_TEST

START_TEST(test_check_input_duplicate_json_keys_fail_to_load)
{
    /* POST bodies are loaded with JSON_REJECT_DUPLICATES before they reach
    ** the parser; this pins the flag's behaviour the daemon relies on. */
    json_error_t err;
    json_t *v = json_loads("{\"context\":1,\"context\":2}", JSON_REJECT_DUPLICATES, &err);
    ck_assert_ptr_null(v);
}
END_TEST

/* ---------------------------------------------------------------------------
** Handlers
*/

static json_t *run_post(const char *text, unsigned *status)
{
    json_error_t err;
    json_t *body = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    struct request rq = {
        .method = HTTP_POST, .path = "/check", .body = body, .catalog = &cat, .request_id = "test"};
    struct response out;
    memset(&out, 0, sizeof out);
    ck_assert_ptr_nonnull(body);
    *status = handle_check_post(&rq, &out);
    ck_assert_uint_eq(*status, out.status);
    json_decref(body);
    return out.body;
}

static json_t *run_get(const char *text, unsigned *status)
{
    char buf[2048];
    struct query_list q;
    struct response out;
    snprintf(buf, sizeof buf, "%s", text);
    query_from(buf, &q);
    struct request rq = {
        .method = HTTP_GET, .path = "/check", .query = &q, .catalog = &cat, .request_id = "test"};
    memset(&out, 0, sizeof out);
    *status = handle_check_get(&rq, &out);
    return out.body;
}

static json_int_t int_at(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", k);
    return json_integer_value(v);
}

START_TEST(test_handle_check_renders_every_field)
{
    unsigned status = 0;
    json_t *b = run_post("{" BASE_MAC ",\"runtime\":\"mlx\",\"quant\":\"mlx-8bit\","
                         "\"context\":32768}",
                         &status);
    ck_assert_uint_eq(status, 200);
    ck_assert_ptr_nonnull(b);
    static const char *const keys[] = {"verdict",        "summary",     "footprint",  "budget",
                                       "headroom_bytes", "max_context", "best_quant", "gpu_layers",
                                       "speed",          "error_id",    "error_url",  "fixes",
                                       "inputs",         "warnings",    "estimator"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        ck_assert_msg(json_object_get(b, keys[i]) != NULL, "missing %s", keys[i]);
    const char *verdict = json_string_value(json_object_get(b, "verdict"));
    ck_assert_ptr_nonnull(verdict);
    ck_assert(strcmp(verdict, "runs") == 0 || strcmp(verdict, "tight") == 0 ||
              strcmp(verdict, "offload") == 0 || strcmp(verdict, "wont_run") == 0);
    const json_t *fp = json_object_get(b, "footprint");
    ck_assert_int_eq(int_at(fp, "total_bytes"),
                     int_at(fp, "weights_bytes") + int_at(fp, "kv_cache_bytes") +
                         int_at(fp, "compute_bytes") + int_at(fp, "overhead_bytes"));
    const json_t *bud = json_object_get(b, "budget");
    ck_assert_int_eq(int_at(b, "headroom_bytes"),
                     int_at(bud, "usable_bytes") - int_at(fp, "total_bytes"));
    ck_assert(json_is_string(json_object_get(bud, "basis")));
    /* MLX does not split layers */
    ck_assert(json_is_null(json_object_get(b, "gpu_layers")));
    const json_t *in = json_object_get(b, "inputs");
    ck_assert_str_eq(json_string_value(json_object_get(in, "model")), "qwen2.5-32b-instruct");
    ck_assert_str_eq(json_string_value(json_object_get(in, "quant")), "mlx-8bit");
    ck_assert_str_eq(json_string_value(json_object_get(in, "hardware")), "apple-m1-max-32gb");
    ck_assert_str_eq(json_string_value(json_object_get(in, "runtime")), "mlx");
    ck_assert_str_eq(json_string_value(json_object_get(in, "os")), "macos");
    ck_assert_str_eq(json_string_value(json_object_get(in, "os_version")), "current");
    ck_assert_int_eq(int_at(in, "context"), 32768);
    ck_assert_int_eq(int_at(in, "batch"), 1);
    ck_assert_int_eq(int_at(in, "gpu_count"), 1);
    ck_assert(json_is_boolean(json_object_get(in, "flash_attention")));
    ck_assert(json_is_string(json_object_get(in, "kv_cache")));
    ck_assert(json_is_null(json_object_get(in, "wired_limit_mb")));
    /* context 32,768 = Qwen2.5's trained maximum: no warning about it */
    ck_assert(json_is_array(json_object_get(b, "warnings")));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "estimator"), "version")),
                     EST_VERSION);
    const char *summary = json_string_value(json_object_get(b, "summary"));
    ck_assert_ptr_nonnull(strstr(summary, "Qwen2.5 32B Instruct at mlx-8bit with 32,768 tokens"));
    ck_assert_ptr_nonnull(strstr(summary, "Apple M1 Max (32 GiB)"));
    ck_assert_ptr_null(strstr(summary, " GB")); /* GiB throughout */
    /* error_url follows error_id */
    const json_t *eid = json_object_get(b, "error_id");
    if (json_is_string(eid)) {
        char url[160];
        snprintf(url, sizeof url, "/errors/%s", json_string_value(eid));
        ck_assert_str_eq(json_string_value(json_object_get(b, "error_url")), url);
    } else {
        ck_assert(json_is_null(json_object_get(b, "error_url")));
    }
    /* fixes: numbered from 1, each with every field */
    const json_t *fixes = json_object_get(b, "fixes");
    ck_assert(json_is_array(fixes));
    if (strcmp(verdict, "runs") == 0)
        ck_assert_uint_eq(json_array_size(fixes), 0);
    for (size_t i = 0; i < json_array_size(fixes); i++) {
        const json_t *f = json_array_get(fixes, i);
        ck_assert_int_eq(int_at(f, "step"), (json_int_t)i + 1);
        ck_assert(json_is_string(json_object_get(f, "title")));
        ck_assert(json_is_string(json_object_get(f, "why")));
        ck_assert(json_is_string(json_object_get(f, "command")));
        ck_assert(json_is_string(json_object_get(f, "verdict_after")));
        ck_assert(int_at(f, "total_bytes_after") > 0);
    }
    json_decref(b);
}
END_TEST

START_TEST(test_handle_check_gpu_layers_and_warnings)
{
    unsigned status = 0;
    /* llama.cpp splits layers; context above the trained maximum warns;
    ** no bandwidth: speed is null and a warning says so */
    json_t *b = run_post("{\"model\":\"qwen2.5-32b-instruct\",\"hardware\":"
                         "\"nvidia-rtx-4090-nobw\",\"context\":65536}",
                         &status);
    ck_assert_uint_eq(status, 200);
    const json_t *gl = json_object_get(b, "gpu_layers");
    ck_assert(json_is_object(gl));
    ck_assert(int_at(gl, "offloaded") <= int_at(gl, "total"));
    ck_assert(json_is_null(json_object_get(json_object_get(b, "speed"), "tokens_per_second")));
    const json_t *w = json_object_get(b, "warnings");
    bool above = false, nospeed = false;
    for (size_t i = 0; i < json_array_size(w); i++) {
        const char *s = json_string_value(json_array_get(w, i));
        above = above || strstr(s, "trained maximum of 32,768 tokens") != NULL;
        nospeed = nospeed || strstr(s, "no speed estimate") != NULL;
    }
    ck_assert_msg(above, "no warning about the trained maximum");
    ck_assert_msg(nospeed, "no warning about the missing bandwidth");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "inputs"), "os")),
                     "windows");
    ck_assert(json_is_null(json_object_get(json_object_get(b, "inputs"), "os_version")));
    json_decref(b);
}
END_TEST

START_TEST(test_handle_check_speed_is_rounded)
{
    unsigned status = 0;
    json_t *b = run_post("{" BASE_GPU ",\"context\":8192}", &status);
    ck_assert_uint_eq(status, 200);
    const json_t *tps = json_object_get(json_object_get(b, "speed"), "tokens_per_second");
    if (!json_is_null(tps)) {
        double v = json_number_value(tps);
        ck_assert(v > 0);
        ck_assert(fabs(v * 10.0 - round(v * 10.0)) < 1e-6);
    }
    json_decref(b);
}
END_TEST

START_TEST(test_handle_check_get_equals_post)
{
    unsigned s1 = 0, s2 = 0;
    json_t *a = run_post("{" BASE_GPU ",\"context\":16384,\"batch\":2,\"kv_cache\":\"q8_0\"}", &s1);
    json_t *b = run_get(Q_GPU "&context=16384&batch=2&kv_cache=q8_0", &s2);
    ck_assert_uint_eq(s1, 200);
    ck_assert_uint_eq(s2, 200);
    ck_assert_msg(json_equal(a, b), "GET and POST answers differ");
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(test_handle_check_problem_answers)
{
    unsigned status = 0;
    json_t *b = run_post("{\"model\":\"llama-3.1-8b-instruct\"}", &status);
    ck_assert_uint_eq(status, 400);
    ck_assert_ptr_nonnull(b);
    json_decref(b);
    b = run_get("model=llama-3.1-8b-instrukt&hardware=nvidia-rtx-4090", &status);
    ck_assert_uint_eq(status, 404);
    json_decref(b);
    b = run_get("", &status);
    ck_assert_uint_eq(status, 400);
    json_decref(b);
    /* no body at all */
    struct request rq = {.method = HTTP_POST, .path = "/check", .catalog = &cat};
    struct response out;
    memset(&out, 0, sizeof out);
    ck_assert_uint_eq(handle_check_post(&rq, &out), 400);
    json_decref(out.body);
}
END_TEST

/* The new response fields: per-device totals, host bytes, the split, the
** experts kept in RAM, the largest buffer and the prompt speed. */
START_TEST(test_handle_check_renders_devices_and_split)
{
    unsigned status = 0;
    json_t *b = run_post("{" BASE_GPU ",\"context\":8192,\"gpu_count\":2,"
                         "\"tensor_split\":[3,1],\"ubatch\":256}",
                         &status);
    ck_assert_uint_eq(status, 200);
    const json_t *devs = json_object_get(b, "devices");
    ck_assert(json_is_array(devs));
    ck_assert_uint_eq(json_array_size(devs), 2); /* one per GPU */
    for (size_t i = 0; i < 2; i++) {
        const json_t *d = json_array_get(devs, i);
        ck_assert_int_eq(int_at(d, "index"), (json_int_t)i);
        ck_assert(int_at(d, "total_bytes") >= 0);
        ck_assert(int_at(d, "usable_bytes") >= 0);
    }
    ck_assert(int_at(b, "host_bytes") >= 0);
    ck_assert(int_at(b, "largest_allocation_bytes") >= 0);
    ck_assert_int_eq(int_at(b, "n_cpu_moe"), 0);
    /* the split sized: one share per GPU, rounded to 3 decimals */
    const json_t *split = json_object_get(b, "tensor_split");
    ck_assert(json_is_array(split));
    ck_assert_uint_eq(json_array_size(split), 2);
    for (size_t i = 0; i < 2; i++) {
        double v = json_number_value(json_array_get(split, i));
        ck_assert(v >= 0 && v <= 1);
        ck_assert(fabs(v * 1000.0 - round(v * 1000.0)) < 1e-6);
    }
    /* inputs echo the new fields as given */
    const json_t *in = json_object_get(b, "inputs");
    ck_assert_int_eq(int_at(in, "ubatch"), 256);
    ck_assert_int_eq(int_at(in, "n_cpu_moe"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(in, "kv_cache_v")),
                     json_string_value(json_object_get(in, "kv_cache")));
    const json_t *given = json_object_get(in, "tensor_split");
    ck_assert_uint_eq(json_array_size(given), 2);
    ck_assert(json_number_value(json_array_get(given, 0)) == 3.0);
    ck_assert(json_number_value(json_array_get(given, 1)) == 1.0);
    /* speed: the prompt figure is a number rounded to 0.1, or null */
    const json_t *speed = json_object_get(b, "speed");
    const json_t *pp = json_object_get(speed, "prompt_tokens_per_second");
    ck_assert_ptr_nonnull(pp);
    if (!json_is_null(pp)) {
        ck_assert(json_number_value(pp) > 0);
        ck_assert(fabs(json_number_value(pp) * 10.0 - round(json_number_value(pp) * 10.0)) < 1e-6);
    }
    const json_t *pb = json_object_get(speed, "prompt_basis");
    ck_assert(pb != NULL && (json_is_null(pb) || json_is_string(pb)));
    json_decref(b);

    /* one GPU: no split; defaults echoed (llama.cpp's -ub 512) */
    b = run_post("{" BASE_GPU ",\"context\":8192}", &status);
    ck_assert_uint_eq(status, 200);
    ck_assert_uint_eq(json_array_size(json_object_get(b, "devices")), 1);
    ck_assert(json_is_null(json_object_get(b, "tensor_split")));
    in = json_object_get(b, "inputs");
    ck_assert_int_eq(int_at(in, "ubatch"), CHECK_UBATCH_DEFAULT);
    ck_assert(json_is_null(json_object_get(in, "tensor_split")));
    ck_assert_int_eq(int_at(in, "n_cpu_moe"), 0);
    json_decref(b);

    /* MLX: no -ub; a Mac is one device */
    b = run_post("{" BASE_MAC ",\"runtime\":\"mlx\",\"context\":4096}", &status);
    ck_assert_uint_eq(status, 200);
    ck_assert(json_is_null(json_object_get(json_object_get(b, "inputs"), "ubatch")));
    ck_assert(json_is_string(json_object_get(json_object_get(b, "inputs"), "kv_cache_v")));
    json_decref(b);

    /* a CPU-only run reports no devices */
    b = run_post("{\"model\":\"llama-3.1-8b-instruct\",\"context\":4096,\"hardware\":"
                 "{\"memory_gb\":64,\"kind\":\"cpu\"}}",
                 &status);
    ck_assert_uint_eq(status, 200);
    ck_assert(json_is_array(json_object_get(b, "devices")));
    ck_assert_uint_eq(json_array_size(json_object_get(b, "devices")), 0);
    ck_assert(json_is_null(json_object_get(b, "tensor_split")));
    json_decref(b);
}
END_TEST

START_TEST(test_handle_check_kv_cache_v_and_moe)
{
    unsigned status = 0;
    /* llama.cpp: f16 K with a q8_0 V cache; the V type is echoed */
    json_t *b = run_post("{" BASE_GPU ",\"context\":8192,\"kv_cache\":\"f16\","
                         "\"kv_cache_v\":\"q8_0\",\"flash_attention\":true}",
                         &status);
    ck_assert_uint_eq(status, 200);
    const json_t *in = json_object_get(b, "inputs");
    ck_assert_str_eq(json_string_value(json_object_get(in, "kv_cache")), "f16");
    ck_assert_str_eq(json_string_value(json_object_get(in, "kv_cache_v")), "q8_0");
    json_decref(b);

    /* Ollama sets K and V together: a V type apart from its default K type is
    ** refused by the estimator, and the answer names kv_cache_v */
    b = run_post("{" BASE_GPU ",\"runtime\":\"ollama\",\"kv_cache_v\":\"q4_0\"}", &status);
    ck_assert_uint_eq(status, 400);
    const json_t *params = json_object_get(b, "invalid_params");
    ck_assert_uint_ge(json_array_size(params), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(params, 0), "name")),
                     "kv_cache_v");
    json_decref(b);

    /* Ollama has no --n-cpu-moe and takes no split: the estimator refuses
    ** both, and the answer names the field */
    static const struct {
        const char *body, *field;
    } refused[] = {
        {"{" BASE_MOE ",\"runtime\":\"ollama\",\"n_cpu_moe\":4}", "n_cpu_moe"},
        {"{" BASE_MOE ",\"runtime\":\"ollama\",\"gpu_count\":2,\"tensor_split\":[1,1]}",
         "tensor_split"},
        {"{" BASE_MOE ",\"runtime\":\"lmstudio\",\"gpu_count\":2,\"tensor_split\":[1,1]}",
         "tensor_split"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        b = run_post(refused[i].body, &status);
        ck_assert_msg(status == 400, "%s: status %u", refused[i].body, status);
        params = json_object_get(b, "invalid_params");
        ck_assert_str_eq(json_string_value(json_object_get(json_array_get(params, 0), "name")),
                         refused[i].field);
        json_decref(b);
    }

    /* an MoE model with experts kept in RAM: echoed, and an integer in the answer */
    b = run_post("{" BASE_MOE ",\"context\":8192,\"n_cpu_moe\":12}", &status);
    ck_assert_uint_eq(status, 200);
    ck_assert_int_eq(int_at(json_object_get(b, "inputs"), "n_cpu_moe"), 12);
    ck_assert(int_at(b, "n_cpu_moe") >= 0 && int_at(b, "n_cpu_moe") <= 48);
    if (int_at(b, "n_cpu_moe") > 0)
        ck_assert_ptr_nonnull(
            strstr(json_string_value(json_object_get(b, "summary")), "in system RAM"));
    json_decref(b);
}
END_TEST

START_TEST(test_handle_check_new_fields_get_equals_post)
{
    unsigned s1 = 0, s2 = 0;
    json_t *a = run_post("{" BASE_MOE ",\"context\":8192,\"ubatch\":1024,\"n_cpu_moe\":4,"
                         "\"gpu_count\":2,\"tensor_split\":[1,1],\"kv_cache_v\":\"q8_0\"}",
                         &s1);
    json_t *b = run_get(Q_MOE "&context=8192&ubatch=1024&n_cpu_moe=4&gpu_count=2&tensor_split=1,1"
                              "&kv_cache_v=q8_0",
                        &s2);
    ck_assert_uint_eq(s1, 200);
    ck_assert_uint_eq(s2, 200);
    ck_assert_msg(json_equal(a, b), "GET and POST answers differ");
    json_decref(a);
    json_decref(b);
}
END_TEST

/* Allocation failure: jansson's test_chaos idea. The Nth allocation fails;
** N counts up until the answer succeeds. Every run must give either the
** complete 200 body or a 500, never a partial object (and ASan/LSan see no
** leak). */
static long chaos_left;
static void *chaos_malloc(size_t n)
{
    if (chaos_left-- <= 0)
        return NULL;
    return malloc(n);
}

START_TEST(test_handle_check_allocation_failure_gives_500)
{
    json_error_t err;
    json_t *body = json_loads("{" BASE_MAC ",\"runtime\":\"mlx\",\"quant\":\"mlx-8bit\","
                              "\"context\":32768}",
                              0, &err);
    ck_assert_ptr_nonnull(body);
    struct request rq = {.method = HTTP_POST,
                         .path = "/check",
                         .body = body,
                         .catalog = &cat,
                         .request_id = "chaos"};
    struct response ref;
    memset(&ref, 0, sizeof ref);
    ck_assert_uint_eq(handle_check_post(&rq, &ref), 200);
    unsigned status = 0;
    long n;
    for (n = 0; n < 100000 && status != 200; n++) {
        struct response out;
        memset(&out, 0, sizeof out);
        chaos_left = n;
        json_set_alloc_funcs(chaos_malloc, free);
        status = handle_check_post(&rq, &out);
        json_set_alloc_funcs(malloc, free);
        ck_assert_msg(status == 200 || status == 500, "status %u at allocation %ld", status, n);
        if (status == 200) /* complete: the same answer as without failures */
            ck_assert(json_equal(out.body, ref.body));
        response_release(&out);
    }
    ck_assert_uint_eq(status, 200);
    ck_assert_int_gt(n, 10); /* the answer does allocate: failures were exercised */
    response_release(&ref);
    json_decref(body);
}
END_TEST

/* ---------------------------------------------------------------------------
 */

static Suite *check_input_suite(void)
{
    Suite *s = suite_create("check_input");
    TCase *t = tcase_create("fields");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_loop_test(t, test_check_input_rejects_bad_field, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(t, test_check_input_fills_defaults);
    tcase_add_test(t, test_check_input_defaults_follow_runtime_and_hardware);
    tcase_add_test(t, test_check_input_ids_are_case_insensitive_and_canonical);
    tcase_add_test(t, test_check_input_get_and_post_agree);
    tcase_add_test(t, test_check_input_null_means_default);
    tcase_add_test(t, test_check_input_collects_every_problem);
    tcase_add_test(t, test_check_input_unknown_id_suggests);
    tcase_add_test(t, test_check_input_unknown_id_with_invalid_field_is_400);
    tcase_add_test(t, test_check_input_query_limits);
    tcase_add_test(t, test_check_input_accepts_inline_model_and_hardware);
    tcase_add_test(t, test_check_input_inline_experts_mxfp4);
    tcase_add_test(t, test_check_input_new_fields_default);
    tcase_add_test(t, test_check_input_new_fields_parsed);
    tcase_add_test(t, test_check_input_new_fields_problems_name_the_field);
    tcase_add_test(t, test_check_input_rejects_non_object_body);
    tcase_add_test(t, test_check_input_duplicate_json_keys_fail_to_load);
    suite_add_tcase(s, t);

    TCase *h = tcase_create("handlers");
    tcase_add_checked_fixture(h, setup, teardown);
    tcase_add_test(h, test_handle_check_renders_every_field);
    tcase_add_test(h, test_handle_check_gpu_layers_and_warnings);
    tcase_add_test(h, test_handle_check_speed_is_rounded);
    tcase_add_test(h, test_handle_check_get_equals_post);
    tcase_add_test(h, test_handle_check_renders_devices_and_split);
    tcase_add_test(h, test_handle_check_kv_cache_v_and_moe);
    tcase_add_test(h, test_handle_check_new_fields_get_equals_post);
    tcase_add_test(h, test_handle_check_problem_answers);
    tcase_add_test(h, test_handle_check_allocation_failure_gives_500);
    suite_add_tcase(s, h);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(check_input_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

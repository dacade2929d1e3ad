/* test_fixes.c: unit tests for the fix planner and the error-page mapping (server/core/fixes.c, fixes_commands.c): exact commands, cumulative re-estimation, the seed scenario. No I/O beyond Check.
*/
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fixes.h"
#include "core/fixes_internal.h"

/* Qwen/Qwen2.5-32B-Instruct config.json (models.tsv row Qwen/Qwen2.5-32B;
** the Instruct model's max_position_embeddings is 32768). */
static struct est_model qwen32(void)
{
    struct est_model m = {0};
    m.params = 32763876352ull;
    m.num_hidden_layers = 64;
    m.hidden_size = 5120;
    m.num_attention_heads = 40;
    m.num_key_value_heads = 8;
    m.head_dim = 128;
    m.intermediate_size = 27648;
    m.vocab_size = 152064;
    m.max_position_embeddings = 32768;
    return m;
}

/* meta-llama/Llama-3.1-70B-Instruct config.json. */
static struct est_model llama70(void)
{
    struct est_model m = {0};
    m.params = 70553706496ull;
    m.num_hidden_layers = 80;
    m.hidden_size = 8192;
    m.num_attention_heads = 64;
    m.num_key_value_heads = 8;
    m.head_dim = 128;
    m.intermediate_size = 28672;
    m.vocab_size = 128256;
    m.max_position_embeddings = 131072;
    return m;
}

/* Every quant the Ollama library publishes for qwen2.5 and mixtral
** (ollama.com/library/<model>/tags; seed/models.json ollama_quants). */
#define OLLAMA_ALL_QUANTS                                                                          \
    "q2_K q3_K_S q3_K_M q3_K_L q4_0 q4_1 q4_K_S q4_K_M q5_0 q5_1 q5_K_S q5_K_M q6_K q8_0 fp16"

static const struct fix_names qwen_names = {
    .model_id = "qwen2.5-32b-instruct",
    .hf_repo = "Qwen/Qwen2.5-32B-Instruct",
    .ollama_tag = "qwen2.5:32b",
    .ollama_quant_tag = "qwen2.5:32b-instruct-{quant}",
    .ollama_quants = OLLAMA_ALL_QUANTS,
    /* seed/models.json: the official repository and the quants verified in it. */
    .gguf_repo = "Qwen/Qwen2.5-32B-Instruct-GGUF",
    .gguf_quants = "Q3_K_M Q4_K_M Q5_K_M",
};
static const struct fix_names llama_names = {
    .model_id = "llama-3.1-70b-instruct",
    .hf_repo = "meta-llama/Llama-3.1-70B-Instruct",
    .ollama_tag = "llama3.1:70b",
    .ollama_quant_tag = "llama3.1:70b-instruct-{quant}",
    .ollama_quants = "q2_K q3_K_S q3_K_M q3_K_L q4_0 q4_K_S q4_K_M q5_0 q5_1 q5_K_S q5_K_M q6_K "
                     "q8_0 fp16",
    /* meta-llama publishes no GGUF; seed/models.json names bartowski's. */
    .gguf_repo = "bartowski/Meta-Llama-3.1-70B-Instruct-GGUF",
    .gguf_quants = "Q3_K_L Q4_K_M Q8_0",
};

/* mistralai/Mixtral-8x7B-Instruct-v0.1 config.json (seed/models.json). */
static struct est_model mixtral(void)
{
    struct est_model m = {0};
    m.params = 46702792704ull;
    m.num_hidden_layers = 32;
    m.hidden_size = 4096;
    m.num_attention_heads = 32;
    m.num_key_value_heads = 8;
    m.head_dim = 128;
    m.intermediate_size = 0;
    m.vocab_size = 32000;
    m.max_position_embeddings = 32768;
    m.num_experts = 8;
    m.num_experts_per_tok = 2;
    m.moe_intermediate_size = 14336;
    return m;
}

/* Qwen/Qwen3-8B config.json (seed/models.json). */
static struct est_model qwen3_8b(void)
{
    struct est_model m = {0};
    m.params = 8190735360ull;
    m.num_hidden_layers = 36;
    m.hidden_size = 4096;
    m.num_attention_heads = 32;
    m.num_key_value_heads = 8;
    m.head_dim = 128;
    m.intermediate_size = 12288;
    m.vocab_size = 151936;
    m.max_position_embeddings = 40960;
    return m;
}

static const struct fix_names mixtral_names = {
    .model_id = "mixtral-8x7b-instruct-v0.1",
    .hf_repo = "mistralai/Mixtral-8x7B-Instruct-v0.1",
    .ollama_tag = "mixtral:8x7b",
    .ollama_quant_tag = "mixtral:8x7b-instruct-v0.1-{quant}",
    .ollama_quants = OLLAMA_ALL_QUANTS,
};
/* The library publishes three builds of Qwen3 8B, no "instruct" in the tag. */
static const struct fix_names qwen3_names = {
    .model_id = "qwen3-8b",
    .hf_repo = "Qwen/Qwen3-8B",
    .ollama_tag = "qwen3:8b",
    .ollama_quant_tag = "qwen3:8b-{quant}",
    .ollama_quants = "q4_K_M q8_0 fp16",
    /* The official repository holds no Q3_K_M (seed/models.json). */
    .gguf_repo = "Qwen/Qwen3-8B-GGUF",
    .gguf_quants = "Q4_K_M Q8_0",
};

/* The seed scenario: qwen2.5-32b-instruct, mlx-8bit, 32768 tokens, Apple M1
** Max 32 GiB (400 GB/s), macOS default, MLX. */
static struct est_input seed_input(void)
{
    struct est_input in = {0};
    in.model = qwen32();
    in.quant = est_quant_find("mlx-8bit");
    in.context = 32768;
    in.device.kind = EST_DEVICE_UNIFIED;
    in.device.backend = EST_BACKEND_METAL;
    in.device.memory_gib = 32;
    in.device.bandwidth_gbs = 400;
    in.device.system_ram_gib = 32;
    in.device.count = 1;
    in.runtime = EST_RUNTIME_MLX;
    in.os = EST_OS_MACOS;
    in.kv_type = EST_KV_DEFAULT;
    in.flash_attention = EST_AUTO;
    return in;
}

/* An RTX 4090 (24 GiB, 1008 GB/s) in a Linux box with 64 GiB RAM. */
static struct est_input rtx4090_input(enum est_runtime rt, const char *quant, uint32_t context)
{
    struct est_input in = {0};
    in.model = qwen32();
    in.quant = NULL == quant ? NULL : est_quant_find(quant);
    in.context = context;
    in.device.kind = EST_DEVICE_GPU;
    in.device.backend = EST_BACKEND_CUDA;
    in.device.memory_gib = 24;
    in.device.bandwidth_gbs = 1008;
    in.device.system_ram_gib = 64;
    in.device.count = 1;
    in.runtime = rt;
    in.os = EST_OS_LINUX;
    in.kv_type = EST_KV_DEFAULT;
    in.flash_attention = EST_AUTO;
    return in;
}

static struct est_result estimate(const struct est_input *in)
{
    struct est_result r;
    ck_assert_int_eq(est_estimate(in, &r), EST_OK);
    return r;
}

/* How often needle occurs in hay. */
static unsigned occurrences(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *at = strstr(hay, needle); NULL != at; at = strstr(at + 1, needle))
        n++;
    return n;
}

/* Every plan in these tests: a command sets the context at most once (a cap
** step replaces the sized context rather than adding a second flag). */
static struct fix_plan plan_for(const struct est_input *in, const struct fix_names *names)
{
    struct est_result r = estimate(in);
    struct fix_plan p;
    ck_assert_int_eq(fix_plan_build(in, &r, names, &p), 0);
    if (getenv("DUMP_PLAN"))
        for (size_t i = 0; i < p.count; i++)
            fprintf(stderr, "  %zu %s | %s | %s %.3f GiB\n", i, p.steps[i].title, p.steps[i].command,
                    est_verdict_id(p.steps[i].verdict_after),
                    p.steps[i].total_bytes_after / 1073741824.0);
    for (size_t i = 0; i < p.count; i++) {
        const char *c = p.steps[i].command;
        ck_assert_msg(occurrences(c, " -c ") <= 1 && occurrences(c, " --max-model-len ") <= 1 &&
                          occurrences(c, " --context-length ") <= 1 &&
                          occurrences(c, "OLLAMA_CONTEXT_LENGTH") <= 1,
                      "step %zu sets the context twice: %s", i + 1, c);
    }
    return p;
}

/* The step's recorded verdict and total equal a fresh estimate of `in`. */
static void assert_step_is(const struct fix_step *s, const struct est_input *in)
{
    struct est_result r = estimate(in);
    ck_assert_msg(s->verdict_after == r.verdict, "step %u: verdict %s, estimate says %s",
                  s->step, est_verdict_id(s->verdict_after), est_verdict_id(r.verdict));
    ck_assert_msg(s->total_bytes_after == r.total_bytes, "step %u: total %llu, estimate %llu",
                  s->step, (unsigned long long)s->total_bytes_after,
                  (unsigned long long)r.total_bytes);
}

static bool starts_with(const char *s, const char *prefix)
{
    return 0 == strncmp(s, prefix, strlen(prefix));
}

/* API.md: "fixes is a plan ... each one a real command for the chosen runtime
** and platform with the numbers filled in". The seed scenario, step by step. */
START_TEST(test_fix_seed_scenario_plan)
{
    struct est_input in = seed_input();
    struct est_result r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_WONT_RUN);
    ck_assert_str_eq(fix_error_id(&in, &r), "metal-allocator-oom");

    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_eq(p.count, 5);
    for (size_t i = 0; i < p.count; i++) {
        ck_assert_uint_eq(p.steps[i].step, i + 1);
        ck_assert(p.steps[i].title[0] != '\0');
        ck_assert(p.steps[i].why[0] != '\0');
        ck_assert(p.steps[i].command[0] != '\0');
        ck_assert_msg(NULL == strstr(p.steps[i].command, "mx.metal."), "deprecated MLX API");
    }

    /* 1: convert to 4-bit. */
    ck_assert(starts_with(p.steps[0].command,
                          "mlx_lm.convert --hf-path Qwen/Qwen2.5-32B-Instruct -q --q-bits 4"));
    ck_assert_str_eq(p.steps[0].command, "mlx_lm.convert --hf-path Qwen/Qwen2.5-32B-Instruct -q "
                                         "--q-bits 4 --mlx-path qwen2.5-32b-instruct-4bit");
    ck_assert_msg(NULL == strstr(p.steps[0].command, "--q-group-size"), "group 64 is the default");

    /* 2: the largest context that fits at 4 bits, on the converted model. */
    struct est_input four = in;
    four.quant = est_quant_find("mlx-4bit");
    uint32_t n = est_max_context(&four);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, 32768);
    char want[FIX_COMMAND_MAX];
    snprintf(want, sizeof want, "mlx_lm.generate --model qwen2.5-32b-instruct-4bit --max-kv-size %u",
             n);
    ck_assert_str_eq(p.steps[1].command, want);

    /* 3: raise the ceiling: 32 GiB - max(4 GiB, 20 %) = 26214 MB, and the
    ** same limit in MLX with the current API. */
    ck_assert_str_eq(p.steps[2].command,
                     "sudo sysctl iogpu.wired_limit_mb=26214\n"
                     "# in your own MLX code (mlx_lm.generate does this itself):\n"
                     "#   import mlx.core as mx\n"
                     "#   mx.set_memory_limit(26214 * 1024**2)\n"
                     "#   mx.set_wired_limit(26214 * 1024**2)");

    /* 4: memory hogs (not modelled, says so). */
    ck_assert_str_eq(p.steps[3].command, "top -l 1 -o mem -n 10 -stats pid,command,mem");
    ck_assert_ptr_nonnull(strstr(p.steps[3].why, "Not modelled"));

    /* 5: llama.cpp on Metal, same bits, same context, no forced -ngl. */
    snprintf(want, sizeof want, "llama-server -hf Qwen/Qwen2.5-32B-Instruct-GGUF:Q4_K_M -c %u", n);
    ck_assert_str_eq(p.steps[4].command, want);
    ck_assert(NULL == strstr(p.steps[4].command, "-ngl"));

    /* The plan reaches runs or tight, and the steps after say they are alternatives. */
    bool reached = false;
    for (size_t i = 0; i < p.count; i++) {
        if (reached)
            ck_assert_msg(NULL != strstr(p.steps[i].why, "alternative"), "step %zu", i + 1);
        reached = reached || p.steps[i].verdict_after == EST_RUNS ||
                  p.steps[i].verdict_after == EST_TIGHT;
    }
    ck_assert(reached);
    ck_assert(p.steps[1].verdict_after == EST_RUNS || p.steps[1].verdict_after == EST_TIGHT);
    ck_assert(NULL == strstr(p.steps[0].why, "alternative"));
    ck_assert(NULL == strstr(p.steps[1].why, "alternative"));
}
END_TEST

/* API.md: "verdict_after and total_bytes_after are what the estimator says
** once this step and every step before it are applied." */
START_TEST(test_fix_seed_steps_are_cumulative)
{
    struct est_input in = seed_input();
    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_eq(p.count, 5);

    struct est_input c = in;
    c.quant = est_quant_find("mlx-4bit");
    assert_step_is(&p.steps[0], &c);
    ck_assert_int_eq(p.steps[0].verdict_after, EST_WONT_RUN); /* 4 bits alone: not enough */

    c.context = est_max_context(&c);
    assert_step_is(&p.steps[1], &c);

    c.wired_limit_mb = 26214;
    assert_step_is(&p.steps[2], &c);
    assert_step_is(&p.steps[3], &c); /* memory hogs: unchanged */

    c.runtime = EST_RUNTIME_LLAMACPP;
    c.quant = est_quant_find("Q4_K_M");
    assert_step_is(&p.steps[4], &c);

    /* Re-estimated, not copied: the ceiling step raised the budget. */
    struct est_result before = estimate(&in), after3;
    struct est_input three = c;
    three.runtime = EST_RUNTIME_MLX;
    three.quant = est_quant_find("mlx-4bit");
    after3 = estimate(&three);
    ck_assert_uint_gt(after3.usable_bytes, before.usable_bytes);
}
END_TEST

START_TEST(test_fix_empty_plan_when_it_runs)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q4_K_M", 4096);
    in.device.memory_gib = 80;
    struct est_result r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_RUNS);
    struct fix_plan p;
    p.count = 99;
    ck_assert_int_eq(fix_plan_build(&in, &r, &qwen_names, &p), 0);
    ck_assert_uint_eq(p.count, 0);
    ck_assert_ptr_null(fix_error_id(&in, &r));
}
END_TEST

START_TEST(test_fix_llamacpp_cuda_commands)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q8_0", 32768);
    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_eq(p.count, 4);
    /* commands carry the sized context: llama-server's own default is the trained one */
    ck_assert_str_eq(p.steps[0].command,
                     "llama-server -hf Qwen/Qwen2.5-32B-Instruct-GGUF:Q4_K_M -c 32768");
    ck_assert_str_eq(p.steps[1].command,
                     "llama-server -hf Qwen/Qwen2.5-32B-Instruct-GGUF:Q4_K_M -c 32768 -ctk q8_0 "
                     "-ctv q8_0 -fa on");
    /* the q8_0 cache alone leaves less than llama-server's 1 GiB --fit margin
    ** free, so the context is capped to what fits */
    struct est_input c = in;
    c.quant = est_quant_find("Q4_K_M");
    assert_step_is(&p.steps[0], &c);
    c.kv_type = EST_KV_Q8_0;
    c.flash_attention = EST_ON;
    assert_step_is(&p.steps[1], &c);
    ck_assert_int_eq(p.steps[1].verdict_after, EST_OFFLOAD);
    uint32_t n = est_max_context(&c);
    ck_assert_uint_gt(n, 16384);
    ck_assert_uint_lt(n, 32768);
    char want[FIX_COMMAND_MAX];
    snprintf(want, sizeof want,
             "llama-server -hf Qwen/Qwen2.5-32B-Instruct-GGUF:Q4_K_M -c %u -ctk q8_0 -ctv q8_0 "
             "-fa on",
             n);
    ck_assert_str_eq(p.steps[2].command, want);
    c.context = n;
    assert_step_is(&p.steps[2], &c);
    ck_assert(p.steps[2].verdict_after == EST_RUNS || p.steps[2].verdict_after == EST_TIGHT);
    ck_assert_str_eq(p.steps[3].command,
                     "nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv");
    assert_step_is(&p.steps[3], &c);
    for (size_t i = 0; i < p.count; i++) {
        ck_assert(NULL == strstr(p.steps[i].command, "999"));
        ck_assert(NULL == strstr(p.steps[i].command, "--no-mmap"));
    }
}
END_TEST

/* When the weights fit and the KV cache does not, the cache comes first. */
START_TEST(test_fix_kv_first_when_weights_fit)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q4_K_M", 32768);
    struct est_result r = estimate(&in);
    ck_assert(r.verdict == EST_OFFLOAD || r.verdict == EST_WONT_RUN);
    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_ge(p.count, 2);
    ck_assert_str_eq(p.steps[0].command, "llama-server -hf Qwen/Qwen2.5-32B-Instruct-GGUF:Q4_K_M "
                                         "-c 32768 -ctk q8_0 -ctv q8_0 -fa on");
    /* Once it fits, no sub-4-bit quant is proposed for headroom. */
    for (size_t i = 0; i < p.count; i++)
        ck_assert_msg(NULL == strstr(p.steps[i].command, "Q3_") &&
                          NULL == strstr(p.steps[i].command, "Q2_"),
                      "%s", p.steps[i].command);
}
END_TEST

START_TEST(test_fix_ollama_commands_linux_and_windows)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_OLLAMA, "Q8_0", 32768);
    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_ge(p.count, 2);
    ck_assert_str_eq(p.steps[0].command, "ollama pull qwen2.5:32b-instruct-q4_K_M");
    ck_assert_str_eq(p.steps[1].command, "OLLAMA_CONTEXT_LENGTH=32768 OLLAMA_FLASH_ATTENTION=1 "
                                         "OLLAMA_KV_CACHE_TYPE=q8_0 ollama serve");

    /* Windows (WDDM keeps ~15 %): a smaller build, PowerShell syntax, and a
    ** context cap on top. */
    in.os = EST_OS_WINDOWS;
    p = plan_for(&in, &qwen_names);
    ck_assert_uint_ge(p.count, 3);
    ck_assert_str_eq(p.steps[0].command, "ollama pull qwen2.5:32b-instruct-q4_K_S");
    ck_assert_str_eq(p.steps[1].command, "$env:OLLAMA_CONTEXT_LENGTH=\"32768\"; "
                                         "$env:OLLAMA_FLASH_ATTENTION=\"1\"; "
                                         "$env:OLLAMA_KV_CACHE_TYPE=\"q8_0\"; ollama serve");
    struct est_input c = in;
    c.quant = est_quant_find("Q4_K_S");
    c.kv_type = EST_KV_Q8_0;
    uint32_t n = est_max_context(&c);
    char want[FIX_COMMAND_MAX];
    snprintf(want, sizeof want,
             "$env:OLLAMA_CONTEXT_LENGTH=\"%u\"; $env:OLLAMA_FLASH_ATTENTION=\"1\"; "
             "$env:OLLAMA_KV_CACHE_TYPE=\"q8_0\"; ollama serve",
             n);
    ck_assert_str_eq(p.steps[2].command, want);
    c.context = n;
    assert_step_is(&p.steps[2], &c);
}
END_TEST

/* No command in the plan pulls anything with Ollama. */
static void assert_no_pull(const struct fix_plan *p)
{
    for (size_t i = 0; i < p->count; i++)
        ck_assert_msg(NULL == strstr(p->steps[i].command, "ollama pull"), "step %zu: %s", i + 1,
                      p->steps[i].command);
}

/* The step that pulls with Ollama, or NULL. */
static const struct fix_step *pull_step(const struct fix_plan *p)
{
    for (size_t i = 0; i < p->count; i++)
        if (starts_with(p->steps[i].command, "ollama pull "))
            return &p->steps[i];
    return NULL;
}

/* Library tags are spelled per model from the catalog's template, never
** derived from the short tag ("mixtral:8x7b" + "-instruct-" would name a
** build that does not exist). */
START_TEST(test_fix_ollama_tag_spelling)
{
    /* Mixtral at Q8_0 (~46 GiB of weights) on a 24 GiB card: the best
    ** published quant that fits is q3_K_M, under its v0.1 tag... */
    struct est_input in = rtx4090_input(EST_RUNTIME_OLLAMA, "Q8_0", 32768);
    in.model = mixtral();
    struct fix_plan p = plan_for(&in, &mixtral_names);
    ck_assert_uint_ge(p.count, 1);
    ck_assert_str_eq(p.steps[0].command, "ollama pull mixtral:8x7b-instruct-v0.1-q3_K_M");
    /* ...and on 22 GiB it is q3_K_S. */
    in.device.memory_gib = 22;
    p = plan_for(&in, &mixtral_names);
    ck_assert_uint_ge(p.count, 1);
    ck_assert_str_eq(p.steps[0].command, "ollama pull mixtral:8x7b-instruct-v0.1-q3_K_S");
    ck_assert_str_eq(p.steps[0].title, "Pull the Q3_K_S build");
    struct est_input c = in;
    c.quant = est_quant_find("Q3_K_S");
    assert_step_is(&p.steps[0], &c);

    /* Qwen3 8B at fp16 on an 8 GiB card: no "instruct" in its tags. */
    in = rtx4090_input(EST_RUNTIME_OLLAMA, "fp16", 8192);
    in.model = qwen3_8b();
    in.device.memory_gib = 8;
    p = plan_for(&in, &qwen3_names);
    const struct fix_step *s = pull_step(&p);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->command, "ollama pull qwen3:8b-q4_K_M");

    /* The same tag without a template is not enough: no pull is invented. */
    struct fix_names short_tag = qwen3_names;
    short_tag.ollama_quant_tag = NULL;
    short_tag.ollama_quants = NULL;
    p = plan_for(&in, &short_tag);
    assert_no_pull(&p);
    ck_assert_uint_ge(p.count, 1); /* the other steps remain */
}
END_TEST

/* Only a quant the library publishes for the model is pulled: Qwen3 8B has
** q4_K_M q8_0 fp16, so a 6 GiB card too small for q4_K_M gets no q3 pull (the
** tag qwen3:8b-q3_K_S does not exist), and the plan goes on without one. */
START_TEST(test_fix_ollama_pulls_only_published_quants)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_OLLAMA, "Q4_K_M", 4096);
    in.model = qwen3_8b();
    in.device.memory_gib = 6;
    struct est_result r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    /* With every quant published, the q3_K_S build would be pulled here... */
    struct fix_names all = qwen3_names;
    all.ollama_quants = OLLAMA_ALL_QUANTS;
    struct fix_plan p = plan_for(&in, &all);
    const struct fix_step *s = pull_step(&p);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->command, "ollama pull qwen3:8b-q3_K_S");
    /* ...but the library has none. */
    p = plan_for(&in, &qwen3_names);
    assert_no_pull(&p);
    ck_assert_uint_ge(p.count, 1);

    /* Between published quants the best that fits wins: Mixtral with
    ** q3_K_S missing from the list falls to q2_K, never an unlisted one. */
    in = rtx4090_input(EST_RUNTIME_OLLAMA, "Q8_0", 32768);
    in.model = mixtral();
    struct fix_names no_q3 = mixtral_names;
    no_q3.ollama_quants = "q2_K q4_0 q4_K_M q8_0 fp16";
    p = plan_for(&in, &no_q3);
    s = pull_step(&p);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->command, "ollama pull mixtral:8x7b-instruct-v0.1-q2_K");

    /* A malformed template (no {quant}, two of them, no "name:") pulls nothing. */
    static const char *const bad[] = {"mixtral:8x7b-instruct-v0.1", "mixtral:{quant}-{quant}",
                                      "mixtral-8x7b-{quant}", "{quant}:x",
                                      "mixtral:8x7b-{quant};id"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fix_names n = mixtral_names;
        n.ollama_quant_tag = bad[i];
        p = plan_for(&in, &n);
        assert_no_pull(&p);
    }
}
END_TEST

/* IQ types are never published in the Ollama library, so never pulled from
** it, even when a caller's list names them. */
START_TEST(test_fix_ollama_never_pulls_iq_quants)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_OLLAMA, "Q8_0", 32768);
    in.model = mixtral();
    struct fix_names iq = mixtral_names;
    iq.ollama_quants = "iq1_S iq2_XXS iq2_XS iq2_M iq3_XXS iq3_XS iq3_M iq4_XS iq4_NL IQ3_M IQ2_M";
    struct fix_plan p = plan_for(&in, &iq);
    assert_no_pull(&p);
    /* With the real list the pull is a K-quant, and no step names an IQ type. */
    p = plan_for(&in, &mixtral_names);
    ck_assert_ptr_nonnull(pull_step(&p));
    for (size_t i = 0; i < p.count; i++)
        ck_assert_msg(NULL == strstr(p.steps[i].command, "iq") &&
                          NULL == strstr(p.steps[i].command, "IQ"),
                      "%s", p.steps[i].command);
}
END_TEST

START_TEST(test_fix_vllm_commands)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_VLLM, NULL, 32768);
    in.device.memory_gib = 48; /* e.g. an RTX 6000 Ada */
    struct est_result r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_WONT_RUN);
    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_ge(p.count, 2);
    ck_assert_str_eq(p.steps[0].command,
                     "vllm serve Qwen/Qwen2.5-32B-Instruct --max-model-len 32768 --quantization fp8");
    struct est_input c = in;
    c.quant = est_quant_find("fp8");
    assert_step_is(&p.steps[0], &c);
    /* Every vLLM command carries the earlier flags, after the context flag in force. */
    for (size_t i = 1; i < p.count; i++)
        if (starts_with(p.steps[i].command, "vllm serve")) {
            ck_assert(starts_with(p.steps[i].command,
                                  "vllm serve Qwen/Qwen2.5-32B-Instruct --max-model-len "));
            ck_assert(NULL != strstr(p.steps[i].command, " --quantization fp8"));
        }
}
END_TEST

START_TEST(test_fix_inline_model_without_repo)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q8_0", 32768);
    struct fix_plan p = plan_for(&in, NULL);
    ck_assert_uint_ge(p.count, 2);
    ck_assert_str_eq(p.steps[0].command, "llama-quantize model-BF16.gguf model-Q4_K_M.gguf Q4_K_M\n"
                                         "llama-server -m model-Q4_K_M.gguf -c 32768");
    ck_assert_msg(NULL != strstr(p.steps[0].why,
                                 " Make the file with llama.cpp from the model's Hugging Face "
                                 "directory: python convert_hf_to_gguf.py <model dir> --outtype "
                                 "bf16 --outfile model-BF16.gguf; then llama-quantize "
                                 "model-BF16.gguf model-Q4_K_M.gguf Q4_K_M."),
                  "%s", p.steps[0].why);
    ck_assert_str_eq(p.steps[1].command, "llama-server -m model-Q4_K_M.gguf -c 32768 -ctk q8_0 "
                                         "-ctv q8_0 -fa on");
}
END_TEST

START_TEST(test_fix_offload_step_and_smaller_quant_when_nothing_fits)
{
    /* 70B Q4_K_M on 24 GiB with 64 GiB RAM: runs with offload; the plan
    ** names the layers that fit. */
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q4_K_M", 8192);
    in.model = llama70();
    struct est_result r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    ck_assert_ptr_null(fix_error_id(&in, &r)); /* offload runs: no error page */
    struct fix_plan p = plan_for(&in, &llama_names);
    size_t ngl = p.count;
    for (size_t i = 0; i < p.count; i++)
        if (NULL != strstr(p.steps[i].title, "layers on the GPU"))
            ngl = i;
    ck_assert_uint_lt(ngl, p.count);
    struct est_input c = in;
    c.kv_type = EST_KV_Q8_0;
    c.flash_attention = EST_ON;
    struct est_result cr = estimate(&c);
    char want[FIX_COMMAND_MAX];
    snprintf(want, sizeof want,
             "llama-server -hf bartowski/Meta-Llama-3.1-70B-Instruct-GGUF:Q4_K_M -c 8192 -ctk q8_0 "
             "-ctv q8_0 -fa on -ngl %u",
             cr.gpu_layers_offloaded);
    ck_assert_str_eq(p.steps[ngl].command, want);
    ck_assert_int_eq(p.steps[ngl].verdict_after, EST_OFFLOAD);

    /* With 16 GiB of RAM it does not run at all: a smaller quant that makes
    ** it run with offload comes first. */
    in.device.system_ram_gib = 16;
    r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_WONT_RUN);
    ck_assert_str_eq(fix_error_id(&in, &r), "llamacpp-cuda-cudamalloc-oom");
    struct fix_names ladder = llama_names;
    ladder.gguf_quants = "Q2_K Q3_K_S Q3_K_M Q3_K_L Q4_K_M Q8_0";
    p = plan_for(&in, &ladder);
    ck_assert_uint_ge(p.count, 1);
    ck_assert(starts_with(p.steps[0].command,
                          "llama-server -hf bartowski/Meta-Llama-3.1-70B-Instruct-GGUF:Q3_"));
    ck_assert_int_eq(p.steps[0].verdict_after, EST_OFFLOAD);
}
END_TEST

START_TEST(test_fix_lmstudio_commands)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_LMSTUDIO, "Q8_0", 32768);
    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_ge(p.count, 2);
    ck_assert_str_eq(p.steps[0].command,
                     "lms get https://huggingface.co/Qwen/Qwen2.5-32B-Instruct-GGUF@q4_k_m");
    struct est_input c = in;
    c.quant = est_quant_find("Q4_K_M");
    uint32_t n = est_max_context(&c);
    char want[FIX_COMMAND_MAX];
    snprintf(want, sizeof want, "lms load qwen2.5-32b-instruct --context-length %u", n);
    ck_assert_str_eq(p.steps[1].command, want);
}
END_TEST

/* Without a catalogued GGUF repository no repository name is guessed
** ("meta-llama/Llama-3.1-70B-Instruct-GGUF" does not exist): llama.cpp runs
** a local file and the why says how to make it from hf_repo. */
START_TEST(test_fix_no_gguf_repo_runs_a_local_file)
{
    struct fix_names n = llama_names;
    n.gguf_repo = NULL;
    n.gguf_quants = NULL;
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q8_0", 8192);
    in.model = llama70();
    struct fix_plan p = plan_for(&in, &n);
    ck_assert_uint_ge(p.count, 1);
    ck_assert_str_eq(p.steps[0].command,
                     "llama-quantize llama-3.1-70b-instruct-BF16.gguf "
                     "llama-3.1-70b-instruct-Q4_K_M.gguf Q4_K_M\n"
                     "llama-server -m llama-3.1-70b-instruct-Q4_K_M.gguf -c 8192");
    ck_assert_msg(NULL != strstr(p.steps[0].why,
                                 " No GGUF repository of this model is catalogued, so make the "
                                 "file with llama.cpp: hf download meta-llama/Llama-3.1-70B-"
                                 "Instruct --local-dir llama-3.1-70b-instruct; python "
                                 "convert_hf_to_gguf.py llama-3.1-70b-instruct --outtype bf16 "
                                 "--outfile llama-3.1-70b-instruct-BF16.gguf; then llama-quantize "
                                 "llama-3.1-70b-instruct-BF16.gguf "
                                 "llama-3.1-70b-instruct-Q4_K_M.gguf Q4_K_M."),
                  "%s", p.steps[0].why);
    for (size_t i = 0; i < p.count; i++) {
        ck_assert(NULL == strstr(p.steps[i].command, "-hf "));
        ck_assert(NULL == strstr(p.steps[i].command, "GGUF"));
        /* said once, on the first step that runs the file */
        ck_assert(0 == i || NULL == strstr(p.steps[i].why, "convert_hf_to_gguf"));
    }

    /* LM Studio: nothing to download from, so no lms get at all. */
    in.runtime = EST_RUNTIME_LMSTUDIO;
    p = plan_for(&in, &n);
    for (size_t i = 0; i < p.count; i++)
        ck_assert_msg(NULL == strstr(p.steps[i].command, "lms get"), "%s", p.steps[i].command);

    /* MLX's llama.cpp alternative takes the same local route. */
    struct est_input m = seed_input();
    struct fix_names q = qwen_names;
    q.gguf_repo = NULL;
    q.gguf_quants = NULL;
    p = plan_for(&m, &q);
    const struct fix_step *last = &p.steps[p.count - 1];
    ck_assert(starts_with(last->command, "llama-server -m qwen2.5-32b-instruct-Q4_K_M.gguf -c "));
    ck_assert(NULL != strstr(last->why, "hf download Qwen/Qwen2.5-32B-Instruct --local-dir "
                                        "qwen2.5-32b-instruct;"));
}
END_TEST

/* A quant the repository does not hold is never named with it:
** Qwen/Qwen3-8B-GGUF has Q4_K_M and Q8_0, no Q3_K_M or Q5_K_M. */
START_TEST(test_fix_gguf_quant_missing_from_repo_is_never_named)
{
    struct est_model q3 = {0};
    /* Qwen/Qwen3-8B config.json (seed/models.json). */
    q3.params = 8190735360ull;
    q3.num_hidden_layers = 36;
    q3.hidden_size = 4096;
    q3.num_attention_heads = 32;
    q3.num_key_value_heads = 8;
    q3.head_dim = 128;
    q3.intermediate_size = 12288;
    q3.vocab_size = 151936;
    q3.max_position_embeddings = 40960;
    static const enum est_runtime rts[] = {EST_RUNTIME_LLAMACPP, EST_RUNTIME_LMSTUDIO};
    static const double gib[] = {4, 6, 8, 10, 12};
    bool named_q4 = false;
    for (size_t r = 0; r < sizeof rts / sizeof rts[0]; r++)
        for (size_t g = 0; g < sizeof gib / sizeof gib[0]; g++) {
            struct est_input in = rtx4090_input(rts[r], "Q8_0", 32768);
            in.model = q3;
            in.device.memory_gib = gib[g];
            struct est_result res = estimate(&in);
            if (EST_RUNS == res.verdict)
                continue;
            struct fix_plan p = plan_for(&in, &qwen3_names);
            for (size_t i = 0; i < p.count; i++) {
                const char *c = p.steps[i].command;
                static const char hf_at[] = "-hf Qwen/Qwen3-8B-GGUF:";
                static const char lms_at[] = "lms get https://huggingface.co/Qwen/Qwen3-8B-GGUF@";
                const char *hf = strstr(c, hf_at);
                const char *lms = strstr(c, lms_at);
                if (NULL != hf) {
                    const char *tag = hf + strlen(hf_at);
                    ck_assert_msg(starts_with(tag, "Q4_K_M") || starts_with(tag, "Q8_0"), "%s", c);
                    named_q4 = named_q4 || starts_with(tag, "Q4_K_M");
                }
                if (NULL != lms) {
                    const char *tag = lms + strlen(lms_at);
                    ck_assert_msg(0 == strcmp(tag, "q4_k_m") || 0 == strcmp(tag, "q8_0"), "%s", c);
                }
                ck_assert_msg(NULL == strstr(c, "Q3_") && NULL == strstr(c, "q3_") &&
                                  NULL == strstr(c, "Q5_") && NULL == strstr(c, "IQ") &&
                                  NULL == strstr(c, "Q2_") && NULL == strstr(c, "-m "),
                              "%s", c);
            }
        }
    ck_assert(named_q4);

    /* On 6 GiB the repository's Q4_K_M, not an unpublished Q3_K_M. */
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q8_0", 4096);
    in.model = q3;
    in.device.memory_gib = 6;
    struct fix_plan p = plan_for(&in, &qwen3_names);
    ck_assert_uint_ge(p.count, 1);
    ck_assert_str_eq(p.steps[0].command, "llama-server -hf Qwen/Qwen3-8B-GGUF:Q4_K_M -c 4096");
}
END_TEST

START_TEST(test_fix_ceiling_on_macos_13)
{
    struct est_input in = seed_input();
    in.os_version_major = 13;
    struct fix_plan p = plan_for(&in, &qwen_names);
    size_t k = p.count;
    for (size_t i = 0; i < p.count; i++)
        if (NULL != strstr(p.steps[i].command, "sysctl"))
            k = i;
    ck_assert_uint_lt(k, p.count);
    /* 26214 MiB in bytes, the Ventura knob. */
    ck_assert(starts_with(p.steps[k].command, "sudo sysctl debug.iogpu.wired_limit=27487371264\n"));
    /* Not offered when the limit is already set that high. */
    in.os_version_major = 0;
    in.wired_limit_mb = 26214;
    p = plan_for(&in, &qwen_names);
    for (size_t i = 0; i < p.count; i++)
        ck_assert(NULL == strstr(p.steps[i].command, "sysctl"));
}
END_TEST

START_TEST(test_fix_transformers_commands)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_TRANSFORMERS, NULL, 8192);
    struct fix_plan p = plan_for(&in, &qwen_names);
    ck_assert_uint_ge(p.count, 2);
    ck_assert_str_eq(p.steps[0].command,
                     "from transformers import AutoModelForCausalLM, BitsAndBytesConfig\n"
                     "model = AutoModelForCausalLM.from_pretrained(\"Qwen/Qwen2.5-32B-Instruct\", "
                     "quantization_config=BitsAndBytesConfig(load_in_4bit=True), "
                     "device_map=\"auto\")");
    /* The last step is llama.cpp with a GGUF that is estimated for llama.cpp. */
    const struct fix_step *last = &p.steps[p.count - 1];
    ck_assert(starts_with(last->command, "llama-server -hf Qwen/Qwen2.5-32B-Instruct-GGUF:"));
    ck_assert_int_ne(last->verdict_after, EST_WONT_RUN);
}
END_TEST

/* The page a user would hit, by runtime x backend x what does not fit. */
START_TEST(test_fix_error_id_mapping)
{
    struct {
        enum est_runtime rt;
        enum est_device_kind kind;
        enum est_backend backend;
        enum est_os os;
        double vram, ram;
        const char *quant;
        uint32_t context;
        const char *want;
    } cases[] = {
        /* weights do not fit on CUDA, not even with RAM */
        {EST_RUNTIME_LLAMACPP, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 8, 8, "Q8_0", 4096,
         "llamacpp-cuda-cudamalloc-oom"},
        /* weights fit on CUDA, the KV cache does not (and RAM is small) */
        {EST_RUNTIME_LLAMACPP, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 24, 4, "Q4_K_M",
         32768, "llamacpp-kv-cache-alloc-failed"},
        {EST_RUNTIME_LLAMACPP, EST_DEVICE_GPU, EST_BACKEND_ROCM, EST_OS_LINUX, 8, 8, "Q8_0", 4096,
         "rocm-hip-out-of-memory"},
        {EST_RUNTIME_LLAMACPP, EST_DEVICE_GPU, EST_BACKEND_VULKAN, EST_OS_WINDOWS, 8, 8, "Q8_0",
         4096, "vulkan-error-out-of-device-memory"},
        {EST_RUNTIME_LLAMACPP, EST_DEVICE_UNIFIED, EST_BACKEND_METAL, EST_OS_MACOS, 16, 16, "Q8_0",
         4096, "llamacpp-metal-buffer-alloc-failed"},
        {EST_RUNTIME_LMSTUDIO, EST_DEVICE_UNIFIED, EST_BACKEND_METAL, EST_OS_MACOS, 16, 16, "Q8_0",
         4096, "llamacpp-metal-buffer-alloc-failed"},
        {EST_RUNTIME_LMSTUDIO, EST_DEVICE_UNIFIED, EST_BACKEND_METAL, EST_OS_MACOS, 16, 16,
         "mlx-8bit", 4096, "metal-allocator-oom"},
        {EST_RUNTIME_LMSTUDIO, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_WINDOWS, 8, 8, "Q8_0", 4096,
         "lmstudio-insufficient-system-resources"},
        {EST_RUNTIME_OLLAMA, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 8, 8, "Q8_0", 4096,
         "ollama-requires-more-system-memory"},
        {EST_RUNTIME_OLLAMA, EST_DEVICE_UNIFIED, EST_BACKEND_METAL, EST_OS_MACOS, 16, 16, "Q8_0",
         4096, "llamacpp-metal-buffer-alloc-failed"},
        {EST_RUNTIME_MLX, EST_DEVICE_UNIFIED, EST_BACKEND_METAL, EST_OS_MACOS, 16, 16, "mlx-8bit",
         4096, "metal-allocator-oom"},
        {EST_RUNTIME_TRANSFORMERS, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 24, 64, "bf16",
         4096, "pytorch-cuda-oom"},
        {EST_RUNTIME_TRANSFORMERS, EST_DEVICE_UNIFIED, EST_BACKEND_METAL, EST_OS_MACOS, 32, 32,
         "bf16", 4096, "pytorch-mps-oom"},
        {EST_RUNTIME_TRANSFORMERS, EST_DEVICE_GPU, EST_BACKEND_ROCM, EST_OS_LINUX, 24, 64, "bf16",
         4096, "rocm-hip-out-of-memory"},
        /* vLLM: weights beyond the card fail while loading (PyTorch) */
        {EST_RUNTIME_VLLM, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 24, 64, "bf16", 4096,
         "pytorch-cuda-oom"},
        /* weights fill the 0.92 budget: no cache blocks */
        {EST_RUNTIME_VLLM, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 64, 128, "bf16", 4096,
         "vllm-no-available-memory-for-cache-blocks"},
        /* weights fit, the full context's KV does not */
        {EST_RUNTIME_VLLM, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 72, 128, "bf16",
         32768, "vllm-max-seq-len-exceeds-kv-cache"},
        /* above the trained 32,768 tokens vLLM refuses before it sizes anything */
        {EST_RUNTIME_VLLM, EST_DEVICE_GPU, EST_BACKEND_CUDA, EST_OS_LINUX, 80, 128, "bf16",
         1048576, "vllm-max-model-len-exceeds-derived"},
        /* CPU only */
        {EST_RUNTIME_LLAMACPP, EST_DEVICE_CPU, EST_BACKEND_CPU, EST_OS_LINUX, 8, 8, "Q8_0", 4096,
         "linux-oom-killer-killed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct est_input in = rtx4090_input(cases[i].rt, cases[i].quant, cases[i].context);
        in.device.kind = cases[i].kind;
        in.device.backend = cases[i].backend;
        in.device.memory_gib = cases[i].vram;
        in.device.system_ram_gib = cases[i].ram;
        in.os = cases[i].os;
        struct est_result r;
        ck_assert_msg(est_estimate(&in, &r) == EST_OK, "case %zu: estimate failed", i);
        ck_assert_msg(r.verdict == EST_WONT_RUN, "case %zu: verdict %s", i,
                      est_verdict_id(r.verdict));
        const char *id = fix_error_id(&in, &r);
        ck_assert_msg(NULL != id && 0 == strcmp(id, cases[i].want), "case %zu: %s, want %s", i,
                      NULL == id ? "(null)" : id, cases[i].want);
    }
}
END_TEST

/* vLLM above the trained context: refused whatever the memory; the plan
** caps --max-model-len at the trained context and nothing else is needed. */
START_TEST(test_fix_vllm_context_above_trained)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_VLLM, "bf16", 65536);
    in.model = qwen3_8b(); /* trained 40,960 */
    in.device.memory_gib = 80;
    struct est_result r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_WONT_RUN);
    ck_assert(r.warnings & EST_WARN_CONTEXT_REFUSED);
    ck_assert_int_ge(r.headroom_bytes, 0);
    ck_assert_str_eq(fix_error_id(&in, &r), "vllm-max-model-len-exceeds-derived");
    ck_assert_uint_eq(est_max_context(&in), 40960);
    struct fix_plan p = plan_for(&in, &qwen3_names);
    ck_assert_uint_ge(p.count, 1);
    ck_assert_str_eq(p.steps[0].command, "vllm serve Qwen/Qwen3-8B --max-model-len 40960");
    ck_assert_int_eq(p.steps[0].verdict_after, EST_RUNS);
    for (size_t i = 1; i < p.count; i++)
        ck_assert(0 == strncmp(p.steps[i].title, "Or ", 3));
    /* at the trained context: accepted */
    in.context = 40960;
    r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_RUNS);
    ck_assert(!(r.warnings & EST_WARN_CONTEXT_REFUSED));
}
END_TEST

START_TEST(test_fix_error_id_null_unless_wont_run)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q4_K_M", 32768);
    struct est_result r = estimate(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    ck_assert_ptr_null(fix_error_id(&in, &r));
    r.verdict = EST_TIGHT;
    ck_assert_ptr_null(fix_error_id(&in, &r));
    r.verdict = EST_RUNS;
    ck_assert_ptr_null(fix_error_id(&in, &r));
    ck_assert_ptr_null(fix_error_id(NULL, &r));
    ck_assert_ptr_null(fix_error_id(&in, NULL));
}
END_TEST

START_TEST(test_fix_plan_bad_arguments)
{
    struct est_input in = seed_input();
    struct est_result r = estimate(&in);
    struct fix_plan p;
    ck_assert_int_eq(fix_plan_build(NULL, &r, &qwen_names, &p), -1);
    ck_assert_uint_eq(p.count, 0);
    ck_assert_int_eq(fix_plan_build(&in, NULL, &qwen_names, &p), -1);
    ck_assert_int_eq(fix_plan_build(&in, &r, &qwen_names, NULL), -1);
    /* A model id too long for a command is refused, never truncated. */
    char longid[600];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    struct fix_names huge = {.model_id = longid, .hf_repo = "Qwen/Qwen2.5-32B-Instruct"};
    ck_assert_int_eq(fix_plan_build(&in, &r, &huge, &p), -1);
    ck_assert_uint_eq(p.count, 0);
}
END_TEST

/* Names typed for inline models never reach a shell command as they are. */
START_TEST(test_fix_names_with_shell_syntax_are_not_used)
{
    const struct fix_names evil = {.model_id = "x; rm -rf ~",
                                   .hf_repo = "Qwen/Qwen2.5-32B-Instruct $(id)",
                                   .ollama_tag = "q:32b`id`",
                                   .ollama_quant_tag = "q:32b-{quant}`id`",
                                   .ollama_quants = OLLAMA_ALL_QUANTS};
    struct est_input in = seed_input();
    struct fix_plan p = plan_for(&in, &evil);
    ck_assert_uint_ge(p.count, 3);
    for (size_t i = 0; i < p.count; i++) {
        ck_assert_msg(NULL == strpbrk(p.steps[i].command, ";$`~"), "%s", p.steps[i].command);
        ck_assert(NULL == strstr(p.steps[i].command, "rm -rf"));
    }
    ck_assert_str_eq(p.steps[0].command,
                     "mlx_lm.convert --hf-path ./model -q --q-bits 4 --mlx-path mlx_model");
    in = rtx4090_input(EST_RUNTIME_OLLAMA, "Q8_0", 32768);
    p = plan_for(&in, &evil);
    for (size_t i = 0; i < p.count; i++)
        ck_assert_msg(NULL == strpbrk(p.steps[i].command, ";`~") ||
                          starts_with(p.steps[i].command, "$env:"),
                      "%s", p.steps[i].command);
}
END_TEST

START_TEST(test_fix_expand_slots)
{
    const struct fix_slot slots[] = {{"ctx", "8192"}, {"quant", "Q4_K_M"}, {"empty", NULL}};
    char out[64];
    ck_assert_int_eq(fix_expand("llama-server -c {ctx} {quant}{empty}", slots, 3, out, sizeof out),
                     0);
    ck_assert_str_eq(out, "llama-server -c 8192 Q4_K_M");
    ck_assert_int_eq(fix_expand("{nope}", slots, 3, out, sizeof out), -1);
    ck_assert_str_eq(out, "");
    ck_assert_int_eq(fix_expand("unclosed {ctx", slots, 3, out, sizeof out), -1);
    /* exactly fits / one byte short */
    char small[5];
    ck_assert_int_eq(fix_expand("{ctx}", slots, 3, small, sizeof small), 0);
    ck_assert_str_eq(small, "8192");
    ck_assert_int_eq(fix_expand("x{ctx}", slots, 3, small, sizeof small), -1);
    ck_assert_str_eq(small, "");
}
END_TEST

/* Every template is current (FLAGS.md "Outdated" tables) and uses known slots. */
START_TEST(test_fix_command_table_is_current)
{
    static const char *const known[] = {"model",     "hf_repo", "gguf_repo", "quant",
                                        "quant_lower", "ollama_model", "bits", "mlx_path",
                                        "mlx_model", "ctx",     "args",      "env",
                                        "ngl",       "gpu_ratio", "wired_mb", "wired_bytes",
                                        "n_cpu_moe", "split",   "ubatch"};
    size_t n = 0;
    for (const struct fix_command_row *r; NULL != (r = fix_command_row_at(n)); n++) {
        ck_assert_ptr_nonnull(r->text);
        ck_assert(r->text[0] != '\0');
        ck_assert_msg(NULL == strstr(r->text, "mx.metal."), "row %zu", n);
        ck_assert_msg(NULL == strstr(r->text, "999"), "row %zu", n);
        ck_assert_msg(NULL == strstr(r->text, "--no-mmap") && NULL == strstr(r->text, "--mlock"),
                      "row %zu", n);
        ck_assert_msg(NULL == strstr(r->text, "huggingface-cli"), "row %zu", n);
        const char *fa = strstr(r->text, "-fa");
        if (NULL != fa)
            ck_assert_msg(starts_with(fa, "-fa on") || starts_with(fa, "-fa off") ||
                              starts_with(fa, "-fa auto"),
                          "row %zu: bare -fa", n);
        for (const char *p = strchr(r->text, '{'); NULL != p; p = strchr(p + 1, '{')) {
            const char *close = strchr(p, '}');
            ck_assert_ptr_nonnull(close);
            bool ok = false;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                ok = ok || (strlen(known[k]) == (size_t)(close - p - 1) &&
                            0 == strncmp(known[k], p + 1, (size_t)(close - p - 1)));
            ck_assert_msg(ok, "row %zu: unknown slot in %s", n, r->text);
        }
    }
    ck_assert_uint_gt(n, 20);
    ck_assert_ptr_null(fix_command_template(FIX_CMD_CEILING, EST_RUNTIME_MLX, EST_OS_LINUX,
                                            EST_BACKEND_CUDA, FIX_VAR_DEFAULT));
    ck_assert_str_eq(fix_command_template(FIX_CMD_HOGS, EST_RUNTIME_LLAMACPP, EST_OS_WINDOWS,
                                          EST_BACKEND_VULKAN, FIX_VAR_DEFAULT),
                     "tasklist /fi \"memusage gt 1000000\"");
}
END_TEST

/* The commands carry the sized context, and a cap step replaces it: Qwen3
** 8B at Q8_0 with 32,768 tokens on an 8 GiB card. */
START_TEST(test_fix_context_cap_replaces_the_sized_context)
{
    struct est_input in = rtx4090_input(EST_RUNTIME_LLAMACPP, "Q8_0", 32768);
    in.model = qwen3_8b();
    in.device.memory_gib = 8;
    struct fix_plan p = plan_for(&in, &qwen3_names);
    size_t cap = p.count;
    for (size_t i = 0; i < p.count; i++)
        if (0 == strncmp(p.steps[i].title, "Cap the context", 15))
            cap = i;
    ck_assert_msg(cap < p.count, "no context cap step");
    for (size_t i = 0; i < p.count; i++) {
        if (0 != strncmp(p.steps[i].command, "llama-server", 12))
            continue;
        ck_assert_msg((i < cap) == (NULL != strstr(p.steps[i].command, " -c 32768")),
                      "step %zu: %s", i + 1, p.steps[i].command);
    }
}
END_TEST

static Suite *fixes_suite(void)
{
    Suite *s = suite_create("fixes");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fix_seed_scenario_plan);
    tcase_add_test(tc, test_fix_seed_steps_are_cumulative);
    tcase_add_test(tc, test_fix_empty_plan_when_it_runs);
    tcase_add_test(tc, test_fix_llamacpp_cuda_commands);
    tcase_add_test(tc, test_fix_context_cap_replaces_the_sized_context);
    tcase_add_test(tc, test_fix_kv_first_when_weights_fit);
    tcase_add_test(tc, test_fix_ollama_commands_linux_and_windows);
    tcase_add_test(tc, test_fix_ollama_tag_spelling);
    tcase_add_test(tc, test_fix_ollama_pulls_only_published_quants);
    tcase_add_test(tc, test_fix_ollama_never_pulls_iq_quants);
    tcase_add_test(tc, test_fix_vllm_commands);
    tcase_add_test(tc, test_fix_inline_model_without_repo);
    tcase_add_test(tc, test_fix_offload_step_and_smaller_quant_when_nothing_fits);
    tcase_add_test(tc, test_fix_lmstudio_commands);
    tcase_add_test(tc, test_fix_ceiling_on_macos_13);
    tcase_add_test(tc, test_fix_transformers_commands);
    tcase_add_test(tc, test_fix_error_id_mapping);
    tcase_add_test(tc, test_fix_error_id_null_unless_wont_run);
    tcase_add_test(tc, test_fix_vllm_context_above_trained);
    tcase_add_test(tc, test_fix_plan_bad_arguments);
    tcase_add_test(tc, test_fix_names_with_shell_syntax_are_not_used);
    tcase_add_test(tc, test_fix_no_gguf_repo_runs_a_local_file);
    tcase_add_test(tc, test_fix_gguf_quant_missing_from_repo_is_never_named);
    tcase_add_test(tc, test_fix_expand_slots);
    tcase_add_test(tc, test_fix_command_table_is_current);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fixes_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* test_estimator.c: unit tests for the memory-footprint estimator (server/core/estimator*.c).
** KV, weights, budget, verdicts, searches (checked against brute force), errors and the
** seed scenario. No I/O beyond Check; the truth-table checks live in test_estimator_truth.c.
*/
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/estimator.h"
#include "core/estimator_internal.h"

#define GIB (1024ull * 1024ull * 1024ull)
#define MIB (1024ull * 1024ull)

/* ---- fixtures (Hugging Face config.json values) ------------------------------------ */

static struct est_model llama31_8b(void)
{
    return (struct est_model){.params = 8030261248ull,
                              .num_hidden_layers = 32,
                              .hidden_size = 4096,
                              .num_attention_heads = 32,
                              .num_key_value_heads = 8,
                              .head_dim = 128,
                              .intermediate_size = 14336,
                              .vocab_size = 128256,
                              .tie_word_embeddings = false,
                              .max_position_embeddings = 131072};
}

static struct est_model llama31_70b(void)
{
    return (struct est_model){.params = 70553706496ull,
                              .num_hidden_layers = 80,
                              .hidden_size = 8192,
                              .num_attention_heads = 64,
                              .num_key_value_heads = 8,
                              .head_dim = 128,
                              .intermediate_size = 28672,
                              .vocab_size = 128256,
                              .max_position_embeddings = 131072};
}

static struct est_model qwen25_32b(void)
{
    return (struct est_model){.params = 32763876352ull,
                              .num_hidden_layers = 64,
                              .hidden_size = 5120,
                              .num_attention_heads = 40,
                              .num_key_value_heads = 8,
                              .head_dim = 128,
                              .intermediate_size = 27648,
                              .vocab_size = 152064,
                              .tie_word_embeddings = false,
                              .max_position_embeddings = 32768};
}

/* Gemma-3-27B text stack: 52 of 62 layers use a 1024-token window. */
static struct est_model gemma3_27b(void)
{
    return (struct est_model){.params = 27009002240ull,
                              .num_hidden_layers = 62,
                              .hidden_size = 5376,
                              .num_attention_heads = 32,
                              .num_key_value_heads = 16,
                              .head_dim = 128,
                              .intermediate_size = 21504,
                              .vocab_size = 262144,
                              .tie_word_embeddings = true,
                              .max_position_embeddings = 131072,
                              .sliding_window = 1024,
                              .sliding_window_layers = 52};
}

/* DeepSeek-V3: MLA (kv_lora_rank 512, rope 64), 256 experts top-8 + 1 shared. */
static struct est_model deepseek_v3(void)
{
    return (struct est_model){.params = 671026419712ull,
                              .num_hidden_layers = 61,
                              .hidden_size = 7168,
                              .num_attention_heads = 128,
                              .num_key_value_heads = 128,
                              .intermediate_size = 18432,
                              .vocab_size = 129280,
                              .max_position_embeddings = 163840,
                              .num_experts = 256,
                              .num_experts_per_tok = 8,
                              .moe_intermediate_size = 2048,
                              .num_shared_experts = 1,
                              .kv_lora_rank = 512,
                              .qk_rope_head_dim = 64};
}

static struct est_model qwen3_30b_a3b(void)
{
    return (struct est_model){.params = 30532122624ull,
                              .num_hidden_layers = 48,
                              .hidden_size = 2048,
                              .num_attention_heads = 32,
                              .num_key_value_heads = 4,
                              .head_dim = 128,
                              .intermediate_size = 6144,
                              .vocab_size = 151936,
                              .max_position_embeddings = 40960,
                              .num_experts = 128,
                              .num_experts_per_tok = 8,
                              .moe_intermediate_size = 768};
}

static struct est_device gpu(double gib, double bw)
{
    return (struct est_device){.kind = EST_DEVICE_GPU,
                               .backend = EST_BACKEND_CUDA,
                               .memory_gib = gib,
                               .bandwidth_gbs = bw,
                               .system_ram_gib = 64,
                               .count = 1};
}

static struct est_device mac(double gib)
{
    return (struct est_device){.kind = EST_DEVICE_UNIFIED,
                               .backend = EST_BACKEND_METAL,
                               .memory_gib = gib,
                               .bandwidth_gbs = 400,
                               .system_ram_gib = gib,
                               .count = 1};
}

static struct est_input input(struct est_model m, const char *quant, uint32_t ctx,
                              struct est_device d, enum est_runtime rt)
{
    struct est_input in;
    memset(&in, 0, sizeof in);
    in.model = m;
    in.quant = quant ? est_quant_find(quant) : NULL;
    if (quant)
        ck_assert_msg(in.quant != NULL, "unknown quant %s", quant);
    in.context = ctx;
    in.device = d;
    in.runtime = rt;
    in.os = d.backend == EST_BACKEND_METAL ? EST_OS_MACOS : EST_OS_LINUX;
    in.kv_type = EST_KV_DEFAULT;
    in.flash_attention = EST_AUTO;
    in.batch = 1;
    return in;
}

static struct est_result run(const struct est_input *in)
{
    struct est_result r;
    enum est_status st = est_estimate(in, &r);
    ck_assert_msg(st == EST_OK, "est_estimate failed with %d", (int)st);
    return r;
}

static bool fits(enum est_verdict v)
{
    return v == EST_RUNS || v == EST_TIGHT;
}

/* ---- KV cache ------------------------------------------------------------------------- */

/* 32 layers x 2 x 8 KV heads x 128 x 2 bytes x 8192 = exactly 1 GiB. */
START_TEST(test_estimator_kv_llama31_8b_8192_f16_is_one_gib)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.kv_cache_bytes, GIB);
    ck_assert_uint_eq(r.kv_cells, 8192);
    ck_assert_int_eq(r.kv_type, EST_KV_F16);
    /* every runtime agrees on an unpadded 8192 */
    in.runtime = EST_RUNTIME_TRANSFORMERS;
    in.quant = NULL;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, GIB);
    in.runtime = EST_RUNTIME_VLLM;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, GIB);
    in.runtime = EST_RUNTIME_MLX;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, GIB);
}
END_TEST

START_TEST(test_estimator_kv_gqa_is_smaller_than_mha)
{
    struct est_input gqa = input(llama31_8b(), "Q4_K_M", 8192, gpu(80, 2000), EST_RUNTIME_LLAMACPP);
    struct est_input mha = gqa;
    mha.model.num_key_value_heads = 0; /* 0 = same as attention heads */
    struct est_input mha32 = gqa;
    mha32.model.num_key_value_heads = 32;
    ck_assert_uint_eq(run(&mha).kv_cache_bytes, 4 * run(&gqa).kv_cache_bytes);
    ck_assert_uint_eq(run(&mha32).kv_cache_bytes, 4 * GIB);
}
END_TEST

/* Mistral-Nemo: hidden 5120 / 32 heads = 160, but head_dim is 128. */
START_TEST(test_estimator_kv_uses_explicit_head_dim)
{
    struct est_model nemo = {.num_hidden_layers = 40,
                             .hidden_size = 5120,
                             .num_attention_heads = 32,
                             .num_key_value_heads = 8,
                             .head_dim = 128,
                             .intermediate_size = 14336,
                             .vocab_size = 131072,
                             .max_position_embeddings = 131072};
    struct est_input in = input(nemo, "Q4_K_M", 4096, gpu(80, 2000), EST_RUNTIME_LLAMACPP);
    struct est_result explicit_hd = run(&in);
    ck_assert_uint_eq(explicit_hd.kv_cache_bytes, 40ull * 2 * 8 * 128 * 2 * 4096);
    in.model.head_dim = 0;
    struct est_result derived = run(&in);
    ck_assert_uint_eq(derived.kv_cache_bytes, 40ull * 2 * 8 * 160 * 2 * 4096);
    /* Qwen3-style: head_dim larger than hidden / heads */
    struct est_model q3 = {.num_hidden_layers = 28,
                           .hidden_size = 1024,
                           .num_attention_heads = 16,
                           .num_key_value_heads = 8,
                           .head_dim = 128,
                           .intermediate_size = 3072,
                           .vocab_size = 151936,
                           .tie_word_embeddings = true};
    in.model = q3;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, 28ull * 2 * 8 * 128 * 2 * 4096);
}
END_TEST

/* llama.cpp sizes window layers at PAD(min(kv_size, n_swa * (unified ? n_seq_max : 1)
** + n_ubatch), 256) per stream; llama-server's default is 4 slots in a unified cache. */
START_TEST(test_estimator_kv_caps_sliding_window_layers)
{
    const uint64_t cell = 2ull * 16 * 128 * 2; /* K+V, 16 KV heads, f16 */
    struct est_input in = input(gemma3_27b(), "Q4_K_M", 32768, gpu(80, 2000), EST_RUNTIME_LLAMACPP);
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.kv_cells, 32768);
    /* 4 unified slots: 4 x 1024 + 512 = 4608 window cells */
    ck_assert_uint_eq(r.kv_cache_bytes, cell * (10ull * 32768 + 52ull * 4608));
    /* one stream per sequence (Ollama's -np) with num_batch 512 set: 1024 + 512,
    ** padded to 1536 */
    in.runtime = EST_RUNTIME_OLLAMA;
    in.ubatch = 512;
    r = run(&in);
    ck_assert_uint_eq(r.kv_cache_bytes, cell * (10ull * 32768 + 52ull * 1536));
    /* two sequences: two streams of each */
    in.batch = 2;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, 2 * cell * (10ull * 32768 + 52ull * 1536));
    /* Ollama's automatic num_batch for 32768 tokens is 1024: 1024 + 1024 */
    in.batch = 1;
    in.ubatch = 0;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, cell * (10ull * 32768 + 52ull * 2048));
    in.batch = 2;
    in.ubatch = 512;
    in.runtime = EST_RUNTIME_LLAMACPP; /* -np 2 -c 65536: no longer unified */
    ck_assert_uint_eq(run(&in).kv_cache_bytes, 2 * cell * (10ull * 32768 + 52ull * 1536));
    in.batch = 1;
    /* -ub 2048 widens the window cache: 4 x 1024 + 2048 = 6144 */
    in.ubatch = 2048;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, cell * (10ull * 32768 + 52ull * 6144));
    in.ubatch = 0;
    r = run(&in);
    /* far below the all-layers-global figure */
    ck_assert_uint_lt(r.kv_cache_bytes, cell * 62ull * 32768 / 3);

    /* context shorter than the window: every layer holds the context */
    in.context = 1024;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, cell * 62ull * 1024);

    /* mlx-lm and transformers keep exactly the window */
    in.context = 32768;
    in.runtime = EST_RUNTIME_TRANSFORMERS;
    in.quant = NULL;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, cell * (10ull * 32768 + 52ull * 1024));
    in.runtime = EST_RUNTIME_MLX;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, cell * (10ull * 32768 + 52ull * 1024));
}
END_TEST

/* MLA caches kv_lora_rank + qk_rope_head_dim per token and layer; transformers
** caches the decompressed heads. */
START_TEST(test_estimator_kv_mla_latent_cache)
{
    struct est_input in =
        input(deepseek_v3(), "Q4_K_M", 4096, gpu(141, 4800), EST_RUNTIME_LLAMACPP);
    in.device.count = 8;
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.kv_cache_bytes, 61ull * (512 + 64) * 2 * 4096); /* 70,272 B/token */
    in.runtime = EST_RUNTIME_VLLM;
    in.quant = est_quant_find("fp8");
    /* vLLM's tensor parallel keeps the whole latent on each of the 8 ranks */
    ck_assert_uint_eq(run(&in).kv_cache_bytes, 8ull * 61ull * (512 + 64) * 2 * 4096);
    in.runtime = EST_RUNTIME_TRANSFORMERS;
    in.quant = NULL;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, 61ull * 128 * (192 + 128) * 2 * 4096);
}
END_TEST

/* q8_0 = 34 bytes per 32 elements, q4_0 = 18 per 32, fp8 = 1 byte. */
START_TEST(test_estimator_kv_quantized_sizes)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    in.kv_type = EST_KV_Q8_0;
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.kv_cache_bytes, GIB / 64 * 34);
    ck_assert_int_eq(r.kv_type, EST_KV_Q8_0);
    ck_assert(r.flash_attention);
    in.kv_type = EST_KV_Q4_0;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, GIB / 64 * 18);
    in.kv_type = EST_KV_F32;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, 2 * GIB);
    in.runtime = EST_RUNTIME_VLLM;
    in.quant = NULL;
    in.kv_type = EST_KV_FP8;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, GIB / 2);
    /* mlx-lm --kv-bits 8 has the same 8.5 bits per element */
    in.runtime = EST_RUNTIME_MLX;
    in.kv_type = EST_KV_Q8_0;
    ck_assert_uint_eq(run(&in).kv_cache_bytes, GIB / 64 * 34);
}
END_TEST

START_TEST(test_estimator_kv_context_padding_per_runtime)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 5000, gpu(80, 2000), EST_RUNTIME_LLAMACPP);
    const uint64_t cell = 32ull * 2 * 8 * 128 * 2;
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.kv_cells, 5120); /* llama.cpp pads to 256 */
    ck_assert_uint_eq(r.kv_cache_bytes, cell * 5120);
    ck_assert_uint_eq(r.context, 5000);
    in.batch = 2;
    ck_assert_uint_eq(run(&in).kv_cells, 10240); /* per sequence, padded */
    in.batch = 1;
    in.quant = NULL;
    in.runtime = EST_RUNTIME_MLX; /* KVCache grows by 256 */
    ck_assert_uint_eq(run(&in).kv_cells, 5120);
    in.runtime = EST_RUNTIME_VLLM; /* 16-token blocks */
    ck_assert_uint_eq(run(&in).kv_cells, 5008);
    in.runtime = EST_RUNTIME_TRANSFORMERS; /* grows token by token */
    r = run(&in);
    ck_assert_uint_eq(r.kv_cells, 5000);
    ck_assert_uint_eq(r.kv_cache_bytes, cell * 5000);
}
END_TEST

/* ---- weights ------------------------------------------------------------------------- */

START_TEST(test_estimator_weights_known_files)
{
    /* bartowski Qwen2.5-32B-Instruct-Q4_K_M.gguf: 19,851,336,576 bytes with
    ** its metadata; llama-quantize's Llama-3-8B table: Q4_K_M 4.58 GiB,
    ** Q8_0 7.96 GiB. */
    struct est_input in = input(qwen25_32b(), "Q4_K_M", 4096, gpu(80, 2000), EST_RUNTIME_LLAMACPP);
    double w = (double)run(&in).weights_bytes;
    ck_assert_msg(fabs(w / 19851336576.0 - 1) < 0.01, "Qwen2.5-32B Q4_K_M %.0f", w);
    in.model = llama31_8b();
    w = (double)run(&in).weights_bytes / GIB;
    ck_assert_msg(fabs(w / 4.58 - 1) < 0.01, "Llama-3-8B Q4_K_M %.3f GiB", w);
    in.quant = est_quant_find("Q8_0");
    w = (double)run(&in).weights_bytes / GIB;
    ck_assert_msg(fabs(w / 7.96 - 1) < 0.01, "Llama-3-8B Q8_0 %.3f GiB", w);
    in.quant = est_quant_find("Q2_K");
    w = (double)run(&in).weights_bytes / GIB;
    ck_assert_msg(fabs(w / 2.96 - 1) < 0.02, "Llama-3-8B Q2_K %.3f GiB", w);
}
END_TEST

/* MLX affine 4-bit group 64 = 4.5 bits for every matrix (embedding and
** lm_head included), norms 16-bit. */
START_TEST(test_estimator_weights_mlx_affine)
{
    struct est_model m = qwen25_32b();
    m.params = 0; /* exact shape, no bias reconciliation */
    struct est_input in = input(m, "mlx-4bit", 4096, mac(128), EST_RUNTIME_MLX);
    struct est_result r = run(&in);
    const uint64_t matrices = 32762757120ull, norms = 64ull * 2 * 5120 + 5120;
    ck_assert_uint_eq(r.weights_bytes, matrices / 64 * 36 + norms * 2);
    ck_assert(r.warnings & EST_WARN_PARAMS_DERIVED);
    in.quant = est_quant_find("mlx-8bit");
    ck_assert_uint_eq(run(&in).weights_bytes, matrices / 64 * 68 + norms * 2);
    in.quant = est_quant_find("bf16");
    ck_assert_uint_eq(run(&in).weights_bytes, (matrices + norms) * 2);
}
END_TEST

/* HF formats: FP8 and AWQ keep embeddings and lm_head in 16 bits. */
START_TEST(test_estimator_weights_hf_quantized)
{
    struct est_input in = input(llama31_8b(), "fp8", 4096, gpu(80, 2000), EST_RUNTIME_VLLM);
    double fp8 = (double)run(&in).weights_bytes / 1e9;
    ck_assert_msg(fp8 > 8.8 && fp8 < 9.3, "fp8 %.2f GB", fp8); /* published FP8 8B: ~9.08 GB */
    in.quant = est_quant_find("awq-int4");
    double awq = (double)run(&in).weights_bytes / 1e9;
    ck_assert_msg(awq > 5.5 && awq < 6.0, "awq %.2f GB", awq); /* published AWQ 8B: ~5.73 GB */
    in.quant = est_quant_find("gptq-int4");
    double gptq = (double)run(&in).weights_bytes / 1e9;
    ck_assert(gptq > awq && gptq < awq * 1.01);
    in.quant = NULL;
    ck_assert_uint_eq(run(&in).weights_bytes, 2 * 8030261248ull);
}
END_TEST

/* MoE: all experts are resident; decode reads only the active ones. */
START_TEST(test_estimator_weights_moe_resident_speed_active)
{
    struct est_input moe =
        input(qwen3_30b_a3b(), "Q4_K_M", 4096, gpu(48, 1000), EST_RUNTIME_LLAMACPP);
    struct est_input dense =
        input(qwen25_32b(), "Q4_K_M", 4096, gpu(48, 1000), EST_RUNTIME_LLAMACPP);
    struct est_result rm = run(&moe), rd = run(&dense);
    double gib = (double)rm.weights_bytes / GIB;
    ck_assert_msg(gib > 16.5 && gib < 18.0, "Qwen3-30B-A3B Q4_K_M %.2f GiB",
                  gib); /* file: 17.3 GiB */
    ck_assert_double_gt(rm.tokens_per_second, 3.5 * rd.tokens_per_second);
    /* DeepSeek-V3 Q4_K_M: ~377 GiB */
    struct est_input ds =
        input(deepseek_v3(), "Q4_K_M", 4096, gpu(141, 4800), EST_RUNTIME_LLAMACPP);
    ds.device.count = 8;
    gib = (double)run(&ds).weights_bytes / GIB;
    ck_assert_msg(gib > 360 && gib < 395, "DeepSeek-V3 Q4_K_M %.1f GiB", gib);
}
END_TEST

/* ---- budget -------------------------------------------------------------------------- */

START_TEST(test_estimator_apple_ceiling_values)
{
    /* macOS 13-15: 2/3 up to 36 GiB, 3/4 above */
    ck_assert_uint_eq(est_apple_working_set_bytes(32, 14, 0), 22906492245ull); /* 21.33 GiB */
    ck_assert_uint_eq(est_apple_working_set_bytes(16, 13, 5), 11453246122ull); /* 10922.67 MiB */
    ck_assert_uint_eq(est_apple_working_set_bytes(36, 15, 0), 24 * GIB);
    ck_assert_uint_eq(est_apple_working_set_bytes(64, 14, 0), 48 * GIB);
    ck_assert_uint_eq(est_apple_working_set_bytes(96, 15, 6), 72 * GIB);
    /* current macOS (0): the interpolated table */
    ck_assert_uint_eq(est_apple_working_set_bytes(16, 0, 0), (uint64_t)(0.74 * 16 * GIB + 0.5));
    ck_assert_uint_eq(est_apple_working_set_bytes(48, 26, 0), (uint64_t)(0.78 * 48 * GIB + 0.5));
    ck_assert_uint_eq(est_apple_working_set_bytes(128, 0, 0), (uint64_t)(0.84 * 128 * GIB + 0.5));
    double f32 = (double)est_apple_working_set_bytes(32, 0, 0) / (32.0 * GIB);
    ck_assert(f32 > 0.74 && f32 < 0.78);
    /* larger than the old rule, monotonic in RAM */
    uint64_t prev = 0;
    for (double g = 8; g <= 512; g += 8) {
        uint64_t ws = est_apple_working_set_bytes(g, 0, 0);
        ck_assert_uint_gt(ws, prev);
        ck_assert_uint_ge(ws, est_apple_working_set_bytes(g, 14, 0));
        ck_assert_uint_lt(ws, (uint64_t)(g * GIB));
        prev = ws;
    }
    ck_assert_uint_eq(est_apple_working_set_bytes(0, 0, 0), 0);
    ck_assert_uint_eq(est_apple_working_set_bytes(NAN, 0, 0), 0);
}
END_TEST

START_TEST(test_estimator_budget_apple_wired_limit_and_warning)
{
    struct est_input in = input(llama31_8b(), "mlx-4bit", 4096, mac(32), EST_RUNTIME_MLX);
    uint64_t mem = 0, usable = 0;
    const char *basis = NULL;
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(mem, 32 * GIB);
    ck_assert_uint_eq(usable, est_apple_working_set_bytes(32, 0, 0));
    ck_assert_ptr_nonnull(basis);
    ck_assert(run(&in).warnings & EST_WARN_CEILING_APPROXIMATE);

    in.os_version_major = 14;
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, 22906492245ull);
    ck_assert(!(run(&in).warnings & EST_WARN_CEILING_APPROXIMATE));

    in.os_version_major = 0;
    in.wired_limit_mb = 26000; /* sudo sysctl iogpu.wired_limit_mb=26000 */
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, 26000 * MIB);
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.usable_bytes, 26000 * MIB);
    ck_assert(!(r.warnings & EST_WARN_CEILING_APPROXIMATE));
    in.wired_limit_mb = 64000; /* above RAM: capped at RAM */
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, 32 * GIB);
}
END_TEST

START_TEST(test_estimator_budget_gpu_cpu_windows_vllm)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 4096, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    uint64_t mem, linux_usable, win_usable, usable;
    const char *basis;
    est_budget(&in, &mem, &linux_usable, &basis);
    ck_assert_uint_eq(mem, 24 * GIB);
    /* minus the runtime context and the 1 GiB llama-server --fit keeps free */
    ck_assert_uint_eq(linux_usable, 24 * GIB - 457 * MIB - 1024 * MIB);
    ck_assert_ptr_nonnull(strstr(basis, "--fit"));
    in.os = EST_OS_WINDOWS;
    est_budget(&in, &mem, &win_usable, &basis);
    ck_assert_uint_eq(win_usable, linux_usable - 24 * GIB / 100 * 15); /* WDDM */
    in.os = EST_OS_LINUX;
    in.device.count = 2;
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(mem, 48 * GIB);
    ck_assert_uint_eq(usable, 2 * linux_usable);
    in.device.count = 1;
    in.runtime = EST_RUNTIME_OLLAMA; /* launches llama-server: the same margin */
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, linux_usable);
    in.runtime = EST_RUNTIME_LMSTUDIO; /* its own engine: no --fit margin */
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, 24 * GIB - 457 * MIB);
    ck_assert_ptr_null(strstr(basis, "--fit"));
    in.runtime = EST_RUNTIME_VLLM;
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, (uint64_t)(24.0 * GIB * 0.92 + 0.5));
    /* CPU: RAM minus 2.5 GiB + 10 % */
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.device = (struct est_device){.kind = EST_DEVICE_CPU,
                                    .backend = EST_BACKEND_CPU,
                                    .memory_gib = 64,
                                    .bandwidth_gbs = 80,
                                    .count = 1};
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(mem, 64 * GIB);
    /* no device with its own memory: llama-server's fit keeps no margin */
    ck_assert_uint_eq(usable, 64 * GIB - 5 * GIB / 2 - 64 * GIB / 100 * 10);
    /* Metal: the working-set ceiling minus the margin */
    in.device = mac(32);
    in.os = EST_OS_MACOS;
    in.os_version_major = 15;
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, est_apple_working_set_bytes(32, 15, 0) - 1024 * MIB);
    in.runtime = EST_RUNTIME_MLX;
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, est_apple_working_set_bytes(32, 15, 0));
}
END_TEST

/* ---- verdicts -------------------------------------------------------------------------- */

/* runs: at least 10 % of the usable budget left; tight: less; then offload or
** wont_run. The device is sized around the estimate's own total. */
START_TEST(test_estimator_verdict_thresholds)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192, gpu(80, 1000), EST_RUNTIME_LLAMACPP);
    const uint64_t total = run(&in).total_bytes;
    /* the runtime context and the --fit margin the budget removes */
    const uint64_t ctx = 457 * MIB + 1024 * MIB;
    /* usable = total * 10 / 9 rounded up: headroom >= usable / 10 */
    uint64_t usable = (total * 10 + 8) / 9;
    in.device.memory_gib = (double)(usable + ctx) / GIB;
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.usable_bytes, usable);
    ck_assert_int_eq(r.verdict, EST_RUNS);
    ck_assert_int_eq(r.headroom_bytes, (int64_t)(usable - total));
    /* 1 MiB less: under 10 % left */
    in.device.memory_gib = (double)(usable - MIB + ctx) / GIB;
    ck_assert_int_eq(run(&in).verdict, EST_TIGHT);
    /* exactly full */
    in.device.memory_gib = (double)(total + ctx) / GIB;
    r = run(&in);
    ck_assert_int_eq(r.verdict, EST_TIGHT);
    ck_assert_int_eq(r.headroom_bytes, 0);
    /* one MiB short: llama.cpp keeps a layer in RAM */
    in.device.memory_gib = (double)(total - MIB + ctx) / GIB;
    r = run(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    ck_assert_int_lt(r.headroom_bytes, 0);
    ck_assert_uint_lt(r.gpu_layers_offloaded, r.gpu_layers_total);
    /* ... while vLLM cannot */
    struct est_input v = input(llama31_8b(), NULL, 8192, gpu(48, 1000), EST_RUNTIME_VLLM);
    uint64_t vt = run(&v).total_bytes;
    v.device.memory_gib = (double)vt / 0.92 / GIB * 0.99;
    ck_assert_int_eq(run(&v).verdict, EST_WONT_RUN);
}
END_TEST

/* The seed scenario: Qwen2.5-32B-Instruct on a 32 GiB Mac with MLX. */
START_TEST(test_estimator_seed_scenario_qwen32b_mlx_32gb)
{
    struct est_input in = input(qwen25_32b(), "mlx-8bit", 32768, mac(32), EST_RUNTIME_MLX);
    struct est_result r8 = run(&in);
    ck_assert_int_eq(r8.verdict, EST_WONT_RUN);
    ck_assert_uint_gt(r8.weights_bytes, 32 * GIB); /* 8.5 bpw x 32.8 B params */
    ck_assert_uint_eq(r8.kv_cache_bytes, 8 * GIB); /* 64 x 2 x 8 x 128 x 2 B x 32768 */
    ck_assert_int_eq(r8.kv_type, EST_KV_BF16);

    in.quant = est_quant_find("mlx-4bit");
    struct est_result r4 = run(&in);
    ck_assert_int_eq(r4.verdict, EST_WONT_RUN); /* 17.2 GiB + 8 GiB KV > ~24.1 GiB */
    uint32_t mc = est_max_context(&in);
    ck_assert_uint_gt(mc, 16384);
    ck_assert_uint_lt(mc, 32768);
    ck_assert_uint_eq(mc % 256, 0);
    in.context = mc;
    struct est_result at = run(&in);
    ck_assert(fits(at.verdict));
    in.context = mc + 256;
    ck_assert(!fits(run(&in).verdict));
    printf("seed mlx-4bit: weights %llu kv@%u %llu compute %llu overhead %llu usable %llu "
           "max_context %u\n",
           (unsigned long long)at.weights_bytes, mc, (unsigned long long)at.kv_cache_bytes,
           (unsigned long long)at.compute_bytes, (unsigned long long)at.overhead_bytes,
           (unsigned long long)at.usable_bytes, mc);
    /* at 32k the best MLX quant that fits is smaller than 4 bits */
    in.context = 32768;
    const struct est_quant *best = est_best_quant(&in);
    ck_assert_ptr_nonnull(best);
    ck_assert_uint_lt(best->quality, est_quant_find("mlx-4bit")->quality);
    /* on macOS 14 the ceiling is 21.33 GiB: less context */
    in.os_version_major = 14;
    ck_assert_uint_lt(est_max_context(&in), mc);
}
END_TEST

START_TEST(test_estimator_llama8b_q4km_24gb_cuda_runs)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    struct est_result r = run(&in);
    ck_assert_int_eq(r.verdict, EST_RUNS);
    ck_assert_uint_eq(r.gpu_layers_offloaded, 33);
    ck_assert_uint_eq(r.gpu_layers_total, 33);
    ck_assert(r.flash_attention);
    ck_assert_uint_eq(r.total_bytes,
                      r.weights_bytes + r.kv_cache_bytes + r.compute_bytes + r.overhead_bytes);
    ck_assert_int_eq(r.headroom_bytes, (int64_t)r.usable_bytes - (int64_t)r.total_bytes);
    ck_assert_double_gt(r.tokens_per_second, 50);
    ck_assert_double_lt(r.tokens_per_second, 200);
    ck_assert_ptr_nonnull(r.speed_basis);
    ck_assert_ptr_nonnull(r.budget_basis);
}
END_TEST

START_TEST(test_estimator_offload_splits_layers)
{
    struct est_input in = input(llama31_70b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    struct est_result r = run(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    ck_assert_uint_eq(r.gpu_layers_total, 81);
    ck_assert_uint_gt(r.gpu_layers_offloaded, 20);
    ck_assert_uint_lt(r.gpu_layers_offloaded, 80);
    ck_assert_double_gt(r.tokens_per_second, 0);
    /* more VRAM, more layers */
    in.device.memory_gib = 32;
    struct est_result r32 = run(&in);
    ck_assert_uint_gt(r32.gpu_layers_offloaded, r.gpu_layers_offloaded);
    ck_assert_double_gt(r32.tokens_per_second, r.tokens_per_second);
    /* not enough system RAM for the rest */
    in.device.memory_gib = 24;
    in.device.system_ram_gib = 16;
    ck_assert_int_eq(run(&in).verdict, EST_WONT_RUN);
    /* two GPUs hold it all */
    in.device.system_ram_gib = 64;
    in.device.count = 2;
    r = run(&in);
    ck_assert(fits(r.verdict));
    ck_assert_uint_eq(r.gpu_layers_offloaded, 81);
    /* runtimes that cannot split layers */
    in.device.count = 1;
    in.runtime = EST_RUNTIME_VLLM;
    in.quant = est_quant_find("awq-int4");
    r = run(&in);
    ck_assert_int_eq(r.verdict, EST_WONT_RUN);
    ck_assert_double_eq(r.tokens_per_second, 0);
    struct est_input m = input(llama31_70b(), "mlx-4bit", 8192, mac(32), EST_RUNTIME_MLX);
    ck_assert_int_eq(run(&m).verdict, EST_WONT_RUN);
    /* llama.cpp on a Mac: beyond the GPU ceiling, layers run on the CPU from the
    ** same RAM while the total stays under RAM minus the OS reserve */
    struct est_input l = input(qwen25_32b(), "Q4_K_M", 16384, mac(32), EST_RUNTIME_LLAMACPP);
    l.os_version_major = 14; /* 21.33 GiB ceiling */
    r = run(&l);
    ck_assert_uint_gt(r.total_bytes, r.usable_bytes);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    l.context = 32768;
    ck_assert_int_eq(run(&l).verdict, EST_WONT_RUN);
}
END_TEST

START_TEST(test_estimator_cpu_only_runs)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192,
                                (struct est_device){.kind = EST_DEVICE_CPU,
                                                    .backend = EST_BACKEND_CPU,
                                                    .memory_gib = 16,
                                                    .bandwidth_gbs = 60,
                                                    .count = 1},
                                EST_RUNTIME_LLAMACPP);
    struct est_result r = run(&in);
    ck_assert(fits(r.verdict));
    ck_assert_uint_eq(r.gpu_layers_offloaded, 0);
    ck_assert_uint_eq(r.overhead_bytes, 100 * MIB);
    in.model = llama31_70b();
    ck_assert_int_eq(run(&in).verdict, EST_WONT_RUN); /* no accelerator: nothing to offload */
    /* a GPU box told to run on its CPU uses system RAM */
    in.model = llama31_8b();
    in.device = gpu(8, 300);
    in.device.backend = EST_BACKEND_CPU;
    in.device.system_ram_gib = 32;
    r = run(&in);
    ck_assert_uint_eq(r.memory_bytes, 32 * GIB);
    ck_assert(fits(r.verdict));
}
END_TEST

/* LM Studio runs MLX quants in its MLX engine: sized exactly like mlx-lm. */
START_TEST(test_estimator_lmstudio_mlx_engine_matches_mlx)
{
    struct est_input in = input(qwen25_32b(), "mlx-4bit", 16384, mac(32), EST_RUNTIME_MLX);
    struct est_result mlx = run(&in);
    in.runtime = EST_RUNTIME_LMSTUDIO;
    struct est_result lms = run(&in);
    ck_assert_uint_eq(lms.total_bytes, mlx.total_bytes);
    ck_assert_uint_eq(lms.kv_cache_bytes, mlx.kv_cache_bytes);
    ck_assert_int_eq(lms.kv_type, EST_KV_BF16);
    ck_assert_uint_eq(lms.gpu_layers_total, 64);
    in.context = 32768; /* beyond the ceiling: the MLX engine cannot offload */
    ck_assert_int_eq(run(&in).verdict, EST_WONT_RUN);
    in.quant = est_quant_find("Q4_K_M"); /* its llama.cpp engine can */
    in.os_version_major = 14;
    in.context = 16384;
    ck_assert_int_eq(run(&in).verdict, EST_OFFLOAD);
}
END_TEST

/* ---- searches -------------------------------------------------------------------------- */

START_TEST(test_estimator_max_context_exact_and_monotonic)
{
    struct est_input in = input(qwen25_32b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    uint32_t mc = est_max_context(&in);
    ck_assert_uint_gt(mc, 8192);
    ck_assert_uint_lt(mc, 32768);
    ck_assert_uint_eq(mc % 256, 0);
    in.context = mc;
    ck_assert(fits(run(&in).verdict));
    in.context = mc + 256;
    ck_assert(!fits(run(&in).verdict));
    /* monotonic in memory and in KV type */
    uint32_t prev = 0;
    for (double g = 20; g <= 30; g += 1) {
        in.device.memory_gib = g;
        uint32_t m = est_max_context(&in);
        ck_assert_uint_ge(m, prev);
        prev = m;
    }
    in.device.memory_gib = 24;
    in.kv_type = EST_KV_Q8_0;
    ck_assert_uint_gt(est_max_context(&in), mc);
    /* capped at the trained context, or at the caller's larger request */
    in.kv_type = EST_KV_DEFAULT;
    in.device.memory_gib = 80;
    in.context = 0;
    ck_assert_uint_eq(est_max_context(&in), 32768);
    in.context = 65536;
    ck_assert_uint_eq(est_max_context(&in), 65536);
    /* nothing fits */
    in.device.memory_gib = 8;
    in.device.system_ram_gib = 8;
    ck_assert_uint_eq(est_max_context(&in), 0);
    /* vLLM searches in 16-token blocks */
    struct est_input v = input(llama31_8b(), NULL, 0, gpu(24, 1008), EST_RUNTIME_VLLM);
    uint32_t vm = est_max_context(&v);
    ck_assert_uint_eq(vm % 16, 0);
    ck_assert_uint_gt(vm, 0);
    v.context = vm;
    ck_assert(fits(run(&v).verdict));
    v.context = vm + 16;
    ck_assert(!fits(run(&v).verdict));
    ck_assert_uint_eq(est_max_context(NULL), 0);
}
END_TEST

START_TEST(test_estimator_best_quant)
{
    struct est_input in = input(qwen25_32b(), "Q8_0", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    const struct est_quant *best = est_best_quant(&in);
    ck_assert_ptr_nonnull(best);
    ck_assert(est_quant_runs_on(best, EST_RUNTIME_LLAMACPP));
    in.quant = best;
    ck_assert(fits(run(&in).verdict));
    /* no better quant the runtime loads fits */
    for (size_t i = 0; i < est_quant_count(); i++) {
        const struct est_quant *q = est_quant_at(i);
        if (!est_quant_runs_on(q, EST_RUNTIME_LLAMACPP) || q->quality <= best->quality)
            continue;
        in.quant = q;
        ck_assert_msg(!fits(run(&in).verdict), "%s fits but %s was chosen", q->id, best->id);
    }
    in.device.memory_gib = 80;
    ck_assert_str_eq(est_best_quant(&in)->id, "bf16");
    in.device.memory_gib = 4;
    ck_assert_ptr_null(est_best_quant(&in));
    /* MLX picks among MLX quants and 16-bit */
    struct est_input m = input(qwen25_32b(), NULL, 8192, mac(64), EST_RUNTIME_MLX);
    best = est_best_quant(&m);
    ck_assert_ptr_nonnull(best);
    ck_assert(est_quant_runs_on(best, EST_RUNTIME_MLX));
    ck_assert_str_eq(best->id, "mlx-8bit");
}
END_TEST

/* ---- the searches against brute force ------------------------------------------------- */

/* The searches prepare an input once and size the layers class by class;
** these brute-force loops over est_estimate (and over every layer) pin their
** answers to the plain definitions. */

/* Mixtral-8x7B shape (8 experts: the llama.cpp type rules that test
** n_expert == 8); params derived from the shape. */
static struct est_model mixtral_8x7b(void)
{
    return (struct est_model){.num_hidden_layers = 32,
                              .hidden_size = 4096,
                              .num_attention_heads = 32,
                              .num_key_value_heads = 8,
                              .head_dim = 128,
                              .intermediate_size = 14336,
                              .vocab_size = 32000,
                              .max_position_embeddings = 32768,
                              .num_experts = 8,
                              .num_experts_per_tok = 2};
}

static struct est_device cpu_box(double gib)
{
    return (struct est_device){.kind = EST_DEVICE_CPU,
                               .backend = EST_BACKEND_CPU,
                               .memory_gib = gib,
                               .bandwidth_gbs = 90,
                               .system_ram_gib = gib,
                               .count = 1};
}

#define SEARCH_MODELS 7
#define SEARCH_DEVICES 6

static struct est_model search_model(int i)
{
    switch (i) {
    case 0:
        return llama31_8b();
    case 1:
        return llama31_70b();
    case 2:
        return qwen25_32b();
    case 3:
        return gemma3_27b();
    case 4:
        return deepseek_v3();
    case 5:
        return qwen3_30b_a3b();
    default:
        return mixtral_8x7b();
    }
}

static struct est_device search_device(int i)
{
    switch (i) {
    case 0:
        return gpu(8, 272);
    case 1:
        return gpu(24, 1008);
    case 2:
        return gpu(80, 3350);
    case 3:
        return mac(16);
    case 4:
        return mac(64);
    default:
        return cpu_box(64);
    }
}

/* A quant other than the default for some cases (LM Studio's MLX engine on
** the Macs). */
static const char *search_quant(enum est_runtime rt, int d)
{
    switch (rt) {
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
        return d % 2 ? "Q8_0" : d == 2 ? "IQ2_XS" : NULL;
    case EST_RUNTIME_LMSTUDIO:
        return d == 3 || d == 4 ? "mlx-4bit" : d == 1 ? "Q3_K_M" : NULL;
    case EST_RUNTIME_MLX:
        return d % 2 ? "mlx-8bit" : NULL;
    case EST_RUNTIME_TRANSFORMERS:
    case EST_RUNTIME_VLLM:
    case EST_RUNTIME_COUNT:
    default:
        return d % 2 ? "fp8" : d == 2 ? "awq-int4" : NULL;
    }
}

static bool fits_at(struct est_input *in, uint32_t context)
{
    struct est_result r;
    in->context = context;
    return est_estimate(in, &r) == EST_OK && fits(r.verdict);
}

/* est_max_context by definition: the largest context at the runtime's
** granularity, up to the cap, for which est_estimate answers runs or tight. */
static uint32_t max_context_scan(const struct est_input *in)
{
    struct est_input q = *in;
    uint64_t cap =
        in->model.max_position_embeddings ? in->model.max_position_embeddings : EST_CONTEXT_MAX;
    if (in->context > cap)
        cap = in->context;
    if (cap > EST_CONTEXT_MAX)
        cap = EST_CONTEXT_MAX;
    const uint32_t step = in->runtime == EST_RUNTIME_VLLM ? 16 : 256;
    if (cap < step)
        return fits_at(&q, (uint32_t)cap) ? (uint32_t)cap : 0;
    for (uint32_t k = (uint32_t)(cap / step); k >= 1; k--)
        if (fits_at(&q, k * step))
            return k * step;
    return 0;
}

/* est_best_quant by definition: of every quant the runtime loads, the
** highest quality one for which est_estimate answers runs or tight. */
/* Every quant at in->context; without one, at the context est_estimate
** reports for the question as asked (est_best_quant's contract). */
static const struct est_quant *best_quant_scan(const struct est_input *in)
{
    struct est_input q = *in;
    const struct est_quant *best = NULL;
    if (q.context == 0) {
        struct est_result r0;
        if (est_estimate(in, &r0) != EST_OK)
            return NULL;
        q.context = r0.context;
    }
    for (size_t i = 0; i < est_quant_count(); i++) {
        const struct est_quant *cand = est_quant_at(i);
        struct est_result r;
        q.quant = cand;
        if (est_quant_runs_on(cand, in->runtime) && est_estimate(&q, &r) == EST_OK &&
            fits(r.verdict) && (best == NULL || cand->quality > best->quality))
            best = cand;
    }
    return best;
}

START_TEST(test_estimator_max_context_matches_linear_scan)
{
    int cases = 0, nonzero = 0;
    for (int m = 0; m < SEARCH_MODELS; m++)
        for (int d = 0; d < SEARCH_DEVICES; d++)
            for (int rt = 0; rt < EST_RUNTIME_COUNT; rt++) {
                struct est_input in = input(search_model(m), search_quant((enum est_runtime)rt, d),
                                            4096, search_device(d), (enum est_runtime)rt);
                if (rt == EST_RUNTIME_LLAMACPP && d == 1)
                    in.kv_type = EST_KV_Q8_0; /* and one non-default cache */
                uint32_t got = est_max_context(&in);
                uint32_t want = max_context_scan(&in);
                ck_assert_msg(got == want, "model %d device %d runtime %s: %u, scan %u", m, d,
                              est_runtime_id((enum est_runtime)rt), got, want);
                cases++;
                nonzero += got > 0;
            }
    /* the grid covers both answers */
    ck_assert_int_gt(nonzero, cases / 4);
    ck_assert_int_lt(nonzero, cases);
}
END_TEST

START_TEST(test_estimator_best_quant_matches_brute_force)
{
    static const uint32_t contexts[] = {0, 4096, 32768, 131072};
    int found = 0, none = 0;
    for (int m = 0; m < SEARCH_MODELS; m++)
        for (int d = 0; d < SEARCH_DEVICES; d++)
            for (int rt = 0; rt < EST_RUNTIME_COUNT; rt++)
                for (size_t c = 0; c < sizeof contexts / sizeof contexts[0]; c++) {
                    struct est_input in = input(search_model(m), NULL, contexts[c],
                                                search_device(d), (enum est_runtime)rt);
                    const struct est_quant *got = est_best_quant(&in);
                    const struct est_quant *want = best_quant_scan(&in);
                    ck_assert_msg(got == want, "model %d device %d runtime %s ctx %u: %s, scan %s",
                                  m, d, est_runtime_id((enum est_runtime)rt), contexts[c],
                                  got ? got->id : "none", want ? want->id : "none");
                    if (got)
                        found++;
                    else
                        none++;
                }
    ck_assert_int_gt(found, 0);
    ck_assert_int_gt(none, 0);
}
END_TEST

/* est_best_quant takes the first table row that fits. */
START_TEST(test_estimator_quant_table_in_quality_order)
{
    for (size_t i = 1; i < est_quant_count(); i++)
        ck_assert_msg(est_quant_at(i - 1)->quality > est_quant_at(i)->quality,
                      "%s is not above %s in quality", est_quant_at(i - 1)->id,
                      est_quant_at(i)->id);
}
END_TEST

/* The weight sums size a few layer classes; summing every layer sized on its
** own gives the same bytes, for stacks of 1 to 130 layers and every quant. */
START_TEST(test_estimator_layer_classes_match_per_layer_sizes)
{
    for (int m = 0; m < SEARCH_MODELS + 130; m++) {
        struct est_model model;
        if (m < SEARCH_MODELS) {
            model = search_model(m);
        } else {
            model = llama31_8b();
            model.num_hidden_layers = (uint32_t)(m - SEARCH_MODELS + 1);
        }
        model.params = 0; /* unscaled: the per-layer sum is exact */
        struct estimator_shape shape;
        ck_assert_int_eq(estimator_shape_resolve(&model, &shape), EST_OK);
        const struct estimator_quant_row *q;
        for (size_t i = 0; (q = estimator_quant_row_at(i)) != NULL; i++) {
            enum est_runtime rt = q->pub.format == EST_QF_MLX  ? EST_RUNTIME_MLX
                                  : q->pub.format == EST_QF_HF ? EST_RUNTIME_VLLM
                                                               : EST_RUNTIME_LLAMACPP;
            if (q->kind == ESTIMATOR_QK_FLOAT16 && (m + (int)i) % 2 == 0)
                rt = EST_RUNTIME_LLAMACPP; /* GGUF F16/BF16 keep norms in F32 */
            struct estimator_wctx w = {.shape = &shape, .quant = q, .runtime = rt};
            struct estimator_weights wt;
            struct estimator_ck ck = {false};
            ck_assert_int_eq(estimator_weights_compute(&w, 0, &ck, &wt), EST_OK);
            ck_assert(!ck.overflow);
            ck_assert(w.layer_scale == 1.0);
            /* forget the classes: every layer is sized from its own tensors */
            memset(w.class_known, 0, sizeof w.class_known);
            uint64_t bytes = 0, routed = 0;
            for (uint32_t l = 0; l < shape.n_layer; l++) {
                uint64_t r = 0;
                bytes += estimator_layer_weight_bytes(&w, l, &ck, &r);
                routed += r;
            }
            ck_assert(!ck.overflow);
            ck_assert_msg(bytes == wt.layers && routed == wt.routed_experts,
                          "%u layers, %s: %llu per layer vs %llu by class", shape.n_layer,
                          q->pub.id, (unsigned long long)bytes, (unsigned long long)wt.layers);
        }
    }
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------ */

START_TEST(test_estimator_absurd_inputs_are_range_errors)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    struct est_result r;
    struct est_input bad = in;
    bad.model.num_hidden_layers = UINT32_MAX;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    ck_assert_uint_eq(r.total_bytes, 0);
    bad = in;
    bad.model.params = 0;
    bad.model.hidden_size = UINT32_MAX;
    bad.model.vocab_size = UINT32_MAX;
    bad.model.intermediate_size = UINT32_MAX;
    bad.model.num_attention_heads = 1;
    bad.model.num_key_value_heads = 1;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    bad = in;
    bad.context = EST_CONTEXT_MAX + 1;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    bad = in;
    bad.context = EST_CONTEXT_MAX;
    bad.batch = 4096;
    bad.model.num_key_value_heads = 32;
    bad.model.head_dim = 1u << 20;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    bad = in;
    bad.batch = UINT32_MAX;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    bad = in;
    bad.device.memory_gib = 1e300;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    bad = in; /* bytes/s would overflow to infinity in the speed estimate */
    bad.device.bandwidth_gbs = 5.5e303;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    bad = in;
    bad.device.count = UINT32_MAX;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    bad = in;
    bad.model.params = UINT64_MAX;
    ck_assert_int_eq(est_estimate(&bad, &r), EST_E_RANGE);
    ck_assert_uint_eq(r.weights_bytes, 0);
}
END_TEST

START_TEST(test_estimator_inconsistent_shapes_are_invalid)
{
    const struct est_input in =
        input(llama31_8b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    struct est_result r;
    struct est_input bad;
#define EXPECT_INVALID(mutation)                                                                   \
    do {                                                                                           \
        bad = in;                                                                                  \
        mutation;                                                                                  \
        memset(&r, 0xab, sizeof r);                                                                \
        ck_assert_int_eq(est_estimate(&bad, &r), EST_E_INVALID);                                   \
        ck_assert_uint_eq(r.total_bytes, 0);                                                       \
        ck_assert_ptr_null(r.quant);                                                               \
    } while (0)
    EXPECT_INVALID(bad.model.num_hidden_layers = 0);
    EXPECT_INVALID(bad.model.hidden_size = 0);
    EXPECT_INVALID(bad.model.num_attention_heads = 0);
    EXPECT_INVALID(bad.model.vocab_size = 0);
    EXPECT_INVALID(bad.model.num_key_value_heads = 5);  /* 32 % 5 != 0 */
    EXPECT_INVALID(bad.model.num_key_value_heads = 64); /* more KV heads than heads */
    EXPECT_INVALID((bad.model.head_dim = 0, bad.model.hidden_size = 4100));
    EXPECT_INVALID(bad.model.intermediate_size = 0);
    EXPECT_INVALID((bad.model.num_experts = 8, bad.model.num_experts_per_tok = 0));
    EXPECT_INVALID((bad.model.num_experts = 8, bad.model.num_experts_per_tok = 9));
    EXPECT_INVALID(bad.model.sliding_window_layers = 33);
    EXPECT_INVALID((bad.model.sliding_window_layers = 16, bad.model.sliding_window = 0));
    EXPECT_INVALID(bad.model.params = 1000); /* smaller than the embeddings */
    EXPECT_INVALID(bad.device.memory_gib = 0);
    EXPECT_INVALID(bad.device.memory_gib = -24);
    EXPECT_INVALID(bad.device.memory_gib = NAN);
    EXPECT_INVALID(bad.device.bandwidth_gbs = -1);
    EXPECT_INVALID(bad.device.system_ram_gib = INFINITY);
    EXPECT_INVALID((bad.device.kind = EST_DEVICE_CPU, bad.device.backend = EST_BACKEND_CUDA));
    EXPECT_INVALID(bad.runtime = EST_RUNTIME_COUNT);
    EXPECT_INVALID(bad.device.kind = (enum est_device_kind)7);
    EXPECT_INVALID(bad.kv_type = EST_KV_COUNT);
    EXPECT_INVALID(bad.flash_attention = (enum est_tristate)3);
#undef EXPECT_INVALID
    ck_assert_int_eq(est_estimate(NULL, &r), EST_E_INVALID);
    ck_assert_int_eq(est_estimate(&in, NULL), EST_E_INVALID);
}
END_TEST

START_TEST(test_estimator_unsupported_combinations)
{
    struct est_input in =
        input(llama31_8b(), "mlx-4bit", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    struct est_result r;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
    in.quant = est_quant_find("fp8");
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
    in.quant = est_quant_find("Q4_K_M");
    in.kv_type = EST_KV_FP8;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
    in.kv_type = EST_KV_BF16;
    in.runtime = EST_RUNTIME_OLLAMA; /* OLLAMA_KV_CACHE_TYPE: f16, q8_0, q4_0 */
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
    in.kv_type = EST_KV_DEFAULT;
    in.runtime = EST_RUNTIME_MLX;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED); /* GGUF on MLX */
    in.runtime = EST_RUNTIME_VLLM;
    in.quant = NULL;
    in.kv_type = EST_KV_Q8_0;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
    in.kv_type = EST_KV_DEFAULT;
    in.device = mac(64);
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED); /* vLLM has no Metal backend */
    in.runtime = EST_RUNTIME_LMSTUDIO;
    in.quant = est_quant_find("mlx-4bit");
    ck_assert_int_eq(est_estimate(&in, &r), EST_OK); /* LM Studio's MLX engine on a Mac */
    in.device = gpu(24, 1008);
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED); /* ... but not on CUDA */
    ck_assert_uint_eq(r.total_bytes, 0);
    struct est_quant alien = {"Q9_Z", EST_QF_GGUF, 9.0, 1};
    in.quant = &alien;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
}
END_TEST

/* ---- defaults, warnings, tables ---------------------------------------------------------- */

START_TEST(test_estimator_runtime_defaults)
{
    struct est_input in = input(llama31_8b(), NULL, 0, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    struct est_result r = run(&in);
    ck_assert_str_eq(r.quant->id, "Q4_K_M");
    ck_assert_uint_eq(r.context, 131072); /* llama-server -c 0: the trained context fits */
    ck_assert_int_eq(r.kv_type, EST_KV_F16);
    ck_assert(r.flash_attention);
    ck_assert_uint_eq(r.batch, 1);
    in.runtime = EST_RUNTIME_LMSTUDIO;
    ck_assert_uint_eq(run(&in).context, 4096);
    in.runtime = EST_RUNTIME_OLLAMA; /* 24 GiB VRAM: 32768 */
    ck_assert_uint_eq(run(&in).context, 32768);
    in.device.memory_gib = 8;
    ck_assert_uint_eq(run(&in).context, 4096);
    in.device.memory_gib = 48; /* 262144, clamped to the trained 131072 */
    ck_assert_uint_eq(run(&in).context, 131072);
    in.runtime = EST_RUNTIME_VLLM;
    r = run(&in);
    ck_assert_str_eq(r.quant->id, "bf16");
    ck_assert_uint_eq(r.context, 131072);
    ck_assert_int_eq(r.kv_type, EST_KV_BF16);
    in.runtime = EST_RUNTIME_TRANSFORMERS;
    ck_assert_uint_eq(run(&in).context, 4096);
    in.runtime = EST_RUNTIME_MLX;
    in.device = mac(128);
    r = run(&in);
    ck_assert_str_eq(r.quant->id, "mlx-4bit");
    ck_assert_uint_eq(r.context, 4096); /* mlx-lm's cache grows with the conversation */
    /* short trained context clamps the default */
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.model.max_position_embeddings = 2048;
    ck_assert_uint_eq(run(&in).context, 2048);
    in.batch = 0;
    ck_assert_uint_eq(run(&in).batch, 1);
}
END_TEST

START_TEST(test_estimator_warnings)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    ck_assert_uint_eq(run(&in).warnings, 0);
    in.context = 262144;
    ck_assert(run(&in).warnings & EST_WARN_CONTEXT_ABOVE_TRAINED);
    in.context = 8192;
    in.model.params = 0;
    ck_assert(run(&in).warnings & EST_WARN_PARAMS_DERIVED);
    in.model.params = 8030261248ull;
    in.kv_type = EST_KV_Q8_0;
    in.flash_attention = EST_OFF;
    struct est_result r = run(&in);
    ck_assert(r.warnings & EST_WARN_KV_TYPE_NEEDS_FA);
    ck_assert(r.flash_attention);
    in.flash_attention = EST_ON;
    ck_assert(!(run(&in).warnings & EST_WARN_KV_TYPE_NEEDS_FA));
    in.kv_type = EST_KV_F16;
    in.flash_attention = EST_OFF;
    r = run(&in);
    ck_assert(!r.flash_attention);
    ck_assert_uint_eq(r.warnings, 0);
    in.device.bandwidth_gbs = 0;
    r = run(&in);
    ck_assert(r.warnings & EST_WARN_SPEED_UNKNOWN);
    ck_assert_double_eq(r.tokens_per_second, 0);
}
END_TEST

/* Without flash attention llama.cpp's compute buffer holds the full KQ score
** matrix; the flash-attention buffer barely grows with context. */
START_TEST(test_estimator_flash_attention_compute_buffer)
{
    struct est_input in =
        input(llama31_8b(), "Q4_K_M", 131072, gpu(80, 2000), EST_RUNTIME_LLAMACPP);
    in.flash_attention = EST_OFF;
    uint64_t off = run(&in).compute_bytes;
    in.flash_attention = EST_ON;
    uint64_t on = run(&in).compute_bytes;
    ck_assert_uint_gt(off, 8 * on);
    in.context = 4096;
    ck_assert_uint_lt(on - run(&in).compute_bytes, on / 2);
    /* transformers' eager attention materialises ctx x ctx scores */
    struct est_input t = input(llama31_8b(), NULL, 16384, gpu(141, 4800), EST_RUNTIME_TRANSFORMERS);
    uint64_t sdpa = run(&t).compute_bytes;
    t.flash_attention = EST_OFF;
    ck_assert_uint_gt(run(&t).compute_bytes, sdpa + 16384ull * 16384 * 32 * 4);
}
END_TEST

START_TEST(test_estimator_speed_scales_with_bytes_read)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 4096, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    double q4 = run(&in).tokens_per_second;
    in.quant = est_quant_find("Q8_0");
    double q8 = run(&in).tokens_per_second;
    /* about half the bytes per token: faster (not twice: the fixed cost per
    ** layer does not shrink) */
    ck_assert_double_gt(q4, q8 * 1.25);
    in.context = 65536;
    ck_assert_double_lt(run(&in).tokens_per_second, q8);
    in.context = 4096;
    /* more bandwidth: strictly faster, by less than the bandwidth ratio */
    in.device.bandwidth_gbs = 2016;
    double fast = run(&in).tokens_per_second;
    ck_assert_double_gt(fast, q8);
    ck_assert_double_lt(fast, 2 * q8);
    in.device.bandwidth_gbs = 1100;
    ck_assert_double_gt(run(&in).tokens_per_second, q8);
    ck_assert_double_lt(run(&in).tokens_per_second, fast);
}
END_TEST

START_TEST(test_estimator_quant_table)
{
    ck_assert_uint_ge(est_quant_count(), 35);
    ck_assert_ptr_null(est_quant_at(est_quant_count()));
    static const char *const ids[] = {
        "Q8_0",     "Q6_K",     "Q5_K_M", "Q5_K_S",  "Q5_1",     "Q5_0",     "Q4_K_M",
        "Q4_K_S",   "Q4_1",     "Q4_0",   "IQ4_NL",  "IQ4_XS",   "Q3_K_L",   "Q3_K_M",
        "Q3_K_S",   "IQ3_M",    "IQ3_XS", "IQ3_XXS", "Q2_K",     "IQ2_M",    "IQ2_S",
        "IQ2_XS",   "IQ2_XXS",  "IQ1_M",  "IQ1_S",   "mlx-8bit", "mlx-6bit", "mlx-5bit",
        "mlx-4bit", "mlx-3bit", "bf16",   "fp16",    "fp8",      "awq-int4", "gptq-int4"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const struct est_quant *q = est_quant_find(ids[i]);
        ck_assert_msg(q != NULL, "%s missing", ids[i]);
        ck_assert_str_eq(q->id, ids[i]);
        ck_assert_double_gt(q->nominal_bpw, 1.0);
    }
    ck_assert_ptr_eq(est_quant_find("q4_k_m"), est_quant_find("Q4_K_M"));
    ck_assert_ptr_eq(est_quant_find("F16"), est_quant_find("fp16"));
    ck_assert_ptr_eq(est_quant_find("f16"), est_quant_find("fp16"));
    ck_assert_ptr_eq(est_quant_find("BF16"), est_quant_find("bf16"));
    ck_assert_ptr_eq(est_quant_find("MLX-4BIT"), est_quant_find("mlx-4bit"));
    ck_assert_ptr_null(est_quant_find("Q4_K_X"));
    ck_assert_ptr_null(est_quant_find(NULL));
    ck_assert_str_eq(est_quant_default(EST_RUNTIME_LLAMACPP)->id, "Q4_K_M");
    ck_assert_str_eq(est_quant_default(EST_RUNTIME_OLLAMA)->id, "Q4_K_M");
    ck_assert_str_eq(est_quant_default(EST_RUNTIME_LMSTUDIO)->id, "Q4_K_M");
    ck_assert_str_eq(est_quant_default(EST_RUNTIME_MLX)->id, "mlx-4bit");
    ck_assert_str_eq(est_quant_default(EST_RUNTIME_TRANSFORMERS)->id, "bf16");
    ck_assert_str_eq(est_quant_default(EST_RUNTIME_VLLM)->id, "bf16");
    ck_assert(est_quant_runs_on(est_quant_find("Q4_K_M"), EST_RUNTIME_OLLAMA));
    ck_assert(!est_quant_runs_on(est_quant_find("Q4_K_M"), EST_RUNTIME_VLLM));
    ck_assert(est_quant_runs_on(est_quant_find("mlx-4bit"), EST_RUNTIME_LMSTUDIO));
    ck_assert(!est_quant_runs_on(est_quant_find("mlx-4bit"), EST_RUNTIME_OLLAMA));
    ck_assert(est_quant_runs_on(est_quant_find("bf16"), EST_RUNTIME_MLX));
    ck_assert(est_quant_runs_on(est_quant_find("awq-int4"), EST_RUNTIME_TRANSFORMERS));
    ck_assert(!est_quant_runs_on(est_quant_find("fp8"), EST_RUNTIME_LLAMACPP));
    ck_assert(!est_quant_runs_on(NULL, EST_RUNTIME_LLAMACPP));
    /* quality orders the obvious pairs */
    ck_assert_uint_gt(est_quant_find("Q8_0")->quality, est_quant_find("Q6_K")->quality);
    ck_assert_uint_gt(est_quant_find("Q4_K_M")->quality, est_quant_find("Q4_K_S")->quality);
    ck_assert_uint_gt(est_quant_find("Q4_K_S")->quality, est_quant_find("Q4_0")->quality);
    ck_assert_uint_gt(est_quant_find("Q2_K")->quality, est_quant_find("IQ2_M")->quality);
    ck_assert_uint_gt(est_quant_find("mlx-4bit")->quality, est_quant_find("mlx-3bit")->quality);
    /* an outside struct with a known id is resolved by id */
    struct est_quant copy = *est_quant_find("Q4_K_M");
    struct est_input in = input(llama31_8b(), NULL, 4096, gpu(24, 1008), EST_RUNTIME_LLAMACPP);
    in.quant = &copy;
    ck_assert_ptr_eq(run(&in).quant, est_quant_find("Q4_K_M"));
}
END_TEST

START_TEST(test_estimator_ids_round_trip)
{
    for (int i = 0; i < EST_RUNTIME_COUNT; i++) {
        enum est_runtime rt;
        ck_assert_int_eq(est_runtime_from_id(est_runtime_id((enum est_runtime)i), &rt), 0);
        ck_assert_int_eq(rt, i);
    }
    for (int i = 0; i < EST_DEVICE_COUNT; i++) {
        enum est_device_kind k;
        ck_assert_int_eq(est_device_kind_from_id(est_device_kind_id((enum est_device_kind)i), &k),
                         0);
        ck_assert_int_eq(k, i);
    }
    for (int i = 0; i < EST_BACKEND_COUNT; i++) {
        enum est_backend b;
        ck_assert_int_eq(est_backend_from_id(est_backend_id((enum est_backend)i), &b), 0);
        ck_assert_int_eq(b, i);
    }
    for (int i = 0; i < EST_OS_COUNT; i++) {
        enum est_os os;
        ck_assert_int_eq(est_os_from_id(est_os_id((enum est_os)i), &os), 0);
        ck_assert_int_eq(os, i);
    }
    for (int i = 0; i < EST_KV_COUNT; i++) {
        enum est_kv_type t;
        ck_assert_int_eq(est_kv_type_from_id(est_kv_type_id((enum est_kv_type)i), &t), 0);
        ck_assert_int_eq(t, i);
    }
    enum est_runtime rt;
    ck_assert_int_eq(est_runtime_from_id("LLAMA.CPP", &rt), 0);
    ck_assert_int_eq(rt, EST_RUNTIME_LLAMACPP);
    ck_assert_int_eq(est_runtime_from_id("llamacpp", &rt), -1);
    ck_assert_int_eq(est_runtime_from_id(NULL, &rt), -1);
    ck_assert_str_eq(est_runtime_id(EST_RUNTIME_LMSTUDIO), "lmstudio");
    ck_assert_str_eq(est_kv_type_id(EST_KV_DEFAULT), "default");
    ck_assert_str_eq(est_kv_type_id(EST_KV_Q8_0), "q8_0");
    ck_assert_str_eq(est_verdict_id(EST_RUNS), "runs");
    ck_assert_str_eq(est_verdict_id(EST_TIGHT), "tight");
    ck_assert_str_eq(est_verdict_id(EST_OFFLOAD), "offload");
    ck_assert_str_eq(est_verdict_id(EST_WONT_RUN), "wont_run");
    ck_assert_str_eq(est_backend_id(EST_BACKEND_ROCM), "rocm");
    ck_assert(est_kv_type_supported(EST_RUNTIME_LLAMACPP, EST_KV_Q4_0));
    ck_assert(est_kv_type_supported(EST_RUNTIME_VLLM, EST_KV_FP8));
    ck_assert(!est_kv_type_supported(EST_RUNTIME_VLLM, EST_KV_Q4_0));
    ck_assert(est_kv_type_supported(EST_RUNTIME_MLX, EST_KV_DEFAULT));
    ck_assert(!est_kv_type_supported(EST_RUNTIME_TRANSFORMERS, EST_KV_FP8));
}
END_TEST

/* llama-server without -c: the trained context, shortened by --fit until every GPU
** keeps its 1 GiB margin, never below --fit-ctx 4096; CPU-only runs are not fitted. */
START_TEST(test_estimator_llamacpp_default_context_is_fitted)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 0, gpu(16, 500), EST_RUNTIME_LLAMACPP);
    struct est_result r = run(&in);
    ck_assert_uint_lt(r.context, 131072);
    ck_assert_uint_ge(r.context, 4096);
    ck_assert(fits(r.verdict)); /* the fit shrinks the context until it fits */
    ck_assert_uint_eq(r.context % 256, 0); /* rounded down as common/fit.cpp does */
    ck_assert_uint_le(r.context, est_max_context(&in));
    /* it shrinks by the deficit only: a little more context would not fit */
    struct est_input more = in;
    more.context = r.context + 4096;
    ck_assert(!fits(run(&more).verdict));
    /* fitted to the file it loads: a bigger quant leaves less room for context */
    in.quant = est_quant_find("Q8_0");
    struct est_result r8 = run(&in);
    ck_assert_uint_lt(r8.context, r.context);
    ck_assert_uint_ge(r8.context, 4096);
    ck_assert(fits(r8.verdict));
    /* too small even at 4096: the floor, and layers go to the CPU */
    in.quant = NULL;
    in.model = llama31_70b();
    r = run(&in);
    ck_assert_uint_eq(r.context, 4096);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    /* CPU-only: no fit, the whole trained context */
    in.model = llama31_8b();
    in.device = (struct est_device){.kind = EST_DEVICE_CPU,
                                    .backend = EST_BACKEND_CPU,
                                    .memory_gib = 16,
                                    .bandwidth_gbs = 80,
                                    .count = 1};
    ck_assert_uint_eq(run(&in).context, 131072);
}
END_TEST

/* Window layers follow llama.cpp's set_swa_pattern: global when il % n_pattern ==
** n_pattern - 1. */
START_TEST(test_estimator_swa_layer_pattern)
{
    struct estimator_shape s;
    struct est_model g3 = gemma3_27b(); /* 62 layers, 10 global: pattern 6 */
    ck_assert_int_eq(estimator_shape_resolve(&g3, &s), EST_OK);
    uint32_t window = 0;
    for (uint32_t i = 0; i < s.n_layer; i++) {
        bool w = estimator_layer_is_swa(&s, i);
        window += w;
        ck_assert_msg(w == (i % 6 != 5), "gemma 3 layer %u", i);
    }
    ck_assert_uint_eq(window, 52);
    ck_assert(estimator_layer_is_swa(&s, 61)); /* the last layer is a window layer */
    /* Gemma 2 / gpt-oss: window, full, window, ...; the last layer is global */
    struct est_model g2 = gemma3_27b();
    g2.num_hidden_layers = 42;
    g2.sliding_window = 4096;
    g2.sliding_window_layers = 21;
    ck_assert_int_eq(estimator_shape_resolve(&g2, &s), EST_OK);
    ck_assert(estimator_layer_is_swa(&s, 0));
    ck_assert(!estimator_layer_is_swa(&s, 1));
    ck_assert(!estimator_layer_is_swa(&s, 41));
    /* Llama 4 Scout: chunked attention on 3 of 4 of 48 layers */
    g2.num_hidden_layers = 48;
    g2.sliding_window = 8192;
    g2.sliding_window_layers = 36;
    ck_assert_int_eq(estimator_shape_resolve(&g2, &s), EST_OK);
    window = 0;
    for (uint32_t i = 0; i < s.n_layer; i++) {
        window += estimator_layer_is_swa(&s, i);
        ck_assert(estimator_layer_is_swa(&s, i) == (i % 4 != 3));
    }
    ck_assert_uint_eq(window, 36);
    /* a mix with no period: spread evenly, count kept */
    g2.num_hidden_layers = 10;
    g2.sliding_window_layers = 3;
    ck_assert_int_eq(estimator_shape_resolve(&g2, &s), EST_OK);
    window = 0;
    for (uint32_t i = 0; i < s.n_layer; i++)
        window += estimator_layer_is_swa(&s, i);
    ck_assert_uint_eq(window, 3);
}
END_TEST

/* Output buffer: one row of logits per sequence slot (llama-server's auto -np is 4). */
START_TEST(test_estimator_llamacpp_output_slots)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 8192, gpu(80, 2000), EST_RUNTIME_LLAMACPP);
    struct estimator_shape s;
    ck_assert_int_eq(estimator_shape_resolve(&in.model, &s), EST_OK);
    struct estimator_ck ck = {false};
    const uint64_t one = estimator_llamacpp_compute_bytes(&s, 8192, 512, true, 1, 0, &ck);
    ck_assert_uint_eq(run(&in).compute_bytes, one + 3ull * 128256 * 4);
    in.runtime = EST_RUNTIME_OLLAMA; /* -np 1, num_batch 512 set */
    in.ubatch = 512;
    ck_assert_uint_eq(run(&in).compute_bytes, one);
    /* two streams: the graph still attends over one stream's 8192 cells */
    in.batch = 2;
    ck_assert_uint_eq(run(&in).compute_bytes, one + 128256ull * 4);
    ck_assert(!ck.overflow);
}
END_TEST

/* Ollama's automatic num_batch (-b and -ub): by num_ctx x num_parallel, stepped
** down while the predicted VRAM leaves too little headroom (server/sched.go). */
START_TEST(test_estimator_ollama_auto_num_batch)
{
    struct est_input in = input(llama31_8b(), "Q4_K_M", 4096, gpu(24, 1008), EST_RUNTIME_OLLAMA);
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 512);
    in.context = 8192;
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 1024);
    /* 4.9 GB file + 8.6 GB predicted KV: within 60 % of 24 GiB, 2 GiB spare */
    in.context = 65536;
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 2048);
    /* the compute buffer is sized for it */
    struct estimator_shape s;
    ck_assert_int_eq(estimator_shape_resolve(&in.model, &s), EST_OK);
    struct estimator_ck ck = {false};
    ck_assert_uint_eq(run(&in).compute_bytes,
                      estimator_llamacpp_compute_bytes(&s, 65536, 2048, true, 1, 0, &ck));
    ck_assert(!ck.overflow);
    /* 16 GiB: above 60 % and 75 % of the memory, back to 512 */
    in.device = gpu(16, 500);
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 512);
    /* num_parallel multiplies the context */
    in.device = gpu(24, 1008);
    in.context = 4096;
    in.batch = 2;
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 1024);
    in.batch = 1;
    /* flash attention off on CUDA: 512, 256 on an 8 GiB card past 4096 tokens */
    in.context = 8192;
    in.flash_attention = EST_OFF;
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 512);
    in.device = gpu(8, 300);
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 256);
    in.flash_attention = EST_AUTO;
    /* no GPU: the context alone decides */
    in.device = cpu_box(64);
    in.context = 65536;
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 2048);
    /* a num_batch the user sets wins; llama.cpp keeps its 512 */
    in.ubatch = 256;
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 256);
    in.ubatch = 0;
    in.runtime = EST_RUNTIME_LLAMACPP;
    ck_assert_uint_eq(estimator_ubatch(&in, 0), 512);
}
END_TEST

/* vLLM's profiling run on one GPU: max_num_batched_tokens of activations and the
** sampler's fp32 logits for max_num_seqs, by GPU size (arg_utils.py). */
START_TEST(test_estimator_vllm_profile_compute)
{
    struct est_input in = input(llama31_8b(), NULL, 4096, gpu(24, 1008), EST_RUNTIME_VLLM);
    /* 16-bit activations per token: max(MLP 3 x 14336 + 4 x 4096, attention) x 2 */
    const uint64_t act = 2ull * (3 * 14336 + 4 * 4096);
    struct est_result r = run(&in);
    ck_assert_uint_eq(r.compute_bytes, 2048 * act + 256ull * 128256 * 4 * 2);
    /* CUDA graphs and non-torch memory per GPU */
    ck_assert_uint_eq(r.overhead_bytes, 512 * MIB + 160 * MIB);
    in.device = gpu(80, 2000);
    ck_assert_uint_eq(run(&in).compute_bytes, 8192 * act + 1024ull * 128256 * 4 * 2);
}
END_TEST

/* Tensor parallelism: every rank holds its shard of the activations plus the whole
** residual stream and its own sampler, graphs and workspaces; the per-device report
** is weights, KV, compute and reserves divided by the ranks. */
START_TEST(test_estimator_vllm_tensor_parallel_per_device)
{
    struct est_input in = input(llama31_70b(), NULL, 8192, gpu(80, 2000), EST_RUNTIME_VLLM);
    struct est_result one = run(&in);
    in.device.count = 2;
    struct est_result two = run(&in);
    ck_assert_uint_eq(two.compute_bytes % 2, 0);
    ck_assert_uint_lt(two.compute_bytes / 2, one.compute_bytes); /* sharded FFN and heads */
    ck_assert_uint_gt(two.compute_bytes / 2, one.compute_bytes / 2); /* replicated parts */
    ck_assert_uint_eq(two.overhead_bytes, 2 * (512 * MIB + 160 * MIB));
    ck_assert_uint_eq(two.weights_bytes, one.weights_bytes);
    ck_assert_uint_eq(two.kv_cache_bytes, one.kv_cache_bytes);
    ck_assert_uint_eq(two.devices_reported, 2);
    ck_assert_uint_eq(two.device_bytes[0] + two.device_bytes[1], two.total_bytes);
    ck_assert_uint_le(two.device_bytes[0] - two.device_bytes[1], 4);
    const uint64_t rank = two.weights_bytes / 2 + two.kv_cache_bytes / 2 +
                          two.compute_bytes / 2 + two.overhead_bytes / 2;
    ck_assert_uint_eq(two.device_bytes[1], rank);
    ck_assert_uint_eq(two.device_usable_bytes, two.usable_bytes / 2);
    ck_assert_double_eq_tol(two.tensor_split[0], 0.5, 1e-12);
    /* the 70B in bf16 needs both GPUs */
    ck_assert_int_eq(one.verdict, EST_WONT_RUN);
    ck_assert(fits(two.verdict));
}
END_TEST

/* vLLM requests ceil(VRAM x 0.92) and keeps the CUDA context outside it; a GPU
** whose context leaves less than that free is sized at what is free. */
START_TEST(test_estimator_vllm_budget_small_gpu)
{
    struct est_input in = input(llama31_8b(), NULL, 4096, gpu(4, 200), EST_RUNTIME_VLLM);
    uint64_t mem, usable;
    const char *basis;
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, 4 * GIB - 527 * MIB);
    in.device = gpu(24, 1008);
    est_budget(&in, &mem, &usable, &basis);
    ck_assert_uint_eq(usable, (uint64_t)(24.0 * GIB * 0.92 + 0.5));
    ck_assert_ptr_nonnull(strstr(basis, "0.92"));
}
END_TEST

/* mlx-lm keeps MoE routers at 8 bits (qwen3_moe quant_predicate): with the routed
** expert bytes held equal, doubling the experts adds only router rows of 64
** weights in 68 bytes, at every bit width. */
START_TEST(test_estimator_mlx_router_eight_bits)
{
    struct est_model a = qwen3_30b_a3b();
    a.params = 0;
    struct est_model b = a;
    b.num_experts = 64;
    b.moe_intermediate_size = 1536;
    const uint64_t router_rows = 48ull * (128 - 64) * (2048 / 64);
    const char *quants[] = {"mlx-4bit", "mlx-8bit", "mlx-3bit"};
    for (size_t i = 0; i < sizeof quants / sizeof quants[0]; i++) {
        struct est_input ia = input(a, quants[i], 4096, mac(128), EST_RUNTIME_MLX);
        struct est_input ib = input(b, quants[i], 4096, mac(128), EST_RUNTIME_MLX);
        ck_assert_uint_eq(run(&ia).weights_bytes - run(&ib).weights_bytes, router_rows * 68);
    }
}
END_TEST

/* ---- checkpoints with MXFP4 experts (gpt-oss) --------------------------------------- */

/* openai/gpt-oss-20b config.json; quantization_config {"quant_method": "mxfp4"}. */
static struct est_model gpt_oss_20b(void)
{
    return (struct est_model){.params = 20914757184ull,
                              .num_hidden_layers = 24,
                              .hidden_size = 2880,
                              .num_attention_heads = 64,
                              .num_key_value_heads = 8,
                              .head_dim = 64,
                              .vocab_size = 201088,
                              .max_position_embeddings = 131072,
                              .sliding_window = 128,
                              .sliding_window_layers = 12,
                              .num_experts = 32,
                              .num_experts_per_tok = 4,
                              .moe_intermediate_size = 2880,
                              .experts_mxfp4 = true};
}

/* openai/gpt-oss-120b: the 20b layout with 36 layers and 128 experts. */
static struct est_model gpt_oss_120b(void)
{
    struct est_model m = gpt_oss_20b();
    m.params = 116829156672ull;
    m.num_hidden_layers = 36;
    m.sliding_window_layers = 18;
    m.num_experts = 128;
    return m;
}

static uint64_t weights_of(struct est_model m, const char *quant, enum est_runtime rt,
                           enum est_backend backend)
{
    struct est_input in;
    struct est_result r;
    memset(&in, 0, sizeof in);
    in.model = m;
    in.quant = quant ? est_quant_find(quant) : NULL;
    in.context = 4096;
    in.device = (struct est_device){EST_DEVICE_GPU, backend, 80, 2000, 256, 1, 0, 0};
    in.runtime = rt;
    in.os = EST_OS_LINUX;
    if (backend == EST_BACKEND_METAL) {
        in.device.kind = EST_DEVICE_UNIFIED;
        in.device.system_ram_gib = 80;
        in.os = EST_OS_MACOS;
    }
    ck_assert_int_eq(est_estimate(&in, &r), EST_OK);
    return r.weights_bytes;
}

static void assert_within(uint64_t got, uint64_t want, double tolerance, const char *what)
{
    double rel = fabs((double)got - (double)want) / (double)want;
    ck_assert_msg(rel <= tolerance, "%s: %llu bytes, published %llu (%.2f %% off)", what,
                  (unsigned long long)got, (unsigned long long)want, rel * 100.0);
}

/* gpt-oss ships its routed experts in MXFP4 and every published GGUF keeps
** them so: the weights are the file sizes, within 3 %. Published sizes:
** ggml-org/gpt-oss-20b-GGUF gpt-oss-20b-mxfp4.gguf (ftype MXFP4_MOE)
** 12,109,566,560 bytes; unsloth/gpt-oss-20b-GGUF@d449b42d gpt-oss-20b-Q8_0.gguf
** 12,109,567,168 bytes and gpt-oss-20b-Q4_K_M.gguf 11,624,759,488 bytes;
** bartowski/openai_gpt-oss-20b-GGUF Q6_K 12.04 GB ("Q6_K with all FFN kept
** at MXFP4_MOE"); bartowski/openai_gpt-oss-120b-GGUF MXFP4_MOE 63.39 GB,
** Q4_K_M 62.84 GB, bf16 65.37 GB. The files hold the tokenizer too, so the
** weights are a little under them. */
START_TEST(test_estimator_gpt_oss_gguf_matches_published_files)
{
    const struct est_model m20 = gpt_oss_20b(), m120 = gpt_oss_120b();
    const enum est_runtime cpp = EST_RUNTIME_LLAMACPP;
    assert_within(weights_of(m20, "MXFP4_MOE", cpp, EST_BACKEND_CUDA), 12109566560ull, 0.03,
                  "20b MXFP4_MOE");
    assert_within(weights_of(m20, "Q8_0", cpp, EST_BACKEND_CUDA), 12109567168ull, 0.03, "20b Q8_0");
    assert_within(weights_of(m20, "Q4_K_M", cpp, EST_BACKEND_CUDA), 11624759488ull, 0.03,
                  "20b Q4_K_M");
    assert_within(weights_of(m20, "Q6_K", cpp, EST_BACKEND_CUDA), 12040000000ull, 0.03, "20b Q6_K");
    assert_within(weights_of(m120, "MXFP4_MOE", cpp, EST_BACKEND_CUDA), 63390000000ull, 0.03,
                  "120b MXFP4_MOE");
    assert_within(weights_of(m120, "Q4_K_M", cpp, EST_BACKEND_CUDA), 62840000000ull, 0.03,
                  "120b Q4_K_M");
    assert_within(weights_of(m120, "bf16", cpp, EST_BACKEND_CUDA), 65370000000ull, 0.03,
                  "120b bf16");

    /* The labels differ only outside the experts: Q8_0 is MXFP4_MOE exactly
    ** (both Q8_0 everywhere else), and no label is larger than BF16. */
    ck_assert_uint_eq(weights_of(m20, "Q8_0", cpp, EST_BACKEND_CUDA),
                      weights_of(m20, "MXFP4_MOE", cpp, EST_BACKEND_CUDA));
    ck_assert_uint_lt(weights_of(m20, "Q4_K_M", cpp, EST_BACKEND_CUDA),
                      weights_of(m20, "Q5_0", cpp, EST_BACKEND_CUDA));

    /* Without the flag the experts take the label's type: Q4_K_M is larger. */
    struct est_model plain = m20;
    plain.experts_mxfp4 = false;
    ck_assert_uint_gt(weights_of(plain, "Q4_K_M", cpp, EST_BACKEND_CUDA),
                      weights_of(m20, "Q4_K_M", cpp, EST_BACKEND_CUDA) + 3 * GIB);
}
END_TEST

/* vLLM and transformers on CUDA keep the MXFP4 experts (bf16 elsewhere);
** transformers without a CUDA device dequantizes them to bf16; MLX keeps
** them and quantizes the rest at the label's bits. */
START_TEST(test_estimator_gpt_oss_runtimes)
{
    const struct est_model m = gpt_oss_20b();
    struct est_model plain = m;
    plain.experts_mxfp4 = false;
    const uint64_t vllm = weights_of(m, NULL, EST_RUNTIME_VLLM, EST_BACKEND_CUDA);
    /* the checkpoint itself: 13.8 GB (danbev/learning-ai notes: convert_hf_to_gguf
    ** --outtype bf16 writes 13.8G, experts still MXFP4) */
    assert_within(vllm, 13800000000ull, 0.03, "vLLM bf16 + MXFP4 experts");
    ck_assert_uint_eq(weights_of(m, NULL, EST_RUNTIME_TRANSFORMERS, EST_BACKEND_CUDA), vllm);
    ck_assert_uint_eq(weights_of(m, NULL, EST_RUNTIME_TRANSFORMERS, EST_BACKEND_ROCM), vllm);
    ck_assert_uint_eq(weights_of(m, NULL, EST_RUNTIME_TRANSFORMERS, EST_BACKEND_METAL),
                      weights_of(plain, NULL, EST_RUNTIME_TRANSFORMERS, EST_BACKEND_METAL));
    /* FP8 / AWQ / GPTQ repacks size by their own format */
    ck_assert_uint_eq(weights_of(m, "fp8", EST_RUNTIME_VLLM, EST_BACKEND_CUDA),
                      weights_of(plain, "fp8", EST_RUNTIME_VLLM, EST_BACKEND_CUDA));
    /* MLX: mlx-8bit and mlx-4bit differ only outside the experts */
    const uint64_t mlx8 = weights_of(m, "mlx-8bit", EST_RUNTIME_MLX, EST_BACKEND_METAL);
    const uint64_t mlx4 = weights_of(m, "mlx-4bit", EST_RUNTIME_MLX, EST_BACKEND_METAL);
    ck_assert_uint_lt(mlx8 - mlx4, 2 * GIB);
    ck_assert_uint_gt(weights_of(plain, "mlx-8bit", EST_RUNTIME_MLX, EST_BACKEND_METAL),
                      mlx8 + 8 * GIB);
}
END_TEST

/* MXFP4_MOE on other models: the routed experts at 17 bytes per 32 weights,
** everything else Q8_0 (a dense model is plain Q8_0); the id is found in any
** case, and the flag changes nothing on a model whose quant is MXFP4_MOE. */
START_TEST(test_estimator_mxfp4_moe_quant)
{
    const struct est_quant *q = est_quant_find("mxfp4_moe");
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(q->id, "MXFP4_MOE");
    ck_assert_int_eq(q->format, EST_QF_GGUF);
    ck_assert(est_quant_runs_on(q, EST_RUNTIME_OLLAMA));
    ck_assert(!est_quant_runs_on(q, EST_RUNTIME_VLLM));
    ck_assert(!est_quant_runs_on(q, EST_RUNTIME_MLX));
    ck_assert_uint_eq(weights_of(llama31_8b(), "MXFP4_MOE", EST_RUNTIME_LLAMACPP, EST_BACKEND_CUDA),
                      weights_of(llama31_8b(), "Q8_0", EST_RUNTIME_LLAMACPP, EST_BACKEND_CUDA));
    /* gpt-oss-20b without the flag: the experts become MXFP4 all the same */
    struct est_model plain = gpt_oss_20b();
    plain.experts_mxfp4 = false;
    ck_assert_uint_eq(
        weights_of(plain, "MXFP4_MOE", EST_RUNTIME_LLAMACPP, EST_BACKEND_CUDA),
        weights_of(gpt_oss_20b(), "MXFP4_MOE", EST_RUNTIME_LLAMACPP, EST_BACKEND_CUDA));
    /* the routed experts alone: 24 layers x 3 x 32 x 2880 x 2880 weights at
    ** 17/32 bytes, times the layer scale of the parameter count */
    struct estimator_shape s;
    ck_assert_int_eq(estimator_shape_resolve(&plain, &s), EST_OK);
    struct estimator_wctx w;
    memset(&w, 0, sizeof w);
    w.shape = &s;
    w.quant = estimator_quant_row(q);
    w.runtime = EST_RUNTIME_LLAMACPP;
    struct estimator_ck ck = {false};
    struct estimator_weights wt;
    ck_assert_int_eq(estimator_weights_compute(&w, 0, &ck, &wt), EST_OK);
    ck_assert(!ck.overflow);
    ck_assert_uint_eq(wt.routed_experts, 24ull * 3 * 32 * 2880 * (2880 / 32) * 17);
    /* a dense model cannot carry the flag into the sizes */
    struct est_model dense = llama31_8b();
    dense.experts_mxfp4 = true;
    ck_assert_uint_eq(weights_of(dense, "Q4_K_M", EST_RUNTIME_LLAMACPP, EST_BACKEND_CUDA),
                      weights_of(llama31_8b(), "Q4_K_M", EST_RUNTIME_LLAMACPP, EST_BACKEND_CUDA));
}
END_TEST

/* best_quant for gpt-oss-20b on a 16 GB card: every GGUF label fits, the
** first in quality order (the BF16 file at 13.8 GB) is taken at a short
** context; without the flag the experts at bf16 would not fit. */
START_TEST(test_estimator_gpt_oss_best_quant_16gb)
{
    struct est_input in;
    memset(&in, 0, sizeof in);
    in.model = gpt_oss_20b();
    in.context = 4096;
    in.device = (struct est_device){EST_DEVICE_GPU, EST_BACKEND_CUDA, 16, 448, 32, 1, 0, 0};
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.os = EST_OS_LINUX;
    const struct est_quant *best = est_best_quant(&in);
    ck_assert_ptr_nonnull(best);
    ck_assert_uint_ge(best->quality, est_quant_find("Q8_0")->quality);
    in.quant = est_quant_find("Q4_K_M");
    struct est_result r;
    ck_assert_int_eq(est_estimate(&in, &r), EST_OK);
    ck_assert_int_eq(r.verdict, EST_RUNS);
    in.model.experts_mxfp4 = false;
    ck_assert_int_eq(est_estimate(&in, &r), EST_OK);
    ck_assert_int_ne(r.verdict, EST_RUNS);
}
END_TEST

static Suite *estimator_suite(void)
{
    Suite *s = suite_create("estimator");
    TCase *kv = tcase_create("kv");
    tcase_add_test(kv, test_estimator_kv_llama31_8b_8192_f16_is_one_gib);
    tcase_add_test(kv, test_estimator_kv_gqa_is_smaller_than_mha);
    tcase_add_test(kv, test_estimator_kv_uses_explicit_head_dim);
    tcase_add_test(kv, test_estimator_kv_caps_sliding_window_layers);
    tcase_add_test(kv, test_estimator_kv_mla_latent_cache);
    tcase_add_test(kv, test_estimator_kv_quantized_sizes);
    tcase_add_test(kv, test_estimator_kv_context_padding_per_runtime);
    tcase_add_test(kv, test_estimator_swa_layer_pattern);
    tcase_add_test(kv, test_estimator_llamacpp_output_slots);
    suite_add_tcase(s, kv);

    TCase *w = tcase_create("weights");
    tcase_add_test(w, test_estimator_weights_known_files);
    tcase_add_test(w, test_estimator_weights_mlx_affine);
    tcase_add_test(w, test_estimator_weights_hf_quantized);
    tcase_add_test(w, test_estimator_weights_moe_resident_speed_active);
    suite_add_tcase(s, w);

    TCase *b = tcase_create("budget");
    tcase_add_test(b, test_estimator_apple_ceiling_values);
    tcase_add_test(b, test_estimator_budget_apple_wired_limit_and_warning);
    tcase_add_test(b, test_estimator_budget_gpu_cpu_windows_vllm);
    suite_add_tcase(s, b);

    TCase *v = tcase_create("verdict");
    tcase_add_test(v, test_estimator_verdict_thresholds);
    tcase_add_test(v, test_estimator_seed_scenario_qwen32b_mlx_32gb);
    tcase_add_test(v, test_estimator_llama8b_q4km_24gb_cuda_runs);
    tcase_add_test(v, test_estimator_offload_splits_layers);
    tcase_add_test(v, test_estimator_cpu_only_runs);
    tcase_add_test(v, test_estimator_lmstudio_mlx_engine_matches_mlx);
    suite_add_tcase(s, v);

    TCase *search = tcase_create("search");
    tcase_add_test(search, test_estimator_max_context_exact_and_monotonic);
    tcase_add_test(search, test_estimator_best_quant);
    tcase_add_test(search, test_estimator_max_context_matches_linear_scan);
    tcase_add_test(search, test_estimator_best_quant_matches_brute_force);
    tcase_add_test(search, test_estimator_quant_table_in_quality_order);
    tcase_add_test(search, test_estimator_layer_classes_match_per_layer_sizes);
    suite_add_tcase(s, search);

    TCase *err = tcase_create("errors");
    tcase_add_test(err, test_estimator_absurd_inputs_are_range_errors);
    tcase_add_test(err, test_estimator_inconsistent_shapes_are_invalid);
    tcase_add_test(err, test_estimator_unsupported_combinations);
    suite_add_tcase(s, err);

    TCase *misc = tcase_create("misc");
    tcase_add_test(misc, test_estimator_runtime_defaults);
    tcase_add_test(misc, test_estimator_ollama_auto_num_batch);
    tcase_add_test(misc, test_estimator_vllm_profile_compute);
    tcase_add_test(misc, test_estimator_vllm_tensor_parallel_per_device);
    tcase_add_test(misc, test_estimator_vllm_budget_small_gpu);
    tcase_add_test(misc, test_estimator_mlx_router_eight_bits);
    tcase_add_test(misc, test_estimator_llamacpp_default_context_is_fitted);
    tcase_add_test(misc, test_estimator_warnings);
    tcase_add_test(misc, test_estimator_flash_attention_compute_buffer);
    tcase_add_test(misc, test_estimator_speed_scales_with_bytes_read);
    tcase_add_test(misc, test_estimator_quant_table);
    tcase_add_test(misc, test_estimator_ids_round_trip);
    suite_add_tcase(s, misc);

    TCase *mx = tcase_create("mxfp4");
    tcase_add_test(mx, test_estimator_gpt_oss_gguf_matches_published_files);
    tcase_add_test(mx, test_estimator_gpt_oss_runtimes);
    tcase_add_test(mx, test_estimator_mxfp4_moe_quant);
    tcase_add_test(mx, test_estimator_gpt_oss_best_quant_16gb);
    suite_add_tcase(s, mx);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(estimator_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

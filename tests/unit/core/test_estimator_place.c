/* test_estimator_place.c: unit tests for placement (server/core/estimator_place.c):
** --n-cpu-moe and est_min_cpu_moe, per-device totals of a llama.cpp layer split
** and the balanced --tensor-split, Vulkan's per-allocation cap, and the input
** checks of tensor_split / n_cpu_moe. No I/O beyond Check.
*/
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/estimator_internal.h"
#include "core/fixes.h"

#define GIB (1024ull * 1024ull * 1024ull)
#define MIB (1024ull * 1024ull)

/* Qwen/Qwen3-30B-A3B config.json. */
static struct est_model qwen3_30b_a3b(void)
{
    struct est_model m = {0};
    m.params = 30532122624ull;
    m.num_hidden_layers = 48;
    m.hidden_size = 2048;
    m.num_attention_heads = 32;
    m.num_key_value_heads = 4;
    m.head_dim = 128;
    m.intermediate_size = 6144;
    m.vocab_size = 151936;
    m.max_position_embeddings = 40960;
    m.num_experts = 128;
    m.num_experts_per_tok = 8;
    m.moe_intermediate_size = 768;
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

/* meta-llama/Llama-3.1-8B-Instruct config.json: a big output layer next to
** small layers, so the device that holds it is the first to overflow. */
static struct est_model llama8(void)
{
    struct est_model m = {0};
    m.params = 8030261248ull;
    m.num_hidden_layers = 32;
    m.hidden_size = 4096;
    m.num_attention_heads = 32;
    m.num_key_value_heads = 8;
    m.head_dim = 128;
    m.intermediate_size = 14336;
    m.vocab_size = 128256;
    m.max_position_embeddings = 131072;
    return m;
}

/* A small model with a 256k vocabulary (Gemma-3-1B-like shape), whose
** logits dominate the biggest single buffer. */
static struct est_model big_vocab(void)
{
    struct est_model m = {0};
    m.num_hidden_layers = 26;
    m.hidden_size = 1152;
    m.num_attention_heads = 4;
    m.num_key_value_heads = 1;
    m.head_dim = 256;
    m.intermediate_size = 6912;
    m.vocab_size = 262144;
    m.tie_word_embeddings = true;
    m.max_position_embeddings = 32768;
    return m;
}

static struct est_input cuda(struct est_model m, double gib, uint32_t count, uint32_t context)
{
    struct est_input in = {0};
    in.model = m;
    in.quant = est_quant_find("Q4_K_M");
    in.context = context;
    in.device.kind = EST_DEVICE_GPU;
    in.device.backend = EST_BACKEND_CUDA;
    in.device.memory_gib = gib;
    in.device.bandwidth_gbs = 900;
    in.device.system_ram_gib = 64;
    in.device.count = count;
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.os = EST_OS_LINUX;
    in.flash_attention = EST_AUTO;
    return in;
}

static bool fits(enum est_verdict v)
{
    return v == EST_RUNS || v == EST_TIGHT;
}

/* With experts in RAM the verdict is an offload (they run from RAM); the
** configuration holds when the devices hold the rest. */
static bool placed(const struct est_result *r)
{
    if (r->verdict != EST_OFFLOAD || r->n_cpu_moe == 0)
        return false;
    for (uint32_t d = 0; d < r->devices_reported; d++)
        if (r->device_bytes[d] > r->device_usable_bytes)
            return false;
    return true;
}

static struct est_result est(const struct est_input *in)
{
    struct est_result r;
    ck_assert_int_eq(est_estimate(in, &r), EST_OK);
    return r;
}

/* Routed-expert bytes of the first n layers, from the estimator's own tables. */
static uint64_t routed_first(const struct est_input *in, uint32_t n)
{
    struct estimator_prep p;
    ck_assert_int_eq(estimator_prepare_input(in, &p), EST_OK);
    ck_assert_int_eq(estimator_prepare_quant(&p, in->quant), EST_OK);
    struct estimator_ck ck = {false};
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t routed = 0;
        (void)estimator_layer_weight_bytes(&p.w, i, &ck, &routed);
        sum += routed;
    }
    ck_assert(!ck.overflow);
    return sum;
}

START_TEST(test_place_cpu_moe_smallest_n_fits)
{
    struct est_input in = cuda(qwen3_30b_a3b(), 12, 1, 8192);
    struct est_result full = est(&in);
    ck_assert(!fits(full.verdict));
    /* left to llama-server's --fit, the experts of some layers go to RAM */
    ck_assert_uint_gt(full.n_cpu_moe, 0);

    uint32_t n = est_min_cpu_moe(&in);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, 48);

    struct est_input at = in;
    at.n_cpu_moe = n;
    struct est_result r = est(&at);
    ck_assert(placed(&r));
    ck_assert_uint_eq(r.n_cpu_moe, n);
    ck_assert_uint_le(r.device_bytes[0], r.device_usable_bytes);
    /* the footprint itself does not change: only where it lives */
    ck_assert_uint_eq(r.total_bytes, full.total_bytes);

    /* host = the routed experts of the N layers + the CPU compute buffer and
    ** the process (100 MiB), which are small */
    uint64_t routed = routed_first(&in, n);
    ck_assert_uint_ge(r.host_bytes, routed + 100 * MIB);
    ck_assert_uint_lt(r.host_bytes - routed, 101 * MIB);
    /* device: everything but those experts, plus one layer's experts copied
    ** in for prompt processing (op offload) */
    ck_assert_uint_lt(r.device_bytes[0], full.total_bytes - routed + routed / n + routed / n);
    ck_assert_uint_ge(r.device_bytes[0], full.total_bytes - routed);

    at.n_cpu_moe = n - 1;
    struct est_result less = est(&at);
    ck_assert(!fits(less.verdict));
    /* a tensor override stops --fit: what does not fit is not offloaded */
    ck_assert_int_eq(less.verdict, EST_WONT_RUN);

    /* decode: the experts kept in RAM are read by the CPU, so it is slower
    ** than the whole model on a bigger card, and faster than offloading
    ** whole layers (Ollama's placement), which also moves attention and the
    ** dense weights */
    struct est_input big = in;
    big.device.memory_gib = 48;
    struct est_result all_gpu = est(&big);
    ck_assert(fits(all_gpu.verdict));
    ck_assert_double_gt(r.tokens_per_second, 0.0);
    ck_assert_double_lt(r.tokens_per_second, all_gpu.tokens_per_second);
    ck_assert_int_eq(full.verdict, EST_OFFLOAD);
    struct est_input whole = in;
    whole.runtime = EST_RUNTIME_OLLAMA;
    struct est_result w = est(&whole);
    ck_assert_int_eq(w.verdict, EST_OFFLOAD);
    ck_assert_uint_lt(w.gpu_layers_offloaded, w.gpu_layers_total);
    ck_assert_double_gt(r.tokens_per_second, w.tokens_per_second);
    at.n_cpu_moe = n + 8;
    ck_assert_double_lt(est(&at).tokens_per_second, r.tokens_per_second);
}
END_TEST

/* Routed-expert bytes of layers [lo, hi). */
static uint64_t routed_range(const struct est_input *in, uint32_t lo, uint32_t hi)
{
    return routed_first(in, hi) - routed_first(in, lo);
}

/* llama-server's --fit on a MoE model that does not fit (common/fit.cpp):
** every layer's dense part on the GPU, the experts of as many layers as fit
** with it, the experts of the last layers in RAM; -ngl covers every layer. */
START_TEST(test_place_fit_moe_experts_in_ram)
{
    struct est_input in = cuda(qwen3_30b_a3b(), 12, 1, 8192);
    struct est_result r = est(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    /* llama.cpp prints every layer offloaded: dense-only layers count */
    ck_assert_uint_eq(r.gpu_layers_total, 49);
    ck_assert_uint_eq(r.gpu_layers_offloaded, 49);
    const uint32_t k = r.n_cpu_moe;
    ck_assert_uint_gt(k, 0);
    ck_assert_uint_lt(k, 48);
    ck_assert_uint_le(r.device_bytes[0], r.device_usable_bytes);

    /* the experts of the last k layers are what leaves the GPU: every dense
    ** part, the KV cache and the compute buffers stay */
    const uint64_t ram = routed_range(&in, 48 - k, 48);
    ck_assert_uint_ge(r.device_bytes[0], r.total_bytes - ram);
    /* plus at most one layer's experts copied in for prompt processing */
    ck_assert_uint_le(r.device_bytes[0], r.total_bytes - ram + ram / k + ram / k);
    /* host: those experts, the CPU compute buffer and the process (100 MiB) */
    ck_assert_uint_ge(r.host_bytes, ram + 100 * MIB);
    ck_assert_uint_lt(r.host_bytes - ram, 101 * MIB);
    /* whole layers: one more layer's experts would not have fitted */
    ck_assert_uint_lt(r.device_usable_bytes - r.device_bytes[0], 2 * (ram / k));

    /* Ollama has no --fit: whole layers from the top, far fewer on the GPU */
    struct est_input ol = in;
    ol.runtime = EST_RUNTIME_OLLAMA;
    struct est_result w = est(&ol);
    ck_assert_int_eq(w.verdict, EST_OFFLOAD);
    ck_assert_uint_eq(w.n_cpu_moe, 0);
    ck_assert_uint_lt(w.gpu_layers_offloaded, 40);

    /* decode reads only the visited experts of the k layers from RAM: well
    ** above whole-layer offload, below the whole model on a bigger card */
    ck_assert_double_gt(r.tokens_per_second, 1.5 * w.tokens_per_second);
    struct est_input big = in;
    big.device.memory_gib = 48;
    ck_assert_double_lt(r.tokens_per_second, est(&big).tokens_per_second);
    ck_assert_ptr_nonnull(strstr(r.speed_basis, "--fit"));
    /* the same number of layers' experts by --n-cpu-moe (the first ones)
    ** reads about as much from RAM */
    struct est_input cm = in;
    cm.n_cpu_moe = k;
    struct est_result c = est(&cm);
    ck_assert_double_lt(fabs(c.tokens_per_second / r.tokens_per_second - 1.0), 0.05);

    /* too little RAM for the experts: wont_run */
    struct est_input small = in;
    small.device.system_ram_gib = 8;
    ck_assert_int_eq(est(&small).verdict, EST_WONT_RUN);

    /* context search: the offload verdict is not a fit */
    ck_assert_uint_lt(est_max_context(&in), 8192);
}
END_TEST

/* When even the dense parts do not all fit, --fit places the top layers
** without their experts (and the first of them whole); the rest of the
** layers run from RAM. */
START_TEST(test_place_fit_moe_dense_parts_do_not_fit)
{
    struct est_input in = cuda(qwen3_30b_a3b(), 4, 1, 8192);
    struct est_result r = est(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    ck_assert_uint_gt(r.gpu_layers_offloaded, 1);
    ck_assert_uint_lt(r.gpu_layers_offloaded, 49);
    /* every layer's experts in RAM but the first GPU layer's */
    ck_assert_uint_eq(r.n_cpu_moe, 47);
    ck_assert_uint_le(r.device_bytes[0], r.device_usable_bytes);
    ck_assert_double_gt(r.tokens_per_second, 0.0);
    /* still more layers on the GPU than whole-layer offload manages */
    struct est_input ol = in;
    ol.runtime = EST_RUNTIME_OLLAMA;
    struct est_result w = est(&ol);
    ck_assert_uint_gt(r.gpu_layers_offloaded, w.gpu_layers_offloaded);
}
END_TEST

/* Two GPUs: --fit writes its own layer split; each device within its share. */
START_TEST(test_place_fit_moe_two_gpus)
{
    struct est_input in = cuda(qwen3_30b_a3b(), 8, 2, 8192);
    struct est_result r = est(&in);
    ck_assert_int_eq(r.verdict, EST_OFFLOAD);
    ck_assert_uint_eq(r.gpu_layers_offloaded, 49);
    ck_assert_uint_gt(r.n_cpu_moe, 0);
    ck_assert_uint_lt(r.n_cpu_moe, 48);
    ck_assert_uint_eq(r.devices_reported, 2);
    ck_assert_uint_le(r.device_bytes[0], r.device_usable_bytes);
    ck_assert_uint_le(r.device_bytes[1], r.device_usable_bytes);
    ck_assert(r.tensor_split[0] > 0.0 && r.tensor_split[1] > 0.0);
    ck_assert(fabs(r.tensor_split[0] + r.tensor_split[1] - 1.0) < 1e-6);
    /* more room than one 8 GiB card: fewer layers' experts in RAM */
    struct est_input one = cuda(qwen3_30b_a3b(), 8, 1, 8192);
    ck_assert_uint_lt(r.n_cpu_moe, est(&one).n_cpu_moe);
}
END_TEST

/* vLLM tensor parallel: each rank caches max(1, KV heads / tp) heads
** (vllm/config/model.py get_num_kv_heads) and the whole MLA latent. */
START_TEST(test_place_vllm_kv_replication)
{
    struct est_input in = cuda(llama70(), 80, 1, 8192);
    in.runtime = EST_RUNTIME_VLLM;
    in.quant = est_quant_find("fp8");
    in.device.memory_gib = 80;
    struct est_result one = est(&in);
    /* 8 KV heads over 8 ranks: one head each, no copies */
    in.device.count = 8;
    struct est_result eight = est(&in);
    ck_assert_uint_eq(eight.kv_cache_bytes, one.kv_cache_bytes);

    /* 4 KV heads at TP 8: each head on two ranks, twice the cache */
    struct est_input four = in;
    four.model.num_key_value_heads = 4;
    four.device.count = 1;
    struct est_result f1 = est(&four);
    four.device.count = 8;
    struct est_result f8 = est(&four);
    ck_assert_uint_eq(f8.kv_cache_bytes, 2 * f1.kv_cache_bytes);
    /* at TP 4 the heads divide: no copies */
    four.device.count = 4;
    ck_assert_uint_eq(est(&four).kv_cache_bytes, f1.kv_cache_bytes);
    /* per device: the footprint split evenly, each rank's own cache in it */
    ck_assert_uint_eq(f8.devices_reported, 8);
    uint64_t sum = 0;
    for (uint32_t d = 0; d < 8; d++)
        sum += f8.device_bytes[d];
    ck_assert_uint_eq(sum, f8.total_bytes);
    ck_assert_uint_ge(f8.device_bytes[1], f8.kv_cache_bytes / 8);

    /* llama.cpp splits layers, not heads: no copies */
    struct est_input lc = four;
    lc.runtime = EST_RUNTIME_LLAMACPP;
    lc.quant = est_quant_find("Q4_K_M");
    lc.device.count = 8;
    struct est_result l8 = est(&lc);
    lc.device.count = 1;
    ck_assert_uint_eq(l8.kv_cache_bytes, est(&lc).kv_cache_bytes);
}
END_TEST

/* deepseek-ai/DeepSeek-V3 config.json: MLA latent 512 + rope 64. */
START_TEST(test_place_vllm_mla_latent_on_every_rank)
{
    struct est_model m = {0};
    m.params = 671026419712ull;
    m.num_hidden_layers = 61;
    m.hidden_size = 7168;
    m.num_attention_heads = 128;
    m.num_key_value_heads = 128;
    m.intermediate_size = 18432;
    m.vocab_size = 129280;
    m.max_position_embeddings = 163840;
    m.num_experts = 256;
    m.num_experts_per_tok = 8;
    m.moe_intermediate_size = 2048;
    m.num_shared_experts = 1;
    m.kv_lora_rank = 512;
    m.qk_rope_head_dim = 64;
    struct est_input in = cuda(m, 141, 8, 4096);
    in.runtime = EST_RUNTIME_VLLM;
    in.quant = est_quant_find("fp8");
    struct est_result r = est(&in);
    /* the latent (576 elements per token and layer, in the model dtype: the
    ** KV type "auto") on each of the 8 ranks */
    ck_assert_uint_eq(r.kv_cache_bytes, 8ull * 61 * 576 * 2 * 4096);
    in.device.count = 4;
    ck_assert_uint_eq(est(&in).kv_cache_bytes, 4ull * 61 * 576 * 2 * 4096);
}
END_TEST

START_TEST(test_place_cpu_moe_bounds_and_runtimes)
{
    struct est_input in = cuda(qwen3_30b_a3b(), 12, 1, 8192);
    in.n_cpu_moe = 1000; /* beyond the layer count: all layers */
    struct est_result r = est(&in);
    ck_assert_uint_eq(r.n_cpu_moe, 48);
    ck_assert(placed(&r));

    /* too little RAM for the experts: the verdict falls back */
    struct est_input small = in;
    small.device.system_ram_gib = 8;
    struct est_result s = est(&small);
    ck_assert(!fits(s.verdict));
    ck_assert_uint_eq(est_min_cpu_moe(&small), 0);

    /* Ollama has no such setting */
    struct est_input ol = in;
    struct est_result o;
    ol.runtime = EST_RUNTIME_OLLAMA;
    ck_assert_int_eq(est_estimate(&ol, &o), EST_E_UNSUPPORTED);

    /* dense models: no effect */
    struct est_input dense = cuda(llama70(), 24, 1, 4096);
    struct est_result d0 = est(&dense);
    dense.n_cpu_moe = 10;
    struct est_result d1 = est(&dense);
    ck_assert_uint_eq(d1.n_cpu_moe, 0);
    ck_assert_int_eq(d1.verdict, d0.verdict);
    ck_assert_uint_eq(d1.host_bytes, d0.host_bytes);
    ck_assert_uint_eq(est_min_cpu_moe(&dense), 0);

    /* the context search agrees with the verdict under --n-cpu-moe */
    struct est_input ctx = cuda(qwen3_30b_a3b(), 12, 1, 8192);
    ctx.n_cpu_moe = est_min_cpu_moe(&ctx);
    uint32_t m = est_max_context(&ctx);
    ck_assert_uint_ge(m, 8192);
    struct est_input at = ctx;
    at.context = m;
    struct est_result rm = est(&at);
    ck_assert(placed(&rm));
    if (m + 256 <= 40960) {
        at.context = m + 256;
        struct est_result rn = est(&at);
        ck_assert(!placed(&rn));
    }
}
END_TEST

START_TEST(test_place_two_gpus_per_device_totals)
{
    struct est_input one = cuda(llama70(), 48, 1, 8192);
    struct est_input two = cuda(llama70(), 24, 2, 8192);
    struct est_result r1 = est(&one), r2 = est(&two);
    ck_assert_uint_eq(r2.devices_reported, 2);
    ck_assert_uint_eq(r2.device_bytes[0] + r2.device_bytes[1], r2.total_bytes);
    /* the second device runs its own compute buffer: the split footprint is
    ** the single-device one plus that */
    ck_assert_uint_gt(r2.total_bytes, r1.total_bytes);
    ck_assert_uint_eq(r2.total_bytes - r1.total_bytes, r2.compute_bytes - r1.compute_bytes);
    ck_assert_uint_eq(r2.weights_bytes, r1.weights_bytes);
    ck_assert_uint_eq(r2.device_usable_bytes * 2, r2.usable_bytes);
    ck_assert(fits(r2.verdict));
    /* the default split is even (identical devices); the device holding the
    ** output layer carries the output, the embedding and the wide compute */
    ck_assert(r2.tensor_split[0] > 0.49 && r2.tensor_split[0] < 0.51);
    ck_assert_uint_gt(r2.device_bytes[1], r2.device_bytes[0]);

    /* an uneven split overflows device 0: not runs, although the sum fits */
    struct est_input uneven = two;
    uneven.tensor_split[0] = 3;
    uneven.tensor_split[1] = 1;
    struct est_result u = est(&uneven);
    ck_assert(!fits(u.verdict));
    ck_assert_uint_le(u.total_bytes, u.usable_bytes);
    /* a split set by hand stops llama-server's --fit, so nothing moves to
    ** the CPU: every layer stays on the GPUs and device 0 runs out */
    ck_assert_int_eq(u.verdict, EST_WONT_RUN);
    ck_assert_uint_gt(u.device_bytes[0], u.device_usable_bytes);
    /* the balanced split is reported, and it fits when passed back */
    struct est_input bal = two;
    double sum = 0;
    for (uint32_t d = 0; d < 2; d++) {
        bal.tensor_split[d] = (double)(uint32_t)(u.tensor_split[d] * u.gpu_layers_total + 0.5);
        sum += bal.tensor_split[d];
    }
    ck_assert(sum == 81.0);
    struct est_result b = est(&bal);
    ck_assert(fits(b.verdict));
    ck_assert_uint_le(b.device_bytes[0], b.device_usable_bytes);
    ck_assert_uint_le(b.device_bytes[1], b.device_usable_bytes);
}
END_TEST

START_TEST(test_place_default_split_overflow_balanced_fits)
{
    /* Find a context where the default (even) split overflows the device
    ** with the output layer while the sum still fits and a balanced split
    ** of whole layers exists. */
    bool found = false;
    for (double mem = 4; mem <= 8 && !found; mem += 1) {
        for (uint32_t ctx = 2048; ctx <= 65536 && !found; ctx += 512) {
            struct est_input in = cuda(llama8(), mem, 2, ctx);
            struct est_result r = est(&in);
            if (fits(r.verdict) || r.total_bytes > r.usable_bytes)
                continue;
            ck_assert_int_eq(r.verdict, EST_OFFLOAD);
            struct est_input bal = in;
            for (uint32_t d = 0; d < 2; d++)
                bal.tensor_split[d] =
                    (double)(uint32_t)(r.tensor_split[d] * r.gpu_layers_total + 0.5);
            if (bal.tensor_split[0] == bal.tensor_split[1])
                continue; /* no whole-layer split fits either */
            ck_assert(bal.tensor_split[0] + bal.tensor_split[1] == 33.0);
            /* the output layer's device gets fewer layers */
            ck_assert(bal.tensor_split[0] > bal.tensor_split[1]);
            struct est_result b = est(&bal);
            ck_assert(fits(b.verdict));
            ck_assert_uint_le(b.device_bytes[0], b.device_usable_bytes);
            ck_assert_uint_le(b.device_bytes[1], b.device_usable_bytes);

            /* the plan's first step is that split */
            struct fix_plan p;
            ck_assert_int_eq(fix_plan_build(&in, &r, NULL, &p), 0);
            ck_assert_uint_ge(p.count, 1);
            char want[64];
            snprintf(want, sizeof want, " --tensor-split %u,%u", (unsigned)bal.tensor_split[0],
                     (unsigned)bal.tensor_split[1]);
            ck_assert_ptr_nonnull(strstr(p.steps[0].command, want));
            ck_assert(fits(p.steps[0].verdict_after));
            found = true;
        }
    }
    ck_assert(found);
}
END_TEST

START_TEST(test_place_vulkan_allocation_cap)
{
    struct est_input in = cuda(big_vocab(), 8, 1, 8192);
    in.quant = est_quant_find("Q8_0");
    in.device.backend = EST_BACKEND_VULKAN;
    struct est_result free_cap = est(&in);
    ck_assert(fits(free_cap.verdict));
    /* the f32 logits of one 512-token micro-batch are the biggest buffer */
    ck_assert_uint_ge(free_cap.largest_allocation_bytes, 262144ull * 512 * 4);
    ck_assert_uint_eq(free_cap.warnings & EST_WARN_ALLOCATION_CAP, 0);

    struct est_input half = in;
    half.ubatch = 256;
    struct est_result h = est(&half);
    ck_assert_uint_lt(h.largest_allocation_bytes, free_cap.largest_allocation_bytes);

    /* a driver limit between the two: wont_run at -ub 512 */
    struct est_input capped = in;
    capped.device.max_allocation_gib = (double)(h.largest_allocation_bytes + MIB) / (double)GIB;
    struct est_result c = est(&capped);
    ck_assert_int_eq(c.verdict, EST_WONT_RUN);
    ck_assert_uint_ne(c.warnings & EST_WARN_ALLOCATION_CAP, 0);
    ck_assert_str_eq(fix_error_id(&capped, &c), "vulkan-max-allocation-exceeded");

    /* the plan shrinks -ub first */
    struct fix_plan p;
    ck_assert_int_eq(fix_plan_build(&capped, &c, NULL, &p), 0);
    ck_assert_uint_ge(p.count, 1);
    ck_assert_ptr_nonnull(strstr(p.steps[0].command, " -ub 256"));
    ck_assert_ptr_nonnull(strstr(p.steps[0].command, " -c 8192"));
    ck_assert(fits(p.steps[0].verdict_after));

    /* the cap is Vulkan's: CUDA ignores the figure */
    struct est_input cu = capped;
    cu.device.backend = EST_BACKEND_CUDA;
    ck_assert(fits(est(&cu).verdict));
}
END_TEST

START_TEST(test_place_input_checks)
{
    struct est_input in = cuda(llama70(), 24, 2, 4096);
    struct est_result r;
    in.tensor_split[2] = 1; /* a third device that is not there */
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_INVALID);
    in.tensor_split[2] = 0;
    in.tensor_split[0] = 1e12;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_RANGE);
    in.tensor_split[0] = 1;
    in.runtime = EST_RUNTIME_OLLAMA;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
    in.runtime = EST_RUNTIME_VLLM;
    in.quant = NULL;
    ck_assert_int_eq(est_estimate(&in, &r), EST_E_UNSUPPORTED);
}
END_TEST

START_TEST(test_place_cpu_moe_fix_before_offload)
{
    static const struct fix_names names = {
        .model_id = "qwen3-30b-a3b",
        .hf_repo = "Qwen/Qwen3-30B-A3B",
        .gguf_repo = "unsloth/Qwen3-30B-A3B-GGUF",
        .gguf_quants = "Q4_K_M",
    };
    /* left to llama-server's --fit, the experts already go to RAM: neither
    ** --n-cpu-moe nor an -ngl (which would stop --fit) is suggested */
    struct est_input in = cuda(qwen3_30b_a3b(), 12, 1, 8192);
    struct est_result r = est(&in);
    struct fix_plan p;
    ck_assert_uint_gt(r.n_cpu_moe, 0);
    ck_assert_int_eq(fix_plan_build(&in, &r, &names, &p), 0);
    for (size_t i = 0; i < p.count; i++) {
        ck_assert_ptr_null(strstr(p.steps[i].command, " --n-cpu-moe "));
        ck_assert_ptr_null(strstr(p.steps[i].command, " -ngl "));
    }
    /* a --tensor-split set by hand stops --fit: two 8 GiB cards with an
    ** uneven split do not hold the model, and --n-cpu-moe is the fix, before
    ** any layer offload */
    struct est_input two = cuda(qwen3_30b_a3b(), 8, 2, 8192);
    two.tensor_split[0] = 1;
    two.tensor_split[1] = 1;
    r = est(&two);
    ck_assert_int_eq(r.verdict, EST_WONT_RUN);
    ck_assert_int_eq(fix_plan_build(&two, &r, &names, &p), 0);
    const char *want = " --n-cpu-moe ";
    size_t moe = FIX_MAX_STEPS, ngl = FIX_MAX_STEPS;
    for (size_t i = 0; i < p.count; i++) {
        if (moe == FIX_MAX_STEPS && strstr(p.steps[i].command, want))
            moe = i;
        if (ngl == FIX_MAX_STEPS && strstr(p.steps[i].command, " -ngl "))
            ngl = i;
    }
    ck_assert_uint_lt(moe, p.count);
    ck_assert(ngl == FIX_MAX_STEPS || moe < ngl);
    ck_assert_int_eq(p.steps[moe].verdict_after, EST_OFFLOAD);
    ck_assert_ptr_nonnull(strstr(p.steps[moe].command, "llama-server -hf "
                                                       "unsloth/Qwen3-30B-A3B-GGUF:Q4_K_M"));
    ck_assert_ptr_nonnull(strstr(p.steps[moe].command, " -c "));
}
END_TEST

static Suite *place_suite(void)
{
    Suite *s = suite_create("estimator_place");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_place_cpu_moe_smallest_n_fits);
    tcase_add_test(tc, test_place_cpu_moe_bounds_and_runtimes);
    tcase_add_test(tc, test_place_fit_moe_experts_in_ram);
    tcase_add_test(tc, test_place_fit_moe_dense_parts_do_not_fit);
    tcase_add_test(tc, test_place_fit_moe_two_gpus);
    tcase_add_test(tc, test_place_vllm_kv_replication);
    tcase_add_test(tc, test_place_vllm_mla_latent_on_every_rank);
    tcase_add_test(tc, test_place_two_gpus_per_device_totals);
    tcase_add_test(tc, test_place_default_split_overflow_balanced_fits);
    tcase_add_test(tc, test_place_vulkan_allocation_cap);
    tcase_add_test(tc, test_place_input_checks);
    tcase_add_test(tc, test_place_cpu_moe_fix_before_offload);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(place_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

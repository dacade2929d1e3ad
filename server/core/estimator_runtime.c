/* estimator_runtime.c: what each runtime adds beyond weights and KV, and its defaults.
** Pure: no I/O, no allocation, no globals. Compute/output buffers, activation peaks,
** fixed reserves; default context, KV type, flash attention, decode efficiency.
*/
#include "estimator_internal.h"

#include <stddef.h>
#include <string.h>

static bool is_llamacpp_family(enum est_runtime rt)
{
    return rt == EST_RUNTIME_LLAMACPP || rt == EST_RUNTIME_OLLAMA || rt == EST_RUNTIME_LMSTUDIO;
}

/* FFN width whose activations are live per token: the dense width, or the
** routed experts a token visits plus the shared experts. */
static uint64_t ffn_width(const struct estimator_shape *s)
{
    if (!s->moe)
        return s->ff;
    return (uint64_t)s->expert_ff * ((uint64_t)s->n_expert_used + s->n_shared);
}

/* Width of Q (heads x head dim) as the attention kernels see it. */
static uint64_t q_width(const struct estimator_shape *s)
{
    if (s->mla)
        return (uint64_t)s->n_head * ((uint64_t)s->mla_nope + s->rope_dim);
    return (uint64_t)s->n_head * s->head_dim;
}

static uint64_t max3(uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t m = a > b ? a : b;
    return m > c ? m : c;
}

/* ---- llama.cpp ----------------------------------------------------------------- */

/* llama.cpp reserves the worst-case graph: a micro-batch of
** n_tokens = min(n_ctx, n_ubatch) tokens against every KV cell, producing
** logits for every token. The allocator reuses dead tensors, so the buffer is
** the largest live set, all f32:
**   logits          n_vocab x n_tokens (+ two n_embd x n_tokens activations),
**   attention, FA off: the KQ scores n_kv x n_tokens x n_head + the KQ mask,
**   attention, FA on : the mask only, as f32 and f16 (1.5 x n_kv x n_tokens),
**   FFN             gate and up outputs (2 x n_ff x n_tokens).
** (src/llama-context.cpp graph_reserve, src/llama-graph.cpp; derived and
** checked against every row of tests/data/truth/llamacpp-cpu.tsv in
** LLAMACPP-RULES.md section 5.5.) The output buffer holds n_vocab f32 logits
** per sequence (llama_context::output_reserve(n_seq_max)). */
uint64_t estimator_llamacpp_compute_bytes(const struct estimator_shape *s, uint64_t n_kv,
                                          uint32_t n_ubatch, bool flash_attn, uint32_t n_seq,
                                          uint32_t extra_devices, struct estimator_ck *ck)
{
    const uint64_t h = s->hidden;
    uint64_t n_tokens = n_kv < n_ubatch ? n_kv : n_ubatch;
    if (n_tokens == 0)
        n_tokens = 1;
    uint64_t logits = estimator_add(ck, s->vocab, 2 * h);
    uint64_t attn;
    if (flash_attn)
        attn = estimator_add(ck, estimator_mul(ck, n_kv, 3) / 2, 4 * h);
    else
        attn = estimator_add(ck, estimator_mul(ck, n_kv, (uint64_t)s->n_head + 1), 4 * h);
    uint64_t ffn = estimator_add(ck, estimator_mul(ck, ffn_width(s), 2), 2 * h);
    uint64_t per_token = max3(logits, attn, ffn);
    uint64_t bytes = estimator_mul(ck, estimator_mul(ck, n_tokens, per_token), 4);
    if (extra_devices > 0) {
        uint64_t layer_part = estimator_mul(ck, n_tokens, attn > ffn ? attn : ffn);
        bytes = estimator_add(ck, bytes,
                              estimator_mul(ck, estimator_mul(ck, layer_part, 4), extra_devices));
    }
    uint64_t output = estimator_mul(ck, estimator_mul(ck, s->vocab, 4), n_seq);
    return estimator_add(ck, bytes, output);
}

/* ---- PyTorch / MLX activations ----------------------------------------------------- */

/* 16-bit activation bytes live per token inside one decoder layer during a
** prompt pass: the MLP holds act(gate), up and their product (3 x n_ff) next
** to the residual stream, the fp32-upcast norm input and the norm output
** (4 x n_embd in 16-bit units); attention holds Q, rotated Q, the output
** (3 x q width), K and V before and after rotary (4 x kv width) and the
** residual pair. (transformers LlamaMLP / LlamaRMSNorm / LlamaAttention; the
** same graph in mlx-lm.) Matches the linear growth of
** prefill_peak_over_weights_bytes in tests/data/truth/transformers-h200.tsv. */
static uint64_t activation_bytes_per_token_tp(const struct estimator_shape *s, uint32_t tp,
                                              struct estimator_ck *ck)
{
    const uint64_t h = s->hidden;
    uint64_t kvw;
    if (s->mla) {
        kvw = (uint64_t)s->kv_lora + s->rope_dim; /* the latent is replicated */
    } else {
        /* vLLM gives each rank max(1, n_kv / tp) KV heads (vllm/config/model.py
        ** get_num_kv_heads: KV heads are replicated when fewer than tp) */
        uint64_t heads = s->n_kv / tp;
        kvw = (heads ? heads : 1) * (uint64_t)s->head_dim;
    }
    /* column-parallel Q and FFN widths divide by tp; the residual stream
    ** and norms (h) are whole on every rank */
    uint64_t mlp = estimator_add(ck, estimator_mul(ck, ffn_width(s) / tp, 3), 4 * h);
    uint64_t att = estimator_add(
        ck, estimator_add(ck, estimator_mul(ck, q_width(s) / tp, 3), estimator_mul(ck, kvw, 4)),
        2 * h);
    return estimator_mul(ck, mlp > att ? mlp : att, 2);
}

static uint64_t activation_bytes_per_token(const struct estimator_shape *s, struct estimator_ck *ck)
{
    return activation_bytes_per_token_tp(s, 1, ck);
}

/* mlx-lm prefills the prompt in chunks of prefill_step_size = 2048 tokens
** (mlx_lm/generate.py generate_step @d78bf58e), leaving the last token for the
** first sampling step, so only one row of logits is ever computed. */
#define MLX_PREFILL_STEP 2048u
/* MLX's fused prefill attention (steel attention) exists only for head dims
** 64, 80 and 128 (mlx/backend/metal/scaled_dot_product_attention.cpp,
** sdpa_full_supported_head_dim); other head dims fall back to
** matmul -> softmax -> matmul and materialise the score matrix. */
static bool mlx_fused_attention(const struct estimator_shape *s)
{
    uint64_t d = s->mla ? (uint64_t)s->mla_nope + s->rope_dim : s->head_dim;
    return d == 64 || d == 80 || d == 128;
}

/* The PyTorch caching allocator keeps freed blocks reserved for reuse and
** splits them (memory_reserved exceeds memory_allocated; "reserved but
** unallocated" memory, pytorch.org/docs/stable/notes/cuda.html#memory-management,
** c10/cuda/CUDACachingAllocator.cpp), so the per-layer KV blocks allocated
** between the activation blocks keep those from merging: measured at
** 0.29-0.55 of the prefill activations on the H200 rows of
** tests/data/truth/transformers-h200.tsv (max_reserved - weights - peak);
** we charge the upper half. transformers' device_map / CPU and disk offload
** are out of scope: the model is sized on one device. */
#define TORCH_ALLOCATOR_SLACK_NUM 1u
#define TORCH_ALLOCATOR_SLACK_DEN 2u

/* vllm serve's max_num_batched_tokens / max_num_seqs defaults: 8192 / 1024 when
** the GPU has >= 70 GiB and its name does not contain "a100", else 2048 / 256
** (vllm/engine/arg_utils.py EngineArgs.get_batch_defaults,
** UsageContext.OPENAI_API_SERVER; the A100 exception is vllm-project/vllm
** PR #17885). The device record carries no name, so an A100 80GB is sized
** with the large defaults (activations a few hundred MiB high). */
#define VLLM_BIG_GPU_GIB 70.0

/* What one tensor-parallel rank of vLLM holds beyond weights and KV during
** the profiling run that sizes the KV pool (vllm/v1/worker/gpu_worker.py
** Worker.determine_available_memory: KV = requested - (weights + torch peak
** increase + non-torch increase) - CUDA graph estimate): every rank runs the
** dummy forward pass of max_num_batched_tokens with its shard of the
** attention heads and FFN width, and every rank of the last pipeline stage
** warms the sampler up (gpu_worker.py compile_or_warm_up_model,
** _dummy_sampler_run; the vocab-parallel logits are all-gathered:
** vllm/model_executor/layers/logits_processor.py _gather_logits), holding
** fp32 logits (and one working copy) for max_num_seqs requests. */
static uint64_t vllm_rank_compute_bytes(const struct estimator_shape *s, const struct est_input *in,
                                        uint32_t tp, struct estimator_ck *ck)
{
    const bool big = in->device.memory_gib >= VLLM_BIG_GPU_GIB;
    const uint64_t tokens = big ? 8192 : 2048;
    const uint64_t seqs = big ? 1024 : 256;
    uint64_t act = estimator_mul(ck, tokens, activation_bytes_per_token_tp(s, tp, ck));
    uint64_t sampler = estimator_mul(ck, estimator_mul(ck, estimator_mul(ck, s->vocab, 4), seqs), 2);
    return estimator_add(ck, act, sampler);
}

/* ---- Ollama ------------------------------------------------------------------- */

/* The GPU memory Ollama sees: the devices' memory, on Metal the working-set
** ceiling (Ollama reports it as the GPU's memory), capped at the RAM. */
static uint64_t ollama_vram(const struct est_input *in)
{
    struct estimator_ck ck = {false};
    uint64_t mem = 0, usable = 0;
    const char *basis = NULL;
    bool approx = false;
    estimator_budget(in, &ck, &mem, &usable, &basis, &approx);
    uint64_t vram = mem;
    if (in->device.kind == EST_DEVICE_UNIFIED && in->device.backend == EST_BACKEND_METAL) {
        uint32_t n = in->device.count ? in->device.count : 1;
        vram = in->wired_limit_mb > 0
                   ? estimator_mul(&ck, (uint64_t)in->wired_limit_mb * ESTIMATOR_MIB, n)
                   : estimator_mul(&ck,
                                   est_apple_working_set_bytes(in->device.memory_gib,
                                                               in->os_version_major,
                                                               in->os_version_minor),
                                   n);
        if (vram > mem)
            vram = mem;
    }
    return vram;
}

/* Ollama's context when the request sets none: by total VRAM (sum over GPUs
** of total - OLLAMA_GPU_OVERHEAD, default 0), >= 47 GiB -> 262144,
** >= 23 GiB -> 32768, else 4096 (ollama server/routes.go @fb307609;
** envconfig OLLAMA_CONTEXT_LENGTH default 0 = by VRAM), clamped to the
** trained context (server/sched.go effectiveModelContext). */
static uint32_t ollama_default_context(const struct est_input *in, uint32_t trained)
{
    uint32_t ctx = 4096;
    if (estimator_has_accelerator(&in->device)) {
        uint64_t vram = ollama_vram(in);
        if (vram >= 47ull * ESTIMATOR_GIB)
            ctx = 262144;
        else if (vram >= 23ull * ESTIMATOR_GIB)
            ctx = 32768;
    }
    return trained > 0 && ctx > trained ? trained : ctx;
}

/* Ollama picks num_batch (passed to llama-server as both -b and -ub) when
** neither the model nor the request sets it (ollama server/sched.go
** @fb307609 automaticGenerationBatch, server/routes.go usesAutomaticNumBatch;
** llm/llama_server.go appendBatchArgs):
** - flash attention off on CUDA: 512, or 256 when num_ctx x num_parallel >
**   4096 on a CUDA GPU of at most 8 GiB;
** - else by num_ctx x num_parallel: > 32768 -> 2048, > 4096 -> 1024, else 512,
**   stepped down (2048 -> 1024 -> 512) while it does not fit: the predicted
**   VRAM (file size + an f16 KV cache of layers x min KV heads x
**   n_embd / n_head x context: llm/llama_server.go PredictServerVRAM) must
**   stay within 80 % of the GPUs' free memory, within 60 % (2048) or 75 %
**   (1024) of it, and leave room for a surcharge of 2 GiB (2048) or 768 MiB
**   (1024) under the 80 %. With no GPU (CPU runs) there is no free-memory
**   figure and the context alone decides.
** The free memory is the VRAM Ollama reports (ollama_vram). The file size is
** our weights at Ollama's default quant (Q4_K_M, what `ollama pull` fetches):
** the estimate's stages do not see which candidate quant est_best_quant is
** sizing, and one figure for every quant keeps est_best_quant and
** est_estimate in agreement; for other quants the tier can differ from
** Ollama's near its thresholds. */
#define OLLAMA_BATCH_DEFAULT 512u
#define OLLAMA_BATCH_CONSTRAINED 256u
#define OLLAMA_BATCH_MEDIUM 1024u
#define OLLAMA_BATCH_LARGE 2048u

static bool ollama_batch_fits(uint32_t b, uint64_t predicted, uint64_t available)
{
    if (predicted == 0 || available == 0)
        return true;
    const uint64_t threshold = available / 100 * 80 + available % 100 * 80 / 100;
    if (predicted > threshold)
        return false;
    const uint64_t pct = b >= OLLAMA_BATCH_LARGE ? 60 : 75;
    if (predicted > available / 100 * pct + available % 100 * pct / 100)
        return false;
    const uint64_t surcharge =
        b >= OLLAMA_BATCH_LARGE ? 2 * ESTIMATOR_GIB : 768 * ESTIMATOR_MIB;
    return surcharge <= threshold - predicted;
}

/* Ollama's automatic num_batch for `context` tokens (0 = its default) and
** `batch` parallel sequences; 512 when it cannot be sized. */
static uint32_t ollama_auto_batch(const struct est_input *in, const struct estimator_shape *s,
                                  uint32_t context, uint32_t batch)
{
    uint64_t ctx = context ? context : ollama_default_context(in, s->max_ctx);
    if (s->max_ctx > 0 && ctx > s->max_ctx)
        ctx = s->max_ctx;
    const uint64_t eff = ctx * (uint64_t)(batch ? batch : 1);
    const bool accel = estimator_has_accelerator(&in->device);
    if (accel && in->device.backend == EST_BACKEND_CUDA && in->flash_attention == EST_OFF)
        return eff > 4096 && in->device.memory_gib <= 8.0 ? OLLAMA_BATCH_CONSTRAINED
                                                         : OLLAMA_BATCH_DEFAULT;
    uint32_t b = eff > 32768 ? OLLAMA_BATCH_LARGE
                 : eff > 4096 ? OLLAMA_BATCH_MEDIUM
                              : OLLAMA_BATCH_DEFAULT;
    if (b == OLLAMA_BATCH_DEFAULT || !accel)
        return b;

    /* the predicted VRAM: file size + Ollama's f16 KV estimate */
    const struct estimator_quant_row *row =
        estimator_quant_row(est_quant_default(EST_RUNTIME_OLLAMA));
    if (row == NULL)
        return OLLAMA_BATCH_DEFAULT;
    struct estimator_ck ck = {false};
    struct estimator_wctx w;
    struct estimator_weights wt;
    memset(&w, 0, sizeof w);
    w.shape = s;
    w.quant = row;
    w.runtime = EST_RUNTIME_OLLAMA;
    if (estimator_weights_compute(&w, in->model.params, &ck, &wt) != EST_OK || ck.overflow)
        return OLLAMA_BATCH_DEFAULT;
    const uint64_t head_dim = s->n_head ? s->hidden / s->n_head : 0;
    uint64_t kv = estimator_mul(&ck, 4ull * s->n_layer * (s->n_kv ? s->n_kv : 1), head_dim);
    kv = estimator_mul(&ck, kv, eff);
    const uint64_t predicted = estimator_add(&ck, wt.total, kv);
    if (ck.overflow)
        return OLLAMA_BATCH_DEFAULT;
    const uint64_t available = ollama_vram(in);
    while (b > OLLAMA_BATCH_DEFAULT && !ollama_batch_fits(b, predicted, available))
        b = b > OLLAMA_BATCH_MEDIUM ? OLLAMA_BATCH_MEDIUM : OLLAMA_BATCH_DEFAULT;
    return b;
}

/* The physical batch at `context` tokens (0 = in->context): the caller's
** -ub / num_batch, else llama.cpp's 512, or Ollama's automatic num_batch,
** which depends on the context sized (every part of one estimate uses the
** same one, so a context search agrees with est_estimate). */
uint32_t estimator_ubatch(const struct est_input *in, uint32_t context)
{
    if (in->ubatch)
        return in->ubatch;
    if (in->runtime == EST_RUNTIME_OLLAMA) {
        struct estimator_shape s;
        if (estimator_shape_resolve(&in->model, &s) == EST_OK)
            return ollama_auto_batch(in, &s, context ? context : in->context, in->batch);
    }
    return ESTIMATOR_LLAMACPP_UBATCH;
}

uint64_t estimator_compute_bytes(const struct estimator_shape *s, const struct est_input *in,
                                 enum est_runtime rt, uint32_t context, uint32_t batch,
                                 uint32_t ubatch, bool flash_attn, const struct estimator_kv *kv,
                                 struct estimator_ck *ck)
{
    const uint32_t count = in->device.count == 0 ? 1 : in->device.count;
    const bool accel = estimator_has_accelerator(&in->device);
    /* The KV length the attention of a full layer sees (all layers may use a
    ** window). */
    const uint64_t n_kv =
        (s->swa_layers >= s->n_layer && s->swa_window) ? kv->cells_swa : kv->cells_full;
    const uint64_t logits_row = estimator_mul(ck, s->vocab, 4);

    switch (rt) {
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
    case EST_RUNTIME_LMSTUDIO: {
        /* The worst-case graph attends over one stream's cells (a KV stream
        ** per sequence without a unified cache: the score matrices of the
        ** streams add up to n_tokens x one stream); the output buffer holds
        ** one row of logits per sequence slot (output_reserve(n_seq_max)). */
        uint32_t n_seq = 1;
        bool unified = false;
        estimator_llamacpp_seqs(rt, batch, &n_seq, &unified);
        const uint64_t streams = unified ? 1 : n_seq;
        return estimator_llamacpp_compute_bytes(s, n_kv / streams, ubatch, flash_attn, n_seq,
                                                accel ? count - 1 : 0, ck);
    }
    case EST_RUNTIME_MLX: {
        uint64_t chunk = context < MLX_PREFILL_STEP ? context : MLX_PREFILL_STEP;
        chunk = estimator_mul(ck, chunk, batch);
        uint64_t b = estimator_mul(ck, chunk, activation_bytes_per_token(s, ck));
        if (!mlx_fused_attention(s)) {
            /* scores and softmax output, 16-bit, for one layer */
            uint64_t per_seq = kv->cells_full / (batch ? batch : 1);
            uint64_t scores = estimator_mul(ck, estimator_mul(ck, s->n_head, chunk), per_seq);
            b = estimator_add(ck, b, estimator_mul(ck, scores, 4));
        }
        /* KVCache.update_and_fetch grows a layer by concatenation: old and new
        ** buffers of one layer are alive together. */
        b = estimator_add(ck, b, estimator_mul(ck, kv->cells_full, kv->bytes_per_cell));
        return estimator_add(ck, b, estimator_mul(ck, logits_row, batch));
    }
    case EST_RUNTIME_TRANSFORMERS: {
        /* transformers runs the whole prompt in one forward pass. */
        uint64_t tokens = estimator_mul(ck, context, batch);
        uint64_t per = estimator_add(ck, activation_bytes_per_token(s, ck),
                                     4ull * s->head_dim + 16); /* rotary cos/sin, positions */
        uint64_t act = estimator_mul(ck, tokens, per);
        if (!flash_attn) {
            /* eager attention: scores (16-bit), fp32 softmax and its 16-bit
            ** copy for one layer */
            uint64_t sq = estimator_mul(ck, estimator_mul(ck, context, context), s->n_head);
            act = estimator_add(ck, act, estimator_mul(ck, estimator_mul(ck, sq, batch), 8));
        }
        uint64_t slack =
            estimator_mul(ck, act / TORCH_ALLOCATOR_SLACK_DEN, TORCH_ALLOCATOR_SLACK_NUM);
        return estimator_add(ck, estimator_add(ck, act, slack),
                             estimator_mul(ck, logits_row, batch));
    }
    case EST_RUNTIME_VLLM:
    case EST_RUNTIME_COUNT:
    default:
        /* tensor parallelism over the devices: every rank holds its own
        ** activations and sampler buffers, so the footprint's compute is
        ** count identical per-rank figures (estimator_place.c reports one
        ** per device) */
        return estimator_mul(ck, vllm_rank_compute_bytes(s, in, count, ck), count);
    }
}

/* ---- fixed reserves ------------------------------------------------------------------ */

/* vLLM per GPU (tensor-parallel rank), both inside the
** gpu_memory_utilization budget:
** - CUDA graphs: since v0.21.0 the memory profiler captures sample graphs
**   and subtracts their estimate from the KV pool by default
**   (vllm/v1/worker/gpu_worker.py determine_available_memory,
**   VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS, log "CUDA graph memory
**   profiling is enabled (default since v0.21.0)"); logged estimates are
**   0.36-0.61 GiB for single-GPU 8-30B models and 1.26 GiB for a TP4 MLA
**   model with speculative decoding (vLLM 0.26-0.27 startup logs): 512 MiB
**   charged. Before v0.21 the graphs were captured after the KV cache, in
**   the 1 - utilization headroom.
** - non-torch memory (NCCL/cuBLAS workspaces): 0.16 GiB in the vLLM
**   profiling log quoted in kubernetes-sigs/gateway-api-inference-extension
**   PR #550; vLLM itself adds 150 MiB of slack only to the
**   --kv-cache-memory it suggests, not to the pool (compile_or_warm_up_model). */
#define VLLM_GRAPHS (512ull * ESTIMATOR_MIB)
#define VLLM_NON_TORCH (160ull * ESTIMATOR_MIB)
/* A Python process with torch (and transformers/vLLM) imported, CPU runs
** (approximate: importing torch alone takes a few hundred MiB of RSS). */
#define PYTORCH_PROCESS (512ull * ESTIMATOR_MIB)

uint64_t estimator_overhead_bytes(const struct est_input *in, enum est_runtime rt,
                                  bool on_accelerator, struct estimator_ck *ck)
{
    const uint64_t count = in->device.count == 0 ? 1 : in->device.count;
    switch (rt) {
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_LMSTUDIO:
        return on_accelerator ? 0 : ESTIMATOR_LLAMACPP_PROCESS;
    case EST_RUNTIME_OLLAMA:
        /* Ollama's per-GPU minimum (ml/device.go MinimumMemory: 457 MiB,
        ** 512 MiB on Metal) is a scheduler check that the 1 GiB llama-server
        ** --fit margin in the budget already covers (estimator_budget.c). */
        return on_accelerator ? 0 : ESTIMATOR_LLAMACPP_PROCESS;
    case EST_RUNTIME_MLX:
        /* MLX allocates nothing on the GPU beyond its arrays (weights, cache,
        ** activations: counted elsewhere); the Python process and tokenizer
        ** live outside the Metal working set. */
        return 0;
    case EST_RUNTIME_VLLM:
        if (!on_accelerator)
            return PYTORCH_PROCESS;
        return estimator_mul(ck, VLLM_GRAPHS + VLLM_NON_TORCH, count);
    case EST_RUNTIME_TRANSFORMERS:
    case EST_RUNTIME_COUNT:
    default:
        return on_accelerator ? 0 : PYTORCH_PROCESS;
    }
}

/* ---- defaults ------------------------------------------------------------------------ */

/* Context we size when the caller gives none:
** - llama.cpp (llama-server without -c): the trained context (common/common.h
**   @001d906a n_ctx = 0; src/llama-context.cpp: n_ctx == 0 -> n_ctx_train).
**   --fit, on by default, then shortens it when a GPU would keep less than its
**   margin: by the deficit over the KV bytes per token of the trained
**   context, never below --fit-ctx 4096 (fit_params_min_ctx; src/llama.cpp
**   llama_params_fit_impl step 2), rounded down to a multiple of 256 ("round
**   down context for CUDA backend", common/fit.cpp @6d0892ba); we then step
**   down by 256 while the estimate still does not fit, so the default is a
**   context that fits. CPU-only runs are not fitted. The fit is
**   sized for the quant being estimated, as llama-server fits the file it
**   loads. 4096 when the trained context is unknown.
** - Ollama: by total VRAM (sum over GPUs of total - OLLAMA_GPU_OVERHEAD),
**   >= 47 GiB -> 262144, >= 23 GiB -> 32768, else 4096 (ollama server/routes.go
**   @fb307609; envconfig OLLAMA_CONTEXT_LENGTH default 0 = by VRAM), clamped to
**   the trained context (server/sched.go effectiveModelContext). A load that
**   fails out of memory is retried once one tier down (sched.go
**   nextLowerAutoNumCtx); that retry is not modelled.
** - LM Studio: 4096 (its loaded_context_length unless the model's load
**   settings say otherwise: zed-industries/zed#33938; lms load
**   --context-length, lmstudio.ai/docs/cli/load).
** - vLLM: the model's trained context (--max-model-len defaults to the model
**   config, and vLLM checks at start-up that one sequence of it fits).
** - MLX and transformers: 4096. Neither allocates a context up front: mlx-lm's
**   KVCache grows in steps of 256 as the prompt and answer need it
**   (mlx_lm/models/cache.py KVCache.update_and_fetch), transformers'
**   DynamicCache likewise; 4096 stands for a typical conversation, and the
**   caller's context is the one to give for long prompts.
** Every default is clamped to the trained context when that is known. */
#define DEFAULT_CTX 4096u
#define LLAMACPP_FIT_MIN_CTX 4096u
#define LLAMACPP_FIT_STEP 256u

/* llama-server's context when -c is unset: the trained one, shortened by --fit
** for the quant being sized (p is fully prepared: its weights are summed). */
static uint32_t llamacpp_fitted_context(const struct estimator_prep *p, uint32_t trained)
{
    if (trained <= LLAMACPP_FIT_MIN_CTX || !estimator_has_accelerator(&p->in->device))
        return trained;
    struct estimator_footprint f;
    if (estimator_footprint_at(p, trained, &f) != EST_OK || f.total <= p->usable)
        return trained;
    const uint64_t deficit = f.total - p->usable;
    const uint64_t per_token = f.kv.total / trained;
    uint64_t reduction = trained - LLAMACPP_FIT_MIN_CTX;
    if (per_token > 0 && deficit / per_token + (deficit % per_token != 0) < reduction)
        reduction = deficit / per_token + (deficit % per_token != 0);
    uint32_t ctx = (uint32_t)(trained - reduction) / LLAMACPP_FIT_STEP * LLAMACPP_FIT_STEP;
    if (ctx < LLAMACPP_FIT_MIN_CTX)
        ctx = LLAMACPP_FIT_MIN_CTX;
    /* KV per token is not all that shrinks with the context (the compute
    ** buffer does too, sliding windows do not): settle on a fitting one. */
    while (ctx > LLAMACPP_FIT_MIN_CTX &&
           (estimator_footprint_at(p, ctx, &f) != EST_OK || f.total > p->usable))
        ctx -= LLAMACPP_FIT_STEP;
    return ctx;
}

uint32_t estimator_default_context(const struct estimator_prep *p)
{
    const struct est_input *in = p->in;
    const struct estimator_shape *s = &p->shape;
    uint32_t ctx = DEFAULT_CTX;
    switch (in->runtime) {
    case EST_RUNTIME_LLAMACPP:
        if (s->max_ctx > 0)
            ctx = llamacpp_fitted_context(p, s->max_ctx > EST_CONTEXT_MAX ? EST_CONTEXT_MAX
                                                                           : s->max_ctx);
        break;
    case EST_RUNTIME_OLLAMA:
        ctx = ollama_default_context(in, s->max_ctx);
        break;
    case EST_RUNTIME_VLLM:
        if (s->max_ctx > 0)
            ctx = s->max_ctx;
        break;
    case EST_RUNTIME_MLX:
    case EST_RUNTIME_LMSTUDIO:
    case EST_RUNTIME_TRANSFORMERS:
    case EST_RUNTIME_COUNT:
    default:
        break;
    }
    if (s->max_ctx > 0 && ctx > s->max_ctx)
        ctx = s->max_ctx;
    if (ctx > EST_CONTEXT_MAX)
        ctx = EST_CONTEXT_MAX;
    return ctx;
}

/* KV defaults: llama.cpp family f16 (-ctk/-ctv default f16; Ollama
** OLLAMA_KV_CACHE_TYPE default f16); MLX, transformers and vLLM keep the
** model's dtype (bf16 for current checkpoints; vLLM --kv-cache-dtype auto). */
enum est_kv_type estimator_default_kv_type(enum est_runtime rt)
{
    return is_llamacpp_family(rt) ? EST_KV_F16 : EST_KV_BF16;
}

bool est_kv_type_supported(enum est_runtime rt, enum est_kv_type t)
{
    if (t == EST_KV_DEFAULT)
        return (unsigned)rt < EST_RUNTIME_COUNT;
    switch (rt) {
    case EST_RUNTIME_LLAMACPP:
        /* -ctk/-ctv: f32, f16, bf16, q8_0, q4_0, ... (FLAGS.md) */
        return t == EST_KV_F16 || t == EST_KV_BF16 || t == EST_KV_F32 || t == EST_KV_Q8_0 ||
               t == EST_KV_Q4_0;
    case EST_RUNTIME_OLLAMA:
        /* OLLAMA_KV_CACHE_TYPE: f16, q8_0, q4_0 */
        return t == EST_KV_F16 || t == EST_KV_Q8_0 || t == EST_KV_Q4_0;
    case EST_RUNTIME_LMSTUDIO:
        /* LM Studio's K/V cache quantization choices include F32, F16, Q8_0, Q4_0 */
        return t == EST_KV_F16 || t == EST_KV_F32 || t == EST_KV_Q8_0 || t == EST_KV_Q4_0;
    case EST_RUNTIME_MLX:
        /* model dtype, or mlx_lm --kv-bits 8/4 (sized as q8_0/q4_0) */
        return t == EST_KV_F16 || t == EST_KV_BF16 || t == EST_KV_Q8_0 || t == EST_KV_Q4_0;
    case EST_RUNTIME_TRANSFORMERS:
        return t == EST_KV_F16 || t == EST_KV_BF16 || t == EST_KV_F32;
    case EST_RUNTIME_VLLM:
        /* --kv-cache-dtype auto (model dtype) or fp8 */
        return t == EST_KV_F16 || t == EST_KV_BF16 || t == EST_KV_FP8;
    case EST_RUNTIME_COUNT:
    default:
        return false;
    }
}

/* llama.cpp's -fa defaults to auto, which enables flash attention when the
** device implements it for every layer (src/llama-context.cpp auto_fa probe);
** the CUDA, Metal, ROCm, Vulkan and CPU backends all do. A quantized V cache
** requires it ("quantized V cache was requested, but this requires Flash
** Attention"; Ollama honours OLLAMA_KV_CACHE_TYPE only with flash attention).
** vLLM (FlashAttention/FlashInfer), MLX (fused SDPA) and transformers (sdpa)
** use fused attention unless transformers is told otherwise. */
bool estimator_flash_attention(const struct est_input *in, enum est_runtime rt,
                               enum est_kv_type kv_v, bool *forced)
{
    *forced = false;
    if (is_llamacpp_family(rt)) {
        bool quant = kv_v == EST_KV_Q8_0 || kv_v == EST_KV_Q4_0;
        if (quant && in->flash_attention != EST_ON) {
            *forced = true;
            return true;
        }
        return in->flash_attention != EST_OFF;
    }
    if (rt == EST_RUNTIME_TRANSFORMERS)
        return in->flash_attention != EST_OFF;
    return true;
}

/* llama.cpp takes -ctk and -ctv separately (common/arg.cpp); LM Studio has
** separate K and V cache quantization settings. Ollama's OLLAMA_KV_CACHE_TYPE,
** mlx-lm's --kv-bits and vLLM's --kv-cache-dtype set both at once. */
bool estimator_kv_types_may_differ(enum est_runtime rt)
{
    return rt == EST_RUNTIME_LLAMACPP || rt == EST_RUNTIME_LMSTUDIO;
}

bool estimator_runtime_offloads(enum est_runtime rt, const struct estimator_quant_row *q)
{
    return is_llamacpp_family(rt) && q->kind != ESTIMATOR_QK_MLX;
}

uint32_t estimator_context_step(enum est_runtime rt)
{
    /* llama.cpp pads to 256 cells; mlx-lm grows its cache by 256; vLLM's
    ** block is 16 tokens; transformers has no granularity (256 keeps answers
    ** round). */
    return rt == EST_RUNTIME_VLLM ? 16u : 256u;
}

/* estimator_kv.c: KV-cache sizing as each runtime allocates it.
** Pure: no I/O, no allocation, no globals. GQA, the real head_dim, context padding,
** sliding windows, the MLA latent cache, quantized KV with its block scales.
*/
#include "estimator_internal.h"

/* Bytes of a row of n KV elements. Quantized types carry their block scale:
** q8_0 = 34 bytes per 32, q4_0 = 18 bytes per 32 (ggml block_q8_0/block_q4_0;
** FACTS.md section 3b). MLX's quantized KV (--kv-bits 8/4, group 64, 16-bit
** scale and bias: mlx_lm/models/cache.py QuantizedKVCache) has the same
** 8.5 / 4.5 bits per element, so q8_0/q4_0 size it too (mlx_lm/generate.py
** @d78bf58e: --kv-bits unset by default, kv_group_size 64,
** quantized_kv_start 0). fp8 (vLLM --kv-cache-dtype fp8 = fp8_e4m3; default
** "auto" = the model dtype: vllm/config/cache.py CacheDType @002f10e0) is
** 1 byte; its per-layer scales are scalars. */
uint64_t estimator_kv_row_bytes(struct estimator_ck *ck, enum est_kv_type t, uint64_t n)
{
    switch (t) {
    case EST_KV_F32:
        return estimator_mul(ck, n, 4);
    case EST_KV_Q8_0:
        return estimator_mul(ck, n / 32 + (n % 32 != 0), 34);
    case EST_KV_Q4_0:
        return estimator_mul(ck, n / 32 + (n % 32 != 0), 18);
    case EST_KV_FP8:
        return n;
    case EST_KV_F16:
    case EST_KV_BF16:
    case EST_KV_DEFAULT:
    case EST_KV_COUNT:
    default:
        return estimator_mul(ck, n, 2);
    }
}

/* Which layers use the window. llama.cpp marks layer il a window layer
** unless il % n_pattern == n_pattern - 1 (src/llama-hparams.cpp
** set_swa_pattern, dense_first false): Gemma 2 and gpt-oss (pattern 2: window,
** full, ...), Gemma 3 (pattern 6: five window layers, then one global),
** Llama 4 (pattern 4, chunked attention on three of four layers), Cohere 2
** (pattern 4); transformers' layer_types lists the same interleave. The record
** carries only the count of window layers, so the pattern is the period that
** gives exactly that many global layers (n_layer / n_global, when
** n_layer / period == n_global); other mixes spread the window layers evenly. */
bool estimator_layer_is_swa(const struct estimator_shape *s, uint32_t i)
{
    if (s->swa_layers == 0 || s->swa_window == 0)
        return false;
    if (s->swa_layers >= s->n_layer)
        return true;
    const uint32_t n_global = s->n_layer - s->swa_layers;
    const uint32_t period = s->n_layer / n_global;
    if (period >= 2 && s->n_layer / period == n_global)
        return i % period != period - 1;
    /* Spread the window layers evenly: layer i is a window layer when the
    ** running share of window layers steps up at i. */
    uint64_t a = (uint64_t)i * s->swa_layers / s->n_layer;
    uint64_t b = ((uint64_t)i + 1) * s->swa_layers / s->n_layer;
    return b > a;
}

/* llama.cpp pads the context to 256 cells (src/llama-context.cpp:
** cparams.n_ctx = GGML_PAD(n_ctx, 256), PR #17046). Without a unified cache
** each of the n_seq_max sequences gets its own stream of
** n_ctx_seq = GGML_PAD(n_ctx / n_seq_max, 256) cells; a unified cache is one
** stream of n_ctx cells (src/llama-kv-cache.cpp: n_stream = unified ? 1 :
** n_seq_max, kv_size = n_ctx_seq). The sliding-window cache of each stream
** holds GGML_PAD(min(kv_size, n_swa * (unified ? n_seq_max : 1) + n_ubatch),
** 256) cells (src/llama-kv-cache-iswa.cpp @2aef9767; --swa-full, off by
** default, makes it kv_size). Llama 4's chunked attention
** (LLAMA_SWA_TYPE_CHUNKED, n_swa = attention_chunk_size 8192) takes the same
** cache. */
#define LLAMACPP_CTX_PAD 256u

/* est_input.batch -> llama.cpp sequences:
** - llama.cpp, one sequence: llama-server's default -np is auto, which becomes
**   4 slots sharing a unified cache (tools/server/server.cpp: n_parallel < 0
**   -> n_parallel = 4, kv_unified = true; common/arg.cpp sets -1 for the
**   server). The slots share the context's cells, so the KV cache is that of
**   one sequence; the window cache and the output buffer are sized for 4.
** - llama.cpp, B > 1 sequences: `-np B -c B*context`; an explicit -np leaves
**   kv_unified false (common/common.h), so each sequence gets its own stream
**   of context cells.
** - Ollama: always `-np OLLAMA_NUM_PARALLEL -c num_ctx*np` (ollama
**   llm/llama_server.go @fb307609; OLLAMA_NUM_PARALLEL default 1,
**   envconfig/config.go): one stream per sequence.
** - LM Studio: one stream per sequence (sized like an explicit -np). */
void estimator_llamacpp_seqs(enum est_runtime rt, uint32_t batch, uint32_t *n_seq_max,
                             bool *unified)
{
    if (batch == 0)
        batch = 1;
    if (rt == EST_RUNTIME_LLAMACPP && batch == 1) {
        *n_seq_max = 4;
        *unified = true;
        return;
    }
    *n_seq_max = batch;
    *unified = false;
}

/* mlx-lm grows its KVCache in steps of 256 cells (mlx_lm/models/cache.py
** KVCache.step = 256); window layers use a RotatingKVCache of max_size =
** sliding_window. */
#define MLX_KV_STEP 256u
/* vLLM allocates the KV cache in blocks of 16 tokens (CacheConfig.block_size
** default 16). */
#define VLLM_BLOCK 16u

/* vLLM tensor parallelism: each of the tp ranks caches
** max(1, num_key_value_heads / tp) KV heads, so the heads are replicated when
** the ranks outnumber them, and an MLA model's latent is cached whole on every
** rank ("When using MLA during decode it becomes MQA": one KV head per rank)
** (vllm/config/model.py ModelConfig.get_num_kv_heads @0052a5b8). Returns the
** KV heads one rank holds (MLA: 1, the latent). */
static uint64_t kv_vllm_rank_heads(const struct estimator_shape *s, uint32_t tp)
{
    if (s->mla)
        return 1;
    const uint32_t heads = s->n_kv / tp;
    return heads > 0 ? heads : 1;
}

void estimator_kv_compute(const struct estimator_shape *s, enum est_runtime rt,
                          enum est_kv_type t_k, enum est_kv_type t_v, uint32_t context,
                          uint32_t batch, uint32_t n_ubatch, uint32_t tp, struct estimator_ck *ck,
                          struct estimator_kv *out)
{
    uint64_t k_elems, v_elems;
    /* ranks that each cache their own share (vLLM tensor parallel), else 1 */
    const uint64_t ranks = rt == EST_RUNTIME_VLLM && tp > 1 ? tp : 1;
    if (s->mla && rt != EST_RUNTIME_TRANSFORMERS) {
        /* Latent cache: kv_lora_rank + qk_rope_head_dim per token and layer,
        ** no V cache (llama.cpp src/llama-kv-cache.cpp: has_v = !is_mla, V is
        ** a view of the latent; vLLM's MLA backends and mlx-lm deepseek_v3
        ** cache the same latent). Under vLLM tensor parallel every rank
        ** holds the whole latent (kv_vllm_rank_heads). */
        k_elems = (uint64_t)s->kv_lora + s->rope_dim;
        v_elems = 0;
    } else if (s->mla) {
        /* transformers' DeepseekV3Attention caches the decompressed heads. */
        k_elems = (uint64_t)s->n_head * ((uint64_t)s->mla_nope + s->rope_dim);
        v_elems = (uint64_t)s->n_head * s->mla_v;
    } else {
        const uint64_t heads = ranks > 1 ? kv_vllm_rank_heads(s, (uint32_t)ranks) : s->n_kv;
        k_elems = heads * s->head_dim;
        v_elems = k_elems;
    }
    /* one rank's row; bytes_per_cell sums the ranks, so that the total is
    ** ranks x one rank's cache */
    uint64_t rank_cell = estimator_add(ck, estimator_kv_row_bytes(ck, t_k, k_elems),
                                       v_elems ? estimator_kv_row_bytes(ck, t_v, v_elems) : 0);
    out->bytes_per_cell = estimator_mul(ck, rank_cell, ranks);

    uint64_t full, swa;
    const uint64_t win = s->swa_window;
    switch (rt) {
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
    case EST_RUNTIME_LMSTUDIO: {
        /* B sequences of `context` tokens: B streams of pad(context) cells
        ** (n_ctx = pad(B * context) split B ways and padded again gives
        ** exactly pad(context)), or one unified stream of pad(context). */
        uint32_t n_seq = 1;
        bool unified = false;
        estimator_llamacpp_seqs(rt, batch, &n_seq, &unified);
        full = estimator_pad(ck, context, LLAMACPP_CTX_PAD);
        swa = estimator_add(ck, estimator_mul(ck, win, unified ? n_seq : 1),
                            n_ubatch ? n_ubatch : ESTIMATOR_LLAMACPP_UBATCH);
        swa = estimator_pad(ck, swa < full ? swa : full, LLAMACPP_CTX_PAD);
        if (unified)
            batch = 1; /* one stream */
        break;
    }
    case EST_RUNTIME_MLX:
        full = estimator_pad(ck, context, MLX_KV_STEP);
        swa = win < full ? win : full;
        break;
    case EST_RUNTIME_VLLM:
        full = estimator_pad(ck, context, VLLM_BLOCK);
        swa = estimator_pad(ck, win < context ? win : context, VLLM_BLOCK);
        break;
    case EST_RUNTIME_TRANSFORMERS:
    case EST_RUNTIME_COUNT:
    default:
        full = context;
        swa = win < full ? win : full;
        break;
    }
    out->cells_full = estimator_mul(ck, full, batch);
    out->cells_swa = estimator_mul(ck, swa, batch);

    uint64_t n_swa = (s->swa_layers && s->swa_window) ? s->swa_layers : 0;
    uint64_t n_full = s->n_layer - n_swa;
    uint64_t cells = estimator_add(ck, estimator_mul(ck, out->cells_full, n_full),
                                   estimator_mul(ck, out->cells_swa, n_swa));
    out->total = estimator_mul(ck, cells, out->bytes_per_cell);
}

uint64_t estimator_kv_layer_bytes(const struct estimator_shape *s, const struct estimator_kv *kv,
                                  uint32_t i, struct estimator_ck *ck)
{
    uint64_t cells = estimator_layer_is_swa(s, i) ? kv->cells_swa : kv->cells_full;
    return estimator_mul(ck, cells, kv->bytes_per_cell);
}

/* estimator_kv.c: KV-cache sizing as each runtime allocates it.
** Pure: no I/O, no allocation, no globals. GQA, the real head_dim, context padding,
** sliding windows, the MLA latent cache, quantized KV with its block scales.
*/
#include "estimator_internal.h"

/* Bytes of a row of n KV elements. Quantized types carry their block scale:
** q8_0 = 34 bytes per 32, q4_0 = 18 bytes per 32 (ggml block_q8_0/block_q4_0;
** FACTS.md section 3b). MLX's quantized KV (--kv-bits 8/4, group 64, 16-bit
** scale and bias: mlx_lm/models/cache.py QuantizedKVCache) has the same
** 8.5 / 4.5 bits per element, so q8_0/q4_0 size it too. fp8 (vLLM
** --kv-cache-dtype fp8) is 1 byte. */
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

bool estimator_layer_is_swa(const struct estimator_shape *s, uint32_t i)
{
    if (s->swa_layers == 0 || s->swa_window == 0)
        return false;
    if (s->swa_layers >= s->n_layer)
        return true;
    /* Spread the window layers evenly: layer i is a window layer when the
    ** running share of window layers steps up at i. */
    uint64_t a = (uint64_t)i * s->swa_layers / s->n_layer;
    uint64_t b = ((uint64_t)i + 1) * s->swa_layers / s->n_layer;
    return b > a;
}

/* llama.cpp pads the context to 256 cells (src/llama-context.cpp:
** cparams.n_ctx = GGML_PAD(n_ctx, 256), PR #17046; per-sequence context also
** padded to 256 when the KV cache is not unified) and sizes the sliding-window
** cache to GGML_PAD(min(n_ctx, n_swa + n_ubatch), 256) per stream
** (src/llama-kv-cache-iswa.cpp @02c28f53). */
#define LLAMACPP_CTX_PAD 256u
/* mlx-lm grows its KVCache in steps of 256 cells (mlx_lm/models/cache.py
** KVCache.step = 256); window layers use a RotatingKVCache of max_size =
** sliding_window. */
#define MLX_KV_STEP 256u
/* vLLM allocates the KV cache in blocks of 16 tokens (CacheConfig.block_size
** default 16). */
#define VLLM_BLOCK 16u

void estimator_kv_compute(const struct estimator_shape *s, enum est_runtime rt,
                          enum est_kv_type t_k, enum est_kv_type t_v, uint32_t context,
                          uint32_t batch, uint32_t n_ubatch, struct estimator_ck *ck,
                          struct estimator_kv *out)
{
    uint64_t k_elems, v_elems;
    if (s->mla && rt != EST_RUNTIME_TRANSFORMERS) {
        /* Latent cache: kv_lora_rank + qk_rope_head_dim per token and layer
        ** (llama.cpp deepseek2 MLA, vLLM MLA backends, mlx-lm deepseek_v3). */
        k_elems = (uint64_t)s->kv_lora + s->rope_dim;
        v_elems = 0;
    } else if (s->mla) {
        /* transformers' DeepseekV3Attention caches the decompressed heads. */
        k_elems = (uint64_t)s->n_head * ((uint64_t)s->mla_nope + s->rope_dim);
        v_elems = (uint64_t)s->n_head * s->mla_v;
    } else {
        k_elems = (uint64_t)s->n_kv * s->head_dim;
        v_elems = k_elems;
    }
    out->bytes_per_cell = estimator_add(ck, estimator_kv_row_bytes(ck, t_k, k_elems),
                                        v_elems ? estimator_kv_row_bytes(ck, t_v, v_elems) : 0);

    uint64_t full, swa;
    const uint64_t win = s->swa_window;
    switch (rt) {
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
    case EST_RUNTIME_LMSTUDIO:
        full = estimator_pad(ck, context, LLAMACPP_CTX_PAD);
        swa = win + (n_ubatch ? n_ubatch : ESTIMATOR_LLAMACPP_UBATCH);
        swa = estimator_pad(ck, swa < full ? swa : full, LLAMACPP_CTX_PAD);
        break;
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

/* estimator_quants.c: the quant table and the per-tensor weight sums.
** Pure: no I/O, no allocation, no globals beyond const tables. llama.cpp's per-tensor
** type mix, MLX affine, HF float / FP8 / AWQ / GPTQ.
**
** Weights are never "params x one bpw": every tensor of the architecture is
** enumerated (embedding, output head, per-layer attention with the real
** head_dim and GQA, MLA projections, dense or MoE FFN, norms) and stored at
** the type the runtime's converter really picks for it.
*/
#include "estimator_internal.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ---- ggml storage types ------------------------------------------------------ */

struct ggml_traits {
    uint32_t block; /* weights per block */
    uint32_t bytes; /* bytes per block */
};

/* Block sizes and bytes per block of ggml's block structs.
** Source: ggml/src/ggml-common.h (block_q4_0 ... block_iq4_xs), mirrored in
** gpustack/gguf-parser-go ggml.go _GGMLTypeTraits; FACTS.md section 3. */
static const struct ggml_traits ggml_traits[ESTIMATOR_GT_COUNT] = {
    [ESTIMATOR_GT_F32] = {1, 4},        [ESTIMATOR_GT_F16] = {1, 2},
    [ESTIMATOR_GT_BF16] = {1, 2},       [ESTIMATOR_GT_Q4_0] = {32, 18},
    [ESTIMATOR_GT_Q4_1] = {32, 20},     [ESTIMATOR_GT_Q5_0] = {32, 22},
    [ESTIMATOR_GT_Q5_1] = {32, 24},     [ESTIMATOR_GT_Q8_0] = {32, 34},
    [ESTIMATOR_GT_Q2_K] = {256, 84},    [ESTIMATOR_GT_Q3_K] = {256, 110},
    [ESTIMATOR_GT_Q4_K] = {256, 144},   [ESTIMATOR_GT_Q5_K] = {256, 176},
    [ESTIMATOR_GT_Q6_K] = {256, 210},   [ESTIMATOR_GT_IQ1_S] = {256, 50},
    [ESTIMATOR_GT_IQ1_M] = {256, 56},   [ESTIMATOR_GT_IQ2_XXS] = {256, 66},
    [ESTIMATOR_GT_IQ2_XS] = {256, 74},  [ESTIMATOR_GT_IQ2_S] = {256, 82},
    [ESTIMATOR_GT_IQ3_XXS] = {256, 98}, [ESTIMATOR_GT_IQ3_S] = {256, 110},
    [ESTIMATOR_GT_IQ4_NL] = {32, 18},   [ESTIMATOR_GT_IQ4_XS] = {256, 136},
};

/* n modulo the block of t. Every ggml block holds 1, 32 or 256 weights:
** constant divisors, which the compiler turns into masks (the weight sums
** take this for every tensor of every layer class). */
static uint64_t block_rem(enum estimator_ggml_type t, uint64_t n)
{
    switch (ggml_traits[t].block) {
    case 1:
        return 0;
    case 32:
        return n % 32;
    case 256:
        return n % 256;
    default:
        return n % ggml_traits[t].block;
    }
}

/* n divided by the block of t, rounded down (constant divisors as above). */
static uint64_t block_quot(enum estimator_ggml_type t, uint64_t n)
{
    switch (ggml_traits[t].block) {
    case 1:
        return n;
    case 32:
        return n / 32;
    case 256:
        return n / 256;
    default:
        return n / ggml_traits[t].block;
    }
}

uint64_t estimator_ggml_row_bytes(struct estimator_ck *ck, enum estimator_ggml_type t, uint64_t n)
{
    uint64_t blocks = block_quot(t, n) + (block_rem(t, n) != 0);
    return estimator_mul(ck, blocks, ggml_traits[t].bytes);
}

/* MXFP4: blocks of 32 FP4 (E2M1) weights sharing one E8M0 scale byte, 17
** bytes per 32 weights = 4.25 bpw. ggml: block_mxfp4 {uint8_t e; uint8_t
** qs[QK_MXFP4/2];} with QK_MXFP4 = 32 (ggml/src/ggml-common.h); the OCP MX
** layout gpt-oss ships (config.json quantization_config quant_method "mxfp4":
** *_blocks / *_scales tensors, 16 bytes + 1 scale per 32 weights); MLX
** mode="mxfp4" uses the same group of 32 with an e8m0 scale and no bias
** (ml-explore.github.io/mlx mlx.core.quantize, table of quantization modes). */
#define MXFP4_BLOCK 32u
#define MXFP4_BLOCK_BYTES 17u

/* Bytes of `rows` rows of n weights in MXFP4 (n rounded up to whole blocks). */
static uint64_t mxfp4_bytes(struct estimator_ck *ck, uint64_t rows, uint64_t n)
{
    uint64_t blocks = n / MXFP4_BLOCK + (n % MXFP4_BLOCK != 0);
    return estimator_mul(ck, rows, estimator_mul(ck, blocks, MXFP4_BLOCK_BYTES));
}

/* ---- the quant table ---------------------------------------------------------- */

/* llama.cpp file types we size (llama_ftype names without MOSTLY_). */
enum estimator_ftype {
    FT_Q8_0 = 0,
    FT_Q6_K,
    FT_Q5_K_M,
    FT_Q5_K_S,
    FT_Q5_1,
    FT_Q5_0,
    FT_Q4_K_M,
    FT_Q4_K_S,
    FT_Q4_1,
    FT_Q4_0,
    FT_IQ4_NL,
    FT_IQ4_XS,
    FT_Q3_K_L,
    FT_Q3_K_M,
    FT_Q3_K_S,
    FT_IQ3_M,
    FT_IQ3_XS,
    FT_IQ3_XXS,
    FT_Q2_K,
    FT_IQ2_M,
    FT_IQ2_S,
    FT_IQ2_XS,
    FT_IQ2_XXS,
    FT_IQ1_M,
    FT_IQ1_S,
    FT_MXFP4_MOE, /* LLAMA_FTYPE_MOSTLY_MXFP4_MOE = 38 (include/llama.h) */
    FT_COUNT
};

#define RT_BIT(rt) (1u << (unsigned)(rt))
#define RT_GGUF                                                                                    \
    (RT_BIT(EST_RUNTIME_LLAMACPP) | RT_BIT(EST_RUNTIME_OLLAMA) | RT_BIT(EST_RUNTIME_LMSTUDIO))
#define RT_MLX (RT_BIT(EST_RUNTIME_MLX) | RT_BIT(EST_RUNTIME_LMSTUDIO))
#define RT_HF (RT_BIT(EST_RUNTIME_VLLM) | RT_BIT(EST_RUNTIME_TRANSFORMERS))
#define RT_ALL (RT_GGUF | RT_MLX | RT_HF)

#define GGUF_ROW(id, ft, bpw, q)                                                                   \
    {                                                                                              \
        {id, EST_QF_GGUF, bpw, q}, ESTIMATOR_QK_GGUF, ft, 0, RT_GGUF                               \
    }
#define MLX_ROW(id, b, q)                                                                          \
    {                                                                                              \
        {id, EST_QF_MLX, (double)(b) + 0.5, q}, ESTIMATOR_QK_MLX, 0, b, RT_MLX                     \
    }

/* Nominal bpw: the base ggml type's storage bpw (FACTS.md section 3) for
** k-quant and legacy labels; llama-quantize's headline figure for the IQ mixes
** whose base type differs from the label (tools/quantize/quantize.cpp
** @03161a4e: IQ2_S 2.5, IQ2_M 2.7, IQ3_XS 3.3, IQ3_M 3.66). MLX affine g64:
** bits + 32/64 (FACTS.md section 5). AWQ/GPTQ g128: 4 + (16-bit scale + 4-bit
** zero)/128. Quality: higher = closer to the original weights (ordering from
** llama.cpp's published perplexity/KLD tables: K-quants above legacy quants
** of the same size, IQ4 between Q4_K_S and Q4_1). Rows are kept in
** descending quality order: est_best_quant stops at the first row that fits
** (test_estimator checks the order). */
static const struct estimator_quant_row quant_table[] = {
    {{"bf16", EST_QF_HF, 16.0, 100}, ESTIMATOR_QK_FLOAT16, 0, 16, RT_ALL},
    {{"fp16", EST_QF_HF, 16.0, 99}, ESTIMATOR_QK_FLOAT16, 0, 16, RT_ALL},
    GGUF_ROW("Q8_0", FT_Q8_0, 8.5, 95),
    {{"fp8", EST_QF_HF, 8.0, 94}, ESTIMATOR_QK_FP8, 0, 8, RT_HF},
    MLX_ROW("mlx-8bit", 8, 93),
    GGUF_ROW("Q6_K", FT_Q6_K, 6.5625, 90),
    MLX_ROW("mlx-6bit", 6, 88),
    GGUF_ROW("Q5_K_M", FT_Q5_K_M, 5.5, 85),
    GGUF_ROW("Q5_K_S", FT_Q5_K_S, 5.5, 84),
    GGUF_ROW("Q5_1", FT_Q5_1, 6.0, 83),
    MLX_ROW("mlx-5bit", 5, 82),
    GGUF_ROW("Q5_0", FT_Q5_0, 5.5, 81),
    GGUF_ROW("Q4_K_M", FT_Q4_K_M, 4.5, 78),
    {{"awq-int4", EST_QF_HF, 4.15625, 77}, ESTIMATOR_QK_AWQ, 0, 4, RT_HF},
    {{"gptq-int4", EST_QF_HF, 4.15625, 76}, ESTIMATOR_QK_GPTQ, 0, 4, RT_HF},
    GGUF_ROW("Q4_K_S", FT_Q4_K_S, 4.5, 75),
    GGUF_ROW("IQ4_XS", FT_IQ4_XS, 4.25, 74),
    GGUF_ROW("IQ4_NL", FT_IQ4_NL, 4.5, 73),
    MLX_ROW("mlx-4bit", 4, 72),
    GGUF_ROW("Q4_1", FT_Q4_1, 5.0, 71),
    GGUF_ROW("Q4_0", FT_Q4_0, 4.5, 70),
    /* llama-quantize MXFP4_MOE (tools/quantize/quantize.cpp @03161a4e
    ** QUANT_OPTIONS, ftype 38): routed experts MXFP4 (4.25 bpw), every other
    ** quantizable tensor Q8_0. Quality: lossless for checkpoints that ship
    ** MXFP4 experts (gpt-oss), where it sizes like Q8_0 (which comes first);
    ** for other MoE models the experts are requantized to a 4-bit float with a
    ** power-of-two scale, kept below the 4-bit integer quants. */
    GGUF_ROW("MXFP4_MOE", FT_MXFP4_MOE, 4.25, 69),
    GGUF_ROW("Q3_K_L", FT_Q3_K_L, 3.4375, 65),
    GGUF_ROW("Q3_K_M", FT_Q3_K_M, 3.4375, 63),
    GGUF_ROW("IQ3_M", FT_IQ3_M, 3.66, 62),
    GGUF_ROW("IQ3_XS", FT_IQ3_XS, 3.3, 60),
    GGUF_ROW("Q3_K_S", FT_Q3_K_S, 3.4375, 58),
    MLX_ROW("mlx-3bit", 3, 57),
    GGUF_ROW("IQ3_XXS", FT_IQ3_XXS, 3.0625, 56),
    GGUF_ROW("Q2_K", FT_Q2_K, 2.625, 50),
    GGUF_ROW("IQ2_M", FT_IQ2_M, 2.7, 48),
    GGUF_ROW("IQ2_S", FT_IQ2_S, 2.5, 46),
    GGUF_ROW("IQ2_XS", FT_IQ2_XS, 2.3125, 44),
    GGUF_ROW("IQ2_XXS", FT_IQ2_XXS, 2.0625, 42),
    GGUF_ROW("IQ1_M", FT_IQ1_M, 1.75, 30),
    GGUF_ROW("IQ1_S", FT_IQ1_S, 1.5625, 25),
};

#define QUANT_COUNT (sizeof quant_table / sizeof quant_table[0])

size_t est_quant_count(void)
{
    return QUANT_COUNT;
}

const struct est_quant *est_quant_at(size_t i)
{
    return i < QUANT_COUNT ? &quant_table[i].pub : NULL;
}


const struct est_quant *est_quant_find(const char *id)
{
    if (id == NULL)
        return NULL;
    /* Aliases: GGUF spells the float files F16 / BF16. */
    if (estimator_id_equal(id, "f16"))
        id = "fp16";
    for (size_t i = 0; i < QUANT_COUNT; i++)
        if (estimator_id_equal(id, quant_table[i].pub.id))
            return &quant_table[i].pub;
    return NULL;
}

const struct estimator_quant_row *estimator_quant_row(const struct est_quant *q)
{
    if (q == NULL)
        return NULL;
    for (size_t i = 0; i < QUANT_COUNT; i++)
        if (q == &quant_table[i].pub)
            return &quant_table[i];
    if (q->id == NULL)
        return NULL;
    const struct est_quant *found = est_quant_find(q->id);
    if (found == NULL)
        return NULL;
    return estimator_quant_row(found);
}

const struct estimator_quant_row *estimator_quant_row_at(size_t i)
{
    return i < QUANT_COUNT ? &quant_table[i] : NULL;
}

bool estimator_quant_row_runs_on(const struct estimator_quant_row *q, enum est_runtime rt)
{
    return (unsigned)rt < EST_RUNTIME_COUNT && (q->runtimes & RT_BIT(rt)) != 0;
}

bool est_quant_runs_on(const struct est_quant *q, enum est_runtime rt)
{
    const struct estimator_quant_row *row = estimator_quant_row(q);
    return row != NULL && estimator_quant_row_runs_on(row, rt);
}

const struct est_quant *est_quant_default(enum est_runtime rt)
{
    switch (rt) {
    case EST_RUNTIME_MLX:
        return est_quant_find("mlx-4bit");
    case EST_RUNTIME_TRANSFORMERS:
    case EST_RUNTIME_VLLM:
        return est_quant_find("bf16");
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
    case EST_RUNTIME_LMSTUDIO:
    case EST_RUNTIME_COUNT:
    default:
        return est_quant_find("Q4_K_M");
    }
}

/* ---- tensor enumeration -------------------------------------------------------- */

/* Tensor roles, as llama-quant.cpp categorizes them (tensor_get_category). */
enum tcat {
    TC_TOKEN_EMBD,
    TC_OUTPUT,
    TC_NORM,   /* 1-D: norms (never quantized) */
    TC_ROUTER, /* ffn_gate_inp: never quantized, stored F32 */
    TC_ATTN_Q,
    TC_ATTN_K,
    TC_ATTN_V,
    TC_ATTN_KV_B,  /* MLA attn_kv_b: treated like attn_v */
    TC_ATTN_OTHER, /* MLA attn_kv_a_mqa */
    TC_ATTN_OUT,
    TC_FFN_GATE,
    TC_FFN_UP,
    TC_FFN_DOWN,
};

struct tensor {
    enum tcat cat;
    uint64_t ne0;  /* row width (input features) */
    uint64_t rows; /* rows (output features; x experts for 3-D expert tensors) */
    bool routed;   /* a routed-expert tensor */
};

#define LAYER_TENSORS_MAX 16

/* DeepSeek-V2/V3 use 128 for both qk_nope_head_dim and v_head_dim
** (config.json of deepseek-ai/DeepSeek-V3 and DeepSeek-V2); our model record
** carries only kv_lora_rank and qk_rope_head_dim. */
static size_t layer_tensors(const struct estimator_shape *s, struct tensor *t)
{
    size_t n = 0;
    const uint64_t h = s->hidden;
    t[n++] = (struct tensor){TC_NORM, h, 1, false}; /* attn_norm */
    if (s->mla) {
        uint64_t qk = (uint64_t)s->mla_nope + s->rope_dim;
        t[n++] = (struct tensor){TC_ATTN_Q, h, (uint64_t)s->n_head * qk, false};
        t[n++] = (struct tensor){TC_ATTN_OTHER, h, (uint64_t)s->kv_lora + s->rope_dim, false};
        t[n++] = (struct tensor){TC_NORM, s->kv_lora, 1, false}; /* attn_kv_a_norm */
        t[n++] = (struct tensor){TC_ATTN_KV_B, s->kv_lora,
                                 (uint64_t)s->n_head * ((uint64_t)s->mla_nope + s->mla_v), false};
        t[n++] = (struct tensor){TC_ATTN_OUT, (uint64_t)s->n_head * s->mla_v, h, false};
    } else {
        uint64_t q = (uint64_t)s->n_head * s->head_dim;
        uint64_t kv = (uint64_t)s->n_kv * s->head_dim;
        t[n++] = (struct tensor){TC_ATTN_Q, h, q, false};
        t[n++] = (struct tensor){TC_ATTN_K, h, kv, false};
        t[n++] = (struct tensor){TC_ATTN_V, h, kv, false};
        t[n++] = (struct tensor){TC_ATTN_OUT, q, h, false};
    }
    t[n++] = (struct tensor){TC_NORM, h, 1, false}; /* ffn_norm */
    if (s->moe) {
        uint64_t e = s->expert_ff;
        t[n++] = (struct tensor){TC_ROUTER, h, s->n_expert, false};
        t[n++] = (struct tensor){TC_FFN_GATE, h, e * s->n_expert, true};
        t[n++] = (struct tensor){TC_FFN_UP, h, e * s->n_expert, true};
        t[n++] = (struct tensor){TC_FFN_DOWN, e, h * s->n_expert, true};
        if (s->n_shared > 0) {
            uint64_t w = e * s->n_shared;
            t[n++] = (struct tensor){TC_FFN_GATE, h, w, false};
            t[n++] = (struct tensor){TC_FFN_UP, h, w, false};
            t[n++] = (struct tensor){TC_FFN_DOWN, w, h, false};
        }
    } else {
        t[n++] = (struct tensor){TC_FFN_GATE, h, s->ff, false};
        t[n++] = (struct tensor){TC_FFN_UP, h, s->ff, false};
        t[n++] = (struct tensor){TC_FFN_DOWN, s->ff, h, false};
    }
    return n;
}

/* ---- llama.cpp per-tensor type selection ----------------------------------------
** A port of llama_tensor_get_type_impl / tensor_type_fallback in
** src/llama-quant.cpp (ggml-org/llama.cpp @007dbbf3; FACTS.md section 3a),
** checked against every row of tests/data/truth/llamacpp-quant-sizes.tsv. */

struct gguf_ctx {
    int ftype;
    uint32_t n_layer;
    uint32_t n_gqa;    /* n_head / n_head_kv */
    uint32_t n_expert; /* 0 for dense */
    bool tied;
    bool is_70b;      /* llama.cpp's LLM_TYPE_70B: 80 layers with GQA */
    bool has_imatrix; /* llama-quantize refuses these types without one */
};

/* llama_ftype_get_default_type. */
static enum estimator_ggml_type ftype_base(int ft)
{
    switch (ft) {
    case FT_Q8_0:
        return ESTIMATOR_GT_Q8_0;
    case FT_Q6_K:
        return ESTIMATOR_GT_Q6_K;
    case FT_Q5_K_M:
    case FT_Q5_K_S:
        return ESTIMATOR_GT_Q5_K;
    case FT_Q5_1:
        return ESTIMATOR_GT_Q5_1;
    case FT_Q5_0:
        return ESTIMATOR_GT_Q5_0;
    case FT_Q4_K_M:
    case FT_Q4_K_S:
        return ESTIMATOR_GT_Q4_K;
    case FT_Q4_1:
        return ESTIMATOR_GT_Q4_1;
    case FT_Q4_0:
        return ESTIMATOR_GT_Q4_0;
    case FT_IQ4_NL:
        return ESTIMATOR_GT_IQ4_NL;
    case FT_IQ4_XS:
        return ESTIMATOR_GT_IQ4_XS;
    case FT_Q3_K_L:
    case FT_Q3_K_M:
    case FT_Q3_K_S:
        return ESTIMATOR_GT_Q3_K;
    case FT_IQ3_M:
    case FT_IQ3_XS:
        return ESTIMATOR_GT_IQ3_S;
    case FT_IQ3_XXS:
        return ESTIMATOR_GT_IQ3_XXS;
    case FT_Q2_K:
        return ESTIMATOR_GT_Q2_K;
    case FT_IQ2_M:
        return ESTIMATOR_GT_IQ2_S;
    case FT_IQ2_S:
        return ESTIMATOR_GT_IQ2_XS; /* sic: IQ2_S files are IQ2_XS-based */
    case FT_IQ2_XS:
        return ESTIMATOR_GT_IQ2_XS;
    case FT_IQ2_XXS:
        return ESTIMATOR_GT_IQ2_XXS;
    case FT_IQ1_M:
        return ESTIMATOR_GT_IQ1_M;
    case FT_MXFP4_MOE:
        return ESTIMATOR_GT_Q8_0; /* its non-expert tensors (tensor_bytes sizes the experts) */
    case FT_IQ1_S:
    default:
        return ESTIMATOR_GT_IQ1_S;
    }
}

/* tensor_requires_imatrix: these types cannot be produced without one, so
** published files of these labels always had one. */
static bool ftype_needs_imatrix(int ft)
{
    return ft == FT_IQ1_S || ft == FT_IQ1_M || ft == FT_IQ2_XXS || ft == FT_IQ2_XS ||
           ft == FT_IQ2_S || ft == FT_IQ2_M || ft == FT_IQ3_XXS;
}

static bool use_more_bits(uint32_t i, uint32_t n)
{
    return i < n / 8 || i >= 7 * n / 8 || ((i - n / 8) % 3) == 2;
}

/* The class of layer i of n: one bit per position test gguf_rule makes (the
** position rules of llama-quant.cpp). Two layers of the same class get the
** same tensor types. */
#define CLASS_MORE_BITS 1u       /* use_more_bits(i, n) */
#define CLASS_FIRST_EIGHTH 2u    /* i < n/8 */
#define CLASS_FIRST_SIXTEENTH 4u /* i < n/16 */
#define CLASS_FIRST_TWO 8u       /* i < 2 */
#define CLASS_FIRST_FOUR 16u     /* i < 4 */
#define CLASS_MIDDLE 32u         /* n/8 <= i < 7n/8 */

static unsigned layer_class(uint32_t i, uint32_t n)
{
    unsigned c = 0;
    if (use_more_bits(i, n))
        c |= CLASS_MORE_BITS;
    if (i < n / 8)
        c |= CLASS_FIRST_EIGHTH;
    if (i < n / 16)
        c |= CLASS_FIRST_SIXTEENTH;
    if (i < 2)
        c |= CLASS_FIRST_TWO;
    if (i < 4)
        c |= CLASS_FIRST_FOUR;
    if (i >= n / 8 && i < 7 * n / 8)
        c |= CLASS_MIDDLE;
    return c;
}

/* gguf_rule sees a layer only through its class, and records each position
** test it makes: two layers whose classes agree on every bit one of them
** consulted take the same path through the rules, so get the same types.
** That lets the weight sums size a handful of layers for the whole stack. */
struct layer_pos {
    unsigned cls;  /* layer_class of the layer */
    unsigned used; /* class bits the rules consulted */
};

static bool layer_is(struct layer_pos *pos, unsigned bit)
{
    pos->used |= bit;
    return (pos->cls & bit) != 0;
}

static bool is_ft(int ft, int a, int b)
{
    return ft == a || ft == b;
}

static enum estimator_ggml_type gguf_rule(const struct gguf_ctx *g, enum tcat cat,
                                          struct layer_pos *pos, uint64_t ne0,
                                          enum estimator_ggml_type nt)
{
    const int ft = g->ftype;
    const bool attn_v_like = cat == TC_ATTN_V || cat == TC_ATTN_KV_B;
    const bool iq12 = ft == FT_IQ2_XXS || ft == FT_IQ2_XS || ft == FT_IQ1_S || ft == FT_IQ2_S ||
                      ft == FT_IQ2_M || ft == FT_IQ1_M;

    if (cat == TC_OUTPUT || (g->tied && cat == TC_TOKEN_EMBD)) {
        if (block_rem(nt, ne0) != 0)
            return ESTIMATOR_GT_Q8_0;
        if (iq12 || ft == FT_IQ3_XXS)
            return ESTIMATOR_GT_Q5_K;
        if (nt != ESTIMATOR_GT_Q8_0)
            return ESTIMATOR_GT_Q6_K;
        return nt;
    }
    if (cat == TC_TOKEN_EMBD) {
        if (ft == FT_IQ2_XXS || ft == FT_IQ2_XS || ft == FT_IQ1_S || ft == FT_IQ1_M)
            return ESTIMATOR_GT_Q2_K;
        if (ft == FT_IQ2_S || ft == FT_IQ2_M || ft == FT_IQ3_XXS)
            return ESTIMATOR_GT_IQ3_S;
        return nt;
    }
    if (iq12) {
        const bool s_or_m = is_ft(ft, FT_IQ2_S, FT_IQ2_M);
        if (attn_v_like) {
            if (g->n_gqa >= 4 || g->n_expert >= 4)
                return ESTIMATOR_GT_Q4_K;
            return s_or_m ? ESTIMATOR_GT_IQ3_S : ESTIMATOR_GT_Q2_K;
        }
        if (g->n_expert == 8 && cat == TC_ATTN_K)
            return ESTIMATOR_GT_Q4_K;
        if (cat == TC_FFN_DOWN) {
            if (layer_is(pos, CLASS_FIRST_EIGHTH))
                return s_or_m ? ESTIMATOR_GT_IQ3_S : ESTIMATOR_GT_Q2_K;
            return nt;
        }
        if (cat == TC_ATTN_OUT) {
            if (g->n_expert == 8)
                return ESTIMATOR_GT_Q5_K;
            if (is_ft(ft, FT_IQ1_S, FT_IQ1_M))
                return ESTIMATOR_GT_IQ2_XXS;
            if (s_or_m)
                return ESTIMATOR_GT_IQ3_S;
        }
        return nt;
    }
    if (attn_v_like) {
        if (ft == FT_Q2_K) {
            nt = g->n_gqa >= 4 ? ESTIMATOR_GT_Q4_K : ESTIMATOR_GT_Q3_K;
        } else if (ft == FT_IQ3_XXS) {
            nt = g->n_gqa >= 4 ? ESTIMATOR_GT_Q4_K
                               : (!g->has_imatrix ? ESTIMATOR_GT_IQ3_S : ESTIMATOR_GT_IQ3_XXS);
        } else if (ft == FT_IQ3_XS && g->n_gqa >= 4) {
            nt = ESTIMATOR_GT_Q4_K;
        } else if (ft == FT_IQ3_M) {
            nt = ESTIMATOR_GT_Q4_K;
        } else if (ft == FT_Q3_K_M) {
            nt = layer_is(pos, CLASS_FIRST_TWO) ? ESTIMATOR_GT_Q5_K : ESTIMATOR_GT_Q4_K;
        } else if (ft == FT_Q3_K_L) {
            nt = ESTIMATOR_GT_Q5_K;
        } else if (is_ft(ft, FT_IQ4_NL, FT_IQ4_XS) && g->n_gqa >= 4) {
            nt = ESTIMATOR_GT_Q5_K;
        } else if (is_ft(ft, FT_Q4_K_M, FT_Q5_K_M) && layer_is(pos, CLASS_MORE_BITS)) {
            nt = ESTIMATOR_GT_Q6_K;
        } else if (ft == FT_Q4_K_S && layer_is(pos, CLASS_FIRST_FOUR)) {
            nt = ESTIMATOR_GT_Q5_K;
        }
        if (g->is_70b && (nt == ESTIMATOR_GT_Q3_K || nt == ESTIMATOR_GT_Q4_K))
            nt = ESTIMATOR_GT_Q5_K;
        if (g->n_expert == 8)
            nt = ESTIMATOR_GT_Q8_0;
        return nt;
    }
    switch (cat) {
    case TC_ATTN_K:
        if (g->n_expert == 8)
            return ESTIMATOR_GT_Q8_0;
        if (ft == FT_IQ3_XS)
            return ESTIMATOR_GT_IQ3_XXS;
        if (ft == FT_IQ3_XXS)
            return ESTIMATOR_GT_IQ2_S;
        return nt;
    case TC_ATTN_Q:
        if (ft == FT_IQ3_XS)
            return ESTIMATOR_GT_IQ3_XXS;
        if (ft == FT_IQ3_XXS)
            return ESTIMATOR_GT_IQ2_S;
        return nt;
    case TC_FFN_DOWN:
        if (ft == FT_Q2_K)
            return ESTIMATOR_GT_Q3_K;
        if (ft == FT_IQ3_XXS && !g->has_imatrix)
            return layer_is(pos, CLASS_FIRST_EIGHTH) ? ESTIMATOR_GT_Q4_K : ESTIMATOR_GT_Q3_K;
        if (ft == FT_Q3_K_M)
            return layer_is(pos, CLASS_FIRST_SIXTEENTH) ? ESTIMATOR_GT_Q5_K : ESTIMATOR_GT_Q4_K;
        if (ft == FT_IQ3_M && (layer_is(pos, CLASS_FIRST_EIGHTH) ||
                               (g->n_expert == 8 && layer_is(pos, CLASS_MORE_BITS))))
            return ESTIMATOR_GT_Q4_K;
        if (ft == FT_Q3_K_L)
            return ESTIMATOR_GT_Q5_K;
        if (ft == FT_Q4_K_M)
            return layer_is(pos, CLASS_MORE_BITS) ? ESTIMATOR_GT_Q6_K : nt;
        /* (llama.cpp tests the position first; the order of these pure
        ** tests does not matter, and testing it last consults it less) */
        if (is_ft(ft, FT_IQ4_NL, FT_IQ4_XS) && !g->has_imatrix && layer_is(pos, CLASS_FIRST_EIGHTH))
            return ESTIMATOR_GT_Q5_K;
        if (ft == FT_Q5_K_M && layer_is(pos, CLASS_MORE_BITS))
            return ESTIMATOR_GT_Q6_K;
        if (ft == FT_Q4_K_S && layer_is(pos, CLASS_FIRST_EIGHTH))
            return ESTIMATOR_GT_Q5_K;
        return nt;
    case TC_ATTN_OUT:
        if (g->n_expert == 8) {
            if (ft == FT_Q2_K || ft == FT_IQ3_XS || ft == FT_IQ3_XXS || ft == FT_Q3_K_S ||
                ft == FT_Q3_K_M || ft == FT_IQ4_NL || ft == FT_Q4_K_S || ft == FT_Q4_K_M ||
                ft == FT_IQ3_M || ft == FT_IQ4_XS)
                return ESTIMATOR_GT_Q5_K;
            return nt;
        }
        if (ft == FT_Q2_K)
            return ESTIMATOR_GT_Q3_K;
        if (ft == FT_IQ3_XXS)
            return ESTIMATOR_GT_IQ3_S;
        if (ft == FT_Q3_K_M)
            return ESTIMATOR_GT_Q4_K;
        if (ft == FT_Q3_K_L)
            return ESTIMATOR_GT_Q5_K;
        if (ft == FT_IQ3_M)
            return ESTIMATOR_GT_Q4_K;
        return nt;
    case TC_FFN_GATE:
    case TC_FFN_UP:
        if (ft == FT_IQ3_XS && layer_is(pos, CLASS_MIDDLE))
            return ESTIMATOR_GT_IQ3_XXS;
        return nt;
    case TC_TOKEN_EMBD:
    case TC_OUTPUT:
    case TC_NORM:
    case TC_ROUTER:
    case TC_ATTN_V:
    case TC_ATTN_KV_B:
    case TC_ATTN_OTHER:
    default:
        return nt;
    }
}

/* tensor_type_fallback: rows whose width is not a multiple of the block. The
** current code falls back Q2_K/Q3_K -> Q4_0 (b4748 used IQ4_NL, same 18 bytes
** per 32). */
static enum estimator_ggml_type gguf_fallback(enum estimator_ggml_type t, uint64_t ne0)
{
    if (block_rem(t, ne0) == 0)
        return t;
    enum estimator_ggml_type r;
    switch (t) {
    case ESTIMATOR_GT_IQ1_S:
    case ESTIMATOR_GT_IQ1_M:
    case ESTIMATOR_GT_IQ2_XXS:
    case ESTIMATOR_GT_IQ2_XS:
    case ESTIMATOR_GT_IQ2_S:
    case ESTIMATOR_GT_IQ3_XXS:
    case ESTIMATOR_GT_IQ3_S:
    case ESTIMATOR_GT_IQ4_XS:
        r = ESTIMATOR_GT_IQ4_NL;
        break;
    case ESTIMATOR_GT_Q2_K:
    case ESTIMATOR_GT_Q3_K:
        r = ESTIMATOR_GT_Q4_0;
        break;
    case ESTIMATOR_GT_Q4_K:
        r = ESTIMATOR_GT_Q5_0;
        break;
    case ESTIMATOR_GT_Q5_K:
        r = ESTIMATOR_GT_Q5_1;
        break;
    case ESTIMATOR_GT_Q6_K:
        r = ESTIMATOR_GT_Q8_0;
        break;
    default:
        r = ESTIMATOR_GT_F16;
        break;
    }
    if (block_rem(r, ne0) != 0)
        r = ESTIMATOR_GT_F16;
    return r;
}

static void gguf_ctx_init(const struct estimator_wctx *w, struct gguf_ctx *g)
{
    const struct estimator_shape *s = w->shape;
    g->ftype = w->quant->ftype;
    g->n_layer = s->n_layer;
    g->n_gqa = s->mla ? 1 : s->n_head / s->n_kv;
    g->n_expert = s->moe ? s->n_expert : 0;
    g->tied = s->tied;
    /* llama-model.cpp: 80 layers -> LLM_TYPE_70B for llama (n_head != n_head_kv)
    ** and qwen2. */
    g->is_70b = s->n_layer == 80 && s->n_kv < s->n_head;
    g->has_imatrix = ftype_needs_imatrix(g->ftype);
}

/* ---- bytes of one tensor per format ---------------------------------------------- */

static bool is_linear(enum tcat c)
{
    return c == TC_ATTN_Q || c == TC_ATTN_K || c == TC_ATTN_V || c == TC_ATTN_KV_B ||
           c == TC_ATTN_OTHER || c == TC_ATTN_OUT || c == TC_FFN_GATE || c == TC_FFN_UP ||
           c == TC_FFN_DOWN;
}

static bool is_llamacpp_family(enum est_runtime rt)
{
    return rt == EST_RUNTIME_LLAMACPP || rt == EST_RUNTIME_OLLAMA || rt == EST_RUNTIME_LMSTUDIO;
}

/* MLX affine quantization, group 64: per group bits*64/8 bytes plus a scale
** and a bias in the weights' 16-bit dtype (mlx python/src/ops.cpp @846d1762;
** FACTS.md section 5). mlx_lm.convert -q defaults to affine, group 64, 4 bits
** (mlx_lm/utils.py quantize_model defaults_for_mode @d78bf58e; --q-bits and
** --q-group-size override them) and quantizes every module that has
** to_quantized (Linear, Embedding: the embeddings and lm_head included) whose
** last dimension divides by the group size (wrapped_predicate); norms and
** the Linear biases stay 16-bit. MoE routers: qwen3_moe, gpt_oss, minimax,
** qwen3_next, lfm2_moe and most current MoE families keep the router at
** 8 bits through their quant_predicate (mlx_lm/models/qwen3_moe.py,
** gpt_oss.py @d78bf58e); mixtral/olmoe quantize it like the rest and
** deepseek_v3/glm4_moe keep a 16-bit MoEGate. The router is sized at 8 bits,
** a few MiB either way. The mixed_* recipes (--quant-predicate) are not
** separate rows. */
#define MLX_ROUTER_BITS 8u
#define MLX_GROUP 64u
/* AutoAWQ / GPTQ: group 128, fp16 scales, 4-bit zeros packed in int32; GPTQ
** adds an int32 g_idx per input feature (AutoAWQ WQLinear, GPTQ QuantLinear). */
#define INT4_GROUP 128u

/* Whether the routed experts stay in MXFP4 for this quant and runtime.
** Checkpoints that ship MXFP4 experts (gpt-oss: config.json
** quantization_config {"quant_method": "mxfp4"}, modules_to_not_convert = the
** attention, router, embeddings and lm_head):
** - GGUF, every label and the BF16/F16 files: convert_hf_to_gguf.py writes the
**   experts as MXFP4 whatever --outtype says (GptOssModel.repack_mxfp4,
**   ggml-org/llama.cpp PR #15091); llama-quantize would requantize them to
**   the label's type, but refuses to unless --allow-requantize is given
**   ("requantizing from type mxfp4 is disabled", src/llama-quant.cpp
**   @007dbbf3 llama_model_quantize_impl), and the published files keep them:
**   bartowski/openai_gpt-oss-20b-GGUF "Q6_K with all FFN kept at MXFP4_MOE",
**   12.04 GB vs 12.1 GB for MXFP4; Q4_K_M 11.67 GB.
** - vLLM: the checkpoint's "mxfp4" quantization method keeps the expert
**   weights in 4-bit MXFP4 (vllm/model_executor/layers/quantization/mxfp4.py
**   Mxfp4MoEMethod); the rest loads in bf16.
** - transformers: Mxfp4HfQuantizer.validate_environment
**   (src/transformers/quantizers/quantizer_mxfp4.py @0001b3ee) keeps MXFP4 on
**   CUDA GPUs of compute capability >= 7.5 (ROCm reports through the same
**   torch.cuda API) with triton >= 3.4 and the kernels package, as the
**   model card's install line provides; with no CUDA/XPU device (MPS, CPU)
**   it dequantizes the experts to bf16.
** - MLX: mlx-community's gpt-oss conversions (gpt-oss-20b-MXFP4-Q4 / -Q8)
**   keep mxfp4 experts and quantize the other layers affine at the label's
**   bits (Blaizzy/mlx-vlm PR #1728; ml-explore/mlx-lm issue #605: the Q4 and
**   Q8 files are nearly the same size). bf16 on MLX stays dequantized.
** FP8 / AWQ / GPTQ checkpoints are repacks with their own format. */
static bool experts_stay_mxfp4(const struct estimator_wctx *w)
{
    if (!w->shape->experts_mxfp4)
        return false;
    switch (w->quant->kind) {
    case ESTIMATOR_QK_GGUF:
    case ESTIMATOR_QK_MLX:
        return true;
    case ESTIMATOR_QK_FLOAT16:
        if (w->runtime == EST_RUNTIME_TRANSFORMERS)
            return w->backend == EST_BACKEND_CUDA || w->backend == EST_BACKEND_ROCM;
        return w->runtime != EST_RUNTIME_MLX;
    case ESTIMATOR_QK_FP8:
    case ESTIMATOR_QK_AWQ:
    case ESTIMATOR_QK_GPTQ:
    default:
        return false;
    }
}

static uint64_t tensor_bytes(const struct estimator_wctx *w, const struct gguf_ctx *g,
                             const struct tensor *t, struct layer_pos *pos, struct estimator_ck *ck)
{
    const struct estimator_quant_row *q = w->quant;
    const uint64_t elems = estimator_mul(ck, t->ne0, t->rows);

    if (t->routed && experts_stay_mxfp4(w))
        return mxfp4_bytes(ck, t->rows, t->ne0);

    switch (q->kind) {
    case ESTIMATOR_QK_GGUF: {
        if (t->cat == TC_NORM || t->cat == TC_ROUTER)
            return estimator_mul(ck, elems, 4);
        if (g->ftype == FT_MXFP4_MOE) {
            /* llama_tensor_get_type_impl @007dbbf3: with MXFP4_MOE the 3-D
            ** expert tensors (ne[2] > 1) become MXFP4 and every other
            ** quantizable tensor, token_embd and output included, Q8_0. */
            if (t->routed)
                return mxfp4_bytes(ck, t->rows, t->ne0);
            return estimator_mul(
                ck, t->rows,
                estimator_ggml_row_bytes(ck, gguf_fallback(ESTIMATOR_GT_Q8_0, t->ne0), t->ne0));
        }
        enum estimator_ggml_type ty = gguf_rule(g, t->cat, pos, t->ne0, ftype_base(g->ftype));
        ty = gguf_fallback(ty, t->ne0);
        return estimator_mul(ck, t->rows, estimator_ggml_row_bytes(ck, ty, t->ne0));
    }
    case ESTIMATOR_QK_FLOAT16:
        /* GGUF F16/BF16 files keep 1-D tensors and the router in F32. */
        if (is_llamacpp_family(w->runtime) && (t->cat == TC_NORM || t->cat == TC_ROUTER))
            return estimator_mul(ck, elems, 4);
        return estimator_mul(ck, elems, 2);
    case ESTIMATOR_QK_MLX: {
        if (t->cat == TC_NORM || t->ne0 % MLX_GROUP != 0)
            return estimator_mul(ck, elems, 2);
        const uint64_t bits = t->cat == TC_ROUTER ? MLX_ROUTER_BITS : q->bits;
        uint64_t per_group = (uint64_t)MLX_GROUP * bits / 8 + 4;
        return estimator_mul(ck, estimator_mul(ck, t->rows, t->ne0 / MLX_GROUP), per_group);
    }
    case ESTIMATOR_QK_FP8:
        /* FP8 checkpoints (vLLM/llm-compressor, transformers FP8) quantize the
        ** linear layers to one byte with an fp32 scale per output channel;
        ** embeddings, lm_head, routers and norms stay 16-bit. */
        if (!is_linear(t->cat))
            return estimator_mul(ck, elems, 2);
        return estimator_add(ck, elems, estimator_mul(ck, t->rows, 4));
    case ESTIMATOR_QK_AWQ:
    case ESTIMATOR_QK_GPTQ: {
        if (!is_linear(t->cat) || t->ne0 % INT4_GROUP != 0)
            return estimator_mul(ck, elems, 2);
        uint64_t packed = elems / 2 + (elems % 2);
        uint64_t groups = estimator_mul(ck, t->ne0 / INT4_GROUP, t->rows);
        /* 2-byte scale + 4-bit zero per group = 5 bytes per 2 groups */
        uint64_t meta = estimator_mul(ck, groups, 5) / 2 + 1;
        uint64_t b = estimator_add(ck, packed, meta);
        if (q->kind == ESTIMATOR_QK_GPTQ)
            b = estimator_add(ck, b, estimator_mul(ck, t->ne0, 4));
        return b;
    }
    default:
        return estimator_mul(ck, elems, 2);
    }
}

/* Raw (unscaled) bytes, routed-expert bytes and parameters of a layer at
** *pos (pos->used collects the position bits its types depended on). */
static uint64_t layer_raw(const struct estimator_wctx *w, const struct gguf_ctx *g,
                          struct layer_pos *pos, struct estimator_ck *ck, uint64_t *routed,
                          uint64_t *params)
{
    struct tensor t[LAYER_TENSORS_MAX];
    size_t n = layer_tensors(w->shape, t);
    uint64_t total = 0, r = 0, p = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t b = tensor_bytes(w, g, &t[k], pos, ck);
        total = estimator_add(ck, total, b);
        if (t[k].routed)
            r = estimator_add(ck, r, b);
        p = estimator_add(ck, p, estimator_mul(ck, t[k].ne0, t[k].rows));
    }
    *routed = r;
    *params = p;
    return total;
}

/* The first layer after a where any class bit but CLASS_MORE_BITS changes
** (n when none does): the thresholds of layer_class. */
static uint32_t next_class_cut(uint32_t a, uint32_t n)
{
    const uint32_t cuts[] = {2, 4, n / 16, n / 8, 7 * n / 8};
    uint32_t b = n;
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++)
        if (cuts[k] > a && cuts[k] < b)
            b = cuts[k];
    return b;
}

static uint64_t scale_bytes(const struct estimator_wctx *w, uint64_t raw, struct estimator_ck *ck)
{
    if (w->layer_scale == 1.0)
        return raw;
    return estimator_bytes_from_double(ck, (double)raw * w->layer_scale);
}

uint64_t estimator_layer_weight_bytes(const struct estimator_wctx *w, uint32_t i,
                                      struct estimator_ck *ck, uint64_t *routed)
{
    unsigned c = layer_class(i, w->shape->n_layer);
    if (w->class_known[c]) {
        if (routed)
            *routed = w->class_scaled_routed[c];
        return w->class_scaled[c];
    }
    uint64_t raw = w->class_bytes[c], r = w->class_routed[c];
    { /* not filled: size it directly */
        struct gguf_ctx g;
        struct layer_pos pos = {c, 0};
        uint64_t p;
        gguf_ctx_init(w, &g);
        raw = layer_raw(w, &g, &pos, ck, &r, &p);
    }
    if (routed)
        *routed = scale_bytes(w, r, ck);
    return scale_bytes(w, raw, ck);
}

/* Unscaled sums over the repeating layers. */
struct layer_sums {
    uint64_t bytes;
    uint64_t routed;
    uint64_t params;
};

/* Add `count` layers of class c. Each class is sized once; a class that
** agrees with an already sized one on every bit that one's types depended on
** takes its sizes without being sized again. */
static void add_layers(struct estimator_wctx *w, const struct gguf_ctx *g, unsigned c,
                       uint64_t count, struct estimator_ck *ck, struct layer_sums *sum)
{
    if (count == 0)
        return;
    if (!w->class_known[c]) {
        unsigned k = 0;
        while (k < w->n_sized && ((w->sized[k] ^ c) & w->class_used[w->sized[k]]) != 0)
            k++;
        if (k < w->n_sized) {
            const unsigned from = w->sized[k];
            w->class_bytes[c] = w->class_bytes[from];
            w->class_routed[c] = w->class_routed[from];
            w->class_params[c] = w->class_params[from];
        } else {
            struct layer_pos pos = {c, 0};
            w->class_bytes[c] = layer_raw(w, g, &pos, ck, &w->class_routed[c], &w->class_params[c]);
            w->class_used[c] = pos.used;
            w->sized[w->n_sized++] = (unsigned char)c;
        }
        w->class_known[c] = true;
    }
    sum->bytes = estimator_add(ck, sum->bytes, estimator_mul(ck, count, w->class_bytes[c]));
    sum->routed = estimator_add(ck, sum->routed, estimator_mul(ck, count, w->class_routed[c]));
    sum->params = estimator_add(ck, sum->params, estimator_mul(ck, count, w->class_params[c]));
}

/* Sum the layers class by class without visiting each layer: between two
** cuts of next_class_cut only use_more_bits can change, and it does so only
** inside the middle band, where it holds for every third layer
** ((i - n/8) % 3 == 2). The sums equal a layer-by-layer loop exactly (integer
** arithmetic; one overflows exactly when the other does). */
static void sum_layers(struct estimator_wctx *w, const struct gguf_ctx *g, struct estimator_ck *ck,
                       struct layer_sums *sum)
{
    const uint32_t n = w->shape->n_layer, band_lo = n / 8;
    memset(sum, 0, sizeof *sum);
    for (uint32_t a = 0, b; a < n; a = b) {
        b = next_class_cut(a, n);
        const unsigned base = layer_class(a, n) & ~CLASS_MORE_BITS;
        if (!(base & CLASS_MIDDLE)) { /* use_more_bits holds throughout */
            add_layers(w, g, base | CLASS_MORE_BITS, b - a, ck, sum);
            continue;
        }
        /* k = i - n/8 runs over [lo, hi); k % 3 == 2 for hi/3 - lo/3 of them */
        const uint32_t lo = a - band_lo, hi = b - band_lo;
        const uint32_t more = hi / 3 - lo / 3;
        add_layers(w, g, base | CLASS_MORE_BITS, more, ck, sum);
        add_layers(w, g, base, (b - a) - more, ck, sum);
    }
}

enum est_status estimator_weights_compute(struct estimator_wctx *w, uint64_t params,
                                          struct estimator_ck *ck, struct estimator_weights *out)
{
    const struct estimator_shape *s = w->shape;
    struct gguf_ctx g;
    memset(out, 0, sizeof *out);
    memset(w->class_known, 0, sizeof w->class_known);
    w->n_sized = 0;
    w->layer_scale = 1.0;
    gguf_ctx_init(w, &g);

    /* Non-repeating tensors: token_embd, output_norm, output (untied). */
    const struct tensor embd = {TC_TOKEN_EMBD, s->hidden, s->vocab, false};
    const struct tensor onorm = {TC_NORM, s->hidden, 1, false};
    const struct tensor head = {TC_OUTPUT, s->hidden, s->vocab, false};
    uint64_t nonrep_params = estimator_add(ck, estimator_mul(ck, s->hidden, s->vocab), s->hidden);
    struct layer_pos pos = {layer_class(0, s->n_layer), 0}; /* not a layer: no position tests */
    out->token_embd = tensor_bytes(w, &g, &embd, &pos, ck);
    out->output = tensor_bytes(w, &g, &onorm, &pos, ck);
    if (!s->tied) {
        out->output = estimator_add(ck, out->output, tensor_bytes(w, &g, &head, &pos, ck));
        nonrep_params = estimator_add(ck, nonrep_params, estimator_mul(ck, s->hidden, s->vocab));
    }

    /* Layers, unscaled, one class at a time. */
    struct layer_sums sum;
    sum_layers(w, &g, ck, &sum);
    if (ck->overflow)
        return EST_OK; /* caller reports EST_E_RANGE */
    out->params_shape = estimator_add(ck, nonrep_params, sum.params);

    /* The caller's parameter count is authoritative (it counts biases, MTP
    ** heads, dense-first layers of MoE stacks and other details the shape
    ** record does not carry); the shape gives the mix of storage types, so
    ** the layers are scaled to the difference. */
    if (params == 0 || params == out->params_shape) {
        out->params = out->params_shape;
    } else {
        if (params <= nonrep_params || sum.params == 0)
            return EST_E_INVALID;
        w->layer_scale = (double)(params - nonrep_params) / (double)sum.params;
        out->params = params;
    }
    out->layers = scale_bytes(w, sum.bytes, ck);
    out->routed_experts = scale_bytes(w, sum.routed, ck);
    for (unsigned c = 0; c < ESTIMATOR_LAYER_CLASSES; c++)
        if (w->class_known[c]) {
            w->class_scaled[c] = scale_bytes(w, w->class_bytes[c], ck);
            w->class_scaled_routed[c] = scale_bytes(w, w->class_routed[c], ck);
        }
    out->total = estimator_add(ck, estimator_add(ck, out->token_embd, out->output), out->layers);
    return EST_OK;
}

uint64_t estimator_bytes_from_double(struct estimator_ck *ck, double x)
{
    if (!(x >= 0.0))
        return 0;
    /* 2^64 as a double; anything at or above it does not fit. */
    if (x >= 18446744073709551616.0) {
        ck->overflow = true;
        return UINT64_MAX;
    }
    double r = floor(x + 0.5);
    if (r >= 18446744073709551616.0) {
        ck->overflow = true;
        return UINT64_MAX;
    }
    return (uint64_t)r;
}

/* estimator_internal.h: declarations shared by the estimator's parts (estimator*.c).
** Not a public API: include it only from server/core/estimator*.c and their tests.
**
** Everything here is pure: no I/O, no allocation, no globals. All byte
** arithmetic goes through the checked helpers below so that absurd inputs
** raise a sticky overflow flag (reported as EST_E_RANGE) instead of wrapping.
*/
#ifndef WIR_ESTIMATOR_INTERNAL_H
#define WIR_ESTIMATOR_INTERNAL_H

#include "estimator.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESTIMATOR_KIB 1024ull
#define ESTIMATOR_MIB (1024ull * 1024ull)
#define ESTIMATOR_GIB (1024ull * 1024ull * 1024ull)

/* Deepest model we size. The largest published transformers have ~130
** layers; anything beyond this is treated as absurd input (EST_E_RANGE) and
** keeps the per-layer loops bounded. */
#define ESTIMATOR_LAYERS_MAX 4096u
/* Most concurrent sequences we size (llama.cpp's own LLAMA_MAX_SEQ is 256;
** vLLM's largest default max_num_seqs is 1024). */
#define ESTIMATOR_BATCH_MAX 65536u
/* Largest physical batch (-ub) we size; llama.cpp's own ceiling is n_batch,
** whose largest useful value is the context. */
#define ESTIMATOR_UBATCH_MAX 65536u
/* Largest per-device compute figure we size, TFLOPS (100x any device sold). */
#define ESTIMATOR_TFLOPS_MAX 1e5
/* Most identical devices we size together. */
#define ESTIMATOR_DEVICES_MAX 1024u

/* ---- checked arithmetic -------------------------------------------------- */

/* Sticky error flags of one estimate. */
struct estimator_ck {
    bool overflow; /* a product/sum did not fit in 64 bits */
};

/* a * b, saturating at UINT64_MAX and raising ck->overflow. */
static inline uint64_t estimator_mul(struct estimator_ck *ck, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_mul_overflow(a, b, &r)) {
        ck->overflow = true;
        return UINT64_MAX;
    }
    return r;
}

/* a + b, saturating at UINT64_MAX and raising ck->overflow. */
static inline uint64_t estimator_add(struct estimator_ck *ck, uint64_t a, uint64_t b)
{
    uint64_t r;
    if (__builtin_add_overflow(a, b, &r)) {
        ck->overflow = true;
        return UINT64_MAX;
    }
    return r;
}

/* a - b clamped at 0. */
static inline uint64_t estimator_sub_floor(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

/* ceil(a / b) * b for b > 0, checked. */
static inline uint64_t estimator_pad(struct estimator_ck *ck, uint64_t a, uint64_t b)
{
    uint64_t q = a / b + (a % b != 0);
    return estimator_mul(ck, q, b);
}

/* A non-negative finite double rounded to bytes; raises ck->overflow when it
** does not fit in 64 bits. NaN and negatives give 0 (callers validate first). */
uint64_t estimator_bytes_from_double(struct estimator_ck *ck, double x);

/* ---- model shape ----------------------------------------------------------- */

/* The architecture with defaults resolved and checked. */
struct estimator_shape {
    uint32_t n_layer;
    uint32_t hidden;
    uint32_t n_head;
    uint32_t n_kv;     /* KV heads (GQA) */
    uint32_t head_dim; /* per head, K and V */
    uint32_t ff;       /* dense FFN width (0 when every layer is MoE) */
    uint32_t vocab;
    bool tied;
    bool moe;
    uint32_t n_expert;
    uint32_t n_expert_used;
    uint32_t expert_ff; /* per-expert FFN width */
    uint32_t n_shared;  /* shared experts (each expert_ff wide) */
    bool mla;
    uint32_t kv_lora;  /* MLA latent rank */
    uint32_t rope_dim; /* MLA rope part of K */
    uint32_t mla_nope; /* MLA non-rope part of each head's K */
    uint32_t mla_v;    /* MLA V head dim */
    uint32_t swa_window;
    uint32_t swa_layers; /* layers using the window (0 = none) */
    uint32_t max_ctx;    /* trained context, 0 = unknown */
    bool experts_mxfp4;  /* MoE whose checkpoint stores the routed experts in MXFP4 */
};

/* Check and resolve m into *s. EST_E_INVALID for inconsistent shapes,
** EST_E_RANGE for absurd sizes. */
enum est_status estimator_shape_resolve(const struct est_model *m, struct estimator_shape *s);

/* Whether layer i uses the sliding window (the window layers are spread
** evenly over the stack, as Gemma/gpt-oss interleave them). */
bool estimator_layer_is_swa(const struct estimator_shape *s, uint32_t i);

/* ---- quantizations and weights ---------------------------------------------- */

/* How a quant label stores tensors. */
enum estimator_qkind {
    ESTIMATOR_QK_GGUF = 0, /* llama.cpp ftype with per-tensor type mix */
    ESTIMATOR_QK_FLOAT16,  /* bf16 / fp16 (GGUF F16/BF16 on the llama.cpp family) */
    ESTIMATOR_QK_MLX,      /* MLX affine, group 64 */
    ESTIMATOR_QK_FP8,      /* HF FP8 linear layers */
    ESTIMATOR_QK_AWQ,      /* AutoAWQ int4, group 128 */
    ESTIMATOR_QK_GPTQ,     /* GPTQ int4, group 128 */
};

/* One row of the quant table; pub is what the API shows. */
struct estimator_quant_row {
    struct est_quant pub;
    enum estimator_qkind kind;
    int ftype;         /* ESTIMATOR_QK_GGUF: enum estimator_ftype */
    unsigned bits;     /* ESTIMATOR_QK_MLX: 3..8 */
    unsigned runtimes; /* bit (1u << est_runtime) per runtime that loads it */
};

/* The internal row behind a public quant pointer (a row of our table, or an
** outside struct matched by id); NULL if unknown. */
const struct estimator_quant_row *estimator_quant_row(const struct est_quant *q);

/* Row i of the quant table (NULL past the end). The table is in descending
** quality order: est_best_quant takes the first row that fits. */
const struct estimator_quant_row *estimator_quant_row_at(size_t i);

/* Whether runtime rt loads this row (est_quant_runs_on without the lookup). */
bool estimator_quant_row_runs_on(const struct estimator_quant_row *q, enum est_runtime rt);

/* Sizes of the weights for one (model, quant, runtime). */
struct estimator_weights {
    uint64_t total;          /* every tensor, bytes */
    uint64_t token_embd;     /* input embedding */
    uint64_t output;         /* output head (untied) + final norm */
    uint64_t layers;         /* all repeating layers */
    uint64_t routed_experts; /* routed expert tensors within layers */
    uint64_t params;         /* parameters the bytes were sized for */
    uint64_t params_shape;   /* parameters counted from the shape */
};

/* Layers differ only by which of llama-quant.cpp's position rules apply to
** them (first/last eighth, every third layer, first 2/4 layers, first
** sixteenth, middle band): one slot per combination. */
#define ESTIMATOR_LAYER_CLASSES 64u

/* Everything needed to size one tensor, and the raw sizes of each layer
** class (filled by estimator_weights_compute). */
struct estimator_wctx {
    const struct estimator_shape *shape;
    const struct estimator_quant_row *quant;
    enum est_runtime runtime;
    enum est_backend backend; /* decides whether transformers keeps MXFP4 experts */
    double layer_scale; /* model params / shape params for the layers (1.0 = exact) */
    bool class_known[ESTIMATOR_LAYER_CLASSES];
    uint64_t class_bytes[ESTIMATOR_LAYER_CLASSES];  /* raw bytes of one layer */
    uint64_t class_routed[ESTIMATOR_LAYER_CLASSES]; /* raw routed-expert bytes */
    uint64_t class_params[ESTIMATOR_LAYER_CLASSES];
    /* class_bytes / class_routed scaled like the total (layer_scale), for
    ** the known classes: estimator_layer_weight_bytes answers from these */
    uint64_t class_scaled[ESTIMATOR_LAYER_CLASSES];
    uint64_t class_scaled_routed[ESTIMATOR_LAYER_CLASSES];
    /* classes sized with their own tensors, and the position bits their
    ** types depended on; the other known classes copied one of them */
    unsigned class_used[ESTIMATOR_LAYER_CLASSES];
    unsigned char sized[ESTIMATOR_LAYER_CLASSES];
    unsigned n_sized;
};

/* Fill w->layer_scale from the caller's parameter count (0 = derive) and
** size every tensor into *out. EST_E_INVALID when params is smaller than the
** embeddings alone. Overflow raises ck. */
enum est_status estimator_weights_compute(struct estimator_wctx *w, uint64_t params,
                                          struct estimator_ck *ck, struct estimator_weights *out);

/* Bytes of repeating layer i (scaled like the total); *routed receives the
** routed-expert part. Requires estimator_weights_compute to have run on w. */
uint64_t estimator_layer_weight_bytes(const struct estimator_wctx *w, uint32_t i,
                                      struct estimator_ck *ck, uint64_t *routed);

/* ggml storage types llama.cpp picks per tensor (subset we size). */
enum estimator_ggml_type {
    ESTIMATOR_GT_F32 = 0,
    ESTIMATOR_GT_F16,
    ESTIMATOR_GT_BF16,
    ESTIMATOR_GT_Q4_0,
    ESTIMATOR_GT_Q4_1,
    ESTIMATOR_GT_Q5_0,
    ESTIMATOR_GT_Q5_1,
    ESTIMATOR_GT_Q8_0,
    ESTIMATOR_GT_Q2_K,
    ESTIMATOR_GT_Q3_K,
    ESTIMATOR_GT_Q4_K,
    ESTIMATOR_GT_Q5_K,
    ESTIMATOR_GT_Q6_K,
    ESTIMATOR_GT_IQ1_S,
    ESTIMATOR_GT_IQ1_M,
    ESTIMATOR_GT_IQ2_XXS,
    ESTIMATOR_GT_IQ2_XS,
    ESTIMATOR_GT_IQ2_S,
    ESTIMATOR_GT_IQ3_XXS,
    ESTIMATOR_GT_IQ3_S,
    ESTIMATOR_GT_IQ4_NL,
    ESTIMATOR_GT_IQ4_XS,
    ESTIMATOR_GT_COUNT
};

/* Bytes of one row of n elements stored as type t (n rounded up to whole
** blocks). */
uint64_t estimator_ggml_row_bytes(struct estimator_ck *ck, enum estimator_ggml_type t, uint64_t n);

/* ---- KV cache --------------------------------------------------------------- */

struct estimator_kv {
    uint64_t cells_full;     /* cells of a full-attention layer, all sequences */
    uint64_t cells_swa;      /* cells of a sliding-window layer, all sequences */
    uint64_t bytes_per_cell; /* K + V bytes of one cell in one layer */
    uint64_t total;          /* whole cache, bytes */
};

/* Bytes per element of a KV type as a row of n elements (block scales
** included): f16/bf16 2, f32 4, q8_0 34/32, q4_0 18/32, fp8 1. */
uint64_t estimator_kv_row_bytes(struct estimator_ck *ck, enum est_kv_type t, uint64_t n);

/* Size the cache for `context` tokens per sequence and `batch` sequences as
** runtime rt allocates it (padding, windows, MLA latent), K stored as t_k and
** V as t_v; n_ubatch is the llama.cpp family's physical batch (it widens the
** sliding-window cache); tp is vLLM's tensor-parallel size (the devices; 1 =
** none): each rank caches its own share of the KV heads, replicated when the
** ranks outnumber them, and the whole MLA latent, so out->total is tp x one
** rank's cache (other runtimes ignore tp). */
void estimator_kv_compute(const struct estimator_shape *s, enum est_runtime rt,
                          enum est_kv_type t_k, enum est_kv_type t_v, uint32_t context,
                          uint32_t batch, uint32_t n_ubatch, uint32_t tp, struct estimator_ck *ck,
                          struct estimator_kv *out);

/* How the llama.cpp family holds `batch` concurrent sequences (est_input.batch,
** each of `context` tokens): *n_seq_max sequences (llama_context n_seq_max,
** which also sizes the output buffer) and whether they share one unified KV
** pool (*unified) or get one stream of context cells each. Only meaningful
** for the llama.cpp family. */
void estimator_llamacpp_seqs(enum est_runtime rt, uint32_t batch, uint32_t *n_seq_max,
                             bool *unified);

/* KV bytes of repeating layer i. */
uint64_t estimator_kv_layer_bytes(const struct estimator_shape *s, const struct estimator_kv *kv,
                                  uint32_t i, struct estimator_ck *ck);

/* ---- runtime behaviour -------------------------------------------------------- */

/* llama.cpp's physical batch (-ub) default, and what Ollama passes as both -b
** and -ub (num_batch 512). Source: llama.cpp common/common.h (n_ubatch = 512);
** ollama api/types.go (NumBatch: 512). */
#define ESTIMATOR_LLAMACPP_UBATCH 512u

/* llama.cpp process outside its buffers (binary, vocab, bookkeeping): 63-78
** MiB measured in CPU runs, ~100 MiB allowed (LLAMACPP-RULES.md section 8). */
#define ESTIMATOR_LLAMACPP_PROCESS (100ull * ESTIMATOR_MIB)

/* llama.cpp's compute buffer (worst-case graph of n_ubatch tokens against
** n_kv cells) plus its output (logits) buffer for n_seq sequences, for one
** device holding the output layer; extra_devices adds the per-layer part for
** each further device of a layer split. */
uint64_t estimator_llamacpp_compute_bytes(const struct estimator_shape *s, uint64_t n_kv,
                                          uint32_t n_ubatch, bool flash_attn, uint32_t n_seq,
                                          uint32_t extra_devices, struct estimator_ck *ck);

/* The llama.cpp family's physical batch for this input (-ub; 0 = 512). */
uint32_t estimator_ubatch(const struct est_input *in, uint32_t context);

/* Activation working set for the runtime (compute_bytes of the result). */
uint64_t estimator_compute_bytes(const struct estimator_shape *s, const struct est_input *in,
                                 enum est_runtime rt, uint32_t context, uint32_t batch,
                                 uint32_t ubatch, bool flash_attn, const struct estimator_kv *kv,
                                 struct estimator_ck *ck);

/* Fixed runtime reserves beyond weights/KV/compute (overhead_bytes). */
uint64_t estimator_overhead_bytes(const struct est_input *in, enum est_runtime rt,
                                  bool on_accelerator, struct estimator_ck *ck);

struct estimator_prep;
/* The context the runtime allocates when the caller gives none, for a fully
** prepared estimate (llama-server's --fit default depends on the weights). */
uint32_t estimator_default_context(const struct estimator_prep *p);

/* The runtime's KV type when the caller asks for the default. */
enum est_kv_type estimator_default_kv_type(enum est_runtime rt);

/* Whether flash attention is on after the runtime resolves `auto`, given the
** V cache type; *forced is set when a quantized V cache forces it on. */
bool estimator_flash_attention(const struct est_input *in, enum est_runtime rt,
                               enum est_kv_type kv_v, bool *forced);

/* Whether the runtime stores K and V with different types (-ctk/-ctv). */
bool estimator_kv_types_may_differ(enum est_runtime rt);

/* Whether the runtime can split layers between the accelerator and system RAM. */
bool estimator_runtime_offloads(enum est_runtime rt, const struct estimator_quant_row *q);

/* Granularity (tokens) of the context search for a runtime. */
uint32_t estimator_context_step(enum est_runtime rt);

/* Fraction of the peak memory bandwidth a runtime reaches when decoding. */
double estimator_decode_efficiency(enum est_runtime rt, enum est_backend b);

/* The budget as est_budget computes it; *approximate is set when the Apple
** ceiling came from the interpolated table rather than a known rule or the
** user's wired limit. Overflow raises ck. */
void estimator_budget(const struct est_input *in, struct estimator_ck *ck, uint64_t *memory,
                      uint64_t *usable, const char **basis, bool *approximate);

/* Host RAM that an OS leaves to applications, bytes, for ram bytes installed. */
uint64_t estimator_os_usable_ram(uint64_t ram);

/* Whether the device runs the model on an accelerator (not the CPU). */
bool estimator_has_accelerator(const struct est_device *d);

/* ---- one estimate in stages ----------------------------------------------------- */

/* What an estimate needs that depends neither on the context nor on the
** batch: the checked input, the resolved shape and quant, the per-tensor
** weight sums, the fixed reserves and the budget. est_estimate fills it once
** per call, est_max_context once per search and est_best_quant once per
** candidate quant (summing the weights only for candidates whose KV cache and
** buffers alone fit), so the weights are not re-summed for every context
** tried. w.shape points at this struct's own shape: fill it in place, never
** copy it. */
struct estimator_prep {
    const struct est_input *in;
    struct estimator_shape shape;
    /* the budget (the device and platform, not the quant) */
    uint64_t memory;
    uint64_t usable;
    const char *basis;
    bool approximate;     /* the Apple ceiling came from the interpolated table */
    bool budget_overflow; /* the budget overflowed: every estimate is EST_E_RANGE */
    /* the quant and what it implies (estimator_prepare_settings) */
    const struct estimator_quant_row *quant;
    enum est_runtime engine; /* the runtime that sizes it (LM Studio's MLX engine: mlx) */
    enum est_kv_type kv_type;   /* K (and V unless kv_type_v says otherwise) */
    enum est_kv_type kv_type_v; /* V */
    bool flash_attn;
    bool fa_forced;
    bool accel;
    uint64_t overhead;
    bool overhead_overflow; /* the reserves overflowed: every estimate is EST_E_RANGE */
    struct estimator_wctx w;
    struct estimator_weights wt; /* zero until estimator_prepare_weights */
    uint64_t layer_sum;          /* sum of estimator_layer_weight_bytes over the layers */
    bool details;                /* est_estimate: fill what only the answer reports
                                 ** (largest allocation) even when no check needs it */
};

/* The context-dependent footprint of one estimate. */
struct estimator_footprint {
    uint32_t context; /* defaults resolved */
    uint32_t batch;
    uint32_t ubatch;  /* the llama.cpp family's physical batch at this context */
    struct estimator_kv kv;
    uint64_t compute;
    uint64_t total;
};

/* Check in (every check est_estimate makes before it sizes anything, in the
** same order; in->context is checked against EST_CONTEXT_MAX), resolve the
** shape and size the budget into *p. Does not look at in->quant. */
enum est_status estimator_prepare_input(const struct est_input *in, struct estimator_prep *p);

/* Resolve quant (NULL = the runtime's default) against a prepared input:
** estimator_prepare_settings, then estimator_prepare_weights. May be called
** again on the same *p for another quant. Returns what est_estimate returns
** for these checks (EST_E_UNSUPPORTED, EST_E_RANGE, EST_E_INVALID). */
enum est_status estimator_prepare_quant(struct estimator_prep *p, const struct est_quant *quant);

/* The first half: support checks, engine, KV type, flash attention and the
** fixed reserves; the weights count as zero until estimator_prepare_weights. */
enum est_status estimator_prepare_settings(struct estimator_prep *p, const struct est_quant *quant);

/* The second half: the per-tensor weight sums of the quant and engine. */
enum est_status estimator_prepare_weights(struct estimator_prep *p);

/* The footprint at `context` tokens (0 = the runtime default) for a fully
** prepared *p; EST_E_RANGE exactly when est_estimate would report it (the
** first stages' errors aside). */
enum est_status estimator_footprint_at(const struct estimator_prep *p, uint32_t context,
                                       struct estimator_footprint *f);

/* Whether est_estimate would answer runs or tight at `context` for a fully
** prepared *p (the verdict is runs or tight exactly when total <= usable).
** Before estimator_prepare_weights: whether everything but the weights fits. */
bool estimator_fits_at(const struct estimator_prep *p, uint32_t context);

/* ---- placement and verdict (estimator_place.c) --------------------------------------- */

/* Where one estimate's bytes live, and the verdict that follows. */
struct estimator_placement {
    enum est_verdict verdict;
    uint32_t gpu_layers;        /* repeating layers (+ output) on the accelerator */
    uint32_t layers_total;      /* layers the runtime places (blocks + output for splitters) */
    uint64_t gpu_layer_weights; /* weights of the repeating layers on the accelerator */
    uint64_t gpu_layer_kv;      /* their KV */
    uint64_t host_bytes;        /* system RAM needed beyond the accelerators */
    uint32_t n_cpu_moe;         /* layers whose routed experts stay in system RAM */
    uint32_t cpu_layers;        /* with experts in RAM: the first layers held wholly in RAM */
    uint32_t moe_ram_lo;        /* layers [moe_ram_lo, moe_ram_hi) on the devices keep */
    uint32_t moe_ram_hi;        /*   their routed experts in system RAM */
    bool fit_moe;               /* llama-server's --fit placed the experts (not --n-cpu-moe) */
    uint32_t devices_reported;
    uint64_t device_bytes[EST_SPLIT_MAX];
    uint64_t device_usable;
    double split[EST_SPLIT_MAX];
    uint64_t largest_allocation;
    bool allocation_cap_exceeded;
    bool context_refused; /* the runtime refuses this context outright (vLLM) */
    bool devices_fit;     /* everything placed on the devices fits them (the
                          ** experts --n-cpu-moe keeps in RAM aside) */
};

/* Place a fully prepared estimate's footprint on the device(s) and decide the
** verdict. EST_E_RANGE on overflow. */
enum est_status estimator_place(const struct estimator_prep *p, const struct estimator_footprint *f,
                                struct estimator_placement *out);

/* ---- speed (estimator_speed.c) ------------------------------------------------------- */

struct estimator_speed {
    double decode_tps;
    const char *decode_basis;
    double prompt_tps;
    const char *prompt_basis;
    bool unknown; /* no bandwidth figure: EST_WARN_SPEED_UNKNOWN */
};

/* Decode and prompt-processing speed of a placed estimate. */
void estimator_speed(const struct estimator_prep *p, const struct estimator_footprint *f,
                     const struct estimator_placement *pl, struct estimator_speed *out);

/* Bytes read per decoded token from the weights (active experts only). */
double estimator_active_weight_bytes(const struct estimator_shape *s,
                                     const struct estimator_weights *wt);

/* ASCII case-insensitive equality of two ids (ids are ASCII). estimator.c. */
bool estimator_id_equal(const char *a, const char *b);

#endif

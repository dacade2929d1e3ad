/* estimator.c: the estimator's entry points (estimate, max context, best quant, ids).
** Pure: libc + libm only; no I/O, no allocation, no globals, no logging. Holds the
** input checks, the verdict, the layer placement and the decode-speed estimate.
**
** The parts: estimator_quants.c (quant table, per-tensor weights),
** estimator_kv.c (KV cache), estimator_runtime.c (compute buffers, reserves,
** defaults), estimator_budget.c (usable memory per platform).
*/
#include "estimator_internal.h"

#include <math.h>
#include <string.h>

/* ---- ids ------------------------------------------------------------------------ */

static const char *const runtime_ids[EST_RUNTIME_COUNT] = {
    "llama.cpp", "ollama", "lmstudio", "mlx", "transformers", "vllm",
};
static const char *const kind_ids[EST_DEVICE_COUNT] = {"gpu", "unified", "cpu"};
static const char *const backend_ids[EST_BACKEND_COUNT] = {"cuda", "metal", "rocm", "vulkan",
                                                           "cpu"};
static const char *const os_ids[EST_OS_COUNT] = {"macos", "linux", "windows"};
static const char *const kv_ids[EST_KV_COUNT] = {"default", "f16",  "bf16", "f32",
                                                 "q8_0",    "q4_0", "fp8"};
static const char *const verdict_ids[] = {"runs", "tight", "offload", "wont_run"};

static const char UNKNOWN_ID[] = "unknown";

bool estimator_id_equal(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z')
            ca = (unsigned char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z')
            cb = (unsigned char)(cb - 'A' + 'a');
        if (ca != cb)
            return false;
        if (ca == '\0')
            return true;
    }
}

static int id_lookup(const char *const *table, int n, const char *id)
{
    if (id == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (estimator_id_equal(id, table[i]))
            return i;
    return -1;
}

const char *est_runtime_id(enum est_runtime rt)
{
    return (unsigned)rt < EST_RUNTIME_COUNT ? runtime_ids[rt] : UNKNOWN_ID;
}

int est_runtime_from_id(const char *id, enum est_runtime *out)
{
    int i = id_lookup(runtime_ids, EST_RUNTIME_COUNT, id);
    if (i < 0 || out == NULL)
        return -1;
    *out = (enum est_runtime)i;
    return 0;
}

const char *est_device_kind_id(enum est_device_kind k)
{
    return (unsigned)k < EST_DEVICE_COUNT ? kind_ids[k] : UNKNOWN_ID;
}

int est_device_kind_from_id(const char *id, enum est_device_kind *out)
{
    int i = id_lookup(kind_ids, EST_DEVICE_COUNT, id);
    if (i < 0 || out == NULL)
        return -1;
    *out = (enum est_device_kind)i;
    return 0;
}

const char *est_backend_id(enum est_backend b)
{
    return (unsigned)b < EST_BACKEND_COUNT ? backend_ids[b] : UNKNOWN_ID;
}

int est_backend_from_id(const char *id, enum est_backend *out)
{
    int i = id_lookup(backend_ids, EST_BACKEND_COUNT, id);
    if (i < 0 || out == NULL)
        return -1;
    *out = (enum est_backend)i;
    return 0;
}

const char *est_os_id(enum est_os os)
{
    return (unsigned)os < EST_OS_COUNT ? os_ids[os] : UNKNOWN_ID;
}

int est_os_from_id(const char *id, enum est_os *out)
{
    int i = id_lookup(os_ids, EST_OS_COUNT, id);
    if (i < 0 || out == NULL)
        return -1;
    *out = (enum est_os)i;
    return 0;
}

const char *est_kv_type_id(enum est_kv_type t)
{
    return (unsigned)t < EST_KV_COUNT ? kv_ids[t] : UNKNOWN_ID;
}

int est_kv_type_from_id(const char *id, enum est_kv_type *out)
{
    int i = id_lookup(kv_ids, EST_KV_COUNT, id);
    if (i < 0 || out == NULL)
        return -1;
    *out = (enum est_kv_type)i;
    return 0;
}

const char *est_verdict_id(enum est_verdict v)
{
    return (unsigned)v <= EST_WONT_RUN ? verdict_ids[v] : UNKNOWN_ID;
}

/* ---- model shape ------------------------------------------------------------------- */

/* DeepSeek-V2/V3 qk_nope_head_dim and v_head_dim (config.json). */
#define MLA_HEAD_DIM 128u

enum est_status estimator_shape_resolve(const struct est_model *m, struct estimator_shape *s)
{
    memset(s, 0, sizeof *s);
    if (m->num_hidden_layers == 0 || m->hidden_size == 0 || m->num_attention_heads == 0 ||
        m->vocab_size == 0)
        return EST_E_INVALID;
    if (m->num_hidden_layers > ESTIMATOR_LAYERS_MAX)
        return EST_E_RANGE;
    s->n_layer = m->num_hidden_layers;
    s->hidden = m->hidden_size;
    s->n_head = m->num_attention_heads;
    s->vocab = m->vocab_size;
    s->tied = m->tie_word_embeddings;
    s->max_ctx = m->max_position_embeddings;
    s->experts_mxfp4 = m->experts_mxfp4 && m->num_experts > 1;

    s->n_kv = m->num_key_value_heads ? m->num_key_value_heads : s->n_head;
    if (s->n_kv > s->n_head || s->n_head % s->n_kv != 0)
        return EST_E_INVALID;
    if (m->head_dim) {
        s->head_dim = m->head_dim;
    } else {
        if (s->hidden % s->n_head != 0)
            return EST_E_INVALID;
        s->head_dim = s->hidden / s->n_head;
    }

    if (m->num_experts > 1) {
        s->moe = true;
        s->n_expert = m->num_experts;
        s->n_expert_used = m->num_experts_per_tok;
        if (s->n_expert_used == 0 || s->n_expert_used > s->n_expert)
            return EST_E_INVALID;
        s->expert_ff = m->moe_intermediate_size ? m->moe_intermediate_size : m->intermediate_size;
        if (s->expert_ff == 0)
            return EST_E_INVALID;
        s->n_shared = m->num_shared_experts;
        /* Every layer is sized as MoE; dense-first layers (DeepSeek) are
        ** reconciled through the parameter count. */
        s->ff = 0;
    } else {
        if (m->intermediate_size == 0)
            return EST_E_INVALID;
        s->ff = m->intermediate_size;
    }

    if (m->kv_lora_rank) {
        s->mla = true;
        s->kv_lora = m->kv_lora_rank;
        s->rope_dim = m->qk_rope_head_dim;
        s->mla_nope = MLA_HEAD_DIM;
        s->mla_v = MLA_HEAD_DIM;
    }

    if (m->sliding_window_layers > s->n_layer)
        return EST_E_INVALID;
    if (m->sliding_window_layers > 0) {
        if (m->sliding_window == 0)
            return EST_E_INVALID;
        s->swa_window = m->sliding_window;
        s->swa_layers = m->sliding_window_layers;
    }
    return EST_OK;
}

/* ---- runtime / device compatibility ---------------------------------------------- */

static bool backend_supported(enum est_runtime rt, enum est_backend b,
                              const struct estimator_quant_row *q)
{
    switch (rt) {
    case EST_RUNTIME_MLX:
        /* MLX runs on Metal, CUDA (mlx[cuda]) and the CPU. */
        return b == EST_BACKEND_METAL || b == EST_BACKEND_CUDA || b == EST_BACKEND_CPU;
    case EST_RUNTIME_VLLM:
        return b == EST_BACKEND_CUDA || b == EST_BACKEND_ROCM || b == EST_BACKEND_CPU;
    case EST_RUNTIME_TRANSFORMERS:
        /* PyTorch: CUDA, ROCm, MPS (Metal), CPU. */
        return b != EST_BACKEND_VULKAN;
    case EST_RUNTIME_LMSTUDIO:
        /* LM Studio's MLX engine exists on Apple Silicon only. */
        return q->kind != ESTIMATOR_QK_MLX || b == EST_BACKEND_METAL;
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
    case EST_RUNTIME_COUNT:
    default:
        return true;
    }
}

/* Largest memory bandwidth we size, GB/s: 1 PB/s, over 100x any device sold. */
#define ESTIMATOR_BANDWIDTH_MAX_GBS 1e6

static bool valid_gib(double g)
{
    return g > 0.0 && isfinite(g);
}

static bool valid_optional(double g)
{
    return g >= 0.0 && isfinite(g);
}

/* Largest --tensor-split share we size (llama.cpp reads floats; the API
** accepts up to 1,000,000). */
#define ESTIMATOR_SPLIT_SHARE_MAX 1e9

/* --tensor-split and --n-cpu-moe against the devices and the runtime.
** - tensor_split: llama.cpp's -ts (common/arg.cpp), one share per device it
**   uses (at most LLAMA_MAX_DEVICES = 16); a share for a device that is not
**   there is EST_E_INVALID. Only llama.cpp takes proportions: Ollama lays
**   out layers itself (llm/server.go passes its own split), LM Studio offers
**   "evenly" / "favorMainGpu" strategies only (lmstudio-js
**   LLMLoadModelConfig), vLLM, MLX and transformers do not split by layer.
** - n_cpu_moe: llama.cpp -ncmoe/--n-cpu-moe (common/arg.cpp: one
**   llm_ffn_exps_block_regex(i) override to the CPU buffer type per layer
**   i < N) and LM Studio ("Force Model Expert Weights onto CPU", 0.3.23,
**   lmstudio.ai/blog/lmstudio-v0.3.23; numCpuExpertLayersRatio in lmstudio-js
**   LLMLoadModelConfig) keep experts in RAM; Ollama has no such setting
**   (ollama/ollama#11772 open, PR #12333 declined in favour of automatic
**   placement); vLLM, MLX and transformers have none either. It has no effect
**   on dense models (ignored there). */
static enum est_status check_placement_input(const struct est_input *in,
                                             const struct estimator_shape *s)
{
    const uint32_t count = in->device.count ? in->device.count : 1;
    bool split = false;
    for (uint32_t i = 0; i < EST_SPLIT_MAX; i++) {
        if (in->tensor_split[i] > ESTIMATOR_SPLIT_SHARE_MAX)
            return EST_E_RANGE;
        if (in->tensor_split[i] > 0.0) {
            split = true;
            if (i >= count)
                return EST_E_INVALID;
        }
    }
    if (split && in->runtime != EST_RUNTIME_LLAMACPP)
        return EST_E_UNSUPPORTED;
    if (in->n_cpu_moe > 0 && s->moe && in->runtime != EST_RUNTIME_LLAMACPP &&
        in->runtime != EST_RUNTIME_LMSTUDIO)
        return EST_E_UNSUPPORTED;
    return EST_OK;
}

/* ---- est_estimate in stages --------------------------------------------------------- */

enum est_status estimator_prepare_input(const struct est_input *in, struct estimator_prep *p)
{
    /* Only the small fields are reset: the weight context's per-class tables
    ** (2 KiB) are always written before they are read, and clearing them
    ** would cost more than a whole search step. */
    p->in = in;
    p->details = false;
    p->layer_sum = 0;
    p->memory = 0;
    p->usable = 0;
    p->basis = NULL;
    p->approximate = false;
    p->budget_overflow = false;
    p->quant = NULL;
    if (in == NULL)
        return EST_E_INVALID;
    const struct est_device *dev = &in->device;

    if ((unsigned)in->runtime >= EST_RUNTIME_COUNT || (unsigned)dev->kind >= EST_DEVICE_COUNT ||
        (unsigned)dev->backend >= EST_BACKEND_COUNT || (unsigned)in->os >= EST_OS_COUNT ||
        (unsigned)in->kv_type >= EST_KV_COUNT ||
        (in->flash_attention != EST_AUTO && in->flash_attention != EST_OFF &&
         in->flash_attention != EST_ON))
        return EST_E_INVALID;
    if (!valid_gib(dev->memory_gib) || !valid_optional(dev->system_ram_gib) ||
        !valid_optional(dev->bandwidth_gbs))
        return EST_E_INVALID;
    if (dev->kind == EST_DEVICE_CPU && dev->backend != EST_BACKEND_CPU)
        return EST_E_INVALID;
    if (dev->count > ESTIMATOR_DEVICES_MAX)
        return EST_E_RANGE;
    /* Past this, bandwidth in bytes/s stops being a finite double in the
    ** speed estimate (found by fuzzing); the fastest HBM3e parts are ~8 TB/s. */
    if (dev->bandwidth_gbs > ESTIMATOR_BANDWIDTH_MAX_GBS)
        return EST_E_RANGE;
    if (in->context > EST_CONTEXT_MAX)
        return EST_E_RANGE;
    if (in->batch > ESTIMATOR_BATCH_MAX)
        return EST_E_RANGE;
    if ((unsigned)in->kv_type_v >= EST_KV_COUNT)
        return EST_E_INVALID;
    if (in->ubatch > ESTIMATOR_UBATCH_MAX)
        return EST_E_RANGE;
    for (uint32_t i = 0; i < EST_SPLIT_MAX; i++)
        if (!valid_optional(in->tensor_split[i]))
            return EST_E_INVALID;
    if (!valid_optional(dev->compute_tflops) || !valid_optional(dev->max_allocation_gib))
        return EST_E_INVALID;
    if (dev->compute_tflops > ESTIMATOR_TFLOPS_MAX)
        return EST_E_RANGE;

    enum est_status st = estimator_shape_resolve(&in->model, &p->shape);
    if (st != EST_OK)
        return st;
    st = check_placement_input(in, &p->shape);
    if (st != EST_OK)
        return st;

    /* The budget depends on the device, the platform and the runtime only.
    ** Its overflow is reported (as EST_E_RANGE) after the quant checks, where
    ** the one-pass estimate used to find it. */
    struct estimator_ck ck = {false};
    estimator_budget(in, &ck, &p->memory, &p->usable, &p->basis, &p->approximate);
    p->budget_overflow = ck.overflow;
    return EST_OK;
}

enum est_status estimator_prepare_settings(struct estimator_prep *p, const struct est_quant *quant)
{
    const struct est_input *in = p->in;
    const enum est_runtime rt = in->runtime;

    const struct est_quant *qpub = quant ? quant : est_quant_default(rt);
    const struct estimator_quant_row *q = estimator_quant_row(qpub);
    p->quant = q;
    memset(&p->wt, 0, sizeof p->wt); /* not summed yet */
    if (q == NULL || !estimator_quant_row_runs_on(q, rt) ||
        !backend_supported(rt, in->device.backend, q))
        return EST_E_UNSUPPORTED;

    /* LM Studio runs MLX quants in its MLX engine (mlx-lm): size those as MLX. */
    p->engine = rt == EST_RUNTIME_LMSTUDIO && q->kind == ESTIMATOR_QK_MLX ? EST_RUNTIME_MLX : rt;
    p->kv_type = in->kv_type == EST_KV_DEFAULT ? estimator_default_kv_type(p->engine) : in->kv_type;
    p->kv_type_v = in->kv_type_v == EST_KV_DEFAULT ? p->kv_type : in->kv_type_v;
    if (!est_kv_type_supported(p->engine, p->kv_type) ||
        !est_kv_type_supported(p->engine, p->kv_type_v) ||
        (p->kv_type_v != p->kv_type && !estimator_kv_types_may_differ(p->engine)))
        return EST_E_UNSUPPORTED;
    p->flash_attn = estimator_flash_attention(in, p->engine, p->kv_type_v, &p->fa_forced);
    p->accel = estimator_has_accelerator(&in->device);

    /* Its overflow is reported (as EST_E_RANGE) after the weights' errors. */
    struct estimator_ck ck = {false};
    p->overhead = estimator_overhead_bytes(in, p->engine, p->accel, &ck);
    p->overhead_overflow = ck.overflow;
    return EST_OK;
}

enum est_status estimator_prepare_weights(struct estimator_prep *p)
{
    /* The weights depend on the shape, the quant and the engine only. */
    struct estimator_ck ck = {false};
    p->w.shape = &p->shape;
    p->w.quant = p->quant;
    p->w.runtime = p->engine;
    p->w.backend = p->in->device.backend;
    enum est_status st = estimator_weights_compute(&p->w, p->in->model.params, &ck, &p->wt);
    /* the per-layer sum (what placement splits over devices), once per quant */
    p->layer_sum = 0;
    for (uint32_t i = 0; st == EST_OK && i < p->shape.n_layer; i++)
        p->layer_sum =
            estimator_add(&ck, p->layer_sum, estimator_layer_weight_bytes(&p->w, i, &ck, NULL));
    if (ck.overflow)
        return EST_E_RANGE;
    return st;
}

enum est_status estimator_prepare_quant(struct estimator_prep *p, const struct est_quant *quant)
{
    enum est_status st = estimator_prepare_settings(p, quant);
    return st == EST_OK ? estimator_prepare_weights(p) : st;
}

enum est_status estimator_footprint_at(const struct estimator_prep *p, uint32_t context,
                                       struct estimator_footprint *f)
{
    struct estimator_ck ck = {false};
    const struct est_input *in = p->in;
    const struct estimator_shape *s = &p->shape;

    f->context = context ? context : estimator_default_context(p);
    f->batch = in->batch ? in->batch : 1;
    /* once per footprint: Ollama's automatic batch sizes a weight file */
    f->ubatch = estimator_ubatch(in, f->context);
    estimator_kv_compute(s, p->engine, p->kv_type, p->kv_type_v, f->context, f->batch,
                         f->ubatch, in->device.count ? in->device.count : 1, &ck,
                         &f->kv);
    f->compute =
        estimator_compute_bytes(s, in, p->engine, f->context, f->batch, f->ubatch, p->flash_attn,
                                &f->kv, &ck);
    f->total = estimator_add(&ck, estimator_add(&ck, p->wt.total, f->kv.total),
                             estimator_add(&ck, f->compute, p->overhead));
    if (ck.overflow || p->overhead_overflow || p->budget_overflow ||
        f->total > (uint64_t)INT64_MAX || p->usable > (uint64_t)INT64_MAX ||
        f->kv.cells_full > UINT32_MAX)
        return EST_E_RANGE;
    return EST_OK;
}

bool estimator_fits_at(const struct estimator_prep *p, uint32_t context)
{
    struct estimator_footprint f;
    if (estimator_footprint_at(p, context, &f) != EST_OK)
        return false;
    /* Before the weights are summed (est_best_quant's first look): whether
    ** the rest alone fits, which every placement needs on the devices. */
    if (p->wt.total == 0)
        return f.total <= p->usable;
    /* The verdict est_estimate gives: per device, --n-cpu-moe, the Vulkan
    ** allocation cap. */
    struct estimator_placement pl;
    if (estimator_place(p, &f, &pl) != EST_OK)
        return false;
    /* with --n-cpu-moe given, "fits" is the devices holding their part (the
    ** answer is an offload by definition: the experts run from RAM) */
    return pl.verdict == EST_RUNS || pl.verdict == EST_TIGHT ||
           (p->in->n_cpu_moe > 0 && pl.n_cpu_moe > 0 && pl.devices_fit &&
            pl.verdict == EST_OFFLOAD);
}

/* ---- est_estimate ---------------------------------------------------------------------- */

static enum est_status estimate(const struct est_input *in, struct est_result *out)
{
    struct estimator_prep p;
    enum est_status st = estimator_prepare_input(in, &p);
    if (st == EST_OK)
        st = estimator_prepare_quant(&p, in->quant);
    if (st != EST_OK)
        return st;
    struct estimator_footprint f;
    st = estimator_footprint_at(&p, in->context, &f);
    if (st != EST_OK)
        return st;
    struct estimator_placement pl;
    p.details = true;
    st = estimator_place(&p, &f, &pl);
    if (st != EST_OK)
        return st;
    struct estimator_speed sp;
    estimator_speed(&p, &f, &pl, &sp);

    const struct estimator_shape *s = &p.shape;
    const struct estimator_kv *kv = &f.kv;
    uint32_t warnings = 0;
    if (s->max_ctx > 0 && f.context > s->max_ctx)
        warnings |= EST_WARN_CONTEXT_ABOVE_TRAINED;
    if (p.fa_forced)
        warnings |= EST_WARN_KV_TYPE_NEEDS_FA;
    if (in->model.params == 0)
        warnings |= EST_WARN_PARAMS_DERIVED;
    if (p.approximate)
        warnings |= EST_WARN_CEILING_APPROXIMATE;
    if (sp.unknown)
        warnings |= EST_WARN_SPEED_UNKNOWN;
    if (pl.allocation_cap_exceeded)
        warnings |= EST_WARN_ALLOCATION_CAP;
    if (pl.context_refused)
        warnings |= EST_WARN_CONTEXT_REFUSED;

    out->weights_bytes = p.wt.total;
    out->kv_cache_bytes = kv->total;
    out->compute_bytes = f.compute;
    out->overhead_bytes = p.overhead;
    out->total_bytes = f.total;
    out->memory_bytes = p.memory;
    out->usable_bytes = p.usable;
    out->budget_basis = p.basis;
    out->headroom_bytes = (int64_t)p.usable - (int64_t)f.total;

    out->verdict = pl.verdict;
    out->quant = &p.quant->pub;
    out->context = f.context;
    /* cells of the longest layer cache (the window when every layer slides) */
    out->kv_cells =
        (uint32_t)(s->swa_layers >= s->n_layer && s->swa_window ? kv->cells_swa : kv->cells_full);
    out->kv_type = p.kv_type;
    out->flash_attention = p.flash_attn;
    out->batch = f.batch;
    out->gpu_layers_offloaded = pl.gpu_layers;
    out->gpu_layers_total = pl.layers_total;
    out->devices_reported = pl.devices_reported;
    memcpy(out->device_bytes, pl.device_bytes, sizeof out->device_bytes);
    out->device_usable_bytes = pl.device_usable;
    memcpy(out->tensor_split, pl.split, sizeof out->tensor_split);
    out->host_bytes = pl.host_bytes;
    out->n_cpu_moe = pl.n_cpu_moe;
    out->largest_allocation_bytes = pl.largest_allocation;
    out->tokens_per_second = sp.decode_tps;
    out->speed_basis = sp.decode_basis;
    out->prompt_tokens_per_second = sp.prompt_tps;
    out->prompt_speed_basis = sp.prompt_basis;
    out->warnings = warnings;
    return EST_OK;
}

enum est_status est_estimate(const struct est_input *in, struct est_result *out)
{
    if (out == NULL)
        return EST_E_INVALID;
    memset(out, 0, sizeof *out);
    enum est_status st = estimate(in, out);
    if (st != EST_OK)
        memset(out, 0, sizeof *out);
    return st;
}

/* ---- searches ---------------------------------------------------------------------------- */

/* Both searches prepare the input once and then only redo the footprint:
** the answers are those of calling est_estimate for every context or quant
** tried (test_estimator checks them against such brute-force loops). */

uint32_t est_max_context(const struct est_input *in)
{
    if (in == NULL)
        return 0;
    struct estimator_shape s;
    if (estimator_shape_resolve(&in->model, &s) != EST_OK)
        return 0;
    if ((unsigned)in->runtime >= EST_RUNTIME_COUNT)
        return 0;

    uint64_t cap = s.max_ctx ? s.max_ctx : EST_CONTEXT_MAX;
    if (in->context > cap)
        cap = in->context;
    if (cap > EST_CONTEXT_MAX)
        cap = EST_CONTEXT_MAX;
    const uint32_t step = estimator_context_step(in->runtime);

    /* Every context tried is at most EST_CONTEXT_MAX, so the input's own
    ** context plays no part in the checks: when the preparation fails, every
    ** estimate of the search would fail the same way. */
    struct est_input q = *in;
    q.context = 0;
    struct estimator_prep p;
    if (estimator_prepare_input(&q, &p) != EST_OK || estimator_prepare_quant(&p, q.quant) != EST_OK)
        return 0;

    uint32_t hi = (uint32_t)(cap / step);
    if (hi == 0)
        return estimator_fits_at(&p, (uint32_t)cap) ? (uint32_t)cap : 0;
    if (!estimator_fits_at(&p, step))
        return 0;
    /* The whole range often fits (small models, big devices): one estimate
    ** instead of a search. Otherwise the cap itself is the first miss. */
    if (estimator_fits_at(&p, hi * step))
        return hi * step;
    hi--;
    /* largest k in [1, hi] with k * step fitting; memory grows with context */
    uint32_t lo = 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (estimator_fits_at(&p, mid * step))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo * step;
}

/* Whether, with the experts of in->n_cpu_moe layers in RAM (p prepared for
** that input), the devices hold the rest and RAM the experts. */
static bool cpu_moe_fits(const struct estimator_prep *p, uint32_t context)
{
    struct estimator_footprint f;
    struct estimator_placement pl;
    return estimator_footprint_at(p, context, &f) == EST_OK &&
           estimator_place(p, &f, &pl) == EST_OK && pl.devices_fit && pl.n_cpu_moe > 0 &&
           pl.verdict == EST_OFFLOAD;
}

uint32_t est_min_cpu_moe(const struct est_input *in)
{
    struct estimator_shape s;
    if (in == NULL || estimator_shape_resolve(&in->model, &s) != EST_OK || !s.moe)
        return 0;
    /* The devices' part shrinks as N grows and the host part grows, so the
    ** smallest N whose device part fits is the only candidate. On discrete
    ** GPUs the device part is searched with unlimited host RAM (the budget of
    ** a GPU does not depend on it); unified memory shares one pool, so there
    ** the whole placement is searched. N only moves bytes between the
    ** devices and RAM: the input is prepared once (g is what p looks at). */
    struct est_input g = *in;
    if (g.device.kind == EST_DEVICE_GPU)
        g.device.system_ram_gib = 1e6;
    struct estimator_prep p;
    if (estimator_prepare_input(&g, &p) != EST_OK || estimator_prepare_quant(&p, g.quant) != EST_OK)
        return 0;
    uint32_t lo = 1, hi = s.n_layer;
    g.n_cpu_moe = hi;
    if (!cpu_moe_fits(&p, g.context))
        return 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        g.n_cpu_moe = mid;
        if (cpu_moe_fits(&p, g.context))
            hi = mid;
        else
            lo = mid + 1;
    }
    /* and with the real RAM */
    struct est_input q = *in;
    q.n_cpu_moe = lo;
    struct estimator_prep pq;
    if (estimator_prepare_input(&q, &pq) != EST_OK ||
        estimator_prepare_quant(&pq, q.quant) != EST_OK || !cpu_moe_fits(&pq, q.context))
        return 0;
    return lo;
}

const struct est_quant *est_best_quant(const struct est_input *in)
{
    /* Without a context, the quants are compared at the one the runtime
    ** would allocate for the question as asked (the context est_estimate
    ** reports), not at each candidate's own default: llama-server's --fit
    ** default depends on the file it loads. */
    struct est_input at;
    if (in != NULL && in->context == 0) {
        struct est_result r;
        if (est_estimate(in, &r) != EST_OK)
            return NULL;
        at = *in;
        at.context = r.context;
        in = &at;
    }
    struct estimator_prep p;
    if (estimator_prepare_input(in, &p) != EST_OK)
        return NULL; /* every candidate would fail the same checks */
    /* Whether the KV cache, compute buffers and reserves alone fit (a
    ** footprint with no weights yet), per engine: they do not depend on the
    ** quant, and when they do not fit no quant of that engine does, so its
    ** weights need not be summed. 0 = not known yet, 1 = fits, -1 = does not. */
    int rest_fits[EST_RUNTIME_COUNT] = {0};
    /* The table is in descending quality order: the first row that loads and
    ** fits is the answer. */
    const struct estimator_quant_row *row;
    for (size_t i = 0; (row = estimator_quant_row_at(i)) != NULL; i++) {
        if (!estimator_quant_row_runs_on(row, in->runtime) ||
            estimator_prepare_settings(&p, &row->pub) != EST_OK)
            continue;
        if (rest_fits[p.engine] == 0)
            rest_fits[p.engine] = estimator_fits_at(&p, in->context) ? 1 : -1;
        if (rest_fits[p.engine] < 0)
            continue;
        if (estimator_prepare_weights(&p) == EST_OK && estimator_fits_at(&p, in->context))
            return &row->pub;
    }
    return NULL;
}

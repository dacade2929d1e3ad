/* estimator_place.c: where an estimate's bytes live, and the verdict.
** Pure: no I/O, no allocation, no globals. Full fit, exact partial offload of
** whole layers (llama.cpp's -ngl from the top of the stack, the output layer
** last), llama-server's --fit placement of a mixture-of-experts model (dense
** parts on the devices, the experts of the last layers in system RAM),
** --n-cpu-moe (routed experts of the first N layers in system RAM), the
** llama.cpp layer split over several devices with per-device totals and a
** balanced --tensor-split, the host RAM all of that needs, and the largest
** single buffer against Vulkan's per-allocation cap.
**
** How llama.cpp places a model (src/llama-model.cpp load_tensors @ 00342301):
** - the split: --tensor-split proportions, or each device's free memory when
**   none is given (identical devices: equal shares), summed into cumulative
**   fractions and normalised;
** - i_gpu_start = max(n_layer - n_gpu_layers, 0), act_gpu_layers =
**   min(n_gpu_layers, n_layer + 1); layer il (the output layer is il =
**   n_layer) goes to the CPU when il < i_gpu_start, else to device
**   upper_bound(splits, float(il - i_gpu_start) / act_gpu_layers);
** - the input layer (token_embd) always stays on the CPU; KV of a layer lives
**   with that layer (offload_kqv, the default); each device runs its own
**   compute buffer (ggml_backend_sched, one per backend).
** The input embedding is still charged to the device that holds the output
** layer, as the single-device total does: for tied embeddings that device
** holds a copy of it as the output matrix, for untied ones this keeps the
** estimate on the safe side by the embedding's size.
*/
#include "estimator_internal.h"

#include <string.h>

/* ggml's CUDA backend runs an op whose weights sit in host memory on the GPU
** when the op's batch reaches 32 tokens (ggml/src/ggml-cuda/ggml-cuda.cu
** ggml_backend_cuda_device_offload_op, GGML_OP_OFFLOAD_MIN_BATCH default 32;
** MUL_MAT_ID counts ne[2] = tokens), copying the weights into the first
** device's compute buffer as a split input (ggml/src/ggml-backend.cpp
** ggml_backend_sched_split_graph, "1.off"). With --n-cpu-moe this is one
** layer's routed experts during prompt processing. */
#define PLACE_OP_OFFLOAD_MIN_BATCH 32u

/* Everything one placement needs, resolved once. */
struct place {
    const struct estimator_prep *p;
    const struct estimator_footprint *f;
    struct estimator_ck *ck;
    uint32_t n_layer;
    uint32_t moe_lo, moe_hi;  /* layers [moe_lo, moe_hi) keep their routed experts in RAM */
    uint32_t n_dev;           /* devices sized one by one (1 = all as one) */
    float cum[EST_SPLIT_MAX]; /* cumulative normalised split */
    uint64_t dev_usable;      /* what one sized device may hold */
    uint64_t out_compute;     /* compute buffer of the device with the output */
    uint64_t extra_compute;   /* compute buffer of each other device */
    uint64_t overhead_each;   /* reserves per sized device */
    uint64_t overhead_rest;   /* remainder of the reserves (output device) */
    uint64_t nonlayer;        /* weights outside the repeating layers */
    uint64_t op_copy;         /* experts copied to device 0 for prompt processing */
    bool split_given;         /* the caller set --tensor-split */
};

/* Device index of slot il when `act` slots from `start` are on the devices:
** llama.cpp's upper_bound over the cumulative split, in float as it does. */
static uint32_t place_device_of(const struct place *pc, uint32_t il, uint32_t start, uint32_t act)
{
    const float x = (float)(il - start) / (float)act;
    uint32_t d = 0;
    while (d < pc->n_dev && !(pc->cum[d] > x))
        d++;
    return d < pc->n_dev ? d : pc->n_dev - 1;
}

/* Bytes layer i keeps on its device (weights without the experts that
** --n-cpu-moe keeps in RAM, plus its KV); *weights gets the weight part. */
static uint64_t place_layer_bytes(const struct place *pc, uint32_t i, uint64_t *weights)
{
    uint64_t routed = 0;
    uint64_t lw = estimator_layer_weight_bytes(&pc->p->w, i, pc->ck, &routed);
    if (i >= pc->moe_lo && i < pc->moe_hi)
        lw = estimator_sub_floor(lw, routed);
    if (weights)
        *weights = lw;
    return estimator_add(pc->ck, lw, estimator_kv_layer_bytes(&pc->p->shape, &pc->f->kv, i, pc->ck));
}

/* Per-device bytes with the repeating layers from `start` on, and the output
** layer when `output`, on the devices. *lw / *lk get the repeating layers'
** weights / KV on the devices. */
static void place_fill_from(const struct place *pc, uint32_t start, bool output,
                            uint64_t bytes[EST_SPLIT_MAX], uint64_t *lw, uint64_t *lk)
{
    struct estimator_ck *ck = pc->ck;
    const uint32_t n = pc->n_layer;
    const uint32_t act = n - start + (output ? 1u : 0u);
    memset(bytes, 0, sizeof(uint64_t) * EST_SPLIT_MAX);
    *lw = 0;
    *lk = 0;
    for (uint32_t il = start; act > 0 && il < n; il++) {
        uint64_t w = 0;
        uint64_t b = place_layer_bytes(pc, il, &w);
        uint32_t d = place_device_of(pc, il, start, act);
        bytes[d] = estimator_add(ck, bytes[d], b);
        *lw = estimator_add(ck, *lw, w);
        *lk = estimator_add(ck, *lk, estimator_sub_floor(b, w));
    }
    /* the device with the output layer (or, when the output stays on the
    ** CPU, the last one) runs the whole graph's widest part and the logits */
    uint32_t out = pc->n_dev - 1;
    if (output) {
        out = place_device_of(pc, n, start, act);
        bytes[out] = estimator_add(ck, bytes[out], pc->nonlayer);
    }
    for (uint32_t d = 0; d < pc->n_dev; d++) {
        uint64_t fixed = d == out ? estimator_add(ck, pc->out_compute, pc->overhead_rest)
                                  : pc->extra_compute;
        fixed = estimator_add(ck, fixed, pc->overhead_each);
        bytes[d] = estimator_add(ck, bytes[d], fixed);
    }
    bytes[0] = estimator_add(ck, bytes[0], pc->op_copy);
}

/* Per-device bytes with the top `ngl` slots (layers, then the output) on the
** devices, as llama.cpp's -ngl places them. */
static void place_fill(const struct place *pc, uint32_t ngl, uint64_t bytes[EST_SPLIT_MAX],
                       uint64_t *lw, uint64_t *lk)
{
    const uint32_t n = pc->n_layer;
    place_fill_from(pc, ngl < n ? n - ngl : 0, ngl >= n + 1, bytes, lw, lk);
}

static bool place_all_fit(const struct place *pc, const uint64_t bytes[EST_SPLIT_MAX])
{
    for (uint32_t d = 0; d < pc->n_dev; d++)
        if (bytes[d] > pc->dev_usable)
            return false;
    return !pc->ck->overflow;
}

static uint64_t place_sum(const struct place *pc, const uint64_t bytes[EST_SPLIT_MAX])
{
    uint64_t sum = 0;
    for (uint32_t d = 0; d < pc->n_dev; d++)
        sum = estimator_add(pc->ck, sum, bytes[d]);
    return sum;
}

/* Fill pc->cum from proportions share[0..n_dev-1] (the first n_dev > 0). */
static void place_set_split(struct place *pc, const double *share)
{
    float sum = 0.0f;
    for (uint32_t d = 0; d < pc->n_dev; d++) {
        sum += (float)share[d];
        pc->cum[d] = sum;
    }
    for (uint32_t d = 0; d < pc->n_dev; d++)
        pc->cum[d] = sum > 0.0f ? pc->cum[d] / sum : (float)(d + 1) / (float)pc->n_dev;
}

/* Whether every slot (layers, then the output) can be laid out from device 0
** on with each device keeping at least `headroom` free; counts[] gets the
** slots per device. Contiguous first-fit is optimal for ordered slots. */
static bool place_balance_try(const struct place *pc, int64_t headroom,
                              double counts[EST_SPLIT_MAX])
{
    struct estimator_ck *ck = pc->ck;
    const uint32_t n = pc->n_layer;
    uint32_t slot = 0;
    /* as the output device a device runs the wide compute buffer instead of
    ** the per-layer part */
    const uint64_t out_delta =
        estimator_add(ck, estimator_sub_floor(pc->out_compute, pc->extra_compute),
                      estimator_add(ck, pc->nonlayer, pc->overhead_rest));
    for (uint32_t d = 0; d < pc->n_dev; d++) {
        int64_t cap = (int64_t)pc->dev_usable - headroom;
        uint64_t fixed = estimator_add(ck, pc->extra_compute, pc->overhead_each);
        if (d == 0)
            fixed = estimator_add(ck, fixed, pc->op_copy);
        counts[d] = 0.0;
        if (cap < 0 || (uint64_t)cap < fixed)
            continue;
        uint64_t room = (uint64_t)cap - fixed;
        while (slot <= n) {
            uint64_t cost = slot < n ? place_layer_bytes(pc, slot, NULL) : out_delta;
            if (cost > room || ck->overflow)
                break;
            room -= cost;
            slot++;
            counts[d] += 1.0;
        }
    }
    return slot == n + 1 && !ck->overflow;
}

/* The split (whole slots per device) that leaves the most headroom on the
** fullest device; false when none fits every device. */
static bool place_balance(struct place *pc, double counts[EST_SPLIT_MAX])
{
    int64_t lo = 0, hi = (int64_t)pc->dev_usable + 1;
    if (!place_balance_try(pc, 0, counts))
        return false;
    /* largest headroom in [lo, hi) that still lays everything out */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (place_balance_try(pc, mid, counts))
            lo = mid;
        else
            hi = mid;
    }
    return place_balance_try(pc, lo, counts);
}

/* Biggest tensor of repeating layer i on the device, as a share of the
** layer's bytes by element count (one storage type per layer assumed): the
** widest of Q/O, K/V, a dense FFN matrix and one routed-expert matrix (each
** ffn_*_exps tensor holds every expert, so a third of the routed bytes). */
static uint64_t place_largest_layer_tensor(const struct place *pc, uint32_t i)
{
    struct estimator_ck *ck = pc->ck;
    const struct estimator_shape *s = &pc->p->shape;
    uint64_t routed = 0;
    uint64_t lw = estimator_layer_weight_bytes(&pc->p->w, i, ck, &routed);
    uint64_t largest = i >= pc->moe_lo && i < pc->moe_hi ? 0 : routed / 3 + (routed % 3 != 0);
    const uint64_t h = s->hidden;
    uint64_t q = estimator_mul(ck, h, (uint64_t)s->n_head * s->head_dim);
    uint64_t kvw = estimator_mul(ck, h, (uint64_t)s->n_kv * s->head_dim);
    uint64_t ffw = s->moe ? (uint64_t)s->expert_ff * s->n_shared : s->ff;
    uint64_t ff = estimator_mul(ck, h, ffw);
    uint64_t elems = estimator_add(ck, estimator_mul(ck, q, 2), estimator_mul(ck, kvw, 2));
    elems = estimator_add(ck, elems, estimator_mul(ck, ff, 3));
    uint64_t dense = estimator_sub_floor(lw, routed);
    uint64_t widest = q > ff ? q : ff;
    if (elems > 0 && dense > 0) {
        /* dense * widest / elems without overflow for realistic sizes */
        double share = (double)dense * ((double)widest / (double)elems);
        uint64_t t = estimator_bytes_from_double(ck, share);
        if (t > largest)
            largest = t;
    }
    return largest;
}

/* The largest single buffer the run asks a device for: ggml packs weights
** and the KV cache into buffers of at most the backend's max size and splits
** compute buffers into chunks (ggml/src/ggml-alloc.c
** ggml_backend_alloc_ctx_tensors_from_buft_impl, ggml_dyn_tallocr_new_chunk
** @ 0450e2f9), so only one tensor bigger than the limit fails: the output
** matrix, a layer's K or V cache, the logits or attention scores of a
** micro-batch, or a layer matrix. */
static uint64_t place_largest_allocation_of(const struct place *pc, uint32_t gpu_layers,
                                            bool output);

/* The largest single allocation, saturating instead of failing: it is a
** reported figure (and Vulkan's cap check), so an absurd shape that overflows
** only here must not turn an estimate the searches accept into an error. */
static uint64_t place_largest_allocation(const struct place *pc, uint32_t gpu_layers, bool output)
{
    struct place own = *pc;
    struct estimator_ck ck = {false};
    own.ck = &ck;
    return place_largest_allocation_of(&own, gpu_layers, output);
}

static uint64_t place_largest_allocation_of(const struct place *pc, uint32_t gpu_layers,
                                            bool output)
{
    /* only the answer and Vulkan's cap look at it: the searches skip it */
    const struct est_device *dev = &pc->p->in->device;
    if (!pc->p->details && !(dev->backend == EST_BACKEND_VULKAN && dev->max_allocation_gib > 0.0))
        return 0;
    struct estimator_ck *ck = pc->ck;
    const struct estimator_prep *p = pc->p;
    const struct estimator_shape *s = &p->shape;
    const struct estimator_kv *kv = &pc->f->kv;
    uint64_t largest = 0;
    if (output) {
        /* tied embeddings: the output matrix is a copy of token_embd */
        uint64_t o = s->tied ? p->wt.token_embd : p->wt.output;
        largest = o;
    }
    const uint32_t n = pc->n_layer;
    for (uint32_t i = n - gpu_layers; i < n; i++) {
        uint64_t t = place_largest_layer_tensor(pc, i);
        if (t > largest)
            largest = t;
    }
    if (gpu_layers > 0) {
        /* one K and one V tensor per layer, [width, cells] (llama-kv-cache.cpp) */
        uint64_t k_w, v_w;
        if (s->mla && p->engine != EST_RUNTIME_TRANSFORMERS) {
            k_w = (uint64_t)s->kv_lora + s->rope_dim;
            v_w = 0;
        } else if (s->mla) {
            k_w = (uint64_t)s->n_head * ((uint64_t)s->mla_nope + s->rope_dim);
            v_w = (uint64_t)s->n_head * s->mla_v;
        } else {
            k_w = (uint64_t)s->n_kv * s->head_dim;
            v_w = k_w;
        }
        uint64_t cells = kv->cells_full > kv->cells_swa ? kv->cells_full : kv->cells_swa;
        if (s->swa_layers >= s->n_layer && s->swa_window)
            cells = kv->cells_swa;
        uint64_t kt = estimator_mul(ck, cells, estimator_kv_row_bytes(ck, p->kv_type, k_w));
        uint64_t vt = v_w ? estimator_mul(ck, cells, estimator_kv_row_bytes(ck, p->kv_type_v, v_w))
                          : 0;
        if (kt > largest)
            largest = kt;
        if (vt > largest)
            largest = vt;
        /* compute: f32 logits of a micro-batch, or (flash attention off) the
        ** KQ scores of all heads against every cell (llama-graph.cpp) */
        const uint64_t n_kv =
            (s->swa_layers >= s->n_layer && s->swa_window) ? kv->cells_swa : kv->cells_full;
        uint64_t ub = pc->f->ubatch;
        uint64_t tokens = n_kv < ub ? n_kv : ub;
        if (tokens == 0)
            tokens = 1;
        uint64_t logits = estimator_mul(ck, estimator_mul(ck, s->vocab, tokens), 4);
        uint64_t scores = p->flash_attn
                              ? estimator_mul(ck, estimator_mul(ck, n_kv, tokens), 4)
                              : estimator_mul(ck, estimator_mul(ck, estimator_mul(ck, n_kv, tokens),
                                                                s->n_head),
                                              4);
        if (logits > largest)
            largest = logits;
        if (scores > largest)
            largest = scores;
    }
    return largest;
}

/* Host RAM the run may use: RAM minus the OS reserve; on unified memory the
** pool is shared, so what the GPU holds is not available. */
static uint64_t place_host_cap(const struct estimator_prep *p, uint64_t gpu_used,
                               struct estimator_ck *ck)
{
    const struct est_device *dev = &p->in->device;
    if (dev->kind == EST_DEVICE_UNIFIED) {
        uint64_t ram = estimator_mul(
            ck, estimator_bytes_from_double(ck, dev->memory_gib * (double)ESTIMATOR_GIB),
            dev->count ? dev->count : 1);
        return estimator_sub_floor(estimator_os_usable_ram(ram), gpu_used);
    }
    return estimator_os_usable_ram(
        estimator_bytes_from_double(ck, dev->system_ram_gib * (double)ESTIMATOR_GIB));
}

static bool engine_splits(enum est_runtime engine)
{
    return engine == EST_RUNTIME_LLAMACPP || engine == EST_RUNTIME_OLLAMA ||
           engine == EST_RUNTIME_LMSTUDIO;
}

/* Keep the routed experts of layers [lo, hi) in system RAM, and size the
** copy of the biggest of them into device 0's compute buffer that prompt
** processing makes on CUDA (PLACE_OP_OFFLOAD_MIN_BATCH). */
static void place_set_moe_range(struct place *pc, uint32_t lo, uint32_t hi)
{
    const struct estimator_prep *p = pc->p;
    const struct est_input *in = p->in;
    pc->moe_lo = lo;
    pc->moe_hi = hi > lo ? hi : lo;
    pc->op_copy = 0;
    const uint64_t n_kv = pc->f->kv.cells_full;
    const uint64_t ub = pc->f->ubatch;
    if (pc->moe_hi > pc->moe_lo && (n_kv < ub ? n_kv : ub) >= PLACE_OP_OFFLOAD_MIN_BATCH &&
        in->device.backend == EST_BACKEND_CUDA) {
        for (uint32_t i = pc->moe_lo; i < pc->moe_hi; i++) {
            uint64_t routed = 0;
            (void)estimator_layer_weight_bytes(&p->w, i, pc->ck, &routed);
            if (routed > pc->op_copy)
                pc->op_copy = routed;
        }
    }
}

/* Resolve the placement context: devices sized one by one, the split, the
** compute buffer and reserves per device, --n-cpu-moe. */
static void place_init(struct place *pc, const struct estimator_prep *p,
                       const struct estimator_footprint *f, struct estimator_ck *ck)
{
    const struct est_input *in = p->in;
    const struct estimator_shape *s = &p->shape;
    const uint32_t count = in->device.count ? in->device.count : 1;
    memset(pc, 0, sizeof *pc);
    pc->p = p;
    pc->f = f;
    pc->ck = ck;
    pc->n_layer = s->n_layer;
    /* the weights outside the repeating layers, so that the devices' sum is
    ** the footprint exactly */
    pc->nonlayer = estimator_sub_floor(p->wt.total, p->layer_sum);
    const bool splits = engine_splits(p->engine) && p->accel;
    if (splits && s->moe && in->n_cpu_moe > 0)
        pc->moe_hi = in->n_cpu_moe < s->n_layer ? in->n_cpu_moe : s->n_layer;
    /* llama.cpp sizes at most LLAMA_MAX_DEVICES = 16 devices (EST_SPLIT_MAX) */
    pc->n_dev = splits && count > 1 && count <= EST_SPLIT_MAX ? count : 1;
    pc->dev_usable = p->usable / (pc->n_dev > 1 ? count : 1);

    bool given = false;
    for (uint32_t d = 0; d < pc->n_dev; d++)
        given = given || in->tensor_split[d] > 0.0;
    double equal[EST_SPLIT_MAX];
    for (uint32_t d = 0; d < EST_SPLIT_MAX; d++)
        equal[d] = 1.0;
    place_set_split(pc, given ? in->tensor_split : equal);
    pc->split_given = given && pc->n_dev > 1;

    /* compute: the whole-graph buffer on the output device, the per-layer
    ** part (what estimator_llamacpp_compute_bytes adds per further device)
    ** on each of the others; the sum stays the footprint's compute */
    pc->out_compute = f->compute;
    if (pc->n_dev > 1) {
        const uint64_t n_kv =
            (s->swa_layers >= s->n_layer && s->swa_window) ? f->kv.cells_swa : f->kv.cells_full;
        uint64_t base = estimator_llamacpp_compute_bytes(s, n_kv, f->ubatch,
                                                         p->flash_attn, f->batch, 0, ck);
        if (base > f->compute)
            base = f->compute;
        pc->extra_compute = (f->compute - base) / (count - 1);
        pc->out_compute = f->compute - pc->extra_compute * (count - 1);
        pc->overhead_each = p->overhead / count;
        pc->overhead_rest = p->overhead - pc->overhead_each * count;
    } else {
        pc->overhead_rest = p->overhead;
    }

    place_set_moe_range(pc, pc->moe_lo, pc->moe_hi);
}

/* System RAM that --n-cpu-moe needs when everything else is on the devices:
** the routed experts of the layers kept in RAM, the CPU backend's compute buffer
** (llama_context reserves a CPU graph too; with the experts on the CPU it
** runs their matmuls for a decode step, one token per sequence: the gate, up
** and their product for the experts used, plus the two activations that
** cross to it), and the process itself. */
static uint64_t place_cpu_moe_host(const struct place *pc)
{
    struct estimator_ck *ck = pc->ck;
    const struct estimator_shape *s = &pc->p->shape;
    uint64_t experts = 0;
    for (uint32_t i = pc->moe_lo; i < pc->moe_hi; i++) {
        uint64_t routed = 0;
        (void)estimator_layer_weight_bytes(&pc->p->w, i, ck, &routed);
        experts = estimator_add(ck, experts, routed);
    }
    uint64_t per_token = estimator_add(
        ck, estimator_mul(ck, estimator_mul(ck, s->expert_ff, s->n_expert_used), 3),
        estimator_mul(ck, s->hidden, 2));
    uint64_t cpu_compute = estimator_mul(ck, estimator_mul(ck, per_token, pc->f->batch), 4);
    return estimator_add(ck, estimator_add(ck, experts, cpu_compute), ESTIMATOR_LLAMACPP_PROCESS);
}

static void place_report(const struct place *pc, const uint64_t bytes[EST_SPLIT_MAX],
                         struct estimator_placement *pl)
{
    const struct est_input *in = pc->p->in;
    const uint32_t count = in->device.count ? in->device.count : 1;
    pl->devices_reported = count < EST_SPLIT_MAX ? count : EST_SPLIT_MAX;
    if (pc->n_dev > 1) {
        pl->device_usable = pc->dev_usable;
        for (uint32_t d = 0; d < pc->n_dev; d++) {
            pl->device_bytes[d] = bytes[d];
            pl->split[d] = (double)pc->cum[d] - (d > 0 ? (double)pc->cum[d - 1] : 0.0);
        }
        return;
    }
    /* one device, or devices the runtime does not split by layer */
    pl->device_usable = pc->p->usable / count;
    if (pc->p->engine == EST_RUNTIME_VLLM && count > 1) {
        /* vLLM tensor parallelism: each rank holds 1/count of the weights
        ** (column/row-parallel layers, vocab-parallel embedding and lm_head:
        ** vllm/model_executor/layers/linear.py, vocab_parallel_embedding.py)
        ** and 1/count of the KV cache, whose footprint is already count
        ** ranks' caches, copies included (the heads replicated when the ranks
        ** outnumber them, MLA's latent on every rank: estimator_kv_compute),
        ** plus its own activations, sampler buffers,
        ** CUDA graphs and non-torch memory: the footprint's compute and
        ** overhead are count identical per-rank figures
        ** (estimator_runtime.c). The bytes that do not divide evenly go to
        ** the first device, so the devices sum to the footprint. */
        const struct estimator_footprint *f = pc->f;
        const uint64_t parts[4] = {pc->p->wt.total, f->kv.total, f->compute, pc->p->overhead};
        uint64_t each = 0, rest = 0;
        for (size_t k = 0; k < 4; k++) {
            each += parts[k] / count;
            rest += parts[k] % count;
        }
        for (uint32_t d = 0; d < pl->devices_reported; d++) {
            pl->device_bytes[d] = d == 0 ? each + rest : each;
            pl->split[d] = 1.0 / count;
        }
        return;
    }
    /* transformers and MLX run one device (their budget pools the devices,
    ** kept as before; device_map splitting is not sized) */
    for (uint32_t d = 0; d < pl->devices_reported; d++) {
        pl->device_bytes[d] = bytes[0] / count;
        pl->split[d] = 1.0 / count;
    }
}

/* Whether the experts of layers [lo, hi) in RAM and the repeating layers from
** `start` on (plus the output) fit on the devices; bytes/lw/lk as place_fill. */
static bool place_fit_try(struct place *pc, uint32_t start, uint32_t lo, uint32_t hi,
                          uint64_t bytes[EST_SPLIT_MAX], uint64_t *lw, uint64_t *lk)
{
    place_set_moe_range(pc, lo, hi);
    place_fill_from(pc, start, true, bytes, lw, lk);
    return place_all_fit(pc, bytes);
}

/* With every layer on the devices and the experts of layers [m, n) in RAM,
** whether a layer split fits; sets pc's split to it (several devices: the
** contiguous layout that leaves the most headroom, as --fit writes a
** tensor_split of its own). */
static bool place_fit_full(struct place *pc, uint32_t m, bool set_split,
                           uint64_t bytes[EST_SPLIT_MAX], uint64_t *lw, uint64_t *lk)
{
    const uint32_t n = pc->n_layer;
    if (pc->n_dev > 1) {
        double counts[EST_SPLIT_MAX];
        place_set_moe_range(pc, m, n);
        if (!(set_split ? place_balance(pc, counts) : place_balance_try(pc, 0, counts)))
            return false;
        if (!set_split)
            return true;
        place_set_split(pc, counts);
    }
    return place_fit_try(pc, 0, m, n, bytes, lw, lk);
}

/* llama-server's --fit on a mixture-of-experts model that does not fit
** (common/fit.cpp common_params_fit_impl @6d0892ba, steps 3 and 4):
** - it first moves every routed-expert tensor to system memory (the override
**   "blk\.\d+\.ffn_(up|down|gate_up|gate)_(ch|)exps" to the CPU buffer) and
**   fills the devices back to front with the rest of each layer ("filling
**   dense-only layers back-to-front");
** - when the dense part of every layer fits ("with only dense weights in
**   device memory there is a total surplus"), it converts dense-only layers
**   back to full layers front to back while they fit ("converting dense-only
**   layers to full layers and filling them front-to-back"): the first layers
**   keep their experts on the device, the experts of the last ones stay in
**   RAM;
** - it sets -ngl to every layer it placed (dense-only layers included) plus
**   a tensor override per dense-only layer (set_ngl_tensor_split_tbo), so
**   llama.cpp reports all of them offloaded; the first layer of the device
**   range is always a full one (il0 += n_full() puts the n_layer - n_part
**   full layers first, and the last device's n_part leaves one out).
** It can also split one boundary layer finer (LAYER_FRACTION_ATTN / UP /
** GATE); that is not sized here: the placement is by whole layers, which
** leaves at most one layer's experts in RAM that --fit would place.
** With several devices the layers are laid out contiguously with the most
** headroom (fit.cpp writes a tensor_split of its own). Fills *pl and returns
** true when it placed the model; false when not even the output layer and
** the compute buffers fit (the whole-layer search then answers). */
static bool place_fit_moe(const struct place *base, struct estimator_placement *pl)
{
    struct estimator_ck *ck = base->ck;
    const struct estimator_prep *p = base->p;
    const struct estimator_footprint *f = base->f;
    const uint32_t n = base->n_layer;
    uint64_t bytes[EST_SPLIT_MAX];
    uint64_t lw = 0, lk = 0;
    struct place pc = *base;

    /* all layers on the devices, the experts of the first m of them too:
    ** the largest m in [1, n - 1] that fits (m = n is the whole model) */
    uint32_t lo = 0, hi = n > 1 ? n - 1 : 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (place_fit_full(&pc, mid, false, bytes, &lw, &lk))
            lo = mid;
        else
            hi = mid - 1;
    }
    if (lo >= 1 && place_fit_full(&pc, lo, true, bytes, &lw, &lk)) {
        pl->gpu_layers = pl->layers_total;
        pl->gpu_layer_weights = lw;
        pl->gpu_layer_kv = lk;
        pl->n_cpu_moe = n - lo;
        pl->moe_ram_lo = lo;
        pl->moe_ram_hi = n;
        pl->cpu_layers = 0;
        pl->host_bytes = place_cpu_moe_host(&pc);
        pl->verdict = pl->host_bytes <= place_host_cap(p, place_sum(&pc, bytes), ck)
                          ? EST_OFFLOAD
                          : EST_WONT_RUN;
        pl->fit_moe = true;
        place_report(&pc, bytes, pl);
        pl->largest_allocation = place_largest_allocation(&pc, n, true);
        return true;
    }

    /* the dense parts do not all fit: the top g slots (the output and g - 1
    ** layers, the first of them full, the others without their experts) */
    pc = *base;
    uint32_t g = 0;
    hi = n;
    while (g < hi) {
        uint32_t mid = g + (hi - g + 1) / 2;
        uint32_t start = n + 1 - mid;
        if (place_fit_try(&pc, start, start + 1 < n ? start + 1 : n, n, bytes, &lw, &lk))
            g = mid;
        else
            hi = mid - 1;
    }
    if (g == 0)
        return false;
    const uint32_t start = n + 1 - g;
    (void)place_fit_try(&pc, start, start + 1 < n ? start + 1 : n, n, bytes, &lw, &lk);
    pl->gpu_layers = g;
    pl->gpu_layer_weights = lw;
    pl->gpu_layer_kv = lk;
    pl->cpu_layers = start;
    pl->moe_ram_lo = pc.moe_lo;
    pl->moe_ram_hi = pc.moe_hi;
    pl->n_cpu_moe = start + (pc.moe_hi - pc.moe_lo);
    /* host: every weight and KV not on the devices, the CPU's compute buffer
    ** and the process, as for whole-layer offload */
    uint64_t host = estimator_sub_floor(p->wt.total, lw);
    host = estimator_add(ck, host, estimator_sub_floor(f->kv.total, lk));
    host = estimator_add(ck, host, f->compute);
    host = estimator_add(ck, host, ESTIMATOR_LLAMACPP_PROCESS);
    pl->host_bytes = host;
    pl->verdict = host <= place_host_cap(p, place_sum(&pc, bytes), ck) ? EST_OFFLOAD : EST_WONT_RUN;
    pl->fit_moe = true;
    place_report(&pc, bytes, pl);
    pl->largest_allocation = place_largest_allocation(&pc, g - 1, true);
    return true;
}

static enum est_status place_memory(const struct estimator_prep *p,
                                    const struct estimator_footprint *f,
                                    struct estimator_placement *pl)
{
    struct estimator_ck ck = {false};
    const struct est_input *in = p->in;
    const struct est_device *dev = &in->device;
    const struct estimator_shape *s = &p->shape;
    const struct estimator_weights *wt = &p->wt;
    const struct estimator_kv *kv = &f->kv;
    const uint64_t total = f->total;

    memset(pl, 0, sizeof *pl);
    const bool splits = engine_splits(p->engine);
    pl->layers_total = splits ? s->n_layer + 1 : s->n_layer;

    struct place pc;
    place_init(&pc, p, f, &ck);
    const uint32_t n_cpu_moe = pc.moe_hi - pc.moe_lo;
    pl->n_cpu_moe = n_cpu_moe;
    pl->moe_ram_lo = pc.moe_lo;
    pl->moe_ram_hi = pc.moe_hi;
    const uint32_t n = s->n_layer;

    if (!p->accel) {
        pl->verdict = total <= p->usable
                          ? ((p->usable - total) >= p->usable / 10 ? EST_RUNS : EST_TIGHT)
                          : EST_WONT_RUN;
        pl->host_bytes = total;
        pl->largest_allocation = place_largest_allocation(&pc, n, true);
        return ck.overflow ? EST_E_RANGE : EST_OK;
    }

    /* everything on the device(s) */
    uint64_t bytes[EST_SPLIT_MAX];
    uint64_t lw = 0, lk = 0;
    bool fits;
    uint64_t host_full = 0;
    if (!p->details && pc.n_dev == 1 && n_cpu_moe == 0 && pc.op_copy == 0) {
        /* The searches only ask whether it runs: one device without
        ** experts in RAM holds the footprint exactly, so its per-layer
        ** split is not needed (place_fill_from sums to f->total). */
        bytes[0] = total;
        lw = p->layer_sum;
        lk = f->kv.total;
        fits = total <= pc.dev_usable;
    } else {
        place_fill(&pc, n + 1, bytes, &lw, &lk);
        host_full = n_cpu_moe > 0 ? place_cpu_moe_host(&pc) : 0;
        fits = place_all_fit(&pc, bytes) &&
               (n_cpu_moe == 0 || host_full <= place_host_cap(p, place_sum(&pc, bytes), &ck));
    }
    if (!fits && !p->details) {
        /* where a configuration that does not fit would run (offload) is
        ** what the answer reports, not what a search needs */
        pl->verdict = EST_WONT_RUN;
        return ck.overflow ? EST_E_RANGE : EST_OK;
    }
    if (fits) {
        bool tight = false;
        for (uint32_t d = 0; d < pc.n_dev; d++)
            tight = tight || pc.dev_usable - bytes[d] < pc.dev_usable / 10;
        /* experts kept in RAM (--n-cpu-moe) run from RAM, slower: by the
        ** verdicts' definition that is an offload, one whose device part fits */
        pl->verdict = n_cpu_moe > 0 ? EST_OFFLOAD : tight ? EST_TIGHT : EST_RUNS;
        pl->devices_fit = true;
        pl->gpu_layers = pl->layers_total;
        pl->gpu_layer_weights = lw;
        pl->gpu_layer_kv = lk;
        pl->host_bytes = host_full;
        place_report(&pc, bytes, pl);
        pl->largest_allocation = place_largest_allocation(&pc, n, true);
    } else {
        /* the split that leaves the most headroom on the fullest device,
        ** reported (not sized) when it fits where the sized one does not */
        bool balanced = false;
        struct place bal = pc;
        if (pc.n_dev > 1) {
            double counts[EST_SPLIT_MAX];
            if (place_balance(&bal, counts)) {
                place_set_split(&bal, counts);
                uint64_t b2[EST_SPLIT_MAX], w2 = 0, k2 = 0;
                place_fill(&bal, n + 1, b2, &w2, &k2);
                balanced = place_all_fit(&bal, b2) &&
                           (n_cpu_moe == 0 ||
                            host_full <= place_host_cap(p, place_sum(&bal, b2), &ck));
            }
        }
        /* llama-server's --fit moves layers to the CPU only when the caller
        ** left the placement to it: a --tensor-split or a tensor override
        ** (--n-cpu-moe is one) makes it stop ("tensor_split already set by
        ** user, abort", "tensor_buft_overrides already set by user, abort":
        ** common/fit.cpp common_params_fit_impl), and the load keeps every
        ** layer on the GPUs, which then runs out of memory. */
        const bool fit_aborts = pc.split_given || n_cpu_moe > 0;
        if (estimator_runtime_offloads(in->runtime, p->quant) && !fit_aborts &&
            in->runtime == EST_RUNTIME_LLAMACPP && s->moe && place_fit_moe(&pc, pl)) {
            /* placed as --fit places a mixture-of-experts model */
        } else if (estimator_runtime_offloads(in->runtime, p->quant) && !fit_aborts) {
            /* Keep the compute buffers and reserves on the devices, then as
            ** many layers (with their KV) as fit on every device, from the
            ** top of the stack; the rest runs from system RAM. On unified
            ** memory (Apple) there is no separate RAM: llama.cpp can still
            ** run the layers beyond the GPU ceiling on the CPU (-ngl < all)
            ** as long as everything stays within RAM minus the OS reserve, so
            ** that is an offload verdict; MLX, vLLM and transformers cannot
            ** split and are wont_run beyond their limit. */
            uint32_t lo = 0, hi = n; /* largest ngl in [0, n] that fits */
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo + 1) / 2;
                place_fill(&pc, mid, bytes, &lw, &lk);
                if (place_all_fit(&pc, bytes))
                    lo = mid;
                else
                    hi = mid - 1;
            }
            place_fill(&pc, lo, bytes, &lw, &lk);
            pl->gpu_layers = lo;
            pl->gpu_layer_weights = lw;
            pl->gpu_layer_kv = lk;
            uint64_t gpu_used = place_sum(&pc, bytes);
            uint64_t host_need = estimator_sub_floor(wt->total, lw);
            host_need = estimator_add(&ck, host_need, estimator_sub_floor(kv->total, lk));
            /* the CPU runs its layers with its own compute buffer and process */
            host_need = estimator_add(&ck, host_need, f->compute);
            host_need = estimator_add(&ck, host_need, ESTIMATOR_LLAMACPP_PROCESS);
            pl->verdict = host_need <= place_host_cap(p, gpu_used, &ck) ? EST_OFFLOAD : EST_WONT_RUN;
            pl->host_bytes = host_need;
            place_report(&pc, bytes, pl);
            pl->largest_allocation = place_largest_allocation(&pc, lo, false);
        } else {
            pl->verdict = EST_WONT_RUN;
            place_fill(&pc, n + 1, bytes, &lw, &lk);
            place_report(&pc, bytes, pl);
            pl->host_bytes = n_cpu_moe > 0 ? host_full : 0;
            pl->largest_allocation = place_largest_allocation(&pc, n, true);
        }
        for (uint32_t d = 0; balanced && d < bal.n_dev; d++)
            pl->split[d] = (double)bal.cum[d] - (d > 0 ? (double)bal.cum[d - 1] : 0.0);
    }

    /* Vulkan: ggml-vulkan caps one buffer at min(maxMemoryAllocationSize,
    ** maxBufferSize) and throws "Requested buffer size exceeds device buffer
    ** size limit" beyond it (ggml/src/ggml-vulkan/ggml-vulkan.cpp
    ** ggml_vk_create_buffer, device init; GGML_VK_FORCE_MAX_ALLOCATION_SIZE
    ** overrides the figure). Drivers report different limits (RADV about
    ** 4 GiB, others far more), so with no figure given no cap is applied. */
    if (dev->backend == EST_BACKEND_VULKAN && dev->max_allocation_gib > 0.0) {
        uint64_t cap = estimator_bytes_from_double(&ck, dev->max_allocation_gib * (double)ESTIMATOR_GIB);
        if (pl->largest_allocation > cap) {
            pl->allocation_cap_exceeded = true;
            pl->verdict = EST_WONT_RUN;
        }
    }
    return ck.overflow ? EST_E_RANGE : EST_OK;
}

enum est_status estimator_place(const struct estimator_prep *p, const struct estimator_footprint *f,
                                struct estimator_placement *pl)
{
    enum est_status st = place_memory(p, f, pl);
    if (st != EST_OK)
        return st;
    /* vLLM refuses, at start-up and before allocating anything, a
    ** --max-model-len above the context the model's config.json declares
    ** ("User-specified max_model_len (N) is greater than the derived
    ** max_model_len", vllm/config/model.py _get_and_verify_max_len @0052a5b8;
    ** VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 overrides it). Memory is still sized. */
    const uint32_t trained = p->shape.max_ctx;
    if (p->engine == EST_RUNTIME_VLLM && trained > 0 && f->context > trained) {
        pl->verdict = EST_WONT_RUN;
        pl->context_refused = true;
    }
    return EST_OK;
}

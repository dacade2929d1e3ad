/* estimator_speed.c: decode and prompt-processing speed of a placed estimate.
** Pure: no I/O, no allocation, no globals. Decode is memory-bound with a fixed
** cost per layer: the time per token is the bytes the token reads (active
** weights + KV cache) over the share of the bandwidth the runtime reaches,
** plus a fixed time per layer (kernel launches and synchronisation); for
** partial offload the accelerator's and system RAM's layers add up. Prompt
** processing is compute-bound: the FLOPs of each prompt token over the share of
** the device's FP16 throughput the runtime reaches. The calibration points
** and fits behind every constant are in docs/speed-calibration.md.
*/
#include "estimator_internal.h"

/* One runtime family on one backend: the calibrated constants and the
** sentences that name them. */
struct speed_rule {
    double decode_eff;    /* share of peak memory bandwidth while decoding */
    double layer_seconds; /* fixed decode time per layer and token */
    const char *decode_basis;
    double prompt_eff; /* share of peak dense FP16 throughput while prefilling */
    const char *prompt_basis;
};

/* llama.cpp, Ollama and LM Studio (the same ggml kernels), per backend.
** Decode: time per token = bytes / (eff x bandwidth) + layers x c, fitted by
** least squares on the relative error of the time per token over the published
** llama-bench runs in docs/speed-calibration.md (constants rounded to 0.01):
**   CUDA   0.92, 0.11 ms  49 runs, 7B-70B, F16-Q4: 48 within 25 %, median error
**          4.8 % (XiongjieDai/GPU-Benchmarks-on-LLM-Inference @00dd2bde
**          README.md: llama.cpp on RTX 30/40, RTX Ada, A6000, H100)
**   Metal  0.90, 0.19 ms  38 runs: 36 within 25 %, median error 3.7 %
**          (ggml-org/llama.cpp discussion #4167, build 8e672ef, M1-M4 Ultra;
**          the same XiongjieDai README for Llama 3 8B/70B)
**   ROCm   0.66, c = 0    one run: RX 7900 XTX tg128 167.11 t/s (discussion
**          #15021, as quoted). One device and one model cannot separate eff from
**          c; CUDA's c (ROCm builds compile the CUDA kernels:
**          ggml/src/ggml-hip/CMakeLists.txt @047c7744 compiles the ../ggml-cuda sources)
**          would need an efficiency above 1 to reach that run, so it is not
**          carried over.
**   Vulkan 0.57, c = 0    three runs on two devices, all 7B Q4_0: RX 7900 XTX
**          182.63 and 144 t/s, Arc A770 45 t/s (discussion #10879); the median
**          implied efficiency, no c (the runs do not determine one).
**   CPU    0.67, c = 0    one run: i9-13900K DDR5-6400 7B tg 18.27 t/s
**          (ggml-org/llama.cpp issue #34); no c (one run).
** Prompt: eff = pp512 x FLOPs per token / compute_tflops, the median over
** the published runs of each backend (docs/speed-calibration.md, "Prompt
** processing"). compute_tflops is the dense FP16 throughput, FP16 accumulate,
** of the units the prompt kernels run on (seed/hardware.json; definition in
** the doc): on NVIDIA, quantized weights go through MMQ on int8 tensor cores
** from Turing on (ggml/src/ggml-cuda/mmq.cu @027ef876 ggml_cuda_should_use_mmq:
** turing_mma_available -> MMQ), F16 weights through cuBLAS with
** CUBLAS_COMPUTE_16F (ggml/src/ggml-cuda/ggml-cuda.cu), and both run at a
** fixed multiple of the FP16-accumulate rate on every part, GeForce included.
**   CUDA   0.54  four current-build runs: RTX PRO 6000 Blackwell (build 6413),
**                RTX 4090 Q4_K_S / Q5_0 and RTX 5090 IQ4_NL (ggml-org/llama.cpp
**                PR #24127); implied 0.48-0.57
**   Metal  0.67  eight runs: #4167 (M2 Ultra, M2, M1 Pro; Apple's TFLOPS) and
**                an M1 Ultra (geerlingguy/ai-benchmarks issue #48, build 7825)
**   ROCm   0.42  RX 7900 XTX (#15021, FA off / on), RX 6700 XT (PR #5835),
**                RX 6800 XT (PR #2059); implied 0.39-0.55
**   Vulkan 0.41  RX 7900 XTX (#10879, three runs), RTX 3090 coopmat2 (PR
**                #13506); implied 0.22-0.46
**   CPU    no compute figure: not estimated. */
static const struct speed_rule LLAMACPP_RULES[EST_BACKEND_COUNT] = {
    [EST_BACKEND_CUDA] =
        {0.92, 0.11e-3,
         "decode: time per token = bytes read per token (active weights + KV cache at this "
         "context) at 0.92 of peak bandwidth, plus 0.11 ms per layer (kernel launches and "
         "synchronisation); fitted to 49 published llama.cpp CUDA runs, 48 within 25 % "
         "(XiongjieDai/GPU-Benchmarks-on-LLM-Inference; docs/speed-calibration.md)",
         0.54,
         "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per "
         "token at 0.54 of the dense FP16 tensor peak (FP16 accumulate), the median of four "
         "current llama.cpp CUDA pp512 runs on RTX 4090, RTX 5090 and RTX PRO 6000 (PR #24127, "
         "build 6413; docs/speed-calibration.md)"},
    [EST_BACKEND_METAL] =
        {0.90, 0.19e-3,
         "decode: time per token = bytes read per token (active weights + KV cache at this "
         "context) at 0.90 of peak bandwidth, plus 0.19 ms per layer (kernel launches and "
         "synchronisation); fitted to 38 published llama.cpp Apple Silicon runs, 36 within "
         "25 % (llama.cpp discussion #4167, XiongjieDai/GPU-Benchmarks-on-LLM-Inference; "
         "docs/speed-calibration.md)",
         0.67,
         "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per "
         "token at 0.67 of the GPU's FP16 peak, the median of eight llama.cpp Apple Silicon "
         "pp512 runs (#4167, M1 Pro to M2 Ultra; docs/speed-calibration.md)"},
    [EST_BACKEND_ROCM] =
        {0.66, 0.0,
         "decode is memory-bound: bytes read per token (active weights + KV cache at this "
         "context) at 0.66 of peak bandwidth, from one published llama.cpp ROCm run (#15021; "
         "docs/speed-calibration.md); no fixed cost per layer: one run cannot separate it "
         "from the bandwidth share",
         0.42,
         "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per "
         "token at 0.42 of the dense FP16 peak, the median of four llama.cpp ROCm pp512 runs on "
         "RX 7900 XTX, RX 6800 XT and RX 6700 XT (#15021; docs/speed-calibration.md)"},
    [EST_BACKEND_VULKAN] =
        {0.57, 0.0,
         "decode is memory-bound: bytes read per token (active weights + KV cache at this "
         "context) at 0.57 of peak bandwidth, the median of three published llama.cpp Vulkan "
         "runs (#10879; docs/speed-calibration.md); no fixed cost per layer: the runs, all of "
         "one model, cannot separate it from the bandwidth share",
         0.41,
         "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per "
         "token at 0.41 of the dense FP16 peak, the median of four llama.cpp Vulkan pp512 runs "
         "on RX 7900 XTX and RTX 3090 (#10879; docs/speed-calibration.md)"},
    [EST_BACKEND_CPU] =
        {0.67, 0.0,
         "decode is memory-bound: bytes read per token (active weights + KV cache at this "
         "context) at 0.67 of the theoretical RAM bandwidth, from one llama.cpp CPU run "
         "(issue #34; docs/speed-calibration.md); no fixed cost per layer: one run cannot "
         "separate it from the bandwidth share",
         0.0, NULL},
};

/* mlx-lm on Metal. Decode 0.91 and 0.08 ms per layer: the same least-squares
** fit as llama.cpp's over only three runs (few points: the fit is loose),
** all three within 25 %: Llama 3 70B bf16 4.7 t/s on an M2 Ultra
** (ml-explore/mlx-examples PR #1069), Llama 3.3 70B 4-bit 9.35 t/s on an M3
** Max (mlx-examples issue #1029), Llama 3.1 8B 4-bit 119.4 t/s on an M3 Ultra
** (raullenchai/Rapid-MLX PR #586). Prompt 0.74: Mistral 7B 4-bit,
** 33898-token prompt at 869 t/s on an M2 Ultra (ml-explore/mlx-lm PR #40). */
static const struct speed_rule MLX_RULE = {
    0.91, 0.08e-3,
    "decode: time per token = bytes read per token (active weights + KV cache at this context) "
    "at 0.91 of peak bandwidth, plus 0.08 ms per layer (kernel launches and synchronisation); "
    "fitted to only three published mlx-lm runs (docs/speed-calibration.md)",
    0.74,
    "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per token "
    "at 0.74 of the GPU's FP16 peak, calibrated on a published mlx-lm prefill "
    "(ml-explore/mlx-lm PR #40; docs/speed-calibration.md)"};

/* vLLM and transformers: no published single-stream figures were found to
** calibrate against; decode keeps the earlier approximations (vLLM 0.75 on
** CUDA, 0.6 elsewhere; transformers 0.45) with no fixed cost per layer, and
** prompt processing borrows llama.cpp's CUDA figure. vLLM's tensor parallel
** would add an all-reduce per layer on top: no sourced figure, left out. */
static const struct speed_rule VLLM_RULE = {
    0.75, 0.0,
    "decode is memory-bound: bytes read per token (active weights + KV cache at this context) "
    "at an assumed 0.75 of peak bandwidth, no fixed cost per layer (not calibrated: no "
    "published single-stream figures)",
    0.54,
    "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per token "
    "at an assumed 0.54 of the dense FP16 peak (llama.cpp's CUDA figure; not calibrated for "
    "this runtime)"};
static const struct speed_rule VLLM_OTHER_RULE = {
    0.6, 0.0,
    "decode is memory-bound: bytes read per token (active weights + KV cache at this context) "
    "at an assumed 0.6 of peak bandwidth, no fixed cost per layer (not calibrated: no "
    "published single-stream figures)",
    0.54,
    "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per token "
    "at an assumed 0.54 of the dense FP16 peak (llama.cpp's CUDA figure; not calibrated for "
    "this runtime)"};
static const struct speed_rule TRANSFORMERS_RULE = {
    0.45, 0.0,
    "decode is memory-bound: bytes read per token (active weights + KV cache at this context) "
    "at an assumed 0.45 of peak bandwidth, no fixed cost per layer (not calibrated: no "
    "published single-stream figures)",
    0.54,
    "prompt processing is compute-bound: 2 FLOPs per active parameter plus attention per token "
    "at an assumed 0.54 of the dense FP16 peak (llama.cpp's CUDA figure; not calibrated for "
    "this runtime)"};

static const struct speed_rule *speed_rule(enum est_runtime rt, enum est_backend b)
{
    if ((unsigned)b >= EST_BACKEND_COUNT)
        b = EST_BACKEND_CPU;
    switch (rt) {
    case EST_RUNTIME_MLX:
        return b == EST_BACKEND_CPU ? &LLAMACPP_RULES[EST_BACKEND_CPU] : &MLX_RULE;
    case EST_RUNTIME_VLLM:
        if (b == EST_BACKEND_CPU)
            return &LLAMACPP_RULES[EST_BACKEND_CPU];
        return b == EST_BACKEND_CUDA ? &VLLM_RULE : &VLLM_OTHER_RULE;
    case EST_RUNTIME_TRANSFORMERS:
        return b == EST_BACKEND_CPU ? &LLAMACPP_RULES[EST_BACKEND_CPU] : &TRANSFORMERS_RULE;
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
    case EST_RUNTIME_LMSTUDIO:
    case EST_RUNTIME_COUNT:
    default:
        return &LLAMACPP_RULES[b];
    }
}

double estimator_decode_efficiency(enum est_runtime rt, enum est_backend b)
{
    return speed_rule(rt, b)->decode_eff;
}

static const char SPEED_OFFLOAD[] =
    "decode: the layers on the accelerator take its calibrated time (bytes at its share of "
    "the bandwidth plus its fixed cost per layer), the layers in system RAM the CPU's (bytes "
    "at 0.67 of an assumed 50 GB/s host bandwidth, half the unified bandwidth on Apple "
    "Silicon); the two add up (docs/speed-calibration.md)";
static const char SPEED_CPU_MOE[] =
    "decode: the accelerator's calibrated time for everything but the experts kept in system "
    "RAM by --n-cpu-moe (bytes at its share of the bandwidth plus its fixed cost per layer), "
    "plus the CPU reading the experts each token visits in those layers at 0.67 of an assumed "
    "50 GB/s host bandwidth (docs/speed-calibration.md)";
static const char SPEED_FIT_MOE[] =
    "decode: llama-server's --fit keeps the experts of the last layers in system RAM and "
    "everything else on the GPU; the accelerator's calibrated time for what it holds (bytes "
    "at its share of the bandwidth plus its fixed cost per layer), plus the CPU reading the "
    "experts each token visits in those layers (and any layers wholly in RAM) at 0.67 of an "
    "assumed 50 GB/s host bandwidth (docs/speed-calibration.md)";
static const char SPEED_UNKNOWN[] = "no bandwidth figure for this device: speed not estimated";
static const char SPEED_NOFIT[] = "not estimated: the configuration does not fit";
static const char PROMPT_UNKNOWN[] =
    "no compute figure for this device: prompt processing speed not estimated";
static const char PROMPT_MOE[] =
    "prompt processing is not estimated for mixture-of-experts models: published runs come "
    "out 2.5 to 5 times below the dense rule (docs/speed-calibration.md)";
static const char PROMPT_CPU[] =
    "prompt processing on the CPU is not estimated: no CPU compute figure";
static const char PROMPT_UNIFIED_OFFLOAD[] =
    "prompt processing not estimated: some layers run on the CPU, which has no compute figure";
static const char PROMPT_OFFLOAD[] =
    "prompt processing is compute-bound on the GPU; for each 512-token batch llama.cpp copies "
    "the weights of the layers kept in system RAM to the GPU (op offload), at an assumed "
    "25 GB/s over PCIe";

/* Host RAM bandwidth assumed for layers kept in system RAM next to a discrete
** GPU: 50 GB/s, about dual-channel DDR4-3200 (51.2 GB/s theoretical) and below
** any current DDR5 desktop; deliberately conservative. */
#define HOST_BANDWIDTH_GBS 50.0
/* The CPU cores of an Apple SoC reach about half of the unified memory
** bandwidth the GPU does (approximate). */
#define UNIFIED_CPU_SHARE 0.5
/* Host-to-GPU copy rate for op offload: about 80 % of PCIe 4.0 x16's
** 31.5 GB/s per direction (an assumption; the link is not an input). */
#define PCIE_COPY_GBS 25.0

/* Bytes read per decoded token from the weights: every non-expert tensor, the
** routed experts a token visits, the output head (the tied embedding when
** tied); the input embedding reads one row. */
double estimator_active_weight_bytes(const struct estimator_shape *s,
                                     const struct estimator_weights *wt)
{
    double layers = (double)(wt->layers - wt->routed_experts);
    if (s->moe)
        layers += (double)wt->routed_experts * s->n_expert_used / s->n_expert;
    double head = (double)wt->output + (s->tied ? (double)wt->token_embd : 0.0);
    return layers + head;
}

/* FLOPs of one prompt token when the whole prompt of `context` tokens is
** processed: 2 per active parameter (the matrix products; the active share of
** the parameters is taken as the active share of the weight bytes, so MoE
** counts the experts a token visits and the input embedding lookup counts
** nothing) plus attention, 2 x 2 x heads x head width x the keys it sees (on
** average half the prompt, at most the window on sliding-window layers). */
static double prompt_flops_per_token(const struct estimator_shape *s,
                                     const struct estimator_weights *wt, double active_bytes,
                                     uint32_t context)
{
    double params = (double)wt->params;
    double share = wt->total ? active_bytes / (double)wt->total : 1.0;
    double matmul = 2.0 * params * share;
    double qk = s->mla ? (double)s->mla_nope + s->rope_dim : (double)s->head_dim;
    double v = s->mla ? (double)s->mla_v : (double)s->head_dim;
    double span = (double)context / 2.0;
    double swa_span = s->swa_window && (double)s->swa_window < span ? (double)s->swa_window : span;
    double swa = s->swa_window ? (double)s->swa_layers : 0.0;
    double keys = ((double)s->n_layer - swa) * span + swa * swa_span;
    return matmul + 2.0 * (double)s->n_head * (qk + v) * keys;
}

static void prompt_speed(const struct estimator_prep *p, const struct estimator_footprint *f,
                         const struct estimator_placement *pl, const struct speed_rule *rule,
                         double active_bytes, struct estimator_speed *out)
{
    const struct est_input *in = p->in;
    const struct est_device *dev = &in->device;
    const uint32_t count = dev->count ? dev->count : 1;

    if (!p->accel || rule->prompt_basis == NULL) {
        out->prompt_basis = PROMPT_CPU;
        return;
    }
    if (!(dev->compute_tflops > 0.0)) {
        out->prompt_basis = PROMPT_UNKNOWN;
        return;
    }
    /* Mixture-of-experts prompts: every expert multiplies only the tokens
    ** routed to it, small matrix products far below the dense efficiency the
    ** rule is calibrated on; published runs (gpt-oss-20b on an RTX 5090:
    ** 9,444 t/s pp against 24,234 by the dense rule; Qwen3-30B-A3B on a
    ** 5090-class GPU: about 5,200 against 28,535; docs/speed-calibration.md)
    ** are 2.5 to 5 times below it, too spread to fit a rule on. Not
    ** estimated rather than wrong by that much. */
    if (p->shape.moe) {
        out->prompt_basis = PROMPT_MOE;
        return;
    }
    /* vLLM splits every layer across GPUs (tensor parallel): their compute
    ** adds up. A layer split runs the devices one after another. */
    double flops = dev->compute_tflops * 1e12 * (in->runtime == EST_RUNTIME_VLLM ? count : 1);
    double per_token = prompt_flops_per_token(&p->shape, &p->wt, active_bytes, f->context);
    if (!(per_token > 0.0))
        return;
    double seconds = per_token / (rule->prompt_eff * flops);
    if (pl->verdict != EST_OFFLOAD) {
        out->prompt_tps = 1.0 / seconds;
        out->prompt_basis = rule->prompt_basis;
        return;
    }
    if (dev->kind == EST_DEVICE_UNIFIED) {
        out->prompt_basis = PROMPT_UNIFIED_OFFLOAD;
        return;
    }
    /* For batches of 32 tokens or more the CUDA backend runs the matrix
    ** products of weights held in system RAM on the GPU, copying each weight
    ** across (ggml/src/ggml-cuda/ggml-cuda.cu ggml_backend_cuda_device_offload_op,
    ** min_batch_size 32; ggml/src/ggml-backend.cpp; on by default, llama.cpp
    ** --no-op-offload turns it off): every physical batch of -ub tokens pays
    ** one copy of the layers kept in RAM. */
    double host_weights = (double)estimator_sub_floor(p->wt.layers, pl->gpu_layer_weights);
    double ubatch = (double)f->ubatch;
    double copy = host_weights / (PCIE_COPY_GBS * 1e9);
    out->prompt_tps = ubatch / (ubatch * seconds + copy);
    out->prompt_basis = PROMPT_OFFLOAD;
}

void estimator_speed(const struct estimator_prep *p, const struct estimator_footprint *f,
                     const struct estimator_placement *pl, struct estimator_speed *out)
{
    const struct est_input *in = p->in;
    const struct est_device *dev = &in->device;
    const struct estimator_shape *s = &p->shape;
    const struct estimator_weights *wt = &p->wt;
    const struct estimator_kv *kv = &f->kv;
    const enum est_runtime rt = in->runtime;

    out->decode_tps = 0.0;
    out->prompt_tps = 0.0;
    out->prompt_basis = NULL;
    out->unknown = false;
    double bw = dev->bandwidth_gbs * 1e9;
    if (!p->accel && dev->kind == EST_DEVICE_GPU)
        bw = HOST_BANDWIDTH_GBS * 1e9; /* CPU run on a GPU box */
    out->unknown = !(bw > 0.0);
    if (pl->verdict == EST_WONT_RUN) {
        out->decode_basis = out->unknown ? SPEED_UNKNOWN : SPEED_NOFIT;
        out->prompt_basis = SPEED_NOFIT;
        return;
    }
    const struct speed_rule *rule =
        speed_rule(p->engine, p->accel ? dev->backend : EST_BACKEND_CPU);
    const double active = estimator_active_weight_bytes(s, wt);
    prompt_speed(p, f, pl, rule, active, out);
    if (out->unknown) {
        out->decode_basis = SPEED_UNKNOWN;
        return;
    }
    const double eff = rule->decode_eff;
    const uint32_t count = dev->count ? dev->count : 1;
    /* vLLM splits every layer across GPUs (tensor parallel): bandwidths add
    ** up and each layer still pays one fixed cost. A llama.cpp layer split
    ** runs the devices one after another: each layer is read at one device's
    ** bandwidth and pays its fixed cost once, so the sum over the devices is
    ** the single-device sum. */
    const double dev_bw = rt == EST_RUNTIME_VLLM ? bw * count : bw;
    const double layers = (double)s->n_layer;
    double host_bw =
        dev->kind == EST_DEVICE_UNIFIED ? bw * UNIFIED_CPU_SHARE : HOST_BANDWIDTH_GBS * 1e9;
    const struct speed_rule *host = speed_rule(p->engine, EST_BACKEND_CPU);
    if (pl->n_cpu_moe > 0 && s->moe) {
        /* Experts in system RAM (--n-cpu-moe, or --fit's placement): the
        ** experts a token visits in those layers are read from RAM by the
        ** CPU (their matmuls run there for single-token batches), as is every
        ** layer held wholly in RAM (--fit when even the dense parts do not
        ** fit); everything else as on the accelerator, which pays its fixed
        ** cost for each layer it runs. */
        struct estimator_ck ck = {false};
        const double visited = (double)s->n_expert_used / s->n_expert;
        double host_bytes = 0.0;
        for (uint32_t i = 0; i < s->n_layer; i++) {
            const bool on_cpu = i < pl->cpu_layers;
            if (!on_cpu && (i < pl->moe_ram_lo || i >= pl->moe_ram_hi))
                continue;
            uint64_t routed = 0;
            uint64_t lw = estimator_layer_weight_bytes(&p->w, i, &ck, &routed);
            host_bytes += (double)routed * visited;
            if (on_cpu)
                host_bytes += (double)estimator_sub_floor(lw, routed) +
                              (double)estimator_kv_layer_bytes(s, kv, i, &ck);
        }
        const double cpu_layers = pl->cpu_layers < s->n_layer ? (double)pl->cpu_layers : layers;
        double t = (active - host_bytes + (double)kv->total) / (eff * dev_bw) +
                   (layers - cpu_layers) * rule->layer_seconds +
                   host_bytes / (host->decode_eff * host_bw) + cpu_layers * host->layer_seconds;
        out->decode_tps = t > 0.0 ? 1.0 / t : 0.0;
        out->decode_basis = pl->fit_moe ? SPEED_FIT_MOE : SPEED_CPU_MOE;
        return;
    }
    if (pl->verdict != EST_OFFLOAD) {
        double t = (active + (double)kv->total) / (eff * dev_bw) + layers * rule->layer_seconds;
        out->decode_tps = t > 0.0 ? 1.0 / t : 0.0;
        out->decode_basis = rule->decode_basis;
        return;
    }
    /* Partial offload: the repeating layers on the accelerator (the count
    ** placed, less the output layer when it is included) at its constants,
    ** the rest at the CPU's. */
    double gpu_layers = pl->gpu_layers < s->n_layer ? (double)pl->gpu_layers : layers;
    double frac = wt->layers ? (double)pl->gpu_layer_weights / (double)wt->layers : 0.0;
    double layer_active = active - (double)wt->output - (s->tied ? (double)wt->token_embd : 0.0);
    double gpu_bytes = layer_active * frac + (double)pl->gpu_layer_kv;
    double cpu_bytes =
        active - layer_active * frac + ((double)kv->total - (double)pl->gpu_layer_kv);
    double t = gpu_bytes / (eff * dev_bw) + gpu_layers * rule->layer_seconds +
               cpu_bytes / (host->decode_eff * host_bw) +
               (layers - gpu_layers) * host->layer_seconds;
    out->decode_tps = t > 0.0 ? 1.0 / t : 0.0;
    out->decode_basis = SPEED_OFFLOAD;
}

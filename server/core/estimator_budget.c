/* estimator_budget.c: the usable memory budget of a device on a platform.
** Pure: no I/O, no allocation, no globals. Apple GPU working-set ceiling by RAM and
** macOS version, iogpu.wired_limit_mb, VRAM minus the GPU runtime context and the
** Windows WDDM reservation, llama-server's --fit margin, vLLM's utilization cap,
** system RAM minus an OS reserve.
*/
#include "estimator_internal.h"

#include <math.h>
#include <stddef.h>

/* Memory an OS and its desktop keep for themselves: 2.5 GiB + 10 % of RAM
** (Jan's rule for Apple Silicon, janhq/jan#7842; ESTIMATORS.md 4f). Used for
** CPU-only runs, for layers offloaded to system RAM and for unified memory
** that is not capped by Metal. */
#define OS_RESERVE_FIXED (5ull * ESTIMATOR_GIB / 2)
#define OS_RESERVE_PERCENT 10u

uint64_t estimator_os_usable_ram(uint64_t ram)
{
    uint64_t reserve = OS_RESERVE_FIXED + ram / 100 * OS_RESERVE_PERCENT;
    return estimator_sub_floor(ram, reserve);
}

bool estimator_has_accelerator(const struct est_device *d)
{
    return d->kind != EST_DEVICE_CPU && d->backend != EST_BACKEND_CPU;
}

/* GPU runtime context per device (driver context, kernels, library handles),
** which no buffer print accounts for:
** - llama.cpp family on CUDA/ROCm: 457 MiB, the allowance Ollama keeps for
**   every non-Metal GPU library, ROCm included (ollama ml/device.go
**   DeviceInfo.MinimumMemory @fb307609, "VRAM consumed by context structures
**   independent of model allocations"); PyTorch measures ~400 MB for a
**   lazily loaded CUDA >= 11.7 context (pytorch/pytorch#109888).
** - PyTorch runtimes (transformers, vLLM): 527 MiB measured after CUDA/PyTorch
**   initialisation on an H200 (PyTorch 2.11, CUDA 13;
**   tests/data/truth/transformers-h200.tsv cuda_context_bytes).
** - Vulkan: 250 MiB, gguf-parser's default VRAM platform footprint
**   (gpustack/gguf-parser-go cmd/gguf-parser/main.go); Ollama sets aside its
**   457 MiB for Vulkan devices too (MinimumMemory above), a reserve rather
**   than a measurement, so the measured footprint is kept.
** - Metal: none here; the working-set ceiling below already is the limit. */
#define CTX_LLAMACPP_CUDA (457ull * ESTIMATOR_MIB)
#define CTX_PYTORCH_CUDA (527ull * ESTIMATOR_MIB)
#define CTX_VULKAN (250ull * ESTIMATOR_MIB)

static bool runtime_is_pytorch(enum est_runtime rt)
{
    return rt == EST_RUNTIME_TRANSFORMERS || rt == EST_RUNTIME_VLLM;
}

static uint64_t runtime_context(enum est_runtime rt, enum est_backend b)
{
    switch (b) {
    case EST_BACKEND_CUDA:
    case EST_BACKEND_ROCM:
        return runtime_is_pytorch(rt) ? CTX_PYTORCH_CUDA : CTX_LLAMACPP_CUDA;
    case EST_BACKEND_VULKAN:
        return CTX_VULKAN;
    case EST_BACKEND_METAL:
    case EST_BACKEND_CPU:
    case EST_BACKEND_COUNT:
    default:
        return 0;
    }
}

/* Windows (WDDM) keeps part of the VRAM: Ollama logs an "OS VRAM overhead" of
** 3.2 GiB on a 22 GiB card and users report ~15 % reserved
** (ollama/ollama#9167; FACTS.md section 2). */
#define WDDM_RESERVE_PERCENT 15u

/* vLLM --gpu-memory-utilization default: 0.92 (vllm/config/cache.py
** CacheConfig.gpu_memory_utilization = 0.92 @002f10e0, "If unspecified, will
** use the default value of 0.92"; docs.vllm.ai/en/stable/cli/serve; releases
** up to the 0.1x series used 0.9, docs.vllm.ai/en/v0.6.4 engine args). Each
** worker requests ceil(total x utilization) of its GPU (vllm/v1/worker/utils.py
** request_memory) and sizes the KV pool as that minus weights, the profiled
** torch peak, non-torch memory and the CUDA graph estimate
** (gpu_worker.py determine_available_memory); the CUDA context and NCCL,
** allocated before the snapshot, sit outside the request, and startup fails
** ("Free memory on device ... is less than desired GPU memory utilization")
** when free memory is below the request. The budget is therefore
** min(0.92 x VRAM, VRAM - context) per device. */
#define VLLM_GPU_UTILIZATION 0.92

/* llama-server fits the parameters the user left unset (-ngl auto, -c 0) to
** the free memory of every GPU by default, keeping a margin of 1024 MiB free
** per device (common/common.h @001d906a: fit_params = true,
** fit_params_target = 1024 MiB, --fit / --fit-target, PR #16653). When a GPU
** would keep less, src/llama.cpp llama_params_fit_impl first shortens an
** unset context (down to --fit-ctx 4096), then moves MoE experts and whole
** layers to the CPU: the margin is memory the runtime will not fill. Ollama
** starts llama-server without --fit-target for text models (ollama
** llm/llama_server.go @fb307609), so the same margin applies; its own
** per-GPU minimum (457 MiB, 512 MiB on Metal: ml/device.go MinimumMemory) is
** a scheduler check the margin already covers. The fit looks only at devices
** with their own memory pool: CPU-only runs keep no margin. */
#define FIT_MARGIN (1024ull * ESTIMATOR_MIB)

static bool runtime_fits_with_margin(enum est_runtime rt)
{
    return rt == EST_RUNTIME_LLAMACPP || rt == EST_RUNTIME_OLLAMA;
}

/* ---- Apple working-set ceiling ------------------------------------------------- */

/* macOS 15 and older: Metal's recommendedMaxWorkingSetSize is 2/3 of RAM up
** to 36 GiB and 3/4 above (Ollama's pre-2024 rule, removed in ollama PR #2354;
** matches 10922.67 MiB on 16 GB, 21845.34 MiB on 32 GB, 49152 MiB on 64 GB,
** 73728 MiB on 96 GB in llama.cpp logs, and ~10.67 GB on a 16 GB M4 on macOS
** 15.6 in exo PR #1672; FACTS.md section 1a). */
#define APPLE_CLASSIC_SPLIT_GIB 36.0

/* macOS 26: larger fractions, reported as 11.84 GiB of 16 (0.74, llmfit PR
** #754 and a ggml 0.13.1 log), 17.76 of 24 (0.74, PyTorch MPS OOM text), 37.44
** of 48 (0.78, macOS 26.5.2) and 107.52 of 128 (0.84, antirez/ds4 PR #893).
** We interpolate linearly between these points, hold 2/3 at 8 GiB and below
** (no newer report for 8 GiB Macs) and hold 0.84 above 128 GiB (a single
** unverified 0.93 report for 256 GiB is not used). Approximate by nature: the
** authoritative value is Metal's own query. */
struct apple_point {
    double ram_gib;
    double fraction;
};
static const struct apple_point apple_current[] = {
    {8.0, 2.0 / 3.0}, {16.0, 0.74}, {24.0, 0.74}, {48.0, 0.78}, {128.0, 0.84},
};
#define APPLE_POINTS (sizeof apple_current / sizeof apple_current[0])

/* MLX: mlx-lm wires max_recommended_working_set_size (this ceiling) while
** it generates (mlx_lm/generate.py wired_limit @d78bf58e) and MLX's own
** allocator limit is min(1.5 x ceiling, 0.95 x RAM) (FACTS.md section 5):
** the ceiling is the budget for MLX as for llama.cpp's Metal backend. */

/* The first macOS release with the larger ceilings (Apple went from 15 to 26). */
#define APPLE_CURRENT_MAJOR 16u

static double apple_current_fraction(double ram_gib)
{
    if (ram_gib <= apple_current[0].ram_gib)
        return apple_current[0].fraction;
    for (size_t i = 1; i < APPLE_POINTS; i++) {
        const struct apple_point *a = &apple_current[i - 1], *b = &apple_current[i];
        if (ram_gib <= b->ram_gib) {
            double t = (ram_gib - a->ram_gib) / (b->ram_gib - a->ram_gib);
            return a->fraction + t * (b->fraction - a->fraction);
        }
    }
    return apple_current[APPLE_POINTS - 1].fraction;
}

static bool apple_uses_classic_rule(uint32_t os_major)
{
    return os_major != 0 && os_major < APPLE_CURRENT_MAJOR;
}

uint64_t est_apple_working_set_bytes(double ram_gib, uint32_t os_major, uint32_t os_minor)
{
    (void)os_minor; /* no minor-release dependence is known */
    struct estimator_ck ck = {false};
    if (!(ram_gib > 0.0) || !isfinite(ram_gib))
        return 0;
    uint64_t ram = estimator_bytes_from_double(&ck, ram_gib * (double)ESTIMATOR_GIB);
    if (ck.overflow)
        return UINT64_MAX;
    if (apple_uses_classic_rule(os_major)) {
        if (ram_gib <= APPLE_CLASSIC_SPLIT_GIB)
            return ram / 3 * 2 + (ram % 3) * 2 / 3;
        return ram / 4 * 3 + (ram % 4) * 3 / 4;
    }
    uint64_t ws = estimator_bytes_from_double(&ck, (double)ram * apple_current_fraction(ram_gib));
    return ck.overflow ? UINT64_MAX : ws;
}

/* ---- the budget ------------------------------------------------------------------ */

static const char BASIS_CPU[] = "system RAM minus an OS reserve of 2.5 GiB + 10 % (CPU-only run)";
static const char BASIS_APPLE_WIRED[] = "Apple GPU ceiling set with sysctl iogpu.wired_limit_mb";
static const char BASIS_APPLE_CLASSIC[] =
    "Apple GPU working-set ceiling (Metal recommendedMaxWorkingSetSize) on macOS 15 and "
    "older: 2/3 of RAM up to 36 GiB, 3/4 above";
static const char BASIS_APPLE_CURRENT[] =
    "Apple GPU working-set ceiling (Metal recommendedMaxWorkingSetSize) on current macOS: "
    "about 74-84 % of RAM by size, interpolated from reported values (approximate)";
static const char BASIS_UNIFIED[] =
    "unified memory minus an OS reserve of 2.5 GiB + 10 % and the GPU runtime context";
static const char BASIS_GPU[] = "VRAM minus the GPU runtime context, per device";
static const char BASIS_GPU_WINDOWS[] =
    "VRAM minus the GPU runtime context and the Windows WDDM reservation (~15 %), per device";
static const char BASIS_APPLE_WIRED_FIT[] =
    "Apple GPU ceiling set with sysctl iogpu.wired_limit_mb, minus the 1 GiB llama-server "
    "--fit keeps free";
static const char BASIS_APPLE_CLASSIC_FIT[] =
    "Apple GPU working-set ceiling (Metal recommendedMaxWorkingSetSize) on macOS 15 and "
    "older: 2/3 of RAM up to 36 GiB, 3/4 above, minus the 1 GiB llama-server --fit keeps free";
static const char BASIS_APPLE_CURRENT_FIT[] =
    "Apple GPU working-set ceiling (Metal recommendedMaxWorkingSetSize) on current macOS: "
    "about 74-84 % of RAM by size, interpolated from reported values (approximate), minus the "
    "1 GiB llama-server --fit keeps free";
static const char BASIS_UNIFIED_FIT[] =
    "unified memory minus an OS reserve of 2.5 GiB + 10 %, the GPU runtime context and the "
    "1 GiB llama-server --fit keeps free";
static const char BASIS_GPU_FIT[] = "VRAM minus the GPU runtime context and the 1 GiB "
                                    "llama-server --fit keeps free, per device";
static const char BASIS_GPU_WINDOWS_FIT[] =
    "VRAM minus the GPU runtime context, the Windows WDDM reservation (~15 %) and the 1 GiB "
    "llama-server --fit keeps free, per device";
static const char BASIS_VLLM[] =
    "vLLM gpu_memory_utilization 0.92 of VRAM (or VRAM minus the CUDA context), per device";

/* GiB figure to bytes; invalid or absurd values give 0 / saturate. */
static uint64_t gib_bytes(struct estimator_ck *ck, double gib)
{
    if (!(gib > 0.0) || !isfinite(gib))
        return 0;
    return estimator_bytes_from_double(ck, gib * (double)ESTIMATOR_GIB);
}

void estimator_budget(const struct est_input *in, struct estimator_ck *ck, uint64_t *memory,
                      uint64_t *usable, const char **basis, bool *approximate)
{
    const struct est_device *d = &in->device;
    const uint64_t count = d->count == 0 ? 1 : d->count;
    const uint64_t dev = gib_bytes(ck, d->memory_gib);
    *approximate = false;

    if (!estimator_has_accelerator(d)) {
        /* The CPU runs from system RAM: the device's own memory for CPU and
        ** unified devices, the host RAM for a GPU machine run on its CPU. */
        uint64_t ram = d->kind == EST_DEVICE_GPU ? gib_bytes(ck, d->system_ram_gib)
                                                 : estimator_mul(ck, dev, count);
        *memory = ram;
        *usable = estimator_os_usable_ram(ram);
        *basis = BASIS_CPU;
        return;
    }

    *memory = estimator_mul(ck, dev, count);
    if (d->kind == EST_DEVICE_UNIFIED && d->backend == EST_BACKEND_METAL) {
        uint64_t ws;
        if (in->wired_limit_mb > 0) {
            ws = estimator_mul(ck, in->wired_limit_mb, ESTIMATOR_MIB);
            if (ws > dev)
                ws = dev;
            *basis = BASIS_APPLE_WIRED;
        } else {
            ws = est_apple_working_set_bytes(d->memory_gib, in->os_version_major,
                                             in->os_version_minor);
            if (ws == UINT64_MAX)
                ck->overflow = true;
            if (apple_uses_classic_rule(in->os_version_major)) {
                *basis = BASIS_APPLE_CLASSIC;
            } else {
                *basis = BASIS_APPLE_CURRENT;
                *approximate = true;
            }
        }
        if (runtime_fits_with_margin(in->runtime)) {
            ws = estimator_sub_floor(ws, FIT_MARGIN);
            *basis = *basis == BASIS_APPLE_WIRED     ? BASIS_APPLE_WIRED_FIT
                     : *basis == BASIS_APPLE_CLASSIC ? BASIS_APPLE_CLASSIC_FIT
                                                     : BASIS_APPLE_CURRENT_FIT;
        }
        *usable = estimator_mul(ck, ws, count);
        return;
    }

    const uint64_t ctx = runtime_context(in->runtime, d->backend);
    uint64_t per;
    if (d->kind == EST_DEVICE_UNIFIED) {
        per = estimator_sub_floor(estimator_os_usable_ram(dev), ctx);
        *basis = BASIS_UNIFIED;
    } else {
        per = estimator_sub_floor(dev, ctx);
        *basis = BASIS_GPU;
        if (in->os == EST_OS_WINDOWS) {
            per = estimator_sub_floor(per, dev / 100 * WDDM_RESERVE_PERCENT);
            *basis = BASIS_GPU_WINDOWS;
        }
        if (in->runtime == EST_RUNTIME_VLLM) {
            uint64_t cap = estimator_bytes_from_double(ck, (double)dev * VLLM_GPU_UTILIZATION);
            if (cap < per) {
                per = cap;
                *basis = BASIS_VLLM;
            }
        }
    }
    if (runtime_fits_with_margin(in->runtime)) {
        per = estimator_sub_floor(per, FIT_MARGIN);
        *basis = *basis == BASIS_UNIFIED       ? BASIS_UNIFIED_FIT
                 : *basis == BASIS_GPU_WINDOWS ? BASIS_GPU_WINDOWS_FIT
                                               : BASIS_GPU_FIT;
    }
    *usable = estimator_mul(ck, per, count);
}

void est_budget(const struct est_input *in, uint64_t *memory_bytes, uint64_t *usable_bytes,
                const char **basis)
{
    uint64_t mem = 0, use = 0;
    const char *b = BASIS_GPU;
    bool approx = false;
    struct estimator_ck ck = {false};
    if (in != NULL && (unsigned)in->device.kind < EST_DEVICE_COUNT &&
        (unsigned)in->device.backend < EST_BACKEND_COUNT)
        estimator_budget(in, &ck, &mem, &use, &b, &approx);
    if (memory_bytes)
        *memory_bytes = mem;
    if (usable_bytes)
        *usable_bytes = use;
    if (basis)
        *basis = b;
}

/* estimator.h: the memory-footprint estimator's whole public API.
**
** Pure library: libc + libm only. No I/O, no allocation, no globals, no
** logging. Every function is thread-safe and reentrant. All byte counts are
** uint64_t; token counts uint32_t. Absurd inputs give EST_E_RANGE, never a
** wrapped number.
**
** Vendor memory figures ("24 GB" VRAM, "32 GB" unified RAM) are binary:
** memory_gib = 24 means 24 * 2^30 bytes.
*/
#ifndef WIR_ESTIMATOR_H
#define WIR_ESTIMATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EST_VERSION "1.0.0"

/* Largest context we size, in tokens (16 Mi). Larger requests are EST_E_RANGE. */
#define EST_CONTEXT_MAX (16u * 1024u * 1024u)

enum est_status {
    EST_OK = 0,
    EST_E_INVALID,     /* inconsistent architecture (zero layers, heads not dividing, ...) */
    EST_E_RANGE,       /* numbers beyond what we can size (overflow) */
    EST_E_UNSUPPORTED, /* quant / runtime / kv type combination the runtime cannot load */
};

enum est_runtime {
    EST_RUNTIME_LLAMACPP = 0,
    EST_RUNTIME_OLLAMA,
    EST_RUNTIME_LMSTUDIO,
    EST_RUNTIME_MLX,
    EST_RUNTIME_TRANSFORMERS,
    EST_RUNTIME_VLLM,
    EST_RUNTIME_COUNT
};

enum est_device_kind { EST_DEVICE_GPU = 0, EST_DEVICE_UNIFIED, EST_DEVICE_CPU, EST_DEVICE_COUNT };

enum est_backend {
    EST_BACKEND_CUDA = 0,
    EST_BACKEND_METAL,
    EST_BACKEND_ROCM,
    EST_BACKEND_VULKAN,
    EST_BACKEND_CPU,
    EST_BACKEND_COUNT
};

enum est_os { EST_OS_MACOS = 0, EST_OS_LINUX, EST_OS_WINDOWS, EST_OS_COUNT };

/* KV cache element types. EST_KV_DEFAULT = the runtime's default. */
enum est_kv_type {
    EST_KV_DEFAULT = 0,
    EST_KV_F16,
    EST_KV_BF16,
    EST_KV_F32,
    EST_KV_Q8_0,
    EST_KV_Q4_0,
    EST_KV_FP8,
    EST_KV_COUNT
};

enum est_verdict { EST_RUNS = 0, EST_TIGHT, EST_OFFLOAD, EST_WONT_RUN };

/* Tri-state for settings whose default belongs to the runtime. */
enum est_tristate { EST_AUTO = -1, EST_OFF = 0, EST_ON = 1 };

/* Model architecture, names as in Hugging Face config.json. Zero means
** "absent" for the optional fields. */
struct est_model {
    uint64_t params;                /* total parameters; 0 = derive from the shape */
    uint32_t num_hidden_layers;
    uint32_t hidden_size;
    uint32_t num_attention_heads;
    uint32_t num_key_value_heads;   /* 0 = same as num_attention_heads (MHA) */
    uint32_t head_dim;              /* 0 = hidden_size / num_attention_heads */
    uint32_t intermediate_size;     /* dense FFN width (0 for pure-MoE layers) */
    uint32_t vocab_size;
    bool tie_word_embeddings;
    uint32_t max_position_embeddings; /* trained context; 0 = unknown */
    uint32_t sliding_window;          /* window in tokens; 0 = none */
    uint32_t sliding_window_layers;   /* how many layers use the window (0 = none) */
    uint32_t num_experts;             /* 0 or 1 = dense */
    uint32_t num_experts_per_tok;
    uint32_t moe_intermediate_size;   /* per-expert FFN width */
    uint32_t num_shared_experts;
    uint32_t kv_lora_rank;            /* MLA latent rank (DeepSeek V2/V3); 0 = not MLA */
    uint32_t qk_rope_head_dim;        /* MLA rope part of K */
    bool experts_mxfp4;               /* the checkpoint stores the routed experts in MXFP4
                                      ** (config.json quantization_config quant_method
                                      ** "mxfp4", as gpt-oss ships); MoE only */
};

enum est_quant_format { EST_QF_GGUF = 0, EST_QF_MLX, EST_QF_HF };

/* One quantization the estimator knows. The table is static const data;
** pointers to rows stay valid for the life of the program. */
struct est_quant {
    const char *id;         /* canonical spelling: "Q4_K_M", "mlx-4bit", "bf16" */
    enum est_quant_format format;
    double nominal_bpw;     /* the label's headline bits per weight (for display only) */
    unsigned quality;       /* higher = closer to the original weights; for best_quant */
};

size_t est_quant_count(void);
const struct est_quant *est_quant_at(size_t i);          /* NULL past the end */
const struct est_quant *est_quant_find(const char *id);  /* case-insensitive; NULL if unknown */
/* Whether runtime rt loads quants of this kind at all. */
bool est_quant_runs_on(const struct est_quant *q, enum est_runtime rt);
/* The quant a runtime uses when the caller names none (llama.cpp/Ollama/LM
** Studio: Q4_K_M; MLX: mlx-4bit; transformers/vLLM: bf16). Never NULL. */
const struct est_quant *est_quant_default(enum est_runtime rt);

/* Devices that can be given a share of a layer split and are reported one
** by one (llama.cpp's own limit, LLAMA_MAX_DEVICES, is 16). */
#define EST_SPLIT_MAX 16u

/* The accelerator(s). One entry describes `count` identical devices. */
struct est_device {
    enum est_device_kind kind;
    enum est_backend backend;
    double memory_gib;      /* per device, vendor figure, binary */
    double bandwidth_gbs;   /* per device, GB/s (10^9); 0 = unknown */
    double system_ram_gib;  /* host RAM for offload (unified: same as memory_gib) */
    uint32_t count;         /* >= 1 */
    double compute_tflops;  /* per device, dense FP16 tensor TFLOPS; 0 = unknown */
    double max_allocation_gib; /* largest single buffer the backend allows
                               ** (Vulkan maxMemoryAllocationSize); 0 = the
                               ** backend's usual figure */
};

struct est_input {
    struct est_model model;
    const struct est_quant *quant;  /* NULL = est_quant_default(runtime) */
    uint32_t context;               /* tokens; 0 = runtime default */
    struct est_device device;
    enum est_runtime runtime;
    enum est_os os;
    uint32_t os_version_major;      /* 0 = current */
    uint32_t os_version_minor;
    uint32_t wired_limit_mb;        /* macOS iogpu.wired_limit_mb; 0 = not set */
    enum est_kv_type kv_type;       /* EST_KV_DEFAULT = runtime default */
    enum est_tristate flash_attention;
    uint32_t batch;                 /* concurrent sequences; 0 treated as 1 */
    uint32_t ubatch;                /* llama.cpp family physical batch (-ub); 0 = 512 */
    enum est_kv_type kv_type_v;     /* V cache type (-ctv); EST_KV_DEFAULT = same as kv_type */
    uint32_t n_cpu_moe;             /* llama.cpp family --n-cpu-moe N: the routed experts of
                                    ** the first N layers stay in system RAM; 0 = none */
    double tensor_split[EST_SPLIT_MAX]; /* llama.cpp --tensor-split proportions per device;
                                    ** all zero = llama.cpp's default split */
};

struct est_result {
    /* footprint; total = weights + kv + compute + overhead exactly */
    uint64_t weights_bytes;
    uint64_t kv_cache_bytes;
    uint64_t compute_bytes;
    uint64_t overhead_bytes;
    uint64_t total_bytes;
    /* budget */
    uint64_t memory_bytes;          /* vendor memory of all devices, bytes */
    uint64_t usable_bytes;          /* what the platform lets the runtime use */
    const char *budget_basis;       /* static English sentence naming the rule */
    int64_t headroom_bytes;         /* usable - total (negative when it does not fit) */
    enum est_verdict verdict;
    /* what was actually sized, defaults resolved */
    const struct est_quant *quant;
    uint32_t context;               /* requested (or default) context */
    uint32_t kv_cells;              /* cells allocated after padding / windows */
    enum est_kv_type kv_type;
    bool flash_attention;
    uint32_t batch;
    /* placement */
    uint32_t gpu_layers_offloaded;  /* layers on the accelerator */
    uint32_t gpu_layers_total;      /* layers the runtime places (blocks + output) */
    /* per device (the first EST_SPLIT_MAX of device.count) and the host */
    uint32_t devices_reported;      /* entries of device_bytes / tensor_split in use */
    uint64_t device_bytes[EST_SPLIT_MAX]; /* what each device holds */
    uint64_t device_usable_bytes;   /* what one device may hold */
    double tensor_split[EST_SPLIT_MAX]; /* the split sized (given, or balanced), sums to 1 */
    uint64_t host_bytes;            /* system RAM the run needs beyond the accelerators
                                    ** (offloaded layers, --n-cpu-moe experts; CPU runs: total) */
    uint32_t n_cpu_moe;             /* layers whose routed experts stay in system RAM */
    uint64_t largest_allocation_bytes; /* biggest single buffer the run allocates on a device */
    /* speed */
    double tokens_per_second;       /* decode estimate; 0 when unknown */
    const char *speed_basis;        /* static sentence */
    double prompt_tokens_per_second; /* prompt processing estimate; 0 when unknown */
    const char *prompt_speed_basis; /* static sentence */
    /* warnings: bit set of EST_WARN_* */
    uint32_t warnings;
};

#define EST_WARN_CONTEXT_ABOVE_TRAINED (1u << 0) /* context > max_position_embeddings */
#define EST_WARN_CEILING_APPROXIMATE  (1u << 1) /* Apple ceiling from a table, not measured */
#define EST_WARN_KV_TYPE_NEEDS_FA     (1u << 2) /* quantized V cache forced flash attention on */
#define EST_WARN_PARAMS_DERIVED       (1u << 3) /* params were derived from the shape */
#define EST_WARN_SPEED_UNKNOWN        (1u << 4) /* no bandwidth: no speed estimate */
#define EST_WARN_ALLOCATION_CAP       (1u << 5) /* a buffer exceeds the backend's per-allocation cap */
#define EST_WARN_CONTEXT_REFUSED      (1u << 6) /* the runtime refuses a context above the trained one */

/* Size one configuration. Fills *out completely on EST_OK; on error *out is
** zeroed. Pure. */
enum est_status est_estimate(const struct est_input *in, struct est_result *out);

/* Largest context (tokens, at the runtime's granularity) for which the
** verdict is RUNS or TIGHT with everything else as in *in (with n_cpu_moe
** given: for which the devices hold their part); 0 if none fits.
** Searches with est_estimate; capped at max(model max_position_embeddings,
** in->context) (or EST_CONTEXT_MAX when the model has no maximum). */
uint32_t est_max_context(const struct est_input *in);

/* Smallest --n-cpu-moe N (llama.cpp family, MoE models) with which the
** devices hold everything but the experts of N layers and RAM holds those
** (the verdict is then OFFLOAD: the experts run from RAM) at in->context,
** everything else as in *in; 0 when the model is not MoE, the runtime
** cannot do it, or no N fits. */
uint32_t est_min_cpu_moe(const struct est_input *in);

/* Highest-quality quant the runtime loads for which the verdict at
** in->context is RUNS or TIGHT; NULL if none. With in->context 0 the quants
** are compared at the context est_estimate reports for *in. */
const struct est_quant *est_best_quant(const struct est_input *in);

/* The budget alone (what est_estimate puts in memory_bytes/usable_bytes/
** budget_basis) for a device on a platform. */
void est_budget(const struct est_input *in, uint64_t *memory_bytes, uint64_t *usable_bytes,
                const char **basis);

/* Apple's GPU working-set ceiling (recommendedMaxWorkingSetSize) in bytes for
** a Mac with ram_gib of unified memory on macOS major.minor (0 = current). */
uint64_t est_apple_working_set_bytes(double ram_gib, uint32_t os_major, uint32_t os_minor);

/* Stable ids for the API. *_from_id: 0 on success, -1 when unknown
** (case-insensitive). */
const char *est_runtime_id(enum est_runtime rt);
int est_runtime_from_id(const char *id, enum est_runtime *out);
const char *est_device_kind_id(enum est_device_kind k);
int est_device_kind_from_id(const char *id, enum est_device_kind *out);
const char *est_backend_id(enum est_backend b);
int est_backend_from_id(const char *id, enum est_backend *out);
const char *est_os_id(enum est_os os);
int est_os_from_id(const char *id, enum est_os *out);
const char *est_kv_type_id(enum est_kv_type t);          /* "f16", ...; "default" for 0 */
int est_kv_type_from_id(const char *id, enum est_kv_type *out);
const char *est_verdict_id(enum est_verdict v);          /* "runs", "tight", ... */
/* Whether the runtime accepts this KV type (EST_KV_DEFAULT always true). */
bool est_kv_type_supported(enum est_runtime rt, enum est_kv_type t);

#endif

/* fixes_commands.c: the command templates of the fix plan, one row per runtime/platform with its source, and the slot expander; data and string work only: no I/O, no allocation, no globals beyond const tables.
**
** Slots ("{ctx}", "{quant}", ...) are filled by fixes.c. Each row names its
** upstream source (llama.cpp tools/server/README.md, ollama envconfig/config.go
** and docs, mlx-lm mlx_lm/convert.py + generate.py, mlx python/src/memory.cpp,
** vllm config/cache.py, lms src/subcommands/get.ts + docs/cli/load) and the
** section of the reference notes (reference/FLAGS.md, reference/ERRORS.md)
** where it was checked.
*/
#include "core/fixes_internal.h"

#include <string.h>

static const struct fix_command_row rows[] = {
    /* ---- smaller quant ---------------------------------------------------- */

    /* mlx-lm mlx_lm/convert.py: --hf-path (alias --model), -q/--quantize,
    ** --q-bits, --mlx-path (default "mlx_model"); affine group 64 is the
    ** default, so --q-group-size is not passed (FLAGS.md "mlx-lm CLI";
    ** ERRORS.md section 28 step 3). */
    {FIX_CMD_QUANT, EST_RUNTIME_MLX, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "mlx_lm.convert --hf-path {hf_repo} -q --q-bits {bits} --mlx-path {mlx_path}"},
    /* llama.cpp tools/quantize: llama-quantize <in.gguf> <out.gguf> <type>
    ** (FACTS.md section 3, quantize.cpp usage); for models with no
    ** catalogued GGUF repository the BF16 GGUF is made locally with
    ** convert_hf_to_gguf.py --outtype bf16 (fixes.c says how in the why). */
    {FIX_CMD_QUANT, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_NO_REPO,
     "llama-quantize {model}-BF16.gguf {model}-{quant}.gguf {quant}"},
    /* Ollama library tags of one quant build differ per model
    ** (ollama.com/library/<model>/tags: mixtral:8x7b-instruct-v0.1-q4_K_M,
    ** qwen3:8b-q4_K_M, deepseek-r1:7b-qwen-distill-q4_K_M); fixes.c builds
    ** {ollama_model} from the catalog's per-model template and list of
    ** published quants (seed/models.json ollama_quant_tag, ollama_quants). */
    {FIX_CMD_QUANT, EST_RUNTIME_OLLAMA, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "ollama pull {ollama_model}"},
    /* lms src/subcommands/get.ts: a bare "owner/name" is an LM Studio Hub
    ** artifact, so a Hugging Face repository goes in as its full URL; the
    ** quantization is appended with "@" and matched case-insensitively
    ** against the download options ("lms get
    ** https://huggingface.co/<repo>@<quant>" in several projects' docs).
    ** {gguf_repo} is the catalogued GGUF repository (seed/models.json). */
    {FIX_CMD_QUANT, EST_RUNTIME_LMSTUDIO, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "lms get https://huggingface.co/{gguf_repo}@{quant_lower}"},
    /* vLLM: --quantization fp8 quantizes the checkpoint's weights at load
    ** (docs/configuration/conserving_memory.md; FLAGS.md "vLLM"). */
    {FIX_CMD_QUANT, EST_RUNTIME_VLLM, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT, " --quantization fp8"},
    /* transformers: load in 4 bits with bitsandbytes (ERRORS.md section 34
    ** step 1: BitsAndBytesConfig(load_in_4bit=True)). */
    {FIX_CMD_QUANT, EST_RUNTIME_TRANSFORMERS, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "from transformers import AutoModelForCausalLM, BitsAndBytesConfig\n"
     "model = AutoModelForCausalLM.from_pretrained(\"{hf_repo}\", "
     "quantization_config=BitsAndBytesConfig(load_in_4bit=True), device_map=\"auto\")"},

    /* ---- running the model -------------------------------------------------- */

    /* llama.cpp tools/server/README.md: -hf <user>/<model>[:quant] downloads
    ** from Hugging Face; -ngl defaults to auto with --fit on, so it is not
    ** forced (FLAGS.md "llama.cpp", "Outdated"). {gguf_repo} is the
    ** catalogued GGUF repository of the model (seed/models.json gguf_repo:
    ** Qwen/Qwen2.5-32B-Instruct-GGUF, bartowski/Meta-Llama-3.1-8B-Instruct-
    ** GGUF), never guessed; without one, -m runs the local file. */
    {FIX_CMD_SERVE, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "llama-server -hf {gguf_repo}:{quant}{args}"},
    {FIX_CMD_SERVE, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_NO_REPO,
     "llama-server -m {model}-{quant}.gguf{args}"},
    /* mlx-lm mlx_lm/generate.py: --model <path or repo>, --max-kv-size N
    ** (rotating KV cache); --prompt defaults to "hello". */
    {FIX_CMD_SERVE, EST_RUNTIME_MLX, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "mlx_lm.generate --model {mlx_model}{args}"},
    /* vLLM: vllm serve <repo> (conserving_memory.md). */
    {FIX_CMD_SERVE, EST_RUNTIME_VLLM, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "vllm serve {hf_repo}{args}"},
    /* lms load <model_key> --context-length N --gpu <0-1|off|max>
    ** (lmstudio.ai/docs/cli/load; ERRORS.md section 39 step 2). */
    {FIX_CMD_SERVE, EST_RUNTIME_LMSTUDIO, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "lms load {model}{args}"},

    /* ---- argument fragments --------------------------------------------------- */

    /* llama.cpp -c, --ctx-size N (tools/server/README.md). */
    {FIX_CMD_ARG_CONTEXT, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT, " -c {ctx}"},
    /* mlx-lm generate.py --max-kv-size. */
    {FIX_CMD_ARG_CONTEXT, EST_RUNTIME_MLX, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " --max-kv-size {ctx}"},
    /* vLLM --max-model-len (conserving_memory.md; ERRORS.md section 37). */
    {FIX_CMD_ARG_CONTEXT, EST_RUNTIME_VLLM, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " --max-model-len {ctx}"},
    /* lms load --context-length (lmstudio.ai/docs/cli/load). */
    {FIX_CMD_ARG_CONTEXT, EST_RUNTIME_LMSTUDIO, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " --context-length {ctx}"},
    /* llama.cpp -ctk/-ctv q8_0; a quantized V cache needs flash attention,
    ** "-fa on" (the bare -fa is gone) (tools/server/README.md; ERRORS.md
    ** sections 3 and 12). */
    {FIX_CMD_ARG_KV, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " -ctk q8_0 -ctv q8_0 -fa on"},
    /* vLLM --kv-cache-dtype fp8 (vllm config/cache.py CacheDType). */
    {FIX_CMD_ARG_KV, EST_RUNTIME_VLLM, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " --kv-cache-dtype fp8"},
    /* llama.cpp -ngl N (tools/server/README.md). */
    {FIX_CMD_ARG_LAYERS, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT, " -ngl {ngl}"},
    /* llama.cpp -ncmoe, --n-cpu-moe N: keep the MoE weights of the first N
    ** layers in the CPU (common/arg.cpp; FLAGS.md "llama.cpp"; ERRORS.md
    ** section 1 step 5). */
    {FIX_CMD_ARG_CPU_MOE, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " --n-cpu-moe {n_cpu_moe}"},
    /* llama.cpp -ts, --tensor-split N0,N1,...: proportions per GPU for the
    ** default --split-mode layer (common/arg.cpp; FLAGS.md "llama.cpp"). */
    {FIX_CMD_ARG_SPLIT, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " --tensor-split {split}"},
    /* llama.cpp -ub, --ubatch-size N: physical maximum batch size, default
    ** 512 (common/arg.cpp; ERRORS.md section 19 step 2). */
    {FIX_CMD_ARG_UBATCH, EST_RUNTIME_LLAMACPP, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " -ub {ubatch}"},
    /* lms load --gpu <ratio 0-1> (lmstudio.ai/docs/cli/load). */
    {FIX_CMD_ARG_LAYERS, EST_RUNTIME_LMSTUDIO, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     " --gpu {gpu_ratio}"},

    /* ---- Ollama server environment -------------------------------------------- */

    /* ollama envconfig/config.go: OLLAMA_CONTEXT_LENGTH, OLLAMA_FLASH_ATTENTION
    ** (1 forces on), OLLAMA_KV_CACHE_TYPE (f16, q8_0, q4_0); docs/faq.mdx shows
    ** "OLLAMA_FLASH_ATTENTION=1 OLLAMA_KV_CACHE_TYPE=q8_0 ollama serve". On
    ** Windows the same variables are set in PowerShell. */
    {FIX_CMD_ENV_CONTEXT, EST_RUNTIME_OLLAMA, EST_OS_WINDOWS, FIX_ANY, FIX_VAR_DEFAULT,
     "$env:OLLAMA_CONTEXT_LENGTH=\"{ctx}\"; "},
    {FIX_CMD_ENV_CONTEXT, EST_RUNTIME_OLLAMA, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "OLLAMA_CONTEXT_LENGTH={ctx} "},
    {FIX_CMD_ENV_KV, EST_RUNTIME_OLLAMA, EST_OS_WINDOWS, FIX_ANY, FIX_VAR_DEFAULT,
     "$env:OLLAMA_FLASH_ATTENTION=\"1\"; $env:OLLAMA_KV_CACHE_TYPE=\"q8_0\"; "},
    {FIX_CMD_ENV_KV, EST_RUNTIME_OLLAMA, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "OLLAMA_FLASH_ATTENTION=1 OLLAMA_KV_CACHE_TYPE=q8_0 "},
    {FIX_CMD_ENV_SERVE, EST_RUNTIME_OLLAMA, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT, "{env}ollama serve"},
    /* Ollama num_gpu = layers to offload, set in the REPL with /set parameter
    ** (docs/modelfile.mdx; llm/llama_server.go passes it as -ngl). */
    {FIX_CMD_SET_LAYERS, EST_RUNTIME_OLLAMA, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "/set parameter num_gpu {ngl}"},

    /* ---- macOS GPU ceiling ------------------------------------------------------- */

    /* sudo sysctl iogpu.wired_limit_mb=<MB> on macOS 14 and later (mlx-lm README
    ** "Large Models"; MLX set_wired_limit docs); macOS 13 used
    ** debug.iogpu.wired_limit in bytes (community reports; ERRORS.md
    ** section 33). Not persistent across reboots. */
    {FIX_CMD_CEILING, FIX_ANY, EST_OS_MACOS, EST_BACKEND_METAL, FIX_VAR_OLD_MACOS,
     "sudo sysctl debug.iogpu.wired_limit={wired_bytes}"},
    {FIX_CMD_CEILING, FIX_ANY, EST_OS_MACOS, EST_BACKEND_METAL, FIX_VAR_DEFAULT,
     "sudo sysctl iogpu.wired_limit_mb={wired_mb}"},
    /* mlx python/src/memory.cpp: mx.set_memory_limit(bytes),
    ** mx.set_wired_limit(bytes) (not above the system wired limit; useful on
    ** macOS 15+); the mx.metal.* spellings are deprecated (FLAGS.md "MLX").
    ** These lines belong in the user's Python, so they are shell comments: the
    ** whole command still pastes into a terminal. */
    {FIX_CMD_CEILING_MLX, EST_RUNTIME_MLX, EST_OS_MACOS, EST_BACKEND_METAL, FIX_VAR_DEFAULT,
     "# in your own MLX code (mlx_lm.generate does this itself):\n"
     "#   import mlx.core as mx\n"
     "#   mx.set_memory_limit({wired_mb} * 1024**2)\n"
     "#   mx.set_wired_limit({wired_mb} * 1024**2)"},

    /* ---- memory hogs ------------------------------------------------------------- */

    /* macOS top: one sample (-l 1), sorted by memory (-o mem), ten
    ** processes, the columns that matter (top(1)); the seed page says
    ** Activity Monitor -> Memory, which shows the same list. */
    {FIX_CMD_HOGS, FIX_ANY, EST_OS_MACOS, FIX_ANY, FIX_VAR_DEFAULT,
     "top -l 1 -o mem -n 10 -stats pid,command,mem"},
    /* NVIDIA: processes holding VRAM (nvidia-smi --query-compute-apps;
    ** ERRORS.md sections 1 and 38 use nvidia-smi for the same check). */
    {FIX_CMD_HOGS, FIX_ANY, FIX_ANY, EST_BACKEND_CUDA, FIX_VAR_DEFAULT,
     "nvidia-smi --query-compute-apps=pid,process_name,used_memory --format=csv"},
    /* AMD: rocm-smi --showpids lists the processes using the GPU (ERRORS.md
    ** section 20 uses rocm-smi). */
    {FIX_CMD_HOGS, FIX_ANY, FIX_ANY, EST_BACKEND_ROCM, FIX_VAR_DEFAULT, "rocm-smi --showpids"},
    /* Windows: tasklist filter on memory usage in KB (tasklist /?). */
    {FIX_CMD_HOGS, FIX_ANY, EST_OS_WINDOWS, FIX_ANY, FIX_VAR_DEFAULT,
     "tasklist /fi \"memusage gt 1000000\""},
    /* Linux procps: processes by resident memory. */
    {FIX_CMD_HOGS, FIX_ANY, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT, "ps aux --sort=-rss | head -n 11"},

    /* ---- another runtime ------------------------------------------------------------ */

    /* llama.cpp on Metal/CUDA with the GGUF of the same model; -ngl is left at
    ** its default (auto, with --fit on), so llama.cpp places layers itself
    ** (tools/server/README.md; ERRORS.md notes on the example page, 6). */
    {FIX_CMD_ALT_LLAMACPP, FIX_ANY, FIX_ANY, FIX_ANY, FIX_VAR_DEFAULT,
     "llama-server -hf {gguf_repo}:{quant} -c {ctx}"},
    {FIX_CMD_ALT_LLAMACPP, FIX_ANY, FIX_ANY, FIX_ANY, FIX_VAR_NO_REPO,
     "llama-server -m {model}-{quant}.gguf -c {ctx}"},
};

#define ROWS (sizeof rows / sizeof rows[0])

static bool field_matches(int row, int value)
{
    return FIX_ANY == row || row == value;
}

const char *fix_command_template(enum fix_cmd cmd, enum est_runtime rt, enum est_os os,
                                 enum est_backend b, enum fix_variant variant)
{
    for (size_t i = 0; i < ROWS; i++) {
        const struct fix_command_row *r = &rows[i];
        if (r->cmd == cmd && r->variant == variant && field_matches(r->runtime, (int)rt) &&
            field_matches(r->os, (int)os) && field_matches(r->backend, (int)b))
            return r->text;
    }
    return NULL;
}

const struct fix_command_row *fix_command_row_at(size_t i)
{
    return i < ROWS ? &rows[i] : NULL;
}

int fix_expand(const char *tmpl, const struct fix_slot *slots, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    if (NULL == tmpl || NULL == out || 0 == cap)
        return -1;
    for (const char *p = tmpl; '\0' != *p;) {
        const char *val = NULL;
        size_t skip = 1;
        if ('{' == *p) {
            const char *close = strchr(p + 1, '}');
            if (NULL == close) {
                out[0] = '\0';
                return -1;
            }
            size_t name_len = (size_t)(close - p - 1);
            for (size_t i = 0; i < n && NULL == val; i++)
                if (strlen(slots[i].name) == name_len &&
                    0 == memcmp(slots[i].name, p + 1, name_len))
                    val = NULL != slots[i].value ? slots[i].value : "";
            if (NULL == val) {
                out[0] = '\0';
                return -1; /* unknown slot: a bug in the caller or the table */
            }
            skip = name_len + 2;
        }
        size_t len = NULL != val ? strlen(val) : 1;
        if (o + len >= cap) {
            out[0] = '\0';
            return -1;
        }
        memcpy(out + o, NULL != val ? val : p, len);
        o += len;
        p += skip;
    }
    out[o] = '\0';
    return 0;
}

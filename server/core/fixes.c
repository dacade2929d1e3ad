/* fixes.c: the ordered fix plan for a configuration that does not run well, re-estimated step by step, and the knowledge-base page a user would hit; pure: uses the estimator, snprintf for numbers, no I/O, no allocation, no globals.
**
** A plan applies steps cumulatively to a copy of the input: each step's
** verdict_after / total_bytes_after is est_estimate() of the input with that
** step and every earlier one applied. The order is fixed per situation:
** - the weights do not fit even at a small context: smaller quant, quantized
**   KV cache, context cap, macOS GPU ceiling, partial offload, memory hogs,
**   another runtime;
** - the weights fit and the KV cache is the problem: quantized KV cache,
**   context cap, macOS GPU ceiling, smaller quant, partial offload, memory
**   hogs, another runtime.
** Around them: a smaller -ub when one buffer is over Vulkan's allocation cap
** and a balanced --tensor-split when one GPU of a layer split overflows come
** first (they cost nothing; the split is tried again after the memory
** steps), and --n-cpu-moe for MoE models comes right before partial offload.
** A step is kept only when it applies to the runtime and platform and helps
** (less memory, a higher ceiling, a better verdict); the memory-hog step is
** always kept and says that it is not modelled. Command templates and their
** sources live in fixes_commands.c.
*/
#include "core/fixes.h"

#include "core/fixes_internal.h"
#include "core/textutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

/* A context cap below this many tokens is not offered: too small to use. */
#define FIX_MIN_CONTEXT 1024u
/* "Do the weights fit at all?" is asked at this context: llama.cpp's --fit
** never goes below --fit-ctx, default 4096 (FLAGS.md, tools/server/README.md). */
#define FIX_PROBE_CONTEXT 4096u
/* macOS keeps the larger of 4 GiB and 20 % of RAM when the GPU ceiling is
** raised. MLX requires the limit strictly below RAM; ERRORS.md section 33
** advises leaving 8-16 GB on large Macs and FACTS.md section 1b reports
** freezes on 16 GB Macs set too high. */
#define FIX_OS_RESERVE_MIN_MIB 4096u
#define FIX_OS_RESERVE_PERCENT 20u
/* Room for an Ollama library tag of one quant build. */
#define FIX_OLLAMA_TAG_MAX 200u

enum fix_kind {
    K_QUANT,
    K_KV,
    K_CONTEXT,
    K_CEILING,
    K_UBATCH,
    K_SPLIT,
    K_CPU_MOE,
    K_OFFLOAD,
    K_HOGS,
    K_ALT
};

/* The plan being built: the cumulative input, its estimate and what the
** commands built so far carry. */
struct plan {
    const struct fix_names *names;
    struct est_input in;
    struct est_result res;
    bool mlx_converted;       /* an MLX convert step wrote {mlx_path} */
    bool capped;              /* a context cap step was taken */
    uint32_t context_uncapped; /* the context before the cap */
    char ctx_arg[48];         /* the context setting in force: first of the args (" -c 8192"),
                                 or for Ollama first of the environment */
    char args[192];           /* CLI fragments so far (llama.cpp, MLX, vLLM, LM Studio) */
    char env[192];            /* Ollama environment so far */
    unsigned goal_step;       /* first step whose verdict is runs or tight; 0 = none */
    bool weights_first;       /* the weights alone do not fit: the quant step leads */
    bool local_noted;         /* a step already told how to make the local GGUF */
    bool checkpoint_noted;    /* a step already said what the AWQ/GPTQ checkpoint path stands for */
    bool split_tried;         /* the --tensor-split step was offered (it is tried twice) */
    struct fix_plan *out;
};

/* ---- small helpers ---------------------------------------------------------- */

static bool fits(enum est_verdict v)
{
    return EST_RUNS == v || EST_TIGHT == v;
}

static double gib(uint64_t bytes)
{
    return (double)bytes / GIB;
}

/* Append printf output to buf (cap bytes incl. NUL). -1 on truncation. */
__attribute__((format(printf, 3, 4))) static int appendf(char *buf, size_t cap, const char *fmt,
                                                          ...)
{
    size_t len = strlen(buf);
    if (len >= cap)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - len) {
        buf[len] = '\0';
        return -1;
    }
    return 0;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

static bool id_is(const struct est_quant *q, const char *id)
{
    return NULL != q && 0 == strcmp(q->id, id);
}

static bool is_gguf_runtime(enum est_runtime rt)
{
    return EST_RUNTIME_LLAMACPP == rt || EST_RUNTIME_OLLAMA == rt || EST_RUNTIME_LMSTUDIO == rt;
}

static bool is_apple(const struct est_input *in)
{
    return EST_DEVICE_UNIFIED == in->device.kind && EST_BACKEND_METAL == in->device.backend &&
           EST_OS_MACOS == in->os;
}

static bool shell_safe(const char *s);

static bool has_repo(const struct plan *p)
{
    return NULL != p->names && shell_safe(p->names->hf_repo);
}


/* Whether the names carry a GGUF repository ("owner/name") with at least
** one listed quant: only then do llama.cpp -hf and lms get name a
** repository (seed/models.json gguf_repo, gguf_quants). */
static bool has_gguf_repo_names(const struct fix_names *n)
{
    if (NULL == n || !shell_safe(n->gguf_repo) || NULL == n->gguf_quants)
        return false;
    const char *slash = strchr(n->gguf_repo, '/');
    if (NULL == slash || slash == n->gguf_repo || '\0' == slash[1] ||
        NULL != strchr(slash + 1, '/') || NULL != strchr(n->gguf_repo, ':'))
        return false;
    for (const char *q = n->gguf_quants; '\0' != *q; q++)
        if (' ' != *q)
            return true;
    return false;
}

static bool has_gguf_repo(const struct plan *p)
{
    return has_gguf_repo_names(p->names);
}

/* llama-quantize refuses these types without an importance matrix
** (tools/quantize/quantize.cpp: "Please do not use IQ1_S, IQ1_M, IQ2_S,
** IQ2_XXS, IQ2_XS or Q2_K_S quantization without an importance matrix"),
** so the local route never asks for them. */
static bool needs_imatrix(const struct est_quant *q)
{
    static const char *const ids[] = {"IQ1_S", "IQ1_M", "IQ2_S", "IQ2_XXS", "IQ2_XS"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (0 == strcmp(q->id, ids[i]))
            return true;
    return false;
}

/* Whether llama.cpp (and LM Studio) can get a GGUF of quant q for these
** names: with a catalogued repository, only a quant it holds; without
** one, llama.cpp makes the file locally (any GGUF type llama-quantize
** makes without an importance matrix), LM Studio none. */
static bool gguf_available(const struct fix_names *n, const struct est_quant *q,
                           enum est_runtime rt)
{
    if (NULL == q)
        return false;
    if (has_gguf_repo_names(n))
        return text_has_word(n->gguf_quants, q->id);
    return EST_RUNTIME_LLAMACPP == rt && EST_QF_GGUF == q->format && !needs_imatrix(q);
}

/* Estimate a variant of the plan's input; false when the estimator refuses. */
static bool try_estimate(const struct est_input *in, struct est_result *res)
{
    return EST_OK == est_estimate(in, res);
}

/* ---- names the commands need -------------------------------------------------- */

struct names_buf {
    char model[96];
    char hf_repo[160];
    char gguf_repo[160];
    char quant[24];        /* GGUF file tag: Q4_K_M, F16, BF16 */
    char quant_lower[24];
    char ollama_model[FIX_OLLAMA_TAG_MAX];
    char bits[4];
    char mlx_path[112];
    char mlx_model[192];
};

/* The GGUF tag of a quant as it appears in file names and -hf tags. */
static void gguf_tag(const struct est_quant *q, char *out, size_t cap)
{
    /* MXFP4_MOE files are published as "...-mxfp4.gguf" and fetched as
    ** ggml-org/gpt-oss-20b-GGUF:MXFP4 (the tag the model card and public
    ** configs use) */
    const char *tag = id_is(q, "bf16")        ? "BF16"
                      : id_is(q, "fp16")      ? "F16"
                      : id_is(q, "MXFP4_MOE") ? "MXFP4"
                                              : q->id;
    if (copy_str(out, cap, tag) != 0)
        out[0] = '\0';
}

/* "mlx-4bit" -> "4"; "" for other quants. */
static void mlx_bits(const struct est_quant *q, char *out, size_t cap)
{
    out[0] = '\0';
    if (NULL == q || EST_QF_MLX != q->format || 0 != strncmp(q->id, "mlx-", 4))
        return;
    size_t i = 0;
    for (const char *p = q->id + 4; *p >= '0' && *p <= '9' && i + 1 < cap; p++)
        out[i++] = *p;
    out[i] = '\0';
}

/* Ollama's spelling of a quant in library tags: q4_K_M, q8_0, fp16 (the
** GGUF id with a lowercase q; ollama.com/library/<model>/tags). "" for
** quants the library never publishes: IQ types, bf16, MLX and HF formats. */
static void ollama_quant(const struct est_quant *q, char *out, size_t cap)
{
    out[0] = '\0';
    if (id_is(q, "fp16")) {
        if (copy_str(out, cap, "fp16") != 0)
            out[0] = '\0';
        return;
    }
    if (NULL == q || EST_QF_GGUF != q->format || 'Q' != q->id[0] ||
        copy_str(out, cap, q->id) != 0) {
        out[0] = '\0';
        return;
    }
    out[0] = 'q';
}

/* Whether the word w (no spaces) is one of the space-separated words of list. */

/* Whether a name can go into a shell command as is: catalog ids, repository
** names and Ollama tags use only [A-Za-z0-9._-/:]. Anything else (a name
** typed for an inline model) is not used, so no command can carry shell
** syntax. */
static bool shell_safe(const char *s)
{
    if (NULL == s || '\0' == s[0] || '-' == s[0])
        return false;
    for (; '\0' != *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              '.' == c || '_' == c || '-' == c || '/' == c || ':' == c))
            return false;
    }
    return true;
}

/* The Ollama library tag of quant q for these names into out: the
** template with "{quant}" replaced by the library's spelling of q. 0 when
** written; 1 when there is none (no template, a template that is not
** exactly "<name>:<tag>" with one "{quant}" in the tag and shell-safe
** otherwise, or a quant not in names->ollama_quants: the planner never
** invents a tag); -1 when it does not fit out. */
static int ollama_library_tag(const struct fix_names *n, const struct est_quant *q, char *out,
                              size_t cap)
{
    static const char slot[] = "{quant}";
    char oq[24];
    out[0] = '\0';
    if (NULL == n || NULL == n->ollama_quant_tag)
        return 1;
    const char *t = n->ollama_quant_tag;
    const char *at = strstr(t, slot);
    const char *colon = strchr(t, ':');
    ollama_quant(q, oq, sizeof oq);
    if (NULL == at || NULL != strstr(at + 1, slot) || NULL == colon || colon > at ||
        '\0' == oq[0] || !text_has_word(n->ollama_quants, oq))
        return 1;
    const size_t head = (size_t)(at - t);
    if (snprintf(out, cap, "%.*s%s%s", (int)head, t, oq, at + sizeof slot - 1) >= (int)cap) {
        out[0] = '\0';
        return -1;
    }
    if (!shell_safe(out)) {
        out[0] = '\0';
        return 1;
    }
    return 0;
}

/* Whether runtime rt loads quant q from a separately quantized checkpoint.
** (transformers' 4-bit step quantizes the model's own repository with
** bitsandbytes at load, so its commands keep that repository.) */
static bool prequantized_checkpoint(enum est_runtime rt, const struct est_quant *q)
{
    return EST_RUNTIME_VLLM == rt && (id_is(q, "awq-int4") || id_is(q, "gptq-int4"));
}

/* Fill every name slot for quant q (the quant the command is about). */
static int names_fill(const struct plan *p, const struct est_quant *q, struct names_buf *nb)
{
    const struct fix_names *n = p->names;
    const char *model = (NULL != n && shell_safe(n->model_id)) ? n->model_id : "model";
    const char *repo = has_repo(p) ? n->hf_repo : "./model";
    memset(nb, 0, sizeof *nb);
    if (copy_str(nb->model, sizeof nb->model, model) != 0 ||
        copy_str(nb->hf_repo, sizeof nb->hf_repo, repo) != 0)
        return -1;
    /* vLLM loads AWQ/GPTQ weights from a checkpoint of their
    ** own (e.g. an "-AWQ" repository), not from the model's bf16 repository,
    ** and the catalog names none: the command points at a local directory
    ** the step's why explains (checkpoint_noted). */
    if (prequantized_checkpoint(p->in.runtime, q) &&
        snprintf(nb->hf_repo, sizeof nb->hf_repo, "./%s-%s", model, q->id) >=
            (int)sizeof nb->hf_repo)
        return -1;
    /* The catalogued GGUF repository, never one guessed from hf_repo: a
    ** "<repo>-GGUF" twin often does not exist (meta-llama, mistralai,
    ** google, openai publish none). "" when there is none (then no -hf or
    ** lms get command is rendered). */
    if (copy_str(nb->gguf_repo, sizeof nb->gguf_repo,
                 has_gguf_repo(p) && NULL != q && text_has_word(n->gguf_quants, q->id) ? n->gguf_repo
                                                                                : "") != 0)
        return -1;
    gguf_tag(q, nb->quant, sizeof nb->quant);
    for (size_t i = 0; '\0' != nb->quant[i]; i++)
        nb->quant_lower[i] = (nb->quant[i] >= 'A' && nb->quant[i] <= 'Z')
                                 ? (char)(nb->quant[i] - 'A' + 'a')
                                 : nb->quant[i];
    /* Ollama: the library tag of this quant build, spelled per model by the
    ** catalog ("mixtral:8x7b-instruct-v0.1-q4_K_M", "qwen3:8b-q4_K_M"), and
    ** only for a quant the library publishes; else "" (no pull offered).
    ** Never "hf.co/<repo>-GGUF:<quant>": a "-GGUF" twin of the repository
    ** often does not exist (meta-llama, mistralai, openai publish none) or
    ** lacks the quant (Qwen/Qwen3-8B-GGUF has no Q3_K_M). */
    if (ollama_library_tag(n, q, nb->ollama_model, sizeof nb->ollama_model) < 0)
        return -1;
    /* MLX: the converted model's directory, and the model generate loads. */
    mlx_bits(q, nb->bits, sizeof nb->bits);
    if (NULL != n && shell_safe(n->model_id) && '\0' != nb->bits[0]) {
        if (snprintf(nb->mlx_path, sizeof nb->mlx_path, "%s-%sbit", model, nb->bits) >=
            (int)sizeof nb->mlx_path)
            return -1;
    } else if (copy_str(nb->mlx_path, sizeof nb->mlx_path, "mlx_model") != 0) {
        return -1; /* mlx_lm.convert's default output directory */
    }
    if (p->mlx_converted || !has_repo(p)) {
        if (copy_str(nb->mlx_model, sizeof nb->mlx_model,
                     p->mlx_converted ? nb->mlx_path : repo) != 0)
            return -1;
    } else if ('\0' != nb->bits[0]) {
        /* Published conversions: mlx-community/<name>-<bits>bit (FLAGS.md
        ** "Model IDs", e.g. mlx-community/Qwen2.5-32B-Instruct-4bit). */
        const char *slash = strrchr(repo, '/');
        if (snprintf(nb->mlx_model, sizeof nb->mlx_model, "mlx-community/%s-%sbit",
                     NULL == slash ? repo : slash + 1, nb->bits) >= (int)sizeof nb->mlx_model)
            return -1;
    } else if (copy_str(nb->mlx_model, sizeof nb->mlx_model, repo) != 0) {
        return -1;
    }
    return 0;
}

/* Expand the template for cmd (this runtime, OS and backend) into out. -1
** when there is no template or it does not fit. */
static int render(const struct plan *p, enum fix_cmd cmd, enum est_runtime rt,
                  enum fix_variant variant, const struct names_buf *nb, const char *ctx,
                  const char *extra_name, const char *extra_value, char *out, size_t cap)
{
    const char *tmpl = fix_command_template(cmd, rt, p->in.os, p->in.device.backend, variant);
    if (NULL == tmpl)
        return -1;
    const bool ollama = EST_RUNTIME_OLLAMA == p->in.runtime;
    char args[sizeof p->ctx_arg + sizeof p->args];
    char env[sizeof p->ctx_arg + sizeof p->env];
    if (snprintf(args, sizeof args, "%s%s", ollama ? "" : p->ctx_arg, p->args) >=
            (int)sizeof args ||
        snprintf(env, sizeof env, "%s%s", ollama ? p->ctx_arg : "", p->env) >= (int)sizeof env)
        return -1;
    const struct fix_slot slots[] = {
        {"model", nb->model},
        {"hf_repo", nb->hf_repo},
        {"gguf_repo", nb->gguf_repo},
        {"quant", nb->quant},
        {"quant_lower", nb->quant_lower},
        {"ollama_model", nb->ollama_model},
        {"bits", nb->bits},
        {"mlx_path", nb->mlx_path},
        {"mlx_model", nb->mlx_model},
        {"ctx", ctx},
        {"args", args},
        {"env", env},
        {NULL == extra_name ? "-" : extra_name, extra_value},
    };
    return fix_expand(tmpl, slots, sizeof slots / sizeof slots[0], out, cap);
}

/* Append the fragment template cmd (with {ctx} or one extra slot) to dst. */
static int append_fragment(const struct plan *p, enum fix_cmd cmd, const struct names_buf *nb,
                           const char *ctx, const char *extra_name, const char *extra_value,
                           char *dst, size_t cap)
{
    char frag[128];
    if (render(p, cmd, p->in.runtime, FIX_VAR_DEFAULT, nb, ctx, extra_name, extra_value, frag,
               sizeof frag) != 0)
        return -1;
    return appendf(dst, cap, "%s", frag);
}

/* The command that runs the model with everything so far (p->args / p->env). */
static int render_serve(const struct plan *p, const struct names_buf *nb, char *out, size_t cap)
{
    enum est_runtime rt = p->in.runtime;
    if (EST_RUNTIME_OLLAMA == rt)
        return render(p, FIX_CMD_ENV_SERVE, rt, FIX_VAR_DEFAULT, nb, "", NULL, NULL, out, cap);
    enum fix_variant v = (EST_RUNTIME_LLAMACPP == rt && '\0' == nb->gguf_repo[0])
                             ? FIX_VAR_NO_REPO
                             : FIX_VAR_DEFAULT;
    return render(p, FIX_CMD_SERVE, rt, v, nb, "", NULL, NULL, out, cap);
}

/* ---- steps -------------------------------------------------------------------- */

/* Append to why how to make the local GGUF of in->quant that the llama.cpp
** command runs when no GGUF repository is catalogued: llama.cpp's
** convert_hf_to_gguf.py (--outtype bf16, --outfile) and llama-quantize
** <in.gguf> <out.gguf> <type> (README "Obtaining and quantizing models",
** tools/quantize/README.md); `hf download <repo> --local-dir <dir>` is the
** huggingface_hub CLI. */
static int local_gguf_note(const struct plan *p, const struct est_input *in, char *why,
                           size_t cap)
{
    const struct fix_names *n = p->names;
    const char *model = (NULL != n && shell_safe(n->model_id)) ? n->model_id : "model";
    char quant[24];
    gguf_tag(in->quant, quant, sizeof quant);
    if ('\0' == quant[0])
        return -1;
    if (has_repo(p)) {
        char none[200];
        if (has_gguf_repo(p))
            snprintf(none, sizeof none, "The catalogued GGUF repository (%s) holds no %s file",
                     n->gguf_repo, quant);
        else
            snprintf(none, sizeof none, "No GGUF repository of this model is catalogued");
        if (appendf(why, cap,
                    " %s, so make the file with llama.cpp: hf download %s --local-dir %s; python "
                    "convert_hf_to_gguf.py %s --outtype bf16 --outfile %s-BF16.gguf",
                    none, n->hf_repo, model, model, model) != 0)
            return -1;
    } else if (appendf(why, cap,
                       " Make the file with llama.cpp from the model's Hugging Face directory: "
                       "python convert_hf_to_gguf.py <model dir> --outtype bf16 --outfile "
                       "%s-BF16.gguf",
                       model) != 0) {
        return -1;
    }
    if (id_is(in->quant, "bf16"))
        return appendf(why, cap, ".");
    return appendf(why, cap, "; then llama-quantize %s-BF16.gguf %s-%s.gguf %s.", model, model,
                   quant, quant);
}

/* Record a step: adopt the new input and estimate, number it, mark steps
** after the first one that fits as alternatives. -1 when a text does not fit. */
static int add_step(struct plan *p, const char *title, const char *why, const char *command,
                    const struct est_input *in, const struct est_result *res)
{
    struct fix_plan *out = p->out;
    if (out->count >= FIX_MAX_STEPS)
        return 0; /* cannot happen: fewer kinds than slots */
    struct fix_step *s = &out->steps[out->count];
    memset(s, 0, sizeof *s);
    s->step = (unsigned)out->count + 1;
    if (copy_str(s->title, sizeof s->title, title) != 0 ||
        copy_str(s->why, sizeof s->why, why) != 0 ||
        copy_str(s->command, sizeof s->command, command) != 0)
        return -1;
    /* The first command that runs a local GGUF says how to make it. */
    if (EST_RUNTIME_LLAMACPP == in->runtime && !p->local_noted &&
        NULL != strstr(command, ".gguf")) {
        if (local_gguf_note(p, in, s->why, sizeof s->why) != 0)
            return -1;
        p->local_noted = true;
    }
    if (!p->checkpoint_noted && prequantized_checkpoint(in->runtime, res->quant)) {
        const char *model =
            (NULL != p->names && shell_safe(p->names->model_id)) ? p->names->model_id : "model";
        if (appendf(s->why, sizeof s->why,
                    " ./%s-%s stands for your %s checkpoint of the model (its directory or "
                    "Hugging Face id): %s weights come from their own repository.",
                    model, res->quant->id, res->quant->id, res->quant->id) != 0)
            return -1;
        p->checkpoint_noted = true;
    }
    if (0 != p->goal_step &&
        appendf(s->why, sizeof s->why, " An alternative: step %u already fits.", p->goal_step) != 0)
        return -1;
    s->verdict_after = res->verdict;
    s->total_bytes_after = res->total_bytes;
    p->in = *in;
    p->res = *res;
    out->count++;
    if (0 == p->goal_step && fits(res->verdict))
        p->goal_step = s->step;
    return 0;
}

/* Whether quant q is one the fix may switch runtime rt to (reachable with a
** command we have; whether it is smaller is checked by estimating it).
** names: for Ollama, only a quant the library publishes for the model. */
static bool quant_allowed(const struct est_quant *q, const struct est_quant *cur,
                          enum est_runtime rt, const struct fix_names *names)
{
    /* K-quants and legacy quants that published GGUF repositories and the
    ** Ollama library carry (e.g. Qwen/Qwen2.5-32B-Instruct-GGUF: q2_k ...
    ** q8_0; ollama.com/library/qwen2.5 tags: q2_K ... q8_0). IQ quants only
    ** when the file is made locally with llama-quantize (no repository).
    ** Ollama publishes per model a subset (qwen3: q4_K_M q8_0 fp16 only),
    ** listed in names->ollama_quants. llama.cpp and LM Studio: only the
    ** quants the catalogued GGUF repository holds (names->gguf_quants;
    ** Qwen/Qwen3-8B-GGUF has no Q3_K_M), else llama.cpp's local file. */
    static const char *const published[] = {"Q8_0",   "Q6_K",   "Q5_K_M", "Q5_K_S",
                                            "Q5_0",   "Q4_K_M", "Q4_K_S", "Q4_0",
                                            "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K"};
    if (!est_quant_runs_on(q, rt) || q == cur)
        return false;
    switch (rt) {
    case EST_RUNTIME_MLX:
        return EST_QF_MLX == q->format;
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_LMSTUDIO:
        return gguf_available(names, q, rt);
    case EST_RUNTIME_OLLAMA:
        for (size_t i = 0; i < sizeof published / sizeof published[0]; i++) {
            char tag[FIX_OLLAMA_TAG_MAX];
            if (!id_is(q, published[i]))
                continue;
            return 0 == ollama_library_tag(names, q, tag, sizeof tag);
        }
        return false;
    case EST_RUNTIME_VLLM:
        return id_is(q, "fp8");
    case EST_RUNTIME_TRANSFORMERS:
        /* bitsandbytes 4-bit, sized as the 4-bit HF row (about 4.1-4.2 bpw). */
        return id_is(q, "awq-int4");
    case EST_RUNTIME_COUNT:
    default:
        return false;
    }
}

/* The runtime's usual 4-bit-class target. */
static const struct est_quant *quant_target_default(enum est_runtime rt)
{
    switch (rt) {
    case EST_RUNTIME_MLX:
        return est_quant_find("mlx-4bit");
    case EST_RUNTIME_VLLM:
        return est_quant_find("fp8");
    case EST_RUNTIME_TRANSFORMERS:
        return est_quant_find("awq-int4");
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
    case EST_RUNTIME_LMSTUDIO:
    case EST_RUNTIME_COUNT:
    default:
        return est_quant_find("Q4_K_M");
    }
}

/* Whether quant c makes the weights smaller than the plan's current ones
** and runs or is tight at `context` (or merely is smaller, when !need_fit). */
static bool quant_helps(const struct plan *p, const struct est_quant *c, uint32_t context,
                        bool need_fit)
{
    struct est_input q = p->in;
    struct est_result r;
    q.quant = c;
    q.context = context;
    return quant_allowed(c, p->res.quant, p->in.runtime, p->names) &&
           try_estimate(&q, &r) && r.weights_bytes < p->res.weights_bytes &&
           (!need_fit || fits(r.verdict));
}

/* Highest-quality allowed quant, smaller than the current one, that runs or
** is tight at `context`. */
static const struct est_quant *best_allowed(const struct plan *p, uint32_t context)
{
    const struct est_quant *best = NULL;
    for (size_t i = 0; i < est_quant_count(); i++) {
        const struct est_quant *c = est_quant_at(i);
        if ((NULL == best || c->quality > best->quality) && quant_helps(p, c, context, true))
            best = c;
    }
    return best;
}

/* The quant to move to. When the plan already fits: a smaller one at least
** as good as the runtime's usual 4-bit quant, or none. Otherwise: the best
** one that fits at the current context when it is at least as good as the
** usual quant; else the usual quant when its weights fit at a small context
** (the context cap then does the rest); else the best one that fits at a
** small context; else the usual quant (smaller, even if not enough); else
** the best smaller quant that improves the verdict. */
static const struct est_quant *choose_quant(const struct plan *p)
{
    const enum est_runtime rt = p->in.runtime;
    const struct est_quant *usual = quant_target_default(rt);
    const struct est_quant *def = (NULL != usual && quant_helps(p, usual, p->res.context, false))
                                      ? usual
                                      : NULL;
    const struct est_quant *fit = best_allowed(p, p->res.context);
    /* Already fitting: only a quant as good as the usual one, for headroom. */
    if (fits(p->res.verdict))
        return (NULL != fit && NULL != usual && fit->quality >= usual->quality) ? fit : NULL;
    if (NULL != fit && (NULL == def || fit->quality >= def->quality))
        return fit;
    uint32_t probe = p->res.context < FIX_PROBE_CONTEXT ? p->res.context : FIX_PROBE_CONTEXT;
    if (NULL != def && quant_helps(p, def, probe, true))
        return def;
    const struct est_quant *small = best_allowed(p, probe);
    if (NULL != small)
        return small;
    if (NULL != def)
        return def;
    /* Nothing fits: the best smaller quant that at least improves the verdict
    ** (e.g. from won't run to running with offload). */
    const struct est_quant *better = NULL;
    for (size_t i = 0; i < est_quant_count(); i++) {
        const struct est_quant *c = est_quant_at(i);
        struct est_input q = p->in;
        struct est_result r;
        if ((NULL != better && c->quality <= better->quality) || !quant_helps(p, c, p->res.context, false))
            continue;
        q.quant = c;
        if (try_estimate(&q, &r) && r.verdict < p->res.verdict)
            better = c;
    }
    return better;
}

static int step_quant(struct plan *p)
{
    const enum est_runtime rt = p->in.runtime;
    const struct est_quant *cur = p->res.quant;
    if (NULL == cur)
        return 0;
    if (EST_RUNTIME_LMSTUDIO == rt && EST_QF_MLX == cur->format)
        return 0; /* no CLI spelling known for LM Studio's MLX downloads */
    if (EST_RUNTIME_TRANSFORMERS == rt && EST_BACKEND_CUDA != p->in.device.backend)
        return 0; /* bitsandbytes 4-bit is a CUDA feature */
    const struct est_quant *target = choose_quant(p);
    if (NULL == target)
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    in.quant = target;
    if (!try_estimate(&in, &res) || res.total_bytes >= p->res.total_bytes)
        return 0;

    struct names_buf nb;
    if (names_fill(p, target, &nb) != 0)
        return -1;
    char command[FIX_COMMAND_MAX] = "";
    char title[FIX_TITLE_MAX] = "";
    int rc = 0;
    switch (rt) {
    case EST_RUNTIME_MLX:
        if (render(p, FIX_CMD_QUANT, rt, FIX_VAR_DEFAULT, &nb, "", NULL, NULL, command,
                   sizeof command) != 0)
            return -1;
        rc = appendf(title, sizeof title, "Convert the model to %s-bit MLX (%s)", nb.bits,
                     target->id);
        p->mlx_converted = true;
        break;
    case EST_RUNTIME_LLAMACPP:
        if ('\0' == nb.gguf_repo[0]) {
            if (render(p, FIX_CMD_QUANT, rt, FIX_VAR_NO_REPO, &nb, "", NULL, NULL, command,
                       sizeof command) != 0 ||
                appendf(command, sizeof command, "\n") != 0)
                return -1;
        }
        {
            char serve[FIX_COMMAND_MAX];
            if (render_serve(p, &nb, serve, sizeof serve) != 0 ||
                appendf(command, sizeof command, "%s", serve) != 0)
                return -1;
        }
        rc = appendf(title, sizeof title, "Use the %s GGUF", nb.quant);
        break;
    case EST_RUNTIME_OLLAMA:
        if ('\0' == nb.ollama_model[0])
            return 0; /* the library publishes no such build */
        if (render(p, FIX_CMD_QUANT, rt, FIX_VAR_DEFAULT, &nb, "", NULL, NULL, command,
                   sizeof command) != 0)
            return -1;
        rc = appendf(title, sizeof title, "Pull the %s build", target->id);
        break;
    case EST_RUNTIME_LMSTUDIO:
        if ('\0' == nb.gguf_repo[0])
            return 0; /* no catalogued repository holding it to download from */
        if (render(p, FIX_CMD_QUANT, rt, FIX_VAR_DEFAULT, &nb, "", NULL, NULL, command,
                   sizeof command) != 0)
            return -1;
        rc = appendf(title, sizeof title, "Download the %s GGUF", nb.quant);
        break;
    case EST_RUNTIME_VLLM:
        if (append_fragment(p, FIX_CMD_QUANT, &nb, "", NULL, NULL, p->args, sizeof p->args) != 0 ||
            render_serve(p, &nb, command, sizeof command) != 0)
            return -1;
        rc = appendf(title, sizeof title, "Quantize the weights to FP8 at load");
        break;
    case EST_RUNTIME_TRANSFORMERS:
        if (render(p, FIX_CMD_QUANT, rt, FIX_VAR_DEFAULT, &nb, "", NULL, NULL, command,
                   sizeof command) != 0)
            return -1;
        rc = appendf(title, sizeof title, "Load the weights in 4 bits (bitsandbytes)");
        break;
    case EST_RUNTIME_COUNT:
    default:
        return 0;
    }
    if (rc != 0)
        return -1;

    char why[FIX_WHY_MAX] = "";
    if (appendf(why, sizeof why,
                "At %s the weights take %.1f GiB and the whole run %.1f GiB of the %.1f GiB "
                "usable; %s weights take %.1f GiB (%.1f GiB in all).%s",
                cur->id, gib(p->res.weights_bytes), gib(p->res.total_bytes),
                gib(p->res.usable_bytes), target->id, gib(res.weights_bytes),
                gib(res.total_bytes), p->weights_first ? " The biggest single win." : "") != 0)
        return -1;
    if (EST_RUNTIME_MLX == rt &&
        appendf(why, sizeof why, " The converted model is written to %s.", nb.mlx_path) != 0)
        return -1;
    if (EST_RUNTIME_TRANSFORMERS == rt &&
        appendf(why, sizeof why, " Sized as a 4-bit quant (%s row).", target->id) != 0)
        return -1;
    if (!fits(res.verdict) && res.total_bytes > res.usable_bytes &&
        appendf(why, sizeof why, " Still %.1f GiB over: the next steps close the gap.",
                gib(res.total_bytes - res.usable_bytes)) != 0)
        return -1;
    return add_step(p, title, why, command, &in, &res);
}

/* A step that leaves the verdict as it is and frees under 2 % of the usable
** memory is noise in a plan (a q8_0 cache of 0.1 GiB, a wired limit 0.2 GiB
** above the default): it is left out. */
static bool negligible(const struct plan *p, const struct est_result *res)
{
    if (res->verdict != p->res.verdict)
        return false;
    const int64_t before = (int64_t)p->res.usable_bytes - (int64_t)p->res.total_bytes;
    const int64_t after = (int64_t)res->usable_bytes - (int64_t)res->total_bytes;
    return after - before < (int64_t)(res->usable_bytes / 50);
}

static int step_kv(struct plan *p)
{
    const enum est_runtime rt = p->in.runtime;
    enum est_kv_type target;
    if (EST_RUNTIME_LLAMACPP == rt || EST_RUNTIME_OLLAMA == rt)
        target = EST_KV_Q8_0;
    else if (EST_RUNTIME_VLLM == rt)
        target = EST_KV_FP8;
    else
        return 0; /* MLX, LM Studio, transformers: no command line for it here */
    if (!(EST_KV_F16 == p->res.kv_type || EST_KV_BF16 == p->res.kv_type ||
          EST_KV_F32 == p->res.kv_type) ||
        !est_kv_type_supported(rt, target))
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    in.kv_type = target;
    if (EST_RUNTIME_LLAMACPP == rt)
        in.flash_attention = EST_ON;
    if (!try_estimate(&in, &res) || res.total_bytes >= p->res.total_bytes ||
        negligible(p, &res))
        return 0;

    struct names_buf nb;
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    if (names_fill(p, p->res.quant, &nb) != 0)
        return -1;
    if (EST_RUNTIME_OLLAMA == rt) {
        if (render(p, FIX_CMD_ENV_KV, rt, FIX_VAR_DEFAULT, &nb, "", NULL, NULL, command,
                   sizeof command) != 0 ||
            appendf(p->env, sizeof p->env, "%s", command) != 0)
            return -1;
    } else if (append_fragment(p, FIX_CMD_ARG_KV, &nb, "", NULL, NULL, p->args, sizeof p->args) !=
               0) {
        return -1;
    }
    if (render_serve(p, &nb, command, sizeof command) != 0)
        return -1;
    if (appendf(title, sizeof title, "Store the KV cache in %s",
                EST_KV_FP8 == target ? "FP8" : "8 bits (q8_0)") != 0)
        return -1;
    if (appendf(why, sizeof why,
                "The KV cache takes %.1f GiB at %u tokens; %s stores it in %.1f GiB with little "
                "quality loss.",
                gib(p->res.kv_cache_bytes), p->res.context, est_kv_type_id(target),
                gib(res.kv_cache_bytes)) != 0)
        return -1;
    if (EST_RUNTIME_LLAMACPP == rt &&
        appendf(why, sizeof why, " A quantized V cache needs flash attention, hence -fa on.") != 0)
        return -1;
    if (EST_RUNTIME_OLLAMA == rt &&
        appendf(why, sizeof why,
                " OLLAMA_FLASH_ATTENTION=1 turns on flash attention, which the quantized cache "
                "needs; restart the Ollama server with these settings.") != 0)
        return -1;
    return add_step(p, title, why, command, &in, &res);
}

static int step_context(struct plan *p)
{
    const enum est_runtime rt = p->in.runtime;
    if (EST_RUNTIME_TRANSFORMERS == rt)
        return 0; /* transformers has no context setting: the KV grows with use */
    uint32_t n = est_max_context(&p->in);
    if (n < FIX_MIN_CONTEXT || n >= p->res.context)
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    in.context = n;
    if (!try_estimate(&in, &res) || res.total_bytes >= p->res.total_bytes)
        return 0;

    struct names_buf nb;
    char ctx[16];
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    snprintf(ctx, sizeof ctx, "%u", n);
    if (names_fill(p, p->res.quant, &nb) != 0)
        return -1;
    /* the cap replaces the context setting the commands carried so far */
    p->ctx_arg[0] = '\0';
    if (EST_RUNTIME_OLLAMA == rt) {
        if (render(p, FIX_CMD_ENV_CONTEXT, rt, FIX_VAR_DEFAULT, &nb, ctx, NULL, NULL, p->ctx_arg,
                   sizeof p->ctx_arg) != 0)
            return -1;
    } else {
        if (append_fragment(p, FIX_CMD_ARG_CONTEXT, &nb, ctx, NULL, NULL, p->ctx_arg,
                            sizeof p->ctx_arg) != 0)
            return -1;
    }
    if (render_serve(p, &nb, command, sizeof command) != 0)
        return -1;
    char n_text[16], from_text[16];
    text_thousands(n, n_text, sizeof n_text);
    text_thousands(p->res.context, from_text, sizeof from_text);
    if (appendf(title, sizeof title, "Cap the context at %s tokens", n_text) != 0)
        return -1;
    if (0 != (p->res.warnings & EST_WARN_CONTEXT_REFUSED) && p->res.headroom_bytes >= 0) {
        if (appendf(why, sizeof why,
                    "vLLM accepts at most the context the model declares (max_position_embeddings, "
                    "%s tokens) and refuses to start above it; the memory is not the limit.",
                    n_text) != 0)
            return -1;
    } else if (appendf(why, sizeof why,
                       "The KV cache grows linearly with context: %.1f GiB at %s tokens. %s tokens "
                       "is the largest context that fits (%.1f GiB of KV cache).",
                       gib(p->res.kv_cache_bytes), from_text, n_text,
                       gib(res.kv_cache_bytes)) != 0)
        return -1;
    if (EST_RUNTIME_MLX == rt &&
        appendf(why, sizeof why,
                " --max-kv-size keeps a rotating cache: past %s tokens the oldest are dropped.",
                n_text) != 0)
        return -1;
    if (EST_RUNTIME_OLLAMA == rt &&
        appendf(why, sizeof why, " For one session instead: /set parameter num_ctx %u.", n) != 0)
        return -1;
    p->capped = true;
    p->context_uncapped = p->res.context;
    return add_step(p, title, why, command, &in, &res);
}

static int step_ceiling(struct plan *p)
{
    if (!is_apple(&p->in) || p->in.device.count > 1)
        return 0;
    const double ram_mib = p->in.device.memory_gib * 1024.0;
    if (!(ram_mib > 0.0) || ram_mib > 16.0 * 1024.0 * 1024.0)
        return 0;
    const uint32_t ram = (uint32_t)ram_mib;
    /* 20 % rounded up, so macOS keeps at least that much */
    uint32_t reserve = ram / 100 * FIX_OS_RESERVE_PERCENT +
                       (ram % 100 * FIX_OS_RESERVE_PERCENT + 99) / 100;
    if (reserve < FIX_OS_RESERVE_MIN_MIB)
        reserve = FIX_OS_RESERVE_MIN_MIB;
    if (reserve >= ram)
        return 0;
    const uint32_t limit = ram - reserve;
    if (p->in.wired_limit_mb >= limit)
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    in.wired_limit_mb = limit;
    if (!try_estimate(&in, &res) || res.usable_bytes <= p->res.usable_bytes ||
        negligible(p, &res))
        return 0;

    struct names_buf nb;
    char mb[16], bytes[24];
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    snprintf(mb, sizeof mb, "%u", limit);
    snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)limit * 1024ull * 1024ull);
    if (names_fill(p, p->res.quant, &nb) != 0)
        return -1;
    const bool ventura = 0 != p->in.os_version_major && p->in.os_version_major <= 13;
    if (render(p, FIX_CMD_CEILING, p->in.runtime, ventura ? FIX_VAR_OLD_MACOS : FIX_VAR_DEFAULT,
               &nb, "", ventura ? "wired_bytes" : "wired_mb", ventura ? bytes : mb, command,
               sizeof command) != 0)
        return -1;
    if (EST_RUNTIME_MLX == p->in.runtime) {
        char py[FIX_COMMAND_MAX];
        if (render(p, FIX_CMD_CEILING_MLX, p->in.runtime, FIX_VAR_DEFAULT, &nb, "", "wired_mb",
                   mb, py, sizeof py) != 0 ||
            appendf(command, sizeof command, "\n%s", py) != 0)
            return -1;
    }
    if (appendf(title, sizeof title, "Raise the macOS GPU memory limit to %u MiB", limit) != 0)
        return -1;
    if (appendf(why, sizeof why,
                "macOS lets the GPU use about %.1f GiB of the %.0f GiB by default; a wired limit "
                "of %u MiB raises that to %.1f GiB and leaves %.1f GiB to macOS (the larger of 4 "
                "GiB and 20 %% of RAM). It resets at reboot.",
                gib(p->res.usable_bytes), p->in.device.memory_gib, limit, gib(res.usable_bytes),
                reserve / 1024.0) != 0)
        return -1;
    if (EST_RUNTIME_MLX == p->in.runtime &&
        appendf(why, sizeof why,
                " mlx_lm.generate wires memory up to the new limit itself; in your own MLX code "
                "mx.set_memory_limit and mx.set_wired_limit (macOS 15+) do the same.") != 0)
        return -1;
    if ((EST_RUNTIME_OLLAMA == p->in.runtime || EST_RUNTIME_LMSTUDIO == p->in.runtime) &&
        appendf(why, sizeof why, " Restart the app after changing it.") != 0)
        return -1;
    if (p->capped) {
        struct est_input wide = in;
        wide.context = p->context_uncapped;
        uint32_t m = est_max_context(&wide);
        char m_text[16], full_text[16];
        text_thousands(m, m_text, sizeof m_text);
        text_thousands(p->context_uncapped, full_text, sizeof full_text);
        if (m > p->res.context && m < p->context_uncapped &&
            appendf(why, sizeof why, " With it, up to %s tokens of context fit.", m_text) != 0)
            return -1;
        if (m >= p->context_uncapped &&
            appendf(why, sizeof why, " With it, the full %s tokens fit.", full_text) != 0)
            return -1;
    }
    return add_step(p, title, why, command, &in, &res);
}

static int step_offload(struct plan *p)
{
    const enum est_runtime rt = p->in.runtime;
    if (!is_gguf_runtime(rt) || EST_OFFLOAD != p->res.verdict || 0 == p->res.gpu_layers_total)
        return 0;
    /* A MoE placement that llama-server's --fit made (experts in RAM, no
    ** --n-cpu-moe given) is not a layer count: an explicit -ngl would stop
    ** --fit ("n_gpu_layers already set by user, abort", common/fit.cpp) and
    ** lose the expert placement; the --n-cpu-moe step covers it. */
    if (0 != p->res.n_cpu_moe && 0 == p->in.n_cpu_moe)
        return 0;
    const uint32_t n = p->res.gpu_layers_offloaded, total = p->res.gpu_layers_total;
    struct names_buf nb;
    char num[16], ratio[16];
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    snprintf(num, sizeof num, "%u", n);
    snprintf(ratio, sizeof ratio, "%.2f", (double)n / (double)total);
    if (names_fill(p, p->res.quant, &nb) != 0)
        return -1;
    if (EST_RUNTIME_OLLAMA == rt) {
        if (render(p, FIX_CMD_SET_LAYERS, rt, FIX_VAR_DEFAULT, &nb, "", "ngl", num, command,
                   sizeof command) != 0)
            return -1;
    } else {
        if (append_fragment(p, FIX_CMD_ARG_LAYERS, &nb, "", EST_RUNTIME_LMSTUDIO == rt ? "gpu_ratio"
                                                                                      : "ngl",
                            EST_RUNTIME_LMSTUDIO == rt ? ratio : num, p->args,
                            sizeof p->args) != 0 ||
            render_serve(p, &nb, command, sizeof command) != 0)
            return -1;
    }
    if (appendf(title, sizeof title, "Keep %u of %u layers on the GPU", n, total) != 0)
        return -1;
    if (appendf(why, sizeof why,
                "%u of %u layers fit in the %.1f GiB the GPU may use; the rest run from system "
                "RAM, which is slower",
                n, total, gib(p->res.usable_bytes)) != 0)
        return -1;
    if (p->res.tokens_per_second > 0.0 &&
        appendf(why, sizeof why, " (about %.1f tokens/s)", p->res.tokens_per_second) != 0)
        return -1;
    if (appendf(why, sizeof why, ".%s",
                EST_RUNTIME_LLAMACPP == rt
                    ? " Current llama.cpp does this by itself (-ngl auto with --fit on); the "
                      "explicit number helps older builds and scripts."
                    : "") != 0)
        return -1;
    return add_step(p, title, why, command, &p->in, &p->res);
}

/* llama.cpp -ub N: a smaller physical batch shrinks the biggest compute
** tensors (the logits and attention scores of one micro-batch), the usual
** single buffer over Vulkan's per-allocation cap (ERRORS.md section 19 step
** 2). Halves -ub down to 32 and keeps the first size under the cap. */
static int step_ubatch(struct plan *p)
{
    if (EST_RUNTIME_LLAMACPP != p->in.runtime ||
        0 == (p->res.warnings & EST_WARN_ALLOCATION_CAP))
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    uint32_t ub = in.ubatch ? in.ubatch : 512u;
    bool found = false;
    while (ub > 32u && !found) {
        ub /= 2u;
        in.ubatch = ub;
        found = try_estimate(&in, &res) && 0 == (res.warnings & EST_WARN_ALLOCATION_CAP);
    }
    if (!found)
        return 0;
    struct names_buf nb;
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    char num[16];
    snprintf(num, sizeof num, "%u", ub);
    if (names_fill(p, p->res.quant, &nb) != 0 ||
        append_fragment(p, FIX_CMD_ARG_UBATCH, &nb, "", "ubatch", num, p->args, sizeof p->args) !=
            0 ||
        render_serve(p, &nb, command, sizeof command) != 0)
        return -1;
    if (appendf(title, sizeof title, "Shrink the micro-batch to -ub %u", ub) != 0 ||
        appendf(why, sizeof why,
                "The biggest single buffer, %.2f GiB, is over the %.2f GiB the Vulkan driver "
                "allows one allocation; with -ub %u it is %.2f GiB. Prompt processing gets "
                "somewhat slower.",
                gib(p->res.largest_allocation_bytes), p->in.device.max_allocation_gib, ub,
                gib(res.largest_allocation_bytes)) != 0)
        return -1;
    return add_step(p, title, why, command, &in, &res);
}

/* llama.cpp --tensor-split: when one device of a layer split overflows but
** the balanced split the estimate reports fits, pass it as whole layers per
** device (exact: llama.cpp normalises the shares). */
static int step_split(struct plan *p)
{
    const uint32_t count = p->in.device.count;
    if (p->split_tried || EST_RUNTIME_LLAMACPP != p->in.runtime || count < 2 ||
        count > EST_SPLIT_MAX || fits(p->res.verdict) || p->res.devices_reported != count)
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    char shares[160] = "";
    bool differs = false;
    for (uint32_t d = 0; d < count; d++) {
        double layers = p->res.tensor_split[d] * (double)p->res.gpu_layers_total;
        uint32_t c = (uint32_t)(layers + 0.5);
        in.tensor_split[d] = (double)c;
        differs = differs || in.tensor_split[d] != p->in.tensor_split[d];
        if (appendf(shares, sizeof shares, "%s%u", d ? "," : "", c) != 0)
            return -1;
    }
    if (!differs || !try_estimate(&in, &res) || !fits(res.verdict))
        return 0;
    p->split_tried = true;
    struct names_buf nb;
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    if (names_fill(p, p->res.quant, &nb) != 0 ||
        append_fragment(p, FIX_CMD_ARG_SPLIT, &nb, "", "split", shares, p->args,
                        sizeof p->args) != 0 ||
        render_serve(p, &nb, command, sizeof command) != 0)
        return -1;
    char held[160] = "";
    for (uint32_t d = 0; d < count; d++)
        if (appendf(held, sizeof held, "%s%.1f", d ? " / " : "", gib(res.device_bytes[d])) != 0)
            return -1;
    if (appendf(title, sizeof title, "Split the layers %s over the GPUs", shares) != 0 ||
        appendf(why, sizeof why,
                "With every layer on the GPUs, the split llama.cpp picks by itself leaves one "
                "GPU over its share (the one holding the output layer also runs the widest "
                "compute buffer). --tensor-split %s sets the layers per GPU so that each holds "
                "its part: %s GiB of the %.1f GiB each may use.",
                shares, held, gib(res.device_usable_bytes)) != 0)
        return -1;
    return add_step(p, title, why, command, &in, &res);
}

/* llama.cpp --n-cpu-moe N: the routed experts of the first N layers stay in
** system RAM, everything else on the GPU; far faster than moving whole
** layers, so it comes before the plain offload step. N is the smallest that
** fits (est_min_cpu_moe). */
static int step_cpu_moe(struct plan *p)
{
    /* llama-server's --fit already keeps experts in RAM when the model does
    ** not fit (the answer then has n_cpu_moe > 0): the flag is the fix only
    ** where --fit does not run, e.g. a --tensor-split set by hand */
    if (EST_RUNTIME_LLAMACPP != p->in.runtime || fits(p->res.verdict) || 0 != p->res.n_cpu_moe)
        return 0;
    const uint32_t n = est_min_cpu_moe(&p->in);
    if (0 == n)
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    in.n_cpu_moe = n;
    if (!try_estimate(&in, &res) || res.verdict > p->res.verdict ||
        res.n_cpu_moe == 0)
        return 0;
    struct names_buf nb;
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    char num[16];
    snprintf(num, sizeof num, "%u", n);
    if (names_fill(p, p->res.quant, &nb) != 0 ||
        append_fragment(p, FIX_CMD_ARG_CPU_MOE, &nb, "", "n_cpu_moe", num, p->args,
                        sizeof p->args) != 0 ||
        render_serve(p, &nb, command, sizeof command) != 0)
        return -1;
    if (appendf(title, sizeof title, "Keep the experts of %u layers in system RAM", n) != 0 ||
        appendf(why, sizeof why,
                "Mixture-of-experts: only a few experts run per token, so their weights can "
                "stay in RAM while attention, KV cache and the rest stay on the GPU. With the "
                "experts of the first %u of %u layers in RAM the GPU holds %.1f GiB and RAM "
                "%.1f GiB; slower than all on the GPU, much faster than moving whole layers.",
                n, res.gpu_layers_total ? res.gpu_layers_total - 1 : 0,
                gib(res.device_bytes[0]), gib(res.host_bytes)) != 0)
        return -1;
    return add_step(p, title, why, command, &in, &res);
}

static int step_hogs(struct plan *p)
{
    struct names_buf nb;
    char command[FIX_COMMAND_MAX];
    const char *title;
    const char *why;
    if (names_fill(p, p->res.quant, &nb) != 0)
        return -1;
    if (render(p, FIX_CMD_HOGS, p->in.runtime, FIX_VAR_DEFAULT, &nb, "", NULL, NULL, command,
               sizeof command) != 0)
        return -1;
    if (EST_DEVICE_UNIFIED == p->in.device.kind) {
        title = "Quit memory-hungry apps";
        why = "Unified memory is shared with every app: a browser, Xcode indexing or a chat app "
              "can hold several GB (Activity Monitor > Memory shows the same list). Quit the "
              "biggest ones before loading the model. Not modelled: verdict_after is the "
              "estimate of the previous step.";
    } else if (EST_DEVICE_GPU == p->in.device.kind && EST_BACKEND_CPU != p->in.device.backend) {
        title = "Stop other processes that hold GPU memory";
        why = "A desktop compositor, a browser or another model server can hold VRAM, so less "
              "is free than the card has. Stop the ones listed. Not modelled: verdict_after is "
              "the estimate of the previous step.";
    } else {
        title = "Close memory-hungry programs";
        why = "Other programs take RAM the model needs. Close the biggest ones. Not modelled: "
              "verdict_after is the estimate of the previous step.";
    }
    return add_step(p, title, why, command, &p->in, &p->res);
}

/* The GGUF for another runtime: the same bits for an MLX quant (the MLX and
** GGUF steps of the plan then agree), else the best that fits. */
static const struct est_quant *gguf_equivalent(const struct plan *p)
{
    static const struct {
        const char *from, *to;
    } map[] = {
        {"mlx-8bit", "Q8_0"},   {"mlx-6bit", "Q6_K"},   {"mlx-5bit", "Q5_K_M"},
        {"mlx-4bit", "Q4_K_M"}, {"mlx-3bit", "Q3_K_M"},
    };
    const struct est_quant *q = p->res.quant;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        const struct est_quant *to = est_quant_find(map[i].to);
        if (id_is(q, map[i].from) && gguf_available(p->names, to, EST_RUNTIME_LLAMACPP))
            return to;
    }
    /* Others (unquantized, FP8, 4-bit HF): the best published GGUF that fits,
    ** else the usual Q4_K_M. */
    struct est_input in = p->in;
    const struct est_quant *best = NULL;
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.kv_type = EST_KV_DEFAULT;
    in.flash_attention = EST_AUTO;
    for (size_t i = 0; i < est_quant_count(); i++) {
        const struct est_quant *c = est_quant_at(i);
        struct est_result r;
        if (!quant_allowed(c, q, EST_RUNTIME_LLAMACPP, p->names) ||
            (NULL != best && c->quality <= best->quality))
            continue;
        in.quant = c;
        if (try_estimate(&in, &r) && fits(r.verdict))
            best = c;
    }
    if (NULL != best)
        return best;
    /* Nothing fits: the usual Q4_K_M when it can be had, else the smallest
    ** quant there is (lowest quality rank); NULL when there is none. */
    const struct est_quant *usual = est_quant_find("Q4_K_M");
    if (gguf_available(p->names, usual, EST_RUNTIME_LLAMACPP))
        return usual;
    for (size_t i = 0; i < est_quant_count(); i++) {
        const struct est_quant *c = est_quant_at(i);
        if (gguf_available(p->names, c, EST_RUNTIME_LLAMACPP) && EST_QF_GGUF == c->format &&
            (NULL == best || c->quality < best->quality))
            best = c;
    }
    return best;
}

static int step_alt(struct plan *p)
{
    const enum est_runtime rt = p->in.runtime;
    if (!(EST_RUNTIME_MLX == rt || EST_RUNTIME_TRANSFORMERS == rt || EST_RUNTIME_VLLM == rt))
        return 0;
    const struct est_quant *q = gguf_equivalent(p);
    if (NULL == q)
        return 0;
    struct est_input in = p->in;
    struct est_result res;
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.quant = q;
    in.kv_type = EST_KV_DEFAULT;
    in.flash_attention = EST_AUTO;
    if (!try_estimate(&in, &res) || EST_WONT_RUN == res.verdict)
        return 0;

    struct names_buf nb;
    char ctx[16];
    char command[FIX_COMMAND_MAX];
    char title[FIX_TITLE_MAX] = "";
    char why[FIX_WHY_MAX] = "";
    const bool metal = EST_BACKEND_METAL == p->in.device.backend;
    snprintf(ctx, sizeof ctx, "%u", res.context);
    if (names_fill(p, q, &nb) != 0)
        return -1;
    if (render(p, FIX_CMD_ALT_LLAMACPP, EST_RUNTIME_LLAMACPP,
               '\0' != nb.gguf_repo[0] ? FIX_VAR_DEFAULT : FIX_VAR_NO_REPO,
               &nb, ctx, NULL, NULL, command, sizeof command) != 0)
        return -1;
    if (appendf(title, sizeof title, "Or run it with llama.cpp%s", metal ? " on Metal" : "") != 0)
        return -1;
    if (appendf(why, sizeof why,
                "llama.cpp%s allocates differently from %s and can keep layers in system RAM; "
                "the %s GGUF at %u tokens needs %.1f GiB. -ngl stays at its default (auto, with "
                "--fit on), so llama.cpp places the layers itself.",
                metal ? "'s Metal backend" : "",
                EST_RUNTIME_MLX == rt ? "MLX" : EST_RUNTIME_VLLM == rt ? "vLLM" : "transformers",
                nb.quant, res.context,
                gib(res.total_bytes)) != 0)
        return -1;
    return add_step(p, title, why, command, &in, &res);
}

/* ---- public --------------------------------------------------------------------- */

int fix_plan_build(const struct est_input *in, const struct est_result *res,
                   const struct fix_names *names, struct fix_plan *out)
{
    if (NULL == out)
        return -1;
    memset(out, 0, sizeof *out);
    if (NULL == in || NULL == res || NULL == res->quant)
        return -1;
    if (EST_RUNS == res->verdict)
        return 0;

    struct plan p;
    memset(&p, 0, sizeof p);
    p.names = names;
    p.in = *in;
    p.in.quant = res->quant;     /* defaults resolved, so steps change one thing */
    p.in.context = res->context;
    p.res = *res;
    p.out = out;
    /* llama-server, vLLM, lms load and ollama serve each pick their own
    ** context when given none (llama-server -c 0: the model's trained
    ** context; Ollama: by VRAM), so the commands carry the context that was
    ** sized; a context cap step replaces it. */
    const enum est_runtime rt0 = p.in.runtime;
    if (EST_RUNTIME_LLAMACPP == rt0 || EST_RUNTIME_VLLM == rt0 || EST_RUNTIME_OLLAMA == rt0 ||
        (EST_RUNTIME_LMSTUDIO == rt0 && EST_QF_MLX != p.in.quant->format)) {
        struct names_buf none;
        char ctx0[16];
        memset(&none, 0, sizeof none);
        snprintf(ctx0, sizeof ctx0, "%u", p.in.context);
        if (render(&p, EST_RUNTIME_OLLAMA == rt0 ? FIX_CMD_ENV_CONTEXT : FIX_CMD_ARG_CONTEXT, rt0,
                   FIX_VAR_DEFAULT, &none, ctx0, NULL, NULL, p.ctx_arg, sizeof p.ctx_arg) != 0) {
            memset(out, 0, sizeof *out);
            return -1;
        }
    }

    /* Do the weights fit at a small context? If not, the quant comes first. */
    struct est_input probe = p.in;
    struct est_result pr;
    probe.context = res->context < FIX_PROBE_CONTEXT ? res->context : FIX_PROBE_CONTEXT;
    const bool weights_first = !(try_estimate(&probe, &pr) && fits(pr.verdict));
    p.weights_first = weights_first;

    /* the micro-batch (Vulkan's allocation cap) and the tensor split cost
    ** nothing and come first; the split is tried again after the memory
    ** steps; --n-cpu-moe comes before the plain layer offload */
    static const enum fix_kind weights_order[] = {
        K_UBATCH, K_SPLIT, K_QUANT,   K_KV,      K_CONTEXT, K_CEILING,
        K_SPLIT,  K_CPU_MOE, K_OFFLOAD, K_HOGS,  K_ALT};
    static const enum fix_kind kv_order[] = {
        K_UBATCH, K_SPLIT, K_KV,      K_CONTEXT, K_CEILING, K_QUANT,
        K_SPLIT,  K_CPU_MOE, K_OFFLOAD, K_HOGS,  K_ALT};
    /* vLLM refusing a context above the trained one is no memory problem
    ** when the memory is there: capping the context is the fix. */
    static const enum fix_kind refused_order[] = {K_CONTEXT, K_ALT};
    const bool refused_only =
        0 != (res->warnings & EST_WARN_CONTEXT_REFUSED) && res->headroom_bytes >= 0;
    const enum fix_kind *order = refused_only    ? refused_order
                                 : weights_first ? weights_order
                                                 : kv_order;
    const size_t n_order = refused_only ? sizeof refused_order / sizeof refused_order[0]
                                        : sizeof weights_order / sizeof weights_order[0];
    for (size_t i = 0; i < n_order; i++) {
        int rc = 0;
        switch (order[i]) {
        case K_QUANT: rc = step_quant(&p); break;
        case K_KV: rc = step_kv(&p); break;
        case K_CONTEXT: rc = step_context(&p); break;
        case K_CEILING: rc = step_ceiling(&p); break;
        case K_UBATCH: rc = step_ubatch(&p); break;
        case K_SPLIT: rc = step_split(&p); break;
        case K_CPU_MOE: rc = step_cpu_moe(&p); break;
        case K_OFFLOAD: rc = step_offload(&p); break;
        case K_HOGS: rc = step_hogs(&p); break;
        case K_ALT: rc = step_alt(&p); break;
        }
        if (rc != 0) {
            memset(out, 0, sizeof *out);
            return -1;
        }
    }
    return 0;
}

/* Page ids: the knowledge-base pages (seed/errors/<id>.json). */
const char *fix_error_id(const struct est_input *in, const struct est_result *res)
{
    if (NULL == in || NULL == res)
        return NULL;
    /* Offload runs (slower): no error page. */
    if (EST_WONT_RUN != res->verdict)
        return NULL;
    const enum est_backend b = in->device.backend;
    const bool cpu = EST_DEVICE_CPU == in->device.kind || EST_BACKEND_CPU == b;
    /* Whether the weights (and fixed reserves) alone exceed the budget, or
    ** the KV cache and activations on top of them. */
    const bool weights_over = res->weights_bytes + res->overhead_bytes > res->usable_bytes;
    /* a configuration check, before any memory is allocated */
    if (0 != (res->warnings & EST_WARN_CONTEXT_REFUSED))
        return "vllm-max-model-len-exceeds-derived";
    if (cpu)
        return EST_OS_LINUX == in->os ? "linux-oom-killer-killed" : NULL;
    /* one buffer over the driver's per-allocation limit (ERRORS.md section
    ** 19; seed/errors/vulkan-max-allocation-exceeded.json) */
    if (EST_BACKEND_VULKAN == b && 0 != (res->warnings & EST_WARN_ALLOCATION_CAP))
        return "vulkan-max-allocation-exceeded";
    switch (in->runtime) {
    case EST_RUNTIME_MLX:
        /* the page is Metal's; MLX's CUDA and CPU back-ends have none */
        return EST_BACKEND_METAL == b ? "metal-allocator-oom" : NULL;
    case EST_RUNTIME_LMSTUDIO:
        if (NULL != res->quant && EST_QF_MLX == res->quant->format)
            return "metal-allocator-oom";
        if (EST_BACKEND_METAL == b)
            return "llamacpp-metal-buffer-alloc-failed";
        /* LM Studio's guardrails refuse the load before llama.cpp tries it. */
        return "lmstudio-insufficient-system-resources";
    case EST_RUNTIME_OLLAMA:
        if (EST_BACKEND_METAL == b)
            return "llamacpp-metal-buffer-alloc-failed"; /* the memory check is skipped on macOS */
        return "ollama-requires-more-system-memory";
    case EST_RUNTIME_LLAMACPP:
        switch (b) {
        case EST_BACKEND_METAL: return "llamacpp-metal-buffer-alloc-failed";
        case EST_BACKEND_ROCM: return "rocm-hip-out-of-memory";
        case EST_BACKEND_VULKAN: return "vulkan-error-out-of-device-memory";
        case EST_BACKEND_CUDA:
            return weights_over ? "llamacpp-cuda-cudamalloc-oom" : "llamacpp-kv-cache-alloc-failed";
        case EST_BACKEND_CPU:
        case EST_BACKEND_COUNT:
        default: return NULL;
        }
    case EST_RUNTIME_VLLM:
        /* Weights beyond the card fail in PyTorch while loading; weights in the
        ** budget but nothing left: no cache blocks; some left: max seq len. */
        if (res->weights_bytes + res->overhead_bytes > res->memory_bytes)
            return EST_BACKEND_ROCM == b ? "rocm-hip-out-of-memory" : "pytorch-cuda-oom";
        if (res->weights_bytes + res->overhead_bytes + res->compute_bytes >= res->usable_bytes)
            return "vllm-no-available-memory-for-cache-blocks";
        return "vllm-max-seq-len-exceeds-kv-cache";
    case EST_RUNTIME_TRANSFORMERS:
        switch (b) {
        case EST_BACKEND_CUDA: return "pytorch-cuda-oom";
        case EST_BACKEND_METAL: return "pytorch-mps-oom";
        case EST_BACKEND_ROCM: return "rocm-hip-out-of-memory";
        case EST_BACKEND_VULKAN:
        case EST_BACKEND_CPU:
        case EST_BACKEND_COUNT:
        default: return NULL;
        }
    case EST_RUNTIME_COUNT:
    default:
        return NULL;
    }
}

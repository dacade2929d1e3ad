/* handle_check.c: the GET and POST /check handlers: parse -> resolve ->
** estimate -> plan fixes -> render the whole answer, or a problem document;
** a repeated identical request gets the first answer's bytes (check_cache.c).
** No MHD calls and no error JSON built by hand (problem.c renders those).
*/
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../core/estimator.h"
#include "../core/fixes.h"
#include "../core/textutil.h"
#include "check_cache.h"
#include "check_input.h"
#include "handlers.h"
#include "problem.h"
#include "request.h"

/* Bytes per GiB. The human text uses GiB throughout, as the fix plan does
** and as vendors' memory figures are (a "24 GB" card holds 24 GiB). */
#define BYTES_PER_GIB 1073741824.0

/* ---------------------------------------------------------------------------
** Text helpers
*/

/* Append printf output to buf at *used; false (and buf unchanged past *used)
** when it does not fit. */
static bool append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (*used >= cap)
        return false;
    va_start(ap, fmt);
    n = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap - *used) {
        buf[*used] = '\0';
        return false;
    }
    *used += (size_t)n;
    return true;
}

static double gib(uint64_t bytes)
{
    return (double)bytes / BYTES_PER_GIB;
}

/* Whether this runtime places whole layers on the GPU and the rest in system
** RAM (llama.cpp's -ngl; Ollama and LM Studio's GGUF engine do the same). */
static bool splits_layers(const struct est_input *e)
{
    if (e->runtime == EST_RUNTIME_LLAMACPP || e->runtime == EST_RUNTIME_OLLAMA)
        return true;
    if (e->runtime == EST_RUNTIME_LMSTUDIO)
        return !(e->quant && e->quant->format == EST_QF_MLX);
    return false;
}

/* A fix title as a clause inside a sentence: trailing period dropped, first
** letter lowercased unless the first word looks like a name (MLX, Ollama). */
static bool clause_of(const char *title, char *out, size_t cap)
{
    /* "Or run it with llama.cpp" is an alternative in the plan; in the
    ** summary's "..., then run it with llama.cpp" the "Or" does not belong. */
    if (0 == strncmp(title, "Or ", 3))
        title += 3;
    size_t n = strlen(title);
    static const char *const names[] = {"Ollama", "Metal", "Apple",   "Windows",
                                        "Linux",  "LM ",   "Hugging", "Mac"};
    while (n > 0 && (title[n - 1] == '.' || title[n - 1] == ' '))
        n--;
    if (n == 0 || n >= cap)
        return false;
    memcpy(out, title, n);
    out[n] = '\0';
    bool keep = !(out[0] >= 'A' && out[0] <= 'Z') || n < 2 || !(out[1] >= 'a' && out[1] <= 'z');
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !keep; i++)
        keep = strncmp(out, names[i], strlen(names[i])) == 0;
    if (!keep)
        out[0] = (char)(out[0] - 'A' + 'a');
    return true;
}

/* The one or two sentences a person reads first. Returns false when it does
** not fit buf (a bug: the caller answers 500). */
static bool write_summary(const struct check_input *in, const struct est_result *res,
                          const struct fix_plan *plan, char *buf, size_t cap)
{
    size_t used = 0;
    char ctx[32];
    const bool many = in->gpu_count > 1;
    const char *who = in->est.device.kind == EST_DEVICE_CPU ? "the runtime"
                      : many                                ? "the GPUs"
                                                            : "the GPU";
    const bool refused = 0 != (res->warnings & EST_WARN_CONTEXT_REFUSED);
    const bool fits = res->verdict == EST_RUNS || res->verdict == EST_TIGHT ||
                      (refused && res->headroom_bytes >= 0);
    bool ok;

    text_thousands(res->context, ctx, sizeof ctx);
    ok = append(buf, cap, &used, "%s at %s with %s token%s", in->model_name,
                res->quant ? res->quant->id : in->quant_id, ctx, res->context == 1 ? "" : "s");
    /* --n-cpu-moe: where the experts went is part of the configuration */
    const bool fit_moe = res->n_cpu_moe > 0 && in->est.n_cpu_moe == 0;
    ok = ok && append(buf, cap, &used, " needs %.1f GiB %s ", gib(res->total_bytes),
                      fits ? "and" : "but");
    if (many) {
        /* per device: the fullest one is the one that fails first */
        uint64_t fullest = 0;
        for (uint32_t i = 0; i < res->devices_reported && i < EST_SPLIT_MAX; i++)
            fullest = res->device_bytes[i] > fullest ? res->device_bytes[i] : fullest;
        ok = ok && append(buf, cap, &used, "%u x %s let %s use %.1f GiB", in->gpu_count,
                          in->hardware_name, who, gib(res->usable_bytes));
        if (fullest > 0 && res->device_usable_bytes > 0)
            ok = ok && append(buf, cap, &used, " (the fullest GPU holds %.1f of its %.1f GiB)",
                              gib(fullest), gib(res->device_usable_bytes));
        ok = ok && append(buf, cap, &used, ": ");
    } else
        ok = ok && append(buf, cap, &used, "the %s lets %s use %.1f GiB: ", in->hardware_name, who,
                          gib(res->usable_bytes));
    switch (res->verdict) {
    case EST_RUNS:
        ok = ok && append(buf, cap, &used, "it runs, with %.1f GiB to spare.",
                          gib((uint64_t)res->headroom_bytes));
        break;
    case EST_TIGHT:
        ok = ok && append(buf, cap, &used,
                          "it fits, but with only %.1f GiB to spare (under 10%%), so other apps "
                          "can push it over.",
                          gib(res->headroom_bytes > 0 ? (uint64_t)res->headroom_bytes : 0));
        break;
    case EST_OFFLOAD:
        if (res->n_cpu_moe > 0) {
            /* experts in RAM: by llama-server's --fit or --n-cpu-moe */
            ok = ok && append(buf, cap, &used,
                              "it runs with the experts of %u of its layers in system RAM%s, "
                              "which is slower.",
                              res->n_cpu_moe,
                              fit_moe ? " (as llama-server's --fit places them)" : "");
            break;
        }
        if (res->gpu_layers_total == 0) {
            ok = ok && append(buf, cap, &used,
                              "it runs only with part of the model in system RAM, which is much "
                              "slower.");
            break;
        }
        ok = ok && append(buf, cap, &used,
                          "it runs with %u of %u layers on the GPU and the rest in system RAM, "
                          "which is much slower.",
                          res->gpu_layers_offloaded, res->gpu_layers_total);
        break;
    case EST_WONT_RUN:
        if (refused) {
            char trained[32];
            text_thousands(in->est.model.max_position_embeddings, trained, sizeof trained);
            ok = ok && append(buf, cap, &used,
                              "%s vLLM refuses to start with a context above the model's %s "
                              "tokens.",
                              fits ? "the memory is there, but" : "it won't run, and", trained);
        } else
            ok = ok && append(buf, cap, &used, "it won't run.");
        break;
    }
    if (!ok)
        return false;

    if (res->verdict == EST_RUNS) {
        if (res->tokens_per_second > 0)
            ok = append(buf, cap, &used, " Expect about %.1f tokens per second.",
                        round(res->tokens_per_second * 10.0) / 10.0);
        return ok;
    }
    /* The steps up to the first that reaches the goal: RUNS for a tight
    ** answer, RUNS or TIGHT otherwise. */
    size_t goal = plan->count;
    for (size_t i = 0; i < plan->count && goal == plan->count; i++) {
        enum est_verdict v = plan->steps[i].verdict_after;
        if (v == EST_RUNS || (v == EST_TIGHT && res->verdict != EST_TIGHT))
            goal = i;
    }
    if (goal == plan->count) {
        if (res->verdict != EST_WONT_RUN)
            return ok;
        /* No step fits, but one may get it running with part of it in
        ** system RAM (offload). */
        size_t runs = plan->count;
        for (size_t i = 0; i < plan->count && runs == plan->count; i++)
            if (plan->steps[i].verdict_after == EST_OFFLOAD)
                runs = i;
        if (runs < plan->count)
            return append(buf, cap, &used,
                          " No fix below keeps it all on the GPU; step %zu gets it running with "
                          "part of it in system RAM (much slower).",
                          runs + 1);
        return append(buf, cap, &used,
                      plan->count ? " None of the fixes below makes it fit; it needs "
                                    "a device with more memory."
                                  : " It needs a device with more memory.");
    }
    ok = append(buf, cap, &used, " %s",
                res->verdict == EST_TIGHT     ? "For more room:"
                : res->verdict == EST_OFFLOAD ? "To make it fit the GPU:"
                                              : "To make it fit:");
    /* The first step that fits may be an alternative ("Or run it with
    ** llama.cpp"): then the steps before it are not the way there. */
    const bool alternative = 0 == strncmp(plan->steps[goal].title, "Or ", 3);
    for (size_t i = alternative ? goal : 0; ok && i <= goal; i++) {
        char clause[FIX_TITLE_MAX];
        if (!clause_of(plan->steps[i].title, clause, sizeof clause))
            continue;
        ok = append(buf, cap, &used, "%s%s", i > (alternative ? goal : 0) ? ", then " : " ",
                    clause);
    }
    return ok && append(buf, cap, &used, alternative ? " instead." : ".");
}

/* ---------------------------------------------------------------------------
** JSON building: every set is checked; one failure fails the whole answer
*/

/* json_integer for byte counts; NULL past INT64_MAX (never for sane input). */
static json_t *json_u64(uint64_t v)
{
    if (v > (uint64_t)INT64_MAX)
        return NULL;
    return json_integer((json_int_t)v);
}

static json_t *json_string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Set o[k] = v (stealing v); records a failure in *bad. */
static void put(json_t *o, const char *k, json_t *v, bool *bad)
{
    if (json_object_set_new(o, k, v) != 0)
        *bad = true;
}

static json_t *render_footprint(const struct est_result *res)
{
    bool bad = false;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "weights_bytes", json_u64(res->weights_bytes), &bad);
    put(o, "kv_cache_bytes", json_u64(res->kv_cache_bytes), &bad);
    put(o, "compute_bytes", json_u64(res->compute_bytes), &bad);
    put(o, "overhead_bytes", json_u64(res->overhead_bytes), &bad);
    put(o, "total_bytes", json_u64(res->total_bytes), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *render_budget(const struct est_result *res)
{
    bool bad = false;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "memory_bytes", json_u64(res->memory_bytes), &bad);
    put(o, "usable_bytes", json_u64(res->usable_bytes), &bad);
    put(o, "basis", json_string_or_null(res->budget_basis), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *render_gpu_layers(const struct check_input *in, const struct est_result *res)
{
    bool bad = false;
    json_t *o;
    if (!splits_layers(&in->est))
        return json_null();
    o = json_object();
    if (!o)
        return NULL;
    put(o, "offloaded", json_integer(res->gpu_layers_offloaded), &bad);
    put(o, "total", json_integer(res->gpu_layers_total), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A tokens-per-second figure rounded to 0.1, or null when unknown (0). */
static json_t *json_rate(double tps)
{
    if (isfinite(tps) && tps > 0)
        return json_real(round(tps * 10.0) / 10.0);
    return json_null();
}

static json_t *render_speed(const struct est_result *res)
{
    bool bad = false;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "tokens_per_second", json_rate(res->tokens_per_second), &bad);
    put(o, "basis", json_string_or_null(res->speed_basis), &bad);
    put(o, "prompt_tokens_per_second", json_rate(res->prompt_tokens_per_second), &bad);
    put(o, "prompt_basis", json_string_or_null(res->prompt_speed_basis), &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* What each device holds: one object per reported device; none on a CPU. */
static json_t *render_devices(const struct check_input *in, const struct est_result *res)
{
    json_t *arr = json_array();
    uint32_t n = res->devices_reported < EST_SPLIT_MAX ? res->devices_reported : EST_SPLIT_MAX;
    if (!arr)
        return NULL;
    if (in->est.device.kind == EST_DEVICE_CPU)
        return arr;
    for (uint32_t i = 0; i < n; i++) {
        bool bad = false;
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
        put(o, "index", json_integer(i), &bad);
        put(o, "total_bytes", json_u64(res->device_bytes[i]), &bad);
        put(o, "usable_bytes", json_u64(res->device_usable_bytes), &bad);
        if (bad) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* n proportions as a JSON array, each rounded to `scale` (1000 = 3 decimals;
** 0 = as given). */
static json_t *json_split(const double *split, uint32_t n, double scale)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (uint32_t i = 0; i < n && i < EST_SPLIT_MAX; i++) {
        double v = isfinite(split[i]) && split[i] > 0 ? split[i] : 0.0;
        if (scale > 0)
            v = round(v * scale) / scale;
        if (json_array_append_new(arr, json_real(v)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *render_fixes(const struct fix_plan *plan)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < plan->count; i++) {
        const struct fix_step *s = &plan->steps[i];
        bool bad = false;
        json_t *o = json_object();
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
        put(o, "step", json_integer(s->step), &bad);
        put(o, "title", json_string(s->title), &bad);
        put(o, "why", json_string(s->why), &bad);
        put(o, "command", json_string(s->command), &bad);
        put(o, "verdict_after", json_string(est_verdict_id(s->verdict_after)), &bad);
        put(o, "total_bytes_after", json_u64(s->total_bytes_after), &bad);
        if (bad) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* The V cache type sized: the one given, else the same as the K type. */
static enum est_kv_type v_type(const struct check_input *in, const struct est_result *res)
{
    return in->est.kv_type_v != EST_KV_DEFAULT ? in->est.kv_type_v : res->kv_type;
}

/* The normalized request: every default filled in, ids resolved, and the
** values the estimator actually used (context, KV type, flash attention). */
static json_t *render_inputs(const struct check_input *in, const struct est_result *res)
{
    bool bad = false;
    const struct est_input *e = &in->est;
    json_t *o = json_object();
    if (!o)
        return NULL;
    put(o, "model", json_string(in->model_id), &bad);
    put(o, "quant", json_string(res->quant ? res->quant->id : in->quant_id), &bad);
    put(o, "context", json_integer(res->context), &bad);
    put(o, "hardware", json_string(in->hardware_id), &bad);
    put(o, "runtime", json_string(est_runtime_id(e->runtime)), &bad);
    put(o, "kv_cache", json_string(est_kv_type_id(res->kv_type)), &bad);
    put(o, "kv_cache_v", json_string(est_kv_type_id(v_type(in, res))), &bad);
    put(o, "flash_attention", json_boolean(res->flash_attention), &bad);
    put(o, "batch", json_integer(res->batch ? res->batch : 1), &bad);
    /* -ub for the llama.cpp engines (default 512); other runtimes have none */
    if (in->llamacpp_engine)
        put(o, "ubatch", json_integer(e->ubatch ? e->ubatch : CHECK_UBATCH_DEFAULT), &bad);
    else
        put(o, "ubatch", json_null(), &bad);
    put(o, "gpu_count", json_integer(in->gpu_count), &bad);
    put(o, "tensor_split",
        in->tensor_split_given ? json_split(e->tensor_split, in->gpu_count, 0) : json_null(), &bad);
    put(o, "n_cpu_moe", json_integer(e->n_cpu_moe), &bad);
    put(o, "os", json_string(est_os_id(e->os)), &bad);
    /* macOS version: as given, or "current" (the API's default); null off macOS */
    if (e->os == EST_OS_MACOS)
        put(o, "os_version", json_string(in->os_version[0] ? in->os_version : "current"), &bad);
    else
        put(o, "os_version", json_null(), &bad);
    put(o, "wired_limit_mb", e->wired_limit_mb ? json_integer(e->wired_limit_mb) : json_null(),
        &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Append one printf-formatted warning string to arr; records failures. */
static void warn(json_t *arr, bool *bad, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void warn(json_t *arr, bool *bad, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof text || json_array_append_new(arr, json_string(text)) != 0)
        *bad = true;
}

static json_t *render_warnings(const struct check_input *in, const struct est_result *res)
{
    bool bad = false;
    json_t *arr = json_array();
    char a[32], b[32];
    if (!arr)
        return NULL;
    if (res->warnings & EST_WARN_CONTEXT_ABOVE_TRAINED) {
        text_thousands(res->context, a, sizeof a);
        text_thousands(in->est.model.max_position_embeddings, b, sizeof b);
        warn(arr, &bad,
             "The context (%s tokens) is above the model's trained maximum of %s tokens "
             "(max_position_embeddings); answers past that length may degrade.",
             a, b);
    }
    if (res->warnings & EST_WARN_CONTEXT_REFUSED) {
        text_thousands(res->context, a, sizeof a);
        text_thousands(in->est.model.max_position_embeddings, b, sizeof b);
        warn(arr, &bad,
             "vLLM refuses to start with --max-model-len %s: the model declares %s tokens "
             "(max_position_embeddings). Serve at most %s, or extend it with the model's rope "
             "scaling; VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 overrides the check at your own risk.",
             a, b, b);
    }
    if (res->warnings & EST_WARN_CEILING_APPROXIMATE)
        warn(arr, &bad,
             "The GPU limit for this Mac is approximate: it comes from values measured on Macs "
             "with the same RAM and a similar macOS. llama.cpp prints the exact figure at "
             "startup as recommendedMaxWorkingSetSize.");
    if (res->warnings & EST_WARN_KV_TYPE_NEEDS_FA)
        warn(arr, &bad,
             "A quantized V cache (%s) needs flash attention, so it was sized with flash "
             "attention on.",
             est_kv_type_id(v_type(in, res)));
    if (res->warnings & EST_WARN_PARAMS_DERIVED)
        warn(arr, &bad,
             "The model gives no params, so its parameter count was derived from the "
             "architecture.");
    if (res->warnings & EST_WARN_SPEED_UNKNOWN)
        warn(arr, &bad,
             "No memory bandwidth is known for this hardware, so there is no speed estimate.");
    if (res->warnings & EST_WARN_ALLOCATION_CAP) {
        if (in->est.device.max_allocation_gib > 0)
            warn(arr, &bad,
                 "A single buffer of %.2f GiB exceeds the backend's per-allocation limit of "
                 "%.2f GiB (max_allocation_gb), so loading can fail even though the total fits.",
                 gib(res->largest_allocation_bytes), in->est.device.max_allocation_gib);
        else
            warn(arr, &bad,
                 "A single buffer of %.2f GiB exceeds the %s backend's per-allocation limit, so "
                 "loading can fail even though the total fits.",
                 gib(res->largest_allocation_bytes), est_backend_id(in->est.device.backend));
    }
    if (in->system_ram_assumed &&
        (res->verdict == EST_OFFLOAD || (res->verdict == EST_WONT_RUN && splits_layers(&in->est))))
        warn(arr, &bad,
             "The %s has no system RAM figure, so offloading was sized assuming %.0f GiB of "
             "system RAM.",
             in->hardware ? "hardware entry" : "inline hardware", CHECK_ASSUMED_SYSTEM_RAM_GIB);
    if (bad) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* The whole 200 body as a new reference, or NULL (nothing half-built leaks). */
static json_t *render(const struct check_input *in, const struct est_result *res,
                      uint32_t max_context, const struct est_quant *best,
                      const struct fix_plan *plan, const char *error_id)
{
    bool bad = false;
    char summary[2048];
    char url[160];
    json_t *o;

    if (!write_summary(in, res, plan, summary, sizeof summary))
        return NULL;
    if (error_id) {
        int n = snprintf(url, sizeof url, "/errors/%s", error_id);
        if (n < 0 || (size_t)n >= sizeof url)
            return NULL;
    }
    o = json_object();
    if (!o)
        return NULL;
    put(o, "verdict", json_string(est_verdict_id(res->verdict)), &bad);
    put(o, "summary", json_string(summary), &bad);
    put(o, "footprint", render_footprint(res), &bad);
    put(o, "budget", render_budget(res), &bad);
    put(o, "headroom_bytes", json_integer((json_int_t)res->headroom_bytes), &bad);
    put(o, "max_context", json_integer(max_context), &bad);
    put(o, "best_quant", best ? json_string(best->id) : json_null(), &bad);
    put(o, "gpu_layers", render_gpu_layers(in, res), &bad);
    put(o, "devices", render_devices(in, res), &bad);
    put(o, "host_bytes", json_u64(res->host_bytes), &bad);
    put(o, "tensor_split",
        in->gpu_count > 1 ? json_split(res->tensor_split, res->devices_reported, 1000.0)
                          : json_null(),
        &bad);
    put(o, "n_cpu_moe", json_integer(res->n_cpu_moe), &bad);
    put(o, "largest_allocation_bytes", json_u64(res->largest_allocation_bytes), &bad);
    put(o, "speed", render_speed(res), &bad);
    put(o, "error_id", json_string_or_null(error_id), &bad);
    put(o, "error_url", error_id ? json_string(url) : json_null(), &bad);
    put(o, "fixes", render_fixes(plan), &bad);
    put(o, "inputs", render_inputs(in, res), &bad);
    put(o, "warnings", render_warnings(in, res), &bad);
    json_t *est = json_object();
    if (est)
        put(est, "version", json_string(EST_VERSION), &bad);
    put(o, "estimator", est, &bad);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* ---------------------------------------------------------------------------
** Estimate and answer
*/

static unsigned internal_error(const struct request *rq, struct problem *pb, struct response *out,
                               const char *what)
{
    problem_set(pb, API_ERR_INTERNAL, "%s (request %s).", what,
                rq->request_id ? rq->request_id : "-");
    return response_problem(out, pb);
}

/* Which of the llama.cpp-only settings makes an estimate EST_E_UNSUPPORTED:
** the first whose removal lets the estimator size the rest. Records it in
** *pb and returns true, or returns false when none of them is the cause. */
static bool unsupported_field(const struct check_input *in, struct problem *pb)
{
    const struct est_input *e = &in->est;
    const char *rt = est_runtime_id(e->runtime);
    struct est_result scratch;
    struct est_input t;

    if (e->kv_type_v != EST_KV_DEFAULT) {
        t = *e;
        t.kv_type_v = EST_KV_DEFAULT;
        if (est_estimate(&t, &scratch) != EST_E_UNSUPPORTED) {
            problem_add_param(pb, "kv_cache_v",
                              "%s cannot run a %s V cache with this K cache; it sets the K and "
                              "V cache types together (only llama.cpp and lmstudio with a GGUF "
                              "quant take a separate V type): give kv_cache only",
                              rt, est_kv_type_id(e->kv_type_v));
            return true;
        }
    }
    if (e->n_cpu_moe > 0) {
        t = *e;
        t.n_cpu_moe = 0;
        if (est_estimate(&t, &scratch) != EST_E_UNSUPPORTED) {
            problem_add_param(pb, "n_cpu_moe",
                              "%s cannot keep a model's experts in system RAM by layer "
                              "(llama.cpp's --n-cpu-moe); run it with llama.cpp or leave "
                              "n_cpu_moe out",
                              rt);
            return true;
        }
    }
    if (in->tensor_split_given) {
        t = *e;
        memset(t.tensor_split, 0, sizeof t.tensor_split);
        if (est_estimate(&t, &scratch) != EST_E_UNSUPPORTED) {
            problem_add_param(pb, "tensor_split",
                              "%s does not take proportions per GPU (llama.cpp's "
                              "--tensor-split; only llama.cpp does): leave tensor_split out",
                              rt);
            return true;
        }
    }
    if (e->ubatch != 0) {
        t = *e;
        t.ubatch = 0;
        if (est_estimate(&t, &scratch) != EST_E_UNSUPPORTED) {
            problem_add_param(pb, "ubatch",
                              "%s does not take a physical batch size (llama.cpp's -ub); "
                              "leave ubatch out",
                              rt);
            return true;
        }
    }
    return false;
}

/* The estimator refused the configuration: a sentence, and for an
** unsupported combination the field to change. */
static unsigned estimator_problem(const struct check_input *in, enum est_status st,
                                  struct problem *pb, struct response *out)
{
    const struct est_input *e = &in->est;
    char ctx[32];
    text_thousands(e->context, ctx, sizeof ctx);
    switch (st) {
    case EST_E_RANGE:
        problem_set(pb, API_ERR_UNPROCESSABLE,
                    "%s with a context of %s tokens and a batch of %u is too large to size: "
                    "the byte counts would overflow. Lower the context or the batch, or check "
                    "the model's numbers.",
                    in->model_name, e->context ? ctx : "default", e->batch ? e->batch : 1);
        break;
    case EST_E_INVALID:
        problem_set(pb, API_ERR_UNPROCESSABLE,
                    "The architecture of %s is inconsistent (for example no layers, or KV heads "
                    "that do not divide the attention heads), so it cannot be sized.",
                    in->model_name);
        break;
    case EST_E_UNSUPPORTED:
        if (e->quant && !est_quant_runs_on(e->quant, e->runtime))
            problem_add_param(pb, "quant", "%s cannot load %s", est_runtime_id(e->runtime),
                              e->quant->id);
        else if (!est_kv_type_supported(e->runtime, e->kv_type))
            problem_add_param(pb, "kv_cache", "%s does not offer a %s KV cache",
                              est_runtime_id(e->runtime), est_kv_type_id(e->kv_type));
        else if (!unsupported_field(in, pb))
            problem_add_param(pb, "runtime", "%s cannot run this model on the %s (%s, %s)",
                              est_runtime_id(e->runtime), in->hardware_name,
                              est_backend_id(e->device.backend), est_os_id(e->os));
        problem_set(pb, API_ERR_INVALID_PARAMS,
                    "This combination cannot run: %s; invalid_params names the field to change.",
                    pb->params[0].reason);
        break;
    case EST_OK:
        break;
    }
    return response_problem(out, pb);
}

static unsigned answer(const struct request *rq, const struct check_input *in, struct problem *pb,
                       struct response *out)
{
    struct est_result res;
    struct fix_plan plan;
    struct fix_names names;
    enum est_status st = est_estimate(&in->est, &res);

    if (st != EST_OK)
        return estimator_problem(in, st, pb, out);
    /* The contract: total = the sum of the parts, to the byte. */
    if (res.weights_bytes + res.kv_cache_bytes + res.compute_bytes + res.overhead_bytes !=
        res.total_bytes)
        return internal_error(rq, pb, out, "The estimate's parts do not add up to its total");

    uint32_t max_context = est_max_context(&in->est);
    const struct est_quant *best = est_best_quant(&in->est);
    names.model_id = in->model_id;
    names.hf_repo = in->model && in->model->hf_repo[0] ? in->model->hf_repo : NULL;
    names.ollama_tag = in->model && in->model->ollama_tag[0] ? in->model->ollama_tag : NULL;
    names.ollama_quant_tag =
        in->model && in->model->ollama_quant_tag[0] ? in->model->ollama_quant_tag : NULL;
    names.ollama_quants =
        in->model && in->model->ollama_quants[0] ? in->model->ollama_quants : NULL;
    names.gguf_repo = in->model && in->model->gguf_repo[0] ? in->model->gguf_repo : NULL;
    names.gguf_quants = in->model && in->model->gguf_quants[0] ? in->model->gguf_quants : NULL;
    if (fix_plan_build(&in->est, &res, &names, &plan) != 0)
        return internal_error(rq, pb, out, "The fix plan could not be built");
    const char *error_id = fix_error_id(&in->est, &res);

    json_t *body = render(in, &res, max_context, best, &plan, error_id);
    if (!body)
        return internal_error(rq, pb, out, "The answer could not be rendered");
    return response_json(out, 200, body);
}

unsigned handle_check_get(const struct request *rq, struct response *out)
{
    struct problem pb;
    struct check_input in;
    struct check_cache_key key;
    static const struct query_list empty;

    problem_init(&pb);
    pb.instance = rq->path;
    if (!rq->catalog) {
        problem_set(&pb, API_ERR_UNAVAILABLE, "The catalog is not loaded yet.");
        return response_problem(out, &pb);
    }
    /* The catalog never changes while serving: the same question always
    ** gets the same bytes, so a repeat is answered from this thread's cache. */
    bool cacheable =
        check_cache_capacity() > 0 && check_cache_key_query(&key, rq->method, rq->query);
    if (cacheable && check_cache_reply(&key, out))
        return out->status;
    if (check_input_from_query(rq->query ? rq->query : &empty, rq->catalog, &in, &pb) != 0)
        return response_problem(out, &pb);
    answer(rq, &in, &pb, out);
    if (cacheable)
        check_cache_remember(&key, out);
    return out->status;
}

unsigned handle_check_post(const struct request *rq, struct response *out)
{
    struct problem pb;
    struct check_input in;
    struct check_cache_key key;

    problem_init(&pb);
    pb.instance = rq->path;
    if (!rq->catalog) {
        problem_set(&pb, API_ERR_UNAVAILABLE, "The catalog is not loaded yet.");
        return response_problem(out, &pb);
    }
    if (!rq->body) {
        problem_set(&pb, API_ERR_BAD_JSON,
                    "POST /check needs a JSON object body, e.g. {\"model\": "
                    "\"qwen2.5-32b-instruct\", \"hardware\": \"nvidia-rtx-4090\"}.");
        return response_problem(out, &pb);
    }
    /* Keyed by the raw body bytes the parsed body came from (none: no cache). */
    bool cacheable = check_cache_capacity() > 0 &&
                     check_cache_key_body(&key, rq->method, rq->raw_body, rq->raw_body_len);
    if (cacheable && check_cache_reply(&key, out))
        return out->status;
    if (check_input_from_json(rq->body, rq->catalog, &in, &pb) != 0)
        return response_problem(out, &pb);
    answer(rq, &in, &pb, out);
    if (cacheable)
        check_cache_remember(&key, out);
    return out->status;
}

/* fuzz_entry_estimator.c: the "estimator" fuzz entry: bytes -> struct est_input
** (every field, absurd values included) -> every estimator and fix-plan entry
** point, with their invariants checked. Test support only; no libFuzzer symbol.
*/
#include "fuzz_entry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/estimator_internal.h" /* estimator_context_step: the search granularity */
#include "store/embedded.h"

#define TARGET "estimator"

/* ---- decoding ---------------------------------------------------------------- */

struct reader {
    const uint8_t *p;
    size_t n;
};

static uint8_t read_u8(struct reader *r)
{
    if (0 == r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t read_le(struct reader *r, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)read_u8(r) << (8 * i);
    return v;
}

static uint32_t read_u32(struct reader *r)
{
    return (uint32_t)read_le(r, 4);
}

static double read_f64(struct reader *r)
{
    uint64_t bits = read_le(r, 8);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Characters the fix planner accepts in a name it puts into a command. */
static const char SAFE_CHARS[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:/_-";

/* A string in the layout of fuzz_entry.h into buf (cap bytes); NULL when absent. */
static const char *read_str(struct reader *r, char *buf, size_t cap)
{
    uint8_t flags = read_u8(r);
    buf[0] = '\0';
    if (0 == (flags & 1u))
        return NULL;
    size_t len = read_u8(r) % cap; /* < cap: room for the NUL */
    size_t out = 0;
    bool ended = false;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = read_u8(r);
        if (0 != (flags & 2u))
            b = (uint8_t)SAFE_CHARS[b % (sizeof SAFE_CHARS - 1)];
        if ('\0' == b)
            ended = true;
        if (!ended)
            buf[out++] = (char)b;
    }
    buf[out] = '\0';
    return buf;
}

void fuzz_estimator_decode(const uint8_t *data, size_t size, struct fuzz_estimator_case *c)
{
    struct reader r = {data, size};
    memset(c, 0, sizeof *c);
    struct est_input *in = &c->in;
    struct est_model *m = &in->model;

    m->params = read_le(&r, 8);
    m->num_hidden_layers = read_u32(&r);
    m->hidden_size = read_u32(&r);
    m->num_attention_heads = read_u32(&r);
    m->num_key_value_heads = read_u32(&r);
    m->head_dim = read_u32(&r);
    m->intermediate_size = read_u32(&r);
    m->vocab_size = read_u32(&r);
    m->tie_word_embeddings = 0 != (read_u8(&r) & 1u);
    m->max_position_embeddings = read_u32(&r);
    m->sliding_window = read_u32(&r);
    m->sliding_window_layers = read_u32(&r);
    m->num_experts = read_u32(&r);
    m->num_experts_per_tok = read_u32(&r);
    m->moe_intermediate_size = read_u32(&r);
    m->num_shared_experts = read_u32(&r);
    m->kv_lora_rank = read_u32(&r);
    m->qk_rope_head_dim = read_u32(&r);

    uint8_t qb = read_u8(&r);
    if (0 == qb) {
        in->quant = NULL;
    } else if (qb <= 200) {
        in->quant = est_quant_at((size_t)(qb - 1) % est_quant_count());
    } else {
        /* a struct of the caller's own, found by its id (any spelling) */
        read_str(&r, c->outside_id, sizeof c->outside_id);
        c->outside_quant.id = c->outside_id;
        c->outside_quant.format = (enum est_quant_format)(qb % 3);
        c->outside_quant.nominal_bpw = 4.5;
        in->quant = &c->outside_quant;
    }
    in->context = read_u32(&r);
    in->device.kind = (enum est_device_kind)(read_u8(&r) % (EST_DEVICE_COUNT + 1));
    in->device.backend = (enum est_backend)(read_u8(&r) % (EST_BACKEND_COUNT + 1));
    in->device.memory_gib = read_f64(&r);
    in->device.bandwidth_gbs = read_f64(&r);
    in->device.system_ram_gib = read_f64(&r);
    in->device.count = read_u32(&r);
    in->runtime = (enum est_runtime)(read_u8(&r) % (EST_RUNTIME_COUNT + 1));
    in->os = (enum est_os)(read_u8(&r) % (EST_OS_COUNT + 1));
    in->os_version_major = read_u32(&r);
    in->os_version_minor = read_u32(&r);
    in->wired_limit_mb = read_u32(&r);
    in->kv_type = (enum est_kv_type)(read_u8(&r) % (EST_KV_COUNT + 1));
    in->flash_attention = (enum est_tristate)((int)(read_u8(&r) % 4) - 1);
    in->batch = read_u32(&r);

    c->names.model_id = read_str(&r, c->model_id, sizeof c->model_id);
    c->names.hf_repo = read_str(&r, c->hf_repo, sizeof c->hf_repo);
    c->names.ollama_tag = read_str(&r, c->ollama_tag, sizeof c->ollama_tag);
    c->names.ollama_quant_tag = read_str(&r, c->ollama_quant_tag, sizeof c->ollama_quant_tag);
    c->names.ollama_quants = read_str(&r, c->ollama_quants, sizeof c->ollama_quants);
    c->probe = read_u8(&r);
}

/* ---- encoding (seeds) ----------------------------------------------------------- */

struct writer {
    uint8_t *p;
    size_t cap, len;
    bool short_buf;
};

static void write_le(struct writer *w, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        if (w->len >= w->cap) {
            w->short_buf = true;
            return;
        }
        w->p[w->len++] = (uint8_t)(v >> (8 * i));
    }
}

static void write_f64(struct writer *w, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    write_le(w, bits, 8);
}

static void write_str(struct writer *w, const char *s, size_t field_cap)
{
    if (NULL == s) {
        write_le(w, 0, 1);
        return;
    }
    size_t len = strlen(s);
    if (len >= field_cap) {
        w->short_buf = true; /* would not decode to the same string */
        return;
    }
    write_le(w, 1, 1);
    write_le(w, len, 1);
    for (size_t i = 0; i < len; i++)
        write_le(w, (uint8_t)s[i], 1);
}

size_t fuzz_estimator_encode(const struct est_input *in, const struct fix_names *names,
                             uint8_t probe, uint8_t *buf, size_t cap)
{
    struct writer w = {buf, cap, 0, false};
    const struct est_model *m = &in->model;
    write_le(&w, m->params, 8);
    const uint32_t before_tie[] = {m->num_hidden_layers,   m->hidden_size, m->num_attention_heads,
                                   m->num_key_value_heads, m->head_dim,    m->intermediate_size,
                                   m->vocab_size};
    for (size_t i = 0; i < sizeof before_tie / sizeof before_tie[0]; i++)
        write_le(&w, before_tie[i], 4);
    write_le(&w, m->tie_word_embeddings ? 1 : 0, 1);
    const uint32_t after_tie[] = {m->max_position_embeddings, m->sliding_window,
                                  m->sliding_window_layers,   m->num_experts,
                                  m->num_experts_per_tok,     m->moe_intermediate_size,
                                  m->num_shared_experts,      m->kv_lora_rank,
                                  m->qk_rope_head_dim};
    for (size_t i = 0; i < sizeof after_tie / sizeof after_tie[0]; i++)
        write_le(&w, after_tie[i], 4);

    uint8_t qb = 0;
    if (NULL != in->quant) {
        size_t i = 0;
        while (i < est_quant_count() && est_quant_at(i) != in->quant)
            i++;
        if (i == est_quant_count() || i >= 200)
            return 0; /* only table rows are encoded */
        qb = (uint8_t)(i + 1);
    }
    write_le(&w, qb, 1);
    write_le(&w, in->context, 4);
    write_le(&w, (uint64_t)in->device.kind, 1);
    write_le(&w, (uint64_t)in->device.backend, 1);
    write_f64(&w, in->device.memory_gib);
    write_f64(&w, in->device.bandwidth_gbs);
    write_f64(&w, in->device.system_ram_gib);
    write_le(&w, in->device.count, 4);
    write_le(&w, (uint64_t)in->runtime, 1);
    write_le(&w, (uint64_t)in->os, 1);
    write_le(&w, in->os_version_major, 4);
    write_le(&w, in->os_version_minor, 4);
    write_le(&w, in->wired_limit_mb, 4);
    write_le(&w, (uint64_t)in->kv_type, 1);
    write_le(&w, (uint64_t)((int)in->flash_attention + 1), 1);
    write_le(&w, in->batch, 4);
#define FIELD_CAP(f) sizeof((struct fuzz_estimator_case *)0)->f
    write_str(&w, names ? names->model_id : NULL, FIELD_CAP(model_id));
    write_str(&w, names ? names->hf_repo : NULL, FIELD_CAP(hf_repo));
    write_str(&w, names ? names->ollama_tag : NULL, FIELD_CAP(ollama_tag));
    write_str(&w, names ? names->ollama_quant_tag : NULL, FIELD_CAP(ollama_quant_tag));
    write_str(&w, names ? names->ollama_quants : NULL, FIELD_CAP(ollama_quants));
#undef FIELD_CAP
    write_le(&w, probe, 1);
    return w.short_buf ? 0 : w.len;
}

/* ---- invariants ------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static int violation(char *why, size_t cap, const char *fmt,
                                                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap); /* a cut sentence still names the rule */
    va_end(ap);
    return 1;
}

static bool fits(enum est_verdict v)
{
    return EST_RUNS == v || EST_TIGHT == v;
}

int fuzz_estimate_violation(const struct est_input *in, enum est_status st,
                            const struct est_result *res, char *why, size_t cap)
{
    if (EST_OK != st) {
        static const struct est_result zero;
        if ((unsigned)st > EST_E_UNSUPPORTED)
            return violation(why, cap, "status %d is not an enum est_status", (int)st);
        if (0 != memcmp(res, &zero, sizeof zero))
            return violation(why, cap, "status %d but the result is not zeroed", (int)st);
        return 0;
    }

    uint64_t sum;
    if (__builtin_add_overflow(res->weights_bytes, res->kv_cache_bytes, &sum) ||
        __builtin_add_overflow(sum, res->compute_bytes, &sum) ||
        __builtin_add_overflow(sum, res->overhead_bytes, &sum) || sum != res->total_bytes)
        return violation(
            why, cap, "weights %llu + kv %llu + compute %llu + overhead %llu != total %llu",
            (unsigned long long)res->weights_bytes, (unsigned long long)res->kv_cache_bytes,
            (unsigned long long)res->compute_bytes, (unsigned long long)res->overhead_bytes,
            (unsigned long long)res->total_bytes);
    if (res->total_bytes > (uint64_t)INT64_MAX || res->usable_bytes > (uint64_t)INT64_MAX)
        return violation(why, cap, "total %llu or usable %llu beyond INT64_MAX on EST_OK",
                         (unsigned long long)res->total_bytes,
                         (unsigned long long)res->usable_bytes);
    /* headroom: usable minus what the devices hold (the footprint, less the
    ** experts a fitting --n-cpu-moe keeps in RAM) */
    const bool fitting = EST_RUNS == res->verdict || EST_TIGHT == res->verdict;
    uint64_t held = res->total_bytes;
    bool over_device = false, roomy_devices = true;
    if (res->devices_reported > EST_SPLIT_MAX)
        return violation(why, cap, "%u devices reported", res->devices_reported);
    for (uint32_t d = 0; d < res->devices_reported; d++) {
        over_device = over_device || res->device_bytes[d] > res->device_usable_bytes;
        roomy_devices = roomy_devices && res->device_bytes[d] <= res->device_usable_bytes &&
                        res->device_usable_bytes - res->device_bytes[d] >=
                            res->device_usable_bytes / 10;
    }
    if (res->n_cpu_moe > 0 && fitting && res->devices_reported > 0) {
        held = 0;
        for (uint32_t d = 0; d < res->devices_reported; d++)
            held += res->device_bytes[d];
    }
    if (res->headroom_bytes != (int64_t)res->usable_bytes - (int64_t)held)
        return violation(why, cap, "headroom %lld != usable %llu - held %llu",
                         (long long)res->headroom_bytes, (unsigned long long)res->usable_bytes,
                         (unsigned long long)held);

    /* runs: at least a tenth of the usable memory left (of each device's
    ** share when several are sized); tight: less, but it fits */
    const bool many = res->devices_reported > 1;
    const bool fit = res->headroom_bytes >= 0;
    const bool roomy = fit && (uint64_t)res->headroom_bytes >= res->usable_bytes / 10;
    /* a fitting total that still does not run: vLLM refusing the context, a
    ** buffer over Vulkan's allocation cap, one device of several over its
    ** share (the devices reported are then the offloaded layout), or too
    ** little RAM for the experts kept there */
    const bool reason = 0 != (res->warnings & (EST_WARN_CONTEXT_REFUSED | EST_WARN_ALLOCATION_CAP)) ||
                        over_device || res->n_cpu_moe > 0 || many;
    switch (res->verdict) {
    case EST_RUNS:
        if (many ? !roomy_devices : !roomy)
            return violation(why, cap, "runs with headroom %lld of usable %llu",
                             (long long)res->headroom_bytes, (unsigned long long)res->usable_bytes);
        break;
    case EST_TIGHT:
        if (!fit || over_device || (many ? roomy_devices : roomy))
            return violation(why, cap, "tight with headroom %lld of usable %llu",
                             (long long)res->headroom_bytes, (unsigned long long)res->usable_bytes);
        break;
    case EST_OFFLOAD:
    case EST_WONT_RUN:
        if (fit && !reason)
            return violation(why, cap, "%s with headroom %lld >= 0", est_verdict_id(res->verdict),
                             (long long)res->headroom_bytes);
        break;
    default:
        return violation(why, cap, "verdict %d is not an enum est_verdict", (int)res->verdict);
    }

    if (NULL == res->quant || !est_quant_runs_on(res->quant, in->runtime))
        return violation(why, cap, "the sized quant %s is not one %s loads",
                         res->quant ? res->quant->id : "(null)", est_runtime_id(in->runtime));
    if (NULL != in->quant && 0 != strcasecmp(res->quant->id, in->quant->id))
        return violation(why, cap, "asked for quant %s, sized %s", in->quant->id, res->quant->id);
    if (0 != in->context ? res->context != in->context
                         : (0 == res->context || res->context > EST_CONTEXT_MAX))
        return violation(why, cap, "asked for context %u, sized %u", in->context, res->context);
    if (res->batch != (0 != in->batch ? in->batch : 1))
        return violation(why, cap, "asked for batch %u, sized %u", in->batch, res->batch);
    if (EST_KV_DEFAULT == res->kv_type || (unsigned)res->kv_type >= EST_KV_COUNT ||
        (EST_KV_DEFAULT != in->kv_type && res->kv_type != in->kv_type))
        return violation(why, cap, "asked for KV type %s, sized %s", est_kv_type_id(in->kv_type),
                         est_kv_type_id(res->kv_type));
    if (res->gpu_layers_offloaded > res->gpu_layers_total)
        return violation(why, cap, "%u of %u layers on the accelerator", res->gpu_layers_offloaded,
                         res->gpu_layers_total);
    if (!isfinite(res->tokens_per_second) || res->tokens_per_second < 0.0 ||
        (EST_WONT_RUN == res->verdict && 0.0 != res->tokens_per_second))
        return violation(why, cap, "tokens_per_second %g with verdict %s", res->tokens_per_second,
                         est_verdict_id(res->verdict));
    if (NULL == res->budget_basis || NULL == res->speed_basis)
        return violation(why, cap, "a basis sentence is missing");
    const uint32_t known = EST_WARN_CONTEXT_ABOVE_TRAINED | EST_WARN_CEILING_APPROXIMATE |
                           EST_WARN_KV_TYPE_NEEDS_FA | EST_WARN_PARAMS_DERIVED |
                           EST_WARN_SPEED_UNKNOWN | EST_WARN_ALLOCATION_CAP | EST_WARN_CONTEXT_REFUSED;
    if (0 != (res->warnings & ~known))
        return violation(why, cap, "unknown warning bits 0x%x", res->warnings);

    uint64_t memory = 0, usable = 0;
    const char *basis = NULL;
    est_budget(in, &memory, &usable, &basis);
    if (memory != res->memory_bytes || usable != res->usable_bytes || basis != res->budget_basis)
        return violation(why, cap, "est_budget says %llu/%llu, est_estimate %llu/%llu",
                         (unsigned long long)memory, (unsigned long long)usable,
                         (unsigned long long)res->memory_bytes,
                         (unsigned long long)res->usable_bytes);
    return 0;
}

/* est_estimate on in with another context and/or quant; true when it runs or is tight. */
static bool fits_with(const struct est_input *in, uint32_t context, const struct est_quant *q)
{
    struct est_input v = *in;
    struct est_result res;
    v.context = context;
    v.quant = q;
    if (EST_OK != est_estimate(&v, &res))
        return false;
    if (fits(res.verdict))
        return true;
    /* with --n-cpu-moe given, the searches take "the devices hold their
    ** part" (the verdict is an offload: the experts run from RAM) */
    if (0 == in->n_cpu_moe || EST_OFFLOAD != res.verdict || 0 == res.n_cpu_moe)
        return false;
    for (uint32_t d = 0; d < res.devices_reported && d < EST_SPLIT_MAX; d++)
        if (res.device_bytes[d] > res.device_usable_bytes)
            return false;
    return true;
}

static void check_max_context(const struct est_input *in)
{
    const uint32_t got = est_max_context(in);
    if ((unsigned)in->runtime >= EST_RUNTIME_COUNT) {
        if (0 != got)
            fuzz_fail(TARGET, "est_max_context %u for an invalid runtime", got);
        return;
    }
    /* the cap of estimator.h: max(trained context or EST_CONTEXT_MAX, in->context), at most
    ** EST_CONTEXT_MAX */
    uint64_t cap =
        in->model.max_position_embeddings ? in->model.max_position_embeddings : EST_CONTEXT_MAX;
    if (in->context > cap)
        cap = in->context;
    if (cap > EST_CONTEXT_MAX)
        cap = EST_CONTEXT_MAX;
    const uint32_t step = estimator_context_step(in->runtime);
    if (got > cap)
        fuzz_fail(TARGET, "est_max_context %u above its cap %llu", got, (unsigned long long)cap);
    if (0 != got) {
        if (0 != got % step && got != cap)
            fuzz_fail(TARGET, "est_max_context %u is not a multiple of %u", got, step);
        if (!fits_with(in, got, in->quant))
            fuzz_fail(TARGET, "est_max_context %u does not fit", got);
    }
    /* the next candidate up must not fit: one step more, or the first candidate */
    uint64_t next = 0 != got ? (uint64_t)got + step : (cap < step ? cap : step);
    if (0 != next && next <= cap && fits_with(in, (uint32_t)next, in->quant))
        fuzz_fail(TARGET, "est_max_context %u but %llu fits too (cap %llu)", got,
                  (unsigned long long)next, (unsigned long long)cap);
}

static void check_best_quant(const struct est_input *in, uint8_t probe)
{
    const struct est_quant *best = est_best_quant(in);
    /* without a context the quants are compared at the one est_estimate
    ** reports for the input as asked (estimator.h) */
    uint32_t ctx = in->context;
    if (0 == ctx) {
        struct est_result r0;
        if (EST_OK != est_estimate(in, &r0)) {
            if (NULL != best)
                fuzz_fail(TARGET, "est_best_quant %s for an input est_estimate refuses",
                          best->id);
            return;
        }
        ctx = r0.context;
    }
    if (NULL != best) {
        if (!est_quant_runs_on(best, in->runtime))
            fuzz_fail(TARGET, "est_best_quant %s is not loaded by %s", best->id,
                      est_runtime_id(in->runtime));
        if (!fits_with(in, ctx, best))
            fuzz_fail(TARGET, "est_best_quant %s does not fit", best->id);
    }
    /* one alternative per input, picked by the probe byte: a better quant must not fit */
    const struct est_quant *alt = est_quant_at(probe % est_quant_count());
    if (NULL == alt || !est_quant_runs_on(alt, in->runtime))
        return;
    if ((NULL == best || alt->quality > best->quality) && fits_with(in, ctx, alt))
        fuzz_fail(TARGET, "est_best_quant %s but %s (quality %u) fits", best ? best->id : "NULL",
                  alt->id, alt->quality);
}

/* Whether seed/errors/<id>.json is compiled into the binary. */
static bool seed_page_exists(const char *id)
{
    char name[160];
    int n = snprintf(name, sizeof name, "errors/%s.json", id);
    if (n < 0 || (size_t)n >= sizeof name)
        return false;
    for (size_t i = 0; i < embedded_seed_count; i++)
        if (0 == strcmp(embedded_seed[i].name, name))
            return true;
    return false;
}

/* Whether buf (cap bytes) holds a NUL-terminated, non-empty string. */
static bool text_ok(const char *buf, size_t cap)
{
    return '\0' != buf[0] && NULL != memchr(buf, '\0', cap);
}

static void check_fix_plan(const struct est_input *in, const struct est_result *res,
                           const struct fix_names *names)
{
    static struct fix_plan plan; /* 12 KiB: off the stack */
    int rc = fix_plan_build(in, res, names, &plan);
    if (0 != rc)
        fuzz_fail(TARGET, "fix_plan_build returned %d for a %s estimate", rc,
                  est_verdict_id(res->verdict));
    if (plan.count > FIX_MAX_STEPS)
        fuzz_fail(TARGET, "fix plan of %zu steps", plan.count);
    if (EST_RUNS == res->verdict && 0 != plan.count)
        fuzz_fail(TARGET, "%zu fix steps for a configuration that runs", plan.count);
    for (size_t i = 0; i < plan.count; i++) {
        const struct fix_step *s = &plan.steps[i];
        if (s->step != i + 1)
            fuzz_fail(TARGET, "fix step %zu is numbered %u", i + 1, s->step);
        if (!text_ok(s->title, sizeof s->title) || !text_ok(s->command, sizeof s->command) ||
            NULL == memchr(s->why, '\0', sizeof s->why))
            fuzz_fail(TARGET, "fix step %zu has an empty or unterminated title or command", i + 1);
        if ((unsigned)s->verdict_after > EST_WONT_RUN)
            fuzz_fail(TARGET, "fix step %zu verdict_after %d", i + 1, (int)s->verdict_after);
    }
    const char *error_id = fix_error_id(in, res);
    if (NULL != error_id && EST_WONT_RUN != res->verdict)
        fuzz_fail(TARGET, "fix_error_id %s for a %s estimate", error_id,
                  est_verdict_id(res->verdict));
    if (NULL != error_id && !seed_page_exists(error_id))
        fuzz_fail(TARGET, "fix_error_id %s names no seeded page", error_id);
}

int fuzz_estimator_check(const char *target, const struct est_input *in,
                         const struct fix_names *names, uint8_t probe)
{
    struct est_result res;
    char why[512];
    enum est_status st = est_estimate(in, &res);
    if (0 != fuzz_estimate_violation(in, st, &res, why, sizeof why))
        fuzz_fail(target, "est_estimate: %s", why);
    check_max_context(in);
    check_best_quant(in, probe);
    if (EST_OK == st)
        check_fix_plan(in, &res, names);
    return (int)st;
}

int fuzz_estimator_one(const uint8_t *data, size_t size)
{
    static struct fuzz_estimator_case c; /* c.names points into c itself */
    fuzz_estimator_decode(data, size, &c);
    return fuzz_estimator_check(TARGET, &c.in, &c.names, c.probe);
}

/* ---- seeds ------------------------------------------------------------------------- */

/* Model shapes from seed/models.json (HF config.json values). */
static const struct est_model QWEN25_32B = {.params = 32763876352ull,
                                            .num_hidden_layers = 64,
                                            .hidden_size = 5120,
                                            .num_attention_heads = 40,
                                            .num_key_value_heads = 8,
                                            .head_dim = 128,
                                            .intermediate_size = 27648,
                                            .vocab_size = 152064,
                                            .max_position_embeddings = 32768};
static const struct est_model LLAMA31_8B = {.params = 8030261248ull,
                                            .num_hidden_layers = 32,
                                            .hidden_size = 4096,
                                            .num_attention_heads = 32,
                                            .num_key_value_heads = 8,
                                            .head_dim = 128,
                                            .intermediate_size = 14336,
                                            .vocab_size = 128256,
                                            .max_position_embeddings = 131072};
static const struct est_model GPT_OSS_20B = {.params = 20914757184ull,
                                             .num_hidden_layers = 24,
                                             .hidden_size = 2880,
                                             .num_attention_heads = 64,
                                             .num_key_value_heads = 8,
                                             .head_dim = 64,
                                             .vocab_size = 201088,
                                             .max_position_embeddings = 131072,
                                             .sliding_window = 128,
                                             .sliding_window_layers = 12,
                                             .num_experts = 32,
                                             .num_experts_per_tok = 4,
                                             .moe_intermediate_size = 2880};
static const struct est_model DEEPSEEK_V3 = {.params = 671026419200ull,
                                             .num_hidden_layers = 61,
                                             .hidden_size = 7168,
                                             .num_attention_heads = 128,
                                             .num_key_value_heads = 128,
                                             .head_dim = 56,
                                             .intermediate_size = 18432,
                                             .vocab_size = 129280,
                                             .max_position_embeddings = 163840,
                                             .num_experts = 256,
                                             .num_experts_per_tok = 8,
                                             .moe_intermediate_size = 2048,
                                             .num_shared_experts = 1,
                                             .kv_lora_rank = 512,
                                             .qk_rope_head_dim = 64};
static const struct est_model GEMMA3_27B = {.params = 27432406640ull,
                                            .num_hidden_layers = 62,
                                            .hidden_size = 5376,
                                            .num_attention_heads = 32,
                                            .num_key_value_heads = 16,
                                            .head_dim = 128,
                                            .intermediate_size = 21504,
                                            .vocab_size = 262208,
                                            .tie_word_embeddings = true,
                                            .max_position_embeddings = 131072,
                                            .sliding_window = 1024,
                                            .sliding_window_layers = 52};

enum { SEED_COUNT = 7 };

/* Seed i as an input and names. Devices from seed/hardware.json. */
static void seed_case(size_t i, struct est_input *in, struct fix_names *names)
{
    memset(in, 0, sizeof *in);
    memset(names, 0, sizeof *names);
    in->flash_attention = EST_AUTO;
    in->device.count = 1;
    switch (i) {
    case 0: /* the seed scenario: Qwen2.5-32B at 8 bits in MLX on an M1 Max 32 GB */
        in->model = QWEN25_32B;
        in->quant = est_quant_find("mlx-8bit");
        in->context = 32768;
        in->device = (struct est_device){EST_DEVICE_UNIFIED, EST_BACKEND_METAL, 32, 400, 32, 1, 0, 0};
        in->runtime = EST_RUNTIME_MLX;
        in->os = EST_OS_MACOS;
        *names = (struct fix_names){.model_id = "qwen2.5-32b-instruct",
                                    .hf_repo = "Qwen/Qwen2.5-32B-Instruct",
                                    .ollama_tag = "qwen2.5:32b",
                                    .ollama_quant_tag = "qwen2.5:32b-instruct-{quant}",
                                    .ollama_quants = "q4_K_M q8_0 fp16"};
        break;
    case 1: /* Llama 3.1 8B Q4_K_M in llama.cpp on an RTX 4090 */
        in->model = LLAMA31_8B;
        in->quant = est_quant_find("Q4_K_M");
        in->context = 8192;
        in->device = (struct est_device){EST_DEVICE_GPU, EST_BACKEND_CUDA, 24, 1008, 32, 1, 0, 0};
        in->runtime = EST_RUNTIME_LLAMACPP;
        in->os = EST_OS_LINUX;
        *names = (struct fix_names){.model_id = "llama-3.1-8b-instruct",
                                    .hf_repo = "meta-llama/Llama-3.1-8B-Instruct",
                                    .ollama_tag = "llama3.1:8b",
                                    .ollama_quant_tag = "llama3.1:8b-instruct-{quant}",
                                    .ollama_quants = "q2_K q4_K_M q8_0 fp16"};
        break;
    case 2: /* gpt-oss-20b (MoE, sliding window) in Ollama on an M4 Pro 24 GB, q8_0 KV */
        in->model = GPT_OSS_20B;
        in->device = (struct est_device){EST_DEVICE_UNIFIED, EST_BACKEND_METAL, 24, 273, 24, 1, 0, 0};
        in->runtime = EST_RUNTIME_OLLAMA;
        in->os = EST_OS_MACOS;
        in->kv_type = EST_KV_Q8_0;
        in->flash_attention = EST_ON;
        *names = (struct fix_names){.model_id = "gpt-oss-20b",
                                    .hf_repo = "openai/gpt-oss-20b",
                                    .ollama_tag = "gpt-oss:20b"};
        break;
    case 3: /* DeepSeek-V3 (MLA) at FP8 in vLLM on 8 x H200, 16 sequences */
        in->model = DEEPSEEK_V3;
        in->quant = est_quant_find("fp8");
        in->context = 65536;
        in->device = (struct est_device){EST_DEVICE_GPU, EST_BACKEND_CUDA, 141, 4800, 1024, 8, 0, 0};
        in->runtime = EST_RUNTIME_VLLM;
        in->os = EST_OS_LINUX;
        in->batch = 16;
        *names = (struct fix_names){.model_id = "deepseek-v3",
                                    .hf_repo = "deepseek-ai/DeepSeek-V3",
                                    .ollama_tag = "deepseek-v3",
                                    .ollama_quant_tag = "deepseek-v3:671b-{quant}",
                                    .ollama_quants = "q4_K_M q8_0 fp16"};
        break;
    case 4: /* Gemma 3 27B bf16 in transformers on a 64 GB DDR5 CPU box, an inline model */
        in->model = GEMMA3_27B;
        in->context = 131072;
        in->device = (struct est_device){EST_DEVICE_CPU, EST_BACKEND_CPU, 64, 89.6, 64, 1, 0, 0};
        in->runtime = EST_RUNTIME_TRANSFORMERS;
        in->os = EST_OS_WINDOWS;
        *names = (struct fix_names){.model_id = "inline"};
        break;
    case 5: /* Llama 3.1 8B on an 8 GB card with little RAM: offload or wont_run */
        in->model = LLAMA31_8B;
        in->quant = est_quant_find("Q8_0");
        in->context = 131072;
        in->device = (struct est_device){EST_DEVICE_GPU, EST_BACKEND_CUDA, 8, 240, 16, 1, 0, 0};
        in->runtime = EST_RUNTIME_LLAMACPP;
        in->os = EST_OS_WINDOWS;
        *names = (struct fix_names){.model_id = "llama-3.1-8b-instruct",
                                    .hf_repo = "meta-llama/Llama-3.1-8B-Instruct",
                                    .ollama_tag = "llama3.1:8b",
                                    .ollama_quant_tag = "llama3.1:8b-instruct-{quant}",
                                    .ollama_quants = "q2_K q4_K_M q8_0 fp16"};
        break;
    default: /* absurd: every size at its largest, memory not a number */
        in->model = (struct est_model){UINT64_MAX, 4096,       UINT32_MAX, UINT32_MAX, UINT32_MAX,
                                       UINT32_MAX, UINT32_MAX, UINT32_MAX, true,       UINT32_MAX,
                                       UINT32_MAX, 4096,       UINT32_MAX, UINT32_MAX, UINT32_MAX,
                                       UINT32_MAX, UINT32_MAX, UINT32_MAX, true};
        in->context = EST_CONTEXT_MAX;
        in->device = (struct est_device){EST_DEVICE_GPU, EST_BACKEND_VULKAN, NAN, 1e308, -1, 1024, 0, 0};
        in->runtime = EST_RUNTIME_LMSTUDIO;
        in->os = EST_OS_WINDOWS;
        in->batch = UINT32_MAX;
        break;
    }
}

static size_t seed_count(void)
{
    return SEED_COUNT;
}

static size_t seed(size_t i, uint8_t *buf, size_t cap)
{
    if (i >= SEED_COUNT)
        return 0;
    struct est_input in;
    struct fix_names names;
    seed_case(i, &in, &names);
    return fuzz_estimator_encode(&in, &names, (uint8_t)i, buf, cap);
}

static int init(void)
{
    return 0; /* the estimator needs no setup */
}

const struct fuzz_target fuzz_target_estimator = {TARGET, init, fuzz_estimator_one, seed_count,
                                                  seed};

/* check_input.c: turns a /check request (JSON body or query string) into a
** validated struct check_input, recording every field problem it finds. It
** never runs the estimator and never touches MHD.
**
** Both parsers only read the raw values into struct raw; everything after
** that (defaults, catalog lookups, combinations of fields) is one shared
** function, so GET and POST cannot drift apart.
*/
#include "check_input.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/textutil.h"

/* ---------------------------------------------------------------------------
** Field table and limits
*/

enum field_id {
    F_MODEL = 0,
    F_QUANT,
    F_CONTEXT,
    F_HARDWARE,
    F_RUNTIME,
    F_KV_CACHE,
    F_KV_CACHE_V,
    F_FLASH_ATTENTION,
    F_BATCH,
    F_UBATCH,
    F_GPU_COUNT,
    F_TENSOR_SPLIT,
    F_N_CPU_MOE,
    F_OS,
    F_OS_VERSION,
    F_WIRED_LIMIT_MB,
    F_COUNT
};

/* The request fields, in the order problems are reported. */
static const char *const field_names[F_COUNT] = {
    [F_MODEL] = "model",           [F_QUANT] = "quant",
    [F_CONTEXT] = "context",       [F_HARDWARE] = "hardware",
    [F_RUNTIME] = "runtime",       [F_KV_CACHE] = "kv_cache",
    [F_KV_CACHE_V] = "kv_cache_v", [F_FLASH_ATTENTION] = "flash_attention",
    [F_BATCH] = "batch",           [F_UBATCH] = "ubatch",
    [F_GPU_COUNT] = "gpu_count",   [F_TENSOR_SPLIT] = "tensor_split",
    [F_N_CPU_MOE] = "n_cpu_moe",   [F_OS] = "os",
    [F_OS_VERSION] = "os_version", [F_WIRED_LIMIT_MB] = "wired_limit_mb",
};

/* Largest wired_limit_mb before the hardware is known: 16 TiB in MiB. The
** real bound (the Mac's RAM) is checked once the hardware is resolved. */
#define CHECK_WIRED_LIMIT_MAX_MB (16u * 1024u * 1024u)

/* Inline hardware limits. memory_gb and system_ram_gb are vendor figures in
** GiB; 4096 GiB is far above any single accelerator sold (the largest in
** hardware.tsv hold 288 GB), 65536 GiB above any host's RAM. bandwidth_gbs:
** the fastest HBM parts are near 8,000 GB/s; 100,000 leaves room. */
#define CHECK_HW_MEMORY_GB_MAX 4096.0
#define CHECK_HW_SYSTEM_RAM_GB_MAX 65536.0
#define CHECK_HW_BANDWIDTH_GBS_MAX 100000.0
/* compute_tflops: dense FP16 tensor TFLOPS per device; the fastest part in
** hardware.tsv (fp16_tensor_tflops_dense) is the GB200's GPU at 2,500, so
** 20,000 leaves 8x room while refusing a figure typed in GFLOPS. */
#define CHECK_HW_COMPUTE_TFLOPS_MAX 20000.0

/* Every GPU of a split is reported one by one, and the split has one entry
** per GPU: the GPU limit must fit the estimator's per-device arrays. */
_Static_assert(CHECK_GPU_COUNT_MAX <= EST_SPLIT_MAX, "gpu_count above EST_SPLIT_MAX");

/* Inline model parameter cap: 10^13 (ten trillion) is ~10x the largest
** published open-weight models (~1T). */
#define CHECK_MODEL_PARAMS_MAX 10000000000000LL

#define INLINE_ID "inline"

/* ---------------------------------------------------------------------------
** Raw values, as read by either parser
*/

struct raw_hardware {
    double memory_gb;
    enum est_device_kind kind;
    enum est_backend backend;
    double bandwidth_gbs;     /* 0 = unknown */
    double system_ram_gb;     /* 0 = not given */
    double compute_tflops;    /* 0 = unknown */
    double max_allocation_gb; /* 0 = the backend's usual figure */
    uint32_t count;           /* 0 = not given */
    char name[96];            /* "" = not given */
};

struct raw {
    bool present[F_COUNT]; /* given, not null, and well-formed */
    bool bad[F_COUNT];     /* given but malformed (a problem was recorded) */
    int count[F_COUNT];    /* occurrences (query strings only) */

    char model_id[SLUG_MAX + 1];
    bool model_inline;
    struct est_model arch;
    char model_name[96];

    char hardware_id[SLUG_MAX + 1];
    bool hardware_inline;
    struct raw_hardware hw;

    char quant[SLUG_MAX + 1]; /* folded to lowercase */
    uint32_t context;
    enum est_runtime runtime;
    enum est_kv_type kv_type;
    enum est_kv_type kv_type_v;
    bool flash_attention;
    uint32_t batch;
    uint32_t ubatch;
    uint32_t gpu_count;
    double tensor_split[EST_SPLIT_MAX];
    uint32_t n_split; /* entries of tensor_split given */
    uint32_t n_cpu_moe;
    enum est_os os;
    char os_version[CHECK_OS_VERSION_MAX];
    uint32_t os_major, os_minor;
    uint32_t wired_limit_mb;
};

/* An id absent from the catalog: reported as 404 unless other fields are
** invalid too (then as one more invalid_params entry of the 400). */
struct unknown_id {
    const char *field; /* "model", "hardware", "quant" */
    char id[SLUG_MAX + 1];
    size_t n_suggest;
    const char *suggest[PROBLEM_MAX_SUGGESTIONS]; /* borrowed from the catalog */
};

struct parse {
    struct problem *pb;
    const struct catalog *cat;
    unsigned n_invalid; /* invalid_params recorded (uncapped count) */
    size_t n_unknown;
    struct unknown_id unknown[3];
};

/* Record one invalid field. The format must be a literal (checked). */
#define BAD(ps, name, ...)                                                                         \
    do {                                                                                           \
        problem_add_param((ps)->pb, (name), __VA_ARGS__);                                          \
        (ps)->n_invalid++;                                                                         \
    } while (0)

/* ---------------------------------------------------------------------------
** Small text helpers
*/

/* Copy user text for echoing in a reason: printable ASCII only (anything else
** becomes '?'), at most 40 characters, "..." when cut. Always terminated. */
static void echo_text(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    const size_t limit = 40;
    if (cap == 0)
        return;
    for (; in && in[n] && n < limit && n + 1 < cap; n++) {
        unsigned char ch = (unsigned char)in[n];
        out[n] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    out[n] = '\0';
    if (in && in[n] && n + 4 < cap)
        memcpy(out + n, "...", 4);
}

/* "did you mean X?" over candidates: writes "; did you mean `X`?" or "". */
static void did_you_mean(const char *query, const char *const *cands, size_t n, const char *prefix,
                         char *out, size_t cap)
{
    size_t idx[1];
    out[0] = '\0';
    if (text_suggest(query, cands, n, idx, 1) == 1) {
        int w = snprintf(out, cap, "; did you mean %s%s?", prefix, cands[idx[0]]);
        if (w < 0 || (size_t)w >= cap)
            out[0] = '\0';
    }
}

/* A JSON value's type for messages: "a string", "an object", ... */
static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown value";
}

/* Reason for a real where an integer belongs (4096.0 or 0.5). text is the
** value as written (query strings), or NULL to print d (JSON). */
static void bad_real_for_int(struct parse *ps, const char *name, double d, const char *text)
{
    char e[48];
    if (text)
        echo_text(text, e, sizeof e);
    else if (snprintf(e, sizeof e, "%.1f", d) >= (int)sizeof e)
        memcpy(e, "a real", 7);
    if (isfinite(d) && d == floor(d) && fabs(d) < 1e15)
        BAD(ps, name, "must be an integer: write %.0f, not %s", d, e);
    else
        BAD(ps, name, "must be a whole number, not %s", e);
}

/* ---------------------------------------------------------------------------
** Integer fields shared by both parsers: ranges and their reasons
*/

struct int_rule {
    int64_t lo, hi;
    const char *unit; /* " tokens", "" */
};

static const struct int_rule int_rules[F_COUNT] = {
    [F_CONTEXT] = {1, EST_CONTEXT_MAX, " tokens"},
    [F_BATCH] = {1, CHECK_BATCH_MAX, " sequences"},
    [F_UBATCH] = {1, CHECK_UBATCH_MAX, " tokens"},
    [F_GPU_COUNT] = {1, CHECK_GPU_COUNT_MAX, " devices"},
    [F_N_CPU_MOE] = {0, CHECK_N_CPU_MOE_MAX, " layers"},
    [F_WIRED_LIMIT_MB] = {1, CHECK_WIRED_LIMIT_MAX_MB, " MiB"},
};

static void bad_range(struct parse *ps, const char *name, int64_t lo, int64_t hi, const char *unit)
{
    char a[32], b[32];
    text_thousands((uint64_t)lo, a, sizeof a);
    text_thousands((uint64_t)hi, b, sizeof b);
    BAD(ps, name, "must be from %s to %s%s", a, b, unit);
}

/* Store a checked integer into the raw field. */
static void put_int(struct raw *r, enum field_id f, int64_t v)
{
    uint32_t u = (uint32_t)v;
    switch (f) {
    case F_CONTEXT:
        r->context = u;
        break;
    case F_BATCH:
        r->batch = u;
        break;
    case F_UBATCH:
        r->ubatch = u;
        break;
    case F_GPU_COUNT:
        r->gpu_count = u;
        break;
    case F_N_CPU_MOE:
        r->n_cpu_moe = u;
        break;
    case F_WIRED_LIMIT_MB:
        r->wired_limit_mb = u;
        break;
    default:
        return;
    }
    r->present[f] = true;
}

/* ---------------------------------------------------------------------------
** String fields shared by both parsers
*/

static const char *const runtime_ids[EST_RUNTIME_COUNT] = {
    "llama.cpp", "ollama", "lmstudio", "mlx", "transformers", "vllm",
};
static const char *const kv_ids[] = {"f16", "bf16", "f32", "q8_0", "q4_0", "fp8"};
static const char *const os_ids[EST_OS_COUNT] = {"macos", "linux", "windows"};
static const char *const kind_ids[EST_DEVICE_COUNT] = {"gpu", "unified", "cpu"};
static const char *const backend_ids[EST_BACKEND_COUNT] = {"cuda", "metal", "rocm", "vulkan",
                                                           "cpu"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A catalog id (model, hardware, quant): folded to lowercase and checked. */
static void take_id(struct parse *ps, struct raw *r, enum field_id f, const char *s, char *dst,
                    size_t cap)
{
    const char *name = field_names[f];
    if (s[0] == '\0') {
        BAD(ps, name, "is empty; give an id");
        r->bad[f] = true;
        return;
    }
    if (!slug_fold(s, dst, cap)) {
        char e[48];
        echo_text(s, e, sizeof e);
        BAD(ps, name,
            "\"%s\" is not a valid id: use letters, digits, '.', '_' or '-', at most %d characters",
            e, SLUG_MAX);
        r->bad[f] = true;
        return;
    }
    r->present[f] = true;
}

/* An enum value from a fixed list of ids; names the valid ones on failure. */
static void bad_choice(struct parse *ps, const char *name, const char *given,
                       const char *const *ids, size_t n)
{
    char e[48], hint[96], list[160];
    size_t used = 0;
    echo_text(given, e, sizeof e);
    did_you_mean(given, ids, n, "", hint, sizeof hint);
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", ids[i]);
        if (w < 0 || (size_t)w >= sizeof list - used)
            break;
        used += (size_t)w;
    }
    BAD(ps, name, "\"%s\" is not one of %s%s", e, list, hint);
}

static void take_runtime(struct parse *ps, struct raw *r, const char *s)
{
    if (est_runtime_from_id(s, &r->runtime) == 0) {
        r->present[F_RUNTIME] = true;
        return;
    }
    bad_choice(ps, "runtime", s, runtime_ids, COUNT_OF(runtime_ids));
    r->bad[F_RUNTIME] = true;
}

/* kv_cache or kv_cache_v: one of the KV cache type ids. */
static void take_kv(struct parse *ps, struct raw *r, enum field_id f, const char *s)
{
    enum est_kv_type *dst = f == F_KV_CACHE_V ? &r->kv_type_v : &r->kv_type;
    if (est_kv_type_from_id(s, dst) == 0 && *dst != EST_KV_DEFAULT) {
        r->present[f] = true;
        return;
    }
    bad_choice(ps, field_names[f], s, kv_ids, COUNT_OF(kv_ids));
    r->bad[f] = true;
}

static void take_os(struct parse *ps, struct raw *r, const char *s)
{
    if (est_os_from_id(s, &r->os) == 0) {
        r->present[F_OS] = true;
        return;
    }
    bad_choice(ps, "os", s, os_ids, COUNT_OF(os_ids));
    r->bad[F_OS] = true;
}

/* Parse a decimal component of a version: 1-3 digits, no leading zeros.
** Returns the end, or NULL. */
static const char *version_part(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        if (n == 3)
            return NULL;
        v = v * 10u + (uint32_t)(s[n] - '0');
        n++;
    }
    if (n == 0 || (n > 1 && s[0] == '0'))
        return NULL;
    *out = v;
    return s + n;
}

/* macOS version "15", "15.5" or "15.5.1". Apple Silicon Macs run macOS 11
** (Big Sur) or later; after 15 (Sequoia) Apple numbered the next release 26
** (Tahoe, announced at WWDC 2025), so 16-25 do not exist. 30 leaves room
** for the next few years. */
static void take_os_version(struct parse *ps, struct raw *r, const char *s)
{
    uint32_t major = 0, minor = 0, patch = 0;
    const char *p = version_part(s, &major);
    char e[48];
    if (p && *p == '.')
        p = version_part(p + 1, &minor);
    if (p && *p == '.')
        p = version_part(p + 1, &patch);
    if (!p || *p != '\0' || strlen(s) >= CHECK_OS_VERSION_MAX) {
        echo_text(s, e, sizeof e);
        BAD(ps, "os_version", "\"%s\" is not a macOS version; write it like \"15.5\"", e);
        r->bad[F_OS_VERSION] = true;
        return;
    }
    if (major < 11 || major > 30) {
        BAD(ps, "os_version", "macOS %u is out of range: Apple Silicon Macs run macOS 11 to 26",
            major);
        r->bad[F_OS_VERSION] = true;
        return;
    }
    if (major > 15 && major < 26) {
        BAD(ps, "os_version",
            "there is no macOS %u: after macOS 15 (Sequoia) came macOS 26 (Tahoe)", major);
        r->bad[F_OS_VERSION] = true;
        return;
    }
    r->os_major = major;
    r->os_minor = minor;
    memcpy(r->os_version, s, strlen(s) + 1);
    r->present[F_OS_VERSION] = true;
}

/* A scalar string field (everything but model/hardware objects). */
static void take_string(struct parse *ps, struct raw *r, enum field_id f, const char *s)
{
    switch (f) {
    case F_MODEL:
        take_id(ps, r, f, s, r->model_id, sizeof r->model_id);
        break;
    case F_HARDWARE:
        take_id(ps, r, f, s, r->hardware_id, sizeof r->hardware_id);
        break;
    case F_QUANT:
        take_id(ps, r, f, s, r->quant, sizeof r->quant);
        break;
    case F_RUNTIME:
        take_runtime(ps, r, s);
        break;
    case F_KV_CACHE:
    case F_KV_CACHE_V:
        take_kv(ps, r, f, s);
        break;
    case F_OS:
        take_os(ps, r, s);
        break;
    case F_OS_VERSION:
        take_os_version(ps, r, s);
        break;
    default:
        break;
    }
}

/* The first word of a space-separated list into out; false when empty or
** too long. */
static bool first_word(const char *list, char *out, size_t cap)
{
    while (*list == ' ')
        list++;
    const char *end = strchr(list, ' ');
    size_t len = end ? (size_t)(end - list) : strlen(list);
    if (len == 0 || len >= cap)
        return false;
    memcpy(out, list, len);
    out[len] = '\0';
    return true;
}

static bool field_is_string(enum field_id f)
{
    return f == F_MODEL || f == F_HARDWARE || f == F_QUANT || f == F_RUNTIME || f == F_KV_CACHE ||
           f == F_KV_CACHE_V || f == F_OS || f == F_OS_VERSION;
}

/* What a string field holds, for "must be a string (...)" reasons. */
static const char *string_hint(enum field_id f)
{
    switch (f) {
    case F_MODEL:
        return "a model id such as \"qwen2.5-32b-instruct\", or an inline model object";
    case F_HARDWARE:
        return "a hardware id such as \"nvidia-rtx-4090\", or an inline hardware object";
    case F_QUANT:
        return "a quant id such as \"Q4_K_M\"";
    case F_RUNTIME:
        return "a runtime id such as \"llama.cpp\"";
    case F_KV_CACHE:
    case F_KV_CACHE_V:
        return "a KV cache type such as \"q8_0\"";
    case F_OS:
        return "\"macos\", \"linux\" or \"windows\"";
    case F_OS_VERSION:
        return "a macOS version string such as \"15.5\"";
    default:
        return "a string";
    }
}

/* ---------------------------------------------------------------------------
** tensor_split: a JSON array (POST) or a comma-separated list (GET)
*/

/* One proportion (1-based entry n). false after recording the problem. */
static bool split_entry(struct parse *ps, struct raw *r, size_t n, double d)
{
    if (!isfinite(d) || d < 0 || d > CHECK_TENSOR_SPLIT_VALUE_MAX) {
        char e[32];
        if (snprintf(e, sizeof e, "%g", d) >= (int)sizeof e)
            memcpy(e, "it", 3);
        BAD(ps, "tensor_split", "entry %zu (%s) must be from 0 to 1,000,000", n, e);
        r->bad[F_TENSOR_SPLIT] = true;
        return false;
    }
    r->tensor_split[n - 1] = d;
    return true;
}

/* After every entry was read: the count and the all-zero rule. */
static void split_finish(struct parse *ps, struct raw *r, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any = any || r->tensor_split[i] > 0;
    if (!any) {
        /* llama.cpp reads an all-zero split as "no split given" and divides
        ** by free memory (src/llama-model.cpp, load_tensors) */
        BAD(ps, "tensor_split",
            "must not be all zero: give each GPU's share, such as 3,1, or leave it out for "
            "llama.cpp's default split");
        r->bad[F_TENSOR_SPLIT] = true;
        return;
    }
    r->n_split = (uint32_t)n;
    r->present[F_TENSOR_SPLIT] = true;
}

static void json_tensor_split(struct parse *ps, struct raw *r, const json_t *v)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    if (!json_is_array(v)) {
        BAD(ps, "tensor_split",
            "must be an array of proportions, one per GPU, such as [3, 1], not %s", json_kind(v));
    } else if (n == 0) {
        BAD(ps, "tensor_split", "is empty; give one proportion per GPU, such as [3, 1]");
    } else if (n > EST_SPLIT_MAX) {
        BAD(ps, "tensor_split", "has %zu entries; at most %u (one per GPU)", n, EST_SPLIT_MAX);
    } else {
        for (size_t i = 0; i < n; i++) {
            const json_t *e = json_array_get(v, i);
            if (!json_is_number(e)) {
                BAD(ps, "tensor_split", "entry %zu must be a number, not %s", i + 1, json_kind(e));
                r->bad[F_TENSOR_SPLIT] = true;
                return;
            }
            if (!split_entry(ps, r, i + 1, json_number_value(e)))
                return;
        }
        split_finish(ps, r, n);
        return;
    }
    r->bad[F_TENSOR_SPLIT] = true;
}

/* "3,1": decimal numbers separated by single commas, no spaces. */
static void query_tensor_split(struct parse *ps, struct raw *r, const char *s)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    if (n > EST_SPLIT_MAX) {
        BAD(ps, "tensor_split", "has %zu entries; at most %u (one per GPU)", n, EST_SPLIT_MAX);
        r->bad[F_TENSOR_SPLIT] = true;
        return;
    }
    const char *p = s;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char tok[40], e[48];
        double d = 0;
        int rc = -1;
        if (len > 0 && len < sizeof tok) {
            memcpy(tok, p, len);
            tok[len] = '\0';
            rc = text_parse_double(tok, 0.0, CHECK_TENSOR_SPLIT_VALUE_MAX, &d);
        }
        if (rc == -2) {
            BAD(ps, "tensor_split", "entry %zu must be from 0 to 1,000,000", i + 1);
            r->bad[F_TENSOR_SPLIT] = true;
            return;
        }
        if (rc != 0) {
            echo_text(s, e, sizeof e);
            BAD(ps, "tensor_split",
                "\"%s\" is not a list of proportions: write numbers separated by commas, one "
                "per GPU, such as 3,1",
                e);
            r->bad[F_TENSOR_SPLIT] = true;
            return;
        }
        if (!split_entry(ps, r, i + 1, d))
            return;
        p = end ? end + 1 : p + len;
    }
    split_finish(ps, r, n);
}

/* ---------------------------------------------------------------------------
** JSON helpers
*/

/* Read an integer member. 1 = *out set, 0 = absent or null, -1 = recorded. */
static int json_int(struct parse *ps, const json_t *obj, const char *key, const char *pname,
                    int64_t lo, int64_t hi, const char *unit, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (json_is_real(v)) {
        bad_real_for_int(ps, pname, json_real_value(v), NULL);
        return -1;
    }
    if (!json_is_integer(v)) {
        BAD(ps, pname, "must be an integer, not %s", json_kind(v));
        return -1;
    }
    json_int_t i = json_integer_value(v);
    if (i < lo || i > hi) {
        bad_range(ps, pname, lo, hi, unit);
        return -1;
    }
    *out = (int64_t)i;
    return 1;
}

/* Read a number member (integer or real) in (lo, hi]. Same returns. */
static int json_number(struct parse *ps, const json_t *obj, const char *key, const char *pname,
                       double lo_excl, double hi, double *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v)) {
        BAD(ps, pname, "must be a number, not %s", json_kind(v));
        return -1;
    }
    double d = json_number_value(v);
    if (!isfinite(d) || d <= lo_excl || d > hi) {
        BAD(ps, pname, "must be greater than %g and at most %g", lo_excl, hi);
        return -1;
    }
    *out = d;
    return 1;
}

/* Read a boolean member. Same returns. */
static int json_bool(struct parse *ps, const json_t *obj, const char *key, const char *pname,
                     bool *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        BAD(ps, pname, "must be true or false, not %s", json_kind(v));
        return -1;
    }
    *out = json_is_true(v);
    return 1;
}

/* A display name: 1..95 bytes, no control characters. Same returns. */
static int json_name(struct parse *ps, const json_t *obj, const char *pname, char *dst, size_t cap)
{
    const json_t *v = json_object_get(obj, "name");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        BAD(ps, pname, "must be a string, not %s", json_kind(v));
        return -1;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n >= cap) {
        BAD(ps, pname, "must be 1 to %zu bytes long", cap - 1);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) {
            BAD(ps, pname, "must not contain control characters");
            return -1;
        }
    }
    memcpy(dst, s, n + 1);
    return 1;
}

/* Refuse members not in known[]: "unknown field; did you mean ...?" */
static void json_unknown_keys(struct parse *ps, const json_t *obj, const char *const *known,
                              size_t n_known, const char *prefix)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool found = false;
        char pname[64], e[48], hint[96];
        (void)v;
        for (size_t i = 0; i < n_known && !found; i++)
            found = strcmp(key, known[i]) == 0;
        if (found)
            continue;
        echo_text(key, e, sizeof e);
        int w = snprintf(pname, sizeof pname, "%s%s", prefix, e);
        if (w < 0 || (size_t)w >= sizeof pname)
            memcpy(pname, "(field)", 8);
        did_you_mean(key, known, n_known, prefix, hint, sizeof hint);
        if (hint[0])
            BAD(ps, pname, "is not a field of this request%s", hint);
        else
            BAD(ps, pname, "is not a field of this request");
    }
}

/* ---------------------------------------------------------------------------
** Inline model object (POST only)
*/

static const char *const model_keys[] = {
    "name",
    "params",
    "num_hidden_layers",
    "hidden_size",
    "num_attention_heads",
    "num_key_value_heads",
    "head_dim",
    "intermediate_size",
    "vocab_size",
    "tie_word_embeddings",
    "max_position_embeddings",
    "sliding_window",
    "sliding_window_layers",
    "num_experts",
    "num_experts_per_tok",
    "moe_intermediate_size",
    "num_shared_experts",
    "kv_lora_rank",
    "qk_rope_head_dim",
    "experts_mxfp4",
};

/* Integer members of the inline model and their bounds. The caps are far
** above every published architecture (the largest have ~128 layers, hidden
** sizes near 16k, vocabularies near 262k) and keep products inside 64 bits. */
struct model_int {
    const char *key;
    int64_t lo, hi;
    bool required;
    size_t offset; /* of a uint32_t in struct est_model */
};

static const struct model_int model_ints[] = {
    {"num_hidden_layers", 1, 1024, true, offsetof(struct est_model, num_hidden_layers)},
    {"hidden_size", 1, 262144, true, offsetof(struct est_model, hidden_size)},
    {"num_attention_heads", 1, 1024, true, offsetof(struct est_model, num_attention_heads)},
    {"num_key_value_heads", 1, 1024, false, offsetof(struct est_model, num_key_value_heads)},
    {"head_dim", 1, 4096, false, offsetof(struct est_model, head_dim)},
    {"intermediate_size", 1, 1048576, false, offsetof(struct est_model, intermediate_size)},
    {"vocab_size", 1, 4194304, true, offsetof(struct est_model, vocab_size)},
    {"max_position_embeddings", 1, EST_CONTEXT_MAX, false,
     offsetof(struct est_model, max_position_embeddings)},
    {"sliding_window", 0, EST_CONTEXT_MAX, false, offsetof(struct est_model, sliding_window)},
    {"sliding_window_layers", 0, 1024, false, offsetof(struct est_model, sliding_window_layers)},
    {"num_experts", 0, 4096, false, offsetof(struct est_model, num_experts)},
    {"num_experts_per_tok", 1, 4096, false, offsetof(struct est_model, num_experts_per_tok)},
    {"moe_intermediate_size", 1, 1048576, false, offsetof(struct est_model, moe_intermediate_size)},
    {"num_shared_experts", 0, 64, false, offsetof(struct est_model, num_shared_experts)},
    {"kv_lora_rank", 0, 65536, false, offsetof(struct est_model, kv_lora_rank)},
    {"qk_rope_head_dim", 0, 4096, false, offsetof(struct est_model, qk_rope_head_dim)},
};

static bool json_has(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v && !json_is_null(v);
}

/* Validate an inline model; fills r->arch and r->model_name. Problems are
** named "model.<field>". */
static void json_inline_model(struct parse *ps, struct raw *r, const json_t *obj)
{
    struct est_model *m = &r->arch;
    unsigned before = ps->n_invalid;
    char pname[64];
    int64_t v;

    memset(m, 0, sizeof *m);
    json_unknown_keys(ps, obj, model_keys, COUNT_OF(model_keys), "model.");
    if (json_name(ps, obj, "model.name", r->model_name, sizeof r->model_name) == 0)
        memcpy(r->model_name, "Inline model", sizeof "Inline model");

    v = 0;
    if (json_int(ps, obj, "params", "model.params", 1, CHECK_MODEL_PARAMS_MAX, "", &v) == 1)
        m->params = (uint64_t)v;
    for (size_t i = 0; i < COUNT_OF(model_ints); i++) {
        const struct model_int *mi = &model_ints[i];
        int w = snprintf(pname, sizeof pname, "model.%s", mi->key);
        if (w < 0 || (size_t)w >= sizeof pname)
            continue;
        int got = json_int(ps, obj, mi->key, pname, mi->lo, mi->hi, "", &v);
        if (got == 1) {
            uint32_t u = (uint32_t)v;
            memcpy((char *)m + mi->offset, &u, sizeof u);
        } else if (got == 0 && mi->required) {
            BAD(ps, pname, "is required in an inline model");
        }
    }
    bool tie = false;
    if (json_bool(ps, obj, "tie_word_embeddings", "model.tie_word_embeddings", &tie) == 1)
        m->tie_word_embeddings = tie;
    /* config.json quantization_config {"quant_method": "mxfp4"} (gpt-oss):
    ** the routed experts ship in MXFP4 */
    bool mxfp4 = false;
    if (json_bool(ps, obj, "experts_mxfp4", "model.experts_mxfp4", &mxfp4) == 1)
        m->experts_mxfp4 = mxfp4;

    /* Cross-field rules, only when the members involved were well-formed. */
    if (ps->n_invalid != before) {
        r->bad[F_MODEL] = true;
        return;
    }
    uint32_t heads = m->num_attention_heads;
    if (m->num_key_value_heads) {
        if (m->num_key_value_heads > heads)
            BAD(ps, "model.num_key_value_heads", "(%u) must not exceed num_attention_heads (%u)",
                m->num_key_value_heads, heads);
        else if (heads % m->num_key_value_heads != 0)
            BAD(ps, "model.num_key_value_heads",
                "must divide num_attention_heads: %u heads cannot be shared by %u KV heads", heads,
                m->num_key_value_heads);
    }
    if (!m->head_dim && m->hidden_size % heads != 0)
        BAD(ps, "model.head_dim",
            "is required: hidden_size (%u) is not a multiple of num_attention_heads (%u)",
            m->hidden_size, heads);
    if (m->head_dim) {
        /* Published models keep heads x head_dim within a small factor of
        ** hidden_size (Gemma 3 270M: 4 x 256 = 1.6 x 640; Qwen3 0.6B: 2x).
        ** A factor of 8 either way catches a pasted wrong number. */
        uint64_t attn = (uint64_t)m->head_dim * heads;
        if (attn > 8ull * m->hidden_size || attn * 8ull < m->hidden_size)
            BAD(ps, "model.head_dim",
                "head_dim x num_attention_heads = %llu is not within a factor of 8 of "
                "hidden_size (%u); check the config",
                (unsigned long long)attn, m->hidden_size);
    }
    bool moe = m->num_experts > 1;
    if (moe) {
        if (!json_has(obj, "num_experts_per_tok"))
            BAD(ps, "model.num_experts_per_tok", "is required when num_experts > 1");
        else if (m->num_experts_per_tok > m->num_experts)
            BAD(ps, "model.num_experts_per_tok", "(%u) must not exceed num_experts (%u)",
                m->num_experts_per_tok, m->num_experts);
        if (!json_has(obj, "moe_intermediate_size"))
            BAD(ps, "model.moe_intermediate_size",
                "is required when num_experts > 1 (the FFN width of one expert; "
                "Mixtral-style configs call it intermediate_size)");
    } else {
        if (json_has(obj, "num_experts_per_tok"))
            BAD(ps, "model.num_experts_per_tok", "applies only when num_experts > 1");
        if (json_has(obj, "moe_intermediate_size"))
            BAD(ps, "model.moe_intermediate_size", "applies only when num_experts > 1");
        if (!json_has(obj, "intermediate_size"))
            BAD(ps, "model.intermediate_size", "is required for a dense model");
        if (m->experts_mxfp4)
            BAD(ps, "model.experts_mxfp4", "applies only when num_experts > 1");
    }
    if (m->sliding_window_layers > m->num_hidden_layers)
        BAD(ps, "model.sliding_window_layers", "(%u) must not exceed num_hidden_layers (%u)",
            m->sliding_window_layers, m->num_hidden_layers);
    else if (m->sliding_window_layers && !m->sliding_window)
        BAD(ps, "model.sliding_window_layers", "needs sliding_window (the window in tokens)");
    else if (m->sliding_window && !json_has(obj, "sliding_window_layers"))
        m->sliding_window_layers = m->num_hidden_layers; /* HF: every layer uses the window */
    if (m->qk_rope_head_dim && !m->kv_lora_rank)
        BAD(ps, "model.qk_rope_head_dim", "applies only to MLA models (with kv_lora_rank)");

    if (ps->n_invalid != before)
        r->bad[F_MODEL] = true;
    else
        r->model_inline = r->present[F_MODEL] = true;
}

/* ---------------------------------------------------------------------------
** Inline hardware object (POST only)
*/

static const char *const hardware_keys[] = {
    "name",          "memory_gb", "kind",           "backend",           "bandwidth_gbs",
    "system_ram_gb", "count",     "compute_tflops", "max_allocation_gb",
};

/* Read an enum member from a fixed id list. Same returns as json_int. */
static int json_choice(struct parse *ps, const json_t *obj, const char *key, const char *pname,
                       const char *const *ids, size_t n, unsigned *out)
{
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        BAD(ps, pname, "must be a string, not %s", json_kind(v));
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(json_string_value(v), ids[i]) == 0) {
            *out = (unsigned)i;
            return 1;
        }
    bad_choice(ps, pname, json_string_value(v), ids, n);
    return -1;
}

static void json_inline_hardware(struct parse *ps, struct raw *r, const json_t *obj)
{
    struct raw_hardware *h = &r->hw;
    unsigned before = ps->n_invalid;
    unsigned kind = 0, backend = 0;
    int64_t count = 0;
    int got_kind, got_backend, got_mem, got_ram, got_alloc;

    memset(h, 0, sizeof *h);
    json_unknown_keys(ps, obj, hardware_keys, COUNT_OF(hardware_keys), "hardware.");
    json_name(ps, obj, "hardware.name", h->name, sizeof h->name);
    got_mem = json_number(ps, obj, "memory_gb", "hardware.memory_gb", 0.0, CHECK_HW_MEMORY_GB_MAX,
                          &h->memory_gb);
    if (got_mem == 0)
        BAD(ps, "hardware.memory_gb", "is required in inline hardware (the vendor's figure, GB)");
    got_kind = json_choice(ps, obj, "kind", "hardware.kind", kind_ids, COUNT_OF(kind_ids), &kind);
    if (got_kind == 0)
        BAD(ps, "hardware.kind", "is required: gpu, unified or cpu");
    got_backend = json_choice(ps, obj, "backend", "hardware.backend", backend_ids,
                              COUNT_OF(backend_ids), &backend);
    json_number(ps, obj, "bandwidth_gbs", "hardware.bandwidth_gbs", 0.0, CHECK_HW_BANDWIDTH_GBS_MAX,
                &h->bandwidth_gbs);
    got_ram = json_number(ps, obj, "system_ram_gb", "hardware.system_ram_gb", 0.0,
                          CHECK_HW_SYSTEM_RAM_GB_MAX, &h->system_ram_gb);
    if (json_int(ps, obj, "count", "hardware.count", 1, CHECK_GPU_COUNT_MAX, " devices", &count) ==
        1)
        h->count = (uint32_t)count;
    json_number(ps, obj, "compute_tflops", "hardware.compute_tflops", 0.0,
                CHECK_HW_COMPUTE_TFLOPS_MAX, &h->compute_tflops);
    got_alloc = json_number(ps, obj, "max_allocation_gb", "hardware.max_allocation_gb", 0.0,
                            CHECK_HW_MEMORY_GB_MAX, &h->max_allocation_gb);
    if (got_alloc == 1 && got_mem == 1 && h->max_allocation_gb > h->memory_gb)
        BAD(ps, "hardware.max_allocation_gb",
            "(%g) must not exceed memory_gb (%g): one buffer cannot be larger than the "
            "device's memory",
            h->max_allocation_gb, h->memory_gb);

    if (got_kind == 1) {
        h->kind = (enum est_device_kind)kind;
        if (got_backend == 0) /* the usual backend of each kind */
            backend = h->kind == EST_DEVICE_UNIFIED ? EST_BACKEND_METAL
                      : h->kind == EST_DEVICE_CPU   ? EST_BACKEND_CPU
                                                    : EST_BACKEND_CUDA;
        h->backend = (enum est_backend)backend;
        if (got_backend != -1) {
            if (h->kind == EST_DEVICE_CPU && h->backend != EST_BACKEND_CPU)
                BAD(ps, "hardware.backend", "must be cpu when kind is cpu");
            else if (h->kind == EST_DEVICE_GPU && h->backend == EST_BACKEND_CPU)
                BAD(ps, "hardware.backend",
                    "cpu is not a GPU backend; use cuda, rocm or vulkan, or kind cpu");
            else if (h->backend == EST_BACKEND_METAL && h->kind != EST_DEVICE_UNIFIED)
                BAD(ps, "hardware.backend",
                    "metal means Apple Silicon, whose memory is unified: use kind unified");
        }
        if (h->kind != EST_DEVICE_GPU && h->count > 1)
            BAD(ps, "hardware.count", "more than one device needs kind gpu");
        if (h->kind != EST_DEVICE_GPU && got_ram == 1 && got_mem == 1 &&
            h->system_ram_gb != h->memory_gb)
            BAD(ps, "hardware.system_ram_gb",
                "must equal memory_gb (or be left out) when kind is %s: the memory is shared",
                kind_ids[kind]);
    }
    if (ps->n_invalid != before)
        r->bad[F_HARDWARE] = true;
    else
        r->hardware_inline = r->present[F_HARDWARE] = true;
}

/* ---------------------------------------------------------------------------
** Resolution: defaults, catalog lookups and combinations (shared)
*/

static void add_unknown(struct parse *ps, const char *field, const char *id,
                        const char *const *cands, size_t n)
{
    struct unknown_id *u;
    size_t idx[PROBLEM_MAX_SUGGESTIONS];
    if (ps->n_unknown >= COUNT_OF(ps->unknown))
        return;
    u = &ps->unknown[ps->n_unknown++];
    u->field = field;
    memcpy(u->id, id, strlen(id) + 1);
    u->n_suggest = cands ? text_suggest(id, cands, n, idx, PROBLEM_MAX_SUGGESTIONS) : 0;
    for (size_t i = 0; i < u->n_suggest; i++)
        u->suggest[i] = cands[idx[i]];
}

/* The quant for a (folded) id: catalog first, then the estimator's table
** (which also knows the F16 -> fp16 alias). */
static const struct est_quant *find_quant(const struct catalog *cat, const char *id,
                                          const struct catalog_quant **cq_out)
{
    const struct catalog_quant *cq = catalog_quant_find(cat, id);
    const struct est_quant *q = NULL;
    if (cq) {
        q = cq->est ? cq->est : est_quant_find(cq->id);
    } else {
        q = est_quant_find(id);
        /* Unquantized GGUF files are called F16; the id is fp16. */
        if (!q && strcmp(id, "f16") == 0)
            q = est_quant_find("fp16");
        if (q)
            cq = catalog_quant_find(cat, q->id);
    }
    *cq_out = cq;
    return q;
}

static const char *quant_kind(const struct est_quant *q)
{
    switch (q->format) {
    case EST_QF_GGUF:
        return "a GGUF quant";
    case EST_QF_MLX:
        return "an MLX quant";
    case EST_QF_HF:
        break;
    }
    if (strcasecmp(q->id, "bf16") == 0 || strcasecmp(q->id, "fp16") == 0)
        return "unquantized weights";
    return "a Hugging Face quantized format";
}

/* What each runtime loads (the quant ids of seed/quants.json: GGUF for the
** llama.cpp family, MLX for mlx, safetensors bf16/fp16 or FP8/AWQ/GPTQ for
** transformers and vLLM). */
static const char *runtime_loads(enum est_runtime rt)
{
    switch (rt) {
    case EST_RUNTIME_LLAMACPP:
    case EST_RUNTIME_OLLAMA:
        return "GGUF quants such as Q4_K_M or Q8_0 (or F16/BF16 files)";
    case EST_RUNTIME_LMSTUDIO:
        return "GGUF quants such as Q4_K_M (and MLX quants such as mlx-4bit on Apple Silicon)";
    case EST_RUNTIME_MLX:
        return "MLX quants such as mlx-4bit or mlx-8bit (or bf16/fp16 weights)";
    case EST_RUNTIME_TRANSFORMERS:
    case EST_RUNTIME_VLLM:
        return "bf16/fp16 weights or Hugging Face quantized ones (fp8, awq-int4, gptq-int4)";
    case EST_RUNTIME_COUNT:
        break;
    }
    return "other formats";
}

/* Backends each runtime runs on, mirroring what the estimator sizes:
** MLX on Metal, CUDA (mlx[cuda]) and the CPU (MLX docs, "Installation");
** vLLM on CUDA, ROCm and the CPU (vLLM docs, installation/gpu.md, cpu.md);
** transformers (PyTorch) on CUDA, ROCm, Metal (MPS) and the CPU, not
** Vulkan (pytorch.org "Get Started"). The llama.cpp family runs on all. */
static bool runtime_runs_on_backend(enum est_runtime rt, enum est_backend b)
{
    switch (rt) {
    case EST_RUNTIME_MLX:
        return b == EST_BACKEND_METAL || b == EST_BACKEND_CUDA || b == EST_BACKEND_CPU;
    case EST_RUNTIME_VLLM:
        return b == EST_BACKEND_CUDA || b == EST_BACKEND_ROCM || b == EST_BACKEND_CPU;
    case EST_RUNTIME_TRANSFORMERS:
        return b != EST_BACKEND_VULKAN;
    default:
        return true;
    }
}

/* The same list in words, or NULL for runtimes that run everywhere. */
static const char *runtime_backends(enum est_runtime rt)
{
    switch (rt) {
    case EST_RUNTIME_MLX:
        return "Apple Silicon (metal), NVIDIA GPUs (cuda) or the CPU";
    case EST_RUNTIME_VLLM:
        return "NVIDIA (cuda) or AMD (rocm) GPUs, or the CPU";
    case EST_RUNTIME_TRANSFORMERS:
        return "cuda, rocm, metal (MPS) or the CPU, not vulkan";
    default:
        return NULL;
    }
}

/* The KV cache types an engine accepts, as "f16, q8_0, ...". */
static void kv_types_of(enum est_runtime engine, char *list, size_t cap)
{
    size_t used = 0;
    list[0] = '\0';
    for (int t = EST_KV_DEFAULT + 1; t < EST_KV_COUNT; t++) {
        if (!est_kv_type_supported(engine, (enum est_kv_type)t))
            continue;
        int w = snprintf(list + used, cap - used, "%s%s", used ? ", " : "",
                         est_kv_type_id((enum est_kv_type)t));
        if (w < 0 || (size_t)w >= cap - used)
            break;
        used += (size_t)w;
    }
}

/* A llama.cpp setting given for a runtime that does not run llama.cpp;
** `who` names the runtimes that take it. */
static void not_llamacpp(struct parse *ps, const char *field, const char *what, const char *who,
                         const struct check_input *in)
{
    if (in->est.runtime == EST_RUNTIME_LMSTUDIO)
        BAD(ps, field, "is %s; lmstudio runs %s in its MLX engine, which has no such setting: %s",
            what, in->quant_id[0] ? in->quant_id : "MLX models", who);
    else
        BAD(ps, field, "is %s; %s has no such setting: %s", what, est_runtime_id(in->est.runtime),
            who);
}

/* The RAM of a Mac in MiB, for the wired limit bound. */
static uint64_t hardware_ram_mib(const struct check_input *in)
{
    double gib = in->est.device.system_ram_gib > 0 ? in->est.device.system_ram_gib
                                                   : in->est.device.memory_gib;
    return (uint64_t)(gib * 1024.0);
}

static void resolve_model(struct parse *ps, const struct raw *r, struct check_input *in)
{
    if (r->bad[F_MODEL])
        return;
    if (!r->present[F_MODEL]) {
        BAD(ps, "model",
            "is required: a model id such as \"qwen2.5-32b-instruct\", or an "
            "inline model object");
        return;
    }
    if (r->model_inline) {
        in->est.model = r->arch;
        memcpy(in->model_id, INLINE_ID, sizeof INLINE_ID);
        memcpy(in->model_name, r->model_name, sizeof in->model_name);
        return;
    }
    in->model = catalog_model_find(ps->cat, r->model_id);
    if (!in->model) {
        add_unknown(ps, "model", r->model_id, ps->cat->model_ids, ps->cat->n_models);
        return;
    }
    in->est.model = in->model->arch;
    memcpy(in->model_id, in->model->id, sizeof in->model_id);
    memcpy(in->model_name, in->model->name, sizeof in->model_name);
    if (!in->model_name[0])
        memcpy(in->model_name, in->model->id, sizeof in->model_name);
}

/* Display name of the hardware for sentences ("the %s lets the GPU use ..."):
** the catalog or inline name, else what the device is ("card", "Mac"). A
** vendor memory suffix such as "Apple M1 Max (32 GB)" is rewritten in GiB,
** the unit of every figure in our text ("32 GB" of unified memory is 32 GiB),
** so one sentence never mixes GB and GiB. */
static void hardware_display(struct check_input *in, const char *name)
{
    const char *what = in->est.device.kind == EST_DEVICE_CPU   ? "machine"
                       : in->est.device.kind == EST_DEVICE_GPU ? "card"
                       : in->hardware_is_apple                 ? "Mac"
                                                               : "device";
    const char *base = name && name[0] ? name : what;
    size_t base_len = strlen(base);
    const char *open = strrchr(base, '(');
    if (NULL != open && base_len >= 4 && 0 == strcmp(base + base_len - 4, " GB)")) {
        base_len = (size_t)(open - base);
        while (base_len > 0 && ' ' == base[base_len - 1])
            base_len--;
    }
    int w = base_len == strlen(base)
                ? snprintf(in->hardware_name, sizeof in->hardware_name, "%s", base)
                : snprintf(in->hardware_name, sizeof in->hardware_name, "%.*s (%g GiB)",
                           (int)base_len, base, in->est.device.memory_gib);
    if (w < 0 || (size_t)w >= sizeof in->hardware_name)
        snprintf(in->hardware_name, sizeof in->hardware_name, "%s", what);
}

static void resolve_hardware(struct parse *ps, const struct raw *r, struct check_input *in)
{
    struct est_device *d = &in->est.device;
    if (r->bad[F_HARDWARE])
        return;
    if (!r->present[F_HARDWARE]) {
        BAD(ps, "hardware",
            "is required: a hardware id such as \"nvidia-rtx-4090\", or an "
            "inline hardware object");
        return;
    }
    if (r->hardware_inline) {
        const struct raw_hardware *h = &r->hw;
        d->kind = h->kind;
        d->backend = h->backend;
        d->memory_gib = h->memory_gb;
        d->bandwidth_gbs = h->bandwidth_gbs;
        d->system_ram_gib = h->kind == EST_DEVICE_GPU ? h->system_ram_gb : h->memory_gb;
        d->count = h->count ? h->count : 1;
        d->compute_tflops = h->compute_tflops;
        d->max_allocation_gib = h->max_allocation_gb;
        in->hardware_is_apple = h->backend == EST_BACKEND_METAL;
        memcpy(in->hardware_id, INLINE_ID, sizeof INLINE_ID);
        hardware_display(in, h->name);
    } else {
        const struct catalog_hardware *hw = catalog_hardware_find(ps->cat, r->hardware_id);
        if (!hw) {
            add_unknown(ps, "hardware", r->hardware_id, ps->cat->hardware_ids, ps->cat->n_hardware);
            return;
        }
        in->hardware = hw;
        d->kind = hw->kind;
        d->backend = hw->backend;
        d->memory_gib = hw->memory_gb;
        d->bandwidth_gbs = hw->bandwidth_gbs;
        d->system_ram_gib = hw->system_ram_gb;
        /* 0 = unknown; the store fills it from the seed's dense FP16 figure */
        d->compute_tflops = hw->compute_tflops > 0 ? hw->compute_tflops : 0;
        if (d->kind != EST_DEVICE_GPU && d->system_ram_gib <= 0)
            d->system_ram_gib = hw->memory_gb;
        d->count = 1;
        in->hardware_is_apple = hw->backend == EST_BACKEND_METAL ||
                                (hw->backends & (1u << EST_BACKEND_METAL)) != 0 ||
                                strcasecmp(hw->vendor, "Apple") == 0;
        memcpy(in->hardware_id, hw->id, sizeof in->hardware_id);
        hardware_display(in, hw->name);
    }
    if (d->kind == EST_DEVICE_GPU && d->system_ram_gib <= 0) {
        d->system_ram_gib = CHECK_ASSUMED_SYSTEM_RAM_GIB;
        in->system_ram_assumed = true;
    }
}

/* Everything after reading: returns 0 or -1 with *pb filled. */
static int resolve(struct parse *ps, const struct raw *r, struct check_input *in)
{
    struct est_input *e = &in->est;
    bool hw_ok, rt_ok, os_ok;

    memset(in, 0, sizeof *in);
    resolve_model(ps, r, in);

    /* quant: looked up now, checked against the runtime below */
    const struct est_quant *q = NULL;
    if (r->present[F_QUANT]) {
        q = find_quant(ps->cat, r->quant, &in->quant);
        if (!q)
            add_unknown(ps, "quant", r->quant, ps->cat->quant_ids, ps->cat->n_quants);
    }

    resolve_hardware(ps, r, in);
    hw_ok = in->hardware_id[0] != '\0';

    /* runtime (default llama.cpp) */
    e->runtime = r->present[F_RUNTIME] ? r->runtime : EST_RUNTIME_LLAMACPP;
    rt_ok = !r->bad[F_RUNTIME];

    /* quant against runtime and hardware, or the runtime's default */
    if (q && rt_ok) {
        if (!est_quant_runs_on(q, e->runtime)) {
            BAD(ps, "quant", "%s is %s; %s loads %s", q->id, quant_kind(q),
                est_runtime_id(e->runtime), runtime_loads(e->runtime));
            q = NULL;
        } else if (q->format == EST_QF_MLX && e->runtime == EST_RUNTIME_LMSTUDIO && hw_ok &&
                   !in->hardware_is_apple) {
            /* LM Studio loads MLX models through its mlx-engine (lmstudio-ai/mlx-engine),
            ** which runs on Apple Silicon Macs only. */
            BAD(ps, "quant",
                "%s is an MLX quant, and MLX models run only on Apple Silicon Macs; the %s is "
                "not one: use a GGUF quant such as Q4_K_M",
                q->id, in->hardware_name);
            q = NULL;
        }
    } else if (!r->present[F_QUANT] && rt_ok) {
        q = est_quant_default(e->runtime);
        in->quant_defaulted = true;
        /* llama.cpp and LM Studio download what the model's GGUF repository
        ** holds: when it has no file of the usual quant (ggml-org's gpt-oss
        ** repositories hold MXFP4 only), the first quant it lists is the
        ** default, so the answer is about a file that exists. */
        if (q && in->model && in->model->gguf_quants[0] &&
            (e->runtime == EST_RUNTIME_LLAMACPP || e->runtime == EST_RUNTIME_LMSTUDIO) &&
            !text_has_word(in->model->gguf_quants, q->id)) {
            char first[32];
            const struct est_quant *alt = NULL;
            if (first_word(in->model->gguf_quants, first, sizeof first))
                alt = est_quant_find(first);
            if (alt && est_quant_runs_on(alt, e->runtime))
                q = alt;
        }
        if (q)
            in->quant = catalog_quant_find(ps->cat, q->id);
    }
    if (q) {
        int w = snprintf(in->quant_id, sizeof in->quant_id, "%s", q->id);
        if (w < 0 || (size_t)w >= sizeof in->quant_id)
            q = NULL;
    }
    e->quant = q;

    /* context: 0 = the runtime's default */
    in->context_given = r->present[F_CONTEXT];
    e->context = r->present[F_CONTEXT] ? r->context : 0;

    /* kv_cache against the runtime; LM Studio runs MLX quants in its MLX
    ** engine, whose cache types are MLX's (as the estimator sizes them) */
    enum est_runtime engine = e->runtime;
    if (e->runtime == EST_RUNTIME_LMSTUDIO && q && q->format == EST_QF_MLX)
        engine = EST_RUNTIME_MLX;
    in->llamacpp_engine = rt_ok && (engine == EST_RUNTIME_LLAMACPP ||
                                    engine == EST_RUNTIME_OLLAMA || engine == EST_RUNTIME_LMSTUDIO);
    const char *engine_note = engine != e->runtime ? " (MLX engine)" : "";
    char kv_list[96];
    kv_types_of(engine, kv_list, sizeof kv_list);
    e->kv_type = r->present[F_KV_CACHE] ? r->kv_type : EST_KV_DEFAULT;
    if (r->present[F_KV_CACHE] && rt_ok && !est_kv_type_supported(engine, e->kv_type))
        BAD(ps, "kv_cache", "%s%s does not offer a %s KV cache; it accepts %s",
            est_runtime_id(e->runtime), engine_note, est_kv_type_id(e->kv_type), kv_list);

    /* kv_cache_v: llama.cpp takes -ctk and -ctv apart (common/arg.cpp), and LM
    ** Studio's GGUF engine has separate K and V cache settings; Ollama
    ** (OLLAMA_KV_CACHE_TYPE), mlx-lm (--kv-bits) and vLLM (--kv-cache-dtype)
    ** set both with one value, as the estimator sizes them
    ** (estimator_kv_types_may_differ). A V type that equals the K type is
    ** fine everywhere; the estimator refuses other combinations. */
    e->kv_type_v = r->present[F_KV_CACHE_V] ? r->kv_type_v : EST_KV_DEFAULT;
    if (r->present[F_KV_CACHE_V] && rt_ok) {
        const bool separate = engine == EST_RUNTIME_LLAMACPP || engine == EST_RUNTIME_LMSTUDIO;
        if (!est_kv_type_supported(engine, e->kv_type_v))
            BAD(ps, "kv_cache_v", "%s%s does not offer a %s V cache; it accepts %s",
                est_runtime_id(e->runtime), engine_note, est_kv_type_id(e->kv_type_v), kv_list);
        else if (!separate && r->present[F_KV_CACHE] && e->kv_type_v != e->kv_type)
            BAD(ps, "kv_cache_v",
                "(%s) differs from kv_cache (%s), but %s%s sets the K and V cache types "
                "together; only llama.cpp and lmstudio with a GGUF quant take a separate V type",
                est_kv_type_id(e->kv_type_v), est_kv_type_id(e->kv_type),
                est_runtime_id(e->runtime), engine_note);
    }

    e->flash_attention =
        r->present[F_FLASH_ATTENTION] ? (r->flash_attention ? EST_ON : EST_OFF) : EST_AUTO;
    /* llama.cpp refuses a quantized V cache without flash attention ("V cache
    ** quantization requires flash_attn", src/llama-context.cpp); Ollama turns
    ** its quantized cache off instead. The V type is kv_cache_v, else kv_cache. */
    if (in->llamacpp_engine && e->flash_attention == EST_OFF) {
        const enum est_kv_type v = e->kv_type_v != EST_KV_DEFAULT ? e->kv_type_v : e->kv_type;
        if (v == EST_KV_Q8_0 || v == EST_KV_Q4_0)
            BAD(ps, "flash_attention",
                "is false, but a quantized V cache (%s) needs flash attention in %s; set "
                "flash_attention to true or leave it out, or use an f16 V cache",
                est_kv_type_id(v), est_runtime_id(e->runtime));
    }
    e->batch = r->present[F_BATCH] ? r->batch : 1;

    /* gpu_count: also settable as hardware.count in an inline object */
    const unsigned gpu_bad_before = ps->n_invalid;
    in->gpu_count = hw_ok ? e->device.count : 1;
    if (r->present[F_GPU_COUNT]) {
        if (r->hardware_inline && r->hw.count && r->hw.count != r->gpu_count)
            BAD(ps, "gpu_count", "(%u) disagrees with hardware.count (%u); give one of them",
                r->gpu_count, r->hw.count);
        else if (hw_ok && r->gpu_count > 1 && e->device.kind != EST_DEVICE_GPU)
            BAD(ps, "gpu_count",
                "can be above 1 only for discrete GPUs; the %s is a single %s device",
                in->hardware_name, est_device_kind_id(e->device.kind));
        else
            in->gpu_count = r->gpu_count;
    }
    if (hw_ok)
        e->device.count = in->gpu_count;
    const bool gpu_count_ok = hw_ok && !r->bad[F_GPU_COUNT] && ps->n_invalid == gpu_bad_before;

    /* ubatch: llama.cpp's -ub; Ollama's num_batch becomes both -b and -ub */
    if (r->present[F_UBATCH]) {
        if (rt_ok && !in->llamacpp_engine)
            not_llamacpp(ps, "ubatch", "llama.cpp's physical batch (-ub)",
                         "only llama.cpp, ollama (num_batch) and lmstudio with a GGUF quant "
                         "take it",
                         in);
        e->ubatch = r->ubatch;
    }

    /* tensor_split: llama.cpp's --tensor-split, one proportion per GPU. The
    ** runtimes outside the llama.cpp engines are refused here; among those,
    ** only llama.cpp itself takes proportions (Ollama places layers itself,
    ** LM Studio offers split strategies), which the estimator says with
    ** EST_E_UNSUPPORTED (handle_check.c names the field then). */
    if (r->present[F_TENSOR_SPLIT]) {
        if (rt_ok && !in->llamacpp_engine) {
            not_llamacpp(ps, "tensor_split", "llama.cpp's --tensor-split",
                         "only llama.cpp takes proportions per GPU", in);
        } else if (gpu_count_ok && in->gpu_count < 2) {
            BAD(ps, "tensor_split",
                "divides the layers between GPUs, so it needs gpu_count of 2 or more "
                "(gpu_count is %u)",
                in->gpu_count);
        } else if (gpu_count_ok && r->n_split != in->gpu_count) {
            BAD(ps, "tensor_split",
                "has %u entr%s but gpu_count is %u: give one proportion per GPU", r->n_split,
                r->n_split == 1 ? "y" : "ies", in->gpu_count);
        } else {
            memcpy(e->tensor_split, r->tensor_split, sizeof e->tensor_split);
            in->tensor_split_given = true;
        }
    }

    /* n_cpu_moe: llama.cpp's --n-cpu-moe N keeps the routed experts of the
    ** first N layers in system RAM (common/arg.cpp); MoE models only. Of the
    ** llama.cpp engines Ollama has no such setting: the estimator answers
    ** EST_E_UNSUPPORTED for it (handle_check.c names the field). */
    if (r->present[F_N_CPU_MOE]) {
        const struct est_model *m = &e->model;
        const bool model_ok = in->model_id[0] != '\0';
        e->n_cpu_moe = r->n_cpu_moe;
        if (r->n_cpu_moe == 0) {
            /* the default: nothing moves */
        } else if (model_ok && m->num_experts <= 1) {
            BAD(ps, "n_cpu_moe",
                "applies only to mixture-of-experts models (num_experts > 1); %s is a dense "
                "model",
                in->model_name);
        } else if (model_ok && r->n_cpu_moe > m->num_hidden_layers) {
            BAD(ps, "n_cpu_moe", "must be from 0 to %u: %s has %u layers", m->num_hidden_layers,
                in->model_name, m->num_hidden_layers);
        } else if (rt_ok && !in->llamacpp_engine) {
            not_llamacpp(ps, "n_cpu_moe", "llama.cpp's --n-cpu-moe",
                         "only llama.cpp and lmstudio with a GGUF quant take it", in);
        } else if (hw_ok && e->device.kind == EST_DEVICE_CPU) {
            BAD(ps, "n_cpu_moe",
                "keeps experts in system RAM instead of on the accelerator; the %s has no "
                "accelerator, so everything is in system RAM already",
                in->hardware_name);
        }
    }

    /* os: defaults to the hardware's; Apple Silicon means macOS and back */
    os_ok = !r->bad[F_OS] && (r->present[F_OS] || hw_ok);
    if (r->present[F_OS]) {
        e->os = r->os;
    } else if (hw_ok) {
        in->os_defaulted = true;
        e->os = in->hardware ? in->hardware->default_os
                             : (in->hardware_is_apple ? EST_OS_MACOS : EST_OS_LINUX);
        /* vLLM and MLX have no Windows build: a PC that usually runs Windows
        ** runs them under Linux (WSL2 or native). */
        if (e->os == EST_OS_WINDOWS && rt_ok &&
            (e->runtime == EST_RUNTIME_VLLM || e->runtime == EST_RUNTIME_MLX))
            e->os = EST_OS_LINUX;
    }
    if (r->present[F_OS] && hw_ok) {
        if (in->hardware_is_apple && e->os != EST_OS_MACOS) {
            BAD(ps, "os",
                "the %s is an Apple Silicon Mac: its GPU (Metal) is used under macOS only, so "
                "os must be macos",
                in->hardware_name);
            os_ok = false;
        } else if (!in->hardware_is_apple && e->os == EST_OS_MACOS) {
            BAD(ps, "os", "macos runs only on Apple hardware; the %s runs linux or windows",
                in->hardware_name);
            os_ok = false;
        }
    }

    /* runtime against the platform (the same backends the estimator sizes) */
    if (rt_ok && hw_ok) {
        const char *backends = runtime_backends(e->runtime);
        if (backends && !runtime_runs_on_backend(e->runtime, e->device.backend))
            BAD(ps, "runtime", "%s runs on %s; the %s uses %s", est_runtime_id(e->runtime),
                backends, in->hardware_name, est_backend_id(e->device.backend));
        else if (e->runtime == EST_RUNTIME_VLLM && os_ok && e->os == EST_OS_WINDOWS)
            /* vLLM docs, installation/gpu.md: "OS: Linux"; "vLLM does not support Windows
            ** natively ... use the Windows Subsystem for Linux (WSL)". */
            BAD(ps, "runtime",
                "vllm does not run on Windows natively; run it under WSL2 and pass os=linux");
        else if (e->runtime == EST_RUNTIME_MLX && os_ok && e->os == EST_OS_WINDOWS)
            /* MLX docs, "Installation": PyPI packages for macOS (Apple Silicon) and
            ** Linux (mlx[cuda], mlx[cpu]); there is no Windows build. */
            BAD(ps, "runtime", "mlx has no Windows build; it runs on macOS and Linux");
    }

    /* os_version and wired_limit_mb are macOS settings */
    if (r->present[F_OS_VERSION]) {
        if (os_ok && e->os != EST_OS_MACOS)
            BAD(ps, "os_version",
                "is the macOS version; it applies only when os is macos (os is %s)",
                est_os_id(e->os));
        /* MLX docs, "Installation": "MLX is only available on devices running
        ** macOS 14.0 or higher" (its pip wheels are built for 14+). */
        else if (rt_ok && e->runtime == EST_RUNTIME_MLX && r->os_major < 14)
            BAD(ps, "os_version", "mlx needs macOS 14 or later; macOS %u cannot install it",
                r->os_major);
        e->os_version_major = r->os_major;
        e->os_version_minor = r->os_minor;
        memcpy(in->os_version, r->os_version, sizeof in->os_version);
    }
    if (r->present[F_WIRED_LIMIT_MB]) {
        if (os_ok && e->os != EST_OS_MACOS) {
            BAD(ps, "wired_limit_mb",
                "is the macOS iogpu.wired_limit_mb setting; it applies only when os is macos "
                "(os is %s)",
                est_os_id(e->os));
        } else if (hw_ok && r->wired_limit_mb > hardware_ram_mib(in)) {
            char ram[32];
            text_thousands(hardware_ram_mib(in), ram, sizeof ram);
            BAD(ps, "wired_limit_mb", "must be from 1 to %s: the %s has %s MiB of RAM", ram,
                in->hardware_name, ram);
        }
        e->wired_limit_mb = r->wired_limit_mb;
    }

    /* Answer: all invalid fields (400), else unknown ids (404). */
    if (ps->n_invalid == 0 && ps->n_unknown == 0)
        return 0;
    for (size_t i = 0; i < ps->n_unknown; i++) {
        const struct unknown_id *u = &ps->unknown[i];
        if (u->n_suggest)
            problem_add_param(ps->pb, u->field, "no %s with id \"%s\" in the catalog; closest: %s",
                              u->field, u->id, u->suggest[0]);
        else
            problem_add_param(ps->pb, u->field, "no %s with id \"%s\" in the catalog", u->field,
                              u->id);
    }
    if (ps->n_invalid > 0) {
        char names[256];
        size_t used = 0;
        unsigned total = ps->n_invalid + (unsigned)ps->n_unknown;
        names[0] = '\0';
        for (size_t i = 0; i < ps->pb->n_params; i++) {
            int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                             ps->pb->params[i].name);
            if (w < 0 || (size_t)w >= sizeof names - used)
                break;
            used += (size_t)w;
        }
        if (total == 1)
            problem_set(ps->pb, API_ERR_INVALID_PARAMS,
                        "The field %s is invalid; invalid_params says what to change.", names);
        else
            problem_set(ps->pb, API_ERR_INVALID_PARAMS,
                        "%u fields are invalid (%s); invalid_params says what to change.", total,
                        names);
        return -1;
    }
    const struct unknown_id *u0 = &ps->unknown[0];
    const char *list = strcmp(u0->field, "model") == 0   ? "models"
                       : strcmp(u0->field, "quant") == 0 ? "quants"
                                                         : "hardware";
    char more[160] = "";
    if (ps->n_unknown > 1) {
        int w = snprintf(more, sizeof more, " The %s \"%s\" is not in the catalog either.",
                         ps->unknown[1].field, ps->unknown[1].id);
        if (w < 0 || (size_t)w >= sizeof more)
            more[0] = '\0';
    }
    /* suggestions: the closest ids for every unknown field, first field first */
    for (size_t k = 0; k < ps->n_unknown; k++)
        for (size_t i = 0; i < ps->unknown[k].n_suggest; i++)
            problem_add_suggestion(ps->pb, ps->unknown[k].suggest[i]);
    if (u0->n_suggest)
        problem_set(ps->pb, API_ERR_UNKNOWN_ID,
                    "No %s with id \"%s\" (field %s) is in the catalog; did you mean \"%s\"? "
                    "GET /%s lists every id.%s",
                    u0->field, u0->id, u0->field, u0->suggest[0], list, more);
    else
        problem_set(ps->pb, API_ERR_UNKNOWN_ID,
                    "No %s with id \"%s\" (field %s) is in the catalog; GET /%s lists every id.%s",
                    u0->field, u0->id, u0->field, list, more);
    return -1;
}

/* ---------------------------------------------------------------------------
** The two parsers
*/

int check_input_from_json(const json_t *body, const struct catalog *cat, struct check_input *out,
                          struct problem *pb)
{
    struct parse ps = {.pb = pb, .cat = cat};
    struct raw r;

    memset(&r, 0, sizeof r);
    if (!json_is_object(body)) {
        problem_set(pb, API_ERR_BAD_JSON,
                    "The body must be a JSON object with the /check fields, not %s.",
                    body ? json_kind(body) : "empty");
        return -1;
    }
    json_unknown_keys(&ps, body, field_names, F_COUNT, "");

    for (int f = 0; f < F_COUNT; f++) {
        const char *name = field_names[f];
        const json_t *v = json_object_get(body, name);
        if (!v || json_is_null(v))
            continue;
        if (f == F_MODEL && json_is_object(v)) {
            json_inline_model(&ps, &r, v);
        } else if (f == F_HARDWARE && json_is_object(v)) {
            json_inline_hardware(&ps, &r, v);
        } else if (f == F_TENSOR_SPLIT) {
            json_tensor_split(&ps, &r, v);
        } else if (field_is_string((enum field_id)f)) {
            if (json_is_string(v)) {
                take_string(&ps, &r, (enum field_id)f, json_string_value(v));
            } else {
                BAD(&ps, name, "must be %s, not %s", string_hint((enum field_id)f), json_kind(v));
                r.bad[f] = true;
            }
        } else if (f == F_FLASH_ATTENTION) {
            bool b = false;
            if (json_bool(&ps, body, name, name, &b) == 1) {
                r.flash_attention = b;
                r.present[f] = true;
            } else {
                r.bad[f] = true;
            }
        } else {
            const struct int_rule *ir = &int_rules[f];
            int64_t i = 0;
            if (json_int(&ps, body, name, name, ir->lo, ir->hi, ir->unit, &i) == 1)
                put_int(&r, (enum field_id)f, i);
            else
                r.bad[f] = true;
        }
    }
    return resolve(&ps, &r, out);
}

int check_input_from_query(const struct query_list *q, const struct catalog *cat,
                           struct check_input *out, struct problem *pb)
{
    struct parse ps = {.pb = pb, .cat = cat};
    struct raw r;
    const char *value[F_COUNT] = {NULL};

    memset(&r, 0, sizeof r);
    if (q && q->truncated) {
        BAD(&ps, "query", "has more than %d parameters", QUERY_MAX_ARGS);
    }
    /* Unknown keys (reported once each), and occurrences of known ones. */
    for (size_t i = 0; q && i < q->count && i < QUERY_MAX_ARGS; i++) {
        const char *key = q->args[i].key ? q->args[i].key : "";
        int f;
        for (f = 0; f < F_COUNT; f++)
            if (strcmp(key, field_names[f]) == 0)
                break;
        if (f < F_COUNT) {
            if (r.count[f]++ == 0)
                value[f] = q->args[i].value;
            continue;
        }
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = q->args[j].key && strcmp(q->args[j].key, key) == 0;
        if (seen)
            continue;
        char pname[64], e[48], hint[96];
        echo_text(key, e, sizeof e);
        int w = snprintf(pname, sizeof pname, "%s", e[0] ? e : "(empty key)");
        if (w < 0 || (size_t)w >= sizeof pname)
            memcpy(pname, "(key)", 6);
        did_you_mean(key, field_names, F_COUNT, "", hint, sizeof hint);
        BAD(&ps, pname, "is not a parameter of /check%s", hint);
    }

    for (int f = 0; f < F_COUNT; f++) {
        const char *name = field_names[f];
        const char *s = value[f];
        if (r.count[f] == 0)
            continue;
        if (r.count[f] > 1) {
            BAD(&ps, name, "is given %d times; give it once", r.count[f]);
            r.bad[f] = true;
            continue;
        }
        if (!s) {
            BAD(&ps, name, "has no value; write %s=<value>", name);
            r.bad[f] = true;
            continue;
        }
        if (f == F_TENSOR_SPLIT) {
            query_tensor_split(&ps, &r, s);
        } else if (field_is_string((enum field_id)f)) {
            take_string(&ps, &r, (enum field_id)f, s);
        } else if (f == F_FLASH_ATTENTION) {
            bool b = false;
            if (text_parse_bool(s, &b) == 0) {
                r.flash_attention = b;
                r.present[f] = true;
            } else {
                BAD(&ps, name, "must be true or false (or 1 or 0)");
                r.bad[f] = true;
            }
        } else {
            const struct int_rule *ir = &int_rules[f];
            int64_t i = 0;
            double d = 0;
            int rc = text_parse_i64(s, ir->lo, ir->hi, &i);
            if (rc == 0) {
                put_int(&r, (enum field_id)f, i);
                continue;
            }
            r.bad[f] = true;
            if (rc == -2) {
                bad_range(&ps, name, ir->lo, ir->hi, ir->unit);
            } else if (text_parse_double(s, -1e300, 1e300, &d) == 0) {
                bad_real_for_int(&ps, name, d, s);
            } else {
                char e[48];
                echo_text(s, e, sizeof e);
                BAD(&ps, name, "must be a whole number written in digits, like 4096, not \"%s\"",
                    e);
            }
        }
    }
    return resolve(&ps, &r, out);
}

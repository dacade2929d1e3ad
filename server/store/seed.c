/* seed.c: validates seed documents, converts them into catalog structs and
** loads seed files into the catalog tables. Startup only: keeps no state
** between calls, and no statement outlives seed_load.
*/
#include "seed.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/estimator.h"
#include "../core/textutil.h"

/* Field flags: by default a key must be present and not null. */
#define F_OPTIONAL 1u /* the key may be absent */
#define F_NULLABLE 2u /* the value may be null */
#define F_POSITIVE 4u /* a number must be > 0 */
#define F_EMPTY_OK 8u /* a string may be "" */

/* Caps for free text that is validated but not copied into a struct. */
#define TEXT_MAX 8192    /* descriptions, notes, step bodies, commands */
#define SOURCE_MAX 16384 /* source citations */
#define SHORT_MAX 128    /* memory_type, architecture, license, ... */

/* Largest memory figure we accept, GiB (1 PiB: far above any device). */
#define MEMORY_GB_MAX 1048576.0
/* Largest per-device compute figure we accept, dense FP16 TFLOPS: the
** estimator's own ceiling (ESTIMATOR_TFLOPS_MAX, 100x any device sold). */
#define COMPUTE_TFLOPS_MAX 1e5

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- typed field getters: 0 ok, -1 with err naming the field ---- */

/* 1 with *v set when the key holds a non-null value; 0 when it is absent or
** null and flags allow that; -1 otherwise. */
static int field(const json_t *doc, const char *key, unsigned flags, const json_t **v, char *err,
                 size_t errlen)
{
    const json_t *x = json_object_get(doc, key);
    *v = x;
    if (!x) {
        if (flags & F_OPTIONAL)
            return 0;
        return fail(err, errlen, "%s is missing", key);
    }
    if (json_is_null(x)) {
        if (flags & F_NULLABLE)
            return 0;
        return fail(err, errlen, "%s must not be null", key);
    }
    return 1;
}

/* A string without NUL bytes, shorter than cap bytes, not empty unless
** flags has F_EMPTY_OK. */
static int check_text(const json_t *v, const char *what, unsigned flags, size_t cap, char *err,
                      size_t errlen)
{
    size_t len;
    if (!json_is_string(v))
        return fail(err, errlen, "%s must be a string", what);
    len = json_string_length(v);
    if (len == 0 && !(flags & F_EMPTY_OK))
        return fail(err, errlen, "%s must not be empty", what);
    if (strlen(json_string_value(v)) != len)
        return fail(err, errlen, "%s contains a NUL character", what);
    if (len >= cap)
        return fail(err, errlen, "%s is longer than %zu bytes", what, cap - 1);
    return 0;
}

/* A string field copied into buf (cap bytes; "" when absent or null), or
** only checked against cap when buf is NULL. */
static int get_text(const json_t *doc, const char *key, unsigned flags, char *buf, size_t cap,
                    char *err, size_t errlen)
{
    const json_t *v;
    int rc = field(doc, key, flags, &v, err, errlen);
    if (buf)
        buf[0] = '\0';
    if (rc <= 0)
        return rc;
    if (check_text(v, key, flags, cap, err, errlen))
        return -1;
    if (buf)
        memcpy(buf, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* An integer (not a real: 4096.0 is refused) in [lo, hi]; 0 when absent/null. */
static int get_uint(const json_t *doc, const char *key, unsigned flags, uint64_t lo, uint64_t hi,
                    uint64_t *out, char *err, size_t errlen)
{
    const json_t *v;
    json_int_t x;
    int rc = field(doc, key, flags, &v, err, errlen);
    *out = 0;
    if (rc <= 0)
        return rc;
    if (!json_is_integer(v))
        return fail(err, errlen, "%s must be an integer", key);
    x = json_integer_value(v);
    if (x < 0 || (uint64_t)x < lo || (uint64_t)x > hi)
        return fail(err, errlen, "%s must be an integer from %llu to %llu", key,
                    (unsigned long long)lo, (unsigned long long)hi);
    *out = (uint64_t)x;
    return 0;
}

static int get_u32(const json_t *doc, const char *key, unsigned flags, uint32_t lo, uint32_t *out,
                   char *err, size_t errlen)
{
    uint64_t x;
    if (get_uint(doc, key, flags, lo, UINT32_MAX, &x, err, errlen))
        return -1;
    *out = (uint32_t)x;
    return 0;
}

/* A JSON number (integer or real) in [lo, hi] (> 0 with F_POSITIVE); *out = 0
** and *present = false when absent/null. present may be NULL. */
static int get_number(const json_t *doc, const char *key, unsigned flags, double lo, double hi,
                      double *out, bool *present, char *err, size_t errlen)
{
    const json_t *v;
    double x;
    int rc = field(doc, key, flags, &v, err, errlen);
    *out = 0;
    if (present)
        *present = false;
    if (rc <= 0)
        return rc;
    if (!json_is_number(v))
        return fail(err, errlen, "%s must be a number", key);
    x = json_number_value(v);
    if ((flags & F_POSITIVE) && !(x > 0))
        return fail(err, errlen, "%s must be greater than 0", key);
    if (!(x >= lo && x <= hi))
        return fail(err, errlen, "%s must be from %g to %g", key, lo, hi);
    *out = x;
    if (present)
        *present = true;
    return 0;
}

static int get_bool(const json_t *doc, const char *key, bool *out, char *err, size_t errlen)
{
    const json_t *v;
    *out = false;
    if (field(doc, key, 0, &v, err, errlen) < 0)
        return -1;
    if (!json_is_boolean(v))
        return fail(err, errlen, "%s must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

/* An optional boolean: false when absent or null. */
static int get_optional_bool(const json_t *doc, const char *key, bool *out, char *err,
                             size_t errlen)
{
    const json_t *v;
    int rc = field(doc, key, F_OPTIONAL | F_NULLABLE, &v, err, errlen);
    *out = false;
    if (rc <= 0)
        return rc;
    if (!json_is_boolean(v))
        return fail(err, errlen, "%s must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

/* A calendar date "YYYY-MM-DD" (year 1970-2999). */
static int get_date(const json_t *doc, const char *key, char *err, size_t errlen)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const json_t *v;
    const char *s;
    int y, m, d;
    if (field(doc, key, 0, &v, err, errlen) < 0)
        return -1;
    if (!json_is_string(v) || json_string_length(v) != 10)
        goto bad;
    s = json_string_value(v);
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                goto bad;
        } else if (s[i] < '0' || s[i] > '9') {
            goto bad;
        }
    }
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        goto bad;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        goto bad;
    return 0;
bad:
    return fail(err, errlen, "%s must be a date YYYY-MM-DD", key);
}

/* The row id: a slug of [a-z0-9._-], 1-64 bytes, starting with a letter or
** digit, already lowercase (the key the catalog looks rows up by). */
static int get_slug(const json_t *doc, const char *key, char *buf, size_t cap, char *err,
                    size_t errlen)
{
    char folded[SLUG_MAX + 1];
    const char *s;
    if (get_text(doc, key, 0, buf, cap, err, errlen))
        return -1;
    s = buf;
    if (!slug_fold(s, folded, sizeof folded) || strcmp(folded, s) != 0 ||
        !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return fail(err, errlen,
                    "%s must be a lowercase slug: a-z 0-9 . _ -, 1-%d bytes, starting with a"
                    " letter or digit",
                    key, SLUG_MAX);
    return 0;
}

/* An array of non-empty strings (each shorter than cap), at least min_items long. */
static int get_text_array(const json_t *doc, const char *key, size_t min_items, size_t cap,
                          char *err, size_t errlen)
{
    const json_t *v, *x;
    size_t i;
    char what[80];
    if (field(doc, key, 0, &v, err, errlen) < 0)
        return -1;
    if (!json_is_array(v))
        return fail(err, errlen, "%s must be an array of strings", key);
    if (json_array_size(v) < min_items)
        return fail(err, errlen, "%s must hold at least %zu item(s)", key, min_items);
    json_array_foreach(v, i, x)
    {
        snprintf(what, sizeof what, "%s[%zu]", key, i);
        if (check_text(x, what, 0, cap, err, errlen))
            return -1;
    }
    return 0;
}

/* An array of runtime ids (exact spelling), at least min_items long, no
** repeats. Sets bit 1u << enum est_runtime in *set. */
static int get_runtimes(const json_t *doc, const char *key, size_t min_items, unsigned *set,
                        char *err, size_t errlen)
{
    const json_t *v, *x;
    size_t i;
    *set = 0;
    if (get_text_array(doc, key, min_items, SHORT_MAX, err, errlen))
        return -1;
    v = json_object_get(doc, key);
    json_array_foreach(v, i, x)
    {
        enum est_runtime rt;
        const char *s = json_string_value(x);
        if (est_runtime_from_id(s, &rt) != 0 || strcmp(est_runtime_id(rt), s) != 0)
            return fail(err, errlen,
                        "%s[%zu] \"%s\" is not a runtime id (llama.cpp, ollama, lmstudio, mlx,"
                        " transformers, vllm)",
                        key, i, s);
        if (*set & (1u << rt))
            return fail(err, errlen, "%s[%zu] \"%s\" is listed twice", key, i, s);
        *set |= 1u << rt;
    }
    return 0;
}

/* ---- hardware ---- */

int seed_hardware_from_doc(const json_t *doc, struct catalog_hardware *out, char *err,
                           size_t errlen)
{
    const json_t *v, *x;
    size_t i;
    char kind[64], os[64];
    bool has_ram;
    uint64_t year;

    memset(out, 0, sizeof *out);
    if (!json_is_object(doc))
        return fail(err, errlen, "the row must be a JSON object");
    if (get_slug(doc, "id", out->id, sizeof out->id, err, errlen) ||
        get_text(doc, "name", 0, out->name, sizeof out->name, err, errlen) ||
        get_text(doc, "vendor", 0, out->vendor, sizeof out->vendor, err, errlen) ||
        get_text(doc, "kind", 0, kind, sizeof kind, err, errlen))
        return -1;
    if (est_device_kind_from_id(kind, &out->kind) != 0 ||
        strcmp(est_device_kind_id(out->kind), kind) != 0)
        return fail(err, errlen, "kind \"%s\" must be gpu, unified or cpu", kind);
    if (get_number(doc, "memory_gb", F_POSITIVE, 0, MEMORY_GB_MAX, &out->memory_gb, NULL, err,
                   errlen) ||
        get_text(doc, "memory_type", F_OPTIONAL | F_NULLABLE, NULL, SHORT_MAX, err, errlen) ||
        get_number(doc, "bandwidth_gbs", F_OPTIONAL | F_NULLABLE | F_POSITIVE, 0, 1e6,
                   &out->bandwidth_gbs, NULL, err, errlen))
        return -1;

    if (field(doc, "backends", 0, &v, err, errlen) < 0)
        return -1;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(err, errlen, "backends must be a non-empty array (first = primary)");
    json_array_foreach(v, i, x)
    {
        enum est_backend b;
        const char *s = json_string_value(x);
        if (!s || est_backend_from_id(s, &b) != 0 || strcmp(est_backend_id(b), s) != 0)
            return fail(err, errlen, "backends[%zu] must be one of cuda, metal, rocm, vulkan, cpu",
                        i);
        if (out->backends & (1u << b))
            return fail(err, errlen, "backends[%zu] \"%s\" is listed twice", i, s);
        if (i == 0)
            out->backend = b;
        out->backends |= 1u << b;
    }

    if (get_text(doc, "default_os", 0, os, sizeof os, err, errlen))
        return -1;
    if (est_os_from_id(os, &out->default_os) != 0 || strcmp(est_os_id(out->default_os), os) != 0)
        return fail(err, errlen, "default_os \"%s\" must be macos, linux or windows", os);

    if (get_number(doc, "system_ram_gb", F_OPTIONAL | F_NULLABLE | F_POSITIVE, 0, MEMORY_GB_MAX,
                   &out->system_ram_gb, &has_ram, err, errlen))
        return -1;
    /* Unified memory is the system RAM: a null figure means the same pool. */
    if (!has_ram && out->kind == EST_DEVICE_UNIFIED)
        out->system_ram_gb = out->memory_gb;

    /* Dense FP16 tensor throughput per device, no sparsity; absent or null =
    ** unknown (0): the estimator then gives no prompt-processing speed. */
    if (get_number(doc, "compute_tflops", F_OPTIONAL | F_NULLABLE | F_POSITIVE, 0,
                   COMPUTE_TFLOPS_MAX, &out->compute_tflops, NULL, err, errlen))
        return -1;

    if (get_uint(doc, "release_year", F_OPTIONAL | F_NULLABLE, 1970, 2100, &year, err, errlen) ||
        get_text(doc, "notes", F_OPTIONAL | F_NULLABLE, NULL, TEXT_MAX, err, errlen) ||
        get_text(doc, "source", 0, NULL, SOURCE_MAX, err, errlen) ||
        get_date(doc, "last_verified", err, errlen))
        return -1;
    return 0;
}

/* ---- models ---- */

/* Names other configs use for fields the estimator reads under the seed
** format's name. A row carrying one is refused: the value would otherwise be
** ignored and the model sized wrongly (e.g. Mixtral's num_local_experts read
** as a dense model). */
static const char *const model_alias_keys[] = {
    "num_local_experts",
    "n_routed_experts",
    "n_shared_experts",
    "shared_experts",
    "experts_per_token",
    "experts_per_tok",
    "num_experts_per_token",
    "moe_num_experts",
    "n_layer",
    "n_layers",
    "num_layers",
    "n_head",
    "n_heads",
    "n_embd",
    "num_kv_heads",
    "n_kv_heads",
    "multi_query_group_num",
    "ffn_hidden_size",
    "n_positions",
    "seq_length",
    "max_seq_len",
    "tie_embeddings",
    "sliding_window_size",
    "n_global_attn_layers",
    "n_local_attn_layers",
    "local_global_rule",
};

static int check_model_keys(const json_t *doc, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof model_alias_keys / sizeof model_alias_keys[0]; i++)
        if (json_object_get(doc, model_alias_keys[i]))
            return fail(err, errlen,
                        "%s is not a field of the seed format (the estimator would ignore it);"
                        " use the Hugging Face name the format lists",
                        model_alias_keys[i]);
    return 0;
}

/* ---- Ollama library tags ---- */

/* Whether s is a quant as the Ollama library spells it in tags: "fp16", or a
** GGUF K-/legacy quant the estimator knows with a lowercase q ("q4_K_M",
** "q8_0"; ollama.com/library/<model>/tags). IQ types are never published
** there. */
static bool ollama_quant_spelling(const char *s)
{
    const struct est_quant *q;
    if (strcmp(s, "fp16") == 0)
        return true;
    if (s[0] != 'q')
        return false;
    q = est_quant_find(s);
    return q && q->format == EST_QF_GGUF && q->id[0] == 'Q' && strcmp(q->id + 1, s + 1) == 0;
}

/* The template: "<library name>:<tag>" holding "{quant}" exactly once, in
** the tag; otherwise only the characters of Ollama names (letters, digits,
** . _ - : /), so the expanded tag can go into a shell command as is. */
static int check_ollama_template(const char *t, char *err, size_t errlen)
{
    static const char slot[] = "{quant}";
    const char *at = strstr(t, slot);
    const char *colon = strchr(t, ':');
    const char *p;
    if (!at || strstr(at + 1, slot))
        return fail(err, errlen, "ollama_quant_tag must contain \"{quant}\" exactly once");
    if (!colon || colon == t || colon > at)
        return fail(err, errlen,
                    "ollama_quant_tag must be <library name>:<tag> with {quant} in the tag,"
                    " e.g. \"qwen3:8b-{quant}\"");
    for (p = t; *p; p++) {
        char c = *p;
        if (p == at) {
            p += sizeof slot - 2;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == ':' || c == '/'))
            return fail(err, errlen,
                        "ollama_quant_tag may hold only letters, digits, . _ - : / and {quant}");
    }
    return 0;
}

/* ollama_quant_tag (string or null, shorter than 96 bytes) and ollama_quants
** (the quants published under it, Ollama spelling, no repeats): both set, or
** both null/absent. The list is stored space-separated. */
static int get_ollama_quants(const json_t *doc, struct catalog_model *out, char *err, size_t errlen)
{
    const json_t *v, *x;
    size_t i, len = 0;
    int rc;
    if (get_text(doc, "ollama_quant_tag", F_OPTIONAL | F_NULLABLE, out->ollama_quant_tag,
                 sizeof out->ollama_quant_tag, err, errlen))
        return -1;
    if (out->ollama_quant_tag[0] && check_ollama_template(out->ollama_quant_tag, err, errlen))
        return -1;
    rc = field(doc, "ollama_quants", F_OPTIONAL | F_NULLABLE, &v, err, errlen);
    if (rc < 0)
        return -1;
    if (!out->ollama_quant_tag[0]) {
        if (rc > 0)
            return fail(err, errlen, "ollama_quants is set but ollama_quant_tag is not");
        return 0;
    }
    if (rc == 0 || !json_is_array(v) || json_array_size(v) == 0)
        return fail(err, errlen,
                    "ollama_quants must list the quants the Ollama library publishes under"
                    " ollama_quant_tag, e.g. [\"q4_K_M\", \"q8_0\", \"fp16\"]");
    out->ollama_quants[0] = '\0';
    json_array_foreach(v, i, x)
    {
        char what[40];
        const char *s;
        size_t n;
        snprintf(what, sizeof what, "ollama_quants[%zu]", i);
        if (check_text(x, what, 0, SHORT_MAX, err, errlen))
            return -1;
        s = json_string_value(x);
        if (!ollama_quant_spelling(s))
            return fail(err, errlen,
                        "%s \"%s\" is not a quant as the Ollama library spells it (q2_K ..."
                        " q8_0 with a lowercase q, or fp16; never IQ types)",
                        what, s);
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_array_get(v, j)), s) == 0)
                return fail(err, errlen, "%s \"%s\" is listed twice", what, s);
        n = strlen(s);
        if (len + (len ? 1 : 0) + n >= sizeof out->ollama_quants)
            return fail(err, errlen, "ollama_quants is longer than %zu bytes",
                        sizeof out->ollama_quants - 1);
        if (len)
            out->ollama_quants[len++] = ' ';
        memcpy(out->ollama_quants + len, s, n + 1);
        len += n;
    }
    return 0;
}

/* ---- GGUF repositories ---- */

/* Whether s is "owner/name" as Hugging Face spells repository ids: one
** slash, each part non-empty, of letters, digits, . _ - and not starting
** with . or - (huggingface_hub validate_repo_id), so it can go into a shell
** command as is. */
static bool hf_repo_id(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || strchr(slash + 1, '/'))
        return false;
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool part_start = p == s || p == slash + 1;
        if (p == slash)
            continue;
        if (part_start && (c == '.' || c == '-'))
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return slash != s && slash[1] != '\0';
}

/* gguf_repo (string or null, "owner/name") and gguf_quants (the quants the
** repository holds: canonical ids of GGUF quants, or bf16/fp16 for its
** BF16/F16 files; no repeats): both set, or both null/absent. The list is
** stored space-separated. */
static int get_gguf_quants(const json_t *doc, struct catalog_model *out, char *err, size_t errlen)
{
    const json_t *v, *x;
    size_t i, len = 0;
    int rc;
    if (get_text(doc, "gguf_repo", F_OPTIONAL | F_NULLABLE, out->gguf_repo,
                 sizeof out->gguf_repo, err, errlen))
        return -1;
    if (out->gguf_repo[0] && !hf_repo_id(out->gguf_repo))
        return fail(err, errlen,
                    "gguf_repo \"%s\" is not a Hugging Face repository id \"owner/name\""
                    " (letters, digits, . _ -), e.g. \"Qwen/Qwen2.5-32B-Instruct-GGUF\"",
                    out->gguf_repo);
    rc = field(doc, "gguf_quants", F_OPTIONAL | F_NULLABLE, &v, err, errlen);
    if (rc < 0)
        return -1;
    if (!out->gguf_repo[0]) {
        if (rc > 0)
            return fail(err, errlen, "gguf_quants is set but gguf_repo is not");
        return 0;
    }
    if (rc == 0 || !json_is_array(v) || json_array_size(v) == 0)
        return fail(err, errlen,
                    "gguf_quants must list the quants gguf_repo holds,"
                    " e.g. [\"Q4_K_M\", \"Q8_0\", \"bf16\"]");
    out->gguf_quants[0] = '\0';
    json_array_foreach(v, i, x)
    {
        char what[40];
        const char *s;
        const struct est_quant *q;
        size_t n;
        snprintf(what, sizeof what, "gguf_quants[%zu]", i);
        if (check_text(x, what, 0, SHORT_MAX, err, errlen))
            return -1;
        s = json_string_value(x);
        q = est_quant_find(s);
        if (!q || strcmp(q->id, s) != 0 ||
            !(q->format == EST_QF_GGUF || strcmp(s, "bf16") == 0 || strcmp(s, "fp16") == 0))
            return fail(err, errlen,
                        "%s \"%s\" is not a GGUF quant id as the catalog spells it (Q4_K_M,"
                        " IQ4_XS, Q8_0 ..., or bf16/fp16 for BF16/F16 files)",
                        what, s);
        for (size_t j = 0; j < i; j++)
            if (strcmp(json_string_value(json_array_get(v, j)), s) == 0)
                return fail(err, errlen, "%s \"%s\" is listed twice", what, s);
        n = strlen(s);
        if (len + (len ? 1 : 0) + n >= sizeof out->gguf_quants)
            return fail(err, errlen, "gguf_quants is longer than %zu bytes",
                        sizeof out->gguf_quants - 1);
        if (len)
            out->gguf_quants[len++] = ' ';
        memcpy(out->gguf_quants + len, s, n + 1);
        len += n;
    }
    return 0;
}

int seed_model_from_doc(const json_t *doc, struct catalog_model *out, char *err, size_t errlen)
{
    struct est_model *a = &out->arch;
    const unsigned opt = F_OPTIONAL | F_NULLABLE;

    memset(out, 0, sizeof *out);
    if (!json_is_object(doc))
        return fail(err, errlen, "the row must be a JSON object");
    if (get_slug(doc, "id", out->id, sizeof out->id, err, errlen) ||
        check_model_keys(doc, err, errlen) ||
        get_text(doc, "name", 0, out->name, sizeof out->name, err, errlen) ||
        get_text(doc, "hf_repo", 0, out->hf_repo, sizeof out->hf_repo, err, errlen) ||
        get_text(doc, "family", 0, out->family, sizeof out->family, err, errlen) ||
        get_text(doc, "architecture", 0, NULL, SHORT_MAX, err, errlen) ||
        /* 1e14 parameters: far above any released model, far below overflow. */
        get_uint(doc, "params", 0, 1, 100000000000000ull, &a->params, err, errlen) ||
        get_u32(doc, "num_hidden_layers", 0, 1, &a->num_hidden_layers, err, errlen) ||
        get_u32(doc, "hidden_size", 0, 1, &a->hidden_size, err, errlen) ||
        get_u32(doc, "num_attention_heads", 0, 1, &a->num_attention_heads, err, errlen) ||
        get_u32(doc, "num_key_value_heads", 0, 1, &a->num_key_value_heads, err, errlen) ||
        get_u32(doc, "head_dim", 0, 1, &a->head_dim, err, errlen) ||
        get_u32(doc, "intermediate_size", 0, 0, &a->intermediate_size, err, errlen) ||
        get_u32(doc, "vocab_size", 0, 1, &a->vocab_size, err, errlen) ||
        get_bool(doc, "tie_word_embeddings", &a->tie_word_embeddings, err, errlen) ||
        get_u32(doc, "max_position_embeddings", 0, 1, &a->max_position_embeddings, err, errlen) ||
        get_u32(doc, "sliding_window", opt, 0, &a->sliding_window, err, errlen) ||
        get_u32(doc, "sliding_window_layers", opt, 0, &a->sliding_window_layers, err, errlen) ||
        get_u32(doc, "num_experts", opt, 0, &a->num_experts, err, errlen) ||
        get_u32(doc, "num_experts_per_tok", opt, 0, &a->num_experts_per_tok, err, errlen) ||
        get_u32(doc, "moe_intermediate_size", opt, 0, &a->moe_intermediate_size, err, errlen) ||
        get_u32(doc, "num_shared_experts", opt, 0, &a->num_shared_experts, err, errlen) ||
        get_u32(doc, "kv_lora_rank", opt, 0, &a->kv_lora_rank, err, errlen) ||
        get_u32(doc, "qk_rope_head_dim", opt, 0, &a->qk_rope_head_dim, err, errlen) ||
        get_optional_bool(doc, "experts_mxfp4", &a->experts_mxfp4, err, errlen) ||
        get_text(doc, "ollama_tag", opt, out->ollama_tag, sizeof out->ollama_tag, err, errlen) ||
        get_ollama_quants(doc, out, err, errlen) ||
        get_gguf_quants(doc, out, err, errlen) ||
        get_text(doc, "license", opt, NULL, SHORT_MAX, err, errlen) ||
        get_text(doc, "source", 0, NULL, SOURCE_MAX, err, errlen) ||
        get_date(doc, "last_verified", err, errlen))
        return -1;

    /* Shape rules every HF config obeys; a violation is a typo in the seed. */
    if (a->num_attention_heads % a->num_key_value_heads != 0)
        return fail(err, errlen,
                    "num_attention_heads (%u) is not a multiple of"
                    " num_key_value_heads (%u)",
                    a->num_attention_heads, a->num_key_value_heads);
    if (a->sliding_window_layers > a->num_hidden_layers)
        return fail(err, errlen, "sliding_window_layers (%u) exceeds num_hidden_layers (%u)",
                    a->sliding_window_layers, a->num_hidden_layers);
    if (a->sliding_window_layers > 0 && a->sliding_window == 0)
        return fail(err, errlen, "sliding_window_layers is set but sliding_window is not");
    if (a->num_experts_per_tok > a->num_experts)
        return fail(err, errlen, "num_experts_per_tok (%u) exceeds num_experts (%u)",
                    a->num_experts_per_tok, a->num_experts);
    if (a->num_experts > 1 && (a->num_experts_per_tok == 0 || a->moe_intermediate_size == 0))
        return fail(err, errlen,
                    "a mixture-of-experts model needs num_experts_per_tok and"
                    " moe_intermediate_size");
    if (a->experts_mxfp4 && a->num_experts <= 1)
        return fail(err, errlen,
                    "experts_mxfp4 applies only to mixture-of-experts models (num_experts > 1)");
    return 0;
}

/* ---- quants ---- */

int seed_quant_from_doc(const json_t *doc, struct catalog_quant *out, char *err, size_t errlen)
{
    static const char *const formats[] = {
        [EST_QF_GGUF] = "gguf", [EST_QF_MLX] = "mlx", [EST_QF_HF] = "hf"};
    char format[64];
    double bpw;
    uint64_t rank;
    unsigned runtimes;

    memset(out, 0, sizeof *out);
    if (!json_is_object(doc))
        return fail(err, errlen, "the row must be a JSON object");
    if (get_text(doc, "id", 0, out->id, sizeof out->id, err, errlen))
        return -1;
    out->est = est_quant_find(out->id);
    if (!out->est)
        return fail(err, errlen, "id is not a quant the estimator knows");
    if (strcmp(out->est->id, out->id) != 0)
        return fail(err, errlen, "id must use the canonical spelling \"%s\"", out->est->id);
    if (get_text(doc, "format", 0, format, sizeof format, err, errlen))
        return -1;
    if ((unsigned)out->est->format >= sizeof formats / sizeof formats[0] ||
        strcmp(formats[out->est->format], format) != 0)
        return fail(err, errlen, "format \"%s\" does not match the estimator's format for %s",
                    format, out->id);
    if (get_number(doc, "bits_per_weight", F_POSITIVE, 0, 64, &bpw, NULL, err, errlen) ||
        get_number(doc, "typical_bpw", F_OPTIONAL | F_NULLABLE | F_POSITIVE, 0, 64, &bpw, NULL, err,
                   errlen) ||
        get_runtimes(doc, "runtimes", 1, &runtimes, err, errlen) ||
        get_uint(doc, "quality_rank", 0, 0, 1000000, &rank, err, errlen) ||
        get_text(doc, "description", 0, NULL, TEXT_MAX, err, errlen) ||
        get_text(doc, "source", 0, NULL, SOURCE_MAX, err, errlen) ||
        get_date(doc, "last_verified", err, errlen))
        return -1;
    for (int rt = 0; rt < EST_RUNTIME_COUNT; rt++)
        if ((runtimes & (1u << rt)) && !est_quant_runs_on(out->est, (enum est_runtime)rt))
            return fail(err, errlen, "runtimes lists %s, which the estimator says cannot load %s",
                        est_runtime_id((enum est_runtime)rt), out->id);
    return 0;
}

/* ---- knowledge-base pages ---- */

int seed_error_page_from_doc(const json_t *doc, struct catalog_error_page *out, char *err,
                             size_t errlen)
{
    const json_t *v, *x;
    size_t i;
    uint64_t rank;
    unsigned runtimes;
    char what[256];

    memset(out, 0, sizeof *out);
    if (!json_is_object(doc))
        return fail(err, errlen, "the page must be a JSON object");
    if (get_slug(doc, "id", out->id, sizeof out->id, err, errlen) ||
        get_text(doc, "title", 0, out->title, sizeof out->title, err, errlen) ||
        get_text(doc, "signature", 0, NULL, TEXT_MAX, err, errlen) ||
        get_text_array(doc, "signatures", 0, TEXT_MAX, err, errlen) ||
        get_text(doc, "platform", 0, out->platform, sizeof out->platform, err, errlen) ||
        get_text(doc, "backend", F_OPTIONAL | F_NULLABLE, NULL, SHORT_MAX, err, errlen) ||
        get_runtimes(doc, "runtimes", 0, &runtimes, err, errlen) ||
        get_text(doc, "severity", 0, out->severity, sizeof out->severity, err, errlen))
        return -1;
    if (strcmp(out->severity, "high") != 0 && strcmp(out->severity, "medium") != 0 &&
        strcmp(out->severity, "low") != 0)
        return fail(err, errlen, "severity \"%s\" must be high, medium or low", out->severity);
    if (get_text_array(doc, "causes", 1, TEXT_MAX, err, errlen) ||
        get_text_array(doc, "caveats", 0, TEXT_MAX, err, errlen) ||
        get_text(doc, "verified_by", F_NULLABLE, NULL, TEXT_MAX, err, errlen) ||
        get_date(doc, "last_verified", err, errlen) ||
        get_text_array(doc, "sources", 1, SOURCE_MAX, err, errlen) ||
        get_uint(doc, "root_cause_rank", 0, 0, 100, &rank, err, errlen))
        return -1;
    out->root_cause_rank = (int)rank;

    if (field(doc, "steps", 0, &v, err, errlen) < 0)
        return -1;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(err, errlen, "steps must be a non-empty array of objects");
    json_array_foreach(v, i, x)
    {
        uint64_t n;
        if (!json_is_object(x))
            return fail(err, errlen, "steps[%zu] must be an object", i);
        if (get_uint(x, "step", 0, i + 1, i + 1, &n, what, sizeof what) ||
            get_text(x, "title", 0, NULL, TEXT_MAX, what, sizeof what) ||
            get_text(x, "body", 0, NULL, TEXT_MAX, what, sizeof what) ||
            get_text(x, "command", F_OPTIONAL | F_NULLABLE | F_EMPTY_OK, NULL, TEXT_MAX, what,
                     sizeof what))
            return fail(err, errlen, "steps[%zu]: %s", i, what);
    }

    if (field(doc, "related", 0, &v, err, errlen) < 0)
        return -1;
    if (!json_is_array(v))
        return fail(err, errlen, "related must be an array of {id, title}");
    json_array_foreach(v, i, x)
    {
        char rid[CATALOG_ID_MAX];
        if (!json_is_object(x))
            return fail(err, errlen, "related[%zu] must be an object", i);
        if (get_slug(x, "id", rid, sizeof rid, what, sizeof what) ||
            get_text(x, "title", 0, NULL, sizeof out->title, what, sizeof what))
            return fail(err, errlen, "related[%zu]: %s", i, what);
        if (strcmp(rid, out->id) == 0)
            return fail(err, errlen, "related[%zu] names the page itself", i);
    }
    return 0;
}

/* ---- loader ---- */

enum seed_kind { SEED_HARDWARE, SEED_MODEL, SEED_QUANT, SEED_ERROR_PAGE };

enum seed_stmt { ST_HARDWARE, ST_MODEL, ST_QUANT, ST_ERROR_PAGE, ST_SIGNATURE, ST_COUNT };

static const char *const seed_sql[ST_COUNT] = {
    [ST_HARDWARE] = "INSERT INTO hardware (id, vendor, name, kind, backend, memory_gb,"
                    " bandwidth_gbs, doc, source, last_verified, compute_tflops)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [ST_MODEL] = "INSERT INTO model (id, name, family, params, max_position_embeddings, doc,"
                 " source, last_verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_QUANT] = "INSERT INTO quant (id, canonical_id, format, bits_per_weight, quality_rank,"
                 " doc, source, last_verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_ERROR_PAGE] = "INSERT INTO error_page (id, title, platform, severity, root_cause_rank,"
                      " doc, source, last_verified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_SIGNATURE] = "INSERT INTO error_signature (page_id, position, text) VALUES (?1, ?2, ?3)",
};

struct loader {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    const char *file; /* name relative to seed/, for messages */
    char *err;
    size_t errlen;
};

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Which table a seed file feeds, from its path; -1 when unknown. */
static int seed_kind_of(const char *name)
{
    if (strcmp(name, "hardware.json") == 0 || has_prefix(name, "hardware/"))
        return SEED_HARDWARE;
    if (strcmp(name, "models.json") == 0 || has_prefix(name, "models/"))
        return SEED_MODEL;
    if (strcmp(name, "quants.json") == 0 || has_prefix(name, "quants/"))
        return SEED_QUANT;
    if (has_prefix(name, "errors/"))
        return SEED_ERROR_PAGE;
    return -1;
}

static int bind_text(sqlite3_stmt *st, int i, const char *s)
{
    return sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Step an INSERT to completion; reset it either way. */
static int loader_step(struct loader *ld, sqlite3_stmt *st, const char *row_id)
{
    int rc = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(ld->db);
    if (rc != SQLITE_DONE) {
        if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_UNIQUE)
            fail(ld->err, ld->errlen, "seed/%s: id \"%s\" appears twice in the seed", ld->file,
                 row_id);
        else
            fail(ld->err, ld->errlen, "seed/%s: row \"%s\": cannot store it: %s", ld->file, row_id,
                 sqlite3_errmsg(ld->db));
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* Text of a string member already validated by a *_from_doc function. */
static const char *doc_text(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

static int insert_hardware(struct loader *ld, const json_t *doc, const char *doc_text_json)
{
    struct catalog_hardware h;
    sqlite3_stmt *st = ld->st[ST_HARDWARE];
    if (seed_hardware_from_doc(doc, &h, ld->err, ld->errlen) != 0)
        return -2; /* field sentence only: load_row names file and row */
    if (bind_text(st, 1, h.id) || bind_text(st, 2, h.vendor) || bind_text(st, 3, h.name) ||
        bind_text(st, 4, est_device_kind_id(h.kind)) ||
        bind_text(st, 5, est_backend_id(h.backend)) || sqlite3_bind_double(st, 6, h.memory_gb) ||
        (h.bandwidth_gbs > 0 ? sqlite3_bind_double(st, 7, h.bandwidth_gbs)
                             : sqlite3_bind_null(st, 7)) ||
        bind_text(st, 8, doc_text_json) || bind_text(st, 9, doc_text(doc, "source")) ||
        bind_text(st, 10, doc_text(doc, "last_verified")) ||
        (h.compute_tflops > 0 ? sqlite3_bind_double(st, 11, h.compute_tflops)
                              : sqlite3_bind_null(st, 11)))
        return fail(ld->err, ld->errlen, "seed/%s: bind: %s", ld->file, sqlite3_errmsg(ld->db));
    return loader_step(ld, st, h.id);
}

static int insert_model(struct loader *ld, const json_t *doc, const char *doc_text_json)
{
    struct catalog_model m;
    sqlite3_stmt *st = ld->st[ST_MODEL];
    if (seed_model_from_doc(doc, &m, ld->err, ld->errlen) != 0)
        return -2; /* field sentence only: load_row names file and row */
    if (bind_text(st, 1, m.id) || bind_text(st, 2, m.name) || bind_text(st, 3, m.family) ||
        sqlite3_bind_int64(st, 4, (sqlite3_int64)m.arch.params) ||
        sqlite3_bind_int64(st, 5, (sqlite3_int64)m.arch.max_position_embeddings) ||
        bind_text(st, 6, doc_text_json) || bind_text(st, 7, doc_text(doc, "source")) ||
        bind_text(st, 8, doc_text(doc, "last_verified")))
        return fail(ld->err, ld->errlen, "seed/%s: bind: %s", ld->file, sqlite3_errmsg(ld->db));
    return loader_step(ld, st, m.id);
}

static int insert_quant(struct loader *ld, const json_t *doc, const char *doc_text_json)
{
    static const char *const formats[] = {
        [EST_QF_GGUF] = "gguf", [EST_QF_MLX] = "mlx", [EST_QF_HF] = "hf"};
    struct catalog_quant q;
    char key[sizeof q.id];
    sqlite3_stmt *st = ld->st[ST_QUANT];
    if (seed_quant_from_doc(doc, &q, ld->err, ld->errlen) != 0)
        return -2; /* field sentence only: load_row names file and row */
    for (size_t i = 0; i < sizeof key; i++) {
        char c = q.id[i];
        key[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        if (c == '\0')
            break;
    }
    if (bind_text(st, 1, key) || bind_text(st, 2, q.id) ||
        bind_text(st, 3, formats[q.est->format]) ||
        sqlite3_bind_double(st, 4, json_number_value(json_object_get(doc, "bits_per_weight"))) ||
        sqlite3_bind_int64(st, 5, json_integer_value(json_object_get(doc, "quality_rank"))) ||
        bind_text(st, 6, doc_text_json) || bind_text(st, 7, doc_text(doc, "source")) ||
        bind_text(st, 8, doc_text(doc, "last_verified")))
        return fail(ld->err, ld->errlen, "seed/%s: bind: %s", ld->file, sqlite3_errmsg(ld->db));
    return loader_step(ld, st, q.id);
}

/* sources[] joined with "; " (new malloc'd string), NULL when out of memory. */
static char *join_sources(const json_t *sources)
{
    size_t i, len = 1;
    const json_t *x;
    char *out, *p;
    json_array_foreach(sources, i, x) len += json_string_length(x) + 2;
    out = malloc(len);
    if (!out)
        return NULL;
    p = out;
    json_array_foreach(sources, i, x)
    {
        size_t n = json_string_length(x);
        if (i > 0) {
            memcpy(p, "; ", 2);
            p += 2;
        }
        memcpy(p, json_string_value(x), n);
        p += n;
    }
    *p = '\0';
    return out;
}

static int insert_error_page(struct loader *ld, const json_t *doc, const char *doc_text_json)
{
    struct catalog_error_page e;
    char expect[CATALOG_ID_MAX + 16];
    sqlite3_stmt *st = ld->st[ST_ERROR_PAGE];
    const json_t *sigs, *x;
    char *source;
    size_t i;
    int rc, pos = 0;

    if (seed_error_page_from_doc(doc, &e, ld->err, ld->errlen) != 0)
        return -2; /* field sentence only: load_row names file and row */
    snprintf(expect, sizeof expect, "errors/%s.json", e.id);
    if (strcmp(expect, ld->file) != 0)
        return fail(ld->err, ld->errlen, "seed/%s: page id \"%s\" must live in seed/%s", ld->file,
                    e.id, expect);
    source = join_sources(json_object_get(doc, "sources"));
    if (!source)
        return fail(ld->err, ld->errlen, "seed/%s: out of memory", ld->file);
    rc = bind_text(st, 1, e.id) || bind_text(st, 2, e.title) || bind_text(st, 3, e.platform) ||
         bind_text(st, 4, e.severity) || sqlite3_bind_int(st, 5, e.root_cause_rank) ||
         bind_text(st, 6, doc_text_json) || bind_text(st, 7, source) ||
         bind_text(st, 8, doc_text(doc, "last_verified"));
    free(source);
    if (rc)
        return fail(ld->err, ld->errlen, "seed/%s: bind: %s", ld->file, sqlite3_errmsg(ld->db));
    if (loader_step(ld, st, e.id))
        return -1;

    /* Signature texts: the main signature first, then each variant once. */
    st = ld->st[ST_SIGNATURE];
    sigs = json_object_get(doc, "signatures");
    for (i = 0; i <= json_array_size(sigs); i++) {
        const char *text =
            i == 0 ? doc_text(doc, "signature") : json_string_value(json_array_get(sigs, i - 1));
        bool seen = strcmp(text, doc_text(doc, "signature")) == 0 && i > 0;
        for (size_t j = 0; j + 1 < i && !seen; j++) {
            x = json_array_get(sigs, j);
            seen = strcmp(json_string_value(x), text) == 0;
        }
        if (seen)
            continue;
        if (bind_text(st, 1, e.id) || sqlite3_bind_int(st, 2, pos) || bind_text(st, 3, text))
            return fail(ld->err, ld->errlen, "seed/%s: bind: %s", ld->file, sqlite3_errmsg(ld->db));
        if (loader_step(ld, st, e.id))
            return -1;
        pos++;
    }
    return 0;
}

/* The id of a row for messages ("item 3" when it has no usable id). */
static const char *row_label(const json_t *row, size_t index, char *buf, size_t cap)
{
    const char *id = json_string_value(json_object_get(row, "id"));
    if (id && strlen(id) < 80)
        snprintf(buf, cap, "id \"%s\"", id);
    else
        snprintf(buf, cap, "item %zu (no id)", index);
    return buf;
}

/* Validate and insert one row; on failure err names the file and row. */
static int load_row(struct loader *ld, int kind, const json_t *row, size_t index)
{
    char label[128];
    char *text = json_dumps(row, JSON_COMPACT);
    int rc;
    if (!text)
        return fail(ld->err, ld->errlen, "seed/%s: item %zu: cannot serialise the row", ld->file,
                    index);
    switch (kind) {
    case SEED_HARDWARE:
        rc = insert_hardware(ld, row, text);
        break;
    case SEED_MODEL:
        rc = insert_model(ld, row, text);
        break;
    case SEED_QUANT:
        rc = insert_quant(ld, row, text);
        break;
    default:
        rc = insert_error_page(ld, row, text);
        break;
    }
    free(text);
    if (rc == -2) {
        /* A validation failure: err holds the field sentence; prefix file and row. */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", ld->err);
        fail(ld->err, ld->errlen, "seed/%s: %s: %s", ld->file,
             row_label(row, index, label, sizeof label), msg);
        return -1;
    }
    return rc;
}

static int load_file(struct loader *ld, const struct embedded_file *f)
{
    json_error_t jerr;
    json_t *root;
    const json_t *items, *row;
    size_t i;
    int rc = -1, kind = seed_kind_of(f->name);

    ld->file = f->name;
    if (kind < 0)
        return fail(ld->err, ld->errlen,
                    "seed/%s: unknown seed file (expected hardware.json, models.json,"
                    " quants.json or errors/<id>.json)",
                    f->name);
    root = json_loadb((const char *)f->data, f->size, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return fail(ld->err, ld->errlen, "seed/%s: line %d column %d: %s", f->name, jerr.line,
                    jerr.column, jerr.text);
    if (kind == SEED_ERROR_PAGE) {
        rc = load_row(ld, kind, root, 0);
        goto done;
    }
    items = json_object_get(root, "items");
    if (!json_is_object(root) || !json_is_array(items)) {
        fail(ld->err, ld->errlen, "seed/%s: must be an object {\"items\": [...]}", f->name);
        goto done;
    }
    json_array_foreach(items, i, row)
    {
        if (load_row(ld, kind, row, i))
            goto done;
    }
    rc = 0;
done:
    json_decref(root);
    return rc;
}

/* Every related[].id must name a loaded page. */
static int check_related(struct loader *ld)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(ld->db,
                           "SELECT p.id, json_extract(r.value, '$.id')"
                           " FROM error_page p, json_each(p.doc, '$.related') r"
                           " WHERE json_extract(r.value, '$.id') NOT IN (SELECT id FROM error_page)"
                           " ORDER BY p.id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(ld->err, ld->errlen, "check related pages: %s", sqlite3_errmsg(ld->db));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        fail(ld->err, ld->errlen, "seed/errors/%s.json: related id \"%s\" is not a seed page",
             (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
    else if (rc != SQLITE_DONE)
        fail(ld->err, ld->errlen, "check related pages: %s", sqlite3_errmsg(ld->db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int seed_load(sqlite3 *db, const struct embedded_file *files, size_t n, char *err, size_t errlen)
{
    struct loader ld = {.db = db, .err = err, .errlen = errlen};
    int rc = -1;
    char *msg = NULL;

    if (sqlite3_exec(db,
                     "DELETE FROM error_signature; DELETE FROM error_page; DELETE FROM quant;"
                     " DELETE FROM model; DELETE FROM hardware;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        fail(err, errlen, "clear the catalog tables: %s", msg ? msg : sqlite3_errmsg(db));
        goto done;
    }
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v2(db, seed_sql[i], -1, &ld.st[i], NULL) != SQLITE_OK) {
            fail(err, errlen, "prepare seed statement %d: %s", i, sqlite3_errmsg(db));
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (load_file(&ld, &files[i]))
            goto done;
    rc = check_related(&ld);
done:
    sqlite3_free(msg);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(ld.st[i]);
    return rc;
}

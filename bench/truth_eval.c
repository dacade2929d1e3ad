/* truth_eval.c: maps every row of the measured ground truth to an est_input,
** runs est_estimate and compares each component with what was measured
** (see truth_eval.h). The tables are read as they are: a header row and
** tab-separated fields.
*/
#include "truth_eval.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double MIB = 1048576.0;
static const double GIB = 1073741824.0;

/* ---- accuracy targets ------------------------------------------------------------ */

/* The accuracy targets, held on every measured row (listed in
** bench/README.md). The truth prints buffers to 0.01 MiB, far inside every
** bound. */
static const struct truth_metric_info METRICS[TRUTH_METRIC_COUNT] = {
    [TRUTH_LC_WEIGHTS] = {TRUTH_SRC_LLAMACPP_CPU, "llama.cpp", "weights",
                          "weights vs model buffer (tensor data where repacked)", 0.01},
    [TRUTH_LC_KV_CELL] = {TRUTH_SRC_LLAMACPP_CPU, "llama.cpp", "KV/cell",
                          "KV bytes per allocated cell", 0.005},
    [TRUTH_LC_KV] = {TRUTH_SRC_LLAMACPP_CPU, "llama.cpp", "KV",
                     "KV vs KV buffer (current padding rule)", 0.005},
    [TRUTH_LC_COMPUTE] = {TRUTH_SRC_LLAMACPP_CPU, "llama.cpp", "compute",
                          "compute vs compute + output buffers", 0.15},
    [TRUTH_LC_TOTAL] = {TRUTH_SRC_LLAMACPP_CPU, "llama.cpp", "total",
                        "weights+KV+compute vs the four buffers", 0.02},
    [TRUTH_LC_RSS] = {TRUTH_SRC_LLAMACPP_CPU, "llama.cpp", "RSS", "total with overhead vs peak RSS",
                      TRUTH_TARGET_INFO},
    [TRUTH_QS_WEIGHTS] = {TRUTH_SRC_QUANT_SIZES, "llama.cpp", "file",
                          "weights vs quantized tensor data (n_params given)", 0.01},
    [TRUTH_TF_WEIGHTS] = {TRUTH_SRC_TRANSFORMERS, "transformers", "weights",
                          "weights vs allocated parameters", TRUTH_TARGET_INFO},
    [TRUTH_TF_KV] = {TRUTH_SRC_TRANSFORMERS, "transformers", "KV", "KV vs cache tensors",
                     TRUTH_TARGET_EXACT},
    [TRUTH_TF_ACTIVATIONS] = {TRUTH_SRC_TRANSFORMERS, "transformers", "activ",
                              "compute vs prefill peak - weights - KV", TRUTH_TARGET_INFO},
    [TRUTH_TF_NEED] = {TRUTH_SRC_TRANSFORMERS, "transformers", "need",
                       "total + CUDA context vs max_reserved + context", 0.08},
};

const struct truth_metric_info *truth_metric_info(enum truth_metric m)
{
    return (unsigned)m < TRUTH_METRIC_COUNT ? &METRICS[m] : NULL;
}

/* Current llama.cpp pads every context to a multiple of 256 cells:
** src/llama-context.cpp `cparams.n_ctx = GGML_PAD(cparams.n_ctx, 256)`
** (ggml-org/llama.cpp PR #17046). The measured build b4748 padded to 32
** without flash attention (truth LLAMACPP-RULES.md section 5.1). */
#define TRUTH_LLAMACPP_CTX_PAD 256u

uint32_t truth_pad_context(uint32_t ctx)
{
    uint64_t padded = ((uint64_t)ctx + TRUTH_LLAMACPP_CTX_PAD - 1) / TRUTH_LLAMACPP_CTX_PAD *
                      TRUTH_LLAMACPP_CTX_PAD;
    return padded > UINT32_MAX ? UINT32_MAX : (uint32_t)padded;
}

bool truth_value_within(const struct truth_value *v, double target)
{
    if (!v->present || target == TRUTH_TARGET_INFO)
        return true;
    if (target == TRUTH_TARGET_EXACT)
        return v->predicted == v->measured;
    return fabs(v->rel) <= target;
}

/* ---- errors ------------------------------------------------------------------------ */

struct error_sink {
    char *err;
    size_t err_len;
};

static int fail(struct error_sink *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct error_sink *c, const char *fmt, ...)
{
    if (c->err && c->err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->err_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- TSV tables ------------------------------------------------------------------- */

struct tsv {
    const char *name;
    char *buf;
    size_t n_cols;
    size_t n_rows;
    char **head;  /* n_cols */
    char **cells; /* n_rows x n_cols */
};

static void tsv_free(struct tsv *t)
{
    free(t->buf);
    free(t->head);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* Split one line in place into at most max fields; returns the count, or
** max + 1 when there are more. */
static size_t split_fields(char *line, char **dst, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return max + 1;
        dst[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            return n;
        *tab = '\0';
        p = tab + 1;
    }
}

static int tsv_load(struct error_sink *c, const char *dir, const char *name, struct tsv *t)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof path)
        return fail(c, "path too long: %s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(c, "cannot open %s", path);
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len <= 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return fail(c, "cannot read %s", path);
    }
    t->buf = malloc((size_t)len + 1);
    if (!t->buf) {
        fclose(f);
        return fail(c, "out of memory reading %s", path);
    }
    size_t got = fread(t->buf, 1, (size_t)len, f);
    fclose(f);
    if (got != (size_t)len) {
        tsv_free(t);
        return fail(c, "short read on %s", path);
    }
    t->buf[len] = '\0';

    size_t lines = 1;
    for (const char *p = t->buf; *p; p++)
        lines += *p == '\n';
    char *line = t->buf;
    char *next = NULL;
    /* the header fixes the column count */
    for (; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l == 0)
            continue;
        size_t cols = 1;
        for (const char *p = line; *p; p++)
            cols += *p == '\t';
        t->head = calloc(cols, sizeof *t->head);
        t->cells = calloc(lines * cols, sizeof *t->cells);
        if (!t->head || !t->cells) {
            tsv_free(t);
            return fail(c, "out of memory reading %s", path);
        }
        t->n_cols = split_fields(line, t->head, cols);
        line = next;
        break;
    }
    if (t->n_cols == 0) {
        tsv_free(t);
        return fail(c, "%s has no header row", path);
    }
    for (; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l == 0)
            continue;
        char **row = t->cells + t->n_rows * t->n_cols;
        size_t got_cols = split_fields(line, row, t->n_cols);
        if (got_cols > t->n_cols) {
            size_t at = t->n_rows + 1;
            tsv_free(t);
            return fail(c, "%s row %zu has more fields than the header", path, at);
        }
        for (; got_cols < t->n_cols; got_cols++)
            row[got_cols] = (char *)"";
        t->n_rows++;
    }
    if (t->n_rows == 0) {
        tsv_free(t);
        return fail(c, "%s has no data rows", path);
    }
    return 0;
}

static int tsv_col(struct error_sink *c, const struct tsv *t, const char *col, size_t *idx)
{
    *idx = 0;
    for (size_t i = 0; i < t->n_cols; i++) {
        if (strcmp(t->head[i], col) == 0) {
            *idx = i;
            return 0;
        }
    }
    return fail(c, "%s has no column %s", t->name, col);
}

static int tsv_str(struct error_sink *c, const struct tsv *t, size_t row, const char *col,
                   const char **out)
{
    size_t i;
    *out = "";
    if (tsv_col(c, t, col, &i) != 0)
        return -1;
    *out = t->cells[row * t->n_cols + i];
    return 0;
}

static int tsv_num(struct error_sink *c, const struct tsv *t, size_t row, const char *col,
                   double *out)
{
    const char *s;
    *out = 0;
    if (tsv_str(c, t, row, col, &s) != 0)
        return -1;
    char *end = NULL;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v) || v < 0)
        return fail(c, "%s row %zu column %s is not a number: '%s'", t->name, row + 1, col, s);
    *out = v;
    return 0;
}

static int tsv_u32(struct error_sink *c, const struct tsv *t, size_t row, const char *col,
                   uint32_t *out)
{
    double v;
    *out = 0;
    if (tsv_num(c, t, row, col, &v) != 0)
        return -1;
    if (v > UINT32_MAX || v != floor(v))
        return fail(c, "%s row %zu column %s is not a count: %g", t->name, row + 1, col, v);
    *out = (uint32_t)v;
    return 0;
}

/* ---- the measured architectures --------------------------------------------------- */

/* The llama.cpp tables name the model only; these are the shapes of their
** Hugging Face config.json (Qwen/Qwen2.5-0.5B, meta-llama/Llama-3.2-1B,
** meta-llama/Llama-3.2-3B, meta-llama/Llama-3.1-8B), the configs the truth
** files were built from (tests/data/truth README). */
static int truth_model(struct error_sink *c, const char *name, struct est_model *m)
{
    memset(m, 0, sizeof *m);
    if (strcmp(name, "Qwen2.5-0.5B") == 0) {
        *m = (struct est_model){.num_hidden_layers = 24,
                                .hidden_size = 896,
                                .num_attention_heads = 14,
                                .num_key_value_heads = 2,
                                .head_dim = 64,
                                .intermediate_size = 4864,
                                .vocab_size = 151936,
                                .tie_word_embeddings = true,
                                .max_position_embeddings = 32768};
    } else if (strcmp(name, "Llama-3.2-1B") == 0) {
        *m = (struct est_model){.num_hidden_layers = 16,
                                .hidden_size = 2048,
                                .num_attention_heads = 32,
                                .num_key_value_heads = 8,
                                .head_dim = 64,
                                .intermediate_size = 8192,
                                .vocab_size = 128256,
                                .tie_word_embeddings = true,
                                .max_position_embeddings = 131072};
    } else if (strcmp(name, "Llama-3.2-3B") == 0) {
        *m = (struct est_model){.num_hidden_layers = 28,
                                .hidden_size = 3072,
                                .num_attention_heads = 24,
                                .num_key_value_heads = 8,
                                .head_dim = 128,
                                .intermediate_size = 8192,
                                .vocab_size = 128256,
                                .tie_word_embeddings = true,
                                .max_position_embeddings = 131072};
    } else if (strcmp(name, "Llama-3.1-8B") == 0) {
        *m = (struct est_model){.num_hidden_layers = 32,
                                .hidden_size = 4096,
                                .num_attention_heads = 32,
                                .num_key_value_heads = 8,
                                .head_dim = 128,
                                .intermediate_size = 14336,
                                .vocab_size = 128256,
                                .tie_word_embeddings = false,
                                .max_position_embeddings = 131072};
    } else {
        return fail(c, "no architecture for truth model %s", name);
    }
    return 0;
}

static int truth_quant(struct error_sink *c, const char *id, const struct est_quant **q)
{
    *q = est_quant_find(id);
    return *q ? 0 : fail(c, "unknown quant %s", id);
}

static int truth_kv(struct error_sink *c, const char *id, enum est_kv_type *k)
{
    return est_kv_type_from_id(id, k) == 0 ? 0 : fail(c, "unknown KV type %s", id);
}

/* The exact parameter count of a model, from the quant-sizes table (the
** llama.cpp run table prints it rounded); 0 when absent (derive). */
static int model_params(struct error_sink *c, const struct tsv *sizes, const char *model,
                        uint64_t *params)
{
    *params = 0;
    for (size_t r = 0; r < sizes->n_rows; r++) {
        const char *m;
        double v;
        if (tsv_str(c, sizes, r, "model", &m) != 0)
            return -1;
        if (strcmp(m, model) != 0)
            continue;
        if (tsv_num(c, sizes, r, "n_params", &v) != 0)
            return -1;
        *params = (uint64_t)v;
        return 0;
    }
    return 0;
}

/* The tensor-data size (bytes) of a (model, quant): llama-quantize's "quant
** size", or for unquantized files the single model buffer of a run. This is
** what llama.cpp maps or loads; the repacked CPU_AARCH64 copy of Q4_0 is a
** CPU-backend duplicate of part of it (truth README, LLAMACPP-RULES.md 5.4). */
static int tensor_data_bytes(struct error_sink *c, const struct tsv *sizes, const struct tsv *cpu,
                             const char *model, const char *quant, double *out)
{
    for (size_t r = 0; r < sizes->n_rows; r++) {
        const char *m, *q, *s;
        if (tsv_str(c, sizes, r, "model", &m) || tsv_str(c, sizes, r, "quant", &q) ||
            tsv_str(c, sizes, r, "quantize_quant_size_mb", &s))
            return -1;
        if (strcmp(m, model) || strcmp(q, quant) || *s == '\0')
            continue;
        double mib;
        if (tsv_num(c, sizes, r, "quantize_quant_size_mb", &mib) != 0)
            return -1;
        *out = mib * MIB;
        return 0;
    }
    for (size_t r = 0; r < cpu->n_rows; r++) {
        const char *m, *q, *detail;
        if (tsv_str(c, cpu, r, "model", &m) || tsv_str(c, cpu, r, "quant", &q) ||
            tsv_str(c, cpu, r, "model_buffers_detail", &detail))
            return -1;
        if (strcmp(m, model) || strcmp(q, quant) || strchr(detail, ';'))
            continue;
        double mib;
        if (tsv_num(c, cpu, r, "model_buffer_mib", &mib) != 0)
            return -1;
        *out = mib * MIB;
        return 0;
    }
    return fail(c, "no tensor-data size for %s %s", model, quant);
}

/* ---- rows ----------------------------------------------------------------------------- */

static void set_value(struct truth_row *row, enum truth_metric m, double predicted, double measured,
                      bool held)
{
    struct truth_value *v = &row->value[m];
    v->present = true;
    v->held = held;
    v->predicted = predicted;
    v->measured = measured;
    v->rel = measured > 0 ? (predicted - measured) / measured : 0.0;
}

/* A llama.cpp CPU run on a machine big enough that the budget cuts nothing
** (the bandwidth only feeds the speed estimate, which is not compared). */
static struct est_input cpu_input(const struct est_model *m, const struct est_quant *q,
                                  uint32_t ctx)
{
    struct est_input in;
    memset(&in, 0, sizeof in);
    in.model = *m;
    in.quant = q;
    in.context = ctx;
    in.device = (struct est_device){.kind = EST_DEVICE_CPU,
                                    .backend = EST_BACKEND_CPU,
                                    .memory_gib = 512,
                                    .bandwidth_gbs = 100,
                                    .system_ram_gib = 512,
                                    .count = 1};
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.os = EST_OS_LINUX;
    in.kv_type = EST_KV_F16;
    in.flash_attention = EST_ON;
    in.batch = 1;
    return in;
}

static int eval_llamacpp_row(struct error_sink *c, const struct tsv *cpu, const struct tsv *sizes,
                             size_t r, struct truth_row *row)
{
    const char *model, *quant, *type_k, *type_v, *detail, *run_id;
    uint32_t ctx, n_ctx, kv_size, fa, n_ubatch;
    double model_mib, kv_mib, compute_mib, output_mib, rss_kib;
    if (tsv_str(c, cpu, r, "model", &model) || tsv_str(c, cpu, r, "quant", &quant) ||
        tsv_str(c, cpu, r, "type_k", &type_k) || tsv_str(c, cpu, r, "type_v", &type_v) ||
        tsv_str(c, cpu, r, "model_buffers_detail", &detail) ||
        tsv_str(c, cpu, r, "run_id", &run_id) || tsv_u32(c, cpu, r, "ctx", &ctx) ||
        tsv_u32(c, cpu, r, "n_ctx", &n_ctx) || tsv_u32(c, cpu, r, "kv_size", &kv_size) ||
        tsv_u32(c, cpu, r, "flash_attn", &fa) || tsv_u32(c, cpu, r, "n_ubatch", &n_ubatch) ||
        tsv_num(c, cpu, r, "model_buffer_mib", &model_mib) ||
        tsv_num(c, cpu, r, "kv_buffer_mib", &kv_mib) ||
        tsv_num(c, cpu, r, "compute_buffer_mib", &compute_mib) ||
        tsv_num(c, cpu, r, "output_buffer_mib", &output_mib))
        return -1;
    snprintf(row->label, sizeof row->label, "%s", run_id);
    row->context = ctx;
    row->measured_cells = n_ctx;
    row->older_padding = n_ctx != truth_pad_context(ctx);
    if (kv_size == 0)
        return fail(c, "%s row %zu: kv_size is 0", cpu->name, r + 1);

    struct est_model m;
    const struct est_quant *q;
    enum est_kv_type k, v;
    if (truth_model(c, model, &m) || truth_quant(c, quant, &q) || truth_kv(c, type_k, &k) ||
        truth_kv(c, type_v, &v) || model_params(c, sizes, model, &m.params))
        return -1;
    struct est_input in = cpu_input(&m, q, ctx);
    in.kv_type = k;
    in.kv_type_v = v;
    in.flash_attention = fa ? EST_ON : EST_OFF;
    in.ubatch = n_ubatch;
    row->status = est_estimate(&in, &row->result);
    if (row->status != EST_OK)
        return 0;
    const struct est_result *res = &row->result;

    /* A repacked model (CPU_AARCH64 / CPU_REPACK beside the mapped file) is
    ** compared with its tensor data, which the two printed buffers double-count. */
    double weights = model_mib * MIB;
    if (strstr(detail, "AARCH64") || strstr(detail, "REPACK")) {
        if (tensor_data_bytes(c, sizes, cpu, model, quant, &weights) != 0)
            return -1;
    }
    double kv = kv_mib * MIB;
    double compute = (compute_mib + output_mib) * MIB;
    set_value(row, TRUTH_LC_WEIGHTS, (double)res->weights_bytes, weights, true);
    if (res->kv_cells > 0)
        set_value(row, TRUTH_LC_KV_CELL, (double)res->kv_cache_bytes / res->kv_cells, kv / kv_size,
                  true);
    set_value(row, TRUTH_LC_KV, (double)res->kv_cache_bytes, kv, !row->older_padding);
    set_value(row, TRUTH_LC_COMPUTE, (double)res->compute_bytes, compute, true);
    set_value(row, TRUTH_LC_TOTAL,
              (double)res->weights_bytes + (double)res->kv_cache_bytes + (double)res->compute_bytes,
              weights + kv + compute, !row->older_padding);
    const char *rss;
    if (tsv_str(c, cpu, r, "peak_rss_kib", &rss) != 0)
        return -1;
    if (*rss) {
        if (tsv_num(c, cpu, r, "peak_rss_kib", &rss_kib) != 0)
            return -1;
        set_value(row, TRUTH_LC_RSS, (double)res->total_bytes, rss_kib * 1024.0, false);
    }
    return 0;
}

static int eval_quant_size_row(struct error_sink *c, const struct tsv *sizes, const struct tsv *cpu,
                               size_t r, struct truth_row *row)
{
    const char *model, *quant;
    double params;
    if (tsv_str(c, sizes, r, "model", &model) || tsv_str(c, sizes, r, "quant", &quant) ||
        tsv_num(c, sizes, r, "n_params", &params))
        return -1;
    snprintf(row->label, sizeof row->label, "%s %s", model, quant);
    struct est_model m;
    const struct est_quant *q;
    double truth;
    if (truth_model(c, model, &m) || truth_quant(c, quant, &q) ||
        tensor_data_bytes(c, sizes, cpu, model, quant, &truth))
        return -1;
    m.params = (uint64_t)params;
    /* the weights do not depend on the context */
    struct est_input in = cpu_input(&m, q, 4096);
    row->context = in.context;
    row->status = est_estimate(&in, &row->result);
    if (row->status != EST_OK)
        return 0;
    set_value(row, TRUTH_QS_WEIGHTS, (double)row->result.weights_bytes, truth, true);
    return 0;
}

static int eval_transformers_row(struct error_sink *c, const struct tsv *t, size_t r,
                                 struct truth_row *row)
{
    const char *model, *tied, *head_dim, *outcome;
    double params, w_truth, kv_truth, peak_over_weights, need_truth, total_bytes;
    uint32_t layers, hidden, heads, kv_heads, ff, vocab, ctx;
    if (tsv_str(c, t, r, "model", &model) || tsv_str(c, t, r, "tie_word_embeddings", &tied) ||
        tsv_str(c, t, r, "head_dim", &head_dim) || tsv_str(c, t, r, "outcome", &outcome) ||
        tsv_num(c, t, r, "n_params", &params) || tsv_u32(c, t, r, "num_hidden_layers", &layers) ||
        tsv_u32(c, t, r, "hidden_size", &hidden) ||
        tsv_u32(c, t, r, "num_attention_heads", &heads) ||
        tsv_u32(c, t, r, "num_key_value_heads", &kv_heads) ||
        tsv_u32(c, t, r, "intermediate_size", &ff) || tsv_u32(c, t, r, "vocab_size", &vocab) ||
        tsv_u32(c, t, r, "context", &ctx) || tsv_num(c, t, r, "weights_bytes", &w_truth) ||
        tsv_num(c, t, r, "kv_cache_bytes", &kv_truth) ||
        tsv_num(c, t, r, "prefill_peak_over_weights_bytes", &peak_over_weights) ||
        tsv_num(c, t, r, "measured_need_bytes", &need_truth) ||
        tsv_num(c, t, r, "device_total_bytes", &total_bytes))
        return -1;
    snprintf(row->label, sizeof row->label, "%s ctx %u", model, ctx);
    row->context = ctx;

    struct est_input in;
    memset(&in, 0, sizeof in);
    in.model = (struct est_model){.params = (uint64_t)params,
                                  .num_hidden_layers = layers,
                                  .hidden_size = hidden,
                                  .num_attention_heads = heads,
                                  .num_key_value_heads = kv_heads,
                                  .intermediate_size = ff,
                                  .vocab_size = vocab,
                                  .tie_word_embeddings = strcmp(tied, "True") == 0};
    if (*head_dim && tsv_u32(c, t, r, "head_dim", &in.model.head_dim) != 0)
        return -1;
    if (truth_quant(c, "bf16", &in.quant) != 0)
        return -1;
    in.context = ctx;
    /* The device as PyTorch sees it (device_total_bytes), one H200 (4.8 TB/s,
    ** https://www.nvidia.com/en-us/data-center/h200/; speed is not compared). */
    in.device = (struct est_device){.kind = EST_DEVICE_GPU,
                                    .backend = EST_BACKEND_CUDA,
                                    .memory_gib = total_bytes / GIB,
                                    .bandwidth_gbs = 4800,
                                    .system_ram_gib = 1024,
                                    .count = 1};
    in.runtime = EST_RUNTIME_TRANSFORMERS;
    in.os = EST_OS_LINUX;
    in.flash_attention = EST_AUTO;
    in.batch = 1;
    row->status = est_estimate(&in, &row->result);
    if (*outcome) {
        if (strcmp(outcome, "fits") != 0 && strcmp(outcome, "oom") != 0)
            return fail(c, "%s row %zu: outcome '%s' is neither fits nor oom", t->name, r + 1,
                        outcome);
        row->has_outcome = true;
        row->outcome_fits = strcmp(outcome, "fits") == 0;
    }
    if (row->status != EST_OK)
        return 0;
    const struct est_result *res = &row->result;
    set_value(row, TRUTH_TF_WEIGHTS, (double)res->weights_bytes, w_truth, false);
    set_value(row, TRUTH_TF_KV, (double)res->kv_cache_bytes, kv_truth, true);
    set_value(row, TRUTH_TF_ACTIVATIONS, (double)res->compute_bytes, peak_over_weights - kv_truth,
              false);
    /* The CUDA context lives in the budget (memory - usable), not in total. */
    set_value(row, TRUTH_TF_NEED,
              (double)res->total_bytes + (double)(res->memory_bytes - res->usable_bytes),
              need_truth, true);
    if (row->has_outcome) {
        bool est_fits = res->verdict == EST_RUNS || res->verdict == EST_TIGHT;
        row->verdict_agrees = est_fits == row->outcome_fits;
    }
    return 0;
}

/* ---- statistics ------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int compute_stats(struct error_sink *c, struct truth_eval *e)
{
    double *buf = malloc((e->n_rows ? e->n_rows : 1) * sizeof *buf);
    if (!buf)
        return fail(c, "out of memory");
    e->pass = e->estimate_errors == 0;
    for (unsigned m = 0; m < TRUTH_METRIC_COUNT; m++) {
        struct truth_stats *s = &e->stats[m];
        const double target = METRICS[m].target;
        const bool info = target == TRUTH_TARGET_INFO;
        memset(s, 0, sizeof *s);
        size_t n = 0;
        for (size_t r = 0; r < e->n_rows; r++) {
            const struct truth_value *v = &e->rows[r].value[m];
            if (!v->present)
                continue;
            s->rows++;
            if (!v->held && !info)
                continue;
            s->held += v->held;
            buf[n++] = fabs(v->rel);
            if (n == 1 || fabs(v->rel) > fabs(s->worst)) {
                s->worst = v->rel;
                s->worst_row = r;
            }
            if (v->held && !truth_value_within(v, target))
                s->failures++;
        }
        if (n > 0) {
            qsort(buf, n, sizeof *buf, cmp_double);
            s->median = n % 2 ? buf[n / 2] : (buf[n / 2 - 1] + buf[n / 2]) / 2.0;
        }
        s->pass = s->failures == 0 && (info || s->held > 0);
        e->pass = e->pass && s->pass;
    }
    free(buf);
    e->pass = e->pass && e->verdict_agree == e->verdict_rows;
    return 0;
}

/* ---- the whole evaluation ------------------------------------------------------------------ */

void truth_eval_free(struct truth_eval *e)
{
    free(e->rows);
    memset(e, 0, sizeof *e);
}

int truth_eval_run(const char *dir, struct truth_eval *out, char *err, size_t err_len)
{
    struct error_sink c = {err, err_len};
    struct tsv cpu, sizes, tf;
    memset(out, 0, sizeof *out);
    if (err && err_len)
        err[0] = '\0';
    if (tsv_load(&c, dir, "llamacpp-cpu.tsv", &cpu) != 0)
        return -1;
    if (tsv_load(&c, dir, "llamacpp-quant-sizes.tsv", &sizes) != 0) {
        tsv_free(&cpu);
        return -1;
    }
    if (tsv_load(&c, dir, "transformers-h200.tsv", &tf) != 0) {
        tsv_free(&cpu);
        tsv_free(&sizes);
        return -1;
    }
    int rc = 0;
    size_t total = cpu.n_rows + sizes.n_rows + tf.n_rows;
    out->rows = calloc(total, sizeof *out->rows);
    if (!out->rows) {
        rc = fail(&c, "out of memory");
        goto done;
    }
    const struct tsv *tables[TRUTH_SRC_COUNT] = {&cpu, &sizes, &tf};
    for (unsigned s = 0; s < TRUTH_SRC_COUNT && rc == 0; s++) {
        for (size_t r = 0; r < tables[s]->n_rows && rc == 0; r++) {
            struct truth_row *row = &out->rows[out->n_rows];
            row->source = (enum truth_source)s;
            row->line = r + 1;
            if (s == TRUTH_SRC_LLAMACPP_CPU)
                rc = eval_llamacpp_row(&c, &cpu, &sizes, r, row);
            else if (s == TRUTH_SRC_QUANT_SIZES)
                rc = eval_quant_size_row(&c, &sizes, &cpu, r, row);
            else
                rc = eval_transformers_row(&c, &tf, r, row);
            if (rc != 0)
                break;
            out->n_rows++;
            out->n_source_rows[s]++;
            out->estimate_errors += row->status != EST_OK;
            out->older_padding_rows += row->older_padding;
            if (row->has_outcome) {
                out->verdict_rows++;
                out->verdict_agree += row->status == EST_OK && row->verdict_agrees;
            }
        }
    }
    if (rc == 0)
        rc = compute_stats(&c, out);
done:
    tsv_free(&cpu);
    tsv_free(&sizes);
    tsv_free(&tf);
    if (rc != 0)
        truth_eval_free(out);
    return rc;
}

/* truth_eval.h: the estimator against the measured ground truth (tests/data/truth).
**
** Loads the three truth tables, feeds every row through est_estimate (the
** public API only, no HTTP) and keeps one record per row (predicted and
** measured bytes and the relative error of each component) plus per-metric
** statistics and the pass/fail of each accuracy target. Shared by the
** bench/accuracy program, which prints it, and by
** tests/unit/core/test_estimator_accuracy.c, which asserts it.
*/
#ifndef WIR_TRUTH_EVAL_H
#define WIR_TRUTH_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/estimator.h"

/* The truth tables. */
enum truth_source {
    TRUTH_SRC_LLAMACPP_CPU = 0, /* llamacpp-cpu.tsv: llama.cpp b4748 buffers, one row per start */
    TRUTH_SRC_QUANT_SIZES,      /* llamacpp-quant-sizes.tsv: llama-quantize output sizes */
    TRUTH_SRC_TRANSFORMERS,     /* transformers-h200.tsv: PyTorch peak memory on an H200 */
    TRUTH_SRC_COUNT
};

/* What is compared. Each metric belongs to one source. */
enum truth_metric {
    TRUTH_LC_WEIGHTS = 0, /* weights vs the model buffer (tensor data where repacked) */
    TRUTH_LC_KV_CELL,     /* KV bytes per allocated cell */
    TRUTH_LC_KV,          /* KV buffer */
    TRUTH_LC_COMPUTE,     /* compute_bytes vs compute + output buffers */
    TRUTH_LC_TOTAL,       /* weights + KV + compute vs the sum of the four buffers */
    TRUTH_LC_RSS,         /* total_bytes (with overhead) vs peak RSS: informational */
    TRUTH_QS_WEIGHTS,     /* weights vs llama-quantize's tensor-data size */
    TRUTH_TF_WEIGHTS,     /* transformers: weights vs allocated parameters */
    TRUTH_TF_KV,          /* transformers: KV vs the cache tensors */
    TRUTH_TF_ACTIVATIONS, /* transformers: compute_bytes vs prefill peak - weights - KV */
    TRUTH_TF_NEED,        /* transformers: total + CUDA context vs max_reserved + context */
    TRUTH_METRIC_COUNT
};

/* Target kinds: a relative bound, exact equality, or printed only. */
#define TRUTH_TARGET_INFO (-1.0)
#define TRUTH_TARGET_EXACT 0.0

struct truth_metric_info {
    enum truth_source source;
    const char *runtime; /* "llama.cpp", "transformers" */
    const char *name;    /* short column name */
    const char *what;    /* one line: predicted vs measured */
    double target;       /* largest |relative error| allowed on every held row;
                         ** TRUTH_TARGET_EXACT or TRUTH_TARGET_INFO */
};

const struct truth_metric_info *truth_metric_info(enum truth_metric m);

/* One component of one row. */
struct truth_value {
    bool present;     /* this row measures it */
    bool held;        /* counted against the target (false: reported only) */
    double predicted; /* bytes (per cell for TRUTH_LC_KV_CELL) */
    double measured;
    double rel; /* (predicted - measured) / measured */
};

#define TRUTH_LABEL_MAX 96

struct truth_row {
    enum truth_source source;
    size_t line;                 /* 1-based data row in its table */
    char label[TRUTH_LABEL_MAX]; /* run_id, or model + quant (+ context) */
    enum est_status status;      /* of est_estimate */
    struct est_result result;    /* est_estimate's answer (zeroed on error) */
    struct truth_value value[TRUTH_METRIC_COUNT];
    /* llama.cpp: the measured build padded the context by a rule other than
    ** current llama.cpp's pad-to-256, so its KV buffer and total are reported
    ** but only the per-cell KV is held to the target. */
    bool older_padding;
    uint32_t context;        /* requested (-c / context) */
    uint32_t measured_cells; /* llama.cpp: n_ctx the build allocated */
    /* the truth records whether the run fitted the device */
    bool has_outcome;
    bool outcome_fits;
    bool verdict_agrees; /* est verdict runs/tight == fits */
};

struct truth_stats {
    size_t rows;      /* rows that measure the metric */
    size_t held;      /* of which held to the target */
    double median;    /* median |rel| over held rows (all rows for informational metrics) */
    double worst;     /* rel with the largest magnitude, signed */
    size_t worst_row; /* index into truth_eval.rows */
    size_t failures;  /* held rows beyond the target */
    bool pass;        /* no failure (informational metrics always pass) */
};

struct truth_eval {
    struct truth_row *rows;
    size_t n_rows;
    size_t n_source_rows[TRUTH_SRC_COUNT];
    size_t estimate_errors; /* rows where est_estimate did not answer EST_OK */
    struct truth_stats stats[TRUTH_METRIC_COUNT];
    size_t verdict_rows; /* rows with an outcome */
    size_t verdict_agree;
    size_t older_padding_rows;
    bool pass; /* every target held, every row estimated, every verdict agrees */
};

/* Load dir/{llamacpp-cpu,llamacpp-quant-sizes,transformers-h200}.tsv and
** evaluate every row into *out. Returns 0, or -1 with a message in err when a
** table cannot be read or a row cannot be mapped to an estimator input
** (unknown model, quant or KV type, a missing or non-numeric field). Free
** with truth_eval_free. */
int truth_eval_run(const char *dir, struct truth_eval *out, char *err, size_t err_len);

void truth_eval_free(struct truth_eval *e);

/* Whether v meets target t (TRUTH_TARGET_INFO: always). */
bool truth_value_within(const struct truth_value *v, double target);

/* The context current llama.cpp allocates for a requested one: a multiple of
** 256 cells. */
uint32_t truth_pad_context(uint32_t ctx);

#endif

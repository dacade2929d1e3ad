/* accuracy.c: the estimator against every row of the measured ground truth.
**
**   accuracy [TRUTH_DIR]     (default: the source tree's tests/data/truth)
**
** Prints one line per row (predicted / measured MiB and the error of each
** component), then a summary per runtime and component (rows, median and
** worst absolute error, target, PASS/FAIL, verdict agreement), the rows
** measured under an older context-padding rule, and the worst row of each
** component. Exit status 0 when every target holds, 1 otherwise. No HTTP:
** est_estimate is called directly (bench/truth_eval.c).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "truth_eval.h"

#ifndef WIR_TRUTH_DIR
#error "WIR_TRUTH_DIR must point at tests/data/truth"
#endif

static const double MIB = 1048576.0;

/* "pred/meas +err%" with '!' when a held value misses its target. */
static void print_value(const char *name, const struct truth_row *row, enum truth_metric m)
{
    const struct truth_value *v = &row->value[m];
    if (!v->present) {
        printf("  %s %19s", name, "-");
        return;
    }
    double scale = m == TRUTH_LC_KV_CELL ? 1.0 : MIB;
    bool miss = v->held && !truth_value_within(v, truth_metric_info(m)->target);
    printf("  %s %9.2f/%9.2f %+7.2f%%%s", name, v->predicted / scale, v->measured / scale,
           v->rel * 100.0, miss ? "!" : (v->held ? " " : "~"));
}

static void print_rows(const struct truth_eval *e)
{
    enum truth_source last = TRUTH_SRC_COUNT;
    for (size_t i = 0; i < e->n_rows; i++) {
        const struct truth_row *row = &e->rows[i];
        if (row->source != last) {
            last = row->source;
            if (last == TRUTH_SRC_LLAMACPP_CPU)
                printf("\n== llama.cpp CPU buffers (llamacpp-cpu.tsv), MiB predicted/measured; "
                       "KV/cell in bytes; RSS informational\n");
            else if (last == TRUTH_SRC_QUANT_SIZES)
                printf("\n== llama-quantize tensor data (llamacpp-quant-sizes.tsv), MiB\n");
            else
                printf("\n== transformers bf16 on an H200 (transformers-h200.tsv), MiB\n");
            printf("   '!' misses its target, '~' reported but not held to a target\n");
        }
        printf("%-62s", row->label);
        if (row->status != EST_OK) {
            printf("  est_estimate failed (status %d)\n", (int)row->status);
            continue;
        }
        if (row->source == TRUTH_SRC_LLAMACPP_CPU) {
            print_value("W", row, TRUTH_LC_WEIGHTS);
            print_value("KV", row, TRUTH_LC_KV);
            print_value("KV/cell", row, TRUTH_LC_KV_CELL);
            print_value("C", row, TRUTH_LC_COMPUTE);
            print_value("T", row, TRUTH_LC_TOTAL);
            printf("  ovh %4.0f", row->result.overhead_bytes / MIB);
            print_value("RSS", row, TRUTH_LC_RSS);
            if (row->older_padding)
                printf("  [older padding rule: n_ctx %u, pad256(%u) = %u]", row->measured_cells,
                       row->context, truth_pad_context(row->context));
        } else if (row->source == TRUTH_SRC_QUANT_SIZES) {
            print_value("W", row, TRUTH_QS_WEIGHTS);
        } else {
            print_value("W", row, TRUTH_TF_WEIGHTS);
            print_value("KV", row, TRUTH_TF_KV);
            print_value("act", row, TRUTH_TF_ACTIVATIONS);
            print_value("need", row, TRUTH_TF_NEED);
            if (row->has_outcome)
                printf("  verdict %s vs %s%s", est_verdict_id(row->result.verdict),
                       row->outcome_fits ? "fits" : "oom", row->verdict_agrees ? "" : " !");
        }
        printf("\n");
    }
}

static void format_target(double target, char *buf, size_t len)
{
    if (target == TRUTH_TARGET_INFO)
        snprintf(buf, len, "info");
    else if (target == TRUTH_TARGET_EXACT)
        snprintf(buf, len, "exact");
    else
        snprintf(buf, len, "%.1f %%", target * 100.0);
}

static void print_summary(const struct truth_eval *e)
{
    printf("\n== summary (|error| over the rows held to the target)\n");
    printf("%-13s %-52s %5s %5s %9s %9s %7s  %s\n", "runtime", "component", "rows", "held",
           "median", "worst", "target", "result");
    for (unsigned m = 0; m < TRUTH_METRIC_COUNT; m++) {
        const struct truth_metric_info *info = truth_metric_info((enum truth_metric)m);
        const struct truth_stats *s = &e->stats[m];
        char target[16];
        format_target(info->target, target, sizeof target);
        const char *result = info->target == TRUTH_TARGET_INFO ? "-" : s->pass ? "PASS" : "FAIL";
        printf("%-13s %-52s %5zu %5zu %8.3f%% %+8.3f%% %7s  %s", info->runtime, info->what, s->rows,
               s->held, s->median * 100.0, s->worst * 100.0, target, result);
        if (s->failures)
            printf(" (%zu rows)", s->failures);
        printf("\n");
    }
    printf("%-13s %-52s %5zu %5s %8s %9s %7s  %s (%zu/%zu agree)\n", "transformers",
           "verdict (runs/tight = fits) vs measured outcome", e->verdict_rows, "", "", "", "all",
           e->verdict_agree == e->verdict_rows ? "PASS" : "FAIL", e->verdict_agree,
           e->verdict_rows);
    if (e->estimate_errors)
        printf("est_estimate failed on %zu rows: FAIL\n", e->estimate_errors);
}

static void print_older_padding(const struct truth_eval *e)
{
    printf("\n== rows measured under an older padding rule (n_ctx != pad256(ctx)): %zu\n",
           e->older_padding_rows);
    printf("   Current llama.cpp pads every context to 256 cells; the measured build padded\n"
           "   to 32 without flash attention. KV and total are reported, KV per cell is held.\n");
    for (size_t i = 0; i < e->n_rows; i++) {
        const struct truth_row *row = &e->rows[i];
        if (!row->older_padding || row->status != EST_OK)
            continue;
        const struct truth_value *kv = &row->value[TRUTH_LC_KV];
        const struct truth_value *cell = &row->value[TRUTH_LC_KV_CELL];
        const struct truth_value *tot = &row->value[TRUTH_LC_TOTAL];
        printf("   %s: ctx %u, measured n_ctx %u, estimated cells %u; KV %+.2f %%, "
               "KV/cell %+.3f %%, total %+.2f %%\n",
               row->label, row->context, row->measured_cells, row->result.kv_cells, kv->rel * 100.0,
               cell->rel * 100.0, tot->rel * 100.0);
    }
}

static void print_worst(const struct truth_eval *e)
{
    printf("\n== worst row per component\n");
    for (unsigned m = 0; m < TRUTH_METRIC_COUNT; m++) {
        const struct truth_metric_info *info = truth_metric_info((enum truth_metric)m);
        const struct truth_stats *s = &e->stats[m];
        if (s->rows == 0 || s->worst_row >= e->n_rows)
            continue;
        const struct truth_row *row = &e->rows[s->worst_row];
        const struct truth_value *v = &row->value[m];
        double scale = m == TRUTH_LC_KV_CELL ? 1.0 : MIB;
        printf("%-13s %-8s %+8.3f%%  %s  (%.2f vs %.2f %s)\n", info->runtime, info->name,
               v->rel * 100.0, row->label, v->predicted / scale, v->measured / scale,
               m == TRUTH_LC_KV_CELL ? "bytes" : "MiB");
    }
}

int main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "usage: %s [TRUTH_DIR]\n", argv[0]);
        return 1;
    }
    const char *dir = argc == 2 ? argv[1] : WIR_TRUTH_DIR;
    struct truth_eval e;
    char err[512];
    if (truth_eval_run(dir, &e, err, sizeof err) != 0) {
        fprintf(stderr, "accuracy: %s\n", err);
        return 1;
    }
    printf("truth: %s (%zu llama.cpp runs, %zu quantized files, %zu transformers runs)\n", dir,
           e.n_source_rows[TRUTH_SRC_LLAMACPP_CPU], e.n_source_rows[TRUTH_SRC_QUANT_SIZES],
           e.n_source_rows[TRUTH_SRC_TRANSFORMERS]);
    print_rows(&e);
    print_summary(&e);
    print_older_padding(&e);
    print_worst(&e);
    printf("\n%s\n", e.pass ? "PASS: every target holds" : "FAIL: a target does not hold");
    int rc = e.pass ? 0 : 1;
    truth_eval_free(&e);
    return rc;
}

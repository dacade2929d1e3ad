/* test_fuzz_regression.c: replays the fuzz targets' inputs in the normal
** build: every built-in seed, every file under tests/fuzz/corpus/<target>/
** and every crasher kept in tests/fuzz/regression/<target>/, through the same
** entry code the libFuzzer programs run (tests/fuzz/fuzz_entry_*.c). An input
** passes when the entry returns; a violated invariant aborts the test.
*/
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/estimator.h"
#include "fuzz_entry.h"

#define SEED_CAP 4096

/* Read path into a new buffer (free it); *len gets its size. NULL on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (NULL == f)
        return NULL;
    uint8_t *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            size_t ncap = cap ? 2 * cap : 4096;
            uint8_t *nbuf = realloc(buf, ncap);
            if (NULL == nbuf) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (0 == n)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    *len = used;
    return buf;
}

static bool is_dir(const char *path)
{
    struct stat st;
    return 0 == stat(path, &st) && S_ISDIR(st.st_mode);
}

/* Run every regular file of dir (names starting with '.' skipped) through t.
** Returns the number run. */
static size_t replay_dir(const struct fuzz_target *t, const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_msg(NULL != d, "cannot open %s", dir);
    size_t count = 0;
    struct dirent *e;
    while (NULL != (e = readdir(d))) {
        if ('.' == e->d_name[0])
            continue;
        char path[1024];
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ck_assert_msg(n > 0 && (size_t)n < sizeof path, "path too long in %s", dir);
        if (is_dir(path))
            continue;
        size_t len = 0;
        uint8_t *data = read_file(path, &len);
        ck_assert_msg(NULL != data, "cannot read %s", path);
        /* the name goes to stderr first, so an abort below names the input */
        fprintf(stderr, "replay %s: %s (%zu bytes)\n", t->name, path, len);
        (void)t->one(data, len);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

/* Replay every file of tests/fuzz/<kind>/<target>/ for every target directory there. Each
** directory must name a target. Returns the number of inputs run. */
static size_t replay_tree(const char *kind)
{
    char root[512];
    int n = snprintf(root, sizeof root, "%s/tests/fuzz/%s", WIR_SOURCE_DIR, kind);
    ck_assert(n > 0 && (size_t)n < sizeof root);
    if (!is_dir(root))
        return 0; /* nothing kept yet */
    DIR *d = opendir(root);
    ck_assert_msg(NULL != d, "cannot open %s", root);
    size_t count = 0;
    struct dirent *e;
    while (NULL != (e = readdir(d))) {
        if ('.' == e->d_name[0])
            continue;
        char dir[1024];
        n = snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
        ck_assert(n > 0 && (size_t)n < sizeof dir);
        if (!is_dir(dir))
            continue;
        const struct fuzz_target *t = fuzz_target_find(e->d_name);
        ck_assert_msg(NULL != t, "%s is not a fuzz target (estimator, check_input, matcher)", dir);
        ck_assert_msg(0 == t->init(), "%s: init failed", t->name);
        count += replay_dir(t, dir);
    }
    closedir(d);
    return count;
}

/* Seed i of target t, run; returns the entry's outcome. */
static int run_seed(const struct fuzz_target *t, size_t i)
{
    uint8_t buf[SEED_CAP];
    size_t len = t->seed(i, buf, sizeof buf);
    ck_assert_msg(len > 0, "%s seed %zu does not fit %d bytes", t->name, i, SEED_CAP);
    return t->one(buf, len);
}

/* Every built-in seed of every target runs through its entry, so the test
** never replays nothing. */
START_TEST(test_fuzz_seeds_pass_every_target)
{
    const struct fuzz_target *t = fuzz_targets[_i];
    ck_assert_int_eq(0, t->init());
    ck_assert_msg(t->seed_count() >= 3, "%s has %zu seeds", t->name, t->seed_count());
    for (size_t i = 0; i < t->seed_count(); i++)
        (void)run_seed(t, i);
    uint8_t buf[1];
    ck_assert_uint_eq(0, t->seed(t->seed_count(), buf, sizeof buf));
    /* no input at all is an input too */
    (void)t->one(buf, 0);
}
END_TEST

/* The seeds are what they say: the seed scenario sizes and answers 200, junk is
** refused, the CUDA log finds its page. */
START_TEST(test_fuzz_seeds_reach_the_code_they_target)
{
    ck_assert_int_eq(0, fuzz_target_estimator.init());
    ck_assert_int_eq(0, fuzz_target_check_input.init());
    ck_assert_int_eq(0, fuzz_target_matcher.init());

    ck_assert_int_eq(EST_OK, run_seed(&fuzz_target_estimator, 0));
    ck_assert_int_eq(EST_OK, run_seed(&fuzz_target_estimator, 1));
    ck_assert_int_ne(EST_OK,
                     run_seed(&fuzz_target_estimator, fuzz_target_estimator.seed_count() - 1));

    ck_assert_int_eq(200, run_seed(&fuzz_target_check_input, 0)); /* seed scenario */
    ck_assert_int_eq(200, run_seed(&fuzz_target_check_input, 1)); /* inline model */
    static const char not_json[] = "{\"model\": ";
    ck_assert_int_eq(400, fuzz_check_input_one((const uint8_t *)not_json, sizeof not_json - 1));
    static const char unknown[] = "{\"model\":\"no-such-model\",\"hardware\":\"nvidia-rtx-4090\"}";
    ck_assert_int_eq(404, fuzz_check_input_one((const uint8_t *)unknown, sizeof unknown - 1));

    ck_assert_int_ge(run_seed(&fuzz_target_matcher, 0), 1); /* CUDA OOM log */
    static const char nothing[] = "hello world\n";
    ck_assert_int_eq(0, fuzz_matcher_one((const uint8_t *)nothing, sizeof nothing - 1));
}
END_TEST

/* The estimator's byte layout decodes the seed scenario back to what was encoded. */
START_TEST(test_fuzz_estimator_layout_round_trips)
{
    uint8_t buf[SEED_CAP];
    size_t len = fuzz_target_estimator.seed(0, buf, sizeof buf);
    ck_assert_uint_gt(len, 0);
    static struct fuzz_estimator_case c;
    fuzz_estimator_decode(buf, len, &c);
    ck_assert_uint_eq(c.in.model.params, 32763876352ull);
    ck_assert_uint_eq(c.in.model.num_hidden_layers, 64);
    ck_assert_uint_eq(c.in.model.max_position_embeddings, 32768);
    ck_assert_ptr_eq(c.in.quant, est_quant_find("mlx-8bit"));
    ck_assert_uint_eq(c.in.context, 32768);
    ck_assert_int_eq(c.in.device.kind, EST_DEVICE_UNIFIED);
    ck_assert_int_eq(c.in.device.backend, EST_BACKEND_METAL);
    ck_assert(32.0 == c.in.device.memory_gib);
    ck_assert_int_eq(c.in.runtime, EST_RUNTIME_MLX);
    ck_assert_int_eq(c.in.flash_attention, EST_AUTO);
    ck_assert_str_eq(c.names.model_id, "qwen2.5-32b-instruct");
    ck_assert_str_eq(c.names.hf_repo, "Qwen/Qwen2.5-32B-Instruct");
    ck_assert_str_eq(c.names.ollama_tag, "qwen2.5:32b");

    /* a short input reads as zeros: no model, so the estimator refuses it */
    fuzz_estimator_decode(buf, 3, &c);
    ck_assert_uint_eq(c.in.model.num_hidden_layers, 0);
    ck_assert_ptr_null(c.names.model_id);
}
END_TEST

/* The estimate invariants are not vacuous: a doctored result is caught. */
START_TEST(test_fuzz_estimate_invariants_catch_violations)
{
    uint8_t buf[SEED_CAP];
    size_t len = fuzz_target_estimator.seed(0, buf, sizeof buf);
    static struct fuzz_estimator_case c;
    fuzz_estimator_decode(buf, len, &c);
    struct est_result res, bad;
    char why[256];
    ck_assert_int_eq(EST_OK, est_estimate(&c.in, &res));
    ck_assert_int_eq(0, fuzz_estimate_violation(&c.in, EST_OK, &res, why, sizeof why));

    bad = res;
    bad.total_bytes++;
    ck_assert_int_eq(1, fuzz_estimate_violation(&c.in, EST_OK, &bad, why, sizeof why));
    ck_assert_msg(NULL != strstr(why, "!= total"), "%s", why);

    bad = res; /* the seed scenario does not fit: claiming it runs is caught */
    ck_assert_int_eq(EST_WONT_RUN, res.verdict);
    bad.verdict = EST_RUNS;
    ck_assert_int_eq(1, fuzz_estimate_violation(&c.in, EST_OK, &bad, why, sizeof why));

    bad = res;
    bad.context = 4096;
    ck_assert_int_eq(1, fuzz_estimate_violation(&c.in, EST_OK, &bad, why, sizeof why));

    ck_assert_int_eq(1, fuzz_estimate_violation(&c.in, EST_E_RANGE, &res, why, sizeof why));
    memset(&bad, 0, sizeof bad);
    ck_assert_int_eq(0, fuzz_estimate_violation(&c.in, EST_E_RANGE, &bad, why, sizeof why));
}
END_TEST

/* Every seed corpus file passes, and every target has some. */
START_TEST(test_fuzz_corpus_inputs_pass)
{
    size_t corpus = replay_tree("corpus");
    fprintf(stderr, "replayed %zu corpus inputs\n", corpus);
    ck_assert_msg(corpus >= fuzz_targets_count, "only %zu corpus files", corpus);
}
END_TEST

/* Every crasher kept in tests/fuzz/regression/<target>/ passes (none kept is fine: the seeds
** above still run). */
START_TEST(test_fuzz_regression_inputs_pass)
{
    size_t crashers = replay_tree("regression");
    fprintf(stderr, "replayed %zu regression inputs\n", crashers);
}
END_TEST

static Suite *fuzz_regression_suite(void)
{
    Suite *s = suite_create("fuzz_regression");
    TCase *tc = tcase_create("replay");
    tcase_add_loop_test(tc, test_fuzz_seeds_pass_every_target, 0, (int)fuzz_targets_count);
    tcase_add_test(tc, test_fuzz_seeds_reach_the_code_they_target);
    tcase_add_test(tc, test_fuzz_estimator_layout_round_trips);
    tcase_add_test(tc, test_fuzz_estimate_invariants_catch_violations);
    tcase_add_test(tc, test_fuzz_corpus_inputs_pass);
    tcase_add_test(tc, test_fuzz_regression_inputs_pass);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fuzz_regression_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return 0 == failed ? EXIT_SUCCESS : EXIT_FAILURE;
}

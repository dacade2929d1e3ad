/* test_textutil.c: unit tests for strict number parsing, slug folding and "did you mean" suggestions (server/core/textutil.c); no I/O beyond Check.
*/
#include <check.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "core/textutil.h"

START_TEST(test_text_parse_i64_accepts_canonical)
{
    int64_t v = 99;
    ck_assert_int_eq(text_parse_i64("0", INT64_MIN, INT64_MAX, &v), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(text_parse_i64("32768", INT64_MIN, INT64_MAX, &v), 0);
    ck_assert_int_eq(v, 32768);
    ck_assert_int_eq(text_parse_i64("-17", INT64_MIN, INT64_MAX, &v), 0);
    ck_assert_int_eq(v, -17);
    ck_assert_int_eq(text_parse_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(text_parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
    ck_assert(v == INT64_MIN);
}
END_TEST

START_TEST(test_text_parse_i64_rejects_non_canonical)
{
    static const char *const bad[] = {"",    " 1",  "1 ",  "+1",  "01", "00",  "-0",  "-",
                                      "1.0", "1e3", "0x1", "abc", "1a", "--1", "- 1", "\xef\xbc\x94"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 42;
        ck_assert_msg(text_parse_i64(bad[i], INT64_MIN, INT64_MAX, &v) == -1, "accepted '%s'",
                      bad[i]);
        ck_assert_int_eq(v, 42); /* untouched on failure */
    }
    int64_t v = 0;
    ck_assert_int_eq(text_parse_i64(NULL, 0, 10, &v), -1);
}
END_TEST

START_TEST(test_text_parse_i64_range_and_overflow)
{
    int64_t v = 7;
    ck_assert_int_eq(text_parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v), -2);
    ck_assert_int_eq(text_parse_i64("-9223372036854775809", INT64_MIN, INT64_MAX, &v), -2);
    ck_assert_int_eq(text_parse_i64("99999999999999999999999", INT64_MIN, INT64_MAX, &v), -2);
    /* Overflowing digits followed by junk are malformed, not out of range. */
    ck_assert_int_eq(text_parse_i64("99999999999999999999999x", INT64_MIN, INT64_MAX, &v), -1);
    ck_assert_int_eq(text_parse_i64("0", 1, 500, &v), -2);
    ck_assert_int_eq(text_parse_i64("501", 1, 500, &v), -2);
    ck_assert_int_eq(text_parse_i64("-1", 0, 500, &v), -2);
    ck_assert_int_eq(v, 7);
    ck_assert_int_eq(text_parse_i64("500", 1, 500, &v), 0);
    ck_assert_int_eq(v, 500);
    ck_assert_int_eq(text_parse_i64("1", 1, 500, &v), 0);
    ck_assert_int_eq(v, 1);
}
END_TEST

START_TEST(test_text_parse_double_accepts_decimal)
{
    double v = -1;
    ck_assert_int_eq(text_parse_double("12", 0, 1e9, &v), 0);
    ck_assert(v == 12.0);
    ck_assert_int_eq(text_parse_double("0.5", 0, 1e9, &v), 0);
    ck_assert(v == 0.5);
    ck_assert_int_eq(text_parse_double("1e3", 0, 1e9, &v), 0);
    ck_assert(v == 1000.0);
    ck_assert_int_eq(text_parse_double("2.5E-1", 0, 1e9, &v), 0);
    ck_assert(v == 0.25);
    ck_assert_int_eq(text_parse_double("-3.25", -10, 10, &v), 0);
    ck_assert(v == -3.25);
    ck_assert_int_eq(text_parse_double("4096.0", 0, 1e9, &v), 0);
    ck_assert(v == 4096.0);
}
END_TEST

START_TEST(test_text_parse_double_rejects_malformed)
{
    static const char *const bad[] = {"",     " 1",   "1 ",  "+1",  ".5",  "5.",  "1e",
                                      "1e+",  "0x10", "inf", "nan", "NaN", "-",   "01",
                                      "1,5",  "1..2", "e3",  "1e3x", "--1", "Infinity"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double v = 42;
        ck_assert_msg(text_parse_double(bad[i], -DBL_MAX, DBL_MAX, &v) == -1, "accepted '%s'",
                      bad[i]);
        ck_assert(v == 42);
    }
}
END_TEST

START_TEST(test_text_parse_double_range)
{
    double v = 42;
    ck_assert_int_eq(text_parse_double("1e999", -DBL_MAX, DBL_MAX, &v), -2);
    ck_assert_int_eq(text_parse_double("-1e999", -DBL_MAX, DBL_MAX, &v), -2);
    ck_assert_int_eq(text_parse_double("0", 0.001, 100, &v), -2);
    ck_assert_int_eq(text_parse_double("100.01", 0.001, 100, &v), -2);
    ck_assert(v == 42);
    ck_assert_int_eq(text_parse_double("100", 0.001, 100, &v), 0);
    ck_assert(v == 100);
    ck_assert_int_eq(text_parse_double("-0", 0, 1, &v), 0);
    ck_assert(v == 0.0);
}
END_TEST

START_TEST(test_text_parse_bool_values)
{
    bool b = false;
    ck_assert_int_eq(text_parse_bool("true", &b), 0);
    ck_assert(b);
    ck_assert_int_eq(text_parse_bool("0", &b), 0);
    ck_assert(!b);
    ck_assert_int_eq(text_parse_bool("1", &b), 0);
    ck_assert(b);
    ck_assert_int_eq(text_parse_bool("false", &b), 0);
    ck_assert(!b);
    static const char *const bad[] = {"", "yes", "no", "TRUE", "True", "01", "true ", " 1", "2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(text_parse_bool(bad[i], &b) == -1, "accepted '%s'", bad[i]);
    ck_assert_int_eq(text_parse_bool(NULL, &b), -1);
}
END_TEST

START_TEST(test_slug_fold_lowercases_valid_ids)
{
    char out[SLUG_MAX + 1];
    ck_assert(slug_fold("Qwen2.5-32B-Instruct", out, sizeof out));
    ck_assert_str_eq(out, "qwen2.5-32b-instruct");
    ck_assert(slug_fold("apple-m1-max-32gb", out, sizeof out));
    ck_assert_str_eq(out, "apple-m1-max-32gb");
    ck_assert(slug_fold("Q4_K_M", out, sizeof out));
    ck_assert_str_eq(out, "q4_k_m");
    ck_assert(slug_fold("...", out, sizeof out)); /* only "." and ".." are refused */
    ck_assert_str_eq(out, "...");
}
END_TEST

START_TEST(test_slug_fold_rejects_invalid)
{
    static const char *const bad[] = {"",         ".",          "..",    "a/b",   "a b",
                                      "qwen2.5:32b", "%00",     "a\x01", "caf\xc3\xa9", "a\\b",
                                      "../etc/passwd", "id?x=1"};
    char out[SLUG_MAX + 1];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(out, "junk", 5);
        ck_assert_msg(!slug_fold(bad[i], out, sizeof out), "accepted '%s'", bad[i]);
        ck_assert_str_eq(out, "");
    }
    ck_assert(!slug_fold(NULL, out, sizeof out));
}
END_TEST

START_TEST(test_slug_fold_length_limits)
{
    char in[SLUG_MAX + 2];
    char out[SLUG_MAX + 8];
    memset(in, 'a', SLUG_MAX);
    in[SLUG_MAX] = '\0';
    ck_assert(slug_fold(in, out, sizeof out)); /* exactly SLUG_MAX: ok */
    ck_assert_uint_eq(strlen(out), SLUG_MAX);
    in[SLUG_MAX] = 'a';
    in[SLUG_MAX + 1] = '\0';
    ck_assert(!slug_fold(in, out, sizeof out)); /* one more: refused */
    /* The output buffer bounds the result too; never truncated. */
    char small[4];
    ck_assert(slug_fold("abc", small, sizeof small));
    ck_assert_str_eq(small, "abc");
    ck_assert(!slug_fold("abcd", small, sizeof small));
    ck_assert_str_eq(small, "");
    ck_assert(!slug_fold("abc", small, 0));
}
END_TEST

static const char *const models[] = {
    "qwen2.5-7b-instruct",  "qwen2.5-14b-instruct",      "qwen2.5-32b-instruct",
    "qwen2.5-72b-instruct", "qwen2.5-coder-32b-instruct", "llama-3.1-8b-instruct",
    "llama-3.1-70b-instruct", "gemma-2-27b-it",          "mistral-7b-instruct-v0.3",
};
static const size_t n_models = sizeof models / sizeof models[0];

static const char *const hardware[] = {
    "nvidia-rtx-3090", "nvidia-rtx-4080", "nvidia-rtx-4090", "nvidia-rtx-5090",
    "apple-m1-max-32gb", "apple-m1-max-64gb", "apple-m2-max-32gb", "amd-rx-7900-xtx",
};
static const size_t n_hardware = sizeof hardware / sizeof hardware[0];

START_TEST(test_text_suggest_prefix_completion_first)
{
    size_t idx[5];
    size_t n = text_suggest("qwen2.5-32b", models, n_models, idx, 5);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(models[idx[0]], "qwen2.5-32b-instruct");
}
END_TEST

START_TEST(test_text_suggest_substring_ignores_separators)
{
    size_t idx[5];
    size_t n = text_suggest("rtx4090", hardware, n_hardware, idx, 5);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(hardware[idx[0]], "nvidia-rtx-4090");
    n = text_suggest("RTX 4090", hardware, n_hardware, idx, 5);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(hardware[idx[0]], "nvidia-rtx-4090");
}
END_TEST

START_TEST(test_text_list_next_splits_and_trims)
{
    const char *cursor = " https://a.example , https://b.example:8443,,c ,";
    const char *want[] = {"https://a.example", "https://b.example:8443", "", "c", ""};
    const char *p;
    size_t len, n = 0;
    while (NULL != (p = text_list_next(&cursor, &len))) {
        ck_assert_uint_lt(n, 5);
        ck_assert_uint_eq(len, strlen(want[n]));
        ck_assert(0 == strncmp(p, want[n], len));
        n++;
    }
    ck_assert_uint_eq(n, 5);
    cursor = "one";
    ck_assert_ptr_nonnull(text_list_next(&cursor, &len));
    ck_assert_uint_eq(len, 3);
    ck_assert_ptr_null(text_list_next(&cursor, &len));
}
END_TEST

START_TEST(test_text_thousands_groups_digits)
{
    char buf[32];
    text_thousands(0, buf, sizeof buf);
    ck_assert_str_eq(buf, "0");
    text_thousands(999, buf, sizeof buf);
    ck_assert_str_eq(buf, "999");
    text_thousands(26368, buf, sizeof buf);
    ck_assert_str_eq(buf, "26,368");
    text_thousands(16777216, buf, sizeof buf);
    ck_assert_str_eq(buf, "16,777,216");
    text_thousands(UINT64_MAX, buf, sizeof buf);
    ck_assert_str_eq(buf, "18,446,744,073,709,551,615");
    text_thousands(1234567, buf, 4); /* truncated, still terminated */
    ck_assert_str_eq(buf, "1,2");
}
END_TEST

START_TEST(test_text_suggest_abbreviations)
{
    size_t idx[5];
    /* the letters and digits in order, starting alike: a shorthand people type */
    size_t n = text_suggest("llama3-8b", models, n_models, idx, 5);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(models[idx[0]], "llama-3.1-8b-instruct");
    n = text_suggest("no-such-model", models, n_models, idx, 5);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_text_suggest_typos)
{
    size_t idx[3];
    /* swapped letters (the "Damerau" part) */
    size_t n = text_suggest("llama-3.1-8b-isntruct", models, n_models, idx, 3);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(models[idx[0]], "llama-3.1-8b-instruct");
    /* missing letter, upper case */
    n = text_suggest("GEMA-2-27B-IT", models, n_models, idx, 3);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(models[idx[0]], "gemma-2-27b-it");
    /* one digit off: the close device first */
    n = text_suggest("apple-m3-max-32gb", hardware, n_hardware, idx, 3);
    ck_assert_uint_ge(n, 2);
    ck_assert_str_eq(hardware[idx[0]], "apple-m1-max-32gb");
    ck_assert_str_eq(hardware[idx[1]], "apple-m2-max-32gb");
}
END_TEST

START_TEST(test_text_suggest_nothing_for_unrelated)
{
    size_t idx[5] = {77, 77, 77, 77, 77};
    ck_assert_uint_eq(text_suggest("no-such-model", models, n_models, idx, 5), 0);
    ck_assert_uint_eq(text_suggest("zzz", hardware, n_hardware, idx, 5), 0);
    ck_assert_uint_eq(text_suggest("", hardware, n_hardware, idx, 5), 0);
    ck_assert_uint_eq(idx[0], 77);
}
END_TEST

START_TEST(test_text_suggest_respects_max_and_order)
{
    size_t idx[8];
    /* "qwen2.5" prefixes five models: best (shortest completion) first. */
    size_t n = text_suggest("qwen2.5", models, n_models, idx, 8);
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(models[idx[0]], "qwen2.5-7b-instruct");
    ck_assert_str_eq(models[idx[4]], "qwen2.5-coder-32b-instruct");
    n = text_suggest("qwen2.5", models, n_models, idx, 2);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(models[idx[0]], "qwen2.5-7b-instruct");
    ck_assert_uint_eq(text_suggest("qwen2.5", models, n_models, idx, 0), 0);
    /* An exact match (any case) is the best suggestion. */
    n = text_suggest("NVIDIA-RTX-4080", hardware, n_hardware, idx, 3);
    ck_assert_uint_ge(n, 1);
    ck_assert_str_eq(hardware[idx[0]], "nvidia-rtx-4080");
}
END_TEST

START_TEST(test_text_suggest_long_inputs_are_safe)
{
    char longq[600];
    memset(longq, 'q', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    const char *const cands[] = {longq, "qwen", NULL};
    size_t idx[3];
    size_t n = text_suggest(longq, cands, 3, idx, 3);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(idx[0], 0);
}
END_TEST

START_TEST(test_text_has_word)
{
    ck_assert(text_has_word("Q4_K_M Q8_0 bf16", "Q8_0"));
    ck_assert(text_has_word("Q4_K_M Q8_0 bf16", "Q4_K_M"));
    ck_assert(text_has_word("  MXFP4_MOE  ", "MXFP4_MOE"));
    ck_assert(!text_has_word("Q4_K_M Q8_0", "Q4_K"));   /* whole words only */
    ck_assert(!text_has_word("Q4_K_M Q8_0", "q8_0"));   /* exact spelling */
    ck_assert(!text_has_word("Q4_K_M", ""));
    ck_assert(!text_has_word(NULL, "Q4_K_M"));
    ck_assert(!text_has_word("", "Q4_K_M"));
}
END_TEST

static Suite *textutil_suite(void)
{
    Suite *s = suite_create("textutil");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_text_parse_i64_accepts_canonical);
    tcase_add_test(tc, test_text_parse_i64_rejects_non_canonical);
    tcase_add_test(tc, test_text_parse_i64_range_and_overflow);
    tcase_add_test(tc, test_text_parse_double_accepts_decimal);
    tcase_add_test(tc, test_text_parse_double_rejects_malformed);
    tcase_add_test(tc, test_text_parse_double_range);
    tcase_add_test(tc, test_text_parse_bool_values);
    tcase_add_test(tc, test_slug_fold_lowercases_valid_ids);
    tcase_add_test(tc, test_slug_fold_rejects_invalid);
    tcase_add_test(tc, test_slug_fold_length_limits);
    tcase_add_test(tc, test_text_suggest_prefix_completion_first);
    tcase_add_test(tc, test_text_suggest_substring_ignores_separators);
    tcase_add_test(tc, test_text_suggest_abbreviations);
    tcase_add_test(tc, test_text_thousands_groups_digits);
    tcase_add_test(tc, test_text_list_next_splits_and_trims);
    tcase_add_test(tc, test_text_suggest_typos);
    tcase_add_test(tc, test_text_suggest_nothing_for_unrelated);
    tcase_add_test(tc, test_text_suggest_respects_max_and_order);
    tcase_add_test(tc, test_text_suggest_long_inputs_are_safe);
    tcase_add_test(tc, test_text_has_word);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(textutil_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* test_check_cache.c: Check suite for the per-thread /check response cache:
** key encoding, hits and byte-for-byte misses on hash collisions, LRU
** eviction, size bounds, per-thread isolation, the /check handlers over a
** seeded catalog, the /metrics counters and the --check-cache setting.
** Touches nothing outside its own temporary directory.
*/
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config.h"
#include "http/check_cache.h"
#include "http/handlers.h"
#include "http/json_util.h"
#include "http/metrics.h"
#include "http/query.h"
#include "http/request.h"
#include "http/response.h"
#include "store/catalog.h"
#include "store/migrate.h"

/* Each test starts with counters at zero and leaves no cache behind (Check
** runs each test in its own process; LeakSanitizer checks each one). */
static void setup(void)
{
    check_cache_configure(4);
    check_cache_counts_reset();
}

static void teardown(void)
{
    check_cache_thread_release();
    check_cache_configure(0);
}

/* Build a query list from "k=v&k2&k3=" (split in place in buf). */
static void query_from(char *buf, struct query_list *q)
{
    memset(q, 0, sizeof *q);
    char *p = buf;
    while ('\0' != *p) {
        char *amp = strchr(p, '&');
        if (NULL != amp)
            *amp = '\0';
        char *eq = strchr(p, '=');
        if (NULL != eq)
            *eq = '\0';
        query_list_add(q, p, NULL != eq ? eq + 1 : NULL);
        if (NULL == amp)
            break;
        p = amp + 1;
    }
}

/* Key of method m and query text (copied; k keeps no pointer into it). */
static bool key_of(struct check_cache_key *k, enum http_method m, const char *text)
{
    char buf[1024];
    struct query_list q;
    snprintf(buf, sizeof buf, "%s", text);
    query_from(buf, &q);
    return check_cache_key_query(k, m, &q);
}

static bool same_key(const struct check_cache_key *a, const struct check_cache_key *b)
{
    return a->kind == b->kind && a->len == b->len && 0 == memcmp(a->bytes, b->bytes, a->len);
}

static struct check_cache_counts counts(void)
{
    struct check_cache_counts c;
    check_cache_counts(&c);
    return c;
}

/* ------------------------------------------------------------------ */
/* Keys                                                               */

START_TEST(test_check_cache_key_equal_requests_equal_keys)
{
    static struct check_cache_key a, b;
    ck_assert(key_of(&a, HTTP_GET, "model=x&hardware=y&context=8192"));
    ck_assert(key_of(&b, HTTP_GET, "model=x&hardware=y&context=8192"));
    ck_assert(same_key(&a, &b));
    ck_assert_uint_eq(a.hash, b.hash);
    /* no arguments at all is a key too (the handler answers it with a 400) */
    ck_assert(check_cache_key_query(&a, HTTP_GET, NULL));
    ck_assert_uint_eq(a.len, 0);
}
END_TEST

/* Pairs of requests that must never share a key. */
static const struct {
    enum http_method m1;
    const char *q1;
    enum http_method m2;
    const char *q2;
} key_differ_rows[] = {
    {HTTP_GET, "model=x&hardware=y", HTTP_GET, "hardware=y&model=x"}, /* arrival order */
    {HTTP_GET, "model=x", HTTP_GET, "model="},                        /* value "" */
    {HTTP_GET, "model", HTTP_GET, "model="},                          /* no '=' vs empty */
    {HTTP_GET, "ab=c", HTTP_GET, "a=bc"},                             /* boundary moves */
    {HTTP_GET, "a=b&c", HTTP_GET, "a=b&c="},
    {HTTP_GET, "a=b", HTTP_GET, "a=b&a=b"},      /* repeated key */
    {HTTP_GET, "model=x", HTTP_HEAD, "model=x"}, /* method */
    {HTTP_GET, "model=X", HTTP_GET, "model=x"},  /* case */
};

START_TEST(test_check_cache_key_distinguishes_requests)
{
    static struct check_cache_key a, b;
    ck_assert(key_of(&a, key_differ_rows[_i].m1, key_differ_rows[_i].q1));
    ck_assert(key_of(&b, key_differ_rows[_i].m2, key_differ_rows[_i].q2));
    ck_assert_msg(!same_key(&a, &b), "row %d: \"%s\" and \"%s\" share a key", _i,
                  key_differ_rows[_i].q1, key_differ_rows[_i].q2);
    /* and the cache keeps them apart */
    ck_assert(check_cache_put(&a, "A", 1));
    const char *text;
    size_t len;
    ck_assert_msg(!check_cache_get(&b, &text, &len), "row %d: served A's answer", _i);
}
END_TEST

START_TEST(test_check_cache_key_query_and_body_differ)
{
    static struct check_cache_key a, b;
    /* an empty query and an empty body are different requests */
    ck_assert(check_cache_key_query(&a, HTTP_POST, NULL));
    ck_assert(check_cache_key_body(&b, HTTP_POST, "", 0));
    ck_assert_uint_ne(a.kind, b.kind);
    ck_assert(check_cache_put(&a, "q", 1));
    const char *text;
    size_t len;
    ck_assert(!check_cache_get(&b, &text, &len));
}
END_TEST

START_TEST(test_check_cache_key_refuses_uncacheable)
{
    static struct check_cache_key k;
    struct query_list q;
    memset(&q, 0, sizeof q);
    query_list_add(&q, "model", "x");
    q.truncated = true;
    ck_assert(!check_cache_key_query(&k, HTTP_GET, &q));

    /* a query encoding longer than CHECK_CACHE_KEY_MAX */
    static char big[CHECK_CACHE_KEY_MAX];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memset(&q, 0, sizeof q);
    query_list_add(&q, "model", big);
    ck_assert(!check_cache_key_query(&k, HTTP_GET, &q));
    /* exactly CHECK_CACHE_KEY_MAX bytes fit: key NUL '=' value NUL */
    big[CHECK_CACHE_KEY_MAX - strlen("model") - 3] = '\0';
    ck_assert(check_cache_key_query(&k, HTTP_GET, &q));
    ck_assert_uint_eq(k.len, CHECK_CACHE_KEY_MAX);

    ck_assert(!check_cache_key_body(&k, HTTP_POST, NULL, 0));
    static char body[CHECK_CACHE_ENTRY_MAX];
    ck_assert(!check_cache_key_body(&k, HTTP_POST, body, sizeof body));
    ck_assert(check_cache_key_body(&k, HTTP_POST, body, 100));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Lookup, store, eviction                                            */

START_TEST(test_check_cache_hit_returns_stored_bytes)
{
    static struct check_cache_key k;
    const char *text = NULL;
    size_t len = 0;
    ck_assert(key_of(&k, HTTP_GET, "model=x&hardware=y"));
    ck_assert(!check_cache_get(&k, &text, &len));
    ck_assert_uint_eq(counts().misses, 1);
    ck_assert_uint_eq(counts().hits, 0);

    static const char answer[] = "{\"verdict\":\"runs\",\"nul\":\"\0 inside\"}";
    ck_assert(check_cache_put(&k, answer, sizeof answer - 1));
    ck_assert(check_cache_get(&k, &text, &len));
    ck_assert_uint_eq(len, sizeof answer - 1);
    ck_assert_int_eq(memcmp(text, answer, len), 0);
    ck_assert_uint_eq(counts().hits, 1);
    ck_assert_uint_eq(counts().misses, 1);
}
END_TEST

START_TEST(test_check_cache_body_key_compares_bytes)
{
    static struct check_cache_key a, b;
    static const char body1[] = "{\"model\":\"x\",\"hardware\":\"y\"}";
    char body2[sizeof body1];
    memcpy(body2, body1, sizeof body1);
    ck_assert(check_cache_key_body(&a, HTTP_POST, body1, sizeof body1 - 1));
    ck_assert(check_cache_put(&a, "one", 3));
    /* the same bytes at another address: a hit */
    ck_assert(check_cache_key_body(&b, HTTP_POST, body2, sizeof body1 - 1));
    const char *text;
    size_t len;
    ck_assert(check_cache_get(&b, &text, &len));
    ck_assert_uint_eq(len, 3);
    /* one byte changed: a miss */
    body2[10] = 'z';
    ck_assert(check_cache_key_body(&b, HTTP_POST, body2, sizeof body1 - 1));
    ck_assert(!check_cache_get(&b, &text, &len));
}
END_TEST

START_TEST(test_check_cache_hash_collision_is_a_miss)
{
    static struct check_cache_key a, b;
    ck_assert(key_of(&a, HTTP_GET, "model=aaaa"));
    ck_assert(key_of(&b, HTTP_GET, "model=bbbb"));
    b.hash = a.hash; /* force the collision FNV-1a would rarely give */
    ck_assert(check_cache_put(&a, "A", 1));
    const char *text;
    size_t len;
    ck_assert(!check_cache_get(&b, &text, &len));
    /* both can live in the cache side by side, each with its own answer */
    ck_assert(check_cache_put(&b, "BB", 2));
    ck_assert(check_cache_get(&a, &text, &len));
    ck_assert_uint_eq(len, 1);
    ck_assert_int_eq(text[0], 'A');
    ck_assert(check_cache_get(&b, &text, &len));
    ck_assert_uint_eq(len, 2);
    ck_assert_int_eq(memcmp(text, "BB", 2), 0);
}
END_TEST

START_TEST(test_check_cache_evicts_least_recently_used)
{
    static struct check_cache_key a, b, c;
    const char *text;
    size_t len;
    check_cache_configure(2);
    ck_assert(key_of(&a, HTTP_GET, "k=a"));
    ck_assert(key_of(&b, HTTP_GET, "k=b"));
    ck_assert(key_of(&c, HTTP_GET, "k=c"));
    ck_assert(check_cache_put(&a, "a", 1));
    ck_assert(check_cache_put(&b, "b", 1));
    ck_assert(check_cache_get(&a, &text, &len)); /* a is now the most recent */
    ck_assert(check_cache_put(&c, "c", 1));      /* full: b goes */
    ck_assert_uint_eq(counts().evictions, 1);
    ck_assert(!check_cache_get(&b, &text, &len));
    ck_assert(check_cache_get(&a, &text, &len));
    ck_assert_int_eq(text[0], 'a');
    ck_assert(check_cache_get(&c, &text, &len));
    ck_assert_int_eq(text[0], 'c');
    /* now a is the oldest */
    ck_assert(check_cache_put(&b, "b", 1));
    ck_assert(!check_cache_get(&a, &text, &len));
    ck_assert_uint_eq(counts().evictions, 2);
}
END_TEST

START_TEST(test_check_cache_put_same_key_replaces)
{
    static struct check_cache_key a;
    const char *text;
    size_t len;
    ck_assert(key_of(&a, HTTP_GET, "k=a"));
    ck_assert(check_cache_put(&a, "old", 3));
    ck_assert(check_cache_put(&a, "newer", 5));
    ck_assert(check_cache_get(&a, &text, &len));
    ck_assert_uint_eq(len, 5);
    ck_assert_int_eq(memcmp(text, "newer", 5), 0);
    ck_assert_uint_eq(counts().evictions, 0);
}
END_TEST

START_TEST(test_check_cache_many_keys_stay_consistent)
{
    /* more keys than entries, in a pattern that reuses every slot many
    ** times: every hit must carry its own key's answer */
    static struct check_cache_key k;
    check_cache_configure(16);
    unsigned hits = 0;
    for (unsigned round = 0; round < 2000; round++) {
        unsigned id = (round * 7u) % 23u;
        char q[32], want[32];
        snprintf(q, sizeof q, "id=%u", id);
        int n = snprintf(want, sizeof want, "answer-%u", id);
        ck_assert(key_of(&k, HTTP_GET, q));
        const char *text;
        size_t len;
        if (check_cache_get(&k, &text, &len)) {
            hits++;
            ck_assert_uint_eq(len, (size_t)n);
            ck_assert_int_eq(memcmp(text, want, len), 0);
        } else {
            ck_assert(check_cache_put(&k, want, (size_t)n));
        }
    }
    ck_assert_uint_eq(counts().hits, hits);
    ck_assert_uint_eq(counts().hits + counts().misses, 2000);
}
END_TEST

START_TEST(test_check_cache_disabled_stores_nothing)
{
    static struct check_cache_key k;
    const char *text;
    size_t len;
    check_cache_configure(0);
    ck_assert_uint_eq(check_cache_capacity(), 0);
    ck_assert(key_of(&k, HTTP_GET, "k=a"));
    ck_assert(!check_cache_put(&k, "a", 1));
    ck_assert(!check_cache_get(&k, &text, &len));
    ck_assert_uint_eq(counts().hits + counts().misses, 0);
    /* and above the maximum is clamped */
    check_cache_configure((size_t)CHECK_CACHE_MAX_ENTRIES * 4);
    ck_assert_uint_eq(check_cache_capacity(), CHECK_CACHE_MAX_ENTRIES);
}
END_TEST

START_TEST(test_check_cache_reconfigure_starts_empty)
{
    static struct check_cache_key k;
    const char *text;
    size_t len;
    ck_assert(key_of(&k, HTTP_GET, "k=a"));
    ck_assert(check_cache_put(&k, "a", 1));
    check_cache_configure(8);
    ck_assert(!check_cache_get(&k, &text, &len));
    ck_assert(check_cache_put(&k, "a", 1));
    ck_assert(check_cache_get(&k, &text, &len));
}
END_TEST

START_TEST(test_check_cache_skips_oversized_entries)
{
    static struct check_cache_key k;
    static char text[CHECK_CACHE_ENTRY_MAX];
    const char *got;
    size_t len;
    memset(text, 'x', sizeof text);
    ck_assert(key_of(&k, HTTP_GET, "k=a"));
    ck_assert(!check_cache_put(&k, text, CHECK_CACHE_ENTRY_MAX - k.len + 1));
    ck_assert(!check_cache_get(&k, &got, &len));
    ck_assert(check_cache_put(&k, text, CHECK_CACHE_ENTRY_MAX - k.len));
    ck_assert(check_cache_get(&k, &got, &len));
    ck_assert_uint_eq(len, CHECK_CACHE_ENTRY_MAX - k.len);
}
END_TEST

/* Another thread: a miss for what the main thread stored, then its own
** entry, freed by the key's destructor when the thread exits. */
static void *other_thread(void *arg)
{
    struct check_cache_key *k = arg;
    const char *text;
    size_t len;
    bool hit = check_cache_get(k, &text, &len);
    bool stored = check_cache_put(k, "other", 5);
    bool own = check_cache_get(k, &text, &len) && 5 == len && 0 == memcmp(text, "other", 5);
    return (void *)(uintptr_t)((hit ? 1u : 0u) | (stored ? 2u : 0u) | (own ? 4u : 0u));
}

START_TEST(test_check_cache_is_per_thread)
{
    static struct check_cache_key k;
    const char *text;
    size_t len;
    ck_assert(key_of(&k, HTTP_GET, "k=a"));
    ck_assert(check_cache_put(&k, "main", 4));
    pthread_t t;
    void *ret = NULL;
    ck_assert_int_eq(pthread_create(&t, NULL, other_thread, &k), 0);
    ck_assert_int_eq(pthread_join(t, &ret), 0);
    ck_assert_uint_eq((uintptr_t)ret, 2u | 4u); /* no hit; stored and read its own */
    /* the main thread's entry is untouched */
    ck_assert(check_cache_get(&k, &text, &len));
    ck_assert_uint_eq(len, 4);
    ck_assert_int_eq(memcmp(text, "main", 4), 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Responses                                                          */

START_TEST(test_check_cache_remember_then_reply)
{
    static struct check_cache_key k;
    ck_assert(key_of(&k, HTTP_GET, "k=a"));
    struct response out;
    memset(&out, 0, sizeof out);
    ck_assert(!check_cache_reply(&k, &out));
    ck_assert_uint_eq(response_json(&out, 200, json_pack("{s:s, s:i}", "verdict", "runs", "n", 1)),
                      200);
    check_cache_remember(&k, &out);
    ck_assert_ptr_null(out.body);
    ck_assert(out.text_owned && !out.text_copy);
    ck_assert_str_eq(out.content_type, RESPONSE_TYPE_JSON);
    ck_assert_uint_eq(out.text_len, strlen("{\"verdict\":\"runs\",\"n\":1}"));
    ck_assert_int_eq(memcmp(out.text, "{\"verdict\":\"runs\",\"n\":1}", out.text_len), 0);

    struct response again;
    memset(&again, 0, sizeof again);
    ck_assert(check_cache_reply(&k, &again));
    ck_assert_uint_eq(again.status, 200);
    ck_assert_str_eq(again.content_type, RESPONSE_TYPE_JSON);
    ck_assert(again.text_copy && !again.text_owned);
    ck_assert_ptr_null(again.body);
    ck_assert_uint_eq(again.text_len, out.text_len);
    ck_assert_int_eq(memcmp(again.text, out.text, out.text_len), 0);
    response_release(&again); /* borrowed: nothing freed */
    response_release(&out);
}
END_TEST

START_TEST(test_check_cache_remember_ignores_problems)
{
    static struct check_cache_key k;
    ck_assert(key_of(&k, HTTP_GET, "k=a"));
    struct response out;
    memset(&out, 0, sizeof out);
    struct problem pb;
    problem_init(&pb);
    problem_set(&pb, API_ERR_NOT_FOUND, "nothing here");
    response_problem(&out, &pb);
    check_cache_remember(&k, &out);
    ck_assert_ptr_nonnull(out.body); /* untouched: the sender adds the request id */
    ck_assert_ptr_null(out.text);
    response_release(&out);
    memset(&out, 0, sizeof out);
    ck_assert(!check_cache_reply(&k, &out));
}
END_TEST

/* ------------------------------------------------------------------ */
/* The /check handlers over the seeded catalog                        */

static char tmp_dir[64];
static char db_path[128];
static struct catalog cat;

/* Unchecked fixture: seed once; the forked tests share the catalog. */
static void catalog_setup(void)
{
    char err[512] = "";
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/wir-test-cache-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
    snprintf(db_path, sizeof db_path, "%s/t.db", tmp_dir);
    ck_assert_msg(0 == migrate_and_seed(db_path, err, sizeof err), "%s", err);
    ck_assert_msg(0 == catalog_load(db_path, &cat, err, sizeof err), "%s", err);
}

static void catalog_teardown(void)
{
    static const char *const names[] = {"t.db", "t.db-journal", "t.db-wal", "t.db-shm"};
    char p[192];
    catalog_free(&cat);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp_dir, names[i]);
        unlink(p);
    }
    rmdir(tmp_dir);
}

static const char RTX_QUERY[] =
    "model=llama-3.1-8b-instruct&quant=Q4_K_M&context=8192&hardware=nvidia-rtx-4090";

static unsigned run_get(const char *text, struct response *out)
{
    char buf[1024];
    struct query_list q;
    snprintf(buf, sizeof buf, "%s", text);
    query_from(buf, &q);
    struct request rq = {
        .method = HTTP_GET, .path = "/check", .query = &q, .catalog = &cat, .request_id = "t"};
    memset(out, 0, sizeof *out);
    return handle_check_get(&rq, out);
}

static unsigned run_post(const char *text, bool with_raw, struct response *out)
{
    json_error_t err;
    json_t *body = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    ck_assert_ptr_nonnull(body);
    struct request rq = {.method = HTTP_POST,
                         .path = "/check",
                         .body = body,
                         .raw_body = with_raw ? text : NULL,
                         .raw_body_len = with_raw ? strlen(text) : 0,
                         .catalog = &cat,
                         .request_id = "t"};
    memset(out, 0, sizeof *out);
    unsigned status = handle_check_post(&rq, out);
    json_decref(body);
    return status;
}

/* The compact JSON text of out, whether it holds a body or text (malloc'd). */
static char *text_of(const struct response *out, size_t *len)
{
    if (NULL != out->body)
        return json_serialize(out->body, len);
    char *copy = malloc(out->text_len + 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, out->text, out->text_len);
    copy[out->text_len] = '\0';
    *len = out->text_len;
    return copy;
}

START_TEST(test_check_cache_handler_get_repeat_is_a_hit)
{
    check_cache_configure(256);
    struct response first, second, fresh;
    ck_assert_uint_eq(run_get(RTX_QUERY, &first), 200);
    ck_assert_uint_eq(counts().misses, 1);
    ck_assert_ptr_null(first.body);
    ck_assert(first.text_owned);
    ck_assert_uint_eq(run_get(RTX_QUERY, &second), 200);
    ck_assert_uint_eq(counts().hits, 1);
    ck_assert(second.text_copy);
    ck_assert_str_eq(second.content_type, RESPONSE_TYPE_JSON);
    ck_assert_uint_eq(first.text_len, second.text_len);
    ck_assert_int_eq(memcmp(first.text, second.text, first.text_len), 0);

    /* with the cache off the handler computes the same bytes */
    check_cache_configure(0);
    ck_assert_uint_eq(run_get(RTX_QUERY, &fresh), 200);
    ck_assert_ptr_nonnull(fresh.body);
    size_t len = 0;
    char *text = text_of(&fresh, &len);
    ck_assert_uint_eq(len, first.text_len);
    ck_assert_int_eq(memcmp(text, first.text, len), 0);
    free(text);
    response_release(&fresh);
    response_release(&second);
    response_release(&first);
}
END_TEST

START_TEST(test_check_cache_handler_problems_are_not_cached)
{
    check_cache_configure(256);
    struct response out;
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(run_get("model=llama-3.1-8b-instrukt&hardware=nvidia-rtx-4090", &out),
                          404);
        ck_assert_ptr_nonnull(out.body);
        response_release(&out);
    }
    ck_assert_uint_eq(counts().hits, 0);
    ck_assert_uint_eq(counts().misses, 2);
}
END_TEST

START_TEST(test_check_cache_handler_order_is_part_of_the_key)
{
    check_cache_configure(256);
    struct response a, b;
    ck_assert_uint_eq(run_get("model=llama-3.1-8b-instruct&hardware=nvidia-rtx-4090", &a), 200);
    ck_assert_uint_eq(run_get("hardware=nvidia-rtx-4090&model=llama-3.1-8b-instruct", &b), 200);
    ck_assert_uint_eq(counts().hits, 0);
    ck_assert_uint_eq(counts().misses, 2);
    /* different keys, the same question: the same answer */
    ck_assert_uint_eq(a.text_len, b.text_len);
    ck_assert_int_eq(memcmp(a.text, b.text, a.text_len), 0);
    response_release(&a);
    response_release(&b);
}
END_TEST

START_TEST(test_check_cache_handler_post_keys_on_raw_body)
{
    check_cache_configure(256);
    static const char body[] =
        "{\"model\":\"qwen2.5-32b-instruct\",\"quant\":\"mlx-8bit\",\"context\":32768,"
        "\"hardware\":\"apple-m1-max-32gb\",\"runtime\":\"mlx\"}";
    static const char spaced[] =
        "{\"model\": \"qwen2.5-32b-instruct\",\"quant\":\"mlx-8bit\",\"context\":32768,"
        "\"hardware\":\"apple-m1-max-32gb\",\"runtime\":\"mlx\"}";
    struct response a, b, c, d;
    ck_assert_uint_eq(run_post(body, true, &a), 200);
    ck_assert_uint_eq(run_post(body, true, &b), 200);
    ck_assert_uint_eq(counts().hits, 1);
    ck_assert(b.text_copy);
    ck_assert_int_eq(memcmp(a.text, b.text, a.text_len), 0);
    /* other bytes (one space): computed again */
    ck_assert_uint_eq(run_post(spaced, true, &c), 200);
    ck_assert_uint_eq(counts().hits, 1);
    ck_assert_uint_eq(counts().misses, 2);
    /* no raw body: never cached, the JSON body goes out as before */
    ck_assert_uint_eq(run_post(body, false, &d), 200);
    ck_assert_ptr_nonnull(d.body);
    ck_assert_uint_eq(counts().hits + counts().misses, 3);
    response_release(&a);
    response_release(&b);
    response_release(&c);
    response_release(&d);
}
END_TEST

/* Each field the estimator gained is part of the question: a request that
** differs from a cached one only in that field is computed afresh and
** answers differently (at least in its echoed inputs), in GET and in POST. */
static const struct {
    const char *query; /* appended to MOE_QUERY */
    const char *body;  /* appended to MOE_BODY */
} new_field_rows[] = {
    {"&ubatch=256", ",\"ubatch\":256}"},
    {"&kv_cache_v=q8_0", ",\"kv_cache_v\":\"q8_0\"}"},
    {"&n_cpu_moe=8", ",\"n_cpu_moe\":8}"},
    {"&gpu_count=2&tensor_split=3,1", ",\"gpu_count\":2,\"tensor_split\":[3,1]}"},
};

static const char MOE_QUERY[] = "model=qwen3-30b-a3b&context=8192&hardware=nvidia-rtx-4090";
static const char MOE_BODY[] =
    "{\"model\":\"qwen3-30b-a3b\",\"context\":8192,\"hardware\":\"nvidia-rtx-4090\"";

/* The answer without the field (for tensor_split: with gpu_count=2 alone). */
static void base_for(size_t row, bool get, char *buf, size_t cap)
{
    bool split = 0 == strncmp(new_field_rows[row].query, "&gpu_count", 10);
    if (get)
        snprintf(buf, cap, "%s%s", MOE_QUERY, split ? "&gpu_count=2" : "");
    else
        snprintf(buf, cap, "%s%s", MOE_BODY, split ? ",\"gpu_count\":2}" : "}");
}

START_TEST(test_check_cache_handler_new_fields_are_part_of_the_key)
{
    check_cache_configure(256);
    char base[512], with[512];
    struct response a, b, again;
    for (int get = 0; get < 2; get++) {
        check_cache_counts_reset();
        base_for((size_t)_i, get, base, sizeof base);
        if (get)
            snprintf(with, sizeof with, "%s%s", MOE_QUERY, new_field_rows[_i].query);
        else
            snprintf(with, sizeof with, "%s%s", MOE_BODY, new_field_rows[_i].body);
        unsigned sa = get ? run_get(base, &a) : run_post(base, true, &a);
        unsigned sb = get ? run_get(with, &b) : run_post(with, true, &b);
        ck_assert_msg(200 == sa && 200 == sb, "%s: %u, %s: %u", base, sa, with, sb);
        ck_assert_uint_eq(counts().hits, 0);
        ck_assert_uint_eq(counts().misses, 2);
        ck_assert_msg(a.text_len != b.text_len || 0 != memcmp(a.text, b.text, a.text_len),
                      "%s and %s got the same answer", base, with);
        /* and the request with the field is then a hit, with its own bytes */
        unsigned sc = get ? run_get(with, &again) : run_post(with, true, &again);
        ck_assert_uint_eq(sc, 200);
        ck_assert_uint_eq(counts().hits, 1);
        ck_assert_uint_eq(again.text_len, b.text_len);
        ck_assert_int_eq(memcmp(again.text, b.text, b.text_len), 0);
        response_release(&a);
        response_release(&b);
        response_release(&again);
    }
}
END_TEST

START_TEST(test_check_cache_metrics_show_counters)
{
    check_cache_configure(256);
    struct response out;
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(run_get(RTX_QUERY, &out), 200);
        response_release(&out);
    }
    size_t len = 0;
    char *text = metrics_render(&cat, &len);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "# TYPE willitrun_check_cache_hits_total counter\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nwillitrun_check_cache_hits_total 2\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nwillitrun_check_cache_misses_total 1\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nwillitrun_check_cache_evictions_total 0\n"));
    free(text);
    metrics_reset();
    ck_assert_uint_eq(counts().hits, 0);
}
END_TEST

/* ------------------------------------------------------------------ */
/* --check-cache                                                      */

START_TEST(test_check_cache_setting)
{
    struct config cfg;
    char err[256];
    char *argv_default[] = {"willitrun", NULL};
    ck_assert_int_eq(config_parse(&cfg, 1, argv_default, NULL, err, sizeof err), 0);
    ck_assert_uint_eq(cfg.check_cache, 256);
    char *env[] = {"WILLITRUN_CHECK_CACHE=17", NULL};
    ck_assert_int_eq(config_parse(&cfg, 1, argv_default, env, err, sizeof err), 0);
    ck_assert_uint_eq(cfg.check_cache, 17);
    char *argv_off[] = {"willitrun", "--check-cache", "0", NULL};
    ck_assert_int_eq(config_parse(&cfg, 3, argv_off, env, err, sizeof err), 0);
    ck_assert_uint_eq(cfg.check_cache, 0);
    char *argv_bad[] = {"willitrun", "--check-cache=70000", NULL};
    ck_assert_int_eq(config_parse(&cfg, 2, argv_bad, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "--check-cache"));
    /* --help documents it with its env var */
    char *help = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&help, &len);
    ck_assert_ptr_nonnull(f);
    config_usage(f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(help, "--check-cache N"));
    ck_assert_ptr_nonnull(strstr(help, "WILLITRUN_CHECK_CACHE, default 256"));
    free(help);
}
END_TEST

static Suite *check_cache_suite(void)
{
    Suite *s = suite_create("check_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_check_cache_key_equal_requests_equal_keys);
    tcase_add_loop_test(tc, test_check_cache_key_distinguishes_requests, 0,
                        (int)(sizeof key_differ_rows / sizeof key_differ_rows[0]));
    tcase_add_test(tc, test_check_cache_key_query_and_body_differ);
    tcase_add_test(tc, test_check_cache_key_refuses_uncacheable);
    tcase_add_test(tc, test_check_cache_hit_returns_stored_bytes);
    tcase_add_test(tc, test_check_cache_body_key_compares_bytes);
    tcase_add_test(tc, test_check_cache_hash_collision_is_a_miss);
    tcase_add_test(tc, test_check_cache_evicts_least_recently_used);
    tcase_add_test(tc, test_check_cache_put_same_key_replaces);
    tcase_add_test(tc, test_check_cache_many_keys_stay_consistent);
    tcase_add_test(tc, test_check_cache_disabled_stores_nothing);
    tcase_add_test(tc, test_check_cache_reconfigure_starts_empty);
    tcase_add_test(tc, test_check_cache_skips_oversized_entries);
    tcase_add_test(tc, test_check_cache_is_per_thread);
    tcase_add_test(tc, test_check_cache_remember_then_reply);
    tcase_add_test(tc, test_check_cache_remember_ignores_problems);
    tcase_add_test(tc, test_check_cache_setting);
    suite_add_tcase(s, tc);

    TCase *th = tcase_create("handlers");
    tcase_add_unchecked_fixture(th, catalog_setup, catalog_teardown);
    tcase_add_checked_fixture(th, setup, teardown);
    tcase_add_test(th, test_check_cache_handler_get_repeat_is_a_hit);
    tcase_add_test(th, test_check_cache_handler_problems_are_not_cached);
    tcase_add_test(th, test_check_cache_handler_order_is_part_of_the_key);
    tcase_add_test(th, test_check_cache_handler_post_keys_on_raw_body);
    tcase_add_test(th, test_check_cache_metrics_show_counters);
    tcase_add_loop_test(th, test_check_cache_handler_new_fields_are_part_of_the_key, 0,
                        (int)(sizeof new_field_rows / sizeof new_field_rows[0]));
    suite_add_tcase(s, th);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(check_cache_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return 0 == failed ? EXIT_SUCCESS : EXIT_FAILURE;
}

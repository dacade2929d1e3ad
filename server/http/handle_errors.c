/* handle_errors.c: the knowledge base over HTTP: GET /errors (list),
** GET /errors/{id} (a whole page) and POST /errors/match (rank pages against
** a pasted log). Reads only the in-memory catalog; never touches MHD.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/matcher.h"
#include "../core/textutil.h"
#include "handlers.h"
#include "json_util.h"
#include "query.h"

/* Longest pasted log accepted by /errors/match (bytes of the decoded text). */
#define ERRORS_TEXT_MAX (256u * 1024u)
/* Pages returned by /errors/match, best first. */
#define ERRORS_MATCH_MAX 10
/* Bytes of the matched log line echoed back. */
#define ERRORS_LINE_MAX 500

/* Does the page's "runtimes" array name runtime? */
static bool errors_page_has_runtime(const json_t *doc, const char *runtime)
{
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "runtimes"), i, v)
    {
        if (json_is_string(v) && 0 == strcasecmp(json_string_value(v), runtime))
            return true;
    }
    return false;
}

/* Does the page's platform field ("linux, windows") name platform? */
static bool errors_page_has_platform(const char *field, const char *platform)
{
    size_t want = strlen(platform);
    const char *cursor = field, *p;
    size_t len;
    while (NULL != (p = text_list_next(&cursor, &len))) {
        if (len > 0 && len == want && 0 == strncasecmp(p, platform, len))
            return true;
    }
    return false;
}

/* Does any signature of the page (main or variant) contain text? */
static bool errors_page_mentions(const json_t *doc, const char *text)
{
    if (query_text_contains(json_string_value(json_object_get(doc, "signature")), text))
        return true;
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(doc, "signatures"), i, v)
    {
        if (query_text_contains(json_string_value(v), text))
            return true;
    }
    return false;
}

/* The list item: id, title, platform, severity. New reference or NULL. */
static json_t *errors_summary(const struct catalog_error_page *p)
{
    json_t *o = json_object();
    if (NULL == o || 0 != json_object_set_new(o, "id", json_string(p->id)) ||
        0 != json_object_set_new(o, "title", json_string(p->title)) ||
        0 != json_object_set_new(o, "platform", json_string(p->platform)) ||
        0 != json_object_set_new(o, "severity", json_string(p->severity))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

unsigned handle_errors_list(const struct request *rq, struct response *out)
{
    static const char *const keys[] = {"platform", "runtime", "q", "limit", "cursor", NULL};
    const struct query_list *q = rq->query;
    struct problem pb;
    problem_init(&pb);
    struct query_paging pg;
    bool ok = 0 == query_check_keys(q, keys, &pb);
    ok = (0 == query_paging(q, &pg, &pb)) && ok;
    const char *platform = query_text(q, "platform", &ok, &pb);
    const char *runtime = query_text(q, "runtime", &ok, &pb);
    const char *text = query_text(q, "q", &ok, &pb);
    enum est_runtime rt;
    if (NULL != runtime) {
        if (0 == est_runtime_from_id(runtime, &rt)) {
            runtime = est_runtime_id(rt); /* canonical spelling */
        } else {
            problem_add_param(&pb, "runtime",
                              "must be one of llama.cpp, ollama, lmstudio, mlx, transformers, "
                              "vllm");
            ok = false;
        }
    }
    if (!ok)
        return response_problem(out, &pb);

    json_t *items = json_array();
    if (NULL == items)
        return response_json(out, 500, NULL);
    const struct catalog *c = rq->catalog;
    size_t total = 0;
    for (size_t i = 0; i < c->n_errors; i++) {
        const struct catalog_error_page *p = &c->errors[i];
        if (NULL != platform && !errors_page_has_platform(p->platform, platform))
            continue;
        if (NULL != runtime && !errors_page_has_runtime(p->doc, runtime))
            continue;
        if (NULL != text && !query_text_contains(p->id, text) &&
            !query_text_contains(p->title, text) && !errors_page_mentions(p->doc, text))
            continue;
        if (total >= pg.offset && json_array_size(items) < pg.limit &&
            0 != json_array_append_new(items, errors_summary(p))) {
            json_decref(items);
            return response_json(out, 500, NULL);
        }
        total++;
    }
    return response_json(out, 200, json_page_new(items, total, pg.offset, pg.limit));
}

unsigned handle_errors_get(const struct request *rq, struct response *out)
{
    const struct catalog *c = rq->catalog;
    const struct catalog_error_page *p =
        NULL != rq->path_id ? catalog_error_find(c, rq->path_id) : NULL;
    if (NULL != p && NULL != p->doc)
        return response_json(out, 200, json_incref(p->doc));

    struct problem pb;
    problem_init(&pb);
    problem_set(&pb, API_ERR_UNKNOWN_ID,
                "There is no knowledge-base page with id \"%s\"; GET /errors lists them, and "
                "POST /errors/match finds pages from a pasted log.",
                NULL != rq->path_id ? rq->path_id : "");
    size_t idx[PROBLEM_MAX_SUGGESTIONS];
    size_t k = NULL != rq->path_id ? text_suggest(rq->path_id, c->error_ids, c->n_errors, idx,
                                                  PROBLEM_MAX_SUGGESTIONS)
                                   : 0;
    for (size_t i = 0; i < k; i++)
        problem_add_suggestion(&pb, c->error_ids[idx[i]]);
    return response_problem(out, &pb);
}

/* One /errors/match item. New reference or NULL. */
static json_t *errors_hit_json(const struct catalog_error_page *p, const struct matcher_hit *h,
                               const char *text, size_t len)
{
    double score = h->score;
    if (!(score >= 0.0))
        score = 0.0;
    if (score > 1.0)
        score = 1.0;
    score = floor(score * 1000.0 + 0.5) / 1000.0;
    size_t off = h->line_offset <= len ? h->line_offset : len;
    size_t line_len = h->line_length <= len - off ? h->line_length : len - off;
    while (line_len > 0 && ('\r' == text[off + line_len - 1] || '\n' == text[off + line_len - 1]))
        line_len--;
    json_t *o = json_object();
    if (NULL == o || 0 != json_object_set_new(o, "id", json_string(p->id)) ||
        0 != json_object_set_new(o, "title", json_string(p->title)) ||
        0 != json_object_set_new(o, "score", json_real(score)) ||
        0 != json_object_set_new(o, "matched_line",
                                 json_string_lossy(text + off, line_len, ERRORS_LINE_MAX))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

unsigned handle_errors_match(const struct request *rq, struct response *out)
{
    static const char *const fields[] = {"text", NULL};
    struct problem pb;
    problem_init(&pb);
    if (!json_is_object(rq->body)) {
        problem_set(&pb, API_ERR_BAD_JSON, "Send a JSON object: {\"text\": \"<pasted log>\"}.");
        return response_problem(out, &pb);
    }
    json_check_fields(rq->body, fields, &pb);
    const json_t *jtext = json_object_get(rq->body, "text");
    size_t len = 0;
    const char *text = NULL;
    if (NULL == jtext) {
        problem_add_param(&pb, "text", "is required: the log or error message to match");
    } else if (!json_is_string(jtext)) {
        problem_add_param(&pb, "text", "must be a string");
    } else {
        text = json_string_value(jtext);
        len = json_string_length(jtext);
        if (0 == len)
            problem_add_param(&pb, "text", "must not be empty");
        else if (len > ERRORS_TEXT_MAX)
            problem_add_param(&pb, "text", "must be at most %u bytes", ERRORS_TEXT_MAX);
    }
    if (pb.n_params > 0)
        return response_problem(out, &pb);

    const struct catalog *c = rq->catalog;
    struct matcher_hit hits[ERRORS_MATCH_MAX];
    size_t n_hits = matcher_match_index(text, len, c->matcher_index, hits, ERRORS_MATCH_MAX);

    json_t *items = json_array();
    json_t *doc = json_object();
    if (NULL == items || NULL == doc || 0 != json_object_set(doc, "items", items))
        goto fail;
    for (size_t i = 0; i < n_hits && i < ERRORS_MATCH_MAX; i++) {
        if (hits[i].page >= c->n_errors)
            continue;
        if (0 != json_array_append_new(
                     items, errors_hit_json(&c->errors[hits[i].page], &hits[i], text, len)))
            goto fail;
    }
    json_decref(items);
    return response_json(out, 200, doc);
fail:
    json_decref(items);
    json_decref(doc);
    return response_json(out, 500, NULL);
}

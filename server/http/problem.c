/* problem.c: RFC 9457 problem documents from the API error table. Building a
** problem never allocates; only problem_to_json does, and it returns NULL
** rather than a partial document.
*/
#include "problem.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json_util.h"

/* Every problem "type" is this base plus the kind's slug, e.g.
** "https://willitrun.dev/problems/invalid-params" (RFC 9457 §3.1.1 asks for
** an absolute URI; clients compare it as an opaque string). */
#define PROBLEM_TYPE_BASE "https://willitrun.dev/problems/"

struct problem_kind_row {
    unsigned status;
    const char *slug;
    const char *type;
    const char *title;
};

static const struct problem_kind_row problem_kinds[API_ERR_COUNT] = {
#define X(name, status, slug, title)                                                               \
    [API_ERR_##name] = {status, slug, PROBLEM_TYPE_BASE slug, title},
    FOR_EACH_API_ERROR(X)
#undef X
};

/* A kind outside the table (including "not set yet") renders as INTERNAL. */
static enum api_error problem_effective(enum api_error kind)
{
    return ((int)kind >= 0 && kind < API_ERR_COUNT) ? kind : API_ERR_INTERNAL;
}

void problem_init(struct problem *pb)
{
    /* Only the counts and the empty detail: every reader stops at n_params /
     * n_suggestions, and the struct is ~6 KiB that most requests never fill
     * (a full memset showed up in /check profiles). */
    pb->kind = API_ERR_COUNT; /* not set yet */
    pb->detail[0] = '\0';
    pb->n_params = 0;
    pb->n_suggestions = 0;
    pb->instance = NULL;
}

struct problem *problem_set(struct problem *pb, enum api_error kind, const char *fmt, ...)
{
    pb->kind = kind;
    pb->detail[0] = '\0';
    if (NULL != fmt) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(pb->detail, sizeof pb->detail, fmt, ap);
        va_end(ap);
        if (n < 0)
            pb->detail[0] = '\0';
    }
    return pb;
}

void problem_add_param(struct problem *pb, const char *name, const char *fmt, ...)
{
    if ((int)pb->kind < 0 || pb->kind >= API_ERR_COUNT)
        pb->kind = API_ERR_INVALID_PARAMS;
    if (pb->n_params >= PROBLEM_MAX_PARAMS)
        return;
    struct problem_param *p = &pb->params[pb->n_params];
    int n = snprintf(p->name, sizeof p->name, "%s", NULL != name ? name : "");
    if (n < 0)
        p->name[0] = '\0';
    p->reason[0] = '\0';
    if (NULL != fmt) {
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(p->reason, sizeof p->reason, fmt, ap);
        va_end(ap);
        if (n < 0)
            p->reason[0] = '\0';
    }
    pb->n_params++;
}

void problem_add_suggestion(struct problem *pb, const char *id)
{
    if (NULL == id || '\0' == *id || pb->n_suggestions >= PROBLEM_MAX_SUGGESTIONS)
        return;
    if (strlen(id) >= sizeof pb->suggestions[0])
        return; /* a cut id would suggest something that does not exist */
    for (size_t i = 0; i < pb->n_suggestions; i++) {
        if (0 == strcmp(pb->suggestions[i], id))
            return;
    }
    memcpy(pb->suggestions[pb->n_suggestions], id, strlen(id) + 1);
    pb->n_suggestions++;
}

unsigned problem_status(enum api_error kind)
{
    return problem_kinds[problem_effective(kind)].status;
}

const char *problem_type_slug(enum api_error kind)
{
    return problem_kinds[problem_effective(kind)].slug;
}

const char *problem_title(enum api_error kind)
{
    return problem_kinds[problem_effective(kind)].title;
}

/* A JSON string from one of the problem's fixed buffers (which may hold bytes
** from user input, or a sequence cut by snprintf). New reference or NULL. */
static json_t *problem_string(const char *s)
{
    return json_string_lossy(s, strlen(s), 4096);
}

/* The detail when the builder gave none. */
static void problem_default_detail(const struct problem *pb, char *buf, size_t cap)
{
    if (0 == pb->n_params) {
        snprintf(buf, cap, "%s.", problem_title(pb->kind));
        return;
    }
    size_t len = 0;
    int n = snprintf(buf, cap, "%s field%s invalid:", 1 == pb->n_params ? "One" : "Some",
                     1 == pb->n_params ? " is" : "s are");
    if (n < 0 || (size_t)n >= cap)
        return;
    len = (size_t)n;
    for (size_t i = 0; i < pb->n_params; i++) {
        n = snprintf(buf + len, cap - len, "%s %s", 0 == i ? "" : ",", pb->params[i].name);
        if (n < 0 || (size_t)n >= cap - len)
            return; /* keep what fit */
        len += (size_t)n;
    }
    snprintf(buf + len, cap - len, ".");
}

json_t *problem_to_json(const struct problem *pb)
{
    enum api_error kind = problem_effective(pb->kind);
    const struct problem_kind_row *row = &problem_kinds[kind];
    char fallback[sizeof pb->detail];
    const char *detail = pb->detail;
    if ('\0' == detail[0]) {
        problem_default_detail(pb, fallback, sizeof fallback);
        detail = fallback;
    }

    json_t *doc = json_object();
    json_t *params = json_array();
    if (NULL == doc || NULL == params)
        goto fail;
    if (0 != json_object_set_new(doc, "type", json_string(row->type)) ||
        0 != json_object_set_new(doc, "title", json_string(row->title)) ||
        0 != json_object_set_new(doc, "status", json_integer((json_int_t)row->status)) ||
        0 != json_object_set_new(doc, "detail", problem_string(detail)))
        goto fail;
    if (NULL != pb->instance &&
        0 != json_object_set_new(doc, "instance", problem_string(pb->instance)))
        goto fail;
    for (size_t i = 0; i < pb->n_params && i < PROBLEM_MAX_PARAMS; i++) {
        json_t *p = json_object();
        if (NULL == p || 0 != json_array_append_new(params, p) ||
            0 != json_object_set_new(p, "name", problem_string(pb->params[i].name)) ||
            0 != json_object_set_new(p, "reason", problem_string(pb->params[i].reason)))
            goto fail;
    }
    if (0 != json_object_set(doc, "invalid_params", params))
        goto fail;
    /* "Unknown catalog ids add suggestions": always present for unknown ids,
    ** empty when no id is close enough to be worth suggesting. */
    if (pb->n_suggestions > 0 || API_ERR_UNKNOWN_ID == pb->kind) {
        json_t *sugg = json_array();
        if (NULL == sugg || 0 != json_object_set_new(doc, "suggestions", sugg))
            goto fail;
        for (size_t i = 0; i < pb->n_suggestions && i < PROBLEM_MAX_SUGGESTIONS; i++) {
            if (0 != json_array_append_new(sugg, problem_string(pb->suggestions[i])))
                goto fail;
        }
    }
    json_decref(params);
    return doc;
fail:
    json_decref(params);
    json_decref(doc);
    return NULL;
}

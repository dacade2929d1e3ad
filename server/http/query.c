/* query.c: checked access to query arguments. Pure over struct query_list;
** never touches MHD and never allocates.
*/
#include "query.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../core/textutil.h"

void query_list_add(struct query_list *q, const char *key, const char *value)
{
    if (q->count >= QUERY_MAX_ARGS) {
        q->truncated = true;
        return;
    }
    q->args[q->count].key = NULL != key ? key : "";
    q->args[q->count].value = value;
    q->count++;
}

const char *query_value(const struct query_list *q, const char *key)
{
    if (NULL == q)
        return NULL;
    for (size_t i = 0; i < q->count; i++) {
        if (0 == strcmp(q->args[i].key, key))
            return q->args[i].value;
    }
    return NULL;
}

bool query_has(const struct query_list *q, const char *key)
{
    if (NULL == q)
        return false;
    for (size_t i = 0; i < q->count; i++) {
        if (0 == strcmp(q->args[i].key, key))
            return true;
    }
    return false;
}

int query_check_keys(const struct query_list *q, const char *const *allowed, struct problem *pb)
{
    if (NULL == q)
        return 0;
    int rc = 0;
    if (q->truncated) {
        problem_add_param(pb, "query", "has more than %d parameters", QUERY_MAX_ARGS);
        rc = -1;
    }
    size_t n_allowed = 0;
    while (NULL != allowed[n_allowed])
        n_allowed++;
    for (size_t i = 0; i < q->count; i++) {
        const char *key = q->args[i].key;
        bool known = false;
        for (size_t k = 0; k < n_allowed && !known; k++)
            known = 0 == strcmp(key, allowed[k]);
        if (!known) {
            size_t idx;
            if (1 == text_suggest(key, allowed, n_allowed, &idx, 1))
                problem_add_param(pb, key, "is not a known parameter; did you mean \"%s\"?",
                                  allowed[idx]);
            else
                problem_add_param(pb, key, "is not a known parameter");
            rc = -1;
            continue;
        }
        bool repeated = false;
        for (size_t j = 0; j < i && !repeated; j++)
            repeated = 0 == strcmp(q->args[j].key, key);
        if (repeated) {
            problem_add_param(pb, key, "is given more than once");
            rc = -1;
        } else if (NULL == q->args[i].value) {
            problem_add_param(pb, key, "needs a value (%s=...)", key);
            rc = -1;
        }
    }
    return rc;
}

/* Has pb already an invalid_params entry for name? (query_check_keys may have
** reported a key given without a value; say it once.) */
static bool query_reported(const struct problem *pb, const char *name)
{
    for (size_t i = 0; i < pb->n_params; i++) {
        if (0 == strcmp(pb->params[i].name, name))
            return true;
    }
    return false;
}

int query_paging(const struct query_list *q, struct query_paging *out, struct problem *pb)
{
    int rc = 0;
    out->offset = 0;
    out->limit = QUERY_LIMIT_DEFAULT;
    int64_t v;
    if (query_has(q, "limit")) {
        const char *s = query_value(q, "limit");
        if (NULL == s || 0 != text_parse_i64(s, 1, QUERY_LIMIT_MAX, &v)) {
            if (!query_reported(pb, "limit"))
                problem_add_param(pb, "limit", "must be a whole number from 1 to %d",
                                  QUERY_LIMIT_MAX);
            rc = -1;
        } else {
            out->limit = (size_t)v;
        }
    }
    if (query_has(q, "cursor")) {
        const char *s = query_value(q, "cursor");
        if (NULL == s || 0 != text_parse_i64(s, 0, QUERY_CURSOR_MAX, &v)) {
            if (!query_reported(pb, "cursor"))
                problem_add_param(pb, "cursor",
                                  "is not a cursor this server issued; pass next_cursor from the "
                                  "previous page unchanged");
            rc = -1;
        } else {
            out->offset = (size_t)v;
        }
    }
    return rc;
}

const char *query_text(const struct query_list *q, const char *key, bool *ok, struct problem *pb)
{
    if (!query_has(q, key))
        return NULL;
    const char *s = query_value(q, key);
    size_t len = NULL != s ? strlen(s) : 0;
    bool printable = len > 0 && len <= QUERY_TEXT_MAX;
    for (size_t i = 0; printable && i < len; i++)
        printable = (unsigned char)s[i] >= 0x20 && 0x7f != (unsigned char)s[i];
    if (!printable) {
        if (!query_reported(pb, key))
            problem_add_param(pb, key, "must be 1 to %d characters of text", QUERY_TEXT_MAX);
        *ok = false;
        return NULL;
    }
    return s;
}

bool query_text_contains(const char *hay, const char *needle)
{
    if (NULL == hay || NULL == needle)
        return false;
    size_t n = strlen(needle);
    if (0 == n)
        return true;
    for (const char *p = hay; '\0' != *p; p++) {
        if (0 == strncasecmp(p, needle, n))
            return true;
    }
    return false;
}

/* json_util.c: strict body loading, UTF-8-safe strings and the one-pass
** response serializer over jansson. Holds no state; never touches MHD.
*/
#include "json_util.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/textutil.h"

json_t *json_body_load(const char *buf, size_t len, struct problem *pb)
{
    size_t i = 0;
    while (i < len && (' ' == buf[i] || '\t' == buf[i] || '\r' == buf[i] || '\n' == buf[i]))
        i++;
    if (i == len) {
        problem_set(pb, API_ERR_BAD_JSON, "The body is empty; send a JSON object.");
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (NULL == doc) {
        char reason[sizeof jerr.text];
        json_utf8_clean(jerr.text, strlen(jerr.text), reason, sizeof reason);
        problem_set(pb, API_ERR_BAD_JSON,
                    "The body is not valid JSON: %s (line %d, column %d, byte %d).", reason,
                    jerr.line, jerr.column, jerr.position);
        return NULL;
    }
    if (!json_is_object(doc)) {
        const char *what = json_is_array(doc)     ? "an array"
                           : json_is_string(doc)  ? "a string"
                           : json_is_number(doc)  ? "a number"
                           : json_is_boolean(doc) ? "a boolean"
                                                  : "null";
        problem_set(pb, API_ERR_BAD_JSON, "The body must be a JSON object, got %s.", what);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Length of the well-formed UTF-8 sequence at s[0..len), or 0 (RFC 3629:
** no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t json_utf8_seq(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        if (0xe0 == c)
            lo = 0xa0;
        else if (0xed == c)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        if (0xf0 == c)
            lo = 0x90;
        else if (0xf4 == c)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n > len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++) {
        if (s[k] < 0x80 || s[k] > 0xbf)
            return 0;
    }
    return n;
}

size_t json_utf8_clean(const char *s, size_t len, char *out, size_t cap)
{
    if (NULL == out || 0 == cap)
        return 0;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t n = json_utf8_seq(u + i, len - i);
        if (1 == n && u[i] < 0x20 && '\t' != u[i] && '\n' != u[i])
            n = 0;
        size_t emit = 0 == n ? 1 : n;
        if (o + emit >= cap)
            break;
        if (0 == n)
            out[o] = '?';
        else
            memcpy(out + o, s + i, n);
        o += emit;
        i += emit;
    }
    out[o] = '\0';
    return o;
}

json_t *json_string_lossy(const char *s, size_t len, size_t max_len)
{
    if (len > max_len)
        len = max_len;
    /* cleaning never grows the text: one '?' replaces each bad byte */
    char *buf = malloc(len + 1);
    if (NULL == buf)
        return NULL;
    size_t n = json_utf8_clean(s, len, buf, len + 1);
    json_t *str = json_stringn(buf, n);
    free(buf);
    return str;
}

int json_check_fields(const json_t *obj, const char *const *allowed, struct problem *pb)
{
    if (!json_is_object(obj))
        return 0;
    size_t n_allowed = 0;
    while (NULL != allowed[n_allowed])
        n_allowed++;
    int rc = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        bool known = false;
        for (size_t i = 0; i < n_allowed && !known; i++)
            known = 0 == strcmp(key, allowed[i]);
        if (known)
            continue;
        rc = -1;
        char name[64];
        json_utf8_clean(key, strlen(key), name, sizeof name);
        size_t idx;
        if (1 == text_suggest(name, allowed, n_allowed, &idx, 1))
            problem_add_param(pb, name, "is not a known field; did you mean \"%s\"?", allowed[idx]);
        else
            problem_add_param(pb, name, "is not a known field");
    }
    return rc;
}

json_t *json_page_new(json_t *items, size_t total, size_t offset, size_t limit)
{
    json_t *page = json_object();
    if (NULL == page || NULL == items) {
        json_decref(items);
        json_decref(page);
        return NULL;
    }
    json_t *next = json_null();
    if (offset < total && limit < total - offset) {
        char buf[24];
        int n = snprintf(buf, sizeof buf, "%zu", offset + limit);
        next = (n > 0 && (size_t)n < sizeof buf) ? json_string(buf) : NULL;
    }
    if (0 != json_object_set_new(page, "items", items) ||
        0 != json_object_set_new(page, "total", json_integer((json_int_t)total)) ||
        0 != json_object_set_new(page, "next_cursor", next)) {
        json_decref(page);
        return NULL;
    }
    return page;
}

/* ------------------------------------------------------------------ */
/* json_serialize                                                     */

/* First buffer size: most responses fit, so one malloc and one dump. */
#define JSON_SERIALIZE_INITIAL 8192u

char *json_serialize(const json_t *doc, size_t *len)
{
    const size_t flags = JSON_COMPACT | JSON_REAL_PRECISION(15);
    size_t cap = JSON_SERIALIZE_INITIAL;
    char *buf = NULL;

    if (NULL == doc || !(json_is_object(doc) || json_is_array(doc)))
        return NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *grown = realloc(buf, cap + 1);
        if (NULL == grown)
            break;
        buf = grown;
        /* json_dumpb returns the size the text needs (0 on failure); when
        ** that is more than cap nothing usable was written: retry once at
        ** the exact size. */
        size_t need = json_dumpb(doc, buf, cap, flags);
        if (0 == need)
            break;
        if (need <= cap) {
            buf[need] = '\0';
            if (NULL != len)
                *len = need;
            return buf;
        }
        cap = need;
    }
    free(buf);
    return NULL;
}

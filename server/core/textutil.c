/* textutil.c: strict number parsing, id slugs and "did you mean" suggestions; pure: libc only, no I/O, no allocation, no globals, no logging.
*/
#include "core/textutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Longest text (bytes) the suggestion scorer compares; longer inputs are
** compared on their first TEXT_CMP_MAX bytes. Catalog ids are <= SLUG_MAX. */
#define TEXT_CMP_MAX 128
/* Most suggestions one call ranks (out_idx beyond this is left unused). */
#define TEXT_SUGGEST_MAX 32

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum_lower(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z');
}

/* Parse a canonical decimal integer (the rules of redis' string2ll(), src/util.c):
** optional '-', then "0" or a digit 1-9 followed by digits; nothing else. "-0"
** is not canonical. Overflow of int64 is reported as out of range (-2). */
int text_parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (NULL == s || NULL == out || '\0' == s[0])
        return -1;
    const char *p = s;
    bool negative = false;
    if ('-' == *p) {
        negative = true;
        p++;
    }
    if ('0' == p[0]) {
        if ('\0' != p[1] || negative)
            return -1; /* leading zero, or "-0" */
        if (0 < lo || 0 > hi)
            return -2;
        *out = 0;
        return 0;
    }
    if (!(p[0] >= '1' && p[0] <= '9'))
        return -1;
    /* Accumulate the magnitude as unsigned; remember overflow but keep
    ** validating so "99999999999999999999x" is malformed, not out of range. */
    uint64_t mag = 0;
    bool overflow = false;
    for (; '\0' != *p; p++) {
        if (!is_digit(*p))
            return -1;
        uint64_t d = (uint64_t)(*p - '0');
        if (mag > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            mag = mag * 10 + d;
    }
    int64_t v;
    if (overflow)
        return -2;
    if (negative) {
        if (mag > (uint64_t)INT64_MAX + 1)
            return -2;
        v = (mag == (uint64_t)INT64_MAX + 1) ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return -2;
        v = (int64_t)mag;
    }
    if (v < lo || v > hi)
        return -2;
    *out = v;
    return 0;
}

/* Whether s is a JSON-style number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
** (RFC 8259 section 6). No spaces, no '+', no hex, no "inf"/"nan". */
static bool is_decimal_number(const char *s)
{
    const char *p = s;
    if ('-' == *p)
        p++;
    if ('0' == *p) {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (is_digit(*p))
            p++;
    } else {
        return false;
    }
    if ('.' == *p) {
        p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    if ('e' == *p || 'E' == *p) {
        p++;
        if ('+' == *p || '-' == *p)
            p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    return '\0' == *p;
}

/* The grammar is checked first, so strtod only converts text that cannot be
** read as anything but a decimal number (strtod alone would accept " 1",
** "+1", "0x10", "inf", "nan"). A value too large for a double is out of range. */
int text_parse_double(const char *s, double lo, double hi, double *out)
{
    if (NULL == s || NULL == out || !is_decimal_number(s))
        return -1;
    char *end = NULL;
    double v = strtod(s, &end); /* underflow gives 0 or a subnormal: accepted */
    if (NULL == end || '\0' != *end)
        return -1;
    if (!isfinite(v))
        return -2; /* beyond the range of a double */
    if (v == 0.0)
        v = 0.0; /* fold -0 to 0 */
    if (!(v >= lo && v <= hi))
        return -2;
    *out = v;
    return 0;
}

int text_parse_bool(const char *s, bool *out)
{
    if (NULL == s || NULL == out)
        return -1;
    if (0 == strcmp(s, "true") || 0 == strcmp(s, "1")) {
        *out = true;
        return 0;
    }
    if (0 == strcmp(s, "false") || 0 == strcmp(s, "0")) {
        *out = false;
        return 0;
    }
    return -1;
}

/* On success out holds the folded slug; on failure out is "" (when cap > 0),
** so a caller never echoes a half-folded id. */
bool slug_fold(const char *in, char *out, size_t cap)
{
    if (NULL == out || 0 == cap)
        return false;
    out[0] = '\0';
    if (NULL == in)
        return false;
    size_t n = 0;
    for (; '\0' != in[n]; n++) {
        char c = ascii_lower(in[n]);
        if (n >= SLUG_MAX || n + 1 >= cap)
            break;
        if (!(is_alnum_lower(c) || '.' == c || '_' == c || '-' == c))
            break;
        out[n] = c;
    }
    if ('\0' != in[n] || 0 == n || (1 == n && '.' == out[0]) ||
        (2 == n && '.' == out[0] && '.' == out[1])) {
        out[0] = '\0';
        return false;
    }
    out[n] = '\0';
    return true;
}

/* Lowercase copy of s (at most TEXT_CMP_MAX bytes); returns the length. */
static size_t lower_copy(const char *s, char *out)
{
    size_t n = 0;
    for (; '\0' != s[n] && n < TEXT_CMP_MAX; n++)
        out[n] = ascii_lower(s[n]);
    out[n] = '\0';
    return n;
}

/* Lowercase letters and digits of s only ("NVIDIA RTX-4090" -> "nvidiartx4090"),
** so separators do not hide a substring. Returns the length. */
static size_t alnum_copy(const char *s, char *out)
{
    size_t n = 0;
    for (size_t i = 0; '\0' != s[i] && n < TEXT_CMP_MAX; i++) {
        char c = ascii_lower(s[i]);
        if (is_alnum_lower(c))
            out[n++] = c;
    }
    out[n] = '\0';
    return n;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Damerau-Levenshtein distance in its optimal-string-alignment form
** (insert, delete, substitute, swap two adjacent characters; each costs 1).
** Three rolling rows of TEXT_CMP_MAX + 1 cells: no allocation. */
static size_t damerau_levenshtein(const char *a, size_t la, const char *b, size_t lb)
{
    size_t rows[3][TEXT_CMP_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = (a[i - 1] == b[j - 1]) ? 0 : 1;
            size_t best = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

/* Whether every character of q appears in c in the same order. */
static bool is_subsequence(const char *q, const char *c)
{
    for (; '\0' != *q; q++) {
        c = strchr(c, *q);
        if (NULL == c)
            return false;
        c++;
    }
    return true;
}

/* Cost of suggesting candidate c for query q: lower is closer; negative means
** "not close enough". A candidate whose letters and digits start with the
** query's costs 0.5, one that contains them 1.0 (or the reverse: the query
** contains the whole candidate), plus 0.05 per extra character, so the shortest
** completion wins ("qwen2.5-32b" -> "qwen2.5-32b-instruct", "rtx4090" ->
** "nvidia-rtx-4090"). A candidate that starts like the query and holds all of
** its letters and digits in order costs 2.0 plus the same per-character
** term (abbreviations: "llama3-8b" -> "llama-3.1-8b-instruct"). Otherwise the edit distance on the lowercase strings,
** accepted up to max(1, query length / 3) edits (typos, swapped or missing
** characters). */
static double suggest_cost(const char *query, const char *cand)
{
    char ql[TEXT_CMP_MAX + 1], cl[TEXT_CMP_MAX + 1];
    char qa[TEXT_CMP_MAX + 1], ca[TEXT_CMP_MAX + 1];
    size_t nql = lower_copy(query, ql), ncl = lower_copy(cand, cl);
    size_t nqa = alnum_copy(query, qa), nca = alnum_copy(cand, ca);
    if (0 == nql || 0 == ncl)
        return -1.0;
    double cost = (double)damerau_levenshtein(ql, nql, cl, ncl);
    size_t limit = nql / 3 > 1 ? nql / 3 : 1; /* about one typo per three typed characters */
    if (cost > (double)limit)
        cost = -1.0;
    if (0 == nqa || 0 == nca)
        return cost;
    double bonus = -1.0;
    if (nca >= nqa && nqa >= 2 && 0 == memcmp(ca, qa, nqa))
        bonus = 0.5 + 0.05 * (double)(nca - nqa);
    else if (nca >= nqa && nqa >= 3 && NULL != strstr(ca, qa))
        bonus = 1.0 + 0.05 * (double)(nca - nqa);
    else if (nqa > nca && nca >= 4 && NULL != strstr(qa, ca))
        bonus = 1.0 + 0.05 * (double)(nqa - nca);
    else if (nqa >= 4 && nca > nqa && 0 == memcmp(ca, qa, 3) && is_subsequence(qa, ca))
        bonus = 2.0 + 0.05 * (double)(nca - nqa); /* "llama3-8b" -> "llama-3.1-8b-instruct" */
    if (bonus >= 0.0 && (cost < 0.0 || bonus < cost))
        cost = bonus;
    return cost;
}

size_t text_suggest(const char *query, const char *const *candidates, size_t n, size_t *out_idx,
                    size_t max)
{
    double costs[TEXT_SUGGEST_MAX];
    size_t count = 0;
    if (NULL == query || NULL == candidates || NULL == out_idx)
        return 0;
    if (max > TEXT_SUGGEST_MAX)
        max = TEXT_SUGGEST_MAX;
    for (size_t i = 0; i < n && max > 0; i++) {
        if (NULL == candidates[i])
            continue;
        double c = suggest_cost(query, candidates[i]);
        if (c < 0.0)
            continue;
        /* Insertion into the sorted top list; equal costs keep input order. */
        size_t pos = count;
        while (pos > 0 && costs[pos - 1] > c)
            pos--;
        if (pos >= max)
            continue;
        size_t last = count < max ? count : max - 1;
        for (size_t k = last; k > pos; k--) {
            costs[k] = costs[k - 1];
            out_idx[k] = out_idx[k - 1];
        }
        costs[pos] = c;
        out_idx[pos] = i;
        if (count < max)
            count++;
    }
    return count;
}

void text_thousands(uint64_t v, char *out, size_t cap)
{
    char digits[24];
    size_t len = 0, j = 0;
    if (0 == cap)
        return;
    do { /* digits in reverse */
        digits[len++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    for (size_t i = 0; i < len && j + 1 < cap; i++) {
        if (i > 0 && (len - i) % 3 == 0) {
            if (j + 2 >= cap)
                break;
            out[j++] = ',';
        }
        out[j++] = digits[len - 1 - i];
    }
    out[j] = '\0';
}

const char *text_list_next(const char **cursor, size_t *len)
{
    const char *p = *cursor;
    if (NULL == p)
        return NULL;
    while (' ' == *p)
        p++;
    const char *end = p;
    while ('\0' != *end && ',' != *end)
        end++;
    size_t n = (size_t)(end - p);
    while (n > 0 && ' ' == p[n - 1])
        n--;
    *len = n;
    *cursor = '\0' == *end ? NULL : end + 1;
    return p;
}

bool text_has_word(const char *list, const char *w)
{
    const size_t n = strlen(w);
    if (NULL == list || 0 == n)
        return false;
    for (const char *p = list; '\0' != *p;) {
        while (' ' == *p)
            p++;
        const char *end = strchr(p, ' ');
        size_t len = NULL == end ? strlen(p) : (size_t)(end - p);
        if (len == n && 0 == memcmp(p, w, n))
            return true;
        p += len;
    }
    return false;
}

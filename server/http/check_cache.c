/* check_cache.c: per-thread LRU cache of rendered /check answers: a chained
** hash index over a fixed array of entries, one allocation per entry (key
** bytes then answer bytes). No locks, no MHD, no knowledge of /check fields.
*/
#include "check_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "response.h"

/* "No entry" in chains and the LRU list. */
#define CHECK_CACHE_NONE UINT32_MAX

/* FNV-1a 64 (offset basis and prime from the FNV reference,
** http://www.isthe.com/chongo/tech/comp/fnv/). */
#define CHECK_CACHE_FNV_OFFSET 0xcbf29ce484222325ull
#define CHECK_CACHE_FNV_PRIME 0x100000001b3ull

struct check_cache_entry {
    uint64_t hash;
    char *data; /* key bytes, then answer bytes; NULL while the slot is unused */
    size_t key_len;
    size_t text_len;
    unsigned kind;
    uint32_t chain; /* next entry in the same bucket */
    uint32_t newer; /* LRU neighbours */
    uint32_t older;
};

struct check_cache {
    size_t capacity; /* entries */
    size_t used;     /* slots handed out so far (they are reused after that) */
    uint32_t mask;   /* buckets - 1 (a power of two, >= capacity) */
    uint32_t newest;
    uint32_t oldest;
    uint32_t *buckets;
    struct check_cache_entry *entries;
};

static atomic_size_t check_cache_entries_cfg;
static atomic_uint_least64_t check_cache_hits;
static atomic_uint_least64_t check_cache_misses;
static atomic_uint_least64_t check_cache_evictions;

static pthread_once_t check_cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t check_cache_tls;
static bool check_cache_tls_ok;

/* ------------------------------------------------------------------ */
/* Keys                                                               */

static uint64_t check_cache_fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= CHECK_CACHE_FNV_PRIME;
    }
    return h;
}

static void check_cache_key_hash(struct check_cache_key *k)
{
    unsigned char kind = (unsigned char)k->kind;
    k->hash = check_cache_fnv(check_cache_fnv(CHECK_CACHE_FNV_OFFSET, &kind, 1), k->bytes, k->len);
}

/* Append s[0..n) to the key buffer; false when it does not fit. */
static bool check_cache_key_append(struct check_cache_key *k, const char *s, size_t n)
{
    if (n > sizeof k->buf - k->len)
        return false;
    memcpy(k->buf + k->len, s, n);
    k->len += n;
    return true;
}

bool check_cache_key_query(struct check_cache_key *k, enum http_method m,
                           const struct query_list *q)
{
    k->kind = (unsigned)m * 2u;
    k->len = 0;
    k->bytes = k->buf;
    k->hash = 0;
    if (NULL != q) {
        if (q->truncated || q->count > QUERY_MAX_ARGS)
            return false;
        /* Per argument: key NUL, then NUL (no '=') or '=' value NUL. Keys
        ** and values are C strings (the daemon keeps a decoded %00 as three
        ** characters), so this reads back one way only. */
        for (size_t i = 0; i < q->count; i++) {
            const char *key = NULL != q->args[i].key ? q->args[i].key : "";
            const char *value = q->args[i].value;
            if (!check_cache_key_append(k, key, strlen(key) + 1))
                return false;
            if (NULL == value) {
                if (!check_cache_key_append(k, "", 1))
                    return false;
            } else if (!check_cache_key_append(k, "=", 1) ||
                       !check_cache_key_append(k, value, strlen(value) + 1)) {
                return false;
            }
        }
    }
    check_cache_key_hash(k);
    return true;
}

bool check_cache_key_body(struct check_cache_key *k, enum http_method m, const char *body,
                          size_t len)
{
    k->kind = (unsigned)m * 2u + 1u;
    k->bytes = body;
    k->len = len;
    k->hash = 0;
    if (NULL == body || len >= CHECK_CACHE_ENTRY_MAX)
        return false;
    check_cache_key_hash(k);
    return true;
}

/* ------------------------------------------------------------------ */
/* The calling thread's cache                                         */

static void check_cache_destroy(void *p)
{
    struct check_cache *c = p;
    if (NULL == c)
        return;
    for (size_t i = 0; i < c->used; i++)
        free(c->entries[i].data);
    free(c->entries);
    free(c->buckets);
    free(c);
}

static void check_cache_make_key(void)
{
    check_cache_tls_ok = 0 == pthread_key_create(&check_cache_tls, check_cache_destroy);
}

static struct check_cache *check_cache_new(size_t capacity)
{
    size_t buckets = 1;
    while (buckets < capacity)
        buckets *= 2;
    struct check_cache *c = calloc(1, sizeof *c);
    if (NULL == c)
        return NULL;
    c->buckets = malloc(buckets * sizeof *c->buckets);
    c->entries = calloc(capacity, sizeof *c->entries);
    if (NULL == c->buckets || NULL == c->entries) {
        check_cache_destroy(c);
        return NULL;
    }
    for (size_t i = 0; i < buckets; i++)
        c->buckets[i] = CHECK_CACHE_NONE;
    c->capacity = capacity;
    c->mask = (uint32_t)(buckets - 1);
    c->newest = c->oldest = CHECK_CACHE_NONE;
    return c;
}

/* This thread's cache at the configured size, created on first use; NULL
** when caching is off or memory is short. */
static struct check_cache *check_cache_mine(void)
{
    size_t want = atomic_load_explicit(&check_cache_entries_cfg, memory_order_relaxed);
    if (0 == want)
        return NULL;
    pthread_once(&check_cache_once, check_cache_make_key);
    if (!check_cache_tls_ok)
        return NULL;
    struct check_cache *c = pthread_getspecific(check_cache_tls);
    if (NULL != c && c->capacity == want)
        return c;
    check_cache_destroy(c);
    c = check_cache_new(want);
    if (0 != pthread_setspecific(check_cache_tls, c)) {
        check_cache_destroy(c);
        return NULL;
    }
    return c;
}

void check_cache_thread_release(void)
{
    pthread_once(&check_cache_once, check_cache_make_key);
    if (!check_cache_tls_ok)
        return;
    check_cache_destroy(pthread_getspecific(check_cache_tls));
    pthread_setspecific(check_cache_tls, NULL);
}

void check_cache_configure(size_t entries)
{
    if (entries > CHECK_CACHE_MAX_ENTRIES)
        entries = CHECK_CACHE_MAX_ENTRIES;
    atomic_store(&check_cache_entries_cfg, entries);
}

size_t check_cache_capacity(void)
{
    return atomic_load_explicit(&check_cache_entries_cfg, memory_order_relaxed);
}

/* ------------------------------------------------------------------ */
/* LRU list and hash chains                                           */

static void check_cache_lru_unlink(struct check_cache *c, uint32_t i)
{
    struct check_cache_entry *e = &c->entries[i];
    if (CHECK_CACHE_NONE != e->newer)
        c->entries[e->newer].older = e->older;
    else
        c->newest = e->older;
    if (CHECK_CACHE_NONE != e->older)
        c->entries[e->older].newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = CHECK_CACHE_NONE;
}

static void check_cache_lru_push(struct check_cache *c, uint32_t i)
{
    struct check_cache_entry *e = &c->entries[i];
    e->newer = CHECK_CACHE_NONE;
    e->older = c->newest;
    if (CHECK_CACHE_NONE != c->newest)
        c->entries[c->newest].newer = i;
    c->newest = i;
    if (CHECK_CACHE_NONE == c->oldest)
        c->oldest = i;
}

static void check_cache_chain_unlink(struct check_cache *c, uint32_t i)
{
    uint32_t *link = &c->buckets[c->entries[i].hash & c->mask];
    while (CHECK_CACHE_NONE != *link && i != *link)
        link = &c->entries[*link].chain;
    if (i == *link)
        *link = c->entries[i].chain;
    c->entries[i].chain = CHECK_CACHE_NONE;
}

/* Index of the entry whose key equals k, or CHECK_CACHE_NONE. */
static uint32_t check_cache_find(const struct check_cache *c, const struct check_cache_key *k)
{
    uint32_t i = c->buckets[k->hash & c->mask];
    while (CHECK_CACHE_NONE != i) {
        const struct check_cache_entry *e = &c->entries[i];
        if (e->hash == k->hash && e->kind == k->kind && e->key_len == k->len &&
            0 == memcmp(e->data, k->bytes, k->len))
            return i;
        i = e->chain;
    }
    return CHECK_CACHE_NONE;
}

/* Unlink entry i everywhere and free its bytes; the slot stays allocated. */
static void check_cache_drop(struct check_cache *c, uint32_t i)
{
    check_cache_chain_unlink(c, i);
    check_cache_lru_unlink(c, i);
    free(c->entries[i].data);
    c->entries[i].data = NULL;
}

/* ------------------------------------------------------------------ */
/* Lookup and store                                                   */

bool check_cache_get(const struct check_cache_key *k, const char **text, size_t *len)
{
    struct check_cache *c = check_cache_mine();
    if (NULL == c)
        return false;
    uint32_t i = check_cache_find(c, k);
    if (CHECK_CACHE_NONE == i) {
        atomic_fetch_add_explicit(&check_cache_misses, 1, memory_order_relaxed);
        return false;
    }
    if (c->newest != i) {
        check_cache_lru_unlink(c, i);
        check_cache_lru_push(c, i);
    }
    const struct check_cache_entry *e = &c->entries[i];
    *text = e->data + e->key_len;
    *len = e->text_len;
    atomic_fetch_add_explicit(&check_cache_hits, 1, memory_order_relaxed);
    return true;
}

bool check_cache_put(const struct check_cache_key *k, const char *text, size_t len)
{
    if (k->len > CHECK_CACHE_ENTRY_MAX || len > CHECK_CACHE_ENTRY_MAX - k->len)
        return false;
    struct check_cache *c = check_cache_mine();
    if (NULL == c)
        return false;
    char *data = malloc(k->len + len + 1);
    if (NULL == data)
        return false;
    memcpy(data, k->bytes, k->len);
    memcpy(data + k->len, text, len);
    data[k->len + len] = '\0';

    uint32_t i = check_cache_find(c, k);
    if (CHECK_CACHE_NONE != i) {
        check_cache_drop(c, i); /* the same key again: replace it */
    } else if (c->used < c->capacity) {
        i = (uint32_t)c->used++;
    } else {
        i = c->oldest;
        check_cache_drop(c, i);
        atomic_fetch_add_explicit(&check_cache_evictions, 1, memory_order_relaxed);
    }
    struct check_cache_entry *e = &c->entries[i];
    e->hash = k->hash;
    e->kind = k->kind;
    e->data = data;
    e->key_len = k->len;
    e->text_len = len;
    uint32_t *bucket = &c->buckets[k->hash & c->mask];
    e->chain = *bucket;
    *bucket = i;
    check_cache_lru_push(c, i);
    return true;
}

/* ------------------------------------------------------------------ */
/* Responses                                                          */

bool check_cache_reply(const struct check_cache_key *k, struct response *out)
{
    const char *text;
    size_t len;
    if (!check_cache_get(k, &text, &len))
        return false;
    response_release(out);
    out->status = 200;
    out->content_type = RESPONSE_TYPE_JSON;
    out->text = text;
    out->text_len = len;
    out->text_owned = false;
    out->text_copy = true;
    return true;
}

void check_cache_remember(const struct check_cache_key *k, struct response *out)
{
    if (200 != out->status || NULL == out->body)
        return;
    if (NULL != out->content_type && 0 != strcmp(out->content_type, RESPONSE_TYPE_JSON))
        return;
    size_t len = 0;
    char *text = json_serialize(out->body, &len);
    if (NULL == text)
        return; /* the sender dumps the body itself and reports the failure */
    check_cache_put(k, text, len);
    json_decref(out->body);
    out->body = NULL;
    out->content_type = RESPONSE_TYPE_JSON;
    out->text = text;
    out->text_len = len;
    out->text_owned = true;
    out->text_copy = false;
}

/* ------------------------------------------------------------------ */
/* Counters                                                           */

void check_cache_counts(struct check_cache_counts *out)
{
    out->hits = atomic_load_explicit(&check_cache_hits, memory_order_relaxed);
    out->misses = atomic_load_explicit(&check_cache_misses, memory_order_relaxed);
    out->evictions = atomic_load_explicit(&check_cache_evictions, memory_order_relaxed);
}

void check_cache_counts_reset(void)
{
    atomic_store(&check_cache_hits, 0);
    atomic_store(&check_cache_misses, 0);
    atomic_store(&check_cache_evictions, 0);
}

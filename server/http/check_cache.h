/* check_cache.h: a per-worker-thread cache of rendered 200 answers to /check,
** keyed by the exact request (method + decoded query arguments in arrival
** order, or the raw POST body). It stores JSON text and knows no /check
** field; it must never serve bytes for a request that differs from the key.
**
** Why it is safe: the catalog is immutable for the life of the process and
** /check is a pure function of the request, so a cached answer never goes
** stale. Only complete 200 answers are stored (problem documents carry
** request ids and are cheap to build).
**
** Thread rules: each thread has its own cache (a pthread key whose
** destructor frees it when the thread exits), so lookups and stores take no
** lock. check_cache_configure and the counters are process-wide atomics.
*/
#ifndef WIR_CHECK_CACHE_H
#define WIR_CHECK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "request.h"

/* Most entries per thread (config.h's CONFIG_CHECK_CACHE_MAX is the same). */
#define CHECK_CACHE_MAX_ENTRIES 65536u
/* Longest query key kept; longer GET requests are answered fresh. */
#define CHECK_CACHE_KEY_MAX 4096u
/* Largest entry (key + answer bytes) stored; larger answers are not cached. */
#define CHECK_CACHE_ENTRY_MAX ((size_t)64 * 1024)

/* The identity of one request. Built in place by check_cache_key_query or
** check_cache_key_body; not copyable (bytes may point into buf). */
struct check_cache_key {
    uint64_t hash;                 /* FNV-1a 64 over kind and bytes; a hint only */
    unsigned kind;                 /* method and form (query or body) */
    const char *bytes;             /* the compared bytes: buf, or the borrowed body */
    size_t len;                    /* bytes in bytes */
    char buf[CHECK_CACHE_KEY_MAX]; /* encoded query arguments */
};

/* Set the entries each thread's cache holds; 0 disables caching, values
** above CHECK_CACHE_MAX_ENTRIES are clamped. Call before serving (the daemon
** does at start); a thread whose cache has another size drops it and starts
** empty on its next lookup. The default before any call is 0 (off). */
void check_cache_configure(size_t entries);

/* Entries per thread now configured (0 = off). */
size_t check_cache_capacity(void);

/* Build the key for method m with the query arguments q (borrowed, may be
** NULL = none): every key and value, in arrival order, with "key" (no '=')
** kept apart from "key=". Returns false, with *k unusable, when the request
** cannot be cached: q was truncated or the encoding is longer than
** CHECK_CACHE_KEY_MAX. */
bool check_cache_key_query(struct check_cache_key *k, enum http_method m,
                           const struct query_list *q);

/* Build the key for method m with the raw body bytes body[0..len) (borrowed:
** they must outlive *k). Returns false when body is NULL or the body cannot
** fit an entry. */
bool check_cache_key_body(struct check_cache_key *k, enum http_method m, const char *body,
                          size_t len);

/* Look k up in the calling thread's cache; a match needs equal hash, kind,
** length and bytes (a hash collision is a miss). On a hit *text / *len
** receive the stored answer (borrowed: valid until this thread's next
** check_cache_put, check_cache_thread_release or reconfigure) and the entry
** becomes the most recently used. Counts one hit or one miss; returns false
** and counts nothing when caching is off. */
bool check_cache_get(const struct check_cache_key *k, const char **text, size_t *len);

/* Store a copy of text[0..len) under k in the calling thread's cache,
** replacing an entry with the same key and evicting the least recently used
** entry when full. Returns false (cache unchanged) when caching is off, the
** entry would exceed CHECK_CACHE_ENTRY_MAX, or memory is short. */
bool check_cache_put(const struct check_cache_key *k, const char *text, size_t len);

/* On a hit, fill *out (released first) with the stored answer: status 200,
** application/json, text borrowed from the cache with text_copy set (the
** sender copies it before this thread touches the cache again). Returns
** true on a hit, false (out untouched) otherwise. */
bool check_cache_reply(const struct check_cache_key *k, struct response *out);

/* After a handler answered: when *out is a 200 with a JSON body, serialize it
** once (json_serialize), store the text under k and turn *out into that
** owned text, so the first answer and every later hit are the same bytes.
** Anything else (a problem, a text body, a serialization failure) leaves
** *out unchanged. */
void check_cache_remember(const struct check_cache_key *k, struct response *out);

/* Free the calling thread's cache now (it is also freed when the thread
** exits). Safe to call when there is none. */
void check_cache_thread_release(void);

/* Process-wide counters since start (or the last reset). */
struct check_cache_counts {
    uint64_t hits;      /* lookups answered from a cache */
    uint64_t misses;    /* lookups that found nothing */
    uint64_t evictions; /* entries dropped to make room */
};
void check_cache_counts(struct check_cache_counts *out);

/* Zero the counters. For tests only. */
void check_cache_counts_reset(void);

#endif

/* metrics.c: lock-free request counters and their Prometheus text form.
** Counters are relaxed atomics (exact totals, no ordering needed); rendering
** reads them without stopping writers.
*/
#include "metrics.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_cache.h"
#include "route.h"

#define METRICS_CLASSES 6 /* none, 1xx .. 5xx */

struct metrics_slot {
    atomic_uint_least64_t by_class[METRICS_CLASSES];
    atomic_uint_least64_t duration_us_sum;
    atomic_uint_least64_t bytes_sum;
};

static struct metrics_slot metrics_slots[METRICS_SLOTS];
static atomic_llong metrics_start_s;

void metrics_init(void)
{
    long long zero = 0;
    atomic_compare_exchange_strong(&metrics_start_s, &zero, (long long)time(NULL));
}

static size_t metrics_class(unsigned status)
{
    return (status >= 100 && status < 600) ? status / 100 : 0;
}

void metrics_record(size_t slot, unsigned status, uint64_t duration_us, uint64_t bytes)
{
    if (slot >= METRICS_SLOTS)
        slot = METRICS_SLOT_OTHER;
    struct metrics_slot *s = &metrics_slots[slot];
    atomic_fetch_add_explicit(&s->by_class[metrics_class(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->duration_us_sum, duration_us, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->bytes_sum, bytes, memory_order_relaxed);
}

uint64_t metrics_count(size_t slot, unsigned status_class)
{
    if (slot >= METRICS_SLOTS || status_class >= METRICS_CLASSES)
        return 0;
    return atomic_load_explicit(&metrics_slots[slot].by_class[status_class], memory_order_relaxed);
}

void metrics_reset(void)
{
    for (size_t i = 0; i < METRICS_SLOTS; i++) {
        for (size_t k = 0; k < METRICS_CLASSES; k++)
            atomic_store(&metrics_slots[i].by_class[k], 0);
        atomic_store(&metrics_slots[i].duration_us_sum, 0);
        atomic_store(&metrics_slots[i].bytes_sum, 0);
    }
    check_cache_counts_reset();
}

/* A growable text buffer; on allocation failure ok turns false and stays. */
struct metrics_buf {
    char *data;
    size_t len, cap;
    bool ok;
};

static void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void metrics_printf(struct metrics_buf *b, const char *fmt, ...)
{
    while (b->ok) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->ok = false;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap * 2 + (size_t)n;
        char *grown = realloc(b->data, cap);
        if (NULL == grown) {
            b->ok = false;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
}

/* Label pair for a slot: route path and method. */
static void metrics_labels(size_t slot, const struct route *rows, size_t n_rows, const char **path,
                           const char **method)
{
    if (slot < n_rows) {
        *path = rows[slot].path;
        *method = HTTP_POST == rows[slot].method ? "POST" : "GET";
    } else {
        *path = "other";
        *method = "any";
    }
}

char *metrics_render(const struct catalog *c, size_t *len)
{
    static const char *const class_names[METRICS_CLASSES] = {"none", "1xx", "2xx",
                                                             "3xx",  "4xx", "5xx"};
    struct metrics_buf b = {malloc(8192), 0, 8192, true};
    if (NULL == b.data)
        return NULL;
    size_t n_rows;
    const struct route *rows = route_table(&n_rows);
    if (n_rows > METRICS_SLOT_OTHER)
        n_rows = METRICS_SLOT_OTHER;

    metrics_printf(&b,
                   "# HELP willitrun_build_info Version of the running binary.\n"
                   "# TYPE willitrun_build_info gauge\n"
                   "willitrun_build_info{version=\"%s\"} 1\n",
#ifdef WIR_VERSION
                   WIR_VERSION
#else
                   "unknown"
#endif
    );
    metrics_printf(&b,
                   "# HELP process_start_time_seconds Start time of the process since the epoch.\n"
                   "# TYPE process_start_time_seconds gauge\n"
                   "process_start_time_seconds %lld\n",
                   (long long)atomic_load(&metrics_start_s));

    metrics_printf(&b, "# HELP willitrun_http_requests_total Requests answered, by route and "
                       "status class.\n"
                       "# TYPE willitrun_http_requests_total counter\n");
    for (size_t s = 0; s < METRICS_SLOTS; s++) {
        if (s >= n_rows && METRICS_SLOT_OTHER != s)
            continue;
        const char *path, *method;
        metrics_labels(s, rows, n_rows, &path, &method);
        for (size_t k = 0; k < METRICS_CLASSES; k++) {
            metrics_printf(&b,
                           "willitrun_http_requests_total{route=\"%s\",method=\"%s\",code=\"%s\"} "
                           "%llu\n",
                           path, method, class_names[k],
                           (unsigned long long)metrics_count(s, (unsigned)k));
        }
    }

    metrics_printf(&b, "# HELP willitrun_http_request_duration_seconds Time from request line "
                       "to response sent.\n"
                       "# TYPE willitrun_http_request_duration_seconds summary\n");
    for (size_t s = 0; s < METRICS_SLOTS; s++) {
        if (s >= n_rows && METRICS_SLOT_OTHER != s)
            continue;
        const char *path, *method;
        metrics_labels(s, rows, n_rows, &path, &method);
        uint64_t count = 0;
        for (size_t k = 0; k < METRICS_CLASSES; k++)
            count += metrics_count(s, (unsigned)k);
        uint64_t us = atomic_load_explicit(&metrics_slots[s].duration_us_sum, memory_order_relaxed);
        metrics_printf(&b,
                       "willitrun_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} "
                       "%.6f\n"
                       "willitrun_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} "
                       "%llu\n",
                       path, method, (double)us / 1e6, path, method, (unsigned long long)count);
    }

    metrics_printf(&b, "# HELP willitrun_http_response_bytes_total Response body bytes sent.\n"
                       "# TYPE willitrun_http_response_bytes_total counter\n");
    for (size_t s = 0; s < METRICS_SLOTS; s++) {
        if (s >= n_rows && METRICS_SLOT_OTHER != s)
            continue;
        const char *path, *method;
        metrics_labels(s, rows, n_rows, &path, &method);
        metrics_printf(&b, "willitrun_http_response_bytes_total{route=\"%s\",method=\"%s\"} %llu\n",
                       path, method,
                       (unsigned long long)atomic_load_explicit(&metrics_slots[s].bytes_sum,
                                                                memory_order_relaxed));
    }

    struct check_cache_counts cc;
    check_cache_counts(&cc);
    metrics_printf(&b,
                   "# HELP willitrun_check_cache_hits_total /check answers sent from a worker "
                   "thread's cache of earlier identical requests.\n"
                   "# TYPE willitrun_check_cache_hits_total counter\n"
                   "willitrun_check_cache_hits_total %llu\n"
                   "# HELP willitrun_check_cache_misses_total /check requests looked up in the "
                   "cache and not found (then computed).\n"
                   "# TYPE willitrun_check_cache_misses_total counter\n"
                   "willitrun_check_cache_misses_total %llu\n"
                   "# HELP willitrun_check_cache_evictions_total Cached /check answers dropped "
                   "to make room for newer ones.\n"
                   "# TYPE willitrun_check_cache_evictions_total counter\n"
                   "willitrun_check_cache_evictions_total %llu\n",
                   (unsigned long long)cc.hits, (unsigned long long)cc.misses,
                   (unsigned long long)cc.evictions);

    if (NULL != c) {
        metrics_printf(&b,
                       "# HELP willitrun_catalog_entries Entries loaded into the in-memory "
                       "catalog.\n"
                       "# TYPE willitrun_catalog_entries gauge\n"
                       "willitrun_catalog_entries{kind=\"models\"} %zu\n"
                       "willitrun_catalog_entries{kind=\"hardware\"} %zu\n"
                       "willitrun_catalog_entries{kind=\"quants\"} %zu\n"
                       "willitrun_catalog_entries{kind=\"errors\"} %zu\n"
                       "willitrun_catalog_entries{kind=\"signatures\"} %zu\n"
                       "# HELP willitrun_schema_version Database schema version.\n"
                       "# TYPE willitrun_schema_version gauge\n"
                       "willitrun_schema_version %d\n",
                       c->n_models, c->n_hardware, c->n_quants, c->n_errors, c->n_signatures,
                       c->schema_version);
    }
    if (!b.ok) {
        free(b.data);
        return NULL;
    }
    if (NULL != len)
        *len = b.len;
    return b.data;
}

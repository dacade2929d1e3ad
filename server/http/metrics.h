/* metrics.h: request counters (lock-free atomics) per route row and status
** class, latency and byte sums, rendered as Prometheus text for /metrics.
** Thread rules: metrics_record and metrics_render may run on any thread at
** any time; counters only grow (metrics_reset is for tests).
*/
#ifndef WIR_METRICS_H
#define WIR_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "../store/catalog.h"

/* Slots are route_table() indexes; this one collects everything else (404,
** 405, OPTIONS, requests refused before routing). */
#define METRICS_SLOT_OTHER 31
#define METRICS_SLOTS 32

/* Remember the process start time (for process_start_time_seconds). Call
** once before serving; later calls are ignored. */
void metrics_init(void);

/* Count one finished request. status 0 (no response sent) counts as class
** "none"; slots >= METRICS_SLOTS go to METRICS_SLOT_OTHER. */
void metrics_record(size_t slot, unsigned status, uint64_t duration_us, uint64_t bytes);

/* Prometheus text exposition (format 0.0.4) of every counter (with the /check
** cache's hits, misses and evictions), plus build info, process start time
** and catalog sizes (c may be NULL). Returns a
** malloc'd NUL-terminated buffer the caller frees, *len its length; NULL on
** allocation failure. */
char *metrics_render(const struct catalog *c, size_t *len);

/* Requests counted in slot with the given status class (1..5 for 1xx..5xx,
** 0 for "none"). For tests. */
uint64_t metrics_count(size_t slot, unsigned status_class);

/* Zero every counter, the /check cache's too. For tests only (not safe
** while serving). */
void metrics_reset(void);

#endif

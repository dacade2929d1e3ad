/* matcher.h: match a pasted log against knowledge-base signatures.
** Pure: the signatures are passed in; no I/O, no allocation, no globals.
** Numbers, hex values, paths and quoted names in a signature match any
** value in the log ("allocating 9000.00 MiB" matches "allocating 512.00 MiB");
** matching is case-insensitive and whitespace-tolerant.
*/
#ifndef WIR_MATCHER_H
#define WIR_MATCHER_H

#include <stddef.h>

struct matcher_signature {
    size_t page;        /* caller's index of the page this signature belongs to */
    const char *text;   /* signature text; "<N>" marks a placeholder too */
    int root_rank;      /* 0 = root cause; higher = a wrapper that reports another error */
};

struct matcher_hit {
    size_t page;
    double score;             /* 0..1, higher is better */
    size_t line_offset;       /* byte offset of the best matching line in the log */
    size_t line_length;
};

/* Score every page against log[0..log_len). Writes at most max_hits hits,
** one per page, best first (root causes before wrappers at equal score).
** Returns the number written. */
size_t matcher_match(const char *log, size_t log_len, const struct matcher_signature *sigs,
                     size_t n_sigs, struct matcher_hit *hits, size_t max_hits);

#endif

/* matcher.h: match a pasted log against knowledge-base signatures.
** Pure: the signatures are passed in; no I/O, no allocation, no globals
** (a prepared index lives in storage the caller allocates).
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

/* A prepared index of a fixed signature set: every signature's tokens, term
** page counts, weights and key words, computed once, so a match only reads
** the log. Opaque; it lives in storage the caller provides. */
struct matcher_index;

/* Bytes of storage matcher_index_build needs for n_sigs signatures (about
** 6 KiB each); 0 when that does not fit in a size_t. */
size_t matcher_index_bytes(size_t n_sigs);

/* Build the index of sigs[0..n_sigs) in storage[0..storage_bytes), which must
** be at least matcher_index_bytes(n_sigs) bytes and aligned as malloc aligns.
** The signatures are copied, but not their texts: the texts must stay valid
** and unchanged while the index is used. The index is read-only afterwards,
** so any thread may match against it. Returns 0 and sets *out (pointing into
** storage), or -1 (bad arguments, storage too small or misaligned). */
int matcher_index_build(const struct matcher_signature *sigs, size_t n_sigs, void *storage,
                        size_t storage_bytes, struct matcher_index **out);

/* matcher_match() against a prepared index: the same hits, in the same
** order, as matcher_match() with the signatures the index was built from. */
size_t matcher_match_index(const char *log, size_t log_len, const struct matcher_index *idx,
                           struct matcher_hit *hits, size_t max_hits);

#endif

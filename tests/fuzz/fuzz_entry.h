/* fuzz_entry.h: the fuzz targets' entry code, shared by the libFuzzer
** programs (tests/fuzz/fuzz_<target>.c) and the replay unit test
** (tests/unit/app/test_fuzz_regression.c) so the two cannot drift. It holds
** no libFuzzer symbol and must not depend on the fuzzing runtime.
**
** Every entry takes arbitrary bytes, drives the code under test with them
** and checks invariants; a violated invariant prints one line naming it to
** stderr and calls abort(), which libFuzzer records as a crash and Check
** reports as a failed test.
*/
#ifndef WIR_FUZZ_ENTRY_H
#define WIR_FUZZ_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "core/estimator.h"
#include "core/fixes.h"
#include "store/catalog.h"

/* One fuzz target. name is also the directory under tests/fuzz/corpus/ and
** tests/fuzz/regression/ holding its inputs. */
struct fuzz_target {
    const char *name;
    /* One-time setup (load the catalog); idempotent. 0, or -1 with a line on
    ** stderr. */
    int (*init)(void);
    /* Run one input (borrowed; need not be NUL-terminated). Returns a
    ** target-specific outcome for tests (see the fuzz_*_one functions);
    ** aborts on a violated invariant. Requires init to have succeeded. */
    int (*one)(const uint8_t *data, size_t size);
    /* Built-in seed inputs: count, and seed i copied into buf (cap bytes).
    ** seed returns its length, or 0 when i is past the end or cap is short. */
    size_t (*seed_count)(void);
    size_t (*seed)(size_t i, uint8_t *buf, size_t cap);
};

/* The targets, each defined next to its entry code. */
extern const struct fuzz_target fuzz_target_estimator;   /* "estimator" */
extern const struct fuzz_target fuzz_target_check_input; /* "check_input" */
extern const struct fuzz_target fuzz_target_matcher;     /* "matcher" */
/* All of them, in that order. */
extern const struct fuzz_target *const fuzz_targets[];
extern const size_t fuzz_targets_count;
/* The target called name, or NULL. */
const struct fuzz_target *fuzz_target_find(const char *name);

/* Print "fuzz: <target>: <message>" to stderr and abort(). */
void fuzz_fail(const char *target, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* ---- estimator (fuzz_entry_estimator.c) ------------------------------------- */

/* The decoded form of an estimator input: the estimator input itself, the
** names the fix planner puts into commands, and a probe byte that picks
** which alternative quant the est_best_quant check re-estimates. */
struct fuzz_estimator_case {
    struct est_input in;
    struct est_quant outside_quant; /* used when in.quant points at it */
    char outside_id[24];
    /* as large as the catalog fields they come from */
    char model_id[sizeof((struct catalog_model *)0)->id];
    char hf_repo[sizeof((struct catalog_model *)0)->hf_repo];
    char ollama_tag[sizeof((struct catalog_model *)0)->ollama_tag];
    char ollama_quant_tag[sizeof((struct catalog_model *)0)->ollama_quant_tag];
    char ollama_quants[sizeof((struct catalog_model *)0)->ollama_quants];
    struct fix_names names; /* points into the arrays above, or NULL */
    uint8_t probe;
};

/* Byte layout of an estimator input, every field little-endian and read in
** this order (missing bytes read as 0, extra bytes are ignored):
**   u64 params; u32 x 16 for the other numeric struct est_model fields in
**   declaration order, tie_word_embeddings as u8 (odd = true) after
**   vocab_size; u8 quant (0 = NULL, 1..200 = est_quant_at((b-1) % count),
**   201..255 = an outside struct est_quant whose id is the following
**   string); u32 context; u8 device kind, u8 backend (each value modulo
**   COUNT+1, so COUNT itself is the one out-of-range value); f64 memory_gib,
**   f64 bandwidth_gbs, f64 system_ram_gib (raw IEEE bits: NaN, infinities and
**   negatives included); u32 count; u8 runtime, u8 os; u32 os_version_major,
**   u32 os_version_minor, u32 wired_limit_mb; u8 kv_type; u8 flash attention
**   (b % 4 - 1: auto, off, on, and 2, which is invalid); u32 batch;
**   then the struct fix_names strings model_id, hf_repo, ollama_tag,
**   ollama_quant_tag, ollama_quants; then u8 probe.
** A string is u8 flags (bit 0: present, else NULL; bit 1: map each byte to
** [a-z0-9.:/_-] so it passes the fix planner's shell check), u8 length
** (capped below the catalog's field size), then the bytes (a NUL byte ends
** the string early). */
void fuzz_estimator_decode(const uint8_t *data, size_t size, struct fuzz_estimator_case *c);

/* Encode in, names (may be NULL) and probe in that layout into buf (cap
** bytes). Strings are stored as given (bit 1 clear). in->quant must be NULL
** or a row of the estimator's table. Returns the length, or 0 when cap is
** too small. */
size_t fuzz_estimator_encode(const struct est_input *in, const struct fix_names *names,
                             uint8_t probe, uint8_t *buf, size_t cap);

/* Check the invariants of one est_estimate call (status st, result *res on
** in): on EST_OK the parts add up to total, headroom = usable - total, the
** verdict agrees with the headroom (runs: headroom >= usable/10; tight:
** 0 <= headroom < usable/10; offload and wont_run: headroom < 0), defaults
** are resolved, the speed is finite, and est_budget agrees; on an error the
** result is all zero. Returns 0, or 1 with a sentence in why (cap bytes). */
int fuzz_estimate_violation(const struct est_input *in, enum est_status st,
                            const struct est_result *res, char *why, size_t cap);

/* Run every estimator entry point on in with names (may be NULL) and check
** their invariants: est_estimate, est_max_context (the answer fits, one
** granularity step more does not when below the cap), est_best_quant (the
** answer fits; the higher-quality quant picked by probe does not),
** fix_plan_build (succeeds; steps numbered 1..n with titles and commands)
** and fix_error_id (NULL unless wont_run; otherwise a seeded page). Aborts
** through fuzz_fail with target as the name. Returns the est_estimate
** status. */
int fuzz_estimator_check(const char *target, const struct est_input *in,
                         const struct fix_names *names, uint8_t probe);

/* The "estimator" entry: decode, then fuzz_estimator_check. Returns the
** est_estimate status (EST_OK = 0). */
int fuzz_estimator_one(const uint8_t *data, size_t size);

/* ---- /check input (fuzz_entry_check_input.c) ---------------------------------- */

/* The "check_input" entry: the bytes as a POST /check body (json_body_load,
** check_input_from_json, handle_check_post) and, split at '&' and the first
** '=' of each part, as GET /check query arguments (check_input_from_query,
** handle_check_get). Parser failures must be a 4xx problem; handlers answer
** 200 or 4xx with a body that serializes; a parsed input goes through
** fuzz_estimator_check. Returns the POST handler's status. */
int fuzz_check_input_one(const uint8_t *data, size_t size);

/* ---- matcher (fuzz_entry_matcher.c) ------------------------------------------- */

/* The "matcher" entry: the bytes as a pasted log, matched against every
** seeded signature (matcher_match) and, when they are valid UTF-8 and match
** a page (or are empty), posted to handle_errors_match. Hits are distinct valid pages, best first,
*scores in
** [0, 1], lines inside the log; the handler answers 200 (400 for an empty or
** oversized text) with a body that serializes. Returns the number of hits. */
int fuzz_matcher_one(const uint8_t *data, size_t size);

/* ---- shared setup (fuzz_entry_common.c) ---------------------------------------------- */

/* The seeded catalog, loaded once (migrate_and_seed into a temporary
** database that is deleted as soon as it is read). NULL, with a line on
** stderr, when that fails. Not thread-safe; the entries run on one thread. */
const struct catalog *fuzz_catalog(void);

#endif

/* fuzz_entry_matcher.c: the "matcher" fuzz entry: bytes as a pasted log,
** matched against every seeded knowledge-base signature, directly and through
** POST /errors/match. Test support only; no libFuzzer symbol.
*/
#include "fuzz_entry.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/matcher.h"
#include "http/handlers.h"
#include "http/json_util.h"
#include "http/request.h"
#include "http/response.h"

#define TARGET "matcher"

/* As many hits as POST /errors/match asks for (ERRORS_MATCH_MAX), and more. */
#define MAX_HITS 16
/* Hits may come out of order by the matcher's tie epsilon (1e-9) per
** tie-broken comparison; far less than this. */
#define SCORE_SLACK 1e-6

static struct matcher_signature *sigs;
static size_t n_sigs;

/* The catalog's signatures as handle_errors_match builds them. */
static int init(void)
{
    const struct catalog *c = fuzz_catalog();
    if (NULL == c)
        return -1;
    if (NULL != sigs)
        return 0;
    sigs = calloc(c->n_signatures ? c->n_signatures : 1, sizeof *sigs);
    if (NULL == sigs)
        return -1;
    for (size_t i = 0; i < c->n_signatures; i++) {
        const struct catalog_signature *s = &c->signatures[i];
        if (s->page >= c->n_errors || NULL == s->text)
            continue;
        sigs[n_sigs].page = s->page;
        sigs[n_sigs].text = s->text;
        sigs[n_sigs].root_rank = c->errors[s->page].root_cause_rank;
        n_sigs++;
    }
    return 0 == n_sigs ? -1 : 0;
}

static bool page_has_signature(size_t page)
{
    for (size_t i = 0; i < n_sigs; i++)
        if (sigs[i].page == page)
            return true;
    return false;
}

static void check_hits(const char *log, size_t len, const struct matcher_hit *hits, size_t n,
                       size_t max_hits)
{
    if (n > max_hits)
        fuzz_fail(TARGET, "%zu hits for at most %zu", n, max_hits);
    if (0 == len && 0 != n)
        fuzz_fail(TARGET, "%zu hits for an empty log", n);
    for (size_t i = 0; i < n; i++) {
        const struct matcher_hit *h = &hits[i];
        if (!page_has_signature(h->page))
            fuzz_fail(TARGET, "hit %zu names page %zu, which has no signature", i, h->page);
        for (size_t j = 0; j < i; j++)
            if (hits[j].page == h->page)
                fuzz_fail(TARGET, "page %zu is hit twice (%zu and %zu)", h->page, j, i);
        if (!isfinite(h->score) || h->score < 0.0 || h->score > 1.0)
            fuzz_fail(TARGET, "hit %zu scores %g", i, h->score);
        if (i > 0 && h->score > hits[i - 1].score + SCORE_SLACK)
            fuzz_fail(TARGET, "hit %zu (%g) ranks below hit %zu (%g)", i, h->score, i - 1,
                      hits[i - 1].score);
        if (h->line_offset > len || h->line_length > len - h->line_offset)
            fuzz_fail(TARGET, "hit %zu line [%zu, +%zu) outside the %zu-byte log", i,
                      h->line_offset, h->line_length, len);
        if (0 != h->line_offset && '\n' != log[h->line_offset - 1])
            fuzz_fail(TARGET, "hit %zu line at %zu does not start a line", i, h->line_offset);
        if (NULL != memchr(log + h->line_offset, '\n', h->line_length))
            fuzz_fail(TARGET, "hit %zu line at %zu spans a newline", i, h->line_offset);
    }
}

/* POST /errors/match with {"text": log}; only for logs a JSON string can carry. */
static void run_handler(const struct catalog *cat, const char *log, size_t len)
{
    json_t *text = json_stringn(log, len);
    if (NULL == text)
        return; /* not valid UTF-8: no client can send it */
    json_t *body = json_object();
    if (NULL == body || 0 != json_object_set_new(body, "text", text))
        fuzz_fail(TARGET, "out of memory");
    struct request rq = {
        .method = HTTP_POST,
        .path = "/errors/match",
        .body = body,
        .catalog = cat,
        .request_id = "fuzz",
    };
    struct response out;
    memset(&out, 0, sizeof out);
    unsigned status = handle_errors_match(&rq, &out);
    /* 400 only for an empty text (the fuzzer's inputs are far below the size limit) */
    if (200 != status && !(400 == status && 0 == len))
        fuzz_fail(TARGET, "handle_errors_match answered %u for %zu bytes", status, len);
    if (NULL == out.body)
        fuzz_fail(TARGET, "handle_errors_match: %u without a JSON body", status);
    char *dump = json_serialize(out.body, NULL);
    if (NULL == dump)
        fuzz_fail(TARGET, "handle_errors_match: the %u body does not serialize", status);
    free(dump);
    response_release(&out);
    json_decref(body);
}

int fuzz_matcher_one(const uint8_t *data, size_t size)
{
    if (NULL == sigs && 0 != init())
        fuzz_fail(TARGET, "no signatures (init failed)");
    const struct catalog *cat = fuzz_catalog();
    if (NULL == cat->matcher_index)
        fuzz_fail(TARGET, "the catalog has no matcher index");
    const char *log = (const char *)data;
    struct matcher_hit hits[MAX_HITS];
    size_t n = matcher_match_index(log, size, cat->matcher_index, hits, MAX_HITS);
    check_hits(log, size, hits, n, MAX_HITS);

    /* fewer slots: the same best hits, in the same order */
    struct matcher_hit few[3];
    size_t n_few = matcher_match_index(log, size, cat->matcher_index, few, 3);
    check_hits(log, size, few, n_few, 3);
    if (n_few != (n < 3 ? n : 3))
        fuzz_fail(TARGET, "%zu hits with 3 slots, %zu with %d", n_few, n, MAX_HITS);
    for (size_t i = 0; i < n_few; i++)
        if (few[i].page != hits[i].page)
            fuzz_fail(TARGET, "hit %zu is page %zu with 3 slots, %zu with %d", i, few[i].page,
                      hits[i].page, MAX_HITS);

    /* Without the index the signature weights are computed per call (it
    ** costs milliseconds), so the two are compared only when there are hits:
    ** the same hits, to the bit. */
    if (0 != n) {
        struct matcher_hit plain[MAX_HITS];
        size_t n_plain = matcher_match(log, size, sigs, n_sigs, plain, MAX_HITS);
        if (n_plain != n)
            fuzz_fail(TARGET, "%zu hits without the index, %zu with it", n_plain, n);
        for (size_t i = 0; i < n; i++)
            if (plain[i].page != hits[i].page || plain[i].score != hits[i].score ||
                plain[i].line_offset != hits[i].line_offset ||
                plain[i].line_length != hits[i].line_length)
                fuzz_fail(TARGET, "hit %zu differs without the index (page %zu, %g) and with it"
                          " (page %zu, %g)", i, plain[i].page, plain[i].score, hits[i].page,
                          hits[i].score);
    }
    run_handler(cat, log, size);
    return (int)n;
}

/* ---- seeds ------------------------------------------------------------------------- */

static const char *const seeds[] = {
    /* llama.cpp on a CUDA card that is too small */
    "llama_model_load_from_file_impl: using device CUDA0 (NVIDIA GeForce RTX 3060) - 7898 MiB "
    "free\n"
    "load_tensors: offloading 32 repeating layers to GPU\n"
    "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 8100.00 MiB on device 0: cudaMalloc "
    "failed: out of memory\n"
    "alloc_tensor_range: failed to allocate CUDA0 buffer of size 8493465600\n"
    "llama_model_load: error loading model: unable to allocate CUDA0 buffer\n",
    /* PyTorch */
    "Traceback (most recent call last):\n"
    "  File \"run.py\", line 12, in <module>\n"
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total "
    "capacity of 23.64 GiB of which 1.02 GiB is free.\r\n",
    /* MLX on a Mac (the seed page) */
    "libc++abi: terminating due to uncaught exception of type std::runtime_error: [METAL] "
    "Command buffer execution failed: Insufficient Memory "
    "(00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)\n"
    "zsh: abort      python -m mlx_lm.generate --model mlx-community/Qwen2.5-32B-Instruct-8bit\n",
    /* vLLM */
    "INFO 05-12 10:00:01 worker.py:241] Available KV cache memory: -1.25 GiB\n"
    "ValueError: No available memory for the cache blocks. Try increasing "
    "`gpu_memory_utilization` when initializing the engine.",
    /* nothing to match */
    "hello world\n\n\n", NULL, /* BINARY_SEED */
};
/* Not UTF-8, with a NUL byte inside: only matcher_match sees it. */
static const char BINARY_SEED[] = "\xff\xfe ggml_metal \x00 MiB\n\x80";

static size_t seed_count(void)
{
    return sizeof seeds / sizeof seeds[0];
}

static size_t seed(size_t i, uint8_t *buf, size_t cap)
{
    if (i >= seed_count())
        return 0;
    const char *text = NULL != seeds[i] ? seeds[i] : BINARY_SEED;
    size_t len = NULL != seeds[i] ? strlen(seeds[i]) : sizeof BINARY_SEED - 1;
    if (len > cap)
        return 0;
    memcpy(buf, text, len);
    return len;
}

const struct fuzz_target fuzz_target_matcher = {TARGET, init, fuzz_matcher_one, seed_count, seed};

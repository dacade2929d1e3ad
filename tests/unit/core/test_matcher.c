/* test_matcher.c: unit tests for the log matcher (server/core/matcher.c) with real error strings from the knowledge-base pages; no I/O beyond Check.
*/
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/matcher.h"

/* Page indexes of the fixture KB. */
enum {
    P_CUDAMALLOC = 0,   /* llamacpp-cuda-cudamalloc-oom */
    P_COMPUTE,          /* llamacpp-compute-buffer-oom */
    P_KV,               /* llamacpp-kv-cache-alloc-failed */
    P_CUDA_RUNTIME,     /* llamacpp-cuda-error-oom-runtime */
    P_METAL_BUFFER,     /* llamacpp-metal-buffer-alloc-failed */
    P_METAL_CMDBUF,     /* llamacpp-metal-command-buffer-oom */
    P_VULKAN,           /* vulkan-error-out-of-device-memory */
    P_OLLAMA_SYSMEM,    /* ollama-requires-more-system-memory */
    P_OLLAMA_RUNNER,    /* ollama-runner-terminated (wrapper) */
    P_MLX_CMDBUF,       /* mlx-command-buffer-insufficient-memory */
    P_MLX_MALLOC,       /* mlx-malloc-unable-to-allocate */
    P_METAL_ALLOCATOR,  /* metal-allocator-oom (seed page wording) */
    P_PYTORCH_CUDA,     /* pytorch-cuda-oom */
    P_PYTORCH_MPS,      /* pytorch-mps-oom */
    P_VLLM_CACHE,       /* vllm-no-available-memory-for-cache-blocks */
    P_VLLM_SEQ,         /* vllm-max-seq-len-exceeds-kv-cache */
    P_LMSTUDIO_LOAD,    /* lmstudio-failed-to-load-model (wrapper) */
    P_OOM_KILLER,       /* linux-oom-killer-killed */
};

/* Signatures as researched (ERRORS.md sections 1-42, FACTS.md section 6). */
static const struct matcher_signature kb[] = {
    {P_CUDAMALLOC,
     "ggml_backend_cuda_buffer_type_alloc_buffer: allocating <X> MiB on device <N>: cudaMalloc "
     "failed: out of memory\n"
     "alloc_tensor_range: failed to allocate CUDA<N> buffer of size <BYTES>\n"
     "llama_model_load: error loading model: unable to allocate CUDA<N> buffer\n"
     "llama_model_load_from_file_impl: failed to load model",
     0},
    {P_COMPUTE,
     "ggml_gallocr_reserve_n: failed to allocate CUDA<N> buffer of size <BYTES>\n"
     "graph_reserve: failed to allocate compute buffers\n"
     "llama_init_from_model: failed to initialize the context: failed to allocate compute pp "
     "buffers",
     0},
    {P_KV,
     "llama_init_from_model: failed to initialize the context: failed to allocate buffer for kv "
     "cache",
     0},
    {P_CUDA_RUNTIME,
     "CUDA error: out of memory\n  current device: <N>, in function <func> at <file>:<line>", 0},
    {P_METAL_BUFFER,
     "ggml_metal_buffer_init: error: failed to allocate buffer, size = <X> MiB\n"
     "alloc_tensor_range: failed to allocate MTL0 buffer of size <BYTES>\n"
     "llama_model_load: error loading model: unable to allocate MTL0 buffer",
     0},
    {P_METAL_CMDBUF,
     "ggml_metal_synchronize: error: command buffer <N> failed with status <S>\n"
     "error: Insufficient Memory (00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory)",
     0},
    {P_VULKAN,
     "ggml_vulkan: Device memory allocation of size <BYTES> failed.\n"
     "ggml_vulkan: vk::Device::allocateMemory: ErrorOutOfDeviceMemory",
     0},
    {P_OLLAMA_SYSMEM, "Error: model requires more system memory (<X> GiB) than is available (<Y> GiB)",
     0},
    {P_OLLAMA_RUNNER, "Error: llama runner process has terminated: exit status <N>", 1},
    {P_OLLAMA_RUNNER, "Error: llama-server process has terminated: <exit status>: <msg>", 1},
    {P_MLX_CMDBUF,
     "libc++abi: terminating due to uncaught exception of type std::runtime_error: [METAL] "
     "Command buffer execution failed: Insufficient Memory "
     "(00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory).",
     0},
    {P_MLX_MALLOC, "RuntimeError: [malloc] Unable to allocate <N> bytes.", 0},
    {P_MLX_MALLOC, "RuntimeError: [metal::malloc] Resource limit (<N>) exceeded.", 0},
    {P_METAL_ALLOCATOR,
     "[METAL] Metal Allocator: out of memory (Allocation size X exceeds available)", 0},
    {P_PYTORCH_CUDA,
     "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate <X> GiB. GPU <N> has a total "
     "capacity of <T> GiB of which <F> MiB is free. Including non-PyTorch memory, this process "
     "has <P> GiB memory in use. Of the allocated memory <A> GiB is allocated by PyTorch, and <R> "
     "MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try "
     "setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.",
     0},
    {P_PYTORCH_MPS,
     "RuntimeError: MPS backend out of memory (MPS allocated: <A> GB, other allocations: <O> MB, "
     "max allowed: <M> GB). Tried to allocate <X> MB on private pool. Use "
     "PYTORCH_MPS_HIGH_WATERMARK_RATIO=0.0 to disable upper limit for memory allocations (may "
     "cause system failure).",
     0},
    {P_VLLM_CACHE,
     "ValueError: No available memory for the cache blocks. Try increasing "
     "`gpu_memory_utilization` when initializing the engine.",
     0},
    {P_VLLM_SEQ,
     "ValueError: To serve at least one request with the model's max seq len (<L>), (<N> GiB KV "
     "cache is needed, which is larger than the available KV cache memory (<A> GiB). Based on the "
     "available memory, the estimated maximum model length is <E>. Try increasing "
     "`gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
     0},
    {P_LMSTUDIO_LOAD, "error loading model: unable to allocate <BUF> buffer", 1},
    {P_LMSTUDIO_LOAD, "Failed to load the model", 1},
    {P_OOM_KILLER, "Out of memory: Killed process <pid> (<name>)", 0},
};
static const size_t n_kb = sizeof kb / sizeof kb[0];

static size_t match(const char *log, struct matcher_hit *hits, size_t max)
{
    return matcher_match(log, strlen(log), kb, n_kb, hits, max);
}

static bool has_page(const struct matcher_hit *hits, size_t n, size_t page)
{
    for (size_t i = 0; i < n; i++)
        if (hits[i].page == page)
            return true;
    return false;
}

static size_t rank_of(const struct matcher_hit *hits, size_t n, size_t page)
{
    for (size_t i = 0; i < n; i++)
        if (hits[i].page == page)
            return i;
    return (size_t)-1;
}

/* A real llama.cpp load on a 24 GiB card (FACTS.md section 6 strings). */
static const char cuda_log[] =
    "llama_model_loader: loaded meta data with 33 key-value pairs and 771 tensors from "
    "/models/Qwen2.5-32B-Instruct-Q8_0.gguf (version GGUF V3 (latest))\n"
    "load_tensors: offloading 64 repeating layers to GPU\n"
    "load_tensors: offloaded 65/65 layers to GPU\n"
    "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 32456.78 MiB on device 0: cudaMalloc "
    "failed: out of memory\n"
    "alloc_tensor_range: failed to allocate CUDA0 buffer of size 34033116160\n"
    "llama_model_load: error loading model: unable to allocate CUDA0 buffer\n"
    "llama_model_load_from_file_impl: failed to load model\n"
    "common_init_from_params: failed to load model '/models/Qwen2.5-32B-Instruct-Q8_0.gguf'\n";

START_TEST(test_matcher_cuda_root_cause_before_wrapper)
{
    struct matcher_hit hits[8];
    size_t n = match(cuda_log, hits, 8);
    ck_assert_uint_ge(n, 2);
    ck_assert_uint_eq(hits[0].page, P_CUDAMALLOC);
    ck_assert(hits[0].score > 0.999);
    /* The wrapper line matches its page fully too, but ranks after the root. */
    size_t w = rank_of(hits, n, P_LMSTUDIO_LOAD);
    ck_assert_uint_ne(w, (size_t)-1);
    ck_assert(hits[w].score > 0.999);
    ck_assert_uint_gt(w, 0);
    /* The same lines with MTL0 instead of CUDA0 are another page: not reported. */
    ck_assert(!has_page(hits, n, P_METAL_BUFFER));
    ck_assert(!has_page(hits, n, P_VULKAN));
    ck_assert(!has_page(hits, n, P_PYTORCH_CUDA));
    /* The reported line is the cudaMalloc line, exactly. */
    const char *line = cuda_log + hits[0].line_offset;
    ck_assert(strncmp(line, "ggml_backend_cuda_buffer_type_alloc_buffer:", 43) == 0);
    ck_assert_uint_eq(hits[0].line_length,
                      strlen("ggml_backend_cuda_buffer_type_alloc_buffer: allocating 32456.78 "
                             "MiB on device 0: cudaMalloc failed: out of memory"));
    /* Best first. */
    for (size_t i = 1; i < n; i++)
        ck_assert(hits[i - 1].score >= hits[i].score);
}
END_TEST

START_TEST(test_matcher_one_line_of_multiline_signature)
{
    /* Only the first line of the four-line cudaMalloc signature: the page is
    ** found, with a lower score than a full match. */
    static const char log[] = "ggml_backend_cuda_buffer_type_alloc_buffer: allocating 9000.00 MiB "
                              "on device 0: cudaMalloc failed: out of memory\n";
    struct matcher_hit hits[8];
    size_t n = match(log, hits, 8);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_CUDAMALLOC);
    ck_assert(hits[0].score >= 0.6 && hits[0].score < 0.999);
    ck_assert_uint_eq(hits[0].line_offset, 0);

    /* Only the wrapper line: the wrapper page matches fully and comes first;
    ** the cudaMalloc page, which contains that line, follows. */
    static const char wrapper[] =
        "llama_model_load: error loading model: unable to allocate CUDA0 buffer\n";
    n = match(wrapper, hits, 8);
    ck_assert_uint_ge(n, 2);
    ck_assert_uint_eq(hits[0].page, P_LMSTUDIO_LOAD);
    ck_assert_uint_eq(hits[1].page, P_CUDAMALLOC);
    ck_assert(hits[1].score < hits[0].score);
}
END_TEST

START_TEST(test_matcher_metal_log_picks_metal_page)
{
    static const char log[] =
        "ggml_metal_init: recommendedMaxWorkingSetSize  = 21845.34 MB\n"
        "ggml_metal_buffer_init: error: failed to allocate buffer, size = 18432.00 MiB\n"
        "alloc_tensor_range: failed to allocate MTL0 buffer of size 19327352832\n"
        "llama_model_load: error loading model: unable to allocate MTL0 buffer\n";
    struct matcher_hit hits[8];
    size_t n = match(log, hits, 8);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_METAL_BUFFER);
    ck_assert(hits[0].score > 0.999);
    ck_assert(!has_page(hits, n, P_CUDAMALLOC));
    ck_assert(strncmp(log + hits[0].line_offset, "ggml_metal_buffer_init:", 23) == 0);
}
END_TEST

START_TEST(test_matcher_numbers_and_names_are_placeholders)
{
    /* Different sizes, device number and PID than the signature's. */
    struct matcher_hit hits[4];
    size_t n = match("ggml_backend_cuda_buffer_type_alloc_buffer: allocating 512.00 MiB on device "
                     "3: cudaMalloc failed: out of memory\n"
                     "alloc_tensor_range: failed to allocate CUDA3 buffer of size 536870912\n"
                     "llama_model_load: error loading model: unable to allocate CUDA3 buffer\n"
                     "llama_model_load_from_file_impl: failed to load model\n",
                     hits, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_CUDAMALLOC);
    ck_assert(hits[0].score > 0.999);

    /* A lone "X" in a signature is a placeholder; quoted names match any name. */
    n = match("[METAL] Metal Allocator: out of memory (Allocation size 2147483648 exceeds "
              "available)",
              hits, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_METAL_ALLOCATOR);
    ck_assert(hits[0].score > 0.999);
}
END_TEST

START_TEST(test_matcher_case_and_whitespace_insensitive)
{
    struct matcher_hit hits[4];
    size_t n = match("   valueerror:no AVAILABLE memory   for the cache blocks.try increasing "
                     "'gpu_memory_utilization' WHEN initializing the engine\r\n",
                     hits, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_VLLM_CACHE);
    ck_assert(hits[0].score > 0.999);
}
END_TEST

START_TEST(test_matcher_mlx_command_buffer)
{
    static const char log[] =
        "==========\n"
        "Prompt: 31744 tokens, 412.083 tokens-per-sec\n"
        "libc++abi: terminating due to uncaught exception of type std::runtime_error: [METAL] "
        "Command buffer execution failed: Insufficient Memory "
        "(00000008:kIOGPUCommandBufferCallbackErrorOutOfMemory).\n"
        "zsh: abort      mlx_lm.generate --model mlx-community/Qwen2.5-32B-Instruct-8bit\n";
    struct matcher_hit hits[8];
    size_t n = match(log, hits, 8);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_MLX_CMDBUF);
    ck_assert(hits[0].score > 0.999);
    ck_assert(strncmp(log + hits[0].line_offset, "libc++abi:", 10) == 0);
    /* The llama.cpp Metal page shares the IOGPU text but not its first line. */
    size_t r = rank_of(hits, n, P_METAL_CMDBUF);
    ck_assert(r == (size_t)-1 || hits[r].score < hits[0].score);
}
END_TEST

START_TEST(test_matcher_pytorch_and_vllm_real_messages)
{
    struct matcher_hit hits[8];
    size_t n = match(
        "Traceback (most recent call last):\n"
        "  File \"/home/u/app.py\", line 12, in <module>\n"
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.16 GiB. GPU 0 has a total "
        "capacity of 22.04 GiB of which 17.88 MiB is free. Including non-PyTorch memory, this "
        "process has 21.99 GiB memory in use. Of the allocated memory 20.46 GiB is allocated by "
        "PyTorch, and 1.12 GiB is reserved by PyTorch but unallocated. If reserved but unallocated "
        "memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid "
        "fragmentation.  See documentation for Memory Management  "
        "(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)\n",
        hits, 8);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_PYTORCH_CUDA);
    /* "GiB" in the log where the signature's "MiB" stood: still a strong match. */
    ck_assert(hits[0].score > 0.9);
    ck_assert(!has_page(hits, n, P_PYTORCH_MPS));

    n = match("ValueError: To serve at least one request with the model's max seq len (262144), "
              "(24.00 GiB KV cache is needed, which is larger than the available KV cache memory "
              "(8.04 GiB). Based on the available memory, the estimated maximum model length is "
              "87840. Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when "
              "initializing the engine.",
              hits, 8);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_VLLM_SEQ);
    ck_assert(hits[0].score > 0.999);
    ck_assert(!has_page(hits, n, P_VLLM_CACHE));
}
END_TEST

START_TEST(test_matcher_wrapped_line_matches_across_adjacent_lines)
{
    struct matcher_hit hits[4];
    size_t n = match("RuntimeError: MPS backend out of memory (MPS allocated: 14.29 GiB, other "
                     "allocations: 3.65 GiB,\n max allowed: 20.13 GiB). Tried to allocate 2.67 GiB "
                     "on shared pool. Use PYTORCH_MPS_HIGH_WATERMARK_RATIO=0.0 to disable upper\n"
                     "limit for memory allocations (may cause system failure).\n",
                     hits, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_PYTORCH_MPS);
    ck_assert(hits[0].score > 0.8);
}
END_TEST

START_TEST(test_matcher_compute_buffer_not_kv_cache)
{
    static const char log[] =
        "ggml_gallocr_reserve_n: failed to allocate CUDA0 buffer of size 2147483648\n"
        "graph_reserve: failed to allocate compute buffers\n"
        "llama_init_from_model: failed to initialize the context: failed to allocate compute pp "
        "buffers\n";
    struct matcher_hit hits[8];
    size_t n = match(log, hits, 8);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_COMPUTE);
    size_t r = rank_of(hits, n, P_KV);
    ck_assert(r == (size_t)-1 || hits[r].score < hits[0].score);

    n = match("llama_init_from_model: failed to initialize the context: failed to allocate buffer "
              "for kv cache\n",
              hits, 8);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_KV);
    ck_assert(!has_page(hits, n, P_COMPUTE));
}
END_TEST

START_TEST(test_matcher_one_hit_per_page_and_max_hits)
{
    /* Both Ollama runner variants in one log: one hit for the page. */
    static const char log[] = "Error: llama runner process has terminated: exit status 2\n"
                              "Error: llama-server process has terminated: exit status 2: "
                              "cudaMalloc failed: out of memory\n"
                              "Out of memory: Killed process 4242 (ollama)\n";
    struct matcher_hit hits[8];
    size_t n = match(log, hits, 8);
    size_t runner = 0;
    for (size_t i = 0; i < n; i++)
        runner += hits[i].page == P_OLLAMA_RUNNER;
    ck_assert_uint_eq(runner, 1);
    ck_assert(has_page(hits, n, P_OOM_KILLER));
    ck_assert_uint_ge(n, 2);
    /* Root cause (OOM killer) and wrapper both match fully: the root first. */
    ck_assert_uint_lt(rank_of(hits, n, P_OOM_KILLER), rank_of(hits, n, P_OLLAMA_RUNNER));

    struct matcher_hit one[1];
    ck_assert_uint_eq(match(log, one, 1), 1);
    ck_assert_uint_eq(one[0].page, hits[0].page);
    ck_assert_uint_eq(match(log, one, 0), 0);
}
END_TEST

START_TEST(test_matcher_unrelated_text_matches_nothing)
{
    struct matcher_hit hits[8];
    ck_assert_uint_eq(match("hello world\n", hits, 8), 0);
    ck_assert_uint_eq(match("ggml_cuda_init: found 1 CUDA devices:\n"
                            "  Device 0: NVIDIA GeForce RTX 4090, compute capability 8.9\n"
                            "llama_kv_cache: CUDA0 KV buffer size = 8192.00 MiB\n"
                            "main: server is listening on http://127.0.0.1:8080\n",
                            hits, 8),
                      0);
    ck_assert_uint_eq(match("", hits, 8), 0);
    ck_assert_uint_eq(match("\n\n   \n", hits, 8), 0);
    ck_assert_uint_eq(matcher_match(NULL, 10, kb, n_kb, hits, 8), 0);
    ck_assert_uint_eq(matcher_match("Killed", 6, NULL, 0, hits, 8), 0);
}
END_TEST

START_TEST(test_matcher_line_offsets_with_crlf)
{
    static const char log[] = "line one\r\nsomething else\r\n"
                              "RuntimeError: [malloc] Unable to allocate 137438953472 bytes.\r\n"
                              "after\r\n";
    struct matcher_hit hits[4];
    size_t n = match(log, hits, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_MLX_MALLOC);
    ck_assert_uint_eq(hits[0].line_offset, strlen("line one\r\nsomething else\r\n"));
    ck_assert_uint_eq(hits[0].line_length,
                      strlen("RuntimeError: [malloc] Unable to allocate 137438953472 bytes."));
}
END_TEST

START_TEST(test_matcher_single_page_plain_fraction)
{
    /* With one page every word weighs 1 and the score is the plain share. */
    static const struct matcher_signature one[] = {
        {5, "Error: model requires more system memory (<X> GiB) than is available (<Y> GiB)", 0},
    };
    struct matcher_hit hits[2];
    static const char log[] = "Error: model requires more system memory (12.3 GiB) than is free "
                              "(8.1 GiB)";
    size_t n = matcher_match(log, strlen(log), one, 1, hits, 2);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(hits[0].page, 5);
    /* 9 words (error model requires more system memory than is available) and
    ** 2 sizes ("<X> GiB"), each counting 1; everything but "available" matched. */
    ck_assert_double_eq_tol(hits[0].score, 10.0 / 11.0, 1e-9);
}
END_TEST

START_TEST(test_matcher_other_backend_is_another_error)
{
    /* ROCm's page lists "ROCm error: out of memory"; a CUDA abort is the
    ** CUDA page's, not ROCm's, though every other word is the same. */
    static const struct matcher_signature sigs[] = {
        {0, "CUDA error: out of memory", 0},
        {1, "ROCm error: out of memory", 0},
        {2, "alloc_tensor_range: failed to allocate MTL<N> buffer of size <N>", 0},
        {3, "alloc_tensor_range: failed to allocate CUDA<N> buffer of size <N>", 0},
    };
    static const char log[] = "CUDA error: out of memory\n"
                              "  current device: 0, in function ggml_cuda_pool_malloc at "
                              "/src/ggml-cuda/ggml-cuda.cu:366\n"
                              "alloc_tensor_range: failed to allocate CUDA0 buffer of size 1024\n";
    struct matcher_hit hits[4];
    size_t n = matcher_match(log, strlen(log), sigs, 4, hits, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert(has_page(hits, n, 0));
    ck_assert(has_page(hits, n, 3));
}
END_TEST

START_TEST(test_matcher_error_after_long_noise)
{
    /* Two thousand lines of loader output, then the error. */
    static char log[2000 * 100 + 256];
    size_t len = 0;
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(log + len, sizeof log - len,
                                "llama_model_loader: - tensor %4d: blk.%d.ffn_down.weight q4_K "
                                "[27648, 5120]\n",
                                i, i % 64);
    len += (size_t)snprintf(log + len, sizeof log - len,
                            "llama_init_from_model: failed to initialize the context: failed to "
                            "allocate buffer for kv cache\n");
    struct matcher_hit hits[4];
    size_t n = matcher_match(log, len, kb, n_kb, hits, 4);
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(hits[0].page, P_KV);
    ck_assert(strncmp(log + hits[0].line_offset, "llama_init_from_model:", 22) == 0);
}
END_TEST

/* Same hits, field for field, from matcher_match and matcher_match_index. */
static void assert_same_hits(const char *log, size_t len, const struct matcher_index *idx,
                             size_t max_hits)
{
    struct matcher_hit plain[32], fast[32];
    size_t n_plain = matcher_match(log, len, kb, n_kb, plain, max_hits);
    size_t n_fast = matcher_match_index(log, len, idx, fast, max_hits);
    ck_assert_uint_eq(n_fast, n_plain);
    for (size_t i = 0; i < n_plain; i++) {
        ck_assert_uint_eq(fast[i].page, plain[i].page);
        ck_assert(fast[i].score == plain[i].score); /* the same arithmetic, to the bit */
        ck_assert_uint_eq(fast[i].line_offset, plain[i].line_offset);
        ck_assert_uint_eq(fast[i].line_length, plain[i].line_length);
    }
}

static struct matcher_index *build_kb_index(void **storage)
{
    size_t bytes = matcher_index_bytes(n_kb);
    ck_assert_uint_gt(bytes, 0);
    *storage = malloc(bytes);
    ck_assert_ptr_nonnull(*storage);
    struct matcher_index *idx = NULL;
    ck_assert_int_eq(matcher_index_build(kb, n_kb, *storage, bytes, &idx), 0);
    ck_assert_ptr_nonnull(idx);
    return idx;
}

START_TEST(test_matcher_index_same_hits_as_match)
{
    void *storage;
    struct matcher_index *idx = build_kb_index(&storage);
    static const char binary[] = "\xff\xfe ggml_metal \x00 MiB\n\x80"; /* not UTF-8, a NUL */
    const char *const logs[] = {
        cuda_log,
        "ggml_metal_buffer_init: error: failed to allocate buffer, size = 20480.00 MiB\n"
        "alloc_tensor_range: failed to allocate MTL0 buffer of size 21474836480\n",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB.\r\n",
        "ValueError: No available memory for the cache blocks. Try increasing "
        "`gpu_memory_utilization` when initializing the engine.",
        "Out of memory: Killed process 4242 (llama-server)\n",
        "error loading model: unable to allocate CUDA0 buffer\nFailed to load the model\n",
        "out of memory!",
        "hello world\n\n\n",
        binary,
    };
    size_t n_hit_logs = 0;
    for (size_t i = 0; i < sizeof logs / sizeof logs[0]; i++) {
        size_t len = binary == logs[i] ? sizeof binary - 1 : strlen(logs[i]);
        struct matcher_hit h[1];
        n_hit_logs += 0 != matcher_match_index(logs[i], len, idx, h, 1);
        for (size_t max = 1; max <= 32; max *= 4)
            assert_same_hits(logs[i], len, idx, max);
    }
    ck_assert_uint_ge(n_hit_logs, 5); /* the comparison covers real hits */

    /* Every signature as a log, and all of them in one log. */
    static char all[16384];
    size_t all_len = 0;
    for (size_t i = 0; i < n_kb; i++) {
        assert_same_hits(kb[i].text, strlen(kb[i].text), idx, 32);
        all_len += (size_t)snprintf(all + all_len, sizeof all - all_len, "%s\n", kb[i].text);
        ck_assert_uint_lt(all_len, sizeof all);
    }
    assert_same_hits(all, all_len, idx, 32);
    assert_same_hits(all, all_len, idx, 3);

    /* Garbage: random bytes, digits, line breaks and pieces of signatures. */
    static char log[1024];
    unsigned long seed = 12345;
    for (int round = 0; round < 40; round++) {
        size_t len = 0;
        while (len < sizeof log - 300) {
            seed = seed * 6364136223846793005ul + 1442695040888963407ul;
            unsigned r = (unsigned)(seed >> 33);
            if (0 == r % 7 && len > (size_t)(round % 20) * 40)
                break;
            switch (r % 5) {
            case 0: { /* a piece of a signature */
                const char *t = kb[(r >> 3) % n_kb].text;
                size_t tl = strlen(t), from = (r >> 8) % tl, n = 1 + (r >> 16) % 120;
                if (n > tl - from)
                    n = tl - from;
                memcpy(log + len, t + from, n);
                len += n;
                break;
            }
            case 1:
                log[len++] = (char)(r >> 8);
                break;
            case 2:
                len += (size_t)snprintf(log + len, sizeof log - len, " %u.%02u MiB ", r >> 20,
                                        (r >> 4) % 100);
                break;
            case 3:
                log[len++] = (r >> 8) % 2 ? '\n' : '\r';
                break;
            default:
                log[len++] = ' ';
            }
        }
        assert_same_hits(log, len, idx, 1 + (size_t)round % 20);
    }
    free(storage);
}
END_TEST

START_TEST(test_matcher_index_refuses_bad_storage)
{
    size_t bytes = matcher_index_bytes(n_kb);
    ck_assert_uint_gt(bytes, matcher_index_bytes(1));
    ck_assert_uint_eq(matcher_index_bytes((size_t)-1), 0);
    char *storage = malloc(bytes + 1);
    ck_assert_ptr_nonnull(storage);
    struct matcher_index *idx = (struct matcher_index *)storage;
    ck_assert_int_eq(matcher_index_build(kb, n_kb, storage, bytes - 1, &idx), -1);
    ck_assert_ptr_null(idx);
    ck_assert_int_eq(matcher_index_build(kb, n_kb, storage + 1, bytes, &idx), -1);
    ck_assert_int_eq(matcher_index_build(NULL, n_kb, storage, bytes, &idx), -1);
    /* an empty set matches nothing */
    ck_assert_int_eq(matcher_index_build(kb, 0, storage, bytes, &idx), 0);
    struct matcher_hit h[4];
    ck_assert_uint_eq(matcher_match_index(cuda_log, strlen(cuda_log), idx, h, 4), 0);
    ck_assert_uint_eq(matcher_match_index(cuda_log, strlen(cuda_log), NULL, h, 4), 0);
    free(storage);
}
END_TEST

static Suite *matcher_suite(void)
{
    Suite *s = suite_create("matcher");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_matcher_cuda_root_cause_before_wrapper);
    tcase_add_test(tc, test_matcher_one_line_of_multiline_signature);
    tcase_add_test(tc, test_matcher_metal_log_picks_metal_page);
    tcase_add_test(tc, test_matcher_numbers_and_names_are_placeholders);
    tcase_add_test(tc, test_matcher_case_and_whitespace_insensitive);
    tcase_add_test(tc, test_matcher_mlx_command_buffer);
    tcase_add_test(tc, test_matcher_pytorch_and_vllm_real_messages);
    tcase_add_test(tc, test_matcher_wrapped_line_matches_across_adjacent_lines);
    tcase_add_test(tc, test_matcher_compute_buffer_not_kv_cache);
    tcase_add_test(tc, test_matcher_one_hit_per_page_and_max_hits);
    tcase_add_test(tc, test_matcher_unrelated_text_matches_nothing);
    tcase_add_test(tc, test_matcher_line_offsets_with_crlf);
    tcase_add_test(tc, test_matcher_single_page_plain_fraction);
    tcase_add_test(tc, test_matcher_other_backend_is_another_error);
    tcase_add_test(tc, test_matcher_error_after_long_noise);
    tcase_add_test(tc, test_matcher_index_same_hits_as_match);
    tcase_add_test(tc, test_matcher_index_refuses_bad_storage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(matcher_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

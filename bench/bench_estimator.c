/* bench_estimator.c: time per call of the estimator's entry points.
** Prints microseconds per est_estimate, est_max_context, est_best_quant and
** fix_plan_build for a few representative questions; asserts nothing.
**   build/bench/bench_estimator [iterations]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/estimator.h"
#include "core/fixes.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* meta-llama/Llama-3.1-8B-Instruct and Qwen/Qwen3-30B-A3B config.json */
static struct est_model llama8(void)
{
    struct est_model m = {0};
    m.params = 8030261248ull;
    m.num_hidden_layers = 32;
    m.hidden_size = 4096;
    m.num_attention_heads = 32;
    m.num_key_value_heads = 8;
    m.head_dim = 128;
    m.intermediate_size = 14336;
    m.vocab_size = 128256;
    m.max_position_embeddings = 131072;
    return m;
}

static struct est_model qwen3_moe(void)
{
    struct est_model m = {0};
    m.params = 30532122624ull;
    m.num_hidden_layers = 48;
    m.hidden_size = 2048;
    m.num_attention_heads = 32;
    m.num_key_value_heads = 4;
    m.head_dim = 128;
    m.intermediate_size = 6144;
    m.vocab_size = 151936;
    m.max_position_embeddings = 40960;
    m.num_experts = 128;
    m.num_experts_per_tok = 8;
    m.moe_intermediate_size = 768;
    return m;
}

struct scenario {
    const char *name;
    struct est_input in;
};

static void run(const struct scenario *sc, int iters)
{
    struct est_result r;
    struct fix_plan plan;
    const struct fix_names names = {.model_id = "model", .hf_repo = "org/model"};
    volatile uint64_t sink = 0;
    double t0 = now_us();
    for (int i = 0; i < iters; i++) {
        est_estimate(&sc->in, &r);
        sink += r.total_bytes;
    }
    double t1 = now_us();
    for (int i = 0; i < iters; i++)
        sink += est_max_context(&sc->in);
    double t2 = now_us();
    for (int i = 0; i < iters; i++)
        sink += (uintptr_t)est_best_quant(&sc->in);
    double t3 = now_us();
    est_estimate(&sc->in, &r);
    for (int i = 0; i < iters; i++) {
        fix_plan_build(&sc->in, &r, &names, &plan);
        sink += plan.count;
    }
    double t4 = now_us();
    printf("%-40s estimate %7.2f us  max_context %7.2f us  best_quant %7.2f us  plan %8.2f us\n",
           sc->name, (t1 - t0) / iters, (t2 - t1) / iters, (t3 - t2) / iters, (t4 - t3) / iters);
    (void)sink;
}

int main(int argc, char **argv)
{
    int iters = argc > 1 ? atoi(argv[1]) : 2000;
    if (iters <= 0)
        iters = 2000;
    const struct est_device rtx4090 = {EST_DEVICE_GPU, EST_BACKEND_CUDA, 24, 1008, 64, 1, 330, 0};
    const struct est_device rtx3060 = {EST_DEVICE_GPU, EST_BACKEND_CUDA, 12, 360, 32, 1, 51, 0};
    const struct est_device m1max = {EST_DEVICE_UNIFIED, EST_BACKEND_METAL, 32, 400, 32, 1, 10.4, 0};
    struct scenario sc[4];
    memset(sc, 0, sizeof sc);
    sc[0].name = "llama-3.1-8b Q4_K_M 8k RTX 4090";
    sc[0].in.model = llama8();
    sc[0].in.quant = est_quant_find("Q4_K_M");
    sc[0].in.context = 8192;
    sc[0].in.device = rtx4090;
    sc[1].name = "llama-3.1-8b default ctx RTX 3060";
    sc[1].in.model = llama8();
    sc[1].in.device = rtx3060;
    sc[2].name = "qwen3-30b-a3b Q4_K_M 32k RTX 3060";
    sc[2].in.model = qwen3_moe();
    sc[2].in.quant = est_quant_find("Q4_K_M");
    sc[2].in.context = 32768;
    sc[2].in.device = rtx3060;
    sc[3].name = "llama-3.1-8b mlx-8bit 32k M1 Max";
    sc[3].in.model = llama8();
    sc[3].in.quant = est_quant_find("mlx-8bit");
    sc[3].in.context = 32768;
    sc[3].in.device = m1max;
    sc[3].in.runtime = EST_RUNTIME_MLX;
    sc[3].in.os = EST_OS_MACOS;
    for (size_t i = 0; i < sizeof sc / sizeof sc[0]; i++) {
        if (sc[i].in.runtime != EST_RUNTIME_MLX)
            sc[i].in.os = EST_OS_LINUX;
        sc[i].in.flash_attention = EST_AUTO;
        run(&sc[i], iters);
    }
    return 0;
}

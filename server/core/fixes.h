/* fixes.h: the ordered fix plan for a /check answer, and the knowledge-base
** page a user would hit. Pure: uses the estimator to re-estimate every step;
** no I/O, no allocation, no globals. snprintf is allowed (commands carry
** numbers). Every command string is a real, current command for the chosen
** runtime and platform; each template carries its source in fixes.c.
*/
#ifndef WIR_FIXES_H
#define WIR_FIXES_H

#include "estimator.h"

#define FIX_MAX_STEPS 10
#define FIX_TITLE_MAX 160
#define FIX_WHY_MAX 1024
#define FIX_COMMAND_MAX 768

/* Names the commands need that are not part of the architecture. */
struct fix_names {
    const char *model_id;   /* catalog id, e.g. "qwen2.5-32b-instruct" */
    const char *hf_repo;    /* "Qwen/Qwen2.5-32B-Instruct"; NULL for inline models */
    const char *ollama_tag; /* the default build, "qwen2.5:32b"; NULL when unknown.
                               Never used to spell a quant's tag. */
    /* The Ollama library tag of one quant build, "{quant}" standing for the
    ** quant as the library spells it: "mixtral:8x7b-instruct-v0.1-{quant}",
    ** "qwen3:8b-{quant}". NULL when the library has no per-quant tags for
    ** the model (then no Ollama pull is offered). */
    const char *ollama_quant_tag;
    /* The quants the library publishes under that tag, its spelling,
    ** space-separated: "q4_K_M q8_0 fp16". Only these are ever pulled;
    ** NULL or "" = none. */
    const char *ollama_quants;
    /* The Hugging Face repository with GGUF files of exactly this model
    ** ("Qwen/Qwen2.5-32B-Instruct-GGUF", "bartowski/Meta-Llama-3.1-8B-
    ** Instruct-GGUF"), used by llama.cpp -hf and lms get. NULL when none is
    ** known: llama.cpp then runs a local file converted from hf_repo, and
    ** LM Studio is offered no download. */
    const char *gguf_repo;
    /* The quants that repository holds, canonical ids space-separated:
    ** "Q4_K_M Q8_0 bf16". Only these are ever named with gguf_repo. */
    const char *gguf_quants;
};

struct fix_step {
    unsigned step;                   /* 1-based, in order */
    char title[FIX_TITLE_MAX];
    char why[FIX_WHY_MAX];
    char command[FIX_COMMAND_MAX];   /* may hold several lines separated by '\n' */
    enum est_verdict verdict_after;  /* after this step and every step before it */
    uint64_t total_bytes_after;
};

struct fix_plan {
    size_t count;
    struct fix_step steps[FIX_MAX_STEPS];
};

/* Build the plan for a configuration already estimated as *res. Empty plan
** (count 0) when res->verdict is EST_RUNS. Steps go biggest and cheapest win
** first; each one re-estimated cumulatively. Returns 0, or -1 when a command
** would not fit its buffer (a bug, never truncated output). */
int fix_plan_build(const struct est_input *in, const struct est_result *res,
                   const struct fix_names *names, struct fix_plan *out);

/* The id of the knowledge-base page the user would hit with this
** configuration (e.g. "metal-allocator-oom"), or NULL when it runs.
** Static string. */
const char *fix_error_id(const struct est_input *in, const struct est_result *res);

#endif

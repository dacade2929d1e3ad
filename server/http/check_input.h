/* check_input.h: the /check request, parsed and validated from a JSON body
** (POST) or a query string (GET) into one normalized struct. It names fields,
** fills defaults and checks ranges and combinations; it never runs the
** estimator and never touches MHD.
*/
#ifndef WIR_CHECK_INPUT_H
#define WIR_CHECK_INPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/estimator.h"
#include "../store/catalog.h"
#include "problem.h"
#include "request.h"

/* Limits of the request fields (see check_input.c for the reasons). */
#define CHECK_BATCH_MAX 256u
#define CHECK_GPU_COUNT_MAX 16u
#define CHECK_OS_VERSION_MAX 16
/* llama.cpp's physical batch (-ub, --ubatch-size): default 512 (common/common.h
** n_ubatch; tools/server/README.md "-ub, --ubatch-size N ... (default: 512)").
** Ollama passes num_batch (default 512) as both -b and -ub (llm/llama_server.go).
** The estimator sizes up to 65,536 (ESTIMATOR_UBATCH_MAX). */
#define CHECK_UBATCH_DEFAULT 512u
#define CHECK_UBATCH_MAX 65536u
/* --n-cpu-moe N counts layers; no model has more than the inline-model cap of
** 1,024 layers, and the model's own layer count is checked once it is known. */
#define CHECK_N_CPU_MOE_MAX 1024u
/* One --tensor-split proportion: llama.cpp normalizes the list to sum 1
** (llama-model.cpp, splits[i] /= split_sum), so only ratios matter; 10^6
** leaves room for proportions written in MiB of VRAM. */
#define CHECK_TENSOR_SPLIT_VALUE_MAX 1000000.0
/* System RAM assumed for offload when the hardware has no figure (GiB). */
#define CHECK_ASSUMED_SYSTEM_RAM_GIB 32.0

/* The normalized /check request. Every default is filled in and every id is
** resolved; `est` is ready for est_estimate(). Catalog pointers are borrowed
** from the catalog passed to the parser and stay valid until catalog_free. */
struct check_input {
    struct est_input est; /* what gets sized (quant never NULL) */

    const struct catalog_model *model; /* NULL for an inline model */
    char model_id[CATALOG_ID_MAX];     /* catalog id, or "inline" */
    char model_name[128];              /* display name for the summary */

    const struct catalog_hardware *hardware; /* NULL for inline hardware */
    char hardware_id[CATALOG_ID_MAX];        /* catalog id, or "inline" */
    char hardware_name[128];                 /* catalog/inline name, else "card", "Mac", ... */
    bool hardware_is_apple;                  /* Apple Silicon (Metal) device */

    const struct catalog_quant *quant; /* catalog row, or NULL if the catalog lacks it */
    char quant_id[32];                 /* canonical spelling, e.g. "Q4_K_M" */
    bool quant_defaulted;              /* caller named no quant */

    bool context_given;                    /* false: est.context = 0 (runtime default) */
    uint32_t gpu_count;                    /* = est.device.count */
    bool os_defaulted;                     /* os came from the hardware */
    char os_version[CHECK_OS_VERSION_MAX]; /* "15.5" as given; "" = current */
    bool system_ram_assumed;               /* no RAM figure: CHECK_ASSUMED_SYSTEM_RAM_GIB used */
    bool llamacpp_engine;    /* the model runs in a llama.cpp engine (llama.cpp, Ollama,
                             ** LM Studio with a GGUF quant): ubatch, tensor_split apply */
    bool tensor_split_given; /* est.tensor_split holds gpu_count proportions */
};

/* Parse a POST /check body (borrowed; must be a JSON object) against the
** catalog (borrowed). Fields must have their exact JSON types: integers are
** JSON integers (4096.0 is refused), booleans are true/false, ids strings;
** `model` and `hardware` may also be inline objects. null means "use the
** default" for optional fields. Unknown fields are refused with a "did you
** mean" hint.
** Returns 0 and fills *out, or -1 after recording every problem found into
** *pb: kind INVALID_PARAMS (400) with one invalid_params entry per field, or
** UNKNOWN_ID (404, detail names the field and the id, suggestions filled)
** when the only problems are ids absent from the catalog. *out is undefined
** on -1. Thread-safe (reads the catalog only). */
int check_input_from_json(const json_t *body, const struct catalog *cat, struct check_input *out,
                          struct problem *pb);

/* Parse GET /check query arguments (borrowed) into the same struct, by the
** same rules: scalars only, `model` and `hardware` as ids, numbers parsed
** strictly (no spaces, signs or leading zeros), booleans true/false/1/0.
** A key without a value, a repeated key, an unknown key, or more than
** QUERY_MAX_ARGS arguments is a 400. Same return contract as
** check_input_from_json. */
int check_input_from_query(const struct query_list *q, const struct catalog *cat,
                           struct check_input *out, struct problem *pb);

#endif

/* fixes_internal.h: what fixes.c and fixes_commands.c share (the command template table and its expander); not a public API, used only inside server/core and the fix planner's unit tests.
**
** Pure: no I/O, no allocation, no globals.
*/
#ifndef WIR_FIXES_INTERNAL_H
#define WIR_FIXES_INTERNAL_H

#include "estimator.h"

#include <stddef.h>

/* What a command template does. */
enum fix_cmd {
    FIX_CMD_QUANT = 0,    /* get or make the smaller quant */
    FIX_CMD_SERVE,        /* run the model (llama.cpp, vLLM, LM Studio, MLX generate) */
    FIX_CMD_ARG_CONTEXT,  /* argument fragment: context cap */
    FIX_CMD_ARG_KV,       /* argument fragment: quantized KV cache */
    FIX_CMD_ARG_LAYERS,   /* argument fragment: layers on the GPU */
    FIX_CMD_ENV_CONTEXT,  /* environment fragment (Ollama): context */
    FIX_CMD_ENV_KV,       /* environment fragment (Ollama): KV cache type */
    FIX_CMD_ENV_SERVE,    /* Ollama server start with the environment */
    FIX_CMD_SET_LAYERS,   /* Ollama REPL: layers on the GPU */
    FIX_CMD_CEILING,      /* raise the macOS GPU ceiling */
    FIX_CMD_CEILING_MLX,  /* the same limit inside MLX (Python) */
    FIX_CMD_HOGS,         /* list the biggest memory users */
    FIX_CMD_ALT_LLAMACPP, /* run the model with llama.cpp instead */
    FIX_CMD_ARG_CPU_MOE,  /* argument fragment: MoE experts of the first N layers in RAM */
    FIX_CMD_ARG_SPLIT,    /* argument fragment: layer split over the GPUs */
    FIX_CMD_ARG_UBATCH,   /* argument fragment: physical batch size */
    FIX_CMD_COUNT
};

/* Any runtime / OS / backend in a row. */
#define FIX_ANY (-1)

/* Variant of a row when the same command has more than one form. */
enum fix_variant {
    FIX_VAR_DEFAULT = 0,
    FIX_VAR_NO_REPO,    /* no Hugging Face repository known (inline model) */
    FIX_VAR_OLD_MACOS,  /* macOS 13 (Ventura) sysctl name */
};

/* One command template. Slots are "{name}"; see fix_expand. */
struct fix_command_row {
    enum fix_cmd cmd;
    int runtime;  /* enum est_runtime or FIX_ANY */
    int os;       /* enum est_os or FIX_ANY */
    int backend;  /* enum est_backend or FIX_ANY */
    enum fix_variant variant;
    const char *text;
};

/* The template for (cmd, runtime, os, backend, variant): the first matching
** row of the table, where FIX_ANY matches everything; NULL when none. */
const char *fix_command_template(enum fix_cmd cmd, enum est_runtime rt, enum est_os os,
                                 enum est_backend b, enum fix_variant variant);

/* Rows of the table, for tests that check every row (NULL past the end). */
const struct fix_command_row *fix_command_row_at(size_t i);

/* One slot value for fix_expand. */
struct fix_slot {
    const char *name;  /* without braces */
    const char *value;
};

/* Expand "{name}" slots of tmpl into out (cap bytes incl. NUL) from slots[n].
** 0 on success; -1 when out is too small or a slot is unknown (never a
** truncated or half-filled command). */
int fix_expand(const char *tmpl, const struct fix_slot *slots, size_t n, char *out, size_t cap);

#endif

/* catalog.h: the read-only catalog (models, hardware, quants) and the
** knowledge base (error pages), loaded once from the database at startup and
** held in memory for the life of the daemon.
**
** Thread rules: catalog_load() runs before the daemon starts; afterwards the
** catalog is never modified, so any thread may read it without locks. The
** json_t documents are shared: callers may json_incref them (jansson 2.14
** refcounts atomically) or json_deep_copy them, never modify them.
*/
#ifndef WIR_CATALOG_H
#define WIR_CATALOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/estimator.h"

#define CATALOG_ID_MAX 96

struct catalog_model {
    char id[CATALOG_ID_MAX];       /* lowercase slug */
    char name[128];
    char hf_repo[128];             /* "Qwen/Qwen2.5-32B-Instruct" */
    char family[64];
    char ollama_tag[64];           /* "" when none */
    /* Ollama library tag per quant: "{quant}" stands for the quant as the
    ** library spells it, e.g. "qwen3:8b-{quant}"; "" when the library has no
    ** per-quant tags for the model. */
    char ollama_quant_tag[96];
    /* The quants the library publishes under that tag, in its spelling,
    ** space-separated: "q4_K_M q8_0 fp16"; "" when none. */
    char ollama_quants[128];
    /* The Hugging Face repository holding GGUF files of exactly this model,
    ** which llama.cpp -hf and LM Studio can download: "owner/name", e.g.
    ** "Qwen/Qwen2.5-32B-Instruct-GGUF"; "" when none is catalogued. */
    char gguf_repo[128];
    /* The quants that repository holds, canonical ids, space-separated:
    ** "Q4_K_M Q8_0 bf16"; "" when none. */
    char gguf_quants[256];
    struct est_model arch;
    json_t *doc;                   /* owned by the catalog: the API object */
};

struct catalog_hardware {
    char id[CATALOG_ID_MAX];
    char name[128];
    char vendor[32];               /* as stored, e.g. "NVIDIA", "Apple" */
    enum est_device_kind kind;
    enum est_backend backend;      /* primary backend */
    unsigned backends;             /* bit set: 1u << enum est_backend */
    enum est_os default_os;
    double memory_gb;              /* vendor figure, binary (GiB) */
    double bandwidth_gbs;          /* 0 = unknown */
    double system_ram_gb;          /* unified: = memory_gb; otherwise 0 = unknown */
    double compute_tflops;         /* dense FP16 tensor TFLOPS; 0 = unknown */
    json_t *doc;                   /* owned by the catalog */
};

struct catalog_quant {
    char id[32];                   /* canonical spelling, "Q4_K_M" */
    const struct est_quant *est;   /* the estimator's row (never NULL once loaded) */
    json_t *doc;                   /* owned by the catalog */
};

struct catalog_error_page {
    char id[CATALOG_ID_MAX];
    char title[256];
    char platform[64];
    char severity[16];
    int root_cause_rank;           /* 0 = root cause; higher = a wrapper */
    json_t *doc;                   /* owned by the catalog: the whole page */
};

struct catalog_signature {
    size_t page;                   /* index into errors[] */
    char *text;                    /* owned by the catalog */
};

struct catalog {
    struct catalog_model *models;       size_t n_models;
    struct catalog_hardware *hardware;  size_t n_hardware;
    struct catalog_quant *quants;       size_t n_quants;
    struct catalog_error_page *errors;  size_t n_errors;
    struct catalog_signature *signatures; size_t n_signatures;
    /* the signatures prepared for matcher_match_index() (core/matcher.h),
    ** built once by catalog_load; matcher_storage is the malloc'd block it lives in */
    void *matcher_storage;
    struct matcher_index *matcher_index;
    /* the same ids as arrays of pointers, for text_suggest() */
    const char **model_ids, **hardware_ids, **quant_ids, **error_ids;
    int schema_version;
};

/* Open db_path read-only, check it is migrated to the binary's latest
** version, and copy every row into *out (sorted by id). Returns 0, or -1 with
** a sentence in err (cap errlen). On error *out is left empty (safe to free). */
int catalog_load(const char *db_path, struct catalog *out, char *err, size_t errlen);
void catalog_free(struct catalog *c);

/* Lookups by id, case-insensitive. NULL when absent. Borrowed pointers valid
** until catalog_free. */
const struct catalog_model *catalog_model_find(const struct catalog *c, const char *id);
const struct catalog_hardware *catalog_hardware_find(const struct catalog *c, const char *id);
const struct catalog_quant *catalog_quant_find(const struct catalog *c, const char *id);
const struct catalog_error_page *catalog_error_find(const struct catalog *c, const char *id);

/* Quick health probe for /readyz: the database file opens read-only and its
** schema version equals the binary's. 1 ready, 0 not. */
int catalog_db_ready(const char *db_path);

#endif

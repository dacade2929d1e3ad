/* test_store.c: Check suite for the store: migration runner, seed loader
** and in-memory catalog, against temporary database files. Touches nothing
** outside its own temporary directory.
*/
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/catalog.h"
#include "store/embedded.h"
#include "store/migrate.h"
#include "store/seed.h"

static char tmp_dir[64];
static char db_path[128];
/* The path migrate_and_seed/catalog_load see for a read-only copy. */
static char ro_path[192];

static void setup(void)
{
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/wir-test-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp_dir));
    snprintf(db_path, sizeof db_path, "%s/t.db", tmp_dir);
}

static void teardown(void)
{
    char p[192];
    static const char *const names[] = {"t.db", "t.db-journal", "empty.db", "junk.db"};
    chmod(db_path, 0644);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmp_dir, names[i]);
        unlink(p);
    }
    rmdir(tmp_dir);
}

/* ---- small SQLite helpers for checking what the store wrote ---- */

static void sql_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql, msg);
    sqlite3_free(msg);
    sqlite3_close(db);
}

static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void sql_text(const char *path, const char *sql, char *buf, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void migrate_ok(const char *path)
{
    char err[512] = "";
    int rc = migrate_and_seed(path, err, sizeof err);
    ck_assert_msg(rc == 0, "migrate_and_seed(%s): %s", path, err);
}

/* A read-only view of db_path. Root ignores file modes, so as root use
** SQLite's URI mode=ro (the same read-only connection a read-only mount gives). */
static const char *make_read_only(void)
{
    if (geteuid() != 0) {
        ck_assert_int_eq(chmod(db_path, 0444), 0);
        return db_path;
    }
    snprintf(ro_path, sizeof ro_path, "file:%s?mode=ro", db_path);
    return ro_path;
}

/* ---- migrations ---- */

START_TEST(test_migrate_empty_db_reaches_latest)
{
    char hash[80], mode[16];
    int latest = migrate_latest_version();
    ck_assert_int_ge(latest, 1);
    migrate_ok(db_path);
    ck_assert_int_eq(sql_int(db_path, "SELECT max(version) FROM schema_migrations"), latest);
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM schema_migrations"), latest);
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM schema_migrations WHERE version = 1"
                                      " AND name = '0001_init.sql'"),
                     1);
    sql_text(db_path, "SELECT content_hash FROM seed_state WHERE name = 'catalog'", hash,
             sizeof hash);
    ck_assert_str_eq(hash, embedded_seed_hash);
    ck_assert_int_gt(sql_int(db_path, "SELECT count(*) FROM hardware"), 0);
    ck_assert_int_gt(sql_int(db_path, "SELECT count(*) FROM model"), 0);
    ck_assert_int_gt(sql_int(db_path, "SELECT count(*) FROM quant"), 0);
    ck_assert_int_gt(sql_int(db_path, "SELECT count(*) FROM error_page"), 0);
    ck_assert_int_ge(sql_int(db_path, "SELECT count(*) FROM error_signature"),
                     sql_int(db_path, "SELECT count(*) FROM error_page"));
    /* Rollback journal, not WAL: the file is later opened read-only. */
    sql_text(db_path, "PRAGMA journal_mode", mode, sizeof mode);
    ck_assert_str_eq(mode, "delete");
}
END_TEST

START_TEST(test_migrate_rerun_is_noop)
{
    char applied[64], applied2[64], loaded[64];
    migrate_ok(db_path);
    sql_text(db_path, "SELECT applied_at FROM schema_migrations WHERE version = 1", applied,
             sizeof applied);
    /* Mark the seed row: a reload would overwrite loaded_at. */
    sql_exec(db_path, "UPDATE seed_state SET loaded_at = 'marker' WHERE name = 'catalog'");
    long long migrations = sql_int(db_path, "SELECT count(*) FROM schema_migrations");
    long long models = sql_int(db_path, "SELECT count(*) FROM model");

    migrate_ok(db_path);
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM schema_migrations"), migrations);
    sql_text(db_path, "SELECT applied_at FROM schema_migrations WHERE version = 1", applied2,
             sizeof applied2);
    ck_assert_str_eq(applied2, applied);
    sql_text(db_path, "SELECT loaded_at FROM seed_state WHERE name = 'catalog'", loaded,
             sizeof loaded);
    ck_assert_str_eq(loaded, "marker");
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM model"), models);
}
END_TEST

START_TEST(test_migrate_reloads_seed_when_hash_differs)
{
    char hash[80];
    migrate_ok(db_path);
    long long models = sql_int(db_path, "SELECT count(*) FROM model");
    sql_exec(db_path, "UPDATE seed_state SET content_hash = 'stale';"
                      " DELETE FROM model WHERE id = 'llama-3.1-8b-instruct'");
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM model"), models - 1);

    migrate_ok(db_path);
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM model"), models);
    sql_text(db_path, "SELECT content_hash FROM seed_state WHERE name = 'catalog'", hash,
             sizeof hash);
    ck_assert_str_eq(hash, embedded_seed_hash);
}
END_TEST

START_TEST(test_migrate_refuses_newer_database)
{
    char err[512] = "", expect[256];
    migrate_ok(db_path);
    sql_exec(db_path, "INSERT INTO schema_migrations (version, name, applied_at)"
                      " VALUES (999, '0999_future.sql', '2030-01-01T00:00:00Z')");
    ck_assert_int_eq(migrate_and_seed(db_path, err, sizeof err), -1);
    snprintf(expect, sizeof expect,
             "database schema version 999 is newer than this willitrun (knows up to %d);"
             " use a newer binary or another --db",
             migrate_latest_version());
    ck_assert_str_eq(err, expect);
    /* Nothing was touched. */
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM schema_migrations"),
                     migrate_latest_version() + 1);
    ck_assert_int_eq(catalog_db_ready(db_path), 0);
}
END_TEST

START_TEST(test_migrate_read_only_current_db_succeeds)
{
    char err[512] = "";
    migrate_ok(db_path);
    const char *ro = make_read_only();
    ck_assert_msg(migrate_and_seed(ro, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(catalog_db_ready(ro), 1);
}
END_TEST

START_TEST(test_migrate_read_only_outdated_db_fails)
{
    char err[512] = "";
    sqlite3 *db = NULL;
    /* An empty database file (schema version 0). */
    ck_assert_int_eq(
        sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE unrelated (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    const char *ro = make_read_only();
    ck_assert_int_eq(migrate_and_seed(ro, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "read-only") && strstr(err, "schema version 0"), "%s", err);
}
END_TEST

START_TEST(test_migrate_missing_dir_fails_clearly)
{
    char err[512] = "", path[192];
    snprintf(path, sizeof path, "%s/no/such/dir/t.db", tmp_dir);
    ck_assert_int_eq(migrate_and_seed(path, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot open database") && strstr(err, path), "%s", err);
}
END_TEST

/* ---- catalog ---- */

START_TEST(test_catalog_load_finds_seeded_rows)
{
    struct catalog c;
    char err[512] = "";
    migrate_ok(db_path);
    ck_assert_msg(catalog_load(db_path, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(c.schema_version, migrate_latest_version());

    const struct catalog_hardware *gpu = catalog_hardware_find(&c, "nvidia-rtx-4090");
    ck_assert_ptr_nonnull(gpu);
    ck_assert_str_eq(gpu->id, "nvidia-rtx-4090");
    ck_assert_int_eq(gpu->kind, EST_DEVICE_GPU);
    ck_assert_int_eq(gpu->backend, EST_BACKEND_CUDA);
    ck_assert(gpu->backends & (1u << EST_BACKEND_CUDA));
    ck_assert(gpu->memory_gb == 24.0);
    ck_assert_ptr_nonnull(gpu->doc);
    ck_assert_str_eq(json_string_value(json_object_get(gpu->doc, "id")), "nvidia-rtx-4090");

    const struct catalog_hardware *mac = catalog_hardware_find(&c, "apple-m1-max-32gb");
    ck_assert_ptr_nonnull(mac);
    ck_assert_int_eq(mac->kind, EST_DEVICE_UNIFIED);
    ck_assert_int_eq(mac->backend, EST_BACKEND_METAL);
    ck_assert_int_eq(mac->default_os, EST_OS_MACOS);
    ck_assert(mac->memory_gb == 32.0);
    ck_assert(mac->system_ram_gb == mac->memory_gb);

    const struct catalog_model *qwen = catalog_model_find(&c, "qwen2.5-32b-instruct");
    ck_assert_ptr_nonnull(qwen);
    ck_assert_uint_eq(qwen->arch.num_hidden_layers, 64);
    ck_assert_uint_eq(qwen->arch.hidden_size, 5120);
    ck_assert_uint_eq(qwen->arch.num_attention_heads, 40);
    ck_assert_uint_eq(qwen->arch.num_key_value_heads, 8);
    ck_assert_uint_eq(qwen->arch.head_dim, 128);
    ck_assert_uint_eq(qwen->arch.max_position_embeddings, 32768);
    ck_assert(qwen->arch.params > 30000000000ull && qwen->arch.params < 35000000000ull);
    ck_assert_str_eq(qwen->hf_repo, "Qwen/Qwen2.5-32B-Instruct");

    const struct catalog_model *llama = catalog_model_find(&c, "llama-3.1-8b-instruct");
    ck_assert_ptr_nonnull(llama);
    ck_assert_uint_eq(llama->arch.num_hidden_layers, 32);
    ck_assert_uint_eq(llama->arch.num_key_value_heads, 8);
    ck_assert_uint_eq(llama->arch.vocab_size, 128256);
    ck_assert(!llama->arch.tie_word_embeddings);

    /* Ollama library tags per quant (seed ollama_quant_tag / ollama_quants). */
    const struct catalog_model *mixtral = catalog_model_find(&c, "mixtral-8x7b-instruct-v0.1");
    ck_assert_ptr_nonnull(mixtral);
    ck_assert_str_eq(mixtral->ollama_quant_tag, "mixtral:8x7b-instruct-v0.1-{quant}");
    ck_assert_str_eq(mixtral->ollama_quants, "q2_K q3_K_S q3_K_M q3_K_L q4_0 q4_1 q4_K_S q4_K_M "
                                             "q5_0 q5_1 q5_K_S q5_K_M q6_K q8_0 fp16");
    const struct catalog_model *qwen3 = catalog_model_find(&c, "qwen3-8b");
    ck_assert_ptr_nonnull(qwen3);
    ck_assert_str_eq(qwen3->ollama_quant_tag, "qwen3:8b-{quant}");
    ck_assert_str_eq(qwen3->ollama_quants, "q4_K_M q8_0 fp16");
    const struct catalog_model *oss = catalog_model_find(&c, "gpt-oss-20b");
    ck_assert_ptr_nonnull(oss);
    ck_assert_str_eq(oss->ollama_tag, "gpt-oss:20b");
    ck_assert_str_eq(oss->ollama_quant_tag, "");
    ck_assert_str_eq(oss->ollama_quants, "");
    /* Every catalogued model says which way: a template with its list, or neither. */
    for (size_t i = 0; i < c.n_models; i++) {
        ck_assert_ptr_nonnull(json_object_get(c.models[i].doc, "ollama_quant_tag"));
        ck_assert_msg((c.models[i].ollama_quant_tag[0] != '\0') ==
                          (c.models[i].ollama_quants[0] != '\0'),
                      "%s", c.models[i].id);
    }

    /* GGUF repositories (seed gguf_repo / gguf_quants): the official one,
    ** a quantizer's for a model whose author publishes none, or none. */
    const struct catalog_model *qwen32 = catalog_model_find(&c, "qwen2.5-32b-instruct");
    ck_assert_ptr_nonnull(qwen32);
    ck_assert_str_eq(qwen32->gguf_repo, "Qwen/Qwen2.5-32B-Instruct-GGUF");
    ck_assert_str_eq(qwen32->gguf_quants, "Q3_K_M Q4_K_M Q5_K_M");
    ck_assert_str_eq(qwen3->gguf_repo, "Qwen/Qwen3-8B-GGUF");
    ck_assert_str_eq(qwen3->gguf_quants, "Q4_K_M Q8_0");
    const struct catalog_model *llama8 = catalog_model_find(&c, "llama-3.1-8b-instruct");
    ck_assert_ptr_nonnull(llama8);
    ck_assert_str_eq(llama8->gguf_repo, "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF");
    /* gpt-oss: ggml-org's one MXFP4 file, and the MXFP4 experts reach the
    ** estimator's model record; models without the field stay false */
    ck_assert_str_eq(oss->gguf_repo, "ggml-org/gpt-oss-20b-GGUF");
    ck_assert_str_eq(oss->gguf_quants, "MXFP4_MOE");
    ck_assert(oss->arch.experts_mxfp4);
    const struct catalog_model *oss120 = catalog_model_find(&c, "gpt-oss-120b");
    ck_assert_ptr_nonnull(oss120);
    ck_assert(oss120->arch.experts_mxfp4);
    ck_assert_str_eq(oss120->gguf_repo, "ggml-org/gpt-oss-120b-GGUF");
    ck_assert(!qwen3->arch.experts_mxfp4);
    ck_assert(!mixtral->arch.experts_mxfp4);
    ck_assert_str_eq(mixtral->gguf_repo, "TheBloke/Mixtral-8x7B-Instruct-v0.1-GGUF");
    ck_assert(json_is_true(json_object_get(oss->doc, "experts_mxfp4")));
    ck_assert_ptr_nonnull(catalog_quant_find(&c, "mxfp4_moe"));
    for (size_t i = 0; i < c.n_models; i++) {
        ck_assert_ptr_nonnull(json_object_get(c.models[i].doc, "gguf_repo"));
        ck_assert_msg((c.models[i].gguf_repo[0] != '\0') == (c.models[i].gguf_quants[0] != '\0'),
                      "%s", c.models[i].id);
        /* Never the guessed "<hf_repo>-GGUF" of an author who publishes none. */
        ck_assert_msg(strncmp(c.models[i].gguf_repo, "meta-llama/", 11) != 0 &&
                          strncmp(c.models[i].gguf_repo, "mistralai/", 10) != 0 &&
                          strncmp(c.models[i].gguf_repo, "openai/", 7) != 0,
                      "%s: %s", c.models[i].id, c.models[i].gguf_repo);
    }

    const struct catalog_quant *q = catalog_quant_find(&c, "Q4_K_M");
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(q->id, "Q4_K_M");
    ck_assert_ptr_nonnull(q->est);
    ck_assert_ptr_eq(q->est, est_quant_find("Q4_K_M"));

    const struct catalog_error_page *page = catalog_error_find(&c, "metal-allocator-oom");
    ck_assert_ptr_nonnull(page);
    ck_assert_int_eq(page->root_cause_rank, 0);
    ck_assert_ptr_nonnull(page->doc);
    size_t page_index = (size_t)(page - c.errors), n_sigs = 0;
    const char *main_sig = json_string_value(json_object_get(page->doc, "signature"));
    int has_main = 0;
    for (size_t i = 0; i < c.n_signatures; i++) {
        ck_assert_uint_lt(c.signatures[i].page, c.n_errors);
        if (c.signatures[i].page == page_index) {
            n_sigs++;
            has_main |= strcmp(c.signatures[i].text, main_sig) == 0;
        }
    }
    ck_assert_uint_ge(n_sigs, 1);
    ck_assert(has_main);
    catalog_free(&c);
}
END_TEST

START_TEST(test_catalog_rows_sorted_with_id_arrays)
{
    struct catalog c;
    char err[512] = "";
    migrate_ok(db_path);
    ck_assert_msg(catalog_load(db_path, &c, err, sizeof err) == 0, "%s", err);
    for (size_t i = 0; i < c.n_hardware; i++) {
        ck_assert_ptr_eq(c.hardware_ids[i], c.hardware[i].id);
        if (i > 0)
            ck_assert_int_lt(strcmp(c.hardware[i - 1].id, c.hardware[i].id), 0);
        /* Every row is reachable by its own id. */
        ck_assert_ptr_eq(catalog_hardware_find(&c, c.hardware[i].id), &c.hardware[i]);
    }
    for (size_t i = 0; i < c.n_models; i++) {
        ck_assert_ptr_eq(c.model_ids[i], c.models[i].id);
        ck_assert_ptr_eq(catalog_model_find(&c, c.models[i].id), &c.models[i]);
    }
    for (size_t i = 0; i < c.n_quants; i++) {
        ck_assert_ptr_eq(c.quant_ids[i], c.quants[i].id);
        ck_assert_ptr_eq(catalog_quant_find(&c, c.quants[i].id), &c.quants[i]);
        ck_assert_ptr_nonnull(c.quants[i].est);
    }
    for (size_t i = 0; i < c.n_errors; i++) {
        ck_assert_ptr_eq(c.error_ids[i], c.errors[i].id);
        ck_assert_ptr_eq(catalog_error_find(&c, c.errors[i].id), &c.errors[i]);
    }
    catalog_free(&c);
    /* catalog_free leaves an empty catalog that is safe to free again. */
    ck_assert_ptr_null(c.models);
    ck_assert_uint_eq(c.n_models, 0);
    catalog_free(&c);
}
END_TEST

START_TEST(test_catalog_lookup_case_insensitive)
{
    struct catalog c;
    char err[512] = "";
    migrate_ok(db_path);
    ck_assert_msg(catalog_load(db_path, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_eq(catalog_hardware_find(&c, "NVIDIA-RTX-4090"),
                     catalog_hardware_find(&c, "nvidia-rtx-4090"));
    ck_assert_ptr_nonnull(catalog_hardware_find(&c, "NVIDIA-RTX-4090"));
    ck_assert_ptr_nonnull(catalog_model_find(&c, "Qwen2.5-32B-Instruct"));
    ck_assert_ptr_nonnull(catalog_error_find(&c, "Metal-Allocator-OOM"));
    const struct catalog_quant *q = catalog_quant_find(&c, "q4_k_m");
    ck_assert_ptr_nonnull(q);
    ck_assert_str_eq(q->id, "Q4_K_M");
    /* Unknown and malformed ids are absent, never a crash. */
    ck_assert_ptr_null(catalog_hardware_find(&c, "nvidia-rtx-9999"));
    ck_assert_ptr_null(catalog_hardware_find(&c, ""));
    ck_assert_ptr_null(catalog_hardware_find(&c, "../etc/passwd"));
    ck_assert_ptr_null(catalog_model_find(&c, NULL));
    ck_assert_ptr_null(catalog_quant_find(&c, "Q4_K_X"));
    catalog_free(&c);
}
END_TEST

START_TEST(test_catalog_quant_alias_resolves)
{
    struct catalog c;
    char err[512] = "";
    migrate_ok(db_path);
    ck_assert_msg(catalog_load(db_path, &c, err, sizeof err) == 0, "%s", err);
    const struct catalog_quant *fp16 = catalog_quant_find(&c, "fp16");
    if (fp16) /* aliases resolve to the canonical row (F16 -> fp16) */
        ck_assert_ptr_eq(catalog_quant_find(&c, "F16"), fp16);
    else
        ck_assert_ptr_null(catalog_quant_find(&c, "F16"));
    catalog_free(&c);
}
END_TEST

START_TEST(test_catalog_load_read_only_db)
{
    struct catalog c;
    char err[512] = "";
    migrate_ok(db_path);
    const char *ro = make_read_only();
    ck_assert_msg(catalog_load(ro, &c, err, sizeof err) == 0, "%s", err);
    ck_assert_ptr_nonnull(catalog_hardware_find(&c, "apple-m1-max-32gb"));
    catalog_free(&c);
}
END_TEST

START_TEST(test_catalog_load_refuses_unmigrated_db)
{
    struct catalog c;
    char err[512] = "", path[192];
    /* Missing file. */
    ck_assert_int_eq(catalog_load(db_path, &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "cannot open database"), "%s", err);
    ck_assert_uint_eq(c.n_models, 0);
    ck_assert_ptr_null(c.models);
    /* A database file that was never migrated (schema version 0). */
    snprintf(path, sizeof path, "%s/empty.db", tmp_dir);
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE unrelated (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    ck_assert_int_eq(catalog_load(path, &c, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "schema version 0"), "%s", err);
    ck_assert_ptr_null(c.hardware);
    catalog_free(&c);
}
END_TEST

START_TEST(test_catalog_db_ready_reports_state)
{
    char path[192];
    FILE *f;
    /* Missing file. */
    ck_assert_int_eq(catalog_db_ready(db_path), 0);
    /* Not a database. */
    snprintf(path, sizeof path, "%s/junk.db", tmp_dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("this is not an SQLite database file, just some text of a reasonable size\n", f);
    fclose(f);
    ck_assert_int_eq(catalog_db_ready(path), 0);
    /* Migrated. */
    migrate_ok(db_path);
    ck_assert_int_eq(catalog_db_ready(db_path), 1);
    /* A schema version this binary does not know. */
    sql_exec(db_path, "INSERT INTO schema_migrations VALUES (999, '0999_x.sql', 'now')");
    ck_assert_int_eq(catalog_db_ready(db_path), 0);
}
END_TEST

/* ---- seed validation ---- */

#define HW_ROW(extra)                                                                              \
    "{\"id\":\"test-gpu\",\"vendor\":\"Test\",\"name\":\"Test GPU\",\"kind\":\"gpu\","             \
    "\"memory_gb\":8,\"bandwidth_gbs\":null,\"backends\":[\"cuda\"],\"default_os\":\"linux\","     \
    "\"source\":\"a datasheet\"" extra "}"
#define HW_FILE(row) "{\"items\":[" row "]}"
#define HW_DATE ",\"last_verified\":\"2026-01-31\""
#define MODEL_ROW(extra)                                                                           \
    "{\"id\":\"test-model\",\"name\":\"Test\",\"hf_repo\":\"t/Test\",\"family\":\"t\","            \
    "\"architecture\":\"LlamaForCausalLM\",\"params\":1000,\"num_hidden_layers\":2,"               \
    "\"hidden_size\":64,\"num_attention_heads\":4,\"num_key_value_heads\":2,"                      \
    "\"head_dim\":16,\"intermediate_size\":128,\"vocab_size\":100,"                                \
    "\"tie_word_embeddings\":true,\"max_position_embeddings\":2048,\"source\":\"config\","         \
    "\"last_verified\":\"2026-01-31\"" extra "}"
#define QUANT_ROW(id, extra)                                                                       \
    "{\"id\":\"" id "\",\"format\":\"gguf\",\"bits_per_weight\":4.5,"                              \
    "\"runtimes\":[\"llama.cpp\"],\"quality_rank\":5,\"description\":\"d\",\"source\":\"s\","      \
    "\"last_verified\":\"2026-01-31\"" extra "}"
#define PAGE(id, severity, extra)                                                                  \
    "{\"id\":\"" id "\",\"title\":\"T\",\"signature\":\"boom\",\"signatures\":[\"boom\"],"         \
    "\"platform\":\"linux\",\"backend\":null,\"runtimes\":[\"vllm\"],\"severity\":\"" severity     \
    "\","                                                                                          \
    "\"causes\":[\"c\"],\"steps\":[{\"step\":1,\"title\":\"t\",\"body\":\"b\","                    \
    "\"command\":null}],\"caveats\":[],\"verified_by\":null,\"last_verified\":\"2026-01-31\","     \
    "\"sources\":[\"s\"],\"root_cause_rank\":0" extra "}"

struct seed_case {
    const char *name;
    const char *file;
    const char *text;
    const char *expect; /* substring of the error; NULL = must load */
};

static const struct seed_case seed_cases[] = {
    {"hardware ok", "hardware.json", HW_FILE(HW_ROW(HW_DATE)), NULL},
    {"compute ok", "hardware.json", HW_FILE(HW_ROW(HW_DATE ",\"compute_tflops\":989")), NULL},
    {"compute null", "hardware.json", HW_FILE(HW_ROW(HW_DATE ",\"compute_tflops\":null")), NULL},
    {"compute zero", "hardware.json", HW_FILE(HW_ROW(HW_DATE ",\"compute_tflops\":0")),
     "compute_tflops must be greater than 0"},
    {"compute negative", "hardware.json", HW_FILE(HW_ROW(HW_DATE ",\"compute_tflops\":-5")),
     "compute_tflops must be greater than 0"},
    {"compute absurd", "hardware.json", HW_FILE(HW_ROW(HW_DATE ",\"compute_tflops\":1e9")),
     "compute_tflops must be from 0 to 100000"},
    {"compute text", "hardware.json", HW_FILE(HW_ROW(HW_DATE ",\"compute_tflops\":\"989\"")),
     "compute_tflops must be a number"},
    {"model ok", "models.json", "{\"items\":[" MODEL_ROW("") "]}", NULL},
    {"quant ok", "quants.json", "{\"items\":[" QUANT_ROW("Q4_K_M", "") "]}", NULL},
    {"page ok", "errors/test-page.json", PAGE("test-page", "low", ",\"related\":[]"), NULL},
    {"uppercase id", "hardware.json",
     HW_FILE("{\"id\":\"Test-GPU\",\"vendor\":\"T\",\"name\":\"T\"}"),
     "seed/hardware.json: id \"Test-GPU\": id must be a lowercase slug"},
    {"duplicate key in row", "hardware.json", HW_FILE(HW_ROW(HW_DATE ",\"kind\":\"cpu\"")),
     "duplicate object key"},
    {"bad kind", "hardware.json",
     HW_FILE("{\"id\":\"x\",\"vendor\":\"T\",\"name\":\"T\",\"kind\":\"discrete-gpu\"}"),
     "seed/hardware.json: id \"x\": kind \"discrete-gpu\" must be gpu, unified or cpu"},
    {"unknown backend", "hardware.json",
     HW_FILE("{\"id\":\"x\",\"vendor\":\"T\",\"name\":\"T\",\"kind\":\"gpu\",\"memory_gb\":8,"
             "\"backends\":[\"sycl\",\"vulkan\"]}"),
     "backends[0] must be one of"},
    {"missing date", "hardware.json", HW_FILE(HW_ROW("")), "last_verified is missing"},
    {"bad date", "hardware.json", HW_FILE(HW_ROW(",\"last_verified\":\"2026-02-30\"")),
     "last_verified must be a date YYYY-MM-DD"},
    {"empty source", "models.json",
     "{\"items\":[{\"id\":\"m\",\"name\":\"n\",\"hf_repo\":\"r\",\"family\":\"f\","
     "\"architecture\":\"a\",\"params\":1,\"num_hidden_layers\":1,\"hidden_size\":1,"
     "\"num_attention_heads\":1,\"num_key_value_heads\":1,\"head_dim\":1,"
     "\"intermediate_size\":1,\"vocab_size\":1,\"tie_word_embeddings\":false,"
     "\"max_position_embeddings\":1,\"source\":\"\",\"last_verified\":\"2026-01-31\"}]}",
     "seed/models.json: id \"m\": source must not be empty"},
    {"duplicate id", "hardware.json", HW_FILE(HW_ROW(HW_DATE) "," HW_ROW(HW_DATE)),
     "id \"test-gpu\" appears twice"},
    {"duplicate key", "hardware.json", "{\"items\":[],\"items\":[]}", "seed/hardware.json: line"},
    {"layers as real", "models.json",
     "{\"items\":[{\"id\":\"m\",\"name\":\"n\",\"hf_repo\":\"r\",\"family\":\"f\","
     "\"architecture\":\"a\",\"params\":1,\"num_hidden_layers\":2.0}]}",
     "num_hidden_layers must be an integer"},
    {"hf alias field", "models.json", "{\"items\":[" MODEL_ROW(",\"num_local_experts\":8") "]}",
     "num_local_experts is not a field of the seed format"},
    {"unknown quant", "quants.json", "{\"items\":[" QUANT_ROW("Q4_K_X", "") "]}",
     "seed/quants.json: id \"Q4_K_X\": id is not a quant the estimator knows"},
    {"quant spelling", "quants.json", "{\"items\":[" QUANT_ROW("q4_k_m", "") "]}",
     "must use the canonical spelling \"Q4_K_M\""},
    {"page in wrong file", "errors/other.json", PAGE("test-page", "low", ",\"related\":[]"),
     "page id \"test-page\" must live in seed/errors/test-page.json"},
    {"related page missing", "errors/test-page.json",
     PAGE("test-page", "low", ",\"related\":[{\"id\":\"no-such-page\",\"title\":\"x\"}]"),
     "related id \"no-such-page\" is not a seed page"},
    {"bad severity", "errors/test-page.json", PAGE("test-page", "critical", ",\"related\":[]"),
     "seed/errors/test-page.json: id \"test-page\": severity \"critical\" must be high, medium or "
     "low"},
    {"ollama quant tag ok", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:1b-instruct-{quant}\","
                              "\"ollama_quants\":[\"q4_K_M\",\"q8_0\",\"fp16\"]") "]}",
     NULL},
    {"ollama quant tag null", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":null,\"ollama_quants\":null") "]}", NULL},
    {"ollama tag without slot", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:1b-q4_K_M\","
                              "\"ollama_quants\":[\"q4_K_M\"]") "]}",
     "id \"test-model\": ollama_quant_tag must contain \"{quant}\" exactly once"},
    {"ollama tag with two slots", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:{quant}-{quant}\","
                              "\"ollama_quants\":[\"q4_K_M\"]") "]}",
     "ollama_quant_tag must contain \"{quant}\" exactly once"},
    {"ollama tag without name", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test-1b-{quant}\","
                              "\"ollama_quants\":[\"q4_K_M\"]") "]}",
     "ollama_quant_tag must be <library name>:<tag>"},
    {"ollama tag shell syntax", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:1b-{quant};id\","
                              "\"ollama_quants\":[\"q4_K_M\"]") "]}",
     "ollama_quant_tag may hold only letters, digits"},
    {"ollama tag too long", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:"
                              "0123456789012345678901234567890123456789"
                              "0123456789012345678901234567890123456789"
                              "0123456789-{quant}\",\"ollama_quants\":[\"q4_K_M\"]") "]}",
     "ollama_quant_tag is longer than 95 bytes"},
    {"ollama quants without tag", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quants\":[\"q4_K_M\"]") "]}",
     "ollama_quants is set but ollama_quant_tag is not"},
    {"ollama tag without quants", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:1b-{quant}\"") "]}",
     "ollama_quants must list the quants the Ollama library publishes"},
    {"ollama quants IQ", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:1b-{quant}\","
                              "\"ollama_quants\":[\"q4_K_M\",\"iq4_XS\"]") "]}",
     "ollama_quants[1] \"iq4_XS\" is not a quant as the Ollama library spells it"},
    {"ollama quants GGUF spelling", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:1b-{quant}\","
                              "\"ollama_quants\":[\"Q4_K_M\"]") "]}",
     "ollama_quants[0] \"Q4_K_M\" is not a quant as the Ollama library spells it"},
    {"ollama quants twice", "models.json",
     "{\"items\":[" MODEL_ROW(",\"ollama_quant_tag\":\"test:1b-{quant}\","
                              "\"ollama_quants\":[\"q8_0\",\"fp16\",\"q8_0\"]") "]}",
     "ollama_quants[2] \"q8_0\" is listed twice"},
    {"gguf repo ok", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"bartowski/Test-1B-Instruct-GGUF\","
                              "\"gguf_quants\":[\"IQ4_XS\",\"Q4_K_M\",\"Q8_0\",\"bf16\"]") "]}",
     NULL},
    {"gguf repo null", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":null,\"gguf_quants\":null") "]}", NULL},
    {"gguf repo without owner", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"Test-1B-GGUF\",\"gguf_quants\":[\"Q4_K_M\"]") "]}",
     "gguf_repo \"Test-1B-GGUF\" is not a Hugging Face repository id \"owner/name\""},
    {"gguf repo with tag", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test-GGUF:Q4_K_M\","
                              "\"gguf_quants\":[\"Q4_K_M\"]") "]}",
     "gguf_repo \"org/Test-GGUF:Q4_K_M\" is not a Hugging Face repository id"},
    {"gguf repo url", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"https://huggingface.co/org/Test-GGUF\","
                              "\"gguf_quants\":[\"Q4_K_M\"]") "]}",
     "is not a Hugging Face repository id"},
    {"gguf repo shell syntax", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test;id\",\"gguf_quants\":[\"Q4_K_M\"]") "]}",
     "is not a Hugging Face repository id"},
    {"gguf quants without repo", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_quants\":[\"Q4_K_M\"]") "]}",
     "gguf_quants is set but gguf_repo is not"},
    {"gguf repo without quants", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test-GGUF\",\"gguf_quants\":[]") "]}",
     "gguf_quants must list the quants gguf_repo holds"},
    {"gguf quants unknown", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test-GGUF\","
                              "\"gguf_quants\":[\"Q4_K_M\",\"Q6_K_L\"]") "]}",
     "gguf_quants[1] \"Q6_K_L\" is not a GGUF quant id as the catalog spells it"},
    {"gguf quants spelling", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test-GGUF\",\"gguf_quants\":[\"q4_k_m\"]") "]}",
     "gguf_quants[0] \"q4_k_m\" is not a GGUF quant id as the catalog spells it"},
    {"gguf quants MLX", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test-GGUF\","
                              "\"gguf_quants\":[\"mlx-4bit\"]") "]}",
     "gguf_quants[0] \"mlx-4bit\" is not a GGUF quant id"},
    {"gguf quants MXFP4_MOE", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test-GGUF\","
                              "\"gguf_quants\":[\"MXFP4_MOE\"]") "]}",
     NULL},
    {"quant MXFP4_MOE ok", "quants.json", "{\"items\":[" QUANT_ROW("MXFP4_MOE", "") "]}", NULL},
    {"experts mxfp4 ok", "models.json",
     "{\"items\":[" MODEL_ROW(",\"num_experts\":4,\"num_experts_per_tok\":2,"
                              "\"moe_intermediate_size\":32,\"experts_mxfp4\":true") "]}",
     NULL},
    {"experts mxfp4 null", "models.json", "{\"items\":[" MODEL_ROW(",\"experts_mxfp4\":null") "]}",
     NULL},
    {"experts mxfp4 dense", "models.json", "{\"items\":[" MODEL_ROW(",\"experts_mxfp4\":true") "]}",
     "experts_mxfp4 applies only to mixture-of-experts models"},
    {"experts mxfp4 text", "models.json",
     "{\"items\":[" MODEL_ROW(",\"experts_mxfp4\":\"yes\"") "]}",
     "experts_mxfp4 must be true or false"},
    {"gguf quants twice", "models.json",
     "{\"items\":[" MODEL_ROW(",\"gguf_repo\":\"org/Test-GGUF\","
                              "\"gguf_quants\":[\"Q8_0\",\"Q8_0\"]") "]}",
     "gguf_quants[1] \"Q8_0\" is listed twice"},
    {"unknown file", "extra.json", "{}", "seed/extra.json: unknown seed file"},
    {"not items", "hardware.json", "[]", "must be an object {\"items\": [...]}"},
};

START_TEST(test_seed_validates_rows)
{
    const struct seed_case *tc = &seed_cases[_i];
    struct embedded_file f = {tc->file, (const unsigned char *)tc->text, strlen(tc->text)};
    sqlite3 *db = NULL;
    char err[512] = "";
    int rc;

    migrate_ok(db_path);
    ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    rc = seed_load(db, &f, 1, err, sizeof err);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    if (!tc->expect) {
        ck_assert_msg(rc == 0, "case %d (%s): %s", _i, tc->name, err);
    } else {
        ck_assert_msg(rc == -1, "case %d (%s) loaded", _i, tc->name);
        ck_assert_msg(strstr(err, tc->expect) != NULL, "case %d (%s): got \"%s\", want \"%s\"", _i,
                      tc->name, err, tc->expect);
    }
}
END_TEST

/* compute_tflops reaches the catalog struct and the database column; absent
** or null is 0 (unknown) and NULL in the column. */
START_TEST(test_catalog_hardware_compute_tflops)
{
    struct catalog c;
    char err[512] = "";
    migrate_ok(db_path);
    ck_assert_msg(catalog_load(db_path, &c, err, sizeof err) == 0, "%s", err);
    const struct catalog_hardware *h100 = catalog_hardware_find(&c, "nvidia-h100-sxm");
    ck_assert_ptr_nonnull(h100);
    ck_assert_double_eq(h100->compute_tflops, 989.0);
    ck_assert_double_eq(json_number_value(json_object_get(h100->doc, "compute_tflops")), 989.0);
    const struct catalog_hardware *cpu = catalog_hardware_find(&c, "cpu-ddr5-5600-64gb");
    ck_assert_ptr_nonnull(cpu);
    ck_assert_double_eq(cpu->compute_tflops, 0.0);
    catalog_free(&c);
    ck_assert_int_eq(sql_int(db_path, "SELECT CAST(compute_tflops AS INTEGER) FROM hardware"
                                      " WHERE id = 'nvidia-h100-sxm'"),
                     989);
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM hardware WHERE id ="
                                      " 'cpu-ddr5-5600-64gb' AND compute_tflops IS NULL"),
                     1);
    ck_assert_int_eq(sql_int(db_path, "SELECT count(*) FROM schema_migrations"
                                      " WHERE name = '0002_hardware_compute.sql'"),
                     1);

    json_error_t jerr;
    json_t *doc = json_loads(HW_ROW(HW_DATE ",\"compute_tflops\":312"), 0, &jerr);
    struct catalog_hardware h;
    ck_assert_ptr_nonnull(doc);
    ck_assert_msg(seed_hardware_from_doc(doc, &h, err, sizeof err) == 0, "%s", err);
    ck_assert_double_eq(h.compute_tflops, 312.0);
    json_decref(doc);
    doc = json_loads(HW_ROW(HW_DATE), 0, &jerr);
    ck_assert_ptr_nonnull(doc);
    ck_assert_msg(seed_hardware_from_doc(doc, &h, err, sizeof err) == 0, "%s", err);
    ck_assert_double_eq(h.compute_tflops, 0.0);
    json_decref(doc);
}
END_TEST

/* The template and the published quants reach the catalog struct; the list
** is kept space-separated, as the fix planner reads it. */
START_TEST(test_seed_model_ollama_quant_tag_loads)
{
    static const char text[] = MODEL_ROW(",\"ollama_tag\":\"test:1b\","
                                         "\"ollama_quant_tag\":\"test:1b-instruct-v0.1-{quant}\","
                                         "\"ollama_quants\":[\"q3_K_S\",\"q4_K_M\",\"fp16\"]");
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    struct catalog_model m;
    char err[512] = "";
    ck_assert_ptr_nonnull(doc);
    ck_assert_msg(seed_model_from_doc(doc, &m, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(m.ollama_tag, "test:1b");
    ck_assert_str_eq(m.ollama_quant_tag, "test:1b-instruct-v0.1-{quant}");
    ck_assert_str_eq(m.ollama_quants, "q3_K_S q4_K_M fp16");
    json_decref(doc);

    doc = json_loads(MODEL_ROW(""), 0, &jerr);
    ck_assert_ptr_nonnull(doc);
    ck_assert_msg(seed_model_from_doc(doc, &m, err, sizeof err) == 0, "%s", err);
    ck_assert_str_eq(m.ollama_quant_tag, "");
    ck_assert_str_eq(m.ollama_quants, "");
    json_decref(doc);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *mig = tcase_create("migrate");
    TCase *cat = tcase_create("catalog");
    TCase *seed = tcase_create("seed");

    tcase_add_checked_fixture(mig, setup, teardown);
    tcase_add_test(mig, test_migrate_empty_db_reaches_latest);
    tcase_add_test(mig, test_migrate_rerun_is_noop);
    tcase_add_test(mig, test_migrate_reloads_seed_when_hash_differs);
    tcase_add_test(mig, test_migrate_refuses_newer_database);
    tcase_add_test(mig, test_migrate_read_only_current_db_succeeds);
    tcase_add_test(mig, test_migrate_read_only_outdated_db_fails);
    tcase_add_test(mig, test_migrate_missing_dir_fails_clearly);
    suite_add_tcase(s, mig);

    tcase_add_checked_fixture(cat, setup, teardown);
    tcase_add_test(cat, test_catalog_load_finds_seeded_rows);
    tcase_add_test(cat, test_catalog_rows_sorted_with_id_arrays);
    tcase_add_test(cat, test_catalog_lookup_case_insensitive);
    tcase_add_test(cat, test_catalog_quant_alias_resolves);
    tcase_add_test(cat, test_catalog_load_read_only_db);
    tcase_add_test(cat, test_catalog_load_refuses_unmigrated_db);
    tcase_add_test(cat, test_catalog_db_ready_reports_state);
    suite_add_tcase(s, cat);

    tcase_add_checked_fixture(seed, setup, teardown);
    tcase_add_loop_test(seed, test_seed_validates_rows, 0,
                        (int)(sizeof seed_cases / sizeof seed_cases[0]));
    tcase_add_test(seed, test_seed_model_ollama_quant_tag_loads);
    tcase_add_test(seed, test_catalog_hardware_compute_tflops);
    suite_add_tcase(s, seed);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(store_suite());
    int failed;
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

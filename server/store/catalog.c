/* catalog.c: loads the catalog and knowledge base from the database into
** memory once at startup, and answers lookups from that copy. Never writes
** to the database; nothing it returns points into SQLite memory.
*/
#include "catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/matcher.h"
#include "../core/textutil.h"
#include "database.h"
#include "migrate.h"
#include "seed.h"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Grow *arr (elements of size sz) so that index n fits. 0 or -1 (no memory). */
static int grow(void **arr, size_t *cap, size_t n, size_t sz)
{
    void *p;
    size_t want;
    if (n < *cap)
        return 0;
    want = *cap ? *cap * 2 : 64;
    if (want > SIZE_MAX / sz)
        return -1;
    p = realloc(*arr, want * sz);
    if (!p)
        return -1;
    *arr = p;
    *cap = want;
    return 0;
}

/* Parse a stored doc (new reference), or NULL with err set. */
static json_t *parse_doc(const char *table, sqlite3_stmt *st, int col, char *err, size_t errlen)
{
    json_error_t jerr;
    const char *text = (const char *)sqlite3_column_text(st, col);
    size_t len = (size_t)sqlite3_column_bytes(st, col);
    json_t *doc = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (!doc)
        fail(err, errlen, "%s: a stored doc is not valid JSON: %s", table,
             text ? jerr.text : "NULL");
    return doc;
}

/* What each table load does with one row: convert doc into slot i of the
** catalog array (validating it again), and take ownership of doc. */
enum catalog_table { CT_HARDWARE, CT_MODEL, CT_QUANT, CT_ERROR_PAGE };

static const char *const catalog_sql[] = {
    [CT_HARDWARE] = "SELECT id, doc FROM hardware ORDER BY id",
    [CT_MODEL] = "SELECT id, doc FROM model ORDER BY id",
    [CT_QUANT] = "SELECT id, doc FROM quant ORDER BY id",
    [CT_ERROR_PAGE] = "SELECT id, doc FROM error_page ORDER BY id",
};
static const char *const catalog_table_name[] = {
    [CT_HARDWARE] = "hardware",
    [CT_MODEL] = "model",
    [CT_QUANT] = "quant",
    [CT_ERROR_PAGE] = "error_page",
};

static int load_table(sqlite3 *db, enum catalog_table t, struct catalog *c, char *err,
                      size_t errlen)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0, n = 0;
    int rc = -1, step;
    char msg[384];
    const char *name = catalog_table_name[t];

    if (sqlite3_prepare_v2(db, catalog_sql[t], -1, &st, NULL) != SQLITE_OK) {
        fail(err, errlen, "read %s: %s", name, sqlite3_errmsg(db));
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *row_id = (const char *)sqlite3_column_text(st, 0);
        json_t *doc = parse_doc(name, st, 1, err, errlen);
        int bad = 0;
        if (!doc)
            goto done;
        switch (t) {
        case CT_HARDWARE:
            if (grow((void **)&c->hardware, &cap, n, sizeof *c->hardware))
                goto oom;
            bad = seed_hardware_from_doc(doc, &c->hardware[n], msg, sizeof msg);
            c->hardware[n].doc = doc;
            c->n_hardware = n + 1;
            break;
        case CT_MODEL:
            if (grow((void **)&c->models, &cap, n, sizeof *c->models))
                goto oom;
            bad = seed_model_from_doc(doc, &c->models[n], msg, sizeof msg);
            c->models[n].doc = doc;
            c->n_models = n + 1;
            break;
        case CT_QUANT:
            if (grow((void **)&c->quants, &cap, n, sizeof *c->quants))
                goto oom;
            bad = seed_quant_from_doc(doc, &c->quants[n], msg, sizeof msg);
            c->quants[n].doc = doc;
            c->n_quants = n + 1;
            break;
        case CT_ERROR_PAGE:
            if (grow((void **)&c->errors, &cap, n, sizeof *c->errors))
                goto oom;
            bad = seed_error_page_from_doc(doc, &c->errors[n], msg, sizeof msg);
            c->errors[n].doc = doc;
            c->n_errors = n + 1;
            break;
        }
        if (bad) {
            fail(err, errlen, "%s row \"%s\": %s", name, row_id ? row_id : "?", msg);
            goto done;
        }
        n++;
        continue;
    oom:
        json_decref(doc);
        fail(err, errlen, "read %s: out of memory", name);
        goto done;
    }
    if (step != SQLITE_DONE) {
        fail(err, errlen, "read %s: %s", name, sqlite3_errmsg(db));
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}

/* Index of the page with this (lowercase) id, or -1. */
static long error_index(const struct catalog *c, const char *id)
{
    size_t lo = 0, hi = c->n_errors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(id, c->errors[mid].id);
        if (cmp == 0)
            return (long)mid;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

static int load_signatures(sqlite3 *db, struct catalog *c, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc = -1, step;

    if (sqlite3_prepare_v2(db,
                           "SELECT page_id, text FROM error_signature ORDER BY page_id, position",
                           -1, &st, NULL) != SQLITE_OK) {
        fail(err, errlen, "read error_signature: %s", sqlite3_errmsg(db));
        goto done;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *page_id = (const char *)sqlite3_column_text(st, 0);
        const char *text = (const char *)sqlite3_column_text(st, 1);
        long page = page_id ? error_index(c, page_id) : -1;
        struct catalog_signature *s;
        if (page < 0 || !text) {
            fail(err, errlen, "error_signature row for \"%s\" has no page or no text",
                 page_id ? page_id : "?");
            goto done;
        }
        if (grow((void **)&c->signatures, &cap, c->n_signatures, sizeof *c->signatures))
            goto oom;
        s = &c->signatures[c->n_signatures];
        s->page = (size_t)page;
        s->text = strdup(text);
        if (!s->text)
            goto oom;
        c->n_signatures++;
    }
    if (step != SQLITE_DONE) {
        fail(err, errlen, "read error_signature: %s", sqlite3_errmsg(db));
        goto done;
    }
    rc = 0;
    goto done;
oom:
    fail(err, errlen, "read error_signature: out of memory");
done:
    sqlite3_finalize(st);
    return rc;
}

/* The ids of n rows of size sz whose id field is at offset off, as an array
** of pointers into the rows (new malloc'd array, NULL when out of memory). */
static const char **id_array(const void *rows, size_t n, size_t sz, size_t off)
{
    const char **ids = malloc((n ? n : 1) * sizeof *ids);
    if (!ids)
        return NULL;
    for (size_t i = 0; i < n; i++)
        ids[i] = (const char *)rows + i * sz + off;
    return ids;
}

/* Prepare the knowledge base's signatures for matching, once: the matcher
** index lives in c->matcher_storage and points at the signature texts. */
static int build_matcher_index(struct catalog *c, char *err, size_t errlen)
{
    size_t n_sigs = 0;
    struct matcher_signature *sigs;
    sigs = malloc((c->n_signatures ? c->n_signatures : 1) * sizeof *sigs);
    if (!sigs) {
        fail(err, errlen, "catalog: out of memory");
        return -1;
    }
    for (size_t i = 0; i < c->n_signatures; i++) {
        const struct catalog_signature *s = &c->signatures[i];
        if (s->page >= c->n_errors || !s->text)
            continue;
        sigs[n_sigs].page = s->page;
        sigs[n_sigs].text = s->text;
        sigs[n_sigs].root_rank = c->errors[s->page].root_cause_rank;
        n_sigs++;
    }
    size_t bytes = matcher_index_bytes(n_sigs);
    c->matcher_storage = bytes ? malloc(bytes) : NULL;
    if (!c->matcher_storage ||
        matcher_index_build(sigs, n_sigs, c->matcher_storage, bytes, &c->matcher_index)) {
        free(sigs);
        fail(err, errlen, "catalog: cannot prepare %zu error signatures for matching", n_sigs);
        return -1;
    }
    free(sigs);
    return 0;
}

int catalog_load(const char *db_path, struct catalog *out, char *err, size_t errlen)
{
    sqlite3 *db;
    int version, latest = migrate_latest_version();

    memset(out, 0, sizeof *out);
    db = database_open(db_path, SQLITE_OPEN_READONLY, err, errlen);
    if (!db)
        return -1;
    if (database_schema_version(db, &version, err, errlen))
        goto fail;
    if (version != latest) {
        fail(err, errlen,
             "database %s has schema version %d but this willitrun needs %d; run it with write"
             " access once to migrate",
             db_path, version, latest);
        goto fail;
    }
    /* One read transaction: every table from the same snapshot. */
    if (database_exec(db, "BEGIN", "begin catalog read", err, errlen) != SQLITE_OK)
        goto fail;
    if (load_table(db, CT_HARDWARE, out, err, errlen) ||
        load_table(db, CT_MODEL, out, err, errlen) || load_table(db, CT_QUANT, out, err, errlen) ||
        load_table(db, CT_ERROR_PAGE, out, err, errlen) || load_signatures(db, out, err, errlen))
        goto fail;
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);

    out->model_ids = id_array(out->models, out->n_models, sizeof *out->models,
                              offsetof(struct catalog_model, id));
    out->hardware_ids = id_array(out->hardware, out->n_hardware, sizeof *out->hardware,
                                 offsetof(struct catalog_hardware, id));
    out->quant_ids = id_array(out->quants, out->n_quants, sizeof *out->quants,
                              offsetof(struct catalog_quant, id));
    out->error_ids = id_array(out->errors, out->n_errors, sizeof *out->errors,
                              offsetof(struct catalog_error_page, id));
    if (!out->model_ids || !out->hardware_ids || !out->quant_ids || !out->error_ids) {
        fail(err, errlen, "catalog: out of memory");
        goto fail;
    }
    if (build_matcher_index(out, err, errlen))
        goto fail;
    out->schema_version = version;
    database_close(db);
    return 0;
fail:
    database_close(db); /* an open read transaction ends with the connection */
    catalog_free(out);
    return -1;
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_models; i++)
        json_decref(c->models[i].doc);
    for (size_t i = 0; i < c->n_hardware; i++)
        json_decref(c->hardware[i].doc);
    for (size_t i = 0; i < c->n_quants; i++)
        json_decref(c->quants[i].doc);
    for (size_t i = 0; i < c->n_errors; i++)
        json_decref(c->errors[i].doc);
    for (size_t i = 0; i < c->n_signatures; i++)
        free(c->signatures[i].text);
    free(c->models);
    free(c->hardware);
    free(c->quants);
    free(c->errors);
    free(c->signatures);
    free(c->model_ids);
    free(c->hardware_ids);
    free(c->quant_ids);
    free(c->error_ids);
    free(c->matcher_storage);
    memset(c, 0, sizeof *c);
}

/* ASCII case-insensitive comparison, ordered like strcmp on the lowercased
** strings (the order the database sorted the lowercase ids in). */
static int fold_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y || x == 0)
            return x - y;
    }
}

/* Binary search over n rows of size sz sorted by lowercased id at offset off. */
static const void *find_row(const void *rows, size_t n, size_t sz, size_t off, const char *id)
{
    size_t lo = 0, hi = n;
    if (!rows || !id)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *row = (const char *)rows + mid * sz;
        int cmp = fold_cmp(id, row + off);
        if (cmp == 0)
            return row;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Slug ids: fold and validate first, so junk never reaches the search. */
static const void *find_slug(const void *rows, size_t n, size_t sz, size_t off, const char *id)
{
    char key[SLUG_MAX + 1];
    if (!id || !slug_fold(id, key, sizeof key))
        return NULL;
    return find_row(rows, n, sz, off, key);
}

const struct catalog_model *catalog_model_find(const struct catalog *c, const char *id)
{
    return find_slug(c->models, c->n_models, sizeof *c->models, offsetof(struct catalog_model, id),
                     id);
}

const struct catalog_hardware *catalog_hardware_find(const struct catalog *c, const char *id)
{
    return find_slug(c->hardware, c->n_hardware, sizeof *c->hardware,
                     offsetof(struct catalog_hardware, id), id);
}

const struct catalog_error_page *catalog_error_find(const struct catalog *c, const char *id)
{
    return find_slug(c->errors, c->n_errors, sizeof *c->errors,
                     offsetof(struct catalog_error_page, id), id);
}

const struct catalog_quant *catalog_quant_find(const struct catalog *c, const char *id)
{
    const struct est_quant *q;
    const struct catalog_quant *row =
        find_row(c->quants, c->n_quants, sizeof *c->quants, offsetof(struct catalog_quant, id), id);
    if (row || !id)
        return row;
    /* Aliases the estimator accepts (F16 -> fp16, BF16 -> bf16). */
    q = est_quant_find(id);
    return q ? find_row(c->quants, c->n_quants, sizeof *c->quants,
                        offsetof(struct catalog_quant, id), q->id)
             : NULL;
}

int catalog_db_ready(const char *db_path)
{
    char err[256];
    int version;
    sqlite3 *db = database_open(db_path, SQLITE_OPEN_READONLY, err, sizeof err);
    int ready;
    if (!db)
        return 0;
    ready = database_schema_version(db, &version, err, sizeof err) == 0 &&
            version == migrate_latest_version();
    database_close(db);
    return ready;
}

/* database.c: thin helpers over SQLite connections (open + pragmas, exec,
** schema version). No knowledge of tables other than schema_migrations; no
** statement outlives the function that prepared it.
*/
#include "database.h"

#include <stdio.h>

sqlite3 *database_open(const char *path, int flags, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, DATABASE_BUSY_TIMEOUT_MS);
    /* Foreign keys are off by default and per connection (sqlite.org pragma.html). */
    if (database_exec(db, "PRAGMA foreign_keys = ON", "enable foreign keys", err, errlen) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

void database_close(sqlite3 *db)
{
    sqlite3_close(db);
}

int database_exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        snprintf(err, errlen, "%s: %s", what, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc;
}

int database_schema_version(sqlite3 *db, int *version, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, has_table;
    sqlite3_int64 v;
    *version = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM sqlite_schema"
                           " WHERE type = 'table' AND name = 'schema_migrations'",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_step(st) != SQLITE_ROW)
        goto fail;
    has_table = sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    st = NULL;
    if (!has_table)
        return 0;

    if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", -1, &st,
                           NULL) != SQLITE_OK)
        goto fail;
    if (sqlite3_step(st) != SQLITE_ROW)
        goto fail;
    v = sqlite3_column_int64(st, 0);
    if (v < 0 || v > 1000000) {
        snprintf(err, errlen, "schema_migrations holds an impossible version %lld", (long long)v);
        goto done;
    }
    *version = (int)v;
    rc = 0;
    goto done;
fail:
    snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    return rc;
}

/* migrate.c: applies the embedded schema migrations and loads the embedded
** seed, once at startup on its own read-write connection. Never runs while
** the daemon serves; writes nothing when the database is already current.
*/
#include "migrate.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "database.h"
#include "embedded.h"
#include "seed.h"

/* The row of seed_state that records the loaded seed. */
#define SEED_STATE_NAME "catalog"

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The version number a migration file name starts with ("0007_x.sql" -> 7),
** or -1 when the name does not start with digits and '_'. */
static int migration_version(const char *name)
{
    int v = 0;
    const char *p = name;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > 1000000)
            return -1;
    }
    return (p == name || *p != '_') ? -1 : v;
}

int migrate_latest_version(void)
{
    if (embedded_migrations_count == 0)
        return 0;
    return migration_version(embedded_migrations[embedded_migrations_count - 1].name);
}

/* The embedded migrations must be numbered 1, 2, 3, ... in name order. */
static int check_embedded(char *err, size_t errlen)
{
    for (size_t i = 0; i < embedded_migrations_count; i++)
        if (migration_version(embedded_migrations[i].name) != (int)i + 1)
            return fail(err, errlen,
                        "embedded migration %s is out of sequence (expected number %zu)",
                        embedded_migrations[i].name, i + 1);
    return 0;
}

/* 1 when seed_state records the embedded seed's hash, 0 when not (or no
** row), -1 on a database error. Needs schema version >= 1. */
static int seed_is_current(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    if (sqlite3_prepare_v2(db, "SELECT content_hash FROM seed_state WHERE name = ?1", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, SEED_STATE_NAME, -1, SQLITE_STATIC) != SQLITE_OK)
        goto fail;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_text(st, 0);
        rc = h && strcmp((const char *)h, embedded_seed_hash) == 0;
    } else if (step == SQLITE_DONE) {
        rc = 0;
    } else {
        goto fail;
    }
    goto done;
fail:
    fail(err, errlen, "cannot read seed_state: %s", sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    return rc;
}

/* Apply migration m (version v) in its own transaction. */
static int apply_migration(sqlite3 *db, const struct embedded_file *m, int v, char *err,
                           size_t errlen)
{
    sqlite3_stmt *st = NULL;
    char what[160];
    int rc = -1;

    if (database_exec(db, "BEGIN IMMEDIATE", "begin migration", err, errlen) != SQLITE_OK)
        return -1;
    snprintf(what, sizeof what, "migration %s failed", m->name);
    if (database_exec(db, (const char *)m->data, what, err, errlen) != SQLITE_OK)
        goto rollback;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO schema_migrations (version, name, applied_at)"
                           " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_int(st, 1, v) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE) {
        fail(err, errlen, "migration %s: cannot record it in schema_migrations: %s", m->name,
             sqlite3_errmsg(db));
        goto rollback;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (database_exec(db, "COMMIT", what, err, errlen) != SQLITE_OK)
        goto rollback;
    return 0;
rollback:
    sqlite3_finalize(st);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* Replace the catalog with the embedded seed and record its hash, in one
** transaction. */
static int load_seed(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (database_exec(db, "BEGIN IMMEDIATE", "begin seed load", err, errlen) != SQLITE_OK)
        return -1;
    if (seed_load(db, embedded_seed, embedded_seed_count, err, errlen) != 0)
        goto rollback;
    if (sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO seed_state (name, content_hash, loaded_at)"
                           " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_text(st, 1, SEED_STATE_NAME, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, embedded_seed_hash, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE) {
        fail(err, errlen, "cannot record the seed hash: %s", sqlite3_errmsg(db));
        goto rollback;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (database_exec(db, "COMMIT", "commit seed load", err, errlen) != SQLITE_OK)
        goto rollback;
    return 0;
rollback:
    sqlite3_finalize(st);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int migrate_and_seed(const char *db_path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    char msg[512];
    int rc = -1, version, latest = migrate_latest_version(), seed_current = 0;
    bool read_only, migrated = false;

    if (check_embedded(err, errlen))
        return -1;
    db = database_open(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, msg, sizeof msg);
    if (!db) {
        /* A file we may read but not write (e.g. a read-only mount) can still
        ** be served when it is current. */
        db = database_open(db_path, SQLITE_OPEN_READONLY, err, errlen);
        if (!db) {
            fail(err, errlen, "%s", msg);
            return -1;
        }
    }
    read_only = sqlite3_db_readonly(db, "main") == 1;

    /* The file is baked into images and opened read-only later: keep the
    ** rollback journal, never WAL (a WAL reader needs a writable -shm). */
    if (!read_only && database_exec(db, "PRAGMA journal_mode = DELETE", "set journal_mode", err,
                                    errlen) != SQLITE_OK)
        goto done;
    if (database_schema_version(db, &version, err, errlen))
        goto done;
    if (version > latest) {
        fail(err, errlen,
             "database schema version %d is newer than this willitrun (knows up to %d);"
             " use a newer binary or another --db",
             version, latest);
        goto done;
    }
    if (version >= 1) {
        seed_current = seed_is_current(db, err, errlen);
        if (seed_current < 0)
            goto done;
    }
    if (version == latest && seed_current) {
        rc = 0; /* current: nothing to write */
        goto done;
    }
    if (read_only) {
        fail(err, errlen,
             "database %s is read-only and not current (schema version %d of %d, seed %s);"
             " migrate it with write access first",
             db_path, version, latest, seed_current ? "current" : "outdated");
        goto done;
    }

    for (int v = version + 1; v <= latest; v++) {
        if (apply_migration(db, &embedded_migrations[v - 1], v, err, errlen))
            goto done;
        migrated = true;
    }
    /* A new schema may have reshaped the tables: reload the seed too. */
    if (migrated || !seed_current) {
        if (load_seed(db, err, errlen))
            goto done;
    }
    rc = 0;
done:
    database_close(db);
    return rc;
}

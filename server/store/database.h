/* database.h: thin helpers over SQLite connections for the store (open with
** the standard pragmas, run SQL, read the schema version). Knows nothing of
** what a row means; only server/store includes it.
*/
#ifndef WIR_DATABASE_H
#define WIR_DATABASE_H

#include <sqlite3.h>
#include <stddef.h>

/* Milliseconds a connection waits for a lock before SQLITE_BUSY. */
#define DATABASE_BUSY_TIMEOUT_MS 2000

/* Open path with SQLite open flags (SQLITE_OPEN_READONLY or
** SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE), set the busy timeout and turn
** foreign keys on. Returns a new connection the caller closes with
** database_close, or NULL with a sentence in err (cap errlen). */
sqlite3 *database_open(const char *path, int flags, char *err, size_t errlen);

/* Close a connection from database_open. NULL-safe. Every statement must
** already be finalized. */
void database_close(sqlite3 *db);

/* Run one or more SQL statements with no parameters and no results needed.
** Returns the SQLite result code (SQLITE_OK on success); on failure err holds
** "<what>: <sqlite message>". */
int database_exec(sqlite3 *db, const char *sql, const char *what, char *err, size_t errlen);

/* The highest version recorded in schema_migrations, 0 when the table does
** not exist yet (a new file). Returns 0 and sets *version, or -1 with a
** sentence in err. */
int database_schema_version(sqlite3 *db, int *version, char *err, size_t errlen);

#endif

/* migrate.h: schema migrations and the seed loader, run once at startup on a
** read-write connection before the daemon serves. Migrations and seed files
** are compiled into the binary (embedded.h), so it runs from any directory.
*/
#ifndef WIR_MIGRATE_H
#define WIR_MIGRATE_H

#include <stddef.h>

/* The newest migration this binary carries. */
int migrate_latest_version(void);

/* Create db_path if missing, apply every pending migration in order (each in
** one transaction, recorded in schema_migrations), then load the seed
** idempotently (skipped when the stored seed hash already matches). A
** database newer than the binary is refused. Returns 0, or -1 with a sentence
** in err. When the file is read-only and already current, succeeds without
** writing. */
int migrate_and_seed(const char *db_path, char *err, size_t errlen);

#endif

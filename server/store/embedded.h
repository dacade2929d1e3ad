/* embedded.h: the migrations and seed files compiled into the binary by
** cmake/embed.cmake (generated embedded.c). Read-only data; nothing here
** allocates or does I/O.
*/
#ifndef WIR_EMBEDDED_H
#define WIR_EMBEDDED_H

#include <stddef.h>

/* One embedded file. data holds size bytes followed by a 0 byte (so SQL text
** can be passed to sqlite3_exec as is); name is the file name for
** migrations ("0001_init.sql") and the path relative to seed/ for seed files
** ("hardware.json", "errors/metal-allocator-oom.json"). */
struct embedded_file {
    const char *name;
    const unsigned char *data;
    size_t size;
};

/* db/migrations/NNNN_name.sql, sorted by name (so by version number). */
extern const struct embedded_file embedded_migrations[];
extern const size_t embedded_migrations_count;

/* Every .json file under seed/, sorted by relative path. */
extern const struct embedded_file embedded_seed[];
extern const size_t embedded_seed_count;

/* SHA-256 (64 lowercase hex digits) over every seed file's path, size and
** content hash, in path order: equal hashes mean an identical seed. */
extern const char embedded_seed_hash[];

#endif

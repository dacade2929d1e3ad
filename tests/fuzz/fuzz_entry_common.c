/* fuzz_entry_common.c: what the fuzz targets share: the target table, the failure
** report and the seeded catalog loaded once. Test support only; it holds no
** libFuzzer symbol and is never linked into the server.
*/
#include "fuzz_entry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "store/catalog.h"
#include "store/migrate.h"

const struct fuzz_target *const fuzz_targets[] = {
    &fuzz_target_estimator,
    &fuzz_target_check_input,
    &fuzz_target_matcher,
};
const size_t fuzz_targets_count = sizeof fuzz_targets / sizeof fuzz_targets[0];

const struct fuzz_target *fuzz_target_find(const char *name)
{
    for (size_t i = 0; NULL != name && i < fuzz_targets_count; i++)
        if (0 == strcmp(fuzz_targets[i]->name, name))
            return fuzz_targets[i];
    return NULL;
}

void fuzz_fail(const char *target, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(msg, sizeof msg, "(unprintable message)");
    /* a cut message still names the invariant: it comes first */
    fprintf(stderr, "fuzz: %s: %s\n", target, msg);
    fflush(stderr);
    abort();
}

/* Remove the database files a migrate_and_seed run may leave in dir, then dir. */
static void remove_db_dir(const char *dir)
{
    static const char *const names[] = {"fuzz.db", "fuzz.db-journal", "fuzz.db-wal", "fuzz.db-shm"};
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int n = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (n > 0 && (size_t)n < sizeof path)
            unlink(path);
    }
    rmdir(dir);
}

const struct catalog *fuzz_catalog(void)
{
    static struct catalog cat;
    static int state; /* 0 = not tried, 1 = loaded, -1 = failed */
    if (0 != state)
        return 1 == state ? &cat : NULL;
    state = -1;

    const char *tmp = getenv("TMPDIR");
    char dir[384], db[448], err[512] = "";
    int n = snprintf(dir, sizeof dir, "%s/wir-fuzz-XXXXXX", (tmp && tmp[0]) ? tmp : "/tmp");
    if (n < 0 || (size_t)n >= sizeof dir || NULL == mkdtemp(dir)) {
        fprintf(stderr, "fuzz: cannot create a temporary directory under %s\n",
                (tmp && tmp[0]) ? tmp : "/tmp");
        return NULL;
    }
    n = snprintf(db, sizeof db, "%s/fuzz.db", dir);
    if (n < 0 || (size_t)n >= sizeof db) {
        remove_db_dir(dir);
        return NULL;
    }
    /* startup lines would drown the fuzzer's own output */
    enum log_level old = log_get_level();
    log_set_level(LOG_WARN);
    int rc = migrate_and_seed(db, err, sizeof err);
    if (0 == rc)
        rc = catalog_load(db, &cat, err, sizeof err);
    log_set_level(old);
    /* the catalog is a copy in memory: the file is not needed any more */
    remove_db_dir(dir);
    if (0 != rc) {
        fprintf(stderr, "fuzz: cannot load the seeded catalog: %s\n", err);
        catalog_free(&cat);
        return NULL;
    }
    state = 1;
    return &cat;
}

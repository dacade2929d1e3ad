/* seed.h: validation of seed documents (the rows of the seed JSON files) and their
** conversion into catalog structs, and the loader that replaces the catalog
** tables with a set of seed files. Runs at startup only, never while the
** daemon serves.
*/
#ifndef WIR_SEED_H
#define WIR_SEED_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>

#include "catalog.h"
#include "embedded.h"

/* Validate one seed object and fill *out from it (every field but doc, which
** is left NULL). doc is borrowed. Returns 0, or -1 with a sentence naming
** the offending field in err (cap errlen). The same rules apply when the
** seed is loaded and when the catalog is read back, so a stored row always
** converts. */
int seed_hardware_from_doc(const json_t *doc, struct catalog_hardware *out, char *err,
                           size_t errlen);
int seed_model_from_doc(const json_t *doc, struct catalog_model *out, char *err, size_t errlen);
int seed_quant_from_doc(const json_t *doc, struct catalog_quant *out, char *err, size_t errlen);
int seed_error_page_from_doc(const json_t *doc, struct catalog_error_page *out, char *err,
                             size_t errlen);

/* Replace every row of hardware, model, quant, error_page and error_signature
** in db with the n seed files (names relative to seed/: "hardware.json",
** "models.json", "quants.json", "errors/<id>.json"; "hardware/x.json" etc.
** also work). The caller holds a write transaction and rolls it back on
** failure. Returns 0, or -1 with a sentence naming the file and row id in err.
** files is borrowed. */
int seed_load(sqlite3 *db, const struct embedded_file *files, size_t n, char *err, size_t errlen);

#endif

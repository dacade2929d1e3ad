/* route.c: the API's route table and its matcher. The table is the index of
** the API (openapi.yaml lists the same method + path pairs); no logic here
** knows what an endpoint does.
*/
#include "route.h"

#include <string.h>

#include "handlers.h"

static const struct route route_rows[] = {
    {HTTP_GET, "/check", handle_check_get, 0},
    {HTTP_POST, "/check", handle_check_post, ROUTE_BODY_CHECK},
    {HTTP_GET, "/errors", handle_errors_list, 0},
    {HTTP_POST, "/errors/match", handle_errors_match, ROUTE_BODY_MATCH},
    {HTTP_GET, "/errors/{id}", handle_errors_get, 0},
    {HTTP_GET, "/hardware", handle_hardware_list, 0},
    {HTTP_GET, "/hardware/{id}", handle_hardware_get, 0},
    {HTTP_GET, "/models", handle_models_list, 0},
    {HTTP_GET, "/models/{id}", handle_models_get, 0},
    {HTTP_GET, "/quants", handle_quants_list, 0},
    {HTTP_GET, "/healthz", handle_healthz, 0},
    {HTTP_GET, "/readyz", handle_readyz, 0},
    {HTTP_GET, "/openapi.yaml", handle_openapi, 0},
    {HTTP_GET, "/metrics", handle_metrics, 0},
};

#define ROUTE_COUNT (sizeof route_rows / sizeof route_rows[0])

const struct route *route_table(size_t *n)
{
    if (NULL != n)
        *n = ROUTE_COUNT;
    return route_rows;
}

enum http_method route_method_parse(const char *method)
{
    if (NULL == method)
        return HTTP_OTHER;
    if (0 == strcmp(method, "GET"))
        return HTTP_GET;
    if (0 == strcmp(method, "HEAD"))
        return HTTP_HEAD;
    if (0 == strcmp(method, "POST"))
        return HTTP_POST;
    if (0 == strcmp(method, "OPTIONS"))
        return HTTP_OPTIONS;
    return HTTP_OTHER;
}

/* Length of the prefix before "{id}" when pattern ends in "/{id}", else 0. */
static size_t route_id_prefix(const char *pattern)
{
    size_t len = strlen(pattern);
    static const char tail[] = "{id}";
    if (len > sizeof tail - 1 && 0 == strcmp(pattern + len - (sizeof tail - 1), tail))
        return len - (sizeof tail - 1);
    return 0;
}

/* Does row r's path cover path? exact: equal; pattern: prefix + non-empty rest.
** *id receives the rest for patterns. */
static bool route_path_covers(const struct route *r, const char *path, bool exact, const char **id)
{
    size_t prefix = route_id_prefix(r->path);
    if (exact)
        return 0 == prefix && 0 == strcmp(r->path, path);
    if (0 == prefix || 0 != strncmp(r->path, path, prefix) || '\0' == path[prefix])
        return false;
    *id = path + prefix;
    return true;
}

enum route_status route_match(enum http_method method, const char *path, struct route_match *out)
{
    out->route = NULL;
    out->index = 0;
    out->id = NULL;
    out->allow[0] = '\0';
    if (NULL == path)
        return ROUTE_NOT_FOUND;

    /* Pass 1 looks for exact rows; only if the path has none, pass 2 for
     * {id} rows. The rows found form the resource. */
    bool has[3] = {false, false, false}; /* GET, POST, any */
    size_t first = 0, hit = ROUTE_COUNT;
    const char *hit_id = NULL;
    for (int pass = 0; pass < 2 && !has[2]; pass++) {
        for (size_t i = 0; i < ROUTE_COUNT; i++) {
            const char *id = NULL;
            if (!route_path_covers(&route_rows[i], path, 0 == pass, &id))
                continue;
            if (!has[2])
                first = i;
            has[2] = true;
            has[HTTP_POST == route_rows[i].method ? 1 : 0] = true;
            enum http_method want = HTTP_HEAD == method ? HTTP_GET : method;
            if (ROUTE_COUNT == hit && (want == route_rows[i].method || HTTP_OPTIONS == method)) {
                hit = i;
                hit_id = id;
            }
        }
    }
    if (!has[2])
        return ROUTE_NOT_FOUND;

    size_t len = 0;
    if (has[0]) {
        memcpy(out->allow, "GET, HEAD, ", 11);
        len = 11;
    }
    if (has[1]) {
        memcpy(out->allow + len, "POST, ", 6);
        len += 6;
    }
    memcpy(out->allow + len, "OPTIONS", 8);

    if (ROUTE_COUNT == hit) {
        out->index = first;
        return ROUTE_METHOD_NOT_ALLOWED;
    }
    out->route = &route_rows[hit];
    out->index = hit;
    out->id = hit_id;
    return ROUTE_FOUND;
}

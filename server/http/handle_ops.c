/* handle_ops.c: operational endpoints: /healthz, /readyz, /openapi.yaml,
** /metrics. Only /readyz touches the disk (it probes the database file).
*/
#include <stdlib.h>

#include "handlers.h"
#include "metrics.h"
#include "response.h"

/* openapi.yaml, compiled into the binary by cmake/embed_file.cmake. */
extern const unsigned char embedded_openapi_yaml[];
extern const size_t embedded_openapi_yaml_size;

unsigned handle_healthz(const struct request *rq, struct response *out)
{
    (void)rq;
    return response_json(out, 200, json_pack("{s:s}", "status", "ok"));
}

unsigned handle_readyz(const struct request *rq, struct response *out)
{
    int version = NULL != rq->catalog ? rq->catalog->schema_version : 0;
    if (NULL == rq->db_path || 1 != catalog_db_ready(rq->db_path)) {
        struct problem pb;
        problem_init(&pb);
        problem_set(&pb, API_ERR_UNAVAILABLE,
                    "The database cannot be opened or is not at schema version %d.", version);
        return response_problem(out, &pb);
    }
    return response_json(out, 200,
                         json_pack("{s:s, s:i}", "status", "ready", "schema_version", version));
}

unsigned handle_openapi(const struct request *rq, struct response *out)
{
    (void)rq;
    out->status = 200;
    out->body = NULL;
    out->content_type = "application/yaml";
    out->text = (const char *)embedded_openapi_yaml;
    out->text_len = embedded_openapi_yaml_size;
    out->text_owned = false;
    return out->status;
}

unsigned handle_metrics(const struct request *rq, struct response *out)
{
    size_t len = 0;
    char *text = metrics_render(rq->catalog, &len);
    if (NULL == text) {
        struct problem pb;
        problem_init(&pb);
        problem_set(&pb, API_ERR_INTERNAL, "The server could not render its metrics.");
        return response_problem(out, &pb);
    }
    out->status = 200;
    out->body = NULL;
    out->content_type = "text/plain; version=0.0.4; charset=utf-8";
    out->text = text;
    out->text_len = len;
    out->text_owned = true;
    return out->status;
}

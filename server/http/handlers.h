/* handlers.h: one handler per endpoint. Each goes parse -> validate ->
** compute -> render, fills *out and returns the HTTP status. Handlers never
** touch MHD; the route table in route.c maps method + path to these.
*/
#ifndef WIR_HANDLERS_H
#define WIR_HANDLERS_H

#include "request.h"

/* handle_check.c */
unsigned handle_check_get(const struct request *rq, struct response *out);
unsigned handle_check_post(const struct request *rq, struct response *out);

/* handle_errors.c */
unsigned handle_errors_list(const struct request *rq, struct response *out);
unsigned handle_errors_get(const struct request *rq, struct response *out);
unsigned handle_errors_match(const struct request *rq, struct response *out);

/* handle_catalog.c */
unsigned handle_hardware_list(const struct request *rq, struct response *out);
unsigned handle_hardware_get(const struct request *rq, struct response *out);
unsigned handle_models_list(const struct request *rq, struct response *out);
unsigned handle_models_get(const struct request *rq, struct response *out);
unsigned handle_quants_list(const struct request *rq, struct response *out);

/* handle_ops.c */
unsigned handle_healthz(const struct request *rq, struct response *out);
unsigned handle_readyz(const struct request *rq, struct response *out);
unsigned handle_openapi(const struct request *rq, struct response *out);
unsigned handle_metrics(const struct request *rq, struct response *out);

#endif

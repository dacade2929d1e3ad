/* handle_catalog.c: /hardware, /hardware/{id}, /models, /models/{id} and
** /quants over the in-memory catalog. Items are the catalog's shared
** documents (json_incref'd, never modified); no disk I/O, no MHD.
*/
#include <string.h>
#include <strings.h>

#include "../core/textutil.h"
#include "handlers.h"
#include "json_util.h"
#include "query.h"

/* Quant formats as seed/quants.json spells them, indexed by enum est_quant_format. */
static const char *const catalog_format_names[] = {
    [EST_QF_GGUF] = "gguf", [EST_QF_MLX] = "mlx", [EST_QF_HF] = "hf"};

/* out[i] = id_fn(i) for i < n: the API ids of an estimator enum. */
static void catalog_names(const char **out, size_t n, const char *(*id_fn)(size_t))
{
    for (size_t i = 0; i < n; i++)
        out[i] = id_fn(i);
}

static const char *catalog_kind_id(size_t i)
{
    return est_device_kind_id((enum est_device_kind)i);
}
static const char *catalog_backend_id(size_t i)
{
    return est_backend_id((enum est_backend)i);
}
static const char *catalog_runtime_id(size_t i)
{
    return est_runtime_id((enum est_runtime)i);
}

/* Index of value in names[0..n) (ASCII case-insensitive), or -1 after adding
** an invalid_params entry listing the choices. value NULL = absent = -1, no
** entry. */
static int catalog_choice(const char *key, const char *value, const char *const *names, size_t n,
                          bool *ok, struct problem *pb)
{
    if (NULL == value)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (0 == strcasecmp(value, names[i]))
            return (int)i;
    }
    char list[160];
    size_t len = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(list + len, sizeof list - len, "%s%s", 0 == i ? "" : ", ", names[i]);
        if (w < 0 || (size_t)w >= sizeof list - len)
            break;
        len += (size_t)w;
    }
    problem_add_param(pb, key, "must be one of %s", list);
    *ok = false;
    return -1;
}

/* A number filter in [lo, hi]; returns true and *out when given and valid. */
static bool catalog_number(const struct query_list *q, const char *key, double lo, double hi,
                           double *out, bool *ok, struct problem *pb)
{
    const char *s = query_text(q, key, ok, pb);
    if (NULL == s)
        return false;
    if (0 != text_parse_double(s, lo, hi, out)) {
        problem_add_param(pb, key, "must be a number from %g to %g", lo, hi);
        *ok = false;
        return false;
    }
    return true;
}

/* Does the JSON array member `key` of doc hold the string value? */
static bool catalog_doc_lists(const json_t *doc, const char *key, const char *value)
{
    const json_t *arr = json_object_get(doc, key);
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && 0 == strcasecmp(json_string_value(v), value))
            return true;
    }
    return false;
}

/* Paging accumulator: counts matches, keeps the ones on the page. */
struct catalog_page {
    json_t *items;
    size_t total;
    struct query_paging pg;
    bool failed;
};

static void catalog_page_add(struct catalog_page *p, json_t *doc)
{
    if (p->total >= p->pg.offset && json_array_size(p->items) < p->pg.limit) {
        if (NULL == doc || 0 != json_array_append(p->items, doc))
            p->failed = true;
    }
    p->total++;
}

static unsigned catalog_page_send(struct catalog_page *p, struct response *out)
{
    if (p->failed) {
        json_decref(p->items);
        return response_json(out, 500, NULL);
    }
    return response_json(out, 200, json_page_new(p->items, p->total, p->pg.offset, p->pg.limit));
}

/* 404 unknown-id with the closest ids as suggestions. */
static unsigned catalog_unknown(struct response *out, const char *what, const char *id,
                                const char **ids, size_t n, const char *path)
{
    struct problem pb;
    problem_init(&pb);
    problem_set(&pb, API_ERR_UNKNOWN_ID, "There is no %s with id \"%s\"; GET %s lists them.", what,
                NULL != id ? id : "", path);
    size_t idx[PROBLEM_MAX_SUGGESTIONS];
    size_t k =
        (NULL != id && NULL != ids) ? text_suggest(id, ids, n, idx, PROBLEM_MAX_SUGGESTIONS) : 0;
    for (size_t i = 0; i < k; i++)
        problem_add_suggestion(&pb, ids[idx[i]]);
    return response_problem(out, &pb);
}

/* ------------------------------------------------------------------ */

unsigned handle_hardware_list(const struct request *rq, struct response *out)
{
    static const char *const keys[] = {"vendor", "kind",  "backend", "min_memory_gb",
                                       "q",      "limit", "cursor",  NULL};
    const struct query_list *q = rq->query;
    struct problem pb;
    problem_init(&pb);
    struct catalog_page page = {0};
    bool ok = 0 == query_check_keys(q, keys, &pb);
    ok = (0 == query_paging(q, &page.pg, &pb)) && ok;
    const char *vendor = query_text(q, "vendor", &ok, &pb);
    const char *kinds[EST_DEVICE_COUNT], *backends[EST_BACKEND_COUNT];
    catalog_names(kinds, EST_DEVICE_COUNT, catalog_kind_id);
    catalog_names(backends, EST_BACKEND_COUNT, catalog_backend_id);
    int kind =
        catalog_choice("kind", query_text(q, "kind", &ok, &pb), kinds, EST_DEVICE_COUNT, &ok, &pb);
    int backend = catalog_choice("backend", query_text(q, "backend", &ok, &pb), backends,
                                 EST_BACKEND_COUNT, &ok, &pb);
    double min_gb = 0;
    bool has_min = catalog_number(q, "min_memory_gb", 0, 1e6, &min_gb, &ok, &pb);
    const char *text = query_text(q, "q", &ok, &pb);
    if (!ok)
        return response_problem(out, &pb);

    page.items = json_array();
    if (NULL == page.items)
        return response_json(out, 500, NULL);
    const struct catalog *c = rq->catalog;
    for (size_t i = 0; i < c->n_hardware; i++) {
        const struct catalog_hardware *h = &c->hardware[i];
        if (NULL != vendor && 0 != strcasecmp(h->vendor, vendor))
            continue;
        if (kind >= 0 && (int)h->kind != kind)
            continue;
        if (backend >= 0 && 0 == (h->backends & (1u << (unsigned)backend)))
            continue;
        if (has_min && h->memory_gb < min_gb)
            continue;
        if (NULL != text && !query_text_contains(h->id, text) &&
            !query_text_contains(h->name, text) && !query_text_contains(h->vendor, text))
            continue;
        catalog_page_add(&page, h->doc);
    }
    return catalog_page_send(&page, out);
}

/* The device document plus what /check would budget for it: memory_bytes and
** usable_memory {memory_bytes, usable_bytes, basis} for one device with its
** default OS and the default runtime (llama.cpp). New reference or NULL. */
static json_t *catalog_hardware_detail(const struct catalog_hardware *h)
{
    struct est_input in;
    memset(&in, 0, sizeof in);
    in.device.kind = h->kind;
    in.device.backend = h->backend;
    in.device.memory_gib = h->memory_gb;
    in.device.bandwidth_gbs = h->bandwidth_gbs;
    in.device.system_ram_gib = h->system_ram_gb;
    in.device.count = 1;
    in.runtime = EST_RUNTIME_LLAMACPP;
    in.os = h->default_os;
    uint64_t memory_bytes = 0, usable_bytes = 0;
    const char *basis = NULL;
    est_budget(&in, &memory_bytes, &usable_bytes, &basis);

    json_t *doc = json_copy(h->doc); /* shallow: the shared members are only incref'd */
    json_t *usable = json_object();
    if (NULL == doc || NULL == usable ||
        0 != json_object_set_new(usable, "memory_bytes", json_integer((json_int_t)memory_bytes)) ||
        0 != json_object_set_new(usable, "usable_bytes", json_integer((json_int_t)usable_bytes)) ||
        0 != json_object_set_new(usable, "basis", json_string(NULL != basis ? basis : "")) ||
        0 != json_object_set_new(doc, "memory_bytes", json_integer((json_int_t)memory_bytes)) ||
        0 != json_object_set(doc, "usable_memory", usable)) {
        json_decref(usable);
        json_decref(doc);
        return NULL;
    }
    json_decref(usable);
    return doc;
}

unsigned handle_hardware_get(const struct request *rq, struct response *out)
{
    const struct catalog *c = rq->catalog;
    const struct catalog_hardware *h =
        NULL != rq->path_id ? catalog_hardware_find(c, rq->path_id) : NULL;
    if (NULL == h || NULL == h->doc)
        return catalog_unknown(out, "hardware", rq->path_id, c->hardware_ids, c->n_hardware,
                               "/hardware");
    return response_json(out, 200, catalog_hardware_detail(h));
}

unsigned handle_models_list(const struct request *rq, struct response *out)
{
    static const char *const keys[] = {"family", "q", "min_params_b", "max_params_b", "limit",
                                       "cursor", NULL};
    const struct query_list *q = rq->query;
    struct problem pb;
    problem_init(&pb);
    struct catalog_page page = {0};
    bool ok = 0 == query_check_keys(q, keys, &pb);
    ok = (0 == query_paging(q, &page.pg, &pb)) && ok;
    const char *family = query_text(q, "family", &ok, &pb);
    const char *text = query_text(q, "q", &ok, &pb);
    double min_b = 0, max_b = 0;
    bool has_min = catalog_number(q, "min_params_b", 0, 1e5, &min_b, &ok, &pb);
    bool has_max = catalog_number(q, "max_params_b", 0, 1e5, &max_b, &ok, &pb);
    if (has_min && has_max && min_b > max_b) {
        problem_add_param(&pb, "max_params_b", "must not be smaller than min_params_b");
        ok = false;
    }
    if (!ok)
        return response_problem(out, &pb);

    page.items = json_array();
    if (NULL == page.items)
        return response_json(out, 500, NULL);
    const struct catalog *c = rq->catalog;
    for (size_t i = 0; i < c->n_models; i++) {
        const struct catalog_model *m = &c->models[i];
        double params_b = (double)m->arch.params / 1e9;
        if (NULL != family && 0 != strcasecmp(m->family, family))
            continue;
        if ((has_min && params_b < min_b) || (has_max && params_b > max_b))
            continue;
        if (NULL != text && !query_text_contains(m->id, text) &&
            !query_text_contains(m->name, text) && !query_text_contains(m->hf_repo, text) &&
            !query_text_contains(m->family, text))
            continue;
        catalog_page_add(&page, m->doc);
    }
    return catalog_page_send(&page, out);
}

unsigned handle_models_get(const struct request *rq, struct response *out)
{
    const struct catalog *c = rq->catalog;
    const struct catalog_model *m = NULL != rq->path_id ? catalog_model_find(c, rq->path_id) : NULL;
    if (NULL == m || NULL == m->doc)
        return catalog_unknown(out, "model", rq->path_id, c->model_ids, c->n_models, "/models");
    return response_json(out, 200, json_incref(m->doc));
}

unsigned handle_quants_list(const struct request *rq, struct response *out)
{
    static const char *const keys[] = {"format", "runtime", "q", "limit", "cursor", NULL};
    const struct query_list *q = rq->query;
    struct problem pb;
    problem_init(&pb);
    struct catalog_page page = {0};
    bool ok = 0 == query_check_keys(q, keys, &pb);
    ok = (0 == query_paging(q, &page.pg, &pb)) && ok;
    int format =
        catalog_choice("format", query_text(q, "format", &ok, &pb), catalog_format_names,
                       sizeof catalog_format_names / sizeof catalog_format_names[0], &ok, &pb);
    const char *runtimes[EST_RUNTIME_COUNT];
    catalog_names(runtimes, EST_RUNTIME_COUNT, catalog_runtime_id);
    int runtime = catalog_choice("runtime", query_text(q, "runtime", &ok, &pb), runtimes,
                                 EST_RUNTIME_COUNT, &ok, &pb);
    const char *text = query_text(q, "q", &ok, &pb);
    if (!ok)
        return response_problem(out, &pb);

    page.items = json_array();
    if (NULL == page.items)
        return response_json(out, 500, NULL);
    const struct catalog *c = rq->catalog;
    for (size_t i = 0; i < c->n_quants; i++) {
        const struct catalog_quant *qt = &c->quants[i];
        if (format >= 0 && (NULL == qt->est || (int)qt->est->format != format))
            continue;
        if (runtime >= 0 && !catalog_doc_lists(qt->doc, "runtimes", runtimes[runtime]))
            continue;
        if (NULL != text && !query_text_contains(qt->id, text))
            continue;
        catalog_page_add(&page, qt->doc);
    }
    return catalog_page_send(&page, out);
}

/* estimator_place.c: where an estimate's bytes live, and the verdict.
** Pure: no I/O, no allocation, no globals. Full fit, exact partial offload of
** whole layers (llama.cpp's -ngl from the top of the stack, the output layer
** last), the host RAM that offload needs, per-device totals.
*/
#include "estimator_internal.h"

#include <string.h>

/* Repeating layers that fit on the accelerator, taken from the top of the
** stack down as llama.cpp's -ngl does (the output layer counts as one more
** layer and moves only when every repeating layer is on the accelerator). */
static void place_layers(const struct estimator_wctx *w, const struct estimator_kv *kv,
                         uint64_t avail, struct estimator_ck *ck, struct estimator_placement *p)
{
    const struct estimator_shape *s = w->shape;
    uint64_t used = 0;
    for (uint32_t n = 0; n < s->n_layer; n++) {
        uint32_t i = s->n_layer - 1 - n;
        uint64_t lw = estimator_layer_weight_bytes(w, i, ck, NULL);
        uint64_t lk = estimator_kv_layer_bytes(s, kv, i, ck);
        uint64_t need = estimator_add(ck, estimator_add(ck, used, lw), lk);
        if (need > avail || ck->overflow)
            break;
        used = need;
        p->gpu_layers++;
        p->gpu_layer_weights = estimator_add(ck, p->gpu_layer_weights, lw);
        p->gpu_layer_kv = estimator_add(ck, p->gpu_layer_kv, lk);
    }
}

/* Split what the accelerators hold evenly over the identical devices (the
** first EST_SPLIT_MAX are reported). */
static void report_devices(const struct est_input *in, uint64_t on_devices, uint64_t usable,
                           struct estimator_placement *pl)
{
    const uint32_t count = in->device.count ? in->device.count : 1;
    pl->devices_reported = count < EST_SPLIT_MAX ? count : EST_SPLIT_MAX;
    pl->device_usable = usable / count;
    for (uint32_t i = 0; i < pl->devices_reported; i++) {
        pl->device_bytes[i] = on_devices / count;
        pl->split[i] = 1.0 / count;
    }
}

enum est_status estimator_place(const struct estimator_prep *p, const struct estimator_footprint *f,
                                struct estimator_placement *pl)
{
    struct estimator_ck ck = {false};
    const struct est_input *in = p->in;
    const struct est_device *dev = &in->device;
    const struct estimator_shape *s = &p->shape;
    const struct estimator_weights *wt = &p->wt;
    const struct estimator_kv *kv = &f->kv;
    const enum est_runtime engine = p->engine;
    const uint64_t compute = f->compute, overhead = p->overhead, total = f->total;
    const uint64_t usable = p->usable;

    memset(pl, 0, sizeof *pl);
    const bool splits = engine == EST_RUNTIME_LLAMACPP || engine == EST_RUNTIME_OLLAMA ||
                        engine == EST_RUNTIME_LMSTUDIO;
    pl->layers_total = splits ? s->n_layer + 1 : s->n_layer;
    uint64_t on_devices = 0;
    if (total <= usable) {
        pl->verdict = (usable - total) >= usable / 10 ? EST_RUNS : EST_TIGHT;
        if (p->accel) {
            pl->gpu_layers = pl->layers_total;
            pl->gpu_layer_weights = wt->layers;
            pl->gpu_layer_kv = kv->total;
            on_devices = total;
        } else {
            pl->host_bytes = total;
        }
    } else if (p->accel && estimator_runtime_offloads(in->runtime, p->quant)) {
        /* Keep the compute buffer and reserves on the accelerator, then as
        ** many layers (with their KV) as fit; the rest runs from system RAM.
        ** On unified memory (Apple) there is no separate RAM: llama.cpp can
        ** still run the layers beyond the GPU ceiling on the CPU (-ngl < all)
        ** as long as everything stays within RAM minus the OS reserve, so that
        ** is an offload verdict; MLX, vLLM and transformers (device_map="auto"
        ** is out of scope) cannot split and are wont_run beyond their limit. */
        uint64_t fixed = estimator_add(&ck, compute, overhead);
        uint64_t avail = estimator_sub_floor(usable, fixed);
        place_layers(&p->w, kv, avail, &ck, pl);
        uint64_t gpu_used =
            estimator_add(&ck, fixed, estimator_add(&ck, pl->gpu_layer_weights, pl->gpu_layer_kv));
        uint64_t host_need = estimator_sub_floor(wt->total, pl->gpu_layer_weights);
        host_need = estimator_add(&ck, host_need, estimator_sub_floor(kv->total, pl->gpu_layer_kv));
        /* the CPU runs its layers with its own compute buffer and process */
        host_need = estimator_add(&ck, host_need, compute);
        host_need = estimator_add(&ck, host_need, ESTIMATOR_LLAMACPP_PROCESS);
        uint64_t host_cap;
        if (dev->kind == EST_DEVICE_UNIFIED) {
            /* one pool: what the GPU holds is not available to the CPU */
            uint64_t ram = estimator_mul(
                &ck, estimator_bytes_from_double(&ck, dev->memory_gib * (double)ESTIMATOR_GIB),
                dev->count ? dev->count : 1);
            host_cap = estimator_sub_floor(estimator_os_usable_ram(ram), gpu_used);
        } else {
            host_cap = estimator_os_usable_ram(
                estimator_bytes_from_double(&ck, dev->system_ram_gib * (double)ESTIMATOR_GIB));
        }
        pl->verdict = host_need <= host_cap ? EST_OFFLOAD : EST_WONT_RUN;
        pl->host_bytes = host_need;
        on_devices = gpu_used;
    } else {
        pl->verdict = EST_WONT_RUN;
        on_devices = p->accel ? total : 0;
        if (!p->accel)
            pl->host_bytes = total;
    }
    if (p->accel)
        report_devices(in, on_devices, usable, pl);
    pl->largest_allocation = compute;
    return ck.overflow ? EST_E_RANGE : EST_OK;
}

/* estimator_speed.c: decode speed of a placed estimate.
** Pure: no I/O, no allocation, no globals. Decode is memory-bound: the bytes each
** token reads (active weights + KV cache) over the bandwidth the runtime reaches,
** split between the accelerator and system RAM for partial offload.
*/
#include "estimator_internal.h"

static const char SPEED_BANDWIDTH[] =
    "decode is memory-bound: bytes read per token (active weights + KV cache at this context) "
    "over the runtime's typical share of the device bandwidth";
static const char SPEED_OFFLOAD[] =
    "decode is memory-bound: layers on the accelerator read at its bandwidth, layers in system "
    "RAM at an assumed 50 GB/s host bandwidth";
static const char SPEED_UNKNOWN[] = "no bandwidth figure for this device: speed not estimated";
static const char SPEED_NOFIT[] = "not estimated: the configuration does not fit";

/* Host RAM bandwidth assumed for layers kept in system RAM next to a discrete
** GPU: 50 GB/s, about dual-channel DDR4-3200 (51.2 GB/s theoretical) and below
** any current DDR5 desktop; deliberately conservative. */
#define HOST_BANDWIDTH_GBS 50.0
/* The CPU cores of an Apple SoC reach about half of the unified memory
** bandwidth the GPU does (approximate). */
#define UNIFIED_CPU_SHARE 0.5

/* Bytes read per decoded token from the weights: every non-expert tensor, the
** routed experts a token visits, the output head (the tied embedding when
** tied); the input embedding reads one row. */
double estimator_active_weight_bytes(const struct estimator_shape *s,
                                     const struct estimator_weights *wt)
{
    double layers = (double)(wt->layers - wt->routed_experts);
    if (s->moe)
        layers += (double)wt->routed_experts * s->n_expert_used / s->n_expert;
    double head = (double)wt->output + (s->tied ? (double)wt->token_embd : 0.0);
    return layers + head;
}

void estimator_speed(const struct estimator_prep *p, const struct estimator_footprint *f,
                     const struct estimator_placement *pl, struct estimator_speed *out)
{
    const struct est_input *in = p->in;
    const struct est_device *dev = &in->device;
    const struct estimator_shape *s = &p->shape;
    const struct estimator_weights *wt = &p->wt;
    const struct estimator_kv *kv = &f->kv;
    const enum est_runtime rt = in->runtime;

    out->decode_tps = 0.0;
    out->prompt_tps = 0.0;
    out->prompt_basis = NULL;
    out->unknown = false;
    double bw = dev->bandwidth_gbs * 1e9;
    if (!p->accel && dev->kind == EST_DEVICE_GPU)
        bw = HOST_BANDWIDTH_GBS * 1e9; /* CPU run on a GPU box */
    if (!(bw > 0.0)) {
        out->unknown = true;
        out->decode_basis = SPEED_UNKNOWN;
        return;
    }
    if (pl->verdict == EST_WONT_RUN) {
        out->decode_basis = SPEED_NOFIT;
        return;
    }
    const double eff =
        estimator_decode_efficiency(p->engine, p->accel ? dev->backend : EST_BACKEND_CPU);
    const double active = estimator_active_weight_bytes(s, wt);
    const uint32_t count = dev->count ? dev->count : 1;
    /* vLLM splits every layer across GPUs (tensor parallel): bandwidths
    ** add up. Layer splits run the devices one after another. */
    const double dev_bw = rt == EST_RUNTIME_VLLM ? bw * count : bw;
    if (pl->verdict != EST_OFFLOAD) {
        out->decode_tps = eff * dev_bw / (active + (double)kv->total);
        out->decode_basis = SPEED_BANDWIDTH;
        return;
    }
    double frac = wt->layers ? (double)pl->gpu_layer_weights / (double)wt->layers : 0.0;
    double layer_active = active - (double)wt->output - (s->tied ? (double)wt->token_embd : 0.0);
    double gpu_bytes = layer_active * frac + (double)pl->gpu_layer_kv;
    double cpu_bytes = active - layer_active * frac + ((double)kv->total - (double)pl->gpu_layer_kv);
    double host_bw =
        dev->kind == EST_DEVICE_UNIFIED ? bw * UNIFIED_CPU_SHARE : HOST_BANDWIDTH_GBS * 1e9;
    double host_eff = estimator_decode_efficiency(p->engine, EST_BACKEND_CPU);
    double t = gpu_bytes / (eff * dev_bw) + cpu_bytes / (host_eff * host_bw);
    out->decode_tps = t > 0.0 ? 1.0 / t : 0.0;
    out->decode_basis = SPEED_OFFLOAD;
}

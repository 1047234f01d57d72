// The recurrence of an LSTM layer over a padded batch (slim_kernels.h). Each time step is one
// oneDNN GEMM per direction, h·W_hhᵀ on weights in the layout the primitive wants (the caller's
// cached packing, or reordered once per call: plain weights would be repacked by oneDNN at every
// step), then one fused loop over every direction and row for the gate nonlinearities and the
// state update. The input projections of all steps are GEMMs made by the caller; so are W_ih's
// gradient and the input's. W_hh's gradient is one GEMM over all steps at the end of the
// backward pass. Inference at small batches runs each sequence's recurrence in one task instead
// (lstm_forward_sequences). (Over 300 lines: the forward paths and the backward pass share their
// packing, row and cell helpers, and read best side by side.)
#include "dnnl_exec.h"
#include "kernels_internal.h"
#include "packed_weights.h"
#include "primitive_cache.h"

#include <stdlib.h>
#include <string.h>

/* ---- GEMMs -------------------------------------------------------------------------- */

// C (m × n) = A (m × k) · B (k × n) (+ C when `accumulate`), B in any layout oneDNN likes.
typedef struct { int64_t m, n, k; int accumulate; } step_key;

// `context`: the packed weights' layout, or NULL to let oneDNN choose one.
static dnnl_status_t make_step_pd(const void *raw, const void *context, dnnl_primitive_desc_t *pd) {
    const step_key *key = raw;
    dnnl_memory_desc_t a, b, c;
    dnnl_dims_t ad = {key->m, key->k}, bd = {key->k, key->n}, cd = {key->m, key->n};
    dnnl_memory_desc_init_by_tag(&a, 2, ad, dnnl_f32, dnnl_ab);
    if (context) b = *(const dnnl_memory_desc_t *)context;
    else dnnl_memory_desc_init_by_tag(&b, 2, bd, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&c, 2, cd, dnnl_f32, dnnl_ab);
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    if (key->accumulate) {
        dnnl_post_ops_t ops;
        dnnl_post_ops_create(&ops);
        dnnl_post_ops_append_sum(ops, 1.0f);
        dnnl_primitive_attr_set_post_ops(attr, ops);
        dnnl_post_ops_destroy(ops);
    }
    dnnl_matmul_desc_t desc;
    dnnl_status_t status = dnnl_matmul_desc_init(&desc, &a, &b, NULL, &c);
    if (status == dnnl_success) status = dnnl_primitive_desc_create(pd, &desc, attr, slim_dnnl_engine(), NULL);
    dnnl_primitive_attr_destroy(attr);
    return status;
}

// One direction's per-step GEMM: its A and C buffers stay the same at every step, so the memory
// objects are made once per call and each step is a bare execution.
typedef struct {
    const slim_primitive *gemm;
    dnnl_memory_t a, b, c;
    void *reordered;  // owned: W in the primitive's layout, when no packing was given
} step_gemm;

// C = A · W (W stored (k, n)) or A · Wᵀ (W stored (n, k), `transposed`), reading `packed` (the
// caller's cached packing of the (n, k) weights) when given and usable, else W reordered here.
static dnnl_status_t step_gemm_init(step_gemm *g, int64_t m, int64_t n, int64_t k, const float *w, int transposed,
                                    const slim_packed_weights *packed, int accumulate, const float *a, float *c) {
    memset(g, 0, sizeof *g);
    step_key key;
    memset(&key, 0, sizeof key);  // padding bytes take part in the hash
    key.m = m; key.n = n; key.k = k; key.accumulate = accumulate;
    // Primitives made for a packing are evicted with it (primitive_cache.h).
    if (packed) g->gemm = slim_primitive_get(packed, &key, sizeof key, make_step_pd, slim_packed_weights_layout(packed));
    if (!g->gemm) {
        packed = NULL;
        g->gemm = slim_primitive_get(NULL, &key, sizeof key, make_step_pd, NULL);
    }
    if (!g->gemm) return dnnl_unimplemented;
    const dnnl_memory_desc_t *a_md = dnnl_primitive_desc_query_md(g->gemm->pd, dnnl_query_src_md, 0);
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(g->gemm->pd, dnnl_query_weights_md, 0);
    const dnnl_memory_desc_t *c_md = dnnl_primitive_desc_query_md(g->gemm->pd, dnnl_query_dst_md, 0);
    void *weights = packed ? slim_packed_weights_data(packed) : NULL;
    if (!packed) {
        if (posix_memalign(&g->reordered, 64, dnnl_memory_desc_get_size(w_md)) != 0) {
            g->reordered = NULL;
            return dnnl_out_of_memory;
        }
        dnnl_memory_desc_t plain;
        dnnl_dims_t wd = {k, n};
        dnnl_memory_desc_init_by_tag(&plain, 2, wd, dnnl_f32, transposed ? dnnl_ba : dnnl_ab);
        if (!slim_dnnl_reorder(&plain, w, w_md, g->reordered)) return dnnl_runtime_error;
        weights = g->reordered;
    }
    dnnl_engine_t engine = slim_dnnl_engine();
    dnnl_status_t status = dnnl_memory_create(&g->a, a_md, engine, (void *)a);
    if (status == dnnl_success) status = dnnl_memory_create(&g->b, w_md, engine, weights);
    if (status == dnnl_success) status = dnnl_memory_create(&g->c, c_md, engine, c);
    return status;
}

static dnnl_status_t step_gemm_run(const step_gemm *g) {
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, g->a}, {DNNL_ARG_WEIGHTS, g->b}, {DNNL_ARG_DST, g->c}};
    return slim_dnnl_execute(g->gemm->primitive, 3, args);
}

static void step_gemm_free(step_gemm *g) {
    if (g->a) dnnl_memory_destroy(g->a);
    if (g->b) dnnl_memory_destroy(g->b);
    if (g->c) dnnl_memory_destroy(g->c);
    free(g->reordered);
    memset(g, 0, sizeof *g);
}

// C (m × n) = Σ_r A[r]ᵀ B[r] over `rows` rows, A rows (length m) lda apart, B rows (length n)
// ldb apart: one direction's weight gradient read in place from the interleaved layouts.
typedef struct { int64_t m, n, rows, lda, ldb; } outer_key;

static dnnl_status_t make_outer_pd(const void *raw, const void *context, dnnl_primitive_desc_t *pd) {
    (void)context;
    const outer_key *key = raw;
    dnnl_memory_desc_t a, b, c;
    dnnl_dims_t ad = {key->m, key->rows}, as = {1, key->lda};
    dnnl_dims_t bd = {key->rows, key->n}, bs = {key->ldb, 1};
    dnnl_dims_t cd = {key->m, key->n};
    dnnl_memory_desc_init_by_strides(&a, 2, ad, dnnl_f32, as);
    dnnl_memory_desc_init_by_strides(&b, 2, bd, dnnl_f32, bs);
    dnnl_memory_desc_init_by_tag(&c, 2, cd, dnnl_f32, dnnl_ab);
    dnnl_matmul_desc_t desc;
    dnnl_status_t status = dnnl_matmul_desc_init(&desc, &a, &b, NULL, &c);
    if (status == dnnl_success) status = dnnl_primitive_desc_create(pd, &desc, NULL, slim_dnnl_engine(), NULL);
    return status;
}

static dnnl_status_t outer_product_sum(int64_t m, int64_t n, int64_t rows, const float *a, int64_t lda,
                                       const float *b, int64_t ldb, float *c) {
    outer_key key;
    memset(&key, 0, sizeof key);
    key.m = m; key.n = n; key.rows = rows; key.lda = lda; key.ldb = ldb;
    const slim_primitive *e = slim_primitive_get(NULL, &key, sizeof key, make_outer_pd, NULL);
    if (!e) return dnnl_unimplemented;
    dnnl_engine_t engine = slim_dnnl_engine();
    dnnl_memory_t ma, mb, mc;
    dnnl_memory_create(&ma, dnnl_primitive_desc_query_md(e->pd, dnnl_query_src_md, 0), engine, (void *)a);
    dnnl_memory_create(&mb, dnnl_primitive_desc_query_md(e->pd, dnnl_query_weights_md, 0), engine, (void *)b);
    dnnl_memory_create(&mc, dnnl_primitive_desc_query_md(e->pd, dnnl_query_dst_md, 0), engine, c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
    dnnl_status_t status = slim_dnnl_execute(e->primitive, 3, args);
    dnnl_memory_destroy(ma);
    dnnl_memory_destroy(mb);
    dnnl_memory_destroy(mc);
    return status;
}

/* ---- the fused gate loops ------------------------------------------------------------ */

// Row r of a step is direction r / B, sequence r % B; direction 1 reads time T − 1 − step.
// The interleaved tensors (y, gates, h_prev, c_prev, dy, dxw) hold direction d of (b, t) at row
// (b·T + t)·D + d; direction d's input projections are row b·T + t of xw[d], xw_stride apart;
// the states and the per-step buffers are (D, B, ·).
struct lstm_step {
    int64_t directions, batch, steps, hidden, step, xw_stride;
    const uint8_t *mask;
    const float *xw[2], *rec, *dy;
    float *h, *c, *y, *gates, *h_prev, *c_prev, *dxw, *dstep;
};

static inline __attribute__((always_inline)) int64_t interleaved_row(const struct lstm_step *k, int64_t r,
                                                                     int *valid) {
    int64_t d = r / k->batch, b = r % k->batch;
    int64_t t = d ? k->steps - 1 - k->step : k->step;
    *valid = !k->mask || k->mask[b * k->steps + t];
    return (b * k->steps + t) * k->directions + d;
}

// i, f, o = σ(·), g = tanh(·) of xw + rec; c = f⊙c + i⊙g; h = o⊙tanh(c).
static inline __attribute__((always_inline)) void cell_forward(int64_t n, const float *restrict xw,
                                                               const float *restrict rec, float *restrict h,
                                                               float *restrict c, float *restrict y,
                                                               float *restrict gates) {
    for (int64_t j = 0; j < n; j++) {
        float i = vsigmoid(xw[j] + rec[j]);
        float f = vsigmoid(xw[n + j] + rec[n + j]);
        float g = vtanh(xw[2 * n + j] + rec[2 * n + j]);
        float o = vsigmoid(xw[3 * n + j] + rec[3 * n + j]);
        float cell = f * c[j] + i * g;
        float hidden = o * vtanh(cell);
        gates[j] = i;
        gates[n + j] = f;
        gates[2 * n + j] = g;
        gates[3 * n + j] = o;
        c[j] = cell;
        h[j] = hidden;
        y[j] = hidden;
    }
}

LOOP lstm_forward_rows(void *ctx, int64_t lo, int64_t hi) {
    const struct lstm_step *k = ctx;
    const int64_t n = k->hidden;
    for (int64_t r = lo; r < hi; r++) {
        int valid;
        int64_t row = interleaved_row(k, r, &valid);
        float *h = k->h + r * n, *c = k->c + r * n, *y = k->y + row * n;
        if (k->h_prev) {
            memcpy(k->h_prev + row * n, h, (size_t)n * sizeof(float));
            memcpy(k->c_prev + row * n, c, (size_t)n * sizeof(float));
        }
        if (!valid) {
            memset(y, 0, (size_t)n * sizeof(float));
            continue;
        }
        // Inference keeps no gates: each row writes them to its own slot of a scratch buffer.
        float *gates = k->h_prev ? k->gates + row * 4 * n : k->gates + r * 4 * n;
        const float *xw = k->xw[r / k->batch] + (row / k->directions) * k->xw_stride;
        cell_forward(n, xw, k->rec + r * 4 * n, h, c, y, gates);
    }
}
VARIANTS(lstm_forward_rows)

// From dh, dc (the gradients of the state this step leaves): the gradients of the four gates'
// pre-activations (into dxw and the step buffer), dc for the state it entered, and dh := 0,
// which the step GEMM then fills with dgates · W_hh.
static inline __attribute__((always_inline)) void cell_backward(int64_t n, const float *restrict gates,
                                                                const float *restrict c_prev,
                                                                const float *restrict dy, const int has_dy,
                                                                float *restrict dh, float *restrict dc,
                                                                float *restrict dxw, float *restrict dstep) {
    for (int64_t j = 0; j < n; j++) {
        float i = gates[j], f = gates[n + j], g = gates[2 * n + j], o = gates[3 * n + j];
        float cp = c_prev[j];
        float tc = vtanh(f * cp + i * g);  // recomputed: cheaper than keeping c and tanh(c)
        float dhj = has_dy ? dh[j] + dy[j] : dh[j];
        float dcj = dc[j] + dhj * o * (1.0f - tc * tc);
        float di = dcj * g * i * (1.0f - i);
        float df = dcj * cp * f * (1.0f - f);
        float dg = dcj * i * (1.0f - g * g);
        float dout = dhj * tc * o * (1.0f - o);
        dxw[j] = di;
        dxw[n + j] = df;
        dxw[2 * n + j] = dg;
        dxw[3 * n + j] = dout;
        dstep[j] = di;
        dstep[n + j] = df;
        dstep[2 * n + j] = dg;
        dstep[3 * n + j] = dout;
        dc[j] = dcj * f;
        dh[j] = 0.0f;
    }
}

LOOP lstm_backward_rows(void *ctx, int64_t lo, int64_t hi) {
    const struct lstm_step *k = ctx;
    const int64_t n = k->hidden;
    for (int64_t r = lo; r < hi; r++) {
        int valid;
        int64_t row = interleaved_row(k, r, &valid);
        float *dxw = k->dxw + row * 4 * n, *dstep = k->dstep + r * 4 * n;
        if (!valid) {  // the state passed through: dh and dc pass back unchanged, dy is ignored
            memset(dxw, 0, (size_t)(4 * n) * sizeof(float));
            memset(dstep, 0, (size_t)(4 * n) * sizeof(float));
            continue;
        }
        float *dh = k->h + r * n, *dc = k->c + r * n;
        const float *gates = k->gates + row * 4 * n, *c_prev = k->c_prev + row * n;
        if (k->dy) cell_backward(n, gates, c_prev, k->dy + row * n, 1, dh, dc, dxw, dstep);
        else cell_backward(n, gates, c_prev, NULL, 0, dh, dc, dxw, dstep);
    }
}
VARIANTS(lstm_backward_rows)

// Inference at small batches (B ≤ SEQUENCE_BATCH) and sizes: each (direction, sequence) row runs its
// whole recurrence in one task — W_hh·h as one dot product per gate row, then the cell — so the
// steps need neither a GEMM call nor a barrier, which at batch 1 cost more than the arithmetic
// (64 units: 0.17 instead of 0.7 ms for 64 steps). Only up to SEQUENCE_HIDDEN units: with W_hh
// over ~200 KB per direction (128 units and more) this loop ran 10× slower on the Zen 5 guest it
// was measured on, cause not found, and the GEMM path wins there.
#define SEQUENCE_BATCH 4
#define SEQUENCE_HIDDEN 112

struct lstm_sequences {
    const struct lstm_step *step;
    const float *w[2];  // W_hh (4H, H) of each direction
    float *rec;         // (D·B, 4H): each row's W_hh·h
};

// Σ a·b over n values in 16 independent lanes (so the loop vectorises without reassociation).
static inline __attribute__((always_inline)) float dot(int64_t n, const float *restrict a, const float *restrict b) {
    float lanes[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) lanes[l] += a[i + l] * b[i + l];
    float sum = 0;
    for (; i < n; i++) sum += a[i] * b[i];
    for (int l = 0; l < 16; l++) sum += lanes[l];
    return sum;
}

LOOP lstm_forward_sequences(void *ctx, int64_t lo, int64_t hi) {
    const struct lstm_sequences *s = ctx;
    struct lstm_step k = *s->step;
    const int64_t n = k.hidden;
    for (int64_t r = lo; r < hi; r++) {
        float *h = k.h + r * n, *c = k.c + r * n, *rec = s->rec + r * 4 * n, *gates = k.gates + r * 4 * n;
        const float *w = s->w[r / k.batch];
        for (k.step = 0; k.step < k.steps; k.step++) {
            int valid;
            int64_t row = interleaved_row(&k, r, &valid);
            float *y = k.y + row * n;
            if (!valid) {
                memset(y, 0, (size_t)n * sizeof(float));
                continue;
            }
            for (int64_t j = 0; j < 4 * n; j++) rec[j] = dot(n, w + j * n, h);
            cell_forward(n, k.xw[r / k.batch] + (row / k.directions) * k.xw_stride, rec, h, c, y, gates);
        }
    }
}
VARIANTS(lstm_forward_sequences)

/* ---- the recurrence ------------------------------------------------------------------- */

static float *aligned_floats(int64_t n) {
    void *p = NULL;
    return posix_memalign(&p, 64, (size_t)(n > 0 ? n : 1) * sizeof(float)) == 0 ? p : NULL;
}

static int lstm_forward_small_batch(const slim_lstm_layer *layer, const float *xw, const float *xw_reverse,
                                    int64_t xw_stride, float *y, float *h_n, float *c_n) {
    const int64_t D = layer->directions, B = layer->batch, T = layer->steps, H = layer->hidden;
    float *rec = aligned_floats(D * B * 4 * H), *scratch = aligned_floats(D * B * 4 * H);
    if (rec && scratch) {
        struct lstm_step k = {D, B, T, H, 0, xw_stride, layer->mask, {xw, xw_reverse}, NULL, NULL, h_n, c_n, y,
                              scratch, NULL, NULL, NULL, NULL};
        struct lstm_sequences s = {&k, {layer->weight_hh, layer->weight_hh_reverse}, rec};
        slim_parallel_for(D * B, 1, PICK(lstm_forward_sequences), &s);
    }
    int status = rec && scratch ? 0 : dnnl_out_of_memory;
    free(rec);
    free(scratch);
    return status;
}

int slim_lstm_forward(const slim_lstm_layer *layer, const float *xw, const float *xw_reverse, int64_t xw_stride,
                      float *y, float *h_n, float *c_n, float *gates, float *h_prev, float *c_prev) {
    const int64_t D = layer->directions, B = layer->batch, T = layer->steps, H = layer->hidden;
    memset(h_n, 0, (size_t)(D * B * H) * sizeof(float));
    memset(c_n, 0, (size_t)(D * B * H) * sizeof(float));
    if (B == 0 || T == 0 || H == 0) return 0;
    if (!gates && B <= SEQUENCE_BATCH && H <= SEQUENCE_HIDDEN && layer->weight_hh && (D == 1 || layer->weight_hh_reverse))
        return lstm_forward_small_batch(layer, xw, xw_reverse, xw_stride, y, h_n, c_n);
    float *rec = aligned_floats(D * B * 4 * H), *scratch = gates ? NULL : aligned_floats(D * B * 4 * H);
    step_gemm gemm[2];
    memset(gemm, 0, sizeof gemm);
    dnnl_status_t status = rec && (gates || scratch) ? dnnl_success : dnnl_out_of_memory;
    const float *weights[2] = {layer->weight_hh, layer->weight_hh_reverse};
    const slim_packed_weights *packed[2] = {layer->packed_hh, layer->packed_hh_reverse};
    for (int64_t d = 0; d < D && status == dnnl_success; d++)
        status = step_gemm_init(&gemm[d], B, 4 * H, H, weights[d], 1, packed[d], 0, h_n + d * B * H, rec + d * B * 4 * H);
    struct lstm_step k = {D, B, T, H, 0, xw_stride, layer->mask, {xw, xw_reverse}, rec, NULL, h_n, c_n, y,
                          gates ? gates : scratch, gates ? h_prev : NULL, gates ? c_prev : NULL, NULL, NULL};
    slim_range_fn rows = PICK(lstm_forward_rows);
    for (int64_t step = 0; step < T && status == dnnl_success; step++) {
        if (step == 0) memset(rec, 0, (size_t)(D * B * 4 * H) * sizeof(float));  // h₀ = 0
        for (int64_t d = 0; d < D && step > 0 && status == dnnl_success; d++) status = step_gemm_run(&gemm[d]);
        k.step = step;
        slim_parallel_for(D * B, ROW_GRAIN(4 * H), rows, &k);
    }
    for (int64_t d = 0; d < D; d++) step_gemm_free(&gemm[d]);
    free(rec);
    free(scratch);
    return status;
}

int slim_lstm_backward(const slim_lstm_layer *layer, const float *dy, const float *dh_n, const float *dc_n,
                       const float *gates, const float *h_prev, const float *c_prev, float *dxw,
                       float *dw_hh, float *dw_hh_reverse) {
    const int64_t D = layer->directions, B = layer->batch, T = layer->steps, H = layer->hidden;
    float *dw[2] = {dw_hh, dw_hh_reverse};
    if (B == 0 || T == 0 || H == 0) {
        for (int64_t d = 0; d < D; d++)
            if (dw[d]) memset(dw[d], 0, (size_t)(4 * H * H) * sizeof(float));
        return 0;
    }
    const int64_t state = D * B * H;
    float *dh = aligned_floats(state), *dc = aligned_floats(state), *dstep = aligned_floats(D * B * 4 * H);
    step_gemm gemm[2];
    memset(gemm, 0, sizeof gemm);
    dnnl_status_t status = dh && dc && dstep ? dnnl_success : dnnl_out_of_memory;
    if (status == dnnl_success) {
        if (dh_n) memcpy(dh, dh_n, (size_t)state * sizeof(float)); else memset(dh, 0, (size_t)state * sizeof(float));
        if (dc_n) memcpy(dc, dc_n, (size_t)state * sizeof(float)); else memset(dc, 0, (size_t)state * sizeof(float));
    }
    const float *weights[2] = {layer->weight_hh, layer->weight_hh_reverse};
    for (int64_t d = 0; d < D && status == dnnl_success; d++)
        status = step_gemm_init(&gemm[d], B, H, 4 * H, weights[d], 0, NULL, 1, dstep + d * B * 4 * H, dh + d * B * H);
    struct lstm_step k = {D, B, T, H, 0, 0, layer->mask, {NULL, NULL}, NULL, dy, dh, dc, NULL,
                          (float *)gates, NULL, (float *)c_prev, dxw, dstep};
    slim_range_fn rows = PICK(lstm_backward_rows);
    for (int64_t step = T - 1; step >= 0 && status == dnnl_success; step--) {
        k.step = step;
        slim_parallel_for(D * B, ROW_GRAIN(4 * H), rows, &k);
        // After the first step the result would be the gradient of h₀, which is a constant.
        for (int64_t d = 0; d < D && step > 0 && status == dnnl_success; d++) status = step_gemm_run(&gemm[d]);
    }
    // dW_hh[d] = Σ over (b, t) of dgatesᵀ ⊗ h_prev, read in place from the interleaved rows.
    for (int64_t d = 0; d < D && status == dnnl_success; d++)
        if (dw[d]) status = outer_product_sum(4 * H, H, B * T, dxw + d * 4 * H, D * 4 * H, h_prev + d * H, D * H, dw[d]);
    for (int64_t d = 0; d < D; d++) step_gemm_free(&gemm[d]);
    free(dh);
    free(dc);
    free(dstep);
    return status;
}

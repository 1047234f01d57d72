// Symmetric int8 quantization loops (Zafrir et al. 2019, Q8BERT): q = clamp(round(x·s), ±127)
// with s = 127 / max|x|, rounding half to even as PyTorch does. The LayerNorm variants write
// the float output (kept for the residual) and its int8 form in one pass, so the next GEMM's
// input never makes a separate trip through memory.
#include "kernels_internal.h"
#include "slim_int8.h"

static inline int8_t quantize_one(float x, float s) {
    float q = __builtin_roundevenf(x * s);
    q = q > 127.0f ? 127.0f : (q < -127.0f ? -127.0f : q);
    return (int8_t)q;
}

struct quant_ctx { const float *x; int8_t *q; const int8_t *qin; float *y; float s; float max; };

// Int8 stores may alias anything, so every loop reads its context into locals first (else
// the compiler reloads them after each store and the loop stays scalar).
LOOP quantize_range(void *c, int64_t lo, int64_t hi) {
    struct quant_ctx *k = c;
    const float *x = k->x;
    int8_t *q = k->q;
    float s = k->s;
    for (int64_t i = lo; i < hi; i++) q[i] = quantize_one(x[i], s);
}
VARIANTS(quantize_range)
void slim_quantize_s8(const float *x, int8_t *q, int64_t n, float scale) {
    struct quant_ctx k = {x, q, NULL, NULL, scale, 0};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(quantize_range), &k);
}

LOOP dequantize_range(void *c, int64_t lo, int64_t hi) {
    struct quant_ctx *k = c;
    const int8_t *q = k->qin;
    float *y = k->y, s = k->s;
    for (int64_t i = lo; i < hi; i++) y[i] = (float)q[i] * s;
}
VARIANTS(dequantize_range)
void slim_dequantize_s8(const int8_t *q, float *y, int64_t n, float step) {
    struct quant_ctx k = {NULL, NULL, q, y, step, 0};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(dequantize_range), &k);
}

// max|x| over [lo, hi), left in the context's `max`; called serially (a max is cheap next
// to whatever reads its result).
LOOP max_abs_range(void *c, int64_t lo, int64_t hi) {
    struct quant_ctx *k = c;
    const float *x = k->x;
    float lanes[16] = {0};  // independent maxima, so the loop vectorises
    int64_t i = lo;
    for (; i + 16 <= hi; i += 16)
        for (int j = 0; j < 16; j++) { float a = fabsf(x[i + j]); lanes[j] = a > lanes[j] ? a : lanes[j]; }
    float m = 0;
    for (int j = 0; j < 16; j++) m = lanes[j] > m ? lanes[j] : m;
    for (; i < hi; i++) { float a = fabsf(x[i]); m = a > m ? a : m; }
    k->max = m;
}
VARIANTS(max_abs_range)
float slim_max_abs(const float *x, int64_t n) {
    struct quant_ctx k = {x, NULL, NULL, NULL, 0, 0};
    PICK(max_abs_range)(&k, 0, n);
    return k.max;
}

LOOP fake_quantize_range(void *c, int64_t lo, int64_t hi) {
    struct quant_ctx *k = c;
    const float *x = k->x;
    float *y = k->y, s = k->s, inv = 1.0f / k->s;
    for (int64_t i = lo; i < hi; i++) y[i] = (float)quantize_one(x[i], s) * inv;
}
VARIANTS(fake_quantize_range)
void slim_fake_quantize(const float *x, float *y, int64_t n, float scale) {
    struct quant_ctx k = {x, NULL, NULL, y, scale, 0};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(fake_quantize_range), &k);
}

struct lnq_ctx {
    const float *x, *residual, *gamma, *beta; float *y; int8_t *q;
    int64_t cols; float eps, s;
};
// y = LayerNorm(x) for one row of n; x may be y itself (then the loops see one pointer and
// vectorise, where distinct pointers that happen to be equal would fail the aliasing check).
static inline __attribute__((always_inline)) void normalize_row(const float *x, float *y, const float *gamma,
                                                                const float *beta, int64_t n, float eps) {
    float sum = 0;
    for (int64_t j = 0; j < n; j++) sum += x[j];
    float mu = sum / n, var = 0;
    for (int64_t j = 0; j < n; j++) var += (x[j] - mu) * (x[j] - mu);
    float rs = 1.0f / sqrtf(var / n + eps);
    for (int64_t j = 0; j < n; j++) y[j] = (x[j] - mu) * rs * gamma[j] + beta[j];
}

LOOP layernorm_quantize_range(void *c, int64_t lo, int64_t hi) {
    struct lnq_ctx *k = c;
    int64_t n = k->cols;
    for (int64_t r = lo; r < hi; r++) {
        float *y = k->y + r * n;
        if (k->residual) {  // y = x + residual, then normalised in place
            const float *restrict a = k->x + r * n, *restrict b = k->residual + r * n;
            float *restrict sum = y;
            for (int64_t j = 0; j < n; j++) sum[j] = a[j] + b[j];
            normalize_row(y, y, k->gamma, k->beta, n, k->eps);
        } else {
            normalize_row(k->x + r * n, y, k->gamma, k->beta, n, k->eps);
        }
        if (k->q) {
            int8_t *q = k->q + r * n;
            float s = k->s;
            for (int64_t j = 0; j < n; j++) q[j] = quantize_one(y[j], s);
        }
    }
}
VARIANTS(layernorm_quantize_range)
void slim_layernorm_quantize(const float *x, const float *residual, const float *gamma,
                             const float *beta, float *y, int8_t *q, int64_t rows, int64_t cols,
                             float eps, float scale) {
    struct lnq_ctx k = {x, residual, gamma, beta, y, q, cols, eps, scale};
    slim_parallel_for(rows, ROW_GRAIN(cols), PICK(layernorm_quantize_range), &k);
}

struct gather_ctx { const int8_t *table; const int32_t *ids; float *out; int64_t width; float step; int accumulate; };
LOOP gather_s8_range(void *c, int64_t lo, int64_t hi) {
    struct gather_ctx *k = c;
    int64_t width = k->width;
    float step = k->step;
    for (int64_t r = lo; r < hi; r++) {
        const int8_t *row = k->table + (int64_t)k->ids[r] * width;
        float *out = k->out + r * width;
        if (k->accumulate) for (int64_t j = 0; j < width; j++) out[j] += (float)row[j] * step;
        else for (int64_t j = 0; j < width; j++) out[j] = (float)row[j] * step;
    }
}
VARIANTS(gather_s8_range)
void slim_embedding_gather_s8(const int8_t *table, float step, const int32_t *ids, float *out,
                              int64_t rows, int64_t width, int accumulate) {
    struct gather_ctx k = {table, ids, out, width, step, accumulate};
    slim_parallel_for(rows, ROW_GRAIN(width), PICK(gather_s8_range), &k);
}

struct deq32_ctx { const int32_t *acc; const float *scales, *bias; float *y; int64_t cols; };
LOOP dequantize_s32_range(void *c, int64_t lo, int64_t hi) {
    struct deq32_ctx *k = c;
    int64_t n = k->cols;
    for (int64_t r = lo; r < hi; r++) {
        const int32_t *a = k->acc + r * n;
        float *y = k->y + r * n;
        if (k->bias) for (int64_t j = 0; j < n; j++) y[j] = (float)a[j] * k->scales[j] + k->bias[j];
        else for (int64_t j = 0; j < n; j++) y[j] = (float)a[j] * k->scales[j];
    }
}
VARIANTS(dequantize_s32_range)
void slim_dequantize_s32(const int32_t *acc, const float *scales, const float *bias, float *y,
                         int64_t rows, int64_t cols) {
    struct deq32_ctx k = {acc, scales, bias, y, cols};
    slim_parallel_for(rows, ROW_GRAIN(cols), PICK(dequantize_s32_range), &k);
}

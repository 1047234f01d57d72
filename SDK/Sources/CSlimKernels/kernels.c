// Vectorised loops for SlimTensor. Each `*_range` body is compiled three times
// (AVX-512, AVX2+FMA, baseline) and PICK chooses one per call (kernels_internal.h).
#include "kernels_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- elementwise ---------------------------------------------------------------- */

struct binary_ctx { const float *a, *b; float *y; float s; int64_t cols; };

LOOP add_range(void *c, int64_t lo, int64_t hi) {
    struct binary_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->a[i] + k->b[i];
}
VARIANTS(add_range)
void slim_add(const float *a, const float *b, float *y, int64_t n) {
    struct binary_ctx k = {a, b, y, 0, 0};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(add_range), &k);
}

LOOP mul_range(void *c, int64_t lo, int64_t hi) {
    struct binary_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->a[i] * k->b[i];
}
VARIANTS(mul_range)
void slim_mul(const float *a, const float *b, float *y, int64_t n) {
    struct binary_ctx k = {a, b, y, 0, 0};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(mul_range), &k);
}

LOOP scale_range(void *c, int64_t lo, int64_t hi) {
    struct binary_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->a[i] * k->s;
}
VARIANTS(scale_range)
void slim_scale(const float *x, float s, float *y, int64_t n) {
    struct binary_ctx k = {x, NULL, y, s, 0};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(scale_range), &k);
}

LOOP axpy_range(void *c, int64_t lo, int64_t hi) {
    struct binary_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] += k->s * k->a[i];
}
VARIANTS(axpy_range)
void slim_axpy(float a, const float *x, float *y, int64_t n) {
    struct binary_ctx k = {x, NULL, y, a, 0};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(axpy_range), &k);
}

LOOP rowbias_range(void *c, int64_t lo, int64_t hi) {
    struct binary_ctx *k = c;
    for (int64_t r = lo; r < hi; r++) {
        const float *x = k->a + r * k->cols;
        float *y = k->y + r * k->cols;
        for (int64_t j = 0; j < k->cols; j++) y[j] = x[j] + k->b[j];
    }
}
VARIANTS(rowbias_range)
void slim_add_rowbias(const float *x, const float *bias, float *y, int64_t rows, int64_t cols) {
    struct binary_ctx k = {x, bias, y, 0, cols};
    slim_parallel_for(rows, ROW_GRAIN(cols), PICK(rowbias_range), &k);
}

// Column sums: each worker sums a block of rows into its own partial, then the partials
// are added in a fixed order (the result does not depend on timing).
struct colsum_ctx { const float *x; float *partial; int64_t rows, cols, chunks; };

LOOP colsum_range(void *c, int64_t lo, int64_t hi) {
    struct colsum_ctx *k = c;
    for (int64_t chunk = lo; chunk < hi; chunk++) {
        float *p = k->partial + chunk * k->cols;
        int64_t r0 = k->rows * chunk / k->chunks, r1 = k->rows * (chunk + 1) / k->chunks;
        for (int64_t r = r0; r < r1; r++) {
            const float *x = k->x + r * k->cols;
            for (int64_t j = 0; j < k->cols; j++) p[j] += x[j];
        }
    }
}
VARIANTS(colsum_range)
void slim_sum_rows(const float *x, float *out, int64_t rows, int64_t cols) {
    int64_t chunks = rows * cols >= 65536 ? slim_num_threads() : 1;
    if (chunks > rows) chunks = rows > 0 ? rows : 1;
    float *partial = calloc((size_t)(chunks * cols), sizeof(float));
    struct colsum_ctx k = {x, partial, rows, cols, chunks};
    slim_parallel_for(chunks, 1, PICK(colsum_range), &k);
    for (int64_t chunk = 0; chunk < chunks; chunk++)
        for (int64_t j = 0; j < cols; j++) out[j] += partial[chunk * cols + j];
    free(partial);
}

double slim_sum_squares(const float *x, int64_t n) {
    double total = 0;
    for (int64_t i = 0; i < n; i++) total += (double)x[i] * x[i];
    return total;
}

/* ---- GELU ------------------------------------------------------------------------- */

struct gelu_ctx { const float *x, *dy; float *y; };

LOOP gelu_fwd_range(void *c, int64_t lo, int64_t hi) {
    struct gelu_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->x[i] * normal_cdf(k->x[i]);
}
VARIANTS(gelu_fwd_range)
void slim_gelu_forward(const float *x, float *y, int64_t n) {
    struct gelu_ctx k = {x, NULL, y};
    slim_parallel_for(n, ELEMENT_GRAIN / 4, PICK(gelu_fwd_range), &k);
}

// d/dx x·Φ(x) = Φ(x) + x·φ(x)
LOOP gelu_bwd_range(void *c, int64_t lo, int64_t hi) {
    struct gelu_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) {
        float x = k->x[i];
        float pdf = 0.39894228040143268f * vexp(-0.5f * x * x);
        k->y[i] = k->dy[i] * (normal_cdf(x) + x * pdf);
    }
}
VARIANTS(gelu_bwd_range)
void slim_gelu_backward(const float *x, const float *dy, float *dx, int64_t n) {
    struct gelu_ctx k = {x, dy, dx};
    slim_parallel_for(n, ELEMENT_GRAIN / 4, PICK(gelu_bwd_range), &k);
}

/* ---- softmax ---------------------------------------------------------------------- */

struct softmax_ctx {
    const float *x, *mask, *dy; float *y; int64_t rows_per_mask, cols; int log_space;
};

LOOP softmax_fwd_range(void *c, int64_t lo, int64_t hi) {
    struct softmax_ctx *k = c;
    int64_t n = k->cols;
    for (int64_t r = lo; r < hi; r++) {
        const float *x = k->x + r * n;
        const float *m = k->mask ? k->mask + (r / k->rows_per_mask) * n : NULL;
        float *y = k->y + r * n;
        if (m) for (int64_t j = 0; j < n; j++) { y[j] = x[j] + m[j]; }
        else for (int64_t j = 0; j < n; j++) { y[j] = x[j]; }
        float lanes[16], mx = -INFINITY;  // independent maxima, so the loop vectorises (fmaxf does not)
        for (int j = 0; j < 16; j++) lanes[j] = -INFINITY;
        int64_t j0 = 0;
        for (; j0 + 16 <= n; j0 += 16)
            for (int j = 0; j < 16; j++) lanes[j] = y[j0 + j] > lanes[j] ? y[j0 + j] : lanes[j];
        for (int j = 0; j < 16; j++) mx = lanes[j] > mx ? lanes[j] : mx;
        for (; j0 < n; j0++) mx = y[j0] > mx ? y[j0] : mx;
        float sum = 0;
        if (k->log_space) {
            for (int64_t j = 0; j < n; j++) sum += vexp(y[j] - mx);
            float lse = mx + logf(sum);
            for (int64_t j = 0; j < n; j++) y[j] -= lse;
        } else {
            for (int64_t j = 0; j < n; j++) { y[j] = vexp(y[j] - mx); sum += y[j]; }
            float inv = 1.0f / sum;
            for (int64_t j = 0; j < n; j++) y[j] *= inv;
        }
    }
}
VARIANTS(softmax_fwd_range)
void slim_softmax_forward(const float *x, const float *mask, int64_t rows_per_mask, float *y,
                          int64_t rows, int64_t cols, int log_space) {
    struct softmax_ctx k = {x, mask, NULL, y, rows_per_mask > 0 ? rows_per_mask : 1, cols,
                            log_space};
    slim_parallel_for(rows, ROW_GRAIN(cols), PICK(softmax_fwd_range), &k);
}

LOOP softmax_bwd_range(void *c, int64_t lo, int64_t hi) {
    struct softmax_ctx *k = c;
    int64_t n = k->cols;
    for (int64_t r = lo; r < hi; r++) {
        const float *y = k->x + r * n, *dy = k->dy + r * n;
        float *dx = k->y + r * n;
        float dot = 0;
        if (k->log_space) {
            for (int64_t j = 0; j < n; j++) dot += dy[j];
            for (int64_t j = 0; j < n; j++) dx[j] = dy[j] - vexp(y[j]) * dot;
        } else {
            for (int64_t j = 0; j < n; j++) dot += dy[j] * y[j];
            for (int64_t j = 0; j < n; j++) dx[j] = y[j] * (dy[j] - dot);
        }
    }
}
VARIANTS(softmax_bwd_range)
void slim_softmax_backward(const float *y, const float *dy, float *dx, int64_t rows,
                           int64_t cols, int log_space) {
    struct softmax_ctx k = {y, NULL, dy, dx, 1, cols, log_space};
    slim_parallel_for(rows, ROW_GRAIN(cols), PICK(softmax_bwd_range), &k);
}

/* ---- layer norm ------------------------------------------------------------------- */

struct layernorm_ctx {
    const float *x, *gamma, *beta, *dy; float *y, *mean, *rstd, *partial;
    int64_t rows, cols, chunks; float eps;
};

LOOP layernorm_fwd_range(void *c, int64_t lo, int64_t hi) {
    struct layernorm_ctx *k = c;
    int64_t n = k->cols;
    for (int64_t r = lo; r < hi; r++) {
        const float *x = k->x + r * n;
        float *y = k->y + r * n;
        float sum = 0;
        for (int64_t j = 0; j < n; j++) sum += x[j];
        float mu = sum / n, var = 0;
        for (int64_t j = 0; j < n; j++) var += (x[j] - mu) * (x[j] - mu);
        float rs = 1.0f / sqrtf(var / n + k->eps);
        for (int64_t j = 0; j < n; j++) y[j] = (x[j] - mu) * rs * k->gamma[j] + k->beta[j];
        if (k->mean) { k->mean[r] = mu; k->rstd[r] = rs; }
    }
}
VARIANTS(layernorm_fwd_range)
void slim_layernorm_forward(const float *x, const float *gamma, const float *beta, float *y,
                            float *mean, float *rstd, int64_t rows, int64_t cols, float eps) {
    struct layernorm_ctx k = {x, gamma, beta, NULL, y, mean, rstd, NULL, rows, cols, 0, eps};
    slim_parallel_for(rows, ROW_GRAIN(cols), PICK(layernorm_fwd_range), &k);
}

// x̂ = (x − μ)/σ, g = dy⊙γ:  dx = (g − mean(g) − x̂·mean(g⊙x̂)) / σ.
// dγ and dβ are summed per worker chunk, then in a fixed order.
LOOP layernorm_bwd_range(void *c, int64_t lo, int64_t hi) {
    struct layernorm_ctx *k = c;
    int64_t n = k->cols;
    for (int64_t chunk = lo; chunk < hi; chunk++) {
        float *dgamma = k->partial + chunk * 2 * n, *dbeta = dgamma + n;
        int64_t r0 = k->rows * chunk / k->chunks, r1 = k->rows * (chunk + 1) / k->chunks;
        for (int64_t r = r0; r < r1; r++) {
            const float *x = k->x + r * n, *dy = k->dy + r * n;
            float *dx = k->y + r * n;
            float mu = k->mean[r], rs = k->rstd[r];
            float mean_g = 0, mean_gx = 0;
            for (int64_t j = 0; j < n; j++) {
                float xh = (x[j] - mu) * rs, g = dy[j] * k->gamma[j];
                mean_g += g;
                mean_gx += g * xh;
                dgamma[j] += dy[j] * xh;
                dbeta[j] += dy[j];
            }
            mean_g /= n;
            mean_gx /= n;
            for (int64_t j = 0; j < n; j++) {
                float xh = (x[j] - mu) * rs;
                dx[j] = (dy[j] * k->gamma[j] - mean_g - xh * mean_gx) * rs;
            }
        }
    }
}
VARIANTS(layernorm_bwd_range)
void slim_layernorm_backward(const float *x, const float *gamma, const float *mean,
                             const float *rstd, const float *dy, float *dx, float *dgamma,
                             float *dbeta, int64_t rows, int64_t cols) {
    int64_t chunks = rows >= 64 ? slim_num_threads() : 1;
    float *partial = calloc((size_t)(chunks * 2 * cols), sizeof(float));
    struct layernorm_ctx k = {x, gamma, NULL, dy, dx, (float *)mean, (float *)rstd, partial,
                              rows, cols, chunks, 0};
    slim_parallel_for(chunks, 1, PICK(layernorm_bwd_range), &k);
    for (int64_t chunk = 0; chunk < chunks; chunk++)
        for (int64_t j = 0; j < cols; j++) {
            dgamma[j] += partial[chunk * 2 * cols + j];
            dbeta[j] += partial[chunk * 2 * cols + cols + j];
        }
    free(partial);
}

/* ---- AdamW ------------------------------------------------------------------------ */

struct adamw_ctx {
    float *w, *m, *v; const float *g;
    float lr, b1, b2, eps, wd, bc1, bc2;
};

// Same arithmetic as torch.optim.AdamW: w ← w(1 − lr·wd) − (lr/bc1)·m / (√v/√bc2 + ε).
LOOP adamw_range(void *c, int64_t lo, int64_t hi) {
    struct adamw_ctx *k = c;
    float step = k->lr / k->bc1, sqrt_bc2 = sqrtf(k->bc2), decay = 1.0f - k->lr * k->wd;
    for (int64_t i = lo; i < hi; i++) {
        float g = k->g[i];
        float m = k->m[i] = k->b1 * k->m[i] + (1.0f - k->b1) * g;
        float v = k->v[i] = k->b2 * k->v[i] + (1.0f - k->b2) * g * g;
        k->w[i] = k->w[i] * decay - step * m / (sqrtf(v) / sqrt_bc2 + k->eps);
    }
}
VARIANTS(adamw_range)
void slim_adamw_step(float *w, const float *g, float *m, float *v, int64_t n, float lr,
                     float beta1, float beta2, float eps, float weight_decay,
                     float bias_correction1, float bias_correction2) {
    struct adamw_ctx k = {w, m, v, g, lr, beta1, beta2, eps, weight_decay, bias_correction1,
                          bias_correction2};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(adamw_range), &k);
}

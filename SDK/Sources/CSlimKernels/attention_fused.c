// Fused inference attention in portable vector C, compiled for AVX2 + FMA and for baseline
// x86-64 (VARIANTS): the same one-pass plan as attention_avx512.c, with 8-float vectors. Per
// (batch, head): Kᵀ copied into a zero-padded (D, Tp) block; for 4 query rows at a time the
// scores go to a (4, Tp) buffer in 16-column tiles (plus the bias, if any), the softmax runs on it, and P·V
// accumulates 16 output columns at a time. The (B, H, T, T) scores never reach memory.
#include "attention_fused.h"
#include "kernels_internal.h"

#include <stdlib.h>
#include <string.h>

typedef float v8 __attribute__((vector_size(32)));
// Helpers that take or return v8 are always inlined, so the baseline variant's ABI for
// 32-byte vectors (clang warns that it differs without AVX) never comes into play.
#pragma clang diagnostic ignored "-Wpsabi"

static inline __attribute__((always_inline)) v8 load8(const float *p) {
    v8 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline __attribute__((always_inline)) void store8(float *p, v8 v) { memcpy(p, &v, sizeof v); }

enum { ROWS = 4 };  // query rows per block: 8 accumulators + 2 key vectors + a broadcast

// s[r][j] = scale·(q_r · k_j) + mask[j] for rows r < R and every padded column j < tp.
static inline __attribute__((always_inline)) void fused_scores(const int R, const float *q, int64_t qstride,
                                                               const float *kt, int64_t tp, int64_t d,
                                                               const float *mask, float scale, float *s) {
    for (int64_t j = 0; j < tp; j += 16) {
        v8 acc[ROWS][2];
        for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = (v8){0};
        for (int64_t c = 0; c < d; c++) {
            v8 k0 = load8(kt + c * tp + j), k1 = load8(kt + c * tp + j + 8);
            for (int r = 0; r < R; r++) {
                float x = q[r * qstride + c];
                acc[r][0] += x * k0;
                acc[r][1] += x * k1;
            }
        }
        v8 m0 = load8(mask + j), m1 = load8(mask + j + 8);
        for (int r = 0; r < R; r++) {
            store8(s + r * tp + j, acc[r][0] * scale + m0);
            store8(s + r * tp + j + 8, acc[r][1] * scale + m1);
        }
    }
}

// A row becomes e^(s − max) in place (exactly 0 below e^−87.3, so padded keys weigh nothing);
// returns 1 / Σ.
static inline __attribute__((always_inline)) float fused_exp_row(float *s, int64_t tp) {
    float lanes[8] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY};
    for (int64_t j = 0; j < tp; j += 8)  // tp is a multiple of FUSED_CHUNK
        for (int l = 0; l < 8; l++) lanes[l] = s[j + l] > lanes[l] ? s[j + l] : lanes[l];
    float m = lanes[0];
    for (int l = 1; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
    float sum = 0;
    for (int64_t j = 0; j < tp; j++) {
        float x = s[j] - m;
        float e = x < -87.3f ? 0.0f : vexp(x);
        s[j] = e;
        sum += e;
    }
    return 1.0f / sum;
}

// out[r][x] = inv[r] · Σ_j s[r][j]·v_j[x] for rows r < R, 16 output columns at a time.
static inline __attribute__((always_inline)) void fused_context(const int R, const float *s, int64_t tp,
                                                                const float *v, int64_t vstride, int64_t t,
                                                                int64_t d, const float *inv, float *out,
                                                                int64_t ostride) {
    for (int64_t x0 = 0; x0 < d; x0 += 16) {
        v8 acc[ROWS][2];
        for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = (v8){0};
        for (int64_t j = 0; j < t; j++) {
            v8 a = load8(v + j * vstride + x0), b = load8(v + j * vstride + x0 + 8);
            for (int r = 0; r < R; r++) {
                float p = s[r * tp + j];
                acc[r][0] += p * a;
                acc[r][1] += p * b;
            }
        }
        for (int r = 0; r < R; r++) {
            store8(out + r * ostride + x0, acc[r][0] * inv[r]);
            store8(out + r * ostride + x0 + 8, acc[r][1] * inv[r]);
        }
    }
}

// Rows [i, i + R) of one head: scores, softmax, context.
static inline __attribute__((always_inline)) void fused_rows(const int R, const struct fused_ctx *c, const float *q,
                                                             const float *v, float *out, const float *kt,
                                                             const float *mask, const float *bias, float *s) {
    float inv[ROWS];
    fused_scores(R, q, c->ld, kt, c->tp, c->d, mask, c->scale, s);
    fused_add_bias(R, s, c->tp, bias, c->t);
    for (int r = 0; r < R; r++) inv[r] = fused_exp_row(s + r * c->tp, c->tp);
    fused_context(R, s, c->tp, v, c->ld, c->t, c->d, inv, out, c->h * c->d);
}

LOOP fused_vec_range(void *ctx, int64_t lo, int64_t hi) {
    const struct fused_ctx *c = ctx;
    int64_t t = c->t, d = c->d, tp = c->tp, ld = c->ld, width = c->h * d;
    float *scratch;
    if (posix_memalign((void **)&scratch, 64, (size_t)(d + 1 + ROWS) * (size_t)tp * sizeof(float)) != 0) abort();
    float *kt = scratch, *mask = kt + d * tp, *s = mask + tp;
    for (int64_t task = lo; task < hi; task++) {
        int64_t b = task / c->h, head = task % c->h;
        int64_t in = b * t * ld + head * d, at = b * t * width + head * d;  // token 0 of this head
        for (int64_t j = 0; j < t; j++)
            for (int64_t x = 0; x < d; x++) kt[x * tp + j] = c->k[in + j * ld + x];
        for (int64_t x = 0; x < d; x++)
            for (int64_t j = t; j < tp; j++) kt[x * tp + j] = 0;
        for (int64_t j = 0; j < t; j++) mask[j] = c->mask[b * t + j];
        for (int64_t j = t; j < tp; j++) mask[j] = -INFINITY;
        const float *q = c->q + in, *v = c->v + in;
        float *out = c->context + at;
        int64_t i = 0;
        for (; i + ROWS <= t; i += ROWS)
            fused_rows(ROWS, c, q + i * ld, v, out + i * width, kt, mask, fused_bias_row(c, head, i), s);
        for (; i < t; i++) fused_rows(1, c, q + i * ld, v, out + i * width, kt, mask, fused_bias_row(c, head, i), s);
    }
    free(scratch);
}
VARIANTS(fused_vec_range)

slim_range_fn slim_attention_fused_vec(void) { return PICK(fused_vec_range); }

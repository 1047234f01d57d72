// Fused inference attention for AVX-512 (attention.c dispatches): one (batch, head) per task,
// everything in L1/L2. Kᵀ is copied once into a zero-padded (D, Tp) block, then for R query
// rows at a time the scores go to an (R, Tp) buffer in register-sized tiles, the softmax runs
// on that buffer and P·V accumulates in registers. The (B, H, T, T) scores and probabilities
// never reach memory, which is where the separate oneDNN products spend their time at BERT's
// head sizes (K = 32 or 64).
#include "attention_fused.h"
#include "kernels_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>

#define AVX512 __attribute__((target("avx512f")))
#define AVX512_INLINE static inline __attribute__((always_inline, target("avx512f")))

// e^x as vexp (kernels_internal.h), 16 lanes; lanes below -87.3 give exactly 0 (masked keys).
AVX512_INLINE __m512 exp512(__m512 x) {
    __mmask16 live = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-87.3f), _CMP_GE_OQ);
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.3f)), _mm512_set1_ps(88.7f));
    __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693145751953125f), x);
    r = _mm512_fnmadd_ps(k, _mm512_set1_ps(1.428606765330187e-06f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720.0f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_maskz_mov_ps(live, _mm512_scalef_ps(p, k));
}

// Rows become columns: r[i][j] ← r[j][i] (unpacks within 128-bit lanes, then lane shuffles).
AVX512_INLINE void transpose16(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        __m512d c = _mm512_castps_pd(t[4 * i + 2]), e = _mm512_castps_pd(t[4 * i + 3]);
        r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
        r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
    }
    for (int i = 0; i < 4; i++) {
        t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
        t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
        t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
        t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
    }
    for (int i = 0; i < 8; i++) {
        r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
        r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
    }
}

// s[r][j] = scale·(q_r · k_j) + mask[j] for rows r < R and every padded column j < tp.
AVX512_INLINE void fused_scores(const int R, const float *q, int64_t qstride, const float *kt, int64_t tp,
                                int64_t d, const float *mask, float scale, float *s) {
    const __m512 sc = _mm512_set1_ps(scale);
    for (int64_t j = 0; j < tp; j += FUSED_CHUNK) {
        __m512 acc[8][2];
        for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
        for (int64_t c = 0; c < d; c++) {
            __m512 k0 = _mm512_load_ps(kt + c * tp + j), k1 = _mm512_load_ps(kt + c * tp + j + 16);
            for (int r = 0; r < R; r++) {
                __m512 qb = _mm512_set1_ps(q[r * qstride + c]);
                acc[r][0] = _mm512_fmadd_ps(qb, k0, acc[r][0]);
                acc[r][1] = _mm512_fmadd_ps(qb, k1, acc[r][1]);
            }
        }
        __m512 m0 = _mm512_load_ps(mask + j), m1 = _mm512_load_ps(mask + j + 16);
        for (int r = 0; r < R; r++) {
            _mm512_store_ps(s + r * tp + j, _mm512_fmadd_ps(acc[r][0], sc, m0));
            _mm512_store_ps(s + r * tp + j + 16, _mm512_fmadd_ps(acc[r][1], sc, m1));
        }
    }
}

// Row r of s becomes e^(s − max) in place; returns 1 / Σ.
AVX512_INLINE float fused_exp_row(float *s, int64_t tp) {
    __m512 mx = _mm512_set1_ps(-INFINITY);
    for (int64_t j = 0; j < tp; j += 16) mx = _mm512_max_ps(mx, _mm512_load_ps(s + j));
    __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx)), sum = _mm512_setzero_ps();
    for (int64_t j = 0; j < tp; j += 16) {
        __m512 e = exp512(_mm512_sub_ps(_mm512_load_ps(s + j), m));
        _mm512_store_ps(s + j, e);
        sum = _mm512_add_ps(sum, e);
    }
    return 1.0f / _mm512_reduce_add_ps(sum);
}

// out[r] = inv[r] · Σ_j s[r][j]·v_j for rows r < R, D = 16·DV.
AVX512_INLINE void fused_context(const int R, const int DV, const float *s, int64_t tp, const float *v,
                                 int64_t vstride, int64_t t, const float *inv, float *out, int64_t ostride) {
    __m512 acc[16];
    for (int i = 0; i < R * DV; i++) acc[i] = _mm512_setzero_ps();
    for (int64_t j = 0; j < t; j++) {
        __m512 vv[8];
        for (int c = 0; c < DV; c++) vv[c] = _mm512_loadu_ps(v + j * vstride + 16 * c);
        for (int r = 0; r < R; r++) {
            __m512 pb = _mm512_set1_ps(s[r * tp + j]);
            for (int c = 0; c < DV; c++) acc[r * DV + c] = _mm512_fmadd_ps(pb, vv[c], acc[r * DV + c]);
        }
    }
    for (int r = 0; r < R; r++)
        for (int c = 0; c < DV; c++)
            _mm512_storeu_ps(out + r * ostride + 16 * c, _mm512_mul_ps(acc[r * DV + c], _mm512_set1_ps(inv[r])));
}

// Rows [i, i + R) of one head: scores, softmax, context.
AVX512_INLINE void fused_rows(const int R, const int DV, const struct fused_ctx *c, const float *q,
                              const float *v, float *out, const float *kt, const float *mask, const float *bias,
                              float *s) {
    float inv[8];
    fused_scores(R, q, c->ld, kt, c->tp, c->d, mask, c->scale, s);
    fused_add_bias(R, s, c->tp, bias, c->t);
    for (int r = 0; r < R; r++) inv[r] = fused_exp_row(s + r * c->tp, c->tp);
    fused_context(R, DV, s, c->tp, v, c->ld, c->t, inv, out, c->h * c->d);
}

AVX512_INLINE void fused_head(const int DV, const struct fused_ctx *c, int64_t task, float *kt, float *mask,
                              float *s) {
    const int R = DV <= 2 ? 8 : 16 / DV;
    int64_t t = c->t, d = c->d, tp = c->tp, ld = c->ld, width = c->h * d;
    int64_t b = task / c->h, head = task % c->h;
    int64_t in = b * t * ld + head * d, at = b * t * width + head * d;  // token 0 of this head
    for (int64_t j0 = 0; j0 < tp; j0 += 16)  // Kᵀ, 16 × 16 blocks at a time, zeros past t
        for (int64_t x0 = 0; x0 < d; x0 += 16) {
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = j0 + i < t ? _mm512_loadu_ps(c->k + in + (j0 + i) * ld + x0) : _mm512_setzero_ps();
            transpose16(r);
            for (int x = 0; x < 16; x++) _mm512_store_ps(kt + (x0 + x) * tp + j0, r[x]);
        }
    for (int64_t j = 0; j < t; j++) mask[j] = c->mask[b * t + j];
    for (int64_t j = t; j < tp; j++) mask[j] = -INFINITY;
    const float *q = c->q + in, *v = c->v + in;
    float *out = c->context + at;
    int64_t i = 0;
    for (; i + R <= t; i += R) fused_rows(R, DV, c, q + i * ld, v, out + i * width, kt, mask, fused_bias_row(c, head, i), s);
    for (; i < t; i++) fused_rows(1, DV, c, q + i * ld, v, out + i * width, kt, mask, fused_bias_row(c, head, i), s);
}

AVX512 void slim_attention_fused_avx512(void *ctx, int64_t lo, int64_t hi) {
    const struct fused_ctx *c = ctx;
    float *scratch;
    if (posix_memalign((void **)&scratch, 64, (size_t)(c->d + 1 + 8) * (size_t)c->tp * sizeof(float)) != 0) abort();
    float *kt = scratch, *mask = kt + c->d * c->tp, *s = mask + c->tp;
    for (int64_t task = lo; task < hi; task++) {
        switch (c->d / 16) {
        case 1: fused_head(1, c, task, kt, mask, s); break;
        case 2: fused_head(2, c, task, kt, mask, s); break;
        case 4: fused_head(4, c, task, kt, mask, s); break;
        default: fused_head(8, c, task, kt, mask, s); break;
        }
    }
    free(scratch);
}

#endif

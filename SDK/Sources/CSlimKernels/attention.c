// Inference attention on projections laid out (B, T, H, D): no head split or merge is copied.
// slim_attention_fused (below) does a whole head in one AVX-512 pass; the two oneDNN products
// here (one primitive per shape, created on first use and kept) are the path for other CPUs
// and head sizes, reading q, k and v in place through strides.
#include "kernels_internal.h"
#include "slim_int8.h"

#include <dnnl.h>

#include "dnnl_exec.h"
#include <pthread.h>
#include <immintrin.h>
#include <stdlib.h>

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct attention_entry {
    int64_t b, h, t, d; int context; float alpha;
    dnnl_primitive_t primitive;
    dnnl_primitive_desc_t pd;
    struct attention_entry *next;
} attention_entry;

static attention_entry *entries;

static attention_entry *find_or_create(int64_t b, int64_t h, int64_t t, int64_t d, int context, float alpha) {
    pthread_mutex_lock(&cache_lock);
    for (attention_entry *e = entries; e; e = e->next)
        if (e->b == b && e->h == h && e->t == t && e->d == d && e->context == context && e->alpha == alpha) {
            pthread_mutex_unlock(&cache_lock);
            return e;
        }
    int64_t row = h * d;  // one token
    dnnl_memory_desc_t src, wei, dst;
    dnnl_dims_t qd = {b, h, t, d}, kd = {b, h, d, t}, sd = {b, h, t, t};
    dnnl_dims_t q_strides = {t * row, d, row, 1}, kt_strides = {t * row, d, 1, row};
    dnnl_dims_t s_strides = {h * t * t, t * t, t, 1}, c_strides = {t * h * d, d, h * d, 1};
    if (!context) {  // scores = α·Q·Kᵀ
        dnnl_memory_desc_init_by_strides(&src, 4, qd, dnnl_f32, q_strides);
        dnnl_memory_desc_init_by_strides(&wei, 4, kd, dnnl_f32, kt_strides);
        dnnl_memory_desc_init_by_strides(&dst, 4, sd, dnnl_f32, s_strides);
    } else {  // context = P·V
        dnnl_memory_desc_init_by_strides(&src, 4, sd, dnnl_f32, s_strides);
        dnnl_memory_desc_init_by_strides(&wei, 4, qd, dnnl_f32, q_strides);
        dnnl_memory_desc_init_by_strides(&dst, 4, qd, dnnl_f32, c_strides);
    }
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    if (alpha != 1.0f) dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    attention_entry *entry = NULL;
    if (dnnl_matmul_desc_init(&desc, &src, &wei, NULL, &dst) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &desc, attr, slim_dnnl_engine(), NULL) == dnnl_success) {
        entry = calloc(1, sizeof *entry);
        *entry = (attention_entry){b, h, t, d, context, alpha, NULL, pd, entries};
        if (dnnl_primitive_create(&entry->primitive, pd) != dnnl_success) {
            dnnl_primitive_desc_destroy(pd);
            free(entry);
            entry = NULL;
        } else {
            entries = entry;
        }
    }
    dnnl_primitive_attr_destroy(attr);
    pthread_mutex_unlock(&cache_lock);
    return entry;
}

static int run(attention_entry *e, const void *a, const void *b, void *c) {
    dnnl_memory_t ma, mb, mc;
    dnnl_memory_create(&ma, dnnl_primitive_desc_query_md(e->pd, dnnl_query_src_md, 0), slim_dnnl_engine(), (void *)a);
    dnnl_memory_create(&mb, dnnl_primitive_desc_query_md(e->pd, dnnl_query_weights_md, 0), slim_dnnl_engine(), (void *)b);
    dnnl_memory_create(&mc, dnnl_primitive_desc_query_md(e->pd, dnnl_query_dst_md, 0), slim_dnnl_engine(), c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
    int status = slim_dnnl_execute(e->primitive, 3, args);
    dnnl_memory_destroy(ma);
    dnnl_memory_destroy(mb);
    dnnl_memory_destroy(mc);
    return status;
}

int slim_attention_scores(const float *q, const float *k, float *scores, int64_t b, int64_t h, int64_t t,
                          int64_t d, float alpha) {
    attention_entry *e = find_or_create(b, h, t, d, 0, alpha);
    return e ? run(e, q, k, scores) : dnnl_unimplemented;
}

int slim_attention_context(const float *probabilities, const float *v, float *context, int64_t b, int64_t h,
                           int64_t t, int64_t d) {
    attention_entry *e = find_or_create(b, h, t, d, 1, 1.0f);
    return e ? run(e, probabilities, v, context) : dnnl_unimplemented;
}

/* ---- fused attention (AVX-512) ---------------------------------------------------------
 * One (batch, head) per task, everything in L1/L2: Kᵀ is copied once into a zero-padded
 * (D, Tp) block, then for R query rows at a time the scores go to an (R, Tp) buffer in
 * registers-sized tiles, the softmax runs on that buffer and P·V accumulates in registers.
 * The (B, H, T, T) scores and probabilities never reach memory, which is where the separate
 * oneDNN products spend their time at BERT's head sizes (K = 32 or 64). */

#define FUSED_CHUNK 32  // score columns per tile (two vectors)

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

struct fused_ctx {
    const float *q, *k, *v, *mask; float *context;
    int64_t h, t, d, tp, ld; float scale;
};

// Rows [i, i + R) of one head: scores, softmax, context.
AVX512_INLINE void fused_rows(const int R, const int DV, const struct fused_ctx *c, const float *q,
                              const float *v, float *out, const float *kt, const float *mask, float *s) {
    float inv[8];
    fused_scores(R, q, c->ld, kt, c->tp, c->d, mask, c->scale, s);
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
    for (; i + R <= t; i += R) fused_rows(R, DV, c, q + i * ld, v, out + i * width, kt, mask, s);
    for (; i < t; i++) fused_rows(1, DV, c, q + i * ld, v, out + i * width, kt, mask, s);
}

AVX512 static void fused_range(void *ctx, int64_t lo, int64_t hi) {
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

int slim_attention_fused(const float *q, const float *k, const float *v, int64_t ld, const float *mask,
                         float *context, int64_t b, int64_t h, int64_t t, int64_t d) {
    if (!__builtin_cpu_supports("avx512f") || (d != 16 && d != 32 && d != 64 && d != 128)) return dnnl_unimplemented;
    int64_t tp = (t + FUSED_CHUNK - 1) / FUSED_CHUNK * FUSED_CHUNK;
    struct fused_ctx c = {q, k, v, mask, context, h, t, d, tp, ld, 1.0f / sqrtf((float)d)};
    slim_parallel_for(b * h, 1, fused_range, &c);
    return 0;
}

// Linear layers on packed low-bit weights (slim_lowbit.h): y = x·Wᵀ + b.
//
// Float activations (slim_lowbit_linear_f32): W is decoded a slab of rows at a time into a float
// buffer of about SLAB_FLOATS values, and oneDNN's f32 matmul multiplies x by the slab and writes
// the slab's columns of y in place (a strided destination). The decode is O(N·K) against the
// GEMM's O(M·N·K) and the float matrix never exists as a whole, but oneDNN 2.6 runs gemm:jit
// instead of brgemm for a strided destination: measured 1.3–1.4× the fp32 GEMM's time at BERT's
// shapes (M = 1024; K, N ∈ {384, 1536}). One primitive per (M, slab, K, N) shape, kept.
//
// Int8 activations (slim_lowbit_linear_s8), the inference kernel: codes unpacked to int8 (q −
// 2^(b−1), or a codebook's int8 entries), an exact int8 GEMM to int32 (oneDNN's where it is exact,
// reading the plain (N, K) int8 matrix; BertSlim's int16-product kernel elsewhere, int8_gemm.c),
// then one epilogue that adds the zero-point correction, scales per group, adds the bias and
// applies GELU: 0.36–0.48 of the fp32 GEMM's time with AVX-512 VNNI.
#include "dnnl_exec.h"
#include "int8_gemm.h"
#include "kernels_internal.h"
#include "primitive_cache.h"
#include "slim_lowbit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLAB_FLOATS (64 * 1024)  // 256 KB of decoded weights: stays in L2 while oneDNN reads it

// Rows per slab: a multiple of 64 (oneDNN's column blocking) near SLAB_FLOATS / K, at least 64.
static int64_t slab_rows(int64_t n, int64_t k) {
    int64_t rows = SLAB_FLOATS / k / 64 * 64;
    if (rows < 64) rows = 64;
    return rows < n ? rows : n;
}

typedef struct {
    int64_t m, n, k, ldc;  // x (m, k) · slabᵀ (k, n) → y (m, n) with rows ldc apart
    int has_bias, gelu, int8;
} lowbit_key;

static dnnl_status_t make_pd(const void *raw, const void *context, dnnl_primitive_desc_t *pd) {
    (void)context;
    const lowbit_key *key = raw;
    dnnl_data_type_t in = key->int8 ? dnnl_s8 : dnnl_f32, out = key->int8 ? dnnl_s32 : dnnl_f32;
    dnnl_memory_desc_t src, wei, dst, bias;
    dnnl_dims_t sd = {key->m, key->k}, ss = {key->k, 1};
    dnnl_dims_t wd = {key->k, key->n}, ws = {1, key->k};  // the slab's (n, k) rows read as (k, n)
    dnnl_dims_t dd = {key->m, key->n}, ds = {key->ldc, 1};
    dnnl_dims_t bd = {1, key->n}, bs = {key->n, 1};
    dnnl_memory_desc_init_by_strides(&src, 2, sd, in, ss);
    dnnl_memory_desc_init_by_strides(&wei, 2, wd, in, ws);
    dnnl_memory_desc_init_by_strides(&dst, 2, dd, out, ds);
    dnnl_memory_desc_init_by_strides(&bias, 2, bd, dnnl_f32, bs);
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    if (key->gelu) {
        dnnl_post_ops_t ops;
        dnnl_post_ops_create(&ops);
        dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_gelu_erf, 0, 0);
        dnnl_primitive_attr_set_post_ops(attr, ops);
        dnnl_post_ops_destroy(ops);
    }
    dnnl_matmul_desc_t desc;
    dnnl_status_t status = dnnl_matmul_desc_init(&desc, &src, &wei, key->has_bias ? &bias : NULL, &dst);
    if (status == dnnl_success) status = dnnl_primitive_desc_create(pd, &desc, attr, slim_dnnl_engine(), NULL);
    dnnl_primitive_attr_destroy(attr);
    return status;
}

static const slim_primitive *primitive_for(int64_t m, int64_t n, int64_t k, int64_t ldc, int has_bias, int gelu,
                                           int int8) {
    lowbit_key key;
    memset(&key, 0, sizeof key);  // padding bytes take part in the hash
    key.m = m; key.n = n; key.k = k; key.ldc = ldc; key.has_bias = has_bias; key.gelu = gelu; key.int8 = int8;
    return slim_primitive_get(NULL, &key, sizeof key, make_pd, NULL);
}

/* ---- float activations: decoded slabs into oneDNN's f32 matmul ---------------------------- */

int slim_lowbit_linear_f32(const slim_lowbit_weights *w, int64_t m, const float *x, const float *bias, float *y,
                           int gelu) {
    if (m <= 0) return 0;
    int64_t rows = slab_rows(w->n, w->k);
    float *slab = NULL;
    if (posix_memalign((void **)&slab, 64, (size_t)(rows * w->k) * sizeof(float)) != 0) return -1;
    int status = 0;
    for (int64_t n0 = 0; n0 < w->n && status == 0; n0 += rows) {
        int64_t count = w->n - n0 < rows ? w->n - n0 : rows;
        const slim_primitive *e = primitive_for(m, count, w->k, w->n, bias != NULL, gelu, 0);
        if (!e) { status = dnnl_unimplemented; break; }
        slim_lowbit_decode(w, n0, count, slab);
        status = slim_primitive_matmul(e, x, slab, bias ? bias + n0 : NULL, y + n0);
    }
    free(slab);
    return status;
}

/* ---- int8 activations: unpacked codes into an exact int8 GEMM ----------------------------- */

static int onednn_int8(void) {
    slim_isa level = slim_isa_current();
    return (level == SLIM_ISA_AVX2_VNNI || level >= SLIM_ISA_AVX512_VNNI) && slim_isa_onednn_int8_exact();
}

struct rowsum_ctx { const int8_t *x; int32_t *sums; int64_t k; };
LOOP rowsum_range(void *c, int64_t lo, int64_t hi) {
    struct rowsum_ctx *s = c;
    int64_t k = s->k;
    for (int64_t r = lo; r < hi; r++) {
        const int8_t *x = s->x + r * k;
        int32_t sum = 0;
        for (int64_t i = 0; i < k; i++) sum += x[i];
        s->sums[r] = sum;
    }
}
VARIANTS(rowsum_range)

// y = (acc + shift[n]·sums[m])·factor[n] + bias[n], then GELU when asked.
struct epilogue_ctx { const int32_t *acc, *sums; const float *shift, *factor, *bias; float *y; int64_t n; int gelu; };
LOOP epilogue_range(void *c, int64_t lo, int64_t hi) {
    struct epilogue_ctx *e = c;
    int64_t n = e->n;
    const float *shift = e->shift, *factor = e->factor, *bias = e->bias;
    for (int64_t r = lo; r < hi; r++) {
        const int32_t *a = e->acc + r * n;
        float *restrict y = e->y + r * n;
        float s = e->sums ? (float)e->sums[r] : 0;
        for (int64_t j = 0; j < n; j++) y[j] = ((float)a[j] + shift[j] * s) * factor[j] + (bias ? bias[j] : 0);
        if (e->gelu)
            for (int64_t j = 0; j < n; j++) y[j] = y[j] * normal_cdf(y[j]);
    }
}
VARIANTS(epilogue_range)

int slim_lowbit_linear_s8(const slim_lowbit_weights *w, int64_t m, const int8_t *x, float x_scale,
                          const float *bias, float *y, int gelu) {
    int codebook = w->codebook != NULL;
    if (codebook ? !w->codebook_s8 || !w->codebook_scales : !w->scales) return -2;
    if (m <= 0) return 0;
    int64_t n = w->n, k = w->k, per_group = n / w->groups;
    int8_t *codes = NULL;
    int32_t *acc = NULL, *sums = NULL;
    float *shift = malloc((size_t)n * sizeof(float)), *factor = malloc((size_t)n * sizeof(float));
    int ok = shift && factor && posix_memalign((void **)&codes, 64, (size_t)(n * k)) == 0 &&
             posix_memalign((void **)&acc, 64, (size_t)(m * n) * sizeof(int32_t)) == 0;
    int status = ok ? 0 : -1, shifted = 0;
    if (ok) {
        float half = (float)(1 << (w->bits - 1));
        for (int64_t j = 0; j < n; j++) {
            int64_t g = j / per_group;
            // x·(q − z) = x·(q − half) + (half − z)·Σx
            shift[j] = !codebook && w->zero_points ? half - (float)w->zero_points[g] : 0;
            factor[j] = 1.0f / (x_scale * (codebook ? w->codebook_scales[g] : w->scales[g]));
            shifted |= shift[j] != 0;
        }
        slim_lowbit_unpack_s8(w, 0, n, codes);
        if (onednn_int8()) {
            const slim_primitive *e = primitive_for(m, n, k, n, 0, 0, 1);
            status = e ? slim_primitive_matmul(e, x, codes, NULL, acc) : dnnl_unimplemented;
        } else {
            slim_s16_weights *packed = slim_s16_pack(codes, n, k, slim_isa_current());
            status = packed ? slim_s16_linear(packed, m, x, NULL, NULL, 0, 1, 2, acc) : -1;
            slim_s16_free(packed);
        }
    }
    if (status == 0 && shifted) {
        if (!(sums = malloc((size_t)m * sizeof(int32_t)))) status = -1;
        else {
            struct rowsum_ctx rc = {x, sums, k};
            slim_parallel_for(m, ROW_GRAIN(k), PICK(rowsum_range), &rc);
        }
    }
    if (status == 0) {
        struct epilogue_ctx ec = {acc, sums, shift, factor, bias, y, n, gelu};
        slim_parallel_for(m, ROW_GRAIN(n), PICK(epilogue_range), &ec);
    }
    free(codes); free(acc); free(sums); free(shift); free(factor);
    return status;
}

/* ---- naming ------------------------------------------------------------------------------ */

const char *slim_lowbit_impl_name(const slim_lowbit_weights *w, int64_t m, int int8_input) {
    static _Thread_local char name[160];
    slim_isa level = slim_isa_current();
    const char *loops = level >= SLIM_ISA_AVX512 ? "avx512" : (level >= SLIM_ISA_AVX2 ? "avx2" : "portable");
    const char *gemm = "unavailable";
    if (int8_input && onednn_int8()) {
        const slim_primitive *e = primitive_for(m, w->n, w->k, w->n, 0, 0, 1);
        if (e) dnnl_primitive_desc_query(e->pd, dnnl_query_impl_info_str, 0, &gemm);
    } else if (int8_input) {
        gemm = level >= SLIM_ISA_AVX512 ? "bertslim:s16_avx512" : (level >= SLIM_ISA_AVX2 ? "bertslim:s16_avx2" : "bertslim:s16_portable");
    } else {
        const slim_primitive *e = primitive_for(m, slab_rows(w->n, w->k), w->k, w->n, 1, 0, 0);
        if (e) dnnl_primitive_desc_query(e->pd, dnnl_query_impl_info_str, 0, &gemm);
    }
    snprintf(name, sizeof name, "bertslim:lowbit_%s_%s+%s", int8_input ? "unpack" : "decode", loops, gemm);
    return name;
}

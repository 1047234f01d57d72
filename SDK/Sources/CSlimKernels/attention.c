// Inference attention on projections laid out (B, T, H, D): no head split or merge is copied.
// slim_attention_fused (below) does a whole head in one pass with the scores kept in cache
// (attention_avx512.c with AVX-512, attention_fused.c with AVX2 or portable C); the two oneDNN
// products here (one primitive per shape, created on first use and kept) are the path for
// other head sizes, reading q, k and v in place through strides.
#include "attention_fused.h"
#include "kernels_internal.h"
#include "slim_int8.h"

#include <dnnl.h>

#include "dnnl_exec.h"
#include "primitive_cache.h"
#include <stdlib.h>
#include <string.h>

// One product's shape: scores (context = 0) or context (1), with its scale α.
typedef struct {
    int64_t b, h, t, d;
    int context;
    float alpha;
} attention_key;

static dnnl_status_t make_pd(const void *raw, const void *unused, dnnl_primitive_desc_t *pd) {
    (void)unused;
    const attention_key *key = raw;
    int64_t b = key->b, h = key->h, t = key->t, d = key->d;
    int64_t row = h * d;  // one token
    dnnl_memory_desc_t src, wei, dst;
    dnnl_dims_t qd = {b, h, t, d}, kd = {b, h, d, t}, sd = {b, h, t, t};
    dnnl_dims_t q_strides = {t * row, d, row, 1}, kt_strides = {t * row, d, 1, row};
    dnnl_dims_t s_strides = {h * t * t, t * t, t, 1}, c_strides = {t * h * d, d, h * d, 1};
    if (!key->context) {  // scores = α·Q·Kᵀ
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
    if (key->alpha != 1.0f) dnnl_primitive_attr_set_output_scales(attr, 1, 0, &key->alpha);
    dnnl_matmul_desc_t desc;
    dnnl_status_t status = dnnl_matmul_desc_init(&desc, &src, &wei, NULL, &dst);
    if (status == dnnl_success) status = dnnl_primitive_desc_create(pd, &desc, attr, slim_dnnl_engine(), NULL);
    dnnl_primitive_attr_destroy(attr);
    return status;
}

static const slim_primitive *find_or_create(int64_t b, int64_t h, int64_t t, int64_t d, int context, float alpha) {
    attention_key key;
    memset(&key, 0, sizeof key);  // padding bytes are part of the key
    key.b = b; key.h = h; key.t = t; key.d = d; key.context = context; key.alpha = alpha;
    return slim_primitive_get(NULL, &key, sizeof key, make_pd, NULL);
}

int slim_attention_scores(const float *q, const float *k, float *scores, int64_t b, int64_t h, int64_t t,
                          int64_t d, float alpha) {
    const slim_primitive *e = find_or_create(b, h, t, d, 0, alpha);
    return e ? slim_primitive_matmul(e, q, k, NULL, scores) : dnnl_unimplemented;
}

int slim_attention_context(const float *probabilities, const float *v, float *context, int64_t b, int64_t h,
                           int64_t t, int64_t d) {
    const slim_primitive *e = find_or_create(b, h, t, d, 1, 1.0f);
    return e ? slim_primitive_matmul(e, probabilities, v, NULL, context) : dnnl_unimplemented;
}

int slim_attention_fused(const float *q, const float *k, const float *v, int64_t ld, const float *mask,
                         const float *bias, float *context, int64_t b, int64_t h, int64_t t, int64_t d) {
    slim_range_fn kernel = slim_attention_fused_kernel(d);
    if (!kernel) return dnnl_unimplemented;
    int64_t tp = (t + FUSED_CHUNK - 1) / FUSED_CHUNK * FUSED_CHUNK;
    struct fused_ctx c = {q, k, v, mask, bias, context, h, t, d, tp, ld, 1.0f / sqrtf((float)d)};
    slim_parallel_for(b * h, 1, kernel, &c);
    return 0;
}

slim_range_fn slim_attention_fused_kernel(int64_t d) {
#if defined(__x86_64__)
    if (slim_isa_current() >= SLIM_ISA_AVX512 && (d == 16 || d == 32 || d == 64 || d == 128))
        return slim_attention_fused_avx512;
#endif
    return d % 16 == 0 && d <= 256 ? slim_attention_fused_vec() : NULL;
}

const char *slim_attention_impl_name(int64_t d) {
    slim_range_fn kernel = slim_attention_fused_kernel(d);
#if defined(__x86_64__)
    if (kernel == slim_attention_fused_avx512) return "bertslim:fused_avx512";
#endif
    if (kernel) return slim_isa_current() >= SLIM_ISA_AVX2 ? "bertslim:fused_avx2" : "bertslim:fused_portable";
    return "onednn:matmul+softmax+matmul";
}

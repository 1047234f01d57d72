// Int8 linear layers: y = scales ⊙ (x_s8 · W_s8ᵀ + b_s32), with GELU optionally fused, writing
// f32, s8 or raw s32 accumulators.
//
// Where oneDNN's int8 matmul is exact (VNNI or AMX, see slim_isa_onednn_int8_exact) it runs
// there: weights are reordered once into the layout the primitive prefers (with oneDNN's s8·s8
// compensation); one primitive per (weights, rows, output kind, scale values) is created on
// first use and kept. The scales are baked into the primitive: oneDNN 2.6 falls back from its
// brgemm kernels (brg:avx512_core_vnni) to gemm:jit when output scales are runtime arguments,
// so dynamic quantization asks for s32 accumulators and scales them in its own epilogue.
// Elsewhere oneDNN saturates int16 sums, and BertSlim's own int16-product GEMM runs instead
// (int8_gemm.c). The choice is made when the weights are packed, at the calling thread's level.
#include "int8_gemm.h"
#include "slim_int8.h"
#include "slim_isa.h"
#include "slim_kernels.h"

#include <dnnl.h>

#include "dnnl_exec.h"
#include "primitive_cache.h"
#include <stdlib.h>
#include <string.h>

struct slim_int8_weights {
    slim_s16_weights *s16;  // BertSlim's exact kernel, or NULL for oneDNN's
    dnnl_memory_desc_t md;
    void *data;
    int64_t n, k;
};

// A primitive per (rows, output kind, GELU, scale values) for one set of weights (its owner).
typedef struct {
    int64_t m;
    uint64_t scales_hash;
    int dst, gelu, has_scales, has_bias;
    float gelu_scale;
} int8_key;

// The matmul descriptor for (m, k) s8 · (k, n) s8 → (m, n) f32/s8 with an s32 bias.
static int make_desc(dnnl_matmul_desc_t *desc, int64_t m, int64_t n, int64_t k,
                     const dnnl_memory_desc_t *wei, int dst_kind, int has_bias) {
    dnnl_memory_desc_t src, dst, bias;
    dnnl_dims_t sd = {m, k}, dd = {m, n}, bd = {1, n};
    dnnl_data_type_t types[3] = {dnnl_f32, dnnl_s8, dnnl_s32};
    dnnl_memory_desc_init_by_tag(&src, 2, sd, dnnl_s8, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&dst, 2, dd, types[dst_kind], dnnl_ab);
    dnnl_memory_desc_init_by_tag(&bias, 2, bd, dnnl_s32, dnnl_ab);
    return dnnl_matmul_desc_init(desc, &src, wei, has_bias ? &bias : NULL, &dst) == dnnl_success;
}

static dnnl_primitive_attr_t make_attr(int64_t n, const float *scales, int gelu, float gelu_scale) {
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    if (scales) dnnl_primitive_attr_set_output_scales(attr, n, 1 << 1, scales);  // one per column
    if (gelu) {
        dnnl_post_ops_t ops;
        dnnl_post_ops_create(&ops);
        dnnl_post_ops_append_eltwise(ops, gelu_scale, dnnl_eltwise_gelu_erf, 0, 0);
        dnnl_primitive_attr_set_post_ops(attr, ops);
        dnnl_post_ops_destroy(ops);
    }
    return attr;
}

slim_int8_weights *slim_int8_pack_weights(const int8_t *w, int64_t n, int64_t k) {
    slim_isa level = slim_isa_current();
    int vnni = level == SLIM_ISA_AVX2_VNNI || level >= SLIM_ISA_AVX512_VNNI;
    if (!vnni || !slim_isa_onednn_int8_exact()) {
        slim_s16_weights *s16 = slim_s16_pack(w, n, k, level);
        if (!s16) return NULL;
        slim_int8_weights *p = calloc(1, sizeof *p);
        if (!p) { slim_s16_free(s16); return NULL; }
        p->s16 = s16; p->n = n; p->k = k;
        return p;
    }
    dnnl_memory_desc_t any, plain;
    dnnl_dims_t wd = {k, n};
    dnnl_memory_desc_init_by_tag(&any, 2, wd, dnnl_s8, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&plain, 2, wd, dnnl_s8, dnnl_ba);  // (K, N) stored as (N, K)
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_attr_t attr = make_attr(n, NULL, 0, 1);
    int ok = make_desc(&desc, 128, n, k, &any, 0, 1) &&
             dnnl_primitive_desc_create(&pd, &desc, attr, slim_dnnl_engine(), NULL) == dnnl_success;
    dnnl_primitive_attr_destroy(attr);
    if (!ok) return NULL;
    slim_int8_weights *p = calloc(1, sizeof *p);
    p->md = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_primitive_desc_destroy(pd);
    p->n = n; p->k = k;
    size_t size = dnnl_memory_desc_get_size(&p->md);
    if (posix_memalign(&p->data, 64, size) != 0) { free(p); return NULL; }
    memset(p->data, 0, size);

    ok = slim_dnnl_reorder(&plain, w, &p->md, p->data);
    if (!ok) { slim_int8_weights_free(p); return NULL; }
    return p;
}

void slim_int8_weights_free(slim_int8_weights *p) {
    if (!p) return;
    if (p->s16) { slim_s16_free(p->s16); free(p); return; }
    slim_primitive_forget(p);
    free(p->data);
    free(p);
}

struct int8_make { const slim_int8_weights *w; const float *scales; };

static dnnl_status_t make_pd(const void *raw, const void *context, dnnl_primitive_desc_t *pd) {
    const int8_key *key = raw;
    const struct int8_make *make = context;
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t attr = make_attr(make->w->n, make->scales, key->gelu, key->gelu_scale);
    dnnl_status_t status = make_desc(&desc, key->m, make->w->n, make->w->k, &make->w->md, key->dst, key->has_bias)
                               ? dnnl_primitive_desc_create(pd, &desc, attr, slim_dnnl_engine(), NULL)
                               : dnnl_invalid_arguments;
    dnnl_primitive_attr_destroy(attr);
    return status;
}

static const slim_primitive *find_or_create(const int8_key *key, const slim_int8_weights *w, const float *scales) {
    struct int8_make make = {w, scales};
    return slim_primitive_get(w, key, sizeof *key, make_pd, &make);
}

static uint64_t hash_scales(const float *scales, int64_t n) {
    uint64_t h = 1469598103934665603ull;
    const unsigned char *p = (const unsigned char *)scales;
    for (int64_t i = 0; i < n * (int64_t)sizeof(float); i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

int slim_int8_linear(const slim_int8_weights *w, int64_t m, const int8_t *x, const float *scales,
                     const int32_t *bias, int gelu, float gelu_scale, int dst_kind, void *y) {
    if (dst_kind < 0 || dst_kind > 2) return dnnl_invalid_arguments;
    if (w->s16) return slim_s16_linear(w->s16, m, x, scales, bias, gelu, gelu_scale, dst_kind, y) == 0 ? 0 : dnnl_out_of_memory;
    int8_key key;
    memset(&key, 0, sizeof key);  // padding bytes take part in the hash
    key.m = m; key.dst = dst_kind; key.gelu = gelu;
    key.gelu_scale = gelu ? gelu_scale : 0;
    key.has_scales = scales != NULL;
    key.scales_hash = scales ? hash_scales(scales, w->n) : 0;
    key.has_bias = bias != NULL;
    const slim_primitive *e = find_or_create(&key, w, scales);
    if (!e) return dnnl_unimplemented;
    return slim_primitive_matmul(e, x, w->data, bias, y);
}

const char *slim_int8_impl_name(const slim_int8_weights *w, int64_t m, int dst_kind) {
    if (w->s16) return slim_s16_name(w->s16);
    float *ones = malloc((size_t)w->n * sizeof(float));
    for (int64_t i = 0; i < w->n; i++) ones[i] = 1.0f;
    int8_key key;
    memset(&key, 0, sizeof key);
    key.m = m; key.dst = dst_kind; key.has_scales = 1; key.has_bias = 1;
    key.scales_hash = hash_scales(ones, w->n);
    const slim_primitive *e = find_or_create(&key, w, ones);
    free(ones);
    const char *name = NULL;
    if (e) dnnl_primitive_desc_query(e->pd, dnnl_query_impl_info_str, 0, &name);
    return name ? name : "unavailable";
}

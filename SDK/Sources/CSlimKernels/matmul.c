// oneDNN float matmul: one primitive per (shape, layout, fused operations), made on first use
// and kept in the shared cache (primitive_cache.h); packed weights own theirs.
#include "dnnl_exec.h"
#include "packed_weights.h"
#include "primitive_cache.h"
#include "slim_kernels.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t batch, batch_b, m, n, k;
    int trans_a, trans_b, has_bias, accumulate, gelu;
    float alpha;
} matmul_key;

static void md_3d(dnnl_memory_desc_t *md, int64_t b, int64_t rows, int64_t cols, int trans) {
    // logical (b, rows, cols); stored (b, rows, cols) or, transposed, (b, cols, rows)
    dnnl_dims_t dims = {b, rows, cols};
    dnnl_dims_t strides = {b == 1 ? 0 : rows * cols, trans ? 1 : cols, trans ? rows : 1};
    if (b == 1) strides[0] = rows * cols;
    dnnl_memory_desc_init_by_strides(md, 3, dims, dnnl_f32, strides);
}

struct slim_packed_weights {
    dnnl_memory_desc_t md;
    void *data;
    int64_t n, k;
};

// The descriptor for a matmul_key; `context` is the packed weights, or NULL for plain ones.
static dnnl_status_t make_pd(const void *raw, const void *context, dnnl_primitive_desc_t *pd) {
    const matmul_key *key = raw;
    const dnnl_memory_desc_t *packed_md = context ? &((const slim_packed_weights *)context)->md : NULL;
    dnnl_memory_desc_t src, wei, dst, bias;
    md_3d(&src, key->batch, key->m, key->k, key->trans_a);
    if (packed_md) wei = *packed_md;
    else md_3d(&wei, key->batch_b, key->k, key->n, key->trans_b);
    md_3d(&dst, key->batch, key->m, key->n, 0);
    md_3d(&bias, 1, 1, key->n, 0);
    if (packed_md) {  // packed weights are 2-D (K, N): use 2-D descriptors throughout
        dnnl_dims_t d2 = {key->m, key->k}, s2 = {key->k, 1};
        dnnl_memory_desc_init_by_strides(&src, 2, d2, dnnl_f32, s2);
        dnnl_dims_t o2 = {key->m, key->n}, os2 = {key->n, 1};
        dnnl_memory_desc_init_by_strides(&dst, 2, o2, dnnl_f32, os2);
        dnnl_dims_t b2 = {1, key->n}, bs2 = {key->n, 1};
        dnnl_memory_desc_init_by_strides(&bias, 2, b2, dnnl_f32, bs2);
    }
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    if (key->alpha != 1.0f) dnnl_primitive_attr_set_output_scales(attr, 1, 0, &key->alpha);
    if (key->accumulate || key->gelu) {
        dnnl_post_ops_t ops;
        dnnl_post_ops_create(&ops);
        if (key->accumulate) dnnl_post_ops_append_sum(ops, 1.0f);
        if (key->gelu) dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_gelu_erf, 0, 0);
        dnnl_primitive_attr_set_post_ops(attr, ops);
        dnnl_post_ops_destroy(ops);
    }
    dnnl_status_t status = dnnl_matmul_desc_init(&desc, &src, &wei, key->has_bias ? &bias : NULL, &dst);
    if (status == dnnl_success) status = dnnl_primitive_desc_create(pd, &desc, attr, slim_dnnl_engine(), NULL);
    dnnl_primitive_attr_destroy(attr);
    return status;
}

static const slim_primitive *find_or_create(const matmul_key *key, const slim_packed_weights *packed) {
    return slim_primitive_get(packed, key, sizeof *key, make_pd, packed);
}

int slim_matmul(int64_t batch, int64_t batch_b, int64_t m, int64_t n, int64_t k,
                int trans_a, int trans_b, float alpha, const float *a, const float *b,
                const float *bias, float *c, int accumulate) {
    matmul_key key;
    memset(&key, 0, sizeof key);  // padding bytes take part in the hash
    key.batch = batch; key.batch_b = batch_b; key.m = m; key.n = n; key.k = k;
    key.trans_a = trans_a; key.trans_b = trans_b; key.has_bias = bias != NULL;
    key.accumulate = accumulate; key.alpha = alpha;
    const slim_primitive *e = find_or_create(&key, NULL);
    if (!e) return dnnl_unimplemented;
    return slim_primitive_matmul(e, a, b, bias, c);
}

slim_packed_weights *slim_pack_weights(const float *w, int64_t n, int64_t k) {
    // Ask a representative primitive (M = 128) which weights layout it prefers.
    dnnl_memory_desc_t src, wei, dst, plain;
    dnnl_dims_t sd = {128, k}, wd = {k, n}, dd = {128, n};
    dnnl_memory_desc_init_by_tag(&src, 2, sd, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&wei, 2, wd, dnnl_f32, dnnl_format_tag_any);
    dnnl_memory_desc_init_by_tag(&dst, 2, dd, dnnl_f32, dnnl_ab);
    dnnl_memory_desc_init_by_tag(&plain, 2, wd, dnnl_f32, dnnl_ba);  // (K, N) stored as (N, K)
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd;
    if (dnnl_matmul_desc_init(&desc, &src, &wei, NULL, &dst) != dnnl_success ||
        dnnl_primitive_desc_create(&pd, &desc, NULL, slim_dnnl_engine(), NULL) != dnnl_success) return NULL;
    slim_packed_weights *p = calloc(1, sizeof *p);
    p->md = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    dnnl_primitive_desc_destroy(pd);
    p->n = n; p->k = k;
    size_t size = dnnl_memory_desc_get_size(&p->md);
    if (posix_memalign(&p->data, 64, size) != 0) { free(p); return NULL; }

    int ok = slim_dnnl_reorder(&plain, w, &p->md, p->data);
    if (!ok) { slim_packed_weights_free(p); return NULL; }
    return p;
}

const dnnl_memory_desc_t *slim_packed_weights_layout(const slim_packed_weights *w) { return &w->md; }

void *slim_packed_weights_data(const slim_packed_weights *w) { return w->data; }

void slim_packed_weights_free(slim_packed_weights *p) {
    if (!p) return;
    slim_primitive_forget(p);
    free(p->data);
    free(p);
}

int slim_matmul_packed(const slim_packed_weights *w, int64_t m, const float *x,
                       const float *bias, float *y, int gelu) {
    matmul_key key;
    memset(&key, 0, sizeof key);
    key.batch = 1; key.batch_b = 1; key.m = m; key.n = w->n; key.k = w->k;
    key.trans_b = 1; key.has_bias = bias != NULL; key.alpha = 1.0f; key.gelu = gelu;
    const slim_primitive *e = find_or_create(&key, w);
    if (!e) return dnnl_unimplemented;
    return slim_primitive_matmul(e, x, w->data, bias, y);
}

const char *slim_matmul_impl_name(int64_t m, int64_t n, int64_t k) {
    matmul_key key;
    memset(&key, 0, sizeof key);
    key.batch = 1; key.batch_b = 1; key.m = m; key.n = n; key.k = k; key.trans_b = 1; key.alpha = 1.0f;
    const slim_primitive *e = find_or_create(&key, NULL);
    const char *name = NULL;
    if (e) dnnl_primitive_desc_query(e->pd, dnnl_query_impl_info_str, 0, &name);
    return name ? name : "unavailable";
}

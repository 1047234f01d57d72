// Attention products read q, k and v straight from the projections' layout (B, T, H, D) and
// write the context in (B, T, H, D), so no head split or merge is ever copied: oneDNN's matmul
// takes the strides (and keeps its brgemm kernels for them, which it does not when q, k and v
// interleave in one buffer). One primitive per shape, created on first use and kept.
#include "kernels_internal.h"
#include "slim_int8.h"

#include <dnnl.h>

#include "dnnl_exec.h"
#include <pthread.h>
#include <stdlib.h>

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void init_engine(void) {
    slim_num_threads();
    dnnl_engine_create(&engine, dnnl_cpu, 0);
    dnnl_stream_create(&stream, engine, dnnl_stream_default_flags);
}

typedef struct attention_entry {
    int64_t b, h, t, d; int context, bf16; float alpha;
    dnnl_primitive_t primitive;
    dnnl_primitive_desc_t pd;
    struct attention_entry *next;
} attention_entry;

static attention_entry *entries;

static attention_entry *find_or_create(int64_t b, int64_t h, int64_t t, int64_t d, int context, int bf16, float alpha) {
    pthread_mutex_lock(&cache_lock);
    for (attention_entry *e = entries; e; e = e->next)
        if (e->b == b && e->h == h && e->t == t && e->d == d && e->context == context && e->bf16 == bf16 && e->alpha == alpha) {
            pthread_mutex_unlock(&cache_lock);
            return e;
        }
    int64_t row = h * d;  // one token
    dnnl_memory_desc_t src, wei, dst;
    dnnl_dims_t qd = {b, h, t, d}, kd = {b, h, d, t}, sd = {b, h, t, t};
    dnnl_dims_t q_strides = {t * row, d, row, 1}, kt_strides = {t * row, d, 1, row};
    dnnl_dims_t s_strides = {h * t * t, t * t, t, 1}, c_strides = {t * h * d, d, h * d, 1};
    dnnl_data_type_t in = bf16 ? dnnl_bf16 : dnnl_f32;
    if (!context) {  // scores = α·Q·Kᵀ
        dnnl_memory_desc_init_by_strides(&src, 4, qd, in, q_strides);
        dnnl_memory_desc_init_by_strides(&wei, 4, kd, in, kt_strides);
        dnnl_memory_desc_init_by_strides(&dst, 4, sd, dnnl_f32, s_strides);
    } else {  // context = P·V
        dnnl_memory_desc_init_by_strides(&src, 4, sd, in, s_strides);
        dnnl_memory_desc_init_by_strides(&wei, 4, qd, in, q_strides);
        dnnl_memory_desc_init_by_strides(&dst, 4, qd, dnnl_f32, c_strides);
    }
    dnnl_primitive_attr_t attr;
    dnnl_primitive_attr_create(&attr);
    if (alpha != 1.0f) dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
    dnnl_matmul_desc_t desc;
    dnnl_primitive_desc_t pd = NULL;
    attention_entry *entry = NULL;
    if (dnnl_matmul_desc_init(&desc, &src, &wei, NULL, &dst) == dnnl_success &&
        dnnl_primitive_desc_create(&pd, &desc, attr, engine, NULL) == dnnl_success) {
        entry = calloc(1, sizeof *entry);
        *entry = (attention_entry){b, h, t, d, context, bf16, alpha, NULL, pd, entries};
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
    dnnl_memory_create(&ma, dnnl_primitive_desc_query_md(e->pd, dnnl_query_src_md, 0), engine, (void *)a);
    dnnl_memory_create(&mb, dnnl_primitive_desc_query_md(e->pd, dnnl_query_weights_md, 0), engine, (void *)b);
    dnnl_memory_create(&mc, dnnl_primitive_desc_query_md(e->pd, dnnl_query_dst_md, 0), engine, c);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}};
    int status = slim_dnnl_execute(e->primitive, stream, 3, args);
    dnnl_memory_destroy(ma);
    dnnl_memory_destroy(mb);
    dnnl_memory_destroy(mc);
    return status;
}

int slim_attention_scores(const float *q, const float *k, float *scores, int64_t b, int64_t h, int64_t t,
                          int64_t d, float alpha) {
    pthread_once(&engine_once, init_engine);
    attention_entry *e = find_or_create(b, h, t, d, 0, 0, alpha);
    return e ? run(e, q, k, scores) : dnnl_unimplemented;
}

int slim_attention_context(const float *probabilities, const float *v, float *context, int64_t b, int64_t h,
                           int64_t t, int64_t d) {
    pthread_once(&engine_once, init_engine);
    attention_entry *e = find_or_create(b, h, t, d, 1, 0, 1.0f);
    return e ? run(e, probabilities, v, context) : dnnl_unimplemented;
}

// bfloat16 with round-to-nearest-even (branch-free so loops vectorise; probabilities are
// finite, so no NaN case is needed).
static inline uint16_t to_bf16(float x) {
    union { float f; uint32_t u; } v = {x};
    return (uint16_t)((v.u + 0x7fffu + ((v.u >> 16) & 1u)) >> 16);
}

struct softmax_bf16_ctx { float *scores; const float *mask; uint16_t *p; int64_t rows_per_mask, t; };

// The float scores are overwritten (they are not needed after the softmax).
CLONES static void softmax_bf16_range(void *c, int64_t lo, int64_t hi) {
    struct softmax_bf16_ctx *k = c;
    int64_t t = k->t;
    for (int64_t r = lo; r < hi; r++) {
        float *row = k->scores + r * t;
        const float *m = k->mask + (r / k->rows_per_mask) * t;
        for (int64_t j = 0; j < t; j++) row[j] += m[j];
        float lanes[16];  // independent maxima, so the loop vectorises
        for (int j = 0; j < 16; j++) lanes[j] = -INFINITY;
        int64_t j0 = 0;
        for (; j0 + 16 <= t; j0 += 16)
            for (int j = 0; j < 16; j++) lanes[j] = row[j0 + j] > lanes[j] ? row[j0 + j] : lanes[j];
        float mx = -INFINITY;
        for (int j = 0; j < 16; j++) mx = lanes[j] > mx ? lanes[j] : mx;
        for (; j0 < t; j0++) mx = row[j0] > mx ? row[j0] : mx;
        float sum = 0;
        for (int64_t j = 0; j < t; j++) { row[j] = vexp(row[j] - mx); sum += row[j]; }
        float inv = 1.0f / sum;
        uint16_t *p = k->p + r * t;
        for (int64_t j = 0; j < t; j++) p[j] = to_bf16(row[j] * inv);
    }
}

int slim_attention_bf16(const float *q, const float *k, const uint16_t *v, const float *mask, float *context,
                        int64_t b, int64_t h, int64_t t, int64_t d, void *workspace) {
    pthread_once(&engine_once, init_engine);
    attention_entry *es = find_or_create(b, h, t, d, 0, 0, 1.0f / sqrtf((float)d));
    attention_entry *ec = find_or_create(b, h, t, d, 1, 1, 1.0f);
    if (!es || !ec) return dnnl_unimplemented;
    float *scores = workspace;
    uint16_t *p = (uint16_t *)(scores + b * h * t * t);
    int status = run(es, q, k, scores);
    if (status != 0) return status;
    struct softmax_bf16_ctx sc = {scores, mask, p, h * t, t};
    slim_parallel_for(b * h * t, ROW_GRAIN(t), softmax_bf16_range, &sc);
    return run(ec, p, v, context);
}

// The one cache of oneDNN primitives for the whole C target (float matmul, int8 matmul,
// attention products): see primitive_cache.h.
#include "primitive_cache.h"
#include "dnnl_exec.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define BUCKETS 1024

typedef struct entry {
    const void *owner;
    size_t size;
    unsigned char *key;
    slim_primitive value;
    struct entry *next;
} entry;

static entry *buckets[BUCKETS];
static size_t count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t hash(const void *owner, const void *key, size_t size) {
    size_t h = 1469598103934665603ull ^ (size_t)(uintptr_t)owner;
    const unsigned char *p = key;
    for (size_t i = 0; i < size; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h % BUCKETS;
}

const slim_primitive *slim_primitive_get(const void *owner, const void *key, size_t size, slim_make_pd make,
                                         const void *context) {
    size_t h = hash(owner, key, size);
    pthread_mutex_lock(&lock);
    for (entry *e = buckets[h]; e; e = e->next)
        if (e->owner == owner && e->size == size && memcmp(e->key, key, size) == 0) {
            pthread_mutex_unlock(&lock);
            return &e->value;
        }
    entry *made = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t primitive = NULL;
    if (make(key, context, &pd) == dnnl_success && pd) {
        if (dnnl_primitive_create(&primitive, pd) == dnnl_success && (made = calloc(1, sizeof *made)) &&
            (made->key = malloc(size))) {
            memcpy(made->key, key, size);
            made->owner = owner;
            made->size = size;
            made->value = (slim_primitive){primitive, pd};
            made->next = buckets[h];
            buckets[h] = made;
            count++;
        } else {
            if (primitive) dnnl_primitive_destroy(primitive);
            dnnl_primitive_desc_destroy(pd);
            free(made);
            made = NULL;
        }
    }
    pthread_mutex_unlock(&lock);
    return made ? &made->value : NULL;
}

void slim_primitive_forget(const void *owner) {
    if (!owner) return;
    pthread_mutex_lock(&lock);
    for (int h = 0; h < BUCKETS; h++) {
        entry **link = &buckets[h];
        while (*link) {
            entry *e = *link;
            if (e->owner == owner) {
                *link = e->next;
                dnnl_primitive_destroy(e->value.primitive);
                dnnl_primitive_desc_destroy(e->value.pd);
                free(e->key);
                free(e);
                count--;
            } else {
                link = &e->next;
            }
        }
    }
    pthread_mutex_unlock(&lock);
}

size_t slim_primitive_count(void) {
    pthread_mutex_lock(&lock);
    size_t n = count;
    pthread_mutex_unlock(&lock);
    return n;
}

dnnl_status_t slim_primitive_matmul(const slim_primitive *p, const void *src, const void *weights, const void *bias,
                                    void *dst) {
    dnnl_engine_t engine = slim_dnnl_engine();
    const void *data[4] = {src, weights, dst, bias};
    const int roles[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS};
    const dnnl_query_t queries[4] = {dnnl_query_src_md, dnnl_query_weights_md, dnnl_query_dst_md, dnnl_query_weights_md};
    const int index[4] = {0, 0, 0, 1};  // the bias is the second weights descriptor
    dnnl_exec_arg_t args[4];
    int count = bias ? 4 : 3;
    for (int i = 0; i < count; i++) {
        dnnl_memory_t memory;
        dnnl_memory_create(&memory, dnnl_primitive_desc_query_md(p->pd, queries[i], index[i]), engine, (void *)data[i]);
        args[i] = (dnnl_exec_arg_t){roles[i], memory};
    }
    dnnl_status_t status = slim_dnnl_execute(p->primitive, count, args);
    for (int i = 0; i < count; i++) dnnl_memory_destroy(args[i].memory);
    return status;
}

// Internal: the one cache of oneDNN primitives for the whole C target.
//
// A primitive is made on first use for its key (the bytes of a struct describing the shape,
// layout and fused operations) and kept. One eviction rule for every kind of weights: an entry
// made for an owner (a set of packed float or int8 weights, whose pointer is part of its
// identity) is destroyed when the owner is freed, through slim_primitive_forget; entries
// without an owner are keyed by shape alone and live for the process, so their number is
// bounded by the distinct shapes a process runs.
#ifndef SLIM_PRIMITIVE_CACHE_H
#define SLIM_PRIMITIVE_CACHE_H

#include <dnnl.h>
#include <stddef.h>

typedef struct {
    dnnl_primitive_t primitive;
    dnnl_primitive_desc_t pd;
} slim_primitive;

// Makes the primitive descriptor for `key`; returns dnnl_success and sets *pd, or an error.
typedef dnnl_status_t (*slim_make_pd)(const void *key, const void *context, dnnl_primitive_desc_t *pd);

// The cached primitive for (owner, key), made with `make` when missing; NULL when oneDNN cannot
// make it. Zero the key struct before filling it: its padding bytes are part of the key.
const slim_primitive *slim_primitive_get(const void *owner, const void *key, size_t size, slim_make_pd make,
                                         const void *context);
// Destroys every entry made for `owner` (call before freeing it).
void slim_primitive_forget(const void *owner);

// Runs a cached matmul primitive on src, weights, an optional bias and dst (their layouts are
// the primitive's own) through slim_dnnl_execute; returns the oneDNN status.
dnnl_status_t slim_primitive_matmul(const slim_primitive *p, const void *src, const void *weights, const void *bias,
                                    void *dst);

#endif

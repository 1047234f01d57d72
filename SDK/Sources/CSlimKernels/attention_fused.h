// Internal: the fused attention kernels behind slim_attention_fused (attention.c).
#ifndef SLIM_ATTENTION_FUSED_H
#define SLIM_ATTENTION_FUSED_H

#include "slim_kernels.h"

#include <stdint.h>

// One task is one (batch, head): q, k, v rows of that head are `ld` floats apart per token,
// the context is written with heads merged, (B, T, H·D). tp is T padded to the kernel's tile.
// bias, when not NULL, is (H, T, T), added to the scores of every batch (MPNet's relative-position bias).
struct fused_ctx {
    const float *q, *k, *v, *mask, *bias; float *context;
    int64_t h, t, d, tp, ld; float scale;
};

// s[r][j] += bias[r·t + j] for rows r < R and keys j < t; nothing when bias is NULL.
static inline __attribute__((always_inline)) void fused_add_bias(int R, float *s, int64_t tp, const float *bias, int64_t t) {
    if (!bias) return;
    for (int r = 0; r < R; r++)
        for (int64_t j = 0; j < t; j++) s[r * tp + j] += bias[r * t + j];
}

// Row i of head `head`'s bias, or NULL.
static inline __attribute__((always_inline)) const float *fused_bias_row(const struct fused_ctx *c, int64_t head, int64_t i) {
    return c->bias ? c->bias + (head * c->t + i) * c->t : NULL;
}

#define FUSED_CHUNK 32  // score columns per tile; tp is a multiple of it

// AVX-512, D ∈ {16, 32, 64, 128} (attention_avx512.c).
void slim_attention_fused_avx512(void *ctx, int64_t lo, int64_t hi);
// AVX2 + FMA or portable C, D a multiple of 16 up to 256 (attention_fused.c): the variant for
// the calling thread's level.
slim_range_fn slim_attention_fused_vec(void);
// The fused kernel for head size d at the calling thread's level, or NULL (the oneDNN path).
slim_range_fn slim_attention_fused_kernel(int64_t d);

#endif

// Internal: the fused attention kernels behind slim_attention_fused (attention.c).
#ifndef SLIM_ATTENTION_FUSED_H
#define SLIM_ATTENTION_FUSED_H

#include "slim_kernels.h"

#include <stdint.h>

// One task is one (batch, head): q, k, v rows of that head are `ld` floats apart per token,
// the context is written with heads merged, (B, T, H·D). tp is T padded to the kernel's tile.
struct fused_ctx {
    const float *q, *k, *v, *mask; float *context;
    int64_t h, t, d, tp, ld; float scale;
};

#define FUSED_CHUNK 32  // score columns per tile; tp is a multiple of it

// AVX-512, D ∈ {16, 32, 64, 128} (attention_avx512.c).
void slim_attention_fused_avx512(void *ctx, int64_t lo, int64_t hi);
// AVX2 + FMA or portable C, D a multiple of 16 up to 256 (attention_fused.c): the variant for
// the calling thread's level.
slim_range_fn slim_attention_fused_vec(void);
// The fused kernel for head size d at the calling thread's level, or NULL (the oneDNN path).
slim_range_fn slim_attention_fused_kernel(int64_t d);

#endif

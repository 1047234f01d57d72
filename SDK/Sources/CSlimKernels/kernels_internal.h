// Shared by the kernel files, not part of the public header: the multi-versioning macro,
// the parallel grains and the vectorisable exp.
#ifndef SLIM_KERNELS_INTERNAL_H
#define SLIM_KERNELS_INTERNAL_H

#include "slim_kernels.h"

#include <math.h>
#include <stdint.h>

#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define ELEMENT_GRAIN 16384
#define ROW_GRAIN(cols) ((cols) >= 4096 ? 1 : 4096 / (cols))

// exp(x) for float, branch-free so loops vectorise: x = k·ln2 + r, |r| ≤ ln2/2, a
// degree-6 polynomial for e^r (relative error < 2e-7), then 2^k through the exponent bits.
static inline float vexp(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    float k = __builtin_roundevenf(x * 1.44269504088896341f);
    float r = x - k * 0.693145751953125f - k * 1.428606765330187e-06f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    union { float f; int32_t i; } bits = {.i = ((int32_t)k + 127) << 23};
    return p * bits.f;
}

#endif

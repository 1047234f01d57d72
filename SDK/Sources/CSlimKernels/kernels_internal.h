// Shared by the kernel files, not part of the public header: the multi-versioning macros,
// the parallel grains and the vectorisable exp, tanh, sigmoid and normal CDF.
#ifndef SLIM_KERNELS_INTERNAL_H
#define SLIM_KERNELS_INTERNAL_H

#include "slim_isa.h"
#include "slim_kernels.h"

#include <math.h>
#include <stdint.h>

// A vectorised loop is written once, as `LOOP name(void *ctx, int64_t lo, int64_t hi)`, and
// `VARIANTS(name)` compiles it three times: for AVX-512 (x86-64-v4), AVX2 + FMA (x86-64-v3)
// and baseline x86-64 (the body is inlined into each, so each is vectorised for its width).
// `PICK(name)` is the variant for slim_isa_current(): the CPU's level capped by
// BERTSLIM_MAX_ISA and by a test's thread cap, so every variant can be checked on one machine
// (target_clones, used before, chose by CPU alone with no override).
#define LOOP static inline __attribute__((always_inline)) void
#if defined(__x86_64__)
#define VARIANTS(name)                                                                            \
    __attribute__((target("arch=x86-64-v4"))) static void name##_v4(void *c, int64_t lo, int64_t hi) { \
        name(c, lo, hi);                                                                          \
    }                                                                                             \
    __attribute__((target("arch=x86-64-v3"))) static void name##_v3(void *c, int64_t lo, int64_t hi) { \
        name(c, lo, hi);                                                                          \
    }                                                                                             \
    static void name##_v1(void *c, int64_t lo, int64_t hi) { name(c, lo, hi); }
#define PICK(name) slim_pick(name##_v4, name##_v3, name##_v1)
static inline slim_range_fn slim_pick(slim_range_fn v4, slim_range_fn v3, slim_range_fn v1) {
    slim_isa level = slim_isa_current();
    return level >= SLIM_ISA_AVX512 ? v4 : (level >= SLIM_ISA_AVX2 ? v3 : v1);
}
#else
#define VARIANTS(name) \
    static void name##_v1(void *c, int64_t lo, int64_t hi) { name(c, lo, hi); }
#define PICK(name) name##_v1
#endif

#define ELEMENT_GRAIN 16384
#define ROW_GRAIN(cols) ((cols) >= 4096 ? 1 : 4096 / (cols))

// exp(x) for float, branch-free so loops vectorise: x = k·ln2 + r, |r| ≤ ln2/2, a
// degree-6 polynomial for e^r (relative error < 2e-7), then 2^k through the exponent bits.
static inline __attribute__((always_inline)) float vexp(float x) {
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

// tanh from exp: 1 − 2/(e^{2|x|} + 1) loses relative accuracy as |x| → 0 (it subtracts
// two numbers close to 1), so below 0.25 the odd Taylor series takes over (next term
// < 1e-8 relative there). Both are computed and one selected, which keeps the loop
// branch-free. NaN falls through the exp form and stays NaN.
static inline __attribute__((always_inline)) float vtanh(float x) {
    float a = fabsf(x), a2 = a * a;
    float big = 1.0f - 2.0f / (vexp(2.0f * a) + 1.0f);
    float small = a + a * a2 * (-1.0f / 3.0f + a2 * (2.0f / 15.0f + a2 * (-17.0f / 315.0f +
                  a2 * (62.0f / 2835.0f))));
    return copysignf(a < 0.25f ? small : big, x);
}

// 1/(1 + e^{−x}) has no cancellation: for very negative x it is tiny and still accurate
// relative to itself until e^{−x} saturates (x < −87).
static inline __attribute__((always_inline)) float vsigmoid(float x) { return 1.0f / (1.0f + vexp(-x)); }

// Φ(x), the standard normal CDF, as ½(1 + erf(x/√2)) with erf from Abramowitz & Stegun
// 7.1.26 (absolute error < 1.5e-7): a 5-term polynomial in t = 1/(1 + p·z) times e^{-z²}.
// The same accuracy class as PyTorch's vectorised erf, at a third fewer operations than a
// relative-accuracy erfc fit; GELU's error stays below |x|·1e-7.
static inline __attribute__((always_inline)) float normal_cdf(float x) {
    float z = fabsf(x) * 0.70710678118654752f;
    float t = 1.0f / (1.0f + 0.3275911f * z);
    float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f +
                 t * (-1.453152027f + t * 1.061405429f))));
    float erf_abs = 1.0f - poly * vexp(-z * z);
    return 0.5f + 0.5f * (x >= 0 ? erf_abs : -erf_abs);
}

#endif

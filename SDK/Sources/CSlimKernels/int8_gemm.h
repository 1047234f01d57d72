// Internal: the exact int16-product int8 GEMM (int8_gemm.c) behind slim_int8_linear on CPUs
// whose oneDNN int8 kernels saturate.
#ifndef SLIM_INT8_GEMM_H
#define SLIM_INT8_GEMM_H

#include "slim_isa.h"

#include <stdint.h>

typedef struct slim_s16_weights slim_s16_weights;

// W (N, K) packed for the variant of `isa` (AVX-512, AVX2 or portable C); NULL if K > 2^17.
slim_s16_weights *slim_s16_pack(const int8_t *w, int64_t n, int64_t k, slim_isa isa);
void slim_s16_free(slim_s16_weights *w);
// As slim_int8_linear (slim_int8.h); scales and bias may be NULL (ones, zeros). s32 output is
// acc + bias, unscaled. Returns 0, or −1 when memory runs out.
int slim_s16_linear(const slim_s16_weights *w, int64_t m, const int8_t *x, const float *scales,
                    const int32_t *bias, int gelu, float gelu_scale, int dst_kind, void *y);
// "bertslim:s16_avx512", "bertslim:s16_avx2" or "bertslim:s16_portable".
const char *slim_s16_name(const slim_s16_weights *w);

#endif

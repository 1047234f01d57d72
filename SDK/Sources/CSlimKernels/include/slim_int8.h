// Int8 kernels: symmetric quantization loops (quantize.c) and int8 linear layers on oneDNN
// (matmul_int8.c). Scales follow Q8BERT: a float x is stored as q = clamp(round(x·s), ±127),
// and read back as q / s.
#ifndef SLIM_INT8_H
#define SLIM_INT8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// q = clamp(round_half_even(x·scale), −127, 127)
void slim_quantize_s8(const float *x, int8_t *q, int64_t n, float scale);
/// y = q·step (step = 1 / scale)
void slim_dequantize_s8(const int8_t *q, float *y, int64_t n, float step);
/// max |x| (0 for an empty range)
float slim_max_abs(const float *x, int64_t n);
/// y = quantize(x, scale) / scale: fake quantization's forward.
void slim_fake_quantize(const float *x, float *y, int64_t n, float scale);
/// y = LayerNorm(x (+ residual)) over rows of `cols`; when q is not NULL also
/// q = quantize(y, scale) in the same pass.
void slim_layernorm_quantize(const float *x, const float *residual, const float *gamma,
                             const float *beta, float *y, int8_t *q, int64_t rows, int64_t cols,
                             float eps, float scale);
/// out[r, :] (+)= table[ids[r], :]·step for an int8 table; ids must be in range.
void slim_embedding_gather_s8(const int8_t *table, float step, const int32_t *ids, float *out,
                              int64_t rows, int64_t width, int accumulate);

/// Int8 weights W (N, K) (Hugging Face Linear layout) packed once for the exact int8 matmul of
/// the calling thread's ISA level: oneDNN's where it has VNNI or AMX, else BertSlim's
/// int16-product kernel (int8_gemm.c). NULL when neither can take the shape.
typedef struct slim_int8_weights slim_int8_weights;
slim_int8_weights *slim_int8_pack_weights(const int8_t *w, int64_t n, int64_t k);
void slim_int8_weights_free(slim_int8_weights *w);
/// y (M, N) = e(scales[n] · (x (M, K) · Wᵀ + bias[n])), where e is identity or, with `gelu`,
/// gelu_scale·GELU (erf form). dst_kind: 0 f32, 1 s8 (rounded half to even, saturated to
/// −128…127), 2 s32 (pass no scales and no GELU: the raw sums plus bias). `scales` (N values,
/// or NULL for none) and `bias` (N int32, nullable) are baked into a cached primitive keyed by
/// their values. Returns 0 on success, else the oneDNN status.
int slim_int8_linear(const slim_int8_weights *w, int64_t m, const int8_t *x, const float *scales,
                     const int32_t *bias, int gelu, float gelu_scale, int dst_kind, void *y);
/// The implementation chosen for these weights at M rows (e.g. "brg:avx512_core_vnni" or
/// "bertslim:s16_avx2").
const char *slim_int8_impl_name(const slim_int8_weights *w, int64_t m, int dst_kind);
/// Dynamic quantization's epilogue: y[r, c] = acc[r, c]·scales[c] + bias[c]; bias nullable.
void slim_dequantize_s32(const int32_t *acc, const float *scales, const float *bias, float *y,
                         int64_t rows, int64_t cols);

/// Attention on projections q, k, v laid out (B, T, H, D) (attention.c):
/// scores (B, H, T, T) = alpha · Q·Kᵀ per head, read in place.
int slim_attention_scores(const float *q, const float *k, float *scores, int64_t b, int64_t h, int64_t t,
                          int64_t d, float alpha);
/// context (B, T, H, D) = P·V for probabilities P (B, H, T, T), V read in place.
int slim_attention_context(const float *probabilities, const float *v, float *context, int64_t b, int64_t h,
                           int64_t t, int64_t d);
/// context (B, T, H, D) = softmax(Q·Kᵀ/√D + mask)·V per head in one pass, scores kept in cache
/// (AVX-512 for D ∈ {16, 32, 64, 128}, AVX2 or portable C for other multiples of 16 up to 256;
/// otherwise returns nonzero and writes nothing). Token rows of q, k and v are `ld` floats apart
/// (H·D each alone, 3·H·D in one q|k|v projection). mask: additive, (B, T). bias: NULL, or
/// (H, T, T) added to every batch's scores (MPNet's relative-position bias).
int slim_attention_fused(const float *q, const float *k, const float *v, int64_t ld, const float *mask,
                         const float *bias, float *context, int64_t b, int64_t h, int64_t t, int64_t d);
/// The attention kernel slim_attention_fused runs for head size d on this thread
/// ("bertslim:fused_avx512", "bertslim:fused_avx2", "bertslim:fused_portable"), or the oneDNN
/// fallback's name.
const char *slim_attention_impl_name(int64_t d);

#ifdef __cplusplus
}
#endif
#endif

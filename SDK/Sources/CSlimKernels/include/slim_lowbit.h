// Packed low-bit weights (lowbit.c) and the linear layers that run on them (lowbit_linear.c).
//
// A weight W (N, K), Hugging Face's Linear layout, holds one b-bit code per value, b ∈ {2, 3, 4,
// 8}. Row r is a little-endian bit stream of K·b bits padded with zero bits to
// row_bytes = ceil(K·b / 8) bytes: code k sits in bits [k·b, k·b + b) of the row, bit j of the
// stream being bit j mod 8 of byte j / 8 (2 bits: four codes a byte, lowest first; 4 bits: low
// nibble first; 3 bits: eight codes in three bytes, as one 24-bit little-endian word).
// Rows form `groups` blocks of N / groups rows; a code q of a row in block g stands for
// - linear: (q − z_g) · (1 / scale_g), z_g from zero_points (asymmetric) or 2^(b−1) when
//   zero_points is NULL (symmetric);
// - codebook: codebook[g·2^b + q] (k-means centroids); for int8 activations, the centroids
//   rounded to int8 per group: codebook_s8[g·2^b + q] / codebook_scales[g].
#ifndef SLIM_LOWBIT_H
#define SLIM_LOWBIT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A view of packed weights; the arrays belong to the caller.
typedef struct {
    const uint8_t *codes;        // N · row_bytes packed bytes
    int64_t n, k;
    int bits;                    // 2, 3, 4 or 8
    int64_t groups;              // divides n
    const float *scales;         // linear: `groups` positive values, else NULL
    const uint8_t *zero_points;  // linear, asymmetric: `groups` values < 2^b, else NULL
    const float *codebook;       // codebook: groups · 2^b values, else NULL
    const int8_t *codebook_s8;   // codebook, int8 path: groups · 2^b values, else NULL
    const float *codebook_scales;  // codebook, int8 path: `groups` positive values, else NULL
} slim_lowbit_weights;

/// Bytes per packed row: ceil(k·bits / 8).
int64_t slim_lowbit_row_bytes(int64_t k, int bits);
/// Packs codes (n, k), one per byte, each below 2^bits, into n · row_bytes bytes.
void slim_lowbit_pack(const uint8_t *codes, uint8_t *packed, int64_t n, int64_t k, int bits);
/// The inverse of slim_lowbit_pack.
void slim_lowbit_unpack(const uint8_t *packed, uint8_t *codes, int64_t n, int64_t k, int bits);
/// Rows [row0, row0 + rows) of W as float, row-major (rows, k).
void slim_lowbit_decode(const slim_lowbit_weights *w, int64_t row0, int64_t rows, float *out);
/// Rows [row0, row0 + rows) of W as int8: q − 2^(bits−1) for linear weights (each fits in
/// int8), codebook_s8[g·2^b + q] for a codebook.
void slim_lowbit_unpack_s8(const slim_lowbit_weights *w, int64_t row0, int64_t rows, int8_t *out);

/// mins[r], maxs[r] = the smallest and largest value of row r of x (rows, cols).
void slim_row_min_max(const float *x, int64_t rows, int64_t cols, float *mins, float *maxs);
/// Group-wise linear quantization of w (n, k) in row blocks of n / groups:
/// code = clamp(round_half_even(w·scale_g) + z_g, qmin, 2^b − 1), with z_g = zero_points[g] and
/// qmin = 0 (asymmetric), or z_g = 2^(b−1) and qmin = 1 when zero_points is NULL (symmetric);
/// fake = (code − z_g)·(1/scale_g), the value the code stands for. codes or fake may be NULL.
void slim_lowbit_quantize(const float *w, int64_t n, int64_t k, int bits, int64_t groups, const float *scales,
                          const uint8_t *zero_points, uint8_t *codes, float *fake);
/// out[r, i] = centroids[g·levels + codes[r, i]] for rows r of group g (row blocks of n / groups).
void slim_codebook_gather(const float *centroids, const uint8_t *codes, float *out, int64_t n, int64_t k,
                          int64_t groups, int levels);
/// dcentroids[g·levels + j] += Σ dy[r, i] over rows r of group g with codes[r, i] = j (levels ≤ 256).
void slim_codebook_scatter_add(const uint8_t *codes, const float *dy, float *dcentroids, int64_t n, int64_t k,
                               int64_t groups, int levels);

/// y (m, n) = x (m, k) · Wᵀ + bias (GELU of it with `gelu`) in float: W decoded a slab of rows
/// at a time into a small float buffer that oneDNN's f32 matmul reads (the whole float matrix
/// never exists). bias: n values or NULL. Returns 0, or nonzero (a oneDNN status, −1 for memory).
int slim_lowbit_linear_f32(const slim_lowbit_weights *w, int64_t m, const float *x, const float *bias, float *y,
                           int gelu);
/// y (m, n) = x·Wᵀ + bias (GELU of it with `gelu`) for int8 activations x (a value x_q stands
/// for x_q / x_scale): W is unpacked to int8 (slim_lowbit_unpack_s8) and multiplied exactly
/// (oneDNN's int8 matmul where it is exact, else BertSlim's int16-product kernel); then
/// y = (acc + (2^(b−1) − z_g)·Σ_k x_q) / (x_scale · scale_g) + bias for linear weights, or
/// acc / (x_scale · codebook_scales[g]) + bias for a codebook. Returns 0, nonzero on failure
/// (−2 when a codebook comes without codebook_s8 and codebook_scales).
int slim_lowbit_linear_s8(const slim_lowbit_weights *w, int64_t m, const int8_t *x, float x_scale,
                          const float *bias, float *y, int gelu);
/// The kernels slim_lowbit_linear_f32 (int8_input 0) or _s8 (1) runs on this thread at m rows,
/// e.g. "bertslim:lowbit_decode_avx512+brg:avx512_core".
const char *slim_lowbit_impl_name(const slim_lowbit_weights *w, int64_t m, int int8_input);

#ifdef __cplusplus
}
#endif
#endif

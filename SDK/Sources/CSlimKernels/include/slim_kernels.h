// Hot loops of SlimTensor that are not oneDNN primitives.
//
// They run on the same OpenMP (libgomp) worker pool that Debian's oneDNN uses, so the
// elementwise work between two matmuls never fights oneDNN's spinning workers
// (DESIGN.md §4). Each kernel is compiled for AVX-512, AVX2 and baseline x86-64 and picks
// one at run time. Every kernel has a plain-Swift reference in SlimTensor's tests.
#ifndef SLIM_KERNELS_H
#define SLIM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Number of worker threads used by SlimTensor and oneDNN (default: all cores).
int slim_num_threads(void);
/// Sets the worker count for SlimTensor's loops and oneDNN alike.
void slim_set_num_threads(int n);
/// True when the loops run on libgomp's pool (false: serial fallback).
int slim_uses_openmp(void);

typedef void (*slim_range_fn)(void *ctx, int64_t begin, int64_t end);
/// Splits [0, n) into one contiguous chunk per worker (no chunk smaller than `grain`).
void slim_parallel_for(int64_t n, int64_t grain, slim_range_fn fn, void *ctx);

// y = x + b (b broadcast along rows of length `cols`, or full when `cols` == n).
void slim_add(const float *a, const float *b, float *y, int64_t n);
void slim_add_rowbias(const float *x, const float *bias, float *y, int64_t rows, int64_t cols);
void slim_mul(const float *a, const float *b, float *y, int64_t n);
void slim_scale(const float *x, float s, float *y, int64_t n);
/// y += a * x
void slim_axpy(float a, const float *x, float *y, int64_t n);
/// out[c] += sum over rows of x[r, c]
void slim_sum_rows(const float *x, float *out, int64_t rows, int64_t cols);

// GELU, erf form: y = x/2 (1 + erf(x/√2)).
void slim_gelu_forward(const float *x, float *y, int64_t n);
void slim_gelu_backward(const float *x, const float *dy, float *dx, int64_t n);

/// Row softmax of (rows, cols); `mask` (nullable) is added before the max, row r uses
/// mask row r / rows_per_mask (so a (B, T) padding mask serves (B, H, T, T) scores).
void slim_softmax_forward(const float *x, const float *mask, int64_t rows_per_mask,
                          float *y, int64_t rows, int64_t cols, int log_space);
/// dx = y ⊙ (dy − Σ dy⊙y)  (softmax), or dx = dy − softmax ⊙ Σ dy  (log-softmax, y = log p).
void slim_softmax_backward(const float *y, const float *dy, float *dx, int64_t rows,
                           int64_t cols, int log_space);

/// Layer norm over the last axis; writes mean and 1/σ per row for the backward pass.
void slim_layernorm_forward(const float *x, const float *gamma, const float *beta, float *y,
                            float *mean, float *rstd, int64_t rows, int64_t cols, float eps);
/// dx for every row; dgamma/dbeta (length cols) are accumulated into (+=).
void slim_layernorm_backward(const float *x, const float *gamma, const float *mean,
                             const float *rstd, const float *dy, float *dx, float *dgamma,
                             float *dbeta, int64_t rows, int64_t cols);

/// One AdamW step over a flat parameter (decoupled weight decay, bias-corrected moments).
void slim_adamw_step(float *w, const float *g, float *m, float *v, int64_t n, float lr,
                     float beta1, float beta2, float eps, float weight_decay,
                     float bias_correction1, float bias_correction2);

/// Σ x²
double slim_sum_squares(const float *x, int64_t n);

// Pointwise activations (activations.c). Backward passes take the forward's output y.
void slim_tanh_forward(const float *x, float *y, int64_t n);
/// dx = dy ⊙ (1 − y²)
void slim_tanh_backward(const float *y, const float *dy, float *dx, int64_t n);
void slim_sigmoid_forward(const float *x, float *y, int64_t n);
/// dx = dy ⊙ y ⊙ (1 − y)
void slim_sigmoid_backward(const float *y, const float *dy, float *dx, int64_t n);
/// y = max(x, 0), NaN kept.
void slim_relu_forward(const float *x, float *y, int64_t n);
/// dx = dy where y > 0, else 0.
void slim_relu_backward(const float *y, const float *dy, float *dx, int64_t n);

/// Inverted dropout (dropout.c): y_i = x_i·scale when u_i ≥ rate, else 0, where u_i is the
/// (i+1)-th SeededGenerator.nextUniform() after `state`. The mask depends only on
/// (state, i): parallel loops match a serial draw, and the backward pass is the same call
/// on dy with the same state.
void slim_dropout(const float *x, float *y, int64_t n, uint64_t state, float rate, float scale);

/// out[r, :] = table[ids[r], :] (embedding.c); ids must already be in range.
void slim_embedding_gather(const float *table, const int32_t *ids, float *out, int64_t rows,
                           int64_t width);
/// dtable[ids[r], :] += dy[r, :] for every r, deterministic for repeated ids.
void slim_embedding_scatter_add(const int32_t *ids, const float *dy, float *dtable, int64_t rows,
                                int64_t width);

/// One LSTM layer over a padded batch (lstm.c): B sequences of T steps, H hidden units, one
/// direction or two (the second runs from step T − 1 down to 0). Gates in PyTorch's order
/// i, f, g, o. Tensors marked "interleaved" hold direction d of (b, t) at row (b·T + t)·D + d:
/// (B, T, D·4H) for gates, (B, T, D·H) for states and outputs.
typedef struct {
    int64_t directions, batch, steps, hidden;
    /// (B, T): nonzero where a step holds a token; NULL when all do. A step without one leaves
    /// the state as it was and outputs zeros, so each direction starts at its own first token.
    const uint8_t *mask;
    /// weight_hh (4H, H) of each direction (the second unused with one direction).
    const float *weight_hh, *weight_hh_reverse;
    /// The same weights packed by slim_pack_weights (cached by the caller), or NULL: the forward
    /// pass then reorders them itself.
    const struct slim_packed_weights *packed_hh, *packed_hh_reverse;
} slim_lstm_layer;

/// The recurrence from the input projections x·W_ihᵀ + b_ih + b_hh of every step (direction d's
/// for (b, t) at row b·T + t of xw or xw_reverse, rows xw_stride floats apart): writes y
/// (interleaved outputs, zero at masked steps) and the final states h_n, c_n (D, B, H), starting
/// from zero states. When `gates` is not NULL (training), also what the backward pass reads:
/// gates (interleaved, i, f, g, o after their activations) and h_prev, c_prev (interleaved, the
/// state entering each step). Returns 0 or a oneDNN status.
int slim_lstm_forward(const slim_lstm_layer *layer, const float *xw, const float *xw_reverse, int64_t xw_stride,
                      float *y, float *h_n, float *c_n, float *gates, float *h_prev, float *c_prev);
/// The backward pass from dy (interleaved) and dh_n, dc_n (D, B, H), each NULL when zero:
/// writes dxw (interleaved, the gradient of xw; zero at masked steps) and, when not NULL, the
/// gradients of weight_hh and weight_hh_reverse (4H, H). Returns 0 or a oneDNN status.
int slim_lstm_backward(const slim_lstm_layer *layer, const float *dy, const float *dh_n, const float *dc_n,
                       const float *gates, const float *h_prev, const float *c_prev, float *dxw,
                       float *dw_hh, float *dw_hh_reverse);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif
/* ---- matmul on oneDNN (primitives created once per shape and cached) -------------- */

/// C[b] (M×N) = alpha · op(A[b]) · op(B[b]) (+ bias row) (+ C[b] when accumulate).
/// op transposes when trans_* is set: A is stored (M, K) or (K, M), B (K, N) or (N, K).
/// batch_b is either batch or 1 (B shared by every batch). Returns 0 on success, else the
/// oneDNN status.
int slim_matmul(int64_t batch, int64_t batch_b, int64_t m, int64_t n, int64_t k,
                int trans_a, int trans_b, float alpha, const float *a, const float *b,
                const float *bias, float *c, int accumulate);

/// Weights W (N, K) (Hugging Face Linear layout) reordered once into oneDNN's preferred
/// blocked layout, for y = x·Wᵀ + b at inference.
typedef struct slim_packed_weights slim_packed_weights;
slim_packed_weights *slim_pack_weights(const float *w, int64_t n, int64_t k);
void slim_packed_weights_free(slim_packed_weights *p);
/// y (M, N) = x (M, K) · Wᵀ + bias, through the packed weights; with `gelu`, the GELU
/// (erf form) of that, fused into the same pass.
int slim_matmul_packed(const slim_packed_weights *w, int64_t m, const float *x,
                       const float *bias, float *y, int gelu);
/// Number of oneDNN primitives cached now (all kinds; see primitive_cache.h).
size_t slim_primitive_count(void);
/// Short name of the oneDNN implementation used for an f32 matmul of this shape.
const char *slim_matmul_impl_name(int64_t m, int64_t n, int64_t k);
#ifdef __cplusplus
}
#endif
#endif

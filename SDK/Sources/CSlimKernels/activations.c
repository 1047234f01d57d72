// Pointwise activations (tanh, sigmoid, ReLU) and their derivatives. The backward passes
// read the forward's output, so the input need not be kept alive for them.
#include "kernels_internal.h"

// tanh from exp: 1 − 2/(e^{2|x|} + 1) loses relative accuracy as |x| → 0 (it subtracts
// two numbers close to 1), so below 0.25 the odd Taylor series takes over (next term
// < 1e-8 relative there). Both are computed and one selected, which keeps the loop
// branch-free. NaN falls through the exp form and stays NaN.
static inline float vtanh(float x) {
    float a = fabsf(x), a2 = a * a;
    float big = 1.0f - 2.0f / (vexp(2.0f * a) + 1.0f);
    float small = a + a * a2 * (-1.0f / 3.0f + a2 * (2.0f / 15.0f + a2 * (-17.0f / 315.0f +
                  a2 * (62.0f / 2835.0f))));
    return copysignf(a < 0.25f ? small : big, x);
}

struct pointwise_ctx { const float *x, *dy; float *y; };

LOOP tanh_fwd_range(void *c, int64_t lo, int64_t hi) {
    struct pointwise_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = vtanh(k->x[i]);
}
VARIANTS(tanh_fwd_range)
void slim_tanh_forward(const float *x, float *y, int64_t n) {
    struct pointwise_ctx k = {x, NULL, y};
    slim_parallel_for(n, ELEMENT_GRAIN / 4, PICK(tanh_fwd_range), &k);
}

LOOP tanh_bwd_range(void *c, int64_t lo, int64_t hi) {
    struct pointwise_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->dy[i] * (1.0f - k->x[i] * k->x[i]);
}
VARIANTS(tanh_bwd_range)
void slim_tanh_backward(const float *y, const float *dy, float *dx, int64_t n) {
    struct pointwise_ctx k = {y, dy, dx};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(tanh_bwd_range), &k);
}

// 1/(1 + e^{−x}) has no cancellation: for very negative x it is tiny and still accurate
// relative to itself until e^{−x} saturates (x < −87).
LOOP sigmoid_fwd_range(void *c, int64_t lo, int64_t hi) {
    struct pointwise_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = 1.0f / (1.0f + vexp(-k->x[i]));
}
VARIANTS(sigmoid_fwd_range)
void slim_sigmoid_forward(const float *x, float *y, int64_t n) {
    struct pointwise_ctx k = {x, NULL, y};
    slim_parallel_for(n, ELEMENT_GRAIN / 4, PICK(sigmoid_fwd_range), &k);
}

LOOP sigmoid_bwd_range(void *c, int64_t lo, int64_t hi) {
    struct pointwise_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->dy[i] * k->x[i] * (1.0f - k->x[i]);
}
VARIANTS(sigmoid_bwd_range)
void slim_sigmoid_backward(const float *y, const float *dy, float *dx, int64_t n) {
    struct pointwise_ctx k = {y, dy, dx};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(sigmoid_bwd_range), &k);
}

// `x < 0 ? 0 : x` rather than fmaxf so that NaN propagates, as in PyTorch.
LOOP relu_fwd_range(void *c, int64_t lo, int64_t hi) {
    struct pointwise_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->x[i] < 0.0f ? 0.0f : k->x[i];
}
VARIANTS(relu_fwd_range)
void slim_relu_forward(const float *x, float *y, int64_t n) {
    struct pointwise_ctx k = {x, NULL, y};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(relu_fwd_range), &k);
}

LOOP relu_bwd_range(void *c, int64_t lo, int64_t hi) {
    struct pointwise_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = k->x[i] > 0.0f ? k->dy[i] : 0.0f;
}
VARIANTS(relu_bwd_range)
void slim_relu_backward(const float *y, const float *dy, float *dx, int64_t n) {
    struct pointwise_ctx k = {y, dy, dx};
    slim_parallel_for(n, ELEMENT_GRAIN, PICK(relu_bwd_range), &k);
}

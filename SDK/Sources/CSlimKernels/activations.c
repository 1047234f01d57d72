// Pointwise activations (tanh, sigmoid, ReLU) and their derivatives. The backward passes
// read the forward's output, so the input need not be kept alive for them.
#include "kernels_internal.h"

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

LOOP sigmoid_fwd_range(void *c, int64_t lo, int64_t hi) {
    struct pointwise_ctx *k = c;
    for (int64_t i = lo; i < hi; i++) k->y[i] = vsigmoid(k->x[i]);
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

// Inverted dropout whose mask is a pure function of (generator state, element index).
//
// SlimTensor's SeededGenerator is SplitMix64: draw i (0-based) after state s is
// mix(s + (i + 1)·γ). Computing that directly lets the loop split across workers with the
// same result as drawing serially, and lets the backward pass recompute the mask from the
// starting state instead of storing it.
#include "kernels_internal.h"

#define SPLITMIX_GAMMA 0x9E3779B97F4A7C15ULL  // must match SeededGenerator.next()

struct dropout_ctx { const float *x; float *y; uint64_t state; float rate, scale; };

LOOP dropout_range(void *c, int64_t lo, int64_t hi) {
    const struct dropout_ctx *k = c;
    const float *x = k->x;
    float *y = k->y;
    const uint64_t state = k->state;
    const float rate = k->rate, scale = k->scale;
    for (int64_t i = lo; i < hi; i++) {
        uint64_t z = state + (uint64_t)(i + 1) * SPLITMIX_GAMMA;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        // Same float as SeededGenerator.nextUniform(): the top 24 bits, exactly (an int32
        // conversion, which every vector width has).
        float u = (float)(int32_t)(z >> 40) * 0x1p-24f;
        y[i] = u >= rate ? x[i] * scale : 0.0f;
    }
}
VARIANTS(dropout_range)
void slim_dropout(const float *x, float *y, int64_t n, uint64_t state, float rate, float scale) {
    struct dropout_ctx k = {x, y, state, rate, scale};
    slim_parallel_for(n, ELEMENT_GRAIN / 2, PICK(dropout_range), &k);
}

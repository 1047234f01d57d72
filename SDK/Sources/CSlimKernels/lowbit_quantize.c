// The loops low-bit quantizers run on float weights (slim_lowbit.h): per-row ranges, group-wise
// linear quantization (codes and their fake-quantized values in one pass), and the codebook
// lookup with its gradient (Han et al. 2016: centroids receive the summed gradients of the
// weights that use them).
#include "kernels_internal.h"
#include "slim_lowbit.h"

#include <string.h>

struct minmax_ctx { const float *x; float *mins, *maxs; int64_t cols; };
LOOP min_max_rows(void *c, int64_t lo, int64_t hi) {
    struct minmax_ctx *m = c;
    int64_t n = m->cols;
    for (int64_t r = lo; r < hi; r++) {
        const float *x = m->x + r * n;
        float low[16], high[16];  // independent lanes, so the loop vectorises
        for (int j = 0; j < 16; j++) low[j] = high[j] = n > 0 ? x[0] : 0;
        int64_t i = 0;
        for (; i + 16 <= n; i += 16)
            for (int j = 0; j < 16; j++) {
                float v = x[i + j];
                low[j] = v < low[j] ? v : low[j];
                high[j] = v > high[j] ? v : high[j];
            }
        float a = low[0], b = high[0];
        for (int j = 1; j < 16; j++) { a = low[j] < a ? low[j] : a; b = high[j] > b ? high[j] : b; }
        for (; i < n; i++) { a = x[i] < a ? x[i] : a; b = x[i] > b ? x[i] : b; }
        m->mins[r] = a;
        m->maxs[r] = b;
    }
}
VARIANTS(min_max_rows)
void slim_row_min_max(const float *x, int64_t rows, int64_t cols, float *mins, float *maxs) {
    struct minmax_ctx m = {x, mins, maxs, cols};
    slim_parallel_for(rows, ROW_GRAIN(cols), PICK(min_max_rows), &m);
}

struct quantize_ctx {
    const float *w; const float *scales; const uint8_t *zero_points;
    uint8_t *codes; float *fake;
    int64_t k, per_group; int bits;
};
LOOP quantize_rows(void *c, int64_t lo, int64_t hi) {
    struct quantize_ctx *q = c;
    int64_t k = q->k;
    int levels = 1 << q->bits;
    // Symmetric codes stay in [1, 2^b − 1] around z = 2^(b−1): ±(2^(b−1) − 1) steps, as Q8BERT's ±127.
    float qmin = q->zero_points ? 0.0f : 1.0f, qmax = (float)(levels - 1);
    for (int64_t r = lo; r < hi; r++) {
        int64_t g = r / q->per_group;
        float s = q->scales[g], step = 1.0f / s;
        float z = (float)(q->zero_points ? q->zero_points[g] : levels / 2);
        const float *w = q->w + r * k;
        uint8_t *codes = q->codes ? q->codes + r * k : NULL;
        float *fake = q->fake ? q->fake + r * k : NULL;
        for (int64_t i = 0; i < k; i++) {
            float v = __builtin_roundevenf(w[i] * s) + z;
            v = v < qmin ? qmin : (v > qmax ? qmax : v);
            if (codes) codes[i] = (uint8_t)v;
            if (fake) fake[i] = (v - z) * step;
        }
    }
}
VARIANTS(quantize_rows)
void slim_lowbit_quantize(const float *w, int64_t n, int64_t k, int bits, int64_t groups, const float *scales,
                          const uint8_t *zero_points, uint8_t *codes, float *fake) {
    struct quantize_ctx q = {w, scales, zero_points, codes, fake, k, n / groups, bits};
    slim_parallel_for(n, ROW_GRAIN(k), PICK(quantize_rows), &q);
}

struct codebook_ctx { const float *centroids; const uint8_t *codes; const float *dy; float *out; int64_t k, per_group; int levels; };
LOOP gather_rows(void *c, int64_t lo, int64_t hi) {
    struct codebook_ctx *b = c;
    int64_t k = b->k;
    for (int64_t r = lo; r < hi; r++) {
        const float *table = b->centroids + r / b->per_group * b->levels;
        const uint8_t *codes = b->codes + r * k;
        float *out = b->out + r * k;
        for (int64_t i = 0; i < k; i++) out[i] = table[codes[i]];
    }
}
VARIANTS(gather_rows)
void slim_codebook_gather(const float *centroids, const uint8_t *codes, float *out, int64_t n, int64_t k,
                          int64_t groups, int levels) {
    struct codebook_ctx b = {centroids, codes, NULL, out, k, n / groups, levels};
    slim_parallel_for(n, ROW_GRAIN(k), PICK(gather_rows), &b);
}

// One group per index: its rows summed per code in double (a centroid can collect millions of
// terms), then written once, so groups never share an output and need no lock. An indexed
// accumulation does not vectorise, so one scalar version serves every ISA level.
static void scatter_groups(void *c, int64_t lo, int64_t hi) {
    struct codebook_ctx *b = c;
    int64_t k = b->k;
    double sums[256];
    for (int64_t g = lo; g < hi; g++) {
        memset(sums, 0, (size_t)b->levels * sizeof(double));
        for (int64_t r = g * b->per_group; r < (g + 1) * b->per_group; r++) {
            const uint8_t *codes = b->codes + r * k;
            const float *dy = b->dy + r * k;
            for (int64_t i = 0; i < k; i++) sums[codes[i]] += dy[i];
        }
        float *out = b->out + g * b->levels;
        for (int j = 0; j < b->levels; j++) out[j] += (float)sums[j];
    }
}
void slim_codebook_scatter_add(const uint8_t *codes, const float *dy, float *dcentroids, int64_t n, int64_t k,
                               int64_t groups, int levels) {
    struct codebook_ctx b = {NULL, codes, dy, dcentroids, k, n / groups, levels};
    slim_parallel_for(groups, 1, scatter_groups, &b);
}

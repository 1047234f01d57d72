// Embedding lookup (a row gather) and its dense gradient (a row scatter-add).
#include "kernels_internal.h"

#include <string.h>

struct embedding_ctx { const float *src; const int32_t *ids; float *dst; int64_t rows, width; };

static void gather_range(void *c, int64_t lo, int64_t hi) {
    struct embedding_ctx *k = c;
    for (int64_t r = lo; r < hi; r++)
        memcpy(k->dst + r * k->width, k->src + (int64_t)k->ids[r] * k->width,
               (size_t)k->width * sizeof(float));
}
void slim_embedding_gather(const float *table, const int32_t *ids, float *out, int64_t rows,
                           int64_t width) {
    struct embedding_ctx k = {table, ids, out, rows, width};
    slim_parallel_for(rows, ROW_GRAIN(width > 0 ? width : 1), gather_range, &k);
}

// Repeated ids add into the same table row, so workers split the columns, not the rows:
// no two workers touch the same value, and each value sums its rows in order (the result
// does not depend on the thread count).
LOOP scatter_range(void *c, int64_t lo, int64_t hi) {
    struct embedding_ctx *k = c;
    for (int64_t r = 0; r < k->rows; r++) {
        const float *g = k->src + r * k->width;
        float *d = k->dst + (int64_t)k->ids[r] * k->width;
        for (int64_t j = lo; j < hi; j++) d[j] += g[j];
    }
}
VARIANTS(scatter_range)
void slim_embedding_scatter_add(const int32_t *ids, const float *dy, float *dtable, int64_t rows,
                                int64_t width) {
    struct embedding_ctx k = {dy, ids, dtable, rows, width};
    int64_t grain = rows * width >= 65536 ? 64 : width;
    slim_parallel_for(width, grain, PICK(scatter_range), &k);
}

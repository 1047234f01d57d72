// Sparse (CSR) weights × dense activations: y = x·Wᵀ + b (slim_sparse.h).
//
// The rows of x are taken TILE at a time and transposed into a (K, TILE) block, so that one
// nonzero w[j, c] becomes a vector update acc[0..TILE) += w[j, c]·xt[c, 0..TILE): TILE floats
// contiguous, accumulated in registers (4 zmm or 8 ymm) over row j's nonzeros, one broadcast
// and TILE/width loads per TILE/width FMAs (the layout of Elsen et al. 2020, "Fast Sparse
// ConvNets", with tokens in place of pixels). Each tile's outputs go to a (J, TILE) block that
// is transposed back into y with the bias and GELU. The work is split into units of (tile, range
// of output rows); each unit owns its part of y, so units run in parallel without sharing.
#include "kernels_internal.h"
#include "slim_sparse.h"

#include <stdlib.h>
#include <string.h>

#define TILE 64
#define BLOCK 16  // columns per pass of the two transposes (one cache line of floats)

#if defined(__x86_64__)
#include <immintrin.h>

// Output rows [j0, j1) of one tile with 512-bit vectors (the compiler's AVX-512 variant keeps to
// 256 bits): 4 zmm hold a row's 64 sums, and even and odd nonzeros go to two sets of them, so
// eight independent FMA chains keep both FMA ports busy.
__attribute__((target("avx512f"))) static void csr_rows_avx512(const slim_csr_weights *w, const float *xt, float *yt,
                                                               int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j++) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        int32_t p = w->row_ptr[j], end = w->row_ptr[j + 1];
        for (; p + 1 < end; p += 2) {
            __m512 u = _mm512_set1_ps(w->val[p]), v = _mm512_set1_ps(w->val[p + 1]);
            const float *x = xt + (int64_t)w->col[p] * TILE, *y = xt + (int64_t)w->col[p + 1] * TILE;
            a0 = _mm512_fmadd_ps(u, _mm512_load_ps(x), a0);
            a1 = _mm512_fmadd_ps(u, _mm512_load_ps(x + 16), a1);
            a2 = _mm512_fmadd_ps(u, _mm512_load_ps(x + 32), a2);
            a3 = _mm512_fmadd_ps(u, _mm512_load_ps(x + 48), a3);
            b0 = _mm512_fmadd_ps(v, _mm512_load_ps(y), b0);
            b1 = _mm512_fmadd_ps(v, _mm512_load_ps(y + 16), b1);
            b2 = _mm512_fmadd_ps(v, _mm512_load_ps(y + 32), b2);
            b3 = _mm512_fmadd_ps(v, _mm512_load_ps(y + 48), b3);
        }
        if (p < end) {
            __m512 u = _mm512_set1_ps(w->val[p]);
            const float *x = xt + (int64_t)w->col[p] * TILE;
            a0 = _mm512_fmadd_ps(u, _mm512_load_ps(x), a0);
            a1 = _mm512_fmadd_ps(u, _mm512_load_ps(x + 16), a1);
            a2 = _mm512_fmadd_ps(u, _mm512_load_ps(x + 32), a2);
            a3 = _mm512_fmadd_ps(u, _mm512_load_ps(x + 48), a3);
        }
        float *out = yt + (j - j0) * TILE;
        _mm512_store_ps(out, _mm512_add_ps(a0, b0));
        _mm512_store_ps(out + 16, _mm512_add_ps(a1, b1));
        _mm512_store_ps(out + 32, _mm512_add_ps(a2, b2));
        _mm512_store_ps(out + 48, _mm512_add_ps(a3, b3));
    }
}
#endif

typedef struct {
    const slim_csr_weights *w;
    const float *x, *bias;
    float *y;
    int64_t m, tiles, chunks;
    int gelu, failed;
} csr_ctx;

// Output rows [j0, j1) of one tile: yt[j − j0][i] = Σ over row j's nonzeros of w·xt[col][i].
static inline __attribute__((always_inline)) void csr_rows(const slim_csr_weights *w, const float *xt, float *yt,
                                                           int64_t j0, int64_t j1) {
    const int32_t *row_ptr = w->row_ptr;
    const uint16_t *cols = w->col;
    const float *vals = w->val;
    for (int64_t j = j0; j < j1; j++) {
        float acc[TILE];
        for (int i = 0; i < TILE; i++) acc[i] = 0;
        for (int32_t p = row_ptr[j]; p < row_ptr[j + 1]; p++) {
            float v = vals[p];
            const float *restrict xr = xt + (int64_t)cols[p] * TILE;
            for (int i = 0; i < TILE; i++) acc[i] += v * xr[i];
        }
        float *restrict out = yt + (j - j0) * TILE;
        for (int i = 0; i < TILE; i++) out[i] = acc[i];
    }
}

// One unit: rows [t·TILE, …) of x, output rows [j0, j1) of W.
static inline __attribute__((always_inline)) void csr_unit(const csr_ctx *c, int64_t unit, float *xt, float *yt) {
    const slim_csr_weights *w = c->w;
    int64_t k = w->k, n = w->n, t = unit / c->chunks, chunk = unit % c->chunks;
    int64_t r0 = t * TILE, rows = c->m - r0 < TILE ? c->m - r0 : TILE;
    int64_t j0 = n * chunk / c->chunks, j1 = n * (chunk + 1) / c->chunks;
    // xt[col][i] = x[r0 + i][col]; rows past m are zero. BLOCK columns at a time, so the
    // BLOCK rows of xt being written stay in L1.
    for (int64_t c0 = 0; c0 < k; c0 += BLOCK) {
        int64_t c1 = c0 + BLOCK < k ? c0 + BLOCK : k;
        for (int64_t i = 0; i < rows; i++) {
            const float *src = c->x + (r0 + i) * k;
            for (int64_t col = c0; col < c1; col++) xt[col * TILE + i] = src[col];
        }
    }
    if (rows < TILE)
        for (int64_t col = 0; col < k; col++) memset(xt + col * TILE + rows, 0, (size_t)(TILE - rows) * sizeof(float));
#if defined(__x86_64__)
    if (slim_isa_current() >= SLIM_ISA_AVX512) csr_rows_avx512(w, xt, yt, j0, j1);
    else
#endif
        csr_rows(w, xt, yt, j0, j1);
    // y[r0 + i][j] = yt[j − j0][i] + bias[j], GELU'd when asked.
    for (int64_t b0 = j0; b0 < j1; b0 += BLOCK) {
        int64_t b1 = b0 + BLOCK < j1 ? b0 + BLOCK : j1;
        for (int64_t i = 0; i < rows; i++) {
            float *restrict dst = c->y + (r0 + i) * n;
            for (int64_t j = b0; j < b1; j++) dst[j] = yt[(j - j0) * TILE + i] + (c->bias ? c->bias[j] : 0);
            if (c->gelu)
                for (int64_t j = b0; j < b1; j++) dst[j] = dst[j] * normal_cdf(dst[j]);
        }
    }
}

LOOP csr_range(void *ctx, int64_t lo, int64_t hi) {
    csr_ctx *c = ctx;
    int64_t span = (c->w->n + c->chunks - 1) / c->chunks;
    float *xt = NULL, *yt = NULL;
    if (posix_memalign((void **)&xt, 64, (size_t)(c->w->k * TILE) * sizeof(float)) != 0 ||
        posix_memalign((void **)&yt, 64, (size_t)(span * TILE) * sizeof(float)) != 0) {
        __atomic_store_n(&c->failed, 1, __ATOMIC_RELAXED);
    } else {
        for (int64_t unit = lo; unit < hi; unit++) csr_unit(c, unit, xt, yt);
    }
    free(xt);
    free(yt);
}
VARIANTS(csr_range)

int slim_csr_linear(const slim_csr_weights *w, int64_t m, const float *x, const float *bias, float *y, int gelu) {
    if (m <= 0 || w->n <= 0) return 0;
    int64_t tiles = (m + TILE - 1) / TILE;
    // At least two units per worker when the tiles alone are too few, by splitting the output rows.
    int64_t want = 2 * (int64_t)slim_num_threads(), chunks = tiles >= want ? 1 : (want + tiles - 1) / tiles;
    if (chunks > w->n) chunks = w->n;
    csr_ctx c = {w, x, bias, y, m, tiles, chunks, gelu, 0};
    slim_parallel_for(tiles * chunks, 1, PICK(csr_range), &c);
    return c.failed ? -1 : 0;
}

const char *slim_csr_impl_name(void) {
    slim_isa level = slim_isa_current();
    return level >= SLIM_ISA_AVX512 ? "bertslim:csr_avx512" : (level >= SLIM_ISA_AVX2 ? "bertslim:csr_avx2" : "bertslim:csr_portable");
}

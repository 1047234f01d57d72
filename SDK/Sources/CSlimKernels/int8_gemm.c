// An int8 GEMM that is exact on every CPU: y = e(scales ⊙ (x_s8 · W_s8ᵀ + b_s32)), products
// taken in int16.
//
// Why it exists: without VNNI, oneDNN 2.6 multiplies s8 by s8 through vpmaddubsw. It shifts x
// to u8 (x + 128) and adds pairs of u8·s8 products in *saturating* int16, so two products near
// 255·127 overflow. Measured on one machine under ONEDNN_MAX_CPU_ISA=AVX2 and =AVX512_CORE
// (gemm:jit): 6140 of 6144 outputs of a full-range 64×96×384 product were wrong; with weights
// limited to ±63, or with u8 inputs up to 127, none were. With VNNI (vpdpbusd sums four
// products into int32) and AMX oneDNN is exact, and matmul_int8.c uses it there.
//
// This kernel sign-extends both operands to int16 and multiplies with vpmaddwd (pairs of
// s16·s16 summed into int32): |2·127·127| < 2^15·2^1, nothing saturates, and sums of up to
// 2^17 products stay in int32. vpmaddwd does as many multiply-adds per instruction-port cycle
// as vpmaddubsw plus the vpmaddwd that widens its pairs, so exactness costs no arithmetic; the
// weights take twice int8's memory.
//
// Layout: weights W (N, K) are packed once into panels of NR columns; in a panel, k-pair q
// holds NR int32 words, word j = (W[n][2q], W[n][2q+1]) as two int16 for n = panel·NR + j.
// The input is sign-extended per call into a row-major int16 copy (K padded to even), from
// which the micro-kernel broadcasts one k-pair of a row at a time. A micro-kernel computes
// an MR × NR tile over all of K in registers; the epilogue scales it, adds the bias, applies
// GELU and writes f32, s8 or s32.
#include "kernels_internal.h"
#include "slim_int8.h"
#include "int8_gemm.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define MAX_K (1 << 17)  // 2^17 products of ±127 still fit in int32

struct slim_s16_weights {
    int32_t *panels;  // (N / NR panels, K / 2 pairs, NR) words
    int64_t n, k, kq;
    slim_isa isa;     // the variant the panels were packed for
    int nr;
};

static int panel_width(slim_isa isa) { return isa >= SLIM_ISA_AVX512 ? 32 : 16; }

static inline int32_t pair(int8_t lo, int8_t hi) {
    return (int32_t)(((uint32_t)(uint16_t)(int16_t)hi << 16) | (uint16_t)(int16_t)lo);
}

// Panels [lo, hi): each weight row is read once, in order, and its pairs written NR words apart
// (a panel, kq·NR words, stays in cache).
struct pack_ctx { const int8_t *w; slim_s16_weights *p; };
static void pack_panels(void *c, int64_t lo, int64_t hi) {
    struct pack_ctx *ctx = c;
    slim_s16_weights *p = ctx->p;
    int64_t n = p->n, k = p->k, kq = p->kq;
    int nr = p->nr;
    for (int64_t panel = lo; panel < hi; panel++)
        for (int j = 0; j < nr; j++) {
            int64_t row = panel * nr + j;
            int32_t *out = p->panels + panel * kq * nr + j;
            if (row >= n) {
                for (int64_t q = 0; q < kq; q++) out[q * nr] = 0;
                continue;
            }
            const int8_t *wr = ctx->w + row * k;
            for (int64_t q = 0; q < k / 2; q++) out[q * nr] = pair(wr[2 * q], wr[2 * q + 1]);
            if (k & 1) out[(kq - 1) * nr] = pair(wr[k - 1], 0);
        }
}

slim_s16_weights *slim_s16_pack(const int8_t *w, int64_t n, int64_t k, slim_isa isa) {
    if (n <= 0 || k <= 0 || k > MAX_K) return NULL;
    slim_s16_weights *p = calloc(1, sizeof *p);
    if (!p) return NULL;
#if defined(__x86_64__)
    p->isa = isa >= SLIM_ISA_AVX512 ? SLIM_ISA_AVX512 : (isa >= SLIM_ISA_AVX2 ? SLIM_ISA_AVX2 : SLIM_ISA_BASELINE);
#else
    (void)isa;
    p->isa = SLIM_ISA_BASELINE;
#endif
    p->nr = panel_width(p->isa);
    p->n = n; p->k = k; p->kq = (k + 1) / 2;
    int64_t panels = (n + p->nr - 1) / p->nr;
    size_t bytes = (size_t)(panels * p->kq * p->nr) * sizeof(int32_t);
    if (posix_memalign((void **)&p->panels, 64, bytes) != 0) { free(p); return NULL; }
    struct pack_ctx ctx = {w, p};
    slim_parallel_for(panels, 1, pack_panels, &ctx);
    return p;
}

void slim_s16_free(slim_s16_weights *p) {
    if (!p) return;
    free(p->panels);
    free(p);
}

const char *slim_s16_name(const slim_s16_weights *p) {
    switch (p->isa) {
    case SLIM_ISA_AVX512: return "bertslim:s16_avx512";
    case SLIM_ISA_AVX2: return "bertslim:s16_avx2";
    default: return "bertslim:s16_portable";
    }
}

/* ---- micro-kernels: c (MR × NR) = Σ_q a-pair(row, q) · b-pair(q, col) -------------------- */

// a: row 0's k-pairs (lda words apart per row); b: one panel. Plain C, any CPU.
static inline __attribute__((always_inline)) void tile_portable(const int32_t *a, int64_t lda, const int32_t *b,
                                                                int64_t kq, int32_t *c) {
    enum { MR = 4, NR = 16 };
    int32_t acc[MR][NR] = {{0}};
    for (int64_t q = 0; q < kq; q++)
        for (int r = 0; r < MR; r++) {
            int32_t x = a[r * lda + q];
            int32_t x0 = (int16_t)x, x1 = x >> 16;
            for (int j = 0; j < NR; j++) {
                int32_t w = b[q * NR + j];
                acc[r][j] += x0 * (int16_t)w + x1 * (w >> 16);
            }
        }
    memcpy(c, acc, sizeof acc);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static inline __attribute__((always_inline)) void
tile_avx2(const int32_t *a, int64_t lda, const int32_t *b, int64_t kq, int32_t *c) {
    enum { MR = 6 };  // 12 accumulators + 2 weight vectors + broadcast + product = 16 ymm
    __m256i acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
    for (int64_t q = 0; q < kq; q++) {
        __m256i b0 = _mm256_load_si256((const __m256i *)(b + q * 16));
        __m256i b1 = _mm256_load_si256((const __m256i *)(b + q * 16 + 8));
        for (int r = 0; r < MR; r++) {
            __m256i x = _mm256_set1_epi32(a[r * lda + q]);
            acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, b0));
            acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, b1));
        }
    }
    for (int r = 0; r < MR; r++) {
        _mm256_storeu_si256((__m256i *)(c + r * 16), acc[r][0]);
        _mm256_storeu_si256((__m256i *)(c + r * 16 + 8), acc[r][1]);
    }
}

__attribute__((target("avx512f,avx512bw"))) static inline __attribute__((always_inline)) void
tile_avx512(const int32_t *a, int64_t lda, const int32_t *b, int64_t kq, int32_t *c) {
    enum { MR = 12 };  // 24 accumulators of 32 zmm
    __m512i acc[MR][2];
    for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
    for (int64_t q = 0; q < kq; q++) {
        __m512i b0 = _mm512_load_si512((const void *)(b + q * 32));
        __m512i b1 = _mm512_load_si512((const void *)(b + q * 32 + 16));
        for (int r = 0; r < MR; r++) {
            __m512i x = _mm512_set1_epi32(a[r * lda + q]);
            acc[r][0] = _mm512_add_epi32(acc[r][0], _mm512_madd_epi16(x, b0));
            acc[r][1] = _mm512_add_epi32(acc[r][1], _mm512_madd_epi16(x, b1));
        }
    }
    for (int r = 0; r < MR; r++) {
        _mm512_storeu_si512((void *)(c + r * 32), acc[r][0]);
        _mm512_storeu_si512((void *)(c + r * 32 + 16), acc[r][1]);
    }
}
#endif

/* ---- the driver: tiles in parallel, then the epilogue ------------------------------------ */

struct s16_job {
    const slim_s16_weights *w;
    const int32_t *x;           // (rows padded to MR, kq) int16 pairs
    int64_t m, row_blocks, col_blocks;
    const float *scales;        // N values
    const int32_t *bias;        // N values
    int gelu, dst;
    float gelu_scale;
    void *y;
};

enum { MICRO_ROWS = 8, MICRO_PANELS = 2 };  // a task: 8 micro-rows × 2 panels

// One tile's rows [row0, row0 + rows) and columns [col0, col0 + cols) of the output.
static inline __attribute__((always_inline)) void epilogue(const struct s16_job *j, const int32_t *acc, int nr,
                                                           int64_t row0, int rows, int64_t col0, int cols) {
    int64_t n = j->w->n;
    const float *s = j->scales + col0;
    const int32_t *b = j->bias + col0;
    float gs = j->gelu_scale;
    for (int r = 0; r < rows; r++) {
        const int32_t *a = acc + r * nr;
        int64_t o = (row0 + r) * n + col0;
        if (j->dst == 2) {
            int32_t *y = (int32_t *)j->y + o;
            for (int c = 0; c < cols; c++) y[c] = a[c] + b[c];
        } else if (j->dst == 1) {
            int8_t *y = (int8_t *)j->y + o;
            for (int c = 0; c < cols; c++) {
                float v = ((float)a[c] + (float)b[c]) * s[c];
                if (j->gelu) v = gs * v * normal_cdf(v);
                v = __builtin_roundevenf(v);
                y[c] = (int8_t)(v > 127.0f ? 127.0f : (v < -128.0f ? -128.0f : v));
            }
        } else {
            float *y = (float *)j->y + o;
            if (j->gelu)
                for (int c = 0; c < cols; c++) {
                    float v = ((float)a[c] + (float)b[c]) * s[c];
                    y[c] = gs * v * normal_cdf(v);
                }
            else
                for (int c = 0; c < cols; c++) y[c] = ((float)a[c] + (float)b[c]) * s[c];
        }
    }
}

#define RUN_TILES(MR, NR, TILE)                                                                          \
    const struct s16_job *j = ctx;                                                                       \
    const slim_s16_weights *w = j->w;                                                                    \
    int64_t panels = (w->n + NR - 1) / NR, micro = (j->m + MR - 1) / MR;                                 \
    int32_t acc[MR * NR] __attribute__((aligned(64)));                                                   \
    for (int64_t task = lo; task < hi; task++) {                                                         \
        int64_t rb = task / j->col_blocks, cb = task % j->col_blocks;                                    \
        int64_t p1 = (cb + 1) * MICRO_PANELS < panels ? (cb + 1) * MICRO_PANELS : panels;                \
        int64_t i1 = (rb + 1) * MICRO_ROWS < micro ? (rb + 1) * MICRO_ROWS : micro;                      \
        for (int64_t p = cb * MICRO_PANELS; p < p1; p++)                                                 \
            for (int64_t i = rb * MICRO_ROWS; i < i1; i++) {                                             \
                TILE(j->x + i * MR * w->kq, w->kq, w->panels + p * w->kq * NR, w->kq, acc);              \
                int64_t rows = j->m - i * MR, cols = w->n - p * NR;                                      \
                epilogue(j, acc, NR, i * MR, rows < MR ? (int)rows : MR, p * NR, cols < NR ? (int)cols : NR); \
            }                                                                                            \
    }

static void tiles_portable(void *ctx, int64_t lo, int64_t hi) { RUN_TILES(4, 16, tile_portable) }
#if defined(__x86_64__)
__attribute__((target("arch=x86-64-v3"))) static void tiles_avx2(void *ctx, int64_t lo, int64_t hi) {
    RUN_TILES(6, 16, tile_avx2)
}
__attribute__((target("arch=x86-64-v4"))) static void tiles_avx512(void *ctx, int64_t lo, int64_t hi) {
    RUN_TILES(12, 32, tile_avx512)
}
#endif

static int micro_rows(slim_isa isa) { return isa >= SLIM_ISA_AVX512 ? 12 : (isa >= SLIM_ISA_AVX2 ? 6 : 4); }

// x (M, K) int8 → (M padded to MR, kq) int16 pairs, the rows past M zero.
struct widen_ctx { const int8_t *x; int32_t *out; int64_t m, k, kq; };
LOOP widen_range(void *c, int64_t lo, int64_t hi) {
    struct widen_ctx *w = c;
    int64_t k = w->k, kq = w->kq;
    for (int64_t r = lo; r < hi; r++) {
        int16_t *out = (int16_t *)(w->out + r * kq);
        if (r >= w->m) { memset(out, 0, (size_t)kq * 4); continue; }
        const int8_t *x = w->x + r * k;
        for (int64_t i = 0; i < k; i++) out[i] = x[i];
        if (k & 1) out[k] = 0;
    }
}
VARIANTS(widen_range)

int slim_s16_linear(const slim_s16_weights *w, int64_t m, const int8_t *x, const float *scales,
                    const int32_t *bias, int gelu, float gelu_scale, int dst_kind, void *y) {
    if (m <= 0) return 0;
    int mr = micro_rows(w->isa);
    int64_t rows = (m + mr - 1) / mr * mr;
    int32_t *wide = NULL;
    float *ones = NULL;
    int32_t *zeros = NULL;
    if (posix_memalign((void **)&wide, 64, (size_t)(rows * w->kq) * sizeof(int32_t)) != 0) return -1;
    if (!scales) {
        ones = malloc((size_t)w->n * sizeof(float));
        if (!ones) { free(wide); return -1; }
        for (int64_t i = 0; i < w->n; i++) ones[i] = 1.0f;
    }
    if (!bias) {
        zeros = calloc((size_t)w->n, sizeof(int32_t));
        if (!zeros) { free(wide); free(ones); return -1; }
    }
    struct widen_ctx wc = {x, wide, m, w->k, w->kq};
    slim_parallel_for(rows, ROW_GRAIN(w->k), PICK(widen_range), &wc);

    int64_t micro = rows / mr, panels = (w->n + w->nr - 1) / w->nr;
    struct s16_job job = {w, wide, m, (micro + MICRO_ROWS - 1) / MICRO_ROWS, (panels + MICRO_PANELS - 1) / MICRO_PANELS,
                          scales ? scales : ones, bias ? bias : zeros, gelu, dst_kind, gelu_scale, y};
    slim_range_fn run = tiles_portable;
#if defined(__x86_64__)
    if (w->isa == SLIM_ISA_AVX512) run = tiles_avx512;
    else if (w->isa == SLIM_ISA_AVX2) run = tiles_avx2;
#endif
    slim_parallel_for(job.row_blocks * job.col_blocks, 1, run, &job);
    free(wide);
    free(ones);
    free(zeros);
    return 0;
}

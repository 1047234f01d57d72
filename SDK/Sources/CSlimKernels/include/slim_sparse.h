// Linear layers on sparse weights in CSR form (sparse.c): y = x·Wᵀ + b for a pruned W.
//
// W (N, K), Hugging Face's Linear layout, keeps only its nonzeros: row j's values are
// val[row_ptr[j] ..< row_ptr[j + 1]] at columns col[…] (increasing). Column indices are 16-bit,
// so K ≤ 65,536: BERT's widths are 384 to 4,096.
#ifndef SLIM_SPARSE_H
#define SLIM_SPARSE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A view of CSR weights; the arrays belong to the caller and must be consistent (the Swift
/// side checks them before any kernel reads them).
typedef struct {
    const int32_t *row_ptr;  // n + 1 non-decreasing offsets, row_ptr[0] = 0, row_ptr[n] = nnz
    const uint16_t *col;     // nnz column indices, each < k
    const float *val;        // nnz values
    int64_t n, k;
} slim_csr_weights;

/// y (m, n) = x (m, k)·Wᵀ + bias (NULL: none), then GELU (erf form) when `gelu` is set.
/// Returns 0, or -1 when scratch memory could not be had.
int slim_csr_linear(const slim_csr_weights *w, int64_t m, const float *x, const float *bias, float *y, int gelu);
/// The kernel slim_csr_linear runs on this thread, e.g. `bertslim:csr_avx512`.
const char *slim_csr_impl_name(void);

#ifdef __cplusplus
}
#endif

#endif

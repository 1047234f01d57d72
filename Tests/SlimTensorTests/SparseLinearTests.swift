import BertSlimSDK
import Testing

/// The CSR kernel against the dense GEMM, at every instruction-set level `make test` caps to,
/// and the checks that refuse inconsistent CSR arrays.
@Suite struct SparseLinearTests {
    /// `w` with the entries below the `sparsity` quantile of |w| set to zero.
    func pruned(_ w: Tensor, sparsity: Double) -> Tensor {
        let order = w.scalars.map(abs).sorted()
        let threshold = order[min(Int(sparsity * Double(order.count)), order.count - 1)]
        return Tensor(shape: w.shape, scalars: w.scalars.map { abs($0) < threshold ? 0 : $0 })
    }

    // Rows below, at and above one 64-row tile, a partial last tile, and a single output row.
    @Test(arguments: [(1, 37, 29), (64, 384, 96), (130, 96, 1536), (200, 1536, 1), (7, 1, 5)])
    func equalsTheDenseGEMM(rows: Int, inFeatures: Int, outFeatures: Int) {
        let x = testValues([rows, inFeatures], seed: 1), bias = testValues([outFeatures], seed: 3)
        for sparsity in [0.0, 0.5, 0.9, 1.0] {
            let w = pruned(testValues([outFeatures, inFeatures], seed: 2), sparsity: sparsity)
            let layer = SparseLinear(weight: SparseMatrix(w), bias: bias)
            let dense = withoutGradient { matmul(x, w, transposeB: true) + bias }
            // Sums of up to 1,536 products in another order: 1e-4.
            expectClose(layer(x), dense, atol: 1e-4, rtol: 1e-4)
            expectClose(layer(x, gelu: true), gelu(dense), atol: 1e-4, rtol: 1e-4)
            expectClose(SparseLinear(weight: SparseMatrix(w), bias: nil)(x.reshaped([1, rows, inFeatures])),
                        withoutGradient { matmul(x, w, transposeB: true) }.reshaped([1, rows, outFeatures]), atol: 1e-4, rtol: 1e-4)
        }
    }

    @Test func roundTripsAndKeepsStoredZerosAsTheMask() throws {
        let w = Tensor(shape: [2, 3], scalars: [0, 2, 0, 0, 0, 5])
        let mask = Tensor(shape: [2, 3], scalars: [1, 1, 0, 0, 0, 1])
        let sparse = SparseMatrix(w, mask: mask)
        #expect(sparse.rowOffsets == [0, 2, 3] && sparse.columnIndices == [0, 1, 2] && sparse.values == [0, 2, 5])
        #expect(sparse.dense().scalars == w.scalars && sparse.mask().scalars == mask.scalars)
        #expect(try SparseMatrix(rows: 2, columns: 3, rowOffsets: sparse.rowOffsets, columnIndices: sparse.columnIndices,
                                 values: sparse.values) == sparse)
        #expect(abs(SparseMatrix(w).sparsity - 4.0 / 6) < 1e-12)
    }

    @Test(arguments: [
        ([0, 2, 1], [0], [1], "row offsets decrease at row 1 (2 then 1)"),
        ([0, 1, 2], [0, 3], [1, 2], "row 1 has column index 3, beyond the 3 columns"),
        ([1, 1, 2], [0, 1], [1, 2], "row offsets start at 1, not 0"),
        ([0, 1, 3], [0, 1], [1, 2], "row offsets end at 3 but there are 2 values"),
        ([0, 2, 2], [2, 1], [1, 2], "row 0's column indices do not increase (2 then 1)"),
        ([0, 2], [0, 1], [1, 2], "2 row offsets for 2 rows (need 3)"),
        ([0, 1, 2], [0, 1], [1], "2 column indices for 1 values"),
    ] as [([Int32], [UInt16], [Float], String)])
    func refusesInconsistentArrays(offsets: [Int32], columns: [UInt16], values: [Float], reason: String) {
        #expect(throws: SparseMatrixError(reason)) {
            try SparseMatrix(rows: 2, columns: 3, rowOffsets: offsets, columnIndices: columns, values: values)
        }
    }

    /// Inference `linear` picks the sparse kernel by the weight's zeros, and a write to the
    /// weight is seen.
    @Test func inferenceLinearUsesTheSparseKernelPastTheBreakEven() {
        let x = testValues([70, 48], seed: 4)
        let weight = Parameter(pruned(testValues([40, 48], seed: 5), sparsity: 0.95))
        let plain = linear(x, weight: weight.tensor)   // records: the dense GEMM
        expectClose(withoutGradient { linear(x, weight: weight.tensor) }, plain.detached, atol: 1e-5, rtol: 1e-5)
        expectClose(withoutGradient { linearGELU(x, weight: weight.tensor) }, gelu(plain.detached), atol: 1e-5, rtol: 1e-4)
        weight.value.withUnsafeMutableBufferPointer { w in for i in 0..<w.count { w[i] *= 2 } }
        expectClose(withoutGradient { linear(x, weight: weight.tensor) }, scale(plain.detached, by: 2), atol: 1e-5, rtol: 1e-5)
    }
}

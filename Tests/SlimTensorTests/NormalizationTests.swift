import BertSlimSDK
import Testing

@Suite struct SoftmaxTests {
    /// A (B, T) padding mask: batch 1 pads its last two positions.
    let mask = Tensor(shape: [2, 5], scalars: [0, 0, 0, 0, 0, 0, 0, 0, -10_000, -10_000])

    @Test func maskedRowsSumToOneAndIgnorePadding() {
        let scores = scale(testValues([2, 3, 4, 5], seed: 1), by: 4)
        let p = softmax(scores, additiveMask: mask).scalars
        for row in 0..<(p.count / 5) {
            let r = Array(p[row * 5..<(row + 1) * 5])
            expectClose([r.reduce(0, +)], [1])
            if row >= 12 { #expect(r[3] < 1e-30 && r[4] < 1e-30) } else { #expect(r.allSatisfy { $0 > 0 }) }
        }
        // The (B, 1, 1, T) layout of Hugging Face's extended mask is accepted too.
        expectClose(softmax(scores, additiveMask: mask.reshaped([2, 1, 1, 5])).scalars, p, atol: 0, rtol: 0)
    }

    @Test func softmaxGradients() {
        checkGradients([testValues([2, 3, 4, 5], seed: 2)]) { softmax($0[0], additiveMask: mask) }
        checkGradients([testValues([4, 7], seed: 3)]) { softmax($0[0]) }
        // The mask gets no gradient even when it asks for one.
        let m = mask.requiringGrad(), x = testValues([2, 5], seed: 4).requiringGrad()
        sum(softmax(x, additiveMask: m) * testValues([2, 5], seed: 5)).backward()
        #expect(m.grad == nil && x.grad != nil)
    }

    @Test func logSoftmaxGradients() {
        checkGradients([scale(testValues([3, 6], seed: 6), by: 3)]) { logSoftmax($0[0]) }
        checkGradients([testValues([2, 2, 5], seed: 7)]) { logSoftmax($0[0]) }
    }

    @Test func logSoftmaxIsStableForLargeScores() {
        let y = logSoftmax(Tensor(shape: [1, 3], scalars: [1000, 0, -1000])).scalars
        expectClose(y, [0, -1000, -2000], atol: 1e-3, rtol: 1e-6)
    }
}

@Suite struct LayerNormTests {
    @Test func normalisesEachRow() {
        let x = shift(scale(testValues([4, 16], seed: 8), by: 3), by: 2)
        let y = layerNorm(x, gamma: .ones([16]), beta: .zeros([16]), eps: 1e-12).scalars
        for row in 0..<4 {
            let r = y[row * 16..<(row + 1) * 16].map(Double.init)
            let mean = r.reduce(0, +) / 16
            let variance = r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 16
            #expect(abs(mean) < 1e-6 && abs(variance - 1) < 1e-5)
        }
    }

    @Test func layerNormGradients() {
        let gamma = shift(scale(testValues([6], seed: 9), by: 0.3), by: 1)
        checkGradients([testValues([2, 3, 6], seed: 10), gamma, testValues([6], seed: 11)]) {
            layerNorm($0[0], gamma: $0[1], beta: $0[2], eps: 1e-5)
        }
    }
}

@Suite struct MaskedFillTests {
    @Test func fillsWhereTheMaskIsNonzero() {
        let x = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let rowMask = Tensor(shape: [3], scalars: [0, 1, 0])
        #expect(maskedFill(x, mask: rowMask, value: -9).scalars == [1, -9, 3, 4, -9, 6])
        let columnMask = Tensor(shape: [2, 1], scalars: [0, 2])
        #expect(maskedFill(x, mask: columnMask, value: 0).scalars == [1, 2, 3, 0, 0, 0])
    }

    @Test func maskedFillGradients() {
        let mask = Tensor(shape: [2, 1, 4], scalars: [0, 1, 0, 0, 1, 0, 0, 1])
        checkGradients([testValues([2, 3, 4], seed: 12)]) { maskedFill($0[0], mask: mask, value: -1e4) }
    }
}

@Suite struct NormalizeTests {
    @Test func l2NormalizeGivesUnitVectors() {
        let y = l2Normalize(Tensor(shape: [2, 2], scalars: [3, 4, 0, 0]))
        #expect(y.scalars == [0.6, 0.8, 0, 0])  // the zero vector stays zero
        let columns = l2Normalize(Tensor(shape: [2, 2], scalars: [3, 1, 4, 0]), axis: 0)
        #expect(columns.scalars == [0.6, 1, 0.8, 0])
    }

    @Test func l2NormalizeGradients() {
        checkGradients([testValues([3, 5], seed: 13)]) { l2Normalize($0[0]) }
        checkGradients([testValues([4, 3, 2], seed: 14)]) { l2Normalize($0[0], axis: 1) }
        // A row shorter than eps: the norm is the constant eps there.
        let x = Tensor(shape: [2, 3], scalars: [0.5, -0.2, 0.1, 0.001, 0.002, -0.001])
        checkGradients([x], h: 1e-4) { l2Normalize($0[0], eps: 0.5) }
    }

    @Test func cosineSimilarityValuesAndGradients() {
        let a = Tensor(shape: [2, 2], scalars: [1, 0, 1, 1]), b = Tensor(shape: [2, 2], scalars: [0, 3, 2, 2])
        expectClose(cosineSimilarity(a, b).scalars, [0, 1])
        checkGradients([testValues([3, 4], seed: 15), testValues([3, 4], seed: 16)]) { cosineSimilarity($0[0], $0[1]) }
        checkGradients([testValues([3, 4, 2], seed: 17), testValues([1, 4, 2], seed: 18)]) {
            cosineSimilarity($0[0], $0[1], axis: 1)
        }
    }
}

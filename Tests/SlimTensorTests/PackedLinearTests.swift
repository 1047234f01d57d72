import BertSlimSDK
import Testing

/// Inference `linear` runs on pre-packed weights (and fuses GELU); it must equal the plain
/// GEMM, and a write to the weights must make the packed copy stale.
@Suite struct PackedLinearTests {
    @Test(arguments: [(1, 37, 29), (128, 384, 96), (5, 64, 1536)])
    func packedEqualsPlain(rows: Int, inFeatures: Int, outFeatures: Int) {
        let x = testValues([rows, inFeatures], seed: 1), bias = testValues([outFeatures], seed: 3)
        let weight = Parameter(testValues([outFeatures, inFeatures], seed: 2))
        let plain = linear(x, weight: weight.tensor, bias: bias)           // records: plain GEMM
        let packed = withoutGradient { linear(x, weight: weight.tensor, bias: bias) }
        expectClose(packed, plain.detached, atol: 1e-5, rtol: 1e-5)
        let fused = withoutGradient { linearGELU(x, weight: weight.tensor, bias: bias) }
        expectClose(fused, gelu(plain.detached), atol: 1e-5, rtol: 1e-4)
    }

    @Test func writingTheWeightsInvalidatesThePackedCopy() {
        let x = testValues([4, 8], seed: 5)
        let weight = Parameter(testValues([3, 8], seed: 6))
        let before = withoutGradient { linear(x, weight: weight.tensor) }
        weight.value.withUnsafeMutableBufferPointer { w in for i in 0..<w.count { w[i] *= 2 } }
        let after = withoutGradient { linear(x, weight: weight.tensor) }
        expectClose(after, scale(before, by: 2))
    }
}

import BertSlimSDK
import Foundation
import Testing

/// softmax(Q·Kᵀ/√D + mask)·V per head with plain loops, q/k/v laid out (B, T, H·D).
private func referenceAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, heads: Int, mask: Tensor) -> [Float] {
    let (b, t, width) = (q.shape[0], q.shape[1], q.shape[2])
    let d = width / heads
    let (qs, ks, vs, ms) = (q.scalars, k.scalars, v.scalars, mask.scalars)
    var out = [Float](repeating: 0, count: b * t * width)
    for n in 0..<b {
        for h in 0..<heads {
            for i in 0..<t {
                var scores = (0..<t).map { j -> Double in
                    var dot = 0.0
                    for x in 0..<d { dot += Double(qs[(n * t + i) * width + h * d + x]) * Double(ks[(n * t + j) * width + h * d + x]) }
                    return dot / Double(d).squareRoot() + Double(ms[n * t + j])
                }
                let top = scores.max()!
                scores = scores.map { exp($0 - top) }
                let sum = scores.reduce(0, +)
                for x in 0..<d {
                    var acc = 0.0
                    for j in 0..<t { acc += scores[j] / sum * Double(vs[(n * t + j) * width + h * d + x]) }
                    out[(n * t + i) * width + h * d + x] = Float(acc)
                }
            }
        }
    }
    return out
}

@Suite("Fused inference attention against plain loops")
struct FusedAttentionTests {
    // (B, T, H, D): head sizes of the fused AVX-512 kernel (16…128), sequence lengths that are
    // and are not multiples of its 32-column tiles or its row blocks, and D = 24 (the oneDNN
    // path), on one q|k|v tensor as the int8 BERT layer makes it.
    @Test("softmax(Q·Kᵀ/√D + mask)·V with padded keys",
          arguments: [(2, 9, 3, 32), (1, 128, 12, 32), (2, 33, 2, 64), (1, 5, 1, 16), (1, 7, 2, 128), (2, 11, 2, 24)],
          supportedISALevels)
    func matchesReference(shape: (Int, Int, Int, Int), isa: KernelISA) {
        KernelISA.withCap(isa) { check(shape: shape) }
    }

    private func check(shape: (Int, Int, Int, Int)) {
        let (b, t, h, d) = shape
        let q = scale(testValues([b, t, h * d], seed: 1), by: 2), k = scale(testValues([b, t, h * d], seed: 2), by: 2)
        let v = testValues([b, t, h * d], seed: 3)
        // The last sequence is padded after half its tokens.
        let mask = Tensor(shape: [b, t], scalars: (0..<(b * t)).map { i in
            i / t == b - 1 && i % t > t / 2 ? -Float.greatestFiniteMagnitude : 0
        })
        let context = fusedAttention(qkv: concat([q, k, v], axis: 2), heads: h, mask: mask)
        #expect(context.shape == [b, t, h * d])
        let expected = referenceAttention(q, k, v, heads: h, mask: mask)
        let worst = zip(context.scalars, expected).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "max |fused − reference| \(worst)")
    }
}

import BertSlimSDK
import Foundation
import Testing

// Each compiled variant of every C loop (AVX-512, AVX2, portable) on the inputs where vector
// code goes wrong: rounding ties, huge and tiny magnitudes, signed zeros, lengths that leave
// vector tails. Each level's output is compared with a plain reference and with the portable
// variant's, on every machine (the levels this CPU supports run through KernelISA.withCap).

/// 517 values (odd, so every vector width leaves a tail): ties at several scales, huge and tiny
/// magnitudes, ±0, and random values in between.
private func extremeValues(seed: UInt64) -> [Float] {
    let special: [Float] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, 127.5, -126.5, -127.5, 0, -0.0,
                            1e30, -1e30, 3.0e38, -3.0e38, 1e-30, -1e-30, .leastNonzeroMagnitude, 88, -88, 100, -100, 1e6, -1e6]
    return (0..<517).map { i in i < special.count ? special[i] : testValues([517], seed: seed).scalars[i] * 8 }
}

/// `f` at `isa` and at the portable level.
private func atLevelAndPortable<R>(_ isa: KernelISA, _ f: () -> R) -> (got: R, portable: R) {
    (KernelISA.withCap(isa, f), KernelISA.withCap(.baseline, f))
}

/// Equal values (NaN equal to NaN; the loops are built without signed zeros, so −0 equals 0).
private func expectEqualValues(_ a: [Float], _ b: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let differing = zip(a, b).enumerated().first { !($0.element.0 == $0.element.1 || ($0.element.0.isNaN && $0.element.1.isNaN)) }
    #expect(a.count == b.count && differing == nil,
            "\(what): element \(differing?.offset ?? -1): \(differing?.element.0 ?? 0) vs \(differing?.element.1 ?? 0)",
            sourceLocation: sourceLocation)
}

@Suite("Every variant of every C loop, ties and huge values included")
struct KernelVariantTests {
    @Test("exact loops: arithmetic, ReLU, dropout, column sums, embedding scatter", arguments: supportedISALevels)
    func exactLoops(isa: KernelISA) {
        let a = Tensor(shape: [517], scalars: extremeValues(seed: 1)), b = Tensor(shape: [517], scalars: extremeValues(seed: 2).reversed())
        let (got, portable) = atLevelAndPortable(isa) { () -> [[Float]] in
            var g = SeededGenerator(seed: 5)
            let rows = Tensor(shape: [11, 47], scalars: Array(a.scalars.prefix(517)))
            let ids = IntTensor(shape: [11], scalars: [0, 3, 3, 1, 0, 2, 3, 1, 1, 0, 2])
            let (_, grads) = withGradients(of: [Tensor(shape: [4, 47], scalars: Array(b.scalars.prefix(188)))]) { embedding(ids, table: $0[0]) * rows }
            return [(a + b).scalars, (a * b).scalars, (a * 0.3).scalars, relu(a).scalars,
                    dropout(a, rate: 0.3, generator: &g).scalars, rows.sum(toShape: [47]).scalars, grads[0]]
        }
        let names = ["add", "mul", "scale", "relu", "dropout", "column sums", "embedding scatter"]
        for (i, name) in names.enumerated() { expectEqualValues(got[i], portable[i], "\(isa) \(name)") }
        #expect(got[0] == zip(a.scalars, b.scalars).map { $0 + $1 })
        #expect(got[1] == zip(a.scalars, b.scalars).map { $0 * $1 })
        #expect(got[3] == a.scalars.map { $0 < 0 ? 0 : $0 })
    }

    @Test("transcendental loops stay finite and agree: GELU, tanh, sigmoid with their gradients", arguments: supportedISALevels)
    func transcendental(isa: KernelISA) {
        let x = Tensor(shape: [517], scalars: extremeValues(seed: 3))
        let (got, portable) = atLevelAndPortable(isa) { () -> [[Float]] in
            let (g, dg) = withGradients(of: [x]) { gelu($0[0]) }
            let (t, dt) = withGradients(of: [x]) { tanh($0[0]) }
            let (s, ds) = withGradients(of: [x]) { sigmoid($0[0]) }
            return [g, dg[0], t, dt[0], s, ds[0]]
        }
        for (i, name) in ["gelu", "gelu'", "tanh", "tanh'", "sigmoid", "sigmoid'"].enumerated() {
            expectClose(got[i], portable[i], atol: 1e-6, rtol: 1e-6, "\(isa) \(name) against the portable variant")
            #expect(got[i].allSatisfy { $0.isFinite || abs($0) > 1e37 }, "\(isa) \(name): NaN from finite inputs")
        }
        let xs = x.scalars.map(Double.init)
        expectClose(got[0], xs.map { Float($0 * 0.5 * (1 + erf($0 / 2.0.squareRoot()))) }, atol: 1e-6, rtol: 1e-5, "gelu")
        expectClose(got[2], xs.map { Float(Foundation.tanh($0)) }, atol: 1e-6, rtol: 1e-5, "tanh")
        expectClose(got[4], xs.map { Float(1 / (1 + exp(-$0))) }, atol: 1e-7, rtol: 1e-5, "sigmoid")
    }

    @Test("softmax and layer norm on rows with huge entries", arguments: supportedISALevels)
    func rowKernels(isa: KernelISA) {
        var values = extremeValues(seed: 4)
        values.removeLast(517 - 11 * 47)
        let x = Tensor(shape: [11, 47], scalars: values)
        // Layer norm squares its inputs: keep them below √Float.max / 47.
        let moderate = Tensor(shape: [11, 47], scalars: values.map { max(-1e15, min(1e15, $0)) })
        let gamma = testValues([47], seed: 5), beta = testValues([47], seed: 6)
        let (got, portable) = atLevelAndPortable(isa) { () -> [[Float]] in
            let (p, dp) = withGradients(of: [x]) { softmax($0[0]) }
            let (l, dl) = withGradients(of: [x]) { logSoftmax($0[0]) }
            let (n, dn) = withGradients(of: [moderate, gamma, beta]) { layerNorm($0[0], gamma: $0[1], beta: $0[2], eps: 1e-5) }
            return [p, dp[0], l, dl[0], n] + dn
        }
        for (i, name) in ["softmax", "softmax'", "log-softmax", "log-softmax'", "layer norm", "layer norm dx", "dγ", "dβ"].enumerated() {
            expectClose(got[i], portable[i], atol: 1e-5, rtol: 1e-5, "\(isa) \(name) against the portable variant")
            #expect(!got[i].contains { $0.isNaN }, "\(isa) \(name) gave NaN")
        }
        // Row 0 holds 1e30 and 3e38: one-hot on the larger (the rest within e^−87.3 of 0), no NaN.
        #expect(got[0][14] == 1 && got[0][12] < 1e-37)
    }

    @Test("int8 loops: ties round to even, huge values saturate, LayerNorm+quantize, int8 gather", arguments: supportedISALevels)
    func quantizationLoops(isa: KernelISA) {
        let x = Tensor(shape: [11, 47], scalars: Array(extremeValues(seed: 7).prefix(517)))
        let moderate = Tensor(shape: [11, 47], scalars: x.scalars.map { max(-1e15, min(1e15, $0)) })
        let gamma = testValues([47], seed: 8), beta = testValues([47], seed: 9)
        let (got, portable) = atLevelAndPortable(isa) { () -> (q: [Int8], max: Float, fake: [Float], back: [Float], ln: [Int8], gather: [Float]) in
            let q = quantize(x, scale: 1)
            let (_, lnq) = layerNormQuantized(moderate, residual: moderate, gamma: gamma, beta: beta, eps: 1e-5, scale: 40)
            var out = Tensor.zeros([3, 47])
            embeddingInt8(IntTensor(shape: [3], scalars: [2, 0, 10]), table: q, into: &out, accumulate: false)
            return (q.scalars, maxAbs(x), fakeQuantize(x, scale: 1).scalars, dequantize(q).scalars, lnq!.scalars, out.scalars)
        }
        #expect(got.q == portable.q && got.max == portable.max && got.ln == portable.ln)
        expectEqualValues(got.fake, portable.fake, "\(isa) fake quantize")
        expectEqualValues(got.back, portable.back, "\(isa) dequantize")
        expectEqualValues(got.gather, portable.gather, "\(isa) int8 gather")
        // 0.5 → 0, 1.5 → 2, 2.5 → 2, …, 126.5 → 126, 127.5 → 127 (clamped), ±1e30 → ±127.
        #expect(Array(got.q.prefix(16)) == [0, 2, 2, 0, -2, -2, 126, 127, -126, -127, 0, 0, 127, -127, 127, -127])
        #expect(got.max == 3.0e38)
    }

    @Test("AdamW steps equal the portable variant's", arguments: supportedISALevels)
    func adamW(isa: KernelISA) throws {
        func steps() throws -> [Float] {
            let p = Parameter(Tensor(shape: [517], scalars: extremeValues(seed: 10).map { max(-1e6, min(1e6, $0)) }))
            let optimizer = try AdamW(parameters: [p], learningRate: 1e-3)
            for s in 0..<3 {
                p.zeroGrad()
                p.accumulateGradient(testValues([517], seed: UInt64(20 + s)) * 1e3)
                optimizer.step()
            }
            return p.value.scalars
        }
        let (got, portable) = (try KernelISA.withCap(isa, steps), try KernelISA.withCap(.baseline, steps))
        expectClose(got, portable, atol: 0, rtol: 1e-6, "\(isa) AdamW")
    }
}

/// `f(inputs)` and the gradients of Σ f·w for fixed weights w, for each input.
private func withGradients(of inputs: [Tensor], _ f: ([Tensor]) -> Tensor) -> ([Float], [[Float]]) {
    let leaves = inputs.map { $0.requiringGrad() }
    let y = f(leaves)
    sum(y * testValues(y.shape, seed: 99)).backward()
    return (y.scalars, leaves.map { $0.grad?.scalars ?? [] })
}

import BertSlimSDK
import Foundation
import Testing

// Plain references for the int8 kernels (quantize.c, matmul_int8.c).

/// q = clamp(round_half_even(x·s), ±127)
private func referenceQuantize(_ x: [Float], _ s: Float) -> [Int8] {
    x.map { Int8(max(-127, min(127, ($0 * s).rounded(.toNearestOrEven)))) }
}

/// y[m, n] = Σ_k x[m, k]·w[n, k] in exact integers.
private func referenceIntGEMM(_ x: [Int8], _ w: [Int8], m: Int, n: Int, k: Int) -> [Int32] {
    var y = [Int32](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
        var acc: Int32 = 0
        for l in 0..<k { acc += Int32(x[i * k + l]) * Int32(w[j * k + l]) }
        y[i * n + j] = acc
    } }
    return y
}

private func referenceGELU(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

@Suite("Int8 kernels against plain references")
struct Int8KernelTests {
    @Test("quantize, dequantize, max|x| and fake quantization")
    func quantizeRoundTrip() {
        var x = testValues([1000], seed: 3) * 5
        x = x + Tensor(shape: [1000], scalars: (0..<1000).map { $0 == 7 ? 9 : 0 })  // one outlier, clamped below
        let s = symmetricScale(maxAbs: 4)
        let q = quantize(x, scale: s)
        #expect(q.scalars == referenceQuantize(x.scalars, s))
        #expect(maxAbs(x) == x.scalars.map(abs).max())
        expectClose(dequantize(q).scalars, q.scalars.map { Float($0) / s }, atol: 0, rtol: 1e-6)
        expectClose(fakeQuantize(x, scale: s).scalars, q.scalars.map { Float($0) / s }, atol: 0, rtol: 1e-6)
        // Ties round to even, as PyTorch: 0.5 → 0, 1.5 → 2, −2.5 → −2.
        #expect(quantize(Tensor(shape: [3], scalars: [0.5, 1.5, -2.5]), scale: 1).scalars == [0, 2, -2])
        #expect(symmetricScale(maxAbs: 0) == 1)
    }

    @Test("fake quantization passes gradients straight through (STE)")
    func straightThrough() {
        let x = testValues([4, 6], seed: 5).requiringGrad()
        let w = testValues([4, 6], seed: 6)
        sum(fakeQuantize(x, scale: 10) * w).backward()
        expectClose(x.grad!.scalars, w.scalars, atol: 0, rtol: 0)
        let y = testValues([3, 5], seed: 7).requiringGrad()
        sum(fakeQuantize(y, rowScales: [5, 20, 40]) * 2).backward()
        #expect(y.grad!.scalars.allSatisfy { $0 == 2 })
    }

    @Test("per-row fake quantization and weight quantization agree")
    func perChannelWeights() {
        let w = testValues([3, 8], seed: 8) * Tensor(shape: [3, 1], scalars: [0.1, 1, 10])
        let (q, scales) = quantizeWeight(w, perChannel: true)
        for r in 0..<3 {
            let row = Array(w.scalars[(r * 8)..<((r + 1) * 8)])
            #expect(scales[r] == symmetricScale(maxAbs: row.map(abs).max()!))
            #expect(Array(q.scalars[(r * 8)..<((r + 1) * 8)]) == referenceQuantize(row, scales[r]))
        }
        expectClose(fakeQuantize(w, rowScales: scales).scalars, zip(q.scalars, (0..<24).map { scales[$0 / 8] }).map { Float($0) / $1 },
                    atol: 0, rtol: 1e-6)
        let (qt, st) = quantizeWeight(w, perChannel: false)
        #expect(Set(st).count == 1 && qt.scalars == referenceQuantize(w.scalars, st[0]))
    }

    @Test("LayerNorm with the residual and quantization fused equals the separate ops")
    func layerNormFused() {
        let x = testValues([5, 48], seed: 11) * 3, r = testValues([5, 48], seed: 12)
        let g = testValues([48], seed: 13) + 1, b = testValues([48], seed: 14)
        let reference = layerNorm(x + r, gamma: g, beta: b, eps: 1e-12)
        let (y, q) = layerNormQuantized(x, residual: r, gamma: g, beta: b, eps: 1e-12, scale: 20)
        expectClose(y, reference, atol: 1e-5, rtol: 1e-5)
        #expect(q!.scalars == referenceQuantize(y.scalars, 20))
        let (plain, none) = layerNormQuantized(x, residual: nil, gamma: g, beta: b, eps: 1e-12, scale: nil)
        expectClose(plain, layerNorm(x, gamma: g, beta: b, eps: 1e-12), atol: 1e-5, rtol: 1e-5)
        #expect(none == nil)
    }

    @Test("int8 embedding gather dequantizes the rows")
    func embeddingGather() {
        let table = Int8Tensor(shape: [4, 3], scalars: (0..<12).map { Int8($0 * 10 - 60) }, scale: 20)
        let ids = IntTensor(shape: [2, 2], scalars: [3, 0, 1, 3])
        var out = Tensor(repeating: 1, shape: [2, 2, 3])
        embeddingInt8(ids, table: table, into: &out, accumulate: true)
        var expected: [Float] = []
        for id in ids.scalars {
            for c in 0..<3 { expected.append(1 + Float(Int(id) * 30 + c * 10 - 60) / 20) }
        }
        expectClose(out.scalars, expected, atol: 1e-6, rtol: 1e-6)
    }

    /// Int8 layers take their kernel from the calling thread's level when they are made: under
    /// each level's cap this runs oneDNN's VNNI/AMX kernel or BertSlim's AVX-512, AVX2 and
    /// portable int16-product kernels, whichever that level gets.
    @Test("int8 linear: float output, fused GELU with int8 output, and the dynamic path",
          arguments: [(1, 16, 8), (37, 40, 24), (128, 96, 64), (29, 70, 33)], supportedISALevels)
    func int8Linear(shape: (Int, Int, Int), isa: KernelISA) throws {
        try KernelISA.withCap(isa) { try checkInt8Linear(shape: shape) }
    }

    private func checkInt8Linear(shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        let x = testValues([m, k], seed: 21) * 2, w = testValues([n, k], seed: 22) * 0.3, b = testValues([n], seed: 23)
        let sx = symmetricScale(maxAbs: maxAbs(x))
        let (wq, ws) = quantizeWeight(w, perChannel: true)
        let layer = try #require(Int8Linear(weight: wq, weightScales: ws, bias: b))
        let xq = quantize(x, scale: sx)
        let acc = referenceIntGEMM(xq.scalars, wq.scalars, m: m, n: n, k: k)
        // Q8BERT: bias as int32 at S_w·S_x, the sum scaled back by 1/(S_w·S_x).
        let reference = (0..<(m * n)).map { i -> Double in
            let j = i % n
            let intBias = (Double(b.scalars[j]) * Double(ws[j]) * Double(sx)).rounded(.toNearestOrEven)
            return (Double(acc[i]) + intBias) / (Double(ws[j]) * Double(sx))
        }
        expectClose(layer(xq).scalars, reference.map(Float.init), atol: 1e-4, rtol: 1e-5, "float output")
        let geluReference = reference.map { Float(referenceGELU($0)) }
        expectClose(layer(xq, gelu: true).scalars, geluReference, atol: 1e-4, rtol: 1e-4, "GELU")
        // Requantized inside the GEMM: within one step of the reference (float rounding at ties).
        let so: Float = 30
        let requantized = layer.quantized(xq, gelu: true, outputScale: so)
        #expect(requantized.scale == so)
        let expected = referenceQuantize(geluReference, so)
        #expect(zip(requantized.scalars, expected).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        #expect(zip(requantized.scalars, expected).filter { $0 != $1 }.count <= max(1, m * n / 200))
        let plainRequantized = layer.quantized(xq, gelu: false, outputScale: so)
        #expect(zip(plainRequantized.scalars, referenceQuantize(reference.map(Float.init), so)).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        // Dynamic: float bias added after scaling.
        let dynamicReference = (0..<(m * n)).map { i in Float(Double(acc[i]) / (Double(ws[i % n]) * Double(sx)) + Double(b.scalars[i % n])) }
        expectClose(layer.dynamic(xq).scalars, dynamicReference, atol: 1e-4, rtol: 1e-5, "dynamic")
        expectClose(layer.dynamic(xq, gelu: true).scalars, dynamicReference.map { Float(referenceGELU(Double($0))) }, atol: 1e-4, rtol: 1e-4)
    }

    /// Full-range operands in the pattern that saturates vpmaddubsw's int16 pair sums (oneDNN's
    /// int8 kernels without VNNI gave 6140 of 6144 wrong sums on such a product): every level's
    /// kernel must give the exact integer sums.
    @Test("full-range int8 products are exact at every level", arguments: supportedISALevels)
    func saturatingOperands(isa: KernelISA) throws {
        let (m, n, k) = (64, 96, 384)
        var xs = [Int8](repeating: 0, count: m * k), ws = [Int8](repeating: 0, count: n * k)
        for i in 0..<(m * k) { xs[i] = [127, 126, -127, 100][i % 4] }
        for i in 0..<(n * k) { ws[i] = [127, 127, -127, 90, -127][(i / 2 + i / k) % 5] }
        let expected = referenceIntGEMM(xs, ws, m: m, n: n, k: k)
        try KernelISA.withCap(isa) {
            let layer = try #require(Int8Linear(weight: IntegerArray(shape: [n, k], scalars: ws),
                                                weightScales: [Float](repeating: 1, count: n), bias: nil))
            let x = Int8Tensor(shape: [m, k], scalars: xs, scale: 1)
            // Scales of 1: the float output is the integer sum (exact below 2^24).
            #expect(layer(x).scalars == expected.map(Float.init), "\(isa): \(layer.implementationName(rows: m))")
        }
    }

    @Test("each level names its int8 kernel: oneDNN's only where it is exact (VNNI, AMX)", arguments: supportedISALevels)
    func implementation(isa: KernelISA) throws {
        let (wq, ws) = quantizeWeight(testValues([384, 384], seed: 1), perChannel: false)
        let name = try KernelISA.withCap(isa) { try #require(Int8Linear(weight: wq, weightScales: ws, bias: nil)).implementationName(rows: 1024) }
        let level = KernelISA.withCap(isa) { KernelISA.current }
        let vnni = level == .avx2VNNI || level >= .avx512VNNI
        if vnni && KernelISA.oneDNNInt8IsExact {
            #expect(!name.hasPrefix("bertslim:") && name != "unavailable", "\(isa): \(name)")
        } else {
            let width = level >= .avx512 ? "avx512" : level >= .avx2 ? "avx2" : "portable"
            #expect(name == "bertslim:s16_\(width)", "\(isa) (oneDNN \(KernelISA.oneDNN)): \(name)")
        }
    }
}

import BertSlimSDK
import Foundation
import Testing

// Plain references for the packed low-bit format and kernels (lowbit.c, lowbit_linear.c).

/// Codes packed as the documented bit stream, bit by bit.
private func referencePack(_ codes: [UInt8], rows: Int, columns: Int, bits: Int) -> [UInt8] {
    let rowBytes = (columns * bits + 7) / 8
    var out = [UInt8](repeating: 0, count: rows * rowBytes)
    for r in 0..<rows {
        for c in 0..<columns {
            for b in 0..<bits where codes[r * columns + c] >> b & 1 == 1 {
                let bit = c * bits + b
                out[r * rowBytes + bit / 8] |= 1 << (bit % 8)
            }
        }
    }
    return out
}

/// The value of every code: (q − z) · (1 / scale), or the codebook entry.
private func referenceDecode(_ codes: [UInt8], spec: LowBitSpec, rows: Int, columns: Int, scales: [Float],
                             zeroPoints: [UInt8], codebook: [Float]) -> [Float] {
    (0..<(rows * columns)).map { i in
        let g = i / columns / (rows / spec.groups), q = codes[i]
        if spec.scheme == .codebook { return codebook[g * spec.levels + Int(q)] }
        let zero = spec.scheme == .asymmetric ? Float(zeroPoints[g]) : Float(spec.levels / 2)
        return (Float(q) - zero) * (1 / scales[g])
    }
}

/// y = x·Wᵀ + b in Double.
private func referenceLinear(_ x: [Double], _ w: [Double], _ b: [Float], m: Int, n: Int, k: Int) -> [Double] {
    var y = [Double](repeating: 0, count: m * n)
    for r in 0..<m {
        for c in 0..<n {
            var sum = Double(b[c])
            for i in 0..<k { sum += x[r * k + i] * w[c * k + i] }
            y[r * n + c] = sum
        }
    }
    return y
}

private func referenceGELU(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

/// Random codes and parameters for a spec (deterministic).
private func randomWeight(rows: Int, columns: Int, spec: LowBitSpec, seed: UInt64) throws -> LowBitWeight {
    var g = SeededGenerator(seed: seed)
    let codes = (0..<(rows * columns)).map { _ in UInt8(g.next() % UInt64(spec.levels)) }
    let scales = (0..<spec.groups).map { _ in 4 + 8 * g.nextUniform() }
    if spec.scheme == .codebook {
        let codebook = (0..<(spec.groups * spec.levels)).map { _ in g.nextUniform() - 0.5 }
        return try LowBitWeight(codes: codes, shape: [rows, columns], spec: spec, codebook: codebook)
    }
    let zeroPoints = spec.scheme == .asymmetric ? (0..<spec.groups).map { _ in UInt8(g.next() % UInt64(spec.levels)) } : []
    return try LowBitWeight(codes: codes, shape: [rows, columns], spec: spec, scales: scales, zeroPoints: zeroPoints)
}

/// (m, n, k, groups): odd sizes, K not a multiple of 8 (3-bit rows end mid-word), a single row,
/// K past the decoder's 512-code chunks, and N past the float path's 64-row slabs (K = 520) with
/// groups that straddle them.
private let shapes = [(1, 3, 5, 1), (7, 12, 13, 4), (33, 20, 37, 20), (65, 130, 19, 2), (3, 130, 520, 2)]

private let specs: [LowBitSpec] = LowBitSpec.supportedBits.flatMap { bits in
    LowBitSpec.Scheme.allCases.map { LowBitSpec(bits: bits, scheme: $0) }
}

@Suite("Low-bit kernels against plain references")
struct LowBitKernelTests {
    @Test("packing follows the documented bit stream; codes and values round-trip", arguments: specs)
    func packAndDecode(spec: LowBitSpec) throws {
        for (_, n, k, groups) in shapes {
            var s = spec
            s.groups = groups
            let w = try randomWeight(rows: n, columns: k, spec: s, seed: UInt64(n * k))
            let codes = w.codes
            #expect(w.packed == referencePack(codes, rows: n, columns: k, bits: s.bits), "\(s) \(n)x\(k)")
            #expect(w.packed.count == n * ((k * s.bits + 7) / 8))
            let expected = referenceDecode(codes, spec: s, rows: n, columns: k, scales: w.scales, zeroPoints: w.zeroPoints,
                                           codebook: w.codebook)
            #expect(w.dequantized().scalars == expected, "\(s) \(n)x\(k): decoded values")
            let repacked = try LowBitWeight(codes: codes, shape: [n, k], spec: s, scales: w.scales, zeroPoints: w.zeroPoints,
                                            codebook: w.codebook)
            #expect(repacked == w)
        }
    }

    @Test("3-bit codes: eight to three bytes, little-endian")
    func threeBitLayout() throws {
        let codes: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 0, 5]
        let w = try LowBitWeight(codes: codes, shape: [1, 9], spec: LowBitSpec(bits: 3, scheme: .symmetric), scales: [1])
        // 1 | 2<<3 | 3<<6 | 4<<9 | 5<<12 | 6<<15 | 7<<18 | 0<<21 = 0x1F58D1, then 5 in the next byte's low bits.
        #expect(w.packed == [0xD1, 0x58, 0x1F, 0x05])
        #expect(w.codes == codes)
    }

    /// The float path decodes slabs into oneDNN's f32 GEMM; the int8 path unpacks to int8 for the
    /// int8 GEMM each level gets (oneDNN's with VNNI, BertSlim's int16-product kernels elsewhere).
    @Test("float and int8 paths equal the reference GEMM at every ISA level", arguments: specs, supportedISALevels)
    func linearPaths(spec: LowBitSpec, isa: KernelISA) throws {
        try KernelISA.withCap(isa) {
            for (m, n, k, groups) in shapes {
                var s = spec
                s.groups = groups
                try checkLinear(spec: s, m: m, n: n, k: k, seed: UInt64(m + n + k))
            }
        }
    }

    private func checkLinear(spec: LowBitSpec, m: Int, n: Int, k: Int, seed: UInt64) throws {
        let w = try randomWeight(rows: n, columns: k, spec: spec, seed: seed)
        let b = testValues([n], seed: seed + 1)
        let x = testValues([m, k], seed: seed + 2) * 2
        let layer = LowBitLinear(weight: w, bias: b)
        let weights = w.dequantized().scalars.map(Double.init)
        let exact = referenceLinear(x.scalars.map(Double.init), weights, b.scalars, m: m, n: n, k: k)
        // Float sums of K products: the error scales with Σ|x·w|, not with the (cancelling) result.
        let magnitude = referenceLinear(x.scalars.map { Double(abs($0)) }, weights.map(abs), [Float](repeating: 0, count: n), m: m, n: n, k: k)
        func expectNear(_ a: [Float], _ b: [Double], _ label: String) {
            let worst = zip(zip(a, b), magnitude).map { abs(Double($0.0) - $0.1) / (1e-4 + 1e-6 * $1) }.max() ?? 0
            #expect(worst <= 1, "\(label): error \(worst) × the tolerance")
        }
        let label = "\(spec) \(m)x\(n)x\(k) \(layer.implementationName(rows: m, int8: false))"
        expectNear(layer.exact(x).scalars, exact, label)
        expectNear(layer.exact(x, gelu: true).scalars, exact.map(referenceGELU), label + " GELU")

        // Int8 activations: linear codes are exact in int8, a codebook is rounded to int8 per group.
        let sx = symmetricScale(maxAbs: maxAbs(x))
        let xq = quantize(x, scale: sx)
        let int8Weights: [Double]
        if spec.scheme == .codebook {
            let perGroup = n / spec.groups
            let table = (0..<spec.groups).flatMap { g -> [Double] in
                let c = w.codebook[(g * spec.levels)..<((g + 1) * spec.levels)]
                let s = symmetricScale(maxAbs: c.map(abs).max()!)
                return c.map { Double(max(-127, min(127, ($0 * s).rounded(.toNearestOrEven)))) / Double(s) }
            }
            int8Weights = w.codes.enumerated().map { i, q in table[i / k / perGroup * spec.levels + Int(q)] }
        } else {
            int8Weights = weights
        }
        let quantized = referenceLinear(xq.scalars.map { Double($0) / Double(sx) }, int8Weights, b.scalars, m: m, n: n, k: k)
        let int8Label = "\(spec) \(m)x\(n)x\(k) \(layer.implementationName(rows: m))"
        expectClose(layer(xq).scalars, quantized.map(Float.init), atol: 1e-4, rtol: 1e-4, Comment(rawValue: int8Label))
        expectClose(layer(xq, gelu: true).scalars, quantized.map { Float(referenceGELU($0)) }, atol: 1e-4, rtol: 1e-4)
        expectClose(layer.dynamic(x).scalars, quantized.map(Float.init), atol: 1e-4, rtol: 1e-4)
    }

    /// Full-range int8 inputs against 8-bit codes 0 and 255 (int8 −128 and 127 after the shift),
    /// the operands that saturate int16 pair sums: every level's int8 kernel must be exact.
    @Test("full-range operands are exact at every level", arguments: supportedISALevels)
    func fullRange(isa: KernelISA) throws {
        let (m, n, k) = (16, 32, 384)
        let codes = (0..<(n * k)).map { [0, 255, 0, 3][($0 / 2 + $0 / k) % 4] as UInt8 }
        let xs = (0..<(m * k)).map { [127, 126, -127, 100][$0 % 4] as Int8 }
        // Zero point 0: values are the codes themselves (0…255), scale 1, so y is the integer sum.
        let spec = LowBitSpec(bits: 8, groups: 1, scheme: .asymmetric)
        let w = try LowBitWeight(codes: codes, shape: [n, k], spec: spec, scales: [1], zeroPoints: [0])
        let expected = (0..<(m * n)).map { i in (0..<k).reduce(0) { $0 + Int(xs[i / n * k + $1]) * Int(codes[i % n * k + $1]) } }
        KernelISA.withCap(isa) {
            let layer = LowBitLinear(weight: w, bias: nil)
            #expect(layer(Int8Tensor(shape: [m, k], scalars: xs, scale: 1)).scalars == expected.map(Float.init),
                    "\(isa): \(layer.implementationName(rows: m))")
        }
    }

    @Test("a batch of zero rows gives an empty output")
    func emptyBatch() throws {
        let w = try randomWeight(rows: 4, columns: 8, spec: LowBitSpec(bits: 4, scheme: .asymmetric), seed: 3)
        let layer = LowBitLinear(weight: w, bias: nil)
        #expect(layer.exact(Tensor(shape: [0, 8], scalars: [])).shape == [0, 4])
        #expect(layer(Int8Tensor(shape: [0, 8], scalars: [], scale: 1)).shape == [0, 4])
    }
}

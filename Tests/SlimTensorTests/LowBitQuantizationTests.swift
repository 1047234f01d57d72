import BertSlimSDK
import Testing

// Group-wise linear quantization and its fake-quantize op, against plain loops.

/// Per-group (scale, zero point) and codes, computed value by value.
private func referenceGroupwise(_ w: Tensor, spec: LowBitSpec) -> (scales: [Float], zeroPoints: [UInt8], codes: [UInt8]) {
    let (n, k) = (w.shape[0], w.shape[1])
    let values = w.scalars, perGroup = n / spec.groups, levels = Float(spec.levels)
    var scales: [Float] = [], zeroPoints: [UInt8] = [], codes = [UInt8](repeating: 0, count: n * k)
    for g in 0..<spec.groups {
        let slice = values[(g * perGroup * k)..<((g + 1) * perGroup * k)]
        let lo = min(0, slice.min()!), hi = max(0, slice.max()!)
        let symmetric = spec.scheme == .symmetric
        var scale = symmetric ? (levels / 2 - 1) / max(-lo, hi) : (levels - 1) / (hi - lo)
        if !(scale > 0 && scale.isFinite) { scale = 1 }
        let z: Float = symmetric ? levels / 2 : max(0, min(levels - 1, (-lo * scale).rounded(.toNearestOrEven)))
        scales.append(scale)
        zeroPoints.append(UInt8(z))
        for i in slice.indices {
            let q = (values[i] * scale).rounded(.toNearestOrEven) + z
            codes[i] = UInt8(max(symmetric ? 1 : 0, min(levels - 1, q)))
        }
    }
    return (scales, zeroPoints, codes)
}

@Suite("Group-wise quantization against plain references")
struct LowBitQuantizationTests {
    /// Rows of very different ranges, one group of zeros, odd sizes.
    private func weight(rows: Int = 12, columns: Int = 21) -> Tensor {
        let magnitudes = Tensor(shape: [rows, 1], scalars: (0..<rows).map { $0 < 3 ? 0 : Float($0 % 5 + 1) * 0.1 })
        return testValues([rows, columns], seed: 7) * magnitudes + (testValues([rows, columns], seed: 8) * 0.01) * magnitudes
    }

    @Test("ranges, codes and values match the reference at every level and width",
          arguments: LowBitSpec.supportedBits, supportedISALevels)
    func matchesReference(bits: Int, isa: KernelISA) throws {
        try KernelISA.withCap(isa) {
            let w = weight()
            for scheme in [LowBitSpec.Scheme.symmetric, .asymmetric] {
                for groups in [1, 3, 4, 12] {
                    let spec = LowBitSpec(bits: bits, groups: groups, scheme: scheme)
                    let reference = referenceGroupwise(w, spec: spec)
                    let packed = try quantizeGroupwise(w, spec: spec)
                    #expect(packed.scales == reference.scales, "\(spec)")
                    #expect(packed.zeroPoints == (scheme == .asymmetric ? reference.zeroPoints : []), "\(spec)")
                    #expect(packed.codes == reference.codes, "\(spec)")
                    // Fake quantization is what the packed model computes with.
                    let fake = fakeQuantizeGroupwise(w, spec: spec)
                    // (Equal up to an ulp: the C loops are built with reassociation allowed.)
                    expectClose(fake.scalars, packed.dequantized().scalars, atol: 0, rtol: 2.5e-7, "\(spec)")
                    // Within half a step of the weight (nothing is clamped: the ranges cover it).
                    let perGroup = 12 / groups
                    for (i, (a, b)) in zip(fake.scalars, w.scalars).enumerated() {
                        #expect(abs(a - b) <= 0.5 / reference.scales[i / 21 / perGroup] * 1.0001, "\(spec) element \(i)")
                    }
                }
            }
        }
    }

    @Test("symmetric 8-bit per row is Q8BERT's per-channel int8")
    func eightBitIsQ8BERT() throws {
        let w = weight()
        let packed = try quantizeGroupwise(w, spec: LowBitSpec(bits: 8, groups: 12, scheme: .symmetric))
        let (q, scales) = quantizeWeight(w, perChannel: true)
        #expect(packed.codes.map { Int($0) - 128 } == q.scalars.map(Int.init))
        #expect(packed.scales == scales)
    }

    @Test("groups of rows beat one range per tensor when rows differ in range")
    func groupsBeatPerTensor() throws {
        let w = weight()
        func error(_ groups: Int) throws -> Float {
            let d = try quantizeGroupwise(w, spec: LowBitSpec(bits: 3, groups: groups, scheme: .asymmetric)).dequantized()
            return zip(d.scalars, w.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        }
        #expect(try error(12) < error(4) && error(4) < error(1))
    }

    @Test("fake quantization passes gradients straight through")
    func straightThrough() {
        let w = weight().requiringGrad(), upstream = testValues([12, 21], seed: 9)
        sum(fakeQuantizeGroupwise(w, spec: LowBitSpec(bits: 2, groups: 4, scheme: .asymmetric)) * upstream).backward()
        #expect(w.grad!.scalars == upstream.scalars)
        let v = weight().requiringGrad()
        sum(fakeQuantizeGroupwise(v, bits: 4, scales: [8, 8, 8], zeroPoints: nil) * upstream).backward()
        #expect(v.grad!.scalars == upstream.scalars)
    }

    @Test("given ranges clamp values outside them")
    func givenRangesClamp() {
        let w = Tensor(shape: [1, 4], scalars: [-5, -0.5, 0.26, 5])
        // 4 bits asymmetric, scale 2 (steps of 0.5), zero point 4: codes 0…15 cover [−2, 5.5].
        #expect(fakeQuantizeGroupwise(w, bits: 4, scales: [2], zeroPoints: [4]).scalars == [-2, -0.5, 0.5, 5])
        // 2 bits symmetric, scale 1: codes 1…3 are −1, 0, 1.
        #expect(fakeQuantizeGroupwise(w, bits: 2, scales: [1], zeroPoints: nil).scalars == [-1, -0.0, 0, 1])
    }

    @Test("bad specs are errors, not traps")
    func badSpecs() {
        let w = weight()
        #expect(throws: LowBitError.invalidSpec(name: "weight", reason: "groups 5 does not divide the 12 rows")) {
            try quantizeGroupwise(w, spec: LowBitSpec(bits: 4, groups: 5, scheme: .symmetric))
        }
        #expect(throws: LowBitError.invalidSpec(name: "weight", reason: "bits 6 is not one of 2, 3, 4, 8")) {
            try quantizeGroupwise(w, spec: LowBitSpec(bits: 6, scheme: .symmetric))
        }
        #expect(throws: LowBitError.self) { try quantizeGroupwise(w, spec: LowBitSpec(bits: 4, scheme: .codebook)) }
        #expect(throws: LowBitError.self) { try quantizeKMeans(w, spec: LowBitSpec(bits: 4, scheme: .asymmetric), seed: 1) }
        // A diverged weight is refused by the quantizers; fake quantization passes its NaN on.
        let diverged = Tensor(shape: [2, 2], scalars: [1, .nan, -1, 0.5])
        let reason = "NaN or infinite values cannot be"
        #expect(throws: LowBitError.invalidTensor(path: "", tensor: "weight", reason: reason + " quantized")) {
            try quantizeGroupwise(diverged, spec: LowBitSpec(bits: 4, scheme: .symmetric))
        }
        #expect(throws: LowBitError.invalidTensor(path: "", tensor: "weight", reason: reason + " clustered")) {
            try quantizeKMeans(diverged, spec: LowBitSpec(bits: 2, scheme: .codebook), seed: 1)
        }
        #expect(fakeQuantizeGroupwise(diverged, spec: LowBitSpec(bits: 4, scheme: .asymmetric)).scalars[1].isNaN)
        #expect(throws: LowBitError.self) { try LowBitWeight(codes: [], shape: [0, 4], spec: LowBitSpec(bits: 4, scheme: .symmetric)) }
    }
}

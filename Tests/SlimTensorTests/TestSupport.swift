import BertSlimSDK
import Testing

/// |a − b| ≤ atol + rtol·|b| elementwise, with the worst offender in the failure message.
func expectClose(_ a: [Float], _ b: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
                 _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, "sizes differ: \(a.count) vs \(b.count)", sourceLocation: sourceLocation)
    var worst = (index: -1, excess: Float(0))
    for i in 0..<min(a.count, b.count) {
        let excess = abs(a[i] - b[i]) - (atol + rtol * abs(b[i]))
        if excess > worst.excess || (a[i].isNaN != b[i].isNaN) { worst = (i, excess.isNaN ? .infinity : excess) }
    }
    #expect(worst.index < 0,
            "\(comment.map { "\($0): " } ?? "")element \(worst.index): \(worst.index >= 0 ? a[worst.index] : 0) vs \(worst.index >= 0 ? b[worst.index] : 0)",
            sourceLocation: sourceLocation)
}

func expectClose(_ a: Tensor, _ b: Tensor, atol: Float = 1e-5, rtol: Float = 1e-5,
                 _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.shape == b.shape, "shapes differ: \(a.shape) vs \(b.shape)", sourceLocation: sourceLocation)
    expectClose(a.scalars, b.scalars, atol: atol, rtol: rtol, comment, sourceLocation: sourceLocation)
}

/// Deterministic pseudo-random values in [-1, 1) (SplitMix64), for test inputs.
func testValues(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
    var state = seed
    let values = (0..<shape.reduce(1, *)).map { _ -> Float in
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(Double(z >> 11) / Double(1 << 53) * 2 - 1)
    }
    return Tensor(shape: shape, scalars: values)
}

/// Checks the gradients that `backward()` gives for every input of `f` against central
/// finite differences, computed in Double by summing the Float32 function (step `h`).
func checkGradients(_ inputs: [Tensor], h: Float = 1e-2, atol: Float = 2e-3, rtol: Float = 2e-2,
                    sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) throws -> Tensor) rethrows {
    let leaves = inputs.map { $0.requiringGrad() }
    let out = try f(leaves)
    // Project to a scalar with fixed random weights so every output element matters.
    let weights = testValues(out.shape, seed: 99)
    sum(out * weights).backward()
    for (index, input) in inputs.enumerated() {
        var numeric = [Float](repeating: 0, count: input.count)
        for i in 0..<input.count {
            var sums: [Double] = []
            for delta in [h, -h] {
                var shifted = inputs
                var x = input.copy()
                x.withUnsafeMutableBufferPointer { $0[i] += delta }
                shifted[index] = x
                let y = try withoutGradient { try f(shifted) }
                sums.append(zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
            }
            numeric[i] = Float((sums[0] - sums[1]) / Double(2 * h))
        }
        guard let analytic = leaves[index].grad else {
            Issue.record("input \(index) got no gradient", sourceLocation: sourceLocation)
            continue
        }
        expectClose(analytic.scalars, numeric, atol: atol, rtol: rtol, "input \(index)",
                    sourceLocation: sourceLocation)
    }
}

/// Every instruction-set level this CPU supports: kernel tests run once per level under
/// ``KernelISA/withCap(_:_:)``, so the AVX2 and portable variants of a loop (and the int8
/// kernels chosen for them) are checked on an AVX-512 machine too.
let supportedISALevels = KernelISA.allCases.filter(\.isSupported)

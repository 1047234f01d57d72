import BertSlimSDK

/// `bertslim bench ops --sparse`: the CSR kernel (``SparseLinear``) at 50–95 % sparsity against
/// oneDNN's dense GEMM at the same BERT shapes, in one run.
extension OpsBenchmark {
    /// One GEMM `y = x·Wᵀ + b`, dense or on a pruned W.
    public struct SparseResult: Codable, Sendable {
        /// `M x K x N`.
        public var shape: String
        /// Fraction of W's entries that are zero (0 for the dense GEMM).
        public var sparsity: Double
        /// `bertslim:csr_avx512`, or oneDNN's name for the dense GEMM.
        public var kernel: String
        /// The median over rounds of each round's median.
        public var timing: Timing
        /// The dense GEMM's median divided by this one (above 1: faster than dense).
        public var speedupOverDense: Double
        /// Bytes of W as stored (CSR: offsets, 16-bit columns, values).
        public var weightBytes: Int

        enum CodingKeys: String, CodingKey {
            case shape, sparsity, kernel, timing, speedupOverDense = "speedup_over_dense", weightBytes = "weight_bytes"
        }
    }

    /// The sparsities `bench ops --sparse` measures.
    public static let sparsities = [0.5, 0.7, 0.8, 0.9, 0.95]

    /// Times the dense GEMM and the sparse kernel at every sparsity in `rounds` alternating rounds
    /// of `runs` runs, so that load on the machine falls on all of them alike; W is pruned by
    /// magnitude (its smallest |w| set to zero), as the `magnitude` pruner does. `progress` is told
    /// each shape's results.
    public static func runSparse(runs: Int = 15, rounds: Int = 3, progress: ([SparseResult]) -> Void = { _ in }) -> [SparseResult] {
        var all: [SparseResult] = []
        var g = SeededGenerator(seed: 1)
        withoutGradient {
            for (m, k, n) in lowBitShapes {
                let x = Tensor.randomNormal([m, k], using: &g), w = Tensor.randomNormal([n, k], std: 0.05, using: &g)
                let bias = Tensor.randomNormal([n], using: &g)
                var variants: [(sparsity: Double, kernel: String, bytes: Int, run: () -> Void)] = [
                    (0, KernelChoice(rows: m, features: n).floatMatmul, 4 * n * k, { _ = linear(x, weight: w, bias: bias) }),
                ]
                let order = w.scalars.map(abs).sorted()
                for s in sparsities {
                    let threshold = order[Int(s * Double(order.count))]
                    let layer = SparseLinear(weight: SparseMatrix(Tensor(shape: w.shape, scalars: w.scalars.map { abs($0) < threshold ? 0 : $0 })),
                                             bias: bias)
                    variants.append((layer.weight.sparsity, SparseLinear.implementationName, layer.weight.byteCount, { _ = layer(x) }))
                }
                let timings = measureAlternating(variants.map(\.run), runs: runs, rounds: rounds)
                let results = variants.enumerated().map { i, v in
                    let timing = timings[i]
                    return SparseResult(shape: "\(m)x\(k)x\(n)", sparsity: v.sparsity, kernel: v.kernel, timing: timing,
                                        speedupOverDense: timings[0].medianMs / timing.medianMs, weightBytes: v.bytes)
                }
                all += results
                progress(results)
            }
        }
        return all
    }
}

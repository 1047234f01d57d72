import BertSlimSDK

/// `bertslim bench ops --lowbit`: GEMMs on packed 2/3/4/8-bit weights (``LowBitLinear``) against
/// the fp32 GEMM at the same BERT shapes, with the kernels that ran.
extension OpsBenchmark {
    /// One low-bit (or the fp32 reference) GEMM `y = x·Wᵀ + b`.
    public struct LowBitResult: Codable, Sendable {
        /// `M x K x N`.
        public var shape: String
        /// How W is stored: `fp32`, or e.g. `4-bit asymmetric, 12 groups`.
        public var weights: String
        /// `f32`, `int8 dynamic` (x quantized per call, then the int8 kernel) or `f32 decode`
        /// (the float path, W decoded a slab at a time).
        public var activations: String
        /// The kernels, e.g. `bertslim:lowbit_unpack_avx512+brg:avx512_core_vnni`.
        public var kernel: String
        /// The median over rounds of each round's median.
        public var timing: Timing
        /// This median divided by the fp32 GEMM's at the same shape.
        public var timeRatioToFP32: Double
        /// Stored bytes of W (codes, scales, zero points, codebook).
        public var weightBytes: Int

        enum CodingKeys: String, CodingKey {
            case shape, weights, activations, kernel, timing, timeRatioToFP32 = "time_ratio_to_fp32", weightBytes = "weight_bytes"
        }
    }

    /// BERT's FFN and attention shapes at batch 8 × 128 tokens: M = 1024; K, N ∈ {384, 1536}.
    public static let lowBitShapes: [(m: Int, k: Int, n: Int)] = [384, 1536].flatMap { k in [384, 1536].map { (1024, k, $0) } }

    /// Times every variant in `rounds` alternating rounds of `runs` runs each, so that load
    /// on the machine falls on all of them alike; `progress` is told each shape's results.
    public static func runLowBit(runs: Int = 15, rounds: Int = 3, progress: ([LowBitResult]) -> Void = { _ in }) throws -> [LowBitResult] {
        var all: [LowBitResult] = []
        var g = SeededGenerator(seed: 1)
        try withoutGradient {
            for (m, k, n) in lowBitShapes {
                let x = Tensor.randomNormal([m, k], using: &g), w = Tensor.randomNormal([n, k], std: 0.05, using: &g)
                let bias = Tensor.randomNormal([n], using: &g)
                var variants: [(weights: String, activations: String, kernel: String, bytes: Int, run: () -> Void)] = [
                    ("fp32", "f32", KernelChoice(rows: m, features: n).floatMatmul, 4 * n * k, { _ = linear(x, weight: w, bias: bias) }),
                ]
                // The int8 GEMM on weights packed once (Q8BERT's layer): what the per-call unpack costs.
                let (q, scales) = quantizeWeight(w, perChannel: true)
                if let int8 = Int8Linear(weight: q, weightScales: scales, bias: bias) {
                    variants.append(("int8 per row, pre-packed (Int8Linear)", "int8 dynamic", int8.implementationName(rows: m), n * k + 4 * n,
                                     { _ = int8.dynamic(quantize(x, scale: symmetricScale(maxAbs: maxAbs(x)))) }))
                }
                var layers: [(String, LowBitLinear)] = []
                for bits in LowBitSpec.supportedBits {
                    let spec = LowBitSpec(bits: bits, groups: 12, scheme: .asymmetric)
                    layers.append(("\(bits)-bit asymmetric, 12 groups", LowBitLinear(weight: try quantizeGroupwise(w, spec: spec), bias: bias)))
                }
                let codebook = LowBitSpec(bits: 4, groups: 1, scheme: .codebook)
                layers.append(("4-bit codebook", LowBitLinear(weight: try quantizeKMeans(w, spec: codebook, seed: 1), bias: bias)))
                for (name, layer) in layers {
                    variants.append((name, "int8 dynamic", layer.implementationName(rows: m), layer.weight.byteCount, { _ = layer.dynamic(x) }))
                    variants.append((name, "f32 decode", layer.implementationName(rows: m, int8: false), layer.weight.byteCount, { _ = layer.exact(x) }))
                }
                let timings = measureAlternating(variants.map(\.run), runs: runs, rounds: rounds)
                let results = variants.enumerated().map { i, v in
                    let timing = timings[i]
                    return LowBitResult(shape: "\(m)x\(k)x\(n)", weights: v.weights, activations: v.activations, kernel: v.kernel,
                                        timing: timing, timeRatioToFP32: timing.medianMs / timings[0].medianMs, weightBytes: v.bytes)
                }
                all += results
                progress(results)
            }
        }
        return all
    }
}

/// `bertslim bench ops`: SlimTensor's kernels at BERT shapes, the same list that
/// `scripts/bench-vs-pytorch.py ops` runs in PyTorch.
public enum OpsBenchmark {
    /// One benchmarked op.
    public struct Result: Codable, Sendable {
        public var name: String
        public var shape: String
        public var timing: Timing
        /// Achieved GFLOP/s for matmuls; nil for memory-bound ops.
        public var gflops: Double?
        /// Bytes read and written per second, in GB/s, for memory-bound ops.
        public var gbPerSecond: Double?
    }

    /// GEMM sizes: M ∈ {128, 1024} × K, N ∈ {384, 768, 1536, 3072}.
    public static let gemmShapes: [(m: Int, k: Int, n: Int)] = [128, 1024].flatMap { m in
        [384, 768, 1536, 3072].flatMap { k in [384, 768, 1536, 3072].map { n in (m, k, n) } }
    }

    /// Runs every op; `progress` is told each result as it is measured.
    public static func run(runs: Int = 15, progress: (Result) -> Void = { _ in }) -> [Result] {
        var results: [Result] = []
        func record(_ r: Result) { results.append(r); progress(r) }
        var g = SeededGenerator(seed: 1)
        withoutGradient {
            for (m, k, n) in gemmShapes {
                // y = x·Wᵀ, the Linear layout every BERT matmul uses
                let x = Tensor.randomNormal([m, k], using: &g), w = Tensor.randomNormal([n, k], using: &g)
                let t = measure(runs: runs) { _ = matmul(x, w, transposeB: true) }
                record(Result(name: "matmul", shape: "\(m)x\(k)x\(n)", timing: t,
                              gflops: 2.0 * Double(m * k * n) / t.medianMs / 1e6))
            }
            for (rows, h) in [(1024, 384), (1024, 768), (4096, 384)] {
                let x = Tensor.randomNormal([rows, h], using: &g)
                let gamma = Tensor.randomNormal([h], using: &g), beta = Tensor.randomNormal([h], using: &g)
                let t = measure(runs: runs) { _ = layerNorm(x, gamma: gamma, beta: beta, eps: 1e-12) }
                record(Result(name: "layer_norm", shape: "\(rows)x\(h)", timing: t,
                              gbPerSecond: 8.0 * Double(rows * h) / t.medianMs / 1e6))
            }
            for (b, heads, tLen) in [(8, 12, 128), (32, 12, 64)] {
                let scores = Tensor.randomNormal([b, heads, tLen, tLen], using: &g)
                let mask = Tensor.zeros([b, tLen])
                let t = measure(runs: runs) { _ = softmax(scores, additiveMask: mask) }
                record(Result(name: "softmax", shape: "\(b)x\(heads)x\(tLen)x\(tLen)", timing: t,
                              gbPerSecond: 8.0 * Double(scores.count) / t.medianMs / 1e6))
            }
            for (rows, ffn) in [(1024, 1536), (1024, 3072)] {
                let x = Tensor.randomNormal([rows, ffn], using: &g)
                let t = measure(runs: runs) { _ = gelu(x) }
                record(Result(name: "gelu", shape: "\(rows)x\(ffn)", timing: t,
                              gbPerSecond: 8.0 * Double(rows * ffn) / t.medianMs / 1e6))
            }
        }
        return results
    }
}

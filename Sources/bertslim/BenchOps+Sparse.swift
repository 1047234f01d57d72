import ArgumentParser
import BertSlimHost
import Foundation

extension BenchOps {
    /// `bench ops --sparse`: the sparse kernel against oneDNN's dense GEMM, as speed-ups.
    func runSparse() throws {
        let kernels = KernelChoice()
        if options.json {
            let report = SparseOpsReport(threads: Threads.count, kernels: kernels, minimumSparsity: SparseLinear.minimumSparsity,
                                         results: OpsBenchmark.runSparse(runs: options.runs))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("threads: \(Threads.count); kernels: \(kernels)")
        print("y = x·Wᵀ + b, W pruned by magnitude; median ms over 3 alternating rounds; speed-up = dense time ÷ this time")
        print(String(format: "inference uses the sparse kernel from %.0f %% zeros (SparseLinear.minimumSparsity)", 100 * SparseLinear.minimumSparsity))
        print("shape (MxKxN)    sparsity   W MB    median ms  speed-up  kernel")
        _ = OpsBenchmark.runSparse(runs: options.runs) { results in
            for r in results {
                print(r.shape.padding(toLength: 17, withPad: " ", startingAt: 0)
                      + String(format: "%6.0f %%  %6.2f %11.3f %8.2f  ", 100 * r.sparsity, Double(r.weightBytes) / 1e6, r.timing.medianMs,
                               r.speedupOverDense)
                      + r.kernel)
            }
        }
    }
}

struct SparseOpsReport: Encodable {
    var threads: Int
    var kernels: KernelChoice
    var minimumSparsity: Double
    var results: [OpsBenchmark.SparseResult]

    enum CodingKeys: String, CodingKey { case threads, kernels, minimumSparsity = "minimum_sparsity", results }
}

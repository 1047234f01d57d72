import ArgumentParser
import BertSlimHost
import Foundation

extension BenchOps {
    /// `bench ops --lowbit`: the low-bit GEMM table (or JSON), each row's time as a ratio to fp32's.
    func runLowBit() throws {
        let kernels = KernelChoice()
        if options.json {
            let report = LowBitOpsReport(threads: Threads.count, kernels: kernels, results: try OpsBenchmark.runLowBit(runs: options.runs))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("threads: \(Threads.count); kernels: \(kernels)")
        print("y = x·Wᵀ + b; median ms over 3 alternating rounds; × fp32 = time ÷ the fp32 GEMM's")
        print("shape (MxKxN)    weights                                activations    W MB    median ms  × fp32  kernel")
        _ = try OpsBenchmark.runLowBit(runs: options.runs) { results in
            for r in results {
                print(r.shape.padding(toLength: 17, withPad: " ", startingAt: 0)
                      + r.weights.padding(toLength: 39, withPad: " ", startingAt: 0)
                      + r.activations.padding(toLength: 13, withPad: " ", startingAt: 0)
                      + String(format: "%6.2f %11.3f %7.2f  ", Double(r.weightBytes) / 1e6, r.timing.medianMs, r.timeRatioToFP32)
                      + r.kernel)
            }
        }
    }
}

struct LowBitOpsReport: Encodable {
    var threads: Int
    var kernels: KernelChoice
    var results: [OpsBenchmark.LowBitResult]
}

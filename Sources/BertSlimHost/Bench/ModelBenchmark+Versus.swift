import BertSlimSDK
import Foundation

extension ModelBenchmark {
    /// Median latency of two models' forward passes timed in alternation (A, B, A, B, …) in one
    /// process, so that both see the same machine load; on a shared machine their ratio is
    /// trustworthy where two separate timings are not.
    /// - Returns: the timings of `a` and `b`.
    public static func alternatingInference(_ a: any Model, _ b: any Model, batch: Batch, warmup: Int = 3,
                                            runs: Int) throws -> (Timing, Timing) {
        try withoutGradient {
            for _ in 0..<warmup {
                _ = try a.forward(batch, request: [], training: false)
                _ = try b.forward(batch, request: [], training: false)
            }
            var times: ([Double], [Double]) = ([], [])
            for _ in 0..<max(runs, 1) {
                for (model, first) in [(a, true), (b, false)] {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = try model.forward(batch, request: [], training: false)
                    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    if first { times.0.append(ms) } else { times.1.append(ms) }
                }
            }
            func timing(_ values: [Double]) -> Timing {
                let sorted = values.sorted()
                return Timing(medianMs: sorted[sorted.count / 2], minMs: sorted[0], maxMs: sorted[sorted.count - 1], runs: sorted.count)
            }
            return (timing(times.0), timing(times.1))
        }
    }
}

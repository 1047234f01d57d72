import Foundation

/// Timings of one benchmarked operation.
public struct Timing: Codable, Sendable {
    /// Median wall time of one run, in milliseconds.
    public var medianMs: Double
    /// Fastest and slowest runs, in milliseconds.
    public var minMs: Double
    public var maxMs: Double
    public var runs: Int

    enum CodingKeys: String, CodingKey {
        case medianMs = "median_ms", minMs = "min_ms", maxMs = "max_ms", runs
    }
}

/// Runs `body` `warmup` times untimed, then `runs` times timed (median reported: the
/// machine is shared and noisy, so one time means little).
/// - Throws: the first error `body` throws (the runs stop there).
public func measure(warmup: Int = 3, runs: Int = 15, _ body: () throws -> Void) rethrows -> Timing {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    times.reserveCapacity(runs)
    for _ in 0..<max(runs, 1) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    return Timing(medianMs: times[times.count / 2], minMs: times[0], maxMs: times[times.count - 1], runs: times.count)
}

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

/// Times every body in `rounds` alternating rounds of `runs` runs each, so that load on the
/// machine falls on all of them alike: each timing's median is the median of its rounds' medians,
/// its extremes and run count span all rounds.
func measureAlternating(_ bodies: [() -> Void], runs: Int, rounds: Int) -> [Timing] {
    var medians = [[Double]](repeating: [], count: bodies.count)
    var timings = [Timing?](repeating: nil, count: bodies.count)
    for _ in 0..<max(rounds, 1) {
        for (i, body) in bodies.enumerated() {
            let t = measure(runs: runs, body)
            medians[i].append(t.medianMs)
            timings[i] = timings[i].map { Timing(medianMs: 0, minMs: min($0.minMs, t.minMs), maxMs: max($0.maxMs, t.maxMs), runs: $0.runs + t.runs) } ?? t
        }
    }
    return zip(timings, medians).map { timing, rounds in
        var timing = timing!
        timing.medianMs = rounds.sorted()[rounds.count / 2]
        return timing
    }
}

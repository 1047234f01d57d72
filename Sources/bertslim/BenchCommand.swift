import ArgumentParser
import BertSlimHost
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure BertSlim's speed (median of repeated runs; compare with scripts/bench-vs-pytorch.py).",
        subcommands: [BenchOps.self]
    )
}

/// Options every benchmark shares.
struct BenchOptions: ParsableArguments {
    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?
    @Option(help: "Timed runs per measurement (after warm-up).")
    var runs: Int = 15
    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
    }

    func apply() { if let threads { Threads.count = threads } }
}

struct BenchOps: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "GEMM at BERT shapes, layer norm, softmax and GELU: median ms and GFLOP/s (or GB/s)."
    )
    @OptionGroup var options: BenchOptions

    func run() throws {
        options.apply()
        if options.json {
            let results = OpsBenchmark.run(runs: options.runs)
            let report = OpsReport(threads: Threads.count, results: results)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("threads: \(Threads.count)")
            print("op          shape             median ms   GFLOP/s   GB/s")
            _ = OpsBenchmark.run(runs: options.runs) { r in
                let rate = r.gflops.map { String(format: "%8.1f", $0) } ?? "       -"
                let bw = r.gbPerSecond.map { String(format: "%6.1f", $0) } ?? "     -"
                print(r.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                      + r.shape.padding(toLength: 18, withPad: " ", startingAt: 0)
                      + String(format: "%9.3f", r.timing.medianMs) + "  \(rate)  \(bw)")
            }
        }
    }
}

struct OpsReport: Encodable {
    var threads: Int
    var results: [OpsBenchmark.Result]
}

import BertSlimSDK

/// `benchmark:` — median inference latency of the current model, in process, per batch size.
public struct BenchmarkStage: Stage, Equatable {
    public static let type = "benchmark"
    static let makesModel = false

    public var batchSizes = [1, 8]
    public var sequenceLength = 128
    public var warmup = 3
    public var runs = 10
    public var threads: Int?
    public init() {}
    public static var keys: [SettingKey<BenchmarkStage>] { [
        SettingKey("batch_sizes", \.batchSizes, "batch sizes to time",
                   valid: { !$0.isEmpty && $0.allSatisfy { (1...1024).contains($0) } ? nil : "must be a non-empty list of sizes in 1...1024" }),
        SettingKey("sequence_length", \.sequenceLength, "tokens per example", valid: { (2...4096).contains($0) ? nil : "\($0) is not in 2...4096" }),
        SettingKey("warmup", \.warmup, "untimed runs first", valid: { $0 >= 0 ? nil : "\($0) must not be negative" }),
        SettingKey("runs", \.runs, "timed runs (the median is reported)", valid: { (1...10_000).contains($0) ? nil : "\($0) is not in 1...10000" }),
        SettingKey("threads", \.threads, "worker threads (default: the process's)", valid: positive),
    ] }

    func plan(_ check: StageCheck) throws {
        if let positions = check.positions, sequenceLength > positions.count {
            throw check.invalid("sequence_length", "\(sequenceLength) is more than the \(positions.count) positions (max_position_embeddings) of \(positions.folder)")
        }
    }

    func run(_ plan: Void, in run: StageRun) throws -> StageRecord {
        // Rank 0 measures alone (the others wait, asleep, at the next collective operation).
        guard Distributed.world.isRoot else { return StageRecord(type: Self.type) }
        let model = try run.currentModel()
        let previous = Threads.count
        if let threads { Threads.count = threads }
        defer { Threads.count = previous }
        var latency: [Int: Double] = [:]
        let tokenizer = run.data.tokenizer
        for size in batchSizes {
            var batch = ModelBenchmark.randomBatch(vocabularySize: tokenizer.vocabulary.count, classifierID: tokenizer.classifierID,
                                                   batch: size, length: sequenceLength)
            batch.texts = ModelBenchmark.texts(of: batch, vocabulary: tokenizer.vocabulary)
            latency[size] = try ModelBenchmark.inference(model, batch: batch, warmup: warmup, runs: runs).medianMs
        }
        run.emit(.benchmarked(point: run.point, stage: run.index, latencyMs: latency, threads: Threads.count))
        var record = StageRecord(type: Self.type)
        record.latencyMs = Dictionary(uniqueKeysWithValues: latency.map { (String($0.key), $0.value) })
        record.threads = Threads.count
        return record
    }
}

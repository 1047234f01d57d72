import Foundation
import GRDB

/// One row of `model`: a model version of a sweep point (the starting model, then each
/// stage's), as `results.json` lists them.
public struct ModelRow: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "model"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var pointId: Int64
    /// Its place in the point's list (0: the starting model).
    public var position: Int
    /// `teacher` or `stages[3].distill`.
    public var origin: String
    public var parameters: Int
    /// Bytes of its weight files as saved.
    public var fileBytes: Int
    /// Threads its latency was measured with.
    public var threads: Int?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `evaluation`: a model's accuracy and F1 on a split.
public struct EvaluationRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "evaluation"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var modelId: Int64
    /// `dev` or `test`.
    public var split: String
    public var accuracy: Double
    public var f1: Double
    /// Examples scored.
    public var count: Int
}

/// One row of `latency`: a model's median latency at one batch size.
public struct LatencyRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "latency"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var modelId: Int64
    public var batchSize: Int
    /// Median milliseconds per batch.
    public var ms: Double
    public var threads: Int?
}

/// One row of `metric`: one number a run reported, when it reported it. A line of
/// `metrics.jsonl` becomes one row per number in it (`loss` and `lr` of a step; `accuracy`,
/// `f1` and `count` of an evaluation; `latency_ms[8]` of a benchmark; …).
public struct MetricRow: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "metric"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var pointId: Int64
    public var stage: Int?
    /// The line's `event`: `step`, `dev`, `evaluate`, `benchmark`, `prune_step`, `stage`, …
    public var event: String
    public var epoch: Int?
    public var step: Int?
    public var split: String?
    public var name: String
    public var value: Double
    /// When the run reported it (nil for imported runs: `metrics.jsonl` has no times).
    public var recordedAt: Date?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

import Foundation
import GRDB

/// How a run stands.
public enum RunStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Its process is working on it.
    case running
    /// Every point ran and the reports were written.
    case finished
    /// A stage failed (`error` says why).
    case failed
    /// Its process ended without finishing (killed, or the machine stopped); `--resume`
    /// continues it.
    case interrupted
}

/// One row of `run`: a `bertslim run` (or a run folder imported later).
public struct RunRow: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    /// The run folder, absolute.
    public var folder: String
    public var recipeName: String
    /// FNV-1a of the resolved recipe: runs of the same recipe share it.
    public var recipeHash: String
    /// The resolved recipe, as the run folder's `recipe.yaml`.
    public var recipeYaml: String
    /// The seed in force, as text (seeds are 64-bit unsigned).
    public var seed: String
    /// What `runs list --task` matches (schema 2).
    public var task: String
    public var trainFile: String
    public var devFile: String?
    public var testFile: String?
    public var status: RunStatus
    /// Why a failed run failed.
    public var error: String?
    public var startedAt: Date
    public var endedAt: Date?
    /// The machine's name (nil for imported runs).
    public var host: String?
    /// The process that ran it.
    public var pid: Int?
    public var command: String?
    /// `/proc/cpuinfo`'s model name and flags.
    public var cpuModel: String?
    public var cpuFlags: String?
    /// The instruction-set level the kernels ran at, and the kernels (``KernelChoice``'s line).
    public var isa: String?
    public var kernels: String?
    public var threads: Int?
    /// BertSlim's version.
    public var version: String
    /// `run` (recorded as it ran) or `import` (backfilled from its folder).
    public var source: String

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `run_plugin`: a plugin loaded for a run.
public struct PluginRow: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run_plugin"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var runId: Int64
    /// Reverse-DNS id, `org.bertslim.hinton-kd`.
    public var pluginId: String
    public var name: String
    public var version: String
    public var sdkVersion: String
    public var file: String
}

/// One row of `point`: a sweep point of a run.
public struct PointRow: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "point"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var runId: Int64
    /// `p0`, `p1`, …
    public var key: String
    /// `finetune.learning_rate=2e-05`, or `default`.
    public var label: String
    /// The swept values by key path, as a JSON object.
    public var valuesJson: String

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// How a stage stands.
public enum StageStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    case running, finished, reused, failed, interrupted
}

/// One row of `stage`: a stage of a sweep point.
public struct StageRow: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "stage"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    public var id: Int64?
    public var pointId: Int64
    /// The stage's index in the recipe.
    public var position: Int
    public var type: String
    public var status: StageStatus
    /// Whether its result came from the stage cache.
    public var reused: Bool
    public var startedAt: Date?
    public var endedAt: Date?
    public var seconds: Double?

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

import BertSlimSDK
import Foundation

/// Keeps a record of runs outside the run folder (the run ledger, `bertslim runs`): told when
/// a run starts, every event of the run's one stream, each stage's end with the point's models
/// so far, and how the run ended.
///
/// ``Experiment`` calls it on the thread that runs the experiment. Only ``runStarted(_:)`` may
/// stop a run (before any stage runs); a recorder that cannot write later keeps what it has
/// and says so through its own channel, since the run folder stays the full record.
public protocol ExperimentRecorder: AnyObject {
    /// The run's recipe is valid and its folder locked; no stage has run yet.
    /// - Throws: any error, which ends the run before it starts.
    func runStarted(_ run: RunDescription) throws
    /// One event, in order (the events `log.txt` and `metrics.jsonl` are written from).
    func record(_ event: ExperimentEvent)
    /// A stage ran or was reused; `outcome` holds the point's models so far.
    func stageEnded(_ outcome: StageOutcome)
    /// Every point ran and the run folder's reports are written.
    func runEnded(_ results: ExperimentResults)
    /// The run stopped with `error` after it started.
    func runFailed(_ error: Error)
}

/// What a run is, as a recorder keeps it: the recipe, where the run writes, and what produced
/// its numbers (host, kernels, threads, plugins, versions).
public struct RunDescription: Sendable {
    /// One sweep point.
    public struct Point: Sendable {
        /// `p0`, `p1`, …
        public var id: String
        /// `finetune.learning_rate=2e-05`, or `default`.
        public var label: String
        /// The swept values by key path.
        public var values: [String: String]

        /// A point from its parts.
        public init(id: String, label: String, values: [String: String]) {
            (self.id, self.label, self.values) = (id, label, values)
        }
    }

    /// The run folder, absolute.
    public var folder: String
    /// The recipe's name.
    public var recipeName: String
    /// The resolved recipe (what the run folder's `recipe.yaml` holds).
    public var recipeYAML: String
    /// ``stableHash(_:)`` of ``recipeYAML``.
    public var recipeHash: String
    /// The seed in force (`--seed` or the recipe's).
    public var seed: UInt64
    /// The task the run's data belongs to (``RecipeData/taskName(trainFile:)``).
    public var task: String
    /// The data files, absolute.
    public var trainFile: String
    public var devFile: String?
    public var testFile: String?
    public var points: [Point]
    /// The plugins loaded for the run.
    public var plugins: [PluginManifest]
    /// The kernels chosen on the thread that runs the stages.
    public var kernels: KernelChoice
    /// Worker threads.
    public var threads: Int
    /// Whether the run continues an earlier one in the same folder (`--resume`).
    public var resumed: Bool
    /// BertSlim's version.
    public var version: String
    /// The command line that started the run.
    public var command: String

    /// A description from its parts (``Experiment`` makes one for each run).
    public init(folder: String, recipeName: String, recipeYAML: String, recipeHash: String, seed: UInt64, task: String,
                trainFile: String, devFile: String?, testFile: String?, points: [Point], plugins: [PluginManifest],
                kernels: KernelChoice, threads: Int, resumed: Bool, version: String, command: String) {
        (self.folder, self.recipeName, self.recipeYAML, self.recipeHash, self.seed, self.task) = (folder, recipeName, recipeYAML, recipeHash, seed, task)
        (self.trainFile, self.devFile, self.testFile, self.points, self.plugins) = (trainFile, devFile, testFile, points, plugins)
        (self.kernels, self.threads, self.resumed, self.version, self.command) = (kernels, threads, resumed, version, command)
    }
}

/// Where a point stands after one of its stages.
public struct StageOutcome: Sendable {
    /// The sweep point's id.
    public var point: String
    /// The stage's index in the recipe.
    public var stage: Int
    /// The stage's type (`finetune`, `distill`, …).
    public var type: String
    /// Whether the stage's result came from the stage cache.
    public var reused: Bool
    /// The point's models so far: the starting model, then each stage's.
    public var models: [ModelResult]
    /// The point's export folders so far, relative to the run folder.
    public var exports: [String]

    /// An outcome from its parts.
    public init(point: String, stage: Int, type: String, reused: Bool, models: [ModelResult], exports: [String]) {
        (self.point, self.stage, self.type, self.reused, self.models, self.exports) = (point, stage, type, reused, models, exports)
    }
}

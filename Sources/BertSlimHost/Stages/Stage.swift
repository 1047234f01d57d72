import BertSlimSDK

/// The settings block of a stage type (`finetune: {epochs: 3}`): decoded strictly, with key
/// paths, like a component's settings. ``RecipeStage/settings`` is one of these.
public protocol StageSettings: ComponentSettings {
    /// The type as recipes write it: `finetune`, `prune`, …
    static var type: String { get }
}

/// A stage type of the recipe language: its settings, what validation checks and resolves
/// before any work, and how it runs on a sweep point's state (``StageRun``).
///
/// Adding a stage type is one file holding a `Stage`, and its line in ``StageTypes/all``
/// (docs/architecture.md walks through it).
protocol Stage: StageSettings {
    /// What validation hands the run: the stage's components resolved and their settings
    /// decoded, once.
    associatedtype Plan = Void
    /// Whether running the stage gives a new model (a new row in the report).
    static var makesModel: Bool { get }
    /// Whether a finished run of the stage is kept in the stage cache and reused by a later
    /// run or sweep point with the same prefix (true but for exports, which belong to the run).
    static var isCached: Bool { get }
    /// Checks the stage against the recipe, the data, the plugins and what the stages before
    /// it leave; throws ``RecipeError`` with a key path under `check.path`.
    func plan(_ check: StageCheck) throws -> Plan
    /// Runs the stage.
    func run(_ plan: Plan, in run: StageRun) throws -> StageRecord
}

extension Stage {
    static var isCached: Bool { true }
}

extension Stage where Plan == Void {
    func plan(_ check: StageCheck) throws {}
}

/// Every stage type, in the order the documentation lists them.
enum StageTypes {
    static let all: [any Stage.Type] = [
        FineTuneStage.self, DistillStage.self, PruneStage.self, QuantizeStage.self,
        EvaluateStage.self, ExportStage.self, BenchmarkStage.self,
    ]

    /// `finetune`, `distill`, …
    static var names: [String] { all.map { $0.type } }

    static func named(_ type: String) -> (any Stage.Type)? { all.first { $0.type == type } }
}

/// A stage after validation: ready to run, its components' settings already decoded.
struct PlannedStage {
    let stage: RecipeStage
    private let runner: (StageRun) throws -> StageRecord

    /// Plans `stage` (opening its type) with `check`.
    init(_ stage: RecipeStage, check: StageCheck) throws {
        self.stage = stage
        runner = try Self.runner(stage.body, check)
    }

    private static func runner<S: Stage>(_ stage: S, _ check: StageCheck) throws -> (StageRun) throws -> StageRecord {
        let plan = try stage.plan(check)
        return { try stage.run(plan, in: $0) }
    }

    func run(_ run: StageRun) throws -> StageRecord { try runner(run) }
}

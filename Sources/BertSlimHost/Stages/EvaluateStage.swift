import BertSlimSDK

/// `evaluate:` — accuracy and F1 of the current model on a split.
public struct EvaluateStage: Stage, Equatable {
    public static let type = "evaluate"
    static let makesModel = false

    public var split = DataSplit.dev
    public var batchSize = 64
    public init() {}
    public static var keys: [SettingKey<EvaluateStage>] { [
        SettingKey("split", \.split, "which data to score"),
        SettingKey("batch_size", \.batchSize, "examples per forward pass", valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
    ] }

    func plan(_ check: StageCheck) throws { try check.requireSplit(split, key: "split") }

    func run(_ plan: Void, in run: StageRun) throws -> StageRecord {
        let metrics = try evaluateClassifier(try run.currentModel(), on: try run.split(split), batchSize: batchSize)
        run.emit(.evaluated(point: run.point, stage: run.index, split: split.rawValue, metrics: metrics))
        var record = StageRecord(type: Self.type)
        record.evaluation = [split.rawValue: metrics]
        return record
    }
}

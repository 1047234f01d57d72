import BertSlimSDK

/// `finetune:` — trains the current model with cross-entropy on the training split, adding a
/// classification head for the data's labels when it has none. Asks for a ``Classifier``.
public struct FineTuneStage: Stage, Equatable {
    public static let type = "finetune"
    static let makesModel = true

    public var training = TrainingBlock()
    public init() {}
    public static var keys: [SettingKey<FineTuneStage>] { TrainingBlock.trainingKeys(\.training) }

    func run(_ plan: Void, in run: StageRun) throws -> StageRecord {
        let model = try run.currentModel(as: (any Classifier).self, for: "fine-tuning")
        if !model.hasClassifier { model.addClassifier(labels: run.data.labels.names, seed: run.recipe.seed) }
        let (losses, epochs) = try run.trainClassifier(model, block: training)
        return StageRecord(type: Self.type, model: try run.made(model, losses: losses, epochs: epochs))
    }
}

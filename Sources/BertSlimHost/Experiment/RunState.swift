import BertSlimSDK
import Foundation

/// A sweep point's state while its stages run: the current model (each stage's output is the
/// next one's input) and what has been measured on every model so far.
final class RunState {
    let experiment: Experiment
    let point: Recipe.Point
    let data: RunData
    /// Prefix of export folder names (the point's id when a sweep has several points).
    let exportPrefix: String
    /// The folder with the tokenizer files every saved model gets a copy of.
    let tokenizerDirectory: String
    /// The current model's folder; the model itself is loaded from it on first need.
    var modelDirectory: String
    var model: (any Model)?
    /// The model folder after each stage that has an id, for `{stage: id}` references.
    var stageModelDirectories: [String: String] = [:]
    /// One entry per model version: the starting model, then each stage's.
    var models: [ModelResult] = []
    var exports: [String] = []

    init(experiment: Experiment, point: Recipe.Point, data: RunData, exportPrefix: String,
         modelDirectory: String, tokenizerDirectory: String) {
        self.experiment = experiment
        self.point = point
        self.data = data
        self.exportPrefix = exportPrefix
        self.modelDirectory = modelDirectory
        self.tokenizerDirectory = tokenizerDirectory
    }

    var recipe: Recipe { point.recipe }

    /// The current model, loaded from its folder when a reused stage left it on disk.
    func currentModel() throws -> any Model {
        if let model { return model }
        let loaded = try loadModel(at: modelDirectory)
        model = loaded
        return loaded
    }

    /// Loads a saved model folder (a BERT folder, or one a plugin's model reads).
    func loadModel(at directory: String) throws -> any Model {
        try ModelFolder.load(directory, host: experiment.host)
    }

    /// Saves `model` as a model folder with the tokenizer's files.
    func save(_ model: any Model, to folder: String, dense: Bool = false) throws {
        try ModelFolder.save(model, to: folder, tokenizerDirectory: tokenizerDirectory, dense: dense)
    }
}

/// One stage's run: the point's state, the stage's place, and its folder in the stage cache
/// (checkpoints and the model it makes).
struct StageRun {
    let state: RunState
    let index: Int
    let type: String
    let folder: URL

    /// `stages[2].prune`: where the stage's model came from, in results and errors.
    var origin: String { "stages[\(index)].\(type)" }
    var recipe: Recipe { state.recipe }
    var point: String { state.point.id }
    var data: RunData { state.data }
    var experiment: Experiment { state.experiment }

    func emit(_ event: ExperimentEvent) { state.experiment.emit(event) }

    func currentModel() throws -> any Model { try state.currentModel() }

    /// The current model in a capability the stage needs.
    /// - Throws: ``ExperimentError/stageFailed(point:stage:type:reason:)`` naming the model and
    ///   the capability when it lacks it.
    func currentModel<Capability>(as capability: Capability.Type, for purpose: String) throws -> Capability {
        let model = try currentModel()
        guard let typed = model as? Capability else { throw failure("\(purpose) needs a \(capability) model; \(Swift.type(of: model)) is not one") }
        return typed
    }

    /// The result for a model this stage made, saved into `folder/model` (which becomes the
    /// current model's folder).
    func made(_ model: any Model, losses: [Float] = [], epochs: [ClassificationMetrics] = []) throws -> ModelResult {
        let target = folder.appendingPathComponent("model").path
        try state.save(model, to: target)
        state.model = model
        return ModelResult(origin: origin, parameters: model.parameterCount, fileBytes: RunFiles.weightBytes(in: target),
                           losses: losses, epochs: epochs)
    }

    /// A stage failure naming this stage.
    func failure(_ reason: String) -> ExperimentError {
        .stageFailed(point: point, stage: index, type: type, reason: reason)
    }

    /// What components are built with; `selection` is the stage's `select:` block.
    func componentContext(selecting selection: ParameterSelector? = nil, teacher: (any Model)? = nil) -> ComponentContext {
        var context = ComponentContext(labelCount: data.labels.count, teacher: teacher.map(ModelTeacher.init),
                                       seed: recipe.seed, baseDirectory: recipe.baseDirectory, selection: selection)
        context.training = data.splits[.train]?.dataset
        context.tokenizer = data.tokenizer
        return context
    }

    /// The folder of the model after the earlier stage `id` (validation made sure it exists).
    func modelDirectory(afterStage id: String) throws -> String {
        guard let folder = state.stageModelDirectories[id] else { throw failure("no earlier stage with the id '\(id)' has run") }
        return folder
    }

    /// The encoded split, which validation made sure the data has.
    func split(_ split: DataSplit) throws -> EncodedDataset {
        guard let dataset = data.splits[split] else { throw TrainingError.missingSplit(split.rawValue) }
        return dataset
    }

    /// The first `count` training batches of epoch 0 (as training would see them).
    func calibrationBatches(_ count: Int) throws -> [Batch] {
        let train = try split(.train)
        let sampler = LengthBucketSampler(batchSize: 32, seed: recipe.seed)
        return sampler.batches(lengths: train.lengths, epoch: 0).prefix(count).map(train.batch)
    }
}

/// A model the host already has, as the teacher its components see (a distill stage's input
/// model, or a prune stage's unpruned one). Teachers a recipe names are plugin components;
/// this one the host makes itself, so its recipe initializer only refuses.
final class ModelTeacher: Teacher {
    let model: any Model
    init(_ model: any Model) { self.model = model }
    init(settings: NoSettings, context: ComponentContext) throws {
        throw ComponentError("model-teacher", "is made by the host, not by recipes")
    }
}

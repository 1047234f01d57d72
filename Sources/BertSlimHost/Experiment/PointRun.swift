import BertSlimSDK
import Foundation
import Yams

/// One sweep point's stages, run in order, each stage's model the next one's input.
final class PointRun {
    let experiment: Experiment
    let point: Recipe.Point
    let exportPrefix: String
    var recipe: Recipe { point.recipe }
    /// The current model, loaded lazily from ``modelDirectory`` after a reused stage.
    var model: (any Model)?
    var modelDirectory = ""
    var tokenizerDirectory = ""
    var models: [ModelResult] = []
    var exports: [String] = []

    init(experiment: Experiment, point: Recipe.Point, exportPrefix: String) {
        self.experiment = experiment
        self.point = point
        self.exportPrefix = exportPrefix
    }

    func emit(_ event: ExperimentEvent) { experiment.emit(event) }

    func run() throws -> PointResult {
        guard let teacher = recipe.teacher else {
            throw RecipeError.needsModel(path: "stages[0]", stage: recipe.stages.first?.type ?? "first", at: nil)
        }
        modelDirectory = recipe.resolve(teacher.model)
        tokenizerDirectory = recipe.resolve(teacher.tokenizer ?? teacher.model)
        let data = try experiment.data(for: recipe, tokenizerDirectory: tokenizerDirectory)
        models.append(ModelResult(origin: "teacher", parameters: try currentModel().parameterCount,
                                  fileBytes: RunFiles.weightBytes(in: modelDirectory)))
        for (index, stage) in recipe.stages.enumerated() {
            let folder = experiment.cache.appendingPathComponent("\(index)-\(stage.type)-\(prefixHash(through: index))")
            let resultPath = folder.appendingPathComponent("result.json").path
            if case .export = stage {} else if let record = RunFiles.readJSON(StageRecord.self, from: resultPath) {
                emit(.stageStarted(point: point.id, stage: index, type: stage.type, reused: true))
                apply(record, folder: folder, reused: true)
                continue
            }
            emit(.stageStarted(point: point.id, stage: index, type: stage.type, reused: false))
            let started = Date()
            var record: StageRecord
            do {
                record = try execute(stage, index: index, folder: folder, data: data)
            } catch let error as ExperimentError {
                throw error
            } catch let error as RecipeError {
                throw error
            } catch {
                throw ExperimentError.stageFailed(point: point.id, stage: index, type: stage.type, reason: String(describing: error))
            }
            record.seconds = Date().timeIntervalSince(started)
            try RunFiles.writeJSON(record, to: resultPath)
            apply(record, folder: folder, reused: false)
            experiment.record(["event": "stage", "point": point.id, "stage": index, "type": stage.type, "seconds": record.seconds])
            emit(.stageFinished(point: point.id, stage: index, type: stage.type, seconds: record.seconds))
        }
        return PointResult(id: point.id, label: point.label, values: point.values, models: models, exports: exports)
    }

    /// Folds a stage's record into the point's model list.
    private func apply(_ record: StageRecord, folder: URL, reused: Bool) {
        if let made = record.model {
            models.append(made)
            modelDirectory = folder.appendingPathComponent("model").path
            if reused { model = nil }
        }
        guard !models.isEmpty else { return }
        for (split, metrics) in record.evaluation ?? [:] { models[models.count - 1].evaluations[split] = metrics }
        for (size, ms) in record.latencyMs ?? [:] { models[models.count - 1].latencyMs[size] = ms }
        if let threads = record.threads { models[models.count - 1].threads = threads }
        if let export = record.export { exports.append(export) }
    }

    /// The key of the stages up to `index`: the same data, start model, seed and stages give
    /// the same key, so their work is shared.
    private func prefixHash(through index: Int) -> String {
        let document = recipe.document
        var parts = ["seed=\(recipe.seed)"]
        for key in ["data", "teacher"] {
            parts.append((try? document.node(at: key).map { try Yams.serialize(node: $0) }) ?? "")
        }
        for i in 0...index { parts.append((try? document.node(at: "stages[\(i)]").map { try Yams.serialize(node: $0) }) ?? "") }
        return String(stableHash(parts.joined(separator: "\u{1}")).prefix(12))
    }

    /// The current model, loading it from its folder when a reused stage left it on disk.
    func currentModel() throws -> any Model {
        if let model { return model }
        let loaded = try ModelFolder.load(modelDirectory, host: experiment.host)
        model = loaded
        return loaded
    }

    /// Saves `model` as a model folder (Hugging Face layout with the tokenizer for BERT).
    func save(_ model: any Model, to folder: String) throws {
        try ModelFolder.save(model, to: folder, tokenizerDirectory: tokenizerDirectory)
    }

    /// The model result for a model a stage just made, saved into `folder/model`.
    func madeModel(_ model: any Model, origin: String, folder: URL, losses: [Float] = [],
                   epochs: [ClassificationMetrics] = []) throws -> ModelResult {
        let target = folder.appendingPathComponent("model").path
        try save(model, to: target)
        self.model = model
        return ModelResult(origin: origin, parameters: model.parameterCount, fileBytes: RunFiles.weightBytes(in: target),
                           losses: losses, epochs: epochs)
    }

    private func execute(_ stage: RecipeStage, index: Int, folder: URL, data: RunData) throws -> StageRecord {
        let origin = "stages[\(index)].\(stage.type)"
        var record = StageRecord(type: stage.type, seconds: 0)
        switch stage {
        case .finetune(let finetune):
            guard let bert = try currentModel() as? BertModel else {
                throw ExperimentError.stageFailed(point: point.id, stage: index, type: stage.type, reason: "finetune needs a BERT model")
            }
            if bert.classifierWeight == nil { bert.addClassifier(labels: data.labels.names, seed: recipe.seed) }
            var settings = finetune.training.settings
            settings.seed = recipe.seed
            let trainer = try bert.classificationTrainer(on: try split(.train, data), settings: settings)
            let (losses, epochs) = try train(trainer, block: finetune.training, index: index, type: stage.type, folder: folder, data: data)
            record.model = try madeModel(bert, origin: origin, folder: folder, losses: losses, epochs: epochs)
        case .distill(let distill):
            let (student, trainer, cache) = try distillation(distill, index: index, data: data)
            let (losses, epochs) = try train(trainer, block: distill.training, index: index, type: stage.type, folder: folder, data: data)
            if let cache {
                emit(.note("[\(point.id)] teacher ran on \(cache.teacherBatches) batches; \(cache.cachedBatches) came from its cache (\(cache.storedValues * 4 / 1024) KiB)"))
            }
            record.model = try madeModel(student, origin: origin, folder: folder, losses: losses, epochs: epochs)
            // Later stages read the student back from its folder: a BERT student saved as a
            // plain BERT folder continues as a BertModel (what pruners and quantizers work on).
            model = nil
        case .prune(let prune):
            record.model = try self.prune(prune, index: index, folder: folder, data: data)
        case .quantize(let quantize):
            let model = try currentModel()
            var context = componentContext(data)
            context.selection = quantize.select
            guard let quantizer = try recipe.makeComponent(quantize.quantizer, kind: .quantizer, path: origin + ".quantizer",
                                                           host: experiment.host, context: context) as? any Quantizer else {
                throw ExperimentError.stageFailed(point: point.id, stage: index, type: stage.type, reason: "\(quantize.quantizer.component) is not a Quantizer")
            }
            // Quantization-aware fine-tuning may start from the pretrained model, as in Q8BERT.
            if quantize.training.settings.epochs > 0, let bert = model as? BertModel, bert.classifierWeight == nil {
                bert.addClassifier(labels: data.labels.names, seed: recipe.seed)
            }
            try quantizer.prepare(model)
            try quantizer.calibrate(model, batches: try calibration(quantize.calibrationBatches, data))
            let (losses, epochs) = try quantizationAwareTraining(model, quantize, index: index, folder: folder, data: data)
            record.model = try madeModel(try quantizer.convert(model), origin: origin, folder: folder, losses: losses, epochs: epochs)
        case .evaluate(let evaluate):
            let metrics = try evaluateClassifier(try currentModel(), on: try split(evaluate.split, data), batchSize: evaluate.batchSize)
            record.evaluation = [evaluate.split.rawValue: metrics]
            experiment.record(["event": "evaluate", "point": point.id, "stage": index, "split": evaluate.split.rawValue,
                               "accuracy": metrics.accuracy, "f1": metrics.f1, "count": metrics.count])
            emit(.evaluated(point: point.id, stage: index, split: evaluate.split.rawValue, metrics: metrics))
        case .export(let export):
            let origin = models.last?.origin ?? "model"
            let name = exportPrefix + (export.name ?? "\(index)-\(origin.split(separator: ".").last ?? "model")")
            let target = experiment.out.appendingPathComponent("exports/\(name)").path
            try save(try currentModel(), to: target)
            record.export = "exports/\(name)"
            emit(.note("[\(point.id)] exported \(target)"))
        case .benchmark(let benchmark):
            let (latency, threads) = try measureLatency(try currentModel(), benchmark, data: data)
            record.latencyMs = Dictionary(uniqueKeysWithValues: latency.map { (String($0.key), $0.value) })
            record.threads = threads
            experiment.record(["event": "benchmark", "point": point.id, "stage": index, "threads": threads,
                               "latency_ms": record.latencyMs ?? [:]])
            emit(.benchmarked(point: point.id, stage: index, latencyMs: latency, threads: threads))
        }
        return record
    }

    func componentContext(_ data: RunData) -> ComponentContext {
        ComponentContext(labelCount: data.labels.count, seed: recipe.seed, baseDirectory: recipe.baseDirectory)
    }

    func split(_ split: DataSplit, _ data: RunData) throws -> EncodedDataset {
        guard let dataset = data.splits[split] else { throw TrainingError.missingSplit(split.rawValue) }
        return dataset
    }

    /// The first `count` training batches of epoch 0 (as training would see them).
    func calibration(_ count: Int, _ data: RunData) throws -> [Batch] {
        let train = try split(.train, data)
        let sampler = LengthBucketSampler(batchSize: 32, seed: recipe.seed)
        return sampler.batches(lengths: train.lengths, epoch: 0).prefix(count).map(train.batch)
    }
}

import BertSlimSDK
import Foundation

/// The current model as a teacher for a distillation stage's components.
final class ModelTeacher: Teacher {
    let model: any Model
    init(model: any Model) { self.model = model }
    /// Never made from a recipe block: the host wraps the stage's input model itself.
    init(settings: NoSettings, context: ComponentContext) throws {
        throw ComponentError("model-teacher", "is made by the host, not by recipes")
    }
}

extension PointRun {
    /// Runs `trainer` to the end with checkpoints in `folder/checkpoint`, continuing from the
    /// last one when the experiment resumes.
    /// - Returns: the loss of every step and the dev metrics of every epoch.
    func train(_ trainer: Trainer, block: TrainingBlock, index: Int, type: String, folder: URL,
               data: RunData) throws -> (losses: [Float], epochs: [ClassificationMetrics]) {
        let model = trainer.model
        let store = CheckpointStore(folder: folder.appendingPathComponent("checkpoint"))
        let startFile = folder.appendingPathComponent("started.json").path
        var losses: [Float] = []
        trainer.checkpointInterval = block.checkpointEvery
        if let dev = data.splits[.dev] { trainer.evaluate = { try evaluateClassifier(model, on: dev) } }
        if experiment.options.resume, let (checkpoint, state) = try store.load(into: model) {
            try trainer.restore(checkpoint)
            losses = state.losses
            experiment.metrics?.truncate(to: state.metricsOffset)
            emit(.resumed(point: point.id, stage: index, epoch: state.position.epoch, batch: state.position.batch, step: state.position.step))
        } else {
            if experiment.options.resume, let offset = RunFiles.readJSON([String: UInt64].self, from: startFile)?["metrics_offset"] {
                experiment.metrics?.truncate(to: offset)
            }
            store.remove()
            try RunFiles.writeJSON(["metrics_offset": experiment.metrics?.offset ?? 0], to: startFile)
        }
        trainer.onCheckpoint = { [self] checkpoint in
            try store.save(model: model, checkpoint: checkpoint, losses: losses, metricsOffset: experiment.metrics?.offset ?? 0)
            emit(.checkpointSaved(point: point.id, stage: index, step: checkpoint.position.step))
        }
        let epochs = trainer.settings.epochs
        let history: [ClassificationMetrics]
        do {
            history = try trainer.run { [self] event in
                switch event {
                case let .step(epoch, step, steps, loss, rate, speed):
                    losses.append(loss)
                    experiment.record(["event": "step", "point": point.id, "stage": index, "epoch": epoch, "step": step,
                                       "loss": Double(loss), "lr": Double(rate)])
                    emit(.trainingStep(point: point.id, stage: index, epoch: epoch, epochs: epochs, step: step, stepsPerEpoch: steps,
                                       loss: loss, learningRate: rate, examplesPerSecond: speed))
                case let .evaluation(epoch, metrics):
                    experiment.record(["event": "dev", "point": point.id, "stage": index, "epoch": epoch,
                                       "accuracy": metrics.accuracy, "f1": metrics.f1])
                    emit(.epochEvaluated(point: point.id, stage: index, epoch: epoch, metrics: metrics))
                @unknown default:
                    break
                }
            }
        } catch TrainingError.nonFiniteLoss(let step, let value) {
            throw ExperimentError.stageFailed(point: point.id, stage: index, type: type,
                                              reason: "loss became \(value) at step \(step); stopped. The last good checkpoint is kept in \(store.folder.path)")
        }
        return (losses, history)
    }

    /// The student and a trainer minimising the stage's weighted sum of losses.
    func distillation(_ stage: DistillStage, index: Int, data: RunData) throws -> (any Model, Trainer) {
        let path = "stages[\(index)].distill"
        let teacher = try currentModel()
        var context = componentContext(data)
        context.teacher = ModelTeacher(model: teacher)
        let student: any Model
        if let folder = stage.student.model {
            let loaded = try ModelFolder.load(recipe.resolve(folder), host: experiment.host)
            if let bert = loaded as? BertModel, bert.classifierWeight == nil { bert.addClassifier(labels: data.labels.names, seed: recipe.seed) }
            student = loaded
        } else {
            guard let made = try recipe.makeComponent(stage.student, kind: .student, path: path + ".student",
                                                      host: experiment.host, context: context) as? any Student else {
                throw ExperimentError.stageFailed(point: point.id, stage: index, type: "distill", reason: "\(stage.student.component) is not a Student")
            }
            student = made
        }
        let losses: [(loss: any Loss, weight: Schedule)] = try stage.losses.enumerated().map { l, reference in
            guard let loss = try recipe.makeComponent(reference, kind: .loss, path: path + ".losses[\(l)]", host: experiment.host,
                                                      context: context) as? any Loss else {
                throw ExperimentError.stageFailed(point: point.id, stage: index, type: "distill", reason: "\(reference.component) is not a Loss")
            }
            return (loss, reference.weight)
        }
        let request = losses.reduce(into: OutputRequest()) { $0.formUnion($1.loss.request) }
        let needsTeacher = losses.contains { $0.loss.needsTeacher }
        var settings = stage.training.settings
        settings.seed = recipe.seed
        let trainer = try Trainer(model: student, train: try split(.train, data), settings: settings) { batch, progress in
            let studentOutput = try student.forward(batch, request: request, training: true)
            let teacherOutput = needsTeacher
                ? try withoutGradient { try teacher.forward(batch, request: request, training: false) } : nil
            var total: Tensor?
            for (loss, weight) in losses {
                let term = try loss(student: studentOutput, teacher: teacherOutput, batch: batch) * Float(weight.value(at: progress))
                total = total.map { $0 + term } ?? term
            }
            return total ?? Tensor.zeros([])
        }
        return (student, trainer)
    }

    /// Median latency per batch size, in process, after warm-up, with the thread count used.
    func measureLatency(_ model: any Model, _ stage: BenchmarkStage, data: RunData) throws -> ([Int: Double], Int) {
        let previous = Threads.count
        if let threads = stage.threads { Threads.count = threads }
        defer { Threads.count = previous }
        var latency: [Int: Double] = [:]
        for size in stage.batchSizes {
            let batch = ModelBenchmark.randomBatch(vocabularySize: data.tokenizer.vocabulary.count, classifierID: data.tokenizer.classifierID, batch: size, length: stage.sequenceLength)
            let timing = try ModelBenchmark.inference(model, batch: batch, warmup: stage.warmup, runs: stage.runs)
            latency[size] = timing.medianMs
        }
        return (latency, Threads.count)
    }
}

import BertSlimSDK
import Foundation

extension StageRun {
    /// Runs `trainer` to the end with checkpoints in `checkpoints` (the stage's folder unless
    /// given), continuing from the last one when the experiment resumes; every step and epoch
    /// goes to the event stream.
    /// - Returns: the loss of every step and the dev metrics of every epoch.
    func train(_ trainer: Trainer, block: TrainingBlock, in checkpoints: URL? = nil) throws
        -> (losses: [Float], epochs: [ClassificationMetrics]) {
        let model = trainer.model
        let folder = checkpoints ?? self.folder
        let store = CheckpointStore(folder: folder.appendingPathComponent("checkpoint"))
        let startFile = folder.appendingPathComponent("started.json").path
        let metrics = experiment.metrics
        var losses: [Float] = []
        trainer.checkpointInterval = block.checkpointEvery
        trainer.shouldStop = { Interruption.isRequested }
        if let dev = data.splits[.dev] { trainer.evaluate = { try evaluateClassifier(model, on: dev) } }
        if experiment.options.resume { try FolderMirror.mirror(store.folder) }
        if experiment.options.resume, let (checkpoint, state) = try store.load(into: model, extra: trainer.extraParameters) {
            try trainer.restore(checkpoint)
            losses = state.losses
            metrics?.truncate(to: state.metricsOffset)
            emit(.resumed(point: point, stage: index, epoch: state.position.epoch, batch: state.position.batch, step: state.position.step))
        } else {
            if experiment.options.resume, let offset = RunFiles.readJSON([String: UInt64].self, from: startFile)?["metrics_offset"] {
                metrics?.truncate(to: offset)
            }
            store.remove()
            try RunFiles.writeJSON(["metrics_offset": metrics?.offset ?? 0], to: startFile)
        }
        trainer.onCheckpoint = { [writes = trainer.communicator.isRoot] checkpoint in
            guard writes else { return }  // rank 0's checkpoint is the run's; another rank's would be the same
            try store.save(model: model, extra: trainer.extraParameters, checkpoint: checkpoint, losses: losses, metricsOffset: metrics?.offset ?? 0)
            emit(.checkpointSaved(point: point, stage: index, step: checkpoint.position.step))
        }
        let epochs = trainer.settings.epochs
        let history: [ClassificationMetrics]
        let started = Date(), restoredSteps = losses.count
        defer {
            // Over several ranks: what summing the gradients cost (the log's scaling figure).
            let steps = losses.count - restoredSteps, seconds = max(Date().timeIntervalSince(started), 1e-9)
            if trainer.communicator.size > 1, steps > 0 {
                emit(.note(String(format: "[%@] stage %d: %d ranks, all-reduce %.1f ms per step (%.0f %% of %.0f s of training)", point, index,
                                  trainer.communicator.size, trainer.allReduceSeconds * 1000 / Double(steps),
                                  100 * trainer.allReduceSeconds / seconds, seconds)))
            }
        }
        do {
            history = try trainer.run { event in
                switch event {
                case let .step(epoch, step, steps, loss, rate, speed):
                    losses.append(loss)
                    emit(.trainingStep(point: point, stage: index, epoch: epoch, epochs: epochs, step: step, stepsPerEpoch: steps,
                                       loss: loss, learningRate: rate, examplesPerSecond: speed))
                case let .evaluation(epoch, metrics):
                    emit(.epochEvaluated(point: point, stage: index, epoch: epoch, metrics: metrics))
                @unknown default:
                    break
                }
            }
        } catch TrainingError.interrupted {
            throw ExperimentError.interrupted(folder: experiment.options.outputDirectory)
        } catch TrainingError.nonFiniteLoss(let step, let value) {
            throw failure("loss became \(value) at step \(step); stopped. The last good checkpoint is kept in \(store.folder.path)")
        }
        return (losses, history)
    }

    /// A classifier trained with cross-entropy on the training split (the recipe's seed).
    func trainClassifier(_ model: any Classifier, block: TrainingBlock, seed: UInt64? = nil, in checkpoints: URL? = nil) throws
        -> (losses: [Float], epochs: [ClassificationMetrics]) {
        var settings = block.settings
        settings.seed = seed ?? recipe.seed
        return try train(try model.classificationTrainer(on: try split(.train), settings: settings), block: block, in: checkpoints)
    }
}

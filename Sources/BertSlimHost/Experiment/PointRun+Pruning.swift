import BertSlimSDK
import Foundation

extension PointRun {
    /// Runs a prune stage: before each of `steps` steps the pruner re-scores the current
    /// model on the calibration batches and prunes it to the schedule's target; with
    /// `evaluate:` the split is scored before pruning and after every step, and the stage
    /// stops (keeping the previous step's model) once accuracy falls below `stop_below` × the
    /// unpruned model's; with `finetune:` the model trains with cross-entropy after every step.
    /// - Returns: the pruned model's result, with the per-step history.
    func prune(_ stage: PruneStage, index: Int, folder: URL, data: RunData) throws -> ModelResult {
        let origin = "stages[\(index)].prune"
        var model = try currentModel()
        var context = componentContext(data)
        context.selection = stage.select
        // The unpruned model, for pruners that score against a teacher (distillation loss).
        context.teacher = ModelTeacher(model: try loadModel(at: modelDirectory))
        guard let pruner = try recipe.makeComponent(stage.pruner, kind: .pruner, path: origin + ".pruner", host: experiment.host,
                                                    context: context) as? any Pruner else {
            throw ExperimentError.stageFailed(point: point.id, stage: index, type: "prune", reason: "\(stage.pruner.component) is not a Pruner")
        }
        let batches = try calibration(stage.calibrationBatches, data)
        let evaluation = try stage.evaluate.map { try split($0, data) }
        func measure() throws -> ClassificationMetrics? { try evaluation.map { try evaluateClassifier(model, on: $0) } }

        var history = PruningHistory(split: stage.evaluate?.rawValue, steps: [], headImportance: nil, stopReason: nil, keptStep: 0)
        let original = try measure()
        history.steps.append(pruningStep(model, step: 0, target: 0, removed: [:], pruned: original))
        report(history.steps[0], of: stage.steps, index: index)
        let snapshot = folder.appendingPathComponent("accepted").path
        let stops = original != nil && stage.stopBelow > 0
        if stops { try save(model, to: snapshot) }
        var losses: [Float] = []
        for step in 1...stage.steps {
            let target = stage.sparsity.value(at: Double(step) / Double(stage.steps))
            let scores = try pruner.score(model, batches: batches)
            if history.headImportance == nil, let prunable = model as? any HeadPrunable {
                history.headImportance = importanceMap(scores, layout: prunable.remainingHeads, heads: prunable.originalHeadCount)
            }
            let result = try pruner.prune(model, scores: scores, target: target)
            var entry = pruningStep(model, step: step, target: target, removed: result.removed, pruned: try measure())
            if let block = stage.finetune {
                losses += try finetuneAfterPruning(model, block: block, step: step, index: index, folder: folder, data: data)
                entry.finetuned = try measure()
            }
            history.steps.append(entry)
            report(entry, of: stage.steps, index: index)
            if stops, let original, let metrics = entry.final, metrics.accuracy < stage.stopBelow * original.accuracy {
                history.stopReason = String(format: "step %d: %@ accuracy %.4f < %.2f × %.4f (unpruned); kept step %d", step,
                                            stage.evaluate?.rawValue ?? "", metrics.accuracy, stage.stopBelow, original.accuracy,
                                            history.keptStep)
                emit(.note("[\(point.id)] prune stopped at \(history.stopReason ?? "")"))
                model = try loadModel(at: snapshot)
                break
            }
            history.keptStep = step
            if stops && step < stage.steps { try save(model, to: snapshot) }
        }
        try? FileManager.default.removeItem(atPath: snapshot)
        for step in 1...stage.steps { try? FileManager.default.removeItem(at: folder.appendingPathComponent("step-\(step)")) }
        var made = try madeModel(model, origin: origin, folder: folder, losses: losses)
        made.pruning = history
        return made
    }

    /// Loads a saved model folder (a BERT folder, or one a plugin's Student reads).
    func loadModel(at directory: String) throws -> any Model {
        try ModelFolder.load(directory, host: experiment.host)
    }

    /// The history entry for `model` after `step`.
    private func pruningStep(_ model: any Model, step: Int, target: Double, removed: [String: [Int]],
                             pruned: ClassificationMetrics?) -> PruningStep {
        let prunable = model as? any HeadPrunable
        let fraction = prunable.map { p in
            1 - Double(p.headCount) / Double(max(p.remainingHeads.count * p.originalHeadCount, 1))
        }
        return PruningStep(step: step, target: target, headFraction: fraction, heads: prunable?.headCount,
                           parameters: model.parameterCount, removed: removed, pruned: pruned, finetuned: nil)
    }

    /// Logs a step to metrics.jsonl and the event stream.
    private func report(_ entry: PruningStep, of steps: Int, index: Int) {
        var object: [String: Any] = ["event": "prune_step", "point": point.id, "stage": index, "step": entry.step,
                                     "target": entry.target, "parameters": entry.parameters]
        if let fraction = entry.headFraction { object["head_fraction"] = fraction }
        if let heads = entry.heads { object["heads"] = heads }
        if let pruned = entry.pruned { object["accuracy"] = pruned.accuracy; object["f1"] = pruned.f1 }
        if let tuned = entry.finetuned { object["finetuned_accuracy"] = tuned.accuracy; object["finetuned_f1"] = tuned.f1 }
        experiment.record(object)
        var line = "[\(point.id)] prune step \(entry.step)/\(steps): "
        if let heads = entry.heads, let fraction = entry.headFraction {
            line += String(format: "%d heads (%.1f%% removed), ", heads, 100 * fraction)
        }
        line += "\(formatCount(entry.parameters)) parameters"
        if let pruned = entry.pruned { line += String(format: ", accuracy %.4f", pruned.accuracy) }
        if let tuned = entry.finetuned { line += String(format: ", after fine-tuning %.4f", tuned.accuracy) }
        emit(.note(line))
    }

    /// Scores keyed `encoder.layer.N.attention.heads` laid out as layer × original head.
    private func importanceMap(_ scores: PruningScores, layout: [[Int]], heads: Int) -> [[Double?]]? {
        var map = layout.map { _ in [Double?](repeating: nil, count: heads) }
        var found = false
        for (l, remaining) in layout.enumerated() {
            guard let group = scores.groups[PruningScores.headGroup(layer: l)], group.count == remaining.count else { continue }
            for (head, score) in zip(remaining, group.scalars) { map[l][head] = Double(score) }
            found = true
        }
        return found ? map : nil
    }

    /// Trains `model` with cross-entropy on the training split after pruning step `step`,
    /// with checkpoints in `folder/step-N` (removed when the stage finishes).
    /// - Returns: the loss of every step.
    private func finetuneAfterPruning(_ model: any Model, block: TrainingBlock, step: Int, index: Int, folder: URL,
                                      data: RunData) throws -> [Float] {
        var settings = block.settings
        settings.seed = recipe.seed &+ UInt64(step)
        let examples = try split(.train, data)
        let trainer = try Trainer(model: model, train: examples, settings: settings) { batch, _ in
            guard let labels = batch.labels else { throw TrainingError.missingLabels(file: examples.dataset.file) }
            guard let logits = try model.forward(batch, request: [], training: true).logits else { throw TrainingError.noClassificationHead }
            return try crossEntropy(logits, labels: labels)
        }
        return try train(trainer, block: block, index: index, type: "prune", folder: folder.appendingPathComponent("step-\(step)"),
                         data: data).losses
    }
}

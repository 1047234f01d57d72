import BertSlimSDK
import Foundation

/// `prune:` — scores and removes structure with a pruner, reaching `sparsity` over `steps`.
/// Before each step the pruner re-scores the current model on the calibration batches and
/// prunes it to the schedule's target. With `evaluate:` a split is scored before pruning and
/// after every step, and the stage stops (keeping the last model that met it) when accuracy
/// falls below `stop_below` × the unpruned model's; with `finetune:` the model trains with
/// cross-entropy after every step.
public struct PruneStage: Stage, Equatable {
    public static let type = "prune"
    static let makesModel = true

    public var pruner = ComponentReference()
    public var select = ParameterSelector()
    public var sparsity = Schedule.constant(0.5)
    public var steps = 1
    public var calibrationBatches = 8
    /// Split scored before pruning and after every step (nil: none, and no early stop).
    public var evaluate: DataSplit?
    /// Stop when the accuracy falls below this fraction of the unpruned model's.
    public var stopBelow = 0.9
    /// Training after every pruning step (nil: none).
    public var finetune: TrainingBlock?
    public init() {}
    public static var keys: [SettingKey<PruneStage>] { [
        SettingKey("pruner", \.pruner, "{component: name, settings: {…}}"),
        SettingKey("select", \.select, "which parameters: {names: [name or re:pattern, …], exclude: […]}"),
        SettingKey("sparsity", \.sparsity, "fraction removed (0 ≤ s < 1), a number or a non-decreasing schedule over the steps",
                   valid: { sparsity in
                       guard sparsity.range.lowerBound >= 0, sparsity.range.upperBound < 1 else { return "\(sparsity) is not in [0, 1)" }
                       return sparsity.isNonDecreasing ? nil : "\(sparsity) decreases; pruned structure does not come back"
                   }),
        SettingKey("steps", \.steps, "pruning steps (the schedule is read at each)", valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
        SettingKey("calibration_batches", \.calibrationBatches, "training batches the pruner scores with",
                   valid: { $0 >= 0 ? nil : "\($0) must not be negative" }),
        SettingKey("evaluate", \.evaluate, "split scored before pruning and after every step (train, dev or test)"),
        SettingKey("stop_below", \.stopBelow, "with evaluate: stop when accuracy < this × the unpruned model's (0: never)",
                   valid: { (0...1).contains($0) ? nil : "\($0) is not in 0...1" }),
        SettingKey("finetune", \.finetune, "training after every step: {epochs, batch_size, learning_rate, …} as in finetune"),
    ] }

    func plan(_ check: StageCheck) throws -> ResolvedComponent {
        try check.rejectKeys(["model", "weight"], at: "pruner", known: ["component", "settings"])
        if let evaluate { try check.requireSplit(evaluate, key: "evaluate") }
        if !select.names.isEmpty, let names = check.model?.parameterNames, select.select(names).isEmpty {
            throw check.invalid("select.names", "matches none of the parameters of \(check.model!.name)")
        }
        let resolved = try check.resolve(pruner, kind: .pruner, key: "pruner")
        try check.checkModels(resolved, in: check.settingsContext())
        return resolved
    }

    func run(_ pruner: ResolvedComponent, in run: StageRun) throws -> StageRecord {
        var model = try run.currentModel()
        // The unpruned model, for pruners that score against a teacher (distillation loss).
        let unpruned = try run.state.loadModel(at: run.state.modelDirectory)
        let component = try pruner.make(as: (any Pruner).self, context: run.componentContext(selecting: select, teacher: unpruned))
        let batches = try run.calibrationBatches(calibrationBatches)
        let evaluation = try evaluate.map { try run.split($0) }
        func measure() throws -> ClassificationMetrics? { try evaluation.map { try evaluateClassifier(model, on: $0) } }

        let granularity = Swift.type(of: component).granularity
        var history = PruningHistory(split: evaluate?.rawValue, steps: [], headImportance: nil, stopReason: nil, keptStep: 0,
                                     pruner: pruner.factory.name, granularity: granularity.rawValue)
        let original = try measure()
        history.steps.append(PruningStep(model, step: 0, target: 0, removed: [:], pruned: original, granularity: granularity))
        run.emit(.pruneStep(point: run.point, stage: run.index, step: history.steps[0], steps: steps))
        let snapshot = run.folder.appendingPathComponent("accepted").path
        let stops = original != nil && stopBelow > 0
        if stops { try run.state.save(model, to: snapshot) }
        var losses: [Float] = []
        for step in 1...steps {
            let target = sparsity.value(at: Double(step) / Double(steps))
            let started = Date()
            let scores = try component.score(model, batches: batches)
            let scoring = Date().timeIntervalSince(started)
            if history.headImportance == nil, let prunable = model as? any HeadPrunable {
                history.headImportance = PruningHistory.importanceMap(scores, layout: prunable.remainingHeads, heads: prunable.originalHeadCount)
            }
            let result = try component.prune(model, scores: scores, target: target)
            var entry = PruningStep(model, step: step, target: target, removed: result.removed, pruned: try measure(), granularity: granularity)
            entry.fraction = result.fraction ?? entry.fraction
            entry.scoringSeconds = scoring
            if let finetune {
                guard let classifier = model as? any Classifier else {
                    throw run.failure("fine-tuning after pruning needs a Classifier model; \(Swift.type(of: model)) is not one")
                }
                losses += try run.trainClassifier(classifier, block: finetune, seed: run.recipe.seed &+ UInt64(step),
                                                  in: run.folder.appendingPathComponent("step-\(step)")).losses
                entry.finetuned = try measure()
            }
            history.steps.append(entry)
            run.emit(.pruneStep(point: run.point, stage: run.index, step: entry, steps: steps))
            if stops, let original, let metrics = entry.final, metrics.accuracy < stopBelow * original.accuracy {
                history.stopReason = String(format: "step %d: %@ accuracy %.4f < %.2f × %.4f (unpruned); kept step %d", step,
                                            evaluate?.rawValue ?? "", metrics.accuracy, stopBelow, original.accuracy, history.keptStep)
                run.emit(.note("[\(run.point)] prune stopped at \(history.stopReason ?? "")"))
                model = try run.state.loadModel(at: snapshot)
                break
            }
            history.keptStep = step
            if stops && step < steps { try run.state.save(model, to: snapshot) }
        }
        try? FileManager.default.removeItem(atPath: snapshot)
        for step in 1...steps { try? FileManager.default.removeItem(at: run.folder.appendingPathComponent("step-\(step)")) }
        var made = try run.made(model, losses: losses)
        made.pruning = history
        return StageRecord(type: Self.type, model: made)
    }
}

extension PruningStep {
    /// The history entry for `model` after `step`.
    init(_ model: any Model, step: Int, target: Double, removed: [String: [Int]], pruned: ClassificationMetrics?,
         granularity: PruningGranularity) {
        let prunable = model as? any HeadPrunable
        let fraction = prunable.map { p in
            1 - Double(p.headCount) / Double(max(p.remainingHeads.count * p.originalHeadCount, 1))
        }
        self.init(step: step, target: target, headFraction: fraction, heads: prunable?.headCount,
                  parameters: model.parameterCount, removed: removed, pruned: pruned, finetuned: nil)
        if granularity == .heads { self.fraction = fraction }
    }
}

extension PruningHistory {
    /// Head scores (``PruningScores/headGroup(layer:)``) laid out as layer × original head.
    static func importanceMap(_ scores: PruningScores, layout: [[Int]], heads: Int) -> [[Double?]]? {
        var map = layout.map { _ in [Double?](repeating: nil, count: heads) }
        var found = false
        for (l, remaining) in layout.enumerated() {
            guard let group = scores.groups[PruningScores.headGroup(layer: l)], group.count == remaining.count else { continue }
            for (head, score) in zip(remaining, group.scalars) { map[l][head] = Double(score) }
            found = true
        }
        return found ? map : nil
    }
}

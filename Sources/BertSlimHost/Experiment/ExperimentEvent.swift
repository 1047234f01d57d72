import BertSlimSDK

/// What a running experiment reports, in order. The CLI turns these into a live bar on a
/// terminal, plain lines in CI, or JSON lines.
public enum ExperimentEvent: Sendable {
    /// A sweep point starts (`label` is `default` without a sweep).
    case pointStarted(point: String, label: String, index: Int, count: Int)
    /// A stage starts; `reused` when its result came from an earlier run or point.
    case stageStarted(point: String, stage: Int, type: String, reused: Bool)
    /// A training stage continues from a checkpoint.
    case resumed(point: String, stage: Int, epoch: Int, batch: Int, step: Int)
    /// One optimizer step.
    case trainingStep(point: String, stage: Int, epoch: Int, epochs: Int, step: Int, stepsPerEpoch: Int,
                      loss: Float, learningRate: Float, examplesPerSecond: Double)
    /// A dev evaluation after a training epoch.
    case epochEvaluated(point: String, stage: Int, epoch: Int, metrics: ClassificationMetrics)
    /// An evaluate stage's result.
    case evaluated(point: String, stage: Int, split: String, metrics: ClassificationMetrics)
    /// A benchmark stage's median latency per batch size, in milliseconds.
    case benchmarked(point: String, stage: Int, latencyMs: [Int: Double], threads: Int)
    /// A checkpoint was written.
    case checkpointSaved(point: String, stage: Int, step: Int)
    /// A prune stage's step (step 0: the unpruned model) of `steps`.
    case pruneStep(point: String, stage: Int, step: PruningStep, steps: Int)
    /// A stage finished.
    case stageFinished(point: String, stage: Int, type: String, seconds: Double)
    /// Anything else worth a line (exports, reused teachers).
    case note(String)

    /// One plain line describing the event (the run folder's log.txt holds these).
    public var line: String {
        func fmt(_ v: Double) -> String { String(format: "%.4f", v) }
        switch self {
        case let .pointStarted(point, label, index, count):
            return "point \(index + 1)/\(count) [\(point)] \(label)"
        case let .stageStarted(point, stage, type, reused):
            return "[\(point)] stage \(stage) \(type)\(reused ? " (reused)" : "")"
        case let .resumed(point, stage, epoch, batch, step):
            return "[\(point)] stage \(stage) resumed at epoch \(epoch + 1) batch \(batch) (step \(step))"
        case let .trainingStep(point, stage, epoch, epochs, step, steps, loss, lr, rate):
            return "[\(point)] stage \(stage) epoch \(epoch + 1)/\(epochs) step \(step)/\(steps) loss \(String(format: "%.4f", loss)) lr \(String(format: "%.2e", lr)) \(String(format: "%.0f", rate)) ex/s"
        case let .epochEvaluated(point, stage, epoch, metrics):
            return "[\(point)] stage \(stage) epoch \(epoch + 1) dev accuracy \(fmt(metrics.accuracy)) F1 \(fmt(metrics.f1))"
        case let .evaluated(point, stage, split, metrics):
            return "[\(point)] stage \(stage) \(split) accuracy \(fmt(metrics.accuracy)) F1 \(fmt(metrics.f1)) (\(metrics.count) examples)"
        case let .benchmarked(point, stage, latency, threads):
            let parts = latency.keys.sorted().map { "batch \($0): \(String(format: "%.2f", latency[$0]!)) ms" }
            return "[\(point)] stage \(stage) latency \(parts.joined(separator: ", ")) (\(threads) threads)"
        case let .checkpointSaved(point, stage, step):
            return "[\(point)] stage \(stage) checkpoint at step \(step)"
        case let .pruneStep(point, _, entry, steps):
            var line = "[\(point)] prune step \(entry.step)/\(steps): "
            if let heads = entry.heads, let fraction = entry.headFraction {
                line += String(format: "%d heads (%.1f%% removed), ", heads, 100 * fraction)
            }
            if let fraction = entry.fraction, fraction != entry.headFraction {
                line += String(format: "%.1f%% of the selection removed, ", 100 * fraction)
            }
            line += "\(formatCount(entry.parameters)) parameters"
            if let pruned = entry.pruned { line += String(format: ", accuracy %.4f", pruned.accuracy) }
            if let tuned = entry.finetuned { line += String(format: ", after fine-tuning %.4f", tuned.accuracy) }
            return line
        case let .stageFinished(point, stage, type, seconds):
            return "[\(point)] stage \(stage) \(type) done in \(String(format: "%.1f", seconds)) s"
        case let .note(text):
            return text
        }
    }

    /// The event's line in `metrics.jsonl` (nil for events that measure nothing): `event`,
    /// `point`, `stage` and the event's numbers by name.
    public var metricsRecord: [String: Any]? {
        switch self {
        case let .trainingStep(point, stage, epoch, _, step, _, loss, rate, _):
            return ["event": "step", "point": point, "stage": stage, "epoch": epoch, "step": step, "loss": Double(loss), "lr": Double(rate)]
        case let .epochEvaluated(point, stage, epoch, metrics):
            return ["event": "dev", "point": point, "stage": stage, "epoch": epoch, "accuracy": metrics.accuracy, "f1": metrics.f1]
        case let .evaluated(point, stage, split, metrics):
            return ["event": "evaluate", "point": point, "stage": stage, "split": split, "accuracy": metrics.accuracy,
                    "f1": metrics.f1, "count": metrics.count]
        case let .benchmarked(point, stage, latency, threads):
            return ["event": "benchmark", "point": point, "stage": stage, "threads": threads,
                    "latency_ms": Dictionary(uniqueKeysWithValues: latency.map { (String($0.key), $0.value) })]
        case let .stageFinished(point, stage, type, seconds):
            return ["event": "stage", "point": point, "stage": stage, "type": type, "seconds": seconds]
        case let .pruneStep(point, stage, entry, _):
            var object: [String: Any] = ["event": "prune_step", "point": point, "stage": stage, "step": entry.step,
                                         "target": entry.target, "parameters": entry.parameters]
            if let fraction = entry.headFraction { object["head_fraction"] = fraction }
            if let fraction = entry.fraction { object["fraction"] = fraction }
            if let heads = entry.heads { object["heads"] = heads }
            if let pruned = entry.pruned { object["accuracy"] = pruned.accuracy; object["f1"] = pruned.f1 }
            if let tuned = entry.finetuned { object["finetuned_accuracy"] = tuned.accuracy; object["finetuned_f1"] = tuned.f1 }
            return object
        case .pointStarted, .stageStarted, .resumed, .checkpointSaved, .note:
            return nil
        }
    }
}

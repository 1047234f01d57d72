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
        case let .stageFinished(point, stage, type, seconds):
            return "[\(point)] stage \(stage) \(type) done in \(String(format: "%.1f", seconds)) s"
        case let .note(text):
            return text
        }
    }
}

import BertSlimHost
import Foundation

/// Records a running ``Experiment`` into a ``Ledger``: the run's rows when it starts, then at
/// each stage boundary (and each training checkpoint) one transaction with what happened since:
/// stage rows, the metric rows of the events (the lines `metrics.jsonl` gets), the point's models.
///
/// ```swift
/// let experiment = Experiment(recipe: recipe, options: .init(outputDirectory: "runs/demo"))
/// experiment.recorder = LedgerRecorder(ledger: try Ledger(path: "runs/ledger.sqlite")) { print("warning: \($0)") }
/// try experiment.run()
/// ```
/// A write that fails (the ledger locked past its wait) keeps its rows for the next boundary
/// and warns; the run goes on, since its folder holds everything (`bertslim runs import`).
/// A run killed between boundaries leaves its rows `running` until the next ledger open marks
/// them `interrupted` (``Ledger/markInterrupted()``); `--resume` continues the same rows, and a
/// stage resumed from a checkpoint takes its metric rows from `metrics.jsonl`, as cut back to
/// that checkpoint.
public final class LedgerRecorder: ExperimentRecorder {
    public let ledger: Ledger
    private let warn: (String) -> Void
    private var handle: RunHandle?
    private var folder = ""
    private var pending = LedgerBatch()
    private var failing = false

    /// - Parameter warn: told, once per failing stretch, when a write fails.
    public init(ledger: Ledger, warn: @escaping (String) -> Void = { _ in }) {
        self.ledger = ledger
        self.warn = warn
    }

    /// The run's id in the ledger, once it started.
    public var runId: Int64? { handle?.runId }

    public func runStarted(_ run: RunDescription) throws {
        folder = run.folder
        _ = try? ledger.markInterrupted()
        handle = try ledger.startRun(run)
    }

    public func record(_ event: ExperimentEvent) {
        let now = Date()
        switch event {
        case let .stageStarted(point, stage, type, reused):
            pending.stages.append(.init(point: point, position: stage, type: type, status: reused ? .reused : .running,
                                        reused: reused, startedAt: now, endedAt: reused ? now : nil, seconds: reused ? 0 : nil))
            if !reused { pending.clearMetrics(point: point, stage: stage) }
        case let .stageFinished(point, stage, type, seconds):
            pending.stages.append(.init(point: point, position: stage, type: type, status: .finished, endedAt: now, seconds: seconds))
        case let .resumed(point, stage, _, _, _):
            replaceMetricsFromFile(point: point, stage: stage)
        case .checkpointSaved:
            flush()
        default:
            break
        }
        if let record = event.metricsRecord, let line = MetricLine(record) { pending.add(line, at: now) }
    }

    public func stageEnded(_ outcome: StageOutcome) {
        pending.models[outcome.point] = outcome.models
        flush()
    }

    public func runEnded(_ results: ExperimentResults) {
        for point in results.points { pending.models[point.id] = point.models }
        pending.end = (.finished, Date(), nil)
        flush(last: true)
    }

    public func runFailed(_ error: Error) {
        pending.end = (.failed, Date(), String(describing: error))
        flush(last: true)
    }

    /// A stage continuing from a checkpoint: `metrics.jsonl` was cut back to that checkpoint,
    /// so its lines for the stage are the stage's metrics so far.
    private func replaceMetricsFromFile(point: String, stage: Int) {
        pending.clearMetrics(point: point, stage: stage)
        let file = (folder as NSString).appendingPathComponent("metrics.jsonl")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            guard let metric = MetricLine(json: line), metric.point == point, metric.stage == stage else { continue }
            pending.add(metric, at: nil)
        }
    }

    /// Writes what is pending; on failure keeps it for the next boundary.
    private func flush(last: Bool = false) {
        guard let handle else { return }
        do {
            try ledger.apply(pending, to: handle)
            pending = LedgerBatch()
            failing = false
        } catch {
            if last {
                warn("\(error). The ledger lacks this run's last rows; `bertslim runs import \(folder) --replace` adds them from the run folder")
            } else if !failing {
                warn("\(error). The rows are kept and written at the next stage boundary")
            }
            failing = true
        }
    }
}

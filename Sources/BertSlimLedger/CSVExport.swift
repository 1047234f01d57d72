import Foundation

/// The ledger's tables as CSV (RFC 4180: a header row, fields with commas, quotes or line
/// breaks quoted, `\r\n` line ends), as `bertslim runs export --csv` writes them.
public enum CSVExport {
    /// One row per model: its run, point and origin, size, each split's accuracy and F1, each
    /// batch size's latency, and whether it is Pareto-optimal in `comparison`. A model sweep
    /// points share has their keys in `point`, space-separated, and the first one's label.
    public static func models(_ comparison: ModelComparison) -> String {
        let entries = comparison.entries
        let splits = Set(entries.flatMap(\.evaluations.keys)).sorted()
        let batches = Set(entries.flatMap(\.latency.keys)).sorted()
        var header = ["run_id", "recipe", "task", "point", "point_label", "model_id", "origin", "parameters", "file_bytes", "threads"]
        header += splits.flatMap { ["\($0)_accuracy", "\($0)_f1", "\($0)_count"] }
        header += batches.map { "latency_ms_b\($0)" } + ["pareto_optimal"]
        var rows = [header]
        for entry in entries {
            var row = [String(entry.runId), entry.recipeName, entry.task, ([entry.point] + entry.alsoIn).map(\.key).joined(separator: " "), entry.point.label,
                       entry.model.id.map(String.init) ?? "", entry.model.origin, String(entry.model.parameters),
                       String(entry.model.fileBytes), entry.model.threads.map(String.init) ?? ""]
            for split in splits {
                let evaluation = entry.evaluations[split]
                row += [evaluation.map { number($0.accuracy) } ?? "", evaluation.map { number($0.f1) } ?? "", evaluation.map { String($0.count) } ?? ""]
            }
            row += batches.map { entry.latency[$0].map { number($0.ms) } ?? "" }
            row.append(comparison.isCandidate(entry) ? String(comparison.isParetoOptimal(entry)) : "")
            rows.append(row)
        }
        return render(rows)
    }

    /// One row per run.
    public static func runs(_ summaries: [RunSummary]) -> String {
        var rows = [["run_id", "recipe", "task", "status", "started_at", "ended_at", "folder", "recipe_hash", "seed", "train_file",
                     "dev_file", "test_file", "host", "cpu_model", "isa", "kernels", "threads", "version", "source", "points", "models", "error"]]
        for summary in summaries {
            let run = summary.run
            rows.append([run.id.map(String.init) ?? "", run.recipeName, run.task, run.status.rawValue, timestamp(run.startedAt),
                         run.endedAt.map(timestamp) ?? "", run.folder, run.recipeHash, run.seed, run.trainFile, run.devFile ?? "",
                         run.testFile ?? "", run.host ?? "", run.cpuModel ?? "", run.isa ?? "", run.kernels ?? "",
                         run.threads.map(String.init) ?? "", run.version, run.source, String(summary.points), String(summary.models), run.error ?? ""])
        }
        return render(rows)
    }

    /// One row per metric value of run `runId` (`points` maps point row ids to their keys).
    public static func metrics(_ metrics: [MetricRow], runId: Int64, points: [Int64: String]) -> String {
        var rows = [["run_id", "point", "stage", "event", "epoch", "step", "split", "name", "value", "recorded_at"]]
        for metric in metrics {
            rows.append([String(runId), points[metric.pointId] ?? String(metric.pointId), metric.stage.map(String.init) ?? "", metric.event,
                         metric.epoch.map(String.init) ?? "", metric.step.map(String.init) ?? "", metric.split ?? "", metric.name,
                         number(metric.value), metric.recordedAt.map(timestamp) ?? ""])
        }
        return render(rows)
    }

    static func render(_ rows: [[String]]) -> String {
        rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Shortest text that reads back as the same double.
    static func number(_ value: Double) -> String { "\(value)" }

    /// ISO 8601 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

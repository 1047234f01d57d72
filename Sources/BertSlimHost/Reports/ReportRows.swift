import Foundation

/// One row of the report table: a model version of a sweep point, with what was measured.
struct ReportRow {
    var point: String
    var label: String
    var model: ModelResult

    static func rows(_ results: ExperimentResults) -> [ReportRow] {
        results.points.flatMap { point in point.models.map { ReportRow(point: point.id, label: point.label, model: $0) } }
    }

    /// The cells, formatted: point, model, split, accuracy, F1, parameters, size, latency 1, latency 8.
    var cells: [String] {
        let headline = model.headline
        func latency(_ size: String) -> String { model.latencyMs[size].map { String(format: "%.2f", $0) } ?? "–" }
        return [point == "p0" && label == "default" ? "–" : "\(point) (\(label))",
                model.origin + (model.summary.map { " (\($0))" } ?? ""),
                headline?.split ?? "–",
                headline.map { String(format: "%.4f", $0.metrics.accuracy) } ?? "–",
                headline.map { String(format: "%.4f", $0.metrics.f1) } ?? "–",
                formatCount(model.parameters), model.fileBytes > 0 ? formatBytes(model.fileBytes) : "–", latency("1"), latency("8"),
                model.threads.map(String.init) ?? "–"]
    }

    static let headers = ["point", "model", "split", "accuracy", "F1", "parameters", "file size", "latency b=1 (ms)",
                          "latency b=8 (ms)", "threads"]
}

/// A count for reports: `22.71 M`, `384.0 k`, `12`.
public func formatCount(_ n: Int) -> String {
    n >= 1_000_000 ? String(format: "%.2f M", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1f k", Double(n) / 1e3) : "\(n)"
}

/// A size for reports: `86.7 MiB`, `12.0 KiB`, `512 B`.
public func formatBytes(_ n: Int) -> String {
    n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / 1048576) : n >= 1024 ? String(format: "%.1f KiB", Double(n) / 1024) : "\(n) B"
}

/// `report.md`: the comparison table in Markdown.
public struct MarkdownReport {
    public let results: ExperimentResults
    public init(results: ExperimentResults) { self.results = results }

    public func render() -> String {
        var lines = ["# \(results.recipe)", "", "Seed \(results.seed). Accuracy and F1 on the test split when evaluated, else dev.", "",
                     "| " + ReportRow.headers.joined(separator: " | ") + " |",
                     "|" + String(repeating: "---|", count: ReportRow.headers.count)]
        for row in ReportRow.rows(results) { lines.append("| " + row.cells.joined(separator: " | ") + " |") }
        lines += pruningLines()
        let exports = results.points.flatMap(\.exports)
        if !exports.isEmpty { lines += ["", "Exported: " + exports.map { "`\($0)`" }.joined(separator: ", ")] }
        return lines.joined(separator: "\n") + "\n"
    }
}

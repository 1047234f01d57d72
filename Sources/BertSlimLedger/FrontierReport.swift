import BertSlimHost
import Foundation

/// `bertslim runs report`: one self-contained HTML page (inline SVG and CSS, no scripts, no
/// network) charting accuracy against latency for every model of every run on a task, the
/// marker's area standing for the file size, its colour for the run; Pareto-optimal models
/// (``ModelComparison``) are ringed and the accuracy–latency front is drawn as a dashed line.
/// Hovering a marker shows its run, point, origin and numbers; a table below lists every
/// model, drawn or not.
public struct FrontierReport {
    public let comparison: ModelComparison
    public let task: String

    /// A report of `comparison`'s models on `task`.
    public init(_ comparison: ModelComparison, task: String) {
        self.comparison = comparison
        self.task = task
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
    /// Runs the legend names; more would run past the chart's foot (the table lists them all).
    static let legendRuns = 14
    let width = 900.0, height = 520.0
    let plot = (left: 70.0, top: 24.0, right: 660.0, bottom: 470.0)

    /// The page.
    public func render() -> String {
        let drawn = comparison.entries.filter(comparison.isCandidate)
        let runs = Self.runs(of: comparison.entries)
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(task)) — BertSlim frontier</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222;max-width:1100px}
        table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
        th{background:#f2f2f2}td.l{text-align:left}tr.front td{background:#fff8e1}
        svg text{font-size:12px;fill:#333}g.model:hover circle.dot{stroke:#000;stroke-width:3}
        </style></head><body>
        <h1>Task \(escape(task)): accuracy against latency</h1>
        <p>\(comparison.entries.count) models from \(runs.count) runs; accuracy on the \(escape(comparison.split)) split, median latency at batch \(comparison.batchSize).
        Marker area: file size. Ringed: Pareto-optimal (no other model is at least as accurate, as fast and as small, and better in one).
        Hover a marker for its origin.</p>

        """
        html += drawn.isEmpty ? "<p><strong>No model has both an accuracy on \(escape(comparison.split)) and a latency at batch \(comparison.batchSize)"
            + " (add evaluate and benchmark stages).</strong></p>\n" : chart(drawn, runs: Self.runs(of: drawn))
        html += table()
        return html + "</body></html>\n"
    }

    /// The runs of `entries`, each once, in order.
    static func runs(of entries: [ModelEntry]) -> [Int64] {
        var runs: [Int64] = []
        for entry in entries where !runs.contains(entry.runId) { runs.append(entry.runId) }
        return runs
    }

    private func chart(_ drawn: [ModelEntry], runs: [Int64]) -> String {
        let latencies = drawn.compactMap(comparison.latency), accuracies = drawn.compactMap(comparison.accuracy)
        let (low, high) = (latencies.min() ?? 1, latencies.max() ?? 1)
        let logarithmic = low > 0 && high / low > 5
        let x = logarithmic ? Axis(low: log10(low) - 0.08, high: log10(high) + 0.08) : Axis(low: max(0, low - 0.1 * (high - low + 1)), high: high + 0.1 * (high - low + 1))
        let y = Axis(low: max(0, (accuracies.min() ?? 0) - 0.02), high: min(1, (accuracies.max() ?? 1) + 0.02))
        func px(_ ms: Double) -> Double { plot.left + x.fraction(logarithmic ? log10(ms) : ms) * (plot.right - plot.left) }
        func py(_ accuracy: Double) -> Double { plot.bottom - y.fraction(accuracy) * (plot.bottom - plot.top) }
        let maxBytes = Double(drawn.map(\.model.fileBytes).max() ?? 1)
        func radius(_ bytes: Int) -> Double { 4 + 14 * (Double(max(bytes, 0)) / max(maxBytes, 1)).squareRoot() }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        for value in y.ticks() {
            svg += "<line x1=\"\(f(plot.left))\" y1=\"\(f(py(value)))\" x2=\"\(f(plot.right))\" y2=\"\(f(py(value)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(plot.left - 6))\" y=\"\(f(py(value) + 4))\" text-anchor=\"end\">\(y.label(value))</text>"
        }
        for value in logarithmic ? Axis.logTicks(low: low, high: high) : x.ticks() {
            svg += "<line x1=\"\(f(px(value)))\" y1=\"\(f(plot.top))\" x2=\"\(f(px(value)))\" y2=\"\(f(plot.bottom))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(px(value)))\" y=\"\(f(plot.bottom + 16))\" text-anchor=\"middle\">\(logarithmic ? tick(value) : x.label(value))</text>"
        }
        svg += "<rect x=\"\(f(plot.left))\" y=\"\(f(plot.top))\" width=\"\(f(plot.right - plot.left))\" height=\"\(f(plot.bottom - plot.top))\" fill=\"none\" stroke=\"#333\"/>"
        svg += "<text x=\"\(f((plot.left + plot.right) / 2))\" y=\"\(f(height - 14))\" text-anchor=\"middle\">median latency at batch \(comparison.batchSize), ms\(logarithmic ? " (log scale)" : "")</text>"
        svg += "<text x=\"16\" y=\"\(f((plot.top + plot.bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f((plot.top + plot.bottom) / 2)))\">accuracy (\(escape(comparison.split)))</text>"
        // The accuracy–latency front: fastest first, each point more accurate than all faster ones.
        var front: [(Double, Double)] = [], best = -Double.infinity
        for (ms, accuracy) in zip(drawn.compactMap(comparison.latency), drawn.compactMap(comparison.accuracy)).sorted(by: { ($0.0, -$0.1) < ($1.0, -$1.1) })
        where accuracy > best {
            front.append((ms, accuracy))
            best = accuracy
        }
        if front.count > 1 {
            var path = "M\(f(px(front[0].0))) \(f(py(front[0].1)))"
            for (ms, accuracy) in front.dropFirst() { path += "H\(f(px(ms)))V\(f(py(accuracy)))" }
            svg += "<path class=\"front\" d=\"\(path)\" fill=\"none\" stroke=\"#888\" stroke-dasharray=\"5 4\"/>"
        }
        for entry in drawn.sorted(by: { $0.model.fileBytes > $1.model.fileBytes }) {  // small markers on top
            guard let ms = comparison.latency(entry), let accuracy = comparison.accuracy(entry) else { continue }
            let color = Self.palette[(runs.firstIndex(of: entry.runId) ?? 0) % Self.palette.count]
            let (cx, cy, r) = (px(ms), py(accuracy), radius(entry.model.fileBytes))
            let pareto = comparison.isParetoOptimal(entry)
            svg += "<g class=\"model\(pareto ? " pareto" : "")\" data-model=\"\(entry.model.id ?? 0)\"><title>\(escape(hover(entry)))</title>"
            if pareto { svg += "<circle cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(r + 3))\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\"/>" }
            svg += "<circle class=\"dot\" cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"\(f(r))\" fill=\"\(color)\" fill-opacity=\"0.7\" stroke=\"\(color)\"/></g>"
        }
        svg += legend(runs: runs, maxBytes: maxBytes, radius: radius)
        return "<figure style=\"margin:0\">" + svg + "</svg></figure>\n"
    }

    private func legend(runs: [Int64], maxBytes: Double, radius: (Int) -> Double) -> String {
        var svg = "", y = plot.top + 8
        let x = plot.right + 24
        for (i, run) in runs.prefix(Self.legendRuns).enumerated() {
            let name = comparison.entries.first { $0.runId == run }?.recipeName ?? ""
            svg += "<circle cx=\"\(f(x + 6))\" cy=\"\(f(y - 4))\" r=\"6\" fill=\"\(Self.palette[i % Self.palette.count])\" fill-opacity=\"0.7\"/>"
            svg += "<text x=\"\(f(x + 18))\" y=\"\(f(y))\">run \(run) \(escape(String(name.prefix(24))))</text>"
            y += 20
        }
        if runs.count > Self.legendRuns {
            svg += "<text x=\"\(f(x + 18))\" y=\"\(f(y))\">and \(runs.count - Self.legendRuns) more runs (table below)</text>"
            y += 20
        }
        y += 12
        svg += "<circle cx=\"\(f(x + 6))\" cy=\"\(f(y - 4))\" r=\"9\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\"/>"
        svg += "<text x=\"\(f(x + 22))\" y=\"\(f(y))\">Pareto-optimal</text>"
        y += 22
        svg += "<path d=\"M\(f(x)) \(f(y - 4))H\(f(x + 14))\" stroke=\"#888\" stroke-dasharray=\"5 4\"/><text x=\"\(f(x + 22))\" y=\"\(f(y))\">accuracy–latency front</text>"
        y += 26
        for bytes in [Int(maxBytes / 4), Int(maxBytes)] where bytes > 0 {
            let r = radius(bytes)
            svg += "<circle cx=\"\(f(x + 18))\" cy=\"\(f(y + r - 8))\" r=\"\(f(r))\" fill=\"#ccc\" stroke=\"#999\"/>"
            svg += "<text x=\"\(f(x + 42))\" y=\"\(f(y + r - 4))\">\(formatBytes(bytes))</text>"
            y += 2 * r + 10
        }
        return svg
    }

    private func hover(_ entry: ModelEntry) -> String {
        var parts = ["run \(entry.runId) \(entry.recipeName)" + (entry.point.label == "default" && entry.alsoIn.isEmpty ? "" : " \(entry.pointName)"),
                     "origin: \(entry.model.origin)"]
        if let accuracy = comparison.accuracy(entry) { parts.append(String(format: "accuracy %.4f (%@)", accuracy, comparison.split)) }
        if let ms = comparison.latency(entry) {
            parts.append(String(format: "%.2f ms at batch %d", ms, comparison.batchSize) + (entry.model.threads.map { ", \($0) threads" } ?? ""))
        }
        parts.append("\(formatBytes(entry.model.fileBytes)), \(formatCount(entry.model.parameters)) parameters")
        if comparison.isParetoOptimal(entry) { parts.append("Pareto-optimal") }
        return parts.joined(separator: "\n")
    }

    private func table() -> String {
        var html = "<table><tr><th>Pareto</th><th>run</th><th>recipe</th><th>point</th><th>model</th><th>accuracy</th><th>F1</th>"
            + "<th>latency (ms)</th><th>threads</th><th>file size</th><th>parameters</th></tr>\n"
        for entry in comparison.entries {
            let pareto = comparison.isParetoOptimal(entry)
            let evaluation = entry.evaluations[comparison.split]
            html += "<tr\(pareto ? " class=\"front\"" : "")><td>\(pareto ? "★" : "")</td><td>\(entry.runId)</td><td class=\"l\">\(escape(entry.recipeName))</td>"
                + "<td class=\"l\">\(escape(entry.pointName))</td>"
                + "<td class=\"l\">\(escape(entry.model.origin))</td>"
                + "<td>\(evaluation.map { String(format: "%.4f", $0.accuracy) } ?? "–")</td><td>\(evaluation.map { String(format: "%.4f", $0.f1) } ?? "–")</td>"
                + "<td>\(comparison.latency(entry).map { String(format: "%.2f", $0) } ?? "–")</td><td>\(entry.model.threads.map(String.init) ?? "–")</td>"
                + "<td>\(formatBytes(entry.model.fileBytes))</td><td>\(formatCount(entry.model.parameters))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
    private func tick(_ v: Double) -> String { v >= 100 ? String(format: "%.0f", v) : v >= 10 ? String(format: "%.0f", v) : v >= 1 ? String(format: "%.1f", v) : String(format: "%.2f", v) }
}

/// A chart axis from `low` to `high` (in the plotted unit: milliseconds, or their log10).
struct Axis {
    var low: Double
    var high: Double

    init(low: Double, high: Double) {
        (self.low, self.high) = high > low ? (low, high) : (low - 0.5, high + 0.5)
    }

    func fraction(_ value: Double) -> Double { (value - low) / (high - low) }

    /// The distance between ticks: 1, 2 or 5 times a power of ten, giving four to ten ticks.
    var step: Double {
        let rough = (high - low) / 5, magnitude = pow(10, floor(log10(rough)))
        return [1.0, 2, 5].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    }

    /// Round values (multiples of ``step``) from `low` to `high`.
    func ticks() -> [Double] {
        let first = (low / step).rounded(.up), last = (high / step + 1e-9).rounded(.down)
        return first <= last ? (Int(first)...Int(last)).map { Double($0) * step } : []
    }

    /// `value` with as many decimals as ``step`` needs.
    func label(_ value: Double) -> String { String(format: "%.\(max(0, Int(-floor(log10(step)))))f", value) }

    /// 1-2-5 values between `low` and `high` milliseconds, for a log10 axis.
    static func logTicks(low: Double, high: Double) -> [Double] {
        var ticks: [Double] = []
        var decade = pow(10, floor(log10(low)))
        while decade <= high && ticks.count < 30 {
            for m in [1.0, 2, 5] where decade * m >= low * 0.85 && decade * m <= high * 1.15 { ticks.append(decade * m) }
            decade *= 10
        }
        return ticks
    }
}

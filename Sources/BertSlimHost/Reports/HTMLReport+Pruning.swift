import BertSlimSDK
import Foundation

/// The prune stages' part of `report.html`: accuracy against the fraction of heads removed
/// (right after each step and after its fine-tuning) with one curve per run — so a sweep over
/// pruners compares them on one chart, each named by its point and pruner — a layer × head heat
/// map of each run's first importance scores, and the steps as a table.
extension HTMLReport {
    /// A prune stage's history with the sweep point and origin it belongs to.
    struct PruningRun {
        var point: String
        var origin: String
        var history: PruningHistory
        /// `p1 sixteen-heads`: the point and the pruner, or the stage when the pruner is not recorded.
        var name: String { "\(point) \(history.pruner ?? origin.replacingOccurrences(of: "stages", with: ""))" }
    }

    var pruningRuns: [PruningRun] {
        results.points.flatMap { point in
            point.models.compactMap { model in model.pruning.map { PruningRun(point: point.id, origin: model.origin, history: $0) } }
        }
    }

    func pruningSection() -> String {
        let runs = pruningRuns
        guard !runs.isEmpty else { return "" }
        var html = "<h2>Pruning</h2>\n<div class=\"charts\">\n"
        html += figure("Accuracy (\(runs.compactMap(\.history.split).first ?? "–")) against the fraction of \(noun(runs)) removed: "
                       + "solid right after each step, dashed after the step's fine-tuning", pruningCurves(runs))
        for run in runs {
            guard let map = run.history.headImportance else { continue }
            html += figure("Head importance, \(run.name) (first scoring; ✕ removed by the stage)", heatMap(map, run: run))
        }
        html += "</div>\n"
        for run in runs { html += stepTable(run) }
        return html
    }

    /// What the runs removed: "attention heads", or "structure" when they differ.
    private func noun(_ runs: [PruningRun]) -> String {
        let nouns = Set(runs.map(\.history.structureNoun))
        return nouns.count == 1 ? nouns.first! : "structure"
    }

    /// One line per run for the accuracy right after pruning, and one (dashed) after fine-tuning.
    private func pruningCurves(_ runs: [PruningRun]) -> String {
        var series: [(name: String, points: [(Double, Double)], dashed: Bool)] = []
        for run in runs {
            // Step 0 of a weight or neuron pruner has no fraction: it is the unpruned model.
            let steps = run.history.steps.compactMap { s in (s.removedFraction ?? (s.step == 0 ? 0 : nil)).map { (s, $0) } }
            let pruned = steps.compactMap { s, x in s.pruned.map { (x, $0.accuracy) } }
            let tuned = steps.compactMap { s, x in (s.step == 0 ? s.pruned : s.finetuned).map { (x, $0.accuracy) } }
            let prefix = runs.count == 1 ? "" : run.name + " "
            if !pruned.isEmpty { series.append((prefix + "pruned", pruned, false)) }
            if tuned.count > 1 { series.append((prefix + "fine-tuned", tuned, true)) }
        }
        let all = series.flatMap(\.points)
        guard !all.isEmpty else { return empty("no step was evaluated (set evaluate: in the prune stage)") }
        let ys = all.map(\.1)
        var (svg, map) = axes(x: 0...1, y: max(0, ys.min()! - 0.03)...min(1, ys.max()! + 0.03),
                              xLabel: "fraction of \(noun(runs)) removed", yLabel: "accuracy")
        for (i, line) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let points = line.points.map { map($0.0, $0.1) }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"\(line.dashed ? " stroke-dasharray=\"5 3\"" : "")"
                + " points=\"\(points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\"/>"
            for ((x, y), (px, py)) in zip(line.points, points) {
                svg += "<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"3\" fill=\"\(color)\"><title>\(escape(line.name)): "
                    + String(format: "%.0f%% removed, accuracy %.4f", 100 * x, y) + "</title></circle>"
            }
        }
        return svg + legend(series.map(\.name)) + "</svg>"
    }

    /// Rows are layers, columns original heads; darker is more important. Heads gone before
    /// the first scoring are grey; heads the stage removed carry a cross.
    private func heatMap(_ scores: [[Double?]], run: PruningRun) -> String {
        let layers = scores.count, heads = scores.map(\.count).max() ?? 0
        guard layers > 0, heads > 0 else { return empty("no heads") }
        let values = scores.joined().compactMap { $0 }
        let low = values.min() ?? 0, high = values.max() ?? 1
        var removed = Set<[Int]>()
        for step in run.history.steps where step.step <= run.history.keptStep {
            for (group, list) in step.removed {
                let parts = group.split(separator: ".")
                guard parts.count > 2, let layer = Int(parts[2]) else { continue }
                for head in list { removed.insert([layer, head]) }
            }
        }
        let left = 56.0, top = 24.0, legendHeight = 34.0
        let cell = min((width - left - 16) / Double(heads), (height - top - legendHeight - 24) / Double(layers))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\" stroke=\"#ddd\"/>"
        for h in 0..<heads {
            svg += "<text x=\"\(f(left + (Double(h) + 0.5) * cell))\" y=\"\(f(top - 6))\" text-anchor=\"middle\">\(h)</text>"
        }
        for (l, row) in scores.enumerated() {
            let y = top + Double(l) * cell
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"end\">layer \(l)</text>"
            for (h, value) in row.enumerated() {
                let x = left + Double(h) * cell
                let t = value.map { high > low ? ($0 - low) / (high - low) : 1 }
                let label = value.map { String(format: "layer %d head %d: %.4f", l, h, $0) } ?? "layer \(l) head \(h): removed earlier"
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 1))\" height=\"\(f(cell - 1))\" fill=\"\(t.map(shade) ?? "#bbb")\">"
                    + "<title>\(escape(label))</title></rect>"
                if removed.contains([l, h]) {
                    let (a, b) = (cell * 0.3, cell * 0.7)
                    let stroke = (t ?? 0) > 0.6 ? "#fff" : "#b00"
                    svg += "<path d=\"M\(f(x + a)) \(f(y + a))L\(f(x + b)) \(f(y + b))M\(f(x + b)) \(f(y + a))L\(f(x + a)) \(f(y + b))\" stroke=\"\(stroke)\" stroke-width=\"1.5\"/>"
                }
            }
        }
        // colour bar
        let barY = top + Double(layers) * cell + 14, barWidth = min(200, Double(heads) * cell)
        for i in 0..<20 {
            svg += "<rect x=\"\(f(left + Double(i) * barWidth / 20))\" y=\"\(f(barY))\" width=\"\(f(barWidth / 20 + 0.5))\" height=\"10\" fill=\"\(shade(Double(i) / 19))\"/>"
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(barY + 24))\">\(tick(low))</text>"
        svg += "<text x=\"\(f(left + barWidth))\" y=\"\(f(barY + 24))\" text-anchor=\"end\">\(tick(high))</text>"
        svg += "<text x=\"\(f(left + barWidth + 10))\" y=\"\(f(barY + 9))\">importance</text>"
        return svg + "</svg>"
    }

    /// White (0) to dark blue (1).
    private func shade(_ t: Double) -> String {
        let c = max(0, min(1, t))
        let (r, g, b) = (255 - c * (255 - 8), 255 - c * (255 - 48), 255 - c * (255 - 107))
        return String(format: "#%02x%02x%02x", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
    }

    private func stepTable(_ run: PruningRun) -> String {
        let tuned = run.history.steps.contains { $0.finetuned != nil }
        var html = "<h3>\(escape(run.name))</h3>\n"
        if let reason = run.history.stopReason { html += "<p>Stopped early: \(escape(reason)).</p>\n" }
        let heads = run.history.structureNoun == PruningGranularity.heads.noun
        html += "<table><tr><th>step</th><th>target</th>\(heads ? "<th>heads</th>" : "")<th>\(run.history.structureNoun) removed</th>"
            + "<th>parameters</th><th>accuracy</th>\(tuned ? "<th>after fine-tuning</th>" : "")</tr>\n"
        for step in run.history.steps {
            let kept = step.step == run.history.keptStep ? " (kept)" : ""
            html += "<tr><td>\(step.step)\(kept)</td><td>" + String(format: "%.2f", step.target) + "</td>"
                + (heads ? "<td>\(step.heads.map(String.init) ?? "–")</td>" : "")
                + "<td>\(step.removedFraction.map { String(format: "%.1f%%", 100 * $0) } ?? "–")</td>"
                + "<td>\(formatCount(step.parameters))</td>"
                + "<td>\(step.pruned.map { String(format: "%.4f", $0.accuracy) } ?? "–")</td>"
                + (tuned ? "<td>\(step.finetuned.map { String(format: "%.4f", $0.accuracy) } ?? "–")</td>" : "") + "</tr>\n"
        }
        return html + "</table>\n"
    }
}

extension MarkdownReport {
    /// Each prune stage's steps as a table.
    func pruningLines() -> [String] {
        var lines: [String] = []
        for point in results.points {
            for model in point.models {
                guard let history = model.pruning else { continue }
                let tuned = history.steps.contains { $0.finetuned != nil }
                let heads = history.structureNoun == PruningGranularity.heads.noun
                lines += ["", "## \(point.id) \(model.origin): \(history.split.map { "\($0) accuracy" } ?? "pruning") per step", "",
                          "| step |\(heads ? " heads |" : "") \(history.structureNoun) removed | parameters | accuracy |" + (tuned ? " after fine-tuning |" : ""),
                          "|---|---|---|---|" + (heads ? "---|" : "") + (tuned ? "---|" : "")]
                for step in history.steps {
                    lines.append("| \(step.step)\(step.step == history.keptStep ? " (kept)" : "") |\(heads ? " \(step.heads.map(String.init) ?? "–") |" : "") "
                        + "\(step.removedFraction.map { String(format: "%.1f%%", 100 * $0) } ?? "–") | \(formatCount(step.parameters)) | "
                        + "\(step.pruned.map { String(format: "%.4f", $0.accuracy) } ?? "–") |"
                        + (tuned ? " \(step.finetuned.map { String(format: "%.4f", $0.accuracy) } ?? "–") |" : ""))
                }
                if let reason = history.stopReason { lines += ["", "Stopped early: \(reason)."] }
            }
        }
        return lines
    }
}

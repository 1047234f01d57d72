import Foundation

/// `report.html`: one self-contained page (inline SVG and CSS, no scripts, no network) with
/// the comparison table, accuracy against size and against latency, and training-loss curves.
public struct HTMLReport {
    public let results: ExperimentResults
    public init(results: ExperimentResults) { self.results = results }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    public func render() -> String {
        let rows = ReportRow.rows(results)
        var html = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(results.recipe)) — BertSlim report</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222;max-width:1100px}
        table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
        th{background:#f2f2f2}td:nth-child(-n+3){text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1.5em}
        figure{margin:0}figcaption{font-size:13px;color:#555;text-align:center;max-width:480px}svg text{font-size:11px;fill:#333}
        </style></head><body>
        <h1>\(escape(results.recipe))</h1>
        <p>Seed \(results.seed). Accuracy and F1 on the test split when the recipe evaluates it, else dev.</p>
        <table><tr>\(ReportRow.headers.map { "<th>\(escape($0))</th>" }.joined())</tr>

        """
        for row in rows { html += "<tr>" + row.cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        html += "</table>\n<div class=\"charts\">\n"
        let scored = rows.filter { $0.model.headline != nil }
        html += figure("Accuracy against file size (MiB)", scatter(scored.map { ($0, Double($0.model.fileBytes) / 1048576) }, x: "MiB"))
        let timed = scored.compactMap { row in row.model.latencyMs["1"].map { (row, $0) } }
        html += figure("Accuracy against latency at batch 1 (ms)", scatter(timed, x: "ms"))
        let curves = rows.filter { !$0.model.losses.isEmpty }
        html += figure("Training loss per step", lossCurves(curves))
        html += "</div>\n"
        html += pruningSection()
        let exports = results.points.flatMap(\.exports)
        if !exports.isEmpty { html += "<p>Exported: " + exports.map { "<code>\(escape($0))</code>" }.joined(separator: ", ") + "</p>\n" }
        return html + "</body></html>\n"
    }

    func figure(_ caption: String, _ svg: String) -> String {
        "<figure>\(svg)<figcaption>\(escape(caption))</figcaption></figure>\n"
    }

    let width = 480.0, height = 300.0, margin = 48.0

    /// Axes with ticks; returns the SVG prefix and a function mapping data to pixels.
    func axes(x: ClosedRange<Double>, y: ClosedRange<Double>, xLabel: String, yLabel: String) -> (String, (Double, Double) -> (Double, Double)) {
        let xr = x.upperBound - x.lowerBound == 0 ? (x.lowerBound - 1)...(x.upperBound + 1) : x
        let yr = y.upperBound - y.lowerBound == 0 ? (y.lowerBound - 0.05)...(y.upperBound + 0.05) : y
        let map = { (a: Double, b: Double) -> (Double, Double) in
            (margin + (a - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * (width - 1.5 * margin),
             height - margin - (b - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * (height - 1.5 * margin))
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\" stroke=\"#ddd\"/>"
        svg += "<line x1=\"\(margin)\" y1=\"\(height - margin)\" x2=\"\(width - margin / 2)\" y2=\"\(height - margin)\" stroke=\"#333\"/>"
        svg += "<line x1=\"\(margin)\" y1=\"\(margin / 2)\" x2=\"\(margin)\" y2=\"\(height - margin)\" stroke=\"#333\"/>"
        for i in 0...4 {
            let fx = xr.lowerBound + Double(i) / 4 * (xr.upperBound - xr.lowerBound)
            let fy = yr.lowerBound + Double(i) / 4 * (yr.upperBound - yr.lowerBound)
            let (px, _) = map(fx, yr.lowerBound), (_, py) = map(xr.lowerBound, fy)
            svg += "<text x=\"\(f(px))\" y=\"\(f(height - margin + 14))\" text-anchor=\"middle\">\(tick(fx))</text>"
            svg += "<text x=\"\(f(margin - 4))\" y=\"\(f(py + 4))\" text-anchor=\"end\">\(tick(fy))</text>"
            svg += "<line x1=\"\(f(margin))\" y1=\"\(f(py))\" x2=\"\(f(width - margin / 2))\" y2=\"\(f(py))\" stroke=\"#eee\"/>"
        }
        svg += "<text x=\"\(f(width / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        svg += "<text x=\"12\" y=\"\(f(height / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 12 \(f(height / 2)))\">\(escape(yLabel))</text>"
        return (svg, map)
    }

    private func scatter(_ points: [(ReportRow, Double)], x: String) -> String {
        guard !points.isEmpty else { return empty("nothing measured") }
        let accuracies = points.compactMap { $0.0.model.headline?.metrics.accuracy }
        guard !accuracies.isEmpty else { return empty("no accuracy measured") }
        let xs = points.map(\.1)
        var (svg, map) = axes(x: 0...(xs.max()! * 1.1), y: max(0, accuracies.min()! - 0.05)...min(1, accuracies.max()! + 0.05),
                              xLabel: x, yLabel: "accuracy")
        let series = Array(Set(points.map(\.0.point))).sorted()
        for (row, value) in points {
            guard let accuracy = row.model.headline?.metrics.accuracy else { continue }
            let (px, py) = map(value, accuracy)
            let color = Self.palette[(series.firstIndex(of: row.point) ?? 0) % Self.palette.count]
            svg += "<circle cx=\"\(f(px))\" cy=\"\(f(py))\" r=\"5\" fill=\"\(color)\"><title>\(escape(row.point)) \(escape(row.model.origin))</title></circle>"
            // labels on the right half grow leftwards so they stay inside the chart
            let anchor = px > width / 2 ? "end" : "start", dx: Double = px > width / 2 ? -7 : 7
            svg += "<text x=\"\(f(px + dx))\" y=\"\(f(py - 6))\" text-anchor=\"\(anchor)\">\(escape(shortOrigin(row.model.origin)))</text>"
        }
        return svg + legend(series) + "</svg>"
    }

    private func lossCurves(_ rows: [ReportRow]) -> String {
        guard !rows.isEmpty else { return empty("no training stages") }
        let all = rows.flatMap(\.model.losses).filter(\.isFinite)
        let longest = rows.map(\.model.losses.count).max() ?? 1
        var (svg, map) = axes(x: 1...Double(max(longest, 2)), y: 0...Double(all.max() ?? 1) * 1.05, xLabel: "step", yLabel: "loss")
        let names = rows.map { "\($0.point) \(shortOrigin($0.model.origin))" }
        for (i, row) in rows.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            let points = row.model.losses.enumerated().filter { $0.element.isFinite }.map { step, loss -> String in
                let (px, py) = map(Double(step + 1), Double(loss))
                return "\(f(px)),\(f(py))"
            }
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(points.joined(separator: " "))\"/>"
        }
        return svg + legend(names) + "</svg>"
    }

    func legend(_ names: [String]) -> String {
        guard names.count > 1 || names.first != "p0" else { return "" }
        return names.enumerated().map { i, name in
            let y = margin / 2 + Double(i) * 14
            return "<rect x=\"\(f(width - 150))\" y=\"\(f(y - 8))\" width=\"10\" height=\"10\" fill=\"\(Self.palette[i % Self.palette.count])\"/>"
                + "<text x=\"\(f(width - 136))\" y=\"\(f(y + 1))\">\(escape(name))</text>"
        }.joined()
    }

    func empty(_ text: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\"><rect width=\"100%\" height=\"100%\" fill=\"#fafafa\" stroke=\"#ddd\"/><text x=\"\(f(width / 2))\" y=\"\(f(height / 2))\" text-anchor=\"middle\">\(escape(text))</text></svg>"
    }

    func shortOrigin(_ origin: String) -> String { origin.replacingOccurrences(of: "stages", with: "") }
    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    func tick(_ v: Double) -> String { abs(v) >= 100 ? String(format: "%.0f", v) : abs(v) >= 1 ? String(format: "%.2f", v) : String(format: "%.3f", v) }
}

/// Text for HTML: `&`, `<`, `>` and `"` escaped.
public func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

import BertSlimHost
import BertSlimLedger
import Foundation

/// How `bertslim runs` prints runs and models.
enum RunsFormat {
    /// `2026-12-02 15:09` in the local time zone.
    static func minute(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }

    /// A folder relative to the working directory when it is inside it.
    static func folder(_ path: String) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(here) ? String(path.dropFirst(here.count)) : path
    }

    /// `12m 3s`, `1h 02m`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%dh %02dm", s / 3600, s / 60 % 60) : s >= 60 ? "\(s / 60)m \(s % 60)s" : String(format: "%.1fs", seconds)
    }

    /// The comparison table: one row per model, Pareto-optimal ones starred.
    static func modelTable(_ comparison: ModelComparison, showRun: Bool = true) -> String {
        var header = ["", "run", "recipe", "point", "model", "\(comparison.split) acc", "F1", "parameters", "file size",
                      "latency b=\(comparison.batchSize) (ms)", "threads"]
        if !showRun { header.removeSubrange(1...2) }
        var rows = [header]
        for entry in comparison.entries {
            let evaluation = entry.evaluations[comparison.split]
            let accuracy: String = evaluation.map { String(format: "%.4f", $0.accuracy) } ?? "–"
            let f1: String = evaluation.map { String(format: "%.4f", $0.f1) } ?? "–"
            let latency: String = comparison.latency(entry).map { String(format: "%.2f", $0) } ?? "–"
            let threads: String = entry.model.threads.map { String($0) } ?? "–"
            // A sweep over a whole block names its points by that block: the table gives the key
            // alone then, and `runs show` the block.
            let point = entry.pointName.count > 48 ? "\(entry.point.key) …" : entry.pointName
            var row: [String] = [comparison.isParetoOptimal(entry) ? "*" : "", String(entry.runId), entry.recipeName, point, entry.model.origin,
                                 accuracy, f1, formatCount(entry.model.parameters), formatBytes(entry.model.fileBytes), latency, threads]
            if !showRun { row.removeSubrange(1...2) }
            rows.append(row)
        }
        let candidates = comparison.entries.filter(comparison.isCandidate).count
        var text = table(rows)
        text += "\n* Pareto-optimal on \(comparison.split) accuracy, latency at batch \(comparison.batchSize) and file size: "
            + "\(comparison.paretoOptimal.count) of \(candidates) models with both numbers"
        if candidates < comparison.entries.count {
            text += " (\(comparison.entries.count - candidates) lack an accuracy on \(comparison.split) or a latency at batch \(comparison.batchSize))"
        }
        return text
    }

    /// What `runs show` prints.
    static func describe(_ detail: RunDetail, recipe: Bool) -> String {
        let run = detail.run
        var lines = ["run \(run.id ?? 0): \(run.recipeName) (\(run.status.rawValue)\(run.source == "import" ? ", imported" : ""))"]
        func field(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            lines.append("  " + name.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + value)
        }
        field("folder", run.folder)
        field("task", run.task)
        field("data", ["train \(run.trainFile)", run.devFile.map { "dev \($0)" }, run.testFile.map { "test \($0)" }].compactMap { $0 }.joined(separator: ", "))
        field("recipe", "hash \(run.recipeHash), seed \(run.seed)")
        field("started", minute(run.startedAt) + (run.endedAt.map { ", ended \(minute($0)) (\(duration($0.timeIntervalSince(run.startedAt))))" } ?? ""))
        field("error", run.error)
        field("host", [run.host, run.pid.map { "pid \($0)" }].compactMap { $0 }.joined(separator: ", "))
        field("command", run.command)
        field("cpu", run.cpuModel)
        field("cpu flags", run.cpuFlags.map { flags in
            flags.split(separator: " ").filter { $0.hasPrefix("avx") || $0.hasPrefix("amx") || $0 == "fma" || $0.hasPrefix("sse4") }
                .joined(separator: " ")
        })
        field("kernels", run.kernels)
        field("threads", run.threads.map(String.init))
        field("bertslim", run.version)
        field("plugins", detail.plugins.map { "\($0.pluginId) \($0.version)" }.joined(separator: ", "))
        for point in detail.points {
            lines += ["", "point \(point.point.key) (\(point.point.label))"]
            for stage in point.stages {
                lines.append("  stage \(stage.position) \(stage.type): \(stage.status.rawValue)" + (stage.seconds.map { ", \(duration($0))" } ?? ""))
            }
            if !point.metricCounts.isEmpty {
                lines.append("  metrics: " + point.metricCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            }
            if !point.models.isEmpty {
                let split = point.models.contains { $0.evaluations["test"] != nil } ? "test" : "dev"
                lines += ["", modelTable(ModelComparison(point.models, split: split, batchSize: 1), showRun: false)
                    .split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")]
            }
        }
        if recipe { lines += ["", "recipe:", run.recipeYaml] }
        return lines.joined(separator: "\n")
    }
}

import ArgumentParser
import BertSlimHost
import BertSlimLedger
import Foundation

extension RunsCommand {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every model of some runs, or of every run on a task, in one table with the Pareto-optimal ones marked.",
            discussion: "A model is Pareto-optimal when no other model is at least as accurate (--split), as fast (--batch) "
                + "and as small on disk, and better in one of them.")
        @Argument(help: "Runs: ids or folders.") var runs: [String] = []
        @Option(help: "Every run on this task instead.") var task: String?
        @OptionGroup var comparison: ComparisonOptions
        @OptionGroup var ledger: LedgerOptions

        func validate() throws {
            guard runs.isEmpty != (task == nil) else { throw ValidationError("give runs or --task (one of them)") }
        }

        func run() throws {
            let opened = try ledger.open()
            let entries = try task.map(opened.models(task:)) ?? opened.models(runs: runs.map { try opened.run($0).id ?? 0 })
            guard !entries.isEmpty else { throw CommandError("\(opened.path): no models \(task.map { "on task \($0)" } ?? "in those runs")") }
            print(RunsFormat.modelTable(ModelComparison(entries, split: comparison.split, batchSize: comparison.batch)))
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A self-contained HTML chart of accuracy against latency for every model on a task (size as the marker).",
            discussion: "Hover a marker for its run, point and origin; Pareto-optimal models are ringed, and a table lists every model.")
        @Option(help: "The task.") var task: String
        @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The HTML file to write.", valueName: "file")) var output = "frontier.html"
        @OptionGroup var comparison: ComparisonOptions
        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let opened = try ledger.open()
            let entries = try opened.models(task: task)
            guard !entries.isEmpty else { throw CommandError("\(opened.path): no models on task \(task)") }
            let compared = ModelComparison(entries, split: comparison.split, batchSize: comparison.batch)
            do {
                try Data(FrontierReport(compared, task: task).render().utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CommandError("\(output): cannot write: \(error.localizedDescription)")
            }
            let drawn = compared.entries.filter(compared.isCandidate).count
            print("wrote \(output): \(drawn) of \(compared.entries.count) models drawn, \(compared.paretoOptimal.count) Pareto-optimal")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The ledger's models, runs or metrics as CSV.")
        @Flag(help: "Write CSV (the one format so far).") var csv = false
        @Option(help: ArgumentHelp("What to export: models (one row per model, with each split's accuracy and each batch size's "
                                   + "latency), runs, or metrics (one row per reported number; needs --run).", valueName: "models|runs|metrics"))
        var table: Table = .models
        @Option(help: "Only models or runs on this task.") var task: String?
        @Option(name: .customLong("run"), help: "Only this run (id or folder).") var only: String?
        @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The file to write (default: standard output).", valueName: "file"))
        var output: String?
        @OptionGroup var comparison: ComparisonOptions
        @OptionGroup var ledger: LedgerOptions

        enum Table: String, ExpressibleByArgument { case models, runs, metrics }

        func validate() throws {
            guard csv else { throw ValidationError("choose a format: --csv") }
            if table == .metrics && only == nil { throw ValidationError("--table metrics needs --run") }
        }

        func run() throws {
            let opened = try ledger.open()
            let runId = try only.map { try opened.run($0).id ?? 0 }
            let text: String
            switch table {
            case .models:
                let entries = try runId.map { try opened.models(runs: [$0]) } ?? (task.map(opened.models(task:)) ?? opened.models(runs: opened.runs().compactMap(\.run.id)))
                text = CSVExport.models(ModelComparison(entries.filter { task == nil || $0.task == task }, split: comparison.split, batchSize: comparison.batch))
            case .runs:
                text = CSVExport.runs(try opened.runs(RunFilter(task: task)).filter { runId == nil || $0.run.id == runId }.reversed())
            case .metrics:
                let detail = try opened.detail(ofRun: runId ?? 0)
                let points = Dictionary(uniqueKeysWithValues: detail.points.map { ($0.point.id ?? 0, $0.point.key) })
                text = CSVExport.metrics(try opened.metrics(ofRun: runId ?? 0), runId: runId ?? 0, points: points)
            }
            guard let output else { return FileHandle.standardOutput.write(Data(text.utf8)) }
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw CommandError("\(output): cannot write: \(error.localizedDescription)")
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add run folders to the ledger: DIR itself when it is a run folder, else every run folder in it.",
            discussion: "A folder gives its recipe, points, models, evaluations, latencies, stages and metrics; host, CPU flags and "
                + "plugins are not kept in run folders and stay empty. A folder without results.json is imported as interrupted.")
        @Argument(help: "A run folder, or a folder of run folders (e.g. runs).") var directory: String
        @Flag(help: "Import folders the ledger already has again, replacing their rows.") var replace = false
        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let opened = try ledger.open(create: true)
            for outcome in try opened.importRuns(from: directory, replace: replace) {
                switch outcome {
                case let .imported(folder, id): print("imported run \(id): \(RunsFormat.folder(folder))")
                case let .skipped(folder, reason): print("skipped \(RunsFormat.folder(folder)): \(reason)")
                }
            }
        }
    }
}

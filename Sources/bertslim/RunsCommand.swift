import ArgumentParser
import BertSlimHost
import BertSlimLedger
import Foundation

/// `bertslim runs …`: the run ledger, every run, model and measurement in one SQLite file.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, show, compare, chart and export the runs in the run ledger.",
        discussion: """
            `bertslim run` records every run into the ledger (--ledger PATH, else $BERTSLIM_LEDGER, else \
            runs/ledger.sqlite; --no-ledger to skip it): the resolved recipe and its hash, start and end, status, \
            host, CPU, kernels and threads, BertSlim and plugin versions, every sweep point and stage, every model \
            with its size, accuracy and F1 per split and latency per batch size, and every reported number over time. \
            `runs import DIR` adds run folders made before (or with --no-ledger).
            """,
        subcommands: [List.self, Show.self, Compare.self, Report.self, Export.self, Import.self]
    )
}

/// Where the ledger is and how long to wait for it.
struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The run ledger (default: $BERTSLIM_LEDGER, else runs/ledger.sqlite).", valueName: "path"))
    var ledger: String?

    @Option(name: .customLong("ledger-wait"), help: ArgumentHelp("Seconds to wait while another process holds the ledger's lock.",
                                                                 valueName: "seconds"))
    var ledgerWait: Double = 10

    /// The ledger's path.
    var path: String { ledger ?? ProcessInfo.processInfo.environment["BERTSLIM_LEDGER"].flatMap { $0.isEmpty ? nil : $0 } ?? "runs/ledger.sqlite" }

    func validate() throws {
        guard ledgerWait.isFinite, ledgerWait >= 0, ledgerWait <= 86_400 else {
            throw ValidationError("--ledger-wait must be between 0 and 86400 seconds")
        }
        if let ledger, ledger.isEmpty { throw ValidationError("--ledger needs a path") }
    }

    /// Opens the ledger; `create` makes a missing file (commands that only read do not).
    func open(create: Bool = false) throws -> Ledger {
        try Ledger(path: path, options: .init(wait: ledgerWait, create: create))
    }
}

/// `--split` and `--batch`: which accuracy and which latency models are compared on.
struct ComparisonOptions: ParsableArguments {
    @Option(help: "The split whose accuracy counts.") var split = "test"
    @Option(help: "The batch size whose latency counts.") var batch = 1

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }
}

extension RunsCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The runs in the ledger, newest first.")
        @Option(help: "Only runs on this task (a recipe's data.task, else its training file's folder name).") var task: String?
        @Option(help: ArgumentHelp("Only runs whose training, dev or test file is this path or ends with it.", valueName: "file"))
        var data: String?
        @Option(help: ArgumentHelp("Only runs with this status.", valueName: "running|finished|failed|interrupted")) var status: RunStatus?
        @Option(help: ArgumentHelp("Only runs started since: a date (2026-12-01), a date and time (2026-12-01T14:30), "
                                   + "or an age (90m, 12h, 7d).", valueName: "when"))
        var since: String?
        @OptionGroup var ledger: LedgerOptions

        func validate() throws {
            if let since, SinceParser.date(since) == nil {
                throw ValidationError("--since \(since): expected a date (2026-12-01), a date and time (2026-12-01T14:30) or an age (90m, 12h, 7d)")
            }
        }

        func run() throws {
            let opened = try ledger.open()
            try opened.markInterrupted()
            let runs = try opened.runs(RunFilter(task: task, dataFile: data, status: status, since: since.flatMap { SinceParser.date($0) }))
            guard !runs.isEmpty else { return print("no runs in \(opened.path) match") }
            var rows = [["id", "started", "status", "task", "recipe", "points", "models", "best accuracy", "folder"]]
            for summary in runs {
                let run = summary.run
                let id: String = run.id.map { String($0) } ?? ""
                let best: String = summary.bestAccuracy.map { String(format: "%.4f ", $0.accuracy) + $0.split } ?? "–"
                let cells: [String] = [id, RunsFormat.minute(run.startedAt), run.status.rawValue, run.task, run.recipeName,
                                       String(summary.points), String(summary.models), best, RunsFormat.folder(run.folder)]
                rows.append(cells)
            }
            print(table(rows))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything the ledger holds about one run.")
        @Argument(help: ArgumentHelp("The run: its id, or its folder (the newest run there).", valueName: "run")) var reference: String
        @Flag(help: "Also print the resolved recipe.") var recipe = false
        @OptionGroup var ledger: LedgerOptions

        func run() throws {
            let opened = try ledger.open()
            try opened.markInterrupted()
            let detail = try opened.detail(ofRun: try opened.run(reference).id ?? 0)
            print(RunsFormat.describe(detail, recipe: recipe))
        }
    }
}

extension RunStatus: ExpressibleByArgument {}

/// `--since`: a date, a date and time, or an age.
enum SinceParser {
    static func date(_ text: String, now: Date = Date()) -> Date? {
        if let unit = text.last, let amount = Double(text.dropLast()), amount >= 0, amount.isFinite {
            let seconds: Double? = ["m": 60, "h": 3600, "d": 86_400, "w": 604_800][unit]
            if let seconds { return now.addingTimeInterval(-amount * seconds) }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for format in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

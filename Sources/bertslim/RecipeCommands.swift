import ArgumentParser
import BertSlimHost
import BertSlimLedger
import Foundation

/// Options of the commands that load plugins to run models and recipes.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin-path"), help: "Extra folder to search for plugins first (repeatable).")
    var pluginPaths: [String] = []

    @Option(help: ArgumentHelp("When to probe a plugin in a child process before loading it: unknown (a file not seen "
                               + "before; verdicts are cached by path, size and modification time), always, or never.",
                               valueName: "unknown|always|never"))
    var probe: ProbePolicy = .unknown

    /// A host with every plugin on the search path loaded (problems printed as warnings).
    func host() -> PluginHost {
        let host = PluginHost(options: .init(pluginPaths: pluginPaths, probeExecutable: PluginProbe.defaultExecutable(),
                                             probe: probe))
        warn(host.load())
        return host
    }
}

extension ProbePolicy: ExpressibleByArgument {}
extension DistributedMode: ExpressibleByArgument {}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a recipe without running it: keys, types, ranges, files, components and their settings.",
        discussion: "Errors name the key path and the line and column, e.g. recipe.yaml:12:7: stages[1].prune.sparsity: 1.3 is not in 0...1"
    )
    @Argument(help: "The recipe (YAML).") var recipe: String
    @OptionGroup var plugins: PluginOptions

    func run() throws {
        do {
            let parsed = try Recipe(contentsOf: recipe)
            try parsed.validate(host: plugins.host())
            let points = try parsed.points()
            print("\(recipe): ok (\(parsed.stages.count) stages: \(parsed.stages.map(\.type).joined(separator: ", "))\(points.count > 1 ? "; \(points.count) sweep points" : ""))")
        } catch let error as RecipeError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a recipe: validate it, run its stages (and sweep points), write a run folder with reports.",
        discussion: """
        The run folder holds recipe.yaml (resolved), log.txt, metrics.jsonl, stages/ (checkpoints and models),
        exports/, results.json, report.md and report.html. After a kill, run again with --resume.
        One run at a time per folder: while a run holds it, another run --out of the same folder refuses
        and names the holder. Every run is recorded in the run ledger (--ledger, else $BERTSLIM_LEDGER, else
        runs/ledger.sqlite; `bertslim runs` reads it); --no-ledger skips it.
        Under mpirun (or with --distributed mpi) every training stage runs data-parallel over the ranks:
        rank 0 writes the run folder, log and ledger entry; the other ranks print nothing but errors.
        With --distribute points the ranks run a sweep's points instead, each rank a block of them alone,
        and send rank 0 their results, stages and exports at the end.
        """
    )
    enum LogFormat: String, ExpressibleByArgument { case text, json }
    enum Distribute: String, ExpressibleByArgument, CaseIterable { case batches, points }

    @Argument(help: "The recipe (YAML).") var recipe: String
    @Option(help: "Run folder (default: runs/<recipe name>).") var out: String?
    @Flag(help: "Continue the run in --out from its last checkpoints.") var resume = false
    @Option(help: "Replace the recipe's seed.") var seed: UInt64?
    @Option(help: "Folder of finished stages shared between runs (default: <out>/stages).") var cache: String?
    @Option(help: "Worker threads (default: all cores).") var threads: Int?
    @Flag(help: "Print only errors and the final line.") var quiet = false
    @Option(help: "Progress as text (a live bar on a terminal, periodic lines otherwise) or json (one object per event).")
    var logFormat: LogFormat = .text
    @OptionGroup var plugins: PluginOptions
    @OptionGroup var ledger: LedgerOptions
    @Flag(name: .customLong("no-ledger"), help: "Do not record the run in the run ledger.") var noLedger = false
    @Option(help: "Spread the run over processes: auto (mpi when started by mpirun), none, or mpi.")
    var distributed: DistributedMode = .auto
    @Option(help: ArgumentHelp("What the ranks share: each training batch (data-parallel), or the sweep's points (each rank runs some alone).",
                               valueName: "batches|points"))
    var distribute: Distribute = .batches
    @Option(help: """
        Seconds a rank waits for the others at a collective operation before the run stops with an error \
        (default 600; with --distribute points no limit, since a rank waits for the others' points to end).
        """)
    var collectiveTimeout: Double?

    func validate() throws {
        if noLedger && ledger.ledger != nil { throw ValidationError("--ledger and --no-ledger contradict each other") }
        if let collectiveTimeout, !(collectiveTimeout > 0) { throw ValidationError("--collective-timeout must be above 0") }
    }

    func run() throws {
        if let threads { Threads.count = threads }
        let host = plugins.host()
        let world: any Communicator
        do {
            world = try host.installCommunicator(distributed, timeoutSeconds: collectiveTimeout ?? (distribute == .points ? .infinity : nil))
        } catch {
            // Every rank has the same answer when they differ in build; one line says it.
            if Distributed.world.isRoot || !(error is CommunicatorError) {
                FileHandle.standardError.write(Data("error: --distributed \(distributed.resolved().rawValue): \(error)\n".utf8))
            }
            throw ExitCode(1)
        }
        Interruption.install(ranks: world)
        // Ranks other than 0 print errors only (and write no ledger entry).
        let printer = ProgressPrinter(format: logFormat == .json ? .json : .text, quiet: quiet || !world.isRoot)
        do {
            let parsed = try Recipe(contentsOf: recipe)
            let folder = out ?? "runs/\(parsed.name)"
            let experiment = Experiment(recipe: parsed, host: host,
                                        options: .init(outputDirectory: folder, resume: resume, seed: seed, cacheDirectory: cache,
                                                       distributePoints: distribute == .points))
            if !noLedger && world.isRoot {
                experiment.recorder = LedgerRecorder(ledger: try ledger.open(create: true)) { message in
                    FileHandle.standardError.write(Data("warning: ledger: \(message)\n".utf8))
                }
            }
            let results = try experiment.run { printer.handle($0) }
            printer.finish()
            guard world.isRoot else { return }
            // The comparison table (model, accuracy, parameters, file size, latency) of report.md.
            if !quiet { print(MarkdownReport(results: results).render()) }
            do {
                let best = results.points.flatMap(\.models).compactMap { $0.headline?.metrics.accuracy }.max()
                print("done: \(folder)/report.html\(best.map { String(format: " (best accuracy %.4f)", $0) } ?? "")")
            }
        } catch let error as RecipeError {
            printer.finish()
            // Every rank read the same recipe: one line says what is wrong with it.
            if world.isRoot { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            throw ExitCode(2)
        } catch let error as LedgerError {
            printer.finish()
            report("\(error)", world)
            throw ExitCode(1)
        } catch let error as ExperimentError {
            printer.finish()
            var message = "\(error)"
            if case .outputUnusable(let folder, _) = error, folder == out { message = "--out " + message }
            if case .rankFailed = error {
                FileHandle.standardError.write(Data("error: \(message)\n".utf8))  // rank 0's report of another rank's failure
            } else {
                report(message, world)
            }
            if case .interrupted = error { throw ExitCode(130) }
            throw ExitCode(1)
        } catch let error as CommunicatorError {
            printer.finish()
            report("\(error)", world)
            throw ExitCode(1)
        }
    }

    /// An error line on stderr, naming the rank when the run has several.
    private func report(_ message: String, _ world: any Communicator) {
        let rank = world.size > 1 ? "rank \(world.rank): " : ""
        FileHandle.standardError.write(Data("error: \(rank)\(message)\n".utf8))
    }
}

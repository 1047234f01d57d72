import BertSlimSDK
import Foundation
import Yams

/// Runs a ``Recipe``: validates it, then runs every sweep point's stages in order, writing a
/// run folder (resolved recipe, log, `metrics.jsonl`, stage folders with checkpoints and
/// models, exports, `results.json`, `report.md`, `report.html`).
///
/// ```swift
/// let recipe = try Recipe(contentsOf: "recipes/demo.yaml")
/// let experiment = Experiment(recipe: recipe, options: .init(outputDirectory: "runs/demo"))
/// let results = try experiment.run { event in print(event.line) }
/// ```
/// Stages are cached by their prefix (data, starting model, seed and the stages up to and
/// including them): sweep points that share a prefix share its work, and a rerun with the
/// same cache folder reuses finished stages.
///
/// Over several ranks (``Distributed/world``, e.g. under `mpirun`) every rank runs the same
/// stages in step, training data-parallel; rank 0 alone writes the run folder, and every other
/// rank works in a scratch folder of its own (removed when the run ends), receiving from rank
/// 0 what the run reads back from disk (``FolderMirror``). With
/// ``Options/distributePoints`` the ranks run different sweep points instead, each alone, and
/// send rank 0 what they made (``PointSpread``).
public final class Experiment {
    /// Where and how a run happens.
    public struct Options {
        /// The run folder.
        public var outputDirectory: String
        /// Continue a run in `outputDirectory` from its last checkpoints.
        public var resume: Bool
        /// Replaces the recipe's seed.
        public var seed: UInt64?
        /// Folder of finished stages shared between runs (default: `<out>/stages`).
        public var cacheDirectory: String?
        /// Over several ranks, run the sweep's points on different ranks, each alone, instead
        /// of every point on all ranks together (data-parallel).
        public var distributePoints: Bool

        /// Options from their parts.
        public init(outputDirectory: String, resume: Bool = false, seed: UInt64? = nil, cacheDirectory: String? = nil,
                    distributePoints: Bool = false) {
            self.outputDirectory = outputDirectory
            self.resume = resume
            self.seed = seed
            self.cacheDirectory = cacheDirectory
            self.distributePoints = distributePoints
        }
    }

    public let recipe: Recipe
    public let host: PluginHost
    public let options: Options
    /// Told about the run as it goes (the run ledger); nil: none.
    public var recorder: (any ExperimentRecorder)?
    var metrics: JSONLinesLog?
    var log: JSONLinesLog?
    var emit: (ExperimentEvent) -> Void = { _ in }
    private var datasets: [String: RunData] = [:]
    /// A rank other than 0 works here instead of the run folder.
    private let scratch: URL?

    /// An experiment; `host` provides the components (by default the plugins on the search path).
    public init(recipe: Recipe, host: PluginHost? = nil, options: Options) {
        self.recipe = recipe
        self.options = options
        self.host = host ?? PluginHost.loaded()
        let world = Distributed.world
        scratch = world.isRoot ? nil : FileManager.default.temporaryDirectory
            .appendingPathComponent("bertslim-rank\(world.rank)-\(ProcessInfo.processInfo.processIdentifier)")
    }

    var out: URL { scratch ?? URL(fileURLWithPath: options.outputDirectory) }
    var cache: URL {
        if let scratch { return scratch.appendingPathComponent("stages") }
        return options.cacheDirectory.map { URL(fileURLWithPath: $0) } ?? out.appendingPathComponent("stages")
    }

    /// Validates, runs every point and writes the reports.
    /// - Parameter progress: called with each event, on the calling thread.
    /// - Returns: what `results.json` holds.
    /// - Throws: ``RecipeError`` before any work, ``ExperimentError`` when a stage fails.
    @discardableResult
    public func run(progress: @escaping (ExperimentEvent) -> Void = { _ in }) throws -> ExperimentResults {
        var points = try recipe.validate(host: host).points
        if let seed = options.seed { for i in points.indices { points[i].point.recipe.seed = seed } }
        let lock = try prepareFolder()
        defer {
            withExtendedLifetime(lock) {}
            if let scratch { try? FileManager.default.removeItem(at: scratch) }
        }
        try recorder?.runStarted(runDescription(points: points))
        do {
            let results = try run(points, progress: progress)
            recorder?.runEnded(results)
            return results
        } catch {
            recorder?.runFailed(error)
            throw error
        }
    }

    private func run(_ points: [ValidatedRecipe.Point], progress: @escaping (ExperimentEvent) -> Void) throws -> ExperimentResults {
        metrics = try JSONLinesLog(path: out.appendingPathComponent("metrics.jsonl").path)
        log = try JSONLinesLog(path: out.appendingPathComponent("log.txt").path)
        emit = { [log, metrics, recorder] event in
            log?.appendLine(event.line)
            if let record = event.metricsRecord { metrics?.append(record) }
            recorder?.record(event)
            progress(event)
        }
        try RunFiles.writeAtomically(Data(recipe.resolvedYAML().utf8), to: out.appendingPathComponent("recipe.yaml").path)
        emit(.note("kernels: \(KernelChoice())"))  // which code paths produced this run's numbers
        var results = ExperimentResults(recipe: recipe.name, seed: options.seed ?? recipe.seed, points: [])
        let ranks = Distributed.world
        let spread = options.distributePoints && ranks.size > 1 ? PointSpread(ranks: ranks, ids: points.map(\.point.id)) : nil
        func pointRun(_ index: Int) -> PointRun {
            PointRun(experiment: self, validated: points[index], exportPrefix: points.count > 1 ? points[index].point.id + "-" : "")
        }
        if let spread {
            metrics?.detached = !ranks.isRoot
            if ranks.isRoot { emit(.note(spread.plan)) }
            try spread.sendStartingStages(from: cache) { pointRun($0).stageFolders }
            Distributed.world = SingleProcess()  // each rank trains its points alone
        }
        var failure: Error?
        do {
            for index in spread?.range(of: ranks.rank) ?? points.indices {
                let point = points[index].point
                if points.count > 1 {
                    try RunFiles.writeAtomically(Data(point.recipe.resolvedYAML().utf8),
                                                 to: out.appendingPathComponent("points/\(point.id).yaml").path)
                }
                emit(.pointStarted(point: point.id, label: point.label, index: index, count: points.count))
                results.points.append(try pointRun(index).run())
            }
        } catch {
            guard spread != nil else { throw error }
            failure = error  // the others' work still goes to rank 0 first
        }
        if let spread {
            Distributed.world = ranks
            try merge(spread, into: &results, failure: failure) { pointRun($0).stageFolders }
            guard ranks.isRoot else { return results }  // rank 0 reports what failed
        }
        try RunFiles.writeJSON(results, to: out.appendingPathComponent("results.json").path)
        try RunFiles.writeAtomically(Data(MarkdownReport(results: results).render().utf8), to: out.appendingPathComponent("report.md").path)
        try RunFiles.writeAtomically(Data(HTMLReport(results: results).render().utf8), to: out.appendingPathComponent("report.html").path)
        emit(.note("wrote \(out.appendingPathComponent("report.html").path)"))
        metrics?.flush()
        log?.flush()
        return results
    }

    /// Sends rank 0 every rank's points, stage folders, exports and log lines (``PointSpread``)
    /// and, on rank 0, puts them in the run folder and `results` in point order.
    /// - Throws: on rank 0, this rank's `failure`, else ``ExperimentError/interrupted(folder:)``
    ///   when any rank was stopped, else the first other rank's failure; elsewhere only what the
    ///   exchange itself throws (rank 0 reports a rank's failure).
    private func merge(_ spread: PointSpread, into results: inout ExperimentResults, failure: Error?,
                       stageFolders: (Int) -> [String]) throws {
        metrics?.flush()
        log?.flush()
        // A rank's log and error name rank 0's folders, where its files go, not its scratch folder.
        let rootCache = options.cacheDirectory ?? URL(fileURLWithPath: options.outputDirectory).appendingPathComponent("stages").path
        func onRoot(_ text: String) -> String {
            text.replacingOccurrences(of: cache.path, with: rootCache).replacingOccurrences(of: out.path, with: options.outputDirectory)
        }
        func read(_ name: String) -> String { onRoot((try? String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)) ?? "") }
        var interrupted = false
        if let failure, case ExperimentError.interrupted = failure { interrupted = true }
        let mine = PointSpread.Report(points: results.points, failure: failure.map { onRoot(String(describing: $0)) }, interrupted: interrupted,
                                      log: spread.ranks.isRoot ? "" : read("log.txt"), metrics: spread.ranks.isRoot ? "" : read("metrics.jsonl"))
        let reports = try spread.gather(mine, cache: cache, out: out, stageFolders: stageFolders)
        guard spread.ranks.isRoot else { return }
        for (rank, report) in reports.enumerated().dropFirst() {
            let ids = spread.range(of: rank).map { spread.ids[$0] }.joined(separator: ", ")
            emit(.note(ids.isEmpty ? "rank \(rank) had no point" : report.failure == nil ? "rank \(rank) ran \(ids) and sent its stages and exports"
                       : "rank \(rank) stopped in \(ids) and sent what it had made"))
            for line in report.log.split(separator: "\n") { log?.appendLine("rank \(rank): " + line) }
            for line in report.metrics.split(separator: "\n") { metrics?.appendLine(String(line)) }
        }
        results.points = reports.flatMap(\.points)
        if let failure { throw failure }
        if reports.contains(where: \.interrupted) { throw ExperimentError.interrupted(folder: options.outputDirectory) }
        if let (rank, report) = reports.enumerated().first(where: { $0.element.failure != nil }) {
            throw ExperimentError.rankFailed(rank: rank, reason: report.failure ?? "")
        }
    }

    /// The events of a run as an asynchronous sequence (the run happens on its own thread;
    /// the sequence ends with the run, throwing its error if it failed).
    public func events() -> AsyncThrowingStream<ExperimentEvent, Error> {
        AsyncThrowingStream { continuation in
            let thread = Thread { [self] in
                do {
                    try run { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    /// Makes the run folder and takes its lock (held until the run returns).
    /// - Throws: ``ExperimentError``: the folder is another run's (in use, or finished and
    ///   no `--resume`), or it cannot be made.
    private func prepareFolder() throws -> RunFolderLock? {
        if let scratch {
            try OutputFolder.create(scratch.appendingPathComponent("stages").path)
            return nil
        }
        let folder = options.outputDirectory
        if let holder = RunFolderLock.holder(of: folder) { throw ExperimentError.folderInUse(folder: folder, holder: holder) }
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0 != RunFolderLock.fileName }
        if !existing.isEmpty && !options.resume { throw ExperimentError.outputExists(folder) }
        let lock = try RunFolderLock(folder: folder)
        try OutputFolder.create(cache.path)
        return lock
    }

    /// Tokenised splits for a point's data section and tokenizer, made once per run.
    func data(for recipe: Recipe, tokenizerDirectory: String) throws -> RunData {
        let key = ((try? recipe.document.node(at: "data").map { try Yams.serialize(node: $0) }) ?? "") + "|" + tokenizerDirectory
        if let cached = datasets[key] { return cached }
        let made = try RunData(recipe: recipe, tokenizerDirectory: tokenizerDirectory)
        datasets[key] = made
        return made
    }
}

/// A point's data: the label vocabulary, the tokenizer and the encoded splits.
struct RunData {
    let labels: LabelVocabulary
    let tokenizer: WordPieceTokenizer
    let splits: [DataSplit: EncodedDataset]
    /// `data.unlabelled`'s texts (their labels, if any, unread).
    let unlabelled: EncodedDataset?

    init(recipe: Recipe, tokenizerDirectory: String) throws {
        tokenizer = try WordPieceTokenizer(directory: tokenizerDirectory)
        let shortest = tokenizer.minimumLength(pair: recipe.data.pairColumn != nil)
        if recipe.data.maxLength < shortest {
            throw RecipeError.invalidValue(path: "data.max_length", reason: "\(recipe.data.maxLength) leaves no room for the tokenizer's "
                                           + "special tokens (at least \(shortest))", at: recipe.document.location(of: "data.max_length"))
        }
        let train = try TextDataset(path: recipe.resolve(recipe.data.train), columns: recipe.columns)
        guard let labels = train.labels else { throw TrainingError.missingLabels(file: recipe.data.train) }
        self.labels = labels
        var splits: [DataSplit: EncodedDataset] = [:]
        for split in DataSplit.allCases {
            guard let file = recipe.data.file(split) else { continue }
            var dataset = split == .train ? train : try TextDataset(path: recipe.resolve(file), columns: recipe.columns, labels: labels)
            let limit: Int? = split == .train ? recipe.data.limit.train : split == .dev ? recipe.data.limit.dev : recipe.data.limit.test
            if let limit, limit < dataset.count {
                dataset = TextDataset(examples: Array(dataset.examples.prefix(limit)), labels: labels, file: dataset.file)
            }
            splits[split] = EncodedDataset(dataset, tokenizer: tokenizer, maxLength: recipe.data.maxLength)
        }
        self.splits = splits
        if let file = recipe.data.unlabelled {
            let read = try TextDataset(path: recipe.resolve(file), columns: recipe.unlabelledColumns)
            // The task's label names go with the texts (a student made on them gets its head's names), no label does.
            let texts = TextDataset(examples: Array(read.examples.prefix(recipe.data.limit.unlabelled ?? read.count)), labels: labels,
                                    file: read.file)
            unlabelled = EncodedDataset(texts, tokenizer: tokenizer, maxLength: recipe.data.maxLength)
        } else {
            unlabelled = nil
        }
    }
}

/// FNV-1a, 64 bits, as 16 hex digits: a stable key for a stage prefix or a recipe.
public func stableHash(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x100_0000_01b3
    }
    return String(hash, radix: 16).leftPadded(to: 16)
}

extension String {
    fileprivate func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}

import BertSlimHost
import Foundation
import GRDB
import Yams

/// What importing one run folder did.
public enum ImportOutcome: Sendable, Equatable {
    /// The folder's run is now run `id` in the ledger.
    case imported(folder: String, runId: Int64)
    /// Left out, and why (already in the ledger, still running).
    case skipped(folder: String, reason: String)
}

extension Ledger {
    /// Backfills the ledger from run folders: `directory` itself when it is one (it holds
    /// `recipe.yaml` and `metrics.jsonl`), else each run folder directly inside it.
    ///
    /// A folder gives what it keeps: the resolved recipe and its hash, the data files and task,
    /// points and models with their evaluations and latencies (`results.json`), the stages that
    /// ran and every metric (`metrics.jsonl`), the kernels (`log.txt`'s first line); start and
    /// end are the times `recipe.yaml` and `results.json` were written. Host, CPU flags and
    /// plugins are not in a run folder and stay empty. A folder without `results.json` is
    /// imported as `interrupted`, unless a run holds it now.
    /// - Parameter replace: import a folder the ledger already has again, replacing its rows.
    /// - Throws: ``LedgerError/unreadableRunFolder(folder:reason:)`` when `directory` holds no run folder.
    public func importRuns(from directory: String, replace: Bool = false) throws -> [ImportOutcome] {
        let root = URL(fileURLWithPath: directory).standardizedFileURL
        if Self.isRunFolder(root.path) { return [try importRunFolder(root.path, replace: replace)] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
            throw LedgerError.unreadableRunFolder(folder: directory, reason: "no such folder")
        }
        let folders = names.sorted().map { root.appendingPathComponent($0).path }.filter(Self.isRunFolder)
        guard !folders.isEmpty else {
            throw LedgerError.unreadableRunFolder(folder: directory, reason: "neither a run folder (recipe.yaml, metrics.jsonl) nor a folder of them")
        }
        return try folders.map { try importRunFolder($0, replace: replace) }
    }

    static func isRunFolder(_ path: String) -> Bool {
        ["recipe.yaml", "metrics.jsonl"].allSatisfy { FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent($0)) }
    }

    /// Imports one run folder (``importRuns(from:replace:)``).
    func importRunFolder(_ folder: String, replace: Bool) throws -> ImportOutcome {
        func file(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        if let holder = RunFolderLock.holder(of: folder) { return .skipped(folder: folder, reason: "a run is writing it (\(holder))") }
        let existing = try read { db in try Int64.fetchOne(db, sql: "SELECT id FROM run WHERE folder = ? ORDER BY id DESC", arguments: [folder]) }
        if let existing, !replace { return .skipped(folder: folder, reason: "already in the ledger as run \(existing) (--replace imports it again)") }
        guard let yaml = try? String(contentsOfFile: file("recipe.yaml"), encoding: .utf8) else {
            throw LedgerError.unreadableRunFolder(folder: folder, reason: "recipe.yaml is not readable UTF-8 text")
        }
        let recipe: Node?
        do { recipe = try Yams.compose(yaml: yaml) } catch {
            throw LedgerError.unreadableRunFolder(folder: folder, reason: "recipe.yaml is not YAML: \(error)")
        }
        func text(_ path: String...) -> String? {
            var node = recipe
            for key in path { node = node?.mapping?[key] }
            return node?.string
        }
        var results: ExperimentResults?
        if let data = FileManager.default.contents(atPath: file("results.json")) {
            do { results = try JSONDecoder().decode(ExperimentResults.self, from: data) } catch {
                throw LedgerError.unreadableRunFolder(folder: folder, reason: "results.json does not decode: \(error)")
            }
        }
        let lines = ((try? String(contentsOfFile: file("metrics.jsonl"), encoding: .utf8)) ?? "").split(separator: "\n").compactMap(MetricLine.init(json:))
        let kernels = ((try? String(contentsOfFile: file("log.txt"), encoding: .utf8)) ?? "").split(separator: "\n").first
            .flatMap { $0.hasPrefix("kernels: ") ? String($0.dropFirst("kernels: ".count)) : nil }
        let train = text("data", "train") ?? ""
        var data = RecipeData()
        data.train = train
        data.task = text("data", "task")
        let started = Self.modified(file("recipe.yaml")) ?? Date()
        var run = RunRow(id: nil, folder: folder, recipeName: text("name") ?? (folder as NSString).lastPathComponent,
                         recipeHash: stableHash(yaml), recipeYaml: yaml, seed: String(results?.seed ?? UInt64(text("seed") ?? "") ?? 1),
                         task: data.taskName(), trainFile: train, devFile: text("data", "dev"), testFile: text("data", "test"),
                         status: results == nil ? .interrupted : .finished, error: nil, startedAt: started,
                         endedAt: Self.modified(file(results == nil ? "metrics.jsonl" : "results.json")), host: nil, pid: nil, command: nil,
                         cpuModel: nil, cpuFlags: nil, isa: kernels.flatMap(Self.isa), kernels: kernels, threads: nil,
                         version: SDKVersion.string, source: "import")
        let id: Int64 = try write { db in
            if let existing { try RunRow.deleteOne(db, key: existing) }
            try run.insert(db)
            guard let runId = run.id else { throw LedgerError.database(file: path, reason: "the run row got no id") }
            var points: [String: Int64] = [:]
            for point in results?.points ?? [] {
                let pointId = try pointRow(runId: runId, key: point.id, label: point.label, values: point.values, in: db)
                points[point.id] = pointId
                try replaceModels(point.models, of: pointId, in: db)
            }
            for line in lines {
                let pointId = try points[line.point] ?? pointRow(runId: runId, key: line.point, label: line.point, values: [:], in: db)
                points[line.point] = pointId
                for var row in line.rows(pointId: pointId, at: nil) { try row.insert(db) }
                if line.event == "stage", let stage = line.stage {
                    var row = StageRow(id: nil, pointId: pointId, position: stage, type: Self.stageType(line, yaml: recipe, stage: stage),
                                       status: .finished, reused: false, startedAt: nil, endedAt: nil,
                                       seconds: line.values.first { $0.name == "seconds" }?.value)
                    try row.insert(db, onConflict: .replace)
                }
            }
            return runId
        }
        return .imported(folder: folder, runId: id)
    }

    private static func stageType(_ line: MetricLine, yaml: Node?, stage: Int) -> String {
        guard case .sequence(let stages)? = yaml?.mapping?["stages"], stages.indices.contains(stage),
              let keys = stages[stage].mapping?.keys.compactMap(\.string) else { return "stage" }
        return keys.first { $0 != "id" } ?? "stage"
    }

    /// `isa avx2 (cpu …` → `avx2`.
    private static func isa(_ kernels: String) -> String? {
        let words = kernels.split(separator: " ")
        return words.count > 1 && words[0] == "isa" ? String(words[1]) : nil
    }

    private static func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}

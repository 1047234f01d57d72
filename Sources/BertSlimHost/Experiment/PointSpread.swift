import BertSlimSDK
import Foundation

/// A sweep's points spread over the ranks (`bertslim run --distribute points`): each rank runs
/// a contiguous block of points alone (neighbouring points of a sweep share the most stages,
/// which a rank then runs once), and at the end sends rank 0 what they made — their results,
/// stage folders, exports and log lines — so that rank 0's run folder is the one a single
/// process would have written. Before the points run, rank 0 sends each rank the stage folders
/// of its points that it already has (finished stages and checkpoints), so `--resume` and a
/// shared `--cache` work with any number of ranks.
struct PointSpread {
    let ranks: any Communicator
    /// The points' ids, in order.
    let ids: [String]

    /// The points of `rank`: blocks of ⌈points / ranks⌉, the last ones empty when there are
    /// fewer points than that fills.
    func range(of rank: Int) -> Range<Int> {
        let per = (ids.count + ranks.size - 1) / ranks.size
        return min(rank * per, ids.count)..<min((rank + 1) * per, ids.count)
    }

    /// Which rank runs what, and what the ranks without a point do.
    var plan: String {
        let busy = (0..<ranks.size).filter { !range(of: $0).isEmpty }
        var text = "points spread over \(ranks.size) ranks: " + busy.map { rank in
            let block = range(of: rank)
            return (block.count == 1 ? ids[block.lowerBound] : "\(ids[block.lowerBound])–\(ids[block.upperBound - 1])") + " on rank \(rank)"
        }.joined(separator: ", ")
        let idle = (0..<ranks.size).filter { range(of: $0).isEmpty }
        if !idle.isEmpty {
            let one = idle.count == 1
            text += "; \(one ? "rank" : "ranks") \(idle.map(String.init).joined(separator: ", ")) \(one ? "has" : "have") no point: "
                + "\(one ? "it waits" : "they wait") for the others to finish, then \(one ? "exits" : "exit") "
                + "(\(ids.count == 1 ? "a sweep of 1 point keeps 1 rank" : "\(ids.count) points keep at most \(ids.count) ranks") busy; "
                + "without --distribute points every rank trains every point together)"
        }
        return text
    }

    /// Rank 0 sends each other rank the folders `stageFolders(point index)` of its points that
    /// exist in `cache`; each rank writes those it receives into its own `cache`.
    func sendStartingStages(from cache: URL, stageFolders: (Int) -> [String]) throws {
        for rank in 1..<ranks.size {
            let folders = Set(range(of: rank).flatMap(stageFolders))
            let packed = ranks.isRoot ? FolderMirror.pack(cache) { folders.contains(Self.top($0)) } : []
            let received = try ranks.broadcast(bytes: packed, root: 0)
            if ranks.rank == rank { try FolderMirror.unpack(received, into: cache) }
        }
    }

    /// What a rank hands rank 0 at the end besides files.
    struct Report: Codable {
        var points: [PointResult]
        /// Its first failure, as text, and whether it was a stop on request.
        var failure: String?
        var interrupted = false
        /// Its log.txt and metrics.jsonl.
        var log: String
        var metrics: String
    }

    /// Every rank sends rank 0 its report and files: the stage folders of its points (into
    /// rank 0's `cache`) and its exports and point recipes (into rank 0's `out`).
    /// - Returns: on rank 0, every rank's report in rank order; elsewhere, its own.
    func gather(_ mine: Report, cache: URL, out: URL, stageFolders: (Int) -> [String]) throws -> [Report] {
        var reports = [mine]
        for rank in 1..<ranks.size {
            let sending = ranks.rank == rank
            let block = range(of: rank)
            let folders = Set(block.flatMap(stageFolders))
            let outputs = block.map { ids[$0] }
            let report = try ranks.broadcast(bytes: sending ? Array(try JSONEncoder().encode(mine)) : [], root: rank)
            let stages = try ranks.broadcast(bytes: sending ? FolderMirror.pack(cache) { folders.contains(Self.top($0)) } : [], root: rank)
            let files = try ranks.broadcast(bytes: sending ? FolderMirror.pack(out) { path in
                outputs.contains { path.hasPrefix("exports/\($0)-") || path == "points/\($0).yaml" }
            } : [], root: rank)
            guard ranks.isRoot else { continue }
            guard let decoded = try? JSONDecoder().decode(Report.self, from: Data(report)) else {
                throw CommunicatorError(operation: "gather", reason: "rank \(rank) sent an unreadable report of its points")
            }
            reports.append(decoded)
            try FolderMirror.unpack(stages, into: cache)
            try FolderMirror.unpack(files, into: out)
        }
        return reports
    }

    /// The first component of a path relative to the cache (a stage folder's name).
    private static func top(_ path: String) -> String { String(path.prefix { $0 != "/" }) }
}

import BertSlimHost
import Foundation
import GRDB

/// A run's rows as the ledger knows them: the run's id and its points' ids by key.
struct RunHandle {
    var runId: Int64
    var pointIds: [String: Int64]
}

/// What a run did since the last boundary, written in one transaction (``Ledger/apply(_:to:)``).
struct LedgerBatch {
    /// A stage row to make or change (nil fields are left as they are).
    struct StageChange {
        var point: String
        var position: Int
        var type: String
        var status: StageStatus
        var reused: Bool? = nil
        var startedAt: Date? = nil
        var endedAt: Date? = nil
        var seconds: Double? = nil
    }

    var stages: [StageChange] = []
    /// Stages whose metric rows are deleted before ``metrics`` are added (a stage that starts
    /// again, or continues from a checkpoint, writes them anew).
    private(set) var clearedMetrics: [(point: String, stage: Int)] = []
    private(set) var metrics: [(line: MetricLine, time: Date?)] = []
    /// Each point's models so far, replacing the ones written before.
    var models: [String: [ModelResult]] = [:]
    /// How the run ended.
    var end: (status: RunStatus, at: Date, error: String?)?

    var isEmpty: Bool { stages.isEmpty && clearedMetrics.isEmpty && metrics.isEmpty && models.isEmpty && end == nil }

    mutating func add(_ line: MetricLine, at time: Date?) { metrics.append((line, time)) }

    /// Drops the stage's metric rows, those written and those waiting.
    mutating func clearMetrics(point: String, stage: Int) {
        metrics.removeAll { $0.line.point == point && $0.line.stage == stage }
        clearedMetrics.append((point, stage))
    }
}

extension Ledger {
    /// Makes the run's rows, or with ``RunDescription/resumed`` takes over the newest run of the
    /// same folder (its points, stages, models and metrics continue).
    func startRun(_ run: RunDescription, on host: HostInfo = .current) throws -> RunHandle {
        try write { db in
            var row = RunRow(id: nil, folder: run.folder, recipeName: run.recipeName, recipeHash: run.recipeHash, recipeYaml: run.recipeYAML,
                             seed: String(run.seed), task: run.task, trainFile: run.trainFile, devFile: run.devFile, testFile: run.testFile,
                             status: .running, error: nil, startedAt: Date(), endedAt: nil, host: host.name, pid: Int(getpid()),
                             command: run.command, cpuModel: host.cpuModel, cpuFlags: host.cpuFlags, isa: run.kernels.isa,
                             kernels: run.kernels.description, threads: run.threads, version: run.version, source: "run")
            if run.resumed, var earlier = try RunRow.filter(Column("folder") == run.folder).order(Column("id").desc).fetchOne(db) {
                (earlier.status, earlier.error, earlier.endedAt) = (.running, nil, nil)
                (earlier.host, earlier.pid, earlier.command) = (row.host, row.pid, row.command)
                (earlier.cpuModel, earlier.cpuFlags, earlier.isa, earlier.kernels) = (row.cpuModel, row.cpuFlags, row.isa, row.kernels)
                (earlier.threads, earlier.version) = (row.threads, row.version)
                try earlier.update(db)
                row = earlier
            } else {
                try row.insert(db)
            }
            guard let runId = row.id else { throw LedgerError.database(file: path, reason: "the run row got no id") }
            try PluginRow.filter(Column("run_id") == runId).deleteAll(db)
            for plugin in run.plugins {
                try PluginRow(runId: runId, pluginId: plugin.id, name: plugin.name, version: plugin.version,
                              sdkVersion: plugin.sdkVersion, file: plugin.file).insert(db, onConflict: .replace)
            }
            var pointIds: [String: Int64] = [:]
            for point in run.points {
                pointIds[point.id] = try pointRow(runId: runId, key: point.id, label: point.label, values: point.values, in: db)
            }
            return RunHandle(runId: runId, pointIds: pointIds)
        }
    }

    /// The id of a run's point `key`, made when missing.
    func pointRow(runId: Int64, key: String, label: String, values: [String: String], in db: Database) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM point WHERE run_id = ? AND key = ?", arguments: [runId, key]) { return id }
        let json = (try? JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var point = PointRow(id: nil, runId: runId, key: key, label: label, valuesJson: json)
        try point.insert(db)
        return point.id ?? db.lastInsertedRowID
    }

    /// Writes `batch` in one transaction.
    func apply(_ batch: LedgerBatch, to handle: RunHandle) throws {
        guard !batch.isEmpty else { return }
        try write { db in
            func point(_ key: String) throws -> Int64 {
                if let id = handle.pointIds[key] { return id }
                return try pointRow(runId: handle.runId, key: key, label: key, values: [:], in: db)
            }
            for change in batch.stages {
                let pointId = try point(change.point)
                var row = try StageRow.filter(Column("point_id") == pointId && Column("position") == change.position).fetchOne(db)
                    ?? StageRow(id: nil, pointId: pointId, position: change.position, type: change.type, status: change.status, reused: false)
                row.type = change.type
                row.status = change.status
                if let reused = change.reused { row.reused = reused }
                if let started = change.startedAt { (row.startedAt, row.endedAt, row.seconds) = (started, nil, nil) }
                if let ended = change.endedAt { row.endedAt = ended }
                if let seconds = change.seconds { row.seconds = seconds }
                try row.save(db)
            }
            for (key, stage) in batch.clearedMetrics {
                try MetricRow.filter(Column("point_id") == point(key) && Column("stage") == stage).deleteAll(db)
            }
            for (line, time) in batch.metrics {
                for var row in line.rows(pointId: try point(line.point), at: time) { try row.insert(db) }
            }
            for (key, models) in batch.models { try replaceModels(models, of: point(key), in: db) }
            if let end = batch.end {
                try db.execute(sql: "UPDATE run SET status = ?, ended_at = ?, error = ? WHERE id = ?",
                               arguments: [end.status, end.at, end.error, handle.runId])
                if end.status != .finished {
                    try db.execute(sql: "UPDATE stage SET status = ? WHERE status = 'running' AND point_id IN (SELECT id FROM point WHERE run_id = ?)",
                                   arguments: [end.status == .failed ? StageStatus.failed : .interrupted, handle.runId])
                }
            }
        }
    }

    /// Replaces a point's model rows (with their evaluations and latencies) by `models`.
    func replaceModels(_ models: [ModelResult], of pointId: Int64, in db: Database) throws {
        try ModelRow.filter(Column("point_id") == pointId).deleteAll(db)
        for (position, model) in models.enumerated() {
            var row = ModelRow(id: nil, pointId: pointId, position: position, origin: model.origin, parameters: model.parameters,
                               fileBytes: model.fileBytes, threads: model.threads)
            try row.insert(db)
            guard let modelId = row.id else { continue }
            for (split, metrics) in model.evaluations.sorted(by: { $0.key < $1.key }) {
                try EvaluationRow(modelId: modelId, split: split, accuracy: metrics.accuracy, f1: metrics.f1, count: metrics.count).insert(db)
            }
            for (size, ms) in model.latencyMs {
                guard let batch = Int(size), ms.isFinite else { continue }
                try LatencyRow(modelId: modelId, batchSize: batch, ms: ms, threads: model.threads).insert(db)
            }
        }
    }

    /// Marks `interrupted` the runs of this machine still `running` whose process is gone (the
    /// run folder's lock is free: the kernel releases it when its holder ends in any way).
    /// - Returns: how many runs it marked.
    @discardableResult
    public func markInterrupted() throws -> Int {
        let host = HostInfo.current.name
        let candidates = try read { db in
            try RunRow.filter(Column("status") == RunStatus.running && Column("host") == host).fetchAll(db)
        }
        let gone = candidates.filter { RunFolderLock.holder(of: $0.folder) == nil }
        guard !gone.isEmpty else { return 0 }
        try write { db in
            for run in gone {
                guard let id = run.id else { continue }
                let last = try Date.fetchOne(db, sql: """
                    SELECT MAX(t) FROM (SELECT MAX(recorded_at) AS t FROM metric WHERE point_id IN (SELECT id FROM point WHERE run_id = ?1)
                    UNION ALL SELECT MAX(COALESCE(ended_at, started_at)) FROM stage WHERE point_id IN (SELECT id FROM point WHERE run_id = ?1))
                    """, arguments: [id])
                try db.execute(sql: "UPDATE run SET status = 'interrupted', ended_at = ? WHERE id = ? AND status = 'running'",
                               arguments: [last ?? run.startedAt, id])
                try db.execute(sql: "UPDATE stage SET status = 'interrupted' WHERE status = 'running' AND point_id IN (SELECT id FROM point WHERE run_id = ?)",
                               arguments: [id])
            }
        }
        return gone.count
    }
}

import BertSlimHost
import Foundation
import GRDB

/// Which runs `runs list` (``Ledger/runs(_:)``) shows; nil fields match every run.
public struct RunFilter: Sendable {
    /// The task (``RunRow/task``).
    public var task: String?
    /// A data file: runs whose training, dev or test file is this path or ends with it.
    public var dataFile: String?
    public var status: RunStatus?
    /// Runs started at or after this time.
    public var since: Date?

    /// A filter from its parts.
    public init(task: String? = nil, dataFile: String? = nil, status: RunStatus? = nil, since: Date? = nil) {
        self.task = task
        self.dataFile = dataFile
        self.status = status
        self.since = since
    }
}

/// A run with counts and its best accuracy, as `runs list` shows it.
public struct RunSummary: Sendable {
    public var run: RunRow
    public var points: Int
    public var models: Int
    /// The best test accuracy of its models (dev when none was tested).
    public var bestAccuracy: (split: String, accuracy: Double)?
}

/// A run with everything recorded about it, as `runs show` prints it.
public struct RunDetail: Sendable {
    /// One sweep point with its stages and models.
    public struct Point: Sendable {
        public var point: PointRow
        public var stages: [StageRow]
        public var models: [ModelEntry]
        /// Metric rows by event (`step` → 1,200).
        public var metricCounts: [String: Int]
    }
    public var run: RunRow
    public var plugins: [PluginRow]
    public var points: [Point]
}

extension Ledger {
    /// The runs matching `filter`, newest first.
    public func runs(_ filter: RunFilter = RunFilter()) throws -> [RunSummary] {
        try read { db in
            var request = RunRow.all()
            if let task = filter.task { request = request.filter(Column("task") == task) }
            if let status = filter.status { request = request.filter(Column("status") == status) }
            if let since = filter.since { request = request.filter(Column("started_at") >= since) }
            if let file = filter.dataFile {
                let pattern = "%" + file.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                    .replacingOccurrences(of: "_", with: "\\_")
                request = request.filter(sql: "(train_file LIKE ?1 ESCAPE '\\' OR dev_file LIKE ?1 ESCAPE '\\' OR test_file LIKE ?1 ESCAPE '\\')",
                                         arguments: [pattern])
            }
            return try request.order(Column("id").desc).fetchAll(db).map { run in
                let id = run.id ?? 0
                let points = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM point WHERE run_id = ?", arguments: [id]) ?? 0
                let models = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM model JOIN point ON point.id = model.point_id WHERE run_id = ?",
                                              arguments: [id]) ?? 0
                var best: (String, Double)?
                for split in ["test", "dev"] where best == nil {
                    if let value = try Double.fetchOne(db, sql: """
                        SELECT MAX(accuracy) FROM evaluation JOIN model ON model.id = evaluation.model_id
                        JOIN point ON point.id = model.point_id WHERE run_id = ? AND split = ?
                        """, arguments: [id, split]) { best = (split, value) }
                }
                return RunSummary(run: run, points: points, models: models, bestAccuracy: best)
            }
        }
    }

    /// The run `reference` names: its id, or its folder (the newest run there).
    /// - Throws: ``LedgerError/noSuchRun(file:run:)``.
    public func run(_ reference: String) throws -> RunRow {
        let folder = URL(fileURLWithPath: reference).standardizedFileURL.path
        let found = try read { db -> RunRow? in
            if let id = Int64(reference), let run = try RunRow.fetchOne(db, key: id) { return run }
            return try RunRow.filter(Column("folder") == folder).order(Column("id").desc).fetchOne(db)
        }
        guard let found else { throw LedgerError.noSuchRun(file: path, run: reference) }
        return found
    }

    /// Everything recorded about run `id`.
    public func detail(ofRun id: Int64) throws -> RunDetail {
        let entries = try models(runs: [id])
        return try read { db in
            guard let run = try RunRow.fetchOne(db, key: id) else { throw LedgerError.noSuchRun(file: path, run: String(id)) }
            let plugins = try PluginRow.filter(Column("run_id") == id).order(Column("plugin_id")).fetchAll(db)
            let points = try PointRow.filter(Column("run_id") == id).order(Column("id")).fetchAll(db).map { point in
                let pointId = point.id ?? 0
                let stages = try StageRow.filter(Column("point_id") == pointId).order(Column("position")).fetchAll(db)
                let counts = try Row.fetchAll(db, sql: "SELECT event, COUNT(*) AS n FROM metric WHERE point_id = ? GROUP BY event",
                                              arguments: [pointId])
                return RunDetail.Point(point: point, stages: stages, models: entries.filter { $0.point.id == pointId },
                                       metricCounts: Dictionary(uniqueKeysWithValues: counts.map { ($0["event"] as String, $0["n"] as Int) }))
            }
            return RunDetail(run: run, plugins: plugins, points: points)
        }
    }

    /// Every model of the runs `ids`, in run, point and model order.
    public func models(runs ids: [Int64]) throws -> [ModelEntry] {
        try modelEntries(where: "run.id IN (\(ids.map { String($0) }.joined(separator: ",")))", arguments: [])
    }

    /// Every model of every run on `task`.
    public func models(task: String) throws -> [ModelEntry] {
        try modelEntries(where: "run.task = ?", arguments: [task])
    }

    /// The metric rows of run `id` (all points), optionally only `name`, in the order written.
    public func metrics(ofRun id: Int64, named name: String? = nil) throws -> [MetricRow] {
        try read { db in
            var request = MetricRow.filter(sql: "point_id IN (SELECT id FROM point WHERE run_id = ?)", arguments: [id])
            if let name { request = request.filter(Column("name") == name) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }

    private func modelEntries(where condition: String, arguments: StatementArguments) throws -> [ModelEntry] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT model.*, point.key AS point_key, point.label AS point_label, point.id AS pid, run.id AS rid,
                       run.recipe_name, run.task, run.folder, run.status
                FROM model JOIN point ON point.id = model.point_id JOIN run ON run.id = point.run_id
                WHERE \(condition) ORDER BY run.id, point.id, model.position
                """, arguments: arguments)
            return try rows.map { row in
                let model = try ModelRow(row: row)
                let id = model.id ?? 0
                let evaluations = try EvaluationRow.filter(Column("model_id") == id).fetchAll(db)
                let latencies = try LatencyRow.filter(Column("model_id") == id).fetchAll(db)
                return ModelEntry(
                    runId: row["rid"], recipeName: row["recipe_name"], task: row["task"], folder: row["folder"], runStatus: row["status"],
                    point: .init(id: row["pid"], key: row["point_key"], label: row["point_label"]), model: model,
                    evaluations: Dictionary(evaluations.map { ($0.split, $0) }) { a, _ in a },
                    latency: Dictionary(latencies.map { ($0.batchSize, $0) }) { a, _ in a })
            }
        }
    }
}

import Foundation
import GRDB

/// The ledger's tables, built by GRDB's migrator: a ledger written by an older BertSlim opens
/// in a newer one through the migrations it has not applied yet. Never edit a registered
/// migration; add one at the end, and raise ``version``.
///
/// | table | one row per |
/// |---|---|
/// | `run` | run: recipe (resolved YAML and its hash), data files and task, start and end, status, host, CPU, kernels, threads, BertSlim version |
/// | `run_plugin` | plugin loaded for a run: id, name, version, SDK version, file |
/// | `point` | sweep point of a run: `p0`, its label and swept values |
/// | `stage` | stage of a point: type, status, reused or not, start, end, seconds |
/// | `model` | model version of a point (the starting model, then each stage's): origin, parameters, file bytes, threads |
/// | `evaluation` | model and split: accuracy, F1, examples |
/// | `latency` | model and batch size: median milliseconds, threads |
/// | `metric` | number a run reported over time (`metrics.jsonl`'s lines, one row per value): event, stage, epoch, step, name, value, time |
public enum LedgerSchema {
    /// The schema this BertSlim writes (`PRAGMA user_version`).
    public static let version = 2
    /// `PRAGMA application_id` of a ledger: "BSLG".
    static let applicationID: Int32 = 0x4253_4C47

    /// The migrations, oldest first; each sets `user_version` to its number.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("folder", .text).notNull()
                t.column("recipe_name", .text).notNull()
                t.column("recipe_hash", .text).notNull()
                t.column("recipe_yaml", .text).notNull()
                t.column("seed", .text).notNull()
                t.column("train_file", .text).notNull()
                t.column("dev_file", .text)
                t.column("test_file", .text)
                t.column("status", .text).notNull()
                t.column("error", .text)
                t.column("started_at", .datetime).notNull()
                t.column("ended_at", .datetime)
                t.column("host", .text)
                t.column("pid", .integer)
                t.column("command", .text)
                t.column("cpu_model", .text)
                t.column("cpu_flags", .text)
                t.column("isa", .text)
                t.column("kernels", .text)
                t.column("threads", .integer)
                t.column("version", .text).notNull()
                t.column("source", .text).notNull()
            }
            try db.create(table: "run_plugin") { t in
                t.column("run_id", .integer).notNull().indexed().references("run", onDelete: .cascade)
                t.column("plugin_id", .text).notNull()
                t.column("name", .text).notNull()
                t.column("version", .text).notNull()
                t.column("sdk_version", .text).notNull()
                t.column("file", .text).notNull()
                t.primaryKey(["run_id", "plugin_id"])
            }
            try db.create(table: "point") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .integer).notNull().indexed().references("run", onDelete: .cascade)
                t.column("key", .text).notNull()
                t.column("label", .text).notNull()
                t.column("values_json", .text).notNull()
                t.uniqueKey(["run_id", "key"])
            }
            try db.create(table: "stage") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("point_id", .integer).notNull().indexed().references("point", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("type", .text).notNull()
                t.column("status", .text).notNull()
                t.column("reused", .boolean).notNull()
                t.column("started_at", .datetime)
                t.column("ended_at", .datetime)
                t.column("seconds", .double)
                t.uniqueKey(["point_id", "position"])
            }
            try db.create(table: "model") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("point_id", .integer).notNull().indexed().references("point", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("origin", .text).notNull()
                t.column("parameters", .integer).notNull()
                t.column("file_bytes", .integer).notNull()
                t.column("threads", .integer)
                t.uniqueKey(["point_id", "position"])
            }
            try db.create(table: "evaluation") { t in
                t.column("model_id", .integer).notNull().indexed().references("model", onDelete: .cascade)
                t.column("split", .text).notNull()
                t.column("accuracy", .double).notNull()
                t.column("f1", .double).notNull()
                t.column("count", .integer).notNull()
                t.primaryKey(["model_id", "split"])
            }
            try db.create(table: "latency") { t in
                t.column("model_id", .integer).notNull().indexed().references("model", onDelete: .cascade)
                t.column("batch_size", .integer).notNull()
                t.column("ms", .double).notNull()
                t.column("threads", .integer)
                t.primaryKey(["model_id", "batch_size"])
            }
            try db.create(table: "metric") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("point_id", .integer).notNull().indexed().references("point", onDelete: .cascade)
                t.column("stage", .integer)
                t.column("event", .text).notNull()
                t.column("epoch", .integer)
                t.column("step", .integer)
                t.column("split", .text)
                t.column("name", .text).notNull()
                t.column("value", .double).notNull()
                t.column("recorded_at", .datetime)
            }
            try db.execute(sql: "PRAGMA user_version = 1")
        }
        // Schema 2: runs carry their task (filled in for older runs from the training file's
        // folder, the default a recipe's `data.task` overrides), and the queries `runs list
        // --task`, `--since` and a run's metrics use get indexes.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "run") { t in t.add(column: "task", .text).notNull().defaults(to: "") }
            // The default as schema 2 defines it, kept here: a migration never changes.
            let rows = try Row.fetchAll(db, sql: "SELECT id, train_file FROM run")
            for row in rows {
                let train: String = row["train_file"]
                let folder = ((train as NSString).deletingLastPathComponent as NSString).lastPathComponent
                let task = folder.isEmpty || folder == "." || folder == ".." ? "default" : folder
                try db.execute(sql: "UPDATE run SET task = ? WHERE id = ?", arguments: [task, row["id"] as Int64])
            }
            try db.create(index: "run_on_task", on: "run", columns: ["task"])
            try db.create(index: "run_on_started_at", on: "run", columns: ["started_at"])
            try db.create(index: "metric_on_point_stage", on: "metric", columns: ["point_id", "stage"])
            try db.execute(sql: "PRAGMA user_version = 2")
        }
        return migrator
    }
}

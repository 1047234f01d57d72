import BertSlimHost
import Foundation
import GRDB

/// The run ledger: every run, sweep point, stage, model and reported number in one SQLite
/// database (`runs/ledger.sqlite` by default), written as runs go and read by `bertslim runs`.
///
/// ```swift
/// let ledger = try Ledger(path: "runs/ledger.sqlite")
/// for summary in try ledger.runs(RunFilter(task: "mr", status: .finished)) { print(summary.run.recipeName) }
/// let table = ModelComparison(try ledger.models(task: "mr"), split: "test", batchSize: 1)
/// ```
/// The file is in WAL mode, so several runs write to it at once and readers never wait for
/// them; a writer that finds it locked waits ``Options/wait`` seconds, then fails naming the
/// process that holds it. Opening checks the file before anything is written: a file that is not
/// SQLite, another program's database or a ledger of a newer schema is refused, and an older
/// ledger is migrated (``LedgerSchema``).
public final class Ledger {
    /// How a ledger is opened.
    public struct Options: Sendable {
        /// Seconds a write waits for another writer's lock before it fails.
        public var wait: Double
        /// Whether a missing file is made (false: ``LedgerError/missing(file:)``).
        public var create: Bool

        /// Options from their parts.
        public init(wait: Double = 10, create: Bool = true) {
            self.wait = wait
            self.create = create
        }
    }

    /// The file (`:memory:` for an in-memory ledger).
    public let path: String
    public let options: Options
    let database: DatabaseQueue

    /// Opens (or makes) the ledger at `path`, migrating an older one.
    /// - Throws: ``LedgerError``: not SQLite, not a ledger, a newer schema, locked, missing.
    public init(path: String, options: Options = Options()) throws {
        self.path = path
        self.options = options
        try Self.checkFile(path, create: options.create)
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(options.wait)
        configuration.label = "ledger"
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.translate(error, file: path, wait: options.wait)
        }
        try prepare()
    }

    /// An empty ledger in memory (for tests and throwaway comparisons).
    public init() throws {
        path = ":memory:"
        options = Options()
        database = try DatabaseQueue()
        try prepare()
    }

    /// Checks what the database is, then applies the migrations it lacks; one process at a
    /// time (``MigrationLock``), so that a ledger two runs open together is made once.
    private func prepare() throws {
        try MigrationLock.holding(for: path, wait: options.wait) {
            try checkIdentity()
            guard try !read({ try LedgerSchema.migrator.hasCompletedMigrations($0) }) else { return }
            do {
                try LedgerSchema.migrator.migrate(database)
            } catch {
                throw Self.translate(error, file: path, wait: options.wait)
            }
        }
    }

    /// Refuses another program's database and a ledger of a newer schema.
    private func checkIdentity() throws {
        try read { db in
            let application = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
            let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            if application != 0 && application != LedgerSchema.applicationID {
                throw LedgerError.notALedger(file: path, what: String(format: "application id 0x%08x", application))
            }
            if application == 0 && !tables.isEmpty {
                throw LedgerError.notALedger(file: path, what: "its tables: " + tables.prefix(6).joined(separator: ", ")
                                             + (tables.count > 6 ? ", …" : ""))
            }
            let superseded = try LedgerSchema.migrator.hasBeenSuperseded(db)
            if version > LedgerSchema.version || superseded {
                throw LedgerError.newerSchema(file: path, found: max(version, LedgerSchema.version + 1), supported: LedgerSchema.version)
            }
        }
    }

    /// The schema version of the open ledger.
    public func schemaVersion() throws -> Int { try read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 } }

    /// Runs `body` in a read transaction.
    /// - Throws: ``LedgerError`` (SQLite's errors translated).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch { throw Self.translate(error, file: path, wait: options.wait) }
    }

    /// Runs `body` in one write transaction: all of it is written, or none.
    /// - Throws: ``LedgerError`` (SQLite's errors translated).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch { throw Self.translate(error, file: path, wait: options.wait) }
    }

    /// Refuses, before SQLite opens it, a path that is a folder or a file without SQLite's header.
    private static func checkFile(_ path: String, create: Bool) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            guard errno == ENOENT else { throw LedgerError.database(file: path, reason: String(cString: strerror(errno))) }
            guard create else { throw LedgerError.missing(file: path) }
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try OutputFolder.create(folder) }
            return
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw LedgerError.notSQLite(file: path, reason: "it is not a regular file") }
        guard info.st_size > 0 else { return }  // SQLite makes an empty file a database
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw LedgerError.database(file: path, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        guard header == Data("SQLite format 3\0".utf8) else {
            let shown = String(decoding: header.prefix(12), as: UTF8.self).unicodeScalars
                .map { $0.properties.isAlphabetic || $0 == " " || ($0.value >= 0x30 && $0.value <= 0x39) ? String($0) : "." }.joined()
            throw LedgerError.notSQLite(file: path, reason: "it starts with \"\(shown)\", not \"SQLite format 3\"")
        }
    }

    /// SQLite's and GRDB's errors as ``LedgerError``s naming the file.
    static func translate(_ error: Error, file: String, wait: Double) -> Error {
        if error is LedgerError { return error }
        guard let error = error as? DatabaseError else { return LedgerError.database(file: file, reason: "\(error)") }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return LedgerError.locked(file: file, waited: wait, holder: LockHolder.describe(databaseAt: file))
        case .SQLITE_NOTADB:
            return LedgerError.notSQLite(file: file, reason: error.message ?? "file is not a database")
        default:
            return LedgerError.database(file: file, reason: error.message ?? "\(error)")
        }
    }
}

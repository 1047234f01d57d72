import BertSlimHost
import BertSlimLedger
import Foundation
import GRDB
import Testing

/// Files that are not ledgers, ledgers from a newer BertSlim and locked ledgers are refused
/// with one message naming the file (and the versions, or the lock's holder).
@Suite("Ledger refusals")
struct LedgerRefusalTests {
    static let versions = "bertslim \(SDKVersion.string) reads and writes ledger schema versions 1 to \(LedgerSchema.version)"

    @Test func aFileThatIsNotSQLiteIsRefused() throws {
        let path = try LedgerTestSupport.folder("not-sqlite") + "/ledger.sqlite"
        try "id,accuracy\n1,0.8\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: LedgerError.self) { try Ledger(path: path) }
        do { _ = try Ledger(path: path) } catch {
            #expect("\(error)" == "\(path): not a ledger: not an SQLite database (it starts with \"id.accuracy.\", not \"SQLite format 3\"); "
                    + Self.versions + ". Move the file away, or use --ledger PATH or --no-ledger")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "id,accuracy\n1,0.8\n", "left as it was")
        let folder = try LedgerTestSupport.folder("a-folder")
        #expect(throws: LedgerError.notSQLite(file: folder, reason: "it is not a regular file")) { try Ledger(path: folder) }
    }

    @Test func anotherProgramsDatabaseIsRefused() throws {
        let path = try LedgerTestSupport.folder("foreign") + "/app.sqlite"
        try DatabaseQueue(path: path).write { try $0.execute(sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)") }
        #expect(throws: LedgerError.notALedger(file: path, what: "its tables: users")) { try Ledger(path: path) }
        try DatabaseQueue(path: path).write { try $0.execute(sql: "PRAGMA application_id = 1234") }
        #expect(throws: LedgerError.notALedger(file: path, what: "application id 0x000004d2")) { try Ledger(path: path) }
    }

    @Test func aLedgerFromANewerSchemaIsRefusedNamingBothVersions() throws {
        let path = try LedgerTestSupport.folder("newer") + "/ledger.sqlite"
        _ = try Ledger(path: path)
        // What a later BertSlim would leave: one more migration and a higher user_version.
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v3')")
            try db.execute(sql: "PRAGMA user_version = 3")
        }
        do {
            _ = try Ledger(path: path)
            Issue.record("a schema 3 ledger opened")
        } catch {
            #expect("\(error)" == "\(path): ledger schema version 3 is newer than bertslim \(SDKVersion.string) reads (versions 1 to "
                    + "\(LedgerSchema.version)); use a newer bertslim, or --ledger PATH or --no-ledger")
        }
    }

    @Test func aMissingLedgerIsNotMadeByReaders() throws {
        let path = try LedgerTestSupport.folder("missing") + "/runs/ledger.sqlite"
        #expect(throws: LedgerError.missing(file: path)) { try Ledger(path: path, options: .init(create: false)) }
        #expect(!FileManager.default.fileExists(atPath: path))
        _ = try Ledger(path: path)
        #expect(FileManager.default.fileExists(atPath: path), "writers make it, and its folder")
    }

    @Test func aLockedLedgerWaitsItsTimeThenNamesTheHolder() throws {
        let path = try LedgerTestSupport.folder("locked") + "/ledger.sqlite"
        _ = try Ledger(path: path)
        // Another process takes the write lock and holds it until its standard input closes.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                            + "c.execute('BEGIN IMMEDIATE')\nprint('held', flush=True)\nsys.stdin.read()", path]
        let input = Pipe(), output = Pipe()
        (holder.standardInput, holder.standardOutput) = (input, output)
        try holder.run()
        defer { try? input.fileHandleForWriting.close(); holder.waitUntilExit() }
        #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("held"))

        let started = Date()
        var message = ""
        do {
            let ledger = try Ledger(path: path, options: .init(wait: 0.5))
            try LedgerRecorder(ledger: ledger).runStarted(LedgerTestSupport.description(folder: "/runs/l"))
            Issue.record("wrote through another process's lock")
        } catch {
            message = "\(error)"
        }
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 0.45 && waited < 5, "waited \(waited) s")
        #expect(message.hasPrefix("\(path): the ledger is locked by pid \(holder.processIdentifier) ("), "\(message)")
        #expect(message.contains("python3 -c import sqlite3, sys c = sqlite3.connect"), "\(message)")
        #expect(!message.contains("\n"), "one line, though the holder's command line has line breaks")
        #expect(message.hasSuffix("; waited 0.5 s. Try again when it is done, or use --ledger-wait SECONDS"), "\(message)")
    }
}

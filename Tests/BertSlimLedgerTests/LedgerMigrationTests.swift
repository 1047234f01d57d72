import BertSlimHost
import BertSlimLedger
import Foundation
import GRDB
import Testing

/// A ledger written by an older BertSlim opens in this one through the migrations.
@Suite("Ledger migrations")
struct LedgerMigrationTests {
    static func fixtureCopy() throws -> String {
        let source = try #require(Bundle.module.url(forResource: "Fixtures/ledger-schema-1", withExtension: "sqlite"))
        let target = try LedgerTestSupport.folder("migration") + "/ledger.sqlite"
        try FileManager.default.copyItem(atPath: source.path, toPath: target)
        return target
    }

    @Test func aSchema1LedgerOpensAndKeepsEveryRow() throws {
        let path = try Self.fixtureCopy()
        let before = try DatabaseQueue(path: path).read { db in
            (try Int.fetchOne(db, sql: "PRAGMA user_version"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM metric"),
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM model"), try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM latency"))
        }
        #expect(before.0 == 1, "the fixture is schema 1")
        let ledger = try Ledger(path: path)
        #expect(try ledger.schemaVersion() == LedgerSchema.version)
        let runs = try ledger.runs()
        #expect(runs.count == 1)
        let run = try #require(runs.first?.run)
        // Schema 2's task, filled in from the training file's folder.
        #expect(run.task == ((run.trainFile as NSString).deletingLastPathComponent as NSString).lastPathComponent)
        #expect(run.task.hasPrefix("fixture-") && run.status == .finished && run.recipeName == "tiny")
        #expect(try ledger.runs(RunFilter(task: run.task)).count == 1)
        let models = try ledger.models(task: run.task)
        #expect(models.count == before.2 && models.count == 4)
        #expect(models.flatMap(\.latency.values).count == before.3)
        #expect(try ledger.metrics(ofRun: run.id ?? 0).count == before.1)
        #expect(try ledger.detail(ofRun: run.id ?? 0).points.map(\.point.key) == ["p0", "p1"])
        // And it takes new runs.
        try LedgerTestSupport.recordRun(LedgerRecorder(ledger: ledger), folder: "/runs/after-migration")
        #expect(try ledger.runs().count == 2)
    }
}

import BertSlimHost
import BertSlimLedger
import Foundation
import GRDB
import Testing

/// Writers on one ledger file at once (WAL; each waits for the other's transactions) lose nothing.
@Suite("Ledger concurrency")
struct LedgerConcurrencyTests {
    @Test func twoWritersAtOnceLoseNothing() throws {
        let path = try LedgerTestSupport.folder("concurrent") + "/ledger.sqlite"
        let runsEach = 12, steps = 150
        let group = DispatchGroup()
        final class Errors: @unchecked Sendable {
            let lock = NSLock()
            var messages: [String] = []
            func add(_ message: String) { lock.lock(); messages.append(message); lock.unlock() }
        }
        let errors = Errors()
        for writer in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    // A connection of its own. The wait is long because this checks that nothing is
                    // lost, not how soon a writer gets in: under AddressSanitizer, with the other
                    // suites running beside it on 2 cores, a writer once waited past 30 s.
                    let ledger = try Ledger(path: path, options: .init(wait: 120))
                    for run in 0..<runsEach {
                        try LedgerTestSupport.recordRun(LedgerRecorder(ledger: ledger) { message in
                            errors.add(message)
                        }, folder: "/runs/w\(writer)-\(run)", task: "t\(writer)", steps: steps)
                    }
                } catch {
                    errors.add("\(error)")
                }
            }.start()
        }
        group.wait()
        #expect(errors.messages.isEmpty, "\(errors.messages)")
        // WAL is what lets the writers' transactions interleave with readers; it is a property of the file.
        #expect(try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        let ledger = try Ledger(path: path)
        let runs = try ledger.runs()
        #expect(runs.count == 2 * runsEach)
        #expect(runs.allSatisfy { $0.run.status == .finished && $0.models == 2 })
        for summary in runs {
            #expect(try ledger.metrics(ofRun: summary.run.id ?? 0, named: "loss").map(\.step) == Array(1...steps))
        }
        #expect(try ledger.models(task: "t0").count == 2 * runsEach)
        #expect(try ledger.models(task: "t1").count == 2 * runsEach)
    }
}

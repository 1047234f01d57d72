import BertSlimHost
import BertSlimLedger
import Foundation
import GRDB
import Testing

/// The ledger's recording and typed queries, on an in-memory SQLite.
@Suite("Ledger")
struct LedgerTests {
    @Test func aRecordedRunAnswersTheTypedQueries() throws {
        let ledger = try Ledger()
        let recorder = LedgerRecorder(ledger: ledger)
        try LedgerTestSupport.recordRun(recorder, folder: "/runs/a", steps: 7, accuracy: 0.8)
        try LedgerTestSupport.recordRun(LedgerRecorder(ledger: ledger), folder: "/runs/b", task: "rt", accuracy: 0.7)

        let all = try ledger.runs()
        #expect(all.map(\.run.folder) == ["/runs/b", "/runs/a"])
        #expect(all.allSatisfy { $0.run.status == .finished && $0.points == 1 && $0.models == 2 && $0.run.endedAt != nil })
        #expect(try ledger.runs(RunFilter(task: "mr")).map(\.run.folder) == ["/runs/a"])
        #expect(try ledger.runs(RunFilter(dataFile: "rt/train.tsv")).map(\.run.folder) == ["/runs/b"])
        #expect(try ledger.runs(RunFilter(status: .failed)).isEmpty)
        #expect(try ledger.runs(RunFilter(since: Date().addingTimeInterval(3600))).isEmpty)
        let best = try #require(all.last?.bestAccuracy)
        #expect(best.split == "test" && abs(best.accuracy - 0.8) < 1e-12)

        let run = try ledger.run("/runs/a")
        #expect(try ledger.run(String(run.id ?? 0)).folder == "/runs/a")
        #expect(throws: LedgerError.noSuchRun(file: ":memory:", run: "99")) { try ledger.run("99") }
        let detail = try ledger.detail(ofRun: run.id ?? 0)
        #expect(detail.points.count == 1)
        #expect(detail.points[0].stages.map(\.type) == ["finetune", "evaluate"])
        #expect(detail.points[0].stages.allSatisfy { $0.status == .finished })
        #expect(detail.points[0].metricCounts == ["step": 14, "evaluate": 3, "stage": 2])
        let losses = try ledger.metrics(ofRun: run.id ?? 0, named: "loss")
        #expect(losses.map(\.step) == Array(1...7) && losses.allSatisfy { $0.value == 0.5 && $0.recordedAt != nil })

        let models = try ledger.models(task: "mr")
        #expect(models.map(\.model.origin) == ["teacher", "stages[0].finetune"])
        #expect(models[1].evaluations["test"]?.count == 100 && models[1].latency[8]?.ms == 20 && models[1].latency[8]?.threads == 2)
        #expect(models[0].evaluations.isEmpty && models[0].latency.isEmpty)
    }

    @Test func aKilledRunIsInterruptedAndResumeContinuesItsRows() throws {
        let ledger = try Ledger()
        let folder = try LedgerTestSupport.folder("resume")
        // The first process writes up to a checkpoint, two more steps, and is killed.
        let first = LedgerRecorder(ledger: ledger)
        try first.runStarted(LedgerTestSupport.description(folder: folder))
        first.record(.stageStarted(point: "p0", stage: 0, type: "finetune", reused: false))
        for i in 1...4 { first.record(LedgerTestSupport.step("p0", stage: 0, step: i)) }
        first.record(.checkpointSaved(point: "p0", stage: 0, step: 4))
        for i in 5...6 { first.record(LedgerTestSupport.step("p0", stage: 0, step: i)) }
        #expect(try ledger.metrics(ofRun: first.runId ?? 0, named: "loss").count == 4, "written at the checkpoint")
        // Nobody holds the folder's lock: the process is gone.
        #expect(try ledger.markInterrupted() == 1)
        #expect(try ledger.run(folder).status == .interrupted)
        #expect(try ledger.detail(ofRun: first.runId ?? 0).points[0].stages.map(\.status) == [.interrupted])

        // metrics.jsonl as the resumed stage cut it back: the 4 steps of the checkpoint.
        let lines = (1...4).map { #"{"event":"step","point":"p0","stage":0,"epoch":0,"step":\#($0),"loss":0.25,"lr":0.0001}"# }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let second = LedgerRecorder(ledger: ledger)
        try second.runStarted(LedgerTestSupport.description(folder: folder, resumed: true))
        #expect(second.runId == first.runId)
        second.record(.stageStarted(point: "p0", stage: 0, type: "finetune", reused: false))
        second.record(.resumed(point: "p0", stage: 0, epoch: 0, batch: 4, step: 4))
        for i in 5...8 { second.record(LedgerTestSupport.step("p0", stage: 0, step: i)) }
        second.record(.stageFinished(point: "p0", stage: 0, type: "finetune", seconds: 2))
        second.stageEnded(StageOutcome(point: "p0", stage: 0, type: "finetune", reused: false,
                                       models: [try LedgerTestSupport.model("teacher", bytes: 10)], exports: []))
        second.runEnded(try JSONDecoder().decode(ExperimentResults.self, from: Data(#"{"recipe":"demo","seed":1,"points":[]}"#.utf8)))

        #expect(try ledger.runs().count == 1)
        #expect(try ledger.run(folder).status == .finished)
        let steps = try ledger.metrics(ofRun: first.runId ?? 0, named: "loss")
        #expect(steps.map(\.step) == Array(1...8), "each step once: the file's 4, then the resumed run's")
        #expect(steps.prefix(4).allSatisfy { $0.value == 0.25 && $0.recordedAt == nil })
        #expect(try ledger.detail(ofRun: first.runId ?? 0).points[0].stages.map(\.status) == [.finished])
    }

    @Test func aRunWhoseFolderIsLockedStaysRunning() throws {
        let ledger = try Ledger()
        let folder = try LedgerTestSupport.folder("held")
        let lock = try RunFolderLock(folder: folder)
        let recorder = LedgerRecorder(ledger: ledger)
        try recorder.runStarted(LedgerTestSupport.description(folder: folder))
        #expect(try ledger.markInterrupted() == 0)
        #expect(try ledger.run(folder).status == .running)
        withExtendedLifetime(lock) {}
    }

    @Test func aFailedRunKeepsItsErrorAndFailedStage() throws {
        let ledger = try Ledger()
        let recorder = LedgerRecorder(ledger: ledger)
        try recorder.runStarted(LedgerTestSupport.description(folder: "/runs/f"))
        recorder.record(.stageStarted(point: "p0", stage: 0, type: "distill", reused: false))
        recorder.runFailed(ExperimentError.stageFailed(point: "p0", stage: 0, type: "distill", reason: "loss became nan"))
        let run = try ledger.run("/runs/f")
        #expect(run.status == .failed && run.error == "[p0] stages[0].distill: loss became nan")
        #expect(try ledger.detail(ofRun: run.id ?? 0).points[0].stages.map(\.status) == [.failed])
    }

    @Test func everyNumberOfAnEventBecomesAMetricRowAndNaNIsDropped() throws {
        let ledger = try Ledger()
        let recorder = LedgerRecorder(ledger: ledger)
        try recorder.runStarted(LedgerTestSupport.description(folder: "/runs/m"))
        recorder.record(.benchmarked(point: "p0", stage: 3, latencyMs: [1: 4.5, 8: 30], threads: 2))
        recorder.record(LedgerTestSupport.step("p0", stage: 0, step: 1, loss: .nan))
        recorder.stageEnded(StageOutcome(point: "p0", stage: 3, type: "benchmark", reused: false, models: [], exports: []))
        let rows = try ledger.metrics(ofRun: try ledger.run("/runs/m").id ?? 0)
        #expect(rows.map(\.name) == ["latency_ms[1]", "latency_ms[8]", "threads", "lr"])
        #expect(rows.map(\.value) == [4.5, 30, 2, Double(Float(1e-4))])
    }
}

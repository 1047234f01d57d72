import BertSlimHost
import BertSlimLedger
import Foundation
import Testing

/// Pareto-optimal models: no other model at least as accurate, as fast and as small, and better in one.
@Suite("Model comparison")
struct ModelComparisonTests {
    /// Records one run whose point holds `models` and returns the entries.
    static func entries(_ models: [ModelResult]) throws -> [ModelEntry] {
        let ledger = try Ledger()
        let recorder = LedgerRecorder(ledger: ledger)
        try recorder.runStarted(LedgerTestSupport.description(folder: "/runs/c"))
        recorder.stageEnded(StageOutcome(point: "p0", stage: 0, type: "x", reused: false, models: models, exports: []))
        return try ledger.models(task: "mr")
    }

    @Test func theFrontIsTheUndominatedModels() throws {
        let m = LedgerTestSupport.scored
        let entries = try Self.entries([
            try m("teacher", 100, 900, nil, [:]),                  // no numbers: takes no part
            try m("big", 100, 900, 0.90, [1: 20]),                 // most accurate: on the front
            try m("fast", 100, 400, 0.80, [1: 5]),                 // fastest: on the front
            try m("worse", 100, 500, 0.79, [1: 6]),                // dominated by fast
            try m("small", 100, 100, 0.70, [1: 9]),                // smallest: on the front
            try m("tie", 100, 400, 0.80, [1: 5]),                  // equal to fast: neither dominates
            try m("slowsmall", 100, 100, 0.70, [1: 10]),           // dominated by small (slower)
            try m("unbenched", 100, 50, 0.95, [8: 3]),             // no latency at batch 1: takes no part
        ])
        let comparison = ModelComparison(entries, split: "test", batchSize: 1)
        let front = entries.filter(comparison.isParetoOptimal).map(\.model.origin)
        #expect(front == ["big", "fast", "small", "tie"])
        #expect(entries.filter(comparison.isCandidate).count == 6)
        // At batch 8 only "unbenched" has a latency.
        #expect(entries.filter(ModelComparison(entries, split: "test", batchSize: 8).isParetoOptimal).map(\.model.origin) == ["unbenched"])
    }

    @Test func aModelTheSweepPointsShareIsListedOnce() throws {
        let ledger = try Ledger()
        let recorder = LedgerRecorder(ledger: ledger)
        try recorder.runStarted(LedgerTestSupport.description(folder: "/runs/sweep", points: ["p0", "p1"]))
        let m = LedgerTestSupport.scored
        // Both points start from the teacher and share the measured stages[0] model; stages[1]
        // is swept; stages[2] is not measured, so its equal sizes say nothing.
        let shared = [try m("teacher", 100, 900, nil, [:]), try m("stages[0].finetune", 100, 900, 0.85, [1: 10])]
        recorder.stageEnded(StageOutcome(point: "p0", stage: 2, type: "x", reused: false, models: shared + [
            try m("stages[1].prune", 80, 700, 0.84, [1: 8]), try m("stages[2].quantize", 80, 200, nil, [:])], exports: []))
        recorder.stageEnded(StageOutcome(point: "p1", stage: 2, type: "x", reused: false, models: shared + [
            try m("stages[1].prune", 60, 500, 0.80, [1: 7]), try m("stages[2].quantize", 80, 200, nil, [:])], exports: []))
        let entries = try ledger.models(task: "mr")
        #expect(entries.count == 8)
        let comparison = ModelComparison(entries)
        #expect(comparison.entries.map { "\($0.pointName) \($0.model.origin)" } == [
            "p0, p1 teacher", "p0, p1 stages[0].finetune", "p0 lr=p0 stages[1].prune", "p0 lr=p0 stages[2].quantize",
            "p1 lr=p1 stages[1].prune", "p1 lr=p1 stages[2].quantize",
        ])
        #expect(comparison.paretoOptimal.count == 3, "the shared model counts once")
    }
}

extension LedgerTestSupport {
    /// `model(_:parameters:bytes:test:latency:)` without labels, for tables of models.
    static func scored(_ origin: String, _ parameters: Int, _ bytes: Int, _ test: Double?, _ latency: [Int: Double]) throws -> ModelResult {
        try model(origin, parameters: parameters, bytes: bytes, test: test, latency: latency)
    }
}

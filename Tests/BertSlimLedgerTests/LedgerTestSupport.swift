import BertSlimHost
import BertSlimLedger
import Foundation

/// Runs described and recorded without training anything: the recorder sees the events and
/// stage ends an ``Experiment`` would give it.
enum LedgerTestSupport {
    /// A new empty folder under the system's temporary folder.
    static func folder(_ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bertslim-ledger-tests-\(getpid())/\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    static func metrics(_ accuracy: Double, count: Int = 100) -> ClassificationMetrics {
        let right = Int((accuracy * Double(count)).rounded())
        return ClassificationMetrics(predictions: Array(repeating: 1, count: count),
                                     labels: Array(repeating: 1, count: right) + Array(repeating: 0, count: count - right), classes: 2)
    }

    /// A model version as `results.json` holds it.
    static func model(_ origin: String, parameters: Int = 1000, bytes: Int, test: Double? = nil, latency: [Int: Double] = [:]) throws -> ModelResult {
        var object: [String: Any] = ["origin": origin, "parameters": parameters, "fileBytes": bytes, "losses": [Double](), "epochs": [Any](),
                                     "evaluations": [String: Any]()]
        if let test { object["evaluations"] = ["test": ["accuracy": metrics(test).accuracy, "f1": metrics(test).f1, "count": 100]] }
        object["latencyMs"] = Dictionary(uniqueKeysWithValues: latency.map { (String($0.key), $0.value) })
        if !latency.isEmpty { object["threads"] = 2 }
        return try JSONDecoder().decode(ModelResult.self, from: JSONSerialization.data(withJSONObject: object))
    }

    static func description(folder: String, task: String = "mr", points: [String] = ["p0"], resumed: Bool = false) -> RunDescription {
        RunDescription(folder: folder, recipeName: "demo", recipeYAML: "recipe: 1\nname: demo\n", recipeHash: stableHash("recipe: 1\nname: demo\n"),
                       seed: 1, task: task, trainFile: "/data/\(task)/train.tsv", devFile: nil, testFile: "/data/\(task)/test.tsv",
                       points: points.map { .init(id: $0, label: points.count == 1 ? "default" : "lr=\($0)", values: [:]) },
                       plugins: [], kernels: KernelChoice(), threads: 2, resumed: resumed, version: SDKVersion.string, command: "test")
    }

    static func step(_ point: String, stage: Int, step: Int, loss: Float = 0.5) -> ExperimentEvent {
        .trainingStep(point: point, stage: stage, epoch: 0, epochs: 1, step: step, stepsPerEpoch: 100, loss: loss,
                      learningRate: 1e-4, examplesPerSecond: 100)
    }

    /// Records a whole run of `point`: fine-tune (`steps` steps), evaluate, benchmark.
    static func recordRun(_ recorder: LedgerRecorder, folder: String, task: String = "mr", steps: Int = 5, accuracy: Double = 0.8) throws {
        try recorder.runStarted(description(folder: folder, task: task))
        recorder.record(.stageStarted(point: "p0", stage: 0, type: "finetune", reused: false))
        for i in 1...steps { recorder.record(step("p0", stage: 0, step: i)) }
        recorder.record(.stageFinished(point: "p0", stage: 0, type: "finetune", seconds: 1))
        var models = [try model("teacher", bytes: 4000), try model("stages[0].finetune", bytes: 4000)]
        recorder.stageEnded(StageOutcome(point: "p0", stage: 0, type: "finetune", reused: false, models: models, exports: []))
        recorder.record(.stageStarted(point: "p0", stage: 1, type: "evaluate", reused: false))
        recorder.record(.evaluated(point: "p0", stage: 1, split: "test", metrics: metrics(accuracy)))
        recorder.record(.stageFinished(point: "p0", stage: 1, type: "evaluate", seconds: 0.5))
        models[1] = try model("stages[0].finetune", bytes: 4000, test: accuracy, latency: [1: 5, 8: 20])
        recorder.stageEnded(StageOutcome(point: "p0", stage: 1, type: "evaluate", reused: false, models: models, exports: []))
        let results = try JSONDecoder().decode(ExperimentResults.self, from: JSONSerialization.data(withJSONObject: [
            "recipe": "demo", "seed": 1,
            "points": [["id": "p0", "label": "default", "values": [String: String](), "exports": [String](),
                        "models": try models.map { try JSONSerialization.jsonObject(with: JSONEncoder().encode($0)) }]]]))
        recorder.runEnded(results)
    }
}

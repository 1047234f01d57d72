import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// Distill stages run end to end on the tiny workspace (a random 2-layer BERT over MR slices).
@Suite("Distill stages", .serialized)
struct DistillStageTests {
    func results(_ folder: URL) throws -> ExperimentResults {
        try JSONDecoder().decode(ExperimentResults.self, from: Data(contentsOf: folder.appendingPathComponent("results.json")))
    }

    func run(_ recipe: String, in workspace: URL, name: String) throws -> (ExperimentResults, [ExperimentEvent]) {
        let path = try RecipeFixtures.write(recipe, "\(name).yaml", in: workspace)
        var events: [ExperimentEvent] = []
        let results = try Experiment(recipe: try BertSlimHost.Recipe(contentsOf: path), host: firstPartyHost(),
                                     options: .init(outputDirectory: workspace.appendingPathComponent(name).path)).run { events.append($0) }
        return (results, events)
    }

    static func bertStudentRecipe(teacherOutputs: String) -> String {
        RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - distill:
                  student: {component: bert-student, settings: {layers: 1}}
                  losses: [{component: hinton-kd, settings: {temperature: {schedule: linear, from: 3, to: 1}, alpha: 0.7}}]
                  teacher_outputs: \(teacherOutputs)
                  epochs: 2
                  batch_size: 16
                  learning_rate: 0.001
              - evaluate: {split: test}
              - export: {name: student}

            """)
    }

    @Test func cachedTeacherOutputsTrainTheSameStudentAsOnlineOnes() throws {
        let workspace = try RecipeFixtures.workspace("distill-cache")
        let (cached, events) = try run(Self.bertStudentRecipe(teacherOutputs: "auto"), in: workspace, name: "cached")
        let (online, _) = try run(Self.bertStudentRecipe(teacherOutputs: "online"), in: workspace, name: "online")
        // 160 examples in batches of 16: the teacher runs on epoch 0's examples only.
        let notes = events.compactMap { event -> String? in if case .note(let text) = event { return text } else { return nil } }
        #expect(notes.contains { $0.hasPrefix("[p0] teacher ran on 160 examples; 160 came from its cache") }, "\(notes)")
        let (a, b) = (try #require(cached.points[0].models.last), try #require(online.points[0].models.last))
        #expect(a.origin == "stages[4].distill" && a.losses.count == 20)
        for (x, y) in zip(a.losses, b.losses) { expectClose(x, Double(y), atol: 1e-4, rtol: 1e-3) }
        #expect(a.evaluations["test"]?.accuracy == b.evaluations["test"]?.accuracy)
        // The student is a plain 1-layer BERT folder that transformers-style loading reads back.
        let student = try BertModel.load(directory: workspace.appendingPathComponent("cached/exports/student").path)
        #expect(student.config.numHiddenLayers == 1 && student.config.labels == ["negative", "positive"])
        #expect(a.parameters == student.parameterCount && a.parameters < cached.points[0].models[1].parameters)
    }

    @Test func aLogisticRegressionStudentTrainsSavesAndPredictsThroughTheCLI() throws {
        let workspace = try RecipeFixtures.workspace("distill-lr")
        let recipe = RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - distill:
                  student: {component: logistic-regression, settings: {min_count: 1}}
                  losses: [{component: mse-logits}]
                  epochs: 3
                  batch_size: 16
                  learning_rate: 0.01
              - evaluate: {split: test}
              - benchmark: {batch_sizes: [1, 8], sequence_length: 16, warmup: 1, runs: 3}
              - export: {name: lr}

            """)
        let (results, _) = try run(recipe, in: workspace, name: "run")
        let student = try #require(results.points[0].models.last)
        #expect(student.origin == "stages[4].distill" && student.evaluations["test"] != nil)
        #expect(Set(student.latencyMs.keys) == ["1", "8"])
        let folder = workspace.appendingPathComponent("run/exports/lr").path
        let loaded = try ModelFolder.load(folder, host: firstPartyHost())
        #expect(loaded.labels == ["negative", "positive"] && loaded.parameterCount == student.parameters)
        let output = try runCommand(TestEnvironment.bertslim, ["predict", "--model", folder, "--text", "a gripping , funny film", "--json"])
        let line = try #require(try JSONSerialization.jsonObject(with: Data(output.output.utf8)) as? [String: Any])
        #expect(["negative", "positive"].contains(line["label"] as? String) && (line["logits"] as? [Double])?.count == 2)
    }

    @Test func sweepingWholeLossListsLabelsEachPointByItsLosses() throws {
        let workspace = try RecipeFixtures.workspace("distill-sweep")
        let recipe = RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - distill:
                  student: {component: bert-student, settings: {layers: 1}}
                  losses: [{component: cross-entropy}]

            """, sweep: """
            sweep:
              stages[4].distill.losses:
                - [{component: cross-entropy}]
                - [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]

            """)
        let points = try BertSlimHost.Recipe(contentsOf: try RecipeFixtures.write(recipe, "sweep.yaml", in: workspace)).points()
        #expect(points.map(\.label) == ["distill.losses=[{component: cross-entropy}]",
                                        "distill.losses=[{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]"])
    }

    @Test func aBadStudentSettingFailsValidationWithItsKeyPath() throws {
        let workspace = try RecipeFixtures.workspace("distill-bad")
        let recipe = RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - distill:
                  student: {component: bert-student, settings: {layers: 1, layer_map: [0, 1]}}
                  losses: [{component: hinton-kd}]

            """)
        do {
            _ = try run(recipe, in: workspace, name: "run")
            Issue.record("no error")
        } catch {
            #expect("\(error)".contains("stages[4].distill.student"), "\(error)")
            #expect("\(error)".contains("layer_map: has 2 entries for 1 layers"), "\(error)")
        }
    }
}

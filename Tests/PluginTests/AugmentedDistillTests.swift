import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// Distill stages with an `augment:` block, end to end on the tiny workspace.
@Suite("Augmented distillation", .serialized)
struct AugmentedDistillTests {
    static func recipe(augment: String = "{component: tang-rules, settings: {n_iter: 3}}") -> String {
        RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - distill:
                  student: {component: bilstm, settings: {lstm_size: 8, relu_size: 8}}
                  losses: [{component: mse-logits}]
                  augment: \(augment)
                  epochs: 1
                  batch_size: 32
                  learning_rate: 0.005
              - evaluate: {split: test}
              - benchmark: {batch_sizes: [1, 8], sequence_length: 16, warmup: 1, runs: 3}
              - export: {name: bilstm}

            """, sweep: """
            sweep:
              stages[4].distill.losses:
                - [{component: mse-logits}]
                - [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]

            """)
    }

    @Test func aBiLSTMLearnsFromAnAugmentedTransferSetLabelledOnceAndReloads() throws {
        let workspace = try RecipeFixtures.workspace("distill-augment")
        let path = try RecipeFixtures.write(Self.recipe(), "augment.yaml", in: workspace)
        var notes: [String] = []
        let out = workspace.appendingPathComponent("run")
        let results = try Experiment(recipe: try BertSlimHost.Recipe(contentsOf: path), host: firstPartyHost(),
                                     options: .init(outputDirectory: out.path)).run { event in
            if case .note(let text) = event { notes.append(text) }
        }
        // 160 texts × 3 copies, less duplicates and empties; the count line is printed per point.
        let counts = try #require(notes.first { $0.hasPrefix("[p0] augmented 160 training texts: ") }, "\(notes)")
        let numbers = counts.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        #expect(numbers.count == 5, "\(counts)")  // 0 (p0), 160, added, duplicates, empty
        let (added, duplicates, empty) = (numbers[2], numbers[3], numbers[4])
        #expect(added + duplicates + empty == 480 && added > 300 && empty == 0)
        // The teacher labelled every example once; training never ran it.
        #expect(notes.contains { $0.hasPrefix("[p0] teacher ran on \(160 + added) examples; ") }, "\(notes)")
        // The second point shares the first's transfer set.
        #expect(notes.contains { $0.hasPrefix("[p1] transfer set read from ") }, "\(notes)")
        #expect(notes.contains { $0 == counts.replacingOccurrences(of: "[p0]", with: "[p1]") })
        for point in results.points {
            let student = try #require(point.models.last)
            #expect(student.origin == "stages[4].distill" && student.evaluations["test"] != nil && student.latencyMs.count == 2)
            // One epoch over the transfer set in batches of 32.
            #expect(student.losses.count == (160 + added + 31) / 32)
        }
        let folder = out.appendingPathComponent("exports/p0-bilstm").path
        let loaded = try ModelFolder.load(folder, host: firstPartyHost())
        #expect(loaded.labels == ["negative", "positive"] && loaded.parameterCount == results.points[0].models.last?.parameters)
        let output = try runCommand(TestEnvironment.bertslim, ["predict", "--model", folder, "--text", "a gripping , funny film", "--json"])
        let line = try #require(try JSONSerialization.jsonObject(with: Data(output.output.utf8)) as? [String: Any])
        #expect(["negative", "positive"].contains(line["label"] as? String) && (line["logits"] as? [Double])?.count == 2)
    }

    @Test(arguments: [
        ("{component: tang-rules, settings: {n_iter: 0}}", "stages[4].distill.augment.settings.n_iter: 0 is not in 1...1000"),
        ("{component: tang-rules, settings: {p_mask: -0.5}}", "stages[4].distill.augment.settings.p_mask: -0.5 is not a probability (0...1)"),
        ("{component: tang-rule}", "stages[4].distill.augment.component"),
        ("{component: tang-rules, weight: 2}", "stages[4].distill.augment.weight"),
    ])
    func validateRefusesABadAugmentBlockWithItsKeyPath(augment: String, message: String) throws {
        let workspace = try RecipeFixtures.workspace("distill-augment-bad")
        let path = try RecipeFixtures.write(Self.recipe(augment: augment), "bad.yaml", in: workspace)
        let result = try runCommand(TestEnvironment.bertslim, ["validate", path], check: false)
        #expect(result.status == 2)
        #expect(result.errors.contains(message), "\(result.errors)")
    }
}

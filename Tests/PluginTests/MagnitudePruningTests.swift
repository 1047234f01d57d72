import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The `magnitude` pruner and weight-pruning prune stages: which weights go, masks kept through
/// steps and fine-tuning, the sparse export, and what validation refuses.
@Suite("Magnitude pruning", .serialized)
struct MagnitudePruningTests {
    static func pruner(_ yaml: String = "{}", context: ComponentContext = ComponentContext()) throws -> any Pruner {
        try firstPartyHost().make("magnitude", as: (any Pruner).self, config: .yaml(yaml), context: context)
    }

    static func encoderWeights(_ model: BertModel) -> [(name: String, parameter: Parameter)] {
        model.maskableWeights.filter { $0.name.hasPrefix("encoder.") }
    }

    @Test func globalScopeMasksTheSmallestWeightsOfTheEncoder() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let pruner = try Self.pruner()
        let result = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.5)
        let weights = Self.encoderWeights(model)
        let total = weights.reduce(0) { $0 + $1.parameter.value.count }
        let masked = weights.flatMap { $0.parameter.mask!.scalars }.filter { $0 == 0 }.count
        #expect(masked == total / 2 && result.fraction == 0.5)
        #expect(model.poolerWeight.mask == nil && model.classifierWeight?.mask == nil)
        // every masked |w| was at most every kept |w| (the weights are zero now: read the scores)
        let scores = try Self.pruner().score(SixteenHeadsTests.tiny().0, batches: [])
        let pairs = weights.flatMap { w in zip(scores.groups[w.name]!.scalars, w.parameter.mask!.scalars) }
        #expect(pairs.filter { $0.1 == 0 }.map(\.0).max()! <= pairs.filter { $0.1 == 1 }.map(\.0).min()!)
        #expect(type(of: pruner).granularity == .weights)
    }

    @Test func layerScopePrunesEachMatrixAlikeAndStepsAddToEarlierMasks() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let pruner = try Self.pruner("{scope: layer}")
        _ = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.25)
        let first = Self.encoderWeights(model).map { $0.parameter.mask!.scalars }
        for mask in first { #expect(mask.filter { $0 == 0 }.count == Int((0.25 * Double(mask.count)).rounded())) }
        let result = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.75)
        for (old, (_, parameter)) in zip(first, Self.encoderWeights(model)) {
            let new = parameter.mask!.scalars
            #expect(zip(old, new).allSatisfy { $0 == 1 || $1 == 0 })   // masked once, masked for good
            #expect(new.filter { $0 == 0 }.count == Int((0.75 * Double(new.count)).rounded()))
        }
        #expect(result.fraction == 0.75)
    }

    @Test func theStagesSelectionChoosesTheWeights() throws {
        let (model, batch) = SixteenHeadsTests.tiny()
        let selection = ParameterSelector(names: ["re:encoder\\.layer\\.1\\..*", "classifier.weight"])
        let pruner = try Self.pruner(context: ComponentContext(selection: selection))
        _ = try pruner.prune(model, scores: try pruner.score(model, batches: [batch]), target: 0.5)
        #expect(model.maskableWeights.filter { $0.parameter.mask != nil }.map(\.name) == [
            "encoder.layer.1.attention.self.query.weight", "encoder.layer.1.attention.self.key.weight",
            "encoder.layer.1.attention.self.value.weight", "encoder.layer.1.attention.output.dense.weight",
            "encoder.layer.1.intermediate.dense.weight", "encoder.layer.1.output.dense.weight", "classifier.weight",
        ])
    }

    /// AGP through the runner: masks survive fine-tuning after each step, the history records the
    /// fraction of weights, and the export is sparse, smaller, and reloads with the same accuracy.
    @Test func agpWithFineTuningThroughTheRunner() throws {
        let workspace = try RecipeFixtures.workspace("magnitude-agp")
        let yaml = RecipeFixtures.tinyRecipe(epochs: 1, extraStages: """
              - id: agp
                prune:
                  pruner: {component: magnitude}
                  sparsity: {schedule: cubic, from: 0, to: 0.8}
                  steps: 2
                  evaluate: test
                  stop_below: 0
                  finetune: {epochs: 1, batch_size: 16, learning_rate: 0.001, checkpoint_every: 0}
              - evaluate: {split: test}
              - export: {name: sparse}
              - export: {name: dense, dense: true}
            """)
        let (results, _) = try RecipeFixtures.run(yaml, name: "agp", in: workspace)
        let models = try #require(results.points.first).models
        let pruned = try #require(models.first { $0.origin == "stages[4].prune" })
        let history = try #require(pruned.pruning)
        #expect(history.granularity == "weights" && history.structureNoun == "weights")
        // cubic from 0 to 0.8 in two steps: 0.8·(1 − 0.5³) = 0.7, then 0.8
        #expect(history.steps[0].fraction == nil)
        #expect(zip(history.steps.dropFirst().map { $0.fraction ?? -1 }, [0.7, 0.8]).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(history.steps.dropFirst().allSatisfy { $0.finetuned != nil })
        let run = workspace.appendingPathComponent("agp")
        let sparse = try BertModel.load(directory: run.appendingPathComponent("exports/sparse").path)
        #expect(abs(sparse.maskedFraction(of: Set(Self.encoderWeights(sparse).map(\.name))) - 0.8) < 1e-3)
        for (_, parameter) in Self.encoderWeights(sparse) {
            #expect(zip(parameter.value.scalars, parameter.mask!.scalars).allSatisfy { $1 == 1 || $0 == 0 })
        }
        let dense = try BertModel.load(directory: run.appendingPathComponent("exports/dense").path)
        #expect(dense.maskableWeights.allSatisfy { $0.parameter.mask == nil })
        let size = { (path: String) in (try FileManager.default.attributesOfItem(atPath: run.appendingPathComponent(path).path)[.size] as? Int) ?? 0 }
        #expect(try size("exports/sparse/" + BertModel.sparseWeightsFile) < size("exports/dense/model.safetensors"))
        let report = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("fraction of weights removed") && report.contains("<th>weights removed</th>"))
    }

    @Test(arguments: ["magnitude.yaml", "ffn-neurons.yaml"])
    func theCommittedRecipesValidate(name: String) throws {
        let path = TestEnvironment.packageRoot.appendingPathComponent("recipes/\(name)").path
        let result = try runCommand(TestEnvironment.bertslim, ["validate", path, "--plugin-path", TestEnvironment.buildDirectory.path])
        #expect(result.output.hasPrefix("\(path): ok"), "\(result.output)\(result.errors)")
    }

    @Test(arguments: [
        ("sparsity: 1", "stages[4].prune.sparsity: 1.0 is not in [0, 1)"),
        ("sparsity: {schedule: linear, from: 0.5, to: 0.2}", "stages[4].prune.sparsity: linear 0.5 → 0.2 decreases"),
        ("select: {names: [\"re:decoder\\\\..*\"]}", "stages[4].prune.select.names: matches none of the parameters of model"),
    ])
    func validationRefusesBadSparsityAndEmptySelections(setting: String, message: String) throws {
        let workspace = try RecipeFixtures.workspace("magnitude-invalid", train: 16, dev: 8, test: 8)
        let yaml = RecipeFixtures.tinyRecipe(extraStages: """
              - prune: {pruner: {component: magnitude}, \(setting)}
            """)
        let error = try RecipeFixtures.validationFailure(yaml, in: workspace)
        #expect("\(error)".contains(message), "\(error)")
    }
}

import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The q8bert plugin through recipes and the CLI: quantization-aware training in a quantize
/// stage, the int8 folder it exports, and the committed recipes.
@Suite("Q8BERT recipes", .serialized)
struct Q8BERTRecipeTests {
    @Test func aQuantizeStageTrainsWithFakeQuantizationAndExportsAnInt8ModelThatReloads() throws {
        let workspace = try RecipeFixtures.workspace("q8bert")
        let stages = """
              - quantize:
                  quantizer: {component: q8bert, settings: {mode: qat}}
                  epochs: 1
                  batch_size: 16
                  learning_rate: 1.0e-4
                  calibration_batches: 0
              - evaluate: {split: test}
              - export: {name: int8}
            """
        let path = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(epochs: 1, extraStages: stages), "q8bert.yaml", in: workspace)
        let out = workspace.appendingPathComponent("run")
        let results = try Experiment(recipe: try BertSlimHost.Recipe(contentsOf: path), host: firstPartyHost(),
                                     options: .init(outputDirectory: out.path)).run { _ in }
        let point = try #require(results.points.first)
        #expect(point.models.map(\.origin) == ["teacher", "stages[0].finetune", "stages[4].quantize"])
        let float = point.models[1], int8 = point.models[2]
        // 160 examples, batch 16: 10 fake-quantized training steps, then one dev evaluation.
        #expect(int8.losses.count == 10 && int8.epochs.count == 1)
        // A tiny model: scales, biases and LayerNorms weigh more here than in MiniLM (3.97× there).
        #expect(int8.fileBytes * 5 < float.fileBytes * 2, "int8 weights \(int8.fileBytes) B vs float \(float.fileBytes) B")
        let test = try #require(int8.evaluations["test"])
        // The exported folder reloads as the plugin's int8 model and scores what the run reported.
        let folder = out.appendingPathComponent("exports/int8").path
        let reloaded = try ModelFolder.load(folder, host: firstPartyHost())
        #expect(String(describing: type(of: reloaded)).contains("Int8BertModel"))
        #expect(reloaded.labels == ["negative", "positive"])
        let tokenizer = try WordPieceTokenizer(directory: folder)
        let testSet = try TextDataset(path: workspace.appendingPathComponent("test.tsv").path, labels: try LabelVocabulary(["negative", "positive"]))
        #expect(try evaluateClassifier(reloaded, on: EncodedDataset(testSet, tokenizer: tokenizer, maxLength: 32)) == test)
        let file = try SafetensorsFile(path: folder + "/model.safetensors")
        #expect(file.entry(named: "encoder.layer.0.attention.self.query.weight")?.dtype == .i8)
    }

    @Test func quantizationAwareFineTuningStartsFromAHeadlessBert() throws {
        // Q8BERT's protocol: fake-quantized fine-tuning straight from the pretrained model.
        let workspace = try RecipeFixtures.workspace("q8bert-headless")
        let recipe = RecipeFixtures.tinyRecipe()
        let stages = recipe.range(of: "stages:")!.lowerBound
        let path = try RecipeFixtures.write(recipe[..<stages] + """
            stages:
              - quantize: {quantizer: {component: q8bert}, epochs: 1, batch_size: 16}
              - evaluate: {split: test}
            """, "headless.yaml", in: workspace)
        let results = try Experiment(recipe: try BertSlimHost.Recipe(contentsOf: path), host: firstPartyHost(),
                                     options: .init(outputDirectory: workspace.appendingPathComponent("run").path)).run { _ in }
        let quantized = try #require(results.points.first?.models.first { $0.origin == "stages[0].quantize" })
        #expect(quantized.losses.count == 10)
    }

    @Test(arguments: ["q8bert-qat.yaml", "q8bert-ptq.yaml"])
    func theCommittedRecipesValidate(name: String) throws {
        let path = TestEnvironment.packageRoot.appendingPathComponent("recipes/\(name)").path
        let result = try runCommand(TestEnvironment.bertslim, ["validate", path, "--plugin-path", TestEnvironment.buildDirectory.path])
        #expect(result.output.hasPrefix("\(path): ok"), "\(result.output)\(result.errors)")
    }
}

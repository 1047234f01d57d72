import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// The q-bert and kmeans plugins through recipes and the CLI: quantization-aware training and
/// centroid fine-tuning in a quantize stage, mixed precision from the Hessian, the packed folder
/// (smaller, reloads, scores what the run reported, refuses tensors that contradict its config),
/// `export --dequantize`, and the settings validation refuses.
@Suite("Low-bit quantizers", .serialized)
struct LowBitQuantizerTests {
    /// Runs the tiny recipe with `stages` after its fine-tune; returns the results and the run folder.
    func run(_ name: String, _ stages: String) throws -> (ExperimentResults, URL, URL) {
        let workspace = try RecipeFixtures.workspace(name)
        let (results, _) = try RecipeFixtures.run(RecipeFixtures.tinyRecipe(epochs: 1, extraStages: stages), name: "run", in: workspace)
        return (results, workspace, workspace.appendingPathComponent("run"))
    }

    func quantizationBlock(_ folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/config.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["quantization"] as? [String: Any])
    }

    func testSet(_ workspace: URL, _ folder: String) throws -> EncodedDataset {
        let data = try TextDataset(path: workspace.appendingPathComponent("test.tsv").path,
                                   labels: try LabelVocabulary(["negative", "positive"]))
        return EncodedDataset(data, tokenizer: try WordPieceTokenizer(directory: folder), maxLength: 32)
    }

    @Test func qBERTTrainsWithGroupwiseFakeQuantizationAndExportsAPackedFolderThatReloads() throws {
        let (results, workspace, out) = try run("qbert", """
              - quantize:
                  quantizer: {component: q-bert, settings: {bits: 3, groups: 4}}
                  epochs: 1
                  batch_size: 16
                  learning_rate: 1.0e-4
                  calibration_batches: 0
              - evaluate: {split: test}
              - export: {name: lowbit}
            """)
        let point = try #require(results.points.first)
        let float = point.models[1], packed = try #require(point.models.last)
        #expect(packed.origin == "stages[4].quantize" && packed.losses.count == 10)
        #expect(packed.summary?.contains("3/3 bits") == true, "\(packed.summary ?? "no summary")")
        // Encoder weights at 3 bits, the rest at 8 or float: well under a third of the float file.
        #expect(packed.fileBytes * 3 < float.fileBytes, "\(packed.fileBytes) B vs \(float.fileBytes) B")
        let folder = out.appendingPathComponent("exports/lowbit").path
        let reloaded = try ModelFolder.load(folder, host: firstPartyHost())
        let model = try #require(reloaded as? LowBitBertModel)
        #expect(try evaluateClassifier(model, on: testSet(workspace, folder)) == packed.evaluations["test"])
        let query = try #require(model.weights["encoder.layer.0.attention.self.query"])
        // 4 heads × 1 group per head, 3 bits: 32 codes in 12 bytes a row, one scale and zero point per group.
        #expect(query.spec == LowBitSpec(bits: 3, groups: 4, scheme: .asymmetric))
        let file = try SafetensorsFile(path: folder + "/model.safetensors")
        #expect(file.entry(named: "encoder.layer.0.attention.self.query.weight")?.shape == [32, 12])
        #expect(file.entry(named: "encoder.layer.0.intermediate.dense.weight_zero_point")?.shape == [4])
        let block = try quantizationBlock(folder)
        #expect(block["method"] as? String == "q-bert" && block["layer_bits"] as? [Int] == [3, 3])
    }

    @Test(arguments: [2, 3, 4, 8])
    func thePackedModelComputesWhatQuantizationAwareTrainingSaw(bits: Int) throws {
        let config = BertConfig(vocabSize: 60, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4, intermediateSize: 64,
                                maxPositionEmbeddings: 16, labels: ["negative", "positive"])
        let model = BertModel(config: config, seed: 5)
        for (_, p) in model.namedParameters where p.shape.count == 2 { p.value = p.value * 5 }
        let quantizer = try firstPartyHost().make("q-bert", as: (any Quantizer).self, config: .yaml("{bits: \(bits), groups: 4}"))
        try quantizer.prepare(model)
        var g = SeededGenerator(seed: 9)
        let batch = Batch(inputIDs: IntTensor(shape: [2, 9], scalars: (0..<18).map { _ in Int32(g.next() % 60) }),
                          attentionMask: IntTensor(shape: [2, 9], scalars: (0..<18).map { $0 >= 15 ? 0 : 1 }),
                          tokenTypeIDs: IntTensor(shape: [2, 9], scalars: Array(repeating: 0, count: 18)))
        // The float model with fake quantization installed, as quantization-aware training runs it.
        let simulated = try withoutGradient { try model.forward(batch, request: [], training: false).logits! }
        let packed = try #require(try quantizer.convert(model) as? LowBitBertModel)
        let logits = try withoutGradient { try packed.forward(batch, request: [], training: false).logits! }
        let scale = simulated.scalars.map(abs).max()!
        let difference = zip(logits.scalars, simulated.scalars).map { abs($0 - $1) }.max()!
        // The same codes, scales and 8-bit inputs; only int32 against float accumulation differs.
        #expect(difference <= 1e-3 * max(scale, 1), "\(bits) bits: \(logits.scalars) vs \(simulated.scalars)")
        #expect(packed.layerBits == [bits, bits] && packed.weights.count == 2 * 6 + 2)
    }

    @Test func mixedPrecisionMeasuresTheHessianAndKeepsTheBudget() throws {
        let (results, _, out) = try run("qbert-mixed", """
              - quantize:
                  quantizer:
                    component: q-bert
                    settings: {groups: 4, mixed: {bits: [2, 4], size_budget: 3, subsets: 2, batches: 1, iterations: 4}}
                  calibration_batches: 3
              - export: {name: mixed}
            """)
        let packed = try #require(results.points.first?.models.last)
        let block = try quantizationBlock(out.appendingPathComponent("exports/mixed").path)
        let bits = try #require(block["layer_bits"] as? [Int])
        // Two layers of equal size, 3 bits on average: one at 4, one at 2.
        #expect(bits.sorted() == [2, 4], "\(bits)")
        let allocation = try #require(block["bit_allocation"] as? [String: Any])
        let omega = try #require(allocation["omega"] as? [Double])
        #expect(omega.count == 2 && omega.allSatisfy { $0.isFinite && $0 >= 0 })
        #expect((allocation["eigenvalues"] as? [[Double]])?.map(\.count) == [2, 2])
        #expect(packed.summary?.contains("bits") == true)
    }

    @Test func kMeansFineTunesOnlyTheCentroidsAndKeepsTheCodes() throws {
        let (results, workspace, out) = try run("kmeans", """
              - quantize:
                  quantizer: {component: kmeans, settings: {bits: 2}}
                  epochs: 1
                  batch_size: 16
                  learning_rate: 1.0e-3
                  calibration_batches: 0
              - evaluate: {split: test}
              - export: {name: kmeans}
            """)
        let packed = try #require(results.points.first?.models.last)
        #expect(packed.losses.count == 10)
        let folder = out.appendingPathComponent("exports/kmeans").path
        let model = try #require(try ModelFolder.load(folder, host: firstPartyHost()) as? LowBitBertModel)
        #expect(try evaluateClassifier(model, on: testSet(workspace, folder)) == packed.evaluations["test"])
        // The fine-tuned float model the stage started from, clustered again with the same seed
        // (the recipe's 7, layer 0's query is weight 0): the same codes, other centroids.
        let float = try BertModel.load(directory: out.appendingPathComponent("exports/finetuned").path)
        let spec = LowBitSpec(bits: 2, groups: 1, scheme: .codebook)
        let fresh = try quantizeKMeans(float.layers[0].query.value, spec: spec, seed: 7)
        let trained = try #require(model.weights["encoder.layer.0.attention.self.query"])
        #expect(trained.codes == fresh.codes)
        #expect(trained.codebook != fresh.codebook)
        #expect(try SafetensorsFile(path: folder + "/model.safetensors").entry(named: "encoder.layer.0.attention.self.query.weight_codebook")?.shape == [1, 4])
    }

    @Test func exportDequantizeWritesAFloatBertWithTheDecodedWeights() throws {
        let (_, _, out) = try run("dequantize", """
              - quantize: {quantizer: {component: q-bert, settings: {bits: 4, groups: 4}}, calibration_batches: 0}
              - export: {name: lowbit}
            """)
        let folder = out.appendingPathComponent("exports/lowbit").path
        let target = out.appendingPathComponent("float").path
        let result = try runCommand(TestEnvironment.bertslim, ["export", "--model", folder, "--out", target, "--dequantize",
                                                               "--plugin-path", TestEnvironment.buildDirectory.path])
        #expect(result.output.contains("wrote"))
        let float = try BertModel.load(directory: target)
        let packed = try #require(try ModelFolder.load(folder, host: firstPartyHost()) as? LowBitBertModel)
        #expect(float.layers[1].intermediate.value.scalars == packed.weights["encoder.layer.1.intermediate.dense"]!.dequantized().scalars)
        #expect(FileManager.default.fileExists(atPath: target + "/vocab.txt"))
        let refused = try runCommand(TestEnvironment.bertslim, ["export", "--model", target, "--out", target + "2", "--dequantize"], check: false)
        #expect(refused.status != 0 && refused.errors.contains("nothing to dequantize"), "\(refused.errors)")
    }

    @Test func aPackedFolderWhoseTensorsContradictItsConfigIsRefusedNamingTheTensor() throws {
        let (_, _, out) = try run("lowbit-bad", """
              - quantize: {quantizer: {component: q-bert, settings: {bits: 2, groups: 4}}, calibration_batches: 0}
              - export: {name: lowbit}
            """)
        let folder = out.appendingPathComponent("exports/lowbit")
        let configURL = folder.appendingPathComponent("config.json")
        let original = try String(contentsOf: configURL, encoding: .utf8)
        // The config says 4 groups for the query; declare 8: the stored scale has 4 values.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: Any])
        var block = try #require(object["quantization"] as? [String: Any])
        var weights = try #require(block["weights"] as? [String: Any])
        weights["encoder.layer.0.attention.self.query"] = ["bits": 2, "groups": 8, "scheme": "asymmetric"]
        block["weights"] = weights
        object["quantization"] = block
        try JSONSerialization.data(withJSONObject: object).write(to: configURL)
        #expect { try ModelFolder.load(folder.path, host: firstPartyHost()) } throws: { error in
            "\(error)".contains("encoder.layer.0.attention.self.query.weight_scale") && "\(error)".contains("model.safetensors")
        }
        // Bits the format does not have are refused naming the config key.
        weights["encoder.layer.0.attention.self.query"] = ["bits": 5, "groups": 4, "scheme": "asymmetric"]
        block["weights"] = weights
        object["quantization"] = block
        try JSONSerialization.data(withJSONObject: object).write(to: configURL)
        #expect { try ModelFolder.load(folder.path, host: firstPartyHost()) } throws: { error in
            "\(error)".contains("config.json") && "\(error)".contains("quantization.weights.encoder.layer.0.attention.self.query")
        }
    }

    @Test(arguments: [
        ("{component: q-bert, settings: {bits: 5}}", "stages[4].quantize.quantizer.settings.bits", "not one of 2, 3, 4, 8"),
        ("{component: q-bert, settings: {groups: 7}}", "stages[4].quantize.quantizer.settings.groups", "do not divide"),
        ("{component: q-bert, settings: {groups: 4, groups_per_head: 3}}", "stages[4].quantize.quantizer.settings.groups_per_head", "do not divide"),
        ("{component: q-bert, settings: {groups: 4, mixed: {bits: [3, 4], size_budget: 2}}}",
         "stages[4].quantize.quantizer.settings.mixed.size_budget", "smallest allocation"),
        ("{component: q-bert, settings: {groups: 4, mixed: {bits: [2, 6]}}}", "stages[4].quantize.quantizer.settings.mixed.bits", "6 is not one of"),
        ("{component: kmeans, settings: {bits: 1}}", "stages[4].quantize.quantizer.settings.bits", "not one of 2, 3, 4, 8"),
        ("{component: kmeans, settings: {groups: 5}}", "stages[4].quantize.quantizer.settings.groups", "do not divide"),
    ])
    func validateRefusesSettingsThatCannotFitTheModel(block: String, key: String, reason: String) throws {
        let workspace = try RecipeFixtures.workspace("lowbit-validate")
        let path = try RecipeFixtures.write(RecipeFixtures.tinyRecipe(extraStages: "  - quantize: {quantizer: \(block)}\n"), "bad.yaml", in: workspace)
        #expect { try BertSlimHost.Recipe(contentsOf: path).validate(host: firstPartyHost()) } throws: { error in
            "\(error)".contains(key) && "\(error)".contains(reason)
        }
    }

    @Test(arguments: ["qbert.yaml", "kmeans.yaml"])
    func theCommittedRecipesValidate(name: String) throws {
        let path = TestEnvironment.packageRoot.appendingPathComponent("recipes/\(name)").path
        let result = try runCommand(TestEnvironment.bertslim, ["validate", path, "--plugin-path", TestEnvironment.buildDirectory.path])
        #expect(result.output.hasPrefix("\(path): ok"), "\(result.output)\(result.errors)")
    }
}

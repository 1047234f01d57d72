import BertSlimHost
import BertSlimSDK
import Foundation
import Testing

/// MPNet through a whole recipe: a small random MPNet (its vocabulary with `<s>`, `</s>`, `<pad>`
/// and MPNetTokenizer's config) fine-tuned, evaluated, exported, distilled into a 1-layer student
/// (which takes the teacher's variant and its relative-position bias), and the committed
/// recipe for the real teacher validates when `make assets-large` has fetched it.
@Suite("MPNet recipes", .serialized)
struct MPNetRecipeTests {
    /// `workspace/mpnet`: a 2-layer MPNet classifier-to-be over the workspace's words.
    static func mpnetFolder(in workspace: URL) throws -> URL {
        let words = try String(contentsOf: workspace.appendingPathComponent("model/vocab.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix("[") }
        let vocabulary = ["<s>", "<pad>", "</s>", "[UNK]", "<mask>"] + words
        var config = BertConfig(vocabSize: vocabulary.count, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4,
                                intermediateSize: 64, maxPositionEmbeddings: 66, padTokenID: 1)
        (config.modelType, config.relativeAttentionNumBuckets, config.typeVocabSize, config.layerNormEps) = (.mpnet, 32, 0, 1e-5)
        let folder = workspace.appendingPathComponent("mpnet")
        try BertModel(config: config, seed: 5).save(to: folder.path, tokenizerDirectory: nil)
        try (vocabulary.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        try #"{"tokenizer_class": "MPNetTokenizer", "do_lower_case": true}"#
            .write(to: folder.appendingPathComponent("tokenizer_config.json"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test func fineTuneEvaluateExportAndDistillAnMPNet() throws {
        let workspace = try RecipeFixtures.workspace("mpnet-recipe", train: 64, dev: 16, test: 32)
        _ = try Self.mpnetFolder(in: workspace)
        let yaml = """
            recipe: 1
            name: mpnet
            seed: 7
            data: {train: train.tsv, dev: dev.tsv, test: test.tsv, max_length: 32}
            teacher: {model: mpnet}
            stages:
              - finetune: {epochs: 1, batch_size: 16, learning_rate: 0.001, checkpoint_every: 0}
              - evaluate: {split: test}
              - export: {name: teacher}
              - distill:
                  student: {component: bert-student, settings: {layers: 1}}
                  losses: [{component: hinton-kd, settings: {temperature: 2, alpha: 0.5}}]
                  epochs: 1
                  batch_size: 16
                  learning_rate: 0.001
                  checkpoint_every: 0
              - evaluate: {split: test}
              - export: {name: student}
            """
        _ = try RecipeFixtures.run(yaml, name: "run", in: workspace)
        for name in ["teacher", "student"] {
            let folder = workspace.appendingPathComponent("run/exports/\(name)")
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as! [String: Any]
            #expect(config["model_type"] as? String == "mpnet", "\(name)")
            #expect(config["architectures"] as? [String] == ["MPNetForSequenceClassification"], "\(name)")
            let file = try SafetensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
            #expect(file.entry(named: "mpnet.encoder.layer.0.attention.attn.q.weight") != nil, "\(name)")
            #expect(file.entry(named: "classifier.out_proj.weight") != nil && file.entry(named: "mpnet.encoder.relative_attention_bias.weight") != nil)
            let model = try BertModel.load(directory: folder.path)
            #expect(model.config.modelType == .mpnet && model.config.numHiddenLayers == (name == "teacher" ? 2 : 1))
            let tokenizer = try WordPieceTokenizer(directory: folder.path)
            #expect(tokenizer.paddingID == 1 && tokenizer.specialTokens.pairSeparators == 2)
        }
    }

    static let base = TestEnvironment.packageRoot.appendingPathComponent("assets/model/mpnet-base/model.safetensors").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: base), "all-mpnet-base-v2 is absent: run `make assets-large`"),
          arguments: ["mpnet-teacher.yaml", "mpnet-students.yaml"])
    func theMPNetRecipesValidate(recipe: String) throws {
        let path = TestEnvironment.packageRoot.appendingPathComponent("recipes/\(recipe)").path
        let result = try runCommand(TestEnvironment.bertslim, ["validate", path, "--plugin-path", TestEnvironment.buildDirectory.path])
        #expect(result.output.hasPrefix("\(path): ok"), "\(result.output)\(result.errors)")
    }
}

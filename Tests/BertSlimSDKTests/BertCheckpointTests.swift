import BertSlimSDK
import Foundation
import Testing

/// Bad config and checkpoint files give one error naming the file and the reason; good
/// ones round-trip (including pruned layouts).
@Suite struct BertCheckpointTests {
    static let tiny = BertConfig(vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 4,
                                 intermediateSize: 32, maxPositionEmbeddings: 24, labels: ["no", "yes"])

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "bertslim-checkpoint-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func writeConfig(_ json: String, in directory: String) throws -> String {
        let path = directory + "/config.json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func savedModelReloadsWithTheSameOutputs() throws {
        let directory = try temporaryDirectory()
        var config = Self.tiny
        config.prunedHeads = [1: [0, 2]]
        config.intermediateSizes = [32, 8]
        let model = BertModel(config: config, seed: 3)
        try model.save(to: directory, tokenizerDirectory: nil)
        let reloaded = try BertModel.load(directory: directory)
        #expect(reloaded.config == config)
        #expect(reloaded.layers[1].heads == 2 && reloaded.layers[1].intermediate.shape == [8, 16])
        let batch = Batch(inputIDs: IntTensor(shape: [2, 5], scalars: [1, 5, 7, 9, 2, 1, 4, 2, 0, 0]),
                          attentionMask: IntTensor(shape: [2, 5], scalars: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]),
                          tokenTypeIDs: IntTensor(repeating: 0, shape: [2, 5]))
        let a = try withoutGradient { try model.forward(batch, request: [], training: false).logits! }
        let b = try withoutGradient { try reloaded.forward(batch, request: [], training: false).logits! }
        #expect(a.scalars == b.scalars)
        let names = try SafetensorsFile(path: directory + "/model.safetensors").names
        #expect(names.contains("bert.encoder.layer.0.attention.self.query.weight") && names.contains("classifier.weight"))
    }

    @Test func missingRequiredKeyIsNamed() throws {
        let path = try writeConfig(#"{"vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 2, "intermediate_size": 32}"#,
                                   in: try temporaryDirectory())
        #expect(throws: BertError.self) { try BertConfig(path: path) }
        do { _ = try BertConfig(path: path) } catch {
            #expect("\(error)" == "\(path): required key 'num_attention_heads' is missing")
        }
    }

    @Test(arguments: [
        (#"{"vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 5, "intermediate_size": 32}"#,
         "num_attention_heads: hidden_size 16 is not divisible by 5 heads"),
        (#"{"vocab_size": "many", "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 32}"#,
         "vocab_size: expected a non-negative integer, got many"),
        (#"{"vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 32, "hidden_act": "relu"}"#,
         "hidden_act: only 'gelu' (erf) is supported, got 'relu'"),
        (#"{"vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 32, "pruned_heads": {"7": [0]}}"#,
         "pruned_heads.7: layer or head index out of range"),
        ("[1, 2", "not a JSON object"),
    ])
    func invalidConfigValuesAreExplained(json: String, reason: String) throws {
        let path = try writeConfig(json, in: try temporaryDirectory())
        do {
            _ = try BertConfig(path: path)
            Issue.record("accepted a bad config: \(json)")
        } catch {
            #expect("\(error)".hasPrefix(path + ": "), "\(error)")
            #expect("\(error)".contains(reason.prefix(20)), "\(error)")
        }
    }

    @Test func checkpointShapeMismatchNamesTheTensorAndBothShapes() throws {
        let directory = try temporaryDirectory()
        try BertModel(config: Self.tiny, seed: 1).save(to: directory, tokenizerDirectory: nil)
        var wider = Self.tiny
        wider.intermediateSize = 40
        try wider.write(to: directory + "/config.json")
        do {
            _ = try BertModel.load(directory: directory)
            Issue.record("loaded weights that disagree with the config")
        } catch {
            #expect("\(error)" == "\(directory)/config.json: intermediate_size is 40, but \(directory)/model.safetensors does not match: "
                    + "tensor 'encoder.layer.0.intermediate.dense.weight' has shape [32, 16]")
        }
    }

    @Test func missingTensorAndMissingFilesAreNamed() throws {
        let directory = try temporaryDirectory()
        #expect(throws: BertError.self) { try BertModel.load(directory: directory) }
        try Self.tiny.write(to: directory + "/config.json")
        #expect(throws: SafetensorsError.self) { try BertModel.load(directory: directory) }
        var headless = Self.tiny
        headless.labels = []
        try BertModel(config: headless, seed: 1).save(to: directory, tokenizerDirectory: nil)
        try Self.tiny.write(to: directory + "/config.json")
        do {
            _ = try BertModel.load(directory: directory)
            Issue.record("loaded a checkpoint without its classifier")
        } catch {
            #expect("\(error)" == "\(directory)/model.safetensors: tensor 'classifier.weight' is missing")
        }
    }
}

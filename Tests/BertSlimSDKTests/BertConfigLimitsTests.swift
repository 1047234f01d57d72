import BertSlimSDK
import Foundation
import Testing

/// config.json values that used to trap (`Tensor.elementCount` overflow), exhaust memory, or
/// read wrongly: each is an error naming config.json and the key, raised before anything is
/// allocated.
@Suite struct BertConfigLimitsTests {
    static let tiny = BertConfig(vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 4,
                                 intermediateSize: 32, maxPositionEmbeddings: 24)

    /// A saved tiny model whose config.json then gets `changes` merged in.
    func folder(changing changes: [String: Any]) throws -> String {
        let directory = NSTemporaryDirectory() + "bertslim-config-limits-\(UUID().uuidString)"
        try BertModel(config: Self.tiny, seed: 1).save(to: directory, tokenizerDirectory: nil)
        var object = Self.tiny.jsonObject()
        object.merge(changes) { $1 }
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: directory + "/config.json"))
        return directory
    }

    func loadError(_ directory: String) -> String {
        do {
            _ = try BertModel.load(directory: directory)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [
        // hidden_size 2^61 with one head: the embedding table's size overflows.
        (["hidden_size": 1 << 61, "num_attention_heads": 1], "hidden_size: 2305843009213693952 is too large"),
        (["intermediate_size": 1 << 62], "intermediate_size: 4611686018427387904 is too large"),
        (["vocab_size": 1 << 62], "vocab_size: 4611686018427387904 is too large"),
        (["num_hidden_layers": 1 << 62], "num_hidden_layers: 4611686018427387904 is too large: the model's size does not fit in 64 bits"),
        (["hidden_size": 1 << 40], "hidden_size: 1099511627776 is too large"),
        (["hidden_size": -16], "hidden_size: expected a non-negative integer, got -16"),
        (["num_attention_heads": 0], "num_attention_heads: 0 must be at least 1"),
    ] as [([String: Int], String)])
    func sizesThatOverflowAreRefusedBeforeAllocating(changes: [String: Int], message: String) throws {
        let directory = try folder(changing: changes)
        let error = loadError(directory)
        #expect(error.hasPrefix(directory + "/config.json: "), "\(error)")
        #expect(error.contains(message), "\(error)")
    }

    @Test(arguments: [
        // Sizes that fit in memory arithmetic but not in this machine, or not in the checkpoint.
        (["hidden_size": 32], "hidden_size is 32, but", "tensor 'embeddings.word_embeddings.weight' has shape [50, 16]"),
        (["vocab_size": 1 << 30], "vocab_size is 1073741824, but", "has shape [50, 16]"),
        (["intermediate_size": 1 << 30], "intermediate_size is 1073741824, but",
         "tensor 'encoder.layer.0.intermediate.dense.weight' has shape [32, 16]"),
        (["num_hidden_layers": 1 << 30], "num_hidden_layers is 1073741824, but",
         "it holds 2 layers (encoder.layer.0 to encoder.layer.1)"),
        (["max_position_embeddings": 512], "max_position_embeddings is 512, but", "has shape [24, 16]"),
        (["num_attention_heads": 8, "pruned_heads": ["0": [1]]], "pruned_heads.0 is 7, but",
         "tensor 'encoder.layer.0.attention.self.query.weight' has shape [16, 16]"),
    ] as [([String: Any], String, String)])
    func sizesTheCheckpointDoesNotHaveAreNamed(changes: [String: Any], key: String, found: String) throws {
        let directory = try folder(changing: changes)
        let error = loadError(directory)
        #expect(error.hasPrefix("\(directory)/config.json: \(key) \(directory)/model.safetensors does not match: "), "\(error)")
        #expect(error.hasSuffix(found), "\(error)")
    }

    @Test(arguments: [
        ("\"384\"", "expected a non-negative integer, got the string \"384\""),
        ("true", "expected a non-negative integer, got true"),
        ("3.5", "expected a non-negative integer, got 3.5"),
        ("1e30", "expected a non-negative integer, got 1e+30"),
    ])
    func aValueOfTheWrongTypeSaysWhatItWas(value: String, reason: String) throws {
        let directory = try folder(changing: [:])
        let text = try String(contentsOfFile: directory + "/config.json", encoding: .utf8)
            .replacingOccurrences(of: "\"hidden_size\":16", with: "\"hidden_size\":\(value)")
        try text.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        #expect(loadError(directory) == "\(directory)/config.json: hidden_size: \(reason)")
    }

    /// A dropout rate past 1 used to pass loading and then stop training on Dropout's precondition.
    @Test(arguments: [("hidden_dropout_prob", "1.5", "1.5 is not in 0..<1"), ("attention_probs_dropout_prob", "-0.1", "-0.1 is not in 0..<1"),
                      ("layer_norm_eps", "0", "0.0 must be positive and finite")])
    func ratesOutOfRangeAreRefused(key: String, value: String, reason: String) throws {
        let directory = try folder(changing: [:])
        var object = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config.json"))) as? [String: Any])
        object[key] = Double(value)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: directory + "/config.json"))
        #expect(loadError(directory) == "\(directory)/config.json: \(key): \(reason)")
    }

    @Test func aConfigThatIsADeviceIsRefusedWithoutReadingIt() throws {
        let directory = try folder(changing: [:])
        try FileManager.default.removeItem(atPath: directory + "/config.json")
        try FileManager.default.createSymbolicLink(atPath: directory + "/config.json", withDestinationPath: "/dev/zero")
        #expect(loadError(directory) == "\(directory)/config.json: not a regular file (it is a character device)")
    }
}

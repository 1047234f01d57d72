import BertSlimSDK
import Foundation

extension RecipeFixtures {
    /// Writes a tiny random BERT classifier into `workspace/name` with the workspace model's
    /// vocabulary (or `vocabulary` lines instead): a teacher, an ensemble member, or — without
    /// labels — a "pretrained" checkpoint.
    @discardableResult
    static func teacherFolder(_ name: String, in workspace: URL, layers: Int = 4, labels: [String] = ["negative", "positive"],
                              seed: UInt64 = 11, vocabulary: [String]? = nil) throws -> String {
        let folder = workspace.appendingPathComponent(name)
        let model = workspace.appendingPathComponent("model")
        let tokens = try vocabulary ?? String(contentsOf: model.appendingPathComponent("vocab.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let config = BertConfig(vocabSize: tokens.count, hiddenSize: 32, numHiddenLayers: layers, numAttentionHeads: 4,
                                intermediateSize: 64, maxPositionEmbeddings: 64, labels: labels)
        try BertModel(config: config, seed: seed).save(to: folder.path, tokenizerDirectory: nil)
        try (tokens.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        return folder.path
    }
}

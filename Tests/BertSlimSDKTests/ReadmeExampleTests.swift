import BertSlimSDK
import Foundation
import Testing

/// The library example in README.md, run against a small model with MiniLM's vocabulary.
@Suite struct ReadmeExampleTests {
    static let vocabulary = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../assets/model/minilm-l6").standardized.path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: vocabulary), "run scripts/fetch-assets.sh"))
    func libraryExampleRuns() throws {
        let directory = NSTemporaryDirectory() + "bertslim-readme-\(UUID().uuidString)"
        let config = BertConfig(vocabSize: 30522, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4,
                                intermediateSize: 64, labels: ["negative", "positive"])
        try BertModel(config: config, seed: 1).save(to: directory, tokenizerDirectory: Self.vocabulary)

        // --- as in README.md ---
        let model = try BertModel.load(directory: directory)
        let tokenizer = try WordPieceTokenizer(directory: directory)
        let batch = tokenizer.encodeBatch(["a gripping drama", "a tedious mess"], maxLength: 128)
        let logits = try withoutGradient { try model.forward(batch, request: [], training: false).logits! }
        let labels = argmax(logits, axis: -1).map { model.config.labels[$0] }
        // ---
        #expect(labels.count == 2 && labels.allSatisfy { ["negative", "positive"].contains($0) })
    }
}

import BertSlimSDK
import Testing

/// Fine-tuning learns a trivially separable task, and a diverging run stops at the first
/// non-finite loss with the step named.
@Suite struct FineTuningTests {
    /// Texts made of ids the tiny model's vocabulary has: class 1 contains "good", class 0 "bad".
    static func dataset() throws -> (EncodedDataset, WordPieceTokenizer) {
        let vocabulary = try Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "film", "very", "a"])
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        let labels = try LabelVocabulary(["negative", "positive"])
        let examples = (0..<64).map { i -> TextExample in
            let positive = i % 2 == 0
            let words = ["a", i % 3 == 0 ? "very" : "", positive ? "good" : "bad", "film"].filter { !$0.isEmpty }
            return TextExample(text: words.joined(separator: " "), label: positive ? "positive" : "negative",
                               labelID: positive ? 1 : 0, line: i + 2)
        }
        let data = TextDataset(examples: examples, labels: labels, file: "toy.tsv")
        return (EncodedDataset(data, tokenizer: tokenizer, maxLength: 16), tokenizer)
    }

    static func model() -> BertModel {
        BertModel(config: BertConfig(vocabSize: 10, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2,
                                     intermediateSize: 32, maxPositionEmbeddings: 16, labels: ["negative", "positive"]),
                  seed: 2)
    }

    @Test func learnsASeparableTask() throws {
        let (data, _) = try Self.dataset()
        let model = Self.model()
        var settings = FineTuneSettings()
        settings.epochs = 8
        settings.batchSize = 8
        settings.learningRate = 3e-3
        let before = try evaluateClassifier(model, on: data)
        try model.fineTune(on: data, dev: nil, settings: settings)
        let after = try evaluateClassifier(model, on: data)
        #expect(after.accuracy == 1, "accuracy \(before.accuracy) → \(after.accuracy)")
    }

    @Test func divergingLossStopsWithTheStepNamed() throws {
        let (data, _) = try Self.dataset()
        let model = Self.model()
        var settings = FineTuneSettings()
        settings.learningRate = 1e30
        settings.warmupFraction = 0
        do {
            try model.fineTune(on: data, dev: nil, settings: settings)
            Issue.record("a learning rate of 1e30 trained without a non-finite loss")
        } catch let error as TrainingError {
            guard case let .nonFiniteLoss(step, value) = error else { Issue.record("wrong error \(error)"); return }
            #expect(step >= 2 && !value.isFinite)
            #expect("\(error)".hasPrefix("loss became \(value) at step \(step)"))
        }
    }
}

import BertSlimSDK
import Testing

/// Fine-tuning learns a trivially separable task, a diverging run stops at the first non-finite
/// loss with the step named, and a requested stop checkpoints and resumes bit for bit.
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

    @Test(arguments: [5, 8])  // mid-epoch, and at the end of the first epoch (8 batches)
    func aStopRequestCheckpointsAndResumesToTheSameWeights(stopAfter: Int) throws {
        let (data, _) = try Self.dataset()
        var settings = FineTuneSettings()
        settings.epochs = 2
        settings.batchSize = 8
        settings.learningRate = 3e-3
        let reference = Self.model()
        try reference.classificationTrainer(on: data, settings: settings).run()

        let model = Self.model()
        let trainer = try model.classificationTrainer(on: data, settings: settings)
        var saved: [TrainingCheckpoint] = []
        var asked = 0
        trainer.onCheckpoint = { saved.append($0) }
        trainer.shouldStop = {
            asked += 1
            return asked == stopAfter
        }
        do {
            try trainer.run()
            Issue.record("the run did not stop")
        } catch TrainingError.interrupted(let step) {
            #expect(step == stopAfter)
        }
        let checkpoint = try #require(saved.last)
        #expect(checkpoint.position.step == stopAfter && saved.count == 1)
        let resumed = try model.classificationTrainer(on: data, settings: settings)
        try resumed.restore(checkpoint)
        try resumed.run()
        for ((name, mine), (_, theirs)) in zip(model.namedParameters, reference.namedParameters) {
            #expect(mine.value.scalars == theirs.value.scalars, "\(name)")
        }
    }
}

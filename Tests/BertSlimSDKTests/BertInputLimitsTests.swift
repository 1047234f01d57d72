import BertSlimSDK
import Testing

/// Batches a model cannot take (longer than its positions, ids past its vocabulary) are
/// errors with the limit named, not traps.
@Suite struct BertInputLimitsTests {
    static let config = BertConfig(vocabSize: 10, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2,
                                   intermediateSize: 32, maxPositionEmbeddings: 8, labels: ["negative", "positive"])

    static func batch(length: Int, id: Int32 = 5) -> Batch {
        Batch(inputIDs: IntTensor(repeating: id, shape: [2, length]), attentionMask: IntTensor(repeating: 1, shape: [2, length]),
              tokenTypeIDs: IntTensor(repeating: 0, shape: [2, length]), labels: IntTensor(shape: [2], scalars: [0, 1]))
    }

    /// `finetune --max-length 1000` on a 512-position model used to stop on BertModel's
    /// precondition (rc 132) in the first long batch.
    @Test func aBatchLongerThanThePositionsThrowsWithTheLimit() throws {
        let model = BertModel(config: Self.config, seed: 1)
        #expect(throws: BertError.sequenceTooLong(tokens: 9, positions: 8)) {
            try model.forward(Self.batch(length: 9), request: [], training: true)
        }
        #expect(String(describing: BertError.sequenceTooLong(tokens: 9, positions: 8))
                == "a batch of 9 tokens is longer than the model's max_position_embeddings (8)")
        _ = try model.forward(Self.batch(length: 8), request: [], training: false)
    }

    @Test func trainingOnTooLongExamplesStopsWithAnError() throws {
        let model = BertModel(config: Self.config, seed: 1)
        let vocabulary = try Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad"])
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        let examples = [TextExample(text: Array(repeating: "good", count: 20).joined(separator: " "), label: "positive", labelID: 1),
                        TextExample(text: "bad", label: "negative", labelID: 0)]
        let data = EncodedDataset(TextDataset(examples: examples, labels: try LabelVocabulary(["negative", "positive"])),
                                  tokenizer: tokenizer, maxLength: 30)
        #expect(throws: BertError.sequenceTooLong(tokens: 22, positions: 8)) {
            try model.fineTune(on: data, dev: nil, settings: FineTuneSettings())
        }
    }

    /// A vocab.txt longer than config.json's vocab_size gives ids past the embedding table.
    @Test func anIdPastTheVocabularyThrows() {
        let model = BertModel(config: Self.config, seed: 1)
        #expect(throws: BertError.tokenOutOfRange(id: 12, vocabulary: 10)) {
            try model.forward(Self.batch(length: 4, id: 12), request: [], training: false)
        }
    }
}

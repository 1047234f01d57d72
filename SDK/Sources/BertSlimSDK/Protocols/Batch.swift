/// One padded batch of tokenised examples, as models and losses see it.
public struct Batch: Sendable {
    /// Token ids, `(B, T)`; `T` is the longest example in the batch.
    public var inputIDs: IntTensor
    /// 1 for real tokens, 0 for padding, `(B, T)`.
    public var attentionMask: IntTensor
    /// Segment ids (0 first sentence, 1 second), `(B, T)`.
    public var tokenTypeIDs: IntTensor
    /// Class ids, `(B)`; nil for unlabelled data.
    public var labels: IntTensor?
    /// Positions of these examples in their dataset (keys for cached teacher outputs).
    public var exampleIndices: [Int]
    /// The raw texts (first segment), for students that do not read BERT ids.
    public var texts: [String]

    /// A batch from its parts.
    public init(inputIDs: IntTensor, attentionMask: IntTensor, tokenTypeIDs: IntTensor,
                labels: IntTensor? = nil, exampleIndices: [Int] = [], texts: [String] = []) {
        precondition(attentionMask.shape == inputIDs.shape && tokenTypeIDs.shape == inputIDs.shape,
                     "batch parts disagree: ids \(inputIDs.shape), mask \(attentionMask.shape), types \(tokenTypeIDs.shape)")
        self.inputIDs = inputIDs
        self.attentionMask = attentionMask
        self.tokenTypeIDs = tokenTypeIDs
        self.labels = labels
        self.exampleIndices = exampleIndices
        self.texts = texts
    }

    /// Number of examples.
    public var size: Int { inputIDs.shape.first ?? 0 }
    /// Padded length.
    public var length: Int { inputIDs.shape.count > 1 ? inputIDs.shape[1] : 0 }
}

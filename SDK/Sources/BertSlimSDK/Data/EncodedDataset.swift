/// A dataset tokenised once, ready to be cut into padded batches every epoch.
public struct EncodedDataset: Sendable {
    /// The examples.
    public let dataset: TextDataset
    /// One encoding per example, unpadded.
    public let encodings: [Encoding]
    /// The id batches are padded with.
    public let paddingID: Int32

    /// Tokenises every example (in parallel).
    /// - Parameters:
    ///   - tokenizer: the model's tokenizer.
    ///   - maxLength: the most tokens per example, special tokens included.
    public init(_ dataset: TextDataset, tokenizer: WordPieceTokenizer, maxLength: Int) {
        let pairs = dataset.examples.contains { $0.pair != nil } ? dataset.examples.map { $0.pair ?? "" } : nil
        self.dataset = dataset
        self.encodings = tokenizer.encode(dataset.texts, pairs: pairs, maxLength: maxLength)
        self.paddingID = tokenizer.paddingID
    }

    /// Number of examples.
    public var count: Int { encodings.count }
    /// Each example's length in tokens.
    public var lengths: [Int] { encodings.map(\.count) }

    /// The examples at `indices`, padded to the longest of them, with labels when every one
    /// has a label id.
    public func batch(_ indices: [Int]) -> Batch { batch(indices, length: nil) }

    /// The examples at `indices` padded to `length` tokens (nil: the longest of them).
    func batch(_ indices: [Int], length: Int?) -> Batch {
        let labelIDs = indices.compactMap { dataset.examples[$0].labelID }
        return Batch(padding: indices.map { encodings[$0] }, padID: paddingID, length: length,
                     labels: labelIDs.count == indices.count && !indices.isEmpty ? labelIDs : nil,
                     exampleIndices: indices, texts: indices.map { dataset.examples[$0].text })
    }

    /// One epoch of length-bucketed batches (see `LengthBucketSampler`).
    public func batches(epoch: Int, sampler: LengthBucketSampler) -> [Batch] {
        sampler.batches(lengths: lengths, epoch: epoch).map(batch)
    }
}

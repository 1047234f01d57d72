/// One tokenised example: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, unpadded.
public struct Encoding: Sendable, Equatable {
    /// Token ids, special tokens included.
    public var ids: [Int32]
    /// Segment of each token: 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`.
    public var tokenTypeIDs: [Int32]
    /// How many tokens truncation removed (from both segments together).
    public var truncatedCount: Int

    /// An encoding from its parts.
    public init(ids: [Int32], tokenTypeIDs: [Int32], truncatedCount: Int = 0) {
        precondition(ids.count == tokenTypeIDs.count, "\(ids.count) ids but \(tokenTypeIDs.count) token types")
        self.ids = ids
        self.tokenTypeIDs = tokenTypeIDs
        self.truncatedCount = truncatedCount
    }

    /// Number of tokens.
    public var count: Int { ids.count }
    /// Whether truncation removed tokens to fit `maxLength`.
    public var truncated: Bool { truncatedCount > 0 }
    /// All ones: an unpadded encoding has no padding to mask (`Batch` holds the padded mask).
    public var attentionMask: [Int32] { Array(repeating: 1, count: ids.count) }
}

/// How `encodeBatch` pads.
public enum Padding: Sendable, Equatable {
    /// To the longest sequence in the batch.
    case longest
    /// To this many tokens; sequences are truncated to at most this many as well.
    case fixed(Int)
}

extension Batch {
    /// A batch of `encodings`, right-padded with `padID` (token type 0, mask 0).
    /// - Parameters:
    ///   - length: pad to this length instead of the longest encoding (must be at least that).
    ///   - labels: class ids, one per encoding.
    ///   - exampleIndices: the examples' positions in their dataset.
    ///   - texts: the examples' first segments.
    public init(padding encodings: [Encoding], padID: Int32, length: Int? = nil, labels: [Int32]? = nil,
                exampleIndices: [Int] = [], texts: [String] = []) {
        let longest = encodings.reduce(0) { max($0, $1.count) }
        let width = length ?? longest
        precondition(width >= longest, "cannot pad a \(longest)-token encoding to \(width)")
        precondition(labels == nil || labels?.count == encodings.count,
                     "\(labels?.count ?? 0) labels for \(encodings.count) encodings")
        var ids = [Int32](repeating: padID, count: encodings.count * width)
        var mask = [Int32](repeating: 0, count: encodings.count * width)
        var types = [Int32](repeating: 0, count: encodings.count * width)
        for (row, encoding) in encodings.enumerated() {
            let offset = row * width
            for (i, id) in encoding.ids.enumerated() {
                ids[offset + i] = id
                mask[offset + i] = 1
                types[offset + i] = encoding.tokenTypeIDs[i]
            }
        }
        let shape = [encodings.count, width]
        self.init(inputIDs: IntTensor(shape: shape, scalars: ids),
                  attentionMask: IntTensor(shape: shape, scalars: mask),
                  tokenTypeIDs: IntTensor(shape: shape, scalars: types),
                  labels: labels.map { IntTensor(shape: [$0.count], scalars: $0) },
                  exampleIndices: exampleIndices, texts: texts)
    }
}

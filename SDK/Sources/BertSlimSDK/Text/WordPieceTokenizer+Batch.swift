extension WordPieceTokenizer {
    /// Encodes many examples, in parallel over the shared worker pool.
    /// - Parameters:
    ///   - texts: first segments.
    ///   - pairs: second segments, one per text, or nil.
    ///   - maxLength: as in `encode(_:pair:maxLength:)`.
    /// - Returns: one unpadded encoding per text, in order.
    public func encode(_ texts: [String], pairs: [String]? = nil, maxLength: Int) -> [Encoding] {
        precondition(pairs == nil || pairs?.count == texts.count, "\(pairs?.count ?? 0) pairs for \(texts.count) texts")
        guard !texts.isEmpty else { return [] }
        return [Encoding](unsafeUninitializedCapacity: texts.count) { buffer, initialized in
            let output = buffer
            // Chunks of 64 keep the scheduling cost per sentence negligible (~1 µs each).
            parallelFor(texts.count, grain: 64) { range in
                var scratch = EncodingScratch()
                for i in range {
                    (output.baseAddress! + i).initialize(
                        to: encode(texts[i], pair: pairs?[i], maxLength: maxLength, scratch: &scratch))
                }
            }
            initialized = texts.count
        }
    }

    /// Encodes a batch and pads it into the tensors a model takes.
    /// - Parameters:
    ///   - texts: first segments.
    ///   - pairs: second segments, one per text, or nil.
    ///   - maxLength: as in `encode(_:pair:maxLength:)`.
    ///   - padding: to the longest sequence (default) or to a fixed length (which also caps
    ///     the length).
    /// - Returns: a `Batch` with `texts` set and no labels.
    public func encodeBatch(_ texts: [String], pairs: [String]? = nil, maxLength: Int,
                            padding: Padding = .longest) -> Batch {
        var limit = maxLength
        var length: Int?
        if case let .fixed(width) = padding {
            limit = min(maxLength, width)
            length = width
        }
        return Batch(padding: encode(texts, pairs: pairs, maxLength: limit), padID: paddingID, length: length,
                     exampleIndices: Array(texts.indices), texts: texts)
    }
}

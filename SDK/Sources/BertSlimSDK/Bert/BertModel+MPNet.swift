internal import Foundation

/// What MPNet (Song et al. 2020) changes in BERT's forward pass: the position ids and the
/// relative-position bias on the attention scores.
extension BertConfig {
    /// Position ids `(B, T)`: 0, 1, … for BERT; for MPNet `pad + 1`, `pad + 2`, … counted over
    /// the tokens that are not padding, and `pad` on padding (transformers'
    /// `create_position_ids_from_input_ids`, with `pad` = `pad_token_id`).
    public func positionIDs(for batch: Batch) -> IntTensor {
        let (b, t) = (batch.size, batch.length)
        guard modelType == .mpnet else {
            return IntTensor(shape: [b, t], scalars: (0..<b).flatMap { _ in (0..<t).map(Int32.init) })
        }
        let pad = Int32(padTokenID)
        var scalars = [Int32]()
        scalars.reserveCapacity(b * t)
        for row in 0..<b {
            var position = pad
            for id in batch.inputIDs.scalars[(row * t)..<((row + 1) * t)] {
                if id != pad { position += 1 }
                scalars.append(id != pad ? position : pad)
            }
        }
        return IntTensor(shape: [b, t], scalars: scalars)
    }
}

extension BertModel {
    /// MPNet's relative-position bucket of key j for query i, `(T, T)` row-major, for a batch
    /// of length `length` (empty for BERT).
    public func relativePositionBuckets(length: Int) -> [Int32] {
        config.modelType == .mpnet ? RelativePositionBias.buckets(length: length, count: config.relativeAttentionNumBuckets) : []
    }
}

/// MPNet's relative-position bias for one sequence length: for query i and key j, the bias of
/// bucket(j − i) from the `(buckets, heads)` table, as `(heads, T, T)`, added to the scores of
/// every layer. Built once per forward pass; a layer with pruned heads gets the columns of the
/// heads it keeps. Gradients reach the table when it records them.
public final class RelativePositionBias {
    private let config: BertConfig
    /// `(all heads, T, T)`.
    private let full: Tensor
    private var byHeads: [[Int]: Tensor] = [:]

    /// The bias of `table` (MPNet's `(relative_attention_num_buckets, num_attention_heads)`) for
    /// batches of `length` tokens.
    public init(table: Tensor, config: BertConfig, length t: Int) {
        precondition(table.shape == [config.relativeAttentionNumBuckets, config.numAttentionHeads],
                     "relative bias table \(table.shape) for \(config.relativeAttentionNumBuckets) buckets × \(config.numAttentionHeads) heads")
        self.config = config
        let buckets = IntTensor(shape: [t, t], scalars: Self.buckets(length: t, count: config.relativeAttentionNumBuckets))
        full = embedding(buckets, table: table).permuted([2, 0, 1])
    }

    /// The bias of layer `l`'s heads, `(heads, T, T)`.
    public func forLayer(_ l: Int) -> Tensor {
        let heads = config.remainingHeads(layer: l)
        if heads.count == config.numAttentionHeads { return full }
        if let cached = byHeads[heads] { return cached }
        let selected = heads.isEmpty ? full.slice(axis: 0, range: 0..<0)
            : concat(heads.map { full.slice(axis: 0, range: $0..<($0 + 1)) }, axis: 0)
        byHeads[heads] = selected
        return selected
    }

    /// bucket(j − i) for every (i, j) of a length-`t` sequence, row-major: T5's bidirectional
    /// buckets (Raffel et al. 2020) as transformers' MPNet computes them — half of `count` for
    /// each direction, exact distances below a quarter of `count`, then logarithmic up to
    /// `maxDistance`, beyond which distances share the last bucket. Float arithmetic as
    /// PyTorch's, so that the boundaries fall where they do there.
    static func buckets(length t: Int, count: Int, maxDistance: Int = 128) -> [Int32] {
        let half = count / 2, exact = half / 2
        let logRange = Float(log(Double(maxDistance) / Double(exact)))
        var out = [Int32](repeating: 0, count: t * t)
        for i in 0..<t {
            for j in 0..<t {
                let n = i - j  // −(j − i)
                var bucket = n < 0 ? half : 0
                let distance = abs(n)
                if distance < exact {
                    bucket += distance
                } else {
                    let scaled = log(Float(distance) / Float(exact)) / logRange * Float(half - exact)
                    bucket += min(exact + Int(scaled), half - 1)
                }
                out[i * t + j] = Int32(bucket)
            }
        }
        return out
    }
}

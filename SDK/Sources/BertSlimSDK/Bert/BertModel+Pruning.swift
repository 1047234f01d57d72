/// A head-gate or head-pruning request that does not fit the model.
public enum HeadPruningError: Error, CustomStringConvertible, Equatable {
    /// `found` gates were given for a model of `layers` layers.
    case gateCount(layers: Int, found: Int)
    /// Layer `layer`'s gate has the wrong shape.
    case gateShape(layer: Int, expected: [Int], found: [Int])
    /// The batch is longer than the model's position table.
    case sequenceTooLong(tokens: Int, positions: Int)
    /// No such layer.
    case layerOutOfRange(layer: Int, layers: Int)
    /// No such head number.
    case headOutOfRange(layer: Int, head: Int, heads: Int)
    /// The request would remove every head of the layer.
    case lastHead(layer: Int)

    public var description: String {
        switch self {
        case let .gateCount(layers, found): return "\(found) head gates for a model of \(layers) layers"
        case let .gateShape(layer, expected, found): return "layer \(layer): head gate of shape \(found), the layer needs \(expected)"
        case let .sequenceTooLong(tokens, positions): return "a batch of \(tokens) tokens exceeds the model's \(positions) positions"
        case let .layerOutOfRange(layer, layers): return "layer \(layer) does not exist (the model has \(layers))"
        case let .headOutOfRange(layer, head, heads): return "layer \(layer): head \(head) is not in 0..<\(heads)"
        case let .lastHead(layer):
            return "layer \(layer): removing every head is not supported (transformers 4.x prunes such a layer "
                + "but its forward pass then fails, so the export would not reload); keep at least one"
        }
    }
}

/// Sixteen Heads' gates and physical head removal on BERT.
///
/// Based on: Michel et al. 2019, Are Sixteen Heads Really Better than One? Removal follows
/// transformers' `BertAttention.prune_heads`: the rows of the query, key and value
/// projections (and their biases) belonging to a removed head go, and so do the matching
/// columns of the attention output projection; `config.prunedHeads` records the original
/// head numbers, so a saved model reloads here and in transformers with the same shapes.
extension BertModel: HeadPrunable {
    public var remainingHeads: [[Int]] { (0..<config.numHiddenLayers).map(config.remainingHeads(layer:)) }

    public var originalHeadCount: Int { config.numAttentionHeads }

    public func forward(_ batch: Batch, request: OutputRequest, headGates: [Tensor], training: Bool) throws -> ModelOutput {
        guard headGates.count == layers.count else { throw HeadPruningError.gateCount(layers: layers.count, found: headGates.count) }
        for (l, gate) in headGates.enumerated() where gate.shape != [layers[l].heads] {
            throw HeadPruningError.gateShape(layer: l, expected: [layers[l].heads], found: gate.shape)
        }
        guard batch.length <= config.maxSequenceLength else {
            throw HeadPruningError.sequenceTooLong(tokens: batch.length, positions: config.maxSequenceLength)
        }
        return try run(batch, request: request, headGates: headGates, training: training)
    }

    /// Removes the heads `heads[layer]` (original head numbers) from each listed layer.
    ///
    /// Heads already removed are ignored, so the call is idempotent; the whole request is
    /// checked before anything changes.
    /// - Throws: ``HeadPruningError`` for a layer or head out of range, or a layer that would
    ///   lose its last head.
    public func pruneHeads(_ heads: [Int: [Int]]) throws {
        var plan: [(layer: Int, keep: [Int], removed: [Int])] = []
        for (layer, list) in heads.sorted(by: { $0.key < $1.key }) {
            guard (0..<layers.count).contains(layer) else { throw HeadPruningError.layerOutOfRange(layer: layer, layers: layers.count) }
            for head in list where !(0..<config.numAttentionHeads).contains(head) {
                throw HeadPruningError.headOutOfRange(layer: layer, head: head, heads: config.numAttentionHeads)
            }
            let remaining = config.remainingHeads(layer: layer)
            let removing = Set(list).intersection(remaining)
            guard !removing.isEmpty else { continue }
            // positions (in the current, already pruned layout) of the heads that stay
            let keep = remaining.indices.filter { !removing.contains(remaining[$0]) }
            guard !keep.isEmpty else { throw HeadPruningError.lastHead(layer: layer) }
            plan.append((layer, keep, removing.sorted()))
        }
        for (layer, keep, removed) in plan {
            layers[layer].keepHeads(at: keep)
            config.prunedHeads[layer] = ((config.prunedHeads[layer] ?? []) + removed).sorted()
        }
    }
}

extension BertLayer {
    /// Keeps the heads at positions `keep` (of the current layout) and drops the others.
    /// q/k/v weight: (heads·d, H) → rows; bias: (heads·d) → elements; output: (H, heads·d) → columns.
    func keepHeads(at keep: [Int]) {
        let features = keep.flatMap { $0 * headSize..<($0 + 1) * headSize }
        for parameter in [query, key, value] { parameter.keep { selectRows($0, features) } }
        for parameter in [queryBias, keyBias, valueBias] { parameter.keep { selectElements($0, features) } }
        attentionOutput.keep { selectColumns($0, features) }
        heads = keep.count
    }
}

extension Parameter {
    /// Keeps the part of the value (and of its pruning mask) that `part` selects, dropping any
    /// gradient of the old shape.
    func keep(_ part: (Tensor) -> Tensor) {
        grad = nil
        let kept = mask.map(part)
        mask = nil
        value = part(value)
        mask = kept
    }
}

/// Rows `rows` of a `(R, C)` matrix, in the order given.
func selectRows(_ x: Tensor, _ rows: [Int]) -> Tensor {
    let columns = x.shape[1]
    var out = Tensor(uninitializedShape: [rows.count, columns])
    x.withUnsafeBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
            for (i, row) in rows.enumerated() {
                for c in 0..<columns { target[i * columns + c] = source[row * columns + c] }
            }
        }
    }
    return out
}

/// Columns `columns` of a `(R, C)` matrix, in the order given.
func selectColumns(_ x: Tensor, _ columns: [Int]) -> Tensor {
    let (rows, width) = (x.shape[0], x.shape[1])
    var out = Tensor(uninitializedShape: [rows, columns.count])
    x.withUnsafeBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
            for r in 0..<rows {
                for (j, column) in columns.enumerated() { target[r * columns.count + j] = source[r * width + column] }
            }
        }
    }
    return out
}

/// Elements `indices` of a vector, in the order given.
func selectElements(_ x: Tensor, _ indices: [Int]) -> Tensor {
    let scalars = x.scalars
    return Tensor(shape: [indices.count], scalars: indices.map { scalars[$0] })
}

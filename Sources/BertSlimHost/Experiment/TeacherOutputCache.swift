import BertSlimSDK

/// The teacher's outputs for each training example, computed once and reused every epoch.
///
/// A distillation stage runs its teacher in evaluation mode on inputs that do not change
/// between epochs, so the outputs do not either; the teacher's forward pass is most of a
/// step's cost otherwise. Outputs are keyed by `Batch.exampleIndices` and stored without
/// padding — logits and the pooled vector per example, [CLS] states as `(L + 1)·H` values,
/// hidden states as `(len, H)` per layer, attention as `(heads, len, len)` per layer, len the
/// example's real token count — so that a
/// batch of any padded length can be rebuilt from them (padding positions come back as 0;
/// losses mask them). A batch with examples not seen yet runs the teacher on those alone (all
/// of them in a single process's first epoch; over several ranks, where a rank's share of a
/// later batch mixes examples it has seen with others) and stores what it gives.
final class TeacherOutputCache {
    /// Which internals are kept (those the stage's losses read).
    let request: OutputRequest
    private var logits: [Int: [Float]] = [:]
    private var pooled: [Int: [Float]] = [:]
    private var hidden: [Int: [[Float]]] = [:]
    private var cls: [Int: [Float]] = [:]
    private var scores: [Int: [[Float]]] = [:]
    private var probabilities: [Int: [[Float]]] = [:]
    /// Examples the teacher ran on, and examples served from the cache.
    private(set) var teacherExamples = 0, cachedExamples = 0
    /// Float values held.
    private(set) var storedValues = 0
    private var shapes: (classes: Int?, hidden: Int?, heads: Int?, layers: Int, pooled: Int?, clsWidth: Int?, clsLayers: Int)
        = (nil, nil, nil, 0, nil, nil, 0)

    init(request: OutputRequest) { self.request = request }

    /// The teacher's output for `batch`: from the cache when every example is in it, else from
    /// `teacher` run on the batch (or on its rows not yet cached), whose output is stored.
    func outputs(for batch: Batch, teacher: (Batch) throws -> ModelOutput) throws -> ModelOutput {
        let keys = batch.exampleIndices
        guard keys.count == batch.size, !keys.isEmpty else {
            teacherExamples += batch.size
            return try teacher(batch)
        }
        let missing = keys.indices.filter { logits[keys[$0]] == nil }
        teacherExamples += missing.count
        cachedExamples += keys.count - missing.count
        if missing.isEmpty { return assemble(batch) }
        if missing.count == keys.count {
            let output = try teacher(batch)
            store(output, batch)
            return output
        }
        let part = batch.rows(missing)
        store(try teacher(part), part)
        return assemble(batch)
    }

    /// Stores logits computed before (a transfer set read back from the stage cache): row i of
    /// the row-major `(N, classes)` values is example i's. Only for a cache that keeps logits
    /// alone (an empty request), since these examples would otherwise count as cached without
    /// their internals.
    func store(logits values: [Float], classes: Int) {
        guard request.isEmpty, classes > 0 else { return }
        shapes.classes = classes
        for row in 0..<values.count / classes where logits[row] == nil {
            logits[row] = Array(values[row * classes..<(row + 1) * classes])
            storedValues += classes
        }
    }

    private func lengths(_ batch: Batch) -> [Int] {
        let t = batch.length
        let mask = batch.attentionMask.scalars
        return (0..<batch.size).map { b in (0..<t).reduce(0) { $0 + (mask[b * t + $1] != 0 ? 1 : 0) } }
    }

    private func store(_ output: ModelOutput, _ batch: Batch) {
        guard let z = output.logits else { return }
        let (b, t) = (batch.size, batch.length)
        let lengths = lengths(batch)
        let classes = z.shape[1]
        shapes.classes = classes
        let zv = z.scalars
        let pv = output.pooled?.scalars
        let width = output.pooled.map { $0.shape[1] }
        shapes.pooled = width
        let hv = request.contains(.hiddenStates) ? output.hiddenStates.map(\.scalars) : []
        let h = output.hiddenStates.first?.shape.last
        if !hv.isEmpty { shapes.hidden = h; shapes.layers = hv.count }
        // [CLS] states (L + 1 tensors of (B, H)), also from a teacher that returned full hidden states.
        let cv = request.contains(.clsHiddenStates) ? output.classTokenStates.map(\.scalars) : []
        let clsWidth = output.classTokenStates.first?.shape.last
        if !cv.isEmpty { shapes.clsWidth = clsWidth; shapes.clsLayers = cv.count }
        let sv = request.contains(.attentionScores) ? output.attentionScores.map(\.scalars) : []
        let qv = request.contains(.attentionProbabilities) ? output.attentionProbabilities.map(\.scalars) : []
        let heads = (output.attentionScores.first ?? output.attentionProbabilities.first)?.shape[1]
        if !sv.isEmpty || !qv.isEmpty { shapes.heads = heads }
        for row in 0..<b where logits[batch.exampleIndices[row]] == nil {
            let key = batch.exampleIndices[row], n = lengths[row]
            logits[key] = Array(zv[row * classes..<(row + 1) * classes])
            storedValues += classes
            if let pv, let width {
                pooled[key] = Array(pv[row * width..<(row + 1) * width])
                storedValues += width
            }
            if let h, !hv.isEmpty {
                hidden[key] = hv.map { Array($0[(row * t * h)..<(row * t + n) * h]) }
                storedValues += hv.count * n * h
            }
            if let w = clsWidth, !cv.isEmpty {
                cls[key] = cv.flatMap { $0[row * w..<(row + 1) * w] }
                storedValues += cv.count * w
            }
            func blocks(_ layers: [[Float]]) -> [[Float]] {
                guard let heads else { return [] }
                return layers.map { values in
                    var block: [Float] = []
                    block.reserveCapacity(heads * n * n)
                    for head in 0..<heads {
                        for i in 0..<n {
                            let base = ((row * heads + head) * t + i) * t
                            block += values[base..<base + n]
                        }
                    }
                    return block
                }
            }
            if !sv.isEmpty { scores[key] = blocks(sv); storedValues += sv.count * (heads ?? 0) * n * n }
            if !qv.isEmpty { probabilities[key] = blocks(qv); storedValues += qv.count * (heads ?? 0) * n * n }
        }
    }

    private func assemble(_ batch: Batch) -> ModelOutput {
        let (b, t) = (batch.size, batch.length)
        let keys = batch.exampleIndices
        let lengths = lengths(batch)
        let classes = shapes.classes ?? 0
        var output = ModelOutput(logits: Tensor(shape: [b, classes], scalars: keys.flatMap { logits[$0]! }))
        if let width = shapes.pooled, keys.allSatisfy({ pooled[$0] != nil }) {
            output.pooled = Tensor(shape: [b, width], scalars: keys.flatMap { pooled[$0]! })
        }
        if let h = shapes.hidden, !hidden.isEmpty {
            output.hiddenStates = (0..<shapes.layers).map { layer in
                var values = [Float](repeating: 0, count: b * t * h)
                for (row, key) in keys.enumerated() {
                    let stored = hidden[key]![layer]
                    values.replaceSubrange((row * t * h)..<(row * t * h + lengths[row] * h), with: stored)
                }
                return Tensor(shape: [b, t, h], scalars: values)
            }
        }
        if let w = shapes.clsWidth, keys.allSatisfy({ cls[$0] != nil }) {
            // Per layer l: row b is values l·w..<(l + 1)·w of example b's block.
            output.clsHiddenStates = (0..<shapes.clsLayers).map { layer in
                Tensor(shape: [b, w], scalars: keys.flatMap { cls[$0]![layer * w..<(layer + 1) * w] })
            }
        }
        func attention(_ table: [Int: [[Float]]]) -> [Tensor] {
            guard let heads = shapes.heads, let first = keys.first, let layers = table[first]?.count else { return [] }
            return (0..<layers).map { layer in
                var values = [Float](repeating: 0, count: b * heads * t * t)
                for (row, key) in keys.enumerated() {
                    let n = lengths[row], stored = table[key]![layer]
                    for head in 0..<heads {
                        for i in 0..<n {
                            let target = ((row * heads + head) * t + i) * t, source = (head * n + i) * n
                            values.replaceSubrange(target..<target + n, with: stored[source..<source + n])
                        }
                    }
                }
                return Tensor(shape: [b, heads, t, t], scalars: values)
            }
        }
        if request.contains(.attentionScores) { output.attentionScores = attention(scores) }
        if request.contains(.attentionProbabilities) { output.attentionProbabilities = attention(probabilities) }
        return output
    }
}

extension Batch {
    /// Rows `rows` of this batch, at its padded length.
    func rows(_ rows: [Int]) -> Batch {
        let t = length
        func pick(_ x: IntTensor) -> IntTensor {
            IntTensor(shape: [rows.count, t], scalars: rows.flatMap { x.scalars[$0 * t..<($0 + 1) * t] })
        }
        return Batch(inputIDs: pick(inputIDs), attentionMask: pick(attentionMask), tokenTypeIDs: pick(tokenTypeIDs),
                     labels: labels.map { l in IntTensor(shape: [rows.count], scalars: rows.map { l.scalars[$0] }) },
                     exampleIndices: rows.map { exampleIndices[$0] }, texts: texts.isEmpty ? [] : rows.map { texts[$0] })
    }
}

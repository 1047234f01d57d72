import BertSlimSDK

/// TinyBERT's distillation loss, whose parts a recipe switches on per stage:
///
///     L_emb  = MSE(E_s·W_e, E_t)
///     L_hidn = Σ_m MSE(H_s,m·W_h, H_t,g(m))
///     L_attn = Σ_m MSE(A_s,m, A_t,g(m))
///     L_pred = −Σ_c softmax(z_t/T)_c · log softmax(z_s/T)_c
///
/// E is the embedding layer's output, H_m layer m's output, A_m its heads' unnormalised
/// attention scores q·kᵀ/√d (before the padding mask), g the ``TinyBERTLayerMap``. W_e and W_h
/// (student width × teacher width, no bias, N(0, 0.02²), seeded) are the loss's own trainable
/// parameters (``Loss/parameters``): the stage's optimizer steps them with the student. Every
/// MSE is the mean over real tokens only: padded positions are left out of hidden states, and
/// score (i, j) counts when both i and j are real tokens. L_pred is the mean over the batch. The
/// teacher's outputs are constants.
///
/// Deviations from the authors' code: their MSE averages over padded positions too (scores
/// under the mask zeroed in both models); their soft cross-entropy averages over classes as well
/// as the batch; they use one projection (with a bias) for the embeddings and every layer where
/// the paper has W_e and W_h. Here the paper's formulas.
///
/// Based on: Jiao et al. 2019, TinyBERT: Distilling BERT for Natural Language Understanding, §3.1.
struct TinyBERTLoss: Loss {
    typealias Settings = TinyBERTSettings
    static let name = "tinybert"

    let settings: Settings
    /// The teacher layer of each student layer (nil: no part reads layers).
    let layerMap: [Int]?
    /// W_e and W_h, `(student width, teacher width)`; nil when their part is off.
    let embeddingProjection: Parameter?
    let hiddenProjection: Parameter?

    init(settings: Settings, context: ComponentContext) throws {
        self.settings = settings
        guard settings.intermediate else { (layerMap, embeddingProjection, hiddenProjection) = (nil, nil, nil); return }
        guard let teacher = context.teacher?.model as? any HiddenStatesProvider else {
            throw ComponentError(Self.name, "the embedding, hidden and attention parts need a teacher that returns its internals (a HiddenStatesProvider)")
        }
        guard let student = context.student as? any HiddenStatesProvider else {
            throw ComponentError(Self.name, "the embedding, hidden and attention parts need a student that returns its internals (a HiddenStatesProvider)")
        }
        let (n, m) = (teacher.layerCount, student.layerCount)
        if let problem = TinyBERTLayerMap.problem(settings.layerMap, teacherLayers: n, studentLayers: m, teacher: "of this stage") {
            throw ComponentError(Self.name, "layer_map: \(problem)")
        }
        let map = settings.layerMap ?? TinyBERTLayerMap.evenlySpaced(teacherLayers: n, studentLayers: m)
        if settings.parts.contains(.attention),
           let (mine, theirs) = zip(student.attentionHeads, map.map { teacher.attentionHeads[$0] }).first(where: { $0 != $1 }) {
            throw ComponentError(Self.name, "the attention part needs the student's head counts to equal the teacher's; "
                                 + "a student layer has \(mine) heads, its teacher layer \(theirs)")
        }
        layerMap = map
        var generator = SeededGenerator(seed: context.seed, stream: 0x71_4B)
        func projection(_ on: Bool) -> Parameter? {
            on ? Parameter(.randomNormal([student.hiddenSize, teacher.hiddenSize], std: 0.02, using: &generator)) : nil
        }
        embeddingProjection = projection(settings.parts.contains(.embedding))
        hiddenProjection = projection(settings.parts.contains(.hidden))
    }

    var request: OutputRequest {
        var request: OutputRequest = []
        if settings.parts.contains(.embedding) || settings.parts.contains(.hidden) { request.insert(.hiddenStates) }
        if settings.parts.contains(.attention) { request.insert(.attentionScores) }
        return request
    }

    var parameters: [(name: String, parameter: Parameter)] {
        [("embedding_projection", embeddingProjection), ("hidden_projection", hiddenProjection)].compactMap { name, parameter in
            parameter.map { (name: name, parameter: $0) }
        }
    }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch) throws -> Tensor {
        try callAsFunction(student: student, teacher: teacher, batch: batch, progress: 0)
    }

    func callAsFunction(student: ModelOutput, teacher: ModelOutput?, batch: Batch, progress: Double) throws -> Tensor {
        guard let teacher else { throw ComponentError(Self.name, "needs the teacher's outputs") }
        var terms: [Tensor] = []
        let map = layerMap ?? []
        let tokens = TokenMask(batch.attentionMask)
        if let projection = embeddingProjection {
            let (mine, theirs) = try states(student, teacher, layers: [(0, 0)])[0]
            terms.append(try tokens.meanSquaredError(matmul(mine, projection.tensor), theirs, component: Self.name))
        }
        if let projection = hiddenProjection {
            for (mine, theirs) in try states(student, teacher, layers: map.enumerated().map { ($0.offset + 1, $0.element + 1) }) {
                terms.append(try tokens.meanSquaredError(matmul(mine, projection.tensor), theirs, component: Self.name))
            }
        }
        if settings.parts.contains(.attention) {
            guard student.attentionScores.count == map.count, let last = map.max(), teacher.attentionScores.count > last else {
                throw ComponentError(Self.name, "needs attention scores of every mapped layer: the student gave \(student.attentionScores.count), "
                                     + "the teacher \(teacher.attentionScores.count)")
            }
            for (i, g) in map.enumerated() {
                terms.append(try tokens.meanSquaredError(student.attentionScores[i], teacher.attentionScores[g], component: Self.name))
            }
        }
        if settings.parts.contains(.prediction) {
            guard let z = student.logits, let t = teacher.logits, z.shape == t.shape, z.rank == 2 else {
                throw ComponentError(Self.name, "the prediction part needs logits of one shape from both models")
            }
            let inverse = 1 / Float(settings.temperature.value(at: progress))
            terms.append(softCrossEntropy(logits: z * inverse, targets: softmax(t.detached * inverse)))
        }
        guard let first = terms.first else { throw ComponentError(Self.name, "has no part that applies to these models") }
        return terms.dropFirst().reduce(first, +)
    }

    /// The hidden states at the (student, teacher) positions of `layers` (0: the embeddings).
    private func states(_ student: ModelOutput, _ teacher: ModelOutput, layers: [(Int, Int)]) throws -> [(Tensor, Tensor)] {
        try layers.map { s, t in
            guard student.hiddenStates.count > s, teacher.hiddenStates.count > t else {
                throw ComponentError(Self.name, "needs hidden states \(s) of the student (it gave \(student.hiddenStates.count)) "
                                     + "and \(t) of the teacher (it gave \(teacher.hiddenStates.count))")
            }
            return (student.hiddenStates[s], teacher.hiddenStates[t])
        }
    }
}

/// Which positions of a batch are real tokens, for MSEs that leave padding out. The weights for
/// a shape are made once per batch and reused by every term of that shape.
final class TokenMask {
    let batch: Int, length: Int
    let mask: [Float]
    private var weights: [[Int]: (tensor: Tensor, count: Int)] = [:]

    init(_ attentionMask: IntTensor) {
        (batch, length) = (attentionMask.shape[0], attentionMask.shape.count > 1 ? attentionMask.shape[1] : 0)
        mask = attentionMask.scalars.map { $0 != 0 ? 1 : 0 }
    }

    /// The mean of (a − b)² over real positions: for `(B, T, D)`, rows of real tokens; for
    /// `(B, heads, T, T)`, scores whose query and key are both real tokens. `b` is a constant.
    /// - Throws: ``ComponentError`` for shapes that differ or do not fit the batch.
    func meanSquaredError(_ a: Tensor, _ b: Tensor, component: String) throws -> Tensor {
        guard a.shape == b.shape else {
            throw ComponentError(component, "compares tensors of one shape; the student's is \(a.shape), the teacher's \(b.shape)")
        }
        let (weights, count) = try self.weights(for: a.shape, component: component)
        let gap = a - b.detached
        return sum(gap * gap * weights) * (1 / Float(max(count, 1)))
    }

    /// 1 where a value counts, 0 elsewhere, for `shape`, and how many count.
    private func weights(for shape: [Int], component: String) throws -> (tensor: Tensor, count: Int) {
        if let made = weights[shape] { return made }
        var weights = [Float](repeating: 0, count: shape.reduce(1, *))
        var count = 0
        if shape.count == 3, shape[0] == batch, shape[1] == length {
            let width = shape[2]
            for b in 0..<batch { for t in 0..<length where mask[b * length + t] != 0 {
                for j in 0..<width { weights[(b * length + t) * width + j] = 1 }
                count += width
            } }
        } else if shape.count == 4, shape[0] == batch, shape[2] == length, shape[3] == length {
            let heads = shape[1]
            for b in 0..<batch { for h in 0..<heads { for i in 0..<length where mask[b * length + i] != 0 {
                let row = ((b * heads + h) * length + i) * length
                for j in 0..<length where mask[b * length + j] != 0 { weights[row + j] = 1; count += 1 }
            } } }
        } else {
            throw ComponentError(component, "cannot mask a tensor of shape \(shape) for a batch of \(batch) × \(length) tokens")
        }
        let made = (Tensor(shape: shape, scalars: weights), count)
        self.weights[shape] = made
        return made
    }
}

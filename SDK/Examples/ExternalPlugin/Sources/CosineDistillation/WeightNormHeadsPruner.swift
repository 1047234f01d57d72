import BertSlimSDK

/// An example pruner written against the SDK's pruner contract (see `Pruner`): it scores each
/// attention head by the L2 norm of its columns in the layer's output projection
/// (`encoder.layer.N.attention.output.dense.weight`, head h owns columns h·d ..< (h+1)·d of the
/// heads the layer still has), a data-free importance, and removes the lowest-scoring heads of
/// the selected layers until the stage's target fraction of their original heads is gone,
/// always leaving each layer one head.
struct WeightNormHeadsPruner: Pruner {
    let selection: ParameterSelector?

    init(settings: NoSettings, context: ComponentContext) { selection = context.selection }

    private func prunable(_ model: any Model) throws -> any HeadPrunable {
        guard let model = model as? any HeadPrunable else {
            throw ComponentError("weight-norm-heads", "needs a model whose heads can be removed (HeadPrunable); \(type(of: model)) is not one")
        }
        return model
    }

    /// The layers the stage's `select:` block allows (all without one).
    private func layers(_ model: any HeadPrunable) -> [Int] {
        model.remainingHeads.indices.filter { selection?.matches("encoder.layer.\($0).attention.self.query.weight") ?? true }
    }

    /// One score per remaining head of each selected layer, under `PruningScores.headGroup(layer:)`.
    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores {
        let model = try prunable(model)
        var groups: [String: Tensor] = [:]
        for l in layers(model) {
            guard let weight = model.parameter(named: "encoder.layer.\(l).attention.output.dense.weight")?.value else {
                throw ComponentError("weight-norm-heads", "layer \(l) has no attention.output.dense.weight")
            }
            let heads = model.remainingHeads[l].count, rows = weight.shape[0], columns = weight.shape[1]
            let width = columns / max(heads, 1), w = weight.scalars
            let norms = (0..<heads).map { h -> Float in
                var total: Float = 0
                for r in 0..<rows { for c in (h * width)..<((h + 1) * width) { total += w[r * columns + c] * w[r * columns + c] } }
                return total.squareRoot()
            }
            groups[PruningScores.headGroup(layer: l)] = Tensor(shape: [heads], scalars: norms)
        }
        return PruningScores(groups)
    }

    /// Removes the lowest-norm heads until `target` of the selected layers' original heads are gone.
    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult {
        let model = try prunable(model)
        let before = model.parameterCount
        let selected = layers(model)
        let removedSoFar = selected.reduce(0) { $0 + model.originalHeadCount - model.remainingHeads[$1].count }
        var toRemove = Int((target * Double(selected.count * model.originalHeadCount)).rounded()) - removedSoFar
        var candidates: [(score: Float, layer: Int, head: Int)] = []
        for l in selected {
            guard let group = scores.groups[PruningScores.headGroup(layer: l)], group.count == model.remainingHeads[l].count else {
                throw ComponentError("weight-norm-heads", "no scores for layer \(l)'s remaining heads; score the model first")
            }
            candidates += zip(group.scalars, model.remainingHeads[l]).map { ($0, l, $1) }
        }
        var left = Dictionary(uniqueKeysWithValues: selected.map { ($0, model.remainingHeads[$0].count) })
        var plan: [Int: [Int]] = [:]
        for c in candidates.sorted(by: { ($0.score, $0.layer, $0.head) < ($1.score, $1.layer, $1.head) })
        where toRemove > 0 && left[c.layer, default: 0] > 1 {
            plan[c.layer, default: []].append(c.head)
            left[c.layer, default: 0] -= 1
            toRemove -= 1
        }
        try model.pruneHeads(plan)
        return PruningResult(removed: Dictionary(uniqueKeysWithValues: plan.map { (PruningScores.headGroup(layer: $0.key), $0.value.sorted()) }),
                             parameterCountBefore: before, parameterCountAfter: model.parameterCount)
    }
}

extension HeadPrunable {
    /// The layers a prune stage's `select:` block lets a head pruner prune: those whose
    /// `encoder.layer.N.attention.self.query.weight` it matches (all of them without a block).
    /// SDK 1.3.
    public func selectedLayers(_ selection: ParameterSelector?) -> [Int] {
        remainingHeads.indices.filter { selection?.matches("encoder.layer.\($0).attention.self.query.weight") ?? true }
    }

    /// Removes the lowest-scoring heads of `layers`, over all of them together, until `target`
    /// of their original heads are gone, never leaving a layer with fewer than
    /// `minHeadsPerLayer` heads: the selection every score-ranking head pruner shares (the
    /// ``Pruner`` contract). Removes nothing when the target is already met; stops short when the
    /// per-layer minimum allows no more. Ties go to the lower layer, then the lower head. SDK 1.3.
    /// - Parameters:
    ///   - scores: one score per remaining head of each layer, keyed ``PruningScores/headGroup(layer:)``.
    ///   - component: how errors name the pruner.
    /// - Throws: ``ComponentError`` for a target outside 0...1 or scores that do not fit the layout.
    public func pruneLowestScoringHeads(scores: PruningScores, target: Double, layers: [Int], minHeadsPerLayer: Int,
                                        component: String) throws -> PruningResult {
        guard (0...1).contains(target) else { throw ComponentError(component, "target \(target) is not in 0...1") }
        let before = parameterCount
        let layout = remainingHeads
        let total = layers.count * originalHeadCount
        let removed = layers.reduce(0) { $0 + originalHeadCount - layout[$1].count }
        var toRemove = Int((target * Double(total)).rounded()) - removed
        var candidates: [(score: Float, layer: Int, head: Int)] = []
        for l in layers {
            guard let group = scores.groups[PruningScores.headGroup(layer: l)] else {
                throw ComponentError(component, "no scores for layer \(l); score the model before pruning it")
            }
            guard group.count == layout[l].count else {
                throw ComponentError(component, "layer \(l) has \(layout[l].count) heads but \(group.count) scores; re-score after pruning")
            }
            candidates += zip(group.scalars, layout[l]).map { ($0, l, $1) }
        }
        candidates.sort { ($0.score, $0.layer, $0.head) < ($1.score, $1.layer, $1.head) }
        var left = Dictionary(uniqueKeysWithValues: layers.map { ($0, layout[$0].count) })
        var plan: [Int: [Int]] = [:]
        for candidate in candidates where toRemove > 0 && left[candidate.layer, default: 0] > minHeadsPerLayer {
            plan[candidate.layer, default: []].append(candidate.head)
            left[candidate.layer, default: 0] -= 1
            toRemove -= 1
        }
        try pruneHeads(plan)
        return PruningResult(removed: Dictionary(uniqueKeysWithValues: plan.map { (PruningScores.headGroup(layer: $0.key), $0.value.sorted()) }),
                             parameterCountBefore: before, parameterCountAfter: parameterCount)
    }
}

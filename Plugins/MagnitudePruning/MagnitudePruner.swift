import BertSlimSDK

/// Magnitude pruning: the weights with the smallest |w| are masked (``WeightMaskable``), over
/// all selected matrices together (`scope: global`) or the same fraction of each (`scope:
/// layer`). Masked weights stay zero through the fine-tuning between steps, so with the stage's
/// `sparsity: {schedule: cubic, …}` and `finetune:` this is Zhu & Gupta's (2017) gradual pruning,
/// AGP: s_t = s_f + (s_i − s_f)(1 − t/n)³. Weights already masked score lowest, so each step
/// keeps the earlier steps' masks and adds to them.
///
/// The selection is the stage's `select:` block; without names, every Linear weight of the
/// encoder (query, key, value, attention output, intermediate, output), not the pooler or the
/// classifier. The model's folder stores masked weights in CSR form, and inference multiplies a
/// matrix that is mostly zeros on the sparse kernel.
///
/// Based on: Han et al. 2015, Learning both Weights and Connections for Efficient Neural
/// Networks; Zhu & Gupta 2017, To prune, or not to prune.
struct MagnitudePruner: Pruner {
    enum Scope: String, Decodable, CaseIterable {
        case global, layer
    }

    struct Settings: ComponentSettings {
        var scope = Scope.global
        static var keys: [SettingKey<Settings>] { [
            SettingKey("scope", \.scope, "global: one threshold over all selected weights; layer: the same fraction of each matrix"),
        ] }
    }

    static let name = "magnitude"
    static var granularity: PruningGranularity { .weights }

    let settings: Settings
    let selection: ParameterSelector?

    init(settings: Settings, context: ComponentContext) {
        self.settings = settings
        selection = context.selection
    }

    /// The weights this pruner masks: the selection's, or the encoder's Linear weights.
    func selected(_ model: any WeightMaskable) -> [(name: String, parameter: Parameter)] {
        let named = !(selection?.names.isEmpty ?? true)
        return model.maskableWeights.filter { (named || $0.name.hasPrefix("encoder.")) && (selection?.matches($0.name) ?? true) }
    }

    /// |w| per selected weight; entries masked already score −1, below every weight.
    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores {
        let weights = selected(try maskable(model))
        var groups: [String: Tensor] = [:]
        for (name, parameter) in weights {
            let values = parameter.value.scalars
            let keep = parameter.mask?.scalars
            groups[name] = Tensor(shape: parameter.shape, scalars: values.indices.map { keep?[$0] == 0 ? -1 : abs(values[$0]) })
        }
        return PruningScores(groups)
    }

    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult {
        guard (0..<1).contains(target) else { throw ComponentError(Self.name, "target \(target) is not in [0, 1)") }
        let maskable = try maskable(model)
        let weights = selected(maskable)
        guard !weights.isEmpty else { throw ComponentError(Self.name, "the stage's select: matches none of the model's Linear weights") }
        var groups: [[Float]] = []
        for (name, parameter) in weights {
            guard let group = scores.groups[name], group.shape == parameter.shape else {
                throw ComponentError(Self.name, "no scores of shape \(parameter.shape) for \(name); score the model before pruning it")
            }
            groups.append(group.scalars)
        }
        let before = maskable.parameterCount
        let drops: [[Bool]]
        switch settings.scope {
        case .global: drops = split(lowest(groups.flatMap { $0 }, fraction: target), like: groups)
        case .layer: drops = groups.map { lowest($0, fraction: target) }
        }
        for ((_, parameter), drop) in zip(weights, drops) where drop.contains(true) {
            let old = parameter.mask?.scalars
            parameter.mask = Tensor(shape: parameter.shape, scalars: drop.indices.map { drop[$0] || old?[$0] == 0 ? 0 : 1 })
        }
        return PruningResult(removed: [:], parameterCountBefore: before, parameterCountAfter: maskable.parameterCount,
                             fraction: maskable.maskedFraction(of: Set(weights.map(\.name))))
    }

    /// Marks the `fraction` of `scores` that score lowest (ties: the earlier first).
    private func lowest(_ scores: [Float], fraction: Double) -> [Bool] {
        let count = Int((fraction * Double(scores.count)).rounded())
        guard count > 0 else { return [Bool](repeating: false, count: scores.count) }
        let threshold = scores.sorted()[count - 1]
        var ties = count - scores.reduce(0) { $0 + ($1 < threshold ? 1 : 0) }
        return scores.map { score in
            if score < threshold { return true }
            guard score == threshold, ties > 0 else { return false }
            ties -= 1
            return true
        }
    }

    /// `flat` cut into pieces the sizes of `groups`.
    private func split(_ flat: [Bool], like groups: [[Float]]) -> [[Bool]] {
        var start = 0
        return groups.map { group in
            defer { start += group.count }
            return Array(flat[start..<start + group.count])
        }
    }

    private func maskable(_ model: any Model) throws -> any WeightMaskable {
        guard let maskable = model as? any WeightMaskable else {
            throw ComponentError(Self.name, "needs a model whose Linear weights can be masked (WeightMaskable); \(type(of: model)) is not")
        }
        return maskable
    }
}

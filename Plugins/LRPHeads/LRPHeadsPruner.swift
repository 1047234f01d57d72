import BertSlimSDK

/// LRP heads: scores every attention head by its layer-wise relevance (``BertRelevance``) and
/// removes the least relevant until the stage's target fraction of heads is gone, with
/// `sixteen-heads`' selection rules (the stage's `select:`, `min_heads_per_layer`, the lowest
/// scores over all selected layers together).
///
/// A head's score is its relevance for the class the model predicts (or the label, with
/// `class: label`), divided per example by the total |relevance| of its layer's heads, then
/// averaged over every example of the calibration batches: the share of the layer's relevance
/// the head carries, as Voita et al. normalise it.
///
/// Based on: Voita et al. 2019, Analyzing Multi-Head Self-Attention: Specialized Heads Do the
/// Heavy Lifting, the Rest Can Be Pruned (§4, head relevance by LRP).
struct LRPHeadsPruner: Pruner {
    enum TargetClass: String, Decodable, CaseIterable {
        case predicted, label
    }

    struct Settings: ComponentSettings {
        var targetClass = TargetClass.predicted
        var epsilon: Float = 0.01
        var minHeadsPerLayer = 1
        static var keys: [SettingKey<Settings>] { [
            SettingKey("class", \.targetClass, "whose logit relevance starts from: the predicted class (Voita et al.) or the label"),
            SettingKey("epsilon", \.epsilon, "ε of the LRP-ε rule on Linear layers (a stabiliser: it keeps relevance where |z| is small)",
                       valid: { $0 >= 0 && $0.isFinite ? nil : "\($0) must be a number ≥ 0" }),
            SettingKey("min_heads_per_layer", \.minHeadsPerLayer,
                       "heads every layer keeps (at least 1: transformers cannot run a layer without heads)",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1 (a layer without heads does not run in transformers)" }),
        ] }
    }

    static let name = "lrp-heads"
    let settings: Settings
    let selection: ParameterSelector?

    init(settings: Settings, context: ComponentContext) {
        self.settings = settings
        selection = context.selection
    }

    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores {
        let prunable = try headPrunable(model, component: Self.name)
        guard let bert = (model as? any BertEncoderProviding)?.bertEncoder else {
            throw ComponentError(Self.name, "needs a model that runs a BERT encoder (BertEncoderProviding) to propagate relevance; \(type(of: model)) is not one")
        }
        guard !batches.isEmpty else { throw ComponentError(Self.name, "needs at least one batch to score heads (calibration_batches is 0)") }
        var totals = prunable.remainingHeads.map { [Double](repeating: 0, count: $0.count) }
        var examples = 0
        for batch in batches {
            let target: BertRelevance.Target
            switch settings.targetClass {
            case .predicted: target = .predicted
            case .label:
                guard let labels = batch.labels else { throw ComponentError(Self.name, "class: label, but the batch has no labels") }
                target = .each(labels.scalars.map(Int.init))
            }
            let result = try BertRelevance.propagate(bert, batch: batch, target: target, epsilon: settings.epsilon)
            for (l, heads) in result.heads.enumerated() {
                let (b, h) = (heads.shape[0], heads.shape[1])
                heads.withUnsafeBufferPointer { r in
                    for i in 0..<b {
                        let scale = (0..<h).reduce(0.0) { $0 + Double(abs(r[i * h + $1])) }
                        guard scale > 0 else { continue }
                        for j in 0..<h { totals[l][j] += Double(r[i * h + j]) / scale }
                    }
                }
            }
            examples += batch.size
        }
        let layers = Set(prunable.selectedLayers(selection))
        var groups: [String: Tensor] = [:]
        for (l, layer) in totals.enumerated() where layers.contains(l) {
            groups[PruningScores.headGroup(layer: l)] = Tensor(shape: [layer.count], scalars: layer.map { Float($0 / Double(examples)) })
        }
        return PruningScores(groups)
    }

    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult {
        let prunable = try headPrunable(model, component: Self.name)
        return try prunable.pruneLowestScoringHeads(scores: scores, target: target, layers: prunable.selectedLayers(selection),
                                                    minHeadsPerLayer: settings.minHeadsPerLayer, component: Self.name)
    }
}

/// The model as a ``HeadPrunable``, or an error naming the component and the capability.
func headPrunable(_ model: any Model, component: String) throws -> any HeadPrunable {
    guard let prunable = model as? any HeadPrunable else {
        throw ComponentError(component, "needs a model whose attention heads can be gated and removed (HeadPrunable); \(type(of: model)) is not")
    }
    return prunable
}

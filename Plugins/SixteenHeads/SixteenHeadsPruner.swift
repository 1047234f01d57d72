import BertSlimSDK

/// Sixteen Heads: scores every attention head by the gradient of the loss with respect to a
/// gate on it (``HeadImportance``) and physically removes the lowest-scoring heads until the
/// stage's target fraction of heads is gone; a prune stage with several steps re-scores the
/// smaller model before each step (iterative pruning, the paper's §6).
///
/// Based on: Michel et al. 2019, Are Sixteen Heads Really Better than One?
///
/// Works on any ``HeadPrunable`` model (BERT). The stage's `select:` limits pruning to the
/// layers whose `encoder.layer.N.attention.self.query.weight` it selects; the target
/// fraction counts the heads of those layers before any pruning.
struct SixteenHeadsPruner: Pruner {
    struct Settings: ComponentSettings {
        var loss = ImportanceLoss.crossEntropy
        var temperature: Float = 1
        var normalizeByLayer = true
        var normalizeGlobally = true
        var minHeadsPerLayer = 1
        static var keys: [SettingKey<Settings>] { [
            SettingKey("loss", \.loss, "what the gate gradient is taken of: cross-entropy (labels) or distillation (against the stage's teacher: a prune stage's unpruned input model)"),
            SettingKey("temperature", \.temperature, "softmax temperature T of the distillation loss",
                       valid: { $0 > 0 && $0.isFinite ? nil : "\($0) must be positive" }),
            SettingKey("normalize_by_layer", \.normalizeByLayer, "divide each layer's scores by their L2 norm"),
            SettingKey("normalize_globally", \.normalizeGlobally, "min-max scale all scores to [0, 1] together"),
            SettingKey("min_heads_per_layer", \.minHeadsPerLayer,
                       "heads every layer keeps (at least 1: transformers cannot run a layer without heads)",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1 (a layer without heads does not run in transformers)" }),
        ] }
    }

    let settings: Settings
    let selection: ParameterSelector?
    let importance: HeadImportance

    init(settings: Settings, context: ComponentContext) {
        self.settings = settings
        selection = context.selection
        importance = HeadImportance(loss: settings.loss, temperature: settings.temperature,
                                    normalizeByLayer: settings.normalizeByLayer,
                                    normalizeGlobally: settings.normalizeGlobally, teacher: context.teacher)
    }

    private func headPrunable(_ model: any Model) throws -> any HeadPrunable {
        guard let prunable = model as? any HeadPrunable else {
            throw ComponentError("sixteen-heads", "needs a model whose attention heads can be gated and removed (HeadPrunable); \(type(of: model)) is not")
        }
        return prunable
    }

    /// Importance of each remaining head of the selected layers, keyed
    /// `encoder.layer.N.attention.heads`, in ``HeadPrunable/remainingHeads`` order.
    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores {
        let prunable = try headPrunable(model)
        let scores = try importance.scores(of: prunable, batches: batches)
        let layers = Set(prunable.selectedLayers(selection))
        var groups: [String: Tensor] = [:]
        for (l, layer) in scores.enumerated() where layers.contains(l) {
            groups[PruningScores.headGroup(layer: l)] = Tensor(shape: [layer.count], scalars: layer.map(Float.init))
        }
        return PruningScores(groups)
    }

    /// Removes the lowest-scoring heads of the selected layers (``HeadPrunable/pruneLowestScoringHeads(scores:target:layers:minHeadsPerLayer:component:)``).
    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult {
        let prunable = try headPrunable(model)
        return try prunable.pruneLowestScoringHeads(scores: scores, target: target, layers: prunable.selectedLayers(selection),
                                                    minHeadsPerLayer: settings.minHeadsPerLayer, component: "sixteen-heads")
    }
}

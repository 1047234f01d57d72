import BertSlimSDK

/// Random heads: every remaining head gets a score drawn uniformly from [0, 1), and the lowest
/// go, with `sixteen-heads`' selection rules: heads removed uniformly at random, the baseline
/// every head-pruning curve needs. Seeded by the run's seed (and `seed`, to draw other sets);
/// each scoring pass of a stage draws afresh from the same stream, so a run is reproducible.
struct RandomHeadsPruner: Pruner {
    struct Settings: ComponentSettings {
        var seed: UInt64 = 0
        var minHeadsPerLayer = 1
        static var keys: [SettingKey<Settings>] { [
            SettingKey("seed", \.seed, "added to the run's seed: another value draws another set of heads"),
            SettingKey("min_heads_per_layer", \.minHeadsPerLayer,
                       "heads every layer keeps (at least 1: transformers cannot run a layer without heads)",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1 (a layer without heads does not run in transformers)" }),
        ] }
    }

    static let name = "random-heads"
    let settings: Settings
    let selection: ParameterSelector?
    private let generator: Generator

    /// The stream the scores come from, shared by the pruner's scoring passes.
    final class Generator {
        var state: SeededGenerator
        init(seed: UInt64) { state = SeededGenerator(seed: seed, stream: 0x4EAD) }
    }

    init(settings: Settings, context: ComponentContext) {
        self.settings = settings
        selection = context.selection
        generator = Generator(seed: context.seed &+ settings.seed)
    }

    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores {
        let prunable = try headPrunable(model, component: Self.name)
        var groups: [String: Tensor] = [:]
        for l in prunable.selectedLayers(selection) {
            let count = prunable.remainingHeads[l].count
            groups[PruningScores.headGroup(layer: l)] = Tensor(shape: [count], scalars: (0..<count).map { _ in generator.state.nextUniform() })
        }
        return PruningScores(groups)
    }

    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult {
        let prunable = try headPrunable(model, component: Self.name)
        return try prunable.pruneLowestScoringHeads(scores: scores, target: target, layers: prunable.selectedLayers(selection),
                                                    minHeadsPerLayer: settings.minHeadsPerLayer, component: Self.name)
    }
}

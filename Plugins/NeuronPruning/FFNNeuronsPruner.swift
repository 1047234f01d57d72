import BertSlimSDK
import Foundation

/// FFN neuron pruning: neuron i of a layer's feed-forward block is row i of its input projection
/// and column i of its output projection; the lowest-scoring neurons are removed from both
/// (``NeuronPrunable``), so the matrices stay dense and get smaller.
///
/// Scores (`score`):
/// - `weight-norm`: ‖W_in[i, :]‖₂ · ‖W_out[:, i]‖₂, what the neuron can pass on, from the weights alone;
/// - `taylor`: |Σ a_i·∂L/∂a_i| per calibration batch (the cross-entropy's first-order change
///   when the neuron's activation a_i is removed; Molchanov et al. 2017), averaged over the batches.
///
/// With `uniform: true` (the default) every selected layer keeps the same width, so a BERT's
/// `intermediate_size` still describes it and transformers reloads the folder; with `uniform:
/// false` the neurons compete over all selected layers (scores divided by their layer's L2 norm
/// first, as their scales differ), and the folder records per-layer widths that only BertSlim
/// reads. A layer keeps at least `min_neurons_per_layer`. The stage's `select:` picks layers by
/// `encoder.layer.N.intermediate.dense.weight` (all without a block).
struct FFNNeuronsPruner: Pruner {
    enum Score: String, Decodable, CaseIterable {
        case weightNorm = "weight-norm", taylor
    }

    struct Settings: ComponentSettings {
        var score = Score.weightNorm
        var uniform = true
        var minNeuronsPerLayer = 1
        static var keys: [SettingKey<Settings>] { [
            SettingKey("score", \.score, "weight-norm: ‖input row‖·‖output column‖; taylor: |Σ activation·gradient| over the calibration batches"),
            SettingKey("uniform", \.uniform, "true: every layer keeps the same width (transformers reloads it); false: neurons compete across layers"),
            SettingKey("min_neurons_per_layer", \.minNeuronsPerLayer, "neurons every layer keeps",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
        ] }
    }

    static let name = "ffn-neurons"
    static var granularity: PruningGranularity { .neurons }

    let settings: Settings
    let selection: ParameterSelector?

    init(settings: Settings, context: ComponentContext) {
        self.settings = settings
        selection = context.selection
    }

    /// The score group of layer `layer`'s neurons.
    static func group(layer: Int) -> String { "encoder.layer.\(layer).intermediate.neurons" }

    func layers(_ model: any NeuronPrunable) -> [Int] {
        model.intermediateSizes.indices.filter { selection?.matches("encoder.layer.\($0).intermediate.dense.weight") ?? true }
    }

    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores {
        let prunable = try neuronPrunable(model)
        let selected = layers(prunable)
        let values: [Int: [Float]]
        switch settings.score {
        case .weightNorm:
            values = Dictionary(uniqueKeysWithValues: selected.map { l in
                let (input, output) = prunable.feedForwardWeights[l]
                let rows = input.value.scalars, columns = output.value.scalars
                let (width, hidden) = (input.shape[0], input.shape[1])
                return (l, (0..<width).map { i in
                    let inNorm = (0..<hidden).reduce(Float(0)) { $0 + rows[i * hidden + $1] * rows[i * hidden + $1] }.squareRoot()
                    let outNorm = (0..<hidden).reduce(Float(0)) { $0 + columns[$1 * width + i] * columns[$1 * width + i] }.squareRoot()
                    return inNorm * outNorm
                })
            })
        case .taylor:
            values = try taylor(prunable, layers: selected, batches: batches)
        }
        return PruningScores(Dictionary(uniqueKeysWithValues: values.map { (Self.group(layer: $0.key), Tensor(shape: [$0.value.count], scalars: $0.value)) }))
    }

    /// |Σ a·∂L/∂a| per neuron and batch, averaged over the batches: ∂L/∂g of a gate of ones on the
    /// activations is Σ a·∂L/∂a. The model's own parameters collect no gradient.
    private func taylor(_ model: any NeuronPrunable, layers: [Int], batches: [Batch]) throws -> [Int: [Float]] {
        guard !batches.isEmpty else { throw ComponentError(Self.name, "score: taylor needs calibration batches (calibration_batches is 0)") }
        let gates = model.intermediateSizes.map { Parameter(Tensor.ones([$0])) }
        let parameters = model.namedParameters.map(\.parameter)
        let trainable = parameters.map(\.requiresGrad)
        for parameter in parameters { parameter.requiresGrad = false }
        defer { for (parameter, flag) in zip(parameters, trainable) { parameter.requiresGrad = flag } }
        var sums = Dictionary(uniqueKeysWithValues: layers.map { ($0, [Float](repeating: 0, count: gates[$0].shape[0])) })
        for batch in batches {
            guard let labels = batch.labels else { throw ComponentError(Self.name, "score: taylor needs labelled calibration batches") }
            guard let logits = try model.forward(batch, request: [], neuronGates: gates.map(\.tensor), training: false).logits else {
                throw ComponentError(Self.name, "score: taylor needs a model with a classification head")
            }
            try crossEntropy(logits, labels: labels).backward()
            for l in layers {
                let grad = gates[l].grad?.scalars ?? []
                for i in grad.indices { sums[l]![i] += abs(grad[i]) / Float(batches.count) }
                gates[l].zeroGrad()
            }
        }
        return sums
    }

    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult {
        guard (0..<1).contains(target) else { throw ComponentError(Self.name, "target \(target) is not in [0, 1)") }
        let prunable = try neuronPrunable(model)
        let selected = layers(prunable)
        let widths = prunable.intermediateSizes, original = prunable.originalIntermediateSize
        var layerScores: [Int: [Float]] = [:]
        for l in selected {
            guard let group = scores.groups[Self.group(layer: l)], group.count == widths[l] else {
                throw ComponentError(Self.name, "layer \(l) has \(widths[l]) neurons but no matching scores; re-score after pruning")
            }
            layerScores[l] = group.scalars
        }
        let before = prunable.parameterCount
        var plan: [Int: [Int]] = [:]
        if settings.uniform {
            let keep = max(settings.minNeuronsPerLayer, Int((Double(original) * (1 - target)).rounded()))
            for l in selected where widths[l] > keep { plan[l] = lowest(layerScores[l]!, count: widths[l] - keep) }
        } else {
            let total = selected.count * original
            var toRemove = Int((target * Double(total)).rounded()) - selected.reduce(0) { $0 + original - widths[$1] }
            var candidates: [(score: Float, layer: Int, neuron: Int)] = []
            for l in selected {
                let values = layerScores[l]!
                let norm = max(values.reduce(0) { $0 + $1 * $1 }.squareRoot(), .leastNormalMagnitude)
                candidates += values.enumerated().map { ($1 / norm, l, $0) }
            }
            candidates.sort { ($0.score, $0.layer, $0.neuron) < ($1.score, $1.layer, $1.neuron) }
            var left = Dictionary(uniqueKeysWithValues: selected.map { ($0, widths[$0]) })
            for c in candidates where toRemove > 0 && left[c.layer]! > settings.minNeuronsPerLayer {
                plan[c.layer, default: []].append(c.neuron)
                left[c.layer]! -= 1
                toRemove -= 1
            }
        }
        try prunable.pruneNeurons(plan)
        let left = selected.reduce(0) { $0 + prunable.intermediateSizes[$1] }
        return PruningResult(removed: Dictionary(uniqueKeysWithValues: plan.map { (Self.group(layer: $0.key), $0.value.sorted()) }),
                             parameterCountBefore: before, parameterCountAfter: prunable.parameterCount,
                             fraction: selected.isEmpty ? 0 : 1 - Double(left) / Double(selected.count * original))
    }

    /// Positions of the `count` lowest scores (ties: the lower position).
    private func lowest(_ scores: [Float], count: Int) -> [Int] {
        Array(scores.indices.sorted { (scores[$0], $0) < (scores[$1], $1) }.prefix(count))
    }

    private func neuronPrunable(_ model: any Model) throws -> any NeuronPrunable {
        guard let prunable = model as? any NeuronPrunable else {
            throw ComponentError(Self.name, "needs a model whose FFN neurons can be removed (NeuronPrunable); \(type(of: model)) is not")
        }
        return prunable
    }
}

import BertSlimSDK
import Foundation

/// Hard-concrete head gates with a relaxed L0 penalty: one stochastic gate per head, trained
/// with the model frozen, then made deterministic; heads whose gate is 0 are removed and the
/// others keep their gate's value folded into the attention output projection.
///
/// Each gate has a learnable log α. While training, a gate is
///
///     s = sigmoid((log u − log(1 − u) + log α)/β),  u ~ U(0, 1)
///     z = min(1, max(0, s·(ζ − γ) + γ)),  γ = −0.1, ζ = 1.1
///
/// and multiplies its head's attention probabilities. The objective is the task loss
/// (`objective: task`, cross-entropy on the labels) or distillation from the unpruned model
/// (`distill`, soft cross-entropy against its logits) plus λ·Σ P(z ≠ 0), with
/// P(z ≠ 0) = sigmoid(log α − β·log(−γ/ζ)). Training runs `passes` times over the stage's
/// calibration batches with Adam on log α alone (log α starts at 3: every gate open, its test-time value 1). At the
/// end each gate is min(1, max(0, sigmoid(log α)·(ζ − γ) + γ)).
///
/// How many heads go: with `lambda` (a number or a schedule over training), what that λ
/// closes; otherwise λ is searched (`search_steps` trainings, geometric bracketing then
/// bisection) for the gates that close closest to `target_heads`, or, without it, to the
/// stage's target fraction of the selected layers' heads. The stage records the fraction
/// actually reached. Layers keep `min_heads_per_layer` (their most open heads).
///
/// Scores (the report's map) are the deterministic gate values after training: 0 for a head
/// that goes, its scale for one that stays.
///
/// Based on: Voita et al. 2019, Analyzing Multi-Head Self-Attention (§6, pruning by
/// hard-concrete gates); Louizos et al. 2018, Learning Sparse Neural Networks through L0
/// Regularization (the hard-concrete distribution).
final class ConcreteGatesPruner: Pruner {
    enum Objective: String, Decodable, CaseIterable {
        case task, distill
    }

    struct Settings: ModelCheckedSettings {
        var lambda: Schedule?
        var targetHeads: Int?
        var beta: Float = 2.0 / 3.0
        var objective = Objective.distill
        var passes = 4
        var learningRate: Float = 0.25
        var searchSteps = 6
        var minHeadsPerLayer = 1

        static var keys: [SettingKey<Settings>] { [
            SettingKey("lambda", \.lambda, "λ of the L0 penalty (≥ 0), a number or a schedule over training; unset: searched for the target",
                       valid: { ($0?.range.lowerBound ?? 0) >= 0 ? nil : "\($0!) must not be negative" }),
            SettingKey("target_heads", \.targetHeads, "heads to remove over the selected layers, reached by searching λ (default: the stage's target fraction)",
                       valid: { ($0 ?? 1) >= 1 ? nil : "\($0!) must be at least 1" }),
            SettingKey("beta", \.beta, "temperature β of the hard-concrete distribution (> 0; Louizos et al.: 2/3)",
                       valid: { $0 > 0 && $0.isFinite ? nil : "\($0) must be positive" }),
            SettingKey("objective", \.objective, "task: cross-entropy on the labels; distill: soft cross-entropy against the unpruned model"),
            SettingKey("passes", \.passes, "passes over the calibration batches per training", valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
            SettingKey("learning_rate", \.learningRate, "Adam's learning rate for log α", valid: { $0 > 0 && $0.isFinite ? nil : "\($0) must be positive" }),
            SettingKey("search_steps", \.searchSteps, "trainings the λ search may use", valid: { $0 >= 1 ? nil : "\($0) must be at least 1" }),
            SettingKey("min_heads_per_layer", \.minHeadsPerLayer,
                       "heads every layer keeps (at least 1: transformers cannot run a layer without heads)",
                       valid: { $0 >= 1 ? nil : "\($0) must be at least 1 (a layer without heads does not run in transformers)" }),
        ] }

        func conflict() -> (key: String, reason: String)? {
            lambda != nil && targetHeads != nil ? ("target_heads", "is reached by searching λ; set either lambda or target_heads") : nil
        }

        /// `target_heads` against the heads the stage's model can lose.
        func conflict(in context: SettingsCheckContext) -> (key: String, reason: String)? {
            guard let wanted = targetHeads, let model = context.stageModel, let layers = model.layerCount, let heads = model.attentionHeads else { return nil }
            let removable = layers * max(heads - minHeadsPerLayer, 0)
            return wanted > removable
                ? ("target_heads", "\(wanted) is more than the \(removable) heads \(model.name) can lose (\(layers) layers × \(heads) heads, "
                   + "keeping \(minHeadsPerLayer) per layer)")
                : nil
        }
    }

    static let name = "concrete-gates"
    static let (gamma, zeta): (Float, Float) = (-0.1, 1.1)

    let settings: Settings
    let selection: ParameterSelector?
    let teacher: (any Teacher)?
    let seed: UInt64
    /// The batches of the last scoring pass, which a λ search trains on again.
    private var batches: [Batch] = []
    /// The gates of the last training, per layer in remaining-head order.
    private var trained: Gates?

    /// Trained gates: log α per remaining head of every layer (unselected layers: none).
    struct Gates {
        var logAlpha: [[Float]]
        var lambda: Double
    }

    init(settings: Settings, context: ComponentContext) throws {
        self.settings = settings
        selection = context.selection
        teacher = context.teacher
        seed = context.seed
    }

    func score(_ model: any Model, batches: [Batch]) throws -> PruningScores {
        let prunable = try headPrunable(model, component: Self.name)
        guard !batches.isEmpty else { throw ComponentError(Self.name, "needs at least one batch to train gates (calibration_batches is 0)") }
        self.batches = batches
        let gates = try train(prunable, lambda: settings.lambda ?? .constant(0.01))
        trained = gates
        var groups: [String: Tensor] = [:]
        for l in prunable.selectedLayers(selection) {
            let values = gates.logAlpha[l].map(deterministicGate)
            groups[PruningScores.headGroup(layer: l)] = Tensor(shape: [values.count], scalars: values)
        }
        return PruningScores(groups)
    }

    func prune(_ model: any Model, scores: PruningScores, target: Double) throws -> PruningResult {
        let prunable = try headPrunable(model, component: Self.name)
        guard let bert = (model as? any BertEncoderProviding)?.bertEncoder else {
            throw ComponentError(Self.name, "folds gate values into the attention output projection, so it needs a BERT encoder (BertEncoderProviding); \(type(of: model)) is not one")
        }
        guard var gates = trained else { throw ComponentError(Self.name, "score the model before pruning it") }
        let layers = prunable.selectedLayers(selection)
        if settings.lambda == nil {
            let removed = layers.reduce(0) { $0 + prunable.originalHeadCount - prunable.remainingHeads[$1].count }
            let wanted = settings.targetHeads ?? Int((target * Double(layers.count * prunable.originalHeadCount)).rounded()) - removed
            gates = try search(prunable, closing: max(wanted, 0), first: gates)
        }
        let before = prunable.parameterCount
        let layout = prunable.remainingHeads
        var plan: [Int: [Int]] = [:]
        for l in layers {
            let values = gates.logAlpha[l].map(deterministicGate)
            // Closed gates go, but a layer keeps its `min_heads_per_layer` most open heads.
            let keep = Set(values.indices.sorted { (values[$0], -$0) > (values[$1], -$1) }.prefix(settings.minHeadsPerLayer))
            let closed = values.indices.filter { values[$0] == 0 && !keep.contains($0) }
            fold(values, into: bert.layers[l])
            if !closed.isEmpty { plan[l] = closed.map { layout[l][$0] } }
        }
        try prunable.pruneHeads(plan)
        trained = nil
        return PruningResult(removed: Dictionary(uniqueKeysWithValues: plan.map { (PruningScores.headGroup(layer: $0.key), $0.value.sorted()) }),
                             parameterCountBefore: before, parameterCountAfter: prunable.parameterCount)
    }

    /// Trains the gates from log α = 3 with penalty weight `lambda`, the model frozen.
    func train(_ model: any HeadPrunable, lambda: Schedule) throws -> Gates {
        let layout = model.remainingHeads
        let selected = Set(model.selectedLayers(selection))
        let logAlpha = layout.indices.map { l in Parameter(Tensor(repeating: 3, shape: [selected.contains(l) ? layout[l].count : 0])) }
        let parameters = model.namedParameters.map(\.parameter)
        let trainable = parameters.map(\.requiresGrad)
        for parameter in parameters { parameter.requiresGrad = false }
        defer { for (parameter, flag) in zip(parameters, trainable) { parameter.requiresGrad = flag } }
        let optimizer = try AdamW(parameters: logAlpha.filter { $0.shape[0] > 0 }, learningRate: settings.learningRate, weightDecay: 0)
        var generator = SeededGenerator(seed: seed, stream: 0xC0_4C)
        // The unpruned model's logits, once per batch.
        var targets: [Int: Tensor] = [:]
        let steps = settings.passes * batches.count
        let offset = log(-Self.gamma / Self.zeta) * settings.beta
        for step in 0..<steps {
            let batch = batches[step % batches.count]
            let gates = layout.indices.map { l -> Tensor in
                guard selected.contains(l) else { return Tensor.ones([layout[l].count]) }
                let noise = (0..<layout[l].count).map { _ -> Float in
                    let u = min(max(generator.nextUniform(), 1e-6), 1 - 1e-6)
                    return log(u) - log(1 - u)
                }
                let s = sigmoid((Tensor(shape: [noise.count], scalars: noise) + logAlpha[l].tensor) * (1 / settings.beta))
                let stretched = s * (Self.zeta - Self.gamma) + Self.gamma
                return relu(stretched) - relu(stretched - 1)
            }
            let output = try model.forward(batch, request: [], headGates: gates, training: false)
            var loss = try objective(output, batch, index: step % batches.count, targets: &targets)
            let weight = Float(lambda.value(at: Double(step) / Double(max(steps, 1))))
            if weight > 0 {
                let open = logAlpha.filter { $0.shape[0] > 0 }.map { sum(sigmoid($0.tensor - offset)) }
                loss = loss + open.dropFirst().reduce(open[0], +) * weight
            }
            loss.backward()
            optimizer.step()
            optimizer.zeroGrad()
        }
        return Gates(logAlpha: logAlpha.map(\.value.scalars), lambda: lambda.value(at: 1))
    }

    /// λ that closes about `wanted` gates: λ grows ×4 from `first`'s until enough close (or the
    /// search is spent), then bisects (geometrically) between the last two; the training whose
    /// count is nearest wins (ties: the smaller λ).
    private func search(_ model: any HeadPrunable, closing wanted: Int, first: Gates) throws -> Gates {
        func closed(_ gates: Gates) -> Int { gates.logAlpha.joined().filter { deterministicGate($0) == 0 }.count }
        var tried = [(gates: first, closed: closed(first))]
        var (low, high): (Double?, Double?) = (nil, nil)
        for _ in 1..<settings.searchSteps {
            let last = tried[tried.count - 1]
            if last.closed == wanted { break }
            if last.closed < wanted { low = last.gates.lambda } else { high = last.gates.lambda }
            let lambda: Double
            switch (low, high) {
            case let (low?, high?): lambda = (low * high).squareRoot()
            case let (low?, nil): lambda = low * 4
            case let (nil, high?): lambda = high / 4
            case (nil, nil): lambda = 0.01
            }
            let gates = try train(model, lambda: .constant(lambda))
            tried.append((gates, closed(gates)))
        }
        return tried.min { (abs($0.closed - wanted), $0.gates.lambda) < (abs($1.closed - wanted), $1.gates.lambda) }!.gates
    }

    /// The gate at test time: min(1, max(0, sigmoid(log α)·(ζ − γ) + γ)).
    func deterministicGate(_ logAlpha: Float) -> Float {
        min(1, max(0, sigmoid(logAlpha) * (Self.zeta - Self.gamma) + Self.gamma))
    }

    /// Multiplies each head's columns of the attention output projection by its gate value,
    /// which is what the gate did to the head's output.
    private func fold(_ values: [Float], into layer: BertLayer) {
        let weight = layer.attentionOutput.value
        let (rows, columns) = (weight.shape[0], weight.shape[1])
        let size = columns / max(values.count, 1)
        var scaled = weight.scalars
        for r in 0..<rows { for (h, g) in values.enumerated() where g != 1 { for c in h * size..<(h + 1) * size { scaled[r * columns + c] *= g } } }
        layer.attentionOutput.value = Tensor(shape: weight.shape, scalars: scaled)
    }

    /// The loss the gates train on (before the penalty).
    private func objective(_ output: ModelOutput, _ batch: Batch, index: Int, targets: inout [Int: Tensor]) throws -> Tensor {
        guard let logits = output.logits, logits.rank == 2 else {
            throw ComponentError(Self.name, "needs a model with a classification head (no logits were returned)")
        }
        switch settings.objective {
        case .task:
            guard let labels = batch.labels else { throw ComponentError(Self.name, "objective: task needs labelled batches (or use objective: distill)") }
            return try crossEntropy(logits, labels: labels)
        case .distill:
            guard let teacher else { throw ComponentError(Self.name, "objective: distill needs the stage's unpruned model as teacher, and there is none") }
            if targets[index] == nil { targets[index] = try teacher.outputs(for: batch, request: []).logits }
            return try knowledgeDistillationLoss(student: logits, teacher: targets[index], labels: nil, temperature: 1, alpha: 1,
                                                 component: Self.name)
        }
    }
}

private func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

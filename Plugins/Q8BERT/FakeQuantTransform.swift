import BertSlimSDK

/// Q8BERT's fake quantization, installed on a BERT as its ``LinearTransform``: every Linear
/// layer's input is fake-quantized with the scale of its observed range, every weight and
/// embedding table with the scale of its own max|w| (per tensor, or per output row), and the
/// straight-through estimator carries gradients through the rounding (Zafrir et al. 2019).
///
/// Observers update during training steps (gradients recorded) when `observing` says so,
/// folding batches by their rule; evaluation then uses the frozen ranges.
/// While `calibrating`, nothing is fake-quantized and every input's range folds in by max:
/// float ranges, as PyTorch's MinMaxObserver (static quantization's ranges, QAT's start).
final class FakeQuantTransform: LinearTransform {
    enum Observing { case never, whileTraining }

    /// Per Linear layer, keyed by its weight parameter: the range of its input.
    private(set) var observers: [ObjectIdentifier: RangeObserver] = [:]
    /// The ranges by name (`<weight>.input_range`), listed as the transform's parameters.
    private var named: [(name: String, observer: RangeObserver)] = []
    let rule: RangeRule
    let decay: Float
    let perChannel: Bool
    var observing: Observing
    /// Whether activations are fake-quantized.
    var quantizeActivations: Bool
    /// Whether weights and tables are fake-quantized.
    var quantizeWeights: Bool
    /// Dynamic quantization's reference: each input's scale from its own max|x|.
    let dynamicActivations: Bool
    /// Observing float ranges (see the type's note).
    var calibrating = false

    init(rule: RangeRule, decay: Float, perChannel: Bool, observing: Observing, quantizeActivations: Bool,
         quantizeWeights: Bool, dynamicActivations: Bool = false) {
        self.rule = rule
        self.decay = decay
        self.perChannel = perChannel
        self.observing = observing
        self.quantizeActivations = quantizeActivations
        self.quantizeWeights = quantizeWeights
        self.dynamicActivations = dynamicActivations
    }

    /// Every Linear weight's range as a parameter (no gradient), so that checkpoints keep them.
    var parameters: [(name: String, parameter: Parameter)] { named.map { ($0.name, $0.observer.stored) } }

    /// Creates the observer of every Linear layer of `model` (the 2-D weights but the embedding
    /// tables and MPNet's bias table) under its weight's name, before any batch: a resumed run
    /// loads them.
    func register(_ model: BertModel) {
        for (name, parameter) in model.namedParameters
        where parameter.shape.count == 2 && name.hasSuffix(".weight") && !name.hasPrefix("embeddings.")
            && !name.hasPrefix("linear_transform.") && name != BertModel.relativeAttentionBiasName {
            named.append((name + ".input_range", observer(of: parameter)))
        }
    }

    /// The observer of the Linear layer whose weight is `parameter`.
    func observer(of parameter: Parameter) -> RangeObserver {
        if let known = observers[ObjectIdentifier(parameter)] { return known }
        let made = RangeObserver(rule: rule, decay: decay)
        observers[ObjectIdentifier(parameter)] = made
        return made
    }

    func transform(_ value: Tensor, operand: LinearOperand, of parameter: Parameter) -> Tensor {
        switch operand {
        case .input:
            if calibrating {
                observer(of: parameter).observe(value.detached, rule: .max)
                return value
            }
            if dynamicActivations {
                return quantizeActivations ? fakeQuantize(value, scale: symmetricScale(maxAbs: maxAbs(value))) : value
            }
            let observer = observer(of: parameter)
            let observe = (observing == .whileTraining && GradMode.isEnabled) || observer.range == nil
            if observe { observer.observe(value.detached) }
            guard quantizeActivations, let scale = observer.scale else { return value }
            return fakeQuantize(value, scale: scale)
        case .weight:
            guard quantizeWeights && !calibrating else { return value }
            if perChannel { return fakeQuantize(value, rowScales: quantizeWeight(value.detached, perChannel: true).1) }
            return fakeQuantize(value, scale: symmetricScale(maxAbs: maxAbs(value)))
        case .embedding:
            guard quantizeWeights && !calibrating else { return value }
            return fakeQuantize(value, scale: symmetricScale(maxAbs: maxAbs(value)))
        @unknown default:
            return value
        }
    }
}

extension FakeQuantTransform {
    /// Uses `observer`'s range for the Linear layer whose weight is `parameter` (a reference
    /// model sharing another transform's frozen ranges).
    func adopt(_ observer: RangeObserver, for parameter: Parameter) {
        observers[ObjectIdentifier(parameter)] = observer
    }
}

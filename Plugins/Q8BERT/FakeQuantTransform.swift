import BertSlimSDK

/// Q8BERT's fake quantization, installed on a BERT as its ``LinearTransform``: every Linear
/// layer's input is fake-quantized with the scale of its observed range, every weight and
/// embedding table with the scale of its own max|w| (per tensor, or per output row), and the
/// straight-through estimator carries gradients through the rounding (Zafrir et al. 2019).
///
/// Observers update only while `observing` says so: during training steps (gradients
/// recorded), or always while calibrating; evaluation then uses the frozen ranges.
final class FakeQuantTransform: LinearTransform {
    enum Observing { case never, whileTraining, always }

    /// Per Linear layer, keyed by its weight parameter: the range of its input.
    private(set) var observers: [ObjectIdentifier: RangeObserver] = [:]
    let rule: RangeRule
    let decay: Float
    let perChannel: Bool
    var observing: Observing
    /// Whether activations are fake-quantized (off while calibrating float ranges).
    var quantizeActivations: Bool
    /// Whether weights and tables are fake-quantized.
    var quantizeWeights: Bool
    /// Dynamic quantization's reference: each input's scale from its own max|x|.
    let dynamicActivations: Bool

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
            if dynamicActivations {
                return quantizeActivations ? fakeQuantize(value, scale: symmetricScale(maxAbs: maxAbs(value))) : value
            }
            let observer = observer(of: parameter)
            let observe = observing == .always || (observing == .whileTraining && GradMode.isEnabled) || observer.range == nil
            if observe { observer.observe(value.detached) }
            guard quantizeActivations, let scale = observer.scale else { return value }
            return fakeQuantize(value, scale: scale)
        case .weight:
            guard quantizeWeights else { return value }
            if perChannel { return fakeQuantize(value, rowScales: quantizeWeight(value.detached, perChannel: true).1) }
            return fakeQuantize(value, scale: symmetricScale(maxAbs: maxAbs(value)))
        case .embedding:
            guard quantizeWeights else { return value }
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

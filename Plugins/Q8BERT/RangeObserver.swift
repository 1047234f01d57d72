import BertSlimSDK

/// How an observer folds the max|x| of successive batches into one range.
enum RangeRule: String, Decodable, CaseIterable, Sendable {
    /// Exponential moving average, the first batch's value to start (Q8BERT, for training).
    case ema
    /// The largest value seen (post-training calibration, as PyTorch's MinMaxObserver).
    case max
}

/// The range of one activation: max|x| folded over batches, giving the Q8BERT scale
/// `127 / range` (Zafrir et al. 2019: EMA with decay 0.9999 during training, frozen at
/// conversion). It lives in a one-value ``Parameter`` without gradient (NaN before the first
/// batch), which the transform lists, so that a checkpoint keeps it and a resumed run goes on
/// with the same range.
final class RangeObserver {
    let rule: RangeRule
    let decay: Float
    /// The range as the model's checkpoints store it.
    let stored = Parameter(Tensor(shape: [1], scalars: [.nan]), requiresGrad: false)

    init(rule: RangeRule, decay: Float) {
        self.rule = rule
        self.decay = decay
    }

    /// The folded max|x|; nil before the first batch.
    private(set) var range: Float? {
        get {
            let value = stored.value.scalars[0]
            return value.isNaN ? nil : value
        }
        set { stored.value = Tensor(shape: [1], scalars: [newValue ?? .nan]) }
    }

    /// Folds in the max|x| of `x` by `rule` (the observer's own unless given).
    func observe(_ x: Tensor, rule: RangeRule? = nil) {
        let m = maxAbs(x)
        guard m.isFinite else { return }
        guard let range else { self.range = m; return }
        switch rule ?? self.rule {
        case .ema: self.range = decay * range + (1 - decay) * m
        case .max: self.range = Swift.max(range, m)
        }
    }

    /// `127 / range`; nil before any batch.
    var scale: Float? { range.map { symmetricScale(maxAbs: $0) } }
}

/// The weights of one direction of an LSTM layer, in `torch.nn.LSTM`'s layout: the four gates
/// input (i), forget (f), cell (g) and output (o) stacked in that order along the first axis, so
/// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0` (and their `_reverse` twins for the
/// backward direction) load and compare as they are.
public struct LSTMWeights {
    /// `weight_ih`: `(4H, I)`, applied to the input.
    public var weightIH: Tensor
    /// `weight_hh`: `(4H, H)`, applied to the previous hidden state.
    public var weightHH: Tensor
    /// `bias_ih`: `(4H)`, or nil (a layer built with `bias=False`).
    public var biasIH: Tensor?
    /// `bias_hh`: `(4H)`, or nil.
    public var biasHH: Tensor?

    /// Weights from tensors (pass a ``Parameter``'s `tensor` to train it).
    /// - Parameters:
    ///   - weightIH: `(4H, I)`.
    ///   - weightHH: `(4H, H)`.
    ///   - biasIH: `(4H)` or nil.
    ///   - biasHH: `(4H)` or nil.
    public init(weightIH: Tensor, weightHH: Tensor, biasIH: Tensor? = nil, biasHH: Tensor? = nil) {
        let hidden = weightHH.shape.count == 2 ? weightHH.shape[1] : 0
        precondition(weightHH.shape == [4 * hidden, hidden] && hidden > 0,
                     "LSTMWeights: weightHH must be (4H, H), got \(weightHH.shape)")
        precondition(weightIH.rank == 2 && weightIH.shape[0] == 4 * hidden,
                     "LSTMWeights: weightIH must be (4H, I) = (\(4 * hidden), I), got \(weightIH.shape)")
        precondition(biasIH.map { $0.shape == [4 * hidden] } ?? true, "LSTMWeights: biasIH must be [\(4 * hidden)], got \(biasIH!.shape)")
        precondition(biasHH.map { $0.shape == [4 * hidden] } ?? true, "LSTMWeights: biasHH must be [\(4 * hidden)], got \(biasHH!.shape)")
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.biasIH = biasIH
        self.biasHH = biasHH
    }

    /// H, the number of hidden units.
    public var hiddenSize: Int { weightHH.shape[1] }
    /// I, the width of each input step.
    public var inputSize: Int { weightIH.shape[1] }

    /// Weights drawn as `torch.nn.LSTM` initialises them: every value uniform in `[−1/√H, 1/√H)`.
    /// - Parameters:
    ///   - inputSize: I.
    ///   - hiddenSize: H.
    ///   - bias: whether to make `biasIH` and `biasHH`.
    ///   - generator: the random stream (drawn in the order weightIH, weightHH, biasIH, biasHH).
    public static func random(inputSize: Int, hiddenSize: Int, bias: Bool = true,
                              using generator: inout SeededGenerator) -> LSTMWeights {
        let bound = 1 / Float(hiddenSize).squareRoot()
        func draw(_ shape: [Int]) -> Tensor { .randomUniform(shape, low: -bound, high: bound, using: &generator) }
        let weightIH = draw([4 * hiddenSize, inputSize]), weightHH = draw([4 * hiddenSize, hiddenSize])
        let biasIH = bias ? draw([4 * hiddenSize]) : nil, biasHH = bias ? draw([4 * hiddenSize]) : nil
        return LSTMWeights(weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH)
    }

    /// The four tensors in `torch.nn.LSTM`'s parameter order (those present).
    var tensors: [Tensor] { [weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 } }

    /// `biasIH + biasHH` (one of them when the other is missing), or nil when both are.
    var combinedBias: Tensor? {
        switch (biasIH, biasHH) {
        case let (a?, b?): return add(a.detached, b.detached)
        case let (a?, nil), let (nil, a?): return a.detached
        case (nil, nil): return nil
        }
    }
}

import BertSlimSDK

/// `bertslim bench lstm`: one training step of an LSTM layer on its own — the workload of
/// `scripts/bench-vs-pytorch.py lstm`, which times `torch.nn.LSTM` the same way.
public enum LSTMBenchmark {
    /// Median times of a whole step, of its forward pass, and of a forward pass without gradients.
    public struct Result: Codable, Sendable {
        /// Forward, backward into the input and every weight, gradients cleared: no optimizer.
        public var step: Timing
        /// The forward pass of such a step alone (it keeps what the backward pass needs).
        public var forward: Timing
        /// A forward pass with no gradient recorded (inference).
        public var inference: Timing
    }

    /// Times one step on a full batch (no padding) of random inputs that require gradients (an
    /// embedding's output would): `lstm`, then backward from Σ output ⊙ U for a fixed random U.
    /// - Parameters:
    ///   - batch, steps, input, hidden: B, T, I and H.
    ///   - bidirectional: two directions (D = 2) instead of one.
    ///   - runs: timed runs of each measurement, after warm-up.
    public static func trainingStep(batch: Int, steps: Int, input: Int, hidden: Int, bidirectional: Bool,
                                    runs: Int) -> Result {
        var g = SeededGenerator(seed: 1)
        let directions = (0..<(bidirectional ? 2 : 1)).map { _ in
            let w = LSTMWeights.random(inputSize: input, hiddenSize: hidden, using: &g)
            return [w.weightIH, w.weightHH, w.biasIH!, w.biasHH!].map { Parameter($0) }
        }
        let x = Parameter(.randomNormal([batch, steps, input], using: &g))
        let upstream = Tensor.randomNormal([batch, steps, directions.count * hidden], using: &g)
        let parameters = [x] + directions.flatMap { $0 }
        func forward() -> Tensor {
            let weights = directions.map { LSTMWeights(weightIH: $0[0].tensor, weightHH: $0[1].tensor, biasIH: $0[2].tensor, biasHH: $0[3].tensor) }
            return lstm(x.tensor, weights[0], reverse: weights.count > 1 ? weights[1] : nil).output
        }
        let step = measure(warmup: 2, runs: runs) {
            sum(forward() * upstream).backward()
            parameters.forEach { $0.zeroGrad() }
        }
        let forwardOnly = measure(warmup: 1, runs: runs) { _ = forward() }
        let inference = withoutGradient { measure(warmup: 2, runs: runs) { _ = forward() } }
        return Result(step: step, forward: forwardOnly, inference: inference)
    }
}

/// Gradients of an op's outputs, collected until the op's one pullback runs.
private final class OutputGradients {
    var values: [Tensor?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
}

extension Tensor {
    /// Wraps the results of an op with several outputs (an LSTM's output sequence and final
    /// states): `pullback` runs once, with one gradient per output (nil for outputs that got
    /// none), and returns one gradient per input, as in ``record(_:inputs:pullback:)``.
    ///
    /// Each output's node hands its gradient to a shared node that holds the real pullback. The
    /// graph orders every output before that node, so all gradients have arrived when it runs;
    /// nothing is copied or padded to a common shape.
    static func record(outputs values: [Tensor], inputs: [Tensor],
                       pullback: @escaping ([Tensor?]) -> [Tensor?]) -> [Tensor] {
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return values.map(\.detached) }
        let gradients = OutputGradients(count: values.count)
        let token = Tensor.record(Tensor.zeros([0]), inputs: inputs) { _ in
            defer { gradients.values = [] }
            return pullback(gradients.values)
        }
        return values.enumerated().map { index, value in
            Tensor.record(value, inputs: [token]) { g in
                gradients.values[index] = g
                return [Tensor.zeros([0])]
            }
        }
    }
}

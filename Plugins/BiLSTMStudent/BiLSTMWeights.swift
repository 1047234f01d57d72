import BertSlimSDK

/// The tensors of a ``BiLSTMStudent``, named as PyTorch names the same modules
/// (`embedding`, a bidirectional `nn.LSTM` called `lstm`, `dense`, `classifier`).
struct BiLSTMWeights {
    /// `(rows, E)`.
    let embedding: Parameter
    /// `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0` of each direction.
    let forward: [Parameter], backward: [Parameter]
    /// `(R, 2H)` and `(R)`: the ReLU layer.
    let denseWeight: Parameter, denseBias: Parameter
    /// `(C, R)` and `(C)`: the logits.
    let classifierWeight: Parameter, classifierBias: Parameter

    /// The sizes every tensor follows from.
    struct Shape: Equatable {
        var rows, embeddingSize, lstmSize, reluSize, classes: Int

        /// Every tensor's name and shape, in parameter order.
        var tensors: [(name: String, shape: [Int])] {
            let (h, gates, e) = (lstmSize, 4 * lstmSize, embeddingSize)
            var list: [(name: String, shape: [Int])] = [("embedding.weight", [rows, e])]
            for suffix in ["", "_reverse"] {
                list.append(("lstm.weight_ih_l0" + suffix, [gates, e]))
                list.append(("lstm.weight_hh_l0" + suffix, [gates, h]))
                list.append(("lstm.bias_ih_l0" + suffix, [gates]))
                list.append(("lstm.bias_hh_l0" + suffix, [gates]))
            }
            list.append(("dense.weight", [reluSize, 2 * h]))
            list.append(("dense.bias", [reluSize]))
            list.append(("classifier.weight", [classes, reluSize]))
            list.append(("classifier.bias", [classes]))
            return list
        }
    }

    /// Weights from tensors in ``Shape/tensors`` order.
    init(_ tensors: [Tensor]) {
        let p = tensors.map { Parameter($0) }
        embedding = p[0]
        forward = Array(p[1...4])
        backward = Array(p[5...8])
        (denseWeight, denseBias, classifierWeight, classifierBias) = (p[9], p[10], p[11], p[12])
    }

    /// Fresh weights as PyTorch initialises the modules: the LSTM and the Linear layers uniform
    /// in ±1/√fan (`nn.LSTM`: fan = H; `nn.Linear`: fan = inputs), the embedding rows given or
    /// N(0, 1).
    init(shape: Shape, embedding: Tensor?, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let table = embedding ?? .randomNormal([shape.rows, shape.embeddingSize], using: &generator)
        func lstm() -> [Tensor] {
            let w = LSTMWeights.random(inputSize: shape.embeddingSize, hiddenSize: shape.lstmSize, using: &generator)
            return [w.weightIH, w.weightHH, w.biasIH ?? .zeros([4 * shape.lstmSize]), w.biasHH ?? .zeros([4 * shape.lstmSize])]
        }
        func linear(_ outputs: Int, _ inputs: Int) -> [Tensor] {
            let bound = 1 / Float(inputs).squareRoot()
            return [.randomUniform([outputs, inputs], low: -bound, high: bound, using: &generator),
                    .randomUniform([outputs], low: -bound, high: bound, using: &generator)]
        }
        self.init([table] + lstm() + lstm() + linear(shape.reluSize, 2 * shape.lstmSize) + linear(shape.classes, shape.reluSize))
    }

    /// Every parameter by name, in ``Shape/tensors`` order.
    func named(_ shape: Shape) -> [(name: String, parameter: Parameter)] {
        let all = [embedding] + forward + backward + [denseWeight, denseBias, classifierWeight, classifierBias]
        return zip(shape.tensors, all).map { (name: $0.0.name, parameter: $0.1) }
    }

    /// One direction as the `lstm` op takes it.
    static func direction(_ p: [Parameter]) -> LSTMWeights {
        LSTMWeights(weightIH: p[0].tensor, weightHH: p[1].tensor, biasIH: p[2].tensor, biasHH: p[3].tensor)
    }
}

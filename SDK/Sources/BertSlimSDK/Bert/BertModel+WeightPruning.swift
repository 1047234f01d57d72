/// A neuron-gate or neuron-pruning request that does not fit the model.
public enum NeuronPruningError: Error, CustomStringConvertible, Equatable {
    /// `found` gates were given for a model of `layers` layers.
    case gateCount(layers: Int, found: Int)
    /// Layer `layer`'s gate has the wrong shape.
    case gateShape(layer: Int, expected: [Int], found: [Int])
    /// No such layer.
    case layerOutOfRange(layer: Int, layers: Int)
    /// No such neuron position.
    case neuronOutOfRange(layer: Int, neuron: Int, neurons: Int)
    /// The request would remove every neuron of the layer.
    case lastNeuron(layer: Int)

    public var description: String {
        switch self {
        case let .gateCount(layers, found): return "\(found) neuron gates for a model of \(layers) layers"
        case let .gateShape(layer, expected, found): return "layer \(layer): neuron gate of shape \(found), the layer needs \(expected)"
        case let .layerOutOfRange(layer, layers): return "layer \(layer) does not exist (the model has \(layers))"
        case let .neuronOutOfRange(layer, neuron, neurons): return "layer \(layer): neuron \(neuron) is not in 0..<\(neurons)"
        case let .lastNeuron(layer): return "layer \(layer): removing every FFN neuron is not supported; keep at least one"
        }
    }
}

/// Weight masks and FFN neuron removal on BERT.
///
/// Every Linear weight may carry a mask (the pooler's and classifier's too; weight pruners
/// select the encoder's by default). Removing neurons keeps the rows of `intermediate.dense`
/// (weight and bias) and the columns of `output.dense` that stay. When every layer keeps the same
/// width the config's `intermediate_size` becomes it, so transformers reloads the folder; per-layer
/// widths go in `bertslim_intermediate_sizes`, which only BertSlim reads. The width before pruning
/// is kept in `bertslim_original_intermediate_size`.
extension BertModel: WeightMaskable, NeuronPrunable {
    public var maskableWeights: [(name: String, parameter: Parameter)] {
        var all: [(name: String, parameter: Parameter)] = []
        for (l, layer) in layers.enumerated() {
            all += [("attention.self.query.weight", layer.query), ("attention.self.key.weight", layer.key),
                    ("attention.self.value.weight", layer.value), ("attention.output.dense.weight", layer.attentionOutput),
                    ("intermediate.dense.weight", layer.intermediate), ("output.dense.weight", layer.output)]
                .map { (name: "encoder.layer.\(l).\($0.0)", parameter: $0.1) }
        }
        all.append((name: "pooler.dense.weight", parameter: poolerWeight))
        if let classifierWeight { all.append((name: "classifier.weight", parameter: classifierWeight)) }
        return all
    }

    public func saveDense(to directory: String) throws {
        try save(to: directory, tokenizerDirectory: nil, dense: true)
    }

    public var intermediateSizes: [Int] { layers.map { $0.intermediate.shape[0] } }

    public var originalIntermediateSize: Int { config.originalIntermediateSize ?? config.intermediateSize }

    public var feedForwardWeights: [(input: Parameter, output: Parameter)] { layers.map { ($0.intermediate, $0.output) } }

    public func forward(_ batch: Batch, request: OutputRequest, neuronGates: [Tensor], training: Bool) throws -> ModelOutput {
        try run(batch, request: request, headGates: nil, neuronGates: neuronGates, training: training)
    }

    public func pruneNeurons(_ neurons: [Int: [Int]]) throws {
        var plan: [(layer: Int, keep: [Int])] = []
        for (layer, list) in neurons.sorted(by: { $0.key < $1.key }) where !list.isEmpty {
            guard (0..<layers.count).contains(layer) else { throw NeuronPruningError.layerOutOfRange(layer: layer, layers: layers.count) }
            let width = layers[layer].intermediate.shape[0]
            if let bad = list.first(where: { !(0..<width).contains($0) }) {
                throw NeuronPruningError.neuronOutOfRange(layer: layer, neuron: bad, neurons: width)
            }
            let removing = Set(list)
            let keep = (0..<width).filter { !removing.contains($0) }
            guard !keep.isEmpty else { throw NeuronPruningError.lastNeuron(layer: layer) }
            plan.append((layer, keep))
        }
        guard !plan.isEmpty else { return }
        let original = originalIntermediateSize
        for (layer, keep) in plan {
            let l = layers[layer]
            l.intermediate.keep { selectRows($0, keep) }
            l.intermediateBias.keep { selectElements($0, keep) }
            l.output.keep { selectColumns($0, keep) }
        }
        let sizes = intermediateSizes
        if Set(sizes).count == 1 {
            config.intermediateSize = sizes[0]
            config.intermediateSizes = nil
        } else {
            config.intermediateSizes = sizes
        }
        config.originalIntermediateSize = original
    }
}

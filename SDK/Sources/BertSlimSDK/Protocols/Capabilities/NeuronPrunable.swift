/// A model whose feed-forward neurons can be gated and physically removed: what neuron pruners
/// (`ffn-neurons`) ask for. Neuron i of layer l is row i of the FFN's input projection (with its
/// bias) and column i of its output projection; removing it shrinks both matrices, so the model
/// stays dense and gets smaller and faster.
public protocol NeuronPrunable: Model {
    /// FFN neurons each layer has now.
    var intermediateSizes: [Int] { get }

    /// FFN neurons per layer before any pruning.
    var originalIntermediateSize: Int { get }

    /// Each layer's FFN projections: `input` `(ffn, hidden)` (a row per neuron) and `output`
    /// `(hidden, ffn)` (a column per neuron).
    var feedForwardWeights: [(input: Parameter, output: Parameter)] { get }

    /// Runs the model with a gate per neuron: `neuronGates[l]` has one value per neuron of
    /// layer `l` and multiplies its activation (ones leave the output unchanged). Gradients
    /// reach the gates when they are parameters' tensors: ∂L/∂g_i = Σ a_i·∂L/∂a_i, the
    /// first-order Taylor term of removing neuron i (Molchanov et al. 2017).
    /// - Throws: when the gates do not match the layout or the batch does not fit the model.
    func forward(_ batch: Batch, request: OutputRequest, neuronGates: [Tensor], training: Bool) throws -> ModelOutput

    /// Removes neurons: `neurons[l]` lists positions (in the current layout) to remove from layer
    /// `l`. The whole request is checked before anything changes.
    /// - Throws: when a layer or position is out of range, or a layer would lose every neuron.
    func pruneNeurons(_ neurons: [Int: [Int]]) throws
}

extension NeuronPrunable {
    /// FFN neurons left over all layers.
    public var neuronCount: Int { intermediateSizes.reduce(0, +) }
}

/// What a ``LinearTransform`` is shown: a Linear layer's input or weight, or an embedding table.
public enum LinearOperand: Sendable {
    /// The activation entering a Linear layer, `(…, in)`.
    case input
    /// A Linear layer's `(out, in)` weight.
    case weight
    /// An embedding table `(V, H)`.
    case embedding
}

/// A hook that rewrites what BERT's Linear layers and embeddings compute with, installed on
/// a model with ``BertModel/linearTransform``: quantization-aware training fake-quantizes
/// through it (Q8BERT), and observers record activation ranges through it.
///
/// Every Linear layer (query/key/value, attention output, intermediate, output, pooler,
/// classifier) passes its input and its weight through ``transform(_:operand:of:)``; each
/// embedding lookup passes its table. `parameter` is the layer's weight (or the table)
/// and identifies the layer; map it to a name with ``Model/namedParameters``. The transform
/// records autograd like any op, so training flows through it.
public protocol LinearTransform: AnyObject {
    /// The tensor to use in place of `value`.
    /// - Parameters:
    ///   - value: the input, weight or table.
    ///   - operand: which of these it is.
    ///   - parameter: the weight (or table) parameter of the layer.
    func transform(_ value: Tensor, operand: LinearOperand, of parameter: Parameter) -> Tensor

    /// Parameters the transform itself trains, by name (k-means centroids being fine-tuned):
    /// the model lists them in its ``Model/namedParameters`` under `linear_transform.<name>`
    /// while the transform is installed, so the optimizer steps them and checkpoints keep them.
    var parameters: [(name: String, parameter: Parameter)] { get }
}

extension LinearTransform {
    /// None.
    public var parameters: [(name: String, parameter: Parameter)] { [] }
}

extension BertLayer {
    /// `x·Wᵀ + b` (GELU of it with `gelu`) through the model's ``LinearTransform``, if any.
    func dense(_ x: Tensor, _ weight: Parameter, _ bias: Parameter, gelu: Bool = false) -> Tensor {
        denseLayer(x, weight, bias, gelu: gelu, transform: linearTransform)
    }
}

extension BertModel {
    /// Sets the hook on the model and every layer (nil removes it).
    public var linearTransform: (any LinearTransform)? {
        get { storedLinearTransform }
        set {
            storedLinearTransform = newValue
            for layer in layers { layer.linearTransform = newValue }
        }
    }

    /// An embedding table as the model's ``LinearTransform`` sees it.
    func embeddingTable(_ table: Parameter) -> Tensor {
        linearTransform.map { $0.transform(table.tensor, operand: .embedding, of: table) } ?? table.tensor
    }

    /// The pooler or classifier Linear through the model's ``LinearTransform``.
    func dense(_ x: Tensor, _ weight: Parameter, _ bias: Parameter) -> Tensor {
        denseLayer(x, weight, bias, gelu: false, transform: linearTransform)
    }
}

func denseLayer(_ x: Tensor, _ weight: Parameter, _ bias: Parameter, gelu: Bool, transform: (any LinearTransform)?) -> Tensor {
    guard let transform else {
        return gelu ? linearGELU(x, weight: weight.tensor, bias: bias.tensor) : linear(x, weight: weight.tensor, bias: bias.tensor)
    }
    let input = transform.transform(x, operand: .input, of: weight)
    let w = transform.transform(weight.tensor, operand: .weight, of: weight)
    return gelu ? linearGELU(input, weight: w, bias: bias.tensor) : linear(input, weight: w, bias: bias.tensor)
}

/// A model whose Linear layers (and embedding tables) send their inputs and weights through a
/// hook: what a quantizer installs fake quantization and range observers on.
public protocol Quantizable: Model {
    /// The hook (nil: none); see ``LinearTransform``.
    var linearTransform: (any LinearTransform)? { get set }
}

/// The BERT encoder a quantizer rewrites: `model`'s, when it offers the Linear hook
/// (``Quantizable``) and its encoder (``BertEncoderProviding``).
/// - Throws: ``ComponentError`` naming `component` and the model's type otherwise.
public func quantizableEncoder(of model: any Model, component: String) throws -> BertModel {
    guard let encoder = model as? any BertEncoderProviding, model is any Quantizable else {
        throw ComponentError(component, "quantizes models that run a BERT encoder (Quantizable and BertEncoderProviding); \(type(of: model)) is not one")
    }
    return encoder.bertEncoder
}

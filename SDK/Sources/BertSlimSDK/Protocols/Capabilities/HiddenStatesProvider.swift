/// A model that returns its internals when asked (``OutputRequest``): every layer's hidden
/// states (embeddings first), and attention scores and probabilities. What layer-matching
/// distillation losses (PKD, TinyBERT) read from a teacher and a student, and what they check
/// their layer maps against.
public protocol HiddenStatesProvider: Model {
    /// Encoder layers (hidden states count one more: the embeddings come first).
    var layerCount: Int { get }
    /// Width of every hidden state.
    var hiddenSize: Int { get }
    /// Heads of each layer, for losses on attention maps.
    var attentionHeads: [Int] { get }
    /// The internals ``Model/forward(_:request:training:)`` can return.
    var availableOutputs: OutputRequest { get }
}

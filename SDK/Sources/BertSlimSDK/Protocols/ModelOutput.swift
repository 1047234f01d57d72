/// What a model returns: logits and, when asked, the internals that distillation losses
/// (PKD, TinyBERT) and pruners (Sixteen Heads, LRP) read.
public struct ModelOutput {
    /// Classification logits, `(B, C)`; nil for a model without a head.
    public var logits: Tensor?
    /// Every layer's hidden states, embeddings first: `L + 1` tensors of `(B, T, H)`.
    public var hiddenStates: [Tensor]
    /// Pre-softmax attention scores per layer, `(B, heads, T, T)` (before the padding mask).
    public var attentionScores: [Tensor]
    /// Attention probabilities per layer, `(B, heads, T, T)`.
    public var attentionProbabilities: [Tensor]
    /// The pooler's output, `(B, H)`, when the model has a pooler.
    public var pooled: Tensor?

    /// An output from its parts (internals default to empty).
    public init(logits: Tensor?, hiddenStates: [Tensor] = [], attentionScores: [Tensor] = [],
                attentionProbabilities: [Tensor] = [], pooled: Tensor? = nil) {
        self.logits = logits
        self.hiddenStates = hiddenStates
        self.attentionScores = attentionScores
        self.attentionProbabilities = attentionProbabilities
        self.pooled = pooled
    }
}

/// Which internals a forward pass should keep (they cost memory).
public struct OutputRequest: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let hiddenStates = OutputRequest(rawValue: 1)
    public static let attentionScores = OutputRequest(rawValue: 2)
    public static let attentionProbabilities = OutputRequest(rawValue: 4)
    public static let all: OutputRequest = [.hiddenStates, .attentionScores, .attentionProbabilities]
}

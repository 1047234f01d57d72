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
    /// Every layer's hidden state at the first token ([CLS]), embeddings first: `L + 1`
    /// tensors of `(B, H)`, with autograd. What BERT-PKD's patient loss reads; far smaller than
    /// ``hiddenStates``, so a distill stage can cache it per example (SDK 1.2).
    public var clsHiddenStates: [Tensor] = []

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
    /// Each layer's hidden state at [CLS] only (``ModelOutput/clsHiddenStates``); SDK 1.2.
    public static let clsHiddenStates = OutputRequest(rawValue: 8)
    public static let all: OutputRequest = [.hiddenStates, .attentionScores, .attentionProbabilities, .clsHiddenStates]
}

extension ModelOutput {
    /// The [CLS] hidden states: ``clsHiddenStates`` when the model filled them, else position 0
    /// of each of ``hiddenStates`` (with autograd), else empty. Lets a loss read [CLS] states
    /// from a model written before SDK 1.2, which returns full hidden states only.
    public var classTokenStates: [Tensor] {
        if !clsHiddenStates.isEmpty { return clsHiddenStates }
        return hiddenStates.compactMap { states in
            guard states.rank == 3, states.shape[1] > 0 else { return nil }
            return states.slice(axis: 1, range: 0..<1).reshaped([states.shape[0], states.shape[2]])
        }
    }
}

extension OutputRequest {
    /// What to ask a model that can return `available` for, so that its output holds what this
    /// request needs: [CLS] states come as full hidden states from a model that lists
    /// ``hiddenStates`` but not ``clsHiddenStates`` (read them with
    /// ``ModelOutput/classTokenStates``).
    /// - Returns: the request to pass, and what `available` cannot give (empty when nothing).
    public func adapted(to available: OutputRequest) -> (request: OutputRequest, missing: OutputRequest) {
        var request = self
        if contains(.clsHiddenStates) && !available.contains(.clsHiddenStates) && available.contains(.hiddenStates) {
            request.remove(.clsHiddenStates)
            request.insert(.hiddenStates)
        }
        return (request, request.subtracting(available))
    }

    /// The internals' names, for messages: `hidden states, [CLS] hidden states`.
    public var names: [String] {
        [(OutputRequest.hiddenStates, "hidden states"), (.attentionScores, "attention scores"),
         (.attentionProbabilities, "attention probabilities"), (.clsHiddenStates, "[CLS] hidden states")]
            .filter { contains($0.0) }.map(\.1)
    }
}

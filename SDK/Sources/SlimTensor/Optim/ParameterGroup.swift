/// Parameters that share optimizer settings (PyTorch's `param_groups`).
///
/// The usual fine-tuning setup has two: weights with weight decay, and biases and
/// LayerNorm parameters without (``weightDecayGroups(_:weightDecay:learningRateScale:)``).
public struct ParameterGroup {
    /// The group's parameters, in the order their optimizer state is saved.
    public let parameters: [Parameter]
    /// Multiplies the optimizer's learning rate for this group.
    public var learningRateScale: Float
    /// Weight decay for this group (decoupled for AdamW, L2 added to the gradient for SGD).
    public var weightDecay: Float

    /// A group of `parameters` with its own settings.
    public init(_ parameters: [Parameter], weightDecay: Float = 0, learningRateScale: Float = 1) {
        self.parameters = parameters
        self.weightDecay = weightDecay
        self.learningRateScale = learningRateScale
    }

    /// Whether a parameter called `name` is, by the usual BERT convention, kept free of
    /// weight decay: biases and LayerNorm parameters (decay would pull LayerNorm's gain
    /// toward zero, and shrinking biases does not regularise anything).
    public static func isExemptFromWeightDecay(_ name: String) -> Bool {
        name.hasSuffix("bias") || name.contains("LayerNorm") || name.contains("layer_norm")
    }

    /// The two usual groups from named parameters, each keeping the input order:
    /// first those with `weightDecay`, then the exempt ones
    /// (``isExemptFromWeightDecay(_:)``) with none. Both groups are always returned (one
    /// may be empty) so the layout of a saved state does not depend on the names.
    public static func weightDecayGroups(_ named: [(name: String, parameter: Parameter)], weightDecay: Float,
                                         learningRateScale: Float = 1) -> [ParameterGroup] {
        let exempt = named.filter { isExemptFromWeightDecay($0.name) }.map(\.parameter)
        let decayed = named.filter { !isExemptFromWeightDecay($0.name) }.map(\.parameter)
        return [ParameterGroup(decayed, weightDecay: weightDecay, learningRateScale: learningRateScale),
                ParameterGroup(exempt, weightDecay: 0, learningRateScale: learningRateScale)]
    }
}

extension ParameterGroup {
    /// Checks every group's settings, and that no parameter is listed twice (tied weights
    /// would otherwise be updated twice per step; PyTorch refuses them too).
    static func validate(_ groups: [ParameterGroup], optimizer: String) throws {
        var seen = Set<ObjectIdentifier>()
        for (g, group) in groups.enumerated() {
            try validateSetting(group.weightDecay, "group \(g) weight decay", optimizer: optimizer)
            try validateSetting(group.learningRateScale, "group \(g) learning-rate scale", optimizer: optimizer)
            for (i, parameter) in group.parameters.enumerated() where !seen.insert(ObjectIdentifier(parameter)).inserted {
                throw OptimizerError.invalidSetting(optimizer: optimizer, setting: "group \(g) parameter \(i)",
                                                    reason: "is already in a group; list shared parameters once")
            }
        }
    }
}

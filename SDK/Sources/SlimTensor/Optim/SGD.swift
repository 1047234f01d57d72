internal import CSlimKernels

/// Stochastic gradient descent with momentum, step for step the arithmetic of
/// `torch.optim.SGD`:
///
///     d ← g + λw                       (weight decay, L2 form)
///     b ← d on the first step, else μb + (1 − τ)d
///     d ← d + μb (Nesterov) or b
///     w ← w − η·d
///
/// Based on: Sutskever et al. 2013, On the importance of initialization and momentum in
/// deep learning (the momentum and Nesterov forms PyTorch implements).
public final class SGD: Optimizer {
    /// The parameter groups (settings may change between steps, membership may not).
    public var groups: [ParameterGroup] {
        didSet { preconditionSameParameters(oldValue, groups, optimizer: "SGD") }
    }
    /// The base learning rate, scaled per group.
    public var learningRate: Float
    /// μ: how much of the previous update is kept (0 disables the buffer).
    public private(set) var momentum: Float
    /// τ: how much of the new gradient is damped when added to the buffer.
    public private(set) var dampening: Float
    /// Whether the update looks ahead along the momentum (Nesterov).
    public private(set) var nesterov: Bool
    /// Number of completed steps.
    public private(set) var stepCount = 0

    private var buffers: [Tensor?]

    /// SGD over parameter groups; a group's ``ParameterGroup/weightDecay`` is added to the
    /// gradient as λw.
    /// - Throws: ``OptimizerError/invalidSetting(optimizer:setting:reason:)`` for negative
    ///   or non-finite settings, or Nesterov without momentum or with dampening (PyTorch
    ///   refuses the same).
    public init(groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false) throws {
        try validateSetting(learningRate, "learning rate", optimizer: "SGD")
        try validateSetting(momentum, "momentum", optimizer: "SGD")
        try validateSetting(dampening, "dampening", optimizer: "SGD")
        try ParameterGroup.validate(groups, optimizer: "SGD")
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw OptimizerError.invalidSetting(optimizer: "SGD", setting: "nesterov",
                                                reason: "needs momentum > 0 and dampening = 0")
        }
        self.groups = groups
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        buffers = Array(repeating: nil, count: groups.reduce(0) { $0 + $1.parameters.count })
    }

    /// SGD over one group.
    public convenience init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) throws {
        try self.init(groups: [ParameterGroup(parameters, weightDecay: weightDecay)], learningRate: learningRate,
                      momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    /// Updates every parameter that has a gradient.
    public func step() {
        var index = 0
        for group in groups {
            let rate = learningRate * group.learningRateScale
            for parameter in group.parameters {
                defer { index += 1 }
                guard parameter.requiresGrad, let grad = parameter.grad else { continue }
                var direction = grad
                if group.weightDecay != 0 {
                    direction = grad.copy()
                    axpy(group.weightDecay, parameter.value, into: &direction)
                }
                if momentum != 0 {
                    var buffer: Tensor
                    if let existing = buffers[index] {
                        buffers[index] = nil  // uniquely referenced: updated in place
                        buffer = existing
                        buffer.withUnsafeMutableBufferPointer { b in
                            slim_scale(b.baseAddress, momentum, b.baseAddress, Int64(b.count))
                        }
                        axpy(1 - dampening, direction, into: &buffer)
                    } else {
                        buffer = direction.copy()
                    }
                    if nesterov {
                        if group.weightDecay == 0 { direction = direction.copy() }
                        axpy(momentum, buffer, into: &direction)
                    } else {
                        direction = buffer
                    }
                    buffers[index] = buffer
                }
                parameter.value.withUnsafeMutableBufferPointer { w in
                    direction.withUnsafeBufferPointer { d in slim_axpy(-rate, d.baseAddress, w.baseAddress, Int64(w.count)) }
                }
            }
        }
        stepCount += 1
    }

    /// y += a·x
    private func axpy(_ a: Float, _ x: Tensor, into y: inout Tensor) {
        y.withUnsafeMutableBufferPointer { out in
            x.withUnsafeBufferPointer { slim_axpy(a, $0.baseAddress, out.baseAddress, Int64(out.count)) }
        }
    }

    /// Buffers (`param.<i>.…`), per-parameter step counts, settings and group layout.
    public var state: OptimizerState {
        var state = OptimizerState(kind: "SGD", stepCount: stepCount, learningRate: learningRate, groups: groups,
                                   settings: ["momentum": momentum, "dampening": dampening])
        state.metadata["nesterov"] = String(nesterov)
        for (index, buffer) in buffers.enumerated() {
            if let buffer { state.tensors["param.\(index).momentum_buffer"] = buffer }
        }
        return state
    }

    /// Continues from `state`; on error nothing is changed.
    /// - Throws: ``OptimizerError/incompatibleState(optimizer:reason:)``.
    public func restore(_ state: OptimizerState) throws {
        let reader = OptimizerStateReader(state: state, optimizer: "SGD")
        let restoredGroups = try reader.checkLayout(of: groups)
        var restored = [Tensor?](repeating: nil, count: buffers.count)
        for (index, parameter) in parameters.enumerated() where state.tensors["param.\(index).momentum_buffer"] != nil {
            restored[index] = try reader.tensor("param.\(index).momentum_buffer", shape: parameter.shape)
        }
        let flag = try reader.string("nesterov")
        guard let restoredNesterov = Bool(flag) else { throw reader.fail("'nesterov' = '\(flag)' is not true or false") }
        let settings = (try reader.setting("lr"), try reader.setting("momentum"), try reader.setting("dampening"),
                        try reader.int("step_count"))
        groups = restoredGroups
        (learningRate, momentum, dampening, stepCount) = settings
        nesterov = restoredNesterov
        buffers = restored
    }
}

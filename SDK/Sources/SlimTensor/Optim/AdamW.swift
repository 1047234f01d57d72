internal import CSlimKernels
internal import Foundation

/// Adam with decoupled weight decay, step for step the arithmetic of `torch.optim.AdamW`:
///
///     m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²
///     w ← w(1 − η·λ) − η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// with η the group's learning rate, λ its weight decay and t the parameter's own step
/// count (a parameter that had no gradient on some step is not counted, as in PyTorch).
///
/// Based on: Loshchilov & Hutter 2019, Decoupled Weight Decay Regularization.
public final class AdamW: Optimizer {
    /// The parameter groups (settings may change between steps, membership may not).
    public var groups: [ParameterGroup] {
        didSet { preconditionSameParameters(oldValue, groups, optimizer: "AdamW") }
    }
    /// The base learning rate, scaled per group.
    public var learningRate: Float
    /// Decay of the first moment.
    public private(set) var beta1: Float
    /// Decay of the second moment.
    public private(set) var beta2: Float
    /// Added to √v̂ so that tiny second moments do not blow the step up.
    public private(set) var epsilon: Float
    /// Number of completed steps.
    public private(set) var stepCount = 0

    // Buffers per parameter position, created at its first gradient (PyTorch's lazy state).
    private var expAvg: [Tensor?]
    private var expAvgSq: [Tensor?]
    private var steps: [Int]

    /// AdamW over parameter groups, each with its own weight decay and learning-rate scale.
    /// - Throws: ``OptimizerError/invalidSetting(optimizer:setting:reason:)`` for a
    ///   negative or non-finite rate, ε or weight decay, or a β outside [0, 1).
    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8) throws {
        try validateSetting(learningRate, "learning rate", optimizer: "AdamW")
        try validateSetting(beta1, "beta1", optimizer: "AdamW", below: 1)
        try validateSetting(beta2, "beta2", optimizer: "AdamW", below: 1)
        try validateSetting(epsilon, "epsilon", optimizer: "AdamW")
        try ParameterGroup.validate(groups, optimizer: "AdamW")
        self.groups = groups
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        let count = groups.reduce(0) { $0 + $1.parameters.count }
        expAvg = Array(repeating: nil, count: count)
        expAvgSq = Array(repeating: nil, count: count)
        steps = Array(repeating: 0, count: count)
    }

    /// AdamW over one group (PyTorch's default weight decay is 0.01).
    public convenience init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9,
                            beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01) throws {
        try self.init(groups: [ParameterGroup(parameters, weightDecay: weightDecay)], learningRate: learningRate,
                      beta1: beta1, beta2: beta2, epsilon: epsilon)
    }

    /// Updates every parameter that has a gradient.
    public func step() {
        var index = 0
        for group in groups {
            let rate = learningRate * group.learningRateScale
            for parameter in group.parameters {
                defer { index += 1 }
                guard parameter.requiresGrad, let grad = parameter.grad else { continue }
                // Taken out of the arrays while updated, so each buffer is uniquely
                // referenced and written in place instead of copied.
                var m = expAvg[index] ?? .zeros(parameter.shape)
                var v = expAvgSq[index] ?? .zeros(parameter.shape)
                (expAvg[index], expAvgSq[index]) = (nil, nil)
                steps[index] += 1
                let t = Double(steps[index])
                // Bias corrections in Double, as PyTorch computes them in Python floats.
                let correction1 = Float(1 - pow(Double(beta1), t))
                let correction2 = Float(1 - pow(Double(beta2), t))
                parameter.value.withUnsafeMutableBufferPointer { w in
                    grad.withUnsafeBufferPointer { g in
                        m.withUnsafeMutableBufferPointer { m in
                            v.withUnsafeMutableBufferPointer { v in
                                slim_adamw_step(w.baseAddress, g.baseAddress, m.baseAddress, v.baseAddress, Int64(w.count),
                                                rate, beta1, beta2, epsilon, group.weightDecay, correction1, correction2)
                            }
                        }
                    }
                }
                (expAvg[index], expAvgSq[index]) = (m, v)
            }
        }
        stepCount += 1
    }

    /// Buffers (`param.<i>.…`), per-parameter step counts, settings and group layout.
    public var state: OptimizerState {
        var state = OptimizerState(kind: "AdamW", stepCount: stepCount, learningRate: learningRate, groups: groups,
                                   settings: ["beta1": beta1, "beta2": beta2, "epsilon": epsilon])
        for index in steps.indices where steps[index] > 0 {
            state.metadata["param.\(index).step"] = String(steps[index])
            state.tensors["param.\(index).exp_avg"] = expAvg[index]
            state.tensors["param.\(index).exp_avg_sq"] = expAvgSq[index]
        }
        return state
    }

    /// Continues from `state`; on error nothing is changed.
    /// - Throws: ``OptimizerError/incompatibleState(optimizer:reason:)``.
    public func restore(_ state: OptimizerState) throws {
        let reader = OptimizerStateReader(state: state, optimizer: "AdamW")
        let restoredGroups = try reader.checkLayout(of: groups)
        let parameters = self.parameters
        var newSteps = Array(repeating: 0, count: parameters.count)
        var newExpAvg = [Tensor?](repeating: nil, count: parameters.count)
        var newExpAvgSq = [Tensor?](repeating: nil, count: parameters.count)
        for (index, parameter) in parameters.enumerated() where state.metadata["param.\(index).step"] != nil {
            newSteps[index] = try reader.int("param.\(index).step")
            newExpAvg[index] = try reader.tensor("param.\(index).exp_avg", shape: parameter.shape)
            newExpAvgSq[index] = try reader.tensor("param.\(index).exp_avg_sq", shape: parameter.shape)
        }
        let settings = (try reader.setting("lr"), try reader.setting("beta1", below: 1), try reader.setting("beta2", below: 1),
                        try reader.setting("epsilon"), try reader.int("step_count"))
        // Everything was read and checked; only now is the optimizer changed.
        groups = restoredGroups
        (learningRate, beta1, beta2, epsilon, stepCount) = settings
        (steps, expAvg, expAvgSq) = (newSteps, newExpAvg, newExpAvgSq)
    }
}

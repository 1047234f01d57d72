/// Updates parameters from the gradients that `backward()` left in them.
///
/// A training step reads:
/// ```swift
/// optimizer.zeroGrad()
/// loss(model(batch)).backward()
/// clipGradientNorm(optimizer.parameters, maxNorm: 1)
/// optimizer.setLearningRate(from: schedule, base: 5e-5)
/// optimizer.step()
/// ```
/// Parameters are updated in place (their storage is reused), and only those that have a
/// gradient are touched, as in PyTorch.
public protocol Optimizer: AnyObject {
    /// The parameters, in groups that share settings. Their order is the order of
    /// ``state``; a group's settings may change during training, its parameters may not.
    var groups: [ParameterGroup] { get set }
    /// The base learning rate; each group multiplies it by its ``ParameterGroup/learningRateScale``.
    var learningRate: Float { get set }
    /// Number of completed ``step()`` calls (what schedules are indexed by).
    var stepCount: Int { get }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// Forgets every parameter's gradient.
    func zeroGrad()
    /// Everything needed to continue bit-exactly: buffers, counters and settings.
    var state: OptimizerState { get }
    /// Continues from a saved ``state``.
    /// - Throws: ``OptimizerError/incompatibleState(optimizer:reason:)`` when the state is
    ///   for another kind of optimizer or other parameters; nothing is changed then.
    func restore(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Every parameter of every group, in order.
    public var parameters: [Parameter] { groups.flatMap(\.parameters) }

    public func zeroGrad() {
        for group in groups { for parameter in group.parameters { parameter.zeroGrad() } }
    }

    /// Sets ``learningRate`` to `base` × the schedule's factor for the coming step, the
    /// way a PyTorch `LambdaLR` does: call it before each ``step()``. The factor is
    /// indexed by ``stepCount``, which the saved state carries, so a resumed run
    /// continues the schedule where it stopped.
    public func setLearningRate(from schedule: some LearningRateSchedule, base: Float) {
        learningRate = Float(Double(base) * schedule.factor(atStep: stepCount))
    }
}

/// Checks that `new` groups hold the same parameters as `old` (only settings may change):
/// optimizer buffers are kept per position, so moving parameters would mix them up.
func preconditionSameParameters(_ old: [ParameterGroup], _ new: [ParameterGroup], optimizer: String) {
    let same = old.count == new.count && zip(old, new).allSatisfy { a, b in
        a.parameters.count == b.parameters.count && zip(a.parameters, b.parameters).allSatisfy { $0 === $1 }
    }
    precondition(same, "\(optimizer): the parameters of a group cannot change; build a new optimizer instead")
}

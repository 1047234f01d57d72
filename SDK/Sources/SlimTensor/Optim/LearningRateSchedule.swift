internal import Foundation

/// How the learning rate changes over training: a factor of the base rate for each step.
///
/// The schedules here reproduce Hugging Face transformers' `get_*_schedule_with_warmup`
/// factors exactly (same formulas, same Double arithmetic), so a recipe ported from a
/// PyTorch fine-tuning script keeps its learning-rate curve. Apply one with
/// ``Optimizer/setLearningRate(from:base:)`` before each step.
public protocol LearningRateSchedule: Sendable {
    /// The factor for the step that follows `step` completed steps (0 for the first).
    func factor(atStep step: Int) -> Double
}

/// Linear warmup from 0, then the base rate (transformers' `get_constant_schedule_with_warmup`;
/// with no warmup, `get_constant_schedule`).
public struct ConstantSchedule: LearningRateSchedule {
    /// Steps over which the factor rises linearly from 0 to 1.
    public var warmupSteps: Int

    /// A constant schedule after `warmupSteps` of linear warmup.
    public init(warmupSteps: Int = 0) { self.warmupSteps = warmupSteps }

    public func factor(atStep step: Int) -> Double {
        step < warmupSteps ? Double(step) / Double(max(1, warmupSteps)) : 1
    }
}

/// Linear warmup from 0 to 1, then linear decay to 0 at `totalSteps`, then 0
/// (transformers' `get_linear_schedule_with_warmup`, the BERT fine-tuning default).
public struct LinearDecaySchedule: LearningRateSchedule {
    /// Steps over which the factor rises linearly from 0 to 1.
    public var warmupSteps: Int
    /// The step at which the factor reaches 0.
    public var totalSteps: Int

    /// A linear decay to 0 at `totalSteps` after `warmupSteps` of linear warmup.
    public init(warmupSteps: Int = 0, totalSteps: Int) {
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    public func factor(atStep step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
    }
}

/// Linear warmup from 0 to 1, then a cosine from 1 down to 0 over the remaining steps
/// (transformers' `get_cosine_schedule_with_warmup`). With `cycles` other than 0.5 the
/// cosine goes up and down again; past `totalSteps` it keeps following the cosine, as in
/// transformers.
///
/// Based on: Loshchilov & Hutter 2017, SGDR: Stochastic Gradient Descent with Warm Restarts.
public struct CosineDecaySchedule: LearningRateSchedule {
    /// Steps over which the factor rises linearly from 0 to 1.
    public var warmupSteps: Int
    /// The step at which `cycles` periods of the cosine have passed.
    public var totalSteps: Int
    /// Number of cosine periods after warmup (0.5: one descent from 1 to 0).
    public var cycles: Double

    /// A cosine decay after `warmupSteps` of linear warmup.
    public init(warmupSteps: Int = 0, totalSteps: Int, cycles: Double = 0.5) {
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.cycles = cycles
    }

    public func factor(atStep step: Int) -> Double {
        if step < warmupSteps { return Double(step) / Double(max(1, warmupSteps)) }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        return max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress)))
    }
}

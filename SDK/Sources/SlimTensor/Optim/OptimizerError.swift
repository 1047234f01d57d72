/// Why an optimizer could not be built or could not take a saved state.
public enum OptimizerError: Error, CustomStringConvertible, Equatable {
    /// A hyperparameter is out of range: `AdamW: beta2 = 1.5 is not in [0, 1)`.
    case invalidSetting(optimizer: String, setting: String, reason: String)
    /// A saved state does not belong to this optimizer (another kind, other parameters, a
    /// damaged entry).
    case incompatibleState(optimizer: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSetting(let optimizer, let setting, let reason):
            return "\(optimizer): \(setting) \(reason)"
        case .incompatibleState(let optimizer, let reason):
            return "\(optimizer): cannot restore state: \(reason)"
        }
    }
}

/// Checks that a hyperparameter is finite and in `[lower, upper)` (`[lower, ∞)` without
/// an upper bound), so a typo in a recipe is an error rather than a run of NaNs.
func validateSetting(_ value: Float, _ setting: String, optimizer: String, atLeast lower: Float = 0,
              below upper: Float? = nil) throws {
    let tooHigh = upper.map { value >= $0 } ?? false
    guard value.isFinite, value >= lower, !tooHigh else {
        let range = "[\(lower), \(upper.map { "\($0)" } ?? "∞"))"
        throw OptimizerError.invalidSetting(optimizer: optimizer, setting: setting, reason: "= \(value) is not in \(range)")
    }
}

internal import Foundation

/// A value that changes over a stage: loss weights, temperatures, sparsity targets.
///
/// In a recipe a plain number is a constant; a block names the curve:
/// ```yaml
/// weight: 0.5                                         # constant
/// temperature: {schedule: linear, from: 4, to: 1}     # straight line over the stage
/// sparsity: {schedule: cubic, from: 0, to: 0.5}       # Zhu & Gupta 2017: fast first, then slow
/// alpha: {schedule: cosine, from: 1, to: 0}           # half a cosine
/// weight: {schedule: steps, values: [1, 0.5, 0.1], at: [0.3, 0.6]}  # piecewise constant
/// ```
/// `value(at:)` takes the stage's progress, 0 at its first step and 1 at its end.
public enum Schedule: Equatable, Sendable, Decodable, SettingValueDescribable, CustomStringConvertible {
    /// The same value throughout.
    case constant(Double)
    /// from + (to − from)·t.
    case linear(from: Double, to: Double)
    /// to + (from − to)·(1 + cos πt)/2.
    case cosine(from: Double, to: Double)
    /// to + (from − to)·(1 − t)³ (gradual pruning, Zhu & Gupta 2017).
    case cubic(from: Double, to: Double)
    /// `values[i]` while t < `boundaries[i]`, the last value after the last boundary.
    case steps(values: [Double], boundaries: [Double])

    /// How the type reads in `bertslim plugins inspect`.
    public static var settingTypeName: String { "schedule (number or {schedule: linear|cosine|cubic|steps, …})" }

    /// The value at `progress` (clamped to 0...1).
    public func value(at progress: Double) -> Double {
        let t = min(max(progress, 0), 1)
        switch self {
        case .constant(let v): return v
        case let .linear(a, b): return a + (b - a) * t
        case let .cosine(a, b): return b + (a - b) * (1 + cos(Double.pi * t)) / 2
        case let .cubic(a, b): return b + (a - b) * pow(1 - t, 3)
        case let .steps(values, boundaries):
            let index = boundaries.firstIndex(where: { t < $0 }) ?? boundaries.count
            return values[index]
        }
    }

    /// Every value the schedule takes lies between these two.
    public var range: ClosedRange<Double> {
        switch self {
        case .constant(let v): return v...v
        case let .linear(a, b), let .cosine(a, b), let .cubic(a, b): return min(a, b)...max(a, b)
        case let .steps(values, _): return (values.min() ?? 0)...(values.max() ?? 0)
        }
    }

    /// Whether the value never falls as the stage goes on.
    public var isNonDecreasing: Bool {
        switch self {
        case .constant: return true
        case let .linear(a, b), let .cosine(a, b), let .cubic(a, b): return b >= a
        case let .steps(values, _): return zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }
        }
    }

    /// `0.5`, `linear 4 → 1`, `steps [1, 0.5] at [0.3]`.
    public var description: String {
        switch self {
        case .constant(let v): return "\(v)"
        case let .linear(a, b): return "linear \(a) → \(b)"
        case let .cosine(a, b): return "cosine \(a) → \(b)"
        case let .cubic(a, b): return "cubic \(a) → \(b)"
        case let .steps(values, boundaries): return "steps \(values) at \(boundaries)"
        }
    }

    private struct Curve: ComponentSettings {
        enum Kind: String, Decodable, CaseIterable { case constant, linear, cosine, cubic, steps }
        var schedule: Kind?
        var value: Double?
        var from: Double?
        var to: Double?
        var values: [Double]?
        var at: [Double]?
        static var keys: [SettingKey<Curve>] { [
            SettingKey("schedule", \.schedule, "the curve"),
            SettingKey("value", \.value, "constant: the value"),
            SettingKey("from", \.from, "linear/cosine/cubic: value at the start"),
            SettingKey("to", \.to, "linear/cosine/cubic: value at the end"),
            SettingKey("values", \.values, "steps: the values, one more than `at`"),
            SettingKey("at", \.at, "steps: progress fractions (0...1, increasing) where the value changes"),
        ] }
    }

    /// A number, or a block naming the curve (unknown keys and missing parts are errors).
    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let number = try? single.decode(Double.self) {
            self = .constant(number)
            return
        }
        let curve = try Curve(from: decoder)
        let path = SettingsError.render(decoder.codingPath)
        func need<T>(_ value: T?, _ key: String) throws -> T {
            guard let value else {
                throw SettingsError.invalidValue(path: path.isEmpty ? key : path + "." + key, reason: "missing")
            }
            return value
        }
        switch try need(curve.schedule, "schedule") {
        case .constant: self = .constant(try need(curve.value, "value"))
        case .linear: self = .linear(from: try need(curve.from, "from"), to: try need(curve.to, "to"))
        case .cosine: self = .cosine(from: try need(curve.from, "from"), to: try need(curve.to, "to"))
        case .cubic: self = .cubic(from: try need(curve.from, "from"), to: try need(curve.to, "to"))
        case .steps:
            let values = try need(curve.values, "values"), boundaries = try need(curve.at, "at")
            guard values.count == boundaries.count + 1 else {
                throw SettingsError.invalidValue(path: path, reason: "steps needs one more value than boundaries (\(values.count) values, \(boundaries.count) boundaries)")
            }
            guard boundaries.allSatisfy({ (0...1).contains($0) }), zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw SettingsError.invalidValue(path: path.isEmpty ? "at" : path + ".at", reason: "must increase within 0...1")
            }
            self = .steps(values: values, boundaries: boundaries)
        }
    }
}

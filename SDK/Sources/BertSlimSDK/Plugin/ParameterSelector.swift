internal import Foundation

/// Which parameters (or structures) a stage applies to, kept apart from its settings:
/// `select: {names: ["re:encoder\\.layer\\.[0-5]\\.attention\\..*", "pooler.dense.weight"]}`.
///
/// A name matches exactly; a name starting with `re:` is a regular expression that must match
/// the whole parameter name. An empty selector selects everything.
public struct ParameterSelector: ComponentSettings, Equatable, Sendable {
    /// Exact names and `re:` patterns.
    public var names: [String] = []
    /// Names and patterns to leave out even when `names` selects them.
    public var exclude: [String] = []

    /// Selects everything.
    public init() {}

    /// A selector from names and patterns.
    public init(names: [String], exclude: [String] = []) {
        self.names = names
        self.exclude = exclude
    }

    /// The keys of a `select:` block.
    public static var keys: [SettingKey<ParameterSelector>] { [
        SettingKey("names", \.names, "parameter names, or `re:` regular expressions matching whole names",
                   valid: ParameterSelector.invalidPattern),
        SettingKey("exclude", \.exclude, "names or `re:` patterns to leave out", valid: ParameterSelector.invalidPattern),
    ] }

    /// Whether `name` is selected.
    public func matches(_ name: String) -> Bool {
        (names.isEmpty || names.contains { Self.match($0, name) }) && !exclude.contains { Self.match($0, name) }
    }

    /// The selected names among `candidates`, in their order.
    public func select(_ candidates: [String]) -> [String] { candidates.filter(matches) }

    private static func match(_ pattern: String, _ name: String) -> Bool {
        guard pattern.hasPrefix("re:") else { return pattern == name }
        guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern.dropFirst(3) + ")$") else { return false }
        return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    /// The reason a list holds an invalid `re:` pattern, or nil.
    static func invalidPattern(_ patterns: [String]) -> String? {
        for pattern in patterns where pattern.hasPrefix("re:") {
            if (try? NSRegularExpression(pattern: String(pattern.dropFirst(3)))) == nil {
                return "'\(pattern)' is not a valid regular expression"
            }
        }
        return nil
    }
}

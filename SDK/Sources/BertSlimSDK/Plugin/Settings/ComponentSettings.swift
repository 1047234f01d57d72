/// The settings of a component: everything its recipe block may contain.
///
/// Declare each key once — its name, the property it sets and a one-line doc — and get
/// strict decoding (an unknown key is an error with its key path), defaults (whatever
/// `init()` leaves), validation, and the table `bertslim plugins inspect` prints:
///
/// ```swift
/// struct Settings: ComponentSettings {
///     var temperature: Float = 2
///     var alpha: Float = 0.5
///     static var keys: [SettingKey<Settings>] { [
///         SettingKey("temperature", \.temperature, "softmax temperature T (> 0)",
///                    valid: { $0 > 0 ? nil : "must be > 0" }),
///         SettingKey("alpha", \.alpha, "weight of the soft-target term"),
///     ] }
/// }
/// ```
///
/// A typo such as `temperatur: 4` inside the second stage's loss block fails with
/// `stages[1].loss.temperatur: unknown key (known: temperature, alpha)`.
/// A key whose value type is itself `ComponentSettings` is a nested block, checked the same way.
public protocol ComponentSettings: Decodable {
    /// The defaults: what a block that sets nothing means.
    init()
    /// Every key a recipe block may set, in the order `inspect` shows them.
    static var keys: [SettingKey<Self>] { get }
    /// A rule between keys that each key's own check cannot see (`layer_map` must have
    /// `layers` entries): the key to blame and why, or nil. Checked right after decoding, so
    /// that `bertslim validate` finds it, not the run (SDK 1.1; the default finds none).
    func conflict() -> (key: String, reason: String)?
}

extension ComponentSettings {
    /// Decodes the keys declared in ``keys`` over the defaults, rejecting any other key.
    ///
    /// An absent or `null` block means the defaults.
    /// - Throws: ``SettingsError`` naming the key path.
    public init(from decoder: Decoder) throws {
        self.init()
        if let single = try? decoder.singleValueContainer(), single.decodeNil() { return }
        let container: KeyedDecodingContainer<SettingsCodingKey>
        do {
            container = try decoder.container(keyedBy: SettingsCodingKey.self)
        } catch let error as DecodingError {
            throw SettingsError(error, expected: "a block of settings (key: value)")
        }
        let keys = Self.keys
        let known = Set(keys.map(\.name))
        if let unknown = container.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw SettingsError.unknownKey(path: SettingsError.render(decoder.codingPath + [unknown]),
                                           known: keys.map(\.name))
        }
        for key in keys { try key.decode(&self, container) }
        if let (key, reason) = conflict() {
            throw SettingsError.invalidValue(path: SettingsError.render(decoder.codingPath + [SettingsCodingKey(stringValue: key)]),
                                             reason: reason)
        }
    }

    /// No rule between keys.
    public func conflict() -> (key: String, reason: String)? { nil }

    /// One line per key: name, type, default and doc (nested blocks as `outer.inner`).
    public static var settingDescriptions: [SettingDescription] {
        let defaults = Self()
        return keys.flatMap { $0.describe(defaults) }
    }
}

/// The settings of a component that has none: its block must be empty.
public struct NoSettings: ComponentSettings {
    /// No settings.
    public init() {}
    /// No keys.
    public static var keys: [SettingKey<NoSettings>] { [] }
}

/// A key of a settings block, by name or by position (for key paths in errors).
public struct SettingsCodingKey: CodingKey, Hashable, Sendable {
    /// The key's name (the position, as text, for array elements).
    public let stringValue: String
    /// The position, for array elements.
    public let intValue: Int?

    /// A key by name.
    public init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    /// A position in an array.
    public init(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

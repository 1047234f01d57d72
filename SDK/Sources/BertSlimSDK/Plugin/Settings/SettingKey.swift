/// One key of a ``ComponentSettings`` block: its name in recipes, the property it sets, a
/// one-line doc and an optional check.
public struct SettingKey<Root: ComponentSettings> {
    /// The key as recipes write it, e.g. `temperature`.
    public let name: String
    /// One line for `bertslim plugins inspect`.
    public let doc: String
    /// The value's type as shown to users, e.g. `Float`, `[String]`, `one of: head, neuron`.
    public let typeName: String
    let decode: (inout Root, KeyedDecodingContainer<SettingsCodingKey>) throws -> Void
    let describe: (Root) -> [SettingDescription]

    /// A key bound to a property of the settings.
    /// - Parameters:
    ///   - name: the key in recipes.
    ///   - property: where the decoded value goes; its value in `Root()` is the default.
    ///   - doc: one line saying what the key does (units, range).
    ///   - valid: returns nil for an acceptable value, or the reason it is not
    ///     (e.g. `"must be in 0...1"`).
    public init<Value: Decodable>(_ name: String, _ property: WritableKeyPath<Root, Value>, _ doc: String,
                                  valid: ((Value) -> String?)? = nil) {
        self.name = name
        self.doc = doc
        let typeName = settingTypeName(Value.self)
        self.typeName = typeName
        decode = { settings, container in
            let key = SettingsCodingKey(stringValue: name)
            guard container.contains(key) else { return }
            let value: Value
            do {
                value = try container.decode(Value.self, forKey: key)
            } catch let error as DecodingError {
                // An optional key is optional by being left out: a value given must be the type.
                throw SettingsError(error, expected: typeName.hasSuffix("?") ? String(typeName.dropLast()) : typeName)
            }
            if let valid, let reason = valid(value) {
                throw SettingsError.invalidValue(path: SettingsError.render(container.codingPath + [key]),
                                                 reason: reason)
            }
            settings[keyPath: property] = value
        }
        describe = { defaults in
            let value = defaults[keyPath: property]
            var lines = [SettingDescription(key: name, type: typeName,
                                            defaultValue: renderSettingValue(value), doc: doc)]
            if let nested = Value.self as? any ComponentSettings.Type {
                lines += nested.settingDescriptions.map {
                    SettingDescription(key: name + "." + $0.key, type: $0.type, defaultValue: $0.defaultValue, doc: $0.doc)
                }
            }
            return lines
        }
    }

    /// The key's description, with the default read from `defaults`.
    public func description(defaults: Root) -> [SettingDescription] { describe(defaults) }
}

/// A settings key as `bertslim plugins inspect` shows it.
public struct SettingDescription: Codable, Equatable, Sendable {
    /// Key, dotted for nested blocks (`select.names`).
    public var key: String
    /// Value type, e.g. `Float`.
    public var type: String
    /// The default, rendered (`2.0`, `"cls"`, `none`).
    public var defaultValue: String
    /// One-line doc.
    public var doc: String

    /// A description from its parts.
    public init(key: String, type: String, defaultValue: String, doc: String) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

/// A value type whose name in `plugins inspect` is chosen by its author (enums list their cases
/// automatically when they are `CaseIterable` with `String` raw values).
public protocol SettingValueDescribable {
    /// How the type reads in the settings table, e.g. `one of: head, neuron`.
    static var settingTypeName: String { get }
}

/// The user-facing name of a settings value type: `[String]` rather than `Array<String>`,
/// `Float?` rather than `Optional<Float>`, `one of: a, b` for string enums.
public func settingTypeName(_ type: Any.Type) -> String {
    if let described = type as? any SettingValueDescribable.Type { return described.settingTypeName }
    if let choices = type as? any (CaseIterable & RawRepresentable).Type, let names = caseNames(choices) {
        return "one of: " + names.joined(separator: ", ")
    }
    if type is any ComponentSettings.Type { return "block" }
    return prettyGenericName(String(describing: type))
}

private func caseNames<T: CaseIterable & RawRepresentable>(_ type: T.Type) -> [String]? {
    let names = T.allCases.compactMap { $0.rawValue as? String }
    return names.isEmpty ? nil : names
}

/// `Array<Optional<Swift.String>>` → `[String?]`, `Dictionary<String, Int>` → `[String: Int]`.
private func prettyGenericName(_ name: String) -> String {
    guard let open = name.firstIndex(of: "<"), name.hasSuffix(">") else {
        return String(name.split(separator: ".").last ?? Substring(name))
    }
    let base = String(name[..<open]).split(separator: ".").last.map(String.init) ?? ""
    let inner = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
    var arguments: [String] = []
    var depth = 0, start = inner.startIndex
    for index in inner.indices {
        switch inner[index] {
        case "<": depth += 1
        case ">": depth -= 1
        case "," where depth == 0:
            arguments.append(String(inner[start..<index]).trimmingSpaces())
            start = inner.index(after: index)
        default: break
        }
    }
    arguments.append(String(inner[start...]).trimmingSpaces())
    let pretty = arguments.map(prettyGenericName)
    switch (base, pretty.count) {
    case ("Array", 1): return "[\(pretty[0])]"
    case ("Optional", 1): return "\(pretty[0])?"
    case ("Dictionary", 2): return "[\(pretty[0]): \(pretty[1])]"
    default: return "\(base)<\(pretty.joined(separator: ", "))>"
    }
}

/// A default value as `inspect` shows it: strings quoted, nil as `none`, blocks as `{…}`.
func renderSettingValue(_ value: Any) -> String {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        guard let wrapped = mirror.children.first?.value else { return "none" }
        return renderSettingValue(wrapped)
    }
    switch value {
    case let text as String: return "\"\(text)\""
    case is any ComponentSettings: return "{…}"
    case let choice as any RawRepresentable:
        if let raw = choice.rawValue as? String { return raw }
        return String(describing: choice.rawValue)
    case let list as [Any]: return "[" + list.map(renderSettingValue).joined(separator: ", ") + "]"
    default: return String(describing: value)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

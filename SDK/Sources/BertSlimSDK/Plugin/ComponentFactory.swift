/// What the host receives from a plugin for one component, through the descriptor's
/// `make_factory`: the component's identity, its settings table, and the way to build it.
///
/// Creating a factory creates no component; `bertslim plugins inspect` reads ``settings``
/// from it.
public final class ComponentFactory {
    /// The component's role.
    public let kind: ComponentKind
    /// The name recipes write.
    public let name: String
    /// One-line summary.
    public let summary: String
    /// The Swift type that implements it (for messages).
    public let typeName: String
    private let settingsDescriber: () -> [SettingDescription]
    private let builder: (Decoder, ComponentContext) throws -> Any

    init<C: Component>(_ type: C.Type, kind: ComponentKind, name: String, summary: String) {
        self.kind = kind
        self.name = name
        self.summary = summary
        typeName = String(reflecting: type)
        settingsDescriber = { C.Settings.settingDescriptions }
        builder = { decoder, context in try C(settings: C.Settings(from: decoder), context: context) }
    }

    /// Every key the component's recipe block may set, with type, default and doc.
    public var settings: [SettingDescription] { settingsDescriber() }

    /// Decodes the settings from `decoder` and builds the component.
    /// - Returns: the component; cast it to its role (`as? any Loss`).
    /// - Throws: ``SettingsError`` for a bad block, or the component's own error.
    public func make(from decoder: Decoder, context: ComponentContext) throws -> Any {
        try builder(decoder, context)
    }
}

/// One line of a ``PluginDefinition``: a component type, its role, its name and summary.
public struct ComponentDeclaration {
    let factory: ComponentFactory

    /// A teacher.
    public static func teacher<T: Teacher>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(type, kind: .teacher, name: name, summary: summary))
    }

    /// A student.
    public static func student<T: Student>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(type, kind: .student, name: name, summary: summary))
    }

    /// A loss.
    public static func loss<T: Loss>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(type, kind: .loss, name: name, summary: summary))
    }

    /// A quantizer.
    public static func quantizer<T: Quantizer>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(type, kind: .quantizer, name: name, summary: summary))
    }

    /// A pruner.
    public static func pruner<T: Pruner>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(type, kind: .pruner, name: name, summary: summary))
    }

    /// The component's role.
    public var kind: ComponentKind { factory.kind }
    /// The component's name.
    public var name: String { factory.name }
}

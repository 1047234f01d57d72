internal import Foundation

/// What the host receives from a plugin for one component, through the descriptor's
/// `make_factory`: the component's identity, its settings table, and the way to build it.
///
/// Building is two steps, so that a recipe is read once: ``decodeSettings(from:)`` turns a
/// settings block into the component's own `Settings` value (when a recipe is validated), and
/// ``make(settings:context:)`` builds the component from it (once per run). Creating a factory
/// creates no component; `bertslim plugins inspect` reads ``settings`` from it.
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
    private let settingsDecoder: (Decoder) throws -> Any
    private let builder: (Any, ComponentContext) throws -> Any
    private let folderLoader: ((String) throws -> any Model)?
    private let counts = Counts()

    init<C: Component>(_ type: C.Type, kind: ComponentKind, name: String, summary: String) {
        self.kind = kind
        self.name = name
        self.summary = summary
        typeName = String(reflecting: type)
        settingsDescriber = { C.Settings.settingDescriptions }
        settingsDecoder = { try C.Settings(from: $0) }
        builder = { settings, context in
            guard let settings = settings as? C.Settings else {
                throw ComponentError(name, "settings of \(Swift.type(of: settings)) are not \(C.Settings.self)")
            }
            return try C(settings: settings, context: context)
        }
        folderLoader = nil
    }

    init<M: LoadableModel>(model type: M.Type, name: String, summary: String) {
        kind = .model
        self.name = name
        self.summary = summary
        typeName = String(reflecting: type)
        settingsDescriber = { [] }
        settingsDecoder = { try NoSettings(from: $0) }
        builder = { _, _ in throw ComponentError(name, "a model is rebuilt from its folder, not made from settings") }
        folderLoader = { try M(folder: $0) }
    }

    /// Every key the component's recipe block may set, with type, default and doc.
    public var settings: [SettingDescription] { settingsDescriber() }

    /// Decodes a settings block into the component's own `Settings` (keys, types and ranges
    /// checked), without building anything.
    /// - Throws: ``SettingsError`` naming the key path.
    public func decodeSettings(from decoder: Decoder) throws -> DecodedSettings {
        let value = try settingsDecoder(decoder)
        counts.add(decoded: 1)
        return DecodedSettings(component: name, value: value)
    }

    /// Builds the component from settings this factory decoded.
    /// - Returns: the component; cast it to its role (`as? any Loss`).
    /// - Throws: the component's own error.
    public func make(settings: DecodedSettings, context: ComponentContext) throws -> Any {
        counts.add(built: 1)
        return try builder(settings.value, context)
    }

    /// Decodes the settings from `decoder` and builds the component.
    /// - Returns: the component; cast it to its role (`as? any Loss`).
    /// - Throws: ``SettingsError`` for a bad block, or the component's own error.
    public func make(from decoder: Decoder, context: ComponentContext) throws -> Any {
        try make(settings: decodeSettings(from: decoder), context: context)
    }

    /// Rebuilds a ``LoadableModel`` from a saved folder (``ComponentKind/model`` factories).
    /// - Throws: when this factory makes no model, or the model's own error naming the file.
    public func loadModel(folder: String) throws -> any Model {
        guard let folderLoader else { throw ComponentError(name, "is a \(kind.rawValue), not a model a folder rebuilds") }
        counts.add(built: 1)
        return try folderLoader(folder)
    }

    /// How many settings blocks this factory has decoded and components it has built, in this
    /// process: a recipe run decodes each block once (at validation) and builds each
    /// component once.
    public var statistics: (decoded: Int, built: Int) { counts.value }
}

/// A settings block decoded by a ``ComponentFactory``: what a validated recipe keeps until the
/// run builds the component.
public struct DecodedSettings {
    /// The component whose settings these are.
    public let component: String
    let value: Any
}

/// Thread-safe counters behind ``ComponentFactory/statistics``.
private final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private var decoded = 0, built = 0
    func add(decoded d: Int = 0, built b: Int = 0) {
        lock.lock()
        decoded += d
        built += b
        lock.unlock()
    }
    var value: (decoded: Int, built: Int) {
        lock.lock()
        defer { lock.unlock() }
        return (decoded, built)
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

    /// A communicator (SDK 1.6): the host makes it when a run is spread over processes.
    public static func communicator<T: Communicator>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(type, kind: .communicator, name: name, summary: summary))
    }

    /// An augmenter (SDK 1.2): a distill stage's `augment:` block names it.
    public static func augmenter<T: Augmenter>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(type, kind: .augmenter, name: name, summary: summary))
    }

    /// A model that saved folders naming `name` rebuild (SDK 1.1). A trainable model that also
    /// reloads (a student saved in its own format) is declared as both `.student` and `.model`.
    public static func model<T: LoadableModel>(_ type: T.Type, name: String, summary: String) -> Self {
        Self(factory: ComponentFactory(model: type, name: name, summary: summary))
    }

    /// The component's role.
    public var kind: ComponentKind { factory.kind }
    /// The component's name.
    public var name: String { factory.name }
}

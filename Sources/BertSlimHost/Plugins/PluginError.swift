import BertSlimSDK

/// Why a plugin file was rejected or a component could not be made. Every case names the file
/// (or both files) and the reason, in one line.
public enum PluginError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is not an ELF shared library; `reason` is the dynamic loader's own.
    case notSharedLibrary(file: String, reason: String)
    /// A library the plugin needs cannot be found.
    case missingDependency(file: String, dependency: String, reason: String)
    /// The plugin needs a symbol no loaded library defines (built against another SDK or toolchain).
    case undefinedSymbol(file: String, reason: String)
    /// The dynamic loader refused the file for another reason.
    case openFailed(file: String, reason: String)
    /// The library does not export `bertslim_plugin_entry`.
    case noEntrySymbol(file: String)
    /// The descriptor was built for another major version of the ABI.
    case abiMismatch(file: String, plugin: (major: UInt32, minor: UInt32), host: (major: UInt32, minor: UInt32))
    /// The descriptor is smaller than the fields this ABI requires.
    case descriptorTooSmall(file: String, size: Int, required: Int)
    /// The descriptor is present but unusable (null strings, bad table, ...).
    case invalidDescriptor(file: String, reason: String)
    /// The plugin contains its own copy of the SDK instead of linking libBertSlimSDK.so.
    case ownSDKCopy(file: String, detail: String)
    /// Two plugins (or one, twice) declare a component of the same kind and name.
    case duplicateComponent(kind: ComponentKind, name: String, file: String, otherFile: String)
    /// Another file with the same plugin id came first on the search path.
    case shadowed(file: String, id: String, by: String)
    /// The plugin's factory for a component failed.
    case badFactory(file: String, component: String, reason: String)
    /// The plugin crashed while being probed in a child process.
    case crashed(file: String, signal: Int32)
    /// The probe of the plugin in a child process failed.
    case probeFailed(file: String, reason: String)
    /// A child-process probe rejected the plugin; `message` is the rejection, file included.
    case rejectedInProbe(file: String, message: String)
    /// No loaded plugin provides this component.
    case unknownComponent(kind: ComponentKind, name: String, known: [String])
    /// No loaded plugin has this id.
    case unknownPlugin(id: String, known: [String])
    /// `make(_:as:)` was asked for a type that is not one of the component roles.
    case unknownRole(String)
    /// The component rejected its settings or failed to build.
    case componentFailed(kind: ComponentKind, name: String, reason: String)

    /// The plugin file the error is about, when there is one.
    public var file: String? {
        switch self {
        case .notSharedLibrary(let file, _), .missingDependency(let file, _, _), .undefinedSymbol(let file, _),
             .openFailed(let file, _), .noEntrySymbol(let file), .abiMismatch(let file, _, _),
             .descriptorTooSmall(let file, _, _), .invalidDescriptor(let file, _), .ownSDKCopy(let file, _),
             .duplicateComponent(_, _, let file, _), .shadowed(let file, _, _), .badFactory(let file, _, _),
             .crashed(let file, _), .probeFailed(let file, _), .rejectedInProbe(let file, _):
            return file
        case .unknownComponent, .unknownPlugin, .unknownRole, .componentFailed:
            return nil
        }
    }

    /// One line: the file, then the reason.
    public var description: String {
        switch self {
        case .notSharedLibrary(let file, let reason):
            return "\(file): not a shared library: \(reason)"
        case .missingDependency(let file, let dependency, let reason):
            return "\(file): missing dependency \(dependency): \(reason)"
        case .undefinedSymbol(let file, let reason):
            return "\(file): built against a different SDK or toolchain: \(reason)"
        case .openFailed(let file, let reason):
            return "\(file): cannot be loaded: \(reason)"
        case .noEntrySymbol(let file):
            return "\(file): no entry symbol \(PluginABI.entrySymbol) (not a BertSlim plugin)"
        case .abiMismatch(let file, let plugin, let host):
            return "\(file): plugin ABI \(plugin.major).\(plugin.minor) does not match host ABI \(host.major).\(host.minor) "
                + "(major versions differ); rebuild it against SDK \(host.major).x"
        case .descriptorTooSmall(let file, let size, let required):
            return "\(file): descriptor too small: struct_size is \(size) bytes, ABI \(PluginABI.hostMajor).x needs at least \(required)"
        case .invalidDescriptor(let file, let reason):
            return "\(file): invalid descriptor: \(reason)"
        case .ownSDKCopy(let file, let detail):
            return "\(file): carries its own copy of the BertSlim SDK (\(detail)); link libBertSlimSDK.so dynamically"
        case .duplicateComponent(let kind, let name, let file, let otherFile):
            return "\(kind.rawValue) \"\(name)\" is declared by both \(otherFile) and \(file)"
        case .shadowed(let file, let id, let other):
            return "\(file): plugin \(id) skipped: already loaded from \(other) (earlier on the search path)"
        case .badFactory(let file, let component, let reason):
            return "\(file): component \(component): \(reason)"
        case .crashed(let file, let signal):
            return "\(file): crashed with signal \(signal) (\(signalName(signal))) while being probed"
        case .probeFailed(let file, let reason):
            return "\(file): probe failed: \(reason)"
        case .rejectedInProbe(_, let message):
            return message
        case .unknownComponent(let kind, let name, let known):
            return "no \(kind.rawValue) named \"\(name)\" (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        case .unknownPlugin(let id, let known):
            return "no plugin with id \(id) (loaded: \(known.isEmpty ? "none" : known.joined(separator: ", ")))"
        case .unknownRole(let role):
            return "\(role) is not a component role (Teacher, Student, Loss, Quantizer, Pruner or Augmenter)"
        case .componentFailed(let kind, let name, let reason):
            return "\(kind.rawValue) \"\(name)\": \(reason)"
        }
    }

    /// Errors are equal when they read the same.
    public static func == (a: PluginError, b: PluginError) -> Bool { a.description == b.description }
}

/// `SIGSEGV` for 11, and so on for the signals a crashing plugin raises.
func signalName(_ signal: Int32) -> String {
    let names: [Int32: String] = [1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
                                  7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM"]
    return names[signal] ?? "signal \(signal)"
}

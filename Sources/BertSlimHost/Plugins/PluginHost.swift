import BertSlimSDK
import Foundation

/// Finds, loads and checks plugins, and makes their components.
///
/// ```swift
/// let host = PluginHost()
/// host.load()                                    // every plugin on the search path
/// let loss = try host.make("mse-logits", as: (any Loss).self, config: .yaml("reduction: mean"))
/// ```
///
/// Loading never creates a component; a plugin that fails a check is left out and its
/// reason is kept in ``problems``. Use one host from one thread at a time (the libltdl calls
/// underneath are serialized process-wide).
public final class PluginHost {
    /// How a host searches and loads.
    public struct Options {
        /// `--plugin-path` folders, searched first.
        public var pluginPaths: [String]
        /// The environment (for `BERTSLIM_PLUGIN_PATH`, `HOME` and `XDG_CACHE_HOME`).
        public var environment: [String: String]
        /// Whether to search the executable's folder and `~/.local/lib/bertslim/plugins`.
        public var includeDefaultLocations: Bool
        /// When to probe a file in a child process before opening it here (see ``ProbePolicy``).
        public var probe: ProbePolicy
        /// Probe each file in a child process before loading it, so that a plugin that
        /// crashes is reported instead of taking the host down (``ProbePolicy/always``).
        public var verifyInChildProcess: Bool {
            get { probe == .always }
            set { probe = newValue ? .always : .never }
        }
        /// The `bertslim` executable that runs probes (default: the one beside this executable).
        public var probeExecutable: String?
        /// How long one probe may run before it is stopped.
        public var probeTimeout: TimeInterval
        /// Where ``ProbePolicy/unknown`` keeps verdicts (default: ``PluginProbeCache/defaultFile(environment:)``).
        public var probeCacheFile: String?

        /// Options from their parts.
        public init(pluginPaths: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                    includeDefaultLocations: Bool = true, verifyInChildProcess: Bool = false,
                    probeExecutable: String? = nil, probe: ProbePolicy? = nil,
                    probeTimeout: TimeInterval = PluginProbe.timeout, probeCacheFile: String? = nil) {
            self.pluginPaths = pluginPaths
            self.environment = environment
            self.includeDefaultLocations = includeDefaultLocations
            self.probe = probe ?? (verifyInChildProcess ? .always : .never)
            self.probeExecutable = probeExecutable
            self.probeTimeout = probeTimeout
            self.probeCacheFile = probeCacheFile ?? PluginProbeCache.defaultFile(environment: environment)
        }
    }

    /// The options this host was made with.
    public let options: Options
    /// Loaded plugins, in search order.
    public private(set) var plugins: [LoadedPlugin] = []
    /// Why files were left out, in search order.
    public private(set) var problems: [PluginError] = []
    private var registry: [String: ComponentInfo] = [:]

    /// The version of the libBertSlimSDK.so this process runs with.
    public static var sdkVersion: String { SDKVersion.string }

    /// A host that has loaded nothing yet.
    public init(options: Options = Options()) { self.options = options }

    /// The folders searched, first wins.
    public var searchPath: [String] {
        PluginSearchPath.directories(explicit: options.pluginPaths, environment: options.environment,
                                     includeDefaults: options.includeDefaultLocations)
    }

    /// Plugin files on the search path, in order (what `lt_dlforeachfile` finds, filtered).
    public func discover() -> [String] {
        var seen = Set<String>()
        return searchPath.flatMap(DynamicLoader.candidates(in:)).filter { file in
            seen.insert(URL(fileURLWithPath: file).resolvingSymlinksInPath().path).inserted
        }
    }

    /// Loads every plugin on the search path; files that fail are skipped.
    /// - Returns: the problems found by this call (also appended to ``problems``).
    @discardableResult
    public func load() -> [PluginError] {
        var found: [PluginError] = []
        for file in discover() where !plugins.contains(where: { $0.manifest.file == file }) {
            do {
                try load(file: file)
            } catch let error as PluginError {
                found.append(error)
            } catch {
                found.append(.openFailed(file: file, reason: String(describing: error)))
            }
        }
        return found
    }

    /// Loads one plugin file (probing it in a child process first when the options ask).
    /// - Throws: ``PluginError`` naming the file and the reason; nothing is registered then.
    @discardableResult
    public func load(file: String) throws -> LoadedPlugin {
        do {
            if let report = try probeVerdict(file), let error = report.error { throw error }
            let plugin = try ExitGuard.during("loading \(file)") { try LoadedPlugin.load(file: file) }
            try register(plugin)
            return plugin
        } catch let error as PluginError {
            problems.append(error)
            throw error
        }
    }

    /// The probe's verdict on `file` under the options' policy: nil when it is not probed,
    /// a kept verdict for a file already seen, or a new probe's (kept unless transient).
    private func probeVerdict(_ file: String) throws -> ProbeReport? {
        guard options.probe != .never else { return nil }
        let cache = options.probeCacheFile.map(PluginProbeCache.init(file:))
        if options.probe == .unknown, let kept = cache?.verdict(for: file) { return kept }
        guard let executable = options.probeExecutable ?? PluginProbe.defaultExecutable() else {
            throw PluginError.probeFailed(file: file, reason: "no bertslim executable to probe it with "
                                          + "(set PluginHost.Options.probeExecutable)")
        }
        let report = PluginProbe.probe(file: file, executable: executable, timeout: options.probeTimeout)
        if report.transient != true { cache?.record(report, for: file) }
        return report
    }

    private func register(_ plugin: LoadedPlugin) throws {
        let manifest = plugin.manifest
        if let earlier = plugins.first(where: { $0.manifest.id == manifest.id }) {
            throw PluginError.shadowed(file: manifest.file, id: manifest.id, by: earlier.manifest.file)
        }
        for component in manifest.components {
            if let existing = registry[component.qualifiedName] {
                throw PluginError.duplicateComponent(kind: component.kind, name: component.name,
                                                     file: manifest.file, otherFile: existing.file)
            }
        }
        for component in manifest.components { registry[component.qualifiedName] = component }
        plugins.append(plugin)
    }

    /// The components of `kind` that loaded plugins provide, by name.
    public func components(of kind: ComponentKind) -> [ComponentInfo] {
        registry.values.filter { $0.kind == kind }.sorted { $0.name < $1.name }
    }

    /// The loaded plugin with `id`.
    /// - Throws: ``PluginError/unknownPlugin(id:known:)``.
    public func plugin(id: String) throws -> LoadedPlugin {
        guard let plugin = plugins.first(where: { $0.manifest.id == id }) else {
            throw PluginError.unknownPlugin(id: id, known: plugins.map(\.manifest.id))
        }
        return plugin
    }

    /// The factory of a component (its settings table), without making the component.
    /// - Throws: ``PluginError`` when no plugin provides it or its factory fails.
    public func factory(_ kind: ComponentKind, _ name: String) throws -> ComponentFactory {
        guard let info = registry["\(kind.rawValue):\(name)"],
              let plugin = plugins.first(where: { $0.manifest.id == info.pluginID }) else {
            throw PluginError.unknownComponent(kind: kind, name: name, known: components(of: kind).map(\.name))
        }
        return try ExitGuard.during("reading \(kind.rawValue) \(name) from \(info.file)") { try plugin.factory(for: info) }
    }

    /// Makes a component from its settings block.
    /// - Returns: the component (a value of the concrete type; cast it to its role).
    /// - Throws: ``SettingsError`` for a bad block (key path first), ``PluginError`` otherwise.
    public func make(_ kind: ComponentKind, _ name: String, config: ComponentConfig = .empty,
                     context: ComponentContext = ComponentContext()) throws -> Any {
        let factory = try factory(kind, name)
        let file = registry["\(kind.rawValue):\(name)"]?.file ?? "its plugin"
        return try ExitGuard.during("making \(kind.rawValue) \(name) (from \(file))") {
            try factory.make(config: config, context: context)
        }
    }

    /// Makes a component in its role: `try host.make("mse-logits", as: (any Loss).self)`.
    /// - Parameter role: `(any Teacher).self`, `(any Student).self`, `(any Loss).self`,
    ///   `(any Quantizer).self`, `(any Pruner).self` or `(any Augmenter).self`.
    /// - Throws: ``SettingsError`` for a bad block, ``PluginError`` otherwise.
    public func make<Role>(_ name: String, as role: Role.Type, config: ComponentConfig = .empty,
                           context: ComponentContext = ComponentContext()) throws -> Role {
        guard let kind = Self.kind(of: role) else {
            throw PluginError.unknownRole(String(describing: role))
        }
        let value = try make(kind, name, config: config, context: context)
        guard let typed = value as? Role else {
            throw PluginError.componentFailed(kind: kind, name: name,
                                              reason: "\(type(of: value)) does not conform to \(role) in this process (is the SDK linked twice?)")
        }
        return typed
    }

    /// The kind whose protocol `role` is.
    static func kind(of role: Any.Type) -> ComponentKind? {
        let roles: [(Any.Type, ComponentKind)] = [((any Teacher).self, .teacher), ((any Student).self, .student),
                                                  ((any Loss).self, .loss), ((any Quantizer).self, .quantizer),
                                                  ((any Pruner).self, .pruner), ((any Augmenter).self, .augmenter),
                                                  ((any Communicator).self, .communicator)]
        return roles.first { ObjectIdentifier($0.0) == ObjectIdentifier(role) }?.1
    }
}

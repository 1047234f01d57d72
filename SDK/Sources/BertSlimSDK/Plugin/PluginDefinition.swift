internal import CBertSlimPlugin
internal import Glibc

/// Everything a plugin tells the host, declared in a few lines; it builds the C descriptor
/// that `bertslim_plugin_entry` returns (`bertslim_plugin.h`).
///
/// ```swift
/// import BertSlimSDK
///
/// let plugin = PluginDefinition(
///     id: "org.example.cosine-distillation", name: "Cosine distillation",
///     version: "1.0.0", license: "MIT",
///     components: [.loss(CosineEmbeddingLoss.self, name: "cosine-embedding",
///                        summary: "1 − cos(student, teacher) of the pooled vectors")])
///
/// @_cdecl("bertslim_plugin_entry")
/// public func bertslimPluginEntry() -> UnsafeRawPointer { plugin.descriptor }
/// ```
///
/// The definition and its descriptor live until the process exits (plugins are never
/// unloaded).
public final class PluginDefinition: @unchecked Sendable {
    /// Reverse-DNS id, unique among plugins (`org.example.cosine-distillation`).
    public let id: String
    /// Human name.
    public let name: String
    /// The plugin's own version.
    public let version: String
    /// SPDX license expression.
    public let license: String
    /// The components, in the order `plugins list` shows them.
    public let components: [ComponentDeclaration]
    /// The SDK and toolchain the plugin was compiled with.
    public let build: SDKBuildInfo
    /// The C descriptor (`const bertslim_plugin_descriptor *`); return it from
    /// `bertslim_plugin_entry`.
    public let descriptor: UnsafeRawPointer

    /// A plugin definition recording that it was built with `build`.
    /// Prefer ``init(id:name:version:license:components:)``, which passes the build the
    /// plugin is compiled against.
    public init(id: String, name: String, version: String, license: String,
                components: [ComponentDeclaration], build: SDKBuildInfo) {
        self.id = id
        self.name = name
        self.version = version
        self.license = license
        self.components = components
        self.build = build

        let table = UnsafeMutablePointer<bertslim_component>.allocate(capacity: max(components.count, 1))
        for (index, component) in components.enumerated() {
            table[index] = bertslim_component(kind: component.kind.abiValue, reserved: 0,
                                              name: strdup(component.name), summary: strdup(component.factory.summary))
        }
        let raw = UnsafeMutablePointer<bertslim_plugin_descriptor>.allocate(capacity: 1)
        raw.initialize(to: bertslim_plugin_descriptor(
            abi_version: build.abiVersion,
            struct_size: UInt32(MemoryLayout<bertslim_plugin_descriptor>.size),
            sdk_version: strdup(build.sdkVersion), build_id: strdup(build.buildID),
            plugin_id: strdup(id), name: strdup(name), version: strdup(version), license: strdup(license),
            component_count: UInt32(components.count),
            component_size: UInt32(MemoryLayout<bertslim_component>.stride),
            components: UnsafePointer(table), make_factory: makeComponentFactory,
            sdk_image: SDKImage.handle, context: nil))
        descriptor = UnsafeRawPointer(raw)
        // The descriptor holds the definition for as long as the process runs.
        raw.pointee.context = Unmanaged.passRetained(self).toOpaque()
    }

    /// A plugin definition for the SDK this code is compiled against.
    /// - Parameters:
    ///   - id: reverse-DNS id, unique among plugins.
    ///   - name: human name.
    ///   - version: the plugin's own version.
    ///   - license: SPDX license expression.
    ///   - components: what the plugin provides, e.g. `.loss(MyLoss.self, name:summary:)`.
    @_alwaysEmitIntoClient
    public convenience init(id: String, name: String, version: String, license: String,
                            components: [ComponentDeclaration]) {
        self.init(id: id, name: name, version: version, license: license, components: components,
                  build: SDKBuildInfo.current)
    }
}

/// `make_factory` of every descriptor built by ``PluginDefinition``: the factory of component
/// `index`, passed retained.
private func makeComponentFactory(_ descriptor: UnsafePointer<bertslim_plugin_descriptor>?,
                                  _ index: UInt32) -> UnsafeMutableRawPointer? {
    guard let context = descriptor?.pointee.context else { return nil }
    let definition = Unmanaged<PluginDefinition>.fromOpaque(context).takeUnretainedValue()
    guard Int(index) < definition.components.count else { return nil }
    return Unmanaged.passRetained(definition.components[Int(index)].factory).toOpaque()
}

import BertSlimSDK

/// Everything a plugin's descriptor says, read without creating any component.
public struct PluginManifest: Codable, Equatable, Sendable {
    /// The library file.
    public var file: String
    /// Reverse-DNS id.
    public var id: String
    /// Human name.
    public var name: String
    /// The plugin's own version.
    public var version: String
    /// SPDX license expression.
    public var license: String
    /// SDK version the plugin was compiled against.
    public var sdkVersion: String
    /// Toolchain and SDK of the build, e.g. `swift-6.3.1+sdk-1.0.0`.
    public var buildID: String
    /// ABI major the plugin was compiled against.
    public var abiMajor: UInt32
    /// ABI minor the plugin was compiled against.
    public var abiMinor: UInt32
    /// `struct_size` of its descriptor, in bytes.
    public var descriptorSize: Int
    /// The components, in declaration order.
    public var components: [ComponentInfo]
    /// Components of kinds this host does not know (from a newer SDK), as `kind N name`.
    public var skippedComponents: [String]
}

/// One component as listed by a descriptor.
public struct ComponentInfo: Codable, Equatable, Hashable, Sendable {
    /// Its role.
    public var kind: ComponentKind
    /// The name recipes write.
    public var name: String
    /// One line.
    public var summary: String
    /// Its row in the descriptor's table (what `make_factory` takes).
    public var index: Int
    /// The id of the plugin providing it.
    public var pluginID: String
    /// The file of the plugin providing it.
    public var file: String

    /// `loss:mse-logits`.
    public var qualifiedName: String { "\(kind.rawValue):\(name)" }
}

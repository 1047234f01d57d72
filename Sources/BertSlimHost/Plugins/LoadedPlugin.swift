import BertSlimSDK
import CBertSlimPlugin
import CLtdl

/// A plugin library that passed the handshake and is resident in the process.
public final class LoadedPlugin {
    /// What its descriptor says.
    public let manifest: PluginManifest
    private let descriptorAddress: UnsafeRawPointer
    private let makeFactory: bertslim_component_factory_fn
    private var factories: [Int: ComponentFactory] = [:]

    private init(manifest: PluginManifest, descriptorAddress: UnsafeRawPointer, makeFactory: bertslim_component_factory_fn) {
        self.manifest = manifest
        self.descriptorAddress = descriptorAddress
        self.makeFactory = makeFactory
    }

    /// Loads `file`: opens it resident, reads the handshake, checks the descriptor and that
    /// the plugin shares the host's SDK. Creates no component.
    /// - Throws: ``PluginError`` naming the file and the reason.
    static func load(file: String) throws -> LoadedPlugin {
        let handle = try DynamicLoader.open(file)
        guard let entryAddress = DynamicLoader.symbol(PluginABI.entrySymbol, in: handle) else {
            throw PluginError.noEntrySymbol(file: file)
        }
        let entry = unsafeBitCast(entryAddress, to: bertslim_plugin_entry_fn.self)
        guard let raw = entry() else {
            throw PluginError.invalidDescriptor(file: file, reason: "\(PluginABI.entrySymbol) returned null")
        }
        let (manifest, descriptor) = try DescriptorReader.read(UnsafeRawPointer(raw), file: file)
        try checkSharedSDK(file: file, handle: handle, descriptor: descriptor)
        guard let makeFactory = descriptor.make_factory else {
            throw PluginError.invalidDescriptor(file: file, reason: "make_factory is null")
        }
        return LoadedPlugin(manifest: manifest, descriptorAddress: UnsafeRawPointer(raw), makeFactory: makeFactory)
    }

    /// Rejects a plugin whose image defines the SDK's anchor itself, or whose descriptor was
    /// built by SDK code other than the host's: its Swift types are not the host's.
    private static func checkSharedSDK(file: String, handle: lt_dlhandle, descriptor: bertslim_plugin_descriptor) throws {
        let hostImage = SDKImage.handle
        let hostSDK = DynamicLoader.imagePath(containing: hostImage) ?? PluginABI.sdkLibraryName
        if let own = DynamicLoader.symbol(PluginABI.anchorSymbol, in: handle),
           let hostAnchor = DynamicLoader.globalSymbol(PluginABI.anchorSymbol), own != hostAnchor {
            let where_ = DynamicLoader.imagePath(containing: own) ?? file
            throw PluginError.ownSDKCopy(
                file: file, detail: "\(PluginABI.anchorSymbol) is defined in \(where_), the host's is in \(hostSDK)")
        }
        guard let image = descriptor.sdk_image else {
            throw PluginError.invalidDescriptor(file: file, reason: "sdk_image is null (not built with BertSlimSDK's PluginDefinition)")
        }
        if image != hostImage {
            let where_ = DynamicLoader.imagePath(containing: image) ?? "an unknown image"
            throw PluginError.ownSDKCopy(
                file: file, detail: "its descriptor was built by SDK code in \(where_), the host's SDK is \(hostSDK)")
        }
    }

    /// The factory of `component` (created once, on first use).
    /// - Throws: ``PluginError/badFactory(file:component:reason:)`` when the plugin returns
    ///   nothing or an object that is not the host's `ComponentFactory`.
    public func factory(for component: ComponentInfo) throws -> ComponentFactory {
        if let made = factories[component.index] { return made }
        let descriptor = descriptorAddress.assumingMemoryBound(to: bertslim_plugin_descriptor.self)
        guard let object = makeFactory(descriptor, UInt32(component.index)) else {
            throw PluginError.badFactory(file: manifest.file, component: component.qualifiedName,
                                         reason: "make_factory returned null")
        }
        let value = Unmanaged<AnyObject>.fromOpaque(object).takeRetainedValue()
        guard let factory = value as? ComponentFactory else {
            throw PluginError.badFactory(file: manifest.file, component: component.qualifiedName,
                                         reason: "make_factory returned a \(type(of: value)), not the host's ComponentFactory (is the SDK linked twice?)")
        }
        guard factory.kind == component.kind, factory.name == component.name else {
            throw PluginError.badFactory(file: manifest.file, component: component.qualifiedName,
                                         reason: "factory is for \(factory.kind.rawValue):\(factory.name)")
        }
        factories[component.index] = factory
        return factory
    }
}

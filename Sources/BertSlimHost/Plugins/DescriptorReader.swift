import BertSlimSDK
import CBertSlimPlugin

/// Reads a plugin's C descriptor, handshake first: `abi_version` and `struct_size` are checked
/// before any other byte is touched, and every later field is validated before use.
public enum DescriptorReader {
    /// The manifest and a copy of the descriptor's fields.
    /// - Throws: ``PluginError`` naming `file` and what is wrong.
    public static func read(_ raw: UnsafeRawPointer, file: String) throws -> (PluginManifest, bertslim_plugin_descriptor) {
        let abiVersion = raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let size = Int(raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let (major, minor) = (abiVersion >> 16, abiVersion & 0xFFFF)
        guard major == PluginABI.hostMajor else {
            throw PluginError.abiMismatch(file: file, plugin: (major, minor), host: (PluginABI.hostMajor, PluginABI.hostMinor))
        }
        guard size >= PluginABI.minimumDescriptorSize else {
            throw PluginError.descriptorTooSmall(file: file, size: size, required: PluginABI.minimumDescriptorSize)
        }
        guard size <= 1 << 16 else {
            throw PluginError.invalidDescriptor(file: file, reason: "struct_size \(size) is implausibly large")
        }
        // A newer plugin's descriptor may be larger: read the prefix this host knows.
        var descriptor = bertslim_plugin_descriptor()
        withUnsafeMutableBytes(of: &descriptor) { local in
            local.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: min(size, local.count)))
        }

        func text(_ pointer: UnsafePointer<CChar>?, _ field: String) throws -> String {
            guard let pointer else { throw PluginError.invalidDescriptor(file: file, reason: "\(field) is null") }
            guard let value = String(validatingCString: pointer), value.utf8.count <= 4096 else {
                throw PluginError.invalidDescriptor(file: file, reason: "\(field) is not valid UTF-8 text")
            }
            return value
        }
        let id = try text(descriptor.plugin_id, "plugin_id")
        guard isReverseDNS(id) else {
            throw PluginError.invalidDescriptor(file: file, reason: "plugin_id \"\(id)\" is not a reverse-DNS id (org.example.name)")
        }
        var manifest = PluginManifest(
            file: file, id: id, name: try text(descriptor.name, "name"), version: try text(descriptor.version, "version"),
            license: try text(descriptor.license, "license"), sdkVersion: try text(descriptor.sdk_version, "sdk_version"),
            buildID: try text(descriptor.build_id, "build_id"), abiMajor: major, abiMinor: minor,
            descriptorSize: size, components: [], skippedComponents: [])
        guard descriptor.make_factory != nil else {
            throw PluginError.invalidDescriptor(file: file, reason: "make_factory is null")
        }

        let count = Int(descriptor.component_count), stride = Int(descriptor.component_size)
        guard count <= 10_000 else { throw PluginError.invalidDescriptor(file: file, reason: "\(count) components") }
        guard count > 0 else { return (manifest, descriptor) }
        // An entry grows only at its end, like the descriptor; a stride beyond any plausible
        // entry would send the reads far past the table (found by fuzzing).
        guard stride <= 1024 else {
            throw PluginError.invalidDescriptor(file: file, reason: "component_size \(stride) is implausibly large")
        }
        guard let table = descriptor.components, stride >= PluginABI.minimumComponentSize else {
            throw PluginError.invalidDescriptor(
                file: file, reason: "component table is null or its entries are \(stride) bytes (at least \(PluginABI.minimumComponentSize) needed)")
        }
        var seen = Set<String>()
        for index in 0..<count {
            let entryAddress = UnsafeRawPointer(table) + index * stride
            var entry = bertslim_component()
            withUnsafeMutableBytes(of: &entry) { local in
                local.copyMemory(from: UnsafeRawBufferPointer(start: entryAddress, count: min(stride, local.count)))
            }
            let name = try text(entry.name, "components[\(index)].name")
            let summary = try text(entry.summary, "components[\(index)].summary")
            guard isComponentName(name) else {
                throw PluginError.invalidDescriptor(
                    file: file, reason: "component name \"\(name)\" must be lower-case letters, digits, '-', '_' or '.'")
            }
            guard let kind = ComponentKind(abiValue: entry.kind) else {
                manifest.skippedComponents.append("kind \(entry.kind) \(name)")
                continue
            }
            guard seen.insert("\(kind.rawValue):\(name)").inserted else {
                throw PluginError.duplicateComponent(kind: kind, name: name, file: file, otherFile: file)
            }
            manifest.components.append(ComponentInfo(kind: kind, name: name, summary: summary, index: index,
                                                     pluginID: id, file: file))
        }
        return (manifest, descriptor)
    }

    private static func isReverseDNS(_ id: String) -> Bool {
        let labels = id.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { label in
            !label.isEmpty && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    private static func isComponentName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLowercase || first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "-_.".contains($0)) }
    }
}

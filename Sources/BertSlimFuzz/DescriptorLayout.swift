import CBertSlimPlugin
import Foundation

/// A plugin descriptor laid out in memory from fuzz bytes, as a plugin's image would hold it:
/// every pointer is null or points at memory of the size the descriptor declares.
///
/// Bytes 0–3 `abi_version`, 4–7 `struct_size`, 8 which pointers are set (bits 0–5 the six
/// strings, 6 `make_factory`, 7 `components`), 9–12 `component_count`, 13–16
/// `component_size`, 17 the first entry's `kind` (each next entry's is one more, modulo 9);
/// the rest, split at zero bytes, are the strings: the descriptor's six, then each entry's
/// name and summary.
struct DescriptorLayout {
    /// The plugin file errors must name.
    static let file = "fuzz-plugin.so"

    private let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes + [UInt8](repeating: 0, count: max(0, 18 - bytes.count)) }

    private func word(_ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
    }

    /// Calls `body` with the descriptor's address; everything it points at lives until `body` returns.
    func withDescriptor(_ body: (UnsafeRawPointer) throws -> Void) rethrows {
        let flags = bytes[8]
        let (count, stride) = (Int(word(9)), Int(word(13)))
        var strings = bytes[18...].split(separator: 0, omittingEmptySubsequences: false).map { Array($0) + [0] }
        var allocations: [UnsafeMutableRawPointer] = []
        defer { allocations.forEach { $0.deallocate() } }
        func string(_ present: Bool = true) -> UnsafePointer<CChar>? {
            guard present else { return nil }
            let text = strings.isEmpty ? [0] : strings.removeFirst()
            let memory = UnsafeMutableRawPointer.allocate(byteCount: text.count, alignment: 1)
            memory.copyMemory(from: text, byteCount: text.count)
            allocations.append(memory)
            return UnsafePointer(memory.assumingMemoryBound(to: CChar.self))
        }

        var descriptor = bertslim_plugin_descriptor()
        descriptor.abi_version = word(0)
        descriptor.struct_size = word(4)
        descriptor.sdk_version = string(flags & 1 != 0)
        descriptor.build_id = string(flags & 2 != 0)
        descriptor.plugin_id = string(flags & 4 != 0)
        descriptor.name = string(flags & 8 != 0)
        descriptor.version = string(flags & 16 != 0)
        descriptor.license = string(flags & 32 != 0)
        descriptor.make_factory = flags & 64 != 0 ? { _, _ in nil } : nil
        descriptor.component_count = word(9)
        descriptor.component_size = word(13)
        // The table the descriptor declares, when it is one a plugin could hold (a reader that
        // reads past what it allocates here is a finding).
        if flags & 128 != 0 {
            let size = count <= 1 << 20 && stride <= 1 << 20 && count * stride <= 16 << 20 ? count * stride : 0
            let table = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 8)
            allocations.append(table)
            table.initializeMemory(as: UInt8.self, repeating: 0, count: max(size, 1))
            if stride >= MemoryLayout<bertslim_component>.size {
                for index in 0..<(size / stride) {
                    var entry = bertslim_component()
                    entry.kind = (UInt32(bytes[17]) + UInt32(index)) % 9
                    entry.name = string()
                    entry.summary = string()
                    (table + index * stride).copyMemory(from: &entry, byteCount: MemoryLayout<bertslim_component>.size)
                }
            }
            descriptor.components = UnsafePointer(table.assumingMemoryBound(to: bertslim_component.self))
        }
        // A descriptor as large as `struct_size` says (what a newer plugin would have), up to
        // the reader's limit.
        let size = max(MemoryLayout<bertslim_plugin_descriptor>.size, min(Int(descriptor.struct_size), 1 << 16))
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        allocations.append(memory)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        memory.copyMemory(from: &descriptor, byteCount: MemoryLayout<bertslim_plugin_descriptor>.size)
        try body(UnsafeRawPointer(memory))
    }
}

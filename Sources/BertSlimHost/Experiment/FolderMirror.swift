import BertSlimSDK
import Foundation

/// Rank 0's copy of a run-folder subtree, sent to the other ranks.
///
/// Over several ranks (``Distributed/world``) only rank 0 writes the run folder; the others run
/// in scratch folders of their own. Where a run decides from what is on disk (a finished stage
/// to reuse, a checkpoint to resume from, a transfer set made earlier), every rank calls
/// ``mirror(_:including:)`` on its own copy of the folder first: rank 0 sends its files and the
/// others write them, so that every rank decides the same and loads the same values, with or
/// without a file system shared between hosts.
enum FolderMirror {
    /// Makes `folder` on every rank hold rank 0's files whose path (relative to `folder`)
    /// `including` accepts. Nothing happens with one rank.
    /// - Throws: ``CommunicatorError``, or ``ExperimentError/writeFailed(file:reason:)``.
    static func mirror(_ folder: URL, including: (String) -> Bool = { _ in true }) throws {
        let world = Distributed.world
        guard world.size > 1 else { return }
        let packed = world.isRoot ? pack(folder, including: including) : []
        let received = try world.broadcast(bytes: packed)
        if !world.isRoot { try unpack(received, into: folder) }
    }

    /// Each file as its path's length (UInt32), path, data length (UInt64) and data.
    static func pack(_ folder: URL, including: (String) -> Bool) -> [UInt8] {
        let root = folder.standardizedFileURL.path
        var packed: [UInt8] = []
        let paths = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
        for path in paths where including(path) {
            var isDirectory: ObjCBool = false
            let full = root + "/" + path
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = FileManager.default.contents(atPath: full) else { continue }
            append(UInt32(path.utf8.count), to: &packed)
            packed += Array(path.utf8)
            append(UInt64(data.count), to: &packed)
            packed += data
        }
        return packed
    }

    static func unpack(_ packed: [UInt8], into folder: URL) throws {
        var offset = 0
        func read<T: FixedWidthInteger>(_: T.Type) -> Int {
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: packed[offset..<offset + MemoryLayout<T>.size]) }
            offset += MemoryLayout<T>.size
            return Int(T(littleEndian: value))
        }
        while offset < packed.count {
            let pathLength = read(UInt32.self)
            let path = String(decoding: packed[offset..<offset + pathLength], as: UTF8.self)
            offset += pathLength
            let length = read(UInt64.self)
            try RunFiles.writeAtomically(Data(packed[offset..<offset + length]), to: folder.appendingPathComponent(path).path)
            offset += length
        }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}

import Foundation

/// Durable file writes for run folders: a temporary file, fsync, rename, fsync of the
/// folder, so that a kill leaves either the old file or the new one.
enum RunFiles {
    /// - Throws: ``ExperimentError/writeFailed(file:reason:)`` with the system's reason.
    static func writeAtomically(_ data: Data, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if let code = OutputFolder.makeDirectories(folder) {
            throw ExperimentError.writeFailed(file: path, reason: String(cString: strerror(code)))
        }
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExperimentError.writeFailed(file: path, reason: String(cString: strerror(errno))) }
        var written = 0
        let failure: Int32? = data.withUnsafeBytes { bytes in
            while written < bytes.count {
                let n = write(fd, bytes.baseAddress! + written, bytes.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return fsync(fd) == 0 ? nil : errno
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw ExperimentError.writeFailed(file: path, reason: String(cString: strerror(failure)))
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw ExperimentError.writeFailed(file: path, reason: reason)
        }
        let directory = open(folder, O_RDONLY)
        if directory >= 0 { _ = fsync(directory); close(directory) }
    }

    static func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try writeAtomically(encoder.encode(value), to: path)
    }

    static func readJSON<T: Decodable>(_ type: T.Type, from path: String) -> T? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(type, from: data)
    }

    /// Total size of the `.safetensors` files in a model folder.
    static func weightBytes(in folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: (folder as NSString).appendingPathComponent(name))
            return total + ((attributes?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }
}

/// An append-only JSON-lines file that can be cut back to an earlier length (a resumed
/// stage drops the lines written after its checkpoint, so the file reads as one clean run).
final class JSONLinesLog {
    let path: String
    private var handle: FileHandle?

    /// - Throws: ``ExperimentError/writeFailed(file:reason:)``.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ExperimentError.writeFailed(file: path, reason: String(cString: strerror(errno))) }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        _ = try? handle?.seekToEnd()
    }

    /// Set on a rank whose lines go to rank 0's file at the end of the run (sweep points
    /// spread over ranks): offsets into this file would cut the wrong lines there, so
    /// ``offset`` reads as "none" and a resume from its checkpoints cuts nothing.
    var detached = false

    /// Bytes written so far (for a resume to cut back to).
    var offset: UInt64 { detached ? .max : written }
    private var written: UInt64 { (try? handle?.offset()) ?? 0 }

    func append(_ object: [String: Any]) {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        handle?.write(data + Data("\n".utf8))
    }

    func appendLine(_ text: String) { handle?.write(Data((text + "\n").utf8)) }

    /// Cuts the file back to `length` bytes.
    func truncate(to length: UInt64) {
        guard length <= written else { return }
        try? handle?.truncate(atOffset: length)
        try? handle?.seekToEnd()
    }

    func flush() { try? handle?.synchronize() }
}

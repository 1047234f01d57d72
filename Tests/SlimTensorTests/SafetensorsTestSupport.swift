import BertSlimSDK
import Foundation
import Testing

/// A fresh folder under the system's temporary directory, removed when released.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("bertslim-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `name` inside the folder.
    func file(_ name: String) -> String { path + "/" + name }

    /// Names of the files in the folder.
    func contents() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }
}

/// Bytes of a hand-made safetensors file: the length prefix (the header's real length
/// unless `declaredLength` overrides it), the header text, then `data`.
func rawSafetensors(header: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
    let json = Array(header.utf8)
    let length = declaredLength ?? UInt64(json.count)
    return withUnsafeBytes(of: length.littleEndian) { Array($0) } + json + data
}

/// Writes `bytes` to `path`.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Little-endian bytes of 16-bit patterns.
func littleEndianBytes(_ values: [UInt16]) -> [UInt8] {
    values.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }
}

/// The repository's root, found from this file's location.
let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The real MiniLM checkpoint fetched by `scripts/fetch-assets.sh`.
let miniLMCheckpoint = repositoryRoot + "/assets/model/minilm-l6/model.safetensors"

/// Runs `body` on its own thread and returns its result, or records an issue and calls
/// `unblock` (which must make `body` return) when it takes longer than `seconds`.
func finishing<T: Sendable>(within seconds: Double, unblock: () -> Void,
                            _ body: @escaping @Sendable () -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        box.value = body()
        done.signal()
    }
    if done.wait(timeout: .now() + seconds) == .timedOut {
        Issue.record("still running after \(seconds) s")
        unblock()
        done.wait()
    }
    return try #require(box.value)
}

/// Opens the FIFO at `path` for writing and closes it, so that a reader blocked in `open`
/// goes on (and reads end of file).
func releaseFIFOReader(_ path: String) {
    let fd = open(path, O_WRONLY | O_NONBLOCK)
    if fd >= 0 { close(fd) }
}

/// A value handed back from another thread.
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

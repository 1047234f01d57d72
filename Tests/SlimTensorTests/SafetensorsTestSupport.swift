import BertSlimSDK
import Foundation

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

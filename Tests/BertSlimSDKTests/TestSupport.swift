import BertSlimSDK
import Foundation
import Testing

/// A committed fixture file (Tests/BertSlimSDKTests/Fixtures).
func fixturePath(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
                           "missing fixture \(name)")
    return url.path
}

/// The repository's `assets/` folder (fetched by `make assets`; `make test` fetches it first).
let assetsPath: String = {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("assets").path
}()

/// The MiniLM-L6 tokenizer from `assets/`.
func miniLMTokenizer() throws -> WordPieceTokenizer {
    let directory = assetsPath + "/model/minilm-l6"
    try #require(FileManager.default.fileExists(atPath: directory + "/vocab.txt"),
                 "\(directory)/vocab.txt is missing: run `make assets`")
    return try WordPieceTokenizer(directory: directory)
}

/// A fresh temporary folder, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("bertslim-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Writes `bytes` to `directory/name` and returns the path.
@discardableResult
func write(_ bytes: [UInt8], to name: String, in directory: String) throws -> String {
    let path = directory + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// Writes `text` (UTF-8) to `directory/name` and returns the path.
@discardableResult
func write(_ text: String, to name: String, in directory: String) throws -> String {
    try write(Array(text.utf8), to: name, in: directory)
}

/// A tiny vocabulary for hand-checked cases: the specials, then `tokens`.
func tinyTokenizer(_ tokens: [String], basicTokenization: BasicTokenization = .uncased) throws -> WordPieceTokenizer {
    let vocabulary = try Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + tokens)
    return try WordPieceTokenizer(vocabulary: vocabulary, basicTokenization: basicTokenization)
}

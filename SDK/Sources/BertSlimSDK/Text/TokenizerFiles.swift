internal import Foundation

extension WordPieceTokenizer {
    /// The files a model folder carries for its tokenizer (those present are copied).
    public static let fileNames = ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]

    /// Copies the tokenizer files found in `source` into `destination` (each written to a
    /// temporary name and renamed); nothing happens when both are the same folder.
    /// - Throws: file-system errors, naming the path.
    public static func copyFiles(from source: String, to destination: String) throws {
        for name in fileNames {
            let from = URL(fileURLWithPath: source).appendingPathComponent(name)
            let to = URL(fileURLWithPath: destination).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: from.path), from.standardizedFileURL != to.standardizedFileURL else { continue }
            try Data(contentsOf: from).write(to: to, options: .atomic)
        }
    }
}

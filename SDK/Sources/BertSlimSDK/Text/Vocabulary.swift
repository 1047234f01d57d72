internal import Foundation

/// A WordPiece vocabulary: token strings and their ids (the line number in `vocab.txt`,
/// counting from 0), with hash tables that look pieces up by their UTF-8 bytes.
public struct Vocabulary: Sendable {
    /// Tokens by id.
    public let tokens: [String]
    /// Where the tokens came from, for error messages.
    public let source: String
    /// Every token, for the first piece of a word.
    let wordStarts: ByteStringTable
    /// Tokens that begin with `##`, stored without it, for the later pieces of a word.
    let continuations: ByteStringTable

    /// The marker WordPiece puts in front of a piece that continues a word.
    public static let continuationPrefix = "##"

    /// Reads a vocabulary with one token per line (`\n` or `\r\n` endings; a leading UTF-8
    /// byte order mark is skipped).
    /// - Parameter path: a `vocab.txt`.
    /// - Throws: `TokenizerError` naming the file and line: unreadable or empty file, invalid
    ///   UTF-8, an empty line, a duplicate token.
    public init(path: String) throws {
        let name = path
        var data: Data
        do { data = Data(try RegularFile.contents(of: path, limit: 1 << 28)) } catch let error as FileReadError {
            throw TokenizerError.unreadable(file: name, reason: error.reason)
        }
        // An editor's UTF-8 byte order mark is not part of the first token.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data = data.dropFirst(3) }
        var tokens: [String] = []
        var lineNumber = 0
        var failure: TokenizerError?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                lineNumber += 1
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                let next = end + 1
                if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                guard let token = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) else {
                    failure = .invalidUTF8(file: name, line: lineNumber)
                    return
                }
                tokens.append(token)
                start = next
            }
        }
        if let failure { throw failure }
        try self.init(tokens: tokens, source: name)
    }

    /// A vocabulary from tokens in id order.
    /// - Parameters:
    ///   - tokens: token strings; the index is the id.
    ///   - source: a name for error messages (the file they came from).
    /// - Throws: `TokenizerError` for no tokens, an empty token or a duplicate (with its line).
    public init(tokens: [String], source: String = "<vocabulary>") throws {
        guard !tokens.isEmpty else { throw TokenizerError.emptyVocabulary(file: source) }
        // Keyed by bytes, not String: Swift's String equality is canonical equivalence, so
        // "é" and "e\u{301}" would compare equal although they are different tokens.
        var firstLine: [[UInt8]: Int] = [:]
        firstLine.reserveCapacity(tokens.count)
        var starts: [(key: [UInt8], id: Int32)] = []
        var continuations: [(key: [UInt8], id: Int32)] = []
        starts.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            guard !token.isEmpty else { throw TokenizerError.emptyToken(file: source, line: id + 1) }
            let bytes = Array(token.utf8)
            if let first = firstLine[bytes] {
                throw TokenizerError.duplicateToken(file: source, line: id + 1, token: token, firstLine: first)
            }
            firstLine[bytes] = id + 1
            starts.append((bytes, Int32(id)))
            if bytes.count > 2 && bytes[0] == UInt8(ascii: "#") && bytes[1] == UInt8(ascii: "#") {
                continuations.append((Array(bytes[2...]), Int32(id)))
            }
        }
        self.tokens = tokens
        self.source = source
        self.wordStarts = ByteStringTable(starts)
        self.continuations = ByteStringTable(continuations)
    }

    /// Number of tokens.
    public var count: Int { tokens.count }

    /// The id of `token`, or nil when it is not in the vocabulary.
    public func id(for token: String) -> Int? {
        var token = token
        let id = token.withUTF8 { wordStarts.id($0) }
        return id < 0 ? nil : Int(id)
    }

    /// The token with id `id`, or nil when out of range.
    public func token(for id: Int) -> String? {
        tokens.indices.contains(id) ? tokens[id] : nil
    }
}

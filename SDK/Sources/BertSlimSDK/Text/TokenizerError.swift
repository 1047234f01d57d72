/// Why a tokenizer could not be built from its files. Every case names the file, and the
/// line or key where one applies, so the message alone says what to fix.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read at all.
    case unreadable(file: String, reason: String)
    /// The vocabulary file holds no tokens.
    case emptyVocabulary(file: String)
    /// A line of the vocabulary is empty (an empty token can never be matched).
    case emptyToken(file: String, line: Int)
    /// A token appears twice; ids would be ambiguous.
    case duplicateToken(file: String, line: Int, token: String, firstLine: Int)
    /// A special token the tokenizer needs is not in the vocabulary.
    case missingSpecialToken(file: String, token: String)
    /// A line is not valid UTF-8.
    case invalidUTF8(file: String, line: Int)
    /// The tokenizer configuration is malformed.
    case invalidConfiguration(file: String, key: String, reason: String)

    /// The message shown to the user: file, line or key first.
    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .emptyVocabulary(file):
            return "\(file): empty vocabulary"
        case let .emptyToken(file, line):
            return "\(file):\(line): empty token"
        case let .duplicateToken(file, line, token, firstLine):
            return "\(file):\(line): duplicate token '\(token)' (first on line \(firstLine))"
        case let .missingSpecialToken(file, token):
            return "\(file): special token '\(token)' is not in the vocabulary"
        case let .invalidUTF8(file, line):
            return "\(file):\(line): invalid UTF-8"
        case let .invalidConfiguration(file, key, reason):
            return "\(file): \(key): \(reason)"
        }
    }
}

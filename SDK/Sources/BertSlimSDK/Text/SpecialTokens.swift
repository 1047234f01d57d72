/// The special tokens BERT's encodings are built from, by name.
public struct SpecialTokens: Sendable, Equatable {
    /// Stands for a word WordPiece cannot cover.
    public var unknown: String
    /// Starts every sequence; its final vector is the sentence representation.
    public var classifier: String
    /// Ends each segment.
    public var separator: String
    /// Fills batches to a common length.
    public var padding: String
    /// The masked-language-model mask; optional (not needed to encode).
    public var mask: String?
    /// Separators between the segments of a pair: 1 for BERT (`[CLS] A [SEP] B [SEP]`), 2 for
    /// MPNet (`<s> A </s></s> B </s>`).
    public var pairSeparators = 1

    /// Special tokens by name.
    public init(unknown: String = "[UNK]", classifier: String = "[CLS]", separator: String = "[SEP]",
                padding: String = "[PAD]", mask: String? = "[MASK]") {
        self.unknown = unknown
        self.classifier = classifier
        self.separator = separator
        self.padding = padding
        self.mask = mask
    }

    /// BERT's: `[UNK]`, `[CLS]`, `[SEP]`, `[PAD]`, `[MASK]`.
    public static let bert = SpecialTokens()

    /// MPNet's (all-mpnet-base-v2's `tokenizer_config.json`): `[UNK]`, `<s>`, `</s>` (twice
    /// between the segments of a pair), `<pad>`, `<mask>`.
    public static let mpnet: SpecialTokens = {
        var tokens = SpecialTokens(unknown: "[UNK]", classifier: "<s>", separator: "</s>", padding: "<pad>", mask: "<mask>")
        tokens.pairSeparators = 2
        return tokens
    }()
}

/// Finds special tokens written literally in raw text ("[CLS]", "[MASK]"), which Hugging Face
/// tokenizers keep whole, before any normalisation, instead of splitting into `[`, `cl`, ….
struct SpecialTokenMatcher: Sendable {
    private let tokens: [(bytes: [UInt8], id: Int32)]
    private let firstBytes: [Bool]

    init(_ tokens: [(String, Int32)]) {
        self.tokens = tokens.map { (Array($0.0.utf8), $0.1) }.filter { !$0.0.isEmpty }
        var first = [Bool](repeating: false, count: 256)
        for token in self.tokens { first[Int(token.bytes[0])] = true }
        firstBytes = first
    }

    /// The id and byte length of the longest special token starting at `offset`, if any.
    @inline(__always)
    func match(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> (id: Int32, length: Int)? {
        guard firstBytes[Int(text[offset])] else { return nil }
        var best: (id: Int32, length: Int)?
        for token in tokens where token.bytes.count <= text.count - offset && token.bytes.count > (best?.length ?? 0) {
            var equal = true
            for (i, byte) in token.bytes.enumerated() where text[offset + i] != byte {
                equal = false
                break
            }
            if equal { best = (token.id, token.bytes.count) }
        }
        return best
    }
}

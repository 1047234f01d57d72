internal import Foundation

/// BERT's tokenizer: basic tokenisation, then WordPiece, then `[CLS] A [SEP] (B [SEP])`.
/// Gives the same ids as Hugging Face `tokenizers` for a `BertNormalizer` +
/// `BertPreTokenizer` + `WordPiece` tokenizer (`scripts/check-tokenizer.py` checks).
///
/// A value type with immutable tables: share one across threads freely.
public struct WordPieceTokenizer: Sendable {
    /// Tokens and ids.
    public let vocabulary: Vocabulary
    /// What happens to text before WordPiece.
    public let basicTokenization: BasicTokenization
    /// Special token names.
    public let specialTokens: SpecialTokens
    /// Words longer than this (in Unicode scalars) become `[UNK]` whole.
    public let maxCharactersPerWord: Int
    /// Id of `[UNK]`.
    public let unknownID: Int32
    /// Id of `[CLS]`.
    public let classifierID: Int32
    /// Id of `[SEP]`.
    public let separatorID: Int32
    /// Id of `[PAD]`.
    public let paddingID: Int32
    let specialTokenMatcher: SpecialTokenMatcher

    /// A tokenizer over `vocabulary`.
    /// - Parameters:
    ///   - basicTokenization: normalisation options (uncased BERT by default).
    ///   - specialTokens: names of `[UNK]`, `[CLS]`, `[SEP]`, `[PAD]` (and `[MASK]`).
    ///   - maxCharactersPerWord: longer words become `[UNK]` (BERT: 100).
    /// - Throws: `TokenizerError.missingSpecialToken` when the vocabulary lacks one of
    ///   `[UNK]`, `[CLS]`, `[SEP]`, `[PAD]`.
    public init(vocabulary: Vocabulary, basicTokenization: BasicTokenization = .uncased,
                specialTokens: SpecialTokens = .bert, maxCharactersPerWord: Int = 100) throws {
        func required(_ name: String) throws -> Int32 {
            guard let id = vocabulary.id(for: name) else {
                throw TokenizerError.missingSpecialToken(file: vocabulary.source, token: name)
            }
            return Int32(id)
        }
        self.vocabulary = vocabulary
        self.basicTokenization = basicTokenization
        self.specialTokens = specialTokens
        self.maxCharactersPerWord = maxCharactersPerWord
        unknownID = try required(specialTokens.unknown)
        classifierID = try required(specialTokens.classifier)
        separatorID = try required(specialTokens.separator)
        paddingID = try required(specialTokens.padding)
        var literal = [(specialTokens.unknown, unknownID), (specialTokens.classifier, classifierID),
                       (specialTokens.separator, separatorID), (specialTokens.padding, paddingID)]
        if let mask = specialTokens.mask, let id = vocabulary.id(for: mask) { literal.append((mask, Int32(id))) }
        specialTokenMatcher = SpecialTokenMatcher(literal)
    }

    /// Loads a model folder's tokenizer: `vocab.txt`, and `tokenizer_config.json` when present
    /// (otherwise uncased BERT).
    /// - Throws: `TokenizerError` naming the file (and line or key) that is wrong.
    public init(directory: String) throws {
        let folder = URL(fileURLWithPath: directory)
        let configPath = folder.appendingPathComponent("tokenizer_config.json").path
        let configuration = FileManager.default.fileExists(atPath: configPath)
            ? try TokenizerConfiguration(path: configPath) : TokenizerConfiguration()
        try self.init(vocabulary: Vocabulary(path: folder.appendingPathComponent("vocab.txt").path),
                      basicTokenization: configuration.basicTokenization,
                      specialTokens: configuration.specialTokens)
    }

    /// Encodes one example.
    /// - Parameters:
    ///   - text: the first segment.
    ///   - pair: the optional second segment (sentence-pair tasks).
    ///   - maxLength: the most tokens the result may have, special tokens included. Longer
    ///     inputs are cut at the end; a pair loses tokens from its longer segment first
    ///     (equal segments share the cut, the first keeping the smaller half), as in
    ///     Hugging Face's `longest_first`. Must leave room for the special tokens (3 for a
    ///     pair, 4 with MPNet's two separators; 2 otherwise).
    /// - Returns: ids, token types and how many tokens were cut.
    public func encode(_ text: String, pair: String? = nil, maxLength: Int) -> Encoding {
        var scratch = EncodingScratch()
        return encode(text, pair: pair, maxLength: maxLength, scratch: &scratch)
    }

    /// The WordPiece tokens of `text`, without special tokens (for inspection and debugging).
    public func tokenize(_ text: String) -> [String] {
        var scratch = EncodingScratch()
        appendIDs(of: text, into: &scratch.first, scratch: &scratch.word)
        return scratch.first.map { vocabulary.tokens[Int($0)] }
    }

    /// The fewest tokens an encoding can have: its special tokens (2; for a pair 3, or 4 with
    /// MPNet's two separators). `encode` needs `maxLength` at least this.
    public func minimumLength(pair: Bool) -> Int { pair ? 2 + specialTokens.pairSeparators : 2 }

    func encode(_ text: String, pair: String?, maxLength: Int, scratch: inout EncodingScratch) -> Encoding {
        let specials = minimumLength(pair: pair != nil)
        precondition(maxLength >= specials, "maxLength \(maxLength) leaves no room for the \(specials) special tokens")
        scratch.first.removeAll(keepingCapacity: true)
        scratch.second.removeAll(keepingCapacity: true)
        appendIDs(of: text, into: &scratch.first, scratch: &scratch.word)
        if let pair { appendIDs(of: pair, into: &scratch.second, scratch: &scratch.word) }

        let (keepFirst, keepSecond) = truncatedLengths(scratch.first.count, scratch.second.count,
                                                       budget: maxLength - specials, isPair: pair != nil)
        let removed = scratch.first.count - keepFirst + scratch.second.count - keepSecond
        let total = keepFirst + keepSecond + specials
        var ids = [Int32]()
        ids.reserveCapacity(total)
        ids.append(classifierID)
        ids.append(contentsOf: scratch.first[..<keepFirst])
        ids.append(separatorID)
        var types = [Int32](repeating: 0, count: total)
        if pair != nil {
            for _ in 1..<specialTokens.pairSeparators { ids.append(separatorID) }
            ids.append(contentsOf: scratch.second[..<keepSecond])
            ids.append(separatorID)
            // BERT marks the second segment with token type 1; MPNet's tokenizer gives no types
            // (all 0, as transformers' MPNetTokenizer), which a BERT reading its tokens must see too.
            if specialTokens.pairSeparators == 1 {
                for i in (keepFirst + 2)..<total { types[i] = 1 }
            }
        }
        return Encoding(ids: ids, tokenTypeIDs: types, truncatedCount: removed)
    }

    /// How many tokens of each segment to keep so that both fit in `budget` (longest first).
    func truncatedLengths(_ first: Int, _ second: Int, budget: Int, isPair: Bool) -> (Int, Int) {
        guard first + second > budget else { return (first, second) }
        guard isPair else { return (budget, 0) }
        // Give the shorter segment all it needs if that leaves the longer at least as much;
        // otherwise split the budget evenly, the odd token going to the second segment.
        let shorter = min(first, second), longer = max(first, second)
        var keepShorter = shorter
        var keepLonger = shorter > budget ? shorter : max(shorter, budget - shorter)
        if keepShorter + keepLonger > budget {
            keepShorter = budget / 2
            keepLonger = keepShorter + budget % 2
        }
        keepLonger = min(keepLonger, longer)
        keepShorter = min(keepShorter, shorter)
        return first > second ? (keepLonger, keepShorter) : (keepShorter, keepLonger)
    }

    /// Appends the WordPiece ids of `text` (no `[CLS]`/`[SEP]`), keeping literal special
    /// tokens whole.
    func appendIDs(of text: String, into ids: inout [Int32], scratch word: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var segmentStart = 0
            var offset = 0
            while offset < bytes.count {
                if let special = specialTokenMatcher.match(bytes, at: offset) {
                    appendSegmentIDs(UnsafeBufferPointer(rebasing: bytes[segmentStart..<offset]), into: &ids, scratch: &word)
                    ids.append(special.id)
                    offset += special.length
                    segmentStart = offset
                } else {
                    offset += 1
                }
            }
            appendSegmentIDs(UnsafeBufferPointer(rebasing: bytes[segmentStart...]), into: &ids, scratch: &word)
        }
    }

    @inline(__always)
    private func appendSegmentIDs(_ segment: UnsafeBufferPointer<UInt8>, into ids: inout [Int32], scratch word: inout [UInt8]) {
        guard !segment.isEmpty else { return }
        let vocabulary = self.vocabulary, maxCharacters = maxCharactersPerWord, unknown = unknownID
        basicTokenization.forEachWord(in: segment, scratch: &word) { piece, scalarCount in
            vocabulary.appendWordPieces(of: piece, scalarCount: scalarCount, maxCharacters: maxCharacters,
                                        unknownID: unknown, into: &ids)
        }
    }
}

/// Memory reused from one encoding to the next so the hot loop allocates nothing.
struct EncodingScratch {
    var word: [UInt8] = []
    var first: [Int32] = []
    var second: [Int32] = []
}

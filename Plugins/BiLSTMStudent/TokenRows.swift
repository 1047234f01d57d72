import BertSlimSDK

/// The embedding rows of a student that keeps only some of the teacher's WordPiece tokens
/// (`vocabulary: training`): row r holds token `ids[r]`; every other token reads the row of
/// `[UNK]`.
struct TokenRows: Equatable {
    /// The teacher's token id of each row, ascending.
    let ids: [Int32]
    /// The row that tokens without one of their own read.
    let unknownRow: Int32
    private let rowOf: [Int32: Int32]

    /// Rows for `ids` (sorted and made unique here); `unknownID` must be among them.
    /// - Throws: ``ComponentError`` when it is not, or an id is negative.
    init(ids: [Int32], unknownID: Int32) throws {
        let sorted = Array(Set(ids)).sorted()
        guard sorted.first.map({ $0 >= 0 }) ?? false else {
            throw ComponentError(BiLSTMStudent.componentName, "token rows: ids must be non-negative and not empty")
        }
        guard let unknown = sorted.firstIndex(of: unknownID) else {
            throw ComponentError(BiLSTMStudent.componentName, "token rows: the unknown token's id \(unknownID) has no row")
        }
        self.ids = sorted
        unknownRow = Int32(unknown)
        rowOf = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($0.element, Int32($0.offset)) })
    }

    /// The tokens of `texts` as `tokenizer` reads them, with its special tokens.
    static func tokens(of texts: [String], tokenizer: WordPieceTokenizer) -> [Int32] {
        var seen = Set([tokenizer.unknownID, tokenizer.classifierID, tokenizer.separatorID, tokenizer.paddingID])
        if let mask = tokenizer.specialTokens.mask, let id = tokenizer.vocabulary.id(for: mask) { seen.insert(Int32(id)) }
        for encoding in tokenizer.encode(texts, maxLength: 4096) { seen.formUnion(encoding.ids) }
        return Array(seen)
    }

    /// The row of each token id.
    func rows(_ tokens: [Int32]) -> [Int32] { tokens.map { rowOf[$0] ?? unknownRow } }
}

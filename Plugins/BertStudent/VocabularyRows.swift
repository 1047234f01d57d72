import BertSlimSDK

// Free functions, not SDK extensions: a plugin must not export symbols in the SDK's namespace.

/// For each token of the teacher's vocabulary, the row of the same token in a pretrained
/// model's vocabulary: matched by string, the special tokens by role (MPNet's `<s>` is BERT's
/// `[CLS]`, `</s>` its `[SEP]`, `<pad>` its `[PAD]`, `<mask>` its `[MASK]`). Nil where the
/// pretrained vocabulary lacks the token.
func pretrainedRows(for teacher: WordPieceTokenizer, in pretrained: WordPieceTokenizer) -> [Int?] {
    let mine = teacher.specialTokens, theirs = pretrained.specialTokens
    var roles = [mine.unknown: theirs.unknown, mine.classifier: theirs.classifier,
                 mine.separator: theirs.separator, mine.padding: theirs.padding]
    if let mask = mine.mask, let theirMask = theirs.mask { roles[mask] = theirMask }
    return teacher.vocabulary.tokens.map { pretrained.vocabulary.id(for: roles[$0] ?? $0) }
}

/// Copies the pretrained model's word embeddings into the student's, row by row through
/// `rows` (the student's token id → the pretrained row); rows without a match keep what they
/// hold.
func copyWordEmbeddings(into student: BertModel, from source: BertModel, rows: [Int?]) {
    let name = "embeddings.word_embeddings.weight"
    guard let to = student.parameter(named: name), let from = source.parameter(named: name),
          to.shape.count == 2, from.shape.count == 2, to.shape[1] == from.shape[1], to.shape[0] == rows.count else { return }
    let width = to.shape[1]
    var values = to.value.scalars
    let pretrained = from.value.scalars
    for (row, sourceRow) in rows.enumerated() {
        guard let sourceRow else { continue }
        values.replaceSubrange(row * width..<(row + 1) * width, with: pretrained[sourceRow * width..<(sourceRow + 1) * width])
    }
    to.value = Tensor(shape: to.shape, scalars: values)
}

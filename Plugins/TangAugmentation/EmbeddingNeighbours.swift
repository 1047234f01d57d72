import BertSlimSDK

/// For words of the teacher's vocabulary, their nearest neighbours in its word-embedding table:
/// the stand-in this plugin uses for Tang et al.'s part-of-speech classes, since no POS tagger
/// is available offline.
///
/// A word has neighbours when the teacher's tokenizer reads it as one whole-word WordPiece
/// token made of letters (not a `##` continuation, not a special token). Its neighbours are the
/// `count` other such tokens whose embedding rows have the largest cosine similarity with its
/// own. Neighbours in a contextual model's input table tend to share the word's distributional
/// class — and so mostly its part of speech (adjectives near adjectives: "good" → "great",
/// "bad", "decent"), though unlike a POS tagger they also carry meaning, including antonyms.
/// The teacher labels every augmented text, so a replacement that flips the sentiment gets the
/// label the teacher gives it.
final class EmbeddingNeighbours {
    private let tokenizer: WordPieceTokenizer
    /// Unit-length rows of the candidate tokens, `(C, D)`, and their ids.
    private let candidates: Tensor
    private let candidateIDs: [Int32]
    /// Token id → row in `candidates`.
    private let candidateRow: [Int32: Int]
    private let count: Int
    /// Word (as written) → its token id among the candidates, or nil.
    private var wordIDs: [String: Int32?] = [:]
    /// Token id → its neighbours' tokens.
    private var table: [Int32: [String]] = [:]

    /// - Parameters:
    ///   - embeddings: the teacher's word-embedding table, `(V, D)`, rows indexed by token id.
    ///   - tokenizer: the teacher's tokenizer (its vocabulary has V or fewer tokens).
    ///   - count: neighbours per word (k).
    init(embeddings: Tensor, tokenizer: WordPieceTokenizer, count: Int) throws {
        let tokens = tokenizer.vocabulary.tokens
        guard embeddings.rank == 2, embeddings.shape[0] >= tokens.count else {
            throw ComponentError(TangAugmenter.componentName,
                                 "the teacher's word embeddings \(embeddings.shape) have fewer rows than its vocabulary's \(tokens.count) tokens")
        }
        self.tokenizer = tokenizer
        self.count = count
        let ids = tokens.indices.filter { Self.isWord(tokens[$0]) }.map(Int32.init)
        let width = embeddings.shape[1]
        var rows = Tensor.zeros([ids.count, width])
        embeddings.withUnsafeBufferPointer { e in
            rows.withUnsafeMutableBufferPointer { r in
                for (row, id) in ids.enumerated() {
                    let source = Int(id) * width
                    var norm: Float = 0
                    for j in 0..<width { norm += e[source + j] * e[source + j] }
                    let scale = norm > 0 ? 1 / norm.squareRoot() : 0
                    for j in 0..<width { r[row * width + j] = e[source + j] * scale }
                }
            }
        }
        candidates = rows
        candidateIDs = ids
        candidateRow = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, $0.offset) })
    }

    /// A whole-word token of letters: what may replace a word and be replaced.
    static func isWord(_ token: String) -> Bool {
        !token.isEmpty && !token.hasPrefix(Vocabulary.continuationPrefix) && token.allSatisfy(\.isLetter)
    }

    /// The neighbours of `word` (empty when it is not one whole-word token of the vocabulary).
    /// Call ``prepare(_:)`` first for every word, so that the table is built in blocks.
    func neighbours(of word: String) -> [String] {
        guard let id = wordIDs[word] ?? nil else { return [] }
        return table[id] ?? []
    }

    /// Finds the neighbours of every word in `words` not seen before: one GEMM of their unit
    /// rows against all candidates per block of 512 words, then the top `count` of each row.
    func prepare(_ words: Set<String>) {
        var queries: [Int32] = []
        for word in words where wordIDs[word] == nil {
            let pieces = tokenizer.encode(word, maxLength: 8).ids.dropFirst().dropLast()
            let id = pieces.count == 1 ? pieces.first.flatMap { candidateRow[$0] != nil ? $0 : nil } : nil
            wordIDs[word] = .some(id)
            if let id, table[id] == nil { queries.append(id) }
        }
        queries = Array(Set(queries)).sorted()
        let (c, width) = (candidates.shape[0], candidates.shape[1])
        guard c > 1 else { return }
        let keep = min(count, c - 1)
        for start in stride(from: 0, to: queries.count, by: 512) {
            let block = Array(queries[start..<min(start + 512, queries.count)])
            let rows = gatherRows(candidates, block.map { candidateRow[$0]! }, width: width)
            let similarity = withoutGradient { matmul(rows, candidates, transposeB: true) }  // (block, C)
            similarity.withUnsafeBufferPointer { s in
                for (q, id) in block.enumerated() {
                    let own = candidateRow[id]!
                    table[id] = topIndices(s, row: q, width: c, count: keep, excluding: own)
                        .map { tokenizer.vocabulary.tokens[Int(candidateIDs[$0])] }
                }
            }
        }
    }
}

/// The `count` columns of row `row` with the largest values, best first (ties: lower column).
private func topIndices(_ s: UnsafeBufferPointer<Float>, row: Int, width: Int, count: Int, excluding: Int) -> [Int] {
    var best: [(value: Float, column: Int)] = []
    best.reserveCapacity(count + 1)
    let base = row * width
    for column in 0..<width where column != excluding {
        let value = s[base + column]
        if best.count == count, let last = best.last, value <= last.value { continue }
        var at = best.count
        while at > 0 && best[at - 1].value < value { at -= 1 }
        best.insert((value, column), at: at)
        if best.count > count { best.removeLast() }
    }
    return best.map(\.column)
}

/// Rows `rows` of a `(N, width)` tensor, as `(rows.count, width)`.
private func gatherRows(_ tensor: Tensor, _ rows: [Int], width: Int) -> Tensor {
    var out = Tensor(uninitializedShape: [rows.count, width])
    tensor.withUnsafeBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
            for (i, row) in rows.enumerated() {
                for j in 0..<width { target[i * width + j] = source[row * width + j] }
            }
        }
    }
    return out
}

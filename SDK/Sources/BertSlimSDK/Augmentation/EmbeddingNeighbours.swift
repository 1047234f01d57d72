import SlimTensor

/// For words of a text, their nearest neighbours in a teacher's input word-embedding table: what
/// the augmenters use where the papers use resources that are not available offline — a POS
/// tagger (Tang et al.), a masked language model or GloVe (TinyBERT) (SDK 1.3).
///
/// A candidate is a token of the vocabulary that is a whole word of letters (not a `##`
/// continuation, not a special token). A word the tokenizer reads as one candidate token is
/// represented by that token's row; with `multiPieceWords`, a word of letters that the
/// tokenizer splits into several pieces is represented by the mean of its pieces' rows. Its
/// neighbours are the `count` candidates (other than itself) whose rows have the largest cosine
/// similarity with that vector. Neighbours in a model's input table tend to share the word's
/// distributional class — and so mostly its part of speech (adjectives near adjectives: "good"
/// → "great", "bad", "decent") — though they also carry meaning, including antonyms. The
/// teacher labels every augmented text, so a replacement that flips the sentiment gets the label
/// the teacher gives it.
public final class EmbeddingNeighbours {
    private let tokenizer: WordPieceTokenizer
    private let embeddings: Tensor
    /// Unit-length rows of the candidate tokens, `(C, D)`, and their ids.
    private let candidates: Tensor
    private let candidateIDs: [Int32]
    /// Token id → row in `candidates`.
    private let candidateRow: [Int32: Int]
    private let count: Int
    private let multiPieceWords: Bool
    /// Word (as written) → its neighbours (empty: none), once prepared.
    private var table: [String: [String]] = [:]

    /// - Parameters:
    ///   - embeddings: the teacher's word-embedding table, `(V, D)`, rows indexed by token id.
    ///   - tokenizer: the teacher's tokenizer (its vocabulary has V or fewer tokens).
    ///   - count: neighbours per word (k).
    ///   - multiPieceWords: whether words split into several pieces get neighbours too.
    ///   - component: how errors name the caller.
    /// - Throws: ``ComponentError`` when the table is smaller than the vocabulary.
    public init(embeddings: Tensor, tokenizer: WordPieceTokenizer, count: Int, multiPieceWords: Bool = false,
                component: String) throws {
        let tokens = tokenizer.vocabulary.tokens
        guard embeddings.rank == 2, embeddings.shape[0] >= tokens.count else {
            throw ComponentError(component, "the teacher's word embeddings \(embeddings.shape) have fewer rows than its vocabulary's \(tokens.count) tokens")
        }
        self.tokenizer = tokenizer
        self.embeddings = embeddings
        self.count = count
        self.multiPieceWords = multiPieceWords
        let ids = tokens.indices.filter { Self.isWord(tokens[$0]) }.map(Int32.init)
        candidates = unitRows(embeddings, ids.map(Int.init))
        candidateIDs = ids
        candidateRow = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, $0.offset) })
    }

    /// A whole-word token of letters: what may replace a word.
    public static func isWord(_ token: String) -> Bool {
        !token.isEmpty && !token.hasPrefix(Vocabulary.continuationPrefix) && token.allSatisfy(\.isLetter)
    }

    /// The neighbours of `word`, best first (empty when it has none). Call ``prepare(_:)``
    /// first for every word, so that the table is built in blocks.
    public func neighbours(of word: String) -> [String] { table[word] ?? [] }

    /// Finds the neighbours of every word in `words` not seen before: one GEMM of their unit
    /// vectors against all candidates per block of 512 words, then the top `count` of each row.
    public func prepare(_ words: Set<String>) {
        var queries: [(word: String, pieces: [Int], own: Int?)] = []
        for word in words.sorted() where table[word] == nil {
            table[word] = []
            guard word.allSatisfy(\.isLetter) else { continue }
            let pieces = tokenizer.encode(word, maxLength: 32).ids.dropFirst().dropLast().map(Int.init)
            if pieces.count == 1, let row = candidateRow[Int32(pieces[0])] {
                queries.append((word, pieces, row))
            } else if multiPieceWords, pieces.count > 1, pieces.count < 30,
                      !pieces.contains(where: { tokenizer.vocabulary.tokens[$0] == tokenizer.specialTokens.unknown }) {
                queries.append((word, pieces, nil))
            }
        }
        let (c, width) = (candidates.shape[0], candidates.shape[1])
        guard c > 1 else { return }
        let keep = min(count, c - 1)
        for start in stride(from: 0, to: queries.count, by: 512) {
            let block = Array(queries[start..<min(start + 512, queries.count)])
            let rows = queryRows(block.map(\.pieces), width: width)
            let similarity = withoutGradient { matmul(rows, candidates, transposeB: true) }  // (block, C)
            similarity.withUnsafeBufferPointer { s in
                for (q, query) in block.enumerated() {
                    table[query.word] = topIndices(s, row: q, width: c, count: keep, excluding: query.own ?? -1)
                        .map { tokenizer.vocabulary.tokens[Int(candidateIDs[$0])] }
                }
            }
        }
    }

    /// Unit-length mean of each query's piece rows, `(queries, width)`.
    private func queryRows(_ queries: [[Int]], width: Int) -> Tensor {
        var out = Tensor.zeros([queries.count, width])
        embeddings.withUnsafeBufferPointer { e in
            out.withUnsafeMutableBufferPointer { r in
                for (i, pieces) in queries.enumerated() {
                    for piece in pieces { for j in 0..<width { r[i * width + j] += e[piece * width + j] } }
                    normalize(r, offset: i * width, width: width)
                }
            }
        }
        return out
    }
}

/// Rows `rows` of a `(N, width)` tensor scaled to unit length, as `(rows.count, width)`.
private func unitRows(_ tensor: Tensor, _ rows: [Int]) -> Tensor {
    let width = tensor.shape[1]
    var out = Tensor(uninitializedShape: [rows.count, width])
    tensor.withUnsafeBufferPointer { source in
        out.withUnsafeMutableBufferPointer { target in
            for (i, row) in rows.enumerated() {
                for j in 0..<width { target[i * width + j] = source[row * width + j] }
                normalize(target, offset: i * width, width: width)
            }
        }
    }
    return out
}

/// Scales `width` values at `offset` to unit length (zeros stay zeros).
private func normalize(_ values: UnsafeMutableBufferPointer<Float>, offset: Int, width: Int) {
    var norm: Float = 0
    for j in 0..<width { norm += values[offset + j] * values[offset + j] }
    let scale = norm > 0 ? 1 / norm.squareRoot() : 0
    for j in 0..<width { values[offset + j] *= scale }
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

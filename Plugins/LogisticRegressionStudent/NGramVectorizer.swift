import BertSlimSDK
import Foundation

/// Turns texts into sparse bag-of-n-gram vectors, with a vocabulary and IDF weights fitted
/// on a training set.
///
/// Words are maximal runs of letters, digits and apostrophes, lower-cased; n-grams are runs
/// of 1…`maxN` consecutive words. The vocabulary keeps n-grams found in at least `minCount`
/// training texts, the `maxFeatures` most frequent of them (ties broken alphabetically).
/// Weights, per text and n-gram j with count c_j:
/// - `tfidf`: `c_j · idf_j` with the smoothed `idf_j = ln((1 + N)/(1 + df_j)) + 1`
///   (scikit-learn's `TfidfVectorizer` default), N training texts, df_j of them holding j;
/// - `binary`: 1 where the n-gram occurs.
/// Each vector is then scaled to unit L2 norm.
struct NGramVectorizer {
    enum Weighting: String, Decodable, CaseIterable { case tfidf, binary }

    let maxN: Int
    let weighting: Weighting
    /// N-gram → column.
    let index: [String: Int32]
    /// Column → n-gram.
    let terms: [String]
    /// Column → IDF (all 1 for `binary`).
    let idf: [Float]

    var width: Int { terms.count }

    /// An empty vectorizer (no columns), for a student about to be loaded.
    init(maxN: Int, weighting: Weighting) {
        self.init(maxN: maxN, weighting: weighting, terms: [], idf: [])
    }

    /// A vectorizer with a given vocabulary (as read back from a saved model).
    init(maxN: Int, weighting: Weighting, terms: [String], idf: [Float]) {
        precondition(terms.count == idf.count, "\(terms.count) terms, \(idf.count) IDF values")
        self.maxN = maxN
        self.weighting = weighting
        self.terms = terms
        self.idf = idf
        index = Dictionary(terms.enumerated().map { ($0.element, Int32($0.offset)) }, uniquingKeysWith: { a, _ in a })
    }

    /// Fits the vocabulary and IDF weights on `texts`.
    init(fitting texts: [String], maxN: Int, minCount: Int, maxFeatures: Int, weighting: Weighting) {
        var documentFrequency: [String: Int] = [:]
        for text in texts {
            for gram in Set(Self.ngrams(Self.words(text), maxN: maxN)) { documentFrequency[gram, default: 0] += 1 }
        }
        let kept = documentFrequency.filter { $0.value >= minCount }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(maxFeatures)
        let n = Double(texts.count)
        let terms = kept.map(\.key)
        let idf = kept.map { weighting == .tfidf ? Float(log((1 + n) / (1 + Double($0.value))) + 1) : 1 }
        self.init(maxN: maxN, weighting: weighting, terms: terms, idf: idf)
    }

    /// The sparse, L2-normalised vector of `text` (columns ascending).
    func vector(_ text: String) -> SparseRow {
        var counts: [Int32: Float] = [:]
        for gram in Self.ngrams(Self.words(text), maxN: maxN) {
            if let column = index[gram] { counts[column, default: 0] += 1 }
        }
        let columns = counts.keys.sorted()
        var values = columns.map { column -> Float in
            weighting == .binary ? 1 : counts[column]! * idf[Int(column)]
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { values = values.map { $0 / norm } }
        return SparseRow(columns: columns, values: values)
    }

    /// Lower-cased runs of letters, digits and apostrophes.
    static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber || character == "'" {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Every run of 1…maxN consecutive words, joined by spaces.
    static func ngrams(_ words: [String], maxN: Int) -> [String] {
        var grams: [String] = []
        for n in 1...max(maxN, 1) where n <= words.count {
            for start in 0...(words.count - n) { grams.append(words[start..<start + n].joined(separator: " ")) }
        }
        return grams
    }
}

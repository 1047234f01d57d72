// Based on: Wu et al. 2016, Google's Neural Machine Translation System (WordPiece), as BERT
// applies it (Devlin et al. 2019): greedy longest-match-first over each word.

extension Vocabulary {
    /// Appends the WordPiece ids of one word: at each position the longest vocabulary entry
    /// that matches (with `##` in front after the first piece). A word that cannot be covered,
    /// or that has more than `maxCharacters` characters, becomes `unknownID` as a whole.
    /// - Parameters:
    ///   - word: the word's UTF-8 bytes (already normalised).
    ///   - scalarCount: its length in Unicode scalars (the unit of `maxCharacters`).
    @inline(__always)
    func appendWordPieces(of word: UnsafeBufferPointer<UInt8>, scalarCount: Int, maxCharacters: Int,
                          unknownID: Int32, into ids: inout [Int32]) {
        if scalarCount > maxCharacters {
            ids.append(unknownID)
            return
        }
        // Whole-word hits are the common case; try them before the general loop.
        let whole = wordStarts.id(word)
        if whole >= 0 {
            ids.append(whole)
            return
        }
        let firstPiece = ids.count
        let n = word.count
        var start = 0
        while start < n {
            let table = start == 0 ? wordStarts : continuations
            var end = min(n, start + table.maxKeyLength)
            while end < n && isContinuationByte(word[end]) { end -= 1 }
            var id: Int32 = -1
            while end > start {
                id = table.id(UnsafeBufferPointer(rebasing: word[start..<end]))
                if id >= 0 { break }
                end -= 1
                while end > start && isContinuationByte(word[end]) { end -= 1 }
            }
            if id < 0 {
                ids.removeSubrange(firstPiece...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}

/// A UTF-8 byte that continues a scalar (10xxxxxx): never a place to cut a word.
@inline(__always)
func isContinuationByte(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }

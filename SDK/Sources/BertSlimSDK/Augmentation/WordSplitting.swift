/// The words augmentation rules act on: runs of characters between whitespace, with each
/// punctuation mark or symbol a word of its own ("friends," → "friends", ","), as BERT's basic
/// tokenizer splits them. An augmented text is its words joined by single spaces, which the
/// teacher's tokenizer reads exactly as it reads the original (SDK 1.3).
public func augmentationWords(of text: String) -> [String] {
    var words: [String] = []
    var current = ""
    for character in text {
        if character.isWhitespace {
            if !current.isEmpty { words.append(current); current = "" }
        } else if character.isPunctuation || character.isSymbol {
            if !current.isEmpty { words.append(current); current = "" }
            words.append(String(character))
        } else {
            current.append(character)
        }
    }
    if !current.isEmpty { words.append(current) }
    return words
}

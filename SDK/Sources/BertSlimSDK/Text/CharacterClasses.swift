// The character classes of BERT's basic tokenisation, defined to give exactly the same
// answers as Hugging Face `tokenizers` (BertNormalizer + BertPreTokenizer) for every code
// point; Tests/BertSlimSDKTests/Fixtures/unicode-sweep.txt checks all 1,112,064 of them.

/// What basic tokenisation does with one ASCII byte.
enum ASCIIClass: UInt8 {
    /// NUL and the C0 controls other than tab/newline/return, and DEL: removed.
    case drop
    /// Tab, newline, return, space: end the current word.
    case space
    /// `!"#$%&'()*+,-./:;<=>?@[\]^_` and `{|}~`: a word of their own.
    case punctuation
    /// Letters, digits: part of a word.
    case word
}

/// `ASCIIClass` for each byte below 0x80.
let asciiClasses: [ASCIIClass] = (0..<128).map { (byte: Int) -> ASCIIClass in
    switch byte {
    case 9, 10, 13, 32: return .space
    case 0..<32, 127: return .drop
    // BERT's punctuation includes every ASCII non-alphanumeric, so symbols such as `$`, `+`
    // and `^` (Unicode Sc/Sm/Sk, not P*) split words too.
    case 33...47, 58...64, 91...96, 123...126: return .punctuation
    default: return .word
    }
}

extension Unicode.Scalar {
    /// Whitespace for BERT: the Unicode White_Space property, which covers tab, newline
    /// and return.
    var isBertWhitespace: Bool {
        value == 9 || value == 10 || value == 13 || properties.isWhitespace
    }

    /// Removed by BERT's text cleaning: NUL, U+FFFD and the "other" categories Cc, Cf, Co, Cs
    /// (not Cn, so unassigned code points survive), except tab, newline and return.
    var isBertRemoved: Bool {
        if value == 0 || value == 0xFFFD { return true }
        if value == 9 || value == 10 || value == 13 { return false }
        switch legacyCategory {
        case .control?, .format?, .privateUse?, .surrogate?: return true
        default: return false
        }
    }

    /// Split off as its own word: ASCII punctuation and symbols, and Unicode P* (as of 8.0).
    var isBertPunctuation: Bool {
        if value < 128 { return asciiClasses[Int(value)] == .punctuation }
        switch legacyCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// Dropped when stripping accents (after NFD): a nonspacing mark (Mn, as of 8.0).
    var isBertAccent: Bool { legacyCategory == .nonspacingMark }

    /// BERT's "Chinese character" ranges: the CJK Unified Ideographs blocks and the
    /// compatibility ideographs (not Hiragana, Katakana or Hangul, which are ordinary letters).
    var isBertCJK: Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// The general category as Unicode 8.0 assigned it, or nil for a code point that 8.0 left
    /// unassigned. `tokenizers` decides "control", "accent" and "punctuation" with Unicode 8.0
    /// tables (the `unicode_categories` crate), so a mark, format or punctuation character
    /// added later is an ordinary letter there, and so it must be here, or ids would differ.
    var legacyCategory: Unicode.GeneralCategory? {
        if let category = Unicode.Scalar.categoriesChangedSince8[value] { return category }
        guard let age = properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
        return properties.generalCategory
    }

    /// Code points assigned by 8.0 whose category changed since, as `tokenizers` still
    /// classifies them. Found by the code point sweep, which also flags any further change a
    /// newer Swift runtime brings.
    private static let categoriesChangedSince8: [UInt32: Unicode.GeneralCategory] = [
        0x166D: .otherPunctuation, // CANADIAN SYLLABICS CHI SIGN (now So)
        0x1734: .nonspacingMark, // HANUNOO SIGN PAMUDPOD (now Mc)
        0x1885: .otherLetter, 0x1886: .otherLetter, // MONGOLIAN LETTER ALI GALI BALUDA, THREE BALUDA (now Mn)
        0xA9BD: .spacingMark, // JAVANESE CONSONANT SIGN KERET (now Mn)
        0x111C9: .otherPunctuation, // SHARADA SANDHI MARK (now Mn)
        0x1171E: .nonspacingMark, // AHOM CONSONANT SIGN MEDIAL RA (now Mc)
    ]
}

internal import Foundation

/// BERT's basic tokenisation, the step before WordPiece: clean the text, put spaces around
/// CJK ideographs, lower-case and strip accents, then split at whitespace and punctuation.
/// Same options and results as Hugging Face's `BertNormalizer` + `BertPreTokenizer`.
public struct BasicTokenization: Sendable, Equatable {
    /// Remove NUL, U+FFFD and control/format characters; turn whitespace into spaces.
    public var cleanText: Bool
    /// Make every CJK ideograph a word of its own (Chinese has no spaces between words).
    public var splitsCJK: Bool
    /// Lower-case (full Unicode mapping, one character at a time).
    public var lowercase: Bool
    /// Decompose (NFD) and drop nonspacing marks: "café" → "cafe".
    public var stripAccents: Bool

    /// Options as a tokenizer configuration states them.
    /// - Parameters:
    ///   - lowercase: `do_lower_case`.
    ///   - stripAccents: `strip_accents`; nil (the usual) follows `lowercase`.
    ///   - cleanText: `clean_text`.
    ///   - splitsCJK: `tokenize_chinese_chars`.
    public init(lowercase: Bool = true, stripAccents: Bool? = nil, cleanText: Bool = true, splitsCJK: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.cleanText = cleanText
        self.splitsCJK = splitsCJK
    }

    /// Uncased BERT (`bert-base-uncased`, MiniLM): lower-case and strip accents.
    public static let uncased = BasicTokenization(lowercase: true)
    /// Cased BERT: keep case and accents.
    public static let cased = BasicTokenization(lowercase: false)

    /// The words of `text` after basic tokenisation (no special-token handling).
    public func words(_ text: String) -> [String] {
        var text = text
        var scratch: [UInt8] = []
        var words: [String] = []
        text.withUTF8 { bytes in
            forEachWord(in: bytes, scratch: &scratch) { word, _ in
                words.append(String(decoding: word, as: UTF8.self))
            }
        }
        return words
    }

    /// Calls `body` with the UTF-8 bytes and the scalar count of each word of `text`, in order.
    /// `text` must be valid UTF-8 (it comes from a `String`); `scratch` is reused memory.
    @inline(__always)
    func forEachWord(in text: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8],
                     _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        if isASCII(text) {
            asciiWords(text, scratch: &scratch, body)
        } else {
            unicodeWords(String(decoding: text, as: UTF8.self), scratch: &scratch, body)
        }
    }

    /// The common case (96% of the movie-review sentences): one table lookup per byte.
    private func asciiWords(_ text: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8],
                            _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(text.count)
        let lowercase = self.lowercase, cleanText = self.cleanText
        asciiClasses.withUnsafeBufferPointer { classes in
            for byte in text {
                switch classes[Int(byte)] {
                case .word:
                    scratch.append(lowercase && byte &- 65 < 26 ? byte | 0x20 : byte)
                case .space:
                    flush(&scratch, body)
                case .punctuation:
                    flush(&scratch, body)
                    withUnsafePointer(to: byte) { body(UnsafeBufferPointer(start: $0, count: 1), 1) }
                case .drop where cleanText:
                    break
                case .drop:
                    // Uncleaned, vertical tab and form feed are still whitespace (White_Space).
                    if byte == 11 || byte == 12 { flush(&scratch, body) } else { scratch.append(byte) }
                }
            }
        }
        flush(&scratch, body)
    }

    @inline(__always)
    private func flush(_ scratch: inout [UInt8], _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        guard !scratch.isEmpty else { return }
        scratch.withUnsafeBufferPointer { body($0, $0.count) }
        scratch.removeAll(keepingCapacity: true)
    }

    /// Everything else, in the order `BertNormalizer` applies its steps: clean, space out
    /// CJK, NFD and drop accents, lower-case; then split at whitespace and punctuation.
    private func unicodeWords(_ text: String, scratch: inout [UInt8],
                              _ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            // Most characters of a non-ASCII text are still ASCII: skip the Unicode tables.
            if scalar.value < 0x80 && asciiClasses[Int(scalar.value)] != .drop {
                cleaned.append(scalar)
                continue
            }
            if cleanText {
                if scalar.isBertRemoved { continue }
                if scalar.isBertWhitespace { cleaned.append(" "); continue }
            }
            if splitsCJK && scalar.isBertCJK {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        // NFD over the whole text, not per character, so that runs of combining marks are
        // put in canonical order exactly as the reference does.
        let normalized = stripAccents ? String(cleaned).decomposedStringWithCanonicalMapping : String(cleaned)

        scratch.removeAll(keepingCapacity: true)
        var scalarCount = 0
        var single: [UInt8] = []
        func split(_ scalar: Unicode.Scalar) {
            if scalar.value < 0x80 && asciiClasses[Int(scalar.value)] == .word {
                scratch.append(UInt8(scalar.value))
                scalarCount += 1
            } else if scalar.isBertWhitespace {
                flushWord()
            } else if scalar.isBertPunctuation {
                flushWord()
                single.removeAll(keepingCapacity: true)
                appendUTF8(scalar, to: &single)
                single.withUnsafeBufferPointer { body($0, 1) }
            } else {
                appendUTF8(scalar, to: &scratch)
                scalarCount += 1
            }
        }
        func flushWord() {
            guard scalarCount > 0 else { return }
            scratch.withUnsafeBufferPointer { body($0, scalarCount) }
            scratch.removeAll(keepingCapacity: true)
            scalarCount = 0
        }
        for scalar in normalized.unicodeScalars {
            if scalar.value < 0x80 {
                split(lowercase && scalar.value &- 65 < 26 ? Unicode.Scalar(UInt8(scalar.value) | 0x20) : scalar)
                continue
            }
            if stripAccents && scalar.isBertAccent { continue }
            if lowercase && scalar.properties.changesWhenLowercased {
                for lower in scalar.properties.lowercaseMapping.unicodeScalars { split(lower) }
            } else {
                split(scalar)
            }
        }
        flushWord()
    }
}

/// True when every byte is below 0x80, tested eight bytes at a time.
@inline(__always)
func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    var i = 0
    let raw = UnsafeRawPointer(base)
    while i + 8 <= bytes.count {
        if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
        i += 8
    }
    while i < bytes.count {
        if base[i] >= 0x80 { return false }
        i += 1
    }
    return true
}

@inline(__always)
func appendUTF8(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
    let v = scalar.value
    switch v {
    case 0..<0x80:
        bytes.append(UInt8(v))
    case 0x80..<0x800:
        bytes.append(UInt8(0xC0 | v >> 6))
        bytes.append(UInt8(0x80 | v & 0x3F))
    case 0x800..<0x10000:
        bytes.append(UInt8(0xE0 | v >> 12))
        bytes.append(UInt8(0x80 | v >> 6 & 0x3F))
        bytes.append(UInt8(0x80 | v & 0x3F))
    default:
        bytes.append(UInt8(0xF0 | v >> 18))
        bytes.append(UInt8(0x80 | v >> 12 & 0x3F))
        bytes.append(UInt8(0x80 | v >> 6 & 0x3F))
        bytes.append(UInt8(0x80 | v & 0x3F))
    }
}

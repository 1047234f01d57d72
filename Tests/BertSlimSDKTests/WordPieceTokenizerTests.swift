import BertSlimSDK
import Testing

@Suite struct WordPieceTokenizerTests {
    @Test func longestMatchFirstWithContinuations() throws {
        let tokenizer = try tinyTokenizer(["un", "##aff", "##able", "##a", "unaff", "play", "##ing", "##s"])
        #expect(tokenizer.tokenize("unaffable") == ["unaff", "##able"])
        #expect(tokenizer.tokenize("playing plays") == ["play", "##ing", "play", "##s"])
        #expect(tokenizer.tokenize("UNAFFABLE") == ["unaff", "##able"], "uncased lower-cases first")
    }

    @Test func uncoverableWordBecomesOneUnknown() throws {
        let tokenizer = try tinyTokenizer(["play", "##ing"])
        // "play" and "##ing" match, then "x" has no piece: the whole word is [UNK], not "play ##ing [UNK]".
        #expect(tokenizer.tokenize("playingx play") == ["[UNK]", "play"])
    }

    @Test(arguments: [(100, ["a"] + Array(repeating: "##a", count: 99)), (101, ["[UNK]"])])
    func wordsOverAHundredCharactersAreUnknown(length: Int, expected: [String]) throws {
        let tokenizer = try tinyTokenizer(["a", "##a"])
        #expect(tokenizer.tokenize(String(repeating: "a", count: length)) == expected)
    }

    @Test func specialTokensAroundOneAndTwoSegments() throws {
        let tokenizer = try tinyTokenizer(["hello", "world"])
        let single = tokenizer.encode("hello world", maxLength: 16)
        #expect(single.ids == [2, 5, 6, 3])
        #expect(single.tokenTypeIDs == [0, 0, 0, 0])
        #expect(single.attentionMask == [1, 1, 1, 1])
        #expect(!single.truncated)
        let pair = tokenizer.encode("hello", pair: "world world", maxLength: 16)
        #expect(pair.ids == [2, 5, 3, 6, 6, 3])
        #expect(pair.tokenTypeIDs == [0, 0, 0, 1, 1, 1])
    }

    @Test func singleSegmentIsCutAtTheEnd() throws {
        let tokenizer = try tinyTokenizer(["a", "b", "c", "d"])
        let encoding = tokenizer.encode("a b c d a b", maxLength: 5)
        #expect(encoding.ids == [2, 5, 6, 7, 3])
        #expect(encoding.truncatedCount == 3)
        #expect(encoding.truncated)
    }

    /// (first length, second length, maxLength) → kept lengths, as `tokenizers` gives them.
    @Test(arguments: [((5, 5, 10), (3, 4)), ((5, 5, 11), (4, 4)), ((10, 2, 8), (3, 2)), ((2, 10, 8), (2, 3)),
                      ((10, 10, 9), (3, 3)), ((10, 10, 4), (0, 1)), ((1, 1, 4), (0, 1)), ((3, 0, 5), (2, 0)),
                      ((4, 3, 20), (4, 3))])
    func pairsLoseTokensFromTheLongerSegmentFirst(lengths: (Int, Int, Int), kept: (Int, Int)) throws {
        let tokenizer = try tinyTokenizer(["a", "b"])
        let first = Array(repeating: "a", count: lengths.0).joined(separator: " ")
        let second = Array(repeating: "b", count: lengths.1).joined(separator: " ")
        let encoding = tokenizer.encode(first, pair: second, maxLength: lengths.2)
        #expect(encoding.ids.filter { $0 == 5 }.count == kept.0)
        #expect(encoding.ids.filter { $0 == 6 }.count == kept.1)
        #expect(encoding.truncatedCount == lengths.0 + lengths.1 - kept.0 - kept.1)
        #expect(encoding.count == kept.0 + kept.1 + 3)
    }

    @Test func literalSpecialTokensStayWhole() throws {
        let tokenizer = try tinyTokenizer(["x", "y", "[", "]", "cl", "##s"])
        #expect(tokenizer.tokenize("x[MASK]y [CLS]") == ["x", "[MASK]", "y", "[CLS]"])
        #expect(tokenizer.tokenize("[cls]") == ["[", "cl", "##s", "]"], "matching is case-sensitive, before lower-casing")
    }

    @Test func casedKeepsCaseAndAccents() throws {
        #expect(BasicTokenization.cased.words("Café NAÏVE") == ["Café", "NAÏVE"])
        #expect(BasicTokenization.uncased.words("Café NAÏVE") == ["cafe", "naive"])
        #expect(BasicTokenization(lowercase: true, stripAccents: false).words("Café") == ["café"])
        #expect(BasicTokenization.uncased.words("it's 50%-off!你好") == ["it", "'", "s", "50", "%", "-", "off", "!", "你", "好"])
        #expect(BasicTokenization.uncased.words("a\u{0}b\tc\u{200B}d") == ["ab", "cd"])
        #expect(BasicTokenization(cleanText: false).words("a\u{0}b\u{0B}c") == ["a\u{0}b", "c"])
    }

    @Test func batchIsPaddedToTheLongest() throws {
        let tokenizer = try tinyTokenizer(["a", "b"])
        let batch = tokenizer.encodeBatch(["a b a", "b", ""], maxLength: 16)
        #expect(batch.inputIDs.shape == [3, 5])
        #expect(batch.inputIDs.scalars == [2, 5, 6, 5, 3,
                                           2, 6, 3, 0, 0,
                                           2, 3, 0, 0, 0])
        #expect(batch.attentionMask.scalars == [1, 1, 1, 1, 1,
                                                1, 1, 1, 0, 0,
                                                1, 1, 0, 0, 0])
        #expect(batch.tokenTypeIDs.scalars == Array(repeating: 0, count: 15))
        #expect(batch.texts == ["a b a", "b", ""])
        #expect(batch.exampleIndices == [0, 1, 2])
        #expect(batch.labels == nil)
    }

    @Test func fixedPaddingAlsoCaps() throws {
        let tokenizer = try tinyTokenizer(["a", "b"])
        let batch = tokenizer.encodeBatch(["a b a b a", "b"], pairs: ["a", "b b"], maxLength: 64, padding: .fixed(6))
        #expect(batch.inputIDs.shape == [2, 6])
        #expect(batch.inputIDs.scalars == [2, 5, 6, 3, 5, 3,
                                           2, 6, 3, 6, 6, 3])
        #expect(batch.tokenTypeIDs.scalars == [0, 0, 0, 0, 1, 1,
                                               0, 0, 0, 1, 1, 1])
    }

    @Test func modelFolderLoadsAsUncased() throws {
        let tokenizer = try miniLMTokenizer()
        #expect(tokenizer.vocabulary.count == 30522)
        #expect((tokenizer.unknownID, tokenizer.classifierID, tokenizer.separatorID, tokenizer.paddingID) == (100, 101, 102, 0))
        #expect(tokenizer.basicTokenization == .uncased)
        // As `tokenizers` splits it.
        #expect(tokenizer.tokenize("Unaffable naïveté") == ["una", "##ffa", "##ble", "naive", "##te"])
    }
}

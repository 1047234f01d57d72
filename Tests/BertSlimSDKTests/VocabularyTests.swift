import BertSlimSDK
import Foundation
import Testing

@Suite struct VocabularyTests {
    let specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"

    @Test func idsAreLineNumbersAndCRLFIsAccepted() throws {
        try withTemporaryDirectory { dir in
            let path = try write("[PAD]\r\n[UNK]\r\nhello\r\n##lo\r\n", to: "vocab.txt", in: dir)
            let vocabulary = try Vocabulary(path: path)
            #expect(vocabulary.count == 4)
            #expect(vocabulary.id(for: "hello") == 2)
            #expect(vocabulary.id(for: "##lo") == 3)
            #expect(vocabulary.id(for: "nope") == nil)
            #expect(vocabulary.token(for: 1) == "[UNK]")
            #expect(vocabulary.token(for: 4) == nil)
        }
    }

    @Test func canonicallyEquivalentTokensAreDistinct() throws {
        let vocabulary = try Vocabulary(tokens: ["caf\u{E9}", "cafe\u{301}"])
        #expect(vocabulary.id(for: "caf\u{E9}") == 0)
        #expect(vocabulary.id(for: "cafe\u{301}") == 1)
    }

    @Test(arguments: [
        ("", "vocab.txt: empty vocabulary"),
        ("[PAD]\n\n[UNK]\n", "vocab.txt:2: empty token"),
        ("[PAD]\n[UNK]\nhello\n[UNK]\n", "vocab.txt:4: duplicate token '[UNK]' (first on line 2)"),
    ])
    func badVocabularyNamesFileAndLine(contents: String, message: String) throws {
        try withTemporaryDirectory { dir in
            let path = try write(contents, to: "vocab.txt", in: dir)
            let error = #expect(throws: TokenizerError.self) { try Vocabulary(path: path) }
            #expect(error?.description == dir + "/" + message)
        }
    }

    @Test func invalidUTF8NamesTheLine() throws {
        try withTemporaryDirectory { dir in
            let path = try write(Array("[PAD]\nok\n".utf8) + [0x66, 0xFF, 0x0A] + Array("[UNK]\n".utf8), to: "vocab.txt", in: dir)
            let error = #expect(throws: TokenizerError.self) { try Vocabulary(path: path) }
            #expect(error == .invalidUTF8(file: path, line: 3))
            #expect(error?.description == "\(path):3: invalid UTF-8")
        }
    }

    @Test func unreadableFileIsAnError() throws {
        let error = #expect(throws: TokenizerError.self) { try Vocabulary(path: "/nonexistent/vocab.txt") }
        #expect(error?.description.hasPrefix("/nonexistent/vocab.txt: cannot read") == true)
    }

    /// vocab.txt or tokenizer_config.json linked to /dev/zero used to be read until memory
    /// ran out, or reported as a permission problem.
    @Test(arguments: ["vocab.txt", "tokenizer_config.json"])
    func aDeviceInPlaceOfATokenizerFileIsNamed(file: String) throws {
        try withTemporaryDirectory { dir in
            try write(specials + "a\n", to: "vocab.txt", in: dir)
            try? FileManager.default.removeItem(atPath: dir + "/" + file)
            try FileManager.default.createSymbolicLink(atPath: dir + "/" + file, withDestinationPath: "/dev/zero")
            let error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(directory: dir) }
            #expect(error?.description == "\(dir)/\(file): cannot read: not a regular file (it is a character device)")
        }
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstToken() throws {
        try withTemporaryDirectory { dir in
            let path = try write([0xEF, 0xBB, 0xBF] + Array("[PAD]\n[UNK]\n".utf8), to: "vocab.txt", in: dir)
            #expect(try Vocabulary(path: path).tokens == ["[PAD]", "[UNK]"])
        }
    }

    @Test(arguments: ["[UNK]", "[CLS]", "[SEP]", "[PAD]"])
    func missingSpecialTokenIsNamed(missing: String) throws {
        try withTemporaryDirectory { dir in
            let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a"].filter { $0 != missing }
            let path = try write(tokens.joined(separator: "\n"), to: "vocab.txt", in: dir)
            let error = #expect(throws: TokenizerError.self) { try WordPieceTokenizer(directory: dir) }
            #expect(error == .missingSpecialToken(file: path, token: missing))
            #expect(error?.description == "\(path): special token '\(missing)' is not in the vocabulary")
        }
    }

    @Test func configurationSetsCaseAndSpecialTokens() throws {
        try withTemporaryDirectory { dir in
            try write(specials + "<mask>\nHello\n", to: "vocab.txt", in: dir)
            try write(#"{"do_lower_case": false, "tokenize_chinese_chars": false, "mask_token": {"content": "<mask>", "lstrip": true}, "model_max_length": 1000000000000000019884624838656}"#,
                      to: "tokenizer_config.json", in: dir)
            let tokenizer = try WordPieceTokenizer(directory: dir)
            #expect(tokenizer.basicTokenization == BasicTokenization(lowercase: false, splitsCJK: false))
            #expect(tokenizer.specialTokens.mask == "<mask>")
            #expect(tokenizer.tokenize("Hello <mask>") == ["Hello", "<mask>"])
            #expect(try TokenizerConfiguration(path: dir + "/tokenizer_config.json").modelMaxLength == nil)
        }
    }

    @Test(arguments: [
        ("{\"do_lower_case\": 1}", "do_lower_case: expected true, false or null, got a number"),
        ("{\"strip_accents\": \"yes\"}", "strip_accents: expected true, false or null, got a string"),
        ("{\"unk_token\": 5}", "unk_token: expected a token string, got a number"),
        ("{\"cls_token\": {\"lstrip\": true}}", "cls_token.content: expected a token string"),
        ("{\"do_basic_tokenize\": false}", "do_basic_tokenize: false is not supported (BertSlim always runs basic tokenisation)"),
        ("{\"do_lower_case\": tru", "(file): not a JSON object"),
        ("[1, 2]", "(file): not a JSON object"),
    ])
    func badConfigurationNamesFileAndKey(json: String, message: String) throws {
        try withTemporaryDirectory { dir in
            let path = try write(json, to: "tokenizer_config.json", in: dir)
            let error = #expect(throws: TokenizerError.self) { try TokenizerConfiguration(path: path) }
            #expect(error?.description == "\(path): \(message)")
        }
    }
}

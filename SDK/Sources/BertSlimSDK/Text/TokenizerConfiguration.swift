internal import Foundation

/// The settings BertSlim reads from a Hugging Face `tokenizer_config.json`; other keys in
/// that file belong to other tools and are ignored.
public struct TokenizerConfiguration: Sendable, Equatable {
    /// Normalisation (`do_lower_case`, `strip_accents`, `tokenize_chinese_chars`).
    public var basicTokenization: BasicTokenization
    /// Special token names (`unk_token`, `cls_token`, `sep_token`, `pad_token`, `mask_token`;
    /// `tokenizer_class` `MPNetTokenizer` takes MPNet's defaults and its two separators between pairs).
    public var specialTokens: SpecialTokens
    /// `model_max_length`, when the file gives a usable one.
    public var modelMaxLength: Int?

    /// A configuration from its parts.
    public init(basicTokenization: BasicTokenization = .uncased, specialTokens: SpecialTokens = .bert,
                modelMaxLength: Int? = nil) {
        self.basicTokenization = basicTokenization
        self.specialTokens = specialTokens
        self.modelMaxLength = modelMaxLength
    }

    /// Reads `tokenizer_config.json`. Missing keys take BERT's defaults (uncased).
    /// - Throws: `TokenizerError` naming the file and key for unreadable or malformed JSON,
    ///   a value of the wrong type, or `do_basic_tokenize: false` (not supported).
    public init(path: String) throws {
        let file = path
        let data: Data
        do { data = Data(try RegularFile.contents(of: path, limit: 1 << 26)) } catch let error as FileReadError {
            throw TokenizerError.unreadable(file: file, reason: error.reason)
        }
        guard case let .object(json)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw TokenizerError.invalidConfiguration(file: file, key: "(file)", reason: "not a JSON object")
        }

        func bool(_ key: String) throws -> Bool? {
            switch json[key] {
            case nil, .null?: return nil
            case let .bool(value)?: return value
            case let other?:
                throw TokenizerError.invalidConfiguration(file: file, key: key, reason: "expected true, false or null, got \(other.kind)")
            }
        }
        func token(_ key: String) throws -> String? {
            switch json[key] {
            case nil, .null?: return nil
            case let .string(name)?: return name
            // Newer files write added tokens as objects: {"content": "[UNK]", ...}.
            case let .object(fields)?:
                if case let .string(name)? = fields["content"] { return name }
                throw TokenizerError.invalidConfiguration(file: file, key: key + ".content", reason: "expected a token string")
            case let other?:
                throw TokenizerError.invalidConfiguration(file: file, key: key, reason: "expected a token string, got \(other.kind)")
            }
        }

        if try bool("do_basic_tokenize") == false {
            throw TokenizerError.invalidConfiguration(file: file, key: "do_basic_tokenize",
                                                      reason: "false is not supported (BertSlim always runs basic tokenisation)")
        }
        let lowercase = try bool("do_lower_case") ?? true
        basicTokenization = BasicTokenization(lowercase: lowercase, stripAccents: try bool("strip_accents"),
                                              splitsCJK: try bool("tokenize_chinese_chars") ?? true)
        let mpnet: Bool
        switch json["tokenizer_class"] {
        case nil, .null?: mpnet = false
        case let .string(name)?: mpnet = name == "MPNetTokenizer" || name == "MPNetTokenizerFast"
        case let other?:
            throw TokenizerError.invalidConfiguration(file: file, key: "tokenizer_class", reason: "expected a string, got \(other.kind)")
        }
        let defaults = mpnet ? SpecialTokens.mpnet : SpecialTokens.bert
        specialTokens = SpecialTokens(unknown: try token("unk_token") ?? defaults.unknown,
                                      classifier: try token("cls_token") ?? defaults.classifier,
                                      separator: try token("sep_token") ?? defaults.separator,
                                      padding: try token("pad_token") ?? defaults.padding,
                                      mask: try token("mask_token") ?? defaults.mask)
        specialTokens.pairSeparators = defaults.pairSeparators
        // Files without a limit store a huge placeholder (1e30); only a real length counts.
        switch json["model_max_length"] {
        case let .integer(value)? where (1...1_000_000).contains(value): modelMaxLength = value
        case let .number(value)? where value >= 1 && value <= 1_000_000: modelMaxLength = Int(value)
        default: modelMaxLength = nil
        }
    }
}

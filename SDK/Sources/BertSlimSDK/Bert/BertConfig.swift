internal import Foundation

/// The architecture of a BERT model, read from and written to a Hugging Face `config.json`.
///
/// Each layer may have its own head count and FFN width after structured pruning. Heads are
/// recorded as transformers does (`pruned_heads`: layer → original indices removed), so the
/// export reloads in transformers; per-layer FFN widths, which transformers cannot express,
/// go in `bertslim_intermediate_sizes`.
public struct BertConfig: Equatable, Sendable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    /// Heads per layer before pruning.
    public var numAttentionHeads: Int
    /// FFN width of every layer (Hugging Face's `intermediate_size`), unless
    /// ``intermediateSizes`` gives each layer its own.
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var hiddenDropoutProb: Float
    public var attentionProbsDropoutProb: Float
    public var padTokenID: Int
    /// Layer → original indices of the heads removed from it.
    public var prunedHeads: [Int: [Int]]
    /// FFN width per layer (nil: every layer has `intermediateSize`).
    public var intermediateSizes: [Int]?
    /// FFN width before neuron pruning (`bertslim_original_intermediate_size`; nil: not pruned).
    public var originalIntermediateSize: Int?
    /// Class names in id order (empty: no classification head).
    public var labels: [String]

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / numAttentionHeads }
    /// The heads layer `layer` still has, as original indices in ascending order.
    public func remainingHeads(layer: Int) -> [Int] {
        let removed = Set(prunedHeads[layer] ?? [])
        return (0..<numAttentionHeads).filter { !removed.contains($0) }
    }
    /// Head count of layer `layer`.
    public func heads(layer: Int) -> Int { remainingHeads(layer: layer).count }
    /// FFN width of layer `layer`.
    public func intermediateSize(layer: Int) -> Int { intermediateSizes?[layer] ?? intermediateSize }

    /// A configuration from its parts (the usual BERT defaults for the rest).
    public init(vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                intermediateSize: Int, maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2,
                layerNormEps: Float = 1e-12, hiddenDropoutProb: Float = 0.1,
                attentionProbsDropoutProb: Float = 0.1, padTokenID: Int = 0,
                prunedHeads: [Int: [Int]] = [:], intermediateSizes: [Int]? = nil, labels: [String] = []) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.hiddenDropoutProb = hiddenDropoutProb
        self.attentionProbsDropoutProb = attentionProbsDropoutProb
        self.padTokenID = padTokenID
        self.prunedHeads = prunedHeads
        self.intermediateSizes = intermediateSizes
        self.labels = labels
    }
}

extension BertConfig {
    /// The largest `config.json` read (bytes): far above any real one, and a guard against
    /// a path that names something endless.
    public static let fileSizeLimit = 64 << 20

    /// Reads a Hugging Face `config.json`.
    /// - Throws: `BertError` naming the file and the missing or invalid key.
    public init(path file: String) throws {
        let data: Data
        do { data = Data(try RegularFile.contents(of: file, limit: Self.fileSizeLimit)) } catch let error as FileReadError {
            throw BertError.unreadable(file: file, reason: error.reason)
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: data), let object = parsed as? [String: Any] else {
            throw BertError.unreadable(file: file, reason: "not a JSON object")
        }
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            guard let raw = object[key] else {
                guard let value else { throw BertError.missingKey(file: file, key: key) }
                return value
            }
            // JSON true/false arrive as NSNumber too; they are not sizes.
            guard let value = raw as? Int, value >= 0, !isJSONBoolean(raw) else {
                throw BertError.invalidValue(file: file, key: key, reason: "expected a non-negative integer, got \(describeJSON(raw))")
            }
            return value
        }
        func float(_ key: String, default value: Float) throws -> Float {
            guard let raw = object[key] else { return value }
            guard let number = raw as? NSNumber, !isJSONBoolean(raw) else {
                throw BertError.invalidValue(file: file, key: key, reason: "expected a number, got \(describeJSON(raw))")
            }
            return number.floatValue
        }
        func optionalInt(_ key: String) throws -> Int? { object[key] == nil ? nil : try int(key) }
        func intermediateSizes() throws -> [Int]? {
            guard let raw = object["bertslim_intermediate_sizes"] else { return nil }
            guard let list = raw as? [Any], let sizes = list.map({ $0 as? Int }) as? [Int], !list.contains(where: isJSONBoolean) else {
                throw BertError.invalidValue(file: file, key: "bertslim_intermediate_sizes",
                                             reason: "expected a list of integers, got \(describeJSON(raw))")
            }
            return sizes
        }
        if let act = object["hidden_act"] as? String, act != "gelu" {
            throw BertError.invalidValue(file: file, key: "hidden_act", reason: "only 'gelu' (erf) is supported, got '\(act)'")
        }
        if let kind = object["position_embedding_type"] as? String, kind != "absolute" {
            throw BertError.invalidValue(file: file, key: "position_embedding_type", reason: "only 'absolute' is supported, got '\(kind)'")
        }
        var pruned: [Int: [Int]] = [:]
        if let raw = object["pruned_heads"] {
            guard let dict = raw as? [String: Any] else {
                throw BertError.invalidValue(file: file, key: "pruned_heads", reason: "expected an object layer → [heads]")
            }
            for (layer, heads) in dict {
                guard let index = Int(layer), let list = heads as? [Any], let numbers = list.map({ $0 as? Int }) as? [Int] else {
                    throw BertError.invalidValue(file: file, key: "pruned_heads.\(layer)", reason: "expected a list of head indices")
                }
                pruned[index] = numbers.sorted()
            }
        }
        var labels: [String] = []
        if let raw = object["id2label"] as? [String: String] {
            let pairs = try raw.map { key, value -> (Int, String) in
                guard let id = Int(key) else {
                    throw BertError.invalidValue(file: file, key: "id2label.\(key)", reason: "label ids must be integers")
                }
                return (id, value)
            }.sorted { $0.0 < $1.0 }
            guard pairs.map(\.0) == Array(0..<pairs.count) else {
                throw BertError.invalidValue(file: file, key: "id2label", reason: "ids must be 0..<\(pairs.count)")
            }
            labels = pairs.map(\.1)
        }
        let isClassifier = (object["architectures"] as? [String])?.contains("BertForSequenceClassification") ?? false
        if !isClassifier { labels = [] }
        self.init(
            vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
            numHiddenLayers: try int("num_hidden_layers"), numAttentionHeads: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            maxPositionEmbeddings: try int("max_position_embeddings", default: 512),
            typeVocabSize: try int("type_vocab_size", default: 2),
            layerNormEps: try float("layer_norm_eps", default: 1e-12),
            hiddenDropoutProb: try float("hidden_dropout_prob", default: 0.1),
            attentionProbsDropoutProb: try float("attention_probs_dropout_prob", default: 0.1),
            padTokenID: try int("pad_token_id", default: 0), prunedHeads: pruned,
            intermediateSizes: try intermediateSizes(),
            labels: labels)
        originalIntermediateSize = try optionalInt("bertslim_original_intermediate_size")
        try validate(file: file)
    }

    /// The Hugging Face `config.json` for this architecture.
    public func jsonObject() -> [String: Any] {
        var object: [String: Any] = [
            "model_type": "bert", "vocab_size": vocabSize, "hidden_size": hiddenSize,
            "num_hidden_layers": numHiddenLayers, "num_attention_heads": numAttentionHeads,
            "intermediate_size": intermediateSize, "max_position_embeddings": maxPositionEmbeddings,
            "type_vocab_size": typeVocabSize, "layer_norm_eps": layerNormEps, "hidden_act": "gelu",
            "hidden_dropout_prob": hiddenDropoutProb, "attention_probs_dropout_prob": attentionProbsDropoutProb,
            "pad_token_id": padTokenID, "position_embedding_type": "absolute",
            "initializer_range": 0.02,
            "architectures": [labels.isEmpty ? "BertModel" : "BertForSequenceClassification"],
        ]
        if !prunedHeads.isEmpty {
            object["pruned_heads"] = Dictionary(uniqueKeysWithValues: prunedHeads.map { (String($0.key), $0.value) })
        }
        if let intermediateSizes { object["bertslim_intermediate_sizes"] = intermediateSizes }
        if let originalIntermediateSize { object["bertslim_original_intermediate_size"] = originalIntermediateSize }
        if !labels.isEmpty {
            object["id2label"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { (String($0.offset), $0.element) })
            object["label2id"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, $0.offset) })
            object["num_labels"] = labels.count
        }
        return object
    }

    /// Writes `config.json` (sorted keys, pretty).
    public func write(to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: jsonObject(), options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Whether a value from `JSONSerialization` was written `true` or `false` (Foundation hands
/// booleans over as numbers that also cast to `Int`).
func isJSONBoolean(_ value: Any) -> Bool {
    String(describing: type(of: value)).contains("Boolean")
}

/// A JSON value as an error message shows it: strings quoted and called strings, so that
/// `"384"` does not read as the number 384.
func describeJSON(_ value: Any) -> String {
    switch value {
    case let text as String: return "the string \"\(text)\""
    case _ where isJSONBoolean(value): return "\(value as? Bool == true)"
    case is [Any]: return "a list"
    case is [String: Any]: return "an object"
    case is NSNull: return "null"
    default: return "\(value)"
    }
}

internal import Foundation

/// The architecture of a BERT model, read from and written to a Hugging Face `config.json`.
///
/// Each layer may have its own head count and FFN width after structured pruning. Heads are
/// recorded as transformers does (`pruned_heads`: layer → original indices removed), so the
/// export reloads in transformers; per-layer FFN widths, which transformers cannot express,
/// go in `bertslim_intermediate_sizes`.
public struct BertConfig: Equatable, Sendable {
    /// The encoder variant (`model_type`): BERT, or MPNet's variant of it.
    public var modelType: ModelType = .bert
    /// MPNet's relative-position buckets (`relative_attention_num_buckets`; 0 for BERT).
    public var relativeAttentionNumBuckets = 0
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

    /// The encoders BertSlim runs: BERT, and MPNet (Song et al. 2020), which differs from it in
    /// a learned relative-position bias added to every layer's attention scores (T5-style log
    /// buckets, one table shared by the layers), position ids that start after the padding id,
    /// no token-type embeddings, and its tensor names.
    public enum ModelType: String, Sendable {
        case bert, mpnet
    }

    /// The longest batch the position table covers: `max_position_embeddings` for BERT; for
    /// MPNet, whose positions start at `pad_token_id + 1`, that many fewer.
    public var maxSequenceLength: Int {
        modelType == .mpnet ? max(0, maxPositionEmbeddings - padTokenID - 1) : maxPositionEmbeddings
    }

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
        let modelType: ModelType
        switch object["model_type"] {
        case nil: modelType = .bert
        case let name as String:
            guard let known = ModelType(rawValue: name) else {
                throw BertError.invalidValue(file: file, key: "model_type", reason: "unknown model type '\(name)' (BertSlim runs 'bert' and 'mpnet')")
            }
            modelType = known
        case let raw?: throw BertError.invalidValue(file: file, key: "model_type", reason: "expected a string, got \(describeJSON(raw))")
        }
        // Keys of the other variant would be silently ignored: refuse them instead.
        let foreign = modelType == .bert ? ["relative_attention_num_buckets"] : ["type_vocab_size", "position_embedding_type"]
        if let key = foreign.first(where: { object[$0] != nil }) {
            throw BertError.invalidValue(file: file, key: key, reason: "is not a field of model_type '\(modelType.rawValue)'")
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
        let isClassifier = (object["architectures"] as? [String])?.contains(modelType.classifierArchitecture) ?? false
        if !isClassifier { labels = [] }
        self.init(
            vocabSize: try int("vocab_size"), hiddenSize: try int("hidden_size"),
            numHiddenLayers: try int("num_hidden_layers"), numAttentionHeads: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"),
            maxPositionEmbeddings: try int("max_position_embeddings", default: 512),
            typeVocabSize: modelType == .mpnet ? 0 : try int("type_vocab_size", default: 2),
            layerNormEps: try float("layer_norm_eps", default: modelType == .mpnet ? 1e-5 : 1e-12),
            hiddenDropoutProb: try float("hidden_dropout_prob", default: 0.1),
            attentionProbsDropoutProb: try float("attention_probs_dropout_prob", default: 0.1),
            padTokenID: try int("pad_token_id", default: modelType == .mpnet ? 1 : 0), prunedHeads: pruned,
            intermediateSizes: try intermediateSizes(),
            labels: labels)
        originalIntermediateSize = try optionalInt("bertslim_original_intermediate_size")
        self.modelType = modelType
        if modelType == .mpnet { relativeAttentionNumBuckets = try int("relative_attention_num_buckets", default: 32) }
        try validate(file: file)
    }

    /// The Hugging Face `config.json` for this architecture.
    public func jsonObject() -> [String: Any] {
        var object: [String: Any] = [
            "model_type": modelType.rawValue, "vocab_size": vocabSize, "hidden_size": hiddenSize,
            "num_hidden_layers": numHiddenLayers, "num_attention_heads": numAttentionHeads,
            "intermediate_size": intermediateSize, "max_position_embeddings": maxPositionEmbeddings,
            "layer_norm_eps": layerNormEps, "hidden_act": "gelu",
            "hidden_dropout_prob": hiddenDropoutProb, "attention_probs_dropout_prob": attentionProbsDropoutProb,
            "pad_token_id": padTokenID, "initializer_range": 0.02,
            "architectures": [labels.isEmpty ? modelType.baseArchitecture : modelType.classifierArchitecture],
        ]
        switch modelType {
        case .bert:
            object["type_vocab_size"] = typeVocabSize
            object["position_embedding_type"] = "absolute"
        case .mpnet:
            object["relative_attention_num_buckets"] = relativeAttentionNumBuckets
        }
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

extension BertConfig.ModelType {
    /// transformers' class for the bare encoder.
    var baseArchitecture: String { self == .bert ? "BertModel" : "MPNetModel" }
    /// transformers' class for the encoder with a sequence-classification head.
    var classifierArchitecture: String { self == .bert ? "BertForSequenceClassification" : "MPNetForSequenceClassification" }
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

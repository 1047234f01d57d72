/// Checks on a config's numbers, alone and against the checkpoint beside it, so that a
/// config.json with absurd sizes (`hidden_size: 2^61`, `num_hidden_layers: 2^62`) gives an
/// error instead of an arithmetic trap or an allocation that exhausts memory.
extension BertConfig {
    /// Checks the numbers agree with each other and that the model's size is computable.
    /// - Throws: ``BertError/invalidValue(file:key:reason:)`` naming `file` and the key.
    public func validate(file: String) throws {
        let positive: [(String, Int)] = [("vocab_size", vocabSize), ("hidden_size", hiddenSize),
                                         ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                                         ("max_position_embeddings", maxPositionEmbeddings)]
            + (modelType == .bert ? [("type_vocab_size", typeVocabSize)] : [])
        for (key, value) in positive where value < 1 {
            throw BertError.invalidValue(file: file, key: key, reason: "\(value) must be at least 1")
        }
        if modelType == .mpnet {
            // The bucket function needs an exact range of at least one distance each way.
            guard relativeAttentionNumBuckets >= 4, relativeAttentionNumBuckets <= 1 << 20 else {
                throw BertError.invalidValue(file: file, key: "relative_attention_num_buckets",
                                             reason: "\(relativeAttentionNumBuckets) is not in 4...\(1 << 20)")
            }
            guard padTokenID < maxPositionEmbeddings - 1 else {
                throw BertError.invalidValue(file: file, key: "pad_token_id",
                                             reason: "\(padTokenID) leaves no positions (MPNet's start at pad_token_id + 1, below max_position_embeddings \(maxPositionEmbeddings))")
            }
        }
        for (key, rate) in [("hidden_dropout_prob", hiddenDropoutProb), ("attention_probs_dropout_prob", attentionProbsDropoutProb)]
        where !(0..<1).contains(rate) {
            throw BertError.invalidValue(file: file, key: key, reason: "\(rate) is not in 0..<1")
        }
        if !(layerNormEps > 0 && layerNormEps.isFinite) {
            throw BertError.invalidValue(file: file, key: "layer_norm_eps", reason: "\(layerNormEps) must be positive and finite")
        }
        if numHiddenLayers < 0 {
            throw BertError.invalidValue(file: file, key: "num_hidden_layers", reason: "\(numHiddenLayers) must not be negative")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw BertError.invalidValue(file: file, key: "num_attention_heads",
                                         reason: "hidden_size \(hiddenSize) is not divisible by \(numAttentionHeads) heads")
        }
        for (layer, heads) in prunedHeads {
            guard (0..<numHiddenLayers).contains(layer), heads.allSatisfy({ (0..<numAttentionHeads).contains($0) }) else {
                throw BertError.invalidValue(file: file, key: "pruned_heads.\(layer)", reason: "layer or head index out of range")
            }
        }
        if let sizes = intermediateSizes {
            if sizes.count != numHiddenLayers {
                throw BertError.invalidValue(file: file, key: "bertslim_intermediate_sizes",
                                             reason: "\(sizes.count) widths for \(numHiddenLayers) layers")
            }
            if let (layer, width) = sizes.enumerated().first(where: { $0.element < 1 }) {
                throw BertError.invalidValue(file: file, key: "bertslim_intermediate_sizes[\(layer)]", reason: "\(width) must be at least 1")
            }
        }
        guard let count = checkedParameterCount(), !count.multipliedReportingOverflow(by: MemoryLayout<Float>.size).overflow else {
            // Name the largest size: it is the one that overflowed (or the one to fix first).
            let sizes = [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                         ("intermediate_size", intermediateSize), ("max_position_embeddings", maxPositionEmbeddings),
                         ("type_vocab_size", typeVocabSize)] + (intermediateSizes ?? []).enumerated().map { ("bertslim_intermediate_sizes[\($0.offset)]", $0.element) }
            let (key, value) = sizes.max { $0.1 < $1.1 } ?? ("hidden_size", hiddenSize)
            throw BertError.invalidValue(file: file, key: key, reason: "\(value) is too large: the model's size does not fit in 64 bits")
        }
    }

    /// The number of parameter values of a model with this config, or nil when the count
    /// does not fit in an `Int`. Takes time proportional to the config's lists, not to its sizes.
    func checkedParameterCount() -> Int? {
        let h = hiddenSize, d = headSize
        func layer(heads: Int, ffn: Int) -> Int? {
            guard let inner = product(heads, d) else { return nil }
            return sum(product(3, sum(product(inner, h), inner)), product(h, inner), h, product(4, h),
                       product(ffn, h), ffn, product(h, ffn), h)
        }
        guard let base = layer(heads: numAttentionHeads, ffn: intermediateSize) else { return nil }
        var layers: Int?
        if let sizes = intermediateSizes {
            // One width per layer, so the list is as long as the layer count.
            layers = 0
            for (l, ffn) in sizes.enumerated() {
                layers = sum(layers, layer(heads: numAttentionHeads - Set(prunedHeads[l] ?? []).count, ffn: ffn))
            }
        } else {
            layers = product(base, numHiddenLayers)
            for (l, removed) in prunedHeads {
                // A pruned layer is smaller than `base`, so the difference cannot overflow.
                guard let pruned = layer(heads: numAttentionHeads - Set(removed).count, ffn: intermediateSize(layer: l)) else { return nil }
                layers = layers.map { $0 - base + pruned }
            }
        }
        let embeddings = product(sum(vocabSize, maxPositionEmbeddings, typeVocabSize), h)
        return sum(embeddings, product(2, h), layers, product(relativeAttentionNumBuckets, numAttentionHeads),
                   product(h, h), h, product(labels.count, h), labels.count)
    }

    /// Checks the config against the shapes recorded in `checkpoint` before any tensor is
    /// allocated: embedding sizes, layer count, and each layer's attention and FFN widths.
    /// After it passes, every size the model allocates is bounded by the checkpoint's own.
    /// - Parameter file: the config's path, named in the error.
    /// - Throws: ``BertError/configMismatch(file:key:value:checkpoint:found:)`` naming the key,
    ///   or ``BertError/missingTensor(file:name:)``.
    public func validate(against checkpoint: SafetensorsFile, file: String) throws {
        func shape(_ name: String) throws -> [Int] {
            let names = storedNames(of: name)
            if let entry = names.lazy.compactMap({ checkpoint.entry(named: $0) }).first { return entry.shape }
            // A pruned weight of model.sparse.safetensors.
            for stored in names { if let shape = try BertModel.csrShape(stored, in: checkpoint) { return shape } }
            throw BertError.missingTensor(file: checkpoint.path, name: names[0])
        }
        // `value` units of `unit` values each (heads of `headSize`) along `axis` of `tensor`.
        func expect(_ key: String, _ value: Int, _ tensor: String, axis: Int, unit: Int = 1) throws {
            let found = try shape(tensor)
            guard found.count == 2, found[axis] == value * unit else {
                throw BertError.configMismatch(file: file, key: key, value: value, checkpoint: checkpoint.path,
                                               found: "tensor '\(tensor)' has shape \(found)")
            }
        }
        try expect("hidden_size", hiddenSize, "embeddings.word_embeddings.weight", axis: 1)
        try expect("vocab_size", vocabSize, "embeddings.word_embeddings.weight", axis: 0)
        try expect("max_position_embeddings", maxPositionEmbeddings, "embeddings.position_embeddings.weight", axis: 0)
        switch modelType {
        case .bert: try expect("type_vocab_size", typeVocabSize, "embeddings.token_type_embeddings.weight", axis: 0)
        case .mpnet:
            try expect("relative_attention_num_buckets", relativeAttentionNumBuckets, BertModel.relativeAttentionBiasName, axis: 0)
            try expect("num_attention_heads", numAttentionHeads, BertModel.relativeAttentionBiasName, axis: 1)
        }
        let stored = Self.layerCount(in: checkpoint.names)
        guard stored == numHiddenLayers else {
            let range = stored == 0 ? "no encoder.layer.N tensors" : "\(stored) layers (encoder.layer.0 to encoder.layer.\(stored - 1))"
            throw BertError.configMismatch(file: file, key: "num_hidden_layers", value: numHiddenLayers,
                                           checkpoint: checkpoint.path, found: "it holds \(range)")
        }
        // hidden_size matched the checkpoint and is divisible by the head count, so the
        // per-layer head lists below are short.
        for l in 0..<numHiddenLayers {
            let p = "encoder.layer.\(l)."
            let ffnKey = intermediateSizes == nil ? "intermediate_size" : "bertslim_intermediate_sizes[\(l)]"
            try expect(ffnKey, intermediateSize(layer: l), p + "intermediate.dense.weight", axis: 0)
            let heads = self.heads(layer: l)
            let headsKey = prunedHeads[l] == nil ? "num_attention_heads" : "pruned_heads.\(l)"
            try expect(headsKey, heads, p + "attention.self.query.weight", axis: 0, unit: headSize)
        }
    }

    /// The number of `encoder.layer.N.` blocks among `names` (with or without `bert.` or `mpnet.`).
    static func layerCount(in names: [String]) -> Int {
        var layers = Set<Int>()
        for name in names {
            let plain = name.removingPrefix("bert.") ?? name.removingPrefix("mpnet.") ?? name
            guard plain.hasPrefix("encoder.layer.") else { continue }
            let rest = plain.dropFirst("encoder.layer.".count)
            if let index = Int(rest.prefix(while: \.isNumber)) { layers.insert(index) }
        }
        return layers.count
    }
}

/// The product of `factors`, or nil when it overflows (or a factor is nil).
private func product(_ factors: Int?...) -> Int? {
    var total = 1
    for factor in factors {
        guard let factor else { return nil }
        let (value, overflow) = total.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        total = value
    }
    return total
}

/// The sum of `terms`, or nil when it overflows (or a term is nil).
private func sum(_ terms: Int?...) -> Int? {
    var total = 0
    for term in terms {
        guard let term else { return nil }
        let (value, overflow) = total.addingReportingOverflow(term)
        if overflow { return nil }
        total = value
    }
    return total
}

/// BERT (Devlin et al. 2019): embeddings, a stack of encoder layers, a pooler and, when the
/// config names labels, a sequence-classification head. Parameter names follow Hugging
/// Face (`embeddings.word_embeddings.weight`, `encoder.layer.3.attention.self.query.weight`,
/// `pooler.dense.weight`, `classifier.weight`), so checkpoints and selectors line up with
/// the ecosystem.
///
/// The same class runs MPNet (`config.modelType == .mpnet`): no token-type embeddings, position
/// ids counted from `pad_token_id + 1` over the non-padding tokens, and a relative-position
/// bias (``relativeAttentionBias``) added to every layer's attention scores. Its parameters
/// carry BERT's names; files use MPNet's (``BertConfig/storedNames(of:)``).
public final class BertModel {
    /// The architecture, kept in step with pruning (heads, FFN widths).
    public internal(set) var config: BertConfig
    /// Token-type embeddings are `(0, hidden)` for MPNet, which has none.
    public let wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings: Parameter
    /// MPNet's relative-position bias, `(buckets, heads)` indexed by original head (one table
    /// for every layer; a layer with pruned heads reads the columns of those it keeps); nil for BERT.
    public let relativeAttentionBias: Parameter?
    public let embeddingNormWeight, embeddingNormBias: Parameter
    public internal(set) var layers: [BertLayer]
    public let poolerWeight, poolerBias: Parameter
    /// `(labels, hidden)` and `(labels)`; nil for a model without a head.
    public internal(set) var classifierWeight, classifierBias: Parameter?
    /// Draws dropout masks while training (seeded: runs are reproducible).
    public var dropoutGenerator = SeededGenerator(seed: 0)
    /// The hook behind ``linearTransform`` (its layers hold it too).
    var storedLinearTransform: (any LinearTransform)?

    /// A randomly initialised model (N(0, 0.02²) weights, as BERT's initializer); with a
    /// nil seed every weight is zero (a shell for weights about to be loaded).
    public init(config: BertConfig, seed: UInt64? = 0) {
        var g = seed.map(SeededGenerator.init(seed:))
        func weight(_ shape: [Int]) -> Parameter {
            Parameter(g == nil ? .zeros(shape) : .randomNormal(shape, std: 0.02, using: &g!))
        }
        let h = config.hiddenSize
        self.config = config
        wordEmbeddings = weight([config.vocabSize, h])
        positionEmbeddings = weight([config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = weight([config.typeVocabSize, h])
        relativeAttentionBias = config.modelType == .mpnet ? weight([config.relativeAttentionNumBuckets, config.numAttentionHeads]) : nil
        embeddingNormWeight = Parameter(.ones([h]))
        embeddingNormBias = Parameter(.zeros([h]))
        layers = (0..<config.numHiddenLayers).map { l in
            BertLayer(hidden: h, heads: config.heads(layer: l), headSize: config.headSize,
                      ffn: config.intermediateSize(layer: l), eps: config.layerNormEps, generator: &g)
        }
        poolerWeight = weight([h, h])
        poolerBias = Parameter(.zeros([h]))
        if !config.labels.isEmpty {
            classifierWeight = weight([config.labels.count, h])
            classifierBias = Parameter(.zeros([config.labels.count]))
        }
    }

    /// Every parameter by its Hugging Face name (base-model names without a `bert.` prefix), then
    /// those of an installed ``LinearTransform`` (`linear_transform.<name>`).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        var values = [wordEmbeddings, positionEmbeddings]
        if relativeAttentionBias == nil { values.append(tokenTypeEmbeddings) }
        values += [embeddingNormWeight, embeddingNormBias]
        for layer in layers { values += layer.namedParameters.map(\.1) }
        if let relativeAttentionBias { values.append(relativeAttentionBias) }
        values += [poolerWeight, poolerBias]
        if let classifierWeight, let classifierBias { values += [classifierWeight, classifierBias] }
        let names = Self.parameterNames(modelType: config.modelType, layers: layers.count, classifier: classifierWeight != nil)
        return zip(names, values).map { (name: $0, parameter: $1) }
            + (linearTransform?.parameters ?? []).map { (name: "linear_transform." + $0.name, parameter: $0.parameter) }
    }

    /// The Hugging Face names of a BERT's parameters (without `bert.`), in ``namedParameters``
    /// order: what a selector may match, known from the config alone.
    public static func parameterNames(layers: Int, classifier: Bool) -> [String] {
        parameterNames(modelType: .bert, layers: layers, classifier: classifier)
    }

    /// The parameter names of a model with `config` (BERT's names for either variant).
    public static func parameterNames(config: BertConfig) -> [String] {
        parameterNames(modelType: config.modelType, layers: config.numHiddenLayers, classifier: !config.labels.isEmpty)
    }

    /// The name of MPNet's relative-position bias table.
    public static let relativeAttentionBiasName = "encoder.relative_attention_bias.weight"

    private static func parameterNames(modelType: BertConfig.ModelType, layers: Int, classifier: Bool) -> [String] {
        let mpnet = modelType == .mpnet
        var names = ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight"]
        if !mpnet { names.append("embeddings.token_type_embeddings.weight") }
        names += ["embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
        names += (0..<layers).flatMap { l in BertLayer.parameterNames.map { "encoder.layer.\(l).\($0)" } }
        if mpnet { names.append(relativeAttentionBiasName) }
        names += ["pooler.dense.weight", "pooler.dense.bias"]
        if classifier { names += ["classifier.weight", "classifier.bias"] }
        return names
    }

    /// Gives the model a fresh classification head for `labels` (weights N(0, 0.02²)).
    public func addClassifier(labels: [String], seed: UInt64) {
        var g = SeededGenerator(seed: seed)
        config.labels = labels
        classifierWeight = Parameter(.randomNormal([labels.count, config.hiddenSize], std: 0.02, using: &g))
        classifierBias = Parameter(.zeros([labels.count]))
    }

    /// Runs the model (SDK 1.0's form, which stops the process when the batch does not fit).
    /// - Parameters:
    ///   - batch: token ids, mask and segment ids `(B, T)`; at most `max_position_embeddings`
    ///     long, ids below `vocab_size`.
    ///   - request: which internals to return.
    ///   - headGates: per layer, `(heads)` values multiplying the attention probabilities.
    ///   - training: applies dropout (from `dropoutGenerator`).
    /// - Returns: logits `(B, labels)` when there is a head, the pooled `(B, H)` output,
    ///   and what `request` asked for.
    @available(*, deprecated, message: "use forward(_:request:training:) or forward(_:request:headGates:training:), which throw when the batch does not fit")
    public func forward(_ batch: Batch, request: OutputRequest = [], headGates: [Tensor]? = nil,
                        training: Bool = false) -> ModelOutput {
        do {
            return try run(batch, request: request, headGates: headGates, training: training)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    /// Checks that `batch` fits the model: no longer than its position table, every id in
    /// its vocabulary (a vocab.txt longer than `vocab_size` gives ids past the table).
    /// - Throws: ``BertError/sequenceTooLong(tokens:positions:)``,
    ///   ``BertError/tokenOutOfRange(id:vocabulary:)`` or ``BertError/segmentOutOfRange(id:types:)``.
    public func checkFits(_ batch: Batch) throws {
        guard batch.length <= config.maxSequenceLength else {
            throw BertError.sequenceTooLong(tokens: batch.length, positions: config.maxSequenceLength)
        }
        let vocabulary = config.vocabSize
        if let bad = batch.inputIDs.scalars.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
            throw BertError.tokenOutOfRange(id: Int(bad), vocabulary: vocabulary)
        }
        // MPNet has no token types: segment ids are ignored.
        if config.modelType == .bert, let bad = batch.tokenTypeIDs.scalars.first(where: { $0 < 0 || Int($0) >= config.typeVocabSize }) {
            throw BertError.segmentOutOfRange(id: Int(bad), types: config.typeVocabSize)
        }
    }

    /// The forward pass behind both throwing entry points (``forward(_:request:training:)``
    /// and the head-gated one).
    func run(_ batch: Batch, request: OutputRequest, headGates: [Tensor]?, neuronGates: [Tensor]? = nil, training: Bool) throws -> ModelOutput {
        try checkFits(batch)
        if let neuronGates {
            guard neuronGates.count == layers.count else { throw NeuronPruningError.gateCount(layers: layers.count, found: neuronGates.count) }
            for (l, gate) in neuronGates.enumerated() where gate.shape != [layers[l].intermediate.shape[0]] {
                throw NeuronPruningError.gateShape(layer: l, expected: [layers[l].intermediate.shape[0]], found: gate.shape)
            }
        }
        if let headGates, headGates.count != layers.count {
            throw HeadPruningError.gateCount(layers: layers.count, found: headGates.count)
        }
        for (l, gate) in (headGates ?? []).enumerated() where gate.shape != [layers[l].heads] {
            throw HeadPruningError.gateShape(layer: l, expected: [layers[l].heads], found: gate.shape)
        }
        let (b, t) = (batch.size, batch.length)
        var x = embedding(batch.inputIDs, table: embeddingTable(wordEmbeddings))
            + embedding(config.positionIDs(for: batch), table: embeddingTable(positionEmbeddings))
        if config.modelType == .bert { x = x + embedding(batch.tokenTypeIDs, table: embeddingTable(tokenTypeEmbeddings)) }
        x = layerNorm(x, gamma: embeddingNormWeight.tensor, beta: embeddingNormBias.tensor, eps: config.layerNormEps)
        let positionBias = relativeAttentionBias.map { RelativePositionBias(table: $0.tensor, config: config, length: t) }
        let dropout = training ? DropoutContext(hiddenRate: config.hiddenDropoutProb,
                                                attentionRate: config.attentionProbsDropoutProb,
                                                generator: dropoutGenerator) : nil
        if let dropout { x = x.dropped(rate: dropout.hiddenRate, &dropout.generator) }
        // HF adds finfo(float32).min where the mask is 0.
        let mask = Tensor(shape: [b, t], scalars: batch.attentionMask.scalars.map { $0 != 0 ? 0 : -Float.greatestFiniteMagnitude })

        var output = ModelOutput(logits: nil)
        // x: (B, T, H) → its [CLS] row (B, H), with autograd.
        func clsState(_ x: Tensor) -> Tensor { x.slice(axis: 1, range: 0..<1).reshaped([b, config.hiddenSize]) }
        let keepCLS = request.contains(.clsHiddenStates)
        if request.contains(.hiddenStates) { output.hiddenStates.append(x) }
        for (l, layer) in layers.enumerated() {
            if keepCLS { output.clsHiddenStates.append(clsState(x)) }
            let result = layer.forward(x, mask: mask, positionBias: positionBias?.forLayer(l), headGate: headGates?[l],
                                       neuronGate: neuronGates?[l], keep: request, dropout: dropout)
            x = result.hidden
            if request.contains(.hiddenStates) { output.hiddenStates.append(x) }
            if let s = result.scores { output.attentionScores.append(s) }
            if let p = result.probabilities { output.attentionProbabilities.append(p) }
        }
        let cls = clsState(x)
        if keepCLS { output.clsHiddenStates.append(cls) }
        let pooled = tanh(dense(cls, poolerWeight, poolerBias))
        output.pooled = pooled
        if let classifierWeight, let classifierBias {
            var features = pooled
            if let dropout { features = features.dropped(rate: dropout.hiddenRate, &dropout.generator) }
            output.logits = dense(features, classifierWeight, classifierBias)
        }
        if let dropout { dropoutGenerator = dropout.generator }
        return output
    }
}

import BertSlimSDK

/// A one-layer bidirectional LSTM classifier over the teacher's WordPiece tokens:
///
///     e_t = E[x_t]                                  (B, T, E)   embeddings (dropout in training)
///     h→, h← = BiLSTM(e)                             (B, T, 2H)  lstm(_:_:reverse:mask:)
///     s = [h→_last ; h←_first]  or  max_t h_t        (B, 2H)     pooling: final | max
///     z = W_c · dropout(relu(W_d s + b_d)) + b_c     (B, C)      logits
///
/// Padded steps are skipped (the attention mask), so each direction starts and ends at the
/// text's own tokens. The embeddings start from the teacher's word embeddings (read through
/// ``BertEncoderProviding``) or N(0, 1); `vocabulary: training` keeps rows only for the
/// training texts' tokens (``TokenRows``).
///
/// Saved as a folder the host reloads through this component (`config.json` naming
/// `bilstm`, `model.safetensors`, and the teacher's `vocab.txt`, which the host copies in).
///
/// Based on: Tang et al. 2019, Distilling Task-Specific Knowledge from BERT into Simple Neural
/// Networks (the BiLSTM student; they used 300-d word2vec embeddings, which cannot be fetched
/// offline, so this student reads the teacher's own tokens and embeddings instead).
final class BiLSTMStudent: Student, LoadableModel, DropoutSeeded {
    typealias Settings = BiLSTMStudentSettings

    static let componentName = "bilstm"

    private(set) var labels: [String] = []
    private(set) var pooling = Settings.Pooling.final
    private(set) var dropoutRate: Float = 0
    /// Token ids the model accepts (`0..<vocabularySize`): the teacher's vocabulary.
    private(set) var vocabularySize = 0
    /// Rows for a subset of tokens, or nil for one row per token id.
    private(set) var tokenRows: TokenRows?
    private(set) var shape = BiLSTMWeights.Shape(rows: 0, embeddingSize: 0, lstmSize: 0, reluSize: 0, classes: 0)
    /// Nil until made from a teacher or loaded from a folder.
    private(set) var weights: BiLSTMWeights?
    var dropoutGenerator = SeededGenerator(seed: 0)

    /// Builds the network for `context`'s teacher and task; without a teacher or tokenizer (a
    /// model about to be loaded) the student stays empty until ``load(from:)``.
    init(settings: Settings, context: ComponentContext) throws {
        let name = Self.componentName
        pooling = settings.pooling
        dropoutRate = settings.dropout
        let encoder = (context.teacher?.model as? any BertEncoderProviding)?.bertEncoder
        var table: Tensor?
        switch settings.embeddings {
        case .teacher:
            guard let teacherModel = context.teacher?.model else { return }
            guard let encoder else {
                throw ComponentError(name, "embeddings: teacher needs a teacher that runs a BERT encoder (BertEncoderProviding), got \(type(of: teacherModel)); set embeddings: random")
            }
            table = encoder.wordEmbeddings.value
            vocabularySize = table?.shape[0] ?? 0
        case .random:
            guard let count = encoder?.config.vocabSize ?? context.tokenizer?.vocabulary.count else { return }
            vocabularySize = count
        }
        let embeddingSize = table?.shape[1] ?? settings.embeddingSize ?? 300
        labels = context.training?.labels?.names ?? (0..<(context.labelCount ?? 0)).map { "LABEL_\($0)" }
        guard !labels.isEmpty else { throw ComponentError(name, "the task's labels are unknown (no training data)") }
        if settings.vocabulary == .training {
            guard let tokenizer = context.tokenizer, let texts = context.training?.texts else {
                throw ComponentError(name, "vocabulary: training needs the training texts and the teacher's tokenizer")
            }
            let rows = try TokenRows(ids: TokenRows.tokens(of: texts, tokenizer: tokenizer).filter { Int($0) < vocabularySize },
                                     unknownID: tokenizer.unknownID)
            tokenRows = rows
            table = table.map { gatherRows($0, rows.ids) }
        }
        shape = BiLSTMWeights.Shape(rows: tokenRows?.ids.count ?? vocabularySize, embeddingSize: embeddingSize,
                                    lstmSize: settings.lstmSize, reluSize: settings.reluSize, classes: labels.count)
        weights = BiLSTMWeights(shape: shape, embedding: table, seed: context.seed)
    }

    var namedParameters: [(name: String, parameter: Parameter)] { weights?.named(shape) ?? [] }

    func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput {
        let name = Self.componentName
        guard let weights else { throw ComponentError(name, "has no weights yet: train it in a distill stage or load a saved folder") }
        let (b, t) = (batch.size, batch.length)
        guard b > 0, t > 0 else { throw ComponentError(name, "the batch is empty") }
        let mask = batch.attentionMask.scalars
        for row in 0..<b where !(0..<t).contains(where: { mask[row * t + $0] != 0 }) {
            throw ComponentError(name, "example \(row) of the batch has no tokens")
        }
        let ids = batch.inputIDs.scalars
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw ComponentError(name, "token id \(bad) is outside the teacher's \(vocabularySize)-token vocabulary")
        }
        let rows = IntTensor(shape: [b, t], scalars: tokenRows?.rows(ids) ?? ids)
        var x = embedding(rows, table: weights.embedding.tensor)  // (B, T, E)
        if training && dropoutRate > 0 { x = dropout(x, rate: dropoutRate, generator: &dropoutGenerator) }
        let out = lstm(x, BiLSTMWeights.direction(weights.forward), reverse: BiLSTMWeights.direction(weights.backward),
                       mask: batch.attentionMask)
        let h = shape.lstmSize
        let pooled: Tensor  // (B, 2H)
        switch pooling {
        case .final:
            pooled = concat([out.hidden.slice(axis: 0, range: 0..<1).reshaped([b, h]),
                             out.hidden.slice(axis: 0, range: 1..<2).reshaped([b, h])], axis: 1)
        case .max:
            let padding = Tensor(shape: [b, t, 1], scalars: mask.map { $0 == 0 ? 1 : 0 })
            pooled = max(maskedFill(out.output, mask: padding, value: -.infinity), axis: 1)
        }
        var hidden = relu(linear(pooled, weight: weights.denseWeight.tensor, bias: weights.denseBias.tensor))  // (B, R)
        if training && dropoutRate > 0 { hidden = dropout(hidden, rate: dropoutRate, generator: &dropoutGenerator) }
        return ModelOutput(logits: linear(hidden, weight: weights.classifierWeight.tensor, bias: weights.classifierBias.tensor))
    }

    /// Replaces the network (a folder being loaded).
    func replace(labels: [String], pooling: Settings.Pooling, dropout: Float, vocabularySize: Int, tokenRows: TokenRows?,
                 shape: BiLSTMWeights.Shape, weights: BiLSTMWeights) {
        self.labels = labels
        self.pooling = pooling
        dropoutRate = dropout
        self.vocabularySize = vocabularySize
        self.tokenRows = tokenRows
        self.shape = shape
        self.weights = weights
    }
}

/// Rows `ids` of a `(N, D)` table, as `(ids.count, D)`.
func gatherRows(_ table: Tensor, _ ids: [Int32]) -> Tensor {
    embedding(IntTensor(shape: [ids.count], scalars: ids), table: table.detached)
}

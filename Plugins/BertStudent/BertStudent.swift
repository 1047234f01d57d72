import BertSlimSDK

/// A smaller BERT trained to imitate a BERT teacher: fewer layers (and optionally a narrower
/// hidden size, fewer heads or a narrower FFN), started from the teacher's weights where the
/// shapes allow — the embeddings, the pooler and the classification head, and for student
/// layer i the teacher layer `layer_map[i]` (every other layer by default) — and from BERT's
/// N(0, 0.02²) initializer where they do not.
///
/// The student is the variant of the model its weights come from (BERT, or MPNet with its
/// relative-position bias copied when the head counts match).
///
/// The student is a ``BertModel`` underneath and saves as a plain Hugging Face BERT folder
/// (no `bertslim_component` marker): transformers loads it as `BertForSequenceClassification`
/// and the host reloads it as a `BertModel`, so later stages (pruning, quantization,
/// benchmarks) treat it like any BERT.
///
/// With `initialization: pretrained` the weights come from a pretrained checkpoint instead
/// (`pretrained: folder`), and the head from BERT's initializer: at the teacher's full size
/// (`layers` = the teacher's) that is a born-again student, which starts where its teacher's
/// fine-tuning started and learns from the teacher instead of the labels alone.
///
/// Based on: Sanh et al. 2019, DistilBERT, a distilled version of BERT (initialisation from
/// every other teacher layer); Furlanello et al. 2018, Born-Again Neural Networks, and Clark et
/// al. 2019, BAM! Born-Again Multi-Task Networks (students of the teacher's size).
final class BertStudent: Student, DropoutSeeded {
    typealias Settings = BertStudentSettings

    /// The network; nil until a teacher is given or a folder is loaded (a recipe being
    /// validated makes students without a teacher).
    private(set) var bert: BertModel?
    /// For each student layer, the teacher layer it was copied from (nil: random).
    private(set) var copiedLayers: [Int?] = []

    init(settings: Settings, context: ComponentContext) throws {
        let name = "bert-student"
        guard let teacherModel = context.teacher?.model else { return }
        guard let teacher = (teacherModel as? any BertEncoderProviding)?.bertEncoder ?? (teacherModel as? BertStudent)?.bert else {
            throw ComponentError(name, "needs a teacher that runs a BERT encoder (BertEncoderProviding), got \(type(of: teacherModel))")
        }
        let t = teacher.config
        // The weights come from the teacher, or from a pretrained checkpoint (born-again).
        var source = teacher
        // With a pretrained model of another vocabulary: its row of each of the teacher's tokens.
        var rows: [Int?]?
        if settings.initialization == .pretrained, let folder = settings.pretrained {
            let path = SettingsCheckContext(baseDirectory: context.baseDirectory).resolve(folder)
            do { source = try BertModel.load(directory: path) } catch { throw ComponentError(name, "pretrained: \(error)") }
            rows = try Self.rows(ofTeacherTokens: context.tokenizer, in: path, named: folder, model: source.config, teacher: t)
        }
        let (layerCount, hiddenSize, headCount) = settings.shape(teacherLayers: t.numHiddenLayers, hiddenSize: t.hiddenSize,
                                                                 heads: t.numAttentionHeads)
        let layers = layerCount ?? 1, hidden = hiddenSize ?? t.hiddenSize, heads = headCount ?? t.numAttentionHeads
        let ffn = settings.ffn ?? t.intermediateSize
        guard hidden % heads == 0 else {
            throw ComponentError(name, "hidden_size \(hidden) is not divisible by \(heads) heads")
        }
        let sourceLayers = source.config.numHiddenLayers
        let map = settings.layerMap ?? (0..<layers).map { $0 * sourceLayers / layers }
        guard map.count == layers else {
            throw ComponentError(name, "layer_map has \(map.count) entries for \(layers) layers")
        }
        if let bad = map.first(where: { !(0..<sourceLayers).contains($0) }) {
            let role = settings.initialization == .pretrained ? "layer of the pretrained model" : "teacher layer"
            throw ComponentError(name, "layer_map entry \(bad) is not a \(role) (0..<\(sourceLayers))")
        }
        var labels = t.labels
        if labels.isEmpty { labels = context.training?.labels?.names ?? (0..<(context.labelCount ?? 0)).map { "LABEL_\($0)" } }
        guard !labels.isEmpty else { throw ComponentError(name, "the teacher has no classification head and the task's labels are unknown") }
        let s = source.config
        var config = BertConfig(
            vocabSize: t.vocabSize, hiddenSize: hidden, numHiddenLayers: layers, numAttentionHeads: heads,
            intermediateSize: ffn, maxPositionEmbeddings: s.maxPositionEmbeddings, typeVocabSize: s.typeVocabSize,
            layerNormEps: s.layerNormEps, hiddenDropoutProb: t.hiddenDropoutProb,
            attentionProbsDropoutProb: t.attentionProbsDropoutProb, padTokenID: rows == nil ? s.padTokenID : t.padTokenID,
            labels: labels)
        (config.modelType, config.relativeAttentionNumBuckets) = (s.modelType, s.relativeAttentionNumBuckets)
        let bert = BertModel(config: config, seed: context.seed)
        copiedLayers = settings.initialization == .random
            ? Array(repeating: nil, count: layers) : copyTeacherWeights(into: bert, from: source, layerMap: map)
        if let rows { copyWordEmbeddings(into: bert, from: source, rows: rows) }
        self.bert = bert
    }

    /// Nil when the pretrained model reads the teacher's tokens (same vocabulary); otherwise,
    /// for each teacher token, the pretrained model's row of it (``pretrainedRows(for:in:)``).
    /// - Throws: when the vocabularies cannot be compared, the pretrained one covers less than
    ///   90 % of the teacher's tokens, or the pretrained model is an MPNet (its positions are
    ///   counted from its own padding token).
    private static func rows(ofTeacherTokens tokenizer: WordPieceTokenizer?, in path: String, named folder: String,
                             model: BertConfig, teacher: BertConfig) throws -> [Int?]? {
        let name = "bert-student"
        let loaded = Result { try WordPieceTokenizer(directory: path) }
        guard let tokenizer, case .success(let pretrained) = loaded else {
            // Nothing to match by: the same number of rows is taken as the same vocabulary.
            if model.vocabSize == teacher.vocabSize { return nil }
            let why = if case .failure(let error) = loaded { "its vocabulary cannot be matched to the teacher's: \(error)" }
                      else { "the stage has no tokenizer to match them by" }
            throw ComponentError(name, "pretrained: \(folder) has \(model.vocabSize) token embeddings, the teacher \(teacher.vocabSize), "
                                 + "and \(why)")
        }
        if pretrained.vocabulary.tokens == tokenizer.vocabulary.tokens { return nil }
        guard model.modelType == .bert else {
            throw ComponentError(name, "pretrained: \(folder) is an MPNet with another vocabulary than the teacher's; "
                                 + "an MPNet student must start from a model of the teacher's vocabulary")
        }
        let rows = pretrainedRows(for: tokenizer, in: pretrained)
        let found = rows.count(where: { $0 != nil })
        guard found * 10 >= rows.count * 9 else {
            throw ComponentError(name, "pretrained: \(folder)'s vocabulary holds \(found) of the teacher's \(rows.count) tokens "
                                 + "(at least 90 % needed: the student reads the teacher's tokens)")
        }
        return rows
    }

    private func network() throws -> BertModel {
        guard let bert else { throw ComponentError("bert-student", "was made without a teacher and nothing was loaded into it") }
        return bert
    }

    var namedParameters: [(name: String, parameter: Parameter)] { bert?.namedParameters ?? [] }

    var labels: [String] { bert?.config.labels ?? [] }

    var dropoutGenerator: SeededGenerator {
        get { bert?.dropoutGenerator ?? SeededGenerator(seed: 0) }
        set { bert?.dropoutGenerator = newValue }
    }

    func forward(_ batch: Batch, request: OutputRequest, training: Bool) throws -> ModelOutput {
        try network().forward(batch, request: request, training: training)
    }

    /// Writes a Hugging Face BERT folder (`config.json`, `model.safetensors`).
    func save(to directory: String) throws { try network().save(to: directory) }

    /// Loads the BERT saved in `directory`: into the current parameters when the
    /// architecture is the same (a resumed run's optimizer keeps pointing at them), otherwise
    /// as a whole new network of the saved shape.
    func load(from directory: String) throws {
        let loaded = try BertModel.load(directory: directory)
        if let bert, bert.config == loaded.config {
            for ((_, mine), (_, saved)) in zip(bert.namedParameters, loaded.namedParameters) { mine.value = saved.value }
        } else {
            bert = loaded
        }
    }
}

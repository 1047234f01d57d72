import BertSlimSDK

/// How a ``BiLSTMStudent`` is shaped and initialised.
struct BiLSTMStudentSettings: ComponentSettings {
    /// Where the word embeddings start.
    enum Embeddings: String, Decodable, CaseIterable {
        /// The teacher's input word embeddings (its `embeddings.word_embeddings.weight`), so the
        /// width is the teacher's hidden size.
        case teacher
        /// N(0, 1), seeded (PyTorch's `nn.Embedding` default), `embedding_size` wide.
        case random
    }

    /// Which of the teacher's WordPiece tokens get a row of their own.
    enum TokenRows: String, Decodable, CaseIterable {
        /// Every token of the teacher's vocabulary.
        case teacher
        /// Only the tokens of the training texts (and the special tokens); others read `[UNK]`'s
        /// row. A much smaller table, at the cost of words first seen at test time.
        case training
    }

    /// How the BiLSTM's outputs become one vector per text.
    enum Pooling: String, Decodable, CaseIterable {
        /// The final forward state (at the last token) beside the final backward state (at the
        /// first), as in Tang et al.
        case final
        /// The largest value of every feature over the real tokens.
        case max
    }

    var embeddings = Embeddings.teacher
    var embeddingSize: Int?
    var vocabulary = TokenRows.training
    var lstmSize = 150
    var reluSize = 200
    var dropout: Float = 0.1
    var pooling = Pooling.final

    static var keys: [SettingKey<BiLSTMStudentSettings>] { [
        SettingKey("embeddings", \.embeddings, "teacher: start from the teacher's word embeddings; random: N(0, 1)"),
        SettingKey("embedding_size", \.embeddingSize, "width of random embeddings (default 300); with embeddings: teacher it is the teacher's",
                   valid: { $0.map { (1...4096).contains($0) } ?? true ? nil : "\($0!) is not in 1...4096" }),
        SettingKey("vocabulary", \.vocabulary, "training: rows only for the training texts' tokens (others read [UNK]'s); teacher: a row for every WordPiece token"),
        SettingKey("lstm_size", \.lstmSize, "hidden units per LSTM direction",
                   valid: { (1...4096).contains($0) ? nil : "\($0) is not in 1...4096" }),
        SettingKey("relu_size", \.reluSize, "units of the ReLU layer between the BiLSTM and the logits",
                   valid: { (1...16384).contains($0) ? nil : "\($0) is not in 1...16384" }),
        SettingKey("dropout", \.dropout, "dropout rate on the embeddings and the ReLU layer while training (0...1)",
                   valid: { (0..<1).contains($0) ? nil : "\($0) is not in [0, 1)" }),
        SettingKey("pooling", \.pooling, "final: last forward and backward states; max: max-pool over time"),
    ] }

    func conflict() -> (key: String, reason: String)? {
        if embeddings == .teacher, let size = embeddingSize {
            return ("embedding_size", "is the teacher's hidden size with embeddings: teacher; set embeddings: random to use \(size)")
        }
        return nil
    }
}

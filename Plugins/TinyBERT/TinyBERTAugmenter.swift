import BertSlimSDK

/// TinyBERT's data augmentation: `n_a` copies of each text, in each of which every word is
/// replaced, with probability p_t, by one of its K candidate words chosen uniformly.
///
/// The paper takes a single-piece word's candidates from BERT's masked-LM predictions at that
/// position and a multi-piece word's from its GloVe neighbours. Neither is available here (our
/// teacher has no masked-LM head; GloVe cannot be fetched offline), so both come from the
/// teacher's input word embeddings (``EmbeddingNeighbours``): a single-piece word's K nearest
/// whole-word tokens by cosine similarity, and a multi-piece word's K nearest to the mean of its
/// pieces' rows. Unlike masked-LM candidates these ignore the sentence around the word.
/// Punctuation, numbers and words with unknown pieces stay as they are. Copies come from a
/// generator seeded by the run's seed and the text's position; the host drops duplicates.
///
/// Based on: Jiao et al. 2019, TinyBERT, §3.3 and Algorithm 1 (p_t = 0.4, N_a = 20, K = 15).
final class TinyBERTAugmenter: Augmenter {
    struct Settings: ComponentSettings {
        var pT: Float = 0.4
        var nA = 20
        var candidates = 15

        static var keys: [SettingKey<Settings>] { [
            SettingKey("p_t", \.pT, "probability that a word is replaced by one of its candidates (paper: 0.4)",
                       valid: { (0...1).contains($0) ? nil : "\($0) is not a probability (0...1)" }),
            SettingKey("n_a", \.nA, "augmented copies made per text before duplicates are dropped (paper: N_a = 20)",
                       valid: { (1...1000).contains($0) ? nil : "\($0) is not in 1...1000" }),
            SettingKey("candidates", \.candidates, "candidate words per word, K (paper: 15)",
                       valid: { (1...1000).contains($0) ? nil : "\($0) is not in 1...1000" }),
        ] }
    }

    static let name = "tinybert-augment"

    let settings: Settings
    private let neighbours: EmbeddingNeighbours

    init(settings: Settings, context: ComponentContext) throws {
        self.settings = settings
        guard let tokenizer = context.tokenizer else {
            throw ComponentError(Self.name, "needs the teacher's tokenizer (the stage's data), and none was given")
        }
        guard let encoder = context.teacher?.model as? any BertEncoderProviding else {
            throw ComponentError(Self.name, "needs a teacher that runs a BERT encoder (BertEncoderProviding) for its word embeddings; got "
                                 + (context.teacher.map { "\(type(of: $0.model))" } ?? "no teacher"))
        }
        neighbours = try EmbeddingNeighbours(embeddings: encoder.bertEncoder.wordEmbeddings.value, tokenizer: tokenizer,
                                             count: settings.candidates, multiPieceWords: true, component: Self.name)
    }

    func augment(_ texts: [String], seed: UInt64) throws -> [[String]] {
        let split = texts.map(augmentationWords(of:))
        neighbours.prepare(Set(split.joined()))
        return split.indices.map { index in
            var generator = SeededGenerator(seed: seed, stream: UInt64(index))
            return (0..<settings.nA).map { _ in
                split[index].map { word in
                    let choices = neighbours.neighbours(of: word)
                    guard !choices.isEmpty, generator.nextUniform() < settings.pT else { return word }
                    return choices[Int(generator.next() % UInt64(choices.count))]
                }.joined(separator: " ")
            }
        }
    }
}

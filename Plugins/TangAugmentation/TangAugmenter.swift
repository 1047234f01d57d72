import BertSlimSDK

/// Tang et al.'s rule-based augmentation, which grows a small training set into a transfer set
/// on which the teacher's outputs carry more than the labels do. Each copy of a text is made
/// word by word: with a draw X ~ U[0, 1) per word,
///
/// - X < p_mask: the word becomes the tokenizer's mask token (`[MASK]`);
/// - p_mask ≤ X < p_mask + p_neighbour: the word becomes one of its `neighbours` nearest
///   words in the teacher's embedding table, chosen uniformly (``EmbeddingNeighbours``) — this
///   stands in for the paper's POS-guided replacement (p_pos), which needs a tagger that is
///   not available offline; words without neighbours (numbers, punctuation, words the
///   vocabulary splits into pieces) stay;
/// - otherwise the word stays;
///
/// then, with probability p_ngram, the copy is cut to one of its n-grams, n uniform in
/// 1…`max_ngram` (the whole copy when it is shorter), at a uniform start. `n_iter` copies are
/// made per text from a generator seeded by the run's seed and the text's position, so the
/// same texts and seed give the same copies. The host drops duplicates and empty texts.
///
/// Based on: Tang et al. 2019, Distilling Task-Specific Knowledge from BERT into Simple Neural
/// Networks, §3.2 (p_mask = p_pos = 0.1, p_ng = 0.25, n ∈ [1, 5], n_iter = 20).
final class TangAugmenter: Augmenter {
    struct Settings: ComponentSettings {
        var pMask: Float = 0.1
        var pNeighbour: Float = 0.1
        var neighbours = 10
        var pNgram: Float = 0.25
        var maxNgram = 5
        var nIter = 20

        static var keys: [SettingKey<Settings>] { [
            SettingKey("p_mask", \.pMask, "probability that a word becomes [MASK] (paper: p_mask = 0.1)", valid: probability),
            SettingKey("p_neighbour", \.pNeighbour,
                       "probability that a word becomes one of its nearest words in the teacher's embeddings; stands in for the paper's POS-guided replacement p_pos = 0.1",
                       valid: probability),
            SettingKey("neighbours", \.neighbours, "candidate replacements per word (the k nearest by cosine similarity)",
                       valid: { (1...1000).contains($0) ? nil : "\($0) is not in 1...1000" }),
            SettingKey("p_ngram", \.pNgram, "probability that a copy is cut to one of its n-grams (paper: p_ng = 0.25)", valid: probability),
            SettingKey("max_ngram", \.maxNgram, "n-grams are n = 1…max_ngram words long, n uniform (paper: 5)",
                       valid: { (1...100).contains($0) ? nil : "\($0) is not in 1...100" }),
            SettingKey("n_iter", \.nIter, "augmented copies made per text before duplicates are dropped (paper: 20)",
                       valid: { (1...1000).contains($0) ? nil : "\($0) is not in 1...1000 (at least one copy per text)" }),
        ] }

        func conflict() -> (key: String, reason: String)? {
            pMask + pNeighbour > 1 ? ("p_neighbour", "p_mask + p_neighbour is \(pMask + pNeighbour); both rules share one draw per word, so it must be at most 1") : nil
        }
    }

    static let componentName = "tang-rules"

    let settings: Settings
    private let maskToken: String
    private let neighbours: EmbeddingNeighbours?

    init(settings: Settings, context: ComponentContext) throws {
        self.settings = settings
        let name = Self.componentName
        guard let tokenizer = context.tokenizer else {
            throw ComponentError(name, "needs the teacher's tokenizer (the stage's data), and none was given")
        }
        if let mask = tokenizer.specialTokens.mask, tokenizer.vocabulary.id(for: mask) != nil {
            maskToken = mask
        } else if settings.pMask > 0 {
            throw ComponentError(name, "p_mask is \(settings.pMask), but \(tokenizer.vocabulary.source) has no mask token; set p_mask: 0")
        } else {
            maskToken = ""
        }
        guard settings.pNeighbour > 0 else { neighbours = nil; return }
        guard let encoder = context.teacher?.model as? any BertEncoderProviding else {
            throw ComponentError(name, "p_neighbour needs a teacher that runs a BERT encoder (BertEncoderProviding) for its word embeddings; "
                                 + "got \(context.teacher.map { "\(type(of: $0.model))" } ?? "no teacher"); set p_neighbour: 0 to go without")
        }
        neighbours = try EmbeddingNeighbours(embeddings: encoder.bertEncoder.wordEmbeddings.value, tokenizer: tokenizer,
                                             count: settings.neighbours, component: name)
    }

    func augment(_ texts: [String], seed: UInt64) throws -> [[String]] {
        let split = texts.map(augmentationWords(of:))
        neighbours?.prepare(Set(split.joined()))
        return split.indices.map { index in
            var generator = SeededGenerator(seed: seed, stream: UInt64(index))
            return (0..<settings.nIter).map { _ in copy(of: split[index], using: &generator).joined(separator: " ") }
        }
    }

    /// One augmented copy of a text's words.
    func copy(of words: [String], using generator: inout SeededGenerator) -> [String] {
        var out: [String] = []
        out.reserveCapacity(words.count)
        for word in words {
            let x = generator.nextUniform()
            if x < settings.pMask {
                out.append(maskToken)
            } else if x < settings.pMask + settings.pNeighbour, let choices = neighbours?.neighbours(of: word), !choices.isEmpty {
                out.append(choices[Int(generator.next() % UInt64(choices.count))])
            } else {
                out.append(word)
            }
        }
        if generator.nextUniform() < settings.pNgram, !out.isEmpty {
            let n = min(1 + Int(generator.next() % UInt64(settings.maxNgram)), out.count)
            let start = Int(generator.next() % UInt64(out.count - n + 1))
            out = Array(out[start..<start + n])
        }
        return out
    }
}

/// A check for a probability setting.
private func probability(_ p: Float) -> String? {
    (0...1).contains(p) ? nil : "\(p) is not a probability (0...1)"
}

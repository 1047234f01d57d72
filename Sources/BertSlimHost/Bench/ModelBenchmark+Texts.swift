import BertSlimSDK

extension ModelBenchmark {
    /// The tokens of `batch` (after `[CLS]`) as space-separated text, one string per row: the
    /// same input for students that read words (logistic regression) as BERT gets in ids.
    public static func texts(of batch: Batch, vocabulary: Vocabulary) -> [String] {
        let (rows, length) = (batch.size, batch.length)
        let ids = batch.inputIDs.scalars
        return (0..<rows).map { row in
            ids[(row * length + 1)..<((row + 1) * length)].compactMap { vocabulary.token(for: Int($0)) }.joined(separator: " ")
        }
    }
}

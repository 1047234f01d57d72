import Foundation

/// `bertslim bench infer` / `bench train`: a whole BERT forward pass, or one fine-tuning
/// step (forward + backward + AdamW), on random full-length batches — the workloads
/// `scripts/bench-vs-pytorch.py infer|train` runs in PyTorch.
public enum ModelBenchmark {
    /// Architectures for models made up on the spot (random weights; speed does not care).
    public static let architectures: [String: BertConfig] = [
        "bert-base": BertConfig(vocabSize: 30522, hiddenSize: 768, numHiddenLayers: 12,
                                numAttentionHeads: 12, intermediateSize: 3072),
        "minilm-l6": BertConfig(vocabSize: 30522, hiddenSize: 384, numHiddenLayers: 6,
                                numAttentionHeads: 12, intermediateSize: 1536),
    ]

    /// A batch of `batch` × `length` random token ids (no padding; `classifierID` first, then
    /// ids past the first 1000 — BERT's special and unused ones — when the vocabulary has
    /// them), the same for every run.
    public static func randomBatch(vocabularySize: Int, classifierID: Int32 = 101, batch: Int, length: Int, labels: Int = 2) -> Batch {
        var g = SeededGenerator(seed: 7)
        let first = vocabularySize > 2000 ? 1000 : 0
        let ids = (0..<(batch * length)).map { i -> Int32 in
            i % length == 0 ? classifierID : Int32(first + Int(g.next() % UInt64(max(vocabularySize - first, 1))))
        }
        return Batch(inputIDs: IntTensor(shape: [batch, length], scalars: ids),
                     attentionMask: IntTensor(repeating: 1, shape: [batch, length]),
                     tokenTypeIDs: IntTensor(repeating: 0, shape: [batch, length]),
                     labels: IntTensor(shape: [batch], scalars: (0..<batch).map { Int32($0 % labels) }))
    }

    /// Median latency of an inference forward pass (no gradients, eval mode).
    public static func inference(_ model: any Model, batch: Batch, warmup: Int = 3, runs: Int) throws -> Timing {
        try withoutGradient {
            try measure(warmup: warmup, runs: runs) { _ = try model.forward(batch, request: [], training: false) }
        }
    }

    /// Median time of one training step: forward with dropout, cross-entropy, backward,
    /// gradient clipping and an AdamW update.
    public static func trainingStep(_ model: BertModel, batch: Batch, runs: Int) throws -> Timing {
        if model.classifierWeight == nil { model.addClassifier(labels: ["negative", "positive"], seed: 1) }
        let named = model.namedParameters
        let optimizer = try AdamW(groups: ParameterGroup.weightDecayGroups(named.map { (name: $0.0, parameter: $0.1) }, weightDecay: 0.01), learningRate: 2e-5)
        let labels = batch.labels!
        try model.checkFits(batch)
        return try measure(warmup: 2, runs: runs) {
            guard let logits = try model.forward(batch, request: [], training: true).logits else { throw TrainingError.noClassificationHead }
            try crossEntropy(logits, labels: labels).backward()
            _ = clipGradientNorm(named.map(\.1), maxNorm: 1)
            optimizer.step()
            optimizer.zeroGrad()
        }
    }
}

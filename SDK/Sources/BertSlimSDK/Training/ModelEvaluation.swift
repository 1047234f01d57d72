/// Accuracy and F1 of any classifier ``Model`` on a labelled dataset (eval mode, no
/// gradients), batched in length order so batches carry little padding. Over several ranks
/// (``Distributed/world``), rank r scores batches r, r + size, … and every rank gets all the
/// predictions (SDK 1.6).
/// - Throws: what the model's forward pass throws, `TrainingError.missingLabels` when
///   the data has no labels, or `.noClassificationHead` when the model returns no logits.
public func evaluateClassifier(_ model: any Model, on dataset: EncodedDataset, batchSize: Int = 64) throws -> ClassificationMetrics {
    guard let classes = dataset.dataset.labels?.count,
          dataset.dataset.examples.allSatisfy({ $0.labelID != nil }) else {
        throw TrainingError.missingLabels(file: dataset.dataset.file)
    }
    let communicator = Distributed.world
    // Class ids plus one, 0 where another rank predicts: summed over the ranks.
    var predictions = [Float](repeating: 0, count: dataset.count)
    try withoutGradient {
        let order = dataset.lengths.indices.sorted { dataset.lengths[$0] < dataset.lengths[$1] }
        let starts = Array(stride(from: 0, to: order.count, by: batchSize))
        for start in stride(from: communicator.rank, to: starts.count, by: communicator.size).map({ starts[$0] }) {
            let indices = Array(order[start..<min(start + batchSize, order.count)])
            guard let logits = try model.forward(dataset.batch(indices), request: [], training: false).logits else {
                throw TrainingError.noClassificationHead
            }
            for (i, p) in zip(indices, argmax(logits, axis: -1)) { predictions[i] = Float(p + 1) }
        }
    }
    try communicator.allReduce(&predictions, .sum)
    let labels = dataset.dataset.examples.map { Int($0.labelID ?? -1) }
    return ClassificationMetrics(predictions: predictions.map { Int($0) - 1 }, labels: labels, classes: classes)
}

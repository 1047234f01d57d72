/// Accuracy and F1 of any classifier ``Model`` on a labelled dataset (eval mode, no
/// gradients), batched in length order so batches carry little padding.
/// - Throws: what the model's forward pass throws, `TrainingError.missingLabels` when
///   the data has no labels, or `.noClassificationHead` when the model returns no logits.
public func evaluateClassifier(_ model: any Model, on dataset: EncodedDataset, batchSize: Int = 64) throws -> ClassificationMetrics {
    guard let classes = dataset.dataset.labels?.count,
          dataset.dataset.examples.allSatisfy({ $0.labelID != nil }) else {
        throw TrainingError.missingLabels(file: dataset.dataset.file)
    }
    var predictions = [Int](repeating: 0, count: dataset.count)
    try withoutGradient {
        let order = dataset.lengths.indices.sorted { dataset.lengths[$0] < dataset.lengths[$1] }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let indices = Array(order[start..<min(start + batchSize, order.count)])
            guard let logits = try model.forward(dataset.batch(indices), request: [], training: false).logits else {
                throw TrainingError.noClassificationHead
            }
            for (i, p) in zip(indices, argmax(logits, axis: -1)) { predictions[i] = p }
        }
    }
    let labels = dataset.dataset.examples.map { Int($0.labelID ?? -1) }
    return ClassificationMetrics(predictions: predictions, labels: labels, classes: classes)
}

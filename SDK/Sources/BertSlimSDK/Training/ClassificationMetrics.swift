/// Accuracy and F1 of predicted class ids against gold ones.
public struct ClassificationMetrics: Codable, Equatable, Sendable {
    /// Fraction of examples predicted right.
    public var accuracy: Double
    /// F1 of the positive class (id 1) for two classes; macro-averaged F1 otherwise.
    public var f1: Double
    /// Number of examples scored.
    public var count: Int

    /// Scores `predictions` against `labels` over `classes` classes.
    public init(predictions: [Int], labels: [Int], classes: Int) {
        precondition(predictions.count == labels.count, "\(predictions.count) predictions for \(labels.count) labels")
        count = labels.count
        accuracy = count == 0 ? 0 : Double(zip(predictions, labels).filter { $0 == $1 }.count) / Double(count)
        func classF1(_ c: Int) -> Double {
            let pairs = zip(predictions, labels)
            let tp = pairs.filter { $0 == c && $1 == c }.count
            let fp = pairs.filter { $0 == c && $1 != c }.count
            let fn = pairs.filter { $0 != c && $1 == c }.count
            return 2 * tp + fp + fn == 0 ? 0 : Double(2 * tp) / Double(2 * tp + fp + fn)
        }
        f1 = classes == 2 ? classF1(1) : (0..<classes).map(classF1).reduce(0, +) / Double(max(classes, 1))
    }
}

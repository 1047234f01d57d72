/// Why a loss cannot be computed from its inputs: values that come from data (labels),
/// unlike shapes, which are the caller's to get right.
public enum LossError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A class label outside `0..<classes` (and not the ignored label); `row` counts from 0.
    case labelOutOfRange(label: Int32, row: Int, classes: Int)

    public var description: String {
        switch self {
        case let .labelOutOfRange(label, row, classes):
            return "crossEntropy: label \(label) (row \(row)) is not in 0..<\(classes), the classes the logits have"
        }
    }
}

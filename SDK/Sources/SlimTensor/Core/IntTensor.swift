/// A row-major array of Int32 with a shape: token ids, labels, masks.
public struct IntTensor: Equatable, Sendable {
    /// Dimensions, outermost first.
    public let shape: [Int]
    /// The values in row-major order.
    public var scalars: [Int32]

    /// A tensor holding `scalars`.
    public init(shape: [Int], scalars: [Int32]) {
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor filled with `value`.
    public init(repeating value: Int32, shape: [Int]) {
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// Number of values.
    public var count: Int { scalars.count }

    /// The values as Float32 (masks, labels used as targets).
    public var floats: Tensor { Tensor(shape: shape, scalars: scalars.map(Float.init)) }
}

internal import Foundation

/// A contiguous, row-major Float32 array with a shape, optionally taking part in
/// reverse-mode differentiation.
///
/// Tensors are values: ops return new tensors, storage is shared until written (copy on
/// write). A tensor that came from a ``Parameter`` or from an op on one carries a node of the
/// autograd graph; ``backward()`` on a scalar fills the parameters' gradients.
public struct Tensor {
    /// Dimensions, outermost first. A scalar has shape `[]`.
    public let shape: [Int]
    @usableFromInline var storage: TensorStorage
    @usableFromInline var node: GradNode?

    @usableFromInline
    init(shape: [Int], storage: TensorStorage, node: GradNode? = nil) {
        precondition(Tensor.elementCount(shape) == storage.count,
                     "shape \(shape) does not hold \(storage.count) values")
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// An uninitialised tensor (every value must be written before it is read).
    public init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: Tensor.elementCount(shape)))
    }

    /// A tensor filled with `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(uninitializedShape: shape)
        storage.pointer.initialize(repeating: value, count: storage.count)
    }

    /// A tensor holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) {
        precondition(Tensor.elementCount(shape) == scalars.count,
                     "shape \(shape) needs \(Tensor.elementCount(shape)) values, got \(scalars.count)")
        self.init(uninitializedShape: shape)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: $0.count) }
    }

    /// A rank-0 tensor.
    public init(_ scalar: Float) { self.init(shape: [], scalars: [scalar]) }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: TensorStorage(zeros: elementCount(shape)))
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// Number of values.
    @inlinable public var count: Int { storage.count }
    /// Number of dimensions.
    @inlinable public var rank: Int { shape.count }
    /// The values in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }
    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with shape \(shape)")
        return storage.pointer[0]
    }

    /// Product of the dimensions.
    @inlinable public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Read access to the values.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Write access to the values; copies first if the storage is shared.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        storage.version &+= 1
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// The same values, cut from the autograd graph.
    @inlinable public var detached: Tensor { Tensor(shape: shape, storage: storage) }
    /// Whether gradients flow back through this tensor.
    @inlinable public var requiresGrad: Bool { node != nil }
    /// Same-shape tensor with fresh storage (not part of any graph).
    public func copy() -> Tensor { Tensor(shape: shape, storage: storage.copy()) }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape): [\(shown)\(count > 8 ? ", …" : "")])"
    }
}
